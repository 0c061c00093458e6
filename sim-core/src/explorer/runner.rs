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
use crate::arch::Arch;
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
    arch: Arch,
    config: ExploreConfig,
    kernels: Vec<Mitigation>,
    clock: fn() -> f64,
    current: Option<Explorer>,
    millis: f64,
    rows: Vec<Row>,
}

impl Runner {
    /// A run of `scenario` on its own architecture under `kernels` (in that
    /// order), each with `config`, timed with `clock` (milliseconds).
    pub fn new(
        scenario: Arc<Scenario>,
        config: ExploreConfig,
        kernels: &[Mitigation],
        clock: fn() -> f64,
    ) -> Runner {
        let arch = scenario.arch();
        Runner::on(scenario, arch, config, kernels, clock)
    }

    /// [`Runner::new`] on architecture `arch`. A kernel `arch` does not have,
    /// or a scenario that makes no sense there, is the caller's error: the
    /// kernels should be `arch.mitigations()` of a scenario `Model::on` takes
    /// (such a kernel is explored unchecked).
    pub fn on(
        scenario: Arc<Scenario>,
        arch: Arch,
        config: ExploreConfig,
        kernels: &[Mitigation],
        clock: fn() -> f64,
    ) -> Runner {
        Runner {
            scenario,
            arch,
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
                Model::shared(self.scenario.clone(), mitigation).with_arch(self.arch),
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
/// file's JSON) under `kernels`, in that order, with these bounds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerRequest {
    /// The scenario file, as JSON.
    pub scenario: String,
    /// The architecture to explore it on (the scenario's own if left out).
    #[serde(default)]
    pub arch: Option<Arch>,
    /// The kernels to explore it under (every arm64 kernel if left out).
    #[serde(default = "every_kernel")]
    pub kernels: Vec<Mitigation>,
    /// The state bound of each run.
    pub max_states: usize,
    /// The memory bound of each run, in bytes.
    pub max_memory: usize,
}

/// [`Mitigation::ALL`], as a list.
fn every_kernel() -> Vec<Mitigation> {
    Mitigation::ALL.to_vec()
}

impl WorkerRequest {
    /// The same request split for `workers` workers running side by side: the
    /// kernels dealt out in turn (at most one worker per kernel), and the memory
    /// bound shared between them, so that together they stay within it.
    pub fn split(&self, workers: usize) -> Vec<WorkerRequest> {
        let n = workers.clamp(1, self.kernels.len().max(1));
        (0..n)
            .map(|w| WorkerRequest {
                scenario: self.scenario.clone(),
                arch: self.arch,
                kernels: self.kernels.iter().skip(w).step_by(n).copied().collect(),
                max_states: self.max_states,
                max_memory: self.max_memory / n,
            })
            .collect()
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> WorkerRequest {
        WorkerRequest {
            scenario: "{}".into(),
            arch: None,
            kernels: Mitigation::ALL.to_vec(),
            max_states: 10,
            max_memory: 300,
        }
    }

    /// Split between workers, every kernel runs exactly once, no worker is idle,
    /// and together they stay within the memory bound.
    #[test]
    fn a_split_deals_every_kernel_once_within_the_memory_bound() {
        for workers in 0..6 {
            let parts = request().split(workers);
            assert_eq!(parts.len(), workers.clamp(1, 3), "{workers} workers");
            let mut dealt: Vec<Mitigation> = parts.iter().flat_map(|p| p.kernels.clone()).collect();
            dealt.sort_by_key(|m| m.name());
            let mut all = Mitigation::ALL.to_vec();
            all.sort_by_key(|m| m.name());
            assert_eq!(dealt, all, "{workers} workers");
            assert!(parts.iter().all(|p| !p.kernels.is_empty()));
            assert!(parts.iter().map(|p| p.max_memory).sum::<usize>() <= 300);
            assert!(parts
                .iter()
                .all(|p| p.max_states == 10 && p.scenario == "{}"));
        }
    }

    /// A runner on another architecture explores that architecture's kernels:
    /// the seed race on x86 is a stale write without 3ea277194daa and safe with
    /// it, as docs/architectures.md says.
    #[test]
    fn a_runner_explores_on_the_architecture_it_is_given() {
        let scenario = Arc::new(crate::scenario::builtin("seed-race").unwrap());
        let arch = Arch::X86;
        let mut runner = Runner::on(
            scenario,
            arch,
            ExploreConfig::DEFAULT,
            arch.mitigations(),
            || 0.0,
        );
        while !runner.is_done() {
            runner.run(usize::MAX);
        }
        let verdicts: Vec<(Mitigation, &str)> = runner
            .rows()
            .iter()
            .map(|r| (r.mitigation, r.report.verdict().name()))
            .collect();
        assert_eq!(
            verdicts,
            vec![
                (Mitigation::None, "stale_write_reachable"),
                (Mitigation::FlushTlbMm, "safe"),
                (Mitigation::LocalFlush, "safe"),
            ]
        );
    }

    /// A request written before `kernels` existed asks for every kernel.
    #[test]
    fn a_request_without_kernels_asks_for_every_kernel() {
        let read: WorkerRequest =
            serde_json::from_str(r#"{"scenario":"{}","max_states":10,"max_memory":300}"#)
                .expect("a request");
        assert_eq!(read, request());
    }
}
