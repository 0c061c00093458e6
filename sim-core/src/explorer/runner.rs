//! One scenario explored under every kernel, in slices: what the explorer panel
//! (on the main thread) and the explorer's Web Worker both run, so that the loop
//! "each kernel in turn, a slice at a time, with progress" exists once. Also the
//! messages between the page and the worker, as serde types.
//!
//! The runner reads no clock of its own: the caller gives it one (milliseconds,
//! e.g. `performance.now()`), so that the states per second it reports are the
//! caller's measurement and sim-core stays free of platform APIs.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{ExploreConfig, ExploreReport, Explorer};
use crate::mitigation::Mitigation;
use crate::model::Model;
use crate::scenario::Scenario;

/// Where a run is, for a progress line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// The kernel being explored.
    pub mitigation: Mitigation,
    /// Kernels finished before it.
    pub finished: usize,
    /// Kernels in all.
    pub kernels: usize,
    /// States stored so far in this kernel's run.
    pub states: usize,
    /// Machines they stand for (the sum of their symmetry orbits; equal to
    /// `states` when no CPUs are interchangeable).
    pub states_without_symmetry: u64,
    /// States stored per second of exploring, over this kernel's run so far.
    pub states_per_second: f64,
}

impl Progress {
    /// Machines per stored state (1 without symmetry).
    pub fn symmetry_factor(&self) -> f64 {
        self.states_without_symmetry as f64 / self.states.max(1) as f64
    }
}

/// One kernel's finished run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The kernel.
    pub mitigation: Mitigation,
    /// What the explorer found.
    pub report: ExploreReport,
    /// Milliseconds spent exploring (the caller's clock).
    pub millis: f64,
}

/// Explores a scenario under each of some kernels in turn.
pub struct Runner {
    scenario: Arc<Scenario>,
    config: ExploreConfig,
    kernels: Vec<Mitigation>,
    clock: fn() -> f64,
    current: Option<Explorer>,
    millis: f64,
    rows: Vec<Row>,
}

impl Runner {
    /// A run of `scenario` under `kernels` (in that order), each with `config`,
    /// timed with `clock` (milliseconds).
    pub fn new(
        scenario: Arc<Scenario>,
        config: ExploreConfig,
        kernels: &[Mitigation],
        clock: fn() -> f64,
    ) -> Runner {
        Runner {
            scenario,
            config,
            kernels: kernels.to_vec(),
            clock,
            current: None,
            millis: 0.0,
            rows: Vec::new(),
        }
    }

    /// Whether every kernel's run is over.
    pub fn is_done(&self) -> bool {
        self.rows.len() == self.kernels.len()
    }

    /// Expands up to `budget` states of the current kernel's run (starting it if
    /// needed). Returns that kernel's row if its run ended in this slice.
    pub fn run(&mut self, budget: usize) -> Option<&Row> {
        let &mitigation = self.kernels.get(self.rows.len())?;
        let start = (self.clock)();
        let explorer = self.current.get_or_insert_with(|| {
            Explorer::new(
                Model::shared(self.scenario.clone(), mitigation),
                self.config,
            )
        });
        let done = explorer.run(budget);
        self.millis += (self.clock)() - start;
        if !done {
            return None;
        }
        let explorer = self.current.take()?;
        self.rows.push(Row {
            mitigation,
            report: explorer.into_report(),
            millis: std::mem::take(&mut self.millis),
        });
        self.rows.last()
    }

    /// Where the run is now (`None` between kernels and at the end).
    pub fn progress(&self) -> Option<Progress> {
        let explorer = self.current.as_ref()?;
        let report = explorer.report();
        Some(Progress {
            mitigation: explorer.model().mitigation(),
            finished: self.rows.len(),
            kernels: self.kernels.len(),
            states: explorer.states(),
            states_without_symmetry: report.states_without_symmetry,
            states_per_second: explorer.states() as f64 / (self.millis / 1000.0).max(1e-3),
        })
    }

    /// The finished kernels' rows, in order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The rows, once every run is over.
    pub fn into_rows(self) -> Vec<Row> {
        self.rows
    }
}

/// What the page asks the explorer's worker: explore `scenario` (a scenario
/// file's JSON) under every kernel with these bounds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerRequest {
    /// The scenario file, as JSON.
    pub scenario: String,
    /// The state bound of each run.
    pub max_states: usize,
    /// The memory bound of each run, in bytes.
    pub max_memory: usize,
}

impl WorkerRequest {
    /// The exploration bounds it asks for (reduced, as by default).
    pub fn config(&self) -> ExploreConfig {
        ExploreConfig {
            max_states: self.max_states,
            max_memory: self.max_memory,
            ..ExploreConfig::DEFAULT
        }
    }
}

/// What the worker says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WorkerReply {
    /// The worker's wasm is loaded and it listens: the page may send its request
    /// (one sent earlier would reach no handler and be lost).
    Ready,
    /// A run is under way.
    Progress(Progress),
    /// A kernel's run is over.
    Report(Row),
    /// The scenario could not be read (the page validates it first, so this is a bug).
    Failed {
        /// What went wrong.
        message: String,
    },
}
