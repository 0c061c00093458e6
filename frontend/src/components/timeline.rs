//! One lane per CPU with its program, its Step button, and the TLBIs in flight
//! with a Deliver button for each CPU they have not reached yet.

use sim_core::machine::TlbiTarget;
use sim_core::{CpuId, CpuStatus, Event, Mode, Op, PageId};
use yew::prelude::*;

use crate::state::Action;
use crate::view::View;

/// Props of the timeline.
#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    /// State and dispatcher.
    pub view: View,
}

/// A step's label as the timeline shows it, e.g. `ptep_get_and_clear(P)`.
pub fn op_label(op: &Op<PageId>, page_name: impl Fn(PageId) -> String) -> String {
    match op {
        Op::Write { page, value } => format!("write {} = {value}", page_name(*page)),
        Op::Read { page } => format!("read {}", page_name(*page)),
        Op::MprotectReturn { page } => format!("mprotect({}) returns", page_name(*page)),
        Op::SwitchTo { to } => format!("__switch_to (task to {to})"),
        Op::SwitchIn { from } => format!("task resumes (from {from})"),
        op => match op.page() {
            Some(page) => format!("{}({})", op.name(), page_name(*page)),
            None => op.name().to_string(),
        },
    }
}

fn status_text(status: CpuStatus) -> String {
    match status {
        CpuStatus::Ready => "ready".into(),
        CpuStatus::Done => "done".into(),
        CpuStatus::SpinningOnPtl { holder } => {
            format!("spinning on the page-table lock ({holder} holds it)")
        }
        CpuStatus::WaitingForTask { from } => format!("waiting for the task to leave {from}"),
    }
}

/// Props of one CPU's lane.
#[derive(Properties, PartialEq)]
pub struct LaneProps {
    /// State and dispatcher.
    pub view: View,
    /// Whose lane.
    pub cpu: CpuId,
}

/// One CPU: its role, its Step button and status, and its program with the
/// current position, the done steps, the mode and the kernel function of each.
#[component]
pub fn Lane(props: &LaneProps) -> Html {
    let view = &props.view;
    let model = view.state.model();
    let scenario = model.scenario();
    let machine = view.state.history.current();
    let page_name = |p: PageId| scenario.page_name(p).to_string();
    let c = props.cpu.index();
    let cpu = &scenario.cpus()[c];
    let id = props.cpu;
    let status = model.cpu_status(machine, id);
    let pc = usize::from(machine.cpus[c].pc);
    let ops = cpu.program.iter().enumerate().map(|(i, op)| {
        let (class, marker) = if i < pc {
            ("done", "\u{2713}")
        } else if i == pc {
            ("next", "\u{25B6}")
        } else {
            ("todo", "")
        };
        let mode = match op.mode() {
            Mode::User => {
                html! { <span class="mode user" title="user space (EL0)">{ "user" }</span> }
            }
            Mode::Kernel => {
                html! { <span class="mode kernel" title="kernel (EL1)">{ "kernel" }</span> }
            }
        };
        let current = (i == pc).then_some("step");
        html! {
            <li class={classes!("op", class)} key={i} aria-current={current}>
                <span class="marker" aria-hidden="true">{ marker }</span>
                <span class="label">{ op_label(op, page_name) }</span>
                { mode }
                if let Some(k) = op.kernel_ref() {
                    <span class="function">{ format!("{}()", k.function) }</span>
                }
                if i < pc { <span class="visually-hidden">{ " (done)" }</span> }
                if i == pc { <span class="visually-hidden">{ " (next)" }</span> }
            </li>
        }
    });
    let can_step = status == CpuStatus::Ready;
    let lane_class = match status {
        CpuStatus::Ready => "ready",
        CpuStatus::Done => "done",
        _ => "blocked",
    };
    html! {
        <section class={classes!("lane", lane_class)} aria-label={format!("CPU{c} lane")}>
            <header>
                <h3>{ format!("CPU{c}") }</h3>
                <span class="role">{ &cpu.role }</span>
            </header>
            <button class="step" onclick={view.send(Action::StepCpu(id))} disabled={!can_step}
                aria-keyshortcuts={c.to_string()}>
                { format!("Step CPU{c}") }
            </button>
            <p class="cpu-status">{ status_text(status) }</p>
            <ol class="program">{ for ops }</ol>
        </section>
    }
}

/// Props of the in-flight TLBI list.
#[derive(Properties, PartialEq)]
pub struct InFlightProps {
    /// State and dispatcher.
    pub view: View,
}

/// Each TLBI in flight, who issued it and for what, with a Deliver button for
/// every CPU it has not reached yet (the model's enabled deliveries).
#[component]
pub fn InFlight(props: &InFlightProps) -> Html {
    let view = &props.view;
    let model = view.state.model();
    let scenario = model.scenario();
    let machine = view.state.history.current();
    let page_name = |p: PageId| scenario.page_name(p).to_string();
    let deliveries: Vec<(sim_core::TlbiRef, CpuId)> = model
        .enabled_events(machine)
        .into_iter()
        .filter_map(|e| match e {
            Event::Deliver { tlbi, to } => Some((tlbi, to)),
            Event::Step(_) => None,
        })
        .collect();
    let mut chips = Vec::new();
    let mut seen = Vec::new();
    for (tlbi, _) in &deliveries {
        if seen.contains(tlbi) {
            continue;
        }
        seen.push(*tlbi);
        let Some((_, inflight)) = machine.tlbi(tlbi.issuer, tlbi.nth) else {
            continue;
        };
        let what = match inflight.target {
            TlbiTarget::Va { page, .. } => format!("tlbi vale1is {}", page_name(page)),
            TlbiTarget::Asid { asid } => format!("tlbi aside1is ASID {asid}"),
        };
        let buttons = deliveries.iter().filter(|(t, _)| t == tlbi).map(|(t, to)| {
            let event = Event::Deliver { tlbi: *t, to: *to };
            html! {
                <button class="deliver" key={to.0} onclick={view.send(Action::Apply(event))}
                    title={format!("Let this TLBI reach {to}'s TLB now (event {event})")}>
                    { format!("Deliver to {to}") }
                </button>
            }
        });
        chips.push(html! {
            <li class="chip" key={format!("{}-{}", tlbi.issuer.0, tlbi.nth)}>
                <div class="chip-body" role="group" aria-label={format!("{what} from {}", tlbi.issuer)}>
                <span class="what"><strong>{ what }</strong>{ format!(" issued by {}", tlbi.issuer) }</span>
                <span class="pending">{ "not yet at: " }{ inflight.pending.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ") }</span>
                <span class="buttons">{ for buttons }</span>
                </div>
            </li>
        });
    }
    html! {
        <section class="inflight" aria-labelledby="inflight-title">
            <h3 id="inflight-title">{ "TLBIs in flight" }</h3>
            if chips.is_empty() {
                <p class="empty">{ "None. A broadcast TLBI stays in flight until it reaches every CPU; only a DSB on the CPU that issued it forces that." }</p>
            } else {
                <p class="hint">{ "Hardware may deliver these at any moment; hold them back to see the race, or deliver one early." }</p>
                <ul class="chips">{ for chips }</ul>
            }
        </section>
    }
}

/// The lanes and the in-flight TLBIs.
#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let view = &props.view;
    let cpus = view.state.model().scenario().cpu_count();
    html! {
        <section class="timeline" aria-labelledby="timeline-title">
            <h2 id="timeline-title">{ "Timeline" }</h2>
            <div class={classes!("lanes", format!("cpus-{cpus}"))}>
                { for (0..cpus).map(|c| html! { <Lane key={c} view={view.clone()} cpu={CpuId(c as u8)} /> }) }
            </div>
            <InFlight view={view.clone()} />
        </section>
    }
}
