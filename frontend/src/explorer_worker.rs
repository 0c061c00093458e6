//! The explorer in a Web Worker, for runs too long for the main thread: the
//! editor's drafts (up to 8 CPUs and a million states) and the explorer panel
//! on custom scenarios (the built-in ones take milliseconds, in slices). The worker
//! (`src/bin/explorer_worker.rs`, built by Trunk with a loader shim) reads the
//! scenario, runs `sim_core::Explorer` in slices under each kernel and posts
//! progress after every slice; cancelling terminates it.
//!
//! Messages are plain JS objects of numbers and strings, written and read here
//! on both sides: the worker needs no serde and the page no second copy of it.

use std::cell::RefCell;
use std::rc::Rc;

use sim_core::explorer::Counterexample;
use sim_core::{parse_schedule, ExploreReport, Mitigation, ViolationKind};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The script that starts the worker (`static/explorer_worker_loader.js`).
pub const WORKER_URL: &str = "./explorer_worker_loader.js";

/// States expanded between two progress messages.
pub const SLICE: usize = 20_000;

/// What the page asks: explore `scenario` (a scenario file's JSON) under every
/// kernel, storing at most `max_states` states each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The scenario file, as JSON.
    pub scenario: String,
    /// The state bound of each run.
    pub max_states: usize,
}

/// What the worker says.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// The worker's wasm is loaded and it listens: the page may send its request
    /// (one sent earlier would reach no handler and be lost).
    Ready,
    /// A run is under way: states stored so far.
    Progress {
        /// The kernel of the run.
        mitigation: Mitigation,
        /// States stored so far.
        states: usize,
    },
    /// A run is over.
    Report {
        /// The kernel of the run.
        mitigation: Mitigation,
        /// Its findings.
        report: ExploreReport,
        /// Time spent exploring, in milliseconds (the worker's clock).
        millis: f64,
    },
    /// The scenario could not be read (the page validates it first, so this is a bug).
    Failed(String),
}

fn set(object: &js_sys::Object, key: &str, value: impl Into<JsValue>) {
    let _ = js_sys::Reflect::set(object, &JsValue::from_str(key), &value.into());
}

fn get(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn number(object: &JsValue, key: &str) -> Option<usize> {
    get(object, key).as_f64().map(|n| n as usize)
}

fn text(object: &JsValue, key: &str) -> Option<String> {
    get(object, key).as_string()
}

impl Request {
    /// As a message.
    pub fn to_js(&self) -> JsValue {
        let o = js_sys::Object::new();
        set(&o, "scenario", self.scenario.as_str());
        set(&o, "maxStates", self.max_states as f64);
        o.into()
    }

    /// From a message; `None` if it is not one.
    pub fn from_js(value: &JsValue) -> Option<Request> {
        Some(Request {
            scenario: text(value, "scenario")?,
            max_states: number(value, "maxStates")?,
        })
    }
}

impl Reply {
    /// As a message.
    pub fn to_js(&self) -> JsValue {
        let o = js_sys::Object::new();
        match self {
            Reply::Ready => set(&o, "kind", "ready"),
            Reply::Progress { mitigation, states } => {
                set(&o, "kind", "progress");
                set(&o, "mitigation", mitigation.name());
                set(&o, "states", *states as f64);
            }
            Reply::Report {
                mitigation,
                report,
                millis,
            } => {
                set(&o, "kind", "report");
                set(&o, "ms", *millis);
                set(&o, "mitigation", mitigation.name());
                set(&o, "states", report.states as f64);
                set(&o, "terminal", report.terminal_states as f64);
                set(&o, "violations", report.violation_states as f64);
                set(&o, "transitions", report.transitions as f64);
                set(&o, "stale", report.stale_write_reachable);
                set(&o, "unmapped", report.access_after_unmap_reachable);
                set(&o, "lost", report.lost_write_reachable);
                set(&o, "deadlock", report.deadlock_reachable);
                set(&o, "complete", report.complete);
                if let Some(c) = &report.shortest_counterexample {
                    set(&o, "raceKind", c.kind.name());
                    set(&o, "race", sim_core::format_schedule(&c.events));
                }
                // One per reachable kind: "kind:schedule" lines.
                let each: Vec<String> = report
                    .counterexamples
                    .iter()
                    .map(|c| format!("{}:{}", c.kind.name(), sim_core::format_schedule(&c.events)))
                    .collect();
                set(&o, "races", each.join("\n"));
            }
            Reply::Failed(message) => {
                set(&o, "kind", "failed");
                set(&o, "message", message.as_str());
            }
        }
        o.into()
    }

    /// From a message; `None` if it is not one.
    pub fn from_js(value: &JsValue) -> Option<Reply> {
        let mitigation = || text(value, "mitigation")?.parse::<Mitigation>().ok();
        let flag = |key| get(value, key).as_bool().unwrap_or(false);
        Some(match text(value, "kind")?.as_str() {
            "ready" => Reply::Ready,
            "progress" => Reply::Progress {
                mitigation: mitigation()?,
                states: number(value, "states")?,
            },
            "report" => {
                let counterexample = |kind: &str, race: &str| {
                    Some(Counterexample {
                        kind: ViolationKind::ALL.into_iter().find(|k| k.name() == kind)?,
                        events: parse_schedule(race).ok()?,
                    })
                };
                let shortest_counterexample = match text(value, "race") {
                    None => None,
                    Some(race) => Some(counterexample(&text(value, "raceKind")?, &race)?),
                };
                let counterexamples = text(value, "races")?
                    .lines()
                    .map(|line| {
                        let (kind, race) = line.split_once(':')?;
                        counterexample(kind, race)
                    })
                    .collect::<Option<Vec<_>>>()?;
                Reply::Report {
                    mitigation: mitigation()?,
                    millis: get(value, "ms").as_f64()?,
                    report: ExploreReport {
                        states: number(value, "states")?,
                        terminal_states: number(value, "terminal")?,
                        violation_states: number(value, "violations")?,
                        transitions: number(value, "transitions")?,
                        stale_write_reachable: flag("stale"),
                        access_after_unmap_reachable: flag("unmapped"),
                        lost_write_reachable: flag("lost"),
                        deadlock_reachable: flag("deadlock"),
                        shortest_counterexample,
                        counterexamples,
                        complete: flag("complete"),
                    },
                }
            }
            "failed" => Reply::Failed(text(value, "message")?),
            _ => return None,
        })
    }
}

/// Receives a worker's replies.
pub type OnReply = Box<dyn Fn(Reply)>;

/// A worker running one request; dropping it cancels the run (the worker is
/// terminated, so a long run stops at once).
pub struct ExplorerWorker {
    worker: web_sys::Worker,
    _onmessage: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _onerror: Closure<dyn FnMut(web_sys::Event)>,
}

impl ExplorerWorker {
    /// Starts a worker on `request`; `on_reply` gets every reply, and an error
    /// (the worker could not start) as `Reply::Failed`.
    pub fn start(request: &Request, on_reply: impl Fn(Reply) + 'static) -> Result<Self, String> {
        let worker = web_sys::Worker::new(WORKER_URL)
            .map_err(|e| format!("the explorer's worker did not start: {e:?}"))?;
        let on_reply = Rc::new(on_reply);
        let onmessage = {
            let on_reply = on_reply.clone();
            let worker = worker.clone();
            let request = request.to_js();
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                match Reply::from_js(&e.data()) {
                    Some(Reply::Ready) if worker.post_message(&request).is_err() => on_reply(
                        Reply::Failed("the explorer's worker refused the scenario".into()),
                    ),
                    Some(Reply::Ready) | None => {}
                    Some(reply) => on_reply(reply),
                }
            })
        };
        let onerror = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            on_reply(Reply::Failed(
                "the explorer's worker stopped with an error".into(),
            ));
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        Ok(ExplorerWorker {
            worker,
            _onmessage: onmessage,
            _onerror: onerror,
        })
    }
}

impl Drop for ExplorerWorker {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// Where a component keeps its running worker (replacing it cancels the old run).
pub type WorkerSlot = Rc<RefCell<Option<ExplorerWorker>>>;
