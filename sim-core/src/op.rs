//! What tasks do, at two levels.
//!
//! A scenario file gives each task a program of [`Call`]s: user accesses, the
//! system calls and reclaim functions of the race (`mprotect`, `munmap`,
//! `try_to_unmap_one`, ...), a migration, and raw instructions. Validation expands
//! every call into the [`Op`]s the kernel runs for it, one step each, named after
//! the kernel's functions (`pte_offset_map_lock`, `flush_tlb_batched_pending`,
//! `change_pte_range`, `pte_unmap_unlock`, `tlb_finish_mmu`, ...). Because a
//! scenario can only say *which* call to make, never how the kernel runs it, a
//! walk without its lock, a lock held into user space or across a switch, or a
//! lock never released cannot be written at all.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::kernel::{self, KernelRef};

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
        )]
        #[serde(transparent)]
        pub struct $name(pub u8);

        impl $name {
            /// The index as a `usize`, for indexing vectors.
            pub fn index(self) -> usize {
                usize::from(self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

index_type!(
    /// Index of a CPU. Displayed as `CPU0`, `CPU1`, ...
    CpuId,
    "CPU"
);
index_type!(
    /// Index of a page of the scenario's mm, in the order the scenario lists them.
    PageId,
    "page"
);
index_type!(
    /// Index of a task, in the order the scenario lists them.
    TaskId,
    "task"
);
index_type!(
    /// Index of a PTE table (one page of PTEs, 512 of them on a 4K-page kernel), in
    /// the order of the lowest virtual page it maps. Each has its own split PTE lock.
    TableId,
    "table"
);
index_type!(
    /// Index of a user-space flag that tasks `signal` and `wait` on.
    FlagId,
    "flag"
);

/// How many PTEs one PTE table holds (`PTRS_PER_PTE` with 4 KB pages): the virtual
/// page number divided by this names the table, and so the PTL, that maps it.
pub const PTRS_PER_PTE: u32 = 512;

/// A set of pages as a bit mask (at most 16 pages).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Default)]
pub struct PageSet(pub u16);

impl PageSet {
    /// Whether `page` is in the set.
    pub fn contains(self, page: PageId) -> bool {
        self.0 & (1 << page.0) != 0
    }
    /// The set with `page` added.
    pub fn with(self, page: PageId) -> PageSet {
        PageSet(self.0 | (1 << page.0))
    }
    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Members, lowest first.
    pub fn iter(self) -> impl Iterator<Item = PageId> {
        (0..16u8).map(PageId).filter(move |p| self.contains(*p))
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

/// A system call whose return is a promise about the pages it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Syscall {
    /// `mprotect(PROT_READ)`: after it returns, no write through the old permission.
    Mprotect,
    /// `munmap()`: after it returns, no access through the old addresses.
    Munmap,
    /// `madvise(MADV_DONTNEED)`: after it returns, no access sees the old frame.
    MadviseDontneed,
    /// `mremap()`: after it returns, the old addresses are unmapped.
    Mremap,
}

impl Syscall {
    /// Whether the call takes `mmap_lock` for writing (`MADV_DONTNEED` reads it).
    pub fn writes_mmap_lock(self) -> bool {
        !matches!(self, Syscall::MadviseDontneed)
    }

    /// Whether the call gathers its flushes in an `mmu_gather` (mremap's
    /// `move_ptes()` flushes with `flush_tlb_range()` itself).
    pub fn gathers(self) -> bool {
        !matches!(self, Syscall::Mremap)
    }

    /// The call as a C programmer writes it.
    pub fn name(self) -> &'static str {
        match self {
            Syscall::Mprotect => "mprotect(PROT_READ)",
            Syscall::Munmap => "munmap()",
            Syscall::MadviseDontneed => "madvise(MADV_DONTNEED)",
            Syscall::Mremap => "mremap()",
        }
    }

    /// The kernel function that walks the PTEs for it.
    pub fn walker(self) -> KernelRef {
        match self {
            Syscall::Mprotect => kernel::CHANGE_PTE_RANGE,
            Syscall::Munmap | Syscall::MadviseDontneed => kernel::ZAP_PTE_RANGE,
            Syscall::Mremap => kernel::MOVE_PTES,
        }
    }

    /// The system call's entry in the kernel.
    pub fn entry(self) -> KernelRef {
        match self {
            Syscall::Mprotect => kernel::MPROTECT,
            Syscall::Munmap => kernel::MUNMAP,
            Syscall::MadviseDontneed => kernel::MADVISE_DONTNEED,
            Syscall::Mremap => kernel::MREMAP,
        }
    }
}

/// One entry of a task's program, as a scenario file writes it. `P` names a page:
/// by name (`String`) in a file, by [`PageId`] once validated.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    tag = "op",
    rename_all = "snake_case",
    deny_unknown_fields,
    from = "CallFile<P>",
    bound(deserialize = "P: Deserialize<'de>")
)]
pub enum Call<P> {
    /// A user-space load: TLB lookup, page-table walk on a miss.
    Read { page: P },
    /// A user-space store of `value`: TLB lookup, walk on a miss.
    Write { page: P, value: u8 },
    /// User space sets a flag (a release store) that others spin on.
    Signal { flag: String },
    /// User space spins until a flag is set (an acquire load in a loop; not a
    /// futex wait, see docs/scenario-format.md).
    Wait { flag: String },
    /// `mprotect(pages, PROT_READ)`.
    Mprotect { pages: Vec<P> },
    /// `munmap(pages)`.
    Munmap { pages: Vec<P> },
    /// `madvise(pages, MADV_DONTNEED)`.
    MadviseDontneed { pages: Vec<P> },
    /// `mremap()` of one page to the address of `to` (a page that starts unmapped).
    Mremap { page: P, to: P },
    /// Reclaim unmaps one page: `try_to_unmap_one()`.
    TryToUnmapOne { page: P },
    /// Reclaim, before writing a dirty page out: flush the batch if it holds a
    /// writable entry.
    TryToUnmapFlushDirty,
    /// Reclaim completes its batch of deferred flushes.
    TryToUnmapFlush,
    /// Reclaim writes the page to swap (`pageout()`); the frame stays until freed.
    Pageout { page: P },
    /// Reclaim frees the page's frame (`free_unref_folios()`).
    FreeFolio { page: P },
    /// The task is moved to another CPU.
    Migrate { to: CpuId },
    /// `cond_resched()`: if another task waits for this CPU, the scheduler switches
    /// to it (reclaim calls this between folios).
    CondResched,
    /// Raw broadcast `tlbi vale1is` for one page, without DSB (an experiment).
    TlbiVa { page: P },
    /// Raw broadcast `tlbi aside1is` for the mm's ASID, without DSB (an experiment).
    TlbiAside,
    /// Raw `dsb(ish)`: completes this CPU's TLBIs in flight (an experiment).
    DsbIsh,
}

/// How a call is read from a file. Serde ignores unknown fields of unit variants
/// of an internally tagged enum, so `{"op": "dsb_ish", "page": "P"}` would load
/// silently as `dsb_ish`; empty struct variants reject the `page`.
#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum CallFile<P> {
    Read { page: P },
    Write { page: P, value: u8 },
    Signal { flag: String },
    Wait { flag: String },
    Mprotect { pages: Vec<P> },
    Munmap { pages: Vec<P> },
    MadviseDontneed { pages: Vec<P> },
    Mremap { page: P, to: P },
    TryToUnmapOne { page: P },
    TryToUnmapFlushDirty {},
    TryToUnmapFlush {},
    Pageout { page: P },
    FreeFolio { page: P },
    Migrate { to: CpuId },
    CondResched {},
    TlbiVa { page: P },
    TlbiAside {},
    DsbIsh {},
}

impl<P> From<CallFile<P>> for Call<P> {
    fn from(call: CallFile<P>) -> Call<P> {
        match call {
            CallFile::Read { page } => Call::Read { page },
            CallFile::Write { page, value } => Call::Write { page, value },
            CallFile::Signal { flag } => Call::Signal { flag },
            CallFile::Wait { flag } => Call::Wait { flag },
            CallFile::Mprotect { pages } => Call::Mprotect { pages },
            CallFile::Munmap { pages } => Call::Munmap { pages },
            CallFile::MadviseDontneed { pages } => Call::MadviseDontneed { pages },
            CallFile::Mremap { page, to } => Call::Mremap { page, to },
            CallFile::TryToUnmapOne { page } => Call::TryToUnmapOne { page },
            CallFile::TryToUnmapFlushDirty {} => Call::TryToUnmapFlushDirty,
            CallFile::TryToUnmapFlush {} => Call::TryToUnmapFlush,
            CallFile::Pageout { page } => Call::Pageout { page },
            CallFile::FreeFolio { page } => Call::FreeFolio { page },
            CallFile::Migrate { to } => Call::Migrate { to },
            CallFile::CondResched {} => Call::CondResched,
            CallFile::TlbiVa { page } => Call::TlbiVa { page },
            CallFile::TlbiAside {} => Call::TlbiAside,
            CallFile::DsbIsh {} => Call::DsbIsh,
        }
    }
}

/// One kind of call, for palettes and documentation: the one list of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct CallKind {
    /// The name in files (`"try_to_unmap_one"`).
    pub name: &'static str,
    /// What it stands for, in one line.
    pub summary: &'static str,
    /// Who makes this call: user space, a system call, reclaim, the scheduler, or a
    /// raw instruction.
    pub group: &'static str,
}

/// Every call a program may make, in the order an editor lists them.
pub const CALL_KINDS: [CallKind; 18] = [
    CallKind {
        name: "read",
        summary: "user load from a page",
        group: "user",
    },
    CallKind {
        name: "write",
        summary: "user store to a page",
        group: "user",
    },
    CallKind {
        name: "signal",
        summary: "set a flag other threads wait on",
        group: "user",
    },
    CallKind {
        name: "wait",
        summary: "wait until a flag is set",
        group: "user",
    },
    CallKind {
        name: "mprotect",
        summary: "mprotect(PROT_READ) of pages",
        group: "syscall",
    },
    CallKind {
        name: "munmap",
        summary: "munmap() of pages",
        group: "syscall",
    },
    CallKind {
        name: "madvise_dontneed",
        summary: "madvise(MADV_DONTNEED) of pages",
        group: "syscall",
    },
    CallKind {
        name: "mremap",
        summary: "mremap() of a page to a new address",
        group: "syscall",
    },
    CallKind {
        name: "try_to_unmap_one",
        summary: "reclaim unmaps a page, flush deferred",
        group: "reclaim",
    },
    CallKind {
        name: "try_to_unmap_flush_dirty",
        summary: "reclaim flushes its batch if it holds a writable entry",
        group: "reclaim",
    },
    CallKind {
        name: "try_to_unmap_flush",
        summary: "reclaim completes its batch",
        group: "reclaim",
    },
    CallKind {
        name: "pageout",
        summary: "reclaim writes a page to swap",
        group: "reclaim",
    },
    CallKind {
        name: "free_folio",
        summary: "reclaim frees a page's frame",
        group: "reclaim",
    },
    CallKind {
        name: "migrate",
        summary: "the task moves to another CPU",
        group: "scheduler",
    },
    CallKind {
        name: "cond_resched",
        summary: "let a task waiting for this CPU run",
        group: "scheduler",
    },
    CallKind {
        name: "tlbi_va",
        summary: "raw tlbi vale1is, no DSB",
        group: "instruction",
    },
    CallKind {
        name: "tlbi_aside",
        summary: "raw tlbi aside1is, no DSB",
        group: "instruction",
    },
    CallKind {
        name: "dsb_ish",
        summary: "raw dsb(ish)",
        group: "instruction",
    },
];

/// What a new call of the palette is made with: the pages and CPU it names
/// until the user changes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallDefaults<P> {
    /// The page a call names (the first one of mprotect's list).
    pub page: P,
    /// mremap's target (a page that starts unmapped).
    pub to: P,
    /// migrate's destination.
    pub cpu: CpuId,
    /// The flag of signal and wait.
    pub flag: String,
}

impl<P: Clone> Call<P> {
    /// A new call of the kind named `name` (a name of [`CALL_KINDS`]), naming
    /// what `defaults` gives; `None` for a name that is not a call.
    pub fn of_kind(name: &str, defaults: &CallDefaults<P>) -> Option<Call<P>> {
        let page = defaults.page.clone();
        let flag = defaults.flag.clone();
        Some(match name {
            "read" => Call::Read { page },
            "write" => Call::Write { page, value: 1 },
            "signal" => Call::Signal { flag },
            "wait" => Call::Wait { flag },
            "mprotect" => Call::Mprotect { pages: vec![page] },
            "munmap" => Call::Munmap { pages: vec![page] },
            "madvise_dontneed" => Call::MadviseDontneed { pages: vec![page] },
            "mremap" => Call::Mremap {
                page,
                to: defaults.to.clone(),
            },
            "try_to_unmap_one" => Call::TryToUnmapOne { page },
            "try_to_unmap_flush_dirty" => Call::TryToUnmapFlushDirty,
            "try_to_unmap_flush" => Call::TryToUnmapFlush,
            "pageout" => Call::Pageout { page },
            "free_folio" => Call::FreeFolio { page },
            "migrate" => Call::Migrate { to: defaults.cpu },
            "cond_resched" => Call::CondResched,
            "tlbi_va" => Call::TlbiVa { page },
            "tlbi_aside" => Call::TlbiAside,
            "dsb_ish" => Call::DsbIsh,
            _ => return None,
        })
    }
}

/// The one list of calls that name pages: `pages()` and `try_map_pages()` agree.
impl<P> Call<P> {
    /// The call's name as written in files.
    pub fn name(&self) -> &'static str {
        match self {
            Call::Read { .. } => "read",
            Call::Write { .. } => "write",
            Call::Signal { .. } => "signal",
            Call::Wait { .. } => "wait",
            Call::Mprotect { .. } => "mprotect",
            Call::Munmap { .. } => "munmap",
            Call::MadviseDontneed { .. } => "madvise_dontneed",
            Call::Mremap { .. } => "mremap",
            Call::TryToUnmapOne { .. } => "try_to_unmap_one",
            Call::TryToUnmapFlushDirty => "try_to_unmap_flush_dirty",
            Call::TryToUnmapFlush => "try_to_unmap_flush",
            Call::Pageout { .. } => "pageout",
            Call::FreeFolio { .. } => "free_folio",
            Call::Migrate { .. } => "migrate",
            Call::CondResched => "cond_resched",
            Call::TlbiVa { .. } => "tlbi_va",
            Call::TlbiAside => "tlbi_aside",
            Call::DsbIsh => "dsb_ish",
        }
    }

    /// Every page the call names, in order (`to` of an mremap last).
    pub fn pages(&self) -> Vec<&P> {
        match self {
            Call::Read { page }
            | Call::Write { page, .. }
            | Call::TryToUnmapOne { page }
            | Call::Pageout { page }
            | Call::FreeFolio { page }
            | Call::TlbiVa { page } => vec![page],
            Call::Mprotect { pages } | Call::Munmap { pages } | Call::MadviseDontneed { pages } => {
                pages.iter().collect()
            }
            Call::Mremap { page, to } => vec![page, to],
            _ => Vec::new(),
        }
    }

    /// The same call with its pages named differently (used to resolve names).
    pub fn try_map_pages<Q, E>(self, mut f: impl FnMut(P) -> Result<Q, E>) -> Result<Call<Q>, E> {
        let mut list = |pages: Vec<P>| pages.into_iter().map(&mut f).collect::<Result<Vec<_>, E>>();
        Ok(match self {
            Call::Read { page } => Call::Read { page: f(page)? },
            Call::Write { page, value } => Call::Write {
                page: f(page)?,
                value,
            },
            Call::Signal { flag } => Call::Signal { flag },
            Call::Wait { flag } => Call::Wait { flag },
            Call::Mprotect { pages } => Call::Mprotect {
                pages: list(pages)?,
            },
            Call::Munmap { pages } => Call::Munmap {
                pages: list(pages)?,
            },
            Call::MadviseDontneed { pages } => Call::MadviseDontneed {
                pages: list(pages)?,
            },
            Call::Mremap { page, to } => {
                let page = f(page)?;
                Call::Mremap { page, to: f(to)? }
            }
            Call::TryToUnmapOne { page } => Call::TryToUnmapOne { page: f(page)? },
            Call::TryToUnmapFlushDirty => Call::TryToUnmapFlushDirty,
            Call::TryToUnmapFlush => Call::TryToUnmapFlush,
            Call::Pageout { page } => Call::Pageout { page: f(page)? },
            Call::FreeFolio { page } => Call::FreeFolio { page: f(page)? },
            Call::Migrate { to } => Call::Migrate { to },
            Call::CondResched => Call::CondResched,
            Call::TlbiVa { page } => Call::TlbiVa { page: f(page)? },
            Call::TlbiAside => Call::TlbiAside,
            Call::DsbIsh => Call::DsbIsh,
        })
    }
}

/// The PTE tables a walk holds locked: one, or the old and the new one of mremap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Tables {
    /// The table walked (mremap: the old one).
    pub first: TableId,
    /// mremap's destination table, when it is another one.
    pub second: Option<TableId>,
}

impl Tables {
    /// One table.
    pub fn one(table: TableId) -> Tables {
        Tables {
            first: table,
            second: None,
        }
    }
    /// The tables, first first.
    pub fn iter(self) -> impl Iterator<Item = TableId> {
        std::iter::once(self.first).chain(self.second)
    }
}

/// One step of a task: what the kernel (or user space) does in one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// A user-space load.
    Read { page: PageId },
    /// A user-space store.
    Write { page: PageId, value: u8 },
    /// User space sets a flag.
    Signal { flag: FlagId },
    /// User space waits for a flag (blocked until it is set).
    Wait { flag: FlagId },
    /// `try_to_unmap_one()`, first half: `page_vma_mapped_walk()` takes the PTL of
    /// the page's table, and the PTE is cleared with `ptep_get_and_clear()`.
    PtepGetAndClear { page: PageId },
    /// `try_to_unmap_one()`, second half: `set_tlb_ubc_flush_pending()` (arm64:
    /// broadcast `tlbi vale1is`, no DSB; this task's `tlb_ubc` and
    /// `mm->tlb_flush_batched` record the owed flush), then
    /// `page_vma_mapped_walk_done()` drops the PTL.
    SetTlbUbcFlushPending { page: PageId },
    /// `try_to_unmap_flush_dirty()`: flush the batch if it holds a writable entry.
    TryToUnmapFlushDirty,
    /// `try_to_unmap_flush()`: complete this task's batch (arm64 `dsb(ish)`).
    TryToUnmapFlush,
    /// `pageout()`: the page's contents are written to swap.
    Pageout { page: PageId },
    /// `free_unref_folios()`: reclaim frees the page's frame.
    FreeFolio { page: PageId },
    /// `pte_offset_map_lock()`: a walker takes the PTL of each table it will walk.
    /// The first walk of a call also stands for its entry: `mmap_lock` taken
    /// (for writing, or for reading by `MADV_DONTNEED`) and `tlb_gather_mmu()`.
    PteOffsetMapLock {
        syscall: Syscall,
        tables: Tables,
        enters: bool,
    },
    /// `flush_tlb_batched_pending(mm)`, right after the lock (what it does depends on
    /// the kernel).
    FlushTlbBatchedPending { syscall: Syscall },
    /// mprotect's `change_pte_range()` on one PTE: a present one becomes read-only
    /// and is recorded in the `mmu_gather`; a non-present one is skipped.
    ChangePte { page: PageId },
    /// `zap_pte_range()` on one PTE: a present one is cleared, recorded and its page
    /// queued to be freed; a non-present (swap) one is dropped.
    ZapPte { page: PageId },
    /// `move_ptes()` on one PTE: cleared at the old address, set at the new one; a
    /// present one means the old range must be flushed.
    MovePte { page: PageId, to: PageId },
    /// `move_ptes()`: `flush_tlb_range()` of the old range if a moved PTE was
    /// present (TLBI by VA, then `dsb(ish)`), still under the locks.
    FlushTlbRange { page: PageId },
    /// `pte_unmap_unlock()`: the walker drops the PTL(s).
    PteUnmapUnlock { syscall: Syscall, tables: Tables },
    /// The `mmu_gather` is flushed after the walk, before the call returns:
    /// `tlb_flush_mmu()` = the TLB flush of the recorded range (on arm64 at the end
    /// of the VMA, `tlb_end_vma()` -> `tlb_flush_mmu_tlbonly()` ->
    /// `__flush_tlb_range()`: TLBI by VA per page, then `dsb(ish)`), then the
    /// pages it queued are freed (`tlb_finish_mmu()`). Nothing if nothing was recorded.
    TlbFinishMmu { syscall: Syscall },
    /// The system call drops `mmap_lock` and returns to user space: from here on
    /// its promise holds.
    Return { syscall: Syscall, pages: PageSet },
    /// The task leaves this CPU for `to`: `__switch_to()` runs here (`dsb(ish)`).
    Migrate { to: CpuId },
    /// `cond_resched()`: switch to a task waiting for this CPU, if one can run.
    CondResched,
    /// Raw broadcast `tlbi vale1is` for one page.
    TlbiVa { page: PageId },
    /// Raw broadcast `tlbi aside1is` for the mm's ASID.
    TlbiAside,
    /// Raw `dsb(ish)`.
    DsbIsh,
}

impl Op {
    /// The step's name, after the kernel function it stands for.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Read { .. } => "read",
            Op::Write { .. } => "write",
            Op::Signal { .. } => "signal",
            Op::Wait { .. } => "wait",
            Op::PtepGetAndClear { .. } => "ptep_get_and_clear",
            Op::SetTlbUbcFlushPending { .. } => "set_tlb_ubc_flush_pending",
            Op::TryToUnmapFlushDirty => "try_to_unmap_flush_dirty",
            Op::TryToUnmapFlush => "try_to_unmap_flush",
            Op::Pageout { .. } => "pageout",
            Op::FreeFolio { .. } => "free_unref_folios",
            Op::PteOffsetMapLock { .. } => "pte_offset_map_lock",
            Op::FlushTlbBatchedPending { .. } => "flush_tlb_batched_pending",
            Op::ChangePte { .. } => "change_pte_range",
            Op::ZapPte { .. } => "zap_pte_range",
            Op::MovePte { .. } => "move_ptes",
            Op::FlushTlbRange { .. } => "flush_tlb_range",
            Op::PteUnmapUnlock { .. } => "pte_unmap_unlock",
            Op::TlbFinishMmu { .. } => "tlb_finish_mmu",
            Op::Return { .. } => "return",
            Op::Migrate { .. } => "__switch_to",
            Op::CondResched => "cond_resched",
            Op::TlbiVa { .. } => "tlbi_va",
            Op::TlbiAside => "tlbi_aside",
            Op::DsbIsh => "dsb_ish",
        }
    }

    /// User space or kernel.
    pub fn mode(&self) -> Mode {
        match self {
            Op::Read { .. } | Op::Write { .. } | Op::Signal { .. } | Op::Wait { .. } => Mode::User,
            _ => Mode::Kernel,
        }
    }

    /// The page the step is about, if one.
    pub fn page(&self) -> Option<PageId> {
        match *self {
            Op::Read { page }
            | Op::Write { page, .. }
            | Op::PtepGetAndClear { page }
            | Op::SetTlbUbcFlushPending { page }
            | Op::Pageout { page }
            | Op::FreeFolio { page }
            | Op::ChangePte { page }
            | Op::ZapPte { page }
            | Op::MovePte { page, .. }
            | Op::FlushTlbRange { page }
            | Op::TlbiVa { page } => Some(page),
            _ => None,
        }
    }

    /// The kernel function (or instruction) this step stands for, with its source
    /// file; `None` for user-space steps, which run no kernel code unless they fault.
    pub fn kernel_ref(&self) -> Option<KernelRef> {
        Some(match self {
            Op::Read { .. } | Op::Write { .. } | Op::Signal { .. } | Op::Wait { .. } => {
                return None
            }
            Op::PtepGetAndClear { .. } => kernel::TRY_TO_UNMAP_ONE,
            Op::SetTlbUbcFlushPending { .. } => kernel::SET_TLB_UBC_FLUSH_PENDING,
            Op::TryToUnmapFlushDirty => kernel::TRY_TO_UNMAP_FLUSH_DIRTY,
            Op::TryToUnmapFlush => kernel::TRY_TO_UNMAP_FLUSH,
            Op::Pageout { .. } => kernel::PAGEOUT,
            Op::FreeFolio { .. } => kernel::FREE_UNREF_FOLIOS,
            Op::PteOffsetMapLock { .. } => kernel::PTE_OFFSET_MAP_LOCK,
            Op::FlushTlbBatchedPending { .. } => kernel::FLUSH_TLB_BATCHED_PENDING,
            Op::ChangePte { .. } => kernel::CHANGE_PTE_RANGE,
            Op::ZapPte { .. } => kernel::ZAP_PTE_RANGE,
            Op::MovePte { .. } => kernel::MOVE_PTES,
            Op::FlushTlbRange { .. } => kernel::FLUSH_TLB_RANGE,
            Op::PteUnmapUnlock { .. } => kernel::PTE_UNMAP_UNLOCK,
            Op::TlbFinishMmu { .. } => kernel::TLB_FINISH_MMU,
            Op::Return { syscall, .. } => syscall.entry(),
            Op::Migrate { .. } => kernel::SWITCH_TO,
            Op::CondResched => kernel::COND_RESCHED,
            Op::TlbiVa { .. } => kernel::TLBI_VA,
            Op::TlbiAside => kernel::TLBI_ASID,
            Op::DsbIsh => kernel::DSB,
        })
    }
}
