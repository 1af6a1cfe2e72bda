use proptest::prelude::*;

use super::*;

const KKM: u32 = 6923;

fn store() -> Store {
    let s = Store::open_in_memory(&StaticKey([7; 32])).unwrap();
    s.add_kkm(KKM, 77, b"{}").unwrap();
    s
}

fn doc<'a>(kind: DocumentKind, shift: u32, total: i64, payload: &'a [u8]) -> NewDocument<'a> {
    NewDocument {
        kkm_id: KKM,
        kind,
        operator_id: 1,
        at: 1_795_428_000 + total,
        total,
        shift_number: shift,
        offline_number: None,
        payload,
        request: Some(b"cpcr"),
        idempotency_key: None,
        idempotency_fingerprint: None,
        shift_document: 0,
        offline: false,
        parent: None,
    }
}

#[test]
fn append_writes_document_counters_and_queue_together() {
    let s = store();
    let a = s
        .append(&doc(DocumentKind::Sell, 1, 100, b"{\"a\":1}"), b"{\"n\":1}")
        .unwrap();
    let Appended::New(r) = a else {
        panic!("new record expected")
    };
    assert_eq!(s.counters(KKM).unwrap(), b"{\"n\":1}");
    assert_eq!(s.queue_len(KKM).unwrap(), 1);
    let front = s.queue_front(KKM).unwrap().unwrap();
    assert_eq!(
        (front.id, front.request.as_slice(), front.reqnum),
        (r.id, &b"cpcr"[..], Some(1))
    );
    assert_eq!(s.record(r.id).unwrap().unwrap(), r);
}

#[test]
fn an_idempotency_key_replays_instead_of_writing_twice() {
    let s = store();
    let mut d = doc(DocumentKind::Sell, 1, 100, b"x");
    d.idempotency_key = Some("key-1");
    let first = s.append(&d, b"1").unwrap();
    let again = s.append(&d, b"2").unwrap();
    assert!(matches!(first, Appended::New(_)));
    assert!(matches!(again, Appended::Replayed(_)));
    assert_eq!(first.record(), again.record());
    assert_eq!(s.counters(KKM).unwrap(), b"1", "a replay changes nothing");
    assert_eq!(s.records(KKM, 0, 10).unwrap().len(), 1);
    assert_eq!(s.queue_len(KKM).unwrap(), 1);
}

#[test]
fn unknown_kkm_is_an_error() {
    let s = store();
    let mut d = doc(DocumentKind::Sell, 1, 1, b"x");
    d.kkm_id = 1;
    assert!(matches!(s.append(&d, b""), Err(StoreError::UnknownKkm(1))));
    assert!(matches!(s.counters(1), Err(StoreError::UnknownKkm(1))));
    assert!(matches!(
        s.reserve_reqnum(1, None),
        Err(StoreError::UnknownKkm(1))
    ));
}

#[test]
fn queue_flow_reserves_reqnum_completes_and_blocks() {
    let s = store();
    let r1 = s
        .append(&doc(DocumentKind::Sell, 1, 1, b"1"), b"")
        .unwrap()
        .record()
        .clone();
    let r2 = s
        .append(&doc(DocumentKind::Sell, 1, 2, b"2"), b"")
        .unwrap()
        .record()
        .clone();
    // The head gets its REQNUM in the commit that makes it the head.
    assert_eq!(s.queue_front(KKM).unwrap().unwrap().reqnum, Some(1));
    assert_eq!(s.sync_state(KKM).unwrap().reqnum, 1);
    s.save_token(KKM, 99).unwrap();
    s.complete(r1.id, Some("1000000001"), None, b"answer")
        .unwrap();
    assert_eq!(s.queue_front(KKM).unwrap().unwrap().reqnum, Some(2));
    assert_eq!(
        s.record(r1.id).unwrap().unwrap().fiscal_sign.as_deref(),
        Some("1000000001")
    );
    assert_eq!(s.queue_front(KKM).unwrap().unwrap().id, r2.id);
    s.block(KKM, Some(r2.id), 13, "bad data").unwrap();
    s.set_autonomous_since(KKM, Some(5), 5).unwrap();
    let st = s.sync_state(KKM).unwrap();
    assert_eq!((st.token, st.reqnum, st.autonomous_since), (99, 2, Some(5)));
    assert_eq!(st.blocked, Some((Some(r2.id), 13, "bad data".to_string())));
    // Ending the autonomous period keeps when it ended; ending it again changes nothing.
    s.set_autonomous_since(KKM, None, 9).unwrap();
    s.set_autonomous_since(KKM, None, 12).unwrap();
    let st = s.sync_state(KKM).unwrap();
    assert_eq!((st.autonomous_since, st.autonomous_until), (None, Some(9)));
    s.set_token_refused(KKM, true).unwrap();
    assert!(s.sync_state(KKM).unwrap().token_refused);
    s.save_token(KKM, 100).unwrap();
    assert!(
        !s.sync_state(KKM).unwrap().token_refused,
        "a new token is not refused"
    );
    s.unblock(KKM, Some(r2.id)).unwrap();
    assert_eq!(s.sync_state(KKM).unwrap().blocked, None);
    assert_eq!(s.queue_len(KKM).unwrap(), 0);
    assert!(
        s.record(r2.id).unwrap().is_some(),
        "the journal keeps a dropped document"
    );
    assert!(
        s.verify(KKM).is_ok(),
        "OFD answers are not part of the chain"
    );
}

#[test]
fn reqnum_wraps() {
    let s = store();
    s.conn()
        .execute("UPDATE kkm SET reqnum = 65535", [])
        .unwrap();
    assert_eq!(s.reserve_reqnum(KKM, None).unwrap(), 0);
}

#[test]
fn z_reports_carry_the_shift_digest() {
    let s = store();
    s.append(&doc(DocumentKind::Sell, 1, 1, b"1"), b"").unwrap();
    s.append(&doc(DocumentKind::XReport, 1, 0, b"x"), b"")
        .unwrap();
    let expected = s.shift_digest(KKM, 1).unwrap();
    let z = s
        .append(&doc(DocumentKind::ZReport, 1, 0, b"z"), b"")
        .unwrap();
    assert_eq!(z.record().z_checksum, Some(expected));
    // The next shift starts its own digest.
    s.append(&doc(DocumentKind::Sell, 2, 5, b"2"), b"").unwrap();
    let report = s.verify(KKM).unwrap();
    assert_eq!((report.records, report.closed_shifts), (4, 1));
}

fn tamper(s: &Store, sql: &str) {
    s.conn().execute(sql, []).unwrap();
}

#[test]
fn a_flipped_byte_is_found_named_and_blocks_the_kkm() {
    let s = store();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            s.append(&doc(DocumentKind::Sell, 1, i, b"payload"), b"")
                .unwrap()
                .record()
                .id,
        );
    }
    assert!(s.verify(KKM).is_ok());
    tamper(
        &s,
        &format!(
            "UPDATE journal SET payload = X'7061796C6F61FF' WHERE id = {}",
            ids[2]
        ),
    );
    match s.verify(KKM) {
        Err(e @ StoreError::Tampered { record, .. }) => {
            assert_eq!(record, ids[2]);
            assert_eq!(e.code(), VALUES_CONFLICT_CODE);
        }
        other => panic!("expected a tampered journal, got {other:?}"),
    }
    let st = s.sync_state(KKM).unwrap();
    assert_eq!(st.local_state, 1, "ValuesConflict");
    assert!(st
        .state_reason
        .unwrap()
        .contains(&format!("record {}", ids[2])));
}

#[test]
fn other_tampering_is_found_too() {
    let cases = [
        "UPDATE journal SET total = total + 1 WHERE id = 2",
        "UPDATE journal SET at = at - 60 WHERE id = 1",
        "UPDATE journal SET kind = 3 WHERE id = 2",
        "UPDATE journal SET z_checksum = X'00' WHERE id = 3",
        "DELETE FROM journal WHERE id = 4",
        "DELETE FROM journal WHERE id = 2",
    ];
    for sql in cases {
        let s = store();
        s.append(&doc(DocumentKind::Sell, 1, 1, b"a"), b"").unwrap();
        s.append(&doc(DocumentKind::Sell, 1, 2, b"b"), b"").unwrap();
        s.append(&doc(DocumentKind::ZReport, 1, 0, b"z"), b"")
            .unwrap();
        s.append(&doc(DocumentKind::Sell, 2, 3, b"c"), b"").unwrap();
        s.conn().execute("DELETE FROM queue", []).unwrap();
        tamper(&s, sql);
        assert!(
            matches!(s.verify(KKM), Err(StoreError::Tampered { .. })),
            "not detected: {sql}"
        );
    }
}

#[test]
fn reopening_keeps_everything_and_refuses_newer_schemas() {
    let dir = std::env::temp_dir().join(format!("kkm-store-reopen-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("journal.db");
    {
        let s = Store::open(&path, &StaticKey([7; 32])).unwrap();
        s.add_kkm(KKM, 1, b"c").unwrap();
        s.append(&doc(DocumentKind::Sell, 1, 1, b"a"), b"c2")
            .unwrap();
    }
    {
        let s = Store::open(&path, &StaticKey([7; 32])).unwrap();
        assert_eq!(s.counters(KKM).unwrap(), b"c2");
        assert_eq!(s.verify(KKM).unwrap().records, 1);
        s.conn().pragma_update(None, "user_version", 99).unwrap();
    }
    assert!(matches!(
        Store::open(&path, &StaticKey([7; 32])),
        Err(StoreError::TooNew { found: 99, .. })
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any sequence of documents verifies, and changing any one stored payload byte is
    /// found at exactly that record.
    #[test]
    fn chains_verify_and_any_payload_change_is_found(
        docs in proptest::collection::vec(
            (0u8..8, any::<i64>(), proptest::collection::vec(any::<u8>(), 0..40), any::<bool>()),
            1..20,
        ),
        victim in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let s = store();
        let mut shift = 1;
        let mut ids = Vec::new();
        for (kind, total, payload, next_shift) in &docs {
            let kind = [
                DocumentKind::Buy, DocumentKind::BuyReturn, DocumentKind::Sell,
                DocumentKind::SellReturn, DocumentKind::Deposit, DocumentKind::Withdrawal,
                DocumentKind::XReport, DocumentKind::ZReport,
            ][usize::from(*kind)];
            let d = NewDocument { request: None, ..doc(kind, shift, *total, payload) };
            ids.push((s.append(&d, b"").unwrap().record().id, payload.len()));
            if kind == DocumentKind::ZReport || *next_shift {
                shift += 1;
            }
        }
        prop_assert_eq!(s.verify(KKM).unwrap().records, docs.len() as u64);
        let (id, len) = ids[victim.index(ids.len())];
        let payload: Vec<u8> = s.conn()
            .query_row("SELECT payload FROM journal WHERE id = ?1", [id], |r| r.get(0))
            .unwrap();
        let mut changed = payload.clone();
        if len == 0 {
            changed.push(flip);
        } else {
            changed[0] ^= flip;
        }
        s.conn().execute("UPDATE journal SET payload = ?2 WHERE id = ?1", rusqlite::params![id, changed]).unwrap();
        match s.verify(KKM) {
            Err(StoreError::Tampered { record, .. }) => prop_assert_eq!(record, id),
            other => prop_assert!(false, "not detected: {:?}", other),
        }
    }
}

#[test]
fn the_token_is_sealed_and_a_wrong_key_is_refused_at_open() {
    let dir = std::env::temp_dir().join(format!("kkm-store-key-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("journal.db");
    {
        let s = Store::open(&path, &StaticKey([7; 32])).unwrap();
        s.add_kkm(KKM, 0x1234_5678, b"").unwrap();
        s.save_token(KKM, 0x0BAD_F00D).unwrap();
        let raw: Vec<u8> = s
            .conn()
            .query_row("SELECT token FROM kkm", [], |r| r.get(0))
            .unwrap();
        assert!(
            !raw.windows(4).any(|w| w == 0x0BAD_F00Du32.to_le_bytes()),
            "not in clear"
        );
    }
    // The file is encrypted under a key derived from the data key: another key does
    // not decrypt it.
    assert!(matches!(
        Store::open(&path, &StaticKey([8; 32])),
        Err(StoreError::CannotDecrypt { .. })
    ));
    let s = Store::open(&path, &StaticKey([7; 32])).unwrap();
    assert_eq!(s.sync_state(KKM).unwrap().token, 0x0BAD_F00D);
    drop(s);
    // A plaintext journal (before issue 16) under another key: its sealed secrets do
    // not open, and it is not encrypted under that key.
    let plain = dir.join("plain.db");
    Store::open_unencrypted(&plain, &StaticKey([7; 32]))
        .unwrap()
        .add_kkm(KKM, 1, b"")
        .unwrap();
    assert!(matches!(
        Store::open(&plain, &StaticKey([8; 32])),
        Err(StoreError::WrongKey)
    ));
    assert!(crate::cipher::is_plaintext(&plain).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn registration_data_settings_and_kkm_list() {
    let s = store();
    s.add_kkm(7000, 1, b"").unwrap();
    assert_eq!(s.kkm_ids().unwrap(), vec![KKM, 7000]);
    assert_eq!(s.registration(KKM).unwrap(), None);
    s.set_registration(KKM, r#"{"fns_kkm_id":"010100134464"}"#)
        .unwrap();
    assert_eq!(
        s.registration(KKM).unwrap().as_deref(),
        Some(r#"{"fns_kkm_id":"010100134464"}"#)
    );
    assert!(matches!(
        s.set_registration(1, "{}"),
        Err(StoreError::UnknownKkm(1))
    ));
    assert_eq!(s.setting("vendor_id").unwrap(), None);
    s.set_setting("vendor_id", "KKM0000000001").unwrap();
    s.set_setting("vendor_id", "KKM0000000002").unwrap();
    assert_eq!(
        s.setting("vendor_id").unwrap().as_deref(),
        Some("KKM0000000002")
    );
}

#[test]
fn opening_verifies_and_blocks_a_tampered_kkm() {
    let dir = std::env::temp_dir().join(format!("kkm-store-open-verify-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("journal.db");
    {
        let s = Store::open(&path, &StaticKey([7; 32])).unwrap();
        s.add_kkm(KKM, 1, b"").unwrap();
        s.add_kkm(7000, 1, b"").unwrap();
        s.append(&doc(DocumentKind::Sell, 1, 5, b"a"), b"").unwrap();
        s.conn()
            .execute("UPDATE journal SET total = 6", [])
            .unwrap();
    }
    let s = Store::open(&path, &StaticKey([7; 32])).unwrap();
    assert_eq!(s.sync_state(KKM).unwrap().local_state, 1, "blocked at open");
    assert_eq!(
        s.sync_state(7000).unwrap().local_state,
        0,
        "the other KKM works"
    );
    assert_eq!(s.verify_all().unwrap(), vec![KKM]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn save_kkm_writes_the_kkm_its_token_and_settings_together() {
    let s = Store::open_in_memory(&StaticKey([7; 32])).unwrap();
    s.save_kkm(&KkmSave {
        kkm_id: 5,
        add: Some((11, b"{}")),
        token: None,
        reqnum: 1,
        registration: r#"{"a":1}"#,
    })
    .unwrap();
    let state = s.sync_state(5).unwrap();
    assert_eq!((state.token, state.reqnum), (11, 1));
    assert_eq!(s.registration(5).unwrap().as_deref(), Some(r#"{"a":1}"#));
    s.save_kkm(&KkmSave {
        kkm_id: 5,
        add: None,
        token: Some(12),
        reqnum: 0,
        registration: r#"{"a":2}"#,
    })
    .unwrap();
    assert_eq!(s.sync_state(5).unwrap().token, 12);
    assert_eq!(s.registration(5).unwrap().as_deref(), Some(r#"{"a":2}"#));
    let report = s.verify(5).unwrap();
    assert_eq!(report.facts, 2, "genesis and the token change");
    // An unknown KKM without `add`: refused, nothing written.
    assert!(matches!(
        s.save_kkm(&KkmSave {
            kkm_id: 6,
            add: None,
            token: Some(1),
            reqnum: 0,
            registration: "{}",
        }),
        Err(StoreError::UnknownKkm(6))
    ));
    assert_eq!(s.kkm_ids().unwrap(), vec![5]);
}

#[test]
fn answers_tokens_and_autonomy_are_chained_facts() {
    let s = store();
    let a = s
        .append(&doc(DocumentKind::Sell, 1, 1, b"a"), b"1")
        .unwrap();
    let b = s
        .append(&doc(DocumentKind::Sell, 1, 2, b"b"), b"2")
        .unwrap();
    s.set_autonomous_since(KKM, Some(10), 10).unwrap();
    s.set_autonomous_since(KKM, Some(10), 11).unwrap(); // no change, no fact
    s.mark_offline(b.record().id, b"2o").unwrap();
    s.complete(a.record().id, Some("S"), Some("qr"), b"ans")
        .unwrap();
    s.save_token(KKM, 9).unwrap();
    s.set_autonomous_since(KKM, None, 20).unwrap();
    let report = s.verify(KKM).unwrap();
    assert_eq!(
        (report.records, report.facts, report.legacy_records),
        (2, 6, 0)
    );
    let state = s.sync_state(KKM).unwrap();
    assert_eq!(
        (state.autonomous_since, state.autonomous_until),
        (None, Some(20))
    );
    assert_eq!(s.counters(KKM).unwrap(), b"2o");
    assert!(s.record(b.record().id).unwrap().unwrap().offline);
}

fn synchronous(s: &Store) -> i64 {
    s.conn()
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_deferred_answer_is_recorded_and_the_connection_syncs_again_after_it() {
    let s = store();
    let a = s
        .append(&doc(DocumentKind::Sell, 1, 1, b"a"), b"1")
        .unwrap();
    assert_eq!(synchronous(&s), 2, "FULL");
    s.complete_with(
        a.record().id,
        Some("S1"),
        None,
        b"ans",
        Durability::Deferred,
    )
    .unwrap();
    assert_eq!(synchronous(&s), 2, "back to FULL after the deferred commit");
    assert_eq!(
        s.record(a.record().id)
            .unwrap()
            .unwrap()
            .fiscal_sign
            .as_deref(),
        Some("S1")
    );
    assert_eq!(s.queue_len(KKM).unwrap(), 0);
    // A failed deferred commit leaves the connection synced too.
    assert!(s
        .complete_with(999, Some("S"), None, b"x", Durability::Deferred)
        .is_err());
    assert_eq!(synchronous(&s), 2);
    // Released print jobs (a deferred commit) leave it synced as well.
    s.release_print_jobs(a.record().id).unwrap();
    assert_eq!(synchronous(&s), 2);
    s.verify(KKM).unwrap();
}

#[test]
fn going_autonomous_opens_the_period_and_marks_the_document_in_one_step() {
    let s = store();
    let a = s
        .append(&doc(DocumentKind::Sell, 1, 1, b"a"), b"1")
        .unwrap();
    let recount = |payload: &[u8], counters: &[u8]| -> Result<Vec<u8>, StoreError> {
        Ok([counters, b"+off:", payload].concat())
    };
    let id = a.record().id;
    assert!(s.go_autonomous(KKM, 50, Some((id, &recount))).unwrap());
    let state = s.sync_state(KKM).unwrap();
    assert_eq!(state.autonomous_since, Some(50));
    assert!(s.record(id).unwrap().unwrap().offline);
    assert_eq!(s.counters(KKM).unwrap(), b"1+off:a");
    // Already autonomous and already marked: the period keeps its start, the document
    // is not counted twice.
    assert!(!s.go_autonomous(KKM, 60, Some((id, &recount))).unwrap());
    assert_eq!(s.sync_state(KKM).unwrap().autonomous_since, Some(50));
    assert_eq!(s.counters(KKM).unwrap(), b"1+off:a");
    // A second document of an open period is marked; the period stays.
    let b = s
        .append(&doc(DocumentKind::Sell, 1, 2, b"b"), b"2")
        .unwrap();
    assert!(s
        .go_autonomous(KKM, 70, Some((b.record().id, &recount)))
        .unwrap());
    assert_eq!(s.sync_state(KKM).unwrap().autonomous_since, Some(50));
    assert_eq!(s.counters(KKM).unwrap(), b"2+off:b");
    let report = s.verify(KKM).unwrap();
    // Two offline marks and one period start, after the genesis.
    assert_eq!((report.records, report.facts), (2, 4));
}

#[test]
fn a_failed_move_to_autonomous_mode_writes_nothing() {
    let s = store();
    s.add_kkm(5, 1, b"{}").unwrap();
    let a = s
        .append(&doc(DocumentKind::Sell, 1, 1, b"a"), b"1")
        .unwrap();
    let id = a.record().id;
    let refuse = |_: &[u8], _: &[u8]| -> Result<Vec<u8>, StoreError> {
        Err(StoreError::Malformed("no".into()))
    };
    let keep = |_: &[u8], c: &[u8]| -> Result<Vec<u8>, StoreError> { Ok(c.to_vec()) };
    // The recount fails, or the document is another KKM's: the period is not opened.
    assert!(s.go_autonomous(KKM, 50, Some((id, &refuse))).is_err());
    assert!(s.go_autonomous(5, 50, Some((id, &keep))).is_err());
    for kkm in [KKM, 5] {
        assert_eq!(s.sync_state(kkm).unwrap().autonomous_since, None);
    }
    assert!(!s.record(id).unwrap().unwrap().offline);
    s.verify(KKM).unwrap();
    s.verify(5).unwrap();
}
