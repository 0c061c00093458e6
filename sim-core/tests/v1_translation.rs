//! Format-1 files (sim-core/scenarios/v1/, the built-ins as they were before
//! format 2, and what old permalinks and traces carry) keep their meaning when
//! translated to format 2: the same verdicts over every interleaving, and their
//! default schedules replay to the same outcome. The one whose flow no kernel
//! runs (same-cpu) is refused, and says why.
//!
//! The expected values are what format 1 reported: `tlbsim explore` and `tlbsim
//! run` built from d4f23fe, the last commit before format 2.

mod common;

use sim_core::v1::{builtin_v1, read_scenario};
use sim_core::{parse_schedule, History, Mitigation, Model, Outcome, ViolationKind};

use ViolationKind::{LostWrite as Lost, StaleWrite as Stale};

const SAFE: &[ViolationKind] = &[];

/// v1's verdicts under none, dsb and flush_tlb_mm, for every v1 file but
/// same-cpu (see [`same_cpu_is_refused`]).
const V1: [(&str, [&[ViolationKind]; 3]); 5] = [
    ("seed-race", [&[Stale], &[Stale], SAFE]),
    ("migration", [SAFE, SAFE, SAFE]),
    ("migration-no-switch-dsb", [&[Lost], &[Lost], &[Lost]]),
    ("tlb-cost", [SAFE, SAFE, SAFE]),
    ("seed-race-4cpu", [&[Stale], &[Stale], SAFE]),
];

fn v1_files() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/v1");
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_v1_file_is_a_builtin_of_format_1() {
    let names: Vec<String> = v1_files().into_iter().map(|(n, _)| n).collect();
    let mut expect: Vec<String> = V1.iter().map(|(n, _)| n.to_string()).collect();
    expect.push("same-cpu".into());
    expect.sort();
    assert_eq!(
        names, expect,
        "every file in scenarios/v1 has its v1 verdicts here"
    );
    for (name, text) in v1_files() {
        assert_eq!(builtin_v1(&name), Some(text.as_str()), "{name}");
        assert!(text.contains("\"format\": 1"), "{name}");
    }
}

#[test]
fn translation_preserves_the_explored_verdicts() {
    for (name, text) in v1_files() {
        let Some((_, expect)) = V1.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        let read = read_scenario(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(read.translation.is_some(), "{name} is read as format 1");
        for (m, kinds) in Mitigation::ALL.into_iter().zip(expect) {
            let model = Model::new(read.scenario.clone(), m);
            common::check_model(&model, kinds, &format!("v1 {name}/{m}"));
        }
    }
}

/// What v1's `tlbsim run NAME --mitigation M` ended in, for none, dsb, flush_tlb_mm.
fn v1_outcome(name: &str) -> [Option<ViolationKind>; 3] {
    match name {
        "seed-race" | "seed-race-4cpu" => [Some(Stale), Some(Stale), None],
        "migration-no-switch-dsb" => [Some(Lost); 3],
        _ => [None; 3],
    }
}

#[test]
fn default_schedules_translate_and_replay_to_the_same_outcome() {
    for (name, text) in v1_files().into_iter().filter(|(n, _)| n != "same-cpu") {
        let read = read_scenario(&text).unwrap();
        let translation = read.translation.unwrap();
        let v1: serde_json::Value = serde_json::from_str(&text).unwrap();
        let events = parse_schedule(v1["default_schedule"].as_str().unwrap()).unwrap();
        let translated = translation.schedule(&events).unwrap();
        assert_eq!(
            translated,
            read.scenario.default_schedule(),
            "{name}: the file's default schedule is the translated one"
        );
        for (m, expect) in Mitigation::ALL.into_iter().zip(v1_outcome(&name)) {
            let model = Model::new(read.scenario.clone(), m);
            let history = History::replay(model.clone(), &translated)
                .unwrap_or_else(|(_, e)| panic!("v1 {name}/{m}: {e}"));
            let outcome = Outcome::of(&model, history.current());
            assert_eq!(common::outcome_kind(&outcome), expect, "v1 {name}/{m}");
            if expect.is_none() {
                assert_eq!(outcome, Outcome::FinishedSafely, "v1 {name}/{m}");
            }
        }
    }
}

/// The translation keeps CPUs, pages and initial TLBs, and gives each CPU's first
/// program a task on that CPU.
#[test]
fn translation_keeps_the_machine() {
    for (name, text) in v1_files().into_iter().filter(|(n, _)| n != "same-cpu") {
        let v1: serde_json::Value = serde_json::from_str(&text).unwrap();
        let s = read_scenario(&text).unwrap().scenario;
        assert_eq!(
            s.cpu_count(),
            v1["cpus"].as_array().unwrap().len(),
            "{name}"
        );
        let pages: Vec<&str> = s.pages().iter().map(|p| p.name.as_str()).collect();
        let v1_pages: Vec<&str> = v1["pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(pages, v1_pages, "{name}");
        for (c, cpu) in s.cpus().iter().enumerate() {
            let tlb: Vec<&str> = cpu.tlb.iter().map(|p| s.page_name(*p)).collect();
            let v1_tlb: Vec<&str> = v1["cpus"][c]["tlb"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            assert_eq!(tlb, v1_tlb, "{name} CPU{c}");
        }
        assert_eq!(
            (s.name(), s.title()),
            (name.as_str(), v1["title"].as_str().unwrap())
        );
    }
}

/// v1's same-cpu had one task on CPU0 unmap P and then call mprotect(P) with its
/// own batch still pending, with no switch in between; v1 said stale_write under
/// none, dsb and flush_tlb_mm safe. No kernel runs that flow: shrink_folio_list()
/// completes the task's batch (try_to_unmap_flush()) before reclaim returns, so a
/// task never makes a system call with its own batch pending. The translation is
/// refused, naming the format-1 step. (The v2 built-in tells same-cpu with two
/// tasks and a switch; old links and traces of v1 same-cpu no longer open.)
#[test]
fn same_cpu_is_refused() {
    let error = read_scenario(builtin_v1("same-cpu").unwrap()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "cpus[0].program[2]: mprotect while this task's reclaim batch (from program[0]) is not flushed: shrink_folio_list() calls try_to_unmap_flush() before it returns, so add it before this call (in the format-2 translation of this format-1 file; see docs/scenario-format.md)"
    );
}
