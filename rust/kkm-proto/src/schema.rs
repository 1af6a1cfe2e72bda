//! The wire schema of the CPCR messages: for every message, its fields by number with
//! the name, the wire kind and the label the `.proto` files give them.
//!
//! Generated at build time from the same descriptor set as the prost types (see
//! `build.rs`), so the two cannot drift apart. The tolerant decoder
//! ([`crate::tolerant`]) walks the wire bytes with it; tests enumerate every message
//! type with it.
//!
//! ```
//! use kkm_proto::cpcr::OrgRegInfo;
//! use kkm_proto::schema::{Described, FieldKind};
//!
//! let org = OrgRegInfo::schema();
//! assert_eq!(org.name, "cpcr.OrgRegInfo");
//! let address_kz = org.field(6).expect("field 6");
//! assert_eq!((address_kz.name, address_kz.kind), ("address_kz", FieldKind::String));
//! ```

/// How a field's value travels, which fixes the wire types it may arrive with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// int32, int64, uint32, uint64, sint32, sint64, bool, enum: wire type 0 (varint).
    Varint,
    /// fixed32, sfixed32, float: wire type 5.
    Fixed32,
    /// fixed64, sfixed64, double: wire type 1.
    Fixed64,
    /// string: wire type 2, UTF-8.
    String,
    /// bytes: wire type 2, any octets.
    Bytes,
    /// A nested message (wire type 2): the index of its schema in [`messages`].
    Message(usize),
}

/// The label a field is declared with (proto2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    /// `optional`.
    Optional,
    /// `required` (not enforced when decoding: see [`crate::tolerant`]).
    Required,
    /// `repeated`: scalars may arrive packed (one length-delimited run) or one by one.
    Repeated,
}

/// One field of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldSchema {
    /// The field number.
    pub number: u32,
    /// The field's name in the `.proto` file.
    pub name: &'static str,
    /// How its value travels.
    pub kind: FieldKind,
    /// Its label.
    pub label: Label,
}

impl FieldSchema {
    /// Whether a value arriving with wire type `wire_type` (0..=5) is this field's:
    /// its own wire type, or wire type 2 for a packed run of a repeated scalar.
    pub fn accepts(&self, wire_type: u8) -> bool {
        let own = match self.kind {
            FieldKind::Varint => 0,
            FieldKind::Fixed64 => 1,
            FieldKind::Fixed32 => 5,
            FieldKind::String | FieldKind::Bytes | FieldKind::Message(_) => 2,
        };
        wire_type == own || (wire_type == 2 && self.is_packable())
    }

    /// A repeated scalar number (varint or fixed): may arrive packed.
    pub fn is_packable(&self) -> bool {
        self.label == Label::Repeated
            && matches!(
                self.kind,
                FieldKind::Varint | FieldKind::Fixed32 | FieldKind::Fixed64
            )
    }
}

/// One message: its full protobuf name and its fields, sorted by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MessageSchema {
    /// The full name, e.g. `cpcr.ServiceResponse.RegInfo`.
    pub name: &'static str,
    /// The fields, sorted by number.
    pub fields: &'static [FieldSchema],
    /// For each field number up to the largest declared, 1 + the field's position in
    /// `fields`, or 0 for a number the message does not declare.
    pub by_number: &'static [u8],
}

impl MessageSchema {
    /// The field numbered `number`, if the message declares it.
    pub fn field(&self, number: u32) -> Option<&'static FieldSchema> {
        self.field_index(number).map(|i| &self.fields[i])
    }

    /// The position in [`MessageSchema::fields`] of the field numbered `number`.
    pub fn field_index(&self, number: u32) -> Option<usize> {
        let slot = *self.by_number.get(usize::try_from(number).ok()?)?;
        usize::from(slot).checked_sub(1)
    }
}

/// A prost message type of [`crate::cpcr`] whose wire schema is known.
///
/// Implemented by the build script for every generated message type.
pub trait Described: prost::Message + Default {
    /// The index of the type's schema in [`messages`].
    const SCHEMA_INDEX: usize;

    /// The type's wire schema.
    fn schema() -> &'static MessageSchema {
        &MESSAGES[Self::SCHEMA_INDEX]
    }
}

/// Every CPCR message's schema; [`FieldKind::Message`] indexes into this slice.
pub fn messages() -> &'static [MessageSchema] {
    MESSAGES
}

include!(concat!(env!("OUT_DIR"), "/cpcr_schema.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_field_is_sorted_and_nested_indices_are_in_range() {
        assert!(!messages().is_empty());
        for m in messages() {
            assert!(m.name.starts_with("cpcr."), "{}", m.name);
            assert!(m.fields.len() <= MAX_FIELDS);
            for pair in m.fields.windows(2) {
                assert!(pair[0].number < pair[1].number, "{}", m.name);
            }
            for (i, f) in m.fields.iter().enumerate() {
                if let FieldKind::Message(i) = f.kind {
                    assert!(i < messages().len(), "{}.{}", m.name, f.name);
                }
                assert_eq!(m.field_index(f.number), Some(i));
            }
            let declared = m.by_number.iter().filter(|&&slot| slot != 0).count();
            assert_eq!(declared, m.fields.len(), "{}", m.name);
            assert_eq!(m.field_index(0), None);
            assert_eq!(m.field_index(u32::MAX), None);
        }
    }

    #[test]
    fn prost_types_point_at_their_own_schema() {
        use crate::cpcr;
        assert_eq!(cpcr::Request::schema().name, "cpcr.Request");
        assert_eq!(cpcr::Response::schema().name, "cpcr.Response");
        assert_eq!(
            cpcr::ticket_request::item::Commodity::schema().name,
            "cpcr.TicketRequest.Item.Commodity"
        );
        assert_eq!(cpcr::ZxReport::schema().name, "cpcr.ZXReport");
        macro_rules! names_match {
            ($($ty:path),* $(,)?) => {
                $(
                    let full = <$ty as prost::Name>::full_name();
                    assert_eq!(<$ty as Described>::schema().name, full);
                )*
            };
        }
        for_each_message!(names_match);
    }
}
