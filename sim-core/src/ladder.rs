//! The plain-text ladder diagram: one lane per CPU, ASCII only, at most
//! [`Options::width`] columns (80 by default, 72 for a reply quoted with "> "),
//! in the style kernel commit messages use to draw races.
//!
//! A name (`set_tlb_ubc_flush_pending`, `ptl@0x400000`) is never broken: text
//! wraps at spaces, or inside a word only at a boundary such as the `(` of
//! `try_to_unmap_one(P)`. A piece that is wider than its lane runs on into the
//! lanes to its right, which are empty on that row; if even that is not enough,
//! the lanes move closer together, and only if they cannot, the diagram is made
//! wider than asked and says so in its first line.

use crate::history::Step;
use crate::model::Model;
use crate::op::CpuId;
use crate::outcome::Outcome;

/// The default width of the diagram and its text.
pub const WIDTH: usize = 80;
/// The width for a reply that quotes the diagram with "> " (mail's 72 columns).
pub const MAIL_WIDTH: usize = 72;
const GUTTER: usize = 4;
/// Lanes are never closer than this (room for `CPU7` and a space).
const MIN_LANE: usize = 6;

/// How to render the diagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The widest a line may be (see the module doc for the one exception).
    pub width: usize,
    /// Only the ladder, the outcome line and the permalink: no numbered prose and
    /// no TLB counters, for a mail that quotes the diagram.
    pub ladder_only: bool,
    /// A link that opens this view, printed last on a line of its own (never
    /// wrapped: a broken URL does not open).
    pub permalink: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            width: WIDTH,
            ladder_only: false,
            permalink: None,
        }
    }
}

impl Options {
    /// What "Copy for mail" copies: the 72-column ladder with its permalink.
    pub fn mail(permalink: String) -> Options {
        Options {
            width: MAIL_WIDTH,
            ladder_only: true,
            permalink: Some(permalink),
        }
    }
}

/// Replaces anything outside printable ASCII so the diagram pastes into any mail.
fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            ' '..='~' => c,
            '\u{2192}' => '>',
            _ => '?',
        })
        .collect()
}

/// Whether a word may be broken between bytes `i - 1` and `i`: before an opening
/// bracket or after punctuation that ends a part (`)`, `,`, `:`, `;`, `]`), never
/// inside a run of name characters, so `change_pte_range(P)` breaks only as
/// `change_pte_range` + `(P)`.
fn boundary(bytes: &[u8], i: usize) -> bool {
    matches!(bytes[i], b'(' | b'[') || matches!(bytes[i - 1], b')' | b',' | b':' | b';' | b']')
}

/// The longest piece of `word` between two boundaries: the narrowest a lane can
/// be without breaking a name. Linear in the word's length.
fn longest_name(word: &str) -> usize {
    let bytes = word.as_bytes();
    let (mut best, mut start) = (0, 0);
    for i in 1..bytes.len() {
        if boundary(bytes, i) {
            best = best.max(i - start);
            start = i;
        }
    }
    best.max(bytes.len() - start)
}

/// Where to cut a word longer than `width`: at the last boundary that fits, or
/// at `width` if there is none (only text with a name longer than any line gets
/// there, such as a megabyte-long title; the ladder's lanes make room for every
/// name it holds). Looks at no more than `width + 1` bytes, so that cutting a
/// long word into pieces stays linear.
fn split_point(word: &str, width: usize) -> usize {
    let bytes = word.as_bytes();
    (1..=width)
        .rev()
        .find(|&i| boundary(bytes, i))
        .unwrap_or(width)
}

/// Splits `text` into lines of at most `width` characters, at spaces when it can
/// and inside a word only at a boundary (see [`boundary`]).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_spilling(text, width, width)
}

/// [`wrap`] for a lane: lines of at most `width`, except that a word up to
/// `spill` long gets a line of its own rather than being cut.
fn wrap_spilling(text: &str, width: usize, spill: usize) -> Vec<String> {
    let width = width.max(1);
    let spill = spill.max(width);
    let mut lines = Vec::new();
    let mut line = String::new();
    let text = ascii(text);
    for word in text.split_whitespace() {
        // A slice that moves forward: each cut costs its own length, so a long
        // word wraps in linear time.
        let mut word = word;
        while word.len() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if word.len() <= spill {
                lines.push(word.to_string());
                word = "";
                break;
            }
            let (head, rest) = word.split_at(split_point(word, spill));
            lines.push(head.to_string());
            word = rest;
        }
        if word.is_empty() {
            continue;
        }
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The lines a step shows in its lane: the headline, then each note in brackets.
fn cell_text(step: &Step) -> Vec<String> {
    let mut texts = vec![step.narrative.headline.clone()];
    texts.extend(step.narrative.notes.iter().map(|n| format!("[{n}]")));
    texts
}

/// Where the lanes go: `col` columns apart within `width` (after the gutter).
struct Lanes {
    n: usize,
    col: usize,
    width: usize,
}

impl Lanes {
    /// Lanes as far apart as `width` allows, moved closer (or the diagram made
    /// wider) until the longest name of each lane fits between the lane's start
    /// and the right margin.
    fn fit(n: usize, width: usize, longest: &[usize]) -> Lanes {
        let room = width.saturating_sub(GUTTER);
        let mut col = room / n;
        for (c, &name) in longest.iter().enumerate().skip(1) {
            col = col.min(room.saturating_sub(name) / c);
        }
        let col = col.max(MIN_LANE.min(room / n).max(1));
        let need = longest
            .iter()
            .enumerate()
            .map(|(c, &name)| GUTTER + c * col + name)
            .max()
            .unwrap_or(0);
        Lanes {
            n,
            col,
            width: width.max(need).max(GUTTER + n * col),
        }
    }

    /// The column a lane starts at, after the gutter.
    fn start(&self, cpu: usize) -> usize {
        GUTTER + cpu * self.col
    }

    /// The width text in a lane wraps at: up to the next lane (the last one, up to
    /// the margin).
    fn cell(&self, cpu: usize) -> usize {
        if cpu + 1 == self.n {
            self.width - self.start(cpu)
        } else {
            self.col - 1
        }
    }

    /// The widest a single piece of a lane may run, into the lanes to its right.
    fn spill(&self, cpu: usize) -> usize {
        self.width - self.start(cpu)
    }
}

/// Pushes `lines` onto `out`, each with a newline.
fn push_lines(out: &mut String, lines: impl IntoIterator<Item = String>) {
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
}

/// The ladder diagram of `steps` on `model`, followed by the numbered narrative
/// and the outcome, at 80 columns.
pub fn render(model: &Model, steps: &[impl AsRef<Step>]) -> String {
    render_with(model, steps, &Options::default())
}

/// The ladder diagram of `steps` on `model` as `options` say.
pub fn render_with(model: &Model, steps: &[impl AsRef<Step>], options: &Options) -> String {
    let s = model.scenario();
    let n = s.cpu_count();
    let mut longest = vec![0; n];
    let cells: Vec<(usize, Vec<String>)> = steps
        .iter()
        .map(|step| {
            let step = step.as_ref();
            let cpu = step.narrative.cpu.index();
            let texts = cell_text(step);
            for word in texts.iter().flat_map(|t| t.split_whitespace()) {
                longest[cpu] = longest[cpu].max(longest_name(word));
            }
            (cpu, texts)
        })
        .collect();
    let lanes = Lanes::fit(n, options.width.max(GUTTER + 1), &longest);
    let width = lanes.width;
    let mut out = String::new();
    if width > options.width {
        push_lines(
            &mut out,
            wrap(
                &format!(
                    "(This diagram is {width} columns wide, not {}, so that no name in it is broken.)",
                    options.width
                ),
                width,
            ),
        );
    }
    // The title and the kernel line span the whole width, so they are not
    // indented like the rows.
    let m = model.mitigation();
    push_lines(
        &mut out,
        wrap(
            &format!("{}: {}", s.name(), s.title_on(model.arch())),
            width,
        ),
    );
    push_lines(
        &mut out,
        wrap(
            &if model.arch().is_arm64() {
                format!("Kernel ({m}): {}", m.summary())
            } else {
                format!(
                    "Kernel ({} {m}): {}",
                    model.arch(),
                    model.arch().kernel_summary(m)
                )
            },
            width,
        ),
    );
    out.push('\n');
    // The header: each lane's CPU, then its tasks wrapped within the lane.
    let header = |columns: &[Vec<String>], row: usize| -> String {
        let mut line = " ".repeat(GUTTER);
        for (c, lines) in columns.iter().enumerate() {
            let text = lines.get(row).map(String::as_str).unwrap_or("");
            if c + 1 < n {
                line.push_str(&format!("{text:<w$} ", w = lanes.col - 1));
            } else {
                line.push_str(text);
            }
        }
        line.trim_end().to_string()
    };
    let mut columns: Vec<Vec<String>> = (0..n).map(|c| vec![format!("CPU{c}")]).collect();
    for (c, lines) in columns.iter_mut().enumerate() {
        lines.extend(wrap(&s.cpu_label(CpuId(c as u8)), lanes.cell(c)));
    }
    let rows = columns.iter().map(Vec::len).max().unwrap_or(1);
    for row in 0..rows {
        out.push_str(&header(&columns, row));
        out.push('\n');
    }
    out.push_str(&header(&vec![vec!["----".to_string()]; n], 0));
    out.push('\n');
    for (i, (cpu, texts)) in cells.iter().enumerate() {
        let lines = texts
            .iter()
            .flat_map(|t| wrap_spilling(t, lanes.cell(*cpu), lanes.spill(*cpu)));
        for (j, text) in lines.enumerate() {
            let gutter = if j == 0 {
                format!("{:>3} ", i + 1)
            } else {
                " ".repeat(GUTTER)
            };
            let line = format!("{gutter}{}{text}", " ".repeat(lanes.start(*cpu) - GUTTER));
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out.push('\n');
    if !options.ladder_only {
        for (i, step) in steps.iter().enumerate() {
            let step = step.as_ref();
            let prefix = format!("{:>3}. ", i + 1);
            let lines = wrap(
                &format!("{}: {}", step.narrative.cpu, step.narrative.text),
                width - prefix.len(),
            );
            for (j, line) in lines.iter().enumerate() {
                if j == 0 {
                    out.push_str(&prefix);
                } else {
                    out.push_str(&" ".repeat(prefix.len()));
                }
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push('\n');
    }
    let machine = steps
        .last()
        .map(|s| s.as_ref().machine.clone())
        .unwrap_or_else(|| model.initial());
    let outcome = format!(
        "Outcome: {}",
        Outcome::of(model, &machine).describe(model, &machine)
    );
    push_lines(&mut out, wrap(&outcome, width));
    if !options.ladder_only {
        // The cost side of the story (tlb-cost): how often each CPU's TLB helped.
        let counters: Vec<String> = machine
            .stats
            .iter()
            .enumerate()
            .map(|(c, st)| format!("CPU{c} {}/{}", st.hits, st.misses))
            .collect();
        push_lines(
            &mut out,
            wrap(&format!("TLB hits/misses: {}.", counters.join(", ")), width),
        );
        if model.arch().uses_ipis() {
            // The cost x86 and riscv pay where arm64 pays TLB misses.
            let ipis: Vec<String> = machine
                .stats
                .iter()
                .enumerate()
                .map(|(c, st)| format!("CPU{c} {}/{}", st.ipis_sent, st.ipis_received))
                .collect();
            push_lines(
                &mut out,
                wrap(
                    &format!("Flush IPIs sent/taken: {}.", ipis.join(", ")),
                    width,
                ),
            );
        }
    }
    if let Some(link) = &options.permalink {
        out.push('\n');
        out.push_str(&ascii(link));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{longest_name, wrap, wrap_spilling};

    /// A long word is cut into width-sized pieces, in order, losing nothing (and a
    /// megabyte of it wraps in linear time: this test used to take seconds).
    #[test]
    fn long_words_wrap_into_pieces() {
        let word = "ab".repeat(500_000);
        let lines = wrap(&word, 72);
        assert_eq!(lines.len(), word.len().div_ceil(72));
        assert!(lines.iter().all(|l| l.len() <= 72));
        assert_eq!(lines.concat(), word);
    }

    /// Names are cut only at a boundary, never after an underscore.
    #[test]
    fn names_break_only_at_boundaries() {
        assert_eq!(
            wrap("a change_pte_range(P) b", 18),
            ["a", "change_pte_range", "(P) b"]
        );
        assert_eq!(longest_name("set_tlb_ubc_flush_pending(P)"), 25);
        assert_eq!(longest_name("[ptl@0x400000"), 13);
        // A word wider than the lane but not than the room to its right spills.
        assert_eq!(
            wrap_spilling("x set_tlb_ubc_flush_pending(P) y", 16, 40),
            ["x", "set_tlb_ubc_flush_pending(P)", "y"]
        );
        assert_eq!(
            wrap_spilling("set_tlb_ubc_flush_pending(P)", 16, 26),
            ["set_tlb_ubc_flush_pending", "(P)"]
        );
    }
}
