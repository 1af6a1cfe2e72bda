//! Generates the CPCR message types from `proto/cpcr/*.proto` at the workspace root.
//! protox parses the files in pure Rust, so no system `protoc` is needed.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    let files = ["cpcr/message.proto"];
    println!("cargo:rerun-if-changed={}", root.join("cpcr").display());
    let fds = protox::compile(files, [&root])?;
    prost_build::Config::new().compile_fds(fds)?;
    Ok(())
}
