//! The route (mode, lesson step, lecture-hall layout) survives its URL query.

use frontend::route::{Mode, Route};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn a_route_survives_its_query() {
    for mode in Mode::ALL {
        for (lesson_step, present, lesson) in [(0, false, None), (2, true, Some("arm64-vs-x86"))] {
            let in_lesson = mode == Mode::Lesson;
            let route = Route {
                mode,
                lesson_step: if in_lesson { lesson_step } else { 0 },
                lesson: lesson.filter(|_| in_lesson),
                present,
            };
            let query = route.query("?embed&mode=editor", &[("full", true)]);
            assert!(query.contains("embed"), "{query}");
            assert!(query.ends_with("full"), "{query}");
            assert_eq!(Route::parse(&query), route, "{query}");
        }
    }
}

#[wasm_bindgen_test]
fn the_url_counts_lesson_steps_from_one() {
    let route = Route::parse("mode=lesson&step=3");
    assert_eq!(route.lesson_step, 2);
    assert_eq!(route.query("", &[]), "?mode=lesson&step=3");
    assert_eq!(Route::default().query("?full", &[("full", false)]), "");
    assert_eq!(Route::parse("mode=compare&step=3").lesson_step, 0);
}

#[wasm_bindgen_test]
fn a_lesson_is_named_in_the_url_unless_it_is_the_first() {
    let route = Route::parse("mode=lesson&lesson=arm64-vs-x86&step=2");
    assert_eq!(route.lesson, Some("arm64-vs-x86"));
    assert_eq!(
        route.query("", &[]),
        "?mode=lesson&lesson=arm64-vs-x86&step=2"
    );
    assert_eq!(Route::parse("mode=lesson&lesson=seed-race").lesson, None);
    assert_eq!(Route::parse("mode=lesson&lesson=nope").lesson, None);
}
