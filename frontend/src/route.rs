//! The URL of a view, besides its permalink: the mode, the lesson and its step
//! and the lecture-hall layout, in the query (`?mode=lesson&step=3`,
//! `?mode=lesson&lesson=arm64-vs-x86`, `?present`). Mode
//! and lesson-step changes are browser history entries, so Back and Forward
//! move between them (app.rs pushes; a popstate reads the route back).

/// What the page shows below the header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// One kernel, stepped by hand (the default).
    #[default]
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

    /// The button's words on a phone, where all four must fit beside the
    /// title; `None` when [`Mode::label`] is short already. (The button's
    /// accessible name stays the label.)
    pub fn short_label(self) -> Option<&'static str> {
        match self {
            Mode::Compare => Some("Compare"),
            Mode::Editor => Some("Editor"),
            Mode::Visualizer | Mode::Lesson => None,
        }
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

/// What the query of a view's URL says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Route {
    /// The mode.
    pub mode: Mode,
    /// The lesson's step, 0-based (the URL counts from 1, as the page does).
    pub lesson_step: usize,
    /// The built-in lesson, when it is not the first one
    /// (`sim_core::lesson::BUILTIN_NAMES`); only in lesson mode.
    pub lesson: Option<&'static str>,
    /// The lecture-hall layout.
    pub present: bool,
}

/// The `key=value` (or bare `key`) pairs of a query, without its `?`.
fn pairs(query: &str) -> impl Iterator<Item = (&str, Option<&str>)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (kv, None),
        })
}

/// The keys a route writes; other parameters (`embed`) are kept as they are.
const KEYS: [&str; 4] = ["mode", "lesson", "step", "present"];

/// A built-in lesson's name as the route keeps it: `None` for the first one
/// (the default, left out of the URL) and for a name that is not built in.
pub fn lesson_name(name: &str) -> Option<&'static str> {
    sim_core::lesson::BUILTIN_NAMES
        .iter()
        .skip(1)
        .find(|n| **n == name)
        .copied()
}

impl Route {
    /// The route a query names; what it does not name is the default.
    pub fn parse(query: &str) -> Route {
        let mut route = Route::default();
        for (key, value) in pairs(query) {
            match (key, value) {
                ("mode", Some(v)) => route.mode = Mode::from_param(v),
                ("lesson", Some(v)) => route.lesson = lesson_name(v),
                ("step", Some(v)) => {
                    route.lesson_step = v.parse::<usize>().map_or(0, |n| n.saturating_sub(1))
                }
                ("present", None | Some("" | "1" | "true")) => route.present = true,
                _ => {}
            }
        }
        if route.mode != Mode::Lesson {
            route.lesson_step = 0;
            route.lesson = None;
        }
        route
    }

    /// `current` (a query, with or without `?`) with this route written in,
    /// other parameters kept, and each of `flags` present exactly when its
    /// value is true. Empty when nothing is left.
    pub fn query(&self, current: &str, flags: &[(&str, bool)]) -> String {
        let mut out: Vec<String> = pairs(current)
            .filter(|(k, _)| !KEYS.contains(k) && !flags.iter().any(|(f, _)| f == k))
            .map(|(k, v)| v.map_or_else(|| k.to_string(), |v| format!("{k}={v}")))
            .collect();
        if let Some(mode) = self.mode.param() {
            out.push(format!("mode={mode}"));
        }
        if let Some(lesson) = self.lesson.filter(|_| self.mode == Mode::Lesson) {
            out.push(format!("lesson={lesson}"));
        }
        if self.mode == Mode::Lesson && self.lesson_step > 0 {
            out.push(format!("step={}", self.lesson_step + 1));
        }
        if self.present {
            out.push("present".into());
        }
        out.extend(
            flags
                .iter()
                .filter(|(_, on)| *on)
                .map(|(f, _)| f.to_string()),
        );
        if out.is_empty() {
            String::new()
        } else {
            format!("?{}", out.join("&"))
        }
    }
}
