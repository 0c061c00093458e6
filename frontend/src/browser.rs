//! The app's few contacts with the browser beyond the DOM: the URL (permalinks,
//! embed mode), the clipboard, downloads, reading a dropped or picked file, and
//! scrolling (the evidence on screen, a clicked control kept under the pointer).

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// The URL fragment without its `#` (empty when there is none). Only the one
/// `#` that starts a fragment is taken off: of `##v2/...`, `#v2/...` is left,
/// which [`crate::capabilities::Capabilities::open_link`] refuses as sim-core's
/// decoder does (docs/permalinks.md).
pub fn hash() -> String {
    window()
        .and_then(|w| w.location().hash().ok())
        .map(|h| h.strip_prefix('#').unwrap_or(&h).to_string())
        .unwrap_or_default()
}

/// Whether the page was opened as an embed (`?embed` in the query).
pub fn is_embed() -> bool {
    has_param("embed")
}

/// Whether the URL's query names `key`, with or without a value (`?present`).
pub fn has_param(key: &str) -> bool {
    window()
        .and_then(|w| w.location().search().ok())
        .map(|q| {
            q.trim_start_matches('?')
                .split('&')
                .any(|kv| kv == key || kv.strip_prefix(key).is_some_and(|v| v.starts_with('=')))
        })
        .unwrap_or(false)
}

/// The URL's query, with its `?` (empty when there is none).
pub fn search() -> String {
    window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// Puts `url` (a query and fragment, relative to the page) in the address bar:
/// as a new browser history entry when `push`, else in place of the current one.
pub fn set_url(url: &str, push: bool) {
    let Some(w) = window() else { return };
    let location = w.location();
    let now = format!(
        "{}{}",
        location.search().unwrap_or_default(),
        location.hash().unwrap_or_default()
    );
    if now == url {
        return;
    }
    // With the path: a bare "#fragment" would keep the current query.
    let url = format!("{}{url}", location.pathname().unwrap_or_default());
    if let Ok(history) = w.history() {
        let _ = if push {
            history.push_state_with_url(&JsValue::NULL, "", Some(&url))
        } else {
            history.replace_state_with_url(&JsValue::NULL, "", Some(&url))
        };
    }
}

/// Adds (`on`) or removes the bare flag `key` in the URL's query, in place.
pub fn set_query_flag(key: &str, on: bool) {
    let kept: Vec<String> = search()
        .trim_start_matches('?')
        .split('&')
        .filter(|kv| !kv.is_empty() && *kv != key && !kv.starts_with(&format!("{key}=")))
        .map(str::to_string)
        .chain(on.then(|| key.to_string()))
        .collect();
    let query = if kept.is_empty() {
        String::new()
    } else {
        format!("?{}", kept.join("&"))
    };
    set_url(&format!("{query}{}", location_hash()), false);
}

fn location_hash() -> String {
    window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Milliseconds since the page started (`performance.now()`), for the
/// explorer panel's timings.
pub fn now_ms() -> f64 {
    window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// The page's URL without query and fragment, e.g. `http://127.0.0.1:8080/`.
pub fn base_url() -> String {
    window()
        .and_then(|w| {
            let l = w.location();
            Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?))
        })
        .unwrap_or_default()
}

/// Copies text to the clipboard; the error says why it could not.
pub async fn copy(text: String) -> Result<(), String> {
    let clipboard = window()
        .map(|w| w.navigator().clipboard())
        .ok_or("no window")?;
    JsFuture::from(clipboard.write_text(&text))
        .await
        .map(|_| ())
        .map_err(|e| format!("the browser refused the clipboard ({})", describe(&e)))
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, mime: &str, text: &str) -> Result<(), String> {
    let document = window().and_then(|w| w.document()).ok_or("no document")?;
    let parts = js_sys_array(text);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|e| describe(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| describe(&e))?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| describe(&e))?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

fn js_sys_array(text: &str) -> JsValue {
    // A one-element JS array holding the text, as Blob's constructor wants.
    let array = js_sys::Array::new();
    array.push(&JsValue::from_str(text));
    array.into()
}

/// Reads a picked or dropped file as text; one over sim-core's file limit is
/// refused by its size, before a byte of it is read.
pub async fn read_file(file: web_sys::File) -> Result<String, String> {
    sim_core::limits::check_file_size(file.size() as u64)
        .map_err(|e| format!("{}: {e}", file.name()))?;
    JsFuture::from(file.text())
        .await
        .map_err(|e| format!("could not read {}: {}", file.name(), describe(&e)))?
        .as_string()
        .ok_or_else(|| format!("{} is not text", file.name()))
}

fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// Scrolls as little as it takes to bring every `[data-evidence]` element (the
/// stale entry, the TLBIs in flight, the step's sentence) into the viewport:
/// first the board sideways to the stale entry, then the page. When they are
/// taller than the viewport, the bottom one (on a wide screen the stale entry,
/// on a phone the sentence under the columns) is brought in and the top one
/// is cut.
pub fn reveal_evidence() {
    const MARGIN: f64 = 8.0;
    let Some(window) = window() else { return };
    let Some(document) = window.document() else {
        return;
    };
    let Ok(list) = document.query_selector_all("[data-evidence]") else {
        return;
    };
    let elements: Vec<web_sys::Element> = (0..list.length())
        .filter_map(|i| list.item(i).and_then(|n| n.dyn_into().ok()))
        .collect();
    // Sideways inside the board's scroll box (more CPUs than fit): the stale entry's column.
    for el in elements
        .iter()
        .filter(|e| e.get_attribute("data-evidence").as_deref() == Some("entry"))
    {
        if let Ok(Some(scroller)) = el.closest(".board-scroll") {
            let (r, s) = (
                el.get_bounding_client_rect(),
                scroller.get_bounding_client_rect(),
            );
            let dx = if r.right() > s.right() {
                r.right() - s.right() + MARGIN
            } else if r.left() < s.left() {
                r.left() - s.left() - MARGIN
            } else {
                0.0
            };
            if dx != 0.0 {
                scroller.set_scroll_left(scroller.scroll_left() + dx.round() as i32);
            }
        }
    }
    let boxes: Vec<web_sys::DomRect> = elements
        .iter()
        .map(|e| e.get_bounding_client_rect())
        .collect();
    let top = boxes.iter().map(|r| r.top()).fold(f64::INFINITY, f64::min);
    let bottom = boxes
        .iter()
        .map(|r| r.bottom())
        .fold(f64::NEG_INFINITY, f64::max);
    let Some(height) = window.inner_height().ok().and_then(|h| h.as_f64()) else {
        return;
    };
    if !(top.is_finite() && bottom.is_finite()) {
        return;
    }
    let too_tall = bottom - top > height - 2.0 * MARGIN;
    let dy = if too_tall || bottom > height - MARGIN {
        bottom - (height - MARGIN)
    } else if top < MARGIN {
        top - MARGIN
    } else {
        0.0
    };
    if dy != 0.0 {
        window.scroll_by_with_x_and_y(0.0, dy.round());
    }
}

/// Keeps a control marked `data-steady` (a Step, Deliver, Take IPI, Back or
/// Forward button: the ones a user clicks again and again) where it was on
/// screen after the re-render its click causes. A step changes the text above
/// the columns (the outcome gains a line when a promise breaks, the step's
/// sentence and its sources grow or shrink), which would otherwise move the
/// next click's target away from the pointer. The click is seen in the
/// capture phase, before the app's handler; the page is scrolled back by how
/// far the control moved in the next animation frame, after Yew's render
/// (a microtask) and before that frame is painted, so nothing is seen to jump.
/// None of these controls brings the evidence on screen
/// ([`reveal_evidence`]), which this would undo.
///
/// A Deliver or Take IPI button leaves the page with its delivery: then its
/// chip (which keeps the other CPUs' buttons) is kept in place instead, or,
/// after the last delivery, the CPU's column holding it.
///
/// One correction is pending at a time, from the first click's place: a
/// second click before the frame (a fast double click, a held Enter) saw the
/// control where the first left it, and two corrections would undo each
/// other. The control is measured again in the frame after, because Yew's
/// scheduler defers a render to a timeout after a long run of its own, which
/// can land after the first frame. The page cannot scroll above its top, so a
/// control near the top of the page may still move up when text above it
/// shrinks.
pub fn keep_steady_controls_in_place() -> Option<gloo_events::EventListener> {
    let page = window()?;
    let options = gloo_events::EventListenerOptions::run_in_capture_phase();
    Some(gloo_events::EventListener::new_with_options(
        &page,
        "click",
        options,
        |event| {
            let Some(control) = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|e| e.closest("[data-steady]").ok().flatten())
            else {
                return;
            };
            STEADY_PENDING.with(|pending| {
                let mut pending = pending.borrow_mut();
                if pending.is_none() {
                    // The control, then what holds it, nearest first.
                    let holders = [".chip", "section"]
                        .into_iter()
                        .filter_map(|selector| control.closest(selector).ok().flatten());
                    *pending = Some(
                        std::iter::once(control.clone())
                            .chain(holders)
                            .map(|element| {
                                let top = element.get_bounding_client_rect().top();
                                (element, top)
                            })
                            .collect(),
                    );
                    after_frame(|| {
                        scroll_back_steady_control();
                        after_frame(|| {
                            scroll_back_steady_control();
                            STEADY_PENDING.with(|p| p.borrow_mut().take());
                        });
                    });
                }
            });
        },
    ))
}

thread_local! {
    /// The control of [`keep_steady_controls_in_place`] waiting for its
    /// correction, then its chip and its section, each with its viewport top
    /// when the control was clicked.
    static STEADY_PENDING: std::cell::RefCell<Option<Vec<(web_sys::Element, f64)>>> =
        const { std::cell::RefCell::new(None) };
}

/// Scrolls the page by how far the pending steady control moved from its
/// place at the click or, when it left the page, the nearest of its holders
/// still there (nothing when all did).
fn scroll_back_steady_control() {
    let moved = STEADY_PENDING.with(|pending| {
        pending
            .borrow()
            .as_ref()?
            .iter()
            .find(|(element, _)| element.is_connected())
            .map(|(element, top)| element.get_bounding_client_rect().top() - top)
    });
    if let (Some(moved), Some(window)) = (moved, window()) {
        if moved.abs() >= 0.5 {
            // Instant whatever the page's `scroll-behavior`: the frame after
            // measures again, which a smooth scroll under way would mislead.
            let by = web_sys::ScrollToOptions::new();
            by.set_top(moved);
            by.set_behavior(web_sys::ScrollBehavior::Instant);
            window.scroll_by_with_scroll_to_options(&by);
        }
    }
}

/// Runs `then` in the next animation frame, before it is painted.
fn after_frame(then: impl FnOnce() + 'static) {
    let callback = wasm_bindgen::closure::Closure::once_into_js(then);
    if let Some(window) = window() {
        let _ = window.request_animation_frame(callback.unchecked_ref());
    }
}
