//! The keyboard shortcut help: a modal dialog. Focus stays inside it (Tab and
//! Shift+Tab cycle through its controls) and no shortcut acts behind it
//! (`keyboard::shortcut_for_key` only lets the keys that close it through).

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

use crate::keyboard::SHORTCUTS;

/// Props of the help dialog.
#[derive(Properties, PartialEq)]
pub struct HelpProps {
    /// Whether the dialog is open.
    pub open: bool,
    /// Closes it.
    pub on_close: Callback<()>,
}

/// The elements of `root` that Tab can reach, in document order.
fn focusable(root: &Element) -> Vec<HtmlElement> {
    let Ok(list) = root.query_selector_all("button, a[href], input, select, textarea, [tabindex]")
    else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok())
        .filter(|e| e.tab_index() >= 0)
        .collect()
}

/// A dialog listing the shortcuts, shown while `open`.
#[component]
pub fn ShortcutHelp(props: &HelpProps) -> Html {
    let dialog = use_node_ref();
    {
        // Focus moves into the dialog when it opens and back to where it was
        // when it closes.
        let dialog = dialog.clone();
        use_effect_with(props.open, move |&open| {
            let before = open
                .then(|| {
                    web_sys::window()
                        .and_then(|w| w.document())
                        .and_then(|d| d.active_element())
                        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
                })
                .flatten();
            if let Some(first) = dialog
                .cast::<Element>()
                .and_then(|d| focusable(&d).into_iter().next())
            {
                let _ = first.focus();
            }
            move || {
                if let Some(before) = before {
                    let _ = before.focus();
                }
            }
        });
    }
    if !props.open {
        return html! {};
    }
    let onkeydown = {
        let dialog = dialog.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() != "Tab" {
                return;
            }
            let Some(root) = dialog.cast::<Element>() else {
                return;
            };
            let items = focusable(&root);
            let (Some(first), Some(last)) = (items.first(), items.last()) else {
                return;
            };
            let active = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element());
            let at = |el: &HtmlElement| active.as_ref() == Some(el.unchecked_ref::<Element>());
            let inside = active.as_ref().is_some_and(|a| root.contains(Some(a)));
            if e.shift_key() && (at(first) || !inside) {
                e.prevent_default();
                let _ = last.focus();
            } else if !e.shift_key() && (at(last) || !inside) {
                e.prevent_default();
                let _ = first.focus();
            }
        })
    };
    let close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="dialog-backdrop">
            <section class="dialog" role="dialog" aria-modal="true" aria-labelledby="help-title"
                ref={dialog} {onkeydown}>
                <h2 id="help-title">{ "Keyboard shortcuts" }</h2>
                <dl>
                    { for SHORTCUTS.iter().map(|(key, what)| html! {
                        <><dt><kbd>{ *key }</kbd></dt><dd>{ *what }</dd></>
                    }) }
                </dl>
                <button onclick={close}>{ "Close" }</button>
            </section>
        </div>
    }
}
