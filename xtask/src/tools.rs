//! Installing what the build and the tests need, each step checked first and skipped when
//! the right version is already there, so that a second run installs nothing.
//!
//! Cargo-installed tools (Trunk, the wasm-bindgen CLI) are looked for in cargo's install
//! folder (`$CARGO_INSTALL_ROOT/bin`, else `$CARGO_HOME/bin`) and then on `PATH`. When
//! `CARGO_INSTALL_ROOT` is set, only there: an empty one then stands for a fresh machine.
//! wasm-opt comes from the npm package binaryen in the project-local `.tools/` folder
//! only, because Debian's older binaryen cannot read wasm-bindgen's output.

use crate::cmd::{self, probe, root};
use crate::{failed, Result};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Trunk release the build is made and checked with.
pub const TRUNK_VERSION: &str = "0.21.14";
/// The npm binaryen release whose wasm-opt Trunk uses (Trunk.toml asks for `version_132`).
pub const BINARYEN_VERSION: &str = "132";
/// The browser and its WebDriver, where Debian's packages put them.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// See [`CHROMIUM`].
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A tool that `cargo install` builds from crates.io.
struct CargoTool {
    krate: &'static str,
    version: String,
    /// Every binary the crate installs that we use; all must report `version`.
    binaries: &'static [&'static str],
    /// `--locked` where the crate's own lock file still resolves (see toolchain notes).
    locked: bool,
    how_long: &'static str,
}

/// Makes sure the wasm32 target, Trunk, the wasm-bindgen CLI and wasm-opt are installed,
/// and puts wasm-opt and the wasm-bindgen CLI first on `PATH` for every child process.
/// Returns the Trunk binary to call.
pub fn ensure_build_tools() -> Result<PathBuf> {
    need_npm()?;
    ensure_wasm_target()?;
    let trunk_dir = ensure_cargo_tool(&CargoTool {
        krate: "trunk",
        version: TRUNK_VERSION.to_string(),
        binaries: &["trunk"],
        locked: true,
        how_long: "about 6 minutes on 2 cores",
    })?;
    let bindgen = ensure_cargo_tool(&CargoTool {
        krate: "wasm-bindgen-cli",
        version: wasm_bindgen_version()?,
        binaries: &["wasm-bindgen", "wasm-bindgen-test-runner"],
        // Its published lock file pins crates the registry no longer serves.
        locked: false,
        how_long: "about 1.5 minutes",
    })?;
    let wasm_opt = ensure_wasm_opt()?;
    // Trunk finds wasm-bindgen and wasm-opt on PATH, and cargo finds the test runner there.
    prepend_path(&[wasm_opt, bindgen])?;
    Ok(trunk_dir.join("trunk"))
}

/// Makes sure Chromium, ChromeDriver and the e2e npm packages are installed.
pub fn ensure_test_tools() -> Result<()> {
    ensure_chromium()?;
    need_npm()?;
    ensure_e2e_packages()
}

fn need_npm() -> Result<()> {
    if probe(Command::new("npm").arg("--version")).is_some() {
        return Ok(());
    }
    Err(failed(
        "Node.js and npm are needed (for wasm-opt and the e2e tests); install them, e.g. `apt-get install -y nodejs npm`, and run again",
    ))
}

fn ensure_wasm_target() -> Result<()> {
    let sysroot = probe(Command::new("rustc").arg("--print").arg("sysroot"))
        .ok_or_else(|| failed("`rustc --print sysroot` failed; is Rust installed?"))?;
    let target = Path::new(sysroot.trim()).join("lib/rustlib/wasm32-unknown-unknown");
    if target.is_dir() {
        return Ok(());
    }
    println!("installing the Rust target wasm32-unknown-unknown with rustup (a few seconds)");
    cmd::run(
        Command::new("rustup")
            .args(["target", "add", "wasm32-unknown-unknown"])
            .current_dir(root()),
    )
}

/// The version of the `wasm-bindgen` crate in Cargo.lock: the CLI must match it exactly.
pub fn wasm_bindgen_version() -> Result<String> {
    let path = root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&path)
        .map_err(|e| failed(format!("reading {}: {e}", path.display())))?;
    let versions = lock_versions(&lock, "wasm-bindgen");
    match versions.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(failed(
            "Cargo.lock has no wasm-bindgen crate; run `cargo generate-lockfile` and try again",
        )),
        many => Err(failed(format!(
            "Cargo.lock has several wasm-bindgen versions ({}); pin one with `wasm-bindgen = \"=X\"` in frontend/Cargo.toml",
            many.join(", ")
        ))),
    }
}

/// Every version of package `name` in the text of a Cargo.lock.
fn lock_versions(lock: &str, name: &str) -> Vec<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    let mut versions = Vec::new();
    while let Some(line) = lines.next() {
        if line.trim() != wanted {
            continue;
        }
        let version = lines
            .next()
            .and_then(|l| l.trim().strip_prefix("version = \""))
            .and_then(|v| v.strip_suffix('"'));
        if let Some(version) = version {
            versions.push(version.to_string());
        }
    }
    versions
}

/// Where `cargo install` puts binaries, as cargo itself decides it.
fn cargo_bin_dir() -> PathBuf {
    if let Some(root) = std::env::var_os("CARGO_INSTALL_ROOT") {
        return PathBuf::from(root).join("bin");
    }
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(home).join("bin");
    }
    let home = std::env::var_os("HOME").unwrap_or_default();
    PathBuf::from(home).join(".cargo/bin")
}

/// Folders that may hold a cargo-installed tool, best first.
fn cargo_tool_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![cargo_bin_dir()];
    if std::env::var_os("CARGO_INSTALL_ROOT").is_none() {
        let path = std::env::var_os("PATH").unwrap_or_default();
        dirs.extend(std::env::split_paths(&path));
    }
    dirs
}

/// Whether `text` (a `--version` output such as `trunk 0.21.14`) names exactly `version`.
fn reports_version(text: &str, version: &str) -> bool {
    text.split_whitespace().nth(1) == Some(version)
}

/// The folder holding every binary of `tool` at the right version, if there is one.
fn find_cargo_tool(tool: &CargoTool) -> Option<PathBuf> {
    cargo_tool_dirs().into_iter().find(|dir| {
        tool.binaries.iter().all(|bin| {
            probe(Command::new(dir.join(bin)).arg("--version"))
                .is_some_and(|text| reports_version(&text, &tool.version))
        })
    })
}

fn ensure_cargo_tool(tool: &CargoTool) -> Result<PathBuf> {
    if let Some(dir) = find_cargo_tool(tool) {
        return Ok(dir);
    }
    let spec = format!("{}@{}", tool.krate, tool.version);
    let mut install = cmd::cargo();
    install.args(["install", &spec]);
    if tool.locked {
        install.arg("--locked");
    }
    println!(
        "installing {spec} with `{}` ({})",
        cmd::describe(&install),
        tool.how_long
    );
    cmd::run(&mut install)?;
    find_cargo_tool(tool).ok_or_else(|| {
        failed(format!(
            "installed {spec}, but {} still does not report version {}",
            cargo_bin_dir().join(tool.binaries[0]).display(),
            tool.version
        ))
    })
}

/// The project-local npm folder for build tools (gitignored).
fn tools_dir() -> PathBuf {
    root().join(".tools")
}

/// Makes sure `.tools/` holds binaryen's wasm-opt at [`BINARYEN_VERSION`]; returns its folder.
fn ensure_wasm_opt() -> Result<PathBuf> {
    let bin = tools_dir().join("node_modules/.bin");
    let right_version = || {
        probe(Command::new(bin.join("wasm-opt")).arg("--version"))
            .is_some_and(|text| text.contains(&format!("version {BINARYEN_VERSION}")))
    };
    if right_version() {
        return Ok(bin);
    }
    println!("installing wasm-opt from the npm package binaryen@{BINARYEN_VERSION} into .tools/ (a few seconds)");
    std::fs::create_dir_all(tools_dir())
        .map_err(|e| failed(format!("creating {}: {e}", tools_dir().display())))?;
    cmd::run(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(tools_dir())
            .arg(format!("binaryen@{BINARYEN_VERSION}")),
    )?;
    if right_version() {
        Ok(bin)
    } else {
        Err(failed(format!(
            "installed binaryen@{BINARYEN_VERSION}, but {} does not report version {BINARYEN_VERSION}",
            bin.join("wasm-opt").display()
        )))
    }
}

/// Puts `dirs` first on `PATH` for this process and so for every child it starts.
fn prepend_path(dirs: &[PathBuf]) -> Result<()> {
    let old = std::env::var_os("PATH").unwrap_or_default();
    let mut all: Vec<PathBuf> = dirs.to_vec();
    all.extend(std::env::split_paths(&old).filter(|d| !dirs.contains(d)));
    let new: OsString = std::env::join_paths(all)
        .map_err(|e| failed(format!("cannot put a tool folder on PATH: {e}")))?;
    // Edition 2021: set_var is safe, and xtask starts no thread before this.
    std::env::set_var("PATH", new);
    Ok(())
}

/// SPIN (Debian's `spin`, 6.5) and a C compiler for the bench's comparison:
/// installed with apt when missing and we are root; `false` (with a note) when
/// they are missing and cannot be installed, so the bench goes on without them.
pub fn ensure_spin() -> bool {
    let have = |tool: &str| probe(Command::new(tool).arg("-V")).is_some();
    if have("spin") && probe(Command::new("cc").arg("--version")).is_some() {
        return true;
    }
    if !is_root() {
        println!("SPIN or cc is missing (apt-get install -y spin gcc): no SPIN rows");
        return false;
    }
    println!("installing SPIN with `apt-get install -y spin gcc`");
    let install = cmd::run(
        Command::new("apt-get")
            .args(["install", "-y", "spin", "gcc"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    );
    install.is_ok() && have("spin")
}

fn is_root() -> bool {
    probe(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

fn ensure_chromium() -> Result<()> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(());
    }
    let command = "apt-get update && apt-get install -y chromium chromium-driver";
    if !is_root() {
        return Err(failed(format!(
            "{CHROMIUM} or {CHROMEDRIVER} is missing; run `sudo sh -c '{command}'` and try again"
        )));
    }
    println!("installing Chromium and ChromeDriver with `{command}` (about a minute)");
    // Debian's packages must not ask anything: CI has no stdin.
    cmd::run(
        Command::new("apt-get")
            .arg("update")
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    cmd::run(
        Command::new("apt-get")
            .args(["install", "-y", "chromium", "chromium-driver"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// Installs `e2e/node_modules` with `npm ci` unless it was installed from the very
/// same lock file (a copy of which is kept next to the packages as a stamp).
fn ensure_e2e_packages() -> Result<()> {
    let e2e = root().join("e2e");
    let lock_path = e2e.join("package-lock.json");
    let stamp = e2e.join("node_modules/.xtask-package-lock.json");
    let lock = std::fs::read(&lock_path)
        .map_err(|e| failed(format!("reading {}: {e}", lock_path.display())))?;
    if std::fs::read(&stamp).is_ok_and(|installed| installed == lock) {
        return Ok(());
    }
    println!("installing the e2e npm packages with `npm ci` in e2e/ (a few seconds)");
    cmd::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&e2e)
            // playwright-core downloads nothing itself; this makes sure of it.
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"),
    )?;
    std::fs::write(&stamp, lock).map_err(|e| failed(format!("writing {}: {e}", stamp.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_version_of_a_crate_from_the_lock() {
        let lock = r#"
[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "wasm-bindgen-backend"
version = "0.2.130"
"#;
        assert_eq!(lock_versions(lock, "wasm-bindgen"), ["0.2.130"]);
        assert!(lock_versions(lock, "trunk").is_empty());
    }

    #[test]
    fn version_must_match_exactly() {
        assert!(reports_version("trunk 0.21.14\n", "0.21.14"));
        assert!(reports_version("wasm-bindgen 0.2.130", "0.2.130"));
        assert!(!reports_version("wasm-bindgen 0.2.131", "0.2.130"));
        assert!(!reports_version("trunk 0.21.140", "0.21.14"));
        assert!(!reports_version("", "0.21.14"));
    }
}
