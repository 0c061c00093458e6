//! The scenario editor: pages, CPUs and their programs from a palette of the
//! model's operations, validated as the user types (`ScenarioFile::validate`,
//! the message shown beside the field its path names), with the explorer's
//! verdict under every kernel, computed in a Web Worker (`explorer_worker`) with
//! progress and Cancel. The draft is kept whatever its state.

use std::rc::Rc;

use sim_core::scenario::{CpuSpec, PageSpec, ScenarioFile, MAX_CPUS};
use sim_core::{CpuId, ExploreReport, History, Mitigation, Model, Op, Scenario, ScenarioError};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::browser;
use crate::explorer_worker::{ExplorerWorker, Reply, Request};
use crate::state::Action;
use crate::view::View;

/// States the editor's explorer stores at most per kernel. It runs in a worker,
/// so the bound is about memory and patience (an 8-CPU draft can reach it in a
/// few seconds), not about keeping the page responsive.
pub const EDITOR_MAX_STATES: usize = 1_000_000;

/// The operations of the palette, as scenario files name them.
pub const OPS: [&str; 14] = [
    "read",
    "write",
    "ptep_get_and_clear",
    "set_tlb_ubc_flush_pending",
    "try_to_unmap_flush",
    "swap_writepage",
    "flush_tlb_batched_pending",
    "change_pte_range",
    "mprotect_return",
    "switch_to",
    "switch_in",
    "tlbi_va",
    "tlbi_aside",
    "dsb_ish",
];

/// A new operation of the palette, on `page`, migrating to or from `other`.
pub fn new_op(name: &str, page: String, other: CpuId) -> Op<String> {
    match name {
        "read" => Op::Read { page },
        "write" => Op::Write { page, value: 1 },
        "ptep_get_and_clear" => Op::PtepGetAndClear { page },
        "set_tlb_ubc_flush_pending" => Op::SetTlbUbcFlushPending { page },
        "try_to_unmap_flush" => Op::TryToUnmapFlush,
        "swap_writepage" => Op::SwapWritepage { page },
        "flush_tlb_batched_pending" => Op::FlushTlbBatchedPending,
        "change_pte_range" => Op::ChangePteRange { page },
        "mprotect_return" => Op::MprotectReturn { page },
        "switch_to" => Op::SwitchTo { to: other },
        "switch_in" => Op::SwitchIn { from: other },
        "tlbi_va" => Op::TlbiVa { page },
        "tlbi_aside" => Op::TlbiAside,
        _ => Op::DsbIsh,
    }
}

/// A scenario to start from: one page and one CPU with nothing to do.
pub fn empty_file() -> ScenarioFile {
    ScenarioFile {
        format: sim_core::scenario::FORMAT_VERSION,
        name: "my-race".into(),
        title: "My race".into(),
        story: String::new(),
        asid: 1,
        tlb_capacity: 4,
        switch_to_dsb: true,
        pages: vec![PageSpec {
            name: "P".into(),
            vpn: 1024,
            pfn: 2210,
            writable: true,
            data: 0,
        }],
        cpus: vec![CpuSpec {
            role: "thread".into(),
            tlb: Vec::new(),
            program: Vec::new(),
        }],
        default_schedule: String::new(),
    }
}

/// The draft being edited.
#[derive(Clone, PartialEq)]
struct Draft(ScenarioFile);

type Edit = Rc<dyn Fn(&mut ScenarioFile)>;
/// An edit that takes the value of the control it came from.
type EditWith = Rc<dyn Fn(&mut ScenarioFile, String)>;

impl Reducible for Draft {
    type Action = Edit;
    fn reduce(self: Rc<Self>, edit: Edit) -> Rc<Self> {
        let mut next = self.0.clone();
        edit(&mut next);
        Rc::new(Draft(next))
    }
}

/// The value of the input, select or text area an event came from.
fn value_of(e: &web_sys::Event) -> String {
    let Some(target) = e.target() else {
        return String::new();
    };
    if let Some(i) = target.dyn_ref::<HtmlInputElement>() {
        if i.type_() == "checkbox" {
            return i.checked().to_string();
        }
        return i.value();
    }
    if let Some(s) = target.dyn_ref::<HtmlSelectElement>() {
        return s.value();
    }
    target
        .dyn_ref::<HtmlTextAreaElement>()
        .map(|t| t.value())
        .unwrap_or_default()
}

/// Props of the editor.
#[derive(Properties, PartialEq)]
pub struct EditorProps {
    /// The main view: its scenario is the starting point, and "Use this
    /// scenario" loads the draft into it.
    pub view: View,
    /// Called after the draft was loaded into the main view.
    #[prop_or_default]
    pub onuse: Callback<()>,
}

/// Where one kernel's run of the editor's explorer is.
#[derive(Clone, Debug, PartialEq)]
enum Run {
    /// Under way, with the states stored so far.
    Running(usize),
    /// Over.
    Done(ExploreReport),
    /// Stopped by the user at this many states.
    Cancelled(usize),
    /// The worker failed (why).
    Failed(String),
}

/// The explorer's runs for the current draft, one per kernel (none while the
/// draft is invalid).
#[derive(Clone, Debug, Default, PartialEq)]
struct Runs(Vec<(Mitigation, Run)>);

enum RunsAction {
    Start,
    Clear,
    Reply(Reply),
    Cancel,
}

impl Reducible for Runs {
    type Action = RunsAction;
    fn reduce(self: Rc<Self>, action: RunsAction) -> Rc<Self> {
        let mut runs = (*self).clone();
        match action {
            RunsAction::Start => {
                runs.0 = Mitigation::ALL
                    .into_iter()
                    .map(|m| (m, Run::Running(0)))
                    .collect();
            }
            RunsAction::Clear => runs.0.clear(),
            RunsAction::Reply(reply) => {
                let (mitigation, run) = match reply {
                    // ExplorerWorker answers it itself; it never gets here.
                    Reply::Ready => return self,
                    Reply::Progress { mitigation, states } => (mitigation, Run::Running(states)),
                    Reply::Report {
                        mitigation, report, ..
                    } => (mitigation, Run::Done(report)),
                    Reply::Failed(message) => {
                        for (_, run) in &mut runs.0 {
                            if matches!(run, Run::Running(_)) {
                                *run = Run::Failed(message.clone());
                            }
                        }
                        return Rc::new(runs);
                    }
                };
                if let Some(slot) = runs.0.iter_mut().find(|(m, _)| *m == mitigation) {
                    slot.1 = run;
                }
            }
            RunsAction::Cancel => {
                for (_, run) in &mut runs.0 {
                    if let Run::Running(states) = *run {
                        *run = Run::Cancelled(states);
                    }
                }
            }
        }
        Rc::new(runs)
    }
}

/// The editor.
#[component]
pub fn ScenarioEditor(props: &EditorProps) -> Html {
    let view = &props.view;
    let draft = {
        let start = view.state.model().scenario().to_file();
        use_reducer(move || Draft(start))
    };
    let file = &draft.0;
    let checked: Result<Scenario, ScenarioError> = file.validate();
    let runs = use_reducer(Runs::default);
    let worker = use_mut_ref(|| None::<ExplorerWorker>);
    {
        // A new valid draft starts a new run (replacing the worker cancels the old one).
        let runs = runs.dispatcher();
        let worker = worker.clone();
        // Keyed by the validated scenario, not its JSON: no serializing on every
        // keystroke. The cleanup below drops the previous worker first.
        use_effect_with(checked.clone().ok(), move |scenario| {
            match scenario {
                None => runs.dispatch(RunsAction::Clear),
                Some(scenario) => {
                    runs.dispatch(RunsAction::Start);
                    let request = Request {
                        scenario: sim_core::permalink::inline_json(scenario),
                        max_states: EDITOR_MAX_STATES,
                    };
                    let replies = runs.clone();
                    match ExplorerWorker::start(&request, move |r| {
                        replies.dispatch(RunsAction::Reply(r))
                    }) {
                        Ok(started) => *worker.borrow_mut() = Some(started),
                        Err(e) => runs.dispatch(RunsAction::Reply(Reply::Failed(e))),
                    }
                }
            }
            move || drop(worker.borrow_mut().take())
        });
    }
    let running = runs.0.iter().any(|(_, r)| matches!(r, Run::Running(_)));
    let cancel = {
        let runs = runs.dispatcher();
        let worker = worker.clone();
        Callback::from(move |_: MouseEvent| {
            drop(worker.borrow_mut().take());
            runs.dispatch(RunsAction::Cancel);
        })
    };

    let error: Option<(String, String)> = match &checked {
        Ok(_) => None,
        Err(ScenarioError::Invalid { field, message }) => Some((field.clone(), message.clone())),
        Err(e) => Some((String::new(), e.to_string())),
    };
    // Whether the error belongs to the field at `path` (or, for lists edited as
    // one control, to one of its items).
    let owns = |path: &str, items: bool| {
        error.as_ref().is_some_and(|(f, _)| {
            f == path || (items && f.starts_with(path) && f[path.len()..].starts_with('['))
        })
    };
    let slot = |path: &str, items: bool| -> Html {
        match &error {
            Some((_, message)) if owns(path, items) => html! {
                <p class="field-error" id={format!("err-{path}")}>
                    <span aria-hidden="true">{ "\u{26A0} " }</span>{ message }
                </p>
            },
            _ => html! {},
        }
    };
    let described = |path: &str, items: bool| owns(path, items).then(|| format!("err-{path}"));

    let dispatcher = draft.dispatcher();
    let edit = |f: Edit| {
        let d = dispatcher.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(f.clone()))
    };
    // A callback for an input's `oninput` or `onchange` that applies `f` to its value.
    let on = |f: EditWith| {
        let d = dispatcher.clone();
        Callback::from(move |e: web_sys::Event| {
            let value = value_of(&e);
            let f = f.clone();
            d.dispatch(Rc::new(move |file: &mut ScenarioFile| {
                f(file, value.clone())
            }));
        })
    };
    let on_input = |f: EditWith| {
        let cb = on(f);
        Callback::from(move |e: InputEvent| cb.emit(e.into()))
    };
    let text_field = |label: &str,
                      path: &'static str,
                      value: String,
                      f: fn(&mut ScenarioFile, String)| {
        html! {
            <label class="field">
                <span>{ label }</span>
                <input type="text" value={value} aria-invalid={owns(path, false).then_some("true")}
                    aria-describedby={described(path, false)} oninput={on_input(Rc::new(f))} />
                { slot(path, false) }
            </label>
        }
    };
    let number = |label: String, path: String, value: String, f: EditWith| {
        html! {
            <label class="field number">
                <span>{ label }</span>
                <input type="number" min="0" value={value} aria-invalid={owns(&path, false).then_some("true")}
                    aria-describedby={described(&path, false)} oninput={on_input(f)} />
                { slot(&path, false) }
            </label>
        }
    };

    let page_names: Vec<String> = file.pages.iter().map(|p| p.name.clone()).collect();
    let pages = file.pages.iter().enumerate().map(|(i, page)| {
        let at = format!("pages[{i}]");
        let set = |f: fn(&mut PageSpec, String)| -> EditWith {
            Rc::new(move |file: &mut ScenarioFile, v: String| {
                if let Some(p) = file.pages.get_mut(i) {
                    f(p, v)
                }
            })
        };
        let name_path = format!("{at}.name");
        html! {
            <tr key={i}>
                <td>
                    <input type="text" value={page.name.clone()} aria-label={format!("Page {} name", i + 1)}
                        aria-invalid={owns(&name_path, false).then_some("true")}
                        aria-describedby={described(&name_path, false)}
                        oninput={on_input(set(|p, v| p.name = v))} />
                    { slot(&name_path, false) }
                </td>
                <td>{ number(String::new(), format!("{at}.vpn"), page.vpn.to_string(), set(|p, v| if let Ok(n) = v.parse() { p.vpn = n })) }</td>
                <td>{ number(String::new(), format!("{at}.pfn"), page.pfn.to_string(), set(|p, v| if let Ok(n) = v.parse() { p.pfn = n })) }</td>
                <td><input type="checkbox" checked={page.writable} aria-label={format!("Page {} writable", i + 1)}
                    onchange={on(set(|p, v| p.writable = v == "true"))} /></td>
                <td>{ number(String::new(), format!("{at}.data"), page.data.to_string(), set(|p, v| if let Ok(n) = v.parse() { p.data = n })) }</td>
                <td><button aria-label={format!("Remove page {}", page.name)} disabled={file.pages.len() == 1}
                    onclick={edit(Rc::new(move |f: &mut ScenarioFile| { if f.pages.len() > 1 { f.pages.remove(i); } }))}>{ "Remove" }</button></td>
            </tr>
        }
    });

    let cpu_count = file.cpus.len();
    let cpus = file.cpus.iter().enumerate().map(|(c, cpu)| {
        let at = format!("cpus[{c}]");
        let role_path = format!("{at}.role");
        let tlb = page_names.iter().map(|name| {
            let holds = cpu.tlb.contains(name);
            let n = name.clone();
            html! {
                <label class="check" key={name.clone()}>
                    <input type="checkbox" checked={holds} onchange={on(Rc::new(move |f: &mut ScenarioFile, v: String| {
                        let tlb = &mut f.cpus[c].tlb;
                        tlb.retain(|p| *p != n);
                        if v == "true" { tlb.push(n.clone()); }
                    }))} />
                    { name }
                </label>
            }
        });
        let ops = cpu.program.iter().enumerate().map(|(i, op)| {
            let op_path = format!("{at}.program[{i}]");
            let set_op = move |f: fn(&mut Op<String>, String)| -> EditWith {
                Rc::new(move |file: &mut ScenarioFile, v: String| {
                    if let Some(op) = file.cpus.get_mut(c).and_then(|cpu| cpu.program.get_mut(i)) {
                        f(op, v)
                    }
                })
            };
            let page_field = op.page().map(|page| {
                let path = format!("{op_path}.page");
                let mut names = page_names.clone();
                if !names.contains(page) {
                    names.push(page.clone());
                }
                html! {
                    <label class="field inline">
                        <span>{ "page" }</span>
                        <select aria-invalid={owns(&path, false).then_some("true")} aria-describedby={described(&path, false)}
                            onchange={on(set_op(|op, v| {
                                if let Some(p) = op.page_mut() { *p = v; }
                            }))}>
                            { for names.iter().map(|n| html! { <option key={n.clone()} value={n.clone()} selected={n == page}>{ n }</option> }) }
                        </select>
                        { slot(&path, false) }
                    </label>
                }
            });
            let extra = match op {
                Op::Write { value, .. } => number("value".into(), format!("{op_path}.value"), value.to_string(),
                    set_op(|op, v| if let (Op::Write { value, .. }, Ok(n)) = (op, v.parse()) { *value = n })),
                Op::SwitchTo { to } => number("to CPU".into(), format!("{op_path}.to"), to.0.to_string(),
                    set_op(|op, v| if let (Op::SwitchTo { to }, Ok(n)) = (op, v.parse()) { *to = CpuId(n) })),
                Op::SwitchIn { from } => number("from CPU".into(), format!("{op_path}.from"), from.0.to_string(),
                    set_op(|op, v| if let (Op::SwitchIn { from }, Ok(n)) = (op, v.parse()) { *from = CpuId(n) })),
                _ => html! {},
            };
            let len = cpu.program.len();
            let swap = move |j: usize| -> Edit {
                Rc::new(move |f: &mut ScenarioFile| {
                    let p = &mut f.cpus[c].program;
                    if i < p.len() && j < p.len() { p.swap(i, j); }
                })
            };
            let n = i + 1;
            html! {
                <li key={format!("{i}-{}", op.name())} class={classes!(owns(&op_path, false).then_some("invalid"))}>
                    <code class="op-name">{ op.name() }</code>
                    { for page_field }
                    { extra }
                    <span class="op-buttons">
                        <button aria-label={format!("Move CPU{c} operation {n} up")} disabled={i == 0}
                            onclick={edit(swap(i.saturating_sub(1)))}>{ "\u{2191}" }</button>
                        <button aria-label={format!("Move CPU{c} operation {n} down")} disabled={i + 1 == len}
                            onclick={edit(swap(i + 1))}>{ "\u{2193}" }</button>
                        <button aria-label={format!("Remove CPU{c} operation {n}")}
                            onclick={edit(Rc::new(move |f: &mut ScenarioFile| { if i < f.cpus[c].program.len() { f.cpus[c].program.remove(i); } }))}>{ "\u{2715}" }</button>
                    </span>
                    { slot(&op_path, false) }
                </li>
            }
        });
        let palette_id = format!("palette-{c}");
        let add = {
            let d = dispatcher.clone();
            let id = palette_id.clone();
            Callback::from(move |_: MouseEvent| {
                let name = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|doc| doc.get_element_by_id(&id))
                    .and_then(|e| e.dyn_into::<HtmlSelectElement>().ok())
                    .map(|s| s.value())
                    .unwrap_or_default();
                d.dispatch(Rc::new(move |f: &mut ScenarioFile| {
                    let page = f.pages.first().map(|p| p.name.clone()).unwrap_or_default();
                    let other = CpuId(if c == 0 { 1 } else { 0 });
                    f.cpus[c].program.push(new_op(&name, page, other));
                }));
            })
        };
        html! {
            <fieldset class="editor-cpu" key={c}>
                <legend>{ format!("CPU{c}") }</legend>
                <label class="field">
                    <span>{ "Role" }</span>
                    <input type="text" value={cpu.role.clone()} aria-invalid={owns(&role_path, false).then_some("true")}
                        aria-describedby={described(&role_path, false)}
                        oninput={on_input(Rc::new(move |f: &mut ScenarioFile, v: String| f.cpus[c].role = v))} />
                    { slot(&role_path, false) }
                </label>
                <div class="tlb-start" role="group" aria-label={format!("CPU{c} TLB at the start")}>
                    <span>{ "TLB at the start:" }</span>{ for tlb }
                    { slot(&format!("{at}.tlb"), true) }
                </div>
                <ol class="editor-program" aria-label={format!("CPU{c} program")}>{ for ops }</ol>
                { slot(&format!("{at}.program"), false) }
                <div class="palette">
                    <select id={palette_id} aria-label={format!("Operation to add to CPU{c}")}>
                        { for OPS.iter().map(|n| html! { <option key={*n} value={*n}>{ *n }</option> }) }
                    </select>
                    <button onclick={add}>{ format!("Add to CPU{c}") }</button>
                    <button disabled={cpu_count == 1} onclick={edit(Rc::new(move |f: &mut ScenarioFile| { if f.cpus.len() > 1 { f.cpus.remove(c); } }))}>
                        { format!("Remove CPU{c}") }
                    </button>
                </div>
            </fieldset>
        }
    });

    let status = match &checked {
        Ok(s) => format!("Valid: {} CPUs, {} pages.", s.cpu_count(), s.pages().len()),
        Err(e) => format!("Not valid yet: {e}"),
    };
    let verdict_rows = runs.0.iter().map(|(mitigation, run)| {
        let m = *mitigation;
        let (class, verdict, states, race) = match run {
            // The worker runs the kernels one after the other.
            Run::Running(0) => ("running", "waiting\u{2026}".to_string(), String::new(), None),
            Run::Running(n) => ("running", "exploring\u{2026}".to_string(), n.to_string(), None),
            Run::Cancelled(n) => ("cancelled", "cancelled".into(), format!("{n} (cancelled)"), None),
            Run::Failed(why) => ("failed", format!("failed: {why}"), String::new(), None),
            Run::Done(r) => {
                let bounded = if r.complete {
                    String::new()
                } else {
                    format!(" (bounded: stopped at {EDITOR_MAX_STATES})")
                };
                let race = r.shortest_counterexample.as_ref().map(|c| {
                    let events = c.events.clone();
                    let scenario = checked.clone().ok();
                    let dispatch = view.dispatch.clone();
                    let onuse = props.onuse.clone();
                    let onclick = Callback::from(move |_: MouseEvent| {
                        if let Some(s) = scenario.clone() {
                            let h = match History::replay(Model::new(s, m), &events) {
                                Ok(h) | Err((h, _)) => h,
                            };
                            dispatch.emit(Action::LoadHistory(h));
                            onuse.emit(());
                        }
                    });
                    html! { <button {onclick}>{ format!("Show the {}-event race", c.events.len()) }</button> }
                });
                let verdict = r.verdict().name();
                (verdict, verdict.replace('_', " "), format!("{}{bounded}", r.states), race)
            }
        };
        html! {
            <tr key={m.name()} {class}>
                <th scope="row"><code>{ m.name() }</code></th>
                <td class="verdict">{ verdict }</td>
                <td>{ states }</td>
                <td>{ race.unwrap_or_else(|| html! { "\u{2014}" }) }</td>
            </tr>
        }
    });

    let use_it = {
        let scenario = checked.clone().ok();
        let dispatch = view.dispatch.clone();
        let mitigation = view.state.model().mitigation();
        let onuse = props.onuse.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(s) = scenario.clone() {
                dispatch.emit(Action::LoadHistory(History::new(Model::new(s, mitigation))));
                onuse.emit(());
            }
        })
    };
    let download = {
        let text = serde_json::to_string_pretty(file).unwrap_or_default();
        let name = format!("{}.json", file.name);
        let dispatch = view.dispatch.clone();
        Callback::from(move |_: MouseEvent| {
            if let Err(e) = browser::download(&name, "application/json", &text) {
                dispatch.emit(Action::ShowError(format!("Could not download: {e}")));
            }
        })
    };
    let current = view.state.model().scenario().to_file();

    html! {
        <section class="editor" aria-labelledby="editor-title">
            <h2 id="editor-title">{ "Scenario editor" }</h2>
            <div class="editor-start">
                <button onclick={edit(Rc::new(move |f: &mut ScenarioFile| *f = current.clone()))}>{ "Start from the current scenario" }</button>
                <button onclick={edit(Rc::new(|f: &mut ScenarioFile| *f = empty_file()))}>{ "Start empty" }</button>
            </div>
            <p class={classes!("editor-status", if checked.is_ok() { "ok" } else { "bad" })} role="status">{ status }</p>
            <div class="editor-grid">
                <div class="editor-form">
                    <fieldset>
                        <legend>{ "Scenario" }</legend>
                        { text_field("Name", "name", file.name.clone(), |f, v| f.name = v) }
                        { text_field("Title", "title", file.title.clone(), |f, v| f.title = v) }
                        <label class="field">
                            <span>{ "Story" }</span>
                            <textarea rows="3" value={file.story.clone()} oninput={on_input(Rc::new(|f: &mut ScenarioFile, v: String| f.story = v))} />
                        </label>
                        { number("TLB entries per CPU".into(), "tlb_capacity".into(), file.tlb_capacity.to_string(),
                            Rc::new(|f: &mut ScenarioFile, v: String| if let Ok(n) = v.parse() { f.tlb_capacity = n })) }
                        <label class="check">
                            <input type="checkbox" checked={file.switch_to_dsb}
                                onchange={on(Rc::new(|f: &mut ScenarioFile, v: String| f.switch_to_dsb = v == "true"))} />
                            { "__switch_to() executes dsb(ish)" }
                        </label>
                    </fieldset>
                    <fieldset>
                        <legend>{ "Pages" }</legend>
                        <div class="table-scroll">
                        <table class="editor-pages">
                            <thead><tr>
                                <th scope="col">{ "Name" }</th><th scope="col">{ "VPN" }</th><th scope="col">{ "PFN" }</th>
                                <th scope="col">{ "Writable" }</th><th scope="col">{ "Data" }</th><th scope="col"><span class="visually-hidden">{ "Remove" }</span></th>
                            </tr></thead>
                            <tbody>{ for pages }</tbody>
                        </table>
                        </div>
                        { slot("pages", false) }
                        <button onclick={edit(Rc::new(add_page))} disabled={file.pages.len() >= sim_core::scenario::MAX_PAGES}>{ "Add page" }</button>
                    </fieldset>
                    { for cpus }
                    { slot("cpus", false) }
                    <button onclick={edit(Rc::new(|f: &mut ScenarioFile| if f.cpus.len() < MAX_CPUS {
                        f.cpus.push(CpuSpec { role: "thread".into(), tlb: Vec::new(), program: Vec::new() });
                    }))} disabled={cpu_count >= MAX_CPUS}>{ "Add CPU" }</button>
                    { text_field("Default schedule (e.g. s1,s0,d0>1)", "default_schedule", file.default_schedule.clone(), |f, v| f.default_schedule = v) }
                </div>
                <aside class="editor-side">
                    <section class="panel" aria-labelledby="editor-verdict">
                        <h3 id="editor-verdict">{ "Every interleaving" }</h3>
                        if runs.0.is_empty() {
                            <p>{ "The explorer runs once the scenario is valid." }</p>
                        } else {
                            if running {
                                <p class="explorer-status">
                                    <progress aria-label="Explorer progress"></progress>
                                    { " In a background worker, up to 1,000,000 states per kernel. " }
                                    <button onclick={cancel}>{ "Cancel" }</button>
                                </p>
                            }
                            <table>
                                <caption>{ "Explorer verdict per kernel" }</caption>
                                <thead><tr><th scope="col">{ "Kernel" }</th><th scope="col">{ "Verdict" }</th><th scope="col">{ "States" }</th><th scope="col">{ "Race" }</th></tr></thead>
                                <tbody>{ for verdict_rows }</tbody>
                            </table>
                        }
                    </section>
                    <div class="editor-actions">
                        <button class="race" onclick={use_it} disabled={checked.is_err()}>{ "Use this scenario" }</button>
                        <button onclick={download}>{ "Download JSON" }</button>
                    </div>
                </aside>
            </div>
        </section>
    }
}

fn add_page(f: &mut ScenarioFile) {
    let name = ["P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z"]
        .iter()
        .find(|n| !f.pages.iter().any(|p| p.name == **n))
        .map(|n| n.to_string())
        .unwrap_or_else(|| format!("P{}", f.pages.len()));
    let vpn = f.pages.iter().map(|p| p.vpn).max().unwrap_or(1023) + 1;
    let pfn = f.pages.iter().map(|p| p.pfn).max().unwrap_or(2209) + 1;
    f.pages.push(PageSpec {
        name,
        vpn,
        pfn,
        writable: true,
        data: 0,
    });
}
