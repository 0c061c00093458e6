//! The full build's parts (see [`crate::capabilities`]): the JSON readers and
//! writers and the teaching modes. Only `src/bin/full.rs` names [`FULL`], so
//! the light build links none of this.

use sim_core::permalink::Permalink;
use yew::prelude::*;

use crate::app::board;
use crate::capabilities::Full;
use crate::components::compare::ComparePanel;
use crate::components::editor::ScenarioEditor;
use crate::components::lesson::LessonPanel;
use crate::components::outcome::OutcomeBar;
use crate::context::Worker;
use crate::explorer_worker::{ExplorerWorker, Request};
use crate::route::Mode;
use crate::state::Action;
use crate::view::View;

/// What the full build adds to the light one.
pub static FULL: Full = Full {
    open_link: |fragment| Permalink::decode(fragment)?.history(),
    write_link: |history| Permalink::of(history).encode(),
    import: sim_core::scenario::import,
    export: crate::components::share::export,
    render_mode,
    litmus: |state| {
        sim_core::litmus::export(state.model(), &state.history.full_schedule())
            .map(|t| t.text)
            .map_err(|e| format!("No litmus test for this run: {e}"))
    },
    worker: Worker(|scenario, arch, max_states, on_reply| {
        let request = Request {
            scenario: sim_core::permalink::inline_json(scenario),
            arch: Some(arch),
            kernels: arch.mitigations().to_vec(),
            max_states,
            max_memory: sim_core::ExploreConfig::DEFAULT.max_memory,
        };
        ExplorerWorker::start(&request, on_reply)
    }),
};

fn render_mode(mode: Mode, view: &View) -> Html {
    match mode {
        Mode::Visualizer => Html::default(),
        Mode::Compare => html! {
            <ComparePanel key={view.state.model().scenario().name().to_string()} view={view.clone()} />
        },
        Mode::Lesson => html! {
            <div class="lesson-layout">
                <LessonPanel step={view.state.lesson_step}
                    name={view.state.lesson.unwrap_or(sim_core::lesson::BUILTIN_NAMES[0])} />
                <div class="lesson-view">
                    <OutcomeBar view={view.clone()} />
                    { board(view) }
                </div>
            </div>
        },
        Mode::Editor => html! {
            <ScenarioEditor view={view.clone()} onuse={view.send(Action::SetMode(Mode::Visualizer))} />
        },
    }
}
