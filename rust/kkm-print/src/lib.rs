//! # kkm-print — what the customer holds in their hand
//!
//! Owns the layout of receipts, money placements and X/Z reports with every requisite
//! of Order No. 626 (chapter 3), the QR code of the OFD check URL, rendering to plain
//! text (32/42/48 columns) and to a monochrome bitmap with an embedded font covering
//! Cyrillic and the Kazakh letters, PNG and ESC/POS raster output (paper 58 / 80 mm,
//! density, cut, cash drawer kick), and printers as data ([`device`]: addresses,
//! settings, and the [`PrinterTransport`] / [`device::PrinterDriver`] seams). Pure: no
//! socket, port or Bluetooth here — the transports and discovery live in `kkm-printer`,
//! so whatever only renders or queues links no I/O. A print failure never touches a
//! fiscal document.
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
//! | PWG raster page (CUPS queues of ordinary printers) | [`pwg::to_pwg_raster`] |
//! | a printer's address and settings | [`device::PrinterAddress::parse`] |
//! | send to a printer | [`print`] over a [`PrinterTransport`] (from `kkm-printer`) |
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
pub mod device;
pub mod error;
pub mod escpos;
pub mod format;
mod image;
pub mod labels;
pub mod layout;
pub mod model;
pub mod pwg;
pub mod sample;
pub mod text;

pub use bitmap::{render_bitmap, Bitmap, BitmapRenderer, ImageOptions};
pub use device::PrinterTransport;
pub use error::PrintError;
pub use escpos::{Cut, EscPosOptions};
pub use text::render_text;

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

/// Renders a document for `transport`: an ESC/POS raster job, or a PWG raster page
/// when the transport asks for one (a CUPS queue of an ordinary printer).
pub fn render_job(
    transport: &dyn PrinterTransport,
    doc: &PrintDocument,
    image: &ImageOptions,
    escpos: &EscPosOptions,
) -> Result<Vec<u8>, PrintError> {
    let bitmap = render_bitmap(doc, image)?;
    Ok(if transport.wants_pwg_raster() {
        pwg::to_pwg_raster(&bitmap)
    } else {
        escpos::to_escpos(&bitmap, escpos)
    })
}

/// Renders and sends a document. On error the document is untouched (it belongs to the
/// caller's journal); reprint it later with [`PrintDocument::into_duplicate`].
pub fn print(
    transport: &mut dyn PrinterTransport,
    doc: &PrintDocument,
    image: &ImageOptions,
    escpos: &EscPosOptions,
) -> Result<(), PrintError> {
    let job = render_job(transport, doc, image, escpos)?;
    tracing::debug!(target = %transport.describe(), bytes = job.len(), "printing");
    transport.send(&job)
}
