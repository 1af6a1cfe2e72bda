//! Camera scanning for Kotlin: [`StreamScanner`] reads a CameraX `ImageAnalysis` stream
//! (the Y plane of `YUV_420_888` with its row stride) through `kkm-scan` — tracking the
//! mark from frame to frame and accepting a read only when its check characters verify
//! or two frames agree; [`decode_frame`] reads a single frame. Both tell what the code
//! means to the register ([`ScanContent`]). [`parse_typed_code`] does the same for what
//! a USB/Bluetooth scanner types in keyboard mode (separators rebuilt). A mark scanned
//! twice into one basket is the basket's refusal ([`crate::BasketEditor`]).

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use kkm_scan::gs1::KeyboardLayout as ScanLayout;
use kkm_scan::rules::classify_typed;
use kkm_scan::stream::{StreamOptions, StreamScanner as Stream};
use kkm_scan::{
    classify, rules::classify_text, Effort, FormatSet, LumaFrame, ScanOptions, Scanner,
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

fn formats(mode: ScanMode) -> FormatSet {
    match mode {
        ScanMode::Any => FormatSet::ALL,
        ScanMode::Excise => FormatSet::EXCISE,
        ScanMode::Receipt => FormatSet::RECEIPT,
        ScanMode::Product => FormatSet::PRODUCT,
    }
}

fn scanner(mode: ScanMode) -> &'static Scanner {
    static SCANNERS: [OnceLock<Scanner>; 4] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    let slot = match mode {
        ScanMode::Any => 0,
        ScanMode::Excise => 1,
        ScanMode::Receipt => 2,
        ScanMode::Product => 3,
    };
    SCANNERS[slot].get_or_init(|| {
        Scanner::new(ScanOptions {
            formats: formats(mode),
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
    let frame = y_frame(&y_plane, width, height, row_stride)?;
    Ok(scanner(mode).scan(&frame).map(result_of))
}

fn y_frame(
    y_plane: &[u8],
    width: i32,
    height: i32,
    row_stride: i32,
) -> Result<LumaFrame<'_>, KkmError> {
    let dim = |v: i32, what: &str| {
        u32::try_from(v).map_err(|_| KkmError::scan(format!("{what} {v} is negative")))
    };
    let (width, height) = (dim(width, "width")?, dim(height, "height")?);
    let row_stride = dim(row_stride, "row stride")? as usize;
    Ok(LumaFrame::from_y_plane(y_plane, width, height, row_stride)?)
}

fn result_of(d: kkm_scan::Decoded) -> ScanResult {
    ScanResult {
        symbology: d.symbology.into(),
        content: content_of(classify(&d)),
        text: d.text,
    }
}

/// A camera stream: frames from one camera, one after another (CameraX
/// `ImageAnalysis`). It carries the located mark from frame to frame (a region of
/// interest and the mark's grid: a blurred frame followed by a sharp one is a quick
/// read) and returns a code only once it is believed — its check characters verify
/// (DataMatrix error correction with margin and the GTIN check digit; a receipt QR that
/// parses) or two frames agree (always for EAN/UPC) — and once per appearance: a misread
/// never reaches the basket, a pack held in view is not added twice. Thread-safe (calls
/// are serialised); one per camera.
#[derive(Debug, uniffi::Object)]
pub struct StreamScanner {
    stream: Mutex<Stream>,
}

#[uniffi::export]
impl StreamScanner {
    /// A stream looking for the codes of `mode`, spending at most `time_budget_ms` on a
    /// frame (0: no limit; CameraX delivers a frame every ~33 ms).
    #[uniffi::constructor]
    pub fn new(mode: ScanMode, time_budget_ms: u32) -> Arc<StreamScanner> {
        Arc::new(StreamScanner {
            stream: Mutex::new(Stream::new(StreamOptions {
                formats: formats(mode),
                time_budget: (time_budget_ms > 0)
                    .then(|| Duration::from_millis(u64::from(time_budget_ms))),
                ..StreamOptions::default()
            })),
        })
    }

    /// Reads the next frame (the Y plane of a `YUV_420_888` image, `row_stride` bytes per
    /// row). A code the stream now believes, or `None`. **Blocking** (a few to tens of
    /// milliseconds): call it from the analyzer's executor. A malformed frame is an error
    /// (`Scan`), never a crash.
    pub fn push_frame(
        &self,
        y_plane: Vec<u8>,
        width: i32,
        height: i32,
        row_stride: i32,
    ) -> Result<Option<ScanResult>, KkmError> {
        let frame = y_frame(&y_plane, width, height, row_stride)?;
        let step = self.lock().push(&frame);
        Ok(step.accepted.map(|a| result_of(a.decoded)))
    }

    /// Forgets the stream (a new basket, or the cashier wants the same pack again).
    pub fn reset(&self) {
        self.lock().reset();
    }
}

impl StreamScanner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Stream> {
        self.stream.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The keyboard layout the OS had while a keyboard-mode scanner typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum KeyboardLayout {
    /// Russian when the text holds Cyrillic letters, English otherwise.
    Auto,
    /// English (US).
    Us,
    /// Russian ЙЦУКЕН.
    Russian,
}

/// How a USB/Bluetooth scanner in keyboard mode is set up ([`default_keyboard_profile`]
/// fits most).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KeyboardProfile {
    /// Text the scanner sends before each code ("" for none).
    pub prefix: String,
    /// Text after each code ("" for none; Enter and Tab are always stripped).
    pub suffix: String,
    /// What the scanner types for the GS separator (empty: the common stand-ins —
    /// `]`, `^]`, `<GS>`, `~`, `|`, `↔` …).
    pub gs_substitutes: Vec<String>,
    /// The layout the scanner typed into.
    pub layout: KeyboardLayout,
}

/// The profile that fits most keyboard-mode scanners. Not blocking.
#[uniffi::export]
pub fn default_keyboard_profile() -> KeyboardProfile {
    let d = kkm_scan::gs1::KeyboardProfile::default();
    KeyboardProfile {
        prefix: d.prefix,
        suffix: d.suffix,
        gs_substitutes: d.gs_substitutes,
        layout: KeyboardLayout::Auto,
    }
}

/// What a keyboard-mode scanner typed (or a cashier typed by hand) means to the
/// register: a marking code — its GS separators rebuilt from the GS1 AI table and the
/// Kazakh mark structures, `excise_stamp` exactly as the OFD wants it — a receipt QR URL,
/// a product barcode, or other text. A marking code that cannot be rebuilt without doubt
/// comes back as `BadMark` with the reason. Not blocking.
#[uniffi::export]
pub fn parse_typed_code(text: String, profile: KeyboardProfile) -> ScanContent {
    let defaults = kkm_scan::gs1::KeyboardProfile::default();
    let profile = kkm_scan::gs1::KeyboardProfile {
        prefix: profile.prefix,
        suffix: profile.suffix,
        gs_substitutes: if profile.gs_substitutes.is_empty() {
            defaults.gs_substitutes
        } else {
            profile.gs_substitutes
        },
        layout: match profile.layout {
            KeyboardLayout::Auto => ScanLayout::Auto,
            KeyboardLayout::Us => ScanLayout::Us,
            KeyboardLayout::Russian => ScanLayout::Russian,
        },
        structures: defaults.structures,
    };
    match classify_typed(&text, &profile) {
        Ok(c) => content_of(Ok(c)),
        Err(e) => ScanContent::BadMark {
            reason: e.to_string(),
        },
    }
}

/// Classifies a code read by other means (a USB/Bluetooth keyboard-wedge scanner, a
/// typed fiscal sign URL): `gs1` when the reader reported a GS1 code (FNC1). Not
/// blocking.
#[uniffi::export]
pub fn classify_scanned_text(text: String, symbology: Symbology, gs1: bool) -> ScanContent {
    content_of(classify_text(&text, symbology.into(), gs1))
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
    fn a_stream_accepts_a_mark_once_per_appearance() {
        let f = kkm_ffi_testkit::synth_datamatrix_frame(7, 16);
        let stream = StreamScanner::new(ScanMode::Excise, 0);
        let first = stream
            .push_frame(f.y_plane.clone(), f.width, f.height, f.row_stride)
            .unwrap();
        assert_eq!(first.map(|r| r.text), Some(f.text.clone()));
        // Still in view: not again.
        assert!(stream
            .push_frame(f.y_plane.clone(), f.width, f.height, f.row_stride)
            .unwrap()
            .is_none());
        stream.reset();
        assert!(stream
            .push_frame(f.y_plane, f.width, f.height, f.row_stride)
            .unwrap()
            .is_some());
        assert_eq!(
            stream
                .push_frame(vec![0; 10], 640, 480, 640)
                .unwrap_err()
                .code(),
            2
        );
    }

    #[test]
    fn typed_marks_come_back_with_their_separators() {
        let p = default_keyboard_profile();
        let typed = "0104870204390513215ZxKq9aBcDeFg^]93AbCd\r\n".to_string();
        match parse_typed_code(typed, p.clone()) {
            ScanContent::Mark {
                excise_stamp, gtin, ..
            } => {
                assert_eq!(excise_stamp, "0104870204390513215ZxKq9aBcDeFg\u{1d}93AbCd");
                assert_eq!(gtin, "04870204390513");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_typed_code("010487020439051321ABCDEFGHIJ93wxyz".into(), p.clone()),
            ScanContent::BadMark { reason } if reason.contains("2 ways")
        ));
        assert!(matches!(
            parse_typed_code("4870204390513".into(), p),
            ScanContent::Product { .. }
        ));
    }

    /// Whatever path a mark came by — the camera, a keyboard-mode scanner with the GS
    /// dropped or replaced — the basket's line carries it to the OFD's
    /// `list_excise_stamp` exactly as the DataMatrix holds it, GS kept.
    #[test]
    fn a_mark_reaches_list_excise_stamp_with_gs_kept_by_every_path() {
        use crate::basket::{draft_of, Basket, BasketItem, BasketPayment, PaymentKind};
        use kkm_core::{DocumentMeta, Operation, SaleContext};

        let f = kkm_ffi_testkit::synth_datamatrix_frame(11, 0);
        assert!(f.text.contains('\u{1d}'), "{:?}", f.text);
        let camera = decode_frame_for(f.y_plane, f.width, f.height, f.row_stride, ScanMode::Excise)
            .unwrap()
            .map(|r| r.content);
        let dropped = f.text.replace('\u{1d}', "");
        let replaced = f.text.replace('\u{1d}', "<GS>");
        let with_suffix = KeyboardProfile {
            prefix: "#".into(),
            suffix: "$".into(),
            ..default_keyboard_profile()
        };
        let paths = [
            ("camera", camera),
            (
                "GS dropped",
                Some(parse_typed_code(dropped, default_keyboard_profile())),
            ),
            (
                "GS as <GS>, prefix and suffix",
                Some(parse_typed_code(format!("#{replaced}$\r\n"), with_suffix)),
            ),
        ];
        for (path, content) in paths {
            let Some(ScanContent::Mark {
                excise_stamp, gtin, ..
            }) = content
            else {
                panic!("{path}: {content:?}");
            };
            let basket = Basket {
                items: vec![BasketItem {
                    name: "Сигареты".into(),
                    section: "1".into(),
                    price_tiyn: 95_000,
                    quantity_milli: 1000,
                    unit_code: "796".into(),
                    barcode: Some(gtin),
                    excise_mark: Some(excise_stamp),
                    discount_tiyn: 0,
                    vat_milli_percent: Some(12_000),
                    markup_tiyn: 0,
                    mark_required: true,
                }],
                payments: vec![BasketPayment {
                    kind: PaymentKind::Cash,
                    amount_tiyn: 95_000,
                }],
                discount_tiyn: 0,
                markup_tiyn: 0,
                customer_iin_bin: None,
            };
            let receipt = draft_of(Operation::Sell, &basket, None)
                .validate(&SaleContext::default())
                .unwrap();
            let ticket = receipt.to_ticket_request(&DocumentMeta::default());
            let commodity = ticket.items[0].commodity.as_ref().unwrap();
            assert_eq!(commodity.list_excise_stamp, vec![f.text.clone()], "{path}");
        }
    }
}
