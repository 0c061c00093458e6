//! Two kernels side by side, on one architecture or two (arm64 `dsb` against
//! x86 `flush_tlb_mm`): one schedule, one set of step, deliver and take-IPI
//! buttons driving both, the first event where they differ highlighted, and
//! each side's outcome, TLB misses, flush IPIs and TLBs. Lockstep play, which
//! events an architecture has, and the divergence are sim-core's
//! (`sim_core::compare`).

use std::rc::Rc;

use sim_core::compare::{divergence, enabled_on_either, DivergenceKind, Row, Side};
use sim_core::{Arch, Event, Mitigation, Model};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::components::outcome::OutcomeBar;
use crate::components::tlb_table::TlbTable;
use crate::keyboard::{pick_delivery, pick_ipi, use_shortcuts, Shortcut};
use crate::view::View;

/// Props of the comparison.
#[derive(Properties, PartialEq)]
pub struct CompareProps {
    /// The main view: its scenario and the schedule played so far are the start.
    pub view: View,
}

/// A button's words for an event, e.g. "Step CPU1" or "Deliver CPU0's TLBI to CPU1".
pub fn event_label(event: Event) -> String {
    match event {
        Event::Step(cpu) => format!("Step {cpu}"),
        Event::Deliver { tlbi, to } if tlbi.nth == 0 => {
            format!("Deliver {}'s TLBI to {to}", tlbi.issuer)
        }
        Event::Deliver { tlbi, to } => {
            format!("Deliver {}'s TLBI #{} to {to}", tlbi.issuer, tlbi.nth + 1)
        }
        Event::Ipi { from, to } => format!("{to} takes {from}'s flush IPI"),
    }
}

/// What one side runs: an architecture and one of its kernels.
type Kernel = (Arch, Mitigation);

fn kernel_select(label: &'static str, current: Kernel, state: UseStateHandle<Kernel>) -> Html {
    let (arch, mitigation) = current;
    let on_kernel = {
        let state = state.clone();
        Callback::from(move |e: yew::Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(m) = select.value().parse() {
                state.set((arch, m));
            }
        })
    };
    let on_arch = Callback::from(move |e: yew::Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        if let Ok(a) = select.value().parse::<Arch>() {
            // The kernel stays if the architecture has it (sim-core's list).
            let m = match a.check(mitigation) {
                Ok(()) => mitigation,
                Err(_) => a.default_mitigation(),
            };
            state.set((a, m));
        }
    });
    html! {
        <div class="kernel-select">
            <label>
                { format!("{label} architecture ") }
                <select onchange={on_arch}>
                    { for Arch::ALL.into_iter().map(|a| html! {
                        <option key={a.name()} value={a.name()} selected={a == arch}>{ a.name() }</option>
                    }) }
                </select>
            </label>
            <label>
                { format!("{label} kernel ") }
                <select onchange={on_kernel}>
                    { for arch.mitigations().iter().map(|&m| html! {
                        <option key={m.name()} value={m.name()} selected={m == mitigation}>{ m.name() }</option>
                    }) }
                </select>
            </label>
        </div>
    }
}

/// A side's kernel as the page names it: `dsb`, or `x86 flush_tlb_mm`.
fn kernel_name((arch, m): Kernel) -> String {
    if arch.is_arm64() {
        m.to_string()
    } else {
        format!("{arch} {m}")
    }
}

/// A step in a few words: its headline and notes.
fn summary(step: &sim_core::Step) -> String {
    let n = &step.narrative;
    if n.notes.is_empty() {
        n.headline.clone()
    } else {
        format!("{}: {}", n.headline, crate::view::notes_text(&n.notes))
    }
}

/// The comparison mode.
#[component]
pub fn ComparePanel(props: &CompareProps) -> Html {
    let view = &props.view;
    let own = view.state.model().scenario().arch();
    let left_m = use_state(|| (own, Mitigation::Dsb));
    let right_m = use_state(|| (own, Mitigation::FlushTlbMm));
    let schedule = {
        let start = view.state.history.schedule();
        use_state(move || Rc::new(start))
    };
    let scenario = view.state.model().scenario_arc().clone();
    // A side whose architecture refuses the scenario shows the reason, and
    // plays the scenario's own architecture meanwhile.
    let side = |(arch, m): Kernel| match Model::on(scenario.clone(), m, arch) {
        Ok(model) => (Side::play(model, &schedule), None),
        Err(why) => (
            Side::play(Model::shared(scenario.clone(), m), &schedule),
            Some(why),
        ),
    };
    let (left, left_refused) = side(*left_m);
    let (right, right_refused) = side(*right_m);
    let diverge = divergence(&left, &right);

    let set = |events: Vec<Event>| {
        let schedule = schedule.clone();
        Callback::from(move |_: MouseEvent| schedule.set(Rc::new(events.clone())))
    };
    let with = |event: Event| {
        let mut events = (**schedule).clone();
        events.push(event);
        set(events)
    };
    let enabled = enabled_on_either(&left, &right);
    let left_enabled = left.history.model().enabled_events(left.history.current());
    let right_enabled = right
        .history
        .model()
        .enabled_events(right.history.current());
    let cpus = scenario.cpu_count();
    let steps = (0..cpus).map(|c| {
        let event = Event::Step(sim_core::CpuId(c as u8));
        html! {
            <button key={c} class="step" data-steady="" disabled={!enabled.contains(&event)} onclick={with(event)}>
                { event_label(event) }
            </button>
        }
    });
    let only = |event: &Event| match (left_enabled.contains(event), right_enabled.contains(event)) {
        (true, false) => format!(" ({} only)", kernel_name(*left_m)),
        (false, true) => format!(" ({} only)", kernel_name(*right_m)),
        _ => String::new(),
    };
    let deliveries = enabled
        .iter()
        .filter(|e| matches!(e, Event::Deliver { .. } | Event::Ipi { .. }))
        .map(|e| {
            html! {
                <button key={e.to_string()} class="deliver" data-steady="" onclick={with(*e)}>
                    { event_label(*e) }{ only(e) }
                </button>
            }
        });
    let back = {
        let mut events = (**schedule).clone();
        events.pop();
        set(events)
    };
    // The story as the left side's architecture tells it, or else as the
    // right side's (arm64 against x86: the x86 side's story has the IPIs).
    let story_next = [&left, &right]
        .iter()
        .filter_map(|side| sim_core::facts::story_next(side.history.model(), &schedule))
        .find(|event| enabled.contains(event));

    {
        // The shortcuts that have an action here: a digit steps that CPU, `d`
        // delivers the oldest TLBI in flight, the arrows go back one event or
        // on with the story, `r` resets, `m` moves the right side to its
        // architecture's next kernel (the left is the one compared against).
        let schedule = schedule.clone();
        let right_kernel = right_m.clone();
        let left_kernel = *left_m;
        let enabled = enabled.clone();
        // Oldest first as the left kernel lists them (the union is sorted by issuer).
        let deliver = pick_delivery(&left_enabled).or_else(|| pick_delivery(&enabled));
        let ipi = pick_ipi(&enabled);
        let on_shortcut = Callback::from(move |shortcut: Shortcut| {
            let mut events = (**schedule).clone();
            let next = match shortcut {
                Shortcut::Step(cpu) => Some(Event::Step(cpu)),
                Shortcut::Deliver => deliver,
                Shortcut::TakeIpi => ipi,
                Shortcut::Forward => story_next,
                Shortcut::Back => {
                    events.pop();
                    None
                }
                Shortcut::Reset => {
                    events.clear();
                    None
                }
                Shortcut::CycleMitigation => {
                    // Past the left side's kernel: the same kernel twice compares nothing.
                    let (arch, m) = *right_kernel;
                    let mut next = m.next_on(arch);
                    if (arch, next) == left_kernel {
                        next = next.next_on(arch);
                    }
                    right_kernel.set((arch, next));
                    return;
                }
                _ => return,
            };
            match next {
                Some(event) if enabled.contains(&event) => events.push(event),
                Some(_) => return,
                None => {}
            }
            schedule.set(Rc::new(events));
        });
        use_shortcuts(true, view.state.show_help, on_shortcut);
    }

    let banner = match diverge {
        None if schedule.is_empty() => html! {
            <p>{ "Step the CPUs: both kernels run the same events. The first event where they behave differently is highlighted." }</p>
        },
        None => html! {
            <p>{ format!("So far both kernels did exactly the same thing ({} events).", schedule.len()) }</p>
        },
        Some(d) => {
            let event = schedule[d.index];
            let what = |side: &Side| match &side.rows[d.index] {
                Row::Applied(step) => summary(step),
                Row::NotEnabled(e) => format!("not possible: {e}"),
                Row::OtherArch => "not on this architecture".into(),
            };
            let how = match d.kind {
                DivergenceKind::Effects => "does different things",
                DivergenceKind::Enabled => "is possible under one kernel only",
            };
            html! {
                <p>
                    <strong>{ format!("The kernels diverge at event {} ({event}): ", d.index + 1) }</strong>
                    { format!("it {how}. ") }
                    <code>{ kernel_name(*left_m) }</code>{ format!(": {}. ", what(&left)) }
                    <code>{ kernel_name(*right_m) }</code>{ format!(": {}.", what(&right)) }
                </p>
            }
        }
    };

    let column = |side: &Side,
                  label: &'static str,
                  handle: &UseStateHandle<Kernel>,
                  refused: &Option<String>| {
        let kernel = **handle;
        let (arch, m) = kernel;
        let name = kernel_name(kernel);
        let side_view = View {
            state: Rc::new(crate::state::AppState {
                history: side.history.clone(),
                ..(*view.state).clone()
            }),
            dispatch: Callback::noop(),
        };
        let rows = side.rows.iter().enumerate().map(|(i, row)| {
            let here = diverge.map(|d| d.index) == Some(i);
            let (class, text) = match row {
                Row::Applied(step) => ("applied", summary(step)),
                Row::NotEnabled(_) => ("skipped", "not enabled under this kernel: skipped".into()),
                Row::OtherArch => (
                    "skipped other-arch",
                    match schedule[i] {
                        Event::Ipi { .. } => format!("no flush IPIs on {arch}: skipped"),
                        _ => format!("no TLBI in flight on {arch}: skipped"),
                    },
                ),
            };
            html! {
                <li key={i} class={classes!(class, here.then_some("diverge"))}>
                    <code>{ schedule[i].to_string() }</code>{ " " }{ text }
                    if here { <strong class="diverge-mark">{ " \u{2190} first difference" }</strong> }
                </li>
            }
        });
        let id = format!("compare-{label}");
        html! {
            <section class="compare-side" aria-labelledby={id.clone()}>
                <header>
                    <h2 id={id}>{ format!("{label}: ") }<code>{ name.clone() }</code></h2>
                    { kernel_select(label, kernel, handle.clone()) }
                </header>
                <p class="summary">{ arch.kernel_summary(m) }</p>
                if let Some(why) = refused {
                    <p class="refused" role="note">{ format!("{} cannot run on {arch}: {why}. This side shows {} instead.", scenario.name(), scenario.arch()) }</p>
                }
                <OutcomeBar view={side_view.clone()} />
                <p class="misses">
                    <strong>{ format!("TLB misses: {}", side.misses()) }</strong>{ " (all CPUs)" }
                    if arch.uses_ipis() {
                        { "; " }<strong>{ format!("flush IPIs taken: {}", side.ipis()) }</strong>
                    }
                </p>
                <ol class="compare-steps" aria-label={format!("Events under {name}")}>{ for rows }</ol>
                <div class="tlb-grid">
                    { for (0..cpus).map(|c| html! {
                        <TlbTable key={c} history={side.history.clone()} cpu={sim_core::CpuId(c as u8)} />
                    }) }
                </div>
            </section>
        }
    };

    html! {
        <section class="compare" aria-labelledby="compare-title">
            <h2 id="compare-title">{ format!("Compare kernels: {}", scenario.title()) }</h2>
            <div class="compare-controls" role="group" aria-label="Events for both kernels">
                { for steps }
                { for deliveries }
                <button data-steady="" onclick={back} disabled={schedule.is_empty()}>{ "\u{25C0} Back" }</button>
                <button onclick={set(Vec::new())} disabled={schedule.is_empty()}>{ "Reset" }</button>
                <button class="race" disabled={story_next.is_none()}
                    onclick={story_next.map(&with).unwrap_or_default()}>{ "Next event of the story" }</button>
            </div>
            <div class={classes!("divergence", diverge.is_some().then_some("found"))} role="note">{ banner }</div>
            <div class="compare-sides">
                { column(&left, "Left", &left_m, &left_refused) }
                { column(&right, "Right", &right_m, &right_refused) }
            </div>
        </section>
    }
}
