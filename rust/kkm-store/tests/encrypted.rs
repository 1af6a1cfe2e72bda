//! The journal at rest: what is on disk (the file and its WAL) is ciphertext; another
//! key is refused as such and a damaged file as damaged; a plaintext journal is
//! encrypted at its first open whatever moment an earlier attempt was killed at; the
//! journal's export and `verify` work on the encrypted file.

use std::path::{Path, PathBuf};

use kkm_store::{cipher, DocumentKind, ExportFormat, NewDocument, StaticKey, Store, StoreError};

const KKM: u32 = 6923;
const KEY: StaticKey = StaticKey([7; 32]);
/// Text that a receipt of the test carries (an item name and a receipt line).
const ITEM: &str = "Молоко Parmalat 3.2% tovar-7731";

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kkm-encrypted-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn sell(store: &Store, n: i64) -> i64 {
    let payload = format!(r#"{{"items":[{{"name":"{ITEM}","n":{n}}}]}}"#);
    let key = format!("sale-{n}");
    store
        .append(
            &NewDocument {
                kkm_id: KKM,
                kind: DocumentKind::Sell,
                operator_id: 1,
                at: 1_795_428_000 + n,
                total: 100 * n,
                shift_number: 1,
                offline_number: None,
                payload: payload.as_bytes(),
                request: Some(ITEM.as_bytes()),
                idempotency_key: Some(&key),
                idempotency_fingerprint: None,
                shift_document: n as u32,
                offline: false,
                parent: None,
            },
            format!(r#"{{"count":{n},"last":"{ITEM}"}}"#).as_bytes(),
        )
        .unwrap()
        .record()
        .id
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The plaintext a file must not show: the SQLite header, the item name, the schema.
fn assert_no_plaintext(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    assert!(!bytes.is_empty(), "{} is empty", path.display());
    for needle in [
        &b"SQLite format 3"[..],
        ITEM.as_bytes(),
        b"tovar-7731",
        b"CREATE TABLE",
    ] {
        assert!(
            !contains(&bytes, needle),
            "{} shows {:?}",
            path.display(),
            String::from_utf8_lossy(needle)
        );
    }
}

#[test]
fn the_file_and_its_wal_hold_no_plaintext() {
    let d = dir("bytes");
    let db = d.join("kkm.db");
    let wal = d.join("kkm.db-wal");
    let store = Store::open(&db, &KEY).unwrap();
    store.add_kkm(KKM, 1, b"{}").unwrap();
    for n in 1..=20 {
        let id = sell(&store, n);
        store
            .complete(id, Some(&format!("SIGN-{n}")), None, ITEM.as_bytes())
            .unwrap();
    }
    store.set_setting("shop", ITEM).unwrap();
    // While the store is open the documents are in the WAL (not checkpointed yet).
    assert!(
        std::fs::metadata(&wal).unwrap().len() > 0,
        "the WAL is used"
    );
    assert_no_plaintext(&wal);
    assert_no_plaintext(&db);
    // The store reads them back, and says which cipher settings the file has.
    assert_eq!(store.verify(KKM).unwrap().records, 20);
    drop(store);
    assert_no_plaintext(&db);
    let conn = cipher::open_sql(&db, &KEY).unwrap();
    let recorded: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'cipher'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(recorded, cipher::PROFILES[0].name);
    // The settings in force are the profile's, spelled out (not the library's defaults).
    let setting = |name: &str| -> String {
        conn.query_row(&format!("PRAGMA {name}"), [], |r| {
            r.get::<_, rusqlite::types::Value>(0)
        })
        .map(|v| match v {
            rusqlite::types::Value::Integer(i) => i.to_string(),
            rusqlite::types::Value::Text(t) => t,
            other => format!("{other:?}"),
        })
        .unwrap()
    };
    let p = cipher::PROFILES[0];
    assert_eq!(setting("cipher_page_size"), p.page_size.to_string());
    assert_eq!(setting("cipher_hmac_algorithm"), p.hmac_algorithm);
    assert_eq!(setting("cipher_kdf_algorithm"), p.kdf_algorithm);
    assert_eq!(setting("kdf_iter"), p.kdf_iter.to_string());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn another_key_is_refused_and_a_damaged_file_is_not_taken_for_one() {
    let d = dir("keys");
    let db = d.join("kkm.db");
    let store = Store::open(&db, &KEY).unwrap();
    store.add_kkm(KKM, 1, b"{}").unwrap();
    for n in 1..=200 {
        sell(&store, n);
    }
    drop(store);
    let pristine = std::fs::read(&db).unwrap();
    assert!(pristine.len() >= 8 * 4096, "several pages");

    // Another installation's key: refused, with the cause named.
    let err = Store::open(&db, &StaticKey([8; 32])).unwrap_err();
    assert!(matches!(err, StoreError::CannotDecrypt { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("cannot be decrypted with this installation's key"),
        "{err}"
    );
    assert!(matches!(
        cipher::open_sql(&db, &StaticKey([8; 32])),
        Err(StoreError::CannotDecrypt { .. })
    ));
    // The refused open changed nothing: the right key still opens it.
    assert_eq!(std::fs::read(&db).unwrap(), pristine);

    // Page 1 damaged (past its salt), the key right: "damaged", not "another key".
    let mut bytes = pristine.clone();
    bytes[100] ^= 0x55;
    std::fs::write(&db, &bytes).unwrap();
    let err = Store::open(&db, &KEY).unwrap_err();
    match &err {
        StoreError::Damaged { detail, .. } => {
            assert!(detail.contains("page 1"), "{detail}")
        }
        other => panic!("page 1 damaged: {other}"),
    }

    // Any other page damaged: the page check names it, wherever it is (a page that no
    // query of the chain reads included).
    std::fs::write(&db, &pristine).unwrap();
    assert_eq!(
        Store::open(&db, &KEY).unwrap().check_pages().unwrap(),
        pristine.len() as u64 / 4096
    );
    for page in 1..pristine.len() / 4096 {
        let mut bytes = pristine.clone();
        bytes[page * 4096 + 2000] ^= 0x55;
        std::fs::write(&db, &bytes).unwrap();
        let refused = match Store::open(&db, &KEY) {
            Err(e) => e,
            Ok(store) => store.check_pages().unwrap_err(),
        };
        match refused {
            StoreError::Damaged { detail, .. } => assert!(
                detail.contains(&format!("page {}", page + 1)),
                "page {}: {detail}",
                page + 1
            ),
            other => panic!("page {}: {other}", page + 1),
        }
    }

    // Not a database at all (a short text file).
    std::fs::write(&db, b"hello, this is not a journal").unwrap();
    let err = Store::open(&db, &KEY).unwrap_err();
    assert!(matches!(err, StoreError::Damaged { .. }), "{err}");
    assert!(!err.to_string().contains("another data key"), "{err}");

    std::fs::write(&db, &pristine).unwrap();
    assert_eq!(
        Store::open(&db, &KEY).unwrap().verify(KKM).unwrap().records,
        200
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// A plaintext journal as the release before issue 16 left it, with `n` sales; its WAL
/// is kept uncheckpointed (the store is leaked with the files copied while it is open:
/// what a kill -9 leaves).
fn plaintext_journal(at: &Path, n: i64) {
    let d = at.parent().unwrap().join("making");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let store = Store::open_unencrypted(d.join("kkm.db"), &KEY).unwrap();
    store.add_kkm(KKM, 1, b"{}").unwrap();
    for i in 1..=n {
        sell(&store, i);
    }
    for side in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{side}", d.join("kkm.db").display()));
        if from.exists() {
            std::fs::copy(&from, format!("{}{side}", at.display())).unwrap();
        }
    }
    drop(store);
    let _ = std::fs::remove_dir_all(&d);
}

fn assert_opens_encrypted_with(db: &Path, records: u64) {
    let store = Store::open(db, &KEY).unwrap();
    assert_eq!(store.verify(KKM).unwrap().records, records);
    // Each sale carries a request and no answer: all of them still queued.
    assert_eq!(store.queue_len(KKM).unwrap(), records);
    drop(store);
    assert!(!cipher::is_plaintext(db).unwrap());
    assert_no_plaintext(db);
    let encrypting = PathBuf::from(format!("{}.encrypting", db.display()));
    assert!(!encrypting.exists(), "the temporary file is gone");
}

#[test]
fn a_plaintext_journal_is_encrypted_whenever_the_last_attempt_was_killed() {
    let d = dir("upgrade");
    let db = d.join("kkm.db");

    // Killed with the plaintext journal's WAL not checkpointed: nothing is lost.
    plaintext_journal(&db, 30);
    assert!(std::fs::metadata(d.join("kkm.db-wal")).unwrap().len() > 0);
    assert!(cipher::is_plaintext(&db).unwrap());
    assert_opens_encrypted_with(&db, 30);
    assert!(
        !d.join("kkm.db-wal").exists()
            || !contains(
                &std::fs::read(d.join("kkm.db-wal")).unwrap(),
                ITEM.as_bytes()
            ),
        "no plaintext WAL left"
    );

    // Killed during the export (a partial temporary file and its rollback journal beside
    // the plaintext journal): discarded, the export redone.
    let _ = std::fs::remove_file(&db);
    let _ = std::fs::remove_file(d.join("kkm.db-wal"));
    let _ = std::fs::remove_file(d.join("kkm.db-shm"));
    plaintext_journal(&db, 12);
    std::fs::write(d.join("kkm.db.encrypting"), vec![0xA5; 3 * 4096]).unwrap();
    std::fs::write(d.join("kkm.db.encrypting-journal"), vec![0x5A; 512]).unwrap();
    assert_opens_encrypted_with(&db, 12);
    assert!(!d.join("kkm.db.encrypting-journal").exists());

    // Killed after the export, before the rename: a complete encrypted temporary file
    // beside the plaintext journal; the plaintext one is still the journal.
    let complete = std::fs::read(&db).unwrap();
    let _ = std::fs::remove_file(&db);
    let _ = std::fs::remove_file(d.join("kkm.db-wal"));
    let _ = std::fs::remove_file(d.join("kkm.db-shm"));
    plaintext_journal(&db, 13);
    std::fs::write(d.join("kkm.db.encrypting"), &complete).unwrap();
    assert_opens_encrypted_with(&db, 13);

    // Killed after the rename: the encrypted journal opens as it is.
    assert_opens_encrypted_with(&db, 13);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn export_and_verify_read_the_encrypted_journal() {
    let d = dir("export");
    let db = d.join("kkm.db");
    let store = Store::open(&db, &KEY).unwrap();
    store.add_kkm(KKM, 1, b"{}").unwrap();
    for n in 1..=5 {
        let id = sell(&store, n);
        store
            .complete(id, Some(&format!("SIGN-{n}")), None, b"answer")
            .unwrap();
    }
    drop(store);
    assert_no_plaintext(&db);
    let store = Store::open(&db, &KEY).unwrap();
    assert_eq!(store.verify(KKM).unwrap().records, 5);
    assert!(store.verify_all().unwrap().is_empty());
    let mut jsonl = Vec::new();
    let n = store
        .export_journal(KKM, i64::MIN, i64::MAX, ExportFormat::JsonLines, &mut jsonl)
        .unwrap();
    assert_eq!(n, 5);
    let text = String::from_utf8(jsonl).unwrap();
    assert_eq!(text.lines().count(), 5);
    assert!(text.contains("SIGN-5"), "{text}");
    let mut csv = Vec::new();
    store
        .export_journal(KKM, i64::MIN, i64::MAX, ExportFormat::Csv, &mut csv)
        .unwrap();
    assert_eq!(String::from_utf8(csv).unwrap().lines().count(), 6);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_journal_of_the_first_encrypted_release_keeps_opening_in_its_own_profile() {
    let d = dir("profile-v1");
    let db = d.join("kkm.db");
    let v1 = cipher::PROFILES
        .iter()
        .find(|p| p.name == "sqlcipher4-v1")
        .expect("the first release's profile is still known");
    assert_ne!(
        cipher::PROFILES[0].name,
        v1.name,
        "new files get the newest"
    );
    let store = Store::open_with_cipher(&db, &KEY, v1).unwrap();
    store.add_kkm(KKM, 1, b"{}").unwrap();
    for n in 1..=10 {
        sell(&store, n);
    }
    drop(store);
    // This release opens it (trying the newest profile first), reads and verifies it,
    // writes on in the file's own profile, and says which one it is.
    let store = Store::open(&db, &KEY).unwrap();
    assert_eq!(store.verify(KKM).unwrap().records, 10);
    sell(&store, 11);
    drop(store);
    assert_no_plaintext(&db);
    let store = Store::open(&db, &KEY).unwrap();
    assert_eq!(store.verify(KKM).unwrap().records, 11);
    drop(store);
    let conn = cipher::open_sql(&db, &KEY).unwrap();
    let recorded: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'cipher'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let hmac: String = conn
        .query_row("PRAGMA cipher_hmac_algorithm", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        (recorded.as_str(), hmac.as_str()),
        (v1.name, v1.hmac_algorithm)
    );
    drop(conn);
    // Another installation's key is still told from damage for an old-profile file.
    assert!(matches!(
        Store::open(&db, &StaticKey([8; 32])),
        Err(StoreError::CannotDecrypt { .. })
    ));
    let _ = std::fs::remove_dir_all(&d);
}

/// Runs the crash test's writer on `db` with SQLCipher's page crypto left to OpenSSL
/// (`KKM_SQLCIPHER_OPENSSL`) until it has acknowledged `documents` more documents.
fn write_with_openssl(db: &Path, documents: usize) -> Vec<String> {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_kkm-store-crash-writer"))
        .arg(db)
        .env(kkm_store::page_crypto::KEEP_OPENSSL_ENV, "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let acks: Vec<String> = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .filter(|l| l.starts_with("ack "))
        .take(documents)
        .collect();
    child.kill().unwrap();
    child.wait().unwrap();
    acks
}

/// The page crypto of this process is ours (RustCrypto); the files are SQLCipher's
/// either way: a journal written by OpenSSL's opens and verifies under ours, and one
/// that ours has written to opens again under OpenSSL's.
#[test]
fn journals_are_the_same_whichever_page_crypto_wrote_them() {
    assert_eq!(
        kkm_store::page_crypto::install(),
        kkm_store::page_crypto::Installed::RustCrypto
    );
    let d = dir("interop");
    let db = d.join("kkm.db");
    assert_eq!(write_with_openssl(&db, 40).len(), 40, "OpenSSL's writer");
    let store = Store::open(&db, &KEY).expect("ours open OpenSSL's pages");
    assert!(store.verify_all().unwrap().is_empty());
    let before = store.records(KKM, 0, u32::MAX).unwrap().len();
    assert!(before >= 40);
    // Ours write: another KKM with its genesis fact.
    store.add_kkm(9999, 1, b"{}").unwrap();
    drop(store);
    // The writer resumes on what ours read (its open verifies every record).
    assert_eq!(
        write_with_openssl(&db, 10).len(),
        10,
        "OpenSSL's writer again"
    );
    let store = Store::open(&db, &KEY).unwrap();
    assert!(store.verify_all().unwrap().is_empty());
    assert!(store.records(KKM, 0, u32::MAX).unwrap().len() >= before + 10);
    assert!(
        store.verify(9999).is_ok(),
        "what ours wrote, read back after OpenSSL's"
    );
    let _ = std::fs::remove_dir_all(&d);
}
