//! The mode switch above the page: the visualizer, two kernels side by side, the
//! guided lesson, and the scenario editor.

use yew::prelude::*;

pub use crate::route::Mode;

/// Props of the mode switch.
#[derive(Properties, PartialEq)]
pub struct ModeProps {
    /// The mode shown.
    pub mode: Mode,
    /// Called with the mode the user picks.
    pub onchange: Callback<Mode>,
}

/// A row of toggle buttons, the current one pressed.
#[component]
pub fn ModeSwitch(props: &ModeProps) -> Html {
    html! {
        <nav class="modes" aria-label="Mode">
            { for Mode::ALL.into_iter().map(|m| {
                let onchange = props.onchange.clone();
                // On a phone the short words show; the label stays the name.
                let words = match m.short_label() {
                    None => html! { m.label() },
                    Some(short) => html! { <>
                        <span class="label-long">{ m.label() }</span>
                        <span class="label-short" aria-hidden="true">{ short }</span>
                    </> },
                };
                html! {
                    <button key={m.label()} class={classes!((m == props.mode).then_some("current"))}
                        aria-pressed={(m == props.mode).to_string()}
                        onclick={Callback::from(move |_| onchange.emit(m))}>{ words }</button>
                }
            }) }
        </nav>
    }
}
