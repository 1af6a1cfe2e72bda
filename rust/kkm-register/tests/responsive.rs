//! A fiscal commit must not stall the async worker it runs on: with one worker thread
//! and the journal locked by another process (the commit waits for the lock, as it
//! would wait for a slow fsync), Ping still answers while the sale waits, and the sale
//! goes through once the lock is gone.

use std::sync::mpsc;
use std::time::Duration;

use kkm_ofd_sim::{KkmProfile, OfdSim, SimConfig};
use kkm_register::api::{SaveKkmRequest, TradeOperationRequest};
use kkm_register::{Credential, Endpoint, KeySource, OfdConfig, Registry, RegistryConfig};
use serde_json::json;

const KKM: u32 = 6923;

fn sale() -> TradeOperationRequest {
    serde_json::from_value(json!({
        "kkm_ofd_id": KKM,
        "operation": 2,
        "domain": {"type": 0},
        "items": [{"type": 1, "commodity": {"name": "x", "section_code": "1", "quantity": 1,
            "price": 100, "sum": 100, "taxes": [], "measure_unit_code": "796", "auxiliary": []}}],
        "payments": [{"type": 0, "sum": 100}],
        "taxes": [],
        "amounts": {"total": 100, "taken": 100, "change": 0},
        "auxiliary": []
    }))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn ping_answers_while_a_sale_waits_for_its_commit() {
    let dir = std::env::temp_dir().join(format!("kkm-responsive-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let sim = OfdSim::start(
        SimConfig {
            kkms: vec![KkmProfile::new(KKM, 12345)],
            ..SimConfig::default()
        },
        ([127, 0, 0, 1], 0).into(),
    )
    .await
    .unwrap();
    let mut config = RegistryConfig::new(&dir);
    config.key = KeySource::Static([3; 32]);
    config.ofds = vec![OfdConfig {
        uid: "76A41602F148468EA85FA0ECBA8B4BBB".into(),
        name: "OFD".into(),
        endpoint: Endpoint::plain("127.0.0.1", sim.addr().port()),
        check_url: "http://consumer.oofd.kz".into(),
    }];
    let registry = Registry::open(config.clone()).await.unwrap();
    let admin = Credential::pin("0000");
    registry
        .save_kkm(
            &admin,
            SaveKkmRequest {
                ofd_id: i64::from(KKM),
                ofd_token: Some(12345),
                ..SaveKkmRequest::default()
            },
        )
        .await
        .unwrap();
    // Warm the PIN cache: the sale below then blocks only in its commit.
    registry
        .trade_operation(&admin, sale(), None)
        .await
        .unwrap();

    // Another process holds the journal's write lock until told to let go.
    let (locked_tx, locked_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let db = config.database_path();
    let holder = std::thread::spawn(move || {
        // The journal is encrypted: the other process has the installation's key.
        let conn = kkm_store::cipher::open_sql(db, &kkm_store::StaticKey([3; 32])).unwrap();
        conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
        locked_tx.send(()).unwrap();
        let _ = release_rx.recv_timeout(Duration::from_secs(30));
        conn.execute_batch("ROLLBACK").unwrap();
    });
    locked_rx.recv().unwrap();

    let seller = registry.clone();
    let sale_task = tokio::spawn(async move { seller.trade_operation(&admin, sale(), None).await });
    // Let the sale reach its commit (it waits there on the lock, up to 5 s).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pinger = registry.clone();
    let ping = tokio::spawn(async move { pinger.ping() });
    // The only worker is the sale's: Ping gets a thread only if the sale gave it up.
    let pong = tokio::time::timeout(Duration::from_secs(3), ping).await;
    let sale_waiting = !sale_task.is_finished();
    release_tx.send(()).unwrap();
    holder.join().unwrap();
    assert!(pong.is_ok(), "Ping did not answer while the sale waited");
    assert!(
        sale_waiting,
        "the sale was still waiting for its commit when Ping answered"
    );
    let receipt = sale_task.await.unwrap();
    assert!(receipt.is_ok(), "the sale goes through: {receipt:?}");
    registry.shutdown().await;
    sim.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
