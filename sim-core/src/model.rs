//! The rules: which events are enabled, and what each one does to a [`Machine`].
//! Pure functions over plain data; no I/O, no clock, no randomness, no words
//! (narration reads the effects afterwards, in `narrative.rs`).

use std::sync::Arc;

use crate::arch::Arch;
use crate::effect::{Effect, FaultKind, FlushOutcome, SwitchMmHow};
use crate::event::{Event, TlbiRef};
use crate::machine::{
    Count, CpuSet, CpuState, CpuStats, FlushIpi, FlushRange, Frame, Gather, InFlightTlbi, Machine,
    MmapLock, Pte, TaskState, Tlb, TlbEntry, TlbFlushBatched, TlbGen, TlbUbc, TlbiTarget,
    Violation, ViolationKind,
};
use crate::mitigation::Mitigation;
use crate::op::{CpuId, FlagId, Op, PageId, PageSet, Syscall, TableId, TaskId};
use crate::scenario::Scenario;

/// x86 and riscv: one flush as its caller asks for it (x86 `struct
/// flush_tlb_info`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Flush {
    /// What it covers.
    range: FlushRange,
    /// Whether it names the mm (`info->mm`; a reclaim batch passes `NULL`).
    mm: bool,
    /// x86: the generation it brings CPUs up to (0: `TLB_GENERATION_INVALID`).
    new_tlb_gen: Count,
    /// x86 `info->freed_tables`: interrupt lazy CPUs too (`flush_tlb_mm()`).
    freed_tables: bool,
}

/// A scenario run on one kernel: the static half of the simulation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Model {
    scenario: Arc<Scenario>,
    mitigation: Mitigation,
    arch: Arch,
}

/// What a CPU does when it steps next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuAction {
    /// Its task runs its next step.
    Run {
        /// The task.
        task: TaskId,
        /// The step.
        op: Op,
    },
    /// The scheduler switches to the first task waiting for this CPU
    /// (`__switch_to()`), because the current one finished, the CPU is idle, or
    /// the current one is blocked in a wait (it spins on its flag, is preempted,
    /// and goes to the back of the queue; with no other task it keeps the CPU).
    Switch {
        /// The task switched away from, if the CPU was not idle.
        from: Option<TaskId>,
        /// The task switched to.
        to: TaskId,
    },
}

/// Where a CPU is, as far as what it can do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuStatus {
    /// It can step.
    Ready,
    /// No task runs here and none waits.
    Idle,
    /// Its task finished and no other waits for it.
    Done,
    /// Its task's next step needs a page-table lock that another task holds: it spins.
    SpinningOnPtl {
        /// The table whose lock it wants.
        table: TableId,
        /// The task holding it.
        holder: TaskId,
    },
    /// Its task waits in user space for a flag no one has set yet.
    Waiting {
        /// The flag.
        flag: FlagId,
    },
    /// Its task sleeps until `mmap_lock` is free for it.
    WaitingForMmapLock {
        /// The writer holding it, or `None` when readers hold it.
        holder: Option<TaskId>,
    },
    /// x86 and riscv: it sent flush IPIs and spins until every target has run
    /// its handler (`smp_call_function_many_cond()` waits with interrupts
    /// enabled, so it still takes flush IPIs other CPUs send it).
    WaitingForIpis {
        /// The CPUs that have not run the handler yet.
        pending: CpuSet,
    },
}

/// Where a task is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskStatus {
    /// On its CPU, with steps left.
    Running(CpuId),
    /// Waiting for its CPU, which runs another task (or sleeping in a wait there).
    Queued(CpuId),
    /// Its program is finished.
    Done,
}

/// Why an event cannot be applied now.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The event names a CPU the scenario does not have.
    #[error("{cpu} does not exist (this scenario has {count} CPUs)")]
    NoSuchCpu {
        /// The CPU named.
        cpu: CpuId,
        /// How many the scenario has.
        count: usize,
    },
    /// The CPU cannot step.
    #[error("{cpu} cannot step: {why}")]
    CannotStep {
        /// The CPU.
        cpu: CpuId,
        /// Why not (idle, done, spinning, waiting).
        why: String,
    },
    /// No flush IPI from `from` waits for `to` (x86, riscv).
    #[error("no flush IPI from {from} is waiting for {to} to take it")]
    NoSuchIpi {
        /// Sender named.
        from: CpuId,
        /// Target named.
        to: CpuId,
    },
    /// No such TLBI is in flight, or it already reached that CPU.
    #[error("no TLBI from {issuer} (#{nth} in flight) is waiting to reach {to}")]
    NoSuchTlbi {
        /// Issuer named.
        issuer: CpuId,
        /// Index named.
        nth: u8,
        /// Target named.
        to: CpuId,
    },
}

/// The result of applying one event: the new machine and what changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The machine after the event.
    pub machine: Machine,
    /// What changed.
    pub effects: Vec<Effect>,
}

impl Model {
    /// A scenario under a mitigation.
    pub fn new(scenario: Scenario, mitigation: Mitigation) -> Model {
        Model::shared(Arc::new(scenario), mitigation)
    }

    /// Like [`Model::new`], sharing an already shared scenario. The
    /// architecture is the scenario's ([`Scenario::arch`], arm64 unless the file
    /// says otherwise).
    pub fn shared(scenario: Arc<Scenario>, mitigation: Mitigation) -> Model {
        let arch = scenario.arch();
        Model {
            scenario,
            mitigation,
            arch,
        }
    }

    /// A scenario under a kernel of an architecture, refused (with the reason)
    /// when the architecture has no such kernel ([`Arch::check`]) or the scenario
    /// makes no sense there ([`Scenario::arch_refusal`]).
    pub fn on(
        scenario: Arc<Scenario>,
        mitigation: Mitigation,
        arch: Arch,
    ) -> Result<Model, String> {
        arch.check(mitigation)?;
        if let Some(why) = scenario.arch_refusal(arch) {
            return Err(why);
        }
        Ok(Model {
            scenario,
            mitigation,
            arch,
        })
    }

    /// The architecture.
    pub fn arch(&self) -> Arch {
        self.arch
    }

    /// The same scenario and kernel on another architecture (unchecked; see
    /// [`Model::on`] for the checked form).
    pub fn with_arch(&self, arch: Arch) -> Model {
        Model {
            arch,
            ..self.clone()
        }
    }

    /// The kernel's name in messages: the mitigation on arm64 (`dsb`), the
    /// architecture and the mitigation elsewhere (`x86 flush_tlb_mm`).
    pub fn kernel_name(&self) -> String {
        if self.arch.is_arm64() {
            self.mitigation.to_string()
        } else {
            format!("{} {}", self.arch, self.mitigation)
        }
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The shared scenario (cheap to clone).
    pub fn scenario_arc(&self) -> &Arc<Scenario> {
        &self.scenario
    }

    /// The mitigation.
    pub fn mitigation(&self) -> Mitigation {
        self.mitigation
    }

    /// The same scenario under another mitigation (on the same architecture).
    pub fn with_mitigation(&self, mitigation: Mitigation) -> Model {
        Model {
            mitigation,
            ..self.clone()
        }
    }

    /// The machine before any event: PTEs as the scenario says (writable ones
    /// dirty), TLBs as it says, each CPU running the first task listed for it.
    pub fn initial(&self) -> Machine {
        let s = &*self.scenario;
        let ptes: Vec<Pte> = s
            .pages()
            .iter()
            .map(|p| Pte {
                present: p.present,
                swap: false,
                writable: p.present && p.writable,
                dirty: p.present && p.writable,
                pfn: p.pfn,
            })
            .collect();
        let mut cpus: Vec<CpuState> = s
            .cpus()
            .iter()
            .map(|c| CpuState {
                current: None,
                queue: Vec::new(),
                tlb: Tlb {
                    entries: c
                        .tlb
                        .iter()
                        .map(|page| self.entry_from_pte(*page, ptes[page.index()]))
                        .collect(),
                },
            })
            .collect();
        for (t, task) in s.tasks().iter().enumerate() {
            let cpu = &mut cpus[task.cpu.index()];
            let id = TaskId(t as u8);
            if cpu.current.is_none() {
                cpu.current = Some(id);
            } else {
                cpu.queue.push(id);
            }
        }
        // mm_cpumask(mm): CPUs that may cache the mm (x86, riscv; arm64 keeps none).
        let mut mm_cpumask = CpuSet::default();
        if self.arch.uses_ipis() {
            for (c, cpu) in cpus.iter().enumerate() {
                let runs_mm = cpu.current.is_some_and(|t| s.task(t).uses_mm());
                if runs_mm || !cpu.tlb.entries.is_empty() {
                    mm_cpumask = mm_cpumask.with(CpuId(c as u8));
                }
            }
        }
        // x86: every CPU of mm_cpumask has the mm loaded (one that caches its
        // entries without running a thread of it ran one before a kernel thread
        // took over: it is lazy); every generation starts at 0.
        let tlb_gen = if self.arch == Arch::X86 {
            TlbGen {
                loaded: mm_cpumask,
                ..TlbGen::default()
            }
        } else {
            TlbGen::default()
        };
        Machine {
            mm_cpumask,
            ipis: Vec::new(),
            tlb_gen,
            cpus,
            tasks: s
                .tasks()
                .iter()
                .map(|t| TaskState {
                    pc: 0,
                    cpu: t.cpu,
                    tlb_ubc: TlbUbc::default(),
                    gather: Gather::default(),
                    rmap: None,
                })
                .collect(),
            frames: s
                .pages()
                .iter()
                .map(|p| Frame {
                    data: p.data,
                    written_out: false,
                    freed: false,
                })
                .collect(),
            swap: vec![None; s.pages().len()],
            ptes,
            tlbis: Vec::new(),
            tlb_flush_batched: TlbFlushBatched::default(),
            ptl: vec![None; s.tables().len()],
            mmap_lock: MmapLock::Free,
            tlb_flush_pending: 0,
            flags: vec![false; s.flags().len()],
            prot_read: PageSet::default(),
            unmapped: PageSet::default(),
            violation: None,
            broken: Default::default(),
            stats: vec![CpuStats::default(); s.cpu_count()],
        }
    }

    fn entry_from_pte(&self, page: PageId, pte: Pte) -> TlbEntry {
        TlbEntry {
            asid: self.scenario.asid(),
            page,
            pfn: pte.pfn,
            writable: pte.writable,
        }
    }

    /// The step `task` runs next, if its program is not finished.
    pub fn next_op(&self, m: &Machine, task: TaskId) -> Option<Op> {
        self.scenario
            .task(task)
            .steps
            .get(usize::from(m.tasks[task.index()].pc))
            .copied()
    }

    /// Whether `task`'s program is finished.
    pub fn is_done(&self, m: &Machine, task: TaskId) -> bool {
        self.next_op(m, task).is_none()
    }

    /// Where `task` is.
    pub fn task_status(&self, m: &Machine, task: TaskId) -> TaskStatus {
        let cpu = m.tasks[task.index()].cpu;
        if self.is_done(m, task) {
            TaskStatus::Done
        } else if m.current(cpu) == Some(task) {
            TaskStatus::Running(cpu)
        } else {
            TaskStatus::Queued(cpu)
        }
    }

    /// What `cpu` does when it steps next (whether or not it may now); `None`
    /// when it has nothing to do, or does not exist (a CPU from a schedule).
    pub fn next_action(&self, m: &Machine, cpu: CpuId) -> Option<CpuAction> {
        let state = m.cpus.get(cpu.index())?;
        // A CPU waiting for its flush IPIs has preemption disabled: its task stays
        // and finishes the step it is in.
        if m.ipi_of(cpu).is_some() {
            let task = state.current?;
            return Some(CpuAction::Run {
                task,
                op: self.next_op(m, task)?,
            });
        }
        let current = state.current.and_then(|t| Some((t, self.next_op(m, t)?)));
        if let Some((task, op)) = current {
            if !self.sleeps(m, task) {
                return Some(CpuAction::Run { task, op });
            }
        }
        // The current task finished or sleeps (or the CPU is idle): the scheduler
        // switches to the first waiting task that can run.
        if let Some(&to) = state.queue.iter().find(|t| !self.sleeps(m, **t)) {
            return Some(CpuAction::Switch {
                from: state.current,
                to,
            });
        }
        // Nobody else can run: a sleeping current task stays (its CPU waits).
        current.map(|(task, op)| CpuAction::Run { task, op })
    }

    /// Whether `task` is asleep: its next step waits for a flag no one has set, or
    /// for `mmap_lock`, which another task holds. (A spinlock is not a sleep: a
    /// task spinning on a PTL keeps its CPU.)
    pub fn sleeps(&self, m: &Machine, task: TaskId) -> bool {
        match self.next_op(m, task) {
            Some(Op::Wait { flag }) => !m.flags[flag.index()],
            Some(Op::PteOffsetMapLock {
                syscall,
                enters: true,
                ..
            }) => !m.mmap_lock.available(syscall.writes_mmap_lock()),
            _ => false,
        }
    }

    /// The virtual page that maps `folio`'s frame now, if a present PTE does
    /// (reclaim finds it through the reverse map, wherever mremap moved it).
    pub fn mapping_of(&self, m: &Machine, folio: PageId) -> Option<PageId> {
        let pfn = self.scenario.page(folio).pfn;
        m.ptes
            .iter()
            .position(|pte| pte.present && pte.pfn == pfn)
            .map(|i| PageId(i as u8))
    }

    /// The page-table locks a step takes, when it takes any.
    fn locks_wanted(&self, m: &Machine, op: &Op) -> Option<impl Iterator<Item = TableId>> {
        match *op {
            Op::PtepGetAndClear { page } => {
                let va = self.mapping_of(m, page)?;
                let table = self.scenario.page(va).table;
                Some(crate::op::Tables::one(table).iter())
            }
            Op::PteOffsetMapLock { tables, .. } => Some(tables.iter()),
            _ => None,
        }
    }

    /// Whether `cpu` can step, and if not, why (a CPU that does not exist is
    /// [`CpuStatus::Idle`]).
    pub fn cpu_status(&self, m: &Machine, cpu: CpuId) -> CpuStatus {
        let Some(action) = self.next_action(m, cpu) else {
            return match m.current(cpu) {
                Some(_) => CpuStatus::Done,
                None => CpuStatus::Idle,
            };
        };
        let CpuAction::Run { task, op } = action else {
            return CpuStatus::Ready;
        };
        if let Some(ipi) = m.ipi_of(cpu) {
            return if ipi.pending.is_empty() {
                CpuStatus::Ready
            } else {
                CpuStatus::WaitingForIpis {
                    pending: ipi.pending,
                }
            };
        }
        if let Some(tables) = self.locks_wanted(m, &op) {
            for table in tables {
                if let Some(holder) = m.ptl[table.index()].filter(|h| *h != task) {
                    return CpuStatus::SpinningOnPtl { table, holder };
                }
            }
        }
        if let Op::Wait { flag } = op {
            if !m.flags[flag.index()] {
                return CpuStatus::Waiting { flag };
            }
        }
        if let Op::PteOffsetMapLock {
            syscall,
            enters: true,
            ..
        } = op
        {
            if !m.mmap_lock.available(syscall.writes_mmap_lock()) {
                let holder = match m.mmap_lock {
                    MmapLock::Write { task } => Some(task),
                    _ => None,
                };
                return CpuStatus::WaitingForMmapLock { holder };
            }
        }
        CpuStatus::Ready
    }

    /// Every event that may happen next, in a fixed order: steps by CPU, then
    /// deliveries by TLBI age and target CPU.
    pub fn enabled_events(&self, m: &Machine) -> Vec<Event> {
        let mut events = Vec::new();
        self.enabled_events_into(m, &mut events);
        events
    }

    /// [`Model::enabled_events`] into a reused buffer (the explorer's hot path).
    pub fn enabled_events_into(&self, m: &Machine, events: &mut Vec<Event>) {
        events.clear();
        for c in 0..m.cpus.len() {
            let cpu = CpuId(c as u8);
            if self.cpu_status(m, cpu) == CpuStatus::Ready {
                events.push(Event::Step(cpu));
            }
        }
        let mut seen = [0u8; crate::scenario::MAX_CPUS];
        for t in &m.tlbis {
            let nth = seen[t.issuer.index()];
            seen[t.issuer.index()] += 1;
            for to in t.pending.iter() {
                events.push(Event::Deliver {
                    tlbi: TlbiRef {
                        issuer: t.issuer,
                        nth,
                    },
                    to,
                });
            }
        }
        for ipi in &m.ipis {
            for to in ipi.pending.iter() {
                events.push(Event::Ipi {
                    from: ipi.sender,
                    to,
                });
            }
        }
    }

    /// Whether nothing can happen any more.
    pub fn is_terminal(&self, m: &Machine) -> bool {
        m.tlbis.is_empty()
            && m.ipis.iter().all(|i| i.pending.is_empty())
            && (0..m.cpus.len()).all(|c| self.cpu_status(m, CpuId(c as u8)) != CpuStatus::Ready)
    }

    /// The tasks that will never finish: nothing can happen any more and they have
    /// steps left. Empty unless the state is a deadlock.
    pub fn deadlocked(&self, m: &Machine) -> Vec<TaskId> {
        if !self.is_terminal(m) {
            return Vec::new();
        }
        (0..m.tasks.len())
            .map(|t| TaskId(t as u8))
            .filter(|t| !self.is_done(m, *t))
            .collect()
    }

    /// Applies an event to a copy of `m`.
    pub fn apply(&self, m: &Machine, event: Event) -> Result<Applied, EventError> {
        let mut machine = m.clone();
        let mut effects = Vec::new();
        self.apply_in_place(&mut machine, event, &mut effects)?;
        Ok(Applied { machine, effects })
    }

    /// Applies an event in place, appending what changed to `effects`. On error
    /// the machine is unchanged.
    pub fn apply_in_place(
        &self,
        m: &mut Machine,
        event: Event,
        effects: &mut Vec<Effect>,
    ) -> Result<(), EventError> {
        // Not `event.cpus()`: that allocates, and this is the explorer's hot path.
        let named = match event {
            Event::Step(cpu) => [cpu, cpu],
            Event::Deliver { tlbi, to } => [tlbi.issuer, to],
            Event::Ipi { from, to } => [from, to],
        };
        for cpu in named {
            if cpu.index() >= m.cpus.len() {
                return Err(EventError::NoSuchCpu {
                    cpu,
                    count: m.cpus.len(),
                });
            }
        }
        match event {
            Event::Step(cpu) => self.step(m, cpu, effects),
            Event::Deliver { tlbi, to } => {
                let index = m
                    .tlbi(tlbi.issuer, tlbi.nth)
                    .filter(|(_, t)| t.pending.contains(to))
                    .map(|(i, _)| i)
                    .ok_or(EventError::NoSuchTlbi {
                        issuer: tlbi.issuer,
                        nth: tlbi.nth,
                        to,
                    })?;
                deliver(m, index, to, effects);
                Ok(())
            }
            Event::Ipi { from, to } => {
                let index = m
                    .ipis
                    .iter()
                    .position(|i| i.sender == from && i.pending.contains(to))
                    .ok_or(EventError::NoSuchIpi { from, to })?;
                let ipi = m.ipis[index];
                effects.push(Effect::IpiHandled {
                    from,
                    cpu: to,
                    range: ipi.range,
                });
                m.stats[to.index()].ipis_received += 1;
                if self.arch == Arch::X86 {
                    let flush = Flush {
                        range: ipi.range,
                        mm: ipi.mm,
                        new_tlb_gen: ipi.new_tlb_gen,
                        freed_tables: false,
                    };
                    self.flush_tlb_func(m, to, flush, from, effects);
                } else {
                    self.flush_own_tlb(m, to, ipi.range, from, effects);
                }
                m.ipis[index].pending = ipi.pending.without(to);
                Ok(())
            }
        }
    }

    /// Why `cpu` cannot step, in words for an error message.
    fn why_not(&self, m: &Machine, cpu: CpuId) -> Option<String> {
        let name = |t: TaskId| self.scenario.task(t).name.clone();
        match self.cpu_status(m, cpu) {
            CpuStatus::Ready => None,
            CpuStatus::Idle => Some("no task runs on it".into()),
            CpuStatus::Done => Some("its task's program is finished".into()),
            CpuStatus::SpinningOnPtl { table, holder } => Some(format!(
                "it spins on {}, which {} holds",
                self.scenario.tables()[table.index()].lock_name(),
                name(holder)
            )),
            CpuStatus::Waiting { flag } => Some(format!(
                "its task waits for flag {:?}, which no one has set yet",
                self.scenario.flags()[flag.index()]
            )),
            CpuStatus::WaitingForMmapLock { holder } => Some(match holder {
                Some(t) => format!("its task sleeps on mmap_lock, which {} holds", name(t)),
                None => "its task sleeps on mmap_lock, which readers hold".to_string(),
            }),
            CpuStatus::WaitingForIpis { pending } => {
                let names: Vec<String> = pending.iter().map(|c| c.to_string()).collect();
                Some(match names.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!(
                        "it waits for its flush IPIs: {} and {last} have not run the handler yet",
                        rest.join(", ")
                    ),
                    _ => format!(
                        "it waits for its flush IPIs: {} has not run the handler yet",
                        names.join("")
                    ),
                })
            }
        }
    }

    fn step(&self, m: &mut Machine, cpu: CpuId, fx: &mut Vec<Effect>) -> Result<(), EventError> {
        if let Some(why) = self.why_not(m, cpu) {
            return Err(EventError::CannotStep { cpu, why });
        }
        let action = self
            .next_action(m, cpu)
            .expect("a ready CPU has something to do");
        let (task, op) = match action {
            CpuAction::Switch { from, to } => {
                self.switch_to(m, cpu, fx);
                let state = &mut m.cpus[cpu.index()];
                state.queue.retain(|t| *t != to);
                state.current = Some(to);
                self.enter_mm(m, cpu, from, to, fx);
                // A task that sleeps in a wait runs again when its turn comes.
                if let Some(from) = from.filter(|t| !self.is_done(m, *t)) {
                    m.cpus[cpu.index()].queue.push(from);
                }
                fx.push(Effect::ContextSwitch { cpu, from, to });
                return Ok(());
            }
            CpuAction::Run { task, op } => (task, op),
        };
        if let Some(index) = m.ipis.iter().position(|i| i.sender == cpu) {
            // Every handler ran (a waiting CPU is not ready otherwise): the sender
            // stops spinning and finishes the call it was in.
            let ipi = m.ipis.remove(index);
            fx.push(Effect::IpiWaitDone { cpu });
            m.tasks[task.index()].pc += 1;
            self.after_wait(m, task, op, ipi.batch_seen, fx);
            return Ok(());
        }
        m.tasks[task.index()].pc += 1;
        let asid = self.scenario.asid();
        match op {
            Op::Read { page } => self.access(m, cpu, task, page, None, fx),
            Op::Write { page, value } => self.access(m, cpu, task, page, Some(value), fx),
            Op::Signal { flag } => {
                m.flags[flag.index()] = true;
                fx.push(Effect::FlagSet { task, flag });
            }
            Op::Wait { flag } => fx.push(Effect::FlagSeen { task, flag }),
            Op::PtepGetAndClear { page } => {
                let Some(va) = self.mapping_of(m, page) else {
                    // page_vma_mapped_walk() finds no present PTE: nothing to unmap.
                    m.tasks[task.index()].rmap = None;
                    fx.push(Effect::NotMapped { task, page });
                    return Ok(());
                };
                self.lock(m, cpu, task, self.scenario.page(va).table, fx);
                let before = m.ptes[va.index()];
                // try_to_unmap_one() leaves a swap entry in place of an anonymous PTE.
                let after = Pte {
                    present: false,
                    swap: true,
                    writable: false,
                    ..before
                };
                // x86's should_defer_flush(): arch_tlbbatch_should_defer()
                // batches only when another CPU is in mm_cpumask(mm) (asked
                // before the PTE is cleared); otherwise try_to_unmap_one()
                // uses ptep_clear_flush(), which flushes this CPU at once.
                // arm64 and riscv always defer (their hooks return true).
                let defer = self.arch != Arch::X86 || !m.mm_cpumask.without(cpu).is_empty();
                m.ptes[va.index()] = after;
                fx.push(Effect::PteChange {
                    page: va,
                    before,
                    after,
                });
                if defer {
                    m.tasks[task.index()].rmap = Some((va, before.dirty));
                    return Ok(());
                }
                // ptep_clear_flush() -> flush_tlb_page() -> flush_tlb_mm_range()
                // of the one page: a new generation, then the local flush (no
                // other CPU is in the mask, so no IPI). page_vma_mapped_walk_done()
                // drops the lock; set_tlb_ubc_flush_pending() is not called.
                fx.push(Effect::FlushNotDeferred { task });
                let flush = self.mm_flush(
                    m,
                    FlushRange::Pages {
                        pages: PageSet::default().with(va),
                    },
                    false,
                    fx,
                );
                let sent = self.flush_cpus(m, cpu, m.mm_cpumask.with(cpu), flush, 0, fx);
                debug_assert!(!sent, "no other CPU in mm_cpumask, so no IPI");
                // The lock stays held until the next step, as in the kernel
                // (page_vma_mapped_walk_done()); that the task holds it with
                // nothing recorded is how that step knows nothing was deferred.
                m.tasks[task.index()].rmap = None;
            }
            Op::SetTlbUbcFlushPending { .. } => {
                let Some((va, dirty)) = m.tasks[task.index()].rmap.take() else {
                    fx.push(Effect::NothingToDo { task });
                    // x86, not deferred: ptep_clear_flush() flushed already;
                    // page_vma_mapped_walk_done() drops the lock.
                    if let Some(table) = m.ptl.iter().position(|h| *h == Some(task)) {
                        self.unlock(m, cpu, task, TableId(table as u8), fx);
                    }
                    return Ok(());
                };
                if self.arch.uses_ipis() {
                    // arch_tlbbatch_add_pending(): no TLBI, no IPI; the batch
                    // remembers which CPUs to flush (on x86 after
                    // inc_mm_tlb_gen(), so that lazy CPUs catch up on switch).
                    if self.arch == Arch::X86 {
                        self.inc_mm_tlb_gen(m, fx);
                    }
                    let mask = m.mm_cpumask;
                    let ubc = &mut m.tasks[task.index()].tlb_ubc;
                    ubc.cpumask = ubc.cpumask.union(mask);
                } else {
                    issue(m, cpu, TlbiTarget::Va { asid, page: va }, fx);
                }
                let ubc = &mut m.tasks[task.index()].tlb_ubc;
                ubc.flush_required = true;
                ubc.writable |= dirty;
                fx.push(Effect::TlbUbc {
                    task,
                    tlb_ubc: *ubc,
                });
                m.tlb_flush_batched.pending += 1;
                fx.push(Effect::BatchCounters {
                    pending: m.tlb_flush_batched.pending,
                    flushed: m.tlb_flush_batched.flushed,
                });
                self.unlock(m, cpu, task, self.scenario.page(va).table, fx);
            }
            Op::TryToUnmapFlushDirty => {
                if m.tasks[task.index()].tlb_ubc.writable {
                    self.try_to_unmap_flush(m, cpu, task, fx);
                } else {
                    fx.push(Effect::NothingToDo { task });
                }
            }
            Op::TryToUnmapFlush => self.try_to_unmap_flush(m, cpu, task, fx),
            Op::Pageout { page } => {
                let frame = &mut m.frames[page.index()];
                frame.written_out = true;
                m.swap[page.index()] = Some(frame.data);
                fx.push(Effect::Pageout {
                    page,
                    data: frame.data,
                });
            }
            Op::FreeFolio { page } => {
                m.frames[page.index()].freed = true;
                fx.push(Effect::FrameFreed { page });
            }
            Op::PteOffsetMapLock {
                tables,
                syscall,
                enters,
            } => {
                if enters {
                    m.mmap_lock = match m.mmap_lock {
                        _ if syscall.writes_mmap_lock() => MmapLock::Write { task },
                        MmapLock::Read { readers } => MmapLock::Read {
                            readers: readers + 1,
                        },
                        _ => MmapLock::Read { readers: 1 },
                    };
                    fx.push(Effect::MmapLock {
                        task,
                        write: syscall.writes_mmap_lock(),
                        taken: true,
                    });
                    if syscall.gathers() {
                        // tlb_gather_mmu(): inc_tlb_flush_pending().
                        m.tlb_flush_pending += 1;
                    }
                }
                for table in tables.iter() {
                    self.lock(m, cpu, task, table, fx);
                }
            }
            Op::FlushTlbBatchedPending { .. } if self.arch.uses_ipis() => {
                let seen = m.tlb_flush_batched.pending;
                match self.mitigation {
                    Mitigation::None => fx.push(Effect::NothingToDo { task }),
                    _ if !m.tlb_flush_batched.flush_owed() => fx.push(Effect::NothingToDo { task }),
                    Mitigation::FlushTlbMm => {
                        // flush_tlb_mm(mm): flush_tlb_mm_range(mm, 0, TLB_FLUSH_ALL,
                        // 0, true) on the mm's CPUs, this one locally.
                        let mask = m.mm_cpumask.with(cpu);
                        let flush = self.mm_flush(m, FlushRange::All, true, fx);
                        if self.flush_cpus(m, cpu, mask, flush, seen, fx) {
                            m.tasks[task.index()].pc -= 1;
                        } else {
                            mark_flushed(m, seen, fx);
                        }
                    }
                    Mitigation::LocalFlush => {
                        // flush_tlb_mm() with a mask of this CPU alone (on x86:
                        // inc_mm_tlb_gen(), then flush_tlb_func() here).
                        let flush = self.mm_flush(m, FlushRange::All, true, fx);
                        fx.push(Effect::LocalFlush {
                            cpu,
                            range: FlushRange::All,
                        });
                        if self.arch == Arch::X86 {
                            self.flush_tlb_func(m, cpu, flush, cpu, fx);
                        } else {
                            self.flush_own_tlb(m, cpu, FlushRange::All, cpu, fx);
                        }
                        mark_flushed(m, seen, fx);
                    }
                    // Refused by Model::on: a bare barrier has nothing in flight
                    // to complete here, so it flushes nothing, yet marks the batch.
                    Mitigation::Dsb => mark_flushed(m, seen, fx),
                }
            }
            Op::FlushTlbBatchedPending { .. } => {
                if self.mitigation == Mitigation::None {
                    fx.push(Effect::NothingToDo { task });
                } else if m.tlb_flush_batched.flush_owed() {
                    if self.mitigation == Mitigation::FlushTlbMm {
                        issue(m, cpu, TlbiTarget::Asid { asid }, fx);
                    }
                    dsb(m, cpu, fx);
                    m.tlb_flush_batched.flushed = m.tlb_flush_batched.pending;
                    fx.push(Effect::BatchCounters {
                        pending: m.tlb_flush_batched.pending,
                        flushed: m.tlb_flush_batched.flushed,
                    });
                } else {
                    fx.push(Effect::NothingToDo { task });
                }
            }
            Op::ChangePte { page } => {
                let before = m.ptes[page.index()];
                if before.allows_write() {
                    let after = Pte {
                        writable: false,
                        ..before
                    };
                    m.ptes[page.index()] = after;
                    fx.push(Effect::PteChange {
                        page,
                        before,
                        after,
                    });
                    self.record(m, task, page, false, fx);
                } else {
                    fx.push(Effect::PteSkipped { page, pte: before });
                }
            }
            Op::ZapPte { page } => {
                let before = m.ptes[page.index()];
                // Present or a swap entry, the PTE becomes pte_none.
                let after = Pte {
                    present: false,
                    swap: false,
                    writable: false,
                    ..before
                };
                m.ptes[page.index()] = after;
                if before.present {
                    fx.push(Effect::PteChange {
                        page,
                        before,
                        after,
                    });
                    self.record(m, task, page, true, fx);
                } else {
                    // A swap entry (reclaim cleared it): dropped, nothing to flush.
                    fx.push(Effect::PteSkipped { page, pte: before });
                }
            }
            Op::MovePte { page, to } => {
                let before = m.ptes[page.index()];
                let cleared = Pte {
                    present: false,
                    swap: false,
                    writable: false,
                    dirty: false,
                    pfn: before.pfn,
                };
                m.ptes[page.index()] = cleared;
                let target_before = m.ptes[to.index()];
                m.ptes[to.index()] = before;
                fx.push(Effect::PteChange {
                    page,
                    before,
                    after: cleared,
                });
                fx.push(Effect::PteChange {
                    page: to,
                    before: target_before,
                    after: before,
                });
                // The new address is mapped now, with the old one's protection (and
                // only that: an earlier mprotect of the empty target promised nothing
                // about the mapping moved there).
                m.unmapped = PageSet(m.unmapped.0 & !(1 << to.0));
                m.prot_read = if m.prot_read.contains(page) {
                    m.prot_read.with(to)
                } else {
                    PageSet(m.prot_read.0 & !(1 << to.0))
                };
                if before.present {
                    self.record(m, task, page, false, fx);
                }
            }
            Op::FlushTlbRange { page } => {
                let gather = &mut m.tasks[task.index()].gather;
                if gather.flush.contains(page) {
                    *gather = Gather::default();
                    if self.arch.uses_ipis() {
                        // flush_tlb_range() -> flush_tlb_mm_range(): the mm's CPUs.
                        let mask = m.mm_cpumask.with(cpu);
                        let range = FlushRange::Pages {
                            pages: PageSet::default().with(page),
                        };
                        let flush = self.mm_flush(m, range, false, fx);
                        if self.flush_cpus(m, cpu, mask, flush, 0, fx) {
                            m.tasks[task.index()].pc -= 1;
                        }
                    } else {
                        issue(m, cpu, TlbiTarget::Va { asid, page }, fx);
                        dsb(m, cpu, fx);
                    }
                } else {
                    fx.push(Effect::NothingToDo { task });
                }
            }
            Op::PteUnmapUnlock { tables, .. } => {
                for table in tables.iter() {
                    self.unlock(m, cpu, task, table, fx);
                }
            }
            Op::TlbFinishMmu { .. } => self.tlb_finish_mmu(m, cpu, task, fx),
            Op::Return { syscall, pages } => {
                m.mmap_lock = match m.mmap_lock {
                    MmapLock::Read { readers } if readers > 1 => MmapLock::Read {
                        readers: readers - 1,
                    },
                    _ => MmapLock::Free,
                };
                fx.push(Effect::MmapLock {
                    task,
                    write: syscall.writes_mmap_lock(),
                    taken: false,
                });
                match syscall {
                    Syscall::Mprotect => m.prot_read = PageSet(m.prot_read.0 | pages.0),
                    _ => m.unmapped = PageSet(m.unmapped.0 | pages.0),
                }
                fx.push(Effect::Returned {
                    task,
                    syscall,
                    pages,
                });
            }
            Op::Migrate { to } => {
                self.switch_to(m, cpu, fx);
                let state = &mut m.cpus[cpu.index()];
                let next = (!state.queue.is_empty()).then(|| state.queue.remove(0));
                state.current = next;
                m.tasks[task.index()].cpu = to;
                m.cpus[to.index()].queue.push(task);
                fx.push(Effect::Migrate {
                    task,
                    from: cpu,
                    to,
                });
                if let Some(next) = next {
                    fx.push(Effect::ContextSwitch {
                        cpu,
                        from: Some(task),
                        to: next,
                    });
                    self.enter_mm(m, cpu, Some(task), next, fx);
                }
            }
            Op::CondResched => {
                let state = &m.cpus[cpu.index()];
                match state.queue.iter().find(|t| !self.sleeps(m, **t)).copied() {
                    Some(next) => {
                        self.switch_to(m, cpu, fx);
                        let state = &mut m.cpus[cpu.index()];
                        state.queue.retain(|t| *t != next);
                        state.queue.push(task);
                        state.current = Some(next);
                        fx.push(Effect::ContextSwitch {
                            cpu,
                            from: Some(task),
                            to: next,
                        });
                        self.enter_mm(m, cpu, Some(task), next, fx);
                    }
                    None => fx.push(Effect::NothingToDo { task }),
                }
            }
            Op::TlbiVa { page } => issue(m, cpu, TlbiTarget::Va { asid, page }, fx),
            Op::TlbiAside => issue(m, cpu, TlbiTarget::Asid { asid }, fx),
            Op::DsbIsh => dsb(m, cpu, fx),
        }
        Ok(())
    }

    /// `__switch_to()` on `cpu`: its `dsb(ish)` (unless the scenario's kernel lacks
    /// it). x86 and riscv have no such barrier, and switching between tasks of one
    /// mm flushes no TLB (x86 `switch_mm_irqs_off()` returns early for the same mm).
    fn switch_to(&self, m: &mut Machine, cpu: CpuId, fx: &mut Vec<Effect>) {
        if self.scenario.switch_to_dsb() && !self.arch.uses_ipis() {
            dsb(m, cpu, fx);
        }
    }

    /// x86 and riscv: `to` becomes current on `cpu` after `from`. riscv: a
    /// thread of the mm sets the CPU's bit in `mm_cpumask(mm)` (`switch_mm()`,
    /// which returns at once for the same mm). x86 (`switch_mm_irqs_off()`): a
    /// kernel thread is `enter_lazy_tlb()` (the mm stays loaded, the CPU is lazy:
    /// nothing to do here); a thread of the mm after another thread of it flushes
    /// nothing; after a kernel thread or the idle task (`was_lazy`) the CPU
    /// flushes its TLB if the mm's generation moved; on a CPU without the mm
    /// loaded it sets the CPU's bit and loads the mm, flushing if the CPU's
    /// generation for it is behind (`choose_new_asid()`).
    fn enter_mm(
        &self,
        m: &mut Machine,
        cpu: CpuId,
        from: Option<TaskId>,
        to: TaskId,
        fx: &mut Vec<Effect>,
    ) {
        if !self.arch.uses_ipis() || !self.scenario.task(to).uses_mm() {
            return;
        }
        if self.arch == Arch::X86 && m.tlb_gen.loaded.contains(cpu) {
            let was_lazy = !from.is_some_and(|t| self.scenario.task(t).uses_mm());
            if !was_lazy {
                return;
            }
            let how = if m.tlb_gen.of(cpu) == m.tlb_gen.mm {
                SwitchMmHow::LazyUpToDate
            } else {
                SwitchMmHow::LazyFlush
            };
            fx.push(Effect::SwitchMm { cpu, how });
            if how == SwitchMmHow::LazyFlush {
                self.flush_own_tlb(m, cpu, FlushRange::All, cpu, fx);
                m.tlb_gen.cpu[cpu.index()] = m.tlb_gen.mm;
            }
            return;
        }
        if !m.mm_cpumask.contains(cpu) {
            m.mm_cpumask = m.mm_cpumask.with(cpu);
            fx.push(Effect::MmCpumask { cpu });
        }
        if self.arch == Arch::X86 {
            let flushed = m.tlb_gen.of(cpu) != m.tlb_gen.mm;
            fx.push(Effect::SwitchMm {
                cpu,
                how: SwitchMmHow::Load { flushed },
            });
            if flushed {
                self.flush_own_tlb(m, cpu, FlushRange::All, cpu, fx);
            }
            m.tlb_gen.cpu[cpu.index()] = m.tlb_gen.mm;
            m.tlb_gen.loaded = m.tlb_gen.loaded.with(cpu);
        }
    }

    /// x86: whether `cpu` is in lazy TLB mode: it has the mm loaded while a
    /// kernel thread, or no task (the idle task), runs there. Always false on
    /// arm64 and riscv.
    pub fn is_lazy(&self, m: &Machine, cpu: CpuId) -> bool {
        self.arch == Arch::X86
            && m.tlb_gen.loaded.contains(cpu)
            && !m
                .current(cpu)
                .is_some_and(|t| self.scenario.task(t).uses_mm())
    }

    /// x86: `inc_mm_tlb_gen()`; returns the new generation.
    fn inc_mm_tlb_gen(&self, m: &mut Machine, fx: &mut Vec<Effect>) -> Count {
        m.tlb_gen.mm += 1;
        fx.push(Effect::TlbGenBump { gen: m.tlb_gen.mm });
        m.tlb_gen.mm
    }

    /// A flush of the mm (`flush_tlb_mm_range()`; on x86 it bumps the mm's
    /// generation first).
    fn mm_flush(
        &self,
        m: &mut Machine,
        range: FlushRange,
        freed_tables: bool,
        fx: &mut Vec<Effect>,
    ) -> Flush {
        let new_tlb_gen = if self.arch == Arch::X86 {
            self.inc_mm_tlb_gen(m, fx)
        } else {
            0
        };
        Flush {
            range,
            mm: true,
            new_tlb_gen,
            freed_tables,
        }
    }

    /// x86 and riscv: a flush on the CPUs of `mask` from `cpu`. riscv
    /// (`__flush_tlb_range()`): `cpu` flushes its own TLB if it is in the mask,
    /// and asks each other CPU of the mask. x86 (`flush_tlb_multi()` when
    /// another CPU is in the mask, else a local `flush_tlb_func()`): with
    /// `freed_tables` every CPU of the mask runs `flush_tlb_func()`
    /// (`on_each_cpu_mask()`); otherwise `should_flush_tlb()` leaves out lazy
    /// CPUs, and for a flush that names the mm those that do not have it loaded
    /// (`trim_cpumask` is taken to be off). The IPIs are sent first, then `cpu`
    /// runs the flush itself, then it waits. Returns whether it sent any: then
    /// `cpu` waits.
    fn flush_cpus(
        &self,
        m: &mut Machine,
        cpu: CpuId,
        mask: CpuSet,
        flush: Flush,
        batch_seen: Count,
        fx: &mut Vec<Effect>,
    ) -> bool {
        let all_others = mask.without(cpu);
        let x86 = self.arch == Arch::X86;
        let (others, local) = if !x86 {
            (all_others, mask.contains(cpu))
        } else if all_others.is_empty() {
            // The local path: a batch flushes here if this CPU is in its mask,
            // flush_tlb_mm_range() if the mm is loaded here.
            let local = if flush.mm {
                m.tlb_gen.loaded.contains(cpu)
            } else {
                mask.contains(cpu)
            };
            (CpuSet::default(), local)
        } else {
            let cond = |c: CpuId| {
                flush.freed_tables
                    || (!self.is_lazy(m, c) && (!flush.mm || m.tlb_gen.loaded.contains(c)))
            };
            let mut others = CpuSet::default();
            let mut lazy = CpuSet::default();
            let mut not_loaded = CpuSet::default();
            for c in all_others.iter() {
                if cond(c) {
                    others = others.with(c);
                } else if self.is_lazy(m, c) {
                    lazy = lazy.with(c);
                } else {
                    not_loaded = not_loaded.with(c);
                }
            }
            if !lazy.is_empty() || !not_loaded.is_empty() {
                fx.push(Effect::IpiSkipped {
                    cpu,
                    lazy,
                    not_loaded,
                });
            }
            (others, mask.contains(cpu) && cond(cpu))
        };
        if !others.is_empty() {
            m.stats[cpu.index()].ipis_sent += others.len() as u32;
            m.ipis.push(FlushIpi {
                sender: cpu,
                range: flush.range,
                pending: others,
                batch_seen,
                mm: flush.mm,
                new_tlb_gen: flush.new_tlb_gen,
            });
            crate::small_sort::by_key(&mut m.ipis, |i| i.sender);
            fx.push(Effect::IpiSend {
                cpu,
                to: others,
                range: flush.range,
            });
        }
        if local {
            fx.push(Effect::LocalFlush {
                cpu,
                range: flush.range,
            });
            if x86 {
                self.flush_tlb_func(m, cpu, flush, cpu, fx);
            } else {
                self.flush_own_tlb(m, cpu, flush.range, cpu, fx);
            }
        }
        !others.is_empty()
    }

    /// x86 `flush_tlb_func()` on `cpu` (locally, or in the handler of `from`'s
    /// IPI), as arch/x86/mm/tlb.c has it: a CPU no longer running the mm leaves
    /// `mm_cpumask` (when the flush names the mm) or does nothing; a lazy CPU
    /// switches to `init_mm`; a CPU already flushed as far as `new_tlb_gen`, or up
    /// to the mm's generation, does nothing; one exactly one generation behind a
    /// range flush that is the latest flushes the range; any other flushes its
    /// whole TLB. Both flushes bring the CPU up to the mm's generation.
    fn flush_tlb_func(
        &self,
        m: &mut Machine,
        cpu: CpuId,
        flush: Flush,
        from: CpuId,
        fx: &mut Vec<Effect>,
    ) {
        let loaded = m.tlb_gen.loaded.contains(cpu);
        let local = m.tlb_gen.of(cpu);
        let mm = m.tlb_gen.mm;
        let new = flush.new_tlb_gen;
        let outcome = if flush.mm && !loaded {
            FlushOutcome::Trimmed
        } else if !loaded {
            FlushOutcome::NotLoaded
        } else if self.is_lazy(m, cpu) {
            FlushOutcome::LeftLazy
        } else if new != 0 && new <= local {
            FlushOutcome::AlreadyFlushed
        } else if local == mm {
            FlushOutcome::UpToDate
        } else if matches!(flush.range, FlushRange::Pages { .. }) && new == local + 1 && new == mm {
            FlushOutcome::Partial
        } else {
            FlushOutcome::Full
        };
        fx.push(Effect::FlushFunc {
            cpu,
            outcome,
            local,
            mm,
            new,
        });
        match outcome {
            FlushOutcome::Trimmed => {
                m.mm_cpumask = m.mm_cpumask.without(cpu);
                fx.push(Effect::MmCpumaskTrim { cpu });
            }
            FlushOutcome::LeftLazy => m.tlb_gen.loaded = m.tlb_gen.loaded.without(cpu),
            FlushOutcome::Partial => {
                self.flush_own_tlb(m, cpu, flush.range, from, fx);
                m.tlb_gen.cpu[cpu.index()] = mm;
            }
            FlushOutcome::Full => {
                self.flush_own_tlb(m, cpu, FlushRange::All, from, fx);
                m.tlb_gen.cpu[cpu.index()] = mm;
            }
            _ => {}
        }
    }

    /// x86 and riscv: `cpu` flushes `range` from its own TLB (its local flush, or
    /// the handler of `from`'s IPI).
    fn flush_own_tlb(
        &self,
        m: &mut Machine,
        cpu: CpuId,
        range: FlushRange,
        from: CpuId,
        fx: &mut Vec<Effect>,
    ) {
        let asid = self.scenario.asid();
        m.cpus[cpu.index()].tlb.flush_range(asid, range, |entry| {
            fx.push(Effect::TlbInvalidate {
                cpu,
                entry,
                issuer: from,
            })
        });
    }

    /// x86 and riscv: what `task`'s step `op` does once every flush IPI it sent
    /// was handled (the rest of the kernel function after the wait).
    fn after_wait(
        &self,
        m: &mut Machine,
        task: TaskId,
        op: Op,
        batch_seen: Count,
        fx: &mut Vec<Effect>,
    ) {
        match op {
            Op::TryToUnmapFlush | Op::TryToUnmapFlushDirty => {
                // try_to_unmap_flush(): the batch is empty again (cpumask_clear()).
                m.tasks[task.index()].tlb_ubc = TlbUbc::default();
                fx.push(Effect::TlbUbc {
                    task,
                    tlb_ubc: TlbUbc::default(),
                });
            }
            Op::FlushTlbBatchedPending { .. } => mark_flushed(m, batch_seen, fx),
            Op::TlbFinishMmu { .. } => self.finish_gather(m, task, fx),
            _ => {}
        }
    }

    /// The end of `tlb_finish_mmu()` after its flush: `dec_tlb_flush_pending()`,
    /// then the pages the walk queued are freed.
    fn finish_gather(&self, m: &mut Machine, task: TaskId, fx: &mut Vec<Effect>) {
        let gather = std::mem::take(&mut m.tasks[task.index()].gather);
        m.tlb_flush_pending = m.tlb_flush_pending.saturating_sub(1);
        for frame in gather.free.iter() {
            m.frames[frame.index()].freed = true;
            fx.push(Effect::FrameFreed { page: frame });
        }
    }

    /// `try_to_unmap_flush()`: `arch_tlbbatch_flush()` (arm64: `dsb(ish)` on this
    /// CPU) if this task's batch needs it, then the batch is empty.
    fn try_to_unmap_flush(&self, m: &mut Machine, cpu: CpuId, task: TaskId, fx: &mut Vec<Effect>) {
        if !m.tasks[task.index()].tlb_ubc.flush_required {
            fx.push(Effect::NothingToDo { task });
            return;
        }
        if self.arch.uses_ipis() {
            // arch_tlbbatch_flush(): a full flush of the batch's CPUs.
            let mask = m.tasks[task.index()].tlb_ubc.cpumask;
            let flush = Flush {
                range: FlushRange::All,
                mm: false,
                new_tlb_gen: 0,
                freed_tables: false,
            };
            if self.flush_cpus(m, cpu, mask, flush, 0, fx) {
                m.tasks[task.index()].pc -= 1;
            } else {
                self.after_wait(m, task, Op::TryToUnmapFlush, 0, fx);
            }
            return;
        }
        dsb(m, cpu, fx);
        m.tasks[task.index()].tlb_ubc = TlbUbc::default();
        fx.push(Effect::TlbUbc {
            task,
            tlb_ubc: TlbUbc::default(),
        });
    }

    /// The walk records a page in the task's `mmu_gather` (and, for zap, its frame
    /// to be freed after the flush, unless reclaim holds the folio).
    fn record(
        &self,
        m: &mut Machine,
        task: TaskId,
        page: PageId,
        free: bool,
        fx: &mut Vec<Effect>,
    ) {
        let gather = &mut m.tasks[task.index()].gather;
        gather.flush = gather.flush.with(page);
        if free {
            if let Some(frame) = self.scenario.frame_of(m.ptes[page.index()].pfn) {
                let frame = PageId(frame as u8);
                if !self.scenario.isolated().contains(frame) {
                    gather.free = gather.free.with(frame);
                }
            }
        }
        fx.push(Effect::Recorded { task, page });
    }

    /// `tlb_finish_mmu()`: arm64 `__flush_tlb_range()` over the recorded range (a
    /// TLBI by VA for each page from the lowest to the highest recorded one, then
    /// `dsb(ish)`), then the queued pages are freed.
    fn tlb_finish_mmu(&self, m: &mut Machine, cpu: CpuId, task: TaskId, fx: &mut Vec<Effect>) {
        if self.arch.uses_ipis() {
            return self.tlb_finish_mmu_ipi(m, cpu, task, fx);
        }
        let gather = std::mem::take(&mut m.tasks[task.index()].gather);
        let nested = m.tlb_flush_pending > 1;
        // dec_tlb_flush_pending() after the flush; the order within a step is moot.
        m.tlb_flush_pending = m.tlb_flush_pending.saturating_sub(1);
        let asid = self.scenario.asid();
        if nested {
            // mm_tlb_flush_nested(): another mmu_gather of this mm is in progress and
            // may have skipped PTEs this one cleared, so flush the whole mm
            // (fullmm: on arm64 flush_tlb_mm(), tlbi aside1is and dsb(ish)).
            fx.push(Effect::NestedFlush { task });
            issue(m, cpu, TlbiTarget::Asid { asid }, fx);
            dsb(m, cpu, fx);
        } else if gather.flush.is_empty() {
            fx.push(Effect::NothingToDo { task });
        } else {
            let pages = self.scenario.pages();
            let vpns = || gather.flush.iter().map(|p| pages[p.index()].vpn);
            let (low, high) = (vpns().min().unwrap_or(0), vpns().max().unwrap_or(0));
            let mut range: Vec<PageId> = (0..pages.len())
                .map(|i| PageId(i as u8))
                .filter(|p| (low..=high).contains(&pages[p.index()].vpn))
                .collect();
            crate::small_sort::by_key(&mut range, |p| pages[p.index()].vpn);
            for page in range {
                issue(m, cpu, TlbiTarget::Va { asid, page }, fx);
            }
            dsb(m, cpu, fx);
        }
        // Only after the flush are the queued pages freed.
        for frame in gather.free.iter() {
            m.frames[frame.index()].freed = true;
            fx.push(Effect::FrameFreed { page: frame });
        }
    }

    /// x86 and riscv `tlb_finish_mmu()`: `tlb_flush()` -> `flush_tlb_mm_range()` of
    /// the recorded range (the whole mm if nested) on the mm's CPUs, waiting for
    /// the IPIs; then [`Model::finish_gather`].
    fn tlb_finish_mmu_ipi(&self, m: &mut Machine, cpu: CpuId, task: TaskId, fx: &mut Vec<Effect>) {
        let gather = m.tasks[task.index()].gather;
        let range = if m.tlb_flush_pending > 1 {
            fx.push(Effect::NestedFlush { task });
            Some(FlushRange::All)
        } else if gather.flush.is_empty() {
            fx.push(Effect::NothingToDo { task });
            None
        } else {
            let pages = self.scenario.pages();
            let vpns = || gather.flush.iter().map(|p| pages[p.index()].vpn);
            let (low, high) = (vpns().min().unwrap_or(0), vpns().max().unwrap_or(0));
            let mut set = PageSet::default();
            for (i, p) in pages.iter().enumerate() {
                if (low..=high).contains(&p.vpn) {
                    set = set.with(PageId(i as u8));
                }
            }
            Some(FlushRange::Pages { pages: set })
        };
        if let Some(range) = range {
            let mask = m.mm_cpumask.with(cpu);
            // The model frees no page table (its pages share their tables with
            // mappings that stay), so tlb->freed_tables is false, except after
            // a nested gather: tlb_finish_mmu() then sets fullmm and
            // freed_tables (mm/mmu_gather.c, `if (mm_tlb_flush_nested(tlb->mm))`),
            // and native_flush_tlb_multi() interrupts lazy CPUs too.
            let nested = matches!(range, FlushRange::All);
            let flush = self.mm_flush(m, range, nested, fx);
            if self.flush_cpus(m, cpu, mask, flush, 0, fx) {
                m.tasks[task.index()].pc -= 1;
                return;
            }
        }
        self.finish_gather(m, task, fx);
    }

    fn lock(
        &self,
        m: &mut Machine,
        cpu: CpuId,
        task: TaskId,
        table: TableId,
        fx: &mut Vec<Effect>,
    ) {
        m.ptl[table.index()] = Some(task);
        fx.push(Effect::PtlAcquire { cpu, task, table });
    }

    fn unlock(
        &self,
        m: &mut Machine,
        cpu: CpuId,
        task: TaskId,
        table: TableId,
        fx: &mut Vec<Effect>,
    ) {
        if m.ptl[table.index()] == Some(task) {
            m.ptl[table.index()] = None;
            fx.push(Effect::PtlRelease { cpu, task, table });
        }
    }

    /// A user access: TLB lookup, page-table walk on a miss, then the load or store,
    /// and which promises it breaks.
    fn access(
        &self,
        m: &mut Machine,
        cpu: CpuId,
        task: TaskId,
        page: PageId,
        write: Option<u8>,
        fx: &mut Vec<Effect>,
    ) {
        let asid = self.scenario.asid();
        let c = cpu.index();
        m.stats[c].accesses += 1;
        let entry = match m.cpus[c].tlb.lookup(asid, page).copied() {
            Some(entry) => {
                m.stats[c].hits += 1;
                m.cpus[c].tlb.touch(asid, page);
                fx.push(Effect::TlbHit { cpu, entry });
                entry
            }
            None => {
                m.stats[c].misses += 1;
                fx.push(Effect::TlbMiss { cpu, page });
                let pte = m.ptes[page.index()];
                if !pte.present {
                    // Not cached: Arm never caches an invalid descriptor (a
                    // Translation fault), nor x86 a not-present PTE (SDM Vol. 3A,
                    // 4.10.2.3). RISC-V may cache an invalid PTE (hence Svvptc);
                    // the model does not, as that could only add faults, never
                    // let a stale access through (`narrative::ipi::no_fault_caching`).
                    m.stats[c].faults += 1;
                    fx.push(Effect::Fault {
                        cpu,
                        page,
                        kind: FaultKind::Translation,
                    });
                    return;
                }
                let entry = self.entry_from_pte(page, pte);
                if let Some(evicted) = m.cpus[c].tlb.fill(entry, self.scenario.tlb_capacity()) {
                    fx.push(Effect::TlbEvict {
                        cpu,
                        entry: evicted,
                    });
                }
                fx.push(Effect::TlbFill { cpu, entry });
                entry
            }
        };
        let frame = self.scenario.frame_of(entry.pfn).unwrap_or(page.index());
        // At most three promises break at once; no allocation on the explorer's path.
        let mut broken: [Option<ViolationKind>; 3] = [None; 3];
        if m.unmapped.contains(page) {
            broken[1] = Some(ViolationKind::AccessAfterUnmap);
        }
        match write {
            None => {
                fx.push(Effect::Read {
                    cpu,
                    page,
                    value: m.frames[frame].data,
                });
            }
            Some(_) if !entry.writable => {
                m.stats[c].faults += 1;
                fx.push(Effect::Fault {
                    cpu,
                    page,
                    kind: FaultKind::Permission,
                });
                return;
            }
            Some(value) => {
                let f = m.frames[frame];
                // A write into a mapping that a zap is tearing down (the PTE is
                // empty, the flush still deferred) races the program's own munmap:
                // its data is discarded anyway, and no promise covers it.
                let pte = m.ptes[page.index()];
                let mapped = pte.present || pte.swap;
                if (f.written_out || f.freed) && mapped {
                    broken[0] = Some(ViolationKind::LostWrite);
                }
                if m.prot_read.contains(page) && !m.ptes[page.index()].allows_write() {
                    broken[2] = Some(ViolationKind::StaleWrite);
                }
                m.frames[frame].data = value;
                // A write through a writable entry leaves the PTE dirty (hardware
                // DBM, or the fault that made it writable).
                if m.ptes[page.index()].allows_write() && m.ptes[page.index()].pfn == entry.pfn {
                    m.ptes[page.index()].dirty = true;
                }
                fx.push(Effect::Write { cpu, page, value });
            }
        }
        for kind in broken.into_iter().flatten() {
            let violation = Violation {
                kind,
                cpu,
                task,
                page,
                entry,
            };
            m.violation.get_or_insert(violation);
            m.broken = m.broken.with(kind);
            fx.push(Effect::Violation(violation));
        }
    }
}

/// `flush_tlb_batched_pending()`'s `atomic_cmpxchg()` after the flush: the batch is
/// marked flushed up to the pending count read before it (`seen`), unless a new
/// batch was queued meanwhile (then a flush stays owed).
fn mark_flushed(m: &mut Machine, seen: Count, fx: &mut Vec<Effect>) {
    if m.tlb_flush_batched.pending == seen {
        m.tlb_flush_batched.flushed = seen;
    }
    fx.push(Effect::BatchCounters {
        pending: m.tlb_flush_batched.pending,
        flushed: m.tlb_flush_batched.flushed,
    });
}

/// A broadcast TLBI leaves `cpu`; it reaches each CPU (itself included) later.
fn issue(m: &mut Machine, cpu: CpuId, target: TlbiTarget, fx: &mut Vec<Effect>) {
    m.stats[cpu.index()].tlbis_issued += 1;
    m.tlbis.push(InFlightTlbi {
        issuer: cpu,
        target,
        pending: CpuSet::first(m.cpus.len()),
    });
    fx.push(Effect::TlbiIssue { cpu, target });
}

/// `dsb(ish)` on `cpu`: every TLBI *this* CPU issued completes everywhere. TLBIs of
/// other CPUs are untouched: the Arm rule at the heart of the race.
fn dsb(m: &mut Machine, cpu: CpuId, fx: &mut Vec<Effect>) {
    let mut completed = 0u8;
    while let Some(index) = m.tlbis.iter().position(|t| t.issuer == cpu) {
        completed += 1;
        let pending = m.tlbis[index].pending;
        for to in pending.iter() {
            deliver(m, index, to, fx);
        }
    }
    let others = m.tlbis.len() as u8;
    fx.push(Effect::Dsb {
        cpu,
        completed,
        others_in_flight: others,
    });
}

/// The TLBI at `index` reaches `to`; it leaves the in-flight list once it reached all.
fn deliver(m: &mut Machine, index: usize, to: CpuId, fx: &mut Vec<Effect>) {
    let tlbi = m.tlbis[index];
    fx.push(Effect::TlbiDeliver {
        issuer: tlbi.issuer,
        to,
        target: tlbi.target,
    });
    m.stats[to.index()].tlbis_received += 1;
    m.cpus[to.index()].tlb.invalidate(tlbi.target, |entry| {
        fx.push(Effect::TlbInvalidate {
            cpu: to,
            entry,
            issuer: tlbi.issuer,
        })
    });
    let pending = tlbi.pending.without(to);
    if pending.is_empty() {
        m.tlbis.remove(index);
    } else {
        m.tlbis[index].pending = pending;
    }
}
