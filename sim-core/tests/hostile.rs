//! Hostile input (issue 14): the reproducers of the issue as tests. A link or a
//! file from a stranger can never hang, exhaust memory or silently mislead: sizes
//! are checked before parsing, strings have limits, layout is linear, errors quote
//! only excerpts and name where, output errors are failures.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sim_core::lesson::Lesson;
use sim_core::limits::{self, MAX_FILE_BYTES, MAX_PERMALINK_BYTES, MAX_SCENARIO_BYTES};
use sim_core::permalink::{base64url_encode, Permalink};
use sim_core::scenario::{self, ScenarioFile, MAX_CPUS, MAX_PAGES, MAX_TASKS};
use sim_core::trace::Trace;
use sim_core::{ladder, History, Mitigation, Model, Scenario, ScenarioError};

/// The issue's own bound for layout and refusals, in CPU time: the work done,
/// whatever else the machine running the tests is busy with.
const FAST: Duration = Duration::from_millis(100);
/// A wall-clock bound besides, so that waiting (which costs no CPU) is caught.
const NO_WAIT: Duration = Duration::from_secs(3);

struct Run {
    code: i32,
    stderr: String,
    /// The CPU time tlbsim used (user and system).
    took: Duration,
}

/// Runs tlbsim, timing it by the CPU time of that one child (wait4), and checking
/// that it did not wait either.
fn tlbsim(args: &[&str]) -> Run {
    tlbsim_within(args, None)
}

/// [`tlbsim`] with its address space limited to `mib` MiB (`RLIMIT_AS`): an
/// allocation past it fails and tlbsim aborts, so the run shows the memory one
/// input needs. (`ru_maxrss` of a child cannot: it starts from the test
/// process's own, which other tests' threads share.)
#[allow(clippy::zombie_processes)] // reaped by wait4, in tlbsim_within
fn tlbsim_within(args: &[&str], mib: Option<u64>) -> Run {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    let start = Instant::now();
    let mut command = Command::new(env!("CARGO_BIN_EXE_tlbsim"));
    if let Some(mib) = mib {
        let limit = libc::rlimit {
            rlim_cur: mib << 20,
            rlim_max: mib << 20,
        };
        // SAFETY: setrlimit is async-signal-safe and touches only the child.
        unsafe {
            command.pre_exec(move || {
                if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
    }
    let mut child = command
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tlbsim runs");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let mut status = 0;
    // SAFETY: a zeroed rusage is valid; wait4 reaps this child and fills it in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32, "wait4");
    assert!(
        start.elapsed() < NO_WAIT,
        "tlbsim {args:?} waited {:?}",
        start.elapsed()
    );
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    assert!(libc::WIFEXITED(status), "tlbsim exits normally");
    Run {
        took: time(usage.ru_utime) + time(usage.ru_stime),
        code: libc::WEXITSTATUS(status),
        stderr,
    }
}

/// The CPU time this thread has used.
fn thread_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the one we pass.
    assert_eq!(
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) },
        0
    );
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tlbsim-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn seed_file() -> Value {
    serde_json::from_str(scenario::builtin_json("seed-race").unwrap()).unwrap()
}

/// A 1 MB and a 3 MB single-word title lay out in linear steps (each line is
/// one piece of the word, nothing is lost or copied twice) and well under the
/// issue's 100 ms; they took 23.6 s and more than 112 s before.
#[test]
fn megabyte_single_word_titles_lay_out_in_linear_time() {
    for mb in [1, 3] {
        let word = "w".repeat(mb << 20);
        let (start, cpu) = (Instant::now(), thread_cpu());
        let lines = ladder::wrap(&word, ladder::WIDTH);
        let took = thread_cpu() - cpu;
        assert!(start.elapsed() < NO_WAIT);
        assert_eq!(lines.len(), word.len().div_ceil(ladder::WIDTH), "{mb} MB");
        let total: usize = lines.iter().map(String::len).sum();
        assert_eq!(total, word.len(), "{mb} MB: every byte laid out once");
        assert!(took < FAST, "{mb} MB single-word title took {took:?}");
    }
}

/// The same title in a file is refused before anything is laid out, at once:
/// by the size of the text (1 MB), or by the title's own limit (100 KB); the
/// message quotes no more than an excerpt.
#[test]
fn a_file_with_a_huge_title_is_refused_quickly() {
    for (len, says) in [
        (1 << 20, "is over the limit of 256 KiB (MAX_SCENARIO_BYTES"),
        (100_000, "title: at most 200 characters, not 100000"),
    ] {
        let mut file = seed_file();
        file["title"] = Value::String("t".repeat(len));
        let path = temp_path(&format!("title-{len}.json"));
        std::fs::write(&path, file.to_string()).unwrap();
        let run = tlbsim(&["run", path.to_str().unwrap()]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains(says), "{}", run.stderr);
        assert!(run.stderr.len() < 300, "{}", run.stderr);
        assert!(run.took < FAST, "took {:?}", run.took);
    }
}

/// A 50 MB file is refused by its size without being read, /dev/zero after
/// reading one byte past the limit; both name the limit, in under 100 ms.
#[test]
fn huge_and_endless_files_are_refused_unread() {
    let path = temp_path("huge.json");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(50 << 20).unwrap(); // sparse: costs no disk
    for source in [path.to_str().unwrap(), "/dev/zero"] {
        let run = tlbsim(&["run", source]);
        assert_eq!(run.code, 2, "{source}: {}", run.stderr);
        assert!(
            run.stderr.contains("MAX_FILE_BYTES") && run.stderr.contains("8 MiB"),
            "{source}: {}",
            run.stderr
        );
        assert!(run.took < FAST, "{source}: took {:?}", run.took);
    }
    let run = tlbsim(&["run", path.to_str().unwrap()]);
    assert!(
        run.stderr.contains("a file of 50 MiB is over the limit"),
        "{}",
        run.stderr
    );
}

/// `--json > /dev/full` is a failure with a message, not a silent success.
#[test]
fn output_that_cannot_be_written_is_a_failure() {
    let out = Command::new(env!("CARGO_BIN_EXE_tlbsim"))
        .args(["run", "seed-race", "--json"])
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("could not write the output"), "{stderr}");
}

/// A 100 KB bad schedule, however it is bad, gives a message under 300 bytes
/// that says which event and quotes an excerpt of it.
#[test]
fn a_huge_bad_schedule_gives_a_short_message() {
    let cases = [
        (format!("{}x", "s1,".repeat(34_000)), "--schedule[34000]"),
        (format!("s{}", "1".repeat(100_000)), "--schedule[0]"),
        (format!("d0>{}", "9".repeat(100_000)), "--schedule[0]"),
        (format!("s0,{}", "q".repeat(100_000)), "--schedule[1]"),
    ];
    for (schedule, at) in cases {
        assert!(schedule.len() >= 100_000);
        let run = tlbsim(&["run", "seed-race", "--schedule", &schedule]);
        assert_eq!(run.code, 2);
        assert!(
            run.stderr.len() < 300,
            "{} bytes: {}",
            run.stderr.len(),
            run.stderr
        );
        assert!(run.stderr.contains(at), "{at}: {}", run.stderr);
    }
    // Replayable text, but an event that cannot happen: named with its index.
    let run = tlbsim(&["run", "seed-race", "--schedule", &"s1,".repeat(30_000)]);
    assert!(run.stderr.len() < 300, "{}", run.stderr);
    assert!(run.stderr.contains("--schedule["), "{}", run.stderr);
    // Other arguments are quoted as excerpts too.
    let long = "m".repeat(100_000);
    for args in [
        vec!["run", "seed-race", "--mitigation", &long],
        vec!["explore", "seed-race", "--max-states", &long],
        vec!["run", "seed-race", &long],
        vec![&long],
    ] {
        let run = tlbsim(&args);
        assert_eq!(run.code, 2);
        assert!(run.stderr.len() < 300, "{}", run.stderr);
    }
}

/// A default_schedule that does not replay is refused naming the field and the
/// event; so is a trace's schedule, naming the file and the field.
#[test]
fn schedules_that_do_not_replay_are_refused_with_their_field() {
    let mut file = seed_file();
    file["default_schedule"] = "s1,s0,s1".into();
    let e = Scenario::from_json(&file.to_string()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("default_schedule[2]: s1 does not replay on the dsb kernel"),
        "{e}"
    );

    let history = History::replay(
        Model::new(scenario::builtin("seed-race").unwrap(), Mitigation::Dsb),
        &sim_core::parse_schedule("s1,s0").unwrap(),
    )
    .unwrap();
    let mut trace = serde_json::to_value(Trace::of(&history)).unwrap();
    trace["schedule"] = "s1,s0,s1".into();
    let path = temp_path("trace.json");
    std::fs::write(&path, trace.to_string()).unwrap();
    let run = tlbsim(&["run", path.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    let want = format!(
        "{}: schedule[2]: s1 does not replay on the dsb kernel",
        path.display()
    );
    assert!(run.stderr.contains(&want), "{}", run.stderr);
    trace["schedule"] = "s1,s7".into();
    std::fs::write(&path, trace.to_string()).unwrap();
    let run = tlbsim(&["run", path.to_str().unwrap()]);
    assert!(run.stderr.contains("schedule[1]: s7"), "{}", run.stderr);
    // A trace whose schedule plays, replayed under another kernel, says where
    // the schedule came from.
    trace["schedule"] = "s1,s0,s0,s1".into();
    std::fs::write(&path, trace.to_string()).unwrap();
    let run = tlbsim(&["run", path.to_str().unwrap(), "--mitigation", "none"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Scenario files are objects only: an array of the fields in order is refused.
#[test]
fn a_scenario_is_an_object() {
    let file = seed_file();
    let fields: Vec<Value> = file.as_object().unwrap().values().cloned().collect();
    let e = Scenario::from_json(&Value::Array(fields).to_string()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "(file): a scenario is a JSON object, not an array"
    );
    for (text, kind) in [("\"x\"", "a string"), ("12", "a number"), ("null", "null")] {
        let e = scenario::import(text).unwrap_err().to_string();
        assert!(e.ends_with(kind), "{text}: {e}");
    }
    // Invalid JSON is a syntax error with its place, not a kind.
    assert!(matches!(
        Scenario::from_json("[1,"),
        Err(ScenarioError::Syntax { .. })
    ));
}

/// serde's messages quote the input (an unknown field or variant, a string of
/// the wrong type): only an excerpt is kept.
#[test]
fn json_errors_quote_excerpts() {
    let big = "z".repeat(100_000);
    let mut unknown_field = seed_file();
    unknown_field[big.as_str()] = 1.into();
    let mut unknown_call = seed_file();
    unknown_call["tasks"][0]["program"][0]["op"] = Value::String(big.clone());
    let mut wrong_type = seed_file();
    wrong_type["asid"] = Value::String(big.clone());
    let mut page_name = seed_file();
    page_name["pages"][0]["name"] = Value::String(big.clone());
    for (what, file) in [
        ("field", unknown_field),
        ("call", unknown_call),
        ("type", wrong_type),
        ("page", page_name),
    ] {
        let e = Scenario::from_json(&file.to_string())
            .unwrap_err()
            .to_string();
        assert!(e.len() < 400, "{what}: {} bytes: {}", e.len(), &e[..400]);
        assert!(e.contains("zzzz"), "{what}: quotes an excerpt: {e}");
    }
}

/// Inline permalinks, lessons and scenario texts over their limits are refused
/// before they are read, naming the limit.
#[test]
fn links_lessons_and_texts_over_their_limits_are_refused_unread() {
    let mut file = seed_file();
    file["title"] = Value::String("t".repeat(1 << 20));
    let link = format!(
        "v2/x.{}/dsb/",
        base64url_encode(file.to_string().as_bytes())
    );
    let cpu = thread_cpu();
    let e = Permalink::decode(&link).unwrap_err();
    assert!(thread_cpu() - cpu < FAST);
    assert_eq!(e.part, "length");
    assert!(e.message.contains("MAX_PERMALINK_BYTES"), "{e}");
    let e = Scenario::from_json(&file.to_string()).unwrap_err();
    assert!(e.to_string().contains("MAX_SCENARIO_BYTES"), "{e}");
    let lesson = json!({"format": 2, "title": "t", "scenario": "seed-race",
        "steps": [{"text": "x".repeat(2 << 20)}]});
    let e = Lesson::from_json(&lesson.to_string()).unwrap_err();
    assert!(e.to_string().contains("MAX_LESSON_BYTES"), "{e}");
    // Under the byte limit, the lesson's text limits apply.
    let lesson = json!({"format": 2, "title": "t", "scenario": "seed-race",
        "steps": [{"text": "x".repeat(5000)}]});
    let e = Lesson::from_json(&lesson.to_string()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "steps[0].text: at most 4000 characters, not 5000"
    );
    assert!(limits::check_file_size(50 << 20).is_err());
}

/// One canonical spelling per link: every other one is refused saying how the
/// link is written.
#[test]
fn non_canonical_links_are_refused_with_the_canonical_spelling() {
    let cases = [
        ("v2/seed-race/dsb/1001/+1", "cursor", "write 1"),
        ("v2/seed-race/dsb/1001/0001", "cursor", "write 1"),
        ("v2/seed-race/dsb/1001/4", "cursor", "leaves it out"),
        (
            "##v2/seed-race/dsb/1001",
            "version",
            "is written #v2/... (one # at most",
        ),
        (
            "####v1/seed-race/dsb/1",
            "version",
            "is written #v1/... (one # at most",
        ),
        (" v2/seed-race/dsb/1001", "version", "expected \"v2\""),
        ("v2/seed-race/dsb/1D001", "events", "is written d01"),
        ("v02/seed-race/dsb/1", "version", "expected \"v2\""),
        ("v0/seed-race/dsb/1", "version", "expected \"v2\""),
    ];
    for (link, part, says) in cases {
        let e = Permalink::decode(link).unwrap_err();
        assert_eq!(e.part, part, "{link}: {e}");
        assert!(e.message.contains(says), "{link}: {e}");
    }
    assert!(Permalink::decode("v3/seed-race/dsb/1")
        .unwrap_err()
        .message
        .contains("newer"));
    // Unused base64 bits that are not zero: a second spelling of the same bytes.
    assert_eq!(
        sim_core::permalink::base64url_decode("dGxi"),
        Some(b"tlb".to_vec())
    );
    assert_eq!(
        sim_core::permalink::base64url_decode("-_8"),
        Some(b"\xfb\xff".to_vec())
    );
    assert_eq!(sim_core::permalink::base64url_decode("-_9"), None);
    // Every accepted spelling is the one encode writes.
    for link in [
        "v2/seed-race/dsb/10011111110000",
        "#v2/seed-race/none/100d01D0201/4",
        "v2/tlb-cost/flush_tlb_mm/",
        "v2/tlb-cost/flush_tlb_mm/0/0",
    ] {
        let decoded = Permalink::decode(link).unwrap();
        assert_eq!(decoded.encode(), link.trim_start_matches('#'));
    }
}

/// `family-N` out of range gives the range; a file named like a built-in is
/// said to exist, with how to open it.
#[test]
fn names_say_what_they_are() {
    let run = tlbsim(&["explore", "family-17"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains(&format!("family-N takes N from 2 to {MAX_CPUS}")),
        "{}",
        run.stderr
    );
    let run = tlbsim(&["explore", "family-02"]);
    assert!(run.stderr.contains("family-N takes N"), "{}", run.stderr);

    let dir = temp_path("named");
    std::fs::create_dir_all(&dir).unwrap();
    let mut file = seed_file();
    file["title"] = "The file, not the built-in".into();
    std::fs::write(dir.join("seed-race"), file.to_string()).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_tlbsim"))
        .args(["list"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(run.status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_tlbsim"))
        .args(["run", "seed-race"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "seed-race is the built-in scenario; to open the file of that name, write ./seed-race"
        ),
        "{stderr}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_tlbsim"))
        .args(["run", "./seed-race"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("The file, not the built-in"));
}

/// A scenario at every limit at once fits the byte limits: its file (pretty
/// printed) in MAX_SCENARIO_BYTES, its link in MAX_PERMALINK_BYTES, and the trace
/// of a run to its end in MAX_FILE_BYTES. The limits refuse only what no valid
/// input needs.
#[test]
fn the_largest_valid_inputs_fit_the_byte_limits() {
    // Control characters are the most expensive in JSON (\u0001: 6 bytes).
    let text = |n: usize| "\u{1}".repeat(n);
    let pages: Vec<Value> = (0..MAX_PAGES)
        .map(|i| json!({"name": format!("PAGE{i:04}"), "vpn": 1024 + i, "pfn": 4096 + i}))
        .collect();
    let all: Vec<String> = (0..MAX_PAGES).map(|i| format!("PAGE{i:04}")).collect();
    // 8 calls of 21 steps (lock, flush_tlb_batched_pending, 16 PTEs, unlock,
    // tlb_finish_mmu, return) and 24 of one step: 192 steps, 32 calls.
    let program: Vec<Value> = (0..32)
        .map(|c| {
            if c % 4 == 0 {
                json!({"op": "mprotect", "pages": all})
            } else {
                json!({"op": "read", "page": all[c % MAX_PAGES]})
            }
        })
        .collect();
    let tasks: Vec<Value> = (0..MAX_TASKS)
        .map(|t| {
            json!({"name": format!("task{t:012}"), "role": text(limits::MAX_ROLE_CHARS),
                "cpu": t % MAX_CPUS, "program": program})
        })
        .collect();
    let cpus: Vec<Value> = (0..MAX_CPUS).map(|_| json!({"tlb": all[..4]})).collect();
    let file = json!({
        "format": 2, "name": "n".repeat(limits::MAX_SCENARIO_NAME),
        "title": format!("t{}", text(limits::MAX_TITLE_CHARS - 1)),
        "story": text(limits::MAX_STORY_CHARS), "pages": pages, "cpus": cpus, "tasks": tasks,
    });
    let pretty = serde_json::to_string_pretty(&file).unwrap();
    let parsed: ScenarioFile = serde_json::from_str(&pretty).unwrap();
    let scenario = Scenario::from_json(&pretty).expect("the largest scenario is valid");
    assert_eq!(parsed.validate().unwrap(), scenario);
    assert!(pretty.len() < MAX_SCENARIO_BYTES, "{} bytes", pretty.len());
    // Play it to the end, always the first enabled event.
    let model = Model::new(scenario, Mitigation::Dsb);
    let mut history = History::new(model.clone());
    loop {
        let enabled = model.enabled_events(history.current());
        let Some(event) = enabled.first() else { break };
        history.apply(*event).unwrap();
    }
    assert!(history.cursor() > 1000, "{} steps", history.cursor());
    let link = Permalink::of(&history).encode();
    assert!(link.len() < MAX_PERMALINK_BYTES, "{} bytes", link.len());
    assert_eq!(
        Permalink::decode(&link).unwrap().history().unwrap(),
        history
    );
    let trace = serde_json::to_string_pretty(&Trace::of(&history)).unwrap();
    assert!(trace.len() < MAX_FILE_BYTES, "{} bytes", trace.len());
    let imported = scenario::import(&trace).unwrap();
    assert_eq!(imported.schedule.unwrap(), history.schedule());
}

/// Every limit is documented, with its value, on the line that names it.
#[test]
fn every_limit_is_documented_with_its_value() {
    let scenario_doc = include_str!("../../docs/scenario-format.md");
    let permalink_doc = include_str!("../../docs/permalinks.md");
    let lesson_doc = include_str!("../../docs/lessons.md");
    let kib = |n: usize| format!("{} KiB", n >> 10);
    let mib = |n: usize| format!("{} MiB", n >> 20);
    for (doc, name, value) in [
        (scenario_doc, "MAX_FILE_BYTES", mib(limits::MAX_FILE_BYTES)),
        (scenario_doc, "MAX_SCENARIO_BYTES", kib(MAX_SCENARIO_BYTES)),
        (
            scenario_doc,
            "MAX_LESSON_BYTES",
            mib(limits::MAX_LESSON_BYTES),
        ),
        (
            lesson_doc,
            "MAX_LESSON_BYTES",
            mib(limits::MAX_LESSON_BYTES),
        ),
        (
            permalink_doc,
            "MAX_PERMALINK_BYTES",
            kib(MAX_PERMALINK_BYTES),
        ),
        (permalink_doc, "MAX_SCENARIO_BYTES", kib(MAX_SCENARIO_BYTES)),
        (
            scenario_doc,
            "MAX_TITLE_CHARS",
            limits::MAX_TITLE_CHARS.to_string(),
        ),
        (
            scenario_doc,
            "MAX_STORY_CHARS",
            limits::MAX_STORY_CHARS.to_string(),
        ),
        (
            scenario_doc,
            "MAX_ROLE_CHARS",
            limits::MAX_ROLE_CHARS.to_string(),
        ),
        (
            lesson_doc,
            "MAX_TITLE_CHARS",
            limits::MAX_TITLE_CHARS.to_string(),
        ),
        (
            lesson_doc,
            "MAX_LESSON_TEXT_CHARS",
            limits::MAX_LESSON_TEXT_CHARS.to_string(),
        ),
        (
            lesson_doc,
            "MAX_QUESTION_CHARS",
            limits::MAX_QUESTION_CHARS.to_string(),
        ),
    ] {
        let line = doc
            .lines()
            .find(|l| l.contains(&format!("`{name}`")))
            .unwrap_or_else(|| panic!("{name} is not documented"));
        // The value just before its name: "200 characters (`MAX_TITLE_CHARS`)".
        let at = line.find(&format!("`{name}`")).unwrap();
        let before = &line[at.saturating_sub(value.len() + 30)..at];
        assert!(before.contains(&value), "{name} = {value}: {line}");
    }
    // The names' limits are the table's "names" row.
    let names = scenario_doc
        .lines()
        .find(|l| l.starts_with("| names |"))
        .unwrap();
    for n in [
        limits::MAX_SCENARIO_NAME,
        limits::MAX_PAGE_NAME,
        limits::MAX_TASK_NAME,
    ] {
        assert!(names.contains(&format!("1 to {n}")), "{n}: {names}");
    }
}

/// `litmus` with a schedule that does not replay (a step of a CPU that does not
/// exist, of one whose program is finished, from `--schedule` or a trace) is a
/// replay error worded as `run` words it, exit 2; it panicked in
/// `Model::next_action` before.
#[test]
fn litmus_refuses_schedules_that_do_not_replay_as_run_does() {
    let flood = format!("{}s1", "s1,".repeat(30_000));
    for (schedule, says) in [
        (
            "s2",
            "--schedule[0]: s2 does not replay on the dsb kernel: CPU2 does not exist",
        ),
        (
            "s15",
            "--schedule[0]: s15 does not replay on the dsb kernel: CPU15 does not exist",
        ),
        (
            "s1,s7",
            "--schedule[1]: s7 does not replay on the dsb kernel: CPU7 does not exist",
        ),
        ("d0>9", "--schedule[0]: d0>9 does not replay"),
        (
            &flood,
            "--schedule[8]: s1 does not replay on the dsb kernel: CPU1 cannot step",
        ),
    ] {
        let litmus = tlbsim(&["litmus", "seed-race", "--schedule", schedule]);
        let run = tlbsim(&["run", "seed-race", "--schedule", schedule]);
        assert_eq!(litmus.code, 2, "{}", litmus.stderr);
        assert!(litmus.stderr.contains(says), "{says}: {}", litmus.stderr);
        assert!(!litmus.stderr.contains("panicked"), "{}", litmus.stderr);
        assert_eq!(litmus.stderr, run.stderr, "litmus and run word it alike");
    }
    // A parse error is worded as run words it too.
    let litmus = tlbsim(&["litmus", "seed-race", "--schedule", "s0,x"]);
    assert_eq!(litmus.code, 2);
    assert!(
        litmus.stderr.contains("--schedule[1]: "),
        "{}",
        litmus.stderr
    );
    // A trace, with a --schedule that does not replay on it.
    let history = History::replay(
        Model::new(scenario::builtin("seed-race").unwrap(), Mitigation::Dsb),
        &sim_core::parse_schedule("s1,s0").unwrap(),
    )
    .unwrap();
    let path = temp_path("litmus-trace.json");
    std::fs::write(&path, serde_json::to_string(&Trace::of(&history)).unwrap()).unwrap();
    let run = tlbsim(&["litmus", path.to_str().unwrap(), "--schedule", "s7"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--schedule[0]: s7"), "{}", run.stderr);
    // The trace's own schedule does not finish the tasks: a translation refusal.
    let run = tlbsim(&["litmus", path.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("has not finished"), "{}", run.stderr);
}

/// The library refuses the same schedules without panicking, and the model
/// answers for a CPU that does not exist instead of indexing past its CPUs.
#[test]
fn a_cpu_that_does_not_exist_is_refused_not_indexed() {
    let model = Model::new(scenario::builtin("seed-race").unwrap(), Mitigation::Dsb);
    for schedule in ["s2", "s15", "s1,s7"] {
        let events = sim_core::parse_schedule(schedule).unwrap();
        let e = sim_core::litmus::export(&model, &events).unwrap_err();
        assert!(e.why.contains("does not exist"), "{schedule}: {e}");
    }
    let e = sim_core::litmus::export(&model, &[sim_core::Event::Step(sim_core::CpuId(255))])
        .unwrap_err();
    assert!(e.why.contains("does not exist"), "{e}");
    let m = model.initial();
    for cpu in [2, 15, 16, 255] {
        let cpu = sim_core::CpuId(cpu);
        assert_eq!(model.next_action(&m, cpu), None);
        assert_eq!(model.cpu_status(&m, cpu), sim_core::CpuStatus::Idle);
        assert_eq!(m.current(cpu), None);
    }
    let all = sim_core::machine::CpuSet(u16::MAX);
    for cpu in [16, 17, 200, 255] {
        assert!(!all.contains(sim_core::CpuId(cpu)), "CPU{cpu}");
        assert_eq!(all.without(sim_core::CpuId(cpu)), all, "CPU{cpu}");
    }
    assert!(model.next_action(&m, sim_core::CpuId(0)).is_some());
}

/// Nothing a file holds reaches the terminal raw: an unknown key or call made of
/// terminal escapes (clear the screen, set the title, ring) is quoted escaped.
#[test]
fn terminal_escapes_in_a_file_are_quoted_escaped() {
    let evil = "\u{1b}[2J\u{1b}]0;PWNED\u{7}\u{202e}";
    let mut key = seed_file();
    key[evil] = 1.into();
    let mut op = seed_file();
    op["tasks"][0]["program"][0]["op"] = evil.into();
    let mut page = seed_file();
    page["pages"][0]["name"] = evil.into();
    for (what, file) in [("key", key), ("op", op), ("page", page)] {
        let path = temp_path(&format!("escape-{what}.json"));
        std::fs::write(&path, file.to_string()).unwrap();
        let run = tlbsim(&["run", path.to_str().unwrap()]);
        assert_eq!(run.code, 2, "{what}: {}", run.stderr);
        assert!(
            run.stderr.trim_end().chars().all(limits::is_printable),
            "{what}: {:?}",
            run.stderr
        );
        // Escaped once: the ESC reads \u{1b}, not \\u{1b}.
        assert!(run.stderr.contains("\\u{1b}[2J"), "{what}: {}", run.stderr);
        assert!(!run.stderr.contains("\\\\u"), "{what}: {}", run.stderr);
    }
}

/// The FILE argument is quoted as an excerpt that keeps its end (the file's
/// name), whether the file is missing, cannot be opened or is not a scenario.
#[test]
fn a_huge_file_argument_is_quoted_as_an_excerpt() {
    let name = "a".repeat(100_000);
    let run = tlbsim(&["run", &name]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.len() < 300, "{} bytes", run.stderr.len());
    // A long path to a file that is there, but not a scenario.
    let mut dir = temp_path("deep");
    for i in 0..16 {
        dir.push(format!("{i:03}{}", "d".repeat(200)));
    }
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.json");
    std::fs::write(&file, "{\"format\": 2,").unwrap();
    let path = file.to_str().unwrap();
    assert!(path.len() > 3000);
    for args in [
        vec!["run", path],
        vec!["explore", path],
        vec!["litmus", path],
        vec!["run", dir.to_str().unwrap()],
    ] {
        let run = tlbsim(&args);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.len() < 300,
            "{} bytes: {}",
            run.stderr.len(),
            run.stderr
        );
        assert!(
            run.stderr.contains(" bytes)"),
            "says the length: {}",
            run.stderr
        );
    }
    assert!(tlbsim(&["run", path]).stderr.contains("/bad.json ("));
}

/// Standard output closed (`>&-`) is a failure with a message, like a full disk;
/// a standard error that cannot be written does not make tlbsim abort.
#[test]
fn closed_stdout_fails_and_full_stderr_does_not_abort() {
    for redirect in [">&-", "1<&-"] {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("exec \"$0\" run seed-race {redirect}"))
            .arg(env!("CARGO_BIN_EXE_tlbsim"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{redirect}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("standard output is closed"), "{stderr}");
    }
    // /dev/null is not closed: the output is thrown away on purpose.
    let out = Command::new(env!("CARGO_BIN_EXE_tlbsim"))
        .args(["run", "seed-race"])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    for args in [
        vec!["run", "no-such-file"],
        vec!["run", "seed-race", "--width", "3"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_tlbsim"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: no abort");
    }
}

/// The command `explore` suggests is safe to paste: a file name that means
/// something to a shell is quoted.
#[test]
fn explore_quotes_the_file_in_its_replay_command() {
    let dir = temp_path("quoted");
    std::fs::create_dir_all(&dir).unwrap();
    let name = "x;touch PWNED;'it'.json";
    std::fs::write(dir.join(name), scenario::builtin_json("seed-race").unwrap()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tlbsim"))
        .args(["explore", name])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find(|l| l.starts_with("replay: ")).unwrap();
    assert!(
        line.starts_with(r"replay: tlbsim run 'x;touch PWNED;'\''it'\''.json' --mitigation dsb"),
        "{line}"
    );
    // Pasted into a shell, the line names the file and runs nothing else.
    let pasted = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} >/dev/null",
            line.trim_start_matches("replay: ")
                .replacen("tlbsim", "\"$0\"", 1)
        ))
        .arg(env!("CARGO_BIN_EXE_tlbsim"))
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(pasted.success());
    assert!(!dir.join("PWNED").exists());
}

/// A trace's own `format` is read: another version, a value that is not a
/// version, or none at all is refused, as a scenario file's is.
#[test]
fn a_trace_says_its_format() {
    let history = History::replay(
        Model::new(scenario::builtin("seed-race").unwrap(), Mitigation::Dsb),
        &sim_core::parse_schedule("s1,s0").unwrap(),
    )
    .unwrap();
    let trace = serde_json::to_value(Trace::of(&history)).unwrap();
    assert!(scenario::import(&trace.to_string()).is_ok());
    for (format, says) in [
        (Some(json!(99)), "format: version 99 is not supported"),
        (Some(json!(1e30)), "format: must be a version number"),
        (Some(json!("hello")), "format: must be a version number"),
        (Some(json!([0, 0, 0])), "format: must be a version number"),
        (Some(json!(-2)), "format: must be a version number"),
        (None, "format: missing"),
    ] {
        let mut t = trace.clone();
        match format {
            Some(f) => t["format"] = f,
            None => {
                t.as_object_mut().unwrap().remove("format");
            }
        }
        let e = scenario::import(&t.to_string()).unwrap_err().to_string();
        assert!(e.starts_with(says), "{says}: {e}");
    }
}

/// Inputs over the scenario limit are refused before they are built: an 8 MiB
/// `format` array in a scenario file, and an 8 MiB scenario (one long array, or
/// 700,000 keys) inside a trace. They took 110 to 150 MB before the limit
/// refused them; now little more than the file itself (11 MB).
#[test]
fn oversized_inputs_are_refused_before_they_are_built() {
    let n = MAX_FILE_BYTES - 1000;
    let zeros = |n: usize| format!("[{}0]", "0,".repeat(n / 2 - 2));
    let keys: String = (0..700_000).map(|i| format!("\"k{i}\":0,")).collect();
    let cases = [
        ("format.json", format!("{{\"format\":{}}}", zeros(n))),
        (
            "inner.json",
            format!(
                "{{\"format\":2,\"scenario\":{{\"x\":{}}},\"schedule\":\"s0\"}}",
                zeros(n - 60)
            ),
        ),
        (
            "keys.json",
            format!("{{\"format\":2,\"scenario\":{{{keys}\"k\":0}},\"schedule\":\"s0\"}}"),
        ),
    ];
    for (name, text) in cases {
        assert!(
            text.len() > 7 << 20 && text.len() <= MAX_FILE_BYTES,
            "{name}"
        );
        let path = temp_path(name);
        std::fs::write(&path, &text).unwrap();
        // In 48 MiB of address space: the file's 8 MiB and the program, but no
        // parsed copy of it (these aborted out of memory at 48 MiB before).
        let run = tlbsim_within(&["run", path.to_str().unwrap()], Some(48));
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains("MAX_SCENARIO_BYTES"),
            "{name}: {}",
            run.stderr
        );
        assert!(run.took < FAST * 3, "{name}: took {:?}", run.took);
    }
}

/// A duplicate key is refused wherever a scenario is written: in a scenario
/// file, in a trace and in a lesson (the last `title` won in the last two).
#[test]
fn duplicate_keys_are_refused_in_every_scenario() {
    let file = scenario::builtin_json("seed-race").unwrap();
    let at = file.find("\"title\"").unwrap();
    let dup = format!("{}\"title\": \"first\", {}", &file[..at], &file[at..]);
    let e = Scenario::from_json(&dup).unwrap_err().to_string();
    assert!(e.contains("duplicate field `title`"), "{e}");

    let history = History::new(Model::new(
        scenario::builtin("seed-race").unwrap(),
        Mitigation::Dsb,
    ));
    let trace = serde_json::to_string_pretty(&Trace::of(&history)).unwrap();
    let inner = trace.find("\"scenario\": {").unwrap();
    let at = inner + trace[inner..].find("\"title\"").unwrap();
    let dup = format!("{}\"title\": \"EVIL LAST\", {}", &trace[..at], &trace[at..]);
    let e = scenario::import(&dup).unwrap_err();
    assert!(
        e.to_string().contains("scenario: duplicate field `title`"),
        "{e}"
    );
    // The position is the trace's own: the line of the second title.
    let line = trace[..at].matches('\n').count() + 1;
    assert!(
        matches!(e, ScenarioError::Syntax { line: l, .. } if l == line),
        "{e:?}, line {line}"
    );

    let lesson = |scenario: &str| {
        format!(
            "{{\"format\": 2, \"title\": \"t\", \"scenario\": {scenario}, \"steps\": [{{\"text\": \"x\"}}]}}"
        )
    };
    assert!(Lesson::from_json(&lesson(file)).is_ok());
    let at = file.find("\"title\"").unwrap();
    let dup = format!("{}\"title\": \"EVIL\", {}", &file[..at], &file[at..]);
    let e = Lesson::from_json(&lesson(&dup)).unwrap_err().to_string();
    assert!(e.contains("scenario: duplicate field `title`"), "{e}");
    // An inline scenario over the scenario limit is refused as one, unparsed.
    let mut big = seed_file();
    big["story"] = Value::String("s".repeat(300 << 10));
    let e = Lesson::from_json(&lesson(&big.to_string()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("MAX_SCENARIO_BYTES"), "{e}");
    // A lesson's scenario is a name or an object.
    let e = Lesson::from_json(&lesson("3")).unwrap_err().to_string();
    assert!(
        e.contains("expected a built-in scenario's name or a scenario object"),
        "{e}"
    );
}

/// Nits of the review: one spelling per event number, exact sizes one byte
/// over a limit, a BOM said as such, the generated families in the not-found
/// message, and a FIFO with no writer refused instead of waited on.
#[test]
fn small_things_say_what_they_are() {
    for (text, says) in [
        ("s01", "CPU number \"01\" is written without leading zeros"),
        (
            "d0.00>1",
            "TLBI number \"00\" is written without leading zeros",
        ),
        (
            "d00>1",
            "CPU number \"00\" is written without leading zeros",
        ),
        (
            "d0>01",
            "CPU number \"01\" is written without leading zeros",
        ),
    ] {
        let e = text.parse::<sim_core::Event>().unwrap_err().to_string();
        assert!(e.contains(says), "{text}: {e}");
    }
    for text in ["s0", "s10", "d0.0>1", "d0.10>1", "d10>0"] {
        let event: sim_core::Event = text.parse().unwrap();
        assert_eq!(event.to_string().parse::<sim_core::Event>(), Ok(event));
    }

    let bom = format!("\u{feff}{}", scenario::builtin_json("seed-race").unwrap());
    let e = scenario::import(&bom).unwrap_err().to_string();
    assert!(e.contains("byte order mark"), "{e}");

    let run = tlbsim(&["run", "no-such-scenario"]);
    assert!(
        run.stderr
            .contains(&format!("not family-N or scale-N (N = 2 to {MAX_CPUS})")),
        "{}",
        run.stderr
    );

    let fifo = temp_path("fifo");
    let _ = std::fs::remove_file(&fifo);
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let run = tlbsim(&["run", fifo.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("is empty"), "{}", run.stderr);
    // A pipe with a writer is read as it is written (process substitution),
    // even when the writer is slow to start.
    let piped = temp_path("piped.json");
    std::fs::write(&piped, scenario::builtin_json("seed-race").unwrap()).unwrap();
    let status = Command::new("bash")
        .arg("-c")
        .arg("\"$0\" run <(sleep 0.2; cat \"$1\") --json >/dev/null")
        .arg(env!("CARGO_BIN_EXE_tlbsim"))
        .arg(&piped)
        .status()
        .unwrap();
    assert!(status.success());
}
