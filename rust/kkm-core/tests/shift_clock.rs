//! The shift state machine under an injected clock: auto-open, the 24-hour rule, X
//! any time, Z closes, auto-withdrawal, numbering, and returns by parent ticket.

use kkm_core::enums::{Operation, PaymentType};
use kkm_core::*;
use serde_json::{json, Value};

const T0: i64 = 1_736_889_475; // 2025-01-14 21:17:55
const DAY: i64 = 24 * 3600;

fn receipt(body: Value, basis: Option<&ReturnBasis>) -> Result<Receipt, CoreError> {
    let request: TradeOperationRequest =
        serde_json::from_value(body).map_err(|e| CoreError::invalid("json", e.to_string()))?;
    validate_trade_operation(
        &request,
        &SaleContext {
            seller_iin_or_bin: None,
            return_basis: basis,
        },
    )
}

fn sale_body(operation: u8, price: i64, quantity: i64, cash: i64) -> Value {
    json!({
        "operation": operation,
        "items": [{"type": 1, "commodity": {"name": "Хлеб", "section_code": "1", "quantity": quantity,
            "price": price, "sum": price * quantity, "measure_unit_code": "796"}}],
        "payments": [{"type": 0, "sum": cash}]
    })
}

fn sale(price: i64) -> Receipt {
    receipt(sale_body(2, price, 1, price), None).unwrap_or_else(|e| panic!("valid sale: {e}"))
}

#[test]
fn shift_lifecycle_with_injected_clock() {
    let clock = ManualClock::new(Timestamp::from_secs(T0));
    let mut book = ShiftBook::new();
    assert!(!book.is_open());

    // X any time, even before the first shift: empty next shift, nothing changes.
    let x = book.x_report(&clock);
    assert_eq!(x.shift_number, 1);
    assert!(!book.is_open());

    // The first sale opens shift 1.
    let stamp = book
        .register_receipt(&sale(100), false, &clock)
        .expect("sale");
    assert_eq!(
        (
            stamp.shift_number,
            stamp.shift_document_number,
            stamp.opened_shift
        ),
        (1, 1, true)
    );
    assert_eq!(
        book.shift.as_ref().map(|s| s.opened_at),
        Some(Timestamp::from_secs(T0))
    );

    // Exactly 24 hours after the opening is still allowed.
    clock.set(Timestamp::from_secs(T0 + DAY));
    let stamp = book
        .register_receipt(&sale(200), false, &clock)
        .expect("at 24h");
    assert_eq!(
        (
            stamp.shift_number,
            stamp.shift_document_number,
            stamp.opened_shift
        ),
        (1, 2, false)
    );

    // One second later: a receipt is refused with 31 and changes nothing.
    clock.set(Timestamp::from_secs(T0 + DAY + 1));
    let before = book.clone();
    assert_eq!(
        book.register_receipt(&sale(300), false, &clock)
            .map_err(|e| e.code().code()),
        Err(31)
    );
    assert_eq!(book, before);
    // A placement is not (CashCore's MoneyPlacement has no 24-hour check): it counts in
    // the expired shift, which it neither closes nor reopens.
    let stamp = book
        .register_placement(
            &MoneyPlacement::deposit(Money::from_tiyn(100)),
            false,
            &clock,
        )
        .expect("a placement in an expired shift");
    assert_eq!(
        (
            stamp.shift_number,
            stamp.shift_document_number,
            stamp.opened_shift
        ),
        (1, 3, false)
    );
    assert_eq!(
        book.shift.as_ref().map(|s| s.opened_at),
        Some(Timestamp::from_secs(T0))
    );
    assert_eq!(
        book.cash_in_drawer(),
        before
            .cash_in_drawer()
            .saturating_add(Money::from_tiyn(100))
    );
    assert!(book.shift_expired(clock.now()));

    // X is still allowed, and shows the shift's totals.
    let x = book.x_report(&clock);
    assert_eq!(x.total_result[0].count, 2);
    assert_eq!(x.total_result[0].sum, Money::from_tiyn(30_000));
    assert_eq!(x.close_shift_time, None);

    // Z closes it.
    let z = book
        .close_shift(&clock, CloseOptions::default())
        .expect("Z");
    assert_eq!(z.report.shift_number, 1);
    assert_eq!(
        z.report.close_shift_time,
        Some(Timestamp::from_secs(T0 + DAY + 1))
    );
    assert_eq!(
        z.report.tickets_sum(Operation::Sell),
        Money::from_tiyn(30_000)
    );
    assert_eq!(z.withdrawn, None);
    let deposits = z
        .report
        .money_placements
        .iter()
        .find(|m| m.operation == MoneyPlacementKind::Deposit)
        .map(|m| (m.operations_count, m.operations_sum));
    assert_eq!(deposits, Some((1, Money::from_tiyn(100))));
    assert!(!book.is_open());
    assert_eq!(
        book.close_shift(&clock, CloseOptions::default())
            .map(|_| ())
            .map_err(|e| e.code().code()),
        Err(35)
    );

    // The next sale opens shift 2 now, with the non-nullable sums carried over.
    clock.advance(60);
    let stamp = book
        .register_receipt(&sale(50), false, &clock)
        .expect("new shift");
    assert_eq!(
        (
            stamp.shift_number,
            stamp.shift_document_number,
            stamp.opened_shift
        ),
        (2, 1, true)
    );
    let x = book.x_report(&clock);
    assert_eq!(x.open_shift_time, Timestamp::from_secs(T0 + DAY + 61));
    assert_eq!(
        x.start_shift_non_nullable_sums[0].sum,
        Money::from_tiyn(30_000)
    );
    assert_eq!(x.non_nullable_sums[0].sum, Money::from_tiyn(35_000));
    assert_eq!(x.ticket_operations[0].tickets_count, 1);
    assert_eq!(x.ticket_operations[0].tickets_total_count, 3);

    // A shift does not expire by itself: 10 days later the sale is refused (31) until Z.
    clock.advance(10 * DAY);
    assert_eq!(
        book.register_receipt(&sale(50), false, &clock)
            .map(|_| ())
            .map_err(|e| e.code().code()),
        Err(31)
    );
    book.close_shift(&clock, CloseOptions::default())
        .expect("Z");
    assert!(book.register_receipt(&sale(50), false, &clock).is_ok());

    // The clock going back is refused (36).
    clock.advance(-1);
    assert_eq!(
        book.register_receipt(&sale(50), false, &clock)
            .map(|_| ())
            .map_err(|e| e.code().code()),
        Err(36)
    );
}

#[test]
fn cash_drawer_placements_and_auto_withdrawal() {
    let clock = ManualClock::new(Timestamp::from_secs(T0));
    let mut book = ShiftBook::new();
    book.register_placement(
        &MoneyPlacement::deposit(Money::from_tiyn(10_000)),
        false,
        &clock,
    )
    .expect("deposit");
    // A sale of 1750 paid 2000 in cash: 250 change, 1750 kept.
    let r = receipt(sale_body(2, 1750, 1, 2000), None).expect("sale");
    assert_eq!(r.change, Money::from_tiyn(25_000));
    book.register_receipt(&r, true, &clock).expect("sale");
    assert_eq!(book.cash_in_drawer(), Money::from_tiyn(185_000));
    // A cash refund above the drawer is refused (58); within it is fine.
    let refund = receipt(sale_body(3, 2000, 1, 2000), None).expect("return without parent");
    assert_eq!(
        book.register_receipt(&refund, false, &clock)
            .map(|_| ())
            .map_err(|e| e.code().code()),
        Err(58)
    );
    let refund = receipt(sale_body(3, 1000, 1, 1000), None).expect("return");
    book.register_receipt(&refund, false, &clock)
        .expect("refund");
    assert_eq!(book.cash_in_drawer(), Money::from_tiyn(85_000));
    assert_eq!(book.revenue(), Money::from_tiyn(75_000));
    assert_eq!(
        book.register_placement(
            &MoneyPlacement::withdrawal(Money::from_tiyn(85_001)),
            false,
            &clock
        )
        .map(|_| ())
        .map_err(|e| e.code().code()),
        Err(58)
    );
    book.register_placement(
        &MoneyPlacement::withdrawal(Money::from_tiyn(5_000)),
        false,
        &clock,
    )
    .expect("withdrawal");

    let closure = book
        .close_shift(
            &clock,
            CloseOptions {
                withdraw_cash: true,
                offline: false,
            },
        )
        .expect("Z");
    assert_eq!(closure.withdrawn, Some(Money::from_tiyn(80_000)));
    let z = &closure.report;
    assert_eq!(z.cash_sum, Money::ZERO);
    let withdrawals = z
        .money_placements
        .iter()
        .find(|m| m.operation == MoneyPlacementKind::Withdrawal)
        .expect("withdrawals");
    assert_eq!(
        (withdrawals.operations_count, withdrawals.operations_sum),
        (2, Money::from_tiyn(85_000))
    );
    let sells = z
        .ticket_operations
        .iter()
        .find(|t| t.operation == Operation::Sell)
        .expect("sells");
    assert_eq!(
        (sells.offline_count, sells.change_sum),
        (1, Money::from_tiyn(25_000))
    );
    assert_eq!(sells.payments[0].payment, PaymentType::Cash);
    assert_eq!(sells.payments[0].sum, Money::from_tiyn(175_000));
    assert!(!z.revenue.is_negative);
    assert_eq!(z.revenue.sum, Money::from_tiyn(75_000));
    let wire = closure.to_cpcr(&DocumentMeta::default());
    assert_eq!(wire.withdraw_money, Some(true));
    assert_eq!(wire.z_report.map(|z| z.cash_sum.bills), Some(0));
}

#[test]
fn counters_persist_as_json() {
    let clock = ManualClock::new(Timestamp::from_secs(T0));
    let mut book = ShiftBook::new();
    book.register_receipt(&sale(100), false, &clock)
        .expect("sale");
    let blob = serde_json::to_string(&book).expect("serializes");
    let back: ShiftBook = serde_json::from_str(&blob).expect("deserializes");
    assert_eq!(back, book);
}

fn parent(fiscal_id: &str) -> ParentTicket {
    ParentTicket {
        fiscal_id: fiscal_id.into(),
        date_time: Timestamp::from_secs(T0),
        kgd_kkm_id: "010100134464".into(),
        total: Money::ZERO,
        is_offline: false,
    }
}

#[test]
fn returns_by_parent_ticket() {
    // The original: 3 marked packs at 500 and 2 loaves at 100, cash.
    let original = receipt(
        json!({
            "operation": 2,
            "items": [
                {"type": 1, "commodity": {"name": "Сигареты", "section_code": "1", "quantity": 1, "price": 500, "sum": 500,
                    "measure_unit_code": "796", "excise_stamp": "mark-A"}},
                {"type": 1, "commodity": {"name": "Сигареты", "section_code": "1", "quantity": 1, "price": 500, "sum": 500,
                    "measure_unit_code": "796", "excise_stamp": "mark-B"}},
                {"type": 1, "commodity": {"name": "Хлеб", "section_code": "2", "quantity": 2, "price": 100, "sum": 200,
                    "measure_unit_code": "796"}}
            ],
            "payments": [{"type": 0, "sum": 1200}]
        }),
        None,
    )
    .expect("original");
    let mut basis = ReturnBasis::new(parent("F-1"), &original);
    assert_eq!(basis.parent.total, Money::from_tiyn(120_000));

    let ret = |items: Value, basis: &ReturnBasis| {
        let total: i64 = items
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|i| i["commodity"]["sum"].as_i64().unwrap_or(0))
                    .sum()
            })
            .unwrap_or(0);
        receipt(
            json!({"operation": 3, "items": items, "payments": [{"type": 0, "sum": total}], "parent_ticket": {"fiscal_id": "F-1"}}),
            Some(basis),
        )
    };
    let bread = |q: i64| json!({"type": 1, "commodity": {"name": "Хлеб", "section_code": "2", "quantity": q, "price": 100, "sum": 100 * q, "measure_unit_code": "796"}});
    let pack = |mark: &str| json!({"type": 1, "commodity": {"name": "Сигареты", "section_code": "1", "quantity": 1, "price": 500, "sum": 500, "measure_unit_code": "796", "excise_stamp": mark}});

    // Partial return of one loaf.
    let r1 = ret(json!([bread(1)]), &basis).expect("partial return");
    assert_eq!(
        r1.parent.as_ref().map(|p| p.fiscal_id.as_str()),
        Some("F-1")
    );
    basis.record_return(&r1);
    // Two more loaves: only one left → 47.
    assert_eq!(
        ret(json!([bread(2)]), &basis)
            .map(|_| ())
            .map_err(|e| e.code().code()),
        Err(47)
    );
    // A mark not sold on the parent → 2.
    assert_eq!(
        ret(json!([pack("mark-Z")]), &basis)
            .map(|_| ())
            .map_err(|e| e.code().code()),
        Err(2)
    );
    // A sold mark is fine once…
    let r2 = ret(json!([pack("mark-A")]), &basis).expect("mark return");
    basis.record_return(&r2);
    // …and not twice.
    assert_eq!(
        ret(json!([pack("mark-A")]), &basis)
            .map(|_| ())
            .map_err(|e| e.code().code()),
        Err(2)
    );
    // An article that was not sold → 2.
    let milk = json!({"type": 1, "commodity": {"name": "Молоко", "section_code": "2", "quantity": 1, "price": 100, "sum": 100, "measure_unit_code": "796"}});
    assert_eq!(
        ret(json!([milk]), &basis)
            .map(|_| ())
            .map_err(|e| e.code().code()),
        Err(2)
    );
    // The rest: the last loaf and the other pack.
    let r3 = ret(json!([bread(1), pack("mark-B")]), &basis).expect("the rest");
    basis.record_return(&r3);
    assert_eq!(basis.remaining_total(), Money::ZERO);
    // Nothing is left.
    assert!(ret(json!([bread(1)]), &basis).is_err());

    // The CPCR return carries its parent.
    let wire = r3.to_ticket_request(&DocumentMeta::default());
    let p = wire.parent_ticket.expect("parent ticket");
    assert_eq!(
        (
            p.parent_ticket_number.as_str(),
            p.kgd_kkm_id.as_str(),
            p.parent_ticket_total.bills
        ),
        ("F-1", "010100134464", 1200)
    );
    assert_eq!(
        wire.items[1]
            .commodity
            .as_ref()
            .map(|c| c.list_excise_stamp.clone()),
        Some(vec!["mark-B".to_owned()])
    );
}

#[test]
fn buy_returns_and_operation_mismatch() {
    let purchase = receipt(sale_body(0, 300, 2, 600), None).expect("a purchase");
    let basis = ReturnBasis::new(parent("B-1"), &purchase);
    let body = |op: u8| {
        let mut b = sale_body(op, 300, 2, 600);
        b["parent_ticket"] = json!({"fiscal_id": "B-1"});
        b
    };
    // A full BUY_RETURN of the purchase.
    assert!(receipt(body(1), Some(&basis)).is_ok());
    // A SELL_RETURN cannot reverse a BUY (2); a SELL cannot name a parent (2).
    assert_eq!(
        receipt(body(3), Some(&basis))
            .map(|_| ())
            .map_err(|e| e.code().code()),
        Err(2)
    );
    assert_eq!(
        receipt(body(2), Some(&basis))
            .map(|_| ())
            .map_err(|e| e.code().code()),
        Err(2)
    );
    // A return whose amount exceeds what was paid for the article (95).
    let discounted = receipt(
        json!({"operation": 2, "items": [{"type": 1, "commodity": {"name": "x", "section_code": "1", "quantity": 2,
            "price": 100, "sum": 200, "measure_unit_code": "796"}, "discount": {"sum": 50}}],
            "payments": [{"type": 1, "sum": 150}]}),
        None,
    )
    .expect("discounted sale");
    let basis = ReturnBasis::new(parent("S-1"), &discounted);
    let mut full_price = sale_body(3, 100, 2, 200);
    full_price["items"][0]["commodity"]["name"] = json!("x");
    full_price["parent_ticket"] = json!({"fiscal_id": "S-1"});
    assert_eq!(
        receipt(full_price, Some(&basis))
            .map(|_| ())
            .map_err(|e| e.code().code()),
        Err(95)
    );
}
