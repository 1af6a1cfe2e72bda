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

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use crate::enums::{DomainType, ItemType, Operation, PaymentType, TaxationType};
use crate::error::CoreError;
use crate::money::{AmountError, JsonNumber, Money, Percent, Quantity};
use crate::request::{KeyValue, ModifierRequest, TaxRequest, TradeOperationRequest};
use crate::tax::{allocate, tax_amount};
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

/// Lines (index, taxation type) per rate and inclusion.
type TaxGroups = BTreeMap<(Percent, bool), Vec<(usize, Option<TaxationType>)>>;

/// A tax as the request gave it, checked.
#[derive(Clone, Copy)]
struct TaxSpec {
    taxation_type: Option<TaxationType>,
    percent: Percent,
    included: bool,
}

fn describe(e: &AmountError) -> String {
    e.to_string()
}

fn parse_taxes(list: Option<&Vec<TaxRequest>>, field: &str) -> Result<Vec<TaxSpec>, CoreError> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let mut specs: Vec<TaxSpec> = Vec::with_capacity(list.len());
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
        if specs.iter().any(|s| s.percent == percent) {
            return Err(CoreError::DuplicateTaxPercent {
                field: field.to_owned(),
                percent,
            });
        }
        specs.push(TaxSpec {
            taxation_type,
            percent,
            included,
        });
    }
    Ok(specs)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ModifierKind {
    Discount,
    Markup,
}

/// Parses a modifier; `Ok(None)` for a zero sum. Returns whether it has taxes too.
fn parse_modifier(
    request: &ModifierRequest,
    path: &str,
    kind: ModifierKind,
    item_level: bool,
) -> Result<(Option<Modifier>, bool), CoreError> {
    let sum_path = format!("{path}.sum");
    let Some(sum) = &request.sum else {
        return Err(match (kind, item_level) {
            (ModifierKind::Discount, true) => CoreError::ItemDiscountUndefined {
                field: path.to_owned(),
            },
            (ModifierKind::Markup, true) => CoreError::ItemMarkupUndefined {
                field: path.to_owned(),
            },
            _ => CoreError::invalid(sum_path, "the sum is required"),
        });
    };
    let value = Money::parse_tenge(sum.as_str())
        .map_err(|e| CoreError::invalid(&sum_path, describe(&e)))?;
    if value.is_negative() {
        let value = sum.as_str().to_owned();
        return Err(match kind {
            ModifierKind::Discount => CoreError::DiscountNegative {
                field: sum_path,
                value,
            },
            ModifierKind::Markup => CoreError::MarkupNegative {
                field: sum_path,
                value,
            },
        });
    }
    let taxes = parse_taxes(request.taxes.as_ref(), &format!("{path}.taxes"))?;
    if value.is_zero() {
        return Ok((None, !taxes.is_empty()));
    }
    Ok((
        Some(Modifier {
            name: request.name.clone().unwrap_or_default(),
            sum: value,
            auxiliary: request.auxiliary.clone().unwrap_or_default(),
        }),
        !taxes.is_empty(),
    ))
}

fn non_empty(value: Option<&String>) -> Option<String> {
    value
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

struct DraftLine {
    path: String,
    commodity: Commodity,
    taxes: Vec<TaxSpec>,
    discount: Option<Modifier>,
    markup: Option<Modifier>,
}

fn parse_commodity(
    request: &crate::request::CommodityRequest,
    path: &str,
) -> Result<(Commodity, Vec<TaxSpec>), CoreError> {
    let name = non_empty(request.name.as_ref())
        .ok_or_else(|| CoreError::invalid(format!("{path}.name"), "the name is required"))?;
    let section_code =
        non_empty(request.section_code.as_ref()).ok_or_else(|| CoreError::SectionCodeEmpty {
            field: format!("{path}.section_code"),
        })?;
    let measure_unit_code = non_empty(request.measure_unit_code.as_ref()).ok_or_else(|| {
        CoreError::MeasureUnitCodeEmpty {
            field: format!("{path}.measure_unit_code"),
        }
    })?;
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
    if quantity.thousandths() == 0 {
        return Err(CoreError::QuantityIncorrect {
            field: quantity_path,
            reason: "must be more than zero".into(),
        });
    }
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
    let expected = price
        .times(quantity)
        .ok_or_else(|| CoreError::ItemSumIncorrect {
            field: sum_path.clone(),
            reason: "price × quantity is out of range".into(),
        })?;
    if sum != expected {
        return Err(CoreError::ItemSumIncorrect {
            field: sum_path,
            reason: format!("{sum} is not price × quantity = {price} × {quantity} = {expected}"),
        });
    }
    let taxes = parse_taxes(request.taxes.as_ref(), &format!("{path}.taxes"))?;
    Ok((
        Commodity {
            name,
            section_code,
            quantity,
            price,
            sum,
            excise_stamp: non_empty(request.excise_stamp.as_ref()),
            physical_label: non_empty(request.physical_label.as_ref()),
            product_id: non_empty(request.product_id.as_ref()),
            barcode: non_empty(request.barcode.as_ref()),
            measure_unit_code,
            auxiliary: request.auxiliary.clone().unwrap_or_default(),
            ntin: non_empty(request.ntin.as_ref()),
        },
        taxes,
    ))
}

fn overflow(what: &str) -> CoreError {
    CoreError::SumToPayIncorrect {
        reason: format!("{what} is out of range"),
    }
}

/// Attaches a (legacy, separate-item) modifier to the preceding commodity line.
fn attach(
    lines: &mut [DraftLine],
    modifier: Option<Modifier>,
    kind: ModifierKind,
    path: &str,
) -> Result<(), CoreError> {
    let Some(line) = lines.last_mut() else {
        return Err(CoreError::CommodityUndefined {
            field: path.to_owned(),
        });
    };
    let Some(modifier) = modifier else {
        return Ok(());
    };
    let (same, other) = match kind {
        ModifierKind::Discount => (&line.discount, &line.markup),
        ModifierKind::Markup => (&line.markup, &line.discount),
    };
    if other.is_some() {
        return Err(CoreError::DiscountAndMarkup {
            field: path.to_owned(),
        });
    }
    if same.is_some() {
        return Err(CoreError::invalid(
            path,
            format!("`{}` already has one", line.path),
        ));
    }
    match kind {
        ModifierKind::Discount => line.discount = Some(modifier),
        ModifierKind::Markup => line.markup = Some(modifier),
    }
    Ok(())
}

/// Parses `items` into draft lines; returns them and the path of the first item-level
/// tax list (for rule 88).
fn parse_items(
    request: &TradeOperationRequest,
) -> Result<(Vec<DraftLine>, Option<String>), CoreError> {
    let items = request.items.as_ref().ok_or(CoreError::ItemsUndefined)?;
    if items.is_empty() {
        return Err(CoreError::ItemsEmpty);
    }
    let mut lines: Vec<DraftLine> = Vec::with_capacity(items.len());
    let mut item_tax_field: Option<String> = None;
    let mut note_taxes = |has: bool, path: String| {
        if has && item_tax_field.is_none() {
            item_tax_field = Some(path);
        }
    };
    for (i, item) in items.iter().enumerate() {
        let path = format!("items[{i}]");
        let kind = item.kind.map(|k| (k, ItemType::from_code(k)));
        match kind {
            Some((_, Some(ItemType::Commodity))) => {
                let commodity =
                    item.commodity
                        .as_ref()
                        .ok_or_else(|| CoreError::CommodityUndefined {
                            field: path.clone(),
                        })?;
                let (commodity, taxes) = parse_commodity(commodity, &format!("{path}.commodity"))?;
                note_taxes(!taxes.is_empty(), format!("{path}.commodity.taxes"));
                let (discount, d_taxes) = match &item.discount {
                    Some(d) => parse_modifier(
                        d,
                        &format!("{path}.discount"),
                        ModifierKind::Discount,
                        true,
                    )?,
                    None => (None, false),
                };
                note_taxes(d_taxes, format!("{path}.discount.taxes"));
                let (markup, m_taxes) = match &item.markup {
                    Some(m) => {
                        parse_modifier(m, &format!("{path}.markup"), ModifierKind::Markup, true)?
                    }
                    None => (None, false),
                };
                note_taxes(m_taxes, format!("{path}.markup.taxes"));
                if discount.is_some() && markup.is_some() {
                    return Err(CoreError::DiscountAndMarkup { field: path });
                }
                lines.push(DraftLine {
                    path,
                    commodity,
                    taxes,
                    discount,
                    markup,
                });
            }
            Some((_, Some(ItemType::Discount))) => {
                let d = item
                    .discount
                    .as_ref()
                    .ok_or_else(|| CoreError::ItemDiscountUndefined {
                        field: path.clone(),
                    })?;
                let (discount, has_taxes) =
                    parse_modifier(d, &format!("{path}.discount"), ModifierKind::Discount, true)?;
                note_taxes(has_taxes, format!("{path}.discount.taxes"));
                attach(&mut lines, discount, ModifierKind::Discount, &path)?;
            }
            Some((_, Some(ItemType::Markup))) => {
                let m = item
                    .markup
                    .as_ref()
                    .ok_or_else(|| CoreError::ItemMarkupUndefined {
                        field: path.clone(),
                    })?;
                let (markup, has_taxes) =
                    parse_modifier(m, &format!("{path}.markup"), ModifierKind::Markup, true)?;
                note_taxes(has_taxes, format!("{path}.markup.taxes"));
                attach(&mut lines, markup, ModifierKind::Markup, &path)?;
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
    // Rule 59 per line (after legacy modifiers are attached).
    for line in &lines {
        if let Some(d) = &line.discount {
            if d.sum >= line.commodity.sum {
                return Err(CoreError::DiscountNotLessThanTotal {
                    field: format!("{}.discount.sum", line.path),
                    discount: d.sum,
                    total: line.commodity.sum,
                });
            }
        }
    }
    // A mark may appear once per receipt.
    let mut marks: HashSet<&str> = HashSet::new();
    for line in &lines {
        if let Some(mark) = &line.commodity.excise_stamp {
            if !marks.insert(mark) {
                return Err(CoreError::invalid(
                    format!("{}.commodity.excise_stamp", line.path),
                    "this excise mark already appears on the receipt",
                ));
            }
        }
    }
    Ok((lines, item_tax_field))
}

/// The payments as tendered, at most one per type.
#[derive(Default)]
struct Tendered {
    cash: Option<Money>,
    card: Option<Money>,
    mobile: Option<Money>,
    order: Vec<PaymentType>,
}

fn parse_payments(request: &TradeOperationRequest) -> Result<Tendered, CoreError> {
    let mut tendered = Tendered::default();
    for (i, payment) in request.payments.iter().flatten().enumerate() {
        let path = format!("payments[{i}]");
        let type_path = format!("{path}.type");
        let kind = payment
            .kind
            .ok_or_else(|| CoreError::PaymentTypeIncorrect {
                field: type_path.clone(),
                reason: "the payment type is required".into(),
            })?;
        let kind = PaymentType::from_code(kind).ok_or_else(|| CoreError::PaymentTypeIncorrect {
            field: type_path.clone(),
            reason: format!("unknown payment type {kind} (0 cash, 1 card, 4 mobile)"),
        })?;
        let sum_path = format!("{path}.sum");
        let text = payment
            .sum
            .as_ref()
            .ok_or_else(|| CoreError::PaymentSumIncorrect {
                field: sum_path.clone(),
                reason: "the sum is required".into(),
            })?;
        let sum =
            Money::parse_tenge(text.as_str()).map_err(|e| CoreError::PaymentSumIncorrect {
                field: sum_path.clone(),
                reason: describe(&e),
            })?;
        if sum.is_negative() {
            return Err(match kind {
                PaymentType::Cash => CoreError::CashNegative {
                    field: sum_path,
                    value: text.as_str().to_owned(),
                },
                _ => CoreError::PaymentSumIncorrect {
                    field: sum_path,
                    reason: format!("{} is negative", text.as_str()),
                },
            });
        }
        let slot = match kind {
            PaymentType::Cash => &mut tendered.cash,
            PaymentType::Card => &mut tendered.card,
            PaymentType::Mobile => &mut tendered.mobile,
        };
        if slot.is_some() {
            return Err(CoreError::PaymentTypeIncorrect {
                field: type_path,
                reason: "at most one payment of each type".into(),
            });
        }
        *slot = Some(sum);
        tendered.order.push(kind);
    }
    Ok(tendered)
}

fn parse_cash_field(value: Option<&JsonNumber>, field: &str) -> Result<Money, CoreError> {
    let Some(value) = value else {
        return Ok(Money::ZERO);
    };
    let money =
        Money::parse_tenge(value.as_str()).map_err(|e| CoreError::invalid(field, describe(&e)))?;
    if money.is_negative() {
        return Err(CoreError::CashNegative {
            field: field.to_owned(),
            value: value.as_str().to_owned(),
        });
    }
    Ok(money)
}

/// Validates a TradeOperation request and computes its receipt. See the module docs
/// for the rules and their codes.
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

    let (drafts, item_tax_field) = parse_items(request)?;
    let receipt_tax_specs = parse_taxes(request.taxes.as_ref(), "taxes")?;
    if let (Some(item_field), false) = (&item_tax_field, receipt_tax_specs.is_empty()) {
        return Err(CoreError::ItemAndTicketTaxes {
            item_field: item_field.clone(),
        });
    }

    // Receipt-level modifiers.
    let amounts = request.amounts.clone().unwrap_or_default();
    let (discount, _) = match &amounts.discount {
        Some(d) => parse_modifier(d, "amounts.discount", ModifierKind::Discount, false)?,
        None => (None, false),
    };
    let (markup, _) = match &amounts.markup {
        Some(m) => parse_modifier(m, "amounts.markup", ModifierKind::Markup, false)?,
        None => (None, false),
    };
    if discount.is_some() && markup.is_some() {
        return Err(CoreError::DiscountAndMarkup {
            field: "amounts".into(),
        });
    }

    // Line nets and the receipt modifier spread across lines.
    let mut nets = Vec::with_capacity(drafts.len());
    for d in &drafts {
        let mut net = d.commodity.sum;
        if let Some(m) = &d.discount {
            net = net
                .checked_sub(m.sum)
                .ok_or_else(|| overflow("an item sum"))?;
        }
        if let Some(m) = &d.markup {
            net = net
                .checked_add(m.sum)
                .ok_or_else(|| overflow("an item sum"))?;
        }
        nets.push(net);
    }
    let mut before_receipt_modifier = Money::ZERO;
    for net in &nets {
        before_receipt_modifier = before_receipt_modifier
            .checked_add(*net)
            .ok_or_else(|| overflow("the sum of the items"))?;
    }
    if let Some(d) = &discount {
        if d.sum >= before_receipt_modifier {
            return Err(CoreError::DiscountNotLessThanTotal {
                field: "amounts.discount.sum".into(),
                discount: d.sum,
                total: before_receipt_modifier,
            });
        }
    }
    let receipt_delta = markup
        .as_ref()
        .map_or(Money::ZERO, |m| m.sum)
        .saturating_sub(discount.as_ref().map_or(Money::ZERO, |d| d.sum));
    let subtotal = before_receipt_modifier
        .checked_add(receipt_delta)
        .ok_or_else(|| overflow("the receipt sum"))?;
    let shares = allocate(receipt_delta, &nets);
    let mut lines: Vec<ReceiptLine> = Vec::with_capacity(drafts.len());
    let mut line_specs: Vec<Vec<TaxSpec>> = Vec::with_capacity(drafts.len());
    for ((draft, net), share) in drafts.into_iter().zip(nets).zip(shares) {
        let amount = net
            .checked_add(share)
            .ok_or_else(|| overflow("an item amount"))?;
        line_specs.push(draft.taxes);
        lines.push(ReceiptLine {
            commodity: draft.commodity,
            discount: draft.discount,
            markup: draft.markup,
            net,
            amount,
            taxes: Vec::new(),
        });
    }

    // Taxes: one rounding per rate (see crate::tax).
    let mut tax_totals: Vec<TaxTotal> = Vec::new();
    let mut receipt_taxes: Vec<TaxLine> = Vec::new();
    if receipt_tax_specs.is_empty() {
        let mut groups: TaxGroups = BTreeMap::new();
        for (i, specs) in line_specs.iter().enumerate() {
            for s in specs {
                groups
                    .entry((s.percent, s.included))
                    .or_default()
                    .push((i, s.taxation_type));
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
        for s in &receipt_tax_specs {
            let tax = tax_amount(subtotal, s.percent, s.included);
            receipt_taxes.push(TaxLine {
                taxation_type: s.taxation_type,
                percent: s.percent,
                included: s.included,
                sum: tax,
            });
            let turnover = if s.included {
                subtotal
            } else {
                subtotal
                    .checked_add(tax)
                    .ok_or_else(|| overflow("a tax turnover"))?
            };
            tax_totals.push(TaxTotal {
                percent: s.percent,
                included: s.included,
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

    if let Some(given) = &amounts.total {
        let given_money =
            Money::parse_tenge(given.as_str()).map_err(|e| CoreError::TotalIncorrect {
                reason: format!("`amounts.total`: {}", describe(&e)),
            })?;
        if given_money != total {
            return Err(CoreError::TotalIncorrect {
                reason: format!(
                    "amounts.total {given_money} differs from the computed total {total}"
                ),
            });
        }
    }

    // Payments.
    let tendered = parse_payments(request)?;
    let cash = tendered.cash.unwrap_or(Money::ZERO);
    let card = tendered.card.unwrap_or(Money::ZERO);
    let mobile = tendered.mobile.unwrap_or(Money::ZERO);
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
    if paid < total {
        return Err(CoreError::PaidLessThanTotal { paid, total });
    }
    let change = paid.saturating_sub(total);
    let cash_kept = cash.saturating_sub(change);
    let taken_given = parse_cash_field(amounts.taken.as_ref(), "amounts.taken")?;
    if !taken_given.is_zero() && taken_given != cash {
        return Err(CoreError::PaidSumIncorrect {
            reason: format!("amounts.taken {taken_given} differs from the cash payment {cash}"),
        });
    }
    let change_given = parse_cash_field(amounts.change.as_ref(), "amounts.change")?;
    if !change_given.is_zero() && change_given != change {
        return Err(CoreError::PaidSumIncorrect {
            reason: format!(
                "amounts.change {change_given} differs from the computed change {change}"
            ),
        });
    }
    let payments: Vec<Payment> = tendered
        .order
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

    // Customer.
    let customer_iin_or_bin = non_empty(request.customer_iin_or_bin.as_ref())
        .map(|c| crate::customer::iin_or_bin("customer_iin_or_bin", &c))
        .transpose()?;
    if let Some(customer) = &customer_iin_or_bin {
        if context.seller_iin_or_bin.map(str::trim) == Some(customer.as_str()) {
            return Err(CoreError::SameTaxpayerAndCustomer(customer.clone()));
        }
    }
    let customer_email = non_empty(request.customer_email.as_ref())
        .map(|e| crate::customer::email("customer_email", &e))
        .transpose()?;
    let customer_phone = non_empty(request.customer_phone.as_ref())
        .map(|p| crate::customer::phone("customer_phone", &p))
        .transpose()?;
    let domain_details = match &request.domain {
        Some(d) => crate::domain::DomainDetails::from_request(d)?,
        None => crate::domain::DomainDetails::default(),
    };

    let mut receipt = Receipt {
        operation,
        domain,
        lines,
        discount,
        markup,
        receipt_taxes,
        tax_totals,
        subtotal,
        total,
        payments,
        taken: cash,
        change,
        customer_iin_or_bin,
        parent: None,
        auxiliary: request.auxiliary.clone().unwrap_or_default(),
        customer_email,
        customer_phone,
        domain_details,
    };

    if let Some(parent) = &request.parent_ticket {
        receipt.parent = Some(check_return(&receipt, parent, context)?);
    }
    Ok(receipt)
}

/// A return of a receipt this journal does not hold (sold before a migration, or on
/// another KKM of the business): described by the request's own data, which must be
/// complete (date and time, РНМ, total). Only the total can be checked against it: the
/// original's lines are unknown here. Without that data the original is not found (43).
fn external_parent(
    receipt: &Receipt,
    parent: &crate::request::ParentTicketRequest,
    fiscal_id: String,
) -> Result<ParentTicket, CoreError> {
    let described = parent.date_time.is_some() || parent.total.is_some();
    if !described {
        return Err(CoreError::ParentTicketNotFound { fiscal_id });
    }
    let date_time = non_empty(parent.date_time.as_ref())
        .and_then(|t| Timestamp::parse(&t))
        .ok_or_else(|| {
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
    let total = parent
        .total
        .as_ref()
        .ok_or_else(|| {
            CoreError::invalid("parent_ticket.total", "the original's total is required")
        })
        .and_then(|t| {
            Money::parse_non_negative(t.as_str())
                .map_err(|e| CoreError::invalid("parent_ticket.total", describe(&e)))
        })?;
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
        is_offline: parent.is_offline.unwrap_or(false),
    })
}

/// The return rules against the original receipt.
fn check_return(
    receipt: &Receipt,
    parent: &crate::request::ParentTicketRequest,
    context: &SaleContext<'_>,
) -> Result<ParentTicket, CoreError> {
    let Some(original_operation) = receipt.operation.returned_operation() else {
        return Err(CoreError::invalid(
            "parent_ticket",
            "only a return (operation 1 or 3) refers to a parent ticket",
        ));
    };
    let fiscal_id = non_empty(parent.fiscal_id.as_ref()).ok_or_else(|| {
        CoreError::invalid(
            "parent_ticket.fiscal_id",
            "the fiscal sign of the original receipt is required",
        )
    })?;
    let Some(basis) = context
        .return_basis
        .filter(|b| b.parent.fiscal_id == fiscal_id)
    else {
        return external_parent(receipt, parent, fiscal_id);
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
