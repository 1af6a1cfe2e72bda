//! Encode + decode of a 20-item TicketRequest frame (the size of a busy receipt).
//!
//! Run: `cargo bench -p kkm-proto --bench frame`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kkm_proto::cpcr::{DateTime, Request};
use kkm_proto::fixtures;
use kkm_proto::frame::{self, Frame, FrameHeader, PROTOCOL_VERSION};
use std::hint::black_box;

fn bench_frame(c: &mut Criterion) {
    let frame = Frame {
        header: FrameHeader {
            version: PROTOCOL_VERSION,
            kkm_id: 6923,
            token: 123_456,
            reqnum: 7,
        },
        message: fixtures::sale_request(20, DateTime::from_unix_seconds(1_795_412_395)),
    };
    let bytes = frame::encode_to_vec(&frame).expect("encodes");
    let mut group = c.benchmark_group("ticket_frame_20_items");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("encode", |b| {
        b.iter(|| frame::encode_to_vec(black_box(&frame)).expect("encodes"))
    });
    group.bench_function("decode", |b| {
        b.iter(|| frame::decode_frame::<Request>(black_box(&bytes)).expect("decodes"))
    });
    group.bench_function("encode+decode", |b| {
        b.iter(|| {
            let bytes = frame::encode_to_vec(black_box(&frame)).expect("encodes");
            frame::decode_frame::<Request>(&bytes).expect("decodes")
        })
    });
    group.finish();
}

criterion_group!(benches, bench_frame);
criterion_main!(benches);
