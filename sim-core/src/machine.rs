//! The machine's dynamic state: plain data, cloned for every step, hashed by the
//! explorer. The rules that change it live in `model.rs`.

use serde::Serialize;

use crate::op::{CpuId, PageId, PageSet, TaskId};

/// One cached translation: ASID + virtual page -> physical frame + permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TlbEntry {
    /// Address-space identifier the entry is tagged with.
    pub asid: u16,
    /// The virtual page (by index into the scenario's pages).
    pub page: PageId,
    /// The physical frame the page mapped to when the entry was filled.
    pub pfn: u32,
    /// Whether the entry allows writes.
    pub writable: bool,
}

/// A CPU's TLB. Entries are kept in least-recently-used order: a hit moves the
/// entry to the back, a fill into a full TLB evicts the front.
#[derive(Debug, PartialEq, Eq, Hash, Serialize, Default)]
pub struct Tlb {
    /// Entries, least recently used first.
    pub entries: Vec<TlbEntry>,
}

// Clone by hand so that `clone_from` reuses the allocations all the way down: the
// explorer resets one scratch machine per transition instead of allocating one.
impl Clone for Tlb {
    fn clone(&self) -> Self {
        Tlb {
            entries: self.entries.clone(),
        }
    }
    fn clone_from(&mut self, source: &Self) {
        self.entries.clone_from(&source.entries);
    }
}

impl Tlb {
    /// The entry for `page` in `asid`, if cached.
    pub fn lookup(&self, asid: u16, page: PageId) -> Option<&TlbEntry> {
        self.entries
            .iter()
            .find(|e| e.asid == asid && e.page == page)
    }

    /// Marks `page`'s entry most recently used.
    pub(crate) fn touch(&mut self, asid: u16, page: PageId) {
        if let Some(i) = self
            .entries
            .iter()
            .position(|e| e.asid == asid && e.page == page)
        {
            let e = self.entries.remove(i);
            self.entries.push(e);
        }
    }

    /// Inserts an entry, returning the one evicted to make room, if any.
    pub(crate) fn fill(&mut self, entry: TlbEntry, capacity: usize) -> Option<TlbEntry> {
        self.entries
            .retain(|e| !(e.asid == entry.asid && e.page == entry.page));
        let evicted = (self.entries.len() >= capacity).then(|| self.entries.remove(0));
        self.entries.push(entry);
        evicted
    }

    /// Removes every entry the TLBI matches, handing each to `gone` in order.
    /// (A callback rather than a returned Vec: this is on the explorer's hot path.)
    pub(crate) fn invalidate(&mut self, target: TlbiTarget, mut gone: impl FnMut(TlbEntry)) {
        self.entries.retain(|e| {
            let matches = target.matches(e);
            if matches {
                gone(*e);
            }
            !matches
        });
    }
}

impl Tlb {
    /// Removes every entry of the mm that `range` covers, handing each to `gone`
    /// (x86 and riscv: a CPU flushing its own TLB, locally or in its IPI handler).
    pub(crate) fn flush_range(
        &mut self,
        asid: u16,
        range: FlushRange,
        mut gone: impl FnMut(TlbEntry),
    ) {
        self.entries.retain(|e| {
            let matches = e.asid == asid && range.covers(e.page);
            if matches {
                gone(*e);
            }
            !matches
        });
    }
}

/// What one flush of x86 or riscv covers (x86 `struct flush_tlb_info`: a range, or
/// `TLB_FLUSH_ALL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "range", rename_all = "snake_case")]
pub enum FlushRange {
    /// These pages (`invlpg` each on x86, `sfence.vma` by address on riscv).
    Pages {
        /// The pages.
        pages: PageSet,
    },
    /// Every entry of the mm (x86 `TLB_FLUSH_ALL`: a full flush of its PCID).
    All,
}

impl FlushRange {
    /// Whether the flush removes an entry for `page`.
    pub fn covers(self, page: PageId) -> bool {
        match self {
            FlushRange::Pages { pages } => pages.contains(page),
            FlushRange::All => true,
        }
    }
}

/// x86 and riscv: a flush that `sender` asked other CPUs to do by IPI and waits
/// for (x86 `smp_call_function_many_cond()` with `wait`; riscv `on_each_cpu_mask()`
/// or an SBI remote fence). The sender's task stays at its step until every
/// target has run its handler; then the sender's next step finishes the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct FlushIpi {
    /// The CPU that sent the IPIs; it spins until `pending` is empty.
    pub sender: CpuId,
    /// What each handler flushes.
    pub range: FlushRange,
    /// The CPUs that have not run the handler yet.
    pub pending: CpuSet,
    /// For `flush_tlb_batched_pending()`: the pending count of
    /// `mm->tlb_flush_batched` it read before flushing, which its `cmpxchg()`
    /// after the flush compares against (0 for other flushes).
    pub batch_seen: Count,
    /// Whether the flush names the mm (x86 `info->mm`, riscv the ASID): false
    /// for a reclaim batch (`arch_tlbbatch_flush()` passes `NULL`).
    pub mm: bool,
    /// x86: `info->new_tlb_gen`, the mm's TLB generation the flush brings a CPU
    /// up to (0, `TLB_GENERATION_INVALID`, for a batch; always 0 on riscv).
    pub new_tlb_gen: Count,
}

/// A counter the kernel keeps wide and never sees wrap: x86's TLB generations
/// (`atomic64_t`/`u64`) and `mm->tlb_flush_batched`'s pending and flushed
/// halves. Each is bumped at most once per step, and no scenario has more steps
/// than fit, so the model's counters never wrap either (an 8-bit one did, after
/// 256 flushes, and then a CPU 256 generations behind looked up to date).
pub type Count = u16;

const _: () = assert!(
    crate::scenario::MAX_TASKS * crate::scenario::MAX_STEPS < Count::MAX as usize,
    "a counter bumped once per step must not wrap"
);

/// x86: the TLB generations of `arch/x86/mm/tlb.c`. Each flush of the mm first
/// bumps `mm->context.tlb_gen` (`inc_mm_tlb_gen()`: in
/// `arch_tlbbatch_add_pending()` and `flush_tlb_mm_range()`); each CPU records
/// the generation its TLB has caught up to (`cpu_tlbstate.ctxs[asid].tlb_gen`),
/// and whether the mm is its `cpu_tlbstate.loaded_mm`. A CPU that has the mm
/// loaded while a kernel thread (or the idle task) runs there is lazy
/// (`cpu_tlbstate_shared.is_lazy`, set by `enter_lazy_tlb()`); that is derived
/// from the CPU's current task, not stored. All zero on arm64 and riscv.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct TlbGen {
    /// `mm->context.tlb_gen`.
    pub mm: Count,
    /// Per CPU: the generation its TLB has caught up to for this mm.
    pub cpu: [Count; crate::scenario::MAX_CPUS],
    /// The CPUs whose `cpu_tlbstate.loaded_mm` is this mm.
    pub loaded: CpuSet,
}

impl TlbGen {
    /// Whether nothing is recorded (arm64, riscv).
    pub fn is_unused(&self) -> bool {
        *self == TlbGen::default()
    }

    /// The generation `cpu`'s TLB has caught up to.
    pub fn of(&self, cpu: CpuId) -> Count {
        self.cpu[cpu.index()]
    }
}

/// A page-table entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Pte {
    /// Whether the translation is valid.
    pub present: bool,
    /// Whether it allows writes (meaningful only when present).
    pub writable: bool,
    /// Not present, but a swap entry (reclaim unmapped the page) rather than
    /// `pte_none` (never mapped, zapped, or moved away).
    pub swap: bool,
    /// Whether the page was written through it (`pte_dirty()`); reclaim's batch
    /// must be flushed before writing out a page whose cleared PTE was dirty.
    pub dirty: bool,
    /// The frame it points to (kept for display after the PTE is cleared).
    pub pfn: u32,
}

impl Pte {
    /// Whether a TLB entry filled from this PTE would still be allowed to write.
    pub fn allows_write(&self) -> bool {
        self.present && self.writable
    }
}

/// A physical frame, one per page that is mapped at the start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Frame {
    /// One byte standing for the page's contents.
    pub data: u8,
    /// Reclaim wrote the contents to swap: a later store here is lost.
    pub written_out: bool,
    /// The frame was freed: a later store here is lost (and may land in reused memory).
    pub freed: bool,
}

/// What a TLBI invalidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum TlbiTarget {
    /// `tlbi vale1is`: one page of one ASID.
    Va {
        /// ASID.
        asid: u16,
        /// Page.
        page: PageId,
    },
    /// `tlbi aside1is`: every entry of one ASID.
    Asid {
        /// ASID.
        asid: u16,
    },
}

impl TlbiTarget {
    /// Whether the TLBI removes this entry.
    pub fn matches(&self, e: &TlbEntry) -> bool {
        match *self {
            TlbiTarget::Va { asid, page } => e.asid == asid && e.page == page,
            TlbiTarget::Asid { asid } => e.asid == asid,
        }
    }
}

/// A set of CPUs as a bit mask (at most [`crate::scenario::MAX_CPUS`] = 16 CPUs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Default)]
pub struct CpuSet(pub u16);

impl CpuSet {
    /// CPU0..CPU`n-1`.
    pub fn first(n: usize) -> CpuSet {
        CpuSet(((1u32 << n) - 1) as u16)
    }
    /// Whether `cpu` is in the set (never a CPU past the 16th).
    pub fn contains(self, cpu: CpuId) -> bool {
        self.0 & Self::bit(cpu) != 0
    }
    /// The set without `cpu`.
    pub fn without(self, cpu: CpuId) -> CpuSet {
        CpuSet(self.0 & !Self::bit(cpu))
    }
    /// `cpu`'s bit; none for a CPU number a set cannot hold (from a schedule).
    fn bit(cpu: CpuId) -> u16 {
        1u16.checked_shl(u32::from(cpu.0)).unwrap_or(0)
    }
    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Members, lowest first.
    pub fn iter(self) -> impl Iterator<Item = CpuId> {
        (0..16u8).map(CpuId).filter(move |c| self.contains(*c))
    }
    /// The set with `cpu` added.
    pub fn with(self, cpu: CpuId) -> CpuSet {
        CpuSet(self.0 | 1 << cpu.0)
    }
    /// Members of either set.
    pub fn union(self, other: CpuSet) -> CpuSet {
        CpuSet(self.0 | other.0)
    }
    /// How many CPUs the set holds.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }
    /// Whether the set is empty (by reference, for serde's `skip_serializing_if`).
    pub fn is_none(&self) -> bool {
        self.0 == 0
    }
}

/// A broadcast TLBI that was issued and has not reached every CPU yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct InFlightTlbi {
    /// The CPU that executed it; only that CPU's DSB completes it.
    pub issuer: CpuId,
    /// What it invalidates.
    pub target: TlbiTarget,
    /// CPUs whose TLBs it has not reached yet.
    pub pending: CpuSet,
}

/// `mm->tlb_flush_batched`: batches queued for this mm versus batches that
/// `flush_tlb_batched_pending()` has marked flushed; a flush is owed while they differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Default)]
pub struct TlbFlushBatched {
    /// Bumped by `set_tlb_ubc_flush_pending()`.
    pub pending: Count,
    /// Set to `pending` by `flush_tlb_batched_pending()`.
    pub flushed: Count,
}

impl TlbFlushBatched {
    /// Whether `flush_tlb_batched_pending()` owes a flush.
    pub fn flush_owed(&self) -> bool {
        self.pending != self.flushed
    }
}

/// The kind of broken promise.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ViolationKind {
    /// A write through a TLB entry after `mprotect(PROT_READ)` of the page returned
    /// and while its PTE does not allow the write.
    StaleWrite,
    /// A load or store that succeeds through the old address after `munmap()`,
    /// `madvise(MADV_DONTNEED)` or `mremap()` of that page returned.
    AccessAfterUnmap,
    /// A store that lands in a frame after reclaim wrote its contents out or a
    /// frame that was freed.
    LostWrite,
    /// Nothing can happen any more, but some task has not finished its program.
    Deadlock,
}

impl ViolationKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [ViolationKind; 4] = [
        ViolationKind::StaleWrite,
        ViolationKind::AccessAfterUnmap,
        ViolationKind::LostWrite,
        ViolationKind::Deadlock,
    ];

    /// The name the CLI and JSON use (`stale_write`).
    pub fn name(self) -> &'static str {
        match self {
            ViolationKind::StaleWrite => "stale_write",
            ViolationKind::AccessAfterUnmap => "access_after_unmap",
            ViolationKind::LostWrite => "lost_write",
            ViolationKind::Deadlock => "deadlock",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of violation kinds (which promises some step broke so far).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Default)]
pub struct KindSet(pub u8);

impl KindSet {
    /// Whether `kind` is in the set.
    pub fn contains(self, kind: ViolationKind) -> bool {
        self.0 & kind.bit() != 0
    }
    /// The set with `kind` added.
    pub fn with(self, kind: ViolationKind) -> KindSet {
        KindSet(self.0 | kind.bit())
    }
    /// Members, in [`ViolationKind::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = ViolationKind> {
        ViolationKind::ALL
            .into_iter()
            .filter(move |k| self.contains(*k))
    }
}

/// A broken promise, with the CPU, the task and the TLB entry that made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Violation {
    /// Which promise.
    pub kind: ViolationKind,
    /// The CPU that made the access.
    pub cpu: CpuId,
    /// The task that made it.
    pub task: TaskId,
    /// The page accessed (by its virtual address).
    pub page: PageId,
    /// The TLB entry the access went through.
    pub entry: TlbEntry,
}

/// Per-CPU counters. They never influence what happens next, so the explorer
/// ignores them when it compares states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Default)]
pub struct CpuStats {
    /// User reads and writes executed.
    pub accesses: u32,
    /// Accesses whose translation was in the TLB.
    pub hits: u32,
    /// Accesses that walked the page table.
    pub misses: u32,
    /// TLBIs this CPU executed.
    pub tlbis_issued: u32,
    /// TLBIs delivered to this CPU's TLB.
    pub tlbis_received: u32,
    /// Accesses that faulted.
    pub faults: u32,
    /// x86 and riscv: flush IPIs this CPU sent (one per target CPU).
    #[serde(skip_serializing_if = "is_zero")]
    pub ipis_sent: u32,
    /// x86 and riscv: flush IPIs this CPU took (handlers it ran).
    #[serde(skip_serializing_if = "is_zero")]
    pub ipis_received: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One CPU: which task runs on it, which wait for it, and its TLB.
#[derive(Debug, PartialEq, Eq, Hash, Serialize)]
pub struct CpuState {
    /// The task on the CPU (finished or not); `None` while the CPU is idle.
    pub current: Option<TaskId>,
    /// Tasks waiting to be switched in here, first first.
    pub queue: Vec<TaskId>,
    /// Its TLB.
    pub tlb: Tlb,
}

impl Clone for CpuState {
    fn clone(&self) -> Self {
        CpuState {
            current: self.current,
            queue: self.queue.clone(),
            tlb: self.tlb.clone(),
        }
    }
    fn clone_from(&mut self, source: &Self) {
        self.current = source.current;
        self.queue.clone_from(&source.queue);
        self.tlb.clone_from(&source.tlb);
    }
}

/// `current->tlb_ubc`: one task's batch of deferred TLB flushes (reclaim's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Default)]
pub struct TlbUbc {
    /// `flush_required`: a TLBI was queued and not yet completed by this task.
    pub flush_required: bool,
    /// `writable`: the batch holds an entry that was writable (so possibly dirty).
    pub writable: bool,
    /// x86 and riscv: `arch.cpumask`, the CPUs the batch must flush: every
    /// `mm_cpumask(mm)` that `arch_tlbbatch_add_pending()` ORed in (empty on arm64,
    /// whose batch is the TLBIs already in flight).
    #[serde(skip_serializing_if = "CpuSet::is_none")]
    pub cpumask: CpuSet,
}

/// A task's `mmu_gather` during a system call: what its walks recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Default)]
pub struct Gather {
    /// Pages whose PTE the walk changed while present: their TLB entries must go.
    pub flush: PageSet,
    /// Pages whose frames were queued to be freed after the flush (munmap).
    pub free: PageSet,
}

/// One task: where it is in its program, where it runs, and its own state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TaskState {
    /// Index of its next step.
    pub pc: u8,
    /// The CPU it runs on or waits for.
    pub cpu: CpuId,
    /// Its batch of deferred flushes.
    pub tlb_ubc: TlbUbc,
    /// Its `mmu_gather`, during mprotect, munmap, madvise and mremap.
    pub gather: Gather,
    /// Inside `try_to_unmap_one()`: the virtual page whose PTE it cleared (under
    /// that table's lock) and whether the cleared PTE was dirty.
    pub rmap: Option<(PageId, bool)>,
}

/// `mm->mmap_lock`, a reader-writer semaphore: mprotect, munmap and mremap hold it
/// for writing over the whole call, `MADV_DONTNEED` for reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Default)]
#[serde(tag = "held", rename_all = "snake_case")]
pub enum MmapLock {
    /// Nobody holds it.
    #[default]
    Free,
    /// Held for reading by this many tasks.
    Read {
        /// Readers.
        readers: u8,
    },
    /// Held for writing.
    Write {
        /// The writer.
        task: TaskId,
    },
}

impl MmapLock {
    /// Whether a task may take it now (for writing if `write`).
    pub fn available(self, write: bool) -> bool {
        match self {
            MmapLock::Free => true,
            MmapLock::Read { .. } => !write,
            MmapLock::Write { .. } => false,
        }
    }
}

/// The whole dynamic state. Everything that can change is here; the programs,
/// pages and mitigation are in the [`crate::Model`].
#[derive(Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Machine {
    /// CPUs, indexed by [`CpuId`].
    pub cpus: Vec<CpuState>,
    /// Tasks, indexed by [`TaskId`].
    pub tasks: Vec<TaskState>,
    /// PTEs, indexed by [`PageId`] (a virtual page).
    pub ptes: Vec<Pte>,
    /// Frames, indexed by the [`PageId`] of the page that maps it at the start.
    pub frames: Vec<Frame>,
    /// Swap slots, indexed like frames: the contents written out, if any.
    pub swap: Vec<Option<u8>>,
    /// Broadcast TLBIs in flight, oldest first.
    pub tlbis: Vec<InFlightTlbi>,
    /// `mm->tlb_flush_batched`.
    pub tlb_flush_batched: TlbFlushBatched,
    /// Each PTE table's lock holder, indexed by [`TableId`].
    pub ptl: Vec<Option<TaskId>>,
    /// `mm->mmap_lock`.
    pub mmap_lock: MmapLock,
    /// `mm->tlb_flush_pending`: `mmu_gather`s of this mm between
    /// `tlb_gather_mmu()` and `tlb_finish_mmu()`; more than one means nested.
    pub tlb_flush_pending: u8,
    /// User-space flags, indexed by [`FlagId`]: set by `signal`.
    pub flags: Vec<bool>,
    /// Pages whose `mprotect(PROT_READ)` has returned: writes must fault from now on.
    pub prot_read: PageSet,
    /// Pages whose `munmap()`, `madvise(MADV_DONTNEED)` or `mremap()` (as its old
    /// address) has returned: accesses must fault from now on.
    pub unmapped: PageSet,
    /// The first broken promise, if any.
    pub violation: Option<Violation>,
    /// Every kind of promise broken so far.
    pub broken: KindSet,
    /// Counters, indexed by [`CpuId`].
    pub stats: Vec<CpuStats>,
    /// x86 and riscv: `mm_cpumask(mm)`, the CPUs that may cache the mm's
    /// translations: those whose TLB starts with entries of it and every CPU one
    /// of its threads ran on (`switch_mm_irqs_off()` sets the bit; the model never
    /// clears it). Empty on arm64, which broadcasts.
    #[serde(skip_serializing_if = "CpuSet::is_none")]
    pub mm_cpumask: CpuSet,
    /// x86 and riscv: flushes sent by IPI whose senders wait, one per sender at
    /// most, by sender.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ipis: Vec<FlushIpi>,
    /// x86: the mm's and each CPU's TLB generation ([`TlbGen`]).
    #[serde(skip_serializing_if = "TlbGen::is_unused")]
    pub tlb_gen: TlbGen,
}

impl Clone for Machine {
    fn clone(&self) -> Self {
        Machine {
            cpus: self.cpus.clone(),
            tasks: self.tasks.clone(),
            ptes: self.ptes.clone(),
            frames: self.frames.clone(),
            swap: self.swap.clone(),
            tlbis: self.tlbis.clone(),
            tlb_flush_batched: self.tlb_flush_batched,
            ptl: self.ptl.clone(),
            mmap_lock: self.mmap_lock,
            tlb_flush_pending: self.tlb_flush_pending,
            flags: self.flags.clone(),
            prot_read: self.prot_read,
            unmapped: self.unmapped,
            violation: self.violation,
            broken: self.broken,
            stats: self.stats.clone(),
            mm_cpumask: self.mm_cpumask,
            ipis: self.ipis.clone(),
            tlb_gen: self.tlb_gen,
        }
    }

    /// Field by field, so that every Vec keeps its allocation (see [`Tlb`]'s clone).
    fn clone_from(&mut self, source: &Self) {
        self.cpus.clone_from(&source.cpus);
        self.tasks.clone_from(&source.tasks);
        self.ptes.clone_from(&source.ptes);
        self.frames.clone_from(&source.frames);
        self.swap.clone_from(&source.swap);
        self.tlbis.clone_from(&source.tlbis);
        self.tlb_flush_batched = source.tlb_flush_batched;
        self.ptl.clone_from(&source.ptl);
        self.mmap_lock = source.mmap_lock;
        self.tlb_flush_pending = source.tlb_flush_pending;
        self.flags.clone_from(&source.flags);
        self.prot_read = source.prot_read;
        self.unmapped = source.unmapped;
        self.violation = source.violation;
        self.broken = source.broken;
        self.stats.clone_from(&source.stats);
        self.mm_cpumask = source.mm_cpumask;
        self.ipis.clone_from(&source.ipis);
        self.tlb_gen = source.tlb_gen;
    }
}

impl Machine {
    /// The in-flight TLBI that `issuer`'s `nth` names, with its index in [`Machine::tlbis`].
    pub fn tlbi(&self, issuer: CpuId, nth: u8) -> Option<(usize, &InFlightTlbi)> {
        self.tlbis
            .iter()
            .enumerate()
            .filter(|(_, t)| t.issuer == issuer)
            .nth(usize::from(nth))
    }

    /// Whether the entry allows more than the page table now does: it maps a page
    /// whose PTE is gone, or allows a write the PTE no longer allows.
    pub fn is_stale(&self, entry: &TlbEntry) -> bool {
        let pte = self.ptes[entry.page.index()];
        !pte.present || pte.pfn != entry.pfn || (entry.writable && !pte.writable)
    }

    /// The flush IPI `sender` sent and still waits for, if any.
    pub fn ipi_of(&self, sender: CpuId) -> Option<&FlushIpi> {
        self.ipis.iter().find(|i| i.sender == sender)
    }

    /// The task running on `cpu`, if any (none on a CPU that does not exist).
    pub fn current(&self, cpu: CpuId) -> Option<TaskId> {
        self.cpus.get(cpu.index())?.current
    }

    /// The in-flight TLBIs that will remove `entry` from `cpu`'s TLB when they reach
    /// it, oldest first, as (issuer, nth) pairs of the event text form.
    pub fn tlbis_removing(&self, cpu: CpuId, entry: &TlbEntry) -> Vec<(CpuId, u8)> {
        let mut seen = [0u8; crate::scenario::MAX_CPUS];
        let mut out = Vec::new();
        for t in &self.tlbis {
            let nth = seen[t.issuer.index()];
            seen[t.issuer.index()] += 1;
            if t.pending.contains(cpu) && t.target.matches(entry) {
                out.push((t.issuer, nth));
            }
        }
        out
    }
}
