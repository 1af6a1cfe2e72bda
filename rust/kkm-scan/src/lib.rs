//! # kkm-scan — from camera frames to codes
//!
//! Owns decoding of camera frames as Android delivers them (the Y plane of
//! YUV_420_888 / NV21 with its row stride, or RGBA) and of image files: DataMatrix
//! (GS1 with FNC1), QR, EAN-13/EAN-8/UPC-A and Code 128, with the preprocessing and
//! search strategy that decide the result on real photos. It also parses GS1 marking
//! codes into a typed `ExciseMark` and the OFD receipt QR (`i`, `f`, `s`, `t`) used for
//! returns by scanning a receipt.
//!
//! ## Map
//! - [`frame`]: [`LumaFrame`] (borrowed Y plane with row stride; NV21), [`OwnedLuma`]
//!   (RGBA, PNG/JPEG files), [`Roi`].
//! - [`decode`]: [`Scanner`] with [`ScanOptions`] (format hint, ROI, effort, time budget)
//!   → [`Decoded`] (text with GS separators for GS1, symbology identifier).
//! - [`gs1`]: [`ExciseMark`], [`Gtin`], [`Gs1Error`]; marks typed by keyboard-mode
//!   scanners ([`gs1::typed`]): [`normalize_typed_mark`] is the one parser for a mark
//!   that arrives as text (the daemon, the console, the FFI), [`TypedMarkError`] says
//!   why one is refused.
//! - [`receipt`]: [`ReceiptQr`], [`ReceiptQrError`].
//! - [`rules`]: [`ScanContent`] classification (what the basket does with a scan is the
//!   register's).
//! - [`stream`] (feature `camera`): [`StreamScanner`], the camera-stream tracker (last
//!   location and scale reused, region of interest, a read accepted once its check
//!   characters verify or two frames agree).
//! - [`synth`] (feature `synth`): the seeded camera-frame generator used by tests and the benchmark.
//!
//! ```
//! use kkm_scan::{classify, LumaFrame, ScanContent, Scanner};
//! # let (y_plane, width, height, row_stride) = (vec![255u8; 640 * 480], 640, 480, 640);
//! let frame = LumaFrame::from_y_plane(&y_plane, width, height, row_stride)?;
//! if let Some(found) = Scanner::excise().scan(&frame) {
//!     if let Ok(ScanContent::Mark(mark)) = classify(&found) {
//!         println!("excise_stamp={:?} barcode={}", mark.excise_stamp(), mark.barcode());
//!     }
//! }
//! # Ok::<(), kkm_scan::FrameError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "camera")]
pub mod decode;
#[cfg(feature = "camera")]
pub(crate) mod dm;
#[cfg(feature = "camera")]
pub mod frame;
#[cfg(feature = "camera")]
pub(crate) mod geom;
pub mod gs1;
#[cfg(feature = "camera")]
pub(crate) mod plane;
pub mod receipt;
pub mod rules;
#[cfg(feature = "camera")]
pub(crate) mod rx;
#[cfg(feature = "camera")]
pub mod stream;
pub mod symbology;
#[cfg(feature = "synth")]
pub mod synth;

#[cfg(feature = "camera")]
pub use decode::{
    Decoded, EccUse, Effort, FormatSet, Located, ScanOptions, ScanReport, Scanner, StepTrace,
};
#[cfg(feature = "camera")]
pub use frame::{FrameError, LumaFrame, OwnedLuma, Roi};
pub use gs1::{normalize_typed_mark, ExciseMark, Gs1Error, Gtin, KeyboardProfile, TypedMarkError};
pub use receipt::{ReceiptQr, ReceiptQrError, ReceiptTime};
#[cfg(feature = "camera")]
pub use rules::classify;
pub use rules::ScanContent;
#[cfg(feature = "camera")]
pub use stream::{Acceptance, Accepted, StreamOptions, StreamScanner, StreamStep};
pub use symbology::Symbology;
