//! The receipt (TradeOperation) and its validation.
//!
//! [`validate_trade_operation`] turns a [`TradeOperationRequest`] (the seed's JSON as
//! it arrived) into a [`Receipt`] whose every amount is checked and computed, or into
//! the [`CoreError`] of the first rule it breaks. The rules, in the order they are
//! checked:
//!
//! | rule | code |
//! | --- | --- |
//! | `operation` is 0..3, `domain.type` 0..5 | 2 |
//! | `items` present (44) and not empty (45); each item's `type` is 1, 3 or 5 (50) | 44, 45, 50 |
//! | a COMMODITY item has its `commodity` (46); a MARKUP/DISCOUNT item its modifier (49/48) and follows a commodity (46) | 46, 48, 49 |
//! | `name` not empty | 2 |
//! | `section_code` (82) and `measure_unit_code` (81) not empty | 81, 82 |
//! | `quantity` > 0 with ≤ 3 decimals | 47 |
//! | `price` ≥ 0 with ≤ 2 decimals | 94 |
//! | `sum` ≥ 0 with ≤ 2 decimals and equal to `price × quantity` rounded half up | 95 |
//! | a tax's `taxation_type` is 100..103 | 60 |
//! | a tax's `percent` 0..100 with ≤ 3 decimals, `is_in_total_sum` given | 2 |
//! | one tax per percent in each list | 89 |
//! | taxes on items (or their modifiers) and on the receipt are exclusive | 88 |
//! | a discount/markup sum ≥ 0 (63/64), not both on one item or on the receipt (65) | 63, 64, 65 |
//! | a discount is less than what it reduces (the item's sum, or the receipt's) | 59 |
//! | an excise mark appears once per receipt | 2 |
//! | totals fit the money range | 54 |
//! | `amounts.total`, when present, equals the computed total | 52 |
//! | payments: known type, at most one each (2); sums ≥ 0 (cash 53, other 56) | 2, 53, 56 |
//! | card ≤ total (55); card + mobile ≤ total, change only from cash (56); paid ≥ total (57) | 55, 56, 57 |
//! | `taken`/`change`, when non-zero, equal the cash given and the computed change | 53, 56 |
//! | `customer_iin_or_bin` is 12 digits (2) and not the seller's (77) | 2, 77 |
//! | a return with `parent_ticket`: the parent is known (43), of the matching operation (2); per article not more than sold and not yet returned (quantity 47, amount 95); marks were sold on it and not yet returned (2); total within what is left (52) | 2, 43, 47, 52, 95 |
//!
//! Amounts: the item `sum` is `price × quantity`; its **net** is `sum − discount +
//! markup`; the receipt discount/markup is spread across lines by
//! [`crate::tax::allocate`], giving each line's **amount**; taxes are computed per rate
//! as [`crate::tax`] documents; `total = Σ amounts + taxes not included in the sums`.
//! Payments are what the buyer tendered: non-cash is exact, cash may exceed and gives
//! change, so the receipt's cash payment is `cash − change` (the seed's example: cash
//! 1000 and card 1000 for a 1750 total → cash 750, change 250).
//!
//! Client-given tax `sum`s are checked to be amounts and otherwise not used: the
//! register computes taxes itself by its one rounding rule. Taxes on modifiers are
//! checked (60, 89, 88) and not used either: tax is computed on the discounted amounts.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::enums::{DomainType, Operation, PaymentType, TaxationType};
use crate::error::CoreError;
use crate::money::{Money, Percent, Quantity};
use crate::request::{KeyValue, TradeOperationRequest};
use crate::Timestamp;

/// What validation needs to know besides the request: the seller and, for a return
/// by fiscal sign, what the original receipt sold and what was already returned.
#[derive(Clone, Copy, Debug, Default)]
pub struct SaleContext<'a> {
    /// ИИН/БИН of the seller (the KKM's taxpayer), for rule 77.
    pub seller_iin_or_bin: Option<&'a str>,
    /// The original receipt named by the request's `parent_ticket`, as the register
    /// found it in its journal (`None` if not found → 43).
    pub return_basis: Option<&'a ReturnBasis>,
}

/// A validated receipt: every amount checked, totals, change and taxes computed.
/// Built only by [`validate_trade_operation`] (or deserialized from what the store
/// wrote).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Receipt {
    /// SELL, SELL_RETURN, BUY or BUY_RETURN.
    pub operation: Operation,
    /// Trade domain (trading when the request has none).
    pub domain: DomainType,
    /// Goods and services with their modifiers and computed amounts and taxes.
    pub lines: Vec<ReceiptLine>,
    /// Receipt-level discount (скидка на чек), if any.
    pub discount: Option<Modifier>,
    /// Receipt-level markup (наценка на чек), if any.
    pub markup: Option<Modifier>,
    /// Taxes on the whole receipt (when the request gave receipt taxes), computed.
    pub receipt_taxes: Vec<TaxLine>,
    /// Totals per tax rate (both modes): what the reports count.
    pub tax_totals: Vec<TaxTotal>,
    /// Σ line amounts (after all discounts and markups, before taxes on top).
    pub subtotal: Money,
    /// The total to pay (итог).
    pub total: Money,
    /// Payments as recorded: non-zero, cash net of change, in the request's order.
    pub payments: Vec<Payment>,
    /// Cash the buyer handed over (0 without cash).
    pub taken: Money,
    /// Change given back in cash.
    pub change: Money,
    /// ИИН/БИН of the buyer.
    pub customer_iin_or_bin: Option<String>,
    /// The original receipt of a return by fiscal sign.
    pub parent: Option<ParentTicket>,
    /// Extra key/value pairs of the request.
    pub auxiliary: Vec<KeyValue>,
    /// The buyer's e-mail for the e-receipt, normalised ([`crate::customer::email`]).
    #[serde(default)]
    pub customer_email: Option<String>,
    /// The buyer's phone for the e-receipt, normalised ([`crate::customer::phone`]).
    #[serde(default)]
    pub customer_phone: Option<String>,
    /// The domain's attributes (services, fuel, taxi, parking), as given.
    #[serde(default)]
    pub domain_details: crate::domain::DomainDetails,
}

/// One good or service of a receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReceiptLine {
    /// The good or service.
    pub commodity: Commodity,
    /// Discount on this line.
    pub discount: Option<Modifier>,
    /// Markup on this line.
    pub markup: Option<Modifier>,
    /// `sum − discount + markup`.
    pub net: Money,
    /// `net` plus this line's share of the receipt markup minus its share of the
    /// receipt discount: what the buyer pays for the line (before taxes on top).
    pub amount: Money,
    /// This line's taxes (taxes per item), computed and allocated.
    pub taxes: Vec<TaxLine>,
}

/// A good or service (`Commodity`), validated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Commodity {
    /// Наименование.
    pub name: String,
    /// Отдел / section.
    pub section_code: String,
    /// Quantity in thousandths.
    pub quantity: Quantity,
    /// Unit price.
    pub price: Money,
    /// `price × quantity`.
    pub sum: Money,
    /// The marking code (DataMatrix, GS kept), if the good is marked.
    pub excise_stamp: Option<String>,
    /// Series and number of a paper excise stamp.
    pub physical_label: Option<String>,
    /// Сквозной идентификатор товара.
    pub product_id: Option<String>,
    /// GTIN.
    pub barcode: Option<String>,
    /// Unit code of ИС ЭСФ (e.g. `796` pieces, `116` in the seed's example).
    pub measure_unit_code: String,
    /// Extra key/value pairs.
    pub auxiliary: Vec<KeyValue>,
    /// НТИН — national goods identifier, if given.
    #[serde(default)]
    pub ntin: Option<String>,
}

impl Commodity {
    /// The key that identifies this good when a return is matched to its original.
    pub fn article(&self) -> Article {
        Article {
            name: self.name.clone(),
            section_code: self.section_code.clone(),
            price: self.price,
            measure_unit_code: self.measure_unit_code.clone(),
        }
    }
}

/// A discount or a markup (`Modifier`) with a positive sum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Modifier {
    /// Name as given (may be empty).
    pub name: String,
    /// The amount, more than zero.
    pub sum: Money,
    /// Extra key/value pairs.
    pub auxiliary: Vec<KeyValue>,
}

/// A computed tax line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxLine {
    /// Taxation regime, if given.
    pub taxation_type: Option<TaxationType>,
    /// Rate.
    pub percent: Percent,
    /// VAT included in the sums (`is_in_total_sum`).
    pub included: bool,
    /// The tax.
    pub sum: Money,
}

/// The totals of one tax rate on a receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxTotal {
    /// Rate.
    pub percent: Percent,
    /// VAT included in the sums.
    pub included: bool,
    /// Оборот: the taxed amount including the tax.
    pub turnover: Money,
    /// The tax.
    pub sum: Money,
}

impl TaxTotal {
    /// Оборот без налога: `turnover − sum`.
    pub fn turnover_without_tax(&self) -> Money {
        self.turnover.saturating_sub(self.sum)
    }
}

/// A payment as recorded on the receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Cash, card or mobile.
    pub kind: PaymentType,
    /// The amount kept (cash net of change).
    pub sum: Money,
}

/// The original receipt a return refers to (CPCR `ParentTicket`, protocol 2.0.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentTicket {
    /// Fiscal sign (фискальный признак) or offline number of the original.
    pub fiscal_id: String,
    /// When the original was made.
    pub date_time: Timestamp,
    /// РНМ (KGD id) of the register that made it.
    pub kgd_kkm_id: String,
    /// The original's total.
    pub total: Money,
    /// `true` if the original was made autonomously.
    pub is_offline: bool,
}

/// The identity of a good for matching a return to its original receipt: name,
/// section, unit price and unit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Article {
    /// Наименование.
    pub name: String,
    /// Отдел.
    pub section_code: String,
    /// Unit price.
    pub price: Money,
    /// Unit code.
    pub measure_unit_code: String,
}

/// What an original receipt sold of one article and how much of it is returned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnableLine {
    /// The article.
    pub article: Article,
    /// Quantity sold.
    pub sold_quantity: Quantity,
    /// Amount paid for it (line amounts, after discounts).
    pub sold_amount: Money,
    /// Quantity returned so far.
    pub returned_quantity: Quantity,
    /// Amount returned so far.
    pub returned_amount: Money,
}

/// The original receipt of a return and what was already returned against it: the
/// input of the return rules. No I/O: the register builds it from its journal with
/// [`ReturnBasis::new`] and [`ReturnBasis::record_return`] (and may persist it; it is
/// serde-serializable).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnBasis {
    /// The original, as the return's CPCR `ParentTicket` will carry it.
    pub parent: ParentTicket,
    /// The original's operation (SELL for a SELL_RETURN, BUY for a BUY_RETURN).
    pub operation: Operation,
    /// Per article: sold and returned.
    pub lines: Vec<ReturnableLine>,
    /// Excise marks sold on the original.
    pub sold_marks: BTreeSet<String>,
    /// Excise marks already returned.
    pub returned_marks: BTreeSet<String>,
    /// Total of the returns made so far.
    pub returned_total: Money,
}

impl ReturnBasis {
    /// The basis for returns against `original`, described by `parent` (its
    /// `total` is taken from `original`).
    pub fn new(mut parent: ParentTicket, original: &Receipt) -> ReturnBasis {
        parent.total = original.total;
        let mut lines: Vec<ReturnableLine> = Vec::new();
        let mut index: BTreeMap<Article, usize> = BTreeMap::new();
        let mut sold_marks = BTreeSet::new();
        for line in &original.lines {
            let article = line.commodity.article();
            let i = *index.entry(article.clone()).or_insert_with(|| {
                lines.push(ReturnableLine {
                    article,
                    sold_quantity: Quantity::default(),
                    sold_amount: Money::ZERO,
                    returned_quantity: Quantity::default(),
                    returned_amount: Money::ZERO,
                });
                lines.len() - 1
            });
            let entry = &mut lines[i];
            entry.sold_quantity = Quantity::from_thousandths(
                entry
                    .sold_quantity
                    .thousandths()
                    .saturating_add(line.commodity.quantity.thousandths()),
            );
            entry.sold_amount = entry.sold_amount.saturating_add(line.amount);
            if let Some(mark) = &line.commodity.excise_stamp {
                sold_marks.insert(mark.clone());
            }
        }
        ReturnBasis {
            parent,
            operation: original.operation,
            lines,
            sold_marks,
            returned_marks: BTreeSet::new(),
            returned_total: Money::ZERO,
        }
    }

    /// Counts a successful return (validated against this basis) as returned.
    pub fn record_return(&mut self, returned: &Receipt) {
        for line in &returned.lines {
            let article = line.commodity.article();
            if let Some(entry) = self.lines.iter_mut().find(|l| l.article == article) {
                entry.returned_quantity = Quantity::from_thousandths(
                    entry
                        .returned_quantity
                        .thousandths()
                        .saturating_add(line.commodity.quantity.thousandths()),
                );
                entry.returned_amount = entry.returned_amount.saturating_add(line.amount);
            }
            if let Some(mark) = &line.commodity.excise_stamp {
                self.returned_marks.insert(mark.clone());
            }
        }
        self.returned_total = self.returned_total.saturating_add(returned.total);
    }

    /// What may still be returned of the original's total.
    pub fn remaining_total(&self) -> Money {
        self.parent.total.saturating_sub(self.returned_total)
    }
}

impl Receipt {
    /// The recorded payment of `kind` (zero if none).
    pub fn payment(&self, kind: PaymentType) -> Money {
        self.payments
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| p.sum)
            .sum()
    }

    /// Excise marks of the receipt, in line order.
    pub fn excise_marks(&self) -> impl Iterator<Item = &str> {
        self.lines
            .iter()
            .filter_map(|l| l.commodity.excise_stamp.as_deref())
    }

    /// Sum and count of all discounts (item and receipt level).
    pub fn all_discounts(&self) -> (Money, u64) {
        modifier_totals(
            self.lines
                .iter()
                .map(|l| l.discount.as_ref())
                .chain([self.discount.as_ref()]),
        )
    }

    /// Sum and count of all markups (item and receipt level).
    pub fn all_markups(&self) -> (Money, u64) {
        modifier_totals(
            self.lines
                .iter()
                .map(|l| l.markup.as_ref())
                .chain([self.markup.as_ref()]),
        )
    }
}

fn modifier_totals<'a>(mods: impl Iterator<Item = Option<&'a Modifier>>) -> (Money, u64) {
    mods.flatten().fold((Money::ZERO, 0), |(sum, n), m| {
        (sum.saturating_add(m.sum), n + 1)
    })
}

/// Validates a TradeOperation request and computes its receipt: the request is mapped
/// onto a [`SaleDraft`] ([`SaleDraft::from_request`], which checks the text's shape)
/// and the draft validated ([`SaleDraft::validate`]). See the module docs for the rules
/// and their codes.
///
/// ```
/// use kkm_core::{validate_trade_operation, SaleContext, TradeOperationRequest};
/// let body = r#"{"operation": 2,
///   "items": [{"type": 1, "commodity": {"name": "Хлеб", "section_code": "1",
///              "quantity": 2, "price": 150.5, "sum": 301, "measure_unit_code": "796"}}],
///   "payments": [{"type": 0, "sum": 500}]}"#;
/// let request: TradeOperationRequest = serde_json::from_str(body).unwrap();
/// let receipt = validate_trade_operation(&request, &SaleContext::default()).unwrap();
/// assert_eq!(receipt.total.to_string(), "301.00");
/// assert_eq!(receipt.change.to_string(), "199.00");
/// ```
pub fn validate_trade_operation(
    request: &TradeOperationRequest,
    context: &SaleContext<'_>,
) -> Result<Receipt, CoreError> {
    crate::sale::SaleDraft::from_request(request)?.validate(context)
}
