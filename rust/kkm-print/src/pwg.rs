//! PWG raster (PWG 5102.4, MIME `image/pwg-raster`): the page format a CUPS queue of an
//! ordinary (driverless, IPP Everywhere) printer takes as it is, with no filter from
//! `cups-filters` (PNG and PDF both need one). One page, 1-bit black (`ColorSpace` 3,
//! `BitsPerColor` 1, bit 1 = black: our [`Bitmap`] rows as they are), 203 dpi, rows
//! packed with the format's PackBits-like run-length scheme.
//!
//! ```
//! use kkm_print::{pwg, Bitmap};
//! let page = pwg::to_pwg_raster(&Bitmap::new(384, 10));
//! assert_eq!(&page[..4], b"RaS2");
//! assert_eq!(pwg::decode(&page).unwrap(), Bitmap::new(384, 10));
//! ```

use crate::bitmap::Bitmap;
use crate::error::PrintError;

/// Resolution of receipt printers (dots per inch).
pub const DPI: u32 = 203;
/// Size of the page header after the sync word.
pub const HEADER_LEN: usize = 1796;
/// The MIME type CUPS knows the format by.
pub const MIME: &str = "image/pwg-raster";

fn put_u32(header: &mut [u8], offset: usize, value: u32) {
    header[offset..offset + 4].copy_from_slice(&value.to_be_bytes());
}

fn put_str(header: &mut [u8], offset: usize, value: &str) {
    let bytes = value.as_bytes();
    let n = bytes.len().min(63);
    header[offset..offset + n].copy_from_slice(&bytes[..n]);
}

fn get_u32(header: &[u8], offset: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&header[offset..offset + 4]);
    u32::from_be_bytes(b)
}

/// The page header (offsets of `cups_page_header2_t`, which PWG raster shares).
fn header(bitmap: &Bitmap) -> Vec<u8> {
    let mut h = vec![0u8; HEADER_LEN];
    let (w, ht) = (bitmap.width(), bitmap.height());
    put_str(&mut h, 0, "PwgRaster"); // MediaClass
    put_u32(&mut h, 276, DPI); // HWResolution
    put_u32(&mut h, 280, DPI);
    put_u32(&mut h, 340, 1); // NumCopies
    put_u32(&mut h, 352, w * 72 / DPI); // PageSize in points
    put_u32(&mut h, 356, ht * 72 / DPI);
    put_u32(&mut h, 372, w); // cupsWidth
    put_u32(&mut h, 376, ht); // cupsHeight
    put_u32(&mut h, 384, 1); // cupsBitsPerColor
    put_u32(&mut h, 388, 1); // cupsBitsPerPixel
    put_u32(&mut h, 392, bitmap.row_bytes() as u32); // cupsBytesPerLine
    put_u32(&mut h, 396, 0); // cupsColorOrder: chunky
    put_u32(&mut h, 400, 3); // cupsColorSpace: black
    put_u32(&mut h, 420, 1); // cupsNumColors
    put_u32(&mut h, 452, 1); // TotalPageCount
    put_u32(&mut h, 452 + 4, 1); // CrossFeedTransform
    put_u32(&mut h, 452 + 8, 1); // FeedTransform
    put_u32(&mut h, 452 + 20, w); // ImageBoxRight
    put_u32(&mut h, 452 + 24, ht); // ImageBoxBottom
    let mm = w * 254 / (DPI * 10);
    put_str(
        &mut h,
        1732,
        &format!("roll_max_{mm}x{}mm", ht * 254 / (DPI * 10)),
    );
    h
}

/// Packs one row: runs of a repeated byte (`n - 1`, then the byte) and literals
/// (`257 - n`, then `n` bytes).
fn pack_row(row: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < row.len() {
        let mut run = 1;
        while i + run < row.len() && run < 128 && row[i + run] == row[i] {
            run += 1;
        }
        if run >= 2 || i + 1 == row.len() {
            out.push((run - 1) as u8);
            out.push(row[i]);
            i += run;
            continue;
        }
        let start = i;
        let mut n = 0;
        while i < row.len() && n < 128 && !(i + 1 < row.len() && row[i + 1] == row[i]) {
            i += 1;
            n += 1;
        }
        if n == 1 {
            out.push(0);
            out.push(row[start]);
        } else {
            out.push((257 - n) as u8);
            out.extend_from_slice(&row[start..start + n]);
        }
    }
}

/// Encodes a bitmap as a one-page PWG raster stream.
pub fn to_pwg_raster(bitmap: &Bitmap) -> Vec<u8> {
    let row_bytes = bitmap.row_bytes();
    let mut out = Vec::with_capacity(4 + HEADER_LEN + bitmap.data().len() / 2);
    out.extend_from_slice(b"RaS2");
    out.extend_from_slice(&header(bitmap));
    let rows: Vec<&[u8]> = if row_bytes == 0 {
        Vec::new()
    } else {
        bitmap.data().chunks(row_bytes).collect()
    };
    let mut y = 0;
    while y < rows.len() {
        let mut repeat = 1;
        while y + repeat < rows.len() && repeat < 256 && rows[y + repeat] == rows[y] {
            repeat += 1;
        }
        out.push((repeat - 1) as u8);
        pack_row(rows[y], &mut out);
        y += repeat;
    }
    out
}

/// Decodes a one-page, 1-bit PWG raster stream (what [`to_pwg_raster`] writes) back to
/// a bitmap: for tests, and to check a stream before it is sent.
pub fn decode(stream: &[u8]) -> Result<Bitmap, PrintError> {
    let bad = |why: &str| PrintError::Decode(format!("PWG raster: {why}"));
    if stream.len() < 4 + HEADER_LEN || &stream[..4] != b"RaS2" {
        return Err(bad("no RaS2 sync word and header"));
    }
    let h = &stream[4..4 + HEADER_LEN];
    let (w, ht, bpp, bpl) = (
        get_u32(h, 372),
        get_u32(h, 376),
        get_u32(h, 388),
        get_u32(h, 392) as usize,
    );
    if bpp != 1 || bpl != (w as usize).div_ceil(8) || w == 0 || w > 1 << 16 || ht > 1 << 20 {
        return Err(bad("not a 1-bit page of a sane size"));
    }
    let mut data = Vec::with_capacity(bpl * ht as usize);
    let mut p = 4 + HEADER_LEN;
    let byte = |p: usize| stream.get(p).copied().ok_or_else(|| bad("truncated"));
    while data.len() < bpl * ht as usize {
        let repeat = usize::from(byte(p)?) + 1;
        p += 1;
        let mut row = Vec::with_capacity(bpl);
        while row.len() < bpl {
            let n = byte(p)?;
            p += 1;
            if n < 128 {
                let v = byte(p)?;
                p += 1;
                row.extend(std::iter::repeat_n(v, usize::from(n) + 1));
            } else if n == 128 {
                return Err(bad("reserved run code 128"));
            } else {
                let count = 257 - usize::from(n);
                let lit = stream.get(p..p + count).ok_or_else(|| bad("truncated"))?;
                row.extend_from_slice(lit);
                p += count;
            }
        }
        if row.len() != bpl {
            return Err(bad("a run crosses the end of a row"));
        }
        for _ in 0..repeat {
            data.extend_from_slice(&row);
        }
    }
    if data.len() != bpl * ht as usize || p != stream.len() {
        return Err(bad("rows do not add up to the page"));
    }
    let mut bmp = Bitmap::new(w, ht);
    for y in 0..ht as usize {
        for x in 0..w as usize {
            if data[y * bpl + (x >> 3)] & (0x80 >> (x & 7)) != 0 {
                bmp.set(x as i64, y as i64);
            }
        }
    }
    Ok(bmp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Language, PrintDocument};
    use crate::sample::seed_sale;
    use crate::{render_bitmap, ImageOptions};

    #[test]
    fn a_receipt_round_trips_and_is_smaller_than_raw() {
        let doc = PrintDocument::Receipt(seed_sale(Language::Kk));
        let bmp = render_bitmap(&doc, &ImageOptions::default()).unwrap();
        let page = to_pwg_raster(&bmp);
        assert!(page.len() < bmp.data().len());
        assert_eq!(decode(&page).unwrap(), bmp);
        assert_eq!(get_u32(&page[4..], 400), 3);
        assert_eq!(&page[4..13], b"PwgRaster");
    }

    #[test]
    fn odd_rows_round_trip_and_junk_is_refused() {
        let mut bmp = Bitmap::new(130, 7);
        for i in 0..130 {
            bmp.set(i, i % 7);
            bmp.set((i * 7) % 130, 3);
        }
        assert_eq!(decode(&to_pwg_raster(&bmp)).unwrap(), bmp);
        let page = to_pwg_raster(&bmp);
        assert!(decode(&page[..page.len() - 1]).is_err());
        assert!(decode(b"RaS2").is_err());
        let mut extra = page.clone();
        extra.push(0);
        assert!(decode(&extra).is_err());
    }
}
