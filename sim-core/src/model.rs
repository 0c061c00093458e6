//! The rules: which events are enabled, and what each one does to a [`Machine`].
//! Pure functions over plain data; no I/O, no clock, no randomness.

use std::sync::Arc;

use crate::effect::{Effect, FaultKind};
use crate::event::{Event, TlbiRef};
use crate::machine::{
    CpuSet, CpuState, CpuStats, Frame, InFlightTlbi, Machine, Pte, Tlb, TlbEntry, TlbFlushBatched,
    TlbiTarget, Violation, ViolationKind,
};
use crate::mitigation::Mitigation;
use crate::narrative::{narrate, Narrative};
use crate::op::{CpuId, Op, PageId};
use crate::scenario::Scenario;

/// A scenario run on one kernel: the static half of the simulation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Model {
    scenario: Arc<Scenario>,
    mitigation: Mitigation,
}

/// Where a CPU is, as far as what it can do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuStatus {
    /// Its next operation can run.
    Ready,
    /// Its program is finished.
    Done,
    /// Its next operation needs the page-table lock, which another CPU holds: it spins.
    SpinningOnPtl {
        /// The CPU holding the lock.
        holder: CpuId,
    },
    /// Its next operation resumes a task that has not yet left `from`.
    WaitingForTask {
        /// The CPU the task is still running on.
        from: CpuId,
    },
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
        /// Why not (done, spinning, waiting).
        why: String,
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

/// The result of applying one event: the new machine, what changed, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The machine after the event.
    pub machine: Machine,
    /// What changed.
    pub effects: Vec<Effect>,
    /// The explanation.
    pub narrative: Narrative,
}

impl Model {
    /// A scenario under a mitigation.
    pub fn new(scenario: Scenario, mitigation: Mitigation) -> Model {
        Model::shared(Arc::new(scenario), mitigation)
    }

    /// Like [`Model::new`], sharing an already shared scenario.
    pub fn shared(scenario: Arc<Scenario>, mitigation: Mitigation) -> Model {
        Model {
            scenario,
            mitigation,
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

    /// The same scenario under another mitigation.
    pub fn with_mitigation(&self, mitigation: Mitigation) -> Model {
        Model::shared(self.scenario.clone(), mitigation)
    }

    /// The machine before any event: every PTE present, TLBs as the scenario says.
    pub fn initial(&self) -> Machine {
        let s = &*self.scenario;
        let ptes: Vec<Pte> = s
            .pages()
            .iter()
            .map(|p| Pte {
                present: true,
                writable: p.writable,
                pfn: p.pfn,
            })
            .collect();
        let cpus = s
            .cpus()
            .iter()
            .map(|c| CpuState {
                pc: 0,
                tlb: Tlb {
                    entries: c
                        .tlb
                        .iter()
                        .map(|page| self.entry_from_pte(*page, ptes[page.index()]))
                        .collect(),
                },
            })
            .collect();
        Machine {
            cpus,
            frames: s
                .pages()
                .iter()
                .map(|p| Frame {
                    data: p.data,
                    freed: false,
                })
                .collect(),
            swap: vec![None; s.pages().len()],
            prot_read: vec![false; s.pages().len()],
            ptes,
            tlbis: Vec::new(),
            tlb_flush_batched: TlbFlushBatched::default(),
            tlb_ubc_flush_required: false,
            ptl: None,
            violation: None,
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

    /// The operation `cpu` executes next, if any.
    pub fn next_op(&self, m: &Machine, cpu: CpuId) -> Option<&Op<PageId>> {
        self.scenario
            .program(cpu)
            .get(usize::from(m.cpus[cpu.index()].pc))
    }

    /// Whether `cpu` can step, and if not, why.
    pub fn cpu_status(&self, m: &Machine, cpu: CpuId) -> CpuStatus {
        let Some(op) = self.next_op(m, cpu) else {
            return CpuStatus::Done;
        };
        if op.takes_ptl() {
            if let Some(holder) = m.ptl.filter(|h| *h != cpu) {
                return CpuStatus::SpinningOnPtl { holder };
            }
        }
        if let Op::SwitchIn { from } = *op {
            let done = &self.scenario.program(from)[..usize::from(m.cpus[from.index()].pc)];
            if !done.contains(&Op::SwitchTo { to: cpu }) {
                return CpuStatus::WaitingForTask { from };
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
    }

    /// Whether nothing can happen any more.
    pub fn is_terminal(&self, m: &Machine) -> bool {
        m.tlbis.is_empty()
            && (0..m.cpus.len()).all(|c| self.cpu_status(m, CpuId(c as u8)) != CpuStatus::Ready)
    }

    /// Applies an event to a copy of `m`, with the narrative of what happened.
    pub fn apply(&self, m: &Machine, event: Event) -> Result<Applied, EventError> {
        let mut machine = m.clone();
        let mut effects = Vec::new();
        self.apply_in_place(&mut machine, event, &mut effects)?;
        let narrative = narrate(self, m, event, &effects);
        Ok(Applied {
            machine,
            effects,
            narrative,
        })
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
        }
    }

    fn step(&self, m: &mut Machine, cpu: CpuId, fx: &mut Vec<Effect>) -> Result<(), EventError> {
        let why = match self.cpu_status(m, cpu) {
            CpuStatus::Ready => None,
            CpuStatus::Done => Some("its program is finished".to_string()),
            CpuStatus::SpinningOnPtl { holder } => Some(format!(
                "it is spinning on the page-table lock, which {holder} holds"
            )),
            CpuStatus::WaitingForTask { from } => {
                Some(format!("the task it resumes has not left {from} yet"))
            }
        };
        if let Some(why) = why {
            return Err(EventError::CannotStep { cpu, why });
        }
        let op = self.scenario.program(cpu)[usize::from(m.cpus[cpu.index()].pc)].clone();
        m.cpus[cpu.index()].pc += 1;
        if op.takes_ptl() {
            m.ptl = Some(cpu);
            fx.push(Effect::PtlAcquire { cpu });
        }
        let asid = self.scenario.asid();
        match op {
            Op::Read { page } => self.access(m, cpu, page, None, fx),
            Op::Write { page, value } => self.access(m, cpu, page, Some(value), fx),
            Op::PtepGetAndClear { page } => {
                let before = m.ptes[page.index()];
                let after = Pte {
                    present: false,
                    writable: false,
                    ..before
                };
                m.ptes[page.index()] = after;
                fx.push(Effect::PteChange {
                    page,
                    before,
                    after,
                });
            }
            Op::SetTlbUbcFlushPending { page } => {
                issue(m, cpu, TlbiTarget::Va { asid, page }, fx);
                m.tlb_ubc_flush_required = true;
                fx.push(Effect::TlbUbc {
                    flush_required: true,
                });
                m.tlb_flush_batched.pending = m.tlb_flush_batched.pending.wrapping_add(1);
                fx.push(Effect::BatchCounters {
                    pending: m.tlb_flush_batched.pending,
                    flushed: m.tlb_flush_batched.flushed,
                });
            }
            Op::TryToUnmapFlush => {
                if m.tlb_ubc_flush_required {
                    dsb(m, cpu, fx);
                    m.tlb_ubc_flush_required = false;
                    fx.push(Effect::TlbUbc {
                        flush_required: false,
                    });
                }
            }
            Op::SwapWritepage { page } => {
                let frame = &mut m.frames[page.index()];
                m.swap[page.index()] = Some(frame.data);
                frame.freed = true;
                fx.push(Effect::SwapOut {
                    page,
                    data: frame.data,
                });
            }
            Op::FlushTlbBatchedPending => {
                if self.mitigation != Mitigation::None && m.tlb_flush_batched.flush_owed() {
                    if self.mitigation == Mitigation::FlushTlbMm {
                        issue(m, cpu, TlbiTarget::Asid { asid }, fx);
                    }
                    dsb(m, cpu, fx);
                    m.tlb_flush_batched.flushed = m.tlb_flush_batched.pending;
                    fx.push(Effect::BatchCounters {
                        pending: m.tlb_flush_batched.pending,
                        flushed: m.tlb_flush_batched.flushed,
                    });
                }
            }
            Op::ChangePteRange { page } => {
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
                    release_ptl(m, cpu, fx);
                    // flush_tlb_range() after the walk: broadcast and wait.
                    issue(m, cpu, TlbiTarget::Va { asid, page }, fx);
                    dsb(m, cpu, fx);
                }
            }
            Op::MprotectReturn { page } => {
                m.prot_read[page.index()] = true;
                fx.push(Effect::MprotectReturned { page });
            }
            Op::SwitchTo { to } => {
                if self.scenario.switch_to_dsb() {
                    dsb(m, cpu, fx);
                }
                fx.push(Effect::Migrate { from: cpu, to });
            }
            Op::SwitchIn { .. } => {}
            Op::TlbiVa { page } => issue(m, cpu, TlbiTarget::Va { asid, page }, fx),
            Op::TlbiAside => issue(m, cpu, TlbiTarget::Asid { asid }, fx),
            Op::DsbIsh => dsb(m, cpu, fx),
        }
        if op.drops_ptl() {
            release_ptl(m, cpu, fx);
        }
        Ok(())
    }

    /// A user access: TLB lookup, page-table walk on a miss, then the load or store.
    fn access(
        &self,
        m: &mut Machine,
        cpu: CpuId,
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
                    // Armv8 TLBs never cache a faulting translation.
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
        let Some(value) = write else {
            fx.push(Effect::Read {
                cpu,
                page,
                value: m.frames[page.index()].data,
            });
            return;
        };
        if !entry.writable {
            m.stats[c].faults += 1;
            fx.push(Effect::Fault {
                cpu,
                page,
                kind: FaultKind::Permission,
            });
            return;
        }
        let kind = if m.frames[page.index()].freed {
            Some(ViolationKind::LostWrite)
        } else if m.prot_read[page.index()] && !m.ptes[page.index()].allows_write() {
            Some(ViolationKind::StaleWrite)
        } else {
            None
        };
        m.frames[page.index()].data = value;
        fx.push(Effect::Write { cpu, page, value });
        if let Some(kind) = kind {
            let violation = Violation {
                kind,
                cpu,
                page,
                entry,
            };
            m.violation.get_or_insert(violation);
            fx.push(Effect::Violation(violation));
        }
    }
}

fn release_ptl(m: &mut Machine, cpu: CpuId, fx: &mut Vec<Effect>) {
    if m.ptl == Some(cpu) {
        m.ptl = None;
        fx.push(Effect::PtlRelease { cpu });
    }
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
    fx.push(Effect::Dsb { cpu, completed });
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
