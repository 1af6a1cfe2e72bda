//! One sale, two front ends, one receipt: the seed's JSON as the daemon hands it to
//! `Registry::trade_operation`, and the Kotlin basket through `CashierSession::sell`,
//! journaled on the same KKM, come back from the journal as the same receipt — lines,
//! modifiers (the app's are named as the register names a cashier's: «Скидка»,
//! «Наценка»), taxes (with the KKM's regime), marks, payments, totals, change. Both map
//! onto `kkm_core::SaleDraft`; this is the check that neither adds a rule of its own.

use std::sync::Arc;

use kkm_ffi::{Basket, BasketItem, BasketPayment, KkmRegister, PaymentKind};
use kkm_register::api::TradeOperationRequest;
use kkm_register::{Credential, Endpoint, KeySource, OfdConfig, Registry, RegistryConfig};

mod rig;
use rig::{CHECK_URL, OFD_UID};

const KKM: i64 = 7510;
const MARK: &str = "0104870000000012215abcdefghijkl";

/// The case as the daemon receives it.
const JSON: &str = r#"{"kkm_ofd_id": 7510, "operation": 2, "domain": {"type": 0},
  "items": [
    {"type": 1, "commodity": {"name": "Нан", "section_code": "1", "quantity": 2,
       "price": 150.5, "sum": 301, "measure_unit_code": "796", "barcode": "4870000000017",
       "taxes": [{"percent": 12, "is_in_total_sum": true}]},
     "discount": {"name": "Скидка", "sum": 1}},
    {"type": 1, "commodity": {"name": "Ірімшік", "section_code": "2", "quantity": 1.5,
       "price": 999, "sum": 1498.5, "measure_unit_code": "166",
       "excise_stamp": "0104870000000012215abcdefghijkl"},
     "markup": {"name": "Наценка", "sum": 0.5}}],
  "payments": [{"type": 1, "sum": 1000}, {"type": 0, "sum": 1000}],
  "amounts": {"discount": {"name": "Скидка", "sum": 2}},
  "customer_iin_or_bin": "123456789012"}"#;

/// The same case as the Kotlin app builds it.
fn basket() -> Basket {
    Basket {
        items: vec![
            BasketItem {
                name: "Нан".into(),
                section: "1".into(),
                price_tiyn: 15_050,
                quantity_milli: 2000,
                unit_code: "796".into(),
                barcode: Some("4870000000017".into()),
                excise_mark: None,
                discount_tiyn: 100,
                vat_milli_percent: Some(12_000),
                markup_tiyn: 0,
                mark_required: false,
            },
            BasketItem {
                name: "Ірімшік".into(),
                section: "2".into(),
                price_tiyn: 99_900,
                quantity_milli: 1500,
                unit_code: "166".into(),
                barcode: None,
                excise_mark: Some(MARK.into()),
                discount_tiyn: 0,
                vat_milli_percent: None,
                markup_tiyn: 50,
                mark_required: false,
            },
        ],
        payments: vec![
            BasketPayment {
                kind: PaymentKind::Card,
                amount_tiyn: 100_000,
            },
            BasketPayment {
                kind: PaymentKind::Cash,
                amount_tiyn: 100_000,
            },
        ],
        discount_tiyn: 200,
        customer_iin_bin: Some("123456789012".into()),
        markup_tiyn: 0,
    }
}

#[test]
fn the_daemon_json_and_the_kotlin_basket_make_the_same_receipt() {
    let emulator = rig::emulator(KKM, 75);
    let dir = rig::temp_dir("same");
    let key = [7u8; 32];

    // The FFI path: register the KKM, sell the basket, close.
    let register = KkmRegister::open(rig::config(&dir, key[0], emulator.host(), emulator.port()))
        .expect("open");
    rig::register_kkm(&register, KKM, 75);
    let session = Arc::clone(&register)
        .login("0000".into(), KKM)
        .expect("login");
    let from_ffi = session.sell(basket(), None).expect("FFI sale");
    drop(session);
    register.shutdown().expect("shutdown");

    // The daemon's path on the same journal.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let mut config = RegistryConfig::new(&dir);
        config.key = KeySource::Static(key);
        config.ofds = vec![OfdConfig {
            uid: OFD_UID.into(),
            name: "Казахтелеком".into(),
            endpoint: Endpoint::plain(
                emulator.host(),
                u16::try_from(emulator.port()).expect("port"),
            ),
            check_url: CHECK_URL.into(),
        }];
        let registry = Registry::open(config).await.expect("registry");
        let admin = Credential::pin("0000");
        let request: TradeOperationRequest = serde_json::from_str(JSON).expect("JSON");
        let from_json = registry
            .trade_operation(&admin, request, None)
            .await
            .expect("JSON sale");
        assert_ne!(from_json.fiscal_id, from_ffi.fiscal_id, "two receipts");
        assert_eq!(from_json.body.amounts.total.tiyn(), from_ffi.total_tiyn);
        assert_eq!(from_ffi.total_tiyn, 179_700);
        assert_eq!(from_ffi.change_tiyn, 20_300);
        assert_eq!(
            from_json.body.amounts.change.map(|m| m.tiyn()),
            Some(from_ffi.change_tiyn)
        );

        let a = registry
            .find_receipt(&admin, KKM, &from_json.fiscal_id)
            .expect("JSON receipt");
        let b = registry
            .find_receipt(&admin, KKM, &from_ffi.fiscal_id)
            .expect("FFI receipt");
        assert_eq!(a.draft, b.draft, "the same receipt in the journal");
        assert_eq!(a.total, b.total);
        assert_eq!(a.draft.lines[1].excise_stamp.as_deref(), Some(MARK));
        // The VAT line got the KKM's regime in both, when the OFD bound one.
        assert_eq!(
            a.draft.lines[0].taxes[0].taxation_type,
            b.draft.lines[0].taxes[0].taxation_type
        );
        registry.shutdown().await;
    });
    let _ = std::fs::remove_dir_all(&dir);
}
