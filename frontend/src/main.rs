//! Entry point of the light build, the one a first visit downloads (see
//! `builds.rs`).

fn main() {
    frontend::start(None);
}
