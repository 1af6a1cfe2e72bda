//! The basket as a value type ([`Basket`], [`BasketItem`], [`BasketPayment`]) and its
//! translation to the register's `TradeOperation` request. Money is integer tiyn
//! (`i64`), quantities are thousandths (2 pcs = 2000, 1.5 kg = 1500): no floats cross
//! the boundary. Totals are computed by the fiscal core itself ([`basket_totals`]), the
//! same code that validates the sale, so the screen never disagrees with the receipt.

use kkm_core::request::{
    AmountsRequest, CommodityRequest, DomainRequest, ItemRequest, ModifierRequest,
    ParentTicketRequest, PaymentRequest, TaxRequest,
};
use kkm_core::{
    validate_trade_operation, JsonNumber, Money, Operation, Quantity, SaleContext,
    TradeOperationRequest,
};

use crate::KkmError;

/// ИС ЭСФ unit code of a piece (штука), the default `unit_code`.
pub const PIECE_UNIT_CODE: &str = "796";

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
    fn code(self) -> i64 {
        match self {
            PaymentKind::Cash => 0,
            PaymentKind::Card => 1,
            PaymentKind::Mobile => 4,
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
    /// the price; `None` for a seller who is not a VAT payer.
    #[uniffi(default = None)]
    pub vat_milli_percent: Option<i32>,
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
}

/// A tax total of a basket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct TaxTotal {
    /// Rate in thousandths of a percent.
    pub milli_percent: i32,
    /// Tax in tiyn (included in the total).
    pub sum_tiyn: i64,
}

/// What the basket comes to, as the fiscal core computes it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BasketTotals {
    /// Σ price × quantity of the positions, tiyn.
    pub subtotal_tiyn: i64,
    /// Position and receipt discounts together, tiyn.
    pub discount_tiyn: i64,
    /// What the customer owes, tiyn.
    pub total_tiyn: i64,
    /// Net sum of each position after its discount and its share of the receipt
    /// discount, in basket order, tiyn.
    pub line_totals_tiyn: Vec<i64>,
    /// VAT by rate.
    pub taxes: Vec<TaxTotal>,
    /// Σ payments tendered, tiyn.
    pub paid_tiyn: i64,
    /// Still to pay (0 when paid in full), tiyn.
    pub due_tiyn: i64,
    /// Change to give back in cash (only cash gives change), tiyn.
    pub change_tiyn: i64,
}

/// A JSON number in tenge for an amount in tiyn (exact).
pub(crate) fn tenge(tiyn: i64) -> JsonNumber {
    JsonNumber::from_money(Money::from_tiyn(tiyn))
}

/// A JSON number for a quantity in thousandths (`1500` → `1.5`).
pub(crate) fn quantity(milli: i64) -> JsonNumber {
    let sign = if milli < 0 { "-" } else { "" };
    let abs = milli.unsigned_abs();
    let (whole, fraction) = (abs / 1000, abs % 1000);
    if fraction == 0 {
        JsonNumber::new(format!("{sign}{whole}"))
    } else {
        let fraction = format!("{fraction:03}");
        JsonNumber::new(format!("{sign}{whole}.{}", fraction.trim_end_matches('0')))
    }
}

/// `price × quantity`, rounded as the core rounds; for values the core will refuse
/// anyway (negative, overflowing), the naive product so that it reports its own code.
fn line_sum(item: &BasketItem) -> i64 {
    match u64::try_from(item.quantity_milli) {
        Ok(q) if item.price_tiyn >= 0 => Money::from_tiyn(item.price_tiyn)
            .times(Quantity::from_thousandths(q))
            .map_or(i64::MAX, Money::tiyn),
        _ => item
            .price_tiyn
            .saturating_mul(item.quantity_milli)
            .saturating_div(1000),
    }
}

fn modifier(tiyn: i64) -> Option<ModifierRequest> {
    (tiyn != 0).then(|| ModifierRequest {
        sum: Some(tenge(tiyn)),
        ..ModifierRequest::default()
    })
}

/// The `TradeOperation` request of a basket.
pub(crate) fn trade_request(
    kkm_ofd_id: i64,
    operation: Operation,
    basket: &Basket,
    parent_fiscal_id: Option<String>,
) -> TradeOperationRequest {
    let items = basket
        .items
        .iter()
        .map(|item| ItemRequest {
            kind: Some(1),
            commodity: Some(CommodityRequest {
                name: Some(item.name.clone()),
                section_code: Some(item.section.clone()),
                quantity: Some(quantity(item.quantity_milli)),
                price: Some(tenge(item.price_tiyn)),
                sum: Some(tenge(line_sum(item))),
                taxes: item.vat_milli_percent.map(|rate| {
                    vec![TaxRequest {
                        // 101 = RTS, the general regime of VAT payers, as in the seed's
                        // example; the percent in percent, as the API writes it.
                        taxation_type: Some(101),
                        percent: Some(quantity(i64::from(rate))),
                        sum: None,
                        is_in_total_sum: Some(true),
                    }]
                }),
                excise_stamp: item.excise_mark.clone(),
                barcode: item.barcode.clone(),
                measure_unit_code: Some(if item.unit_code.trim().is_empty() {
                    PIECE_UNIT_CODE.to_owned()
                } else {
                    item.unit_code.clone()
                }),
                ..CommodityRequest::default()
            }),
            discount: modifier(item.discount_tiyn),
            markup: None,
        })
        .collect();
    let payments = basket
        .payments
        .iter()
        .map(|p| PaymentRequest {
            kind: Some(p.kind.code()),
            sum: Some(tenge(p.amount_tiyn)),
        })
        .collect();
    TradeOperationRequest {
        kkm_ofd_id: Some(kkm_ofd_id),
        operation: Some(i64::from(operation.code())),
        domain: Some(DomainRequest {
            kind: Some(0),
            ..DomainRequest::default()
        }),
        items: Some(items),
        payments: Some(payments),
        amounts: Some(AmountsRequest {
            discount: modifier(basket.discount_tiyn),
            ..AmountsRequest::default()
        }),
        customer_iin_or_bin: basket.customer_iin_bin.clone(),
        parent_ticket: parent_fiscal_id.map(|fiscal_id| ParentTicketRequest {
            fiscal_id: Some(fiscal_id),
            ..ParentTicketRequest::default()
        }),
        ..TradeOperationRequest::default()
    }
}

/// What a basket comes to: subtotal, discounts, total, VAT, and — from the payments
/// entered so far — what is still due and the change. Computed by the fiscal core's
/// own validation, so a basket it refuses (a negative quantity, a discount above the
/// sum, a duplicate mark…) is `Rejected` with the code the sale would get.
///
/// Not blocking (microseconds): fine on the main thread.
#[uniffi::export]
pub fn basket_totals(basket: Basket) -> Result<BasketTotals, KkmError> {
    // Validate the positions with one cash payment large enough for any total, so that
    // totals show before the customer pays; the payments entered are added up below.
    let mut probe = basket.clone();
    let bound = basket
        .items
        .iter()
        .map(|i| line_sum(i).saturating_abs().saturating_add(1))
        .fold(1i64, i64::saturating_add);
    probe.payments = vec![BasketPayment {
        kind: PaymentKind::Cash,
        amount_tiyn: bound,
    }];
    let request = trade_request(0, Operation::Sell, &probe, None);
    let receipt = validate_trade_operation(&request, &SaleContext::default())?;

    let subtotal: i64 = receipt
        .lines
        .iter()
        .map(|l| l.commodity.sum.tiyn())
        .fold(0, i64::saturating_add);
    let total = receipt.total.tiyn();
    let mut seen = Vec::new();
    let (mut paid, mut cash) = (0i64, 0i64);
    for p in &basket.payments {
        if p.amount_tiyn < 0 {
            return Err(KkmError::rejected(
                kkm_core::ErrorCode::MoneyValueIsNegative,
                format!("the {:?} payment is negative", p.kind),
            ));
        }
        if seen.contains(&p.kind) {
            return Err(KkmError::rejected(
                kkm_core::ErrorCode::InvalidFields,
                format!("two {:?} payments: at most one of each kind", p.kind),
            ));
        }
        seen.push(p.kind);
        paid = paid.saturating_add(p.amount_tiyn);
        if p.kind == PaymentKind::Cash {
            cash = p.amount_tiyn;
        }
    }
    let over = paid.saturating_sub(total).max(0);
    Ok(BasketTotals {
        subtotal_tiyn: subtotal,
        discount_tiyn: subtotal.saturating_sub(total).max(0),
        total_tiyn: total,
        line_totals_tiyn: receipt.lines.iter().map(|l| l.amount.tiyn()).collect(),
        taxes: receipt
            .tax_totals
            .iter()
            .map(|t| TaxTotal {
                milli_percent: i32::try_from(t.percent.thousandths()).unwrap_or(i32::MAX),
                sum_tiyn: t.sum.tiyn(),
            })
            .collect(),
        paid_tiyn: paid,
        due_tiyn: total.saturating_sub(paid).max(0),
        change_tiyn: over.min(cash),
    })
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
            vat_milli_percent: None,
        }
    }

    #[test]
    fn quantities_and_money_are_written_exactly() {
        assert_eq!(quantity(2000).as_str(), "2");
        assert_eq!(quantity(1500).as_str(), "1.5");
        assert_eq!(quantity(1).as_str(), "0.001");
        assert_eq!(quantity(-250).as_str(), "-0.25");
        assert_eq!(tenge(175_050).as_str(), "1750.5");
    }

    #[test]
    fn totals_change_and_due() {
        let mut b = Basket {
            items: vec![item(150_050, 2000), item(99_900, 1500)],
            payments: vec![],
            discount_tiyn: 100,
            customer_iin_bin: None,
        };
        let t = basket_totals(b.clone()).unwrap();
        assert_eq!(t.subtotal_tiyn, 300_100 + 149_850);
        assert_eq!(t.total_tiyn, 300_100 + 149_850 - 100);
        assert_eq!(t.due_tiyn, t.total_tiyn);
        assert_eq!(t.line_totals_tiyn.iter().sum::<i64>(), t.total_tiyn);
        b.payments = vec![
            BasketPayment {
                kind: PaymentKind::Card,
                amount_tiyn: 400_000,
            },
            BasketPayment {
                kind: PaymentKind::Cash,
                amount_tiyn: 100_000,
            },
        ];
        let t = basket_totals(b).unwrap();
        assert_eq!(t.due_tiyn, 0);
        assert_eq!(t.change_tiyn, 500_000 - t.total_tiyn);
    }

    #[test]
    fn a_bad_basket_gets_the_code_of_the_sale() {
        let b = Basket {
            items: vec![item(1000, -1000)],
            payments: vec![],
            discount_tiyn: 0,
            customer_iin_bin: None,
        };
        assert_eq!(basket_totals(b).unwrap_err().code(), 47);
        let empty = Basket {
            items: vec![],
            payments: vec![],
            discount_tiyn: 0,
            customer_iin_bin: None,
        };
        assert_eq!(basket_totals(empty).unwrap_err().code(), 45);
    }
}
