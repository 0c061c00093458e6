//! Bad scenario files: each error says where (line and column, or the field path)
//! and what is wrong. Every case edits the seed-race file in one place.

use sim_core::scenario::{self, ScenarioError};
use sim_core::Scenario;

fn seed() -> &'static str {
    scenario::builtin_json("seed-race").unwrap()
}

/// The seed-race file with `from` replaced by `to` (which must occur).
fn edit(from: &str, to: &str) -> String {
    assert!(seed().contains(from), "{from:?} is not in seed-race.json");
    seed().replacen(from, to, 1)
}

/// Loads `text` expecting an error whose text is exactly `expect`, through both
/// entry points (a plain scenario and the same scenario inside a trace).
fn check(text: &str, expect: &str) {
    let error = Scenario::from_json(text).expect_err("the file is bad");
    assert_eq!(error.to_string(), expect);
    let imported = scenario::import(text).expect_err("the file is bad");
    assert_eq!(imported.to_string(), expect);
}

/// Like [`check`] but only asserting where the error points and part of the message.
fn check_syntax(text: &str, line: usize, column: usize, message: &str) {
    match Scenario::from_json(text) {
        Err(ScenarioError::Syntax {
            line: l,
            column: c,
            message: m,
        }) => {
            assert_eq!((l, c), (line, column), "{m}");
            assert!(
                m.starts_with(message),
                "{m:?} does not start with {message:?}"
            );
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn every_builtin_is_valid_and_round_trips() {
    for name in scenario::builtin_names() {
        let s = Scenario::from_json(scenario::builtin_json(name).unwrap()).unwrap();
        assert_eq!(s.name(), name);
        let again = s.to_file().validate().unwrap();
        assert_eq!(again, s, "{name}: to_file() does not validate back");
    }
}

#[test]
fn syntax_errors_have_line_and_column() {
    check_syntax("", 1, 0, "EOF while parsing");
    check_syntax(
        "{\n  \"format\": 2,\n  oops\n}",
        3,
        3,
        "key must be a string",
    );
    let trailing = edit("\"asid\": 1,", "\"asid\": 1,,");
    check_syntax(&trailing, 6, 13, "key must be a string");
    check_syntax(
        "{\"format\": 2, \"name\": ",
        1,
        22,
        "name: EOF while parsing a value",
    );
}

#[test]
fn not_an_object() {
    check("42", "(file): a scenario is a JSON object, not a number");
    check(
        "[1, 2]",
        "(file): a scenario is a JSON object, not an array",
    );
    check("{}", "format: missing: write \"format\": 2");
    check(
        "{\"format\": \"2\"}",
        "format: must be a version number: 2 (or 1 for old files)",
    );
}

/// serde reports errors inside a call once the whole call is read, so line and
/// column point just past it; the field path in front of the message names the
/// call exactly.
#[test]
fn unknown_calls_and_fields_are_named_with_their_position() {
    let op = edit(
        "\"op\": \"try_to_unmap_flush\"",
        "\"op\": \"try_to_unmap_flsh\"",
    );
    check_syntax(
        &op,
        58,
        35,
        "tasks[0].program[3].op: unknown variant `try_to_unmap_flsh`, expected one of `read`, `write`",
    );
    let field = edit("\"asid\": 1,", "\"asid\": 1, \"asdi\": 2,");
    check_syntax(
        &field,
        6,
        19,
        "asdi: unknown field `asdi`, expected one of `format`",
    );
    let op_field = edit(
        "\"op\": \"try_to_unmap_flush\"",
        "\"op\": \"try_to_unmap_flush\", \"page\": \"P\"",
    );
    check_syntax(
        &op_field,
        60,
        8,
        "tasks[0].program[3]: unknown field `page`, there are no fields",
    );
    let missing = edit(
        "\"op\": \"pageout\",\n          \"page\": \"P\"",
        "\"op\": \"pageout\"",
    );
    check_syntax(&missing, 56, 8, "tasks[0].program[2]: missing field `page`");
    let value = edit("\"value\": 2", "\"value\": 256");
    check_syntax(
        &value,
        87,
        7,
        "tasks[1].program[2]: invalid value: integer `256`, expected u8",
    );
    // The fields of format 1 are not format 2's.
    let role = edit("\"tlb\": []", "\"role\": \"kswapd\", \"tlb\": []");
    check_syntax(
        &role,
        31,
        12,
        "cpus[0].role: unknown field `role`, expected `tlb`",
    );
}

#[test]
fn format_version() {
    check(
        &edit("\"format\": 2", "\"format\": 3"),
        "format: version 3 is not supported: this tlbsim reads versions 1 and 2",
    );
    // A format-2 file marked as format 1 is read as format 1, and refused as such.
    check(
        &edit("\"format\": 2", "\"format\": 1"),
        "line 32, column 5: cpus[0]: missing field `role`",
    );
}

#[test]
fn pages() {
    check(
        &edit(
            "\"op\": \"mprotect\",\n          \"pages\": [\n            \"P\"",
            "\"op\": \"mprotect\",\n          \"pages\": [\n            \"X\"",
        ),
        "tasks[1].program[1].pages[0]: page \"X\" is not a page of the mm (pages: P, Q, R)",
    );
    check(
        &edit("\"Q\",\n        \"R\"", "\"Q\",\n        \"S\""),
        "cpus[1].tlb[1]: page \"S\" is not a page of the mm (pages: P, Q, R)",
    );
    check(
        &edit("\"Q\",\n        \"R\"", "\"Q\",\n        \"Q\""),
        "cpus[1].tlb[1]: page \"Q\" listed twice",
    );
    check(
        &edit("\"name\": \"Q\"", "\"name\": \"P\""),
        "pages[1].name: \"P\" is also the name of pages[0]",
    );
    check(
        &edit("\"vpn\": 1025", "\"vpn\": 1024"),
        "pages[1].vpn: 0x400 is also the vpn of pages[0]",
    );
    check(
        &edit("\"vpn\": 1025", "\"vpn\": 16777216"),
        "pages[1].vpn: 0x1000000 is above the model's 64 GB of virtual pages",
    );
    check(
        &edit("\"pfn\": 2212", "\"pfn\": 2210"),
        "pages[2].pfn: 0x8a2 is also the pfn of pages[0]",
    );
    check(
        &edit("\"name\": \"R\"", "\"name\": \"R R\""),
        "pages[2].name: \"R R\" must be 1 to 8 ASCII letters, digits, '-' or '_'",
    );
    check(
        &edit("\"name\": \"Q\",", "\"name\": \"Q\", \"present\": false,"),
        "cpus[1].tlb[0]: page \"Q\" is not mapped at the start, so no TLB caches it",
    );
}

#[test]
fn cpus_and_tasks() {
    let seventeen = format!("\"cpus\": [{}", "{ \"tlb\": [] }, ".repeat(15));
    check(
        &edit("\"cpus\": [", &seventeen),
        "cpus: must list 1 to 16 CPUs, not 17",
    );
    check(
        &edit("\"cpu\": 1,", "\"cpu\": 2,"),
        "tasks[1].cpu: CPU2 does not exist (the scenario has 2 CPUs)",
    );
    check(
        &edit("\"name\": \"thread1\"", "\"name\": \"kswapd0\""),
        "tasks[1].name: \"kswapd0\" is also the name of tasks[0]",
    );
    let mut none: serde_json::Value = serde_json::from_str(seed()).unwrap();
    none["tasks"] = serde_json::json!([]);
    none["default_schedule"] = serde_json::json!("");
    check(&none.to_string(), "tasks: must list 1 to 16 tasks, not 0");
    let migrate = |to: u8| {
        edit(
            "\"op\": \"try_to_unmap_flush\"",
            &format!("\"op\": \"try_to_unmap_flush\" }}, {{ \"op\": \"migrate\", \"to\": {to}"),
        )
    };
    check(
        &migrate(5),
        "tasks[0].program[4].to: CPU5 does not exist (the scenario has 2 CPUs)",
    );
    check(
        &migrate(0),
        "tasks[0].program[4].to: the task is already on CPU0 here",
    );
    check(
        &edit("\"s1,s0,s0,", "\"s1,s0,s2,"),
        "default_schedule[2]: s2 does not replay on the dsb kernel: CPU2 does not exist (this scenario has 2 CPUs)",
    );
    check(
        &edit("\"s1,s0,s0,", "\"s1,s0,t0,"),
        "default_schedule[2]: an event is sN (step CPU N) or dI>T (deliver CPU I's TLBI to CPU T) in \"t0\"",
    );
}

#[test]
fn flags() {
    let call = |op: &str, flag: &str| {
        edit(
            "\"op\": \"try_to_unmap_flush\"",
            &format!(
                "\"op\": \"try_to_unmap_flush\" }}, {{ \"op\": \"{op}\", \"flag\": \"{flag}\""
            ),
        )
    };
    check(
        &call("wait", "done"),
        "tasks[0].program[4].flag: no task signals \"done\", so this wait could never end",
    );
    check(
        &call("signal", "a b"),
        "tasks[0].program[4].flag: \"a b\" must be 1 to 16 ASCII letters, digits, '-' or '_'",
    );
}

#[test]
fn limits() {
    check(
        &edit("\"tlb_capacity\": 4", "\"tlb_capacity\": 0"),
        "tlb_capacity: must be 1 to 16, not 0",
    );
    check(
        &edit("\"tlb_capacity\": 4", "\"tlb_capacity\": 17"),
        "tlb_capacity: must be 1 to 16, not 17",
    );
    check(
        &edit("\"tlb_capacity\": 4", "\"tlb_capacity\": 1"),
        "cpus[1].tlb: 2 entries do not fit a TLB of capacity 1",
    );
    check(
        &edit("\"asid\": 1", "\"asid\": 0"),
        "asid: ASID 0 is reserved; use 1 or more",
    );
    let write = "{\n          \"op\": \"write\",\n          \"page\": \"P\",\n          \"value\": 2\n        }";
    let long = format!("{write}{}", format!(", {write}").repeat(30));
    check(
        &edit(write, &long),
        "tasks[1].program: at most 32 calls, not 33",
    );
    // 32 calls of mprotect over three pages: 7 steps each, over the 200 steps a task may take.
    let pages = "\"pages\": [\n            \"P\"\n          ]";
    let mprotect = "{ \"op\": \"mprotect\", \"pages\": [\"P\", \"Q\", \"R\"] }";
    let many = format!("{mprotect}{}", format!(", {mprotect}").repeat(28));
    let text = edit(write, &many).replacen(pages, "\"pages\": [\"P\"]", 1);
    check(&text, "tasks[1].program: expands to more than 200 steps");
    check(
        &edit(
            "\"title\": \"Reclaim defers a flush; mprotect() on another CPU misses it\"",
            "\"title\": \" \"",
        ),
        "title: must not be empty or blank",
    );
    // Invisible or control characters alone are blank too; a title is one line.
    let title = "\"title\": \"Reclaim defers a flush; mprotect() on another CPU misses it\"";
    for blank in ["\\u200b", "\\ufeff", "\\u0001\\u0001", " \\u2060\\t"] {
        check(
            &edit(title, &format!("\"title\": \"{blank}\"")),
            "title: must not be empty or blank",
        );
    }
    for broken in ["a\\nb", "a\\rb", "a\\u2028b", "a\\u0085b"] {
        check(
            &edit(title, &format!("\"title\": \"{broken}\"")),
            "title: must be one line (no line breaks)",
        );
    }
    check(
        &edit("\"name\": \"seed-race\"", &format!("\"name\": \"{}\"", "x".repeat(41))),
        "name: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... (41 bytes)\" must be 1 to 40 ASCII letters, digits, '-' or '_'",
    );
}

#[test]
fn system_calls_take_one_range() {
    let pages = "\"pages\": [\n            \"P\"\n          ]";
    check(
        &edit(pages, "\"pages\": []"),
        "tasks[1].program[1].pages: must name at least one page",
    );
    check(
        &edit(pages, "\"pages\": [\"P\", \"R\"]"),
        "tasks[1].program[1].pages: a system call takes one range of consecutive pages, but \"P\" (0x400) and \"R\" (0x402) are not adjacent",
    );
    check(
        &edit(pages, "\"pages\": [\"P\", \"P\"]"),
        "tasks[1].program[1].pages: page \"P\" listed twice",
    );
}

/// What no kernel does is refused, with the field and why.
#[test]
fn reclaim_flows_no_kernel_runs() {
    let kswapd = "\"op\": \"try_to_unmap_one\",\n          \"page\": \"P\"\n        },";
    check(
        &edit(kswapd, "\"op\": \"dsb_ish\"\n        },"),
        "tasks[0].program[2].page: pageout of a page this task has not unmapped with try_to_unmap_one: reclaim writes out only pages it unmapped",
    );
    check(
        &edit("\"op\": \"try_to_unmap_flush_dirty\"", "\"op\": \"dsb_ish\""),
        "tasks[0].program[2].page: pageout before try_to_unmap_flush_dirty or try_to_unmap_flush: shrink_folio_list() flushes the batch before writing a dirty page",
    );
    check(
        &edit("\"op\": \"try_to_unmap_flush\"\n", "\"op\": \"dsb_ish\"\n"),
        "tasks[0].program[4].page: free_folio before try_to_unmap_flush: shrink_folio_list() completes the batch before freeing",
    );
    // thread1 reclaims P too.
    check(
        &edit(
            "\"op\": \"write\",\n          \"page\": \"P\",\n          \"value\": 2",
            "\"op\": \"try_to_unmap_one\",\n          \"page\": \"P\"",
        ),
        "tasks[1].program[2].page: this page is already reclaimed by tasks[0].program[0]: a folio is isolated by one reclaimer, once",
    );
    check(
        &edit(
            "\"op\": \"pageout\",\n          \"page\": \"P\"\n        },",
            "\"op\": \"pageout\",\n          \"page\": \"P\"\n        }, { \"op\": \"pageout\", \"page\": \"P\" },",
        ),
        "tasks[0].program[3].page: this page was already written out or freed",
    );
}

#[test]
fn mremap_targets() {
    let mremap = |page: &str, to: &str| {
        edit(
            "\"op\": \"mprotect\",\n          \"pages\": [\n            \"P\"\n          ]",
            &format!("\"op\": \"mremap\", \"page\": \"{page}\", \"to\": \"{to}\""),
        )
    };
    check(
        &mremap("P", "P"),
        "tasks[1].program[1].to: mremap to the same page",
    );
    check(
        &mremap("P", "Q"),
        "tasks[1].program[1].to: page \"Q\" is mapped at the start; an mremap target must have \"present\": false",
    );
}

#[test]
fn traces_prefix_scenario_fields() {
    let trace = |scenario: &str| {
        format!("{{\"format\": 2, \"mitigation\": \"dsb\", \"schedule\": \"s1\", \"scenario\": {scenario}}}")
    };
    let imported = scenario::import(&trace(seed())).unwrap();
    assert_eq!(imported.mitigation, Some(sim_core::Mitigation::Dsb));
    assert_eq!(imported.schedule.unwrap().len(), 1);
    let bad = edit("\"asid\": 1", "\"asid\": 0");
    assert_eq!(
        scenario::import(&trace(&bad)).unwrap_err().to_string(),
        "scenario.asid: ASID 0 is reserved; use 1 or more"
    );
    let bad_schedule = trace(seed()).replace("\"s1\"", "\"s1,,\"");
    assert!(scenario::import(&bad_schedule)
        .unwrap_err()
        .to_string()
        .starts_with("schedule[1]: "));
    let bad_mitigation = trace(seed()).replace("\"dsb\"", "\"tlbi\"");
    let error = scenario::import(&bad_mitigation).unwrap_err().to_string();
    assert!(error.starts_with("line 1, column "), "{error}");
    assert!(error.contains("unknown variant `tlbi`"), "{error}");
}

/// A trace made before format 2 carries a format-1 scenario and a format-1
/// schedule: both are translated (one v1 step can be several v2 steps).
#[test]
fn format_1_traces_are_translated() {
    let v1 = sim_core::v1::builtin_v1("seed-race").unwrap();
    let trace = format!(
        "{{\"format\": 1, \"mitigation\": \"none\", \"schedule\": \"s1,s0,s0,s1\", \"scenario\": {v1}}}"
    );
    let imported = scenario::import(&trace).unwrap();
    assert_eq!(imported.mitigation, Some(sim_core::Mitigation::None));
    // v1: write P; ptep_get_and_clear; set_tlb_ubc_flush_pending; flush_tlb_batched_pending,
    // which in format 2 is mprotect's pte_offset_map_lock and flush_tlb_batched_pending.
    assert_eq!(
        sim_core::format_schedule(&imported.schedule.unwrap()),
        "s1,s0,s0,s1,s1"
    );
    assert_eq!(imported.scenario.tasks()[0].name, "kswapd0");
    assert_eq!(imported.scenario.tasks()[1].name, "thread1");
}
