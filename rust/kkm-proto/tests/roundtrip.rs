//! Property tests of the frame codec: any message survives a roundtrip, any byte
//! string is refused cleanly (never a panic), and chunked streams decode the same as
//! whole buffers.

use bytes::BytesMut;
use kkm_proto::cpcr::{
    ticket_request::{self, item},
    CommandTypeEnum, DateTime, Money, Operator, Request, Response, TicketRequest,
};
use kkm_proto::frame::{self, ClientCodec, Frame, FrameError, FrameHeader, ServerCodec};
use proptest::prelude::*;
use tokio_util::codec::{Decoder, Encoder};

fn money() -> impl Strategy<Value = Money> {
    (0u64..=i64::MAX as u64, 0u32..100).prop_map(|(bills, coins)| Money { bills, coins })
}

fn date_time() -> impl Strategy<Value = DateTime> {
    (0i64..4_102_444_800).prop_map(DateTime::from_unix_seconds)
}

fn tax() -> impl Strategy<Value = ticket_request::Tax> {
    (0u32..100_000, money(), any::<bool>()).prop_map(|(percent, sum, is_in_total_sum)| {
        ticket_request::Tax {
            tax_type: 100,
            taxation_type: None,
            percent,
            sum,
            is_in_total_sum,
        }
    })
}

fn commodity() -> impl Strategy<Value = ticket_request::Item> {
    (
        proptest::option::of(any::<u64>()),
        "\\PC{0,40}",
        "[0-9]{1,3}",
        any::<u64>(),
        money(),
        money(),
        proptest::collection::vec(tax(), 0..3),
        proptest::collection::vec("[ -~\u{1d}]{0,90}", 0..3),
        proptest::option::of("[0-9]{8,14}"),
    )
        .prop_map(
            |(code, name, section, quantity, price, sum, taxes, marks, barcode)| {
                ticket_request::Item {
                    r#type: item::ItemTypeEnum::ItemTypeCommodity as i32,
                    commodity: Some(item::Commodity {
                        code,
                        name: Some(name),
                        section_code: section,
                        quantity,
                        price,
                        sum,
                        taxes,
                        barcode,
                        measure_unit_code: Some("796".into()),
                        list_excise_stamp: marks,
                        ..Default::default()
                    }),
                    ..Default::default()
                }
            },
        )
}

fn ticket() -> impl Strategy<Value = TicketRequest> {
    (
        0i32..4,
        date_time(),
        any::<u32>(),
        proptest::collection::vec(commodity(), 0..25),
        proptest::collection::vec((prop_oneof![Just(0), Just(1), Just(4)], money()), 0..3),
        money(),
        proptest::option::of(any::<u32>()),
    )
        .prop_map(
            |(operation, date_time, operator, items, payments, total, offline)| TicketRequest {
                operation,
                date_time,
                operator: Operator {
                    code: operator,
                    name: None,
                },
                items,
                payments: payments
                    .into_iter()
                    .map(|(r#type, sum)| ticket_request::Payment {
                        r#type,
                        sum,
                        ..Default::default()
                    })
                    .collect(),
                amounts: ticket_request::Amounts {
                    total,
                    ..Default::default()
                },
                offline_ticket_number: offline,
                ..Default::default()
            },
        )
}

fn header() -> impl Strategy<Value = FrameHeader> {
    (any::<u16>(), any::<u32>(), any::<u32>(), any::<u16>()).prop_map(
        |(version, kkm_id, token, reqnum)| FrameHeader {
            version,
            kkm_id,
            token,
            reqnum,
        },
    )
}

fn request_frame() -> impl Strategy<Value = Frame<Request>> {
    (header(), ticket()).prop_map(|(header, ticket)| {
        Frame::new(
            header,
            Request {
                command: CommandTypeEnum::CommandTicket as i32,
                ticket: Some(ticket),
                ..Default::default()
            },
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_request_roundtrips(frame in request_frame()) {
        let bytes = frame::encode_to_vec(&frame).unwrap();
        let size = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        prop_assert_eq!(size, bytes.len());
        let back: Frame<Request> = frame::decode_frame(&bytes).unwrap();
        prop_assert_eq!(back, frame);
    }

    #[test]
    fn chunked_streams_decode_like_whole_buffers(
        frames in proptest::collection::vec(request_frame(), 1..4),
        cuts in proptest::collection::vec(1usize..64, 1..50),
    ) {
        let mut wire = BytesMut::new();
        let mut encoder = ClientCodec::default();
        for f in &frames {
            encoder.encode(f.clone(), &mut wire).unwrap();
        }
        let mut decoder = ServerCodec::default();
        let mut src = BytesMut::new();
        let mut out = Vec::new();
        let mut rest = &wire[..];
        let mut cut = cuts.iter().cycle();
        while !rest.is_empty() {
            let n = (*cut.next().unwrap()).min(rest.len());
            src.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            while let Some(f) = decoder.decode(&mut src).unwrap() {
                out.push(f);
            }
        }
        prop_assert!(decoder.decode_eof(&mut src).unwrap().is_none());
        prop_assert_eq!(out, frames);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = frame::decode_frame::<Request>(&bytes);
        let _ = frame::decode_frame::<Response>(&bytes);
        let mut codec = ClientCodec::default();
        let mut src = BytesMut::from(&bytes[..]);
        while let Ok(Some(_)) = codec.decode(&mut src) {}
    }

    #[test]
    fn mutated_frames_are_refused_or_decoded_never_panic(
        frame in request_frame(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = frame::encode_to_vec(&frame).unwrap();
        for (i, v) in flips {
            let at = i.index(bytes.len());
            bytes[at] ^= v;
        }
        match frame::decode_frame::<Request>(&bytes) {
            Ok(_) | Err(FrameError::BadAppCode(_) | FrameError::SizeTooSmall(_)
                | FrameError::SizeTooLarge { .. } | FrameError::Truncated { .. }
                | FrameError::TrailingBytes(_) | FrameError::Payload { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}

#[test]
fn an_oversized_message_is_not_encoded() {
    let name = "x".repeat(frame::MAX_FRAME_LEN);
    let mut request = kkm_proto::fixtures::sale_request(1, DateTime::from_unix_seconds(0));
    if let Some(c) = request
        .ticket
        .as_mut()
        .and_then(|t| t.items[0].commodity.as_mut())
    {
        c.name = Some(name);
    }
    let frame = Frame::new(FrameHeader::default(), request);
    assert!(matches!(
        frame::encode_to_vec(&frame),
        Err(FrameError::SizeTooLarge { .. })
    ));
}
