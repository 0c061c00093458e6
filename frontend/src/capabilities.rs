//! The app's two builds, in this one module. The light build (`frontend`, what
//! a first visit downloads) shows the built-in scenarios; the full build
//! (`full`, fetched when needed) adds what reads or writes JSON (scenario and
//! trace files, links that carry a scenario, SVG and JSON export) and the
//! teaching modes. One build with everything is 317 KB of gzipped wasm against
//! a first-visit budget of 200 KB in all (docs/performance.md).
//!
//! Each entry point hands `App` a [`Capabilities`] value once
//! (`src/main.rs`: [`Capabilities::LIGHT`]; `src/bin/full.rs`: the full build's
//! parts from `teach.rs`). Only app.rs's intent executor and its layout ask it;
//! no component, not the reducer, and no sim-core API knows which build runs.
//! What the light build cannot do, it hands over: it records in the URL the
//! one flag `static/boot.js` reads (`?full`), and `boot.js` downloads and
//! compiles the full build while the light one stays on screen, unmounts it
//! and starts the full one, which reopens the same view from the URL and does
//! what was asked (a file to open, an export).

use std::cell::RefCell;

use sim_core::permalink::{Permalink, PermalinkError};
use sim_core::scenario::Imported;
use sim_core::{History, Mitigation, Model, ScenarioError};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::{Callback, Html};

use crate::context::Worker;
use crate::route::Mode;
use crate::state::{Action, AppState, Export};

/// The query flag that tells `static/boot.js` to start the full build.
pub const FULL_FLAG: &str = "full";

/// The parts only the full build links in (teach.rs). The light build never
/// names them, so the linker drops them and the JSON reader and writer with them.
pub struct Full {
    /// Opens any permalink (`Permalink::decode` and `history`).
    pub open_link: fn(&str) -> Result<History, PermalinkError>,
    /// Writes the permalink of any history (`Permalink::of`).
    pub write_link: fn(&History) -> String,
    /// Reads a scenario file or a trace (`sim_core::scenario::import`).
    pub import: fn(&str) -> Result<Imported, ScenarioError>,
    /// Makes a download of the view: file name, MIME type and content.
    pub export: fn(Export, &AppState) -> (String, &'static str, String),
    /// The page of a teaching mode (compare, lesson, editor).
    pub render_mode: fn(Mode, &crate::view::View) -> Html,
    /// Starts the explorer's worker (custom scenarios are explored there).
    pub worker: Worker,
    /// `tlbsim litmus` of a run (sim_core::litmus: a twentieth of the light build).
    pub litmus: fn(&AppState) -> Result<String, String>,
}

/// What this build can do, handed to `App` once.
#[derive(Clone, Copy)]
pub struct Capabilities {
    full: Option<&'static Full>,
}

impl PartialEq for Capabilities {
    fn eq(&self, other: &Self) -> bool {
        match (self.full, other.full) {
            (Some(a), Some(b)) => std::ptr::eq(a, b),
            (a, b) => a.is_none() && b.is_none(),
        }
    }
}

impl std::fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.full.is_some() { "full" } else { "light" })
    }
}

/// What opening a permalink gave.
#[derive(Clone, Debug, PartialEq)]
pub enum Opened {
    /// The view it describes.
    History(History),
    /// It is broken: why.
    Broken(PermalinkError),
    /// Only the full build reads it (it carries its scenario): handed over.
    HandedOver,
}

impl Capabilities {
    /// The light build's.
    pub const LIGHT: Capabilities = Capabilities { full: None };

    /// The full build's, with its parts.
    pub const fn full(parts: &'static Full) -> Capabilities {
        Capabilities { full: Some(parts) }
    }

    /// The explorer's worker: only the full build shows custom scenarios.
    pub fn worker(&self) -> Option<Worker> {
        self.full.map(|f| f.worker)
    }

    /// Whether this build shows `mode` (the light build shows the visualizer).
    pub fn shows(&self, mode: Mode) -> bool {
        self.full.is_some() || mode == Mode::Visualizer
    }

    /// Whether a page showing `mode` and the link `fragment` needs the full
    /// build: the flag written into the URL for `boot.js`.
    pub fn needs_full(mode: Mode, fragment: &str) -> bool {
        mode != Mode::Visualizer
            || (!fragment.is_empty() && Permalink::decode_named(fragment).is_none())
    }

    /// Opens a permalink fragment; the light build hands over one that carries
    /// its scenario.
    pub fn open_link(&self, fragment: &str) -> Opened {
        // The decoders take off one leading `#` themselves: a fragment that
        // still starts with one (the URL had `##v2/...`) gets the URL's back, so
        // that it is refused, not opened as `v2/...`.
        let with_hash;
        let fragment = if fragment.starts_with('#') {
            with_hash = format!("#{fragment}");
            &with_hash
        } else {
            fragment
        };
        let read = match self.full {
            Some(full) => Some((full.open_link)(fragment)),
            None => Permalink::decode_named(fragment)
                .map(|link| link.and_then(|l| l.history_named().expect("a named link"))),
        };
        match read {
            Some(Ok(history)) => Opened::History(history),
            Some(Err(e)) => Opened::Broken(e),
            None => {
                // The URL keeps this link, for the full build to open.
                hand_off_as_is(None);
                Opened::HandedOver
            }
        }
    }

    /// The permalink fragment of a history (only the full build shows custom
    /// scenarios, so only it writes one inline).
    pub fn permalink(&self, history: &History) -> String {
        match self.full {
            Some(full) => (full.write_link)(history),
            None => Permalink::of_named(history)
                .map(|l| l.encode())
                .unwrap_or_default(),
        }
    }

    /// Opens a file's text: the action that loads it or says what is wrong; the
    /// light build hands the file over.
    pub fn open_text(&self, name: &str, text: String, current: Mitigation) -> Action {
        let Some(full) = self.full else {
            hand_off(Some(Pending::File(name.to_string(), text)));
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

    /// An export of the view (file name, MIME type, content); the light build
    /// hands it over and says so.
    pub fn export(
        &self,
        kind: Export,
        state: &AppState,
    ) -> Result<(String, &'static str, String), Action> {
        match self.full {
            Some(full) => Ok((full.export)(kind, state)),
            None => {
                hand_off(Some(Pending::Export(kind)));
                // Not `to_uppercase()`: it would link Unicode's case tables (8 KB gzip).
                let what = match kind {
                    Export::Svg => "SVG",
                    Export::Json => "JSON",
                };
                Err(Action::Notify(format!(
                    "Preparing the {what} download\u{2026}"
                )))
            }
        }
    }

    /// The litmus test of the run shown, or why there is none; the light build
    /// hands the copy over (`Ok(None)`) and the full build copies it.
    pub fn litmus(&self, state: &AppState) -> Result<Option<String>, String> {
        match self.full {
            Some(full) => (full.litmus)(state).map(Some),
            None => {
                hand_off(Some(Pending::Litmus));
                Ok(None)
            }
        }
    }

    /// Downloads an export of the view; the action says what went wrong, or
    /// (in the light build) that the download is on its way.
    pub fn download(&self, kind: Export, state: &AppState) -> Option<Action> {
        match self.export(kind, state) {
            Ok((name, mime, text)) => crate::browser::download(&name, mime, &text)
                .err()
                .map(|e| Action::ShowError(format!("Could not download: {e}"))),
            Err(action) => Some(action),
        }
    }

    /// The page of a teaching mode; the light build hands over and shows a
    /// placeholder until the full build takes the page.
    pub fn render_mode(&self, mode: Mode, view: &crate::view::View) -> Html {
        match self.full {
            Some(full) => (full.render_mode)(mode, view),
            None => yew::html! { <p class="loading">{ "Loading the teaching tools\u{2026}" }</p> },
        }
    }

    /// Asks for the full build when the view needs it (a teaching mode).
    pub fn ensure_shows(&self, mode: Mode) {
        if !self.shows(mode) {
            hand_off(None);
        }
    }

    /// Does what the light build was asked for before it handed over, in
    /// order (taken once; nothing in the light build): an export comes after
    /// the file opened before it.
    pub fn take_pending(&self, current: Mitigation, dispatch: &Callback<Action>) {
        if self.full.is_none() {
            return;
        }
        for pending in take_pending() {
            dispatch.emit(match pending {
                Pending::File(name, text) => self.open_text(&name, text, current),
                Pending::Export(kind) => Action::Export(kind),
                Pending::Litmus => Action::Copy(crate::state::Copy::Litmus),
            });
        }
    }
}

/// The history an imported file describes: its schedule replayed under its
/// mitigation (or the current one), stopping with an error at a bad event.
pub fn imported_history(imported: Imported, current: Mitigation) -> Result<History, String> {
    let model = Model::new(imported.scenario, imported.mitigation.unwrap_or(current));
    let events = imported.schedule.unwrap_or_default();
    History::replay(model, &events).map_err(|(_, e)| format!("the file's schedule: {e}"))
}

thread_local! {
    static UNMOUNT: RefCell<Option<Box<dyn FnOnce()>>> = const { RefCell::new(None) };
    static SHOWN: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records the permalink of what the app shows (the URL may hold a broken link
/// instead, kept for the user to see): a hand-over reopens this view.
pub fn note_shown(fragment: &str) {
    SHOWN.with(|s| fragment.clone_into(&mut s.borrow_mut()));
}

/// Keeps how to unmount the app (lib.rs mounts it), for a hand-over.
pub(crate) fn keep_unmount(unmount: Box<dyn FnOnce()>) {
    UNMOUNT.with(|u| *u.borrow_mut() = Some(unmount));
}

/// Name of the property of `globalThis` where work waits for the full build (a
/// queue: an array of `[kind, ...]` arrays).
const PENDING: &str = "tlbracePending";

/// What the user asked the light build for, done by the full build once loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pending {
    /// Open this file (name, text).
    File(String, String),
    /// Download this export of the view.
    Export(Export),
    /// Copy the litmus test of the view.
    Litmus,
}

/// The light build met something only the full build can show: the URL says
/// so (app.rs writes the view and the flag there), and `boot.js` loads the full
/// build, which unmounts this one once it is downloaded and compiled, then
/// starts and does `pending`.
fn hand_off(pending: Option<Pending>) {
    let shown = SHOWN.with(|s| s.borrow().clone());
    if !shown.is_empty() {
        let query = crate::browser::search();
        crate::browser::set_url(&format!("{query}#{shown}"), false);
    }
    hand_off_as_is(pending);
}

/// [`hand_off`] keeping the URL's fragment as it is.
fn hand_off_as_is(pending: Option<Pending>) {
    // Asked again while the full build loads (a file dropped, then an export
    // clicked): every task waits in the queue; boot.js loads the build once,
    // and again only if loading failed.
    crate::browser::set_query_flag(FULL_FLAG, true);
    let global = js_sys::global();
    if let Some(pending) = pending {
        let parts: [&str; 3] = match &pending {
            Pending::File(name, text) => ["file", name, text],
            Pending::Export(export) => ["export", export.name(), ""],
            Pending::Litmus => ["litmus", "", ""],
        };
        let key = JsValue::from_str(PENDING);
        let queue = js_sys::Reflect::get(&global, &key)
            .ok()
            .and_then(|q| q.dyn_into::<js_sys::Array>().ok())
            .unwrap_or_default();
        queue.push(
            &parts
                .iter()
                .map(|p| JsValue::from_str(p))
                .collect::<js_sys::Array>(),
        );
        let _ = js_sys::Reflect::set(&global, &key, &queue);
    }
    let load = js_sys::Reflect::get(&global, &JsValue::from_str("tlbraceLoadFull"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(load) = load else {
        crate::panic::show("the page has no loader for the full build (static/boot.js)");
        return;
    };
    // boot.js downloads and compiles the full build while this one stays on
    // screen, then calls this to unmount it just before the full one starts.
    let unmount = Closure::once_into_js(|| {
        if let Some(unmount) = UNMOUNT.with(|u| u.borrow_mut().take()) {
            unmount();
        }
    });
    let _ = load.call1(&JsValue::NULL, &unmount);
}

/// What the light build handed over, in the order it was asked (taken once).
fn take_pending() -> Vec<Pending> {
    let global = js_sys::global();
    let key = JsValue::from_str(PENDING);
    let Some(queue) = js_sys::Reflect::get(&global, &key)
        .ok()
        .and_then(|q| q.dyn_into::<js_sys::Array>().ok())
    else {
        return Vec::new();
    };
    let _ = js_sys::Reflect::delete_property(&global, &key);
    queue
        .iter()
        .filter_map(|entry| {
            let entry = entry.dyn_into::<js_sys::Array>().ok()?;
            let part = |i| entry.get(i).as_string().unwrap_or_default();
            match part(0).as_str() {
                "file" => Some(Pending::File(part(1), part(2))),
                "export" => Export::from_name(&part(1)).map(Pending::Export),
                "litmus" => Some(Pending::Litmus),
                _ => None,
            }
        })
        .collect()
}
