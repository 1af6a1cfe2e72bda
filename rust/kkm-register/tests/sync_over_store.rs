//! The OFD sync engine over the real SQLite journal, against the OFD emulator: online
//! fiscalization, autonomous documents, a "process restart" (store closed and reopened,
//! engine rebuilt) with documents still queued, drain in order without duplicates, and a
//! token that rotates on every fiscal answer persisted sealed in the store.

use std::sync::Arc;
use std::time::Duration;

use kkm_ofd::{
    Backoff, ClientConfig, Delivery, Endpoint, OfdClient, QueuedDocument, SyncEngine, SyncMode,
};
use kkm_ofd_sim::{Fault, FaultPlan, OfdSim, SimConfig, TokenPolicy};
use kkm_proto::cpcr::DateTime;
use kkm_proto::fixtures;
use kkm_proto::prost::Message;
use kkm_register::StoreJournal;
use kkm_store::{DocumentKind, NewDocument, StaticKey, Store, StoreError};

const KKM: u32 = 6923;
const TOKEN: u32 = 31_337;
const T0: i64 = 1_795_428_000;

fn engine(store: &Arc<Store>, sim: &OfdSim, budget_ms: u64) -> Arc<SyncEngine<StoreJournal>> {
    let mut config = ClientConfig::new(Endpoint::plain("127.0.0.1", sim.addr().port()));
    config.budget = Duration::from_millis(budget_ms);
    config.retry_pause = Duration::from_millis(20);
    let engine = SyncEngine::new(
        Arc::new(StoreJournal::new(store.clone(), KKM).with_offline_counts(offline_counts)),
        OfdClient::new(config).unwrap(),
        Arc::new(|| T0 + 3600),
    )
    .unwrap()
    .with_backoff(Backoff {
        initial: Duration::from_millis(20),
        max: Duration::from_millis(100),
    });
    Arc::new(engine)
}

/// This test's counters are `{"sales":n}` with `"offline":k` added as documents go
/// autonomous after their online attempt (the register's are its `ShiftBook`).
fn offline_counts(
    _kkm: u32,
    _id: i64,
    _payload: &[u8],
    counters: &[u8],
) -> Result<Vec<u8>, StoreError> {
    let mut v: serde_json::Value =
        serde_json::from_slice(counters).map_err(|e| StoreError::Malformed(e.to_string()))?;
    v["offline"] = (v["offline"].as_i64().unwrap_or(0) + 1).into();
    Ok(v.to_string().into_bytes())
}

/// What the register does: journal the document with its request, queued, in one step.
fn journal_sale(store: &Store, n: i64) -> QueuedDocument {
    let request = fixtures::sale_request(2, DateTime::from_unix_seconds(T0 + n));
    let bytes = request.encode_to_vec();
    let payload = format!(r#"{{"sale":{n}}}"#);
    let appended = store
        .append(
            &NewDocument {
                kkm_id: KKM,
                kind: DocumentKind::Sell,
                operator_id: 1,
                at: T0 + n,
                total: 1000 * n,
                shift_number: 1,
                offline_number: Some((T0 + n) as u32),
                payload: payload.as_bytes(),
                request: Some(&bytes),
                idempotency_key: None,
                idempotency_fingerprint: None,
                shift_document: 0,
                offline: false,
                parent: None,
            },
            format!(r#"{{"sales":{n}}}"#).as_bytes(),
        )
        .unwrap();
    QueuedDocument {
        id: appended.record().id as u64,
        request,
        offline_number: (T0 + n) as u32,
        reqnum: None,
    }
}

#[tokio::test]
async fn the_engine_over_sqlite_survives_a_restart_with_a_queue() {
    let dir = std::env::temp_dir().join(format!("kkm-register-sync-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("journal.db");
    let key = StaticKey([9; 32]);
    let config = SimConfig {
        policy: TokenPolicy {
            rotate_every: Some(1),
        },
        ..SimConfig::with_kkms([(KKM, TOKEN)])
    };
    let sim = OfdSim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();

    {
        let store = Arc::new(Store::open(&db, &key).unwrap());
        store.add_kkm(KKM, TOKEN, b"{}").unwrap();
        let engine = engine(&store, &sim, 300);

        // Online: fiscalized at once, the sign lands on the journal record.
        let first = journal_sale(&store, 1);
        let Delivery::Fiscalized(answer) = engine.deliver(&first).await.unwrap() else {
            panic!("expected an online sale")
        };
        let sign = answer.ticket.unwrap().ticket_number;
        let record = store.record(first.id as i64).unwrap().unwrap();
        assert_eq!(record.fiscal_sign.as_deref(), Some(sign.as_str()));

        // The OFD goes quiet: the next sale is processed late, the rest queue.
        sim.set_fault(FaultPlan::times(
            Fault::Delay(Duration::from_millis(700)),
            1,
        ));
        for n in 2..=4 {
            let doc = journal_sale(&store, n);
            assert!(matches!(
                engine.deliver(&doc).await.unwrap(),
                Delivery::Autonomous { .. }
            ));
            if n == 2 {
                // Moved to the offline counts in the step that opened the period.
                assert_eq!(store.counters(KKM).unwrap(), br#"{"offline":1,"sales":2}"#);
            }
        }
        assert!(matches!(engine.status().mode, SyncMode::Autonomous { .. }));
        assert_eq!(store.queue_len(KKM).unwrap(), 3);
        // The unanswered sale went autonomous with the period, counted offline; the two
        // made after it were never attempted online.
        let offline: Vec<bool> = store
            .records(KKM, 0, 10)
            .unwrap()
            .iter()
            .map(|r| r.offline)
            .collect();
        assert_eq!(offline, [false, true, false, false]);
        // The process dies here: engine and store are dropped with the queue on disk.
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // the late answer goes nowhere

    let store = Arc::new(Store::open(&db, &key).unwrap());
    assert_eq!(
        store.verify(KKM).unwrap().records,
        4,
        "verified at open, intact"
    );
    let engine = engine(&store, &sim, 1000);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(engine.clone().run(async {
        let _ = stopped.await;
    }));
    let mut status = engine.subscribe();
    tokio::time::timeout(
        Duration::from_secs(10),
        status.wait_for(|s| s.queue_len == 0 && s.mode == SyncMode::Online),
    )
    .await
    .expect("drained after the restart")
    .unwrap();
    let _ = stop.send(());
    task.await.unwrap();

    let books = sim.books(KKM).unwrap();
    assert_eq!(
        books.accepted.len(),
        4,
        "the late-processed sale was not fiscalized twice"
    );
    assert_eq!(books.duplicates, 0);
    let records = store.records(KKM, 0, 100).unwrap();
    let journal_signs: Vec<Option<String>> =
        records.iter().map(|r| r.fiscal_sign.clone()).collect();
    let ofd_signs: Vec<Option<String>> = books
        .accepted
        .iter()
        .map(|a| a.fiscal_sign.clone())
        .collect();
    assert_eq!(
        journal_signs, ofd_signs,
        "every record holds the OFD's sign, in order"
    );
    assert!(
        records.iter().all(|r| r.offline_number.is_some()),
        "offline numbers are kept"
    );
    let state = store.sync_state(KKM).unwrap();
    assert_eq!(state.token, books.token, "the rotated token is persisted");
    assert_ne!(state.token, TOKEN);
    assert_eq!(state.autonomous_since, None);
    assert!(
        !books.offline_periods.is_empty(),
        "the OFD was told the offline period"
    );
    sim.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The journal files `db` and its WAL as they are now, to put back later.
fn snapshot(db: &std::path::Path) -> Vec<(std::path::PathBuf, Option<Vec<u8>>)> {
    ["", "-wal"]
        .iter()
        .map(|suffix| {
            let path = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
            let bytes = std::fs::read(&path).ok();
            (path, bytes)
        })
        .collect()
}

/// An online sale's answer is recorded without an fsync of its own (the OFD would give
/// it again). A power cut that loses it — simulated by putting back the journal files
/// as they were once the sale was journaled (that commit was fsynced) and before the
/// answer — leaves the sale queued with the REQNUM it was sent under. After the restart
/// the drain sends it again under that REQNUM and token, the OFD answers from memory,
/// and the journal ends as if nothing had been lost: the same fiscal sign, one document
/// at the OFD, a chain that verifies, and the next sale chains on.
#[tokio::test]
async fn an_answer_lost_in_a_power_cut_is_given_again_under_the_same_reqnum() {
    let dir = std::env::temp_dir().join(format!("kkm-register-lost-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("journal.db");
    let key = StaticKey([9; 32]);
    let sim = OfdSim::start(
        SimConfig::with_kkms([(KKM, TOKEN)]),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();

    let (sale, sign, reqnum, durable) = {
        let store = Arc::new(Store::open(&db, &key).unwrap());
        store.add_kkm(KKM, TOKEN, b"{}").unwrap();
        let engine = engine(&store, &sim, 1000);
        let first = journal_sale(&store, 1);
        assert!(matches!(
            engine.deliver(&first).await.unwrap(),
            Delivery::Fiscalized(_)
        ));
        let sale = journal_sale(&store, 2);
        let reqnum = store.queue_front(KKM).unwrap().unwrap().reqnum;
        assert!(reqnum.is_some(), "the REQNUM is journaled with the sale");
        let durable = snapshot(&db);
        let Delivery::Fiscalized(answer) = engine.deliver(&sale).await.unwrap() else {
            panic!("expected an online sale")
        };
        let sign = answer.ticket.unwrap().ticket_number;
        let record = store.record(sale.id as i64).unwrap().unwrap();
        assert_eq!(record.fiscal_sign.as_deref(), Some(sign.as_str()));
        (sale, sign, reqnum, durable)
    };
    // The power cut: what was not fsynced after the sale was journaled is gone.
    for (path, bytes) in durable {
        match bytes {
            Some(bytes) => std::fs::write(&path, bytes).unwrap(),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let _ = std::fs::remove_file(format!("{}-shm", db.display()));

    let store = Arc::new(Store::open(&db, &key).unwrap());
    assert_eq!(
        store.verify(KKM).unwrap().records,
        2,
        "verifies without the answer"
    );
    let lost = store.record(sale.id as i64).unwrap().unwrap();
    assert_eq!(lost.fiscal_sign, None, "the answer was lost");
    let front = store.queue_front(KKM).unwrap().unwrap();
    assert_eq!((front.id, front.reqnum), (sale.id as i64, reqnum));

    let engine = engine(&store, &sim, 1000);
    assert_eq!(engine.drain().await.unwrap(), 1);
    let record = store.record(sale.id as i64).unwrap().unwrap();
    assert_eq!(
        record.fiscal_sign.as_deref(),
        Some(sign.as_str()),
        "the OFD gave the same answer again"
    );
    assert!(!record.offline, "it stays an online sale");
    let books = sim.books(KKM).unwrap();
    assert_eq!(books.accepted.len(), 2, "fiscalized once");
    assert_eq!(books.duplicates, 0);
    assert_eq!(store.counters(KKM).unwrap(), br#"{"sales":2}"#);
    // The chain goes on.
    let next = journal_sale(&store, 3);
    assert!(matches!(
        engine.deliver(&next).await.unwrap(),
        Delivery::Fiscalized(_)
    ));
    let report = store.verify(KKM).unwrap();
    assert_eq!(report.records, 3);
    assert_eq!(sim.books(KKM).unwrap().accepted.len(), 3);
    sim.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
