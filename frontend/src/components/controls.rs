//! The scenario picker, the architecture and kernel choices and the playback
//! buttons.

use sim_core::{scenario, Arch};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::context::use_dispatch;
use crate::state::Action;
use crate::view::View;

/// Props of the control components.
#[derive(Properties, PartialEq)]
pub struct ControlProps {
    /// State and dispatcher.
    pub view: View,
}

/// Props of the scenario picker: only the name of the scenario shown, so a step
/// (which keeps the scenario) does not render the picker's 25 options again.
#[derive(Properties, PartialEq)]
pub struct ScenarioPickerProps {
    /// The scenario shown.
    pub current: AttrValue,
}

/// Chooses a built-in or generated scenario (its story is told in the narrative panel at step 0).
#[component]
pub fn ScenarioPicker(props: &ScenarioPickerProps) -> Html {
    let dispatch = use_dispatch();
    let onchange = Callback::from(move |e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        dispatch.emit(Action::LoadScenario(select.value()));
    });
    let select = use_node_ref();
    {
        // Once the user has picked an option, a browser no longer lets the
        // `selected` attribute choose the one shown: Back or Forward to another
        // scenario would leave the old name in the box. The value is set.
        let select = select.clone();
        use_effect_with(props.current.clone(), move |current| {
            if let Some(select) = select.cast::<HtmlSelectElement>() {
                select.set_value(current);
            }
        });
    }
    let entries = scenario::picker_entries();
    let current = props.current.as_str();
    html! {
        <section class="scenario" aria-labelledby="scenario-label">
            <label id="scenario-label" for="scenario-select">{ "Scenario" }</label>
            <select id="scenario-select" ref={select} {onchange}>
                { for entries.builtins.iter().map(|(name, title)| option(name, title, current)) }
                <optgroup label="Generated: the seed race with more CPUs">
                    { for entries.generated.iter().map(|(name, title)| option(name, title, current)) }
                </optgroup>
            </select>
        </section>
    }
}

/// One scenario of the picker, selected if it is the one shown.
fn option(name: &str, title: &str, current: &str) -> Html {
    let selected = name == current;
    html! {
        <option key={name.to_string()} value={name.to_string()} {selected}>
            { format!("{name} \u{2014} {title}") }
        </option>
    }
}

/// The architecture: arm64's broadcast TLBIs, or x86's and riscv's flush
/// IPIs, each explained in one line (`Arch::summary`). Switching keeps the
/// schedule as far as it stays valid (`Action::SetArch`).
#[component]
pub fn ArchPicker(props: &ControlProps) -> Html {
    let view = &props.view;
    let current = view.state.model().arch();
    html! {
        <fieldset class="mitigation arch">
            <legend>{ "Architecture: how other CPUs' TLBs are flushed" }</legend>
            <div class="options">
            { for Arch::ALL.into_iter().map(|a| {
                let onchange = view.send::<Event>(Action::SetArch(a));
                let id = format!("arch-{}", a.name());
                html! {
                    <div class={classes!("option", (a == current).then_some("chosen"))} key={a.name()}>
                        <input type="radio" name="arch" id={id.clone()} value={a.name()}
                            checked={a == current} {onchange} aria-describedby={format!("{id}-summary")} />
                        <label for={id}><code>{ a.name() }</code></label>
                    </div>
                }
            }) }
            </div>
            { for Arch::ALL.into_iter().map(|a| html! {
                <p class={classes!("summary", (a == current).then_some("chosen"))} key={a.name()}
                    id={format!("arch-{}-summary", a.name())}>{ a.summary() }</p>
            }) }
        </fieldset>
    }
}

/// The kernels the architecture has (`Arch::mitigations`): on arm64 no pending
/// flush, the bare DSB and the fix; on x86 and riscv none, flush_tlb_mm and
/// the teaching kernel local_flush.
#[component]
pub fn MitigationPicker(props: &ControlProps) -> Html {
    let view = &props.view;
    let model = view.state.model();
    let (current, arch) = (model.mitigation(), model.arch());
    html! {
        <fieldset class="mitigation">
            <legend>{ "Kernel: what flush_tlb_batched_pending() does" }</legend>
            <div class="options">
            { for arch.mitigations().iter().map(|&m| {
                let onchange = view.send::<Event>(Action::SetMitigation(m));
                let id = format!("mitigation-{}", m.name());
                html! {
                    <div class={classes!("option", (m == current).then_some("chosen"))} key={m.name()}>
                        <input type="radio" name="mitigation" id={id.clone()} value={m.name()}
                            checked={m == current} {onchange} aria-describedby={format!("{id}-summary")} />
                        <label for={id}><code>{ m.name() }</code></label>
                    </div>
                }
            }) }
            </div>
            // Every kernel's summary describes its radio; the chosen one's shows.
            { for arch.mitigations().iter().map(|&m| html! {
                <p class={classes!("summary", (m == current).then_some("chosen"))} key={m.name()}
                    id={format!("mitigation-{}-summary", m.name())}>{ arch.kernel_summary(m) }</p>
            }) }
        </fieldset>
    }
}

/// Back, Forward, Reset, Play/Pause with speed, and "Show the race".
#[component]
pub fn Playback(props: &ControlProps) -> Html {
    let view = &props.view;
    let state = &view.state;
    let history = &state.history;
    let at_start = history.cursor() == 0;
    let at_end = history.cursor() >= history.all_steps().len();
    let ondelay = {
        let dispatch = view.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Ok(v) = input.value().parse::<u32>() {
                dispatch.emit(Action::SetDelay(v));
            }
        })
    };
    let play_label = if state.playing { "Pause" } else { "Play" };
    let total = history.all_steps().len();
    let onscrub = {
        let dispatch = view.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Ok(n) = input.value().parse::<usize>() {
                dispatch.emit(Action::JumpTo(n));
            }
        })
    };
    let position = format!("step {} of {total}", history.cursor());
    html! {
        <div class="playback" role="group" aria-label="Playback">
            <button data-steady="" onclick={view.send(Action::Back)} disabled={at_start}
                aria-keyshortcuts="ArrowLeft">{ "\u{25C0} Back" }</button>
            <button data-steady="" onclick={view.send(Action::Forward)} disabled={at_end}
                aria-keyshortcuts="ArrowRight">{ "Forward \u{25B6}" }</button>
            <button onclick={view.send(Action::Reset)} disabled={history.all_steps().is_empty()}
                aria-keyshortcuts="r">{ "Reset" }</button>
            <button onclick={view.send(Action::TogglePlay)} aria-keyshortcuts="Space"
                aria-pressed={state.playing.to_string()}>{ play_label }</button>
            <label class="scrub">
                <span class="visually-hidden">{ "Step in the history" }</span>
                <input type="range" min="0" max={total.to_string()} step="1"
                    value={history.cursor().to_string()} disabled={total == 0}
                    aria-valuetext={position.clone()} oninput={onscrub} />
                <span class="value" aria-hidden="true">{ position }</span>
            </label>
            <label class="speed">
                { "Delay" }
                <input type="range" min="200" max="2000" step="100"
                    value={state.play_delay_ms.to_string()} oninput={ondelay} />
                <span class="value">{ crate::view::tenths(state.play_delay_ms / 100, " s") }</span>
            </label>
            <button class="race" onclick={view.send(Action::ShowRace)}>{ "Show the race" }</button>
            <button class="help-button" onclick={view.send(Action::ToggleHelp)}
                aria-keyshortcuts="?">{ "Keys ?" }</button>
        </div>
    }
}
