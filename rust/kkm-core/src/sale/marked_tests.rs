//! A line of a marked good: one piece, priced while its mark is still to come, sold only
//! with it.

use super::*;

fn cigarettes() -> SaleLine {
    let mut line = SaleLine::new(
        "Сигареты",
        "1",
        "796",
        Money::from_tiyn(90_000),
        PIECE_MILLI,
    );
    line.mark_required = true;
    line
}

fn paid(lines: Vec<SaleLine>, tiyn: i64) -> SaleDraft {
    let mut draft = SaleDraft::new(Operation::Sell, lines);
    draft.payments = vec![SalePayment {
        kind: PaymentType::Cash,
        amount: Money::from_tiyn(tiyn),
    }];
    draft
}

fn refusal(draft: &SaleDraft) -> (u16, String) {
    let e = draft
        .validate(&SaleContext::default())
        .expect_err("the sale must be refused");
    (e.code().code(), e.to_string())
}

#[test]
fn a_marked_line_is_priced_while_its_mark_is_to_come_but_not_sold() {
    let plain = SaleLine::new(
        "Хлеб",
        "1",
        "796",
        Money::from_tiyn(20_000),
        2 * PIECE_MILLI,
    );
    let draft = paid(vec![plain, cigarettes()], 130_000);
    assert!(draft.lines[1].awaits_mark());
    assert_eq!(
        draft.price().expect("priced").total,
        Money::from_tiyn(130_000)
    );
    let (code, text) = refusal(&draft);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("items[1].commodity.excise_stamp"),
        "names the line: {text}"
    );

    let mut marked = draft.clone();
    marked.lines[1].excise_stamp = Some("0104870000000012215ABC".into());
    assert!(!marked.lines[1].awaits_mark());
    let receipt = marked
        .validate(&SaleContext::default())
        .expect("sold with its mark");
    assert_eq!(receipt.total, Money::from_tiyn(130_000));

    // An empty mark is no mark.
    let mut empty = draft;
    empty.lines[1].excise_stamp = Some(String::new());
    assert!(empty.lines[1].awaits_mark());
}

#[test]
fn a_marked_line_is_one_piece() {
    for quantity in [2 * PIECE_MILLI, 500, 1500] {
        let mut line = cigarettes();
        line.quantity_milli = quantity;
        line.excise_stamp = Some("mark".into());
        let draft = paid(vec![line], 1_000_000);
        let e = draft.price().expect_err("more than a piece per mark");
        assert_eq!(e.code().code(), 2);
        assert!(e.to_string().contains("items[0].commodity.quantity"), "{e}");
    }
}

#[test]
fn the_flag_is_not_written_when_false_and_old_json_reads_as_false() {
    let plain = SaleLine::new("Хлеб", "1", "796", Money::from_tiyn(20_000), PIECE_MILLI);
    let json = serde_json::to_value(&plain).expect("json");
    assert!(json.get("mark_required").is_none(), "{json}");
    let back: SaleLine = serde_json::from_value(json).expect("old form reads");
    assert!(!back.mark_required);
    let marked = serde_json::to_value(cigarettes()).expect("json");
    assert_eq!(marked["mark_required"], true);
}
