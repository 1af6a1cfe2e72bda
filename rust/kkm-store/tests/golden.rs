//! The golden journal (`tests/golden/v1/`, written by the release before the keyed
//! chain; `scripts/golden-journal` regenerates it) opens in this build: the schema
//! migrates with its data, the version-1 chain verifies and is upgraded to the keyed one
//! at its end, and counters, queue, REQNUM and token are what that release left. New
//! documents and answers chain on; an edit of the version-1 part is still found.
//!
//! The golden file is plaintext (that release did not encrypt): its first open encrypts
//! it (SQLCipher, under a key derived from its `data.key`) once the key is checked, so
//! afterwards it is read through [`cipher::open_sql`] with that key.

use std::path::{Path, PathBuf};

use kkm_store::{cipher, DocumentKind, KeyFile, NewDocument, Store, StoreError};
use serde_json::Value;

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/v1")
}

/// A copy of the golden installation (the original stays untouched).
fn copy(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kkm-golden-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    for f in ["kkm.db", "data.key"] {
        std::fs::copy(golden().join(f), d.join(f)).unwrap();
    }
    d
}

fn expect() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(golden().join("expect.json")).unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_object()
        .unwrap()
        .clone()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_as_left(store: &Store) {
    for (kkm, e) in expect() {
        let kkm: u32 = kkm.parse().unwrap();
        let report = store.verify(kkm).unwrap();
        assert_eq!(report.records, e["records"].as_u64().unwrap(), "{kkm}");
        assert_eq!(
            report.legacy_records, report.records,
            "{kkm}: all version 1"
        );
        assert_eq!(report.closed_shifts, e["closed_shifts"].as_u64().unwrap());
        assert!(report.facts >= 1, "the genesis");
        let state = store.sync_state(kkm).unwrap();
        assert_eq!(
            u64::from(state.token),
            e["token"].as_u64().unwrap(),
            "{kkm}"
        );
        assert_eq!(
            u64::from(state.reqnum),
            e["reqnum"].as_u64().unwrap(),
            "{kkm}"
        );
        assert_eq!(state.local_state, 0);
        assert_eq!(
            store.queue_len(kkm).unwrap(),
            e["queue_len"].as_u64().unwrap()
        );
        assert_eq!(
            String::from_utf8(store.counters(kkm).unwrap()).unwrap(),
            e["counters"].as_str().unwrap()
        );
        let records = store.records(kkm, 0, u32::MAX).unwrap();
        assert_eq!(
            hex(&records.last().unwrap().hash),
            e["last_hash"].as_str().unwrap()
        );
        assert_eq!(
            records.iter().filter(|r| r.fiscal_sign.is_some()).count() as u64,
            e["signed"].as_u64().unwrap()
        );
    }
}

#[test]
fn the_golden_journal_opens_upgraded_with_everything_intact() {
    let d = copy("open");
    let keys = KeyFile::new(d.join("data.key"));
    let db = d.join("kkm.db");
    assert!(
        cipher::is_plaintext(&db).unwrap(),
        "the golden is plaintext"
    );
    let plain_version: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(plain_version, 7, "the golden is the release of migration 7");
    let store = Store::open(&db, &keys).unwrap();
    // Encrypted now: no SQLite header, no readable text, nothing left beside it.
    assert!(!cipher::is_plaintext(&db).unwrap());
    let bytes = std::fs::read(&db).unwrap();
    assert!(!bytes.windows(15).any(|w| w == b"SQLite format 3"));
    assert!(!bytes.windows(7).any(|w| w == b"CREATE "), "no schema text");
    assert!(
        !d.join("kkm.db.encrypting").exists(),
        "no temporary file left"
    );
    let encrypted_version: i64 = cipher::open_sql(&db, &keys)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert!(encrypted_version > 7, "migrated: {encrypted_version}");
    check_as_left(&store);
    drop(store);
    // A second open does not upgrade again.
    let store = Store::open(d.join("kkm.db"), &keys).unwrap();
    check_as_left(&store);

    // The queued document is answered, a new one chains on in the keyed format.
    let (kkm, queued) = expect()
        .into_iter()
        .find(|(_, e)| e["queue_len"].as_u64() == Some(1))
        .map(|(k, e)| (k.parse::<u32>().unwrap(), e))
        .unwrap();
    assert_eq!(queued["queue_len"], 1);
    let front = store.queue_front(kkm).unwrap().unwrap();
    store
        .complete(front.id, Some("GOLDEN-SIGN"), None, b"answer")
        .unwrap();
    let last = store.records(kkm, 0, u32::MAX).unwrap().pop().unwrap();
    let appended = store
        .append(
            &NewDocument {
                kkm_id: kkm,
                kind: DocumentKind::Deposit,
                operator_id: 1,
                at: last.at + 60,
                total: 100,
                shift_number: last.shift_number,
                offline_number: None,
                payload: br#"{"after":"upgrade"}"#,
                request: Some(b"req"),
                idempotency_key: None,
                idempotency_fingerprint: None,
                shift_document: 0,
                offline: false,
                parent: None,
            },
            &store.counters(kkm).unwrap(),
        )
        .unwrap();
    store.save_token(kkm, 4242).unwrap();
    drop(store);
    let store = Store::open(d.join("kkm.db"), &keys).unwrap();
    let report = store.verify(kkm).unwrap();
    assert_eq!(report.records, queued["records"].as_u64().unwrap() + 1);
    assert_eq!(report.legacy_records, report.records - 1);
    assert_eq!(store.sync_state(kkm).unwrap().token, 4242);
    assert_eq!(
        store
            .record(front.id)
            .unwrap()
            .unwrap()
            .fiscal_sign
            .as_deref(),
        Some("GOLDEN-SIGN")
    );
    assert!(store.record(appended.record().id).unwrap().is_some());
    drop(store);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn an_edit_of_the_version_1_part_is_found_after_the_upgrade() {
    let d = copy("edit");
    let keys = KeyFile::new(d.join("data.key"));
    drop(Store::open(d.join("kkm.db"), &keys).unwrap());
    // A column the version-1 hash never covered: the upgrade's digest does.
    let conn = cipher::open_sql(d.join("kkm.db"), &keys).unwrap();
    let (id, kkm): (i64, u32) = conn
        .query_row(
            "SELECT id, kkm_id FROM journal WHERE request IS NOT NULL ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    conn.execute("UPDATE journal SET request = x'00' WHERE id = ?1", [id])
        .unwrap();
    drop(conn);
    let store = Store::open(d.join("kkm.db"), &keys).unwrap();
    assert!(matches!(
        store.verify(kkm),
        Err(StoreError::Tampered { .. })
    ));
    assert_eq!(store.sync_state(kkm).unwrap().local_state, 1);
    drop(store);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn the_golden_journal_is_refused_under_another_key() {
    let d = copy("key");
    std::fs::write(d.join("other.key"), [9u8; 32]).unwrap();
    assert!(matches!(
        Store::open(d.join("kkm.db"), &KeyFile::new(d.join("other.key"))),
        Err(StoreError::WrongKey)
    ));
    // Not encrypted under the wrong key: its own key still opens it.
    assert!(cipher::is_plaintext(d.join("kkm.db")).unwrap());
    assert!(Store::open(d.join("kkm.db"), &KeyFile::new(d.join("data.key"))).is_ok());
    let _ = std::fs::remove_dir_all(&d);
}
