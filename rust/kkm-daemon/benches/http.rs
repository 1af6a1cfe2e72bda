//! The daemon's bars (DESIGN.md §4), measured over real sockets:
//!
//! 1. TradeOperation over HTTP, OFD emulator on loopback, journal with fsync
//!    (`synchronous=FULL`): p50 / p99 with one KKM (bar: p50 ≤ 2 ms, p99 ≤ 10 ms);
//! 2. throughput with 4 KKMs in parallel, one client each (bar: ≥ 500 receipts/s);
//! 3. idle RSS of the real `kkm-daemon` process, after start and after work (bar: ≤ 30 MB);
//! 4. cold start of the real binary to its first answered Ping (bar: ≤ 300 ms).
//!
//! `cargo bench -p kkm-daemon --bench http`. `KKM_BENCH_SALES=N` changes the number
//! of sales per measurement (default 1000 for latency, 500 per KKM for throughput).

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use kkm_daemon::client::HttpClient;
use kkm_ofd_sim::{KkmProfile, OfdSim, SimConfig};
use kkm_register::{Endpoint, OfdConfig, Registry, RegistryConfig};

const ADMIN: &str = "0000";
const BIN: &str = env!("CARGO_BIN_EXE_kkm-daemon");

fn sale(kkm: u32) -> String {
    format!(
        r#"{{"kkm_ofd_id": {kkm}, "operation": 2,
            "items": [{{"type": 1, "commodity": {{"name": "Хлеб", "section_code": "1",
                "quantity": 1, "price": 250, "sum": 250, "taxes": [],
                "measure_unit_code": "796"}}}}],
            "payments": [{{"type": 0, "sum": 250}}],
            "amounts": {{"total": 250, "taken": 250, "change": 0}}}}"#
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn post_ok(c: &mut HttpClient, method: &str, body: &str) -> anyhow::Result<()> {
    let r = c.post(&format!("/{method}"), Some(ADMIN), body).await?;
    let v = r.json()?;
    anyhow::ensure!(v["response_code"] == 0, "{method}: {v}");
    Ok(())
}

struct InProcess {
    sim: OfdSim,
    addr: SocketAddr,
    _registry: Arc<Registry>,
    _dir: tempfile::TempDir,
}

/// Emulator + registry + daemon in this process, `kkms` registered.
async fn in_process(kkms: &[u32]) -> anyhow::Result<InProcess> {
    let sim = OfdSim::start(
        SimConfig {
            kkms: kkms.iter().map(|&k| KkmProfile::new(k, 1000 + k)).collect(),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse()?,
    )
    .await?;
    let dir = tempfile::tempdir()?;
    let mut config = RegistryConfig::new(dir.path());
    config.ofds = vec![OfdConfig {
        uid: "76A41602F148468EA85FA0ECBA8B4BBB".into(),
        name: "Казахтелеком".into(),
        endpoint: Endpoint::plain("127.0.0.1", sim.addr().port()),
        check_url: "http://consumer.oofd.kz".into(),
    }];
    let registry = Registry::open(config)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(kkm_daemon::http::serve(
        listener,
        registry.clone(),
        std::future::pending(),
    ));
    let mut c = HttpClient::connect(addr).await?;
    for &k in kkms {
        post_ok(
            &mut c,
            "SaveKKM",
            &format!(r#"{{"ofd_id": {k}, "ofd_token": {}}}"#, 1000 + k),
        )
        .await?;
    }
    Ok(InProcess {
        sim,
        addr,
        _registry: registry,
        _dir: dir,
    })
}

async fn latency(sales: usize) -> anyhow::Result<()> {
    let stack = in_process(&[6923]).await?;
    let mut c = HttpClient::connect(stack.addr).await?;
    let body = sale(6923);
    for _ in 0..50 {
        post_ok(&mut c, "TradeOperation", &body).await?;
    }
    let mut times = Vec::with_capacity(sales);
    for _ in 0..sales {
        let t = Instant::now();
        post_ok(&mut c, "TradeOperation", &body).await?;
        times.push(t.elapsed());
    }
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len().max(1) as u32;
    println!(
        "TradeOperation over HTTP, 1 KKM, {sales} sales: p50 {:.3} ms (bar 2), p99 {:.3} ms (bar 10), mean {:.3} ms, max {:.3} ms",
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 99.0)),
        ms(mean),
        ms(*times.last().unwrap_or(&Duration::ZERO))
    );
    let accepted = stack.sim.books(6923).map_or(0, |b| b.accepted.len());
    println!("  the OFD emulator accepted {accepted} documents");
    Ok(())
}

async fn throughput(per_kkm: usize) -> anyhow::Result<()> {
    let kkms = [7001, 7002, 7003, 7004];
    let stack = in_process(&kkms).await?;
    let mut clients = Vec::new();
    for &k in &kkms {
        let mut c = HttpClient::connect(stack.addr).await?;
        for _ in 0..20 {
            post_ok(&mut c, "TradeOperation", &sale(k)).await?;
        }
        clients.push((k, c));
    }
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|(k, mut c)| {
            tokio::spawn(async move {
                let body = sale(k);
                for _ in 0..per_kkm {
                    post_ok(&mut c, "TradeOperation", &body).await?;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for t in tasks {
        t.await??;
    }
    let elapsed = started.elapsed();
    let total = per_kkm * kkms.len();
    println!(
        "TradeOperation over HTTP, 4 KKMs in parallel: {total} sales in {:.2} s = {:.0} receipts/s (bar 500)",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}

fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .context("no VmRSS")
}

fn free_addr() -> anyhow::Result<SocketAddr> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?)
}

/// Starts the real binary; returns it and the time to its first answered Ping.
async fn start_binary(
    data_dir: &std::path::Path,
    ofd: SocketAddr,
    env: &[(&str, &str)],
) -> anyhow::Result<(tokio::process::Child, SocketAddr, Duration)> {
    let addr = free_addr()?;
    let started = Instant::now();
    let child = tokio::process::Command::new(BIN)
        .envs(env.iter().copied())
        .args(["serve", "--listen", &addr.to_string(), "--data-dir"])
        .arg(data_dir)
        .arg("--ofd")
        .arg(format!("Казахтелеком={ofd}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    loop {
        if let Ok(mut c) = HttpClient::connect(addr).await {
            if c.get("/Ping", None).await.is_ok() {
                return Ok((child, addr, started.elapsed()));
            }
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(10),
            "no Ping in 10 s"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

async fn stop(mut child: tokio::process::Child) -> anyhow::Result<()> {
    if let Some(pid) = child.id() {
        std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()?;
    }
    tokio::time::timeout(Duration::from_secs(10), child.wait()).await??;
    Ok(())
}

async fn binary() -> anyhow::Result<()> {
    let sim = OfdSim::start(
        SimConfig::with_kkms([(6923, 12345)]),
        "127.0.0.1:0".parse()?,
    )
    .await?;
    // Cold start: a fresh data folder each time (first start creates the journal and
    // the key), and once more on an existing one.
    let mut fresh = Vec::new();
    for _ in 0..5 {
        let dir = tempfile::tempdir()?;
        let (child, _, cold) = start_binary(dir.path(), sim.addr(), &[]).await?;
        fresh.push(cold);
        stop(child).await?;
    }
    fresh.sort();
    let dir = tempfile::tempdir()?;
    let (child, _, warm) = {
        let (child, addr, _) = start_binary(dir.path(), sim.addr(), &[]).await?;
        let mut c = HttpClient::connect(addr).await?;
        post_ok(&mut c, "SaveKKM", r#"{"ofd_id": 6923, "ofd_token": 12345}"#).await?;
        for _ in 0..200 {
            post_ok(&mut c, "TradeOperation", &sale(6923)).await?;
        }
        stop(child).await?;
        start_binary(dir.path(), sim.addr(), &[]).await?
    };
    stop(child).await?;
    println!(
        "cold start to first Ping (real binary): median {:.1} ms of 5 fresh data folders (max {:.1} ms), {:.1} ms with a journal of 200 receipts (bar 300)",
        ms(percentile(&fresh, 50.0)),
        ms(*fresh.last().unwrap_or(&Duration::ZERO)),
        ms(warm)
    );
    // Idle RSS, with glibc's default malloc and with a fixed mmap threshold (what the
    // systemd unit sets): the Argon2id PIN check allocates ~19 MiB once per PIN, which
    // glibc keeps in the heap after its dynamic threshold rose.
    for (label, env) in [
        ("glibc defaults", &[][..]),
        (
            "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072",
            &[("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=131072")][..],
        ),
    ] {
        let dir = tempfile::tempdir()?;
        let (child, addr, _) = start_binary(dir.path(), sim.addr(), env).await?;
        let pid = child.id().context("pid")?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rss_start = rss_kib(pid)?;
        let mut c = HttpClient::connect(addr).await?;
        post_ok(&mut c, "SaveKKM", r#"{"ofd_id": 6923, "ofd_token": 12345}"#).await?;
        for _ in 0..200 {
            post_ok(&mut c, "TradeOperation", &sale(6923)).await?;
        }
        drop(c);
        tokio::time::sleep(Duration::from_secs(1)).await;
        let rss_work = rss_kib(pid)?;
        stop(child).await?;
        println!(
            "idle RSS (real binary, VmRSS, {label}): {:.1} MB after start, {:.1} MB idle after 200 sales (bar 30)",
            rss_start as f64 / 1024.0,
            rss_work as f64 / 1024.0,
        );
    }
    sim.shutdown().await;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing special:
    // keep that run short.
    let benching = std::env::args().any(|a| a == "--bench");
    let sales: usize = std::env::var("KKM_BENCH_SALES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benching { 1000 } else { 20 });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        latency(sales).await?;
        throughput((sales / 2).max(1)).await?;
        binary().await
    })
}
