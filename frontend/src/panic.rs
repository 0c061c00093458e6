//! A panic shows a visible message with a reload link instead of a blank page.

use std::panic;

/// Installs the hook: the message goes to the console and into `#panic`.
pub fn install() {
    panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show(&info.to_string());
    }));
}

/// Writes `message` into the page's panic banner and reveals it.
pub fn show(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(banner) = document.get_element_by_id("panic") else {
        return;
    };
    if let Some(text) = document.get_element_by_id("panic-message") {
        text.set_text_content(Some(message));
    }
    let _ = banner.remove_attribute("hidden");
}
