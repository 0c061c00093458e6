//! The architectures in the browser: the architecture control, x86's board
//! (a waiting sender, a flush IPI not yet taken with its Take IPI button, the
//! IPI counters), the `i` key, and the reducer's architecture switch.

use std::rc::Rc;

use frontend::components::board::{Board, BoardProps};
use frontend::components::controls::{ArchPicker, ControlProps, MitigationPicker};
use frontend::keyboard::{shortcut_for_key, Shortcut, SHORTCUTS};
use frontend::state::{Action, AppState};
use frontend::view::View;
use sim_core::{format_schedule, parse_schedule, Arch, History, Mitigation, Model};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::{button, root, texts};

/// The seed race on x86 under flush_tlb_mm after `schedule`.
fn x86_after(schedule: &str) -> AppState {
    let scenario = sim_core::scenario::builtin("seed-race").unwrap();
    let model = Model::on(
        std::sync::Arc::new(scenario),
        Mitigation::FlushTlbMm,
        Arch::X86,
    )
    .unwrap();
    let events = parse_schedule(schedule).unwrap();
    AppState::from_history(History::replay(model, &events).unwrap())
}

async fn mount_board(state: AppState) -> Element {
    let div = root();
    let props = BoardProps {
        history: state.history,
        on_event: yew::Callback::noop(),
    };
    yew::Renderer::<Board>::with_root_and_props(div.clone(), props).render();
    yew::scheduler::flush().await;
    div
}

fn view(state: AppState) -> View {
    View {
        state: Rc::new(state),
        dispatch: yew::Callback::noop(),
    }
}

#[wasm_bindgen_test]
async fn x86_board_shows_the_flush_ipi_not_yet_taken() {
    // Reclaim's try_to_unmap_flush_dirty(): the IPI to CPU1 sent, CPU0 waiting.
    let div = mount_board(x86_after("s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s0")).await;
    let take = button(&div, "Take IPI on CPU1");
    assert!(!take.disabled(), "CPU1 may take it");
    assert_eq!(
        take.get_attribute("aria-keyshortcuts").as_deref(),
        Some("i")
    );
    let status = texts(&div, ".cpu-status");
    assert!(
        status[0].contains("waiting in smp_call_function_many_cond() until CPU1"),
        "{status:?}"
    );
    assert!(
        button(&div, "Step CPU0").disabled(),
        "a waiting sender cannot step"
    );
    let chips = texts(&div, "li.chip.ipi");
    assert_eq!(chips.len(), 1, "{chips:?}");
    assert!(chips[0].contains("flush IPI (whole mm)"), "{chips:?}");
    let counters = texts(&div, "dl.counters");
    assert!(counters[0].contains("IPIs sent1"), "{counters:?}");
    assert!(counters[1].contains("IPIs taken0"), "{counters:?}");
    assert!(!counters[1].contains("TLBIs"), "{counters:?}");
}

#[wasm_bindgen_test]
async fn once_taken_the_chip_goes_and_the_counter_moves() {
    let div = mount_board(x86_after("s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s0,i0>1")).await;
    let chips = texts(&div, "li.chip.ipi");
    assert!(
        chips.len() == 1
            && chips[0].contains("taken by every CPU: CPU0's next step finishes the call"),
        "{chips:?}"
    );
    assert!(div.query_selector("button.take-ipi").unwrap().is_none());
    let counters = texts(&div, "dl.counters");
    assert!(counters[1].contains("IPIs taken1"), "{counters:?}");
    assert!(
        !button(&div, "Step CPU0").disabled(),
        "the sender finishes the call"
    );
}

#[wasm_bindgen_test]
async fn the_architecture_control_explains_each_and_the_kernels_follow() {
    let div = root();
    yew::Renderer::<ArchPicker>::with_root_and_props(
        div.clone(),
        ControlProps {
            view: view(x86_after("")),
        },
    )
    .render();
    let kernels = root();
    yew::Renderer::<MitigationPicker>::with_root_and_props(
        kernels.clone(),
        ControlProps {
            view: view(x86_after("")),
        },
    )
    .render();
    yew::scheduler::flush().await;
    assert_eq!(texts(&div, "label"), ["arm64", "x86", "riscv"]);
    let summaries = texts(&div, "p.summary");
    assert_eq!(summaries[1], Arch::X86.summary());
    let chosen = div.query_selector("#arch-x86").unwrap().unwrap();
    assert!(chosen
        .dyn_into::<web_sys::HtmlInputElement>()
        .unwrap()
        .checked());
    assert_eq!(
        texts(&kernels, "label"),
        ["none", "flush_tlb_mm", "local_flush"]
    );
}

#[wasm_bindgen_test]
fn the_i_key_takes_an_ipi_and_the_help_says_so() {
    assert_eq!(shortcut_for_key("i", false), Some(Shortcut::TakeIpi));
    assert_eq!(shortcut_for_key("i", true), None, "not behind the help");
    assert!(SHORTCUTS
        .iter()
        .any(|(k, what)| *k == "i" && what.contains("flush IPI")));
}

#[wasm_bindgen_test]
fn switching_architecture_keeps_the_schedule_as_far_as_it_is_valid() {
    let state = common::seed_race_after("s1,s0,s0,d0>1,s1,s1", Mitigation::Dsb);
    let (next, _) = state.update(Action::SetArch(Arch::X86));
    let next = next.unwrap();
    assert_eq!(next.model().arch(), Arch::X86);
    assert_eq!(next.model().mitigation(), Mitigation::FlushTlbMm);
    assert_eq!(format_schedule(&next.history.schedule()), "s1,s0,s0,s1,s1");
    let notice = next.notice.clone().unwrap();
    assert!(notice.contains("Kept 6 of 6"), "{notice}");
    // And back: the kernel stays.
    let (back, _) = next.update(Action::SetArch(Arch::Arm64));
    let back = back.unwrap();
    assert_eq!(back.model().mitigation(), Mitigation::FlushTlbMm);
    assert_eq!(format_schedule(&back.history.schedule()), "s1,s0,s0,s1,s1");
    // The kernel cycle is the architecture's own.
    let (cycled, _) = next.update(Action::CycleMitigation);
    assert_eq!(cycled.unwrap().model().mitigation(), Mitigation::LocalFlush);
}

#[wasm_bindgen_test]
fn a_scenario_that_makes_no_sense_on_x86_says_why() {
    let state = AppState::new("migration-no-switch-dsb", Mitigation::Dsb);
    let (next, _) = state.update(Action::SetArch(Arch::X86));
    let next = next.unwrap();
    assert_eq!(next.model().arch(), Arch::Arm64);
    let notice = next.notice.unwrap();
    assert!(
        notice.contains("cannot run on x86") && notice.contains("__switch_to()"),
        "{notice}"
    );
}
