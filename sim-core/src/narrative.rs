//! Puts an applied event into words: a short headline and notes for diagrams and
//! the history list, a plain-English explanation, and the kernel source behind it.

use serde::Serialize;

use crate::effect::{Effect, FaultKind};
use crate::event::Event;
use crate::kernel::{self, Commit, KernelRef};
use crate::machine::{Machine, TlbEntry, TlbiTarget, ViolationKind};
use crate::mitigation::Mitigation;
use crate::model::{CpuAction, Model};
use crate::op::{CpuId, Op, PageId, Syscall, TableId, TaskId};

mod ipi;
pub use ipi::{RISCV_RULE, X86_RULE};

/// The Arm architecture rule the race hinges on, as the Arm ARM states it.
pub const ARM_RULE: &str = "Arm ARM: the completion of a TLB maintenance instruction is guaranteed only by the execution of a DSB by the observer that performed it; a DSB by a different observer does not have this effect.";

/// The explanation of one applied event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Narrative {
    /// The CPU the event happened on (the receiving CPU for a delivery).
    pub cpu: CpuId,
    /// A few words naming the step, e.g. `set_tlb_ubc_flush_pending(P)`.
    pub headline: String,
    /// Short outcomes, e.g. `TLB hit: P rw`, `STALE WRITE`.
    pub notes: Vec<String>,
    /// What happened and why, in plain English.
    pub text: String,
    /// The kernel function this step stands for.
    pub function: Option<KernelRef>,
    /// The commit that matters for this step, if one does.
    pub commit: Option<Commit>,
    /// The architecture rule this step relies on, if one does.
    pub architecture: Option<&'static str>,
}

/// A page as users see it: `P (VA 0x400000)`.
fn page_va(model: &Model, page: PageId) -> String {
    let p = model.scenario().page(page);
    format!("{} (VA {:#x})", p.name, u64::from(p.vpn) << 12)
}

fn perm(writable: bool) -> &'static str {
    if writable {
        "read-write"
    } else {
        "read-only"
    }
}

fn short_perm(writable: bool) -> &'static str {
    if writable {
        "rw"
    } else {
        "ro"
    }
}

fn target_text(model: &Model, target: TlbiTarget) -> String {
    match target {
        TlbiTarget::Va { page, .. } => {
            format!("tlbi vale1is for {}", model.scenario().page_name(page))
        }
        TlbiTarget::Asid { asid } => format!("tlbi aside1is for ASID {asid}"),
    }
}

fn short_target(model: &Model, target: TlbiTarget) -> String {
    match target {
        TlbiTarget::Va { page, .. } => format!("tlbi {}", model.scenario().page_name(page)),
        TlbiTarget::Asid { asid } => format!("tlbi asid {asid}"),
    }
}

/// What the TLBIs and DSBs among `effects` did, in words: the DSB first (it is
/// the cause), then the entries each CPU lost, one sentence per CPU and issuer.
fn flush_text(model: &Model, effects: &[Effect]) -> String {
    let mut parts = Vec::new();
    for e in effects {
        if let Effect::Dsb { cpu, completed, .. } = *e {
            parts.push(match completed {
                0 => format!("dsb(ish) on {cpu} completes no TLBI: {cpu} has none in flight."),
                1 => format!("dsb(ish) on {cpu} completes the TLBI {cpu} issued, on every CPU."),
                n => {
                    format!("dsb(ish) on {cpu} completes the {n} TLBIs {cpu} issued, on every CPU.")
                }
            });
        }
    }
    for ((cpu, issuer), entries) in losses(effects) {
        let pages = list(entries.iter().map(|e| model.scenario().page_name(e.page)));
        let writable = entries.iter().filter(|e| e.writable).count();
        let kind = match writable {
            w if w == entries.len() => "read-write ",
            0 => "read-only ",
            _ => "",
        };
        let plural = if entries.len() == 1 {
            "entry"
        } else {
            "entries"
        };
        parts.push(format!(
            "{cpu} loses its {kind}{plural} for {pages} (TLBI from {issuer})."
        ));
    }
    parts.join(" ")
}

/// The TLB entries that `effects` invalidated, grouped by losing CPU and issuer,
/// in the order they first happened.
fn losses(effects: &[Effect]) -> Vec<((CpuId, CpuId), Vec<TlbEntry>)> {
    let mut groups: Vec<((CpuId, CpuId), Vec<TlbEntry>)> = Vec::new();
    for e in effects {
        if let Effect::TlbInvalidate { cpu, entry, issuer } = *e {
            match groups.iter_mut().find(|(key, _)| *key == (cpu, issuer)) {
                Some((_, entries)) => entries.push(entry),
                None => groups.push(((cpu, issuer), vec![entry])),
            }
        }
    }
    groups
}

/// `a`, `a and b`, `a, b and c`.
fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// One short note per CPU that lost entries: `CPU1: Q, R gone`.
fn removed_notes(model: &Model, effects: &[Effect], notes: &mut Vec<String>) {
    let mut per_cpu: Vec<(CpuId, Vec<&str>)> = Vec::new();
    for ((cpu, _), entries) in losses(effects) {
        let names = entries.iter().map(|e| model.scenario().page_name(e.page));
        match per_cpu.iter_mut().find(|(c, _)| *c == cpu) {
            Some((_, pages)) => pages.extend(names),
            None => per_cpu.push((cpu, names.collect())),
        }
    }
    for (cpu, pages) in per_cpu {
        notes.push(format!("{cpu}: {} gone", pages.join(", ")));
    }
}

/// TLBIs still in flight after the event that target `page`, and the CPUs still
/// holding a writable entry for it: the danger, named.
fn leftovers(model: &Model, after: &Machine, page: PageId) -> String {
    let mut parts = Vec::new();
    for t in &after.tlbis {
        let hits_page = match t.target {
            TlbiTarget::Va { page: p, .. } => p == page,
            TlbiTarget::Asid { .. } => true,
        };
        if hits_page {
            parts.push(format!(
                "{}'s {} is still in flight (it has not reached {}).",
                t.issuer,
                target_text(model, t.target),
                list(
                    t.pending
                        .iter()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .iter()
                        .map(String::as_str)
                )
            ));
        }
    }
    let holders: Vec<String> = after
        .cpus
        .iter()
        .enumerate()
        .filter(|(_, cpu)| {
            cpu.tlb
                .lookup(model.scenario().asid(), page)
                .is_some_and(|e| e.writable && after.is_stale(e))
        })
        .map(|(c, _)| format!("CPU{c}"))
        .collect();
    let pname = model.scenario().page_name(page);
    match holders.as_slice() {
        [] => {}
        [one] => parts.push(format!(
            "{one}'s TLB still holds {pname} read-write: a stale entry."
        )),
        many => parts.push(format!(
            "The TLBs of {} still hold {pname} read-write: stale entries.",
            list(many.iter().map(String::as_str))
        )),
    }
    parts.join(" ")
}

fn join(parts: &[String]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Explains `event`, applied to `before`, which produced `effects` and `after`.
pub fn narrate(
    model: &Model,
    before: &Machine,
    event: Event,
    effects: &[Effect],
    after: &Machine,
) -> Narrative {
    match event {
        Event::Deliver { tlbi, to } => {
            let target = before
                .tlbi(tlbi.issuer, tlbi.nth)
                .map(|(_, t)| t.target)
                .unwrap_or(TlbiTarget::Asid {
                    asid: model.scenario().asid(),
                });
            let mut notes = vec![format!(
                "{} from {} arrives",
                short_target(model, target),
                tlbi.issuer
            )];
            removed_notes(model, effects, &mut notes);
            let removed = flush_text(model, effects);
            let text = join(&[
                format!(
                    "{}'s {} reaches {to}'s TLB.",
                    tlbi.issuer,
                    target_text(model, target)
                ),
                if removed.is_empty() {
                    format!("{to} holds no matching entry, so nothing changes there.")
                } else {
                    removed
                },
                "Hardware may deliver a broadcast TLBI at any moment after it is issued; only a DSB on the issuing CPU forces it everywhere.".to_string(),
            ]);
            Narrative {
                cpu: to,
                headline: notes.remove(0),
                notes,
                text,
                function: None,
                commit: None,
                architecture: Some(ARM_RULE),
            }
        }
        Event::Ipi { from, to } => ipi::ipi_event(model, before, from, to, effects, after),
        Event::Step(cpu) => match model.next_action(before, cpu) {
            Some(CpuAction::Run { task, op }) => {
                step_narrative(model, before, after, cpu, task, &op, effects)
            }
            Some(CpuAction::Switch { from, to }) => {
                switch_narrative(model, cpu, from, to, effects, after)
            }
            None => Narrative {
                cpu,
                headline: "nothing".into(),
                notes: Vec::new(),
                text: format!("{cpu} has nothing to do."),
                function: None,
                commit: None,
                architecture: None,
            },
        },
    }
}

/// Why a PTE is not present, from what it holds: a swap entry means reclaim
/// unmapped the page; otherwise it is empty.
fn why_absent(pte: crate::machine::Pte) -> &'static str {
    if pte.swap {
        "reclaim unmapped it and left a swap entry"
    } else {
        "it is empty: never mapped, zapped or moved away"
    }
}

/// 3ea277194daa matters at a walk that skips a PTE reclaim cleared while its flush
/// is still owed to this mm: that is the case the commit is about.
fn pending_commit(before: &Machine, pte: crate::machine::Pte) -> Option<Commit> {
    (pte.swap && before.tlb_flush_batched.pending > 0).then_some(kernel::COMMIT_GENERIC_FIX)
}

fn switch_narrative(
    model: &Model,
    cpu: CpuId,
    from: Option<TaskId>,
    to: TaskId,
    effects: &[Effect],
    after: &Machine,
) -> Narrative {
    let s = model.scenario();
    let to_name = &s.task(to).name;
    let mut n = Narrative {
        cpu,
        headline: format!("__switch_to({to_name})"),
        notes: Vec::new(),
        text: String::new(),
        function: Some(kernel::SWITCH_TO),
        commit: None,
        architecture: None,
    };
    if model.arch().uses_ipis() {
        let prev = match from {
            Some(t) => s.task(t).name.clone(),
            None => "the idle task".to_string(),
        };
        n.function = Some(ipi::switch_fn(model.arch()));
        let (switch, note) = ipi::switch_text(model, after, cpu, Some(to), effects);
        n.notes.push(note.into());
        n.text = join(&[
            format!("The scheduler on {cpu} switches from {prev} to {to_name}."),
            switch,
        ]);
        return n;
    }
    let prev = match from {
        Some(t) if after.cpus[cpu.index()].queue.contains(&t) => {
            format!(
                "{} (it spins in its wait: the scheduler runs another task meanwhile, and it spins again when its turn comes)",
                s.task(t).name
            )
        }
        Some(t) => format!("{} (finished here)", s.task(t).name),
        None => "the idle task".to_string(),
    };
    if s.switch_to_dsb() {
        n.notes.push("dsb(ish)".into());
        removed_notes(model, effects, &mut n.notes);
        n.text = join(&[
            format!("The scheduler on {cpu} switches from {prev} to {to_name}. __switch_to() executes dsb(ish) on {cpu}, which completes every TLBI {cpu} issued."),
            flush_text(model, effects),
            others_in_flight(model, after, cpu),
        ]);
        n.architecture = Some(ARM_RULE);
    } else {
        n.notes.push("no dsb (hypothetical)".into());
        n.text = format!("The scheduler on {cpu} switches from {prev} to {to_name}. On this hypothetical kernel __switch_to() has no dsb(ish).");
    }
    n
}

fn syscall_call(model: &Model, syscall: Syscall, task: TaskId, before: &Machine) -> String {
    // The call this step belongs to, as its pages name it: `mprotect(P, Q)`.
    let s = model.scenario();
    let t = s.task(task);
    let pc = usize::from(before.tasks[task.index()].pc);
    let call = t.call_of.get(pc).and_then(|c| t.calls.get(usize::from(*c)));
    let pages = call
        .map(|c| {
            c.pages()
                .into_iter()
                .map(|p| s.page_name(*p).to_string())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let name = match syscall {
        Syscall::Mprotect => "mprotect",
        Syscall::Munmap => "munmap",
        Syscall::MadviseDontneed => "madvise(MADV_DONTNEED)",
        Syscall::Mremap => "mremap",
    };
    match syscall {
        Syscall::MadviseDontneed => format!("madvise({}, MADV_DONTNEED)", pages.join(", ")),
        Syscall::Mremap => format!("mremap({})", pages.join(" -> ")),
        _ => format!("{name}({})", pages.join(", ")),
    }
}

fn step_narrative(
    model: &Model,
    before: &Machine,
    after: &Machine,
    cpu: CpuId,
    task: TaskId,
    op: &Op,
    effects: &[Effect],
) -> Narrative {
    let s = model.scenario();
    let name = |p: PageId| s.page_name(p).to_string();
    let who = format!("{} on {cpu}", s.task(task).name);
    let lock = |t: TableId| s.tables()[t.index()].lock_name();
    let mut n = Narrative {
        cpu,
        headline: match op.page() {
            Some(p) if op.mode() == crate::op::Mode::Kernel => {
                format!("{}({})", op.name(), name(p))
            }
            Some(p) => format!("{} {}", op.name(), name(p)),
            None => op.name().to_string(),
        },
        notes: Vec::new(),
        text: String::new(),
        function: op.kernel_ref(),
        commit: None,
        architecture: None,
    };
    if model.arch().uses_ipis() {
        if let Some(told) = ipi::step(
            model,
            before,
            after,
            cpu,
            task,
            op,
            effects,
            n.headline.clone(),
        ) {
            return told;
        }
    }
    let flushes = flush_text(model, effects);
    let nothing = effects
        .iter()
        .any(|e| matches!(e, Effect::NothingToDo { .. }));
    match *op {
        Op::Read { page } | Op::Write { page, .. } => {
            access_narrative(model, before, after, cpu, op, page, effects, &mut n);
        }
        Op::Signal { flag } => {
            n.headline = format!("signal {}", s.flags()[flag.index()]);
            n.text = format!("{who} sets flag {:?} (a release store to the flag that waiting tasks spin on): a task waiting for it may go on, and it sees everything this task did before.", s.flags()[flag.index()]);
        }
        Op::Wait { flag } => {
            n.headline = format!("wait {}", s.flags()[flag.index()]);
            n.text = format!("{who} sees flag {:?} set and goes on: what the signalling task did before (a system call that returned, say) is now ordered before what this task does next.", s.flags()[flag.index()]);
        }
        Op::PtepGetAndClear { page } => {
            n.headline = format!("try_to_unmap_one({})", name(page));
            if effects
                .iter()
                .any(|e| matches!(e, Effect::NotMapped { .. }))
            {
                n.notes.push("not mapped: nothing to unmap".into());
                n.text = format!("Reclaim ({who}), in try_to_unmap_one(), walks the reverse map of {}'s folio and finds no present PTE: nothing to unmap, nothing to flush.", name(page));
            } else {
                let va = effects
                    .iter()
                    .find_map(|e| match e {
                        Effect::PteChange { page, .. } => Some(*page),
                        _ => None,
                    })
                    .unwrap_or(page);
                let table = s.page(va).table;
                n.notes.push(format!("{} taken, PTE cleared", lock(table)));
                if effects
                    .iter()
                    .any(|e| matches!(e, Effect::FlushNotDeferred { .. }))
                {
                    let gen = effects.iter().find_map(|e| match e {
                        Effect::TlbGenBump { gen } => Some(*gen),
                        _ => None,
                    });
                    let local = effects
                        .iter()
                        .any(|e| matches!(e, Effect::LocalFlush { .. }));
                    n.notes.push("not deferred: flushed at once".into());
                    removed_notes(model, effects, &mut n.notes);
                    n.function = Some(kernel::X86_ARCH_TLBBATCH_SHOULD_DEFER);
                    n.text = format!(
                        "Reclaim ({who}), in try_to_unmap_one(): page_vma_mapped_walk() takes {} (the lock of the PTE table that maps {}). should_defer_flush() asks arch_tlbbatch_should_defer(), which on x86 batches only when a CPU other than {cpu} is in mm_cpumask(mm): it holds {}, so the flush is not deferred. ptep_clear_flush() clears the PTE and flush_tlb_page() -> flush_tlb_mm_range() flushes it at once{}{}, with no IPI: no other CPU can have cached it. Nothing is batched, so mm->tlb_flush_batched is left as it was.",
                        lock(table),
                        page_va(model, va),
                        if before.mm_cpumask.is_empty() { "no CPU".to_string() } else { format!("{} only", crate::narrative::ipi::cpus_text(before.mm_cpumask)) },
                        gen.map(|g| format!(" (the mm's TLB generation becomes {g})")).unwrap_or_default(),
                        if local { format!(", on {cpu} itself (its own flush_tlb_func())") } else { format!(" (the mm is not loaded on {cpu}, so there is nothing to flush here)") },
                    );
                    return n;
                }
                n.text = format!(
                    "Reclaim ({who}), in try_to_unmap_one(): page_vma_mapped_walk() takes {} (the lock of the PTE table that maps {}) and ptep_get_and_clear() clears the PTE. TLBs that cached {} keep their entries until {}.",
                    lock(table), page_va(model, va), name(va),
                    if model.arch().uses_ipis() { "their own CPU flushes them" } else { "a TLBI reaches them" }
                );
            }
        }
        Op::SetTlbUbcFlushPending { .. } => {
            if nothing
                && effects
                    .iter()
                    .any(|e| matches!(e, Effect::PtlRelease { .. }))
            {
                n.notes.push("not called: flushed already".into());
                n.notes.push("ptl dropped".into());
                n.text = "set_tlb_ubc_flush_pending() is not called: try_to_unmap_one() did not defer this flush (ptep_clear_flush() flushed the page already). page_vma_mapped_walk_done() drops the PTE table's lock.".into();
            } else if nothing {
                n.notes.push("nothing cleared".into());
                n.text = "set_tlb_ubc_flush_pending() is not reached: no PTE was cleared.".into();
            } else {
                let va = effects
                    .iter()
                    .find_map(|e| match e {
                        Effect::TlbiIssue {
                            target: TlbiTarget::Va { page, .. },
                            ..
                        } => Some(*page),
                        _ => None,
                    })
                    .unwrap_or(PageId(0));
                let ubc = after.tasks[task.index()].tlb_ubc;
                n.headline = format!("set_tlb_ubc_flush_pending({})", name(va));
                n.notes.push(format!("tlbi {} in flight, no DSB", name(va)));
                n.notes.push(format!("{} dropped", lock(s.page(va).table)));
                n.text = format!(
                    "set_tlb_ubc_flush_pending() defers the flush. On arm64, arch_tlbbatch_add_pending() issues a broadcast tlbi vale1is for {} from {cpu} without a completing DSB (43b3dfdd0455): the TLBI is in flight and may reach each CPU at any time. {}'s own batch (current->tlb_ubc) now needs a flush (flush_required{}), and mm->tlb_flush_batched records a pending batch (pending {}, flushed {}). page_vma_mapped_walk_done() drops {}.",
                    name(va), s.task(task).name,
                    if ubc.writable { ", writable: the cleared PTE was dirty" } else { "" },
                    after.tlb_flush_batched.pending, after.tlb_flush_batched.flushed,
                    lock(s.page(va).table)
                );
                n.commit = Some(kernel::COMMIT_ARM64_BATCH);
            }
        }
        Op::TryToUnmapFlushDirty | Op::TryToUnmapFlush => {
            let dirty = matches!(op, Op::TryToUnmapFlushDirty);
            if nothing {
                n.notes.push("nothing to flush".into());
                n.text = if dirty && before.tasks[task.index()].tlb_ubc.flush_required {
                    format!("try_to_unmap_flush_dirty(): {}'s batch holds no entry that was writable and dirty, so no stale entry can modify the page before it is written out; it flushes nothing yet.", s.task(task).name)
                } else {
                    format!("{}(): {}'s own batch (current->tlb_ubc) has no flush pending, so there is nothing to do. Other tasks' batches are theirs to flush.", op.name(), s.task(task).name)
                };
            } else {
                n.notes.push("dsb(ish)".into());
                removed_notes(model, effects, &mut n.notes);
                n.text = join(&[
                    format!("{}() completes {}'s batch: arch_tlbbatch_flush() executes dsb(ish) on {cpu}.{}", op.name(), s.task(task).name, if dirty { " It does so before the page is written out because the batch holds a dirty entry." } else { "" }),
                    flushes,
                    others_in_flight(model, after, cpu),
                ]);
                n.architecture = Some(ARM_RULE);
            }
        }
        Op::Pageout { page } => {
            n.notes.push(format!("{} written to swap", name(page)));
            n.function = Some(kernel::PAGEOUT);
            n.text = format!(
                "Reclaim writes {}'s contents ({}) to swap (pageout()). The frame {:#x} stays until it is freed, but from now on a store that lands in it is lost: swap holds the old contents.",
                name(page), before.frames[page.index()].data, s.page(page).pfn
            );
        }
        Op::FreeFolio { page } => {
            n.notes.push(format!("frame {:#x} freed", s.page(page).pfn));
            n.text = format!(
                "Reclaim frees {}'s frame ({:#x}): it may be reused for anything.",
                name(page),
                s.page(page).pfn
            );
        }
        Op::PteOffsetMapLock {
            syscall,
            tables,
            enters,
        } => {
            let names: Vec<String> = tables.iter().map(lock).collect();
            n.headline = format!("{}: {}", syscall.walker().function, "pte_offset_map_lock");
            let entry = if enters {
                n.notes.push(format!(
                    "mmap_lock ({})",
                    if syscall.writes_mmap_lock() {
                        "write"
                    } else {
                        "read"
                    }
                ));
                format!(
                    "{} on {cpu} takes mmap_lock for {}{}. ",
                    syscall_call(model, syscall, task, before),
                    if syscall.writes_mmap_lock() {
                        "writing, so no other mprotect, munmap or mremap of this mm runs until it returns"
                    } else {
                        "reading (other madvise calls may run alongside)"
                    },
                    if syscall.gathers() {
                        ", and tlb_gather_mmu() starts its mmu_gather"
                    } else {
                        ""
                    }
                )
            } else {
                String::new()
            };
            n.notes.push(format!("{} taken", names.join(" + ")));
            n.text = if names.len() == 2 {
                format!("{entry}{}() takes the old table's lock, {}, with pte_offset_map_lock(), and the new table's, {}, with spin_lock_nested(), and holds them over the whole move.", syscall.walker().function, names[0], names[1])
            } else {
                format!("{entry}{}() takes {} with pte_offset_map_lock() and holds it over the whole walk of the range.", syscall.walker().function, list(names.iter().map(String::as_str)))
            };
        }
        Op::FlushTlbBatchedPending { syscall } => {
            let counters = format!(
                "mm->tlb_flush_batched: pending {}, flushed {}",
                before.tlb_flush_batched.pending, before.tlb_flush_batched.flushed
            );
            let walker = syscall.walker().function;
            match model.mitigation() {
                Mitigation::None => {
                    n.headline = "(no flush_tlb_batched_pending)".into();
                    n.notes.push("not called (pre-3ea277194daa)".into());
                    n.text = format!("{walker}() on {cpu} goes straight on to the PTEs: this kernel predates 3ea277194daa, so no walker calls flush_tlb_batched_pending(), and a reclaim flush still pending for this mm is not waited for. (On x86 this is Nadav Amit's original race; on arm64 this kernel is hypothetical, since arm64 batching came years later.)");
                    n.commit = Some(kernel::COMMIT_GENERIC_FIX);
                    n.function = Some(syscall.walker());
                }
                _ if !before.tlb_flush_batched.flush_owed() => {
                    n.notes.push("nothing pending".into());
                    n.text = format!("{walker}() calls flush_tlb_batched_pending(). No batch is pending ({counters}), so there is nothing to flush.");
                }
                // LocalFlush is x86's and riscv's (Model::on refuses it here); an
                // unchecked arm64 model runs it as the dsb kernel.
                Mitigation::Dsb | Mitigation::LocalFlush => {
                    n.notes.push(format!("dsb(ish) on {cpu}"));
                    removed_notes(model, effects, &mut n.notes);
                    n.text = join(&[
                        format!("{walker}() calls flush_tlb_batched_pending(). A reclaim batch is pending ({counters}), so it calls arch_flush_tlb_batched_pending(), which on arm64 before the fix is a bare dsb(ish) (since 43b3dfdd0455), executed here on {cpu}."),
                        flushes,
                        others_in_flight(model, after, cpu),
                        if after.tlbis.iter().any(|t| t.issuer != cpu) {
                            "The batch is marked flushed all the same.".into()
                        } else {
                            "The batch is marked flushed.".into()
                        },
                    ]);
                    n.commit = Some(kernel::COMMIT_ARM64_BATCH);
                    n.architecture = Some(ARM_RULE);
                }
                Mitigation::FlushTlbMm => {
                    n.notes.push("flush_tlb_mm: tlbi asid + dsb".into());
                    removed_notes(model, effects, &mut n.notes);
                    n.text = join(&[
                        format!("{walker}() calls flush_tlb_batched_pending(). A reclaim batch is pending ({counters}), so it calls flush_tlb_mm(mm) (the fix, 4b634918384c; since v6.17 core code calls it directly): {cpu} broadcasts tlbi aside1is for ASID {} and waits for it with its own dsb(ish), so every CPU loses every entry of this mm.", s.asid()),
                        flushes,
                    ]);
                    n.commit = Some(kernel::COMMIT_ARM64_FIX);
                    n.function = Some(kernel::FLUSH_TLB_MM);
                }
            }
        }
        Op::ChangePte { page } => {
            let pte = before.ptes[page.index()];
            if pte.allows_write() {
                n.notes.push(format!("{} read-only, recorded", name(page)));
                n.text = format!("change_pte_range() makes {}'s PTE read-only and records the address in the mmu_gather (tlb_flush_pte_range()); the TLB flush comes after the walk, when the mmu_gather is flushed (tlb_end_vma() on arm64), before mprotect() returns.", page_va(model, page));
            } else if pte.present {
                n.notes.push("already read-only".into());
                n.text = format!("change_pte_range() finds {}'s PTE already read-only: nothing to change or record.", name(page));
            } else {
                n.notes.push("not present: nothing recorded".into());
                n.text = join(&[
                    format!("change_pte_range() finds {}'s PTE not present ({}): there is nothing to make read-only, so nothing is recorded for a flush.", name(page), why_absent(pte)),
                    leftovers(model, after, page),
                ]);
                n.commit = pending_commit(before, pte);
            }
        }
        Op::ZapPte { page } => {
            let pte = before.ptes[page.index()];
            if pte.present {
                n.notes.push(format!("{} cleared, recorded", name(page)));
                n.text = format!("zap_pte_range() clears {}'s PTE, records it in the mmu_gather (tlb_remove_tlb_entry()) and queues its page to be freed after the flush.", page_va(model, page));
            } else {
                n.notes.push("not present: nothing recorded".into());
                n.text = join(&[
                    if pte.swap {
                        format!("zap_pte_range() finds {}'s PTE not present ({}): it drops the swap entry; there is no present PTE, so nothing is recorded for a flush.", name(page), why_absent(pte))
                    } else {
                        format!("zap_pte_range() finds {}'s PTE empty (pte_none): nothing to clear, nothing recorded.", name(page))
                    },
                    leftovers(model, after, page),
                ]);
                n.commit = pending_commit(before, pte);
            }
        }
        Op::MovePte { page, to } => {
            let pte = before.ptes[page.index()];
            n.headline = format!("move_ptes({} -> {})", name(page), name(to));
            if pte.present {
                n.notes.push("moved, flush needed".into());
                n.text = format!("move_ptes() clears {}'s PTE and sets it at {}; it was present, so the old address must be flushed (force_flush).", page_va(model, page), page_va(model, to));
            } else {
                n.notes.push("not present: no flush".into());
                n.text = join(&[
                    format!("move_ptes() moves {}'s PTE to {}; it is not present ({}), so move_ptes() sees no reason to flush the old address.", name(page), name(to), why_absent(pte)),
                    leftovers(model, after, page),
                ]);
                n.commit = pending_commit(before, pte);
            }
        }
        Op::FlushTlbRange { page } => {
            if nothing {
                n.notes.push("no present PTE moved: skipped".into());
                n.text = format!("move_ptes() moved no present PTE, so it does not call flush_tlb_range() for {}.", name(page));
            } else {
                n.notes.push("tlbi + dsb".into());
                removed_notes(model, effects, &mut n.notes);
                n.text = join(&[format!("flush_tlb_range() for the old address {}: {cpu} broadcasts tlbi vale1is and waits for it with dsb(ish), still holding the locks.", page_va(model, page)), flushes]);
            }
        }
        Op::PteUnmapUnlock { syscall, tables } => {
            let names: Vec<String> = tables.iter().map(lock).collect();
            n.headline = format!("{}: pte_unmap_unlock", syscall.walker().function);
            n.notes.push(format!("{} dropped", names.join(" + ")));
            n.text = format!(
                "{}() is done with the range: pte_unmap_unlock() drops {}.",
                syscall.walker().function,
                list(names.iter().map(String::as_str))
            );
        }
        Op::TlbFinishMmu { syscall }
            if effects
                .iter()
                .any(|e| matches!(e, Effect::NestedFlush { .. })) =>
        {
            n.notes.push("nested: flush_tlb_mm".into());
            removed_notes(model, effects, &mut n.notes);
            n.text = join(&[
                format!("tlb_finish_mmu() sees another mmu_gather of this mm in progress (mm_tlb_flush_nested(), 99baac21e458): that call may have cleared PTEs this one skipped, so {} flushes the whole mm instead of its range: {cpu} broadcasts tlbi aside1is and waits with dsb(ish).", syscall_call(model, syscall, task, before)),
                flush_text(model, effects),
            ]);
        }
        Op::TlbFinishMmu { syscall } => {
            if nothing {
                n.notes.push("nothing recorded: no flush".into());
                n.text = join(&[
                    format!("The walk recorded no PTE it changed, so {} flushes nothing: neither tlb_end_vma() at the end of the VMA nor tlb_finish_mmu() has a range to flush.", syscall_call(model, syscall, task, before)),
                    still_in_flight(model, after),
                ]);
            } else {
                n.notes.push("tlbi + dsb".into());
                removed_notes(model, effects, &mut n.notes);
                let freed = effects
                    .iter()
                    .any(|e| matches!(e, Effect::FrameFreed { .. }));
                n.text = join(&[
                    format!("The mmu_gather's recorded range is flushed: on arm64 tlb_end_vma() (before tlb_finish_mmu()) calls __flush_tlb_range(), which issues tlbi vale1is for each page from {cpu} and waits with dsb(ish).{}", if freed { " Then tlb_finish_mmu() frees the queued pages." } else { "" }),
                    flushes,
                ]);
            }
        }
        Op::Return { syscall, pages } => {
            let names: Vec<String> = pages.iter().map(name).collect();
            n.headline = format!("{} returns", syscall_call(model, syscall, task, before));
            n.notes.push(match syscall {
                Syscall::Mprotect => format!("{} PROT_READ", names.join(", ")),
                _ => format!("{} unmapped", names.join(", ")),
            });
            let promise = match syscall {
                Syscall::Mprotect => format!(
                    "every write to {}, from any thread of the process, must fault",
                    list(names.iter().map(String::as_str))
                ),
                Syscall::MadviseDontneed => format!(
                    "no access to {} may see the old frame",
                    list(names.iter().map(String::as_str))
                ),
                _ => format!(
                    "every access to the old address of {} must fault",
                    list(names.iter().map(String::as_str))
                ),
            };
            let stale: Vec<String> = pages
                .iter()
                .map(|p| leftovers(model, after, p))
                .filter(|t| !t.is_empty())
                .collect();
            n.text = join(&[
                format!(
                    "{} returns to user space. From now on {promise}.",
                    syscall_call(model, syscall, task, before)
                ),
                stale.join(" "),
            ]);
        }
        Op::Migrate { to } => {
            n.headline = format!("{} migrates to {to}", s.task(task).name);
            if s.switch_to_dsb() {
                n.notes.push("dsb(ish)".into());
                removed_notes(model, effects, &mut n.notes);
                n.text = join(&[
                    format!("{} is moved from {cpu} to {to}. __switch_to() executes dsb(ish) on {cpu}, the CPU being left: it completes every TLBI {cpu} issued, which is what makes a migrated reclaim task safe.", s.task(task).name),
                    flushes,
                ]);
            } else {
                n.notes.push("no dsb (hypothetical)".into());
                n.text = join(&[
                    format!("{} is moved from {cpu} to {to}. On this hypothetical kernel __switch_to() has no dsb(ish), so nothing forces the TLBIs {cpu} issued to complete: they stay in flight until hardware delivers them, and a DSB on another CPU cannot complete them.", s.task(task).name),
                    still_in_flight(model, after),
                ]);
            }
            n.architecture = Some(ARM_RULE);
        }
        Op::CondResched => {
            if nothing {
                n.notes.push("nothing else to run".into());
                n.text = format!(
                    "cond_resched(): no other task waits for {cpu}, so {} goes on.",
                    s.task(task).name
                );
            } else {
                let to = effects
                    .iter()
                    .find_map(|e| match e {
                        Effect::ContextSwitch { to, .. } => Some(*to),
                        _ => None,
                    })
                    .unwrap_or(task);
                n.headline = format!("cond_resched: __switch_to({})", s.task(to).name);
                n.function = Some(kernel::SWITCH_TO);
                if s.switch_to_dsb() {
                    n.notes.push("dsb(ish)".into());
                    removed_notes(model, effects, &mut n.notes);
                    n.text = join(&[
                        format!("cond_resched(): {} lets {} run on {cpu}. __switch_to() executes dsb(ish) on {cpu}, which completes every TLBI {cpu} issued, this task's deferred ones included.", s.task(task).name, s.task(to).name),
                        flush_text(model, effects),
                        others_in_flight(model, after, cpu),
                    ]);
                    n.architecture = Some(ARM_RULE);
                } else {
                    n.notes.push("no dsb (hypothetical)".into());
                    n.text = format!("cond_resched(): {} lets {} run on {cpu}. On this hypothetical kernel __switch_to() has no dsb(ish).", s.task(task).name, s.task(to).name);
                }
            }
        }
        Op::TlbiVa { page } => {
            n.notes.push("in flight".into());
            n.text = format!(
                "{cpu} executes a broadcast tlbi vale1is for {}, without a DSB: it is in flight.",
                name(page)
            );
        }
        Op::TlbiAside => {
            n.notes.push("in flight".into());
            n.text = format!("{cpu} executes a broadcast tlbi aside1is for ASID {}, without a DSB: it is in flight.", s.asid());
        }
        Op::DsbIsh => {
            removed_notes(model, effects, &mut n.notes);
            n.text = join(&[flushes, others_in_flight(model, after, cpu)]);
            n.architecture = Some(ARM_RULE);
        }
    }
    n
}

/// Every TLBI still in flight after the event, or nothing if there is none.
fn still_in_flight(model: &Model, after: &Machine) -> String {
    let all: Vec<String> = after
        .tlbis
        .iter()
        .map(|t| format!("{}'s {}", t.issuer, target_text(model, t.target)))
        .collect();
    if all.is_empty() {
        String::new()
    } else {
        format!("Still in flight: {}.", list(all.iter().map(String::as_str)))
    }
}

/// TLBIs of other CPUs that a DSB on `cpu` did not complete.
fn others_in_flight(model: &Model, after: &Machine, cpu: CpuId) -> String {
    let others: Vec<String> = after
        .tlbis
        .iter()
        .filter(|t| t.issuer != cpu)
        .map(|t| format!("{}'s {}", t.issuer, target_text(model, t.target)))
        .collect();
    if others.is_empty() {
        String::new()
    } else {
        format!(
            "Still in flight: {}. A DSB on {cpu} does nothing for TLBIs another CPU issued.",
            others.join(", ")
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn access_narrative(
    model: &Model,
    before: &Machine,
    after: &Machine,
    cpu: CpuId,
    op: &Op,
    page: PageId,
    effects: &[Effect],
    n: &mut Narrative,
) {
    let s = model.scenario();
    let pname = s.page_name(page);
    let verb = match op {
        Op::Write { value, .. } => format!("{cpu} writes {value} to {}.", page_va(model, page)),
        _ => format!("{cpu} reads {}.", page_va(model, page)),
    };
    let mut parts = vec![verb];
    for e in effects {
        match *e {
            Effect::TlbHit { entry, .. } => {
                n.notes
                    .push(format!("TLB hit: {pname} {}", short_perm(entry.writable)));
                parts.push(format!(
                    "The TLB holds {pname} -> frame {:#x}, {}, so no page-table walk happens.",
                    entry.pfn,
                    perm(entry.writable)
                ));
                if before.is_stale(&entry) {
                    parts.push(format!(
                        "But {pname}'s PTE no longer allows this: the entry is stale."
                    ));
                }
            }
            Effect::TlbMiss { .. } => {
                n.notes.push("TLB miss".into());
                parts.push("TLB miss: the CPU walks the page table.".into());
            }
            Effect::TlbEvict { entry, .. } => parts.push(format!(
                "The TLB is full: the least recently used entry ({}) is evicted.",
                s.page_name(entry.page)
            )),
            Effect::TlbFill { entry, .. } => {
                n.notes
                    .push(format!("fill {pname} {}", short_perm(entry.writable)));
                parts.push(format!(
                    "The PTE is present (frame {:#x}, {}), so the translation is cached.",
                    entry.pfn,
                    perm(entry.writable)
                ));
            }
            Effect::Fault {
                kind: FaultKind::Translation,
                ..
            } => {
                n.notes.push("fault: not present".into());
                n.function = Some(ipi::fault_fn(model.arch()));
                parts.push(format!("{pname}'s PTE is not present: translation fault."));
                parts.push(if before.unmapped.contains(page) && dontneed_only(model, page) {
                    "The VMA is still there after MADV_DONTNEED, so the fault handler maps a fresh zero page (do_anonymous_page()); the old frame is not seen: the promise held. The model ends this access here.".to_string()
                } else if before.unmapped.contains(page) {
                    "The address is no longer mapped, so the fault handler sends SIGSEGV: the promise held.".to_string()
                } else if matches!(op, Op::Write { .. }) && before.prot_read.contains(page) {
                    "The fault handler finds the mapping read-only since mprotect(PROT_READ) and sends SIGSEGV: the promise held.".to_string()
                } else if before.ptes[page.index()].swap {
                    "The fault handler would map the page again, from the swap cache or from swap; the model ends this access here.".to_string()
                } else {
                    "Nothing is mapped there: the fault handler sends SIGSEGV.".to_string()
                });
                parts.push(ipi::no_fault_caching(model.arch()).into());
            }
            Effect::Fault {
                kind: FaultKind::Permission,
                ..
            } => {
                n.notes.push("fault: read-only".into());
                n.function = Some(ipi::fault_fn(model.arch()));
                parts.push(if before.prot_read.contains(page) {
                    "Permission fault: the kernel sends SIGSEGV, as mprotect(PROT_READ) promised: the promise held."
                        .to_string()
                } else {
                    "Permission fault: the translation is read-only.".to_string()
                });
            }
            Effect::Read { value, .. } => parts.push(format!("It reads {value}.")),
            Effect::Write { .. } => {}
            Effect::Violation(v) => {
                let (note, what) = match v.kind {
                    ViolationKind::StaleWrite => ("**STALE WRITE**", format!("The write succeeds: a STALE WRITE. mprotect({pname}, PROT_READ) has returned, so this write should have faulted.")),
                    ViolationKind::AccessAfterUnmap => ("**ACCESS AFTER UNMAP**", format!("The access succeeds: an ACCESS AFTER UNMAP. The call that unmapped {pname} has returned, so this access should have faulted; it reached frame {:#x} through the old address.", v.entry.pfn)),
                    ViolationKind::LostWrite => {
                        let frame = s.frame_of(v.entry.pfn).map(|f| before.frames[f]);
                        let what = match frame {
                            Some(f) if f.freed => "was already freed: the data lands in memory that may belong to anything now",
                            _ => "was already written to swap: this data will never reach swap, and the frame will be freed",
                        };
                        ("**LOST WRITE**", format!("The write succeeds: a LOST WRITE. Frame {:#x} {what}.", v.entry.pfn))
                    }
                    ViolationKind::Deadlock => ("**DEADLOCK**", String::new()),
                };
                n.notes.push(note.into());
                let arch = model.arch();
                n.architecture = Some(if arch.uses_ipis() {
                    ipi::rule(arch)
                } else {
                    ARM_RULE
                });
                n.commit = if arch.uses_ipis() {
                    ipi::violation_commit(model, before)
                } else {
                    violation_commit(model, before, cpu, &v.entry)
                };
                if !parts.contains(&what) {
                    parts.push(what);
                }
                let why = if arch.uses_ipis() {
                    ipi::why_not_flushed(model, before, cpu, &v.entry)
                } else {
                    why_not_flushed(model, before, cpu, &v.entry)
                };
                if !parts.contains(&why) {
                    parts.push(why);
                }
            }
            _ => {}
        }
    }
    let _ = after;
    n.text = join(&parts);
}

/// Why the stale entry survived, from the state the access met: which TLBIs that
/// would remove it had not reached this CPU, whether a walker's
/// flush_tlb_batched_pending() marked the batch flushed all the same, and what
/// only the issuer's DSB could have done.
fn why_not_flushed(model: &Model, before: &Machine, cpu: CpuId, entry: &TlbEntry) -> String {
    let s = model.scenario();
    let pending: Vec<(CpuId, TlbiTarget)> = before
        .tlbis
        .iter()
        .filter(|t| t.pending.contains(cpu) && t.target.matches(entry))
        .map(|t| (t.issuer, t.target))
        .collect();
    let mut parts = Vec::new();
    if pending.is_empty() {
        parts.push(format!(
            "No TLBI now in flight would remove {cpu}'s entry for {}.",
            s.page_name(entry.page)
        ));
    } else {
        let issuers: Vec<String> = pending
            .iter()
            .map(|(i, t)| format!("{i}'s {}", target_text(model, *t)))
            .collect();
        parts.push(format!("{} has not reached {cpu} yet, and only a dsb(ish) on the issuing CPU forces it: {} has executed none since it issued it.", list(issuers.iter().map(String::as_str)), list(pending.iter().map(|(i, _)| i.to_string()).collect::<Vec<_>>().iter().map(String::as_str))));
        for (issuer, _) in &pending {
            if let Some(t) = before.current(*issuer) {
                let on_issuer = s.task(t);
                if !s.switch_to_dsb() {
                    parts.push(format!("{issuer} now runs {}: the task that issued the TLBI left without a DSB on this hypothetical kernel.", on_issuer.name));
                }
            } else if !s.switch_to_dsb() {
                parts.push(format!("The task that issued it left {issuer} without a DSB (this kernel's __switch_to() has none)."));
            }
        }
    }
    let b = before.tlb_flush_batched;
    let reclaim_tlbi = !pending.is_empty() && b.pending > 0;
    if reclaim_tlbi && !b.flush_owed() && model.mitigation() == Mitigation::Dsb {
        parts.push("A walker's flush_tlb_batched_pending() saw the pending batch and marked it flushed after a dsb(ish) on its own CPU, which completes only that CPU's TLBIs. The fix, 4b634918384c, calls flush_tlb_mm() instead.".into());
    } else if reclaim_tlbi && model.mitigation() == Mitigation::None && walked(model) {
        parts.push("This kernel's walkers never call flush_tlb_batched_pending() (it predates 3ea277194daa), so the walk did not wait for reclaim's TLBI.".into());
    }
    join(&parts)
}

/// Whether `page` leaves the mapping only through MADV_DONTNEED (no munmap or
/// mremap names it), so that its VMA stays.
fn dontneed_only(model: &Model, page: PageId) -> bool {
    let calls = || model.scenario().tasks().iter().flat_map(|t| &t.calls);
    calls()
        .any(|c| matches!(c, crate::op::Call::MadviseDontneed { pages } if pages.contains(&page)))
        && !calls().any(|c| match c {
            crate::op::Call::Munmap { pages } => pages.contains(&page),
            crate::op::Call::Mremap { page: p, .. } => *p == page,
            _ => false,
        })
}

/// Whether some task of the scenario walks page tables (mprotect, munmap, ...).
fn walked(model: &Model) -> bool {
    model.scenario().tasks().iter().any(|t| {
        t.steps
            .iter()
            .any(|op| matches!(op, Op::FlushTlbBatchedPending { .. }))
    })
}

/// The commit that fixed the violation this state shows, from the state: the arm64
/// fix when a walker marked reclaim's batch flushed with a DSB that could not
/// complete the TLBI that would remove `entry`; the generic fix when no walker
/// called flush_tlb_batched_pending() at all; none otherwise.
fn violation_commit(
    model: &Model,
    before: &Machine,
    cpu: CpuId,
    entry: &TlbEntry,
) -> Option<Commit> {
    let b = before.tlb_flush_batched;
    let surviving = before
        .tlbis
        .iter()
        .any(|t| t.pending.contains(cpu) && t.target.matches(entry));
    if !surviving || b.pending == 0 || !walked(model) {
        return None;
    }
    match model.mitigation() {
        Mitigation::Dsb if !b.flush_owed() => Some(kernel::COMMIT_ARM64_FIX),
        Mitigation::None => Some(kernel::COMMIT_GENERIC_FIX),
        _ => None,
    }
}
