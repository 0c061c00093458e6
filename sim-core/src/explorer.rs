//! Exhaustive breadth-first exploration of every interleaving of enabled events.
//!
//! States are deduplicated by hashing. One sound reduction: per-CPU counters are
//! zeroed before a state is stored, since they never influence which events are
//! enabled or what they do, so two states that differ only in counters have the
//! same futures. A state with a violation is recorded and not expanded further.
//! Breadth-first order makes the first violation found a shortest one.

use std::hash::BuildHasherDefault;

use indexmap::IndexSet;
use rustc_hash::FxHasher;
use serde::Serialize;

use crate::event::{format_schedule, Event};
use crate::machine::{CpuStats, Machine, ViolationKind};
use crate::model::Model;

/// Exploration bounds, in one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExploreConfig {
    /// Stop (with an incomplete report) after storing this many states.
    pub max_states: usize,
}

impl Default for ExploreConfig {
    fn default() -> Self {
        ExploreConfig {
            max_states: 2_000_000,
        }
    }
}

/// What the explorer says about a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Neither violation is reachable (exploration complete).
    Safe,
    /// The shortest counterexample ends in a stale write.
    StaleWriteReachable,
    /// The shortest counterexample ends in a lost write.
    LostWriteReachable,
    /// The state bound was hit before any violation was found.
    Unknown,
}

impl Verdict {
    /// The name the CLI prints (`stale_write_reachable`).
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Safe => "safe",
            Verdict::StaleWriteReachable => "stale_write_reachable",
            Verdict::LostWriteReachable => "lost_write_reachable",
            Verdict::Unknown => "unknown",
        }
    }
}

/// A shortest schedule that breaks a promise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Counterexample {
    /// The violation it ends in.
    pub kind: ViolationKind,
    /// The events, replayable with `tlbsim run --schedule`.
    pub events: Vec<Event>,
}

/// The explorer's findings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExploreReport {
    /// Distinct states stored (counters ignored).
    pub states: usize,
    /// States where nothing more can happen and no promise was broken.
    pub terminal_states: usize,
    /// States that broke a promise.
    pub violation_states: usize,
    /// Events applied in total.
    pub transitions: usize,
    /// Whether some stale write is reachable.
    pub stale_write_reachable: bool,
    /// Whether some lost write is reachable.
    pub lost_write_reachable: bool,
    /// A shortest counterexample, if a violation is reachable.
    pub shortest_counterexample: Option<Counterexample>,
    /// False if the state bound stopped the exploration.
    pub complete: bool,
}

impl ExploreReport {
    /// The verdict, naming the violation the shortest counterexample ends in.
    pub fn verdict(&self) -> Verdict {
        match &self.shortest_counterexample {
            Some(c) if c.kind == ViolationKind::StaleWrite => Verdict::StaleWriteReachable,
            Some(_) => Verdict::LostWriteReachable,
            None if self.complete => Verdict::Safe,
            None => Verdict::Unknown,
        }
    }

    /// The shortest counterexample in the text form of schedules.
    pub fn shortest_schedule(&self) -> Option<String> {
        self.shortest_counterexample
            .as_ref()
            .map(|c| format_schedule(&c.events))
    }
}

type StateSet = IndexSet<Machine, BuildHasherDefault<FxHasher>>;

/// An exploration that can run in slices (so a UI can show progress and cancel).
pub struct Explorer {
    model: Model,
    config: ExploreConfig,
    seen: StateSet,
    /// For each stored state: the state it was first reached from, and the event.
    parents: Vec<Option<(u32, Event)>>,
    next: usize,
    report: ExploreReport,
    events: Vec<Event>,
    effects: Vec<crate::effect::Effect>,
}

fn forget_counters(m: &mut Machine) {
    m.stats.iter_mut().for_each(|s| *s = CpuStats::default());
}

impl Explorer {
    /// Starts an exploration of `model` from its initial machine.
    pub fn new(model: Model, config: ExploreConfig) -> Explorer {
        let mut initial = model.initial();
        forget_counters(&mut initial);
        let mut seen = StateSet::default();
        seen.insert(initial);
        Explorer {
            model,
            config,
            seen,
            parents: vec![None],
            next: 0,
            report: ExploreReport {
                states: 1,
                terminal_states: 0,
                violation_states: 0,
                transitions: 0,
                stale_write_reachable: false,
                lost_write_reachable: false,
                shortest_counterexample: None,
                complete: false,
            },
            events: Vec::new(),
            effects: Vec::new(),
        }
    }

    /// Whether there is nothing left to do.
    pub fn is_done(&self) -> bool {
        self.next >= self.seen.len() || self.seen.len() >= self.config.max_states
    }

    /// States stored so far.
    pub fn states(&self) -> usize {
        self.seen.len()
    }

    /// Expands up to `budget` states; returns whether the exploration is over.
    pub fn run(&mut self, budget: usize) -> bool {
        let mut events = std::mem::take(&mut self.events);
        let mut effects = std::mem::take(&mut self.effects);
        let stop = self.next.saturating_add(budget);
        while self.next < stop && !self.is_done() {
            let index = self.next;
            self.next += 1;
            let state = &self.seen[index];
            if state.violation.is_some() {
                continue;
            }
            self.model.enabled_events_into(state, &mut events);
            if events.is_empty() {
                self.report.terminal_states += 1;
                continue;
            }
            for &event in &events {
                let mut next = self.seen[index].clone();
                effects.clear();
                if self
                    .model
                    .apply_in_place(&mut next, event, &mut effects)
                    .is_err()
                {
                    continue; // cannot happen: the event was listed as enabled
                }
                self.report.transitions += 1;
                forget_counters(&mut next);
                let violation = next.violation;
                let (id, fresh) = self.seen.insert_full(next);
                if !fresh {
                    continue;
                }
                self.parents.push(Some((index as u32, event)));
                if let Some(v) = violation {
                    self.report.violation_states += 1;
                    match v.kind {
                        ViolationKind::StaleWrite => self.report.stale_write_reachable = true,
                        ViolationKind::LostWrite => self.report.lost_write_reachable = true,
                    }
                    if self.report.shortest_counterexample.is_none() {
                        self.report.shortest_counterexample =
                            Some(crate::explorer::Counterexample {
                                kind: v.kind,
                                events: self.path_to(id),
                            });
                    }
                }
                if self.seen.len() >= self.config.max_states {
                    break;
                }
            }
        }
        self.events = events;
        self.effects = effects;
        self.report.states = self.seen.len();
        self.report.complete = self.next >= self.seen.len();
        self.is_done()
    }

    fn path_to(&self, mut id: usize) -> Vec<Event> {
        let mut events = Vec::new();
        while let Some((parent, event)) = self.parents[id] {
            events.push(event);
            id = parent as usize;
        }
        events.reverse();
        events
    }

    /// The findings so far (final once [`Explorer::run`] returned true).
    pub fn report(&self) -> &ExploreReport {
        &self.report
    }
}

/// Explores `model` to the end (or to the bound) and reports.
pub fn explore(model: &Model, config: ExploreConfig) -> ExploreReport {
    let mut explorer = Explorer::new(model.clone(), config);
    while !explorer.run(usize::MAX) {}
    explorer.report
}
