//! Excise marks as they reach the register: the one rule every path applies.
//!
//! A marking code arrives as text over the HTTP API (`items[].commodity.excise_stamp`),
//! from the console, from the app's camera or from a USB or Bluetooth scanner in keyboard
//! mode, which often drops the GS separator or types something else in its place.
//! [`excise_mark`] hands it to the one parser of marking codes (`kkm_scan`'s
//! [`normalize_typed_mark`]) so that what goes into the receipt, the journal and the
//! OFD's `list_excise_stamp` is the mark exactly as a DataMatrix reader returns it, GS
//! kept, whatever path it came by; and so that two spellings of one mark are one mark
//! (refused twice on a receipt, matched on a return).
//!
//! | the text | what happens |
//! | --- | --- |
//! | a GS1 mark with its GS separators | kept as it is |
//! | a GS1 mark with the GS dropped, replaced (`<GS>`, `^]`, `]`, `~` …), typed in the Russian layout, with a scanner's suffix | rebuilt from the AI table and the Kazakh mark structures |
//! | a GS1 mark that cannot be rebuilt without doubt (two readings, no known structure, a wrong GTIN check digit, the Kazakh layout) | refused (2) with the reason, for the field |
//! | text that is not a GS1 mark (no `01` + GTIN at the start: a non-GS1 stamp code, the API's own `"excise_stamp_value"` example) | kept as it is: CashCore passes such codes on and so do we |

use kkm_scan::{normalize_typed_mark, ExciseMark, TypedMarkError};

use crate::error::CoreError;

/// The pack a mark names, for "a mark once per receipt": GTIN and serial for a GS1 mark
/// (so two reads of one pack are one pack even when a reader dropped the crypto tail),
/// the text itself otherwise. Every face refuses the second read of a pack through the
/// sale's validation, which compares these.
///
/// ```
/// use kkm_core::mark::pack_key;
/// let full = "0104870204390513215ZxKq9a\u{1d}8005012345\u{1d}935Ab+";
/// let short = "0104870204390513215ZxKq9a";
/// assert_eq!(pack_key(full), pack_key(short));
/// assert_ne!(pack_key(full), pack_key("0104870204390513215ZxKq9b"));
/// assert_eq!(pack_key("excise_stamp_value"), "excise_stamp_value");
/// ```
pub fn pack_key(stamp: &str) -> String {
    match ExciseMark::parse(stamp) {
        Ok(mark) => {
            let (gtin, serial) = mark.unit_key();
            format!("{gtin}\u{1d}21{serial}")
        }
        Err(_) => stamp.to_owned(),
    }
}

/// The excise mark of `text` as the receipt carries it; see the [module docs](self).
/// `field` names the request field in the error (`items[2].commodity.excise_stamp`).
///
/// ```
/// use kkm_core::mark::excise_mark;
/// let field = "items[0].commodity.excise_stamp";
/// // Typed by a keyboard-mode scanner that drops the GS:
/// let typed = "0104870204390513215ZxKq9a8005012345935Ab+";
/// assert_eq!(
///     excise_mark(typed, field).unwrap(),
///     "0104870204390513215ZxKq9a\u{1d}8005012345\u{1d}935Ab+"
/// );
/// // Not a GS1 code at all: passed on unchanged.
/// assert_eq!(excise_mark("excise_stamp_value", field).unwrap(), "excise_stamp_value");
/// // A GS1 mark with a wrong GTIN check digit: refused.
/// assert_eq!(excise_mark("0104870204390514215ZxKq9a", field).unwrap_err().code().code(), 2);
/// ```
pub fn excise_mark(text: &str, field: &str) -> Result<String, CoreError> {
    match normalize_typed_mark(text) {
        Ok(mark) => Ok(mark.excise_stamp().to_string()),
        Err(TypedMarkError::NotAMark) => Ok(text.to_string()),
        Err(e) => Err(CoreError::invalid(
            field,
            format!("the marking code cannot be read: {e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELD: &str = "items[0].commodity.excise_stamp";
    const MARK: &str = "0104870204390513215ZxKq9aBcDeFg\u{1d}93AbCd";

    #[test]
    fn every_spelling_of_one_mark_is_the_same_mark() {
        for typed in [
            MARK,
            "0104870204390513215ZxKq9aBcDeFg93AbCd",
            "0104870204390513215ZxKq9aBcDeFg<GS>93AbCd",
            "0104870204390513215ZxKq9aBcDeFg^]93AbCd",
            "0104870204390513215ZxKq9aBcDeFg93AbCd\r\n",
            "0104870204390513215ЯчЛй9фИсВуАп93ФиСв",
        ] {
            assert_eq!(excise_mark(typed, FIELD).unwrap(), MARK, "{typed:?}");
        }
    }

    #[test]
    fn a_mark_that_cannot_be_rebuilt_is_refused_for_its_field() {
        // Two ways to split it once the GS is gone.
        let err = excise_mark("010487020439051321ABCDEFGHIJ93wxyz", FIELD).unwrap_err();
        assert_eq!(err.code().code(), 2);
        let text = err.to_string();
        assert!(text.contains(FIELD), "{text}");
        assert!(text.contains("can be read"), "{text}");
    }

    #[test]
    fn text_that_is_no_gs1_mark_passes_unchanged() {
        for text in ["excise_stamp_value", "4870204390513", "ABC-123456"] {
            assert_eq!(excise_mark(text, FIELD).unwrap(), text);
        }
    }
}
