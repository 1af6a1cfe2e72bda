//! # kkm-store — everything the register must never lose
//!
//! Owns all SQL of the product (SQLCipher via rusqlite, bundled with a vendored
//! OpenSSL; WAL; `synchronous=FULL`; the whole file encrypted at rest, see [`cipher`]):
//! the fiscal journal with its SHA-256 hash chain and per-shift digests, the shift
//! counters written in the same transaction as the document that changes them,
//! idempotency keys, the persisted FIFO offline queue and the per-KKM sync state (token,
//! REQNUM, autonomous period, block). It verifies every chain when it opens and blocks a
//! KKM whose journal was altered (local state ValuesConflict, the seed's error 68).
//!
//! The store knows no domain types: a document is its kind, operator, time, total,
//! shift number, a canonical payload (the register passes canonical JSON) and the CPCR
//! request to send, if any; counters are an opaque blob (the register's serialized
//! `kkm_core::ShiftBook`). The register composes it with kkm-core and kkm-ofd.
//!
//! ## The chain
//!
//! Each KKM has its own chain, keyed (version 2, see [`chain`]): every record's hash is
//! an HMAC-SHA-256 under a key derived from the data key, over its predecessor's, its
//! id and every column written at append (the CPCR request, the parent, the counters
//! digest included). What happens later — the OFD's answer (fiscal sign, QR, answer
//! bytes), a document going autonomous, a new token, the start or end of an autonomous
//! period — is a chained *fact* (table `fact`), never an unrecorded UPDATE: the columns
//! of the journal and the `kkm` row that repeat them are checked against the facts, and
//! the `kkm` row's state against its keyed head. Whoever can write the file but has not
//! the key cannot rewrite, remove, reorder or add a record without [`Store::verify`]
//! naming it.
//!
//! Journals written before the keyed chain (version 1: plain SHA-256 over the record's
//! fields, `prev_hash ‖ at ‖ total ‖ kind ‖ operator ‖ kkm ‖ shift ‖ offline_number ‖
//! len(payload) ‖ payload`) stay readable: the first open with the key verifies them as
//! version 1 and records the upgrade point in each KKM's genesis fact (the last
//! version-1 record, their count, a digest of the columns their hash did not cover, and
//! one fact per answer they already had); records after it are keyed.
//!
//! A shift's digest runs along its records: `d₀ = SHA-256("kkm-shift" ‖ kkm ‖ shift)`,
//! `dᵢ = SHA-256(dᵢ₋₁ ‖ hashᵢ)`. The Z-report's `checksum` is the digest of the records
//! before it ([`Store::shift_digest`]), stored on the Z record and re-derived by
//! [`Store::verify`].
//!
//! ## Reading for people
//!
//! [`Store::records_newest_first`] pages through a period newest first (the web console's
//! journal); the summary tables ([`Store::summarise`], [`Store::summary_hours`]) hold
//! hourly sales totals derived from the journal for the console's analytics.
//!
//! ## The print queue
//!
//! Print jobs (one per document, printer and copy) are rows of `print_job`, written by
//! [`Store::append_printing`] in the document's own transaction, so a crash never
//! keeps a printable document without its job; the register's print workers move
//! them through waiting → printing → printed / failed (see [`PrintJobState`]).
//!
//! ## At rest
//!
//! The file is SQLCipher's (every page of it and of its WAL encrypted and
//! authenticated) under a key derived from the platform's data key with its own label;
//! a plaintext journal of an older release is encrypted at its first open, crash-safely,
//! once the key is checked against it. Another key is refused as
//! [`StoreError::CannotDecrypt`], a damaged file as [`StoreError::Damaged`] (the pages
//! named; [`Store::check_pages`] checks every page). See [`cipher`].
//!
//! ## Secrets
//!
//! The data key comes from a [`KeyProvider`] (a 0600 key file on desktop, a
//! Keystore-unwrapped key on Android); under it the OFD token is also sealed with
//! AES-256-GCM (a value that stays sealed when a row is read); see [`secrets`].
//!
//! ## Durability
//!
//! Every commit is fsynced (`synchronous=FULL`) but two whose loss a restart repairs by
//! itself ([`Durability::Deferred`]): an OFD answer the OFD would replay under the same
//! REQNUM and token ([`Store::complete_with`]), and the release of a document's held
//! print jobs ([`Store::release_print_jobs`]; every held job is released at start). A
//! killed process keeps them; a power cut may drop them, until the next synced commit —
//! and every REQNUM is given in one, before it is sent.
//!
//! ## Sharing
//!
//! One [`Store`] holds one connection behind a mutex; every method is one transaction.
//! Call it from async code through `spawn_blocking` (a fiscal commit is an fsync).
// The one exception is `page_crypto`, SQLCipher's page crypto behind its C interface.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod browse;
pub mod catalogue;
pub mod chain;
pub mod cipher;
mod export;
mod facts;
mod journal;
mod listing;
mod operators;
#[allow(unsafe_code)]
pub mod page_crypto;
mod print_queue;
mod schema;
pub mod secrets;
mod summary;
mod sync;
mod verify;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

pub use browse::PageCursor;
pub use catalogue::{Bundle, CsvProblem, Product};
pub use export::ExportFormat;
pub use journal::{Appended, DocumentKind, NewDocument, Record, VerifyReport};
pub use listing::RecordFilter;
pub use operators::{OperatorInput, OperatorRow, DEFAULT_ADMIN_PIN};
pub use print_queue::{NewPrintJob, PrintCopy, PrintJobRow, PrintJobState, PrintNext, HELD};
pub use secrets::{KeyFile, KeyProvider, StaticKey};
pub use summary::{ReceiptFacts, SectionRow, SummaryRow, HOUR_SECS};
pub use sync::{Durability, QueuedRow, Recount, SyncState};

use secrets::Sealer;

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
    /// The data key could not be had (key file unreadable, wrong size…).
    #[error("data key: {0}")]
    Key(String),
    /// The journal file is encrypted under another key: no page of it authenticates
    /// under this installation's (another installation's file, or another key file).
    #[error("the journal {path} cannot be decrypted with this installation's key (it was encrypted under another data key: another installation's file or key file?)")]
    CannotDecrypt {
        /// The journal file.
        path: String,
    },
    /// The journal file is not a readable database: not SQLite nor SQLCipher, or pages
    /// of it damaged (some pages authenticate under the key, so the key is right).
    #[error("the journal {path} is damaged: {detail}")]
    Damaged {
        /// The file.
        path: String,
        /// What was found.
        detail: String,
    },
    /// The data key does not open this store's secrets: it is not the key they were
    /// sealed with (or they were altered).
    #[error("the data key does not match this store (wrong key or altered secrets)")]
    WrongKey,
    /// The PIN is another operator's (seed error 12, `access_code_already_used`).
    #[error("this PIN is already used by another operator")]
    PinInUse,
    /// An imported CSV has bad cells: every one, with line and column.
    #[error("the CSV has {} problem(s): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Csv(Vec<CsvProblem>),
    /// No operator with this id.
    #[error("operator {0} does not exist")]
    UnknownOperator(i64),
    /// The database was written by a newer version of the program.
    #[error("database schema version {found} is newer than this program's {supported}")]
    TooNew {
        /// Version found in the file.
        found: i64,
        /// Newest version this program knows.
        supported: i64,
    },
}

/// Whether the data key opens the secrets of a plaintext journal (checked before it is
/// encrypted under a key derived from it): a journal with no key check yet (no schema,
/// or never opened to the end) has nothing sealed and takes any key.
fn key_opens(conn: &Connection, sealer: &Sealer) -> Result<(), StoreError> {
    let has_meta: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta')",
        [],
        |r| r.get(0),
    )?;
    if !has_meta {
        return Ok(());
    }
    let check: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE key = 'key_check'", [], |r| {
            r.get(0)
        })
        .optional()?;
    match check {
        None => Ok(()),
        Some(sealed) => {
            let plain = sealer
                .open(KEY_CHECK_V2, &sealed)
                .or_else(|_| sealer.open(b"key_check", &sealed))?;
            if plain == KEY_CHECK {
                Ok(())
            } else {
                Err(StoreError::WrongKey)
            }
        }
    }
}

impl StoreError {
    /// The seed's error code for this failure (68 for a broken journal, 12 for a PIN in
    /// use, 15 for an unknown operator, 2 for a bad CSV, 19 `db_error` otherwise).
    pub fn code(&self) -> u16 {
        match self {
            StoreError::Tampered { .. } => VALUES_CONFLICT_CODE,
            StoreError::Csv(_) => 2,
            StoreError::PinInUse => 12,
            StoreError::UnknownOperator(_) => 15,
            _ => 19,
        }
    }
}

/// What [`Store::save_kkm`] writes.
#[derive(Clone, Copy, Debug)]
pub struct KkmSave<'a> {
    /// The KKM.
    pub kkm_id: u32,
    /// A KKM new to the store: its OFD token and initial counters blob.
    pub add: Option<(u32, &'a [u8])>,
    /// A new OFD token of a known KKM.
    pub token: Option<u32>,
    /// A new KKM's REQNUM (the last one used).
    pub reqnum: u16,
    /// The registration JSON.
    pub registration: &'a str,
}

/// The journal of one or more KKMs in one SQLite file.
pub struct Store {
    conn: Mutex<Connection>,
    sealer: Sealer,
    chain: chain::ChainKey,
    /// How to open a second connection to the same file (none in memory): the
    /// verification of all KKMs reads half the journal through it, on a second thread.
    reader: Option<cipher::ReaderSpec>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

const KEY_CHECK: &[u8] = b"kkm-store key check";
/// The purpose the key check is sealed for in a store with the keyed chain; a store
/// whose check is sealed for the old purpose (`key_check`) has a version-1 chain and is
/// upgraded when it opens. Without the key nobody can seal the old purpose again, so a
/// keyed store cannot be passed off as an old one.
const KEY_CHECK_V2: &[u8] = b"key_check:chain2";

impl Store {
    /// Opens (creating if needed) the store at `path`, encrypted at rest under a key
    /// derived from `keys`' data key (see [`cipher`]; a plaintext journal of an older
    /// release is encrypted first), migrates its schema, and checks that the data key
    /// is the one its secrets were sealed with ([`StoreError::CannotDecrypt`] for an
    /// encrypted file under another key, [`StoreError::WrongKey`] for the secrets).
    pub fn open(path: impl AsRef<Path>, keys: &dyn KeyProvider) -> Result<Store, StoreError> {
        Store::open_with_cipher(path, keys, &cipher::PROFILES[0])
    }

    /// [`Store::open`], but a file it creates or encrypts is written with `profile`
    /// instead of the newest one: how the journal benchmark and the tests make a journal
    /// of an older release. An existing encrypted file is read with its own profile
    /// either way.
    pub fn open_with_cipher(
        path: impl AsRef<Path>,
        keys: &dyn KeyProvider,
        profile: &'static cipher::CipherProfile,
    ) -> Result<Store, StoreError> {
        let data_key = keys.data_key()?;
        let sealer = Sealer::new(data_key);
        let file_key = cipher::FileKey::derive(&data_key);
        let (conn, profile) = cipher::open(
            path.as_ref(),
            &file_key,
            |plain| key_opens(plain, &sealer),
            profile,
        )?;
        let reader = cipher::ReaderSpec::encrypted(path.as_ref(), &file_key, profile);
        Store::with_connection(conn, data_key, Some(profile), Some(reader))
            .map_err(|e| cipher::explain(e, path.as_ref(), &file_key))
    }

    /// Opens a store whose file is **not** encrypted: the format of journals before
    /// issue 16, kept as the baseline the journal benchmark measures encryption
    /// against. The product never calls it; an encrypted file does not open with it.
    pub fn open_unencrypted(
        path: impl AsRef<Path>,
        keys: &dyn KeyProvider,
    ) -> Result<Store, StoreError> {
        let conn = Connection::open(path.as_ref())?;
        let reader = cipher::ReaderSpec::plain(path.as_ref());
        Store::with_connection(conn, keys.data_key()?, None, Some(reader))
    }

    /// A store in memory (tests and tools; nothing survives the process, nothing is
    /// at rest to encrypt).
    pub fn open_in_memory(keys: &dyn KeyProvider) -> Result<Store, StoreError> {
        Store::with_connection(Connection::open_in_memory()?, keys.data_key()?, None, None)
    }

    fn with_connection(
        mut conn: Connection,
        data_key: [u8; secrets::KEY_LEN],
        cipher: Option<&cipher::CipherProfile>,
        reader: Option<cipher::ReaderSpec>,
    ) -> Result<Store, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        schema::migrate(&mut conn)?;
        if let Some(profile) = cipher {
            if cipher::recorded(&conn)?.as_deref() != Some(profile.name) {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('cipher', ?1)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [profile.name],
                )?;
            }
        }
        let sealer = Sealer::new(data_key);
        let chain = chain::ChainKey::derive(&data_key);
        let check: Option<Vec<u8>> = conn
            .query_row("SELECT value FROM meta WHERE key = 'key_check'", [], |r| {
                r.get(0)
            })
            .optional()?;
        let new_check = || sealer.seal(KEY_CHECK_V2, KEY_CHECK);
        match check {
            Some(sealed) => match sealer.open(KEY_CHECK_V2, &sealed) {
                Ok(plain) if plain == KEY_CHECK => {}
                Ok(_) => return Err(StoreError::WrongKey),
                Err(_) => {
                    // Not keyed yet: a version-1 store (its check opens for the old
                    // purpose), upgraded in one transaction; or another key.
                    if sealer.open(b"key_check", &sealed)? != KEY_CHECK {
                        return Err(StoreError::WrongKey);
                    }
                    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                    facts::upgrade_v1(&tx, &chain)?;
                    tx.execute(
                        "UPDATE meta SET value = ?1 WHERE key = 'key_check'",
                        [new_check()?],
                    )?;
                    tx.commit()?;
                }
            },
            None => {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('key_check', ?1)",
                    [new_check()?],
                )?;
            }
        }
        let store = Store {
            conn: Mutex::new(conn),
            sealer,
            chain,
            reader,
        };
        store.verify_all()?;
        Ok(store)
    }

    /// Verifies every KKM's chain (done at every open), all KKMs' records read in one
    /// pass over the journal. A KKM whose journal does not verify is put in local state
    /// ValuesConflict with the bad record named (see [`Store::sync_state`]); the store
    /// itself still opens so an admin can see why. Returns the KKMs that failed.
    pub fn verify_all(&self) -> Result<Vec<u32>, StoreError> {
        let kkms = self.kkm_ids()?;
        let conn = self.conn();
        let outcomes = crate::verify::walk_all(&conn, &self.chain, &kkms, self.reader.as_ref())?;
        let mut failed = Vec::new();
        for (kkm_id, outcome) in kkms.into_iter().zip(outcomes) {
            match outcome {
                Ok(_) => {}
                Err(StoreError::Tampered { record, reason, .. }) => {
                    journal::mark_conflict(&conn, kkm_id, record, &reason)?;
                    failed.push(kkm_id);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(failed)
    }

    pub(crate) fn seal_token(&self, kkm_id: u32, token: u32) -> Result<Vec<u8>, StoreError> {
        self.sealer
            .seal(format!("token:{kkm_id}").as_bytes(), &token.to_le_bytes())
    }

    pub(crate) fn open_token(&self, kkm_id: u32, sealed: &[u8]) -> Result<u32, StoreError> {
        let plain = self
            .sealer
            .open(format!("token:{kkm_id}").as_bytes(), sealed)?;
        let bytes = <[u8; 4]>::try_from(plain.as_slice()).map_err(|_| StoreError::WrongKey)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a KKM (idempotent): its OFD token (stored sealed) and initial counters
    /// blob, with the genesis of its keyed chain, in one transaction.
    pub fn add_kkm(&self, kkm_id: u32, token: u32, counters: &[u8]) -> Result<(), StoreError> {
        let sealed = self.seal_token(kkm_id, token)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let added = tx.execute(
            "INSERT INTO kkm (kkm_id, token, reqnum, counters) VALUES (?1, ?2, 0, ?3)
             ON CONFLICT (kkm_id) DO NOTHING",
            rusqlite::params![kkm_id, sealed, counters],
        )?;
        if added > 0 {
            facts::genesis_of_new(&tx, &self.chain, kkm_id)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// What SaveKKM changes of a KKM, in one transaction: a new KKM (`add`: its token
    /// and initial counters, the genesis of its chain, REQNUM `reqnum` — the one its
    /// registration request used) or a new token of a known one, and its registration
    /// JSON. A crash leaves all of it or none: never a KKM without its settings.
    pub fn save_kkm(&self, save: &KkmSave<'_>) -> Result<(), StoreError> {
        let sealed = match (save.add, save.token) {
            (Some((token, _)), _) | (None, Some(token)) => {
                Some(self.seal_token(save.kkm_id, token)?)
            }
            (None, None) => None,
        };
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        match (save.add, sealed) {
            (Some((_, counters)), Some(sealed)) => {
                let added = tx.execute(
                    "INSERT INTO kkm (kkm_id, token, reqnum, counters) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (kkm_id) DO NOTHING",
                    rusqlite::params![save.kkm_id, sealed, save.reqnum, counters],
                )?;
                if added > 0 {
                    facts::genesis_of_new(&tx, &self.chain, save.kkm_id)?;
                }
            }
            (None, Some(sealed)) => sync::save_token_in(&tx, &self.chain, save.kkm_id, sealed)?,
            _ => {}
        }
        if tx.execute(
            "UPDATE kkm SET registration = ?2 WHERE kkm_id = ?1",
            rusqlite::params![save.kkm_id, save.registration],
        )? == 0
        {
            return Err(StoreError::UnknownKkm(save.kkm_id));
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores the KKM's registration data (the register's JSON: org, POS, РНМ, ЗНМ…).
    pub fn set_registration(&self, kkm_id: u32, json: &str) -> Result<(), StoreError> {
        let conn = self.conn();
        match conn.execute(
            "UPDATE kkm SET registration = ?2 WHERE kkm_id = ?1",
            rusqlite::params![kkm_id, json],
        )? {
            0 => Err(StoreError::UnknownKkm(kkm_id)),
            _ => Ok(()),
        }
    }

    /// The KKM's registration data, if stored.
    pub fn registration(&self, kkm_id: u32) -> Result<Option<String>, StoreError> {
        let conn = self.conn();
        conn.query_row(
            "SELECT registration FROM kkm WHERE kkm_id = ?1",
            [kkm_id],
            |row| row.get(0),
        )
        .optional()?
        .ok_or(StoreError::UnknownKkm(kkm_id))
    }

    /// The registered KKMs.
    pub fn kkm_ids(&self) -> Result<Vec<u32>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT kkm_id FROM kkm ORDER BY kkm_id")?;
        let ids = stmt.query_map([], |row| row.get(0))?;
        ids.collect::<Result<Vec<u32>, _>>().map_err(Into::into)
    }

    /// Sets a setting (e.g. `listen`, the factory number given by GetVendorId).
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO setting (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            rusqlite::params![key, value],
        )?;
        Ok(())
    }

    /// A setting's value.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let conn = self.conn();
        conn.query_row("SELECT value FROM setting WHERE key = ?1", [key], |row| {
            row.get(0)
        })
        .optional()
        .map_err(Into::into)
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
