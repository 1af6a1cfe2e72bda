//! The CPCR frame: an 18-byte little-endian header followed by a protobuf payload.
//!
//! | offset | size | field   | meaning                                             |
//! |-------:|-----:|---------|-----------------------------------------------------|
//! | 0      | 2    | APPCODE | always `0x81A2`                                     |
//! | 2      | 2    | VERSION | protocol version as digits: 203 is "2.0.3"          |
//! | 4      | 4    | SIZE    | length of the whole frame, header included          |
//! | 8      | 4    | ID      | the KKM's id at the OFD                             |
//! | 12     | 4    | TOKEN   | the exchange token (the OFD may change it)          |
//! | 16     | 2    | REQNUM  | request number, +1 per request, wraps at 65535 → 0  |
//!
//! The OFD answers with the same ID and REQNUM. Bad input is refused with a typed
//! [`FrameError`], never a panic: a wrong APPCODE, a SIZE below the header length or
//! above [`MAX_FRAME_LEN`] (1 MiB — a 1,000-item receipt is ~150 KiB), a truncated
//! frame, or a payload that is not protobuf at all.
//!
//! Payloads are decoded tolerantly ([`crate::tolerant`]), as the operator's own protobuf
//! runtimes do: unknown fields, fields with an unexpected wire type and undecodable
//! nested messages are set aside in [`Frame::set_aside`] instead of failing the frame,
//! and absent `required` fields are not an error. What the caller truly needs is for the
//! caller to check.

use std::marker::PhantomData;

use bytes::{Buf, BufMut, BytesMut};
use prost::Message;
use tokio_util::codec::{Decoder, Encoder};

use crate::cpcr::{Request, Response};
use crate::schema::Described;
use crate::tolerant::{self, SetAside};

/// The protocol marker at the start of every frame.
pub const APPCODE: u16 = 0x81A2;
/// Length of the frame header in bytes.
pub const HEADER_LEN: usize = 18;
/// The protocol version this crate speaks: "2.0.3".
pub const PROTOCOL_VERSION: u16 = 203;
/// The largest frame we accept or produce (header included): 1 MiB.
pub const MAX_FRAME_LEN: usize = 1 << 20;

/// The fields of a frame header that a sender chooses (SIZE is derived).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FrameHeader {
    /// Protocol version as digits, e.g. [`PROTOCOL_VERSION`].
    pub version: u16,
    /// ID: the KKM's id at the OFD.
    pub kkm_id: u32,
    /// TOKEN: the current exchange token.
    pub token: u32,
    /// REQNUM: the request number (answers repeat the request's).
    pub reqnum: u16,
}

/// One frame: a header and its decoded payload.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Frame<M> {
    /// The header.
    pub header: FrameHeader,
    /// The payload: a [`Request`] from the device or a [`Response`] from the OFD.
    pub message: M,
    /// What decoding set aside from the payload (see [`crate::tolerant`]): empty for a
    /// payload that matches our protos exactly. Not encoded: [`encode`] writes `message`.
    pub set_aside: SetAside,
}

impl<M> Frame<M> {
    /// A frame to send: `message` behind `header`, nothing set aside.
    pub fn new(header: FrameHeader, message: M) -> Self {
        Frame {
            header,
            message,
            set_aside: SetAside::default(),
        }
    }
}

/// Why bytes could not be read or written as a CPCR frame.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The first two bytes are not `0x81A2`.
    #[error("not a CPCR frame: APPCODE is {0:#06x}, expected 0x81a2")]
    BadAppCode(u16),
    /// SIZE is smaller than the header itself.
    #[error("frame SIZE {0} is smaller than the {HEADER_LEN}-byte header")]
    SizeTooSmall(u32),
    /// SIZE (or the frame being encoded) exceeds the limit.
    #[error("frame SIZE {size} exceeds the limit of {limit} bytes")]
    SizeTooLarge {
        /// The size found or about to be written.
        size: u64,
        /// The limit in force.
        limit: usize,
    },
    /// Fewer bytes are available than the header (or SIZE) requires.
    #[error("truncated frame: {needed} bytes needed, {available} available")]
    Truncated {
        /// Bytes the frame needs.
        needed: usize,
        /// Bytes that were there.
        available: usize,
    },
    /// More bytes follow a complete frame where exactly one was expected.
    #[error("{0} unexpected bytes after the frame")]
    TrailingBytes(usize),
    /// The payload is not protobuf at all (a truncated varint, a length running past
    /// the end, wire type 6 or 7, …). The header was valid and the frame's bytes were
    /// consumed, so a server can still answer it.
    #[error("invalid protobuf payload (KKM {}, REQNUM {}): {source}", header.kkm_id, header.reqnum)]
    Payload {
        /// The frame's header.
        header: FrameHeader,
        /// What was found wrong.
        source: tolerant::PayloadError,
    },
    /// The transport failed (codec use only).
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// Reads and checks a header; returns it with the frame's SIZE.
///
/// Checks APPCODE and that SIZE lies within `[HEADER_LEN, max_len]`; it does not need
/// the payload to be present yet.
pub fn decode_header(buf: &[u8], max_len: usize) -> Result<(FrameHeader, usize), FrameError> {
    let Some(mut head) = buf.get(..HEADER_LEN) else {
        return Err(FrameError::Truncated {
            needed: HEADER_LEN,
            available: buf.len(),
        });
    };
    let appcode = head.get_u16_le();
    if appcode != APPCODE {
        return Err(FrameError::BadAppCode(appcode));
    }
    let version = head.get_u16_le();
    let size = head.get_u32_le();
    let kkm_id = head.get_u32_le();
    let token = head.get_u32_le();
    let reqnum = head.get_u16_le();
    if (size as usize) < HEADER_LEN {
        return Err(FrameError::SizeTooSmall(size));
    }
    if size as usize > max_len {
        return Err(FrameError::SizeTooLarge {
            size: u64::from(size),
            limit: max_len,
        });
    }
    let header = FrameHeader {
        version,
        kkm_id,
        token,
        reqnum,
    };
    Ok((header, size as usize))
}

/// Decodes a frame's payload tolerantly ([`crate::tolerant`]).
fn decode_payload<M: Described>(
    header: FrameHeader,
    payload: &[u8],
) -> Result<Frame<M>, FrameError> {
    let decoded =
        tolerant::decode::<M>(payload).map_err(|source| FrameError::Payload { header, source })?;
    Ok(Frame {
        header,
        message: decoded.message,
        set_aside: decoded.set_aside,
    })
}

/// Decodes the first frame in `buf`; returns it with the number of bytes it took.
pub fn decode_prefix<M: Described>(buf: &[u8]) -> Result<(Frame<M>, usize), FrameError> {
    let (header, size) = decode_header(buf, MAX_FRAME_LEN)?;
    let Some(payload) = buf.get(HEADER_LEN..size) else {
        return Err(FrameError::Truncated {
            needed: size,
            available: buf.len(),
        });
    };
    Ok((decode_payload(header, payload)?, size))
}

/// Decodes `buf` as exactly one frame.
pub fn decode_frame<M: Described>(buf: &[u8]) -> Result<Frame<M>, FrameError> {
    let (frame, used) = decode_prefix(buf)?;
    match buf.len() - used {
        0 => Ok(frame),
        extra => Err(FrameError::TrailingBytes(extra)),
    }
}

/// Appends the encoded frame to `dst`.
pub fn encode<M: Message>(frame: &Frame<M>, dst: &mut BytesMut) -> Result<(), FrameError> {
    let size = HEADER_LEN + frame.message.encoded_len();
    if size > MAX_FRAME_LEN {
        return Err(FrameError::SizeTooLarge {
            size: size as u64,
            limit: MAX_FRAME_LEN,
        });
    }
    let h = &frame.header;
    dst.reserve(size);
    dst.put_u16_le(APPCODE);
    dst.put_u16_le(h.version);
    dst.put_u32_le(size as u32);
    dst.put_u32_le(h.kkm_id);
    dst.put_u32_le(h.token);
    dst.put_u16_le(h.reqnum);
    frame
        .message
        .encode(dst)
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(())
}

/// Encodes one frame into a new vector.
pub fn encode_to_vec<M: Message>(frame: &Frame<M>) -> Result<Vec<u8>, FrameError> {
    let mut buf = BytesMut::new();
    encode(frame, &mut buf)?;
    Ok(buf.to_vec())
}

/// A `tokio_util` codec for CPCR frames: decodes `Frame<D>`, encodes `Frame<E>`.
///
/// Use [`ClientCodec`] on the device side and [`ServerCodec`] on the OFD side. The
/// header is checked as soon as its 18 bytes arrive, so a bad or oversized frame is
/// refused before its payload is awaited.
#[derive(Debug)]
pub struct CpcrCodec<D, E> {
    max_len: usize,
    _messages: PhantomData<fn(E) -> D>,
}

/// The device's codec: reads [`Response`]s, writes [`Request`]s.
pub type ClientCodec = CpcrCodec<Response, Request>;
/// The OFD's codec: reads [`Request`]s, writes [`Response`]s.
pub type ServerCodec = CpcrCodec<Request, Response>;

impl<D, E> Default for CpcrCodec<D, E> {
    fn default() -> Self {
        Self::new(MAX_FRAME_LEN)
    }
}

impl<D, E> CpcrCodec<D, E> {
    /// A codec with a custom frame size limit (at most [`MAX_FRAME_LEN`] is sensible).
    pub fn new(max_len: usize) -> Self {
        Self {
            max_len: max_len.max(HEADER_LEN),
            _messages: PhantomData,
        }
    }
}

impl<D: Described, E> Decoder for CpcrCodec<D, E> {
    type Item = Frame<D>;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame<D>>, FrameError> {
        if src.len() < HEADER_LEN {
            src.reserve(HEADER_LEN - src.len());
            return Ok(None);
        }
        let (header, size) = decode_header(src, self.max_len)?;
        if src.len() < size {
            src.reserve(size - src.len());
            return Ok(None);
        }
        let frame = src.split_to(size);
        decode_payload(header, &frame[HEADER_LEN..]).map(Some)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Frame<D>>, FrameError> {
        match self.decode(src)? {
            Some(frame) => Ok(Some(frame)),
            None if src.is_empty() => Ok(None),
            None => {
                let needed = decode_header(src, self.max_len)
                    .map(|(_, size)| size)
                    .unwrap_or(HEADER_LEN);
                Err(FrameError::Truncated {
                    needed,
                    available: src.len(),
                })
            }
        }
    }
}

impl<D, E: Message> Encoder<Frame<E>> for CpcrCodec<D, E> {
    type Error = FrameError;

    fn encode(&mut self, item: Frame<E>, dst: &mut BytesMut) -> Result<(), FrameError> {
        encode(&item, dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpcr::CommandTypeEnum;

    fn info_request() -> Frame<Request> {
        Frame::new(
            FrameHeader {
                version: PROTOCOL_VERSION,
                kkm_id: 6923,
                token: 0xDEAD_BEEF,
                reqnum: 65535,
            },
            Request {
                command: CommandTypeEnum::CommandInfo as i32,
                ..Default::default()
            },
        )
    }

    #[test]
    fn header_is_little_endian_and_sized() {
        let bytes = encode_to_vec(&info_request()).unwrap();
        assert_eq!(&bytes[0..2], &[0xA2, 0x81]);
        assert_eq!(u16::from_le_bytes([bytes[2], bytes[3]]), 203);
        let size = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        assert_eq!(size as usize, bytes.len());
        assert_eq!(&bytes[8..12], &6923u32.to_le_bytes());
        assert_eq!(&bytes[12..16], &[0xEF, 0xBE, 0xAD, 0xDE]);
        assert_eq!(&bytes[16..18], &[0xFF, 0xFF]);
    }

    #[test]
    fn bad_appcode_is_refused() {
        let mut bytes = encode_to_vec(&info_request()).unwrap();
        bytes[0] = 0;
        assert!(matches!(
            decode_frame::<Request>(&bytes),
            Err(FrameError::BadAppCode(0x8100))
        ));
    }

    #[test]
    fn size_below_header_is_refused() {
        let mut bytes = encode_to_vec(&info_request()).unwrap();
        bytes[4..8].copy_from_slice(&17u32.to_le_bytes());
        assert!(matches!(
            decode_frame::<Request>(&bytes),
            Err(FrameError::SizeTooSmall(17))
        ));
    }

    #[test]
    fn size_above_limit_is_refused_before_the_payload_arrives() {
        let mut bytes = encode_to_vec(&info_request()).unwrap();
        bytes[4..8].copy_from_slice(&(MAX_FRAME_LEN as u32 + 1).to_le_bytes());
        let mut codec = ServerCodec::default();
        let mut src = BytesMut::from(&bytes[..HEADER_LEN]);
        assert!(matches!(
            codec.decode(&mut src),
            Err(FrameError::SizeTooLarge { .. })
        ));
    }

    #[test]
    fn truncated_frames_are_refused() {
        let bytes = encode_to_vec(&info_request()).unwrap();
        for cut in 0..bytes.len() {
            match decode_frame::<Request>(&bytes[..cut]) {
                Err(FrameError::Truncated { available, .. }) => assert_eq!(available, cut),
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
        let mut codec = ServerCodec::default();
        let mut src = BytesMut::from(&bytes[..bytes.len() - 1]);
        assert!(codec.decode(&mut src).unwrap().is_none());
        assert!(matches!(
            codec.decode_eof(&mut src),
            Err(FrameError::Truncated { .. })
        ));
    }

    #[test]
    fn garbage_payload_is_refused() {
        let mut bytes = BytesMut::new();
        bytes.put_u16_le(APPCODE);
        bytes.put_u16_le(PROTOCOL_VERSION);
        bytes.put_u32_le(HEADER_LEN as u32 + 3);
        bytes.put_u32_le(1);
        bytes.put_u32_le(2);
        bytes.put_u16_le(3);
        bytes.put_slice(&[0x0A, 0xFF, 0xFF]); // field 1, LEN wire type, bad length
        assert!(matches!(
            decode_frame::<Request>(&bytes),
            Err(FrameError::Payload {
                header: FrameHeader { reqnum: 3, .. },
                ..
            })
        ));
    }

    #[test]
    fn trailing_bytes_are_refused_by_decode_frame() {
        let mut bytes = encode_to_vec(&info_request()).unwrap();
        bytes.push(0);
        assert!(matches!(
            decode_frame::<Request>(&bytes),
            Err(FrameError::TrailingBytes(1))
        ));
    }

    #[test]
    fn codec_reads_back_to_back_frames() {
        let one = encode_to_vec(&info_request()).unwrap();
        let mut src = BytesMut::new();
        src.extend_from_slice(&one);
        src.extend_from_slice(&one);
        let mut codec = ServerCodec::default();
        assert_eq!(codec.decode(&mut src).unwrap(), Some(info_request()));
        assert_eq!(codec.decode(&mut src).unwrap(), Some(info_request()));
        assert_eq!(codec.decode(&mut src).unwrap(), None);
    }
}
