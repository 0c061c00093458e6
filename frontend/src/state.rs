//! The app's state, the actions a user can take, and the reducer that turns an
//! action into a new state and the [`Intent`]s it asks for. Every rule of the
//! race is sim-core's: this module only asks the model what is enabled and what
//! an event does.
//!
//! The reducer is pure: no clock, no browser, no globals. What must happen
//! outside (a clipboard write, a download, reading a file) is returned as an
//! [`Intent`], which app.rs carries out in one place; the URL is written by
//! app.rs from the state (the route, the permalink and [`AppState::entry`]).

use std::rc::Rc;

use sim_core::{
    explore, scenario, Arch, CpuId, Event, ExploreConfig, ExploreReport, History, Mitigation,
    Model, Scenario,
};

use crate::route::{Mode, Route};

/// The explorer's result for one mitigation, with the time it took in the browser.
#[derive(Clone, Debug, PartialEq)]
pub struct ExplorerRow {
    /// The mitigation explored.
    pub mitigation: Mitigation,
    /// What the explorer found.
    pub report: ExploreReport,
    /// Wall-clock time in milliseconds, measured around the call.
    pub millis: f64,
}

/// Everything the page shows. Cheap to clone: the history shares its steps.
#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    /// The scenario, its mitigation, the steps played and the cursor.
    pub history: History,
    /// Whether "Play" is running.
    pub playing: bool,
    /// Delay between played steps, in milliseconds.
    pub play_delay_ms: u32,
    /// Whether the keyboard shortcut help is open.
    pub show_help: bool,
    /// A message for the user about the last action (e.g. "no counterexample").
    pub notice: Option<String>,
    /// What the page shows below the header.
    pub mode: Mode,
    /// The lesson's step (0-based), in lesson mode.
    pub lesson_step: usize,
    /// The built-in lesson shown in lesson mode (`None`: the first one).
    pub lesson: Option<&'static str>,
    /// The lecture-hall layout (`?present`, the `p` key).
    pub present: bool,
    /// Explorer results for the current scenario, one per mitigation; empty until
    /// the explorer panel has run them in slices after the first paint
    /// (`Action::ExplorerDone`).
    pub explorer: Rc<Vec<ExplorerRow>>,
    /// Something the user gave us was wrong (a broken link, a bad file): what and where.
    pub error: Option<String>,
    /// "Show the race" was asked for a custom scenario before the explorer's worker
    /// had its rows: the race loads when they arrive (not explored on the main
    /// thread, where a custom scenario may take long).
    pub race_wanted: Option<Mitigation>,
    /// Counts the views that deserve a browser history entry of their own
    /// besides a new route (mode, lesson step, lecture-hall view): another
    /// scenario picked, a race loaded ("Show the race"), a file opened in the
    /// visualizer, a reset of a played view. app.rs pushes an entry when it
    /// changes, so browser Back returns to the view before; steps replace it.
    pub entry: u32,
}

/// What a user can do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Apply an event (a step or a delivery).
    Apply(Event),
    /// Step a CPU if it can step.
    StepCpu(CpuId),
    /// Undo one step.
    Back,
    /// Redo one step.
    Forward,
    /// Show another mode (a new browser history entry).
    SetMode(Mode),
    /// Go to a step of the lesson (a new browser history entry).
    LessonStep(usize),
    /// Open a built-in lesson at its first step (a new browser history entry).
    OpenLesson(Option<&'static str>),
    /// Switch the lecture-hall layout on or off.
    TogglePresent,
    /// Browser Back or Forward reached this view (its permalink is opened apart).
    Navigate(Route),
    /// Copy something to the clipboard.
    Copy(Copy),
    /// Download an export of the view.
    Export(Export),
    /// Jump to a number of applied steps (0 = the start), e.g. from a scrubber.
    JumpTo(usize),
    /// Back to the start, forgetting the steps.
    Reset,
    /// Switch to a built-in scenario.
    LoadScenario(String),
    /// Switch mitigation, keeping the schedule where it can.
    SetMitigation(Mitigation),
    /// Switch architecture, keeping the schedule as far as it stays valid
    /// (`History::on_arch`), or say why the scenario cannot run there.
    SetArch(Arch),
    /// Cycle to the next mitigation.
    CycleMitigation,
    /// Start or stop playing.
    TogglePlay,
    /// Set the play delay.
    SetDelay(u32),
    /// One tick of "Play".
    PlayTick,
    /// Load the explorer's shortest counterexample for the current mitigation.
    ShowRace,
    /// Load the shortest counterexample for a given mitigation (explorer panel).
    ShowRaceFor(Mitigation),
    /// Open or close the shortcut help.
    ToggleHelp,
    /// Dismiss the notice.
    DismissNotice,
    /// Show a history (from an imported file, the editor or the lesson).
    LoadHistory(History),
    /// Open a permalink's history (pasted, or reached by Back or Forward): a
    /// link that ends on a broken promise was shared to show it, so its
    /// evidence is brought on screen as "Show the race" would, in the
    /// visualizer only: the lesson shows its own history, and Compare and the
    /// editor have no board of this history to bring into view (a light build
    /// asked for them shows the visualizer only until the full one takes over).
    OpenLink(History),
    /// Tell the user something went wrong, keeping everything else as it is.
    ShowError(String),
    /// Dismiss the error banner.
    DismissError,
    /// Tell the user something worked (e.g. "Link copied").
    Notify(String),
    /// The user cancelled the explorer panel's run (a race waiting for it is dropped).
    ExplorerCancelled,
    /// The explorer panel finished exploring `scenario` under every mitigation.
    ExplorerDone {
        /// The scenario explored: rows for another one (the user switched) are dropped.
        scenario: Rc<Scenario>,
        /// The architecture it was explored on: rows for another one are dropped too.
        arch: sim_core::Arch,
        /// One row per mitigation.
        rows: Rc<Vec<ExplorerRow>>,
    },
}

/// What to copy to the clipboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Copy {
    /// The permalink of the view.
    Link,
    /// An iframe that embeds the view.
    Embed,
    /// The ladder diagram as plain text.
    Text,
    /// The 72-column ladder, its outcome and the link, as
    /// `tlbsim run ... --width 72 --ladder-only --base-url URL` prints it.
    Mail,
    /// `tlbsim litmus` of the run shown (all its events, the redo list included).
    Litmus,
}

/// A download of the current view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// The timeline with TLB states, as SVG (`sim_core::svg`).
    Svg,
    /// Scenario and trace as JSON (`sim_core::trace`), which `tlbsim` reads too.
    Json,
}

impl Export {
    /// Its name, as handed from the light build to the full one.
    pub fn name(self) -> &'static str {
        match self {
            Export::Svg => "svg",
            Export::Json => "json",
        }
    }

    /// The export a name stands for.
    pub fn from_name(name: &str) -> Option<Export> {
        [Export::Svg, Export::Json]
            .into_iter()
            .find(|e| e.name() == name)
    }
}

/// Something the reducer asks app.rs to do outside the state.
#[derive(Clone, Debug, PartialEq)]
pub enum Intent {
    /// Copy this to the clipboard, then say so.
    Copy(Copy),
    /// Download this export of the view.
    Export(Export),
    /// Bring the evidence of the broken promise just loaded or played to
    /// (the stale entry, the TLBIs in flight, the step's sentence) into the
    /// viewport, scrolling as little as it takes: the user asked to see the race
    /// (Show the race, or Play, which stops there), so no control they point at
    /// moves under them. A step the user clicked never scrolls the page.
    RevealEvidence,
}

/// The reducer's state: the app's state and the intents not yet carried out.
#[derive(Clone, Debug, PartialEq)]
pub struct Store {
    /// What the page shows.
    pub state: Rc<AppState>,
    /// Intents with increasing ids; app.rs carries out those above the last id it did.
    pub intents: Rc<Vec<(u64, Intent)>>,
}

/// Intents kept for app.rs, which carries them out after the next render; more
/// than this many between two renders cannot happen from user input.
const KEPT_INTENTS: usize = 16;

impl Store {
    /// A store showing `state`, with nothing to do.
    pub fn new(state: AppState) -> Store {
        Store {
            state: Rc::new(state),
            intents: Rc::default(),
        }
    }

    /// A store opening on a permalink's state: as [`Action::OpenLink`], a link
    /// that ends on a broken promise brings its evidence on screen, in the
    /// visualizer only.
    pub fn opened_link(state: AppState) -> Store {
        let broken = state.mode == Mode::Visualizer
            && state
                .history
                .last()
                .is_some_and(sim_core::facts::breaks_promise);
        Store {
            state: Rc::new(state),
            intents: Rc::new(if broken {
                vec![(1, Intent::RevealEvidence)]
            } else {
                Vec::new()
            }),
        }
    }
}

impl yew::Reducible for Store {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let (next, intents) = self.state.update(action);
        if next.is_none() && intents.is_empty() {
            return self;
        }
        let mut queue = (*self.intents).clone();
        let mut id = queue.last().map_or(0, |(id, _)| *id);
        for intent in intents {
            id += 1;
            queue.push((id, intent));
        }
        let drop = queue.len().saturating_sub(KEPT_INTENTS);
        queue.drain(..drop);
        Rc::new(Store {
            state: next.map_or_else(|| self.state.clone(), Rc::new),
            intents: Rc::new(queue),
        })
    }
}

/// The scenario the page opens with.
pub const DEFAULT_SCENARIO: &str = "seed-race";

/// The explorer's bounds in the browser: sim-core's defaults (512 MiB of tables,
/// reduced), which `scale-16` fits in.
pub const EXPLORER_CONFIG: ExploreConfig = ExploreConfig::DEFAULT;

impl AppState {
    /// A fresh state on a built-in or generated scenario (the default one if
    /// the name is unknown).
    pub fn new(name: &str, mitigation: Mitigation) -> AppState {
        let scenario = scenario::named(name)
            .or_else(|| scenario::builtin(DEFAULT_SCENARIO))
            .expect("the default scenario is built in");
        AppState::with_scenario(scenario, mitigation)
    }

    /// A fresh state on any validated scenario.
    pub fn with_scenario(scenario: Scenario, mitigation: Mitigation) -> AppState {
        AppState::from_history(History::new(Model::new(scenario, mitigation)))
    }

    /// A state showing `history`. The explorer rows start empty: running all three
    /// mitigations here would delay the first paint (the explorer panel runs them).
    pub fn from_history(history: History) -> AppState {
        AppState {
            explorer: Rc::default(),
            history,
            playing: false,
            play_delay_ms: 900,
            show_help: false,
            notice: None,
            error: None,
            mode: Mode::Visualizer,
            lesson_step: 0,
            lesson: None,
            present: false,
            race_wanted: None,
            entry: 0,
        }
    }

    /// Replaces the history, keeping the explorer rows when the scenario and
    /// the architecture are the same.
    fn show(&mut self, history: History) {
        let same = history.model().scenario() == self.model().scenario()
            && history.model().arch() == self.model().arch();
        if same {
            self.history = history;
        } else {
            self.history = history;
            self.explorer = Rc::default();
            self.race_wanted = None;
        }
        self.playing = false;
    }

    /// The model being shown.
    pub fn model(&self) -> &Model {
        self.history.model()
    }

    /// The event "Play" would apply next (sim-core's `facts::next_play_event`).
    pub fn next_play_event(&self) -> Option<Event> {
        sim_core::facts::next_play_event(&self.history)
    }

    /// Loads the explorer's shortest race under `mitigation`; whether one was
    /// loaded (not when there is none, or the explorer is still running).
    fn load_counterexample(&mut self, mitigation: Mitigation) -> bool {
        // The panel's rows are the scenario's own architecture's (arm64 for the
        // built-ins); on another one the explorer runs here for this kernel.
        let own = self.model().arch() == self.model().scenario().arch();
        let row = self
            .explorer
            .iter()
            .find(|r| own && r.mitigation == mitigation);
        // Asked before the panel finished (or with the panel not shown): explore this
        // one mitigation now, as the user is waiting for exactly this answer.
        let fresh;
        let row = match row {
            Some(row) => Some(row),
            // A custom scenario may take long: not on the main thread.
            None if !sim_core::facts::explores_quickly(self.model().scenario()) => {
                self.race_wanted = Some(mitigation);
                self.notice = Some(format!(
                    "The explorer is still checking every interleaving of this scenario under {mitigation}; the race loads as soon as it is done."
                ));
                return false;
            }
            None => {
                let model = self.model().with_mitigation(mitigation);
                fresh = ExplorerRow {
                    mitigation,
                    report: explore(&model, EXPLORER_CONFIG),
                    millis: 0.0,
                };
                Some(&fresh)
            }
        };
        match row.and_then(|r| r.report.shortest_counterexample.clone()) {
            Some(c) => {
                let model = self.model().with_mitigation(mitigation);
                self.history = History::replay_while_enabled(model, &c.events);
                let kind = c.kind.name().replace('_', " ");
                let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                self.notice = Some(format!(
                    "Loaded the shortest race under {mitigation}: {} events ending in {article} {kind}.",
                    c.events.len(),
                ));
                true
            }
            None => {
                let states = row.map(|r| r.report.states).unwrap_or(0);
                self.notice = Some(format!(
                    "No race under {mitigation}: the explorer checked all {states} states and none breaks a promise."
                ));
                false
            }
        }
    }
}

impl AppState {
    /// The reducer: the state after `action` (`None` when nothing changed) and
    /// what must happen outside the state. Pure: the same state and action
    /// always give the same answer.
    pub fn update(&self, action: Action) -> (Option<AppState>, Vec<Intent>) {
        let mut next = self.clone();
        next.notice = None;
        let unchanged = (None, Vec::new());
        let intent = |i: Intent| (Some(self.clone()), vec![i]);
        // Set where the action shows a race the user asked to see (loaded, or
        // played up to), rather than a step they took with the pointer on a
        // Step button.
        let mut shows_race = false;
        // Set where the action opens a view of its own (a browser history entry).
        let mut new_view = false;
        match action {
            Action::Apply(event) => {
                if let Err(e) = next.history.apply(event) {
                    next.notice = Some(e.to_string());
                }
            }
            Action::StepCpu(cpu) => {
                if cpu.index() < next.model().scenario().cpu_count() {
                    if let Err(e) = next.history.apply(Event::Step(cpu)) {
                        next.notice = Some(e.to_string());
                    }
                }
            }
            Action::Back => {
                next.history.undo();
                next.playing = false;
            }
            Action::Forward => {
                next.history.redo();
            }
            Action::JumpTo(n) => {
                next.history.jump(n);
                next.playing = false;
            }
            Action::Reset => {
                // A reset of a played view is an entry: Back brings the view back
                // (and the entry before a race shown never repeats the start).
                new_view = next.history.cursor() > 0 || !next.history.schedule().is_empty();
                next.history = History::new(next.model().clone());
                next.playing = false;
                next.error = None;
            }
            Action::LoadScenario(name) => {
                if name == next.model().scenario().name() {
                    return unchanged;
                }
                let (mitigation, arch) = (next.model().mitigation(), next.model().arch());
                let fresh = AppState::new(&name, mitigation);
                let scenario = fresh.model().scenario_arc().clone();
                // The architecture stays; a scenario that makes no sense there
                // opens on its own, and says why.
                let model = Model::on(scenario.clone(), mitigation, arch).unwrap_or_else(|why| {
                    let own = scenario.arch();
                    next.notice = Some(format!(
                        "{} cannot run on {arch}: {why}. Showing it on {own}.",
                        scenario.name()
                    ));
                    let m = match own.check(mitigation) {
                        Ok(()) => mitigation,
                        Err(_) => own.default_mitigation(),
                    };
                    Model::shared(scenario.clone(), m)
                });
                next.show(History::new(model));
                new_view = true;
                // The user moved on from a broken link: the URL may say so now.
                next.error = None;
            }
            Action::SetMode(mode) => {
                if mode == next.mode {
                    return unchanged;
                }
                next.mode = mode;
                next.playing = false;
            }
            Action::LessonStep(step) => next.lesson_step = step,
            Action::OpenLesson(lesson) => {
                next.lesson = lesson;
                next.lesson_step = 0;
            }
            Action::TogglePresent => next.present = !next.present,
            Action::Navigate(route) => {
                next.mode = route.mode;
                next.lesson_step = route.lesson_step;
                next.lesson = route.lesson;
                next.present = route.present;
                next.playing = false;
            }
            Action::Copy(what) => return intent(Intent::Copy(what)),
            Action::Export(kind) => return intent(Intent::Export(kind)),
            Action::SetMitigation(m) => {
                next.race_wanted = None;
                if m == next.model().mitigation() {
                    return unchanged;
                }
                if let Err(why) = next.model().arch().check(m) {
                    next.notice = Some(format!("No {m} kernel here: {why}."));
                    return (Some(next), Vec::new());
                }
                next.history = next.history.with_mitigation(m);
            }
            Action::CycleMitigation => {
                next.race_wanted = None;
                let m = next.model().mitigation().next_on(next.model().arch());
                next.history = next.history.with_mitigation(m);
            }
            Action::SetArch(arch) => {
                if arch == next.model().arch() {
                    return unchanged;
                }
                match next.history.on_arch(arch) {
                    Ok(switch) => {
                        next.show(switch.history.clone());
                        next.notice = Some(switch.text());
                    }
                    Err(why) => {
                        next.notice = Some(format!(
                            "{} cannot run on {arch}: {why}.",
                            next.model().scenario().name()
                        ))
                    }
                }
            }
            Action::TogglePlay => {
                next.playing = !next.playing && next.next_play_event().is_some();
                if !next.playing && !self.playing {
                    next.notice = Some(
                        "Nothing to play from here: Reset to play the scenario's story again."
                            .into(),
                    );
                }
            }
            Action::SetDelay(ms) => next.play_delay_ms = ms.clamp(100, 5000),
            Action::PlayTick => {
                if !next.playing {
                    return unchanged;
                }
                match next.next_play_event() {
                    Some(event) => {
                        let broke = next
                            .history
                            .apply(event)
                            .is_ok_and(sim_core::facts::breaks_promise);
                        next.playing = !broke && next.next_play_event().is_some();
                        shows_race = broke;
                        if broke {
                            // Stop with the evidence on screen: the stale entry is
                            // still in the TLB and the TLBI still in flight.
                            next.notice = Some(
                                "Play stopped: this step broke a promise. Press Play to go on."
                                    .into(),
                            );
                        }
                    }
                    None => next.playing = false,
                }
            }
            Action::ShowRace => {
                let m = next.model().mitigation();
                shows_race = next.load_counterexample(m);
                new_view = shows_race;
                next.playing = false;
                if shows_race {
                    next.error = None;
                }
            }
            Action::ShowRaceFor(m) => {
                shows_race = next.load_counterexample(m);
                new_view = shows_race;
                next.playing = false;
                if shows_race {
                    next.error = None;
                }
            }
            Action::ToggleHelp => next.show_help = !next.show_help,
            Action::DismissNotice => {}
            Action::LoadHistory(history) => {
                next.show(history);
                next.error = None;
                // A file opened in the visualizer is a view of its own; the
                // lesson's and the editor's histories come with their own
                // route (a lesson step, a mode), which is the entry.
                new_view = next.mode == Mode::Visualizer;
            }
            Action::OpenLink(history) => {
                next.show(history);
                next.error = None;
                next.playing = false;
                shows_race = next.mode == Mode::Visualizer;
            }
            Action::ExplorerCancelled => next.race_wanted = None,
            Action::ShowError(message) => next.error = Some(message),
            Action::DismissError => next.error = None,
            Action::Notify(message) => next.notice = Some(message),
            Action::ExplorerDone {
                scenario,
                arch,
                rows,
            } => {
                if *scenario != *next.model().scenario() || arch != next.model().arch() {
                    return unchanged;
                }
                next.explorer = rows;
                match next.race_wanted.take() {
                    Some(m) => {
                        shows_race = next.load_counterexample(m);
                        new_view = shows_race;
                    }
                    // Keep the notice: the rows arriving is not a user action.
                    None => next.notice = self.notice.clone(),
                }
            }
        }
        if new_view {
            next.entry = next.entry.wrapping_add(1);
        }
        let broken = next
            .history
            .last()
            .is_some_and(sim_core::facts::breaks_promise);
        let intents = if shows_race && broken {
            vec![Intent::RevealEvidence]
        } else {
            Vec::new()
        };
        (Some(next), intents)
    }
}
