//! # kkm-ffi — the Kotlin face of the register
//!
//! Owns the UniFFI facade over `kkm-register`, `kkm-print` and `kkm-scan`, designed for
//! Kotlin callers: a `Register` object, the basket as a value type, frame decoding,
//! printer discovery and printing, a sync-status callback and one typed error enum that
//! carries the seed's code. Blocking calls only (the Kotlin layer wraps them in
//! `suspend` functions). On Android it also routes logs to logcat and initialises the
//! BLE backend from `JNI_OnLoad`.
#![forbid(unsafe_code)]
