//! The seed's TradeOperation JSON onto a [`SaleDraft`]: the shape of the text (number
//! formats, type codes, required fields, legacy MARKUP/DISCOUNT items) is checked here
//! with the seed's code of each field; the rules on the values are the draft's.

use crate::domain::DomainDetails;
use crate::enums::{DomainType, ItemType, Operation, PaymentType, TaxationType};
use crate::error::CoreError;
use crate::money::{AmountError, JsonNumber, Money, Percent, Quantity};
use crate::receipt::Modifier;
use crate::request::{
    CommodityRequest, ModifierRequest, ParentTicketRequest, TaxRequest, TradeOperationRequest,
};
use crate::sale::{check_taxes, ParentRef, SaleDraft, SaleLine, SalePayment, SaleTax};
use crate::Timestamp;

fn describe(e: &AmountError) -> String {
    e.to_string()
}

impl SaleDraft {
    /// The draft of a TradeOperation request, its text checked for shape (see
    /// [`crate::receipt`] for the codes); [`SaleDraft::validate`] applies the rules.
    /// Error messages name the request's fields (`items[2].commodity.price`).
    pub fn from_request(request: &TradeOperationRequest) -> Result<SaleDraft, CoreError> {
        draft_of(request)
    }
}

fn draft_of(request: &TradeOperationRequest) -> Result<SaleDraft, CoreError> {
    let operation = request
        .operation
        .ok_or_else(|| CoreError::invalid("operation", "the operation is required"))?;
    let operation = Operation::from_code(operation).ok_or_else(|| {
        CoreError::invalid(
            "operation",
            format!("unknown operation {operation} (0 buy, 1 buy return, 2 sell, 3 sell return)"),
        )
    })?;
    let domain = match request.domain.as_ref().and_then(|d| d.kind) {
        None => DomainType::Trading,
        Some(code) => DomainType::from_code(code).ok_or_else(|| {
            CoreError::invalid("domain.type", format!("unknown domain type {code} (0..5)"))
        })?,
    };
    let (lines, paths, modifier_taxes) = parse_items(request)?;
    let taxes = parse_taxes(request.taxes.as_ref(), "taxes")?;
    if let (Some(field), false) = (&modifier_taxes, taxes.is_empty()) {
        return Err(CoreError::ItemAndTicketTaxes {
            item_field: field.clone(),
        });
    }
    let amounts = request.amounts.clone().unwrap_or_default();
    let discount = match &amounts.discount {
        Some(d) => parse_modifier(d, "amounts.discount", None)?.0,
        None => None,
    };
    let markup = match &amounts.markup {
        Some(m) => parse_modifier(m, "amounts.markup", None)?.0,
        None => None,
    };
    let declared_total = amounts
        .total
        .as_ref()
        .map(|t| {
            Money::parse_tenge(t.as_str()).map_err(|e| CoreError::TotalIncorrect {
                reason: format!("`amounts.total`: {}", describe(&e)),
            })
        })
        .transpose()?;
    let payments = parse_payments(request)?;
    let declared_taken = parse_cash_field(amounts.taken.as_ref(), "amounts.taken")?;
    let declared_change = parse_cash_field(amounts.change.as_ref(), "amounts.change")?;
    let domain_details = match &request.domain {
        Some(d) => DomainDetails::from_request(d)?,
        None => DomainDetails::default(),
    };
    let parent = request.parent_ticket.as_ref().map(parent_of).transpose()?;
    let draft = SaleDraft {
        operation,
        domain,
        domain_details,
        lines,
        discount,
        markup,
        taxes,
        declared_total,
        payments,
        declared_taken,
        declared_change,
        customer_iin_or_bin: request.customer_iin_or_bin.clone(),
        customer_email: request.customer_email.clone(),
        customer_phone: request.customer_phone.clone(),
        parent,
        auxiliary: request.auxiliary.clone().unwrap_or_default(),
        paths,
    };
    Ok(draft)
}

fn parse_taxes(list: Option<&Vec<TaxRequest>>, field: &str) -> Result<Vec<SaleTax>, CoreError> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(list.len());
    for (j, tax) in list.iter().enumerate() {
        let path = format!("{field}[{j}]");
        let taxation_type = match tax.taxation_type {
            None => None,
            Some(code) => Some(TaxationType::from_code(code).ok_or_else(|| {
                CoreError::TaxationTypeIncorrect {
                    field: format!("{path}.taxation_type"),
                    value: code,
                }
            })?),
        };
        let percent = match &tax.percent {
            None => {
                return Err(CoreError::invalid(
                    format!("{path}.percent"),
                    "the tax percent is required",
                ))
            }
            Some(p) => Percent::parse(p.as_str()).map_err(|e| {
                CoreError::invalid(
                    format!("{path}.percent"),
                    format!("{} (0..100, ≤ 3 decimals)", describe(&e)),
                )
            })?,
        };
        let included = tax.is_in_total_sum.ok_or_else(|| {
            CoreError::invalid(
                format!("{path}.is_in_total_sum"),
                "is_in_total_sum is required",
            )
        })?;
        if let Some(sum) = &tax.sum {
            let sum = Money::parse_non_negative(sum.as_str()).map_err(|e| {
                CoreError::TaxValueIncorrect {
                    field: format!("{path}.sum"),
                    reason: describe(&e),
                }
            })?;
            // CashCore refuses a sum without a percent (96). A percent with a sum of 0 is
            // taken as "compute it" — the register computes every tax itself anyway, with
            // its one rounding rule — so clients that leave the sum out or at 0 still work.
            if percent.thousandths() == 0 && !sum.is_zero() {
                return Err(CoreError::TaxValueIncorrect {
                    field: path,
                    reason: format!("a tax of {sum} without a percent"),
                });
            }
        }
        out.push(SaleTax {
            taxation_type,
            percent_milli: i64::from(percent.thousandths()),
            included,
        });
    }
    Ok(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Discount,
    Markup,
}

/// A modifier (`Ok(None)` for a zero sum) and whether it had taxes (checked for shape
/// and duplicates, not used: tax is computed on the modified amounts). `item` names
/// the item-level kind, whose missing sum is 48/49.
fn parse_modifier(
    request: &ModifierRequest,
    path: &str,
    item: Option<Kind>,
) -> Result<(Option<Modifier>, bool), CoreError> {
    let Some(sum) = &request.sum else {
        return Err(match item {
            Some(Kind::Discount) => CoreError::ItemDiscountUndefined {
                field: path.to_owned(),
            },
            Some(Kind::Markup) => CoreError::ItemMarkupUndefined {
                field: path.to_owned(),
            },
            None => CoreError::invalid(format!("{path}.sum"), "the sum is required"),
        });
    };
    let value = Money::parse_tenge(sum.as_str())
        .map_err(|e| CoreError::invalid(format!("{path}.sum"), describe(&e)))?;
    let field = format!("{path}.taxes");
    let taxes = parse_taxes(request.taxes.as_ref(), &field)?;
    check_taxes(&taxes, &field)?;
    let modifier = (!value.is_zero()).then(|| Modifier {
        name: request.name.clone().unwrap_or_default(),
        sum: value,
        auxiliary: request.auxiliary.clone().unwrap_or_default(),
    });
    Ok((modifier, !taxes.is_empty()))
}

fn parse_commodity(request: &CommodityRequest, path: &str) -> Result<SaleLine, CoreError> {
    let quantity_path = format!("{path}.quantity");
    let quantity = match &request.quantity {
        None => {
            return Err(CoreError::QuantityIncorrect {
                field: quantity_path,
                reason: "missing".into(),
            })
        }
        Some(q) => Quantity::parse(q.as_str()).map_err(|e| CoreError::QuantityIncorrect {
            field: quantity_path.clone(),
            reason: describe(&e),
        })?,
    };
    let quantity_milli =
        i64::try_from(quantity.thousandths()).map_err(|_| CoreError::QuantityIncorrect {
            field: quantity_path,
            reason: "out of range".into(),
        })?;
    let price_path = format!("{path}.price");
    let price = match &request.price {
        None => {
            return Err(CoreError::PriceIncorrect {
                field: price_path,
                reason: "missing".into(),
            })
        }
        Some(p) => {
            Money::parse_non_negative(p.as_str()).map_err(|e| CoreError::PriceIncorrect {
                field: price_path.clone(),
                reason: describe(&e),
            })?
        }
    };
    let sum_path = format!("{path}.sum");
    let sum = match &request.sum {
        None => {
            return Err(CoreError::ItemSumIncorrect {
                field: sum_path,
                reason: "missing".into(),
            })
        }
        Some(s) => {
            Money::parse_non_negative(s.as_str()).map_err(|e| CoreError::ItemSumIncorrect {
                field: sum_path.clone(),
                reason: describe(&e),
            })?
        }
    };
    Ok(SaleLine {
        name: request.name.clone().unwrap_or_default(),
        section_code: request.section_code.clone().unwrap_or_default(),
        measure_unit_code: request.measure_unit_code.clone().unwrap_or_default(),
        quantity_milli,
        price,
        declared_sum: Some(sum),
        taxes: parse_taxes(request.taxes.as_ref(), &format!("{path}.taxes"))?,
        discount: None,
        markup: None,
        excise_stamp: request.excise_stamp.clone(),
        physical_label: request.physical_label.clone(),
        product_id: request.product_id.clone(),
        barcode: request.barcode.clone(),
        ntin: request.ntin.clone(),
        auxiliary: request.auxiliary.clone().unwrap_or_default(),
        mark_required: false,
    })
}

/// Attaches a (legacy, separate-item) modifier to the preceding commodity line.
fn attach(
    lines: &mut [SaleLine],
    paths: &[String],
    modifier: Option<Modifier>,
    kind: Kind,
    path: &str,
) -> Result<(), CoreError> {
    let (Some(line), Some(line_path)) = (lines.last_mut(), paths.last()) else {
        return Err(CoreError::CommodityUndefined {
            field: path.to_owned(),
        });
    };
    let Some(modifier) = modifier else {
        return Ok(());
    };
    let (same, other) = match kind {
        Kind::Discount => (&mut line.discount, &line.markup),
        Kind::Markup => (&mut line.markup, &line.discount),
    };
    if other.is_some() {
        return Err(CoreError::DiscountAndMarkup {
            field: path.to_owned(),
        });
    }
    if same.is_some() {
        return Err(CoreError::invalid(
            path,
            format!("`{line_path}` already has one"),
        ));
    }
    *same = Some(modifier);
    Ok(())
}

/// The lines, their request paths, and the path of the first modifier with taxes (rule 88).
type ParsedItems = (Vec<SaleLine>, Vec<String>, Option<String>);

fn parse_items(request: &TradeOperationRequest) -> Result<ParsedItems, CoreError> {
    let items = request.items.as_ref().ok_or(CoreError::ItemsUndefined)?;
    if items.is_empty() {
        return Err(CoreError::ItemsEmpty);
    }
    let mut lines: Vec<SaleLine> = Vec::with_capacity(items.len());
    let mut paths: Vec<String> = Vec::with_capacity(items.len());
    let mut modifier_taxes: Option<String> = None;
    let mut note = |has: bool, path: String| {
        if has && modifier_taxes.is_none() {
            modifier_taxes = Some(path);
        }
    };
    for (i, item) in items.iter().enumerate() {
        let path = format!("items[{i}]");
        match item.kind.map(|k| (k, ItemType::from_code(k))) {
            Some((_, Some(ItemType::Commodity))) => {
                let commodity =
                    item.commodity
                        .as_ref()
                        .ok_or_else(|| CoreError::CommodityUndefined {
                            field: path.clone(),
                        })?;
                let mut line = parse_commodity(commodity, &format!("{path}.commodity"))?;
                if let Some(d) = &item.discount {
                    let d_path = format!("{path}.discount");
                    let (d, taxed) = parse_modifier(d, &d_path, Some(Kind::Discount))?;
                    note(taxed, format!("{d_path}.taxes"));
                    line.discount = d;
                }
                if let Some(m) = &item.markup {
                    let m_path = format!("{path}.markup");
                    let (m, taxed) = parse_modifier(m, &m_path, Some(Kind::Markup))?;
                    note(taxed, format!("{m_path}.taxes"));
                    line.markup = m;
                }
                lines.push(line);
                paths.push(path);
            }
            Some((_, Some(ItemType::Discount))) => {
                let d = item
                    .discount
                    .as_ref()
                    .ok_or_else(|| CoreError::ItemDiscountUndefined {
                        field: path.clone(),
                    })?;
                let d_path = format!("{path}.discount");
                let (d, taxed) = parse_modifier(d, &d_path, Some(Kind::Discount))?;
                note(taxed, format!("{d_path}.taxes"));
                attach(&mut lines, &paths, d, Kind::Discount, &path)?;
            }
            Some((_, Some(ItemType::Markup))) => {
                let m = item
                    .markup
                    .as_ref()
                    .ok_or_else(|| CoreError::ItemMarkupUndefined {
                        field: path.clone(),
                    })?;
                let m_path = format!("{path}.markup");
                let (m, taxed) = parse_modifier(m, &m_path, Some(Kind::Markup))?;
                note(taxed, format!("{m_path}.taxes"));
                attach(&mut lines, &paths, m, Kind::Markup, &path)?;
            }
            Some((code, None)) => {
                return Err(CoreError::UnknownItemType {
                    field: format!("{path}.type"),
                    kind: code.to_string(),
                })
            }
            None => {
                return Err(CoreError::UnknownItemType {
                    field: format!("{path}.type"),
                    kind: "none".into(),
                })
            }
        }
    }
    Ok((lines, paths, modifier_taxes))
}

fn parse_payments(request: &TradeOperationRequest) -> Result<Vec<SalePayment>, CoreError> {
    let mut out = Vec::new();
    for (i, payment) in request.payments.iter().flatten().enumerate() {
        let type_path = format!("payments[{i}].type");
        let kind = payment
            .kind
            .ok_or_else(|| CoreError::PaymentTypeIncorrect {
                field: type_path.clone(),
                reason: "the payment type is required".into(),
            })?;
        let kind = PaymentType::from_code(kind).ok_or_else(|| CoreError::PaymentTypeIncorrect {
            field: type_path,
            reason: format!("unknown payment type {kind} (0 cash, 1 card, 4 mobile)"),
        })?;
        let sum_path = format!("payments[{i}].sum");
        let text = payment
            .sum
            .as_ref()
            .ok_or_else(|| CoreError::PaymentSumIncorrect {
                field: sum_path.clone(),
                reason: "the sum is required".into(),
            })?;
        let amount =
            Money::parse_tenge(text.as_str()).map_err(|e| CoreError::PaymentSumIncorrect {
                field: sum_path,
                reason: describe(&e),
            })?;
        out.push(SalePayment { kind, amount });
    }
    Ok(out)
}

fn parse_cash_field(value: Option<&JsonNumber>, field: &str) -> Result<Option<Money>, CoreError> {
    value
        .map(|v| {
            Money::parse_tenge(v.as_str()).map_err(|e| CoreError::invalid(field, describe(&e)))
        })
        .transpose()
}

fn parent_of(parent: &ParentTicketRequest) -> Result<ParentRef, CoreError> {
    let date_time = parent
        .date_time
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            Timestamp::parse(t).ok_or_else(|| {
                CoreError::invalid(
                    "parent_ticket.date_time",
                    "the original's date and time are required (yyyy-MM-ddTHH:mm:ss)",
                )
            })
        })
        .transpose()?;
    let total = parent
        .total
        .as_ref()
        .map(|t| {
            Money::parse_non_negative(t.as_str())
                .map_err(|e| CoreError::invalid("parent_ticket.total", describe(&e)))
        })
        .transpose()?;
    Ok(ParentRef {
        fiscal_id: parent.fiscal_id.clone().unwrap_or_default(),
        date_time,
        kgd_kkm_id: parent.kgd_kkm_id.clone(),
        total,
        is_offline: parent.is_offline.unwrap_or(false),
    })
}
