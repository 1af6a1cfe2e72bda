//! Camera scanning for Kotlin: [`decode_frame`] reads CameraX `ImageAnalysis` frames
//! (the Y plane of `YUV_420_888` with its row stride) through `kkm-scan`, and tells what
//! the code means to the register ([`ScanContent`]); [`MarkGuard`] refuses a marking
//! code scanned twice into one basket.

use std::sync::{Arc, Mutex, OnceLock};

use kkm_scan::{
    classify, rules::classify_text, Effort, ExciseMark, FormatSet, LumaFrame, ScanBasket,
    ScanOptions, Scanner,
};

use crate::KkmError;

/// A symbology the scanner reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Symbology {
    /// Data Matrix (excise marks are GS1 DataMatrix).
    DataMatrix,
    /// QR Code (receipt check URLs).
    QrCode,
    /// EAN-13.
    Ean13,
    /// EAN-8.
    Ean8,
    /// UPC-A.
    UpcA,
    /// Code 128.
    Code128,
}

impl From<kkm_scan::Symbology> for Symbology {
    fn from(s: kkm_scan::Symbology) -> Symbology {
        match s {
            kkm_scan::Symbology::DataMatrix => Symbology::DataMatrix,
            kkm_scan::Symbology::QrCode => Symbology::QrCode,
            kkm_scan::Symbology::Ean13 => Symbology::Ean13,
            kkm_scan::Symbology::Ean8 => Symbology::Ean8,
            kkm_scan::Symbology::UpcA => Symbology::UpcA,
            kkm_scan::Symbology::Code128 => Symbology::Code128,
        }
    }
}

impl From<Symbology> for kkm_scan::Symbology {
    fn from(s: Symbology) -> kkm_scan::Symbology {
        match s {
            Symbology::DataMatrix => kkm_scan::Symbology::DataMatrix,
            Symbology::QrCode => kkm_scan::Symbology::QrCode,
            Symbology::Ean13 => kkm_scan::Symbology::Ean13,
            Symbology::Ean8 => kkm_scan::Symbology::Ean8,
            Symbology::UpcA => kkm_scan::Symbology::UpcA,
            Symbology::Code128 => kkm_scan::Symbology::Code128,
        }
    }
}

/// What to look for in a frame: fewer formats, faster scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ScanMode {
    /// Everything (DataMatrix first): the sale screen.
    Any,
    /// DataMatrix only: marked goods.
    Excise,
    /// QR only: a return by the receipt's QR code.
    Receipt,
    /// EAN-13/8, UPC-A, Code 128: product barcodes.
    Product,
}

/// What a scanned code means to the register.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ScanContent {
    /// A marking code (GS1 DataMatrix): goes to the item's `excise_mark` and `barcode`.
    Mark {
        /// The full code with GS separators (the item's `excise_stamp`).
        excise_stamp: String,
        /// GTIN-14 (the item's `barcode`).
        gtin: String,
        /// (21) serial of this very pack.
        serial: String,
    },
    /// An OFD receipt-check QR: a return by scanning the customer's receipt.
    Receipt {
        /// `i` — fiscal sign of the receipt (what a refund refers to).
        fiscal_id: String,
        /// `f` — РНМ of the KKM that issued it.
        rnm: String,
        /// `s` — its total in tiyn.
        total_tiyn: i64,
        /// `t` — its date-time, `yyyyMMddTHHmmss`.
        time: String,
        /// The OFD check site.
        ofd_url: String,
    },
    /// A product barcode with a valid GTIN.
    Product {
        /// GTIN-14.
        gtin: String,
        /// The EAN-13 form when the GTIN has one (what a shelf label shows).
        ean13: Option<String>,
    },
    /// A DataMatrix flagged GS1 that is not a valid marking code: ask to rescan.
    BadMark {
        /// Why it is not a valid mark.
        reason: String,
    },
    /// Anything else, verbatim.
    Other {
        /// The text.
        text: String,
    },
}

/// One decoded code.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScanResult {
    /// Its symbology.
    pub symbology: Symbology,
    /// The decoded text (GS1: FNC1 dropped, GS separators kept).
    pub text: String,
    /// What it means.
    pub content: ScanContent,
}

fn content_of(r: Result<kkm_scan::ScanContent, kkm_scan::Gs1Error>) -> ScanContent {
    match r {
        Ok(kkm_scan::ScanContent::Mark(m)) => ScanContent::Mark {
            excise_stamp: m.excise_stamp().to_owned(),
            gtin: m.barcode().to_owned(),
            serial: m.serial().to_owned(),
        },
        Ok(kkm_scan::ScanContent::Receipt(q)) => ScanContent::Receipt {
            fiscal_id: q.fiscal_id,
            rnm: q.rnm,
            total_tiyn: q.total_tiyn,
            time: q.time.to_string(),
            ofd_url: q.ofd_url,
        },
        Ok(kkm_scan::ScanContent::Product(g)) => ScanContent::Product {
            ean13: g.to_ean13(),
            gtin: g.as_gtin14().to_owned(),
        },
        Ok(kkm_scan::ScanContent::Other(text)) => ScanContent::Other { text },
        Err(e) => ScanContent::BadMark {
            reason: e.to_string(),
        },
    }
}

fn scanner(mode: ScanMode) -> &'static Scanner {
    static SCANNERS: [OnceLock<Scanner>; 4] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    let (slot, formats) = match mode {
        ScanMode::Any => (0, FormatSet::ALL),
        ScanMode::Excise => (1, FormatSet::EXCISE),
        ScanMode::Receipt => (2, FormatSet::RECEIPT),
        ScanMode::Product => (3, FormatSet::PRODUCT),
    };
    SCANNERS[slot].get_or_init(|| {
        Scanner::new(ScanOptions {
            formats,
            effort: Effort::Normal,
            ..ScanOptions::default()
        })
    })
}

/// Decodes one camera frame: the Y (luma) plane of a `YUV_420_888` / NV21 image,
/// `row_stride` bytes per row (CameraX: `image.planes[0].rowStride`; may exceed
/// `width`). Looks for every symbology, DataMatrix first. `None` when the frame holds no
/// readable code.
///
/// **Blocking** (≈ 5–15 ms on a 720p frame): call it from the analyzer's executor,
/// never from the main thread. A malformed frame is an error (`Scan`), never a crash.
#[uniffi::export]
pub fn decode_frame(
    y_plane: Vec<u8>,
    width: i32,
    height: i32,
    row_stride: i32,
) -> Result<Option<ScanResult>, KkmError> {
    decode_frame_for(y_plane, width, height, row_stride, ScanMode::Any)
}

/// [`decode_frame`] looking only for the codes of `mode` (faster; e.g. `Excise` on the
/// marked-goods screen, `Receipt` on the return screen). **Blocking.**
#[uniffi::export]
pub fn decode_frame_for(
    y_plane: Vec<u8>,
    width: i32,
    height: i32,
    row_stride: i32,
    mode: ScanMode,
) -> Result<Option<ScanResult>, KkmError> {
    let dim = |v: i32, what: &str| {
        u32::try_from(v).map_err(|_| KkmError::scan(format!("{what} {v} is negative")))
    };
    let (width, height) = (dim(width, "width")?, dim(height, "height")?);
    let row_stride = dim(row_stride, "row stride")? as usize;
    let frame = LumaFrame::from_y_plane(&y_plane, width, height, row_stride)?;
    Ok(scanner(mode).scan(&frame).map(|d| ScanResult {
        symbology: d.symbology.into(),
        content: content_of(classify(&d)),
        text: d.text,
    }))
}

/// Classifies a code read by other means (a USB/Bluetooth keyboard-wedge scanner, a
/// typed fiscal sign URL): `gs1` when the reader reported a GS1 code (FNC1). Not
/// blocking.
#[uniffi::export]
pub fn classify_scanned_text(text: String, symbology: Symbology, gs1: bool) -> ScanContent {
    content_of(classify_text(&text, symbology.into(), gs1))
}

/// The marks already scanned into the current basket: a marking code may appear once
/// per receipt (same GTIN and serial, even if one read dropped the crypto tail).
/// Thread-safe; one per basket.
#[derive(Debug, Default, uniffi::Object)]
pub struct MarkGuard {
    marks: Mutex<ScanBasket>,
}

#[uniffi::export]
impl MarkGuard {
    /// An empty guard (a new basket).
    #[uniffi::constructor]
    pub fn new() -> Arc<MarkGuard> {
        Arc::new(MarkGuard::default())
    }

    /// Accepts a mark into the basket. `Rejected` with code 2 when it is not a valid
    /// marking code or when this very pack is already in the basket.
    pub fn add(&self, excise_stamp: String) -> Result<(), KkmError> {
        let mark = ExciseMark::parse(&excise_stamp)
            .map_err(|e| KkmError::rejected(kkm_core::ErrorCode::InvalidFields, e.to_string()))?;
        self.lock()
            .add(&mark)
            .map_err(|e| KkmError::rejected(kkm_core::ErrorCode::InvalidFields, e.to_string()))
    }

    /// Forgets a mark (its line was removed from the basket); `false` if it was not in.
    pub fn remove(&self, excise_stamp: String) -> bool {
        match ExciseMark::parse(&excise_stamp) {
            Ok(mark) => self.lock().remove(&mark),
            Err(_) => false,
        }
    }

    /// `true` when this pack is already in the basket.
    pub fn contains(&self, excise_stamp: String) -> bool {
        match ExciseMark::parse(&excise_stamp) {
            Ok(mark) => self.lock().contains(&mark),
            Err(_) => false,
        }
    }

    /// How many marks the basket holds.
    pub fn size(&self) -> i32 {
        i32::try_from(self.lock().len()).unwrap_or(i32::MAX)
    }

    /// Empties the guard (the receipt was made or the basket cleared).
    pub fn clear(&self) {
        self.lock().clear();
    }
}

impl MarkGuard {
    fn lock(&self) -> std::sync::MutexGuard<'_, ScanBasket> {
        self.marks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_frame_is_an_error_not_a_panic() {
        let e = decode_frame(vec![0; 10], 640, 480, 640).unwrap_err();
        assert_eq!(e.code(), 2);
        assert!(decode_frame(vec![255; 64 * 48], 64, 48, 64)
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_synthetic_mark_decodes_through_a_padded_stride() {
        let f = kkm_ffi_testkit::synth_datamatrix_frame(7, 48);
        let r = decode_frame(f.y_plane, f.width, f.height, f.row_stride)
            .unwrap()
            .unwrap();
        assert_eq!(r.text, f.text);
        assert!(matches!(r.content, ScanContent::Mark { .. }));
    }

    #[test]
    fn the_guard_refuses_a_second_read_of_the_same_pack() {
        let code = "0104870204390513215ZxKq9aBcDeFg\u{1d}93EE10";
        let guard = MarkGuard::new();
        guard.add(code.into()).unwrap();
        assert_eq!(guard.add(code.into()).unwrap_err().code(), 2);
        assert!(guard.contains(code.into()));
        assert!(guard.remove(code.into()));
        assert_eq!(guard.size(), 0);
    }
}
