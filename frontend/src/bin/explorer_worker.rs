//! The explorer's Web Worker (see `frontend::explorer_worker`): reads a request,
//! explores the scenario under each of its kernels in slices, and posts progress and
//! reports. Trunk builds it as a no-modules script; static/explorer_worker_loader.js
//! starts it.

use std::sync::Arc;

use frontend::explorer_worker::{Message, Reply, Request, SLICE};
use sim_core::explorer::runner::Runner;
use sim_core::Scenario;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn main() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let post = {
        let scope = scope.clone();
        move |reply: Reply| {
            let _ = scope.post_message(&reply.to_js());
        }
    };
    let onmessage = {
        let scope = scope.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(request) = Request::from_js(&e.data()) {
                explore(&request, &post);
                // One request per worker: end now and free the states it stored.
                scope.close();
            }
        })
    };
    scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    // The worker lives as long as its handler.
    onmessage.forget();
    // A request posted before this point found no handler: ask for it now.
    let _ = scope.post_message(&Reply::Ready.to_js());
}

/// The worker's clock, in milliseconds.
fn now_ms() -> f64 {
    js_sys::global()
        .unchecked_into::<web_sys::WorkerGlobalScope>()
        .performance()
        .map_or(0.0, |p| p.now())
}

fn explore(request: &Request, post: &impl Fn(Reply)) {
    let scenario = match Scenario::from_json(&request.scenario) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            return post(Reply::Failed {
                message: format!("the scenario: {e}"),
            })
        }
    };
    let arch = request.arch.unwrap_or(scenario.arch());
    let mut runner = Runner::on(scenario, arch, request.config(), &request.kernels, now_ms);
    while !runner.is_done() {
        if let Some(row) = runner.run(SLICE) {
            post(Reply::Report(row.clone()));
        } else if let Some(progress) = runner.progress() {
            post(Reply::Progress(progress));
        }
    }
}
