//! Exhaustive breadth-first exploration of every interleaving of enabled events.
//!
//! States are deduplicated by hashing a compact byte encoding of each machine.
//! One sound reduction: per-CPU counters are left out of that encoding, since they
//! never influence which events are enabled or what they do, so two states that
//! differ only in counters have the same futures. States after a violation are
//! expanded too, so each kind of violation's reachability is reported. Breadth-first
//! order makes the first violation of each kind found a shortest one of that kind;
//! a deadlock is a terminal state with unfinished tasks.

use std::hash::Hasher;

use hashbrown::hash_table::{Entry, HashTable};
use rustc_hash::FxHasher;
use serde::Serialize;

use crate::effect::Effect;
use crate::event::{format_schedule, Event};
use crate::machine::{
    CpuSet, InFlightTlbi, KindSet, Machine, MmapLock, TlbEntry, TlbiTarget, Violation,
    ViolationKind,
};
use crate::model::Model;
use crate::op::{CpuId, PageId, PageSet, TaskId};

/// Exploration bounds, in one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExploreConfig {
    /// Stop (with an incomplete report) after storing this many states.
    pub max_states: usize,
}

impl Default for ExploreConfig {
    fn default() -> Self {
        ExploreConfig {
            max_states: 2_000_000,
        }
    }
}

/// What the explorer says about a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No promise can be broken and no deadlock is reachable (exploration complete).
    Safe,
    /// The shortest counterexample ends in a stale write.
    StaleWriteReachable,
    /// The shortest counterexample ends in an access after unmap.
    AccessAfterUnmapReachable,
    /// The shortest counterexample ends in a lost write.
    LostWriteReachable,
    /// The shortest counterexample ends in a deadlock.
    DeadlockReachable,
    /// The state bound was hit before any violation was found.
    Unknown,
}

impl Verdict {
    /// The name the CLI prints (`stale_write_reachable`).
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Safe => "safe",
            Verdict::StaleWriteReachable => "stale_write_reachable",
            Verdict::AccessAfterUnmapReachable => "access_after_unmap_reachable",
            Verdict::LostWriteReachable => "lost_write_reachable",
            Verdict::DeadlockReachable => "deadlock_reachable",
            Verdict::Unknown => "unknown",
        }
    }

    /// The verdict of a counterexample of this kind.
    pub fn of_kind(kind: ViolationKind) -> Verdict {
        match kind {
            ViolationKind::StaleWrite => Verdict::StaleWriteReachable,
            ViolationKind::AccessAfterUnmap => Verdict::AccessAfterUnmapReachable,
            ViolationKind::LostWrite => Verdict::LostWriteReachable,
            ViolationKind::Deadlock => Verdict::DeadlockReachable,
        }
    }
}

/// A shortest schedule that breaks a promise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Counterexample {
    /// The violation it ends in.
    pub kind: ViolationKind,
    /// The events, replayable with `tlbsim run --schedule`.
    pub events: Vec<Event>,
}

/// The explorer's findings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExploreReport {
    /// Distinct states stored (counters ignored).
    pub states: usize,
    /// States where nothing more can happen (safe ends and deadlocks).
    pub terminal_states: usize,
    /// States reached by an event that broke a promise, and deadlocked states.
    pub violation_states: usize,
    /// Events applied in total.
    pub transitions: usize,
    /// Whether some stale write is reachable.
    pub stale_write_reachable: bool,
    /// Whether some access after unmap is reachable.
    pub access_after_unmap_reachable: bool,
    /// Whether some lost write is reachable.
    pub lost_write_reachable: bool,
    /// Whether some deadlock is reachable.
    pub deadlock_reachable: bool,
    /// The shortest counterexample of all, if a violation is reachable.
    pub shortest_counterexample: Option<Counterexample>,
    /// A shortest counterexample for each reachable kind, in [`ViolationKind::ALL`] order.
    pub counterexamples: Vec<Counterexample>,
    /// False if the state bound stopped the exploration.
    pub complete: bool,
}

impl ExploreReport {
    /// The verdict, naming the violation the shortest counterexample ends in.
    pub fn verdict(&self) -> Verdict {
        match &self.shortest_counterexample {
            Some(c) => Verdict::of_kind(c.kind),
            None if self.complete => Verdict::Safe,
            None => Verdict::Unknown,
        }
    }

    /// Whether a violation of `kind` is reachable (as far as explored).
    pub fn reachable(&self, kind: ViolationKind) -> bool {
        match kind {
            ViolationKind::StaleWrite => self.stale_write_reachable,
            ViolationKind::AccessAfterUnmap => self.access_after_unmap_reachable,
            ViolationKind::LostWrite => self.lost_write_reachable,
            ViolationKind::Deadlock => self.deadlock_reachable,
        }
    }

    /// The shortest counterexample in the text form of schedules.
    pub fn shortest_schedule(&self) -> Option<String> {
        self.shortest_counterexample
            .as_ref()
            .map(|c| format_schedule(&c.events))
    }

    fn found(&mut self, kind: ViolationKind, events: impl FnOnce() -> Vec<Event>) {
        let flag = match kind {
            ViolationKind::StaleWrite => &mut self.stale_write_reachable,
            ViolationKind::AccessAfterUnmap => &mut self.access_after_unmap_reachable,
            ViolationKind::LostWrite => &mut self.lost_write_reachable,
            ViolationKind::Deadlock => &mut self.deadlock_reachable,
        };
        if *flag {
            return;
        }
        *flag = true;
        let found = Counterexample {
            kind,
            events: events(),
        };
        let shorter = self
            .shortest_counterexample
            .as_ref()
            .is_none_or(|c| found.events.len() < c.events.len());
        if shorter {
            self.shortest_counterexample = Some(found.clone());
        }
        self.counterexamples.push(found);
        self.counterexamples.sort_by_key(|c| c.kind);
    }
}

/// The states seen so far, each as its compact byte key (see [`encode`]), all in
/// one arena: id `i` is `arena[starts[i]..starts[i + 1]]`. Ids are handed out in
/// breadth-first order, so the ids not yet expanded are the queue, and a state is
/// decoded back into a machine when its turn comes: no per-state allocation.
#[derive(Default)]
struct Visited {
    arena: Vec<u8>,
    starts: Vec<usize>,
    /// (hash of the key, id); the hash is kept so that growing never rehashes keys.
    table: HashTable<(u64, u32)>,
}

impl Visited {
    fn len(&self) -> usize {
        self.starts.len()
    }

    fn key(&self, id: usize) -> &[u8] {
        let end = self.starts.get(id + 1).copied().unwrap_or(self.arena.len());
        &self.arena[self.starts[id]..end]
    }

    /// Adds `key` if it is new, returning its id; `None` if it was seen before.
    fn insert(&mut self, key: &[u8]) -> Option<usize> {
        let mut hasher = FxHasher::default();
        hasher.write(key);
        let hash = hasher.finish();
        let Visited {
            arena,
            starts,
            table,
        } = self;
        let key_of = |id: u32| {
            let id = id as usize;
            let end = starts.get(id + 1).copied().unwrap_or(arena.len());
            &arena[starts[id]..end]
        };
        match table.entry(hash, |&(h, id)| h == hash && key_of(id) == key, |&(h, _)| h) {
            Entry::Occupied(_) => None,
            Entry::Vacant(slot) => {
                let id = starts.len();
                slot.insert((hash, id as u32));
                starts.push(arena.len());
                arena.extend_from_slice(key);
                Some(id)
            }
        }
    }
}

/// An exploration that can run in slices (so a UI can show progress and cancel).
pub struct Explorer {
    model: Model,
    config: ExploreConfig,
    seen: Visited,
    /// The next state id to expand; every id below it is done.
    next: usize,
    /// For each state id: the state it was first reached from, and the event.
    parents: Vec<Option<(u32, Event)>>,
    report: ExploreReport,
    events: Vec<Event>,
    effects: Vec<Effect>,
    /// The state being expanded, decoded into reused allocations.
    parent: Machine,
    /// Reset from `parent` before each event (`clone_from` reuses its
    /// allocations), so a transition allocates nothing.
    scratch: Machine,
    key: Vec<u8>,
}

/// Writes `m` as bytes, all but the per-CPU counters (which never influence what
/// is enabled or what an event does): injective over the machines of one model,
/// whose CPU, task, page, table and flag counts are fixed; every list of varying
/// length is preceded by its length. [`decode`] reads it back.
fn encode(m: &Machine, out: &mut Vec<u8>) {
    fn entry(e: &TlbEntry, out: &mut Vec<u8>) {
        out.extend_from_slice(&e.asid.to_le_bytes());
        out.push(e.page.0);
        out.extend_from_slice(&e.pfn.to_le_bytes());
        out.push(u8::from(e.writable));
    }
    fn task(t: Option<TaskId>) -> u8 {
        t.map_or(u8::MAX, |t| t.0)
    }
    out.clear();
    for cpu in &m.cpus {
        out.push(task(cpu.current));
        out.push(cpu.queue.len() as u8);
        out.extend(cpu.queue.iter().map(|t| t.0));
        out.push(cpu.tlb.entries.len() as u8);
        for e in &cpu.tlb.entries {
            entry(e, out);
        }
    }
    for t in &m.tasks {
        out.push(t.pc);
        out.push(t.cpu.0);
        out.push(u8::from(t.tlb_ubc.flush_required) | u8::from(t.tlb_ubc.writable) << 1);
        out.extend_from_slice(&t.gather.flush.0.to_le_bytes());
        out.extend_from_slice(&t.gather.free.0.to_le_bytes());
        match t.rmap {
            None => out.push(u8::MAX),
            Some((page, dirty)) => out.extend_from_slice(&[page.0, u8::from(dirty)]),
        }
    }
    for p in &m.ptes {
        out.push(
            u8::from(p.present)
                | u8::from(p.writable) << 1
                | u8::from(p.dirty) << 2
                | u8::from(p.swap) << 3,
        );
        out.extend_from_slice(&p.pfn.to_le_bytes());
    }
    for f in &m.frames {
        out.push(f.data);
        out.push(u8::from(f.written_out) | u8::from(f.freed) << 1);
    }
    for slot in &m.swap {
        match slot {
            None => out.push(0),
            Some(data) => out.extend_from_slice(&[1, *data]),
        }
    }
    // u16: many CPUs with long programs could have over 255 TLBIs in flight.
    out.extend_from_slice(&(m.tlbis.len() as u16).to_le_bytes());
    for t in &m.tlbis {
        out.push(t.issuer.0);
        out.push(t.pending.0);
        match t.target {
            TlbiTarget::Va { asid, page } => {
                out.push(0);
                out.extend_from_slice(&asid.to_le_bytes());
                out.push(page.0);
            }
            TlbiTarget::Asid { asid } => {
                out.push(1);
                out.extend_from_slice(&asid.to_le_bytes());
            }
        }
    }
    out.push(m.tlb_flush_batched.pending);
    out.push(m.tlb_flush_batched.flushed);
    out.extend(m.ptl.iter().map(|h| task(*h)));
    match m.mmap_lock {
        MmapLock::Free => out.extend_from_slice(&[0, 0]),
        MmapLock::Read { readers } => out.extend_from_slice(&[1, readers]),
        MmapLock::Write { task } => out.extend_from_slice(&[2, task.0]),
    }
    out.push(m.tlb_flush_pending);
    out.extend(m.flags.iter().map(|f| u8::from(*f)));
    out.extend_from_slice(&m.prot_read.0.to_le_bytes());
    out.extend_from_slice(&m.unmapped.0.to_le_bytes());
    out.push(m.broken.0);
    match m.violation {
        None => out.push(u8::MAX),
        Some(v) => {
            out.push(v.kind as u8);
            out.push(v.cpu.0);
            out.push(v.task.0);
            out.push(v.page.0);
            entry(&v.entry, out);
        }
    }
}

/// Reads bytes written by [`encode`] back into `m`, a machine of the same model
/// (so its per-CPU, per-task and per-page lists already have the right lengths).
/// Counters are left as they are. Lists are refilled in place, reusing their
/// allocations.
fn decode(bytes: &[u8], m: &mut Machine) {
    let mut at = 0;
    let mut byte = || {
        at += 1;
        bytes[at - 1]
    };
    fn u16_of(lo: u8, hi: u8) -> u16 {
        u16::from_le_bytes([lo, hi])
    }
    fn u32_of(b: [u8; 4]) -> u32 {
        u32::from_le_bytes(b)
    }
    fn task(b: u8) -> Option<TaskId> {
        (b != u8::MAX).then_some(TaskId(b))
    }
    let entry = |byte: &mut dyn FnMut() -> u8| TlbEntry {
        asid: u16_of(byte(), byte()),
        page: PageId(byte()),
        pfn: u32_of([byte(), byte(), byte(), byte()]),
        writable: byte() != 0,
    };
    for cpu in m.cpus.iter_mut() {
        cpu.current = task(byte());
        let len = byte();
        cpu.queue.clear();
        for _ in 0..len {
            cpu.queue.push(TaskId(byte()));
        }
        let len = byte();
        cpu.tlb.entries.clear();
        for _ in 0..len {
            cpu.tlb.entries.push(entry(&mut byte));
        }
    }
    for t in m.tasks.iter_mut() {
        t.pc = byte();
        t.cpu = CpuId(byte());
        let ubc = byte();
        t.tlb_ubc.flush_required = ubc & 1 != 0;
        t.tlb_ubc.writable = ubc & 2 != 0;
        t.gather.flush = PageSet(u16_of(byte(), byte()));
        t.gather.free = PageSet(u16_of(byte(), byte()));
        t.rmap = match byte() {
            u8::MAX => None,
            page => Some((PageId(page), byte() != 0)),
        };
    }
    for p in m.ptes.iter_mut() {
        let flags = byte();
        p.present = flags & 1 != 0;
        p.writable = flags & 2 != 0;
        p.dirty = flags & 4 != 0;
        p.swap = flags & 8 != 0;
        p.pfn = u32_of([byte(), byte(), byte(), byte()]);
    }
    for f in m.frames.iter_mut() {
        f.data = byte();
        let flags = byte();
        f.written_out = flags & 1 != 0;
        f.freed = flags & 2 != 0;
    }
    for slot in m.swap.iter_mut() {
        *slot = match byte() {
            0 => None,
            _ => Some(byte()),
        };
    }
    let len = u16_of(byte(), byte());
    m.tlbis.clear();
    for _ in 0..len {
        let issuer = CpuId(byte());
        let pending = CpuSet(byte());
        let target = match byte() {
            0 => TlbiTarget::Va {
                asid: u16_of(byte(), byte()),
                page: PageId(byte()),
            },
            _ => TlbiTarget::Asid {
                asid: u16_of(byte(), byte()),
            },
        };
        m.tlbis.push(InFlightTlbi {
            issuer,
            target,
            pending,
        });
    }
    m.tlb_flush_batched.pending = byte();
    m.tlb_flush_batched.flushed = byte();
    for holder in m.ptl.iter_mut() {
        *holder = task(byte());
    }
    m.mmap_lock = match (byte(), byte()) {
        (0, _) => MmapLock::Free,
        (1, readers) => MmapLock::Read { readers },
        (_, t) => MmapLock::Write { task: TaskId(t) },
    };
    m.tlb_flush_pending = byte();
    for flag in m.flags.iter_mut() {
        *flag = byte() != 0;
    }
    m.prot_read = PageSet(u16_of(byte(), byte()));
    m.unmapped = PageSet(u16_of(byte(), byte()));
    m.broken = KindSet(byte());
    m.violation = match byte() {
        u8::MAX => None,
        kind => Some(Violation {
            kind: ViolationKind::ALL[usize::from(kind)],
            cpu: CpuId(byte()),
            task: TaskId(byte()),
            page: PageId(byte()),
            entry: entry(&mut byte),
        }),
    };
}

impl Explorer {
    /// Starts an exploration of `model` from its initial machine.
    pub fn new(model: Model, config: ExploreConfig) -> Explorer {
        let initial = model.initial();
        let mut key = Vec::new();
        encode(&initial, &mut key);
        let mut seen = Visited::default();
        seen.insert(&key);
        Explorer {
            model,
            config,
            seen,
            next: 0,
            scratch: initial.clone(),
            parent: initial,
            parents: vec![None],
            report: ExploreReport {
                states: 1,
                terminal_states: 0,
                violation_states: 0,
                transitions: 0,
                stale_write_reachable: false,
                access_after_unmap_reachable: false,
                lost_write_reachable: false,
                deadlock_reachable: false,
                shortest_counterexample: None,
                counterexamples: Vec::new(),
                complete: false,
            },
            events: Vec::new(),
            effects: Vec::new(),
            key,
        }
    }

    /// Whether there is nothing left to do.
    pub fn is_done(&self) -> bool {
        self.next >= self.seen.len() || self.seen.len() >= self.config.max_states
    }

    /// States stored so far.
    pub fn states(&self) -> usize {
        self.seen.len()
    }

    /// Expands up to `budget` states; returns whether the exploration is over.
    pub fn run(&mut self, budget: usize) -> bool {
        let stop = self.next.saturating_add(budget);
        while self.next < stop && !self.is_done() {
            let id = self.next;
            self.next += 1;
            decode(self.seen.key(id), &mut self.parent);
            // States after a broken promise are expanded too, so that every kind's
            // reachability is known, not only the first one's.
            self.model
                .enabled_events_into(&self.parent, &mut self.events);
            if self.events.is_empty() {
                self.report.terminal_states += 1;
                if !self.model.deadlocked(&self.parent).is_empty() {
                    self.report.violation_states += 1;
                    if !self.report.deadlock_reachable {
                        let events = self.path_to(id);
                        self.report.found(ViolationKind::Deadlock, || events);
                    }
                }
                continue;
            }
            for &event in &self.events {
                self.scratch.clone_from(&self.parent);
                self.effects.clear();
                if self
                    .model
                    .apply_in_place(&mut self.scratch, event, &mut self.effects)
                    .is_err()
                {
                    continue; // cannot happen: the event was listed as enabled
                }
                self.report.transitions += 1;
                encode(&self.scratch, &mut self.key);
                let Some(fresh) = self.seen.insert(&self.key) else {
                    continue;
                };
                self.parents.push(Some((id as u32, event)));
                let mut broke = false;
                for effect in &self.effects {
                    if let Effect::Violation(v) = effect {
                        broke = true;
                        if !self.report.reachable(v.kind) {
                            let events = self.path_to(fresh);
                            self.report.found(v.kind, || events);
                        }
                    }
                }
                if broke {
                    self.report.violation_states += 1;
                }
                if self.seen.len() >= self.config.max_states {
                    break;
                }
            }
        }
        self.report.states = self.seen.len();
        self.report.complete = self.next >= self.seen.len();
        self.is_done()
    }

    fn path_to(&self, mut id: usize) -> Vec<Event> {
        let mut events = Vec::new();
        while let Some((parent, event)) = self.parents[id] {
            events.push(event);
            id = parent as usize;
        }
        events.reverse();
        events
    }

    /// The findings so far (final once [`Explorer::run`] returned true).
    pub fn report(&self) -> &ExploreReport {
        &self.report
    }
}

/// Explores `model` to the end (or to the bound) and reports.
pub fn explore(model: &Model, config: ExploreConfig) -> ExploreReport {
    let mut explorer = Explorer::new(model.clone(), config);
    while !explorer.run(usize::MAX) {}
    explorer.report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{scenario, Mitigation};

    /// `decode(encode(m))` gives back `m` (counters aside) for every state the
    /// built-in scenarios reach, and distinct states get distinct keys.
    #[test]
    fn encoding_round_trips() {
        for s in scenario::builtins()
            .into_iter()
            .chain([scenario::family(5)])
        {
            for mitigation in Mitigation::ALL {
                let model = Model::new(s.clone(), mitigation);
                let mut todo = vec![model.initial()];
                let mut keys = std::collections::HashMap::new();
                let mut key = Vec::new();
                let mut decoded = model.initial();
                while let Some(m) = todo.pop() {
                    encode(&m, &mut key);
                    decode(&key, &mut decoded);
                    let mut expected = m.clone();
                    expected.stats.clone_from(&decoded.stats);
                    assert_eq!(decoded, expected, "{}/{mitigation}", s.name());
                    if let Some(other) = keys.insert(key.clone(), expected.clone()) {
                        assert_eq!(other, expected, "two states, one key");
                        continue;
                    }
                    if keys.len() > 3_000 {
                        break;
                    }
                    for event in model.enabled_events(&m) {
                        todo.push(model.apply(&m, event).unwrap().machine);
                    }
                }
            }
        }
    }
}
