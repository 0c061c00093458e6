//! `cargo xtask bench`: builds the release app and the floor (a minimal Yew counter
//! app built the same way), runs the native explorer bench, serves both on 127.0.0.1
//! and runs `e2e/bench.js`, which prints one table of every figure with its budget
//! and writes the same figures to `target/bench.json` (issue 7, docs/performance.md).

use crate::cmd::{self, root};
use crate::{app, failed, server, tools, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The floor: a counter app with the same release profile, the same wasm-bindgen
/// and the same Trunk settings (wasm-opt z) as the app. `[workspace]` makes it a
/// project of its own, not a member of ours.
const FLOOR_FILES: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        r#"[package]
name = "floor"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
yew = { version = "0.23", features = ["csr"] }
wasm-bindgen = "=WASM_BINDGEN_VERSION"

[profile.release]
opt-level = "z"
lto = true
codegen-units = 1
panic = "abort"
"#,
    ),
    (
        "src/main.rs",
        r#"use yew::prelude::*;

#[component]
fn App() -> Html {
    let count = use_state(|| 0u32);
    let onclick = {
        let count = count.clone();
        Callback::from(move |_| count.set(*count + 1))
    };
    html! { <button {onclick}>{ format!("Clicked {} times", *count) }</button> }
}

fn main() {
    yew::Renderer::<App>::new().render();
}
"#,
    ),
    (
        "index.html",
        r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>floor</title>
  <link rel="icon" href="data:,">
  <link data-trunk rel="rust" href="Cargo.toml" data-bin="floor" data-type="main" data-wasm-opt="z">
</head>
<body></body>
</html>
"#,
    ),
    (
        "Trunk.toml",
        r#"trunk-version = "^0.21.14"

[build]
target = "index.html"
dist = "dist"
release = true
offline = true
public_url = "./"

[tools]
wasm_opt = "version_132"
"#,
    ),
];

/// Where the floor project is generated.
fn floor_dir() -> PathBuf {
    root().join("target/bench-floor")
}

/// Writes the floor project (only files whose text changed, so Cargo keeps its cache).
fn write_floor() -> Result<PathBuf> {
    let dir = floor_dir();
    let version = tools::wasm_bindgen_version()?;
    for (name, text) in FLOOR_FILES {
        let path = dir.join(name);
        let text = text.replace("WASM_BINDGEN_VERSION", &version);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == text) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| failed(format!("creating {}: {e}", parent.display())))?;
        }
        std::fs::write(&path, text)
            .map_err(|e| failed(format!("writing {}: {e}", path.display())))?;
    }
    Ok(dir)
}

/// Builds the floor with the same Trunk into `target/bench-floor/dist`.
fn build_floor(trunk: &Path) -> Result<PathBuf> {
    let dir = write_floor()?;
    // Resolve its lock file from the crates the app already fetched (no new downloads
    // beyond what `cargo fetch` of the app needs).
    cmd::run(
        cmd::cargo()
            .args(["generate-lockfile", "--offline", "--manifest-path"])
            .arg(dir.join("Cargo.toml")),
    )
    .or_else(|_| {
        cmd::run(
            cmd::cargo()
                .args(["generate-lockfile", "--manifest-path"])
                .arg(dir.join("Cargo.toml")),
        )
    })?;
    let mut build = Command::new(trunk);
    build
        .args(["build", "--release", "--offline"])
        .current_dir(&dir);
    println!("$ {} (in target/bench-floor)", cmd::describe(&build));
    cmd::run(&mut build)?;
    Ok(dir.join("dist"))
}

/// Runs the native explorer bench, which writes its rows (and the family's scenario
/// files) as JSON to `target/bench-native.json`.
fn native_explorer() -> Result<PathBuf> {
    let out = root().join("target/bench-native/explorer.json");
    std::fs::create_dir_all(out.parent().expect("a folder"))
        .map_err(|e| failed(format!("creating the folder of {}: {e}", out.display())))?;
    let mut bench = cmd::cargo();
    bench
        .args(["bench", "-p", "sim-core", "--bench", "explorer"])
        .env("TLBRACE_BENCH_JSON", &out);
    println!("$ {} (native explorer)", cmd::describe(&bench));
    cmd::run(&mut bench)?;
    Ok(out)
}

/// SPIN's side of the comparison: `sim-core/spin/scale.pml` for N = 2 to 7 CPUs
/// (`--quick`: to 5) under the dsb kernel and the fix, each compiled with
/// `cc -O2 -DSAFETY` and run with `./pan -c0` (count errors and explore on, so the
/// whole state space is stored, as the explorer does). Rows (states stored, wall
/// milliseconds of `./pan`, errors) go to `target/bench-native/spin.json`.
fn spin(quick: bool) -> Result<Option<PathBuf>> {
    if !tools::ensure_spin() {
        return Ok(None);
    }
    let model = root().join("sim-core/spin/scale.pml");
    let dir = root().join("target/bench-spin");
    std::fs::create_dir_all(&dir)
        .map_err(|e| failed(format!("creating {}: {e}", dir.display())))?;
    let mut rows = Vec::new();
    for n in 2..=if quick { 5 } else { 7 } {
        for (kernel, name) in [(1, "dsb"), (2, "flush_tlb_mm")] {
            let mut generate = Command::new("spin");
            generate
                .args([
                    format!("-DN={n}"),
                    format!("-DKERNEL={kernel}"),
                    "-a".into(),
                ])
                .arg(&model)
                .current_dir(&dir);
            cmd::run(&mut generate)?;
            let mut compile = Command::new("cc");
            compile
                .args(["-O2", "-DSAFETY", "-DMEMLIM=8192", "-o", "pan", "pan.c"])
                .current_dir(&dir);
            cmd::run(&mut compile)?;
            let start = std::time::Instant::now();
            let out = Command::new(dir.join("pan"))
                .args(["-c0", "-m100000"])
                .current_dir(&dir)
                .output()
                .map_err(|e| failed(format!("running pan: {e}")))?;
            let ms = start.elapsed().as_secs_f64() * 1e3;
            let text = String::from_utf8_lossy(&out.stdout);
            let number_before = |marker: &str| {
                text.lines()
                    .find(|l| l.contains(marker))
                    .and_then(|l| l.split_whitespace().next())
                    .and_then(|w| w.parse::<u64>().ok())
            };
            let errors = text
                .split("errors: ")
                .nth(1)
                .and_then(|t| t.split_whitespace().next())
                .and_then(|w| w.parse::<u64>().ok());
            let (Some(states), Some(errors)) = (number_before("states, stored"), errors) else {
                return Err(failed(format!("pan's output, unread:\n{text}")));
            };
            println!("SPIN scale-{n} {name}: {states} states, {ms:.0} ms, {errors} errors");
            rows.push(format!(
                "{{\"scenario\":\"scale-{n}\",\"mitigation\":\"{name}\",\"states\":{states},\"ms\":{ms:.1},\"errors\":{errors}}}"
            ));
        }
    }
    let path = root().join("target/bench-native/spin.json");
    std::fs::write(&path, format!("[\n{}\n]\n", rows.join(",\n")))
        .map_err(|e| failed(format!("writing {}: {e}", path.display())))?;
    Ok(Some(path))
}

/// `cargo xtask bench [--quick]`.
pub fn run(quick: bool) -> Result<ExitCode> {
    tools::ensure_test_tools()?;
    let trunk = tools::ensure_build_tools()?;
    app::build(&trunk)?;
    let floor = build_floor(&trunk)?;
    let native = native_explorer()?;
    let spin = spin(quick)?;

    let app_url = server::spawn(app::dist())?;
    let floor_url = server::spawn(floor.clone())?;
    println!("serving dist/ at {app_url} and the floor at {floor_url}");
    let out = root().join("target/bench.json");
    let mut node = Command::new("node");
    node.arg("bench.js")
        .current_dir(root().join("e2e"))
        .env("BASE_URL", &app_url)
        .env("DIST", app::dist())
        .env("FLOOR_URL", &floor_url)
        .env("FLOOR_DIST", &floor)
        .env("NATIVE_JSON", &native)
        .env("SPIN_JSON", spin.unwrap_or_default())
        .env("BENCH_OUT", &out);
    if quick {
        node.arg("--quick");
    }
    println!("$ {}", cmd::describe(&node));
    match cmd::run(&mut node) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // bench.js has printed the table and which budget it missed.
        Err(_) => Ok(ExitCode::FAILURE),
    }
}
