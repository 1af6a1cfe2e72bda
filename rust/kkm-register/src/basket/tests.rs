use kkm_core::sale::{SaleLine, SalePayment, PIECE_MILLI};
use kkm_core::{ErrorCode, Money, PaymentType, Percent};
use kkm_store::Product;

use super::{Basket, LineEdit};
use crate::CatalogueMatch;

fn product(code: u64, barcode: &str, name: &str, tiyn: i64, marked: bool) -> Product {
    Product {
        code,
        group_code: "1".into(),
        barcode: barcode.into(),
        name: name.into(),
        price: Money::from_tiyn(tiyn),
        discount: Percent::default(),
        markup: Percent::default(),
        vat: Percent::default(),
        editable_price: false,
        marked,
    }
}

fn bread() -> Product {
    let mut p = product(1, "4870000000012", "Хлеб", 15_000, false);
    p.discount = Percent::from_thousandths(10_000).expect("10 %"); // 10 %
    p
}

fn beer() -> Product {
    product(4, "4870000000043", "Пиво", 70_000, true)
}

fn mark(serial: &str) -> String {
    format!("010487000000004321{serial}")
}

#[test]
fn a_product_scanned_again_adds_to_its_line_and_its_discount_follows() {
    let mut b = Basket::sale();
    assert_eq!(
        b.add_catalogue(CatalogueMatch::Product(bread())).unwrap(),
        0
    );
    assert_eq!(
        b.add_catalogue(CatalogueMatch::Product(bread())).unwrap(),
        0
    );
    assert_eq!(b.lines().len(), 1, "one line of two loaves");
    let line = &b.lines()[0];
    assert_eq!(line.quantity_milli, 2 * PIECE_MILLI);
    // 10 % of 300.00, not of 150.00.
    assert_eq!(line.discount.as_ref().map(|d| d.sum.tiyn()), Some(3_000));
    assert_eq!(b.totals(&[]).unwrap().total.tiyn(), 27_000);
    let id = b.ids()[0];
    // A typed item with the same name and price is a line of its own kind: merged with
    // its twin, not with the catalogue's line.
    let free = SaleLine::new("Пакет", "1", "796", Money::from_tiyn(500), PIECE_MILLI);
    b.add_free(free.clone()).unwrap();
    b.add_free(free).unwrap();
    assert_eq!(b.lines().len(), 2);
    assert_eq!(b.lines()[1].quantity_milli, 2 * PIECE_MILLI);
    assert_eq!(b.position(id), Some(0), "ids stay with their lines");
}

#[test]
fn a_marked_good_waits_for_each_packs_code_and_a_code_counts_once() {
    let mut b = Basket::sale();
    b.add_product(&beer(), 2 * PIECE_MILLI).unwrap();
    assert_eq!(b.lines().len(), 2, "one line per pack");
    assert_eq!(b.awaiting_marks(), vec![0, 1]);
    assert_eq!(b.add_mark(&beer(), &mark("A1")).unwrap(), 0);
    assert_eq!(b.add_mark(&beer(), &mark("A2")).unwrap(), 1);
    assert!(b.awaiting_marks().is_empty());
    // Scanned again: a marked good never merges; a third code is a third pack.
    assert_eq!(b.add_mark(&beer(), &mark("A3")).unwrap(), 2);
    // The same code twice: the sale's refusal, nothing kept.
    let refused = b.add_mark(&beer(), &mark("A3")).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidFields);
    assert_eq!(b.lines().len(), 3);
    // The same pack read once with its crypto tail and once without: one pack.
    b.add_mark(&beer(), &format!("{}\u{1d}93AbCd", mark("A4")))
        .unwrap();
    let again = b.add_mark(&beer(), &mark("A4")).unwrap_err();
    assert_eq!(again.code(), ErrorCode::InvalidFields);
    assert_eq!(b.lines().len(), 4);
    let paid = [SalePayment {
        kind: PaymentType::Cash,
        amount: Money::from_tiyn(280_000),
    }];
    assert_eq!(b.totals(&paid).unwrap().due, Money::ZERO);
    // A product the catalogue does not flag still takes a code scanned after it.
    let mut plain = Basket::sale();
    let unflagged = product(4, "4870000000043", "Пиво", 70_000, false);
    plain
        .add_catalogue(CatalogueMatch::Product(unflagged.clone()))
        .unwrap();
    assert_eq!(plain.add_mark(&unflagged, &mark("B1")).unwrap(), 0);
    assert_eq!(plain.lines().len(), 1);
}

#[test]
fn a_change_the_sale_refuses_is_not_kept() {
    let mut b = Basket::sale();
    b.add_catalogue(CatalogueMatch::Product(bread())).unwrap();
    let before = b.lines().to_vec();
    // A discount above the line.
    let too_much = LineEdit {
        quantity_milli: PIECE_MILLI,
        price: Money::from_tiyn(15_000),
        discount: Some(Money::from_tiyn(20_000)),
        markup: None,
    };
    assert!(b.edit_line(0, too_much, Some(&bread())).is_err());
    // A fixed catalogue price.
    let cheaper = LineEdit {
        quantity_milli: PIECE_MILLI,
        price: Money::from_tiyn(100),
        discount: None,
        markup: None,
    };
    assert_eq!(
        b.edit_line(0, cheaper, Some(&bread())).unwrap_err().code(),
        ErrorCode::InvalidFields
    );
    assert_eq!(b.lines(), &before[..]);
    // Three loaves with the line's own discount: kept.
    let three = LineEdit {
        quantity_milli: 3 * PIECE_MILLI,
        price: Money::from_tiyn(15_000),
        discount: Some(Money::from_tiyn(1_000)),
        markup: None,
    };
    b.edit_line(0, three, Some(&bread())).unwrap();
    assert_eq!(b.totals(&[]).unwrap().total.tiyn(), 44_000);
    // A receipt discount of 10 % of what the lines come to.
    let ten = b
        .receipt_percent(Percent::from_thousandths(10_000).expect("10 %"))
        .unwrap();
    assert_eq!(ten.tiyn(), 4_400);
    b.set_receipt_modifiers(Some(ten), None).unwrap();
    assert_eq!(b.totals(&[]).unwrap().total.tiyn(), 39_600);
    b.remove(0);
    assert!(b.is_empty() && b.ids().is_empty());
}

#[test]
fn a_bundle_goes_in_whole_or_not_at_all() {
    let mut b = Basket::sale();
    let bundle = |qty: u64| CatalogueMatch::Bundle {
        bundle: crate::Bundle {
            code: 9,
            name: "Набор".into(),
            barcode: "9".into(),
            items: vec![(1, qty), (4, 1000)],
        },
        items: vec![(bread(), qty), (beer(), 1000)],
    };
    b.add_catalogue(bundle(2000)).unwrap();
    assert_eq!(b.lines().len(), 2);
    // Half a pack of a marked good cannot be sold: the whole bundle is refused.
    let half = CatalogueMatch::Bundle {
        bundle: crate::Bundle {
            code: 10,
            name: "Полпива".into(),
            barcode: "10".into(),
            items: vec![(1, 1000), (4, 500)],
        },
        items: vec![(bread(), 1000), (beer(), 500)],
    };
    assert!(b.add_catalogue(half).is_err());
    assert_eq!(b.lines().len(), 2);
    assert_eq!(
        b.lines()[0].quantity_milli,
        2000,
        "the bread of the refused bundle is not kept"
    );
}
