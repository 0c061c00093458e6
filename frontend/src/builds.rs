//! The app's two builds. The light build (`frontend`, what a first visit
//! downloads) is the visualizer over the built-in scenarios. The full build
//! (`full`, fetched only when needed) adds what reads JSON (scenario and trace
//! files, permalinks of custom scenarios) and the teaching modes (compare,
//! lesson, editor): 40 % of the full build's wasm (docs/performance.md).
//!
//! Both builds run this same library. The full build's `main` installs a
//! [`FullBuild`]; code that needs one of its parts asks [`full`], and in the
//! light build, where there is none, hands the page over with [`hand_off`]:
//! `static/boot.js` downloads and compiles the full build while the light app
//! stays on screen, unmounts it, and starts the full build, which reopens the
//! same view from the URL (permalink, `?mode=`).

use std::cell::{Cell, RefCell};

use sim_core::permalink::{Permalink, PermalinkError};
use sim_core::scenario::Imported;
use sim_core::{History, Scenario, ScenarioError};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::{AppHandle, Callback, Html};

use crate::app::App;
use crate::browser;
use crate::components::modes::Mode;
use crate::components::share::Export;
use crate::explorer_worker::{ExplorerWorker, OnReply, Request};
use crate::state::AppState;
use crate::view::View;

/// The parts only the full build links in. The light build never names them, so
/// the linker drops them and the JSON parser with them.
pub struct FullBuild {
    /// Reads a scenario file or a trace (`sim_core::scenario::import`).
    pub import: fn(&str) -> Result<Imported, ScenarioError>,
    /// Reads a permalink's inline scenario (`Scenario::from_json`).
    pub read_inline: fn(&str) -> Result<Scenario, ScenarioError>,
    /// Writes a custom scenario's JSON for a permalink.
    pub write_inline: fn(&Scenario) -> String,
    /// Makes a download of the current view: file name, MIME type and content.
    pub export: fn(Export, &AppState) -> (String, &'static str, String),
    /// Starts the explorer's Web Worker on a request (`ExplorerWorker::start`).
    pub start_worker: fn(&Request, OnReply) -> Result<ExplorerWorker, String>,
    /// The page of a teaching mode (compare, lesson, editor); the callback
    /// switches mode (the editor's "Use it" returns to the visualizer).
    pub render_mode: fn(Mode, &View, Callback<Mode>) -> Html,
}

thread_local! {
    static FULL: Cell<Option<&'static FullBuild>> = const { Cell::new(None) };
    static APP: RefCell<Option<AppHandle<App>>> = const { RefCell::new(None) };
    static SHOWN: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records the permalink of what the app shows (the URL may hold a broken link
/// instead, kept for the user to see): a hand-off reopens this view.
pub fn note_shown(fragment: &str) {
    SHOWN.with(|s| fragment.clone_into(&mut s.borrow_mut()));
}

/// Called once by `main`: the full build passes its parts, the light build `None`.
pub fn install(full: Option<&'static FullBuild>) {
    FULL.with(|f| f.set(full));
}

/// The full build's parts, or `None` in the light build.
pub fn full() -> Option<&'static FullBuild> {
    FULL.with(Cell::get)
}

/// Keeps the mounted app, so that [`hand_off`] can unmount it.
pub(crate) fn keep_app(handle: AppHandle<App>) {
    APP.with(|a| *a.borrow_mut() = Some(handle));
}

/// Name of the property of `globalThis` where work waits for the full build (a
/// queue: an array of `[kind, ...]` arrays).
const PENDING: &str = "tlbracePending";

/// What the user asked the light build for, done by the full build once loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pending {
    /// Open this file (name, text).
    File(String, String),
    /// Download this export of the view.
    Export(Export),
}

/// The light build met something only the full build can show: it records the
/// mode in the URL (the permalink is there already) and asks `boot.js` for the
/// full build, which unmounts this one once it is downloaded and compiled, then
/// starts and does `pending`.
pub fn hand_off(mode: Mode, pending: Option<Pending>) {
    let shown = SHOWN.with(|s| s.borrow().clone());
    if !shown.is_empty() {
        browser::set_hash(&shown);
    }
    hand_off_as_is(mode, pending);
}

/// [`hand_off`] for a permalink the light build cannot open (a custom
/// scenario): the URL keeps it, for the full build to open.
pub fn hand_off_for_link() {
    hand_off_as_is(Mode::Visualizer, None);
}

fn hand_off_as_is(mode: Mode, pending: Option<Pending>) {
    // Asked again while the full build loads (a file dropped, then an export
    // clicked): the last mode wins and every task waits in the queue; boot.js
    // loads the build once, and again only if loading failed.
    browser::set_query_param("mode", mode.param());
    let global = js_sys::global();
    if let Some(pending) = pending {
        let parts: [&str; 3] = match &pending {
            Pending::File(name, text) => ["file", name, text],
            Pending::Export(export) => ["export", export.name(), ""],
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
        if let Some(app) = APP.with(|a| a.borrow_mut().take()) {
            app.destroy();
        }
    });
    let _ = load.call1(&JsValue::NULL, &unmount);
}

/// What the light build handed over with [`hand_off`], in the order it was
/// asked (taken once).
pub fn take_pending() -> Vec<Pending> {
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
                _ => None,
            }
        })
        .collect()
}

/// Opens a permalink fragment. `Ok(None)`: the link names a custom scenario and
/// this is the light build, which cannot read it; the caller hands off.
pub fn open_link(fragment: &str) -> Result<Option<History>, PermalinkError> {
    let link = Permalink::decode(fragment)?;
    match full() {
        Some(full) => link.history_with(full.read_inline).map(Some),
        None if link.is_inline() => Ok(None),
        // A built-in scenario: the reader is never asked.
        None => link
            .history_with(|_| {
                Err(ScenarioError::Invalid {
                    field: "scenario".into(),
                    message: "the light build reads no inline scenario".into(),
                })
            })
            .map(Some),
    }
}
