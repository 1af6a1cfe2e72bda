//! One case for every error code kkm-core can produce, table-driven.
//!
//! Receipt cases mutate a valid base request (JSON) in one place; the others drive
//! the shift book, the permission check and the KKM status check.

use std::collections::BTreeSet;

use kkm_core::operator::{authorize, check_kkm_status, Action, KkmStatus, OperatorAccess, Role};
use kkm_core::*;
use serde_json::{json, Value};

/// Every code the crate produces: the table below must cover exactly these.
const PRODUCIBLE: &[u16] = &[
    2, 18, 31, 34, 35, 36, 39, 43, 44, 45, 46, 47, 48, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 60,
    62, 63, 64, 65, 67, 68, 71, 72, 76, 77, 81, 82, 88, 89, 94, 95, 96, 97, 98,
];

const SELLER: &str = "910812450255";
const T0: i64 = 1_736_889_475;

fn base() -> Value {
    json!({
        "kkm_ofd_id": 6923,
        "operation": 2,
        "items": [{"type": 1, "commodity": {
            "name": "tovar1", "section_code": "1", "quantity": 2, "price": 1000, "sum": 2000,
            "measure_unit_code": "796"}}],
        "payments": [{"type": 0, "sum": 2000}]
    })
}

fn receipt_case(mutate: impl Fn(&mut Value)) -> Result<(), CoreError> {
    let mut body = base();
    mutate(&mut body);
    let request: TradeOperationRequest =
        serde_json::from_value(body).map_err(|e| CoreError::invalid("json", e.to_string()))?;
    let context = SaleContext {
        seller_iin_or_bin: Some(SELLER),
        return_basis: None,
    };
    validate_trade_operation(&request, &context).map(|_| ())
}

fn sale(book: &mut ShiftBook, clock: &ManualClock) -> Result<(), CoreError> {
    let request: TradeOperationRequest =
        serde_json::from_value(base()).map_err(|e| CoreError::invalid("json", e.to_string()))?;
    let receipt = validate_trade_operation(&request, &SaleContext::default())?;
    book.register_receipt(&receipt, false, clock).map(|_| ())
}

fn commodity(body: &mut Value) -> &mut Value {
    &mut body["items"][0]["commodity"]
}

#[allow(clippy::type_complexity)]
fn cases() -> Vec<(u16, &'static str, Box<dyn Fn() -> Result<(), CoreError>>)> {
    vec![
        (
            2,
            "unknown operation",
            Box::new(|| receipt_case(|b| b["operation"] = json!(9))),
        ),
        (
            18,
            "autonomous for 73 hours",
            Box::new(|| {
                let status = KkmStatus {
                    offline_since: Some(Timestamp::from_secs(T0)),
                    ..KkmStatus::default()
                };
                check_kkm_status(
                    &status,
                    Action::TradeOperation,
                    Timestamp::from_secs(T0 + 73 * 3600),
                )
            }),
        ),
        (
            31,
            "sale in a shift older than 24 hours",
            Box::new(|| {
                let clock = ManualClock::new(Timestamp::from_secs(T0));
                let mut book = ShiftBook::new();
                sale(&mut book, &clock)?;
                clock.advance(24 * 3600 + 1);
                sale(&mut book, &clock)
            }),
        ),
        (
            34,
            "unknown report type",
            Box::new(|| ReportType::from_request(5).map(|_| ())),
        ),
        (
            35,
            "Z with no open shift",
            Box::new(|| {
                let clock = ManualClock::new(Timestamp::from_secs(T0));
                ShiftBook::new()
                    .close_shift(&clock, CloseOptions::default())
                    .map(|_| ())
            }),
        ),
        (
            36,
            "clock went back",
            Box::new(|| {
                let clock = ManualClock::new(Timestamp::from_secs(T0));
                let mut book = ShiftBook::new();
                sale(&mut book, &clock)?;
                clock.advance(-60);
                sale(&mut book, &clock)
            }),
        ),
        (
            39,
            "unknown role",
            Box::new(|| Role::from_code(7).map(|_| ())),
        ),
        (
            43,
            "return of an unknown parent ticket",
            Box::new(|| {
                receipt_case(|b| {
                    b["operation"] = json!(3);
                    b["parent_ticket"] = json!({"fiscal_id": "1008"});
                })
            }),
        ),
        (
            44,
            "items missing",
            Box::new(|| {
                receipt_case(|b| {
                    b.as_object_mut().map(|o| o.remove("items"));
                })
            }),
        ),
        (
            45,
            "items empty",
            Box::new(|| receipt_case(|b| b["items"] = json!([]))),
        ),
        (
            46,
            "commodity missing",
            Box::new(|| {
                receipt_case(|b| {
                    b["items"][0].as_object_mut().map(|o| o.remove("commodity"));
                })
            }),
        ),
        (
            47,
            "quantity zero",
            Box::new(|| receipt_case(|b| commodity(b)["quantity"] = json!(0))),
        ),
        (
            48,
            "DISCOUNT item without discount",
            Box::new(|| {
                receipt_case(|b| {
                    if let Some(items) = b["items"].as_array_mut() {
                        items.push(json!({"type": 5}));
                    }
                })
            }),
        ),
        (
            49,
            "MARKUP item without markup",
            Box::new(|| {
                receipt_case(|b| {
                    if let Some(items) = b["items"].as_array_mut() {
                        items.push(json!({"type": 3}));
                    }
                })
            }),
        ),
        (
            50,
            "unknown item type",
            Box::new(|| receipt_case(|b| b["items"][0]["type"] = json!(7))),
        ),
        (
            52,
            "given total differs",
            Box::new(|| receipt_case(|b| b["amounts"] = json!({"total": 1999.99}))),
        ),
        (
            53,
            "negative cash",
            Box::new(|| receipt_case(|b| b["payments"] = json!([{"type": 0, "sum": -1}]))),
        ),
        (
            54,
            "sum to pay out of range",
            Box::new(|| {
                receipt_case(|b| {
                    let huge = json!({"type": 1, "commodity": {"name": "x", "section_code": "1", "quantity": 1,
                "price": 50000000000000000i64, "sum": 50000000000000000i64, "measure_unit_code": "796"}});
                    b["items"] = json!([huge.clone(), huge]);
                })
            }),
        ),
        (
            55,
            "card above total",
            Box::new(|| receipt_case(|b| b["payments"] = json!([{"type": 1, "sum": 2000.01}]))),
        ),
        (
            56,
            "card + mobile above total",
            Box::new(|| {
                receipt_case(|b| {
                    b["payments"] = json!([{"type": 1, "sum": 1500}, {"type": 4, "sum": 1000}]);
                })
            }),
        ),
        (
            57,
            "paid less than total",
            Box::new(|| receipt_case(|b| b["payments"] = json!([{"type": 0, "sum": 1999.99}]))),
        ),
        (
            58,
            "withdrawal above cash",
            Box::new(|| {
                let clock = ManualClock::new(Timestamp::from_secs(T0));
                ShiftBook::new()
                    .register_placement(
                        &MoneyPlacement::withdrawal(Money::from_tiyn(1)),
                        false,
                        &clock,
                    )
                    .map(|_| ())
            }),
        ),
        (
            59,
            "item discount not less than its sum",
            Box::new(|| receipt_case(|b| b["items"][0]["discount"] = json!({"sum": 2000}))),
        ),
        (
            60,
            "unknown taxation type",
            Box::new(|| {
                receipt_case(|b| {
                    commodity(b)["taxes"] =
                        json!([{"taxation_type": 99, "percent": 12, "is_in_total_sum": true}]);
                })
            }),
        ),
        (
            62,
            "KKM blocked",
            Box::new(|| {
                let status = KkmStatus {
                    blocked: Some("by the OFD".into()),
                    ..KkmStatus::default()
                };
                check_kkm_status(&status, Action::TradeOperation, Timestamp::from_secs(T0))
            }),
        ),
        (
            63,
            "negative discount",
            Box::new(|| receipt_case(|b| b["items"][0]["discount"] = json!({"sum": -5}))),
        ),
        (
            64,
            "negative markup",
            Box::new(|| receipt_case(|b| b["items"][0]["markup"] = json!({"sum": -5}))),
        ),
        (
            65,
            "discount and markup on one item",
            Box::new(|| {
                receipt_case(|b| {
                    b["items"][0]["discount"] = json!({"sum": 10});
                    b["items"][0]["markup"] = json!({"sum": 10});
                })
            }),
        ),
        (
            67,
            "delete a KKM with an offline queue",
            Box::new(|| {
                let status = KkmStatus {
                    offline_queue_len: 3,
                    ..KkmStatus::default()
                };
                check_kkm_status(&status, Action::DeleteKkm, Timestamp::from_secs(T0))
            }),
        ),
        (
            68,
            "values conflict",
            Box::new(|| {
                let status = KkmStatus {
                    values_conflict: Some("shift 12 digest".into()),
                    ..KkmStatus::default()
                };
                check_kkm_status(&status, Action::ZReport, Timestamp::from_secs(T0))
            }),
        ),
        (
            71,
            "cashier takes a Z-report",
            Box::new(|| {
                let cashier = OperatorAccess {
                    id: 2,
                    role: Role::Cashier,
                    bindings: vec![6923],
                };
                authorize(&cashier, Some(6923), Action::ZReport)
            }),
        ),
        (
            72,
            "operator not bound to the KKM",
            Box::new(|| {
                let senior = OperatorAccess {
                    id: 2,
                    role: Role::SeniorCashier,
                    bindings: vec![1],
                };
                authorize(&senior, Some(6923), Action::TradeOperation)
            }),
        ),
        (
            76,
            "delete a KKM with an open shift",
            Box::new(|| {
                let status = KkmStatus {
                    shift_open: true,
                    ..KkmStatus::default()
                };
                check_kkm_status(&status, Action::DeleteKkm, Timestamp::from_secs(T0))
            }),
        ),
        (
            77,
            "customer is the seller",
            Box::new(|| receipt_case(|b| b["customer_iin_or_bin"] = json!(SELLER))),
        ),
        (
            81,
            "measure unit empty",
            Box::new(|| receipt_case(|b| commodity(b)["measure_unit_code"] = json!(""))),
        ),
        (
            82,
            "section empty",
            Box::new(|| receipt_case(|b| commodity(b)["section_code"] = json!(" "))),
        ),
        (
            88,
            "item and receipt taxes",
            Box::new(|| {
                receipt_case(|b| {
                    commodity(b)["taxes"] =
                        json!([{"taxation_type": 101, "percent": 12, "is_in_total_sum": true}]);
                    b["taxes"] =
                        json!([{"taxation_type": 101, "percent": 12, "is_in_total_sum": true}]);
                })
            }),
        ),
        (
            89,
            "same percent twice",
            Box::new(|| {
                receipt_case(|b| {
                    b["taxes"] = json!([
                {"taxation_type": 101, "percent": 12, "is_in_total_sum": true},
                {"taxation_type": 101, "percent": 12.0, "is_in_total_sum": false}]);
                })
            }),
        ),
        (
            94,
            "price with 3 decimals",
            Box::new(|| receipt_case(|b| commodity(b)["price"] = json!(1000.001))),
        ),
        (
            95,
            "sum is not price × quantity",
            Box::new(|| receipt_case(|b| commodity(b)["sum"] = json!(2000.01))),
        ),
        (
            96,
            "a tax sum without a percent (CashCore's check)",
            Box::new(|| {
                receipt_case(|b| {
                    commodity(b)["taxes"] = json!([{"taxation_type": 101, "percent": 0, "sum": 1.5, "is_in_total_sum": true}]);
                })
            }),
        ),
        (
            97,
            "a negative card payment",
            Box::new(|| {
                receipt_case(|b| {
                    b["payments"] = json!([{"type": 0, "sum": 2000}, {"type": 1, "sum": -1}]);
                })
            }),
        ),
        (
            98,
            "an unknown payment type",
            Box::new(|| receipt_case(|b| b["payments"] = json!([{"type": 2, "sum": 2000}]))),
        ),
    ]
}

#[test]
fn every_producible_code_has_one_case() {
    let mut seen = BTreeSet::new();
    for (code, name, case) in cases() {
        let error = match case() {
            Ok(()) => panic!("case {code} ({name}) passed, expected an error"),
            Err(e) => e,
        };
        assert_eq!(
            error.code().code(),
            code,
            "case {code} ({name}) gave {error:?}"
        );
        assert!(ErrorCode::from_code(code).is_some());
        assert!(!error.to_string().is_empty());
        println!("{code:>2} {:<45} {error}", error.code().name());
        assert!(seen.insert(code), "two cases for code {code}");
    }
    let expected: BTreeSet<u16> = PRODUCIBLE.iter().copied().collect();
    assert_eq!(seen, expected);
}

#[test]
fn base_request_is_valid() {
    assert_eq!(receipt_case(|_| {}), Ok(()));
}

#[test]
fn the_code_table_is_the_seeds() {
    // The seed's 0–95 and CashCore's 96–98.
    assert_eq!(ErrorCode::ALL.len(), 99);
    for (i, code) in ErrorCode::ALL.iter().enumerate() {
        assert_eq!(usize::from(code.code()), i);
        assert!(!code.description().is_empty());
    }
    assert_eq!(
        ErrorCode::from_code(88).map(ErrorCode::name),
        Some("items_taxes_and_ticket_taxes_are_mutually_exclusive")
    );
    assert_eq!(
        ErrorCode::from_code(98).map(ErrorCode::name),
        Some("payment_type_is_incorrect")
    );
    assert_eq!(ErrorCode::from_code(99), None);
}
