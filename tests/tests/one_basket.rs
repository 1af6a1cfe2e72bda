//! One rule, one place (issue 29): the same basket of actions — a product scanned twice,
//! a marked pack scanned, the same pack scanned again — through the console's till over
//! HTTP, through the app's face (the FFI's `BasketEditor`, what Kotlin calls), and the
//! receipt an integrator sends to the HTTP API, make the same receipt on one KKM: one
//! line of two loaves with the catalogue's discount on both, one pack with its mark, the
//! second read of the pack refused with 2 on every face.

use std::sync::Arc;

use kkm_core::sale::SaleDraft;
use kkm_daemon::client::HttpClient;
use kkm_e2e::console::{csrf_of_page, sign_in, text, till_post};
use kkm_ffi::{BasketPayment, CatalogueMatch, KkmRegister, OfdServer, PaymentKind, RegisterConfig};
use kkm_ofd_sim::{KkmProfile, OfdSim, SimConfig};
use kkm_register::api::{SaveKkmRequest, SaveOperatorRequest};
use kkm_register::{Credential, DocumentKind, KeySource, Registry, RegistryConfig};
use serde_json::json;

const KKM: u32 = 7710;
const TOKEN: u32 = 771;
const KEY: [u8; 32] = [9; 32];
const ADMIN: &str = "2468";
const CSV: &str = "1,1,4870000000012,Хлеб,150.00,10,12\n4,3,4870000000043,Пиво,700.00,0,12,1\n";

fn mark(serial: &str) -> String {
    format!("010487000000004321{serial}")
}

fn registry_config(dir: &std::path::Path, sim: &OfdSim) -> RegistryConfig {
    let mut config = RegistryConfig::new(dir);
    config.key = KeySource::Static(KEY);
    config.ofds = kkm_daemon::demo::demo_ofds(sim.addr());
    config
}

/// A receipt as the journal keeps it, and its marks apart (each face sells its own
/// pack: a pack is sold once).
fn shape(mut draft: SaleDraft) -> (SaleDraft, Vec<Option<String>>) {
    let marks = draft
        .lines
        .iter_mut()
        .map(|l| l.excise_stamp.take())
        .collect();
    (draft, marks)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_actions_make_the_same_receipt_on_every_face() -> anyhow::Result<()> {
    let sim = OfdSim::start(
        SimConfig {
            kkms: vec![KkmProfile::new(KKM, TOKEN)],
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse()?,
    )
    .await?;
    let dir = tempfile::tempdir()?;
    let default_admin = Credential::pin("0000");

    // --- the console's till and the HTTP API, on the daemon ---------------------------
    let registry = Registry::open(registry_config(dir.path(), &sim))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    registry
        .save_kkm(
            &default_admin,
            SaveKkmRequest {
                ofd_id: i64::from(KKM),
                ofd_token: Some(i64::from(TOKEN)),
                ..SaveKkmRequest::default()
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    registry
        .save_operator(
            &default_admin,
            SaveOperatorRequest {
                name: Some("Администратор кассы".into()),
                access_pin: ADMIN.into(),
                role: 1,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    registry
        .catalogue_import_csv(&default_admin, i64::from(KKM), CSV.as_bytes())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(kkm_daemon::http::serve(
        listener,
        registry.clone(),
        async move {
            let _ = stopped.await;
        },
    ));

    let mut c = HttpClient::connect(addr).await?;
    let (_, cookie) = sign_in(&mut c, ADMIN).await?;
    let cookie = cookie.ok_or_else(|| anyhow::anyhow!("no session"))?;
    let page = c
        .request(
            "GET",
            &format!("/console/cashier/{KKM}"),
            &[("Cookie", &cookie)],
            b"",
        )
        .await?;
    let page = text(&page);
    let token = csrf_of_page(&page);
    for code in ["4870000000012", "4870000000012", &mark("A1")] {
        let r = till_post(
            &mut c,
            KKM,
            &cookie,
            &format!("csrf={token}&act=scan&code={code}%0D"),
        )
        .await?;
        assert_eq!(r.status, 200, "{code}: {}", text(&r));
    }
    let again = till_post(
        &mut c,
        KKM,
        &cookie,
        &format!("csrf={token}&act=scan&code={}%0D", mark("A1")),
    )
    .await?;
    assert_eq!(again.status, 422, "the same pack again");
    assert!(text(&again).contains("invalid_fields"), "{}", text(&again));
    let paid = till_post(
        &mut c,
        KKM,
        &cookie,
        &format!("csrf={token}&act=pay&cash=2000"),
    )
    .await?;
    assert_eq!(paid.status, 200, "{}", text(&paid));
    let admin = Credential::pin(ADMIN);
    let from_till = registry
        .last_document_of(&admin, i64::from(KKM), DocumentKind::Sell)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .and_then(|d| d.fiscal_sign)
        .ok_or_else(|| anyhow::anyhow!("the till made no receipt"))?;

    // The integrator's request for the same receipt (the catalogue's names, sections,
    // barcodes, VAT and the discount of 10 % on 300.00).
    let item = |name: &str,
                section: &str,
                barcode: &str,
                price: u32,
                qty: u32,
                extra: serde_json::Value| {
        let mut commodity = json!({"name": name, "section_code": section, "quantity": qty,
            "price": price, "sum": price * qty, "measure_unit_code": "796", "barcode": barcode,
            "taxes": [{"percent": 12, "is_in_total_sum": true}]});
        if let Some(stamp) = extra.get("excise_stamp") {
            commodity["excise_stamp"] = stamp.clone();
        }
        let mut it = json!({"type": 1, "commodity": commodity});
        if let Some(d) = extra.get("discount") {
            it["discount"] = d.clone();
        }
        it
    };
    let request = |stamps: &[String]| {
        let mut items = vec![item(
            "Хлеб",
            "1",
            "4870000000012",
            150,
            2,
            json!({"discount": {"name": "Скидка", "sum": 30}}),
        )];
        for s in stamps {
            items.push(item(
                "Пиво",
                "3",
                "4870000000043",
                700,
                1,
                json!({"excise_stamp": s}),
            ));
        }
        json!({"kkm_ofd_id": KKM, "operation": 2, "items": items,
            "payments": [{"type": 0, "sum": 2000}]})
    };
    let twice = c
        .post(
            "/TradeOperation",
            Some(ADMIN),
            &request(&[mark("B1"), format!("{}\u{1d}93AbCd", mark("B1"))]).to_string(),
        )
        .await?
        .json()?;
    assert_eq!(twice["response_code"], 2, "one pack read twice: {twice}");
    let sent = c
        .post(
            "/TradeOperation",
            Some(ADMIN),
            &request(&[mark("B1")]).to_string(),
        )
        .await?
        .json()?;
    assert_eq!(sent["response_code"], 0, "{sent}");
    let from_api = sent["response_data"]["fiscal_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let _ = stop.send(());
    server.await??;

    // --- the app's face: the FFI's basket on the same journal -------------------------
    let ffi_dir = dir.path().display().to_string();
    let sim_addr = sim.addr();
    // The FFI is called as the app calls it: from a thread of its own, outside any runtime.
    let app_thread = std::thread::spawn(move || -> anyhow::Result<String> {
        let register = KkmRegister::open(RegisterConfig {
            data_dir: ffi_dir,
            data_key: Some(KEY.to_vec()),
            ofds: kkm_daemon::demo::demo_ofds(sim_addr)
                .into_iter()
                .map(|o| OfdServer {
                    uid: o.uid,
                    name: o.name,
                    host: sim_addr.ip().to_string(),
                    port: i32::from(sim_addr.port()),
                    tls: false,
                    check_url: o.check_url,
                })
                .collect(),
            ofd_budget_ms: 2000,
            retry_initial_ms: 50,
            retry_max_ms: 200,
            utc_offset_secs: None,
        })?;
        let session = Arc::clone(&register).login(ADMIN.into(), i64::from(KKM))?;
        let basket = kkm_ffi::BasketEditor::new();
        let bread = session
            .lookup_barcode("4870000000012".into())?
            .expect("bread");
        basket.add_catalogue(bread.clone())?;
        basket.add_catalogue(bread)?;
        let Some(CatalogueMatch::Product { product: beer }) =
            session.lookup_barcode("04870000000043".into())?
        else {
            anyhow::bail!("the beer is not in the catalogue");
        };
        basket.add_mark(beer.clone(), mark("C1"))?;
        let again = basket
            .add_mark(beer, format!("{}\u{1d}93AbCd", mark("C1")))
            .unwrap_err();
        assert_eq!(again.code(), 2, "the same pack again: {again}");
        let cash = BasketPayment {
            kind: PaymentKind::Cash,
            amount_tiyn: 200_000,
        };
        let receipt = session.sell(basket.basket(vec![cash]), None)?;
        drop(session);
        register.shutdown()?;
        Ok(receipt.fiscal_id)
    });
    let from_app = tokio::task::spawn_blocking(move || app_thread.join())
        .await?
        .map_err(|_| anyhow::anyhow!("the app's thread panicked"))??;

    // --- the journal: one receipt three times -----------------------------------------
    let registry = Registry::open(registry_config(dir.path(), &sim))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let found = |fiscal: &str| {
        registry
            .find_receipt(&admin, i64::from(KKM), fiscal)
            .map_err(|e| anyhow::anyhow!("{fiscal}: {e}"))
    };
    let (till, api, app) = (found(&from_till)?, found(&from_api)?, found(&from_app)?);
    assert_eq!(till.total.tiyn(), 97_000, "2 × 150 − 30 + 700");
    assert_eq!((api.total, app.total), (till.total, till.total));
    let (till_draft, till_marks) = shape(till.draft);
    let (api_draft, api_marks) = shape(api.draft);
    let (app_draft, app_marks) = shape(app.draft);
    assert_eq!(
        till_draft.lines.len(),
        2,
        "one line of two loaves, one pack"
    );
    assert_eq!(till_draft.lines[0].quantity_milli, 2000);
    assert_eq!(api_draft, till_draft, "the API's receipt is the till's");
    assert_eq!(app_draft, till_draft, "the app's receipt is the till's");
    assert_eq!(till_marks, vec![None, Some(mark("A1"))]);
    assert_eq!(api_marks, vec![None, Some(mark("B1"))]);
    assert_eq!(app_marks, vec![None, Some(mark("C1"))]);
    registry.shutdown().await;
    sim.shutdown().await;
    Ok(())
}
