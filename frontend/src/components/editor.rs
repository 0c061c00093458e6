//! The scenario editor: pages, CPUs (with their TLBs at the start) and tasks
//! (name, role, CPU and a program of calls from the palette of
//! `sim_core::op::CALL_KINDS`), validated as the user types
//! (`ScenarioFile::validate`, the message shown beside the field its path
//! names), with the kernel steps each call expands to, and the explorer's
//! verdict under every kernel, computed in a Web Worker (`explorer_worker`)
//! with progress and Cancel. The draft is kept whatever its state.

use std::rc::Rc;

use sim_core::op::{CallDefaults, CALL_KINDS};
use sim_core::scenario::{CpuSpec, PageSpec, ScenarioFile, TaskSpec, MAX_CPUS, MAX_TASKS};
use sim_core::{
    Call, CpuId, ExploreReport, History, Mitigation, Model, Scenario, ScenarioError, TaskId,
};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::browser;
use crate::components::timeline::op_label;
use crate::explorer_worker::{failed, ExplorerWorker, Reply, Request};
use crate::state::Action;
use crate::view::View;

/// States the editor's explorer stores at most per kernel. It runs in a worker,
/// so the bound is about memory and patience (an 8-CPU draft can reach it in a
/// few seconds), not about keeping the page responsive.
pub const EDITOR_MAX_STATES: usize = 1_000_000;

/// A new call of the palette (a name of `CALL_KINDS`) for a task on `cpu`, on
/// the draft's first page (mremap: to its first page that starts unmapped);
/// sim-core's constructor (`Call::of_kind`) decides what each call holds.
pub fn new_call(name: &str, file: &ScenarioFile, cpu: u8) -> Call<String> {
    let page = file
        .pages
        .first()
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let to = file
        .pages
        .iter()
        .find(|p| !p.present)
        .or(file.pages.get(1))
        .map(|p| p.name.clone())
        .unwrap_or_else(|| page.clone());
    let defaults = CallDefaults {
        page,
        to,
        cpu: CpuId(if cpu == 0 { 1 } else { 0 }),
        flag: "done".into(),
    };
    Call::of_kind(name, &defaults).unwrap_or(Call::DsbIsh)
}

/// Sets the page a call names in the one-page fields (`page`, and mremap's `to`
/// when `to` is set).
fn set_page(call: &mut Call<String>, to: bool, name: String) {
    match call {
        Call::Mremap { to: target, .. } if to => *target = name,
        Call::Read { page }
        | Call::Write { page, .. }
        | Call::Mremap { page, .. }
        | Call::TryToUnmapOne { page }
        | Call::Pageout { page }
        | Call::FreeFolio { page }
        | Call::TlbiVa { page } => *page = name,
        _ => {}
    }
}

/// The page list of mprotect, munmap and madvise, if the call has one.
fn page_list(call: &mut Call<String>) -> Option<&mut Vec<String>> {
    match call {
        Call::Mprotect { pages } | Call::Munmap { pages } | Call::MadviseDontneed { pages } => {
            Some(pages)
        }
        _ => None,
    }
}

/// A scenario to start from: one page, one CPU, and one task with nothing to do.
pub fn empty_file() -> ScenarioFile {
    ScenarioFile {
        format: sim_core::scenario::FORMAT_VERSION,
        name: "my-race".into(),
        title: "My race".into(),
        story: String::new(),
        asid: 1,
        tlb_capacity: 4,
        switch_to_dsb: true,
        arch: Default::default(),
        pages: vec![PageSpec {
            name: "P".into(),
            vpn: 1024,
            pfn: 2210,
            writable: true,
            present: true,
            data: 0,
        }],
        cpus: vec![CpuSpec::default()],
        tasks: vec![new_task(0, 0)],
        default_schedule: String::new(),
    }
}

/// A new task with an empty program: `thread{n}` on `cpu`.
fn new_task(n: usize, cpu: u8) -> TaskSpec {
    TaskSpec {
        name: format!("thread{n}"),
        role: "thread".into(),
        cpu,
        program: Vec::new(),
    }
}

/// Removes CPU `c`: its tasks move to CPU0 (or stay there), later CPUs and the
/// migrations to them shift down by one.
fn remove_cpu(f: &mut ScenarioFile, c: usize) {
    if f.cpus.len() <= 1 || c >= f.cpus.len() {
        return;
    }
    f.cpus.remove(c);
    let shift = |cpu: u8| {
        if usize::from(cpu) > c {
            cpu - 1
        } else if usize::from(cpu) == c {
            0
        } else {
            cpu
        }
    };
    for task in &mut f.tasks {
        task.cpu = shift(task.cpu);
        for call in &mut task.program {
            if let Call::Migrate { to } = call {
                *to = CpuId(shift(to.0));
            }
        }
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
    /// A run of these kernels begins.
    Start(&'static [Mitigation]),
    Clear,
    Reply(Reply),
    Cancel,
}

impl Reducible for Runs {
    type Action = RunsAction;
    fn reduce(self: Rc<Self>, action: RunsAction) -> Rc<Self> {
        let mut runs = (*self).clone();
        match action {
            RunsAction::Start(kernels) => {
                runs.0 = kernels
                    .iter()
                    .copied()
                    .map(|m| (m, Run::Running(0)))
                    .collect();
            }
            RunsAction::Clear => runs.0.clear(),
            RunsAction::Reply(reply) => {
                let (mitigation, run) = match reply {
                    // ExplorerWorker answers it itself; it never gets here.
                    Reply::Ready => return self,
                    Reply::Progress(p) => (p.mitigation, Run::Running(p.states)),
                    Reply::Report(row) => (row.mitigation, Run::Done(row.report)),
                    Reply::Failed { message } => {
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
/// The accessible name of a pages-table cell from its field path:
/// `pages[0].vpn` is "Page 1 VPN".
fn cell_name(path: &str) -> String {
    let (index, field) = path
        .strip_prefix("pages[")
        .and_then(|rest| rest.split_once("]."))
        .unwrap_or(("", path));
    let n = index.parse::<usize>().map_or(0, |i| i + 1);
    let what = match field {
        "vpn" => "VPN",
        "pfn" => "PFN",
        other => other,
    };
    format!("Page {n} {what}")
}

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
                    runs.dispatch(RunsAction::Start(scenario.arch().mitigations()));
                    let request = Request {
                        scenario: sim_core::permalink::inline_json(scenario),
                        arch: None,
                        kernels: scenario.arch().mitigations().to_vec(),
                        max_states: EDITOR_MAX_STATES,
                        max_memory: sim_core::ExploreConfig::DEFAULT.max_memory,
                    };
                    let replies = runs.clone();
                    match ExplorerWorker::start(&request, move |r| {
                        replies.dispatch(RunsAction::Reply(r))
                    }) {
                        Ok(started) => *worker.borrow_mut() = Some(started),
                        Err(e) => runs.dispatch(RunsAction::Reply(failed(e))),
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
        // In the pages table the column header is the visible label; the
        // input still needs a name of its own ("Page 1 VPN").
        let name = label.is_empty().then(|| cell_name(&path));
        html! {
            <label class="field number">
                <span>{ label }</span>
                <input type="number" min="0" value={value} aria-label={name} aria-invalid={owns(&path, false).then_some("true")}
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
                <td><input type="checkbox" checked={page.present} aria-label={format!("Page {} mapped at the start", i + 1)}
                    onchange={on(set(|p, v| p.present = v == "true"))} /></td>
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
        html! {
            <fieldset class="editor-cpu" key={c}>
                <legend>{ format!("CPU{c}") }</legend>
                <div class="tlb-start" role="group" aria-label={format!("CPU{c} TLB at the start")}>
                    <span>{ "TLB at the start:" }</span>{ for tlb }
                    { slot(&format!("{at}.tlb"), true) }
                </div>
                <button disabled={cpu_count == 1} onclick={edit(Rc::new(move |f: &mut ScenarioFile| remove_cpu(f, c)))}>
                    { format!("Remove CPU{c}") }
                </button>
            </fieldset>
        }
    });

    let task_count = file.tasks.len();
    let tasks = file.tasks.iter().enumerate().map(|(t, task)| {
        let at = format!("tasks[{t}]");
        let who = format!("task {}", t + 1);
        let name_path = format!("{at}.name");
        let role_path = format!("{at}.role");
        let cpu_path = format!("{at}.cpu");
        // The kernel steps each call expands to, once the draft is valid.
        let expanded = checked.as_ref().ok().map(|s| s.task(TaskId(t as u8)).clone());
        let calls = task.program.iter().enumerate().map(|(i, call)| {
            let call_path = format!("{at}.program[{i}]");
            let set_call = move |f: fn(&mut Call<String>, String)| -> EditWith {
                Rc::new(move |file: &mut ScenarioFile, v: String| {
                    if let Some(call) = file.tasks.get_mut(t).and_then(|task| task.program.get_mut(i)) {
                        f(call, v)
                    }
                })
            };
            let page_select = |label: &'static str, path: String, page: &String, f: fn(&mut Call<String>, String)| {
                let mut names = page_names.clone();
                if !names.contains(page) {
                    names.push(page.clone());
                }
                html! {
                    <label class="field inline">
                        <span>{ label }</span>
                        <select aria-invalid={owns(&path, false).then_some("true")} aria-describedby={described(&path, false)}
                            onchange={on(set_call(f))}>
                            { for names.iter().map(|n| html! { <option key={n.clone()} value={n.clone()} selected={n == page}>{ n }</option> }) }
                        </select>
                        { slot(&path, false) }
                    </label>
                }
            };
            let fields = match call {
                Call::Read { page }
                | Call::TryToUnmapOne { page }
                | Call::Pageout { page }
                | Call::FreeFolio { page }
                | Call::TlbiVa { page } => page_select("page", format!("{call_path}.page"), page, |c, v| set_page(c, false, v)),
                Call::Write { page, value } => html! { <>
                    { page_select("page", format!("{call_path}.page"), page, |c, v| set_page(c, false, v)) }
                    { number("value".into(), format!("{call_path}.value"), value.to_string(),
                        set_call(|c, v| if let (Call::Write { value, .. }, Ok(n)) = (c, v.parse()) { *value = n })) }
                </> },
                Call::Mremap { page, to } => html! { <>
                    { page_select("page", format!("{call_path}.page"), page, |c, v| set_page(c, false, v)) }
                    { page_select("to", format!("{call_path}.to"), to, |c, v| set_page(c, true, v)) }
                </> },
                Call::Signal { flag } | Call::Wait { flag } => {
                    let path = format!("{call_path}.flag");
                    html! {
                        <label class="field inline">
                            <span>{ "flag" }</span>
                            <input type="text" value={flag.clone()} aria-invalid={owns(&path, false).then_some("true")}
                                aria-describedby={described(&path, false)}
                                oninput={on_input(set_call(|c, v| if let Call::Signal { flag } | Call::Wait { flag } = c { *flag = v }))} />
                            { slot(&path, false) }
                        </label>
                    }
                }
                Call::Mprotect { pages } | Call::Munmap { pages } | Call::MadviseDontneed { pages } => {
                    let path = format!("{call_path}.pages");
                    let boxes = page_names.iter().map(|name| {
                        let n = name.clone();
                        html! {
                            <label class="check" key={name.clone()}>
                                <input type="checkbox" checked={pages.contains(name)} onchange={on(Rc::new(move |f: &mut ScenarioFile, v: String| {
                                    if let Some(list) = f.tasks.get_mut(t).and_then(|task| task.program.get_mut(i)).and_then(page_list) {
                                        list.retain(|p| *p != n);
                                        if v == "true" { list.push(n.clone()); }
                                    }
                                }))} />
                                { name }
                            </label>
                        }
                    });
                    html! {
                        <span class="field inline" role="group" aria-label={format!("Pages of {who} call {}", i + 1)}>
                            <span>{ "pages" }</span>{ for boxes }
                            { slot(&path, true) }
                        </span>
                    }
                }
                Call::Migrate { to } => number("to CPU".into(), format!("{call_path}.to"), to.0.to_string(),
                    set_call(|c, v| if let (Call::Migrate { to }, Ok(n)) = (c, v.parse()) { *to = CpuId(n) })),
                _ => html! {},
            };
            let steps = expanded.as_ref().map(|task| {
                let labels: Vec<String> = task
                    .steps
                    .iter()
                    .zip(&task.call_of)
                    .filter(|(_, of)| usize::from(**of) == i)
                    .map(|(op, _)| op_label(op, checked.as_ref().expect("valid")))
                    .collect();
                html! { <span class="expands">{ format!("\u{2192} {}", labels.join(", ")) }</span> }
            });
            let len = task.program.len();
            let swap = move |j: usize| -> Edit {
                Rc::new(move |f: &mut ScenarioFile| {
                    let p = &mut f.tasks[t].program;
                    if i < p.len() && j < p.len() { p.swap(i, j); }
                })
            };
            let n = i + 1;
            html! {
                <li key={format!("{i}-{}", call.name())} class={classes!(owns(&call_path, false).then_some("invalid"))}>
                    <code class="op-name">{ call.name() }</code>
                    { fields }
                    <span class="op-buttons">
                        <button aria-label={format!("Move {who} call {n} up")} disabled={i == 0}
                            onclick={edit(swap(i.saturating_sub(1)))}>{ "\u{2191}" }</button>
                        <button aria-label={format!("Move {who} call {n} down")} disabled={i + 1 == len}
                            onclick={edit(swap(i + 1))}>{ "\u{2193}" }</button>
                        <button aria-label={format!("Remove {who} call {n}")}
                            onclick={edit(Rc::new(move |f: &mut ScenarioFile| { if i < f.tasks[t].program.len() { f.tasks[t].program.remove(i); } }))}>{ "\u{2715}" }</button>
                    </span>
                    { for steps }
                    { slot(&call_path, false) }
                </li>
            }
        });
        let palette_id = format!("palette-{t}");
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
                    let Some(cpu) = f.tasks.get(t).map(|task| task.cpu) else { return };
                    let call = new_call(&name, f, cpu);
                    f.tasks[t].program.push(call);
                }));
            })
        };
        let mut groups: Vec<&str> = Vec::new();
        for kind in &CALL_KINDS {
            if !groups.contains(&kind.group) {
                groups.push(kind.group);
            }
        }
        let palette = groups.iter().map(|group| html! {
            <optgroup key={*group} label={*group}>
                { for CALL_KINDS.iter().filter(|k| k.group == *group).map(|k| html! {
                    <option key={k.name} value={k.name} title={k.summary}>{ format!("{} \u{2014} {}", k.name, k.summary) }</option>
                }) }
            </optgroup>
        });
        let cpu_options = (0..cpu_count.max(usize::from(task.cpu) + 1)).map(|c| html! {
            <option key={c} value={c.to_string()} selected={usize::from(task.cpu) == c}>{ format!("CPU{c}") }</option>
        });
        html! {
            <fieldset class="editor-task" key={format!("task-{t}")}>
                <legend>{ format!("Task {}: {}", t + 1, task.name) }</legend>
                <div class="task-fields">
                    <label class="field">
                        <span>{ "Name" }</span>
                        <input type="text" value={task.name.clone()} aria-label={format!("Task {} name", t + 1)}
                            aria-invalid={owns(&name_path, false).then_some("true")}
                            aria-describedby={described(&name_path, false)}
                            oninput={on_input(Rc::new(move |f: &mut ScenarioFile, v: String| f.tasks[t].name = v))} />
                        { slot(&name_path, false) }
                    </label>
                    <label class="field">
                        <span>{ "Role" }</span>
                        <input type="text" value={task.role.clone()} aria-label={format!("Task {} role", t + 1)}
                            aria-invalid={owns(&role_path, false).then_some("true")}
                            aria-describedby={described(&role_path, false)}
                            oninput={on_input(Rc::new(move |f: &mut ScenarioFile, v: String| f.tasks[t].role = v))} />
                        { slot(&role_path, false) }
                    </label>
                    <label class="field">
                        <span>{ "Starts on" }</span>
                        <select aria-label={format!("Task {} CPU", t + 1)}
                            aria-invalid={owns(&cpu_path, false).then_some("true")}
                            aria-describedby={described(&cpu_path, false)}
                            onchange={on(Rc::new(move |f: &mut ScenarioFile, v: String| if let Ok(c) = v.parse() { f.tasks[t].cpu = c }))}>
                            { for cpu_options }
                        </select>
                        { slot(&cpu_path, false) }
                    </label>
                </div>
                <ol class="editor-program" aria-label={format!("Task {} program", t + 1)}>{ for calls }</ol>
                { slot(&format!("{at}.program"), false) }
                <div class="palette">
                    <select id={palette_id} aria-label={format!("Call to add to task {}", t + 1)}>
                        { for palette }
                    </select>
                    <button onclick={add}>{ format!("Add to task {}", t + 1) }</button>
                    <button disabled={task_count == 1} onclick={edit(Rc::new(move |f: &mut ScenarioFile| { if f.tasks.len() > 1 { f.tasks.remove(t); } }))}>
                        { format!("Remove task {}", t + 1) }
                    </button>
                </div>
            </fieldset>
        }
    });

    let status = match &checked {
        Ok(s) => format!(
            "Valid: {} CPUs, {} tasks, {} pages.",
            s.cpu_count(),
            s.tasks().len(),
            s.pages().len()
        ),
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
                            let h = History::replay_while_enabled(Model::new(s, m), &events);
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
                                <th scope="col">{ "Mapped" }</th><th scope="col">{ "Writable" }</th><th scope="col">{ "Data" }</th><th scope="col"><span class="visually-hidden">{ "Remove" }</span></th>
                            </tr></thead>
                            <tbody>{ for pages }</tbody>
                        </table>
                        </div>
                        { slot("pages", false) }
                        <button onclick={edit(Rc::new(add_page))} disabled={file.pages.len() >= sim_core::scenario::MAX_PAGES}>{ "Add page" }</button>
                    </fieldset>
                    <fieldset>
                        <legend>{ "CPUs" }</legend>
                        { for cpus }
                        { slot("cpus", false) }
                        <button onclick={edit(Rc::new(|f: &mut ScenarioFile| if f.cpus.len() < MAX_CPUS {
                            f.cpus.push(CpuSpec::default());
                        }))} disabled={cpu_count >= MAX_CPUS}>{ "Add CPU" }</button>
                    </fieldset>
                    <fieldset>
                        <legend>{ "Tasks" }</legend>
                        { for tasks }
                        { slot("tasks", false) }
                        <button onclick={edit(Rc::new(|f: &mut ScenarioFile| if f.tasks.len() < MAX_TASKS {
                            // On the last CPU, which is often the one just added.
                            let cpu = f.cpus.len().saturating_sub(1) as u8;
                            let n = (f.tasks.len()..).find(|n| !f.tasks.iter().any(|t| t.name == format!("thread{n}"))).unwrap_or(0);
                            f.tasks.push(new_task(n, cpu));
                        }))} disabled={task_count >= MAX_TASKS}>{ "Add task" }</button>
                    </fieldset>
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
        present: true,
        data: 0,
    });
}
