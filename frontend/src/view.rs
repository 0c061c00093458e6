//! What every component receives: the current state, shared, and a way to act.

use std::rc::Rc;

use yew::Callback;

use crate::state::{Action, AppState};

/// A shared view of the state plus the dispatcher. Compared by pointer, so a
/// component re-renders whenever the app produced a new state.
#[derive(Clone, Debug)]
pub struct View {
    /// The state to show.
    pub state: Rc<AppState>,
    /// Sends an action to the reducer.
    pub dispatch: Callback<Action>,
}

impl PartialEq for View {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.state, &other.state) && self.dispatch == other.dispatch
    }
}

impl View {
    /// A view that ignores actions (for tests and static renders).
    pub fn read_only(state: AppState) -> View {
        View {
            state: Rc::new(state),
            dispatch: Callback::noop(),
        }
    }

    /// A callback that sends `action`, ignoring its argument.
    pub fn send<T>(&self, action: Action) -> Callback<T> {
        let dispatch = self.dispatch.clone();
        Callback::from(move |_| dispatch.emit(action.clone()))
    }
}

/// `n` tenths as a decimal with one digit and a unit, e.g. `tenths(9, " s")` is
/// `0.9 s`. Integer formatting on purpose: float formatting would pull about 10 KB
/// of code into the wasm for two labels.
pub fn tenths(n: u32, unit: &str) -> String {
    format!("{}.{}{unit}", n / 10, n % 10)
}

/// A narrative's notes for the page: joined, without the `**` that marks a
/// violation in the plain-text ladder (the page marks it with a class instead).
pub fn notes_text(notes: &[String]) -> String {
    notes.join("; ").replace("**", "")
}
