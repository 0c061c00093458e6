//! `tlbsim`: the command-line shell around sim-core. Lists the built-in scenarios,
//! plays a schedule as a ladder diagram or a JSON trace, and runs the explorer.
//! All the rules live in the library; this file only parses, loads, times and prints.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use serde::Serialize;
use sim_core::limits::{excerpt, excerpt_path};
use sim_core::{
    explore, format_schedule, ladder, litmus, parse_schedule, permalink::Permalink, scenario,
    trace::Trace, Arch, Event, ExploreConfig, History, Mitigation, Model, Scenario,
};

const HELP: &str = "\
tlbsim: play and explore the arm64 batched TLB flush race (stale writable TLB
entry after mprotect() returns).

USAGE:
    tlbsim list [--json]
    tlbsim run SCENARIO|FILE [--arch A] [--mitigation M] [--schedule EVENTS]
               [--json] [--width N] [--ladder-only] [--base-url URL]
    tlbsim explore SCENARIO|FILE [--arch A] [--mitigation M] [--max-states N]
                   [--max-memory MIB] [--unreduced] [--json]
    tlbsim litmus SCENARIO|FILE [--mitigation M] [--schedule EVENTS]
    tlbsim help | --help

COMMANDS:
    list       The built-in scenarios.
    run        Plays a schedule: a ladder diagram (one column per CPU), the
               narrative of every step and the outcome; with --json, the trace.
    explore    Visits every interleaving and gives the verdict: safe,
               stale_write_reachable, access_after_unmap_reachable,
               lost_write_reachable or deadlock_reachable, with the shortest
               schedule that breaks a promise (replay it with run --schedule).
    litmus     Prints an AArch64 litmus test for herd7 -variant vmsa whose
               exists clause holds exactly when a promise can break; each
               CPU runs its tasks in the order the schedule ran them. A
               scenario it cannot translate faithfully is refused (exit 2)
               with the step that is the problem.

SCENARIO|FILE:
    A built-in scenario's name (see `tlbsim list`); family-N (N = 2 to {MAX_CPUS}:
    the seed race with N-2 more threads writing P, to watch exploration grow);
    scale-N (the same with N-2 identical threads, which symmetry reduces);
    or the path of a scenario file (docs/scenario-format.md) or of a trace
    written by `run --json`, whose mitigation and schedule then become the
    defaults. A name is a built-in first: write ./NAME for a file named like
    one. Files over {MAX_FILE} are refused unread.

OPTIONS:
    --arch A           The architecture: arm64 (broadcast TLBIs completed by the
                       issuer's DSB), x86 or riscv (flush IPIs whose sender
                       waits; iS>T events). Default: the file's, else arm64.
                       litmus is arm64 only (docs/architectures.md).
    --mitigation M     What flush_tlb_batched_pending() does: none (kernel before
                       3ea277194daa), dsb (arm64 before the fix) or flush_tlb_mm
                       (the fix, 4b634918384c); on x86 and riscv none,
                       flush_tlb_mm or local_flush (a teaching kernel).
                       Default: dsb on arm64 (flush_tlb_mm on x86 and riscv),
                       or the trace's.
    --schedule EVENTS  Events separated by commas: sN steps CPU N; dI>T delivers
                       the oldest in-flight TLBI of CPU I to CPU T; dI.K>T the
                       K-th oldest (from 0); iS>T: CPU T takes the flush IPI
                       CPU S sent (x86, riscv). Default: the scenario's own
                       schedule (carried over to --arch: deliveries dropped,
                       IPIs taken where a sender waits), or the trace's. Quote
                       it: '>' is special in shells.
    --width N          run: the widest line of the diagram (default 80; 72 for
                       a reply that quotes it with a \"> \" prefix). Names are never
                       broken; if they cannot fit, the diagram says how wide
                       it had to be.
    --ladder-only      run: the ladder, the outcome line and the permalink, no
                       per-step prose (what Copy for mail copies at 72).
    --base-url URL     run: where tlbrace is served, to make the permalink a
                       whole link (printed with --ladder-only, or whenever
                       this is given). Default: the bare #v2/... fragment.
    --max-states N     Stop exploring after N states (verdict unknown if no
                       violation was found by then). Default: 50000000.
    --max-memory MIB   Stop exploring rather than let the explorer's tables
                       take more than MIB mebibytes; the report says
                       complete: false and which bound stopped it, and the exit
                       status is 0. Default: 512.
    --unreduced        Store every machine as it is: no symmetry reduction, no
                       emptying of TLBs no task can read, every delivery
                       (docs/explorer.md).
    --json             Machine-readable output.
    -h, --help         This help.

Errors go to standard error with exit status 2 (1 if the output cannot be
written, e.g. to a full disk or a closed pipe).
";

/// The narrowest and widest `--width` (a lane per CPU must still fit).
const MIN_WIDTH: usize = 40;
const MAX_WIDTH: usize = 1000;

/// A parsed command line.
enum Command {
    Help,
    List {
        json: bool,
    },
    Run {
        source: String,
        arch: Option<Arch>,
        mitigation: Option<Mitigation>,
        schedule: Option<String>,
        json: bool,
        width: usize,
        ladder_only: bool,
        base_url: Option<String>,
    },
    Litmus {
        source: String,
        arch: Option<Arch>,
        mitigation: Option<Mitigation>,
        schedule: Option<String>,
    },
    Explore {
        source: String,
        arch: Option<Arch>,
        mitigation: Option<Mitigation>,
        max_states: Option<usize>,
        max_memory: Option<usize>,
        unreduced: bool,
        json: bool,
    },
}

/// An argument tlbsim did not expect, quoted as an excerpt (an argument can be
/// as long as the system allows).
fn unexpected(arg: lexopt::Arg) -> String {
    match arg {
        lexopt::Arg::Short(c) => format!("unexpected option -{}", c.escape_debug()),
        lexopt::Arg::Long(o) => format!("unexpected option --{}", excerpt(o)),
        lexopt::Arg::Value(v) => {
            format!("unexpected argument \"{}\"", excerpt(&v.to_string_lossy()))
        }
    }
}

/// lexopt's errors quote the argument: bounded like every other message.
fn arg_error(e: lexopt::Error) -> String {
    sim_core::limits::bound_message(&e.to_string())
}

fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    use lexopt::prelude::*;

    let mut parser = lexopt::Parser::from_args(args);
    let name = match parser.next().map_err(arg_error)? {
        None => return Err("no command given; try `tlbsim --help`".into()),
        Some(Short('h') | Long("help")) => return Ok(Command::Help),
        Some(Value(v)) => v.string().map_err(arg_error)?,
        Some(other) => return Err(unexpected(other)),
    };
    let mut source = None;
    let mut mitigation = None;
    let mut arch = None;
    let mut schedule = None;
    let mut max_states = None;
    let mut max_memory = None;
    let mut unreduced = false;
    let mut json = false;
    let mut width = ladder::WIDTH;
    let mut ladder_only = false;
    let mut base_url = None;
    let takes_source = matches!(name.as_str(), "run" | "explore" | "litmus");
    match name.as_str() {
        "help" => return Ok(Command::Help),
        "list" | "run" | "explore" | "litmus" => {}
        _ => {
            return Err(format!(
                "unknown command \"{}\": expected list, run, explore, litmus or help",
                excerpt(&name)
            ))
        }
    }
    while let Some(arg) = parser.next().map_err(arg_error)? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help),
            Long("json") => json = true,
            Long("mitigation") if takes_source => {
                let v = parser.value().map_err(arg_error)?;
                mitigation = Some(v.string().map_err(arg_error)?.parse()?);
            }
            Long("arch") if takes_source => {
                let v = parser.value().map_err(arg_error)?;
                arch = Some(v.string().map_err(arg_error)?.parse::<Arch>()?);
            }
            Long("schedule") if name == "run" || name == "litmus" => {
                let v = parser.value().map_err(arg_error)?;
                schedule = Some(v.string().map_err(arg_error)?);
            }
            Long("width") if name == "run" => {
                let v = parser.value().map_err(arg_error)?;
                let v = v.string().map_err(arg_error)?;
                width = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (MIN_WIDTH..=MAX_WIDTH).contains(n))
                    .ok_or_else(|| {
                        format!(
                            "--width wants a number from {MIN_WIDTH} to {MAX_WIDTH}, not \"{}\"",
                            excerpt(&v)
                        )
                    })?;
            }
            Long("ladder-only") if name == "run" => ladder_only = true,
            Long("base-url") if name == "run" => {
                let v = parser.value().map_err(arg_error)?;
                base_url = Some(v.string().map_err(arg_error)?);
            }
            Long("max-memory") if name == "explore" => {
                let v = parser.value().map_err(arg_error)?;
                let v = v.string().map_err(arg_error)?;
                let mib = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=1 << 20).contains(n))
                    .ok_or_else(|| {
                        format!(
                            "--max-memory wants mebibytes from 1 to 1048576, not \"{}\"",
                            excerpt(&v)
                        )
                    })?;
                max_memory = Some(mib << 20);
            }
            Long("unreduced") if name == "explore" => unreduced = true,
            Long("max-states") if name == "explore" => {
                let v = parser.value().map_err(arg_error)?;
                let v = v.string().map_err(arg_error)?;
                max_states = Some(v.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    format!(
                        "--max-states wants a positive number, not \"{}\"",
                        excerpt(&v)
                    )
                })?);
            }
            Value(v) if takes_source && source.is_none() => {
                source = Some(v.string().map_err(arg_error)?);
            }
            other => return Err(format!("{name}: {}", unexpected(other))),
        }
    }
    let need_source = || {
        source
            .clone()
            .ok_or_else(|| format!("{name}: missing SCENARIO|FILE; try `tlbsim list`"))
    };
    Ok(match name.as_str() {
        "list" => Command::List { json },
        "run" => Command::Run {
            source: need_source()?,
            arch,
            mitigation,
            schedule,
            json,
            width,
            ladder_only,
            base_url,
        },
        "litmus" => Command::Litmus {
            source: need_source()?,
            arch,
            mitigation,
            schedule,
        },
        _ => Command::Explore {
            source: need_source()?,
            arch,
            mitigation,
            max_states,
            max_memory,
            unreduced,
            json,
        },
    })
}

/// A scenario with the defaults its source brings (a trace's mitigation and schedule).
struct Loaded {
    scenario: Scenario,
    mitigation: Option<Mitigation>,
    schedule: Option<Vec<Event>>,
}

/// A built-in name first, then a generated family member; otherwise a file, read
/// as a scenario or a trace. A file named like a built-in is said to exist (on
/// standard error), with how to open it.
fn load(source: &str) -> Result<Loaded, String> {
    let builtin = |scenario| Loaded {
        scenario,
        mitigation: None,
        schedule: None,
    };
    let is_file = std::path::Path::new(source).exists();
    if let Some(scenario) = scenario::builtin(source) {
        if is_file {
            warn(&format!(
                "note: {source} is the built-in scenario; to open the file of that name, write ./{source}"
            ));
        }
        return Ok(builtin(scenario));
    }
    // family-N, scale-N: the generated seed race with N CPUs, for scale.
    match scenario::generated(source) {
        Some(Ok(scenario)) => {
            if is_file {
                warn(&format!(
                    "note: {source} is a generated scenario; to open the file of that name, write ./{source}"
                ));
            }
            return Ok(builtin(scenario));
        }
        Some(Err(range)) if !is_file => {
            return Err(format!(
                "unknown scenario \"{}\": {range}, and there is no such file",
                excerpt(source)
            ))
        }
        _ => {}
    }
    let text = read_file(source)?;
    let imported = scenario::import(&text).map_err(|e| format!("{}: {e}", excerpt_path(source)))?;
    Ok(Loaded {
        scenario: imported.scenario,
        mitigation: imported.mitigation,
        schedule: imported.schedule,
    })
}

/// A file's text, refused before it is read when it is over
/// [`sim_core::limits::MAX_FILE_BYTES`] (a regular file by its size; a special
/// file such as /dev/zero by reading one byte past the limit, no further).
fn read_file(source: &str) -> Result<String, String> {
    let file = open_without_waiting(source).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            let names: Vec<&str> = scenario::builtin_names().collect();
            format!(
                "unknown scenario \"{}\": not a built-in ({}), not family-N or scale-N (N = 2 to {}), and no such file",
                excerpt(source),
                names.join(", "),
                scenario::MAX_CPUS
            )
        } else {
            format!("{}: {e}", excerpt_path(source))
        }
    })?;
    let at = |e: &dyn std::fmt::Display| format!("{}: {e}", excerpt_path(source));
    if let Ok(meta) = file.metadata() {
        if meta.is_dir() {
            return Err(at(&"is a directory, not a scenario file"));
        }
        if meta.is_file() {
            sim_core::limits::check_file_size(meta.len()).map_err(|e| at(&e))?;
        }
    }
    let text = sim_core::limits::read_text(file).map_err(|e| at(&e))?;
    if text.is_empty() {
        return Err(at(
            &"is empty (a named pipe with no writer reads as empty too)",
        ));
    }
    Ok(text)
}

/// Opens a file for reading without waiting: a named pipe (FIFO) that no one
/// writes to would block `open` forever. It is opened non-blocking, then made
/// blocking again, so a pipe with a writer is read as it is written and one
/// without reads as empty.
#[cfg(unix)]
fn open_without_waiting(path: &str) -> std::io::Result<std::fs::File> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    // SAFETY: F_GETFL and F_SETFL read and set the status flags of a descriptor
    // this function owns.
    let flags = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETFL) };
    if flags == -1
        || unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK) } == -1
    {
        return Err(std::io::Error::last_os_error());
    }
    Ok(file)
}

#[cfg(not(unix))]
fn open_without_waiting(path: &str) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// `--schedule`'s text as events; an error names the event (`--schedule[3]: ...`).
fn schedule_arg(text: &str) -> Result<Vec<Event>, String> {
    parse_schedule(text).map_err(|e| format!("--schedule[{}]: {}", e.index, e.source))
}

/// The schedule a command plays, and where it came from for [`play`]'s errors:
/// `--schedule`, else a trace's own, else the scenario's `default_schedule`.
fn chosen_schedule(
    text: Option<&str>,
    loaded: &mut Loaded,
    source: &str,
) -> Result<(Vec<Event>, String), String> {
    Ok(match (text, loaded.schedule.take()) {
        (Some(text), _) => (schedule_arg(text)?, "--schedule".to_string()),
        (None, Some(events)) => (events, format!("{}: schedule", excerpt_path(source))),
        (None, None) => (
            loaded.scenario.default_schedule().to_vec(),
            format!("{}: default_schedule", excerpt_path(source)),
        ),
    })
}

/// The model of `loaded` on `arch` (`--arch`, else the file's) under `mitigation`
/// (`--mitigation`, else the trace's, else the architecture's default kernel);
/// refused with the reason when the architecture has no such kernel or the
/// scenario makes no sense there.
fn model_of(
    loaded: &Loaded,
    arch: Option<Arch>,
    mitigation: Option<Mitigation>,
) -> Result<Model, String> {
    let arch = arch.unwrap_or(loaded.scenario.arch());
    let mitigation = mitigation
        .or(loaded.mitigation)
        .unwrap_or(arch.default_mitigation());
    Model::on(
        std::sync::Arc::new(loaded.scenario.clone()),
        mitigation,
        arch,
    )
    .map_err(|why| format!("--arch {arch} --mitigation {mitigation}: {why}"))
}

/// Plays `schedule`; a refused event is reported with where the schedule came
/// from (`origin`: `--schedule`, `trace.json: schedule`...), its index, the
/// reason and what could have happened instead.
fn play(model: Model, schedule: &[Event], origin: &str) -> Result<History, String> {
    let mitigation = model.kernel_name();
    History::replay(model, schedule).map_err(|(history, e)| {
        let enabled = history.model().enabled_events(history.current());
        let instead = if enabled.is_empty() {
            "nothing can happen there: the run is over".to_string()
        } else {
            format!("enabled there: {}", excerpt(&format_schedule(&enabled)))
        };
        format!(
            "{origin}[{}]: {} does not replay on the {mitigation} kernel: {} ({instead})",
            e.index, e.event, e.error
        )
    })
}

#[derive(Serialize)]
struct ListEntry<'a> {
    name: &'a str,
    title: &'a str,
    cpus: usize,
    pages: usize,
    story: &'a str,
    default_schedule: String,
}

#[derive(Serialize)]
struct ExploreJson<'a> {
    scenario: &'a str,
    /// The architecture, left out on arm64.
    #[serde(skip_serializing_if = "Arch::is_arm64")]
    arch: Arch,
    mitigation: Mitigation,
    states: usize,
    terminal_states: usize,
    violation_states: usize,
    transitions: usize,
    complete: bool,
    /// The bound that stopped an incomplete run (`max_states`, `max_memory`).
    stopped_by: Option<&'static str>,
    /// Groups of interchangeable CPUs the symmetry reduction used.
    symmetry_groups: &'a [Vec<sim_core::CpuId>],
    /// Machines the stored states stand for (sum of symmetry orbits).
    states_without_symmetry: u64,
    /// Average bytes of a stored state's key.
    bytes_per_state: f64,
    /// Bytes of the explorer's tables at the end.
    memory_bytes: usize,
    stale_write_reachable: bool,
    access_after_unmap_reachable: bool,
    lost_write_reachable: bool,
    deadlock_reachable: bool,
    verdict: &'static str,
    /// The events as `--schedule` accepts them, one string each.
    shortest_counterexample: Option<Vec<String>>,
    /// A shortest counterexample of each reachable kind, by kind name.
    counterexamples: std::collections::BTreeMap<&'static str, Vec<String>>,
    elapsed_ms: f64,
}

fn to_json(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("plain data serializes");
    text.push('\n');
    text
}

fn execute(command: Command) -> Result<String, String> {
    match command {
        // The numbers come from the library, so the help cannot drift from them.
        Command::Help => Ok(HELP
            .replace("{MAX_CPUS}", &scenario::MAX_CPUS.to_string())
            .replace(
                "{MAX_FILE}",
                &format!("{} MiB", sim_core::limits::MAX_FILE_BYTES >> 20),
            )),
        Command::List { json } => {
            let scenarios = scenario::builtins();
            if json {
                let entries: Vec<ListEntry> = scenarios
                    .iter()
                    .map(|s| ListEntry {
                        name: s.name(),
                        title: s.title(),
                        cpus: s.cpu_count(),
                        pages: s.pages().len(),
                        story: s.story(),
                        default_schedule: format_schedule(s.default_schedule()),
                    })
                    .collect();
                return Ok(to_json(&entries));
            }
            let width = scenarios.iter().map(|s| s.name().len()).max().unwrap_or(0);
            Ok(scenarios
                .iter()
                .map(|s| {
                    format!(
                        "{:width$}  {} CPUs  {}\n",
                        s.name(),
                        s.cpu_count(),
                        s.title()
                    )
                })
                .collect())
        }
        Command::Run {
            source,
            arch,
            mitigation,
            schedule,
            json,
            width,
            ladder_only,
            base_url,
        } => {
            let mut loaded = load(&source)?;
            let model = model_of(&loaded, arch, mitigation)?;
            let (schedule, origin) = if schedule.is_none()
                && loaded.schedule.is_none()
                && model.arch() != loaded.scenario.arch()
            {
                (
                    History::adapt_schedule(&model, loaded.scenario.default_schedule()),
                    format!(
                        "{}: default_schedule (carried over to {})",
                        excerpt_path(&source),
                        model.arch()
                    ),
                )
            } else {
                chosen_schedule(schedule.as_deref(), &mut loaded, &source)?
            };
            let history = play(model, &schedule, &origin)?;
            if json {
                return Ok(to_json(&Trace::of(&history)));
            }
            let permalink = (ladder_only || base_url.is_some()).then(|| {
                format!(
                    "{}#{}",
                    base_url.unwrap_or_default(),
                    Permalink::of(&history).encode()
                )
            });
            let options = ladder::Options {
                width,
                ladder_only,
                permalink,
            };
            Ok(ladder::render_with(
                history.model(),
                history.steps(),
                &options,
            ))
        }
        Command::Litmus {
            source,
            arch,
            mitigation,
            schedule,
        } => {
            let mut loaded = load(&source)?;
            let arch = arch.unwrap_or(loaded.scenario.arch());
            if !arch.is_arm64() {
                return Err(format!(
                    "litmus: --arch {arch}: litmus tests are AArch64 code for herd7's aarch64 model (broadcast TLBIs and the DSB rule); {arch} flushes other CPUs' TLBs in IPI handlers, which that model has no instructions for. Use tlbsim explore --arch {arch} instead."
                ));
            }
            let (schedule, origin) = chosen_schedule(schedule.as_deref(), &mut loaded, &source)?;
            // As explore and run build it: --arch arm64 overrides a file's arch.
            let model = model_of(&loaded, Some(arch), mitigation)?;
            // A schedule that does not replay is the user's error, said as run
            // says it; only a replayable one can be refused as untranslatable.
            play(model.clone(), &schedule, &origin)?;
            litmus::export(&model, &schedule)
                .map(|t| t.text)
                .map_err(|e| {
                    format!(
                        "litmus: cannot translate {} faithfully: {e}",
                        excerpt_path(&source)
                    )
                })
        }
        Command::Explore {
            source,
            arch,
            mitigation,
            max_states,
            max_memory,
            unreduced,
            json,
        } => {
            let loaded = load(&source)?;
            let model = model_of(&loaded, arch, mitigation)?;
            let mitigation = model.mitigation();
            let arch = model.arch();
            let mut config = ExploreConfig::default();
            if let Some(max) = max_states {
                config.max_states = max;
            }
            if let Some(max) = max_memory {
                config.max_memory = max;
            }
            config.reduce = !unreduced;
            let start = Instant::now();
            let report = explore(&model, config);
            let elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
            let name = model.scenario().name();
            if json {
                return Ok(to_json(&ExploreJson {
                    scenario: name,
                    arch,
                    mitigation,
                    states: report.states,
                    terminal_states: report.terminal_states,
                    violation_states: report.violation_states,
                    transitions: report.transitions,
                    complete: report.complete,
                    stopped_by: report.stopped_by.map(|b| b.name()),
                    symmetry_groups: &report.symmetry_groups,
                    states_without_symmetry: report.states_without_symmetry,
                    bytes_per_state: report.bytes_per_state(),
                    memory_bytes: report.memory_bytes,
                    stale_write_reachable: report.stale_write_reachable,
                    access_after_unmap_reachable: report.access_after_unmap_reachable,
                    lost_write_reachable: report.lost_write_reachable,
                    deadlock_reachable: report.deadlock_reachable,
                    verdict: report.verdict().name(),
                    shortest_counterexample: report
                        .shortest_counterexample
                        .as_ref()
                        .map(|c| c.events.iter().map(Event::to_string).collect()),
                    counterexamples: report
                        .counterexamples
                        .iter()
                        .map(|c| {
                            (
                                c.kind.name(),
                                c.events.iter().map(Event::to_string).collect(),
                            )
                        })
                        .collect(),
                    elapsed_ms,
                }));
            }
            let on_arch = if arch.is_arm64() {
                String::new()
            } else {
                format!(" [arch: {arch}]")
            };
            let arch_flag = if arch.is_arm64() {
                String::new()
            } else {
                format!(" --arch {arch}")
            };
            let mut out = format!(
                "{name}{on_arch} [mitigation: {mitigation}]\n\
                 verdict: {}\n\
                 states: {} ({} terminal, {} breaking a promise or deadlocked), {} transitions{}\n\
                 memory: {:.1} bytes per state, {:.1} MiB of tables\n\
                 time: {elapsed_ms:.3} ms\n",
                report.verdict().name(),
                report.states,
                report.terminal_states,
                report.violation_states,
                report.transitions,
                match report.stopped_by {
                    None => String::new(),
                    Some(bound) => format!(
                        " (stopped at --{}: incomplete)",
                        bound.name().replace('_', "-")
                    ),
                },
                report.bytes_per_state(),
                report.memory_bytes as f64 / f64::from(1 << 20),
            );
            if !report.symmetry_groups.is_empty() {
                let groups: Vec<String> = report
                    .symmetry_groups
                    .iter()
                    .map(|g| {
                        let cpus: Vec<String> = g.iter().map(ToString::to_string).collect();
                        cpus.join("/")
                    })
                    .collect();
                out.push_str(&format!(
                    "symmetry: {} interchangeable; the states stand for {} (factor {:.1})\n",
                    groups.join(", "),
                    report.states_without_symmetry,
                    report.symmetry_factor()
                ));
            }
            let reachable: Vec<&str> = sim_core::ViolationKind::ALL
                .into_iter()
                .filter(|k| report.reachable(*k))
                .map(|k| k.name())
                .collect();
            if !reachable.is_empty() {
                out.push_str(&format!("reachable: {}\n", reachable.join(", ")));
            }
            match report.shortest_schedule() {
                Some(schedule) if schedule.is_empty() => out
                    .push_str("shortest counterexample: the initial state (nothing can happen)\n"),
                Some(schedule) => out.push_str(&format!(
                    "shortest counterexample: {schedule}\n\
                     replay: tlbsim run {}{arch_flag} --mitigation {mitigation} --schedule '{schedule}'\n",
                    shell_word(&source)
                )),
                None => {}
            }
            for c in report.counterexamples.iter() {
                if report.shortest_counterexample.as_ref() != Some(c) {
                    out.push_str(&format!(
                        "shortest {}: {}\n",
                        c.kind.name(),
                        sim_core::format_schedule(&c.events)
                    ));
                }
            }
            Ok(out)
        }
    }
}

/// `word` as one shell word to paste: as it is when it is plain, else in single
/// quotes (a file named `x;touch PWNED` must not run anything). A name with
/// unprintable characters is not printed: `FILE` stands for it.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./,:=+@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else if word.chars().all(sim_core::limits::is_printable) {
        format!("'{}'", word.replace('\'', r"'\''"))
    } else {
        "FILE".to_string()
    }
}

/// Writes a line to standard error; a standard error that cannot be written
/// (full, closed) loses the line but does not abort tlbsim.
fn warn(message: &str) {
    let line = format!("tlbsim: {}\n", sim_core::limits::safe_message(message));
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// Whether standard output was closed when tlbsim started (`tlbsim run x >&-`).
/// Rust's runtime reopens a closed standard descriptor on /dev/null before
/// `main`, so the output would be lost and the exit status 0: this looks
/// first, from the binary's initialisers, which run before the runtime.
#[cfg(target_os = "linux")]
mod closed_stdout {
    use std::sync::atomic::{AtomicBool, Ordering};

    static CLOSED: AtomicBool = AtomicBool::new(false);

    extern "C" fn look() {
        // SAFETY: F_GETFD reads descriptor 1's flags and changes nothing; it
        // fails only when the descriptor is not open.
        if unsafe { libc::fcntl(1, libc::F_GETFD) } == -1 {
            CLOSED.store(true, Ordering::Relaxed);
        }
    }

    #[used]
    #[link_section = ".init_array"]
    static LOOK: extern "C" fn() = look;

    /// Whether descriptor 1 was closed at the start.
    pub fn was_closed() -> bool {
        CLOSED.load(Ordering::Relaxed)
    }
}

#[cfg(target_os = "linux")]
fn stdout_was_closed() -> bool {
    closed_stdout::was_closed()
}

#[cfg(not(target_os = "linux"))]
fn stdout_was_closed() -> bool {
    false
}

fn main() -> ExitCode {
    if stdout_was_closed() {
        warn("could not write the output: standard output is closed");
        return ExitCode::FAILURE;
    }
    let result = parse_args(std::env::args_os().skip(1)).and_then(execute);
    match result {
        Ok(out) => {
            // Output that did not arrive (a full disk, a closed pipe) is a failure:
            // a script must not take a truncated trace for a whole one.
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    warn(&format!("could not write the output: {e}"));
                    ExitCode::FAILURE
                }
            }
        }
        Err(message) => {
            warn(&message);
            ExitCode::from(2)
        }
    }
}
