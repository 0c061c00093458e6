//! Sharing and files: copy a permalink, an iframe or the plain-text ladder;
//! download SVG or JSON; import a scenario or trace file (picker or drop). The
//! buttons only send actions: app.rs carries out the copies, downloads and reads.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::context::{send, use_dispatch, use_open_file};
use crate::state::{Action, AppState, Copy, Export};

/// The full URL of a view, from the page's address and the view's permalink.
pub fn link_text(base_url: &str, fragment: &str) -> String {
    format!("{base_url}#{fragment}")
}

/// The iframe HTML that embeds a view.
pub fn embed_code(base_url: &str, fragment: &str, title: &str) -> String {
    format!(
        r#"<iframe src="{base_url}?embed#{fragment}" title="tlbrace: {}" width="720" height="560" style="border:1px solid #ccc"></iframe>"#,
        title.replace('"', "&quot;")
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

/// Makes an export: file name, MIME type and content. Part of the full build
/// (`teach::FULL`): SVG and JSON writers are a twentieth of the light build.
pub fn export(kind: Export, state: &AppState) -> (String, &'static str, String) {
    match kind {
        Export::Svg => (
            file_name(state, "svg"),
            "image/svg+xml",
            sim_core::svg::render(state.model(), state.history.steps()),
        ),
        Export::Json => (
            file_name(state, "json"),
            "application/json",
            serde_json::to_string_pretty(&sim_core::trace::Trace::of(&state.history))
                .unwrap_or_default(),
        ),
    }
}

/// Buttons to share, export and import.
#[component]
pub fn ShareBar() -> Html {
    let dispatch = use_dispatch();
    let onimport = {
        let open = use_open_file();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                open.emit(file);
            }
            input.set_value("");
        })
    };
    let act = |action: Action| send::<MouseEvent>(&dispatch, action);
    html! {
        <div class="share" role="group" aria-label="Share and export">
            <button onclick={act(Action::Copy(Copy::Link))}>{ "Copy link" }</button>
            <button onclick={act(Action::Copy(Copy::Embed))}>{ "Copy embed code" }</button>
            <button onclick={act(Action::Copy(Copy::Text))}>{ "Copy as text" }</button>
            <button onclick={act(Action::Copy(Copy::Mail))}>{ "Copy for mail" }</button>
            <button onclick={act(Action::Copy(Copy::Litmus))}>{ "Copy litmus test" }</button>
            <button onclick={act(Action::Export(Export::Svg))}>{ "Download SVG" }</button>
            <button onclick={act(Action::Export(Export::Json))}>{ "Download JSON" }</button>
            <label class="import">
                { "Import JSON\u{2026}" }
                <input type="file" accept=".json,application/json" onchange={onimport} />
            </label>
        </div>
    }
}
