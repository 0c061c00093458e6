//! `cargo xtask test`: every test layer in order, each under a header line, and one
//! `N passed, N failed` line at the end over all of them.
//!
//! A lint command counts as one test. A layer that fails without saying how many of its
//! tests failed (it did not compile, say) counts as one failure, and so does a test
//! layer that ran no test at all: a green run must have tested something in each layer.

use crate::cmd::{self, root};
use crate::{app, server, tools, Result};
use std::ops::AddAssign;
use std::process::{Command, ExitCode};

/// Passed and failed counts, of one layer or of the whole run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    passed: u64,
    failed: u64,
}

impl AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

const LAYERS: usize = 4;

/// Runs all layers; the exit code is failure if any test or layer failed.
pub fn run() -> Result<ExitCode> {
    // Test tools first: when Chromium is missing and we are not root, say so at once,
    // not after minutes of installing Trunk.
    tools::ensure_test_tools()?;
    let trunk = tools::ensure_build_tools()?;

    let mut total = Tally::default();
    total += layer(1, "lint: rustfmt, clippy native and wasm32", lint);
    total += layer(2, "native tests: cargo test", native_tests);
    total += layer(3, "wasm tests in headless Chromium", wasm_tests);
    total += layer(4, "end-to-end: release build, browser tests", || {
        end_to_end(&trunk)
    });

    println!("{} passed, {} failed", total.passed, total.failed);
    Ok(if total.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn layer(number: usize, title: &str, body: impl FnOnce() -> Tally) -> Tally {
    println!("\n==> [{number}/{LAYERS}] {title}");
    let mut tally = body();
    if tally.passed + tally.failed == 0 {
        println!("--- layer {number} ran no tests: counted as a failure");
        tally.failed = 1;
    }
    println!(
        "--- layer {number}: {} passed, {} failed",
        tally.passed, tally.failed
    );
    tally
}

/// Runs `cmd` (echoed first) and counts it as one test.
fn check(mut cmd: Command) -> Tally {
    println!("$ {}", cmd::describe(&cmd));
    match cmd::run(&mut cmd) {
        Ok(()) => Tally {
            passed: 1,
            failed: 0,
        },
        Err(err) => {
            println!("--- {err}");
            Tally {
                passed: 0,
                failed: 1,
            }
        }
    }
}

fn lint() -> Tally {
    let mut tally = Tally::default();
    let mut fmt = cmd::cargo();
    fmt.args(["fmt", "--all", "--check"]);
    tally += check(fmt);
    // The frontend is a wasm-only app: lint it for the target it runs on, not natively.
    let mut native = cmd::cargo();
    native.args([
        "clippy",
        "--workspace",
        "--exclude",
        "frontend",
        "--all-targets",
    ]);
    native.args(["--", "-D", "warnings"]);
    tally += check(native);
    let mut wasm = cmd::cargo();
    wasm.args([
        "clippy",
        "-p",
        "frontend",
        "--target",
        "wasm32-unknown-unknown",
    ]);
    wasm.args(["--all-targets", "--", "-D", "warnings"]);
    tally += check(wasm);
    tally
}

/// Runs a test command and counts its results from cargo's or node's summary lines.
fn tests(mut cmd: Command, count: fn(&str) -> Tally) -> (Tally, String) {
    println!("$ {}", cmd::describe(&cmd));
    let (ok, output) = match cmd::run_tee(&mut cmd) {
        Ok(result) => result,
        Err(err) => {
            println!("--- {err}");
            return (
                Tally {
                    passed: 0,
                    failed: 1,
                },
                String::new(),
            );
        }
    };
    let mut tally = count(&output);
    if !ok && tally.failed == 0 {
        println!("--- `{}` failed", cmd::describe(&cmd));
        tally.failed = 1;
    }
    (tally, output)
}

fn native_tests() -> Tally {
    let mut cmd = cmd::cargo();
    cmd.args(["test", "--workspace", "--exclude", "frontend"]);
    tests(cmd, count_cargo).0
}

fn wasm_tests() -> Tally {
    let mut cmd = cmd::cargo();
    cmd.args([
        "test",
        "-p",
        "frontend",
        "--target",
        "wasm32-unknown-unknown",
    ])
    .env(
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
        "wasm-bindgen-test-runner",
    )
    .env("CHROMEDRIVER", tools::CHROMEDRIVER)
    // Skip (and so not count) suites not configured with run_in_browser: they would
    // run in Node and prove nothing about the browser.
    .env("WASM_BINDGEN_TEST_ONLY_WEB", "1");
    let (mut tally, output) = tests(cmd, count_cargo);
    if tally.passed > 0 && !output.contains("Running headless tests in") {
        println!("--- no test ran in the browser: counted as a failure");
        tally.failed += 1;
    }
    tally
}

fn end_to_end(trunk: &std::path::Path) -> Tally {
    if let Err(err) = app::build(trunk) {
        println!("--- {err}");
        return Tally {
            passed: 0,
            failed: 1,
        };
    }
    let url = match server::spawn(app::dist()) {
        Ok(url) => url,
        Err(err) => {
            println!("--- {err}");
            return Tally {
                passed: 0,
                failed: 1,
            };
        }
    };
    println!("serving dist/ at {url}");
    let mut cmd = Command::new("node");
    cmd.args(["--test", "--test-reporter=spec", "tests/"])
        .current_dir(root().join("e2e"))
        .env("BASE_URL", &url);
    tests(cmd, count_node).0
}

/// Sums cargo's `test result: ok. 3 passed; 1 failed; ...` lines.
fn count_cargo(output: &str) -> Tally {
    let mut tally = Tally::default();
    for line in output.lines() {
        let Some(rest) = line.trim().strip_prefix("test result:") else {
            continue;
        };
        for part in rest.split(['.', ';']) {
            match part.split_whitespace().collect::<Vec<_>>()[..] {
                [n, "passed"] => tally.passed += n.parse().unwrap_or(0),
                [n, "failed"] => tally.failed += n.parse().unwrap_or(0),
                _ => {}
            }
        }
    }
    tally
}

/// Reads the summary of node's test runner: `ℹ pass 3` / `ℹ fail 0` (spec reporter)
/// or `# pass 3` / `# fail 0` (TAP).
fn count_node(output: &str) -> Tally {
    let mut tally = Tally::default();
    for line in output.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[..] {
            ["ℹ" | "#", "pass", n] => tally.passed += n.parse().unwrap_or(0),
            ["ℹ" | "#", "fail", n] => tally.failed += n.parse().unwrap_or(0),
            _ => {}
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cargo_test_results_over_all_targets() {
        let output = "\
running 2 tests
test a ... ok
test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s

test result: FAILED. 4 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s
no tests to run!
";
        assert_eq!(
            count_cargo(output),
            Tally {
                passed: 6,
                failed: 1
            }
        );
    }

    #[test]
    fn counts_node_test_runner_summaries() {
        let spec = "✔ slice (812ms)\nℹ tests 2\nℹ suites 0\nℹ pass 2\nℹ fail 0\nℹ cancelled 0\n";
        assert_eq!(
            count_node(spec),
            Tally {
                passed: 2,
                failed: 0
            }
        );
        let tap = "# tests 3\n# pass 1\n# fail 2\n";
        assert_eq!(
            count_node(tap),
            Tally {
                passed: 1,
                failed: 2
            }
        );
    }
}
