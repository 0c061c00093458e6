//! docs/scenario-format.md stays true: its full example is the seed-race file, and
//! it documents every operation and every field.

const DOC: &str = include_str!("../../docs/scenario-format.md");

#[test]
fn the_full_example_is_the_seed_race_file() {
    let start = DOC.find("```json\n").expect("a JSON example") + "```json\n".len();
    let len = DOC[start..].find("```").unwrap();
    let example = &DOC[start..start + len];
    assert_eq!(
        example,
        sim_core::scenario::builtin_json("seed-race").unwrap()
    );
}

#[test]
fn every_operation_and_field_is_documented() {
    use sim_core::{CpuId, Op};
    let p = || "P".to_string();
    let ops: [Op<String>; 14] = [
        Op::Read { page: p() },
        Op::Write {
            page: p(),
            value: 0,
        },
        Op::PtepGetAndClear { page: p() },
        Op::SetTlbUbcFlushPending { page: p() },
        Op::TryToUnmapFlush,
        Op::SwapWritepage { page: p() },
        Op::FlushTlbBatchedPending,
        Op::ChangePteRange { page: p() },
        Op::MprotectReturn { page: p() },
        Op::SwitchTo { to: CpuId(1) },
        Op::SwitchIn { from: CpuId(1) },
        Op::TlbiVa { page: p() },
        Op::TlbiAside,
        Op::DsbIsh,
    ];
    for op in &ops {
        assert!(
            DOC.contains(&format!("| `{}` |", op.name())),
            "{} undocumented",
            op.name()
        );
    }
    let file = sim_core::scenario::builtin("seed-race").unwrap().to_file();
    let json = serde_json::to_value(&file).unwrap();
    let fields = json
        .as_object()
        .unwrap()
        .keys()
        .chain(json["pages"][0].as_object().unwrap().keys())
        .chain(json["cpus"][0].as_object().unwrap().keys());
    for field in fields {
        assert!(
            DOC.contains(&format!("| `{field}` |")),
            "field {field} undocumented"
        );
    }
}
