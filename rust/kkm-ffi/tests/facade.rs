//! The facade end to end from Rust (what Kotlin calls, minus JNA): open a register on a
//! temporary journal, register KKM 7500 with the in-process OFD emulator, sell, find the
//! receipt, refund it, X, Z, and the typed errors on the way. The Kotlin JVM tests
//! (scripts/kotlin-test) cover the same through the generated bindings.
//!
//! Building this test also builds the cdylib (`libkkm_ffi.so`) that scripts/kotlin-test
//! loads, with the same features as the rest of `cargo test --workspace`.

use std::sync::{Arc, Mutex};

use kkm_ffi::{
    Basket, BasketItem, BasketPayment, DocumentFormat, KkmError, KkmRegister, KkmSetup,
    PaymentKind, PrintSettings, ReceiptKind, ReportKind, SyncListener, SyncMode, SyncState,
};

mod rig;

const KKM: i64 = 7500;

fn bread(price_tiyn: i64, quantity_milli: i64) -> BasketItem {
    rig::item("Нан", price_tiyn, quantity_milli, 0)
}

fn cash(items: Vec<BasketItem>, given: i64) -> Basket {
    Basket {
        items,
        payments: vec![BasketPayment {
            kind: PaymentKind::Cash,
            amount_tiyn: given,
        }],
        discount_tiyn: 0,
        customer_iin_bin: None,
        markup_tiyn: 0,
    }
}

struct Seen(Arc<Mutex<Vec<SyncState>>>);

impl SyncListener for Seen {
    fn on_sync_state(&self, _kkm_ofd_id: i64, state: SyncState) {
        self.0.lock().expect("lock").push(state);
    }
}

#[test]
fn a_shift_through_the_facade() {
    let emulator = rig::emulator(KKM, 75);
    let dir = rig::temp_dir("facade");
    let config = rig::config(&dir, 9, emulator.host(), emulator.port());
    let register = KkmRegister::open(config.clone()).expect("open");
    let info = register
        .save_kkm(
            "0000".into(),
            KkmSetup {
                kkm_ofd_id: KKM,
                ofd_token: Some(75),
                name: Some("Касса".into()),
                ofd_uid: None,
                operator_ids: None,
            },
        )
        .expect("SaveKKM");
    assert_eq!(info.kkm_ofd_id, KKM);
    assert!(info.registration_number.is_some());

    let seen = Arc::new(Mutex::new(Vec::new()));
    let subscription = register
        .subscribe_sync(KKM, Box::new(Seen(Arc::clone(&seen))))
        .expect("subscribe");

    let wrong = Arc::clone(&register).login("1111".into(), KKM).unwrap_err();
    assert!(
        matches!(wrong, KkmError::Rejected { code: 5, .. }),
        "{wrong}"
    );

    let session = Arc::clone(&register)
        .login("0000".into(), KKM)
        .expect("login");
    let sale = session
        .sell(cash(vec![bread(15_050, 2000)], 50_000), Some("k1".into()))
        .expect("sale");
    assert!(!sale.offline);
    assert_eq!(sale.kind, ReceiptKind::Sell);
    assert_eq!((sale.total_tiyn, sale.change_tiyn), (30_100, 19_900));
    let retry = session
        .sell(cash(vec![bread(15_050, 2000)], 50_000), Some("k1".into()))
        .expect("retry");
    assert_eq!(retry.fiscal_id, sale.fiscal_id);

    let bad = session.sell(cash(vec![bread(100, -1000)], 100), None);
    assert!(matches!(bad, Err(KkmError::Rejected { code: 47, .. })));

    let original = session.find_receipt(sale.fiscal_id.clone()).expect("find");
    assert_eq!(original.basket.items.len(), 1);
    assert_eq!(original.basket.items[0].vat_milli_percent, Some(12_000));
    let mut back = original.basket.clone();
    back.payments = vec![BasketPayment {
        kind: PaymentKind::Cash,
        amount_tiyn: sale.total_tiyn,
    }];
    let refund = session
        .refund(sale.fiscal_id.clone(), back, None)
        .expect("refund");
    assert_eq!(refund.kind, ReceiptKind::SellReturn);

    let png = session
        .render_document(
            sale.shift_number,
            sale.document_number,
            DocumentFormat::Png,
            PrintSettings::default(),
            true,
        )
        .expect("reprint");
    assert_eq!(&png[1..4], b"PNG");

    let x = session.x_report().expect("X");
    assert_eq!(
        (x.kind, x.sales.count, x.sale_returns.count),
        (ReportKind::X, 1, 1)
    );
    let z = session.close_shift().expect("Z");
    assert_eq!(z.kind, ReportKind::Z);
    assert!(z.closed_at.is_some());
    assert_eq!(emulator.duplicate_tickets(KKM).expect("books"), 0);
    assert!(seen
        .lock()
        .expect("lock")
        .iter()
        .any(|s| s.mode == SyncMode::Online));
    subscription.cancel();

    register.shutdown().expect("shutdown");
    assert!(matches!(
        session.x_report(),
        Err(KkmError::Closed { code: 70, .. })
    ));
    // The journal reopens (chain verified) with the same key.
    let reopened = KkmRegister::open(config).expect("reopen");
    assert_eq!(reopened.kkms("0000".into()).expect("kkms").len(), 1);
    reopened.shutdown().expect("shutdown");
    emulator.stop().expect("stop");
    let _ = std::fs::remove_dir_all(&dir);
}
