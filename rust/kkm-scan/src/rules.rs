//! Rules that belong to scanning: what a scanned text is, a mark only once per basket, and
//! a marked product found in the catalogue fills its name and price (the Alsep flow: point
//! the camera at the DataMatrix; if the product is in the base, its price comes up; if not,
//! the cashier types the price).
//!
//! Receipt validation proper (a marked good needs its mark, returns only of sold marks)
//! lives in kkm-core; this guard is the cashier's first, immediate feedback.

use std::collections::HashSet;

use thiserror::Error;

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

/// A product as the catalogue knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueItem {
    /// Name for the receipt.
    pub name: String,
    /// Unit price in tiyn.
    pub price_tiyn: i64,
}

/// Looks products up by GTIN. The catalogue lives in kkm-store; this is the seam.
pub trait Catalogue {
    /// The product with this GTIN, if known.
    fn find_by_gtin(&self, gtin: &Gtin) -> Option<CatalogueItem>;
}

impl<F: Fn(&Gtin) -> Option<CatalogueItem>> Catalogue for F {
    fn find_by_gtin(&self, gtin: &Gtin) -> Option<CatalogueItem> {
        self(gtin)
    }
}

/// A marked item ready for the basket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkedLine {
    /// The full code, GS kept: the item's `excise_stamp`.
    pub excise_stamp: String,
    /// GTIN-14: the item's `barcode`.
    pub barcode: String,
    /// From the catalogue; `None` → the cashier enters it.
    pub name: Option<String>,
    /// From the catalogue; `None` → the cashier enters the price.
    pub price_tiyn: Option<i64>,
}

impl MarkedLine {
    /// The cashier must type the price (product not in the catalogue).
    pub fn needs_price(&self) -> bool {
        self.price_tiyn.is_none()
    }
}

/// Why a scan is refused for this basket.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum BasketError {
    /// This very pack (same GTIN and serial) is already in the basket.
    #[error("mark {serial} of GTIN {gtin} is already in the basket")]
    DuplicateMark {
        /// GTIN-14.
        gtin: String,
        /// (21) serial.
        serial: String,
    },
    /// The scanned code is not a valid marking code.
    #[error(transparent)]
    BadMark(#[from] Gs1Error),
}

/// The marks scanned into the current basket (one receipt). A mark may appear once per
/// receipt; identity is GTIN + serial, so a second read of the same pack is caught even if
/// one reader dropped the crypto tail.
#[derive(Debug, Clone, Default)]
pub struct ScanBasket {
    marks: HashSet<(String, String)>,
}

impl ScanBasket {
    /// An empty basket.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a mark; refuses a second copy.
    pub fn add(&mut self, mark: &ExciseMark) -> Result<(), BasketError> {
        let (g, s) = mark.unit_key();
        if !self.marks.insert((g.to_string(), s.to_string())) {
            return Err(BasketError::DuplicateMark {
                gtin: g.to_string(),
                serial: s.to_string(),
            });
        }
        Ok(())
    }

    /// Parses a scanned code, adds it, and fills name and price from the catalogue.
    ///
    /// ```
    /// use kkm_scan::rules::{CatalogueItem, ScanBasket, BasketError};
    /// use kkm_scan::Gtin;
    /// let catalogue = |g: &Gtin| (g.as_gtin14() == "04870204390513").then(|| CatalogueItem {
    ///     name: "Сигареты".into(), price_tiyn: 95_000 });
    /// let mut basket = ScanBasket::new();
    /// let code = "0104870204390513215ZxKq9aBcDeFg\u{1d}93AbCd";
    /// let line = basket.scan_mark(code, &catalogue).unwrap();
    /// assert_eq!(line.price_tiyn, Some(95_000));
    /// assert!(matches!(basket.scan_mark(code, &catalogue), Err(BasketError::DuplicateMark { .. })));
    /// ```
    pub fn scan_mark(
        &mut self,
        code: &str,
        catalogue: &dyn Catalogue,
    ) -> Result<MarkedLine, BasketError> {
        let mark = ExciseMark::parse(code)?;
        self.add(&mark)?;
        let item = catalogue.find_by_gtin(mark.gtin());
        Ok(MarkedLine {
            excise_stamp: mark.excise_stamp().to_string(),
            barcode: mark.barcode().to_string(),
            name: item.as_ref().map(|i| i.name.clone()),
            price_tiyn: item.map(|i| i.price_tiyn),
        })
    }

    /// Removes a mark (item deleted from the basket); `true` if it was there.
    pub fn remove(&mut self, mark: &ExciseMark) -> bool {
        let (g, s) = mark.unit_key();
        self.marks.remove(&(g.to_string(), s.to_string()))
    }

    /// Whether the mark is in the basket.
    pub fn contains(&self, mark: &ExciseMark) -> bool {
        let (g, s) = mark.unit_key();
        self.marks.contains(&(g.to_string(), s.to_string()))
    }

    /// Number of marks.
    pub fn len(&self) -> usize {
        self.marks.len()
    }

    /// No marks yet.
    pub fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }

    /// Empties the basket (receipt closed or cancelled).
    pub fn clear(&mut self) {
        self.marks.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACK: &str = "0104870204390513215ZxKq9aBcDeFg\u{1d}91EE10\u{1d}92dGVzdGNyeXB0b3RhaWwxMjM0NTY3ODkwYWJjZGVmZ2h=";

    fn empty_catalogue(_: &Gtin) -> Option<CatalogueItem> {
        None
    }

    #[test]
    fn same_pack_twice_is_refused_even_without_crypto_tail() {
        let mut b = ScanBasket::new();
        let l = b.scan_mark(PACK, &empty_catalogue).unwrap();
        assert!(l.needs_price());
        assert_eq!(l.excise_stamp, PACK);
        assert_eq!(l.barcode, "04870204390513");
        let short = "0104870204390513215ZxKq9aBcDeFg";
        assert!(matches!(
            b.scan_mark(short, &empty_catalogue),
            Err(BasketError::DuplicateMark { .. })
        ));
        let other = "0104870204390513215ZxKq9aBcDeFh\u{1d}93AbCd";
        assert!(b.scan_mark(other, &empty_catalogue).is_ok());
        assert_eq!(b.len(), 2);
        let m = ExciseMark::parse(PACK).unwrap();
        assert!(b.remove(&m));
        assert!(!b.contains(&m));
        assert!(b.scan_mark(PACK, &empty_catalogue).is_ok());
        b.clear();
        assert!(b.is_empty());
    }

    #[test]
    fn bad_mark_is_an_error_not_a_line() {
        let mut b = ScanBasket::new();
        assert!(matches!(
            b.scan_mark("0104870204390514215ZxK", &empty_catalogue),
            Err(BasketError::BadMark(Gs1Error::BadCheckDigit { .. }))
        ));
        assert!(b.is_empty());
    }

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
