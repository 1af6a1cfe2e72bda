//! The shift state machine and its incremental counters.
//!
//! A [`ShiftBook`] is everything one KKM counts: the lifetime counters (non-nullable
//! sums, receipt and placement counts since registration, cash in the drawer, the last
//! shift number) and, while a shift is open, that shift's [`ShiftCounters`].
//!
//! States and transitions (time from an injected [`Clock`]):
//!
//! ```text
//!            receipt / placement (auto-open)                receipt / placement
//!   Closed ─────────────────────────────────▶ Open(n) ─────────────────────────┐
//!     ▲                                         │  ▲                            │
//!     └──────────── close_shift (Z) ────────────┘  └────────────────────────────┘
//! ```
//!
//! * a receipt or a placement on a closed book opens shift `last + 1` first;
//! * while open, a receipt more than 24 hours after the opening is refused with 31
//!   until the shift is closed ([`ShiftBook::shift_expired`]: the register closes such
//!   a shift itself before a receipt, as CashCore does); a placement is not: CashCore's
//!   `MoneyPlacement` has no 24-hour check, so cash can be taken out of (or put into)
//!   the drawer of an expired shift, and the placement counts in that shift;
//! * a document dated before the previous one is refused with 36 (the clock went
//!   back);
//! * a withdrawal or a cash pay-out (BUY, SELL_RETURN) above the cash in the drawer is
//!   refused with 58;
//! * an X-report may be taken any time (on a closed book it shows the empty next
//!   shift); Z closes the open shift (35 if none), optionally withdrawing all cash
//!   first.
//!
//! Every document updates the counters in O(items); a report is built from the
//! counters in O(sections + rates), independent of the number of receipts. A failed
//! call changes nothing. The book is serde-serializable: the store persists it as one
//! blob per shift.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clock::{Clock, Timestamp};
use crate::enums::{MoneyPlacementKind, Operation, PaymentType};
use crate::error::CoreError;
use crate::money::Money;
use crate::placement::MoneyPlacement;
use crate::receipt::Receipt;
use crate::report::{
    AnnulledTickets, NonNullableSum, ReportMoneyPlacement, ReportOperation, ReportPayment,
    ReportSection, ReportTax, ReportTaxOperation, ReportTicketOperation, Revenue, ZxReport,
};

/// Longest a shift may stay open for new documents: 24 hours.
pub const MAX_SHIFT_SECS: i64 = 24 * 3600;

/// Count and sum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CountSum {
    /// How many.
    pub count: u64,
    /// For how much.
    pub sum: Money,
}

impl CountSum {
    fn add(&mut self, count: u64, sum: Money) {
        self.count = self.count.saturating_add(count);
        self.sum = self.sum.saturating_add(sum);
    }
}

/// Tax totals of one rate and operation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxCounter {
    /// Оборот (including the tax).
    pub turnover: Money,
    /// The tax.
    pub sum: Money,
}

/// Receipt totals of one operation in a shift.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketCounter {
    /// Receipts and their totals.
    pub tickets: CountSum,
    /// Per payment type, indexed by [`PaymentType::index`] (cash, card, mobile).
    pub payments: [CountSum; 3],
    /// Autonomous receipts.
    pub offline_count: u64,
    /// Receipt-level discounts.
    pub discount_sum: Money,
    /// Receipt-level markups.
    pub markup_sum: Money,
    /// Change given.
    pub change_sum: Money,
}

/// Placements of one kind in a shift.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlacementCounter {
    /// Placements and their sum.
    pub placements: CountSum,
    /// Autonomous ones.
    pub offline_count: u64,
}

/// The counters of one open shift. Arrays are indexed by [`Operation::index`] (or
/// [`MoneyPlacementKind::index`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShiftCounters {
    /// Номер смены.
    pub number: u32,
    /// When it opened.
    pub opened_at: Timestamp,
    /// Documents (receipts and placements) in the shift so far.
    pub documents: u32,
    /// Non-nullable sums when the shift opened.
    pub start_non_nullable: [Money; 4],
    /// Per section: commodity lines (count, gross sum) per operation.
    pub sections: BTreeMap<String, [CountSum; 4]>,
    /// All commodity lines per operation.
    pub operations: [CountSum; 4],
    /// All discounts per operation.
    pub discounts: [CountSum; 4],
    /// All markups per operation.
    pub markups: [CountSum; 4],
    /// Receipts and totals per operation.
    pub total_result: [CountSum; 4],
    /// Per rate (thousandths of a percent), per operation.
    pub taxes: BTreeMap<u32, [TaxCounter; 4]>,
    /// Receipt totals per operation.
    pub tickets: [TicketCounter; 4],
    /// Deposits and withdrawals.
    pub placements: [PlacementCounter; 2],
    /// Revenue: SELL − SELL_RETURN − BUY + BUY_RETURN.
    pub revenue: Money,
}

/// Counters that are never reset.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LifetimeCounters {
    /// Non-nullable sums (Σ totals) per operation.
    pub non_nullable: [Money; 4],
    /// Receipts per operation since registration.
    pub tickets_total: [u64; 4],
    /// Placements per kind since registration.
    pub placements_total: [u64; 2],
    /// Cash in the drawer.
    pub cash: Money,
    /// Number of the last closed shift (0 before the first).
    pub last_shift_number: u32,
    /// Time of the last document, to detect a clock that went back.
    pub last_document_at: Option<Timestamp>,
    /// Documents already numbered in the next shift before it opened (X-reports taken
    /// on a closed book): the shift's first receipt continues after them.
    pub numbered_before_open: u32,
}

/// Where a registered document landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentStamp {
    /// Номер смены.
    pub shift_number: u32,
    /// Номер документа в смене (from 1).
    pub shift_document_number: u32,
    /// When.
    pub at: Timestamp,
    /// `true` if this document opened the shift.
    pub opened_shift: bool,
}

/// Options of a shift close.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CloseOptions {
    /// Withdraw all cash as part of the close (auto-withdrawal, CPCR `withdraw_money`).
    pub withdraw_cash: bool,
    /// The close is made autonomously (counts the withdrawal as offline).
    pub offline: bool,
}

/// What a Z-report produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShiftClosure {
    /// The Z-report of the closed shift.
    pub report: ZxReport,
    /// The cash withdrawn by the auto-withdrawal, if any.
    pub withdrawn: Option<Money>,
}

/// The shift state machine and counters of one KKM. See the module docs.
///
/// ```
/// use kkm_core::{ManualClock, MoneyPlacement, Money, ShiftBook, Timestamp, CloseOptions};
/// let clock = ManualClock::new(Timestamp::from_secs(1_736_861_875));
/// let mut book = ShiftBook::new();
/// let stamp = book.register_placement(&MoneyPlacement::deposit(Money::from_tiyn(100_000)), false, &clock).unwrap();
/// assert!(stamp.opened_shift);
/// let z = book.close_shift(&clock, CloseOptions::default()).unwrap().report;
/// assert_eq!(z.cash_sum, Money::from_tiyn(100_000));
/// assert!(!book.is_open());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShiftBook {
    /// Never-reset counters.
    pub lifetime: LifetimeCounters,
    /// The open shift, or `None` when closed.
    pub shift: Option<ShiftCounters>,
}

impl ShiftBook {
    /// A fresh KKM: no shift yet, nothing counted.
    pub fn new() -> ShiftBook {
        ShiftBook::default()
    }

    /// `true` while a shift is open.
    pub fn is_open(&self) -> bool {
        self.shift.is_some()
    }

    /// Cash in the drawer.
    pub fn cash_in_drawer(&self) -> Money {
        self.lifetime.cash
    }

    /// Revenue of the open shift (zero when closed).
    pub fn revenue(&self) -> Money {
        self.shift.as_ref().map_or(Money::ZERO, |s| s.revenue)
    }

    /// The number of the open shift, or of the next one when closed.
    pub fn current_shift_number(&self) -> u32 {
        self.shift
            .as_ref()
            .map_or(self.lifetime.last_shift_number.saturating_add(1), |s| {
                s.number
            })
    }

    /// `true` when a shift is open and older than 24 hours at `now`: a new receipt must
    /// close it first (the register does so itself, as CashCore does). A placement is
    /// still taken in it (CashCore's `MoneyPlacement` does not check the shift's age).
    pub fn shift_expired(&self, now: Timestamp) -> bool {
        self.shift
            .as_ref()
            .is_some_and(|s| now.secs_since(s.opened_at) > MAX_SHIFT_SECS)
    }

    /// Checks that a new document may be registered at `now`: not before the previous
    /// document (36) and not in a shift older than 24 hours (31).
    pub fn check_document_time(&self, now: Timestamp) -> Result<(), CoreError> {
        self.check_clock(now)?;
        if let Some(shift) = &self.shift {
            if now.secs_since(shift.opened_at) > MAX_SHIFT_SECS {
                return Err(CoreError::ShiftTooLong {
                    opened_at: shift.opened_at,
                });
            }
        }
        Ok(())
    }

    /// Checks that a document dated `now` is not before the previous document (36).
    fn check_clock(&self, now: Timestamp) -> Result<(), CoreError> {
        match self.lifetime.last_document_at {
            Some(last) if now < last => Err(CoreError::ClockWentBack { last, now }),
            _ => Ok(()),
        }
    }

    fn open_if_closed(&mut self, now: Timestamp) -> bool {
        if self.shift.is_some() {
            return false;
        }
        self.shift = Some(ShiftCounters {
            number: self.lifetime.last_shift_number.saturating_add(1),
            opened_at: now,
            documents: std::mem::take(&mut self.lifetime.numbered_before_open),
            start_non_nullable: self.lifetime.non_nullable,
            ..ShiftCounters::default()
        });
        true
    }

    /// Gives an X-report its own number in the shift, as CashCore does: the next
    /// document number of the open shift, or, on a closed book, of the next shift (whose
    /// first receipt then continues after it). Returns (shift number, document number).
    /// Counts nothing else and does not move the clock check.
    ///
    /// ```
    /// use kkm_core::ShiftBook;
    /// let mut book = ShiftBook::new();
    /// assert_eq!(book.number_x_report(), (1, 1));
    /// assert_eq!(book.number_x_report(), (1, 2));
    /// ```
    pub fn number_x_report(&mut self) -> (u32, u32) {
        match self.shift.as_mut() {
            Some(shift) => {
                shift.documents = shift.documents.saturating_add(1);
                (shift.number, shift.documents)
            }
            None => {
                let life = &mut self.lifetime;
                life.numbered_before_open = life.numbered_before_open.saturating_add(1);
                (
                    life.last_shift_number.saturating_add(1),
                    life.numbered_before_open,
                )
            }
        }
    }

    fn stamp(&mut self, now: Timestamp, opened_shift: bool) -> DocumentStamp {
        self.lifetime.last_document_at = Some(now);
        let shift = self.shift.get_or_insert_with(ShiftCounters::default);
        shift.documents = shift.documents.saturating_add(1);
        DocumentStamp {
            shift_number: shift.number,
            shift_document_number: shift.documents,
            at: now,
            opened_shift,
        }
    }

    /// Registers a validated receipt: checks the time (36, 31) and, for a cash pay-out,
    /// the drawer (58); opens a shift if none is open; updates every counter.
    pub fn register_receipt(
        &mut self,
        receipt: &Receipt,
        offline: bool,
        clock: &dyn Clock,
    ) -> Result<DocumentStamp, CoreError> {
        let now = clock.now();
        self.check_document_time(now)?;
        let op = receipt.operation;
        let cash = receipt.payment(PaymentType::Cash);
        if !op.is_income() && cash > self.lifetime.cash {
            return Err(CoreError::NotEnoughCash {
                requested: cash,
                in_drawer: self.lifetime.cash,
            });
        }
        let opened = self.open_if_closed(now);
        let i = op.index();
        {
            let shift = self.shift.get_or_insert_with(ShiftCounters::default);
            for line in &receipt.lines {
                let c = &line.commodity;
                match shift.sections.get_mut(&c.section_code) {
                    Some(section) => section[i].add(1, c.sum),
                    None => {
                        let mut section = [CountSum::default(); 4];
                        section[i].add(1, c.sum);
                        shift.sections.insert(c.section_code.clone(), section);
                    }
                }
                shift.operations[i].add(1, c.sum);
            }
            let (discount_sum, discount_count) = receipt.all_discounts();
            shift.discounts[i].add(discount_count, discount_sum);
            let (markup_sum, markup_count) = receipt.all_markups();
            shift.markups[i].add(markup_count, markup_sum);
            shift.total_result[i].add(1, receipt.total);
            for t in &receipt.tax_totals {
                let counter = &mut shift.taxes.entry(t.percent.thousandths()).or_default()[i];
                counter.turnover = counter.turnover.saturating_add(t.turnover);
                counter.sum = counter.sum.saturating_add(t.sum);
            }
            let ticket = &mut shift.tickets[i];
            ticket.tickets.add(1, receipt.total);
            for p in &receipt.payments {
                ticket.payments[p.kind.index()].add(1, p.sum);
            }
            ticket.offline_count += u64::from(offline);
            ticket.discount_sum = ticket
                .discount_sum
                .saturating_add(receipt.discount.as_ref().map_or(Money::ZERO, |d| d.sum));
            ticket.markup_sum = ticket
                .markup_sum
                .saturating_add(receipt.markup.as_ref().map_or(Money::ZERO, |m| m.sum));
            ticket.change_sum = ticket.change_sum.saturating_add(receipt.change);
            shift.revenue = if op.is_income() {
                shift.revenue.saturating_add(receipt.total)
            } else {
                shift.revenue.saturating_sub(receipt.total)
            };
        }
        let life = &mut self.lifetime;
        life.non_nullable[i] = life.non_nullable[i].saturating_add(receipt.total);
        life.tickets_total[i] = life.tickets_total[i].saturating_add(1);
        life.cash = if op.is_income() {
            life.cash.saturating_add(cash)
        } else {
            life.cash.saturating_sub(cash)
        };
        Ok(self.stamp(now, opened))
    }

    /// Registers a deposit or a withdrawal: checks the clock (36) and, for a
    /// withdrawal, the drawer (58); opens a shift if none is open. An open shift older
    /// than 24 hours takes the placement (no 31: CashCore's `MoneyPlacement` has no such
    /// check, and a cashier must be able to take the cash out before the Z).
    pub fn register_placement(
        &mut self,
        placement: &MoneyPlacement,
        offline: bool,
        clock: &dyn Clock,
    ) -> Result<DocumentStamp, CoreError> {
        let now = clock.now();
        self.check_clock(now)?;
        if placement.kind == MoneyPlacementKind::Withdrawal && placement.sum > self.lifetime.cash {
            return Err(CoreError::NotEnoughCash {
                requested: placement.sum,
                in_drawer: self.lifetime.cash,
            });
        }
        let opened = self.open_if_closed(now);
        self.count_placement(placement, offline);
        Ok(self.stamp(now, opened))
    }

    fn count_placement(&mut self, placement: &MoneyPlacement, offline: bool) {
        let k = placement.kind.index();
        if let Some(shift) = self.shift.as_mut() {
            shift.placements[k].placements.add(1, placement.sum);
            shift.placements[k].offline_count += u64::from(offline);
        }
        let life = &mut self.lifetime;
        life.placements_total[k] = life.placements_total[k].saturating_add(1);
        life.cash = match placement.kind {
            MoneyPlacementKind::Deposit => life.cash.saturating_add(placement.sum),
            MoneyPlacementKind::Withdrawal => life.cash.saturating_sub(placement.sum),
        };
    }

    /// The X-report now: interim totals of the open shift (or of the empty next shift
    /// when closed). Changes nothing.
    pub fn x_report(&self, clock: &dyn Clock) -> ZxReport {
        let now = clock.now();
        match &self.shift {
            Some(shift) => build_report(shift, &self.lifetime, now, None),
            None => {
                let empty = ShiftCounters {
                    number: self.current_shift_number(),
                    opened_at: now,
                    start_non_nullable: self.lifetime.non_nullable,
                    ..ShiftCounters::default()
                };
                build_report(&empty, &self.lifetime, now, None)
            }
        }
    }

    /// Closes the open shift (Z-report): 35 if none is open, 36 if the clock went
    /// back. With `withdraw_cash`, all cash in the drawer is withdrawn first and counted
    /// in the shift.
    pub fn close_shift(
        &mut self,
        clock: &dyn Clock,
        options: CloseOptions,
    ) -> Result<ShiftClosure, CoreError> {
        let now = clock.now();
        if self.shift.is_none() {
            return Err(CoreError::ShiftNotOpened);
        }
        if let Some(last) = self.lifetime.last_document_at {
            if now < last {
                return Err(CoreError::ClockWentBack { last, now });
            }
        }
        let mut withdrawn = None;
        if options.withdraw_cash && self.lifetime.cash > Money::ZERO {
            let cash = self.lifetime.cash;
            self.count_placement(&MoneyPlacement::withdrawal(cash), options.offline);
            withdrawn = Some(cash);
        }
        let Some(shift) = self.shift.take() else {
            return Err(CoreError::ShiftNotOpened);
        };
        let report = build_report(&shift, &self.lifetime, now, Some(now));
        self.lifetime.last_shift_number = shift.number;
        self.lifetime.last_document_at = Some(now);
        Ok(ShiftClosure { report, withdrawn })
    }
}

fn count32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn operations_of(counters: &[CountSum; 4]) -> Vec<ReportOperation> {
    Operation::REPORT_ORDER
        .iter()
        .filter(|op| counters[op.index()].count > 0)
        .map(|&operation| {
            let c = counters[operation.index()];
            ReportOperation {
                operation,
                count: count32(c.count),
                sum: c.sum,
            }
        })
        .collect()
}

fn non_nullable_of(sums: &[Money; 4]) -> Vec<NonNullableSum> {
    Operation::REPORT_ORDER
        .iter()
        .map(|&operation| NonNullableSum {
            operation,
            sum: sums[operation.index()],
        })
        .collect()
}

/// Builds the report from counters: O(sections + rates).
fn build_report(
    shift: &ShiftCounters,
    life: &LifetimeCounters,
    now: Timestamp,
    closed_at: Option<Timestamp>,
) -> ZxReport {
    ZxReport {
        date_time: now,
        shift_number: shift.number,
        annulled_tickets: AnnulledTickets::default(),
        cash_sum: life.cash,
        revenue: Revenue::of(shift.revenue),
        open_shift_time: shift.opened_at,
        close_shift_time: closed_at,
        checksum: String::new(),
        sections: shift
            .sections
            .iter()
            .map(|(code, ops)| ReportSection {
                section_code: code.clone(),
                operations: operations_of(ops),
            })
            .collect(),
        operations: operations_of(&shift.operations),
        discounts: operations_of(&shift.discounts),
        markups: operations_of(&shift.markups),
        total_result: operations_of(&shift.total_result),
        taxes: shift
            .taxes
            .iter()
            .map(|(&percent, ops)| ReportTax {
                percent,
                operations: Operation::REPORT_ORDER
                    .iter()
                    .filter(|op| ops[op.index()] != TaxCounter::default())
                    .map(|&operation| {
                        let c = ops[operation.index()];
                        ReportTaxOperation {
                            operation,
                            turnover: c.turnover,
                            turnover_without_tax: c.turnover.saturating_sub(c.sum),
                            sum: c.sum,
                        }
                    })
                    .collect(),
            })
            .collect(),
        start_shift_non_nullable_sums: non_nullable_of(&shift.start_non_nullable),
        ticket_operations: Operation::REPORT_ORDER
            .iter()
            .map(|&operation| {
                let t = &shift.tickets[operation.index()];
                ReportTicketOperation {
                    operation,
                    tickets_total_count: count32(life.tickets_total[operation.index()]),
                    tickets_count: count32(t.tickets.count),
                    tickets_sum: t.tickets.sum,
                    offline_count: count32(t.offline_count),
                    discount_sum: t.discount_sum,
                    markup_sum: t.markup_sum,
                    change_sum: t.change_sum,
                    payments: PaymentType::ALL
                        .iter()
                        .filter(|p| t.payments[p.index()].count > 0)
                        .map(|&payment| {
                            let c = t.payments[payment.index()];
                            ReportPayment {
                                payment,
                                sum: c.sum,
                                count: count32(c.count),
                            }
                        })
                        .collect(),
                }
            })
            .collect(),
        money_placements: MoneyPlacementKind::REPORT_ORDER
            .iter()
            .map(|&operation| {
                let p = &shift.placements[operation.index()];
                ReportMoneyPlacement {
                    operation,
                    operations_total_count: count32(life.placements_total[operation.index()]),
                    operations_count: count32(p.placements.count),
                    operations_sum: p.placements.sum,
                    offline_count: count32(p.offline_count),
                }
            })
            .collect(),
        non_nullable_sums: non_nullable_of(&life.non_nullable),
    }
}
