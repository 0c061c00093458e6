//! What an event changed, as a list of plain facts the UI animates and the
//! narrative puts into words.

use serde::Serialize;

use crate::machine::{Count, CpuSet, FlushRange, Pte, TlbEntry, TlbUbc, TlbiTarget, Violation};
use crate::op::{CpuId, FlagId, PageId, PageSet, Syscall, TableId, TaskId};

/// Why an access faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// The PTE is not present (reclaim, munmap or mremap cleared it).
    Translation,
    /// A write through a read-only translation.
    Permission,
}

/// What x86's `flush_tlb_func()` did on a CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlushOutcome {
    /// `f->mm` is this mm, but it is not the CPU's `loaded_mm`: the CPU leaves
    /// `mm_cpumask(mm)` and flushes nothing.
    Trimmed,
    /// The CPU has `init_mm` loaded: nothing to do.
    NotLoaded,
    /// The CPU is lazy: `switch_mm_irqs_off(NULL, &init_mm, NULL)`; the mm's
    /// entries stay under its ASID until the mm is loaded again.
    LeftLazy,
    /// `f->new_tlb_gen <= local_tlb_gen`: already flushed that far.
    AlreadyFlushed,
    /// `local_tlb_gen == mm_tlb_gen`: up to date, nothing to flush.
    UpToDate,
    /// A partial flush of the range (exactly one generation behind, and the
    /// flush is the latest).
    Partial,
    /// A full flush (`flush_tlb_local()`).
    Full,
}

/// What x86's `switch_mm_irqs_off()` did when a thread of the mm went onto a CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SwitchMmHow {
    /// Back from lazy mode, and the CPU's generation is the mm's: no flush.
    LazyUpToDate,
    /// Back from lazy mode, and the generation moved: a full flush.
    LazyFlush,
    /// The mm was not loaded (`prev != next`): loaded now, flushed if the CPU's
    /// generation for its ASID was behind (`choose_new_asid()`).
    Load { flushed: bool },
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
    /// A task set a flag.
    FlagSet { task: TaskId, flag: FlagId },
    /// A task's wait for a flag ended (the flag was set).
    FlagSeen { task: TaskId, flag: FlagId },
    /// A PTE changed.
    PteChange {
        page: PageId,
        before: Pte,
        after: Pte,
    },
    /// A walk left a PTE as it was (not present, or already read-only).
    PteSkipped { page: PageId, pte: Pte },
    /// The walk recorded the page in the task's `mmu_gather`: its TLB entries
    /// must be flushed before the call returns.
    Recorded { task: TaskId, page: PageId },
    /// Reclaim's reverse-map walk found no present PTE for the folio.
    NotMapped { task: TaskId, page: PageId },
    /// x86: reclaim did not defer the flush (no other CPU in `mm_cpumask`):
    /// `ptep_clear_flush()` flushed the page on this CPU at once.
    FlushNotDeferred { task: TaskId },
    /// The step had nothing to do in this state (no batch pending, nothing
    /// recorded, or not called on this kernel).
    NothingToDo { task: TaskId },
    /// A task took (`taken`) or dropped `mmap_lock`, for writing or reading.
    MmapLock {
        task: TaskId,
        write: bool,
        taken: bool,
    },
    /// `tlb_finish_mmu()` found another `mmu_gather` of this mm in progress
    /// (`mm_tlb_flush_nested()`) and flushes the whole mm.
    NestedFlush { task: TaskId },
    /// A task took a PTE table's lock.
    PtlAcquire {
        cpu: CpuId,
        task: TaskId,
        table: TableId,
    },
    /// A task dropped a PTE table's lock.
    PtlRelease {
        cpu: CpuId,
        task: TaskId,
        table: TableId,
    },
    /// The CPU executed a broadcast TLBI; it is now in flight.
    TlbiIssue { cpu: CpuId, target: TlbiTarget },
    /// An in-flight TLBI reached one CPU's TLB.
    TlbiDeliver {
        issuer: CpuId,
        to: CpuId,
        target: TlbiTarget,
    },
    /// The CPU executed `dsb(ish)`; `completed` of its own TLBIs were still in
    /// flight and are now complete; `others_in_flight` TLBIs of other CPUs are
    /// still in flight, which this DSB does not complete.
    Dsb {
        cpu: CpuId,
        completed: u8,
        others_in_flight: u8,
    },
    /// `mm->tlb_flush_batched` changed.
    BatchCounters { pending: Count, flushed: Count },
    /// A task's `tlb_ubc` changed.
    TlbUbc { task: TaskId, tlb_ubc: TlbUbc },
    /// The page's contents were written to swap (its frame stays until freed).
    Pageout { page: PageId, data: u8 },
    /// A frame (named by the page that maps it at the start) was freed.
    FrameFreed { page: PageId },
    /// A system call returned to user space: its promise holds from now on.
    Returned {
        task: TaskId,
        syscall: Syscall,
        pages: PageSet,
    },
    /// The task left `from` for `to` (it waits there until switched in).
    Migrate {
        task: TaskId,
        from: CpuId,
        to: CpuId,
    },
    /// `__switch_to()` on `cpu` switched to `to`.
    ContextSwitch {
        cpu: CpuId,
        from: Option<TaskId>,
        to: TaskId,
    },
    /// x86 and riscv: the CPU flushed its own TLB (x86 `flush_tlb_func()` called
    /// locally, riscv `local_flush_tlb_range_asid()`); the entries it lost follow
    /// as [`Effect::TlbInvalidate`] with itself as issuer.
    LocalFlush { cpu: CpuId, range: FlushRange },
    /// x86 and riscv: the CPU sent flush IPIs to `to` and now waits until each
    /// of them has run its handler.
    IpiSend {
        cpu: CpuId,
        to: CpuSet,
        range: FlushRange,
    },
    /// x86 and riscv: `cpu` took `from`'s flush IPI and flushed its own TLB in the
    /// handler; the entries it lost follow as [`Effect::TlbInvalidate`].
    IpiHandled {
        from: CpuId,
        cpu: CpuId,
        range: FlushRange,
    },
    /// x86 and riscv: every CPU the sender interrupted has run its handler; the
    /// sender stops waiting and finishes the call.
    IpiWaitDone { cpu: CpuId },
    /// x86 and riscv: a thread of the mm runs on `cpu` for the first time, which
    /// sets the CPU's bit in `mm_cpumask(mm)` (`switch_mm_irqs_off()`).
    MmCpumask { cpu: CpuId },
    /// x86: `inc_mm_tlb_gen()` bumped `mm->context.tlb_gen` to `gen`.
    TlbGenBump { gen: Count },
    /// x86: what `flush_tlb_func()` did on `cpu` (locally or in the IPI
    /// handler), with the generations it compared; the entries it removed
    /// follow as [`Effect::TlbInvalidate`].
    FlushFunc {
        cpu: CpuId,
        outcome: FlushOutcome,
        /// The CPU's generation before (`local_tlb_gen`).
        local: Count,
        /// `mm->context.tlb_gen` when it ran.
        mm: Count,
        /// `f->new_tlb_gen` (0: `TLB_GENERATION_INVALID`).
        new: Count,
    },
    /// x86: `should_flush_tlb()` sent no IPI to these CPUs of the mask: `lazy`
    /// ones (a kernel thread runs there with the mm loaded; they catch up in
    /// `switch_mm_irqs_off()`), and `not_loaded` ones (the mm is no longer
    /// their `loaded_mm`; `trim_cpumask` is taken to be off).
    IpiSkipped {
        cpu: CpuId,
        lazy: CpuSet,
        not_loaded: CpuSet,
    },
    /// x86: `flush_tlb_func()` found the mm not loaded on `cpu` and cleared the
    /// CPU's bit in `mm_cpumask(mm)`.
    MmCpumaskTrim { cpu: CpuId },
    /// x86: `switch_mm_irqs_off()` put a thread of the mm on `cpu` and `how`
    /// says what it did to the TLB.
    SwitchMm { cpu: CpuId, how: SwitchMmHow },
    /// A promise was broken.
    Violation(Violation),
}
