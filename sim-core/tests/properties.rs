//! Invariants over random schedules and random input: the model never lies about
//! the fix, undo is exact, replays are deterministic, counters add up, and no
//! scenario text, however broken, makes the library panic.

use proptest::prelude::*;
use sim_core::{
    ladder, scenario, trace::Trace, Event, History, Mitigation, Model, Scenario, ViolationKind,
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
    #[test]
    fn no_stale_write_under_flush_tlb_mm(choices in choices()) {
        for scenario in scenario::builtins() {
            let model = Model::new(scenario, Mitigation::FlushTlbMm);
            let history = random_run(&model, &choices);
            let violation = history.current().violation;
            prop_assert!(
                violation.is_none_or(|v| v.kind != ViolationKind::StaleWrite),
                "{}: stale write after {}",
                model.scenario().name(),
                sim_core::format_schedule(&history.schedule())
            );
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

    /// Random scenarios built from any operation with any page and CPU (most are
    /// invalid): validation decides, and whatever it accepts runs without panicking.
    #[test]
    fn generated_scenarios_validate_or_explain(
        file in scenario_file(op_anywhere()),
        choices in choices(),
    ) {
        match file.validate() {
            Ok(s) => run_everything(s, &choices),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    /// Random scenarios built to be valid (locks paired, pages mapped), 1 to 8 CPUs:
    /// they validate, and every model rule runs on them without panicking.
    #[test]
    fn generated_valid_scenarios_run(file in valid_scenario_file(), choices in choices()) {
        let s = file.validate().map_err(|e| TestCaseError::fail(e.to_string()))?;
        run_everything(s, &choices);
    }
}

/// Plays, narrates, renders and explores a scenario under every mitigation.
fn run_everything(scenario: Scenario, choices: &[u16]) {
    for mitigation in Mitigation::ALL {
        let model = Model::new(scenario.clone(), mitigation);
        let history = random_run(&model, choices);
        let text = ladder::render(&model, history.steps());
        assert!(text.lines().all(|l| l.len() <= ladder::WIDTH), "{text}");
        let _ = Trace::of(&history);
        let config = sim_core::ExploreConfig { max_states: 2_000 };
        let _ = sim_core::explore(&model, config);
        let _ = History::replay(model, scenario.default_schedule());
    }
}

fn page_name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["P", "Q", "R", "Z"]).prop_map(str::to_string)
}

fn op_anywhere() -> impl Strategy<Value = sim_core::Op<String>> {
    use sim_core::Op;
    let cpu = (0u8..10).prop_map(sim_core::CpuId);
    prop_oneof![
        page_name().prop_map(|page| Op::Read { page }),
        (page_name(), any::<u8>()).prop_map(|(page, value)| Op::Write { page, value }),
        page_name().prop_map(|page| Op::PtepGetAndClear { page }),
        page_name().prop_map(|page| Op::SetTlbUbcFlushPending { page }),
        Just(Op::TryToUnmapFlush),
        page_name().prop_map(|page| Op::SwapWritepage { page }),
        Just(Op::FlushTlbBatchedPending),
        page_name().prop_map(|page| Op::ChangePteRange { page }),
        page_name().prop_map(|page| Op::MprotectReturn { page }),
        cpu.clone().prop_map(|to| Op::SwitchTo { to }),
        cpu.prop_map(|from| Op::SwitchIn { from }),
        page_name().prop_map(|page| Op::TlbiVa { page }),
        Just(Op::TlbiAside),
        Just(Op::DsbIsh),
    ]
}

/// One operation or a pair that takes and drops the page-table lock, with pages
/// that exist: programs made of these always validate.
fn valid_ops() -> impl Strategy<Value = Vec<sim_core::Op<String>>> {
    use sim_core::Op;
    let page = || prop::sample::select(vec!["P", "Q", "R"]).prop_map(str::to_string);
    prop_oneof![
        page().prop_map(|page| vec![Op::Read { page }]),
        (page(), any::<u8>()).prop_map(|(page, value)| vec![Op::Write { page, value }]),
        page().prop_map(|page| vec![
            Op::PtepGetAndClear { page: page.clone() },
            Op::SetTlbUbcFlushPending { page }
        ]),
        Just(vec![Op::TryToUnmapFlush]),
        page().prop_map(|page| vec![Op::SwapWritepage { page }]),
        page().prop_map(|page| vec![Op::FlushTlbBatchedPending, Op::ChangePteRange { page }]),
        page().prop_map(|page| vec![Op::MprotectReturn { page }]),
        page().prop_map(|page| vec![Op::TlbiVa { page }]),
        Just(vec![Op::TlbiAside]),
        Just(vec![Op::DsbIsh]),
    ]
}

fn valid_scenario_file() -> impl Strategy<Value = scenario::ScenarioFile> {
    let cpu = (
        prop::sample::subsequence(vec!["P", "Q", "R"], 0..=3),
        prop::collection::vec(valid_ops(), 0..5),
    )
        .prop_map(|(tlb, blocks)| scenario::CpuSpec {
            role: "generated".into(),
            tlb: tlb.into_iter().map(str::to_string).collect(),
            program: blocks.into_iter().flatten().collect(),
        });
    (prop::collection::vec(cpu, 1..=8), 3u8..6, any::<bool>())
        .prop_map(|(cpus, cap, dsb)| file(cpus, cap, dsb, String::new()))
}

fn scenario_file(
    op: impl Strategy<Value = sim_core::Op<String>>,
) -> impl Strategy<Value = scenario::ScenarioFile> {
    let cpu = (
        prop::collection::vec(page_name(), 0..3),
        prop::collection::vec(op, 0..6),
    )
        .prop_map(|(tlb, program)| scenario::CpuSpec {
            role: "generated".into(),
            tlb,
            program,
        });
    (
        prop::collection::vec(cpu, 0..9),
        1u8..5,
        any::<bool>(),
        "[ -~]{0,12}",
    )
        .prop_map(|(cpus, cap, dsb, schedule)| file(cpus, cap, dsb, schedule))
}

fn file(
    cpus: Vec<scenario::CpuSpec>,
    tlb_capacity: u8,
    switch_to_dsb: bool,
    default_schedule: String,
) -> scenario::ScenarioFile {
    scenario::ScenarioFile {
        format: 1,
        name: "generated".into(),
        title: "Generated".into(),
        story: String::new(),
        asid: 1,
        tlb_capacity,
        switch_to_dsb,
        pages: ["P", "Q", "R"]
            .iter()
            .enumerate()
            .map(|(i, name)| scenario::PageSpec {
                name: name.to_string(),
                vpn: i as u32,
                pfn: 100 + i as u32,
                writable: true,
                data: 0,
            })
            .collect(),
        cpus,
        default_schedule,
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
