//! Helpers shared by the integration tests.
#![allow(dead_code)]

use sha2::{Digest, Sha256};

/// SHA-256 over width, height and the packed 1-bit rows: the "pixel hash".
pub fn pixel_hash(bmp: &kkm_print::Bitmap) -> String {
    let mut h = Sha256::new();
    h.update(bmp.width().to_le_bytes());
    h.update(bmp.height().to_le_bytes());
    h.update(bmp.data());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// `<workspace>/tests/golden`, where PNGs are kept for people to look at.
pub fn workspace_golden_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden")
}

/// A fresh temporary path (no extra crate needed).
pub fn temp_path(name: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    std::env::temp_dir().join(format!(
        "kkm-printer-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}
