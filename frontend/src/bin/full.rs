//! Entry point of the full build (Trunk builds it as `full.js` and
//! `full_bg.wasm`; `static/boot.js` loads it only when needed).

fn main() {
    frontend::start(frontend::capabilities::Capabilities::full(
        &frontend::teach::FULL,
    ));
}
