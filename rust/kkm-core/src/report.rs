//! The X/Z report (`ZXReport`): the seed's JSON (`response_data.body` of the ZXReport
//! method) field for field, and its CPCR form.
//!
//! Reports are built from the shift's counters by [`crate::ShiftBook::x_report`] and
//! [`crate::ShiftBook::close_shift`]; this module only holds their shape.
//!
//! JSON notes: money is `{"bills", "coins"}`, date-times are
//! `{"date": {"year", "month", "day"}, "time": {"hour", "minute", "second"}}` and an
//! X-report's `close_shift_time` is all zeros, as in the seed. Lists are named as the
//! seed names them (`sectionsList`, …). Two choices where the seed's example is odd:
//! empty lists are written `[]` (the seed's example shows `{}` for some empty lists and
//! `[]` elsewhere), and a tax total carries no `type` field in JSON (as in the example;
//! it is always VAT and is set on the CPCR form).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::clock::Timestamp;
use crate::enums::{MoneyPlacementKind, Operation, PaymentType};
use crate::money::{bills_coins, Money};
use kkm_proto::cpcr;

/// `{date, time}` JSON of a [`Timestamp`]; `None` is all zeros.
mod date_time_json {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Date {
        year: u32,
        month: u32,
        day: u32,
    }

    #[derive(Serialize, Deserialize)]
    struct Time {
        hour: u32,
        minute: u32,
        second: u32,
    }

    #[derive(Serialize, Deserialize)]
    struct DateTime {
        date: Date,
        time: Time,
    }

    fn to_json(at: Option<Timestamp>) -> DateTime {
        match at {
            None => DateTime {
                date: Date {
                    year: 0,
                    month: 0,
                    day: 0,
                },
                time: Time {
                    hour: 0,
                    minute: 0,
                    second: 0,
                },
            },
            Some(at) => {
                let dt = at.to_cpcr();
                DateTime {
                    date: Date {
                        year: dt.date.year,
                        month: dt.date.month,
                        day: dt.date.day,
                    },
                    time: Time {
                        hour: dt.time.hour,
                        minute: dt.time.minute,
                        second: dt.time.second.unwrap_or(0),
                    },
                }
            }
        }
    }

    fn from_json(dt: DateTime) -> Option<Timestamp> {
        if dt.date.year == 0 && dt.date.month == 0 && dt.date.day == 0 {
            return None;
        }
        Timestamp::from_cpcr(&cpcr::DateTime {
            date: cpcr::Date {
                year: dt.date.year,
                month: dt.date.month,
                day: dt.date.day,
            },
            time: cpcr::Time {
                hour: dt.time.hour,
                minute: dt.time.minute,
                second: Some(dt.time.second),
            },
        })
    }

    pub fn serialize<S: Serializer>(at: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        to_json(Some(*at)).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        from_json(DateTime::deserialize(d)?)
            .ok_or_else(|| serde::de::Error::custom("invalid date-time"))
    }

    pub mod optional {
        use super::*;

        pub fn serialize<S: Serializer>(at: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
            to_json(*at).serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
            let dt = DateTime::deserialize(d)?;
            let zero = dt.date.year == 0 && dt.date.month == 0 && dt.date.day == 0;
            match from_json(dt) {
                Some(at) => Ok(Some(at)),
                None if zero => Ok(None),
                None => Err(serde::de::Error::custom("invalid date-time")),
            }
        }
    }
}

/// An X or Z report: the body of the seed's ZXReport response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZxReport {
    /// When the report was made.
    #[serde(with = "date_time_json")]
    pub date_time: Timestamp,
    /// Номер смены.
    pub shift_number: u32,
    /// Annulled tickets (always zero: the register does not annul receipts).
    pub annulled_tickets: AnnulledTickets,
    /// Cash in the drawer.
    #[serde(with = "bills_coins")]
    pub cash_sum: Money,
    /// Revenue of the shift with its sign.
    pub revenue: Revenue,
    /// When the shift opened.
    #[serde(with = "date_time_json")]
    pub open_shift_time: Timestamp,
    /// When the shift closed (Z only; zeros in X's JSON).
    #[serde(with = "date_time_json::optional")]
    pub close_shift_time: Option<Timestamp>,
    /// Digest of the shift's documents (filled by the journal; empty otherwise).
    pub checksum: String,
    /// Per section (отдел): commodity lines by operation (gross sums).
    #[serde(rename = "sectionsList")]
    pub sections: Vec<ReportSection>,
    /// All sections together.
    #[serde(rename = "operationsList")]
    pub operations: Vec<ReportOperation>,
    /// Discounts (item and receipt level) by operation.
    #[serde(rename = "discountsList")]
    pub discounts: Vec<ReportOperation>,
    /// Markups (item and receipt level) by operation.
    #[serde(rename = "markupsList")]
    pub markups: Vec<ReportOperation>,
    /// Receipts and their totals by operation.
    #[serde(rename = "total_resultList")]
    pub total_result: Vec<ReportOperation>,
    /// Per tax rate.
    #[serde(rename = "taxesList")]
    pub taxes: Vec<ReportTax>,
    /// Non-nullable sums when the shift opened.
    #[serde(rename = "start_shift_non_nullable_sumsList")]
    pub start_shift_non_nullable_sums: Vec<NonNullableSum>,
    /// Receipt totals per operation.
    #[serde(rename = "ticket_operationsList")]
    pub ticket_operations: Vec<ReportTicketOperation>,
    /// Deposits and withdrawals.
    #[serde(rename = "money_placementsList")]
    pub money_placements: Vec<ReportMoneyPlacement>,
    /// Non-nullable sums now (at the close for Z).
    #[serde(rename = "non_nullable_sumsList")]
    pub non_nullable_sums: Vec<NonNullableSum>,
}

/// `annulled_tickets` of the seed's JSON (not part of CPCR 2.0.3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnulledTickets {
    /// Annulled tickets since registration.
    pub annulled_tickets_total_count: u32,
    /// Annulled tickets in the shift.
    pub annulled_tickets_count: u32,
    /// Per operation.
    #[serde(rename = "annulled_operationsList")]
    pub annulled_operations: Vec<ReportOperation>,
}

/// `ZXReport::Revenue` — выручка with its sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revenue {
    /// `|revenue|`.
    #[serde(with = "bills_coins")]
    pub sum: Money,
    /// `true` when returns and purchases exceed sales.
    pub is_negative: bool,
}

impl Revenue {
    /// The revenue of a signed amount.
    pub fn of(signed: Money) -> Revenue {
        Revenue {
            sum: signed.abs(),
            is_negative: signed.is_negative(),
        }
    }

    /// The signed amount.
    pub fn signed(&self) -> Money {
        if self.is_negative {
            Money::from_tiyn(-self.sum.tiyn())
        } else {
            self.sum
        }
    }
}

/// `ZXReport::Operation` — count and sum of one operation type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOperation {
    /// The operation.
    pub operation: Operation,
    /// How many.
    pub count: u32,
    /// For how much.
    #[serde(with = "bills_coins")]
    pub sum: Money,
}

/// `ZXReport::Section` — totals of one section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSection {
    /// The section code (отдел).
    pub section_code: String,
    /// Per operation.
    #[serde(rename = "operationsList")]
    pub operations: Vec<ReportOperation>,
}

/// `ZXReport::Tax` — totals of one rate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportTax {
    /// Rate in thousandths of a percent.
    pub percent: u32,
    /// Per operation.
    #[serde(rename = "operationsList")]
    pub operations: Vec<ReportTaxOperation>,
}

/// `ZXReport::Tax::TaxOperation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportTaxOperation {
    /// The operation.
    pub operation: Operation,
    /// Оборот (including the tax).
    #[serde(with = "bills_coins")]
    pub turnover: Money,
    /// Оборот без налога.
    #[serde(with = "bills_coins")]
    pub turnover_without_tax: Money,
    /// The tax.
    #[serde(with = "bills_coins")]
    pub sum: Money,
}

/// `ZXReport::NonNullableSum` — a sum never reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonNullableSum {
    /// The operation.
    pub operation: Operation,
    /// Σ totals since registration.
    #[serde(with = "bills_coins")]
    pub sum: Money,
}

/// `ZXReport::TicketOperation` — receipts of one operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportTicketOperation {
    /// The operation.
    pub operation: Operation,
    /// Receipts since registration.
    pub tickets_total_count: u32,
    /// Receipts in the shift.
    pub tickets_count: u32,
    /// Their totals.
    #[serde(with = "bills_coins")]
    pub tickets_sum: Money,
    /// Autonomous receipts in the shift.
    pub offline_count: u32,
    /// Receipt-level discounts.
    #[serde(with = "bills_coins")]
    pub discount_sum: Money,
    /// Receipt-level markups.
    #[serde(with = "bills_coins")]
    pub markup_sum: Money,
    /// Change given.
    #[serde(with = "bills_coins")]
    pub change_sum: Money,
    /// Per payment type.
    #[serde(rename = "paymentsList")]
    pub payments: Vec<ReportPayment>,
}

/// `ZXReport::TicketOperation::Payment`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPayment {
    /// Payment type.
    pub payment: PaymentType,
    /// Amount (cash net of change).
    #[serde(with = "bills_coins")]
    pub sum: Money,
    /// Number of payments.
    pub count: u32,
}

/// `ZXReport::MoneyPlacement` — deposits or withdrawals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportMoneyPlacement {
    /// Deposit or withdrawal.
    pub operation: MoneyPlacementKind,
    /// Since registration.
    pub operations_total_count: u32,
    /// In the shift.
    pub operations_count: u32,
    /// Their sum in the shift.
    #[serde(with = "bills_coins")]
    pub operations_sum: Money,
    /// Autonomous ones in the shift.
    pub offline_count: u32,
}

fn wire(money: Money) -> cpcr::Money {
    money.to_cpcr_abs()
}

fn wire_operation(op: &ReportOperation) -> cpcr::zx_report::Operation {
    cpcr::zx_report::Operation {
        operation: i32::from(op.operation.code()),
        count: op.count,
        sum: wire(op.sum),
    }
}

/// All four operations, zeros included: CPCR requires `n == OperationTypeEnum::size`
/// entries in `operations`, `discounts`, `markups` and `total_result`, while the seed's
/// JSON lists only the operations that occurred.
fn wire_all_operations(list: &[ReportOperation]) -> Vec<cpcr::zx_report::Operation> {
    Operation::REPORT_ORDER
        .iter()
        .map(
            |&operation| match list.iter().find(|o| o.operation == operation) {
                Some(op) => wire_operation(op),
                None => cpcr::zx_report::Operation {
                    operation: i32::from(operation.code()),
                    count: 0,
                    sum: wire(Money::ZERO),
                },
            },
        )
        .collect()
}

fn wire_non_nullable(n: &NonNullableSum) -> cpcr::zx_report::NonNullableSum {
    cpcr::zx_report::NonNullableSum {
        operation: i32::from(n.operation.code()),
        sum: wire(n.sum),
    }
}

impl ZxReport {
    /// The CPCR `ZXReport` message (for REPORT and CLOSE_SHIFT requests).
    pub fn to_cpcr(&self) -> cpcr::ZxReport {
        use cpcr::zx_report as z;
        cpcr::ZxReport {
            date_time: self.date_time.to_cpcr(),
            shift_number: self.shift_number,
            sections: self
                .sections
                .iter()
                .map(|s| z::Section {
                    section_code: s.section_code.clone(),
                    operations: s.operations.iter().map(wire_operation).collect(),
                })
                .collect(),
            operations: wire_all_operations(&self.operations),
            discounts: wire_all_operations(&self.discounts),
            markups: wire_all_operations(&self.markups),
            total_result: wire_all_operations(&self.total_result),
            taxes: self
                .taxes
                .iter()
                .map(|t| z::Tax {
                    tax_type: cpcr::TaxTypeEnum::Vat as u32,
                    percent: t.percent,
                    operations: t
                        .operations
                        .iter()
                        .map(|o| z::tax::TaxOperation {
                            operation: i32::from(o.operation.code()),
                            turnover: wire(o.turnover),
                            sum: wire(o.sum),
                            turnover_without_tax: Some(wire(o.turnover_without_tax)),
                        })
                        .collect(),
                })
                .collect(),
            start_shift_non_nullable_sums: self
                .start_shift_non_nullable_sums
                .iter()
                .map(wire_non_nullable)
                .collect(),
            ticket_operations: self
                .ticket_operations
                .iter()
                .map(|t| z::TicketOperation {
                    operation: i32::from(t.operation.code()),
                    tickets_total_count: t.tickets_total_count,
                    tickets_count: t.tickets_count,
                    tickets_sum: wire(t.tickets_sum),
                    payments: t
                        .payments
                        .iter()
                        .map(|p| z::ticket_operation::Payment {
                            payment: i32::from(p.payment.code()),
                            sum: wire(p.sum),
                            count: Some(p.count),
                        })
                        .collect(),
                    offline_count: Some(t.offline_count),
                    discount_sum: Some(wire(t.discount_sum)),
                    markup_sum: Some(wire(t.markup_sum)),
                    change_sum: Some(wire(t.change_sum)),
                })
                .collect(),
            money_placements: self
                .money_placements
                .iter()
                .map(|m| z::MoneyPlacement {
                    operation: i32::from(m.operation.code()),
                    operations_total_count: m.operations_total_count,
                    operations_count: m.operations_count,
                    operations_sum: wire(m.operations_sum),
                    offline_count: Some(m.offline_count),
                })
                .collect(),
            cash_sum: wire(self.cash_sum),
            revenue: z::Revenue {
                sum: wire(self.revenue.sum),
                is_negative: self.revenue.is_negative,
            },
            non_nullable_sums: self
                .non_nullable_sums
                .iter()
                .map(wire_non_nullable)
                .collect(),
            open_shift_time: Some(self.open_shift_time.to_cpcr()),
            close_shift_time: self.close_shift_time.map(Timestamp::to_cpcr),
            checksum: if self.checksum.is_empty() {
                None
            } else {
                Some(self.checksum.clone())
            },
            annulled_tickets: None,
        }
    }

    /// Σ `tickets_sum` of `operation` in the shift (a convenience for checks).
    pub fn tickets_sum(&self, operation: Operation) -> Money {
        self.ticket_operations
            .iter()
            .filter(|t| t.operation == operation)
            .map(|t| t.tickets_sum)
            .sum()
    }
}
