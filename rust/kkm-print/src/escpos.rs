//! ESC/POS output: initialise, optional print density (`GS ( K`) and cash-drawer kick
//! (`ESC p`), the bitmap as raster bands (`GS v 0`), paper feed and cut.
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
    /// Print density −3..=3 sent as `GS ( K 2 0 49 m` (Epson's "select print density";
    /// printers without it skip the command). 0 sends nothing: the printer's setting.
    pub density: i8,
}

impl Default for EscPosOptions {
    fn default() -> Self {
        EscPosOptions {
            cut: Cut::Partial,
            feed_lines: 4,
            drawer_kick: false,
            band_rows: 256,
            density: 0,
        }
    }
}

/// `GS ( K pL pH fn m` with fn 49: select the print density, `m` the density −3..=3 as
/// a two's complement byte (clamped).
pub fn density_command(density: i8) -> [u8; 7] {
    let m = density.clamp(-3, 3).to_le_bytes()[0];
    [0x1D, 0x28, 0x4B, 0x02, 0x00, 0x31, m]
}

/// `ESC p 0 25 250`: pulse pin 2 of the cash drawer port for 50 ms on, 500 ms off.
pub const DRAWER_KICK: [u8; 5] = [0x1B, 0x70, 0x00, 25, 250];

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
    if opts.density != 0 {
        out.extend_from_slice(&density_command(opts.density));
    }
    if opts.drawer_kick {
        out.extend_from_slice(&DRAWER_KICK);
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

/// What a job made by [`to_escpos`] says, read back by [`decode`]: for printer emulators
/// and tests (the bytes on the wire must be the picture that was rendered).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodedJob {
    /// `ESC @` count.
    pub init: usize,
    /// Densities set with `GS ( K … 49 m`.
    pub densities: Vec<i8>,
    /// `ESC p m t1 t2` pulses.
    pub drawer_kicks: Vec<(u8, u8, u8)>,
    /// (bytes per row, rows) of every `GS v 0` band.
    pub bands: Vec<(usize, usize)>,
    /// The raster rows of all bands, concatenated.
    pub raster: Vec<u8>,
    /// `ESC d n` feeds.
    pub feed: Vec<u8>,
    /// `GS V m` cut mode, if any.
    pub cut: Option<u8>,
    /// Commands after the cut (a well-formed job has none).
    pub after_cut: usize,
}

impl DecodedJob {
    /// The raster as a bitmap (the width of the first band; `None` without bands or
    /// with bands of different widths).
    pub fn bitmap(&self) -> Option<Bitmap> {
        let row_bytes = self.bands.first()?.0;
        if row_bytes == 0 || self.bands.iter().any(|(x, _)| *x != row_bytes) {
            return None;
        }
        let height = self.raster.len() / row_bytes;
        let mut bmp = Bitmap::new((row_bytes * 8) as u32, height as u32);
        for y in 0..height {
            for xb in 0..row_bytes {
                let byte = self.raster[y * row_bytes + xb];
                for bit in 0..8 {
                    if byte & (0x80 >> bit) != 0 {
                        bmp.set((xb * 8 + bit) as i64, y as i64);
                    }
                }
            }
        }
        Some(bmp)
    }
}

/// Reads one or more ESC/POS jobs of the commands [`to_escpos`] writes. Anything else
/// (or a truncated command) is an error naming the offset.
///
/// ```
/// use kkm_print::{escpos::{decode, to_escpos, EscPosOptions}, Bitmap};
/// let mut bmp = Bitmap::new(384, 3);
/// bmp.set(5, 1);
/// let job = decode(&to_escpos(&bmp, &EscPosOptions::default())).unwrap();
/// assert_eq!(job.bitmap().unwrap(), bmp);
/// ```
pub fn decode(bytes: &[u8]) -> Result<DecodedJob, crate::PrintError> {
    let mut d = DecodedJob::default();
    let mut i = 0;
    let need = |i: usize, n: usize| {
        if i + n <= bytes.len() {
            Ok(())
        } else {
            Err(crate::PrintError::Decode(format!(
                "truncated command at {i}"
            )))
        }
    };
    while i < bytes.len() {
        if d.cut.is_some() {
            d.after_cut += 1;
        }
        match bytes[i..] {
            [0x1B, 0x40, ..] => {
                d.init += 1;
                i += 2;
            }
            [0x1B, 0x70, ..] => {
                need(i, 5)?;
                d.drawer_kicks
                    .push((bytes[i + 2], bytes[i + 3], bytes[i + 4]));
                i += 5;
            }
            [0x1B, 0x64, ..] => {
                need(i, 3)?;
                d.feed.push(bytes[i + 2]);
                i += 3;
            }
            [0x1D, 0x28, 0x4B, ..] => {
                need(i, 7)?;
                if bytes[i + 3..i + 6] != [0x02, 0x00, 0x31] {
                    return Err(crate::PrintError::Decode(format!(
                        "GS ( K at {i} is not a density command"
                    )));
                }
                d.densities.push(i8::from_le_bytes([bytes[i + 6]]));
                i += 7;
            }
            [0x1D, 0x56, ..] => {
                need(i, 3)?;
                d.cut = Some(bytes[i + 2]);
                i += 3;
            }
            [0x1D, 0x76, 0x30, ..] => {
                need(i, 8)?;
                if bytes[i + 3] != 0 {
                    return Err(crate::PrintError::Decode(format!(
                        "raster mode {} at {i} is not normal",
                        bytes[i + 3]
                    )));
                }
                let x = usize::from(bytes[i + 4]) | usize::from(bytes[i + 5]) << 8;
                let y = usize::from(bytes[i + 6]) | usize::from(bytes[i + 7]) << 8;
                need(i + 8, x * y)?;
                d.bands.push((x, y));
                d.raster.extend_from_slice(&bytes[i + 8..i + 8 + x * y]);
                i += 8 + x * y;
            }
            _ => {
                return Err(crate::PrintError::Decode(format!(
                    "unknown byte {:#04x} at {i}",
                    bytes[i]
                )))
            }
        }
    }
    Ok(d)
}
