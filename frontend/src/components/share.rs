//! Sharing and files: copy a permalink, an iframe or the plain-text ladder;
//! download SVG or JSON; import a scenario or trace file (picker or drop).

use sim_core::scenario::Imported;
use sim_core::{History, Mitigation, Model};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::browser;
use crate::builds::{self, Pending};
use crate::components::modes::Mode;
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

/// What "Copy for mail" copies: the 72-column ladder, its outcome and the link,
/// as `tlbsim run ... --width 72 --ladder-only --base-url URL` prints it.
pub fn mail_text(state: &AppState) -> String {
    let options = sim_core::ladder::Options::mail(link(state));
    sim_core::ladder::render_with(state.model(), state.history.steps(), &options)
}

/// What "Copy litmus test" copies: `tlbsim litmus` of the run shown (all its
/// events, the ones after the cursor included), or why there is none.
pub fn litmus_text(state: &AppState) -> Result<String, String> {
    sim_core::litmus::export(state.model(), &state.history.full_schedule())
        .map(|t| t.text)
        .map_err(|e| format!("No litmus test for this run: {e}"))
}

/// A file name for downloads of the current view, e.g. `tlbrace-seed-race-dsb.svg`.
fn file_name(state: &AppState, ext: &str) -> String {
    format!(
        "tlbrace-{}-{}.{ext}",
        state.model().scenario().name(),
        state.model().mitigation()
    )
}

/// A download of the current view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// The timeline with TLB states, as SVG (`sim_core::svg`).
    Svg,
    /// Scenario and trace as JSON (`sim_core::trace`), which `tlbsim` reads too.
    Json,
}

impl Export {
    /// Its name, as handed from the light build to the full one.
    pub fn name(self) -> &'static str {
        match self {
            Export::Svg => "svg",
            Export::Json => "json",
        }
    }

    /// The export a name stands for.
    pub fn from_name(name: &str) -> Option<Export> {
        [Export::Svg, Export::Json]
            .into_iter()
            .find(|e| e.name() == name)
    }
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

/// Downloads an export, or in the light build hands it to the full build.
pub fn download_export(kind: Export, state: &AppState) -> Option<Action> {
    let Some(full) = builds::full() else {
        builds::hand_off(Mode::Visualizer, Some(Pending::Export(kind)));
        // Not `to_uppercase()`: it would link Unicode's case tables (8 KB gzip).
        let what = match kind {
            Export::Svg => "SVG",
            Export::Json => "JSON",
        };
        return Some(Action::Notify(format!(
            "Preparing the {what} download\u{2026}"
        )));
    };
    let (name, mime, text) = (full.export)(kind, state);
    browser::download(&name, mime, &text)
        .err()
        .map(|e| Action::ShowError(format!("Could not download: {e}")))
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
            Ok(text) => open_text(&name, text, current),
        };
        dispatch.emit(action);
    });
}

/// What opening a file's text does: load what it describes, or say what is wrong
/// and where. The light build has no JSON reader: it hands the file to the full
/// build (see `builds`).
pub fn open_text(name: &str, text: String, current: Mitigation) -> Action {
    let Some(full) = builds::full() else {
        builds::hand_off(
            Mode::Visualizer,
            Some(Pending::File(name.to_string(), text)),
        );
        return Action::Notify(format!("Opening {name}\u{2026}"));
    };
    match (full.import)(&text)
        .map_err(|e| e.to_string())
        .and_then(|i| imported_history(i, current))
    {
        Ok(history) => Action::LoadHistory(history),
        Err(e) => Action::ShowError(format!("{name}: {e}")),
    }
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
    let copy_litmus = {
        let state = state.clone();
        let dispatch = view.dispatch.clone();
        Callback::from(move |_: MouseEvent| match litmus_text(&state) {
            Ok(text) => copy_action(
                text,
                "Litmus test copied: run it with herd7.",
                dispatch.clone(),
            ),
            Err(e) => dispatch.emit(Action::ShowError(e)),
        })
    };
    let download = |kind: Export| {
        let state = state.clone();
        let dispatch = view.dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(action) = download_export(kind, &state) {
                dispatch.emit(action);
            }
        })
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
            <button onclick={copy(mail_text, "Ladder copied for mail (72 columns, with the link).")}>{ "Copy for mail" }</button>
            <button onclick={copy_litmus}>{ "Copy litmus test" }</button>
            <button onclick={download(Export::Svg)}>{ "Download SVG" }</button>
            <button onclick={download(Export::Json)}>{ "Download JSON" }</button>
            <label class="import">
                { "Import JSON\u{2026}" }
                <input type="file" accept=".json,application/json" onchange={onimport} />
            </label>
        </div>
    }
}
