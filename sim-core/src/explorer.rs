//! Exhaustive breadth-first exploration of every interleaving of enabled events.
//!
//! States are deduplicated by a packed bit string of each machine (`key.rs`),
//! all of them in one arena. States after a violation are expanded too, so each
//! kind of violation's reachability is reported. Breadth-first order makes the
//! first violation of each kind found a shortest one of that kind; a deadlock is
//! a terminal state with unfinished tasks.
//!
//! Reductions (docs/explorer.md says why each keeps every verdict, every kind's
//! reachability and every shortest counterexample's length):
//! - always: keys leave out what never decides anything (counters, page
//!   contents), so machines that differ only there are one state;
//! - with [`ExploreConfig::reduce`]: a TLB that no task can read again is stored
//!   empty, and interchangeable CPUs (`symmetry.rs`) are stored in a canonical
//!   order. Counterexamples are replayed on the real machine and come out with the
//!   real CPUs' names, replayable as they are.
//!
//! Memory is bounded ([`ExploreConfig::max_memory`]): every table grows with a
//! fallible reservation, and a run that would go over the bound stops with a
//! partial report instead of aborting.

mod key;
pub mod runner;
mod symmetry;

use std::hash::Hasher;

use hashbrown::hash_table::HashTable;
use rustc_hash::FxHasher;
use serde::{Deserialize, Serialize};

use crate::effect::Effect;
use crate::event::{format_schedule, Event, TlbiRef};
use crate::machine::{Machine, ViolationKind};
use crate::model::Model;
use crate::op::CpuId;
use key::Codec;
use symmetry::Canonical;
pub use symmetry::Symmetry;

/// Exploration bounds and reductions, in one value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExploreConfig {
    /// Stop (with an incomplete report) when one state more than this would be
    /// stored: a bound equal to the exact count of states still completes.
    pub max_states: usize,
    /// Stop (with an incomplete report) rather than let the explorer's tables
    /// take more than this many bytes.
    pub max_memory: usize,
    /// Apply the reductions: TLBs no task reads again stored empty, deliveries
    /// that change nothing left out, and (with `symmetry`) interchangeable CPUs
    /// stored in canonical order. Off: every machine as it is.
    pub reduce: bool,
    /// With `reduce`: apply the symmetry reduction too.
    pub symmetry: bool,
}

impl ExploreConfig {
    /// The defaults: 50 million states, 512 MiB (sized for a browser tab), reduced.
    pub const DEFAULT: ExploreConfig = ExploreConfig {
        max_states: 50_000_000,
        max_memory: 512 << 20,
        reduce: true,
        symmetry: true,
    };

    /// The defaults without any reduction but the exact one of keys.
    pub const UNREDUCED: ExploreConfig = ExploreConfig {
        reduce: false,
        ..ExploreConfig::DEFAULT
    };
}

impl Default for ExploreConfig {
    fn default() -> Self {
        ExploreConfig::DEFAULT
    }
}

/// Which bound stopped an exploration early.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// [`ExploreConfig::max_states`].
    MaxStates,
    /// [`ExploreConfig::max_memory`] (or the allocator refused to grow a table).
    MaxMemory,
}

impl Bound {
    /// The name the CLI prints (`max_memory`).
    pub fn name(self) -> &'static str {
        match self {
            Bound::MaxStates => "max_states",
            Bound::MaxMemory => "max_memory",
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterexample {
    /// The violation it ends in.
    pub kind: ViolationKind,
    /// The events, replayable with `tlbsim run --schedule`.
    pub events: Vec<Event>,
}

/// The explorer's findings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// False if a bound stopped the exploration.
    pub complete: bool,
    /// The bound that stopped it, if one did.
    pub stopped_by: Option<Bound>,
    /// The groups of interchangeable CPUs the symmetry reduction used (empty when
    /// there are none or the run is unreduced).
    pub symmetry_groups: Vec<Vec<CpuId>>,
    /// How many machines the stored states stand for: the sum of their orbits'
    /// sizes under the symmetry, which is exactly the number of states an
    /// exploration without the symmetry reduction would store (with the other
    /// reductions); equal to `states` without symmetry.
    pub states_without_symmetry: u64,
    /// Bytes of the stored keys, all states together.
    pub key_bytes: usize,
    /// Bytes the explorer's tables take (keys, offsets, parents, hash table).
    pub memory_bytes: usize,
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

    /// Average bytes of one stored state's key.
    pub fn bytes_per_state(&self) -> f64 {
        self.key_bytes as f64 / self.states.max(1) as f64
    }

    /// How many machines one stored state stands for, on average (1 without symmetry).
    pub fn symmetry_factor(&self) -> f64 {
        self.states_without_symmetry as f64 / self.states.max(1) as f64
    }

    /// The shortest counterexample in the text form of schedules.
    pub fn shortest_schedule(&self) -> Option<String> {
        self.shortest_counterexample
            .as_ref()
            .map(|c| format_schedule(&c.events))
    }

    /// Records a counterexample of `kind` unless one at least as short is known.
    /// The shortest of all is the shortest one, of the first kind in
    /// [`ViolationKind::ALL`] order among equally short ones (so that the verdict
    /// does not depend on the order in which states are expanded).
    fn found(&mut self, kind: ViolationKind, events: Vec<Event>) {
        let flag = match kind {
            ViolationKind::StaleWrite => &mut self.stale_write_reachable,
            ViolationKind::AccessAfterUnmap => &mut self.access_after_unmap_reachable,
            ViolationKind::LostWrite => &mut self.lost_write_reachable,
            ViolationKind::Deadlock => &mut self.deadlock_reachable,
        };
        *flag = true;
        match self.counterexamples.iter_mut().find(|c| c.kind == kind) {
            Some(c) if c.events.len() <= events.len() => return,
            Some(c) => c.events = events,
            None => self.counterexamples.push(Counterexample { kind, events }),
        }
        crate::small_sort::by_key(&mut self.counterexamples, |c| c.kind);
        self.shortest_counterexample = self
            .counterexamples
            .iter()
            .min_by_key(|c| (c.events.len(), c.kind))
            .cloned();
    }

    /// The length of the known counterexample of `kind`, if any.
    fn known(&self, kind: ViolationKind) -> Option<usize> {
        self.counterexamples
            .iter()
            .find(|c| c.kind == kind)
            .map(|c| c.events.len())
    }
}

/// An event in 32 bits, for the parent links.
fn pack(e: Event) -> u32 {
    match e {
        Event::Step(cpu) => u32::from(cpu.0) << 1,
        Event::Deliver { tlbi, to } => {
            1 | u32::from(tlbi.issuer.0) << 1 | u32::from(to.0) << 9 | u32::from(tlbi.nth) << 17
        }
        Event::Ipi { from, to } => 1 | 1 << 25 | u32::from(from.0) << 1 | u32::from(to.0) << 9,
    }
}

fn unpack(v: u32) -> Event {
    let byte = |shift: u32| (v >> shift) as u8;
    if v & (1 << 25) != 0 {
        Event::Ipi {
            from: CpuId(byte(1)),
            to: CpuId(byte(9)),
        }
    } else if v & 1 == 0 {
        Event::Step(CpuId(byte(1)))
    } else {
        Event::Deliver {
            tlbi: TlbiRef {
                issuer: CpuId(byte(1)),
                nth: byte(17),
            },
            to: CpuId(byte(9)),
        }
    }
}

fn hash_of(key: &[u8]) -> u64 {
    let mut hasher = FxHasher::default();
    hasher.write(key);
    hasher.finish()
}

/// Whether a vector may grow by `more` elements without the explorer going over
/// `budget` bytes in all (`used` now), reserving the room if so. A vector grows
/// by half its size at most, and only into what the budget has left, so that the
/// last growth before the bound does not overshoot it.
fn grow<T>(v: &mut Vec<T>, more: usize, used: usize, budget: usize) -> bool {
    if v.capacity() - v.len() >= more {
        return true;
    }
    let size = std::mem::size_of::<T>().max(1);
    let left = budget.saturating_sub(used) / size;
    let wanted = (v.capacity() / 2).max(1024).max(more).min(left);
    wanted >= more && v.try_reserve_exact(wanted).is_ok()
}

/// State `id`'s key in an arena of keys that start at `starts`.
fn key_in<'a>(arena: &'a [u8], starts: &[u32], id: usize) -> &'a [u8] {
    let end = starts.get(id + 1).map_or(arena.len(), |e| *e as usize);
    &arena[starts[id] as usize..end]
}

/// The states seen so far, each as its packed key, all in one arena: id `i` is
/// `arena[starts[i]..starts[i + 1]]`. Ids are handed out in breadth-first order,
/// so the ids not yet expanded are the queue, and a state is decoded back into a
/// machine when its turn comes: no per-state allocation.
#[derive(Default)]
struct Visited {
    arena: Vec<u8>,
    starts: Vec<u32>,
    /// For each id: the state it was first reached from, and the event (packed).
    parents: Vec<(u32, u32)>,
    /// Ids, hashed by their keys (recomputed when the table grows: it keeps 4
    /// bytes per state instead of 12).
    table: HashTable<u32>,
}

/// Why a state could not be stored.
enum Full {
    /// 2^32 bytes of keys or 2^32 states: the offsets are u32.
    Offsets,
    /// The memory bound, or the allocator said no.
    Memory,
    /// The state bound: this state would be one more than it allows.
    States,
}

impl Full {
    /// The bound that stopped the run.
    fn bound(&self) -> Bound {
        match self {
            Full::Offsets | Full::Memory => Bound::MaxMemory,
            Full::States => Bound::MaxStates,
        }
    }
}

impl Visited {
    fn len(&self) -> usize {
        self.starts.len()
    }

    fn key(&self, id: usize) -> &[u8] {
        key_in(&self.arena, &self.starts, id)
    }

    /// Bytes the tables hold now.
    fn bytes(&self) -> usize {
        self.arena.capacity()
            + self.starts.capacity() * 4
            + self.parents.capacity() * 8
            + Self::table_bytes(self.table.capacity())
    }

    /// What hashbrown allocates for `capacity` u32 entries: buckets (a power of
    /// two, at most 7/8 full) of 4 bytes and one control byte each.
    fn table_bytes(capacity: usize) -> usize {
        if capacity == 0 {
            return 0;
        }
        let buckets = (capacity * 8 / 7 + 1).next_power_of_two();
        buckets * 5 + 16
    }

    /// The table, and a way to hash any stored id by its key, borrowed apart so
    /// the table can grow (rehashing) while the keys are read.
    fn split(&mut self) -> (&mut HashTable<u32>, impl Fn(&u32) -> u64 + '_) {
        let Visited {
            arena,
            starts,
            table,
            ..
        } = self;
        let (arena, starts) = (&*arena, &*starts);
        (table, move |&id: &u32| {
            hash_of(key_in(arena, starts, id as usize))
        })
    }

    /// Makes room for one more state of `key_len` bytes within `budget` bytes.
    /// Each table is grown in turn, so each sees what the one before took.
    fn reserve_one(&mut self, key_len: usize, budget: usize) -> Result<(), Full> {
        if self.arena.len() + key_len > u32::MAX as usize || self.starts.len() >= u32::MAX as usize
        {
            return Err(Full::Offsets);
        }
        if self.table.len() == self.table.capacity() {
            // Growing rehashes into a new allocation while the old one still exists.
            let next = Self::table_bytes((self.table.capacity() * 2).max(1024));
            if self.bytes() + next > budget {
                return Err(Full::Memory);
            }
            let (table, rehash) = self.split();
            let more = table.capacity().max(1024);
            table.try_reserve(more, rehash).map_err(|_| Full::Memory)?;
        }
        let used = self.bytes();
        if !grow(&mut self.arena, key_len, used, budget) {
            return Err(Full::Memory);
        }
        let used = self.bytes();
        if !grow(&mut self.starts, 1, used, budget) {
            return Err(Full::Memory);
        }
        let used = self.bytes();
        if !grow(&mut self.parents, 1, used, budget) {
            return Err(Full::Memory);
        }
        Ok(())
    }

    /// Adds `key` if it is new, returning its id; `Ok(None)` if it was seen
    /// before. A new key is refused with [`Full::States`] when `max_states` are
    /// stored already, so a bound equal to the exact count still completes.
    fn insert(
        &mut self,
        key: &[u8],
        parent: (u32, u32),
        max_states: usize,
        budget: usize,
    ) -> Result<Option<usize>, Full> {
        let hash = hash_of(key);
        let (arena, starts) = (&self.arena, &self.starts);
        if self
            .table
            .find(hash, |&id| key_in(arena, starts, id as usize) == key)
            .is_some()
        {
            return Ok(None);
        }
        if self.len() >= max_states {
            return Err(Full::States);
        }
        self.reserve_one(key.len(), budget)?;
        let id = self.starts.len();
        self.starts.push(self.arena.len() as u32);
        self.arena.extend_from_slice(key);
        self.parents.push(parent);
        let (table, rehash) = self.split();
        // Room was reserved above, so this never grows the table.
        table.insert_unique(hash, id as u32, rehash);
        Ok(Some(id))
    }
}

/// The parent link of the initial state.
const ROOT: (u32, u32) = (u32::MAX, 0);

/// An exploration that can run in slices (so a UI can show progress and cancel).
pub struct Explorer {
    model: Model,
    config: ExploreConfig,
    codec: Codec,
    canonical: Canonical,
    seen: Visited,
    /// The next state id to expand; every id below it is done.
    next: usize,
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

impl Explorer {
    /// Starts an exploration of `model` from its initial machine.
    pub fn new(model: Model, config: ExploreConfig) -> Explorer {
        let initial = model.initial();
        let codec = Codec::new(&model, config.reduce);
        let symmetry = if config.reduce && config.symmetry {
            Symmetry::detect(model.scenario())
        } else {
            Symmetry::none()
        };
        let mut canonical = Canonical::new(symmetry);
        let mut key = Vec::new();
        let live = codec.live_cpus(&initial);
        let (perm, orbit) = canonical.perm(&codec, &initial, live);
        codec.encode(&initial, live, perm, &mut key);
        let mut seen = Visited::default();
        let stored = seen.insert(&key, ROOT, config.max_states.max(1), config.max_memory);
        let report = ExploreReport {
            states: seen.len(),
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
            stopped_by: stored.err().map(|full| full.bound()),
            symmetry_groups: canonical.symmetry().groups(),
            states_without_symmetry: orbit,
            key_bytes: seen.arena.len(),
            memory_bytes: seen.bytes(),
        };
        Explorer {
            model,
            config,
            codec,
            canonical,
            seen,
            next: 0,
            scratch: initial.clone(),
            parent: initial,
            report,
            events: Vec::new(),
            effects: Vec::new(),
            key,
        }
    }

    /// Whether there is nothing left to do.
    pub fn is_done(&self) -> bool {
        self.next >= self.seen.len() || self.report.stopped_by.is_some()
    }

    /// States stored so far.
    pub fn states(&self) -> usize {
        self.seen.len()
    }

    /// The model explored.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Expands up to `budget` states; returns whether the exploration is over.
    pub fn run(&mut self, budget: usize) -> bool {
        let stop = self.next.saturating_add(budget);
        let asid = self.model.scenario().asid();
        while self.next < stop && !self.is_done() {
            let id = self.next;
            self.next += 1;
            self.codec.decode(self.seen.key(id), asid, &mut self.parent);
            // States after a broken promise are expanded too, so that every kind's
            // reachability is known, not only the first one's.
            self.model
                .enabled_events_into(&self.parent, &mut self.events);
            // Deliveries that change nothing but a pending bit, now or later, are
            // not needed by any shortest counterexample (docs/explorer.md).
            let mut dead = 0;
            if self.config.reduce {
                let live = self.codec.live_cpus(&self.parent);
                let before = self.events.len();
                let (codec, parent) = (&self.codec, &self.parent);
                self.events.retain(|e| match *e {
                    Event::Deliver { tlbi, to } => parent
                        .tlbi(tlbi.issuer, tlbi.nth)
                        .is_none_or(|(_, t)| !codec.idle_delivery(parent, live, t, to)),
                    // A handler is never idle: its sender waits for it.
                    Event::Step(_) | Event::Ipi { .. } => true,
                });
                dead = before - self.events.len();
            }
            if self.events.is_empty() {
                self.report.terminal_states += 1;
                let stuck = (0..self.parent.tasks.len())
                    .any(|t| !self.model.is_done(&self.parent, crate::op::TaskId(t as u8)));
                if stuck {
                    self.report.violation_states += 1;
                    // The deadlock is real once the `dead` deliveries left are made.
                    let length = self.depth(id) + dead;
                    if self
                        .report
                        .known(ViolationKind::Deadlock)
                        .is_none_or(|l| length < l)
                    {
                        let events = self.deadlock_path(id);
                        self.report.found(ViolationKind::Deadlock, events);
                    }
                }
                continue;
            }
            if self.config.reduce {
                // A mirror's events have twins among the others' (symmetry.rs).
                let live = self.codec.live_cpus(&self.parent);
                let mirrors = self.canonical.mirrors(&self.codec, &self.parent, live);
                if mirrors != 0 {
                    self.events.retain(|e| mirrors & (1 << e.actor().0) == 0);
                }
            }
            for i in 0..self.events.len() {
                let event = self.events[i];
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
                let live = self.codec.live_cpus(&self.scratch);
                let (perm, orbit) = self.canonical.perm(&self.codec, &self.scratch, live);
                self.codec.encode(&self.scratch, live, perm, &mut self.key);
                let fresh = match self.seen.insert(
                    &self.key,
                    (id as u32, pack(event)),
                    self.config.max_states,
                    self.config.max_memory,
                ) {
                    Ok(Some(fresh)) => fresh,
                    Ok(None) => continue,
                    Err(full) => {
                        self.report.stopped_by = Some(full.bound());
                        break;
                    }
                };
                self.report.states_without_symmetry =
                    self.report.states_without_symmetry.saturating_add(orbit);
                let mut broke = false;
                for e in 0..self.effects.len() {
                    if let Effect::Violation(v) = self.effects[e] {
                        broke = true;
                        if !self.report.reachable(v.kind) {
                            let events = self.path_to(fresh, Some(v.kind));
                            self.report.found(v.kind, events);
                        }
                    }
                }
                if broke {
                    self.report.violation_states += 1;
                }
            }
            if self.report.stopped_by.is_some() {
                break;
            }
        }
        self.report.states = self.seen.len();
        self.report.key_bytes = self.seen.arena.len();
        self.report.memory_bytes = self.seen.bytes();
        self.report.complete = self.report.stopped_by.is_none() && self.next >= self.seen.len();
        self.is_done()
    }

    /// How many events lead to state `id` (its breadth-first depth).
    fn depth(&self, mut id: usize) -> usize {
        let mut depth = 0;
        while self.seen.parents[id].0 != u32::MAX {
            depth += 1;
            id = self.seen.parents[id].0 as usize;
        }
        depth
    }

    /// A real schedule into the deadlock at state `id`: the path to it, then the
    /// deliveries left (to CPUs no task uses again), oldest TLBI first.
    fn deadlock_path(&mut self, id: usize) -> Vec<Event> {
        let mut events = self.path_to(id, None);
        let mut m = self.model.initial();
        for &event in &events {
            match self.model.apply(&m, event) {
                Ok(applied) => m = applied.machine,
                Err(_) => {
                    debug_assert!(false, "a stored path replays");
                    return events;
                }
            }
        }
        while let Some(&event) = self.model.enabled_events(&m).first() {
            let Ok(applied) = self.model.apply(&m, event) else {
                break;
            };
            events.push(event);
            m = applied.machine;
        }
        events
    }

    /// The events from the initial machine to state `id`, as they happen on the
    /// real machine. Stored links name events of the stored (renamed) machines;
    /// with symmetry, each one is found again on the real machine as the enabled
    /// event whose successor has the stored successor's key (and, for the last,
    /// breaks `kind`). Such an event exists: the real machine is a renaming of the
    /// stored one, so the renamed event is enabled there and leads to a renaming
    /// of the stored successor, which has the same key.
    fn path_to(&mut self, id: usize, kind: Option<ViolationKind>) -> Vec<Event> {
        let mut ids = Vec::new();
        let mut at = id;
        while self.seen.parents[at].0 != u32::MAX {
            ids.push(at);
            at = self.seen.parents[at].0 as usize;
        }
        ids.reverse();
        if self.canonical.symmetry().is_empty() {
            return ids
                .iter()
                .map(|i| unpack(self.seen.parents[*i].1))
                .collect();
        }
        let mut real = self.model.initial();
        let mut events = Vec::with_capacity(ids.len());
        let mut key = Vec::new();
        let mut effects = Vec::new();
        for (n, &child) in ids.iter().enumerate() {
            let last = n + 1 == ids.len();
            let mut found = None;
            for event in self.model.enabled_events(&real) {
                let mut next = real.clone();
                effects.clear();
                if self
                    .model
                    .apply_in_place(&mut next, event, &mut effects)
                    .is_err()
                {
                    continue;
                }
                let live = self.codec.live_cpus(&next);
                let (perm, _) = self.canonical.perm(&self.codec, &next, live);
                self.codec.encode(&next, live, perm, &mut key);
                let breaks = |k: ViolationKind| {
                    effects
                        .iter()
                        .any(|e| matches!(e, Effect::Violation(v) if v.kind == k))
                };
                if key == self.seen.key(child) && (!last || kind.is_none_or(breaks)) {
                    found = Some((event, next));
                    break;
                }
            }
            let Some((event, next)) = found else {
                // Unreachable by the argument above; keep the stored events rather
                // than panic in a browser tab.
                debug_assert!(false, "no real event for a stored link");
                return ids
                    .iter()
                    .map(|i| unpack(self.seen.parents[*i].1))
                    .collect();
            };
            events.push(event);
            real = next;
        }
        events
    }

    /// The findings so far (final once [`Explorer::run`] returned true).
    pub fn report(&self) -> &ExploreReport {
        &self.report
    }

    /// Takes the findings out (final once [`Explorer::run`] returned true).
    pub fn into_report(self) -> ExploreReport {
        self.report
    }
}

/// Explores `model` to the end (or to a bound) and reports.
pub fn explore(model: &Model, config: ExploreConfig) -> ExploreReport {
    let mut explorer = Explorer::new(model.clone(), config);
    while !explorer.run(usize::MAX) {}
    explorer.report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{scenario, Mitigation};

    /// `decode(encode(m))` gives back `m` (counters and contents aside) for every
    /// state the built-in scenarios reach, and distinct states get distinct keys.
    #[test]
    fn encoding_round_trips() {
        for s in scenario::builtins()
            .into_iter()
            .chain([scenario::family(5)])
        {
            let s = std::sync::Arc::new(s);
            let models = Mitigation::ALL
                .into_iter()
                .map(|m| Model::shared(s.clone(), m))
                .chain(
                    [crate::Arch::X86, crate::Arch::Riscv]
                        .into_iter()
                        .flat_map(|a| a.mitigations().iter().map(move |m| (a, *m)))
                        .filter_map(|(a, m)| Model::on(s.clone(), m, a).ok()),
                )
                .collect::<Vec<_>>();
            for model in models {
                let mitigation = model.kernel_name();
                let codec = Codec::new(&model, false);
                let identity = key::Perm::identity();
                let mut todo = vec![model.initial()];
                let mut keys = std::collections::HashMap::new();
                let mut key = Vec::new();
                let mut decoded = model.initial();
                while let Some(m) = todo.pop() {
                    codec.encode(&m, u16::MAX, &identity, &mut key);
                    decode_into(&codec, &model, &key, &mut decoded);
                    let mut expected = m.clone();
                    expected.stats.clone_from(&decoded.stats);
                    expected.frames.clone_from(&decoded.frames);
                    expected.swap.clone_from(&decoded.swap);
                    for (e, f) in expected.frames.iter_mut().zip(&m.frames) {
                        e.written_out = f.written_out;
                        e.freed = f.freed;
                    }
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

    fn decode_into(codec: &Codec, model: &Model, key: &[u8], m: &mut Machine) {
        codec.decode(key, model.scenario().asid(), m);
    }

    /// Events survive packing into parent links.
    #[test]
    fn events_pack() {
        for event in [
            Event::Step(CpuId(15)),
            Event::Deliver {
                tlbi: TlbiRef {
                    issuer: CpuId(15),
                    nth: 200,
                },
                to: CpuId(14),
            },
            Event::Ipi {
                from: CpuId(15),
                to: CpuId(14),
            },
        ] {
            assert_eq!(unpack(pack(event)), event);
        }
    }
}
