//! Issue 14: what a shop switching from CashCore on a Monday morning would trip on, over
//! real sockets (the daemon and the OFD emulator on loopback). Every answer is checked
//! by [`kkm_e2e::daemon::checked`]: CashCore's HTTP status for its code, the envelope
//! with the code's text constant and a message, `/openapi.json`'s schema.

use std::sync::Arc;
use std::time::Duration;

use kkm_core::{ManualClock, Timestamp};
use kkm_e2e::daemon::{checked, sale, Api, Daemon, DaemonConfig, ADMIN};
use kkm_e2e::printer_emu::PrinterEmu;
use kkm_ofd_sim::{Fault, FaultPlan, KkmProfile};
use kkm_register::api::Method;
use kkm_register::Credential;
use serde_json::{json, Value};

const KKM: u32 = 6923;
/// 2025-01-14 09:00:00 device time.
const T0: i64 = 1_736_845_200;

fn manual_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Timestamp::from_secs(T0)))
}

/// `POST /<method>` as the admin with `Idempotency-Key: k-1`, the answer checked.
async fn keyed(
    api: &mut Api,
    method: &str,
    body: Value,
) -> anyhow::Result<kkm_e2e::daemon::Answer> {
    let headers = [
        ("Authorization", ADMIN),
        ("Idempotency-Key", "k-1"),
        ("Content-Type", "application/json"),
    ];
    let r = api
        .http
        .request(
            "POST",
            &format!("/{method}"),
            &headers,
            body.to_string().as_bytes(),
        )
        .await?;
    checked(Method::from_path(method).expect("method"), &r)
}

/// Creates an operator with `role` and `pin` bound to KKM `ID` `local_id`; its id.
async fn operator(api: &mut Api, role: i64, pin: &str, local_id: i64) -> anyhow::Result<i64> {
    let saved = api
        .ok(
            "SaveOperator",
            Some(ADMIN),
            json!({"name": format!("Кассир {pin}"), "access_pin": pin, "role": role,
                   "bindings": [local_id]}),
        )
        .await?;
    saved["id"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("no id in {saved}"))
}

/// The KKM's object from GetKKMList.
async fn kkm_object(api: &mut Api) -> anyhow::Result<Value> {
    let list = api
        .ok("GetKKMList", Some(ADMIN), json!({"ofd_id": KKM}))
        .await?;
    Ok(list[0].clone())
}

/// GetDocumentImage as `pin`: the PNG, or the checked error answer.
async fn image(
    api: &mut Api,
    pin: &str,
    shift: i64,
    number: i64,
    original: bool,
) -> anyhow::Result<Result<Vec<u8>, kkm_e2e::daemon::Answer>> {
    let body = json!({"kkm_ofd_id": KKM, "fr_shift_number": shift,
                      "shift_document_number": number, "is_original": original});
    let r = api
        .http
        .post("/GetDocumentImage", Some(pin), &body.to_string())
        .await?;
    if r.header("content-type") == Some("image/png") {
        anyhow::ensure!(
            r.status == 200 && r.body.starts_with(b"\x89PNG"),
            "not a PNG"
        );
        return Ok(Ok(r.body));
    }
    Ok(Err(checked(Method::GetDocumentImage, &r)?))
}

/// (`fr_shift_number`, `shift_document_number`) of each entry of a list answer
/// (transactions or print jobs); a missing number reads as 0.
fn numbers(list: &Value) -> Vec<(i64, i64)> {
    list.as_array()
        .map(|l| {
            l.iter()
                .map(|e| {
                    (
                        e["fr_shift_number"].as_i64().unwrap_or(0),
                        e["shift_document_number"].as_i64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cashier_prints_and_reprints_recent_receipts_of_its_kkm() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(None).await?;
    let local_id = kkm_object(&mut api).await?["ID"].as_i64().unwrap_or(0);
    operator(&mut api, 3, "3333", local_id).await?;
    let first = api
        .ok("TradeOperation", Some("3333"), sale(KKM, 100))
        .await?;
    let (shift, number) = (
        first["fr_shift_number"].as_i64().unwrap_or(0),
        first["shift_document_number"].as_i64().unwrap_or(0),
    );
    // The receipt just sold, then a duplicate of it: a cashier may print both.
    let original = image(&mut api, "3333", shift, number, true).await?;
    let copy = image(&mut api, "3333", shift, number, false).await?;
    assert!(original.is_ok() && copy.is_ok(), "{original:?} {copy:?}");
    assert_ne!(
        original.ok(),
        copy.ok(),
        "the duplicate is marked «ДУБЛИКАТ»"
    );
    // Reports are a senior cashier's.
    let x = api
        .ok(
            "ZXReport",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "report_type": 1}),
        )
        .await?;
    let x_number = x["shift_document_number"].as_i64().unwrap_or(0);
    let refused = image(&mut api, "3333", shift, x_number, true).await?;
    let refused = refused.expect_err("a cashier may not print an X");
    assert_eq!((refused.code(), refused.status), (71, 401), "{refused}");
    // Two shifts later the first receipt is out of the cashier's reach, not the admin's.
    for _ in 0..2 {
        api.ok("TradeOperation", Some("3333"), sale(KKM, 10))
            .await?;
        api.ok(
            "ZXReport",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "report_type": 0}),
        )
        .await?;
    }
    let old = image(&mut api, "3333", shift, number, false).await?;
    assert_eq!(old.err().map(|a| a.code()), Some(71));
    assert!(image(&mut api, ADMIN, shift, number, false).await?.is_ok());
    // A cashier of another KKM is not bound: 72.
    operator(&mut api, 3, "4444", local_id + 100).await?;
    let other = image(&mut api, "4444", shift, number, false).await?;
    assert_eq!(other.err().map(|a| (a.code(), a.status)), Some((72, 401)));
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_reports_have_their_own_numbers_and_images() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(None).await?;
    let s = api
        .ok("TradeOperation", Some(ADMIN), sale(KKM, 100))
        .await?;
    assert_eq!(s["shift_document_number"], 1);
    let x = api
        .ok(
            "ZXReport",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "report_type": 1}),
        )
        .await?;
    assert_eq!(x["command_type"], 3, "an X is COMMAND_REPORT");
    assert_eq!(x["shift_document_number"], 2, "the X has its own number");
    let shift = x["fr_shift_number"].as_i64().unwrap_or(0);
    let png = image(&mut api, ADMIN, shift, 2, true).await?;
    assert!(png.is_ok(), "the X's image: {png:?}");
    let next = api
        .ok("TradeOperation", Some(ADMIN), sale(KKM, 100))
        .await?;
    assert_eq!(next["shift_document_number"], 3);
    let z = api
        .ok(
            "ZXReport",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "report_type": 0}),
        )
        .await?;
    assert_eq!(
        z["command_type"], 2,
        "a Z is COMMAND_CLOSE_SHIFT, as the seed's table says"
    );
    assert_eq!(z["shift_document_number"], 4);
    // An X on a closed shift is numbered in the next one; its first receipt follows it.
    let x2 = api
        .ok(
            "ZXReport",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "report_type": 1}),
        )
        .await?;
    assert_eq!(
        (
            x2["fr_shift_number"].as_i64(),
            x2["shift_document_number"].as_i64()
        ),
        (Some(shift + 1), Some(1))
    );
    assert!(image(&mut api, ADMIN, shift + 1, 1, true).await?.is_ok());
    let after = api
        .ok("TradeOperation", Some(ADMIN), sale(KKM, 100))
        .await?;
    assert_eq!(after["fr_shift_number"].as_i64(), Some(shift + 1));
    assert_eq!(after["shift_document_number"], 2);
    // The listing reaches every document by its number.
    let list = api
        .ok(
            "GetTransactionList",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "command_type_list": [3]}),
        )
        .await?;
    assert_eq!(numbers(&list), vec![(shift, 2), (shift + 1, 1)]);
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_kkm_is_shown_and_resolved_over_http_and_the_cli() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(None).await?;
    let block = api
        .ok("GetKKMBlock", Some(ADMIN), json!({"kkm_ofd_id": KKM}))
        .await?;
    assert_eq!(block["is_blocked"], false);
    // The OFD refuses the next receipt (13, incorrect request data): the KKM blocks.
    daemon
        .sim
        .set_fault(FaultPlan::times(Fault::ResultCode(13), 1));
    let refused = api
        .refused("TradeOperation", Some(ADMIN), sale(KKM, 100), 84)
        .await?;
    assert!(refused.json["message"]
        .as_str()
        .unwrap_or("")
        .contains("13"));
    let blocked = api
        .refused("TradeOperation", Some(ADMIN), sale(KKM, 100), 62)
        .await?;
    assert_eq!(blocked.status, 500);
    let block = api
        .ok("GetKKMBlock", Some(ADMIN), json!({"kkm_ofd_id": KKM}))
        .await?;
    assert_eq!(block["is_blocked"], true);
    assert_eq!(block["ofd_code"], 13);
    assert_eq!(block["document"]["command"], 1);
    assert_eq!(block["document"]["body"]["sum"], 100.0);
    // Shown by the CLI against the running daemon (exit 1: blocked) …
    let bin = kkm_e2e::workspace_bin("kkm-daemon", "kkm-daemon")?;
    let cli = |args: &[&str]| {
        let mut command = std::process::Command::new(&bin);
        command
            .args(args)
            .args(["--daemon", &daemon.addr.to_string(), "--kkm", "6923"])
            .env("KKM_PIN", ADMIN);
        command.output()
    };
    let shown = cli(&["blocked"])?;
    assert_eq!(shown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&shown.stdout).contains("\"ofd_code\": 13"));
    // … a cashier may not resolve it (71) …
    let local_id = kkm_object(&mut api).await?["ID"].as_i64().unwrap_or(0);
    operator(&mut api, 3, "3333", local_id).await?;
    api.refused(
        "ResolveKKMBlock",
        Some("3333"),
        json!({"kkm_ofd_id": KKM, "action": 0}),
        71,
    )
    .await?;
    // … the administrator resends it with the CLI: the OFD accepts it now.
    let resolved = cli(&["unblock"])?;
    assert_eq!(
        resolved.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&resolved.stdout)
    );
    let block = api
        .ok("GetKKMBlock", Some(ADMIN), json!({"kkm_ofd_id": KKM}))
        .await?;
    assert_eq!(block["is_blocked"], false);
    assert_eq!(block["queue_length"], 0);
    api.ok("TradeOperation", Some(ADMIN), sale(KKM, 100))
        .await?;
    // Refused again; this time set aside over HTTP: the queue goes on without it.
    daemon
        .sim
        .set_fault(FaultPlan::times(Fault::ResultCode(13), 1));
    api.refused("TradeOperation", Some(ADMIN), sale(KKM, 5), 84)
        .await?;
    let done = api
        .ok(
            "ResolveKKMBlock",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "action": 1}),
        )
        .await?;
    assert_eq!(
        (done["is_blocked"].as_bool(), done["queue_length"].as_u64()),
        (Some(false), Some(0))
    );
    api.ok("TradeOperation", Some(ADMIN), sale(KKM, 100))
        .await?;
    assert_eq!(daemon.sim.books(KKM).map(|b| b.accepted.len()), Some(3));
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_with_another_request_is_a_conflict() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(None).await?;
    let first = keyed(&mut api, "TradeOperation", sale(KKM, 100)).await?;
    assert_eq!(first.code(), 0);
    // The same body again (presentation options may differ): the stored answer.
    let mut again = sale(KKM, 100);
    again["is_printable"] = json!(true);
    let retry = keyed(&mut api, "TradeOperation", again).await?;
    assert_eq!(retry.data()["fiscal_id"], first.data()["fiscal_id"]);
    // Another receipt with the same key, or another method: refused, nothing made.
    let other = keyed(&mut api, "TradeOperation", sale(KKM, 200)).await?;
    assert_eq!((other.code(), other.status), (2, 400), "{other}");
    assert!(other.json["message"]
        .as_str()
        .unwrap_or("")
        .contains("Idempotency-Key"));
    let placement = keyed(
        &mut api,
        "MoneyPlacement",
        json!({"kkm_ofd_id": KKM, "operation": 0, "sum": 100}),
    )
    .await?;
    assert_eq!(placement.code(), 2, "{placement}");
    assert_eq!(daemon.sim.books(KKM).map(|b| b.accepted.len()), Some(1));
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kkm_object_is_written_as_the_seed_writes_it() -> anyhow::Result<()> {
    let daemon = Daemon::start(DaemonConfig {
        kkms: vec![
            KkmProfile::new(KKM, 12345).with_taxation(101),
            KkmProfile::new(7000, 1),
        ],
        ofd_budget: Some(Duration::from_millis(400)),
        ..DaemonConfig::default()
    })
    .await?;
    let mut api = daemon.api().await?;
    api.ok(
        "SaveKKM",
        Some(ADMIN),
        json!({"ofd_id": 7000, "ofd_token": 1}),
    )
    .await?;
    let kkm = api
        .ok(
            "SaveKKM",
            Some(ADMIN),
            json!({"ofd_id": KKM, "ofd_token": 12345}),
        )
        .await?;
    // `ID` is the installation's own number of the KKM, not its ofd_id.
    assert_eq!(
        (kkm["ID"].as_i64(), kkm["ofd_id"].as_i64()),
        (Some(2), Some(6923))
    );
    assert_eq!(kkm["owner_id"], 1, "the administrator who added it");
    assert_eq!(
        kkm["reg_info"]["org"]["taxation_type"], 101,
        "the OFD's regime"
    );
    // The seed's factory number carries its date (CashCore's ЗНМ form).
    assert_eq!(kkm["vendor_id"], "ISCR1018036404743");
    assert_eq!(kkm["manufacture_date"], "2021-07-28T18:06:44.743");
    assert_eq!(
        kkm["shift_document_number"], 1,
        "the next document's number"
    );
    // A number GetVendorId issues has the date it was issued.
    let vendor = api.ok("GetVendorId", Some(ADMIN), json!({})).await?;
    let number = vendor["vendor_id"].as_str().unwrap_or("");
    assert!(
        number.starts_with("ISCR1") && number.len() == 17,
        "{number}"
    );
    // Autonomy ends: offline_end_date is set.
    assert_eq!(kkm["offline_end_date"], "1899-12-30T00:00:00.000");
    daemon.sim.set_fault(FaultPlan::times(
        Fault::Delay(Duration::from_millis(900)),
        1,
    ));
    let offline = api
        .ok("TradeOperation", Some(ADMIN), sale(KKM, 100))
        .await?;
    assert_eq!(offline["is_offline"], true);
    let mut drained = Value::Null;
    for _ in 0..100 {
        drained = kkm_object(&mut api).await?;
        if drained["is_offline"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(drained["is_offline"], false, "{drained}");
    assert_ne!(drained["offline_end_date"], "1899-12-30T00:00:00.000");
    // Back online the start is "never" again, as CashCore resets it.
    assert_eq!(drained["offline_start_date"], "1899-12-30T00:00:00.000");
    // A changed ofd_uid takes effect at once and is shown.
    let ofds = api.ok("GetOFDList", Some(ADMIN), json!({})).await?;
    let other = ofds[1]["uid"].clone();
    assert_ne!(other, drained["ofd_uid"]);
    let moved = api
        .ok(
            "SaveKKM",
            Some(ADMIN),
            json!({"ofd_id": KKM, "ofd_uid": other}),
        )
        .await?;
    assert_eq!(moved["ofd_uid"], other);
    let sold = api
        .ok("TradeOperation", Some(ADMIN), sale(KKM, 100))
        .await?;
    assert_eq!(sold["ofd_name"], ofds[1]["name"]);
    assert_eq!(sold["is_offline"], false);
    // An unknown OFD is 78, as CashCore's table says.
    api.refused(
        "SaveKKM",
        Some(ADMIN),
        json!({"ofd_id": KKM, "ofd_uid": "00000000000000000000000000000000"}),
        78,
    )
    .await?;
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_receipt_carries_its_printed_number_and_ticket() -> anyhow::Result<()> {
    let daemon = Daemon::start(DaemonConfig {
        kkms: vec![KkmProfile::new(KKM, 12345)],
        ofd_budget: Some(Duration::from_millis(400)),
        ..DaemonConfig::default()
    })
    .await?;
    let mut api = daemon.api().await?;
    api.ok(
        "SaveKKM",
        Some(ADMIN),
        json!({"ofd_id": KKM, "ofd_token": 12345}),
    )
    .await?;
    let online = api
        .ok("TradeOperation", Some(ADMIN), sale(KKM, 696))
        .await?;
    let sign = online["fiscal_id"].as_str().unwrap_or("").to_owned();
    assert_eq!(online["body"]["printed_document_number_old"], sign.as_str());
    // Online: the OFD's own QR, exactly (no `/` before `?`, a dot in the sum).
    let qr = online["qr_code"].as_str().unwrap_or("");
    assert!(
        qr.starts_with(&format!("http://consumer.test-oofd.kz?i={sign}&f="))
            && qr.contains("&s=696.00&"),
        "{qr}"
    );
    assert_eq!(online["body"]["printed_ticket"], qr);
    // Autonomous: the offline number, and CashCore's own link (`/?&i=…`, a comma).
    daemon.sim.set_fault(FaultPlan::times(
        Fault::Delay(Duration::from_millis(900)),
        1,
    ));
    let offline = api
        .ok("TradeOperation", Some(ADMIN), sale(KKM, 100))
        .await?;
    let number = offline["body"]["offline_ticket_number"]
        .as_i64()
        .unwrap_or(0);
    assert!(number > 0, "{offline}");
    assert_eq!(
        offline["body"]["printed_document_number_old"],
        number.to_string().as_str()
    );
    let link = offline["qr_code"].as_str().unwrap_or("");
    assert!(
        link.starts_with(&format!(
            "http://consumer.oofd.kz/?&i={number}&f=010100134464&s=100,00&t="
        )),
        "{link}"
    );
    assert_eq!(offline["body"]["printed_ticket"], link);
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_of_core_1_8_send_the_pin_in_the_body() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(None).await?;
    let mut body = sale(KKM, 100);
    body["pin"] = json!("0000");
    api.ok("TradeOperation", None, body.clone()).await?;
    // A header wins over the body.
    body["pin"] = json!("9999");
    api.ok("TradeOperation", Some(ADMIN), body.clone()).await?;
    let wrong = api.refused("TradeOperation", None, body, 5).await?;
    assert_eq!(wrong.status, 403);
    let r = api.http.get("/GetKKMList?pin=0000", None).await?;
    assert_eq!(checked(Method::GetKkmList, &r)?.code(), 0);
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_answered_as_cashcore_answers_them() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(None).await?;
    // 404 for no method, 403 for a wrong PIN, 400 for a bad field, 401 for a role,
    // 500 for a rule; the body {response_code, response_data: "<constant>", message}.
    let r = api.http.post("/Nope", Some(ADMIN), "{}").await?;
    let nope = checked(Method::Ping, &r)?;
    assert_eq!((nope.status, nope.code()), (404, 3));
    assert_eq!(nope.data(), "method_not_found");
    let wrong = api
        .refused("GetKKMList", Some("9999"), json!({}), 5)
        .await?;
    assert_eq!(
        (wrong.status, wrong.data().as_str()),
        (403, Some("invalid_access_code"))
    );
    let bad = api
        .refused("GetTransaction", Some(ADMIN), json!({"kkm_ofd_id": "x"}), 2)
        .await?;
    assert_eq!(bad.status, 400);
    let cash = api
        .refused(
            "MoneyPlacement",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "operation": 1, "sum": 1000000}),
            58,
        )
        .await?;
    assert_eq!(
        (cash.status, cash.data().as_str()),
        (500, Some("not_enough_cash"))
    );
    let local_id = kkm_object(&mut api).await?["ID"].as_i64().unwrap_or(0);
    operator(&mut api, 3, "3333", local_id).await?;
    let role = api
        .refused(
            "ZXReport",
            Some("3333"),
            json!({"kkm_ofd_id": KKM, "report_type": 1}),
            71,
        )
        .await?;
    assert_eq!(role.status, 401);
    // CashCore's own codes beyond the seed's table.
    let mut tax = sale(KKM, 100);
    tax["items"][0]["commodity"]["taxes"] =
        json!([{"taxation_type": 101, "percent": 0, "sum": 5, "is_in_total_sum": true}]);
    api.refused("TradeOperation", Some(ADMIN), tax, 96).await?;
    let mut pay = sale(KKM, 100);
    pay["payments"] = json!([{"type": 0, "sum": 100}, {"type": 1, "sum": -5}]);
    api.refused("TradeOperation", Some(ADMIN), pay, 97).await?;
    let mut kind = sale(KKM, 100);
    kind["payments"] = json!([{"type": 7, "sum": 100}]);
    api.refused("TradeOperation", Some(ADMIN), kind, 98).await?;
    api.refused(
        "ActivateLicense",
        Some(ADMIN),
        json!({"licenseKey": "no key!"}),
        90,
    )
    .await?;
    // Method names match without regard to case, as CashCore's server matches them.
    let r = api
        .http
        .post("/tradeoperation", Some(ADMIN), &sale(KKM, 1).to_string())
        .await?;
    assert_eq!(checked(Method::TradeOperation, &r)?.code(), 0);
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shift_past_24_hours_closes_itself_on_the_next_receipt() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(Some(manual_clock())).await?;
    let printer = PrinterEmu::start().await?;
    api.ok(
        "SaveKKM",
        Some(ADMIN),
        json!({"ofd_id": KKM, "printer": {"id": 1, "name": printer.address(), "type": 1}}),
    )
    .await?;
    let mut quiet = sale(KKM, 100);
    quiet["is_printable"] = json!(false);
    let first = api.ok("TradeOperation", Some(ADMIN), quiet).await?;
    let shift = first["fr_shift_number"].as_i64().unwrap_or(0);
    daemon.advance(25 * 3600);
    // A placement on the expired shift is taken, as CashCore's MoneyPlacement takes it
    // (no 24-hour check): it counts in that shift and neither closes nor reopens it…
    let placed = api
        .ok(
            "MoneyPlacement",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "operation": 0, "sum": 10}),
        )
        .await?;
    assert_eq!(placed["fr_shift_number"].as_i64(), Some(shift));
    assert_eq!(placed["shift_document_number"], 2);
    // …a receipt closes it first (a Z journaled, sent and printed), then sells in a new
    // shift.
    let mut printable = sale(KKM, 100);
    printable["is_printable"] = json!(true);
    let next = api.ok("TradeOperation", Some(ADMIN), printable).await?;
    assert_eq!(next["fr_shift_number"].as_i64(), Some(shift + 1));
    assert_eq!(next["shift_document_number"], 1);
    let zs = api
        .ok(
            "GetTransactionList",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "command_type_list": [2]}),
        )
        .await?;
    assert_eq!(zs.as_array().map(Vec::len), Some(1));
    assert_eq!(zs[0]["fr_shift_number"].as_i64(), Some(shift));
    let books = daemon.sim.books(KKM).expect("books");
    assert_eq!(
        books.accepted.iter().map(|d| d.command).collect::<Vec<_>>(),
        vec![1, 6, 2, 1],
        "the OFD got the sale, the placement, the automatic Z and the next sale"
    );
    // The receipt asked for paper: the automatic Z prints before it, like any Z.
    let paper = printer.wait_jobs(2, Duration::from_secs(20)).await?;
    assert_eq!(paper.len(), 2);
    let jobs = api
        .ok("GetPrintJobList", Some(ADMIN), json!({"kkm_ofd_id": KKM}))
        .await?;
    let mut printed = numbers(&jobs);
    printed.sort_unstable();
    let z_number = zs[0]["shift_document_number"].as_i64().unwrap_or(0);
    assert_eq!(
        printed,
        vec![(shift, z_number), (shift + 1, 1)],
        "jobs of the Z and of the receipt: {jobs}"
    );
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_e_mails_are_unique() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(None).await?;
    api.ok(
        "SaveOperator",
        Some(ADMIN),
        json!({"name": "A", "access_pin": "1111", "role": 3, "email": "a@shop.kz"}),
    )
    .await?;
    let dup = api
        .refused(
            "SaveOperator",
            Some(ADMIN),
            json!({"name": "B", "access_pin": "2222", "role": 3, "email": "A@SHOP.KZ"}),
            12,
        )
        .await?;
    assert_eq!(dup.data(), "access_code_already_used");
    let list = api.ok("GetOperatorList", Some(ADMIN), json!({})).await?;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "nothing half-saved");
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_transaction_list_never_drops_a_document() -> anyhow::Result<()> {
    const SALES: u64 = 25_000;
    let (daemon, mut api) = Daemon::with_kkm(None).await?;
    // The journal is filled below the HTTP face (the registry the daemon serves, each sale
    // fiscalized by the emulator as over HTTP): what is tested is the listing, and 25,000
    // sales through HTTP with every answer checked against the schema took minutes. The
    // first and the last sale go through HTTP.
    let admin = Credential::pin(ADMIN);
    let mut last_sign = String::new();
    let mut z_after = 0;
    for i in 1..=SALES {
        let request = sale(KKM, 1 + i % 7);
        if i == 1 || i == SALES {
            let sold = api.ok("TradeOperation", Some(ADMIN), request).await?;
            last_sign = sold["fiscal_id"].as_str().unwrap_or("").to_owned();
        } else {
            daemon
                .registry
                .trade_operation(&admin, serde_json::from_value(request)?, None)
                .await
                .map_err(|e| anyhow::anyhow!("sale {i}: {e}"))?;
        }
        if i == 12_000 {
            api.ok(
                "ZXReport",
                Some(ADMIN),
                json!({"kkm_ofd_id": KKM, "report_type": 0}),
            )
            .await?;
            z_after = i;
        }
    }
    let all = api
        .ok(
            "GetTransactionList",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM}),
        )
        .await?;
    let all = all.as_array().cloned().unwrap_or_default();
    assert_eq!(all.len() as u64, SALES + 1, "every receipt and the Z");
    assert_eq!(
        all.last().map(|e| e["body"]["fiscal_id"].clone()),
        Some(json!(last_sign)),
        "the newest document is there"
    );
    assert!(all
        .windows(2)
        .all(|w| w[0]["ID"].as_i64() < w[1]["ID"].as_i64()));
    let second = api
        .ok(
            "GetTransactionList",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "shift_number": 2}),
        )
        .await?;
    assert_eq!(
        second.as_array().map(Vec::len),
        Some((SALES - z_after) as usize)
    );
    let zs = api
        .ok(
            "GetTransactionList",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "command_type_list": [2]}),
        )
        .await?;
    assert_eq!(zs.as_array().map(Vec::len), Some(1));
    let by_sign = api
        .ok(
            "GetTransactionList",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "fiscal_id": last_sign, "command_type_list": [1]}),
        )
        .await?;
    assert_eq!(by_sign.as_array().map(Vec::len), Some(1));
    let id = all[24_000]["ID"].clone();
    let by_id = api
        .ok(
            "GetTransactionList",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "transaction_id": id}),
        )
        .await?;
    assert_eq!(by_id[0]["ID"], id);
    let none = api
        .ok(
            "GetTransactionList",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM, "period_start": "2000-01-01T00:00:00.000",
                   "period_end": "2000-01-02T00:00:00.000"}),
        )
        .await?;
    assert_eq!(none, json!([]));
    daemon.stop().await
}
