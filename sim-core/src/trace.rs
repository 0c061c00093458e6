//! The JSON form of a played schedule (`tlbsim run --json`, the web app's export).

use serde::Serialize;

use crate::effect::Effect;
use crate::event::{format_schedule, Event};
use crate::history::History;
use crate::machine::{CpuStats, Machine};
use crate::mitigation::Mitigation;
use crate::outcome::Outcome;
use crate::scenario::ScenarioFile;

/// One step of a trace.
#[derive(Clone, Debug, Serialize)]
pub struct TraceStep {
    /// The event in text form.
    pub event: Event,
    /// The CPU it happened on.
    pub cpu: u8,
    /// Short name of the step.
    pub headline: String,
    /// Short outcomes.
    pub notes: Vec<String>,
    /// The explanation.
    pub text: String,
    /// Kernel function, if any.
    pub function: Option<&'static str>,
    /// Its file.
    pub file: Option<&'static str>,
    /// A link to its source.
    pub link: Option<String>,
    /// The commit that matters, if any.
    pub commit: Option<&'static str>,
    /// What changed.
    pub effects: Vec<Effect>,
}

/// A scenario, a mitigation and the steps played, with the final state.
#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    /// Format version of the trace (same as the scenario format's).
    pub format: u32,
    /// The scenario, in its file form, so the trace can be re-imported.
    pub scenario: ScenarioFile,
    /// The mitigation.
    pub mitigation: Mitigation,
    /// The schedule played, in text form.
    pub schedule: String,
    /// The steps.
    pub steps: Vec<TraceStep>,
    /// The outcome.
    pub outcome: Outcome,
    /// Per-CPU counters at the end.
    pub stats: Vec<CpuStats>,
    /// The final machine.
    pub machine: Machine,
}

impl Trace {
    /// The scenario's file as the trace carries it: on the architecture played
    /// (arm64 unless overridden), with its default schedule carried over to that
    /// architecture ([`History::adapt_schedule`]) so that the file validates there.
    fn file(model: &crate::model::Model) -> ScenarioFile {
        let file = model.scenario().to_file();
        if model.arch() == model.scenario().arch() {
            return file;
        }
        let default = model.with_mitigation(model.arch().default_mitigation());
        let schedule = History::adapt_schedule(&default, model.scenario().default_schedule());
        ScenarioFile {
            arch: model.arch(),
            default_schedule: format_schedule(&schedule),
            ..file
        }
    }

    /// The trace of a history up to its cursor.
    pub fn of(history: &History) -> Trace {
        let model = history.model();
        Trace {
            format: crate::scenario::FORMAT_VERSION,
            // The architecture played, so that the trace re-imports as it ran.
            scenario: Self::file(model),
            mitigation: model.mitigation(),
            schedule: format_schedule(&history.schedule()),
            steps: history
                .steps()
                .iter()
                .map(|s| TraceStep {
                    event: s.event,
                    cpu: s.narrative.cpu.0,
                    headline: s.narrative.headline.clone(),
                    notes: s.narrative.notes.clone(),
                    text: s.narrative.text.clone(),
                    function: s.narrative.function.map(|f| f.function),
                    file: s.narrative.function.map(|f| f.file),
                    link: s.narrative.function.map(|f| f.link()),
                    commit: s.narrative.commit.map(|c| c.id),
                    effects: s.effects.clone(),
                })
                .collect(),
            outcome: Outcome::of(model, history.current()),
            stats: history.current().stats.clone(),
            machine: history.current().clone(),
        }
    }
}
