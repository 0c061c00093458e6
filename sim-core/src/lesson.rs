//! Guided lessons: a scenario told in steps, each with a paragraph, the events it
//! plays, and at key moments a question the student answers before the events
//! are revealed. Lessons are JSON files (docs/lessons.md); the built-in ones are
//! `lessons/*.json`, embedded with `include_str!`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::arch::Arch;
use crate::event::{parse_schedule, Event};
use crate::history::History;
use crate::limits::{MAX_LESSON_TEXT_CHARS, MAX_QUESTION_CHARS, MAX_TITLE_CHARS};
use crate::mitigation::Mitigation;
use crate::model::Model;
use crate::scenario::{self, invalid, parse, Scenario, ScenarioError};

/// The only version of the lesson format so far.
pub const FORMAT_VERSION: u32 = 2;
/// Most steps a lesson may have.
pub const MAX_STEPS: usize = 40;
/// Most choices a question may offer.
pub const MAX_CHOICES: usize = 6;

/// A lesson as written in a file, not yet checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LessonFile {
    /// Format version; must be [`FORMAT_VERSION`].
    pub format: u32,
    /// The lesson's title.
    pub title: String,
    /// A built-in scenario's name, or a whole scenario in the scenario format.
    pub scenario: ScenarioSource,
    /// The kernel the lesson starts with.
    #[serde(default)]
    pub mitigation: Mitigation,
    /// The architecture the lesson starts on (the scenario's own unless named).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<Arch>,
    /// The steps, in order.
    pub steps: Vec<StepFile>,
}

/// Where a lesson's scenario comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum ScenarioSource {
    /// A built-in scenario, by name (`"seed-race"`).
    Builtin(String),
    /// A scenario written out in the lesson: its JSON text as written, read by
    /// the scenario file's own reader (so a duplicate key is refused there too).
    Inline(String),
}

/// A name is written as a JSON string, an inline scenario as its own text.
impl Serialize for ScenarioSource {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ScenarioSource::Builtin(name) => serializer.serialize_str(name),
            ScenarioSource::Inline(json) => serde_json::value::RawValue::from_string(json.clone())
                .map_err(serde::ser::Error::custom)?
                .serialize(serializer),
        }
    }
}

/// A string names a built-in scenario, an object is a scenario file, kept as
/// its text: which format it is decides how it is read (a format-1 lesson
/// carries a format-1 scenario), and its size is checked before it is parsed.
/// Read from JSON text only (as lessons are).
impl<'de> Deserialize<'de> for ScenarioSource {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        match text.as_bytes().first() {
            Some(b'"') => serde_json::from_str(text)
                .map(ScenarioSource::Builtin)
                .map_err(D::Error::custom),
            Some(b'{') => Ok(ScenarioSource::Inline(text.to_string())),
            _ => Err(D::Error::custom(format!(
                "invalid type: {}, expected a built-in scenario's name or a scenario object",
                crate::limits::excerpt(text)
            ))),
        }
    }
}

/// One step of a lesson as written in a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepFile {
    /// The paragraph the student reads.
    pub text: String,
    /// Switch to this kernel at this step (the events so far are replayed under it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mitigation: Option<Mitigation>,
    /// Switch to this architecture at this step; it starts again, so the step
    /// must also say `restart` (a schedule of one architecture is not one of
    /// another).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<Arch>,
    /// Start again from the initial state before playing this step's events.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restart: bool,
    /// The events this step plays, in the schedule text form (`"s1,s0,s0"`).
    #[serde(default)]
    pub play: String,
    /// Asked before the step's events are played.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<Question>,
}

/// A multiple-choice question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// What is asked.
    pub prompt: String,
    /// The possible answers, 2 to [`MAX_CHOICES`].
    pub choices: Vec<String>,
    /// 0-based index of the right choice.
    pub answer: usize,
    /// Shown once the student has answered, right or wrong.
    pub explanation: String,
}

/// A step once validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonStep {
    /// The paragraph.
    pub text: String,
    /// The kernel from this step on, if it changes here.
    pub mitigation: Option<Mitigation>,
    /// The architecture from this step on, if it changes here (always with a restart).
    pub arch: Option<Arch>,
    /// Whether the step starts again from the initial state.
    pub restart: bool,
    /// The events it plays.
    pub events: Vec<Event>,
    /// The question asked before the events play.
    pub question: Option<Question>,
}

/// A validated lesson: its scenario resolved, every question well formed, and
/// every step's events enabled when the lesson is played in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    /// The title.
    pub title: String,
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// The kernel at the start.
    pub mitigation: Mitigation,
    /// The architecture at the start.
    pub arch: Arch,
    /// The steps.
    pub steps: Vec<LessonStep>,
}

/// Free text of a lesson: not blank and at most `max` characters (so that no
/// lesson can make the page's layout expensive).
fn text(field: String, text: &str, max: usize) -> Result<(), ScenarioError> {
    if crate::limits::is_blank(text) {
        return Err(invalid(field, "must not be empty or blank"));
    }
    let count = text.chars().count();
    if count > max {
        return Err(invalid(
            field,
            format!("at most {max} characters, not {count}"),
        ));
    }
    Ok(())
}

impl LessonFile {
    /// Checks every field and plays the whole lesson; errors name the field
    /// (`steps[3].play[1]`, `steps[2].question.answer`, `scenario.cpus[0].role`).
    pub fn validate(&self) -> Result<Lesson, ScenarioError> {
        if self.format != FORMAT_VERSION && self.format != 1 {
            return Err(invalid(
                "format",
                format!(
                    "version {} is not supported: this tlbsim reads lessons of versions 1 and {FORMAT_VERSION}",
                    self.format
                ),
            ));
        }
        let v1 = self.format == 1;
        text("title".into(), &self.title, MAX_TITLE_CHARS)?;
        if !crate::limits::is_one_line(&self.title) {
            return Err(invalid("title", "must be one line (no line breaks)"));
        }
        // A format-1 lesson plays format-1 events on a format-1 scenario (a built-in
        // as it was then, or inline): both are translated to format 2.
        let (scenario, translation) = match &self.scenario {
            ScenarioSource::Builtin(name) if v1 => {
                let text = crate::v1::builtin_v1(name).ok_or_else(|| {
                    invalid(
                        "scenario",
                        format!(
                            "no built-in scenario \"{}\" in format-1 lessons",
                            scenario::excerpt(name)
                        ),
                    )
                })?;
                let read = crate::v1::read_scenario(text).map_err(|e| e.within("scenario"))?;
                (read.scenario, read.translation)
            }
            ScenarioSource::Builtin(name) => (
                scenario::builtin(name).ok_or_else(|| {
                    let known: Vec<&str> = scenario::builtin_names().collect();
                    invalid(
                        "scenario",
                        format!(
                            "no built-in scenario \"{}\" (built in: {})",
                            scenario::excerpt(name),
                            known.join(", ")
                        ),
                    )
                })?,
                None,
            ),
            ScenarioSource::Inline(json) => {
                let read = crate::v1::read_inner(json, json, "scenario")?;
                (read.scenario, read.translation)
            }
        };
        // Format-1 events since the last restart, to translate each step's play
        // as a continuation of what was played before it.
        let mut played_v1: Vec<Event> = Vec::new();
        if self.steps.is_empty() || self.steps.len() > MAX_STEPS {
            return Err(invalid(
                "steps",
                format!("must list 1 to {MAX_STEPS} steps, not {}", self.steps.len()),
            ));
        }
        let arch = self.arch.unwrap_or(scenario.arch());
        let scenario = Arc::new(scenario);
        Model::on(scenario.clone(), self.mitigation, arch).map_err(|why| invalid("arch", why))?;
        let mut lesson = Lesson {
            title: self.title.clone(),
            scenario,
            mitigation: self.mitigation,
            arch,
            steps: Vec::with_capacity(self.steps.len()),
        };
        for (i, step) in self.steps.iter().enumerate() {
            let at = format!("steps[{i}]");
            text(format!("{at}.text"), &step.text, MAX_LESSON_TEXT_CHARS)?;
            let mut events = parse_schedule(&step.play)
                .map_err(|e| invalid(format!("{at}.play[{}]", e.index), e.source.to_string()))?;
            if let Some(t) = &translation {
                if step.restart {
                    played_v1.clear();
                }
                let before = t.schedule(&played_v1).map(|e| e.len()).unwrap_or(0);
                played_v1.extend(&events);
                let all = t
                    .schedule(&played_v1)
                    .map_err(|e| invalid(format!("{at}.play"), e))?;
                events = all[before..].to_vec();
            }
            if let Some(q) = &step.question {
                text(
                    format!("{at}.question.prompt"),
                    &q.prompt,
                    MAX_QUESTION_CHARS,
                )?;
                if q.choices.len() < 2 || q.choices.len() > MAX_CHOICES {
                    return Err(invalid(
                        format!("{at}.question.choices"),
                        format!(
                            "must offer 2 to {MAX_CHOICES} choices, not {}",
                            q.choices.len()
                        ),
                    ));
                }
                for (c, choice) in q.choices.iter().enumerate() {
                    text(
                        format!("{at}.question.choices[{c}]"),
                        choice,
                        MAX_QUESTION_CHARS,
                    )?;
                }
                if q.answer >= q.choices.len() {
                    return Err(invalid(
                        format!("{at}.question.answer"),
                        format!(
                            "choice {} does not exist (choices are numbered 0 to {})",
                            q.answer,
                            q.choices.len() - 1
                        ),
                    ));
                }
                text(
                    format!("{at}.question.explanation"),
                    &q.explanation,
                    MAX_LESSON_TEXT_CHARS,
                )?;
            }
            if step.arch.is_some() && !step.restart {
                return Err(invalid(
                    format!("{at}.arch"),
                    "switching architecture starts the story again: add \"restart\": true",
                ));
            }
            lesson.steps.push(LessonStep {
                text: step.text.clone(),
                mitigation: step.mitigation,
                arch: step.arch,
                restart: step.restart,
                events,
                question: step.question.clone(),
            });
            // The kernel must exist on the architecture, and the scenario make
            // sense there.
            let (mitigation, arch, _) = lesson.played(i + 1);
            Model::on(lesson.scenario.clone(), mitigation, arch).map_err(|why| {
                let field = if step.arch.is_some() {
                    "arch"
                } else {
                    "mitigation"
                };
                invalid(format!("{at}.{field}"), why)
            })?;
            // Every event must be enabled where the lesson plays it.
            let before = lesson.history_before(i);
            let mut all = before.schedule();
            all.extend(&lesson.steps[i].events);
            if let Err((_, e)) = History::replay(before.model().clone(), &all) {
                return Err(invalid(
                    format!("{at}.play[{}]", e.index - before.cursor()),
                    format!("{}: {}", e.event, e.error),
                ));
            }
        }
        Ok(lesson)
    }
}

impl Lesson {
    /// Parses and validates a lesson file's text (refused unread over
    /// [`crate::limits::MAX_LESSON_BYTES`]).
    pub fn from_json(text: &str) -> Result<Lesson, ScenarioError> {
        crate::limits::check_lesson_text(text).map_err(ScenarioError::TooLarge)?;
        parse::<LessonFile>(text)?.validate()
    }

    /// The kernel, the architecture and the events played once steps `0..n`
    /// are revealed.
    fn played(&self, n: usize) -> (Mitigation, Arch, Vec<Event>) {
        let mut mitigation = self.mitigation;
        let mut arch = self.arch;
        let mut events = Vec::new();
        for step in self.steps.iter().take(n) {
            if step.restart {
                events.clear();
            }
            mitigation = step.mitigation.unwrap_or(mitigation);
            arch = step.arch.unwrap_or(arch);
            events.extend(&step.events);
        }
        (mitigation, arch, events)
    }

    /// What the view shows while step `n`'s question is open: steps `0..n`
    /// revealed, then step `n`'s kernel switch and restart, but not its events.
    pub fn history_before(&self, n: usize) -> History {
        let (mut mitigation, mut arch, mut events) = self.played(n);
        if let Some(step) = self.steps.get(n) {
            mitigation = step.mitigation.unwrap_or(mitigation);
            arch = step.arch.unwrap_or(arch);
            if step.restart {
                events.clear();
            }
        }
        self.replay(mitigation, arch, &events)
    }

    /// What the view shows once step `n` is revealed (its events played).
    pub fn history_after(&self, n: usize) -> History {
        let (mitigation, arch, events) = self.played(n + 1);
        self.replay(mitigation, arch, &events)
    }

    fn replay(&self, mitigation: Mitigation, arch: Arch, events: &[Event]) -> History {
        // Validation checked every step's kernel on its architecture; a lesson
        // built by hand with a refused pair shows the scenario's own.
        let model = Model::on(self.scenario.clone(), mitigation, arch)
            .unwrap_or_else(|_| Model::shared(self.scenario.clone(), mitigation));
        // Validation played every step, so this stops early only for a lesson
        // built by hand; the history so far is still a faithful view.
        match History::replay(model, events) {
            Ok(h) | Err((h, _)) => h,
        }
    }
}

/// The built-in lessons' files, embedded at compile time.
const BUILTIN_FILES: [(&str, &str); 2] = [
    ("seed-race", include_str!("../lessons/seed-race.json")),
    ("arm64-vs-x86", include_str!("../lessons/arm64-vs-x86.json")),
];

/// Names of the built-in lessons, in [`builtin`]'s order (a list of names
/// alone, so naming a lesson embeds none of the files).
pub const BUILTIN_NAMES: [&str; 2] = ["seed-race", "arm64-vs-x86"];

/// Names of the built-in lessons.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTIN_FILES.iter().map(|(name, _)| *name)
}

/// A built-in lesson by name.
pub fn builtin(name: &str) -> Option<Lesson> {
    let (_, text) = BUILTIN_FILES.iter().find(|(n, _)| *n == name)?;
    // The built-in files are checked by tests; a broken one is a bug of this crate.
    Some(Lesson::from_json(text).unwrap_or_else(|e| panic!("built-in lesson {name}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Outcome;

    fn seed() -> Lesson {
        builtin("seed-race").unwrap()
    }

    /// The seed lesson with `edit` applied to its file, validated.
    fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> Result<Lesson, ScenarioError> {
        let mut value: serde_json::Value = serde_json::from_str(BUILTIN_FILES[0].1).unwrap();
        edit(&mut value);
        Lesson::from_json(&value.to_string())
    }

    fn field(result: Result<Lesson, ScenarioError>) -> String {
        match result {
            Err(ScenarioError::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn every_builtin_lesson_validates() {
        for name in builtin_names() {
            let lesson = builtin(name).unwrap();
            assert!(lesson.steps.iter().any(|s| s.question.is_some()), "{name}");
        }
    }

    #[test]
    fn the_seed_lesson_shows_the_stale_write_then_the_fix() {
        let lesson = seed();
        let outcomes: Vec<Outcome> = (0..lesson.steps.len())
            .map(|i| {
                let h = lesson.history_after(i);
                Outcome::of(h.model(), h.current())
            })
            .collect();
        let stale = outcomes
            .iter()
            .position(|o| matches!(o, Outcome::StaleWrite(_)))
            .expect("a stale write under dsb");
        let last = lesson.history_after(lesson.steps.len() - 1);
        assert_eq!(last.model().mitigation(), Mitigation::FlushTlbMm);
        assert_eq!(
            Outcome::of(last.model(), last.current()),
            Outcome::FinishedSafely
        );
        // The question before the stale write asks whether the write succeeds.
        let q = lesson.steps[stale].question.as_ref().unwrap();
        assert!(q.prompt.contains("succeed"), "{}", q.prompt);
    }

    #[test]
    fn arm64_vs_x86_shows_the_stale_write_on_arm64_and_none_on_x86() {
        use crate::Arch;
        let lesson = builtin("arm64-vs-x86").unwrap();
        assert_eq!(BUILTIN_NAMES.to_vec(), builtin_names().collect::<Vec<_>>());
        let after: Vec<History> = (0..lesson.steps.len())
            .map(|i| lesson.history_after(i))
            .collect();
        let stale = after
            .iter()
            .position(|h| matches!(Outcome::of(h.model(), h.current()), Outcome::StaleWrite(_)))
            .expect("a stale write on arm64 dsb");
        assert_eq!(after[stale].model().arch(), Arch::Arm64);
        assert!(lesson.steps[stale].question.is_some(), "predicted first");
        let last = after.last().unwrap();
        assert_eq!(last.model().arch(), Arch::X86);
        assert_eq!(
            Outcome::of(last.model(), last.current()),
            Outcome::FinishedSafely
        );
        assert_eq!(last.current().stats[1].ipis_received, 1);
        // The step before the IPI is taken leaves CPU0 waiting for it.
        let waiting = &after[after.len() - 2];
        assert!(waiting.current().ipi_of(crate::op::CpuId(0)).is_some());
    }

    #[test]
    fn an_arch_switch_without_a_restart_is_refused() {
        let e = edited(|v| {
            v["steps"][2]["arch"] = "x86".into();
        });
        assert_eq!(field(e), "steps[2].arch");
        let e = edited(|v| {
            v["steps"][2]["arch"] = "x86".into();
            v["steps"][2]["restart"] = true.into();
        });
        assert_eq!(field(e), "steps[2].arch", "dsb is not an x86 kernel");
    }

    #[test]
    fn a_question_is_asked_before_its_events_play() {
        let lesson = seed();
        let (i, step) = lesson
            .steps
            .iter()
            .enumerate()
            .find(|(_, s)| s.question.is_some() && !s.events.is_empty())
            .unwrap();
        let before = lesson.history_before(i);
        let after = lesson.history_after(i);
        assert_eq!(after.cursor(), before.cursor() + step.events.len());
    }

    #[test]
    fn restart_and_kernel_switch_apply_before_the_question() {
        let lesson = seed();
        let i = lesson.steps.iter().position(|s| s.restart).unwrap();
        let before = lesson.history_before(i);
        assert_eq!(before.cursor(), 0);
        assert_eq!(
            Some(before.model().mitigation()),
            lesson.steps[i].mitigation.or(Some(lesson.mitigation))
        );
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(field(edited(|v| v["format"] = 3.into())), "format");
        assert_eq!(field(edited(|v| v["scenario"] = "nope".into())), "scenario");
        assert_eq!(
            field(edited(|v| v["steps"][1]["text"] = " ".into())),
            "steps[1].text"
        );
        assert_eq!(
            field(edited(|v| v["steps"][1]["question"]["answer"] = 7.into())),
            "steps[1].question.answer"
        );
        assert_eq!(
            field(edited(
                |v| v["steps"][1]["question"]["choices"] = serde_json::json!(["a"])
            )),
            "steps[1].question.choices"
        );
        assert_eq!(
            field(edited(|v| v["steps"][1]["play"] = "s1,x".into())),
            "steps[1].play[1]"
        );
        // The scenario has no CPU9.
        assert_eq!(
            field(edited(|v| v["steps"][0]["play"] = "s0,s9".into())),
            "steps[0].play[1]"
        );
        assert_eq!(
            field(edited(|v| v["scenario"] = serde_json::json!({
                "format": 1, "name": "x", "title": "t", "story": "",
                "pages": [{"name": "P", "vpn": 1, "pfn": 1}],
                "cpus": [{"role": "r", "program": [{"op": "read", "page": "Q"}]}]
            }))),
            "scenario.cpus[0].program[0].page"
        );
    }

    #[test]
    fn the_documented_example_validates() {
        let doc = include_str!("../../docs/lessons.md");
        let start = doc.find("```json\n").unwrap() + "```json\n".len();
        let len = doc[start..].find("```").unwrap();
        let lesson = Lesson::from_json(&doc[start..start + len]).unwrap();
        assert_eq!(lesson.steps.len(), 2);
    }

    #[test]
    fn bad_json_says_where() {
        let e = Lesson::from_json(
            r#"{"format": 1, "title": "t", "scenario": "seed-race", "steps": [{"txt": "a"}]}"#,
        )
        .unwrap_err();
        assert!(matches!(e, ScenarioError::Syntax { .. }), "{e}");
        assert!(e.to_string().contains("steps[0]"), "{e}");
    }
}
