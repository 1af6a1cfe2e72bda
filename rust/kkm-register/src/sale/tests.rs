use super::*;
use kkm_core::{Operation, PaymentType, SaleContext};

fn milk() -> Product {
    Product {
        code: 2,
        group_code: "7".into(),
        barcode: "4600000000016".into(),
        name: "Сүт".into(),
        price: Money::from_tiyn(42_050),
        discount: Percent::from_thousandths(5000).unwrap_or_default(),
        markup: Percent::default(),
        vat: Percent::from_thousandths(12_000).unwrap_or_default(),
        editable_price: false,
        marked: false,
    }
}

#[test]
fn a_marked_good_is_one_line_per_piece_each_waiting_for_its_code() {
    let cigarettes = Product {
        marked: true,
        discount: Percent::default(),
        ..milk()
    };
    let lines = catalogue_lines(&cigarettes, 3000, None).expect("three pieces");
    assert_eq!(lines.len(), 3);
    assert!(lines
        .iter()
        .all(|l| l.quantity_milli == 1000 && l.awaits_mark()));
    for bad in [0, 1500, -1000] {
        let err = catalogue_lines(&cigarettes, bad, None).expect_err("not whole pieces");
        assert_eq!(err.code(), ErrorCode::InvalidFields);
    }
    assert_eq!(
        catalogue_lines(&milk(), 1500, None).expect("milk").len(),
        1,
        "an unmarked good is one line"
    );

    let mut draft = SaleDraft::new(Operation::Sell, lines);
    draft
        .lines
        .insert(0, catalogue_line(&milk(), 1000, None).expect("milk"));
    assert_eq!(lines_awaiting_marks(&draft), vec![1, 2, 3]);
    // Priced while the codes are to come …
    let totals = basket_totals(&draft).expect("priced");
    assert_eq!(totals.line_totals.len(), 4);
    draft.payments = vec![SalePayment {
        kind: PaymentType::Cash,
        amount: totals.total,
    }];
    // … not sold.
    let err = draft
        .validate(&SaleContext::default())
        .expect_err("codes missing");
    assert!(
        err.to_string().contains("items[1].commodity.excise_stamp"),
        "{err}"
    );
    for (i, line) in draft.lines.iter_mut().enumerate().skip(1) {
        line.excise_stamp = Some(format!("0104600000000015215MARK{i}"));
    }
    assert!(lines_awaiting_marks(&draft).is_empty());
    draft
        .validate(&SaleContext::default())
        .expect("sold with its codes");
}

#[test]
fn a_code_goes_onto_the_oldest_waiting_pack_else_a_plain_piece() {
    let marked = Product {
        marked: true,
        ..milk()
    };
    let mut lines = catalogue_lines(&marked, 2000, None).expect("two packs");
    let code = milk().barcode;
    assert_eq!(mark_target(&lines, &code), Some(0));
    lines[0].excise_stamp = Some("a".into());
    assert_eq!(mark_target(&lines, &code), Some(1));
    lines[1].excise_stamp = Some("b".into());
    assert_eq!(mark_target(&lines, &code), None, "a new pack");
    assert_eq!(mark_target(&lines, "other"), None);
    // An unflagged product: its last single piece without a code.
    let plain = vec![
        catalogue_line(&milk(), 1000, None).expect("line"),
        catalogue_line(&milk(), 2000, None).expect("line"),
        catalogue_line(&milk(), 1000, None).expect("line"),
    ];
    assert_eq!(mark_target(&plain, &code), Some(2));
    assert_eq!(mark_target(&plain[..2], &code), Some(0));
}

#[test]
fn a_receipt_percent_is_of_the_lines_after_their_own_modifiers() {
    // 3 × 420.50 − 63.08 = 1198.42; 5 % = 59.921 → 59.92; 2.5 % = 29.9605 → 29.96.
    let mut draft = SaleDraft::new(
        Operation::Sell,
        vec![catalogue_line(&milk(), 3000, None).expect("line")],
    );
    draft.discount = Some(Modifier {
        name: String::new(),
        sum: Money::from_tiyn(50_000),
        auxiliary: Vec::new(),
    });
    let p = |t| Percent::from_thousandths(t).unwrap_or_default();
    assert_eq!(
        receipt_percent_sum(&draft, p(5_000)).expect("5 %").tiyn(),
        5_992
    );
    assert_eq!(
        receipt_percent_sum(&draft, p(2_500)).expect("2.5 %").tiyn(),
        2_996
    );
    assert_eq!(
        receipt_percent_sum(&draft, p(100_000))
            .expect("100 %")
            .tiyn(),
        119_842
    );
    let empty = SaleDraft::new(Operation::Sell, Vec::new());
    assert!(receipt_percent_sum(&empty, p(5_000)).is_err());
}

#[test]
fn a_product_becomes_a_line_with_its_section_discount_and_vat() {
    // 3 × 420.50 = 1261.50; 5 % = 63.075 → 63.08 (half up).
    let line = catalogue_line(&milk(), 3000, None).expect("line");
    assert_eq!(line.section_code, "7");
    assert_eq!(line.discount.as_ref().map(|d| d.sum.tiyn()), Some(6_308));
    assert_eq!(line.markup, None);
    assert_eq!(line.taxes[0].percent_milli, 12_000);
    assert_eq!(line.barcode.as_deref(), Some("4600000000016"));
}

#[test]
fn a_markup_is_applied_and_nets_with_a_discount() {
    let ten = Percent::from_thousandths(10_000).unwrap_or_default();
    let marked = Product {
        discount: Percent::default(),
        markup: ten,
        ..milk()
    };
    let line = catalogue_line(&marked, 1000, None).expect("line");
    assert_eq!(line.markup.as_ref().map(|m| m.sum.tiyn()), Some(4_205));
    let both = Product {
        markup: ten,
        ..milk()
    };
    // 10 % − 5 % of 420.50: 42.05 − 21.03 = 21.02 markup.
    let line = catalogue_line(&both, 1000, None).expect("line");
    assert_eq!(line.markup.as_ref().map(|m| m.sum.tiyn()), Some(2_102));
    assert_eq!(line.discount, None);
}

#[test]
fn only_an_editable_price_is_changed() {
    let err = catalogue_line(&milk(), 1000, Some(Money::from_tiyn(1))).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidFields);
    let free = Product {
        editable_price: true,
        ..milk()
    };
    let line = catalogue_line(&free, 1000, Some(Money::from_tiyn(50_000))).expect("line");
    assert_eq!(line.price.tiyn(), 50_000);
    let blank = Product {
        group_code: " ".into(),
        ..milk()
    };
    assert_eq!(
        catalogue_line(&blank, 1000, None)
            .expect("line")
            .section_code,
        DEFAULT_SECTION
    );
}

fn basket() -> SaleDraft {
    let mut d = SaleDraft::new(
        Operation::Sell,
        vec![
            SaleLine::new("Хлеб", "1", "796", Money::from_tiyn(150_050), 2000),
            SaleLine::new("Сыр", "1", "166", Money::from_tiyn(99_900), 1500),
        ],
    );
    d.discount = Some(Modifier {
        name: String::new(),
        sum: Money::from_tiyn(100),
        auxiliary: Vec::new(),
    });
    d
}

#[test]
fn totals_before_and_after_payment() {
    let mut d = basket();
    let t = basket_totals(&d).expect("totals");
    assert_eq!(t.subtotal.tiyn(), 300_100 + 149_850);
    assert_eq!(t.total.tiyn(), 300_100 + 149_850 - 100);
    assert_eq!(t.discount.tiyn(), 100);
    assert_eq!(t.due, t.total);
    assert_eq!(
        t.line_totals.iter().copied().sum::<Money>(),
        t.total,
        "lines add up to the total"
    );
    d.payments = vec![
        SalePayment {
            kind: PaymentType::Card,
            amount: Money::from_tiyn(400_000),
        },
        SalePayment {
            kind: PaymentType::Cash,
            amount: Money::from_tiyn(100_000),
        },
    ];
    let t = basket_totals(&d).expect("totals");
    assert_eq!(t.due, Money::ZERO);
    assert_eq!(t.change.tiyn(), 500_000 - t.total.tiyn());
    // The receipt agrees with the screen.
    let receipt = d.validate(&SaleContext::default()).expect("receipt");
    assert_eq!(receipt.total, t.total);
    assert_eq!(receipt.change, t.change);
}

#[test]
fn a_bad_basket_gets_the_code_of_the_sale() {
    let mut d = basket();
    d.lines[0].quantity_milli = -1000;
    assert_eq!(
        basket_totals(&d).unwrap_err().code(),
        ErrorCode::ItemQuantityIsIncorrect
    );
    let empty = SaleDraft::new(Operation::Sell, Vec::new());
    assert_eq!(
        basket_totals(&empty).unwrap_err().code(),
        ErrorCode::ItemsListIsEmpty
    );
    let mut twice = basket();
    twice.payments = vec![
        SalePayment {
            kind: PaymentType::Cash,
            amount: Money::from_tiyn(1),
        };
        2
    ];
    // The sale's own code for two payments of one type (the FFI used to answer 2).
    assert_eq!(
        basket_totals(&twice).unwrap_err().code(),
        ErrorCode::PaymentTypeIsIncorrect
    );
}

#[test]
fn the_regime_fills_only_taxes_without_one() {
    let mut d = SaleDraft::new(
        Operation::Sell,
        vec![catalogue_line(&milk(), 1000, None).expect("line")],
    );
    d.lines.push(d.lines[0].clone());
    d.lines[1].taxes[0].taxation_type = Some(TaxationType::from_code(100).expect("100"));
    apply_regime(&mut d, TaxationType::from_code(102));
    assert_eq!(
        d.lines[0].taxes[0].taxation_type.map(|t| t.code()),
        Some(102)
    );
    assert_eq!(
        d.lines[1].taxes[0].taxation_type.map(|t| t.code()),
        Some(100)
    );
}

#[test]
fn a_receipt_comes_back_as_its_draft() {
    let mut d = basket();
    d.lines
        .push(catalogue_line(&milk(), 2000, None).expect("line"));
    d.lines[2].excise_stamp = Some("010460000000001521abc".into());
    d.payments = vec![SalePayment {
        kind: PaymentType::Cash,
        amount: Money::from_tiyn(1_000_000),
    }];
    let receipt = d.validate(&SaleContext::default()).expect("receipt");
    let again = draft_of_receipt(&receipt);
    let receipt2 = again.validate(&SaleContext::default()).expect("receipt");
    assert_eq!(receipt2.lines, receipt.lines);
    assert_eq!(receipt2.total, receipt.total);
    assert_eq!(receipt2.change, Money::ZERO, "the payments are those kept");
}

fn found(draft: &SaleDraft, basis: &kkm_core::ReturnBasis) -> FoundReceipt {
    FoundReceipt {
        fiscal_id: basis.parent.fiscal_id.clone(),
        operation: draft.operation,
        shift_number: 1,
        document_number: 1,
        at: kkm_core::Timestamp::from_secs(0),
        offline: false,
        total: basis.parent.total,
        returnable: basis.remaining_total(),
        draft: draft_of_receipt(
            &draft
                .validate(&SaleContext::default())
                .expect("the original"),
        ),
        returnable_lines: basis.lines.clone(),
        sold_marks: basis.sold_marks.clone(),
        returned_marks: basis.returned_marks.clone(),
    }
}

const MARK: &str = "0104870204390513215ZxKq9aBcDeFg\u{1d}93AbCd";

/// A sale of 2 breads with a line discount, a cheese, a marked pack, 1.00 off the
/// receipt, paid in cash; and the basis of its returns.
fn sold() -> (SaleDraft, Receipt, kkm_core::ReturnBasis) {
    let mut d = basket();
    d.lines[0].discount = Some(Modifier {
        name: String::new(),
        sum: Money::from_tiyn(1_001),
        auxiliary: Vec::new(),
    });
    let mut pack = SaleLine::new("Сигареты", "2", "796", Money::from_tiyn(120_000), 1000);
    pack.excise_stamp = Some(MARK.into());
    d.lines.push(pack);
    d.payments = vec![SalePayment {
        kind: PaymentType::Cash,
        amount: Money::from_tiyn(1_000_000),
    }];
    let receipt = d.validate(&SaleContext::default()).expect("sale");
    let parent = kkm_core::ParentTicket {
        fiscal_id: "123456".into(),
        date_time: kkm_core::Timestamp::from_secs(0),
        kgd_kkm_id: "600400123456".into(),
        total: receipt.total,
        is_offline: false,
    };
    let basis = kkm_core::ReturnBasis::new(parent, &receipt);
    (d, receipt, basis)
}

fn refund(draft: &SaleDraft, basis: &kkm_core::ReturnBasis) -> Result<Receipt, ErrorCode> {
    let mut draft = draft.clone();
    let total = basket_totals(&draft).map_err(|e| e.code())?.total;
    draft.payments = vec![SalePayment {
        kind: PaymentType::Cash,
        amount: total,
    }];
    let context = SaleContext {
        return_basis: Some(basis),
        ..SaleContext::default()
    };
    draft.validate(&context).map_err(|e| e.code())
}

#[test]
fn a_whole_return_gives_back_exactly_what_was_paid() {
    let (d, receipt, basis) = sold();
    let found = found(&d, &basis);
    let q = returnable_quantities(&found);
    assert_eq!(q, vec![2000, 1500, 1000]);
    let ret = return_draft(&found, &q);
    assert_eq!(ret.operation, Operation::SellReturn);
    assert_eq!(
        ret.parent.as_ref().map(|p| p.fiscal_id.as_str()),
        Some("123456")
    );
    assert!(ret.payments.is_empty());
    let back = refund(&ret, &basis).expect("the return");
    assert_eq!(back.total, receipt.total);
    assert_eq!(back.lines[2].commodity.excise_stamp.as_deref(), Some(MARK));
}

#[test]
fn a_part_returns_its_share_of_the_discounts_and_never_more_than_paid() {
    let (d, receipt, mut basis) = sold();
    // One bread of two: half of 10.01 is 5.005 → 5.01 (a discount's share rounds up).
    let found1 = found(&d, &basis);
    let ret = return_draft(&found1, &[1000, 0, 0]);
    assert_eq!(ret.lines.len(), 1);
    assert_eq!(
        ret.lines[0].discount.as_ref().map(|m| m.sum.tiyn()),
        Some(501)
    );
    assert!(
        ret.discount.is_some(),
        "its share of the receipt's discount"
    );
    let first = refund(&ret, &basis).expect("part return");
    assert!(first.total < receipt.total);
    basis.record_return(&first);
    // What is left: the other bread, the cheese and the pack; the sum of both
    // returns is at most the original's.
    let found2 = found(&d, &basis);
    let q = returnable_quantities(&found2);
    assert_eq!(q, vec![1000, 1500, 1000]);
    let rest = refund(&return_draft(&found2, &q), &basis).expect("the rest");
    assert!(first.total.saturating_add(rest.total) <= receipt.total);
    basis.record_return(&rest);
    // Nothing is left, and the returned mark is not offered again.
    let found3 = found(&d, &basis);
    assert_eq!(returnable_quantities(&found3), vec![0, 0, 0]);
}

#[test]
fn more_than_is_left_is_the_return_rules_refusal() {
    let (d, _, basis) = sold();
    let found = found(&d, &basis);
    let ret = return_draft(&found, &[3000, 0, 0]);
    assert_eq!(
        refund(&ret, &basis).unwrap_err(),
        ErrorCode::ItemQuantityIsIncorrect
    );
}
