//! The return rules of a sale draft: a return against a receipt of this journal
//! ([`check_return`]: the original found (43), the same operation's opposite, lines,
//! quantities, sums and marks still returnable) or against one this journal does not
//! hold ([`external_parent`]).

use std::collections::BTreeMap;

use super::{blank, non_empty, ParentRef};
use crate::error::CoreError;
use crate::money::{Money, Quantity};
use crate::receipt::{Article, ParentTicket, Receipt, SaleContext};

/// A return of a receipt this journal does not hold (sold before a migration, or on
/// another KKM of the business): described by the draft's own data, which must be
/// complete (date and time, РНМ, total). Only the total can be checked against it: the
/// original's lines are unknown here. Without that data the original is not found (43).
pub(super) fn external_parent(
    receipt: &Receipt,
    parent: &ParentRef,
) -> Result<ParentTicket, CoreError> {
    let fiscal_id = parent.fiscal_id.clone();
    if parent.date_time.is_none() && parent.total.is_none() {
        return Err(CoreError::ParentTicketNotFound { fiscal_id });
    }
    let date_time = parent.date_time.ok_or_else(|| {
        CoreError::invalid(
            "parent_ticket.date_time",
            "the original's date and time are required (yyyy-MM-ddTHH:mm:ss)",
        )
    })?;
    let kgd_kkm_id = non_empty(parent.kgd_kkm_id.as_ref()).ok_or_else(|| {
        CoreError::invalid(
            "parent_ticket.kgd_kkm_id",
            "the РНМ of the KKM that sold the original is required",
        )
    })?;
    let total = parent.total.ok_or_else(|| {
        CoreError::invalid("parent_ticket.total", "the original's total is required")
    })?;
    if total.is_negative() {
        return Err(CoreError::invalid(
            "parent_ticket.total",
            format!("{total} is negative"),
        ));
    }
    if receipt.total > total {
        return Err(CoreError::TotalIncorrect {
            reason: format!(
                "returning {} but the original `{fiscal_id}` was {total}",
                receipt.total
            ),
        });
    }
    Ok(ParentTicket {
        fiscal_id,
        date_time,
        kgd_kkm_id,
        total,
        is_offline: parent.is_offline,
    })
}

/// The return rules against the original receipt.
pub(super) fn check_return(
    receipt: &Receipt,
    parent: &ParentRef,
    context: &SaleContext<'_>,
) -> Result<ParentTicket, CoreError> {
    let Some(original_operation) = receipt.operation.returned_operation() else {
        return Err(CoreError::invalid(
            "parent_ticket",
            "only a return (operation 1 or 3) refers to a parent ticket",
        ));
    };
    let Some(fiscal_id) = blank(&parent.fiscal_id) else {
        return Err(CoreError::invalid(
            "parent_ticket.fiscal_id",
            "the fiscal sign of the original receipt is required",
        ));
    };
    let Some(basis) = context
        .return_basis
        .filter(|b| b.parent.fiscal_id == fiscal_id)
    else {
        let parent = ParentRef {
            fiscal_id,
            ..parent.clone()
        };
        return external_parent(receipt, &parent);
    };
    if basis.operation != original_operation {
        return Err(CoreError::invalid(
            "operation",
            format!("receipt `{fiscal_id}` is operation {}, which a return of operation {} cannot reverse", basis.operation.code(), receipt.operation.code()),
        ));
    }
    let mut wanted: BTreeMap<Article, (Quantity, Money, usize)> = BTreeMap::new();
    for (i, line) in receipt.lines.iter().enumerate() {
        let entry =
            wanted
                .entry(line.commodity.article())
                .or_insert((Quantity::default(), Money::ZERO, i));
        entry.0 = entry
            .0
            .checked_add(line.commodity.quantity)
            .ok_or_else(|| CoreError::QuantityIncorrect {
                field: format!("items[{i}].commodity.quantity"),
                reason: "out of range".into(),
            })?;
        entry.1 = entry.1.saturating_add(line.amount);
    }
    for (article, (quantity, amount, i)) in &wanted {
        let Some(sold) = basis.lines.iter().find(|l| &l.article == article) else {
            return Err(CoreError::invalid(
                format!("items[{i}].commodity"),
                format!(
                    "`{}` at {} was not sold on receipt `{fiscal_id}`",
                    article.name, article.price
                ),
            ));
        };
        let left_quantity = sold
            .sold_quantity
            .thousandths()
            .saturating_sub(sold.returned_quantity.thousandths());
        if quantity.thousandths() > left_quantity {
            return Err(CoreError::QuantityIncorrect {
                field: format!("items[{i}].commodity.quantity"),
                reason: format!(
                    "returning {quantity} of `{}` but only {} sold on `{fiscal_id}` and not yet returned",
                    article.name,
                    Quantity::from_thousandths(left_quantity)
                ),
            });
        }
        let left_amount = sold.sold_amount.saturating_sub(sold.returned_amount);
        if *amount > left_amount {
            return Err(CoreError::ItemSumIncorrect {
                field: format!("items[{i}].commodity.sum"),
                reason: format!("returning {amount} for `{}` but only {left_amount} paid on `{fiscal_id}` and not yet returned", article.name),
            });
        }
    }
    for (i, line) in receipt.lines.iter().enumerate() {
        if let Some(mark) = &line.commodity.excise_stamp {
            if !basis.sold_marks.contains(mark) {
                return Err(CoreError::invalid(
                    format!("items[{i}].commodity.excise_stamp"),
                    format!("this mark was not sold on `{fiscal_id}`"),
                ));
            }
            if basis.returned_marks.contains(mark) {
                return Err(CoreError::invalid(
                    format!("items[{i}].commodity.excise_stamp"),
                    "this mark is already returned",
                ));
            }
        }
    }
    let left_total = basis.remaining_total();
    if receipt.total > left_total {
        return Err(CoreError::TotalIncorrect {
            reason: format!(
                "returning {} but only {left_total} of `{fiscal_id}` is not yet returned",
                receipt.total
            ),
        });
    }
    Ok(basis.parent.clone())
}
