//! The narrative of x86 and riscv: IPI-based shootdown, where a CPU's TLB
//! changes only when that CPU flushes it (locally, or in the handler of a flush
//! IPI) and the sender waits for every handler. x86 and riscv share the rules
//! (`model.rs`); only the names of their functions differ here.

use super::{join, list, removed_notes, syscall_call, Narrative};
use crate::arch::Arch;
use crate::effect::Effect;
use crate::kernel::{self, KernelRef};
use crate::machine::{CpuSet, FlushRange, Machine, TlbEntry};
use crate::mitigation::Mitigation;
use crate::model::Model;
use crate::op::{CpuId, Op, PageId, TaskId};

/// The rule IPI-based shootdown rests on, as each architecture's manual states it.
pub fn rule(arch: Arch) -> &'static str {
    match arch {
        Arch::Riscv => RISCV_RULE,
        _ => X86_RULE,
    }
}

/// x86: only the CPU that holds a TLB entry can invalidate it.
pub const X86_RULE: &str = "Intel SDM Vol. 3A, 4.10.5 (propagation of paging-structure changes to multiple processors): INVLPG, MOV to CR3 and INVPCID invalidate only the executing processor's TLBs; software that changes a translation other processors may cache must have each of them invalidate its own, typically by an IPI, and wait for them.";

/// riscv: `sfence.vma` orders and invalidates only the executing hart's caches.
pub const RISCV_RULE: &str = "RISC-V Privileged ISA, SFENCE.VMA: the fence affects only the address-translation caches of the hart that executes it; other harts must execute their own, which Linux asks for by IPI or an SBI remote fence and waits for.";

/// A set of CPUs in words: `CPU1`, `CPU1 and CPU2`.
fn cpus_text(set: CpuSet) -> String {
    let names: Vec<String> = set.iter().map(|c| c.to_string()).collect();
    list(names.iter().map(String::as_str))
}

/// What a flush covers, in words.
fn range_text(model: &Model, range: FlushRange) -> String {
    match range {
        FlushRange::All => "every entry of this mm".to_string(),
        FlushRange::Pages { pages } => {
            let names: Vec<&str> = pages
                .iter()
                .map(|p| model.scenario().page_name(p))
                .collect();
            format!("the entries for {}", list(names.into_iter()))
        }
    }
}

fn short_range(model: &Model, range: FlushRange) -> String {
    match range {
        FlushRange::All => "all".to_string(),
        FlushRange::Pages { pages } => pages
            .iter()
            .map(|p| model.scenario().page_name(p))
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// The entries `cpu` lost in these effects, in words (`CPU1 loses its read-write
/// entry for P.`), or that it lost none.
fn lost(model: &Model, effects: &[Effect], cpu: CpuId) -> String {
    let entries: Vec<TlbEntry> = effects
        .iter()
        .filter_map(|e| match *e {
            Effect::TlbInvalidate { cpu: c, entry, .. } if c == cpu => Some(entry),
            _ => None,
        })
        .collect();
    if entries.is_empty() {
        return format!("{cpu}'s TLB holds no entry it covers.");
    }
    let names: Vec<&str> = entries
        .iter()
        .map(|e| model.scenario().page_name(e.page))
        .collect();
    let kind = match entries.iter().filter(|e| e.writable).count() {
        w if w == entries.len() => "read-write ",
        0 => "read-only ",
        _ => "",
    };
    let plural = if entries.len() == 1 {
        "entry"
    } else {
        "entries"
    };
    format!(
        "{cpu} loses its {kind}{plural} for {}.",
        list(names.into_iter())
    )
}

/// The function a local flush is, per architecture.
fn local_fn(arch: Arch) -> &'static str {
    match arch {
        Arch::Riscv => "local_flush_tlb_range_asid()",
        _ => "flush_tlb_func() called locally",
    }
}

/// How a sender reaches other CPUs, per architecture.
fn send_text(arch: Arch) -> &'static str {
    match arch {
        Arch::Riscv => "asks each other CPU of the mask for a remote sfence.vma (sbi_remote_sfence_vma_asid(), or on_each_cpu_mask() with __ipi_flush_tlb_range_asid() as handler)",
        _ => "sends a flush IPI to each other CPU of the mask (flush_tlb_multi() -> smp_call_function_many_cond())",
    }
}

/// Explains one flush of [`Model`]'s `flush_cpus`: local part, IPIs, and whether
/// the CPU now waits. `what` names the caller (`arch_tlbbatch_flush()`).
fn flush_sentence(model: &Model, cpu: CpuId, effects: &[Effect], what: &str) -> String {
    let arch = model.arch();
    let local = effects.iter().find_map(|e| match *e {
        Effect::LocalFlush { cpu: c, range } if c == cpu => Some(range),
        _ => None,
    });
    let sent = effects.iter().find_map(|e| match *e {
        Effect::IpiSend { to, range, .. } => Some((to, range)),
        _ => None,
    });
    let mut parts = Vec::new();
    match (local, sent) {
        (_, Some((to, range))) => {
            parts.push(format!(
                "{what} {}{} for {}, and waits until each has run its handler: {cpu} cannot go on before {} has flushed its own TLB.",
                if local.is_some() {
                    format!("flushes {cpu}'s own TLB ({}), then ", local_fn(arch))
                } else {
                    String::new()
                },
                send_text(arch),
                range_text(model, range),
                cpus_text(to)
            ));
            if local.is_some() {
                parts.push(lost(model, effects, cpu));
            }
        }
        (Some(range), None) => {
            parts.push(format!(
                "{what}: {cpu} is the only CPU to flush, so it flushes {} in its own TLB ({}) and sends no IPI.",
                range_text(model, range),
                local_fn(arch)
            ));
            parts.push(lost(model, effects, cpu));
        }
        (None, None) => parts.push(format!(
            "{what}: no CPU is in the mask, so there is nothing to flush."
        )),
    }
    join(&parts)
}

/// Whether `effects` include this CPU giving up its wait (the second half of a
/// flushing step).
fn wait_done(effects: &[Effect]) -> bool {
    effects
        .iter()
        .any(|e| matches!(e, Effect::IpiWaitDone { .. }))
}

fn sends(effects: &[Effect]) -> bool {
    effects.iter().any(|e| matches!(e, Effect::IpiSend { .. }))
}

fn base(cpu: CpuId, headline: String, function: Option<KernelRef>) -> Narrative {
    Narrative {
        cpu,
        headline,
        notes: Vec::new(),
        text: String::new(),
        function,
        commit: None,
        architecture: None,
    }
}

/// CPU `to` takes `from`'s flush IPI.
pub fn ipi_event(
    model: &Model,
    before: &Machine,
    from: CpuId,
    to: CpuId,
    effects: &[Effect],
    after: &Machine,
) -> Narrative {
    let arch = model.arch();
    let range = before
        .ipi_of(from)
        .map(|i| i.range)
        .unwrap_or(FlushRange::All);
    let handler = arch.ipi_handler().unwrap_or(kernel::X86_FLUSH_TLB_FUNC);
    let mut n = base(to, format!("{to} takes {from}'s flush IPI"), Some(handler));
    n.notes.push(format!(
        "{}: {}",
        handler.function,
        short_range(model, range)
    ));
    removed_notes(model, effects, &mut n.notes);
    let left = after.ipi_of(from).map(|i| i.pending).unwrap_or_default();
    let waiting = if left.is_empty() {
        format!("{to} was the last: {from} may now go on.")
    } else {
        format!("{from} still waits for {}.", cpus_text(left))
    };
    n.text = join(&[
        format!(
            "{to} takes the flush IPI {from} sent it and runs {}() in interrupt context, flushing {} in its own TLB.",
            handler.function,
            range_text(model, range)
        ),
        lost(model, effects, to),
        format!(
            "{from} is spinning in {}() until every CPU it interrupted has done this.",
            arch.ipi_sender().function
        ),
        waiting,
        "Only the CPU that holds an entry removes it, and the sender's wait is the completion: no invalidation is in flight without its sender waiting for it.".to_string(),
    ]);
    n.architecture = Some(rule(arch));
    n
}

/// A context switch (`__switch_to()`, `cond_resched()` or a migration) on x86 or
/// riscv: no barrier, no flush between threads of one mm.
pub fn switch_text(model: &Model, cpu: CpuId, to: Option<TaskId>, effects: &[Effect]) -> String {
    let joins = effects
        .iter()
        .any(|e| matches!(e, Effect::MmCpumask { cpu: c } if *c == cpu));
    join(&[
        match model.arch() {
            Arch::Riscv => "On riscv a context switch has no barrier for TLBs, and switch_mm() returns at once between threads of one mm: nothing is flushed.".to_string(),
            _ => "On x86 a context switch has no barrier for TLBs, and switch_mm_irqs_off() flushes nothing when it switches between threads of one mm: the TLB stays as it is.".to_string(),
        },
        match (joins, to) {
            (true, Some(t)) => format!(
                "{} is a thread of the mm and runs on {cpu} for the first time, so {cpu}'s bit is set in mm_cpumask(mm): later flushes of the mm will include {cpu}.",
                model.scenario().task(t).name
            ),
            _ => String::new(),
        },
    ])
}

/// The function a context switch stands for on this architecture.
pub fn switch_fn(arch: Arch) -> KernelRef {
    match arch {
        Arch::Riscv => kernel::RISCV_SWITCH_MM,
        _ => kernel::X86_SWITCH_MM_IRQS_OFF,
    }
}

/// The page-fault handler on this architecture.
pub fn fault_fn(arch: Arch) -> KernelRef {
    match arch {
        Arch::Riscv => kernel::RISCV_HANDLE_PAGE_FAULT,
        Arch::X86 => kernel::X86_DO_USER_ADDR_FAULT,
        Arch::Arm64 => kernel::DO_PAGE_FAULT,
    }
}

/// The sentence on faulting translations and TLBs.
pub fn no_fault_caching(arch: Arch) -> &'static str {
    match arch {
        Arch::Arm64 => "Armv8 TLBs never cache a faulting translation.",
        Arch::X86 => "x86 TLBs never cache a translation whose PTE is not present.",
        Arch::Riscv => {
            "The model caches no faulting translation (a hart that did would only fault again)."
        }
    }
}

/// The steps whose x86/riscv story differs from arm64's; `None` for the others,
/// which [`super::step_narrative`] tells as it does for every architecture.
#[allow(clippy::too_many_arguments)]
pub fn step(
    model: &Model,
    before: &Machine,
    after: &Machine,
    cpu: CpuId,
    task: TaskId,
    op: &Op,
    effects: &[Effect],
    headline: String,
) -> Option<Narrative> {
    let arch = model.arch();
    let s = model.scenario();
    let name = |p: PageId| s.page_name(p).to_string();
    let tname = s.task(task).name.clone();
    let nothing = effects
        .iter()
        .any(|e| matches!(e, Effect::NothingToDo { .. }));
    let done = wait_done(effects);
    let mut n = base(cpu, headline, op.kernel_ref());
    match *op {
        Op::SetTlbUbcFlushPending { .. } if !nothing => {
            let va = before.tasks[task.index()]
                .rmap
                .map(|(p, _)| p)
                .unwrap_or(PageId(0));
            let ubc = after.tasks[task.index()].tlb_ubc;
            let lock = s.tables()[s.page(va).table.index()].lock_name();
            n.headline = format!("set_tlb_ubc_flush_pending({})", name(va));
            n.function = Some(arch.tlbbatch_add_pending());
            n.notes
                .push(format!("batch cpumask: {}", cpus_text(ubc.cpumask)));
            n.notes.push(format!("{lock} dropped"));
            n.text = format!(
                "set_tlb_ubc_flush_pending() defers the flush. On {arch}, arch_tlbbatch_add_pending() sends nothing: it ORs mm_cpumask(mm) ({}) into the batch's cpumask (now {}){}. Nothing is in flight: every CPU that cached {} keeps its entry until it flushes its own TLB. {tname}'s own batch (current->tlb_ubc) now needs a flush (flush_required{}), and mm->tlb_flush_batched records a pending batch (pending {}, flushed {}). page_vma_mapped_walk_done() drops {lock}.",
                if after.mm_cpumask.is_empty() { "no CPU".to_string() } else { cpus_text(after.mm_cpumask) },
                if ubc.cpumask.is_empty() { "empty".to_string() } else { cpus_text(ubc.cpumask) },
                if arch == Arch::X86 { " and bumps the mm's TLB generation (inc_mm_tlb_gen())" } else { "" },
                name(va),
                if ubc.writable { ", writable: the cleared PTE was dirty" } else { "" },
                after.tlb_flush_batched.pending,
                after.tlb_flush_batched.flushed,
            );
            Some(n)
        }
        Op::TryToUnmapFlushDirty | Op::TryToUnmapFlush if !nothing => {
            n.function = Some(arch.tlbbatch_flush());
            if done {
                n.notes.push("all handlers ran: batch done".into());
                n.text = format!("Every CPU {tname} interrupted has flushed its own TLB: arch_tlbbatch_flush() stops waiting, clears the batch's cpumask, and {}() marks {tname}'s batch done (flush_required and writable cleared). From here no CPU holds an entry the batch was owed.", op.name());
            } else {
                let dirty = matches!(op, Op::TryToUnmapFlushDirty);
                n.notes.push(if sends(effects) {
                    "flush IPIs sent, waiting".into()
                } else {
                    "local flush".into()
                });
                removed_notes(model, effects, &mut n.notes);
                n.text = join(&[
                    format!(
                        "{}() completes {tname}'s batch{}.",
                        op.name(),
                        if dirty {
                            ", before the page is written out, because the batch holds a dirty entry"
                        } else {
                            ""
                        }
                    ),
                    flush_sentence(model, cpu, effects, "arch_tlbbatch_flush()"),
                    if sends(effects) {
                        String::new()
                    } else {
                        format!("{}'s batch is done.", tname)
                    },
                ]);
                n.architecture = Some(rule(arch));
            }
            Some(n)
        }
        Op::FlushTlbBatchedPending { syscall } => {
            let walker = syscall.walker().function;
            let counters = format!(
                "mm->tlb_flush_batched: pending {}, flushed {}",
                before.tlb_flush_batched.pending, before.tlb_flush_batched.flushed
            );
            if done {
                n.function = Some(arch.flush_tlb_mm());
                let marked = after.tlb_flush_batched.flushed == after.tlb_flush_batched.pending;
                n.notes.push(if marked {
                    "all handlers ran: batch marked flushed".into()
                } else {
                    "all handlers ran: new batch, still owed".into()
                });
                n.text = if marked {
                    format!("Every other CPU of the mm has flushed its own TLB: flush_tlb_mm() returns, and flush_tlb_batched_pending() marks the batch flushed (its cmpxchg of mm->tlb_flush_batched: pending {}, flushed {}). No CPU can still hold an entry of this mm from before the walk took the lock.", after.tlb_flush_batched.pending, after.tlb_flush_batched.flushed)
                } else {
                    format!("Every other CPU of the mm has flushed its own TLB and flush_tlb_mm() returns, but reclaim queued a new batch meanwhile: the cmpxchg of mm->tlb_flush_batched fails, so a flush stays owed (pending {}, flushed {}) for the next walker.", after.tlb_flush_batched.pending, after.tlb_flush_batched.flushed)
                };
                n.commit = Some(kernel::COMMIT_GENERIC_FIX);
                return Some(n);
            }
            match model.mitigation() {
                Mitigation::None => {
                    n.headline = "(no flush_tlb_batched_pending)".into();
                    n.notes.push("not called (pre-3ea277194daa)".into());
                    n.text = format!("{walker}() on {cpu} goes straight on to the PTEs: this kernel predates 3ea277194daa, so no walker calls flush_tlb_batched_pending(), and a reclaim batch still owed to this mm is not flushed: CPUs that cached a page reclaim unmapped keep their entries. This is Nadav Amit's original race, found on x86.");
                    n.commit = Some(kernel::COMMIT_GENERIC_FIX);
                    n.function = Some(syscall.walker());
                }
                _ if !before.tlb_flush_batched.flush_owed() => {
                    n.notes.push("nothing pending".into());
                    n.text = format!("{walker}() calls flush_tlb_batched_pending(). No batch is pending ({counters}), so there is nothing to flush.");
                }
                Mitigation::FlushTlbMm => {
                    n.function = Some(arch.flush_tlb_mm());
                    n.notes.push(if sends(effects) {
                        "flush_tlb_mm: IPIs sent, waiting".into()
                    } else {
                        "flush_tlb_mm: local only".into()
                    });
                    removed_notes(model, effects, &mut n.notes);
                    n.text = join(&[
                        format!("{walker}() calls flush_tlb_batched_pending() under the lock. A reclaim batch is pending ({counters}), so it calls arch_flush_tlb_batched_pending(), which on {arch} is flush_tlb_mm(mm) (since 3ea277194daa core code called flush_tlb_mm() here; db6c1f6f236d made it {arch}'s hook): the mask is mm_cpumask(mm), {}.", cpus_text(after.mm_cpumask.with(cpu))),
                        flush_sentence(model, cpu, effects, &format!("{}()", arch.flush_tlb_mm().function)),
                        if sends(effects) {
                            String::new()
                        } else {
                            "The batch is marked flushed.".to_string()
                        },
                    ]);
                    n.commit = Some(kernel::COMMIT_GENERIC_FIX);
                    n.architecture = Some(rule(arch));
                }
                Mitigation::LocalFlush => {
                    n.notes.push(format!("local flush of {cpu} only"));
                    removed_notes(model, effects, &mut n.notes);
                    let others: Vec<String> = after
                        .cpus
                        .iter()
                        .enumerate()
                        .filter(|(c, st)| *c != cpu.index() && !st.tlb.entries.is_empty())
                        .map(|(c, _)| format!("CPU{c}"))
                        .collect();
                    n.text = join(&[
                        format!("{walker}() calls flush_tlb_batched_pending(). A reclaim batch is pending ({counters}). On this teaching kernel (never shipped) it flushes only {cpu}'s own TLB ({}) and sends no IPI.", local_fn(arch)),
                        lost(model, effects, cpu),
                        "The batch is marked flushed all the same.".to_string(),
                        if others.is_empty() {
                            String::new()
                        } else {
                            format!("{} {} entries of this mm: a thread there can still write through one. That is why the real fix flushes the whole mm (flush_tlb_mm()).", match others.as_slice() { [one] => format!("{one}'s TLB"), _ => format!("The TLBs of {}", list(others.iter().map(String::as_str))) }, if others.len() == 1 { "keeps its" } else { "keep their" })
                        },
                    ]);
                }
                Mitigation::Dsb => {
                    n.notes.push("no such kernel here".into());
                    n.text = format!("flush_tlb_batched_pending() on a kernel whose arch_flush_tlb_batched_pending() is a bare barrier, which {arch} never had: nothing is in flight to complete, so nothing is flushed, yet the batch is marked flushed.");
                }
            }
            Some(n)
        }
        Op::TlbFinishMmu { syscall } if !nothing => {
            n.function = Some(kernel::X86_TLB_FLUSH);
            if arch == Arch::Riscv {
                n.function = Some(kernel::RISCV_FLUSH_TLB_RANGE);
            }
            let freed = effects
                .iter()
                .any(|e| matches!(e, Effect::FrameFreed { .. }));
            if done {
                n.notes.push("all handlers ran".into());
                n.text = format!(
                    "Every CPU {cpu} interrupted has flushed: the flush of {} is complete{}.",
                    syscall_call(model, syscall, task, before),
                    if freed {
                        ", and tlb_finish_mmu() frees the queued pages"
                    } else {
                        ""
                    }
                );
                return Some(n);
            }
            let nested = effects
                .iter()
                .any(|e| matches!(e, Effect::NestedFlush { .. }));
            n.notes.push(if sends(effects) {
                "flush IPIs sent, waiting".into()
            } else {
                "local flush".into()
            });
            removed_notes(model, effects, &mut n.notes);
            n.text = join(&[
                if nested {
                    format!("tlb_finish_mmu() sees another mmu_gather of this mm in progress (mm_tlb_flush_nested()): {} flushes the whole mm instead of its range.", syscall_call(model, syscall, task, before))
                } else {
                    format!(
                        "The mmu_gather's recorded range is flushed: on {arch}, {}.",
                        if arch == Arch::Riscv {
                            "tlb_flush() calls flush_tlb_mm_range() -> __flush_tlb_range() on mm_cpumask(mm)"
                        } else {
                            "tlb_flush() calls flush_tlb_mm_range() on mm_cpumask(mm)"
                        }
                    )
                },
                flush_sentence(model, cpu, effects, "The flush"),
                if !sends(effects) && freed {
                    "Then tlb_finish_mmu() frees the queued pages.".to_string()
                } else {
                    String::new()
                },
            ]);
            n.architecture = Some(rule(arch));
            Some(n)
        }
        Op::FlushTlbRange { page } if !nothing => {
            if done {
                n.notes.push("all handlers ran".into());
                n.text = format!("Every CPU {cpu} interrupted has flushed {}: flush_tlb_range() returns, still under the locks.", name(page));
                return Some(n);
            }
            n.notes.push(if sends(effects) {
                "flush IPIs sent, waiting".into()
            } else {
                "local flush".into()
            });
            removed_notes(model, effects, &mut n.notes);
            n.text = join(&[
                format!("flush_tlb_range() for the old address of {}, still holding the locks (on {arch} flush_tlb_mm_range() on mm_cpumask(mm)).", name(page)),
                flush_sentence(model, cpu, effects, "The flush"),
            ]);
            n.architecture = Some(rule(arch));
            Some(n)
        }
        Op::Migrate { to } => {
            n.headline = format!("{tname} migrates to {to}");
            n.function = Some(switch_fn(arch));
            n.notes.push("no TLB flush".into());
            let next = effects.iter().find_map(|e| match *e {
                Effect::ContextSwitch { to, .. } => Some(to),
                _ => None,
            });
            n.text = join(&[
                format!("{tname} is moved from {cpu} to {to}. Its batch (current->tlb_ubc) goes with it: the cpumask it records names the CPUs to flush wherever the flush runs, so a migrated reclaim task is safe without a barrier on the CPU it left."),
                switch_text(model, cpu, next, effects),
            ]);
            Some(n)
        }
        Op::CondResched if !nothing => {
            let to = effects
                .iter()
                .find_map(|e| match *e {
                    Effect::ContextSwitch { to, .. } => Some(to),
                    _ => None,
                })
                .unwrap_or(task);
            n.headline = format!("cond_resched: switch to {}", s.task(to).name);
            n.function = Some(switch_fn(arch));
            n.notes.push("no TLB flush".into());
            n.text = join(&[
                format!(
                    "cond_resched(): {tname} lets {} run on {cpu}.",
                    s.task(to).name
                ),
                switch_text(model, cpu, Some(to), effects),
            ]);
            Some(n)
        }
        _ => None,
    }
}

/// Why a stale entry survived on x86 or riscv, from the state the access met.
pub fn why_not_flushed(model: &Model, before: &Machine, cpu: CpuId, entry: &TlbEntry) -> String {
    let s = model.scenario();
    let page = s.page_name(entry.page);
    let mut parts = Vec::new();
    let waiting: Vec<CpuId> = before
        .ipis
        .iter()
        .filter(|i| i.pending.contains(cpu) && i.range.covers(entry.page))
        .map(|i| i.sender)
        .collect();
    if waiting.is_empty() {
        parts.push(format!(
            "No flush of {page} has been asked of {cpu}: its entry stays until {cpu} flushes its own TLB."
        ));
    } else {
        let names: Vec<String> = waiting.iter().map(|c| c.to_string()).collect();
        parts.push(format!(
            "{} sent {cpu} a flush IPI that {cpu} has not taken yet, but the call that returned did not wait for it.",
            list(names.iter().map(String::as_str))
        ));
    }
    let b = before.tlb_flush_batched;
    if b.pending > 0 {
        match model.mitigation() {
            Mitigation::None => parts.push("This kernel's walkers never call flush_tlb_batched_pending() (it predates 3ea277194daa), so mprotect() returned while reclaim's batch was still owed: nothing had asked this CPU to flush.".into()),
            Mitigation::LocalFlush => parts.push(format!("flush_tlb_batched_pending() on this teaching kernel flushed only the walker's own CPU and marked the batch flushed; {cpu}'s TLB was never asked. flush_tlb_mm() would have interrupted {cpu} and waited for it.")),
            _ => {}
        }
    }
    join(&parts)
}

/// The commit that closes the hole this violation shows, on x86 or riscv.
pub fn violation_commit(model: &Model, before: &Machine) -> Option<kernel::Commit> {
    (before.tlb_flush_batched.pending > 0
        && matches!(
            model.mitigation(),
            Mitigation::None | Mitigation::LocalFlush
        ))
    .then_some(kernel::COMMIT_GENERIC_FIX)
}
