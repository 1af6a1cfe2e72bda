//! Tests of the tolerant decoder: hand-made cases for each rule, then a property test
//! over every message type of our protos (random instances, random unknown and
//! mismatched fields inserted at every level, the original must come back and exactly
//! the inserted fields must be set aside), and arbitrary bytes that must never panic.

use super::*;
use crate::cpcr::{self, Request, Response};
use crate::schema::{for_each_message, messages, FieldSchema};
use proptest::prelude::*;
use prost::Message;

fn key(out: &mut Vec<u8>, number: u32, wire: u8) {
    put_varint(out, u64::from(number) << 3 | u64::from(wire));
}

fn len_field(out: &mut Vec<u8>, number: u32, body: &[u8]) {
    key(out, number, 2);
    put_varint(out, body.len() as u64);
    out.extend_from_slice(body);
}

fn varint_field(out: &mut Vec<u8>, number: u32, value: u64) {
    key(out, number, 0);
    put_varint(out, value);
}

/// `Response { command: INFO, result: {0}, service: { reg_info: { org: <org> } } }`.
fn info_with_org(org: &[u8]) -> Vec<u8> {
    let mut reg_info = Vec::new();
    len_field(&mut reg_info, 3, org);
    let mut service = Vec::new();
    len_field(&mut service, 2, &reg_info);
    let mut out = Vec::new();
    varint_field(&mut out, 1, 5);
    len_field(&mut out, 2, &[0x08, 0x00]);
    len_field(&mut out, 6, &service);
    out
}

#[test]
fn a_known_field_with_another_wire_type_is_set_aside_not_fatal() {
    let mut org = Vec::new();
    len_field(&mut org, 1, "ИП Тест".as_bytes());
    varint_field(&mut org, 6, 1); // 2.0.2 tenantId where 2.0.3 has a string
    len_field(&mut org, 2, b"Astana");
    let bytes = info_with_org(&org);
    assert!(
        Response::decode(bytes.as_slice()).is_err(),
        "prost alone refuses it"
    );

    let d = decode::<Response>(&bytes).expect("tolerated");
    let org = d
        .message
        .service
        .as_ref()
        .and_then(|s| s.reg_info.as_ref())
        .and_then(|r| r.org.as_ref())
        .expect("org decoded");
    assert_eq!(org.title.as_deref(), Some("ИП Тест"));
    assert_eq!(org.address.as_deref(), Some("Astana"));
    assert_eq!(org.address_kz, None);
    assert_eq!(d.set_aside.varint("service.reg_info.org", 6), Some(1));
    assert_eq!(d.set_aside.len(), 1);
    assert_eq!(d.set_aside[0].reason, AsideReason::WireTypeMismatch);
    assert_eq!(d.set_aside[0].value.wire_type(), 0);
}

#[test]
fn unknown_fields_of_every_wire_type_are_skipped_and_kept() {
    let mut bytes = Vec::new();
    varint_field(&mut bytes, 1, 1);
    varint_field(&mut bytes, 40, 300);
    key(&mut bytes, 41, 1);
    bytes.extend_from_slice(&7u64.to_le_bytes());
    len_field(&mut bytes, 42, b"abc");
    key(&mut bytes, 43, 3);
    varint_field(&mut bytes, 1, 9); // inside the group
    key(&mut bytes, 43, 4);
    key(&mut bytes, 44, 5);
    bytes.extend_from_slice(&8u32.to_le_bytes());
    len_field(&mut bytes, 2, &[0x08, 0x00]);

    let d = decode::<Response>(&bytes).expect("decodes");
    assert_eq!(d.message.command, 1);
    let values: Vec<_> = d
        .set_aside
        .iter()
        .map(|f| (f.number, f.value.clone()))
        .collect();
    assert_eq!(
        values,
        vec![
            (40, UnknownValue::Varint(300)),
            (41, UnknownValue::Fixed64(7)),
            (42, UnknownValue::LengthDelimited(b"abc".to_vec())),
            (43, UnknownValue::Group(vec![0x08, 0x09])),
            (44, UnknownValue::Fixed32(8)),
        ]
    );
    assert!(d.set_aside.iter().all(|f| f.path.is_empty()));
    assert!(d
        .set_aside
        .iter()
        .all(|f| f.reason == AsideReason::UnknownField));
}

#[test]
fn absent_required_fields_are_not_an_error() {
    // Response declares command and result required; neither is here.
    let d = decode::<Response>(&[]).expect("empty message");
    assert_eq!(d.message, Response::default());
    assert!(d.set_aside.is_empty());
}

#[test]
fn bytes_that_are_not_protobuf_at_the_top_are_refused() {
    for bad in [
        &[0x08][..],             // truncated varint
        &[0x0A, 0x05, 0x01][..], // length past the end
        &[0x0E][..],             // wire type 6
        &[0x0F][..],             // wire type 7
        &[0x00, 0x00][..],       // field number 0
        &[0x0C][..],             // end of group 1 with no start
        &[0x0B, 0x08, 0x01][..], // group 1 never ends
        &[
            0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F,
        ][..], // > 64 bits
        &[0x80, 0x80, 0x80, 0x80, 0x80, 0x01][..], // key above 32 bits
    ] {
        assert!(decode::<Response>(bad).is_err(), "{bad:02x?}");
        assert!(decode::<Request>(bad).is_err(), "{bad:02x?}");
    }
}

#[test]
fn a_nested_message_that_does_not_parse_is_set_aside() {
    let mut bytes = Vec::new();
    varint_field(&mut bytes, 1, 1);
    len_field(&mut bytes, 3, &[0x0A, 0x05, 0x01]); // ticket: a length past its end
    let d = decode::<Response>(&bytes).expect("tolerated");
    assert_eq!(d.message.ticket, None);
    assert_eq!(d.set_aside.len(), 1);
    assert_eq!(
        (d.set_aside[0].number, d.set_aside[0].reason),
        (3, AsideReason::MalformedMessage)
    );
}

#[test]
fn what_was_set_aside_inside_a_discarded_message_is_not_reported_twice() {
    let mut ticket = Vec::new();
    varint_field(&mut ticket, 9, 1); // unknown in TicketResponse…
    ticket.push(0x0F); // …then wire type 7: the whole ticket is not a message
    let mut bytes = Vec::new();
    len_field(&mut bytes, 3, &ticket);
    let d = decode::<Response>(&bytes).expect("tolerated");
    assert_eq!(d.set_aside.len(), 1);
    assert_eq!(d.set_aside[0].path, "");
}

#[test]
fn invalid_utf8_is_replaced_and_the_original_kept() {
    let mut org = Vec::new();
    len_field(&mut org, 1, &[0xC8, 0xCF, b' ', b'A']); // "ИП A" in CP1251
    let bytes = info_with_org(&org);
    let d = decode::<Response>(&bytes).expect("tolerated");
    let title = d
        .message
        .service
        .and_then(|s| s.reg_info)
        .and_then(|r| r.org)
        .and_then(|o| o.title);
    assert_eq!(title.as_deref(), Some("\u{FFFD}\u{FFFD} A"));
    assert_eq!(d.set_aside[0].reason, AsideReason::InvalidUtf8);
    assert_eq!(
        d.set_aside.length_delimited("service.reg_info.org", 1),
        Some(&[0xC8, 0xCF, b' ', b'A'][..])
    );
}

#[test]
fn packed_runs_are_accepted_and_broken_runs_set_aside() {
    // AuthResponse.roles (repeated enum, field 4): packed [1, 3], then a broken run.
    let mut bytes = Vec::new();
    len_field(&mut bytes, 4, &[0x01, 0x03]);
    varint_field(&mut bytes, 4, 2);
    len_field(&mut bytes, 4, &[0x80]);
    let d = decode::<cpcr::AuthResponse>(&bytes).expect("tolerated");
    assert_eq!(d.message.roles, vec![1, 3, 2]);
    assert_eq!(d.set_aside.len(), 1);
    assert_eq!(d.set_aside[0].reason, AsideReason::MalformedMessage);
}

#[test]
fn paths_name_elements_of_repeated_fields() {
    // ServiceResponse.ticket_ads[1].info carries an unknown field 9.
    let mut info = Vec::new();
    varint_field(&mut info, 1, 0);
    varint_field(&mut info, 9, 77);
    let mut ad0 = Vec::new();
    len_field(&mut ad0, 2, b"first");
    let mut ad1 = Vec::new();
    len_field(&mut ad1, 1, &info);
    let mut service = Vec::new();
    len_field(&mut service, 1, &ad0);
    len_field(&mut service, 1, &ad1);
    let mut bytes = Vec::new();
    len_field(&mut bytes, 6, &service);
    let d = decode::<Response>(&bytes).expect("decodes");
    assert_eq!(
        d.set_aside.varint("service.ticket_ads[1].info", 9),
        Some(77)
    );
}

#[test]
fn groups_nest_as_deep_as_prost_allows_and_no_deeper() {
    let nested = |levels: usize| {
        let mut bytes = Vec::new();
        for _ in 0..levels {
            key(&mut bytes, 50, 3);
        }
        for _ in 0..levels {
            key(&mut bytes, 50, 4);
        }
        bytes
    };
    let deepest = nested(MAX_DEPTH);
    assert!(Response::decode(deepest.as_slice()).is_ok());
    assert!(decode::<Response>(&deepest).is_ok());
    let deeper = nested(MAX_DEPTH + 1);
    assert!(Response::decode(deeper.as_slice()).is_err());
    assert!(decode::<Response>(&deeper).is_err());
}

// ---------------------------------------------------------------------------------
// The property test: every message type, random instances, random noise.

/// splitmix64: a small deterministic generator, seeded by proptest.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn varint(&mut self) -> u64 {
        match self.below(3) {
            0 => self.below(128),
            1 => self.below(1 << 32),
            _ => self.next(),
        }
    }
    fn bytes(&mut self, max: u64) -> Vec<u8> {
        (0..self.below(max + 1))
            .map(|_| self.next() as u8)
            .collect()
    }
    fn text(&mut self) -> String {
        const ALPHABET: [char; 10] = ['a', 'Z', '7', ' ', 'Ә', 'қ', 'ж', '№', '€', '\u{1d}'];
        (0..self.below(12))
            .map(|_| ALPHABET[self.below(ALPHABET.len() as u64) as usize])
            .collect()
    }
}

/// A random valid encoding of message `msg` (every declared field may appear).
fn random_message(rng: &mut Rng, msg: usize, depth: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for f in messages()[msg].fields {
        let most = match f.label {
            Label::Repeated => 3,
            _ => 2,
        };
        let mut count = rng.below(most);
        if matches!(f.kind, FieldKind::Message(_)) && depth > 5 {
            count = 0;
        }
        if f.is_packable() && count > 0 && rng.chance(50) {
            let mut run = Vec::new();
            for _ in 0..count {
                match f.kind {
                    FieldKind::Fixed32 => run.extend_from_slice(&(rng.next() as u32).to_le_bytes()),
                    FieldKind::Fixed64 => run.extend_from_slice(&rng.next().to_le_bytes()),
                    _ => put_varint(&mut run, rng.varint()),
                }
            }
            len_field(&mut out, f.number, &run);
            continue;
        }
        for _ in 0..count {
            random_field(rng, f, depth, &mut out);
        }
    }
    out
}

fn random_field(rng: &mut Rng, f: &FieldSchema, depth: usize, out: &mut Vec<u8>) {
    match f.kind {
        FieldKind::Varint => varint_field(out, f.number, rng.varint()),
        FieldKind::Fixed32 => {
            key(out, f.number, 5);
            out.extend_from_slice(&(rng.next() as u32).to_le_bytes());
        }
        FieldKind::Fixed64 => {
            key(out, f.number, 1);
            out.extend_from_slice(&rng.next().to_le_bytes());
        }
        FieldKind::String => len_field(out, f.number, rng.text().as_bytes()),
        FieldKind::Bytes => len_field(out, f.number, &rng.bytes(16)),
        FieldKind::Message(child) => {
            let body = random_message(rng, child, depth + 1);
            len_field(out, f.number, &body);
        }
    }
}

/// A random value of wire type `wire` for field `number`, written to `out`; returns
/// what the decoder will report for it.
fn random_value(rng: &mut Rng, number: u32, wire: u8, out: &mut Vec<u8>) -> UnknownValue {
    key(out, number, wire);
    match wire {
        0 => {
            let v = rng.varint();
            put_varint(out, v);
            UnknownValue::Varint(v)
        }
        1 => {
            let v = rng.next();
            out.extend_from_slice(&v.to_le_bytes());
            UnknownValue::Fixed64(v)
        }
        2 => {
            let body = rng.bytes(20);
            put_varint(out, body.len() as u64);
            out.extend_from_slice(&body);
            UnknownValue::LengthDelimited(body)
        }
        3 => {
            let mut content = Vec::new();
            for _ in 0..rng.below(3) {
                let n = 1 + rng.below(100) as u32;
                let w = [0u8, 1, 2, 5][rng.below(4) as usize];
                random_value(rng, n, w, &mut content);
            }
            out.extend_from_slice(&content);
            key(out, number, 4);
            UnknownValue::Group(content)
        }
        _ => {
            let v = rng.next() as u32;
            out.extend_from_slice(&v.to_le_bytes());
            UnknownValue::Fixed32(v)
        }
    }
}

const WIRE_TYPES: [u8; 5] = [0, 1, 2, 3, 5];

/// Writes one field the decoder must set aside in message `msg` at `path`: an unused
/// number, a declared number with a wrong wire type, or a declared message field (or
/// packed run) whose bytes do not parse. Records what the decoder should report.
fn noise(
    rng: &mut Rng,
    msg: usize,
    path: &str,
    out: &mut Vec<u8>,
    expected: &mut Vec<UnknownField>,
) {
    let schema = &messages()[msg];
    let (number, value, reason) = match rng.below(3) {
        0 if !schema.fields.is_empty() => {
            let f = &schema.fields[rng.below(schema.fields.len() as u64) as usize];
            let wrong: Vec<u8> = WIRE_TYPES.into_iter().filter(|w| !f.accepts(*w)).collect();
            let wire = wrong[rng.below(wrong.len() as u64) as usize];
            let value = random_value(rng, f.number, wire, out);
            (f.number, value, AsideReason::WireTypeMismatch)
        }
        1 => {
            let breakable: Vec<&FieldSchema> = schema
                .fields
                .iter()
                .filter(|f| matches!(f.kind, FieldKind::Message(_)) || f.is_packable())
                .collect();
            if breakable.is_empty() {
                return noise(rng, msg, path, out, expected);
            }
            let f = breakable[rng.below(breakable.len() as u64) as usize];
            let body: Vec<u8> = match f.kind {
                FieldKind::Message(_) => [
                    &[0x0A, 0x05][..],
                    &[0x08][..],
                    &[0x0F][..],
                    &[0x00, 0x01][..],
                ][rng.below(4) as usize]
                    .to_vec(),
                FieldKind::Fixed32 => vec![1, 2, 3],
                FieldKind::Fixed64 => vec![1; 7],
                _ => vec![0x80],
            };
            len_field(out, f.number, &body);
            (
                f.number,
                UnknownValue::LengthDelimited(body),
                AsideReason::MalformedMessage,
            )
        }
        _ => {
            let number = loop {
                let n = if rng.chance(70) {
                    1 + rng.below(70) as u32
                } else {
                    1 + rng.below((1 << 29) - 1) as u32
                };
                if schema.field(n).is_none() {
                    break n;
                }
            };
            let wire = WIRE_TYPES[rng.below(5) as usize];
            let value = random_value(rng, number, wire, out);
            (number, value, AsideReason::UnknownField)
        }
    };
    expected.push(UnknownField {
        path: path.to_string(),
        number,
        value,
        reason,
    });
}

/// Rewrites the canonical encoding `bytes` of message `msg` with noise inserted at
/// random positions, here and (at random) inside nested messages.
fn add_noise(
    rng: &mut Rng,
    bytes: &[u8],
    msg: usize,
    path: &str,
    expected: &mut Vec<UnknownField>,
) -> Vec<u8> {
    let schema = &messages()[msg];
    let mut fields = Vec::new();
    let mut r = Reader::new(bytes);
    while !r.is_done() {
        let start = r.pos();
        let (number, wire) = r.key().expect("canonical key");
        let value = r.value(number, wire, 0).expect("canonical value");
        fields.push((start, r.pos(), number, value));
    }
    let mut kept = [0u32; MAX_FIELDS];
    let mut out = Vec::new();
    for slot in 0..=fields.len() {
        while rng.chance(20) {
            noise(rng, msg, path, &mut out, expected);
        }
        let Some(&(start, end, number, value)) = fields.get(slot) else {
            break;
        };
        let i = schema
            .field_index(number)
            .expect("canonical fields are declared");
        let f = &schema.fields[i];
        match (f.kind, value) {
            (FieldKind::Message(child), RawValue::Len(body)) => {
                let name = if f.label == Label::Repeated {
                    format!("{}[{}]", f.name, kept[i])
                } else {
                    f.name.to_string()
                };
                kept[i] += 1;
                let child_path = if path.is_empty() {
                    name
                } else {
                    format!("{path}.{name}")
                };
                let body = add_noise(rng, body, child, &child_path, expected);
                len_field(&mut out, number, &body);
            }
            _ => out.extend_from_slice(&bytes[start..end]),
        }
    }
    out
}

fn sorted(mut v: Vec<UnknownField>) -> Vec<UnknownField> {
    v.sort();
    v
}

/// One round of the property for message type `M`; returns what was set aside.
fn roundtrip_with_noise<M: Described + PartialEq + std::fmt::Debug>(
    seed: u64,
) -> Vec<UnknownField> {
    let mut rng = Rng(seed);
    let raw = random_message(&mut rng, M::SCHEMA_INDEX, 0);
    let original = M::decode(raw.as_slice()).expect("a valid random instance");
    let canonical = original.encode_to_vec();

    let plain = decode::<M>(&canonical).expect("canonical bytes decode");
    assert_eq!(plain.message, original, "{}", M::schema().name);
    assert!(plain.set_aside.is_empty());

    let mut expected = Vec::new();
    let noisy = add_noise(&mut rng, &canonical, M::SCHEMA_INDEX, "", &mut expected);
    let back =
        decode::<M>(&noisy).unwrap_or_else(|e| panic!("{} (seed {seed}): {e}", M::schema().name));
    assert_eq!(back.message, original, "{} (seed {seed})", M::schema().name);
    let got = sorted(back.set_aside.0);
    assert_eq!(got, sorted(expected), "{} (seed {seed})", M::schema().name);

    // `decode` lists what prost skipped when prost accepts the bytes: the full walk must
    // find the same, and its cleaned bytes decode to the same message.
    let mut full = Vec::new();
    let cleaned = sanitize(&noisy, M::SCHEMA_INDEX, None, 0, &mut full)
        .expect("the full walk accepts what decode accepted");
    let message = M::decode(cleaned.as_deref().unwrap_or(&noisy)).expect("prost reads it");
    assert_eq!(message, original, "{} (seed {seed})", M::schema().name);
    assert_eq!(sorted(full), got, "{} (seed {seed})", M::schema().name);
    got
}

macro_rules! every_type_roundtrips {
    ($($ty:path),* $(,)?) => {
        /// Runs the property for every type; returns the number of types and all
        /// that was set aside.
        fn all_types_roundtrip(seed: u64) -> (usize, Vec<UnknownField>) {
            let mut n = 0;
            let mut aside = Vec::new();
            $(
                aside.extend(roundtrip_with_noise::<$ty>(seed.wrapping_add(n as u64)));
                n += 1;
            )*
            (n, aside)
        }
    };
}
for_each_message!(every_type_roundtrips);

macro_rules! every_type_survives {
    ($($ty:path),* $(,)?) => {
        fn all_types_survive(bytes: &[u8]) {
            $( let _ = decode::<$ty>(bytes); )*
        }
    };
}
for_each_message!(every_type_survives);

#[test]
fn the_property_covers_every_message_type_and_every_kind_of_noise() {
    let mut aside = Vec::new();
    for seed in 0..20 {
        let (types, got) = all_types_roundtrip(seed);
        assert_eq!(types, messages().len());
        aside.extend(got);
    }
    for reason in [
        AsideReason::UnknownField,
        AsideReason::WireTypeMismatch,
        AsideReason::MalformedMessage,
    ] {
        assert!(aside.iter().any(|f| f.reason == reason), "{reason:?}");
    }
    for wire in [0, 1, 2, 3, 5] {
        assert!(aside.iter().any(|f| f.value.wire_type() == wire), "{wire}");
    }
    // Noise reached nested messages, elements of repeated fields and three levels down.
    assert!(aside.iter().any(|f| f.path.contains('[')));
    assert!(aside.iter().any(|f| f.path.matches('.').count() >= 2));
    assert!(
        aside.len() > 20 * messages().len(),
        "{} set aside",
        aside.len()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_message_type_survives_unknown_and_mismatched_fields(seed in any::<u64>()) {
        all_types_roundtrip(seed);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        all_types_survive(&bytes);
    }

    #[test]
    fn mutated_messages_never_panic(
        seed in any::<u64>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut rng = Rng(seed);
        for msg in [Request::SCHEMA_INDEX, Response::SCHEMA_INDEX] {
            let mut bytes = random_message(&mut rng, msg, 0);
            if bytes.is_empty() {
                continue;
            }
            for (i, v) in &flips {
                let at = i.index(bytes.len());
                bytes[at] ^= v;
            }
            // The debug assertion in `decode` fails the test if prost refuses what the
            // walker let through.
            all_types_survive(&bytes);
        }
    }
}
