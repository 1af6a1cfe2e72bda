//! # kkm-proto — the CPCR wire protocol
//!
//! Owns the bytes that travel between a KKM and the fiscal data operator (ОФД):
//!
//! * [`cpcr`] — the protobuf messages of CPCR 2.0.3 (`Request`, `Response`,
//!   `TicketRequest`, `ZXReport`, …), generated at build time by prost from the
//!   workspace's `proto/cpcr/*.proto` with the pure-Rust protox compiler;
//! * [`frame`] — the 18-byte little-endian frame header (APPCODE, VERSION, SIZE, ID,
//!   TOKEN, REQNUM) and the codec that puts a message behind it, as plain functions and
//!   as a `tokio_util` codec;
//! * [`tolerant`] — decoding as the operator's own protobuf runtimes do: unknown fields
//!   and fields with an unexpected wire type are set aside, not a failed message (the
//!   frame codec decodes every payload this way);
//! * [`schema`] — the wire schema of every message, generated with the prost types,
//!   which the tolerant decoder walks;
//! * [`wire`] — small conversions that belong to the wire types themselves (money in
//!   tiyn, calendar date-times in seconds), no domain rules.
//!
//! It does no I/O and knows nothing of the domain: `kkm-core` maps its own types onto
//! these at the boundary.
//!
//! ```
//! use kkm_proto::cpcr::{CommandTypeEnum, Request};
//! use kkm_proto::frame::{self, Frame, FrameHeader};
//!
//! let request = Request { command: CommandTypeEnum::CommandInfo as i32, ..Default::default() };
//! let header = FrameHeader { version: frame::PROTOCOL_VERSION, kkm_id: 6923, token: 42, reqnum: 1 };
//! let bytes = frame::encode_to_vec(&Frame::new(header, request.clone()))?;
//! let back: Frame<Request> = frame::decode_frame(&bytes)?;
//! assert_eq!(back.header, header);
//! assert_eq!(back.message, request);
//! assert!(back.set_aside.is_empty());
//! # Ok::<(), kkm_proto::frame::FrameError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// CPCR 2.0.3 protobuf messages, generated from `proto/cpcr/*.proto`.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod cpcr {
    include!(concat!(env!("OUT_DIR"), "/cpcr.rs"));
}

pub mod fixtures;
pub mod frame;
pub mod schema;
pub mod tolerant;
pub mod wire;

pub use frame::{Frame, FrameError, FrameHeader};
/// The protobuf runtime the messages are generated for (`prost::Message` for encode/decode).
pub use prost;
pub use tolerant::{Decoded, PayloadError, SetAside, UnknownField};
