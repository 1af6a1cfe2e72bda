//! Taking over a KKM that already has a history at the OFD (moved from E-Kassa or
//! another register): its counters and shift are rebuilt from the report the OFD keeps
//! for it (the INFO answer's `report`: a Z when the shift is closed, an X when it is
//! open), so that the next document carries the numbers and totals the OFD expects —
//! as CashCore's `RequestRegInfo` takes "all values from the server".
//!
//! What the OFD's report gives becomes the [`ShiftBook`]: never-reset sums, receipt and
//! placement counts since registration, cash in the drawer, the last closed shift, and
//! for an open shift its number, opening time, start sums, every total (sections,
//! operations, discounts, markups, taxes, receipts by operation and payment, placements,
//! revenue) and its document count (receipts and placements of the shift), so that the
//! next document is numbered after them.

use kkm_proto::cpcr;

use crate::clock::Timestamp;
use crate::enums::{MoneyPlacementKind, Operation, PaymentType, ReportType};
use crate::error::CoreError;
use crate::money::Money;
use crate::shift::{CountSum, LifetimeCounters, ShiftBook, ShiftCounters, TaxCounter};

fn bad(reason: impl Into<String>) -> CoreError {
    CoreError::invalid("report", format!("the OFD's report: {}", reason.into()))
}

fn money(m: &cpcr::Money, what: &str) -> Result<Money, CoreError> {
    Money::from_cpcr(m).ok_or_else(|| bad(format!("{what} is out of range")))
}

fn operation(code: i32) -> Result<Operation, CoreError> {
    Operation::from_code(i64::from(code)).ok_or_else(|| bad(format!("unknown operation {code}")))
}

fn per_operation(list: &[cpcr::zx_report::Operation]) -> Result<[CountSum; 4], CoreError> {
    let mut out = [CountSum::default(); 4];
    for o in list {
        let slot = &mut out[operation(o.operation)?.index()];
        slot.count = slot.count.saturating_add(u64::from(o.count));
        slot.sum = slot
            .sum
            .saturating_add(money(&o.sum, "an operation's sum")?);
    }
    Ok(out)
}

fn non_nullable(list: &[cpcr::zx_report::NonNullableSum]) -> Result<[Money; 4], CoreError> {
    let mut out = [Money::ZERO; 4];
    for s in list {
        out[operation(s.operation)?.index()] = money(&s.sum, "a non-nullable sum")?;
    }
    Ok(out)
}

/// An optional sum of the operator's files: absent is zero.
fn opt_money(m: &Option<cpcr::Money>, what: &str) -> Result<Money, CoreError> {
    m.as_ref().map_or(Ok(Money::ZERO), |m| money(m, what))
}

fn time(dt: &cpcr::DateTime, what: &str) -> Result<Option<Timestamp>, CoreError> {
    // An unset date (all zeros) is "never", as the seed's report shows it.
    if dt.date.year == 0 {
        return Ok(None);
    }
    Timestamp::from_cpcr(dt)
        .map(Some)
        .ok_or_else(|| bad(format!("{what} is not a date")))
}

impl ShiftBook {
    /// The book of a KKM taken over from the OFD's `report` (`report_type` Z: the shift
    /// is closed; X: it is open). Refuses (36) when the device clock `now` is before the
    /// OFD's dates, as CashCore does, and (2) a report it cannot read.
    ///
    /// ```
    /// use kkm_core::{ReportType, ShiftBook, Timestamp};
    /// use kkm_proto::cpcr;
    /// let mut zx = cpcr::ZxReport::default();
    /// zx.shift_number = 118;
    /// zx.open_shift_time = Some(Timestamp::from_secs(1_736_000_000).to_cpcr());
    /// zx.cash_sum = cpcr::Money { bills: 5000, coins: 0 };
    /// let book = ShiftBook::from_ofd_report(ReportType::X, &zx, Timestamp::from_secs(1_736_003_600)).unwrap();
    /// assert!(book.is_open());
    /// assert_eq!(book.current_shift_number(), 118);
    /// assert_eq!(book.cash_in_drawer().to_string(), "5000.00");
    /// ```
    pub fn from_ofd_report(
        report_type: ReportType,
        zx: &cpcr::ZxReport,
        now: Timestamp,
    ) -> Result<ShiftBook, CoreError> {
        let open = report_type == ReportType::X;
        // The date that counts: when the open shift opened, or when the last one closed
        // (a KKM that never worked has neither).
        let opened_at = if open {
            match &zx.open_shift_time {
                Some(t) => time(t, "open_shift_time")?,
                // Optional in the operator's 2.0.3 files, and a real OFD's INFO leaves
                // it out: the shift's 24 hours are then counted from the takeover.
                None => Some(now),
            }
        } else {
            None
        };
        let closed_at = match (&zx.close_shift_time, open) {
            (Some(t), false) => time(t, "close_shift_time")?,
            _ => None,
        };
        let last = opened_at.or(closed_at);
        if let Some(last) = last {
            if now < last {
                return Err(CoreError::ClockWentBack { last, now });
            }
        }
        let mut lifetime = LifetimeCounters {
            non_nullable: non_nullable(&zx.non_nullable_sums)?,
            cash: money(&zx.cash_sum, "cash_sum")?,
            last_document_at: last,
            ..LifetimeCounters::default()
        };
        let mut tickets = [crate::shift::TicketCounter::default(); 4];
        for t in &zx.ticket_operations {
            let i = operation(t.operation)?.index();
            lifetime.tickets_total[i] = u64::from(t.tickets_total_count);
            let c = &mut tickets[i];
            c.tickets = CountSum {
                count: u64::from(t.tickets_count),
                sum: money(&t.tickets_sum, "tickets_sum")?,
            };
            for p in &t.payments {
                let kind = PaymentType::from_code(i64::from(p.payment))
                    .ok_or_else(|| bad(format!("unknown payment type {}", p.payment)))?;
                c.payments[kind.index()] = CountSum {
                    count: u64::from(p.count.unwrap_or(0)),
                    sum: money(&p.sum, "a payment sum")?,
                };
            }
            c.offline_count = u64::from(t.offline_count.unwrap_or(0));
            c.discount_sum = opt_money(&t.discount_sum, "discount_sum")?;
            c.markup_sum = opt_money(&t.markup_sum, "markup_sum")?;
            c.change_sum = opt_money(&t.change_sum, "change_sum")?;
        }
        let mut placements = [crate::shift::PlacementCounter::default(); 2];
        for p in &zx.money_placements {
            let kind = MoneyPlacementKind::from_code(i64::from(p.operation))
                .ok_or_else(|| bad(format!("unknown money placement {}", p.operation)))?;
            lifetime.placements_total[kind.index()] = u64::from(p.operations_total_count);
            placements[kind.index()] = crate::shift::PlacementCounter {
                placements: CountSum {
                    count: u64::from(p.operations_count),
                    sum: money(&p.operations_sum, "operations_sum")?,
                },
                offline_count: u64::from(p.offline_count.unwrap_or(0)),
            };
        }
        if !open {
            // A closed shift: the next one is the one after it (CashCore: a Z with a
            // close time means "a new, not yet opened shift").
            lifetime.last_shift_number = if closed_at.is_some() {
                zx.shift_number
            } else {
                zx.shift_number.saturating_sub(1)
            };
            return Ok(ShiftBook {
                lifetime,
                shift: None,
            });
        }
        lifetime.last_shift_number = zx.shift_number.saturating_sub(1);
        let mut taxes = std::collections::BTreeMap::new();
        for tax in &zx.taxes {
            let mut ops = [TaxCounter::default(); 4];
            for o in &tax.operations {
                ops[operation(o.operation)?.index()] = TaxCounter {
                    turnover: money(&o.turnover, "a tax turnover")?,
                    sum: money(&o.sum, "a tax sum")?,
                };
            }
            taxes.insert(tax.percent, ops);
        }
        let mut sections = std::collections::BTreeMap::new();
        for s in &zx.sections {
            sections.insert(s.section_code.clone(), per_operation(&s.operations)?);
        }
        let revenue = money(&zx.revenue.sum, "revenue")?;
        let documents = tickets
            .iter()
            .map(|t| t.tickets.count)
            .chain(placements.iter().map(|p| p.placements.count))
            .fold(0u64, u64::saturating_add);
        let shift = ShiftCounters {
            number: zx.shift_number,
            opened_at: opened_at.unwrap_or(now),
            documents: u32::try_from(documents).unwrap_or(u32::MAX),
            start_non_nullable: non_nullable(&zx.start_shift_non_nullable_sums)?,
            sections,
            operations: per_operation(&zx.operations)?,
            discounts: per_operation(&zx.discounts)?,
            markups: per_operation(&zx.markups)?,
            total_result: per_operation(&zx.total_result)?,
            taxes,
            tickets,
            placements,
            revenue: if zx.revenue.is_negative {
                Money::ZERO.saturating_sub(revenue)
            } else {
                revenue
            },
        };
        Ok(ShiftBook {
            lifetime,
            shift: Some(shift),
        })
    }
}
