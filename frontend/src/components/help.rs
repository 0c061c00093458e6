//! The keyboard shortcut help.

use yew::prelude::*;

use crate::keyboard::SHORTCUTS;
use crate::state::Action;
use crate::view::View;

/// Props of the help dialog.
#[derive(Properties, PartialEq)]
pub struct HelpProps {
    /// State and dispatcher.
    pub view: View,
}

/// A dialog listing the shortcuts, shown while `show_help` is set.
#[component]
pub fn ShortcutHelp(props: &HelpProps) -> Html {
    if !props.view.state.show_help {
        return html! {};
    }
    html! {
        <div class="dialog-backdrop">
            <section class="dialog" role="dialog" aria-modal="true" aria-labelledby="help-title">
                <h2 id="help-title">{ "Keyboard shortcuts" }</h2>
                <dl>
                    { for SHORTCUTS.iter().map(|(key, what)| html! {
                        <><dt><kbd>{ *key }</kbd></dt><dd>{ *what }</dd></>
                    }) }
                </dl>
                <button onclick={props.view.send(Action::ToggleHelp)} autofocus=true>{ "Close" }</button>
            </section>
        </div>
    }
}
