//! `cargo xtask herd`: re-runs herd7 on the golden litmus tests in
//! sim-core/tests/litmus/ and fails on any difference from the recorded answer,
//! then runs the test that holds every recorded answer against the explorer's
//! verdicts. herd7 is not in any package registry (shared/herd7.md says how it
//! builds), so where it is not on PATH the task says so and checks nothing.
//!
//! `--bless` records herd7's answers instead of comparing (after the export's
//! text changed); a test herd7 does not finish within `--timeout` seconds is
//! recorded as NAME.undecided, saying so. Names given on the command line
//! restrict the run to those tests (one can take hours).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cmd::{self, probe};
use crate::{failed, Result};

/// How long one herd7 run may take by default.
pub const DEFAULT_TIMEOUT: u64 = 900;

fn golden_dir() -> PathBuf {
    cmd::root().join("sim-core/tests/litmus")
}

/// The line after herd7's output that names the litmus text it was run on, so
/// that sim-core's test can tell an answer recorded on an older text.
const INPUT: &str = "Input fnv1a64 ";

/// The input line of `text`: FNV-1a (64 bits) of what herd7 reads of it, the test without its
/// header comment, which herd7 skips (so that rewording a correspondence does
/// not void an answer that took an hour). A digest with no dependency, to tell
/// texts apart, not to resist anyone. sim-core/tests/litmus.rs computes the same.
fn input_line(text: &str) -> String {
    let body = match (text.find("(*"), text.find("*)")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &text[..a], &text[b + 2..]),
        _ => text.to_string(),
    };
    let digest = body.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{INPUT}{digest:016x}\n")
}

/// herd7's output without its timing line, which differs from run to run,
/// and without the input line, which is checked on its own.
fn stable(output: &str) -> String {
    output
        .lines()
        .filter(|l| !l.starts_with("Time ") && !l.starts_with(INPUT))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// What one run of herd7 gave: its output, or `None` if it ran out of time.
fn herd7(file: &Path, timeout: Duration) -> Result<(Option<String>, Duration)> {
    let start = Instant::now();
    let out_path = file.with_extension("herd.tmp");
    let out = std::fs::File::create(&out_path)
        .map_err(|e| failed(format!("{}: {e}", out_path.display())))?;
    let mut child = Command::new("herd7")
        .arg(file.file_name().expect("a file"))
        .current_dir(file.parent().expect("in a folder"))
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| failed(format!("could not start herd7: {e}")))?;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| failed(e.to_string()))? {
            let text = std::fs::read_to_string(&out_path).unwrap_or_default();
            let _ = std::fs::remove_file(&out_path);
            if !status.success() {
                return Err(failed(format!(
                    "herd7 {} failed ({status}):\n{text}",
                    file.display()
                )));
            }
            return Ok((Some(text), start.elapsed()));
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_file(&out_path);
            return Ok((None, start.elapsed()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs the task on every golden test, or on those `names` (file stems) only;
/// `bless` writes herd7's answers as the new golden files.
pub fn run(bless: bool, timeout: u64, names: &[String]) -> Result<()> {
    let Some(version) = probe(Command::new("herd7").arg("-version")) else {
        println!(
            "herd7 is not on PATH: nothing re-checked (shared/herd7.md says how to build it)."
        );
        return Ok(());
    };
    println!("herd7 {}", version.trim());
    let mut files: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .map_err(|e| failed(format!("{}: {e}", golden_dir().display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "litmus"))
        .collect();
    files.sort();
    let stem = |p: &Path| {
        p.file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned()
    };
    if let Some(unknown) = names.iter().find(|n| !files.iter().any(|f| &stem(f) == *n)) {
        return Err(failed(format!(
            "no golden litmus test `{unknown}` in {}",
            golden_dir().display()
        )));
    }
    if !names.is_empty() {
        files.retain(|f| names.contains(&stem(f)));
    }
    let timeout = Duration::from_secs(timeout);
    let mut differ = Vec::new();
    for file in &files {
        let herd = file.with_extension("herd");
        let undecided = file.with_extension("undecided");
        let input = std::fs::read_to_string(file)
            .map(|t| input_line(&t))
            .map_err(|e| failed(format!("{}: {e}", file.display())))?;
        let (output, took) = herd7(file, timeout)?;
        let name = stem(file);
        let observation = output
            .as_deref()
            .and_then(|o| o.lines().find(|l| l.starts_with("Observation ")))
            .unwrap_or("(no answer)")
            .to_string();
        println!("{name}: {observation} ({:.2} s)", took.as_secs_f64());
        match output {
            Some(text) if bless => {
                std::fs::write(&herd, text + &input).map_err(|e| failed(e.to_string()))?;
                let _ = std::fs::remove_file(&undecided);
            }
            Some(text) => match std::fs::read_to_string(&herd) {
                Ok(want) if !want.contains(&input) => differ.push(format!(
                    "{name}: {name}.herd was recorded on another text of {name}.litmus; record it with --bless"
                )),
                Ok(want) if stable(&want) == stable(&text) => {}
                Ok(_) => differ.push(format!("{name}: herd7's answer differs from {name}.herd")),
                Err(_) => differ.push(format!(
                    "{name}: herd7 now answers ({observation}); record it with --bless"
                )),
            },
            None if bless => {
                let _ = std::fs::remove_file(&herd);
                std::fs::write(
                    &undecided,
                    format!(
                        "herd7 {} gave no answer within {} s\n{input}",
                        version.trim(),
                        timeout.as_secs()
                    ),
                )
                .map_err(|e| failed(e.to_string()))?;
            }
            None if herd.exists() => differ.push(format!(
                "{name}: herd7 gave no answer within {} s, but {name}.herd records one",
                timeout.as_secs()
            )),
            None => {}
        }
    }
    if !differ.is_empty() {
        return Err(failed(differ.join("\n")));
    }
    // The recorded answers against the explorer's verdicts, and the exports
    // against the files herd7 was run on.
    cmd::run(cmd::cargo().args(["test", "-p", "sim-core", "--test", "litmus"]))
}
