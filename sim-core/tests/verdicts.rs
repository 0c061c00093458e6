//! The verdict table: every built-in scenario under every kernel, with each kind
//! of violation's reachability asserted exactly, over every interleaving. The
//! same table is in docs/scenario-format.md ("Verdicts of the built-in
//! scenarios"), and a test here keeps the two equal.

mod common;

use sim_core::{scenario, Mitigation, Model, ViolationKind};

use ViolationKind::{AccessAfterUnmap as Unmap, LostWrite as Lost, StaleWrite as Stale};

const SAFE: &[ViolationKind] = &[];

/// For each built-in, the kinds reachable under `none`, `dsb` and `flush_tlb_mm`.
const TABLE: [(&str, [&[ViolationKind]; 3]); 11] = [
    // shared/domain.md's verdict table: open before the fix, closed by it.
    ("seed-race", [&[Stale], &[Stale], SAFE]),
    // The switch from kswapd0 to thread0 on CPU0 is a __switch_to() with its
    // dsb(ish) on the issuing CPU, so even the kernel before 3ea277194daa is safe.
    // (v1 had no switch here and said stale_write under none; see v1_translation.)
    ("same-cpu", [SAFE, SAFE, SAFE]),
    ("migration", [SAFE, SAFE, SAFE]),
    ("migration-no-switch-dsb", [&[Lost], &[Lost], &[Lost]]),
    ("tlb-cost", [SAFE, SAFE, SAFE]),
    ("seed-race-4cpu", [&[Stale], &[Stale], SAFE]),
    // The same race through the other callers of flush_tlb_batched_pending().
    ("munmap-race", [&[Unmap], &[Unmap], SAFE]),
    ("madvise-dontneed-race", [&[Unmap], &[Unmap], SAFE]),
    ("mremap-race", [&[Unmap], &[Unmap], SAFE]),
    // Each reclaimer completes its own batch before pageout: never a lost write.
    ("two-reclaimers", [&[Stale], &[Stale], SAFE]),
    ("other-thread-writes", [&[Stale], &[Stale], SAFE]),
];

fn check(name: &str) {
    let (_, expect) = TABLE
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("{name} is not in the table"));
    let scenario = scenario::builtin(name).expect("built-in scenario");
    for (mitigation, kinds) in Mitigation::ALL.into_iter().zip(expect) {
        let model = Model::new(scenario.clone(), mitigation);
        common::check_model(&model, kinds, &format!("{name}/{mitigation}"));
    }
}

#[test]
fn seed_race_is_open_without_the_fix() {
    check("seed-race");
}

#[test]
fn same_cpu_is_safe_thanks_to_the_switch() {
    check("same-cpu");
}

#[test]
fn migration_is_safe_thanks_to_switch_to_dsb() {
    check("migration");
}

#[test]
fn migration_without_switch_to_dsb_loses_writes() {
    check("migration-no-switch-dsb");
}

#[test]
fn tlb_cost_breaks_no_promise() {
    check("tlb-cost");
}

#[test]
fn seed_race_4cpu_behaves_like_seed_race() {
    check("seed-race-4cpu");
}

#[test]
fn munmap_race_accesses_after_unmap() {
    check("munmap-race");
}

#[test]
fn madvise_dontneed_race_accesses_after_unmap() {
    check("madvise-dontneed-race");
}

#[test]
fn mremap_race_accesses_after_unmap() {
    check("mremap-race");
}

#[test]
fn two_reclaimers_never_lose_a_write() {
    check("two-reclaimers");
}

#[test]
fn other_thread_writes_after_mprotect_returned() {
    check("other-thread-writes");
}

#[test]
fn the_table_covers_every_builtin_in_order() {
    let names: Vec<&str> = TABLE.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, scenario::builtin_names().collect::<Vec<_>>());
}

/// The table in docs/scenario-format.md, as (scenario, [cell; 3]) rows.
fn doc_table() -> Vec<(String, [String; 3])> {
    const DOC: &str = include_str!("../../docs/scenario-format.md");
    common::doc_table_rows(DOC, "Verdicts of the built-in scenarios", "| scenario |", 4)
        .into_iter()
        .map(|c| (c[0].clone(), [c[1].clone(), c[2].clone(), c[3].clone()]))
        .collect()
}

fn cell(kinds: &[ViolationKind]) -> String {
    if kinds.is_empty() {
        return "safe".into();
    }
    kinds
        .iter()
        .map(|k| k.name())
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn the_doc_table_is_this_table() {
    let header = include_str!("../../docs/scenario-format.md")
        .lines()
        .find(|l| l.starts_with("| scenario |"))
        .unwrap()
        .to_string();
    assert_eq!(header, "| scenario | none | dsb | flush_tlb_mm |");
    let expect: Vec<(String, [String; 3])> = TABLE
        .iter()
        .map(|(name, kinds)| (name.to_string(), kinds.map(cell)))
        .collect();
    assert_eq!(doc_table(), expect);
}
