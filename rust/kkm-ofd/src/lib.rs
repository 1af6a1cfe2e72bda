//! # kkm-ofd — talking to the fiscal data operator (ОФД)
//!
//! Owns the CPCR client on tokio and (with the sync engine) the online / autonomous
//! state machine of one KKM. Frames come from `kkm-proto`; persistence goes through
//! traits that the journal implements, so this crate has no SQL and no domain rules.
//!
//! * [`client`] — one exchange with the OFD as the protocol's normal mode prescribes:
//!   the request goes out with the KKM's ID, TOKEN and REQNUM; if the connection
//!   breaks, or the OFD answers `SERVICE_TEMPORARILY_UNAVAILABLE` (254) or
//!   `UNKNOWN_ERROR` (255), the client reconnects and resends with the *same* TOKEN and
//!   REQNUM (so the OFD recognises a retry and never fiscalizes twice) until the
//!   transaction budget (5 s by default) runs out; then the connection is dropped and
//!   the caller goes autonomous. Answers whose REQNUM is not the request's (a late
//!   answer to an earlier request) are discarded. TLS (rustls) is an option per
//!   endpoint; plain TCP serves the emulator.
//! * [`engine`] — the online / autonomous state machine over a persisted queue
//!   ([`OfdJournal`] is the persistence it needs, implemented over the journal):
//!   journal first, REQNUM reserved per document, strict FIFO drain with backoff, the
//!   offline period reported, BLOCKED on refusals, the 72-hour limit.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
pub mod engine;

pub use client::{ClientConfig, Credentials, Endpoint, ExchangeError, OfdClient};
pub use engine::{
    Backoff, BlockedBy, Delivery, EngineError, OfdJournal, QueuedDocument, SyncEngine, SyncMode,
    SyncStatus, MAX_AUTONOMOUS_SECS,
};
