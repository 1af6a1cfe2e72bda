//! The basket as a value type ([`Basket`], [`BasketItem`], [`BasketPayment`]) and its
//! mapping onto the register's sale draft ([`kkm_core::SaleDraft`]), field for field.
//! Money is integer tiyn (`i64`), quantities are thousandths (2 pcs = 2000, 1.5 kg =
//! 1500): no floats and no decimal text cross the boundary. Totals and every rule are
//! the register's ([`kkm_register::sale`]), the same code that makes the receipt.

use kkm_core::receipt::Modifier;
use kkm_core::{Money, Operation, PaymentType, SaleDraft, SaleLine, SalePayment, SaleTax};

use crate::KkmError;

/// ИС ЭСФ unit code of a piece (штука), the default `unit_code`.
pub const PIECE_UNIT_CODE: &str = kkm_register::sale::PIECE_UNIT_CODE;

/// A payment type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum PaymentKind {
    /// Cash (наличные): may exceed the total; the difference is the change.
    Cash,
    /// Bank card: may not exceed the total.
    Card,
    /// Mobile payment (Kaspi QR & co.).
    Mobile,
}

impl PaymentKind {
    pub(crate) fn of(p: PaymentType) -> PaymentKind {
        match p {
            PaymentType::Cash => PaymentKind::Cash,
            PaymentType::Card => PaymentKind::Card,
            PaymentType::Mobile => PaymentKind::Mobile,
        }
    }

    pub(crate) fn core(self) -> PaymentType {
        match self {
            PaymentKind::Cash => PaymentType::Cash,
            PaymentKind::Card => PaymentType::Card,
            PaymentKind::Mobile => PaymentType::Mobile,
        }
    }
}

/// One position of the basket.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BasketItem {
    /// Name printed on the receipt.
    pub name: String,
    /// Section (отдел) code, e.g. `"1"`.
    pub section: String,
    /// Unit price in tiyn (1 tenge = 100 tiyn).
    pub price_tiyn: i64,
    /// Quantity in thousandths: 1000 = 1 piece, 1500 = 1.5 kg.
    pub quantity_milli: i64,
    /// ИС ЭСФ unit code: `"796"` piece, `"166"` kg, …
    #[uniffi(default = "796")]
    pub unit_code: String,
    /// GTIN / EAN of the product, if known.
    #[uniffi(default = None)]
    pub barcode: Option<String>,
    /// The marking code of a marked good (GS1 DataMatrix, GS separators kept).
    #[uniffi(default = None)]
    pub excise_mark: Option<String>,
    /// Discount on this position, tiyn (0: none).
    #[uniffi(default = 0)]
    pub discount_tiyn: i64,
    /// VAT rate of this position in thousandths of a percent (12 % = 12000), included in
    /// the price, under the KKM's taxation regime; `None` for a seller who is not a VAT
    /// payer.
    #[uniffi(default = None)]
    pub vat_milli_percent: Option<i32>,
    /// Markup on this position, tiyn (0: none; not together with a discount).
    #[uniffi(default = 0)]
    pub markup_tiyn: i64,
    /// A marked good (from a catalogue product flagged `marked`): one piece, sold only
    /// with its `excise_mark` (the sale refuses it with 2, naming the line, until then).
    #[uniffi(default = false)]
    pub mark_required: bool,
}

/// One payment the customer makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct BasketPayment {
    /// How.
    pub kind: PaymentKind,
    /// Amount tendered, tiyn (cash: what the customer handed over).
    pub amount_tiyn: i64,
}

/// A receipt in the making: what the cashier collected and how the customer pays.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Basket {
    /// Positions, at least one.
    pub items: Vec<BasketItem>,
    /// Payments, at most one of each kind (empty while the basket is being filled).
    #[uniffi(default = [])]
    pub payments: Vec<BasketPayment>,
    /// Discount on the whole receipt, tiyn (0: none).
    #[uniffi(default = 0)]
    pub discount_tiyn: i64,
    /// ИИН/БИН of the buyer, when asked for.
    #[uniffi(default = None)]
    pub customer_iin_bin: Option<String>,
    /// Markup on the whole receipt, tiyn (0: none; not together with a discount).
    #[uniffi(default = 0)]
    pub markup_tiyn: i64,
}

/// A tax total of a basket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct TaxTotal {
    /// Rate in thousandths of a percent.
    pub milli_percent: i32,
    /// Tax in tiyn (included in the total).
    pub sum_tiyn: i64,
}

/// What the basket comes to, as the register computes it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BasketTotals {
    /// Σ price × quantity of the positions, tiyn.
    pub subtotal_tiyn: i64,
    /// Position and receipt discounts together, tiyn.
    pub discount_tiyn: i64,
    /// What the customer owes, tiyn.
    pub total_tiyn: i64,
    /// Net sum of each position after its modifiers and its share of the receipt's,
    /// in basket order, tiyn.
    pub line_totals_tiyn: Vec<i64>,
    /// VAT by rate.
    pub taxes: Vec<TaxTotal>,
    /// Σ payments tendered, tiyn.
    pub paid_tiyn: i64,
    /// Still to pay (0 when paid in full), tiyn.
    pub due_tiyn: i64,
    /// Change to give back in cash (only cash gives change), tiyn.
    pub change_tiyn: i64,
    /// Position and receipt markups together, tiyn.
    pub markup_tiyn: i64,
}

/// A discount or markup of `tiyn` named as the register names the cashier's (0: none).
fn modifier(tiyn: i64, name: &str) -> Option<Modifier> {
    kkm_register::basket::modifier((tiyn != 0).then(|| Money::from_tiyn(tiyn)), name)
}

fn tiyn(m: Option<&Modifier>) -> i64 {
    m.map_or(0, |m| m.sum.tiyn())
}

fn milli_i32(v: impl TryInto<i32>) -> i32 {
    v.try_into().unwrap_or(i32::MAX)
}

/// The draft line of a basket item.
pub(crate) fn line_of(item: &BasketItem) -> SaleLine {
    let unit = if item.unit_code.trim().is_empty() {
        PIECE_UNIT_CODE
    } else {
        item.unit_code.as_str()
    };
    let mut line = SaleLine::new(
        item.name.clone(),
        item.section.clone(),
        unit,
        Money::from_tiyn(item.price_tiyn),
        item.quantity_milli,
    );
    // The regime is the KKM's: the register fills it in.
    line.taxes = item
        .vat_milli_percent
        .map(|rate| SaleTax {
            taxation_type: None,
            percent_milli: i64::from(rate),
            included: true,
        })
        .into_iter()
        .collect();
    line.discount = modifier(item.discount_tiyn, kkm_register::basket::DISCOUNT_NAME);
    line.markup = modifier(item.markup_tiyn, kkm_register::basket::MARKUP_NAME);
    line.barcode = item.barcode.clone();
    line.excise_stamp = item.excise_mark.clone();
    line.mark_required = item.mark_required;
    line
}

/// The basket item of a draft line (its first tax rate is its VAT).
pub(crate) fn item_of(line: &SaleLine) -> BasketItem {
    BasketItem {
        name: line.name.clone(),
        section: line.section_code.clone(),
        price_tiyn: line.price.tiyn(),
        quantity_milli: line.quantity_milli,
        unit_code: line.measure_unit_code.clone(),
        barcode: line.barcode.clone(),
        excise_mark: line.excise_stamp.clone(),
        discount_tiyn: tiyn(line.discount.as_ref()),
        vat_milli_percent: line.taxes.first().map(|t| milli_i32(t.percent_milli)),
        markup_tiyn: tiyn(line.markup.as_ref()),
        mark_required: line.mark_required,
    }
}

/// The draft of a basket for `operation` (a return names its original).
pub(crate) fn draft_of(
    operation: Operation,
    basket: &Basket,
    parent_fiscal_id: Option<String>,
) -> SaleDraft {
    let mut draft = SaleDraft::new(operation, basket.items.iter().map(line_of).collect());
    draft.payments = basket
        .payments
        .iter()
        .map(|p| SalePayment {
            kind: p.kind.core(),
            amount: Money::from_tiyn(p.amount_tiyn),
        })
        .collect();
    draft.discount = modifier(basket.discount_tiyn, kkm_register::basket::DISCOUNT_NAME);
    draft.markup = modifier(basket.markup_tiyn, kkm_register::basket::MARKUP_NAME);
    draft.customer_iin_or_bin = basket.customer_iin_bin.clone();
    draft.parent = parent_fiscal_id.map(|fiscal_id| kkm_core::ParentRef {
        fiscal_id,
        ..kkm_core::ParentRef::default()
    });
    draft
}

/// The basket of a draft (a receipt found for a return).
pub(crate) fn basket_of(draft: &SaleDraft) -> Basket {
    Basket {
        items: draft.lines.iter().map(item_of).collect(),
        payments: draft
            .payments
            .iter()
            .map(|p| BasketPayment {
                kind: PaymentKind::of(p.kind),
                amount_tiyn: p.amount.tiyn(),
            })
            .collect(),
        discount_tiyn: tiyn(draft.discount.as_ref()),
        customer_iin_bin: draft.customer_iin_or_bin.clone(),
        markup_tiyn: tiyn(draft.markup.as_ref()),
    }
}

/// The sum, in tiyn, of a discount or markup of `milli_percent` thousandths of a percent
/// (5 % = 5000) on the whole of `basket`: that percent of what its lines come to after
/// their own discounts and markups, half up ([`kkm_register::sale::receipt_percent_sum`],
/// the console till's too). `Rejected` 2 for a percent outside 0–100 or a basket the
/// sale would refuse. Not blocking.
#[uniffi::export]
pub fn receipt_percent_tiyn(basket: Basket, milli_percent: i32) -> Result<i64, KkmError> {
    let percent = crate::catalogue::percent("milli_percent", milli_percent)?;
    let draft = draft_of(Operation::Sell, &basket, None);
    Ok(kkm_register::sale::receipt_percent_sum(&draft, percent)?.tiyn())
}

/// What a basket comes to: subtotal, discounts and markups, total, VAT, and — from the
/// payments entered so far — what is still due and the change. The register's own
/// computation, so a basket the sale would refuse (a negative quantity, a discount
/// above the sum, a duplicate mark…) is `Rejected` with the code the sale would get.
///
/// Not blocking (microseconds): fine on the main thread.
#[uniffi::export]
pub fn basket_totals(basket: Basket) -> Result<BasketTotals, KkmError> {
    let t = kkm_register::sale::basket_totals(&draft_of(Operation::Sell, &basket, None))?;
    Ok(totals_of(&t))
}

/// The FFI's totals of the register's.
pub(crate) fn totals_of(t: &kkm_register::sale::BasketTotals) -> BasketTotals {
    BasketTotals {
        subtotal_tiyn: t.subtotal.tiyn(),
        discount_tiyn: t.discount.tiyn(),
        total_tiyn: t.total.tiyn(),
        line_totals_tiyn: t.line_totals.iter().map(|m| m.tiyn()).collect(),
        taxes: t
            .taxes
            .iter()
            .map(|r| TaxTotal {
                milli_percent: milli_i32(r.percent.thousandths()),
                sum_tiyn: r.sum.tiyn(),
            })
            .collect(),
        paid_tiyn: t.paid.tiyn(),
        due_tiyn: t.due.tiyn(),
        change_tiyn: t.change.tiyn(),
        markup_tiyn: t.markup.tiyn(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(price: i64, qty: i64) -> BasketItem {
        BasketItem {
            name: "Хлеб".into(),
            section: "1".into(),
            price_tiyn: price,
            quantity_milli: qty,
            unit_code: PIECE_UNIT_CODE.into(),
            barcode: None,
            excise_mark: None,
            discount_tiyn: 0,
            vat_milli_percent: Some(12_000),
            markup_tiyn: 0,
            mark_required: false,
        }
    }

    #[test]
    fn a_basket_maps_to_its_draft_and_back() {
        let basket = Basket {
            items: vec![
                BasketItem {
                    discount_tiyn: 100,
                    excise_mark: Some("0104600000000016215abc".into()),
                    ..item(150_050, 2000)
                },
                BasketItem {
                    markup_tiyn: 50,
                    vat_milli_percent: None,
                    ..item(99_900, 1500)
                },
            ],
            payments: vec![BasketPayment {
                kind: PaymentKind::Mobile,
                amount_tiyn: 10,
            }],
            discount_tiyn: 0,
            customer_iin_bin: Some("123456789012".into()),
            markup_tiyn: 7,
        };
        assert_eq!(basket_of(&draft_of(Operation::Sell, &basket, None)), basket);
    }

    /// Two lines (2 × 1500.50 and 1.5 × 999.00) and a 1.00 receipt discount.
    fn bread_and_cheese() -> Basket {
        Basket {
            items: vec![item(150_050, 2000), item(99_900, 1500)],
            payments: vec![],
            discount_tiyn: 100,
            customer_iin_bin: None,
            markup_tiyn: 0,
        }
    }

    #[test]
    fn totals_and_the_code_of_a_bad_basket() {
        let b = bread_and_cheese();
        let t = basket_totals(b.clone()).expect("totals");
        assert_eq!(t.total_tiyn, 300_100 + 149_850 - 100);
        assert_eq!(t.due_tiyn, t.total_tiyn);
        let bad = Basket {
            items: vec![item(1000, -1000)],
            ..b
        };
        assert_eq!(basket_totals(bad).expect_err("negative").code(), 47);
    }

    #[test]
    fn a_receipt_percent_and_the_pack_a_code_goes_onto_are_the_registers() {
        let b = bread_and_cheese();
        // 10 % of 3001.00 + 1498.50 (the receipt's own discount left out), half up.
        assert_eq!(
            receipt_percent_tiyn(b.clone(), 10_000).expect("10 %"),
            44_995
        );
        for bad in [-1, 100_001] {
            assert_eq!(
                receipt_percent_tiyn(b.clone(), bad)
                    .expect_err("range")
                    .code(),
                2
            );
        }
    }
}
