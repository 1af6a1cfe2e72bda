//! The generator runs. Having an integration test also makes `cargo test --workspace`
//! build the `uniffi-bindgen` binary itself (with the workspace's feature set), which
//! scripts/kotlin-test then uses without another build.

#[test]
fn the_generator_answers_help() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_uniffi-bindgen"))
        .arg("--help")
        .output()
        .expect("run uniffi-bindgen");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("generate"));
}
