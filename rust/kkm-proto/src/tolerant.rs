//! Tolerant decoding: read a CPCR payload the way the operator's own protobuf runtimes
//! (Google's, for Java and C++) do, not the way prost alone does.
//!
//! prost refuses a whole message when a field it knows arrives with another wire type;
//! Google's runtimes keep such a field as an unknown field and go on. A real OFD answer
//! does this (the 2.0.2 INFO answer carries `OrgRegInfo` field 6 as a varint, its
//! `tenantId`, where the 2.0.3 protos declare the string `address_kz`), so prost alone
//! would leave a KKM unable to register. [`decode`] walks the wire bytes with the schema
//! generated from the same `.proto` files ([`crate::schema`]): when prost accepts the
//! payload as it is (the usual case), the walk only lists the unknown fields prost
//! skipped; when prost refuses it, the walk sets aside whatever prost chokes on and prost
//! decodes what remains:
//!
//! | on the wire | what happens |
//! | --- | --- |
//! | a field number the message does not declare | skipped, kept in [`SetAside`] ([`AsideReason::UnknownField`]) |
//! | a declared field with another wire type | skipped, kept ([`AsideReason::WireTypeMismatch`]) |
//! | a declared message field whose bytes are not a message | skipped, kept ([`AsideReason::MalformedMessage`]) |
//! | a packed repeated scalar whose run does not parse | skipped, kept ([`AsideReason::MalformedMessage`]) |
//! | a `string` that is not UTF-8 | decoded lossily (U+FFFD), original bytes kept ([`AsideReason::InvalidUtf8`]) |
//! | a field the spec calls `required` is absent | nothing: the field has its default (or `None`) |
//! | an enum number the enum does not list | nothing: prost keeps the number in the field |
//! | bytes that are not protobuf at the top level (truncated varint, a length past the end, wire type 6 or 7, field number 0, an unmatched group end) | an error |
//!
//! Why lossy UTF-8 and not aside: the register needs the texts the OFD sends (the
//! organisation's name and address, the advertising texts) on the receipt; a string in a
//! legacy encoding (CP1251 from an older OFD build) then still prints, with replacement
//! characters where it cannot, instead of vanishing, and a `required` text is never
//! turned into an absent one. The original bytes stay in [`SetAside`] for a caller that
//! knows the encoding. Google's runtimes do not fail a proto2 message on such a string
//! either (Java hands it out with replacement characters; C++ logs and keeps the bytes).
//!
//! Why a malformed nested message is set aside rather than failing the whole answer
//! (Google's runtimes fail it): a field whose type changed between protocol versions
//! (a string in one, a message in another) must not make the KKM unable to work, which is
//! the reason for this module. A frame whose top level is not protobuf is still refused.
//!
//! ```
//! use kkm_proto::cpcr::Response;
//! use kkm_proto::tolerant::{self, AsideReason};
//!
//! // command = 5 (INFO), result {0}, and an unknown field 11 with a varint.
//! let bytes = [0x08, 0x05, 0x12, 0x02, 0x08, 0x00, 0x58, 0x2A];
//! let decoded = tolerant::decode::<Response>(&bytes)?;
//! assert_eq!(decoded.message.command, 5);
//! assert_eq!(decoded.set_aside.varint("", 11), Some(42));
//! assert_eq!(decoded.set_aside[0].reason, AsideReason::UnknownField);
//! # Ok::<(), kkm_proto::tolerant::PayloadError>(())
//! ```

use std::borrow::Cow;

use crate::schema::{Described, FieldKind, Label, MAX_FIELDS, MESSAGES};

/// Nesting of messages and groups the walker follows before it calls the bytes
/// malformed: prost's and Google's C++ limit, so that nothing prost accepts is refused
/// here (CPCR messages themselves nest about 7 deep).
pub const MAX_DEPTH: usize = 100;

/// A message decoded tolerantly, with what was set aside on the way.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decoded<M> {
    /// The message, from every field that could be read.
    pub message: M,
    /// The fields that were not read into `message` (and the repaired strings).
    pub set_aside: SetAside,
}

/// Why a field was set aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AsideReason {
    /// The message declares no field with this number.
    UnknownField,
    /// The field is declared, but arrived with another wire type.
    WireTypeMismatch,
    /// The field is a declared message (or packed run) whose bytes do not parse.
    MalformedMessage,
    /// The field is a declared `string` that is not UTF-8: it *is* in the message,
    /// decoded lossily; this entry keeps the original bytes.
    InvalidUtf8,
}

/// The value of a set-aside field, by wire type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnknownValue {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1, little-endian.
    Fixed64(u64),
    /// Wire type 2: the bytes after the length.
    LengthDelimited(Vec<u8>),
    /// Wire type 3: the bytes between the group's start and end tags.
    Group(Vec<u8>),
    /// Wire type 5, little-endian.
    Fixed32(u32),
}

impl UnknownValue {
    /// The protobuf wire type (0, 1, 2, 3 or 5).
    pub fn wire_type(&self) -> u8 {
        match self {
            UnknownValue::Varint(_) => 0,
            UnknownValue::Fixed64(_) => 1,
            UnknownValue::LengthDelimited(_) => 2,
            UnknownValue::Group(_) => 3,
            UnknownValue::Fixed32(_) => 5,
        }
    }
}

/// One field that was not read into the message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownField {
    /// Where it was: the field names from the decoded message down to the message that
    /// held it, joined by `.`, with `[i]` after an element of a repeated field
    /// (`service.reg_info.org`, `ticket.items[2].commodity`); `""` for the top level.
    pub path: String,
    /// Its field number.
    pub number: u32,
    /// Its value.
    pub value: UnknownValue,
    /// Why it was set aside.
    pub reason: AsideReason,
}

/// The fields a tolerant decode set aside, in wire order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SetAside(pub Vec<UnknownField>);

impl SetAside {
    /// The set-aside fields numbered `number` in the message at `path`.
    pub fn get<'a>(
        &'a self,
        path: &'a str,
        number: u32,
    ) -> impl Iterator<Item = &'a UnknownField> + 'a {
        self.0
            .iter()
            .filter(move |f| f.path == path && f.number == number)
    }

    /// The first varint set aside as field `number` of the message at `path`, e.g. the
    /// 2.0.2 `tenantId`: `set_aside.varint("service.reg_info.org", 6)`.
    pub fn varint(&self, path: &str, number: u32) -> Option<u64> {
        self.get(path, number).find_map(|f| match f.value {
            UnknownValue::Varint(v) => Some(v),
            _ => None,
        })
    }

    /// The bytes of the first length-delimited value set aside as field `number` of the
    /// message at `path`.
    pub fn length_delimited(&self, path: &str, number: u32) -> Option<&[u8]> {
        self.0.iter().find_map(|f| match &f.value {
            UnknownValue::LengthDelimited(b) if f.path == path && f.number == number => {
                Some(b.as_slice())
            }
            _ => None,
        })
    }
}

impl std::ops::Deref for SetAside {
    type Target = [UnknownField];
    fn deref(&self) -> &[UnknownField] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a SetAside {
    type Item = &'a UnknownField;
    type IntoIter = std::slice::Iter<'a, UnknownField>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Decodes `bytes` as an `M` the tolerant way (see the module documentation).
///
/// Fails only when the bytes are not protobuf at the top level.
pub fn decode<M: Described>(bytes: &[u8]) -> Result<Decoded<M>, PayloadError> {
    // The usual case first: prost reads the payload as it is. It then read every
    // declared field as we would and skipped the unknown ones, which a walk without
    // checks or copies only has to list.
    if let Ok(message) = M::decode(bytes) {
        let mut aside = Vec::new();
        if list_unknown(bytes, M::SCHEMA_INDEX, None, 0, &mut aside).is_ok() {
            return Ok(Decoded {
                message,
                set_aside: SetAside(aside),
            });
        }
        // prost accepts nothing the walk refuses (groups nest to the same depth), so
        // this is not reached; the full walk below decides if it ever is.
    }
    let mut aside = Vec::new();
    let clean = sanitize(bytes, M::SCHEMA_INDEX, None, 0, &mut aside)?;
    let payload = clean.as_deref().unwrap_or(bytes);
    match M::decode(payload) {
        Ok(message) => Ok(Decoded {
            message,
            set_aside: SetAside(aside),
        }),
        Err(e) => {
            // The full walk leaves only what prost accepts: reaching this is a bug in the
            // walker (fuzzing builds with debug assertions and so reports it).
            debug_assert!(false, "prost refused a sanitized payload: {e}");
            Err(PayloadError::Prost(e))
        }
    }
}

/// Why a payload is not protobuf (at the top level of the message being decoded).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// A varint ends with the bytes.
    #[error("truncated varint")]
    TruncatedVarint,
    /// A varint runs over 10 bytes or 64 bits.
    #[error("varint longer than 64 bits")]
    VarintOverflow,
    /// A field key does not fit 32 bits.
    #[error("field key above 32 bits")]
    InvalidKey,
    /// A field key names field 0.
    #[error("field number 0")]
    FieldNumberZero,
    /// Wire type 6 or 7.
    #[error("invalid wire type {0}")]
    WireType(u8),
    /// A length or a fixed-size value runs past the end.
    #[error("a value of {needed} bytes with {remaining} left")]
    PastEnd {
        /// Bytes the value claims.
        needed: u64,
        /// Bytes that were left.
        remaining: usize,
    },
    /// A group end tag without its start (or with another number).
    #[error("end of group {0} without its start")]
    UnexpectedEndGroup(u32),
    /// A group that does not end before the bytes do.
    #[error("group {0} does not end")]
    UnterminatedGroup(u32),
    /// Groups nested deeper than [`MAX_DEPTH`].
    #[error("nested deeper than {MAX_DEPTH}")]
    TooDeep,
    /// prost refused what the walk accepted (a bug of this module; never seen).
    #[error("{0}")]
    Prost(prost::DecodeError),
}

type WireError = PayloadError;

/// A value as read off the wire, borrowing the input.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RawValue<'a> {
    Varint(u64),
    Fixed64(u64),
    Len(&'a [u8]),
    Group(&'a [u8]),
    Fixed32(u32),
}

impl RawValue<'_> {
    fn to_owned(self) -> UnknownValue {
        match self {
            RawValue::Varint(v) => UnknownValue::Varint(v),
            RawValue::Fixed64(v) => UnknownValue::Fixed64(v),
            RawValue::Len(b) => UnknownValue::LengthDelimited(b.to_vec()),
            RawValue::Group(b) => UnknownValue::Group(b.to_vec()),
            RawValue::Fixed32(v) => UnknownValue::Fixed32(v),
        }
    }
}

/// A cursor over protobuf wire bytes. Every read checks the bounds; nothing allocates.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn is_done(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// A base-128 varint of at most 10 bytes whose value fits 64 bits (prost's and
    /// Google's rule).
    pub(crate) fn varint(&mut self) -> Result<u64, WireError> {
        if let Some(&byte) = self.buf.get(self.pos) {
            if byte < 0x80 {
                self.pos += 1;
                return Ok(u64::from(byte));
            }
        }
        let mut value = 0u64;
        for i in 0..10 {
            let Some(&byte) = self.buf.get(self.pos) else {
                return Err(WireError::TruncatedVarint);
            };
            self.pos += 1;
            if i == 9 && byte > 1 {
                return Err(WireError::VarintOverflow);
            }
            value |= u64::from(byte & 0x7F) << (7 * i);
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err(WireError::VarintOverflow)
    }

    /// A field key: (field number, wire type).
    pub(crate) fn key(&mut self) -> Result<(u32, u8), WireError> {
        let key = self.varint()?;
        let key = u32::try_from(key).map_err(|_| WireError::InvalidKey)?;
        let wire = (key & 7) as u8;
        let number = key >> 3;
        if number == 0 {
            return Err(WireError::FieldNumberZero);
        }
        if wire > 5 {
            return Err(WireError::WireType(wire));
        }
        Ok((number, wire))
    }

    /// Steps over a varint without computing it (the bytes were accepted by prost).
    fn skip_varint(&mut self) -> Result<(), WireError> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        match rest.iter().take(10).position(|&b| b < 0x80) {
            Some(i) => {
                self.pos += i + 1;
                Ok(())
            }
            None if rest.len() < 10 => Err(WireError::TruncatedVarint),
            None => Err(WireError::VarintOverflow),
        }
    }

    fn skip(&mut self, n: u64) -> Result<(), WireError> {
        self.take(n).map(|_| ())
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], WireError> {
        let remaining = self.buf.len() - self.pos;
        if n > remaining as u64 {
            return Err(WireError::PastEnd {
                needed: n,
                remaining,
            });
        }
        let start = self.pos;
        self.pos += n as usize;
        Ok(&self.buf[start..self.pos])
    }

    /// The value of a field whose key (`number`, `wire`) was just read. A group is
    /// followed to its matching end tag, nested groups within `depth`.
    pub(crate) fn value(
        &mut self,
        number: u32,
        wire: u8,
        depth: usize,
    ) -> Result<RawValue<'a>, WireError> {
        Ok(match wire {
            0 => RawValue::Varint(self.varint()?),
            1 => {
                let b = self.take(8)?;
                RawValue::Fixed64(u64::from_le_bytes([
                    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                ]))
            }
            2 => {
                let len = self.varint()?;
                RawValue::Len(self.take(len)?)
            }
            3 => RawValue::Group(self.group(number, depth + 1)?),
            4 => return Err(WireError::UnexpectedEndGroup(number)),
            5 => {
                let b = self.take(4)?;
                RawValue::Fixed32(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            }
            other => return Err(WireError::WireType(other)),
        })
    }

    /// Skips to the end tag of group `number`; returns the bytes between the tags.
    fn group(&mut self, number: u32, depth: usize) -> Result<&'a [u8], WireError> {
        if depth > MAX_DEPTH {
            return Err(WireError::TooDeep);
        }
        let start = self.pos;
        loop {
            if self.is_done() {
                return Err(WireError::UnterminatedGroup(number));
            }
            let before = self.pos;
            let (n, wire) = self.key()?;
            if wire == 4 {
                if n != number {
                    return Err(WireError::UnexpectedEndGroup(n));
                }
                return Ok(&self.buf[start..before]);
            }
            self.value(n, wire, depth)?;
        }
    }
}

/// Where the walker is: a linked list on the stack, turned into a path string only
/// when something is set aside.
struct PathNode<'p> {
    parent: Option<&'p PathNode<'p>>,
    name: &'static str,
    index: Option<u32>,
}

fn path_string(mut node: Option<&PathNode<'_>>) -> String {
    let mut parts = Vec::new();
    while let Some(n) = node {
        parts.push(match n.index {
            Some(i) => format!("{}[{i}]", n.name),
            None => n.name.to_string(),
        });
        node = n.parent;
    }
    parts.reverse();
    parts.join(".")
}

/// What to do with one field of the message being walked.
enum Action {
    Keep,
    Aside(AsideReason),
    Replace(Vec<u8>),
}

/// Walks bytes prost has accepted as message `msg` and lists the fields it skipped:
/// the unknown ones (nothing else can be wrong in them). The fast path of [`decode`]:
/// no checks beyond the wire structure, no copies but of the listed values.
fn list_unknown(
    bytes: &[u8],
    msg: usize,
    path: Option<&PathNode<'_>>,
    depth: usize,
    aside: &mut Vec<UnknownField>,
) -> Result<(), WireError> {
    if depth > MAX_DEPTH {
        return Err(WireError::TooDeep);
    }
    let schema = &MESSAGES[msg];
    let mut kept = [0u32; MAX_FIELDS];
    let mut r = Reader::new(bytes);
    while !r.is_done() {
        let (number, wire) = r.key()?;
        let declared = schema
            .field_index(number)
            .filter(|&i| schema.fields[i].accepts(wire));
        match (declared, wire) {
            (Some(i), 2) => {
                let len = r.varint()?;
                let body = r.take(len)?;
                let field = &schema.fields[i];
                if let FieldKind::Message(child) = field.kind {
                    let node = PathNode {
                        parent: path,
                        name: field.name,
                        index: (field.label == Label::Repeated).then_some(kept[i]),
                    };
                    list_unknown(body, child, Some(&node), depth + 1, aside)?;
                    kept[i] += 1;
                }
            }
            (Some(_), 0) => r.skip_varint()?,
            (Some(_), 1) => r.skip(8)?,
            (Some(_), _) => r.skip(4)?,
            (None, _) => {
                let value = r.value(number, wire, depth)?;
                let reason = match schema.field_index(number) {
                    None => AsideReason::UnknownField,
                    Some(_) => AsideReason::WireTypeMismatch,
                };
                aside.push(UnknownField {
                    path: path_string(path),
                    number,
                    value: value.to_owned(),
                    reason,
                });
            }
        }
    }
    Ok(())
}

/// Walks `bytes` as message `msg`; sets aside what prost would refuse or skip. Returns
/// `None` when the bytes can go to prost as they are, or the cleaned bytes.
fn sanitize(
    bytes: &[u8],
    msg: usize,
    path: Option<&PathNode<'_>>,
    depth: usize,
    aside: &mut Vec<UnknownField>,
) -> Result<Option<Vec<u8>>, WireError> {
    if depth > MAX_DEPTH {
        return Err(WireError::TooDeep);
    }
    let schema = &MESSAGES[msg];
    let mut out: Option<Vec<u8>> = None;
    // Elements kept so far of each repeated field (by field position): the [i] of paths.
    let mut kept = [0u32; MAX_FIELDS];
    let mut r = Reader::new(bytes);
    while !r.is_done() {
        let start = r.pos();
        let (number, wire) = r.key()?;
        let value_start = r.pos();
        let value = r.value(number, wire, depth)?;
        let action = match schema.field_index(number) {
            None => Action::Aside(AsideReason::UnknownField),
            Some(i) => {
                let field = &schema.fields[i];
                if !field.accepts(wire) {
                    Action::Aside(AsideReason::WireTypeMismatch)
                } else {
                    match (field.kind, value) {
                        (FieldKind::Message(child), RawValue::Len(body)) => {
                            let repeated = field.label == Label::Repeated;
                            let node = PathNode {
                                parent: path,
                                name: field.name,
                                index: repeated.then_some(kept[i]),
                            };
                            let mark = aside.len();
                            match sanitize(body, child, Some(&node), depth + 1, aside) {
                                Ok(cleaned) => {
                                    kept[i] += 1;
                                    cleaned.map_or(Action::Keep, Action::Replace)
                                }
                                Err(_) => {
                                    aside.truncate(mark);
                                    Action::Aside(AsideReason::MalformedMessage)
                                }
                            }
                        }
                        (FieldKind::String, RawValue::Len(body))
                            if std::str::from_utf8(body).is_err() =>
                        {
                            match String::from_utf8_lossy(body) {
                                Cow::Borrowed(_) => Action::Keep,
                                Cow::Owned(repaired) => {
                                    aside.push(UnknownField {
                                        path: path_string(path),
                                        number,
                                        value: value.to_owned(),
                                        reason: AsideReason::InvalidUtf8,
                                    });
                                    Action::Replace(repaired.into_bytes())
                                }
                            }
                        }
                        (kind, RawValue::Len(body)) if field.is_packable() => {
                            if packed_run_parses(kind, body) {
                                Action::Keep
                            } else {
                                Action::Aside(AsideReason::MalformedMessage)
                            }
                        }
                        _ => Action::Keep,
                    }
                }
            }
        };
        match action {
            Action::Keep => {
                if let Some(out) = out.as_mut() {
                    out.extend_from_slice(&bytes[start..r.pos()]);
                }
            }
            Action::Aside(reason) => {
                aside.push(UnknownField {
                    path: path_string(path),
                    number,
                    value: value.to_owned(),
                    reason,
                });
                out.get_or_insert_with(|| started(bytes, start));
            }
            Action::Replace(body) => {
                let out = out.get_or_insert_with(|| started(bytes, start));
                out.extend_from_slice(&bytes[start..value_start]);
                put_varint(out, body.len() as u64);
                out.extend_from_slice(&body);
            }
        }
    }
    Ok(out)
}

/// A new output buffer holding the fields before `upto`, sized for the rest.
fn started(bytes: &[u8], upto: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..upto]);
    out
}

/// Appends `value` as a base-128 varint.
pub(crate) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7F) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Whether `body` is a whole packed run of `kind` values.
fn packed_run_parses(kind: FieldKind, body: &[u8]) -> bool {
    match kind {
        FieldKind::Fixed32 => body.len().is_multiple_of(4),
        FieldKind::Fixed64 => body.len().is_multiple_of(8),
        _ => {
            let mut r = Reader::new(body);
            while !r.is_done() {
                if r.varint().is_err() {
                    return false;
                }
            }
            true
        }
    }
}

#[cfg(test)]
#[path = "tolerant_tests.rs"]
mod tests;
