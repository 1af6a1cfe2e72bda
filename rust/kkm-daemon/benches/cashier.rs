//! Server time of the cashier screen (issue 19): a scanner's burst (an EAN typed and
//! Enter) to the line in the basket, with a 10,000-product catalogue.
//!
//! Each request goes through the daemon's real router in-process (routing, session,
//! CSRF, the till's basket, the catalogue lookup in SQLite, pricing by kkm-register,
//! the `#till` fragment rendered, body collected): the server's part of "burst → line"
//! without the network and the browser (the page's part is measured by
//! `tests/browser/cashier-bench.mjs`). Baselines in the same run: `Ping` through the
//! same router (the floor of a request) and `Registry::catalogue_lookup` called
//! directly (the lookup alone). The basket is cleared every 20 scans, so the figures
//! are of a basket of 1–20 lines.
//!
//! Run: `cargo bench -p kkm-daemon --bench cashier` (`-- --quick`: fewer rounds).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request};
use axum::Router;
use kkm_ofd_sim::{KkmProfile, OfdSim, SimConfig};
use kkm_register::api::SaveKkmRequest;
use kkm_register::{Credential, KeySource, Registry, RegistryConfig};
mod support;
use support::{ms, percentile, timed};

const KKM: u32 = 6101;
const PRODUCTS: u64 = 10_000;

/// EAN-13 of product `n`: `487` + 9 digits + the check digit.
fn ean(n: u64) -> String {
    let body = format!("487{n:09}");
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

fn catalogue() -> Vec<u8> {
    let mut csv = String::new();
    for n in 1..=PRODUCTS {
        let price = 100 + (n % 97) * 35;
        csv.push_str(&format!(
            "{n},{},{},Товар №{n},{price}.50,{},12\n",
            1 + n % 5,
            ean(n),
            n % 3
        ));
    }
    csv.into_bytes()
}

struct Rig {
    sim: OfdSim,
    registry: Arc<Registry>,
    router: Router,
    cookie: String,
    csrf: String,
}

async fn rig(dir: &Path) -> Rig {
    let _ = std::fs::remove_dir_all(dir);
    let sim = OfdSim::start(
        SimConfig {
            kkms: vec![KkmProfile::new(KKM, 700)],
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("emulator");
    let mut config = RegistryConfig::new(dir);
    config.key = KeySource::Static([7; 32]);
    config.ofds = kkm_daemon::demo::demo_ofds(sim.addr());
    let registry = Registry::open(config).await.expect("registry");
    let admin = Credential::pin("0000");
    registry
        .save_kkm(
            &admin,
            SaveKkmRequest {
                ofd_id: i64::from(KKM),
                ofd_token: Some(700),
                ..SaveKkmRequest::default()
            },
        )
        .await
        .expect("SaveKKM");
    let n = registry
        .catalogue_import_csv(&admin, i64::from(KKM), &catalogue())
        .expect("catalogue");
    assert_eq!(n as u64, PRODUCTS);
    let session = registry.sign_in(&admin).await.expect("sign in");
    Rig {
        sim,
        router: kkm_daemon::http::router(registry.clone()),
        registry,
        csrf: kkm_daemon::console::context::csrf_of(&session.token),
        cookie: format!("kkm_session={}", session.token),
    }
}

async fn till(rig: &Rig, form: &str) -> Duration {
    let body = format!("csrf={}&{form}", rig.csrf);
    let request = Request::post(format!("/console/cashier/{KKM}"))
        .header(header::COOKIE, &rig.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-till", "1")
        .body(Body::from(body))
        .expect("request");
    let (elapsed, status, body) = timed(&rig.router, request).await;
    assert!(status.is_success(), "{form}: {status}");
    assert!(body.starts_with(b"<div id=\"till\""), "{form}");
    elapsed
}

async fn get(rig: &Rig, uri: &str) -> Duration {
    let request = Request::get(uri)
        .header(header::COOKIE, &rig.cookie)
        .body(Body::empty())
        .expect("request");
    let (elapsed, status, _) = timed(&rig.router, request).await;
    assert!(status.is_success(), "{uri}: {status}");
    elapsed
}

async fn ping(rig: &Rig) -> Duration {
    let request = Request::post("/Ping")
        .header(header::AUTHORIZATION, "0000")
        .body(Body::from("{}"))
        .expect("request");
    timed(&rig.router, request).await.0
}

fn report(label: &str, mut times: Vec<Duration>, baseline: Option<(&str, Duration)>) -> Duration {
    times.sort();
    let p50 = percentile(&times, 0.5);
    let ratio = baseline
        .map(|(name, b)| format!(" = {:.1}× {name}", p50.as_secs_f64() / b.as_secs_f64()))
        .unwrap_or_default();
    println!(
        "{label}: n={} p50={:.3} ms p99={:.3} ms max={:.3} ms{ratio}",
        times.len(),
        ms(p50),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap_or(&p50)),
    );
    p50
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rounds: u64 = if quick { 100 } else { 1000 };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-cashier");
    let rig = rig(&dir).await;
    println!("catalogue: {PRODUCTS} products on KKM {KKM}");

    let mut times = Vec::new();
    for _ in 0..rounds {
        times.push(ping(&rig).await);
    }
    let ping = report("baseline: API Ping through the router", times, None);

    let cred = Credential::pin("0000");
    let mut times = Vec::new();
    for i in 0..rounds {
        let code = ean(1 + (i * 7919) % PRODUCTS);
        let t = Instant::now();
        let found = rig
            .registry
            .catalogue_lookup(&cred, i64::from(KKM), &code)
            .expect("lookup");
        times.push(t.elapsed());
        assert!(found.is_some());
    }
    let lookup = report(
        "baseline: Registry::catalogue_lookup alone",
        times,
        Some(("Ping", ping)),
    );

    let mut times = Vec::new();
    for i in 0..rounds {
        if i % 20 == 0 {
            till(&rig, "act=clear").await;
        }
        let code = ean(1 + (i * 7919) % PRODUCTS);
        times.push(till(&rig, &format!("act=scan&code={code}%0D")).await);
    }
    let scan = report(
        "cashier: EAN burst → line in the basket (#till fragment, basket of 1–20 lines)",
        times,
        Some(("Ping", ping)),
    );
    println!(
        "  = {:.1}× the lookup alone",
        scan.as_secs_f64() / lookup.as_secs_f64()
    );

    let mut times = Vec::new();
    for i in 0..rounds / 10 {
        let q = ["Товар №12", "товар №9999", "4870000051", "молоко"][(i % 4) as usize];
        let q: String = form_urlencoded::byte_serialize(q.as_bytes()).collect();
        times.push(get(&rig, &format!("/console/cashier/{KKM}/search?q={q}")).await);
    }
    report(
        "cashier: catalogue search (F2) over 10,000 products",
        times,
        Some(("Ping", ping)),
    );

    rig.registry.shutdown().await;
    rig.sim.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
