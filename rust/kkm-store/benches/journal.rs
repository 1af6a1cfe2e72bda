//! Journal benchmarks (a bench binary printing percentiles):
//! * append with fsync (WAL, synchronous=FULL): latency p50/p99 and documents/s;
//! * `verify()` over 1,000,000 records (bar ≤ 3 s; DESIGN target ≤ 1.5 s), beside two
//!   floors measured in the same run on the same file: reading the rows verify reads
//!   (its own query, every column touched, no MAC) and SHA-256 over as many bytes.
//!
//! Run: `cargo bench -p kkm-store --bench journal` (`-- --records N` to change the size).

use std::time::Instant;

use kkm_store::{DocumentKind, NewDocument, StaticKey, Store};

const KKM: u32 = 6923;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// The same run's floors under `verify()` on the journal at `db`: the seconds to read
/// the rows it reads with its query, and to SHA-256 as many bytes as they hold.
fn floors(db: &std::path::Path) -> (f64, f64) {
    use rusqlite::types::ValueRef;
    use sha2::{Digest, Sha256};
    let conn = rusqlite::Connection::open(db).expect("open");
    let t = Instant::now();
    let mut stmt = conn
        .prepare(
            "SELECT id, kind, operator_id, at, total, shift_number, offline_number, payload, hash,
                    shift_digest, z_checksum, request, idempotency_key, idempotency_fingerprint,
                    shift_document, offline, parent, counters_digest, fiscal_sign, qr_code, answer
             FROM journal WHERE kkm_id = ?1 ORDER BY id",
        )
        .expect("prepare");
    let mut rows = stmt.query([KKM]).expect("query");
    let (mut count, mut bytes) = (0u64, 0usize);
    while let Some(row) = rows.next().expect("row") {
        count += 1;
        for i in 0..21 {
            bytes += match row.get_ref(i).expect("column") {
                ValueRef::Blob(b) | ValueRef::Text(b) => b.len(),
                _ => 8,
            };
        }
    }
    let scan = t.elapsed().as_secs_f64();
    let block = vec![0x5Au8; 1 << 16];
    let t = Instant::now();
    let mut h = Sha256::new();
    for _ in 0..bytes.div_ceil(block.len()) {
        h.update(&block);
    }
    std::hint::black_box(h.finalize());
    let hashing = t.elapsed().as_secs_f64();
    println!(
        "floors: reading {count} rows ({:.0} MB) with verify's query {scan:.3} s; SHA-256 of as many bytes {hashing:.3} s ({:.2} GB/s)",
        bytes as f64 / 1e6,
        bytes as f64 / hashing / 1e9
    );
    (scan, hashing)
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
    let (scan, hashing) = floors(&dir.join("verify.db"));
    for run in 1..=3 {
        let t = Instant::now();
        let report = store.verify(KKM).expect("verifies");
        println!(
            "verify run {run}: {} records, {} closed shifts in {:.3} s (bar 3 s, target 1.5 s)",
            report.records,
            report.closed_shifts,
            t.elapsed().as_secs_f64()
        );
        println!(
            "  = {:.2}× the floor of the same run (row scan + SHA-256 of the same bytes)",
            t.elapsed().as_secs_f64() / (scan + hashing)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
