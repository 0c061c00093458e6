//! The page: one reducer at the top, the keyboard and the play timer, and the
//! layout of the components.

use std::rc::Rc;

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use sim_core::Mitigation;
use yew::prelude::*;

use crate::browser;
use crate::builds;
use crate::builds::Pending;
use crate::components::board::Board;
use crate::components::controls::{MitigationPicker, Playback, ScenarioPicker};
use crate::components::cost::CostChart;
use crate::components::explorer::ExplorerPanel;
use crate::components::help::ShortcutHelp;
use crate::components::memory::{BatchState, PageTable};
use crate::components::modes::{Mode, ModeSwitch};
use crate::components::narrative::HistoryList;
use crate::components::outcome::OutcomeBar;
use crate::components::share::{download_export, load_file, open_text, ShareBar};
use crate::keyboard::{oldest_delivery, use_shortcuts, Shortcut};
use crate::state::{Action, AppState, DEFAULT_SCENARIO};
use crate::view::View;

/// The state the page opens with: the permalink in the URL if there is one (a
/// broken one leaves the default view and says what is wrong), embed mode from
/// the query.
pub fn initial_state() -> AppState {
    let fragment = browser::hash();
    let mut state = AppState::new(DEFAULT_SCENARIO, Mitigation::Dsb);
    if !fragment.is_empty() {
        match builds::open_link(&fragment) {
            Ok(Some(history)) => state = AppState::from_history(history),
            Ok(None) => state.hand_off = true,
            Err(e) => state.error = Some(format!("{e}. Showing the default view instead.")),
        }
    }
    state.embed = browser::is_embed();
    state
}

/// The board of `view`: one column per CPU with its lane, TLBIs and TLB, the
/// arrows of the TLBIs in flight, and the last step's sentence.
pub fn board(view: &View) -> Html {
    html! {
        <Board history={view.state.history.clone()} on_event={view.dispatch.reform(Action::Apply)} />
    }
}

/// What a shortcut does in the views driven by the app's reducer (the
/// visualizer and the lesson), if it does anything there.
fn shortcut_action(shortcut: Shortcut, state: &AppState) -> Option<Action> {
    Some(match shortcut {
        Shortcut::Step(cpu) => Action::StepCpu(cpu),
        Shortcut::Deliver => {
            Action::Apply(oldest_delivery(state.model(), state.history.current())?)
        }
        Shortcut::Back => Action::Back,
        Shortcut::Forward => Action::Forward,
        Shortcut::TogglePlay => Action::TogglePlay,
        Shortcut::CycleMitigation => Action::CycleMitigation,
        Shortcut::Reset => Action::Reset,
        Shortcut::ToggleHelp => Action::ToggleHelp,
        Shortcut::TogglePresent => return None,
    })
}

/// The whole app.
#[component]
pub fn App() -> Html {
    let state = use_reducer(initial_state);
    let mode = use_state(|| {
        browser::query_param("mode").map_or(Mode::Visualizer, |m| Mode::from_param(&m))
    });
    let dispatch: Callback<Action> = {
        let state = state.clone();
        Callback::from(move |a| state.dispatch(a))
    };

    let present = use_state(|| browser::has_param("present"));
    {
        // Shortcuts on the whole document. The visualizer and the lesson act on
        // the app's state; Compare has its own (it installs its listener), so
        // here it only opens the help; the editor's fields take their keys.
        let board_mode = matches!(*mode, Mode::Visualizer | Mode::Lesson);
        let on_shortcut = {
            let dispatch = dispatch.clone();
            let present = present.clone();
            let state = state.clone();
            Callback::from(move |shortcut: Shortcut| match shortcut {
                Shortcut::TogglePresent if board_mode => {
                    let on = !*present;
                    browser::set_query_param("present", on.then_some(""));
                    present.set(on);
                }
                Shortcut::ToggleHelp => dispatch.emit(Action::ToggleHelp),
                _ if !board_mode => {}
                shortcut => {
                    if let Some(action) = shortcut_action(shortcut, &state) {
                        dispatch.emit(action);
                    }
                }
            })
        };
        use_shortcuts(true, state.show_help, on_shortcut);
    }

    {
        // One timer per played step; dropping it (on pause or a new state) cancels it.
        let dispatch = dispatch.clone();
        let key = (state.playing, state.history.cursor(), state.play_delay_ms);
        use_effect_with(key, move |(playing, _, delay)| {
            let timer =
                playing.then(|| Timeout::new(*delay, move || dispatch.emit(Action::PlayTick)));
            move || drop(timer)
        });
    }

    {
        // The URL always holds the permalink of what is shown, without adding
        // browser history entries. A broken link stays in the URL until the user
        // acts, so they can see and fix it.
        let fragment = state.permalink();
        let keep = state.error.is_some() && state.history.cursor() == 0;
        // A custom scenario's link the light build hands over stays in the URL
        // for the full build to open, whatever happens here meanwhile.
        let handing_over = state.hand_off;
        use_effect_with(fragment, move |fragment| {
            builds::note_shown(fragment);
            if !keep && !handing_over {
                browser::set_hash(fragment);
            }
        });
    }

    {
        // A link pasted into the address bar of an open page.
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| {
                EventListener::new(&w, "hashchange", move |_| {
                    dispatch.emit(Action::OpenPermalink(browser::hash()));
                })
            });
            move || drop(listener)
        });
    }

    {
        // The light build cannot show this (a teaching mode, a custom scenario):
        // the full build takes over the page.
        let light = builds::full().is_none();
        let key = (light && state.hand_off, light && *mode != Mode::Visualizer);
        let mode = *mode;
        use_effect_with(key, move |&(for_link, for_mode)| {
            if for_link {
                builds::hand_off_for_link();
            } else if for_mode {
                builds::hand_off(mode, None);
            }
        });
    }

    {
        // What the user asked the light build for before it handed over.
        let dispatch = dispatch.clone();
        let state = state.clone();
        use_effect_with((), move |_| {
            if builds::full().is_none() {
                return;
            }
            for pending in builds::take_pending() {
                let action = match pending {
                    Pending::File(name, text) => {
                        Some(open_text(&name, text, state.model().mitigation()))
                    }
                    Pending::Export(kind) => download_export(kind, &state),
                };
                if let Some(action) = action {
                    dispatch.emit(action);
                }
            }
        });
    }

    // The first render draws what the first look needs, the lanes and the TLBs;
    // the panels around them follow one task later. Measured over 9 loads each,
    // the first render's own time fell from 27-31 ms to 21-25 ms (median).
    let settled = use_state(|| false);
    {
        let settled = settled.clone();
        use_effect_with((), move |_| {
            let timer = Timeout::new(0, move || settled.set(true));
            move || drop(timer)
        });
    }

    let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
    let ondrop = {
        let dispatch = dispatch.clone();
        let current = state.model().mitigation();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if let Some(file) = e
                .data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0))
            {
                load_file(file, current, dispatch.clone());
            }
        })
    };

    let view = View {
        state: Rc::new((*state).clone()),
        dispatch: dispatch.clone(),
    };
    let error = view.state.error.clone().map(|text| html! {
        <div class="error-banner" role="alert">
            <span><strong>{ "Could not open that: " }</strong>{ text }</span>
            <button onclick={view.send(Action::DismissError)} aria-label="Dismiss the error">{ "\u{2715}" }</button>
        </div>
    });
    // A notice ("Link copied") takes a line that is always there, so it never
    // moves a control; a long one overlays what is below rather than push it.
    let notice = html! {
        <div class="notice-line">
            <div class={classes!("notice", view.state.notice.is_none().then_some("empty"))} role="note" aria-live="polite">
                if let Some(text) = view.state.notice.clone() {
                    <span>{ text }</span>
                    <button onclick={view.send(Action::DismissNotice)} aria-label="Dismiss">{ "\u{2715}" }</button>
                }
            </div>
        </div>
    };
    if view.state.embed {
        let full = format!("{}#{}", browser::base_url(), view.state.permalink());
        return html! {
            <div class="embed" {ondragover} {ondrop}>
                <header class="embed-top">
                    <strong>{ "tlbrace" }</strong>
                    <span class="title">{ format!("{} \u{2014} {}", view.state.model().scenario().name(), view.state.model().mitigation()) }</span>
                    <a href={full} target="_blank" rel="noopener">{ "open full view" }</a>
                </header>
                { for error }
                <OutcomeBar view={view.clone()} />
                <Playback view={view.clone()} />
                { board(&view) }
            </div>
        };
    }
    let set_mode = {
        let mode = mode.clone();
        let dispatch = dispatch.clone();
        Callback::from(move |m: Mode| match builds::full() {
            None if m != Mode::Visualizer => {
                // The view stays until the full build is ready to take over.
                dispatch.emit(Action::Notify(format!("Loading {}\u{2026}", m.label())));
                builds::hand_off(m, None);
            }
            _ => {
                browser::set_query_param("mode", m.param());
                mode.set(m);
            }
        })
    };
    let body = match *mode {
        Mode::Visualizer => html! { <>
                <div class="setup">
                    <ScenarioPicker view={view.clone()} />
                    <MitigationPicker view={view.clone()} />
                </div>
                <OutcomeBar view={view.clone()} />
                <Playback view={view.clone()} />
                { notice }
                { board(&view) }
                <ShareBar view={view.clone()} />
                if *settled {
                    <div class="details">
                        <HistoryList view={view.clone()} />
                        <PageTable view={view.clone()} />
                        <BatchState view={view.clone()} />
                        <ExplorerPanel view={view.clone()} />
                        <CostChart view={view.clone()} />
                    </div>
                }
        </> },
        other => match builds::full() {
            Some(full) => (full.render_mode)(other, &view, set_mode.clone()),
            None => html! { <p class="loading">{ "Loading the teaching tools\u{2026}" }</p> },
        },
    };
    html! {
        <div class={classes!("page", (*present).then_some("present"))} {ondragover} {ondrop}>
            <header class="top">
                <h1>{ "tlbrace" }</h1>
                <p class="tagline">{ "How a stale TLB entry stayed writable on arm64 after mprotect() returned: a batched TLB flush completed with a DSB on the wrong CPU." }</p>
                <ModeSwitch mode={*mode} onchange={set_mode} />
            </header>
            <main>
                { for error }
                { body }
            </main>
            <footer>
                <p>
                    { "Model: sim-core, a deterministic model of CPUs, TLBs and broadcast TLBIs that complete only at the issuing CPU's DSB. Sources link to Linux " }
                    { sim_core::kernel::KERNEL_VERSION }
                    { ". Fix: commit 4b634918384c (arm64/mm: Close theoretical race where stale TLB entry remains valid)." }
                </p>
            </footer>
            <ShortcutHelp open={view.state.show_help} on_close={view.dispatch.reform(|_| Action::ToggleHelp)} />
        </div>
    }
}
