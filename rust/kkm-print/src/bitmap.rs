//! Monochrome bitmap rendering with the embedded DejaVu Sans Mono font.
//!
//! The document is formatted on a monospace grid (the same rows as the plain-text
//! renderer), glyphs are rasterised by `fontdue` (pure Rust) and thresholded with the
//! seed's `image_pixel_draw_threshold`; the QR code is drawn module by module.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use qrcode::{Color, EcLevel, QrCode};

use crate::error::PrintError;
use crate::layout::layout;
use crate::model::PrintDocument;
use crate::text::{rows, Row};

/// The embedded font file (DejaVu Sans Mono 2.37, Bitstream Vera licence; see
/// `assets/LICENSE-DejaVu.txt`).
pub static FONT_TTF: &[u8] = include_bytes!("../assets/DejaVuSansMono.ttf");

/// Font size in pixels at `scale` 1.0: 32 columns of 12 px fit the default 384 px.
pub const BASE_FONT_PX: f32 = 20.0;
/// Module (dot) size of the QR code in pixels at `scale` 1.0.
pub const BASE_QR_MODULE_PX: f32 = 4.0;
/// Top and bottom blank margins in pixels at `scale` 1.0.
pub const BASE_MARGIN_PX: f32 = 8.0;

/// The parsed embedded font (parsed once per process).
pub fn font() -> Result<&'static fontdue::Font, PrintError> {
    static FONT: OnceLock<Result<fontdue::Font, String>> = OnceLock::new();
    FONT.get_or_init(|| {
        fontdue::Font::from_bytes(FONT_TTF, fontdue::FontSettings::default())
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| PrintError::Font(e.clone()))
}

/// Image parameters of the seed's GetDocumentImage / TradeOperation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageOptions {
    /// Width in pixels (`image_width`, default 384 for 58 mm paper; 576 for 80 mm).
    pub width: u32,
    /// Scale of fonts and QR (`image_scale`, default 1.0; accepted 0.5..=2.0).
    pub scale: f32,
    /// `image_pixel_draw_threshold` 0..=255, default 128: a pixel is drawn black when its
    /// grey level (0 black … 255 white) is below the threshold, so higher is bolder.
    pub threshold: u8,
}

impl Default for ImageOptions {
    fn default() -> Self {
        ImageOptions {
            width: 384,
            scale: 1.0,
            threshold: 128,
        }
    }
}

impl ImageOptions {
    /// The widths a receipt image may have: the widest receipt printer (112 mm paper at
    /// 203 dpi) is 832 dots; a bound, because one image of 4096 px at scale 4 took
    /// hundreds of megabytes.
    pub const WIDTH_RANGE: std::ops::RangeInclusive<u32> = 128..=1024;
    /// The scales of fonts and QR a receipt image may have.
    pub const SCALE_RANGE: std::ops::RangeInclusive<f32> = 0.5..=2.0;

    /// Checks the ranges: width in [`ImageOptions::WIDTH_RANGE`], scale finite in
    /// [`ImageOptions::SCALE_RANGE`].
    pub fn validate(&self) -> Result<(), PrintError> {
        if !Self::WIDTH_RANGE.contains(&self.width) {
            return Err(PrintError::ImageOptions(format!(
                "image_width {} is outside {}..={}",
                self.width,
                Self::WIDTH_RANGE.start(),
                Self::WIDTH_RANGE.end()
            )));
        }
        if !self.scale.is_finite() || !Self::SCALE_RANGE.contains(&self.scale) {
            return Err(PrintError::ImageOptions(format!(
                "image_scale {} is outside {}..={}",
                self.scale,
                Self::SCALE_RANGE.start(),
                Self::SCALE_RANGE.end()
            )));
        }
        Ok(())
    }
}

/// A 1-bit image: rows packed MSB first, bit 1 = black (the ESC/POS raster convention).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    width: u32,
    height: u32,
    row_bytes: usize,
    data: Vec<u8>,
}

impl Bitmap {
    /// A white bitmap.
    pub fn new(width: u32, height: u32) -> Bitmap {
        let row_bytes = (width as usize).div_ceil(8);
        Bitmap {
            width,
            height,
            row_bytes,
            data: vec![0; row_bytes * height as usize],
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Bytes per packed row (`ceil(width / 8)`).
    pub fn row_bytes(&self) -> usize {
        self.row_bytes
    }

    /// The packed rows, `row_bytes() * height()` bytes, bit 1 = black.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Whether the pixel is black; outside the image is white.
    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let byte = self.data[y as usize * self.row_bytes + (x as usize >> 3)];
        byte & (0x80 >> (x & 7)) != 0
    }

    /// Paints a pixel black; outside the image is ignored.
    pub fn set(&mut self, x: i64, y: i64) {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return;
        }
        let (x, y) = (x as usize, y as usize);
        self.data[y * self.row_bytes + (x >> 3)] |= 0x80 >> (x & 7);
    }

    /// Paints a black rectangle (clipped).
    pub fn fill_rect(&mut self, x: i64, y: i64, w: i64, h: i64) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.set(xx, yy);
            }
        }
    }

    /// Number of black pixels.
    pub fn black_pixels(&self) -> u64 {
        self.data.iter().map(|b| u64::from(b.count_ones())).sum()
    }

    /// Copies `height` rows starting at `top` into a new bitmap (clipped).
    pub fn crop_rows(&self, top: u32, height: u32) -> Bitmap {
        let top = top.min(self.height);
        let height = height.min(self.height - top);
        let start = top as usize * self.row_bytes;
        let end = start + height as usize * self.row_bytes;
        Bitmap {
            width: self.width,
            height,
            row_bytes: self.row_bytes,
            data: self.data[start..end].to_vec(),
        }
    }
}

/// A rasterised glyph: coverage 0..=255 per pixel and its placement.
#[derive(Debug, Clone)]
struct Glyph {
    xmin: i32,
    ymin: i32,
    width: usize,
    height: usize,
    coverage: Vec<u8>,
}

/// Font metrics of a grid at one scale.
#[derive(Debug, Clone, Copy)]
struct Grid {
    px: f32,
    cell_w: u32,
    line_h: u32,
    ascent: i64,
    columns: usize,
    left: i64,
}

/// Renders documents to bitmaps and keeps a cache of rasterised glyphs (reuse it).
#[derive(Debug, Default)]
pub struct BitmapRenderer {
    glyphs: HashMap<(char, u32), Glyph>,
}

impl BitmapRenderer {
    /// An empty renderer.
    pub fn new() -> Self {
        Self::default()
    }

    fn grid(&self, opts: &ImageOptions) -> Result<Grid, PrintError> {
        let font = font()?;
        let px = BASE_FONT_PX * opts.scale;
        let advance = font.metrics('0', px).advance_width;
        let cell_w = (advance.floor() as u32).max(1);
        let (ascent, line_h) = match font.horizontal_line_metrics(px) {
            Some(m) => (m.ascent.ceil() as i64, (m.ascent - m.descent).ceil() as u32),
            None => ((px * 0.8).ceil() as i64, (px * 1.2).ceil() as u32),
        };
        let columns = (opts.width / cell_w) as usize;
        let left = i64::from(opts.width - columns as u32 * cell_w) / 2;
        Ok(Grid {
            px,
            cell_w,
            line_h: line_h.max(1),
            ascent,
            columns,
            left,
        })
    }

    /// Number of text columns that fit in `opts.width` at `opts.scale`
    /// (32 at the defaults, 48 at 576 px).
    pub fn columns(&self, opts: &ImageOptions) -> Result<usize, PrintError> {
        opts.validate()?;
        Ok(self.grid(opts)?.columns)
    }

    fn glyph(&mut self, ch: char, px: f32) -> Result<&Glyph, PrintError> {
        let font = font()?;
        let key = (ch, px.to_bits());
        Ok(self.glyphs.entry(key).or_insert_with(|| {
            let (m, coverage) = font.rasterize(ch, px);
            Glyph {
                xmin: m.xmin,
                ymin: m.ymin,
                width: m.width,
                height: m.height,
                coverage,
            }
        }))
    }

    /// Renders a document: the layout is formatted to as many columns as fit.
    pub fn render(
        &mut self,
        doc: &PrintDocument,
        opts: &ImageOptions,
    ) -> Result<Bitmap, PrintError> {
        opts.validate()?;
        let grid = self.grid(opts)?;
        let rows = rows(&layout(doc), grid.columns);
        let module = ((BASE_QR_MODULE_PX * opts.scale).round() as u32).max(1);
        let margin = (BASE_MARGIN_PX * opts.scale).round() as u32;

        // Encode QR codes first to know the height.
        let mut codes = Vec::new();
        let mut height = 2 * margin;
        for row in &rows {
            match row {
                Row::Text { .. } => height += grid.line_h,
                Row::Qr(payload) => {
                    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
                        .map_err(|e| PrintError::Qr(e.to_string()))?;
                    let modules = code.width() as u32;
                    // Quiet zone of 2 modules each side; shrink the module if needed.
                    let mut m = module;
                    while m > 1 && (modules + 4) * m > opts.width {
                        m -= 1;
                    }
                    height += (modules + 4) * m;
                    codes.push((code, m));
                }
            }
        }

        let mut bmp = Bitmap::new(opts.width, height);
        // Coverage above this is drawn: grey = 255 - coverage < threshold.
        let limit = 255u8 - opts.threshold;
        let mut y = i64::from(margin);
        let mut qr_index = 0;
        for row in &rows {
            match row {
                Row::Text { text, bold } => {
                    let baseline = y + grid.ascent;
                    for (col, ch) in text.chars().enumerate() {
                        if ch == ' ' {
                            continue;
                        }
                        let x0 = grid.left + (col as i64) * i64::from(grid.cell_w);
                        let g = self.glyph(ch, grid.px)?;
                        blit(&mut bmp, g, x0, baseline, limit, *bold);
                    }
                    y += i64::from(grid.line_h);
                }
                Row::Qr(_) => {
                    if let Some((code, m)) = codes.get(qr_index) {
                        let modules = code.width();
                        let size = (modules as u32 + 4) * m;
                        let x0 = i64::from(opts.width.saturating_sub(size) / 2) + 2 * i64::from(*m);
                        let y0 = y + 2 * i64::from(*m);
                        for (i, color) in code.to_colors().iter().enumerate() {
                            if *color == Color::Dark {
                                let (mx, my) = ((i % modules) as i64, (i / modules) as i64);
                                bmp.fill_rect(
                                    x0 + mx * i64::from(*m),
                                    y0 + my * i64::from(*m),
                                    i64::from(*m),
                                    i64::from(*m),
                                );
                            }
                        }
                        y += i64::from(size);
                    }
                    qr_index += 1;
                }
            }
        }
        Ok(bmp)
    }

    /// Renders one character alone in a cell of the default size; used to check that a
    /// letter has a real glyph (not the `.notdef` box).
    pub fn glyph_bitmap(&mut self, ch: char, opts: &ImageOptions) -> Result<Bitmap, PrintError> {
        opts.validate()?;
        let grid = self.grid(opts)?;
        let mut bmp = Bitmap::new(grid.cell_w * 2, grid.line_h);
        let limit = 255u8 - opts.threshold;
        let g = self.glyph(ch, grid.px)?;
        blit(
            &mut bmp,
            g,
            i64::from(grid.cell_w) / 2,
            grid.ascent,
            limit,
            false,
        );
        Ok(bmp)
    }
}

fn blit(bmp: &mut Bitmap, g: &Glyph, x0: i64, baseline: i64, limit: u8, bold: bool) {
    let top = baseline - i64::from(g.ymin) - g.height as i64;
    let left = x0 + i64::from(g.xmin);
    for gy in 0..g.height {
        let row = &g.coverage[gy * g.width..(gy + 1) * g.width];
        for (gx, &c) in row.iter().enumerate() {
            if c > limit {
                let (x, y) = (left + gx as i64, top + gy as i64);
                bmp.set(x, y);
                if bold {
                    bmp.set(x + 1, y);
                }
            }
        }
    }
}

thread_local! {
    static RENDERER: RefCell<BitmapRenderer> = RefCell::new(BitmapRenderer::new());
}

/// Renders a document to a bitmap with a per-thread glyph cache.
///
/// ```
/// use kkm_print::{render_bitmap, ImageOptions, model::{Language, PrintDocument}};
/// let page = PrintDocument::TestPage { language: Language::Ru, note: String::new() };
/// let bmp = render_bitmap(&page, &ImageOptions::default()).unwrap();
/// assert_eq!(bmp.width(), 384);
/// ```
pub fn render_bitmap(doc: &PrintDocument, opts: &ImageOptions) -> Result<Bitmap, PrintError> {
    RENDERER.with(|r| match r.try_borrow_mut() {
        Ok(mut r) => r.render(doc, opts),
        Err(_) => BitmapRenderer::new().render(doc, opts),
    })
}
