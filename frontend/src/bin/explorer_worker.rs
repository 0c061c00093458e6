//! The explorer's Web Worker (see `frontend::explorer_worker`): reads a request,
//! explores the scenario under each kernel in slices, and posts progress and
//! reports. Trunk builds it as a no-modules script; static/explorer_worker_loader.js
//! starts it.

use std::sync::Arc;

use frontend::explorer_worker::{Reply, Request, SLICE};
use sim_core::{ExploreConfig, Explorer, Mitigation, Model, Scenario};
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
        Err(e) => return post(Reply::Failed(format!("the scenario: {e}"))),
    };
    for mitigation in Mitigation::ALL {
        let config = ExploreConfig {
            max_states: request.max_states,
        };
        let start = now_ms();
        let mut explorer = Explorer::new(Model::shared(scenario.clone(), mitigation), config);
        while !explorer.run(SLICE) {
            post(Reply::Progress {
                mitigation,
                states: explorer.states(),
            });
        }
        post(Reply::Report {
            mitigation,
            report: explorer.report().clone(),
            millis: now_ms() - start,
        });
    }
}
