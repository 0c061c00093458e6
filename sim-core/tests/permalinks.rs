//! Permalinks: encode then decode is the identity on every view a user can reach,
//! and no string, however broken, makes decoding panic.

use proptest::prelude::*;
use sim_core::permalink::{Permalink, ScenarioRef};
use sim_core::{scenario, History, Mitigation, Model, Scenario};

/// A built-in scenario, or one that is not built in (so it travels inline).
fn scenario_for(index: usize, inline: bool) -> Scenario {
    let builtins = scenario::builtins();
    let base = builtins[index % builtins.len()].clone();
    if !inline {
        return base;
    }
    let mut file = base.to_file();
    file.name = format!("{}-mine", file.name);
    file.title = format!("{} (edited: / # % \u{e9})", file.title);
    file.validate().expect("an edited built-in stays valid")
}

/// A random reachable view: a random schedule, then a random cursor within it.
fn view(index: usize, inline: bool, mitigation: usize, choices: &[u16], back: usize) -> History {
    let model = Model::new(scenario_for(index, inline), Mitigation::ALL[mitigation % 3]);
    let mut history = History::new(model.clone());
    for choice in choices {
        let enabled = model.enabled_events(history.current());
        if enabled.is_empty() {
            break;
        }
        history
            .apply(enabled[usize::from(*choice) % enabled.len()])
            .unwrap();
    }
    history.jump(history.cursor().saturating_sub(back));
    history
}

proptest! {
    #[test]
    fn encode_then_decode_is_the_identity(
        index in 0usize..16,
        inline in any::<bool>(),
        mitigation in 0usize..3,
        choices in prop::collection::vec(any::<u16>(), 0..48),
        back in 0usize..6,
    ) {
        let history = view(index, inline, mitigation, &choices, back);
        let link = Permalink::of(&history);
        prop_assert_eq!(matches!(link.scenario, ScenarioRef::Inline(_)), inline);
        let text = link.encode();
        prop_assert!(text.is_ascii() && !text.contains(['#', '?', ' ', '%']), "URL-safe: {}", text);
        let decoded = Permalink::decode(&text).unwrap();
        prop_assert_eq!(&decoded, &link);
        prop_assert_eq!(decoded.history().unwrap(), history);
    }

    #[test]
    fn decoding_any_string_never_panics(text in ".{0,80}") {
        if let Ok(link) = Permalink::decode(&text) {
            let _ = link.history();
        }
    }

    #[test]
    fn decoding_near_valid_links_never_panics(
        scenario in prop::sample::select(vec!["seed-race", "tlb-cost", "seed-race-4cpu", "nope", "x.e30", "x.", ""]),
        mitigation in prop::sample::select(vec!["none", "dsb", "flush_tlb_mm", "DSB", ""]),
        events in "[0-9dDa-z.]{0,40}",
        cursor in prop::option::of("[0-9-]{0,4}"),
    ) {
        let mut text = format!("v1/{scenario}/{mitigation}/{events}");
        if let Some(c) = cursor {
            text.push('/');
            text.push_str(&c);
        }
        match Permalink::decode(&text) {
            Ok(link) => {
                // Whatever replays must be a view that encodes back to a decodable link.
                if let Ok(history) = link.history() {
                    let again = Permalink::of(&history).encode();
                    prop_assert!(Permalink::decode(&again).is_ok(), "{} -> {}", text, again);
                }
            }
            Err(e) => prop_assert!(!e.message.is_empty()),
        }
    }
}
