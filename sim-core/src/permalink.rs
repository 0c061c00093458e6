//! Permalinks: a whole view (scenario, mitigation, the events played and the
//! position among them) as a short, versioned text for a URL fragment.
//!
//! Form (documented in docs/permalinks.md):
//! `v2/SCENARIO/MITIGATION/EVENTS[/CURSOR]` where SCENARIO is a built-in name or
//! `x.` followed by the scenario file's JSON in unpadded base64url, EVENTS is one
//! character per step (`0`-`7`: step that CPU) and `dIT` for delivering CPU I's
//! oldest TLBI in flight to CPU T (`DIKT` for its K-th, K in `0-9a-z`), and CURSOR
//! is how many events are applied (all of them when left out).
//!
//! Links of version 1 (made before scenario format 2) still open: their scenario
//! (a format-1 built-in, kept in `scenarios/v1/`, or inline format-1 JSON) is
//! translated by [`crate::v1`], and so are their events and cursor, into the same
//! run in format 2; the link then carries the translated scenario inline.

use std::fmt;

use crate::arch::Arch;
use crate::event::{Event, TlbiRef};
use crate::history::History;
use crate::mitigation::Mitigation;
use crate::model::Model;
use crate::op::CpuId;
use crate::scenario::{self, Scenario, ScenarioError};

/// The version this code writes (it reads `v1` too).
pub const VERSION: &str = "v2";

/// Where a scenario of a permalink comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioRef {
    /// A built-in scenario, by name.
    Builtin(String),
    /// A scenario carried in the link itself, as its file's JSON text.
    Inline(String),
}

/// A decoded permalink, not yet replayed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permalink {
    /// The scenario.
    pub scenario: ScenarioRef,
    /// The mitigation.
    pub mitigation: Mitigation,
    /// The architecture, when it is not the scenario's own (arm64 for the
    /// built-ins): written `x86.flush_tlb_mm` in the mitigation part.
    pub arch: Option<Arch>,
    /// Every event known (applied ones and the redo list).
    pub events: Vec<Event>,
    /// How many of `events` are applied.
    pub cursor: usize,
}

/// Why a permalink cannot be opened: which part is wrong, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermalinkError {
    /// The part of the link (`version`, `scenario`, `mitigation`, `events`, `cursor`).
    pub part: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for PermalinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "broken link ({}): {}", self.part, self.message)
    }
}

impl std::error::Error for PermalinkError {}

fn err(part: &'static str, message: impl Into<String>) -> PermalinkError {
    PermalinkError {
        part,
        message: crate::limits::bound_message(&message.into()),
    }
}

const BASE36: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// One character per CPU (16 since issue 13): the digits, then capitals without
/// `D`, which starts a delivery. CPUs 0-7 are written as before, so older links
/// read the same.
const CPU_CHARS: &[u8; 16] = b"0123456789ABCEFG";

fn cpu_char(cpu: crate::op::CpuId) -> char {
    char::from(CPU_CHARS[cpu.index() % 16])
}

/// Writes events in the compact form of permalinks.
pub fn encode_events(events: &[Event]) -> String {
    let mut out = String::new();
    for e in events {
        match *e {
            Event::Step(cpu) => out.push(cpu_char(cpu)),
            Event::Deliver { tlbi, to } if tlbi.nth == 0 => {
                out.push('d');
                out.push(cpu_char(tlbi.issuer));
                out.push(cpu_char(to));
            }
            Event::Deliver { tlbi, to } => {
                out.push('D');
                out.push(cpu_char(tlbi.issuer));
                out.push(char::from(BASE36[usize::from(tlbi.nth).min(35)]));
                out.push(cpu_char(to));
            }
            Event::Ipi { from, to } => {
                out.push('i');
                out.push(cpu_char(from));
                out.push(cpu_char(to));
            }
        }
    }
    out
}

fn cpu_digit(c: Option<char>, at: usize) -> Result<CpuId, PermalinkError> {
    match c {
        Some(d) if d.is_ascii() && CPU_CHARS.contains(&(d as u8)) => Ok(CpuId(
            CPU_CHARS
                .iter()
                .position(|b| char::from(*b) == d)
                .unwrap_or(0) as u8,
        )),
        Some(other) => Err(err(
            "events",
            format!("character {at}: expected a CPU 0-9, A-C or E-G, found {other:?}"),
        )),
        None => Err(err(
            "events",
            format!("character {at}: the link ends inside an event"),
        )),
    }
}

/// Reads the compact event form; the error names the character position.
pub fn decode_events(text: &str) -> Result<Vec<Event>, PermalinkError> {
    let chars: Vec<char> = text.chars().collect();
    let mut events = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            c if c.is_ascii() && CPU_CHARS.contains(&(c as u8)) => {
                events.push(Event::Step(cpu_digit(Some(chars[i]), i)?));
                i += 1;
            }
            'd' => {
                let issuer = cpu_digit(chars.get(i + 1).copied(), i + 1)?;
                let to = cpu_digit(chars.get(i + 2).copied(), i + 2)?;
                events.push(Event::Deliver {
                    tlbi: TlbiRef { issuer, nth: 0 },
                    to,
                });
                i += 3;
            }
            'i' => {
                let from = cpu_digit(chars.get(i + 1).copied(), i + 1)?;
                let to = cpu_digit(chars.get(i + 2).copied(), i + 2)?;
                events.push(Event::Ipi { from, to });
                i += 3;
            }
            'D' => {
                let issuer = cpu_digit(chars.get(i + 1).copied(), i + 1)?;
                let nth = chars
                    .get(i + 2)
                    .and_then(|c| BASE36.iter().position(|b| char::from(*b) == *c))
                    .ok_or_else(|| {
                        err(
                            "events",
                            format!("character {}: expected a TLBI index 0-9 or a-z", i + 2),
                        )
                    })?;
                let to = cpu_digit(chars.get(i + 3).copied(), i + 3)?;
                if nth == 0 {
                    // One spelling per link: the oldest TLBI is always `dIT`.
                    return Err(err(
                        "events",
                        format!(
                            "character {i}: not canonical: D{}0{} is written d{}{}",
                            cpu_char(issuer),
                            cpu_char(to),
                            cpu_char(issuer),
                            cpu_char(to)
                        ),
                    ));
                }
                events.push(Event::Deliver {
                    tlbi: TlbiRef {
                        issuer,
                        nth: nth as u8,
                    },
                    to,
                });
                i += 4;
            }
            other => {
                return Err(err(
                    "events",
                    format!(
                        "character {i}: '{}' is not an event (0-9, A-C, E-G step a CPU, dIT delivers a TLBI, iST is CPU T taking CPU S's flush IPI)",
                        other.escape_debug()
                    ),
                ))
            }
        }
    }
    Ok(events)
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url (RFC 4648 section 5). Hand-written because it is all the
/// app needs from a base64 crate, and every byte of the web bundle is budgeted.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(BASE64URL[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// Decodes unpadded base64url; `None` on any character outside the alphabet, a
/// length no encoding produces, or unused bits that are not zero (so that every
/// byte string has one spelling, the one [`base64url_encode`] writes).
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = BASE64URL.iter().position(|b| b == c)? as u32;
            n |= v << (18 - 6 * i);
        }
        let unused = 24 - 8 * (chunk.len() - 1);
        if n & ((1 << unused) - 1) != 0 {
            return None;
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

/// A scenario as the JSON a permalink carries inline (its file, compact).
pub fn inline_json(scenario: &Scenario) -> String {
    serde_json::to_string(&scenario.to_file()).unwrap_or_default()
}

impl Permalink {
    /// The permalink of a history: its scenario (by name when it is the built-in
    /// one of that name, inline otherwise), mitigation, events and cursor.
    pub fn of(history: &History) -> Permalink {
        Permalink::of_named(history).unwrap_or_else(|| {
            Permalink::at(
                history,
                ScenarioRef::Inline(inline_json(history.model().scenario())),
            )
        })
    }

    /// The permalink of a history on a built-in scenario, which names it (and
    /// so writes no JSON); `None` for a custom scenario, which [`Permalink::of`]
    /// carries inline.
    pub fn of_named(history: &History) -> Option<Permalink> {
        let s = history.model().scenario();
        s.is_named()
            .then(|| Permalink::at(history, ScenarioRef::Builtin(s.name().to_string())))
    }

    fn at(history: &History, scenario: ScenarioRef) -> Permalink {
        let model = history.model();
        Permalink {
            scenario,
            mitigation: model.mitigation(),
            arch: (model.arch() != model.scenario().arch()).then_some(model.arch()),
            events: history.full_schedule(),
            cursor: history.cursor(),
        }
    }

    /// The text for the URL fragment (without `#`).
    pub fn encode(&self) -> String {
        let scenario = match &self.scenario {
            ScenarioRef::Builtin(name) => name.clone(),
            ScenarioRef::Inline(json) => format!("x.{}", base64url_encode(json.as_bytes())),
        };
        let kernel = match self.arch {
            Some(arch) => format!("{arch}.{}", self.mitigation),
            None => self.mitigation.to_string(),
        };
        let mut out = format!(
            "{VERSION}/{scenario}/{kernel}/{}",
            encode_events(&self.events)
        );
        if self.cursor != self.events.len() {
            out.push_str(&format!("/{}", self.cursor));
        }
        out
    }

    /// Reads a fragment (with or without its leading `#`). Only the form
    /// [`Permalink::encode`] writes is read (see docs/permalinks.md): anything
    /// else (`/+1`, `/0001`, `##v2`, a cursor equal to the number of events) is
    /// refused with the canonical spelling, so one view has one link. A link over
    /// [`crate::limits::MAX_PERMALINK_BYTES`] is refused before it is read.
    pub fn decode(fragment: &str) -> Result<Permalink, PermalinkError> {
        crate::limits::check_permalink(fragment).map_err(|e| err("length", e.to_string()))?;
        let text = fragment.strip_prefix('#').unwrap_or(fragment);
        let parts: Vec<&str> = text.split('/').collect();
        let version = parts.first().copied().unwrap_or("");
        if version == "v1" {
            return decode_v1(&parts);
        }
        decode_v2(&parts)
    }

    /// Reads a fragment that names a built-in scenario, reading no JSON: `None`
    /// when the link carries its scenario (inline, or in a v1 link, whose
    /// scenario is translated): [`Permalink::decode`] reads those. A broken link
    /// is `Some` of the error [`Permalink::decode`] gives.
    pub fn decode_named(fragment: &str) -> Option<Result<Permalink, PermalinkError>> {
        if let Err(e) = crate::limits::check_permalink(fragment) {
            return Some(Err(err("length", e.to_string())));
        }
        let text = fragment.strip_prefix('#').unwrap_or(fragment);
        let parts: Vec<&str> = text.split('/').collect();
        if parts.first() == Some(&"v1") {
            return None;
        }
        match decode_v2(&parts) {
            Ok(link) if link.is_inline() => None,
            read => Some(read),
        }
    }

    /// The scenario the link names, validated.
    pub fn scenario(&self) -> Result<Scenario, PermalinkError> {
        match &self.scenario {
            ScenarioRef::Builtin(name) => builtin(name),
            ScenarioRef::Inline(json) => Scenario::from_json(json).map_err(|e: ScenarioError| {
                err("scenario", format!("the inline scenario is invalid: {e}"))
            }),
        }
    }

    /// Whether the link carries its scenario inline (a custom scenario).
    pub fn is_inline(&self) -> bool {
        matches!(self.scenario, ScenarioRef::Inline(_))
    }

    /// Replays the link into a history at its cursor. An event that cannot
    /// happen is an error naming its position and why.
    pub fn history(&self) -> Result<History, PermalinkError> {
        self.replay(self.scenario()?)
    }

    /// [`Permalink::history`] of a link that names a built-in scenario, reading
    /// no JSON; `None` for a link that carries its scenario inline.
    pub fn history_named(&self) -> Option<Result<History, PermalinkError>> {
        match &self.scenario {
            ScenarioRef::Builtin(name) => Some(builtin(name).and_then(|s| self.replay(s))),
            ScenarioRef::Inline(_) => None,
        }
    }

    fn replay(&self, scenario: Scenario) -> Result<History, PermalinkError> {
        if self.arch == Some(scenario.arch()) {
            return Err(err(
                "arch",
                format!(
                    "not canonical: the scenario's own architecture ({}) is left out: write {}",
                    scenario.arch(),
                    self.mitigation
                ),
            ));
        }
        let arch = self.arch.unwrap_or(scenario.arch());
        let model = Model::on(std::sync::Arc::new(scenario), self.mitigation, arch)
            .map_err(|why| err("arch", format!("{arch}.{}: {why}", self.mitigation)))?;
        let mut history = History::replay(model, &self.events).map_err(|(_, e)| {
            err(
                "events",
                format!(
                    "event {} ({}) cannot happen there: {}",
                    e.index + 1,
                    e.event,
                    e.error
                ),
            )
        })?;
        history.jump(self.cursor);
        Ok(history)
    }
}

/// The scenario a link names: a built-in or a generated member.
fn builtin(name: &str) -> Result<Scenario, PermalinkError> {
    scenario::named(name).ok_or_else(|| err("scenario", format!("no built-in scenario {name:?}")))
}

/// A version-2 link (not of version 1), split at its '/'.
fn decode_v2(parts: &[&str]) -> Result<Permalink, PermalinkError> {
    let version = parts.first().copied().unwrap_or("");
    if version != VERSION {
        let newer = version
            .strip_prefix('v')
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0'))
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| n > 2);
        return Err(if newer {
            err(
                "version",
                format!(
                    "\"{}\" was made by a newer tlbrace; this one reads {VERSION}",
                    scenario::excerpt(version)
                ),
            )
        } else {
            // `##v2/...`, ` v2/...`: the canonical spelling is the same link
            // with at most one `#` and nothing in front.
            let bare = version.trim_start_matches(|c: char| c == '#' || c.is_whitespace());
            let canonical = if bare == VERSION || bare == "v1" {
                format!("; the link is written #{bare}/... (one # at most, nothing before it)")
            } else {
                String::new()
            };
            err(
                "version",
                format!(
                    "expected \"{VERSION}\" at the start, found \"{}\"{canonical}",
                    scenario::excerpt(version)
                ),
            )
        });
    }
    if !(4..=5).contains(&parts.len()) {
        return Err(err(
            "version",
            format!(
                "a {VERSION} link has 4 or 5 parts separated by '/', this one has {}",
                parts.len()
            ),
        ));
    }
    let scenario = match parts[1].strip_prefix("x.") {
        Some(b64) => ScenarioRef::Inline(inline_text(b64)?),
        None => {
            if let Some(Err(range)) = scenario::generated(parts[1]) {
                return Err(err("scenario", range));
            }
            if !scenario::is_builtin(parts[1]) && scenario::generated(parts[1]).is_none() {
                let known: Vec<&str> = scenario::builtin_names().collect();
                return Err(err(
                    "scenario",
                    format!(
                        "no built-in scenario \"{}\" (known: {}; or family-N, scale-N with N from 2 to {})",
                        scenario::excerpt(parts[1]),
                        known.join(", "),
                        scenario::MAX_CPUS
                    ),
                ));
            }
            ScenarioRef::Builtin(parts[1].to_string())
        }
    };
    let (arch, kernel) = match parts[2].split_once('.') {
        Some((arch, kernel)) => {
            let arch: Arch = arch.parse().map_err(|e: String| err("arch", e))?;
            if arch.is_arm64() && !matches!(scenario, ScenarioRef::Inline(_)) {
                return Err(err(
                    "arch",
                    format!("not canonical: arm64 is the built-ins' own architecture and is left out: write {kernel}"),
                ));
            }
            (Some(arch), kernel)
        }
        None => (None, parts[2]),
    };
    let mitigation: Mitigation = kernel.parse().map_err(|e: String| err("mitigation", e))?;
    let events = decode_events(parts[3])?;
    let cursor = cursor(parts.get(4).copied(), events.len())?;
    Ok(Permalink {
        scenario,
        mitigation,
        arch,
        events,
        cursor,
    })
}

/// The JSON text of an inline scenario (`x.` and unpadded base64url).
fn inline_text(b64: &str) -> Result<String, PermalinkError> {
    let bytes = base64url_decode(b64).ok_or_else(|| {
        err(
            "scenario",
            "the inline scenario is not valid base64url (truncated or altered?)",
        )
    })?;
    String::from_utf8(bytes).map_err(|_| err("scenario", "the inline scenario is not UTF-8 text"))
}

/// The cursor part: how many of `len` events are applied (all when left out).
/// Canonical only: decimal digits without a sign or leading zeros, and left out
/// rather than equal to `len`.
fn cursor(part: Option<&str>, len: usize) -> Result<usize, PermalinkError> {
    let Some(c) = part else {
        return Ok(len);
    };
    let digits = !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit());
    let n = c
        .parse::<usize>()
        .ok()
        .filter(|n| *n <= len)
        .ok_or_else(|| {
            err(
                "cursor",
                format!(
                    "\"{}\" is not a position between 0 and {len}",
                    scenario::excerpt(c)
                ),
            )
        })?;
    if !digits || n.to_string() != c {
        return Err(err(
            "cursor",
            format!("\"{}\" is not canonical: write {n}", scenario::excerpt(c)),
        ));
    }
    if n == len {
        return Err(err(
            "cursor",
            format!("not canonical: the cursor is at the end ({n}), so the link leaves it out"),
        ));
    }
    Ok(n)
}

/// A version-1 link, translated into the same run in format 2.
fn decode_v1(parts: &[&str]) -> Result<Permalink, PermalinkError> {
    if !(4..=5).contains(&parts.len()) {
        return Err(err(
            "version",
            format!(
                "a v1 link has 4 or 5 parts separated by '/', this one has {}",
                parts.len()
            ),
        ));
    }
    let text = match parts[1].strip_prefix("x.") {
        Some(b64) => inline_text(b64)?,
        None => crate::v1::builtin_v1(parts[1])
            .ok_or_else(|| {
                err(
                    "scenario",
                    format!(
                        "no built-in scenario \"{}\" in v1 links",
                        scenario::excerpt(parts[1])
                    ),
                )
            })?
            .to_string(),
    };
    let read = crate::v1::read_scenario(&text)
        .map_err(|e| err("scenario", format!("the v1 scenario cannot be read: {e}")))?;
    let mitigation: Mitigation = parts[2].parse().map_err(|e: String| err("mitigation", e))?;
    let events = decode_events(parts[3])?;
    let cursor = cursor(parts.get(4).copied(), events.len())?;
    let (events, cursor) = match &read.translation {
        Some(t) => {
            let applied = t
                .schedule(&events[..cursor])
                .map_err(|e| err("events", e))?
                .len();
            (t.schedule(&events).map_err(|e| err("events", e))?, applied)
        }
        None => (events, cursor),
    };
    Ok(Permalink {
        scenario: ScenarioRef::Inline(inline_json(&read.scenario)),
        mitigation,
        arch: None,
        events,
        cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_every_length() {
        for len in 0..40u8 {
            let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37) ^ 0xa5).collect();
            let text = base64url_encode(&bytes);
            assert!(!text.contains('='), "unpadded");
            assert_eq!(base64url_decode(&text), Some(bytes), "length {len}");
        }
        assert_eq!(base64url_encode(b"tlb"), "dGxi");
        assert_eq!(base64url_encode(b"\xfb\xff"), "-_8");
        assert_eq!(base64url_decode("a"), None);
        assert_eq!(base64url_decode("ab=c"), None);
    }

    #[test]
    fn the_seed_race_link_is_short_and_replays() {
        let scenario = scenario::builtin("seed-race").unwrap();
        let model = Model::new(scenario.clone(), Mitigation::Dsb);
        let history = History::replay(model, scenario.default_schedule()).unwrap();
        let link = Permalink::of(&history).encode();
        assert_eq!(link, "v2/seed-race/dsb/10011111110000");
        let back = Permalink::decode(&format!("#{link}"))
            .unwrap()
            .history()
            .unwrap();
        assert_eq!(back, history);
    }

    /// An x86 view: the architecture in the kernel part, IPIs as `iST`; arm64
    /// links are unchanged, and the built-ins' own arm64 is never written.
    #[test]
    fn x86_links_round_trip() {
        let scenario = std::sync::Arc::new(scenario::builtin("seed-race").unwrap());
        let model = Model::on(scenario.clone(), Mitigation::FlushTlbMm, Arch::X86).unwrap();
        let events = History::adapt_schedule(&model, scenario.default_schedule());
        let history = History::replay(model, &events).unwrap();
        let text = Permalink::of(&history).encode();
        assert!(text.starts_with("v2/seed-race/x86.flush_tlb_mm/"), "{text}");
        assert!(text.contains("i01"), "{text}");
        let back = Permalink::decode(&text).unwrap().history().unwrap();
        assert_eq!(back.model().arch(), Arch::X86);
        assert_eq!(back.full_schedule(), history.full_schedule());
        let e = Permalink::decode("v2/seed-race/arm64.dsb/1").unwrap_err();
        assert!(e.to_string().contains("write dsb"), "{e}");
        let e = Permalink::decode("v2/seed-race/x86.dsb/1")
            .unwrap()
            .history()
            .unwrap_err();
        assert_eq!(e.part, "arch");
        assert!(e.to_string().contains("arm64's alone"), "{e}");
        let e = Permalink::decode("v2/seed-race/sparc.dsb/1").unwrap_err();
        assert_eq!(e.part, "arch");
    }

    #[test]
    fn deliveries_and_cursor_round_trip() {
        let events = crate::event::parse_schedule("s1,s0,s0,d0>1,d0.2>0,s1").unwrap();
        let link = Permalink {
            scenario: ScenarioRef::Builtin("seed-race".into()),
            mitigation: Mitigation::None,
            arch: None,
            events: events.clone(),
            cursor: 4,
        };
        let text = link.encode();
        assert_eq!(text, "v2/seed-race/none/100d01D0201/4");
        assert_eq!(Permalink::decode(&text).unwrap(), link);
    }

    #[test]
    fn broken_links_say_which_part_is_wrong() {
        let cases = [
            ("", "version"),
            ("v3/seed-race/dsb/1", "version"),
            ("v2/seed-race/dsb", "version"),
            ("v2/nope/dsb/1", "scenario"),
            ("v2/x.!!!/dsb/1", "scenario"),
            ("v2/seed-race/dbs/1", "mitigation"),
            ("v2/seed-race/dsb/1Z", "events"),
            ("v2/seed-race/dsb/1d0", "events"),
            ("v2/seed-race/dsb/11/3", "cursor"),
            ("v1/seed-race/dsb", "version"),
            ("v1/nope/dsb/1", "scenario"),
            ("v1/seed-race/dbs/1", "mitigation"),
        ];
        for (link, part) in cases {
            let e = Permalink::decode(link).unwrap_err();
            assert_eq!(e.part, part, "{link}: {e}");
        }
        // CPU 9 is spelled `9` (links name up to 16 CPUs), so this decodes; seed-race
        // has two CPUs, so it does not replay.
        assert!(Permalink::decode("v2/seed-race/dsb/19")
            .unwrap()
            .history()
            .is_err());
        // Decodes, but CPU1's second step needs the PTL that CPU0 holds.
        let e = Permalink::decode("v2/seed-race/dsb/101")
            .unwrap()
            .history()
            .unwrap_err();
        assert_eq!(e.part, "events");
        assert!(e.message.contains("event 3"), "{e}");
    }

    /// A v1 link of the seed race (its v1 default schedule, cursor after the
    /// stale write's mprotect) opens as the same run: the translated scenario
    /// inline, each step expanded, the cursor at the same point of the story.
    #[test]
    fn v1_links_open_translated() {
        // v1 seed-race: s1,s0,s0,s1,s1,s1,s1,s0,s0; cursor 6 = after mprotect_return.
        let link = Permalink::decode("v1/seed-race/dsb/100111100/6").unwrap();
        assert!(link.is_inline());
        // s1 | s0 s0 | fbp -> 2, cpr -> 3, return -> 1 | write | pageout+free -> 2, flush -> 1
        assert_eq!(
            crate::event::format_schedule(&link.events),
            "s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s0,s0,s0"
        );
        assert_eq!(link.cursor, 9);
        let history = link.history().unwrap();
        let last = history.last().unwrap();
        assert!(matches!(
            last.effects.last(),
            Some(crate::Effect::Returned { .. })
        ));
        // Replayed to the end it still ends in v1's stale write.
        let mut full = history.clone();
        full.jump(full.all_steps().len());
        assert_eq!(
            full.current().violation.map(|v| v.kind),
            Some(crate::ViolationKind::StaleWrite)
        );
        // Its re-encoding is a v2 link.
        assert!(Permalink::of(&history).encode().starts_with("v2/x."));
    }
}
