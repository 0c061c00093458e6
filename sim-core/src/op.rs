//! The operations a CPU's program is made of, each one step of one CPU, named
//! after the kernel function or instruction it stands for.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::kernel::{self, KernelRef};

/// Index of a CPU (0..8). Displayed as `CPU0`, `CPU1`, ...
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(transparent)]
pub struct CpuId(pub u8);

impl CpuId {
    /// The CPU's index as a `usize`, for indexing per-CPU vectors.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

impl fmt::Display for CpuId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CPU{}", self.0)
    }
}

/// Index of a page of the scenario's mm, in the order the scenario lists its pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PageId(pub u8);

impl PageId {
    /// The page's index as a `usize`, for indexing per-page vectors.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// Whether a step runs in user space or in the kernel (shown in the timeline).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// EL0: the thread's own code.
    User,
    /// EL1: a kernel path on behalf of a task.
    Kernel,
}

/// One operation of a CPU's program. `P` is how a page is named: by name (`String`)
/// in a scenario file, by [`PageId`] once the scenario is validated.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    tag = "op",
    rename_all = "snake_case",
    deny_unknown_fields,
    from = "OpFile<P>",
    bound(deserialize = "P: Deserialize<'de>")
)]
pub enum Op<P> {
    /// A user-space load from the page: TLB lookup, page-table walk on a miss.
    Read { page: P },
    /// A user-space store of `value` to the page: TLB lookup, walk on a miss.
    Write { page: P, value: u8 },
    /// Reclaim (`try_to_unmap_one`): take the PTL and clear the PTE.
    PtepGetAndClear { page: P },
    /// Reclaim: queue the flush (arm64: broadcast `tlbi vale1is`, no DSB), mark
    /// `mm->tlb_flush_batched` pending, and drop the PTL.
    SetTlbUbcFlushPending { page: P },
    /// Reclaim, before writing the page out: complete the batch (arm64 `dsb(ish)`).
    TryToUnmapFlush,
    /// Reclaim writes the page to swap and frees its frame.
    SwapWritepage { page: P },
    /// mprotect's `change_pte_range` takes the PTL and calls
    /// `flush_tlb_batched_pending` (what that does depends on the mitigation).
    FlushTlbBatchedPending,
    /// mprotect's walk: make the PTE read-only if present, drop the PTL, and flush
    /// the range (`flush_tlb_range`) if a PTE changed.
    ChangePteRange { page: P },
    /// `mprotect(PROT_READ)` returns to user space: from here on its promise holds.
    MprotectReturn { page: P },
    /// `__switch_to()` on the CPU being left: `dsb(ish)` (unless the scenario's
    /// kernel lacks it); the task continues on `to`.
    SwitchTo { to: CpuId },
    /// The migrated task resumes on this CPU after `from` switched away from it.
    SwitchIn { from: CpuId },
    /// Raw broadcast `tlbi vale1is` for one page, without DSB.
    TlbiVa { page: P },
    /// Raw broadcast `tlbi aside1is` for the mm's ASID, without DSB.
    TlbiAside,
    /// Raw `dsb(ish)`: completes this CPU's TLBIs in flight.
    DsbIsh,
}

/// How an operation is read from a file. Serde ignores unknown fields of unit
/// variants of an internally tagged enum, so `{"op": "dsb_ish", "page": "P"}`
/// would load silently as `dsb_ish`; empty struct variants reject the `page`.
#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum OpFile<P> {
    Read { page: P },
    Write { page: P, value: u8 },
    PtepGetAndClear { page: P },
    SetTlbUbcFlushPending { page: P },
    TryToUnmapFlush {},
    SwapWritepage { page: P },
    FlushTlbBatchedPending {},
    ChangePteRange { page: P },
    MprotectReturn { page: P },
    SwitchTo { to: CpuId },
    SwitchIn { from: CpuId },
    TlbiVa { page: P },
    TlbiAside {},
    DsbIsh {},
}

impl<P> From<OpFile<P>> for Op<P> {
    fn from(op: OpFile<P>) -> Op<P> {
        match op {
            OpFile::Read { page } => Op::Read { page },
            OpFile::Write { page, value } => Op::Write { page, value },
            OpFile::PtepGetAndClear { page } => Op::PtepGetAndClear { page },
            OpFile::SetTlbUbcFlushPending { page } => Op::SetTlbUbcFlushPending { page },
            OpFile::TryToUnmapFlush {} => Op::TryToUnmapFlush,
            OpFile::SwapWritepage { page } => Op::SwapWritepage { page },
            OpFile::FlushTlbBatchedPending {} => Op::FlushTlbBatchedPending,
            OpFile::ChangePteRange { page } => Op::ChangePteRange { page },
            OpFile::MprotectReturn { page } => Op::MprotectReturn { page },
            OpFile::SwitchTo { to } => Op::SwitchTo { to },
            OpFile::SwitchIn { from } => Op::SwitchIn { from },
            OpFile::TlbiVa { page } => Op::TlbiVa { page },
            OpFile::TlbiAside {} => Op::TlbiAside,
            OpFile::DsbIsh {} => Op::DsbIsh,
        }
    }
}

/// The one list of operations that name a page: `page()` and `page_mut()` share it,
/// so a new operation with a page cannot be added to one and forgotten in the other.
macro_rules! page_of {
    ($op:expr) => {
        match $op {
            Op::Read { page }
            | Op::Write { page, .. }
            | Op::PtepGetAndClear { page }
            | Op::SetTlbUbcFlushPending { page }
            | Op::SwapWritepage { page }
            | Op::ChangePteRange { page }
            | Op::MprotectReturn { page }
            | Op::TlbiVa { page } => Some(page),
            _ => None,
        }
    };
}

impl<P> Op<P> {
    /// The same operation with its page named differently (used to resolve names).
    pub fn try_map_page<Q, E>(self, mut f: impl FnMut(P) -> Result<Q, E>) -> Result<Op<Q>, E> {
        Ok(match self {
            Op::Read { page } => Op::Read { page: f(page)? },
            Op::Write { page, value } => Op::Write {
                page: f(page)?,
                value,
            },
            Op::PtepGetAndClear { page } => Op::PtepGetAndClear { page: f(page)? },
            Op::SetTlbUbcFlushPending { page } => Op::SetTlbUbcFlushPending { page: f(page)? },
            Op::TryToUnmapFlush => Op::TryToUnmapFlush,
            Op::SwapWritepage { page } => Op::SwapWritepage { page: f(page)? },
            Op::FlushTlbBatchedPending => Op::FlushTlbBatchedPending,
            Op::ChangePteRange { page } => Op::ChangePteRange { page: f(page)? },
            Op::MprotectReturn { page } => Op::MprotectReturn { page: f(page)? },
            Op::SwitchTo { to } => Op::SwitchTo { to },
            Op::SwitchIn { from } => Op::SwitchIn { from },
            Op::TlbiVa { page } => Op::TlbiVa { page: f(page)? },
            Op::TlbiAside => Op::TlbiAside,
            Op::DsbIsh => Op::DsbIsh,
        })
    }

    /// The page the operation is about, if any.
    pub fn page(&self) -> Option<&P> {
        page_of!(self)
    }

    /// The page the operation is about, if any, to change it (the editor does).
    pub fn page_mut(&mut self) -> Option<&mut P> {
        page_of!(self)
    }

    /// The operation's name as written in scenario files (`"ptep_get_and_clear"`).
    pub fn name(&self) -> &'static str {
        match self {
            Op::Read { .. } => "read",
            Op::Write { .. } => "write",
            Op::PtepGetAndClear { .. } => "ptep_get_and_clear",
            Op::SetTlbUbcFlushPending { .. } => "set_tlb_ubc_flush_pending",
            Op::TryToUnmapFlush => "try_to_unmap_flush",
            Op::SwapWritepage { .. } => "swap_writepage",
            Op::FlushTlbBatchedPending => "flush_tlb_batched_pending",
            Op::ChangePteRange { .. } => "change_pte_range",
            Op::MprotectReturn { .. } => "mprotect_return",
            Op::SwitchTo { .. } => "switch_to",
            Op::SwitchIn { .. } => "switch_in",
            Op::TlbiVa { .. } => "tlbi_va",
            Op::TlbiAside => "tlbi_aside",
            Op::DsbIsh => "dsb_ish",
        }
    }

    /// User space or kernel.
    pub fn mode(&self) -> Mode {
        match self {
            Op::Read { .. } | Op::Write { .. } => Mode::User,
            _ => Mode::Kernel,
        }
    }

    /// The kernel function (or instruction) this step stands for, with its source
    /// file; `None` for user-space accesses, which run no kernel code unless they fault.
    pub fn kernel_ref(&self) -> Option<KernelRef> {
        Some(match self {
            Op::Read { .. } | Op::Write { .. } => return None,
            Op::PtepGetAndClear { .. } => kernel::PTEP_GET_AND_CLEAR,
            Op::SetTlbUbcFlushPending { .. } => kernel::SET_TLB_UBC_FLUSH_PENDING,
            Op::TryToUnmapFlush => kernel::TRY_TO_UNMAP_FLUSH,
            Op::SwapWritepage { .. } => kernel::SWAP_WRITEPAGE,
            Op::FlushTlbBatchedPending => kernel::FLUSH_TLB_BATCHED_PENDING,
            Op::ChangePteRange { .. } => kernel::CHANGE_PTE_RANGE,
            Op::MprotectReturn { .. } => kernel::MPROTECT,
            Op::SwitchTo { .. } | Op::SwitchIn { .. } => kernel::SWITCH_TO,
            Op::TlbiVa { .. } => kernel::TLBI_VA,
            Op::TlbiAside => kernel::TLBI_ASID,
            Op::DsbIsh => kernel::DSB,
        })
    }

    /// Whether this step takes the page-table lock.
    pub fn takes_ptl(&self) -> bool {
        matches!(
            self,
            Op::PtepGetAndClear { .. } | Op::FlushTlbBatchedPending
        )
    }

    /// Whether this step drops the page-table lock (if this CPU holds it).
    pub fn drops_ptl(&self) -> bool {
        matches!(
            self,
            Op::SetTlbUbcFlushPending { .. } | Op::ChangePteRange { .. }
        )
    }
}
