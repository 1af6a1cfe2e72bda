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
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
