//! The explorer in a Web Worker, for runs too long for the main thread: the
//! editor's drafts and the explorer panel on custom scenarios and `scale-N` (up to
//! 16 CPUs; the built-in ones take milliseconds, in slices). The worker
//! (`src/bin/explorer_worker.rs`, built by Trunk with a loader shim) reads the
//! scenario, runs sim-core's [`sim_core::explorer::runner::Runner`] in slices
//! under its kernels and posts progress after every slice; cancelling terminates
//! it. The kernels' runs are independent, so one request is dealt out between as
//! many workers as the machine has CPUs, which run side by side.
//!
//! Messages are sim-core's serde types ([`Request`], [`Reply`]) sent as JSON
//! text: no field list is written by hand on either side, and serde_json is
//! already in both wasm files (scenario files are JSON).

use std::cell::RefCell;
use std::rc::Rc;

pub use sim_core::explorer::runner::{WorkerReply as Reply, WorkerRequest as Request};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The script that starts the worker (`static/explorer_worker_loader.js`).
pub const WORKER_URL: &str = "./explorer_worker_loader.js";

/// States expanded between two progress messages.
pub const SLICE: usize = 20_000;

/// A message between the page and the worker: JSON text in a JS string.
pub trait Message: Sized {
    /// As a message.
    fn to_js(&self) -> JsValue;
    /// From a message; `None` if it is not one.
    fn from_js(value: &JsValue) -> Option<Self>;
}

macro_rules! message {
    ($t:ty) => {
        impl Message for $t {
            fn to_js(&self) -> JsValue {
                JsValue::from_str(&serde_json::to_string(self).unwrap_or_default())
            }
            fn from_js(value: &JsValue) -> Option<Self> {
                serde_json::from_str(&value.as_string()?).ok()
            }
        }
    };
}
message!(Request);
message!(Reply);

/// The reply for an error of the page's side (the worker did not start).
pub fn failed(message: impl Into<String>) -> Reply {
    Reply::Failed {
        message: message.into(),
    }
}

/// Receives a worker's replies.
pub type OnReply = Box<dyn Fn(Reply)>;

/// The workers running one request side by side, one kernel or more each;
/// dropping it cancels the run (every worker is terminated, so a long run stops
/// at once).
pub struct ExplorerWorker {
    /// Held only to be dropped: each one terminates its worker.
    _workers: Vec<Started>,
}

/// One started worker and the handlers it calls.
struct Started {
    worker: web_sys::Worker,
    _onmessage: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _onerror: Closure<dyn FnMut(web_sys::Event)>,
}

/// How many workers to run side by side: one per logical CPU the browser
/// reports (the kernels' runs are independent), at least one.
fn parallelism() -> usize {
    web_sys::window()
        .map_or(1, |w| w.navigator().hardware_concurrency() as usize)
        .max(1)
}

impl ExplorerWorker {
    /// Starts workers on `request`, its kernels dealt out between as many
    /// workers as the machine has CPUs (`WorkerRequest::split`, which also
    /// shares the memory bound); `on_reply` gets every worker's replies, each
    /// about its own kernel, and an error (a worker could not start) as
    /// `Reply::Failed`.
    pub fn start(request: &Request, on_reply: impl Fn(Reply) + 'static) -> Result<Self, String> {
        let on_reply: Rc<dyn Fn(Reply)> = Rc::new(on_reply);
        let workers = request
            .split(parallelism())
            .iter()
            .map(|part| Started::new(part, on_reply.clone()))
            .collect::<Result<_, _>>()?;
        Ok(ExplorerWorker { _workers: workers })
    }
}

impl Started {
    fn new(request: &Request, on_reply: Rc<dyn Fn(Reply)>) -> Result<Self, String> {
        let worker = web_sys::Worker::new(WORKER_URL)
            .map_err(|e| format!("the explorer's worker did not start: {e:?}"))?;
        let onmessage = {
            let on_reply = on_reply.clone();
            let worker = worker.clone();
            let request = request.to_js();
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                match Reply::from_js(&e.data()) {
                    Some(Reply::Ready) if worker.post_message(&request).is_err() => {
                        on_reply(failed("the explorer's worker refused the scenario"))
                    }
                    Some(Reply::Ready) | None => {}
                    Some(reply) => on_reply(reply),
                }
            })
        };
        let onerror = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            on_reply(failed("the explorer's worker stopped with an error"));
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        Ok(Started {
            worker,
            _onmessage: onmessage,
            _onerror: onerror,
        })
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// Where a component keeps its running worker (replacing it cancels the old run).
pub type WorkerSlot = Rc<RefCell<Option<ExplorerWorker>>>;
