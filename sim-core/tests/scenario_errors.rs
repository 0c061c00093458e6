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
        "{\n  \"format\": 1,\n  oops\n}",
        3,
        3,
        "key must be a string",
    );
    let trailing = edit("\"asid\": 1,", "\"asid\": 1,,");
    check_syntax(&trailing, 6, 13, "key must be a string");
    check_syntax(
        "42",
        1,
        2,
        "invalid type: integer `42`, expected struct ScenarioFile",
    );
}

/// serde reports errors inside an operation once the whole operation is read, so
/// line and column point just past it; the field path in front of the message
/// names the operation exactly.
#[test]
fn unknown_operations_and_fields_are_named_with_their_position() {
    let op = edit(
        "\"op\": \"try_to_unmap_flush\"",
        "\"op\": \"try_to_unmap_flsh\"",
    );
    check_syntax(
        &op,
        21,
        35,
        "cpus[0].program[2].op: unknown variant `try_to_unmap_flsh`, expected one of `read`, `write`",
    );
    let field = edit("\"asid\": 1,", "\"asid\": 1, \"asdi\": 2,");
    check_syntax(
        &field,
        6,
        19,
        "asdi: unknown field `asdi`, expected one of `format`",
    );
    let op_field = edit(
        "{ \"op\": \"try_to_unmap_flush\" }",
        "{ \"op\": \"try_to_unmap_flush\", \"page\": \"P\" }",
    );
    check_syntax(
        &op_field,
        22,
        8,
        "cpus[0].program[2]: unknown field `page`, there are no fields",
    );
    let missing = edit(
        "{ \"op\": \"swap_writepage\", \"page\": \"P\" }",
        "{ \"op\": \"swap_writepage\" }",
    );
    check_syntax(&missing, 23, 7, "cpus[0].program[3]: missing field `page`");
    let value = edit("\"value\": 2", "\"value\": 256");
    check_syntax(
        &value,
        34,
        7,
        "cpus[1].program[4]: invalid value: integer `256`, expected u8",
    );
}

#[test]
fn format_version() {
    check(
        &edit("\"format\": 1", "\"format\": 2"),
        "format: version 2 is not supported: this tlbsim reads version 1",
    );
}

#[test]
fn pages() {
    check(
        &edit(
            "{ \"op\": \"change_pte_range\", \"page\": \"P\" }",
            "{ \"op\": \"change_pte_range\", \"page\": \"X\" }",
        ),
        "cpus[1].program[2].page: page \"X\" is not mapped (pages: P, Q, R)",
    );
    check(
        &edit("\"tlb\": [\"Q\", \"R\"]", "\"tlb\": [\"Q\", \"S\"]"),
        "cpus[1].tlb[1]: page \"S\" is not mapped (pages: P, Q, R)",
    );
    check(
        &edit("\"tlb\": [\"Q\", \"R\"]", "\"tlb\": [\"Q\", \"Q\"]"),
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
        &edit("\"pfn\": 2212", "\"pfn\": 2210"),
        "pages[2].pfn: 0x8a2 is also the pfn of pages[0]",
    );
    check(
        &edit("\"name\": \"R\"", "\"name\": \"R R\""),
        "pages[2].name: \"R R\" must be 1 to 8 ASCII letters, digits, '-' or '_'",
    );
}

#[test]
fn cpus() {
    let cpu = r#"{ "role": "idle", "program": [] }"#;
    let nine = format!("\"cpus\": [{}", [cpu; 7].map(|c| format!("{c}, ")).concat());
    check(
        &edit("\"cpus\": [", &nine),
        "cpus: must list 1 to 8 CPUs, not 9",
    );
    let none = r#"{"format": 1, "name": "x", "title": "t", "story": "", "pages": [{"name": "P", "vpn": 1, "pfn": 1}], "cpus": []}"#;
    check(none, "cpus: must list 1 to 8 CPUs, not 0");
    check(
        &edit(
            "{ \"op\": \"try_to_unmap_flush\" }",
            "{ \"op\": \"switch_to\", \"to\": 5 }",
        ),
        "cpus[0].program[2].to: CPU5 does not exist (the scenario has 2 CPUs)",
    );
    check(
        &edit(
            "{ \"op\": \"try_to_unmap_flush\" }",
            "{ \"op\": \"switch_to\", \"to\": 0 }",
        ),
        "cpus[0].program[2].to: a task cannot migrate to the CPU it is on",
    );
    check(
        &edit("{ \"op\": \"try_to_unmap_flush\" }", "{ \"op\": \"switch_to\", \"to\": 1 }"),
        "cpus[0].program[2]: switch_to needs exactly one matching switch_in in CPU1's program (and itself once)",
    );
    check(
        &edit("\"s1,s0,s0,", "\"s1,s0,s2,"),
        "default_schedule[2]: CPU2 does not exist (the scenario has 2 CPUs)",
    );
    check(
        &edit("\"s1,s0,s0,", "\"s1,s0,t0,"),
        "default_schedule: event 2 of the schedule: an event is sN (step CPU N) or dI>T (deliver CPU I's TLBI to CPU T) in \"t0\"",
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
    let write = r#"{ "op": "write", "page": "P", "value": 2 }"#;
    let long = format!("{write}{}", format!(", {write}").repeat(32));
    check(
        &edit(write, &long),
        "cpus[1].program: at most 32 operations, not 37",
    );
    check(
        &edit(
            "\"title\": \"Reclaim defers a flush; mprotect() on another CPU misses it\"",
            "\"title\": \" \"",
        ),
        "title: must not be empty",
    );
}

#[test]
fn page_table_lock_pairing() {
    check(
        &edit("{ \"op\": \"set_tlb_ubc_flush_pending\", \"page\": \"P\" },", ""),
        "cpus[0].program[0]: ptep_get_and_clear takes the page-table lock but the program ends without dropping it",
    );
    check(
        &edit("{ \"op\": \"change_pte_range\", \"page\": \"P\" },", "{ \"op\": \"flush_tlb_batched_pending\" },"),
        "cpus[1].program[2]: flush_tlb_batched_pending takes the page-table lock, which this CPU already holds since program[1] (flush_tlb_batched_pending); drop it first with set_tlb_ubc_flush_pending or change_pte_range",
    );
}

#[test]
fn traces_prefix_scenario_fields() {
    let trace = |scenario: &str| {
        format!("{{\"format\": 1, \"mitigation\": \"dsb\", \"schedule\": \"s1\", \"scenario\": {scenario}}}")
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
        .starts_with("schedule: event 1 of the schedule"));
    let bad_mitigation = trace(seed()).replace("\"dsb\"", "\"tlbi\"");
    let error = scenario::import(&bad_mitigation).unwrap_err().to_string();
    assert!(error.starts_with("line 1, column "), "{error}");
    assert!(error.contains("unknown variant `tlbi`"), "{error}");
}
