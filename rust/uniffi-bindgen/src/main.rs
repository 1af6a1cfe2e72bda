//! `uniffi-bindgen` — the binding generator of this workspace, pinned to the UniFFI
//! version `kkm-ffi` is built with (bindings and scaffolding must come from the same
//! minor). Kotlin bindings are generated in library mode from the built cdylib:
//!
//! ```sh
//! cargo build -p kkm-ffi
//! cargo run -p uniffi-bindgen -- generate --library target/debug/libkkm_ffi.so \
//!     --language kotlin --no-format --out-dir build/kotlin-bindings
//! ```
//!
//! The package name and cdylib name come from `uniffi.toml` at the workspace root
//! (`--config uniffi.toml`), see `scripts/kotlin-test` and `android/kkm-sdk`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
