//! # kkm-store — everything the register must never lose
//!
//! Owns all SQL of the product (SQLite via rusqlite, bundled; WAL; `synchronous=FULL`):
//! the fiscal journal with its SHA-256 hash chain and per-shift digests, the shift
//! counters written in the same transaction as the document that changes them,
//! idempotency keys, the persisted FIFO offline queue and the per-KKM sync state (token,
//! REQNUM, autonomous period, block). It verifies the chain at start and blocks a KKM
//! whose journal was altered (local state ValuesConflict, the seed's error 68).
//!
//! The store knows no domain types: a document is its kind, operator, time, total,
//! shift number, a canonical payload (the register passes canonical JSON) and the CPCR
//! request to send, if any; counters are an opaque blob (the register's serialized
//! `kkm_core::ShiftBook`). The register composes it with kkm-core and kkm-ofd.
//!
//! ## The chain
//!
//! Each KKM has its own chain. A record's hash is
//! `SHA-256(prev_hash ‖ at ‖ total ‖ kind ‖ operator ‖ kkm ‖ shift ‖ offline_number ‖
//! len(payload) ‖ payload)` with integers little-endian and `prev_hash` 32 zero bytes for
//! the first record. The OFD's answer (fiscal sign) arrives later and is not hashed.
//!
//! A shift's digest runs along its records: `d₀ = SHA-256("kkm-shift" ‖ kkm ‖ shift)`,
//! `dᵢ = SHA-256(dᵢ₋₁ ‖ hashᵢ)`. The Z-report's `checksum` is the digest of the records
//! before it ([`Store::shift_digest`]), stored on the Z record and re-derived by
//! [`Store::verify`].
//!
//! ## Sharing
//!
//! One [`Store`] holds one connection behind a mutex; every method is one transaction.
//! Call it from async code through `spawn_blocking` (a fiscal commit is an fsync).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod journal;
mod schema;
mod sync;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

pub use journal::{Appended, DocumentKind, NewDocument, Record, VerifyReport};
pub use sync::{QueuedRow, SyncState};

/// The seed's error code for a journal that does not verify (`ValuesConflict`).
pub const VALUES_CONFLICT_CODE: u16 = 68;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed (disk, corruption, locking).
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The journal does not verify: the KKM is blocked (local state ValuesConflict, 68).
    #[error("journal of KKM {kkm_id} does not verify at record {record}: {reason} (error 68: the KKM is blocked)")]
    Tampered {
        /// The KKM.
        kkm_id: u32,
        /// The first bad record's id.
        record: i64,
        /// What does not match.
        reason: String,
    },
    /// The KKM is not registered in this store.
    #[error("KKM {0} is not registered")]
    UnknownKkm(u32),
    /// A stored value is not what this version writes (e.g. a hash of the wrong size).
    #[error("stored data is malformed: {0}")]
    Malformed(String),
    /// The database was written by a newer version of the program.
    #[error("database schema version {found} is newer than this program's {supported}")]
    TooNew {
        /// Version found in the file.
        found: i64,
        /// Newest version this program knows.
        supported: i64,
    },
}

impl StoreError {
    /// The seed's error code for this failure (68 for a broken journal, 19 `db_error`
    /// otherwise).
    pub fn code(&self) -> u16 {
        match self {
            StoreError::Tampered { .. } => VALUES_CONFLICT_CODE,
            _ => 19,
        }
    }
}

/// The journal of one or more KKMs in one SQLite file.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens (creating if needed) the store at `path` and migrates its schema.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        Store::with_connection(conn)
    }

    /// A store in memory (tests and tools; nothing survives the process).
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Store::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(mut conn: Connection) -> Result<Store, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        schema::migrate(&mut conn)?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a KKM (idempotent): its OFD token and initial counters blob.
    pub fn add_kkm(&self, kkm_id: u32, token: u32, counters: &[u8]) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO kkm (kkm_id, token, reqnum, counters) VALUES (?1, ?2, 0, ?3)
             ON CONFLICT (kkm_id) DO NOTHING",
            rusqlite::params![kkm_id, token, counters],
        )?;
        Ok(())
    }

    /// The KKM's current counters blob.
    pub fn counters(&self, kkm_id: u32) -> Result<Vec<u8>, StoreError> {
        let conn = self.conn();
        conn.query_row(
            "SELECT counters FROM kkm WHERE kkm_id = ?1",
            [kkm_id],
            |row| row.get(0),
        )
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => StoreError::UnknownKkm(kkm_id),
            e => e.into(),
        })
    }
}

#[cfg(test)]
mod tests;
