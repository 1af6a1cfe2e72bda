//! The tamper matrix: whoever can write `kkm.db` but has not the data key edits it;
//! every edit must be found when the store opens (the KKM goes to ValuesConflict with
//! the record named) and by `verify`.
//!
//! * an edit of every column of every journal record, every fact and the chained
//!   columns of every KKM row;
//! * a record deleted, two swapped, one duplicated, the tail cut (records, facts);
//! * another installation's file (its own key) and its rows moved into this file;
//! * the journal rewritten as a version-1 one, with recomputed plain SHA-256 hashes.
//!
//! The file is encrypted at rest (SQLCipher): the forger here is granted SQL access to
//! the decrypted pages ([`cipher::open_sql`] with the key), a stronger forger than one
//! who only has the file, so the chain is tested on its own.

use std::path::{Path, PathBuf};

use kkm_store::{cipher, DocumentKind, NewDocument, StaticKey, Store, StoreError};
use rusqlite::types::Value;
use rusqlite::Connection;
use sha2::{Digest, Sha256};

const A: u32 = 6923;
const B: u32 = 7001;
const KEY: StaticKey = StaticKey([7; 32]);

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kkm-tamper-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A raw SQL connection to the encrypted journal at `path` under our key.
fn sql(path: &Path) -> Connection {
    cipher::open_sql(path, &KEY).unwrap()
}

/// A journal with every kind of fact: two KKMs, sales with requests, answers, an
/// autonomous mark, a token change, an autonomous period, a Z-report and a return.
fn make(path: &Path, key: &StaticKey) {
    make_in(Store::open(path, key).unwrap());
}

fn make_in(s: Store) {
    for kkm in [A, B] {
        s.add_kkm(kkm, 100, br#"{"n":0}"#).unwrap();
        let mut ids = Vec::new();
        for n in 1..=6i64 {
            let payload = format!(r#"{{"sale":{n}}}"#);
            let counters = format!(r#"{{"n":{n}}}"#);
            let key = format!("k-{n}");
            let kind = if n == 5 {
                DocumentKind::ZReport
            } else {
                DocumentKind::Sell
            };
            let parent = (n == 6).then_some("SIGN-1");
            let r = s
                .append(
                    &NewDocument {
                        kkm_id: kkm,
                        kind: if n == 6 {
                            DocumentKind::SellReturn
                        } else {
                            kind
                        },
                        operator_id: 1,
                        at: 1_795_428_000 + n,
                        total: 100 * n,
                        shift_number: if n == 6 { 2 } else { 1 },
                        offline_number: (n == 3).then_some(77),
                        payload: payload.as_bytes(),
                        request: Some(format!("req-{n}").as_bytes()),
                        idempotency_key: Some(&key),
                        idempotency_fingerprint: Some(b"fp"),
                        shift_document: n as u32,
                        offline: n == 3,
                        parent,
                    },
                    counters.as_bytes(),
                )
                .unwrap();
            ids.push(r.record().id);
        }
        s.complete(ids[0], Some("SIGN-1"), Some("http://qr/1"), b"answer-1")
            .unwrap();
        s.complete(ids[1], Some("SIGN-2"), None, b"answer-2")
            .unwrap();
        s.mark_offline(ids[3], br#"{"n":4,"offline":1}"#).unwrap();
        s.set_autonomous_since(kkm, Some(1_795_428_100), 1_795_428_100)
            .unwrap();
        s.save_token(kkm, 200).unwrap();
        s.set_autonomous_since(kkm, None, 1_795_428_200).unwrap();
        s.complete(ids[2], Some("SIGN-3"), None, b"answer-3")
            .unwrap();
    }
    for kkm in [A, B] {
        assert!(s.verify(kkm).is_ok());
    }
}

/// Opens `path` after `edit`: the KKMs in ValuesConflict at open, and what `verify`
/// says of each KKM.
/// KKMs in ValuesConflict at open with their reason; KKMs `verify` refused with the
/// record it named.
type Outcome = (Vec<(u32, String)>, Vec<(u32, i64)>);

fn outcome(path: &Path) -> Outcome {
    let s = Store::open(path, &KEY).unwrap();
    // Read beside the store: a tampered token does not unseal (`sync_state` refuses it).
    let at_open: Vec<(u32, String)> = sql(path)
        .prepare("SELECT kkm_id, state_reason FROM kkm WHERE local_state = 1 ORDER BY kkm_id")
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut verified = Vec::new();
    for kkm in [A, B] {
        match s.verify(kkm) {
            Ok(_) => {}
            Err(StoreError::Tampered { record, .. }) => verified.push((kkm, record)),
            Err(e) => panic!("verify of {kkm}: {e}"),
        }
    }
    (at_open, verified)
}

fn copy(pristine: &Path, to: &Path) {
    for side in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{side}", pristine.display()));
        let _ = std::fs::remove_file(format!("{}{side}", to.display()));
        if from.exists() {
            std::fs::copy(&from, format!("{}{side}", to.display())).unwrap();
        }
    }
}

fn changed(v: &Value) -> Value {
    match v {
        Value::Null => Value::Integer(1),
        Value::Integer(i) => Value::Integer(i + 1),
        Value::Real(r) => Value::Real(r + 1.0),
        Value::Text(t) => Value::Text(format!("{t}x")),
        Value::Blob(b) if b.is_empty() => Value::Blob(vec![0]),
        Value::Blob(b) => {
            let mut b = b.clone();
            b[0] ^= 1;
            Value::Blob(b)
        }
    }
}

fn columns(conn: &Connection, table: &str) -> Vec<String> {
    conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Runs `edit` on a copy of `pristine` and asserts the tampering is found at open and
/// by `verify`; returns the records `verify` named.
fn assert_found(
    pristine: &Path,
    work: &Path,
    what: &str,
    edit: impl FnOnce(&Connection),
) -> Vec<(u32, i64)> {
    copy(pristine, work);
    {
        let conn = sql(work);
        // The forger is not bound by foreign keys.
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        edit(&conn);
    }
    let (at_open, verified) = outcome(work);
    assert!(!at_open.is_empty(), "{what}: not found at open");
    assert!(!verified.is_empty(), "{what}: not found by verify");
    for (kkm, reason) in &at_open {
        assert!(
            verified
                .iter()
                .any(|(k, r)| k == kkm && reason.starts_with(&format!("record {r}:"))),
            "{what}: open and verify name different records ({reason} vs {verified:?})"
        );
    }
    verified
}

#[test]
fn every_edit_of_every_column_of_every_record_is_found_and_named() {
    let d = dir("columns");
    let pristine = d.join("pristine.db");
    make(&pristine, &KEY);
    let work = d.join("work.db");
    let conn = sql(&pristine);
    let mut cases = 0;
    for table in ["journal", "fact"] {
        let ids: Vec<(i64, u32, Option<i64>)> = conn
            .prepare(&format!(
                "SELECT id, kkm_id, {} FROM {table} ORDER BY id",
                if table == "journal" { "id" } else { "doc_id" }
            ))
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for column in columns(&conn, table) {
            for &(id, kkm, doc) in &ids {
                let value: Value = conn
                    .query_row(
                        &format!("SELECT {column} FROM {table} WHERE id = ?1"),
                        [id],
                        |r| r.get(0),
                    )
                    .unwrap();
                let what = format!("{table}.{column} of {id}");
                let new = match column.as_str() {
                    // Another id that is free.
                    "id" => Value::Integer(id + 100_000),
                    _ => changed(&value),
                };
                let named = assert_found(&pristine, &work, &what, |c| {
                    c.execute(
                        &format!("UPDATE {table} SET {column} = ?1 WHERE id = ?2"),
                        rusqlite::params![new, id],
                    )
                    .unwrap();
                });
                // The record is named where the edit leaves it in its KKM's journal.
                if table == "journal" && column != "id" && column != "kkm_id" {
                    assert!(named.contains(&(kkm, id)), "{what}: named {named:?}");
                }
                if table == "fact" && !["id", "kkm_id", "doc_id"].contains(&column.as_str()) {
                    assert!(
                        named.contains(&(kkm, doc.unwrap_or(0))),
                        "{what}: named {named:?}"
                    );
                }
                cases += 1;
            }
        }
    }
    for column in [
        "token",
        "counters",
        "last_hash",
        "facts_head",
        "counters_digest",
        "chain_head",
        "autonomous_since",
        "autonomous_until",
    ] {
        for kkm in [A, B] {
            let value: Value = conn
                .query_row(
                    &format!("SELECT {column} FROM kkm WHERE kkm_id = ?1"),
                    [kkm],
                    |r| r.get(0),
                )
                .unwrap();
            let named = assert_found(&pristine, &work, &format!("kkm.{column} of {kkm}"), |c| {
                c.execute(
                    &format!("UPDATE kkm SET {column} = ?1 WHERE kkm_id = ?2"),
                    rusqlite::params![changed(&value), kkm],
                )
                .unwrap();
            });
            assert!(
                named.iter().any(|(k, _)| *k == kkm),
                "kkm.{column}: {named:?}"
            );
            cases += 1;
        }
    }
    assert!(cases > 400, "{cases} cases");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn deleted_reordered_duplicated_and_cut_records_are_found() {
    let d = dir("rows");
    let pristine = d.join("pristine.db");
    make(&pristine, &KEY);
    let work = d.join("work.db");
    let ids: Vec<i64> = sql(&pristine)
        .prepare("SELECT id FROM journal WHERE kkm_id = ?1 ORDER BY id")
        .unwrap()
        .query_map([A], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for &id in &ids {
        let named = assert_found(&pristine, &work, &format!("record {id} deleted"), |c| {
            c.execute("DELETE FROM journal WHERE id = ?1", [id])
                .unwrap();
        });
        assert!(named.iter().all(|(k, _)| *k == A), "{named:?}");
    }
    let named = assert_found(&pristine, &work, "two records swapped", |c| {
        c.execute_batch(&format!(
            "UPDATE journal SET id = -1 WHERE id = {a};
             UPDATE journal SET id = {a} WHERE id = {b};
             UPDATE journal SET id = {b} WHERE id = -1;",
            a = ids[3],
            b = ids[4]
        ))
        .unwrap();
    });
    assert!(named.contains(&(A, ids[3])), "{named:?}");
    let named = assert_found(&pristine, &work, "a record duplicated", |c| {
        c.execute(
            "INSERT INTO journal (kkm_id, kind, operator_id, at, total, shift_number,
                 offline_number, payload, request, hash, shift_digest, z_checksum,
                 shift_document, offline, parent, counters_digest)
             SELECT kkm_id, kind, operator_id, at, total, shift_number, offline_number,
                 payload, request, hash, shift_digest, z_checksum, shift_document, offline,
                 parent, counters_digest FROM journal WHERE id = ?1",
            [ids[1]],
        )
        .unwrap();
    });
    assert!(
        named.iter().any(|(k, r)| *k == A && *r > ids[5]),
        "{named:?}"
    );
    for cut in 1..=2 {
        assert_found(&pristine, &work, &format!("last {cut} records cut"), |c| {
            let last = ids[ids.len() - cut];
            c.execute(
                "DELETE FROM journal WHERE kkm_id = ?1 AND id >= ?2",
                rusqlite::params![A, last],
            )
            .unwrap();
            // A careful forger also moves the KKM's last hash back.
            c.execute(
                "UPDATE kkm SET last_hash = (SELECT hash FROM journal WHERE kkm_id = ?1
                     ORDER BY id DESC LIMIT 1) WHERE kkm_id = ?1",
                [A],
            )
            .unwrap();
        });
    }
    assert_found(&pristine, &work, "the last fact cut", |c| {
        c.execute(
            "DELETE FROM fact WHERE id = (SELECT MAX(id) FROM fact WHERE kkm_id = ?1)",
            [A],
        )
        .unwrap();
    });
    assert_found(&pristine, &work, "a fact duplicated", |c| {
        c.execute(
            "INSERT INTO fact (kkm_id, kind, doc_id, doc_head, fiscal_sign, qr_code, answer,
                 token, since, until, v1_last, v1_count, v1_digest, counters_digest, mac)
             SELECT kkm_id, kind, doc_id, doc_head, fiscal_sign, qr_code, answer, token, since,
                 until, v1_last, v1_count, v1_digest, counters_digest, mac
             FROM fact WHERE kkm_id = ?1 AND kind = 1 ORDER BY id LIMIT 1",
            [A],
        )
        .unwrap();
    });
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn another_installations_file_or_rows_are_refused() {
    let d = dir("other");
    let ours = d.join("ours.db");
    let theirs = d.join("theirs.db");
    make(&ours, &KEY);
    make(&theirs, &StaticKey([8; 32]));
    // Their whole file: refused with a clear error.
    let refused = Store::open(&theirs, &KEY).unwrap_err();
    assert!(
        matches!(refused, StoreError::CannotDecrypt { .. }),
        "{refused}"
    );
    assert!(
        refused
            .to_string()
            .contains("cannot be decrypted with this installation's key"),
        "{refused}"
    );
    // Their journal moved into our file (our key check kept); their rows are read from
    // a plaintext copy of their journal (the forger has decrypted it).
    let their_rows = d.join("theirs-plain.db");
    make_in(Store::open_unencrypted(&their_rows, &StaticKey([8; 32])).unwrap());
    let work = d.join("work.db");
    let named = assert_found(&ours, &work, "another installation's rows", |c| {
        // `KEY ''`: the copy is plaintext (SQLCipher would otherwise use our key).
        c.execute(
            "ATTACH DATABASE ?1 AS theirs KEY ''",
            [their_rows.to_str().unwrap()],
        )
        .unwrap();
        c.execute_batch(
            "DELETE FROM queue; DELETE FROM journal; DELETE FROM fact; DELETE FROM kkm;
             INSERT INTO kkm SELECT * FROM theirs.kkm;
             INSERT INTO journal SELECT * FROM theirs.journal;
             INSERT INTO fact SELECT * FROM theirs.fact;",
        )
        .unwrap();
    });
    assert_eq!(named.len(), 2, "both KKMs: {named:?}");
    let _ = std::fs::remove_dir_all(&d);
}

/// The version-1 hash (the forger's tool).
fn v1_hash(prev: &[u8], row: &rusqlite::Row<'_>, kkm: u32) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(row.get::<_, i64>(1).unwrap().to_le_bytes());
    h.update(row.get::<_, i64>(2).unwrap().to_le_bytes());
    h.update([row.get::<_, u8>(3).unwrap()]);
    h.update(row.get::<_, u32>(4).unwrap().to_le_bytes());
    h.update(kkm.to_le_bytes());
    h.update(row.get::<_, u32>(5).unwrap().to_le_bytes());
    h.update(
        row.get::<_, Option<u32>>(6)
            .unwrap()
            .map_or([0xFF; 5], |n| {
                let b = n.to_le_bytes();
                [1, b[0], b[1], b[2], b[3]]
            }),
    );
    let payload: Vec<u8> = row.get(7).unwrap();
    h.update((payload.len() as u64).to_le_bytes());
    h.update(&payload);
    h.finalize().into()
}

#[test]
fn a_journal_rewritten_with_plain_sha256_hashes_is_found() {
    let d = dir("sha");
    let pristine = d.join("pristine.db");
    make(&pristine, &KEY);
    let work = d.join("work.db");
    for drop_facts in [false, true] {
        let named = assert_found(&pristine, &work, "plain SHA-256 rewrite", |c| {
            for kkm in [A, B] {
                let rows: Vec<(i64, [u8; 32])> = {
                    let mut stmt = c
                        .prepare(
                            "SELECT id, at, total, kind, operator_id, shift_number, offline_number,
                                    payload FROM journal WHERE kkm_id = ?1 ORDER BY id",
                        )
                        .unwrap();
                    let mut rows = stmt.query([kkm]).unwrap();
                    let mut prev = [0u8; 32];
                    let mut out = Vec::new();
                    while let Some(row) = rows.next().unwrap() {
                        prev = v1_hash(&prev, row, kkm);
                        out.push((row.get(0).unwrap(), prev));
                    }
                    out
                };
                for (id, hash) in &rows {
                    c.execute(
                        "UPDATE journal SET hash = ?2 WHERE id = ?1",
                        rusqlite::params![id, &hash[..]],
                    )
                    .unwrap();
                }
                c.execute(
                    "UPDATE kkm SET last_hash = ?2 WHERE kkm_id = ?1",
                    rusqlite::params![kkm, &rows.last().unwrap().1[..]],
                )
                .unwrap();
            }
            if drop_facts {
                // Passed off as a journal of the release before the keyed chain.
                c.execute_batch(
                    "DELETE FROM fact; UPDATE kkm SET facts_head = NULL, chain_head = NULL,
                         counters_digest = NULL;",
                )
                .unwrap();
            }
        });
        assert_eq!(named.len(), 2, "{named:?}");
    }
    let _ = std::fs::remove_dir_all(&d);
}
