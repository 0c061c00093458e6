//! The ladder as a reviewer mails it: `tlbsim run --width 72 --ladder-only` of every
//! built-in under every kernel fits a reply quoted with "> ", breaks no name, and
//! is what the library renders for "Copy for mail".

use std::process::Command;

use sim_core::ladder::{self, Options};
use sim_core::permalink::Permalink;
use sim_core::{scenario, History, Mitigation, Model, Outcome};

fn played(name: &str, mitigation: Mitigation) -> History {
    let scenario = scenario::builtin(name).expect("built-in");
    let schedule = scenario.default_schedule().to_vec();
    History::replay(Model::new(scenario, mitigation), &schedule)
        .unwrap_or_else(|(_, e)| panic!("{name}/{mitigation}: {e}"))
}

fn tlbsim(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tlbsim"))
        .args(args)
        .output()
        .expect("tlbsim runs");
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Words that name something (a kernel function, a lock, a flag): they hold an
/// `_` or an `@`, after the brackets and punctuation around them are dropped.
fn names(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '@'))
        .filter(|w| w.contains('_') || w.contains('@'))
        .map(str::to_string)
        .collect()
}

/// Every built-in, every kernel: lines of at most 72 columns, and every name in
/// the lanes and the outcome line comes out whole, as often as the steps say it.
#[test]
fn every_builtin_mails_at_72_columns_without_breaking_a_name() {
    let mut four_cpus = false;
    for s in scenario::builtins() {
        four_cpus |= s.cpu_count() == 4;
        for m in Mitigation::ALL {
            let h = played(s.name(), m);
            let at = format!("{}/{m}", s.name());
            let out = tlbsim(&[
                "run",
                s.name(),
                "--mitigation",
                m.name(),
                "--width",
                "72",
                "--ladder-only",
            ]);
            for line in out.lines() {
                assert!(line.len() <= 72, "{at}: {} columns: {line:?}", line.len());
                assert!(line.is_ascii(), "{at}: {line:?}");
            }
            assert!(!out.contains("columns wide"), "{at}: widened:\n{out}");
            // The source texts the lanes and the outcome line are made of.
            let machine = h.current().clone();
            let mut source = vec![Outcome::of(h.model(), &machine).describe(h.model(), &machine)];
            for step in h.steps() {
                source.push(step.narrative.headline.clone());
                source.extend(step.narrative.notes.iter().cloned());
            }
            let out_names = names(&out);
            for name in source.iter().flat_map(|t| names(t)) {
                let want = source
                    .iter()
                    .map(|t| names(t).iter().filter(|n| **n == name).count())
                    .sum::<usize>();
                let got = out_names.iter().filter(|n| **n == name).count();
                assert!(got >= want, "{at}: {name} appears {want} times in the steps but whole only {got} times:\n{out}");
            }
            // Only the ladder, the outcome and the link: no numbered prose.
            assert!(
                !out.lines().any(|l| l.trim_start().starts_with("1. ")),
                "{at}: prose:\n{out}"
            );
            let link = format!("#{}", Permalink::of(&h).encode());
            assert_eq!(out.lines().last(), Some(link.as_str()), "{at}");
            // The same text as the library gives the UI's "Copy for mail".
            assert_eq!(
                out,
                ladder::render_with(h.model(), h.steps(), &Options::mail(link)),
                "{at}"
            );
        }
    }
    assert!(four_cpus, "a built-in with 4 CPUs is checked");
}

/// Without --ladder-only the prose and the counters follow the ladder, and a
/// base URL makes the permalink a whole link.
#[test]
fn full_text_keeps_the_prose_and_the_link_takes_a_base_url() {
    let out = tlbsim(&[
        "run",
        "seed-race",
        "--width",
        "72",
        "--base-url",
        "http://127.0.0.1:8105/",
    ]);
    assert!(out.lines().all(|l| l.len() <= 72), "{out}");
    assert!(out.contains("\n  1. CPU1: "), "{out}");
    assert!(out.contains("TLB hits/misses: "), "{out}");
    assert!(
        out.ends_with("\nhttp://127.0.0.1:8105/#v2/seed-race/dsb/10011111110000\n"),
        "{out}"
    );
    // Without either flag the output is what it always was.
    let h = played("seed-race", Mitigation::Dsb);
    assert_eq!(
        tlbsim(&["run", "seed-race"]),
        ladder::render(h.model(), h.steps())
    );
}

/// Too narrow for a name: the lanes close up first, then the diagram widens and
/// says so in its first line, rather than break `set_tlb_ubc_flush_pending`.
#[test]
fn a_width_too_narrow_for_a_name_widens_and_says_so() {
    let h = played("seed-race-4cpu", Mitigation::Dsb);
    let out = ladder::render_with(
        h.model(),
        h.steps(),
        &Options {
            width: 24,
            ladder_only: true,
            permalink: None,
        },
    );
    let first = out.lines().next().unwrap();
    assert!(first.starts_with("(This diagram is "), "{out}");
    let wide: usize = first["(This diagram is ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wide > 24);
    assert!(out.lines().all(|l| l.len() <= wide), "{out}");
    assert!(out.contains("set_tlb_ubc_flush_pending"), "{out}");
    assert!(out.contains("flush_tlb_batched_pending"), "{out}");
}
