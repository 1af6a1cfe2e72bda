//! # kkm-ofd — talking to the fiscal data operator (ОФД)
//!
//! Owns the CPCR client on tokio (connect, send a frame, wait for the answer within the
//! transaction budget, REQNUM and TOKEN handling with the token persisted before the
//! answer is acted on, optional TLS with rustls) and the online / autonomous state
//! machine of one KKM: offline numbering, the persisted queue drained strictly in order,
//! the BLOCKED state and the 72-hour limit. Frames come from `kkm-proto`; persistence
//! goes through a trait implemented by `kkm-store`.
#![forbid(unsafe_code)]
