//! Running child processes: cargo through `$CARGO`, every child with stdin closed
//! (CI has none, and no install step may wait for an answer), and echoing output
//! while keeping a copy to count test results.

use crate::{failed, Result};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The repository root: xtask always works from there, wherever it was started.
pub fn root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask lives one folder below the repository root")
            .to_path_buf()
    })
}

/// A `cargo` command run from the repository root, through `$CARGO` so that it is
/// the same cargo (and toolchain) that started xtask.
pub fn cargo() -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(program);
    cmd.current_dir(root());
    cmd
}

/// The command line as a reader would type it, for messages.
pub fn describe(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program())
        .file_name()
        .unwrap_or(cmd.get_program());
    let mut line = program.to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}

/// Runs `cmd` with its output going straight to ours; fails unless it exits 0.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .stdin(Stdio::null())
        .status()
        .map_err(|e| failed(format!("could not start `{}`: {e}", describe(cmd))))?;
    if status.success() {
        Ok(())
    } else {
        Err(failed(format!("`{}` failed ({status})", describe(cmd))))
    }
}

/// Runs `cmd`, echoing its stdout line by line as it comes while keeping a copy
/// (stderr goes straight to ours). Returns whether it exited 0, and the copy.
pub fn run_tee(cmd: &mut Command) -> Result<(bool, String)> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("could not start `{}`: {e}", describe(cmd))))?;
    let mut copy = String::new();
    let stdout = child.stdout.take().expect("stdout was piped");
    let mut out = std::io::stdout();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| failed(format!("reading `{}`: {e}", describe(cmd))))?;
        // A closed stdout of ours is no reason to stop counting results.
        let _ = writeln!(out, "{line}");
        copy.push_str(&line);
        copy.push('\n');
    }
    let status = child
        .wait()
        .map_err(|e| failed(format!("waiting for `{}`: {e}", describe(cmd))))?;
    Ok((status.success(), copy))
}

/// The stdout of `cmd` if it starts and exits 0; `None` otherwise. For probes such as
/// `trunk --version`, where "not there" and "broken" mean the same: install it.
pub fn probe(cmd: &mut Command) -> Option<String> {
    let output = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}
