//! The fuzz suite (issue 14): a deterministic, seeded generator of random and
//! mutated inputs for every parser and renderer of sim-core, checking that
//! nothing panics, no input takes over a second or allocates more than
//! [`MAX_INPUT_BYTES`] at once, every error message is short and printable,
//! every rendering is well formed, and every accepted input round-trips,
//! replays and explores under a small bound.
//!
//! `cargo test` runs it with a small count; `cargo xtask fuzz [--cases N]
//! [--seed S]` runs it optimised with any count (docs/reliability.md). The seeds
//! of the mutations are the built-in scenarios and lessons (both formats), the
//! JSON and link examples of the docs, and the traces of every built-in story.
//! A harness of its own (`harness = false`): one test, with a table of figures.

use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use serde_json::Value;
use sim_core::lesson::{Lesson, LessonFile};
use sim_core::permalink::{base64url_encode, Permalink};
use sim_core::trace::Trace;
use sim_core::{
    explore, format_schedule, ladder, parse_schedule, scenario, svg, Event, ExploreConfig, History,
    Mitigation, Model, Scenario,
};

/// The slowest any one input may be.
const SLOW: Duration = Duration::from_secs(1);
/// The most memory the whole run may reach (peak resident set).
const MAX_RSS_KIB: u64 = 1 << 20;
/// The most heap one input may hold at once, above what was held before it
/// (the largest inputs are 1.4 MB texts).
const MAX_INPUT_BYTES: usize = 64 << 20;
/// The longest error message any input may get, in bytes: the documented net.
const MAX_ERROR_BYTES: usize = sim_core::limits::MAX_MESSAGE_BYTES;

/// The heap in use and its high-water mark since the last [`Counting::reset`]:
/// each input's own peak allocation is measured, not only the process's.
struct Counting;

static IN_USE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static PEAK: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Counting {
    fn grew(by: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        let now = IN_USE.fetch_add(by, Relaxed) + by;
        PEAK.fetch_max(now, Relaxed);
    }
    fn shrank(by: usize) {
        IN_USE.fetch_sub(by, std::sync::atomic::Ordering::Relaxed);
    }
    /// Starts a new high-water mark; returns the bytes in use.
    fn reset() -> usize {
        let now = IN_USE.load(std::sync::atomic::Ordering::Relaxed);
        PEAK.store(now, std::sync::atomic::Ordering::Relaxed);
        now
    }
    fn peak() -> usize {
        PEAK.load(std::sync::atomic::Ordering::Relaxed)
    }
}

// SAFETY: every call is passed on to the system allocator unchanged; only the
// counters are added.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = unsafe { std::alloc::System.alloc(layout) };
        if !p.is_null() {
            Counting::grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) };
        Counting::shrank(layout.size());
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = unsafe { std::alloc::System.alloc_zeroed(layout) };
        if !p.is_null() {
            Counting::grew(layout.size());
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        let p = unsafe { std::alloc::System.realloc(ptr, layout, size) };
        if !p.is_null() {
            Counting::shrank(layout.size());
            Counting::grew(size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;
/// States explored for each accepted input.
const EXPLORE_BOUND: usize = 300;

/// What is fuzzed, each with its own generator and checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Permalink,
    Scenario,
    Lesson,
    TraceImport,
    Schedule,
    Event,
    Ladder,
    Svg,
    Litmus,
}

const TARGETS: [Target; 9] = [
    Target::Permalink,
    Target::Scenario,
    Target::Lesson,
    Target::TraceImport,
    Target::Schedule,
    Target::Event,
    Target::Ladder,
    Target::Svg,
    Target::Litmus,
];

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Permalink => "permalink",
            Target::Scenario => "scenario",
            Target::Lesson => "lesson",
            Target::TraceImport => "trace import",
            Target::Schedule => "schedule",
            Target::Event => "event",
            Target::Ladder => "ladder",
            Target::Svg => "svg",
            Target::Litmus => "litmus",
        }
    }
}

/// Figures of one target.
#[derive(Default)]
struct Figures {
    inputs: u64,
    accepted: u64,
    slowest: Duration,
    slowest_case: u64,
    largest: usize,
    /// The most heap one input held at once, and which.
    peak_bytes: usize,
    peak_case: u64,
    failures: Vec<String>,
}

/// The inputs every mutation starts from.
struct Seeds {
    scenarios: Vec<String>,
    lessons: Vec<String>,
    traces: Vec<String>,
    links: Vec<String>,
    builtins: Vec<Scenario>,
}

fn seeds() -> Seeds {
    let mut scenarios: Vec<String> = scenario::builtin_names()
        .map(|n| scenario::builtin_json(n).unwrap().to_string())
        .collect();
    scenarios.extend(
        ["seed-race", "same-cpu", "migration", "tlb-cost"]
            .iter()
            .filter_map(|n| sim_core::v1::builtin_v1(n))
            .map(str::to_string),
    );
    let docs = [
        include_str!("../../docs/scenario-format.md"),
        include_str!("../../docs/lessons.md"),
        include_str!("../../docs/permalinks.md"),
    ];
    let mut lessons = vec![include_str!("../lessons/seed-race.json").to_string()];
    let mut links = Vec::new();
    for doc in docs {
        for block in doc.split("```json\n").skip(1) {
            let json = &block[..block.find("```").unwrap_or(block.len())];
            if json.contains("\"steps\"") {
                lessons.push(json.to_string());
            } else {
                scenarios.push(json.to_string());
            }
        }
        for word in doc.split(['`', ' ', '\n', '"']) {
            if let Some(at) = word.find("#v") {
                links.push(word[at..].trim_end_matches([')', '.', ',']).to_string());
            }
        }
    }
    let builtins = scenario::builtins();
    let mut traces = Vec::new();
    for s in &builtins {
        for m in Mitigation::ALL {
            let model = Model::new(s.clone(), m);
            let (Ok(h) | Err((h, _))) = History::replay(model, s.default_schedule());
            traces.push(serde_json::to_string_pretty(&Trace::of(&h)).unwrap());
            links.push(Permalink::of(&h).encode());
            links.push(
                Permalink {
                    scenario: sim_core::permalink::ScenarioRef::Inline(
                        sim_core::permalink::inline_json(s),
                    ),
                    ..Permalink::of(&h)
                }
                .encode(),
            );
        }
    }
    Seeds {
        scenarios,
        lessons,
        traces,
        links,
        builtins,
    }
}

/// Characters that mean something to one parser or another.
const ALPHABET: &[u8] = b"0123456789sdDvx.>/,#+-_ {}[]\":abcdefghijklmnopqrstuvwxyzPQR\\\n\t\0";

fn random_text(rng: &mut fastrand::Rng, max: usize) -> String {
    let len = rng.usize(0..=max);
    (0..len)
        .map(|_| {
            if rng.u8(..) < 8 {
                rng.char(..)
            } else {
                ALPHABET[rng.usize(..ALPHABET.len())] as char
            }
        })
        .collect()
}

/// A text mutated at the byte level: replaced, inserted, deleted or repeated
/// stretches, truncation, splicing with another seed; kept valid UTF-8.
fn mutate_text(rng: &mut fastrand::Rng, text: &str, other: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..rng.usize(1..=4) {
        let len = bytes.len();
        let at = rng.usize(0..=len);
        match rng.u8(..10) {
            0 => bytes.truncate(at),
            1 | 2 if len > 0 => {
                let at = at.min(len - 1);
                bytes[at] = ALPHABET[rng.usize(..ALPHABET.len())];
            }
            3 => bytes
                .splice(at..at, random_text(rng, 8).into_bytes())
                .for_each(drop),
            4 if at < len => {
                let end = (at + rng.usize(1..=16)).min(len);
                bytes.drain(at..end);
            }
            5 if at < len => {
                // Repeat a stretch: long words, long lists, deep nesting.
                let end = (at + rng.usize(1..=8)).min(len);
                let piece = bytes[at..end].to_vec();
                let times = if rng.u8(..50) == 0 {
                    100_000
                } else {
                    rng.usize(2..64)
                };
                let repeated: Vec<u8> = piece
                    .iter()
                    .copied()
                    .cycle()
                    .take(piece.len() * times)
                    .collect();
                bytes.splice(at..at, repeated).for_each(drop);
            }
            6 => {
                let o = other.as_bytes();
                let from = rng.usize(0..=o.len());
                bytes.truncate(at);
                bytes.extend_from_slice(&o[from..]);
            }
            _ if len > 0 => {
                let at = at.min(len - 1);
                bytes[at] ^= 1 << rng.u8(..7);
            }
            _ => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Values a field of any type can be given that are interesting to a validator.
fn random_value(rng: &mut fastrand::Rng, like: &Value) -> Value {
    match rng.u8(..12) {
        0 => Value::Null,
        1 => Value::Bool(rng.bool()),
        2 => [
            0i64,
            1,
            2,
            7,
            8,
            9,
            15,
            16,
            17,
            63,
            64,
            255,
            256,
            511,
            512,
            -1,
            1 << 24,
            i64::MAX,
        ][rng.usize(..18)]
        .into(),
        3 => serde_json::json!(rng.f64() * 1e20),
        4 => Value::String(random_text(rng, 12)),
        5 => {
            // A long string: over every text limit.
            let n = [41, 201, 4001, 100_000][rng.usize(..4)];
            Value::String("w".repeat(n))
        }
        6 => Value::Array(Vec::new()),
        7 => serde_json::json!({}),
        8 => match like {
            Value::Array(items) if !items.is_empty() => {
                let mut items = items.clone();
                let n = if rng.u8(..20) == 0 { 40 } else { 2 };
                let extra = items[rng.usize(..items.len())].clone();
                items.extend(std::iter::repeat_n(extra, n));
                Value::Array(items)
            }
            other => other.clone(),
        },
        9 => Value::String(
            [
                "P",
                "Q",
                "R",
                "Z",
                "s1,s0",
                "d0>1",
                "dsb",
                "none",
                "flush_tlb_mm",
                "mprotect",
                "read",
                "seed-race",
                "kswapd0",
            ][rng.usize(..13)]
            .into(),
        ),
        _ => match like {
            Value::Number(n) => {
                serde_json::json!(n.as_i64().unwrap_or(0).saturating_add(rng.i64(-3..=3)))
            }
            Value::String(s) if !s.is_empty() => Value::String(mutate_text(rng, s, "")),
            other => other.clone(),
        },
    }
}

/// A JSON document mutated at one or more of its nodes: a value replaced,
/// a key removed or added, an array element removed, duplicated or moved.
fn mutate_json(rng: &mut fastrand::Rng, value: &mut Value) {
    for _ in 0..rng.usize(1..=3) {
        // Choose a random path first (as a JSON pointer), then edit what is there.
        let mut pointer = String::new();
        let mut at = &*value;
        for _ in 0..rng.usize(0..6) {
            let next = match at {
                Value::Object(map) if !map.is_empty() => {
                    let (key, v) = map.iter().nth(rng.usize(..map.len())).unwrap();
                    pointer.push('/');
                    pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                    v
                }
                Value::Array(items) if !items.is_empty() => {
                    let i = rng.usize(..items.len());
                    pointer.push_str(&format!("/{i}"));
                    &items[i]
                }
                _ => break,
            };
            at = next;
            if rng.u8(..4) == 0 {
                break;
            }
        }
        let node = value.pointer_mut(&pointer).expect("a path just walked");
        match node {
            Value::Object(map) if rng.bool() => {
                if !map.is_empty() && rng.bool() {
                    let key = map.keys().nth(rng.usize(..map.len())).unwrap().clone();
                    map.remove(&key);
                } else {
                    let key = [
                        "format", "op", "page", "pages", "to", "cpu", "flag", "tlb", "present",
                        "restart", "question", "x",
                    ][rng.usize(..12)];
                    let v = random_value(rng, &Value::Null);
                    map.insert(key.into(), v);
                }
            }
            Value::Array(items) if !items.is_empty() && rng.bool() => {
                let i = rng.usize(..items.len());
                match rng.u8(..3) {
                    0 => {
                        items.remove(i);
                    }
                    1 => {
                        let v = items[i].clone();
                        items.insert(rng.usize(..=items.len()), v);
                    }
                    _ => {
                        let j = rng.usize(..items.len());
                        items.swap(i, j);
                    }
                }
            }
            other => {
                let like = other.clone();
                *other = random_value(rng, &like);
            }
        }
    }
}

/// A JSON seed, mutated as a tree (mostly) or as text.
fn mutated_json(rng: &mut fastrand::Rng, seeds: &[String]) -> String {
    let seed = &seeds[rng.usize(..seeds.len())];
    if rng.u8(..4) == 0 {
        let other = &seeds[rng.usize(..seeds.len())];
        return mutate_text(rng, seed, other);
    }
    let mut value: Value = serde_json::from_str(seed).expect("seeds are JSON");
    mutate_json(rng, &mut value);
    if rng.bool() {
        value.to_string()
    } else {
        serde_json::to_string_pretty(&value).unwrap()
    }
}

/// A random walk of enabled events on a model, of up to `max` events.
fn walk(rng: &mut fastrand::Rng, model: &Model, max: usize) -> History {
    let mut history = History::new(model.clone());
    for _ in 0..max {
        let enabled = model.enabled_events(history.current());
        if enabled.is_empty() {
            break;
        }
        history
            .apply(enabled[rng.usize(..enabled.len())])
            .expect("an enabled event applies");
    }
    history
}

/// An error message is at most [`MAX_ERROR_BYTES`] and holds nothing a
/// terminal or a page would act on (escapes, bidi overrides...).
fn check_message(e: &impl std::fmt::Display) -> Result<(), String> {
    let text = e.to_string();
    if text.len() > MAX_ERROR_BYTES {
        return Err(format!(
            "error message of {} bytes: {}",
            text.len(),
            sim_core::limits::excerpt(&text)
        ));
    }
    if let Some(c) = text.chars().find(|c| !sim_core::limits::is_printable(*c)) {
        return Err(format!(
            "error message holds {c:?}: {}",
            sim_core::limits::excerpt(&text)
        ));
    }
    Ok(())
}

/// Whether `svg` is well-formed XML as a browser would parse it: legal
/// characters, every tag closed in order, attributes quoted, `<` and `&` only as
/// markup or entities. A small checker, enough for what svg.rs writes.
fn check_xml(svg: &str) -> Result<(), String> {
    let bad = |why: String| Err(format!("the SVG is not well-formed XML: {why}"));
    if let Some(c) = svg.chars().find(|c| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}')
    }) {
        return bad(format!("{c:?} is not an XML character"));
    }
    let entity = |rest: &str| -> bool {
        let Some(end) = rest.find(';') else {
            return false;
        };
        let name = &rest[1..end];
        matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
            || name
                .strip_prefix("#x")
                .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
            || name
                .strip_prefix('#')
                .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    };
    let text_ok = |text: &str| -> bool { text.match_indices('&').all(|(i, _)| entity(&text[i..])) };
    let mut open: Vec<&str> = Vec::new();
    let mut rest = svg;
    let mut roots = 0;
    while let Some(lt) = rest.find('<') {
        if !text_ok(&rest[..lt]) {
            return bad(format!(
                "a bare & in {}",
                sim_core::limits::excerpt(&rest[..lt])
            ));
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<?") {
            let Some(end) = after.find("?>") else {
                return bad("an unclosed <?".into());
            };
            rest = &after[end + 2..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("<!--") {
            let Some(end) = after.find("-->") else {
                return bad("an unclosed comment".into());
            };
            rest = &after[end + 3..];
            continue;
        }
        let Some(gt) = rest.find('>') else {
            return bad("an unclosed tag".into());
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if open.pop() != Some(name.trim_end()) {
                return bad(format!("</{name}> closes nothing open"));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name_end = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
        let name = &tag[..name_end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_:.".contains(c))
        {
            return bad(format!("a tag named {}", sim_core::limits::excerpt(name)));
        }
        // Attributes: name="value" (or '), values without < and with entities only.
        let mut attrs = tag[name_end..].trim_start();
        let mut names = Vec::new();
        while !attrs.is_empty() {
            let Some(eq) = attrs.find('=') else {
                return bad(format!("an attribute without a value in <{name}>"));
            };
            let attr = attrs[..eq].trim();
            if attr.is_empty() || names.contains(&attr) {
                return bad(format!("attribute {attr:?} of <{name}>"));
            }
            names.push(attr);
            let value = attrs[eq + 1..].trim_start();
            let quote = value.chars().next().filter(|q| *q == '"' || *q == '\'');
            let Some(q) = quote else {
                return bad(format!("an unquoted attribute {attr} in <{name}>"));
            };
            let Some(end) = value[1..].find(q) else {
                return bad(format!("an unclosed attribute {attr}"));
            };
            let v = &value[1..1 + end];
            if v.contains('<') || !text_ok(v) {
                return bad(format!(
                    "attribute {attr} = {}",
                    sim_core::limits::excerpt(v)
                ));
            }
            attrs = value[end + 2..].trim_start();
        }
        if open.is_empty() {
            roots += 1;
        }
        if !self_closing {
            open.push(name);
        }
    }
    if !text_ok(rest) || !rest.trim().is_empty() && open.is_empty() {
        return bad("text after the root".into());
    }
    match (open.last(), roots) {
        (Some(name), _) => bad(format!("<{name}> is never closed")),
        (None, 1) => Ok(()),
        (None, n) => bad(format!("{n} root elements")),
    }
}

fn ensure(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(what())
    }
}

/// What every accepted scenario must do: validate back to itself from its file,
/// replay its default schedule, render, export and import as a trace, explore.
fn check_scenario(s: &Scenario, mitigation: Mitigation) -> Result<(), String> {
    let text = serde_json::to_string(&s.to_file()).unwrap();
    let back = Scenario::from_json(&text).map_err(|e| format!("its own file is refused: {e}"))?;
    ensure(&back == s, || {
        "its file reads back as another scenario".into()
    })?;
    // The default schedule must replay on the default kernel (dsb), as the
    // validator promises (docs/scenario-format.md); on another it plays as far
    // as it goes.
    History::replay(Model::new(s.clone(), Mitigation::Dsb), s.default_schedule())
        .map_err(|(_, e)| format!("default_schedule was accepted but does not replay: {e}"))?;
    let model = Model::new(s.clone(), mitigation);
    let history = History::replay_while_enabled(model.clone(), s.default_schedule());
    check_history(&history)?;
    let config = ExploreConfig {
        max_states: EXPLORE_BOUND,
        ..ExploreConfig::default()
    };
    let report = explore(&model, config);
    ensure(report.states <= EXPLORE_BOUND + 64, || {
        format!("explored {} states", report.states)
    })?;
    Ok(())
}

/// A history renders, and round-trips through its permalink and its trace.
fn check_history(history: &History) -> Result<(), String> {
    let ladder = ladder::render(history.model(), history.steps());
    ensure(ladder.is_ascii(), || "the ladder is not ASCII".into())?;
    check_xml(&svg::render(history.model(), history.steps()))?;
    let link = Permalink::of(history).encode();
    let back = Permalink::decode(&link)
        .and_then(|l| l.history())
        .map_err(|e| {
            format!(
                "its own link {} does not open: {e}",
                sim_core::limits::excerpt(&link)
            )
        })?;
    ensure(&back == history, || {
        format!(
            "its link opens another view: {}",
            sim_core::limits::excerpt(&link)
        )
    })?;
    let trace = serde_json::to_string(&Trace::of(history)).unwrap();
    let imported =
        scenario::import(&trace).map_err(|e| format!("its own trace is refused: {e}"))?;
    ensure(
        imported.schedule.as_deref() == Some(&history.schedule()[..]),
        || "its trace imports another schedule".into(),
    )?;
    let model = history.model();
    if model.arch() == model.scenario().arch() {
        return ensure(&imported.scenario == model.scenario(), || {
            "its trace imports another scenario".into()
        });
    }
    // Played on another architecture than the scenario's own, the trace carries
    // the scenario on the architecture played (Trace::of): it must import on
    // it and replay to the same machine at every step.
    ensure(imported.scenario.arch() == model.arch(), || {
        "its trace imports another architecture".into()
    })?;
    let replayed = History::replay(
        sim_core::Model::new(imported.scenario, model.mitigation()),
        &history.schedule(),
    )
    .map_err(|(_, e)| format!("its trace does not replay: {e}"))?;
    let same =
        replayed.steps().len() == history.steps().len()
            && replayed.steps().iter().zip(history.steps()).all(|(a, b)| {
                a.event == b.event && a.effects == b.effects && a.machine == b.machine
            });
    ensure(same, || "its trace replays to another run".into())
}

/// One input of `target`: generated, then checked.
fn run_one(
    target: Target,
    rng: &mut fastrand::Rng,
    seeds: &Seeds,
) -> (usize, bool, Result<(), String>) {
    match target {
        Target::Permalink => {
            let input = match rng.u8(..10) {
                0 => random_text(rng, 40),
                1 if rng.u8(..20) == 0 => {
                    // A 1 MB title inline.
                    let mut file: Value = serde_json::from_str(&seeds.scenarios[0]).unwrap();
                    file["title"] = Value::String("t".repeat(1 << 20));
                    format!(
                        "#v2/x.{}/dsb/",
                        base64url_encode(file.to_string().as_bytes())
                    )
                }
                2 => {
                    // An inline scenario that is a mutated one.
                    let json = mutated_json(rng, &seeds.scenarios);
                    format!(
                        "v2/x.{}/{}/{}",
                        base64url_encode(json.as_bytes()),
                        ["dsb", "none", "flush_tlb_mm"][rng.usize(..3)],
                        random_text(rng, 6)
                    )
                }
                _ => {
                    let a = &seeds.links[rng.usize(..seeds.links.len())];
                    let b = &seeds.links[rng.usize(..seeds.links.len())];
                    mutate_text(rng, a, b)
                }
            };
            let parsed = Permalink::decode(&input);
            let accepted = parsed.is_ok();
            let result = match parsed {
                Err(e) => check_message(&e),
                Ok(link) => {
                    let text = input.strip_prefix('#').unwrap_or(&input);
                    let again = link.encode();
                    let round = if text.starts_with("v2/") {
                        ensure(again == text, || {
                            format!(
                                "accepted {} but writes {}",
                                sim_core::limits::excerpt(text),
                                sim_core::limits::excerpt(&again)
                            )
                        })
                    } else {
                        ensure(Permalink::decode(&again).as_ref() == Ok(&link), || {
                            "a v1 link's v2 form reads back differently".into()
                        })
                    };
                    round.and_then(|()| match link.history() {
                        Err(e) => check_message(&e),
                        Ok(h) => check_history(&h).and_then(|()| {
                            check_scenario(h.model().scenario(), h.model().mitigation())
                        }),
                    })
                }
            };
            (input.len(), accepted, result)
        }
        Target::Scenario => {
            let input = if rng.u8(..20) == 0 {
                random_text(rng, 64)
            } else {
                mutated_json(rng, &seeds.scenarios)
            };
            let parsed = Scenario::from_json(&input);
            let accepted = parsed.is_ok();
            let result = match parsed {
                Err(e) => check_message(&e),
                Ok(s) => check_scenario(&s, Mitigation::ALL[rng.usize(..3)]),
            };
            (input.len(), accepted, result)
        }
        Target::Lesson => {
            let input = mutated_json(rng, &seeds.lessons);
            let parsed = Lesson::from_json(&input);
            let accepted = parsed.is_ok();
            let result = match parsed {
                Err(e) => check_message(&e),
                Ok(lesson) => (|| {
                    for i in 0..lesson.steps.len() {
                        let before = lesson.history_before(i);
                        let after = lesson.history_after(i);
                        let played = lesson.steps[i].events.len();
                        ensure(after.cursor() == before.cursor() + played, || {
                            format!("step {i} was accepted but does not play its {played} events")
                        })?;
                        let _ = ladder::render(after.model(), after.steps());
                    }
                    let file: LessonFile = serde_json::from_str(&input).unwrap();
                    let again = Lesson::from_json(&serde_json::to_string(&file).unwrap())
                        .map_err(|e| format!("its own file is refused: {e}"))?;
                    ensure(again == lesson, || {
                        "its file reads back as another lesson".into()
                    })?;
                    check_scenario(&lesson.scenario, lesson.mitigation)
                })(),
            };
            (input.len(), accepted, result)
        }
        Target::TraceImport => {
            let input = mutated_json(rng, &seeds.traces);
            let parsed = scenario::import(&input);
            let accepted = parsed.is_ok();
            let result = match parsed {
                Err(e) => check_message(&e),
                Ok(imported) => (|| {
                    let mitigation = imported.mitigation.unwrap_or_default();
                    let model = Model::new(imported.scenario.clone(), mitigation);
                    let events = imported.schedule.clone().unwrap_or_default();
                    let history = History::replay(model, &events)
                        .map_err(|(_, e)| format!("an imported schedule does not replay: {e}"))?;
                    check_history(&history)?;
                    check_scenario(&imported.scenario, mitigation)
                })(),
            };
            (input.len(), accepted, result)
        }
        Target::Schedule => {
            let input = if rng.bool() {
                random_text(rng, 60)
            } else {
                let s = &seeds.builtins[rng.usize(..seeds.builtins.len())];
                mutate_text(
                    rng,
                    &format_schedule(s.default_schedule()),
                    "s1,d0>1,d0.2>1,s15",
                )
            };
            let parsed = parse_schedule(&input);
            let accepted = parsed.is_ok();
            let result = match parsed {
                Err(e) => check_message(&e),
                Ok(events) => (|| {
                    let back = parse_schedule(&format_schedule(&events))
                        .map_err(|e| format!("its own text is refused: {e}"))?;
                    ensure(back == events, || {
                        "its text reads back as another schedule".into()
                    })?;
                    let s = &seeds.builtins[rng.usize(..seeds.builtins.len())];
                    match History::replay(
                        Model::new(s.clone(), Mitigation::ALL[rng.usize(..3)]),
                        &events,
                    ) {
                        Ok(h) => check_history(&h),
                        Err((h, e)) => check_message(&e).and_then(|()| check_history(&h)),
                    }
                })(),
            };
            (input.len(), accepted, result)
        }
        Target::Event => {
            // Well-formed events with numbers at and around the limits, then
            // mutated, or random text.
            let numbers = [
                "0", "1", "7", "15", "16", "63", "64", "255", "256", "007", "+1", "-1", "",
            ];
            let picks: Vec<&str> = (0..3)
                .map(|_| numbers[rng.usize(..numbers.len())])
                .collect();
            let shaped = match rng.u8(..3) {
                0 => format!("s{}", picks[0]),
                1 => format!("d{}>{}", picks[0], picks[1]),
                _ => format!("d{}.{}>{}", picks[0], picks[1], picks[2]),
            };
            let input = match rng.u8(..4) {
                0 => random_text(rng, 8),
                1 => mutate_text(rng, &shaped, "d0>1"),
                _ => shaped,
            };
            let parsed = input.parse::<Event>();
            let accepted = parsed.is_ok();
            let result = match parsed {
                Err(e) => check_message(&e),
                Ok(event) => {
                    let back: Result<Event, _> = event.to_string().parse();
                    ensure(back.as_ref() == Ok(&event), || {
                        format!("{event} reads back differently")
                    })
                }
            };
            (input.len(), accepted, result)
        }
        Target::Litmus => {
            // A run to its end (random choices) exported, or refused with a short
            // reason; herd7's output parsed from mutated text.
            let s = if rng.u8(..4) == 0 {
                scenario::family(rng.usize(2..=4))
            } else {
                seeds.builtins[rng.usize(..seeds.builtins.len())].clone()
            };
            let model = Model::new(s, Mitigation::ALL[rng.usize(..3)]);
            let len = if rng.u8(..4) == 0 {
                rng.usize(0..20)
            } else {
                10_000
            };
            let history = walk(rng, &model, len);
            let mut events = history.schedule();
            if rng.u8(..3) == 0 {
                // A hostile schedule: events put in anywhere that need not be
                // enabled (a CPU that does not exist, one whose task is done or
                // waits, a TLBI that is not in flight), as `--schedule` or a
                // trace can give them.
                for _ in 0..rng.usize(1..=3) {
                    let cpu = |rng: &mut fastrand::Rng| {
                        sim_core::CpuId(if rng.bool() {
                            rng.u8(..=17)
                        } else {
                            rng.u8(..)
                        })
                    };
                    let event = if rng.bool() {
                        Event::Step(cpu(rng))
                    } else {
                        Event::Deliver {
                            tlbi: sim_core::TlbiRef {
                                issuer: cpu(rng),
                                nth: rng.u8(..4),
                            },
                            to: cpu(rng),
                        }
                    };
                    events.insert(rng.usize(..=events.len()), event);
                }
            }
            let replays = History::replay(model.clone(), &events).is_ok();
            let exported = sim_core::litmus::export(&model, &events);
            let accepted = exported.is_ok();
            let herd = "Test tlbrace Allowed\nStates 2\n0:X0=1; [P]=0;\n0:X0=0; [P]=1;\nOk\nWitnesses\nPositive: 1 Negative: 1\nCondition exists (0:X0=1)\nObservation tlbrace Sometimes 1 1\n";
            let _ = sim_core::litmus::HerdAnswer::parse(&mutate_text(rng, herd, "States 0\n"));
            let result = match exported {
                Err(e) => check_message(&e),
                Ok(_) if !replays => Err(format!(
                    "exported {}, which does not replay",
                    sim_core::limits::excerpt(&format_schedule(&events))
                )),
                Ok(litmus) => ensure(litmus.text.is_ascii() && !litmus.text.is_empty(), || {
                    "the litmus test is not ASCII text".into()
                }),
            };
            (events.len(), accepted, result)
        }
        Target::Ladder | Target::Svg => {
            // Random walks on the built-ins and on generated family members.
            let s = if rng.u8(..4) == 0 {
                scenario::family(rng.usize(2..=scenario::MAX_CPUS))
            } else {
                seeds.builtins[rng.usize(..seeds.builtins.len())].clone()
            };
            let model = Model::new(s, Mitigation::ALL[rng.usize(..3)]);
            let len = rng.usize(0..80);
            let history = walk(rng, &model, len);
            let out = if target == Target::Ladder {
                let options = ladder::Options {
                    width: rng.usize(40..=200),
                    ladder_only: rng.bool(),
                    permalink: rng.bool().then(|| Permalink::of(&history).encode()),
                };
                ladder::render_with(history.model(), history.steps(), &options)
            } else {
                svg::render(history.model(), history.steps())
            };
            let result = if target == Target::Ladder {
                ensure(out.is_ascii(), || "the ladder is not ASCII".into())
            } else {
                check_xml(&out)
            }
            .and_then(|()| check_history(&history));
            (history.cursor(), true, result)
        }
    }
}

/// The CPU time this thread has used (`CLOCK_THREAD_CPUTIME_ID`).
fn thread_cpu() -> Option<Duration> {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the one we pass.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0;
    ok.then(|| Duration::new(t.tv_sec as u64, t.tv_nsec as u32))
}

/// The peak resident set of this process, in KiB (Linux; 0 elsewhere).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The checks themselves catch what they are for: a harness that passes
/// everything would report a clean run.
fn check_the_checks() {
    let model = Model::new(scenario::builtin("seed-race").unwrap(), Mitigation::Dsb);
    let history = History::replay(model.clone(), &parse_schedule("s1,s0").unwrap()).unwrap();
    let svg = svg::render(&model, history.steps());
    assert_eq!(check_xml(&svg), Ok(()));
    for bad in [
        "<svg><g></svg>",
        "<svg><g>",
        "<svg a=1></svg>",
        "<svg a=\"<\"></svg>",
        "<svg>&nbsp;</svg>",
        "<svg>AT&T</svg>",
        "<svg>\u{1b}</svg>",
        "<svg/><svg/>",
        "<svg a=\"1\" a=\"2\"/>",
        "",
    ] {
        assert!(check_xml(bad).is_err(), "{bad:?} passes check_xml");
    }
    assert!(
        check_xml("<?xml version=\"1.0\"?><svg><!-- x --><t>a &amp; &#38; &#x26;</t></svg>")
            .is_ok()
    );
    assert!(check_message(&"\u{1b}[2J").is_err());
    assert!(check_message(&"\u{202e}").is_err());
    assert!(check_message(&"é".repeat(MAX_ERROR_BYTES)).is_err());
    assert!(check_message(&"fine: \\u{1b} escaped").is_ok());
}

fn main() {
    check_the_checks();
    let mut cases: u64 = std::env::var("TLBRACE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let mut seed: u64 = 14;
    // Where to start: a long run can be split into shards (--first 0 --cases N,
    // --first N --cases N...) that together make exactly the inputs of one run.
    let mut first: u64 = 0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--cases" => cases = args.next().and_then(|v| v.parse().ok()).expect("--cases N"),
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).expect("--seed S"),
            "--first" => first = args.next().and_then(|v| v.parse().ok()).expect("--first F"),
            // libtest's own options (a filter, --nocapture...) mean nothing here.
            _ => {}
        }
    }
    let seeds = seeds();
    // Panics are caught per input and reported with it; the default hook's
    // message is kept for the report instead of printed.
    let last_panic = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    {
        let last_panic = last_panic.clone();
        panic::set_hook(Box::new(move |info| {
            *last_panic.lock().unwrap() = info.to_string();
        }));
    }
    let mut figures: Vec<Figures> = TARGETS.iter().map(|_| Figures::default()).collect();
    let start = Instant::now();
    for case in first..first + cases {
        let t = (case % TARGETS.len() as u64) as usize;
        let target = TARGETS[t];
        // One generator per case: any case can be replayed alone from its number.
        let mut rng = fastrand::Rng::with_seed(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ case);
        let began = Instant::now();
        let cpu_began = thread_cpu();
        let held_before = Counting::reset();
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| run_one(target, &mut rng, &seeds)));
        let held = Counting::peak().saturating_sub(held_before);
        // The input's cost is the CPU time it took: on a machine shared with other
        // work, wall time also counts the time this thread waited for a CPU.
        let took = match (cpu_began, thread_cpu()) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => began.elapsed(),
        };
        let f = &mut figures[t];
        f.inputs += 1;
        if took > f.slowest {
            f.slowest = took;
            f.slowest_case = case;
        }
        if held > f.peak_bytes {
            f.peak_bytes = held;
            f.peak_case = case;
        }
        let failure = match outcome {
            Err(_) => Some(format!("panicked: {}", last_panic.lock().unwrap())),
            Ok((size, accepted, result)) => {
                f.largest = f.largest.max(size);
                f.accepted += u64::from(accepted);
                result.err()
            }
        };
        let failure = failure
            .or_else(|| (took > SLOW).then(|| format!("took {took:?}")))
            .or_else(|| {
                (held > MAX_INPUT_BYTES).then(|| format!("held {} KiB of heap at once", held >> 10))
            });
        if let Some(why) = failure {
            if f.failures.len() < 5 {
                f.failures
                    .push(format!("case {case} (--seed {seed}): {why}"));
            } else {
                f.failures.push(String::new());
            }
        }
    }
    let elapsed = start.elapsed();
    let rss = peak_rss_kib();
    let mut report = format!(
        "fuzz: {cases} inputs (cases {first} to {}), seed {seed}, {:.1} s, peak memory {} MiB\n",
        first + cases - 1,
        elapsed.as_secs_f64(),
        rss / 1024
    );
    let _ = writeln!(
        report,
        "{:<13} {:>9} {:>9} {:>9} {:>12} {:>10} {:>8} {:>9} {:>10}",
        "target",
        "inputs",
        "accepted",
        "failures",
        "slowest ms",
        "(case)",
        "largest",
        "heap KiB",
        "(case)"
    );
    let mut failed = 0;
    for (t, f) in TARGETS.iter().zip(&figures) {
        failed += f.failures.len();
        let _ = writeln!(
            report,
            "{:<13} {:>9} {:>9} {:>9} {:>12.2} {:>10} {:>8} {:>9} {:>10}",
            t.name(),
            f.inputs,
            f.accepted,
            f.failures.len(),
            f.slowest.as_secs_f64() * 1000.0,
            f.slowest_case,
            f.largest,
            f.peak_bytes >> 10,
            f.peak_case
        );
        for why in f.failures.iter().filter(|w| !w.is_empty()) {
            let _ = writeln!(report, "    {}: {why}", t.name());
        }
    }
    if rss > MAX_RSS_KIB {
        failed += 1;
        let _ = writeln!(
            report,
            "peak memory {} MiB is over the bound of {} MiB",
            rss / 1024,
            MAX_RSS_KIB / 1024
        );
    }
    print!("{report}");
    // The summary line cargo xtask test counts, in libtest's words.
    let (passed, failed_tests) = if failed == 0 { (1, 0) } else { (0, 1) };
    println!(
        "test result: {}. {passed} passed; {failed_tests} failed; 0 ignored; 0 measured; 0 filtered out; finished in {:.2}s",
        if failed == 0 { "ok" } else { "FAILED" },
        elapsed.as_secs_f64()
    );
    if failed > 0 {
        std::process::exit(1);
    }
}
