//! Which architecture's TLB maintenance the model runs: arm64's broadcast TLBIs
//! completed by the issuer's DSB (the model tlbrace was built for), or the
//! IPI-based shootdown of x86 and riscv, where a CPU's TLB changes only when that
//! CPU itself flushes it, in its own access or in its flush-IPI handler, and the
//! sender waits for every handler.
//!
//! x86 and riscv share the design (docs/architectures.md): both record a CPU
//! mask in the reclaim batch and send nothing when a flush is queued
//! (`arch_tlbbatch_add_pending()`), both complete the batch in
//! `arch_tlbbatch_flush()` by interrupting other CPUs of the mask and flushing
//! locally, waiting until each has flushed, and both have `flush_tlb_mm()` as
//! `arch_flush_tlb_batched_pending()`. They differ in what a flush does: x86
//! keeps TLB generations (`mm->context.tlb_gen`, one per CPU) and lazy CPUs, so
//! its `flush_tlb_func()` may flush more than asked (or nothing, when up to
//! date), it skips lazy CPUs, and a CPU coming back from lazy mode flushes if
//! the generation moved; riscv flushes the range asked for on every CPU of the
//! mask and never on a context switch. `model.rs` has both.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::event::Event;
use crate::kernel::{self, KernelRef};
use crate::mitigation::Mitigation;

/// The architecture whose TLB maintenance the model runs.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Arch {
    /// arm64: broadcast `tlbi ...is`, completed only by the issuer's `dsb(ish)`.
    #[default]
    Arm64,
    /// x86: flush IPIs (`flush_tlb_multi()`); the sender waits for every handler.
    X86,
    /// riscv: remote `sfence.vma` through SBI or IPIs, completed before the sender
    /// goes on; like x86 without its TLB generations and lazy CPUs.
    Riscv,
}

impl Arch {
    /// Every architecture, in the order a select lists them.
    pub const ALL: [Arch; 3] = [Arch::Arm64, Arch::X86, Arch::Riscv];

    /// The name used on the command line, in files and in permalinks.
    pub fn name(self) -> &'static str {
        match self {
            Arch::Arm64 => "arm64",
            Arch::X86 => "x86",
            Arch::Riscv => "riscv",
        }
    }

    /// Whether this is arm64 (the default, left out of files and links).
    pub fn is_arm64(&self) -> bool {
        *self == Arch::Arm64
    }

    /// Whether remote TLBs are flushed by IPIs whose sender waits (x86, riscv).
    pub fn uses_ipis(self) -> bool {
        !self.is_arm64()
    }

    /// Whether `event` has a meaning on this architecture: a TLBI delivery only
    /// on arm64 (x86 and riscv leave nothing in flight), a flush IPI taken only
    /// on x86 and riscv; a step everywhere.
    pub fn has_event(self, event: &Event) -> bool {
        match event {
            Event::Step(_) => true,
            Event::Deliver { .. } => !self.uses_ipis(),
            Event::Ipi { .. } => self.uses_ipis(),
        }
    }

    /// One line saying how this architecture invalidates other CPUs' TLBs.
    pub fn summary(self) -> &'static str {
        match self {
            Arch::Arm64 => {
                "arm64: a broadcast TLBI reaches other CPUs' TLBs on its own time; only a DSB on the issuing CPU waits for it."
            }
            Arch::X86 => {
                "x86: each CPU flushes its own TLB in a flush IPI handler (by the mm's TLB generation: a range, all, or nothing); the sender waits until every handler has run."
            }
            Arch::Riscv => {
                "riscv: remote sfence.vma of the range through IPIs or SBI, finished before the sender goes on (x86's design without its TLB generations)."
            }
        }
    }

    /// The kernels (mitigations) this architecture offers, in the order a select
    /// lists them.
    pub fn mitigations(self) -> &'static [Mitigation] {
        match self {
            Arch::Arm64 => &Mitigation::ALL,
            Arch::X86 | Arch::Riscv => &[
                Mitigation::None,
                Mitigation::FlushTlbMm,
                Mitigation::LocalFlush,
            ],
        }
    }

    /// The kernel a run uses when none is named: arm64 before the fix (`dsb`), the
    /// kernel x86 and riscv have run since 3ea277194daa (`flush_tlb_mm`).
    pub fn default_mitigation(self) -> Mitigation {
        match self {
            Arch::Arm64 => Mitigation::Dsb,
            Arch::X86 | Arch::Riscv => Mitigation::FlushTlbMm,
        }
    }

    /// Whether this architecture has `mitigation`, and if not, why (a sentence
    /// for an error message).
    pub fn check(self, mitigation: Mitigation) -> Result<(), String> {
        if self.mitigations().contains(&mitigation) {
            return Ok(());
        }
        Err(match (self, mitigation) {
            (_, Mitigation::Dsb) => format!(
                "the dsb kernel is arm64's alone: its arch_flush_tlb_batched_pending() was a bare dsb(ish) (43b3dfdd0455), completing TLBIs that arm64 leaves in flight; {} leaves nothing in flight (its batch is a CPU mask, flushed by IPIs the sender waits for), and {}; choose none, flush_tlb_mm or local_flush",
                self.name(),
                if self == Arch::X86 {
                    "x86 has flushed the mm here since 3ea277194daa: core code called flush_tlb_mm(), and since db6c1f6f236d (v6.6) x86's arch_flush_tlb_batched_pending() is flush_tlb_mm()"
                } else {
                    "riscv's arch_flush_tlb_batched_pending() has been flush_tlb_mm() since riscv got batched unmap flushing (54d7431af73e, v6.8)"
                }
            ),
            (Arch::Arm64, Mitigation::LocalFlush) => "the local_flush kernel is a teaching variant of x86 and riscv (flush the caller's TLB and nobody else's); on arm64 choose none, dsb or flush_tlb_mm".to_string(),
            _ => format!("{} has no {mitigation} kernel", self.name()),
        })
    }

    /// One line on what `mitigation` does on this architecture, for a select.
    pub fn kernel_summary(self, mitigation: Mitigation) -> &'static str {
        match (self, mitigation) {
            (Arch::Arm64, m) => m.summary(),
            (Arch::Riscv, Mitigation::None) => {
                "Hypothetical on riscv: no walker calls flush_tlb_batched_pending() (riscv's batching, 54d7431af73e in v6.8, always had the flush_tlb_mm() hook); Nadav Amit's race, found on x86."
            }
            (_, Mitigation::None) => {
                "Without 3ea277194daa: no walker calls flush_tlb_batched_pending() (Nadav Amit's original race, found on x86); otherwise v6.15's x86 code."
            }
            (Arch::Riscv, Mitigation::FlushTlbMm) => {
                "riscv since its batched unmap flushing (54d7431af73e, v6.8): its arch_flush_tlb_batched_pending() is flush_tlb_mm() (as x86's has been since db6c1f6f236d; before that hook, core code called flush_tlb_mm() directly since 3ea277194daa): a remote sfence.vma of the mm's harts, by IPI or SBI, and the caller waits."
            }
            (_, Mitigation::FlushTlbMm) => {
                "Since 3ea277194daa: flush_tlb_batched_pending() calls flush_tlb_mm(): a local flush plus flush IPIs to the mm's other CPUs, and the caller waits for them."
            }
            (Arch::X86, Mitigation::LocalFlush) => {
                "Teaching variant: flush_tlb_batched_pending() is flush_tlb_mm() with a mask of the caller's CPU alone (the generation is bumped, only the caller's TLB flushed): enough for the caller's write, not for another running thread's."
            }
            (_, Mitigation::LocalFlush) => {
                "Teaching variant: flush_tlb_batched_pending() flushes only the caller's own TLB: enough for the caller's write, not for another thread's."
            }
            (_, Mitigation::Dsb) => "Not on this architecture: dsb(ish) is arm64's.",
        }
    }

    /// The file of this architecture's TLB flush primitives (`flush_tlb_mm()`,
    /// `arch_tlbbatch_add_pending()`).
    pub fn tlbflush_header(self) -> &'static str {
        match self {
            Arch::Arm64 => "arch/arm64/include/asm/tlbflush.h",
            Arch::X86 => "arch/x86/include/asm/tlbflush.h",
            Arch::Riscv => "arch/riscv/include/asm/tlbflush.h",
        }
    }

    /// `arch_tlbbatch_add_pending()` on this architecture.
    pub fn tlbbatch_add_pending(self) -> KernelRef {
        match self {
            Arch::Arm64 => kernel::ARCH_TLBBATCH_ADD_PENDING,
            Arch::X86 => kernel::X86_ARCH_TLBBATCH_ADD_PENDING,
            Arch::Riscv => kernel::RISCV_ARCH_TLBBATCH_ADD_PENDING,
        }
    }

    /// `arch_tlbbatch_flush()` on this architecture.
    pub fn tlbbatch_flush(self) -> KernelRef {
        match self {
            Arch::Arm64 => kernel::ARCH_TLBBATCH_FLUSH,
            Arch::X86 => kernel::X86_ARCH_TLBBATCH_FLUSH,
            Arch::Riscv => kernel::RISCV_ARCH_TLBBATCH_FLUSH,
        }
    }

    /// `flush_tlb_mm()` on this architecture.
    pub fn flush_tlb_mm(self) -> KernelRef {
        match self {
            Arch::Arm64 => kernel::FLUSH_TLB_MM,
            Arch::X86 => kernel::X86_FLUSH_TLB_MM_RANGE,
            Arch::Riscv => kernel::RISCV_FLUSH_TLB_MM,
        }
    }

    /// The function that runs on a CPU that takes a flush IPI (x86
    /// `flush_tlb_func()`, riscv `__ipi_flush_tlb_range_asid()`); `None` on arm64.
    pub fn ipi_handler(self) -> Option<KernelRef> {
        match self {
            Arch::Arm64 => None,
            Arch::X86 => Some(kernel::X86_FLUSH_TLB_FUNC),
            Arch::Riscv => Some(kernel::RISCV_IPI_FLUSH_TLB_RANGE_ASID),
        }
    }

    /// The function in which a sender sends flush IPIs and waits for them.
    pub fn ipi_sender(self) -> KernelRef {
        match self {
            Arch::Riscv => kernel::RISCV_FLUSH_TLB_RANGE,
            _ => kernel::SMP_CALL_FUNCTION_MANY_COND,
        }
    }

    /// What a local flush is called on this architecture (x86 `invlpg` or a CR3
    /// reload, riscv `sfence.vma`), for the narrative.
    pub fn local_flush_insn(self) -> &'static str {
        match self {
            Arch::Arm64 => "tlbi (local)",
            Arch::X86 => "invlpg / flush_tlb_local()",
            Arch::Riscv => "sfence.vma",
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Arch {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Arch::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown architecture \"{}\": expected one of arm64, x86, riscv",
                    crate::limits::excerpt(s)
                )
            })
    }
}
