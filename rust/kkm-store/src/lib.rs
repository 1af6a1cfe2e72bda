//! # kkm-store — everything the register must never lose
//!
//! Owns all SQL of the product (SQLite via rusqlite, bundled, WAL, `synchronous=FULL`
//! for fiscal writes): KKMs and their registration data, operators with salted slow PIN
//! hashes, the fiscal journal with its SHA-256 hash chain and per-shift digests, the
//! per-shift counters written in the same transaction as the document that changes
//! them, the persisted FIFO offline queue, idempotency keys, the product catalogue,
//! settings and AES-GCM encrypted secrets. It also verifies the chain at start and
//! exports the journal (JSON lines, CSV) and the catalogue (Alsep CSV).
#![forbid(unsafe_code)]
