//! # kkm-register — the application service
//!
//! Owns the use cases of the register: one `Register` per KKM and a `Registry` of them,
//! composing `kkm-core` (rules), `kkm-store` (journal), `kkm-ofd` (fiscalization) and
//! `kkm-print` (documents). Every operation is authorised by operator and role,
//! idempotent by key, serialised per KKM and parallel across KKMs. It is the only API
//! that the desktop daemon and the Kotlin FFI call; they stay thin adapters over it.
//!
//! [`api`] is the E-Kassa CashCore HTTP JSON API as Rust types (requests, responses,
//! the `response_code`/`response_data` envelope), exactly as the seed document
//! specifies it: what the Register's operations take and return.
//!
//! [`journal`] adapts the SQLite journal (`kkm-store`) to the OFD sync engine's
//! persistence port (`kkm_ofd::OfdJournal`): the engine's queue, REQNUM, token, block
//! and autonomous period live in the same file as the documents.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
pub mod journal;

pub use journal::StoreJournal;
