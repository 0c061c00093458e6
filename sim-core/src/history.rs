//! A played schedule with undo and redo: every step keeps the machine it produced,
//! so going back restores the state exactly.

use std::sync::Arc;

use crate::arch::Arch;
use crate::effect::Effect;
use crate::event::Event;
use crate::machine::Machine;
use crate::mitigation::Mitigation;
use crate::model::{EventError, Model};
use crate::narrative::{narrate, Narrative};

/// One applied event and everything it produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The event.
    pub event: Event,
    /// The machine after it.
    pub machine: Machine,
    /// What it changed.
    pub effects: Vec<Effect>,
    /// Its explanation.
    pub narrative: Narrative,
}

/// A replay stopped at an event that was not enabled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("event {index} ({event}) of the schedule: {error}")]
pub struct ReplayError {
    /// 0-based position of the event.
    pub index: usize,
    /// The event.
    pub event: Event,
    /// Why it could not be applied.
    pub error: EventError,
}

/// What [`History::on_arch`] made of a view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchSwitch {
    /// The view on the new architecture.
    pub history: History,
    /// Why the old kernel is not on the new architecture (its default kernel
    /// is shown instead), if it is not.
    pub kernel_refused: Option<String>,
    /// How many of the old applied events carried over.
    pub kept: usize,
    /// How many events were applied before the switch.
    pub of: usize,
}

impl ArchSwitch {
    /// One sentence for the user: what was kept and what changed.
    pub fn text(&self) -> String {
        let model = self.history.model();
        let mut text = format!("Now on {}: {}", model.arch(), model.arch().summary());
        if let Some(why) = &self.kernel_refused {
            text.push_str(&format!(" Kernel {} instead: {why}.", model.mitigation()));
        }
        if self.of > 0 {
            text.push_str(&format!(
                " Kept {} of {} events of the schedule{}.",
                self.kept,
                self.of,
                if self.kept < self.of {
                    " (it stops where the next one is not possible here)"
                } else {
                    ""
                }
            ));
        }
        text
    }
}

/// The steps played so far on one model, and where the user is among them.
/// Steps after the cursor are the redo list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    model: Model,
    initial: Arc<Machine>,
    steps: Vec<Arc<Step>>,
    cursor: usize,
}

impl History {
    /// An empty history at the model's initial machine.
    pub fn new(model: Model) -> History {
        let initial = Arc::new(model.initial());
        History {
            model,
            initial,
            steps: Vec::new(),
            cursor: 0,
        }
    }

    /// Plays `events` from the start. Stops at the first event that is not
    /// enabled and returns the history so far with the error.
    pub fn replay(model: Model, events: &[Event]) -> Result<History, (History, ReplayError)> {
        let mut h = History::new(model);
        for (index, event) in events.iter().enumerate() {
            if let Err(error) = h.apply(*event) {
                return Err((
                    h,
                    ReplayError {
                        index,
                        event: *event,
                        error,
                    },
                ));
            }
        }
        Ok(h)
    }

    /// Plays `events` from the start as far as each stays enabled (a schedule
    /// made for another kernel or an edited scenario stops where it diverges).
    pub fn replay_while_enabled(model: Model, events: &[Event]) -> History {
        match History::replay(model, events) {
            Ok(h) | Err((h, _)) => h,
        }
    }

    /// A schedule written for one architecture, as far as it carries over to
    /// `model`'s: each event that is enabled is kept; a TLBI delivery, which has
    /// no meaning on x86 or riscv (nothing is in flight there), is dropped; and a
    /// step that sends flush IPIs is completed at once, as arm64's flush is in
    /// one step: the IPIs are taken, in CPU order, and the sender's next step
    /// finishes the call. It stops at the first event that is still not enabled.
    /// On arm64 it is the schedule as far as it replays.
    pub fn adapt_schedule(model: &Model, events: &[Event]) -> Vec<Event> {
        History::adapt_schedule_counted(model, events).0
    }

    /// [`History::adapt_schedule`], and how many of `events` it carried over
    /// (a delivery dropped on x86 or riscv counts as carried).
    pub fn adapt_schedule_counted(model: &Model, events: &[Event]) -> (Vec<Event>, usize) {
        let mut m = model.initial();
        let mut out = Vec::with_capacity(events.len());
        let mut fx = Vec::new();
        let mut apply = |m: &mut Machine, out: &mut Vec<Event>, event: Event| {
            fx.clear();
            let ok = model.apply_in_place(m, event, &mut fx).is_ok();
            if ok {
                out.push(event);
            }
            ok
        };
        let mut carried = 0;
        for &event in events {
            if model.arch().uses_ipis() && matches!(event, Event::Deliver { .. }) {
                carried += 1;
                continue;
            }
            if !apply(&mut m, &mut out, event) {
                break;
            }
            carried += 1;
            let Event::Step(cpu) = event else { continue };
            while let Some(ipi) = m.ipi_of(cpu).copied() {
                for to in ipi.pending.iter() {
                    apply(&mut m, &mut out, Event::Ipi { from: cpu, to });
                }
                if !apply(&mut m, &mut out, event) {
                    return (out, carried);
                }
            }
        }
        (out, carried)
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The machine at the cursor.
    pub fn current(&self) -> &Machine {
        match self.cursor {
            0 => &self.initial,
            n => &self.steps[n - 1].machine,
        }
    }

    /// The machine before any event.
    pub fn initial(&self) -> &Machine {
        &self.initial
    }

    /// How many steps are applied (the cursor).
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// All steps, including those after the cursor (redo).
    pub fn all_steps(&self) -> &[Arc<Step>] {
        &self.steps
    }

    /// The steps up to the cursor.
    pub fn steps(&self) -> &[Arc<Step>] {
        &self.steps[..self.cursor]
    }

    /// The last applied step.
    pub fn last(&self) -> Option<&Step> {
        self.steps().last().map(|s| &**s)
    }

    /// The events up to the cursor.
    pub fn schedule(&self) -> Vec<Event> {
        self.steps().iter().map(|s| s.event).collect()
    }

    /// The events including the redo list.
    pub fn full_schedule(&self) -> Vec<Event> {
        self.steps.iter().map(|s| s.event).collect()
    }

    /// Applies an event at the cursor. The redo list is kept if the event is the
    /// one it starts with, and dropped otherwise.
    pub fn apply(&mut self, event: Event) -> Result<&Step, EventError> {
        if self.steps.get(self.cursor).map(|s| s.event) == Some(event) {
            self.cursor += 1;
            return Ok(&self.steps[self.cursor - 1]);
        }
        let before = self.current();
        let applied = self.model.apply(before, event)?;
        // Narration reads the trace (before, event, effects, after): the rules do not narrate.
        let narrative = narrate(
            &self.model,
            before,
            event,
            &applied.effects,
            &applied.machine,
        );
        self.steps.truncate(self.cursor);
        self.steps.push(Arc::new(Step {
            event,
            machine: applied.machine,
            effects: applied.effects,
            narrative,
        }));
        self.cursor += 1;
        Ok(&self.steps[self.cursor - 1])
    }

    /// Goes back one step; false at the start.
    pub fn undo(&mut self) -> bool {
        let moved = self.cursor > 0;
        self.cursor = self.cursor.saturating_sub(1);
        moved
    }

    /// Goes forward one step along the redo list; false at its end.
    pub fn redo(&mut self) -> bool {
        let moved = self.cursor < self.steps.len();
        self.cursor = (self.cursor + 1).min(self.steps.len());
        moved
    }

    /// Moves the cursor to `n` applied steps (clamped to the steps known).
    pub fn jump(&mut self, n: usize) {
        self.cursor = n.min(self.steps.len());
    }

    /// The same schedule replayed under another mitigation, as far as each event
    /// stays enabled; the cursor stays where it was if it can.
    pub fn with_mitigation(&self, mitigation: Mitigation) -> History {
        self.with_model(self.model.with_mitigation(mitigation))
    }

    /// The same view on another architecture ([`ArchSwitch`]): the kernel is
    /// kept if `arch` has it, else `arch`'s default kernel
    /// ([`Arch::default_mitigation`]); the schedule (the redo list included) is
    /// carried over by [`History::adapt_schedule`], and the cursor stays on the
    /// same event of the old schedule as far as it carries over. Refused, with
    /// the reason, when the scenario makes no sense on `arch`
    /// ([`Scenario::arch_refusal`](crate::Scenario::arch_refusal)).
    pub fn on_arch(&self, arch: Arch) -> Result<ArchSwitch, String> {
        let old = self.model.mitigation();
        let (mitigation, kernel_refused) = match arch.check(old) {
            Ok(()) => (old, None),
            Err(why) => (arch.default_mitigation(), Some(why)),
        };
        let model = Model::on(self.model.scenario_arc().clone(), mitigation, arch)?;
        let full = self.portable_schedule(self.steps.len());
        let before = self.portable_schedule(self.cursor);
        let events = History::adapt_schedule(&model, &full);
        let (applied, kept) = History::adapt_schedule_counted(&model, &before);
        let mut history = History::replay_while_enabled(model, &events);
        history.cursor = applied.len().min(history.steps.len());
        Ok(ArchSwitch {
            history,
            kernel_refused,
            kept,
            of: before.len(),
        })
    }

    /// The first `n` events (of every step known) without those that exist only
    /// because of this history's architecture: on x86 and riscv the flush IPIs
    /// taken and each sender's step that finished its wait (arm64's flush is one
    /// step). What is left is a schedule any architecture can adapt.
    fn portable_schedule(&self, n: usize) -> Vec<Event> {
        if !self.model.arch().uses_ipis() {
            return self.steps[..n].iter().map(|s| s.event).collect();
        }
        let mut before = &*self.initial;
        let mut out = Vec::with_capacity(n);
        for step in &self.steps[..n] {
            let finishing = matches!(step.event, Event::Step(cpu) if before.ipi_of(cpu).is_some());
            if !finishing && !matches!(step.event, Event::Ipi { .. }) {
                out.push(step.event);
            }
            before = &step.machine;
        }
        out
    }

    /// The same schedule replayed on another model, as far as it goes.
    pub fn with_model(&self, model: Model) -> History {
        let mut h = History::replay_while_enabled(model, &self.full_schedule());
        h.cursor = self.cursor.min(h.steps.len());
        h
    }
}

#[cfg(test)]
mod arch_switch_tests {
    use super::*;
    use crate::event::{format_schedule, parse_schedule};
    use crate::op::CpuId;
    use crate::scenario;

    fn seed(mitigation: Mitigation, schedule: &str) -> History {
        let model = Model::new(scenario::builtin("seed-race").unwrap(), mitigation);
        History::replay(model, &parse_schedule(schedule).unwrap()).unwrap()
    }

    #[test]
    fn arm64_to_x86_keeps_the_steps_and_drops_deliveries() {
        let h = seed(Mitigation::Dsb, "s1,s0,s0,d0>1,s1,s1");
        let switch = h.on_arch(Arch::X86).unwrap();
        assert_eq!(switch.history.model().arch(), Arch::X86);
        assert_eq!(switch.history.model().mitigation(), Mitigation::FlushTlbMm);
        assert!(switch.kernel_refused.is_some(), "x86 has no dsb kernel");
        assert_eq!(
            format_schedule(&switch.history.schedule()),
            "s1,s0,s0,s1,s1"
        );
        assert_eq!((switch.kept, switch.of), (6, 6));
        assert!(switch.text().contains("Kept 6 of 6"), "{}", switch.text());
    }

    #[test]
    fn x86_to_arm64_drops_ipis_and_finishing_steps() {
        let h = seed(Mitigation::FlushTlbMm, "s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s0");
        let mut x86 = h.on_arch(Arch::X86).unwrap().history;
        // Reclaim's flush on x86, completed at once: the IPI taken and the
        // sender's finishing step.
        assert!(
            format_schedule(&x86.schedule()).ends_with("s0,i0>1,s0"),
            "{}",
            format_schedule(&x86.schedule())
        );
        x86.apply(Event::Step(CpuId(0))).unwrap();
        let back = x86.on_arch(Arch::Arm64).unwrap();
        assert_eq!(back.history.model().mitigation(), Mitigation::FlushTlbMm);
        assert_eq!(
            format_schedule(&back.history.schedule()),
            "s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s0,s0"
        );
        assert_eq!((back.kept, back.of), (12, 12));
    }

    #[test]
    fn a_scenario_that_makes_no_sense_on_x86_is_refused_with_the_reason() {
        let model = Model::new(
            scenario::builtin("migration-no-switch-dsb").unwrap(),
            Mitigation::Dsb,
        );
        let why = History::new(model).on_arch(Arch::X86).unwrap_err();
        assert!(why.contains("__switch_to()"), "{why}");
    }

    #[test]
    fn the_cursor_stays_on_the_same_event() {
        let mut h = seed(
            Mitigation::FlushTlbMm,
            "s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s0,s0",
        );
        h.jump(3);
        let x86 = h.on_arch(Arch::X86).unwrap().history;
        assert_eq!(x86.cursor(), 3);
        assert!(
            x86.all_steps().len() > 12,
            "the redo list carried over with its IPIs"
        );
    }
}
