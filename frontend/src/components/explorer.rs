//! The explorer's verdict for the current scenario under each mitigation, computed
//! in the browser; a click loads the shortest counterexample.

use yew::prelude::*;

use crate::state::Action;
use crate::view::View;

/// Props of the explorer panel.
#[derive(Properties, PartialEq)]
pub struct ExplorerProps {
    /// State and dispatcher.
    pub view: View,
}

/// States checked, verdict and time per mitigation.
#[component]
pub fn ExplorerPanel(props: &ExplorerProps) -> Html {
    let view = &props.view;
    let current = view.state.model().mitigation();
    let rows = view.state.explorer.iter().map(|row| {
        let r = &row.report;
        let verdict = r.verdict();
        let action = match &r.shortest_counterexample {
            Some(c) => html! {
                <button onclick={view.send(Action::ShowRaceFor(row.mitigation))}>
                    { format!("Load the {}-event race", c.events.len()) }
                </button>
            },
            None => html! { <span>{ "\u{2014}" }</span> },
        };
        html! {
            <tr key={row.mitigation.name()} class={classes!((row.mitigation == current).then_some("current"), verdict.name())}>
                <th scope="row"><code>{ row.mitigation.name() }</code></th>
                <td>{ r.states }</td>
                <td class="verdict">{ verdict.name().replace('_', " ") }</td>
                <td>{ format!("{:.1} ms", row.millis) }</td>
                <td>{ action }</td>
            </tr>
        }
    });
    html! {
        <section class="panel explorer" aria-labelledby="explorer-title">
            <h2 id="explorer-title">{ "Every interleaving" }</h2>
            <p class="hint">{ "The explorer tries every order of steps and TLBI deliveries (breadth-first, so the race it finds is a shortest one)." }</p>
            <table>
                <caption>{ format!("Explorer: {}", view.state.model().scenario().name()) }</caption>
                <thead>
                    <tr>
                        <th scope="col">{ "Kernel" }</th>
                        <th scope="col">{ "States" }</th>
                        <th scope="col">{ "Verdict" }</th>
                        <th scope="col">{ "Time" }</th>
                        <th scope="col">{ "Counterexample" }</th>
                    </tr>
                </thead>
                <tbody>{ for rows }</tbody>
            </table>
        </section>
    }
}
