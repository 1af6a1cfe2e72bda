//! The seed's own examples, end to end: its TradeOperation request gives its totals
//! (1750, change 250, tax 187.50) and its ticket body; a shift with its deposit and
//! sale gives its X-report JSON field for field.
//!
//! Fixtures are the seed's JSON (`shared/seeds/003_…`), copied verbatim except that the
//! X-report's empty lists written `{}` are written `[]` (see `kkm_core::report`).

use kkm_core::enums::{MoneyPlacementKind, Operation, PaymentType};
use kkm_core::shift::LifetimeCounters;
use kkm_core::*;

const REQUEST: &str = include_str!("fixtures/seed_trade_operation_request.json");
const TICKET_BODY: &str = include_str!("fixtures/seed_trade_operation_response_body.json");
const X_BODY: &str = include_str!("fixtures/seed_x_report_body.json");

fn tiyn(t: i64) -> Money {
    Money::from_tiyn(t)
}

fn seed_receipt() -> Receipt {
    let request: TradeOperationRequest =
        serde_json::from_str(REQUEST).expect("the seed's request parses");
    let context = SaleContext {
        seller_iin_or_bin: Some("910812450255"),
        return_basis: None,
    };
    validate_trade_operation(&request, &context).expect("the seed's request is valid")
}

#[test]
fn seed_request_gives_seed_totals() {
    let r = seed_receipt();
    assert_eq!(r.operation, Operation::Sell);
    assert_eq!(r.lines.len(), 1);
    assert_eq!(r.lines[0].commodity.quantity.thousandths(), 2000);
    assert_eq!(r.lines[0].commodity.sum, tiyn(200_000));
    assert_eq!(r.lines[0].net, tiyn(195_000));
    assert_eq!(r.lines[0].amount, tiyn(175_000));
    assert_eq!(r.discount.as_ref().map(|d| d.sum), Some(tiyn(20_000)));
    assert_eq!(r.markup, None, "a zero markup is no markup");
    assert_eq!(r.total, tiyn(175_000), "total 1750");
    assert_eq!(r.taken, tiyn(100_000), "taken 1000");
    assert_eq!(r.change, tiyn(25_000), "change 250");
    assert_eq!(r.payment(PaymentType::Cash), tiyn(75_000), "cash kept 750");
    assert_eq!(r.payment(PaymentType::Card), tiyn(100_000));
    assert_eq!(r.receipt_taxes.len(), 1);
    assert_eq!(r.receipt_taxes[0].sum, tiyn(18_750), "tax 187.50");
    assert_eq!(r.receipt_taxes[0].percent.thousandths(), 12_000);
    assert_eq!(r.tax_totals[0].turnover_without_tax(), tiyn(156_250));
    assert_eq!(r.customer_iin_or_bin.as_deref(), Some("123456789012"));
}

/// The CPCR ticket of the seed's request carries what the seed's response body shows.
#[test]
fn seed_ticket_matches_seed_response_body() {
    let r = seed_receipt();
    let meta = DocumentMeta {
        date_time: Timestamp::from_secs(1_737_120_877), // 2025-01-17 13:34:37
        operator: OperatorRef {
            code: 1,
            name: Some("Administrator".into()),
        },
        shift_number: 124,
        offline_ticket_number: Some(1008),
        is_offline: true,
        ..DocumentMeta::default()
    };
    let t = r.to_ticket_request(&meta);
    let body: serde_json::Value = serde_json::from_str(TICKET_BODY).expect("fixture parses");
    let money = |v: &serde_json::Value| {
        tiyn(v["bills"].as_i64().unwrap_or(-1) * 100 + v["coins"].as_i64().unwrap_or(-1))
    };
    let wire = |m: &kkm_proto::cpcr::Money| Money::from_cpcr(m).unwrap_or(tiyn(-1));

    assert_eq!(
        i64::from(t.operation),
        body["operation"].as_i64().unwrap_or(-1)
    );
    let dt = &body["date_time"];
    assert_eq!(
        (
            t.date_time.date.year,
            t.date_time.date.month,
            t.date_time.date.day
        ),
        (dt["date"]["year"].as_u64().unwrap_or(0) as u32, 1, 17)
    );
    assert_eq!(
        (
            t.date_time.time.hour,
            t.date_time.time.minute,
            t.date_time.time.second
        ),
        (13, 34, Some(37))
    );
    let amounts = &body["amounts"];
    assert_eq!(wire(&t.amounts.total), money(&amounts["total"]));
    assert_eq!(
        t.amounts.taken.as_ref().map(wire),
        Some(money(&amounts["taken"]))
    );
    assert_eq!(
        t.amounts.change.as_ref().map(wire),
        Some(money(&amounts["change"]))
    );
    assert_eq!(
        t.amounts.discount.as_ref().map(|d| wire(&d.sum)),
        Some(money(&amounts["discount"]["sum"]))
    );
    assert_eq!(
        t.amounts
            .discount
            .as_ref()
            .and_then(|d| d.name.clone())
            .as_deref(),
        amounts["discount"]["name"].as_str()
    );

    let items = body["itemsList"].as_array().cloned().unwrap_or_default();
    assert_eq!(t.items.len(), items.len());
    let c = t.items[0].commodity.as_ref().expect("commodity first");
    let bc = &items[0]["commodity"];
    assert_eq!(
        i64::from(t.items[0].r#type),
        items[0]["type"].as_i64().unwrap_or(-1)
    );
    assert_eq!(c.name.as_deref(), bc["name"].as_str());
    assert_eq!(Some(c.section_code.as_str()), bc["section_code"].as_str());
    assert_eq!(Some(c.quantity), bc["quantity"].as_u64());
    assert_eq!(wire(&c.price), money(&bc["price"]));
    assert_eq!(wire(&c.sum), money(&bc["sum"]));
    assert_eq!(
        c.list_excise_stamp,
        vec![bc["excise_stamp"].as_str().unwrap_or("").to_owned()]
    );
    assert_eq!(c.physical_label.as_deref(), bc["physical_label"].as_str());
    assert_eq!(c.product_id.as_deref(), bc["product_id"].as_str());
    assert_eq!(c.barcode.as_deref(), bc["barcode"].as_str());
    assert_eq!(
        c.measure_unit_code.as_deref(),
        bc["measure_unit_code"].as_str()
    );
    let d = t.items[1].discount.as_ref().expect("discount item second");
    assert_eq!(
        i64::from(t.items[1].r#type),
        items[1]["type"].as_i64().unwrap_or(-1)
    );
    assert_eq!(wire(&d.sum), money(&items[1]["discount"]["sum"]));
    assert_eq!(d.name.as_deref(), items[1]["discount"]["name"].as_str());

    let payments = body["paymentsList"].as_array().cloned().unwrap_or_default();
    assert_eq!(t.payments.len(), payments.len());
    for (p, bp) in t.payments.iter().zip(&payments) {
        assert_eq!(i64::from(p.r#type), bp["type"].as_i64().unwrap_or(-1));
        assert_eq!(wire(&p.sum), money(&bp["sum"]));
    }
    let taxes = body["taxesList"].as_array().cloned().unwrap_or_default();
    assert_eq!(t.taxes.len(), taxes.len());
    assert_eq!(
        Some(u64::from(t.taxes[0].percent)),
        taxes[0]["percent"].as_u64()
    );
    assert_eq!(wire(&t.taxes[0].sum), money(&taxes[0]["sum"]));
    assert_eq!(
        Some(t.taxes[0].is_in_total_sum),
        taxes[0]["is_in_total_sum"].as_bool()
    );
    let ext = t.extension_options.as_ref().expect("customer");
    assert_eq!(
        ext.customer_iin_or_bin.as_deref(),
        body["extension_options"]["customer_iin_or_bin"].as_str()
    );
    assert_eq!(
        t.offline_ticket_number,
        body["offline_ticket_number"].as_u64().map(|n| n as u32)
    );
    assert_eq!(t.fr_shift_number, Some(124));
}

/// Shift 121 of the seed: deposit 1000, then the seed's sale, then an X-report at
/// 21:39:21 — field for field the seed's X-report body (lifetime counters preloaded
/// with the seed's values before the shift).
#[test]
fn seed_shift_gives_seed_x_report_json() {
    let mut book = ShiftBook {
        lifetime: LifetimeCounters {
            non_nullable: [
                tiyn(175_300),
                tiyn(12_300),
                tiyn(72_798_698),
                tiyn(3_127_600),
            ],
            tickets_total: [14, 1, 421, 33],
            placements_total: [126, 232],
            cash: Money::ZERO,
            last_shift_number: 120,
            last_document_at: None,
            numbered_before_open: 0,
        },
        shift: None,
    };
    let clock = ManualClock::new(Timestamp::from_secs(1_736_889_475)); // 21:17:55
    let deposit = MoneyPlacement::from_request(&MoneyPlacementRequest {
        kkm_ofd_id: Some(6923),
        operation: Some(i64::from(MoneyPlacementKind::Deposit.code())),
        sum: Some(JsonNumber::from(1000)),
        ..MoneyPlacementRequest::default()
    })
    .expect("seed deposit is valid");
    let stamp = book
        .register_placement(&deposit, false, &clock)
        .expect("deposit");
    assert_eq!(
        (
            stamp.shift_number,
            stamp.shift_document_number,
            stamp.opened_shift
        ),
        (121, 1, true)
    );
    clock.set(Timestamp::from_secs(1_736_890_200)); // 21:30:00
    book.register_receipt(&seed_receipt(), false, &clock)
        .expect("sale");
    clock.set(Timestamp::from_secs(1_736_890_761)); // 21:39:21
    let x = book.x_report(&clock);

    let ours = serde_json::to_value(&x).expect("serializes");
    let seed: serde_json::Value = serde_json::from_str(X_BODY).expect("fixture parses");
    assert_eq!(ours, seed, "\nours: {}\nseed: {}", ours, seed);

    // And it reads back.
    let back: ZxReport = serde_json::from_value(seed).expect("deserializes");
    assert_eq!(back, x);

    // The CPCR form carries the same numbers.
    let wire = x.to_cpcr();
    assert_eq!(wire.shift_number, 121);
    assert_eq!(wire.close_shift_time, None);
    assert_eq!(
        wire.taxes[0].operations[0]
            .turnover_without_tax
            .map(|m| (m.bills, m.coins)),
        Some((1562, 50))
    );
    assert_eq!(
        wire.taxes[0].tax_type,
        kkm_proto::cpcr::TaxTypeEnum::Vat as u32
    );
    assert_eq!(wire.non_nullable_sums[0].sum.bills, 729_736);
    assert_eq!(wire.cash_sum.bills, 1750);
}
