//! The explorer's verdict for the current scenario under each mitigation, computed
//! in the browser; a click loads the shortest counterexample.
//!
//! The explorer runs after the first paint with progress and "Cancel". A built-in
//! scenario (milliseconds in all) is explored on the main thread in slices of
//! about 8 ms with a yield to the event loop between them; a custom scenario
//! (`scale-N` and `family-N` files too), which only the full build shows and which
//! may take seconds, is explored in the explorer's Web Worker (`explorer_worker`).
//! Both run sim-core's `Runner`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use gloo_timers::future::TimeoutFuture;
use sim_core::explorer::runner::{Progress, Row, Runner};
use sim_core::{Arch, Mitigation, Scenario};
use yew::prelude::*;

use crate::browser::now_ms;
use crate::context::{use_worker, Worker};
use crate::explorer_worker::{ExplorerWorker, Reply};
use crate::state::{Action, ExplorerRow, EXPLORER_CONFIG};
use crate::view::View;

/// How long one slice may take before the explorer yields, in milliseconds.
const SLICE_MS: f64 = 8.0;

/// Explores `scenario` under every mitigation in slices (sim-core's runner),
/// reporting progress, until done or `cancel` is set; then dispatches the rows.
async fn run_sliced(
    scenario: Scenario,
    arch: Arch,
    cancel: Rc<Cell<bool>>,
    progress: UseStateHandle<Vec<Progress>>,
    dispatch: Callback<Action>,
) {
    let shared = Arc::new(scenario);
    let mut runner = Runner::on(
        shared.clone(),
        arch,
        EXPLORER_CONFIG,
        arch.mitigations(),
        now_ms,
    );
    let mut budget = 256usize;
    while !runner.is_done() {
        // Yield first: the first slice runs after the page painted.
        TimeoutFuture::new(0).await;
        if cancel.get() {
            return;
        }
        let start = now_ms();
        runner.run(budget);
        let spent = now_ms() - start;
        if spent < SLICE_MS / 2.0 {
            budget = budget.saturating_mul(2);
        } else if spent > SLICE_MS * 1.5 {
            budget = (budget / 2).max(64);
        }
        progress.set(runner.progress().into_iter().collect());
    }
    progress.set(Vec::new());
    let rows = runner.into_rows().into_iter().map(row).collect();
    dispatch.emit(Action::ExplorerDone {
        scenario: Rc::new((*shared).clone()),
        arch,
        rows: Rc::new(rows),
    });
}

/// The panel's row of a finished kernel's run.
fn row(r: Row) -> ExplorerRow {
    ExplorerRow {
        mitigation: r.mitigation,
        report: r.report,
        millis: r.millis,
    }
}

/// Explores `scenario` under every mitigation in the explorer's worker, reporting
/// progress, then dispatches the rows. The run lasts as long as the returned
/// worker is kept. `stopped` is called if the worker fails, so the panel offers
/// to explore again rather than showing a run that will never end.
fn run_in_worker(
    worker: Worker,
    scenario: &Scenario,
    arch: Arch,
    progress: UseStateHandle<Vec<Progress>>,
    dispatch: Callback<Action>,
    stopped: Callback<()>,
) -> Option<ExplorerWorker> {
    let shared = Rc::new(scenario.clone());
    let rows = RefCell::new(Vec::new());
    // The kernels run side by side: the latest progress of each still running.
    let running = RefCell::new(Vec::<Progress>::new());
    let on_reply = {
        let dispatch = dispatch.clone();
        move |reply| match reply {
            Reply::Ready => {}
            Reply::Progress(p) => {
                let mut running = running.borrow_mut();
                running.retain(|r| r.mitigation != p.mitigation);
                insert_in_kernel_order(&mut running, p, |r| r.mitigation);
                progress.set(running.clone());
            }
            Reply::Report(r) => {
                running
                    .borrow_mut()
                    .retain(|p| p.mitigation != r.mitigation);
                progress.set(running.borrow().clone());
                insert_in_kernel_order(&mut rows.borrow_mut(), row(r), |r| r.mitigation);
                if rows.borrow().len() == arch.mitigations().len() {
                    progress.set(Vec::new());
                    let done = rows.take();
                    dispatch.emit(Action::ExplorerDone {
                        scenario: shared.clone(),
                        arch,
                        rows: Rc::new(done),
                    });
                }
            }
            Reply::Failed { message } => {
                progress.set(Vec::new());
                stopped.emit(());
                dispatch.emit(Action::ShowError(format!("The explorer: {message}")));
            }
        }
    };
    (worker.0)(
        scenario,
        arch,
        EXPLORER_CONFIG.max_states,
        Box::new(on_reply),
    )
    .map_err(|e| dispatch.emit(Action::ShowError(e)))
    .ok()
}

/// Where a kernel comes in the panel's table ([`Mitigation::EVERY`]'s order).
fn kernel_order(m: Mitigation) -> usize {
    Mitigation::EVERY
        .iter()
        .position(|k| *k == m)
        .unwrap_or(usize::MAX)
}

/// Inserts `item` into `list`, kept in the panel's kernel order. Not a sort:
/// each instantiation of the standard library's sort is kilobytes of wasm, for
/// lists of at most four kernels.
fn insert_in_kernel_order<T>(list: &mut Vec<T>, item: T, kernel: impl Fn(&T) -> Mitigation) {
    let order = kernel_order(kernel(&item));
    let at = list
        .iter()
        .position(|x| kernel_order(kernel(x)) > order)
        .unwrap_or(list.len());
    list.insert(at, item);
}

/// "12,345,678": thousands grouped, for counts of states.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// The progress line: each kernel under way, its states, rate and what
/// symmetry makes them stand for.
fn progress_text(running: &[Progress]) -> String {
    let parts: Vec<String> = running.iter().map(kernel_progress).collect();
    match running {
        [one] => format!(
            "Exploring under {} (kernel {} of {}): {}\u{2026}",
            one.mitigation.name(),
            one.finished + 1,
            one.kernels,
            parts[0]
        ),
        _ => {
            let named: Vec<String> = running
                .iter()
                .zip(&parts)
                .map(|(p, part)| format!("{} {part}", p.mitigation.name()))
                .collect();
            format!("Exploring side by side: {}\u{2026}", named.join("; "))
        }
    }
}

/// A symmetry factor with one decimal (view::tenths: no float formatting).
fn factor(f: f64) -> String {
    crate::view::tenths((f * 10.0).round() as u32, "")
}

/// One kernel's part of the progress line.
fn kernel_progress(p: &Progress) -> String {
    // Integer formatting (view::tenths): float formatting costs about 10 KB of wasm.
    let hundredths = (p.states_per_second / 1e4).round() as u32;
    let mut text = format!(
        "{} states, {}.{:02} M states/s",
        grouped(p.states as u64),
        hundredths / 100,
        hundredths % 100
    );
    if p.states_without_symmetry > p.states as u64 {
        text.push_str(&format!(
            ", symmetry factor {} (they stand for {} states)",
            factor(p.symmetry_factor()),
            grouped(p.states_without_symmetry)
        ));
    }
    text
}

/// Stored states and, when symmetry reduced them, how many they stand for (the
/// sum of their orbits, which is exactly what an unreduced run would store).
fn states_cell(r: &sim_core::ExploreReport) -> Html {
    let raw = r.states_without_symmetry;
    if raw > r.states as u64 {
        html! {
            <>
                { r.states }
                <span class="hint">{ format!(" (stand for {}; factor {})", grouped(raw), factor(r.symmetry_factor())) }</span>
            </>
        }
    } else {
        html! { { r.states } }
    }
}

/// Props of the explorer panel.
#[derive(Properties, PartialEq)]
pub struct ExplorerProps {
    /// State and dispatcher.
    pub view: View,
}

/// States checked, verdict and time per mitigation.
#[component]
pub fn ExplorerPanel(props: &ExplorerProps) -> Html {
    let view = &props.view;
    let current = view.state.model().mitigation();
    let progress = use_state(Vec::<Progress>::new);
    // The scenario whose run the user cancelled; a new scenario runs again.
    let cancelled = use_state(|| None::<Scenario>);
    let restart = use_state(|| 0u32);
    let scenario = view.state.model().scenario().clone();
    let arch = view.state.model().arch();
    let pending = view.state.explorer.is_empty();
    // A race the user is waiting for runs again even after a Cancel.
    let stopped =
        pending && cancelled.as_ref() == Some(&scenario) && view.state.race_wanted.is_none();
    let worker = use_mut_ref(|| None::<ExplorerWorker>);
    // Stops the run shown (Cancel, or a worker that failed): the panel then offers
    // to explore again, and a race waiting for the rows is dropped.
    let stop = {
        let cancelled = cancelled.clone();
        let scenario = scenario.clone();
        let dispatch = view.dispatch.clone();
        Callback::from(move |()| {
            cancelled.set(Some(scenario.clone()));
            dispatch.emit(Action::ExplorerCancelled);
        })
    };
    {
        let progress = progress.clone();
        let dispatch = view.dispatch.clone();
        let worker = worker.clone();
        let stop = stop.clone();
        let tool = use_worker();
        use_effect_with(
            (scenario.clone(), arch, pending && !stopped, *restart),
            move |(scenario, arch, run, _)| {
                let arch = *arch;
                let cancel = Rc::new(Cell::new(false));
                // A scenario that may take long goes to the worker (when this
                // build has one; otherwise in slices here, with Cancel).
                match (
                    *run,
                    tool.filter(|_| !sim_core::facts::explores_quickly(scenario)),
                ) {
                    (false, _) => {}
                    (true, Some(tool)) => {
                        *worker.borrow_mut() =
                            run_in_worker(tool, scenario, arch, progress, dispatch, stop);
                    }
                    (true, None) => wasm_bindgen_futures::spawn_local(run_sliced(
                        scenario.clone(),
                        arch,
                        cancel.clone(),
                        progress,
                        dispatch,
                    )),
                }
                move || {
                    cancel.set(true);
                    drop(worker.borrow_mut().take());
                }
            },
        );
    }
    let status = if stopped {
        let again = {
            let cancelled = cancelled.clone();
            let restart = restart.clone();
            Callback::from(move |_| {
                cancelled.set(None);
                restart.set(*restart + 1);
            })
        };
        html! {
            <p class="hint explorer-status">
                { "Exploration cancelled. " }
                <button onclick={again}>{ "Explore again" }</button>
            </p>
        }
    } else if pending {
        let cancel = stop.reform(|_: MouseEvent| ());
        let text = if progress.is_empty() {
            "Exploring\u{2026}".to_string()
        } else {
            progress_text(&progress)
        };
        html! {
            <p class="hint explorer-status" aria-live="polite">
                <progress aria-label="Explorer progress"></progress>
                { " " }{ text }{ " " }
                <button onclick={cancel}>{ "Cancel" }</button>
            </p>
        }
    } else {
        html! {}
    };
    let rows = view.state.explorer.iter().map(|row| {
        let r = &row.report;
        let verdict = r.verdict();
        let action = match &r.shortest_counterexample {
            Some(c) => html! {
                <button onclick={view.send(Action::ShowRaceFor(row.mitigation))}>
                    { format!("Load the {}-event race", c.events.len()) }
                </button>
            },
            None => html! { <span>{ "\u{2014}" }</span> },
        };
        html! {
            <tr key={row.mitigation.name()} class={classes!((row.mitigation == current).then_some("current"), verdict.name())}>
                <th scope="row"><code>{ row.mitigation.name() }</code></th>
                <td>{ states_cell(r) }</td>
                <td class="verdict">{ verdict.name().replace('_', " ") }</td>
                <td>{ crate::view::tenths((row.millis * 10.0).round() as u32, " ms") }</td>
                <td>{ action }</td>
            </tr>
        }
    });
    html! {
        <section class="panel explorer" aria-labelledby="explorer-title">
            <h2 id="explorer-title">{ "Every interleaving" }</h2>
            <p class="hint">{ "The explorer tries every order of steps and TLBI deliveries (breadth-first, so the race it finds is a shortest one)." }</p>
            { status }
            <table>
                <caption>{ format!("Explorer: {}", view.state.model().scenario().name()) }</caption>
                <thead>
                    <tr>
                        <th scope="col">{ "Kernel" }</th>
                        <th scope="col">{ "States" }</th>
                        <th scope="col">{ "Verdict" }</th>
                        <th scope="col">{ "Time" }</th>
                        <th scope="col">{ "Counterexample" }</th>
                    </tr>
                </thead>
                <tbody>{ for rows }</tbody>
            </table>
        </section>
    }
}
