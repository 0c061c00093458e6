//! The ladder diagram and narrative of every built-in scenario's default schedule
//! under every mitigation, as `tlbsim run` prints them. Each snapshot was read by
//! eye against shared/domain.md; review changes with `cargo insta review`.

use sim_core::{ladder, scenario, History, Mitigation, Model};

/// The rendered story of `name`'s default schedule under `mitigation`.
fn render(name: &str, mitigation: Mitigation) -> String {
    let scenario = scenario::builtin(name).expect("built-in scenario");
    let schedule = scenario.default_schedule().to_vec();
    let history = History::replay(Model::new(scenario, mitigation), &schedule)
        .unwrap_or_else(|(_, e)| panic!("{name}/{mitigation}: default schedule: {e}"));
    ladder::render(history.model(), history.steps())
}

fn check(name: &str) {
    for mitigation in Mitigation::ALL {
        let text = render(name, mitigation);
        for line in text.lines() {
            assert!(line.len() <= ladder::WIDTH, "{name}/{mitigation}: {line:?}");
            assert!(line.is_ascii(), "{name}/{mitigation}: {line:?}");
        }
        insta::assert_snapshot!(format!("{name}__{mitigation}"), text);
    }
}

#[test]
fn seed_race() {
    check("seed-race");
}

#[test]
fn same_cpu() {
    check("same-cpu");
}

#[test]
fn migration() {
    check("migration");
}

#[test]
fn migration_no_switch_dsb() {
    check("migration-no-switch-dsb");
}

#[test]
fn tlb_cost() {
    check("tlb-cost");
}

#[test]
fn seed_race_4cpu() {
    check("seed-race-4cpu");
}

#[test]
fn munmap_race() {
    check("munmap-race");
}

#[test]
fn madvise_dontneed_race() {
    check("madvise-dontneed-race");
}

#[test]
fn mremap_race() {
    check("mremap-race");
}

#[test]
fn two_reclaimers() {
    check("two-reclaimers");
}

#[test]
fn other_thread_writes() {
    check("other-thread-writes");
}

#[test]
fn every_builtin_has_a_snapshot_test() {
    let tested = [
        "seed-race",
        "same-cpu",
        "migration",
        "migration-no-switch-dsb",
        "tlb-cost",
        "seed-race-4cpu",
        "munmap-race",
        "madvise-dontneed-race",
        "mremap-race",
        "two-reclaimers",
        "other-thread-writes",
    ];
    assert_eq!(scenario::builtin_names().collect::<Vec<_>>(), tested);
}
