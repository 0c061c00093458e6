//! The reductions keep every answer: for every built-in, and for `scale-N` and
//! `family-N` up to 6 CPUs, under every kernel, the reduced exploration agrees
//! with the unreduced one on the verdict, on each kind's reachability and on the
//! length of each kind's shortest counterexample, and every counterexample of a
//! reduced run replays as it is. The same over random small scenarios, some with
//! interchangeable CPUs.

mod common;

use proptest::prelude::*;
use sim_core::op::Call;
use sim_core::scenario::{self, CpuSpec, PageSpec, ScenarioFile, TaskSpec};
use sim_core::{explore, ExploreConfig, ExploreReport, Mitigation, Model, ViolationKind};

/// Each reachable kind with the length of its shortest counterexample.
fn lengths(report: &ExploreReport) -> Vec<(ViolationKind, usize)> {
    report
        .counterexamples
        .iter()
        .map(|c| (c.kind, c.events.len()))
        .collect()
}

/// Explores `model` reduced and unreduced (both must complete) and checks that
/// they agree, that every reduced counterexample replays, and that the symmetry's
/// count of the states it stands for is the count of a run without it.
fn agree(model: &Model, at: &str) -> (ExploreReport, ExploreReport) {
    let reduced = explore(model, ExploreConfig::DEFAULT);
    let unreduced = explore(model, ExploreConfig::UNREDUCED);
    assert!(reduced.complete && unreduced.complete, "{at}: bounded");
    assert_eq!(reduced.verdict(), unreduced.verdict(), "{at}: verdict");
    assert_eq!(
        common::kinds(&reduced),
        common::kinds(&unreduced),
        "{at}: reachable kinds"
    );
    assert_eq!(
        lengths(&reduced),
        lengths(&unreduced),
        "{at}: shortest lengths"
    );
    assert!(
        reduced.states <= unreduced.states,
        "{at}: reduced is larger"
    );
    for c in &reduced.counterexamples {
        common::replays_to(model, c, at);
    }
    let no_symmetry = explore(
        model,
        ExploreConfig {
            symmetry: false,
            ..ExploreConfig::DEFAULT
        },
    );
    assert_eq!(
        reduced.states_without_symmetry as usize, no_symmetry.states,
        "{at}: the orbits' sizes add up to the states without symmetry"
    );
    assert_eq!(
        lengths(&no_symmetry),
        lengths(&unreduced),
        "{at}: without symmetry"
    );
    (reduced, unreduced)
}

#[test]
fn builtins_agree() {
    for s in scenario::builtins() {
        for m in Mitigation::ALL {
            let at = format!("{}/{m}", s.name());
            agree(&Model::new(s.clone(), m), &at);
        }
    }
}

#[test]
fn scale_and_family_agree_up_to_6_cpus() {
    for cpus in 2..=6 {
        for m in Mitigation::ALL {
            for s in [scenario::scale(cpus), scenario::family(cpus)] {
                let at = format!("{}/{m}", s.name());
                let (reduced, unreduced) = agree(&Model::new(s, m), &at);
                if cpus >= 4 {
                    assert_eq!(reduced.symmetry_groups.len(), 1, "{at}");
                    assert!(reduced.states * 2 < unreduced.states, "{at}: reduces");
                }
            }
        }
    }
}

/// scale-N has one group of N-2 interchangeable CPUs, CPU2 to CPU(N-1); the seed
/// race's two CPUs are not interchangeable (different programs).
#[test]
fn symmetric_groups_are_found() {
    let report = explore(
        &Model::new(scenario::scale(7), Mitigation::FlushTlbMm),
        ExploreConfig::DEFAULT,
    );
    let cpus: Vec<u8> = report.symmetry_groups[0].iter().map(|c| c.0).collect();
    assert_eq!(cpus, [2, 3, 4, 5, 6]);
    assert_eq!(report.symmetry_groups.len(), 1);
    let seed = explore(
        &Model::new(scenario::builtin("seed-race").unwrap(), Mitigation::Dsb),
        ExploreConfig::DEFAULT,
    );
    assert!(seed.symmetry_groups.is_empty());
}

/// A CPU that some task migrates to is never in a group (its queue can change).
#[test]
fn a_migration_target_is_not_symmetric() {
    let s = scenario::builtin("seed-race-4cpu").unwrap();
    let mut file = s.to_file();
    file.cpus[2].tlb.clear();
    for t in &mut file.tasks {
        if t.cpu >= 2 {
            t.program = vec![Call::Write {
                page: "P".into(),
                value: 1,
            }];
        }
    }
    file.default_schedule.clear();
    let plain = file.validate().unwrap();
    let mut moved = file.clone();
    moved.tasks[0].program.insert(
        0,
        Call::Migrate {
            to: sim_core::CpuId(3),
        },
    );
    let moved = moved.validate().unwrap();
    let groups = |s: &scenario::Scenario| {
        explore(
            &Model::new(s.clone(), Mitigation::Dsb),
            ExploreConfig::DEFAULT,
        )
        .symmetry_groups
    };
    assert_eq!(
        groups(&plain).len(),
        1,
        "CPU2 and CPU3 run the same program"
    );
    assert!(groups(&moved).is_empty(), "kswapd0 migrates to CPU3");
}

/// A small random scenario: the seed race's pages, `cpus` CPUs each with one
/// task, whose programs are drawn from a few calls; with `copies`, the last
/// tasks run copies of one program (so some CPUs are interchangeable).
fn small_scenario() -> impl Strategy<Value = ScenarioFile> {
    let call = prop_oneof![
        Just(Call::Write {
            page: "P".to_string(),
            value: 1
        }),
        Just(Call::Read {
            page: "P".to_string()
        }),
        Just(Call::Write {
            page: "Q".to_string(),
            value: 2
        }),
        Just(Call::Mprotect {
            pages: vec!["P".to_string()]
        }),
        Just(Call::Munmap {
            pages: vec!["Q".to_string()]
        }),
        Just(Call::TlbiVa {
            page: "P".to_string()
        }),
        Just(Call::DsbIsh),
    ];
    let program = prop::collection::vec(call, 1..4);
    (
        2usize..=4,
        prop::collection::vec(program, 4),
        0usize..=3,
        any::<bool>(),
    )
        .prop_map(|(cpus, programs, copies, cached)| {
            let page = |name: &str, vpn: u32| PageSpec {
                name: name.into(),
                vpn,
                pfn: 100 + vpn,
                writable: true,
                present: true,
                data: 0,
            };
            let mut tasks = vec![TaskSpec {
                name: "kswapd0".into(),
                role: "reclaim".into(),
                cpu: 0,
                program: vec![
                    Call::TryToUnmapOne { page: "P".into() },
                    Call::TryToUnmapFlushDirty,
                    Call::Pageout { page: "P".into() },
                    Call::TryToUnmapFlush,
                    Call::FreeFolio { page: "P".into() },
                ],
            }];
            let copies = copies.min(cpus - 1);
            for c in 1..cpus {
                let program = if c >= cpus - copies {
                    programs[0].clone()
                } else {
                    programs[c].clone()
                };
                tasks.push(TaskSpec {
                    name: format!("thread{c}"),
                    role: "generated".into(),
                    cpu: c as u8,
                    program,
                });
            }
            let tlb = if cached {
                vec!["P".to_string()]
            } else {
                Vec::new()
            };
            ScenarioFile {
                format: scenario::FORMAT_VERSION,
                name: "small".into(),
                title: "Generated".into(),
                story: String::new(),
                asid: 1,
                tlb_capacity: 2,
                switch_to_dsb: true,
                arch: Default::default(),
                pages: vec![page("P", 10), page("Q", 11)],
                cpus: (0..cpus)
                    .map(|c| CpuSpec {
                        tlb: if c == 0 { Vec::new() } else { tlb.clone() },
                    })
                    .collect(),
                tasks,
                default_schedule: String::new(),
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random small scenarios: reduced and unreduced runs agree (see [`agree`]).
    #[test]
    fn random_small_scenarios_agree(file in small_scenario()) {
        let s = file.validate().map_err(|e| TestCaseError::fail(e.to_string()))?;
        for m in Mitigation::ALL {
            let model = Model::new(s.clone(), m);
            // Keep it fast: only scenarios that explore completely within a bound.
            let bounded = ExploreConfig { max_states: 20_000, ..ExploreConfig::UNREDUCED };
            if !explore(&model, bounded).complete {
                continue;
            }
            agree(&model, &format!("{}/{m}", serde_json::to_string(&file).unwrap()));
        }
    }
}

/// The models of `s` on x86 and riscv, under each kernel they offer (none for a
/// scenario they refuse).
fn ipi_models(s: &scenario::Scenario) -> Vec<(String, Model)> {
    let mut out = Vec::new();
    for arch in [sim_core::Arch::X86, sim_core::Arch::Riscv] {
        for &m in arch.mitigations() {
            if let Ok(model) = Model::on(std::sync::Arc::new(s.clone()), m, arch) {
                out.push((format!("{}/{arch}/{m}", s.name()), model));
            }
        }
    }
    out
}

/// x86 and riscv keys hold mm_cpumask, the batches' cpumasks and the waiting
/// IPIs: the reductions keep every answer there too.
#[test]
fn builtins_agree_on_x86_and_riscv() {
    for s in scenario::builtins() {
        for (at, model) in ipi_models(&s) {
            agree(&model, &at);
        }
    }
}

/// Symmetry on x86: interchangeable CPUs whose bits are in mm_cpumask and in
/// reclaim's batch, and who take IPIs.
#[test]
fn scale_and_family_agree_on_x86_up_to_5_cpus() {
    for cpus in 2..=5 {
        for s in [scenario::scale(cpus), scenario::family(cpus)] {
            for (at, model) in ipi_models(&s) {
                if at.contains("/riscv/") {
                    continue; // the same rules; x86 stands for both here
                }
                let (reduced, unreduced) = agree(&model, &at);
                if cpus >= 4 {
                    assert_eq!(reduced.symmetry_groups.len(), 1, "{at}");
                    assert!(reduced.states < unreduced.states, "{at}: reduces");
                }
            }
        }
    }
}
