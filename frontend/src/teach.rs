//! The full build's parts (see [`crate::builds`]): the JSON readers and the
//! teaching modes. Only `src/bin/full.rs` names [`FULL`], so the light build
//! links none of this.

use yew::prelude::*;

use crate::app::board;
use crate::builds::FullBuild;
use crate::components::compare::ComparePanel;
use crate::components::editor::ScenarioEditor;
use crate::components::lesson::LessonPanel;
use crate::components::modes::Mode;
use crate::components::outcome::OutcomeBar;
use crate::explorer_worker::ExplorerWorker;
use crate::view::View;

/// What the full build adds to the light one.
pub static FULL: FullBuild = FullBuild {
    import: sim_core::scenario::import,
    read_inline: sim_core::Scenario::from_json,
    write_inline: sim_core::permalink::inline_json,
    export: crate::components::share::export,
    start_worker: |request, on_reply| ExplorerWorker::start(request, on_reply),
    render_mode,
};

fn render_mode(mode: Mode, view: &View, set_mode: Callback<Mode>) -> Html {
    match mode {
        Mode::Visualizer => Html::default(),
        Mode::Compare => html! {
            <ComparePanel key={view.state.model().scenario().name().to_string()} view={view.clone()} />
        },
        Mode::Lesson => html! {
            <div class="lesson-layout">
                <LessonPanel view={view.clone()} />
                <div class="lesson-view">
                    <OutcomeBar view={view.clone()} />
                    { board(view) }
                </div>
            </div>
        },
        Mode::Editor => html! {
            <ScenarioEditor view={view.clone()} onuse={set_mode.reform(|_| Mode::Visualizer)} />
        },
    }
}
