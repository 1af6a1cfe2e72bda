//! Issue 15 at the register: speaking with an OFD as the real operator does. A KKM
//! taken over with a history at the OFD, returns of receipts this journal does not hold
//! (by their data and by their QR text), e-receipts and domain attributes reaching the
//! OFD, a refused token during sales, over real sockets against the emulator.

use std::time::Duration;

use kkm_e2e::daemon::{sale, Daemon, DaemonConfig, ADMIN};
use kkm_ofd_sim::{Fault, FaultPlan, KkmHistory, KkmProfile};
use serde_json::json;

const KKM: u32 = 8000;

/// An hour ago, device time (the shift at the OFD is young: no automatic Z).
fn an_hour_ago() -> i64 {
    use kkm_core::Clock;
    kkm_register::SystemClock::default().now().secs() - 3600
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kkm_with_a_history_at_the_ofd_goes_on_from_there() -> anyhow::Result<()> {
    // Shift 118 open at the OFD with three sales of 1 000 tenge, after 1 000 sales in
    // earlier shifts (1 000 000 tenge).
    let history = KkmHistory::open_shift(118, an_hour_ago(), 3, 100_000);
    let daemon = Daemon::start(DaemonConfig {
        kkms: vec![KkmProfile::new(KKM, 77).with_history(history)],
        ..DaemonConfig::default()
    })
    .await?;
    let mut api = daemon.api().await?;
    let kkm = api
        .ok(
            "SaveKKM",
            Some(ADMIN),
            json!({"ofd_id": KKM, "ofd_token": 77}),
        )
        .await?;
    assert_eq!(kkm["fr_shift_number"], 118);
    assert_eq!(kkm["shift_state"], 1);
    assert_eq!(
        kkm["shift_document_number"], 4,
        "three documents at the OFD already"
    );
    assert_eq!(kkm["cash_sum"], 1_003_000.0);
    assert_eq!(kkm["non_nullable_sums"][2], 1_003_000.0);
    assert_eq!(kkm["start_shift_non_nullable_sums"][2], 1_000_000.0);
    // The next receipt is the fourth of shift 118 — the emulator refuses any other
    // shift number.
    let sold = api
        .ok("TradeOperation", Some(ADMIN), sale(KKM, 500))
        .await?;
    assert_eq!(sold["is_offline"], false, "{sold}");
    assert_eq!(
        (
            sold["fr_shift_number"].as_i64(),
            sold["shift_document_number"].as_i64()
        ),
        (Some(118), Some(4))
    );
    // Our X counts what the OFD counts.
    let x = api
        .ok(
            "ZXReport",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "report_type": 1}),
        )
        .await?;
    let sells = x["body"]["ticket_operationsList"]
        .as_array()
        .and_then(|l| l.iter().find(|t| t["operation"] == 2).cloned())
        .unwrap_or_default();
    assert_eq!(sells["tickets_count"], 4);
    assert_eq!(sells["tickets_total_count"], 1_004);
    assert_eq!(sells["tickets_sum"], json!({"bills": 3500, "coins": 0}));
    let z = api
        .ok(
            "ZXReport",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "report_type": 0}),
        )
        .await?;
    assert_eq!(z["fr_shift_number"], 118);
    let next = api
        .ok("TradeOperation", Some(ADMIN), sale(KKM, 500))
        .await?;
    assert_eq!(next["fr_shift_number"], 119);
    assert_eq!(next["is_offline"], false);
    let books = daemon.sim.books(KKM).expect("books");
    assert_eq!(books.last_shift_number, 119);
    assert_eq!(books.cash, 100_400_000);
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kkm_whose_last_shift_is_closed_opens_the_next() -> anyhow::Result<()> {
    let mut history = KkmHistory::open_shift(40, an_hour_ago() - 9 * 3600, 2, 50_000);
    history.open = false;
    let daemon = Daemon::start(DaemonConfig {
        kkms: vec![KkmProfile::new(KKM, 77).with_history(history)],
        ..DaemonConfig::default()
    })
    .await?;
    let mut api = daemon.api().await?;
    let kkm = api
        .ok(
            "SaveKKM",
            Some(ADMIN),
            json!({"ofd_id": KKM, "ofd_token": 77}),
        )
        .await?;
    assert_eq!(
        (kkm["fr_shift_number"].as_i64(), kkm["shift_state"].as_i64()),
        (Some(41), Some(0))
    );
    let sold = api.ok("TradeOperation", Some(ADMIN), sale(KKM, 10)).await?;
    assert_eq!(sold["fr_shift_number"], 41);
    assert_eq!(sold["shift_document_number"], 1);
    assert_eq!(sold["is_offline"], false, "{sold}");
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn returns_of_receipts_this_journal_does_not_hold() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(None).await?;
    api.ok(
        "MoneyPlacement",
        Some(ADMIN),
        json!({"kkm_ofd_id": 6923, "operation": 0, "sum": 5000}),
    )
    .await?;
    // A receipt sold before the migration, on KKM with РНМ 010100134465: by its data.
    let mut back = sale(6923, 300);
    back["operation"] = json!(3);
    back["parent_ticket"] = json!({"fiscal_id": "4228143549",
        "date_time": "2024-12-20T11:15:00", "kgd_kkm_id": "010100134465",
        "total": 500, "is_offline": false});
    let returned = api.ok("TradeOperation", Some(ADMIN), back.clone()).await?;
    assert_eq!(returned["body"]["operation"], 3);
    // More than the original's total: 52.
    back["items"][0]["commodity"]["price"] = json!(600);
    back["items"][0]["commodity"]["sum"] = json!(600);
    back["payments"][0]["sum"] = json!(600);
    api.refused("TradeOperation", Some(ADMIN), back, 52).await?;
    // Known neither here nor by data: 43.
    let mut unknown = sale(6923, 10);
    unknown["operation"] = json!(3);
    unknown["parent_ticket"] = json!({"fiscal_id": "1"});
    api.refused("TradeOperation", Some(ADMIN), unknown, 43)
        .await?;
    // By the text of its QR code (the real OFD's form).
    let mut by_qr = sale(6923, 696);
    by_qr["operation"] = json!(3);
    by_qr["items"][0]["commodity"]["price"] = json!(696.9);
    by_qr["items"][0]["commodity"]["sum"] = json!(696.9);
    by_qr["payments"][0]["sum"] = json!(696.9);
    by_qr["parent_ticket"] = json!({"qr":
        "http://consumer.test-oofd.kz?i=4228143549&f=640300014538&s=696.90&t=20240629T170916"});
    api.ok("TradeOperation", Some(ADMIN), by_qr).await?;
    // Both reached the OFD with their parent's data (CPCR 2.0.3 ParentTicket).
    let books = daemon.sim.books(6923).expect("books");
    let parents: Vec<_> = books
        .accepted
        .iter()
        .filter_map(|d| d.ticket_request())
        .filter_map(|t| t.parent_ticket)
        .collect();
    assert_eq!(parents.len(), 2);
    assert_eq!(parents[0].parent_ticket_number, "4228143549");
    assert_eq!(parents[0].kgd_kkm_id, "010100134465");
    assert_eq!(parents[1].kgd_kkm_id, "640300014538");
    assert_eq!(
        (
            parents[1].parent_ticket_total.bills,
            parents[1].parent_ticket_total.coins
        ),
        (696, 90)
    );
    // A receipt of this journal, named by its QR: the per-item limits apply.
    let sold = api
        .ok("TradeOperation", Some(ADMIN), sale(6923, 100))
        .await?;
    let mut again = sale(6923, 150);
    again["operation"] = json!(3);
    again["parent_ticket"] = json!({"qr": sold["qr_code"]});
    api.refused("TradeOperation", Some(ADMIN), again, 2).await?;
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_receipts_and_domain_attributes_reach_the_ofd() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(None).await?;
    let mut body = sale(6923, 1500);
    body["customer_email"] = json!(" Buyer@Example.KZ ");
    body["customer_phone"] = json!("8 (701) 234-56-78");
    body["domain"] = json!({"type": 4,
        "taxi": {"car_number": "123ABC02", "is_order": true, "current_fee": 1500}});
    body["items"][0]["commodity"]["ntin"] = json!("0200000000014");
    let sold = api.ok("TradeOperation", Some(ADMIN), body.clone()).await?;
    assert_eq!(
        sold["body"]["extension_options"]["customer_email"],
        "Buyer@example.kz"
    );
    assert_eq!(
        sold["body"]["extension_options"]["customer_phone"],
        "+77012345678"
    );
    assert_eq!(sold["body"]["domain"]["taxi"]["car_number"], "123ABC02");
    let books = daemon.sim.books(6923).expect("books");
    let ticket = books
        .accepted
        .last()
        .and_then(|d| d.ticket_request())
        .expect("the ticket");
    let ext = ticket.extension_options.expect("extension options");
    assert_eq!(ext.customer_email.as_deref(), Some("Buyer@example.kz"));
    assert_eq!(ext.customer_phone.as_deref(), Some("+77012345678"));
    let taxi = ticket.domain.expect("domain").taxi.expect("taxi");
    assert_eq!(
        (taxi.car_number.as_str(), taxi.is_order),
        ("123ABC02", true)
    );
    assert_eq!(taxi.current_fee.bills, 1500);
    let commodity = ticket.items[0].commodity.as_ref().expect("commodity");
    assert_eq!(commodity.ntin.as_deref(), Some("0200000000014"));
    // Malformed contacts are refused with the field named.
    body["customer_email"] = json!("buyer@");
    let bad = api
        .refused("TradeOperation", Some(ADMIN), body.clone(), 2)
        .await?;
    assert!(bad.json["message"]
        .as_str()
        .unwrap_or("")
        .contains("customer_email"));
    body["customer_email"] = json!("buyer@example.kz");
    body["customer_phone"] = json!("12");
    api.refused("TradeOperation", Some(ADMIN), body, 2).await?;
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_refused_during_sales_marks_the_kkm_and_queues() -> anyhow::Result<()> {
    let daemon = Daemon::start(DaemonConfig {
        kkms: vec![KkmProfile::new(6923, 12345)],
        ofd_budget: Some(Duration::from_millis(500)),
        ..DaemonConfig::default()
    })
    .await?;
    let mut api = daemon.api().await?;
    api.ok(
        "SaveKKM",
        Some(ADMIN),
        json!({"ofd_id": 6923, "ofd_token": 12345}),
    )
    .await?;
    // The OFD answers "invalid token" (2): as CashCore does, the sale goes through
    // autonomously and the KKM says its token is refused.
    daemon
        .sim
        .set_fault(FaultPlan::always(Fault::ResultCode(2)));
    let sold = api
        .ok("TradeOperation", Some(ADMIN), sale(6923, 100))
        .await?;
    assert_eq!(
        (
            sold["is_offline"].as_bool(),
            sold["is_invalid_token"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let kkm = api
        .ok("GetKKMList", Some(ADMIN), json!({"ofd_id": 6923}))
        .await?;
    assert_eq!(kkm[0]["is_invalid_token"], true);
    assert_eq!(kkm[0]["is_blocked"], false);
    api.ok("TradeOperation", Some(ADMIN), sale(6923, 100))
        .await?;
    // A token the OFD accepts: the mark goes, the queue drains in order.
    daemon.sim.clear_fault();
    let saved = api
        .ok(
            "SaveKKM",
            Some(ADMIN),
            json!({"ofd_id": 6923, "ofd_token": 12345}),
        )
        .await?;
    assert_eq!(saved["is_invalid_token"], false);
    let mut left = u64::MAX;
    for _ in 0..100 {
        let status = daemon
            .registry
            .sync_status(6923)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        left = status.queue_len;
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(left, 0);
    assert_eq!(daemon.sim.books(6923).map(|b| b.accepted.len()), Some(2));
    daemon.stop().await
}

/// The real operator's 2.0.2 INFO answer (kkm-proto's `tests/vectors`): its organisation's
/// field 6 is a varint (`tenantId`) where our 2.0.3 protos have a string, and several
/// fields 2.0.3 calls required are absent. A KKM whose OFD answers like that registers.
const REAL_INFO: &[u8] =
    include_bytes!("../../rust/kkm-proto/tests/vectors/info-response-v202.bin");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kkm_registers_with_the_real_operators_2_0_2_info_answer() -> anyhow::Result<()> {
    use futures::StreamExt;
    use kkm_proto::cpcr::{CommandTypeEnum, Request};
    use kkm_proto::frame::{Frame, ServerCodec};
    use tokio::io::AsyncWriteExt;
    use tokio_util::codec::Framed;

    // An "OFD" that answers one INFO with the captured bytes, unchanged: the register
    // asks with the ID, token and REQNUM 1 the capture carries.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let ofd = tokio::spawn(async move {
        let (stream, _) = listener.accept().await?;
        let mut framed = Framed::new(stream, ServerCodec::default());
        let request: Frame<Request> = framed
            .next()
            .await
            .ok_or_else(|| anyhow::anyhow!("no request"))??;
        anyhow::ensure!(request.message.command == CommandTypeEnum::CommandInfo as i32);
        anyhow::ensure!(
            (
                request.header.kkm_id,
                request.header.token,
                request.header.reqnum
            ) == (200_773, 26_264_070, 1),
            "{:?}",
            request.header
        );
        let mut stream = framed.into_inner();
        stream.write_all(REAL_INFO).await?;
        stream.flush().await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        anyhow::Ok(())
    });
    let dir = tempfile::tempdir()?;
    let mut config = kkm_register::RegistryConfig::new(dir.path());
    config.ofds = kkm_daemon::demo::demo_ofds(addr);
    let registry = kkm_register::Registry::open(config)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let admin = kkm_register::Credential::Pin(ADMIN.to_owned());
    let request = serde_json::from_value(json!({"ofd_id": 200_773, "ofd_token": 26_264_070}))?;
    let kkm = registry
        .save_kkm(&admin, request)
        .await
        .map_err(|e| anyhow::anyhow!("SaveKKM with the real INFO answer: {e}"))?;
    ofd.await??;
    let kkm = serde_json::to_value(kkm)?;
    let reg = &kkm["reg_info"];
    assert_eq!(reg["kkm"]["fns_kkm_id"], "281948271821", "{kkm}");
    assert_eq!(reg["kkm"]["serial_number"], "KTCD1117737127791");
    assert_eq!(reg["pos"]["title"], "TT serial");
    assert_eq!(reg["org"]["address"], "г. Астана, Ленина 33");
    assert_eq!(reg["org"]["inn"], "900101300000");
    // The 2.0.2 tenantId, set aside by the decoder, is the organisation's tenant.
    assert_eq!(reg["org"]["tenantId"], 1);
    // The OFD's Z of shift 1 (closed): the KKM goes on with shift 2, nothing open.
    assert_eq!(kkm["fr_shift_number"], 1);
    assert_eq!(kkm["shift_state"], 0);
    registry.shutdown().await;
    Ok(())
}
