//! Where each modelled step lives in the Linux kernel, and the commits that matter.
//! Every claim the narrative makes points at one of these.

use serde::Serialize;

/// The kernel version the source links are pinned to.
pub const KERNEL_VERSION: &str = "v6.15";

/// A kernel function (or instruction wrapper) and the file that defines it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct KernelRef {
    /// The identifier, e.g. `flush_tlb_batched_pending`.
    pub function: &'static str,
    /// The file, relative to the kernel tree, e.g. `mm/rmap.c`.
    pub file: &'static str,
}

impl KernelRef {
    /// A stable Elixir link that finds the identifier's definition at [`KERNEL_VERSION`].
    pub fn link(&self) -> String {
        format!(
            "https://elixir.bootlin.com/linux/{KERNEL_VERSION}/A/ident/{}",
            self.function
        )
    }
}

/// A kernel commit, by its 12-digit abbreviated hash and subject line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Commit {
    /// Abbreviated hash, as kernel commit messages cite it.
    pub id: &'static str,
    /// The subject line.
    pub subject: &'static str,
    /// One line on why it matters here.
    pub why: &'static str,
}

impl Commit {
    /// A link to the commit in the mainline tree's web view.
    pub fn link(&self) -> String {
        format!(
            "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git/commit/?id={}",
            self.id
        )
    }
}

macro_rules! kref {
    ($name:ident, $function:literal, $file:literal) => {
        #[doc = concat!("`", $function, "()` in `", $file, "`.")]
        pub const $name: KernelRef = KernelRef {
            function: $function,
            file: $file,
        };
    };
}

kref!(DO_PAGE_FAULT, "do_page_fault", "arch/arm64/mm/fault.c");
kref!(TRY_TO_UNMAP_ONE, "try_to_unmap_one", "mm/rmap.c");
kref!(
    PTEP_GET_AND_CLEAR,
    "ptep_get_and_clear",
    "arch/arm64/include/asm/pgtable.h"
);
kref!(
    SET_TLB_UBC_FLUSH_PENDING,
    "set_tlb_ubc_flush_pending",
    "mm/rmap.c"
);
kref!(
    ARCH_TLBBATCH_ADD_PENDING,
    "arch_tlbbatch_add_pending",
    "arch/arm64/include/asm/tlbflush.h"
);
kref!(TRY_TO_UNMAP_FLUSH, "try_to_unmap_flush", "mm/rmap.c");
kref!(
    ARCH_TLBBATCH_FLUSH,
    "arch_tlbbatch_flush",
    "arch/arm64/include/asm/tlbflush.h"
);
kref!(
    TRY_TO_UNMAP_FLUSH_DIRTY,
    "try_to_unmap_flush_dirty",
    "mm/rmap.c"
);
kref!(PAGEOUT, "pageout", "mm/vmscan.c");
kref!(FREE_UNREF_FOLIOS, "free_unref_folios", "mm/page_alloc.c");
kref!(SHRINK_FOLIO_LIST, "shrink_folio_list", "mm/vmscan.c");
kref!(
    PTE_OFFSET_MAP_LOCK,
    "pte_offset_map_lock",
    "include/linux/mm.h"
);
kref!(PTE_UNMAP_UNLOCK, "pte_unmap_unlock", "include/linux/mm.h");
kref!(TLB_FINISH_MMU, "tlb_finish_mmu", "mm/mmu_gather.c");
kref!(ZAP_PTE_RANGE, "zap_pte_range", "mm/memory.c");
kref!(MOVE_PTES, "move_ptes", "mm/mremap.c");
kref!(MUNMAP, "sys_munmap", "mm/mmap.c");
kref!(
    MADVISE_DONTNEED,
    "madvise_dontneed_single_vma",
    "mm/madvise.c"
);
kref!(MREMAP, "mremap_to", "mm/mremap.c");
kref!(
    FLUSH_TLB_BATCHED_PENDING,
    "flush_tlb_batched_pending",
    "mm/rmap.c"
);
kref!(
    ARCH_FLUSH_TLB_BATCHED_PENDING,
    "arch_flush_tlb_batched_pending",
    "arch/arm64/include/asm/tlbflush.h"
);
kref!(
    FLUSH_TLB_MM,
    "flush_tlb_mm",
    "arch/arm64/include/asm/tlbflush.h"
);
kref!(CHANGE_PTE_RANGE, "change_pte_range", "mm/mprotect.c");
kref!(
    FLUSH_TLB_RANGE,
    "flush_tlb_range",
    "arch/arm64/include/asm/tlbflush.h"
);
kref!(MPROTECT, "do_mprotect_pkey", "mm/mprotect.c");
kref!(COND_RESCHED, "__cond_resched", "kernel/sched/core.c");
kref!(SWITCH_TO, "__switch_to", "arch/arm64/kernel/process.c");
kref!(TLBI_VA, "__tlbi", "arch/arm64/include/asm/tlbflush.h");
kref!(TLBI_ASID, "__tlbi", "arch/arm64/include/asm/tlbflush.h");
kref!(DSB, "dsb", "arch/arm64/include/asm/barrier.h");

kref!(
    X86_ARCH_TLBBATCH_SHOULD_DEFER,
    "arch_tlbbatch_should_defer",
    "arch/x86/include/asm/tlbflush.h"
);
kref!(
    X86_ARCH_TLBBATCH_ADD_PENDING,
    "arch_tlbbatch_add_pending",
    "arch/x86/include/asm/tlbflush.h"
);
kref!(
    X86_ARCH_TLBBATCH_FLUSH,
    "arch_tlbbatch_flush",
    "arch/x86/mm/tlb.c"
);
kref!(
    X86_ARCH_FLUSH_TLB_BATCHED_PENDING,
    "arch_flush_tlb_batched_pending",
    "arch/x86/include/asm/tlbflush.h"
);
kref!(
    X86_FLUSH_TLB_MM_RANGE,
    "flush_tlb_mm_range",
    "arch/x86/mm/tlb.c"
);
kref!(X86_FLUSH_TLB_FUNC, "flush_tlb_func", "arch/x86/mm/tlb.c");
kref!(
    X86_FLUSH_TLB_MULTI,
    "native_flush_tlb_multi",
    "arch/x86/mm/tlb.c"
);
kref!(X86_TLB_FLUSH, "tlb_flush", "arch/x86/include/asm/tlb.h");
kref!(
    X86_SWITCH_MM_IRQS_OFF,
    "switch_mm_irqs_off",
    "arch/x86/mm/tlb.c"
);
kref!(
    X86_DO_USER_ADDR_FAULT,
    "do_user_addr_fault",
    "arch/x86/mm/fault.c"
);
kref!(
    SMP_CALL_FUNCTION_MANY_COND,
    "smp_call_function_many_cond",
    "kernel/smp.c"
);
kref!(
    RISCV_ARCH_TLBBATCH_ADD_PENDING,
    "arch_tlbbatch_add_pending",
    "arch/riscv/mm/tlbflush.c"
);
kref!(
    RISCV_ARCH_TLBBATCH_FLUSH,
    "arch_tlbbatch_flush",
    "arch/riscv/mm/tlbflush.c"
);
kref!(
    RISCV_ARCH_FLUSH_TLB_BATCHED_PENDING,
    "arch_flush_tlb_batched_pending",
    "arch/riscv/mm/tlbflush.c"
);
kref!(
    RISCV_FLUSH_TLB_MM,
    "flush_tlb_mm",
    "arch/riscv/mm/tlbflush.c"
);
kref!(
    RISCV_FLUSH_TLB_RANGE,
    "__flush_tlb_range",
    "arch/riscv/mm/tlbflush.c"
);
kref!(
    RISCV_IPI_FLUSH_TLB_RANGE_ASID,
    "__ipi_flush_tlb_range_asid",
    "arch/riscv/mm/tlbflush.c"
);
kref!(RISCV_SWITCH_MM, "switch_mm", "arch/riscv/mm/context.c");
kref!(
    RISCV_HANDLE_PAGE_FAULT,
    "handle_page_fault",
    "arch/riscv/mm/fault.c"
);

/// AMD INVLPGB in x86 batched reclaim: `arch_tlbbatch_flush()` issues
/// `invlpgb_flush_all_nonglobals()` (INVLPGB, then TLBSYNC on the same CPU)
/// instead of IPIs. Merged into tip's x86/core on 2025-03-19 (tip-bot2); not
/// modelled (docs/architectures.md says why).
pub const COMMIT_X86_INVLPGB_RECLAIM: Commit = Commit {
    id: "72a920eacd8a",
    subject: "x86/mm: Use broadcast TLB flushing in page reclaim",
    why: "x86 reclaim completes its batch with INVLPGB + TLBSYNC on the flushing CPU, still inside arch_tlbbatch_flush(): nothing is in flight between queue and flush",
};

/// The fix of the generic race: `flush_tlb_batched_pending()` in mprotect and friends.
pub const COMMIT_GENERIC_FIX: Commit = Commit {
    id: "3ea277194daa",
    subject: "mm, mprotect: flush TLB if potentially racing with a parallel reclaim leaving stale TLB entries",
    why: "added flush_tlb_batched_pending() to mprotect() and friends (v4.13)",
};

/// arm64 batched TLB flushing: TLBIs at queue time, the DSB only at the end.
pub const COMMIT_ARM64_BATCH: Commit = Commit {
    id: "43b3dfdd0455",
    subject: "arm64: support batched/deferred tlb shootdown during page reclamation/migration",
    why:
        "arm64 batching: broadcast TLBI when queued, dsb(ish) only in arch_tlbbatch_flush(), and arch_flush_tlb_batched_pending() as a bare dsb(ish) (v6.6-rc1); the commit the fix's Fixes: tag names",
};

/// The arch hook for the pending flush (x86 and mm/rmap.c only).
pub const COMMIT_ARCH_HOOK: Commit = Commit {
    id: "db6c1f6f236d",
    subject: "mm/tlbbatch: introduce arch_flush_tlb_batched_pending()",
    why: "made the pending flush an arch hook, touching x86 and mm/rmap.c only (v6.6-rc1); arm64's bare dsb(ish) in it came with 43b3dfdd0455",
};

/// The arm64 fix: flush the whole mm from the CPU that runs mprotect.
pub const COMMIT_ARM64_FIX: Commit = Commit {
    id: "4b634918384c",
    subject: "arm64/mm: Close theoretical race where stale TLB entry remains valid",
    why:
        "arch_flush_tlb_batched_pending() calls flush_tlb_mm(mm) (v6.16-rc1, backported to 6.15.y)",
};

/// Every commit the model cites, oldest first.
pub const COMMITS: [Commit; 4] = [
    COMMIT_GENERIC_FIX,
    COMMIT_ARCH_HOOK,
    COMMIT_ARM64_BATCH,
    COMMIT_ARM64_FIX,
];
