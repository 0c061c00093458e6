//! tlbsim's core: a small, faithful, deterministic model of the arm64 race where a
//! stale TLB entry stays writable after `mprotect()` returns, because a batched
//! TLB flush was completed with a DSB on the wrong CPU.
//!
//! Events go in ([`Model::apply`]), a new [`Machine`], [`Effect`]s and a
//! [`Narrative`] come out. [`explore`] visits every interleaving. No I/O, no clock,
//! no randomness: the same schedule always gives the same trace.

pub mod compare;
pub mod effect;
pub mod event;
pub mod explorer;
pub mod history;
pub mod kernel;
pub mod ladder;
pub mod lesson;
pub mod machine;
pub mod mitigation;
pub mod model;
pub mod narrative;
pub mod op;
pub mod outcome;
pub mod permalink;
pub mod scenario;
pub mod svg;
pub mod trace;

pub use effect::{Effect, FaultKind};
pub use event::{format_schedule, parse_schedule, Event, TlbiRef};
pub use explorer::{explore, ExploreConfig, ExploreReport, Explorer, Verdict};
pub use history::{History, ReplayError, Step};
pub use machine::{Machine, TlbEntry, Violation, ViolationKind};
pub use mitigation::Mitigation;
pub use model::{Applied, CpuStatus, EventError, Model};
pub use narrative::Narrative;
pub use op::{CpuId, Mode, Op, PageId};
pub use outcome::Outcome;
pub use scenario::{Scenario, ScenarioError, ScenarioFile};
