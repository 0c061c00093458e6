//! Helpers the component tests share: a mount point, a state after a schedule,
//! and DOM lookups by what a user sees.

#![allow(dead_code)] // each test file uses its own subset

use frontend::state::AppState;
use sim_core::{parse_schedule, History, Mitigation};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement};

/// A fresh element appended to the page's body, to mount a component in.
pub fn root() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div
}

/// The seed race under `mitigation` after playing `schedule`.
pub fn seed_race_after(schedule: &str, mitigation: Mitigation) -> AppState {
    let mut state = AppState::new("seed-race", mitigation);
    let events = parse_schedule(schedule).unwrap();
    state.history = History::replay(state.history.model().clone(), &events).unwrap();
    state
}

/// The text of every element under `div` that matches `selector`.
pub fn texts(div: &Element, selector: &str) -> Vec<String> {
    let list = div.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().text_content().unwrap_or_default())
        .collect()
}

/// The button whose text is `name`; panics naming it if there is none.
pub fn button(div: &Element, name: &str) -> HtmlButtonElement {
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
