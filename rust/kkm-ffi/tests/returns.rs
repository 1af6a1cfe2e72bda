//! A return through the facade with the register's rule: the receipt found with what
//! of each line may still come back, the return's basket for part of it with its share
//! of the discounts (rounded so that it never gives back more than was paid), the
//! refund made, and what is left to return after it.

use std::sync::Arc;

use kkm_ffi::{
    basket_totals, Basket, BasketPayment, KkmError, KkmRegister, PaymentKind, ReceiptKind,
};

mod rig;

const KKM: i64 = 7700;

#[test]
fn a_partial_return_takes_its_share_of_the_discounts_and_what_is_left_shrinks() {
    let emulator = rig::emulator(KKM, 77);
    let dir = rig::temp_dir("returns");
    let register =
        KkmRegister::open(rig::config(&dir, 4, emulator.host(), emulator.port())).expect("open");
    rig::register_kkm(&register, KKM, 77);
    let session = Arc::clone(&register)
        .login("0000".into(), KKM)
        .expect("login");
    // 3 loaves at 100.00 with 10.00 off the line, 1 cheese at 500.00; 7.00 off the receipt.
    let sale = session
        .sell(
            Basket {
                items: vec![
                    rig::item("Нан", 10_000, 3000, 1_000),
                    rig::item("Сыр", 50_000, 1000, 0),
                ],
                payments: vec![BasketPayment {
                    kind: PaymentKind::Card,
                    amount_tiyn: 78_300,
                }],
                discount_tiyn: 700,
                customer_iin_bin: None,
                markup_tiyn: 0,
            },
            None,
        )
        .expect("sale");
    assert_eq!(sale.total_tiyn, 78_300);

    let found = session.find_receipt(sale.fiscal_id.clone()).expect("find");
    assert_eq!(found.returnable_milli, vec![3000, 1000]);
    // One loaf back: a third of the line's discount (3.34, rounded up), and of the
    // receipt's discount the share of its net 96.66 in the nets' 790.00 (0.86, rounded
    // up).
    let back = session
        .return_basket(sale.fiscal_id.clone(), vec![1000, 0])
        .expect("return basket");
    assert_eq!(back.items.len(), 1);
    assert_eq!(back.items[0].quantity_milli, 1000);
    assert_eq!(back.items[0].discount_tiyn, 334);
    assert_eq!(back.discount_tiyn, 86);
    let total = basket_totals(back.clone()).expect("totals").total_tiyn;
    assert_eq!(total, 10_000 - 334 - 86);
    let refund = session
        .refund(
            sale.fiscal_id.clone(),
            Basket {
                payments: vec![BasketPayment {
                    kind: PaymentKind::Card,
                    amount_tiyn: total,
                }],
                ..back
            },
            None,
        )
        .expect("refund");
    assert_eq!(refund.kind, ReceiptKind::SellReturn);

    // What is left: two loaves and the cheese.
    let again = session.find_receipt(sale.fiscal_id.clone()).expect("find");
    assert_eq!(again.returnable_milli, vec![2000, 1000]);
    assert_eq!(again.returnable_tiyn, 78_300 - total);
    // The cheese alone: the core gave it 4.43 of the receipt's 7.00 (by nets, largest
    // remainder); its return's share rounds up to 4.44, within what was paid (by gross
    // sums it was 4.38, and the register refused the return with 95).
    let cheese = session
        .return_basket(sale.fiscal_id.clone(), vec![0, 1000])
        .expect("cheese");
    assert_eq!(cheese.discount_tiyn, 444);
    let cheese_total = basket_totals(cheese.clone()).expect("totals").total_tiyn;
    session
        .refund(
            sale.fiscal_id.clone(),
            Basket {
                payments: vec![BasketPayment {
                    kind: PaymentKind::Card,
                    amount_tiyn: cheese_total,
                }],
                ..cheese
            },
            None,
        )
        .expect("the cheese's refund is within what was paid");
    let unknown = session
        .return_basket("999999".into(), vec![1000])
        .unwrap_err();
    assert!(
        matches!(unknown, KkmError::Rejected { code: 43, .. }),
        "{unknown}"
    );
    register.shutdown().expect("shutdown");
    let _ = std::fs::remove_dir_all(&dir);
}
