//! Limits on everything a stranger's file or link can carry, checked before any
//! parsing or rendering, and the short excerpts that error messages quote.
//!
//! A permalink in a mail or a scenario file attached to one is hostile input: its
//! size is checked before it is read (so `/dev/zero` or a 50 MB file is refused at
//! once, naming the limit), every string in it has a length limit (so no title can
//! make a layout expensive), and an error quotes at most [`EXCERPT_CHARS`]
//! characters of it. The numbers are documented in docs/scenario-format.md,
//! docs/permalinks.md and docs/lessons.md (tests/docs.rs checks that they agree).

use std::fmt;
use std::io::Read;

/// Largest file read as a scenario, a trace or a lesson (the CLI's FILE, the web
/// app's file import and drop). A trace of the longest schedule of a scenario at
/// every other limit fits (tests/limits.rs).
pub const MAX_FILE_BYTES: usize = 8 << 20;
/// Largest scenario file text (format 1 or 2), inline or in a file.
pub const MAX_SCENARIO_BYTES: usize = 256 << 10;
/// Largest lesson file text.
pub const MAX_LESSON_BYTES: usize = 1 << 20;
/// Largest permalink fragment; an inline scenario of [`MAX_SCENARIO_BYTES`] fits
/// in base64url (4/3 of it), with its events.
pub const MAX_PERMALINK_BYTES: usize = 512 << 10;

/// A scenario's `title` and a lesson's `title`, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// A scenario's `story`, in characters.
pub const MAX_STORY_CHARS: usize = 4000;
/// A task's `role`, in characters.
pub const MAX_ROLE_CHARS: usize = 40;
/// A scenario's `name`, in ASCII characters.
pub const MAX_SCENARIO_NAME: usize = 40;
/// A page's `name`.
pub const MAX_PAGE_NAME: usize = 8;
/// A task's `name` and a flag's name.
pub const MAX_TASK_NAME: usize = 16;
/// A lesson step's `text` and a question's `explanation`, in characters.
pub const MAX_LESSON_TEXT_CHARS: usize = 4000;
/// A question's `prompt` and each of its `choices`, in characters.
pub const MAX_QUESTION_CHARS: usize = 400;

/// Characters of the input an error message quotes at most.
pub const EXCERPT_CHARS: usize = 40;
/// Bytes of an error message at most, whatever the input (a safety net behind the
/// excerpts: every message is well under it).
pub const MAX_MESSAGE_BYTES: usize = 600;

/// An input over its size limit: what it is, how big it is, and the limit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct TooLarge {
    /// What was refused (`"a file"`, `"a permalink"`).
    pub what: &'static str,
    /// Its size in bytes, or `None` when only "more than the limit" is known (a
    /// special file such as `/dev/zero` is read no further than the limit).
    pub size: Option<u64>,
    /// The limit, in bytes.
    pub limit: usize,
    /// The limit's name in [`crate::limits`], for the docs.
    pub name: &'static str,
    /// The page of docs/ that documents it.
    pub doc: &'static str,
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.size {
            // One byte over reads as the limit once rounded: say it exactly.
            Some(size) if bytes(size).replace(".0 ", " ") == bytes(self.limit as u64) => {
                write!(f, "{} of {size} bytes is", self.what)
            }
            Some(size) => write!(f, "{} of {} is", self.what, bytes(size)),
            None => write!(
                f,
                "{} of more than {} is",
                self.what,
                bytes(self.limit as u64)
            ),
        }?;
        write!(
            f,
            " over the limit of {} ({}; see docs/{})",
            bytes(self.limit as u64),
            self.name,
            self.doc
        )
    }
}

/// A size as people read it: `512 KiB`, `8 MiB`, `1.3 MiB`, `700 bytes`.
fn bytes(n: u64) -> String {
    let unit = |shift: u32, name: &str| {
        if n.is_multiple_of(1 << shift) {
            format!("{} {name}", n >> shift)
        } else {
            // Integer arithmetic: float formatting would cost the web app
            // about 10 KB of wasm for this one message.
            let tenths = ((n as u128 * 10 + (1u128 << (shift - 1))) >> shift) as u64;
            format!("{}.{} {name}", tenths / 10, tenths % 10)
        }
    };
    match n {
        n if n >= 1 << 20 => unit(20, "MiB"),
        n if n >= 1 << 10 => unit(10, "KiB"),
        n => format!("{n} bytes"),
    }
}

/// Each byte limit with its name and the page of docs/ that documents it.
type Limit = (usize, &'static str, &'static str);
const FILE: Limit = (MAX_FILE_BYTES, "MAX_FILE_BYTES", "scenario-format.md");
const SCENARIO: Limit = (
    MAX_SCENARIO_BYTES,
    "MAX_SCENARIO_BYTES",
    "scenario-format.md",
);
const LESSON: Limit = (MAX_LESSON_BYTES, "MAX_LESSON_BYTES", "lessons.md");
const PERMALINK: Limit = (MAX_PERMALINK_BYTES, "MAX_PERMALINK_BYTES", "permalinks.md");

/// `size` against `limit`; `name` and `doc` say which limit and where it is
/// documented.
fn check(what: &'static str, size: u64, (limit, name, doc): Limit) -> Result<(), TooLarge> {
    if size > limit as u64 {
        Err(TooLarge {
            what,
            size: Some(size),
            limit,
            name,
            doc,
        })
    } else {
        Ok(())
    }
}

/// A file of `size` bytes may be read ([`MAX_FILE_BYTES`]): the web app asks this
/// of a picked or dropped file before reading a byte of it.
pub fn check_file_size(size: u64) -> Result<(), TooLarge> {
    check("a file", size, FILE)
}

/// A scenario file's text is small enough to parse ([`MAX_SCENARIO_BYTES`]).
pub fn check_scenario_text(text: &str) -> Result<(), TooLarge> {
    check("a scenario", text.len() as u64, SCENARIO)
}

/// A lesson file's text is small enough to parse ([`MAX_LESSON_BYTES`]).
pub fn check_lesson_text(text: &str) -> Result<(), TooLarge> {
    check("a lesson", text.len() as u64, LESSON)
}

/// A permalink fragment is small enough to decode ([`MAX_PERMALINK_BYTES`]).
pub fn check_permalink(fragment: &str) -> Result<(), TooLarge> {
    check("a link", fragment.len() as u64, PERMALINK)
}

/// Why a file could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Over [`MAX_FILE_BYTES`].
    #[error("{0}")]
    TooLarge(TooLarge),
    /// Not UTF-8: the byte offset of the first bad byte.
    #[error("not UTF-8 text (byte {0} is not valid UTF-8)")]
    NotText(usize),
    /// The operating system's error.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Reads at most [`MAX_FILE_BYTES`] from `reader` as UTF-8 text: one byte more
/// is refused at once, so an endless special file (`/dev/zero`) costs no more
/// than the limit, and the size a file claims is never trusted.
pub fn read_text(reader: impl Read) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_FILE_BYTES {
        let (limit, name, doc) = FILE;
        return Err(ReadError::TooLarge(TooLarge {
            what: "a file",
            size: None,
            limit,
            name,
            doc,
        }));
    }
    String::from_utf8(bytes).map_err(|e| ReadError::NotText(e.utf8_error().valid_up_to()))
}

/// Whether `c` may reach a terminal or a page as it is. Not: C0 and C1 control
/// characters and DEL (ESC starts a terminal escape, BEL rings, CR overwrites
/// the line), the bidirectional controls that reorder the text around them
/// (U+202E), line and paragraph separators, and the invisible characters that
/// hide text or make a blank look like a word (zero widths, the BOM).
pub fn is_printable(c: char) -> bool {
    !(c.is_control()
        || matches!(c,
            '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'))
}

/// Whether `text` shows nothing: only whitespace and characters that are not
/// [`is_printable`] (a zero width space, a BOM, control characters). A title
/// like that must not count as given.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || !is_printable(c))
}

/// Whether `text` is one line: no line feed, carriage return, vertical tab,
/// form feed, NEL or line or paragraph separator.
pub fn is_one_line(text: &str) -> bool {
    !text.contains([
        '\n', '\r', '\u{b}', '\u{c}', '\u{85}', '\u{2028}', '\u{2029}',
    ])
}

/// `text` with every character that is not [`is_printable`] written as an
/// escape (`\u{1b}`, `\n`), the rest (backslashes and quotes too) as they are:
/// escaping twice changes nothing, so a message built from escaped parts is not
/// escaped again.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_printable(&mut out, c);
    }
    out
}

fn push_printable(out: &mut String, c: char) {
    match c {
        _ if is_printable(c) => out.push(c),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
    }
}

/// A short, printable excerpt of input for an error message: at most
/// [`EXCERPT_CHARS`] characters once the unprintable ones are escaped
/// ([`printable`]), with the total length when it was cut.
pub fn excerpt(text: &str) -> String {
    let mut out = String::new();
    let mut shown = 0;
    for c in text.chars() {
        let mut escaped = String::new();
        push_printable(&mut escaped, c);
        let width = escaped.chars().count();
        if shown + width > EXCERPT_CHARS {
            out.push_str(&format!("... ({} bytes)", text.len()));
            return out;
        }
        shown += width;
        out.push_str(&escaped);
    }
    out
}

/// An excerpt of a file's path for an error message: the whole path when it is
/// at most [`EXCERPT_CHARS`] characters (escaped), else its last ones (where
/// the file's name is) after `...`, with the total length.
pub fn excerpt_path(path: &str) -> String {
    let escaped: Vec<String> = path
        .chars()
        .map(|c| {
            let mut e = String::new();
            push_printable(&mut e, c);
            e
        })
        .collect();
    let width: usize = escaped.iter().map(|e| e.chars().count()).sum();
    if width <= EXCERPT_CHARS {
        return escaped.concat();
    }
    let mut shown = 0;
    let mut tail = Vec::new();
    for e in escaped.iter().rev() {
        let w = e.chars().count();
        if shown + w > EXCERPT_CHARS - 3 {
            break;
        }
        shown += w;
        tail.push(e.as_str());
    }
    tail.reverse();
    format!("...{} ({} bytes)", tail.concat(), path.len())
}

/// A message made safe to print whatever it holds: unprintable characters
/// escaped ([`printable`]) and the whole cut to [`MAX_MESSAGE_BYTES`]. Applying
/// it twice gives the same text. The CLI passes every message through it.
pub fn safe_message(message: &str) -> String {
    let mut out = printable(message);
    if out.len() > MAX_MESSAGE_BYTES {
        let mut cut = MAX_MESSAGE_BYTES - CUT.len();
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str(CUT);
    }
    out
}

/// [`bound_message`] of `message`, cut further so that it fits after a prefix
/// of `prefix` bytes (a field's path, a line and column) within
/// [`MAX_MESSAGE_BYTES`]: the message as shown, prefix and all, stays bounded.
pub fn bound_message_after(prefix: usize, message: &str) -> String {
    let mut out = bound_message(message);
    let room = MAX_MESSAGE_BYTES.saturating_sub(prefix).max(CUT.len() + 40);
    if out.len() > room {
        let mut cut = room - CUT.len();
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str(CUT);
    }
    out
}

/// Whether `quoted` is already an [`excerpt`] (of a longer text), so that a
/// message quoting one is not cut again.
fn is_excerpt(quoted: &str) -> bool {
    quoted
        .strip_suffix(" bytes)")
        .and_then(|q| q.rsplit_once("... ("))
        .is_some_and(|(shown, n)| {
            !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
                && shown.chars().count() <= EXCERPT_CHARS
        })
}

/// What ends a message cut by [`safe_message`].
const CUT: &str = "... (cut)";

/// `message` with every quoted stretch of it (between backticks or double
/// quotes, as serde and lexopt quote input) longer than [`EXCERPT_CHARS`] cut
/// to an [`excerpt`] (one that is an excerpt already is kept), then made safe ([`safe_message`]: escaped, at most
/// [`MAX_MESSAGE_BYTES`]). Linear in the length of `message`.
pub fn bound_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_MESSAGE_BYTES));
    let mut rest = message;
    while let Some(open) = rest.find(['`', '"']) {
        let quote = rest.as_bytes()[open] as char;
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let close = rest.find(quote).unwrap_or(rest.len());
        let quoted = &rest[..close];
        if quoted.chars().nth(EXCERPT_CHARS).is_some() && !is_excerpt(quoted) {
            out.push_str(&excerpt(quoted));
        } else {
            out.push_str(quoted);
        }
        rest = &rest[close..];
        if let Some(after) = rest.strip_prefix(quote) {
            out.push(quote);
            rest = after;
        }
        if out.len() > MAX_MESSAGE_BYTES {
            rest = "";
            break;
        }
    }
    out.push_str(rest);
    safe_message(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_and_say_the_length() {
        assert_eq!(excerpt("s9"), "s9");
        let long = "x".repeat(100_000);
        let e = excerpt(&long);
        assert!(e.len() < 70, "{e}");
        assert!(e.ends_with("... (100000 bytes)"), "{e}");
        assert_eq!(excerpt("a\nb"), "a\\nb");
    }

    #[test]
    fn messages_quoting_input_are_bounded() {
        let key = "k".repeat(1 << 20);
        let m = bound_message(&format!("unknown field `{key}`, expected `name`"));
        assert_eq!(
            m,
            format!(
                "unknown field `{}... (1048576 bytes)`, expected `name`",
                "k".repeat(40)
            )
        );
        assert_eq!(
            bound_message("plain \"short\" text"),
            "plain \"short\" text"
        );
        // Unquoted floods are cut too.
        assert!(bound_message(&"y".repeat(10_000)).len() <= MAX_MESSAGE_BYTES);
        // After a prefix, the whole still fits.
        let after = bound_message_after(100, &"word ".repeat(1000));
        assert!(
            after.len() + 100 <= MAX_MESSAGE_BYTES && after.ends_with(CUT),
            "{}",
            after.len()
        );
        assert_eq!(bound_message_after(100, "short"), "short");
    }

    #[test]
    fn unprintable_characters_are_escaped_everywhere_and_once() {
        let evil = "\u{1b}[2J\u{1b}]0;PWNED\u{7}";
        assert_eq!(printable(evil), "\\u{1b}[2J\\u{1b}]0;PWNED\\u{7}");
        for c in [
            '\u{0}', '\u{7f}', '\u{85}', '\u{9b}', '\u{202e}', '\u{2066}', '\u{200b}', '\u{feff}',
            '\u{2028}',
        ] {
            assert!(!is_printable(c), "{c:?}");
            assert!(printable(&c.to_string()).starts_with("\\u{"), "{c:?}");
        }
        for c in ['a', ' ', '"', '\\', 'é', '漢', '\u{1f600}'] {
            assert!(is_printable(c), "{c:?}");
        }
        // Short quotes (under the excerpt length) are escaped too, not only cut ones.
        let m = bound_message(&format!("unknown field `{evil}`, expected `name`"));
        assert!(!m.chars().any(|c| !is_printable(c)), "{m:?}");
        assert!(m.contains("`\\u{1b}[2J"), "{m}");
        // Escaping twice changes nothing: an excerpt in a message stays as it is.
        let e = excerpt(&format!("{evil}{}", "z".repeat(1000)));
        assert_eq!(
            bound_message(&format!("page \"{e}\" is not a page")),
            format!("page \"{e}\" is not a page")
        );
        assert_eq!(safe_message(&safe_message(evil)), safe_message(evil));
        assert!(!excerpt(evil).contains("\\\\"), "{}", excerpt(evil));
    }

    #[test]
    fn quotes_longer_than_the_excerpt_are_cut_to_it() {
        // 41 characters: one more than an excerpt shows.
        let m = bound_message(&format!("unknown variant `{}`", "v".repeat(41)));
        assert_eq!(
            m,
            format!("unknown variant `{}... (41 bytes)`", "v".repeat(40))
        );
        let m = bound_message(&format!("unknown variant `{}`", "v".repeat(40)));
        assert_eq!(m, format!("unknown variant `{}`", "v".repeat(40)));
    }

    #[test]
    fn paths_keep_their_end() {
        assert_eq!(excerpt_path("dir/trace.json"), "dir/trace.json");
        let long = format!("/{}/trace.json", "d".repeat(100_000));
        let e = excerpt_path(&long);
        assert!(
            e.starts_with("...") && e.contains("dd/trace.json (100012 bytes)"),
            "{e}"
        );
        assert!(e.chars().count() <= EXCERPT_CHARS + 20, "{e}");
        assert_eq!(excerpt_path("a\u{1b}b"), "a\\u{1b}b");
    }

    #[test]
    fn messages_are_cut_at_the_limit() {
        let m = safe_message(&"\u{1b}".repeat(10_000));
        assert!(
            m.len() <= MAX_MESSAGE_BYTES && m.ends_with(CUT),
            "{}",
            m.len()
        );
        let m = bound_message(&"é".repeat(10_000));
        assert!(m.len() <= MAX_MESSAGE_BYTES, "{}", m.len());
    }

    #[test]
    fn an_endless_reader_is_refused_at_the_limit() {
        let e = read_text(std::io::repeat(b' ')).unwrap_err();
        assert!(e.to_string().contains("MAX_FILE_BYTES"), "{e}");
        assert!(e.to_string().contains("8 MiB"), "{e}");
        assert!(matches!(
            read_text(&b"\xff"[..]),
            Err(ReadError::NotText(0))
        ));
        assert_eq!(read_text(&b"{}"[..]).unwrap(), "{}");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        let e = check_file_size(50 << 20).unwrap_err().to_string();
        assert_eq!(
            e,
            "a file of 50 MiB is over the limit of 8 MiB (MAX_FILE_BYTES; see docs/scenario-format.md)"
        );
        assert!(check_file_size(MAX_FILE_BYTES as u64).is_ok());
        // One byte over does not read as the limit itself.
        let e = check_file_size(MAX_FILE_BYTES as u64 + 1)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("a file of 8388609 bytes is over the limit of 8 MiB"),
            "{e}"
        );
        let e = check_permalink(&"v".repeat(MAX_PERMALINK_BYTES + 1))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("a link of 524289 bytes is over the limit of 512 KiB"),
            "{e}"
        );
        let e = check_permalink(&"v".repeat(1_400_214))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "a link of 1.3 MiB is over the limit of 512 KiB (MAX_PERMALINK_BYTES; see docs/permalinks.md)"
        );
    }
}
