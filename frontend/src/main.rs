//! Entry point of the light build, the one a first visit downloads (see
//! `capabilities.rs`).

fn main() {
    frontend::start(frontend::capabilities::Capabilities::LIGHT);
}
