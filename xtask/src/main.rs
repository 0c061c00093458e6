//! Project tasks for tlbrace, run as `cargo xtask <task>` (the cargo-xtask convention).
//!
//! `serve` builds the release app with Trunk and serves it on 127.0.0.1; `test` runs every
//! test layer and ends with one `N passed, N failed` line; `bench` measures sizes, load,
//! interaction, explorer and memory against the budgets of issue 7. Each first installs
//! whatever tool is missing (see [`tools`]), so a fresh clone needs nothing but Rust,
//! Node.js and npm.

mod app;
mod bench;
mod cmd;
mod fuzz;
mod herd;
mod server;
mod test;
mod tools;

use std::fmt;
use std::process::ExitCode;

const HELP: &str = "\
Usage: cargo xtask <task> [options]

Tasks:
  serve [--port N]  install missing tools, build the release app with Trunk into dist/
                    and serve it on http://127.0.0.1:N/ (default port 8080)
  test              install missing tools and test tools, then run lint, native tests,
                    in-browser wasm tests and end-to-end tests; the last line is
                    `N passed, N failed`
  bench [--quick]   build the release app and a minimal Yew app (the floor), run the
                    native explorer bench and the browser benchmarks; print one table
                    of figures, budgets and PASS/FAIL, and write target/bench.json
                    (about 5 minutes; --quick about 2); fails if a budget is missed
  fuzz [--cases N] [--seed S]
                    run sim-core's fuzz suite optimised: N seeded random and mutated
                    inputs (default 200000, about a minute) to every parser and
                    renderer; fails on a panic, a slow input, a long error message
                    or an accepted input that does not round-trip or replay
  herd [--bless] [--timeout S] [NAME...]
                    re-run herd7 (if it is on PATH) on the golden litmus tests in
                    sim-core/tests/litmus/ (or only those NAMEs) and fail on any
                    difference from the recorded answers or from the explorer's
                    verdicts; --bless records herd7's answers (S: seconds per
                    test, default 900)
  help              show this list

The first run installs Trunk (about 6 minutes) and the wasm-bindgen CLI (about 1.5
minutes); later runs install nothing.";

/// Why a task stopped early.
#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    /// xtask was called wrongly; the message says what to do instead (exit status 2).
    Usage(String),
    /// A step failed; the message says which one (exit status 1).
    Failed(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(msg) | Error::Failed(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Error {}

/// The result of every fallible step in xtask.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Shorthand for a failed step with a message.
pub fn failed(msg: impl Into<String>) -> Error {
    Error::Failed(msg.into())
}

/// A task and its options, as parsed from the command line.
#[derive(Debug, PartialEq, Eq)]
enum Task {
    Help,
    Serve {
        port: u16,
    },
    Test,
    Bench {
        quick: bool,
    },
    Fuzz {
        cases: u64,
        seed: u64,
    },
    Herd {
        bless: bool,
        timeout: u64,
        names: Vec<String>,
    },
}

/// The port `serve` uses when `--port` is not given.
const DEFAULT_PORT: u16 = 8080;

fn parse(args: &[String]) -> Result<Task> {
    let Some((task, options)) = args.split_first() else {
        return Ok(Task::Help);
    };
    match task.as_str() {
        "help" | "-h" | "--help" => Ok(Task::Help),
        "serve" => parse_serve(options),
        "fuzz" => fuzz::parse(options).map(|(cases, seed)| Task::Fuzz { cases, seed }),
        "test" => match options.first() {
            None => Ok(Task::Test),
            Some(option) => Err(Error::Usage(format!(
                "`cargo xtask test` takes no options (got `{option}`); run `cargo xtask test`"
            ))),
        },
        "bench" => match options.first().map(String::as_str) {
            None => Ok(Task::Bench { quick: false }),
            Some("--quick") if options.len() == 1 => Ok(Task::Bench { quick: true }),
            Some(_) => Err(Error::Usage(format!(
                "`cargo xtask bench` takes only `--quick` (got `{}`)",
                options.join(" ")
            ))),
        },
        "herd" => parse_herd(options),
        other => Err(Error::Usage(format!(
            "unknown task `{other}`; run `cargo xtask help` to list the tasks"
        ))),
    }
}

fn parse_serve(options: &[String]) -> Result<Task> {
    let mut port = DEFAULT_PORT;
    let mut rest = options.iter();
    while let Some(option) = rest.next() {
        let value = match option.as_str() {
            "--port" => rest.next().map(String::as_str),
            _ => match option.strip_prefix("--port=") {
                Some(value) => Some(value),
                None => {
                    return Err(Error::Usage(format!(
                        "unknown option `{option}` for serve; usage: cargo xtask serve [--port N]"
                    )))
                }
            },
        };
        port = value.and_then(|v| v.parse().ok()).ok_or_else(|| {
            Error::Usage(
                "--port needs a number from 0 to 65535, e.g. `cargo xtask serve --port 8081`"
                    .to_string(),
            )
        })?;
    }
    Ok(Task::Serve { port })
}

fn parse_herd(options: &[String]) -> Result<Task> {
    let mut bless = false;
    let mut timeout = herd::DEFAULT_TIMEOUT;
    let mut names = Vec::new();
    let mut rest = options.iter();
    while let Some(option) = rest.next() {
        match option.as_str() {
            "--bless" => bless = true,
            "--timeout" => {
                timeout = rest
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|s| *s > 0)
                    .ok_or_else(|| {
                        Error::Usage("--timeout needs a number of seconds, e.g. `--timeout 600`".into())
                    })?
            }
            name if !name.starts_with('-') => names.push(name.to_string()),
            _ => {
                return Err(Error::Usage(format!(
                    "unknown option `{option}` for herd; usage: cargo xtask herd [--bless] [--timeout S] [NAME...]"
                )))
            }
        }
    }
    Ok(Task::Herd {
        bless,
        timeout,
        names,
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = parse(&args).and_then(|task| match task {
        Task::Help => {
            println!("{HELP}");
            Ok(ExitCode::SUCCESS)
        }
        Task::Serve { port } => server::serve_task(port).map(|()| ExitCode::SUCCESS),
        Task::Test => test::run(),
        Task::Bench { quick } => bench::run(quick),
        Task::Fuzz { cases, seed } => fuzz::run(cases, seed).map(|()| ExitCode::SUCCESS),
        Task::Herd {
            bless,
            timeout,
            names,
        } => herd::run(bless, timeout, &names).map(|()| ExitCode::SUCCESS),
    });
    match outcome {
        Ok(code) => code,
        Err(err @ Error::Usage(_)) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_tasks_and_options() {
        assert_eq!(parse(&args("")), Ok(Task::Help));
        assert_eq!(parse(&args("help")), Ok(Task::Help));
        assert_eq!(parse(&args("test")), Ok(Task::Test));
        assert_eq!(parse(&args("bench")), Ok(Task::Bench { quick: false }));
        assert_eq!(
            parse(&args("bench --quick")),
            Ok(Task::Bench { quick: true })
        );
        assert_eq!(
            parse(&args("herd --bless --timeout 60")),
            Ok(Task::Herd {
                bless: true,
                timeout: 60,
                names: vec![],
            })
        );
        assert_eq!(
            parse(&args("herd seed-race-dsb --bless two-reclaimers-none")),
            Ok(Task::Herd {
                bless: true,
                timeout: herd::DEFAULT_TIMEOUT,
                names: vec!["seed-race-dsb".into(), "two-reclaimers-none".into()],
            })
        );
        assert_eq!(parse(&args("serve")), Ok(Task::Serve { port: 8080 }));
        assert_eq!(
            parse(&args("serve --port 9000")),
            Ok(Task::Serve { port: 9000 })
        );
        assert_eq!(
            parse(&args("serve --port=9001")),
            Ok(Task::Serve { port: 9001 })
        );
    }

    #[test]
    fn bad_input_is_a_one_line_usage_error() {
        for line in [
            "bnech",
            "bench --slow",
            "serve --prot 1",
            "serve --port",
            "serve --port 70000",
            "test --fast",
            "herd --timeout",
            "herd --slow",
        ] {
            match parse(&args(line)) {
                Err(Error::Usage(msg)) => assert!(!msg.contains('\n'), "{line}: {msg}"),
                other => panic!("{line}: expected a usage error, got {other:?}"),
            }
        }
    }
}
