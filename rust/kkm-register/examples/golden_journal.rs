//! Makes the golden journal: a small installation written by the register through its
//! public API, against the OFD emulator, kept in `rust/kkm-store/tests/golden/<v>/` so
//! that every later build is tested on opening it (counters, chain, queue, token).
//!
//! Usage: `cargo run -p kkm-register --example golden_journal -- OUT_DIR`
//! (`scripts/golden-journal` runs it at the commit whose formats it freezes).
//!
//! It writes `OUT_DIR/kkm.db` (checkpointed: no WAL beside it), `OUT_DIR/data.key` (the
//! data key: committed with the golden on purpose, it protects nothing real) and
//! `OUT_DIR/expect.json`: per KKM its token, REQNUM, queue length, record count, closed
//! shifts, counters blob and last hash, as the store read them right after.
//!
//! Three KKMs: each opens a shift with a deposit, sells (one sale with an idempotency
//! key), takes an X-report; KKM 6923 closes its shift with a Z-report and sells again in
//! the next one; then the emulator stops and KKM 6923 sells once more, autonomously:
//! that document stays queued.

use std::path::PathBuf;
use std::time::Duration;

use kkm_ofd_sim::{KkmProfile, OfdSim, SimConfig};
use kkm_register::api::{
    MoneyPlacementRequest, SaveKkmRequest, TradeOperationRequest, ZxReportRequest,
};
use kkm_register::{Credential, Endpoint, OfdConfig, Registry, RegistryConfig};
use kkm_store::{KeyFile, Store};
use serde_json::json;

const KKMS: [(u32, u32); 3] = [(6923, 12345), (6924, 22222), (6925, 33333)];
const OFD_UID: &str = "76A41602F148468EA85FA0ECBA8B4BBB";

fn sale(kkm: u32, price: i64, quantity: i64) -> TradeOperationRequest {
    let sum = price * quantity;
    serde_json::from_value(json!({
        "kkm_ofd_id": kkm,
        "operation": 2,
        "domain": {"type": 0},
        "items": [{
            "type": 1,
            "commodity": {
                "name": format!("товар {price}"),
                "section_code": "1",
                "quantity": quantity,
                "price": price,
                "sum": sum,
                "taxes": [],
                "measure_unit_code": "796",
                "auxiliary": []
            }
        }],
        "payments": [{"type": 0, "sum": sum}],
        "taxes": [],
        "amounts": {"total": sum, "taken": sum, "change": 0},
        "auxiliary": []
    }))
    .expect("a valid sale")
}

fn report(kkm: u32, report_type: i64) -> ZxReportRequest {
    serde_json::from_value(json!({"kkm_ofd_id": kkm, "report_type": report_type}))
        .expect("a valid report request")
}

fn deposit(kkm: u32, sum: i64) -> MoneyPlacementRequest {
    serde_json::from_value(json!({"kkm_ofd_id": kkm, "operation": 0, "sum": sum}))
        .expect("a valid money placement")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out: PathBuf = std::env::args()
        .nth(1)
        .ok_or("usage: golden_journal OUT_DIR")?
        .into();
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    let sim = OfdSim::start(
        SimConfig {
            kkms: KKMS
                .iter()
                .map(|&(id, token)| KkmProfile::new(id, token))
                .collect(),
            ..SimConfig::default()
        },
        ([127, 0, 0, 1], 0).into(),
    )
    .await?;
    let mut config = RegistryConfig::new(&out);
    config.ofds = vec![OfdConfig {
        uid: OFD_UID.into(),
        name: "Казахтелеком".into(),
        endpoint: Endpoint::plain("127.0.0.1", sim.addr().port()),
        check_url: "http://consumer.oofd.kz".into(),
    }];
    config.ofd_budget = Duration::from_millis(700);
    let registry = Registry::open(config).await?;
    let admin = Credential::pin("0000");
    for (kkm, token) in KKMS {
        registry
            .save_kkm(
                &admin,
                SaveKkmRequest {
                    ofd_id: i64::from(kkm),
                    ofd_token: Some(i64::from(token)),
                    local_name: Some(format!("Касса {kkm}")),
                    ..SaveKkmRequest::default()
                },
            )
            .await?;
        registry
            .money_placement(&admin, deposit(kkm, 5_000), None)
            .await?;
        for (i, price) in [150, 990, 1_200, 75, 3_000].into_iter().enumerate() {
            let key = (i == 2).then(|| format!("golden-{kkm}-{i}"));
            registry
                .trade_operation(&admin, sale(kkm, price, i as i64 + 1), key)
                .await?;
        }
        registry.zx_report(&admin, report(kkm, 1)).await?;
    }
    registry.zx_report(&admin, report(6923, 0)).await?;
    registry
        .trade_operation(&admin, sale(6923, 500, 2), None)
        .await?;
    sim.shutdown().await;
    registry
        .trade_operation(&admin, sale(6923, 700, 1), None)
        .await?;
    registry.shutdown().await;
    drop(registry);

    let store = Store::open(out.join("kkm.db"), &KeyFile::new(out.join("data.key")))?;
    let mut expect = serde_json::Map::new();
    for (kkm, _) in KKMS {
        let report = store.verify(kkm)?;
        let state = store.sync_state(kkm)?;
        let records = store.records(kkm, 0, u32::MAX)?;
        let last = records.last().ok_or("no records")?;
        expect.insert(
            kkm.to_string(),
            json!({
                "token": state.token,
                "reqnum": state.reqnum,
                "queue_len": store.queue_len(kkm)?,
                "records": report.records,
                "closed_shifts": report.closed_shifts,
                "counters": String::from_utf8(store.counters(kkm)?)?,
                "last_hash": last.hash.iter().map(|b| format!("{b:02x}")).collect::<String>(),
                "signed": records.iter().filter(|r| r.fiscal_sign.is_some()).count(),
            }),
        );
    }
    drop(store);
    std::fs::write(
        out.join("expect.json"),
        serde_json::to_string_pretty(&expect)? + "\n",
    )?;
    for side in ["kkm.db-wal", "kkm.db-shm"] {
        let _ = std::fs::remove_file(out.join(side));
    }
    println!("golden journal written to {}", out.display());
    Ok(())
}
