//! Z-report of a 10,000-receipt shift (bar: ≤ 50 ms, DESIGN.md §4).
//!
//! * `z_report/close_10k` — the Z itself: close a shift that already holds 10,000
//!   receipts (built from the incremental counters, independent of the receipt count).
//! * `z_report/apply_10k_and_close` — the baseline of the same run: counting all
//!   10,000 receipts into a fresh book and closing it (what a Z would cost if it
//!   recomputed from the journal instead of keeping counters).
//! * `z_report/apply_one` — the incremental cost per receipt.
//!
//! Run: `cargo bench -p kkm-core --bench z_report`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use kkm_core::*;
use serde_json::json;

const RECEIPTS: usize = 10_000;
const T0: i64 = 1_736_889_475;

/// A varied receipt: 1–5 lines over 8 sections, item taxes at 12% (or none), a
/// discount now and then, cash/card/mobile mixes.
fn receipt(n: usize) -> Receipt {
    let lines = 1 + n % 5;
    let items: Vec<_> = (0..lines)
        .map(|j| {
            let price = 100 + ((n * 7 + j * 13) % 5000) as i64;
            let quantity = 1 + (n + j) % 3;
            let mut item = json!({"type": 1, "commodity": {
                "name": format!("item {}", (n + j) % 200), "section_code": format!("{}", (n + j) % 8),
                "quantity": quantity, "price": price, "sum": price * quantity as i64, "measure_unit_code": "796",
                "taxes": if n.is_multiple_of(4) { json!([]) } else { json!([{"taxation_type": 101, "percent": 12, "is_in_total_sum": true}]) }
            }});
            if (n + j).is_multiple_of(6) {
                item["discount"] = json!({"name": "скидка", "sum": 10});
            }
            item
        })
        .collect();
    let body = json!({"operation": 2, "items": items});
    let mut request: TradeOperationRequest = serde_json::from_value(body).expect("valid body");
    let total = match validate_trade_operation(&request, &SaleContext::default()) {
        Err(CoreError::PaidLessThanTotal { total, .. }) => total,
        other => panic!("unexpected {other:?}"),
    };
    let payments = match n % 3 {
        0 => {
            json!([{"type": 0, "sum": JsonNumber::from_money(Money::from_tiyn(total.tiyn() + 5_000))}])
        }
        1 => json!([{"type": 1, "sum": JsonNumber::from_money(total)}]),
        _ => json!([{"type": 4, "sum": JsonNumber::from_money(Money::from_tiyn(total.tiyn() / 2))},
                    {"type": 0, "sum": JsonNumber::from_money(Money::from_tiyn(total.tiyn() - total.tiyn() / 2))}]),
    };
    request.payments = serde_json::from_value(payments).expect("payments");
    validate_trade_operation(&request, &SaleContext::default()).expect("valid receipt")
}

fn apply_all(receipts: &[Receipt], clock: &ManualClock) -> ShiftBook {
    let mut book = ShiftBook::new();
    book.register_placement(
        &MoneyPlacement::deposit(Money::from_tiyn(1_000_000)),
        false,
        clock,
    )
    .expect("deposit");
    for (n, r) in receipts.iter().enumerate() {
        book.register_receipt(r, n % 50 == 0, clock)
            .expect("receipt");
    }
    book
}

fn bench_z(c: &mut Criterion) {
    let receipts: Vec<Receipt> = (0..RECEIPTS).map(receipt).collect();
    let clock = ManualClock::new(Timestamp::from_secs(T0));
    let full = apply_all(&receipts, &clock);
    let z = full
        .clone()
        .close_shift(&clock, CloseOptions::default())
        .expect("Z")
        .report;
    assert_eq!(z.total_result[0].count as usize, RECEIPTS);

    let mut group = c.benchmark_group("z_report");
    group.bench_function("close_10k", |b| {
        b.iter_batched(
            || full.clone(),
            |mut book| {
                black_box(
                    book.close_shift(&clock, CloseOptions::default())
                        .expect("Z"),
                )
            },
            BatchSize::SmallInput,
        )
    });
    group.bench_function("z_to_cpcr_10k", |b| b.iter(|| black_box(z.to_cpcr())));
    group.sample_size(20);
    group.bench_function("apply_10k_and_close", |b| {
        b.iter(|| {
            let mut book = apply_all(black_box(&receipts), &clock);
            black_box(
                book.close_shift(&clock, CloseOptions::default())
                    .expect("Z"),
            )
        })
    });
    group.sample_size(100);
    group.bench_function("apply_one", |b| {
        b.iter_batched(
            || full.clone(),
            |mut book| {
                black_box(
                    book.register_receipt(&receipts[1], false, &clock)
                        .expect("receipt"),
                )
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_z);
criterion_main!(benches);
