//! Entry point of the web app (built by Trunk).

fn main() {
    frontend::start();
}
