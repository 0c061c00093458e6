//! One CPU's lane: the task running there with its program (calls, and the
//! kernel steps of the call being run), its Step button and status, and the
//! tasks waiting for the CPU or finished on it.

use sim_core::machine::Machine;
use sim_core::{
    Call, CpuId, CpuStatus, Event, History, Mode, Op, PageId, Scenario, TaskId, TaskStatus,
};
use yew::prelude::*;

use super::wrap::breakable;

fn pages(scenario: &Scenario, pages: &[PageId]) -> String {
    pages
        .iter()
        .map(|p| scenario.page_name(*p))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A call of a task's program as the timeline shows it, e.g. `mprotect(P)`.
pub fn call_label(call: &Call<PageId>, scenario: &Scenario) -> String {
    let name = |p: &PageId| scenario.page_name(*p).to_string();
    match call {
        Call::Read { page } => format!("read {}", name(page)),
        Call::Write { page, value } => format!("write {} = {value}", name(page)),
        Call::Signal { flag } => format!("signal {flag}"),
        Call::Wait { flag } => format!("wait for {flag}"),
        Call::Mprotect { pages: p } => format!("mprotect({}, PROT_READ)", pages(scenario, p)),
        Call::Munmap { pages: p } => format!("munmap({})", pages(scenario, p)),
        Call::MadviseDontneed { pages: p } => {
            format!("madvise({}, MADV_DONTNEED)", pages(scenario, p))
        }
        Call::Mremap { page, to } => format!("mremap({} \u{2192} {})", name(page), name(to)),
        Call::Migrate { to } => format!("migrate to {to}"),
        call => match call.pages().first() {
            Some(page) => format!("{}({})", call.name(), name(page)),
            None => call.name().to_string(),
        },
    }
}

/// A step as the timeline shows it, e.g. `ptep_get_and_clear(P)`.
pub fn op_label(op: &Op, scenario: &Scenario) -> String {
    let name = |p: PageId| scenario.page_name(p).to_string();
    let locks = |tables: sim_core::op::Tables| {
        tables
            .iter()
            .map(|t| scenario.tables()[t.index()].lock_name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let flag = |f: sim_core::FlagId| scenario.flags()[f.index()].clone();
    match *op {
        Op::Write { page, value } => format!("write {} = {value}", name(page)),
        Op::Read { page } => format!("read {}", name(page)),
        Op::Signal { flag: f } => format!("signal {}", flag(f)),
        Op::Wait { flag: f } => format!("wait for {}", flag(f)),
        Op::PteOffsetMapLock { tables, .. } => format!("pte_offset_map_lock ({})", locks(tables)),
        Op::PteUnmapUnlock { tables, .. } => format!("pte_unmap_unlock ({})", locks(tables)),
        Op::MovePte { page, to } => format!("move_ptes({} \u{2192} {})", name(page), name(to)),
        Op::Return { syscall, .. } => format!("{} returns", syscall.name()),
        Op::Migrate { to } => format!("__switch_to (to {to})"),
        op => match op.page() {
            Some(page) => format!("{}({})", op.name(), name(page)),
            None => op.name().to_string(),
        },
    }
}

/// A task's name with its role, e.g. `kswapd0 (reclaim)`.
pub fn task_label(scenario: &Scenario, task: TaskId) -> String {
    let t = scenario.task(task);
    if t.role.is_empty() {
        t.name.clone()
    } else {
        format!("{} ({})", t.name, t.role)
    }
}

/// Props of one CPU's lane.
#[derive(Properties, PartialEq)]
pub struct LaneProps {
    /// What is shown.
    pub history: History,
    /// Whose lane.
    pub cpu: CpuId,
    /// Applies an event (this lane's Step).
    pub on_event: Callback<Event>,
}

/// One step of a program: done, next or to do, its mode and kernel function.
fn step_item(op: &Op, i: usize, pc: usize, running: bool, scenario: &Scenario) -> Html {
    let (class, marker) = if i < pc {
        ("done", "\u{2713}")
    } else if i == pc && running {
        ("next", "\u{25B6}")
    } else {
        ("todo", "")
    };
    let mode = match op.mode() {
        Mode::User => html! { <span class="mode user" title="user space (EL0)">{ "user" }</span> },
        Mode::Kernel => {
            html! { <span class="mode kernel" title="kernel (EL1)">{ "kernel" }</span> }
        }
    };
    let next = i == pc && running;
    let label = op_label(op, scenario);
    let function = op
        .kernel_ref()
        .filter(|k| !label.starts_with(k.function))
        .map(
            |k| html! { <span class="function">{ breakable(&format!("{}()", k.function)) }</span> },
        );
    html! {
        <li class={classes!("op", class)} key={i} aria-current={next.then_some("step")}>
            <span class="marker" aria-hidden="true">{ marker }</span>
            <span class="label">{ breakable(&label) }</span>
            { mode }
            { for function }
            if i < pc { <span class="visually-hidden">{ " (done)" }</span> }
            if next { <span class="visually-hidden">{ " (next)" }</span> }
        </li>
    }
}

/// A task's program: each call, and under a call of several steps, its steps.
fn program(scenario: &Scenario, machine: &Machine, task: TaskId, running: bool) -> Html {
    let t = scenario.task(task);
    let pc = usize::from(machine.tasks[task.index()].pc);
    let calls = t.calls.iter().enumerate().map(|(c, call)| {
        let steps: Vec<usize> = (0..t.steps.len())
            .filter(|&i| usize::from(t.call_of[i]) == c)
            .collect();
        if let [only] = steps[..] {
            return step_item(&t.steps[only], only, pc, running, scenario);
        }
        let first = steps.first().copied().unwrap_or(0);
        let last = steps.last().copied().unwrap_or(0);
        let class = if pc > last {
            "done"
        } else if pc >= first {
            "current"
        } else {
            "todo"
        };
        if class != "current" {
            // Only the call being run shows its kernel steps: the board must fit
            // one screen, and a finished or future call reads as one line.
            let done = class == "done";
            return html! {
                <li class={classes!("call", "folded", class)} key={format!("call-{c}")}>
                    <span class="marker" aria-hidden="true">{ if done { "\u{2713}" } else { "" } }</span>
                    <span class="call-label">{ breakable(&call_label(call, scenario)) }</span>
                    <span class="count">{ format!("{} steps", steps.len()) }</span>
                    if done { <span class="visually-hidden">{ " (done)" }</span> }
                </li>
            };
        }
        html! {
            <li class={classes!("call", class)} key={format!("call-{c}")}>
                <span class="call-label">{ breakable(&call_label(call, scenario)) }</span>
                <ol class="steps">
                    { for steps.iter().map(|&i| step_item(&t.steps[i], i, pc, running, scenario)) }
                </ol>
            </li>
        }
    });
    html! { <ol class="program" aria-label={format!("{} program", t.name)}>{ for calls }</ol> }
}

/// One CPU: the task running there (name and role), its Step button and
/// status, the current task's program with its position, and the tasks waiting
/// for this CPU or finished on it.
#[component]
pub fn Lane(props: &LaneProps) -> Html {
    let model = props.history.model();
    let scenario = model.scenario();
    let machine = props.history.current();
    let id = props.cpu;
    let c = id.index();
    let state = &machine.cpus[c];
    let status = model.cpu_status(machine, id);
    let can_step = status == CpuStatus::Ready;
    let lane_class = match status {
        CpuStatus::Ready => "ready",
        CpuStatus::Done | CpuStatus::Idle => "done",
        _ => "blocked",
    };
    let current = state.current;
    let running = current.is_some_and(|t| model.task_status(machine, t) == TaskStatus::Running(id));
    let header = match current {
        Some(t) => {
            let task = scenario.task(t);
            html! { <>
                <span class="task">{ &task.name }</span>
                <span class="role">{ &task.role }</span>
            </> }
        }
        None => html! { <span class="role">{ "idle" }</span> },
    };
    let queued = state.queue.iter().map(|t| {
        let next = model
            .next_op(machine, *t)
            .map(|op| format!(", next: {}", op_label(&op, scenario)))
            .unwrap_or_default();
        html! { <li key={t.0}>{ format!("{}{next}", task_label(scenario, *t)) }</li> }
    });
    let finished: Vec<TaskId> = (0..machine.tasks.len())
        .map(|t| TaskId(t as u8))
        .filter(|t| {
            Some(*t) != current
                && machine.tasks[t.index()].cpu == id
                && model.task_status(machine, *t) == TaskStatus::Done
        })
        .collect();
    let on_step = {
        let on_event = props.on_event.clone();
        Callback::from(move |_| on_event.emit(Event::Step(id)))
    };
    html! {
        <section class={classes!("lane", lane_class)} aria-label={format!("CPU{c} lane")}>
            <header>
                <h3>{ format!("CPU{c}") }</h3>
                { header }
            </header>
            <button class="step" data-steady="" onclick={on_step} disabled={!can_step}
                aria-keyshortcuts={c.to_string()}>
                { format!("Step CPU{c}") }
            </button>
            <p class="cpu-status">{ breakable(&sim_core::facts::cpu_status_text(model, machine, id)) }</p>
            if let Some(t) = current {
                { program(scenario, machine, t, running) }
            }
            if !state.queue.is_empty() {
                <div class="queue">
                    <span>{ format!("Waiting for CPU{c}:") }</span>
                    <ul>{ for queued }</ul>
                </div>
            }
            if !finished.is_empty() {
                <p class="finished">{ format!("Finished here: {}", finished.iter().map(|t| scenario.task(*t).name.as_str()).collect::<Vec<_>>().join(", ")) }</p>
            }
        </section>
    }
}
