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
    // A promise seen kept (sim-core's fact), e.g. the write after mprotect()
    // faulted because the TLBI arrived early or flush_tlb_mm() ran.
    let kept = sim_core::facts::kept_promise(history);
    let class = match outcome {
        Outcome::Running if kept.is_some() => "kept",
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
                </p>
            }
        }
        // The step sentence says what each step did; this region speaks only
        // when the verdict changes, or a promise is seen kept.
        Outcome::Running | Outcome::FinishedSafely => match kept {
            Some(k) => html! {
                <p class="detail kept-promise">
                    <span aria-hidden="true">{ "\u{2714} " }</span>
                    { format!(
                        "Promise kept at step {}: {} on {} touched {}, and {}.",
                        k.step + 1,
                        model.scenario().task(k.task).name,
                        k.cpu,
                        model.scenario().page_name(k.page),
                        k.text(),
                    ) }
                </p>
            },
            None => html! {},
        },
        Outcome::Deadlock { stuck } => html! {
            <p class="detail">{ format!(
                "After {} steps no CPU can step and no TLBI is in flight, but {stuck} task{} never finish{}.",
                history.cursor(),
                if stuck == 1 { "" } else { "s" },
                if stuck == 1 { "es" } else { "" },
            ) }</p>
        },
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
