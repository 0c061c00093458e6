//! What `flush_tlb_batched_pending()` does on the kernel being modelled.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::kernel::{self, Commit};

/// The three kernels the visualizer compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mitigation {
    /// Before 3ea277194daa: no page-table walker calls `flush_tlb_batched_pending()`.
    /// On x86 that is Nadav Amit's original race; on arm64 it is hypothetical, since
    /// arm64 batching (43b3dfdd0455, v6.6-rc1) came years after 3ea277194daa (v4.13).
    None,
    /// arm64 from 43b3dfdd0455 until 4b634918384c: `arch_flush_tlb_batched_pending()`
    /// is `dsb(ish)`, which completes only the TLBIs of the CPU that executes it.
    #[default]
    Dsb,
    /// The fix (4b634918384c; core code from v6.17): `flush_tlb_mm(mm)`, a broadcast
    /// invalidation of the whole ASID completed by the caller's own DSB.
    FlushTlbMm,
    /// A teaching kernel of x86 and riscv, never shipped: `flush_tlb_batched_pending()`
    /// flushes the calling CPU's TLB and nobody else's. It removes the caller's
    /// own stale entry, not another thread's on another CPU, which shows why the
    /// flush must cover the whole mm (`flush_tlb_mm()`).
    LocalFlush,
}

impl Mitigation {
    /// The arm64 kernels, in the order the UI cycles through them (what each
    /// architecture offers is [`crate::Arch::mitigations`]).
    pub const ALL: [Mitigation; 3] = [Mitigation::None, Mitigation::Dsb, Mitigation::FlushTlbMm];

    /// Every kernel of every architecture.
    pub const EVERY: [Mitigation; 4] = [
        Mitigation::None,
        Mitigation::Dsb,
        Mitigation::FlushTlbMm,
        Mitigation::LocalFlush,
    ];

    /// The name used on the command line, in files and in permalinks.
    pub fn name(self) -> &'static str {
        match self {
            Mitigation::None => "none",
            Mitigation::Dsb => "dsb",
            Mitigation::FlushTlbMm => "flush_tlb_mm",
            Mitigation::LocalFlush => "local_flush",
        }
    }

    /// One line saying which kernel this is.
    pub fn summary(self) -> &'static str {
        match self {
            Mitigation::None => {
                "Before 3ea277194daa: no walker calls flush_tlb_batched_pending() (x86's original race; hypothetical on arm64, whose batching came later)."
            }
            Mitigation::Dsb => {
                "arm64 from 43b3dfdd0455 to 4b634918384c: a dsb(ish) on the walker's CPU, which cannot complete another CPU's TLBI."
            }
            Mitigation::FlushTlbMm => {
                "The fix (4b634918384c, core code since v6.17): flush_tlb_mm() invalidates the whole ASID and waits with its own DSB."
            }
            Mitigation::LocalFlush => {
                "Teaching variant (x86, riscv): flush only the caller's own TLB: safe for the caller's write, not for another thread's."
            }
        }
    }

    /// The commit that introduced this behaviour.
    pub fn commit(self) -> Commit {
        match self {
            Mitigation::None => kernel::COMMIT_GENERIC_FIX,
            Mitigation::Dsb => kernel::COMMIT_ARM64_BATCH,
            Mitigation::FlushTlbMm => kernel::COMMIT_ARM64_FIX,
            Mitigation::LocalFlush => kernel::COMMIT_GENERIC_FIX,
        }
    }

    /// The next mitigation in [`Mitigation::ALL`], wrapping around.
    pub fn next(self) -> Mitigation {
        let i = Self::ALL.iter().position(|m| *m == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    /// The next kernel `arch` offers ([`crate::Arch::mitigations`]), wrapping around.
    pub fn next_on(self, arch: crate::Arch) -> Mitigation {
        let all = arch.mitigations();
        let i = all.iter().position(|m| *m == self).unwrap_or(0);
        all[(i + 1) % all.len()]
    }
}

impl fmt::Display for Mitigation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Mitigation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mitigation::EVERY
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown mitigation \"{}\": expected one of none, dsb, flush_tlb_mm, local_flush",
                    crate::limits::excerpt(s)
                )
            })
    }
}
