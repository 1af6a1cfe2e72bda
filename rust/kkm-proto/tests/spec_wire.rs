//! Cross-check against the published CPCR 2.0.3 message definitions: a frame produced
//! by our encoder is walked at the protobuf wire level and every field's number and
//! wire type is compared with the spec's table (transcribed below from the spec's
//! TicketRequest and ZXReport sections). If a number in `proto/` drifts, this fails.
//! Every number and wire type below is also what the operator's own 2.0.3 files declare
//! (`proto/cpcr/README.md`); the field labels follow their names (`tax_type`).

use kkm_proto::cpcr::{
    ticket_request::{self, item},
    zx_report, DateTime, KeyValuePair, Money, Operator, Request, ZxReport,
};
use kkm_proto::fixtures;
use kkm_proto::frame::{self, Frame, FrameHeader, HEADER_LEN, PROTOCOL_VERSION};
use kkm_proto::prost::Message;

/// Protobuf wire types.
const VARINT: u8 = 0;
const LEN: u8 = 2;

/// (field number, wire type, value bytes for LEN fields) of one message, in order.
fn fields(mut buf: &[u8]) -> Vec<(u32, u8, Vec<u8>)> {
    fn varint(buf: &mut &[u8]) -> u64 {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (byte, rest) = buf.split_first().expect("varint ends");
            *buf = rest;
            value |= u64::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                break;
            }
        }
        value
    }
    let mut out = Vec::new();
    while !buf.is_empty() {
        let key = varint(&mut buf);
        let (number, wire) = ((key >> 3) as u32, (key & 7) as u8);
        let body = match wire {
            VARINT => {
                varint(&mut buf);
                Vec::new()
            }
            LEN => {
                let n = varint(&mut buf) as usize;
                let (body, rest) = buf.split_at(n);
                buf = rest;
                body.to_vec()
            }
            other => panic!("unexpected wire type {other} for field {number}"),
        };
        out.push((number, wire, body));
    }
    out
}

/// Checks that `bytes` holds exactly the fields of `spec` (name, number, wire type),
/// each at least once; returns the body of each LEN field by name.
fn check(message: &str, bytes: &[u8], spec: &[(&str, u32, u8)]) -> Vec<(String, Vec<u8>)> {
    let found = fields(bytes);
    let mut bodies = Vec::new();
    for (name, number, wire) in spec {
        let hit = found
            .iter()
            .find(|(n, _, _)| n == number)
            .unwrap_or_else(|| panic!("{message}.{name} (field {number}) is not on the wire"));
        assert_eq!(
            hit.1, *wire,
            "{message}.{name} (field {number}) has the wrong wire type"
        );
        bodies.push((name.to_string(), hit.2.clone()));
    }
    for (number, _, _) in &found {
        assert!(
            spec.iter().any(|(_, n, _)| n == number),
            "{message} has field {number}, which the spec does not define"
        );
    }
    bodies
}

fn body<'a>(bodies: &'a [(String, Vec<u8>)], name: &str) -> &'a [u8] {
    &bodies
        .iter()
        .find(|(n, _)| n == name)
        .expect("field present")
        .1
}

/// A sale with every TicketRequest field the spec defines set, so each is on the wire.
fn full_ticket() -> Request {
    let at = DateTime::from_unix_seconds(1_795_428_000);
    let mut request = fixtures::sale_request(1, at);
    let t = request.ticket.as_mut().expect("a ticket");
    let kv = || KeyValuePair {
        key: "k".into(),
        value: Some("v".into()),
    };
    let modifier = || ticket_request::Modifier {
        name: Some("скидка".into()),
        sum: Money::from_tiyn(100),
        taxes: vec![],
        auxiliary: vec![kv()],
    };
    let c = t.items[0].commodity.as_mut().expect("a commodity");
    c.auxiliary = vec![kv()];
    c.physical_label = Some("label".into());
    c.product_id = Some("p-1".into());
    c.list_excise_stamp = vec!["0104600266011725211234567890123\u{1d}91EE06".into()];
    c.ntin = Some("0200000000011".into());
    c.taxes[0].taxation_type = Some(kkm_proto::cpcr::TaxationTypeEnum::Sts as u32);
    t.items.push(ticket_request::Item {
        r#type: item::ItemTypeEnum::ItemTypeDiscount as i32,
        discount: Some(modifier()),
        ..Default::default()
    });
    t.payments[1].card_payment_fields = Some(ticket_request::payment::CardPaymentFields {
        pos_terminal_id: Some("T1".into()),
        ..Default::default()
    });
    t.payments[0].mobile_payment_fields = Some(ticket_request::payment::MobilePaymentFields {
        qr_type: Some("kaspi".into()),
        qr_id: Some("1".into()),
    });
    t.taxes = vec![c_tax()];
    t.amounts.markup = Some(modifier());
    t.amounts.discount = Some(modifier());
    t.extension_options = Some(ticket_request::ExtensionOptions {
        customer_email: Some("a@b.kz".into()),
        customer_phone: Some("+77010000000".into()),
        auxiliary: vec![kv()],
        customer_iin_or_bin: Some("900101300123".into()),
    });
    t.offline_ticket_number = Some(1_795_428_000);
    t.printed_ticket = Some("http://consumer.test-oofd.kz/?i=1".into());
    t.fr_shift_number = Some(7);
    t.printed_document_number = Some(42);
    t.parent_ticket = Some(ticket_request::ParentTicket {
        parent_ticket_number: "1000000001".into(),
        parent_ticket_data_time: at,
        kgd_kkm_id: "010100134464".into(),
        parent_ticket_total: Money::from_tiyn(175_000),
        parent_ticket_is_offline: false,
    });
    t.operator = Operator {
        code: 1,
        name: Some("Кассир".into()),
    };
    request
}

fn c_tax() -> ticket_request::Tax {
    ticket_request::Tax {
        tax_type: kkm_proto::cpcr::TaxTypeEnum::Vat as u32,
        taxation_type: Some(kkm_proto::cpcr::TaxationTypeEnum::Sts as u32),
        percent: 12_000,
        sum: Money::from_tiyn(18_750),
        is_in_total_sum: true,
    }
}

#[test]
fn money_is_bills_then_coins() {
    // Money { bills = 1, coins = 2 }: 1750 tenge 50 tiyn.
    let bytes = Money::from_tiyn(175_050).encode_to_vec();
    assert_eq!(bytes, [0x08, 0xD6, 0x0D, 0x10, 0x32]);
}

#[test]
fn ticket_request_matches_the_spec_field_for_field() {
    let frame = Frame::new(
        FrameHeader {
            version: PROTOCOL_VERSION,
            kkm_id: 6923,
            token: 1,
            reqnum: 1,
        },
        full_ticket(),
    );
    let bytes = frame::encode_to_vec(&frame).expect("encodes");
    let request = check(
        "Request",
        &bytes[HEADER_LEN..],
        &[("command", 1, VARINT), ("ticket", 2, LEN)],
    );
    let ticket = check(
        "TicketRequest",
        body(&request, "ticket"),
        &[
            ("operation", 1, VARINT),
            ("date_time", 2, LEN),
            ("operator", 3, LEN),
            ("domain", 4, LEN),
            ("items", 5, LEN),
            ("payments", 6, LEN),
            ("taxes", 7, LEN),
            ("amounts", 8, LEN),
            ("extension_options", 9, LEN),
            ("offline_ticket_number", 10, VARINT),
            ("printed_ticket", 12, LEN),
            ("fr_shift_number", 14, VARINT),
            ("printed_document_number", 16, VARINT),
            ("parent_ticket", 17, LEN),
        ],
    );
    let item = check(
        "TicketRequest.Item",
        body(&ticket, "items"),
        &[("type", 1, VARINT), ("commodity", 2, LEN)],
    );
    let commodity = check(
        "TicketRequest.Item.Commodity",
        body(&item, "commodity"),
        &[
            ("code", 1, VARINT),
            ("name", 2, LEN),
            ("section_code", 3, LEN),
            ("quantity", 4, VARINT),
            ("price", 5, LEN),
            ("sum", 6, LEN),
            ("taxes", 7, LEN),
            ("auxiliary", 9, LEN),
            ("physical_label", 10, LEN),
            ("product_id", 11, LEN),
            ("barcode", 12, LEN),
            ("measure_unit_code", 13, LEN),
            ("list_excise_stamp", 14, LEN),
            ("ntin", 15, LEN),
        ],
    );
    check(
        "TicketRequest.Tax",
        body(&commodity, "taxes"),
        &[
            ("tax_type", 1, VARINT),
            ("taxation_type", 2, VARINT),
            ("percent", 3, VARINT),
            ("sum", 4, LEN),
            ("is_in_total_sum", 5, VARINT),
        ],
    );
    check(
        "TicketRequest.Amounts",
        body(&ticket, "amounts"),
        &[
            ("total", 1, LEN),
            ("taken", 2, LEN),
            ("change", 3, LEN),
            ("markup", 4, LEN),
            ("discount", 5, LEN),
        ],
    );
    check(
        "TicketRequest.ParentTicket",
        body(&ticket, "parent_ticket"),
        &[
            ("parent_ticket_number", 1, LEN),
            ("parent_ticket_data_time", 2, LEN),
            ("kgd_kkm_id", 3, LEN),
            ("parent_ticket_total", 4, LEN),
            ("parent_ticket_is_offline", 5, VARINT),
        ],
    );
    check(
        "TicketRequest.ExtensionOptions",
        body(&ticket, "extension_options"),
        &[
            ("customer_email", 1, LEN),
            ("customer_phone", 2, LEN),
            ("auxiliary", 3, LEN),
            ("customer_iin_or_bin", 4, LEN),
        ],
    );
    let date_time = check(
        "DateTime",
        body(&ticket, "date_time"),
        &[("date", 1, LEN), ("time", 2, LEN)],
    );
    check(
        "Date",
        body(&date_time, "date"),
        &[
            ("year", 1, VARINT),
            ("month", 2, VARINT),
            ("day", 3, VARINT),
        ],
    );
    // The whole frame also decodes back to the same message.
    let back: Frame<Request> = frame::decode_frame(&bytes).expect("decodes");
    assert_eq!(back, frame);
}

#[test]
fn zx_report_matches_the_spec_field_for_field() {
    let op = |o: i32| zx_report::Operation {
        operation: o,
        count: 1,
        sum: Money::from_tiyn(100),
    };
    let at = DateTime::from_unix_seconds(1_795_428_000);
    let report = ZxReport {
        date_time: at,
        shift_number: 3,
        sections: vec![zx_report::Section {
            section_code: "1".into(),
            operations: vec![op(2)],
        }],
        operations: vec![op(2)],
        discounts: vec![op(2)],
        markups: vec![op(2)],
        total_result: vec![op(2)],
        taxes: vec![zx_report::Tax {
            tax_type: 100,
            percent: 12_000,
            operations: vec![zx_report::tax::TaxOperation {
                operation: 2,
                turnover: Money::from_tiyn(175_000),
                sum: Money::from_tiyn(18_750),
                turnover_without_tax: Some(Money::from_tiyn(156_250)),
            }],
        }],
        start_shift_non_nullable_sums: vec![zx_report::NonNullableSum {
            operation: 2,
            sum: Money::from_tiyn(1),
        }],
        ticket_operations: vec![zx_report::TicketOperation {
            operation: 2,
            tickets_total_count: 10,
            tickets_count: 1,
            tickets_sum: Money::from_tiyn(175_000),
            payments: vec![zx_report::ticket_operation::Payment {
                payment: 0,
                sum: Money::from_tiyn(175_000),
                count: Some(1),
            }],
            offline_count: Some(1),
            discount_sum: Some(Money::from_tiyn(1)),
            markup_sum: Some(Money::from_tiyn(1)),
            change_sum: Some(Money::from_tiyn(25_000)),
        }],
        money_placements: vec![zx_report::MoneyPlacement {
            operation: 0,
            operations_total_count: 2,
            operations_count: 1,
            operations_sum: Money::from_tiyn(500),
            offline_count: Some(1),
        }],
        cash_sum: Money::from_tiyn(175_500),
        revenue: zx_report::Revenue {
            sum: Money::from_tiyn(175_000),
            is_negative: true,
        },
        non_nullable_sums: vec![zx_report::NonNullableSum {
            operation: 2,
            sum: Money::from_tiyn(175_001),
        }],
        open_shift_time: Some(at),
        close_shift_time: Some(at),
        checksum: Some("ab".into()),
        annulled_tickets: None,
    };
    let bytes = report.encode_to_vec();
    let zx = check(
        "ZXReport",
        &bytes,
        &[
            ("date_time", 1, LEN),
            ("shift_number", 2, VARINT),
            ("sections", 3, LEN),
            ("operations", 4, LEN),
            ("discounts", 5, LEN),
            ("markups", 6, LEN),
            ("total_result", 7, LEN),
            ("taxes", 8, LEN),
            ("start_shift_non_nullable_sums", 9, LEN),
            ("ticket_operations", 10, LEN),
            ("money_placements", 11, LEN),
            ("cash_sum", 13, LEN),
            ("revenue", 14, LEN),
            ("non_nullable_sums", 15, LEN),
            ("open_shift_time", 16, LEN),
            ("close_shift_time", 17, LEN),
            ("checksum", 18, LEN),
        ],
    );
    check(
        "ZXReport.TicketOperation",
        body(&zx, "ticket_operations"),
        &[
            ("operation", 1, VARINT),
            ("tickets_total_count", 2, VARINT),
            ("tickets_count", 3, VARINT),
            ("tickets_sum", 4, LEN),
            ("payments", 5, LEN),
            ("offline_count", 6, VARINT),
            ("discount_sum", 7, LEN),
            ("markup_sum", 8, LEN),
            ("change_sum", 9, LEN),
        ],
    );
    let tax = check(
        "ZXReport.Tax",
        body(&zx, "taxes"),
        &[
            ("tax_type", 1, VARINT),
            ("percent", 2, VARINT),
            ("operations", 3, LEN),
        ],
    );
    check(
        "ZXReport.Tax.TaxOperation",
        body(&tax, "operations"),
        &[
            ("operation", 1, VARINT),
            ("turnover", 2, LEN),
            ("sum", 3, LEN),
            ("turnover_without_tax", 4, LEN),
        ],
    );
    check(
        "ZXReport.MoneyPlacement",
        body(&zx, "money_placements"),
        &[
            ("operation", 1, VARINT),
            ("operations_total_count", 2, VARINT),
            ("operations_count", 3, VARINT),
            ("operations_sum", 4, LEN),
            ("offline_count", 5, VARINT),
        ],
    );
    check(
        "ZXReport.Revenue",
        body(&zx, "revenue"),
        &[("sum", 1, LEN), ("is_negative", 2, VARINT)],
    );
    assert_eq!(ZxReport::decode(bytes.as_slice()).expect("decodes"), report);
}
