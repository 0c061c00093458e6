//! The litmus tests of every built-in x kernel, held against their golden files in
//! tests/litmus/: the export must not drift from the text herd7 was run on, and
//! herd7's recorded answer (NAME.herd, its output verbatim) must agree with the
//! explorer for every kind of violation. `cargo xtask herd` re-runs herd7 itself.
//! Set `TLBRACE_BLESS=1` to rewrite the .litmus files after reading the change;
//! the .herd files only herd7 writes (`cargo xtask herd --bless`).

use std::path::PathBuf;

use sim_core::litmus::{self, HerdAnswer, Litmus};
use sim_core::{explore, scenario, ExploreConfig, Mitigation, Model, Scenario, ViolationKind};

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/litmus")
        .join(name)
}

fn read(name: &str) -> Option<String> {
    std::fs::read_to_string(golden(name)).ok()
}

/// The export of a scenario under a kernel, along its default schedule.
fn exported(s: &Scenario, m: Mitigation) -> Result<Litmus, litmus::Refusal> {
    let schedule = s.default_schedule().to_vec();
    litmus::export(&Model::new(s.clone(), m), &schedule)
}

/// The scenarios with golden tests: every built-in, and the scenario files in
/// tests/litmus/fixtures/ (shapes no built-in has, such as a walk over two
/// PTE tables).
fn cases() -> Vec<Scenario> {
    let mut all = scenario::builtins();
    let mut files: Vec<PathBuf> = std::fs::read_dir(golden("fixtures"))
        .expect("tests/litmus/fixtures")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let s = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            !scenario::is_builtin(s.name()),
            "{}: a built-in's name",
            file.display()
        );
        all.push(s);
    }
    all
}

/// The line `cargo xtask herd` writes after herd7's output (and in a
/// .undecided file): the FNV-1a 64 digest of the litmus test herd7 was run on,
/// without its header comment (which herd7 skips), so that an answer recorded
/// on an older test is caught here, where herd7 is not installed.
/// xtask/src/herd.rs computes the same digest.
fn input_line(text: &str) -> String {
    let body = match (text.find("(*"), text.find("*)")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &text[..a], &text[b + 2..]),
        _ => text.to_string(),
    };
    let digest = body.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("Input fnv1a64 {digest:016x}")
}

/// The kinds herd7 can decide (a deadlock is about progress, not values).
const KINDS: [ViolationKind; 3] = [
    ViolationKind::StaleWrite,
    ViolationKind::AccessAfterUnmap,
    ViolationKind::LostWrite,
];

#[test]
fn exports_match_their_golden_text_and_herd7_agrees_with_the_explorer() {
    let bless = std::env::var_os("TLBRACE_BLESS").is_some();
    let mut decided = 0;
    let mut undecided = Vec::new();
    for s in cases() {
        for m in Mitigation::ALL {
            let base = format!("{}-{m}", s.name());
            match exported(&s, m) {
                Err(refusal) => {
                    let text = format!("{refusal}\n");
                    if bless {
                        std::fs::write(golden(&format!("{base}.refused")), &text).unwrap();
                    }
                    assert_eq!(
                        read(&format!("{base}.refused")).as_deref(),
                        Some(text.as_str()),
                        "{base}: refusal changed"
                    );
                    continue;
                }
                Ok(t) => {
                    if bless {
                        std::fs::write(golden(&format!("{base}.litmus")), &t.text).unwrap();
                    }
                    let want = read(&format!("{base}.litmus")).unwrap_or_default();
                    assert!(want == t.text, "{base}: the export differs from tests/litmus/{base}.litmus (TLBRACE_BLESS=1 rewrites it; then run cargo xtask herd)");
                    let report = explore(&Model::new(s.clone(), m), ExploreConfig::default());
                    assert!(report.complete, "{base}: exploration incomplete");
                    let input = input_line(&t.text);
                    let Some(out) = read(&format!("{base}.herd")) else {
                        let why = read(&format!("{base}.undecided"))
                            .unwrap_or_else(|| panic!("{base}: neither .herd nor .undecided"));
                        assert!(
                            why.lines().any(|l| l == input),
                            "{base}.undecided was written for another text of {base}.litmus: run cargo xtask herd --bless {base}"
                        );
                        undecided.push(format!("{base}: {}", why.trim()));
                        continue;
                    };
                    assert!(
                        out.lines().any(|l| l == input),
                        "{base}.herd is herd7's answer on another text of {base}.litmus: run cargo xtask herd --bless {base}"
                    );
                    let answer = HerdAnswer::parse(&out)
                        .unwrap_or_else(|| panic!("{base}.herd is not herd7's answer:\n{out}"));
                    assert_eq!(answer.name, t.name, "{base}");
                    for kind in KINDS {
                        let herd = t
                            .clauses
                            .iter()
                            .filter(|c| c.kind == kind)
                            .any(|c| answer.satisfies(c));
                        assert_eq!(
                            herd,
                            report.reachable(kind),
                            "{base}: herd7 says {} is {}reachable, the explorer {}",
                            kind.name(),
                            if herd { "" } else { "not " },
                            if report.reachable(kind) {
                                "does"
                            } else {
                                "does not"
                            }
                        );
                    }
                    let any = t.clauses.iter().any(|c| answer.satisfies(c));
                    assert_eq!(
                        any,
                        answer.allowed(),
                        "{base}: herd7's states and its observation disagree"
                    );
                    assert_eq!(
                        answer.allowed(),
                        report.verdict() != sim_core::Verdict::Safe,
                        "{base}"
                    );
                    decided += 1;
                }
            }
        }
    }
    eprintln!("{decided} tests decided by herd7; undecided: {undecided:#?}");
    assert!(decided > 0);
}

/// The seed race's test says what the correspondences say, in herd7's
/// syntax: the PTE, the TLBI with its DSB ISHST, the flag behind a CBZ, the
/// fix's VMALLE1IS with the comment about ASIDs, and ISB for the return.
#[test]
fn the_seed_race_test_uses_the_correspondences() {
    let t = exported(
        &scenario::builtin("seed-race").unwrap(),
        Mitigation::FlushTlbMm,
    )
    .unwrap();
    for want in [
        "pte_p=(oa:phy_p,valid:1);",
        "(oa:phy_p,valid:0)",
        " DSB ISHST",
        "TLBI VALE1IS,X",
        "CBZ W",
        "TLBI VMALLE1IS",
        "herd7 has no ASIDs",
        " ISB",
        "~fault(P1:L",
        "pte_kva_p=(oa:phy_p,valid:1);",
    ] {
        assert!(t.text.contains(want), "lacks {want:?}:\n{}", t.text);
    }
    let dsb = exported(&scenario::builtin("seed-race").unwrap(), Mitigation::Dsb).unwrap();
    assert!(!dsb.text.contains("TLBI VMALLE1IS"));
    let none = exported(&scenario::builtin("seed-race").unwrap(), Mitigation::None).unwrap();
    assert!(!none.text.contains("CBZ"), "the old kernel reads no flag");
}

/// A schedule that leaves a task unfinished is refused with the reason.
#[test]
fn an_unfinished_schedule_is_refused() {
    let s = scenario::builtin("seed-race").unwrap();
    let schedule = s.default_schedule()[..3].to_vec();
    let e = litmus::export(&Model::new(s, Mitigation::Dsb), &schedule).unwrap_err();
    assert!(e.to_string().contains("has not finished"), "{e}");
}

/// herd7's output is read back: states, faults and the observation.
#[test]
fn herd7_output_parses() {
    let out = "Test t Allowed\nStates 2\n1:X4=0; Fault(P1:L0,p,MMU:Translation);\n1:X4=1;  ~Fault(P1:L0,p); 1:X5=(oa:PA(p), valid:0);\nOk\nWitnesses\nPositive: 1 Negative: 3\nCondition exists (1:X4=1)\nObservation t Sometimes 1 3\nTime t 0.03\n";
    let a = HerdAnswer::parse(out).unwrap();
    assert_eq!(a.observation, "Sometimes");
    assert_eq!(a.states.len(), 2);
    assert_eq!(
        a.states[1].faults.get(&("P1:L0".into(), "p".into())),
        Some(&false)
    );
    assert_eq!(
        a.states[1].values.get("1:X5").map(String::as_str),
        Some("(oa:PA(p), valid:0)")
    );
    assert!(HerdAnswer::parse("Warning: File \"x\", line 3: unexpected 'S1'").is_none());
}

/// A state count larger than the output (here the one `cargo xtask fuzz
/// --cases 1000000` found, which made the reader ask for 10 TB) is no answer,
/// not an allocation.
#[test]
fn a_huge_state_count_is_no_answer() {
    let out = "Test t Allowed\nStates 10666666666656\n1:X4=0;\nObservation t Sometimes 1 3\n";
    assert_eq!(HerdAnswer::parse(out), None);
}

/// The digest of a recorded answer covers what herd7 reads: rewording the
/// header comment keeps it, changing an instruction voids it.
#[test]
fn the_input_digest_skips_the_comment_only() {
    let t = exported(&scenario::builtin("seed-race").unwrap(), Mitigation::Dsb)
        .unwrap()
        .text;
    let reworded = t.replacen("(*", "(* reworded", 1);
    assert_ne!(t, reworded);
    assert_eq!(input_line(&t), input_line(&reworded));
    // The last DSB ISHST is an instruction (the first is in the comment).
    let at = t.rfind("DSB ISHST").unwrap();
    assert!(at > t.find("*)").unwrap());
    let changed = format!("{}DSB ISH{}", &t[..at], &t[at + "DSB ISHST".len()..]);
    assert_ne!(input_line(&t), input_line(&changed));
}
