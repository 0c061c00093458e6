//! The route (mode, lesson step, lecture-hall layout) survives its URL query.

use frontend::route::{Mode, Route};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn a_route_survives_its_query() {
    for mode in Mode::ALL {
        for (lesson_step, present) in [(0, false), (2, true)] {
            let route = Route {
                mode,
                lesson_step: if mode == Mode::Lesson { lesson_step } else { 0 },
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
