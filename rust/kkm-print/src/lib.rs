//! # kkm-print — what the customer holds in their hand
//!
//! Owns the layout of receipts, money placements and X/Z reports with every requisite
//! of Order No. 626 (chapter 3), the QR code of the OFD check URL, rendering to plain
//! text (32/42/48 columns) and to a monochrome bitmap with an embedded font covering
//! Cyrillic and the Kazakh letters, PNG and ESC/POS raster output, and the printer
//! transports behind one `PrinterTransport` trait (BLE GATT, TCP 9100, serial/USB,
//! file). A print failure never touches a fiscal document.
//!
//! The crate does not depend on the fiscal core: the Register fills the neutral
//! [`model`] (plain data, money in integer tiyn) and calls:
//!
//! | what | function |
//! | --- | --- |
//! | layout (column-independent blocks) | [`layout::layout`] |
//! | plain text, 32/42/48 columns | [`render_text`] |
//! | 1-bit bitmap (`image_width`, `image_scale`, `image_pixel_draw_threshold`) | [`render_bitmap`] |
//! | PNG (GetDocumentImage) | [`render_png`], [`Bitmap::to_png`] |
//! | ESC/POS raster job | [`render_escpos`], [`escpos::to_escpos`] |
//! | send to a printer | [`print`] over a [`PrinterTransport`] |
//!
//! ```
//! use kkm_print::{model::*, render_escpos, render_png, render_text, EscPosOptions, ImageOptions};
//! let doc = PrintDocument::TestPage { language: Language::Ru, note: "demo".into() };
//! assert!(render_text(&doc, 32).contains("ТЕСТОВАЯ СТРАНИЦА"));
//! let png = render_png(&doc, &ImageOptions::default()).unwrap();
//! let job = render_escpos(&doc, &ImageOptions::default(), &EscPosOptions::default()).unwrap();
//! assert!(png.len() > 100 && job.len() > 1000);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bitmap;
pub mod error;
pub mod escpos;
pub mod format;
mod image;
pub mod labels;
pub mod layout;
pub mod model;
pub mod sample;
pub mod text;
pub mod transport;

pub use bitmap::{render_bitmap, Bitmap, BitmapRenderer, ImageOptions};
pub use error::PrintError;
pub use escpos::{Cut, EscPosOptions};
pub use text::render_text;
pub use transport::PrinterTransport;

use model::PrintDocument;

/// Renders a document to PNG bytes (the seed's GetDocumentImage body).
pub fn render_png(doc: &PrintDocument, opts: &ImageOptions) -> Result<Vec<u8>, PrintError> {
    render_bitmap(doc, opts)?.to_png()
}

/// Renders a document to an ESC/POS raster job.
pub fn render_escpos(
    doc: &PrintDocument,
    image: &ImageOptions,
    escpos: &EscPosOptions,
) -> Result<Vec<u8>, PrintError> {
    Ok(escpos::to_escpos(&render_bitmap(doc, image)?, escpos))
}

/// Renders and sends a document. On error the document is untouched (it belongs to the
/// caller's journal); reprint it later with [`PrintDocument::into_duplicate`].
pub fn print(
    transport: &mut dyn PrinterTransport,
    doc: &PrintDocument,
    image: &ImageOptions,
    escpos: &EscPosOptions,
) -> Result<(), PrintError> {
    let job = render_escpos(doc, image, escpos)?;
    tracing::debug!(target = %transport.describe(), bytes = job.len(), "printing");
    transport.send(&job)
}
