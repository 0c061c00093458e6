//! The x86 (and riscv) ladder and narrative of the built-ins' stories, carried
//! over from arm64 (`History::adapt_schedule`), as `tlbsim run --arch` prints
//! them. Read by eye against docs/architectures.md and the kernel sources cited
//! there; review changes with `cargo insta review`.

use std::sync::Arc;

use sim_core::{ladder, scenario, Arch, History, Mitigation, Model};

fn render(name: &str, arch: Arch, mitigation: Mitigation) -> String {
    let scenario = Arc::new(scenario::builtin(name).expect("built-in scenario"));
    let model = Model::on(scenario.clone(), mitigation, arch).expect("runs on this arch");
    let events = History::adapt_schedule(&model, scenario.default_schedule());
    let history = History::replay(model, &events).expect("the carried-over story replays");
    ladder::render(history.model(), history.steps())
}

fn check(name: &str, arch: Arch) {
    for &mitigation in arch.mitigations() {
        let text = render(name, arch, mitigation);
        for line in text.lines() {
            assert!(
                line.len() <= ladder::WIDTH,
                "{name}/{arch}/{mitigation}: {line:?}"
            );
            assert!(line.is_ascii(), "{name}/{arch}/{mitigation}: {line:?}");
        }
        insta::assert_snapshot!(format!("{name}__{arch}__{mitigation}"), text);
    }
}

#[test]
fn seed_race_x86() {
    check("seed-race", Arch::X86);
}

#[test]
fn other_thread_writes_x86() {
    check("other-thread-writes", Arch::X86);
}

#[test]
fn tlb_cost_x86() {
    check("tlb-cost", Arch::X86);
}

#[test]
fn munmap_race_x86() {
    check("munmap-race", Arch::X86);
}

/// riscv tells the same story with its own function names.
#[test]
fn seed_race_riscv() {
    check("seed-race", Arch::Riscv);
}
