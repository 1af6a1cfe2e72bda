//! A journaled document ([`Payload`] + its record) as the API answers it and as the
//! printer prints it. Pure conversions: no I/O.

use kkm_core::receipt::{Modifier, TaxLine};
use kkm_core::{ItemType, Money, MoneyPlacementKind, Operation, PaymentType, ReportType};
use kkm_print::model as pm;

use crate::api::{
    CommandType, DateTimeObject, DocumentAnswer, MoneyPlacementObject, MoneyPlacementSummary,
    NonNullableSumSummary, OperatorObject, ReportSummary, ShiftState, TicketAmounts,
    TicketCommodity, TicketDomain, TicketExtensionOptions, TicketItem, TicketModifier,
    TicketObject, TicketPayment, TicketSummary, TicketTax, TransactionSummary,
};
use crate::book::{DocMeta, KkmSettings, Payload};

/// How a document went to the OFD, as far as answers are concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fiscal {
    /// The OFD's fiscal sign, once it answered.
    pub sign: Option<String>,
    /// Made (or ended up) autonomous.
    pub offline: bool,
    /// The OFD's QR text of the receipt (its TICKET answer's `qr_code`), if it gave one.
    pub qr: Option<String>,
}

impl Fiscal {
    /// What the journal knows of `record`'s fiscalization.
    pub(crate) fn of_record(record: &kkm_store::Record) -> Fiscal {
        Fiscal {
            sign: record.fiscal_sign.clone(),
            offline: record.offline,
            qr: record.qr_code.clone(),
        }
    }

    /// What the receipt shows as its number: the fiscal sign, or the offline number.
    pub(crate) fn fiscal_id(&self, meta: &DocMeta) -> String {
        self.sign
            .clone()
            .unwrap_or_else(|| meta.offline_number.to_string())
    }

    /// The number the receipt was printed with (`printed_document_number_old`): the
    /// fiscal sign of a receipt fiscalized online, the offline number of an autonomous
    /// one (even after the OFD accepted it from the queue), as CashCore records it.
    pub(crate) fn printed_number(&self, meta: &DocMeta) -> String {
        match (&self.sign, self.offline) {
            (Some(sign), false) => sign.clone(),
            _ => meta.offline_number.to_string(),
        }
    }

    /// The receipt's QR text (`qr_code`, `printed_ticket`): the OFD's own QR of a receipt
    /// it fiscalized online; for an autonomous receipt (and should an OFD answer without
    /// one) the link CashCore builds, [`offline_check_link`].
    pub(crate) fn qr_link(
        &self,
        check_url: &str,
        rnm: &str,
        meta: &DocMeta,
        total: Money,
    ) -> String {
        match (&self.qr, self.offline) {
            (Some(qr), false) => qr.clone(),
            _ => offline_check_link(check_url, &self.printed_number(meta), rnm, meta, total),
        }
    }

    /// The print model's mark: online with the sign, else "Автономный" + number.
    fn mark(&self, meta: &DocMeta) -> pm::FiscalMark {
        match (&self.sign, self.offline) {
            (Some(sign), false) => pm::FiscalMark::Online {
                fiscal_sign: sign.clone(),
            },
            _ => pm::FiscalMark::Autonomous {
                offline_number: u64::from(meta.offline_number),
            },
        }
    }
}

pub(crate) fn command_type(payload: &Payload) -> CommandType {
    match payload {
        Payload::Ticket { .. } => CommandType::Ticket,
        Payload::MoneyPlacement { .. } => CommandType::MoneyPlacement,
        Payload::Report {
            report_type: ReportType::Z,
            ..
        } => CommandType::CloseShift,
        Payload::Report { .. } => CommandType::Report,
    }
}

/// The fields every document answer carries.
pub(crate) fn document_answer(
    settings: &KkmSettings,
    invalid_token: bool,
    payload: &Payload,
    fiscal: &Fiscal,
) -> DocumentAnswer {
    let meta = payload.meta();
    DocumentAnswer {
        command_type: command_type(payload),
        is_offline: fiscal.offline,
        is_invalid_token: invalid_token,
        kkm_local_name: settings.local_name.clone().unwrap_or_default(),
        operator_name: meta.operator_name.clone(),
        fr_shift_number: i64::from(meta.shift_number),
        shift_document_number: i64::from(meta.shift_document_number),
        shift_state: if meta.shift_open_after {
            ShiftState::Open
        } else {
            ShiftState::Closed
        },
        reg_info: settings.reg_info.clone(),
        vat_certificate: settings.vat_certificate.clone().unwrap_or_default(),
        ads_info: settings.ads_info.clone(),
    }
}

/// The check link of a receipt the OFD has not answered for, as CashCore builds it
/// (`BuildOfflineTicket`, and the seed's example):
/// `<consumer address>/?&i=<number>&f=<РНМ>&s=<total, two decimals, comma>&t=<yyyyMMdd>T<HHmmss>`.
pub(crate) fn offline_check_link(
    check_url: &str,
    number: &str,
    rnm: &str,
    meta: &DocMeta,
    total: Money,
) -> String {
    let t = meta.at.to_cpcr();
    let tiyn = total.tiyn().unsigned_abs();
    format!(
        "{}/?&i={}&f={}&s={},{:02}&t={:04}{:02}{:02}T{:02}{:02}{:02}",
        check_url.trim_end_matches('/'),
        number,
        rnm,
        tiyn / 100,
        tiyn % 100,
        t.date.year,
        t.date.month,
        t.date.day,
        t.time.hour,
        t.time.minute,
        t.time.second.unwrap_or(0)
    )
}

fn operator(meta: &DocMeta) -> OperatorObject {
    OperatorObject {
        code: meta.operator_code,
        name: Some(meta.operator_name.clone()),
    }
}

fn ticket_tax(t: &TaxLine) -> TicketTax {
    TicketTax {
        taxation_type: t.taxation_type,
        percent: t.percent,
        sum: t.sum,
        is_in_total_sum: t.included,
    }
}

fn ticket_modifier(m: &Modifier) -> TicketModifier {
    TicketModifier {
        name: Some(m.name.clone()),
        sum: m.sum,
        taxes: Vec::new(),
        auxiliary: m.auxiliary.clone(),
    }
}

fn zero_modifier() -> TicketModifier {
    TicketModifier {
        name: Some(String::new()),
        sum: Money::ZERO,
        taxes: Vec::new(),
        auxiliary: Vec::new(),
    }
}

fn bills_coins(money: Money) -> serde_json::Value {
    let abs = money.tiyn().unsigned_abs();
    serde_json::json!({"bills": abs / 100, "coins": abs % 100})
}

/// The `domain` of a ticket body: its type and the attributes the sale gave, in the
/// body's wire shapes (`{bills, coins}`, `{date, time}`).
fn ticket_domain(receipt: &kkm_core::Receipt) -> TicketDomain {
    let d = &receipt.domain_details;
    let at = |t: kkm_core::Timestamp| serde_json::to_value(DateTimeObject::from_timestamp(t)).ok();
    TicketDomain {
        kind: Some(receipt.domain),
        services: d
            .services
            .as_ref()
            .map(|s| serde_json::json!({"account_number": s.account_number})),
        gasoil: d.gasoil.as_ref().map(|g| {
            serde_json::json!({
                "correction_number": g.correction_number,
                "correction_sum": g.correction_sum.map(bills_coins),
                "card_number": g.card_number,
            })
        }),
        taxi: d.taxi.as_ref().map(|t| {
            serde_json::json!({
                "car_number": t.car_number,
                "is_order": t.is_order,
                "current_fee": bills_coins(t.current_fee),
            })
        }),
        parking: d.parking.as_ref().map(
            |p| serde_json::json!({"begin_time": at(p.begin_time), "end_time": at(p.end_time)}),
        ),
    }
}

/// The ticket body (`TicketObject`) of a receipt.
pub(crate) fn ticket_object(
    receipt: &kkm_core::Receipt,
    meta: &DocMeta,
    fiscal: &Fiscal,
    printed_ticket: Option<String>,
) -> TicketObject {
    let mut items = Vec::with_capacity(receipt.lines.len());
    for line in &receipt.lines {
        let c = &line.commodity;
        items.push(TicketItem {
            kind: ItemType::Commodity,
            commodity: Some(TicketCommodity {
                code: 0,
                name: c.name.clone(),
                section_code: c.section_code.clone(),
                quantity: c.quantity,
                price: c.price,
                sum: c.sum,
                excise_stamp: c.excise_stamp.clone(),
                physical_label: c.physical_label.clone(),
                product_id: c.product_id.clone(),
                barcode: c.barcode.clone(),
                measure_unit_code: Some(c.measure_unit_code.clone()),
                taxes: line.taxes.iter().map(ticket_tax).collect(),
                auxiliary: c.auxiliary.clone(),
            }),
            markup: None,
            discount: None,
        });
        if let Some(d) = &line.discount {
            items.push(TicketItem {
                kind: ItemType::Discount,
                commodity: None,
                markup: None,
                discount: Some(ticket_modifier(d)),
            });
        }
        if let Some(m) = &line.markup {
            items.push(TicketItem {
                kind: ItemType::Markup,
                commodity: None,
                markup: Some(ticket_modifier(m)),
                discount: None,
            });
        }
    }
    let has_cash = receipt.payment(PaymentType::Cash) > Money::ZERO || !receipt.taken.is_zero();
    TicketObject {
        operation: receipt.operation,
        date_time: DateTimeObject::from_timestamp(meta.at),
        operator: operator(meta),
        domain: ticket_domain(receipt),
        amounts: TicketAmounts {
            total: receipt.total,
            taken: has_cash.then_some(receipt.taken),
            change: has_cash.then_some(receipt.change),
            // The seed's core writes both modifiers, a zero one included.
            markup: Some(
                receipt
                    .markup
                    .as_ref()
                    .map_or_else(zero_modifier, ticket_modifier),
            ),
            discount: Some(
                receipt
                    .discount
                    .as_ref()
                    .map_or_else(zero_modifier, ticket_modifier),
            ),
        },
        extension_options: TicketExtensionOptions {
            customer_email: Some(receipt.customer_email.clone().unwrap_or_default()),
            customer_phone: Some(receipt.customer_phone.clone().unwrap_or_default()),
            customer_iin_or_bin: receipt.customer_iin_or_bin.clone(),
            auxiliary: receipt.auxiliary.clone(),
        },
        offline_ticket_number: fiscal.offline.then_some(meta.offline_number),
        printed_document_number_old: Some(fiscal.printed_number(meta)),
        printed_ticket,
        fr_shift_number: i64::from(meta.shift_number),
        shift_document_number: i64::from(meta.shift_document_number),
        printed_document_number: meta.printed_document_number,
        items,
        payments: receipt
            .payments
            .iter()
            .map(|p| TicketPayment {
                kind: p.kind,
                sum: p.sum,
            })
            .collect(),
        taxes: receipt.receipt_taxes.iter().map(ticket_tax).collect(),
        ad_infos: Vec::new(),
    }
}

/// The body of a deposit or withdrawal.
pub(crate) fn placement_object(
    meta: &DocMeta,
    kind: MoneyPlacementKind,
    sum: Money,
    fiscal: &Fiscal,
) -> MoneyPlacementObject {
    MoneyPlacementObject {
        datetime: DateTimeObject::from_timestamp(meta.at),
        operation: kind,
        sum,
        is_offline: fiscal.offline,
        fr_shift_number: i64::from(meta.shift_number),
        printed_document_number: meta.printed_document_number,
        operator: operator(meta),
    }
}

/// The summary of a document in `GetTransactionList`.
pub(crate) fn summary(payload: &Payload, fiscal: &Fiscal) -> TransactionSummary {
    match payload {
        Payload::Ticket { meta, receipt } => TransactionSummary::Ticket(TicketSummary {
            operation: receipt.operation,
            payments: receipt.payments.iter().map(|p| p.kind).collect(),
            sum: receipt.total,
            fiscal_id: fiscal.fiscal_id(meta),
        }),
        Payload::MoneyPlacement { kind, sum, .. } => {
            TransactionSummary::MoneyPlacement(MoneyPlacementSummary {
                operation: *kind,
                sum: *sum,
            })
        }
        Payload::Report {
            report_type,
            report,
            ..
        } => TransactionSummary::Report(ReportSummary {
            kind: *report_type,
            revenue: report.revenue.signed(),
            non_nullable_sums: report
                .non_nullable_sums
                .iter()
                .map(|s| NonNullableSumSummary {
                    operation: s.operation,
                    sum: s.sum,
                })
                .collect(),
        }),
    }
}

/// `total_payments` of a ZXReport answer: net shift totals by payment type code 0..=4
/// (income operations add, expense operations subtract; codes 2 and 3 are unused).
pub(crate) fn total_payments(report: &kkm_core::ZxReport) -> Vec<crate::api::Tenge> {
    let mut totals = [Money::ZERO; 5];
    for op in &report.ticket_operations {
        for p in &op.payments {
            let slot = &mut totals[usize::from(p.payment.code()).min(4)];
            *slot = if op.operation.is_income() {
                slot.saturating_add(p.sum)
            } else {
                slot.saturating_sub(p.sum)
            };
        }
    }
    totals.into_iter().map(crate::api::Tenge).collect()
}

// ---------------------------------------------------------------------------------
// Print

fn print_time(at: kkm_core::Timestamp) -> pm::PrintDateTime {
    let t = at.to_cpcr();
    let narrow = |v: u32| u8::try_from(v).unwrap_or(0);
    pm::PrintDateTime {
        year: u16::try_from(t.date.year).unwrap_or(0),
        month: narrow(t.date.month),
        day: narrow(t.date.day),
        hour: narrow(t.time.hour),
        minute: narrow(t.time.minute),
        second: narrow(t.time.second.unwrap_or(0)),
    }
}

fn print_operation(op: Operation) -> pm::ReceiptOperation {
    match op {
        Operation::Buy => pm::ReceiptOperation::Buy,
        Operation::BuyReturn => pm::ReceiptOperation::BuyReturn,
        Operation::Sell => pm::ReceiptOperation::Sell,
        Operation::SellReturn => pm::ReceiptOperation::SellReturn,
    }
}

fn print_payment(kind: PaymentType) -> pm::PaymentKind {
    match kind {
        PaymentType::Cash => pm::PaymentKind::Cash,
        PaymentType::Card => pm::PaymentKind::Card,
        PaymentType::Mobile => pm::PaymentKind::Mobile,
    }
}

fn print_tax(t: &TaxLine) -> pm::TaxLine {
    pm::TaxLine {
        percent_milli: t.percent.thousandths(),
        sum: t.sum.tiyn(),
        included: t.included,
    }
}

fn print_modifier(
    discount: Option<&Modifier>,
    markup: Option<&Modifier>,
) -> Option<pm::Adjustment> {
    match (discount, markup) {
        (Some(d), _) => Some(pm::Adjustment::Discount {
            name: d.name.clone(),
            sum: d.sum.tiyn(),
        }),
        (None, Some(m)) => Some(pm::Adjustment::Markup {
            name: m.name.clone(),
            sum: m.sum.tiyn(),
        }),
        (None, None) => None,
    }
}

/// The requisites printed at the head of every document.
pub(crate) fn requisites(
    settings: &KkmSettings,
    ofd_name: &str,
    check_url: &str,
) -> pm::KkmRequisites {
    let org = settings.reg_info.org.clone().unwrap_or_default();
    let pos = settings.reg_info.pos.clone().unwrap_or_default();
    let kkm = settings.reg_info.kkm.clone().unwrap_or_default();
    pm::KkmRequisites {
        taxpayer_name: org.title.unwrap_or_default(),
        taxpayer_iin_bin: org.inn.unwrap_or_default(),
        address: pos.address.or(org.address).unwrap_or_default(),
        point_name: pos.title,
        factory_number: kkm.serial_number.unwrap_or_default(),
        registration_number: kkm.fns_kkm_id.unwrap_or_default(),
        vat_certificate: settings
            .vat_certificate
            .as_ref()
            .filter(|v| v.series.as_deref().is_some_and(|s| !s.is_empty()))
            .map(|v| pm::VatCertificate {
                series: v.series.clone().unwrap_or_default(),
                number: v.number.clone().unwrap_or_default(),
                is_printable: v.is_printable.unwrap_or(false),
            }),
        ofd: pm::OfdInfo {
            name: ofd_name.to_owned(),
            check_url: check_url.to_owned(),
        },
        language: pm::Language::Ru,
    }
}

/// The document as the printer prints it.
pub(crate) fn print_document(
    payload: &Payload,
    fiscal: &Fiscal,
    kkm: pm::KkmRequisites,
    ads: &[String],
) -> pm::PrintDocument {
    match payload {
        Payload::Ticket { meta, receipt } => {
            let ticket_number = fiscal.printed_number(meta);
            let qr = fiscal.qr_link(
                &kkm.ofd.check_url,
                &kkm.registration_number,
                meta,
                receipt.total,
            );
            pm::PrintDocument::Receipt(pm::ReceiptView {
                kkm,
                operation: print_operation(receipt.operation),
                shift_number: meta.shift_number,
                document_number: meta.shift_document_number,
                operator: meta.operator_name.clone(),
                date_time: print_time(meta.at),
                fiscal: fiscal.mark(meta),
                items: receipt
                    .lines
                    .iter()
                    .map(|l| pm::ItemLine {
                        name: l.commodity.name.clone(),
                        quantity_milli: i64::try_from(l.commodity.quantity.thousandths())
                            .unwrap_or(i64::MAX),
                        unit: kkm_core::units::unit_label(&l.commodity.measure_unit_code),
                        unit_price: l.commodity.price.tiyn(),
                        sum: l.commodity.sum.tiyn(),
                        marking_code: l.commodity.excise_stamp.clone(),
                        adjustment: print_modifier(l.discount.as_ref(), l.markup.as_ref()),
                        section: Some(l.commodity.section_code.clone()),
                        taxes: l.taxes.iter().map(print_tax).collect(),
                    })
                    .collect(),
                adjustment: print_modifier(receipt.discount.as_ref(), receipt.markup.as_ref()),
                total: receipt.total.tiyn(),
                payments: receipt
                    .payments
                    .iter()
                    .map(|p| pm::PaymentLine {
                        kind: print_payment(p.kind),
                        sum: p.sum.tiyn(),
                    })
                    .collect(),
                taken: (!receipt.taken.is_zero()).then_some(receipt.taken.tiyn()),
                change: receipt.change.tiyn(),
                taxes: receipt
                    .tax_totals
                    .iter()
                    .map(|t| pm::TaxLine {
                        percent_milli: t.percent.thousandths(),
                        sum: t.sum.tiyn(),
                        included: t.included,
                    })
                    .collect(),
                customer_iin_bin: receipt.customer_iin_or_bin.clone(),
                customer_email: receipt.customer_email.clone(),
                customer_phone: receipt.customer_phone.clone(),
                qr: Some(qr),
                ads: ads
                    .iter()
                    .map(|a| a.replace("${ticket_number}", &ticket_number))
                    .collect(),
                duplicate: false,
            })
        }
        Payload::MoneyPlacement { meta, kind, sum } => {
            pm::PrintDocument::MoneyPlacement(pm::MoneyPlacementView {
                kkm,
                kind: match kind {
                    MoneyPlacementKind::Deposit => pm::MoneyPlacementKind::Deposit,
                    MoneyPlacementKind::Withdrawal => pm::MoneyPlacementKind::Withdrawal,
                },
                sum: sum.tiyn(),
                shift_number: meta.shift_number,
                document_number: meta.shift_document_number,
                operator: meta.operator_name.clone(),
                date_time: print_time(meta.at),
                fiscal: fiscal.mark(meta),
                cash_in_drawer: Some(meta.cash_after.tiyn()),
                duplicate: false,
            })
        }
        Payload::Report {
            meta,
            report_type,
            report,
            ..
        } => {
            let placements = |k: MoneyPlacementKind| {
                report
                    .money_placements
                    .iter()
                    .find(|p| p.operation == k)
                    .map_or(pm::CountSum::default(), |p| pm::CountSum {
                        count: p.operations_count,
                        sum: p.operations_sum.tiyn(),
                    })
            };
            let non_nullable = |sums: &[kkm_core::report::NonNullableSum]| {
                sums.iter()
                    .map(|s| pm::NonNullableSum {
                        operation: print_operation(s.operation),
                        sum: s.sum.tiyn(),
                    })
                    .collect()
            };
            let offline: u32 = report
                .ticket_operations
                .iter()
                .map(|t| t.offline_count)
                .chain(report.money_placements.iter().map(|p| p.offline_count))
                .fold(0u32, u32::saturating_add);
            pm::PrintDocument::Report(pm::ReportView {
                kkm,
                kind: match report_type {
                    ReportType::X => pm::ReportKind::X,
                    ReportType::Z => pm::ReportKind::Z,
                },
                shift_number: report.shift_number,
                shift_opened: print_time(report.open_shift_time),
                date_time: print_time(meta.at),
                operator: meta.operator_name.clone(),
                fiscal: (*report_type == ReportType::Z).then(|| fiscal.mark(meta)),
                operations: report
                    .ticket_operations
                    .iter()
                    .map(|t| pm::OperationTotals {
                        operation: print_operation(t.operation),
                        receipts: pm::CountSum {
                            count: t.tickets_count,
                            sum: t.tickets_sum.tiyn(),
                        },
                        discounts: t.discount_sum.tiyn(),
                        markups: t.markup_sum.tiyn(),
                        change: t.change_sum.tiyn(),
                        payments: t
                            .payments
                            .iter()
                            .map(|p| pm::PaymentLine {
                                kind: print_payment(p.payment),
                                sum: p.sum.tiyn(),
                            })
                            .collect(),
                        taxes: report
                            .taxes
                            .iter()
                            .flat_map(|tax| {
                                tax.operations
                                    .iter()
                                    .filter(|o| o.operation == t.operation)
                                    .map(|o| pm::TaxLine {
                                        percent_milli: tax.percent,
                                        sum: o.sum.tiyn(),
                                        included: true,
                                    })
                            })
                            .collect(),
                    })
                    .collect(),
                deposits: placements(MoneyPlacementKind::Deposit),
                withdrawals: placements(MoneyPlacementKind::Withdrawal),
                cash_in_drawer: report.cash_sum.tiyn(),
                revenue: report.revenue.signed().tiyn(),
                non_nullable_start: non_nullable(&report.start_shift_non_nullable_sums),
                non_nullable_end: non_nullable(&report.non_nullable_sums),
                offline_documents: offline,
                checksum: (!report.checksum.is_empty()).then(|| report.checksum.clone()),
                duplicate: false,
            })
        }
    }
}
