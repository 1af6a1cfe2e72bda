//! Seeded generator of synthetic camera frames — for tests and the benchmark only.
//!
//! Real Kazakh marking codes (GS1 DataMatrix with FNC1 and GS separators), receipt QR
//! codes and product barcodes are encoded with rxing's writers, then "photographed": put
//! on a white label in a busy 1280×720 scene under a random perspective and rotation, with
//! small module sizes, blur, sensor noise, glare, uneven light, low contrast and sometimes
//! inverted ink (laser-etched cans). Everything is driven by one `u64` seed, so a frame set
//! is reproducible across runs and machines, and the benchmark can write the very same
//! images for zxing-cpp and ZXing Java.
//!
//! This is not a model of any particular camera; it is a stress set whose decode *rate*
//! tells one strategy from another.

use rxing::{BarcodeFormat, EncodeHintValue, EncodeHints, MultiFormatWriter, Writer};

use crate::frame::OwnedLuma;
use crate::geom::Homography;
use crate::Symbology;

mod camera;
pub mod diag;
pub use camera::{camera_frame, photograph, Camera, Category, Glare};

/// Width of generated frames (a CameraX 720p analysis frame).
pub const FRAME_WIDTH: u32 = 1280;
/// Height of generated frames.
pub const FRAME_HEIGHT: u32 = 720;

/// A tiny, fast, seeded PRNG (SplitMix64). Good enough for test images; not for keys.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform integer in `[0, n)`; `n` must be non-zero.
    pub fn below(&mut self, n: u32) -> u32 {
        (((self.next_u64() >> 32) * u64::from(n)) >> 32) as u32
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f32) -> bool {
        self.unit() < p
    }

    /// Approximately normal(0, 1) (sum of four uniforms, rescaled).
    pub fn gauss(&mut self) -> f32 {
        (self.unit() + self.unit() + self.unit() + self.unit() - 2.0) * 1.732
    }
}

/// What a synthetic frame shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// A Kazakh tobacco-pack mark: 01 GTIN-14, 21 13-char serial, GS, 91 4 chars, GS, 92 44 chars.
    TobaccoPack,
    /// A shorter mark: 01 GTIN-14, 21 serial, GS, 93 4-char verification code.
    ShortMark,
    /// A block-style mark with a price: 01, 21 (7 chars), GS, 8005 price, GS, 93.
    BlockWithPrice,
    /// The OFD receipt-check URL as a QR code.
    ReceiptQr,
    /// An EAN-13 product barcode.
    Ean13,
    /// A Code 128 label.
    Code128,
}

/// How hard the photograph is. The ranges are chosen so that a plain single-pass decoder
/// misses a good share of `Hard` frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Difficulty {
    /// Large modules, mild blur and noise, small tilt.
    Easy,
    /// The full mix: small modules, perspective, blur, noise, glare, low contrast, inversion.
    Hard,
}

/// One generated frame with the text that was encoded in it.
#[derive(Debug, Clone)]
pub struct SynthFrame {
    /// The 1280×720 luma frame.
    pub luma: OwnedLuma,
    /// The exact decoded text a perfect reader returns (GS1 marks: GS separators, no FNC1).
    pub text: String,
    /// Symbology of the code in the frame.
    pub symbology: Symbology,
    /// Human-readable summary of the distortions applied (for failure reports).
    pub recipe: String,
    /// The category of the hard camera set ([`camera_frame`]); `None` for [`frame`].
    pub category: Option<Category>,
    /// Where the symbol's module grid landed: the corners of its modules (0,0), (w,0),
    /// (w,h), (0,h) in frame pixels — top-left, top-right, bottom-right and the
    /// L-corner at the bottom left. Known for [`camera_frame`] only.
    pub corners: Option<[(f64, f64); 4]>,
}

const CSET82_SAFE: &[u8] =
    b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn pick(rng: &mut Rng, set: &[u8], n: usize) -> String {
    (0..n)
        .map(|_| set[rng.below(set.len() as u32) as usize] as char)
        .collect()
}

/// A random valid GTIN-14 (indicator 0, Kazakh GS1 prefix 487).
pub fn random_gtin14(rng: &mut Rng) -> String {
    let mut s = String::from("0487");
    for _ in 0..9 {
        s.push(char::from(b'0' + rng.below(10) as u8));
    }
    let check = crate::gs1::gtin_check_digit(s.as_bytes()).unwrap_or(0);
    s.push(char::from(b'0' + check));
    s
}

/// A random marking code of the given kind, as a reader returns it (GS = 0x1D).
pub fn random_mark(rng: &mut Rng, kind: Payload) -> String {
    let gtin = random_gtin14(rng);
    match kind {
        Payload::ShortMark => format!(
            "01{gtin}21{}\u{1d}93{}",
            pick(rng, CSET82_SAFE, 13),
            pick(rng, ALNUM, 4)
        ),
        Payload::BlockWithPrice => format!(
            "01{gtin}21{}\u{1d}8005{:06}\u{1d}93{}",
            pick(rng, CSET82_SAFE, 7),
            rng.below(1_000_000),
            pick(rng, ALNUM, 4)
        ),
        _ => format!(
            "01{gtin}21{}\u{1d}91{}\u{1d}92{}",
            pick(rng, CSET82_SAFE, 13),
            pick(rng, ALNUM, 4),
            pick(rng, B64, 44)
        ),
    }
}

pub(crate) fn random_text(rng: &mut Rng, kind: Payload) -> String {
    match kind {
        Payload::TobaccoPack | Payload::ShortMark | Payload::BlockWithPrice => {
            random_mark(rng, kind)
        }
        Payload::ReceiptQr => format!(
            "https://consumer.oofd.kz/?i={}&f={}&s={},{:02}&t=2025{:02}{:02}T{:02}{:02}{:02}",
            1_000_000_000u64 + u64::from(rng.below(1_000_000_000)),
            600_000_000_000u64 + u64::from(rng.below(1_000_000_000)),
            rng.below(200_000),
            rng.below(100),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60)
        ),
        Payload::Ean13 => {
            let g = random_gtin14(rng);
            g[1..].to_string()
        }
        Payload::Code128 => {
            let n = 6 + rng.below(8) as usize;
            pick(rng, ALNUM, n)
        }
    }
}

/// Encodes `text` as module matrix (`true` = dark), row-major, with its width and height.
/// 1-D codes come back as one row. GS1 marks (text starting with `01`) go through
/// [`encode_gs1_datamatrix`].
pub fn encode_modules(text: &str, symbology: Symbology) -> Option<(Vec<bool>, u32, u32)> {
    if symbology == Symbology::DataMatrix && text.starts_with("01") {
        return encode_gs1_datamatrix(text);
    }
    let (format, hints) = match symbology {
        Symbology::DataMatrix => (
            BarcodeFormat::DATA_MATRIX,
            EncodeHints::default()
                .with(EncodeHintValue::Margin("0".into()))
                .with(EncodeHintValue::DataMatrixShape(
                    rxing::datamatrix::encoder::SymbolShapeHint::FORCE_SQUARE,
                )),
        ),
        Symbology::QrCode => (
            BarcodeFormat::QR_CODE,
            EncodeHints::default()
                .with(EncodeHintValue::Margin("0".into()))
                .with(EncodeHintValue::ErrorCorrection("M".into())),
        ),
        Symbology::Ean13 => (
            BarcodeFormat::EAN_13,
            EncodeHints::default().with(EncodeHintValue::Margin("0".into())),
        ),
        Symbology::Code128 => (
            BarcodeFormat::CODE_128,
            EncodeHints::default().with(EncodeHintValue::Margin("0".into())),
        ),
        Symbology::Ean8 | Symbology::UpcA => return None,
    };
    let m = MultiFormatWriter
        .encode_with_hints(text, &format, 0, 0, &hints)
        .ok()?;
    let (w, h) = (m.getWidth(), m.getHeight());
    let rows = if symbology.is_linear() { 1 } else { h };
    let mut out = Vec::with_capacity((w * rows) as usize);
    for y in 0..rows {
        for x in 0..w {
            out.push(m.get(x, y));
        }
    }
    Some((out, w, rows))
}

/// A test-only GS1 DataMatrix encoder: ASCII encodation with a leading FNC1 (codeword
/// 232) and FNC1 for every GS, digit pairs packed (130 + nn), the ECC 200 pad sequence;
/// then rxing's Reed–Solomon and module placement. (rxing 0.9.3's own GS1 path, the
/// minimal encoder, trips an internal assertion on some serials, so we do not use it.)
/// Square symbols only.
pub fn encode_gs1_datamatrix(text: &str) -> Option<(Vec<bool>, u32, u32)> {
    use rxing::datamatrix::encoder::{
        error_correction, DefaultPlacement, SymbolInfoLookup, SymbolShapeHint,
    };
    let b = text.as_bytes();
    let mut cw: Vec<u8> = vec![232];
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == 0x1d {
            cw.push(232);
            i += 1;
        } else if c.is_ascii_digit() && i + 1 < b.len() && b[i + 1].is_ascii_digit() {
            cw.push(130 + (c - b'0') * 10 + (b[i + 1] - b'0'));
            i += 2;
        } else if c < 128 {
            cw.push(c + 1);
            i += 1;
        } else {
            return None;
        }
    }
    let lookup = SymbolInfoLookup::new();
    let info = lookup
        .lookup_with_codewords_shape_size_fail(
            cw.len() as u32,
            SymbolShapeHint::FORCE_SQUARE,
            &None,
            &None,
            false,
        )
        .ok()??;
    let capacity = info.getDataCapacity() as usize;
    if cw.len() < capacity {
        cw.push(129);
    }
    while cw.len() < capacity {
        let pos = cw.len() + 1;
        let mut pad = 129 + ((149 * pos) % 253) + 1;
        if pad > 254 {
            pad -= 254;
        }
        cw.push(pad as u8);
    }
    let data: String = cw.iter().map(|&c| char::from(c)).collect();
    let full = error_correction::encodeECC200(&data, info).ok()?;
    let (dw, dh) = (
        info.getSymbolDataWidth().ok()? as usize,
        info.getSymbolDataHeight().ok()? as usize,
    );
    let mut placement = DefaultPlacement::new(full, dw, dh);
    placement.place().ok()?;
    let (sw, sh) = (
        info.getSymbolWidth().ok()? as usize,
        info.getSymbolHeight().ok()? as usize,
    );
    // Data regions per side for square ECC 200 symbols.
    let regions = match sw {
        0..=26 => 1,
        27..=52 => 2,
        53..=104 => 4,
        _ => 6,
    };
    let (rw, rh) = (dw / regions, dh / regions);
    let mut m = vec![false; sw * sh];
    for y in 0..sh {
        let (ry, iy) = (y / (rh + 2), y % (rh + 2));
        for x in 0..sw {
            let (rx, ix) = (x / (rw + 2), x % (rw + 2));
            let v = if ix == 0 || iy == rh + 1 {
                true // solid L: left column and bottom row of each region
            } else if iy == 0 {
                ix % 2 == 0 // clock track on top
            } else if ix == rw + 1 {
                iy % 2 == 1 // clock track on the right
            } else {
                placement.getBit(rx * rw + ix - 1, ry * rh + iy - 1)
            };
            m[y * sw + x] = v;
        }
    }
    Some((m, sw as u32, sh as u32))
}

/// Parameters of one photograph; drawn from the seed, kept for the failure report.
#[derive(Debug, Clone)]
struct Shot {
    module_px: f32,
    angle_deg: f32,
    perspective: f32,
    blur_radius: u32,
    blur_passes: u32,
    noise_sigma: f32,
    ink: f32,
    paper: f32,
    inverted: bool,
    glare: bool,
    light_gradient: f32,
    quiet_modules: f32,
}

impl Shot {
    fn draw(rng: &mut Rng, difficulty: Difficulty, linear: bool) -> Shot {
        match difficulty {
            Difficulty::Easy => Shot {
                module_px: if linear {
                    rng.range(2.5, 4.0)
                } else {
                    rng.range(4.0, 7.0)
                },
                angle_deg: rng.range(-15.0, 15.0),
                perspective: rng.range(0.0, 0.04),
                blur_radius: 1,
                blur_passes: rng.below(2),
                noise_sigma: rng.range(0.0, 4.0),
                ink: rng.range(20.0, 60.0),
                paper: rng.range(190.0, 240.0),
                inverted: false,
                glare: false,
                light_gradient: rng.range(0.0, 0.2),
                quiet_modules: 2.0,
            },
            Difficulty::Hard => {
                let low_contrast = rng.chance(0.25);
                let (ink, paper) = if low_contrast {
                    let mid = rng.range(90.0, 160.0);
                    let half = rng.range(14.0, 30.0);
                    (mid - half, mid + half)
                } else {
                    (rng.range(10.0, 80.0), rng.range(150.0, 250.0))
                };
                Shot {
                    module_px: if linear {
                        rng.range(1.6, 3.5)
                    } else {
                        rng.range(2.0, 6.5)
                    },
                    angle_deg: if linear {
                        rng.range(-40.0, 40.0)
                    } else {
                        rng.range(0.0, 360.0)
                    },
                    perspective: rng.range(0.0, 0.14),
                    blur_radius: 1 + rng.below(2),
                    blur_passes: rng.below(3),
                    noise_sigma: rng.range(0.0, 14.0),
                    ink,
                    paper,
                    inverted: !linear && rng.chance(0.12),
                    glare: rng.chance(0.3),
                    light_gradient: rng.range(0.0, 0.6),
                    quiet_modules: rng.range(1.0, 3.0),
                }
            }
        }
    }

    fn summary(&self) -> String {
        format!(
            "module {:.1}px, angle {:.0}°, perspective {:.2}, blur r{}×{}, noise σ{:.1}, ink {:.0}/paper {:.0}{}{}, light grad {:.2}, quiet {:.1}",
            self.module_px,
            self.angle_deg,
            self.perspective,
            self.blur_radius,
            self.blur_passes,
            self.noise_sigma,
            self.ink,
            self.paper,
            if self.inverted { ", inverted" } else { "" },
            if self.glare { ", glare" } else { "" },
            self.light_gradient,
            self.quiet_modules
        )
    }
}

/// Fills `img` with a busy "packaging" scene: gradients, blocks, discs and text-like strokes.
pub(crate) fn busy_background(rng: &mut Rng, img: &mut [u8], w: usize, h: usize) {
    let base = rng.range(60.0, 200.0);
    let gx = rng.range(-0.08, 0.08);
    let gy = rng.range(-0.1, 0.1);
    for y in 0..h {
        for x in 0..w {
            let v = base + gx * x as f32 + gy * y as f32;
            img[y * w + x] = v.clamp(0.0, 255.0) as u8;
        }
    }
    // Coloured panels of the pack design.
    for _ in 0..18 {
        let (rw, rh) = (
            rng.range(40.0, 500.0) as usize,
            rng.range(20.0, 300.0) as usize,
        );
        let (x0, y0) = (rng.below(w as u32) as usize, rng.below(h as u32) as usize);
        let v = rng.below(256) as u8;
        for y in y0..(y0 + rh).min(h) {
            img[y * w + x0..y * w + (x0 + rw).min(w)].fill(v);
        }
    }
    // Discs (logos).
    for _ in 0..8 {
        let (cx, cy, r) = (
            rng.range(0.0, w as f32),
            rng.range(0.0, h as f32),
            rng.range(10.0, 90.0),
        );
        let v = rng.below(256) as u8;
        let (y0, y1) = ((cy - r).max(0.0) as usize, ((cy + r) as usize).min(h));
        let (x0, x1) = ((cx - r).max(0.0) as usize, ((cx + r) as usize).min(w));
        for y in y0..y1 {
            for x in x0..x1 {
                let (dx, dy) = (x as f32 - cx, y as f32 - cy);
                if dx * dx + dy * dy < r * r {
                    img[y * w + x] = v;
                }
            }
        }
    }
    // Text-like strokes: rows of short dark/light dashes (warnings, small print).
    for _ in 0..10 {
        let (x0, y0) = (rng.below(w as u32) as usize, rng.below(h as u32) as usize);
        let lines = 1 + rng.below(6) as usize;
        let glyph_h = 4 + rng.below(10) as usize;
        let v = rng.below(256) as u8;
        for l in 0..lines {
            let mut x = x0;
            let yy = y0 + l * (glyph_h + 3);
            let end = (x0 + rng.below(400) as usize).min(w);
            while x < end {
                let gw = 1 + rng.below(4) as usize;
                for y in yy..(yy + glyph_h).min(h) {
                    for px in x..(x + gw).min(w) {
                        img[y * w + px] = v;
                    }
                }
                x += gw + 1 + rng.below(4) as usize;
            }
        }
    }
}

/// Separable box blur with radius `r`, in place.
fn box_blur(img: &mut [u8], w: usize, h: usize, r: usize) {
    if r == 0 {
        return;
    }
    let mut tmp = vec![0u8; img.len()];
    let win = (2 * r + 1) as u32;
    for y in 0..h {
        let row = &img[y * w..(y + 1) * w];
        let mut acc: u32 = 0;
        for i in 0..=2 * r {
            acc += u32::from(row[i.saturating_sub(r).min(w - 1)]);
        }
        for x in 0..w {
            tmp[y * w + x] = (acc / win) as u8;
            let add = (x + r + 1).min(w - 1);
            let sub = x.saturating_sub(r);
            acc = acc + u32::from(row[add]) - u32::from(row[sub]);
        }
    }
    for x in 0..w {
        let mut acc: u32 = 0;
        for i in 0..=2 * r {
            acc += u32::from(tmp[i.saturating_sub(r).min(h - 1) * w + x]);
        }
        for y in 0..h {
            img[y * w + x] = (acc / win) as u8;
            let add = (y + r + 1).min(h - 1);
            let sub = y.saturating_sub(r);
            acc = acc + u32::from(tmp[add * w + x]) - u32::from(tmp[sub * w + x]);
        }
    }
}

/// Generates frame number `index` of the set `seed` (the same pair gives the same frame).
pub fn frame(seed: u64, index: u32, payloads: &[Payload], difficulty: Difficulty) -> SynthFrame {
    let mut rng = Rng::new(seed ^ (u64::from(index).wrapping_mul(0xA24B_AED4_963E_E407)));
    let kind = if payloads.is_empty() {
        Payload::TobaccoPack
    } else {
        payloads[rng.below(payloads.len() as u32) as usize]
    };
    let symbology = match kind {
        Payload::ReceiptQr => Symbology::QrCode,
        Payload::Ean13 => Symbology::Ean13,
        Payload::Code128 => Symbology::Code128,
        _ => Symbology::DataMatrix,
    };
    let text = random_text(&mut rng, kind);
    let (modules, mw, mh) = encode_modules(&text, symbology).unwrap_or((vec![false], 1, 1));
    let linear = symbology.is_linear();
    let shot = Shot::draw(&mut rng, difficulty, linear);

    let (w, h) = (FRAME_WIDTH as usize, FRAME_HEIGHT as usize);
    let mut img = vec![0u8; w * h];
    busy_background(&mut rng, &mut img, w, h);

    // Symbol plane in module units, including the quiet zone; 1-D codes get a height.
    let q = if linear { 10.0 } else { shot.quiet_modules };
    let sym_w = mw as f32 + 2.0 * q;
    let bar_h = if linear {
        (mw as f32 * 0.45).max(20.0)
    } else {
        mh as f32
    };
    let sym_h = bar_h + 2.0 * q;
    let (pw, ph) = (sym_w * shot.module_px, sym_h * shot.module_px);
    let half_diag = 0.5 * (pw * pw + ph * ph).sqrt();
    let cx = rng.range(
        half_diag + 4.0,
        (w as f32 - half_diag - 4.0).max(half_diag + 5.0),
    );
    let cy = rng.range(
        half_diag + 4.0,
        (h as f32 - half_diag - 4.0).max(half_diag + 5.0),
    );
    let (s, c) = shot.angle_deg.to_radians().sin_cos();
    let mut quad = [(0.0f32, 0.0f32); 4];
    for (i, (ux, uy)) in [(-0.5f32, -0.5f32), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)]
        .iter()
        .enumerate()
    {
        let (lx, ly) = (ux * pw, uy * ph);
        let jx = rng.gauss() * shot.perspective * pw * 0.5;
        let jy = rng.gauss() * shot.perspective * ph * 0.5;
        quad[i] = (cx + c * lx - s * ly + jx, cy + s * lx + c * ly + jy);
    }
    let quad64 = quad.map(|(x, y)| (f64::from(x), f64::from(y)));
    let Some(to_plane) = Homography::square_to_quad(quad64).map(|h| h.inverse()) else {
        return SynthFrame {
            luma: OwnedLuma::from_vec(img, FRAME_WIDTH, FRAME_HEIGHT)
                .unwrap_or_else(|_| OwnedLuma::blank(FRAME_WIDTH, FRAME_HEIGHT)),
            text,
            symbology,
            recipe: format!("{kind:?}: degenerate quad"),
            category: None,
            corners: None,
        };
    };
    let (minx, maxx) = quad
        .iter()
        .fold((f32::MAX, f32::MIN), |a, p| (a.0.min(p.0), a.1.max(p.0)));
    let (miny, maxy) = quad
        .iter()
        .fold((f32::MAX, f32::MIN), |a, p| (a.0.min(p.1), a.1.max(p.1)));
    let (ink, paper) = if shot.inverted {
        (shot.paper, shot.ink)
    } else {
        (shot.ink, shot.paper)
    };
    // The label is drawn with 2×2 supersampling for anti-aliased module edges.
    const SUB: [f32; 2] = [0.25, 0.75];
    for y in (miny.max(0.0) as usize)..((maxy.ceil() as usize + 1).min(h)) {
        for x in (minx.max(0.0) as usize)..((maxx.ceil() as usize + 1).min(w)) {
            let mut sum = 0.0;
            let mut inside = 0;
            for sy in SUB {
                for sx in SUB {
                    let (u, v) = to_plane.apply(f64::from(x as f32 + sx), f64::from(y as f32 + sy));
                    let (u, v) = (u as f32, v as f32);
                    if !(0.0..1.0).contains(&u) || !(0.0..1.0).contains(&v) {
                        sum += f32::from(img[y * w + x]);
                        continue;
                    }
                    inside += 1;
                    let mx = u * sym_w - q;
                    let my = v * sym_h - q;
                    let dark = mx >= 0.0
                        && my >= 0.0
                        && (mx as u32) < mw
                        && my < bar_h
                        && modules[if linear {
                            mx as usize
                        } else {
                            (my as usize) * mw as usize + mx as usize
                        }];
                    sum += if dark { ink } else { paper };
                }
            }
            if inside > 0 {
                img[y * w + x] = (sum / 4.0) as u8;
            }
        }
    }

    // Uneven light: a multiplicative ramp in a random direction.
    if shot.light_gradient > 0.01 {
        let a = rng.range(0.0, std::f32::consts::TAU);
        let (dx, dy) = (a.cos() / w as f32, a.sin() / h as f32);
        for y in 0..h {
            for x in 0..w {
                let t = 0.5 + (x as f32 - w as f32 / 2.0) * dx + (y as f32 - h as f32 / 2.0) * dy;
                let k = 1.0 - shot.light_gradient * t.clamp(0.0, 1.0);
                let p = &mut img[y * w + x];
                *p = (f32::from(*p) * k) as u8;
            }
        }
    }
    // Glare: a bright soft blob near the code, washing part of it out.
    if shot.glare {
        let gxc = cx + rng.range(-0.6, 0.6) * pw;
        let gyc = cy + rng.range(-0.6, 0.6) * ph;
        let r = rng.range(0.25, 0.6) * pw.max(ph);
        let strength = rng.range(60.0, 140.0);
        let (y0, y1) = (
            (gyc - 2.0 * r).max(0.0) as usize,
            ((gyc + 2.0 * r) as usize).min(h),
        );
        let (x0, x1) = (
            (gxc - 2.0 * r).max(0.0) as usize,
            ((gxc + 2.0 * r) as usize).min(w),
        );
        for y in y0..y1 {
            for x in x0..x1 {
                let d2 = ((x as f32 - gxc).powi(2) + (y as f32 - gyc).powi(2)) / (r * r);
                let add = strength * (-d2).exp();
                let p = &mut img[y * w + x];
                *p = (f32::from(*p) + add).min(255.0) as u8;
            }
        }
    }
    for _ in 0..shot.blur_passes {
        box_blur(&mut img, w, h, shot.blur_radius as usize);
    }
    if shot.noise_sigma > 0.5 {
        for p in img.iter_mut() {
            let n = rng.gauss() * shot.noise_sigma;
            *p = (f32::from(*p) + n).clamp(0.0, 255.0) as u8;
        }
    }

    SynthFrame {
        luma: OwnedLuma::from_vec(img, FRAME_WIDTH, FRAME_HEIGHT)
            .unwrap_or_else(|_| OwnedLuma::blank(FRAME_WIDTH, FRAME_HEIGHT)),
        text,
        symbology,
        recipe: format!("{kind:?}: {}", shot.summary()),
        category: None,
        corners: None,
    }
}

/// A frame with the same busy scene and distortions but no code at all (for timing the
/// "nothing there" path, which a scanner runs on most frames).
pub fn empty_frame(seed: u64, index: u32) -> OwnedLuma {
    let mut rng = Rng::new(seed ^ 0x5EED ^ u64::from(index) << 20);
    let (w, h) = (FRAME_WIDTH as usize, FRAME_HEIGHT as usize);
    let mut img = vec![0u8; w * h];
    busy_background(&mut rng, &mut img, w, h);
    box_blur(&mut img, w, h, 1);
    for p in img.iter_mut() {
        *p = (f32::from(*p) + rng.gauss() * 4.0).clamp(0.0, 255.0) as u8;
    }
    OwnedLuma::from_vec(img, FRAME_WIDTH, FRAME_HEIGHT)
        .unwrap_or_else(|_| OwnedLuma::blank(FRAME_WIDTH, FRAME_HEIGHT))
}

/// The excise-mark payload mix used by the rate test and the benchmark.
pub const MARKS: &[Payload] = &[
    Payload::TobaccoPack,
    Payload::TobaccoPack,
    Payload::ShortMark,
    Payload::BlockWithPrice,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The test-only GS1 encoder round-trips through rxing's reader, FNC1 → GS and `]d2`.
    #[test]
    fn gs1_encoder_roundtrip() {
        use rxing::common::{BitMatrix, HybridBinarizer};
        let mut rng = Rng::new(1);
        for kind in [
            Payload::TobaccoPack,
            Payload::ShortMark,
            Payload::BlockWithPrice,
        ] {
            let text = random_mark(&mut rng, kind);
            let (m, w, h) = encode_gs1_datamatrix(&text).unwrap();
            // Render 4 px per module with a 4-module quiet zone.
            let (pw, ph) = ((w + 8) * 4, (h + 8) * 4);
            let mut px = vec![255u8; (pw * ph) as usize];
            for y in 0..ph {
                for x in 0..pw {
                    let (mx, my) = ((x / 4) as i64 - 4, (y / 4) as i64 - 4);
                    if mx >= 0
                        && my >= 0
                        && mx < w as i64
                        && my < h as i64
                        && m[(my * w as i64 + mx) as usize]
                    {
                        px[(y * pw + x) as usize] = 0;
                    }
                }
            }
            let _ = BitMatrix::new(1, 1);
            let src = rxing::Luma8Source::new(px, pw, ph).unwrap();
            let mut bm = rxing::BinaryBitmap::new(HybridBinarizer::new(src));
            let r = rxing::ImmutableReader::immutable_decode_with_hints(
                &rxing::datamatrix::DataMatrixReader,
                &mut bm,
                &rxing::DecodeHints::default(),
            )
            .unwrap();
            assert_eq!(r.getText(), text);
            let d = crate::rx::tests_support::to_decoded_pub(&r).unwrap();
            assert!(d.gs1);
            assert_eq!(d.symbology_id.as_deref(), Some("]d2"));
        }
    }
}
