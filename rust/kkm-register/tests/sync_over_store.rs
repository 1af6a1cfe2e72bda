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
use kkm_store::{DocumentKind, NewDocument, StaticKey, Store};

const KKM: u32 = 6923;
const TOKEN: u32 = 31_337;
const T0: i64 = 1_795_428_000;

fn engine(store: &Arc<Store>, sim: &OfdSim, budget_ms: u64) -> Arc<SyncEngine<StoreJournal>> {
    let mut config = ClientConfig::new(Endpoint::plain("127.0.0.1", sim.addr().port()));
    config.budget = Duration::from_millis(budget_ms);
    config.retry_pause = Duration::from_millis(20);
    let engine = SyncEngine::new(
        Arc::new(StoreJournal::new(store.clone(), KKM)),
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
        }
        assert!(matches!(engine.status().mode, SyncMode::Autonomous { .. }));
        assert_eq!(store.queue_len(KKM).unwrap(), 3);
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
