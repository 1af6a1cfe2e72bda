//! Server time of the web console's heaviest pages (DESIGN.md §4: ≤ 50 ms each):
//!
//! 1. the overview of 16 KKMs;
//! 2. a journal page of a 100,000-document KKM (the newest page, one deep in the
//!    period, and one filtered by kind and shift);
//! 3. a month of analytics of that KKM (the first query, which summarises the whole
//!    journal once, reported apart; then the warm query).
//!
//! Each request goes through the daemon's real router in-process (routing, session,
//! registry, SQLite, HTML rendering, body collected), so the figure is the server's
//! time without the network. Baselines in the same run: `Ping` through the same router
//! (the floor of a request) and the API's `GetKKMList` of the same 16 KKMs.
//!
//! The 100,000 documents are real sales made through `Registry::trade_operation`
//! against the OFD emulator on loopback, spread over 30 days of a manual clock with a
//! Z-report every 3,000. They are made once, in a folder on `/dev/shm` where there is
//! one (a RAM file system: the journal's fsyncs cost nothing there, which turns an hour
//! of a disk's flushes into minutes of the register's own work), then the closed
//! journal is copied to `target/bench-console/` and reused while the marker file says
//! it is complete (delete the folder to build it again). Every measured request reads
//! the copy on disk.
//!
//! Run: `cargo bench -p kkm-daemon --bench console` (`-- --quick`: fewer rounds).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request};
use axum::Router;
use kkm_core::{Clock, ManualClock, Timestamp};
use kkm_ofd_sim::{KkmProfile, OfdSim, SimConfig};
use kkm_register::api::{SaveKkmRequest, SaveOperatorRequest, TradeOperationRequest};
use kkm_register::{Backoff, Credential, KeySource, Registry, RegistryConfig};
mod support;
use support::{ms, percentile, timed};

const BIG: u32 = 8001;
const KKMS: u32 = 16;
const DOCUMENTS: u64 = 100_000;
const DAYS: i64 = 30;
const Z_EVERY: u64 = 3_000;
/// 2026-10-01 00:00 of the device calendar.
const START: i64 = 1_790_812_800;
const MARKER: &str = "complete-v1";

fn sale(kkm: u32, n: u64) -> TradeOperationRequest {
    let section = 1 + n % 5;
    let price = 100 + (n % 37) * 25;
    let (payments, total) = match n % 3 {
        0 => (
            format!(r#"[{{"type": 0, "sum": {}}}]"#, price * 2 + 300),
            price * 2 + 300,
        ),
        1 => (
            format!(r#"[{{"type": 1, "sum": {}}}]"#, price * 2 + 300),
            price * 2 + 300,
        ),
        _ => (
            format!(
                r#"[{{"type": 0, "sum": 300}}, {{"type": 4, "sum": {}}}]"#,
                price * 2
            ),
            price * 2 + 300,
        ),
    };
    serde_json::from_str(&format!(
        r#"{{"kkm_ofd_id": {kkm}, "operation": 2,
        "items": [{{"type": 1, "commodity": {{"name": "Товар {section}", "section_code": "{section}",
            "quantity": 2, "price": {price}, "sum": {sum}, "measure_unit_code": "796"}}}},
          {{"type": 1, "commodity": {{"name": "Нан", "section_code": "1",
            "quantity": 1, "price": 300, "sum": 300, "measure_unit_code": "796"}}}}],
        "payments": {payments},
        "amounts": {{"total": {total}}}}}"#,
        sum = price * 2,
    ))
    .expect("sale JSON")
}

struct Rig {
    sim: OfdSim,
    registry: Arc<Registry>,
    router: Router,
    cookie: String,
}

async fn open(dir: &Path, clock: Arc<ManualClock>) -> (OfdSim, Arc<Registry>) {
    let sim = OfdSim::start(
        SimConfig {
            kkms: (0..KKMS)
                .map(|i| KkmProfile::new(BIG + i, 500 + i))
                .collect(),
            state_dir: Some(dir.join("ofd-sim")),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("emulator");
    let mut config = RegistryConfig::new(dir);
    config.key = KeySource::Static([7; 32]);
    config.ofds = kkm_daemon::demo::demo_ofds(sim.addr());
    config.clock = clock;
    config.backoff = Backoff {
        initial: Duration::from_millis(10),
        max: Duration::from_millis(50),
    };
    (sim, Registry::open(config).await.expect("registry"))
}

/// Builds the journal: 16 KKMs, the first with 100,000 documents over 30 days.
/// Returns the manual clock's last second.
async fn fill(dir: &Path) -> i64 {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("bench folder");
    let clock = Arc::new(ManualClock::new(Timestamp::from_secs(START)));
    let (sim, registry) = open(dir, clock.clone()).await;
    let admin = Credential::pin("0000");
    for i in 0..KKMS {
        registry
            .save_kkm(
                &admin,
                SaveKkmRequest {
                    ofd_id: i64::from(BIG + i),
                    ofd_token: Some(i64::from(500 + i)),
                    local_name: Some(format!("Касса {}", i + 1)),
                    ..SaveKkmRequest::default()
                },
            )
            .await
            .expect("SaveKKM");
    }
    let mut cashiers = vec![admin.clone()];
    for (pin, name) in [("1111", "Айгүл"), ("2222", "Бауыржан"), ("3333", "Дана")]
    {
        registry
            .save_operator(
                &admin,
                SaveOperatorRequest {
                    name: Some(name.into()),
                    access_pin: pin.into(),
                    role: 3,
                    bindings: Some(vec![i64::from(BIG)]),
                    ..SaveOperatorRequest::default()
                },
            )
            .await
            .expect("SaveOperator");
        cashiers.push(Credential::pin(pin));
    }
    let step = DAYS * 86_400 / DOCUMENTS as i64;
    let started = Instant::now();
    let mut made = 0u64;
    while made < DOCUMENTS {
        if made > 0 && made.is_multiple_of(Z_EVERY) {
            let z = serde_json::from_str(&format!(r#"{{"kkm_ofd_id": {BIG}, "report_type": 0}}"#))
                .expect("Z JSON");
            registry.zx_report(&admin, z).await.expect("Z");
        } else {
            let who = &cashiers[(made / 500) as usize % cashiers.len()];
            registry
                .trade_operation(who, sale(BIG, made), None)
                .await
                .expect("sale");
        }
        made += 1;
        clock.advance(step);
        if made.is_multiple_of(10_000) {
            eprintln!(
                "  {made} documents in {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    for i in 1..KKMS {
        for n in 0..20 {
            registry
                .trade_operation(&admin, sale(BIG + i, n), None)
                .await
                .expect("sale");
        }
    }
    registry.shutdown().await;
    sim.shutdown().await;
    clock.now().secs()
}

/// Copies the built journal (closed cleanly) to a fresh folder, so that every run
/// starts from the same state: analytics' first query always summarises from scratch.
fn fresh_copy(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    let mut stack = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((src, dst)) = stack.pop() {
        std::fs::create_dir_all(&dst).expect("copy folder");
        for entry in std::fs::read_dir(&src).expect("read folder") {
            let entry = entry.expect("entry");
            let target = dst.join(entry.file_name());
            if entry.file_type().expect("type").is_dir() {
                stack.push((entry.path(), target));
            } else {
                std::fs::copy(entry.path(), target).expect("copy");
            }
        }
    }
}

async fn rig(built: &Path, dir: &Path) -> Rig {
    let last: i64 = std::fs::read_to_string(built.join(MARKER))
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .expect("marker");
    fresh_copy(built, dir);
    // The next day: the last shift is still open, within its 24 hours.
    let clock = Arc::new(ManualClock::new(Timestamp::from_secs(last + 600)));
    let (sim, registry) = open(dir, clock).await;
    let session = registry
        .sign_in(&Credential::pin("0000"))
        .await
        .expect("sign in");
    Rig {
        sim,
        router: kkm_daemon::http::router(registry.clone()),
        registry,
        cookie: format!("kkm_session={}", session.token),
    }
}

async fn get(rig: &Rig, uri: &str) -> (Duration, usize) {
    let request = Request::get(uri)
        .header(header::COOKIE, &rig.cookie)
        .header("x-console-background", "1")
        .body(Body::empty())
        .expect("request");
    let (elapsed, status, body) = timed(&rig.router, request).await;
    assert!(status.is_success(), "{uri}: {status}");
    (elapsed, body.len())
}

async fn post_api(rig: &Rig, method: &str, body: &str) -> Duration {
    let request = Request::post(format!("/{method}"))
        .header(header::AUTHORIZATION, "0000")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request");
    let (elapsed, _, body) = timed(&rig.router, request).await;
    assert!(body.starts_with(br#"{"response_code":0"#), "{method}");
    elapsed
}

async fn measure<F, Fut>(
    label: &str,
    rounds: usize,
    baseline: Option<(&str, Duration)>,
    mut f: F,
) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = (Duration, usize)>,
{
    let _ = f().await;
    let mut times = Vec::with_capacity(rounds);
    let mut bytes = 0;
    for _ in 0..rounds {
        let (t, b) = f().await;
        times.push(t);
        bytes = b;
    }
    times.sort();
    let p50 = percentile(&times, 0.5);
    let ratio = baseline
        .map(|(name, b)| format!(" = {:.1}× {name}", p50.as_secs_f64() / b.as_secs_f64()))
        .unwrap_or_default();
    println!(
        "{label}: n={rounds} p50={:.2} ms p99={:.2} ms max={:.2} ms ({} KiB of HTML){ratio}",
        ms(p50),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap_or(&p50)),
        bytes / 1024
    );
    p50
}

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/bench-console")
        .to_path_buf()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rounds = if quick { 30 } else { 200 };
    let dir = bench_dir();
    if !dir.join(MARKER).exists() {
        eprintln!(
            "building the bench journal in {} (once: {DOCUMENTS} sales through the register)",
            dir.display()
        );
        let ram = Path::new("/dev/shm");
        let scratch = if ram.is_dir() {
            ram.join(format!("kkm-bench-console-{}", std::process::id()))
        } else {
            dir.with_file_name("bench-console-fill")
        };
        let last = fill(&scratch).await;
        fresh_copy(&scratch, &dir);
        let _ = std::fs::remove_dir_all(&scratch);
        // Written last: a copy cut short is never taken for a complete journal.
        std::fs::write(dir.join(MARKER), last.to_string()).expect("marker");
    }
    let run_dir = dir.with_file_name("bench-console-run");
    let rig = rig(&dir, &run_dir).await;
    let count = rig
        .registry
        .journal_page(
            &Credential::pin("0000"),
            i64::from(BIG),
            &kkm_register::RecordFilter::default(),
            None,
            1,
        )
        .expect("journal")
        .first()
        .map_or(0, |l| l.id);
    println!(
        "journal: KKM {BIG} with {DOCUMENTS} documents (last journal id {count}), {KKMS} KKMs"
    );

    let ping = measure(
        "baseline: API Ping through the router",
        rounds,
        None,
        || async { (post_api(&rig, "Ping", "{}").await, 0) },
    )
    .await;
    let kkm_list = measure(
        "baseline: API GetKKMList of 16 KKMs",
        rounds,
        Some(("Ping", ping)),
        || async { (post_api(&rig, "GetKKMList", "{}").await, 0) },
    )
    .await;
    measure(
        "console overview, 16 KKMs",
        rounds,
        Some(("GetKKMList", kkm_list)),
        || get(&rig, "/console/"),
    )
    .await;

    let last = rig.registry.device_time();
    let date = |t: i64| Timestamp::from_secs(t).to_string()[..10].to_owned();
    let (from, to) = (date(START), date(last.secs()));
    let journal = format!("/console/kkm/{BIG}/journal?from={from}&to={to}");
    measure(
        "console journal, newest page of a month (50 rows)",
        rounds,
        Some(("Ping", ping)),
        || get(&rig, &journal),
    )
    .await;
    let middle = START + DAYS * 86_400 / 2;
    let deep = format!("{journal}&after_at={middle}&after_id=50000");
    measure(
        "console journal, a page mid-month (cursor)",
        rounds,
        Some(("Ping", ping)),
        || get(&rig, &deep),
    )
    .await;
    let filtered = format!("/console/kkm/{BIG}/journal?from={from}&to={to}&kind=21");
    measure(
        "console journal, Z-reports only (filter)",
        rounds,
        Some(("Ping", ping)),
        || get(&rig, &filtered),
    )
    .await;

    let analytics = format!("/console/analytics?from={from}&to={to}&kkm={BIG}");
    let (first, _) = get(&rig, &analytics).await;
    println!(
        "console analytics, first query (summarises all {DOCUMENTS} documents once): {:.0} ms",
        ms(first)
    );
    measure(
        "console analytics, a month of a 100,000-document KKM (warm)",
        rounds,
        Some(("Ping", ping)),
        || get(&rig, &analytics),
    )
    .await;

    rig.registry.shutdown().await;
    rig.sim.shutdown().await;
    let _ = std::fs::remove_dir_all(&run_dir);
}
