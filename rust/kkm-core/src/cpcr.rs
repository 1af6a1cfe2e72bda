//! Conversions from the domain to the CPCR wire messages of `kkm-proto` (the OFD
//! client sends these): a receipt to `TicketRequest`, a placement to
//! `MoneyPlacementRequest`, a Z to `CloseShiftRequest`. The report itself converts with
//! [`crate::ZxReport::to_cpcr`].
//!
//! Mapping notes: a receipt line becomes a COMMODITY item followed by its DISCOUNT or
//! MARKUP item, as CPCR lists them; the API's single `excise_stamp` becomes the
//! one-element `list_excise_stamp` (2.0.3, field 14); computed taxes go to the
//! commodity (taxes per item) or to the ticket (taxes per receipt), type VAT; payments
//! carry what was kept (cash net of change).

use kkm_proto::cpcr;
use kkm_proto::cpcr::ticket_request as tr;

use crate::clock::Timestamp;
use crate::enums::ItemType;
use crate::placement::MoneyPlacement;
use crate::receipt::{Modifier, Receipt, TaxLine};
use crate::request::KeyValue;
use crate::shift::ShiftClosure;

/// The cashier of a document (CPCR `Operator`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OperatorRef {
    /// Operator code (the operator's ID).
    pub code: u32,
    /// Name (ФИО).
    pub name: Option<String>,
}

impl OperatorRef {
    fn to_cpcr(&self) -> cpcr::Operator {
        cpcr::Operator {
            code: self.code,
            name: self.name.clone(),
        }
    }
}

/// What a document carries besides its content: time, operator, numbering, offline
/// mark. The register fills it from the [`crate::DocumentStamp`] and its settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentMeta {
    /// When the document was made.
    pub date_time: Timestamp,
    /// Who made it.
    pub operator: OperatorRef,
    /// Номер смены.
    pub shift_number: u32,
    /// Printed document number, if numbered.
    pub printed_document_number: Option<u64>,
    /// The offline number when made autonomously (receipts), `None` online.
    pub offline_ticket_number: Option<u32>,
    /// `true` when made autonomously.
    pub is_offline: bool,
    /// The printed receipt as one string, if kept.
    pub printed_ticket: Option<String>,
}

fn key_values(list: &[KeyValue]) -> Vec<cpcr::KeyValuePair> {
    list.iter()
        .map(|kv| cpcr::KeyValuePair {
            key: kv.key.clone(),
            value: kv.value.clone(),
        })
        .collect()
}

fn tax(line: &TaxLine) -> tr::Tax {
    tr::Tax {
        tax_type: cpcr::TaxTypeEnum::Vat as u32,
        taxation_type: line.taxation_type.map(|t| u32::from(t.code())),
        percent: line.percent.thousandths(),
        sum: line.sum.to_cpcr_abs(),
        is_in_total_sum: line.included,
    }
}

fn modifier(m: &Modifier) -> tr::Modifier {
    tr::Modifier {
        name: Some(m.name.clone()),
        sum: m.sum.to_cpcr_abs(),
        taxes: Vec::new(),
        auxiliary: key_values(&m.auxiliary),
    }
}

/// The CPCR `Domain`: its type and the attributes the request gave.
fn domain(kind: crate::enums::DomainType, details: &crate::domain::DomainDetails) -> tr::Domain {
    tr::Domain {
        r#type: Some(i32::from(kind.code())),
        services: details.services.as_ref().map(|s| tr::domain::Services {
            account_number: s.account_number.clone(),
        }),
        gasoil: details.gasoil.as_ref().map(|g| tr::domain::GasOil {
            correction_number: g.correction_number.clone(),
            correction_sum: g.correction_sum.map(|m| m.to_cpcr_abs()),
            card_number: g.card_number.clone(),
        }),
        taxi: details.taxi.as_ref().map(|t| tr::domain::Taxi {
            car_number: t.car_number.clone(),
            is_order: t.is_order,
            current_fee: t.current_fee.to_cpcr_abs(),
        }),
        parking: details.parking.as_ref().map(|p| tr::domain::Parking {
            begin_time: p.begin_time.to_cpcr(),
            end_time: p.end_time.to_cpcr(),
        }),
    }
}

impl Receipt {
    /// The CPCR `TicketRequest` of this receipt (COMMAND_TICKET).
    pub fn to_ticket_request(&self, meta: &DocumentMeta) -> cpcr::TicketRequest {
        let mut items = Vec::with_capacity(self.lines.len());
        for line in &self.lines {
            let c = &line.commodity;
            items.push(tr::Item {
                r#type: i32::from(ItemType::Commodity.code()),
                commodity: Some(tr::item::Commodity {
                    code: None,
                    name: Some(c.name.clone()),
                    section_code: c.section_code.clone(),
                    quantity: c.quantity.thousandths(),
                    price: c.price.to_cpcr_abs(),
                    sum: c.sum.to_cpcr_abs(),
                    taxes: line.taxes.iter().map(tax).collect(),
                    auxiliary: key_values(&c.auxiliary),
                    physical_label: c.physical_label.clone(),
                    product_id: c.product_id.clone(),
                    barcode: c.barcode.clone(),
                    measure_unit_code: Some(c.measure_unit_code.clone()),
                    list_excise_stamp: c.excise_stamp.iter().cloned().collect(),
                    ntin: c.ntin.clone(),
                    excise_stamp: None,
                }),
                ..Default::default()
            });
            if let Some(d) = &line.discount {
                items.push(tr::Item {
                    r#type: i32::from(ItemType::Discount.code()),
                    discount: Some(modifier(d)),
                    ..Default::default()
                });
            }
            if let Some(m) = &line.markup {
                items.push(tr::Item {
                    r#type: i32::from(ItemType::Markup.code()),
                    markup: Some(modifier(m)),
                    ..Default::default()
                });
            }
        }
        let has_cash = !self.taken.is_zero();
        cpcr::TicketRequest {
            operation: i32::from(self.operation.code()),
            date_time: meta.date_time.to_cpcr(),
            operator: meta.operator.to_cpcr(),
            domain: Some(domain(self.domain, &self.domain_details)),
            items,
            payments: self
                .payments
                .iter()
                .map(|p| tr::Payment {
                    r#type: i32::from(p.kind.code()),
                    sum: p.sum.to_cpcr_abs(),
                    ..Default::default()
                })
                .collect(),
            taxes: self.receipt_taxes.iter().map(tax).collect(),
            amounts: tr::Amounts {
                total: self.total.to_cpcr_abs(),
                taken: has_cash.then(|| self.taken.to_cpcr_abs()),
                change: has_cash.then(|| self.change.to_cpcr_abs()),
                markup: self.markup.as_ref().map(modifier),
                discount: self.discount.as_ref().map(modifier),
            },
            extension_options: (self.customer_iin_or_bin.is_some()
                || self.customer_email.is_some()
                || self.customer_phone.is_some())
            .then(|| tr::ExtensionOptions {
                customer_iin_or_bin: self.customer_iin_or_bin.clone(),
                customer_email: self.customer_email.clone(),
                customer_phone: self.customer_phone.clone(),
                ..Default::default()
            }),
            offline_ticket_number: meta.offline_ticket_number,
            printed_ticket: meta.printed_ticket.clone(),
            fr_shift_number: Some(meta.shift_number),
            printed_document_number: meta.printed_document_number,
            parent_ticket: self.parent.as_ref().map(|p| tr::ParentTicket {
                parent_ticket_number: p.fiscal_id.clone(),
                parent_ticket_data_time: p.date_time.to_cpcr(),
                kgd_kkm_id: p.kgd_kkm_id.clone(),
                parent_ticket_total: p.total.to_cpcr_abs(),
                parent_ticket_is_offline: p.is_offline,
            }),
            ..Default::default()
        }
    }
}

impl MoneyPlacement {
    /// The CPCR `MoneyPlacementRequest` (COMMAND_MONEY_PLACEMENT).
    pub fn to_cpcr(&self, meta: &DocumentMeta) -> cpcr::MoneyPlacementRequest {
        cpcr::MoneyPlacementRequest {
            datetime: meta.date_time.to_cpcr(),
            operation: i32::from(self.kind.code()),
            sum: self.sum.to_cpcr_abs(),
            is_offline: Some(meta.is_offline),
            fr_shift_number: Some(meta.shift_number),
            printed_document_number: meta.printed_document_number,
            operator: Some(meta.operator.to_cpcr()),
        }
    }
}

impl ShiftClosure {
    /// The CPCR `CloseShiftRequest` (COMMAND_CLOSE_SHIFT) carrying the Z-report.
    pub fn to_cpcr(&self, meta: &DocumentMeta) -> cpcr::CloseShiftRequest {
        cpcr::CloseShiftRequest {
            close_time: self
                .report
                .close_shift_time
                .unwrap_or(self.report.date_time)
                .to_cpcr(),
            is_offline: Some(meta.is_offline),
            fr_shift_number: Some(self.report.shift_number),
            withdraw_money: Some(self.withdrawn.is_some()),
            z_report: Some(self.report.to_cpcr()),
            operator: Some(meta.operator.to_cpcr()),
            printed_document_number: meta.printed_document_number,
        }
    }
}
