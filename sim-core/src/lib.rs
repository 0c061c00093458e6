//! tlbsim's core: a small, faithful, deterministic model of the arm64 race where a
//! stale TLB entry stays writable after `mprotect()` (or `munmap()`, `madvise()`,
//! `mremap()`) returns, because a batched TLB flush was completed with a DSB on
//! the wrong CPU. Tasks run on CPUs; TLBs, TLBIs and DSBs belong to CPUs.
//!
//! Events go in ([`Model::apply`]), a new [`Machine`], [`Effect`]s and a
//! [`Narrative`] come out. [`explore`] visits every interleaving. No I/O, no clock,
//! no randomness: the same schedule always gives the same trace.

pub mod compare;
pub mod effect;
pub mod event;
pub mod explorer;
pub mod facts;
pub mod history;
pub mod kernel;
pub mod ladder;
pub mod lesson;
pub mod limits;
pub mod litmus;
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
pub mod v1;

pub use effect::{Effect, FaultKind};
pub use event::{format_schedule, parse_schedule, Event, TlbiRef};
pub use explorer::{explore, ExploreConfig, ExploreReport, Explorer, Verdict};
pub use history::{History, ReplayError, Step};
pub use machine::{KindSet, Machine, MmapLock, TlbEntry, Violation, ViolationKind};
pub use mitigation::Mitigation;
pub use model::{Applied, CpuAction, CpuStatus, EventError, Model, TaskStatus};
pub use narrative::Narrative;
pub use op::{Call, CpuId, FlagId, Mode, Op, PageId, PageSet, Syscall, TableId, TaskId};
pub use outcome::Outcome;
pub use scenario::{Scenario, ScenarioError, ScenarioFile};
