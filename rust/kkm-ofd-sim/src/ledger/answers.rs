//! The answers the emulator builds from its books: results, the service data of INFO,
//! and the X/Z report.

use kkm_proto::cpcr::{
    service_response, zx_report, BindedTaxation, CommandTypeEnum, DateTime, KkmRegInfo,
    MoneyPlacementEnum, OperationTypeEnum, OrgRegInfo, PosRegInfo, Response, ResultTypeEnum,
    ServiceResponse, TaxTypeEnum, TicketAd, TicketAdInfo, TicketAdTypeEnum, ZxReport,
};

use super::*;

pub(super) fn ok(command: CommandTypeEnum) -> Response {
    Response {
        command: command as i32,
        result: kkm_proto::cpcr::Result {
            result_code: ResultTypeEnum::ResultTypeOk as u32,
            result_text: None,
        },
        ..Default::default()
    }
}

pub(super) fn result_only(command: i32, code: ResultTypeEnum, text: &str) -> Response {
    Response {
        command,
        result: kkm_proto::cpcr::Result {
            result_code: code as u32,
            result_text: Some(text.to_string()),
        },
        ..Default::default()
    }
}

pub(super) fn service_response(kkm: &KkmLedger) -> ServiceResponse {
    let p = &kkm.profile;
    ServiceResponse {
        ticket_ads: vec![TicketAd {
            info: TicketAdInfo {
                r#type: TicketAdTypeEnum::TicketAdOfd as i32,
                version: 1,
            },
            text: p.ofd_ad_text.clone(),
        }],
        reg_info: Some(service_response::RegInfo {
            kkm: Some(KkmRegInfo {
                point_of_payment_number: Some(String::new()),
                terminal_number: Some(String::new()),
                fns_kkm_id: Some(p.rnm.clone()),
                serial_number: Some(p.serial_number.clone()),
                kkm_id: Some(p.kkm_id.to_string()),
            }),
            pos: Some(PosRegInfo {
                title: Some(p.pos_title.clone()),
                address: Some(p.pos_address.clone()),
                address_kz: Some(p.pos_address_kz.clone()),
                latitude: Some(0),
                longitude: Some(0),
            }),
            org: Some(OrgRegInfo {
                title: Some(p.org_title.clone()),
                address: Some(p.org_address.clone()),
                inn: Some(p.org_iin.clone()),
                okved: Some(p.org_oked.clone()),
                address_kz: Some(p.org_address_kz.clone()),
                ..Default::default()
            }),
        }),
        binded_taxation: p.taxation_type.map(|t| BindedTaxation {
            taxation_type: t,
            taxes: Vec::new(),
        }),
        last_document_info: (kkm.documents_before > 0 || !kkm.accepted.is_empty()).then(|| {
            service_response::LastDocumentInfo {
                fr_shift_number: kkm
                    .shift
                    .as_ref()
                    .map_or(kkm.last_shift_number, |s| s.number),
                printed_document_number: Some(kkm.documents_before + kkm.accepted.len() as u64),
            }
        }),
        auxiliary: Vec::new(),
    }
}

const OPERATIONS: [OperationTypeEnum; 4] = [
    OperationTypeEnum::OperationBuy,
    OperationTypeEnum::OperationBuyReturn,
    OperationTypeEnum::OperationSell,
    OperationTypeEnum::OperationSellReturn,
];

pub(super) fn tallies(t: &[Tally; 4]) -> Vec<zx_report::Operation> {
    OPERATIONS
        .iter()
        .zip(t)
        .map(|(op, t)| zx_report::Operation {
            operation: *op as i32,
            count: t.count,
            sum: money(t.sum),
        })
        .collect()
}

pub(super) fn sums(s: &[u64; 4]) -> Vec<zx_report::NonNullableSum> {
    OPERATIONS
        .iter()
        .zip(s)
        .map(|(op, s)| zx_report::NonNullableSum {
            operation: *op as i32,
            sum: money(*s),
        })
        .collect()
}

/// The X (or, with `closed`, Z) report of the current shift as the OFD counts it.
pub(super) fn zx(kkm: &KkmLedger, now: i64, closed: Option<i64>) -> ZxReport {
    let empty = ShiftBook {
        number: kkm.last_shift_number,
        opened_at: now,
        start_non_nullable: kkm.non_nullable,
        ..Default::default()
    };
    let s = kkm.shift.as_ref().unwrap_or(&empty);
    let signed: i128 = (0..4)
        .map(|op| i128::from(direction(op)) * i128::from(s.total_result[op].sum))
        .sum();
    ZxReport {
        date_time: DateTime::from_unix_seconds(now),
        shift_number: s.number,
        sections: s
            .sections
            .iter()
            .map(|(code, t)| zx_report::Section {
                section_code: code.clone(),
                operations: tallies(t),
            })
            .collect(),
        operations: tallies(&s.operations),
        discounts: tallies(&s.discounts),
        markups: tallies(&s.markups),
        total_result: tallies(&s.total_result),
        taxes: s
            .taxes
            .iter()
            .map(|(percent, ops)| zx_report::Tax {
                tax_type: TaxTypeEnum::Vat as u32,
                percent: *percent,
                operations: OPERATIONS
                    .iter()
                    .zip(ops)
                    .map(|(op, t)| zx_report::tax::TaxOperation {
                        operation: *op as i32,
                        turnover: money(t.turnover),
                        sum: money(t.sum),
                        turnover_without_tax: Some(money(t.turnover_without_tax)),
                    })
                    .collect(),
            })
            .collect(),
        start_shift_non_nullable_sums: sums(&s.start_non_nullable),
        ticket_operations: OPERATIONS
            .iter()
            .zip(&s.tickets)
            .enumerate()
            .map(|(i, (op, t))| zx_report::TicketOperation {
                operation: *op as i32,
                tickets_total_count: kkm.ticket_total_counts[i],
                tickets_count: t.tickets.count,
                tickets_sum: money(t.tickets.sum),
                payments: PAYMENT_TYPES
                    .iter()
                    .zip(&t.payments)
                    .filter(|(_, p)| p.count > 0)
                    .map(|(pt, p)| zx_report::ticket_operation::Payment {
                        payment: *pt as i32,
                        sum: money(p.sum),
                        count: Some(p.count),
                    })
                    .collect(),
                offline_count: Some(t.offline_count),
                discount_sum: Some(money(t.discount_sum)),
                markup_sum: Some(money(t.markup_sum)),
                change_sum: Some(money(t.change_sum)),
            })
            .collect(),
        money_placements: [
            MoneyPlacementEnum::MoneyPlacementDeposit,
            MoneyPlacementEnum::MoneyPlacementWithdrawal,
        ]
        .iter()
        .zip(&s.placements)
        .enumerate()
        .map(|(i, (kind, (t, offline)))| zx_report::MoneyPlacement {
            operation: *kind as i32,
            operations_total_count: kkm.placement_total_counts[i],
            operations_count: t.count,
            operations_sum: money(t.sum),
            offline_count: Some(*offline),
        })
        .collect(),
        cash_sum: money(kkm.cash),
        revenue: zx_report::Revenue {
            sum: money(u64::try_from(signed.unsigned_abs()).unwrap_or(u64::MAX)),
            is_negative: signed < 0,
        },
        non_nullable_sums: sums(&kkm.non_nullable),
        open_shift_time: Some(DateTime::from_unix_seconds(s.opened_at)),
        close_shift_time: closed.map(DateTime::from_unix_seconds),
        checksum: None,
        annulled_tickets: None,
    }
}
