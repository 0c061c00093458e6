//! The page: one reducer at the top, the one place where intents and other
//! side effects are carried out (URL and browser history, clipboard, downloads,
//! files, the play timer, the keyboard), and the layout of the components.

use std::rc::Rc;

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use sim_core::Mitigation;
use yew::prelude::*;

use crate::browser;
use crate::capabilities::{Capabilities, Opened, FULL_FLAG};
use crate::components::board::Board;
use crate::components::controls::{ArchPicker, MitigationPicker, Playback, ScenarioPicker};
use crate::components::cost::CostChart;
use crate::components::explorer::ExplorerPanel;
use crate::components::help::ShortcutHelp;
use crate::components::memory::{BatchState, PageTable};
use crate::components::modes::ModeSwitch;
use crate::components::narrative::HistoryList;
use crate::components::outcome::OutcomeBar;
use crate::components::share::{embed_code, link_text, ShareBar};
use crate::context::{Config, Ctx};
use crate::keyboard::{oldest_delivery, oldest_ipi, use_shortcuts, Shortcut};
use crate::route::{Mode, Route};
use crate::state::{Action, AppState, Copy, Intent, Store, DEFAULT_SCENARIO};
use crate::view::View;

/// The state the page opens with: the permalink in the URL if there is one (a
/// broken one leaves the default view and says what is wrong), the mode,
/// lesson step and layout from the query. Then whether a link's history was
/// opened, and whether the link was handed to the full build, which will open
/// it: the URL keeps it meanwhile.
pub fn initial_state(caps: &Capabilities) -> (AppState, bool, bool) {
    let fragment = browser::hash();
    let mut state = AppState::new(DEFAULT_SCENARIO, Mitigation::Dsb);
    let mut handed_over = false;
    let mut opened = false;
    if !fragment.is_empty() {
        match caps.open_link(&fragment) {
            Opened::History(history) => {
                state = AppState::from_history(history);
                opened = true;
            }
            Opened::HandedOver => handed_over = true,
            Opened::Broken(e) => {
                state.error = Some(format!("{e}. Showing the default view instead."))
            }
        }
    }
    let route = Route::parse(&browser::search());
    state.mode = route.mode;
    state.lesson_step = route.lesson_step;
    state.lesson = route.lesson;
    state.present = route.present;
    (state, opened, handed_over)
}

/// The route of what `state` shows.
fn route_of(state: &AppState) -> Route {
    Route {
        mode: state.mode,
        lesson_step: state.lesson_step,
        lesson: state.lesson,
        present: state.present,
    }
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
fn shortcut_action(shortcut: Shortcut, state: &AppState, shown: Mode) -> Option<Action> {
    Some(match shortcut {
        Shortcut::Step(cpu) => Action::StepCpu(cpu),
        Shortcut::Deliver => {
            Action::Apply(oldest_delivery(state.model(), state.history.current())?)
        }
        Shortcut::TakeIpi => Action::Apply(oldest_ipi(state.model(), state.history.current())?),
        Shortcut::Back => Action::Back,
        Shortcut::Forward => Action::Forward,
        Shortcut::TogglePlay => Action::TogglePlay,
        // The lesson's story names its kernel; it has no kernel control to say
        // that another one took over.
        Shortcut::CycleMitigation if shown == Mode::Lesson => return None,
        Shortcut::CycleMitigation => Action::CycleMitigation,
        Shortcut::Reset => Action::Reset,
        Shortcut::ToggleHelp => Action::ToggleHelp,
        Shortcut::TogglePresent => Action::TogglePresent,
    })
}

/// Reads a picked or dropped file and opens what it describes.
fn import(
    caps: Capabilities,
    file: web_sys::File,
    current: Mitigation,
    dispatch: Callback<Action>,
) {
    wasm_bindgen_futures::spawn_local(async move {
        let name = file.name();
        let action = match browser::read_file(file).await {
            Err(e) => Action::ShowError(e),
            Ok(text) => caps.open_text(&name, text, current),
        };
        dispatch.emit(action);
    });
}

/// Copies `what` of the view to the clipboard and says how that went.
fn copy(caps: &Capabilities, what: Copy, state: &AppState, dispatch: Callback<Action>) {
    let fragment = caps.permalink(&state.history);
    let (model, steps) = (state.model(), state.history.steps());
    let (text, done) = match what {
        Copy::Link => (
            link_text(&browser::base_url(), &fragment),
            "Link copied: it opens exactly this view.",
        ),
        Copy::Embed => (
            embed_code(
                &browser::base_url(),
                &fragment,
                state.model().scenario().title(),
            ),
            "Embed code copied: paste it into a web page.",
        ),
        Copy::Text => (
            sim_core::ladder::render(model, steps),
            "Ladder diagram copied as plain text (80 columns, ASCII).",
        ),
        Copy::Mail => {
            let options =
                sim_core::ladder::Options::mail(link_text(&browser::base_url(), &fragment));
            (
                sim_core::ladder::render_with(model, steps, &options),
                "Ladder copied for mail (72 columns, with the link).",
            )
        }
        Copy::Litmus => match caps.litmus(state) {
            Ok(Some(text)) => (text, "Litmus test copied: run it with herd7."),
            Ok(None) => {
                dispatch.emit(Action::Notify("Preparing the litmus test\u{2026}".into()));
                return;
            }
            Err(e) => {
                dispatch.emit(Action::ShowError(e));
                return;
            }
        },
    };
    wasm_bindgen_futures::spawn_local(async move {
        dispatch.emit(match browser::copy(text).await {
            Ok(()) => Action::Notify(done.to_string()),
            Err(e) => Action::ShowError(format!("Could not copy: {e}")),
        });
    });
}

/// Carries out one intent of the reducer.
fn carry_out(caps: &Capabilities, intent: &Intent, state: &AppState, dispatch: &Callback<Action>) {
    match intent {
        Intent::Copy(what) => copy(caps, *what, state, dispatch.clone()),
        Intent::Export(kind) => {
            if let Some(action) = caps.download(*kind, state) {
                dispatch.emit(action);
            }
        }
        Intent::RevealEvidence => browser::reveal_evidence(),
    }
}

/// What the URL last said, as app.rs wrote it: a popstate or hashchange that
/// brings something else is the user's (Back, Forward, a pasted link).
#[derive(Default)]
struct Written {
    route: Option<Route>,
    fragment: String,
    /// The state's [`AppState::entry`] when the URL was last written.
    entry: Option<u32>,
}

/// Props of the app.
#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// What this build can do (main.rs or bin/full.rs says).
    pub caps: Capabilities,
}

/// The whole app.
#[component]
pub fn App(props: &AppProps) -> Html {
    let caps = props.caps;
    let handed_over = use_mut_ref(|| false);
    let store = {
        let handed_over = handed_over.clone();
        use_reducer(move || {
            let (state, opened, handed) = initial_state(&caps);
            *handed_over.borrow_mut() = handed;
            if opened {
                Store::opened_link(state)
            } else {
                Store::new(state)
            }
        })
    };
    let state: Rc<AppState> = store.state.clone();
    // The reducer's own dispatcher: the same on every render, so props holding
    // it compare equal.
    let dispatch: Callback<Action> = store.dispatcher().into();
    let embed = *use_memo((), |_| browser::is_embed());
    let config = Config {
        embed,
        present: state.present,
    };
    let written = use_mut_ref(Written::default);

    {
        // Shortcuts on the whole document. The visualizer and the lesson act on
        // the app's state; Compare has its own (it installs its listener), so
        // here, as in the editor (whose fields take their keys), only the help
        // and the lecture-hall view, which every mode has, act.
        let shown = if caps.shows(state.mode) {
            state.mode
        } else {
            Mode::Visualizer
        };
        let board_mode = matches!(shown, Mode::Visualizer | Mode::Lesson);
        let on_shortcut = {
            let dispatch = dispatch.clone();
            let state = state.clone();
            Callback::from(move |shortcut: Shortcut| match shortcut {
                Shortcut::ToggleHelp => dispatch.emit(Action::ToggleHelp),
                // (An embed has no lecture-hall view: the embedding page sizes it.)
                Shortcut::TogglePresent if embed => {}
                Shortcut::TogglePresent => dispatch.emit(Action::TogglePresent),
                _ if !board_mode => {}
                shortcut => {
                    if let Some(action) = shortcut_action(shortcut, &state, shown) {
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
        // The URL always holds what is shown: the permalink in the fragment, the
        // route in the query (and the flag boot.js reads). A new route (mode,
        // lesson step, lecture-hall view) and a new view (`AppState::entry`: a
        // scenario, a race, a file, a reset) are new browser history entries,
        // so Back returns to the view before; a step replaces the current one. An embed never pushes: its entries would be
        // the embedding page's Back button's. A broken link stays in the URL
        // until the user acts, so they can see and fix it; a link handed to the
        // full build stays for it to open.
        let fragment = caps.permalink(&state.history);
        let handing_over = *handed_over.borrow();
        let keep = (state.error.is_some() && state.history.cursor() == 0) || handing_over;
        let route = route_of(&state);
        let written = written.clone();
        let entry = state.entry;
        use_effect_with((route, fragment, entry), move |(route, fragment, entry)| {
            let hash = if keep {
                browser::hash()
            } else {
                fragment.clone()
            };
            // What a hand-over reopens: the view, or the link handed over.
            crate::capabilities::note_shown(if handing_over { &hash } else { fragment });
            let full = Capabilities::needs_full(route.mode, &hash);
            let url = format!(
                "{}{}",
                route.query(&browser::search(), &[(FULL_FLAG, full)]),
                if hash.is_empty() {
                    String::new()
                } else {
                    format!("#{hash}")
                }
            );
            let mut w = written.borrow_mut();
            let new_entry = !embed
                && (w.route.is_some_and(|r| r != *route)
                    || (w.entry.is_some_and(|e| e != *entry) && w.fragment != hash));
            browser::set_url(&url, new_entry);
            w.route = Some(*route);
            w.entry = Some(*entry);
            w.fragment = hash;
            drop(w);
            caps.ensure_shows(route.mode);
        });
    }

    {
        // Back and Forward (popstate), and a link pasted into the address bar
        // (hashchange): the route and the permalink the URL now holds.
        let dispatch = dispatch.clone();
        let written = written.clone();
        let handed_over = handed_over.clone();
        use_effect_with((), move |_| {
            let on_url = move |_: &web_sys::Event| {
                let route = Route::parse(&browser::search());
                let fragment = browser::hash();
                let mut w = written.borrow_mut();
                if w.route != Some(route) {
                    w.route = Some(route);
                    dispatch.emit(Action::Navigate(route));
                }
                if fragment != w.fragment && !fragment.is_empty() {
                    w.fragment = fragment.clone();
                    drop(w);
                    match caps.open_link(&fragment) {
                        Opened::History(history) => dispatch.emit(Action::OpenLink(history)),
                        Opened::Broken(e) => dispatch.emit(Action::ShowError(format!(
                            "{e}. Showing the previous view instead."
                        ))),
                        // The URL keeps the link for the full build to open.
                        Opened::HandedOver => *handed_over.borrow_mut() = true,
                    }
                }
            };
            let on_url = Rc::new(on_url);
            let listeners = web_sys::window().map(|w| {
                let (a, b) = (on_url.clone(), on_url);
                [
                    EventListener::new(&w, "popstate", move |e| a(e)),
                    EventListener::new(&w, "hashchange", move |e| b(e)),
                ]
            });
            move || drop(listeners)
        });
    }

    {
        // The reducer's intents, each carried out once, in order.
        let done = use_mut_ref(|| 0u64);
        let dispatch = dispatch.clone();
        let intents = store.intents.clone();
        let state = state.clone();
        use_effect_with(intents, move |intents| {
            for (id, intent) in intents.iter() {
                if *id > *done.borrow() {
                    *done.borrow_mut() = *id;
                    carry_out(&caps, intent, &state, &dispatch);
                }
            }
        });
    }

    {
        // What the user asked the light build for before it handed over.
        let dispatch = dispatch.clone();
        let current = state.model().mitigation();
        use_effect_with((), move |_| caps.take_pending(current, &dispatch));
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

    // A Step, Deliver, Back or Forward button stays under the pointer when
    // its step changes the text above it (browser::keep_steady_controls_in_place).
    use_effect_with((), |_| {
        let listener = browser::keep_steady_controls_in_place();
        move || drop(listener)
    });

    // Files picked (share bar) or dropped (anywhere) are read here, not in the reducer.
    let open_file = {
        let dispatch = dispatch.clone();
        let current = state.model().mitigation();
        use_memo(current, move |&current| {
            Callback::from(move |file: web_sys::File| import(caps, file, current, dispatch.clone()))
        })
    };
    let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
    let ondrop = {
        let open = (*open_file).clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if let Some(file) = e
                .data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0))
            {
                open.emit(file);
            }
        })
    };

    let view = View {
        state,
        dispatch: dispatch.clone(),
    };
    let page = layout(&caps, &view, &config, *settled, ondragover, ondrop);
    let ctx = Ctx {
        config,
        dispatch,
        open_file: (*open_file).clone(),
        worker: caps.worker(),
    };
    html! {
        <ContextProvider<Ctx> context={ctx}>{ page }</ContextProvider<Ctx>>
    }
}

/// The page for what `view` shows: the compact embed, a teaching mode, or the
/// visualizer.
fn layout(
    caps: &Capabilities,
    view: &View,
    config: &Config,
    settled: bool,
    ondragover: Callback<DragEvent>,
    ondrop: Callback<DragEvent>,
) -> Html {
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
    if config.embed {
        let full = link_text(&browser::base_url(), &caps.permalink(&view.state.history));
        return html! {
            <div class="embed" {ondragover} {ondrop}>
                <header class="embed-top">
                    <strong>{ "tlbrace" }</strong>
                    <span class="title">{ format!("{} \u{2014} {}", view.state.model().scenario().name(), view.state.model().kernel_name()) }</span>
                    <a href={full} target="_blank" rel="noopener">{ "open full view" }</a>
                </header>
                { for error }
                <OutcomeBar view={view.clone()} />
                <Playback view={view.clone()} />
                { board(view) }
                <ShortcutHelp open={view.state.show_help} on_close={view.dispatch.reform(|_| Action::ToggleHelp)} />
            </div>
        };
    }
    let set_mode = {
        let dispatch = view.dispatch.clone();
        let caps = *caps;
        Callback::from(move |m: Mode| {
            dispatch.emit(Action::SetMode(m));
            if !caps.shows(m) {
                // The view stays until the full build is ready to take over;
                // asking again (after a failed load) tries again.
                dispatch.emit(Action::Notify(format!("Loading {}\u{2026}", m.label())));
                caps.ensure_shows(m);
            }
        })
    };
    // A mode this build cannot show is shown by the full build once it has
    // taken over; until then the visualizer stays.
    let mode = if caps.shows(view.state.mode) {
        view.state.mode
    } else {
        Mode::Visualizer
    };
    let body = match mode {
        Mode::Visualizer => html! { <>
                <div class="setup">
                    <ScenarioPicker current={AttrValue::from(view.state.model().scenario().name().to_string())} />
                    <ArchPicker view={view.clone()} />
                    <MitigationPicker view={view.clone()} />
                </div>
                <OutcomeBar view={view.clone()} />
                <Playback view={view.clone()} />
                { notice }
                { board(view) }
                <ShareBar />
                if settled {
                    <div class="details">
                        <HistoryList view={view.clone()} />
                        <PageTable view={view.clone()} />
                        <BatchState view={view.clone()} />
                        <ExplorerPanel view={view.clone()} />
                        <CostChart scenario={view.state.model().scenario_arc().clone()} arch={view.state.model().arch()} />
                    </div>
                }
        </> },
        other => caps.render_mode(other, view),
    };
    html! {
        <div class={classes!("page", config.present.then_some("present"))} {ondragover} {ondrop}>
            <header class="top">
                <h1>{ "tlbrace" }</h1>
                <p class="tagline">{ "How a stale TLB entry stayed writable on arm64 after mprotect() returned: a batched TLB flush completed with a DSB on the wrong CPU." }</p>
                <ModeSwitch mode={mode} onchange={set_mode} />
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
