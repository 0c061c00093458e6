//! Keyboard shortcuts: which key does what.

use sim_core::CpuId;

use crate::state::Action;

/// The shortcuts, as shown in the help dialog.
pub const SHORTCUTS: [(&str, &str); 7] = [
    ("0-7", "step that CPU"),
    ("\u{2190} / \u{2192}", "back / forward"),
    ("Space", "play / pause"),
    ("m", "next mitigation"),
    ("r", "reset"),
    ("?", "show or hide this help"),
    ("Esc", "close this help"),
];

/// The action for a key press, if the key is a shortcut. `key` is
/// `KeyboardEvent.key`.
pub fn action_for_key(key: &str, help_open: bool) -> Option<Action> {
    match key {
        "ArrowLeft" => Some(Action::Back),
        "ArrowRight" => Some(Action::Forward),
        " " => Some(Action::TogglePlay),
        "m" | "M" => Some(Action::CycleMitigation),
        "r" | "R" => Some(Action::Reset),
        "?" => Some(Action::ToggleHelp),
        "Escape" if help_open => Some(Action::ToggleHelp),
        _ => {
            let digit = key.strip_prefix("").filter(|k| k.len() == 1)?;
            let n = digit.chars().next()?.to_digit(10)?;
            (n < 8).then_some(Action::StepCpu(CpuId(n as u8)))
        }
    }
}
