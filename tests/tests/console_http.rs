//! The web console over real sockets, without a browser (the browser's view is
//! `tests/browser/`): it shares the daemon's listener with the API without changing
//! any API answer; sign-in sets a strict HttpOnly session cookie and the PIN goes
//! nowhere else; a state change without the session's CSRF token, or from another
//! site, is refused and changes nothing; a wrong PIN is answered on the form with the
//! seed's code; an idle session expires and a signed-out one is gone.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use kkm_daemon::client::{HttpClient, HttpResponse};
use kkm_e2e::console::{csrf_of_page, set_cookie, sign_in, text, till_post};
use kkm_ofd_sim::{KkmProfile, OfdSim, SimConfig};
use kkm_register::api::SaveKkmRequest;
use kkm_register::{Credential, RecordFilter, Registry, RegistryConfig};
use tokio::sync::oneshot;

const KKM: u32 = 6923;

/// The console's administrator: its own PIN (the default 0000 opens only the PIN
/// change in the console).
const CONSOLE_ADMIN: &str = "2468";

struct Stack {
    sim: OfdSim,
    addr: SocketAddr,
    registry: Arc<Registry>,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

/// Saves operator `id` (a new one when `None`) with `name`, `pin` and `role` as the
/// default administrator; its id.
async fn save_operator(
    registry: &Registry,
    id: Option<i64>,
    name: &str,
    pin: &str,
    role: i64,
) -> anyhow::Result<i64> {
    let saved = registry
        .save_operator(
            &Credential::pin("0000"),
            kkm_register::api::SaveOperatorRequest {
                id,
                name: Some(name.into()),
                access_pin: pin.into(),
                role,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(saved.id)
}

async fn start(session_idle: Duration) -> anyhow::Result<Stack> {
    let sim = OfdSim::start(
        SimConfig {
            kkms: vec![KkmProfile::new(KKM, 12345)],
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse()?,
    )
    .await?;
    let dir = tempfile::tempdir()?;
    let mut config = RegistryConfig::new(dir.path());
    config.ofds = kkm_daemon::demo::demo_ofds(sim.addr());
    config.session_idle = session_idle;
    let registry = Registry::open(config)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    registry
        .save_kkm(
            &Credential::pin("0000"),
            SaveKkmRequest {
                ofd_id: i64::from(KKM),
                ofd_token: Some(12345),
                ..SaveKkmRequest::default()
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    save_operator(&registry, None, "Старший администратор", CONSOLE_ADMIN, 1).await?;
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
        stop,
        server,
        _dir: dir,
    })
}

impl Stack {
    async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.server.await??;
        self.sim.shutdown().await;
        Ok(())
    }

    fn documents(&self) -> usize {
        self.registry
            .journal_page(
                &Credential::pin("0000"),
                i64::from(KKM),
                &RecordFilter::default(),
                None,
                100,
            )
            .map(|l| l.len())
            .unwrap_or(usize::MAX)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_and_the_api_share_the_listener() -> anyhow::Result<()> {
    let stack = start(Duration::from_secs(900)).await?;
    let mut c = HttpClient::connect(stack.addr).await?;
    let r = c.get("/", None).await?;
    assert_eq!((r.status, r.header("location")), (303, Some("/console/")));
    let r = c.get("/console/", None).await?;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some("/console/signin?next=%2Fconsole%2F")
    );
    // Everything else is the API, exactly as before: `/` with POST is still "no method".
    let r = c.post("/", None, "").await?;
    assert_eq!(r.json()?["response_code"], 3);
    let r = c.get("/Ping", None).await?;
    assert_eq!(r.json()?["response_code"], 0);
    let r = c.get("/consolee", None).await?;
    assert_eq!(r.json()?["response_code"], 3);
    let r = c.get("/openapi.json", None).await?;
    assert_eq!(r.status, 200);
    let r = c.get("/console/assets/console.css", None).await?;
    assert_eq!(r.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(
        !text(&r).contains("http"),
        "no external resource in the stylesheet"
    );
    stack.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_gives_a_strict_http_only_session_and_the_pin_goes_nowhere_else(
) -> anyhow::Result<()> {
    let stack = start(Duration::from_secs(900)).await?;
    let mut c = HttpClient::connect(stack.addr).await?;
    let (r, session) = sign_in(&mut c, CONSOLE_ADMIN).await?;
    assert_eq!((r.status, r.header("location")), (303, Some("/console/")));
    let (_, header) = set_cookie(&r, "kkm_session").expect("a session cookie");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(header.contains(part), "{header}");
    }
    let cookie = session.expect("session");
    let r = c.get_with("/console/", &cookie).await?;
    assert_eq!(r.status, 200);
    let page = text(&r);
    assert!(
        page.contains(&format!("data-kkm=\"{KKM}\"")),
        "the overview lists the KKM"
    );
    assert!(
        !page.contains(&format!("{CONSOLE_ADMIN}\"")),
        "the PIN is not in the page"
    );
    let csp = r.header("content-security-policy").unwrap_or("");
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    // A wrong PIN: the form again, the seed's code next to the PIN field.
    let (r, session) = sign_in(&mut c, "9999").await?;
    assert_eq!(r.status, 401);
    assert!(session.is_none());
    assert!(
        text(&r).contains("id=\"f-access_pin-error\""),
        "next to the field"
    );
    assert!(text(&r).contains("5 <code>invalid_access_code</code>"));
    stack.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_change_needs_the_sessions_csrf_token_and_this_site() -> anyhow::Result<()> {
    let stack = start(Duration::from_secs(900)).await?;
    let mut c = HttpClient::connect(stack.addr).await?;
    let (_, session) = sign_in(&mut c, CONSOLE_ADMIN).await?;
    let cookie = session.expect("session");
    let before = stack.documents();
    let form = ("Content-Type", "application/x-www-form-urlencoded");
    let path = format!("/console/kkm/{KKM}/cash");
    for (body, extra) in [
        ("operation=0&sum=10", None),
        (
            "csrf=00000000000000000000000000000000&operation=0&sum=10",
            None,
        ),
        (
            "operation=0&sum=10",
            Some(("Origin", "http://evil.example")),
        ),
    ] {
        let mut headers = vec![("Cookie", cookie.as_str()), form];
        headers.extend(extra);
        let r = c.request("POST", &path, &headers, body.as_bytes()).await?;
        assert_eq!(r.status, 403, "{body} {extra:?}");
    }
    assert_eq!(stack.documents(), before, "nothing was made");
    // With the token the page carries, the same form is made.
    let page = text(
        &c.get_with(&format!("/console/kkm/{KKM}/shift"), &cookie)
            .await?,
    );
    let token = csrf_of_page(&page);
    assert!(!token.is_empty(), "the page's token");
    let body = format!("csrf={token}&operation=0&sum=10");
    let r = c
        .request(
            "POST",
            &path,
            &[("Cookie", cookie.as_str()), form],
            body.as_bytes(),
        )
        .await?;
    assert_eq!(r.status, 303);
    assert_eq!(stack.documents(), before + 1);
    stack.shutdown().await
}

/// The session's CSRF token as a console page carries it.
/// A daemon whose KKM has the catalogue `csv`, and the administrator's session on it.
async fn till_with(csv: &str) -> anyhow::Result<(Stack, HttpClient, String)> {
    let stack = start(Duration::from_secs(900)).await?;
    stack
        .registry
        .catalogue_import_csv(&Credential::pin("0000"), i64::from(KKM), csv.as_bytes())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut c = HttpClient::connect(stack.addr).await?;
    let (_, session) = sign_in(&mut c, CONSOLE_ADMIN).await?;
    let cookie = session.ok_or_else(|| anyhow::anyhow!("no session"))?;
    Ok((stack, c, cookie))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_till_needs_the_token_prices_on_the_server_and_sells_once() -> anyhow::Result<()> {
    let (stack, mut c, cookie) = till_with("1,1,4870000000012,Хлеб,150.00,0,12\n").await?;
    let till = format!("/console/cashier/{KKM}");
    // Without the token: refused, the basket stays empty.
    let r = till_post(&mut c, KKM, &cookie, "act=scan&code=4870000000012").await?;
    assert_eq!(r.status, 403);
    let page = text(&c.get_with(&till, &cookie).await?);
    assert!(!page.contains("data-index"), "nothing in the basket");
    let token = csrf_of_page(&page);
    // A burst of the scanner (with its Enter): the line, priced by the server.
    let r = till_post(
        &mut c,
        KKM,
        &cookie,
        &format!("csrf={token}&act=scan&code=4870000000012%0D"),
    )
    .await?;
    assert_eq!(r.status, 200);
    let fragment = text(&r);
    assert!(fragment.starts_with("<div id=\"till\""), "{fragment}");
    assert!(
        fragment.contains("Хлеб") && fragment.contains("150,00"),
        "{fragment}"
    );
    // The same loaf again: one line of two (the register's basket merges a repeated
    // product), 300,00 in all; paid below with 400.
    let r = till_post(
        &mut c,
        KKM,
        &cookie,
        &format!("csrf={token}&act=scan&code=4870000000012%0D"),
    )
    .await?;
    let fragment = text(&r);
    assert_eq!(fragment.matches("data-index=").count(), 1, "{fragment}");
    assert!(fragment.contains("300,00"), "{fragment}");
    // Card above the total: the sale's own 55, and no receipt.
    let before = stack.documents();
    let r = till_post(
        &mut c,
        KKM,
        &cookie,
        &format!("csrf={token}&act=pay&card=400"),
    )
    .await?;
    assert_eq!(r.status, 422);
    assert!(text(&r).contains("55"), "{}", text(&r));
    assert_eq!(stack.documents(), before);
    // Paid: one receipt; the same payment again finds an empty basket and makes none.
    for expected in [200, 422] {
        let r = till_post(
            &mut c,
            KKM,
            &cookie,
            &format!("csrf={token}&act=pay&cash=400"),
        )
        .await?;
        assert_eq!(r.status, expected, "{}", text(&r));
        assert_eq!(stack.documents(), before + 1);
    }
    stack.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_never_hands_a_spreadsheet_a_formula() -> anyhow::Result<()> {
    // A product named like a formula: the catalogue's CSV over HTTP writes it as text.
    let (stack, mut c, cookie) = till_with("1,1,4870000000012,=1+2,150.00,0,12\n").await?;
    let r = c
        .get_with(&format!("/console/kkm/{KKM}/catalogue.csv"), &cookie)
        .await?;
    assert_eq!(r.status, 200);
    let csv = text(&r);
    assert!(csv.contains(",'=1+2,"), "{csv}");
    assert!(
        !csv.lines()
            .any(|l| l.split(',').any(|cell| cell.starts_with('='))),
        "{csv}"
    );
    stack.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_marked_good_is_not_sold_until_its_code_is_scanned() -> anyhow::Result<()> {
    // The eighth CSV column flags the beer as a marked good.
    let (stack, mut c, cookie) = till_with("4,3,4870000000043,Пиво,700.00,0,12,1\n").await?;
    let token = csrf_of_page(&text(
        &c.get_with(&format!("/console/cashier/{KKM}"), &cookie)
            .await?,
    ));
    let r = till_post(
        &mut c,
        KKM,
        &cookie,
        &format!("csrf={token}&act=scan&code=4870000000043"),
    )
    .await?;
    assert_eq!(r.status, 200);
    let fragment = text(&r);
    assert!(fragment.contains("data-awaiting-marks=\"1\""), "{fragment}");
    // Paid without its code (a page without script posts it): the register's 2, no receipt.
    let before = stack.documents();
    let r = till_post(
        &mut c,
        KKM,
        &cookie,
        &format!("csrf={token}&act=pay&cash=700"),
    )
    .await?;
    assert_eq!(r.status, 422);
    assert!(
        text(&r).contains("items[0].commodity.excise_stamp"),
        "{}",
        text(&r)
    );
    assert_eq!(stack.documents(), before);
    // The code scanned (GS dropped, as a keyboard-mode scanner types it): sold.
    let r = till_post(
        &mut c,
        KKM,
        &cookie,
        &format!("csrf={token}&act=scan&code=0104870000000043217QwErTyUiOpAs93Zx12"),
    )
    .await?;
    assert_eq!(r.status, 200);
    assert!(
        text(&r).contains("data-awaiting-marks=\"0\""),
        "{}",
        text(&r)
    );
    let r = till_post(
        &mut c,
        KKM,
        &cookie,
        &format!("csrf={token}&act=pay&cash=700"),
    )
    .await?;
    assert_eq!(r.status, 200, "{}", text(&r));
    assert_eq!(stack.documents(), before + 1);
    stack.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_expires_and_a_closed_one_is_gone() -> anyhow::Result<()> {
    let stack = start(Duration::from_secs(1)).await?;
    let mut c = HttpClient::connect(stack.addr).await?;
    let (_, session) = sign_in(&mut c, CONSOLE_ADMIN).await?;
    let cookie = session.expect("session");
    assert_eq!(c.get_with("/console/kkms", &cookie).await?.status, 200);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let r = c.get_with("/console/kkms", &cookie).await?;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some("/console/signin?expired=1&next=%2Fconsole%2Fkkms")
    );
    // Background refreshes are told, not redirected.
    let r = c
        .request(
            "GET",
            "/console/overview/rows",
            &[("Cookie", cookie.as_str()), ("X-Console-Background", "1")],
            b"",
        )
        .await?;
    assert_eq!(r.status, 401);
    stack.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cashier_cannot_sign_the_admin_out_and_a_pin_reset_ends_sessions() -> anyhow::Result<()> {
    let stack = start(Duration::from_secs(900)).await?;
    let cashier = save_operator(&stack.registry, None, "Кассир", "4321", 3).await?;
    let mut c = HttpClient::connect(stack.addr).await?;
    let (_, admin_session) = sign_in(&mut c, CONSOLE_ADMIN).await?;
    let admin_session = admin_session.expect("admin session");
    // The cashier signs in 1,001 times: past the table's 1,000 sessions the oldest went,
    // the admin's first; now only the cashier's own oldest go.
    let mut cashier_session = String::new();
    for _ in 0..1_001 {
        let (_, s) = sign_in(&mut c, "4321").await?;
        cashier_session = s.expect("cashier session");
    }
    assert_eq!(
        c.get_with("/console/kkms", &admin_session).await?.status,
        200
    );
    assert_eq!(c.get_with("/console/", &cashier_session).await?.status, 200);
    // The administrator resets the cashier's PIN: the cashier's sessions end.
    save_operator(&stack.registry, Some(cashier), "Кассир", "8765", 3).await?;
    assert_eq!(c.get_with("/console/", &cashier_session).await?.status, 303);
    assert_eq!(
        c.get_with("/console/kkms", &admin_session).await?.status,
        200
    );
    stack.shutdown().await
}

/// A POST of a console form with the session's cookie.
async fn post_form(
    c: &mut HttpClient,
    path: &str,
    cookie: &str,
    body: &str,
) -> anyhow::Result<HttpResponse> {
    c.request(
        "POST",
        path,
        &[
            ("Cookie", cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        body.as_bytes(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_pin_opens_only_the_change_to_a_pin_of_ones_own() -> anyhow::Result<()> {
    let stack = start(Duration::from_secs(900)).await?;
    let mut c = HttpClient::connect(stack.addr).await?;
    // Another administrator sees the warning while 0000 still opens somebody.
    let (_, other) = sign_in(&mut c, CONSOLE_ADMIN).await?;
    let other = other.expect("session");
    let page = text(&c.get_with("/console/kkms", &other).await?);
    assert!(page.contains("id=\"default-pin-warning\""), "{page}");
    assert!(
        page.contains("Администратор"),
        "the warning names the operator"
    );

    let (r, session) = sign_in(&mut c, "0000").await?;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some("/console/pin?next=%2Fconsole%2F")
    );
    let session = session.expect("a session that may change its PIN");
    // Every other page leads to the PIN change; the register refuses the session too.
    for path in [
        "/console/",
        "/console/kkms",
        "/console/operators",
        "/console/settings",
    ] {
        let r = c.get_with(path, &session).await?;
        assert_eq!(r.status, 303, "{path}");
        assert!(
            r.header("location")
                .unwrap_or("")
                .starts_with("/console/pin?next="),
            "{path}: {:?}",
            r.header("location")
        );
    }
    let token = session.trim_start_matches("kkm_session=");
    let refused = stack
        .registry
        .operator_list(&Credential::session(token))
        .await
        .expect_err("a default-PIN session may do nothing else");
    assert_eq!(refused.code(), kkm_core::ErrorCode::InvalidAccessCode);
    let form = c
        .get_with("/console/pin?next=%2Fconsole%2Fkkms", &session)
        .await?;
    assert_eq!(form.status, 200);
    let csrf = csrf_of_page(&text(&form));
    // Two different PINs; the default PIN again; a PIN another operator has: refused.
    let r = post_form(
        &mut c,
        "/console/pin",
        &session,
        &format!("csrf={csrf}&next=%2Fconsole%2Fkkms&access_pin=1357&repeat_pin=1358"),
    )
    .await?;
    assert_eq!(r.status, 422);
    assert!(text(&r).contains("id=\"f-repeat_pin-error\""));
    for (pin, code) in [
        ("0000", "<code>access_code_incorrect</code>"),
        (CONSOLE_ADMIN, "<code>access_code_already_used</code>"),
    ] {
        let r = post_form(
            &mut c,
            "/console/pin",
            &session,
            &format!("csrf={csrf}&next=%2Fconsole%2Fkkms&access_pin={pin}&repeat_pin={pin}"),
        )
        .await?;
        assert_eq!(r.status, 422, "{pin}");
        assert!(text(&r).contains(code), "{pin}: {}", text(&r));
    }
    let r = post_form(
        &mut c,
        "/console/pin",
        &session,
        &format!("csrf={csrf}&next=%2Fconsole%2Fkkms&access_pin=1357&repeat_pin=1357"),
    )
    .await?;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some("/console/kkms?notice=pin-changed")
    );
    // The same session is a full one now; 0000 opens nothing; the warning is gone.
    let page = c
        .get_with("/console/kkms?notice=pin-changed", &session)
        .await?;
    assert_eq!(page.status, 200);
    assert!(!text(&page).contains("default-pin-warning"));
    let (r, none) = sign_in(&mut c, "0000").await?;
    assert_eq!((r.status, none), (401, None));
    let (r, _) = sign_in(&mut c, "1357").await?;
    assert_eq!(r.header("location"), Some("/console/"));
    stack.shutdown().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pin_in_use_answer_costs_a_wrong_pin() -> anyhow::Result<()> {
    // A cashier probing other operators' PINs by changing its own on the console's PIN
    // page: each "in use" (12) counts in the wrong-PIN throttle, so it is no faster
    // than signing in with them.
    let stack = start(Duration::from_secs(900)).await?;
    let mut c = HttpClient::connect(stack.addr).await?;
    api_ok(
        &mut c,
        "SaveOperator",
        CONSOLE_ADMIN,
        serde_json::json!({"name": "Кассир", "access_pin": "4321", "role": 3, "bindings": [KKM]}),
    )
    .await?;
    let (_, cashier) = sign_in(&mut c, "4321").await?;
    let cashier = cashier.expect("cashier session");
    let form = c.get_with("/console/pin", &cashier).await?;
    let csrf = csrf_of_page(&text(&form));
    let mut codes = Vec::new();
    for _ in 0..6 {
        let r = post_form(
            &mut c,
            "/console/pin",
            &cashier,
            &format!(
                "csrf={csrf}&next=%2Fconsole%2F&current_pin=4321\
                 &access_pin={CONSOLE_ADMIN}&repeat_pin={CONSOLE_ADMIN}"
            ),
        )
        .await?;
        assert_eq!(r.status, 422);
        let page = text(&r);
        codes.push(if page.contains("<code>access_code_already_used</code>") {
            12
        } else if page.contains("<code>invalid_access_code</code>") {
            5
        } else {
            0
        });
    }
    assert_eq!(&codes[..3], &[12, 12, 12], "three free attempts: {codes:?}");
    assert!(
        codes[3..].iter().all(|&c| c == 5),
        "then the client waits as after wrong PINs: {codes:?}"
    );
    stack.shutdown().await
}

/// An API call over the shared listener with `pin`: the answer's `response_data`.
async fn api_ok(
    c: &mut HttpClient,
    method: &str,
    pin: &str,
    body: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let r = c
        .post(&format!("/{method}"), Some(pin), &body.to_string())
        .await?;
    let json = r.json()?;
    anyhow::ensure!(json["response_code"] == 0, "{method}: {json}");
    Ok(json["response_data"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cashier_sees_the_picture_only_of_receipts_it_may_reprint() -> anyhow::Result<()> {
    let stack = start(Duration::from_secs(900)).await?;
    let mut c = HttpClient::connect(stack.addr).await?;
    let kkm = serde_json::json!(KKM);
    api_ok(
        &mut c,
        "SaveOperator",
        CONSOLE_ADMIN,
        serde_json::json!({"name": "Кассир", "access_pin": "4321", "role": 3, "bindings": [KKM]}),
    )
    .await?;
    let sale = |tenge: u64| {
        serde_json::json!({
            "kkm_ofd_id": KKM, "operation": 2,
            "items": [{"type": 1, "commodity": {"name": "Хлеб", "section_code": "1",
                "quantity": 1, "price": tenge, "sum": tenge, "measure_unit_code": "796"}}],
            "payments": [{"type": 0, "sum": tenge}]
        })
    };
    let old = api_ok(&mut c, "TradeOperation", CONSOLE_ADMIN, sale(100)).await?;
    let old = old["fiscal_id"].as_str().unwrap_or_default().to_owned();
    // Two Z-reports later the first receipt is two shifts back.
    for tenge in [110, 120] {
        api_ok(&mut c, "TradeOperation", CONSOLE_ADMIN, sale(tenge)).await?;
        api_ok(
            &mut c,
            "ZXReport",
            CONSOLE_ADMIN,
            serde_json::json!({"kkm_ofd_id": kkm, "report_type": 0}),
        )
        .await?;
    }
    let new = api_ok(&mut c, "TradeOperation", "4321", sale(130)).await?;
    let new = new["fiscal_id"].as_str().unwrap_or_default().to_owned();
    assert!(!old.is_empty() && !new.is_empty());

    let (_, cashier) = sign_in(&mut c, "4321").await?;
    let cashier = cashier.expect("cashier session");
    let picture = |fiscal: &str| format!("/console/cashier/{KKM}/receipt.png?fiscal={fiscal}");
    let r = c.get_with(&picture(&new), &cashier).await?;
    assert_eq!(
        (r.status, r.header("content-type")),
        (200, Some("image/png"))
    );
    // Before: any receipt of the KKM by its fiscal sign. Now: 71, as a reprint.
    let r = c.get_with(&picture(&old), &cashier).await?;
    assert_ne!(r.status, 200, "a cashier drew a receipt two shifts old");
    assert!(text(&r).contains("kkm_access_denied"), "{}", text(&r));
    let (_, admin) = sign_in(&mut c, CONSOLE_ADMIN).await?;
    let r = c.get_with(&picture(&old), &admin.expect("admin")).await?;
    assert_eq!(r.status, 200, "the administrator sees every receipt");
    stack.shutdown().await
}

/// `GET` with a cookie.
trait GetWith {
    async fn get_with(&mut self, path: &str, cookie: &str) -> anyhow::Result<HttpResponse>;
}

impl GetWith for HttpClient {
    async fn get_with(&mut self, path: &str, cookie: &str) -> anyhow::Result<HttpResponse> {
        self.request("GET", path, &[("Cookie", cookie)], b"").await
    }
}
