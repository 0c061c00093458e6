//! The built-in scenarios as Rust values. GENERATED from `scenarios/*.json` by
//! `cargo test -p sim-core --test sourcegen` (tests/sourcegen.rs), which fails
//! while this file differs from what it generates: edit the JSON, not this.
//! Rust rather than JSON so that showing a built-in scenario reads no JSON.

use crate::arch::Arch;
use crate::op::Call::*;
use crate::op::CpuId;
use crate::scenario::{CpuSpec, PageSpec, ScenarioFile, TaskSpec};

fn s(text: &str) -> String {
    text.to_string()
}

fn v(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

fn page(name: &str, vpn: u32, pfn: u32, writable: bool, present: bool, data: u8) -> PageSpec {
    PageSpec {
        name: s(name),
        vpn,
        pfn,
        writable,
        present,
        data,
    }
}

fn cpu(tlb: &[&str]) -> CpuSpec {
    CpuSpec { tlb: v(tlb) }
}

fn task(name: &str, role: &str, cpu: u8, program: Vec<crate::op::Call<String>>) -> TaskSpec {
    TaskSpec {
        name: s(name),
        role: s(role),
        cpu,
        program,
    }
}

/// The built-in scenarios' files, in the order of `scenario::builtin_names()`.
pub(crate) const FILES: [fn() -> ScenarioFile; 11] = [
    seed_race,
    same_cpu,
    migration,
    migration_no_switch_dsb,
    tlb_cost,
    seed_race_4cpu,
    munmap_race,
    madvise_dontneed_race,
    mremap_race,
    two_reclaimers,
    other_thread_writes,
];

fn seed_race() -> ScenarioFile {
    ScenarioFile {
        format: 2,
        name: s("seed-race"),
        title: s("Reclaim defers a flush; mprotect() on another CPU misses it"),
        story: s("The race from the seed thread. thread1 on CPU1 writes page P, so CPU1's TLB caches P read-write. On CPU0, kswapd unmaps P (try_to_unmap_one) and defers the TLB flush: arm64 broadcasts the TLBI at once but leaves out the DSB that would wait for it. thread1 then calls mprotect(P, PROT_READ). change_pte_range() takes the page-table lock and calls flush_tlb_batched_pending(), which sees the pending batch, but on arm64 before the fix it only executes dsb(ish) on CPU1, and a DSB completes only the TLBIs of the CPU that executes it. P's PTE is not present, so the walk records nothing and tlb_finish_mmu() flushes nothing. If CPU0's TLBI is slow to reach CPU1, thread1's next write goes through the stale read-write entry although mprotect() has returned. The fix (flush_tlb_mm) makes CPU1 broadcast its own invalidation and wait for it."),
        asid: 1,
        tlb_capacity: 4,
        switch_to_dsb: true,
        arch: Arch::Arm64,
        pages: vec![
            page("P", 1024, 2210, true, true, 0),
            page("Q", 1025, 2211, true, true, 0),
            page("R", 1026, 2212, true, true, 0),
        ],
        cpus: vec![
            cpu(&[]),
            cpu(&["Q", "R"]),
        ],
        tasks: vec![
            task("kswapd0", "reclaim", 0, vec![
                TryToUnmapOne { page: s("P") },
                TryToUnmapFlushDirty,
                Pageout { page: s("P") },
                TryToUnmapFlush,
                FreeFolio { page: s("P") },
            ]),
            task("thread1", "writes P, mprotect(P)", 1, vec![
                Write { page: s("P"), value: 1 },
                Mprotect { pages: v(&["P"]) },
                Write { page: s("P"), value: 2 },
            ]),
        ],
        default_schedule: s("s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s0,s0,s0,s0"),
    }
}

fn same_cpu() -> ScenarioFile {
    ScenarioFile {
        format: 2,
        name: s("same-cpu"),
        title: s("Reclaim and mprotect() on the same CPU: on arm64 the switch between them completes the TLBI"),
        story: s("kswapd0 unmaps P on CPU0 and defers the flush: its TLBI is in flight, and CPU1's thread1 still caches P read-write. Between folios, reclaim calls cond_resched(), and CPU0 switches to thread0, which calls mprotect(P, PROT_READ). A real kernel cannot go from kswapd to thread0 on one CPU without __switch_to(), and arm64's __switch_to() executes dsb(ish) on the CPU it runs on: that DSB completes kswapd0's TLBI on every CPU, because it runs on the CPU that issued it. So by the time mprotect() runs, CPU1's entry is gone, whatever flush_tlb_batched_pending() does. thread1 waits for thread0's signal (mprotect has returned) before writing P again, and the write faults. Safe on every arm64 kernel (x86 and riscv have no DSB in the switch: there the kernel decides, and the explorer shows where). kswapd0 then finishes its reclaim of P."),
        asid: 1,
        tlb_capacity: 4,
        switch_to_dsb: true,
        arch: Arch::Arm64,
        pages: vec![
            page("P", 1024, 2210, true, true, 0),
            page("Q", 1025, 2211, true, true, 0),
            page("R", 1026, 2212, true, true, 0),
        ],
        cpus: vec![
            cpu(&[]),
            cpu(&["Q"]),
        ],
        tasks: vec![
            task("kswapd0", "reclaim", 0, vec![
                TryToUnmapOne { page: s("P") },
                CondResched,
                TryToUnmapFlushDirty,
                Pageout { page: s("P") },
                TryToUnmapFlush,
                FreeFolio { page: s("P") },
            ]),
            task("thread0", "mprotect(P), then signal", 0, vec![
                Mprotect { pages: v(&["P"]) },
                Signal { flag: s("protected") },
            ]),
            task("thread1", "writes P", 1, vec![
                Write { page: s("P"), value: 1 },
                Wait { flag: s("protected") },
                Write { page: s("P"), value: 2 },
            ]),
        ],
        default_schedule: s("s1,s0,s0,s0,s0,s0,s0,s0,s0,s0,s0,s0,s0,s0,s0,s0,s1,s1"),
    }
}

fn migration() -> ScenarioFile {
    ScenarioFile {
        format: 2,
        name: s("migration"),
        title: s("The reclaim task migrates between queueing and flushing"),
        story: s("kswapd0 queues the flush for P on CPU0, then it is moved to CPU2, where it calls try_to_unmap_flush_dirty(), writes P to swap and frees it. The DSB of arch_tlbbatch_flush() now runs on CPU2, which did not issue the TLBI, so by the Arm rule it could not complete it. It does not have to: __switch_to() executes dsb(ish) on CPU0 as the task leaves, and that completes CPU0's TLBI on every CPU. CPU1's stale entry is gone before the page is written out, so no write can be lost. There is no mprotect() here, so the kernel choice makes no difference."),
        asid: 1,
        tlb_capacity: 4,
        switch_to_dsb: true,
        arch: Arch::Arm64,
        pages: vec![
            page("P", 1024, 2210, true, true, 0),
        ],
        cpus: vec![
            cpu(&[]),
            cpu(&["P"]),
            cpu(&[]),
        ],
        tasks: vec![
            task("kswapd0", "reclaim, migrates", 0, vec![
                TryToUnmapOne { page: s("P") },
                Migrate { to: CpuId(2) },
                TryToUnmapFlushDirty,
                Pageout { page: s("P") },
                TryToUnmapFlush,
                FreeFolio { page: s("P") },
            ]),
            task("thread1", "writes P", 1, vec![
                Write { page: s("P"), value: 1 },
            ]),
        ],
        default_schedule: s("s0,s0,s0,s2,s2,s2,s2,s2,s1"),
    }
}

fn migration_no_switch_dsb() -> ScenarioFile {
    ScenarioFile {
        format: 2,
        name: s("migration-no-switch-dsb"),
        title: s("Hypothetical: the reclaim task migrates and __switch_to() has no DSB"),
        story: s("The migration scenario on a hypothetical kernel whose __switch_to() lacks its dsb(ish). kswapd0 issues the TLBI for P on CPU0 and moves to CPU2. Its try_to_unmap_flush_dirty() executes dsb(ish) on CPU2, but a DSB completes only the TLBIs of the CPU that executes it, so CPU0's TLBI may still be in flight when P is written to swap. thread1 on CPU1 then writes P through its stale entry: the data lands in a frame that was already written out, and is lost. This is why __switch_to() has the DSB."),
        asid: 1,
        tlb_capacity: 4,
        switch_to_dsb: false,
        arch: Arch::Arm64,
        pages: vec![
            page("P", 1024, 2210, true, true, 0),
        ],
        cpus: vec![
            cpu(&[]),
            cpu(&["P"]),
            cpu(&[]),
        ],
        tasks: vec![
            task("kswapd0", "reclaim, migrates", 0, vec![
                TryToUnmapOne { page: s("P") },
                Migrate { to: CpuId(2) },
                TryToUnmapFlushDirty,
                Pageout { page: s("P") },
                TryToUnmapFlush,
                FreeFolio { page: s("P") },
            ]),
            task("thread1", "writes P", 1, vec![
                Write { page: s("P"), value: 1 },
            ]),
        ],
        default_schedule: s("s0,s0,s0,s2,s2,s2,s1,s2,s2"),
    }
}

fn tlb_cost() -> ScenarioFile {
    ScenarioFile {
        format: 2,
        name: s("tlb-cost"),
        title: s("What the fix costs: flush_tlb_mm() empties every TLB of the mm"),
        story: s("Reclaim on CPU0 unmaps P. thread1 on CPU1 calls mprotect(P) and then works on Q, R and S; thread2 on CPU2 works on the same pages. Both TLBs start warm with Q, R and S. With the dsb kernel, flush_tlb_batched_pending() only executes a DSB, so the warm entries survive and the later accesses hit. With the fix, flush_tlb_mm() invalidates every entry of the ASID on every CPU, so each later access misses and walks the page table: correct, but the TLBs go cold. Compare the miss counters."),
        asid: 1,
        tlb_capacity: 4,
        switch_to_dsb: true,
        arch: Arch::Arm64,
        pages: vec![
            page("P", 1024, 2210, true, true, 0),
            page("Q", 1025, 2211, true, true, 0),
            page("R", 1026, 2212, true, true, 0),
            page("S", 1027, 2213, true, true, 0),
        ],
        cpus: vec![
            cpu(&[]),
            cpu(&["Q", "R", "S"]),
            cpu(&["Q", "R", "S"]),
        ],
        tasks: vec![
            task("kswapd0", "reclaim", 0, vec![
                TryToUnmapOne { page: s("P") },
                TryToUnmapFlushDirty,
                Pageout { page: s("P") },
                TryToUnmapFlush,
                FreeFolio { page: s("P") },
            ]),
            task("thread1", "mprotect(P), then works", 1, vec![
                Mprotect { pages: v(&["P"]) },
                Read { page: s("Q") },
                Write { page: s("R"), value: 1 },
                Read { page: s("S") },
            ]),
            task("thread2", "works", 2, vec![
                Read { page: s("Q") },
                Read { page: s("R") },
                Write { page: s("S"), value: 2 },
            ]),
        ],
        default_schedule: s("s0,s0,s1,s1,s1,s1,s1,s1,s1,s1,s1,s2,s2,s2,s0,s0,s0,s0"),
    }
}

fn seed_race_4cpu() -> ScenarioFile {
    ScenarioFile {
        format: 2,
        name: s("seed-race-4cpu"),
        title: s("The seed race with two more threads of the mm"),
        story: s("The seed race on four CPUs. thread1 on CPU1 calls mprotect(P, PROT_READ) while kswapd0 on CPU0 has a TLBI for P in flight; thread2 on CPU2 also uses P and thread3 on CPU3 only reads. mprotect's promise covers every thread of the process: after it returns, a write to P from CPU2 must fault too. With the dsb kernel, CPU1's DSB completes nothing of CPU0's, so both CPU1 and CPU2 may write through stale entries; with flush_tlb_mm, CPU1's own broadcast invalidation reaches every CPU before mprotect() returns."),
        asid: 1,
        tlb_capacity: 4,
        switch_to_dsb: true,
        arch: Arch::Arm64,
        pages: vec![
            page("P", 1024, 2210, true, true, 0),
            page("Q", 1025, 2211, true, true, 0),
            page("R", 1026, 2212, true, true, 0),
        ],
        cpus: vec![
            cpu(&[]),
            cpu(&[]),
            cpu(&["Q"]),
            cpu(&[]),
        ],
        tasks: vec![
            task("kswapd0", "reclaim", 0, vec![
                TryToUnmapOne { page: s("P") },
                TryToUnmapFlushDirty,
                Pageout { page: s("P") },
                TryToUnmapFlush,
                FreeFolio { page: s("P") },
            ]),
            task("thread1", "writes P, mprotect(P)", 1, vec![
                Write { page: s("P"), value: 1 },
                Mprotect { pages: v(&["P"]) },
                Write { page: s("P"), value: 2 },
            ]),
            task("thread2", "uses P", 2, vec![
                Write { page: s("P"), value: 3 },
                Read { page: s("Q") },
                Write { page: s("P"), value: 4 },
            ]),
            task("thread3", "reads", 3, vec![
                Read { page: s("P") },
                Read { page: s("Q") },
            ]),
        ],
        default_schedule: s("s1,s2,s3,s0,s0,s1,s1,s1,s1,s1,s1,s1,s2,s2,s3,s0,s0,s0,s0"),
    }
}

fn munmap_race() -> ScenarioFile {
    ScenarioFile {
        format: 2,
        name: s("munmap-race"),
        title: s("Reclaim defers a flush; munmap() on another CPU misses it"),
        story: s("The same race through munmap(). kswapd0 on CPU0 unmaps P and leaves its TLBI in flight. thread1 on CPU1, whose TLB caches P, calls munmap(P). zap_pte_range() takes the page-table lock and calls flush_tlb_batched_pending() (a bare DSB on CPU1 before the fix), then finds P's PTE not present: it drops the swap entry, records nothing, and tlb_finish_mmu() flushes nothing. munmap() returns, and a load from P's old address still succeeds through CPU1's stale entry: the process reads a frame it no longer maps, which reclaim will write out and free. munmap()'s promise, that the old addresses fault, is broken. The fix makes CPU1 flush the whole mm itself."),
        asid: 1,
        tlb_capacity: 4,
        switch_to_dsb: true,
        arch: Arch::Arm64,
        pages: vec![
            page("P", 1024, 2210, true, true, 0),
            page("Q", 1025, 2211, true, true, 0),
            page("R", 1026, 2212, true, true, 0),
        ],
        cpus: vec![
            cpu(&[]),
            cpu(&["Q"]),
        ],
        tasks: vec![
            task("kswapd0", "reclaim", 0, vec![
                TryToUnmapOne { page: s("P") },
                TryToUnmapFlushDirty,
                Pageout { page: s("P") },
                TryToUnmapFlush,
                FreeFolio { page: s("P") },
            ]),
            task("thread1", "writes P, munmap(P)", 1, vec![
                Write { page: s("P"), value: 1 },
                Munmap { pages: v(&["P"]) },
                Read { page: s("P") },
            ]),
        ],
        default_schedule: s("s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s0,s0,s0,s0"),
    }
}

fn madvise_dontneed_race() -> ScenarioFile {
    ScenarioFile {
        format: 2,
        name: s("madvise-dontneed-race"),
        title: s("Reclaim defers a flush; madvise(MADV_DONTNEED) on another CPU misses it"),
        story: s("The same race through madvise(MADV_DONTNEED), which zaps the range like munmap() but keeps it mapped: after it returns, an access must see a fresh zero page, never the old frame. kswapd0 on CPU0 unmaps P with its TLBI in flight. thread1 on CPU1 calls madvise(P, MADV_DONTNEED): zap_pte_range() finds P not present, records nothing, and tlb_finish_mmu() flushes nothing. thread1's next write to P goes through its stale entry into the old frame instead of faulting in a zero page."),
        asid: 1,
        tlb_capacity: 4,
        switch_to_dsb: true,
        arch: Arch::Arm64,
        pages: vec![
            page("P", 1024, 2210, true, true, 0),
            page("Q", 1025, 2211, true, true, 0),
            page("R", 1026, 2212, true, true, 0),
        ],
        cpus: vec![
            cpu(&[]),
            cpu(&["Q"]),
        ],
        tasks: vec![
            task("kswapd0", "reclaim", 0, vec![
                TryToUnmapOne { page: s("P") },
                TryToUnmapFlushDirty,
                Pageout { page: s("P") },
                TryToUnmapFlush,
                FreeFolio { page: s("P") },
            ]),
            task("thread1", "writes P, MADV_DONTNEED", 1, vec![
                Write { page: s("P"), value: 1 },
                MadviseDontneed { pages: v(&["P"]) },
                Write { page: s("P"), value: 2 },
            ]),
        ],
        default_schedule: s("s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s0,s0,s0,s0"),
    }
}

fn mremap_race() -> ScenarioFile {
    ScenarioFile {
        format: 2,
        name: s("mremap-race"),
        title: s("Reclaim defers a flush; mremap() on another CPU misses it"),
        story: s("The same race through mremap(). kswapd0 on CPU0 unmaps P with its TLBI in flight. thread1 on CPU1 moves P to a new address, N, in another PTE table. move_ptes() takes both tables' locks and calls flush_tlb_batched_pending() (a bare DSB on CPU1 before the fix), then moves P's PTE, which is not present (a swap entry), so it sees no reason to flush the old address. mremap() returns, and a load from P's old address still succeeds through CPU1's stale entry."),
        asid: 1,
        tlb_capacity: 4,
        switch_to_dsb: true,
        arch: Arch::Arm64,
        pages: vec![
            page("P", 1024, 2210, true, true, 0),
            page("Q", 1025, 2211, true, true, 0),
            page("N", 2048, 0, true, false, 0),
        ],
        cpus: vec![
            cpu(&[]),
            cpu(&["Q"]),
        ],
        tasks: vec![
            task("kswapd0", "reclaim", 0, vec![
                TryToUnmapOne { page: s("P") },
                TryToUnmapFlushDirty,
                Pageout { page: s("P") },
                TryToUnmapFlush,
                FreeFolio { page: s("P") },
            ]),
            task("thread1", "writes P, mremap(P -> N)", 1, vec![
                Write { page: s("P"), value: 1 },
                Mremap { page: s("P"), to: s("N") },
                Read { page: s("P") },
            ]),
        ],
        default_schedule: s("s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s0,s0,s0,s0"),
    }
}

fn two_reclaimers() -> ScenarioFile {
    ScenarioFile {
        format: 2,
        name: s("two-reclaimers"),
        title: s("Two reclaimers, one mprotect() over both of their pages"),
        story: s("Two reclaim tasks, kswapd0 on CPU0 and kswapd2 on CPU2, each unmap one page of the same PTE table (P and Q) and defer their flushes; each has its own batch (current->tlb_ubc), so one's try_to_unmap_flush() never completes or clears the other's. thread1 on CPU1 has both pages cached and calls mprotect(P..Q, PROT_READ) over the whole table, holding its lock for the whole walk. Before the fix its DSB completes neither reclaimer's TLBI, so a write after mprotect() returns may go through a stale entry. With flush_tlb_mm it cannot. Under every kernel, each reclaimer flushes its own batch before writing its page out, so no write is lost."),
        asid: 1,
        tlb_capacity: 4,
        switch_to_dsb: true,
        arch: Arch::Arm64,
        pages: vec![
            page("P", 1024, 2210, true, true, 0),
            page("Q", 1025, 2211, true, true, 0),
            page("R", 1026, 2212, true, true, 0),
        ],
        cpus: vec![
            cpu(&[]),
            cpu(&[]),
            cpu(&[]),
        ],
        tasks: vec![
            task("kswapd0", "reclaim P", 0, vec![
                TryToUnmapOne { page: s("P") },
                TryToUnmapFlushDirty,
                Pageout { page: s("P") },
                TryToUnmapFlush,
                FreeFolio { page: s("P") },
            ]),
            task("thread1", "writes P, Q, mprotect", 1, vec![
                Write { page: s("P"), value: 1 },
                Write { page: s("Q"), value: 2 },
                Mprotect { pages: v(&["P", "Q"]) },
                Write { page: s("P"), value: 3 },
                Write { page: s("Q"), value: 4 },
            ]),
            task("kswapd2", "reclaim Q", 2, vec![
                TryToUnmapOne { page: s("Q") },
                TryToUnmapFlushDirty,
                Pageout { page: s("Q") },
                TryToUnmapFlush,
                FreeFolio { page: s("Q") },
            ]),
        ],
        default_schedule: s("s1,s1,s0,s0,s2,s2,s1,s1,s1,s1,s1,s1,s1,s1,s1,s0,s0,s0,s0,s2,s2,s2,s2"),
    }
}

fn other_thread_writes() -> ScenarioFile {
    ScenarioFile {
        format: 2,
        name: s("other-thread-writes"),
        title: s("Another thread writes after mprotect() returned"),
        story: s("mprotect()'s promise holds for every thread of the process. kswapd0 on CPU0 unmaps P with its TLBI in flight. thread2 on CPU2 has written P, so its TLB caches P read-write. thread1 on CPU1 calls mprotect(P, PROT_READ) and then sets a flag; thread2 spins on the flag (an acquire loop on a flag in shared memory), so its next write to P happens after mprotect() returned. Before the fix, CPU1's DSB does not complete CPU0's TLBI, and thread2's write goes through its stale entry on CPU2. With flush_tlb_mm, CPU1's own ASID invalidation reaches CPU2 before mprotect() returns."),
        asid: 1,
        tlb_capacity: 4,
        switch_to_dsb: true,
        arch: Arch::Arm64,
        pages: vec![
            page("P", 1024, 2210, true, true, 0),
            page("Q", 1025, 2211, true, true, 0),
            page("R", 1026, 2212, true, true, 0),
        ],
        cpus: vec![
            cpu(&[]),
            cpu(&[]),
            cpu(&[]),
        ],
        tasks: vec![
            task("kswapd0", "reclaim", 0, vec![
                TryToUnmapOne { page: s("P") },
                TryToUnmapFlushDirty,
                Pageout { page: s("P") },
                TryToUnmapFlush,
                FreeFolio { page: s("P") },
            ]),
            task("thread1", "mprotect(P), signal", 1, vec![
                Mprotect { pages: v(&["P"]) },
                Signal { flag: s("protected") },
            ]),
            task("thread2", "writes P, waits, writes", 2, vec![
                Write { page: s("P"), value: 1 },
                Wait { flag: s("protected") },
                Write { page: s("P"), value: 2 },
            ]),
        ],
        default_schedule: s("s2,s0,s0,s1,s1,s1,s1,s1,s1,s1,s2,s2,s0,s0,s0,s0"),
    }
}
