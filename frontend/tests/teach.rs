//! Component tests of the teaching modes: the comparison of two kernels.

use frontend::components::compare::{ComparePanel, CompareProps};
use frontend::state::AppState;
use frontend::view::View;
use sim_core::{parse_schedule, History, Mitigation};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlButtonElement};

wasm_bindgen_test_configure!(run_in_browser);

fn root() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div
}

fn seed_after(schedule: &str) -> AppState {
    let mut state = AppState::new("seed-race", Mitigation::Dsb);
    let events = parse_schedule(schedule).unwrap();
    state.history = History::replay(state.history.model().clone(), &events).unwrap();
    state
}

fn text(div: &Element, selector: &str) -> Vec<String> {
    let list = div.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().text_content().unwrap_or_default())
        .collect()
}

fn button(div: &Element, name: &str) -> HtmlButtonElement {
    let list = div.query_selector_all("button").unwrap();
    (0..list.length())
        .map(|i| {
            list.item(i)
                .unwrap()
                .dyn_into::<HtmlButtonElement>()
                .unwrap()
        })
        .find(|b| b.text_content().unwrap_or_default().trim() == name)
        .unwrap_or_else(|| panic!("no button {name:?}"))
}

async fn mount_compare(state: AppState) -> Element {
    let div = root();
    let props = CompareProps {
        view: View::read_only(state),
    };
    yew::Renderer::<ComparePanel>::with_root_and_props(div.clone(), props).render();
    yew::scheduler::flush().await;
    div
}

#[wasm_bindgen_test]
async fn compare_shows_stale_under_dsb_and_safe_under_flush_tlb_mm() {
    let div = mount_compare(seed_after("s1,s0,s0,s1,s1,s1,s1,s0,s0")).await;
    let outcomes = text(&div, "[role=status] .verdict");
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    assert!(outcomes[0].contains("STALE WRITE"), "{outcomes:?}");
    assert!(outcomes[1].contains("Finished safely"), "{outcomes:?}");
    let misses = text(&div, ".misses");
    assert!(misses[0].contains("TLB misses: 1"), "{misses:?}");
    assert!(misses[1].contains("TLB misses: 2"), "{misses:?}");
    let banner = text(&div, ".divergence");
    assert!(banner[0].contains("diverge at event 4 (s1)"), "{banner:?}");
    let marked = text(&div, "li.diverge");
    assert_eq!(marked.len(), 2, "highlighted on both sides: {marked:?}");
}

#[wasm_bindgen_test]
async fn compare_steps_both_sides_with_one_button() {
    let div = mount_compare(seed_after("")).await;
    assert!(text(&div, ".divergence")[0].contains("Step the CPUs"));
    button(&div, "Step CPU1").click();
    yew::scheduler::flush().await;
    let steps = text(&div, "ol.compare-steps li");
    assert_eq!(steps.len(), 2, "one row on each side: {steps:?}");
    assert!(steps.iter().all(|s| s.starts_with("s1")), "{steps:?}");
    button(&div, "\u{25C0} Back").click();
    yew::scheduler::flush().await;
    assert!(text(&div, "ol.compare-steps li").is_empty());
}
