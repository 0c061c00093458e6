//! The guided lesson: one step at a time, a paragraph, and at key moments a
//! question answered before the step's events are played into the main view.
//! Lessons are sim-core data (`sim_core::lesson`); this only walks them.

use std::rc::Rc;

use sim_core::lesson::Lesson;
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::context::{send, use_dispatch};
use crate::state::Action;

/// Props of the lesson panel.
#[derive(Properties, PartialEq)]
pub struct LessonProps {
    /// The lesson's step (the app's, in the URL); the lesson drives the main
    /// view through actions.
    pub step: usize,
    /// Which built-in lesson.
    #[prop_or(AttrValue::Static("seed-race"))]
    pub name: AttrValue,
}

fn focus(node: &NodeRef) {
    if let Some(el) = node.cast::<HtmlElement>() {
        let _ = el.focus();
    }
}

/// The lesson's current step, its question and the buttons to move on.
#[component]
pub fn LessonPanel(props: &LessonProps) -> Html {
    let builtin: Rc<Option<Lesson>> =
        use_memo(props.name.clone(), |name| sim_core::lesson::builtin(name));
    // A lesson file a teacher opened replaces the built-in one; `generation`
    // restarts the walk even when the step number does not change.
    let loaded = use_state(|| None::<Rc<Option<Lesson>>>);
    let generation = use_state(|| 0u32);
    let lesson = loaded.as_ref().cloned().unwrap_or(builtin);
    // The step is the app's (it is in the URL, so Back and Forward move between steps).
    let at = props.step;
    let choice = use_state(|| None::<usize>);
    let answered = use_state(|| false);
    let heading = use_node_ref();
    let feedback = use_node_ref();
    let dispatch = use_dispatch();

    {
        // Entering a step shows what happened so far; a step without a question
        // plays its events at once. Focus goes to the step's heading.
        let lesson = lesson.clone();
        let dispatch = dispatch.clone();
        let heading = heading.clone();
        let (choice, answered) = (choice.clone(), answered.clone());
        // A new lesson (the picker) starts its walk even at the same step.
        use_effect_with((at, *generation, lesson.clone()), move |(at, _, _)| {
            let at = *at;
            choice.set(None);
            answered.set(false);
            if let Some(step) = lesson
                .as_ref()
                .as_ref()
                .and_then(|l| l.steps.get(at).map(|s| (l, s)))
            {
                let (lesson, step) = step;
                let history = match step.question {
                    None => lesson.history_after(at),
                    Some(_) => lesson.history_before(at),
                };
                dispatch.emit(Action::LoadHistory(history));
            }
            focus(&heading);
        });
    }
    {
        let feedback = feedback.clone();
        use_effect_with(*answered, move |&answered| {
            if answered {
                focus(&feedback);
            }
        });
    }

    let open_file = {
        let (loaded, generation) = (loaded.clone(), generation.clone());
        let (choice, answered) = (choice.clone(), answered.clone());
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            let (loaded, generation) = (loaded.clone(), generation.clone());
            let (choice, answered) = (choice.clone(), answered.clone());
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let name = file.name();
                let parsed = crate::browser::read_file(file)
                    .await
                    .and_then(|text| Lesson::from_json(&text).map_err(|e| e.to_string()));
                match parsed {
                    Ok(lesson) => {
                        loaded.set(Some(Rc::new(Some(lesson))));
                        choice.set(None);
                        answered.set(false);
                        dispatch.emit(Action::LessonStep(0));
                        generation.set(*generation + 1);
                        dispatch.emit(Action::Notify(format!("Lesson opened from {name}.")));
                    }
                    Err(e) => dispatch.emit(Action::ShowError(format!("{name}: {e}"))),
                }
            });
        })
    };
    let pick = {
        let dispatch = dispatch.clone();
        let loaded = loaded.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            loaded.set(None);
            dispatch.emit(Action::OpenLesson(crate::route::lesson_name(
                &select.value(),
            )));
        })
    };
    let open = html! {
        <div class="lesson-pick">
            <label>
                { "Built-in lesson " }
                <select onchange={pick}>
                    { for sim_core::lesson::BUILTIN_NAMES.iter().map(|n| html! {
                        <option key={*n} value={*n} selected={loaded.is_none() && props.name == *n}>{ *n }</option>
                    }) }
                </select>
            </label>
            <label class="import lesson-open">
                { "Open a lesson file\u{2026}" }
                <input type="file" accept=".json,application/json" onchange={open_file} />
            </label>
        </div>
    };
    let Some(lesson) = lesson.as_ref() else {
        return html! { <><p>{ format!("No lesson named {}.", props.name) }</p>{ open }</> };
    };
    let total = lesson.steps.len();
    let go = |to: usize| send::<MouseEvent>(&dispatch, Action::LessonStep(to));
    let back = html! {
        <button onclick={go(at.saturating_sub(1))} disabled={at == 0}>{ "\u{25C0} Previous step" }</button>
    };

    let Some(step) = lesson.steps.get(at) else {
        return html! {
            <section class="lesson" aria-labelledby="lesson-title">
                <h2 id="lesson-title">{ format!("Lesson: {}", lesson.title) }</h2>
                <h3 tabindex="-1" ref={heading}>{ "Lesson complete" }</h3>
                <p>{ "That was the last step. Try \u{201c}Compare kernels\u{201d} to step two kernels together, or the visualizer to hold back or deliver a TLBI yourself." }</p>
                <div class="lesson-nav">
                    { back }
                    <button class="race" onclick={go(0)}>{ "Start again" }</button>
                </div>
                { open }
            </section>
        };
    };

    let question = step.question.as_ref().map(|q| {
        let name = format!("lesson-q{}", at);
        let radios = q.choices.iter().enumerate().map(|(i, text)| {
            let id = format!("{name}-{i}");
            let onchange = {
                let choice = choice.clone();
                Callback::from(move |_: Event| choice.set(Some(i)))
            };
            html! {
                <div class="choice" key={i}>
                    <input type="radio" name={name.clone()} id={id.clone()} checked={*choice == Some(i)} {onchange} />
                    <label for={id}>{ text }</label>
                </div>
            }
        });
        let check = {
            let answered = answered.clone();
            let dispatch = dispatch.clone();
            let history = lesson.history_after(at);
            Callback::from(move |_: MouseEvent| {
                answered.set(true);
                dispatch.emit(Action::LoadHistory(history.clone()));
            })
        };
        let right = *choice == Some(q.answer);
        html! {
            <>
                <fieldset class="question" disabled={*answered}>
                    <legend>{ &q.prompt }</legend>
                    { for radios }
                </fieldset>
                if !*answered {
                    <button class="race" onclick={check} disabled={choice.is_none()}>{ "Check answer" }</button>
                } else {
                    <div class={classes!("feedback", if right { "right" } else { "wrong" })} tabindex="-1" ref={feedback.clone()}>
                        <p>
                            <strong>{ if right { "Right. " } else { "Not quite. " } }</strong>
                            if !right { { format!("The answer is: {} ", q.choices[q.answer]) } }
                        </p>
                        <p>{ &q.explanation }</p>
                        if !step.events.is_empty() {
                            <p class="played">{ "The step's events are now played in the view below." }</p>
                        }
                    </div>
                }
            </>
        }
    });
    let can_go_on = step.question.is_none() || *answered;
    let next_label = if at + 1 == total {
        "Finish"
    } else {
        "Next step \u{25B6}"
    };
    html! {
        <section class="lesson" aria-labelledby="lesson-title">
            <h2 id="lesson-title">{ format!("Lesson: {}", lesson.title) }</h2>
            <h3 tabindex="-1" ref={heading}>{ format!("Step {} of {total}", at + 1) }</h3>
            <p class="lesson-text">{ &step.text }</p>
            { for question }
            <div class="lesson-nav">
                { back }
                <button class="step" onclick={go(at + 1)} disabled={!can_go_on}>{ next_label }</button>
            </div>
            { open }
        </section>
    }
}
