//! tlbrace's web app: a thin Yew view over sim-core. It shows the machine, lets the
//! user choose events, and never decides a rule of the model itself.

pub mod app;
pub mod browser;
pub mod builds;
pub mod components;
pub mod explorer_worker;
pub mod keyboard;
pub mod panic;
pub mod state;
pub mod teach;
pub mod view;

pub use app::App;

/// Installs the panic hook and mounts the app on the page's `#app` element;
/// `full` is the full build's parts, `None` in the light build.
pub fn start(full: Option<&'static builds::FullBuild>) {
    panic::install();
    builds::install(full);
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => {
            // Drop the "Loading" placeholder the static page shows until now.
            root.set_inner_html("");
            builds::keep_app(yew::Renderer::<App>::with_root(root).render());
        }
        None => {
            builds::keep_app(yew::Renderer::<App>::new().render());
        }
    }
}
