//! The facts the view shows (`sim_core::facts`): staleness, CPU status words, kept
//! promises, playback's next event and stop, the cost of the fix, and the
//! palette's constructors.

use sim_core::facts::{
    breaks_promise, cpu_status_text, kept_promise, misses_after_return, next_play_event, staleness,
    Staleness,
};
use sim_core::op::{CallDefaults, CALL_KINDS};
use sim_core::scenario::{builtin, builtins};
use sim_core::{parse_schedule, Call, CpuId, Event, History, Mitigation, Model, Syscall};

fn story(name: &str, mitigation: Mitigation) -> History {
    let scenario = builtin(name).unwrap();
    let events = scenario.default_schedule().to_vec();
    History::replay_while_enabled(Model::new(scenario, mitigation), &events)
}

#[test]
fn staleness_is_given_exactly_for_stale_entries() {
    for scenario in builtins() {
        for m in Mitigation::ALL {
            let h = story(scenario.name(), m);
            for step in h.steps() {
                for cpu in &step.machine.cpus {
                    for e in &cpu.tlb.entries {
                        assert_eq!(
                            staleness(&step.machine, e).is_some(),
                            step.machine.is_stale(e),
                            "{} {m}",
                            scenario.name()
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn the_seed_race_entry_is_stale_because_reclaim_cleared_the_pte() {
    let h = story("seed-race", Mitigation::Dsb);
    let broke = h.steps().iter().position(|s| breaks_promise(s)).unwrap();
    let m = &h.steps()[broke].machine;
    let p = h
        .model()
        .scenario()
        .pages()
        .iter()
        .position(|p| p.name == "P");
    let entry = m.cpus[1]
        .tlb
        .entries
        .iter()
        .find(|e| Some(e.page.index()) == p)
        .expect("CPU1 still caches P when the write goes through it");
    assert_eq!(staleness(m, entry), Some(Staleness::PteCleared));
    assert_eq!(Staleness::PteCleared.text(), "PTE cleared");
}

#[test]
fn cpu_status_words() {
    let h = story("seed-race", Mitigation::Dsb);
    let model = h.model();
    assert_eq!(cpu_status_text(model, h.initial(), CpuId(0)), "ready");
    assert_eq!(cpu_status_text(model, h.current(), CpuId(1)), "done");
}

#[test]
fn playback_follows_the_story_and_stops_at_the_broken_promise() {
    let scenario = builtin("seed-race").unwrap();
    let default = scenario.default_schedule().to_vec();
    let mut h = History::new(Model::new(scenario, Mitigation::Dsb));
    let mut played = Vec::new();
    while let Some(e) = next_play_event(&h) {
        let step = h.apply(e).unwrap();
        played.push(e);
        if breaks_promise(step) {
            break;
        }
    }
    assert!(default.starts_with(&played));
    assert!(played.len() < default.len(), "stopped before the end");
    assert!(h.current().violation.is_some());
    // Off the story: nothing to play.
    let mut off = History::new(h.model().clone());
    off.apply(Event::Step(CpuId(0))).unwrap();
    assert_ne!(default.first(), Some(&Event::Step(CpuId(0))));
    assert_eq!(next_play_event(&off), None);
    // Undone steps are played again first.
    h.undo();
    assert_eq!(next_play_event(&h), played.last().copied());
}

#[test]
fn the_fix_and_early_delivery_keep_mprotects_promise() {
    let h = story("seed-race", Mitigation::FlushTlbMm);
    assert!(h.current().violation.is_none());
    let kept = kept_promise(&h).expect("the last write faults");
    assert_eq!(kept.syscall, Syscall::Mprotect);
    assert!(kept.write);
    assert_eq!(kept.text(), "the write faulted: mprotect's promise held");

    // Under dsb, delivering kswapd0's TLBI to CPU1 before the write keeps it too.
    let race = story("seed-race", Mitigation::Dsb);
    let at = race.steps().iter().position(|s| breaks_promise(s)).unwrap();
    let mut events = race.schedule()[..at].to_vec();
    events.extend(parse_schedule("d0>1").unwrap());
    events.push(race.schedule()[at]);
    let early = History::replay(race.model().clone(), &events).unwrap();
    assert!(early.current().violation.is_none());
    assert_eq!(kept_promise(&early).map(|k| k.step), Some(events.len() - 1));
    // Nothing faulted yet at the start.
    assert_eq!(kept_promise(&History::new(race.model().clone())), None);
}

#[test]
fn the_fix_costs_misses() {
    let scenario = std::sync::Arc::new(builtin("tlb-cost").unwrap());
    let dsb = misses_after_return(&scenario, Mitigation::Dsb).unwrap();
    let full = misses_after_return(&scenario, Mitigation::FlushTlbMm).unwrap();
    assert_eq!(dsb.misses.len(), scenario.cpu_count());
    assert!(full.misses.iter().sum::<u32>() > dsb.misses.iter().sum::<u32>());
}

#[test]
fn every_palette_entry_has_a_constructor() {
    let defaults = CallDefaults {
        page: "P".to_string(),
        to: "Q".to_string(),
        cpu: CpuId(1),
        flag: "done".into(),
    };
    for kind in CALL_KINDS {
        let call = Call::of_kind(kind.name, &defaults).unwrap();
        assert_eq!(call.name(), kind.name);
    }
    assert_eq!(Call::of_kind("nope", &defaults), None);
}

#[test]
fn tlb_cost_on_x86_pays_in_ipis_where_arm64_pays_in_misses() {
    use sim_core::facts::cost_of;
    use sim_core::{Arch, Model};
    let scenario = std::sync::Arc::new(sim_core::scenario::builtin("tlb-cost").unwrap());
    let arm = cost_of(&Model::shared(scenario.clone(), Mitigation::FlushTlbMm)).unwrap();
    let x86 = cost_of(&Model::on(scenario, Mitigation::FlushTlbMm, Arch::X86).unwrap()).unwrap();
    assert_eq!(arm.ipis_received.iter().sum::<u32>(), 0);
    assert!(x86.ipis_received.iter().sum::<u32>() > 0, "{x86:?}");
    assert_eq!(
        x86.ipis_sent.iter().sum::<u32>(),
        x86.ipis_received.iter().sum::<u32>()
    );
}

/// On x86 and riscv the stories (written for arm64) have no IPIs: Play must
/// take each flush's IPIs and go on, not stop at the CPU waiting for them.
#[test]
fn playback_on_x86_and_riscv_plays_the_whole_story() {
    use sim_core::Arch;
    let mut with_ipis = 0;
    for arch in [Arch::X86, Arch::Riscv] {
        for scenario in builtins() {
            for m in Mitigation::EVERY {
                let Ok(model) = Model::on(scenario.clone().into(), m, arch) else {
                    continue;
                };
                let story = History::adapt_schedule(&model, scenario.default_schedule());
                let mut h = History::new(model);
                while let Some(e) = next_play_event(&h) {
                    if breaks_promise(h.apply(e).unwrap()) {
                        break;
                    }
                }
                let played = h.schedule();
                let what = format!("{} on {arch:?} under {m:?}", scenario.name());
                assert!(story.starts_with(&played), "{what}: off the story");
                if h.current().violation.is_none() {
                    assert_eq!(played, story, "{what}: stopped early");
                }
                if played.iter().any(|e| matches!(e, Event::Ipi { .. })) {
                    with_ipis += 1;
                }
            }
        }
    }
    // Before this, Play stopped at the first CPU that waited for its IPIs.
    assert!(with_ipis >= 10, "only {with_ipis} stories took an IPI");
}
