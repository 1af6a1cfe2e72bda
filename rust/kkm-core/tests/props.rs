//! Property tests: exact money parsing, tiyn-exact taxes and allocations, and
//! counters that add up (Σ receipts of a shift == its Z totals; non-nullable sums only
//! grow; a refused document changes nothing).

use kkm_core::enums::{MoneyPlacementKind, Operation, PaymentType};
use kkm_core::request::{
    AmountsRequest, CommodityRequest, ItemRequest, ModifierRequest, PaymentRequest, TaxRequest,
};
use kkm_core::tax::{allocate, tax_amount};
use kkm_core::*;
use proptest::prelude::*;

fn text_of(tiyn: i64) -> String {
    Money::from_tiyn(tiyn).to_string()
}

proptest! {
    #[test]
    fn a_percent_of_an_amount_is_within_it_and_rounded_half_up(
        tiyn in any::<i64>(),
        rate in 0u32..=100_000,
    ) {
        let amount = Money::from_tiyn(tiyn);
        let part = Percent::from_thousandths(rate).expect("0–100 %").of(amount);
        prop_assert!(part.tiyn().unsigned_abs() <= tiyn.unsigned_abs());
        prop_assert!(part.tiyn() == 0 || part.tiyn().signum() == tiyn.signum());
        // |exact − part| ≤ ½ tiyn: 2·|amount·rate − part·100 000| ≤ 100 000.
        let exact = i128::from(tiyn) * i128::from(rate);
        let off = (exact - i128::from(part.tiyn()) * 100_000).abs();
        prop_assert!(2 * off <= 100_000, "{} of {} → {}", rate, tiyn, part.tiyn());
        prop_assert_eq!(Percent::from_thousandths(100_000).expect("100 %").of(amount), amount);
    }

    #[test]
    fn money_text_roundtrips(tiyn in any::<i64>()) {
        prop_assert_eq!(Money::parse_tenge(&text_of(tiyn)), Ok(Money::from_tiyn(tiyn)));
    }

    #[test]
    fn money_exponent_forms_agree(mantissa in 0i64..10_000_000_000, exp in -2i32..6) {
        // mantissa × 10^exp tenge, written three ways.
        let scaled = format!("{mantissa}e{exp}");
        let tiyn = if exp >= -2 { mantissa.checked_mul(10i64.pow((exp + 2) as u32)) } else { None };
        match tiyn {
            Some(t) => {
                prop_assert_eq!(Money::parse_tenge(&scaled), Ok(Money::from_tiyn(t)));
                prop_assert_eq!(Money::parse_tenge(&text_of(t)), Ok(Money::from_tiyn(t)));
            }
            None => prop_assert!(Money::parse_tenge(&scaled).is_err()),
        }
    }

    #[test]
    fn three_decimals_are_refused(tiyn in 0i64..1_000_000_000, third in 1u8..10) {
        let text = format!("{}{third}", text_of(tiyn));
        let refused = matches!(Money::parse_tenge(&text), Err(AmountError::TooManyDecimals { .. }));
        prop_assert!(refused, "{} accepted", text);
    }

    #[test]
    fn json_numbers_parse_exactly(tiyn in 0i64..100_000_000_000_000) {
        // Through serde_json (f64 without arbitrary_precision): exact up to 15 digits.
        let json = format!("{{\"sum\": {}}}", text_of(tiyn));
        let request: MoneyPlacementRequest = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let sum = request.sum.map(|n| Money::parse_tenge(n.as_str()));
        prop_assert_eq!(sum, Some(Ok(Money::from_tiyn(tiyn))));
    }

    #[test]
    fn allocation_loses_no_tiyn(amount in -1_000_000_000i64..1_000_000_000, weights in prop::collection::vec(0i64..1_000_000_000, 1..20)) {
        let weights: Vec<Money> = weights.into_iter().map(Money::from_tiyn).collect();
        let shares = allocate(Money::from_tiyn(amount), &weights);
        prop_assert_eq!(shares.len(), weights.len());
        prop_assert_eq!(shares.iter().map(|s| s.tiyn()).sum::<i64>(), amount);
        let total: i128 = weights.iter().map(|w| i128::from(w.tiyn())).sum();
        if total > 0 {
            for (s, w) in shares.iter().zip(&weights) {
                // Each share is the floor or the ceiling of its exact proportion.
                let exact = i128::from(amount.abs()) * i128::from(w.tiyn());
                let floor = exact / total;
                let got = i128::from(s.tiyn().abs());
                prop_assert!(got == floor || got == floor + 1);
            }
        }
    }

    #[test]
    fn tax_is_bounded_and_splits_exactly(base in 0i64..10_000_000_000_000, percent in 0u32..=100_000, included: bool) {
        let p = Percent::from_thousandths(percent).unwrap_or_default();
        let tax = tax_amount(Money::from_tiyn(base), p, included);
        prop_assert!(tax >= Money::ZERO);
        prop_assert!(tax <= Money::from_tiyn(base));
        // The tax is the exact value rounded to the nearest tiyn: |tax·d − base·p| ≤ d/2.
        let d = if included { 100_000 + i128::from(percent) } else { 100_000 };
        let error = (i128::from(tax.tiyn()) * d - i128::from(base) * i128::from(percent)).abs();
        prop_assert!(error * 2 <= d);
    }
}

/// A random line: price (tiyn), quantity (thousandths), discount (tiyn, < sum).
#[derive(Clone, Debug)]
struct Line {
    price: i64,
    quantity: u64,
    discount: i64,
    section: u8,
    tax: Option<(u32, bool)>,
}

fn line() -> impl Strategy<Value = Line> {
    (
        1i64..1_000_000,
        1u64..20_000,
        0i64..1000,
        0u8..4,
        prop::option::of((
            prop::sample::select(vec![0u32, 12_000, 5_500, 16_000]),
            any::<bool>(),
        )),
    )
        .prop_map(|(price, quantity, discount, section, tax)| Line {
            price,
            quantity,
            discount,
            section,
            tax,
        })
}

fn tax_request(percent: u32, included: bool) -> TaxRequest {
    TaxRequest {
        taxation_type: Some(101),
        percent: Some(JsonNumber::new(
            Quantity::from_thousandths(u64::from(percent)).to_string(),
        )),
        sum: None,
        is_in_total_sum: Some(included),
    }
}

/// Builds a valid request from random lines; `None` if the random discount is too big.
fn request(
    op: Operation,
    lines: &[Line],
    receipt_discount: i64,
    receipt_tax: Option<(u32, bool)>,
) -> Option<TradeOperationRequest> {
    let mut items = Vec::new();
    let mut nets = 0i64;
    for l in lines {
        let sum = Money::from_tiyn(l.price).times(Quantity::from_thousandths(l.quantity))?;
        let discount = l.discount.min(sum.tiyn() - 1).max(0);
        nets += sum.tiyn() - discount;
        items.push(ItemRequest {
            kind: Some(1),
            commodity: Some(CommodityRequest {
                name: Some("item".into()),
                section_code: Some(format!("S{}", l.section)),
                quantity: Some(JsonNumber::new(
                    Quantity::from_thousandths(l.quantity).to_string(),
                )),
                price: Some(JsonNumber::from_money(Money::from_tiyn(l.price))),
                sum: Some(JsonNumber::from_money(sum)),
                taxes: if receipt_tax.is_none() {
                    l.tax.map(|(p, i)| vec![tax_request(p, i)])
                } else {
                    None
                },
                measure_unit_code: Some("796".into()),
                ..Default::default()
            }),
            discount: (discount > 0).then(|| ModifierRequest {
                sum: Some(JsonNumber::from_money(Money::from_tiyn(discount))),
                ..Default::default()
            }),
            markup: None,
        });
    }
    let receipt_discount = receipt_discount.min(nets - 1).max(0);
    Some(TradeOperationRequest {
        operation: Some(i64::from(op.code())),
        items: Some(items),
        taxes: receipt_tax.map(|(p, i)| vec![tax_request(p, i)]),
        amounts: Some(AmountsRequest {
            discount: (receipt_discount > 0).then(|| ModifierRequest {
                sum: Some(JsonNumber::from_money(Money::from_tiyn(receipt_discount))),
                ..Default::default()
            }),
            ..Default::default()
        }),
        // Payments are added by `validate_paid` once the total is known.
        payments: None,
        ..Default::default()
    })
}

/// Validates once without payments to learn the total, then pays: a share by card, the
/// rest plus `extra_cash` in cash.
fn validate_paid(
    mut request: TradeOperationRequest,
    card_share: u8,
    extra_cash: i64,
) -> Result<Receipt, CoreError> {
    request.payments = None;
    let probe = validate_trade_operation(&request, &SaleContext::default());
    let total = match probe {
        Err(CoreError::PaidLessThanTotal { total, .. }) => total,
        Ok(r) => r.total,
        Err(e) => return Err(e),
    };
    let card = total.tiyn() * i64::from(card_share) / 100;
    let cash = total.tiyn() - card + extra_cash;
    request.payments = Some(vec![
        PaymentRequest {
            kind: Some(1),
            sum: Some(JsonNumber::from_money(Money::from_tiyn(card))),
        },
        PaymentRequest {
            kind: Some(0),
            sum: Some(JsonNumber::from_money(Money::from_tiyn(cash))),
        },
    ]);
    validate_trade_operation(&request, &SaleContext::default())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn receipts_lose_no_tiyn(
        lines in prop::collection::vec(line(), 1..8),
        receipt_discount in 0i64..100_000,
        receipt_tax in prop::option::of((prop::sample::select(vec![0u32, 12_000, 7_500]), any::<bool>())),
        card_share in 0u8..=100,
        extra_cash in 0i64..10_000,
    ) {
        let Some(request) = request(Operation::Sell, &lines, receipt_discount, receipt_tax) else { return Ok(()) };
        let r = validate_paid(request, card_share, extra_cash).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // Lines add up to the subtotal, which is Σ sums − discounts.
        let amounts: i64 = r.lines.iter().map(|l| l.amount.tiyn()).sum();
        prop_assert_eq!(amounts, r.subtotal.tiyn());
        let (discounts, _) = r.all_discounts();
        let sums: i64 = r.lines.iter().map(|l| l.commodity.sum.tiyn()).sum();
        prop_assert_eq!(sums - discounts.tiyn(), r.subtotal.tiyn());
        // Per rate, the lines' taxes add up to the rate's tax, computed once.
        for t in &r.tax_totals {
            if r.receipt_taxes.is_empty() {
                let lines_tax: i64 = r.lines.iter().flat_map(|l| &l.taxes).filter(|x| x.percent == t.percent && x.included == t.included).map(|x| x.sum.tiyn()).sum();
                prop_assert_eq!(lines_tax, t.sum.tiyn());
            }
            let base = if t.included { t.turnover } else { Money::from_tiyn(t.turnover.tiyn() - t.sum.tiyn()) };
            prop_assert_eq!(tax_amount(base, t.percent, t.included), t.sum);
            prop_assert_eq!(t.turnover_without_tax().tiyn() + t.sum.tiyn(), t.turnover.tiyn());
        }
        // Total = subtotal + taxes on top; payments kept == total; change only from cash.
        let on_top: i64 = r.tax_totals.iter().filter(|t| !t.included).map(|t| t.sum.tiyn()).sum();
        prop_assert_eq!(r.total.tiyn(), r.subtotal.tiyn() + on_top);
        let kept: i64 = r.payments.iter().map(|p| p.sum.tiyn()).sum();
        prop_assert_eq!(kept, r.total.tiyn());
        prop_assert_eq!(r.change.tiyn(), extra_cash);
        prop_assert_eq!(r.taken.tiyn() - r.change.tiyn(), r.payment(PaymentType::Cash).tiyn());
    }
}

/// One step of a random KKM day.
#[derive(Clone, Debug)]
enum Step {
    Receipt {
        op: Operation,
        lines: Vec<Line>,
        discount: i64,
        card_share: u8,
        extra_cash: i64,
        offline: bool,
    },
    Placement {
        kind: MoneyPlacementKind,
        sum: i64,
    },
    Close {
        withdraw: bool,
    },
    Wait(i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (prop::sample::select(Operation::ALL.to_vec()), prop::collection::vec(line(), 1..4), 0i64..50_000, 0u8..=100, 0i64..5_000, any::<bool>())
            .prop_map(|(op, lines, discount, card_share, extra_cash, offline)| Step::Receipt { op, lines, discount, card_share, extra_cash, offline }),
        2 => (prop::sample::select(MoneyPlacementKind::ALL.to_vec()), 1i64..10_000_000).prop_map(|(kind, sum)| Step::Placement { kind, sum }),
        1 => any::<bool>().prop_map(|withdraw| Step::Close { withdraw }),
        1 => (0i64..30 * 3600).prop_map(Step::Wait),
    ]
}

/// What the test expects of one shift, summed from the receipts themselves.
#[derive(Default)]
struct Expected {
    tickets: [(u32, i64); 4],
    payments: [[i64; 3]; 4],
    change: [i64; 4],
    placements: [(u32, i64); 2],
    revenue: i64,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn counters_add_up(steps in prop::collection::vec(step(), 1..60)) {
        let clock = ManualClock::new(Timestamp::from_secs(1_736_889_475));
        let mut book = ShiftBook::new();
        let mut expected = Expected::default();
        let mut cash = 0i64;
        let mut last_non_nullable = [Money::ZERO; 4];
        let check_report = |z: &ZxReport, expected: &Expected, cash: i64| -> Result<(), TestCaseError> {
            for t in &z.ticket_operations {
                let i = t.operation.index();
                prop_assert_eq!((t.tickets_count, t.tickets_sum.tiyn()), expected.tickets[i]);
                prop_assert_eq!(t.change_sum.tiyn(), expected.change[i]);
                for p in &t.payments {
                    prop_assert_eq!(p.sum.tiyn(), expected.payments[i][p.payment.index()]);
                }
                let by_type: i64 = t.payments.iter().map(|p| p.sum.tiyn()).sum();
                prop_assert_eq!(by_type, t.tickets_sum.tiyn());
                // Non-nullable at the end = at the start + this shift's receipts.
                let start = z.start_shift_non_nullable_sums.iter().find(|n| n.operation == t.operation).map(|n| n.sum.tiyn());
                let end = z.non_nullable_sums.iter().find(|n| n.operation == t.operation).map(|n| n.sum.tiyn());
                prop_assert_eq!(end, start.map(|s| s + t.tickets_sum.tiyn()));
            }
            for m in &z.money_placements {
                prop_assert_eq!((m.operations_count, m.operations_sum.tiyn()), expected.placements[m.operation.index()]);
            }
            let totals: i64 = z.total_result.iter().map(|o| o.sum.tiyn()).sum();
            prop_assert_eq!(totals, expected.tickets.iter().map(|t| t.1).sum::<i64>());
            prop_assert_eq!(z.revenue.signed().tiyn(), expected.revenue);
            prop_assert_eq!(z.cash_sum.tiyn(), cash);
            Ok(())
        };
        for step in steps {
            match step {
                Step::Receipt { op, lines, discount, card_share, extra_cash, offline } => {
                    let Some(request) = request(op, &lines, discount, None) else { continue };
                    let receipt = validate_paid(request, card_share, extra_cash).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    let before = book.clone();
                    match book.register_receipt(&receipt, offline, &clock) {
                        Ok(_) => {
                            let i = op.index();
                            expected.tickets[i].0 += 1;
                            expected.tickets[i].1 += receipt.total.tiyn();
                            for p in &receipt.payments {
                                expected.payments[i][p.kind.index()] += p.sum.tiyn();
                            }
                            expected.change[i] += receipt.change.tiyn();
                            let kept = receipt.payment(PaymentType::Cash).tiyn();
                            if op.is_income() { cash += kept; expected.revenue += receipt.total.tiyn(); } else { cash -= kept; expected.revenue -= receipt.total.tiyn(); }
                        }
                        Err(e) => {
                            prop_assert!(matches!(e.code().code(), 58 | 31), "unexpected {:?}", e);
                            prop_assert_eq!(&book, &before, "a refused receipt changed the book");
                        }
                    }
                }
                Step::Placement { kind, sum } => {
                    let before = book.clone();
                    let placement = MoneyPlacement { kind, sum: Money::from_tiyn(sum) };
                    match book.register_placement(&placement, false, &clock) {
                        Ok(_) => {
                            expected.placements[kind.index()].0 += 1;
                            expected.placements[kind.index()].1 += sum;
                            cash += if kind == MoneyPlacementKind::Deposit { sum } else { -sum };
                        }
                        Err(e) => {
                            prop_assert_eq!(e.code().code(), 58, "unexpected {:?}", e);
                            prop_assert_eq!(&book, &before);
                        }
                    }
                }
                Step::Close { withdraw } => {
                    if book.is_open() {
                        let closure = book.close_shift(&clock, CloseOptions { withdraw_cash: withdraw, offline: false }).map_err(|e| TestCaseError::fail(e.to_string()))?;
                        if let Some(w) = closure.withdrawn {
                            expected.placements[MoneyPlacementKind::Withdrawal.index()].0 += 1;
                            expected.placements[MoneyPlacementKind::Withdrawal.index()].1 += w.tiyn();
                            cash -= w.tiyn();
                        }
                        check_report(&closure.report, &expected, cash)?;
                        expected = Expected::default();
                    }
                }
                Step::Wait(secs) => clock.advance(secs),
            }
            // X at any step agrees with the model; non-nullable sums only grow.
            if book.is_open() {
                check_report(&book.x_report(&clock), &expected, cash)?;
            }
            prop_assert!(cash >= 0);
            prop_assert_eq!(book.cash_in_drawer().tiyn(), cash);
            for (now, before) in book.lifetime.non_nullable.iter().zip(&last_non_nullable) {
                prop_assert!(now >= before, "a non-nullable sum decreased");
            }
            last_non_nullable = book.lifetime.non_nullable;
        }
    }
}
