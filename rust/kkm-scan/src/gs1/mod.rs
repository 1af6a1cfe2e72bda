//! GS1 element strings and Kazakh marking codes (ISMET): `(01) GTIN-14 (21) serial GS
//! (91) key GS (92) crypto…` → [`ExciseMark`].
//!
//! Input is what a reader returns for a GS1 DataMatrix: the leading FNC1 dropped, every
//! later FNC1 turned into GS (0x1D). Keyboard-wedge scanners differ, so we also accept a
//! leading AIM identifier (`]d2`, `]C1`, `]Q3`, `]e0`), a leading GS, and the FNC1 written
//! as the DataMatrix codeword value 232 (`è`). The stored raw string is normalised to the
//! reader form (no prefix, GS kept), which is what goes to `excise_stamp`.

use std::fmt;

use thiserror::Error;

pub mod typed;

pub use typed::{
    normalize_typed_mark, parse_typed_mark, parse_typed_receipt, KeyboardLayout, KeyboardProfile,
    MarkStructure, TypedMarkError,
};

/// Group separator: the FNC1 stand-in between variable-length elements.
pub const GS: char = '\u{1d}';

/// Why a string is not a valid marking code / GS1 element string.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum Gs1Error {
    /// Nothing to parse.
    #[error("empty marking code")]
    Empty,
    /// A character that cannot be in a GS1 string (control character, non-ASCII, space).
    #[error("invalid character {ch:?} at position {pos}")]
    BadCharacter {
        /// The character.
        ch: char,
        /// Byte position in the (normalised) string.
        pos: usize,
    },
    /// An application identifier we do not know (the parser cannot tell where it ends).
    #[error("unknown application identifier starting at position {pos}: {ai:?}")]
    UnknownAi {
        /// The digits at the position (up to 4).
        ai: String,
        /// Byte position.
        pos: usize,
    },
    /// A fixed-length element is cut short.
    #[error("AI ({ai}) needs {expected} characters, got {got}")]
    Truncated {
        /// The AI.
        ai: String,
        /// Required length.
        expected: usize,
        /// Length present.
        got: usize,
    },
    /// A variable-length element is longer than the AI allows (a missing GS, usually).
    #[error("AI ({ai}) allows at most {max} characters, got {got} (missing GS separator?)")]
    TooLong {
        /// The AI.
        ai: String,
        /// Maximum length.
        max: usize,
        /// Length present.
        got: usize,
    },
    /// An element is empty (two separators in a row, or a GS right after an AI).
    #[error("AI ({ai}) has an empty value")]
    EmptyValue {
        /// The AI.
        ai: String,
    },
    /// A numeric AI holds a non-digit, or an alphanumeric AI a character outside its set.
    #[error("AI ({ai}) has invalid character {ch:?}")]
    BadValue {
        /// The AI.
        ai: String,
        /// The offending character.
        ch: char,
    },
    /// The same AI twice.
    #[error("AI ({ai}) appears twice")]
    DuplicateAi {
        /// The AI.
        ai: String,
    },
    /// The GTIN's check digit is wrong (a misread or a forged code).
    #[error("GTIN {gtin} has check digit {found}, expected {expected}")]
    BadCheckDigit {
        /// The GTIN as read.
        gtin: String,
        /// The check digit computed from the first digits.
        expected: u8,
        /// The last digit as read.
        found: u8,
    },
    /// A GTIN of a length other than 8, 12, 13 or 14 digits.
    #[error("GTIN must have 8, 12, 13 or 14 digits, got {0:?}")]
    BadGtinLength(String),
    /// A marking code must start with (01) GTIN.
    #[error("marking code does not start with (01) GTIN")]
    MissingGtin,
    /// A marking code must carry (21) serial.
    #[error("marking code has no (21) serial number")]
    MissingSerial,
}

/// GS1 mod-10 check digit of `digits` (all but the check digit). `None` on a non-digit.
pub fn gtin_check_digit(digits: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        if !d.is_ascii_digit() {
            return None;
        }
        let v = u32::from(d - b'0');
        sum += if i % 2 == 0 { 3 * v } else { v };
    }
    Some(((10 - sum % 10) % 10) as u8)
}

/// A GTIN, held as 14 digits (GTIN-8/12/13 are left-padded with zeros), check digit valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin(String);

impl Gtin {
    /// Parses 8, 12, 13 or 14 digits and verifies the check digit.
    ///
    /// ```
    /// use kkm_scan::Gtin;
    /// let g = Gtin::parse("4870204390513").unwrap();
    /// assert_eq!(g.as_gtin14(), "04870204390513");
    /// assert_eq!(g.to_ean13().as_deref(), Some("4870204390513"));
    /// assert!(Gtin::parse("4870204390514").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Gtin, Gs1Error> {
        let b = s.as_bytes();
        if !matches!(b.len(), 8 | 12 | 13 | 14) || !b.iter().all(u8::is_ascii_digit) {
            return Err(Gs1Error::BadGtinLength(s.chars().take(20).collect()));
        }
        let (body, last) = b.split_at(b.len() - 1);
        let expected = gtin_check_digit(body).ok_or(Gs1Error::BadGtinLength(s.to_string()))?;
        let found = last[0] - b'0';
        if expected != found {
            return Err(Gs1Error::BadCheckDigit {
                gtin: s.to_string(),
                expected,
                found,
            });
        }
        Ok(Gtin(format!("{s:0>14}")))
    }

    /// The 14-digit form (the `(01)` element; the catalogue key).
    pub fn as_gtin14(&self) -> &str {
        &self.0
    }

    /// The EAN-13 printed on the pack, when the GTIN-14 has indicator digit 0.
    pub fn to_ean13(&self) -> Option<String> {
        self.0.strip_prefix('0').map(str::to_string)
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Character set an AI's value may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charset {
    /// Digits only.
    Numeric,
    /// GS1 character set 82.
    Cset82,
    /// Printable ASCII except space: the crypto tails (91–93) as seen in the field are
    /// base64-like, and we would rather keep an odd but readable mark than reject it.
    Printable,
}

/// An AI's definition: its digits, value length (fixed, or a maximum) and charset.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AiDef {
    pub(crate) ai: &'static str,
    pub(crate) fixed: bool,
    pub(crate) len: usize,
    pub(crate) charset: Charset,
}

const fn fixed(ai: &'static str, len: usize) -> AiDef {
    AiDef {
        ai,
        fixed: true,
        len,
        charset: Charset::Numeric,
    }
}
const fn var(ai: &'static str, len: usize, charset: Charset) -> AiDef {
    AiDef {
        ai,
        fixed: false,
        len,
        charset,
    }
}

/// The AIs met on marked goods and retail logistics labels. Longest prefixes first is not
/// needed: GS1 AIs are prefix-free.
const AIS: &[AiDef] = &[
    fixed("00", 18),
    fixed("01", 14),
    fixed("02", 14),
    var("10", 20, Charset::Cset82),
    fixed("11", 6),
    fixed("12", 6),
    fixed("13", 6),
    fixed("15", 6),
    fixed("16", 6),
    fixed("17", 6),
    fixed("20", 2),
    var("21", 20, Charset::Cset82),
    var("22", 20, Charset::Cset82),
    var("240", 30, Charset::Cset82),
    var("241", 30, Charset::Cset82),
    var("250", 30, Charset::Cset82),
    var("30", 8, Charset::Numeric),
    var("37", 8, Charset::Numeric),
    fixed("410", 13),
    fixed("414", 13),
    var("422", 3, Charset::Numeric),
    fixed("7003", 10),
    fixed("8005", 6),
    var("90", 30, Charset::Cset82),
    var("91", 90, Charset::Printable),
    var("92", 90, Charset::Printable),
    var("93", 90, Charset::Printable),
    var("94", 90, Charset::Printable),
    var("95", 90, Charset::Printable),
    var("96", 90, Charset::Printable),
    var("97", 90, Charset::Printable),
    var("98", 90, Charset::Printable),
    var("99", 90, Charset::Printable),
];

pub(crate) fn lookup_ai(s: &[u8]) -> Option<AiDef> {
    // Measures: 310n–316n, 320n–369n (4 digits, 6-digit value).
    if s.len() >= 4 && s[..4].iter().all(u8::is_ascii_digit) && (s[0] == b'3') {
        let two = (s[1] - b'0') * 10 + (s[2] - b'0');
        if (10..=16).contains(&two) || (20..=69).contains(&two) {
            return Some(AiDef {
                ai: "3xxx",
                fixed: true,
                len: 6,
                charset: Charset::Numeric,
            });
        }
    }
    AIS.iter().find(|d| s.starts_with(d.ai.as_bytes())).copied()
}

pub(crate) fn is_cset82(c: u8) -> bool {
    matches!(c,
        b'!' | b'"' | b'%'..=b'?' | b'A'..=b'Z' | b'_' | b'a'..=b'z')
}

pub(crate) fn value_ok(charset: Charset, c: u8) -> bool {
    match charset {
        Charset::Numeric => c.is_ascii_digit(),
        Charset::Cset82 => is_cset82(c),
        Charset::Printable => c.is_ascii_graphic(),
    }
}

/// One element: AI and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// The application identifier digits (`"01"`, `"21"`, `"8005"`, `"3103"`, …).
    pub ai: String,
    /// The value.
    pub value: String,
}

/// Strips reader artefacts so that the rest is a GS1 element string in reader form.
pub fn normalize(input: &str) -> &str {
    let mut s = input;
    for prefix in ["]d2", "]C1", "]Q3", "]e0", "]d1"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest;
            break;
        }
    }
    s.trim_start_matches([GS, '\u{e8}'])
        .trim_end_matches(['\r', '\n'])
}

/// Parses a GS1 element string (reader form: GS between variable-length elements).
///
/// ```
/// use kkm_scan::gs1::parse_elements;
/// let e = parse_elements("0104870204390513215ZxKq9aB\u{1d}93AbCd").unwrap();
/// assert_eq!(e.len(), 3);
/// assert_eq!((e[1].ai.as_str(), e[1].value.as_str()), ("21", "5ZxKq9aB"));
/// ```
pub fn parse_elements(input: &str) -> Result<Vec<Element>, Gs1Error> {
    let s = normalize(input);
    if s.is_empty() {
        return Err(Gs1Error::Empty);
    }
    // Allow FNC1 written as 'è' (codeword 232) in the middle too: treat it as GS.
    let owned: String;
    let s = if s.contains('\u{e8}') {
        owned = s.replace('\u{e8}', "\u{1d}");
        owned.as_str()
    } else {
        s
    };
    if let Some((pos, ch)) = s
        .char_indices()
        .find(|&(_, c)| c != GS && !(c.is_ascii_graphic()))
    {
        return Err(Gs1Error::BadCharacter { ch, pos });
    }
    let b = s.as_bytes();
    let mut out: Vec<Element> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\x1d' {
            // A stray separator after a fixed-length element is tolerated (common in the field).
            i += 1;
            continue;
        }
        let def = lookup_ai(&b[i..]).ok_or_else(|| Gs1Error::UnknownAi {
            ai: s[i..].chars().take(4).collect(),
            pos: i,
        })?;
        let ai_len = if def.ai == "3xxx" { 4 } else { def.ai.len() };
        let ai = &s[i..i + ai_len];
        let start = i + ai_len;
        let end = if def.fixed {
            let avail = b[start..]
                .iter()
                .position(|&c| c == b'\x1d')
                .unwrap_or(b.len() - start);
            if avail < def.len {
                return Err(Gs1Error::Truncated {
                    ai: ai.to_string(),
                    expected: def.len,
                    got: avail,
                });
            }
            start + def.len
        } else {
            let len = b[start..]
                .iter()
                .position(|&c| c == b'\x1d')
                .unwrap_or(b.len() - start);
            if len > def.len {
                return Err(Gs1Error::TooLong {
                    ai: ai.to_string(),
                    max: def.len,
                    got: len,
                });
            }
            start + len
        };
        let value = &s[start..end];
        if value.is_empty() {
            return Err(Gs1Error::EmptyValue { ai: ai.to_string() });
        }
        if let Some(ch) = value.bytes().find(|&c| !value_ok(def.charset, c)) {
            return Err(Gs1Error::BadValue {
                ai: ai.to_string(),
                ch: char::from(ch),
            });
        }
        if out.iter().any(|e| e.ai == ai) {
            return Err(Gs1Error::DuplicateAi { ai: ai.to_string() });
        }
        out.push(Element {
            ai: ai.to_string(),
            value: value.to_string(),
        });
        i = end;
    }
    Ok(out)
}

/// A marking code (код маркировки) of a marked good: a pack or a block of cigarettes,
/// alcohol, medicine… as read from its GS1 DataMatrix.
///
/// `raw` goes to the receipt item's `excise_stamp` unchanged (GS separators kept); the
/// GTIN goes to `barcode`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExciseMark {
    raw: String,
    gtin: Gtin,
    serial: String,
    elements: Vec<Element>,
}

impl ExciseMark {
    /// Parses a scanned marking code.
    ///
    /// ```
    /// use kkm_scan::ExciseMark;
    /// let code = "0104870204390513215ZxKq9aBcDeFg\u{1d}91EE10\u{1d}92dGVzdGNyeXB0b3RhaWwxMjM0NTY3ODkwYWJjZGVmZ2h=";
    /// let mark = ExciseMark::parse(code).unwrap();
    /// assert_eq!(mark.barcode(), "04870204390513");
    /// assert_eq!(mark.serial(), "5ZxKq9aBcDeFg");
    /// assert_eq!(mark.crypto_key(), Some("EE10"));
    /// assert_eq!(mark.excise_stamp(), code);
    /// ```
    pub fn parse(input: &str) -> Result<ExciseMark, Gs1Error> {
        let elements = parse_elements(input)?;
        let first = elements.first().ok_or(Gs1Error::Empty)?;
        if first.ai != "01" {
            return Err(Gs1Error::MissingGtin);
        }
        let gtin = Gtin::parse(&first.value)?;
        let serial = elements
            .iter()
            .find(|e| e.ai == "21")
            .map(|e| e.value.clone())
            .ok_or(Gs1Error::MissingSerial)?;
        let raw = normalize(input).replace('\u{e8}', "\u{1d}");
        Ok(ExciseMark {
            raw,
            gtin,
            serial,
            elements,
        })
    }

    /// The full code in reader form, GS kept: the value for `excise_stamp`.
    pub fn excise_stamp(&self) -> &str {
        &self.raw
    }

    /// The GTIN-14 as a string: the value for `barcode`.
    pub fn barcode(&self) -> &str {
        self.gtin.as_gtin14()
    }

    /// The GTIN.
    pub fn gtin(&self) -> &Gtin {
        &self.gtin
    }

    /// (21) serial number of the unit.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// Value of any AI, e.g. `"17"` (expiry YYMMDD) or `"10"` (batch).
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.elements
            .iter()
            .find(|e| e.ai == ai)
            .map(|e| e.value.as_str())
    }

    /// (91) verification key id.
    pub fn crypto_key(&self) -> Option<&str> {
        self.get("91")
    }

    /// (92) crypto signature.
    pub fn crypto_signature(&self) -> Option<&str> {
        self.get("92")
    }

    /// (93) verification code (short crypto tail).
    pub fn verification_code(&self) -> Option<&str> {
        self.get("93")
    }

    /// (8005) price per unit as printed in the code (six digits, in tiyn where used).
    pub fn price_code(&self) -> Option<&str> {
        self.get("8005")
    }

    /// (17) expiry date, `YYMMDD`.
    pub fn expiry(&self) -> Option<&str> {
        self.get("17")
    }

    /// (10) batch / lot.
    pub fn batch(&self) -> Option<&str> {
        self.get("10")
    }

    /// All elements in code order.
    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    /// The identity of the physical unit: GTIN + serial. Two reads of the same pack agree
    /// on it even if one reader dropped the crypto tail.
    pub fn unit_key(&self) -> (&str, &str) {
        (self.gtin.as_gtin14(), &self.serial)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACK: &str = "0104870204390513215ZxKq9aBcDeFg\u{1d}91EE10\u{1d}92dGVzdGNyeXB0b3RhaWwxMjM0NTY3ODkwYWJjZGVmZ2h=";

    #[test]
    fn tobacco_pack() {
        let m = ExciseMark::parse(PACK).unwrap();
        assert_eq!(m.gtin().to_ean13().as_deref(), Some("4870204390513"));
        assert_eq!(m.crypto_signature().map(str::len), Some(44));
        assert_eq!(m.elements().len(), 4);
    }

    #[test]
    fn prefixes_and_fnc1_forms_normalise() {
        let a = ExciseMark::parse(&format!("]d2{PACK}")).unwrap();
        let b = ExciseMark::parse(&format!("\u{1d}{PACK}")).unwrap();
        let c = ExciseMark::parse(&format!("\u{e8}{}", PACK.replace('\u{1d}', "\u{e8}"))).unwrap();
        assert_eq!(a.excise_stamp(), PACK);
        assert_eq!(b, a);
        assert_eq!(c, a);
    }

    #[test]
    fn block_with_price_expiry_batch() {
        let m = ExciseMark::parse(
            "0104870204390513211234567\u{1d}8005012345\u{1d}17260131\u{1d}10AB-1\u{1d}93Xy9z",
        )
        .unwrap();
        assert_eq!(m.price_code(), Some("012345"));
        assert_eq!(m.expiry(), Some("260131"));
        assert_eq!(m.batch(), Some("AB-1"));
        assert_eq!(m.verification_code(), Some("Xy9z"));
        // Fixed-length 8005 and 17 need no GS, but one is tolerated.
        let m2 = ExciseMark::parse("01048702043905131726013121SER\u{1d}93Xy9z").unwrap();
        assert_eq!(m2.expiry(), Some("260131"));
        assert_eq!(m2.serial(), "SER");
    }

    #[test]
    fn errors() {
        assert_eq!(ExciseMark::parse(""), Err(Gs1Error::Empty));
        assert_eq!(ExciseMark::parse("]d2"), Err(Gs1Error::Empty));
        assert!(matches!(
            ExciseMark::parse("0104870204390514215ZxK\u{1d}93AbCd"),
            Err(Gs1Error::BadCheckDigit {
                expected: 3,
                found: 4,
                ..
            })
        ));
        assert_eq!(
            ExciseMark::parse("0104870204390513\u{1d}93AbCd"),
            Err(Gs1Error::MissingSerial)
        );
        assert_eq!(
            ExciseMark::parse("215ZxK\u{1d}0104870204390513"),
            Err(Gs1Error::MissingGtin)
        );
        assert!(matches!(
            ExciseMark::parse("0104870204390513215ZxK\u{1d}55AbCd"),
            Err(Gs1Error::UnknownAi { pos: 23, .. })
        ));
        assert!(matches!(
            ExciseMark::parse("01048702043905"),
            Err(Gs1Error::Truncated {
                expected: 14,
                got: 12,
                ..
            })
        ));
        // A missing GS makes the serial swallow the crypto tail.
        assert!(matches!(
            ExciseMark::parse("0104870204390513215ZxKq9aBcDeFg91EE1092abcdefghijkl"),
            Err(Gs1Error::TooLong { max: 20, .. })
        ));
        assert!(matches!(
            ExciseMark::parse("010487020439051321\u{1d}93AbCd"),
            Err(Gs1Error::EmptyValue { .. })
        ));
        assert!(matches!(
            ExciseMark::parse("010487020439051321ab cd"),
            Err(Gs1Error::BadCharacter { ch: ' ', .. })
        ));
        assert!(matches!(
            ExciseMark::parse("01A487020439051321abcd"),
            Err(Gs1Error::BadValue { .. })
        ));
        assert!(matches!(
            ExciseMark::parse("010487020439051321ab\u{1d}21cd"),
            Err(Gs1Error::DuplicateAi { .. })
        ));
        // Errors read well.
        let e = ExciseMark::parse("0104870204390514215ZxK").unwrap_err();
        assert_eq!(
            e.to_string(),
            "GTIN 04870204390514 has check digit 4, expected 3"
        );
    }

    #[test]
    fn weight_ai() {
        let e = parse_elements("010487020439051331030012502112").unwrap();
        assert_eq!(e[1].ai, "3103");
        assert_eq!(e[1].value, "001250");
        assert_eq!(e[2].ai, "21");
    }

    #[test]
    fn gtin_forms() {
        assert_eq!(
            Gtin::parse("96385074").unwrap().as_gtin14(),
            "00000096385074"
        );
        assert_eq!(
            Gtin::parse("036000291452").unwrap().as_gtin14(),
            "00036000291452"
        );
        assert!(matches!(
            Gtin::parse("123"),
            Err(Gs1Error::BadGtinLength(_))
        ));
        assert_eq!(Gtin::parse("14870204390510").unwrap().to_ean13(), None);
    }
}
