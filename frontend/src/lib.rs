//! tlbrace's web app: a thin Yew view over sim-core. It shows the machine, lets the
//! user choose events, and never decides a rule of the model itself.

pub mod app;
pub mod browser;
pub mod capabilities;
pub mod components;
pub mod context;
pub mod explorer_worker;
pub mod keyboard;
pub mod panic;
pub mod route;
pub mod state;
pub mod teach;
pub mod view;

pub use app::App;

/// Installs the panic hook and mounts the app on the page's `#app` element
/// with what this build can do (main.rs: the light build; bin/full.rs: the full one).
pub fn start(caps: capabilities::Capabilities) {
    panic::install();
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    let props = app::AppProps { caps };
    let handle = match root {
        Some(root) => {
            // Drop the "Loading" placeholder the static page shows until now.
            root.set_inner_html("");
            yew::Renderer::<App>::with_root_and_props(root, props).render()
        }
        None => yew::Renderer::<App>::with_props(props).render(),
    };
    capabilities::keep_unmount(Box::new(move || handle.destroy()));
}
