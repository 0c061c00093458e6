//! The page: one reducer at the top, the keyboard and the play timer, and the
//! layout of the components.

use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use gloo_timers::callback::Timeout;
use sim_core::{CpuId, Mitigation};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

use crate::browser;
use crate::builds;
use crate::builds::Pending;
use crate::components::controls::{MitigationPicker, Playback, ScenarioPicker};
use crate::components::cost::CostChart;
use crate::components::explorer::ExplorerPanel;
use crate::components::help::ShortcutHelp;
use crate::components::memory::{BatchState, PageTable};
use crate::components::modes::{Mode, ModeSwitch};
use crate::components::narrative::{HistoryList, NarrativePanel};
use crate::components::outcome::OutcomeBar;
use crate::components::share::{download_export, load_file, open_text, ShareBar};
use crate::components::timeline::{InFlight, Lane, Timeline};
use crate::components::tlb_table::TlbTable;
use crate::keyboard::action_for_key;
use crate::state::{Action, AppState, DEFAULT_SCENARIO};
use crate::view::View;

/// Whether a key press belongs to the element that has focus (typing in a field,
/// pressing a focused button), so the shortcut must not fire as well.
fn key_is_for_focused_element(event: &KeyboardEvent) -> bool {
    let Some(target) = event
        .target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
    else {
        return false;
    };
    let tag = target.tag_name().to_ascii_lowercase();
    match tag.as_str() {
        "input" | "select" | "textarea" => true,
        "button" | "a" | "summary" => matches!(event.key().as_str(), " " | "Enter"),
        _ => target.is_content_editable(),
    }
}

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

/// The TLB tables of every CPU, side by side.
pub fn tlb_grid(view: &View) -> Html {
    let cpus = view.state.model().scenario().cpu_count();
    html! {
        <div class="tlb-grid">
            { for (0..cpus).map(|c| html! {
                <TlbTable key={c} view={view.clone()} cpu={CpuId(c as u8)} />
            }) }
        </div>
    }
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

    {
        // Shortcuts on the whole document, installed once.
        let dispatch = dispatch.clone();
        let help_open = state.show_help;
        // Shortcuts drive the visualizer only; the other modes have their own buttons.
        let visualizer = *mode == Mode::Visualizer;
        use_effect_with((help_open, visualizer), move |&(help_open, visualizer)| {
            let listener = web_sys::window().and_then(|w| w.document()).map(|doc| {
                EventListener::new_with_options(
                    &doc,
                    "keydown",
                    // Not passive: a shortcut must stop Space from scrolling the page.
                    EventListenerOptions::enable_prevent_default(),
                    move |e| {
                        let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                            return;
                        };
                        if !visualizer
                            || e.ctrl_key()
                            || e.meta_key()
                            || e.alt_key()
                            || key_is_for_focused_element(e)
                        {
                            return;
                        }
                        if let Some(action) = action_for_key(&e.key(), help_open) {
                            e.prevent_default();
                            dispatch.emit(action);
                        }
                    },
                )
            });
            move || drop(listener)
        });
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
    let cpus = view.state.model().scenario().cpu_count();
    let notice = view.state.notice.clone();
    let error = view.state.error.clone().map(|text| html! {
        <div class="error-banner" role="alert">
            <span><strong>{ "Could not open that: " }</strong>{ text }</span>
            <button onclick={view.send(Action::DismissError)} aria-label="Dismiss the error">{ "\u{2715}" }</button>
        </div>
    });
    let tlbs = tlb_grid(&view);
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
                // One column per CPU, its lane above its TLB: fits an iframe of 480x360.
                <div class={classes!("embed-cpus", format!("cpus-{cpus}"))}>
                    { for (0..cpus).map(|c| html! {
                        <div class="cpu-col" key={c}>
                            <Lane view={view.clone()} cpu={CpuId(c as u8)} />
                            <TlbTable view={view.clone()} cpu={CpuId(c as u8)} />
                        </div>
                    }) }
                </div>
                <InFlight view={view.clone()} />
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
                if let Some(text) = notice {
                    <div class="notice" role="note">
                        <span>{ text }</span>
                        <button onclick={view.send(Action::DismissNotice)} aria-label="Dismiss">{ "\u{2715}" }</button>
                    </div>
                }
                <Playback view={view.clone()} />
                <ShareBar view={view.clone()} />
                <div class="board">
                    <div class="left">
                        <Timeline view={view.clone()} />
                        if *settled {
                            <NarrativePanel view={view.clone()} />
                        }
                    </div>
                    <section class="tlbs" aria-labelledby="tlbs-title">
                        <h2 id="tlbs-title">{ "TLBs" }</h2>
                        { tlbs }
                        if *settled {
                            <PageTable view={view.clone()} />
                            <BatchState view={view.clone()} />
                        }
                    </section>
                </div>
                if *settled {
                    <div class="details">
                        <HistoryList view={view.clone()} />
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
        <div class="page" {ondragover} {ondrop}>
            <header class="top">
                <h1>{ "tlbrace" }</h1>
                <p class="tagline">{ "How a stale TLB entry stayed writable on arm64 after mprotect() returned: a batched TLB flush completed with a DSB on the wrong CPU." }</p>
            </header>
            <ModeSwitch mode={*mode} onchange={set_mode} />
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
            <ShortcutHelp view={view} />
        </div>
    }
}
