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
        version in prop::sample::select(vec!["v1", "v2", "v3", ""]),
        scenario in prop::sample::select(vec!["seed-race", "tlb-cost", "two-reclaimers", "mremap-race", "nope", "x.e30", "x.", ""]),
        mitigation in prop::sample::select(vec!["none", "dsb", "flush_tlb_mm", "DSB", ""]),
        events in "[0-9dDa-z.]{0,40}",
        cursor in prop::option::of("[0-9-]{0,4}"),
    ) {
        let mut text = format!("{version}/{scenario}/{mitigation}/{events}");
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

/// Links made before format 2 (`v1/...`) name a format-1 built-in and count
/// format-1 steps. Each v1 built-in's default schedule, as a v1 link, opens as the
/// same run in format 2: the translated scenario (carried inline from then on),
/// the translated events, and the same outcome.
#[test]
fn v1_links_of_every_v1_builtin_open_as_the_same_run() {
    use sim_core::v1::{builtin_v1, read_scenario};
    for name in [
        "seed-race",
        "migration",
        "migration-no-switch-dsb",
        "tlb-cost",
        "seed-race-4cpu",
    ] {
        let text = builtin_v1(name).unwrap();
        let v1: serde_json::Value = serde_json::from_str(text).unwrap();
        let events = sim_core::parse_schedule(v1["default_schedule"].as_str().unwrap()).unwrap();
        let read = read_scenario(text).unwrap();
        let translated = read
            .translation
            .as_ref()
            .unwrap()
            .schedule(&events)
            .unwrap();
        for mitigation in Mitigation::ALL {
            let cursor = events.len() / 2;
            let link = format!(
                "v1/{name}/{mitigation}/{}/{cursor}",
                sim_core::permalink::encode_events(&events)
            );
            let decoded = Permalink::decode(&link).unwrap_or_else(|e| panic!("{link}: {e}"));
            assert_eq!(decoded.events, translated, "{link}");
            // The cursor moves with the events: after the same v1 steps.
            let v1_steps = read
                .translation
                .as_ref()
                .unwrap()
                .schedule(&events[..cursor])
                .unwrap();
            assert_eq!(decoded.cursor, v1_steps.len(), "{link}");
            let history = decoded.history().unwrap();
            let model = Model::new(read.scenario.clone(), mitigation);
            let expect = History::replay(model, &translated).unwrap();
            let mut at_end = history.clone();
            at_end.jump(usize::MAX);
            assert_eq!(at_end.current(), expect.current(), "{link}");
            // Re-encoded, it is a v2 link that opens to the same view.
            let again = Permalink::of(&history).encode();
            assert!(again.starts_with("v2/"), "{again}");
            assert_eq!(
                Permalink::decode(&again).unwrap().history().unwrap(),
                history
            );
        }
    }
}

/// v1's same-cpu is refused by the translation (a flow no kernel runs; see
/// v1_translation.rs): its links say so instead of opening something else.
#[test]
fn v1_links_of_same_cpu_say_why_they_cannot_open() {
    let e = Permalink::decode("v1/same-cpu/dsb/1000").unwrap_err();
    assert_eq!(e.part, "scenario");
    assert!(
        e.message.starts_with("the v1 scenario cannot be read: cpus[0].program[2]: mprotect while this task's reclaim batch"),
        "{e}"
    );
}

/// A link that names a built-in scenario opens without reading JSON
/// (`decode_named`, `history_named`, `of_named`) exactly as `decode` and
/// `history` open it; one that carries its scenario is left to those.
#[test]
fn named_links_open_without_json_as_any_link_does() {
    for (index, name) in scenario::builtin_names().enumerate() {
        let history = view(index, false, index, &[1, 2, 3, 4, 5, 6], 2);
        let named = Permalink::of_named(&history).expect("a built-in is named");
        assert_eq!(named, Permalink::of(&history), "{name}");
        let text = named.encode();
        let read = Permalink::decode_named(&text).expect("named").unwrap();
        assert_eq!(read, Permalink::decode(&text).unwrap(), "{name}");
        assert_eq!(read.history_named().unwrap().unwrap(), history, "{name}");
        assert_eq!(read.history().unwrap(), history, "{name}");
    }
    let custom = view(0, true, 0, &[1, 2], 0);
    assert_eq!(Permalink::of_named(&custom), None);
    let text = Permalink::of(&custom).encode();
    assert_eq!(Permalink::decode_named(&text), None, "carries its scenario");
    let link = Permalink::decode(&text).unwrap();
    assert_eq!(link.history_named(), None);
    assert_eq!(link.history().unwrap(), custom);
    assert_eq!(
        Permalink::decode_named("v1/seed-race/dsb/1"),
        None,
        "v1 is translated"
    );
    let broken = Permalink::decode_named("v2/nope/dsb/").expect("a v2 link");
    assert_eq!(broken, Err(Permalink::decode("v2/nope/dsb/").unwrap_err()));
}

/// A generated member (`scale-N`, `family-N`) is named in its link like a
/// built-in, opens without JSON, and a member out of range or with a leading
/// zero is refused naming the valid range; an edited member travels inline.
#[test]
fn generated_members_are_named_in_links() {
    for name in ["scale-3", "scale-8", "scale-16", "family-5"] {
        let scenario = scenario::named(name).expect("generated");
        assert_eq!(scenario.name(), name);
        assert!(scenario.is_named() && !scenario.is_builtin(), "{name}");
        let model = Model::new(scenario, Mitigation::Dsb);
        let mut history = History::new(model.clone());
        for _ in 0..5 {
            let event = model.enabled_events(history.current())[0];
            history.apply(event).unwrap();
        }
        let named = Permalink::of_named(&history).expect("named");
        assert_eq!(named, Permalink::of(&history), "{name}");
        assert!(
            matches!(&named.scenario, ScenarioRef::Builtin(n) if n == name),
            "{name}"
        );
        let text = named.encode();
        let read = Permalink::decode_named(&text).unwrap().unwrap();
        assert_eq!(read.history_named().unwrap().unwrap(), history, "{name}");
    }
    for bad in ["scale-17", "scale-1", "scale-08", "family-x"] {
        let error = Permalink::decode(&format!("v2/{bad}/dsb/")).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("from 2 to 16"), "{bad}: {text}");
    }
    let mut file = scenario::scale(4).to_file();
    file.title.push_str(" (edited)");
    let edited = file.validate().unwrap();
    assert!(!edited.is_named());
    let history = History::new(Model::new(edited, Mitigation::Dsb));
    assert_eq!(Permalink::of_named(&history), None, "travels inline");
}
