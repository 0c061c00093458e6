//! The verdict on one machine state: still running, a broken promise, or done safely.

use serde::Serialize;

use crate::machine::{Machine, Violation, ViolationKind};
use crate::model::Model;

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Events are still possible and no promise has been broken.
    Running,
    /// A write went through a stale entry after mprotect() returned.
    StaleWrite(Violation),
    /// A write went through a stale entry after the page was written to swap.
    LostWrite(Violation),
    /// Nothing more can happen and every promise held.
    FinishedSafely,
}

impl Outcome {
    /// The outcome of `m` under `model`.
    pub fn of(model: &Model, m: &Machine) -> Outcome {
        match m.violation {
            Some(v) if v.kind == ViolationKind::StaleWrite => Outcome::StaleWrite(v),
            Some(v) => Outcome::LostWrite(v),
            None if model.is_terminal(m) => Outcome::FinishedSafely,
            None => Outcome::Running,
        }
    }

    /// One line for people.
    pub fn describe(&self, model: &Model) -> String {
        let name = |v: &Violation| model.scenario().page_name(v.page).to_string();
        match self {
            Outcome::Running => "Running: no promise broken so far.".into(),
            Outcome::StaleWrite(v) => format!(
                "STALE WRITE: {} wrote {} through a stale read-write TLB entry after mprotect(PROT_READ) returned.",
                v.cpu,
                name(v)
            ),
            Outcome::LostWrite(v) => format!(
                "LOST WRITE: {} wrote {} through a stale TLB entry after the page was written to swap and freed.",
                v.cpu,
                name(v)
            ),
            Outcome::FinishedSafely => {
                let mprotects = model.scenario().cpus().iter().any(|c| {
                    c.program
                        .iter()
                        .any(|op| matches!(op, crate::op::Op::MprotectReturn { .. }))
                });
                if mprotects {
                    "Finished safely: no write went through a stale entry after mprotect() returned, and no write was lost.".into()
                } else {
                    "Finished safely: no write was lost.".into()
                }
            }
        }
    }
}
