//! Keyboard shortcuts: which key does what, and the one document listener
//! that every mode with shortcuts installs ([`use_shortcuts`]).

use gloo_events::{EventListener, EventListenerOptions};
use sim_core::{CpuId, Event, Machine, Model};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

/// The shortcuts, as shown in the help dialog.
pub const SHORTCUTS: [(&str, &str); 11] = [
    (
        "0-9",
        "step that CPU (CPU10 and up: Tab to their Step buttons)",
    ),
    (
        "d",
        "deliver the oldest TLBI in flight to a CPU it has not reached (arm64)",
    ),
    (
        "i",
        "a CPU that owes a handler takes the oldest flush IPI (x86, riscv)",
    ),
    ("Tab", "reach a TLBI's own Deliver buttons, to pick another"),
    ("\u{2190} / \u{2192}", "back / forward"),
    ("Space", "play / pause"),
    (
        "m",
        "next kernel (in Compare: the right side's; not in the lesson, whose story picks it)",
    ),
    ("r", "reset"),
    ("p", "lecture-hall view on or off (not in an embed)"),
    ("?", "show or hide this help"),
    ("Esc", "close this help"),
];

/// What a key asks for. Each mode does what it has (Compare has no Play, for
/// instance) and ignores the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortcut {
    /// Step this CPU.
    Step(CpuId),
    /// Deliver the oldest TLBI in flight ([`oldest_delivery`]).
    Deliver,
    /// Take the oldest flush IPI not yet taken ([`oldest_ipi`]).
    TakeIpi,
    /// One step back.
    Back,
    /// One step forward (redo).
    Forward,
    /// Play or pause.
    TogglePlay,
    /// The next kernel.
    CycleMitigation,
    /// Back to the start.
    Reset,
    /// The lecture-hall view on or off.
    TogglePresent,
    /// Open or close the help.
    ToggleHelp,
}

/// The shortcut for a key press, if the key is one. `key` is
/// `KeyboardEvent.key`. While the help is open only the keys that close it act:
/// nothing happens behind a modal dialog.
pub fn shortcut_for_key(key: &str, help_open: bool) -> Option<Shortcut> {
    if help_open {
        return matches!(key, "?" | "Escape").then_some(Shortcut::ToggleHelp);
    }
    match key {
        "ArrowLeft" => Some(Shortcut::Back),
        "ArrowRight" => Some(Shortcut::Forward),
        " " => Some(Shortcut::TogglePlay),
        "d" | "D" => Some(Shortcut::Deliver),
        "i" | "I" => Some(Shortcut::TakeIpi),
        "m" | "M" => Some(Shortcut::CycleMitigation),
        "r" | "R" => Some(Shortcut::Reset),
        "p" | "P" => Some(Shortcut::TogglePresent),
        "?" => Some(Shortcut::ToggleHelp),
        _ => {
            let mut chars = key.chars();
            let n = chars.next()?.to_digit(10)?;
            chars
                .next()
                .is_none()
                .then_some(Shortcut::Step(CpuId(n as u8)))
        }
    }
}

/// The delivery `d` makes: the oldest TLBI in flight (the model lists
/// deliveries oldest first), to the first CPU it has not reached other than
/// its issuer, where a stale entry may be waiting; to the issuer last.
pub fn oldest_delivery(model: &Model, machine: &Machine) -> Option<Event> {
    pick_delivery(&model.enabled_events(machine))
}

/// [`oldest_delivery`] among `events`, enabled events in the model's order.
pub fn pick_delivery(events: &[Event]) -> Option<Event> {
    let oldest = events.iter().find_map(|e| match e {
        Event::Deliver { tlbi, .. } => Some(*tlbi),
        Event::Step(_) | Event::Ipi { .. } => None,
    })?;
    let to_oldest = |e: &&Event| matches!(e, Event::Deliver { tlbi, .. } if *tlbi == oldest);
    events
        .iter()
        .filter(to_oldest)
        .find(|e| matches!(e, Event::Deliver { to, .. } if *to != oldest.issuer))
        .or_else(|| events.iter().find(to_oldest))
        .copied()
}

/// The flush IPI `i` takes: the first the model lists as enabled (x86 and
/// riscv; none on arm64).
pub fn oldest_ipi(model: &Model, machine: &Machine) -> Option<Event> {
    pick_ipi(&model.enabled_events(machine))
}

/// [`oldest_ipi`] among `events`, enabled events in the model's order.
pub fn pick_ipi(events: &[Event]) -> Option<Event> {
    events
        .iter()
        .find(|e| matches!(e, Event::Ipi { .. }))
        .copied()
}

/// Whether a key press belongs to the element that has focus (typing in a field,
/// pressing a focused button), so the shortcut must not fire as well.
fn key_is_for_focused_element(event: &KeyboardEvent) -> bool {
    let Some(target) = event
        .target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
    else {
        return false;
    };
    let tag = target.tag_name().to_ascii_lowercase();
    match tag.as_str() {
        "input" | "select" | "textarea" => {
            // A range input (the scrubber, the delay) keeps its arrows, but
            // letters and digits are still shortcuts there.
            let range = target.get_attribute("type").as_deref() == Some("range");
            !range || event.key().starts_with("Arrow") || event.key() == " "
        }
        "button" | "a" | "summary" => matches!(event.key().as_str(), " " | "Enter"),
        _ => target.is_content_editable(),
    }
}

/// Installs a document keydown listener while `active`, sending each shortcut
/// to `on_shortcut`. Keys with Ctrl, Alt or Meta, and keys that the focused
/// element takes itself, are left alone.
#[hook]
pub fn use_shortcuts(active: bool, help_open: bool, on_shortcut: Callback<Shortcut>) {
    use_effect_with(
        (active, help_open, on_shortcut),
        move |(active, help_open, on_shortcut)| {
            let (active, help_open, on_shortcut) = (*active, *help_open, on_shortcut.clone());
            let listener = web_sys::window()
                .and_then(|w| w.document())
                .filter(|_| active)
                .map(|doc| {
                    EventListener::new_with_options(
                        &doc,
                        "keydown",
                        // Not passive: a shortcut must stop Space from scrolling the page.
                        EventListenerOptions::enable_prevent_default(),
                        move |e| {
                            let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                                return;
                            };
                            if e.ctrl_key()
                                || e.meta_key()
                                || e.alt_key()
                                || (!help_open && key_is_for_focused_element(e))
                            {
                                return;
                            }
                            if let Some(shortcut) = shortcut_for_key(&e.key(), help_open) {
                                e.prevent_default();
                                on_shortcut.emit(shortcut);
                            }
                        },
                    )
                });
            move || drop(listener)
        },
    );
}
