//! Explorer throughput: every built-in scenario under every mitigation, and the
//! generated families of the seed race (`family-N` to 8 CPUs, `scale-N` to 16 in
//! the JSON form). Prints a table of states, time and states per
//! second first, then divan's precise timings. Run with `cargo bench -p sim-core`.
//!
//! Targets (issue 4): seed-race under 5 ms, seed-race-4cpu under 1 s, at least a
//! million states per second.
//!
//! With `TLBRACE_BENCH_JSON=path` set (as `cargo xtask bench` does), the same rows
//! (the family with every mitigation, up to 8 CPUs) are written to `path` as JSON
//! and divan's own timings are skipped; each family member is also written next to it
//! as a scenario file (`family-N.json`), so the browser bench can import it.

use std::time::{Duration, Instant};

use divan::Bencher;
use sim_core::{explore, scenario, ExploreConfig, ExploreReport, Mitigation, Model};

/// The bound for the family's larger members, so the bench ends in seconds
/// (reduced, every member up to 16 CPUs stays far below it).
const FAMILY_BOUND: usize = 5_000_000;

/// The best of a few runs (at least three, and at least 200 ms in total), so a
/// busy machine disturbs the figure as little as possible. A run over a second
/// is not repeated.
fn measure(model: &Model, config: ExploreConfig) -> (ExploreReport, Duration) {
    let mut best = Duration::MAX;
    let mut report = None;
    let start = Instant::now();
    let mut runs = 0;
    while (runs < 3 && best < Duration::from_secs(1))
        || (start.elapsed() < Duration::from_millis(200) && runs < 1000)
    {
        let t = Instant::now();
        report = Some(divan::black_box(explore(model, config)));
        best = best.min(t.elapsed());
        runs += 1;
    }
    (report.expect("at least one run"), best)
}

fn row(name: &str, mitigation: Mitigation, report: &ExploreReport, time: Duration) {
    let rate = report.states as f64 / time.as_secs_f64();
    println!(
        "{name:<24} {:<13} {:>9} {:>4} {:>10.3} {:>12.0}  {}{}",
        mitigation.name(),
        report.states,
        report.terminal_states,
        time.as_secs_f64() * 1e3,
        rate,
        report.verdict().name(),
        if report.complete { "" } else { " (bounded)" }
    );
}

fn table() {
    println!(
        "{:<24} {:<13} {:>9} {:>4} {:>10} {:>12}  verdict",
        "scenario", "mitigation", "states", "term", "ms (best)", "states/s"
    );
    for s in scenario::builtins() {
        let name = s.name().to_string();
        for m in Mitigation::ALL {
            let model = Model::new(s.clone(), m);
            let (report, time) = measure(&model, ExploreConfig::default());
            row(&name, m, &report, time);
        }
    }
    for cpus in 2..=8 {
        for m in [Mitigation::Dsb, Mitigation::FlushTlbMm] {
            let model = Model::new(scenario::family(cpus), m);
            let config = ExploreConfig {
                max_states: FAMILY_BOUND,
                ..Default::default()
            };
            let (report, time) = measure(&model, config);
            row(&format!("family-{cpus}"), m, &report, time);
        }
    }
    println!();
}

/// One row of the JSON form: `{"scenario":…,"mitigation":…,"states":…,…}`.
fn json_row(name: &str, mitigation: Mitigation, report: &ExploreReport, time: Duration) -> String {
    format!(
        "{{\"scenario\":\"{name}\",\"mitigation\":\"{}\",\"states\":{},\"states_without_symmetry\":{},\"bytes_per_state\":{:.1},\"transitions\":{},\"ms\":{:.4},\"states_per_s\":{:.0},\"verdict\":\"{}\",\"complete\":{},\"bound\":{}}}",
        mitigation.name(),
        report.states,
        report.states_without_symmetry,
        report.bytes_per_state(),
        report.transitions,
        time.as_secs_f64() * 1e3,
        report.states as f64 / time.as_secs_f64(),
        report.verdict().name(),
        report.complete,
        if report.complete { "null".to_string() } else { FAMILY_BOUND.to_string() },
    )
}

/// Every built-in scenario, every `family-N` (2..=8 CPUs, the raw growth) and
/// every `scale-N` (2..=16 CPUs) under every mitigation, as a JSON array written
/// to `path`; each generated scenario is written next to it as a file.
fn json(path: &str) {
    let mut rows = Vec::new();
    for s in scenario::builtins() {
        let name = s.name().to_string();
        for m in Mitigation::ALL {
            let (report, time) = measure(&Model::new(s.clone(), m), ExploreConfig::default());
            row(&name, m, &report, time);
            rows.push(json_row(&name, m, &report, time));
        }
    }
    let folder = std::path::Path::new(path)
        .parent()
        .unwrap_or(std::path::Path::new("."));
    let generated = (2..=8)
        .map(scenario::family)
        .chain((2..=scenario::MAX_CPUS).map(scenario::scale));
    for s in generated {
        let file = folder.join(format!("{}.json", s.name()));
        let text = serde_json::to_string_pretty(&s.to_file()).expect("a scenario serializes");
        std::fs::write(&file, text).unwrap_or_else(|e| panic!("writing {}: {e}", file.display()));
        for m in Mitigation::ALL {
            let model = Model::new(s.clone(), m);
            let config = ExploreConfig {
                max_states: FAMILY_BOUND,
                ..Default::default()
            };
            let (report, time) = measure(&model, config);
            row(s.name(), m, &report, time);
            rows.push(json_row(s.name(), m, &report, time));
        }
    }
    let text = format!("[\n{}\n]\n", rows.join(",\n"));
    std::fs::write(path, text).unwrap_or_else(|e| panic!("writing {path}: {e}"));
}

fn main() {
    if let Some(path) = std::env::var_os("TLBRACE_BENCH_JSON") {
        json(&path.to_string_lossy());
        return;
    }
    table();
    divan::main();
}

/// One built-in scenario under one mitigation, named `seed-race/dsb` in divan's output.
#[derive(Clone, Copy)]
struct Case(&'static str, Mitigation);

impl std::fmt::Display for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.0, self.1.name())
    }
}

fn cases() -> Vec<Case> {
    scenario::builtin_names()
        .flat_map(|name| Mitigation::ALL.map(|m| Case(name, m)))
        .collect()
}

#[divan::bench(args = cases())]
fn builtin(bencher: Bencher, case: Case) {
    let model = Model::new(scenario::builtin(case.0).expect("built-in"), case.1);
    bencher.bench(|| explore(&model, ExploreConfig::default()));
}

#[divan::bench(args = [2, 3, 4, 5], sample_count = 10)]
fn family_flush_tlb_mm(bencher: Bencher, cpus: usize) {
    let model = Model::new(scenario::family(cpus), Mitigation::FlushTlbMm);
    let config = ExploreConfig {
        max_states: FAMILY_BOUND,
        ..Default::default()
    };
    bencher.bench(|| explore(&model, config));
}
