//! docs/scenario-format.md stays true: every JSON example in it is checked (the
//! full example is the seed-race file, a plain example loads and its default
//! schedule replays, a `json refused` example is refused with the error quoted
//! after it), and it documents every call, step and field.

use sim_core::{scenario, Mitigation, Model, Scenario};

const DOC: &str = include_str!("../../docs/scenario-format.md");

/// Every fenced block whose info string starts with `json`: (info, text, what follows).
fn json_blocks() -> Vec<(&'static str, &'static str, &'static str)> {
    let mut blocks = Vec::new();
    let mut rest = DOC;
    while let Some(start) = rest.find("```json") {
        let after = &rest[start + 3..];
        let info_end = after.find('\n').unwrap();
        let info = &after[..info_end];
        let body = &after[info_end + 1..];
        let end = body.find("```").expect("a closed block");
        let tail = &body[end + 3..];
        blocks.push((info, &body[..end], tail));
        rest = tail;
    }
    blocks
}

#[test]
fn every_json_example_is_checked() {
    let blocks = json_blocks();
    assert_eq!(blocks.len(), 4, "a new example? check it here");
    for (info, text, tail) in blocks {
        match info {
            "json" => {
                let s = Scenario::from_json(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
                for m in Mitigation::ALL {
                    sim_core::History::replay(Model::new(s.clone(), m), s.default_schedule())
                        .unwrap_or_else(|(_, e)| panic!("{}/{m}: {e}", s.name()));
                }
            }
            "json refused" => {
                let quoted = tail
                    .trim_start()
                    .strip_prefix("> `")
                    .and_then(|q| q.split_once("`\n"))
                    .map(|(q, _)| q)
                    .expect("a refused example is followed by > `its error`");
                let error = Scenario::from_json(text).expect_err("refused");
                assert_eq!(error.to_string(), quoted);
            }
            other => panic!("unknown block kind {other:?}"),
        }
    }
}

#[test]
fn the_full_example_is_the_seed_race_file() {
    let section = DOC
        .split("## A full example: `seed-race`\n")
        .nth(1)
        .expect("the full example's section");
    let start = section.find("```json\n").unwrap() + "```json\n".len();
    let len = section[start..].find("```").unwrap();
    assert_eq!(
        &section[start..start + len],
        format!(
            "{}\n",
            scenario::builtin_json("seed-race").unwrap().trim_end()
        )
    );
}

/// The small example tells what the doc says it tells: safe everywhere, and its
/// last write faults.
#[test]
fn the_small_example_is_safe_on_every_kernel() {
    let (_, text, _) = json_blocks()
        .into_iter()
        .find(|(_, t, _)| t.contains("switch-then-mprotect"))
        .unwrap();
    let s = Scenario::from_json(text).unwrap();
    for m in Mitigation::ALL {
        let model = Model::new(s.clone(), m);
        let report = sim_core::explore(&model, sim_core::ExploreConfig::default());
        assert_eq!(report.verdict(), sim_core::Verdict::Safe, "{m}");
        let h = sim_core::History::replay(model.clone(), s.default_schedule()).unwrap();
        assert_eq!(
            sim_core::Outcome::of(&model, h.current()),
            sim_core::Outcome::FinishedSafely
        );
        assert_eq!(
            h.current().stats[1].faults,
            1,
            "{m}: thread1's write faults"
        );
    }
}

/// The format-1 example and the schedule translation the doc shows.
#[test]
fn the_format_1_section_says_what_the_translation_does() {
    let (_, text, _) = json_blocks()
        .into_iter()
        .find(|(_, t, _)| t.contains("\"format\": 1"))
        .unwrap();
    let read = sim_core::v1::read_scenario(text).unwrap();
    let names: Vec<&str> = read
        .scenario
        .tasks()
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(names, ["kswapd0", "thread1"]);
    let v1 = sim_core::parse_schedule("s1,s0,s0,s1,s1,s1,s1,s0,s0").unwrap();
    let v2 = read.translation.unwrap().schedule(&v1).unwrap();
    let shown = "`s1,s0,s0,s1,s1,s1,s1,s0,s0`\nbecomes `s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s0,s0,s0`";
    assert!(DOC.contains(shown));
    assert_eq!(
        sim_core::format_schedule(&v2),
        "s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s0,s0,s0"
    );
    // The same translation for the real v1 built-in.
    let builtin = sim_core::v1::read_scenario(sim_core::v1::builtin_v1("seed-race").unwrap());
    assert_eq!(
        builtin.unwrap().translation.unwrap().schedule(&v1).unwrap(),
        v2
    );
}

#[test]
fn the_seed_race_counterexample_is_step_10() {
    let s = scenario::builtin("seed-race").unwrap();
    let model = Model::new(s.clone(), Mitigation::Dsb);
    let h = sim_core::History::replay(model, &s.default_schedule()[..10]).unwrap();
    assert!(h
        .current()
        .broken
        .contains(sim_core::ViolationKind::StaleWrite));
    assert!(h.steps()[8].machine.broken.iter().next().is_none());
    assert!(DOC.contains("step 10 is a stale write"));
}

#[test]
fn every_call_step_and_field_is_documented() {
    for kind in sim_core::op::CALL_KINDS {
        assert!(
            DOC.contains(&format!("| `{}` |", kind.name)),
            "call {} undocumented",
            kind.name
        );
    }
    // Every step the built-ins expand to is named in the doc.
    for s in scenario::builtins() {
        for task in s.tasks() {
            for op in &task.steps {
                assert!(
                    DOC.contains(&format!("`{}`", op.name())),
                    "step {} undocumented",
                    op.name()
                );
            }
        }
    }
    let file = scenario::builtin("mremap-race").unwrap().to_file();
    let json = serde_json::to_value(&file).unwrap();
    // mremap-race's N has "present": false, so its pages show every page field.
    let fields = json
        .as_object()
        .unwrap()
        .keys()
        .chain(json["pages"][2].as_object().unwrap().keys())
        .chain(json["cpus"][0].as_object().unwrap().keys())
        .chain(json["tasks"][0].as_object().unwrap().keys());
    let mut n = 0;
    for field in fields {
        n += 1;
        assert!(
            DOC.contains(&format!("| `{field}` |")),
            "field {field} undocumented"
        );
    }
    assert_eq!(n, 11 + 6 + 1 + 4);
}

/// The limits the doc gives are the code's.
#[test]
fn limits_are_the_codes() {
    use sim_core::scenario::*;
    for (name, value) in [
        ("MAX_CPUS", MAX_CPUS),
        ("MAX_TASKS", MAX_TASKS),
        ("MAX_PAGES", MAX_PAGES),
        ("MAX_FLAGS", MAX_FLAGS),
        ("MAX_TLB_CAPACITY", usize::from(MAX_TLB_CAPACITY)),
        ("MAX_PROGRAM_LEN", MAX_PROGRAM_LEN),
        ("MAX_STEPS", MAX_STEPS),
    ] {
        let row = DOC
            .lines()
            .find(|l| l.contains(&format!("(`{name}`)")))
            .unwrap_or_else(|| panic!("{name} is not in the limits table"));
        assert!(
            row.contains(&format!(" {value} (`{name}`)")),
            "{name} = {value}: {row}"
        );
    }
}

/// The explorer's default state bound, as the limits table, `tlbsim --help` and
/// the code say it (the table said 2,000,000 while the code said 50,000,000).
#[test]
fn the_documented_state_bound_is_the_default() {
    let max = sim_core::ExploreConfig::default().max_states;
    let with_commas = max
        .to_string()
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(",");
    let row = DOC
        .lines()
        .find(|l| l.contains("`ExploreConfig::max_states`"))
        .expect("the explorer row of the limits table");
    assert!(
        row.contains(&format!("({with_commas} by default")),
        "{max}: {row}"
    );
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_tlbsim"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains(&format!("Default: {max}.")), "{help}");
}
