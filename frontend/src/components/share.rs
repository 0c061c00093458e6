//! Sharing and files: copy a permalink, an iframe or the plain-text ladder;
//! download SVG or JSON; import a scenario or trace file (picker or drop).

use sim_core::scenario::{import, Imported};
use sim_core::{History, Mitigation, Model};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::browser;
use crate::state::{Action, AppState};
use crate::view::View;

/// Props of the share bar.
#[derive(Properties, PartialEq)]
pub struct ShareProps {
    /// State and dispatcher.
    pub view: View,
}

/// The full URL of the current view.
pub fn link(state: &AppState) -> String {
    format!("{}#{}", browser::base_url(), state.permalink())
}

/// The iframe HTML that embeds the current view.
pub fn embed_code(state: &AppState) -> String {
    format!(
        r#"<iframe src="{}?embed#{}" title="tlbrace: {}" width="720" height="560" style="border:1px solid #ccc"></iframe>"#,
        browser::base_url(),
        state.permalink(),
        state.model().scenario().title().replace('"', "&quot;")
    )
}

/// A file name for downloads of the current view, e.g. `tlbrace-seed-race-dsb.svg`.
fn file_name(state: &AppState, ext: &str) -> String {
    format!(
        "tlbrace-{}-{}.{ext}",
        state.model().scenario().name(),
        state.model().mitigation()
    )
}

/// The history an imported file describes: its schedule replayed under its
/// mitigation (or the current one), stopping with an error at a bad event.
pub fn imported_history(imported: Imported, current: Mitigation) -> Result<History, String> {
    let model = Model::new(imported.scenario, imported.mitigation.unwrap_or(current));
    let events = imported.schedule.unwrap_or_default();
    History::replay(model, &events).map_err(|(_, e)| format!("the file's schedule: {e}"))
}

/// Reads a file's text and loads it, or says what is wrong and where.
pub fn load_file(file: web_sys::File, current: Mitigation, dispatch: Callback<Action>) {
    wasm_bindgen_futures::spawn_local(async move {
        let name = file.name();
        let action = match browser::read_file(file).await {
            Err(e) => Action::ShowError(e),
            Ok(text) => match import(&text)
                .map_err(|e| e.to_string())
                .and_then(|i| imported_history(i, current))
            {
                Ok(history) => Action::LoadHistory(history),
                Err(e) => Action::ShowError(format!("{name}: {e}")),
            },
        };
        dispatch.emit(action);
    });
}

fn copy_action(text: String, done: &'static str, dispatch: Callback<Action>) {
    wasm_bindgen_futures::spawn_local(async move {
        dispatch.emit(match browser::copy(text).await {
            Ok(()) => Action::Notify(done.to_string()),
            Err(e) => Action::ShowError(format!("Could not copy: {e}")),
        });
    });
}

/// Buttons to share, export and import.
#[component]
pub fn ShareBar(props: &ShareProps) -> Html {
    let view = &props.view;
    let state = view.state.clone();
    let copy = |make: fn(&AppState) -> String, done: &'static str| {
        let state = state.clone();
        let dispatch = view.dispatch.clone();
        Callback::from(move |_: MouseEvent| copy_action(make(&state), done, dispatch.clone()))
    };
    let text = |s: &AppState| sim_core::ladder::render(s.model(), s.history.steps());
    let download = |ext: &'static str, mime: &'static str, make: fn(&AppState) -> String| {
        let state = state.clone();
        let dispatch = view.dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            if let Err(e) = browser::download(&file_name(&state, ext), mime, &make(&state)) {
                dispatch.emit(Action::ShowError(format!("Could not download: {e}")));
            }
        })
    };
    let svg = |s: &AppState| sim_core::svg::render(s.model(), s.history.steps());
    let json = |s: &AppState| {
        serde_json::to_string_pretty(&sim_core::trace::Trace::of(&s.history)).unwrap_or_default()
    };
    let onimport = {
        let dispatch = view.dispatch.clone();
        let current = state.model().mitigation();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                load_file(file, current, dispatch.clone());
            }
            input.set_value("");
        })
    };
    html! {
        <div class="share" role="group" aria-label="Share and export">
            <button onclick={copy(link, "Link copied: it opens exactly this view.")}>{ "Copy link" }</button>
            <button onclick={copy(embed_code, "Embed code copied: paste it into a web page.")}>{ "Copy embed code" }</button>
            <button onclick={copy(text, "Ladder diagram copied as plain text (80 columns, ASCII).")}>{ "Copy as text" }</button>
            <button onclick={download("svg", "image/svg+xml", svg)}>{ "Download SVG" }</button>
            <button onclick={download("json", "application/json", json)}>{ "Download JSON" }</button>
            <label class="import">
                { "Import JSON\u{2026}" }
                <input type="file" accept=".json,application/json" onchange={onimport} />
            </label>
        </div>
    }
}
