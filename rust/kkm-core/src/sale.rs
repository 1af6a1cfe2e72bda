//! The draft of a sale: a receipt in domain values, and the rules that make it a
//! [`Receipt`].
//!
//! [`SaleDraft`] is what every front end builds: the daemon maps the seed's JSON onto
//! it ([`SaleDraft::from_request`], which checks the *shape* of the text: number formats,
//! type codes, required fields), the Kotlin facade maps its basket onto it field for
//! field. Money is integer tiyn ([`Money`]), quantities and tax rates are integer
//! thousandths (`i64`, so that a negative or zero quantity reaches the rules and gets
//! their code rather than failing a conversion). Nothing is text that has to be parsed
//! back.
//!
//! The rules, in the order they are checked ([`SaleDraft::validate`]); the codes are
//! those of the module docs of [`crate::receipt`]:
//!
//! * per line: `name` (2), `section_code` (82), `measure_unit_code` (81) not blank;
//!   quantity > 0 (47); price ≥ 0 (94); a declared sum ≥ 0 and equal to
//!   `price × quantity` half up (95); tax rates 0–100 % (2), one per rate (89); a
//!   discount (63) or markup (64) not negative, not both (65), a discount below the
//!   line's sum (59); an excise mark readable ([`crate::mark`], 2) and once per
//!   receipt (2);
//! * receipt: one tax per rate (89), not together with line taxes (88); the receipt's
//!   discount/markup as a line's; the totals fit (54); a declared total equal (52);
//! * payments ([`settle`]): at most one of each type (2), none negative (53/56), card
//!   ≤ total (55), card + mobile ≤ total (56), paid ≥ total (57); a declared `taken` /
//!   `change` equal (53/56);
//! * the customer's ИИН/БИН (2, 77), e-mail and phone (2); a return against its
//!   original ([`SaleContext::return_basis`]: 43, 2, 47, 95, 52).
//!
//! [`SaleDraft::price`] applies the rules up to the totals only: what a basket comes
//! to before the customer pays (the till's screen); [`settle`] with `partial` adds
//! what is paid so far.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::domain::DomainDetails;
use crate::enums::{DomainType, Operation, PaymentType, TaxationType};
use crate::error::CoreError;
use crate::money::{Money, Percent, Quantity};
use crate::receipt::{
    Commodity, Modifier, Payment, Receipt, ReceiptLine, SaleContext, TaxLine, TaxTotal,
};
use crate::request::KeyValue;
use crate::tax::{allocate, tax_amount};
use crate::Timestamp;

mod returns;
use returns::check_return;
#[cfg(test)]
mod marked_tests;

/// The most lines one receipt has: more than any shop's basket, and a bound on what one
/// request can make the register hold, price, journal and render (a 3,000-line sale
/// took a daemon from 93 MB to over 500 MB).
pub const MAX_LINES: usize = 1_000;

/// A receipt in the making, in domain values; see the module docs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleDraft {
    /// SELL, SELL_RETURN, BUY or BUY_RETURN.
    pub operation: Operation,
    /// Trade domain.
    pub domain: DomainType,
    /// The domain's attributes.
    pub domain_details: DomainDetails,
    /// The goods and services, at least one (45).
    pub lines: Vec<SaleLine>,
    /// Discount on the whole receipt (a zero sum is none).
    pub discount: Option<Modifier>,
    /// Markup on the whole receipt (a zero sum is none).
    pub markup: Option<Modifier>,
    /// Taxes on the whole receipt (exclusive with line taxes, 88).
    pub taxes: Vec<SaleTax>,
    /// The total the client computed, checked (52).
    pub declared_total: Option<Money>,
    /// What the customer tenders, at most one of each type.
    pub payments: Vec<SalePayment>,
    /// The cash received as the client states it, checked (53).
    pub declared_taken: Option<Money>,
    /// The change as the client computed it, checked (56).
    pub declared_change: Option<Money>,
    /// ИИН/БИН of the buyer.
    pub customer_iin_or_bin: Option<String>,
    /// The buyer's e-mail for the e-receipt.
    pub customer_email: Option<String>,
    /// The buyer's phone for the e-receipt.
    pub customer_phone: Option<String>,
    /// The original receipt of a return.
    pub parent: Option<ParentRef>,
    /// Extra key/value pairs.
    pub auxiliary: Vec<KeyValue>,
    /// Where each line came from in a JSON request (`items[i]`, shifted by legacy
    /// modifier items), for the paths of error messages; empty otherwise.
    #[serde(skip)]
    pub(crate) paths: Vec<String>,
}

impl SaleDraft {
    /// A trading receipt of `operation` with these lines, nothing else yet.
    pub fn new(operation: Operation, lines: Vec<SaleLine>) -> SaleDraft {
        SaleDraft {
            operation,
            domain: DomainType::Trading,
            domain_details: DomainDetails::default(),
            lines,
            discount: None,
            markup: None,
            taxes: Vec::new(),
            declared_total: None,
            payments: Vec::new(),
            declared_taken: None,
            declared_change: None,
            customer_iin_or_bin: None,
            customer_email: None,
            customer_phone: None,
            parent: None,
            auxiliary: Vec::new(),
            paths: Vec::new(),
        }
    }
}

/// One piece, as a quantity in thousandths.
pub const PIECE_MILLI: i64 = 1000;

/// One good or service of a draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleLine {
    /// Наименование.
    pub name: String,
    /// Отдел / section.
    pub section_code: String,
    /// Unit code of ИС ЭСФ (`796` pieces).
    pub measure_unit_code: String,
    /// Quantity in thousandths (1500 = 1.5 kg), more than zero.
    pub quantity_milli: i64,
    /// Unit price.
    pub price: Money,
    /// `price × quantity` as the client computed it, checked (95); computed when absent.
    pub declared_sum: Option<Money>,
    /// This line's taxes.
    pub taxes: Vec<SaleTax>,
    /// Discount on the line (a zero sum is none).
    pub discount: Option<Modifier>,
    /// Markup on the line (a zero sum is none).
    pub markup: Option<Modifier>,
    /// The marking code (DataMatrix, GS kept).
    pub excise_stamp: Option<String>,
    /// Series and number of a paper excise stamp.
    pub physical_label: Option<String>,
    /// Сквозной идентификатор товара.
    pub product_id: Option<String>,
    /// GTIN.
    pub barcode: Option<String>,
    /// НТИН.
    pub ntin: Option<String>,
    /// Extra key/value pairs.
    pub auxiliary: Vec<KeyValue>,
    /// A marked good (the catalogue says so): the line is one piece and is sold only
    /// with its marking code in [`excise_stamp`](Self::excise_stamp). The HTTP API has
    /// no such field (its client attaches marks itself): false there.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mark_required: bool,
}

impl SaleLine {
    /// A line without taxes, modifiers or identifiers.
    pub fn new(
        name: impl Into<String>,
        section_code: impl Into<String>,
        measure_unit_code: impl Into<String>,
        price: Money,
        quantity_milli: i64,
    ) -> SaleLine {
        SaleLine {
            name: name.into(),
            section_code: section_code.into(),
            measure_unit_code: measure_unit_code.into(),
            quantity_milli,
            price,
            declared_sum: None,
            taxes: Vec::new(),
            discount: None,
            markup: None,
            excise_stamp: None,
            physical_label: None,
            product_id: None,
            barcode: None,
            ntin: None,
            auxiliary: Vec::new(),
            mark_required: false,
        }
    }

    /// A marked good whose marking code has not been scanned yet.
    pub fn awaits_mark(&self) -> bool {
        self.mark_required && self.excise_stamp.as_deref().is_none_or(str::is_empty)
    }
}

/// A tax of a line or of the receipt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleTax {
    /// The taxation regime; `None` when the client gave none.
    pub taxation_type: Option<TaxationType>,
    /// The rate in thousandths of a percent (12 % = 12 000), 0–100 000.
    pub percent_milli: i64,
    /// VAT included in the sums.
    pub included: bool,
}

/// A payment tendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalePayment {
    /// Cash, card or mobile.
    pub kind: PaymentType,
    /// What the customer hands over (cash may exceed the total: change).
    pub amount: Money,
}

/// The original receipt a return names: its fiscal sign, and — for a receipt this
/// journal does not hold — its data.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentRef {
    /// Fiscal sign or offline number of the original.
    pub fiscal_id: String,
    /// When it was made.
    pub date_time: Option<Timestamp>,
    /// РНМ of the KKM that made it.
    pub kgd_kkm_id: Option<String>,
    /// Its total.
    pub total: Option<Money>,
    /// It was made autonomously.
    pub is_offline: bool,
}

/// What the lines of a draft come to: the receipt without its payments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricedSale {
    /// Lines with their nets, amounts and taxes.
    pub lines: Vec<ReceiptLine>,
    /// Receipt-level taxes, computed.
    pub receipt_taxes: Vec<TaxLine>,
    /// Totals per rate.
    pub tax_totals: Vec<TaxTotal>,
    /// Σ line amounts.
    pub subtotal: Money,
    /// The total to pay.
    pub total: Money,
}

/// The payments against a total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
    /// Σ tendered.
    pub paid: Money,
    /// Cash handed over.
    pub taken: Money,
    /// Change given back (only cash gives change).
    pub change: Money,
    /// Still to pay (0 once paid in full).
    pub due: Money,
    /// Payments as recorded: non-zero, cash net of change, in the given order.
    pub payments: Vec<Payment>,
}

/// Paths of the lines for error messages: `items[i]` unless the request said otherwise.
struct Paths<'a>(&'a [String]);

impl Paths<'_> {
    fn line(&self, i: usize) -> String {
        self.0
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("items[{i}]"))
    }
}

fn overflow(what: &str) -> CoreError {
    CoreError::SumToPayIncorrect {
        reason: format!("{what} is out of range"),
    }
}

fn blank(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn non_empty(value: Option<&String>) -> Option<String> {
    value.and_then(|s| blank(s))
}

/// A modifier with a positive sum, `None` for a zero one; negative → 63/64.
fn modifier(
    m: Option<&Modifier>,
    path: String,
    discount: bool,
) -> Result<Option<Modifier>, CoreError> {
    let Some(m) = m else { return Ok(None) };
    if m.sum.is_negative() {
        let value = m.sum.to_string();
        return Err(if discount {
            CoreError::DiscountNegative { field: path, value }
        } else {
            CoreError::MarkupNegative { field: path, value }
        });
    }
    Ok((!m.sum.is_zero()).then(|| m.clone()))
}

/// The rates of a tax list, each 0–100 % (2) and once (89).
pub(crate) fn check_taxes(list: &[SaleTax], field: &str) -> Result<Specs, CoreError> {
    let mut out: Specs = Vec::with_capacity(list.len());
    for (j, t) in list.iter().enumerate() {
        let percent = u32::try_from(t.percent_milli)
            .ok()
            .and_then(Percent::from_thousandths)
            .ok_or_else(|| {
                CoreError::invalid(
                    format!("{field}[{j}].percent"),
                    format!("{} thousandths of a percent is not 0..100", t.percent_milli),
                )
            })?;
        if out.iter().any(|(_, p, _)| *p == percent) {
            return Err(CoreError::DuplicateTaxPercent {
                field: field.to_owned(),
                percent,
            });
        }
        out.push((t.taxation_type, percent, t.included));
    }
    Ok(out)
}

type Specs = Vec<(Option<TaxationType>, Percent, bool)>;

fn commodity(line: &SaleLine, path: &str) -> Result<Commodity, CoreError> {
    let name = blank(&line.name)
        .ok_or_else(|| CoreError::invalid(format!("{path}.name"), "the name is required"))?;
    let section_code = blank(&line.section_code).ok_or_else(|| CoreError::SectionCodeEmpty {
        field: format!("{path}.section_code"),
    })?;
    let measure_unit_code =
        blank(&line.measure_unit_code).ok_or_else(|| CoreError::MeasureUnitCodeEmpty {
            field: format!("{path}.measure_unit_code"),
        })?;
    let quantity = u64::try_from(line.quantity_milli)
        .ok()
        .filter(|q| *q > 0)
        .map(Quantity::from_thousandths)
        .ok_or_else(|| CoreError::QuantityIncorrect {
            field: format!("{path}.quantity"),
            reason: format!(
                "{} thousandths: must be more than zero",
                line.quantity_milli
            ),
        })?;
    if line.price.is_negative() {
        return Err(CoreError::PriceIncorrect {
            field: format!("{path}.price"),
            reason: format!("{} is negative", line.price),
        });
    }
    let sum_path = format!("{path}.sum");
    let expected = line
        .price
        .times(quantity)
        .ok_or_else(|| CoreError::ItemSumIncorrect {
            field: sum_path.clone(),
            reason: "price × quantity is out of range".into(),
        })?;
    if let Some(sum) = line.declared_sum {
        if sum.is_negative() {
            return Err(CoreError::ItemSumIncorrect {
                field: sum_path,
                reason: format!("{sum} is negative"),
            });
        }
        if sum != expected {
            return Err(CoreError::ItemSumIncorrect {
                field: sum_path,
                reason: format!(
                    "{sum} is not price × quantity = {} × {quantity} = {expected}",
                    line.price
                ),
            });
        }
    }
    Ok(Commodity {
        name,
        section_code,
        quantity,
        price: line.price,
        sum: expected,
        excise_stamp: non_empty(line.excise_stamp.as_ref())
            .map(|m| crate::mark::excise_mark(&m, &format!("{path}.excise_stamp")))
            .transpose()?,
        physical_label: non_empty(line.physical_label.as_ref()),
        product_id: non_empty(line.product_id.as_ref()),
        barcode: non_empty(line.barcode.as_ref()),
        measure_unit_code,
        auxiliary: line.auxiliary.clone(),
        ntin: non_empty(line.ntin.as_ref()),
    })
}

impl SaleDraft {
    /// The draft's lines, modifiers, taxes and totals: the receipt before payments.
    /// Payments, the customer and the return rules are not looked at.
    pub fn price(&self) -> Result<PricedSale, CoreError> {
        self.price_at(&Paths(&self.paths))
    }

    /// The receipt of this draft, every rule applied; see the module docs.
    pub fn validate(&self, context: &SaleContext<'_>) -> Result<Receipt, CoreError> {
        self.validate_at(context, &Paths(&self.paths))
    }

    fn price_at(&self, paths: &Paths<'_>) -> Result<PricedSale, CoreError> {
        if self.lines.is_empty() {
            return Err(CoreError::ItemsEmpty);
        }
        if self.lines.len() > MAX_LINES {
            return Err(CoreError::invalid(
                "items",
                format!(
                    "{} lines; a receipt has at most {MAX_LINES}",
                    self.lines.len()
                ),
            ));
        }
        let mut drafts: Vec<(Commodity, Specs, Option<Modifier>, Option<Modifier>)> =
            Vec::with_capacity(self.lines.len());
        let mut item_tax_field: Option<String> = None;
        for (i, line) in self.lines.iter().enumerate() {
            let path = paths.line(i);
            let commodity = commodity(line, &format!("{path}.commodity"))?;
            if line.mark_required && line.quantity_milli != PIECE_MILLI {
                return Err(CoreError::invalid(
                    format!("{path}.commodity.quantity"),
                    "a marked good is sold one piece per marking code",
                ));
            }
            let field = format!("{path}.commodity.taxes");
            let specs = check_taxes(&line.taxes, &field)?;
            if !specs.is_empty() && item_tax_field.is_none() {
                item_tax_field = Some(field);
            }
            let discount = modifier(line.discount.as_ref(), format!("{path}.discount.sum"), true)?;
            let markup = modifier(line.markup.as_ref(), format!("{path}.markup.sum"), false)?;
            if discount.is_some() && markup.is_some() {
                return Err(CoreError::DiscountAndMarkup { field: path });
            }
            if let Some(d) = &discount {
                if d.sum >= commodity.sum {
                    return Err(CoreError::DiscountNotLessThanTotal {
                        field: format!("{path}.discount.sum"),
                        discount: d.sum,
                        total: commodity.sum,
                    });
                }
            }
            drafts.push((commodity, specs, discount, markup));
        }
        // One pack once: two reads of it are one pack even when one dropped the crypto tail.
        let mut marks: BTreeSet<String> = BTreeSet::new();
        for (i, (c, ..)) in drafts.iter().enumerate() {
            if let Some(mark) = &c.excise_stamp {
                if !marks.insert(crate::mark::pack_key(mark)) {
                    return Err(CoreError::invalid(
                        format!("{}.commodity.excise_stamp", paths.line(i)),
                        "this excise mark already appears on the receipt",
                    ));
                }
            }
        }
        let receipt_specs = check_taxes(&self.taxes, "taxes")?;
        if let (Some(item_field), false) = (&item_tax_field, receipt_specs.is_empty()) {
            return Err(CoreError::ItemAndTicketTaxes {
                item_field: item_field.clone(),
            });
        }
        let discount = modifier(self.discount.as_ref(), "amounts.discount.sum".into(), true)?;
        let markup = modifier(self.markup.as_ref(), "amounts.markup.sum".into(), false)?;
        if discount.is_some() && markup.is_some() {
            return Err(CoreError::DiscountAndMarkup {
                field: "amounts".into(),
            });
        }

        // Line nets and the receipt modifier spread across lines.
        let mut nets = Vec::with_capacity(drafts.len());
        for (c, _, d, m) in &drafts {
            let mut net = c.sum;
            if let Some(d) = d {
                net = net
                    .checked_sub(d.sum)
                    .ok_or_else(|| overflow("an item sum"))?;
            }
            if let Some(m) = m {
                net = net
                    .checked_add(m.sum)
                    .ok_or_else(|| overflow("an item sum"))?;
            }
            nets.push(net);
        }
        let mut before = Money::ZERO;
        for net in &nets {
            before = before
                .checked_add(*net)
                .ok_or_else(|| overflow("the sum of the items"))?;
        }
        if let Some(d) = &discount {
            if d.sum >= before {
                return Err(CoreError::DiscountNotLessThanTotal {
                    field: "amounts.discount.sum".into(),
                    discount: d.sum,
                    total: before,
                });
            }
        }
        let delta = markup
            .as_ref()
            .map_or(Money::ZERO, |m| m.sum)
            .saturating_sub(discount.as_ref().map_or(Money::ZERO, |d| d.sum));
        let subtotal = before
            .checked_add(delta)
            .ok_or_else(|| overflow("the receipt sum"))?;
        let shares = allocate(delta, &nets);
        let mut lines: Vec<ReceiptLine> = Vec::with_capacity(drafts.len());
        let mut line_specs: Vec<Specs> = Vec::with_capacity(drafts.len());
        for ((draft, net), share) in drafts.into_iter().zip(nets).zip(shares) {
            let (commodity, specs, discount, markup) = draft;
            let amount = net
                .checked_add(share)
                .ok_or_else(|| overflow("an item amount"))?;
            line_specs.push(specs);
            lines.push(ReceiptLine {
                commodity,
                discount,
                markup,
                net,
                amount,
                taxes: Vec::new(),
            });
        }

        // Taxes: one rounding per rate (see crate::tax).
        let mut tax_totals: Vec<TaxTotal> = Vec::new();
        let mut receipt_taxes: Vec<TaxLine> = Vec::new();
        if receipt_specs.is_empty() {
            type Groups = BTreeMap<(Percent, bool), Vec<(usize, Option<TaxationType>)>>;
            let mut groups: Groups = BTreeMap::new();
            for (i, specs) in line_specs.iter().enumerate() {
                for (taxation_type, percent, included) in specs {
                    groups
                        .entry((*percent, *included))
                        .or_default()
                        .push((i, *taxation_type));
                }
            }
            for ((percent, included), members) in groups {
                let weights: Vec<Money> = members.iter().map(|(i, _)| lines[*i].amount).collect();
                let mut base = Money::ZERO;
                for w in &weights {
                    base = base
                        .checked_add(*w)
                        .ok_or_else(|| overflow("a taxable base"))?;
                }
                let tax = tax_amount(base, percent, included);
                for ((i, taxation_type), sum) in members.iter().zip(allocate(tax, &weights)) {
                    lines[*i].taxes.push(TaxLine {
                        taxation_type: *taxation_type,
                        percent,
                        included,
                        sum,
                    });
                }
                let turnover = if included {
                    base
                } else {
                    base.checked_add(tax)
                        .ok_or_else(|| overflow("a tax turnover"))?
                };
                tax_totals.push(TaxTotal {
                    percent,
                    included,
                    turnover,
                    sum: tax,
                });
            }
        } else {
            for (taxation_type, percent, included) in &receipt_specs {
                let tax = tax_amount(subtotal, *percent, *included);
                receipt_taxes.push(TaxLine {
                    taxation_type: *taxation_type,
                    percent: *percent,
                    included: *included,
                    sum: tax,
                });
                let turnover = if *included {
                    subtotal
                } else {
                    subtotal
                        .checked_add(tax)
                        .ok_or_else(|| overflow("a tax turnover"))?
                };
                tax_totals.push(TaxTotal {
                    percent: *percent,
                    included: *included,
                    turnover,
                    sum: tax,
                });
            }
        }
        let mut total = subtotal;
        for t in tax_totals.iter().filter(|t| !t.included) {
            total = total
                .checked_add(t.sum)
                .ok_or_else(|| overflow("the total"))?;
        }
        if let Some(given) = self.declared_total {
            if given != total {
                return Err(CoreError::TotalIncorrect {
                    reason: format!(
                        "amounts.total {given} differs from the computed total {total}"
                    ),
                });
            }
        }
        Ok(PricedSale {
            lines,
            receipt_taxes,
            tax_totals,
            subtotal,
            total,
        })
    }

    fn validate_at(
        &self,
        context: &SaleContext<'_>,
        paths: &Paths<'_>,
    ) -> Result<Receipt, CoreError> {
        let priced = self.price_at(paths)?;
        if let Some(i) = self.lines.iter().position(SaleLine::awaits_mark) {
            return Err(CoreError::invalid(
                format!("{}.commodity.excise_stamp", paths.line(i)),
                "a marked good is sold with its marking code: scan the code on the pack",
            ));
        }
        let settled = settle(priced.total, &self.payments, false)?;
        if let Some(taken) = self.declared_taken.filter(|t| !t.is_zero()) {
            if taken.is_negative() {
                return Err(CoreError::CashNegative {
                    field: "amounts.taken".into(),
                    value: taken.to_string(),
                });
            }
            if taken != settled.taken {
                return Err(CoreError::PaidSumIncorrect {
                    reason: format!(
                        "amounts.taken {taken} differs from the cash payment {}",
                        settled.taken
                    ),
                });
            }
        }
        if let Some(change) = self.declared_change.filter(|c| !c.is_zero()) {
            if change.is_negative() {
                return Err(CoreError::CashNegative {
                    field: "amounts.change".into(),
                    value: change.to_string(),
                });
            }
            if change != settled.change {
                return Err(CoreError::PaidSumIncorrect {
                    reason: format!(
                        "amounts.change {change} differs from the computed change {}",
                        settled.change
                    ),
                });
            }
        }

        let customer_iin_or_bin = non_empty(self.customer_iin_or_bin.as_ref())
            .map(|c| crate::customer::iin_or_bin("customer_iin_or_bin", &c))
            .transpose()?;
        if let Some(customer) = &customer_iin_or_bin {
            if context.seller_iin_or_bin.map(str::trim) == Some(customer.as_str()) {
                return Err(CoreError::SameTaxpayerAndCustomer(customer.clone()));
            }
        }
        let customer_email = non_empty(self.customer_email.as_ref())
            .map(|e| crate::customer::email("customer_email", &e))
            .transpose()?;
        let customer_phone = non_empty(self.customer_phone.as_ref())
            .map(|p| crate::customer::phone("customer_phone", &p))
            .transpose()?;

        let mut receipt = Receipt {
            operation: self.operation,
            domain: self.domain,
            lines: priced.lines,
            discount: modifier(self.discount.as_ref(), String::new(), true)?,
            markup: modifier(self.markup.as_ref(), String::new(), false)?,
            receipt_taxes: priced.receipt_taxes,
            tax_totals: priced.tax_totals,
            subtotal: priced.subtotal,
            total: priced.total,
            payments: settled.payments,
            taken: settled.taken,
            change: settled.change,
            customer_iin_or_bin,
            parent: None,
            auxiliary: self.auxiliary.clone(),
            customer_email,
            customer_phone,
            domain_details: self.domain_details.clone(),
        };
        if let Some(parent) = &self.parent {
            receipt.parent = Some(check_return(&receipt, parent, context)?);
        }
        Ok(receipt)
    }
}

/// The payments tendered against `total`: at most one of each type (2), none negative
/// (cash 53, other 56), card ≤ total (55), card + mobile ≤ total (56: change only from
/// cash) and — unless `partial`, for a basket still being paid — paid ≥ total (57).
pub fn settle(
    total: Money,
    payments: &[SalePayment],
    partial: bool,
) -> Result<Settlement, CoreError> {
    let (mut cash, mut card, mut mobile) = (None, None, None);
    let mut order = Vec::with_capacity(payments.len());
    for (i, p) in payments.iter().enumerate() {
        let sum_path = format!("payments[{i}].sum");
        if p.amount.is_negative() {
            return Err(match p.kind {
                PaymentType::Cash => CoreError::CashNegative {
                    field: sum_path,
                    value: p.amount.to_string(),
                },
                _ => CoreError::PaymentSumIncorrect {
                    field: sum_path,
                    reason: format!("{} is negative", p.amount),
                },
            });
        }
        let slot = match p.kind {
            PaymentType::Cash => &mut cash,
            PaymentType::Card => &mut card,
            PaymentType::Mobile => &mut mobile,
        };
        if slot.is_some() {
            return Err(CoreError::PaymentTypeIncorrect {
                field: format!("payments[{i}].type"),
                reason: "at most one payment of each type".into(),
            });
        }
        *slot = Some(p.amount);
        order.push(p.kind);
    }
    let cash = cash.unwrap_or(Money::ZERO);
    let card = card.unwrap_or(Money::ZERO);
    let mobile = mobile.unwrap_or(Money::ZERO);
    if card > total {
        return Err(CoreError::CardAboveTotal { card, total });
    }
    let non_cash = card
        .checked_add(mobile)
        .ok_or_else(|| overflow("the payments"))?;
    if non_cash > total {
        return Err(CoreError::PaidSumIncorrect {
            reason: format!("card and mobile payments {non_cash} exceed the total {total}; change is given only from cash"),
        });
    }
    let paid = non_cash
        .checked_add(cash)
        .ok_or_else(|| overflow("the payments"))?;
    if paid < total && !partial {
        return Err(CoreError::PaidLessThanTotal { paid, total });
    }
    let change = paid.saturating_sub(total).max(Money::ZERO);
    let cash_kept = cash.saturating_sub(change);
    let payments = order
        .iter()
        .map(|&kind| Payment {
            kind,
            sum: match kind {
                PaymentType::Cash => cash_kept,
                PaymentType::Card => card,
                PaymentType::Mobile => mobile,
            },
        })
        .filter(|p| !p.sum.is_zero())
        .collect();
    Ok(Settlement {
        paid,
        taken: cash,
        change,
        due: total.saturating_sub(paid).max(Money::ZERO),
        payments,
    })
}
