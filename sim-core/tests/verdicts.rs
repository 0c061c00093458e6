//! The verdict table of shared/domain.md, checked over every interleaving.

use sim_core::{explore, scenario, ExploreConfig, Mitigation, Model, Verdict};

fn verdict(name: &str, mitigation: Mitigation) -> Verdict {
    let scenario = scenario::builtin(name).expect("built-in scenario");
    let report = explore(&Model::new(scenario, mitigation), ExploreConfig::default());
    assert!(
        report.complete,
        "{name}/{mitigation}: exploration hit the bound"
    );
    report.verdict()
}

fn check(name: &str, expect: [Verdict; 3]) {
    let got = Mitigation::ALL.map(|m| verdict(name, m));
    assert_eq!(got, expect, "{name}: verdicts for none, dsb, flush_tlb_mm");
}

use Verdict::{LostWriteReachable as Lost, Safe, StaleWriteReachable as Stale};

#[test]
fn seed_race_is_open_without_the_fix() {
    check("seed-race", [Stale, Stale, Safe]);
}

#[test]
fn mprotect_on_the_issuing_cpu_is_safe_with_a_dsb() {
    check("same-cpu", [Stale, Safe, Safe]);
}

#[test]
fn migration_is_safe_thanks_to_switch_to_dsb() {
    check("migration", [Safe, Safe, Safe]);
}

#[test]
fn migration_without_switch_to_dsb_loses_writes() {
    check("migration-no-switch-dsb", [Lost, Lost, Lost]);
}

#[test]
fn seed_race_4cpu_behaves_like_seed_race() {
    check("seed-race-4cpu", [Stale, Stale, Safe]);
}

#[test]
fn tlb_cost_has_no_write_after_mprotect() {
    check("tlb-cost", [Safe, Safe, Safe]);
}
