//! `src/builtins.rs` is generated from the built-in scenarios' files
//! (`scenarios/*.json`, the source of truth): the same values, written in Rust, so
//! that a program which only shows built-in scenarios (the web app's first
//! download) carries no JSON reader. This test regenerates the file and fails
//! when it was out of date (as rust-analyzer's sourcegen tests do): run
//! `cargo test -p sim-core --test sourcegen` after changing a scenario file and
//! commit the result.

use std::fmt::Write as _;

use sim_core::scenario::{self, ScenarioFile};
use sim_core::{Call, Scenario};

fn lit(s: &str) -> String {
    // Debug of a str is a valid Rust string literal (quotes, backslashes and
    // control characters escaped).
    format!("{s:?}")
}

fn call(c: &Call<String>) -> String {
    let list = |pages: &[String]| {
        let items: Vec<String> = pages.iter().map(|p| lit(p)).collect();
        format!("&[{}]", items.join(", "))
    };
    match c {
        Call::Read { page } => format!("Read {{ page: s({}) }}", lit(page)),
        Call::Write { page, value } => {
            format!("Write {{ page: s({}), value: {value} }}", lit(page))
        }
        Call::Signal { flag } => format!("Signal {{ flag: s({}) }}", lit(flag)),
        Call::Wait { flag } => format!("Wait {{ flag: s({}) }}", lit(flag)),
        Call::Mprotect { pages } => format!("Mprotect {{ pages: v({}) }}", list(pages)),
        Call::Munmap { pages } => format!("Munmap {{ pages: v({}) }}", list(pages)),
        Call::MadviseDontneed { pages } => {
            format!("MadviseDontneed {{ pages: v({}) }}", list(pages))
        }
        Call::Mremap { page, to } => {
            format!("Mremap {{ page: s({}), to: s({}) }}", lit(page), lit(to))
        }
        Call::TryToUnmapOne { page } => format!("TryToUnmapOne {{ page: s({}) }}", lit(page)),
        Call::TryToUnmapFlushDirty => "TryToUnmapFlushDirty".into(),
        Call::TryToUnmapFlush => "TryToUnmapFlush".into(),
        Call::Pageout { page } => format!("Pageout {{ page: s({}) }}", lit(page)),
        Call::FreeFolio { page } => format!("FreeFolio {{ page: s({}) }}", lit(page)),
        Call::Migrate { to } => format!("Migrate {{ to: CpuId({}) }}", to.0),
        Call::CondResched => "CondResched".into(),
        Call::TlbiVa { page } => format!("TlbiVa {{ page: s({}) }}", lit(page)),
        Call::TlbiAside => "TlbiAside".into(),
        Call::DsbIsh => "DsbIsh".into(),
    }
}

fn function_name(name: &str) -> String {
    name.replace('-', "_")
}

fn scenario_fn(out: &mut String, f: &ScenarioFile) {
    let w = out;
    writeln!(w, "fn {}() -> ScenarioFile {{", function_name(&f.name)).unwrap();
    writeln!(w, "    ScenarioFile {{").unwrap();
    writeln!(w, "        format: {},", f.format).unwrap();
    writeln!(w, "        name: s({}),", lit(&f.name)).unwrap();
    writeln!(w, "        title: s({}),", lit(&f.title)).unwrap();
    writeln!(w, "        story: s({}),", lit(&f.story)).unwrap();
    writeln!(w, "        asid: {},", f.asid).unwrap();
    writeln!(w, "        tlb_capacity: {},", f.tlb_capacity).unwrap();
    writeln!(w, "        switch_to_dsb: {},", f.switch_to_dsb).unwrap();
    writeln!(w, "        arch: Arch::{:?},", f.arch).unwrap();
    writeln!(w, "        pages: vec![").unwrap();
    for p in &f.pages {
        writeln!(
            w,
            "            page({}, {}, {}, {}, {}, {}),",
            lit(&p.name),
            p.vpn,
            p.pfn,
            p.writable,
            p.present,
            p.data
        )
        .unwrap();
    }
    writeln!(w, "        ],").unwrap();
    writeln!(w, "        cpus: vec![").unwrap();
    for c in &f.cpus {
        let tlb: Vec<String> = c.tlb.iter().map(|p| lit(p)).collect();
        writeln!(w, "            cpu(&[{}]),", tlb.join(", ")).unwrap();
    }
    writeln!(w, "        ],").unwrap();
    writeln!(w, "        tasks: vec![").unwrap();
    for t in &f.tasks {
        writeln!(
            w,
            "            task({}, {}, {}, vec![",
            lit(&t.name),
            lit(&t.role),
            t.cpu
        )
        .unwrap();
        for c in &t.program {
            writeln!(w, "                {},", call(c)).unwrap();
        }
        writeln!(w, "            ]),").unwrap();
    }
    writeln!(w, "        ],").unwrap();
    writeln!(
        w,
        "        default_schedule: s({}),",
        lit(&f.default_schedule)
    )
    .unwrap();
    writeln!(w, "    }}").unwrap();
    writeln!(w, "}}").unwrap();
}

fn generate() -> String {
    let names: Vec<&str> = scenario::builtin_names().collect();
    let mut out = String::from(
        "//! The built-in scenarios as Rust values. GENERATED from `scenarios/*.json` by\n\
         //! `cargo test -p sim-core --test sourcegen` (tests/sourcegen.rs), which fails\n\
         //! while this file differs from what it generates: edit the JSON, not this.\n\
         //! Rust rather than JSON so that showing a built-in scenario reads no JSON.\n\
         \n\
         use crate::arch::Arch;\n\
         use crate::op::Call::*;\n\
         use crate::op::CpuId;\n\
         use crate::scenario::{CpuSpec, PageSpec, ScenarioFile, TaskSpec};\n\
         \n\
         fn s(text: &str) -> String {\n    text.to_string()\n}\n\
         \n\
         fn v(names: &[&str]) -> Vec<String> {\n    names.iter().map(|n| n.to_string()).collect()\n}\n\
         \n\
         fn page(name: &str, vpn: u32, pfn: u32, writable: bool, present: bool, data: u8) -> PageSpec {\n    \
             PageSpec {\n        name: s(name),\n        vpn,\n        pfn,\n        writable,\n        present,\n        data,\n    }\n}\n\
         \n\
         fn cpu(tlb: &[&str]) -> CpuSpec {\n    CpuSpec { tlb: v(tlb) }\n}\n\
         \n\
         fn task(name: &str, role: &str, cpu: u8, program: Vec<crate::op::Call<String>>) -> TaskSpec {\n    \
             TaskSpec {\n        name: s(name),\n        role: s(role),\n        cpu,\n        program,\n    }\n}\n",
    );
    writeln!(
        out,
        "\n/// The built-in scenarios' files, in the order of `scenario::builtin_names()`.\n\
         pub(crate) const FILES: [fn() -> ScenarioFile; {}] = [",
        names.len()
    )
    .unwrap();
    for name in &names {
        writeln!(out, "    {},", function_name(name)).unwrap();
    }
    out.push_str("];\n");
    for name in &names {
        let json = scenario::builtin_json(name).unwrap();
        let file: ScenarioFile = serde_json::from_str(json)
            .unwrap_or_else(|e| panic!("scenarios/{name}.json is not a format-2 file: {e}"));
        out.push('\n');
        scenario_fn(&mut out, &file);
    }
    out
}

#[test]
fn builtins_rs_is_what_the_json_files_say() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/builtins.rs");
    let want = generate();
    let have = std::fs::read_to_string(path).unwrap_or_default();
    if have != want {
        std::fs::write(path, &want).unwrap();
        panic!("src/builtins.rs was out of date with scenarios/*.json; it is regenerated now: check the diff and commit it");
    }
}

#[test]
fn each_builtin_equals_its_file_read_as_json() {
    for name in scenario::builtin_names() {
        let read = Scenario::from_json(scenario::builtin_json(name).unwrap()).unwrap();
        assert_eq!(scenario::builtin(name), Some(read), "{name}");
    }
}
