//! What a scanned text is: a marking code, a receipt's QR, a product barcode, or other.
//!
//! What the basket does with it — a mark once per receipt (GTIN and serial), onto the
//! pack waiting for it, a product's name and price from the catalogue — is the
//! register's (`kkm_register::basket`, `kkm_core::mark::pack_key`), one rule for every face.

use crate::gs1::typed::{parse_typed_mark, parse_typed_receipt, KeyboardProfile, TypedMarkError};
use crate::gs1::{ExciseMark, Gs1Error, Gtin};
use crate::receipt::ReceiptQr;
use crate::Symbology;

/// What a decoded code means to the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanContent {
    /// A marking code (GS1 DataMatrix with (01) and (21)).
    Mark(ExciseMark),
    /// An OFD receipt-check QR (returns by scanning a receipt).
    Receipt(ReceiptQr),
    /// A product barcode with a valid GTIN (EAN-13/8, UPC-A, or a GTIN in Code 128).
    Product(Gtin),
    /// Anything else, verbatim.
    Other(String),
}

/// Classifies a decoded code. A GS1-flagged DataMatrix that fails to parse as a mark is
/// an error (the cashier should rescan), not "other".
///
/// ```
/// use kkm_scan::rules::{classify_text, ScanContent};
/// use kkm_scan::Symbology;
/// let c = classify_text("4870204390513", Symbology::Ean13, false).unwrap();
/// assert!(matches!(c, ScanContent::Product(g) if g.as_gtin14() == "04870204390513"));
/// ```
#[cfg(feature = "camera")]
pub fn classify(decoded: &crate::Decoded) -> Result<ScanContent, Gs1Error> {
    classify_text(&decoded.text, decoded.symbology, decoded.gs1)
}

/// [`classify`] on a bare text (e.g. from a USB keyboard-wedge scanner).
pub fn classify_text(text: &str, symbology: Symbology, gs1: bool) -> Result<ScanContent, Gs1Error> {
    let looks_like_mark = gs1
        || (symbology == Symbology::DataMatrix
            && crate::gs1::normalize(text).starts_with("01")
            && text.len() >= 18);
    if looks_like_mark {
        return ExciseMark::parse(text).map(ScanContent::Mark);
    }
    if symbology == Symbology::QrCode {
        if let Ok(q) = ReceiptQr::parse(text) {
            return Ok(ScanContent::Receipt(q));
        }
    }
    if symbology.is_linear() || symbology == Symbology::DataMatrix {
        if let Ok(g) = Gtin::parse(text) {
            return Ok(ScanContent::Product(g));
        }
    }
    Ok(ScanContent::Other(text.to_string()))
}

/// What a code typed by a keyboard-mode scanner (or by hand) means: a marking code
/// (separators rebuilt, see [`parse_typed_mark`]), a receipt QR URL, a product GTIN, or
/// anything else verbatim. A mark that cannot be rebuilt without doubt is an error.
///
/// ```
/// use kkm_scan::gs1::KeyboardProfile;
/// use kkm_scan::rules::{classify_typed, ScanContent};
/// let p = KeyboardProfile::default();
/// assert!(matches!(classify_typed("4870204390513\r\n", &p), Ok(ScanContent::Product(_))));
/// let typed = "0104870204390513215ZxKq9aBcDeFg~93AbCd";
/// let Ok(ScanContent::Mark(m)) = classify_typed(typed, &p) else { panic!() };
/// assert_eq!(m.excise_stamp(), "0104870204390513215ZxKq9aBcDeFg\u{1d}93AbCd");
/// ```
pub fn classify_typed(
    text: &str,
    profile: &KeyboardProfile,
) -> Result<ScanContent, TypedMarkError> {
    match parse_typed_mark(text, profile) {
        Ok(m) => return Ok(ScanContent::Mark(m)),
        Err(TypedMarkError::NotAMark) => {}
        Err(e) => return Err(e),
    }
    if let Ok(q) = parse_typed_receipt(text, profile) {
        return Ok(ScanContent::Receipt(q));
    }
    let trimmed = text.trim_matches(|c: char| c.is_whitespace() || c.is_control());
    let body = trimmed
        .strip_prefix(profile.prefix.as_str())
        .unwrap_or(trimmed);
    let body = body.strip_suffix(profile.suffix.as_str()).unwrap_or(body);
    if let Ok(g) = Gtin::parse(body) {
        return Ok(ScanContent::Product(g));
    }
    Ok(ScanContent::Other(trimmed.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACK: &str = "0104870204390513215ZxKq9aBcDeFg\u{1d}91EE10\u{1d}92dGVzdGNyeXB0b3RhaWwxMjM0NTY3ODkwYWJjZGVmZ2h=";

    #[test]
    fn classify_texts() {
        assert!(matches!(
            classify_text(PACK, Symbology::DataMatrix, true),
            Ok(ScanContent::Mark(_))
        ));
        assert!(matches!(
            classify_text(
                "https://consumer.oofd.kz/?i=1&f=2&s=3,00&t=20250101T000000",
                Symbology::QrCode,
                false
            ),
            Ok(ScanContent::Receipt(_))
        ));
        assert!(matches!(
            classify_text("https://kaspi.kz", Symbology::QrCode, false),
            Ok(ScanContent::Other(_))
        ));
        assert!(matches!(
            classify_text("0104870204390514215ZxK", Symbology::DataMatrix, true),
            Err(Gs1Error::BadCheckDigit { .. })
        ));
        assert!(matches!(
            classify_text("ABC123", Symbology::Code128, false),
            Ok(ScanContent::Other(_))
        ));
    }
}
