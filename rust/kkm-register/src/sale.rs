//! The rules of a sale that sit above validation: what a basket comes to while it is
//! filled ([`basket_totals`]), the catalogue's prices on a line ([`catalogue_line`]),
//! the KKM's taxation regime on taxes that name none ([`apply_regime`]) and a journaled
//! receipt back as a draft, the start of a return ([`draft_of_receipt`]).
//!
//! Every front end (the daemon's JSON, the Kotlin facade) builds a
//! [`kkm_core::SaleDraft`]; these functions work on it, so the till's screen, the
//! daemon and the receipt agree.

use kkm_core::receipt::Article;
use kkm_core::receipt::Modifier;
use kkm_core::sale::{settle, ParentRef, SaleDraft, SaleLine, SalePayment, SaleTax, PIECE_MILLI};
use kkm_core::{ErrorCode, Money, Operation, Percent, Quantity, Receipt, TaxationType};
use kkm_store::Product;

use crate::{FoundReceipt, RegisterError};

/// ИС ЭСФ unit code of a piece (штука), the unit of catalogue products.
pub const PIECE_UNIT_CODE: &str = "796";

/// Section (отдел) of a product whose group code is blank.
pub const DEFAULT_SECTION: &str = "1";

/// The totals of one tax rate of a basket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateTotal {
    /// The rate.
    pub percent: Percent,
    /// The tax (included in the total when the rate is included).
    pub sum: Money,
}

/// What a basket comes to, from the same computation as its receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasketTotals {
    /// Σ price × quantity of the lines.
    pub subtotal: Money,
    /// Line and receipt discounts together.
    pub discount: Money,
    /// Line and receipt markups together.
    pub markup: Money,
    /// What the customer owes.
    pub total: Money,
    /// Each line's amount after its modifiers and its share of the receipt's.
    pub line_totals: Vec<Money>,
    /// Tax by rate.
    pub taxes: Vec<RateTotal>,
    /// Σ tendered so far.
    pub paid: Money,
    /// Still to pay (0 once paid in full).
    pub due: Money,
    /// Change in cash.
    pub change: Money,
}

/// What `draft` comes to with the payments entered so far: the receipt's own
/// computation ([`SaleDraft::price`]) and payment rules ([`settle`]), except that a
/// basket not yet paid in full is fine. A draft the sale would refuse gets the sale's
/// code.
pub fn basket_totals(draft: &SaleDraft) -> Result<BasketTotals, RegisterError> {
    let priced = draft.price()?;
    let settled = settle(priced.total, &draft.payments, true)?;
    let sum_of = |f: &dyn Fn(&kkm_core::receipt::ReceiptLine) -> Option<Money>| {
        priced
            .lines
            .iter()
            .filter_map(f)
            .fold(Money::ZERO, Money::saturating_add)
    };
    let line_discounts = sum_of(&|l| l.discount.as_ref().map(|m| m.sum));
    let line_markups = sum_of(&|l| l.markup.as_ref().map(|m| m.sum));
    let positive = |m: Option<&Modifier>| m.map_or(Money::ZERO, |m| m.sum.max(Money::ZERO));
    Ok(BasketTotals {
        subtotal: sum_of(&|l| Some(l.commodity.sum)),
        discount: line_discounts.saturating_add(positive(draft.discount.as_ref())),
        markup: line_markups.saturating_add(positive(draft.markup.as_ref())),
        total: priced.total,
        line_totals: priced.lines.iter().map(|l| l.amount).collect(),
        taxes: priced
            .tax_totals
            .iter()
            .map(|t| RateTotal {
                percent: t.percent,
                sum: t.sum,
            })
            .collect(),
        paid: settled.paid,
        due: settled.due,
        change: settled.change,
    })
}

/// A line of `quantity_milli` thousandths of a catalogue `product`: its name, barcode,
/// section (its group code; [`DEFAULT_SECTION`] when blank), VAT included in the price
/// (none at 0 %), and its discount or markup percent of the line's sum, half up to the
/// tiyn (when a product has both, the line carries their difference). `price` replaces
/// the catalogue price only when the product's price is editable (else `2`).
pub fn catalogue_line(
    product: &Product,
    quantity_milli: i64,
    price: Option<Money>,
) -> Result<SaleLine, RegisterError> {
    let price = match price {
        Some(p) if p != product.price && !product.editable_price => {
            return Err(RegisterError::new(
                ErrorCode::InvalidFields,
                format!(
                    "price: the price of `{}` is fixed at {} in the catalogue",
                    product.name, product.price
                ),
            ))
        }
        Some(p) => p,
        None => product.price,
    };
    let section = product.group_code.trim();
    let mut line = SaleLine::new(
        product.name.clone(),
        if section.is_empty() {
            DEFAULT_SECTION
        } else {
            section
        },
        PIECE_UNIT_CODE,
        price,
        quantity_milli,
    );
    line.barcode = (!product.barcode.is_empty()).then(|| product.barcode.clone());
    line.mark_required = product.marked;
    if product.vat.thousandths() > 0 {
        line.taxes.push(SaleTax {
            taxation_type: None,
            percent_milli: i64::from(product.vat.thousandths()),
            included: true,
        });
    }
    // A quantity the sale refuses keeps no modifier: validation names the quantity.
    let sum = u64::try_from(quantity_milli)
        .ok()
        .and_then(|q| price.times(Quantity::from_thousandths(q)));
    if let Some(sum) = sum {
        let delta = product
            .markup
            .of(sum)
            .saturating_sub(product.discount.of(sum));
        let modifier = |sum: Money, name: &str| Modifier {
            name: name.to_owned(),
            sum,
            auxiliary: Vec::new(),
        };
        if delta.is_negative() {
            line.discount = Some(modifier(delta.abs(), crate::basket::DISCOUNT_NAME));
        } else if !delta.is_zero() {
            line.markup = Some(modifier(delta, crate::basket::MARKUP_NAME));
        }
    }
    Ok(line)
}

/// The sum of a discount or markup of `percent` on the whole of `draft`: that percent of
/// what its lines come to after their own discounts and markups (the receipt's own
/// modifiers and the payments left out), half up to the tiyn. A basket the sale would
/// refuse gets the sale's code.
pub fn receipt_percent_sum(draft: &SaleDraft, percent: Percent) -> Result<Money, RegisterError> {
    let mut lines = draft.clone();
    lines.discount = None;
    lines.markup = None;
    lines.payments.clear();
    Ok(percent.of(lines.price()?.total))
}

/// The most pieces of a marked good one [`catalogue_lines`] call makes lines of.
pub const MAX_MARKED_PIECES: usize = 1000;

/// The lines of `quantity_milli` thousandths of `product` ([`catalogue_line`]): one
/// line, or for a marked good one line of one piece per piece (each piece is sold with
/// its own marking code), which needs a whole number of pieces (else `2`).
pub fn catalogue_lines(
    product: &Product,
    quantity_milli: i64,
    price: Option<Money>,
) -> Result<Vec<SaleLine>, RegisterError> {
    if !product.marked {
        return Ok(vec![catalogue_line(product, quantity_milli, price)?]);
    }
    if quantity_milli <= 0 || quantity_milli % PIECE_MILLI != 0 {
        return Err(RegisterError::new(
            ErrorCode::InvalidFields,
            format!(
                "quantity: `{}` is a marked good, sold in whole pieces (one marking code each)",
                product.name
            ),
        ));
    }
    let pieces = usize::try_from(quantity_milli / PIECE_MILLI).unwrap_or(usize::MAX);
    if pieces > MAX_MARKED_PIECES {
        return Err(RegisterError::new(
            ErrorCode::InvalidFields,
            format!("quantity: at most {MAX_MARKED_PIECES} marked pieces at once"),
        ));
    }
    let line = catalogue_line(product, PIECE_MILLI, price)?;
    Ok(vec![line; pieces])
}

/// The lines of the receipt that still wait for their marking code (a marked good
/// scanned by its barcode): the sale refuses them (`2`) until each has its code.
pub fn lines_awaiting_marks(draft: &SaleDraft) -> Vec<usize> {
    draft
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.awaits_mark())
        .map(|(i, _)| i)
        .collect()
}

/// The line a scanned marking code of the product with `barcode` goes onto: the oldest
/// pack of it still waiting for its code (the order the cashier scanned them in), else
/// its last plain piece without a code (a product the catalogue does not flag); `None`
/// when the code makes a new line.
pub fn mark_target(lines: &[SaleLine], barcode: &str) -> Option<usize> {
    let same = |l: &SaleLine| l.barcode.as_deref() == Some(barcode);
    lines
        .iter()
        .position(|l| l.awaits_mark() && same(l))
        .or_else(|| {
            lines.iter().rposition(|l| {
                !l.mark_required
                    && l.excise_stamp.is_none()
                    && l.quantity_milli == PIECE_MILLI
                    && same(l)
            })
        })
}

/// Gives every tax of `draft` that names no taxation regime the KKM's (`regime`, the
/// one the OFD bound the KKM to); without one, they stay as they are.
pub fn apply_regime(draft: &mut SaleDraft, regime: Option<TaxationType>) {
    let Some(regime) = regime else { return };
    let taxes = draft
        .lines
        .iter_mut()
        .flat_map(|l| l.taxes.iter_mut())
        .chain(draft.taxes.iter_mut());
    for tax in taxes {
        tax.taxation_type.get_or_insert(regime);
    }
}

/// A journaled receipt as a draft of the same operation: its lines with their
/// modifiers, taxes and marks, its receipt modifier, the payments as kept (cash net of
/// change) and the customer. The start of a return: the cashier keeps the lines and
/// quantities returned and the operation becomes the return.
pub fn draft_of_receipt(receipt: &Receipt) -> SaleDraft {
    let lines = receipt
        .lines
        .iter()
        .map(|l| {
            let c = &l.commodity;
            let mut line = SaleLine::new(
                c.name.clone(),
                c.section_code.clone(),
                c.measure_unit_code.clone(),
                c.price,
                i64::try_from(c.quantity.thousandths()).unwrap_or(i64::MAX),
            );
            line.taxes = l
                .taxes
                .iter()
                .map(|t| SaleTax {
                    taxation_type: t.taxation_type,
                    percent_milli: i64::from(t.percent.thousandths()),
                    included: t.included,
                })
                .collect();
            line.discount = l.discount.clone();
            line.markup = l.markup.clone();
            line.excise_stamp = c.excise_stamp.clone();
            line.physical_label = c.physical_label.clone();
            line.product_id = c.product_id.clone();
            line.barcode = c.barcode.clone();
            line.ntin = c.ntin.clone();
            line.auxiliary = c.auxiliary.clone();
            line
        })
        .collect();
    let mut draft = SaleDraft::new(receipt.operation, lines);
    draft.domain = receipt.domain;
    draft.domain_details = receipt.domain_details.clone();
    draft.discount = receipt.discount.clone();
    draft.markup = receipt.markup.clone();
    draft.taxes = receipt
        .receipt_taxes
        .iter()
        .map(|t| SaleTax {
            taxation_type: t.taxation_type,
            percent_milli: i64::from(t.percent.thousandths()),
            included: t.included,
        })
        .collect();
    draft.payments = receipt
        .payments
        .iter()
        .map(|p| SalePayment {
            kind: p.kind,
            amount: p.sum,
        })
        .collect();
    draft.customer_iin_or_bin = receipt.customer_iin_or_bin.clone();
    draft
}

/// What of each line of a found receipt may still be returned, in thousandths: per
/// article (name, section, price, unit), what was sold less what is returned, given to
/// its lines in order; a line whose mark is already returned gets nothing. The start
/// of a return: the cashier lowers these, never raises them (the return's rules refuse
/// more).
pub fn returnable_quantities(found: &FoundReceipt) -> Vec<i64> {
    let mut left: Vec<(Article, i64)> = found
        .returnable_lines
        .iter()
        .map(|l| {
            let left = l
                .sold_quantity
                .thousandths()
                .saturating_sub(l.returned_quantity.thousandths());
            (l.article.clone(), i64::try_from(left).unwrap_or(i64::MAX))
        })
        .collect();
    found
        .draft
        .lines
        .iter()
        .map(|line| {
            let returned_mark = line
                .excise_stamp
                .as_ref()
                .is_some_and(|m| found.returned_marks.contains(m));
            let article = Article {
                name: line.name.clone(),
                section_code: line.section_code.clone(),
                price: line.price,
                measure_unit_code: line.measure_unit_code.clone(),
            };
            match left.iter_mut().find(|(a, _)| *a == article) {
                Some((_, rest)) if !returned_mark => {
                    let q = line.quantity_milli.min(*rest).max(0);
                    *rest -= q;
                    q
                }
                _ => 0,
            }
        })
        .collect()
}

/// `sum × part / whole` rounded up (`up`) or down: a returned share of a modifier.
fn share(sum: Money, part: i64, whole: i64, up: bool) -> Money {
    if whole <= 0 || part >= whole {
        return sum;
    }
    let n = i128::from(sum.tiyn()) * i128::from(part.max(0));
    let d = i128::from(whole);
    let q = if up { (n + d - 1) / d } else { n / d };
    Money::from_tiyn(i64::try_from(q).unwrap_or(i64::MAX))
}

fn scaled(m: Option<&Modifier>, part: i64, whole: i64, up: bool) -> Option<Modifier> {
    m.map(|m| Modifier {
        sum: share(m.sum, part, whole, up),
        ..m.clone()
    })
    .filter(|m| !m.sum.is_zero())
}

/// The return of `quantities` (thousandths, one per line of the found receipt; 0 = not
/// returned) of a found receipt: the return operation of the original's, its lines at
/// the original prices with their taxes and marks, naming the original. A line
/// returned in part carries its share of the line's discount or markup, and a receipt
/// returned in part its share of the receipt's (by the lines' nets, as the core spread
/// it over them); a discount's
/// share is rounded up and a markup's down, so that a return never gives back more
/// than was paid. No payments yet: the cashier chooses how the money goes back.
pub fn return_draft(found: &FoundReceipt, quantities: &[i64]) -> SaleDraft {
    let original = &found.draft;
    let operation = match original.operation {
        Operation::Sell => Operation::SellReturn,
        Operation::Buy => Operation::BuyReturn,
        other => other,
    };
    // A line's net: its sum less its discount plus its markup. The core spreads the
    // receipt's discount or markup over the lines by their nets (`kkm_core` allocates
    // it), so the return's share is taken by nets too: by gross sums a part return could
    // give back more than the line was paid (code 95).
    let net_of = |line: &SaleLine| {
        let gross = i128::from(line.price.tiyn()) * i128::from(line.quantity_milli.max(0)) / 1000;
        let m = |m: &Option<Modifier>| i128::from(m.as_ref().map_or(0, |m| m.sum.tiyn()));
        gross - m(&line.discount) + m(&line.markup)
    };
    let mut whole_sum: i128 = 0;
    let mut part_sum: i128 = 0;
    let mut complete = true;
    let mut lines = Vec::new();
    for (i, line) in original.lines.iter().enumerate() {
        let q = quantities.get(i).copied().unwrap_or(0);
        whole_sum += net_of(line);
        if q != line.quantity_milli {
            complete = false;
        }
        if q <= 0 {
            continue;
        }
        let mut returned = line.clone();
        returned.quantity_milli = q;
        returned.declared_sum = None;
        returned.discount = scaled(line.discount.as_ref(), q, line.quantity_milli, true);
        returned.markup = scaled(line.markup.as_ref(), q, line.quantity_milli, false);
        part_sum += net_of(&returned);
        lines.push(returned);
    }
    let mut draft = SaleDraft::new(operation, lines);
    draft.domain = original.domain;
    draft.domain_details = original.domain_details.clone();
    draft.taxes = original.taxes.clone();
    let (part, whole) = if complete {
        (1, 1)
    } else {
        (
            i64::try_from(part_sum).unwrap_or(i64::MAX),
            i64::try_from(whole_sum).unwrap_or(i64::MAX),
        )
    };
    draft.discount = scaled(original.discount.as_ref(), part, whole, true);
    draft.markup = scaled(original.markup.as_ref(), part, whole, false);
    draft.customer_iin_or_bin = original.customer_iin_or_bin.clone();
    draft.parent = Some(ParentRef {
        fiscal_id: found.fiscal_id.clone(),
        ..ParentRef::default()
    });
    draft
}

#[cfg(test)]
mod tests;
