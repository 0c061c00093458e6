//! What any component may ask for without props, provided once by `App` in one
//! context value: the page's configuration (embed, present), the dispatcher of
//! actions, the opener of files and, where the page has one, the explorer's
//! worker. Components read it with [`use_config`], [`use_dispatch`],
//! [`use_open_file`] and [`use_worker`].
//!
//! It compares cheaply and changes rarely: the dispatcher is the reducer's own
//! (the same `Rc` on every render), so a component whose props did not change
//! is not re-rendered because of it.

use sim_core::Scenario;
use yew::prelude::*;

use crate::explorer_worker::{ExplorerWorker, OnReply};
use crate::state::Action;

/// How the page is laid out; the same for every component.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The compact layout for iframes (`?embed`), fixed for the page's life.
    pub embed: bool,
    /// The lecture-hall layout (`?present`, the `p` key): the board alone, large.
    pub present: bool,
}

/// Starts the explorer's Web Worker on a scenario, with a bound on states per
/// kernel (`ExplorerWorker::start` on the scenario's JSON).
#[derive(Clone, Copy)]
pub struct Worker(
    pub fn(&Scenario, sim_core::Arch, usize, OnReply) -> Result<ExplorerWorker, String>,
);

impl PartialEq for Worker {
    /// One page has one way to start the worker, fixed for its life.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Worker")
    }
}

/// The context value.
#[derive(Clone, Debug, PartialEq)]
pub struct Ctx {
    /// The layout.
    pub config: Config,
    /// The reducer's dispatcher.
    pub dispatch: Callback<Action>,
    /// Reads a picked or dropped file and loads what it describes, or says what
    /// is wrong (app.rs).
    pub open_file: Callback<web_sys::File>,
    /// The explorer's worker, for scenarios that may take long to explore;
    /// `None` where the page shows only built-in scenarios, which the explorer
    /// panel runs on the main thread in slices.
    pub worker: Option<Worker>,
}

/// The page's configuration (the default one outside `App`, e.g. in tests).
#[hook]
pub fn use_config() -> Config {
    use_context::<Ctx>().map(|c| c.config).unwrap_or_default()
}

/// Sends actions to the app's reducer (one that drops them outside `App`).
#[hook]
pub fn use_dispatch() -> Callback<Action> {
    use_context::<Ctx>()
        .map(|c| c.dispatch)
        .unwrap_or_else(Callback::noop)
}

/// Opens a picked or dropped file (one that drops it outside `App`).
#[hook]
pub fn use_open_file() -> Callback<web_sys::File> {
    use_context::<Ctx>()
        .map(|c| c.open_file)
        .unwrap_or_else(Callback::noop)
}

/// The explorer's worker, where the page has one.
#[hook]
pub fn use_worker() -> Option<Worker> {
    use_context::<Ctx>().and_then(|c| c.worker)
}

/// A callback that sends `action`, ignoring its argument (for `onclick`).
pub fn send<T>(dispatch: &Callback<Action>, action: Action) -> Callback<T> {
    let dispatch = dispatch.clone();
    Callback::from(move |_| dispatch.emit(action.clone()))
}
