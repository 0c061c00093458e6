//! The verdict on one machine state: still running, a broken promise, a deadlock,
//! or done safely.

use serde::Serialize;

use crate::machine::{Machine, Violation, ViolationKind};
use crate::model::{CpuStatus, Model};
use crate::op::{CpuId, Syscall};

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Events are still possible and no promise has been broken.
    Running,
    /// A write went through a stale entry after mprotect() returned.
    StaleWrite(Violation),
    /// An access went through the old address after munmap/madvise/mremap returned.
    AccessAfterUnmap(Violation),
    /// A write landed in a frame after it was written to swap or freed.
    LostWrite(Violation),
    /// Nothing can happen any more, but some tasks have not finished.
    Deadlock {
        /// How many tasks are stuck.
        stuck: u8,
    },
    /// Nothing more can happen and every promise held.
    FinishedSafely,
}

impl Outcome {
    /// The outcome of `m` under `model`: the first broken promise if any, else a
    /// deadlock, a safe end, or still running.
    pub fn of(model: &Model, m: &Machine) -> Outcome {
        if let Some(v) = m.violation {
            return match v.kind {
                ViolationKind::StaleWrite => Outcome::StaleWrite(v),
                ViolationKind::AccessAfterUnmap => Outcome::AccessAfterUnmap(v),
                _ => Outcome::LostWrite(v),
            };
        }
        if !model.is_terminal(m) {
            return Outcome::Running;
        }
        match model.deadlocked(m).len() {
            0 => Outcome::FinishedSafely,
            n => Outcome::Deadlock { stuck: n as u8 },
        }
    }

    /// One line for people.
    pub fn describe(&self, model: &Model, m: &Machine) -> String {
        let s = model.scenario();
        let name = |v: &Violation| s.page_name(v.page).to_string();
        let task = |v: &Violation| s.task(v.task).name.clone();
        match self {
            Outcome::Running => "Running: no promise broken so far.".into(),
            Outcome::StaleWrite(v) => format!(
                "STALE WRITE: {} on {} wrote {} through a stale read-write TLB entry after mprotect(PROT_READ) returned.",
                task(v), v.cpu, name(v)
            ),
            Outcome::AccessAfterUnmap(v) => format!(
                "ACCESS AFTER UNMAP: {} on {} reached {} through a stale TLB entry after the call that unmapped it returned.",
                task(v), v.cpu, name(v)
            ),
            Outcome::LostWrite(v) => format!(
                "LOST WRITE: {} on {} wrote {} through a stale TLB entry into a frame already written to swap or freed.",
                task(v), v.cpu, name(v)
            ),
            Outcome::Deadlock { .. } => {
                let stuck: Vec<String> = model
                    .deadlocked(m)
                    .iter()
                    .map(|t| {
                        let cpu = m.tasks[t.index()].cpu;
                        let why = match model.next_op(m, *t) {
                            Some(crate::op::Op::Wait { flag }) if !m.flags[flag.index()] => {
                                format!("waits for flag {:?}", s.flags()[flag.index()])
                            }
                            _ if model.sleeps(m, *t) => "sleeps on mmap_lock".to_string(),
                            _ => match model.cpu_status(m, cpu) {
                                CpuStatus::SpinningOnPtl { table, .. } if m.current(cpu) == Some(*t) => {
                                    format!("spins on {}", s.tables()[table.index()].lock_name())
                                }
                                _ => format!("waits for {cpu}, whose task never finishes"),
                            },
                        };
                        format!("{} {why}", s.task(*t).name)
                    })
                    .collect();
                format!("DEADLOCK: nothing can happen any more, but {}.", stuck.join(", "))
            }
            Outcome::FinishedSafely => {
                let mut kept = Vec::new();
                if s.calls_syscall(Syscall::Mprotect) {
                    kept.push("no write went through a stale entry after mprotect() returned");
                }
                if s.calls_syscall(Syscall::Munmap)
                    || s.calls_syscall(Syscall::MadviseDontneed)
                    || s.calls_syscall(Syscall::Mremap)
                {
                    kept.push("no access went through an address after it was unmapped");
                }
                kept.push("no write was lost");
                let arch = model.arch();
                let why = if arch.uses_ipis() {
                    let mut why = format!(
                        " On {arch} no DSB-style hole exists: a CPU's TLB entries leave only when that CPU flushes them, in its own step, in a flush IPI handler{}, and whoever asks for a flush waits for every handler, so nothing is ever in flight between queueing a flush and completing it.",
                        if arch == crate::arch::Arch::X86 { ", or in switch_mm_irqs_off() when it switches back from lazy mode or loads the mm behind the mm's TLB generation (choose_new_asid())" } else { "" }
                    );
                    if arch == crate::arch::Arch::X86 {
                        why.push_str(" (That is the design; the model takes every step as atomic and in order, so it cannot show that v6.15 itself lacked a barrier between switch_mm_irqs_off()'s loaded_mm store and its tlb_gen load, since 209954cbc7d0, fixed by 83b0177a6c48.)");
                    }
                    if matches!(
                        model.mitigation(),
                        crate::mitigation::Mitigation::None | crate::mitigation::Mitigation::LocalFlush
                    ) {
                        why.push_str(" This schedule finished safely, but this kernel leaves CPUs unflushed that flush_tlb_mm() would flush: whether another schedule of this scenario breaks a promise, the explorer says (tlbsim explore tries every schedule).");
                    }
                    why
                } else {
                    String::new()
                };
                format!("Finished safely: {}.{why}", kept.join(", "))
            }
        }
    }

    /// The CPU whose access broke the promise, if one did.
    pub fn cpu(&self) -> Option<CpuId> {
        match self {
            Outcome::StaleWrite(v) | Outcome::AccessAfterUnmap(v) | Outcome::LostWrite(v) => {
                Some(v.cpu)
            }
            _ => None,
        }
    }
}
