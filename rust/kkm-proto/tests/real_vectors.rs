//! The two answers of a real OFD (tests/vectors, see its README) decoded by our frame
//! codec: every field the README lists is asserted, header included. They are the test
//! that our protos and decoder agree with the operator, not only with our emulator.

use bytes::BytesMut;
use kkm_proto::cpcr::{
    CommandTypeEnum, ReportTypeEnum, Response, ResultTypeEnum, TicketAdTypeEnum,
};
use kkm_proto::frame::{self, ClientCodec, Frame, FrameHeader, HEADER_LEN};
use kkm_proto::prost::Message;
use kkm_proto::tolerant::{AsideReason, UnknownValue};
use tokio_util::codec::Decoder;

const TICKET: &[u8] = include_bytes!("vectors/ticket-response-v203.bin");
const INFO: &[u8] = include_bytes!("vectors/info-response-v202.bin");

const OK: u32 = ResultTypeEnum::ResultTypeOk as u32;

/// The frame as `decode_frame` reads it, checked to be what the streaming codec reads
/// when the bytes arrive one at a time, and to carry `header`, `command` and result OK.
fn decode(bytes: &[u8], header: FrameHeader, command: CommandTypeEnum) -> Frame<Response> {
    let whole: Frame<Response> = frame::decode_frame(bytes).expect("the frame decodes");
    let mut codec = ClientCodec::default();
    let mut src = BytesMut::new();
    let mut got = None;
    for b in bytes {
        src.extend_from_slice(&[*b]);
        if let Some(f) = codec.decode(&mut src).expect("the codec decodes") {
            got = Some(f);
        }
    }
    assert_eq!(got.as_ref(), Some(&whole));
    assert!(src.is_empty());
    assert_eq!(whole.header, header);
    assert_eq!(whole.message.command, command as i32);
    assert_eq!(whole.message.result.result_code, OK);
    whole
}

#[test]
fn ticket_answer_v203() {
    assert_eq!(TICKET.len(), 577);
    let header = FrameHeader {
        version: 203,
        kkm_id: 203_539,
        token: 671_795_700,
        reqnum: 84,
    };
    let f = decode(TICKET, header, CommandTypeEnum::CommandTicket);
    let m = &f.message;
    let ticket = m.ticket.as_ref().expect("a ticket answer");
    assert_eq!(ticket.ticket_number, "4228143549");
    assert_eq!(
        ticket.qr_code.as_deref(),
        Some(
            &b"http://consumer.test-oofd.kz?i=4228143549&f=640300014538&s=696.90&t=20280629T170916"
                [..]
        )
    );
    assert_eq!((m.report.as_ref(), m.service.as_ref()), (None, None));

    // The top-level field 11 that no published Response defines: skipped, kept aside.
    assert_eq!(f.set_aside.len(), 1);
    let eleven = &f.set_aside[0];
    assert_eq!((eleven.path.as_str(), eleven.number), ("", 11));
    assert_eq!(eleven.reason, AsideReason::UnknownField);
    match &eleven.value {
        UnknownValue::LengthDelimited(body) => assert_eq!(body.len(), 451),
        other => panic!("field 11 is {other:?}"),
    }
}

#[test]
fn info_answer_v202() {
    assert_eq!(INFO.len(), 568);
    // prost alone refuses this payload (OrgRegInfo field 6 arrives as a varint).
    assert!(Response::decode(&INFO[HEADER_LEN..]).is_err());

    let header = FrameHeader {
        version: 202,
        kkm_id: 200_773,
        token: 26_264_070,
        reqnum: 1,
    };
    let f = decode(INFO, header, CommandTypeEnum::CommandInfo);
    let m = &f.message;
    assert_eq!(m.result.result_text, None);

    // The Z report: REPORT_Z, 2023-11-20 14:07:08, shift 1, cash 0, revenue 0.
    let report = m.report.as_ref().expect("a report");
    assert_eq!(report.report, ReportTypeEnum::ReportZ as i32);
    let zx = report.zx_report.as_ref().expect("a ZX report");
    let (d, t) = (&zx.date_time.date, &zx.date_time.time);
    assert_eq!((d.year, d.month, d.day), (2023, 11, 20));
    assert_eq!((t.hour, t.minute, t.second), (14, 7, Some(8)));
    assert_eq!(zx.shift_number, 1);
    assert_eq!(zx.cash_sum.to_tiyn(), Some(0));
    assert_eq!(zx.revenue.sum.to_tiyn(), Some(0));
    assert!(!zx.revenue.is_negative);
    assert_eq!(
        zx.open_shift_time, None,
        "absent although the protocol requires it"
    );

    let service = m.service.as_ref().expect("the service part");
    // The OFD's advertising text, version 588.
    assert_eq!(service.ticket_ads.len(), 1);
    let ad = &service.ticket_ads[0];
    assert_eq!(ad.info.r#type, TicketAdTypeEnum::TicketAdOfd as i32);
    assert_eq!(ad.info.version, 588);
    assert!(ad.text.starts_with("Фиск. чек № NULL"), "{}", ad.text);
    assert!(ad.text.contains("протокол 2.0.2"));

    let reg = service.reg_info.as_ref().expect("registration data");
    let kkm = reg.kkm.as_ref().expect("the KKM");
    assert_eq!(kkm.fns_kkm_id.as_deref(), Some("281948271821"));
    assert_eq!(kkm.serial_number.as_deref(), Some("KTCD1117737127791"));
    assert_eq!(kkm.kkm_id.as_deref(), Some("200773"));
    assert_eq!(kkm.point_of_payment_number, None);

    let pos = reg.pos.as_ref().expect("the point of sale");
    assert_eq!(pos.title.as_deref(), Some("TT serial"));
    assert!(pos
        .address
        .as_deref()
        .is_some_and(|a| a.starts_with("г. Астана")));
    assert_eq!(
        (pos.address_kz.as_deref(), pos.latitude, pos.longitude),
        (None, None, None)
    );

    let org = reg.org.as_ref().expect("the organisation");
    assert_eq!(org.title.as_deref(), Some("ИП ТЕСТОВ ТЕСТ ТЕСТОВИЧИ"));
    assert_eq!(org.address.as_deref(), Some("г. Астана, Ленина 33"));
    assert_eq!(org.inn.as_deref(), Some("900101300000"));
    assert_eq!(
        (org.okved.as_deref(), org.address_kz.as_deref()),
        (None, None)
    );

    // Field 6 of the organisation: the 2.0.2 tenantId, a varint, set aside.
    assert_eq!(f.set_aside.varint("service.reg_info.org", 6), Some(1));
    assert_eq!(f.set_aside.len(), 1);
    assert_eq!(f.set_aside[0].reason, AsideReason::WireTypeMismatch);

    assert_eq!(service.auxiliary.len(), 1);
    assert_eq!(service.auxiliary[0].key, "validation_policy");
    assert_eq!(service.auxiliary[0].value.as_deref(), Some("65535"));
    assert_eq!(service.binded_taxation, None);
    assert_eq!(service.last_document_info, None);
}

#[test]
fn both_vectors_survive_every_cut_and_flip_without_panic() {
    for vector in [TICKET, INFO] {
        for cut in 0..vector.len() {
            assert!(frame::decode_frame::<Response>(&vector[..cut]).is_err());
        }
        for at in HEADER_LEN..vector.len() {
            for flip in [0x01, 0x80, 0xFF] {
                let mut bytes = vector.to_vec();
                bytes[at] ^= flip;
                let _ = frame::decode_frame::<Response>(&bytes);
            }
        }
    }
}
