//! The explorer's exact findings for every built-in scenario and mitigation,
//! unreduced: state counts (counters and page contents ignored), terminal
//! states, violating states, the
//! reachable kinds of violation and the shortest counterexample of each, which
//! must replay to the violation it names.

mod common;

use sim_core::{
    explore, format_schedule, scenario, ExploreConfig, Explorer, History, Mitigation, Model,
    Outcome, Verdict, ViolationKind,
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
    let at = format!("{name}/{mitigation}");
    let kinds: Vec<ViolationKind> = match e.verdict {
        Verdict::Safe => Vec::new(),
        Verdict::StaleWriteReachable => vec![ViolationKind::StaleWrite],
        Verdict::AccessAfterUnmapReachable => vec![ViolationKind::AccessAfterUnmap],
        Verdict::LostWriteReachable => vec![ViolationKind::LostWrite],
        Verdict::DeadlockReachable => vec![ViolationKind::Deadlock],
        Verdict::Unknown => unreachable!("built-ins explore completely"),
    };
    // Complete, exactly these kinds, every counterexample replays to its violation
    // (reduced, as by default).
    common::check_model(&model, &kinds, &at);
    // The raw counts, of the unreduced space.
    let report = explore(&model, ExploreConfig::UNREDUCED);
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
}

use Verdict::{
    AccessAfterUnmapReachable as Unmap, LostWriteReachable as Lost, Safe,
    StaleWriteReachable as Stale,
};

// Counts differ from format 1's: every call is now the kernel's sequence of steps
// (try_to_unmap_one is two, mprotect of one page six), reclaim writes out and frees in two
// steps, and states after a violation are explored too (so each kind's
// reachability is known). "violating" counts states first reached by an event
// that broke a promise; a state reached first by a delivery after the violation
// is not counted again (the count depends on which path breadth-first search finds first).

/// thread1 writes P, kswapd0 unmaps P (two steps), thread1's mprotect(P) (lock,
/// flush_tlb_batched_pending, change_pte_range, unlock, tlb_finish_mmu, return),
/// and the write through the stale entry.
const RACE: &str = "s1,s0,s0,s1,s1,s1,s1,s1,s1,s1";

#[test]
fn seed_race() {
    check("seed-race", NoFlush, expect(121, 2, 1, Stale, RACE));
    check("seed-race", Dsb, expect(145, 3, 1, Stale, RACE));
    check("seed-race", FlushTlbMm, expect(127, 2, 0, Safe, ""));
}

#[test]
fn same_cpu() {
    // v1 found a stale write under none (110 states); v2's kswapd0 calls
    // cond_resched() after try_to_unmap_one, and the switch to thread0 runs
    // __switch_to(), whose dsb(ish) completes kswapd0's TLBI: safe.
    for m in Mitigation::ALL {
        check("same-cpu", m, expect(53, 1, 0, Safe, ""));
    }
}

#[test]
fn migration() {
    for m in Mitigation::ALL {
        check("migration", m, expect(32, 1, 0, Safe, ""));
    }
}

#[test]
fn migration_no_switch_dsb() {
    for m in Mitigation::ALL {
        check(
            "migration-no-switch-dsb",
            m,
            expect(140, 2, 1, Lost, "s0,s0,s0,s2,s2,s2,s1"),
        );
    }
}

#[test]
fn tlb_cost() {
    check("tlb-cost", NoFlush, expect(596, 1, 0, Safe, ""));
    check("tlb-cost", Dsb, expect(836, 2, 0, Safe, ""));
    check("tlb-cost", FlushTlbMm, expect(1412, 5, 0, Safe, ""));
}

#[test]
fn seed_race_4cpu() {
    check("seed-race-4cpu", NoFlush, expect(7250, 3, 15, Stale, RACE));
    check("seed-race-4cpu", Dsb, expect(7970, 4, 15, Stale, RACE));
    check("seed-race-4cpu", FlushTlbMm, expect(6954, 5, 0, Safe, ""));
}

#[test]
fn munmap_and_madvise_dontneed_races() {
    for name in ["munmap-race", "madvise-dontneed-race"] {
        check(name, NoFlush, expect(136, 3, 1, Unmap, RACE));
        check(name, Dsb, expect(136, 3, 1, Unmap, RACE));
        check(name, FlushTlbMm, expect(118, 2, 0, Safe, ""));
    }
}

#[test]
fn mremap_race() {
    check("mremap-race", NoFlush, expect(118, 2, 1, Unmap, RACE));
    check("mremap-race", Dsb, expect(133, 3, 1, Unmap, RACE));
    check("mremap-race", FlushTlbMm, expect(115, 2, 0, Safe, ""));
}

#[test]
fn two_reclaimers() {
    // thread1 writes P and Q first, so its race is two steps longer.
    let race = "s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s1,s1";
    check("two-reclaimers", NoFlush, expect(6386, 3, 28, Stale, race));
    check("two-reclaimers", Dsb, expect(8898, 7, 33, Stale, race));
    check("two-reclaimers", FlushTlbMm, expect(6067, 3, 0, Safe, ""));
}

#[test]
fn other_thread_writes() {
    // thread2 caches P, kswapd0 unmaps it, thread1's mprotect and signal, then
    // thread2's wait and its write through the stale entry on CPU2.
    let race = "s2,s0,s0,s1,s1,s1,s1,s1,s1,s1,s2,s2";
    check(
        "other-thread-writes",
        NoFlush,
        expect(360, 2, 1, Stale, race),
    );
    check("other-thread-writes", Dsb, expect(456, 3, 1, Stale, race));
    check(
        "other-thread-writes",
        FlushTlbMm,
        expect(416, 2, 0, Safe, ""),
    );
}

#[test]
fn every_builtin_has_its_counts_here() {
    let tested = [
        "seed-race",
        "same-cpu",
        "migration",
        "migration-no-switch-dsb",
        "tlb-cost",
        "seed-race-4cpu",
        "munmap-race",
        "madvise-dontneed-race",
        "mremap-race",
        "two-reclaimers",
        "other-thread-writes",
    ];
    assert_eq!(scenario::builtin_names().collect::<Vec<_>>(), tested);
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
        ExploreConfig {
            max_states: 500,
            ..Default::default()
        },
    );
    assert!(!bounded.complete);
    assert_eq!(bounded.states, 500);
    assert_eq!(bounded.verdict(), Verdict::Unknown);
    // A violation found before the bound still counts.
    let found = explore(
        &model("seed-race-4cpu", Dsb),
        ExploreConfig {
            max_states: 6_000,
            ..ExploreConfig::UNREDUCED
        },
    );
    assert!(!found.complete);
    assert_eq!(found.verdict(), Verdict::StaleWriteReachable);
    assert_eq!(
        format_schedule(&found.shortest_counterexample.unwrap().events),
        RACE
    );
}

/// A state bound equal to a run's exact count of states is enough: the run
/// completes with the same report, and one state fewer leaves it unknown.
#[test]
fn a_bound_equal_to_the_state_count_completes() {
    for name in ["seed-race", "other-thread-writes", "munmap-race"] {
        for mitigation in [NoFlush, Dsb, FlushTlbMm] {
            let model = model(name, mitigation);
            let full = explore(&model, ExploreConfig::default());
            assert!(full.complete, "{name} {mitigation:?}");
            let exact = explore(
                &model,
                ExploreConfig {
                    max_states: full.states,
                    ..Default::default()
                },
            );
            assert!(
                exact.complete,
                "{name} {mitigation:?}: bound {}",
                full.states
            );
            assert_eq!(exact.verdict(), full.verdict(), "{name} {mitigation:?}");
            assert_eq!(exact.states, full.states);
            let short = explore(
                &model,
                ExploreConfig {
                    max_states: full.states - 1,
                    ..Default::default()
                },
            );
            assert!(
                !short.complete,
                "{name} {mitigation:?}: bound {}",
                full.states - 1
            );
            assert_eq!(short.states, full.states - 1);
        }
    }
}

/// An independent oracle: a recursive depth-first walk through `Model::apply` (not
/// the explorer's in-place path and byte encoding) with a plain `HashSet`,
/// counting distinct states and terminal ones, and collecting the kinds of
/// violation reachable (a deadlock: a terminal state with unfinished tasks).
fn naive(model: &Model) -> (usize, usize, Vec<ViolationKind>) {
    fn walk(
        model: &Model,
        m: sim_core::Machine,
        seen: &mut std::collections::HashSet<sim_core::Machine>,
    ) {
        let mut key = m.clone();
        key.stats.iter_mut().for_each(|s| *s = Default::default());
        // Page contents never decide anything either (the explorer's keys leave them out).
        key.frames.iter_mut().for_each(|f| f.data = 0);
        key.swap.iter_mut().for_each(|s| *s = None);
        if !seen.insert(key) {
            return; // same state, same futures (counters and contents never matter)
        }
        // States after a violation are walked too, as the explorer does.
        for event in model.enabled_events(&m) {
            walk(model, model.apply(&m, event).unwrap().machine, seen);
        }
    }
    let mut seen = std::collections::HashSet::new();
    walk(model, model.initial(), &mut seen);
    let terminal: Vec<&sim_core::Machine> = seen
        .iter()
        .filter(|m| model.enabled_events(m).is_empty())
        .collect();
    let deadlock = terminal.iter().any(|m| !model.deadlocked(m).is_empty());
    let kinds = ViolationKind::ALL
        .into_iter()
        .filter(|k| match k {
            ViolationKind::Deadlock => deadlock,
            k => seen.iter().any(|m| m.broken.contains(*k)),
        })
        .collect();
    (seen.len(), terminal.len(), kinds)
}

#[test]
fn counts_agree_with_a_naive_depth_first_walk() {
    for name in scenario::builtin_names() {
        for mitigation in Mitigation::ALL {
            let model = model(name, mitigation);
            let report = explore(&model, ExploreConfig::UNREDUCED);
            assert_eq!(
                naive(&model),
                (
                    report.states,
                    report.terminal_states,
                    common::kinds(&report)
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
    assert_eq!(scenario::family(99).cpu_count(), 16);
    check_family(3, Dsb, expect(863, 4, 7, Stale, RACE));
    check_family(3, FlushTlbMm, expect(659, 2, 0, Safe, ""));
    for cpus in 2..=16 {
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
        ExploreConfig::UNREDUCED,
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
