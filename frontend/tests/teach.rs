//! Component tests of the teaching modes: the comparison of two kernels and the
//! guided lesson.

use frontend::components::compare::{ComparePanel, CompareProps};
use frontend::components::lesson::LessonPanel;
use frontend::context::{Config, Ctx};
use frontend::state::{Action, AppState};
use frontend::view::View;
use std::cell::RefCell;
use std::rc::Rc;

use sim_core::Mitigation;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::{button, root, texts as text};

fn seed_after(schedule: &str) -> AppState {
    common::seed_race_after(schedule, Mitigation::Dsb)
}

async fn mount_compare(state: AppState) -> Element {
    let div = root();
    let props = CompareProps {
        view: View::read_only(state),
    };
    yew::Renderer::<ComparePanel>::with_root_and_props(div.clone(), props).render();
    yew::scheduler::flush().await;
    div
}

#[wasm_bindgen_test]
async fn compare_shows_stale_under_dsb_and_safe_under_flush_tlb_mm() {
    // The story: write, reclaim unmaps P, mprotect (six steps), write, reclaim ends.
    let div = mount_compare(seed_after("s1,s0,s0,s1,s1,s1,s1,s1,s1,s1,s0,s0,s0,s0")).await;
    let outcomes = text(&div, "[role=status] .verdict");
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    assert!(outcomes[0].contains("STALE WRITE"), "{outcomes:?}");
    assert!(outcomes[1].contains("Finished safely"), "{outcomes:?}");
    let misses = text(&div, ".misses");
    assert!(misses[0].contains("TLB misses: 1"), "{misses:?}");
    assert!(misses[1].contains("TLB misses: 2"), "{misses:?}");
    let banner = text(&div, ".divergence");
    // flush_tlb_batched_pending(), right after mprotect took the lock.
    assert!(banner[0].contains("diverge at event 5 (s1)"), "{banner:?}");
    let marked = text(&div, "li.diverge");
    assert_eq!(marked.len(), 2, "highlighted on both sides: {marked:?}");
}

#[wasm_bindgen_test]
async fn compare_steps_both_sides_with_one_button() {
    let div = mount_compare(seed_after("")).await;
    assert!(text(&div, ".divergence")[0].contains("Step the CPUs"));
    button(&div, "Step CPU1").click();
    yew::scheduler::flush().await;
    let steps = text(&div, "ol.compare-steps li");
    assert_eq!(steps.len(), 2, "one row on each side: {steps:?}");
    assert!(steps.iter().all(|s| s.starts_with("s1")), "{steps:?}");
    button(&div, "\u{25C0} Back").click();
    yew::scheduler::flush().await;
    assert!(text(&div, "ol.compare-steps li").is_empty());
}

/// Props of [`LessonHarness`].
#[derive(yew::Properties, PartialEq)]
struct HarnessProps {
    actions: Rc<RefCell<Vec<Action>>>,
}

/// The lesson panel as the app holds it: the step is the app's, moved by the
/// panel's `LessonStep` actions; every action is recorded.
#[yew::component]
fn LessonHarness(props: &HarnessProps) -> yew::Html {
    let step = yew::use_state(|| 0usize);
    let dispatch = {
        let (step, actions) = (step.clone(), props.actions.clone());
        yew::use_memo((), move |_| {
            yew::Callback::from(move |a: Action| {
                if let Action::LessonStep(n) = a {
                    step.set(n);
                }
                actions.borrow_mut().push(a);
            })
        })
    };
    let ctx = Ctx {
        config: Config::default(),
        dispatch: (*dispatch).clone(),
        open_file: yew::Callback::noop(),
        worker: None,
    };
    yew::html! {
        <yew::ContextProvider<Ctx> context={ctx}>
            <LessonPanel step={*step} name="seed-race" />
        </yew::ContextProvider<Ctx>>
    }
}

#[wasm_bindgen_test]
async fn lesson_asks_before_it_plays_the_events() {
    let div = root();
    let actions = Rc::new(RefCell::new(Vec::new()));
    let props = HarnessProps {
        actions: actions.clone(),
    };
    yew::Renderer::<LessonHarness>::with_root_and_props(div.clone(), props).render();
    yew::scheduler::flush().await;
    let played = |actions: &Rc<RefCell<Vec<Action>>>| match actions.borrow().last() {
        Some(Action::LoadHistory(h)) => h.cursor(),
        other => panic!("expected a history, got {other:?}"),
    };
    assert!(text(&div, "h3")[0].starts_with("Step 1 of"));
    assert_eq!(played(&actions), 0);
    button(&div, "Next step \u{25B6}").click();
    yew::scheduler::flush().await;
    // Step 2 asks first: nothing is played yet, and the answer must be chosen.
    assert!(text(&div, "legend")[0].contains("What happens"));
    assert_eq!(played(&actions), 0);
    assert!(button(&div, "Check answer").disabled());
    assert!(button(&div, "Next step \u{25B6}").disabled());
    let radio: HtmlInputElement = div
        .query_selector("input[type=radio]")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    radio.click();
    yew::scheduler::flush().await;
    button(&div, "Check answer").click();
    yew::scheduler::flush().await;
    let feedback = text(&div, ".feedback");
    assert!(feedback[0].starts_with("Not quite."), "{feedback:?}");
    assert!(feedback[0].contains("A TLB miss"), "{feedback:?}");
    assert_eq!(played(&actions), 1, "the write is played once answered");
    let focused = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .active_element();
    assert_eq!(
        focused.map(|e| e.class_name()),
        Some("feedback wrong".to_string()),
        "focus moves to the feedback"
    );
    assert!(!button(&div, "Next step \u{25B6}").disabled());
}
