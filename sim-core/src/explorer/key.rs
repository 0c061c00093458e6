//! Packed state keys: a machine written as a bit string, each field in as many
//! bits as the model needs (a task id in 5 bits when there are 16 tasks, a page
//! in 2 when there are 3 pages). The explorer stores only keys, so their size is
//! its memory per state.
//!
//! Left out, because nothing that decides what is enabled, what an event does or
//! whether a promise breaks ever reads them: the per-CPU counters, the bytes
//! standing for the pages' contents (frames and swap slots; the model writes and
//! narrates them but never branches on them) and the ASID of TLB entries and
//! TLBIs (always the scenario's). A TLB that can never be read again (see
//! [`Codec::live_cpus`]) is written empty. Two machines with one key therefore
//! have the same enabled events, effects on everything that is kept, and
//! violations, forever: merging them changes no verdict and no length.
//!
//! [`Perm`] renames CPUs and tasks while writing, for the symmetry reduction.

use crate::machine::{
    Count, CpuSet, FlushIpi, FlushRange, InFlightTlbi, KindSet, Machine, MmapLock, TlbEntry,
    TlbiTarget, Violation, ViolationKind,
};
use crate::model::Model;
use crate::op::{CpuId, Op, PageId, PageSet, TaskId};

/// Bits needed to write values `0..=max`.
fn width(max: usize) -> u32 {
    usize::BITS - max.leading_zeros()
}

/// Appends little-endian bit fields to a byte vector.
pub(crate) struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    bits: u32,
}

impl<'a> BitWriter<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>) -> Self {
        out.clear();
        out.reserve(256);
        BitWriter {
            out,
            acc: 0,
            bits: 0,
        }
    }

    /// Writes the low `w` bits of `v` (`w` <= 32).
    #[inline(always)]
    pub(crate) fn put(&mut self, v: u32, w: u32) {
        debug_assert!(
            w == 32 || u64::from(v) < 1u64 << w,
            "{v} does not fit {w} bits"
        );
        // Fewer than 32 bits wait in `acc`, so adding up to 32 never overflows it.
        self.acc |= u64::from(v) << self.bits;
        self.bits += w;
        if self.bits >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.bits -= 32;
        }
    }

    pub(crate) fn finish(mut self) {
        while self.bits > 0 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.bits = self.bits.saturating_sub(8);
        }
    }
}

/// Reads what a [`BitWriter`] wrote, field by field.
struct BitReader<'a> {
    bytes: &'a [u8],
    at: usize,
    acc: u64,
    bits: u32,
}

impl BitReader<'_> {
    #[inline]
    fn get(&mut self, w: u32) -> u32 {
        while self.bits < w {
            let byte = self.bytes.get(self.at).copied().unwrap_or(0);
            self.at += 1;
            self.acc |= u64::from(byte) << self.bits;
            self.bits += 8;
        }
        let v = (self.acc & ((1u64 << w) - 1)) as u32;
        self.acc >>= w;
        self.bits -= w;
        v
    }
}

/// A renaming of CPUs and tasks applied while writing a key: the machine written
/// is the one whose CPU `to_cpu[c]` is the real CPU `c` (and likewise for tasks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Perm {
    /// Whether it renames nothing (the common case, written faster).
    pub(crate) identity: bool,
    /// Real CPU -> written CPU.
    pub(crate) to_cpu: [u8; 16],
    /// Written CPU -> real CPU.
    pub(crate) from_cpu: [u8; 16],
    /// Real task -> written task.
    pub(crate) to_task: [u8; 32],
    /// Written task -> real task.
    pub(crate) from_task: [u8; 32],
}

impl Perm {
    /// The renaming that changes nothing.
    pub(crate) fn identity() -> Perm {
        let mut p = Perm {
            identity: true,
            to_cpu: [0; 16],
            from_cpu: [0; 16],
            to_task: [0; 32],
            from_task: [0; 32],
        };
        for i in 0..16 {
            p.to_cpu[i] = i as u8;
            p.from_cpu[i] = i as u8;
        }
        for i in 0..32 {
            p.to_task[i] = i as u8;
            p.from_task[i] = i as u8;
        }
        p
    }

    /// The renaming that moves each member to the next one's place, the last
    /// to the first's, each CPU with its task (with two members: a swap).
    pub(crate) fn cycle(members: &[(CpuId, TaskId)]) -> Perm {
        let mut p = Perm::identity();
        p.identity = false;
        for (a, &(cpu, task)) in members.iter().enumerate() {
            let (next_cpu, next_task) = members[(a + 1) % members.len()];
            p.to_cpu[cpu.index()] = next_cpu.0;
            p.from_cpu[next_cpu.index()] = cpu.0;
            p.to_task[task.index()] = next_task.0;
            p.from_task[next_task.index()] = task.0;
        }
        p
    }

    fn cpu(&self, c: CpuId) -> u32 {
        u32::from(self.to_cpu[c.index()])
    }

    fn task(&self, t: TaskId) -> u32 {
        u32::from(self.to_task[t.index()])
    }

    fn cpus(&self, set: CpuSet) -> u32 {
        if self.identity {
            return u32::from(set.0);
        }
        set.iter().map(|c| 1u32 << self.cpu(c)).sum()
    }
}

/// The field widths of one model's keys, and what decoding needs.
pub(crate) struct Codec {
    cpus: usize,
    tasks: usize,
    pages: usize,
    w_task: u32,
    w_opt_task: u32,
    w_cpu: u32,
    w_page: u32,
    w_pfn: u32,
    w_pc: u32,
    w_tlb_len: u32,
    w_queue: u32,
    /// The distinct frame numbers of the scenario: a PTE or entry stores an index.
    pfns: Vec<u32>,
    /// For each task and pc: whether a user access is left at or after that pc.
    accesses_left: Vec<Vec<bool>>,
    /// For each task and pc: the CPUs a `migrate` at or after that pc goes to.
    migrations_left: Vec<Vec<u16>>,
    /// For each task and pc: the pages an mremap step (`move_ptes`) at or after
    /// that pc may map (the only way a non-present PTE becomes present again).
    remaps_left: Vec<Vec<u16>>,
    /// Whether TLBs no one can read are written empty (the dead-TLB reduction).
    reduce: bool,
    /// x86 and riscv: keys also hold `mm_cpumask`, each batch's cpumask and the
    /// flush IPIs whose senders wait (arm64 keys stay as they were, bit for bit).
    ipis: bool,
    /// x86: keys also hold the TLB generations (`Machine::tlb_gen`) and each
    /// IPI's `new_tlb_gen`.
    tlb_gen: bool,
    /// Bits of a [`Count`] (batch counters, TLB generations).
    w_count: u32,
}

impl Codec {
    /// The codec of `model`'s machines.
    pub(crate) fn new(model: &Model, reduce: bool) -> Codec {
        let s = model.scenario();
        let mut pfns: Vec<u32> = s.pages().iter().map(|p| p.pfn).collect();
        crate::small_sort::by_key(&mut pfns, |p| *p);
        pfns.dedup();
        let tasks = s.tasks().len();
        let max_steps = s.tasks().iter().map(|t| t.steps.len()).max().unwrap_or(0);
        let mut accesses_left = Vec::new();
        let mut migrations_left = Vec::new();
        let mut remaps_left = Vec::new();
        for t in s.tasks() {
            let n = t.steps.len();
            let mut access = vec![false; n + 1];
            let mut migrate = vec![0u16; n + 1];
            let mut remap = vec![0u16; n + 1];
            for pc in (0..n).rev() {
                access[pc] =
                    access[pc + 1] || matches!(t.steps[pc], Op::Read { .. } | Op::Write { .. });
                migrate[pc] = migrate[pc + 1]
                    | match t.steps[pc] {
                        Op::Migrate { to } => 1 << to.0,
                        _ => 0,
                    };
                remap[pc] = remap[pc + 1]
                    | match t.steps[pc] {
                        Op::MovePte { to, .. } => 1 << to.0,
                        _ => 0,
                    };
            }
            accesses_left.push(access);
            migrations_left.push(migrate);
            remaps_left.push(remap);
        }
        Codec {
            cpus: s.cpu_count(),
            tasks,
            pages: s.pages().len(),
            w_task: width(tasks.saturating_sub(1)),
            w_opt_task: width(tasks),
            w_cpu: width(s.cpu_count().saturating_sub(1)),
            w_page: width(s.pages().len().saturating_sub(1)),
            w_pfn: width(pfns.len().saturating_sub(1)),
            w_pc: width(max_steps),
            w_tlb_len: width(s.tlb_capacity()),
            w_queue: width(tasks),
            // Eight bits, as before, unless the scenario has more steps than that
            // (each bumps a counter at most once): built-in keys stay as they were.
            w_count: width(s.tasks().iter().map(|t| t.steps.len()).sum()).max(8),
            pfns,
            accesses_left,
            migrations_left,
            remaps_left,
            reduce,
            ipis: model.arch().uses_ipis(),
            tlb_gen: model.arch() == crate::arch::Arch::X86,
        }
    }

    /// The CPUs whose TLB may still be read: some task with a user access left is
    /// on it (running or queued) or will migrate to it. Only an access on a CPU
    /// reads (or fills, or evicts from) its TLB; deliveries still reach the others
    /// (their pending bits are kept), but what they remove no one will look at.
    pub(crate) fn live_cpus(&self, m: &Machine) -> u16 {
        if !self.reduce {
            return u16::MAX;
        }
        let mut live = 0u16;
        for (t, task) in m.tasks.iter().enumerate() {
            let pc = usize::from(task.pc).min(self.accesses_left[t].len() - 1);
            if self.accesses_left[t][pc] {
                live |= 1 << task.cpu.0;
                live |= self.migrations_left[t][pc];
            }
        }
        live
    }

    /// Whether delivering `tlbi` to `to` changes nothing but its pending bit, now
    /// and whenever it is delivered later: `to`'s TLB is never read again, or it
    /// holds no entry the TLBI matches and can never get one (the pages it matches
    /// are not present and no mremap step left can map them, so nothing fills
    /// them). `live` is [`Codec::live_cpus`] of `m`.
    pub(crate) fn idle_delivery(
        &self,
        m: &Machine,
        live: u16,
        tlbi: &InFlightTlbi,
        to: CpuId,
    ) -> bool {
        if live & (1 << to.0) == 0 {
            return true;
        }
        let mut remaps = 0u16;
        for (t, task) in m.tasks.iter().enumerate() {
            let pc = usize::from(task.pc).min(self.remaps_left[t].len() - 1);
            remaps |= self.remaps_left[t][pc];
        }
        let tlb = &m.cpus[to.index()].tlb;
        match tlbi.target {
            TlbiTarget::Va { page, .. } => {
                !tlb.entries.iter().any(|e| e.page == page)
                    && !m.ptes[page.index()].present
                    && remaps & (1 << page.0) == 0
            }
            TlbiTarget::Asid { .. } => {
                tlb.entries.is_empty() && remaps == 0 && !m.ptes.iter().any(|p| p.present)
            }
        }
    }

    #[inline]
    fn pfn(&self, pfn: u32) -> u32 {
        // Every PTE's and entry's frame number is one of the scenario's pages'.
        self.pfns.binary_search(&pfn).unwrap_or(0) as u32
    }

    fn opt_task(&self, t: Option<TaskId>, perm: &Perm) -> u32 {
        t.map_or(self.tasks as u32, |t| perm.task(t))
    }

    fn entry(&self, w: &mut BitWriter, e: &TlbEntry) {
        w.put(u32::from(e.page.0), self.w_page);
        w.put(self.pfn(e.pfn), self.w_pfn);
        w.put(u32::from(e.writable), 1);
    }

    /// A 64-bit digest of what of member (`cpu`, `task`)'s state belongs to it
    /// alone, with no other CPU's or task's id in it: the task's own fields,
    /// whether it holds each lock, the CPU's TLB, and its place in each in-flight
    /// TLBI (issuer, pending). Equal local states give equal digests; two
    /// different ones giving the same digest (a 64-bit collision) would only make
    /// the stored order of those two arbitrary, which merges less but is never
    /// wrong (any order is the image of the machine under a symmetry).
    pub(crate) fn local(&self, m: &Machine, cpu: usize, task: usize, live: u16) -> u64 {
        #[inline(always)]
        fn mix(h: u64, v: u64) -> u64 {
            (h.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
        }
        let t = &m.tasks[task];
        let mut h = mix(0, u64::from(t.pc));
        h = mix(
            h,
            u64::from(t.tlb_ubc.flush_required)
                | u64::from(t.tlb_ubc.writable) << 1
                | u64::from(t.gather.flush.0) << 2
                | u64::from(t.gather.free.0) << 18
                | t.rmap
                    .map_or(0, |(p, d)| 1 | u64::from(p.0) << 1 | u64::from(d) << 9)
                    << 34,
        );
        let mut locks = 0u64;
        for (i, holder) in m.ptl.iter().enumerate() {
            if holder.map(|h| h.index()) == Some(task) {
                locks |= 1 << (i % 60);
            }
        }
        if matches!(m.mmap_lock, MmapLock::Write { task: w } if w.index() == task) {
            locks |= 1 << 61;
        }
        if let Some(v) = m.violation {
            locks |=
                u64::from(v.task.index() == task) << 62 | u64::from(v.cpu.index() == cpu) << 63;
        }
        h = mix(h, locks);
        if live & (1 << cpu) != 0 {
            let tlb = &m.cpus[cpu].tlb.entries;
            h = mix(h, tlb.len() as u64);
            for e in tlb {
                h = mix(
                    h,
                    u64::from(e.page.0) | u64::from(e.pfn) << 8 | u64::from(e.writable) << 40,
                );
            }
        }
        let me = CpuId(cpu as u8);
        if self.ipis {
            // Only what names no other member: whether this CPU is in the masks,
            // how many CPUs a mask holds, and this CPU's part in each IPI.
            h = mix(
                h,
                u64::from(m.mm_cpumask.contains(me))
                    | u64::from(t.tlb_ubc.cpumask.contains(me)) << 1
                    | (t.tlb_ubc.cpumask.len() as u64) << 2,
            );
            for ipi in &m.ipis {
                let mine = ipi.sender == me;
                let range = match ipi.range {
                    FlushRange::All => 1u64 << 20,
                    FlushRange::Pages { pages } => u64::from(pages.0),
                };
                h = mix(
                    h,
                    u64::from(mine)
                        | u64::from(ipi.pending.contains(me)) << 1
                        | if mine {
                            (ipi.pending.len() as u64) << 2
                                | u64::from(ipi.mm) << 8
                                | range << 9
                                | u64::from(ipi.batch_seen) << 32
                                | u64::from(ipi.new_tlb_gen) << 48
                        } else {
                            0
                        },
                );
            }
            if self.tlb_gen {
                h = mix(
                    h,
                    u64::from(m.tlb_gen.mm)
                        | u64::from(m.tlb_gen.of(me)) << 16
                        | u64::from(m.tlb_gen.loaded.contains(me)) << 32,
                );
            }
        }
        let mut bits = 0u64;
        for (i, tlbi) in m.tlbis.iter().enumerate() {
            bits |= (u64::from(tlbi.issuer == me) | u64::from(tlbi.pending.contains(me)) << 1)
                << (2 * (i % 32));
            if i % 32 == 31 {
                h = mix(h, bits);
                bits = 0;
            }
        }
        mix(mix(h, bits), m.tlbis.len() as u64)
    }

    fn range(&self, w: &mut BitWriter, range: FlushRange) {
        match range {
            FlushRange::All => w.put(1, 1),
            FlushRange::Pages { pages } => {
                w.put(0, 1);
                w.put(u32::from(pages.0), self.pages as u32);
            }
        }
    }

    /// x86 and riscv: `mm_cpumask`, each task's batch cpumask (in written task
    /// order) and the waiting senders' IPIs, in written CPU order.
    fn ipi_fields(&self, w: &mut BitWriter, m: &Machine, perm: &Perm) {
        w.put(perm.cpus(m.mm_cpumask), self.cpus as u32);
        for p in 0..self.tasks {
            let task = &m.tasks[usize::from(perm.from_task[p])];
            w.put(perm.cpus(task.tlb_ubc.cpumask), self.cpus as u32);
        }
        for p in 0..self.cpus {
            let c = CpuId(perm.from_cpu[p]);
            match m.ipi_of(c) {
                None => w.put(0, 1),
                Some(ipi) => {
                    w.put(1, 1);
                    w.put(perm.cpus(ipi.pending), self.cpus as u32);
                    self.range(w, ipi.range);
                    w.put(u32::from(ipi.batch_seen), self.w_count);
                    w.put(u32::from(ipi.mm), 1);
                    if self.tlb_gen {
                        w.put(u32::from(ipi.new_tlb_gen), self.w_count);
                    }
                }
            }
        }
        if self.tlb_gen {
            w.put(u32::from(m.tlb_gen.mm), self.w_count);
            w.put(perm.cpus(m.tlb_gen.loaded), self.cpus as u32);
            for p in 0..self.cpus {
                w.put(
                    u32::from(m.tlb_gen.cpu[usize::from(perm.from_cpu[p])]),
                    self.w_count,
                );
            }
        }
    }

    fn task_fields(&self, w: &mut BitWriter, task: &crate::machine::TaskState) {
        w.put(
            u32::from(task.tlb_ubc.flush_required) | u32::from(task.tlb_ubc.writable) << 1,
            2,
        );
        w.put(u32::from(task.gather.flush.0), self.pages as u32);
        w.put(u32::from(task.gather.free.0), self.pages as u32);
        match task.rmap {
            None => w.put(0, 1),
            Some((page, dirty)) => {
                w.put(1, 1);
                w.put(u32::from(page.0), self.w_page);
                w.put(u32::from(dirty), 1);
            }
        }
    }

    /// Writes `m`'s key, renamed by `perm`, into `out` (`live` is
    /// [`Codec::live_cpus`] of `m`). [`Codec::decode`] reads it
    /// back (into the renamed machine). Injective over the kept fields of one
    /// model's machines: every list of varying length is preceded by its length.
    pub(crate) fn encode(&self, m: &Machine, live: u16, perm: &Perm, out: &mut Vec<u8>) {
        let mut w = BitWriter::new(out);
        for p in 0..self.cpus {
            let c = usize::from(perm.from_cpu[p]);
            let cpu = &m.cpus[c];
            w.put(self.opt_task(cpu.current, perm), self.w_opt_task);
            w.put(cpu.queue.len() as u32, self.w_queue);
            for t in &cpu.queue {
                w.put(perm.task(*t), self.w_task);
            }
            let tlb = &cpu.tlb.entries;
            let len = if live & (1 << c) == 0 { 0 } else { tlb.len() };
            w.put(len as u32, self.w_tlb_len);
            for e in &tlb[..len] {
                self.entry(&mut w, e);
            }
        }
        for p in 0..self.tasks {
            let task = &m.tasks[usize::from(perm.from_task[p])];
            w.put(u32::from(task.pc), self.w_pc);
            w.put(perm.cpu(task.cpu), self.w_cpu);
            self.task_fields(&mut w, task);
        }
        for pte in &m.ptes {
            w.put(
                u32::from(pte.present)
                    | u32::from(pte.writable) << 1
                    | u32::from(pte.dirty) << 2
                    | u32::from(pte.swap) << 3,
                4,
            );
            w.put(self.pfn(pte.pfn), self.w_pfn);
        }
        for f in &m.frames {
            w.put(u32::from(f.written_out) | u32::from(f.freed) << 1, 2);
        }
        // 16 bits: many CPUs with long programs could have over 255 TLBIs in flight.
        w.put(m.tlbis.len() as u32, 16);
        for t in &m.tlbis {
            w.put(perm.cpu(t.issuer), self.w_cpu);
            w.put(perm.cpus(t.pending), self.cpus as u32);
            match t.target {
                TlbiTarget::Va { page, .. } => {
                    w.put(0, 1);
                    w.put(u32::from(page.0), self.w_page);
                }
                TlbiTarget::Asid { .. } => w.put(1, 1),
            }
        }
        w.put(u32::from(m.tlb_flush_batched.pending), self.w_count);
        w.put(u32::from(m.tlb_flush_batched.flushed), self.w_count);
        for holder in &m.ptl {
            w.put(self.opt_task(*holder, perm), self.w_opt_task);
        }
        match m.mmap_lock {
            MmapLock::Free => w.put(0, 2),
            MmapLock::Read { readers } => {
                w.put(1, 2);
                w.put(u32::from(readers), 8);
            }
            MmapLock::Write { task } => {
                w.put(2, 2);
                w.put(perm.task(task), self.w_task);
            }
        }
        w.put(u32::from(m.tlb_flush_pending), 8);
        for f in &m.flags {
            w.put(u32::from(*f), 1);
        }
        w.put(u32::from(m.prot_read.0), self.pages as u32);
        w.put(u32::from(m.unmapped.0), self.pages as u32);
        w.put(u32::from(m.broken.0), 4);
        match m.violation {
            None => w.put(0, 1),
            Some(v) => {
                w.put(1, 1);
                w.put(v.kind as u32, 2);
                w.put(perm.cpu(v.cpu), self.w_cpu);
                w.put(perm.task(v.task), self.w_task);
                w.put(u32::from(v.page.0), self.w_page);
                self.entry(&mut w, &v.entry);
            }
        }
        if self.ipis {
            self.ipi_fields(&mut w, m, perm);
        }
        w.finish();
    }

    /// Reads a key written by [`Codec::encode`] into `m`, a machine of the same
    /// model (its per-CPU, per-task and per-page lists already have the right
    /// lengths). What keys leave out (counters, contents) is left as it was.
    pub(crate) fn decode(&self, bytes: &[u8], asid: u16, m: &mut Machine) {
        let mut r = BitReader {
            bytes,
            at: 0,
            acc: 0,
            bits: 0,
        };
        let tasks = self.tasks as u32;
        let opt_task = |v: u32| (v != tasks).then_some(TaskId(v as u8));
        let pfns = &self.pfns;
        let entry = |r: &mut BitReader| TlbEntry {
            asid,
            page: PageId(r.get(self.w_page) as u8),
            pfn: pfns[r.get(self.w_pfn) as usize],
            writable: r.get(1) != 0,
        };
        for cpu in m.cpus.iter_mut() {
            cpu.current = opt_task(r.get(self.w_opt_task));
            let len = r.get(self.w_queue);
            cpu.queue.clear();
            for _ in 0..len {
                cpu.queue.push(TaskId(r.get(self.w_task) as u8));
            }
            let len = r.get(self.w_tlb_len);
            cpu.tlb.entries.clear();
            for _ in 0..len {
                cpu.tlb.entries.push(entry(&mut r));
            }
        }
        for t in m.tasks.iter_mut() {
            t.pc = r.get(self.w_pc) as u8;
            t.cpu = CpuId(r.get(self.w_cpu) as u8);
            let ubc = r.get(2);
            t.tlb_ubc.flush_required = ubc & 1 != 0;
            t.tlb_ubc.writable = ubc & 2 != 0;
            t.gather.flush = PageSet(r.get(self.pages as u32) as u16);
            t.gather.free = PageSet(r.get(self.pages as u32) as u16);
            t.rmap = match r.get(1) {
                0 => None,
                _ => Some((PageId(r.get(self.w_page) as u8), r.get(1) != 0)),
            };
        }
        for p in m.ptes.iter_mut() {
            let flags = r.get(4);
            p.present = flags & 1 != 0;
            p.writable = flags & 2 != 0;
            p.dirty = flags & 4 != 0;
            p.swap = flags & 8 != 0;
            p.pfn = pfns[r.get(self.w_pfn) as usize];
        }
        for f in m.frames.iter_mut() {
            let flags = r.get(2);
            f.written_out = flags & 1 != 0;
            f.freed = flags & 2 != 0;
        }
        let len = r.get(16);
        m.tlbis.clear();
        for _ in 0..len {
            let issuer = CpuId(r.get(self.w_cpu) as u8);
            let pending = CpuSet(r.get(self.cpus as u32) as u16);
            let target = match r.get(1) {
                0 => TlbiTarget::Va {
                    asid,
                    page: PageId(r.get(self.w_page) as u8),
                },
                _ => TlbiTarget::Asid { asid },
            };
            m.tlbis.push(InFlightTlbi {
                issuer,
                target,
                pending,
            });
        }
        m.tlb_flush_batched.pending = r.get(self.w_count) as Count;
        m.tlb_flush_batched.flushed = r.get(self.w_count) as Count;
        for holder in m.ptl.iter_mut() {
            *holder = opt_task(r.get(self.w_opt_task));
        }
        m.mmap_lock = match r.get(2) {
            0 => MmapLock::Free,
            1 => MmapLock::Read {
                readers: r.get(8) as u8,
            },
            _ => MmapLock::Write {
                task: TaskId(r.get(self.w_task) as u8),
            },
        };
        m.tlb_flush_pending = r.get(8) as u8;
        for flag in m.flags.iter_mut() {
            *flag = r.get(1) != 0;
        }
        m.prot_read = PageSet(r.get(self.pages as u32) as u16);
        m.unmapped = PageSet(r.get(self.pages as u32) as u16);
        m.broken = KindSet(r.get(4) as u8);
        m.violation = match r.get(1) {
            0 => None,
            _ => Some(Violation {
                kind: ViolationKind::ALL[r.get(2) as usize],
                cpu: CpuId(r.get(self.w_cpu) as u8),
                task: TaskId(r.get(self.w_task) as u8),
                page: PageId(r.get(self.w_page) as u8),
                entry: entry(&mut r),
            }),
        };
        if self.ipis {
            let pages = self.pages as u32;
            m.mm_cpumask = CpuSet(r.get(self.cpus as u32) as u16);
            for t in m.tasks.iter_mut() {
                t.tlb_ubc.cpumask = CpuSet(r.get(self.cpus as u32) as u16);
            }
            m.ipis.clear();
            for c in 0..self.cpus {
                if r.get(1) == 0 {
                    continue;
                }
                let pending = CpuSet(r.get(self.cpus as u32) as u16);
                let range = match r.get(1) {
                    1 => FlushRange::All,
                    _ => FlushRange::Pages {
                        pages: crate::op::PageSet(r.get(pages) as u16),
                    },
                };
                let batch_seen = r.get(self.w_count) as Count;
                let mm = r.get(1) != 0;
                let new_tlb_gen = if self.tlb_gen {
                    r.get(self.w_count) as Count
                } else {
                    0
                };
                m.ipis.push(FlushIpi {
                    sender: CpuId(c as u8),
                    range,
                    pending,
                    batch_seen,
                    mm,
                    new_tlb_gen,
                });
            }
            if self.tlb_gen {
                m.tlb_gen.mm = r.get(self.w_count) as Count;
                m.tlb_gen.loaded = CpuSet(r.get(self.cpus as u32) as u16);
                for c in 0..self.cpus {
                    m.tlb_gen.cpu[c] = r.get(self.w_count) as Count;
                }
            }
        }
    }
}
