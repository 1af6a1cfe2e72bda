//! The daemon end to end: the OFD emulator and the daemon on free loopback ports, a
//! real HTTP client over real sockets.
//!
//! * [`seed_examples_replayed`] replays every request example of the seed API document
//!   (the fixtures in `rust/kkm-register/tests/fixtures`, copied verbatim from it) in a
//!   working order — SaveKKM, SaveOperator, TradeOperation, MoneyPlacement, X,
//!   transactions, GetDocumentImage, Z, DeleteOperator, DeleteKKM — and checks each
//!   answer's code and its shape field by field against the seed's response example:
//!   every key the seed shows is there with the same JSON type, recursively. Every
//!   answer also matches the daemon's own `/openapi.json`.
//!   The examples are sent verbatim; where one names things that do not exist here
//!   (KKM 6922, transaction 42, shift 118, operator 9) it is sent verbatim *and* checked
//!   for its error code, then sent again with our ids (the substitution is named).
//! * [`bad_input_gets_its_code`] — DESIGN.md §5 over HTTP: malformed JSON (73), wrong
//!   types and missing fields (2, the field named), unknown method and wrong verb (3),
//!   wrong PIN (5), rule failures with the seed's codes, oversize bodies — and nothing
//!   half-written: the journal and the OFD's books are unchanged after each refusal.
//! * [`idempotent_retry_makes_one_document`] — `Idempotency-Key`.
//! * [`get_queries_are_typed`] — GET parameters from the query string.
//! * [`real_binary_serves_and_stops_gracefully`] — the `kkm-daemon` executable: first
//!   Ping, SIGTERM, exit 0, then `verify` on its data.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use kkm_daemon::client::{HttpClient, HttpResponse};
use kkm_ofd_sim::{KkmProfile, OfdSim, SimConfig};
use kkm_register::api::Method;
use kkm_register::{Registry, RegistryConfig};
use serde_json::{json, Value};
use tokio::sync::oneshot;

const ADMIN: &str = "0000";
const KKM: u32 = 6923;
/// The token of the seed's SaveKKM example: the emulator knows KKM 6923 by it, so the
/// example registers the KKM verbatim.
const SEED_TOKEN: u32 = 59_359_406;

macro_rules! seed {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../rust/kkm-register/tests/fixtures/",
            $name
        ))
    };
}

/// The emulator, a registry and the daemon serving it.
struct Stack {
    sim: OfdSim,
    addr: SocketAddr,
    registry: Arc<Registry>,
    stop: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl Stack {
    async fn start(token: u32) -> anyhow::Result<Stack> {
        let sim = OfdSim::start(
            SimConfig {
                kkms: vec![KkmProfile::new(KKM, token)],
                ..SimConfig::default()
            },
            "127.0.0.1:0".parse()?,
        )
        .await?;
        let dir = tempfile::tempdir()?;
        let mut config = RegistryConfig::new(dir.path());
        config.ofds = kkm_daemon::demo::demo_ofds(sim.addr());
        let registry = Registry::open(config)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(kkm_daemon::http::serve(
            listener,
            registry.clone(),
            async move {
                let _ = stopped.await;
            },
        ));
        Ok(Stack {
            sim,
            addr,
            registry,
            stop: Some(stop),
            server,
            _dir: dir,
        })
    }

    /// A stack with KKM 6923 registered (token 12345) as the demo does.
    async fn with_kkm() -> anyhow::Result<(Stack, HttpClient)> {
        let stack = Stack::start(12345).await?;
        let mut c = stack.client().await?;
        let r = call(
            &mut c,
            "SaveKKM",
            Some(ADMIN),
            r#"{"ofd_id": 6923, "ofd_token": 12345}"#,
        )
        .await?;
        assert_eq!(code(&r), 0, "{r}");
        Ok((stack, c))
    }

    async fn client(&self) -> anyhow::Result<HttpClient> {
        HttpClient::connect(self.addr).await
    }

    async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), self.server)
            .await
            .context("graceful shutdown took more than 10 s")???;
        let _ = &self.registry;
        self.sim.shutdown().await;
        Ok(())
    }

    fn accepted(&self) -> usize {
        self.sim.books(KKM).map_or(0, |b| b.accepted.len())
    }
}

/// Checks the answer's HTTP side (CashCore's status for its code, JSON) and its schema
/// in our OpenAPI document; returns JSON.
fn envelope(name: &str, r: &HttpResponse) -> Value {
    let method = Method::from_path(name).unwrap_or(Method::Ping);
    match kkm_e2e::daemon::checked(method, r) {
        Ok(answer) => answer.json,
        Err(e) => panic!("{name}: {e}"),
    }
}

async fn call(
    c: &mut HttpClient,
    name: &str,
    pin: Option<&str>,
    body: &str,
) -> anyhow::Result<Value> {
    let r = c.post(&format!("/{name}"), pin, body).await?;
    Ok(envelope(name, &r))
}

/// `POST /<name>` as the admin with an `Idempotency-Key`, its answer's envelope.
async fn call_keyed(
    c: &mut HttpClient,
    name: &str,
    key: &str,
    body: &[u8],
) -> anyhow::Result<Value> {
    let headers = [
        ("Authorization", ADMIN),
        ("Idempotency-Key", key),
        ("Content-Type", "application/json"),
    ];
    let r = c
        .request("POST", &format!("/{name}"), &headers, body)
        .await?;
    Ok(envelope(name, &r))
}

fn code(v: &Value) -> i64 {
    v["response_code"].as_i64().unwrap_or(-1)
}

fn data(v: &Value) -> &Value {
    &v["response_data"]
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every key of `seed` is in `ours` with the same JSON type, recursively (arrays:
/// element by element as far as both go). A `null` in the seed matches anything; an
/// empty object `{}` under a `…List` key is an empty list (the seed's X-report writes
/// some empty lists so). Returns the differences.
fn shape_differences(path: &str, ours: &Value, seed: &Value, out: &mut Vec<String>) {
    match (ours, seed) {
        (_, Value::Null) => {}
        (Value::Array(_), Value::Object(o)) if o.is_empty() && path.ends_with("List") => {}
        (Value::Object(a), Value::Object(b)) => {
            for (key, sv) in b {
                match a.get(key) {
                    Some(ov) => shape_differences(&format!("{path}.{key}"), ov, sv, out),
                    None => out.push(format!("{path}.{key}: missing (seed: {})", json_type(sv))),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, sv) in b.iter().enumerate() {
                // Lists of documents mix kinds: compare with one of the same `command`.
                let counterpart = match sv.get("command") {
                    Some(command) => a.iter().find(|ov| ov.get("command") == Some(command)),
                    None => a.get(i),
                };
                if let Some(ov) = counterpart {
                    shape_differences(&format!("{path}[{i}]"), ov, sv, out);
                }
            }
        }
        _ if json_type(ours) == json_type(seed) => {}
        _ => out.push(format!(
            "{path}: {} (seed: {}) — ours {ours}, seed {seed}",
            json_type(ours),
            json_type(seed)
        )),
    }
}

/// Where our answer may lack a key of the seed's example, and why. Anything else
/// missing or of another type fails the test.
const KNOWN_DIFFERENCES: [(&str, &str, &str); 1] = [
    // The seed's receipt example was made autonomous; ours went online, and an online
    // receipt has no offline number (CashCore writes it only on autonomous ones too).
    (
        "TradeOperation",
        "$.response_data.body.offline_ticket_number",
        "only on autonomous receipts",
    ),
];

/// The answer has the code 0 and the seed response example's shape.
fn assert_seed_shape(name: &str, answer: &Value, seed_text: &str) {
    assert_eq!(code(answer), 0, "{name}: {answer}");
    let seed: Value = serde_json::from_str(seed_text).expect("fixture");
    let mut diffs = Vec::new();
    shape_differences("$", answer, &seed, &mut diffs);
    diffs.retain(|d| {
        let known = KNOWN_DIFFERENCES
            .iter()
            .find(|(m, path, _)| *m == name && d.starts_with(&format!("{path}:")));
        if let Some((_, _, why)) = known {
            println!("{name}: known difference {d} — {why}");
        }
        known.is_none()
    });
    assert!(
        diffs.is_empty(),
        "{name}: our answer's shape differs from the seed's example:\n  {}",
        diffs.join("\n  ")
    );
}

fn assert_code(name: &str, answer: &Value, expected: i64) {
    assert_eq!(code(answer), expected, "{name}: {answer}");
    let text = answer["response_data"].as_str().unwrap_or("");
    let message = answer["message"].as_str().unwrap_or("");
    assert!(
        !text.is_empty() && !message.is_empty(),
        "{name}: error data {answer}"
    );
}

/// How many documents KKM 6923's journal lists.
async fn journal(c: &mut HttpClient) -> anyhow::Result<usize> {
    let r = call(c, "GetTransactionList", Some(ADMIN), &now_range()).await?;
    Ok(data(&r).as_array().map_or(0, Vec::len))
}

fn now_range() -> String {
    // Device time is UTC+5; a day either side covers any clock.
    json!({"kkm_ofd_id": KKM, "period_start": "2000-01-01T00:00:00.000",
           "period_end": "2100-01-01T00:00:00.000"})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_examples_replayed() -> anyhow::Result<()> {
    let stack = Stack::start(SEED_TOKEN).await?;
    let mut c = stack.client().await?;

    // Ping: GET and POST, no credential.
    let r = c.get("/Ping", None).await?;
    assert_seed_shape("Ping", &envelope("Ping", &r), seed!("Ping.response.json"));
    assert_eq!(
        envelope("Ping", &r),
        serde_json::from_str::<Value>(seed!("Ping.response.json"))?
    );
    let r = call(&mut c, "Ping", None, "").await?;
    assert_eq!(data(&r), "ok");

    let r = call(
        &mut c,
        "ActivateLicense",
        Some(ADMIN),
        seed!("ActivateLicense.request.json"),
    )
    .await?;
    assert_seed_shape(
        "ActivateLicense",
        &r,
        seed!("ActivateLicense.response.json"),
    );
    assert_eq!(data(&r), "ok");

    let r = call(&mut c, "GetOFDList", Some(ADMIN), "").await?;
    assert_seed_shape("GetOFDList", &r, seed!("GetOFDList.response.json"));
    let uids: Vec<&str> = data(&r)
        .as_array()
        .map(|l| l.iter().filter_map(|o| o["uid"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        uids.contains(&"4C49A0CB1DD4413387F6E6199CBB1B2A"),
        "{uids:?}"
    );

    let r = call(
        &mut c,
        "GetVendorId",
        Some(ADMIN),
        seed!("GetVendorId.request.json"),
    )
    .await?;
    assert_seed_shape("GetVendorId", &r, seed!("GetVendorId.response.json"));
    let vendor = data(&r)["vendor_id"].as_str().unwrap_or("");
    assert!(
        vendor.len() == 17
            && vendor.starts_with("ISCR")
            && vendor[4..].bytes().all(|b| b.is_ascii_digit()),
        "{vendor}"
    );
    let again = call(
        &mut c,
        "GetVendorId",
        Some(ADMIN),
        seed!("GetVendorId.request.json"),
    )
    .await?;
    assert_ne!(
        data(&again)["vendor_id"],
        data(&r)["vendor_id"],
        "a new number each time"
    );

    // SaveKKM verbatim: the emulator knows the example's token.
    let r = call(
        &mut c,
        "SaveKKM",
        Some(ADMIN),
        seed!("SaveKKM.request.json"),
    )
    .await?;
    assert_seed_shape("SaveKKM", &r, seed!("SaveKKM.response.json"));
    assert_eq!(data(&r)["ofd_id"], 6923);
    assert_eq!(data(&r)["local_name"], "Test_6923");
    assert_eq!(data(&r)["bindings"], json!([10, 11]));
    assert_eq!(data(&r)["reg_info"]["kkm"]["fns_kkm_id"], "010100134464");

    let r = call(
        &mut c,
        "GetKKMList",
        Some(ADMIN),
        seed!("GetKKMList.request.json"),
    )
    .await?;
    assert_seed_shape("GetKKMList", &r, seed!("GetKKMList.response.json"));
    assert_eq!(data(&r).as_array().map(Vec::len), Some(1));

    // SaveOperator verbatim (id 0 creates; bound to KKM 1 as in the example), then bound
    // to our KKM so that it can work.
    let r = call(
        &mut c,
        "SaveOperator",
        Some(ADMIN),
        seed!("SaveOperator.request.json"),
    )
    .await?;
    assert_seed_shape("SaveOperator", &r, seed!("SaveOperator.response.json"));
    assert_eq!(data(&r)["access_pin"], "****", "PINs are answered masked");
    assert_eq!(data(&r)["custom_data"]["field3"], true);
    let operator_id = data(&r)["id"].as_i64().context("operator id")?;
    let mut edit: Value = serde_json::from_str(seed!("SaveOperator.request.json"))?;
    edit["id"] = json!(operator_id);
    edit["bindings"] = json!([KKM]);
    let r = call(&mut c, "SaveOperator", Some(ADMIN), &edit.to_string()).await?;
    assert_eq!(code(&r), 0, "{r}");

    let r = call(&mut c, "GetOperatorList", Some(ADMIN), "").await?;
    assert_seed_shape(
        "GetOperatorList",
        &r,
        seed!("GetOperatorList.response.json"),
    );
    let list = data(&r).as_array().context("list")?;
    assert_eq!(list.len(), 2, "the default administrator and ours");
    assert!(list.iter().all(|o| o["access_pin"] == "****"));

    // TradeOperation verbatim, by the senior cashier with its PIN as a Bearer token.
    let accepted = stack.accepted();
    let r = call(
        &mut c,
        "TradeOperation",
        Some("Bearer 5555"),
        seed!("TradeOperation.request.json"),
    )
    .await?;
    assert_seed_shape("TradeOperation", &r, seed!("TradeOperation.response.json"));
    let sale = data(&r).clone();
    assert_eq!(sale["is_offline"], false);
    assert_eq!(
        sale["body"]["amounts"]["total"],
        json!({"bills": 1750, "coins": 0})
    );
    assert_eq!(
        sale["body"]["amounts"]["change"],
        json!({"bills": 250, "coins": 0})
    );
    // Online, the receipt's QR is the OFD's own (the emulator writes it as the real
    // operator does: a dot in the sum); it is also the body's `printed_ticket`.
    assert!(
        sale["qr_code"]
            .as_str()
            .is_some_and(|q| q.contains("s=1750.00")),
        "{}",
        sale["qr_code"]
    );
    assert_eq!(sale["qr_code"], sale["body"]["printed_ticket"]);
    assert_eq!(
        sale["fiscal_id"],
        sale["body"]["printed_document_number_old"]
    );
    assert_eq!(stack.accepted(), accepted + 1, "the OFD got the receipt");

    let r = call(
        &mut c,
        "MoneyPlacement",
        Some("5555"),
        seed!("MoneyPlacement.request.json"),
    )
    .await?;
    assert_seed_shape("MoneyPlacement", &r, seed!("MoneyPlacement.response.json"));
    assert_eq!(data(&r)["body"]["sum"], json!({"bills": 1000, "coins": 0}));

    let r = call(
        &mut c,
        "ZXReport",
        Some("5555"),
        seed!("ZXReport.request.json"),
    )
    .await?;
    assert_seed_shape("ZXReport", &r, seed!("ZXReport.response.json"));
    assert_eq!(data(&r)["report_type"], 1);
    assert_eq!(data(&r)["shift_state"], 1, "X leaves the shift open");

    // GetTransactionList: verbatim names KKM 6922 (not here) → 61; then ours.
    let r = call(
        &mut c,
        "GetTransactionList",
        Some(ADMIN),
        seed!("GetTransactionList.request.json"),
    )
    .await?;
    assert_code("GetTransactionList (KKM 6922)", &r, 61);
    let r = call(&mut c, "GetTransactionList", Some(ADMIN), &now_range()).await?;
    assert_seed_shape(
        "GetTransactionList",
        &r,
        seed!("GetTransactionList.response.json"),
    );
    let list = data(&r).as_array().context("list")?.clone();
    let ticket = list
        .iter()
        .find(|t| t["command"] == 1)
        .context("the receipt is listed")?;
    assert_eq!(ticket["body"]["fiscal_id"], sale["fiscal_id"]);
    let ticket_id = ticket["ID"].as_i64().context("ID")?;
    let placement_id = list
        .iter()
        .find(|t| t["command"] == 6)
        .and_then(|t| t["ID"].as_i64())
        .context("the deposit is listed")?;

    // GetTransaction: verbatim (KKM 6922, transaction 42) → 61; then our deposit (the
    // seed's example is a deposit, command 6).
    let r = call(
        &mut c,
        "GetTransaction",
        Some(ADMIN),
        seed!("GetTransaction.request.json"),
    )
    .await?;
    assert_code("GetTransaction (KKM 6922)", &r, 61);
    let r = call(
        &mut c,
        "GetTransaction",
        Some(ADMIN),
        &json!({"kkm_ofd_id": KKM, "transaction_id": placement_id}).to_string(),
    )
    .await?;
    assert_seed_shape("GetTransaction", &r, seed!("GetTransaction.response.json"));
    let r = call(
        &mut c,
        "GetTransaction",
        Some(ADMIN),
        &json!({"kkm_ofd_id": KKM, "transaction_id": ticket_id}).to_string(),
    )
    .await?;
    assert_eq!(code(&r), 0, "{r}");
    assert_eq!(data(&r)["command"], 1);
    assert!(data(&r)["body"].is_object(), "the receipt's body: {r}");
    let r = call(
        &mut c,
        "GetTransaction",
        Some(ADMIN),
        &json!({"kkm_ofd_id": KKM, "transaction_id": 999_999}).to_string(),
    )
    .await?;
    assert_code("GetTransaction (unknown id)", &r, 43);

    // GetDocumentImage: verbatim names shift 118 → 37 (as JSON); then our receipt → PNG.
    let r = c
        .post(
            "/GetDocumentImage",
            Some(ADMIN),
            seed!("GetDocumentImage.request.json"),
        )
        .await?;
    assert_code(
        "GetDocumentImage (shift 118)",
        &envelope("GetDocumentImage", &r),
        37,
    );
    let mut image: Value = serde_json::from_str(seed!("GetDocumentImage.request.json"))?;
    image["fr_shift_number"] = sale["fr_shift_number"].clone();
    image["shift_document_number"] = sale["shift_document_number"].clone();
    let r = c
        .post("/GetDocumentImage", Some(ADMIN), &image.to_string())
        .await?;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert!(r.body.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    // 384 pixels wide, as asked (IHDR width, big-endian at byte 16).
    assert_eq!(r.body.get(16..20), Some(&384u32.to_be_bytes()[..]));

    let r = call(&mut c, "GetPrinterList", Some(ADMIN), "").await?;
    assert_seed_shape("GetPrinterList", &r, seed!("GetPrinterList.response.json"));
    assert_eq!(
        data(&r)[0]["name"],
        "RPP300",
        "the printer SaveKKM configured"
    );

    // Z closes the shift.
    let mut z: Value = serde_json::from_str(seed!("ZXReport.request.json"))?;
    z["report_type"] = json!(0);
    let r = call(&mut c, "ZXReport", Some("5555"), &z.to_string()).await?;
    assert_seed_shape("ZXReport (Z)", &r, seed!("ZXReport.response.json"));
    assert_eq!(data(&r)["report_type"], 0);
    assert_eq!(data(&r)["shift_state"], 0, "Z closes the shift");

    // DeleteOperator: verbatim (operator 9, none here) → 15; then ours.
    let r = call(
        &mut c,
        "DeleteOperator",
        Some(ADMIN),
        seed!("DeleteOperator.request.json"),
    )
    .await?;
    assert_code("DeleteOperator (id 9)", &r, 15);
    let r = call(
        &mut c,
        "DeleteOperator",
        Some(ADMIN),
        &json!({"id": operator_id}).to_string(),
    )
    .await?;
    assert_seed_shape("DeleteOperator", &r, seed!("DeleteOperator.response.json"));
    let r = call(
        &mut c,
        "TradeOperation",
        Some("5555"),
        seed!("TradeOperation.request.json"),
    )
    .await?;
    assert_code("TradeOperation by a deleted operator", &r, 5);

    // DeleteKKM verbatim: the shift is closed and the queue empty.
    let r = call(
        &mut c,
        "DeleteKKM",
        Some(ADMIN),
        seed!("DeleteKKM.request.json"),
    )
    .await?;
    assert_seed_shape("DeleteKKM", &r, seed!("DeleteKKM.response.json"));
    let r = call(&mut c, "GetKKMList", Some(ADMIN), "").await?;
    assert_eq!(data(&r), &json!([]));

    stack.stop().await
}

/// (what, method, PIN, body, expected code, the field the message must name).
type BadCase<'a> = (
    &'a str,
    &'a str,
    Option<&'a str>,
    String,
    i64,
    Option<&'a str>,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_its_code() -> anyhow::Result<()> {
    let (stack, mut c) = Stack::with_kkm().await?;
    let sale = seed!("TradeOperation.request.json");

    // A sale first, so that the journal has something to compare with.
    let r = call(&mut c, "TradeOperation", Some(ADMIN), sale).await?;
    assert_eq!(code(&r), 0, "{r}");
    let documents = journal(&mut c).await?;
    let accepted = stack.accepted();

    let mut wrong_type: Value = serde_json::from_str(sale)?;
    wrong_type["items"][0]["commodity"]["name"] = json!(5);
    let mut empty_items: Value = serde_json::from_str(sale)?;
    empty_items["items"] = json!([]);
    let mut card_too_big: Value = serde_json::from_str(sale)?;
    card_too_big["payments"] = json!([{"type": 1, "sum": 2000}]);
    let mut three_decimals: Value = serde_json::from_str(sale)?;
    three_decimals["items"][0]["commodity"]["price"] = json!(10.005);
    let mut both_taxes: Value = serde_json::from_str(sale)?;
    both_taxes["items"][0]["commodity"]["taxes"] =
        json!([{"taxation_type": 101, "percent": 12, "sum": 187.5, "is_in_total_sum": true}]);
    let cases: Vec<BadCase> = vec![
        (
            "malformed JSON",
            "TradeOperation",
            Some(ADMIN),
            r#"{"kkm_ofd_id": 6923, "items": [}"#.into(),
            73,
            None,
        ),
        (
            "truncated JSON",
            "TradeOperation",
            Some(ADMIN),
            sale[..sale.len() / 2].into(),
            73,
            None,
        ),
        (
            "trailing garbage",
            "MoneyPlacement",
            Some(ADMIN),
            r#"{"kkm_ofd_id": 6923, "operation": 0, "sum": 1} x"#.into(),
            73,
            None,
        ),
        (
            "not an object",
            "TradeOperation",
            Some(ADMIN),
            "[1, 2, 3]".into(),
            2,
            None,
        ),
        (
            "wrong type, nested",
            "TradeOperation",
            Some(ADMIN),
            wrong_type.to_string(),
            2,
            Some("items[0].commodity.name"),
        ),
        (
            "wrong type",
            "MoneyPlacement",
            Some(ADMIN),
            r#"{"kkm_ofd_id": "6923", "operation": 0, "sum": 1}"#.into(),
            2,
            Some("kkm_ofd_id"),
        ),
        (
            "missing field",
            "DeleteKKM",
            Some(ADMIN),
            "{}".into(),
            2,
            Some("ofd_id"),
        ),
        (
            "missing field",
            "ZXReport",
            Some(ADMIN),
            r#"{"kkm_ofd_id": 6923}"#.into(),
            2,
            Some("report_type"),
        ),
        (
            "wrong PIN",
            "TradeOperation",
            Some("1111"),
            sale.into(),
            5,
            None,
        ),
        ("no PIN", "TradeOperation", None, sale.into(), 5, None),
        (
            "wrong bearer token",
            "MoneyPlacement",
            Some("Bearer nope"),
            seed!("MoneyPlacement.request.json").into(),
            5,
            None,
        ),
        (
            "unknown KKM",
            "TradeOperation",
            Some(ADMIN),
            sale.replace("6923", "6924"),
            61,
            None,
        ),
        (
            "empty items",
            "TradeOperation",
            Some(ADMIN),
            empty_items.to_string(),
            45,
            None,
        ),
        (
            "card above total",
            "TradeOperation",
            Some(ADMIN),
            card_too_big.to_string(),
            55,
            None,
        ),
        (
            "3 decimals",
            "TradeOperation",
            Some(ADMIN),
            three_decimals.to_string(),
            94,
            None,
        ),
        (
            "item and receipt taxes",
            "TradeOperation",
            Some(ADMIN),
            both_taxes.to_string(),
            88,
            None,
        ),
        (
            "withdrawal above cash",
            "MoneyPlacement",
            Some(ADMIN),
            r#"{"kkm_ofd_id": 6923, "operation": 1, "sum": 1000000}"#.into(),
            58,
            None,
        ),
        (
            "bad report type",
            "ZXReport",
            Some(ADMIN),
            r#"{"kkm_ofd_id": 6923, "report_type": 7}"#.into(),
            34,
            None,
        ),
        (
            "bad role",
            "SaveOperator",
            Some(ADMIN),
            r#"{"name": "x", "access_pin": "7777", "role": 9}"#.into(),
            39,
            None,
        ),
        (
            "bad licence key",
            "ActivateLicense",
            Some(ADMIN),
            r#"{"licenseKey": "no spaces allowed"}"#.into(),
            90,
            None,
        ),
    ];
    for (what, name, pin, body, expected, field) in &cases {
        let r = call(&mut c, name, *pin, body).await?;
        assert_code(&format!("{what} ({name})"), &r, *expected);
        if let Some(field) = field {
            let message = r["message"].as_str().unwrap_or("");
            assert!(
                message.contains(field),
                "{what}: the message names {field}: {message}"
            );
        }
    }

    // Methods and verbs.
    let r = c.post("/NoSuchMethod", Some(ADMIN), "{}").await?;
    assert_eq!(r.status, 404);
    assert_code("unknown method", &r.json()?, 3);
    let r = c.get("/TradeOperation", Some(ADMIN)).await?;
    assert_code(
        "GET on a POST-only method",
        &envelope("TradeOperation", &r),
        3,
    );
    let r = c
        .request(
            "DELETE",
            "/DeleteKKM",
            &[("Authorization", ADMIN)],
            br#"{"ofd_id": 6923}"#,
        )
        .await?;
    assert_code("DELETE verb", &envelope("DeleteKKM", &r), 3);
    let r = c.post("/", None, "").await?;
    assert_eq!(r.status, 404);
    assert_code("no method", &r.json()?, 3);

    // Oversize body: refused (2) before it is parsed.
    let big = format!(
        r#"{{"kkm_ofd_id": 6923, "pad": "{}"}}"#,
        "x".repeat(3 * 1024 * 1024)
    );
    let r = c.post("/TradeOperation", Some(ADMIN), &big).await?;
    assert_code("3 MiB body", &envelope("TradeOperation", &r), 2);

    // Nothing half-written: no document in the journal, none at the OFD.
    let mut fresh = stack.client().await?;
    assert_eq!(
        journal(&mut fresh).await?,
        documents,
        "the journal is unchanged"
    );
    assert_eq!(stack.accepted(), accepted, "the OFD got nothing");

    // And the register still works.
    let r = call(&mut fresh, "TradeOperation", Some(ADMIN), sale).await?;
    assert_eq!(code(&r), 0, "{r}");
    stack.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotent_retry_makes_one_document() -> anyhow::Result<()> {
    let (stack, mut c) = Stack::with_kkm().await?;
    let sale = seed!("TradeOperation.request.json");
    let headers = [
        ("Authorization", ADMIN),
        ("Idempotency-Key", "sale-0001"),
        ("Content-Type", "application/json"),
    ];
    let first = c
        .request("POST", "/TradeOperation", &headers, sale.as_bytes())
        .await?;
    let first = envelope("TradeOperation", &first);
    assert_eq!(code(&first), 0, "{first}");
    let accepted = stack.accepted();
    // The retry, on another connection as a client would after a timeout.
    let mut other = stack.client().await?;
    let second = other
        .request("POST", "/TradeOperation", &headers, sale.as_bytes())
        .await?;
    let second = envelope("TradeOperation", &second);
    assert_eq!(code(&second), 0, "{second}");
    assert_eq!(
        second["response_data"]["fiscal_id"],
        first["response_data"]["fiscal_id"]
    );
    assert_eq!(
        second["response_data"]["shift_document_number"],
        first["response_data"]["shift_document_number"]
    );
    assert_eq!(stack.accepted(), accepted, "no second document at the OFD");
    let r = call(&mut c, "GetTransactionList", Some(ADMIN), &now_range()).await?;
    let tickets = data(&r)
        .as_array()
        .map_or(0, |l| l.iter().filter(|t| t["command"] == 1).count());
    assert_eq!(tickets, 1, "one receipt in the journal");

    // MoneyPlacement too; another key makes another document.
    let deposit = seed!("MoneyPlacement.request.json").as_bytes();
    let a = call_keyed(&mut c, "MoneyPlacement", "dep-1", deposit).await?;
    let b = call_keyed(&mut c, "MoneyPlacement", "dep-1", deposit).await?;
    let d = call_keyed(&mut c, "MoneyPlacement", "dep-2", deposit).await?;
    assert_eq!(
        a["response_data"]["shift_document_number"],
        b["response_data"]["shift_document_number"]
    );
    assert_ne!(
        a["response_data"]["shift_document_number"],
        d["response_data"]["shift_document_number"]
    );
    assert_eq!(stack.accepted(), accepted + 2);

    // A key that is not printable ASCII is refused (2) and makes nothing.
    let r = call_keyed(&mut c, "MoneyPlacement", "a b", deposit).await?;
    assert_code("bad key", &r, 2);
    assert_eq!(stack.accepted(), accepted + 2);
    stack.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_queries_are_typed() -> anyhow::Result<()> {
    let (stack, mut c) = Stack::with_kkm().await?;
    let r = c.get("/GetKKMList?ofd_id=6923", Some(ADMIN)).await?;
    let v = envelope("GetKKMList", &r);
    assert_eq!(data(&v).as_array().map(Vec::len), Some(1), "{v}");
    let r = c.get("/GetKKMList?ofd_id=1", Some(ADMIN)).await?;
    assert_eq!(data(&envelope("GetKKMList", &r)), &json!([]));
    let r = c.get("/GetKKMList?ofd_id=abc", Some(ADMIN)).await?;
    let v = envelope("GetKKMList", &r);
    assert_code("ofd_id=abc", &v, 2);
    assert!(v["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("ofd_id")));
    // A method that changes state is never reachable over GET (a link or an image on a
    // web page would trigger it): 3, as CashCore answers a wrong verb; POST works.
    let r = c
        .get("/ActivateLicense?licenseKey=A7D3-5CFA-A13F-16C4&orgId=910812450255&email=user%40domain.com", Some(ADMIN))
        .await?;
    assert_code("GET ActivateLicense", &envelope("ActivateLicense", &r), 3);
    let r = c
        .post(
            "/ActivateLicense",
            Some(ADMIN),
            r#"{"licenseKey": "A7D3-5CFA-A13F-16C4", "orgId": "910812450255", "email": "user@domain.com"}"#,
        )
        .await?;
    assert_eq!(code(&envelope("ActivateLicense", &r)), 0);
    let r = c
        .get(
            "/GetVendorId?ofd_uid=4C49A0CB1DD4413387F6E6199CBB1B2A",
            Some(ADMIN),
        )
        .await?;
    assert_eq!(code(&envelope("GetVendorId", &r)), 0);
    // A GET without a query may carry a JSON body.
    let r = c
        .request(
            "GET",
            "/GetKKMList",
            &[("Authorization", ADMIN)],
            br#"{"ofd_id": 6923}"#,
        )
        .await?;
    assert_eq!(
        data(&envelope("GetKKMList", &r)).as_array().map(Vec::len),
        Some(1)
    );
    // POST ignores the URL's parameters, as the seed says.
    let r = c.post("/GetKKMList?ofd_id=1", Some(ADMIN), "{}").await?;
    assert_eq!(
        data(&envelope("GetKKMList", &r)).as_array().map(Vec::len),
        Some(1)
    );
    // /openapi.json is served and lists every method.
    let r = c.get("/openapi.json", None).await?;
    let doc = r.json()?;
    assert_eq!(doc["openapi"], "3.1.0");
    for m in Method::ALL {
        assert!(
            doc["paths"][format!("/{}", m.name())]["post"].is_object(),
            "{}",
            m.name()
        );
    }
    stack.stop().await
}

/// The real executable: cold start to the first answered Ping, a sale, graceful stop on
/// SIGTERM, `verify` (0 on a sound journal, 1 once a byte of the encrypted file is changed),
/// `--help`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_binary_serves_and_stops_gracefully() -> anyhow::Result<()> {
    let bin = kkm_e2e::workspace_bin("kkm-daemon", "kkm-daemon")?;
    let sim = OfdSim::start(SimConfig::with_kkms([(KKM, 12345)]), "127.0.0.1:0".parse()?).await?;
    let dir = tempfile::tempdir()?;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let started = Instant::now();
    let mut child = tokio::process::Command::new(&bin)
        .args(["serve", "--listen", &addr.to_string(), "--data-dir"])
        .arg(dir.path())
        .arg("--ofd")
        .arg(format!("Казахтелеком={}", sim.addr()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let (ping, mut c) = loop {
        if let Ok(mut c) = HttpClient::connect(addr).await {
            if let Ok(r) = c.get("/Ping", None).await {
                break (r, c);
            }
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(20),
            "no Ping answer in 20 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let cold = started.elapsed();
    assert_eq!(
        ping.json()?,
        json!({"response_code": 0, "response_data": "ok"})
    );
    println!("cold start to first Ping: {cold:?}");
    let r = call(
        &mut c,
        "SaveKKM",
        Some(ADMIN),
        r#"{"ofd_id": 6923, "ofd_token": 12345}"#,
    )
    .await?;
    assert_eq!(code(&r), 0, "{r}");
    let r = call(
        &mut c,
        "TradeOperation",
        Some(ADMIN),
        seed!("TradeOperation.request.json"),
    )
    .await?;
    assert_eq!(code(&r), 0, "{r}");
    drop(c);

    let pid = child.id().context("pid")?;
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()?;
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .context("the daemon did not stop within 10 s of SIGTERM")??;
    assert!(exit.success(), "graceful stop exits 0: {exit:?}");
    sim.shutdown().await;

    let verify = |dir: &std::path::Path| {
        std::process::Command::new(&bin)
            .args(["verify", "--data-dir"])
            .arg(dir)
            .output()
    };
    let sound = verify(dir.path())?;
    assert_eq!(sound.status.code(), Some(0), "{sound:?}");
    assert!(
        String::from_utf8_lossy(&sound.stdout).contains("KKM 6923: ok"),
        "{sound:?}"
    );

    // Export: JSON lines to standard output, CSV to a file.
    let jsonl = std::process::Command::new(&bin)
        .args(["export", "--kkm", "6923", "--format", "jsonl", "--data-dir"])
        .arg(dir.path())
        .output()?;
    assert!(jsonl.status.success(), "{jsonl:?}");
    let lines: Vec<Value> = String::from_utf8_lossy(&jsonl.stdout)
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert!(!lines.is_empty(), "the receipt is exported");
    let csv = dir.path().join("journal.csv");
    let out = std::process::Command::new(&bin)
        .args([
            "export",
            "--kkm",
            "6923",
            "--format",
            "csv",
            "--from",
            "2000-01-01",
            "--out",
        ])
        .arg(&csv)
        .arg("--data-dir")
        .arg(dir.path())
        .output()?;
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(&csv)?.lines().count(),
        lines.len() + 1,
        "header + rows"
    );

    // The journal is encrypted at rest: the receipt's item name is nowhere in the file.
    let db = dir.path().join("kkm.db");
    let mut bytes = std::fs::read(&db)?;
    assert!(
        !bytes.windows(6).any(|w| w == b"tovar1"),
        "the receipt's item name is not in clear in the journal file"
    );
    assert!(
        !bytes.starts_with(b"SQLite format 3"),
        "no plaintext header"
    );
    // Change one byte of a page inside the database file: it no longer authenticates.
    anyhow::ensure!(bytes.len() >= 2 * 4096, "a journal of several pages");
    bytes[4096 + 1000] ^= 0x20;
    std::fs::write(&db, bytes)?;
    let broken = verify(dir.path())?;
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    let said = String::from_utf8_lossy(&broken.stdout);
    assert!(
        said.contains("BROKEN") && said.contains("page 2"),
        "{broken:?}"
    );

    let missing = verify(&dir.path().join("nothing-here"))?;
    assert!(
        !missing.status.success(),
        "verify of a folder without a journal fails"
    );
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["export", "--help"],
        &["demo", "--help"],
        &["verify", "--help"],
    ] {
        let help = std::process::Command::new(&bin).args(args).output()?;
        assert!(help.status.success(), "{args:?}");
        assert!(!help.stdout.is_empty());
    }
    Ok(())
}
