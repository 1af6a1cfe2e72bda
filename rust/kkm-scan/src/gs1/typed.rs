//! Marking codes typed by USB and Bluetooth scanners in keyboard mode.
//!
//! A keyboard-wedge scanner "types" what it reads, and a keyboard has no key for the
//! GS separator (0x1D): depending on the scanner and the operating system, the GS
//! arrives intact, is dropped, or comes out as whatever the active layout makes of it
//! (`]`, `^]`, `↔`, `<GS>`, `~`, `|` …); the scanner may add a configured prefix and
//! suffix; and with the Russian layout active every letter arrives as the Cyrillic
//! letter on the same key (`Z` → `Я`).
//!
//! [`parse_typed_mark`] undoes all of that and rebuilds the element string from the
//! GS1 Application Identifier table and the known structures of Kazakh marks
//! ([`MarkStructure::kazakh`]: GTIN (01), a serial (21) of the product group's fixed
//! length, the (8005)/(91)/(92)/(93) tails). The result is the mark exactly as a
//! DataMatrix reader returns it — GS kept — which is what the OFD wants in
//! `excise_stamp`, with the GTIN for `barcode`. What cannot be rebuilt without doubt is
//! refused with a [`TypedMarkError`] saying why, never guessed.
//!
//! ```
//! use kkm_scan::gs1::{parse_typed_mark, KeyboardProfile};
//! // A tobacco pack typed with the GS dropped and Enter at the end:
//! let typed = "0104870204390513215ZxKq9a8005012345935Ab+\r\n";
//! let mark = parse_typed_mark(typed, &KeyboardProfile::default()).unwrap();
//! assert_eq!(mark.excise_stamp(), "0104870204390513215ZxKq9a\u{1d}8005012345\u{1d}935Ab+");
//! assert_eq!(mark.barcode(), "04870204390513");
//! ```

use thiserror::Error;

use super::{lookup_ai, normalize, parse_elements, value_ok, ExciseMark, Gs1Error, GS};
use crate::receipt::{ReceiptQr, ReceiptQrError};

/// The keyboard layout the operating system had while the scanner typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyboardLayout {
    /// Russian (ЙЦУКЕН) when the text holds Cyrillic letters, US otherwise.
    #[default]
    Auto,
    /// US / Latin: characters as typed.
    Us,
    /// Russian ЙЦУКЕН: every character is mapped back to the US key it was typed on.
    Russian,
}

/// One known structure of a marking code: its AIs in order with their value lengths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkStructure {
    /// What carries it (for messages and logs).
    pub name: String,
    /// `(AI, value length)` in code order.
    pub elements: Vec<(String, usize)>,
}

impl MarkStructure {
    /// A structure from its name and elements.
    pub fn new(name: &str, elements: &[(&str, usize)]) -> MarkStructure {
        MarkStructure {
            name: name.to_string(),
            elements: elements
                .iter()
                .map(|&(ai, len)| (ai.to_string(), len))
                .collect(),
        }
    }

    /// The structures of Kazakh marks (ISMET, the EAEU marking rules):
    ///
    /// | goods | structure |
    /// | --- | --- |
    /// | tobacco: pack and block | (01) GTIN, (21) 7 characters, (8005) 6-digit maximum retail price, (93) 4-character verification code |
    /// | shoes, clothing, tyres, perfume, medicines (crypto key and signature) | (01), (21) 13, (91) 4, (92) 44 |
    /// | water, juices, beer, other goods with a short verification code | (01), (21) 13, (93) 4 |
    /// | dairy | (01), (21) 6, (93) 4 |
    ///
    /// Callers can add their own (a new product group) to a [`KeyboardProfile`].
    pub fn kazakh() -> Vec<MarkStructure> {
        vec![
            MarkStructure::new(
                "tobacco pack or block",
                &[("01", 14), ("21", 7), ("8005", 6), ("93", 4)],
            ),
            MarkStructure::new(
                "unit with crypto key and signature",
                &[("01", 14), ("21", 13), ("91", 4), ("92", 44)],
            ),
            MarkStructure::new(
                "unit with verification code",
                &[("01", 14), ("21", 13), ("93", 4)],
            ),
            MarkStructure::new("dairy", &[("01", 14), ("21", 6), ("93", 4)]),
        ]
    }
}

/// How a keyboard-mode scanner is set up. `Default` fits most scanners out of the box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyboardProfile {
    /// Text the scanner sends before each code, stripped when present (empty: none).
    pub prefix: String,
    /// Text the scanner sends after each code, stripped when present (empty: none).
    /// Enter, Tab and other control characters at either end are always stripped.
    pub suffix: String,
    /// What the scanner types for GS. Strings made only of characters a mark can hold
    /// (`<GS>`) are tried both as separators and as text.
    pub gs_substitutes: Vec<String>,
    /// The layout the scanner typed into.
    pub layout: KeyboardLayout,
    /// Known mark structures, for rebuilding dropped separators.
    pub structures: Vec<MarkStructure>,
}

/// What keyboard-mode scanners are seen to type for GS: the character itself, the
/// layouts' renderings of Ctrl+] and Alt+029, and the usual configured stand-ins.
pub const DEFAULT_GS_SUBSTITUTES: &[&str] = &[
    "\u{1d}", "<GS>", "<gs>", "[GS]", "{GS}", "^]", "\\x1d", "\\x1D", "\\u001d", "\\u001D",
    "\u{241d}", "\u{2194}", "]", "~", "|",
];

impl Default for KeyboardProfile {
    fn default() -> Self {
        KeyboardProfile {
            prefix: String::new(),
            suffix: String::new(),
            gs_substitutes: DEFAULT_GS_SUBSTITUTES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            layout: KeyboardLayout::Auto,
            structures: MarkStructure::kazakh(),
        }
    }
}

/// Why a typed code is not accepted as a marking code.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum TypedMarkError {
    /// Nothing left after the prefix, suffix and control characters.
    #[error("nothing was typed")]
    Empty,
    /// Typed with the Kazakh layout active: its letters sit on the digit keys, so the
    /// digits of the GTIN are lost.
    #[error("typed in the Kazakh keyboard layout ({ch:?}): switch the layout to English or Russian and scan again")]
    KazakhLayout {
        /// The first Kazakh letter met.
        ch: char,
    },
    /// A character no layout mapping explains.
    #[error("invalid character {ch:?} at position {pos}")]
    BadCharacter {
        /// The character.
        ch: char,
        /// Character position in the cleaned text.
        pos: usize,
    },
    /// Not a marking code at all (no (01) GTIN at the start).
    #[error("not a marking code: it does not start with (01) and a GTIN")]
    NotAMark,
    /// Separators are missing and no known mark structure fits the text.
    #[error("GS separators are missing and the code fits no known mark structure ({0})")]
    NoStructure(Gs1Error),
    /// Separators are missing and the text can be split in more than one way.
    #[error("GS separators are missing and the code can be read {} ways: scan it with the camera or set up the scanner to send GS", readings.len())]
    Ambiguous {
        /// The possible marks, GS as 0x1D.
        readings: Vec<String>,
    },
    /// The rebuilt code is not a valid mark (a wrong GTIN check digit, no serial …).
    #[error(transparent)]
    Invalid(#[from] Gs1Error),
}

/// The Kazakh letters: on the Kazakh layout they replace the digit row.
const KAZAKH_LETTERS: &str = "әіңғүұқөһӘІҢҒҮҰҚӨҺ";

/// The Russian ЙЦУКЕН layout: for each US character, the character the same key (and
/// Shift state) types with the Russian layout active. Keys that type the same character
/// in both layouts (digits, `!`, `%`, `*`, `(`, `)`, `-`, `_`, `=`, `+`, `\`) are left out.
const RU_KEYS: &[(char, char)] = &[
    ('`', 'ё'),
    ('~', 'Ё'),
    ('@', '"'),
    ('#', '№'),
    ('$', ';'),
    ('^', ':'),
    ('&', '?'),
    ('q', 'й'),
    ('w', 'ц'),
    ('e', 'у'),
    ('r', 'к'),
    ('t', 'е'),
    ('y', 'н'),
    ('u', 'г'),
    ('i', 'ш'),
    ('o', 'щ'),
    ('p', 'з'),
    ('[', 'х'),
    (']', 'ъ'),
    ('a', 'ф'),
    ('s', 'ы'),
    ('d', 'в'),
    ('f', 'а'),
    ('g', 'п'),
    ('h', 'р'),
    ('j', 'о'),
    ('k', 'л'),
    ('l', 'д'),
    (';', 'ж'),
    ('\'', 'э'),
    ('z', 'я'),
    ('x', 'ч'),
    ('c', 'с'),
    ('v', 'м'),
    ('b', 'и'),
    ('n', 'т'),
    ('m', 'ь'),
    (',', 'б'),
    ('.', 'ю'),
    ('/', '.'),
    ('Q', 'Й'),
    ('W', 'Ц'),
    ('E', 'У'),
    ('R', 'К'),
    ('T', 'Е'),
    ('Y', 'Н'),
    ('U', 'Г'),
    ('I', 'Ш'),
    ('O', 'Щ'),
    ('P', 'З'),
    ('{', 'Х'),
    ('}', 'Ъ'),
    ('A', 'Ф'),
    ('S', 'Ы'),
    ('D', 'В'),
    ('F', 'А'),
    ('G', 'П'),
    ('H', 'Р'),
    ('J', 'О'),
    ('K', 'Л'),
    ('L', 'Д'),
    (':', 'Ж'),
    ('"', 'Э'),
    ('Z', 'Я'),
    ('X', 'Ч'),
    ('C', 'С'),
    ('V', 'М'),
    ('B', 'И'),
    ('N', 'Т'),
    ('M', 'Ь'),
    ('<', 'Б'),
    ('>', 'Ю'),
    ('?', ','),
    ('|', '/'),
];

/// What the Russian layout types for the US character `c` (the scanner's intent).
pub fn russian_layout_char(c: char) -> char {
    RU_KEYS
        .iter()
        .find(|&&(us, _)| us == c)
        .map_or(c, |&(_, ru)| ru)
}

/// The US character typed on the key that gives `c` in the Russian layout.
fn from_russian(c: char) -> char {
    RU_KEYS
        .iter()
        .find(|&&(_, ru)| ru == c)
        .map_or(c, |&(us, _)| us)
}

fn is_cyrillic(c: char) -> bool {
    ('\u{400}'..='\u{4ff}').contains(&c) || c == '№'
}

/// Prefix, suffix, control characters at either end, and the layout undone. With the
/// layout on `Auto` and no letter at all in the text, both layouts could have typed it:
/// both readings come back when they differ.
fn clean(input: &str, profile: &KeyboardProfile) -> Result<Vec<String>, TypedMarkError> {
    let mut s = input;
    let is_edge = |c: char| c.is_whitespace() || (c.is_control() && c != GS);
    s = s.trim_matches(is_edge);
    if !profile.prefix.is_empty() {
        s = s.strip_prefix(profile.prefix.as_str()).unwrap_or(s);
    }
    if !profile.suffix.is_empty() {
        s = s.strip_suffix(profile.suffix.as_str()).unwrap_or(s);
    }
    s = s.trim_matches(is_edge);
    if s.is_empty() {
        return Err(TypedMarkError::Empty);
    }
    if let Some(ch) = s.chars().find(|c| KAZAKH_LETTERS.contains(*c)) {
        return Err(TypedMarkError::KazakhLayout { ch });
    }
    let as_russian = || s.chars().map(from_russian).collect::<String>();
    Ok(match profile.layout {
        KeyboardLayout::Russian => vec![as_russian()],
        KeyboardLayout::Us => vec![s.to_string()],
        KeyboardLayout::Auto if s.chars().any(is_cyrillic) => vec![as_russian()],
        KeyboardLayout::Auto if s.chars().any(|c| c.is_ascii_alphabetic()) => vec![s.to_string()],
        KeyboardLayout::Auto => {
            let ru = as_russian();
            if ru == s {
                vec![ru]
            } else {
                vec![s.to_string(), ru]
            }
        }
    })
}

/// The text with separators as GS: every substitute replaced (longest first), or — for
/// substitutes a mark could contain as text — left as they are (`literal`).
fn with_separators(s: &str, profile: &KeyboardProfile, literal_ambiguous: bool) -> String {
    let mut subs: Vec<&str> = profile
        .gs_substitutes
        .iter()
        .map(String::as_str)
        .filter(|t| !t.is_empty())
        .filter(|t| !(literal_ambiguous && is_ambiguous(t)))
        .collect();
    subs.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    'outer: while let Some(c) = rest.chars().next() {
        for t in &subs {
            if let Some(r) = rest.strip_prefix(t) {
                // `]d2`, `]C1`, `]Q3` … at the very start are AIM identifiers, not GS.
                if out.is_empty() && *t == "]" && is_aim(rest) {
                    break;
                }
                out.push(GS);
                rest = r;
                continue 'outer;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A substitute made only of characters a mark's values can hold.
fn is_ambiguous(t: &str) -> bool {
    t.bytes().all(super::is_cset82)
}

fn is_aim(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3 && b[0] == b']' && b[1].is_ascii_alphabetic() && b[2].is_ascii_digit()
}

/// GS1 AIs whose length is predefined, so that no separator follows them (GS1 General
/// Specifications, the table of element strings with predefined length).
fn predefined_length(ai: &str) -> bool {
    let two = ai.get(..2).unwrap_or("");
    matches!(
        two,
        "00" | "01"
            | "02"
            | "03"
            | "04"
            | "11"
            | "12"
            | "13"
            | "14"
            | "15"
            | "16"
            | "17"
            | "18"
            | "19"
            | "20"
            | "31"
            | "32"
            | "33"
            | "34"
            | "35"
            | "36"
            | "41"
    )
}

/// One parsed element and whether a separator followed it in the text.
struct Piece {
    ai: String,
    value: String,
    gs_after: bool,
}

/// The mark rebuilt from pieces: a GS after every element that is not of predefined
/// length (except the last), and wherever the text had one.
fn canonical(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for (i, p) in pieces.iter().enumerate() {
        out.push_str(&p.ai);
        out.push_str(&p.value);
        let last = i + 1 == pieces.len();
        if !last && (p.gs_after || !predefined_length(&p.ai)) {
            out.push(GS);
        }
    }
    out
}

/// Reads `s` (GS as 0x1D, no leading GS) as the structure `st`; separators between
/// elements are optional, separators inside a value are not allowed.
fn match_structure(s: &str, st: &MarkStructure) -> Option<Vec<Piece>> {
    let b = s.as_bytes();
    let mut pos = 0;
    let mut pieces = Vec::with_capacity(st.elements.len());
    for (ai, len) in &st.elements {
        if !b[pos..].starts_with(ai.as_bytes()) {
            return None;
        }
        let def = lookup_ai(&b[pos..])?;
        pos += ai.len();
        let value = b.get(pos..pos + len)?;
        if value
            .iter()
            .any(|&c| c == 0x1d || !value_ok(def.charset, c))
        {
            return None;
        }
        pos += len;
        let gs_after = b.get(pos) == Some(&0x1d);
        if gs_after {
            pos += 1;
        }
        pieces.push(Piece {
            ai: ai.clone(),
            value: String::from_utf8_lossy(value).into_owned(),
            gs_after,
        });
    }
    (pos == b.len()).then_some(pieces)
}

/// The tail AIs of Kazakh marks: a variable-length value that ends the text and holds
/// one of these followed by a valid value may have swallowed a dropped separator.
const TAIL_AIS: [&str; 4] = ["91", "92", "93", "8005"];

fn hides_a_tail(value: &str) -> bool {
    (1..value.len()).any(|k| {
        let rest = &value[k..];
        TAIL_AIS.iter().any(|ai| rest.starts_with(ai))
            && rest.len() > 2
            && parse_elements(rest).is_ok()
    })
}

/// Parses a marking code as a keyboard-mode scanner typed it; see the [module
/// docs](self). The returned mark's `excise_stamp()` is the code with GS separators as a
/// DataMatrix reader returns it.
///
/// ```
/// use kkm_scan::gs1::{parse_typed_mark, KeyboardProfile, TypedMarkError};
/// let profile = KeyboardProfile::default();
/// // GS typed as `^]`; the Russian layout; a serial of no known length: refused.
/// let m = parse_typed_mark("0104870204390513215ZxKq9aBcDeFg^]93AbCd", &profile).unwrap();
/// assert_eq!(m.excise_stamp(), "0104870204390513215ZxKq9aBcDeFg\u{1d}93AbCd");
/// let ru = parse_typed_mark("0104870204390513215ЯчЛй9фИсВуАп93ФиСв", &profile).unwrap();
/// assert_eq!(ru.serial(), "5ZxKq9aBcDeFg");
/// assert!(matches!(
///     parse_typed_mark("010487020439051321ABCDEFGHIJ93wxyz", &profile),
///     Err(TypedMarkError::Ambiguous { .. })
/// ));
/// ```
pub fn parse_typed_mark(
    input: &str,
    profile: &KeyboardProfile,
) -> Result<ExciseMark, TypedMarkError> {
    let mut readings: Vec<String> = Vec::new();
    let mut strict: Option<Result<ExciseMark, Gs1Error>> = None;
    let mut stricts: Vec<String> = Vec::new();
    for cleaned in clean(input, profile)? {
        let mut own = None;
        read_cleaned(&cleaned, profile, &mut readings, &mut own)?;
        match own {
            Some(Ok(m)) => {
                if !stricts.iter().any(|s| s == m.excise_stamp()) {
                    stricts.push(m.excise_stamp().to_string());
                }
                if !matches!(strict, Some(Ok(_))) {
                    strict = Some(Ok(m));
                }
            }
            Some(Err(e)) if strict.is_none() => strict = Some(Err(e)),
            _ => {}
        }
    }
    // Both layouts gave a different valid mark (a code without letters).
    if readings.is_empty() && stricts.len() > 1 {
        return Err(TypedMarkError::Ambiguous { readings: stricts });
    }
    decide(readings, strict)
}

/// The one entry point for a marking code that arrives as text — over the HTTP API
/// (`items[].commodity.excise_stamp`), at the console, from a keyboard-mode scanner with
/// its factory settings — whatever path it came by: [`parse_typed_mark`] with
/// [`KeyboardProfile::default`] (no prefix or suffix, every common GS stand-in, either
/// keyboard layout, the Kazakh mark structures).
///
/// A code that already carries its GS separators (what a camera or a scanner in HID-POS
/// mode delivers) comes back unchanged; one whose separators were dropped or replaced is
/// rebuilt. Either way `excise_stamp()` is what the OFD wants in `list_excise_stamp`, and
/// `barcode()` the GTIN-14. A code that cannot be rebuilt without doubt is an error that
/// says why (its `Display` is fit for the cashier and for an API `description`). The
/// crate without its default `camera` feature (only `thiserror`) has this function:
/// `kkm-register` and the daemon link it that way.
///
/// ```
/// use kkm_scan::{normalize_typed_mark, TypedMarkError};
/// let m = normalize_typed_mark("0104870204390513215ZxKq9aBcDeFg<GS>93AbCd").unwrap();
/// assert_eq!(m.excise_stamp(), "0104870204390513215ZxKq9aBcDeFg\u{1d}93AbCd");
/// assert_eq!(m.barcode(), "04870204390513");
/// let camera = "0104870204390513215ZxKq9aBcDeFg\u{1d}93AbCd";
/// assert_eq!(normalize_typed_mark(camera).unwrap().excise_stamp(), camera);
/// assert_eq!(normalize_typed_mark("4870204390513"), Err(TypedMarkError::NotAMark));
/// ```
pub fn normalize_typed_mark(text: &str) -> Result<ExciseMark, TypedMarkError> {
    parse_typed_mark(text, &KeyboardProfile::default())
}

/// Collects the structure readings and the plain parse of one cleaned text.
fn read_cleaned(
    cleaned: &str,
    profile: &KeyboardProfile,
    readings: &mut Vec<String>,
    strict: &mut Option<Result<ExciseMark, Gs1Error>>,
) -> Result<(), TypedMarkError> {
    // Substitutes a mark could also hold as text (`<GS>`) are read both ways.
    let ambiguous = profile
        .gs_substitutes
        .iter()
        .any(|t| !t.is_empty() && is_ambiguous(t) && cleaned.contains(t.as_str()));
    for literal in [false, true] {
        if literal && !ambiguous {
            break;
        }
        let with = with_separators(cleaned, profile, literal);
        let s = normalize(&with).to_string();
        if !s.starts_with("01") {
            continue;
        }
        if let Some((pos, ch)) = s
            .char_indices()
            .find(|&(_, c)| c != GS && !c.is_ascii_graphic())
        {
            return Err(TypedMarkError::BadCharacter { ch, pos });
        }
        for st in &profile.structures {
            if let Some(pieces) = match_structure(&s, st) {
                let c = canonical(&pieces);
                if !readings.contains(&c) {
                    readings.push(c);
                }
            }
        }
        // The text as it stands (no separator rebuilt): the first reading that parses.
        if !matches!(strict, Some(Ok(_))) {
            let parsed = ExciseMark::parse(&s);
            if parsed.is_ok() || strict.is_none() {
                *strict = Some(parsed);
            }
        }
    }
    Ok(())
}

/// One structure reading wins; several are ambiguous; none leaves the plain parse,
/// accepted only when no dropped separator can hide in it.
fn decide(
    readings: Vec<String>,
    strict: Option<Result<ExciseMark, Gs1Error>>,
) -> Result<ExciseMark, TypedMarkError> {
    match readings.len() {
        1 => return ExciseMark::parse(&readings[0]).map_err(TypedMarkError::from),
        n if n > 1 => return Err(TypedMarkError::Ambiguous { readings }),
        _ => {}
    }
    match strict {
        None => Err(TypedMarkError::NotAMark),
        Some(Ok(mark)) => {
            // Only what needs no dropped separator: the last element may not hold a
            // tail that a missing GS glued to it.
            let last = mark.elements().last();
            if let Some(e) = last {
                let variable = !predefined_length(&e.ai);
                if variable && hides_a_tail(&e.value) {
                    let s = mark.excise_stamp().to_string();
                    let split = (1..e.value.len())
                        .filter(|&k| TAIL_AIS.iter().any(|ai| e.value[k..].starts_with(ai)))
                        .map(|k| {
                            let cut = s.len() - e.value.len() + k;
                            format!("{}{GS}{}", &s[..cut], &s[cut..])
                        });
                    let mut readings = vec![s.clone()];
                    readings.extend(split);
                    return Err(TypedMarkError::Ambiguous { readings });
                }
            }
            Ok(mark)
        }
        Some(Err(e)) => Err(match e {
            Gs1Error::TooLong { .. } | Gs1Error::UnknownAi { .. } => TypedMarkError::NoStructure(e),
            Gs1Error::MissingGtin => TypedMarkError::NotAMark,
            e => TypedMarkError::Invalid(e),
        }),
    }
}

/// Parses an OFD receipt-check URL as a keyboard-mode scanner typed it: prefix, suffix
/// and layout undone as for marks, and Caps Lock too (the URL's keys are lower case).
///
/// ```
/// use kkm_scan::gs1::{parse_typed_receipt, KeyboardProfile};
/// let ru = "реезыЖ..сщтыгьукющщавюля.,ш=2913857236?а=600400123456?ы=1750б00?е=20250314Е153012";
/// let q = parse_typed_receipt(ru, &KeyboardProfile::default()).unwrap();
/// assert_eq!(q.total_tiyn, 175_000);
/// ```
pub fn parse_typed_receipt(
    input: &str,
    profile: &KeyboardProfile,
) -> Result<ReceiptQr, ReceiptQrError> {
    let cleaned = clean(input, profile)
        .map_err(|_| ReceiptQrError::NotAUrl)?
        .into_iter()
        .next()
        .ok_or(ReceiptQrError::NotAUrl)?;
    match ReceiptQr::parse(&cleaned) {
        Ok(q) => Ok(q),
        Err(e) => {
            let swapped: String = cleaned
                .chars()
                .map(|c| {
                    if c.is_ascii_uppercase() {
                        c.to_ascii_lowercase()
                    } else {
                        c.to_ascii_uppercase()
                    }
                })
                .collect();
            ReceiptQr::parse(&swapped).map_err(|_| e)
        }
    }
}

#[cfg(test)]
mod tests;
