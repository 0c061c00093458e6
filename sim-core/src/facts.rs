//! Facts the view shows that follow from the model: why a TLB entry is stale,
//! what a CPU is doing (in words), a promise seen kept, what playback applies
//! next and whether a step broke a promise, and what the fix costs. The web app
//! formats these; it never derives them (docs/ARCHITECTURE.md).

use std::sync::Arc;

use crate::effect::Effect;
use crate::event::Event;
use crate::history::{History, Step};
use crate::machine::{Machine, TlbEntry};
use crate::mitigation::Mitigation;
use crate::model::{CpuAction, CpuStatus, Model};
use crate::op::{CpuId, Op, PageId, Syscall, TaskId};
use crate::scenario::Scenario;

/// Why a TLB entry allows more than the page table now does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Staleness {
    /// The PTE is not present any more (reclaim, munmap, madvise or mremap cleared it).
    PteCleared,
    /// The PTE maps another frame than the entry.
    OtherFrame,
    /// The entry allows writes, the PTE no longer does (mprotect).
    ReadOnly,
}

impl Staleness {
    /// Why, in a few words (`"PTE is read-only"`).
    pub fn text(self) -> &'static str {
        match self {
            Staleness::PteCleared => "PTE cleared",
            Staleness::OtherFrame => "PTE maps another frame",
            Staleness::ReadOnly => "PTE is read-only",
        }
    }
}

/// Why `entry` is stale in `m`, or `None` when it agrees with its PTE
/// (`Some` exactly when [`Machine::is_stale`]).
pub fn staleness(m: &Machine, entry: &TlbEntry) -> Option<Staleness> {
    let pte = m.ptes[entry.page.index()];
    if !pte.present {
        Some(Staleness::PteCleared)
    } else if pte.pfn != entry.pfn {
        Some(Staleness::OtherFrame)
    } else if entry.writable && !pte.writable {
        Some(Staleness::ReadOnly)
    } else {
        None
    }
}

/// What a CPU can do, in words: its [`CpuStatus`] and, when it is ready to
/// switch tasks, to whom (`"spinning on the page-table lock ptl@0x400000
/// (kswapd0 on CPU0 holds it)"`).
pub fn cpu_status_text(model: &Model, m: &Machine, cpu: CpuId) -> String {
    let s = model.scenario();
    let name = |t: TaskId| s.task(t).name.clone();
    match model.cpu_status(m, cpu) {
        CpuStatus::Ready => match model.next_action(m, cpu) {
            Some(CpuAction::Switch { to, .. }) => {
                format!("ready: __switch_to() switches to {}", name(to))
            }
            _ => "ready".into(),
        },
        CpuStatus::Idle => "idle: no task runs here".into(),
        CpuStatus::Done => "done".into(),
        CpuStatus::SpinningOnPtl { table, holder } => format!(
            "spinning on the page-table lock {} ({} on {} holds it)",
            s.tables()[table.index()].lock_name(),
            name(holder),
            m.tasks[holder.index()].cpu
        ),
        CpuStatus::WaitingForIpis { pending } => format!(
            "waiting in {}() until {} {} run the flush IPI handler (interrupts stay enabled, so it still takes flush IPIs sent to it)",
            model.arch().ipi_sender().function,
            pending
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(" and "),
            if pending.len() == 1 { "has" } else { "have" }
        ),
        CpuStatus::Waiting { flag } => {
            format!("waiting for flag {} to be set", s.flags()[flag.index()])
        }
        CpuStatus::WaitingForMmapLock { holder: Some(t) } => format!(
            "sleeping on mmap_lock ({} on {} holds it for writing)",
            name(t),
            m.tasks[t.index()].cpu
        ),
        CpuStatus::WaitingForMmapLock { holder: None } => {
            "sleeping on mmap_lock (readers hold it)".into()
        }
    }
}

/// An access that faulted because a system call had returned: the promise the
/// call made held (the opposite of a [`crate::Violation`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeptPromise {
    /// The step (0-based index into the history's steps) whose access faulted.
    pub step: usize,
    /// The task that made the access.
    pub task: TaskId,
    /// The CPU it ran on.
    pub cpu: CpuId,
    /// The page.
    pub page: PageId,
    /// The call whose promise held.
    pub syscall: Syscall,
    /// Whether the access was a write (else a read).
    pub write: bool,
}

impl KeptPromise {
    /// The fact in one line: `"the write faulted: mprotect's promise held"`.
    pub fn text(&self) -> String {
        let call = match self.syscall {
            Syscall::Mprotect => "mprotect",
            Syscall::Munmap => "munmap",
            Syscall::MadviseDontneed => "madvise",
            Syscall::Mremap => "mremap",
        };
        let access = if self.write { "write" } else { "read" };
        format!("the {access} faulted: {call}'s promise held")
    }
}

/// The last promise seen kept up to the history's cursor: an access after a
/// call returned that faulted as the call promised (a write to a page whose
/// `mprotect(PROT_READ)` returned, any access to a page whose unmapping call
/// returned).
pub fn kept_promise(history: &History) -> Option<KeptPromise> {
    let steps = history.steps();
    (0..steps.len()).rev().find_map(|i| {
        let before = match i {
            0 => history.initial(),
            n => &steps[n - 1].machine,
        };
        steps[i].effects.iter().find_map(|e| {
            let Effect::Fault { cpu, page, .. } = *e else {
                return None;
            };
            let task = before.current(cpu)?;
            let write = matches!(
                history.model().next_op(before, task),
                Some(Op::Write { .. })
            );
            let promised =
                before.unmapped.contains(page) || (write && before.prot_read.contains(page));
            if !promised {
                return None;
            }
            // The latest call that returned with this page is the one whose promise held.
            let syscall = steps[..i].iter().rev().find_map(|s| {
                s.effects.iter().find_map(|e| match e {
                    Effect::Returned { syscall, pages, .. } if pages.contains(page) => {
                        Some(*syscall)
                    }
                    _ => None,
                })
            })?;
            Some(KeptPromise {
                step: i,
                task,
                cpu,
                page,
                syscall,
                write,
            })
        })
    })
}

/// The event "Play" applies next: the redo list first, then the scenario's
/// story ([`story_next`]).
pub fn next_play_event(history: &History) -> Option<Event> {
    if let Some(step) = history.all_steps().get(history.cursor()) {
        return Some(step.event);
    }
    let model = history.model();
    let next = story_next(model, &history.schedule())?;
    model
        .enabled_events(history.current())
        .contains(&next)
        .then_some(next)
}

/// The story's next event after `played`, while `played` is its beginning:
/// the scenario's default schedule as [`History::adapt_schedule`] carries it
/// over to `model`'s architecture (on x86 and riscv each flush's IPIs are
/// taken as soon as they are sent, and there are no deliveries), so that
/// playing a story written for arm64 on x86 goes on past the first flush
/// instead of stopping at the CPU that waits for its IPIs.
pub fn story_next(model: &Model, played: &[Event]) -> Option<Event> {
    let default = model.scenario().default_schedule();
    let story;
    let story = if model.arch().uses_ipis() {
        story = History::adapt_schedule(model, default);
        &story[..]
    } else {
        default
    };
    if !story.starts_with(played) {
        return None;
    }
    story.get(played.len()).copied()
}

/// Whether the step broke a promise (playback stops there, with the evidence
/// still in the TLB).
pub fn breaks_promise(step: &Step) -> bool {
    step.effects
        .iter()
        .any(|e| matches!(e, Effect::Violation(_)))
}

/// What a kernel's fix costs in one scenario: TLB misses per CPU after the
/// story's first system call returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cost {
    /// The first system call of the story to return.
    pub syscall: Syscall,
    /// Misses per CPU, from its return to the end of the story.
    pub misses: Vec<u32>,
    /// x86 and riscv: flush IPIs each CPU took (handlers it ran) over the whole
    /// story, the price these architectures pay in interrupts; zeros on arm64.
    pub ipis_received: Vec<u32>,
    /// x86 and riscv: flush IPIs each CPU sent over the whole story.
    pub ipis_sent: Vec<u32>,
}

/// The [`Cost`] of playing the scenario's default schedule (as far as it stays
/// enabled) under `mitigation`; `None` if no system call returns in the story.
pub fn misses_after_return(scenario: &Arc<Scenario>, mitigation: Mitigation) -> Option<Cost> {
    cost_of(&Model::shared(scenario.clone(), mitigation))
}

/// The [`Cost`] of the scenario's story on `model`'s architecture and kernel:
/// the default schedule as [`History::adapt_schedule`] carries it over (on x86
/// and riscv each flush's IPIs are taken at once), as far as it stays enabled;
/// `None` if no system call returns in the story.
pub fn cost_of(model: &Model) -> Option<Cost> {
    let events = History::adapt_schedule(model, model.scenario().default_schedule());
    let history = History::replay_while_enabled(model.clone(), &events);
    let (returned, syscall) = history.steps().iter().enumerate().find_map(|(i, s)| {
        s.effects.iter().find_map(|e| match e {
            Effect::Returned { syscall, .. } => Some((i, *syscall)),
            _ => None,
        })
    })?;
    let at = &history.steps()[returned].machine.stats;
    let end = &history.current().stats;
    Some(Cost {
        syscall,
        misses: end
            .iter()
            .zip(at)
            .map(|(e, a)| e.misses - a.misses)
            .collect(),
        ipis_received: end.iter().map(|e| e.ipis_received).collect(),
        ipis_sent: end.iter().map(|e| e.ipis_sent).collect(),
    })
}

/// Whether exploring `scenario` is known to be quick (a hand-written built-in:
/// at most about 16,000 states, under 50 ms in wasm, docs/performance.md), so a
/// page may explore it on its main thread. Anything else, a generated member
/// such as `scale-16` (hundreds of thousands of states) or a user's file, may
/// take seconds and belongs in a worker.
pub fn explores_quickly(scenario: &Scenario) -> bool {
    scenario.is_builtin()
}
