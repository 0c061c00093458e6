//! The mode switch above the page: the visualizer, two kernels side by side, the
//! guided lesson, and the scenario editor.

use yew::prelude::*;

/// What the page shows below the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One kernel, stepped by hand (the default).
    Visualizer,
    /// Two kernels on one schedule.
    Compare,
    /// A guided lesson over the main view.
    Lesson,
    /// Build or change a scenario.
    Editor,
}

impl Mode {
    /// Every mode, in the order of the switch.
    pub const ALL: [Mode; 4] = [Mode::Visualizer, Mode::Compare, Mode::Lesson, Mode::Editor];

    /// The mode's name in the URL's query (`?mode=compare`); `None` for the visualizer,
    /// which is what a URL without `mode` shows.
    pub fn param(self) -> Option<&'static str> {
        match self {
            Mode::Visualizer => None,
            Mode::Compare => Some("compare"),
            Mode::Lesson => Some("lesson"),
            Mode::Editor => Some("editor"),
        }
    }

    /// The mode a URL's `mode` value names; anything else is the visualizer.
    pub fn from_param(value: &str) -> Mode {
        Mode::ALL
            .into_iter()
            .find(|m| m.param() == Some(value))
            .unwrap_or(Mode::Visualizer)
    }

    /// The button's words.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Visualizer => "Visualizer",
            Mode::Compare => "Compare kernels",
            Mode::Lesson => "Lesson",
            Mode::Editor => "Scenario editor",
        }
    }
}

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
                html! {
                    <button key={m.label()} class={classes!((m == props.mode).then_some("current"))}
                        aria-pressed={(m == props.mode).to_string()}
                        onclick={Callback::from(move |_| onchange.emit(m))}>{ m.label() }</button>
                }
            }) }
        </nav>
    }
}
