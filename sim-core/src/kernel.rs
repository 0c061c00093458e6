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
kref!(SWAP_WRITEPAGE, "swap_writepage", "mm/page_io.c");
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
kref!(SWITCH_TO, "__switch_to", "arch/arm64/kernel/process.c");
kref!(TLBI_VA, "__tlbi", "arch/arm64/include/asm/tlbflush.h");
kref!(TLBI_ASID, "__tlbi", "arch/arm64/include/asm/tlbflush.h");
kref!(DSB, "dsb", "arch/arm64/include/asm/barrier.h");

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
        "arm64 batching: broadcast TLBI when queued, dsb(ish) only in arch_tlbbatch_flush() (v6.5)",
};

/// The arch hook that let arm64 make the pending flush a bare DSB.
pub const COMMIT_ARCH_HOOK: Commit = Commit {
    id: "db6c1f6f236d",
    subject: "mm/tlbbatch: introduce arch_flush_tlb_batched_pending()",
    why: "made the pending flush an arch hook; arm64's became a bare dsb(ish) (v6.5)",
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
