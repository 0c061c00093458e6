//! What an event changed, as a list of plain facts the UI animates and the
//! narrative puts into words.

use serde::Serialize;

use crate::machine::{Pte, TlbEntry, TlbiTarget, Violation};
use crate::op::{CpuId, PageId};

/// Why an access faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// The PTE is not present (the page was unmapped by reclaim).
    Translation,
    /// A write through a read-only translation.
    Permission,
}

/// One change made by an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// The translation was in the TLB.
    TlbHit { cpu: CpuId, entry: TlbEntry },
    /// The translation was not in the TLB: the CPU walks the page table.
    TlbMiss { cpu: CpuId, page: PageId },
    /// The walk found a present PTE and cached it.
    TlbFill { cpu: CpuId, entry: TlbEntry },
    /// A fill into a full TLB evicted its least recently used entry.
    TlbEvict { cpu: CpuId, entry: TlbEntry },
    /// A delivered TLBI removed an entry.
    TlbInvalidate {
        cpu: CpuId,
        entry: TlbEntry,
        issuer: CpuId,
    },
    /// The access faulted; the kernel's fault handler takes over.
    Fault {
        cpu: CpuId,
        page: PageId,
        kind: FaultKind,
    },
    /// A user read returned the frame's contents.
    Read { cpu: CpuId, page: PageId, value: u8 },
    /// A user write stored a value in the frame.
    Write { cpu: CpuId, page: PageId, value: u8 },
    /// A PTE changed.
    PteChange {
        page: PageId,
        before: Pte,
        after: Pte,
    },
    /// The CPU took the page-table lock.
    PtlAcquire { cpu: CpuId },
    /// The CPU dropped the page-table lock.
    PtlRelease { cpu: CpuId },
    /// The CPU executed a broadcast TLBI; it is now in flight.
    TlbiIssue { cpu: CpuId, target: TlbiTarget },
    /// An in-flight TLBI reached one CPU's TLB.
    TlbiDeliver {
        issuer: CpuId,
        to: CpuId,
        target: TlbiTarget,
    },
    /// The CPU executed `dsb(ish)`; `completed` of its TLBIs were still in flight.
    Dsb { cpu: CpuId, completed: u8 },
    /// `mm->tlb_flush_batched` changed.
    BatchCounters { pending: u8, flushed: u8 },
    /// The reclaiming task's `tlb_ubc.flush_required` changed.
    TlbUbc { flush_required: bool },
    /// The page's contents were written to swap and its frame freed.
    SwapOut { page: PageId, data: u8 },
    /// `mprotect(PROT_READ)` of the page returned to user space.
    MprotectReturned { page: PageId },
    /// The task left `from` for `to`.
    Migrate { from: CpuId, to: CpuId },
    /// A promise was broken.
    Violation(Violation),
}
