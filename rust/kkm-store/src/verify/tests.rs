//! The two-thread walk names the record the sequential one named: the first in id order
//! and, within one record, the first check that fails; all KKMs in one pass name each
//! KKM's own record.

use crate::{DocumentKind, NewDocument, StaticKey, Store, StoreError};

const KKMS: [u32; 3] = [101, 202, 303];

fn sale(kkm_id: u32, n: i64, payload: &[u8]) -> NewDocument<'_> {
    NewDocument {
        kkm_id,
        kind: DocumentKind::Sell,
        operator_id: 1,
        at: 1_795_428_000 + n,
        total: n,
        shift_number: 1,
        offline_number: None,
        payload,
        request: Some(b"cpcr"),
        idempotency_key: None,
        idempotency_fingerprint: None,
        shift_document: n as u32,
        offline: false,
        parent: None,
    }
}

/// Three KKMs whose records interleave, `per_kkm` each, every third one answered.
/// Returns the store and each KKM's record ids.
fn interleaved(per_kkm: i64) -> (Store, Vec<Vec<i64>>) {
    let s = Store::open_in_memory(&StaticKey([7; 32])).unwrap();
    let mut ids = vec![Vec::new(); KKMS.len()];
    for &kkm in &KKMS {
        s.add_kkm(kkm, 1, b"{}").unwrap();
    }
    for n in 1..=per_kkm {
        for (k, &kkm) in KKMS.iter().enumerate() {
            let payload = format!(r#"{{"kkm":{kkm},"n":{n}}}"#);
            let id = s
                .append(&sale(kkm, n, payload.as_bytes()), format!("{n}").as_bytes())
                .unwrap()
                .record()
                .id;
            if n % 3 == 0 {
                s.complete(id, Some(&format!("SIGN-{id}")), None, b"answer")
                    .unwrap();
            }
            ids[k].push(id);
        }
    }
    (s, ids)
}

fn named(result: Result<crate::VerifyReport, StoreError>) -> (i64, String) {
    match result {
        Err(StoreError::Tampered { record, reason, .. }) => (record, reason),
        other => panic!("expected a tampered journal, got {other:?}"),
    }
}

fn edit(s: &Store, sql: &str, id: i64) {
    s.conn().execute(sql, [id]).unwrap();
}

#[test]
fn all_kkms_in_one_pass_each_name_their_own_record() {
    let (s, ids) = interleaved(1_200);
    assert!(s.verify_all().unwrap().is_empty());
    let bad = ids[1][700];
    edit(&s, "UPDATE journal SET payload = x'00' WHERE id = ?1", bad);
    assert_eq!(s.verify_all().unwrap(), vec![KKMS[1]]);
    let state = s.sync_state(KKMS[1]).unwrap();
    assert_eq!(state.local_state, 1);
    let reason = state.state_reason.unwrap();
    assert!(
        reason.starts_with(&format!("record {bad}: ")) && reason.contains("hash mismatch"),
        "{reason}"
    );
    for k in [0, 2] {
        assert_eq!(s.sync_state(KKMS[k]).unwrap().local_state, 0);
        assert_eq!(s.verify(KKMS[k]).unwrap().records, 1_200);
    }
    // The index walk of the one KKM names the same record.
    assert_eq!(named(s.verify(KKMS[1])).0, bad);
}

#[test]
fn the_first_record_in_id_order_is_named_across_batches() {
    let (s, ids) = interleaved(1_500);
    // A later record's hash, and an earlier record's answer (a check made after the
    // hash, on the reading thread): the earlier record is named, whichever thread saw it.
    edit(
        &s,
        "UPDATE journal SET total = 1 WHERE id = ?1",
        ids[0][1_400],
    );
    let answered = ids[0][299];
    edit(
        &s,
        "UPDATE journal SET fiscal_sign = 'FORGED' WHERE id = ?1",
        answered,
    );
    let (record, reason) = named(s.verify(KKMS[0]));
    assert_eq!(record, answered);
    assert!(reason.contains("differs from the OFD's answer"), "{reason}");
    assert_eq!(s.verify_all().unwrap(), vec![KKMS[0]]);
    let state = s.sync_state(KKMS[0]).unwrap().state_reason.unwrap();
    assert!(
        state.starts_with(&format!("record {answered}: ")),
        "{state}"
    );
}

#[test]
fn within_one_record_the_hash_is_reported_before_its_answer() {
    for (set, expected) in [
        ("fiscal_sign = 'FORGED', payload = x'01'", "hash mismatch"),
        // Only the answer: the answer is named.
        ("fiscal_sign = 'FORGED'", "differs from the OFD's answer"),
    ] {
        let (s, ids) = interleaved(30);
        let answered = ids[2][5];
        edit(
            &s,
            &format!("UPDATE journal SET {set} WHERE id = ?1"),
            answered,
        );
        let (record, reason) = named(s.verify(KKMS[2]));
        assert_eq!(record, answered, "{set}");
        assert!(reason.contains(expected), "{set}: {reason}");
    }
}

#[test]
fn a_removed_record_is_found_by_its_successor_in_both_walks() {
    let (s, ids) = interleaved(600);
    let gone = ids[1][550];
    edit(&s, "DELETE FROM queue WHERE doc_id = ?1", gone);
    edit(&s, "DELETE FROM journal WHERE id = ?1", gone);
    let next = ids[1][551];
    assert_eq!(named(s.verify(KKMS[1])).0, next);
    assert_eq!(s.verify_all().unwrap(), vec![KKMS[1]]);
    let reason = s.sync_state(KKMS[1]).unwrap().state_reason.unwrap();
    assert!(reason.starts_with(&format!("record {next}: ")), "{reason}");
}

/// The verification at open reads a long table in two halves on two threads, `verify`
/// a long KKM's records through its index in two halves; both must name, for every
/// forgery, what one reader walking the KKM's index from start to end names.
mod split {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::cipher;

    const KEY: StaticKey = StaticKey([7; 32]);
    const PER_KKM: i64 = 1_000;

    fn dir(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("kkm-verify-split-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// An encrypted journal of three KKMs, their records interleaved in runs of 10, a
    /// Z-report every 250 and every 40th answered; returns each KKM's ids.
    fn build(path: &Path) -> Vec<Vec<i64>> {
        let s = Store::open(path, &KEY).unwrap();
        let mut ids = vec![Vec::new(); KKMS.len()];
        for &kkm in &KKMS {
            s.add_kkm(kkm, 1, b"{}").unwrap();
        }
        let payloads: Vec<String> = (0..PER_KKM).map(|n| format!(r#"{{"n":{n}}}"#)).collect();
        for chunk in 0..PER_KKM / 10 {
            for (k, &kkm) in KKMS.iter().enumerate() {
                let docs: Vec<NewDocument<'_>> = (chunk * 10..chunk * 10 + 10)
                    .map(|n| {
                        let mut d = sale(kkm, n, payloads[n as usize].as_bytes());
                        d.shift_number = 1 + (n / 250) as u32;
                        if n % 250 == 249 {
                            d.kind = DocumentKind::ZReport;
                        }
                        d
                    })
                    .collect();
                for a in s.append_batch(&docs, b"{}").unwrap() {
                    ids[k].push(a.record().id);
                }
            }
        }
        for (k, kkm_ids) in ids.iter().enumerate() {
            for (n, &id) in kkm_ids.iter().enumerate() {
                if n % 40 == 7 {
                    s.complete(id, Some(&format!("SIGN-{k}-{id}")), None, b"answer")
                        .unwrap();
                }
            }
        }
        assert!(s.verify_all().unwrap().is_empty());
        ids
    }

    #[test]
    fn the_two_halves_name_what_the_single_walk_names() {
        let d = dir("diff");
        let pristine = d.join("pristine.db");
        let ids = build(&pristine);
        let b = &ids[1];
        let (mid, mid_kkm) = {
            let conn = cipher::open_sql(&pristine, &KEY).unwrap();
            let facts = super::super::Facts {
                genesis: Some(super::super::Genesis {
                    v1_last: 0,
                    v1_count: 0,
                    v1_digest: Vec::new(),
                }),
                ..Default::default()
            };
            let target = [super::super::documents::Target {
                kkm_id: KKMS[1],
                facts: Some(&facts),
            }];
            let at = |one| {
                super::super::split::split_point(&conn, &target, one)
                    .unwrap()
                    .expect("the journal is long enough to split")
            };
            // The first KKM's own split: its ids start below the table's middle ones.
            (at(None), at(Some(KKMS[0])))
        };
        assert_ne!(mid, mid_kkm, "the two walks split at different records");
        let a = &ids[0];
        let below_kkm = *a.iter().rev().find(|&&id| id < mid_kkm).unwrap();
        let from_kkm = *a.iter().find(|&&id| id >= mid_kkm).unwrap();
        let below = *b.iter().rev().find(|&&id| id < mid).unwrap();
        let from = *b.iter().find(|&&id| id >= mid).unwrap();
        let answered_late = b[b.iter().position(|&id| id > mid).unwrap() + 50];
        let answered_late = b[b
            .iter()
            .enumerate()
            .position(|(n, &id)| id >= answered_late && n % 40 == 7)
            .unwrap()];
        let z_late = b[749];
        assert!(z_late > mid, "a Z-report in the second half");
        // What is forged, in which KKM's records (an index into `KKMS`).
        let cases: Vec<(&str, usize, String)> = vec![
            ("payload, first half", 1, format!("UPDATE journal SET payload = x'00' WHERE id = {}", b[100])),
            ("payload, second half", 1, format!("UPDATE journal SET payload = x'00' WHERE id = {}", b[900])),
            ("last record below the split removed", 1, format!("DELETE FROM queue WHERE doc_id = {below}; DELETE FROM journal WHERE id = {below}")),
            ("first record of the second half removed", 1, format!("DELETE FROM queue WHERE doc_id = {from}; DELETE FROM journal WHERE id = {from}")),
            ("shift digest of the last record below the split", 1, format!("UPDATE journal SET shift_digest = zeroblob(32) WHERE id = {below}")),
            ("hash of the last record below the split", 1, format!("UPDATE journal SET hash = zeroblob(32) WHERE id = {below}")),
            ("answer forged, second half", 1, format!("UPDATE journal SET fiscal_sign = 'FORGED' WHERE id = {answered_late}")),
            ("Z checksum, second half", 1, format!("UPDATE journal SET z_checksum = zeroblob(32) WHERE id = {z_late}")),
            ("autonomous mark, second half", 1, format!("UPDATE journal SET offline = 1 WHERE id = {}", b[950])),
            ("wrong type, second half", 1, format!("UPDATE journal SET total = 'x' WHERE id = {}", b[990])),
            ("two forgeries, one per half", 1, format!("UPDATE journal SET total = 1 WHERE id IN ({}, {})", b[200], b[800])),
            ("last record below the KKM's split removed", 0, format!("DELETE FROM queue WHERE doc_id = {below_kkm}; DELETE FROM journal WHERE id = {below_kkm}")),
            ("first record of the KKM's second half removed", 0, format!("DELETE FROM queue WHERE doc_id = {from_kkm}; DELETE FROM journal WHERE id = {from_kkm}")),
            ("hash of the last record below the KKM's split", 0, format!("UPDATE journal SET hash = zeroblob(32) WHERE id = {below_kkm}")),
            ("shift digest of the first record of the KKM's second half", 0, format!("UPDATE journal SET shift_digest = zeroblob(32) WHERE id = {from_kkm}")),
        ];
        for (what, k, sql) in cases {
            let path = d.join("case.db");
            for side in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{side}", path.display()));
            }
            std::fs::copy(&pristine, &path).unwrap();
            {
                let conn = cipher::open_sql(&path, &KEY).unwrap();
                conn.execute_batch(&format!("PRAGMA foreign_keys = OFF; {sql}"))
                    .unwrap();
            }
            // Open verifies all KKMs, the table split in two (the second reader opens; if
            // it did not, one reader would walk it all and this test would not see the split).
            let s = Store::open(&path, &KEY).unwrap();
            let second = s
                .reader
                .as_ref()
                .expect("a file-backed store has a second reader");
            assert!(second.open().is_ok(), "{what}: the second reader opens");
            let at_open = s.sync_state(KKMS[k]).unwrap();
            assert_eq!(at_open.local_state, 1, "{what}: found at open");
            for other in (0..KKMS.len()).filter(|&o| o != k) {
                assert_eq!(s.sync_state(KKMS[other]).unwrap().local_state, 0, "{what}");
            }
            // The walk of the one KKM through its index, on one reader.
            let single = named(crate::verify::walk_once(&s.conn(), &s.chain, KKMS[k], None));
            assert_eq!(
                at_open.state_reason.as_deref(),
                Some(format!("record {}: {}", single.0, single.1).as_str()),
                "{what}"
            );
            // `verify`: the same walk in two halves.
            assert_eq!(named(s.verify(KKMS[k])), single, "{what}");
        }
        // Untouched, the three walks count the same.
        let s = Store::open(&pristine, &KEY).unwrap();
        for kkm in KKMS {
            assert_eq!(s.sync_state(kkm).unwrap().local_state, 0);
            assert_eq!(s.verify(kkm).unwrap().records, PER_KKM as u64);
            let single = crate::verify::walk_once(&s.conn(), &s.chain, kkm, None).unwrap();
            assert_eq!(single.records, PER_KKM as u64);
        }
        let _ = std::fs::remove_dir_all(&d);
    }

    /// Another connection commits while a store on the same file verifies (a daemon
    /// selling while `kkm-daemon verify` reads its journal): the walks' reads are not one
    /// snapshot, but no KKM is ever called broken for it.
    #[test]
    fn commits_landing_during_a_walk_are_not_tampering() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let d = dir("race");
        let path = d.join("kkm.db");
        build(&path);
        let writer = Store::open(&path, &KEY).unwrap();
        let done = AtomicBool::new(false);
        let payload = br#"{"n":"late"}"#;
        let written = std::thread::scope(|scope| {
            let selling = scope.spawn(|| {
                let mut n = PER_KKM;
                while !done.load(Ordering::Relaxed) {
                    for &kkm in &KKMS {
                        let mut doc = sale(kkm, n, payload);
                        doc.shift_number = 1 + (n / 250) as u32;
                        writer.append(&doc, b"{}").unwrap();
                    }
                    n += 1;
                }
                n - PER_KKM
            });
            // Stops the writer however the reader ends (a failed assertion included).
            struct Stop<'a>(&'a AtomicBool);
            impl Drop for Stop<'_> {
                fn drop(&mut self) {
                    self.0.store(true, Ordering::Relaxed);
                }
            }
            let stop = Stop(&done);
            let reader = Store::open(&path, &KEY).unwrap();
            for _ in 0..6 {
                for kkm in KKMS {
                    reader.verify(kkm).unwrap();
                }
                assert!(reader.verify_all().unwrap().is_empty());
            }
            drop(stop);
            selling.join().unwrap()
        });
        assert!(written > 0, "the writer committed during the walks");
        for kkm in KKMS {
            let state = writer.sync_state(kkm).unwrap();
            assert_eq!(state.local_state, 0, "{:?}", state.state_reason);
            assert_eq!(
                writer.verify(kkm).unwrap().records,
                (PER_KKM + written) as u64
            );
        }
        let _ = std::fs::remove_dir_all(&d);
    }
}
