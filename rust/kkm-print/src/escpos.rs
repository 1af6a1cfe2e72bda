//! ESC/POS output: initialise, optional cash-drawer kick, the bitmap as raster bands
//! (`GS v 0`), paper feed and cut.
//!
//! The bytes are written by hand rather than with the `escpos` crate: we need four
//! commands, the bitmap is already packed in the printer's 1-bit MSB-first format, and
//! owning the band split keeps every row within the buffer limits of cheap 58 mm printers
//! without pulling in an image-processing dependency.

use crate::bitmap::Bitmap;

/// ESC @ — initialise the printer.
pub const INIT: [u8; 2] = [0x1B, 0x40];

/// How the paper is cut after the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cut {
    /// No cut (printers without a cutter, BLE mobile printers).
    None,
    /// Full cut (`GS V 0`).
    Full,
    /// Partial cut (`GS V 1`), leaving a tab.
    #[default]
    Partial,
}

/// Options of the ESC/POS job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscPosOptions {
    /// Cut mode after the document.
    pub cut: Cut,
    /// Lines fed after the image so the end clears the cutter / tear bar (`ESC d n`).
    pub feed_lines: u8,
    /// Pulse the cash drawer (`ESC p 0 25 250`, pin 2) right after initialising.
    pub drawer_kick: bool,
    /// Raster rows per `GS v 0` band (1..=2047; 256 suits small printer buffers).
    pub band_rows: u16,
}

impl Default for EscPosOptions {
    fn default() -> Self {
        EscPosOptions {
            cut: Cut::Partial,
            feed_lines: 4,
            drawer_kick: false,
            band_rows: 256,
        }
    }
}

/// Encodes a bitmap as an ESC/POS raster job.
///
/// ```
/// use kkm_print::{escpos::{to_escpos, EscPosOptions}, Bitmap};
/// let job = to_escpos(&Bitmap::new(384, 10), &EscPosOptions::default());
/// assert_eq!(&job[..2], &[0x1B, 0x40]);
/// ```
pub fn to_escpos(bitmap: &Bitmap, opts: &EscPosOptions) -> Vec<u8> {
    let row_bytes = bitmap.row_bytes();
    let height = bitmap.height() as usize;
    let band = usize::from(opts.band_rows.clamp(1, 2047));
    let mut out = Vec::with_capacity(bitmap.data().len() + (height / band + 1) * 8 + 16);
    out.extend_from_slice(&INIT);
    if opts.drawer_kick {
        out.extend_from_slice(&[0x1B, 0x70, 0x00, 25, 250]);
    }
    let mut top = 0;
    while top < height {
        let rows = band.min(height - top);
        out.extend_from_slice(&[
            0x1D,
            0x76,
            0x30,
            0x00,
            (row_bytes & 0xFF) as u8,
            (row_bytes >> 8) as u8,
            (rows & 0xFF) as u8,
            (rows >> 8) as u8,
        ]);
        out.extend_from_slice(&bitmap.data()[top * row_bytes..(top + rows) * row_bytes]);
        top += rows;
    }
    if opts.feed_lines > 0 {
        out.extend_from_slice(&[0x1B, 0x64, opts.feed_lines]);
    }
    match opts.cut {
        Cut::None => {}
        Cut::Full => out.extend_from_slice(&[0x1D, 0x56, 0x00]),
        Cut::Partial => out.extend_from_slice(&[0x1D, 0x56, 0x01]),
    }
    out
}
