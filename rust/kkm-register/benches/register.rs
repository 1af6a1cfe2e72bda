//! Benchmarks of the Register service with the OFD emulator on loopback and the
//! SQLite journal on disk (WAL, `synchronous=FULL`):
//!
//! 1. sale latency through `Registry::trade_operation`, online: p50 / p99 / mean;
//! 2. the same with 4 KKMs selling in parallel: receipts per second;
//! 3. the offline queue's drain rate: documents per second from the journal to the
//!    OFD, strictly in order (bar: ≥ 2,000/s).
//!
//! Run: `cargo bench -p kkm-register --bench register` (`-- --quick` for a short run).
//! A timing, not a test: it asserts only that the work was done.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kkm_ofd_sim::{Fault, FaultPlan, OfdSim, SimConfig};
use kkm_register::api::{SaveKkmRequest, TradeOperationRequest};
use kkm_register::{
    Backoff, Credential, Endpoint, KeySource, OfdConfig, Registry, RegistryConfig, SyncMode,
    SystemClock,
};

fn sale(kkm: u32) -> TradeOperationRequest {
    serde_json::from_str(&format!(
        r#"{{"kkm_ofd_id": {kkm}, "operation": 2,
        "items": [{{"type": 1, "commodity": {{"name": "Нан", "section_code": "1",
            "quantity": 2, "price": 120.50, "sum": 241,
            "taxes": [{{"percent": 12, "sum": 25.82, "is_in_total_sum": true}}],
            "measure_unit_code": "796"}}}},
          {{"type": 1, "commodity": {{"name": "Сүт", "section_code": "2",
            "quantity": 1, "price": 459, "sum": 459, "measure_unit_code": "796"}}}}],
        "payments": [{{"type": 0, "sum": 1000}}],
        "amounts": {{"total": 700, "taken": 1000, "change": 300}}}}"#
    ))
    .expect("sale JSON")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn setup(kkms: u32, name: &str) -> (OfdSim, Arc<Registry>, std::path::PathBuf) {
    let sim = OfdSim::start(
        SimConfig::with_kkms((1..=kkms).map(|i| (7000 + i, 100 + i))),
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("emulator");
    let dir =
        std::env::temp_dir().join(format!("kkm-register-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut config = RegistryConfig::new(&dir);
    config.key = KeySource::Static([9; 32]);
    config.ofds = vec![OfdConfig {
        uid: "4C49A0CB1DD4413387F6E6199CBB1B2A".into(),
        name: "OFD".into(),
        endpoint: Endpoint::plain("127.0.0.1", sim.addr().port()),
        check_url: "http://consumer.oofd.kz".into(),
    }];
    config.clock = Arc::new(SystemClock::default());
    config.backoff = Backoff {
        initial: Duration::from_millis(10),
        max: Duration::from_millis(50),
    };
    let registry = Registry::open(config).await.expect("registry");
    for i in 1..=kkms {
        registry
            .save_kkm(
                &Credential::pin("0000"),
                SaveKkmRequest {
                    ofd_id: i64::from(7000 + i),
                    ofd_token: Some(i64::from(100 + i)),
                    ..SaveKkmRequest::default()
                },
            )
            .await
            .expect("SaveKKM");
    }
    (sim, registry, dir)
}

async fn teardown(sim: OfdSim, registry: Arc<Registry>, dir: std::path::PathBuf) {
    registry.shutdown().await;
    sim.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let n = if quick { 300 } else { 2000 };
    let admin = Credential::pin("0000");

    // 1. Latency, one KKM.
    let (sim, registry, dir) = setup(1, "latency").await;
    for _ in 0..50 {
        registry
            .trade_operation(&admin, sale(7001), None)
            .await
            .expect("warm-up");
    }
    let mut times = Vec::with_capacity(n);
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        let answer = registry
            .trade_operation(&admin, sale(7001), None)
            .await
            .expect("sale");
        times.push(t.elapsed());
        assert!(!answer.document.is_offline);
    }
    let total = started.elapsed();
    times.sort();
    println!(
        "sale via Register, 1 KKM, online, fsync on: n={n} p50={:.3} ms p99={:.3} ms mean={:.3} ms ({:.0} receipts/s)",
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3 / n as f64,
        n as f64 / total.as_secs_f64()
    );
    teardown(sim, registry, dir).await;

    // 2. Throughput, 4 KKMs in parallel.
    let (sim, registry, dir) = setup(4, "parallel").await;
    let per = n / 4;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 1..=4u32 {
        let registry = registry.clone();
        tasks.push(tokio::spawn(async move {
            let admin = Credential::pin("0000");
            for _ in 0..per {
                registry
                    .trade_operation(&admin, sale(7000 + i), None)
                    .await
                    .expect("sale");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let elapsed = started.elapsed();
    println!(
        "sale via Register, 4 KKMs in parallel: {} receipts in {:.2} s = {:.0} receipts/s",
        per * 4,
        elapsed.as_secs_f64(),
        (per * 4) as f64 / elapsed.as_secs_f64()
    );
    teardown(sim, registry, dir).await;

    // 3. Drain rate from the SQLite journal.
    let (sim, registry, dir) = setup(1, "drain").await;
    let docs = if quick { 1000 } else { 5000 };
    sim.set_fault(FaultPlan::always(Fault::Refuse));
    let t = Instant::now();
    for _ in 0..docs {
        let a = registry
            .trade_operation(&admin, sale(7001), None)
            .await
            .expect("autonomous sale");
        assert!(a.document.is_offline);
    }
    let queued_in = t.elapsed();
    let status = registry.sync_status(7001).expect("status");
    assert_eq!(status.queue_len, docs as u64);
    sim.clear_fault();
    let started = Instant::now();
    registry.kick(7001).expect("kick");
    loop {
        let s = registry.sync_status(7001).expect("status");
        if s.queue_len == 0 && s.mode == SyncMode::Online {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let drain = started.elapsed();
    let books = sim.books(7001).expect("books");
    assert_eq!(books.accepted.len(), docs);
    assert_eq!(books.duplicates, 0);
    println!(
        "autonomous sales (journal only): {docs} in {:.2} s = {:.0} receipts/s",
        queued_in.as_secs_f64(),
        docs as f64 / queued_in.as_secs_f64()
    );
    println!(
        "queue drain from SQLite to the emulator: {docs} documents in {:.2} s = {:.0} documents/s (bar 2000), in order, 0 duplicates",
        drain.as_secs_f64(),
        docs as f64 / drain.as_secs_f64()
    );
    teardown(sim, registry, dir).await;
}
