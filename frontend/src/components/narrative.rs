//! What the last step did, in words with its kernel source (the board's step
//! sentence), and the history of steps, each a button that jumps back to it.

use sim_core::History;
use yew::prelude::*;

use crate::state::Action;
use crate::view::View;

/// Props of the narrative panels.
#[derive(Properties, PartialEq)]
pub struct NarrativeProps {
    /// State and dispatcher.
    pub view: View,
}

/// Props of the step sentence.
#[derive(Properties, PartialEq)]
pub struct StepSentenceProps {
    /// What is shown.
    pub history: History,
}

/// What the last step did, in words (a polite live region, so a screen reader
/// hears each step), with its kernel source, commit and architecture rule; at
/// step 0, the scenario's story.
#[component]
pub fn StepSentence(props: &StepSentenceProps) -> Html {
    let history = &props.history;
    let (title, said, sources) = match history.last() {
        None => {
            let scenario = history.model().scenario();
            (
                "The story",
                html! { <>
                    <p class="headline"><strong>{ scenario.title() }</strong></p>
                    <p class="text story">{ scenario.story() }</p>
                </> },
                html! { <p class="hint">{ "Step a CPU to begin (or press Play): each step is explained here, with the kernel source it stands for." }</p> },
            )
        }
        Some(step) => {
            let n = &step.narrative;
            (
                "What just happened",
                html! { <>
                    <p class="headline"><strong>{ format!("Step {}: {} \u{2014} {}", history.cursor(), n.cpu, n.headline) }</strong></p>
                    <p class="text">{ &n.text }</p>
                </> },
                html! {
                    <details class="sources-box">
                    <summary>{ "Kernel source, commit and Arm rule" }</summary>
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
                    </details>
                },
            )
        }
    };
    let violation = history.last().is_some_and(|s| {
        s.effects
            .iter()
            .any(|e| matches!(e, sim_core::Effect::Violation(_)))
    });
    html! {
        <section class={classes!("step-sentence", violation.then_some("violation"))} aria-labelledby="narrative-title">
            // The evidence is the step and what it did; the sources under it may
            // leave the screen when a tall board needs the room.
            <div class="sentence" data-evidence="sentence">
                <h2 id="narrative-title">{ title }</h2>
                <div class="said" aria-live="polite" aria-atomic="true">{ said }</div>
            </div>
            { sources }
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
