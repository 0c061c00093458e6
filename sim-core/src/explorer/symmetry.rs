//! Symmetry reduction: CPUs that are interchangeable, and the canonical renaming
//! of a machine's CPUs and tasks.
//!
//! A *member* is a CPU with exactly one task that starts on it, never leaves it
//! (no `migrate` in its program) and is never joined by another (no `migrate`
//! anywhere goes to that CPU). Such a CPU runs that task forever, with an empty
//! queue. Members whose initial TLBs list the same pages and whose tasks' steps are
//! the same (up to the values written, which keys leave out, see `key.rs`) form a
//! *group*: swapping two of them, CPU and task together, maps every reachable
//! machine to a reachable machine, every event to an event, and every violation
//! to one of the same kind (the model never compares a CPU or task id except for
//! equality with another id it stored). The explorer stores each machine renamed
//! so that the members of each group appear sorted by their local state.

use super::key::{Codec, Perm};
use crate::machine::Machine;
use crate::op::{CpuId, Op, TaskId};
use crate::scenario::Scenario;

/// The groups of interchangeable CPUs of a scenario, each with its tasks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Symmetry {
    /// Each group: its CPUs and their tasks, lowest CPU first; at least two each.
    groups: Vec<Vec<(CpuId, TaskId)>>,
}

/// A task's steps with the written values blanked (keys ignore contents).
fn shape(steps: &[Op]) -> Vec<Op> {
    steps
        .iter()
        .map(|op| match *op {
            Op::Write { page, .. } => Op::Write { page, value: 0 },
            other => other,
        })
        .collect()
}

impl Symmetry {
    /// Finds the groups of `scenario` (see the module's comment).
    pub fn detect(scenario: &Scenario) -> Symmetry {
        let joined: Vec<bool> = (0..scenario.cpu_count())
            .map(|c| {
                scenario.tasks().iter().any(|t| {
                    t.steps
                        .iter()
                        .any(|op| matches!(op, Op::Migrate { to } if to.index() == c))
                })
            })
            .collect();
        let mut members = Vec::new();
        for (c, joined) in joined.iter().enumerate() {
            let cpu = CpuId(c as u8);
            let mut on = scenario.tasks_on(cpu);
            let (Some((task, t)), None) = (on.next(), on.next()) else {
                continue;
            };
            let stays = !t.steps.iter().any(|op| matches!(op, Op::Migrate { .. }));
            if stays && !joined {
                members.push((cpu, task, shape(&t.steps), &scenario.cpus()[c].tlb));
            }
        }
        let mut groups: Vec<Vec<(CpuId, TaskId)>> = Vec::new();
        let mut taken = vec![false; members.len()];
        for i in 0..members.len() {
            if taken[i] {
                continue;
            }
            let mut group = vec![(members[i].0, members[i].1)];
            for j in i + 1..members.len() {
                if !taken[j] && members[j].2 == members[i].2 && members[j].3 == members[i].3 {
                    taken[j] = true;
                    group.push((members[j].0, members[j].1));
                }
            }
            if group.len() > 1 {
                groups.push(group);
            }
        }
        Symmetry { groups }
    }

    /// No symmetry: every machine is stored as it is.
    pub fn none() -> Symmetry {
        Symmetry::default()
    }

    /// Whether some CPUs are interchangeable.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The groups' CPUs, lowest first.
    pub fn groups(&self) -> Vec<Vec<CpuId>> {
        self.groups
            .iter()
            .map(|g| g.iter().map(|(c, _)| *c).collect())
            .collect()
    }

    /// The product of the groups' sizes' factorials: the most machines one stored
    /// machine can stand for.
    pub fn order(&self) -> u64 {
        self.groups.iter().map(|g| factorial(g.len())).product()
    }
}

/// `n!`; 16! fits in a u64 (there are at most 16 CPUs).
fn factorial(n: usize) -> u64 {
    (1..=n as u64).product()
}

/// Reused buffers for [`Canonical::perm`] and [`Canonical::mirrors`].
pub(crate) struct Canonical {
    symmetry: Symmetry,
    /// (local digest, member) of the group being sorted.
    locals: Vec<(u64, u8)>,
    perm: Perm,
    /// The machine's key, and its key with two members swapped.
    key: Vec<u8>,
    swapped: Vec<u8>,
}

impl Canonical {
    pub(crate) fn new(symmetry: Symmetry) -> Canonical {
        Canonical {
            symmetry,
            locals: Vec::with_capacity(16),
            perm: Perm::identity(),
            key: Vec::new(),
            swapped: Vec::new(),
        }
    }

    /// The members of `m` that mirror another. Members `i` and `j` of a group
    /// mirror each other when some renaming of the group's members that maps
    /// `j` to `i` (CPU and task together) gives back the same machine, key for
    /// key. Then every event `e` whose actor is `j` (a step of `j`, a TLBI
    /// delivered to `j`, a flush IPI taken by `j`) has a twin, its renaming,
    /// whose actor is `i`: it is enabled, since the renamed machine is `m`
    /// itself, and it leads to a renaming of `e`'s successor, which breaks the
    /// same promises at the same depth and is stored under the same orbit. So
    /// the explorer need not take `e`. In each run of members with equal local
    /// digests, the first is kept and the others are mirrors if the run's
    /// cycle leaves the key unchanged (its powers map every member to the
    /// first); otherwise each is tried against the first by a swap. Digests
    /// only pick the candidates: the keys decide. A bit set per mirror CPU;
    /// `live` is [`Codec::live_cpus`] of `m`.
    pub(crate) fn mirrors(&mut self, codec: &Codec, m: &Machine, live: u16) -> u16 {
        let mut mirrors = 0u16;
        let mut encoded = false;
        let Canonical {
            symmetry,
            locals,
            key,
            swapped,
            ..
        } = self;
        let mut run: Vec<(CpuId, TaskId)> = Vec::with_capacity(16);
        for group in &symmetry.groups {
            locals.clear();
            locals.extend(group.iter().enumerate().map(|(i, (cpu, task))| {
                (codec.local(m, cpu.index(), task.index(), live), i as u8)
            }));
            crate::small_sort::by_key(locals, |l| *l);
            let mut start = 0;
            while start < locals.len() {
                let end = start
                    + locals[start..]
                        .iter()
                        .take_while(|l| l.0 == locals[start].0)
                        .count();
                if end - start > 1 {
                    if !encoded {
                        codec.encode(m, live, &Perm::identity(), key);
                        encoded = true;
                    }
                    run.clear();
                    run.extend(locals[start..end].iter().map(|l| group[usize::from(l.1)]));
                    codec.encode(m, live, &Perm::cycle(&run), swapped);
                    if key == swapped {
                        for &(cpu, _) in &run[1..] {
                            mirrors |= 1 << cpu.0;
                        }
                    } else {
                        for &member in &run[1..] {
                            codec.encode(m, live, &Perm::cycle(&[run[0], member]), swapped);
                            if key == swapped {
                                mirrors |= 1 << member.0 .0;
                            }
                        }
                    }
                }
                start = end;
            }
        }
        mirrors
    }

    pub(crate) fn symmetry(&self) -> &Symmetry {
        &self.symmetry
    }

    /// The renaming that sorts each group's members by their local state (CPU and
    /// task together), and how many machines the renamed one stands for (the size
    /// of its orbit: members with equal local states are interchangeable in it).
    /// `live` is [`Codec::live_cpus`] of `m`.
    ///
    /// Two machines that differ by a permutation of members get the same key:
    /// a member's local state mentions no other member's id (see
    /// [`Codec::local`]), so sorting by it does not depend on the names, and
    /// members with equal local states are equal in every respect. Even if it were
    /// not unique, the renamed machine would be the image of the real one under a
    /// symmetry, so the reduction stays sound; it would only merge less.
    pub(crate) fn perm(&mut self, codec: &Codec, m: &Machine, live: u16) -> (&Perm, u64) {
        if self.symmetry.groups.is_empty() {
            return (&self.perm, 1);
        }
        let mut orbit = 1u64;
        let Canonical {
            symmetry,
            locals,
            perm,
            ..
        } = self;
        perm.identity = false;
        for group in &symmetry.groups {
            locals.clear();
            locals.extend(group.iter().enumerate().map(|(i, (cpu, task))| {
                (codec.local(m, cpu.index(), task.index(), live), i as u8)
            }));
            crate::small_sort::by_key(locals, |l| *l);
            // Member locals[k] takes the place (CPU and task ids) of member k. The
            // orbit has m! / (r1! r2! ...) machines, r the runs of equal members.
            let mut run = 1u64;
            let mut ties = 1u64;
            for k in 0..group.len() {
                let (real_cpu, real_task) = group[usize::from(locals[k].1)];
                let (slot_cpu, slot_task) = group[k];
                perm.to_cpu[real_cpu.index()] = slot_cpu.0;
                perm.from_cpu[slot_cpu.index()] = real_cpu.0;
                perm.to_task[real_task.index()] = slot_task.0;
                perm.from_task[slot_task.index()] = real_task.0;
                if k > 0 && locals[k].0 == locals[k - 1].0 {
                    run += 1;
                    ties *= run;
                } else {
                    run = 1;
                }
            }
            orbit = orbit.saturating_mul(factorial(group.len()) / ties);
        }
        (&self.perm, orbit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use crate::{scenario, Mitigation, Model};

    fn mirrors_after(model: &Model, events: &[Event]) -> u16 {
        let mut m = model.initial();
        for &e in events {
            m = model.apply(&m, e).expect("enabled").machine;
        }
        let codec = Codec::new(model, true);
        let mut canonical = Canonical::new(Symmetry::detect(model.scenario()));
        let live = codec.live_cpus(&m);
        canonical.mirrors(&codec, &m, live)
    }

    /// In scale-6 the writers CPU2..5 start alike: CPU2 is kept, 3 to 5 mirror it.
    /// Once CPU3 has stepped, it mirrors no one and no one mirrors it, while 4
    /// and 5 still mirror CPU2. The reclaimer and the mprotect thread, in no
    /// group, never mirror.
    #[test]
    fn alike_members_mirror_the_first_and_a_stepped_one_stands_alone() {
        let model = Model::new(scenario::scale(6), Mitigation::Dsb);
        assert_eq!(mirrors_after(&model, &[]), 0b11_1000);
        let stepped = mirrors_after(&model, &[Event::Step(CpuId(3))]);
        assert_eq!(stepped, 0b11_0000, "{stepped:b}");
        let both = mirrors_after(&model, &[Event::Step(CpuId(3)), Event::Step(CpuId(2))]);
        assert_eq!(both & 0b1100, 0b1000, "CPU3 mirrors CPU2 again: {both:b}");
    }

    /// seed-race-4cpu's CPUs run different programs: no group, so no mirror.
    #[test]
    fn no_group_no_mirror() {
        let model = Model::new(
            scenario::builtin("seed-race-4cpu").unwrap(),
            Mitigation::Dsb,
        );
        assert_eq!(mirrors_after(&model, &[]), 0);
    }
}
