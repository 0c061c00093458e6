//! The built-ins' titles and stories off arm64. Their files tell them as arm64
//! runs them (a TLBI in flight, a DSB that completes it); on x86 and riscv the
//! deferred flush is a CPU mask and nothing is in flight, so three of them
//! (`same-cpu`, `migration`, `tlb-cost`) are told anew, and the others carry a
//! note on what changes (issue 16 item 7). `migration-no-switch-dsb` and the
//! raw-instruction scenarios are refused instead ([`crate::Scenario::arch_refusal`]).

use crate::arch::Arch;

/// The title and story of built-in `name` on `arch`, where they differ from
/// the file's (`None` on arm64, and for a scenario that is not a built-in).
pub(crate) fn retold(name: &str, arch: Arch) -> Option<(String, String)> {
    if !arch.uses_ipis() {
        return None;
    }
    let lazy = if arch == Arch::X86 {
        " (A CPU in lazy TLB mode, with a kernel thread running on it, is interrupted only by a flush with freed_tables set (flush_tlb_mm(), or tlb_finish_mmu() after a nested mmu_gather); other flushes skip it and it catches up when a thread of the mm runs there again.)"
    } else {
        ""
    };
    Some(match name {
        "same-cpu" => (
            format!("Reclaim and mprotect() on the same CPU: on {arch} the switch between them flushes nothing"),
            format!("kswapd0 unmaps P on CPU0 and defers the flush: on {arch} the batch is only a CPU mask, nothing is in flight, and CPU1's thread1 still caches P read-write. Between folios, reclaim calls cond_resched(), and CPU0 switches to thread0, which calls mprotect(P, PROT_READ). On arm64 that switch's __switch_to() DSB completes kswapd0's TLBI, so the scenario is safe there on every kernel. {arch} has no such barrier, and CPU1's entry leaves only when CPU1 flushes its own TLB. So the kernel decides: with flush_tlb_mm, flush_tlb_batched_pending() interrupts CPU1 and waits, and thread1's write after mprotect() returns faults; before 3ea277194daa (none) and with local_flush, nothing asks CPU1 to flush, and the write can go through the stale entry."),
        ),
        "migration" => (
            "The reclaim task migrates between queueing and flushing: its batch's CPU mask goes with it".to_string(),
            format!("kswapd0 queues the flush for P on CPU0, then it is moved to CPU2, where it calls try_to_unmap_flush_dirty(), writes P to swap and frees it. On {arch} the batch (current->tlb_ubc) is a CPU mask, and it moves with the task: arch_tlbbatch_flush() on CPU2 sends flush IPIs to the CPUs of the mask and waits until each has flushed, so CPU1's stale entry is gone before the page is written out, and no write can be lost. Unlike arm64, nothing depends on a barrier on the CPU the task left. There is no mprotect() here, so the kernel choice makes no difference."),
        ),
        "tlb-cost" => (
            format!("What the fix costs on {arch}: flush IPIs, and TLBs emptied"),
            format!("Reclaim on CPU0 unmaps P. thread1 on CPU1 calls mprotect(P) and then works on Q, R and S; thread2 on CPU2 works on the same pages. Both TLBs start warm with Q, R and S. With the fix, flush_tlb_batched_pending() calls flush_tlb_mm(): CPU1 interrupts CPU2 and waits, and each flushes every entry of the mm, so the later accesses miss. Without it (none, local_flush) CPU2 keeps its warm entries. Where arm64 pays only in misses, {arch} pays in interrupts too: compare the flush IPIs sent and taken beside the misses.{lazy}"),
        ),
        "migration-no-switch-dsb" => return None,
        _ => {
            let file = crate::scenario::builtin(name)?;
            let (title, story) = (file.title().to_string(), file.story().to_string());
            (
                title,
                format!("{story} (Told for arm64. On {arch} the deferred flush is a CPU mask, not a TLBI in flight; the fix's flush_tlb_mm() interrupts the mm's other CPUs and waits until each has flushed its own TLB, and the kernel before 3ea277194daa asks none of them; the narrative tells each step as {arch} does it.)"),
            )
        }
    })
}
