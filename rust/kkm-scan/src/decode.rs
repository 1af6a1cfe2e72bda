//! The search strategy: which image, which binarisation, which readers, in which order.
//!
//! A camera frame is tried in a short cascade of passes, cheapest and most likely first,
//! stopping at the first decode:
//!
//! 1. the region of interest at full resolution with rxing's hybrid binariser (local
//!    8×8-block thresholds) — most frames end here;
//! 2. the same region box-downscaled ×2: averaging four pixels removes sensor noise and
//!    JPEG ringing, and big or blurred modules become crisp; it costs a quarter;
//! 3. our local-mean binariser (integral image, window scaled to the image, a small
//!    bias to the dark side), which holds up under glare, uneven light and low contrast
//!    where 8×8 blocks flip to noise;
//! 4. each binarised matrix is also read inverted (light modules on dark: etched cans,
//!    dark packs), which costs one bit flip and a detector run, not a new binarisation.
//!
//! Frames larger than [`ScanOptions::max_side`] are box-downscaled first so a 12 MP
//! photo costs what a 720p frame does. The [`FormatSet`] hint limits the readers: "DataMatrix
//! only" for excise scanning skips the 1-D row scans and the QR finder entirely.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rxing::common::DetectorRXingResult;
use rxing::common::{BitArray, BitMatrix, HybridBinarizer};
use rxing::datamatrix::decoder::Decoder as DmDecoder;
use rxing::datamatrix::detector::zxing_cpp_detector;
use rxing::oned::MultiFormatOneDReader;
use rxing::qrcode::QRCodeReader;
use rxing::{
    BarcodeFormat, Binarizer, BinaryBitmap, DecodeHints, ImmutableReader, Luma8Source,
    LuminanceSource, RXingResult, RXingResultMetadataType, RXingResultMetadataValue, Reader,
};

use crate::dm;
use crate::frame::LumaFrame;
use crate::frame::Roi;
use crate::plane::{crop_and_shrink, Plane};
pub use crate::symbology::Symbology;

fn symbology_bit(s: Symbology) -> u8 {
    match s {
        Symbology::DataMatrix => 1,
        Symbology::QrCode => 2,
        Symbology::Ean13 => 4,
        Symbology::Ean8 => 8,
        Symbology::UpcA => 16,
        Symbology::Code128 => 32,
    }
}

fn symbology_from_rxing(f: &BarcodeFormat) -> Option<Symbology> {
    Some(match f {
        BarcodeFormat::DATA_MATRIX => Symbology::DataMatrix,
        BarcodeFormat::QR_CODE => Symbology::QrCode,
        BarcodeFormat::EAN_13 => Symbology::Ean13,
        BarcodeFormat::EAN_8 => Symbology::Ean8,
        BarcodeFormat::UPC_A => Symbology::UpcA,
        BarcodeFormat::CODE_128 => Symbology::Code128,
        _ => return None,
    })
}

fn symbology_to_rxing(s: Symbology) -> BarcodeFormat {
    match s {
        Symbology::DataMatrix => BarcodeFormat::DATA_MATRIX,
        Symbology::QrCode => BarcodeFormat::QR_CODE,
        Symbology::Ean13 => BarcodeFormat::EAN_13,
        Symbology::Ean8 => BarcodeFormat::EAN_8,
        Symbology::UpcA => BarcodeFormat::UPC_A,
        Symbology::Code128 => BarcodeFormat::CODE_128,
    }
}

/// A set of symbologies to look for: the format hint. Fewer formats, faster scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatSet(u8);

impl FormatSet {
    /// Everything the scanner reads.
    pub const ALL: FormatSet = FormatSet(63);
    /// Excise scanning: DataMatrix only.
    pub const EXCISE: FormatSet = FormatSet(1);
    /// Returns by receipt: QR only.
    pub const RECEIPT: FormatSet = FormatSet(2);
    /// Product barcodes: EAN-13, EAN-8, UPC-A, Code 128.
    pub const PRODUCT: FormatSet = FormatSet(4 | 8 | 16 | 32);

    /// Just one symbology.
    pub fn only(s: Symbology) -> FormatSet {
        FormatSet(symbology_bit(s))
    }

    /// This set plus `s`.
    pub fn with(self, s: Symbology) -> FormatSet {
        FormatSet(self.0 | symbology_bit(s))
    }

    /// Whether `s` is in the set.
    pub fn contains(self, s: Symbology) -> bool {
        self.0 & symbology_bit(s) != 0
    }

    fn has_linear(self) -> bool {
        self.0 & FormatSet::PRODUCT.0 != 0
    }

    fn iter(self) -> impl Iterator<Item = Symbology> {
        Symbology::ALL
            .into_iter()
            .filter(move |s| self.contains(*s))
    }
}

/// How far the cascade goes before giving up on a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    /// Half-size hybrid binarisation plus full-size retries where a symbol was located:
    /// about 2 ms on a 720p frame (live preview at high frame rates). No inverted codes.
    Fast,
    /// The default: adds local-mean binarisation and full-resolution retries of located
    /// but unread symbols. Fits the 15 ms bar on a 720p frame.
    Normal,
    /// Also reads the whole frame at full resolution (small codes the coarse passes do not
    /// even locate; thin 1-D bars). For files and the desktop, where time matters less.
    Thorough,
}

/// Scanner settings.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Symbologies to look for.
    pub formats: FormatSet,
    /// Only this part of the frame is searched (the viewfinder box). `None`: the whole frame.
    pub roi: Option<Roi>,
    /// Frames (or ROIs) whose longer side exceeds this are box-downscaled first.
    pub max_side: u32,
    /// Depth of the cascade.
    pub effort: Effort,
    /// Stop after this much time even if passes remain (a live camera loop has the next
    /// frame coming). `None`: run the whole cascade (deterministic; tests and files).
    pub time_budget: Option<Duration>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            formats: FormatSet::ALL,
            roi: None,
            max_side: 1600,
            effort: Effort::Normal,
            time_budget: None,
        }
    }
}

/// One decoded code.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// Its symbology.
    pub symbology: Symbology,
    /// The text. For GS1 codes the leading FNC1 is dropped and every further FNC1 is a GS
    /// (0x1D) — exactly the string the OFD wants in `excise_stamp`.
    pub text: String,
    /// The code was flagged as GS1 by a leading FNC1 (DataMatrix `]d2`, QR `]Q3`, `]C1`).
    pub gs1: bool,
    /// The AIM symbology identifier reported by the reader (`]d2`, `]Q1`, `]E0`, …).
    pub symbology_id: Option<String>,
    /// Corner/finder points in frame coordinates.
    pub points: Vec<(f32, f32)>,
    /// The cascade pass that found it (0 = first); a diagnostic for tuning.
    pub pass: u8,
}

/// Finds codes in camera frames. Cheap to create; holds no per-frame state, so one
/// scanner can serve several threads.
#[derive(Debug, Clone, Default)]
pub struct Scanner {
    options: ScanOptions,
}

/// A binarisation method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    /// rxing's hybrid binariser (8×8 blocks, 5×5 block neighbourhood).
    Hybrid,
    /// Our integral-image local mean.
    LocalMean,
}

/// A quadrilateral in plane coordinates where a DataMatrix was located but not decoded.
type Quad = [(f32, f32); 4];

/// Time spent in one step of the cascade (see [`Scanner::scan_traced`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StepTrace {
    /// What the step did.
    pub step: String,
    /// How long it took.
    pub elapsed: Duration,
    /// Whether it found the code.
    pub found: bool,
}

struct Ctx<'o> {
    opts: &'o ScanOptions,
    started: Instant,
    trace: Option<Vec<StepTrace>>,
    step: u8,
}

impl Ctx<'_> {
    /// When the time budget runs out, if there is one.
    fn deadline(&self) -> Option<Instant> {
        self.opts.time_budget.map(|b| self.started + b)
    }

    fn out_of_time(&self) -> bool {
        self.opts
            .time_budget
            .is_some_and(|b| self.step > 0 && self.started.elapsed() > b)
    }

    /// Runs one step; records it; bumps the step counter.
    fn run(
        &mut self,
        name: impl FnOnce() -> String,
        f: impl FnOnce() -> Option<Decoded>,
    ) -> Option<Decoded> {
        let t = Instant::now();
        let r = f();
        if let Some(tr) = self.trace.as_mut() {
            tr.push(StepTrace {
                step: name(),
                elapsed: t.elapsed(),
                found: r.is_some(),
            });
        }
        self.step = self.step.saturating_add(1);
        r.map(|mut d| {
            d.pass = self.step - 1;
            d
        })
    }
}

impl Scanner {
    /// A scanner with these options.
    pub fn new(options: ScanOptions) -> Self {
        Scanner { options }
    }

    /// A scanner tuned for excise marks: DataMatrix only.
    pub fn excise() -> Self {
        Scanner::new(ScanOptions {
            formats: FormatSet::EXCISE,
            ..ScanOptions::default()
        })
    }

    /// The options in force.
    pub fn options(&self) -> &ScanOptions {
        &self.options
    }

    /// Scans one frame; the first code found, or `None`.
    ///
    /// ```
    /// use kkm_scan::{LumaFrame, Scanner};
    /// let grey = vec![200u8; 320 * 240];
    /// let frame = LumaFrame::from_gray(&grey, 320, 240).unwrap();
    /// assert!(Scanner::excise().scan(&frame).is_none());
    /// ```
    pub fn scan(&self, frame: &LumaFrame<'_>) -> Option<Decoded> {
        self.scan_inner(frame, None).0
    }

    /// Like [`scan`](Self::scan), and also returns what each step of the cascade cost —
    /// for tuning on real photos (`kkm-scan --trace`).
    pub fn scan_traced(&self, frame: &LumaFrame<'_>) -> (Option<Decoded>, Vec<StepTrace>) {
        let (d, t) = self.scan_inner(frame, Some(Vec::new()));
        (d, t.unwrap_or_default())
    }

    fn scan_inner(
        &self,
        frame: &LumaFrame<'_>,
        trace: Option<Vec<StepTrace>>,
    ) -> (Option<Decoded>, Option<Vec<StepTrace>>) {
        let mut ctx = Ctx {
            opts: &self.options,
            started: Instant::now(),
            trace,
            step: 0,
        };
        let roi = self
            .options
            .roi
            .and_then(|r| r.clamp_to(frame.width(), frame.height()))
            .unwrap_or(Roi {
                x: 0,
                y: 0,
                width: frame.width(),
                height: frame.height(),
            });
        // Pre-shrink very large inputs by a power of two.
        let mut pre = 1u32;
        let max_side = self.options.max_side.max(64);
        while roi.width.max(roi.height) / pre > max_side {
            pre *= 2;
        }
        let base = crop_and_shrink(frame, roi, pre);
        let found = self.cascade(&base, &mut ctx);
        let found = found.map(|mut d| {
            let k = pre as f32;
            for p in d.points.iter_mut() {
                *p = (p.0 * k + roi.x as f32, p.1 * k + roi.y as f32);
            }
            d
        });
        (found, ctx.trace)
    }

    /// The search. Coordinates of a result are in `base` pixels.
    fn cascade(&self, base: &Plane, ctx: &mut Ctx<'_>) -> Option<Decoded> {
        let formats = self.options.formats;
        let effort = self.options.effort;
        let dm = formats.contains(Symbology::DataMatrix);
        let small = base.width < 64 || base.height < 64;
        // Half size first: a quarter of the pixels, noise averaged away, and rxing's
        // detector is superlinear in image size. Tiny inputs skip straight to full size.
        let half = if small { None } else { Some(base.shrink2()) };
        let mut located: Vec<(Quad, bool)> = Vec::new();

        // Rung 1: rxing at half size, hybrid binariser — most clean frames end here.
        if let Some(half) = &half {
            let mut cands = Vec::new();
            let r = ctx.run(
                || "half Hybrid".to_string(),
                || read_plane(half, Method::Hybrid, false, formats, Some(&mut cands)),
            );
            if let Some(d) = r {
                return Some(scaled(d, 2.0, 0.0, 0.0));
            }
            located.extend(cands.into_iter().map(|q| (scale_quad(q, 2.0), false)));
        }
        if dm {
            // Rung 2: our grid reader where rxing located a symbol but could not read it.
            if let Some(d) = self.read_located(base, &located, ctx) {
                return Some(d);
            }
            // Rung 3: our own locator (texture map → dark components → quads) and reader.
            if !small && !ctx.out_of_time() {
                let budget = match effort {
                    Effort::Fast => dm::locate::Budget {
                        quads: 4,
                        refine: 3,
                        boxes: 2,
                        levels: 0,
                    },
                    Effort::Normal => dm::locate::Budget {
                        quads: 10,
                        refine: 6,
                        boxes: 3,
                        levels: 1,
                    },
                    Effort::Thorough => dm::locate::Budget {
                        quads: 30,
                        refine: 30,
                        boxes: 8,
                        levels: 3,
                    },
                };
                let polarity: &[bool] = if effort == Effort::Thorough {
                    &[false, true]
                } else {
                    &[false]
                };
                let deadline = ctx.deadline();
                let r = ctx.run(
                    || "grid locate".to_string(),
                    || dm::scan(base, half.as_ref(), budget, polarity, deadline).map(dm_decoded),
                );
                if r.is_some() {
                    return r;
                }
            }
        }
        if effort == Effort::Fast {
            return None;
        }

        // Rungs 4–5: rxing on inverted and locally thresholded matrices, then at full
        // resolution where it located a symbol it could not read.
        // Light-on-dark codes (etched cans) get one pass in Normal, two in Thorough.
        let matrix_codes = dm || formats.contains(Symbology::QrCode);
        let mut passes: Vec<(Method, bool)> = Vec::new();
        if matrix_codes {
            passes.push((Method::Hybrid, true));
        }
        passes.push((Method::LocalMean, false));
        if matrix_codes && effort == Effort::Thorough {
            passes.push((Method::LocalMean, true));
        }
        if let Some(half) = &half {
            for (method, inverted) in passes {
                if ctx.out_of_time() {
                    return None;
                }
                let mut cands = Vec::new();
                let r = ctx.run(
                    || format!("half {method:?}{}", if inverted { " inverted" } else { "" }),
                    || read_plane(half, method, inverted, formats, Some(&mut cands)),
                );
                if let Some(d) = r {
                    return Some(scaled(d, 2.0, 0.0, 0.0));
                }
                let fresh: Vec<(Quad, bool)> = cands
                    .into_iter()
                    .map(|q| (scale_quad(q, 2.0), inverted))
                    .collect();
                if dm {
                    if let Some(d) = self.read_located(base, &fresh, ctx) {
                        return Some(d);
                    }
                }
                located.extend(fresh);
            }
        }
        if let Some(d) = self.read_crops(base, &located, ctx) {
            return Some(d);
        }
        // Whole frame at full size: small codes the coarse pass did not even locate, QR and
        // 1-D codes with thin modules or bars.
        // Normal ends with one full-size hybrid pass: it only runs on frames every rung
        // above failed (small codes none of them located, thin 1-D bars).
        let full_methods: &[Method] = match effort {
            Effort::Fast => &[],
            Effort::Normal => &[Method::Hybrid],
            Effort::Thorough => &[Method::Hybrid, Method::LocalMean],
        };
        for &method in if small {
            &[Method::Hybrid][..]
        } else {
            full_methods
        } {
            if ctx.out_of_time() {
                return None;
            }
            let r = ctx.run(
                || format!("full {method:?}"),
                || read_plane(base, method, false, formats, None),
            );
            if r.is_some() {
                return r;
            }
        }
        None
    }

    /// Our grid reader on quads rxing located but could not read (full-size pixels).
    fn read_located(
        &self,
        base: &Plane,
        located: &[(Quad, bool)],
        ctx: &mut Ctx<'_>,
    ) -> Option<Decoded> {
        let mut seen: Vec<(f32, f32, f32)> = Vec::new();
        for (quad, inverted) in located {
            let (cx, cy, r) = quad_circle(quad);
            if r < 6.0
                || seen
                    .iter()
                    .any(|&(x, y, _)| (x - cx).hypot(y - cy) < r * 0.5)
            {
                continue;
            }
            seen.push((cx, cy, r));
            if seen.len() > 3 || ctx.out_of_time() {
                break;
            }
            let q = quad.map(|(x, y)| (f64::from(x), f64::from(y)));
            let deadline = ctx.deadline();
            let r = ctx.run(
                || format!("grid @({cx:.0},{cy:.0})"),
                || dm::read_quad(base, q, &dm::grid::SIZES, &[*inverted], deadline).map(dm_decoded),
            );
            if r.is_some() {
                return r;
            }
        }
        None
    }

    /// rxing at full resolution (and ×2) where a coarse pass located a symbol.
    fn read_crops(
        &self,
        base: &Plane,
        located: &[(Quad, bool)],
        ctx: &mut Ctx<'_>,
    ) -> Option<Decoded> {
        let mut seen: Vec<(f32, f32, f32)> = Vec::new();
        for &(quad, inverted) in located {
            let (cx, cy, r) = quad_circle(&quad);
            if r < 4.0
                || seen
                    .iter()
                    .any(|&(x, y, _)| (x - cx).hypot(y - cy) < r * 0.5)
            {
                continue;
            }
            seen.push((cx, cy, r));
            if seen.len() > 4 || ctx.out_of_time() {
                break;
            }
            let Some((crop, ox, oy)) = base.crop_around(cx, cy, r * 1.6) else {
                continue;
            };
            let r = ctx.run(
                || format!("crop {}×{} @({cx:.0},{cy:.0})", crop.width, crop.height),
                || read_plane(&crop, Method::LocalMean, inverted, FormatSet::EXCISE, None),
            );
            if let Some(d) = r {
                return Some(scaled(d, 1.0, ox, oy));
            }
            // Modules of 2–3 px: sample between pixels too (bilinear ×2).
            if crop.width.max(crop.height) <= 320 {
                let up = crop.grow2();
                let r = ctx.run(
                    || format!("crop×2 {}×{}", up.width, up.height),
                    || read_plane(&up, Method::Hybrid, inverted, FormatSet::EXCISE, None),
                );
                if let Some(d) = r {
                    return Some(scaled(d, 0.5, ox, oy));
                }
            }
        }
        None
    }
}

/// A hit of our grid reader as a [`Decoded`].
fn dm_decoded(hit: dm::DmHit) -> Decoded {
    let t = hit.text;
    Decoded {
        symbology: Symbology::DataMatrix,
        text: t.text,
        gs1: t.gs1,
        symbology_id: Some(format!("]d{}", t.modifier)),
        points: hit
            .grid
            .corners
            .iter()
            .map(|&(x, y)| (x as f32, y as f32))
            .collect(),
        pass: 0,
    }
}

fn scaled(mut d: Decoded, k: f32, ox: f32, oy: f32) -> Decoded {
    for p in d.points.iter_mut() {
        *p = (p.0 * k + ox, p.1 * k + oy);
    }
    d
}

fn scale_quad(q: Quad, k: f32) -> Quad {
    q.map(|(x, y)| (x * k, y * k))
}

/// Centre and radius (half the longest diagonal) of a quad.
fn quad_circle(q: &Quad) -> (f32, f32, f32) {
    let cx = q.iter().map(|p| p.0).sum::<f32>() / 4.0;
    let cy = q.iter().map(|p| p.1).sum::<f32>() / 4.0;
    let r = q
        .iter()
        .map(|p| (p.0 - cx).hypot(p.1 - cy))
        .fold(0.0f32, f32::max);
    (cx, cy, r)
}

fn hints(formats: FormatSet) -> DecodeHints {
    let set: HashSet<BarcodeFormat> = formats.iter().map(symbology_to_rxing).collect();
    DecodeHints {
        TryHarder: Some(true),
        PossibleFormats: Some(set),
        ..DecodeHints::default()
    }
}

/// Binarises `plane` and runs the readers for `formats`. DataMatrix symbols that are
/// located but not decoded are added to `candidates` (plane coordinates).
fn read_plane(
    plane: &Plane,
    method: Method,
    inverted: bool,
    formats: FormatSet,
    candidates: Option<&mut Vec<Quad>>,
) -> Option<Decoded> {
    let source = Luma8Source::new_with_slice(&plane.data, plane.width, plane.height).ok()?;
    match method {
        Method::Hybrid => {
            let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
            read_bitmap(&mut bitmap, inverted, formats, candidates)
        }
        Method::LocalMean => {
            let mut bitmap = BinaryBitmap::new(LocalMeanBinarizer::new(source));
            read_bitmap(&mut bitmap, inverted, formats, candidates)
        }
    }
}

static DM_DECODER: OnceLock<DmDecoder> = OnceLock::new();

/// rxing's zxing-cpp-style DataMatrix detector over the binarised matrix, decoding every
/// symbol it locates; undecodable ones become candidates for a full-resolution retry.
fn read_datamatrix(matrix: &BitMatrix, candidates: Option<&mut Vec<Quad>>) -> Option<Decoded> {
    let found = zxing_cpp_detector::detect(matrix, true, true).ok()?;
    let decoder = DM_DECODER.get_or_init(DmDecoder::new);
    let mut failed = Vec::new();
    for sym in &found {
        let points: Vec<(f32, f32)> = sym.getPoints().iter().map(|p| (p.x, p.y)).collect();
        match decoder.decode(sym.getBits()) {
            Ok(r) => {
                let modifier = r.getSymbologyModifier();
                return Some(Decoded {
                    symbology: Symbology::DataMatrix,
                    text: r.getText().to_string(),
                    gs1: r.getContentType() == "GS1" || modifier == 2,
                    symbology_id: Some(format!("]d{modifier}")),
                    points,
                    pass: 0,
                });
            }
            Err(_) => {
                if points.len() == 4 {
                    failed.push([points[0], points[1], points[2], points[3]]);
                }
            }
        }
    }
    if let Some(c) = candidates {
        c.extend(failed);
    }
    None
}

fn read_bitmap<B: Binarizer>(
    bitmap: &mut BinaryBitmap<B>,
    inverted: bool,
    formats: FormatSet,
    candidates: Option<&mut Vec<Quad>>,
) -> Option<Decoded> {
    let hints = hints(formats);
    if inverted {
        // Only the 2-D matrix readers look at the inverted matrix; 1-D readers scan rows
        // of the source directly, and inverted EANs do not occur on packaging.
        if !(formats.contains(Symbology::DataMatrix) || formats.contains(Symbology::QrCode)) {
            return None;
        }
        bitmap.get_black_matrix_mut().flip_self();
    }
    if formats.contains(Symbology::DataMatrix) {
        if let Some(d) = read_datamatrix(bitmap.get_black_matrix(), candidates) {
            return Some(d);
        }
    }
    if formats.contains(Symbology::QrCode) {
        if let Ok(r) = QRCodeReader.immutable_decode_with_hints(bitmap, &hints) {
            return to_decoded(&r);
        }
    }
    if formats.has_linear() && !inverted {
        let mut reader = MultiFormatOneDReader::new(&hints);
        if let Ok(r) = reader.decode_with_hints(bitmap, &hints) {
            return to_decoded(&r);
        }
    }
    None
}

fn to_decoded(r: &RXingResult) -> Option<Decoded> {
    let symbology = symbology_from_rxing(r.getBarcodeFormat())?;
    let meta = r.getRXingResultMetadata();
    let symbology_id = match meta.get(&RXingResultMetadataType::SYMBOLOGY_IDENTIFIER) {
        Some(RXingResultMetadataValue::SymbologyIdentifier(s)) => Some(s.clone()),
        _ => None,
    };
    let content_gs1 = matches!(
        meta.get(&RXingResultMetadataType::CONTENT_TYPE),
        Some(RXingResultMetadataValue::ContentType(t)) if t == "GS1"
    );
    let gs1 = content_gs1
        || matches!(
            symbology_id.as_deref(),
            Some("]d2") | Some("]Q3") | Some("]C1")
        );
    Some(Decoded {
        symbology,
        text: r.getText().to_string(),
        gs1,
        symbology_id,
        points: r.getPoints().iter().map(|p| (p.x, p.y)).collect(),
        pass: 0,
    })
}

/// Local-mean thresholding over an integral image: a pixel is dark when it is darker than
/// the mean of its `(2r+1)²` neighbourhood by more than a small margin. The window is
/// about 1/24 of the shorter side (≈ 15 px on 720p: two to five modules of a mark), so it
/// follows glare and shading; the margin keeps flat areas white instead of salt-and-pepper.
struct LocalMeanBinarizer<'a> {
    source: Luma8Source<'a>,
    matrix: BitMatrix,
}

impl<'a> LocalMeanBinarizer<'a> {
    fn new(source: Luma8Source<'a>) -> Self {
        let w = source.get_width();
        let h = source.get_height();
        let pixels = source.get_matrix();
        let matrix = local_mean_threshold(&pixels, w, h).unwrap_or_else(|| {
            BitMatrix::new(w.max(1) as u32, h.max(1) as u32)
                .unwrap_or_else(|_| BitMatrix::parse_bools(&[vec![false]]))
        });
        LocalMeanBinarizer { source, matrix }
    }
}

fn local_mean_threshold(px: &[u8], w: usize, h: usize) -> Option<BitMatrix> {
    let mut m = BitMatrix::new(w as u32, h as u32).ok()?;
    let r = (w.min(h) / 48).clamp(4, 40);
    // Integral image with a zero row/column in front.
    let iw = w + 1;
    let mut integral = vec![0u32; iw * (h + 1)];
    for y in 0..h {
        let mut row_sum = 0u32;
        for x in 0..w {
            row_sum += u32::from(px[y * w + x]);
            integral[(y + 1) * iw + x + 1] = integral[y * iw + x + 1] + row_sum;
        }
    }
    for y in 0..h {
        let y0 = y.saturating_sub(r);
        let y1 = (y + r + 1).min(h);
        for x in 0..w {
            let x0 = x.saturating_sub(r);
            let x1 = (x + r + 1).min(w);
            let sum = integral[y1 * iw + x1] + integral[y0 * iw + x0]
                - integral[y0 * iw + x1]
                - integral[y1 * iw + x0];
            let n = ((y1 - y0) * (x1 - x0)) as u32;
            // dark if p*n < sum - margin*n, margin ~ 3% of the local mean + 2 levels.
            let p = u32::from(px[y * w + x]) * n;
            let margin = sum / 32 + 2 * n;
            if p + margin < sum {
                m.set(x as u32, y as u32);
            }
        }
    }
    Some(m)
}

impl<'a> Binarizer for LocalMeanBinarizer<'a> {
    type Source = Luma8Source<'a>;

    fn get_luminance_source(&self) -> &Self::Source {
        &self.source
    }

    fn get_black_row(&self, y: usize) -> rxing::common::Result<Cow<'_, BitArray>> {
        Ok(Cow::Owned(self.matrix.getRow(y as u32)))
    }

    fn get_black_row_from_matrix(&self, y: usize) -> rxing::common::Result<Cow<'_, BitArray>> {
        self.get_black_row(y)
    }

    fn get_black_matrix(&self) -> rxing::common::Result<&BitMatrix> {
        Ok(&self.matrix)
    }

    fn get_black_line(
        &self,
        l: usize,
        lt: rxing::common::LineOrientation,
    ) -> rxing::common::Result<Cow<'_, BitArray>> {
        match lt {
            rxing::common::LineOrientation::Row => self.get_black_row(l),
            rxing::common::LineOrientation::Column => Ok(Cow::Owned(self.matrix.getCol(l as u32))),
        }
    }

    fn create_binarizer(&self, source: Self::Source) -> Self {
        LocalMeanBinarizer::new(source)
    }

    fn get_width(&self) -> usize {
        self.source.get_width()
    }

    fn get_height(&self) -> usize {
        self.source.get_height()
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    /// Exposes the result conversion to other unit tests.
    pub fn to_decoded_pub(r: &rxing::RXingResult) -> Option<super::Decoded> {
        super::to_decoded(r)
    }
}
