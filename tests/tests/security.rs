//! Issue 34's attacks on the daemon over real sockets, each as an attacker sends it (the
//! browser's own view of the same attacks is `tests/browser/security.test.mjs`):
//! * a page of another site driving the API with the default PIN (a `no-cors` fetch to
//!   SaveOperator, an `<img>` on DeleteOperator, a MoneyPlacement) — refused, nothing
//!   changes;
//! * DNS rebinding: the daemon reached under the attacker's name — refused on the API
//!   and the console alike;
//! * a printer address as a weapon: a file (the key file), any host — only configured
//!   printers, and a limited number of duplicates per document.

use std::time::Duration;

use kkm_daemon::client::HttpResponse;
use kkm_e2e::daemon::{Api, Daemon, ADMIN};
use kkm_e2e::printer_emu::PrinterEmu;
use serde_json::{json, Value};

const KKM: u32 = 6923;

fn body(r: &HttpResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

/// (HTTP status, response_code) of an answer.
fn outcome(r: &HttpResponse) -> (u16, i64) {
    (r.status, body(r)["response_code"].as_i64().unwrap_or(-1))
}

async fn operators(api: &mut Api) -> anyhow::Result<Vec<String>> {
    let list = api.ok("GetOperatorList", Some(ADMIN), json!({})).await?;
    Ok(list
        .as_array()
        .map(|a| {
            a.iter()
                .map(|o| o["name"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default())
}

async fn documents(api: &mut Api) -> anyhow::Result<usize> {
    let list = api
        .ok(
            "GetTransactionList",
            Some(ADMIN),
            json!({"kkm_ofd_id": KKM}),
        )
        .await?;
    Ok(list.as_array().map_or(0, Vec::len))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_another_site_cannot_drive_the_api() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(None).await?;
    api.ok(
        "SaveOperator",
        Some(ADMIN),
        json!({"name": "Кассир", "access_pin": "4321", "role": 3}),
    )
    .await?;
    let cashier_id = api
        .ok("GetOperatorList", Some(ADMIN), json!({}))
        .await?
        .as_array()
        .and_then(|a| a.iter().find(|o| o["name"] == "Кассир"))
        .and_then(|o| o["id"].as_i64())
        .unwrap_or(0);
    let before = operators(&mut api).await?;
    let docs = documents(&mut api).await?;
    let mut c = kkm_daemon::client::HttpClient::connect(daemon.addr).await?;
    let evil = json!({"pin": "0000", "name": "Evil", "access_pin": "6666", "role": 1}).to_string();

    // fetch(…/SaveOperator, {method: "POST", mode: "no-cors", body}) from another site, as
    // Chromium sends it: text/plain, Origin, Sec-Fetch-Site.
    let r = c
        .request(
            "POST",
            "/SaveOperator",
            &[
                ("Content-Type", "text/plain;charset=UTF-8"),
                ("Origin", "http://evil.example"),
                ("Sec-Fetch-Site", "cross-site"),
                ("Sec-Fetch-Mode", "no-cors"),
            ],
            evil.as_bytes(),
        )
        .await?;
    assert_eq!(outcome(&r), (403, 5), "{}", body(&r));
    // The same from a browser that sends no Sec-Fetch-* (Origin only), and from another
    // port of the same machine (same-site, not same-origin).
    for (origin, site) in [
        ("http://evil.example", None),
        ("null", None),
        ("http://127.0.0.1:1", Some("same-site")),
    ] {
        let mut headers = vec![("Content-Type", "application/json"), ("Origin", origin)];
        if let Some(site) = site {
            headers.push(("Sec-Fetch-Site", site));
        }
        let r = c
            .request("POST", "/SaveOperator", &headers, evil.as_bytes())
            .await?;
        assert_eq!(outcome(&r), (403, 5), "{origin}: {}", body(&r));
    }
    // A browser that marks nothing at all still cannot send JSON cross-site without a
    // preflight: a state change in any other content type is refused.
    for ct in [
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
    ] {
        let r = c
            .request(
                "POST",
                "/SaveOperator",
                &[("Content-Type", ct)],
                evil.as_bytes(),
            )
            .await?;
        assert_eq!(outcome(&r), (400, 2), "{ct}: {}", body(&r));
    }

    // <img src="http://127.0.0.1:8080/DeleteOperator?id=N&pin=0000">: no change over GET.
    let img = format!("/DeleteOperator?id={cashier_id}&pin=0000");
    let r = c
        .request(
            "GET",
            &img,
            &[
                ("Sec-Fetch-Site", "cross-site"),
                ("Sec-Fetch-Dest", "image"),
            ],
            b"",
        )
        .await?;
    assert_eq!(outcome(&r).1, 5, "{}", body(&r));
    let r = c.get(&img, None).await?;
    assert_eq!(outcome(&r), (404, 3), "{}", body(&r));

    // MoneyPlacement from the page: no cash moves, no document.
    let placement = json!({"pin": "0000", "kkm_ofd_id": KKM, "operation": 0, "sum": 1}).to_string();
    let r = c
        .request(
            "POST",
            "/MoneyPlacement",
            &[
                ("Content-Type", "text/plain;charset=UTF-8"),
                ("Origin", "http://evil.example"),
                ("Sec-Fetch-Site", "cross-site"),
            ],
            placement.as_bytes(),
        )
        .await?;
    assert_eq!(outcome(&r), (403, 5), "{}", body(&r));

    assert_eq!(
        operators(&mut api).await?,
        before,
        "no operator added or deleted"
    );
    assert_eq!(documents(&mut api).await?, docs, "no document made");

    // The daemon's own pages (same origin) and programs (no browser headers) still work
    // (a page with an administrator's own PIN: the default one is for programs only).
    api.ok(
        "SaveOperator",
        Some(ADMIN),
        json!({"name": "Главный", "access_pin": "7391", "role": 1}),
    )
    .await?;
    let addr = daemon.addr.to_string();
    let own = format!("http://{addr}");
    let r = c
        .request(
            "POST",
            "/MoneyPlacement",
            &[
                ("Content-Type", "application/json"),
                ("Authorization", "7391"),
                ("Origin", &own),
                ("Sec-Fetch-Site", "same-origin"),
            ],
            json!({"kkm_ofd_id": KKM, "operation": 0, "sum": 1})
                .to_string()
                .as_bytes(),
        )
        .await?;
    assert_eq!(outcome(&r), (200, 0), "{}", body(&r));
    assert_eq!(documents(&mut api).await?, docs + 1);
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebinding_host_is_not_answered() -> anyhow::Result<()> {
    let (daemon, _api) = Daemon::with_kkm(None).await?;
    let mut c = kkm_daemon::client::HttpClient::connect(daemon.addr).await?;
    let port = daemon.addr.port();
    let rebound = format!("rebind.attacker.example:{port}");
    // The attacker's page, now same-origin with the daemon under its own name: every path
    // is refused, the console's sign-in included.
    for (verb, path, headers, payload) in [
        ("GET", "/Ping", vec![], &b""[..]),
        (
            "POST",
            "/GetKKMList",
            vec![
                ("Authorization", "0000"),
                ("Content-Type", "application/json"),
            ],
            b"{}",
        ),
        ("GET", "/console/signin", vec![], b""),
        (
            "POST",
            "/console/signin",
            vec![("Content-Type", "application/x-www-form-urlencoded")],
            b"access_pin=0000",
        ),
        ("GET", "/openapi.json", vec![], b""),
    ] {
        let mut all = headers.clone();
        all.push(("Host", &rebound));
        let r = c.request(verb, path, &all, payload).await?;
        assert_eq!(outcome(&r), (403, 5), "{verb} {path}: {}", body(&r));
        assert!(
            !String::from_utf8_lossy(&r.body).contains("KKM"),
            "nothing of the register in the refusal"
        );
    }
    // The names it is served under.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "127.0.0.1".to_owned(),
    ] {
        let r = c
            .request("GET", "/Ping", &[("Host", host.as_str())], b"")
            .await?;
        assert_eq!(outcome(&r), (200, 0), "{host}");
    }
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_printer_address_is_not_the_callers_to_choose() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(None).await?;
    let printer = PrinterEmu::start().await?;
    api.ok(
        "SaveKKM",
        Some(ADMIN),
        json!({"ofd_id": KKM, "printer": {"id": 1, "name": printer.address(), "type": 1}}),
    )
    .await?;
    let key = daemon.data_dir.join("data.key");
    let key_before = std::fs::read(&key)?;
    // Not even an administrator names a file as a printer on a served daemon.
    let file = format!("file://{}", key.display());
    api.refused(
        "SaveKKM",
        Some(ADMIN),
        json!({"ofd_id": KKM, "printer": {"id": 1, "name": file, "type": 1}}),
        2,
    )
    .await?;
    // A cashier's reprint goes to the KKM's configured printer only: not to the key file,
    // not to any host the cashier names.
    api.ok(
        "SaveOperator",
        Some(ADMIN),
        json!({"name": "Кассир", "access_pin": "4321", "role": 3, "bindings": [KKM]}),
    )
    .await?;
    let sold = api
        .ok(
            "TradeOperation",
            Some("4321"),
            kkm_e2e::daemon::sale(KKM, 100),
        )
        .await?;
    let (shift, number) = (
        sold["fr_shift_number"].clone(),
        sold["shift_document_number"].clone(),
    );
    let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let elsewhere_addr = format!("tcp://{}", elsewhere.local_addr()?);
    for target in [
        file.as_str(),
        elsewhere_addr.as_str(),
        "cups://queue?server=192.0.2.1:631",
    ] {
        api.refused(
            "ReprintDocument",
            Some("4321"),
            json!({"kkm_ofd_id": KKM, "fr_shift_number": shift, "shift_document_number": number,
                   "printer": target}),
            2,
        )
        .await?;
    }
    let nobody = tokio::time::timeout(Duration::from_millis(300), elsewhere.accept()).await;
    assert!(
        nobody.is_err(),
        "the daemon connected where the cashier said"
    );
    assert_eq!(
        std::fs::read(&key)?,
        key_before,
        "the key file is untouched"
    );
    // Reprints are limited per document.
    let reprint = json!({"kkm_ofd_id": KKM, "fr_shift_number": shift,
                         "shift_document_number": number});
    for _ in 0..kkm_register::MAX_DUPLICATES {
        api.ok("ReprintDocument", Some("4321"), reprint.clone())
            .await?;
    }
    api.refused("ReprintDocument", Some("4321"), reprint, 2)
        .await?;
    daemon.stop().await
}

/// One request from the local address `from` (a loopback address of this machine).
async fn from_address(
    from: std::net::IpAddr,
    to: std::net::SocketAddr,
    method: &str,
    pin: &str,
) -> anyhow::Result<Value> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(std::net::SocketAddr::new(from, 0))?;
    let mut stream = socket.connect(to).await?;
    let request = format!(
        "POST /{method} HTTP/1.1\r\nHost: {to}\r\nAuthorization: {pin}\r\n\
         Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let text = String::from_utf8_lossy(&answer);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    Ok(serde_json::from_str(body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_loopback_addresses_get_no_more_guesses_than_one() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(None).await?;
    api.ok(
        "SaveOperator",
        Some(ADMIN),
        json!({"name": "Главный", "access_pin": "7391", "role": 1}),
    )
    .await?;
    // 60 guesses, each from its own loopback address, the right PIN among the last: once
    // three wrong PINs are spent, no PIN is checked any more, from any of them.
    let mut checked = 0;
    let mut found = false;
    for n in 0..60u8 {
        let from = std::net::IpAddr::from([127, 0, 1, n + 2]);
        let guess = if n == 55 {
            "7391".to_owned()
        } else {
            format!("{:04}", 1000 + u32::from(n))
        };
        let answer = from_address(from, daemon.addr, "GetKKMList", &guess).await?;
        let message = answer["message"].as_str().unwrap_or("");
        if answer["response_code"] == 0 {
            found = true;
        } else if !message.contains("too many wrong PINs") {
            checked += 1;
        }
    }
    assert!(!found, "the admin PIN was not found");
    assert!(checked <= 3, "{checked} PINs were checked");
    // The till that works with its PIN keeps working while the guesser is slowed down.
    api.ok("GetKKMList", Some(ADMIN), json!({})).await?;
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_never_repeats_a_secret() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(None).await?;
    for (method, body, secret) in [
        (
            "SaveOperator",
            json!({"name": "A", "role": 3, "access_pin": 5791}),
            "5791",
        ),
        (
            "SaveKKM",
            json!({"ofd_id": KKM, "ofd_token": "secret-tok-xyz"}),
            "secret-tok-xyz",
        ),
    ] {
        let refused = api.refused(method, Some(ADMIN), body, 2).await?;
        let message = refused.json["message"].as_str().unwrap_or("");
        assert!(
            !message.is_empty() && !message.contains(secret),
            "{message}"
        );
    }
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_cannot_take_the_memory() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(None).await?;
    // 3,000 lines: refused before anything is priced or journaled.
    let mut big = kkm_e2e::daemon::sale(KKM, 1);
    let line = big["items"][0].clone();
    big["items"] = Value::Array(vec![line; 3_000]);
    big["payments"] = json!([{"type": 0, "sum": 3000}]);
    let refused = api.refused("TradeOperation", Some(ADMIN), big, 2).await?;
    assert!(
        refused.json["message"]
            .as_str()
            .is_some_and(|m| m.contains("at most 1000")),
        "{}",
        refused.json
    );
    // Images no receipt printer needs are refused before they are drawn.
    let sold = api
        .ok(
            "TradeOperation",
            Some(ADMIN),
            kkm_e2e::daemon::sale(KKM, 100),
        )
        .await?;
    let document = json!({"kkm_ofd_id": KKM, "fr_shift_number": sold["fr_shift_number"],
                          "shift_document_number": sold["shift_document_number"]});
    for (width, scale) in [(4096, 1.0), (2048, 4.0), (384, 4.0)] {
        let mut request = document.clone();
        request["image_width"] = json!(width);
        request["image_scale"] = json!(scale);
        api.refused("GetDocumentImage", Some(ADMIN), request, 2)
            .await?;
    }
    // What a printer needs still renders, several at once.
    let mut renders = Vec::new();
    for _ in 0..4 {
        let mut client = daemon.api().await?;
        let mut request = document.clone();
        request["image_width"] = json!(576);
        renders.push(tokio::spawn(async move {
            client
                .http
                .post("/GetDocumentImage", Some(ADMIN), &request.to_string())
                .await
        }));
    }
    for r in renders {
        let r = r.await??;
        assert_eq!(r.status, 200);
        assert!(r.body.starts_with(b"\x89PNG"));
        assert_eq!(
            r.header("cache-control"),
            Some("no-store"),
            "a receipt is not cached"
        );
    }
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_pin_works_only_for_this_machines_programs() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(None).await?;
    // A program on this machine: the demo and local integrations work at once.
    api.ok("GetKKMList", Some(ADMIN), json!({})).await?;
    // The same PIN from a page (even the daemon's own origin) is refused.
    let mut c = kkm_daemon::client::HttpClient::connect(daemon.addr).await?;
    let own = format!("http://{}", daemon.addr);
    let r = c
        .request(
            "POST",
            "/GetKKMList",
            &[
                ("Authorization", ADMIN),
                ("Content-Type", "application/json"),
                ("Origin", &own),
                ("Sec-Fetch-Site", "same-origin"),
            ],
            b"{}",
        )
        .await?;
    assert_eq!(outcome(&r), (403, 5), "{}", body(&r));
    assert!(
        body(&r)["message"]
            .as_str()
            .is_some_and(|m| m.contains("default PIN")),
        "{}",
        body(&r)
    );
    // From another machine (a LAN address of this one stands in for it).
    let lan = std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("192.0.2.1:9").map(|_| s))
        .and_then(|s| s.local_addr())
        .map(|a| a.ip())
        .ok()
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified());
    // (The guard's unit test covers a LAN client on a machine without a LAN address.)
    if let Some(ip) = lan {
        let answer = from_address(ip, daemon.addr, "GetKKMList", ADMIN).await?;
        assert_eq!(answer["response_code"], 5, "{answer}");
    }
    daemon.stop().await
}
