//! Feeds arbitrary bytes to every entry point that reads CPCR from the wire: the frame
//! functions, the streaming codecs, and the tolerant decoder on raw payloads.
//!
//! Half of the inputs (first byte even) go in raw: the header checks (APPCODE, SIZE
//! bounds, truncation) and the streaming codec fed in two chunks. The other half are
//! put behind a valid header so the payload decoders of `Request` and `Response` are
//! explored in depth (random bytes almost never form a valid header). Every input is
//! also decoded as a raw `Request` and `Response` payload, with three oracles:
//!
//! 1. whatever prost alone accepts, the tolerant decoder accepts too, with the same
//!    message and only unknown fields set aside;
//! 2. what the tolerant decoder returns re-encodes to bytes that decode back to the same
//!    message with nothing set aside;
//! 3. the frame functions return, for a payload behind a header, what the tolerant
//!    decoder returns for the payload.
//!
//! Any panic, overflow, hang or failed oracle is a bug; errors are the expected outcome.
//! (`tolerant::decode` also debug-asserts that prost never refuses what its walk let
//! through; cargo-fuzz builds with debug assertions.)
#![no_main]

use bytes::BytesMut;
use kkm_proto::cpcr::{Request, Response};
use kkm_proto::frame::{self, ClientCodec, ServerCodec, APPCODE, HEADER_LEN, PROTOCOL_VERSION};
use kkm_proto::schema::Described;
use kkm_proto::tolerant::{self, AsideReason};
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

fn behind_header(payload: &[u8]) -> Vec<u8> {
    let size = (HEADER_LEN + payload.len()) as u32;
    let mut out = Vec::with_capacity(size as usize);
    out.extend_from_slice(&APPCODE.to_le_bytes());
    out.extend_from_slice(&PROTOCOL_VERSION.to_le_bytes());
    out.extend_from_slice(&size.to_le_bytes());
    out.extend_from_slice(&6923u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The oracles on one raw payload.
fn payload_oracles<M: Described + PartialEq + std::fmt::Debug>(payload: &[u8]) {
    let tolerant = tolerant::decode::<M>(payload);
    if let Ok(plain) = M::decode(payload) {
        let Ok(decoded) = tolerant.as_ref() else {
            panic!("prost accepts what the tolerant decoder refuses: {tolerant:?}");
        };
        assert_eq!(decoded.message, plain);
        assert!(decoded
            .set_aside
            .iter()
            .all(|f| f.reason == AsideReason::UnknownField));
    }
    if let Ok(decoded) = tolerant {
        let bytes = decoded.message.encode_to_vec();
        let again = tolerant::decode::<M>(&bytes).expect("our own encoding decodes");
        assert_eq!(again.message, decoded.message);
        assert!(again.set_aside.is_empty());
        if payload.len() + HEADER_LEN <= frame::MAX_FRAME_LEN {
            let framed = frame::decode_frame::<M>(&behind_header(payload)).expect("same payload");
            assert_eq!(framed.message, decoded.message);
            assert_eq!(framed.set_aside, decoded.set_aside);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    payload_oracles::<Request>(rest);
    payload_oracles::<Response>(rest);

    let owned;
    let bytes: &[u8] = if mode % 2 == 0 {
        rest
    } else {
        owned = behind_header(rest);
        &owned
    };
    let _ = frame::decode_frame::<Request>(bytes);
    let _ = frame::decode_prefix::<Response>(bytes);

    let split = usize::from(mode).min(bytes.len());
    let mut server = ServerCodec::default();
    let mut src = BytesMut::from(&bytes[..split]);
    while let Ok(Some(_)) = server.decode(&mut src) {}
    src.extend_from_slice(&bytes[split..]);
    while let Ok(Some(_)) = server.decode(&mut src) {}
    let _ = server.decode_eof(&mut src);

    let mut client = ClientCodec::default();
    let mut src = BytesMut::from(bytes);
    while let Ok(Some(_)) = client.decode(&mut src) {}
});
