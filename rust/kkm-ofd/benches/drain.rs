//! Queue drain rate to the OFD emulator on loopback (bar: ≥ 2,000 documents/s, strictly
//! ordered). The journal is the in-memory one, so this measures the protocol path
//! (frame, TCP round trip, emulator) without fsync; the register's benchmark adds the
//! SQLite commit per document.
//!
//! Run: `cargo bench -p kkm-ofd --bench drain` (prints documents/s per run).

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use kkm_ofd::{ClientConfig, Endpoint, OfdClient, SyncEngine};
use kkm_ofd_sim::{Fault, FaultPlan, OfdSim, SimConfig};
use support::MemJournal;

const KKM: u32 = 6923;
const DOCS: usize = 10_000;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        for run in 1..=3 {
            let sim = OfdSim::start(
                SimConfig::with_kkms([(KKM, 1)]),
                "127.0.0.1:0".parse().expect("addr"),
            )
            .await
            .expect("emulator");
            let journal = Arc::new(MemJournal::new(KKM, 1));
            let mut config = ClientConfig::new(Endpoint::plain("127.0.0.1", sim.addr().port()));
            config.budget = Duration::from_millis(300);
            let engine = SyncEngine::new(
                journal.clone(),
                OfdClient::new(config).expect("client"),
                Arc::new(|| 1_795_428_000),
            )
            .expect("engine");
            // Go autonomous, queue DOCS documents.
            sim.set_fault(FaultPlan::always(Fault::Refuse));
            tokio::time::sleep(Duration::from_millis(20)).await;
            for i in 0..DOCS {
                let doc = journal.append(1_795_428_000 + i as i64);
                engine.deliver(&doc).await.expect("deliver");
            }
            sim.clear_fault();
            let started = Instant::now();
            let sent = engine.drain().await.expect("drain");
            let elapsed = started.elapsed();
            assert_eq!(sent as usize, DOCS);
            let books = sim.books(KKM).expect("books");
            assert_eq!(books.accepted.len(), DOCS);
            assert_eq!(books.duplicates, 0);
            let in_order = journal.state().done.windows(2).all(|w| w[0].0 < w[1].0);
            assert!(in_order, "strict FIFO");
            println!(
                "drain run {run}: {DOCS} documents in {:.1} ms = {:.0} documents/s (bar 2000)",
                elapsed.as_secs_f64() * 1e3,
                DOCS as f64 / elapsed.as_secs_f64()
            );
            sim.shutdown().await;
        }
    });
}
