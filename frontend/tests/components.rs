//! Component tests in headless Chromium: mount a component over a real sim-core
//! state and read the DOM a user would see.

use frontend::components::board::{Board, BoardProps};
use frontend::components::tlb_table::{TlbTable, TlbTableProps};
use frontend::keyboard::{shortcut_for_key, Shortcut};
use frontend::state::{Action, AppState, Intent};
use frontend::view::View;
use sim_core::{CpuId, Mitigation};
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::{button, root};

/// The seed race under `mitigation` after playing `schedule`.
fn state_after(schedule: &str, mitigation: Mitigation) -> AppState {
    common::seed_race_after(schedule, mitigation)
}

async fn mount_tlb(state: AppState, cpu: u8) -> Element {
    let div = root();
    let props = TlbTableProps {
        history: state.history,
        cpu: CpuId(cpu),
        note: None,
    };
    yew::Renderer::<TlbTable>::with_root_and_props(div.clone(), props).render();
    yew::scheduler::flush().await;
    div
}

async fn mount_timeline(state: AppState) -> Element {
    let div = root();
    let props = BoardProps {
        history: state.history,
        on_event: yew::Callback::noop(),
    };
    yew::Renderer::<Board>::with_root_and_props(div.clone(), props).render();
    yew::scheduler::flush().await;
    div
}

fn rows(div: &Element) -> Vec<String> {
    common::texts(div, "tbody tr")
}

#[wasm_bindgen_test]
async fn tlb_table_shows_the_fill_of_a_miss() {
    let div = mount_tlb(state_after("s1", Mitigation::Dsb), 1).await;
    let caption = div.query_selector("caption").unwrap().unwrap();
    assert_eq!(caption.text_content().unwrap(), "CPU1 TLB");
    let rows = rows(&div);
    assert_eq!(rows.len(), 3, "P filled next to Q and R: {rows:?}");
    assert!(
        rows[0].contains('P') && rows[0].contains("rw") && rows[0].contains("filled"),
        "{rows:?}"
    );
    let counters = div
        .query_selector(".counters")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert!(
        counters.contains("hits0") && counters.contains("misses1"),
        "{counters}"
    );
}

#[wasm_bindgen_test]
async fn tlb_table_marks_the_stale_entry_in_words() {
    // Reclaim cleared P and mprotect returned (its six steps: lock,
    // flush_tlb_batched_pending, change_pte_range, unlock, tlb_finish_mmu, return);
    // CPU1 still caches P read-write.
    let div = mount_tlb(
        state_after("s1,s0,s0,s1,s1,s1,s1,s1,s1", Mitigation::Dsb),
        1,
    )
    .await;
    let stale: Vec<String> = rows(&div)
        .into_iter()
        .filter(|r| r.contains("stale"))
        .collect();
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert!(
        stale[0].contains('P') && stale[0].contains("PTE cleared"),
        "{stale:?}"
    );
}

#[wasm_bindgen_test]
async fn tlb_table_shows_what_flush_tlb_mm_removed() {
    // mprotect's flush_tlb_batched_pending() right after it took the lock.
    let div = mount_tlb(state_after("s1,s0,s0,s1,s1", Mitigation::FlushTlbMm), 1).await;
    let rows = rows(&div);
    let gone: Vec<&String> = rows.iter().filter(|r| r.contains("invalidated")).collect();
    assert_eq!(
        gone.len(),
        3,
        "P, Q and R all invalidated by the ASID flush: {rows:?}"
    );
    assert!(!rows.iter().any(|r| r.contains("stale")), "{rows:?}");
}

#[wasm_bindgen_test]
async fn timeline_disables_a_cpu_spinning_on_the_ptl() {
    // kswapd0 holds the PTL after ptep_get_and_clear; thread1's mprotect wants
    // it next (pte_offset_map_lock).
    let div = mount_timeline(state_after("s1,s0", Mitigation::Dsb)).await;
    assert!(!button(&div, "Step CPU0").disabled());
    assert!(button(&div, "Step CPU1").disabled());
    let status = common::texts(&div, ".cpu-status");
    assert_eq!(
        status,
        [
            "ready",
            "spinning on the page-table lock ptl@0x400000 (kswapd0 on CPU0 holds it)"
        ]
    );
}

#[wasm_bindgen_test]
async fn timeline_lanes_show_the_task_and_its_calls_steps() {
    let div = mount_timeline(state_after("s1,s0,s0,s1", Mitigation::Dsb)).await;
    let headers = common::texts(&div, ".lane header");
    assert_eq!(
        headers,
        ["CPU0kswapd0reclaim", "CPU1thread1writes P, mprotect(P)"]
    );
    // mprotect is one call of thread1's program, its kernel steps under it.
    let calls = common::texts(&div, "[aria-label='thread1 program'] .call-label");
    assert_eq!(calls, ["mprotect(P, PROT_READ)"]);
    let steps = common::texts(&div, "[aria-label='thread1 program'] .call .steps .label");
    assert_eq!(
        steps,
        [
            "pte_offset_map_lock (ptl@0x400000)",
            "flush_tlb_batched_pending",
            "change_pte_range(P)",
            "pte_unmap_unlock (ptl@0x400000)",
            "tlb_finish_mmu",
            "mprotect(PROT_READ) returns",
        ]
    );
    let done = common::texts(&div, "[aria-label='thread1 program'] li.op.done .label");
    assert_eq!(done, ["write P = 1", "pte_offset_map_lock (ptl@0x400000)"]);
}

#[wasm_bindgen_test]
async fn timeline_offers_to_deliver_an_inflight_tlbi() {
    let div = mount_timeline(state_after("s1,s0,s0", Mitigation::Dsb)).await;
    let chip = div
        .query_selector(".chip")
        .unwrap()
        .expect("a TLBI in flight");
    let text = chip.text_content().unwrap();
    assert!(
        text.contains("tlbi vale1is P in flight") && text.contains("not yet at CPU0, CPU1"),
        "{text}"
    );
    let group = chip.query_selector("[role=group]").unwrap().unwrap();
    assert_eq!(
        group.get_attribute("aria-label").as_deref(),
        Some("tlbi vale1is P from CPU0")
    );
    button(&div, "Deliver to CPU1");
    button(&div, "Deliver to CPU0");
    let marked = div.query_selector_all("[aria-current=step]").unwrap();
    let next: Vec<String> = (0..marked.length())
        .map(|i| marked.item(i).unwrap().text_content().unwrap())
        .collect();
    assert_eq!(next.len(), 2, "one next step per CPU: {next:?}");
    assert!(next[0].contains("try_to_unmap_flush_dirty"), "{next:?}");
    assert!(next[1].contains("pte_offset_map_lock"), "{next:?}");
}

/// A TLBI that reaches a TLB without its page says so in that TLB's caption,
/// beside the name and out of the table's accessible name.
#[wasm_bindgen_test]
async fn a_delivery_that_removes_nothing_says_so_on_its_tlb() {
    let div = mount_timeline(state_after("s1,s0,s0,d0>0", Mitigation::Dsb)).await;
    let captions = common::texts(&div, "caption");
    assert_eq!(
        captions,
        ["CPU0 TLBnothing to remove", "CPU1 TLB"],
        "only the reached TLB carries the note"
    );
    let note = div.query_selector("caption .arrow-note").unwrap().unwrap();
    assert_eq!(note.get_attribute("aria-hidden").as_deref(), Some("true"));
    // The arrow's name says the same for a screen reader.
    let arrow = div
        .query_selector("g.arrow.landing")
        .unwrap()
        .expect("the landing arrow is drawn");
    assert_eq!(
        arrow.get_attribute("aria-label").as_deref(),
        Some("tlbi vale1is P from CPU0 reached CPU0: nothing to remove")
    );
    assert!(
        div.query_selector("svg text").unwrap().is_none(),
        "no words in the drawing"
    );
}

#[wasm_bindgen_test]
fn keys_map_to_shortcuts() {
    assert_eq!(shortcut_for_key("1", false), Some(Shortcut::Step(CpuId(1))));
    assert_eq!(shortcut_for_key("7", false), Some(Shortcut::Step(CpuId(7))));
    assert_eq!(shortcut_for_key("9", false), Some(Shortcut::Step(CpuId(9))));
    assert_eq!(shortcut_for_key("10", false), None);
    assert_eq!(shortcut_for_key("ArrowLeft", false), Some(Shortcut::Back));
    assert_eq!(
        shortcut_for_key("m", false),
        Some(Shortcut::CycleMitigation)
    );
    assert_eq!(shortcut_for_key("d", false), Some(Shortcut::Deliver));
    assert_eq!(shortcut_for_key("Escape", false), None);
    assert_eq!(shortcut_for_key("Escape", true), Some(Shortcut::ToggleHelp));
    assert_eq!(
        shortcut_for_key("1", true),
        None,
        "nothing acts behind the help"
    );
    for key in ["d", " ", "ArrowLeft", "m", "r", "p"] {
        assert_eq!(shortcut_for_key(key, true), None, "{key} behind the help");
    }
    assert_eq!(shortcut_for_key("?", true), Some(Shortcut::ToggleHelp));
    assert_eq!(shortcut_for_key("12", false), None);
}

/// `d` delivers the oldest TLBI in flight, first to a CPU other than its
/// issuer (where a stale entry may wait), then to the issuer.
#[wasm_bindgen_test]
fn d_delivers_the_oldest_tlbi_first() {
    use frontend::keyboard::oldest_delivery;
    let state = state_after("s1,s0,s0", Mitigation::Dsb);
    let mut history = state.history.clone();
    let model = history.model().clone();
    let event = oldest_delivery(&model, history.current()).expect("a TLBI in flight");
    assert_eq!(event.to_string(), "d0>1");
    history.apply(event).unwrap();
    let event = oldest_delivery(&model, history.current()).expect("still in flight to CPU0");
    assert_eq!(event.to_string(), "d0>0");
    history.apply(event).unwrap();
    assert_eq!(oldest_delivery(&model, history.current()), None);
}

#[wasm_bindgen_test]
fn a_panic_message_is_shown_in_the_page() {
    // The page's banner, as index.html has it.
    let document = web_sys::window().unwrap().document().unwrap();
    let banner = document.create_element("div").unwrap();
    banner.set_id("panic");
    banner.set_attribute("hidden", "").unwrap();
    let message = document.create_element("span").unwrap();
    message.set_id("panic-message");
    banner.append_child(&message).unwrap();
    document.body().unwrap().append_child(&banner).unwrap();

    frontend::panic::show("panicked at src/state.rs:1:1: boom");

    assert!(!banner.has_attribute("hidden"), "the banner is revealed");
    assert_eq!(
        message.text_content().unwrap(),
        "panicked at src/state.rs:1:1: boom"
    );
}

/// The light build opens permalinks of built-in scenarios itself; what needs
/// the full build (a teaching mode, a link that carries its scenario) is what
/// app.rs flags in the URL for boot.js; each mode has a URL name.
#[wasm_bindgen_test]
fn the_light_build_needs_the_full_one_only_for_what_it_cannot_show() {
    use frontend::capabilities::{Capabilities, Opened};
    use frontend::components::modes::Mode;
    let light = Capabilities::LIGHT;
    match light.open_link("v2/seed-race/dsb/1") {
        Opened::History(h) => assert_eq!(h.cursor(), 1),
        other => panic!("a good link: {other:?}"),
    }
    assert!(
        matches!(light.open_link("v2/nope/dsb/"), Opened::Broken(_)),
        "a broken link is still an error"
    );
    let inline = sim_core::permalink::base64url_encode(b"{}");
    let needs = |mode, fragment: &str| Capabilities::needs_full(mode, fragment);
    assert!(needs(Mode::Visualizer, &format!("v2/x.{inline}/dsb/")));
    // A v1 link opens as its scenario translated into format 2, carried inline.
    assert!(needs(Mode::Visualizer, "v1/seed-race/dsb/1"));
    assert!(!needs(Mode::Visualizer, "v2/seed-race/dsb/1"));
    assert!(!needs(Mode::Visualizer, ""));
    assert!(needs(Mode::Lesson, "v2/seed-race/dsb/1"));
    assert!(light.shows(Mode::Visualizer) && !light.shows(Mode::Compare));
    for mode in Mode::ALL {
        let param = mode.param().unwrap_or("");
        assert_eq!(Mode::from_param(param), mode);
    }
    assert_eq!(Mode::from_param("garbage"), Mode::Visualizer);
}

/// What the explorer's worker posts reads back as the same report, race included.
#[wasm_bindgen_test]
fn worker_replies_round_trip() {
    use frontend::explorer_worker::{failed, Message, Reply, Request};
    use sim_core::explorer::runner::{Progress, Row};
    for scenario in [
        sim_core::scenario::builtin("seed-race").expect("built in"),
        sim_core::scenario::scale(5),
    ] {
        for mitigation in Mitigation::ALL {
            let report = sim_core::explore(
                &sim_core::Model::new(scenario.clone(), mitigation),
                sim_core::ExploreConfig::default(),
            );
            let reply = Reply::Report(Row {
                mitigation,
                report,
                millis: 1.5,
            });
            assert_eq!(Reply::from_js(&reply.to_js()), Some(reply));
        }
    }
    for reply in [
        Reply::Ready,
        Reply::Progress(Progress {
            mitigation: Mitigation::Dsb,
            finished: 1,
            kernels: 3,
            states: 20_000,
            states_without_symmetry: 120_000,
            states_per_second: 1.25e6,
        }),
        failed("why"),
    ] {
        assert_eq!(Reply::from_js(&reply.to_js()), Some(reply));
    }
    let request = Request {
        scenario: "{}".into(),
        arch: Some(sim_core::Arch::X86),
        kernels: vec![Mitigation::FlushTlbMm, Mitigation::None],
        max_states: 7,
        max_memory: 1 << 20,
    };
    assert_eq!(Request::from_js(&request.to_js()), Some(request));
    assert_eq!(
        Reply::from_js(&wasm_bindgen::JsValue::from_str("ready")),
        None
    );
}

/// "Show the race" on a custom scenario does not explore on the main thread: it
/// waits for the explorer's rows (the worker's, in the app), then loads the race.
#[wasm_bindgen_test]
fn show_the_race_on_a_custom_scenario_waits_for_the_explorer() {
    use sim_core::{explore, ExploreConfig, History, Model, Outcome};
    use std::rc::Rc;
    let mut file = sim_core::scenario::builtin("seed-race")
        .expect("built in")
        .to_file();
    file.name = "mine".into();
    let scenario = file.validate().expect("valid");
    let state = AppState::from_history(History::new(Model::new(scenario.clone(), Mitigation::Dsb)));
    let waiting = state.update(Action::ShowRace).0.expect("a new state");
    assert_eq!(waiting.race_wanted, Some(Mitigation::Dsb));
    assert_eq!(
        waiting.history.cursor(),
        0,
        "nothing explored or loaded yet"
    );
    let rows: Vec<_> = Mitigation::ALL
        .into_iter()
        .map(|m| frontend::state::ExplorerRow {
            mitigation: m,
            report: explore(&Model::new(scenario.clone(), m), ExploreConfig::default()),
            millis: 1.0,
        })
        .collect();
    let (loaded, intents) = waiting.update(Action::ExplorerDone {
        scenario: Rc::new(scenario),
        arch: sim_core::Arch::Arm64,
        rows: Rc::new(rows),
    });
    let loaded = loaded.expect("a new state");
    assert_eq!(loaded.race_wanted, None);
    assert_eq!(
        sim_core::format_schedule(&loaded.history.schedule()),
        "s1,s0,s0,s1,s1,s1,s1,s1,s1,s1",
        "the shortest race"
    );
    assert!(matches!(
        Outcome::of(loaded.model(), loaded.history.current()),
        Outcome::StaleWrite(_)
    ));
    assert_eq!(
        intents,
        vec![Intent::RevealEvidence],
        "the race the user waited for is brought on screen"
    );
}

/// Only a race the user asked to see scrolls the page to its evidence: "Show
/// the race", and Play where it stops. A step they took, with the pointer on
/// its button, breaks the same promise without moving the page.
#[wasm_bindgen_test]
fn only_a_race_asked_for_brings_its_evidence_on_screen() {
    let fresh = state_after("", Mitigation::Dsb);
    let (shown, intents) = fresh.update(Action::ShowRace);
    assert_eq!(intents, vec![Intent::RevealEvidence]);
    // The same last step, taken by hand from the step before it.
    let before = shown
        .expect("a new state")
        .update(Action::Back)
        .0
        .expect("moved back");
    let (stepped, intents) = before.update(Action::StepCpu(CpuId(1)));
    assert!(stepped
        .expect("a new state")
        .history
        .last()
        .is_some_and(sim_core::facts::breaks_promise));
    assert_eq!(intents, vec![], "a user's step does not scroll");
    // Play from the step before: it stops at the broken promise and reveals it.
    let (playing, _) = before.update(Action::TogglePlay);
    let (stopped, intents) = playing.expect("playing").update(Action::PlayTick);
    let stopped = stopped.expect("a new state");
    assert!(!stopped.playing, "Play stopped at the broken promise");
    assert_eq!(intents, vec![Intent::RevealEvidence]);
    // Under flush_tlb_mm there is no race: nothing to bring on screen.
    let (_, intents) = state_after("", Mitigation::FlushTlbMm).update(Action::ShowRace);
    assert_eq!(intents, vec![]);
}

#[wasm_bindgen_test]
fn a_scenario_picked_or_a_race_shown_is_a_history_entry_and_a_step_is_not() {
    let fresh = state_after("", Mitigation::Dsb);
    let stepped = fresh.update(Action::StepCpu(CpuId(1))).0.expect("stepped");
    assert_eq!(stepped.entry, fresh.entry, "a step replaces the entry");
    let raced = stepped.update(Action::ShowRace).0.expect("a race loaded");
    assert_eq!(raced.entry, fresh.entry + 1, "a race shown is an entry");
    let back = raced.update(Action::Back).0.expect("moved back");
    assert_eq!(back.entry, raced.entry, "undo is a step");
    let picked = back
        .update(Action::LoadScenario("munmap-race".into()))
        .0
        .expect("another scenario");
    assert_eq!(
        picked.entry,
        raced.entry + 1,
        "a scenario picked is an entry"
    );
    let (same, _) = picked.update(Action::LoadScenario("munmap-race".into()));
    assert!(same.is_none(), "the same scenario again changes nothing");
    // No race under flush_tlb_mm: nothing loaded, no entry.
    let kept = state_after("", Mitigation::FlushTlbMm);
    let (after, _) = kept.update(Action::ShowRace);
    assert_eq!(after.map_or(kept.entry, |s| s.entry), kept.entry);
}

#[wasm_bindgen_test]
fn a_link_to_a_race_brings_its_evidence_on_screen_in_the_visualizer_only() {
    use frontend::route::Mode;
    use frontend::state::Store;
    let race = state_after("s1,s0,s0,s1,s1,s1,s1,s1,s1,s1", Mitigation::Dsb);
    assert!(race
        .history
        .last()
        .is_some_and(sim_core::facts::breaks_promise));
    let opened = Store::opened_link(race.clone());
    assert_eq!(*opened.intents, vec![(1, Intent::RevealEvidence)]);
    let (_, intents) =
        state_after("", Mitigation::Dsb).update(Action::OpenLink(race.history.clone()));
    assert_eq!(intents, vec![Intent::RevealEvidence]);
    for mode in [Mode::Lesson, Mode::Compare, Mode::Editor] {
        let elsewhere = AppState {
            mode,
            ..race.clone()
        };
        assert!(
            Store::opened_link(elsewhere.clone()).intents.is_empty(),
            "{mode:?} at load"
        );
        let fresh = AppState {
            mode,
            ..state_after("", Mitigation::Dsb)
        };
        let (_, intents) = fresh.update(Action::OpenLink(race.history.clone()));
        assert_eq!(
            intents,
            vec![],
            "{mode:?} on Back, Forward or a pasted link"
        );
    }
    // A link that ends on no broken promise never scrolls.
    let (_, intents) = race.update(Action::OpenLink(
        state_after("s1,s0", Mitigation::Dsb).history,
    ));
    assert_eq!(intents, vec![]);
}

async fn mount_batch(state: AppState) -> Element {
    use frontend::components::memory::{BatchState, MemoryProps};
    let div = root();
    let props = MemoryProps {
        view: View::read_only(state),
    };
    yew::Renderer::<BatchState>::with_root_and_props(div.clone(), props).render();
    yew::scheduler::flush().await;
    div
}

/// The batch panel: `mm->tlb_flush_batched`, each task's own `tlb_ubc`, and who
/// holds each PTE table's lock.
#[wasm_bindgen_test]
async fn batch_state_shows_each_tasks_tlb_ubc_and_the_lock_holder() {
    let div = mount_batch(state_after("s1,s0,s0,s1", Mitigation::Dsb)).await;
    let rows = common::texts(&div, "dl > div");
    // thread1's mprotect took mmap_lock for writing and the PTL.
    assert!(
        rows.contains(&"mm->mmap_lockheld for writing by thread1 on CPU1".to_string()),
        "{rows:?}"
    );
    assert!(
        rows.contains(&"ptl@0x400000held by thread1 on CPU1".to_string()),
        "{rows:?}"
    );
    let div = mount_batch(state_after("s1,s0", Mitigation::Dsb)).await;
    let rows = common::texts(&div, "dl > div");
    assert!(
        rows.contains(&"ptl@0x400000held by kswapd0 on CPU0".to_string()),
        "{rows:?}"
    );
    let div = mount_batch(state_after("s1,s0,s0", Mitigation::Dsb)).await;
    let rows = common::texts(&div, "dl > div");
    assert_eq!(
        rows,
        [
            "mm->tlb_flush_batchedpending 1, flushed 0 \u{2014} a flush is owed",
            "mm->mmap_lockfree",
            "mm->tlb_flush_pending0",
            "kswapd0->tlb_ubcflush_required yes, writable yes",
            "thread1->tlb_ubcflush_required no, writable no",
            "ptl@0x400000free",
            "TLBIs in flight1",
        ]
    );
}

/// Two tasks each waiting for the other's flag: the banner says deadlock and
/// names them, and each lane says what its task waits for.
#[wasm_bindgen_test]
async fn a_deadlock_is_shown_as_such() {
    use frontend::components::outcome::{OutcomeBar, OutcomeProps};
    use sim_core::scenario::TaskSpec;
    use sim_core::{Call, History, Model};
    let mut file = sim_core::scenario::builtin("seed-race")
        .expect("built in")
        .to_file();
    file.name = "stuck".into();
    file.default_schedule = String::new();
    let waits = |name: &str, cpu, wait: &str, signal: &str| TaskSpec {
        name: name.into(),
        role: "waits, then signals".into(),
        cpu,
        program: vec![
            Call::Wait { flag: wait.into() },
            Call::Signal {
                flag: signal.into(),
            },
        ],
    };
    file.tasks = vec![
        waits("a", 0, "b_ready", "a_ready"),
        waits("b", 1, "a_ready", "b_ready"),
    ];
    let scenario = file.validate().expect("valid");
    let state = AppState::from_history(History::new(Model::new(scenario, Mitigation::Dsb)));
    let div = root();
    let props = OutcomeProps {
        view: View::read_only(state.clone()),
    };
    yew::Renderer::<OutcomeBar>::with_root_and_props(div.clone(), props).render();
    yew::scheduler::flush().await;
    let banner = div.query_selector("[role=status]").unwrap().unwrap();
    assert_eq!(banner.class_name(), "outcome deadlock");
    let text = banner.text_content().unwrap();
    assert!(
        text.contains("DEADLOCK: nothing can happen any more, but a waits for flag \"b_ready\""),
        "{text}"
    );
    let lanes = mount_timeline(state).await;
    assert_eq!(
        common::texts(&lanes, ".cpu-status"),
        [
            "waiting for flag b_ready to be set",
            "waiting for flag a_ready to be set"
        ]
    );
    assert!(button(&lanes, "Step CPU0").disabled());
}
