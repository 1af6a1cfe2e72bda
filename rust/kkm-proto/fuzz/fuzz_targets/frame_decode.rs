//! Feeds arbitrary bytes to every entry point that reads CPCR frames from the wire.
//!
//! Half of the inputs (first byte even) go in raw: the header checks (APPCODE, SIZE
//! bounds, truncation) and the streaming codec fed in two chunks. The other half are
//! put behind a valid header so the protobuf payload decoders of `Request` and
//! `Response` are explored in depth (random bytes almost never form a valid header).
//! Any panic, overflow or hang is a bug; errors are the expected outcome.
#![no_main]

use bytes::BytesMut;
use kkm_proto::cpcr::{Request, Response};
use kkm_proto::frame::{self, ClientCodec, ServerCodec, APPCODE, HEADER_LEN, PROTOCOL_VERSION};
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

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
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
