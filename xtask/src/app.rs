//! Building the release app into `dist/` with Trunk (configured by the root Trunk.toml).

use crate::cmd::{self, root};
use crate::Result;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where Trunk writes the app (Trunk.toml `dist`).
pub fn dist() -> PathBuf {
    root().join("dist")
}

/// Builds the release app with `trunk build --release --offline`. Needs the tools from
/// [`crate::tools::ensure_build_tools`], which returns `trunk`.
pub fn build(trunk: &Path) -> Result<()> {
    // Offline Trunk passes --offline to cargo too, so fetch the crates first; on a
    // fresh clone nothing else would download the frontend's wasm-only dependencies.
    cmd::run(cmd::cargo().args(["fetch", "--quiet"]))?;
    let mut build = Command::new(trunk);
    build
        .args(["build", "--release", "--offline"])
        .current_dir(root());
    println!("$ {}", cmd::describe(&build));
    cmd::run(&mut build)
}
