//! Two kernels side by side: one schedule played in lockstep on two models, and
//! the first event where they stop doing the same thing.
//!
//! An event that is not enabled on one side (e.g. a delivery of a TLBI that the
//! other kernel already completed) is skipped there and recorded as such, so both
//! sides keep following the same schedule.
//!
//! The two sides may run on different architectures (arm64 `dsb` against x86
//! `flush_tlb_mm`): an event that has no meaning on one side's architecture (a
//! TLBI delivery on x86, a flush IPI taken on arm64, [`crate::Arch::has_event`])
//! is [`Row::OtherArch`] there, and the comparison is aligned on the kernel
//! steps both run: such rows are never a difference.

use std::sync::Arc;

use crate::event::Event;
use crate::history::{History, Step};
use crate::model::{EventError, Model};
use crate::outcome::Outcome;

/// What one event of the shared schedule did on one side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    /// The event was applied.
    Applied(Arc<Step>),
    /// The event was not enabled on this side, and skipped.
    NotEnabled(EventError),
    /// The event has no meaning on this side's architecture (a TLBI delivery
    /// on x86 or riscv, a flush IPI on arm64), and is skipped.
    OtherArch,
}

impl Row {
    /// The step, if the event was applied.
    pub fn step(&self) -> Option<&Step> {
        match self {
            Row::Applied(step) => Some(step),
            Row::NotEnabled(_) | Row::OtherArch => None,
        }
    }
}

/// One side of a comparison: the history of the events it could apply, and a
/// row per event of the shared schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Side {
    /// The applied events (its cursor is at the end).
    pub history: History,
    /// One row per event of the schedule, in order.
    pub rows: Vec<Row>,
}

impl Side {
    /// Plays `events` on `model`, skipping the events that are not enabled
    /// and those its architecture does not have.
    pub fn play(model: Model, events: &[Event]) -> Side {
        let arch = model.arch();
        let mut history = History::new(model);
        let rows = events
            .iter()
            .map(|event| {
                if !arch.has_event(event) {
                    return Row::OtherArch;
                }
                match history.apply(*event) {
                    Ok(_) => Row::Applied(history.all_steps()[history.cursor() - 1].clone()),
                    Err(e) => Row::NotEnabled(e),
                }
            })
            .collect();
        Side { history, rows }
    }

    /// Where this side stands after the schedule.
    pub fn outcome(&self) -> Outcome {
        Outcome::of(self.history.model(), self.history.current())
    }

    /// TLB misses of all CPUs so far.
    pub fn misses(&self) -> u32 {
        self.history.current().stats.iter().map(|s| s.misses).sum()
    }

    /// Flush IPIs taken by all CPUs so far (0 on arm64).
    pub fn ipis(&self) -> u32 {
        self.history
            .current()
            .stats
            .iter()
            .map(|s| s.ipis_received)
            .sum()
    }
}

/// How two sides first differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DivergenceKind {
    /// The event was enabled on one side only.
    Enabled,
    /// Both applied it, with different effects.
    Effects,
}

/// The first event of the schedule where the two sides differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// 0-based index of the event in the shared schedule.
    pub index: usize,
    /// How they differ there.
    pub kind: DivergenceKind,
}

/// The first event where `left` and `right` (played on the same schedule) differ:
/// enabled on one side only, or applied with different effects. `None` while they
/// behave the same. An event one side's architecture does not have
/// ([`Row::OtherArch`]) is no difference: the two are aligned on the rest.
pub fn divergence(left: &Side, right: &Side) -> Option<Divergence> {
    left.rows
        .iter()
        .zip(&right.rows)
        .enumerate()
        .find_map(|(index, pair)| {
            let kind = match pair {
                (Row::Applied(a), Row::Applied(b)) if a.effects != b.effects => {
                    DivergenceKind::Effects
                }
                (Row::Applied(_), Row::NotEnabled(_)) | (Row::NotEnabled(_), Row::Applied(_)) => {
                    DivergenceKind::Enabled
                }
                _ => return None,
            };
            Some(Divergence { index, kind })
        })
}

/// The events either side can apply next, without duplicates, steps first.
pub fn enabled_on_either(left: &Side, right: &Side) -> Vec<Event> {
    let mut events = left.history.model().enabled_events(left.history.current());
    for e in right
        .history
        .model()
        .enabled_events(right.history.current())
    {
        if !events.contains(&e) {
            events.push(e);
        }
    }
    crate::small_sort::by_key(&mut events, |e| *e);
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::parse_schedule;
    use crate::mitigation::Mitigation;
    use crate::scenario;

    fn sides(name: &str, schedule: &str, left: Mitigation, right: Mitigation) -> (Side, Side) {
        let scenario = Arc::new(scenario::builtin(name).unwrap());
        let events = parse_schedule(schedule).unwrap();
        (
            Side::play(Model::shared(scenario.clone(), left), &events),
            Side::play(Model::shared(scenario, right), &events),
        )
    }

    #[test]
    fn seed_race_diverges_at_flush_tlb_batched_pending() {
        let (dsb, mm) = sides(
            "seed-race",
            "s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s0,s0,s0,s0",
            Mitigation::Dsb,
            Mitigation::FlushTlbMm,
        );
        // Event 4 is flush_tlb_batched_pending (event 3 takes the lock).
        assert_eq!(
            divergence(&dsb, &mm),
            Some(Divergence {
                index: 4,
                kind: DivergenceKind::Effects
            })
        );
        assert!(matches!(dsb.outcome(), Outcome::StaleWrite(_)));
        assert_eq!(mm.outcome(), Outcome::FinishedSafely);
        assert_eq!(dsb.misses(), 1, "the stale write hits");
        assert_eq!(mm.misses(), 2, "the write after mprotect misses and faults");
    }

    #[test]
    fn an_event_enabled_on_one_side_only_is_skipped_there() {
        // The walker runs on reclaim's CPU: on a hypothetical kernel without the
        // __switch_to() DSB, kswapd0 yields to thread0 there with its batch pending;
        // under dsb, flush_tlb_batched_pending's DSB on CPU0 completes kswapd0's
        // TLBI, so there is nothing left to deliver; under none it stays in flight.
        let scenario = crate::scenario::Scenario::from_json(
            r#"{"format": 2, "name": "own", "title": "t", "story": "",
                "switch_to_dsb": false,
                "pages": [{"name": "P", "vpn": 1, "pfn": 1}],
                "cpus": [{}],
                "tasks": [
                  {"name": "kswapd0", "role": "", "cpu": 0, "program": [
                    {"op": "try_to_unmap_one", "page": "P"},
                    {"op": "cond_resched"},
                    {"op": "try_to_unmap_flush"}]},
                  {"name": "thread0", "role": "", "cpu": 0, "program": [
                    {"op": "mprotect", "pages": ["P"]}]}]}"#,
        )
        .unwrap();
        // unmap (2 steps), the switch, lock, flush_tlb_batched_pending, deliver, change_pte_range.
        let events = parse_schedule("s0,s0,s0,s0,s0,d0>0,s0").unwrap();
        let none = Side::play(Model::new(scenario.clone(), Mitigation::None), &events);
        let dsb = Side::play(Model::new(scenario, Mitigation::Dsb), &events);
        assert!(none.rows[5].step().is_some());
        assert!(matches!(dsb.rows[5], Row::NotEnabled(_)));
        assert_eq!(
            dsb.history.cursor(),
            6,
            "the step after the skipped event applies"
        );
        assert_eq!(
            divergence(&none, &dsb),
            Some(Divergence {
                index: 4,
                kind: DivergenceKind::Effects
            })
        );
        let (a, b) = (none.rows[..4].to_vec(), dsb.rows[..4].to_vec());
        assert_eq!(a, b);
    }

    #[test]
    fn the_same_kernel_never_diverges() {
        let (a, b) = sides(
            "seed-race",
            "s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s0,s0,s0,s0",
            Mitigation::Dsb,
            Mitigation::Dsb,
        );
        assert_eq!(divergence(&a, &b), None);
        assert_eq!(a, b);
    }

    #[test]
    fn none_and_dsb_diverge_only_where_dsb_executes() {
        // Without the hook, flush_tlb_batched_pending only takes the lock.
        let (none, dsb) = sides(
            "seed-race",
            "s1,s0,s0,s1,s1",
            Mitigation::None,
            Mitigation::Dsb,
        );
        assert_eq!(divergence(&none, &dsb).map(|d| d.index), Some(4));
        let (none, dsb) = sides(
            "seed-race",
            "s1,s0,s0,s1",
            Mitigation::None,
            Mitigation::Dsb,
        );
        assert_eq!(divergence(&none, &dsb), None);
    }

    #[test]
    fn arm64_dsb_and_x86_flush_tlb_mm_align_on_kernel_steps() {
        use crate::Arch;
        let scenario = Arc::new(scenario::builtin("seed-race").unwrap());
        // The story with CPU0's TLBI delivered on arm64, then reclaim's flush:
        // one step on arm64, a flush IPI taken and a finishing step on x86.
        let events = parse_schedule("s1,s0,s0,d0>1,s1,s1,s1,s1,s1,s1,s1,s0,i0>1,s0").unwrap();
        let arm = Side::play(Model::shared(scenario.clone(), Mitigation::Dsb), &events);
        let x86 = Side::play(
            Model::on(scenario, Mitigation::FlushTlbMm, Arch::X86).unwrap(),
            &events,
        );
        assert_eq!(x86.rows[3], Row::OtherArch, "no TLBI in flight on x86");
        assert_eq!(arm.rows[12], Row::OtherArch, "no flush IPI on arm64");
        let d = divergence(&arm, &x86).expect("the two architectures differ");
        assert_eq!(d.kind, DivergenceKind::Effects);
        assert!(
            d.index == 2,
            "set_tlb_ubc_flush_pending broadcasts a TLBI on arm64 and only records a cpumask on x86: {d:?}"
        );
        assert_eq!(x86.ipis(), 1);
        assert_eq!(arm.ipis(), 0);
    }

    #[test]
    fn either_side_offers_its_events() {
        let (dsb, mm) = sides(
            "seed-race",
            "s1,s0,s0,s1",
            Mitigation::Dsb,
            Mitigation::FlushTlbMm,
        );
        let events = enabled_on_either(&dsb, &mm);
        let text: Vec<String> = events.iter().map(|e| e.to_string()).collect();
        assert!(text.contains(&"d0>1".to_string()), "{text:?}");
        assert!(text.contains(&"s1".to_string()), "{text:?}");
    }
}
