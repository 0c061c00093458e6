//! A scenario on one kernel as an AArch64 litmus test for herd7's virtual-memory
//! model (`herd7 -variant vmsa`), whose `exists` clause is satisfiable exactly
//! when some promise the explorer checks can break. herd7 keeps no TLB: a stale
//! entry is a translation that reads the old PTE value, which Arm's model forbids
//! only where a TLBI completed by a DSB on its own thread orders it. So the
//! question "can the TLBI still be in flight when the write translates?" becomes
//! one that Arm's own axioms answer.
//!
//! Each CPU is a thread, running the steps of its tasks in the order the schedule
//! ran them; each step becomes the instructions arm64 executes for it (see
//! [`CORRESPONDENCES`], which the test quotes in its header). A scenario the
//! translation cannot render faithfully is refused with the step that is the
//! problem. [`HerdAnswer`] reads herd7's output back, so tests can hold herd7's
//! answer for each kind of violation against the explorer's.

use std::collections::BTreeMap;
use std::fmt::{self, Write};

use crate::effect::Effect;
use crate::event::Event;
use crate::machine::ViolationKind;
use crate::mitigation::Mitigation;
use crate::model::{CpuAction, Model};
use crate::op::{CpuId, FlagId, Op, PageId, PageSet, Syscall, TaskId};

/// How herd7 is run on an exported test (the test also names its variant, so
/// any command line gives the same answer).
pub const HERD_VARIANT: &str = "vmsa,fatal";

/// Every correspondence between the model and the litmus test, keyed by the
/// name [`Litmus::rules`] uses, in the order a test lists them.
pub const CORRESPONDENCES: &[(&str, &str)] = &[
    ("thread", "Each CPU is a thread P<n>; it runs the steps of its tasks in the order the schedule ran them there."),
    ("pte", "A page P is the virtual address p, mapped by pte_p=(oa:phy_p,valid:1); herd7 keeps no TLB, so a stale TLB entry is a translation that reads the old, valid pte_p."),
        ("fault", "A user access is labelled; ~fault(Pn:Lk,p) says it succeeded. With -variant vmsa,fatal a fault ends its thread, and a label never reached reads as 'no fault', so a clause also asks that every earlier access of the thread succeeded (in the model, an access that faulted leaves no TLB entry, so a later access to that page cannot break a promise through one)."),
    ("ptep_get_and_clear", "try_to_unmap_one(): ptep_get_and_clear() is a store of the invalid descriptor (oa:phy_p,valid:0) to pte_p."),
    ("set_tlb_ubc_flush_pending", "set_tlb_ubc_flush_pending(): arch_tlbbatch_add_pending() is DSB ISHST then TLBI VALE1IS of the page (LSR of the address by 12), with no DSB after it; mm->tlb_flush_batched is the plain variable tlb_flush_batched, set to 1 after the TLBI."),
    ("ptl", "The page-table lock: under it no other CPU changes a PTE the walk reads, so the walk reads each of its PTEs once, when it takes the lock (pte_offset_map_lock()), with an acquire load (LDAR), which stands for spin_lock()'s acquire (arm64 takes qspinlocks since c11090474d70: atomic_try_cmpxchg_acquire() in queued_spin_lock(), include/asm-generic/qspinlock.h, or an acquire in queued_spin_lock_slowpath(), kernel/locking/qspinlock.c). Reclaim holds the same lock from map_pte() (mm/page_vma_mapped.c) until spin_unlock(), a release, in page_vma_mapped_walk_done() (include/linux/rmap.h); its PTE store is read by the walk's acquire directly here. A walk that finds the PTE not present ran after reclaim's critical section: the condition fixes that read to the invalid descriptor, and the read of tlb_flush_batched to 1. The acquire orders reclaim's PTE store before the flush, as the lock does; the flag's value alone cannot, when two reclaimers set it."),
    ("walk_present", "A walk that finds the PTE present makes it read-only (or clears it) and flushes it itself before the call returns; no promise about that page can break then, so those executions are left out of the condition (and the test leaves out the store and the flush)."),
    ("flush_tlb_batched_pending_none", "flush_tlb_batched_pending() is not called by this kernel (before 3ea277194daa): nothing."),
    ("flush_tlb_batched_pending_dsb", "flush_tlb_batched_pending() on arm64 before 4b634918384c: LDR of tlb_flush_batched, CBZ around the flush, which is DSB ISH only."),
    ("flush_tlb_batched_pending_flush_tlb_mm", "flush_tlb_batched_pending() with the fix (4b634918384c): LDR of tlb_flush_batched, CBZ around flush_tlb_mm(), which is DSB ISHST; TLBI VMALLE1IS; DSB ISH. herd7 has no ASIDs (an ASID operand to TLBI ASIDE1IS matches no address), and with one address space VMALLE1IS stands for the ASID flush."),
    ("tlb_finish_mmu", "tlb_finish_mmu() and flush_tlb_range() flush only what the walk recorded; a walk that found the PTE not present recorded nothing, so they are no instructions."),
    ("return", "The return to user space (the system call's exception return) is ISB."),
    ("flush", "try_to_unmap_flush_dirty() and try_to_unmap_flush() are DSB ISH (arch_tlbbatch_flush()) when the task's batch is pending; the batch belongs to the task, so the DSB runs on whichever CPU the task is on then."),
    ("pageout", "pageout() reads the frame through the kernel's own mapping of it: kva_p, an alias whose pte_kva_p has the same output address phy_p. A lost write is a write that pageout did not see although it is the frame's last value."),
    ("free", "free_unref_folios() is no instruction: writes after it are also after pageout, which is what the condition checks."),
    ("switch", "__switch_to() is DSB ISH on the CPU it runs on (where the model executes it)."),
    ("migrate", "A migrating task is handed over with a release store to moved_<task> after __switch_to(), and picked up with an acquire load on the new CPU that the condition fixes to 1."),
    ("signal", "A user flag is a release store (STLR) of 1; waiting for it is an acquire load (LDAR) that the condition fixes to 1, since the wait ends only when it is set."),
    ("after", "A promise covers an access that comes after the call's return in its task's order, or after a wait for a flag the task set after the return. An access on another CPU with no such order is not 'after' in any sense an execution can show, so it is not in the condition (the explorer's interleavings may still put it later in time)."),
    ("untouched", "Accesses to pages that no kernel step changes are left out: they cannot fault, break no promise, and the model orders nothing by them."),
    ("uncovered_read", "A read that no promise covers is left out: it breaks nothing, and in the model it only fills its CPU's TLB, which herd7 has no need of (any translation may be cached at any time)."),
    ("raw", "Raw instructions: tlbi_va is TLBI VALE1IS, tlbi_aside is TLBI VMALLE1IS (no ASIDs, as above), dsb_ish is DSB ISH."),
];

/// A value an atom of the condition compares with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A number.
    Int(u64),
    /// A page-table descriptor for page `var`'s frame, valid or not.
    Desc {
        /// The page's variable.
        var: String,
        /// Whether the descriptor is valid.
        valid: bool,
    },
}

/// One conjunct of the condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Atom {
    /// A register's final value: `1:X4=1`.
    Reg {
        /// The thread.
        thread: usize,
        /// The register number.
        reg: u8,
        /// Its value.
        value: Value,
    },
    /// A labelled access did not fault: `~fault(P1:L0,p)`.
    NoFault {
        /// The thread.
        thread: usize,
        /// The label.
        label: String,
        /// The variable accessed.
        var: String,
    },
    /// A location's final value: `[p]=1`.
    Mem {
        /// The variable.
        var: String,
        /// Its final value.
        value: u64,
    },
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Atom::Reg { thread, reg, value } => write!(f, "{thread}:X{reg}={value}"),
            Atom::NoFault { thread, label, var } => write!(f, "~fault(P{thread}:{label},{var})"),
            Atom::Mem { var, value } => write!(f, "[{var}]={value}"),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Desc { var, valid: true } => write!(f, "(oa:phy_{var},valid:1)"),
            Value::Desc { var, valid: false } => write!(f, "(oa:phy_{var},valid:0)"),
        }
    }
}

/// The executions that break one promise: every atom holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    /// Which promise.
    pub kind: ViolationKind,
    /// What breaks, in words (`thread1's write of P after mprotect(PROT_READ)`).
    pub what: String,
    /// The conjuncts (the test's global ones, such as waits, included).
    pub atoms: Vec<Atom>,
}

/// An exported test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Litmus {
    /// The test's name (`tlbrace-seed-race-dsb`).
    pub name: String,
    /// The test, in herd7's syntax.
    pub text: String,
    /// Its condition, one clause per way a promise can break (none: `false`).
    pub clauses: Vec<Clause>,
}

/// Why a scenario has no faithful litmus test.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{step}: {why}")]
pub struct Refusal {
    /// The step that cannot be translated (`event 3 (s0): CPU0 kswapd0 pageout(P)`).
    pub step: String,
    /// Why not.
    pub why: String,
}

/// One thread's code and the registers it set up.
#[derive(Default)]
struct Thread {
    code: Vec<String>,
    /// Initial register values, `Xn=...`, by register.
    init: BTreeMap<u8, String>,
    /// Registers holding an address or a constant, by what they hold.
    held: BTreeMap<String, u8>,
    next: u8,
}

impl Thread {
    fn fresh(&mut self) -> u8 {
        let r = self.next;
        self.next += 1;
        r
    }

    /// A register that holds `value` from the start (an address or a descriptor).
    fn holding(&mut self, value: &str) -> u8 {
        if let Some(r) = self.held.get(value) {
            return *r;
        }
        let r = self.fresh();
        self.held.insert(value.to_string(), r);
        self.init.insert(r, value.to_string());
        r
    }

    fn emit(&mut self, line: impl Into<String>) {
        self.code.push(line.into());
    }
}

/// A promise a task holds: a call returned for a page, and the atoms that say
/// its walk ran after reclaim cleared the page.
#[derive(Clone)]
struct Promise {
    syscall: Syscall,
    page: PageId,
    atoms: Vec<Atom>,
    caller: String,
}

/// What the translation knows about a task as it goes.
#[derive(Clone, Default)]
struct TaskState {
    promises: Vec<Promise>,
    /// The flag read of the walk's current section (the PTE table it holds
    /// the lock of: each section calls flush_tlb_batched_pending()).
    flag_read: Option<Atom>,
    /// The current call's walk, by page: the PTE read, and the flag read of
    /// the section that read it (a call over two PTE tables has two).
    walked: BTreeMap<PageId, Vec<Atom>>,
    /// Whether its batch holds a TLBI no DSB of its own has completed.
    batch_pending: bool,
    pageouts: Vec<PageId>,
    /// Where the current walk took the PTL: the thread, and the place in its
    /// code where the walk's PTE reads go, in the order the walk reads them.
    locked_at: Option<(usize, usize)>,
}

/// A variable name for a page: its name in lower case if that is a plain word.
fn page_var(model: &Model, page: PageId) -> String {
    let name = model.scenario().page_name(page);
    if name.chars().all(|c| c.is_ascii_alphanumeric())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
    {
        name.to_ascii_lowercase()
    } else {
        format!("page{}", page.0)
    }
}

/// A plain word for a task or flag name inside a variable (`moved_kswapd0`).
fn word(name: &str, fallback: String) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()) {
        name.to_string()
    } else {
        fallback
    }
}

/// The variable of a user flag (`flag_protected`).
fn flag_var(model: &Model, flag: FlagId) -> String {
    let name = &model.scenario().flags()[flag.index()];
    format!("flag_{}", word(name, format!("{}", flag.0)))
}

/// Exports `model` played along `schedule` (which must finish every task) as a
/// litmus test.
pub fn export(model: &Model, schedule: &[Event]) -> Result<Litmus, Refusal> {
    if !model.arch().is_arm64() {
        return Err(Refusal {
            step: format!("--arch {}", model.arch()),
            why: format!(
                "a litmus test is AArch64 code for herd7's aarch64 model (TLBI, DSB and the Arm rule); {} flushes other CPUs' TLBs by IPI handlers, which that model has no instructions for",
                model.arch()
            ),
        });
    }
    Exporter::new(model).run(schedule)
}

struct Exporter<'a> {
    model: &'a Model,
    threads: Vec<Thread>,
    tasks: Vec<TaskState>,
    /// Promises that a wait for each flag hands on.
    flags: BTreeMap<FlagId, Vec<Promise>>,
    /// Atoms every execution of the scenario satisfies (waits and hand-overs).
    global: Vec<Atom>,
    clauses: Vec<Clause>,
    /// Tasks handed over to another CPU and not yet picked up there.
    moving: BTreeMap<TaskId, String>,
    rules: Vec<&'static str>,
    /// The steps of each thread, for the header.
    steps: Vec<Vec<String>>,
    labels: usize,
    /// Pages reclaim writes out, with the thread and register of pageout's read.
    pageouts: BTreeMap<PageId, (usize, u8)>,
    /// Values user space writes to each page.
    writes: BTreeMap<PageId, Vec<u8>>,
    /// Pages some kernel step changes, writes out or invalidates.
    changed: PageSet,
    /// Each thread's labelled accesses so far, as `~fault` atoms.
    accessed: Vec<Vec<Atom>>,
    /// Pages whose PTE some walk has read (or mremap has moved into).
    walked_pages: std::collections::BTreeSet<PageId>,
    /// Per CPU, the pages the model can have cached there so far: its TLB at
    /// the start, and every page accessed on it since.
    cacheable: Vec<std::collections::BTreeSet<PageId>>,
}

impl<'a> Exporter<'a> {
    fn new(model: &'a Model) -> Exporter<'a> {
        let n = model.scenario().cpu_count();
        Exporter {
            model,
            threads: (0..n).map(|_| Thread::default()).collect(),
            tasks: vec![TaskState::default(); model.scenario().tasks().len()],
            flags: BTreeMap::new(),
            global: Vec::new(),
            clauses: Vec::new(),
            moving: BTreeMap::new(),
            rules: vec!["thread", "pte", "fault"],
            steps: vec![Vec::new(); n],
            accessed: vec![Vec::new(); n],
            labels: 0,
            walked_pages: Default::default(),
            cacheable: model
                .scenario()
                .cpus()
                .iter()
                .map(|cpu| cpu.tlb.iter().copied().collect())
                .collect(),
            pageouts: BTreeMap::new(),
            writes: BTreeMap::new(),
            changed: model
                .scenario()
                .tasks()
                .iter()
                .flat_map(|t| t.steps.iter())
                .filter(|op| op.mode() == crate::op::Mode::Kernel)
                .filter_map(|op| op.page())
                .fold(PageSet::default(), PageSet::with),
        }
    }

    fn rule(&mut self, name: &'static str) {
        if !self.rules.contains(&name) {
            self.rules.push(name);
        }
    }

    fn run(mut self, schedule: &[Event]) -> Result<Litmus, Refusal> {
        let s = self.model.scenario();
        let walkers = s
            .tasks()
            .iter()
            .filter(|t| t.steps.iter().any(|op| matches!(op, Op::Return { .. })))
            .count();
        if walkers > 1 {
            return Err(Refusal {
                step: "the scenario".into(),
                why: "more than one task walks page tables; tlb_finish_mmu()'s mm_tlb_flush_nested() case is not translated".into(),
            });
        }
        for (i, page) in s.pages().iter().enumerate() {
            if !page.writable {
                return Err(Refusal {
                    step: format!("page {}", page.name),
                    why:
                        "its PTE starts read-only; the test only writes valid, writable descriptors"
                            .into(),
                });
            }
            let _ = i;
        }
        let mut m = self.model.initial();
        for (index, event) in schedule.iter().enumerate() {
            let Event::Step(cpu) = *event else {
                // herd7 decides when a TLBI reaches a CPU: deliveries are not steps.
                m = self.apply(&m, *event, index)?.0;
                continue;
            };
            // The event is checked first: a step of a CPU that does not exist or
            // cannot step is refused here, before anything reads its state.
            let (next, effects) = self.apply(&m, *event, index)?;
            let action = self.model.next_action(&m, cpu);
            let at = |what: String| format!("event {index} ({event}): {cpu} {what}");
            match action {
                Some(CpuAction::Run { task, op }) => {
                    let name = s.task(task).name.clone();
                    let what = at(format!("{name} {}", op.name()));
                    self.op(cpu, task, op, &effects, &what)?;
                    let steps = &mut self.steps[cpu.index()];
                    let step = op_text(self.model, op);
                    match steps.last_mut() {
                        Some(last) if last.starts_with(&format!("{name}: ")) => {
                            last.push_str(", ");
                            last.push_str(&step);
                        }
                        _ => steps.push(format!("{name}: {step}")),
                    }
                }
                Some(CpuAction::Switch { to, .. }) => {
                    self.switch(cpu, to, &effects);
                }
                None => {}
            }
            m = next;
        }
        if let Some(t) = (0..s.tasks().len()).find(|t| !self.model.is_done(&m, TaskId(*t as u8))) {
            return Err(Refusal {
                step: format!("the end of the schedule ({} events)", schedule.len()),
                why: format!(
                    "{} has not finished; the test needs every task's whole program",
                    s.tasks()[t].name
                ),
            });
        }
        self.lost_writes()?;
        Ok(self.finish())
    }

    fn apply(
        &self,
        m: &crate::Machine,
        event: Event,
        index: usize,
    ) -> Result<(crate::Machine, Vec<Effect>), Refusal> {
        self.model
            .apply(m, event)
            .map(|a| (a.machine, a.effects))
            .map_err(|e| Refusal {
                step: format!("event {index} ({event})"),
                why: e.to_string(),
            })
    }

    fn dsb_here(effects: &[Effect], cpu: CpuId) -> bool {
        effects
            .iter()
            .any(|e| matches!(e, Effect::Dsb { cpu: c, .. } if *c == cpu))
    }

    /// `__switch_to()`'s DSB on `cpu`, where the model executes one in this step.
    fn switch_dsb(&mut self, cpu: CpuId, effects: &[Effect]) {
        if Self::dsb_here(effects, cpu) {
            self.rule("switch");
            self.threads[cpu.index()].emit("DSB ISH");
        }
    }

    /// Thread `c` sets flag `var` with a release store of 1.
    fn release_flag(&mut self, c: usize, var: &str) {
        let t = &mut self.threads[c];
        let a = t.holding(var);
        let r = t.fresh();
        t.emit(format!("MOV W{r},#1"));
        t.emit(format!("STLR W{r},[X{a}]"));
    }

    /// Thread `c` reads flag `var` with an acquire load, and the condition
    /// requires it read 1: the model only goes on once the flag is set.
    fn acquire_flag(&mut self, c: usize, var: &str) {
        let t = &mut self.threads[c];
        let a = t.holding(var);
        let r = t.fresh();
        t.emit(format!("LDAR W{r},[X{a}]"));
        self.global.push(Atom::Reg {
            thread: c,
            reg: r,
            value: Value::Int(1),
        });
    }

    /// The scheduler switches `cpu` to `to`: `__switch_to()`'s DSB where the model
    /// executes one, and the pick-up of a task handed over from another CPU.
    fn switch(&mut self, cpu: CpuId, to: TaskId, effects: &[Effect]) {
        let c = cpu.index();
        self.switch_dsb(cpu, effects);
        let name = self.model.scenario().task(to).name.clone();
        if let Some(var) = self.moving.remove(&to) {
            self.acquire_flag(c, &var);
            self.steps[c].push(format!("picks up {name} (LDAR {var})"));
        } else {
            self.steps[c].push(format!("switches to {name}"));
        }
    }

    fn label(&mut self) -> String {
        let l = format!("L{}", self.labels);
        self.labels += 1;
        l
    }

    fn op(
        &mut self,
        cpu: CpuId,
        task: TaskId,
        op: Op,
        effects: &[Effect],
        what: &str,
    ) -> Result<(), Refusal> {
        let c = cpu.index();
        let model = self.model;
        let s = model.scenario();
        let refuse = |why: &str| Refusal {
            step: what.to_string(),
            why: why.to_string(),
        };
        match op {
            Op::Read { page } | Op::Write { page, .. } if !self.changed.contains(page) => {
                self.rule("untouched");
            }
            Op::Read { page }
                if !self.tasks[task.index()]
                    .promises
                    .iter()
                    .any(|p| p.page == page) =>
            {
                self.rule("uncovered_read");
            }
            Op::Read { page } | Op::Write { page, .. } => {
                let p = s.page(page);
                if !p.present {
                    return Err(refuse("the page starts unmapped (mremap's new address); its PTE is not translated"));
                }
                let var = page_var(model, page);
                let label = self.label();
                self.accessed[c].push(Atom::NoFault {
                    thread: c,
                    label: label.clone(),
                    var: var.clone(),
                });
                let reached = self.accessed[c].clone();
                let t = &mut self.threads[c];
                let a = t.holding(&var);
                let write = match op {
                    Op::Write { value, .. } => {
                        let r = t.fresh();
                        t.emit(format!("MOV W{r},#{value}"));
                        t.emit(format!("{label}:"));
                        t.emit(format!("STR W{r},[X{a}]"));
                        self.writes.entry(page).or_default().push(value);
                        true
                    }
                    _ => {
                        let r = t.fresh();
                        t.emit(format!("{label}:"));
                        t.emit(format!("LDR W{r},[X{a}]"));
                        false
                    }
                };
                let name = &s.task(task).name;
                for promise in self.tasks[task.index()]
                    .promises
                    .iter()
                    .filter(|p| p.page == page)
                {
                    let kind = match promise.syscall {
                        Syscall::Mprotect if write => ViolationKind::StaleWrite,
                        Syscall::Mprotect => continue,
                        _ => ViolationKind::AccessAfterUnmap,
                    };
                    // The model fills a TLB only by an access; Arm lets a
                    // speculative walk cache any valid translation at any
                    // time, and herd7 (which keeps no TLB) answers for that.
                    // Where the model has no way to hold the page on this CPU,
                    // the two answer different questions: refuse rather than
                    // disagree.
                    if !self.cacheable[c].contains(&page) {
                        return Err(refuse(&format!(
                            "no step before this one can put {} in {cpu}'s TLB in the model (it starts without it and nothing on {cpu} accessed it), but Arm lets a speculative walk cache it while its PTE is valid, and herd7 answers for that hardware",
                            p.name
                        )));
                    }
                    let mut atoms = promise.atoms.clone();
                    atoms.extend(reached.iter().cloned());
                    self.clauses.push(Clause {
                        kind,
                        what: format!(
                            "{name}'s {} of {} on CPU{c} after {}'s {} returned",
                            if write { "write" } else { "read" },
                            p.name,
                            promise.caller,
                            promise.syscall.name()
                        ),
                        atoms,
                    });
                }
                if !self.tasks[task.index()].promises.is_empty() {
                    self.rule("after");
                }
            }
            Op::Signal { flag } => {
                self.rule("signal");
                let var = flag_var(model, flag);
                self.release_flag(c, &var);
                let promises = self.tasks[task.index()].promises.clone();
                self.flags.entry(flag).or_default().extend(promises);
            }
            Op::Wait { flag } => {
                self.rule("signal");
                let var = flag_var(model, flag);
                self.acquire_flag(c, &var);
                let handed = self.flags.get(&flag).cloned().unwrap_or_default();
                self.tasks[task.index()].promises.extend(handed);
            }
            Op::PtepGetAndClear { page } => {
                self.rule("ptep_get_and_clear");
                let var = page_var(model, page);
                let t = &mut self.threads[c];
                let d = t.holding(&format!("(oa:phy_{var},valid:0)"));
                let a = t.holding(&format!("pte_{var}"));
                t.emit(format!("STR X{d},[X{a}]"));
            }
            Op::SetTlbUbcFlushPending { page } => {
                self.rule("set_tlb_ubc_flush_pending");
                let var = page_var(model, page);
                let t = &mut self.threads[c];
                let a = t.holding(&var);
                let f = t.holding("tlb_flush_batched");
                let o = t.fresh();
                let one = t.fresh();
                t.emit("DSB ISHST");
                t.emit(format!("LSR X{o},X{a},#12"));
                t.emit(format!("TLBI VALE1IS,X{o}"));
                t.emit(format!("MOV W{one},#1"));
                t.emit(format!("STR W{one},[X{f}]"));
                self.tasks[task.index()].batch_pending = true;
            }
            Op::TryToUnmapFlushDirty | Op::TryToUnmapFlush => {
                self.rule("flush");
                if std::mem::take(&mut self.tasks[task.index()].batch_pending) {
                    self.threads[c].emit("DSB ISH");
                }
            }
            Op::Pageout { page } => {
                self.rule("pageout");
                let var = page_var(model, page);
                let t = &mut self.threads[c];
                let a = t.holding(&format!("kva_{var}"));
                let r = t.fresh();
                t.emit(format!("LDR W{r},[X{a}]"));
                if self.pageouts.insert(page, (c, r)).is_some() {
                    return Err(refuse("the page is written out twice; the lost-write condition reads one pageout per page"));
                }
                self.tasks[task.index()].pageouts.push(page);
            }
            Op::FreeFolio { page } => {
                self.rule("free");
                if !self.tasks[task.index()].pageouts.contains(&page) {
                    return Err(refuse("the frame is freed without pageout() first; a write into a freed frame is not translated"));
                }
            }
            Op::PteOffsetMapLock { enters, .. } => {
                self.rule("ptl");
                let st = &mut self.tasks[task.index()];
                if enters {
                    // A new call: its promises come from its own walk only.
                    st.walked.clear();
                }
                st.flag_read = None;
                st.locked_at = Some((c, self.threads[c].code.len()));
            }
            Op::PteUnmapUnlock { .. } => {
                self.rule("ptl");
                self.tasks[task.index()].locked_at = None;
            }
            Op::FlushTlbBatchedPending { .. } => {
                let mitigation = model.mitigation();
                self.rule(match mitigation {
                    Mitigation::None => "flush_tlb_batched_pending_none",
                    Mitigation::Dsb => "flush_tlb_batched_pending_dsb",
                    Mitigation::FlushTlbMm => "flush_tlb_batched_pending_flush_tlb_mm",
                    // x86 and riscv only, refused by export() above.
                    Mitigation::LocalFlush => "flush_tlb_batched_pending_none",
                });
                let st = &mut self.tasks[task.index()];
                st.flag_read = None;
                if mitigation != Mitigation::None {
                    let skip = format!("LS{}", self.labels);
                    self.labels += 1;
                    let t = &mut self.threads[c];
                    let f = t.holding("tlb_flush_batched");
                    let r = t.fresh();
                    t.emit(format!("LDR W{r},[X{f}]"));
                    t.emit(format!("CBZ W{r},{skip}"));
                    if mitigation == Mitigation::FlushTlbMm {
                        t.emit("DSB ISHST");
                        t.emit("TLBI VMALLE1IS");
                    }
                    t.emit("DSB ISH");
                    t.emit(format!("{skip}:"));
                    st.flag_read = Some(Atom::Reg {
                        thread: c,
                        reg: r,
                        value: Value::Int(1),
                    });
                }
            }
            Op::ChangePte { page } | Op::ZapPte { page } | Op::MovePte { page, .. } => {
                self.rule("walk_present");
                // "walk_present" leaves out what a walk does when it finds the
                // PTE present, which is exact only for the walk's own promise.
                // A later walk of the page would be conditioned in executions
                // where this one made it read-only (or cleared it) and flushed
                // it, with neither in the test: herd7 then finds writes the
                // kernel forbids (a review found Sometimes against safe).
                if let Op::MovePte { to, .. } = op {
                    self.walked_pages.insert(to);
                }
                if !self.walked_pages.insert(page) {
                    return Err(refuse(&format!(
                        "a second walk of {}'s PTE: what an earlier walk did if it found it present (made it read-only or cleared it, and flushed it) is not in the test, and this walk's promise depends on it",
                        model.scenario().page_name(page)
                    )));
                }
                let var = page_var(model, page);
                // The read belongs where the walk took the lock (see "ptl").
                let st = &mut self.tasks[task.index()];
                let Some((thread, at)) = st.locked_at.filter(|(t, _)| *t == c) else {
                    return Err(refuse(
                        "the walk reads a PTE without holding the PTL on this CPU",
                    ));
                };
                st.locked_at = Some((thread, at + 1));
                let t = &mut self.threads[c];
                let a = t.holding(&format!("pte_{var}"));
                let r = t.fresh();
                t.code.insert(at, format!("LDAR X{r},[X{a}]"));
                let st = &mut self.tasks[task.index()];
                let mut atoms = vec![Atom::Reg {
                    thread: c,
                    reg: r,
                    value: Value::Desc { var, valid: false },
                }];
                // This section's flag read: a later section's (another PTE
                // table) orders nothing about this page.
                atoms.extend(st.flag_read.clone());
                st.walked.insert(page, atoms);
            }
            Op::FlushTlbRange { .. } | Op::TlbFinishMmu { .. } => self.rule("tlb_finish_mmu"),
            Op::Return { syscall, pages } => {
                self.rule("return");
                self.threads[c].emit("ISB");
                let caller = s.task(task).name.clone();
                let st = &mut self.tasks[task.index()];
                for page in pages.iter() {
                    let atoms = st.walked.get(&page).cloned().unwrap_or_default();
                    if atoms.is_empty() {
                        return Err(refuse("the call returned for a page its walk did not read"));
                    }
                    st.promises.push(Promise {
                        syscall,
                        page,
                        atoms,
                        caller: caller.clone(),
                    });
                }
            }
            Op::Migrate { .. } => {
                self.rule("migrate");
                self.switch_dsb(cpu, effects);
                let var = format!(
                    "moved_{}",
                    word(&s.task(task).name, format!("task{}", task.0))
                );
                self.release_flag(c, &var);
                self.moving.insert(task, var);
            }
            Op::CondResched => self.switch_dsb(cpu, effects),
            Op::TlbiVa { page } => {
                self.rule("raw");
                let var = page_var(model, page);
                let t = &mut self.threads[c];
                let a = t.holding(&var);
                let o = t.fresh();
                t.emit(format!("LSR X{o},X{a},#12"));
                t.emit(format!("TLBI VALE1IS,X{o}"));
            }
            Op::TlbiAside => {
                self.rule("raw");
                self.threads[c].emit("TLBI VMALLE1IS");
            }
            Op::DsbIsh => {
                self.rule("raw");
                self.threads[c].emit("DSB ISH");
            }
        }
        // Every access that did not fault may have left the page in this
        // CPU's TLB in the model (see the refusal above).
        if let Op::Read { page } | Op::Write { page, .. } = op {
            self.cacheable[c].insert(page);
        }
        if self.threads[c].next > 28 {
            return Err(refuse("the thread needs more than 28 registers"));
        }
        Ok(())
    }

    /// One clause per page reclaim writes out and per value its last write could
    /// leave there that pageout did not read.
    fn lost_writes(&mut self) -> Result<(), Refusal> {
        let s = self.model.scenario();
        for (&page, &(thread, reg)) in &self.pageouts {
            let p = s.page(page);
            let writes = self.writes.get(&page).cloned().unwrap_or_default();
            let mut seen = vec![p.data];
            for &w in &writes {
                if seen.contains(&w) {
                    return Err(Refusal {
                        step: format!("page {}", p.name),
                        why: format!("the value {w} is written twice (or is its first contents); a lost write is told apart by the value it leaves"),
                    });
                }
                seen.push(w);
            }
            let var = page_var(self.model, page);
            for &last in &writes {
                for &read in seen.iter().filter(|v| **v != last) {
                    let mut atoms = vec![
                        Atom::Reg {
                            thread,
                            reg,
                            value: Value::Int(u64::from(read)),
                        },
                        Atom::Mem {
                            var: var.clone(),
                            value: u64::from(last),
                        },
                    ];
                    atoms.extend(self.global.iter().cloned());
                    self.clauses.push(Clause {
                        kind: ViolationKind::LostWrite,
                        what: format!(
                            "pageout({}) read {read}, but the frame ends holding {last}",
                            p.name
                        ),
                        atoms,
                    });
                }
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Litmus {
        let s = self.model.scenario();
        let m = self.model.mitigation();
        let name = format!("tlbrace-{}-{}", s.name(), m.name());
        // Every clause holds the global atoms (waits, hand-overs).
        for clause in &mut self.clauses {
            for g in &self.global {
                if !clause.atoms.contains(g) {
                    clause.atoms.push(g.clone());
                }
            }
        }
        let mut text = format!("AArch64 {name}\nVariant={HERD_VARIANT}\n(*\n");
        // Comment lines, wrapped; a bullet's lines after the first hang under it.
        let mut comment = |line: String| {
            let line = line.replace("*)", "* )");
            let hang = if line.starts_with("- ") { "  " } else { "" };
            for (i, l) in crate::ladder::wrap(&line, 74).iter().enumerate() {
                let indent = if i == 0 { "" } else { hang };
                let _ = writeln!(text, "  {indent}{l}");
            }
        };
        comment(format!("tlbrace: {}: {}", s.name(), s.title()));
        comment(format!("Kernel ({m}): {}", m.summary()));
        comment(format!("Run: herd7 -variant {HERD_VARIANT} {name}.litmus"));
        comment(String::new());
        comment("How the model maps onto the test:".into());
        for rule in &self.rules {
            if let Some((_, text)) = CORRESPONDENCES.iter().find(|(n, _)| n == rule) {
                comment(format!("- {text}"));
            }
        }
        comment(String::new());
        comment("Steps of each thread:".into());
        for (c, steps) in self.steps.iter().enumerate() {
            comment(format!(
                "- P{c} (CPU{c}): {}",
                if steps.is_empty() {
                    "nothing".into()
                } else {
                    steps.join("; then ")
                }
            ));
        }
        comment(String::new());
        if self.clauses.is_empty() {
            comment("The condition is false: no access in this scenario comes after a promise about a page that reclaim unmaps, and no write lands in a page that reclaim writes out.".into());
        } else {
            comment("The condition holds if one of these happens:".into());
            for c in &self.clauses {
                comment(format!("- {}: {}", c.kind.name(), c.what));
            }
        }
        text.push_str("*)\n{\n");
        for page in 0..s.pages().len() {
            let page = PageId(page as u8);
            let p = s.page(page);
            let var = page_var(self.model, page);
            if p.present {
                let _ = writeln!(text, "pte_{var}=(oa:phy_{var},valid:1);");
            }
            if self.pageouts.contains_key(&page) {
                let _ = writeln!(text, "pte_kva_{var}=(oa:phy_{var},valid:1);");
            }
            if p.data != 0 {
                let _ = writeln!(text, "{var}={};", p.data);
            }
        }
        for (c, t) in self.threads.iter().enumerate() {
            for (r, value) in &t.init {
                let _ = writeln!(text, "{c}:X{r}={value};");
            }
        }
        text.push_str("}\n");
        // The code, one column per thread.
        let columns: Vec<Vec<String>> = self
            .threads
            .iter()
            .enumerate()
            .map(|(c, t)| {
                let mut col = vec![format!("P{c}")];
                if t.code.is_empty() {
                    col.push("NOP".into());
                }
                col.extend(t.code.iter().map(|l| {
                    if l.ends_with(':') {
                        l.clone()
                    } else {
                        format!(" {l}")
                    }
                }));
                col
            })
            .collect();
        let widths: Vec<usize> = columns
            .iter()
            .map(|c| c.iter().map(String::len).max().unwrap_or(0))
            .collect();
        let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
        for row in 0..rows {
            let cells: Vec<String> = columns
                .iter()
                .zip(&widths)
                .map(|(col, w)| format!("{:<w$}", col.get(row).map(String::as_str).unwrap_or("")))
                .collect();
            let _ = writeln!(text, "{} ;", cells.join(" |"));
        }
        let condition = if self.clauses.is_empty() {
            "false".to_string()
        } else {
            self.clauses
                .iter()
                .map(|c| {
                    format!(
                        "({})",
                        c.atoms
                            .iter()
                            .map(Atom::to_string)
                            .collect::<Vec<_>>()
                            .join(" /\\ ")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n  \\/ ")
        };
        let _ = writeln!(text, "exists\n  {condition}");
        Litmus {
            name,
            text,
            clauses: self.clauses,
        }
    }
}

/// A step in a few words for the header (`try_to_unmap_one: ptep_get_and_clear(P)`).
fn op_text(model: &Model, op: Op) -> String {
    match op.page() {
        Some(page) => format!("{}({})", op.name(), model.scenario().page_name(page)),
        None => op.name().to_string(),
    }
}

/// What herd7 printed for one test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HerdAnswer {
    /// The test's name.
    pub name: String,
    /// `Sometimes`, `Never` or `Always`.
    pub observation: String,
    /// Every final state herd7 listed: the locations of the condition, by name
    /// (`1:X4`, `[p]`), and the labels that faulted or did not.
    pub states: Vec<HerdState>,
}

/// One final state herd7 listed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HerdState {
    /// Register and memory values, as herd7 prints them.
    pub values: BTreeMap<String, String>,
    /// `(P1:L0, p)` -> whether the access faulted.
    pub faults: BTreeMap<(String, String), bool>,
}

impl HerdAnswer {
    /// Reads herd7's output; `None` if it is not an answer (an error message).
    pub fn parse(output: &str) -> Option<HerdAnswer> {
        let mut lines = output.lines();
        let name = lines
            .next()?
            .strip_prefix("Test ")?
            .split(' ')
            .next()?
            .to_string();
        let count: usize = lines.next()?.strip_prefix("States ")?.trim().parse().ok()?;
        // The count is the input's word, not a size to allocate: a huge one
        // simply runs out of lines.
        let mut states = Vec::new();
        for _ in 0..count {
            states.push(HerdState::parse(lines.next()?));
        }
        let observation = output
            .lines()
            .find_map(|l| l.strip_prefix(&format!("Observation {name} ")))?
            .split(' ')
            .next()?
            .to_string();
        Some(HerdAnswer {
            name,
            observation,
            states,
        })
    }

    /// Whether some listed state satisfies `clause`.
    pub fn satisfies(&self, clause: &Clause) -> bool {
        self.states
            .iter()
            .any(|s| clause.atoms.iter().all(|a| s.holds(a)))
    }

    /// Whether herd7 says some state satisfies the condition.
    pub fn allowed(&self) -> bool {
        self.observation != "Never"
    }
}

impl HerdState {
    fn parse(line: &str) -> HerdState {
        let mut state = HerdState::default();
        for item in line.split(';').map(str::trim).filter(|i| !i.is_empty()) {
            let (negated, rest) = match item.strip_prefix('~') {
                Some(r) => (true, r),
                None => (false, item),
            };
            if let Some(args) = rest
                .strip_prefix("Fault(")
                .and_then(|r| r.strip_suffix(')'))
            {
                let mut parts = args.split(',');
                let at = parts.next().unwrap_or("").to_string();
                let var = parts.next().unwrap_or("").to_string();
                state.faults.insert((at, var), !negated);
            } else if let Some((key, value)) = item.split_once('=') {
                state.values.insert(key.to_string(), value.to_string());
            }
        }
        state
    }

    fn holds(&self, atom: &Atom) -> bool {
        match atom {
            Atom::Reg { thread, reg, value } => {
                let Some(v) = self.values.get(&format!("{thread}:X{reg}")) else {
                    return false;
                };
                match value {
                    Value::Int(n) => v == &n.to_string(),
                    // herd7 prints `(oa:PA(p), valid:0)`, and a valid one without `valid`.
                    Value::Desc { var, valid } => {
                        v.contains(&format!("PA({var})")) && v.contains("valid:0") != *valid
                    }
                }
            }
            Atom::NoFault { thread, label, var } => {
                self.faults
                    .get(&(format!("P{thread}:{label}"), var.clone()))
                    == Some(&false)
            }
            Atom::Mem { var, value } => {
                self.values.get(&format!("[{var}]")) == Some(&value.to_string())
            }
        }
    }
}
