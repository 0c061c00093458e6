//! The outcome, in a live region: running, a broken promise (stale write, access
//! after unmap, lost write), a deadlock, or finished safely.

use sim_core::{Effect, Outcome};
use yew::prelude::*;

use crate::view::View;

/// Props of the outcome bar.
#[derive(Properties, PartialEq)]
pub struct OutcomeProps {
    /// State and dispatcher.
    pub view: View,
}

/// Where the run stands, and for a violation: who, through which entry, and why.
#[component]
pub fn OutcomeBar(props: &OutcomeProps) -> Html {
    let state = &props.view.state;
    let model = state.model();
    let history = &state.history;
    let outcome = Outcome::of(model, history.current());
    let class = match outcome {
        Outcome::Running => "running",
        Outcome::StaleWrite(_) | Outcome::AccessAfterUnmap(_) | Outcome::LostWrite(_) => {
            "violation"
        }
        Outcome::Deadlock { .. } => "deadlock",
        Outcome::FinishedSafely => "safe",
    };
    let detail = match outcome {
        Outcome::StaleWrite(v) | Outcome::AccessAfterUnmap(v) | Outcome::LostWrite(v) => {
            let page = model.scenario().page(v.page);
            let at = history
                .steps()
                .iter()
                .position(|s| s.effects.iter().any(|e| matches!(e, Effect::Violation(_))));
            let why = at
                .map(|i| history.steps()[i].narrative.text.clone())
                .unwrap_or_default();
            html! {
                <p class="detail">
                    { format!(
                        "At step {}, {} went through {}'s TLB entry ASID {} {} (VA {:#x}) \u{2192} frame {:#x}, {}. ",
                        at.map(|i| i + 1).unwrap_or(0),
                        model.scenario().task(v.task).name,
                        v.cpu,
                        v.entry.asid,
                        page.name,
                        page.address(),
                        v.entry.pfn,
                        if v.entry.writable { "read-write" } else { "read-only" },
                    ) }
                    { why }
                </p>
            }
        }
        Outcome::Running => html! {
            <p class="detail">{ format!("{} of the steps played; mitigation {}.", history.cursor(), model.mitigation()) }</p>
        },
        Outcome::Deadlock { stuck } => html! {
            <p class="detail">{ format!(
                "After {} steps no CPU can step and no TLBI is in flight, but {stuck} task{} never finish{}.",
                history.cursor(),
                if stuck == 1 { "" } else { "s" },
                if stuck == 1 { "es" } else { "" },
            ) }</p>
        },
        Outcome::FinishedSafely => html! {},
    };
    html! {
        <section class={classes!("outcome", class)} role="status" aria-live="polite" aria-atomic="true">
            <p class="verdict">
                <span class="icon" aria-hidden="true">{ match outcome {
                    Outcome::Running => "\u{25B6}",
                    Outcome::FinishedSafely => "\u{2714}",
                    Outcome::Deadlock { .. } => "\u{23F8}",
                    _ => "\u{26A0}",
                } }</span>
                { outcome.describe(model, history.current()) }
            </p>
            { detail }
        </section>
    }
}
