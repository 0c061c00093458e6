//! The explorer's exact findings for every built-in scenario and mitigation:
//! state counts (counters ignored), terminal states, violating states and the
//! shortest counterexample, which must replay to the violation it names.

use sim_core::{
    explore, format_schedule, parse_schedule, scenario, ExploreConfig, Explorer, History,
    Mitigation, Model, Outcome, Verdict,
};

use Mitigation::{Dsb, FlushTlbMm, None as NoFlush};

/// What one exploration must find: states, terminal states, violating states,
/// verdict and shortest counterexample ("" if none).
struct Expect {
    states: usize,
    terminal: usize,
    violations: usize,
    verdict: Verdict,
    shortest: &'static str,
}

const fn expect(
    states: usize,
    terminal: usize,
    violations: usize,
    verdict: Verdict,
    shortest: &'static str,
) -> Expect {
    Expect {
        states,
        terminal,
        violations,
        verdict,
        shortest,
    }
}

fn model(name: &str, mitigation: Mitigation) -> Model {
    Model::new(scenario::builtin(name).expect("built-in"), mitigation)
}

fn check(name: &str, mitigation: Mitigation, e: Expect) {
    let model = model(name, mitigation);
    let report = explore(&model, ExploreConfig::default());
    let at = format!("{name}/{mitigation}");
    assert!(report.complete, "{at}");
    assert_eq!(
        (
            report.states,
            report.terminal_states,
            report.violation_states
        ),
        (e.states, e.terminal, e.violations),
        "{at}: states, terminal, violating"
    );
    assert_eq!(report.verdict(), e.verdict, "{at}");
    assert_eq!(
        report.shortest_schedule().unwrap_or_default(),
        e.shortest,
        "{at}"
    );
    if e.shortest.is_empty() {
        return;
    }
    let events = parse_schedule(e.shortest).unwrap();
    let history = History::replay(model.clone(), &events).expect("the counterexample replays");
    let outcome = sim_core::Outcome::of(&model, history.current());
    match e.verdict {
        Verdict::StaleWriteReachable => assert!(matches!(outcome, Outcome::StaleWrite(_)), "{at}"),
        Verdict::LostWriteReachable => assert!(matches!(outcome, Outcome::LostWrite(_)), "{at}"),
        _ => unreachable!(),
    }
    // Shortest: no prefix of it breaks a promise already.
    let prefix = History::replay(model, &events[..events.len() - 1]).unwrap();
    assert!(prefix.current().violation.is_none(), "{at}");
}

use Verdict::{LostWriteReachable as Lost, Safe, StaleWriteReachable as Stale};

#[test]
fn seed_race() {
    let race = "s1,s0,s0,s1,s1,s1,s1";
    check("seed-race", NoFlush, expect(87, 2, 2, Stale, race));
    check("seed-race", Dsb, expect(99, 3, 2, Stale, race));
    check("seed-race", FlushTlbMm, expect(99, 3, 0, Safe, ""));
}

#[test]
fn same_cpu() {
    check(
        "same-cpu",
        NoFlush,
        expect(110, 3, 2, Stale, "s1,s0,s0,s0,s0,s0,s1"),
    );
    check("same-cpu", Dsb, expect(60, 3, 0, Safe, ""));
    check("same-cpu", FlushTlbMm, expect(60, 3, 0, Safe, ""));
}

#[test]
fn migration() {
    for m in Mitigation::ALL {
        check("migration", m, expect(36, 2, 0, Safe, ""));
    }
}

#[test]
fn migration_no_switch_dsb() {
    for m in Mitigation::ALL {
        check(
            "migration-no-switch-dsb",
            m,
            expect(108, 2, 4, Lost, "s0,s0,s0,s2,s2,s2,s1"),
        );
    }
}

#[test]
fn tlb_cost() {
    check("tlb-cost", NoFlush, expect(332, 1, 0, Safe, ""));
    check("tlb-cost", Dsb, expect(532, 2, 0, Safe, ""));
    check("tlb-cost", FlushTlbMm, expect(892, 5, 0, Safe, ""));
}

#[test]
fn seed_race_4cpu() {
    let race = "s1,s0,s0,s1,s1,s1,s1";
    check("seed-race-4cpu", NoFlush, expect(7819, 4, 256, Stale, race));
    check("seed-race-4cpu", Dsb, expect(8539, 7, 256, Stale, race));
    check("seed-race-4cpu", FlushTlbMm, expect(9691, 17, 0, Safe, ""));
}

#[test]
fn running_in_slices_gives_the_same_report() {
    for mitigation in Mitigation::ALL {
        let model = model("seed-race-4cpu", mitigation);
        let whole = explore(&model, ExploreConfig::default());
        let mut explorer = Explorer::new(model, ExploreConfig::default());
        let mut slices = 0;
        while !explorer.run(100) {
            slices += 1;
        }
        assert!(slices > 10);
        assert_eq!(explorer.report(), &whole);
    }
}

#[test]
fn the_state_bound_stops_exploration() {
    let bounded = explore(
        &model("seed-race-4cpu", FlushTlbMm),
        ExploreConfig { max_states: 500 },
    );
    assert!(!bounded.complete);
    assert_eq!(bounded.states, 500);
    assert_eq!(bounded.verdict(), Verdict::Unknown);
    // A violation found before the bound still counts.
    let found = explore(
        &model("seed-race-4cpu", Dsb),
        ExploreConfig { max_states: 2_000 },
    );
    assert!(!found.complete);
    assert_eq!(found.verdict(), Verdict::StaleWriteReachable);
    assert_eq!(
        format_schedule(&found.shortest_counterexample.unwrap().events),
        "s1,s0,s0,s1,s1,s1,s1"
    );
}

/// An independent oracle: a recursive depth-first walk through `Model::apply` (not
/// the explorer's in-place path) with a plain `HashSet`, counting distinct states,
/// terminal and violating ones.
fn naive_counts(model: &Model) -> (usize, usize, usize) {
    fn walk(
        model: &Model,
        m: sim_core::Machine,
        seen: &mut std::collections::HashSet<sim_core::Machine>,
    ) {
        let mut key = m.clone();
        key.stats.iter_mut().for_each(|s| *s = Default::default());
        if !seen.insert(key) {
            return; // same state, same futures (counters never matter)
        }
        if m.violation.is_some() {
            return;
        }
        for event in model.enabled_events(&m) {
            walk(model, model.apply(&m, event).unwrap().machine, seen);
        }
    }
    let mut seen = std::collections::HashSet::new();
    walk(model, model.initial(), &mut seen);
    let terminal = seen
        .iter()
        .filter(|m| m.violation.is_none() && model.enabled_events(m).is_empty())
        .count();
    let violating = seen.iter().filter(|m| m.violation.is_some()).count();
    (seen.len(), terminal, violating)
}

#[test]
fn counts_agree_with_a_naive_depth_first_walk() {
    for name in [
        "seed-race",
        "same-cpu",
        "migration",
        "migration-no-switch-dsb",
        "tlb-cost",
    ] {
        for mitigation in Mitigation::ALL {
            let model = model(name, mitigation);
            let report = explore(&model, ExploreConfig::default());
            assert_eq!(
                naive_counts(&model),
                (
                    report.states,
                    report.terminal_states,
                    report.violation_states
                ),
                "{name}/{mitigation}"
            );
        }
    }
}

#[test]
fn the_generated_family_grows_from_the_seed_race() {
    let seed = scenario::builtin("seed-race").unwrap();
    for m in Mitigation::ALL {
        let two = explore(
            &Model::new(scenario::family(2), m),
            ExploreConfig::default(),
        );
        let base = explore(&Model::new(seed.clone(), m), ExploreConfig::default());
        assert_eq!(two, base, "family(2) explores like seed-race under {m}");
    }
    assert_eq!(scenario::family(0).cpu_count(), 2);
    assert_eq!(scenario::family(99).cpu_count(), 8);
    check_family(3, Dsb, expect(912, 7, 26, Stale, "s1,s0,s0,s1,s1,s1,s1"));
    check_family(3, FlushTlbMm, expect(856, 7, 0, Safe, ""));
    for cpus in 2..=8 {
        let s = scenario::family(cpus);
        let history = History::replay(Model::new(s.clone(), Dsb), s.default_schedule()).unwrap();
        assert!(matches!(
            Outcome::of(history.model(), history.current()),
            Outcome::StaleWrite(_)
        ));
    }
}

fn check_family(cpus: usize, m: Mitigation, e: Expect) {
    let report = explore(
        &Model::new(scenario::family(cpus), m),
        ExploreConfig::default(),
    );
    assert_eq!(
        (
            report.states,
            report.terminal_states,
            report.violation_states,
            report.verdict()
        ),
        (e.states, e.terminal, e.violations, e.verdict)
    );
    assert_eq!(report.shortest_schedule().unwrap_or_default(), e.shortest);
}
