//! What the last step did, in words with its kernel source, and the history of
//! steps, each a button that jumps back to it.

use yew::prelude::*;

use crate::state::Action;
use crate::view::View;

/// Props of the narrative panels.
#[derive(Properties, PartialEq)]
pub struct NarrativeProps {
    /// State and dispatcher.
    pub view: View,
}

/// The explanation of the last step.
#[component]
pub fn NarrativePanel(props: &NarrativeProps) -> Html {
    let history = &props.view.state.history;
    let body = match history.last() {
        None => {
            let scenario = props.view.state.model().scenario();
            html! {
                <>
                    <p class="headline"><strong>{ scenario.title() }</strong></p>
                    <p class="text story">{ scenario.story() }</p>
                    <p class="hint">{ "Step a CPU to begin (or press Play): each step is explained here, with the kernel source it stands for." }</p>
                </>
            }
        }
        Some(step) => {
            let n = &step.narrative;
            html! {
                <>
                    <p class="headline"><strong>{ format!("Step {}: {} \u{2014} {}", history.cursor(), n.cpu, n.headline) }</strong></p>
                    <p class="text">{ &n.text }</p>
                    <ul class="sources">
                        if let Some(f) = n.function {
                            <li>{ "Kernel: " }<a href={f.link()} target="_blank" rel="noopener noreferrer"><code>{ format!("{}()", f.function) }</code></a>{ format!(" in {} ({})", f.file, sim_core::kernel::KERNEL_VERSION) }</li>
                        }
                        if let Some(c) = n.commit {
                            <li>{ "Commit: " }<a href={c.link()} target="_blank" rel="noopener noreferrer"><code>{ c.id }</code></a>{ format!(" \u{201C}{}\u{201D}: {}", c.subject, c.why) }</li>
                        }
                        if let Some(rule) = n.architecture {
                            <li>{ "Architecture: " }{ rule }</li>
                        }
                    </ul>
                </>
            }
        }
    };
    html! {
        <section class="panel narrative" aria-labelledby="narrative-title">
            <h2 id="narrative-title">{ if history.cursor() == 0 { "The story" } else { "What just happened" } }</h2>
            { body }
        </section>
    }
}

/// Every step so far (and those after the cursor, greyed), each a jump target.
#[component]
pub fn HistoryList(props: &NarrativeProps) -> Html {
    let view = &props.view;
    let history = &view.state.history;
    let cursor = history.cursor();
    let items = history.all_steps().iter().enumerate().map(|(i, step)| {
        let n = i + 1;
        let class = classes!(
            (n == cursor).then_some("current"),
            (n > cursor).then_some("undone")
        );
        html! {
            <li key={n} {class}>
                <button onclick={view.send(Action::JumpTo(n))} aria-current={(n == cursor).then_some("step")}>
                    <span class="num">{ n }</span>
                    <span class="cpu">{ step.narrative.cpu.to_string() }</span>
                    <span class="what">{ &step.narrative.headline }</span>
                    if !step.narrative.notes.is_empty() {
                        <span class={classes!("notes", step.narrative.notes.iter().any(|n| n.contains("**")).then_some("violation"))}>{ crate::view::notes_text(&step.narrative.notes) }</span>
                    }
                </button>
            </li>
        }
    });
    html! {
        <section class="panel history" aria-labelledby="history-title">
            <h2 id="history-title">{ "History" }</h2>
            <ol>
                <li key="start" class={classes!((cursor == 0).then_some("current"))}>
                    <button onclick={view.send(Action::JumpTo(0))} aria-current={(cursor == 0).then_some("step")}>
                        <span class="num">{ 0 }</span><span class="what">{ "start" }</span>
                    </button>
                </li>
                { for items }
            </ol>
            <p class="schedule">{ "Schedule: " }<code>{ sim_core::format_schedule(&history.schedule()) }</code></p>
        </section>
    }
}
