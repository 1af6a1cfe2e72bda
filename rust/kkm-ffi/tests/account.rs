//! The session's extras through the facade: the register's clock in the configured
//! zone, the deadlines the register counts (hours left of the 72 autonomous), a change
//! of one's own PIN (the session goes on with it, the old PIN is refused), and the
//! catalogue's bundles saved and listed.

use std::sync::Arc;

use kkm_ffi::{Bundle, BundleItem, KkmError, KkmRegister, Product, RegisterConfig};

mod rig;

const KKM: i64 = 7600;

fn config(dir: &std::path::Path, port: i32, utc_offset_secs: Option<i64>) -> RegisterConfig {
    RegisterConfig {
        ofd_budget_ms: 500,
        utc_offset_secs,
        ..rig::config(dir, 3, "127.0.0.1".into(), port)
    }
}

/// A product at 1000.00, VAT 12 %.
fn product(code: i64, barcode: &str, name: &str) -> Product {
    Product {
        code,
        group_code: "1".into(),
        barcode: barcode.into(),
        name: name.into(),
        price_tiyn: 100_000,
        discount_milli_percent: 0,
        markup_milli_percent: 0,
        vat_milli_percent: 12_000,
        editable_price: false,
        marked: false,
    }
}

fn now_utc() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[test]
fn the_clock_follows_the_configured_zone_and_refuses_a_zone_that_is_none() {
    let dir = rig::temp_dir("zone");
    let register = KkmRegister::open(config(&dir, 1, Some(3 * 3600))).expect("open");
    let local = register.device_time_secs().expect("time");
    assert!((local - now_utc() - 3 * 3600).abs() <= 5, "{local}");
    register.shutdown().expect("shutdown");
    // Kazakhstan's UTC+5 when none is set.
    let register = KkmRegister::open(config(&dir, 1, None)).expect("open");
    let local = register.device_time_secs().expect("time");
    assert!((local - now_utc() - 5 * 3600).abs() <= 5, "{local}");
    register.shutdown().expect("shutdown");
    for bad in [15 * 3600, -13 * 3600, 5 * 3600 + 7] {
        let e = KkmRegister::open(config(&dir, 1, Some(bad))).unwrap_err();
        assert!(matches!(e, KkmError::InvalidInput { code: 2, .. }), "{e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn own_pin_change_timers_and_bundles_through_the_facade() {
    let emulator = rig::emulator(KKM, 76);
    let dir = rig::temp_dir("account");
    let mut cfg = config(&dir, emulator.port(), Some(6 * 3600));
    cfg.ofds[0].host = emulator.host();
    let register = KkmRegister::open(cfg).expect("open");
    rig::register_kkm(&register, KKM, 76);

    // Online: no autonomous deadline; the clock in the session's zone.
    let session = Arc::clone(&register)
        .login("0000".into(), KKM)
        .expect("login");
    let timers = session.timers().expect("timers");
    assert_eq!(timers.autonomous_secs_left, None);
    assert_eq!(timers.autonomous_hours_left, None);
    assert_eq!(timers.utc_offset_secs, 6 * 3600);
    assert!((timers.device_time_secs - now_utc() - 6 * 3600).abs() <= 5);

    // A PIN that breaks the rules is refused; a good one replaces the old one and the
    // session goes on with it.
    let bad = session.change_own_pin("12 34".into()).unwrap_err();
    assert!(matches!(bad, KkmError::Rejected { code: 11, .. }), "{bad}");
    session.change_own_pin("  2468 ".into()).expect("change");
    session.kkm_info().expect("the session still works");
    let old = Arc::clone(&register).login("0000".into(), KKM).unwrap_err();
    assert!(matches!(old, KkmError::Rejected { code: 5, .. }), "{old}");
    let again = Arc::clone(&register)
        .login("2468".into(), KKM)
        .expect("new PIN");

    // Bundles: two products, a bundle of them, listed back; an unknown product refused.
    for (code, barcode, name) in [(1, "4870001", "Крем"), (2, "4870002", "Духи")] {
        register
            .save_product("2468".into(), KKM, product(code, barcode, name))
            .expect("product");
    }
    let gift = Bundle {
        code: 10,
        name: "Подарок".into(),
        barcode: "4870010".into(),
        items: vec![
            BundleItem {
                product_code: 1,
                quantity_milli: 2000,
            },
            BundleItem {
                product_code: 2,
                quantity_milli: 1000,
            },
        ],
    };
    register
        .save_bundle("2468".into(), KKM, gift.clone())
        .expect("bundle");
    assert_eq!(
        register.bundles("2468".into(), KKM).expect("list"),
        vec![gift.clone()]
    );
    let unknown = Bundle {
        code: 11,
        items: vec![BundleItem {
            product_code: 99,
            quantity_milli: 1000,
        }],
        ..gift
    };
    let e = register
        .save_bundle("2468".into(), KKM, unknown)
        .unwrap_err();
    assert!(matches!(e, KkmError::Rejected { code: 2, .. }), "{e}");

    // Autonomous: the OFD stops answering; a sale goes autonomous and the register
    // counts the hours left of the 72.
    emulator.refuse_connections().expect("fault");
    let sale = again.sell(
        kkm_ffi::Basket {
            items: vec![
                kkm_ffi::catalogue_item(product(1, "4870001", "Крем"), 1000, None).expect("line"),
            ],
            payments: vec![kkm_ffi::BasketPayment {
                kind: kkm_ffi::PaymentKind::Card,
                amount_tiyn: 100_000,
            }],
            discount_tiyn: 0,
            customer_iin_bin: None,
            markup_tiyn: 0,
        },
        None,
    );
    let sale = sale.expect("autonomous sale");
    assert!(sale.offline);
    let timers = again.timers().expect("timers");
    // Just started: all of the 72 hours (71 if the clock ticked past a second).
    let left = timers.autonomous_secs_left.expect("autonomous");
    assert!((72 * 3600 - 5..=72 * 3600).contains(&left), "{timers:?}");
    assert_eq!(timers.autonomous_hours_left, Some(left / 3600));
    assert!(timers.queue_len >= 1);
    register.shutdown().expect("shutdown");
    let _ = std::fs::remove_dir_all(&dir);
}
