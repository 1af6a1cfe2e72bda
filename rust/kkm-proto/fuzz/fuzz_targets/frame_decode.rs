//! Feeds arbitrary bytes to every entry point that reads CPCR frames from the wire:
//! the one-shot decoders (both directions) and the streaming codec, fed in two chunks.
//! Any panic, overflow or hang is a bug; errors are the expected outcome.
#![no_main]

use bytes::BytesMut;
use kkm_proto::cpcr::{Request, Response};
use kkm_proto::frame::{self, ClientCodec, ServerCodec};
use libfuzzer_sys::fuzz_target;
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    let _ = frame::decode_frame::<Request>(data);
    let _ = frame::decode_prefix::<Response>(data);

    let split = data.first().map_or(0, |b| usize::from(*b)).min(data.len());
    let mut server = ServerCodec::default();
    let mut src = BytesMut::from(&data[..split]);
    while let Ok(Some(_)) = server.decode(&mut src) {}
    src.extend_from_slice(&data[split..]);
    while let Ok(Some(_)) = server.decode(&mut src) {}
    let _ = server.decode_eof(&mut src);

    let mut client = ClientCodec::default();
    let mut src = BytesMut::from(data);
    while let Ok(Some(_)) = client.decode(&mut src) {}
});
