//! `cargo xtask fuzz [--cases N] [--seed S]`: the fuzz suite of sim-core
//! (sim-core/tests/fuzz.rs), built optimised with debug assertions and overflow
//! checks (the `fuzz` profile) and run with any number of cases. `cargo xtask
//! test` runs the same suite with its default count among the native tests.
//! Figures of a long run are in docs/reliability.md.

use crate::cmd;
use crate::{failed, Error, Result};

/// Cases when `--cases` is not given: about a minute.
pub const DEFAULT_CASES: u64 = 200_000;
/// The seed when `--seed` is not given (the number).
pub const DEFAULT_SEED: u64 = 14;

/// Parses `--cases N` and `--seed S` (either may be `--cases=N`).
pub fn parse(options: &[String]) -> Result<(u64, u64)> {
    let (mut cases, mut seed) = (DEFAULT_CASES, DEFAULT_SEED);
    let mut rest = options.iter();
    while let Some(option) = rest.next() {
        let (name, inline) = match option.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (option.as_str(), None),
        };
        let slot = match name {
            "--cases" => &mut cases,
            "--seed" => &mut seed,
            _ => {
                return Err(Error::Usage(format!(
                    "unknown option `{option}` for fuzz; usage: cargo xtask fuzz [--cases N] [--seed S]"
                )))
            }
        };
        let value = inline.or_else(|| rest.next().map(String::as_str));
        *slot = value.and_then(|v| v.parse().ok()).ok_or_else(|| {
            Error::Usage(format!(
                "{name} needs a whole number, e.g. `cargo xtask fuzz {name} 1000`"
            ))
        })?;
    }
    if cases == 0 {
        return Err(Error::Usage("--cases must be at least 1".into()));
    }
    Ok((cases, seed))
}

/// Builds and runs the suite; fails if any input failed.
pub fn run(cases: u64, seed: u64) -> Result<()> {
    let mut cargo = cmd::cargo();
    cargo.args([
        "test",
        "--profile",
        "fuzz",
        "-p",
        "sim-core",
        "--test",
        "fuzz",
        "--",
    ]);
    cargo.args(["--cases", &cases.to_string(), "--seed", &seed.to_string()]);
    println!("$ {}", cmd::describe(&cargo));
    let status = cargo
        .status()
        .map_err(|e| failed(format!("could not run cargo: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(failed(
            "the fuzz suite found failures (listed above with their case and seed)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn options() {
        assert_eq!(parse(&[]), Ok((DEFAULT_CASES, DEFAULT_SEED)));
        assert_eq!(parse(&args("--cases 10 --seed 3")), Ok((10, 3)));
        assert_eq!(parse(&args("--seed=5")), Ok((DEFAULT_CASES, 5)));
        for bad in ["--cases", "--cases x", "--cases 0", "--fast", "--seed -1"] {
            assert!(matches!(parse(&args(bad)), Err(Error::Usage(_))), "{bad}");
        }
    }
}
