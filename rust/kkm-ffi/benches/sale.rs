//! The cost of the FFI facade: one sale through `kkm_ffi::CashierSession::sell` (what
//! Kotlin calls, minus JNA) against the same sale straight on `kkm_register::Registry`,
//! each on its own KKM, journal (fsync on) and in-process OFD emulator on loopback.
//! The Kotlin side of the comparison is printed by the JVM test `ShiftTest.timeOfOneFfiSale`.
//!
//! ```sh
//! cargo bench -p kkm-ffi --bench sale            # release build
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use kkm_ffi::{
    Basket, BasketItem, BasketPayment, KkmRegister, KkmSetup, OfdServer, PaymentKind,
    RegisterConfig,
};
use kkm_ffi_testkit::{EmulatedKkm, OfdEmulator};
use kkm_ofd_sim::{OfdSim, SimConfig};
use kkm_register::api::{SaveKkmRequest, TradeOperationRequest};
use kkm_register::{Credential, Endpoint, KeySource, OfdConfig, Registry, RegistryConfig};

const SALES: usize = 200;
const WARM_UP: usize = 10;

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kkm-ffi-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn summary(label: &str, mut times: Vec<Duration>) -> Duration {
    times.sort();
    let p50 = times[times.len() / 2];
    let p99 = times[times.len() * 99 / 100];
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!("{label:<44} p50 {p50:>9.3?}  p99 {p99:>9.3?}  mean {mean:>9.3?}  ({SALES} sales)");
    p50
}

fn ffi_sales() -> Duration {
    let emulator = OfdEmulator::start(vec![EmulatedKkm {
        kkm_id: 8001,
        token: 1,
    }])
    .expect("emulator");
    let dir = temp_dir("ffi");
    let register = KkmRegister::open(RegisterConfig {
        data_dir: dir.display().to_string(),
        data_key: Some(vec![7; 32]),
        ofds: vec![OfdServer {
            uid: "4C49A0CB1DD4413387F6E6199CBB1B2A".into(),
            name: "Казахтелеком".into(),
            host: emulator.host(),
            port: emulator.port(),
            tls: false,
            check_url: "http://consumer.oofd.kz".into(),
        }],
        ofd_budget_ms: 5000,
        retry_initial_ms: 1000,
        retry_max_ms: 60000,
        utc_offset_secs: None,
    })
    .expect("register");
    register
        .save_kkm(
            "0000".into(),
            KkmSetup {
                kkm_ofd_id: 8001,
                ofd_token: Some(1),
                name: None,
                ofd_uid: None,
                operator_ids: None,
            },
        )
        .expect("SaveKKM");
    let session = Arc::clone(&register)
        .login("0000".into(), 8001)
        .expect("login");
    let basket = Basket {
        items: vec![BasketItem {
            name: "Нан".into(),
            section: "1".into(),
            price_tiyn: 15_000,
            quantity_milli: 1000,
            unit_code: "796".into(),
            barcode: None,
            excise_mark: None,
            discount_tiyn: 0,
            vat_milli_percent: None,
            markup_tiyn: 0,
            mark_required: false,
        }],
        payments: vec![BasketPayment {
            kind: PaymentKind::Cash,
            amount_tiyn: 15_000,
        }],
        discount_tiyn: 0,
        customer_iin_bin: None,
        markup_tiyn: 0,
    };
    let mut times = Vec::with_capacity(SALES);
    for i in 0..WARM_UP + SALES {
        let t0 = Instant::now();
        let receipt = session.sell(basket.clone(), None).expect("sale");
        if i >= WARM_UP {
            times.push(t0.elapsed());
        }
        assert!(!receipt.offline);
    }
    register.shutdown().expect("shutdown");
    emulator.stop().expect("stop");
    let _ = std::fs::remove_dir_all(&dir);
    summary("facade CashierSession::sell (FFI path)", times)
}

fn direct_sales() -> Duration {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let sim = OfdSim::start(
            SimConfig::with_kkms([(8002, 2)]),
            "127.0.0.1:0".parse().expect("address"),
        )
        .await
        .expect("emulator");
        let dir = temp_dir("direct");
        let mut config = RegistryConfig::new(&dir);
        config.key = KeySource::Static([7; 32]);
        config.ofds = vec![OfdConfig {
            uid: "4C49A0CB1DD4413387F6E6199CBB1B2A".into(),
            name: "Казахтелеком".into(),
            endpoint: Endpoint::plain("127.0.0.1", sim.addr().port()),
            check_url: "http://consumer.oofd.kz".into(),
        }];
        let registry = Registry::open(config).await.expect("registry");
        let admin = Credential::pin("0000");
        registry
            .save_kkm(
                &admin,
                SaveKkmRequest {
                    ofd_id: 8002,
                    ofd_token: Some(2),
                    ..SaveKkmRequest::default()
                },
            )
            .await
            .expect("SaveKKM");
        let request: TradeOperationRequest = serde_json::from_str(
            r#"{"kkm_ofd_id": 8002, "operation": 2, "domain": {"type": 0},
                "items": [{"type": 1, "commodity": {"name": "Нан", "section_code": "1",
                  "quantity": 1, "price": 150, "sum": 150, "measure_unit_code": "796"}}],
                "payments": [{"type": 0, "sum": 150}], "amounts": {}}"#,
        )
        .expect("request");
        let mut times = Vec::with_capacity(SALES);
        for i in 0..WARM_UP + SALES {
            let t0 = Instant::now();
            let answer = registry
                .trade_operation(&admin, request.clone(), None)
                .await
                .expect("sale");
            if i >= WARM_UP {
                times.push(t0.elapsed());
            }
            assert!(!answer.document.is_offline);
        }
        registry.shutdown().await;
        sim.shutdown().await;
        let _ = std::fs::remove_dir_all(&dir);
        summary("Registry::trade_operation (direct, async)", times)
    })
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks for the list of benchmarks
    }
    println!("One sale (1 item, cash), online, SQLite fsync on, OFD emulator on loopback:");
    let direct = direct_sales();
    let ffi = ffi_sales();
    println!(
        "facade overhead: {:.3?} per sale at p50 ({:.2}×)",
        Duration::from_secs_f64((ffi.as_secs_f64() - direct.as_secs_f64()).abs()),
        ffi.as_secs_f64() / direct.as_secs_f64()
    );
}
