//! Encode + decode of a 20-item TicketRequest frame (the size of a busy receipt), and the
//! cost of tolerant decoding: the frame codec's tolerant decode against plain prost on
//! the same bytes, for that frame and for the real 2.0.3 TICKET answer in
//! `tests/vectors` (whose unknown field 11 the tolerant decoder sets aside).
//!
//! Run: `cargo bench -p kkm-proto --bench frame`. After criterion's report it prints the
//! ratio tolerant / prost measured in the same run (interleaved timing loops).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kkm_proto::cpcr::{DateTime, Request, Response};
use kkm_proto::fixtures;
use kkm_proto::frame::{self, Frame, FrameHeader, HEADER_LEN, PROTOCOL_VERSION};
use kkm_proto::prost::Message;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn ticket_frame() -> Vec<u8> {
    let frame = Frame::new(
        FrameHeader {
            version: PROTOCOL_VERSION,
            kkm_id: 6923,
            token: 123_456,
            reqnum: 7,
        },
        fixtures::sale_request(20, DateTime::from_unix_seconds(1_795_412_395)),
    );
    frame::encode_to_vec(&frame).expect("encodes")
}

/// The real 2.0.3 TICKET answer (tests/vectors: see its README).
const REAL_TICKET_ANSWER: &[u8] = include_bytes!("../tests/vectors/ticket-response-v203.bin");

/// What decoding without tolerance costs: the header checks plus prost on the payload.
fn plain_prost<M: Message + Default>(bytes: &[u8]) -> Option<M> {
    frame::decode_header(bytes, frame::MAX_FRAME_LEN).ok()?;
    M::decode(&bytes[HEADER_LEN..]).ok()
}

fn bench_frame(c: &mut Criterion) {
    let bytes = ticket_frame();
    let frame: Frame<Request> = frame::decode_frame(&bytes).expect("decodes");
    let mut group = c.benchmark_group("ticket_frame_20_items");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("encode", |b| {
        b.iter(|| frame::encode_to_vec(black_box(&frame)).expect("encodes"))
    });
    group.bench_function("decode", |b| {
        b.iter(|| frame::decode_frame::<Request>(black_box(&bytes)).expect("decodes"))
    });
    group.bench_function("decode_plain_prost", |b| {
        b.iter(|| plain_prost::<Request>(black_box(&bytes)).expect("decodes"))
    });
    group.bench_function("encode+decode", |b| {
        b.iter(|| {
            let bytes = frame::encode_to_vec(black_box(&frame)).expect("encodes");
            frame::decode_frame::<Request>(&bytes).expect("decodes")
        })
    });
    group.finish();

    {
        let answer = REAL_TICKET_ANSWER;
        let mut group = c.benchmark_group("real_ticket_answer");
        group.throughput(Throughput::Bytes(answer.len() as u64));
        group.bench_function("decode", |b| {
            b.iter(|| frame::decode_frame::<Response>(black_box(answer)).expect("decodes"))
        });
        // prost skips field 11 itself (its wire type matches nothing it knows).
        group.bench_function("decode_plain_prost", |b| {
            b.iter(|| plain_prost::<Response>(black_box(answer)).expect("decodes"))
        });
        group.finish();
    }
}

/// Nanoseconds per call of `f`, over `rounds` alternating blocks against `g`.
fn interleaved(rounds: u32, f: impl Fn(), g: impl Fn()) -> (f64, f64) {
    const CALLS: u32 = 2_000;
    let (mut tf, mut tg) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..CALLS {
            f();
        }
        tf += t.elapsed();
        let t = Instant::now();
        for _ in 0..CALLS {
            g();
        }
        tg += t.elapsed();
    }
    let per = f64::from(rounds * CALLS);
    (tf.as_nanos() as f64 / per, tg.as_nanos() as f64 / per)
}

fn print_ratios(_: &mut Criterion) {
    let bytes = ticket_frame();
    let (tolerant, prost) = interleaved(
        50,
        || {
            black_box(frame::decode_frame::<Request>(black_box(&bytes)).expect("decodes"));
        },
        || {
            black_box(plain_prost::<Request>(black_box(&bytes)).expect("decodes"));
        },
    );
    println!(
        "ratio 20-item TicketRequest frame ({} bytes): tolerant {tolerant:.0} ns / prost {prost:.0} ns = {:.2}",
        bytes.len(),
        tolerant / prost
    );
    {
        let answer = REAL_TICKET_ANSWER;
        let (tolerant, prost) = interleaved(
            50,
            || {
                black_box(frame::decode_frame::<Response>(black_box(answer)).expect("decodes"));
            },
            || {
                black_box(plain_prost::<Response>(black_box(answer)).expect("decodes"));
            },
        );
        println!(
            "ratio real 2.0.3 TICKET answer ({} bytes): tolerant {tolerant:.0} ns / prost {prost:.0} ns = {:.2}",
            answer.len(),
            tolerant / prost
        );
    }
}

criterion_group!(benches, bench_frame, print_ratios);
criterion_main!(benches);
