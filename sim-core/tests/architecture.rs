//! docs/ARCHITECTURE.md's invariants, checked against the sources (as
//! rust-analyzer's tidy tests do): what each layer must not know.

use std::fs;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The Rust files under `dir` (relative to the repository), recursively.
fn rust_files(dir: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![repo().join(dir)];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).unwrap();
                let name = path.strip_prefix(repo()).unwrap().display().to_string();
                out.push((name, text));
            }
        }
    }
    out.sort();
    out
}

/// The code of a Rust file without its comment lines (docs may name anything).
fn code(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

const DOC: &str = include_str!("../../docs/ARCHITECTURE.md");

#[test]
fn the_doc_states_the_invariants_checked_here() {
    for line in [
        "sim-core depends on no web crate",
        "`model.rs` does not use `narrative.rs`",
        "No component knows which build runs",
        "The reducer is pure",
    ] {
        assert!(DOC.contains(line), "docs/ARCHITECTURE.md lost {line:?}");
    }
}

#[test]
fn sim_core_depends_on_no_web_crate() {
    let manifest = read("sim-core/Cargo.toml");
    for web in [
        "web-sys",
        "wasm-bindgen",
        "js-sys",
        "yew",
        "gloo",
        "wasm-bindgen-futures",
    ] {
        assert!(
            !manifest.lines().any(|l| l.trim_start().starts_with(web)),
            "sim-core/Cargo.toml names {web}"
        );
    }
    for (file, text) in rust_files("sim-core/src") {
        for web in ["web_sys", "wasm_bindgen", "js_sys", "yew::"] {
            assert!(!code(&text).contains(web), "{file} uses {web}");
        }
    }
}

#[test]
fn model_rs_does_not_use_narrative() {
    let model = code(&read("sim-core/src/model.rs"));
    assert!(!model.contains("narrative"), "model.rs uses the narrative");
}

#[test]
fn no_component_knows_which_build_runs() {
    for (file, text) in rust_files("frontend/src/components") {
        for split in [
            "capabilities",
            "Capabilities",
            "teach::",
            "FULL",
            "builds::",
        ] {
            assert!(!code(&text).contains(split), "{file} names {split}");
        }
    }
    // Nor the reducer, nor sim-core.
    for file in [
        "frontend/src/state.rs",
        "frontend/src/view.rs",
        "frontend/src/route.rs",
    ] {
        let text = code(&read(file));
        assert!(
            !text.contains("capabilities"),
            "{file} knows the build split"
        );
    }
    for (file, text) in rust_files("sim-core/src") {
        let text = code(&text).to_lowercase();
        assert!(
            !text.contains("light build"),
            "{file} knows the build split"
        );
    }
    // boot.js reads one flag, not the permalink grammar or the modes.
    let boot = read("static/boot.js");
    for grammar in ["location.hash", "'compare'", "v\\d", "x\\."] {
        assert!(!boot.contains(grammar), "boot.js parses {grammar}");
    }
}

#[test]
fn the_reducer_is_pure() {
    let state = code(&read("frontend/src/state.rs"));
    for impure in [
        "web_sys",
        "js_sys",
        "gloo",
        "wasm_bindgen",
        "crate::browser",
        "performance",
        "thread_local",
        "static mut",
        "crate::app",
        "crate::components",
    ] {
        assert!(!state.contains(impure), "state.rs uses {impure}");
    }
}

#[test]
fn the_ui_does_not_derive_model_facts() {
    for (file, text) in rust_files("frontend/src") {
        let text = code(&text);
        assert!(
            !text.contains("<< 12"),
            "{file} computes an address: use Page::address"
        );
        assert!(
            !text.contains("is_stale("),
            "{file}: use sim_core::facts::staleness"
        );
    }
}

#[test]
fn every_frontend_module_is_on_the_map() {
    for dir in ["frontend/src"] {
        for entry in fs::read_dir(repo().join(dir)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().to_string();
            if name.ends_with(".rs") && name != "lib.rs" && name != "main.rs" {
                assert!(
                    DOC.contains(&name),
                    "docs/ARCHITECTURE.md does not name {dir}/{name}"
                );
            }
        }
    }
}
