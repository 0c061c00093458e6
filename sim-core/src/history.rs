//! A played schedule with undo and redo: every step keeps the machine it produced,
//! so going back restores the state exactly.

use std::sync::Arc;

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
        for &event in events {
            if model.arch().uses_ipis() && matches!(event, Event::Deliver { .. }) {
                continue;
            }
            if !apply(&mut m, &mut out, event) {
                break;
            }
            let Event::Step(cpu) = event else { continue };
            while let Some(ipi) = m.ipi_of(cpu).copied() {
                for to in ipi.pending.iter() {
                    apply(&mut m, &mut out, Event::Ipi { from: cpu, to });
                }
                if !apply(&mut m, &mut out, event) {
                    return out;
                }
            }
        }
        out
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

    /// The same schedule replayed on another model, as far as it goes.
    pub fn with_model(&self, model: Model) -> History {
        let mut h = History::replay_while_enabled(model, &self.full_schedule());
        h.cursor = self.cursor.min(h.steps.len());
        h
    }
}
