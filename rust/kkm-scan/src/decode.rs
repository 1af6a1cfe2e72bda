//! The search strategy: which image, which binarisation, which readers, in which order.
//!
//! A camera frame is tried on a ladder of rungs, cheapest and most likely first,
//! stopping at the first decode (each rung is a named step in [`Scanner::scan_traced`]):
//!
//! 0. on a camera stream, the last frame's DataMatrix grid (corners, module count) read
//!    again through our grid reader ([`crate::stream`]);
//! 1. the region of interest box-downscaled ×2 with rxing's hybrid binariser and
//!    detector — clean frames end here; quads it located but could not read are re-read
//!    from the full-size frame;
//! 2. our perspective-correct DataMatrix reader (`dm`: L-finder and clock track fitted
//!    as edges, homography sampling, a module-space threshold that follows a glare spot,
//!    erasure decoding) on the quads its locator proposes — `Effort::Fast` stops here;
//! 3. rxing again on the inverted matrix (light-on-dark codes) and with our local-mean
//!    binariser (glare, uneven light, low contrast), located quads re-read at full size;
//! 4. one full-size pass (Thorough: two) for small codes no rung above located.
//!
//! A `time_budget` cuts the ladder between rungs (a live camera loop).
//!
//! Frames larger than [`ScanOptions::max_side`] are box-downscaled first so a 12 MP
//! photo costs what a 720p frame does. The [`FormatSet`] hint limits the readers: "DataMatrix
//! only" for excise scanning skips the 1-D row scans and the QR finder entirely.

use std::time::{Duration, Instant};

use crate::dm;
use crate::frame::LumaFrame;
use crate::frame::Roi;
use crate::plane::{crop_and_shrink, Plane};
use crate::rx::{read_plane, Method, Quad};
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

    pub(crate) fn has_linear(self) -> bool {
        self.0 & FormatSet::PRODUCT.0 != 0
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = Symbology> {
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
    /// How much of the symbol's error correction the read used, when known (our grid
    /// reader reports it; rxing's readers do not).
    pub ecc: Option<EccUse>,
    /// Modules per side (DataMatrix read by our grid reader).
    pub modules: Option<u32>,
}

/// Error correction a read used: `corrected` of the `capacity` check codewords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EccUse {
    /// Codewords repaired (an erasure counts once, an error once).
    pub corrected: u32,
    /// Check codewords in the symbol (the repair budget is about half of them).
    pub capacity: u32,
}

/// Where a DataMatrix is in a frame, read or not: the corners of its module grid
/// (top-left, top-right, bottom-right, bottom-left L-corner; for rxing's reads, its
/// corner points) and its modules per side (0: not known).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Located {
    /// Grid corners in frame pixels.
    pub corners: [(f32, f32); 4],
    /// Modules per side.
    pub modules: u32,
}

/// Everything one scan learnt (see [`Scanner::scan_detailed`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ScanReport {
    /// The code found, if any.
    pub decoded: Option<Decoded>,
    /// The likeliest DataMatrix grid the reader fitted, even when it could not read it.
    pub located: Option<Located>,
    /// Time per step.
    pub trace: Vec<StepTrace>,
}

/// Finds codes in camera frames. Cheap to create; holds no per-frame state, so one
/// scanner can serve several threads.
#[derive(Debug, Clone, Default)]
pub struct Scanner {
    options: ScanOptions,
}

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
    /// Best grid the reader fitted (plane coordinates) and its border score.
    seen: Option<(dm::grid::Grid, f64)>,
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
        self.scan_inner(frame, None, None).0
    }

    /// Like [`scan`](Self::scan), and also returns what each step of the cascade cost —
    /// for tuning on real photos (`kkm-scan --trace`).
    pub fn scan_traced(&self, frame: &LumaFrame<'_>) -> (Option<Decoded>, Vec<StepTrace>) {
        let (d, _, t) = self.scan_inner(frame, Some(Vec::new()), None);
        (d, t.unwrap_or_default())
    }

    /// Like [`scan`](Self::scan), and also reports where a DataMatrix was located even
    /// when it could not be read, and the step trace. `seed` is where a symbol was in an
    /// earlier frame (a camera stream): it is tried first.
    pub fn scan_detailed(&self, frame: &LumaFrame<'_>, seed: Option<&Located>) -> ScanReport {
        let (decoded, located, trace) = self.scan_inner(frame, Some(Vec::new()), seed);
        ScanReport {
            decoded,
            located,
            trace: trace.unwrap_or_default(),
        }
    }

    fn scan_inner(
        &self,
        frame: &LumaFrame<'_>,
        trace: Option<Vec<StepTrace>>,
        seed: Option<&Located>,
    ) -> (Option<Decoded>, Option<Located>, Option<Vec<StepTrace>>) {
        let mut ctx = Ctx {
            opts: &self.options,
            started: Instant::now(),
            trace,
            step: 0,
            seen: None,
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
        let k = pre as f32;
        let (ox, oy) = (roi.x as f32, roi.y as f32);
        let to_frame = |(x, y): (f32, f32)| (x * k + ox, y * k + oy);
        let mut found = None;
        if let Some(seed) = seed {
            if self.options.formats.contains(Symbology::DataMatrix) {
                let corners = seed
                    .corners
                    .map(|(x, y)| (f64::from((x - ox) / k), f64::from((y - oy) / k)));
                let sizes = if seed.modules == 0 {
                    dm::grid::SIZES.to_vec()
                } else {
                    let mut s = vec![seed.modules];
                    s.extend(dm::grid::neighbours(seed.modules));
                    s
                };
                let mut seen = None;
                found = ctx.run(
                    || format!("tracked grid n={}", seed.modules),
                    || {
                        dm::read_quad(&base, corners, &sizes, &[false], None, &mut seen)
                            .map(dm_decoded)
                    },
                );
                ctx.seen = seen;
            }
        }
        if found.is_none() {
            found = self.cascade(&base, &mut ctx);
        }
        let found = found.map(|mut d| {
            for p in d.points.iter_mut() {
                *p = to_frame(*p);
            }
            d
        });
        let located = match (&found, ctx.seen) {
            // A DataMatrix read: where it is (rxing's reads do not tell the module count).
            (Some(d), _) if d.symbology == Symbology::DataMatrix && d.points.len() == 4 => {
                Some(Located {
                    corners: [d.points[0], d.points[1], d.points[2], d.points[3]],
                    modules: d.modules.unwrap_or(0),
                })
            }
            (_, Some((g, _))) => Some(Located {
                corners: g.corners.map(|(x, y)| to_frame((x as f32, y as f32))),
                modules: g.n,
            }),
            _ => None,
        };
        (found, located, ctx.trace)
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
                let mut seen = ctx.seen.take();
                let r = ctx.run(
                    || "grid locate".to_string(),
                    || {
                        dm::scan(base, half.as_ref(), budget, polarity, deadline, &mut seen)
                            .map(dm_decoded)
                    },
                );
                ctx.seen = seen;
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
            let mut grid_seen = ctx.seen.take();
            let r = ctx.run(
                || format!("grid @({cx:.0},{cy:.0})"),
                || {
                    dm::read_quad(
                        base,
                        q,
                        &dm::grid::SIZES,
                        &[*inverted],
                        deadline,
                        &mut grid_seen,
                    )
                    .map(dm_decoded)
                },
            );
            ctx.seen = grid_seen;
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
    let to_u32 = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    Decoded {
        ecc: Some(EccUse {
            corrected: to_u32(t.corrected),
            capacity: to_u32(t.check),
        }),
        modules: Some(hit.grid.n),
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
