//! The narrative of x86 and riscv: IPI-based shootdown, where a CPU's TLB
//! changes only when that CPU flushes it (locally, in the handler of a flush
//! IPI, or on x86 in `switch_mm_irqs_off()`) and the sender waits for every
//! handler. x86 also keeps TLB generations and lazy CPUs (`model.rs`), which
//! decide what its `flush_tlb_func()` and context switches flush; riscv has
//! neither.

use super::{join, list, removed_notes, syscall_call, Narrative};
use crate::arch::Arch;
use crate::effect::{Effect, FlushOutcome, SwitchMmHow};
use crate::kernel::{self, KernelRef};
use crate::machine::{CpuSet, FlushRange, Machine, TlbEntry};
use crate::mitigation::Mitigation;
use crate::model::Model;
use crate::op::{CpuId, Op, PageId, TaskId};

/// The rule IPI-based shootdown rests on, as each architecture's manual states it.
pub fn rule(arch: Arch) -> &'static str {
    match arch {
        Arch::Riscv => RISCV_RULE,
        _ => X86_RULE,
    }
}

/// x86: only the CPU that holds a TLB entry can invalidate it.
pub const X86_RULE: &str = "Intel SDM Vol. 3A, 4.10.5 (propagation of paging-structure changes to multiple processors): INVLPG, MOV to CR3 and INVPCID invalidate only the executing processor's TLBs; software that changes a translation other processors may cache must have each of them invalidate its own, typically by an IPI, and wait for them.";

/// riscv: `sfence.vma` orders and invalidates only the executing hart's caches.
pub const RISCV_RULE: &str = "RISC-V Privileged ISA, SFENCE.VMA: the fence affects only the address-translation caches of the hart that executes it; other harts must execute their own. Linux asks for them by IPI and waits (on_each_cpu_mask(..., 1)), or through the SBI remote fence, whose specification promises only that the request was sent (SBI_SUCCESS: \"IPI was sent to all the targeted harts successfully\"); Linux relies on the firmware returning only after the remote fences ran, as OpenSBI does (tlb_sync() spins until the targets acknowledge).";

/// A set of CPUs in words: `CPU1`, `CPU1 and CPU2`.
pub(crate) fn cpus_text(set: CpuSet) -> String {
    let names: Vec<String> = set.iter().map(|c| c.to_string()).collect();
    list(names.iter().map(String::as_str))
}

/// What a flush covers, in words; `mm` is whether it names the mm (a reclaim
/// batch does not).
fn range_text(model: &Model, range: FlushRange, mm: bool) -> String {
    match range {
        FlushRange::All if !mm => match model.arch() {
            Arch::Riscv => "every entry of every address space (the batch passes no mm, so FLUSH_TLB_NO_ASID)".to_string(),
            _ => "the whole TLB of the mm each CPU has loaded (the batch names no mm: info->mm is NULL)".to_string(),
        },
        FlushRange::All => "every entry of this mm".to_string(),
        FlushRange::Pages { pages } => {
            let names: Vec<&str> = pages
                .iter()
                .map(|p| model.scenario().page_name(p))
                .collect();
            format!("the entries for {}", list(names.into_iter()))
        }
    }
}

fn short_range(model: &Model, range: FlushRange) -> String {
    match range {
        FlushRange::All => "all".to_string(),
        FlushRange::Pages { pages } => pages
            .iter()
            .map(|p| model.scenario().page_name(p))
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// The entries `cpu` lost in these effects, in words (`CPU1 loses its read-write
/// entry for P.`), or that it lost none.
fn lost(model: &Model, effects: &[Effect], cpu: CpuId) -> String {
    let entries: Vec<TlbEntry> = effects
        .iter()
        .filter_map(|e| match *e {
            Effect::TlbInvalidate { cpu: c, entry, .. } if c == cpu => Some(entry),
            _ => None,
        })
        .collect();
    if entries.is_empty() {
        return format!("{cpu}'s TLB holds no entry it covers.");
    }
    let names: Vec<&str> = entries
        .iter()
        .map(|e| model.scenario().page_name(e.page))
        .collect();
    let kind = match entries.iter().filter(|e| e.writable).count() {
        w if w == entries.len() => "read-write ",
        0 => "read-only ",
        _ => "",
    };
    let plural = if entries.len() == 1 {
        "entry"
    } else {
        "entries"
    };
    format!(
        "{cpu} loses its {kind}{plural} for {}.",
        list(names.into_iter())
    )
}

/// The function a local flush is, per architecture.
fn local_fn(arch: Arch) -> &'static str {
    match arch {
        Arch::Riscv => "local_flush_tlb_range_asid()",
        _ => "flush_tlb_func() called locally",
    }
}

/// How a sender reaches other CPUs, per architecture.
fn send_text(arch: Arch, to: CpuSet) -> String {
    match arch {
        Arch::Riscv => format!("asks {} for a remote sfence.vma (sbi_remote_sfence_vma_asid(), or on_each_cpu_mask() with __ipi_flush_tlb_range_asid() as handler)", cpus_text(to)),
        _ => format!("sends a flush IPI to {} (flush_tlb_multi() -> smp_call_function_many_cond())", cpus_text(to)),
    }
}

/// x86: why `cpu` is lazy in `m`, as a clause: the kernel thread that runs
/// there, or that the CPU is idle (no task: the model's idle CPU, not a kernel
/// thread of the scenario).
fn lazy_why(model: &Model, m: &Machine, cpu: CpuId) -> String {
    match m.current(cpu) {
        Some(t) => format!(
            "a kernel thread, {}, runs there with the mm still loaded",
            model.scenario().task(t).name
        ),
        None => "it is idle, with the mm still loaded".to_string(),
    }
}

/// x86: lazy CPUs in words, each with what runs there: `CPU0 (kswapd0, a
/// kernel thread, runs there) and CPU3 (idle)`.
fn lazy_cpus_text(model: &Model, m: &Machine, set: CpuSet) -> String {
    let names: Vec<String> = set
        .iter()
        .map(|c| match m.current(c) {
            Some(t) => format!(
                "{c} ({}, a kernel thread, runs there)",
                model.scenario().task(t).name
            ),
            None => format!("{c} (idle)"),
        })
        .collect();
    list(names.iter().map(String::as_str))
}

/// x86: the CPUs that may still cache entries of the mm without having flushed
/// them, in `m`, as (left, lazy): their TLB generation is behind `gen` and no
/// thread of the mm runs there. `left`: lazy CPUs that switched to `init_mm`
/// without flushing (`flush_tlb_func()` on a lazy CPU), which no longer have
/// the mm loaded but still cache its entries or are still in `mm_cpumask`;
/// `lazy`: CPUs still lazy with the mm loaded. Both empty off x86.
fn unflushed(model: &Model, m: &Machine, gen: crate::machine::Count) -> (CpuSet, CpuSet) {
    let mut left = CpuSet::default();
    let mut lazy = CpuSet::default();
    if model.arch() != Arch::X86 {
        return (left, lazy);
    }
    for c in (0..m.cpus.len()).map(|c| CpuId(c as u8)) {
        if m.tlb_gen.of(c) >= gen {
            continue;
        }
        if model.is_lazy(m, c) {
            lazy = lazy.with(c);
        } else if !m.tlb_gen.loaded.contains(c)
            && (!m.cpus[c.index()].tlb.entries.is_empty() || m.mm_cpumask.contains(c))
        {
            left = left.with(c);
        }
    }
    (left, lazy)
}

/// x86: the sentences on [`unflushed`]'s CPUs: they did not flush, and catch up
/// on their TLB generation before a thread of the mm runs there again. Empty
/// when there are none.
fn unflushed_text(model: &Model, m: &Machine, (left, lazy): (CpuSet, CpuSet)) -> String {
    let one = |set: CpuSet, a: &'static str, b: &'static str| if set.len() == 1 { a } else { b };
    let mut parts = Vec::new();
    if !left.is_empty() {
        parts.push(format!(
            "{} {} lazy: {} switched to init_mm without flushing and {} whatever entries of this mm {} cached (unusable while init_mm is loaded), and {} will catch up on {} TLB generation before a thread of the mm runs there again (switch_mm_irqs_off() finds it behind the mm's and flushes).",
            cpus_text(left),
            one(left, "was", "were"),
            one(left, "it", "they"),
            one(left, "keeps", "keep"),
            one(left, "it", "they"),
            one(left, "it", "they"),
            one(left, "its", "their"),
        ));
    }
    if !lazy.is_empty() {
        parts.push(format!(
            "{} {} lazy with the mm loaded and behind the mm's TLB generation: no flush reached {}, so {} whatever entries of this mm {} cached, and switch_mm_irqs_off() flushes them when a thread of the mm runs there again.",
            lazy_cpus_text(model, m, lazy),
            one(lazy, "is", "are"),
            one(lazy, "it", "them"),
            one(lazy, "it keeps", "they keep"),
            one(lazy, "it", "they"),
        ));
    }
    join(&parts)
}

/// x86: how to say that the handlers of `cpu`'s flush have all run, and the
/// sentence on the CPUs the flush did not bring up to its generation (lazy ones
/// it skipped, or ones it left lazy), empty when there are none: "every CPU
/// interrupted has flushed" must not read as "no CPU holds an entry".
fn handlers_done(
    model: &Model,
    before: &Machine,
    after: &Machine,
    cpu: CpuId,
) -> (&'static str, String) {
    let gen = before.ipi_of(cpu).map(|i| i.new_tlb_gen).unwrap_or(0);
    let behind = unflushed(model, after, gen);
    let verb = if behind.0.is_empty() {
        "flushed its own TLB"
    } else {
        "run flush_tlb_func()"
    };
    (verb, unflushed_text(model, after, behind))
}

/// x86: what `flush_tlb_func()` did on `cpu` in these effects, in words, with
/// the entries it removed; `None` if it did not run there (or not on x86). `m`
/// is the machine around the flush (its current tasks). `range` is what the
/// flush covers when the caller knows it: a handler taken in a step of its own
/// (the IPI's range), where the step's effects hold no send to read it from.
fn flush_func_text(
    model: &Model,
    m: &Machine,
    effects: &[Effect],
    cpu: CpuId,
    range: Option<FlushRange>,
) -> Option<String> {
    let (outcome, local, mm, new) = effects.iter().find_map(|e| match *e {
        Effect::FlushFunc {
            cpu: c,
            outcome,
            local,
            mm,
            new,
        } if c == cpu => Some((outcome, local, mm, new)),
        _ => None,
    })?;
    let range = range.or_else(|| {
        effects.iter().find_map(|e| match *e {
            Effect::IpiSend { range, .. } | Effect::LocalFlush { range, .. } => Some(range),
            _ => None,
        })
    });
    let gens = format!("{cpu}'s TLB generation is {local}, the mm's {mm}");
    Some(match outcome {
        FlushOutcome::Trimmed => format!("flush_tlb_func() finds that this mm is no longer {cpu}'s loaded_mm: it clears {cpu}'s bit in mm_cpumask(mm) and flushes nothing (the entries it may still hold under the mm's ASID are flushed before the mm runs there again, since its generation is behind)."),
        FlushOutcome::NotLoaded => format!("flush_tlb_func(): {cpu} has init_mm loaded, not this mm, so there is nothing to flush."),
        FlushOutcome::LeftLazy => format!("{cpu} is in lazy TLB mode ({}), so flush_tlb_func() does not flush: it switches {cpu} to init_mm (switch_mm_irqs_off(NULL, &init_mm, NULL)). The mm's entries stay under its ASID, unusable until the mm is loaded there again; {gens}, and switch_mm_irqs_off() flushes them then if the generation is still behind.", lazy_why(model, m, cpu)),
        FlushOutcome::AlreadyFlushed => format!("flush_tlb_func(): {gens}, already at least this flush's new_tlb_gen ({new}): a flush handled earlier caught {cpu} up, so it returns at once."),
        FlushOutcome::UpToDate => format!("flush_tlb_func(): {gens}, so {cpu} is already up to date and flushes nothing."),
        FlushOutcome::Partial => join(&[
            format!("flush_tlb_func(): {gens} and this flush's new_tlb_gen is {new}: exactly one behind, and the latest flush, so {cpu} flushes only {} (invlpg) and catches up to generation {mm}.", range.map(|r| range_text(model, r, true)).unwrap_or_default()),
            lost(model, effects, cpu),
        ]),
        FlushOutcome::Full => {
            let why = match range {
                Some(FlushRange::Pages { .. }) if new != local.wrapping_add(1) => format!(": the flush asks for a range, but {cpu} is more than one generation behind it (new_tlb_gen {new}), so flushing the range would skip the flushes in between"),
                Some(FlushRange::Pages { .. }) => format!(": the flush asks for a range, but a later flush has bumped the mm to {mm}, so flushing the range would not bring {cpu} up to date"),
                _ if new == 0 => String::new(),
                _ => ": the flush is TLB_FLUSH_ALL".to_string(),
            };
            join(&[
                format!("flush_tlb_func(): {gens}, so {cpu} does a full flush of its loaded mm (flush_tlb_local()){why}; it catches up to generation {mm}."),
                lost(model, effects, cpu),
            ])
        }
    })
}

/// The CPUs x86's `should_flush_tlb()` left out of a flush, in words.
fn skipped_text(model: &Model, m: &Machine, effects: &[Effect]) -> String {
    let Some((lazy, not_loaded)) = effects.iter().find_map(|e| match *e {
        Effect::IpiSkipped {
            lazy, not_loaded, ..
        } => Some((lazy, not_loaded)),
        _ => None,
    }) else {
        return String::new();
    };
    let mut parts = Vec::new();
    if !lazy.is_empty() {
        parts.push(format!("{}, lazy with the mm loaded ({} in switch_mm_irqs_off() when a thread of the mm runs there again)", lazy_cpus_text(model, m, lazy), if lazy.len() == 1 { "it catches up" } else { "each catches up" }));
    }
    if !not_loaded.is_empty() {
        parts.push(format!(
            "{} (the mm is no longer loaded there)",
            cpus_text(not_loaded)
        ));
    }
    format!(
        "No page table was freed, so should_flush_tlb() leaves out {}.",
        list(parts.iter().map(String::as_str))
    )
}

/// Explains one flush of [`Model`]'s `flush_cpus`: the IPIs, the caller's own
/// flush meanwhile, and whether the CPU now waits. `what` names the caller
/// (`arch_tlbbatch_flush()`).
fn flush_sentence(
    model: &Model,
    m: &Machine,
    cpu: CpuId,
    effects: &[Effect],
    what: &str,
) -> String {
    let arch = model.arch();
    let local = effects.iter().find_map(|e| match *e {
        Effect::LocalFlush { cpu: c, range } if c == cpu => Some(range),
        _ => None,
    });
    let sent = effects.iter().find_map(|e| match *e {
        Effect::IpiSend { to, range, .. } => Some((to, range)),
        _ => None,
    });
    let mm = what != "arch_tlbbatch_flush()";
    let own = |range: FlushRange| -> String {
        flush_func_text(model, m, effects, cpu, None).unwrap_or_else(|| {
            join(&[
                format!(
                    "It flushes {} in {cpu}'s own TLB ({}).",
                    range_text(model, range, mm),
                    local_fn(arch)
                ),
                lost(model, effects, cpu),
            ])
        })
    };
    let mut parts = vec![skipped_text(model, m, effects)];
    match (local, sent) {
        (_, Some((to, range))) => {
            let lazy = to
                .iter()
                .filter(|c| model.is_lazy(m, *c))
                .fold(CpuSet::default(), CpuSet::with);
            parts.push(format!(
                "{what} {} for {}{}, then waits until each has run its handler: {cpu} cannot go on before {} {}.",
                send_text(arch, to),
                range_text(model, range, mm),
                if local.is_some() {
                    format!(", runs the flush on {cpu} itself meanwhile ({})", local_fn(arch))
                } else {
                    String::new()
                },
                cpus_text(to),
                match (lazy.is_empty(), to.len() == 1) {
                    (true, true) => "has flushed its own TLB".to_string(),
                    (true, false) => "have flushed their own TLBs".to_string(),
                    (false, one) => format!(
                        "{} run flush_tlb_func(), which on a CPU lazy when it takes the IPI, as {} {} now, switches to init_mm instead of flushing",
                        if one { "has" } else { "have" },
                        lazy_cpus_text(model, m, lazy),
                        if lazy.len() == 1 { "is" } else { "are" }
                    ),
                },
            ));
            if let Some(range) = local {
                parts.push(own(range));
            }
        }
        (Some(range), None) => {
            parts.push(format!(
                "{what}: {cpu} is the only CPU to flush, so it sends no IPI and runs the flush itself ({}).",
                local_fn(arch)
            ));
            parts.push(own(range));
        }
        (None, None) => parts.push(format!(
            "{what}: no CPU needs a flush now, so nothing is flushed and nobody waits."
        )),
    }
    join(&parts)
}

/// x86: the generation `inc_mm_tlb_gen()` bumped the mm to in these effects,
/// as a clause (`, which first bumps the mm's TLB generation to 2
/// (inc_mm_tlb_gen())`); empty elsewhere.
fn bump_text(effects: &[Effect]) -> String {
    effects
        .iter()
        .find_map(|e| match *e {
            Effect::TlbGenBump { gen } => Some(format!(
                ", which first bumps the mm's TLB generation to {gen} (inc_mm_tlb_gen())"
            )),
            _ => None,
        })
        .unwrap_or_default()
}

/// Whether `effects` include this CPU giving up its wait (the second half of a
/// flushing step).
fn wait_done(effects: &[Effect]) -> bool {
    effects
        .iter()
        .any(|e| matches!(e, Effect::IpiWaitDone { .. }))
}

fn sends(effects: &[Effect]) -> bool {
    effects.iter().any(|e| matches!(e, Effect::IpiSend { .. }))
}

fn base(cpu: CpuId, headline: String, function: Option<KernelRef>) -> Narrative {
    Narrative {
        cpu,
        headline,
        notes: Vec::new(),
        text: String::new(),
        function,
        commit: None,
        architecture: None,
    }
}

/// CPU `to` takes `from`'s flush IPI.
pub fn ipi_event(
    model: &Model,
    before: &Machine,
    from: CpuId,
    to: CpuId,
    effects: &[Effect],
    after: &Machine,
) -> Narrative {
    let arch = model.arch();
    let (range, mm) = before
        .ipi_of(from)
        .map(|i| (i.range, i.mm))
        .unwrap_or((FlushRange::All, true));
    let handler = arch.ipi_handler().unwrap_or(kernel::X86_FLUSH_TLB_FUNC);
    let mut n = base(to, format!("{to} takes {from}'s flush IPI"), Some(handler));
    let outcome = effects.iter().find_map(|e| match *e {
        Effect::FlushFunc { outcome, .. } => Some(outcome),
        _ => None,
    });
    n.notes.push(match outcome {
        Some(o) => format!(
            "{}: {}",
            handler.function,
            match o {
                FlushOutcome::Trimmed => "leaves mm_cpumask".to_string(),
                FlushOutcome::NotLoaded => "mm not loaded".to_string(),
                FlushOutcome::LeftLazy => "lazy: to init_mm".to_string(),
                FlushOutcome::AlreadyFlushed | FlushOutcome::UpToDate => "up to date".to_string(),
                FlushOutcome::Partial => short_range(model, range),
                FlushOutcome::Full => "full flush".to_string(),
            }
        ),
        None => format!("{}: {}", handler.function, short_range(model, range)),
    });
    removed_notes(model, effects, &mut n.notes);
    let left = after.ipi_of(from).map(|i| i.pending).unwrap_or_default();
    let waiting = if left.is_empty() {
        format!("{to} was the last: {from} may now go on.")
    } else {
        format!("{from} still waits for {}.", cpus_text(left))
    };
    let handled = match flush_func_text(model, after, effects, to, Some(range)) {
        Some(text) => join(&[
            format!("{to} takes the flush IPI {from} sent it and runs flush_tlb_func() in interrupt context."),
            text,
        ]),
        None => join(&[
            format!(
                "{to} takes the flush IPI {from} sent it and runs {}() in interrupt context, flushing {} in its own TLB{}.",
                handler.function,
                range_text(model, range, mm),
                if arch == Arch::Riscv {
                    " (through SBI, the firmware executes the sfence.vma on it instead)"
                } else {
                    ""
                }
            ),
            lost(model, effects, to),
        ]),
    };
    n.text = join(&[
        handled,
        match arch {
            Arch::Riscv => format!("{from} is waiting in on_each_cpu_mask() (smp_call_function_many_cond(), csd_lock_wait()), or inside the SBI call, until every CPU it asked has done this."),
            _ => format!("{from} is waiting in smp_call_function_many_cond() (csd_lock_wait()) until every CPU it interrupted has run the handler."),
        },
        waiting,
        "Only the CPU that holds an entry removes it, and the sender's wait is the completion: no invalidation is in flight without its sender waiting for it.".to_string(),
    ]);
    n.architecture = Some(rule(arch));
    n
}

/// A context switch (`__switch_to()`, `cond_resched()` or a migration) on x86
/// or riscv, in words, with a short note for the ladder: no barrier; on x86
/// what `switch_mm_irqs_off()` or `enter_lazy_tlb()` did (a flush only when the
/// CPU comes back from lazy mode behind the mm's generation, or loads the mm
/// behind it). `to` is the task now current (`None`: the CPU is idle).
pub fn switch_text(
    model: &Model,
    after: &Machine,
    cpu: CpuId,
    to: Option<TaskId>,
    effects: &[Effect],
) -> (String, &'static str) {
    let s = model.scenario();
    let joins = effects
        .iter()
        .any(|e| matches!(e, Effect::MmCpumask { cpu: c } if *c == cpu));
    let to_mm = to.is_some_and(|t| s.task(t).uses_mm());
    let name = to
        .map(|t| s.task(t).name.clone())
        .unwrap_or_else(|| "the idle task".into());
    if model.arch() == Arch::Riscv {
        return (
            join(&[
                "On riscv a context switch has no barrier for TLBs: switch_mm() returns at once between threads of one mm, and a kernel thread borrows the mm it finds (enter_lazy_tlb() does nothing): nothing is flushed.".to_string(),
                if joins && to_mm {
                    format!("{name} is a thread of the mm and runs on {cpu} for the first time, so {cpu}'s bit is set in mm_cpumask(mm): later flushes of the mm will include {cpu}.")
                } else {
                    String::new()
                },
            ]),
            "no TLB flush",
        );
    }
    let how = effects.iter().find_map(|e| match *e {
        Effect::SwitchMm { cpu: c, how } if c == cpu => Some(how),
        _ => None,
    });
    let gen = after.tlb_gen.of(cpu);
    let barrier = "x86 has no TLB barrier on a context switch";
    match how {
        Some(SwitchMmHow::LazyUpToDate) => (
            format!("{name} is a thread of the mm, and {cpu} was in lazy TLB mode with the mm loaded: switch_mm_irqs_off() reads mm->context.tlb_gen, finds {cpu} up to date (generation {gen}), and flushes nothing ({barrier})."),
            "lazy, up to date: no flush",
        ),
        Some(SwitchMmHow::LazyFlush) => (
            join(&[
                format!("{name} is a thread of the mm, and {cpu} was in lazy TLB mode with the mm loaded. While it was lazy the mm's TLB generation moved (flushes skipped {cpu}), so switch_mm_irqs_off() flushes {cpu}'s TLB for the mm (\"TLB contents went out of date while we were in lazy mode\") and catches up to generation {gen}."),
                lost(model, effects, cpu),
            ]),
            "back from lazy: TLB flushed",
        ),
        Some(SwitchMmHow::Load { flushed }) => (
            join(&[
                format!(
                    "{cpu} does not have the mm loaded, so switch_mm_irqs_off() loads it for {name} (prev != next){}.",
                    if joins {
                        format!(", setting {cpu}'s bit in mm_cpumask(mm): later flushes of the mm will include {cpu}")
                    } else {
                        String::new()
                    }
                ),
                if flushed {
                    format!("The generation {cpu} recorded for the mm's ASID is behind the mm's, so choose_new_asid() asks for a flush: the CR3 load flushes the ASID and {cpu} is at generation {gen}.")
                } else {
                    format!("{cpu}'s generation for the mm is the mm's ({gen}): no flush.")
                },
                if flushed { lost(model, effects, cpu) } else { String::new() },
            ]),
            if flushed { "mm loaded, TLB flushed" } else { "mm loaded, no flush" },
        ),
        None if to_mm => (
            format!("switch_mm_irqs_off() between two threads of one mm, with {cpu} not lazy, returns at once (\"just switching from one thread in a process to another\"): no flush ({barrier})."),
            "no TLB flush",
        ),
        None if after.tlb_gen.loaded.contains(cpu) => (
            format!("{}, so the scheduler calls enter_lazy_tlb(), not switch_mm_irqs_off(): the mm stays loaded on {cpu}, which is now in lazy TLB mode. Nothing is flushed; flushes that free no page tables skip {cpu} from now on (should_flush_tlb()), and it catches up when a thread of the mm runs there again.", no_mm(cpu, to, &name)),
            "enter_lazy_tlb: lazy",
        ),
        None => (
            format!("{}, and {cpu} does not have the mm loaded: enter_lazy_tlb() has nothing to do, and nothing is flushed.", no_mm(cpu, to, &name)),
            "no TLB flush",
        ),
    }
}

/// What runs on `cpu` after a switch to `to` that is not a thread of the mm, as
/// a clause: a kernel thread, or no task at all (the CPU goes idle).
fn no_mm(cpu: CpuId, to: Option<TaskId>, name: &str) -> String {
    match to {
        Some(_) => format!("{name} is a kernel thread"),
        None => format!("{cpu} has no task left to run and goes idle (the idle task has no mm)"),
    }
}

/// The function a context switch stands for on this architecture.
pub fn switch_fn(arch: Arch) -> KernelRef {
    match arch {
        Arch::Riscv => kernel::RISCV_SWITCH_MM,
        _ => kernel::X86_SWITCH_MM_IRQS_OFF,
    }
}

/// The page-fault handler on this architecture.
pub fn fault_fn(arch: Arch) -> KernelRef {
    match arch {
        Arch::Riscv => kernel::RISCV_HANDLE_PAGE_FAULT,
        Arch::X86 => kernel::X86_DO_USER_ADDR_FAULT,
        Arch::Arm64 => kernel::DO_PAGE_FAULT,
    }
}

/// The sentence on faulting translations and TLBs.
pub fn no_fault_caching(arch: Arch) -> &'static str {
    match arch {
        Arch::Arm64 => "Arm never lets a TLB cache a translation that faults on an invalid descriptor (a Translation fault), so the next access walks again.",
        Arch::X86 => "x86 TLBs never cache a translation whose PTE is not present.",
        Arch::Riscv => {
            "The model caches no faulting translation (a hart that did would only fault again)."
        }
    }
}

/// The steps whose x86/riscv story differs from arm64's; `None` for the others,
/// which [`super::step_narrative`] tells as it does for every architecture.
#[allow(clippy::too_many_arguments)]
pub fn step(
    model: &Model,
    before: &Machine,
    after: &Machine,
    cpu: CpuId,
    task: TaskId,
    op: &Op,
    effects: &[Effect],
    headline: String,
) -> Option<Narrative> {
    let arch = model.arch();
    let s = model.scenario();
    let name = |p: PageId| s.page_name(p).to_string();
    let tname = s.task(task).name.clone();
    let nothing = effects
        .iter()
        .any(|e| matches!(e, Effect::NothingToDo { .. }));
    let done = wait_done(effects);
    let mut n = base(cpu, headline, op.kernel_ref());
    match *op {
        Op::SetTlbUbcFlushPending { .. } if !nothing => {
            let va = before.tasks[task.index()]
                .rmap
                .map(|(p, _)| p)
                .unwrap_or(PageId(0));
            let ubc = after.tasks[task.index()].tlb_ubc;
            let lock = s.tables()[s.page(va).table.index()].lock_name();
            n.headline = format!("set_tlb_ubc_flush_pending({})", name(va));
            n.function = Some(arch.tlbbatch_add_pending());
            n.notes
                .push(format!("batch cpumask: {}", cpus_text(ubc.cpumask)));
            n.notes.push(format!("{lock} dropped"));
            n.text = format!(
                "set_tlb_ubc_flush_pending() defers the flush. On {arch}, arch_tlbbatch_add_pending() sends nothing: {}it ORs mm_cpumask(mm) ({}) into the batch's cpumask (now {}). Nothing is in flight: every CPU that cached {} keeps its entry until it flushes its own TLB. {tname}'s own batch (current->tlb_ubc) now needs a flush (flush_required{}), and mm->tlb_flush_batched records a pending batch (pending {}, flushed {}). page_vma_mapped_walk_done() drops {lock}.",
                if arch == Arch::X86 { format!("it bumps the mm's TLB generation to {} (inc_mm_tlb_gen(), so that a CPU the flush will not interrupt, a lazy one, sees it is behind when a thread of the mm runs there again), then ", after.tlb_gen.mm) } else { String::new() },
                if after.mm_cpumask.is_empty() { "no CPU".to_string() } else { cpus_text(after.mm_cpumask) },
                if ubc.cpumask.is_empty() { "empty".to_string() } else { cpus_text(ubc.cpumask) },
                name(va),
                if ubc.writable { ", writable: the cleared PTE was dirty" } else { "" },
                after.tlb_flush_batched.pending,
                after.tlb_flush_batched.flushed,
            );
            Some(n)
        }
        Op::TryToUnmapFlushDirty | Op::TryToUnmapFlush if !nothing => {
            n.function = Some(arch.tlbbatch_flush());
            if done {
                n.notes.push("all handlers ran: batch done".into());
                let behind = unflushed(model, after, after.tlb_gen.mm);
                n.text = if behind.0.is_empty() && behind.1.is_empty() {
                    format!("Every CPU {tname} interrupted has flushed its own TLB: arch_tlbbatch_flush() stops waiting, clears the batch's cpumask, and {}() marks {tname}'s batch done (flush_required and writable cleared). From here no CPU holds an entry the batch was owed.", op.name())
                } else {
                    join(&[
                        format!("Every CPU {tname} interrupted has {}: arch_tlbbatch_flush() stops waiting, clears the batch's cpumask, and {}() marks {tname}'s batch done (flush_required and writable cleared). From here no CPU running a thread of the mm holds an entry the batch was owed.", if behind.0.is_empty() { "flushed its own TLB" } else { "run flush_tlb_func()" }, op.name()),
                        unflushed_text(model, after, behind),
                    ])
                };
            } else {
                let dirty = matches!(op, Op::TryToUnmapFlushDirty);
                n.notes.push(if sends(effects) {
                    "flush IPIs sent, waiting".into()
                } else {
                    "local flush".into()
                });
                removed_notes(model, effects, &mut n.notes);
                n.text = join(&[
                    format!(
                        "{}() completes {tname}'s batch{}.",
                        op.name(),
                        if dirty {
                            ", before the page is written out, because the batch holds a dirty entry"
                        } else {
                            ""
                        }
                    ),
                    flush_sentence(model, after, cpu, effects, "arch_tlbbatch_flush()"),
                    if sends(effects) {
                        String::new()
                    } else {
                        format!("{}'s batch is done.", tname)
                    },
                ]);
                n.architecture = Some(rule(arch));
            }
            Some(n)
        }
        Op::FlushTlbBatchedPending { syscall } => {
            let walker = syscall.walker().function;
            let counters = format!(
                "mm->tlb_flush_batched: pending {}, flushed {}",
                before.tlb_flush_batched.pending, before.tlb_flush_batched.flushed
            );
            if done {
                n.function = Some(arch.flush_tlb_mm());
                let marked = after.tlb_flush_batched.flushed == after.tlb_flush_batched.pending;
                n.notes.push(if marked {
                    "all handlers ran: batch marked flushed".into()
                } else {
                    "all handlers ran: new batch, still owed".into()
                });
                let gen = before.ipi_of(cpu).map(|i| i.new_tlb_gen).unwrap_or(0);
                let behind = unflushed(model, after, gen);
                let all = behind.0.is_empty() && behind.1.is_empty();
                let opening = if all {
                    "Every other CPU of the mm has flushed its own TLB".to_string()
                } else {
                    format!("Every CPU {cpu} interrupted has run flush_tlb_func()")
                };
                n.text = if marked {
                    join(&[
                        format!("{opening}: flush_tlb_mm() returns, and flush_tlb_batched_pending() marks the batch flushed (its cmpxchg of mm->tlb_flush_batched: pending {}, flushed {}).", after.tlb_flush_batched.pending, after.tlb_flush_batched.flushed),
                        if all {
                            "No CPU can still hold an entry of this mm from before the walk took the lock.".to_string()
                        } else {
                            "No CPU running a thread of the mm can still hold an entry of this mm from before the walk took the lock.".to_string()
                        },
                        unflushed_text(model, after, behind),
                    ])
                } else {
                    join(&[
                        format!("{opening} and flush_tlb_mm() returns, but reclaim queued a new batch meanwhile: the cmpxchg of mm->tlb_flush_batched fails, so a flush stays owed (pending {}, flushed {}) for the next walker.", after.tlb_flush_batched.pending, after.tlb_flush_batched.flushed),
                        unflushed_text(model, after, behind),
                    ])
                };
                n.commit = Some(kernel::COMMIT_GENERIC_FIX);
                return Some(n);
            }
            match model.mitigation() {
                Mitigation::None => {
                    n.headline = "(no flush_tlb_batched_pending)".into();
                    n.notes.push("not called (pre-3ea277194daa)".into());
                    n.text = match arch {
                        Arch::Riscv => format!("{walker}() on {cpu} goes straight on to the PTEs: on this hypothetical riscv kernel no walker calls flush_tlb_batched_pending(), so a reclaim batch still owed to this mm is not flushed: CPUs that cached a page reclaim unmapped keep their entries. riscv never shipped such a kernel: its batched unmap flushing (54d7431af73e, v6.8) came long after 3ea277194daa, with arch_flush_tlb_batched_pending() = flush_tlb_mm() from the start. The race is the one Nadav Amit found on x86."),
                        _ => format!("{walker}() on {cpu} goes straight on to the PTEs: on this kernel no walker calls flush_tlb_batched_pending() (the model runs v6.15's x86 code without the call 3ea277194daa added), so a reclaim batch still owed to this mm is not flushed: CPUs that cached a page reclaim unmapped keep their entries. This is the race Nadav Amit found on x86, which 3ea277194daa fixed."),
                    };
                    n.commit = Some(kernel::COMMIT_GENERIC_FIX);
                    n.function = Some(syscall.walker());
                }
                _ if !before.tlb_flush_batched.flush_owed() => {
                    n.notes.push("nothing pending".into());
                    n.text = format!("{walker}() calls flush_tlb_batched_pending(). No batch is pending ({counters}), so there is nothing to flush.");
                }
                Mitigation::FlushTlbMm => {
                    n.function = Some(arch.flush_tlb_mm());
                    n.notes.push(if sends(effects) {
                        "flush_tlb_mm: IPIs sent, waiting".into()
                    } else {
                        "flush_tlb_mm: local only".into()
                    });
                    removed_notes(model, effects, &mut n.notes);
                    n.text = join(&[
                        format!("{walker}() calls flush_tlb_batched_pending() under the lock. A reclaim batch is pending ({counters}), so it calls arch_flush_tlb_batched_pending(), which on {arch} is flush_tlb_mm(mm) ({}): the mask is mm_cpumask(mm), {}.", match arch {
                            Arch::Riscv => "riscv's hook since its batched unmap flushing arrived, 54d7431af73e".to_string(),
                            _ => format!("since 3ea277194daa core code called flush_tlb_mm() here, and db6c1f6f236d made it x86's hook; flush_tlb_mm() is flush_tlb_mm_range(mm, 0, TLB_FLUSH_ALL, 0, true){}, and its freed_tables = true sends the IPI to every CPU of the mask, lazy ones included", bump_text(effects)),
                        }, cpus_text(before.mm_cpumask.with(cpu))),
                        flush_sentence(model, after, cpu, effects, &format!("{}()", arch.flush_tlb_mm().function)),
                        if sends(effects) {
                            String::new()
                        } else {
                            "The batch is marked flushed.".to_string()
                        },
                    ]);
                    n.commit = Some(kernel::COMMIT_GENERIC_FIX);
                    n.architecture = Some(rule(arch));
                }
                Mitigation::LocalFlush => {
                    n.notes.push(format!("local flush of {cpu} only"));
                    removed_notes(model, effects, &mut n.notes);
                    // x86: a lazy CPU behind the mm's generation flushes before a
                    // thread of the mm runs there again.
                    let behind_lazy = |c: CpuId| {
                        model.is_lazy(after, c) && after.tlb_gen.of(c) != after.tlb_gen.mm
                    };
                    let others: Vec<String> = after
                        .cpus
                        .iter()
                        .enumerate()
                        .filter(|(c, st)| *c != cpu.index() && !st.tlb.entries.is_empty())
                        .filter(|(c, _)| !behind_lazy(CpuId(*c as u8)))
                        .map(|(c, _)| format!("CPU{c}"))
                        .collect();
                    let lazy: Vec<String> = (0..after.cpus.len())
                        .map(|c| CpuId(c as u8))
                        .filter(|c| {
                            *c != cpu
                                && !after.cpus[c.index()].tlb.entries.is_empty()
                                && behind_lazy(*c)
                        })
                        .map(|c| c.to_string())
                        .collect();
                    n.text = join(&[
                        format!("{walker}() calls flush_tlb_batched_pending(). A reclaim batch is pending ({counters}). On this teaching kernel (never shipped) it flushes only {cpu}'s own TLB and sends no IPI{}.", match arch {
                            Arch::Riscv => " (a local sfence.vma of the mm's ASID)".to_string(),
                            _ => format!(": flush_tlb_mm() with a mask of {cpu} alone{}, then flush_tlb_func() on {cpu}", bump_text(effects)),
                        }),
                        flush_func_text(model, after, effects, cpu, None).unwrap_or_else(|| lost(model, effects, cpu)),
                        "The batch is marked flushed all the same.".to_string(),
                        if others.is_empty() {
                            String::new()
                        } else {
                            format!("{} {} entries of this mm: a thread there can still write through one. That is why the real fix flushes the whole mm (flush_tlb_mm()).", match others.as_slice() { [one] => format!("{one}'s TLB"), _ => format!("The TLBs of {}", list(others.iter().map(String::as_str))) }, if others.len() == 1 { "keeps its" } else { "keep their" })
                        },
                        if lazy.is_empty() {
                            String::new()
                        } else {
                            format!("{} {} in lazy TLB mode and behind the mm's TLB generation: {} in switch_mm_irqs_off() when a thread of the mm runs there again.", list(lazy.iter().map(String::as_str)), if lazy.len() == 1 { "is" } else { "are" }, if lazy.len() == 1 { "it flushes" } else { "each flushes" })
                        },
                    ]);
                }
                Mitigation::Dsb => {
                    n.notes.push("no such kernel here".into());
                    n.text = format!("flush_tlb_batched_pending() on a kernel whose arch_flush_tlb_batched_pending() is a bare barrier, which {arch} never had: nothing is in flight to complete, so nothing is flushed, yet the batch is marked flushed.");
                }
            }
            Some(n)
        }
        Op::TlbFinishMmu { syscall } if !nothing => {
            n.function = Some(kernel::X86_TLB_FLUSH);
            if arch == Arch::Riscv {
                n.function = Some(kernel::RISCV_FLUSH_TLB_RANGE);
            }
            let freed = effects
                .iter()
                .any(|e| matches!(e, Effect::FrameFreed { .. }));
            if done {
                n.notes.push("all handlers ran".into());
                let (verb, behind) = handlers_done(model, before, after, cpu);
                n.text = join(&[
                    format!(
                        "Every CPU {cpu} interrupted has {verb}: the flush of {} is complete{}.",
                        syscall_call(model, syscall, task, before),
                        if freed {
                            ", and tlb_finish_mmu() frees the queued pages"
                        } else {
                            ""
                        }
                    ),
                    behind,
                ]);
                return Some(n);
            }
            let nested = effects
                .iter()
                .any(|e| matches!(e, Effect::NestedFlush { .. }));
            n.notes.push(if sends(effects) {
                "flush IPIs sent, waiting".into()
            } else {
                "local flush".into()
            });
            removed_notes(model, effects, &mut n.notes);
            n.text = join(&[
                if nested {
                    format!("tlb_finish_mmu() sees another mmu_gather of this mm in progress (mm_tlb_flush_nested()): {} flushes the whole mm instead of its range{}.", syscall_call(model, syscall, task, before), if arch == Arch::X86 { format!(" (it sets tlb->fullmm and tlb->freed_tables, so flush_tlb_mm_range(){} interrupts lazy CPUs too)", bump_text(effects)) } else { String::new() })
                } else {
                    format!(
                        "The mmu_gather's recorded range is flushed: on {arch}, {}.",
                        if arch == Arch::Riscv {
                            "tlb_flush() calls flush_tlb_mm_range() -> __flush_tlb_range() on mm_cpumask(mm)".to_string()
                        } else {
                            format!("tlb_flush() calls flush_tlb_mm_range() on mm_cpumask(mm){}, with freed_tables false (the model frees no page table)", bump_text(effects))
                        }
                    )
                },
                flush_sentence(model, after, cpu, effects, "The flush"),
                if !sends(effects) && freed {
                    "Then tlb_finish_mmu() frees the queued pages.".to_string()
                } else {
                    String::new()
                },
            ]);
            n.architecture = Some(rule(arch));
            Some(n)
        }
        Op::FlushTlbRange { page } if !nothing => {
            if done {
                n.notes.push("all handlers ran".into());
                let (verb, behind) = handlers_done(model, before, after, cpu);
                n.text = join(&[
                    format!("Every CPU {cpu} interrupted has {verb} for {}: flush_tlb_range() returns, still under the locks.", name(page)),
                    behind,
                ]);
                return Some(n);
            }
            n.notes.push(if sends(effects) {
                "flush IPIs sent, waiting".into()
            } else {
                "local flush".into()
            });
            removed_notes(model, effects, &mut n.notes);
            n.text = join(&[
                format!("flush_tlb_range() for the old address of {}, still holding the locks (on {arch} flush_tlb_mm_range() on mm_cpumask(mm){}).", name(page), bump_text(effects)),
                flush_sentence(model, after, cpu, effects, "The flush"),
            ]);
            n.architecture = Some(rule(arch));
            Some(n)
        }
        Op::Migrate { to } => {
            n.headline = format!("{tname} migrates to {to}");
            n.function = Some(switch_fn(arch));
            let next = effects.iter().find_map(|e| match *e {
                Effect::ContextSwitch { to, .. } => Some(to),
                _ => None,
            });
            let (switch, note) = switch_text(model, after, cpu, next, effects);
            n.notes.push(note.into());
            n.text = join(&[
                format!("{tname} is moved from {cpu} to {to}. Its batch (current->tlb_ubc) goes with it: the cpumask it records names the CPUs to flush wherever the flush runs, so a migrated reclaim task is safe without a barrier on the CPU it left."),
                switch,
            ]);
            Some(n)
        }
        Op::CondResched if !nothing => {
            let to = effects
                .iter()
                .find_map(|e| match *e {
                    Effect::ContextSwitch { to, .. } => Some(to),
                    _ => None,
                })
                .unwrap_or(task);
            n.headline = format!("cond_resched: switch to {}", s.task(to).name);
            n.function = Some(switch_fn(arch));
            let (switch, note) = switch_text(model, after, cpu, Some(to), effects);
            n.notes.push(note.into());
            n.text = join(&[
                format!(
                    "cond_resched(): {tname} lets {} run on {cpu}.",
                    s.task(to).name
                ),
                switch,
            ]);
            Some(n)
        }
        _ => None,
    }
}

/// Why a stale entry survived on x86 or riscv, from the state the access met.
pub fn why_not_flushed(model: &Model, before: &Machine, cpu: CpuId, entry: &TlbEntry) -> String {
    let s = model.scenario();
    let page = s.page_name(entry.page);
    let mut parts = Vec::new();
    let waiting: Vec<CpuId> = before
        .ipis
        .iter()
        .filter(|i| i.pending.contains(cpu) && i.range.covers(entry.page))
        .map(|i| i.sender)
        .collect();
    if waiting.is_empty() {
        parts.push(format!(
            "No flush of {page} has been asked of {cpu}: its entry stays until {cpu} flushes its own TLB."
        ));
    } else {
        let names: Vec<String> = waiting.iter().map(|c| c.to_string()).collect();
        parts.push(format!(
            "{} sent {cpu} a flush IPI that {cpu} has not taken yet, but the call that returned did not wait for it.",
            list(names.iter().map(String::as_str))
        ));
    }
    let b = before.tlb_flush_batched;
    if b.pending > 0 {
        match model.mitigation() {
            Mitigation::None => parts.push(match model.arch() {
                Arch::Riscv => "This hypothetical riscv kernel's walkers never call flush_tlb_batched_pending() (riscv never shipped one without the call: its batched unmap flushing, 54d7431af73e, came after 3ea277194daa), so mprotect() returned while reclaim's batch was still owed: nothing had asked this CPU to flush.".into(),
                _ => "This kernel's walkers never call flush_tlb_batched_pending() (it predates 3ea277194daa), so mprotect() returned while reclaim's batch was still owed: nothing had asked this CPU to flush.".into(),
            }),
            Mitigation::LocalFlush => parts.push(format!("flush_tlb_batched_pending() on this teaching kernel flushed only the walker's own CPU and marked the batch flushed; {cpu}'s TLB was never asked. flush_tlb_mm() would have interrupted {cpu} and waited for it.")),
            _ => {}
        }
    }
    join(&parts)
}

/// The commit that closes the hole this violation shows, on x86 or riscv.
pub fn violation_commit(model: &Model, before: &Machine) -> Option<kernel::Commit> {
    (before.tlb_flush_batched.pending > 0
        && matches!(
            model.mitigation(),
            Mitigation::None | Mitigation::LocalFlush
        ))
    .then_some(kernel::COMMIT_GENERIC_FIX)
}
