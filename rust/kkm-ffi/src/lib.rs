//! # kkm-ffi — the Kotlin face of the register
//!
//! Owns the UniFFI facade over `kkm-register`, `kkm-print` and `kkm-scan`, designed for
//! Kotlin callers (package `kz.kkm.core`, library `kkm_ffi`, see `uniffi.toml`):
//!
//! | Kotlin | Rust | what |
//! | --- | --- | --- |
//! | `KkmRegister` | [`KkmRegister`] | open a data dir with a key and OFD endpoints; KKMs, operators, sync status |
//! | `CashierSession` | [`CashierSession`] | sell, refund by fiscal sign, buy, cash in/out, X, Z, journal, reprint |
//! | `Basket`, `BasketItem`, `BasketPayment` | [`Basket`] … | the basket as a value type; [`basket_totals`] |
//! | `Product`, `CatalogueMatch`, `catalogueItem` | [`Product`], [`catalogue_item`] | catalogue lookup by barcode, quick-sale list, CSV import/export |
//! | `KkmTimers`, `changeOwnPin`, `deviceTimeSecs` | [`KkmTimers`] | the register's clock (the configured zone), hours left of the 72 autonomous and the 24 of a shift, one's own PIN |
//! | `Bundle`, `saveBundle` | [`Bundle`] | the catalogue's bundles |
//! | `OriginalReceipt`, `returnBasket` | [`OriginalReceipt`] | a receipt found for a return, what of each line may come back, the return priced by the register |
//! | `decodeFrame(yPlane, width, height, rowStride)` | [`decode_frame`] | camera frames → codes and their meaning |
//! | `Printer`, `scanBlePrinters` | [`Printer`], [`scan_ble_printers`] | printer discovery, connection, printing |
//! | `SyncListener` | [`SyncListener`] | callback: online / autonomous, queue length, blocked reason |
//! | `KkmException` | [`KkmError`] | every error, with the seed's `code` and a `reason` |
//!
//! Every exported function is **blocking** (no `async fn` crosses the boundary; DESIGN
//! §7): the facade owns a tokio runtime and waits on it. Call from a background thread
//! (the Kotlin SDK's `suspend` wrappers use `Dispatchers.IO`); functions documented as
//! "not blocking" are safe on the main thread. All objects are thread-safe.
//!
//! On Android only, `JNI_OnLoad` routes `tracing` to logcat and initialises btleplug's
//! Android backend (see `android.rs`).
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod account;
mod basket;
mod bundle;
mod catalogue;
mod editor;
mod error;
mod print;
mod records;
mod register;
mod returns;
mod runtime;
mod scan;
mod session;

#[cfg(target_os = "android")]
mod android;

pub use account::KkmTimers;
pub use basket::{
    basket_totals, Basket, BasketItem, BasketPayment, BasketTotals, PaymentKind, TaxTotal,
    PIECE_UNIT_CODE,
};
pub use bundle::{Bundle, BundleItem};
pub use catalogue::{catalogue_item, BundleLine, CatalogueMatch, Product};
pub use editor::{BasketEditor, BasketLine};
pub use error::KkmError;
pub use print::{
    render_test_page, scan_ble_printers, BlePrinter, DocumentFormat, PrintSettings, Printer,
};
pub use register::{
    CashMovement, CashPlacement, CashierSession, JournalDocument, JournalEntry, KkmInfo,
    KkmRegister, KkmSetup, OfdServer, OperationTotals, OperatorInfo, OperatorRole, OperatorSetup,
    Receipt, ReceiptKind, RegisterConfig, ReportKind, ShiftReport, SyncListener, SyncMode,
    SyncState, SyncSubscription,
};
pub use returns::OriginalReceipt;
pub use scan::{
    classify_scanned_text, decode_frame, decode_frame_for, ScanContent, ScanMode, ScanResult,
    Symbology,
};

uniffi::setup_scaffolding!();
