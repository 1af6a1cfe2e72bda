//! The journal file encrypted at rest: SQLCipher (SQLite whose every page — tables,
//! indexes, the WAL's frames — is AES-256-CBC encrypted and HMAC-SHA512 authenticated),
//! under a *file key* derived from the platform's data key.
//!
//! * **Key.** The file key is HKDF-SHA-256 of the data key (salt `kkm-store`, info
//!   `journal file sqlcipher v1`), its own label beside the chain key's, handed to
//!   SQLCipher as a raw key (`PRAGMA key = "x'…'"`): the data key is already 256 random
//!   bits, so SQLCipher's password stretching (PBKDF2) is skipped and opening costs
//!   nothing.
//! * **Page crypto.** SQLCipher's per-page AES and HMAC are computed by RustCrypto
//!   ([`crate::page_crypto`]): the same bytes as OpenSSL's, without the context OpenSSL 3
//!   makes and frees for every page.
//! * **Settings.** Every cipher setting is spelled out ([`CipherProfile`]), never left to
//!   the library's defaults: a later SQLCipher that changes a default still opens every
//!   journal. The profile a file was written with is recorded in `meta` (`cipher`); a
//!   future profile is added to [`PROFILES`] and the old ones stay openable.
//! * **Wrong key.** A page that does not authenticate under the key cannot be told from
//!   garbage by SQLite (both are "not a database"). When the first page does not open,
//!   the file's pages are checked one by one (`PRAGMA cipher_integrity_check`): none
//!   authenticates → [`StoreError::CannotDecrypt`] (another installation's key); some do
//!   → [`StoreError::Damaged`] (the file is damaged, the key is right).
//! * **Plaintext journals** (every installation before issue 16) are encrypted at their
//!   first open, after the data key has been checked against them (a journal is never
//!   encrypted under a key that does not open its secrets): `sqlcipher_export` into
//!   `<name>.encrypting` beside it, fsync, rename over the journal, fsync of the
//!   directory. A crash at any point leaves either the old plaintext journal (the
//!   temporary file is discarded and the export redone) or the encrypted one.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OptionalExtension};

use crate::secrets::{sync_dir, KeyProvider, KEY_LEN};
use crate::StoreError;

/// The first 16 bytes of every plaintext SQLite database.
const PLAINTEXT_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The cipher settings a journal file is written with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CipherProfile {
    /// The name recorded in `meta.cipher`.
    pub name: &'static str,
    /// `cipher_page_size`: bytes per encrypted page.
    pub page_size: u32,
    /// `cipher_hmac_algorithm`: the MAC of every page.
    pub hmac_algorithm: &'static str,
    /// `cipher_kdf_algorithm`: derives the page MAC key from the file key (and would
    /// stretch a passphrase; a raw key is not stretched).
    pub kdf_algorithm: &'static str,
    /// `kdf_iter`: PBKDF2 rounds for a passphrase (unused with a raw key, fixed anyway).
    pub kdf_iter: u32,
    /// `cipher_plaintext_header_size`: 0, the whole file is ciphertext (the first 16
    /// bytes are the per-file salt).
    pub plaintext_header_size: u32,
}

/// The profiles this build opens, newest (the one new files get) first.
///
/// * `sqlcipher4-sha256-v2` (new files): AES-256-CBC with a random IV per page write,
///   HMAC-SHA256 per page, 4096-byte pages. SHA-256 is the hash this CPU family runs in
///   hardware (SHA-NI, ARMv8 crypto extensions): here `openssl speed` hashes 4 KB
///   pages with SHA-256 at 2.2× the rate of SHA-512, and the page MAC is most of what
///   encryption costs a read. A 256-bit MAC keeps SQLCipher's 128-bit-plus margin.
/// * `sqlcipher4-v1` (journals encrypted by the first release with encryption):
///   SQLCipher 4's defaults spelled out, HMAC-SHA512. Still opened, never rewritten.
pub const PROFILES: &[CipherProfile] = &[
    CipherProfile {
        name: "sqlcipher4-sha256-v2",
        page_size: 4096,
        hmac_algorithm: "HMAC_SHA256",
        kdf_algorithm: "PBKDF2_HMAC_SHA256",
        kdf_iter: 256_000,
        plaintext_header_size: 0,
    },
    CipherProfile {
        name: "sqlcipher4-v1",
        page_size: 4096,
        hmac_algorithm: "HMAC_SHA512",
        kdf_algorithm: "PBKDF2_HMAC_SHA512",
        kdf_iter: 256_000,
        plaintext_header_size: 0,
    },
];

impl CipherProfile {
    /// Sets the profile on schema `schema` of `conn` (after its key, before any read).
    fn apply(&self, conn: &Connection, schema: &str) -> Result<(), StoreError> {
        let schema = Some(schema);
        conn.pragma_update(schema, "cipher_page_size", self.page_size)?;
        conn.pragma_update(schema, "cipher_use_hmac", "ON")?;
        conn.pragma_update(schema, "cipher_hmac_algorithm", self.hmac_algorithm)?;
        conn.pragma_update(schema, "cipher_kdf_algorithm", self.kdf_algorithm)?;
        conn.pragma_update(schema, "kdf_iter", self.kdf_iter)?;
        conn.pragma_update(
            schema,
            "cipher_plaintext_header_size",
            self.plaintext_header_size,
        )?;
        Ok(())
    }
}

/// The key SQLCipher encrypts the journal file with, derived from the data key.
#[derive(Clone)]
pub(crate) struct FileKey([u8; 32]);

impl FileKey {
    /// HKDF-SHA-256 of the data key with the file key's own label.
    pub(crate) fn derive(data_key: &[u8; KEY_LEN]) -> FileKey {
        FileKey(crate::secrets::derive_key(
            data_key,
            b"journal file sqlcipher v1",
        ))
    }

    /// The raw-key form SQLCipher takes: `x'<64 hex digits>'`.
    fn sql(&self) -> String {
        let hex: String = self.0.iter().map(|b| format!("{b:02x}")).collect();
        format!("x'{hex}'")
    }
}

/// What the file at a path is, from its first bytes.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    /// No file, or an empty one: a new journal.
    Nothing,
    /// A plaintext SQLite database (a journal from before issue 16).
    Plaintext,
    /// Anything else: an encrypted journal, or not a database at all.
    Other,
}

fn found(path: &Path) -> Result<Found, StoreError> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Nothing),
        Err(e) => return Err(damaged(path, format!("cannot read it: {e}"))),
    };
    let mut head = Vec::with_capacity(16);
    file.by_ref()
        .take(16)
        .read_to_end(&mut head)
        .map_err(|e| damaged(path, format!("cannot read it: {e}")))?;
    Ok(if head.is_empty() {
        Found::Nothing
    } else if head == PLAINTEXT_HEADER {
        Found::Plaintext
    } else {
        Found::Other
    })
}

fn damaged(path: &Path, detail: String) -> StoreError {
    StoreError::Damaged {
        path: path.display().to_string(),
        detail,
    }
}

/// Opens the encrypted journal at `path` under `key` (creating it with `profile` when
/// there is no file), encrypting a plaintext journal first (with `profile`) once `check`
/// accepts the data key for it. An existing encrypted file is read with its own
/// profile, whichever it is. Returns the connection and the profile the file is read
/// with.
pub(crate) fn open(
    path: &Path,
    key: &FileKey,
    check: impl FnOnce(&Connection) -> Result<(), StoreError>,
    profile: &'static CipherProfile,
) -> Result<(Connection, &'static CipherProfile), StoreError> {
    discard_unfinished(path)?;
    match found(path)? {
        Found::Nothing => Ok((keyed(path, key, profile)?, profile)),
        Found::Plaintext => {
            encrypt_plaintext(path, key, check, profile)?;
            Ok((keyed(path, key, profile)?, profile))
        }
        Found::Other => open_existing(path, key),
    }
}

/// Opens an existing encrypted file: the first profile under which it reads; when none
/// does, says whether the key is wrong or the file damaged.
fn open_existing(
    path: &Path,
    key: &FileKey,
) -> Result<(Connection, &'static CipherProfile), StoreError> {
    for profile in PROFILES {
        let conn = keyed(path, key, profile)?;
        match conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
            r.get::<_, i64>(0)
        }) {
            Ok(_) => return Ok((conn, profile)),
            Err(e) if not_a_database(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(diagnose(path, key))
}

/// How to open another connection to a store's file, for reading beside the store's
/// own (with the file's key and profile when it is encrypted).
#[derive(Clone)]
pub(crate) struct ReaderSpec {
    path: PathBuf,
    cipher: Option<(FileKey, &'static CipherProfile)>,
}

impl ReaderSpec {
    pub(crate) fn plain(path: &Path) -> Self {
        ReaderSpec {
            path: path.to_owned(),
            cipher: None,
        }
    }

    pub(crate) fn encrypted(path: &Path, key: &FileKey, profile: &'static CipherProfile) -> Self {
        ReaderSpec {
            path: path.to_owned(),
            cipher: Some((key.clone(), profile)),
        }
    }

    /// A read-only connection to the file.
    pub(crate) fn open(&self) -> Result<Connection, StoreError> {
        let conn = match &self.cipher {
            Some((key, profile)) => keyed(&self.path, key, profile)?,
            None => Connection::open(&self.path)?,
        };
        conn.pragma_update(None, "query_only", "ON")?;
        Ok(conn)
    }
}

/// A connection to `path` with the key and profile set (nothing read yet).
fn keyed(path: &Path, key: &FileKey, profile: &CipherProfile) -> Result<Connection, StoreError> {
    crate::page_crypto::install();
    let conn = Connection::open(path)?;
    // SQLCipher would print every page that fails to authenticate to stderr (logcat on
    // Android); the store reports it as a typed error instead. (A process-wide level.)
    conn.pragma_update(None, "cipher_log_level", "NONE")?;
    conn.pragma_update(None, "key", key.sql())?;
    profile.apply(&conn, "main")?;
    Ok(conn)
}

fn not_a_database(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

/// Why a file that does not open under `key` does not: no page authenticates under any
/// profile (the key is another installation's), or some do (the file is damaged).
fn diagnose(path: &Path, key: &FileKey) -> StoreError {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut best: Option<(u64, Vec<String>)> = None;
    for profile in PROFILES {
        let page = u64::from(profile.page_size);
        let pages = size / page;
        let Ok(conn) = keyed(path, key, profile) else {
            continue;
        };
        let failures: Vec<String> =
            match conn
                .prepare("PRAGMA cipher_integrity_check")
                .and_then(|mut s| {
                    s.query_map([], |r| r.get::<_, String>(0))?
                        .collect::<Result<Vec<_>, _>>()
                }) {
                Ok(f) => f,
                Err(_) => continue,
            };
        let failed_pages = failures.iter().filter(|f| f.contains("HMAC")).count() as u64;
        let good = pages.saturating_sub(failed_pages);
        if good > 0 && best.as_ref().is_none_or(|(g, _)| good > *g) {
            best = Some((good, failures));
        }
    }
    match best {
        None if size >= u64::from(PROFILES[0].page_size) => StoreError::CannotDecrypt {
            path: path.display().to_string(),
        },
        None => damaged(
            path,
            format!("{size} bytes: not an SQLite or SQLCipher database"),
        ),
        Some((good, failures)) => damaged(
            path,
            format!(
                "{good} page(s) authenticate under this installation's key, but: {}",
                failures
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ),
    }
}

/// `e`, or when it is SQLite finding a page unreadable (it does not authenticate, or
/// what it holds is not a page), why: [`StoreError::Damaged`] with the pages named.
pub(crate) fn explain(e: StoreError, path: &Path, key: &FileKey) -> StoreError {
    match &e {
        StoreError::Sqlite(sqlite) if not_a_database(sqlite) => diagnose(path, key),
        _ => e,
    }
}

/// The temporary file an interrupted encryption left (and its rollback journal).
fn unfinished(path: &Path) -> [PathBuf; 2] {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".encrypting");
    let tmp = PathBuf::from(tmp);
    let mut journal = tmp.clone().into_os_string();
    journal.push("-journal");
    [tmp, PathBuf::from(journal)]
}

/// Removes what an interrupted encryption left beside the journal: the journal itself
/// is still the plaintext one (the rename is the last step), so it is simply redone.
fn discard_unfinished(path: &Path) -> Result<(), StoreError> {
    for f in unfinished(path) {
        match std::fs::remove_file(&f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(damaged(&f, format!("cannot remove it: {e}"))),
        }
    }
    Ok(())
}

/// Encrypts the plaintext journal at `path` in place, crash-safely (see the module doc).
fn encrypt_plaintext(
    path: &Path,
    key: &FileKey,
    check: impl FnOnce(&Connection) -> Result<(), StoreError>,
    profile: &CipherProfile,
) -> Result<(), StoreError> {
    let [tmp, _] = unfinished(path);
    let tmp_name = tmp
        .to_str()
        .ok_or_else(|| damaged(path, "the path is not UTF-8".into()))?
        .to_owned();
    let io = |e: std::io::Error| damaged(path, format!("while encrypting it: {e}"));
    crate::page_crypto::install();
    let plain = Connection::open(path)?;
    plain.busy_timeout(std::time::Duration::from_secs(5))?;
    check(&plain)?;
    // Fold the WAL into the file and remove it, so that no plaintext WAL is left to be
    // replayed into the encrypted file (fails while another process has it open).
    plain.pragma_update(None, "journal_mode", "DELETE")?;
    let user_version: i64 = plain.pragma_query_value(None, "user_version", |r| r.get(0))?;
    plain.execute(
        "ATTACH DATABASE ?1 AS encrypted KEY ?2",
        [tmp_name, key.sql()],
    )?;
    profile.apply(&plain, "encrypted")?;
    plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
    plain.pragma_update(Some("encrypted"), "user_version", user_version)?;
    plain.execute("DETACH DATABASE encrypted", [])?;
    plain.close().map_err(|(_, e)| e)?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)?;
    sync_dir(path).map_err(io)?;
    Ok(())
}

/// Whether `path` holds a plaintext (unencrypted) SQLite database.
pub fn is_plaintext(path: impl AsRef<Path>) -> Result<bool, StoreError> {
    Ok(found(path.as_ref())? == Found::Plaintext)
}

/// A raw SQL connection to the encrypted journal at `path`, keyed from `keys`: no
/// migration, no key check, no verification. For tools and tests that read or edit
/// the file through SQL (the tamper matrix); the product opens [`crate::Store`].
pub fn open_sql(path: impl AsRef<Path>, keys: &dyn KeyProvider) -> Result<Connection, StoreError> {
    let path = path.as_ref();
    if found(path)? != Found::Other {
        return Err(damaged(path, "not an encrypted journal".into()));
    }
    let (conn, _) = open_existing(path, &FileKey::derive(&keys.data_key()?))?;
    Ok(conn)
}

/// The profile recorded in the file's `meta` table (absent before the first open that
/// encrypted it).
pub(crate) fn recorded(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = 'cipher'", [], |r| {
            r.get::<_, String>(0)
        })
        .optional()?)
}

impl crate::Store {
    /// Checks that every page of the encrypted file authenticates under the key
    /// (SQLCipher's HMAC of each page), so that a damaged or altered page is named even
    /// where no query of the chain reads it (an index, a free page). Returns the pages
    /// checked; [`StoreError::Damaged`] names the bad ones. A store that is not
    /// encrypted (in memory, [`crate::Store::open_unencrypted`]) has nothing to check: 0.
    ///
    /// It reads the whole file: the daemon's `verify` runs it, opening does not (the
    /// chain, checked at every open, is what the fiscal rules ask for).
    pub fn check_pages(&self) -> Result<u64, StoreError> {
        let conn = self.conn();
        if conn
            .pragma_query_value(None, "cipher_version", |r| r.get::<_, String>(0))
            .is_err()
        {
            return Ok(0);
        }
        let Some(path) = conn.path().filter(|p| !p.is_empty()).map(PathBuf::from) else {
            return Ok(0);
        };
        if found(&path)? != Found::Other {
            return Ok(0);
        }
        // Pages still in the WAL are checked as SQLCipher reads them; fold them in first
        // (a passive checkpoint never waits for, nor disturbs, another connection).
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        let failures: Vec<String> = conn
            .prepare("PRAGMA cipher_integrity_check")?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<_, _>>()?;
        if !failures.is_empty() {
            return Err(damaged(&path, failures.join("; ")));
        }
        // SQLCipher answers its settings as text.
        let page_size: String = conn.pragma_query_value(None, "cipher_page_size", |r| r.get(0))?;
        let page_size: u64 = page_size
            .parse()
            .map_err(|_| damaged(&path, format!("cipher page size {page_size:?}")))?;
        let size = std::fs::metadata(&path)
            .map_err(|e| damaged(&path, format!("cannot read it: {e}")))?
            .len();
        Ok(size / page_size.max(1))
    }
}
