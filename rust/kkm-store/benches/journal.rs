//! Journal benchmarks (a bench binary printing percentiles):
//! * append with fsync (WAL, synchronous=FULL): latency p50/p99 and documents/s;
//! * `verify()` over 1,000,000 records (bar ≤ 3 s; DESIGN target ≤ 1.5 s).
//!
//! Run: `cargo bench -p kkm-store --bench journal` (`-- --records N` to change the size).

use std::time::Instant;

use kkm_store::{DocumentKind, NewDocument, StaticKey, Store};

const KKM: u32 = 6923;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let mut records: usize = 1_000_000;
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--records") {
        if let Some(n) = args.get(i + 1).and_then(|n| n.parse().ok()) {
            records = n;
        }
    }
    let dir = std::env::temp_dir().join(format!("kkm-store-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");

    // 1. Appends with fsync: a 1.2 KB receipt payload and its CPCR request.
    let store = Store::open(dir.join("append.db"), &StaticKey([7; 32])).expect("open");
    store.add_kkm(KKM, 1, b"{}").expect("kkm");
    let payload = vec![b'x'; 1200];
    let request = vec![7u8; 600];
    let counters = vec![b'c'; 2000];
    let n = 2000;
    let mut lat = Vec::with_capacity(n);
    let started = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        store
            .append(
                &NewDocument {
                    kkm_id: KKM,
                    kind: DocumentKind::Sell,
                    operator_id: 1,
                    at: 1_795_428_000 + i as i64,
                    total: 175_000,
                    shift_number: 1,
                    offline_number: None,
                    payload: &payload,
                    request: Some(&request),
                    idempotency_key: None,
                    idempotency_fingerprint: None,
                    shift_document: 0,
                    offline: false,
                    parent: None,
                },
                &counters,
            )
            .expect("append");
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let total = started.elapsed().as_secs_f64();
    lat.sort_by(|a, b| a.total_cmp(b));
    println!(
        "append+fsync: {n} documents, p50 {:.3} ms, p99 {:.3} ms, {:.0} documents/s",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        n as f64 / total
    );

    // 2. verify() over `records` records (built in batches; ~200-byte payloads).
    let store = Store::open(dir.join("verify.db"), &StaticKey([7; 32])).expect("open");
    store.add_kkm(KKM, 1, b"{}").expect("kkm");
    let payload = vec![b'p'; 200];
    let built = Instant::now();
    let batch = 20_000;
    let mut made = 0;
    while made < records {
        let docs: Vec<NewDocument<'_>> = (made..(made + batch).min(records))
            .map(|i| NewDocument {
                kkm_id: KKM,
                kind: if i % 5000 == 4999 {
                    DocumentKind::ZReport
                } else {
                    DocumentKind::Sell
                },
                operator_id: 1,
                at: 1_795_428_000 + i as i64,
                total: i as i64,
                shift_number: (i / 5000) as u32 + 1,
                offline_number: None,
                payload: &payload,
                request: None,
                idempotency_key: None,
                idempotency_fingerprint: None,
                shift_document: 0,
                offline: false,
                parent: None,
            })
            .collect();
        made += docs.len();
        store.append_batch(&docs, b"{}").expect("batch");
    }
    println!(
        "built {records} records in {:.1} s",
        built.elapsed().as_secs_f64()
    );
    for run in 1..=3 {
        let t = Instant::now();
        let report = store.verify(KKM).expect("verifies");
        println!(
            "verify run {run}: {} records, {} closed shifts in {:.3} s (bar 3 s, target 1.5 s)",
            report.records,
            report.closed_shifts,
            t.elapsed().as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
