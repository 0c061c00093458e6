//! Reading scenario files, traces and schedules of either format.
//!
//! Format 1 gave each CPU one program of steps (`ptep_get_and_clear`,
//! `flush_tlb_batched_pending`, `change_pte_range`, `switch_to`/`switch_in`...).
//! It is translated here into format 2 (tasks with calls) with the same meaning:
//! every format-1 step becomes the format-2 steps that the kernel runs for it,
//! on the same CPU and consecutively, so a format-1 schedule becomes a format-2
//! one by repeating each `sN` as many times as its step expanded
//! ([`Translation::schedule`]). Deliveries keep their text: the same CPUs issue
//! the same TLBIs in the same order. Format-1 programs that no kernel runs (a
//! walk without its lock, a lock held over a user access, a write-out of a page
//! that is still mapped) are refused, naming the step, instead of being judged.

use serde::Deserialize;

use crate::event::{format_schedule, parse_schedule, Event};
use crate::mitigation::Mitigation;
use crate::op::{Call, CpuId};
use crate::scenario::{
    invalid, parse, CpuSpec, PageSpec, Scenario, ScenarioError, ScenarioFile, TaskSpec,
    FORMAT_VERSION, MAX_CPUS,
};

/// A format-1 scenario file, as it was written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFileV1 {
    format: u32,
    name: String,
    title: String,
    story: String,
    #[serde(default = "default_asid")]
    asid: u16,
    #[serde(default = "default_tlb_capacity")]
    tlb_capacity: u8,
    #[serde(default = "default_true")]
    switch_to_dsb: bool,
    pages: Vec<PageSpecV1>,
    cpus: Vec<CpuSpecV1>,
    #[serde(default)]
    default_schedule: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageSpecV1 {
    name: String,
    vpn: u32,
    pfn: u32,
    #[serde(default = "default_true")]
    writable: bool,
    #[serde(default)]
    data: u8,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CpuSpecV1 {
    role: String,
    #[serde(default)]
    tlb: Vec<String>,
    program: Vec<OpV1>,
}

/// A format-1 step. Unit variants are empty structs so that serde refuses a stray
/// field (`{"op": "dsb_ish", "page": "P"}`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum OpV1 {
    Read { page: String },
    Write { page: String, value: u8 },
    PtepGetAndClear { page: String },
    SetTlbUbcFlushPending { page: String },
    TryToUnmapFlush {},
    SwapWritepage { page: String },
    FlushTlbBatchedPending {},
    ChangePteRange { page: String },
    MprotectReturn { page: String },
    SwitchTo { to: u8 },
    SwitchIn { from: u8 },
    TlbiVa { page: String },
    TlbiAside {},
    DsbIsh {},
}

fn default_asid() -> u16 {
    1
}
fn default_tlb_capacity() -> u8 {
    4
}
fn default_true() -> bool {
    true
}

/// How a format-1 file's steps became format-2 steps.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Translation {
    /// For each format-1 CPU and each step of its program, how many format-2 steps
    /// of the same CPU it became.
    steps: Vec<Vec<u8>>,
    /// For each format-2 task and each of its calls, the format-1 step it came
    /// from (CPU, index in that CPU's program), to name it in errors.
    origins: Vec<Vec<(usize, usize)>>,
}

impl Translation {
    /// A format-1 schedule of this file as the format-2 schedule with the same meaning.
    pub fn schedule(&self, events: &[Event]) -> Result<Vec<Event>, String> {
        let mut pcs = vec![0usize; self.steps.len()];
        let mut out = Vec::with_capacity(events.len() * 2);
        for (i, event) in events.iter().enumerate() {
            match *event {
                // Format 1 had no IPIs; such an event replays as it is (and is then
                // refused by the arm64 model, which has none).
                Event::Ipi { .. } => out.push(*event),
                Event::Step(cpu) => {
                    let Some(program) = self.steps.get(cpu.index()) else {
                        return Err(format!(
                            "event {i} ({event}): {cpu} does not exist (the scenario has {} CPUs)",
                            self.steps.len()
                        ));
                    };
                    let Some(&n) = program.get(pcs[cpu.index()]) else {
                        return Err(format!("event {i} ({event}): {cpu}'s program is finished"));
                    };
                    pcs[cpu.index()] += 1;
                    out.extend(std::iter::repeat_n(*event, usize::from(n)));
                }
                Event::Deliver { .. } => out.push(*event),
            }
        }
        Ok(out)
    }
}

/// A scenario read from a file, and the translation when the file was format 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadScenario {
    /// The validated scenario.
    pub scenario: Scenario,
    /// How format-1 schedules of this file translate (`None` for format 2).
    pub translation: Option<Translation>,
}

/// Refuses anything but a JSON object (serde would read a struct from an array,
/// field by position), by its first character and without building the value.
fn object(text: &str) -> Result<(), ScenarioError> {
    if text.starts_with('\u{feff}') {
        return Err(invalid(
            "(file)",
            "starts with a byte order mark (U+FEFF): save it as UTF-8 without one",
        ));
    }
    let kind = match text.trim_start().as_bytes().first() {
        Some(b'{') => return Ok(()),
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    };
    // Invalid JSON is a syntax error with its position; valid JSON of another kind
    // is said to be the wrong kind. Skipping the value allocates nothing.
    parse::<serde::de::IgnoredAny>(text)?;
    Err(invalid(
        "(file)",
        format!("a scenario is a JSON object, not {kind}"),
    ))
}

/// The fields that decide how an object is read, skipping all the others
/// without building them: a probe of 8 MiB costs no memory.
#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    format: Option<Format>,
    /// Present in a trace (its scenario), absent in a scenario file.
    #[serde(default)]
    scenario: Option<serde::de::IgnoredAny>,
}

/// A `format` field as read: a version number, or anything else (skipped
/// unbuilt, so `"format": [0, 0, ...]` of megabytes allocates nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Version(u32),
    Other,
}

impl<'de> Deserialize<'de> for Format {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Format;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a version number")
            }
            fn visit_u64<E>(self, n: u64) -> Result<Format, E> {
                Ok(u32::try_from(n).map_or(Format::Other, Format::Version))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Format, E> {
                Ok(Format::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Format, E> {
                Ok(Format::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Format, E> {
                Ok(Format::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<Format, E> {
                Ok(Format::Other)
            }
            fn visit_unit<E>(self) -> Result<Format, E> {
                Ok(Format::Other)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Format, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Format::Other)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Format, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Format::Other)
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

fn format_of(format: Option<Format>) -> Result<u32, ScenarioError> {
    match format {
        None => Err(invalid("format", "missing: write \"format\": 2")),
        Some(Format::Version(n)) => Ok(n),
        Some(Format::Other) => Err(invalid(
            "format",
            "must be a version number: 2 (or 1 for old files)",
        )),
    }
}

/// Reads a scenario file of format 2, or of format 1 (translated).
pub fn read_scenario(text: &str) -> Result<ReadScenario, ScenarioError> {
    crate::limits::check_scenario_text(text).map_err(ScenarioError::TooLarge)?;
    object(text)?;
    match format_of(parse::<Probe>(text)?.format)? {
        1 => {
            let file: ScenarioFileV1 = parse(text)?;
            let (file, translation) = translate(&file)?;
            Ok(ReadScenario {
                scenario: file.validate().map_err(|e| translated(e, &translation))?,
                translation: Some(translation),
            })
        }
        FORMAT_VERSION => {
            let file: ScenarioFile = parse(text)?;
            Ok(ReadScenario {
                scenario: file.validate()?,
                translation: None,
            })
        }
        other => Err(invalid(
            "format",
            format!("version {other} is not supported: this tlbsim reads versions 1 and {FORMAT_VERSION}"),
        )),
    }
}

/// An error of the format-2 translation, said as such, naming the format-1 step
/// a `tasks[T].program[I]` field came from.
fn translated(e: ScenarioError, translation: &Translation) -> ScenarioError {
    match e {
        ScenarioError::Invalid { field, message } => ScenarioError::Invalid {
            field: v1_field(&field, translation).unwrap_or(field),
            message: format!(
                "{message} (in the format-2 translation of this format-1 file; see docs/scenario-format.md)"
            ),
        },
        other => other,
    }
}

fn v1_field(field: &str, translation: &Translation) -> Option<String> {
    let rest = field.strip_prefix("tasks[")?;
    let (t, rest) = rest.split_once(']')?;
    let rest = rest.strip_prefix(".program[")?;
    let (i, rest) = rest.split_once(']')?;
    let (t, i): (usize, usize) = (t.parse().ok()?, i.parse().ok()?);
    let (cpu, step) = *translation.origins.get(t)?.get(i)?;
    Some(format!("cpus[{cpu}].program[{step}]{rest}"))
}

/// The format-1 text of a built-in scenario as it was before format 2, for
/// permalinks and traces made then.
pub fn builtin_v1(name: &str) -> Option<&'static str> {
    BUILTIN_V1.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

const BUILTIN_V1: [(&str, &str); 6] = [
    ("seed-race", include_str!("../scenarios/v1/seed-race.json")),
    ("same-cpu", include_str!("../scenarios/v1/same-cpu.json")),
    ("migration", include_str!("../scenarios/v1/migration.json")),
    (
        "migration-no-switch-dsb",
        include_str!("../scenarios/v1/migration-no-switch-dsb.json"),
    ),
    ("tlb-cost", include_str!("../scenarios/v1/tlb-cost.json")),
    (
        "seed-race-4cpu",
        include_str!("../scenarios/v1/seed-race-4cpu.json"),
    ),
];

/// Where a task's piece of a format-1 program starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Start {
    /// At the start of the program: the task the CPU runs first.
    Program,
    /// After `switch_to`: another task on this CPU.
    AfterSwitchTo,
    /// After `switch_in { from }`: the task that left `from`.
    AfterSwitchIn(u8),
}

/// Where a piece ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// The program ends.
    Program,
    /// `switch_to { to }`: the task goes on on `to`.
    SwitchTo(u8),
    /// A `switch_in` follows: the task finishes and another comes in.
    SwitchIn,
}

/// A run of one CPU's format-1 steps that belongs to one task.
#[derive(Clone, Debug)]
struct Piece {
    cpu: usize,
    start: Start,
    /// (index in the CPU's program, step) pairs.
    ops: Vec<(usize, OpV1)>,
    end: End,
    /// The index of the `switch_to` or `switch_in` that ends it, if one does.
    end_at: usize,
    /// The index of the `switch_in` it starts after, if it does.
    start_at: usize,
}

fn pieces(c: usize, program: &[OpV1], cpus: usize) -> Result<Vec<Piece>, ScenarioError> {
    let mut out = Vec::new();
    let mut piece = Piece {
        cpu: c,
        start: Start::Program,
        ops: Vec::new(),
        end: End::Program,
        end_at: 0,
        start_at: 0,
    };
    let mut switch_ins = 0;
    for (i, op) in program.iter().enumerate() {
        let at = format!("cpus[{c}].program[{i}]");
        let check_cpu = |n: u8, key: &str| {
            if usize::from(n) >= cpus {
                Err(invalid(
                    format!("{at}.{key}"),
                    format!("CPU{n} does not exist (the scenario has {cpus} CPUs)"),
                ))
            } else if usize::from(n) == c {
                Err(invalid(
                    format!("{at}.{key}"),
                    "a task cannot migrate to the CPU it is on",
                ))
            } else {
                Ok(())
            }
        };
        match *op {
            OpV1::SwitchTo { to } => {
                check_cpu(to, "to")?;
                piece.end = End::SwitchTo(to);
                piece.end_at = i;
                out.push(std::mem::replace(
                    &mut piece,
                    Piece {
                        cpu: c,
                        start: Start::AfterSwitchTo,
                        ops: Vec::new(),
                        end: End::Program,
                        end_at: 0,
                        start_at: i,
                    },
                ));
            }
            OpV1::SwitchIn { from } => {
                check_cpu(from, "from")?;
                switch_ins += 1;
                if switch_ins > 1 {
                    return Err(invalid(
                        at,
                        "format 1: this CPU receives a second migrated task; format 2 cannot keep their order, so write the scenario in format 2 (tasks and migrate)",
                    ));
                }
                piece.end = End::SwitchIn;
                piece.end_at = i;
                out.push(std::mem::replace(
                    &mut piece,
                    Piece {
                        cpu: c,
                        start: Start::AfterSwitchIn(from),
                        ops: Vec::new(),
                        end: End::Program,
                        end_at: 0,
                        start_at: i,
                    },
                ));
            }
            _ => {
                if piece.start == Start::AfterSwitchTo {
                    return Err(invalid(
                        at,
                        "format 1: steps after switch_to on the same CPU belong to another task, which format 2 would run in a different order; write the scenario in format 2 (tasks and migrate)",
                    ));
                }
                piece.ops.push((i, op.clone()));
            }
        }
    }
    out.push(piece);
    Ok(out)
}

/// A format-1 file as a format-2 file, and how its steps map.
pub fn translate(file: &ScenarioFileV1) -> Result<(ScenarioFile, Translation), ScenarioError> {
    if file.format != 1 {
        return Err(invalid("format", "expected format 1"));
    }
    if file.cpus.is_empty() || file.cpus.len() > MAX_CPUS {
        return Err(invalid(
            "cpus",
            format!("must list 1 to {MAX_CPUS} CPUs, not {}", file.cpus.len()),
        ));
    }
    let cpus = file.cpus.len();
    // Page names are checked here, in format-1 terms, so that an error names the
    // field of the file the user wrote.
    let known: Vec<&str> = file.pages.iter().map(|p| p.name.as_str()).collect();
    for (c, spec) in file.cpus.iter().enumerate() {
        for (i, op) in spec.program.iter().enumerate() {
            let page = match op {
                OpV1::Read { page }
                | OpV1::Write { page, .. }
                | OpV1::PtepGetAndClear { page }
                | OpV1::SetTlbUbcFlushPending { page }
                | OpV1::SwapWritepage { page }
                | OpV1::ChangePteRange { page }
                | OpV1::MprotectReturn { page }
                | OpV1::TlbiVa { page } => page,
                _ => continue,
            };
            if !known.contains(&page.as_str()) {
                return Err(invalid(
                    format!("cpus[{c}].program[{i}].page"),
                    format!(
                        "page {:?} is not mapped (pages: {})",
                        crate::scenario::excerpt(page),
                        known.join(", ")
                    ),
                ));
            }
        }
    }
    let mut all: Vec<Vec<Piece>> = Vec::with_capacity(cpus);
    for (c, spec) in file.cpus.iter().enumerate() {
        all.push(pieces(c, &spec.program, cpus)?);
    }
    // Each task is a chain of pieces: it starts at a CPU's program start (if that
    // piece has steps or migrates) and follows each switch_to to the piece after
    // the matching switch_in.
    let mut used = vec![vec![false; 0]; cpus];
    for (c, p) in all.iter().enumerate() {
        used[c] = vec![false; p.len()];
    }
    let mut tasks: Vec<TaskSpec> = Vec::new();
    let mut origins: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut steps: Vec<Vec<u8>> = file.cpus.iter().map(|c| vec![0; c.program.len()]).collect();
    for c in 0..cpus {
        let first = &all[c][0];
        if first.ops.is_empty() && !matches!(first.end, End::SwitchTo(_)) {
            // The CPU starts idle (its program starts with switch_in) or empty.
            used[c][0] = true;
            continue;
        }
        let mut program: Vec<Call<String>> = Vec::new();
        let mut origin: Vec<(usize, usize)> = Vec::new();
        let (mut cpu, mut index) = (c, 0usize);
        loop {
            used[cpu][index] = true;
            let piece = &all[cpu][index];
            calls(piece, &mut program, &mut origin, &mut steps[cpu])?;
            match piece.end {
                End::SwitchTo(to) => {
                    let switch_at = piece.end_at;
                    steps[cpu][switch_at] = 1;
                    program.push(Call::Migrate { to: CpuId(to) });
                    origin.push((cpu, switch_at));
                    let target = usize::from(to);
                    let Some(next) = all[target]
                        .iter()
                        .position(|p| p.start == Start::AfterSwitchIn(cpu as u8))
                    else {
                        return Err(invalid(
                            format!("cpus[{cpu}].program[{switch_at}]"),
                            format!("switch_to needs a matching switch_in {{ from: {cpu} }} in CPU{to}'s program"),
                        ));
                    };
                    if used[target][next] {
                        return Err(invalid(
                            format!("cpus[{cpu}].program[{switch_at}]"),
                            "this migration chain loops back on itself",
                        ));
                    }
                    // The switch_in step becomes the scheduler's switch on that CPU.
                    steps[target][all[target][next].start_at] = 1;
                    (cpu, index) = (target, next);
                }
                End::Program | End::SwitchIn => break,
            }
        }
        origins.push(origin);
        let role = &file.cpus[c].role;
        let (name, role) = task_name(role, c, &tasks);
        tasks.push(TaskSpec {
            name,
            role,
            cpu: c as u8,
            program,
        });
    }
    for (c, p) in all.iter().enumerate() {
        for (k, piece) in p.iter().enumerate() {
            if !used[c][k] && matches!(piece.start, Start::AfterSwitchIn(_)) {
                let at = piece.start_at;
                return Err(invalid(
                    format!("cpus[{c}].program[{at}]"),
                    "switch_in resumes a task that never starts (its switch_to is missing or part of a cycle): no kernel has such a task",
                ));
            }
            if !used[c][k] && matches!(piece.end, End::SwitchTo(_)) {
                return Err(invalid(
                    format!("cpus[{c}].program[{}]", piece.end_at),
                    "switch_to with no task on this CPU to move (the one before it already left)",
                ));
            }
        }
    }
    let translation = Translation { steps, origins };
    let schedule = parse_schedule(&file.default_schedule)
        .map_err(|e| invalid("default_schedule", e.to_string()))?;
    let schedule = translation
        .schedule(&schedule)
        .map_err(|e| invalid("default_schedule", e))?;
    let v2 = ScenarioFile {
        format: FORMAT_VERSION,
        name: file.name.clone(),
        title: file.title.clone(),
        story: file.story.clone(),
        asid: file.asid,
        tlb_capacity: file.tlb_capacity,
        switch_to_dsb: file.switch_to_dsb,
        arch: crate::arch::Arch::Arm64,
        pages: file
            .pages
            .iter()
            .map(|p| PageSpec {
                name: p.name.clone(),
                vpn: p.vpn,
                pfn: p.pfn,
                writable: p.writable,
                present: true,
                data: p.data,
            })
            .collect(),
        cpus: file
            .cpus
            .iter()
            .map(|c| CpuSpec { tlb: c.tlb.clone() })
            .collect(),
        tasks,
        default_schedule: format_schedule(&schedule),
    };
    Ok((v2, translation))
}

/// A task's name and role from a format-1 CPU role (`"kswapd: reclaim"` on CPU0
/// becomes `kswapd0`, `reclaim`).
fn task_name(role: &str, cpu: usize, tasks: &[TaskSpec]) -> (String, String) {
    let word: String = role
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .take(12)
        .collect::<String>()
        .to_ascii_lowercase();
    let word = if word.is_empty() {
        "task".to_string()
    } else {
        word
    };
    let mut name = format!("{word}{cpu}");
    let mut n = 1;
    while tasks.iter().any(|t| t.name == name) {
        name = format!("{word}{cpu}-{n}");
        n += 1;
    }
    let rest = role
        .split_once(':')
        .map(|(_, r)| r.trim().to_string())
        .unwrap_or_else(|| role.to_string());
    (name, rest.chars().take(40).collect())
}

/// A piece's format-1 steps as format-2 calls, recording how many format-2 steps
/// each became.
fn calls(
    piece: &Piece,
    program: &mut Vec<Call<String>>,
    origin: &mut Vec<(usize, usize)>,
    steps: &mut [u8],
) -> Result<(), ScenarioError> {
    let c = piece.cpu;
    let ops = &piece.ops;
    let mut k = 0;
    while k < ops.len() {
        let (i, op) = &ops[k];
        // Every call this step makes comes from it (swap_writepage makes two).
        let before = program.len();
        let at = format!("cpus[{c}].program[{i}]");
        let next = |n: usize| ops.get(k + n).map(|(_, op)| op);
        match op {
            OpV1::Read { page } => {
                program.push(Call::Read { page: page.clone() });
                steps[*i] = 1;
            }
            OpV1::Write { page, value } => {
                program.push(Call::Write {
                    page: page.clone(),
                    value: *value,
                });
                steps[*i] = 1;
            }
            OpV1::PtepGetAndClear { page } => {
                if next(1) != Some(&OpV1::SetTlbUbcFlushPending { page: page.clone() }) {
                    return Err(invalid(
                        at,
                        "format 1: ptep_get_and_clear must be followed by set_tlb_ubc_flush_pending of the same page (try_to_unmap_one holds the page-table lock over both, and does nothing else in between)",
                    ));
                }
                program.push(Call::TryToUnmapOne { page: page.clone() });
                steps[*i] = 1;
                steps[ops[k + 1].0] = 1;
                k += 1;
            }
            OpV1::SetTlbUbcFlushPending { .. } => {
                return Err(invalid(
                    at,
                    "format 1: set_tlb_ubc_flush_pending without the ptep_get_and_clear of try_to_unmap_one right before it",
                ))
            }
            OpV1::TryToUnmapFlush {} => {
                program.push(Call::TryToUnmapFlush);
                steps[*i] = 1;
            }
            OpV1::SwapWritepage { page } => {
                // Format 1 wrote the page out and freed its frame in one step.
                program.push(Call::Pageout { page: page.clone() });
                program.push(Call::FreeFolio { page: page.clone() });
                steps[*i] = 2;
            }
            OpV1::FlushTlbBatchedPending {} => {
                let (Some(OpV1::ChangePteRange { page }), Some(OpV1::MprotectReturn { page: back })) =
                    (next(1), next(2))
                else {
                    return Err(invalid(
                        at,
                        "format 1: flush_tlb_batched_pending must be followed by one change_pte_range and its mprotect_return (mprotect holds the page-table lock over its whole walk)",
                    ));
                };
                if page != back {
                    return Err(invalid(
                        format!("cpus[{c}].program[{}]", ops[k + 2].0),
                        "format 1: mprotect_return of another page than the change_pte_range before it",
                    ));
                }
                program.push(Call::Mprotect {
                    pages: vec![page.clone()],
                });
                // lock + flush_tlb_batched_pending; change, unlock, tlb_finish_mmu; return.
                steps[*i] = 2;
                steps[ops[k + 1].0] = 3;
                steps[ops[k + 2].0] = 1;
                k += 2;
            }
            OpV1::ChangePteRange { .. } => {
                return Err(invalid(
                    at,
                    "format 1: change_pte_range without the page-table lock (flush_tlb_batched_pending right before it takes it): no kernel walks PTEs unlocked",
                ))
            }
            OpV1::MprotectReturn { .. } => {
                return Err(invalid(
                    at,
                    "format 1: mprotect_return without the change_pte_range of that mprotect right before it",
                ))
            }
            OpV1::TlbiVa { page } => {
                program.push(Call::TlbiVa { page: page.clone() });
                steps[*i] = 1;
            }
            OpV1::TlbiAside {} => {
                program.push(Call::TlbiAside);
                steps[*i] = 1;
            }
            OpV1::DsbIsh {} => {
                program.push(Call::DsbIsh);
                steps[*i] = 1;
            }
            OpV1::SwitchTo { .. } | OpV1::SwitchIn { .. } => unreachable!("pieces split at switches"),
        }
        origin.extend(std::iter::repeat_n((c, *i), program.len() - before));
        k += 1;
    }
    Ok(())
}

/// What [`import`] found in a file: a scenario, and when the file was an exported
/// trace, the mitigation and schedule it was played with (in format 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// The validated scenario.
    pub scenario: Scenario,
    /// The trace's mitigation (`None` for a plain scenario file).
    pub mitigation: Option<Mitigation>,
    /// The trace's schedule (`None` for a plain scenario file).
    pub schedule: Option<Vec<Event>>,
}

/// The fields of an exported [`crate::trace::Trace`] that matter for re-importing
/// it. Other fields (steps, outcome, machine) are derived, so they are skipped.
/// The scenario is kept as its text, unparsed: its size is checked before it is
/// read, and it is read by the scenario file's own reader (which refuses a
/// duplicate key, where a `serde_json::Value` would keep the last one).
#[derive(Deserialize)]
struct TraceFile<'a> {
    #[serde(default)]
    format: Option<Format>,
    #[serde(borrow)]
    scenario: &'a serde_json::value::RawValue,
    mitigation: Option<Mitigation>,
    schedule: Option<String>,
}

/// Reads a scenario written inside another file (a trace's, a lesson's) with
/// the scenario file's reader, refused over [`crate::limits::MAX_SCENARIO_BYTES`]
/// before it is parsed. Errors name `field.` in front of the path, and a syntax
/// error's line and column are those of the outer file when `inner` is part
/// of `outer`.
pub(crate) fn read_inner(
    outer: &str,
    inner: &str,
    field: &str,
) -> Result<ReadScenario, ScenarioError> {
    read_scenario(inner).map_err(|e| match e {
        ScenarioError::Syntax {
            line,
            column,
            message,
        } => {
            let start = (inner.as_ptr() as usize).wrapping_sub(outer.as_ptr() as usize);
            let (line, column) = match outer.get(..start) {
                Some(before) if start <= outer.len() => {
                    let lines = before.matches('\n').count();
                    let base = before.len() - before.rfind('\n').map_or(0, |i| i + 1);
                    if line == 1 {
                        (lines + 1, base + column)
                    } else {
                        (lines + line, column)
                    }
                }
                _ => (line, column),
            };
            ScenarioError::Syntax {
                line,
                column,
                message: format!("{field}: {message}"),
            }
        }
        other => other.within(field),
    })
}

/// Reads a scenario file, or a trace exported by `tlbsim run --json` or the web app
/// (recognised by its `scenario` field), of either format. Errors name the line and
/// column, or the field (prefixed with `scenario.` inside a trace).
pub fn import(text: &str) -> Result<Imported, ScenarioError> {
    crate::limits::check_file_size(text.len() as u64).map_err(ScenarioError::TooLarge)?;
    object(text)?;
    if parse::<Probe>(text)?.scenario.is_none() {
        return Ok(Imported {
            scenario: Scenario::from_json(text)?,
            mitigation: None,
            schedule: None,
        });
    }
    let trace: TraceFile = parse(text)?;
    match format_of(trace.format)? {
        1 | FORMAT_VERSION => {}
        other => {
            return Err(invalid(
                "format",
                format!("version {other} is not supported: this tlbsim reads traces of versions 1 and {FORMAT_VERSION}"),
            ))
        }
    }
    let read = read_inner(text, trace.scenario.get(), "scenario")?;
    let schedule = trace
        .schedule
        .map(|text| {
            let events = parse_schedule(&text)
                .map_err(|e| invalid(format!("schedule[{}]", e.index), e.source.to_string()))?;
            let events = match &read.translation {
                Some(t) => t.schedule(&events).map_err(|e| invalid("schedule", e))?,
                None => events,
            };
            // The schedule must replay under the trace's kernel, like a scenario's
            // default_schedule under the default one: the error names the event.
            let mitigation = trace.mitigation.unwrap_or_default();
            crate::scenario::check_replays(&read.scenario, mitigation, &events, "schedule")?;
            Ok(events)
        })
        .transpose()?;
    Ok(Imported {
        scenario: read.scenario,
        mitigation: trace.mitigation,
        schedule,
    })
}
