//! Sales analytics from the journal (not from the OFD): for a period and some KKMs,
//! revenue by day and by hour of the day, by payment type, by section and by operator,
//! with returns, discounts and markups — what Alsep's admin panel shows (seed `004_…`
//! §8.1), for senior cashiers and administrators ([`Action::ViewJournal`]).
//!
//! The journal's payloads are parsed once: each query first brings the store's hourly
//! summary up to date from the records after its watermark ([`catch_up`]), then adds up
//! at most a few thousand hourly rows.

use std::collections::BTreeMap;

use kkm_core::{Action, Money, Operation, Receipt, Timestamp};
use kkm_store::{DocumentKind, ReceiptFacts, Store, HOUR_SECS};

use super::Registry;
use crate::book::Payload;
use crate::{Credential, RegisterError};

/// Records read per step of a catch-up (one transaction each).
const CATCH_UP_BATCH: u32 = 2_000;

/// Seconds in a day of the device calendar.
pub const DAY_SECS: i64 = 86_400;

/// The longest period one query covers: a year and a day.
pub const MAX_PERIOD_DAYS: i64 = 367;

/// Sales, returns and adjustments of a slice of the period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SalesFigures {
    /// Σ sales (SELL).
    pub sales: Money,
    /// Number of sales.
    pub sale_count: i64,
    /// Σ returns of sales (SELL_RETURN).
    pub returns: Money,
    /// Number of returns.
    pub return_count: i64,
    /// Discounts given on sales.
    pub discounts: Money,
    /// Markups on sales.
    pub markups: Money,
}

impl SalesFigures {
    /// Sales less returns.
    pub fn net(&self) -> Money {
        self.sales.saturating_sub(self.returns)
    }

    fn add(&mut self, kind: DocumentKind, documents: i64, total: i64, discount: i64, markup: i64) {
        match kind {
            DocumentKind::Sell => {
                self.sales = self.sales.saturating_add(Money::from_tiyn(total));
                self.sale_count += documents;
                self.discounts = self.discounts.saturating_add(Money::from_tiyn(discount));
                self.markups = self.markups.saturating_add(Money::from_tiyn(markup));
            }
            DocumentKind::SellReturn => {
                self.returns = self.returns.saturating_add(Money::from_tiyn(total));
                self.return_count += documents;
            }
            _ => {}
        }
    }
}

/// Money taken (sales) and paid back (returns) per payment type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PaymentFigures {
    /// Cash (net of change).
    pub cash: Money,
    /// Card.
    pub card: Money,
    /// Mobile payment.
    pub mobile: Money,
}

/// One section's sales and returns.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SectionFigures {
    /// Section (отдел) code.
    pub section: String,
    /// Σ amounts sold.
    pub sales: Money,
    /// Σ amounts returned.
    pub returns: Money,
}

/// One operator's figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OperatorFigures {
    /// Operator id.
    pub operator_id: u32,
    /// Name (from the operator list; `#id` for an operator since deleted).
    pub name: String,
    /// Figures.
    pub figures: SalesFigures,
}

/// Analytics of a period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Analytics {
    /// The KKMs counted.
    pub kkm_ids: Vec<u32>,
    /// First day (device seconds of its midnight).
    pub from_day: i64,
    /// Last day (device seconds of its midnight).
    pub to_day: i64,
    /// The whole period.
    pub totals: SalesFigures,
    /// Purchases (BUY) less their returns (BUY_RETURN): money paid out for goods.
    pub purchases: Money,
    /// Every day of the period (empty days included), by its midnight.
    pub by_day: Vec<(i64, SalesFigures)>,
    /// By hour of the day, 0–23.
    pub by_hour: [SalesFigures; 24],
    /// Taken on sales, per payment type.
    pub payments_in: PaymentFigures,
    /// Paid back on returns, per payment type.
    pub payments_out: PaymentFigures,
    /// By section, largest sales first.
    pub by_section: Vec<SectionFigures>,
    /// By operator, largest sales first.
    pub by_operator: Vec<OperatorFigures>,
}

fn receipt_kind(operation: Operation) -> DocumentKind {
    match operation {
        Operation::Buy => DocumentKind::Buy,
        Operation::BuyReturn => DocumentKind::BuyReturn,
        Operation::Sell => DocumentKind::Sell,
        Operation::SellReturn => DocumentKind::SellReturn,
    }
}

/// What the summary keeps of a receipt.
pub(crate) fn facts_of(operator_id: u32, at: Timestamp, receipt: &Receipt) -> ReceiptFacts {
    let tiyn = |m: Option<&kkm_core::receipt::Modifier>| m.map_or(0, |m| m.sum.tiyn());
    let mut facts = ReceiptFacts {
        at: at.secs(),
        kind: Some(receipt_kind(receipt.operation)),
        operator_id,
        total: receipt.total.tiyn(),
        discount: tiyn(receipt.discount.as_ref()),
        markup: tiyn(receipt.markup.as_ref()),
        ..ReceiptFacts::default()
    };
    for line in &receipt.lines {
        facts.discount += tiyn(line.discount.as_ref());
        facts.markup += tiyn(line.markup.as_ref());
        let code = &line.commodity.section_code;
        match facts.sections.iter_mut().find(|(c, _)| c == code) {
            Some((_, amount)) => *amount += line.amount.tiyn(),
            None => facts.sections.push((code.clone(), line.amount.tiyn())),
        }
    }
    for p in &receipt.payments {
        let slot = match p.kind {
            kkm_core::PaymentType::Cash => &mut facts.cash,
            kkm_core::PaymentType::Card => &mut facts.card,
            kkm_core::PaymentType::Mobile => &mut facts.mobile,
        };
        *slot += p.sum.tiyn();
    }
    facts
}

/// Brings KKM `kkm_id`'s summary up to date with its journal. Blocking (SQLite, and
/// parsing every receipt not yet summarised): run it off the async workers.
pub(crate) fn catch_up(store: &Store, kkm_id: u32) -> Result<(), RegisterError> {
    loop {
        let watermark = store.summary_watermark(kkm_id)?;
        let records = store.records(kkm_id, watermark, CATCH_UP_BATCH)?;
        let Some(last) = records.last() else {
            return Ok(());
        };
        let upto = last.id;
        let mut facts = Vec::new();
        for record in &records {
            if let Payload::Ticket { meta, receipt } =
                Payload::from_bytes(record.id, &record.payload)?
            {
                facts.push(facts_of(meta.operator_code, meta.at, &receipt));
            }
        }
        // `false`: another query summarised these first; read the watermark again.
        store.summarise(kkm_id, watermark, upto, &facts)?;
    }
}

impl Registry {
    /// Analytics of days `from..=to` (device time; whole days) on `kkm_ids` (empty:
    /// every KKM whose journal the operator may see). A KKM the operator may not see
    /// → 71/72; a period longer than [`MAX_PERIOD_DAYS`] or reversed → 2.
    pub async fn analytics(
        &self,
        credential: &Credential,
        kkm_ids: &[i64],
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Analytics, RegisterError> {
        let registers = if kkm_ids.is_empty() {
            self.visible_registers(credential, Action::ViewJournal)?
        } else {
            kkm_ids
                .iter()
                .map(|&id| {
                    self.operator_for(credential, id, Action::ViewJournal)
                        .map(|(_, r)| r)
                })
                .collect::<Result<Vec<_>, _>>()?
        };
        let from_day = from.secs().div_euclid(DAY_SECS) * DAY_SECS;
        let to_day = to.secs().div_euclid(DAY_SECS) * DAY_SECS;
        if to_day < from_day || (to_day - from_day) / DAY_SECS >= MAX_PERIOD_DAYS {
            return Err(RegisterError::new(
                kkm_core::ErrorCode::InvalidFields,
                format!(
                    "to: the period must run forwards and cover at most {MAX_PERIOD_DAYS} days"
                ),
            ));
        }
        let store = self.store.clone();
        let ids: Vec<u32> = registers.iter().map(|r| r.kkm_id).collect();
        let summary_ids = ids.clone();
        let (rows, sections) = tokio::task::spawn_blocking(move || {
            let (first, last) = (from_day / HOUR_SECS, (to_day + DAY_SECS) / HOUR_SECS - 1);
            let mut rows = Vec::new();
            let mut sections = Vec::new();
            for &kkm_id in &summary_ids {
                catch_up(&store, kkm_id)?;
                rows.extend(store.summary_hours(kkm_id, first, last)?);
                sections.extend(store.summary_sections(kkm_id, first, last)?);
            }
            Ok::<_, RegisterError>((rows, sections))
        })
        .await
        .map_err(|e| {
            RegisterError::new(
                kkm_core::ErrorCode::MethodExecutionException,
                format!("the analytics task failed: {e}"),
            )
        })??;
        let names: BTreeMap<i64, String> = self
            .store
            .operators()?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let mut out = Analytics {
            kkm_ids: ids,
            from_day,
            to_day,
            ..Analytics::default()
        };
        let days = ((to_day - from_day) / DAY_SECS + 1) as usize;
        out.by_day = (0..days)
            .map(|d| (from_day + d as i64 * DAY_SECS, SalesFigures::default()))
            .collect();
        let mut operators: BTreeMap<u32, SalesFigures> = BTreeMap::new();
        for r in &rows {
            let at = r.hour * HOUR_SECS;
            let add =
                |f: &mut SalesFigures| f.add(r.kind, r.documents, r.total, r.discount, r.markup);
            add(&mut out.totals);
            let day = ((at.div_euclid(DAY_SECS) * DAY_SECS - from_day) / DAY_SECS) as usize;
            if let Some((_, f)) = out.by_day.get_mut(day) {
                add(f);
            }
            add(&mut out.by_hour[(at.rem_euclid(DAY_SECS) / HOUR_SECS) as usize]);
            add(operators.entry(r.operator_id).or_default());
            let money = |t: i64| Money::from_tiyn(t);
            let payments = match r.kind {
                DocumentKind::Sell => Some(&mut out.payments_in),
                DocumentKind::SellReturn => Some(&mut out.payments_out),
                DocumentKind::Buy => {
                    out.purchases = out.purchases.saturating_add(money(r.total));
                    None
                }
                DocumentKind::BuyReturn => {
                    out.purchases = out.purchases.saturating_sub(money(r.total));
                    None
                }
                _ => None,
            };
            if let Some(p) = payments {
                p.cash = p.cash.saturating_add(money(r.cash));
                p.card = p.card.saturating_add(money(r.card));
                p.mobile = p.mobile.saturating_add(money(r.mobile));
            }
        }
        let mut by_section: BTreeMap<String, SectionFigures> = BTreeMap::new();
        for s in sections {
            let entry = by_section
                .entry(s.section.clone())
                .or_insert_with(|| SectionFigures {
                    section: s.section.clone(),
                    ..SectionFigures::default()
                });
            let amount = Money::from_tiyn(s.amount);
            match s.kind {
                DocumentKind::Sell => entry.sales = entry.sales.saturating_add(amount),
                DocumentKind::SellReturn => entry.returns = entry.returns.saturating_add(amount),
                _ => {}
            }
        }
        out.by_section = by_section
            .into_values()
            .filter(|s| s.sales != Money::ZERO || s.returns != Money::ZERO)
            .collect();
        out.by_section
            .sort_by(|a, b| b.sales.cmp(&a.sales).then(a.section.cmp(&b.section)));
        out.by_operator = operators
            .into_iter()
            .filter(|(_, f)| f.sale_count + f.return_count > 0)
            .map(|(id, figures)| OperatorFigures {
                operator_id: id,
                name: names
                    .get(&i64::from(id))
                    .cloned()
                    .unwrap_or_else(|| format!("#{id}")),
                figures,
            })
            .collect();
        out.by_operator.sort_by(|a, b| {
            b.figures
                .sales
                .cmp(&a.figures.sales)
                .then(a.operator_id.cmp(&b.operator_id))
        });
        Ok(out)
    }
}
