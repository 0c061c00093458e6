//! The `tlbsim` binary as a user runs it: output, JSON shape, exit codes, errors.

use std::process::Command;

use serde_json::Value;

/// What one run of tlbsim printed and returned.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn tlbsim(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_tlbsim"))
        .args(args)
        .output()
        .expect("tlbsim runs");
    Run {
        code: out.status.code().expect("tlbsim exits normally"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

fn ok(args: &[&str]) -> String {
    let run = tlbsim(args);
    assert_eq!(run.code, 0, "tlbsim {args:?} failed: {}", run.stderr);
    assert!(
        run.stderr.is_empty(),
        "tlbsim {args:?} wrote to stderr: {}",
        run.stderr
    );
    run.stdout
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&ok(args)).expect("tlbsim --json prints JSON")
}

/// Runs tlbsim expecting a usage error: exit status 2, nothing on stdout, and a
/// message on stderr containing every one of `expect`.
fn check_error(args: &[&str], expect: &[&str]) {
    let run = tlbsim(args);
    assert_eq!(run.code, 2, "tlbsim {args:?}: stderr {}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "tlbsim {args:?} printed {}",
        run.stdout
    );
    assert!(run.stderr.starts_with("tlbsim: "), "{}", run.stderr);
    for e in expect {
        assert!(
            run.stderr.contains(e),
            "tlbsim {args:?}: stderr {:?} lacks {e:?}",
            run.stderr
        );
    }
}

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tlbsim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn shortest_counterexample_of_seed_race_replays_to_a_stale_write() {
    let report = json(&["explore", "seed-race", "--mitigation", "dsb", "--json"]);
    assert_eq!(report["scenario"], "seed-race");
    assert_eq!(report["mitigation"], "dsb");
    assert_eq!(report["verdict"], "stale_write_reachable");
    assert_eq!(report["complete"], true);
    assert!(report["states"].as_u64().unwrap() > 0);
    assert!(report["terminal_states"].as_u64().is_some());
    assert!(report["elapsed_ms"].as_f64().unwrap() >= 0.0);
    let events: Vec<&str> = report["shortest_counterexample"]
        .as_array()
        .expect("a counterexample")
        .iter()
        .map(|e| e.as_str().expect("events are strings"))
        .collect();
    let schedule = events.join(",");

    let trace = json(&[
        "run",
        "seed-race",
        "--mitigation",
        "dsb",
        "--schedule",
        &schedule,
        "--json",
    ]);
    assert_eq!(trace["schedule"], schedule.as_str());
    assert_eq!(trace["outcome"]["outcome"], "stale_write");
    assert_eq!(trace["steps"].as_array().unwrap().len(), events.len());

    let text = ok(&[
        "run",
        "seed-race",
        "--mitigation",
        "dsb",
        "--schedule",
        &schedule,
    ]);
    assert!(text.contains("Outcome: STALE WRITE"), "{text}");
}

#[test]
fn explore_verdicts_and_null_counterexample() {
    let safe = json(&[
        "explore",
        "seed-race",
        "--mitigation",
        "flush_tlb_mm",
        "--json",
    ]);
    assert_eq!(safe["verdict"], "safe");
    assert_eq!(safe["shortest_counterexample"], Value::Null);
    let lost = json(&["explore", "migration-no-switch-dsb", "--json"]);
    assert_eq!(lost["mitigation"], "dsb", "dsb is the default mitigation");
    assert_eq!(lost["verdict"], "lost_write_reachable");
    let bounded = json(&[
        "explore",
        "seed-race-4cpu",
        "--mitigation",
        "flush_tlb_mm",
        "--max-states",
        "10",
        "--json",
    ]);
    assert_eq!(bounded["complete"], false);
    assert_eq!(bounded["verdict"], "unknown");
    // A bound equal to the exact count of states is enough to decide.
    let states = safe["states"].as_u64().expect("states").to_string();
    let exact = json(&[
        "explore",
        "seed-race",
        "--mitigation",
        "flush_tlb_mm",
        "--max-states",
        &states,
        "--json",
    ]);
    assert_eq!(exact["complete"], true, "--max-states {states}");
    assert_eq!(exact["verdict"], "safe");
}

#[test]
fn run_prints_a_ladder_at_most_80_columns_wide() {
    for name in ["seed-race", "seed-race-4cpu"] {
        let text = ok(&["run", name, "--mitigation", "flush_tlb_mm"]);
        assert!(text.contains("CPU0"), "{text}");
        assert!(text.contains("Outcome: Finished safely"), "{text}");
        for line in text.lines() {
            assert!(
                line.len() <= 80 && line.is_ascii(),
                "too wide or not ASCII: {line:?}"
            );
        }
    }
}

#[test]
fn list_names_every_builtin() {
    let text = ok(&["list"]);
    let list = json(&["list", "--json"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        sim_core::scenario::builtin_names().collect::<Vec<_>>()
    );
    for name in names {
        assert!(text.contains(name), "{text}");
    }
}

#[test]
fn files_and_traces_load_like_builtins() {
    let path = temp_file(
        "seed.json",
        sim_core::scenario::builtin_json("seed-race").unwrap(),
    );
    let from_file = ok(&["run", path.to_str().unwrap(), "--mitigation", "none"]);
    assert_eq!(from_file, ok(&["run", "seed-race", "--mitigation", "none"]));

    // A trace brings its mitigation and schedule along as defaults.
    let trace = ok(&[
        "run",
        "seed-race",
        "--mitigation",
        "none",
        "--schedule",
        "s1,s0",
        "--json",
    ]);
    let path = temp_file("trace.json", &trace);
    let replayed: Value = json(&["run", path.to_str().unwrap(), "--json"]);
    assert_eq!(replayed["mitigation"], "none");
    assert_eq!(replayed["schedule"], "s1,s0");
    let explored = json(&[
        "explore",
        path.to_str().unwrap(),
        "--mitigation",
        "flush_tlb_mm",
        "--json",
    ]);
    assert_eq!(explored["verdict"], "safe");
}

#[test]
fn help_goes_to_stdout() {
    for args in [&["--help"][..], &["help"], &["run", "--help"]] {
        let text = ok(args);
        assert!(text.contains("USAGE"), "{text}");
        assert!(text.contains("Default: dsb"), "{text}");
    }
}

#[test]
fn errors_exit_2_and_say_what_is_wrong() {
    check_error(&[], &["no command"]);
    check_error(&["frob"], &["unknown command \"frob\""]);
    check_error(&["list", "--bogus"], &["--bogus"]);
    check_error(&["run"], &["missing SCENARIO|FILE"]);
    check_error(
        &["explore", "seed-race", "--schedule", "s0"],
        &["--schedule"],
    );
    check_error(
        &["run", "no-such-scenario"],
        &["unknown scenario \"no-such-scenario\"", "seed-race"],
    );
    check_error(
        &["run", "seed-race", "--mitigation", "tlbi"],
        &["unknown mitigation \"tlbi\"", "flush_tlb_mm"],
    );
    check_error(
        &["run", "seed-race", "--schedule", "s1,x"],
        &["--schedule[1]: ", "\"x\""],
    );
    // After thread1's first write, CPU0 has not issued a TLBI yet.
    check_error(
        &["run", "seed-race", "--schedule", "s1,d0>1"],
        &[
            "--schedule[1]: d0>1 does not replay on the dsb kernel",
            "no TLBI from CPU0",
            "enabled there: s0,s1",
        ],
    );
    check_error(
        &["run", "seed-race", "--schedule", "s0,s9"],
        &["--schedule[1]: s9", "CPU9 does not exist"],
    );
    check_error(
        &["explore", "seed-race", "--max-states", "many"],
        &["--max-states"],
    );

    let bad = temp_file(
        "bad.json",
        "{\n  \"format\": 2,\n  \"name\": \"x\",\n  oops\n}\n",
    );
    check_error(
        &["run", bad.to_str().unwrap()],
        &["bad.json: line 4, column 3"],
    );
    let seed = sim_core::scenario::builtin_json("seed-race").unwrap();
    let bad = temp_file(
        "unmapped.json",
        &seed.replacen(
            "\"op\": \"mprotect\",\n          \"pages\": [\n            \"P\"",
            "\"op\": \"mprotect\",\n          \"pages\": [\n            \"Z\"",
            1,
        ),
    );
    check_error(
        &["explore", bad.to_str().unwrap()],
        &[
            "tasks[1].program[1].pages[0]",
            "\"Z\" is not a page of the mm",
        ],
    );
}

#[test]
fn family_members_are_scenarios_too() {
    let report = json(&["explore", "family-3", "--mitigation", "dsb", "--json"]);
    assert_eq!(report["scenario"], "family-3");
    assert_eq!(report["verdict"], "stale_write_reachable");
    let unreduced = json(&[
        "explore",
        "family-3",
        "--mitigation",
        "dsb",
        "--unreduced",
        "--json",
    ]);
    assert_eq!(unreduced["verdict"], "stale_write_reachable");
    assert!(report["states"].as_u64() < unreduced["states"].as_u64());
    // scale-16: sixteen CPUs, fourteen of them interchangeable.
    let report = json(&[
        "explore",
        "scale-16",
        "--mitigation",
        "flush_tlb_mm",
        "--json",
    ]);
    assert_eq!(report["scenario"], "scale-16");
    assert_eq!(report["verdict"], "safe");
    assert_eq!(report["symmetry_groups"][0].as_array().unwrap().len(), 14);
    check_error(&["run", "family-17"], &["unknown scenario \"family-17\""]);
    check_error(&["run", "scale-1"], &["unknown scenario \"scale-1\""]);
}

/// Every built-in under every kernel: the JSON report gives each kind's
/// reachability, and each counterexample replays with `tlbsim run --schedule` to
/// the outcome it names (the shortest one to the verdict's).
#[test]
fn every_counterexample_replays_with_run_schedule() {
    for name in sim_core::scenario::builtin_names() {
        for m in ["none", "dsb", "flush_tlb_mm"] {
            let at = format!("{name}/{m}");
            let report = json(&["explore", name, "--mitigation", m, "--json"]);
            assert_eq!(report["complete"], true, "{at}");
            let counterexamples = report["counterexamples"].as_object().unwrap();
            for kind in [
                "stale_write",
                "access_after_unmap",
                "lost_write",
                "deadlock",
            ] {
                assert_eq!(
                    report[format!("{kind}_reachable")].as_bool(),
                    Some(counterexamples.contains_key(kind)),
                    "{at}: {kind}"
                );
            }
            let Some(shortest) = report["shortest_counterexample"].as_array() else {
                assert_eq!(report["verdict"], "safe", "{at}");
                assert!(counterexamples.is_empty(), "{at}");
                continue;
            };
            let schedule = |events: &[Value]| {
                events
                    .iter()
                    .map(|e| e.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let events = schedule(shortest);
            let trace = json(&[
                "run",
                name,
                "--mitigation",
                m,
                "--schedule",
                &events,
                "--json",
            ]);
            let outcome = trace["outcome"]["outcome"].as_str().unwrap().to_string();
            assert_eq!(report["verdict"], format!("{outcome}_reachable"), "{at}");
            for (kind, events) in counterexamples {
                let events = schedule(events.as_array().unwrap());
                let trace = json(&[
                    "run",
                    name,
                    "--mitigation",
                    m,
                    "--schedule",
                    &events,
                    "--json",
                ]);
                let last = trace["steps"].as_array().unwrap().last().unwrap();
                let broke = last["effects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["effect"] == "violation" && e["kind"] == kind.as_str());
                assert!(broke, "{at}: the {kind} counterexample ends in no {kind}");
            }
        }
    }
}

/// Format-1 files (and traces made before format 2) load, translated.
#[test]
fn format_1_files_still_load() {
    let v1 = temp_file(
        "v1-seed.json",
        sim_core::v1::builtin_v1("seed-race").unwrap(),
    );
    let report = json(&[
        "explore",
        v1.to_str().unwrap(),
        "--mitigation",
        "dsb",
        "--json",
    ]);
    assert_eq!(report["scenario"], "seed-race");
    assert_eq!(report["verdict"], "stale_write_reachable");
    let text = ok(&["run", v1.to_str().unwrap(), "--mitigation", "dsb"]);
    assert!(text.contains("Outcome: STALE WRITE"), "{text}");
}

/// A run that would need more memory than `--max-memory` stops with a partial
/// report (complete: false, the bound that stopped it) and exit status 0; the
/// tables stay within the bound.
#[test]
fn the_memory_bound_stops_with_a_partial_report() {
    let args = [
        "explore",
        "family-16",
        "--unreduced",
        "--mitigation",
        "flush_tlb_mm",
        "--max-memory",
        "64",
        "--json",
    ];
    let report = json(&args);
    assert_eq!(report["complete"], false);
    assert_eq!(report["stopped_by"], "max_memory");
    assert_eq!(report["verdict"], "unknown");
    assert!(report["states"].as_u64().unwrap() > 100_000);
    assert!(report["memory_bytes"].as_u64().unwrap() <= 64 << 20);
    let text = ok(&args[..7]);
    assert!(
        text.contains("(stopped at --max-memory: incomplete)"),
        "{text}"
    );
    check_error(
        &["explore", "seed-race", "--max-memory", "0"],
        &["--max-memory wants mebibytes from 1 to 1048576, not \"0\""],
    );
}
