//! Invariants over random schedules, random scenarios and random input: the fix
//! keeps every promise, reclaimers that flush their own batches lose no write,
//! undo is exact, replays are deterministic, counters add up, and no scenario
//! text, however broken, makes the library panic.

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use sim_core::{
    ladder, scenario, trace::Trace, Call, CpuId, Event, ExploreConfig, History, Mitigation, Model,
    Scenario, ViolationKind,
};

/// Every built-in scenario under every mitigation.
fn models() -> Vec<Model> {
    scenario::builtins()
        .into_iter()
        .flat_map(|s| Mitigation::ALL.map(|m| Model::new(s.clone(), m)))
        .collect()
}

/// Plays a random schedule: at each step, `choices` picks one of the enabled events
/// (modulo their number). Stops when nothing is enabled or the choices run out.
fn random_run(model: &Model, choices: &[u16]) -> History {
    let mut history = History::new(model.clone());
    for choice in choices {
        let enabled = model.enabled_events(history.current());
        if enabled.is_empty() {
            break;
        }
        let event = enabled[usize::from(*choice) % enabled.len()];
        history
            .apply(event)
            .unwrap_or_else(|e| panic!("enabled event {event} refused: {e}"));
    }
    history
}

fn choices() -> impl Strategy<Value = Vec<u16>> {
    prop::collection::vec(any::<u16>(), 0..64)
}

proptest! {
    // Failures are kept in tests/proptest-regressions/ and replayed first (committed).
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/proptest-regressions/properties.txt",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_stale_write_or_access_after_unmap_under_flush_tlb_mm(choices in choices()) {
        for scenario in scenario::builtins() {
            let model = Model::new(scenario, Mitigation::FlushTlbMm);
            let history = random_run(&model, &choices);
            for kind in [ViolationKind::StaleWrite, ViolationKind::AccessAfterUnmap] {
                prop_assert!(
                    !history.current().broken.contains(kind),
                    "{}: {} after {}",
                    model.scenario().name(),
                    kind.name(),
                    sim_core::format_schedule(&history.schedule())
                );
            }
        }
    }

    #[test]
    fn undo_restores_every_state_exactly(choices in choices()) {
        for model in models() {
            let mut history = History::new(model.clone());
            let mut seen = vec![history.current().clone()];
            for choice in &choices {
                let enabled = model.enabled_events(history.current());
                if enabled.is_empty() {
                    break;
                }
                let before = history.current().clone();
                history.apply(enabled[usize::from(*choice) % enabled.len()]).unwrap();
                // apply, undo, redo: back where we were, then forward again.
                prop_assert!(history.undo());
                prop_assert_eq!(history.current(), &before);
                prop_assert!(history.redo());
                seen.push(history.current().clone());
            }
            while history.cursor() > 0 {
                prop_assert_eq!(history.current(), &seen[history.cursor()]);
                history.undo();
            }
            prop_assert_eq!(history.current(), &model.initial());
            prop_assert!(!history.undo());
        }
    }

    #[test]
    fn the_same_schedule_gives_the_same_trace(choices in choices()) {
        for model in models() {
            let first = random_run(&model, &choices);
            let again = History::replay(model.clone(), &first.schedule()).expect("replays");
            let text = |h: &History| serde_json::to_string(&Trace::of(h)).unwrap();
            prop_assert_eq!(text(&first), text(&again));
            let ladder = |h: &History| ladder::render(h.model(), h.steps());
            prop_assert_eq!(ladder(&first), ladder(&again));
        }
    }

    #[test]
    fn hits_plus_misses_equal_accesses(choices in choices()) {
        for model in models() {
            let history = random_run(&model, &choices);
            for step in history.steps() {
                for (cpu, s) in step.machine.stats.iter().enumerate() {
                    prop_assert_eq!(s.hits + s.misses, s.accesses, "CPU{}", cpu);
                    prop_assert!(s.faults <= s.accesses);
                }
            }
        }
    }

    #[test]
    fn arbitrary_bytes_are_an_error(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let text = String::from_utf8_lossy(&bytes);
        prop_assert!(Scenario::from_json(&text).is_err());
        prop_assert!(scenario::import(&text).is_err());
    }

    #[test]
    fn arbitrary_strings_are_an_error(text in ".{0,200}") {
        prop_assert!(Scenario::from_json(&text).is_err());
        prop_assert!(scenario::import(&text).is_err());
    }

    /// Damaged copies of a real file reach deeper into validation; they may even be
    /// valid, but nothing may panic, and a valid one must run.
    #[test]
    fn damaged_scenario_files_never_panic(
        name in prop::sample::select(scenario::builtin_names().collect::<Vec<_>>()),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
        choices in choices(),
    ) {
        let mut bytes = scenario::builtin_json(name).unwrap().as_bytes().to_vec();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        let _ = Scenario::from_json(&text[..text.floor_char_boundary(cut.index(text.len() + 1))]);
        if let Ok(s) = Scenario::from_json(&text) {
            run_everything(s, &choices);
        }
        text.insert_str(0, "{\"scenario\": ");
        text.push('}');
        let _ = scenario::import(&text);
    }

    /// Random scenarios built from any call with any page, CPU and flag (most are
    /// invalid): validation decides, and whatever it accepts runs without panicking.
    #[test]
    fn generated_scenarios_validate_or_explain(
        file in scenario_file(),
        choices in choices(),
    ) {
        match file.validate() {
            Ok(s) => run_everything(s, &choices),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    /// Random scenarios built to be valid (tasks with random calls, several
    /// reclaimers, migrations, wait/signal, 1 to 8 CPUs): they validate, and every
    /// model rule runs on them without panicking.
    #[test]
    fn generated_valid_scenarios_run(plan in plan(), choices in choices()) {
        let s = plan.file().validate().map_err(|e| TestCaseError::fail(e.to_string()))?;
        run_everything(s, &choices);
    }

    /// Under the fix, no generated scenario breaks mprotect's or munmap's promise:
    /// not in a random run, not anywhere in the first states of an exploration.
    #[test]
    fn the_fix_keeps_every_promise(plan in plan(), choices in choices()) {
        let s = plan.file().validate().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let model = Model::new(s, Mitigation::FlushTlbMm);
        let forbidden = [ViolationKind::StaleWrite, ViolationKind::AccessAfterUnmap];
        let history = random_run(&model, &choices);
        for kind in forbidden {
            prop_assert!(
                !history.current().broken.contains(kind),
                "{} after {}", kind.name(), sim_core::format_schedule(&history.schedule())
            );
        }
        let report = sim_core::explore(&model, ExploreConfig { max_states: BOUND, ..Default::default() });
        for kind in forbidden {
            prop_assert!(!report.reachable(kind), "{}: {:?}", kind.name(), report.counterexamples);
        }
    }

    /// Reclaimers flush their own batches before pageout and free (the validator
    /// insists), and __switch_to() completes a migrating reclaimer's TLBIs: then no
    /// write is ever lost, on any kernel.
    #[test]
    fn reclaimers_that_flush_their_own_batch_lose_no_write(plan in plan(), choices in choices()) {
        let mut file = plan.file();
        file.switch_to_dsb = true;
        let s = file.validate().map_err(|e| TestCaseError::fail(e.to_string()))?;
        for m in Mitigation::ALL {
            let model = Model::new(s.clone(), m);
            let history = random_run(&model, &choices);
            prop_assert!(
                !history.current().broken.contains(ViolationKind::LostWrite),
                "{m}: lost write after {}", sim_core::format_schedule(&history.schedule())
            );
            let report = sim_core::explore(&model, ExploreConfig { max_states: BOUND, ..Default::default() });
            prop_assert!(!report.lost_write_reachable, "{m}: {:?}", report.counterexamples);
        }
    }
}

/// States explored per generated scenario and kernel (the test profile is
/// unoptimised; exploration is breadth first, so every schedule up to some depth).
const BOUND: usize = 3_000;

/// Plays, narrates, renders and explores a scenario under every mitigation.
fn run_everything(scenario: Scenario, choices: &[u16]) {
    for mitigation in Mitigation::ALL {
        let model = Model::new(scenario.clone(), mitigation);
        let history = random_run(&model, choices);
        let text = ladder::render(&model, history.steps());
        assert!(text.lines().all(|l| l.len() <= ladder::WIDTH), "{text}");
        let _ = Trace::of(&history);
        let config = sim_core::ExploreConfig {
            max_states: 2_000,
            ..Default::default()
        };
        let _ = sim_core::explore(&model, config);
        let _ = History::replay(model, scenario.default_schedule());
    }
}

fn page_name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["P", "Q", "R", "N", "Z"]).prop_map(str::to_string)
}

/// Any call, with any page (Z does not exist), CPU and flag.
fn call_anywhere() -> impl Strategy<Value = Call<String>> {
    let cpu = (0u8..10).prop_map(CpuId);
    let pages = || prop::collection::vec(page_name(), 0..3);
    let flag = prop::sample::select(vec!["a", "b", "bad name"]).prop_map(str::to_string);
    prop_oneof![
        page_name().prop_map(|page| Call::Read { page }),
        (page_name(), any::<u8>()).prop_map(|(page, value)| Call::Write { page, value }),
        flag.clone().prop_map(|flag| Call::Signal { flag }),
        flag.prop_map(|flag| Call::Wait { flag }),
        pages().prop_map(|pages| Call::Mprotect { pages }),
        pages().prop_map(|pages| Call::Munmap { pages }),
        pages().prop_map(|pages| Call::MadviseDontneed { pages }),
        (page_name(), page_name()).prop_map(|(page, to)| Call::Mremap { page, to }),
        page_name().prop_map(|page| Call::TryToUnmapOne { page }),
        Just(Call::TryToUnmapFlushDirty),
        Just(Call::TryToUnmapFlush),
        page_name().prop_map(|page| Call::Pageout { page }),
        page_name().prop_map(|page| Call::FreeFolio { page }),
        cpu.prop_map(|to| Call::Migrate { to }),
        page_name().prop_map(|page| Call::TlbiVa { page }),
        Just(Call::TlbiAside),
        Just(Call::DsbIsh),
        Just(Call::CondResched),
    ]
}

/// Pages of the generated scenarios: P alone in one PTE table (vpn 1023), Q and R
/// in the next (1024, 1025), so a range can span two tables or stay in one; N
/// (vpn 4096) starts unmapped, the target of an mremap.
fn pages() -> Vec<scenario::PageSpec> {
    [
        ("P", 1023, true),
        ("Q", 1024, true),
        ("R", 1025, true),
        ("N", 4096, false),
    ]
    .iter()
    .enumerate()
    .map(|(i, (name, vpn, present))| scenario::PageSpec {
        name: name.to_string(),
        vpn: *vpn,
        pfn: if *present { 100 + i as u32 } else { 0 },
        writable: true,
        present: *present,
        data: 0,
    })
    .collect()
}

fn scenario_file() -> impl Strategy<Value = scenario::ScenarioFile> {
    let task = (
        "[a-z0-9]{1,3}",
        0u8..9,
        prop::collection::vec(call_anywhere(), 0..6),
    )
        .prop_map(|(name, cpu, program)| scenario::TaskSpec {
            name,
            role: "generated".into(),
            cpu,
            program,
        });
    let cpu = prop::collection::vec(page_name(), 0..3).prop_map(|tlb| scenario::CpuSpec { tlb });
    (
        prop::collection::vec(cpu, 0..9),
        prop::collection::vec(task, 0..5),
        1u8..5,
        any::<bool>(),
        "[ -~]{0,12}",
    )
        .prop_map(
            |(cpus, tasks, tlb_capacity, switch_to_dsb, default_schedule)| scenario::ScenarioFile {
                format: 2,
                name: "generated".into(),
                title: "Generated".into(),
                story: String::new(),
                asid: 1,
                tlb_capacity,
                switch_to_dsb,
                arch: Default::default(),
                pages: pages(),
                cpus,
                tasks,
                default_schedule,
            },
        )
}

/// One piece of a generated program, before [`Plan::file`] makes it valid.
#[derive(Clone, Debug)]
enum Block {
    /// One call that is valid anywhere (accesses, raw instructions).
    Call(Call<String>),
    /// mprotect, munmap or madvise(MADV_DONTNEED) (0, 1, 2) of consecutive pages.
    Syscall(u8, Vec<&'static str>),
    /// mremap of a page to N.
    Mremap(&'static str),
    /// Reclaim of some pages, as shrink_folio_list() runs it: try_to_unmap_one
    /// each (with cond_resched between them if `how & 4`), then flush_dirty and
    /// pageout if `how & 1`, try_to_unmap_flush always, free_folio if `how & 2`.
    Reclaim(Vec<&'static str>, u8),
    /// A migration to the CPU of this index (modulo the CPU count).
    Migrate(u8),
    /// signal or wait on flag `a` or `b`.
    Flag(bool, &'static str),
}

/// A generated scenario: CPUs (their TLBs), tasks (CPU, blocks), kernel details.
#[derive(Clone, Debug)]
struct Plan {
    cpus: Vec<Vec<&'static str>>,
    tasks: Vec<(u8, Vec<Block>)>,
    tlb_capacity: u8,
    switch_to_dsb: bool,
}

fn block() -> impl Strategy<Value = Block> {
    let page = || prop::sample::select(vec!["P", "Q", "R"]);
    let any_page = prop::sample::select(vec!["P", "Q", "R", "N"]);
    // Ranges of consecutive pages (N only once an mremap maps it).
    let range = prop::sample::select(vec![
        vec!["N"],
        vec!["P"],
        vec!["Q"],
        vec!["R"],
        vec!["P", "Q"],
        vec!["Q", "R"],
        vec!["P", "Q", "R"],
    ]);
    prop_oneof![
        3 => any_page.clone().prop_map(|p| Block::Call(Call::Read { page: p.into() })),
        4 => (any_page, 1u8..9).prop_map(|(p, value)| Block::Call(Call::Write { page: p.into(), value })),
        3 => (0u8..3, range).prop_map(|(k, pages)| Block::Syscall(k, pages)),
        1 => page().prop_map(Block::Mremap),
        3 => (prop::sample::subsequence(vec!["P", "Q", "R"], 1..=2), 0u8..8)
            .prop_map(|(pages, how)| Block::Reclaim(pages, how)),
        1 => (0u8..8).prop_map(Block::Migrate),
        1 => Just(Block::Call(Call::CondResched)),
        2 => (any::<bool>(), prop::sample::select(vec!["a", "b"])).prop_map(|(s, f)| Block::Flag(s, f)),
        1 => prop_oneof![
            page().prop_map(|p| Call::TlbiVa { page: p.into() }),
            Just(Call::TlbiAside),
            Just(Call::DsbIsh),
        ].prop_map(Block::Call),
    ]
}

fn plan() -> impl Strategy<Value = Plan> {
    (1usize..=8).prop_flat_map(|cpus| {
        (
            prop::collection::vec(prop::sample::subsequence(vec!["P", "Q", "R"], 0..=3), cpus),
            prop::collection::vec((0..cpus as u8, prop::collection::vec(block(), 0..5)), 1..=4),
            3u8..6,
            any::<bool>(),
        )
            .prop_map(|(cpus, tasks, tlb_capacity, switch_to_dsb)| Plan {
                cpus,
                tasks,
                tlb_capacity,
                switch_to_dsb,
            })
    })
}

impl Plan {
    /// The scenario file, made valid: each page is reclaimed by one task once, and
    /// its batch flushed before the task does anything else; one mremap to N, and
    /// N named only if it is there; a migration goes to another CPU; a wait only on
    /// a flag some task signals.
    fn file(&self) -> scenario::ScenarioFile {
        let string = |p: &str| p.to_string();
        let mut reclaimed: Vec<&str> = Vec::new();
        let mut remapped = false;
        // N can be named only if some mremap maps it (the first one is kept).
        let n_mapped = self
            .tasks
            .iter()
            .flat_map(|(_, blocks)| blocks)
            .any(|b| matches!(b, Block::Mremap(_)));
        let signalled: Vec<&str> = self
            .tasks
            .iter()
            .flat_map(|(_, blocks)| blocks)
            .filter_map(|b| match b {
                Block::Flag(true, f) => Some(*f),
                _ => None,
            })
            .collect();
        let cpus = self.cpus.len() as u8;
        let mut tasks = Vec::new();
        for (t, (cpu, blocks)) in self.tasks.iter().enumerate() {
            let mut at = *cpu;
            let mut program = Vec::new();
            for block in blocks {
                let names_n = match block {
                    Block::Call(call) => call.pages().iter().any(|p| p.as_str() == "N"),
                    Block::Syscall(_, pages) => pages.contains(&"N"),
                    _ => false,
                };
                if names_n && !n_mapped {
                    continue;
                }
                match block {
                    Block::Call(call) => program.push(call.clone()),
                    Block::Syscall(kind, pages) => {
                        let pages = pages.iter().map(|p| string(p)).collect();
                        program.push(match kind {
                            0 => Call::Mprotect { pages },
                            1 => Call::Munmap { pages },
                            _ => Call::MadviseDontneed { pages },
                        });
                    }
                    Block::Mremap(page) if !remapped => {
                        remapped = true;
                        program.push(Call::Mremap {
                            page: string(page),
                            to: "N".into(),
                        });
                    }
                    Block::Mremap(_) => {}
                    Block::Reclaim(pages, how) => {
                        let mine: Vec<&str> = pages
                            .iter()
                            .copied()
                            .filter(|p| !reclaimed.contains(p))
                            .collect();
                        if mine.is_empty() {
                            continue;
                        }
                        reclaimed.extend(&mine);
                        for (i, p) in mine.iter().enumerate() {
                            if i > 0 && how & 4 != 0 {
                                program.push(Call::CondResched);
                            }
                            program.push(Call::TryToUnmapOne { page: string(p) });
                        }
                        if how & 1 != 0 {
                            program.push(Call::TryToUnmapFlushDirty);
                            program.extend(mine.iter().map(|p| Call::Pageout { page: string(p) }));
                        }
                        program.push(Call::TryToUnmapFlush);
                        if how & 2 != 0 {
                            program
                                .extend(mine.iter().map(|p| Call::FreeFolio { page: string(p) }));
                        }
                    }
                    Block::Migrate(to) => {
                        let to = to % cpus;
                        if to != at {
                            at = to;
                            program.push(Call::Migrate { to: CpuId(to) });
                        }
                    }
                    Block::Flag(true, f) => program.push(Call::Signal { flag: string(f) }),
                    Block::Flag(false, f) if signalled.contains(f) => {
                        program.push(Call::Wait { flag: string(f) })
                    }
                    Block::Flag(false, _) => {}
                }
            }
            tasks.push(scenario::TaskSpec {
                name: format!("task{t}"),
                role: "generated".into(),
                cpu: *cpu,
                program,
            });
        }
        scenario::ScenarioFile {
            format: 2,
            name: "generated".into(),
            title: "Generated".into(),
            story: String::new(),
            asid: 1,
            tlb_capacity: self.tlb_capacity,
            switch_to_dsb: self.switch_to_dsb,
            arch: Default::default(),
            pages: pages(),
            cpus: self
                .cpus
                .iter()
                .map(|tlb| scenario::CpuSpec {
                    tlb: tlb.iter().map(|p| string(p)).collect(),
                })
                .collect(),
            tasks,
            default_schedule: String::new(),
        }
    }
}

#[test]
fn replaying_a_refused_event_names_it() {
    let model = Model::new(scenario::builtin("seed-race").unwrap(), Mitigation::Dsb);
    let schedule = [
        Event::Step(sim_core::CpuId(0)),
        Event::Step(sim_core::CpuId(7)),
    ];
    let (history, error) = History::replay(model, &schedule).unwrap_err();
    assert_eq!(history.cursor(), 1);
    assert_eq!(error.index, 1);
    assert_eq!(
        error.to_string(),
        "event 1 (s7) of the schedule: CPU7 does not exist (this scenario has 2 CPUs)"
    );
}
