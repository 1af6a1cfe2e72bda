//! Printing never waits in the answer's path: TradeOperation over HTTP (the daemon
//! in-process, the OFD emulator on loopback, fsync on) with `is_printable` on and off,
//! interleaved in the same run, p50 / p99 of each and their ratio; then the print
//! throughput to the emulated TCP printer (jobs rendered and sent per second).
//!
//! `cargo bench -p kkm-e2e --bench print` (KKM_BENCH_SALES=N, default 300 per variant).

use std::time::{Duration, Instant};

use kkm_daemon::client::HttpClient;
use kkm_e2e::printer_emu::PrinterEmu;
use kkm_ofd_sim::{KkmProfile, OfdSim, SimConfig};
use kkm_register::{Registry, RegistryConfig};
use serde_json::json;

const KKM: u32 = 6923;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let n: usize = std::env::var("KKM_BENCH_SALES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let sim = OfdSim::start(
        SimConfig {
            kkms: vec![KkmProfile::new(KKM, 12345)],
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse()?,
    )
    .await?;
    let printer = PrinterEmu::start().await?;
    let dir = tempfile::tempdir()?;
    let mut config = RegistryConfig::new(dir.path());
    config.ofds = kkm_daemon::demo::demo_ofds(sim.addr());
    config.printer_driver = Some(kkm_daemon::config::printer_driver(&[], None));
    let registry = Registry::open(config)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(kkm_daemon::http::serve(listener, registry, async move {
        let _ = stopped.await;
    }));
    let mut c = HttpClient::connect(addr).await?;
    let save = json!({"ofd_id": KKM, "ofd_token": 12345,
                      "printer": {"id": 1, "name": printer.address(), "type": 1}});
    let r = c
        .post("/SaveKKM", Some("0000"), &save.to_string())
        .await?
        .json()?;
    anyhow::ensure!(r["response_code"] == 0, "{r}");
    let sale = |printable: bool| {
        json!({"kkm_ofd_id": KKM, "operation": 2, "is_printable": printable,
               "domain": {"type": 0},
               "items": [{"type": 1, "commodity": {"name": "товар", "section_code": "1",
                          "quantity": 1, "price": 100, "sum": 100, "measure_unit_code": "796",
                          "taxes": []}}],
               "payments": [{"type": 0, "sum": 100}],
               "amounts": {"total": 100, "taken": 100, "change": 0}})
        .to_string()
    };
    let (on_body, off_body) = (sale(true), sale(false));
    // Warm-up.
    for _ in 0..20 {
        c.post("/TradeOperation", Some("0000"), &off_body).await?;
    }
    let mut on = Vec::with_capacity(n);
    let mut off = Vec::with_capacity(n);
    let printing_started = Instant::now();
    for i in 0..2 * n {
        let printable = i % 2 == 0;
        let body = if printable { &on_body } else { &off_body };
        let t = Instant::now();
        let r = c
            .post("/TradeOperation", Some("0000"), body)
            .await?
            .json()?;
        let took = t.elapsed();
        anyhow::ensure!(r["response_code"] == 0, "{r}");
        if printable {
            on.push(took)
        } else {
            off.push(took)
        }
    }
    on.sort();
    off.sort();
    let (on50, on99, off50, off99) = (
        percentile(&on, 0.5),
        percentile(&on, 0.99),
        percentile(&off, 0.5),
        percentile(&off, 0.99),
    );
    println!("TradeOperation over HTTP, {n} sales each, interleaved:");
    println!("  printing off: p50 {off50:?}  p99 {off99:?}  (baseline)");
    println!("  printing on:  p50 {on50:?}  p99 {on99:?}");
    println!(
        "  ratio on/off: p50 {:.2}  p99 {:.2}",
        on50.as_secs_f64() / off50.as_secs_f64(),
        on99.as_secs_f64() / off99.as_secs_f64()
    );
    let jobs = printer.wait_jobs(n, Duration::from_secs(600)).await?;
    let all_printed = printing_started.elapsed();
    println!(
        "  {} receipts reached the printer {:?} after the first sale",
        jobs.len(),
        all_printed
    );

    // Print throughput alone: reprint 100 documents as duplicates.
    let before = printer.jobs().len();
    let t = Instant::now();
    let reprints = 100.min(n);
    for k in 0..reprints {
        let body = json!({"kkm_ofd_id": KKM, "fr_shift_number": 1,
                          "shift_document_number": 21 + 2 * k as i64});
        let r = c
            .post("/ReprintDocument", Some("0000"), &body.to_string())
            .await?
            .json()?;
        anyhow::ensure!(r["response_code"] == 0, "{r}");
    }
    printer
        .wait_jobs(before + reprints, Duration::from_secs(600))
        .await?;
    let secs = t.elapsed().as_secs_f64();
    let bytes: usize = printer.jobs()[before..].iter().map(Vec::len).sum();
    println!(
        "print throughput to the emulated TCP printer: {reprints} jobs in {secs:.2} s = {:.0} jobs/s ({:.1} MB/s of ESC/POS)",
        reprints as f64 / secs,
        bytes as f64 / secs / 1e6
    );
    let _ = stop.send(());
    let _ = server.await;
    sim.shutdown().await;
    Ok(())
}
