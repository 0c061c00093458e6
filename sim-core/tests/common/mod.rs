//! Helpers shared by the test files: exploring a model to its exact set of
//! reachable violations, and replaying every counterexample the explorer gives.
#![allow(dead_code)] // each test file uses some of these

use sim_core::explorer::Counterexample;
use sim_core::{
    explore, Effect, ExploreConfig, ExploreReport, History, Model, Outcome, Verdict, ViolationKind,
};

/// The kinds of violation the report says are reachable, in [`ViolationKind::ALL`] order.
pub fn kinds(report: &ExploreReport) -> Vec<ViolationKind> {
    ViolationKind::ALL
        .into_iter()
        .filter(|k| report.reachable(*k))
        .collect()
}

/// Explores `model` completely and asserts that exactly `expect` is reachable,
/// that the verdict names the kind of the shortest counterexample, and that every
/// counterexample replays (through [`History::replay`]) to the violation it names
/// and no shorter prefix of it does.
pub fn check_model(model: &Model, expect: &[ViolationKind], at: &str) -> ExploreReport {
    let report = explore(model, ExploreConfig::default());
    assert!(report.complete, "{at}: exploration hit the bound");
    assert_eq!(kinds(&report), expect, "{at}: reachable violations");
    let listed: Vec<ViolationKind> = report.counterexamples.iter().map(|c| c.kind).collect();
    assert_eq!(
        listed, expect,
        "{at}: one counterexample per reachable kind"
    );
    match &report.shortest_counterexample {
        None => assert_eq!(report.verdict(), Verdict::Safe, "{at}"),
        Some(shortest) => {
            assert_eq!(report.verdict(), Verdict::of_kind(shortest.kind), "{at}");
            let fewest = report.counterexamples.iter().map(|c| c.events.len()).min();
            assert_eq!(Some(shortest.events.len()), fewest, "{at}: shortest of all");
            assert!(report.counterexamples.contains(shortest), "{at}");
            // The verdict's counterexample ends in the first promise it breaks.
            let history = History::replay(model.clone(), &shortest.events).unwrap();
            let outcome = Outcome::of(model, history.current());
            assert_eq!(
                outcome_kind(&outcome),
                Some(shortest.kind),
                "{at}: {outcome:?}"
            );
        }
    }
    for c in &report.counterexamples {
        replays_to(model, c, at);
    }
    report
}

/// The violation kind an outcome names, if it names one.
pub fn outcome_kind(outcome: &Outcome) -> Option<ViolationKind> {
    match outcome {
        Outcome::StaleWrite(_) => Some(ViolationKind::StaleWrite),
        Outcome::AccessAfterUnmap(_) => Some(ViolationKind::AccessAfterUnmap),
        Outcome::LostWrite(_) => Some(ViolationKind::LostWrite),
        Outcome::Deadlock { .. } => Some(ViolationKind::Deadlock),
        Outcome::Running | Outcome::FinishedSafely => None,
    }
}

/// `c` replays to a violation of its kind at its last event, and not before.
pub fn replays_to(model: &Model, c: &Counterexample, at: &str) {
    let at = format!("{at}: {} counterexample", c.kind.name());
    let history = History::replay(model.clone(), &c.events)
        .unwrap_or_else(|(_, e)| panic!("{at} does not replay: {e}"));
    let before = match history.steps().len() {
        0 | 1 => history.initial(),
        n => &history.steps()[n - 2].machine,
    };
    if c.kind == ViolationKind::Deadlock {
        assert!(
            !model.deadlocked(history.current()).is_empty(),
            "{at} ends in no deadlock"
        );
        assert!(
            c.events.is_empty() || model.deadlocked(before).is_empty(),
            "{at}: already deadlocked one event earlier"
        );
        return;
    }
    let last = history.last().expect("a counterexample has events");
    let broke = last
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Violation(v) if v.kind == c.kind));
    assert!(broke, "{at}: its last event breaks no promise of that kind");
    assert!(history.current().broken.contains(c.kind), "{at}");
    assert!(
        !before.broken.contains(c.kind),
        "{at}: a shorter prefix already broke it"
    );
}

/// The body rows of the first Markdown table after the heading `## {heading}`
/// in `doc` whose header row starts with `header`, each row's cells trimmed of
/// spaces and backquotes; every row must have `columns` cells.
pub fn doc_table_rows(doc: &str, heading: &str, header: &str, columns: usize) -> Vec<Vec<String>> {
    let section = doc
        .split(&format!("\n## {heading}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("the doc has the section {heading:?}"));
    section
        .lines()
        .skip_while(|l| !l.starts_with(header))
        .skip(2) // the header and its --- line
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_string())
                .collect();
            assert_eq!(cells.len(), columns, "{l}");
            cells
        })
        .collect()
}
