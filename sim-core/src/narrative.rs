//! Puts an applied event into words: a short headline and notes for diagrams and
//! the history list, a plain-English explanation, and the kernel source behind it.

use serde::Serialize;

use crate::effect::{Effect, FaultKind};
use crate::event::Event;
use crate::kernel::{self, Commit, KernelRef};
use crate::machine::{Machine, TlbEntry, TlbiTarget, ViolationKind};
use crate::mitigation::Mitigation;
use crate::model::Model;
use crate::op::{CpuId, Op, PageId};

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
        if let Effect::Dsb { cpu, completed } = *e {
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
                t.pending
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
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

/// Explains `event`, applied to `before`, which produced `effects`.
pub fn narrate(model: &Model, before: &Machine, event: Event, effects: &[Effect]) -> Narrative {
    let mut after = before.clone();
    // Re-applying is cheap and keeps this function's inputs minimal; an error here
    // would mean the caller passed effects of another event.
    let _ = model.apply_in_place(&mut after, event, &mut Vec::new());
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
        Event::Step(cpu) => {
            let op = model.next_op(before, cpu).cloned().unwrap_or(Op::DsbIsh);
            step_narrative(model, before, &after, cpu, &op, effects)
        }
    }
}

fn step_narrative(
    model: &Model,
    before: &Machine,
    after: &Machine,
    cpu: CpuId,
    op: &Op<PageId>,
    effects: &[Effect],
) -> Narrative {
    let s = model.scenario();
    let name = |p: PageId| s.page_name(p).to_string();
    let mut n = Narrative {
        cpu,
        headline: match op.page() {
            Some(p) if op.mode() == crate::op::Mode::Kernel => {
                format!("{}({})", op.name(), name(*p))
            }
            Some(p) => format!("{} {}", op.name(), name(*p)),
            None => op.name().to_string(),
        },
        notes: Vec::new(),
        text: String::new(),
        function: op.kernel_ref(),
        commit: None,
        architecture: None,
    };
    let flushes = flush_text(model, effects);
    match *op {
        Op::Read { page } | Op::Write { page, .. } => {
            access_narrative(model, before, after, cpu, op, page, effects, &mut n);
        }
        Op::PtepGetAndClear { page } => {
            n.notes.push("PTL taken, PTE cleared".into());
            n.text = format!(
                "Reclaim on {cpu}, in try_to_unmap_one(), takes the page-table lock and clears {}'s PTE with ptep_get_and_clear(). TLBs that cached {} keep their entries until a TLBI reaches them.",
                page_va(model, page),
                name(page)
            );
        }
        Op::SetTlbUbcFlushPending { page } => {
            n.notes
                .push(format!("tlbi {} in flight, no DSB", name(page)));
            n.notes.push("PTL dropped".into());
            n.text = format!(
                "set_tlb_ubc_flush_pending() defers the flush. On arm64, arch_tlbbatch_add_pending() issues a broadcast tlbi vale1is for {} without the completing DSB (43b3dfdd0455): the TLBI is in flight and may reach each CPU at any time. The task's batch is marked (tlb_ubc.flush_required) and mm->tlb_flush_batched records a pending batch (pending {}, flushed {}). {cpu} drops the page-table lock.",
                name(page),
                after.tlb_flush_batched.pending,
                after.tlb_flush_batched.flushed
            );
            n.commit = Some(kernel::COMMIT_ARM64_BATCH);
        }
        Op::TryToUnmapFlush => {
            if before.tlb_ubc_flush_required {
                n.notes.push("dsb(ish)".into());
                removed_notes(model, effects, &mut n.notes);
                n.text = join(&[
                    format!("try_to_unmap_flush() completes the task's batch before the page may be written out: arch_tlbbatch_flush() executes dsb(ish) on {cpu}."),
                    flushes,
                    others_in_flight(model, after, cpu),
                ]);
                n.architecture = Some(ARM_RULE);
            } else {
                n.notes.push("no batch pending".into());
                n.text = "try_to_unmap_flush(): this task has no batched flush pending, so there is nothing to do.".into();
            }
        }
        Op::SwapWritepage { page } => {
            n.notes.push(format!("{} in swap, frame freed", name(page)));
            n.text = format!(
                "Reclaim writes {}'s contents ({}) to swap and frees frame {:#x}. A write through any TLB entry for {} left anywhere would now be lost.",
                name(page),
                before.frames[page.index()].data,
                s.page(page).pfn,
                name(page)
            );
        }
        Op::FlushTlbBatchedPending => {
            let counters = format!(
                "mm->tlb_flush_batched: pending {}, flushed {}",
                before.tlb_flush_batched.pending, before.tlb_flush_batched.flushed
            );
            let owed = before.tlb_flush_batched.flush_owed();
            n.notes.push("PTL taken".into());
            match model.mitigation() {
                Mitigation::None => {
                    // The kernel takes the lock here but calls no flush_tlb_batched_pending():
                    // the headline must not name a function that does not run.
                    n.headline = "pte_offset_map_lock".into();
                    n.notes
                        .push("no flush_tlb_batched_pending (pre-3ea277194daa)".into());
                    n.text = format!("mprotect() on {cpu}: change_pte_range() takes the page-table lock. This kernel predates 3ea277194daa, so it does not call flush_tlb_batched_pending(): a reclaim flush still pending for this mm is not waited for.");
                    n.commit = Some(kernel::COMMIT_GENERIC_FIX);
                    n.function = Some(kernel::CHANGE_PTE_RANGE);
                }
                _ if !owed => {
                    n.notes.push("nothing pending".into());
                    n.text = format!("mprotect() on {cpu}: change_pte_range() takes the page-table lock and calls flush_tlb_batched_pending(). No batch is pending ({counters}), so there is nothing to flush.");
                }
                Mitigation::Dsb => {
                    n.notes.push("dsb(ish) on own CPU".into());
                    removed_notes(model, effects, &mut n.notes);
                    n.text = join(&[
                        format!("mprotect() on {cpu}: change_pte_range() takes the page-table lock and calls flush_tlb_batched_pending(). A reclaim batch is pending ({counters}), so it calls arch_flush_tlb_batched_pending(), which on this arm64 kernel is a bare dsb(ish) (db6c1f6f236d)."),
                        flushes,
                        others_in_flight(model, after, cpu),
                        if after.tlbis.iter().any(|t| t.issuer != cpu) {
                            "The batch is marked flushed all the same.".into()
                        } else {
                            "The batch is marked flushed.".into()
                        },
                    ]);
                    n.commit = Some(kernel::COMMIT_ARCH_HOOK);
                    n.architecture = Some(ARM_RULE);
                }
                Mitigation::FlushTlbMm => {
                    n.notes.push("flush_tlb_mm: tlbi asid + dsb".into());
                    removed_notes(model, effects, &mut n.notes);
                    n.text = join(&[
                        format!("mprotect() on {cpu}: change_pte_range() takes the page-table lock and calls flush_tlb_batched_pending(). A reclaim batch is pending ({counters}), so it calls flush_tlb_mm(mm) (the fix, 4b634918384c; since v6.17 core code calls it directly): {cpu} broadcasts tlbi aside1is for ASID {} and waits for it with its own dsb(ish), so every CPU loses every entry of this mm.", s.asid()),
                        flushes,
                    ]);
                    n.commit = Some(kernel::COMMIT_ARM64_FIX);
                    n.function = Some(kernel::FLUSH_TLB_MM);
                }
            }
        }
        Op::ChangePteRange { page } => {
            let pte = before.ptes[page.index()];
            if pte.allows_write() {
                n.notes.push(format!("{} made read-only", name(page)));
                n.notes.push("flush_tlb_range: tlbi + dsb".into());
                removed_notes(model, effects, &mut n.notes);
                n.text = join(&[
                    format!("change_pte_range() makes {}'s PTE read-only and drops the page-table lock; flush_tlb_range() then broadcasts tlbi vale1is for {} and waits with dsb(ish) on {cpu}.", page_va(model, page), name(page)),
                    flushes,
                ]);
            } else if pte.present {
                n.notes.push("already read-only".into());
                n.text = format!("change_pte_range() finds {}'s PTE already read-only: nothing to change, nothing to flush. It drops the page-table lock.", name(page));
            } else {
                n.notes.push("PTE not present: no flush".into());
                n.text = join(&[
                    format!("change_pte_range() finds {}'s PTE not present (reclaim cleared it): there is nothing to make read-only, so nothing is flushed. It drops the page-table lock.", name(page)),
                    leftovers(model, after, page),
                ]);
                n.commit = Some(kernel::COMMIT_GENERIC_FIX);
            }
        }
        Op::MprotectReturn { page } => {
            n.headline = format!("mprotect({}) returns", name(page));
            n.notes.push(format!("{} is PROT_READ", name(page)));
            n.text = join(&[
                format!("mprotect({}, PROT_READ) returns to user space. From now on every write to {}, from any thread of the process, must fault.", name(page), name(page)),
                leftovers(model, after, page),
            ]);
        }
        Op::SwitchTo { to } => {
            n.headline = format!("__switch_to (to {to})");
            if s.switch_to_dsb() {
                n.notes.push("dsb(ish)".into());
                removed_notes(model, effects, &mut n.notes);
                n.text = join(&[
                    format!("The reclaim task is switched out of {cpu} and continues on {to}. __switch_to() executes dsb(ish) on {cpu}, the CPU being left: this is what makes a migrated reclaim task safe."),
                    flushes,
                ]);
            } else {
                n.notes.push("no dsb (hypothetical)".into());
                n.text = join(&[
                    format!("The reclaim task is switched out of {cpu} and continues on {to}. On this hypothetical kernel __switch_to() has no dsb(ish), so nothing forces the TLBIs {cpu} issued to complete: they stay in flight until hardware delivers them, and a DSB on another CPU cannot complete them."),
                    still_in_flight(model, after),
                ]);
            }
            n.architecture = Some(ARM_RULE);
        }
        Op::SwitchIn { from } => {
            n.headline = format!("resume (from {from})");
            n.text = format!("The reclaim task resumes on {cpu}, where it left {from}.");
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
    op: &Op<PageId>,
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
                n.function = Some(kernel::DO_PAGE_FAULT);
                parts.push(format!(
                    "{pname}'s PTE is not present (reclaim cleared it): translation fault."
                ));
                parts.push(if matches!(op, Op::Write { .. }) && before.prot_read[page.index()] {
                    "The fault handler finds the mapping read-only since mprotect(PROT_READ) and sends SIGSEGV, as promised.".to_string()
                } else {
                    "The fault handler would map the page again, from the swap cache or from swap; the model ends this access here.".to_string()
                });
                parts.push("Armv8 TLBs never cache a faulting translation.".into());
            }
            Effect::Fault {
                kind: FaultKind::Permission,
                ..
            } => {
                n.notes.push("fault: read-only".into());
                n.function = Some(kernel::DO_PAGE_FAULT);
                parts.push(if before.prot_read[page.index()] {
                    "Permission fault: the kernel sends SIGSEGV, as mprotect(PROT_READ) promised."
                        .to_string()
                } else {
                    "Permission fault: the translation is read-only.".to_string()
                });
            }
            Effect::Read { value, .. } => parts.push(format!("It reads {value}.")),
            Effect::Write { .. } => {}
            Effect::Violation(v) => match v.kind {
                ViolationKind::StaleWrite => {
                    n.notes.push("**STALE WRITE**".into());
                    n.commit = Some(match model.mitigation() {
                        Mitigation::None => kernel::COMMIT_GENERIC_FIX,
                        Mitigation::Dsb => kernel::COMMIT_ARM64_FIX,
                        Mitigation::FlushTlbMm => kernel::COMMIT_ARM64_FIX,
                    });
                    n.architecture = Some(ARM_RULE);
                    parts.push(format!(
                        "The write succeeds: a STALE WRITE. mprotect({pname}, PROT_READ) has returned, so this write should have faulted."
                    ));
                    parts.push(why_not_flushed(model, before, cpu, page));
                }
                ViolationKind::LostWrite => {
                    n.notes.push("**LOST WRITE**".into());
                    n.architecture = Some(ARM_RULE);
                    parts.push(format!(
                        "The write succeeds: a LOST WRITE. {pname} was already written to swap and its frame freed, so this data will never reach swap (and a reused frame would be corrupted)."
                    ));
                    parts.push(why_not_flushed(model, before, cpu, page));
                }
            },
            _ => {}
        }
    }
    let _ = after;
    n.text = join(&parts);
}

/// Why the stale entry survived, for the violation's explanation.
fn why_not_flushed(model: &Model, before: &Machine, cpu: CpuId, page: PageId) -> String {
    let pending: Vec<String> = before
        .tlbis
        .iter()
        .filter(|t| t.pending.contains(cpu))
        .filter(|t| match t.target {
            TlbiTarget::Va { page: p, .. } => p == page,
            TlbiTarget::Asid { .. } => true,
        })
        .map(|t| format!("{}'s {}", t.issuer, target_text(model, t.target)))
        .collect();
    let in_flight = if pending.is_empty() {
        String::new()
    } else {
        format!("{} has not reached {cpu} yet.", pending.join(" and "))
    };
    let why = match model.mitigation() {
        _ if !model.scenario().switch_to_dsb() => "This kernel's __switch_to() has no dsb(ish), so when the reclaim task migrated nothing completed the TLBI it had issued; the DSB of try_to_unmap_flush() ran on another CPU.".to_string(),
        Mitigation::None => "This kernel (before 3ea277194daa) never calls flush_tlb_batched_pending() in mprotect(), so nothing waited for reclaim's TLBI.".to_string(),
        Mitigation::Dsb => "The dsb(ish) in flush_tlb_batched_pending() ran on the mprotect CPU, and a DSB completes only the TLBIs of the CPU that executes it; the TLBI was issued by reclaim's CPU. The fix, 4b634918384c, calls flush_tlb_mm() instead.".to_string(),
        Mitigation::FlushTlbMm => "flush_tlb_mm() did not cover this write.".to_string(),
    };
    join(&[in_flight, why])
}
