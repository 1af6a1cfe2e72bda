//! A camera stream (CameraX `ImageAnalysis`): frames one after another of the same
//! scene. [`StreamScanner`] carries what one frame taught to the next:
//!
//! - **Where and how big.** The grid of a DataMatrix the reader fitted — read or not —
//!   is tracked. The next frame is searched in a region of interest around it first,
//!   starting from that very grid (its corners and module count), so a slightly blurred
//!   frame (located, not read) followed by a sharp one is a read in a fraction of a
//!   full-frame scan. A track not refreshed for [`StreamOptions::keep_frames`] frames is
//!   dropped.
//! - **What to believe.** A read is accepted only when its check characters verify —
//!   a DataMatrix whose Reed–Solomon correction kept a comfortable margin and, for a GS1
//!   mark, whose GTIN check digit is right; a receipt QR that parses — or when two
//!   frames agree on it. A 1-D code always needs two frames (one check digit catches
//!   only nine misreads in ten). A misread seen once never reaches the basket.
//! - **Once per appearance.** A code that stays in view is accepted once; it is
//!   accepted again only after it has left the view for `keep_frames` frames.
//!
//! ```
//! use kkm_scan::stream::{StreamOptions, StreamScanner};
//! use kkm_scan::LumaFrame;
//! let mut stream = StreamScanner::new(StreamOptions::default());
//! let grey = vec![200u8; 320 * 240];
//! let step = stream.push(&LumaFrame::from_gray(&grey, 320, 240).unwrap());
//! assert!(step.accepted.is_none());
//! ```

use std::time::Duration;

use crate::decode::{Decoded, Effort, FormatSet, Located, ScanOptions, Scanner, StepTrace};
use crate::frame::{LumaFrame, Roi};
use crate::gs1::ExciseMark;
use crate::receipt::ReceiptQr;
use crate::Symbology;

/// How a [`StreamScanner`] works.
#[derive(Debug, Clone)]
pub struct StreamOptions {
    /// Symbologies to look for.
    pub formats: FormatSet,
    /// Depth of the search on a frame without a tracked symbol.
    pub effort: Effort,
    /// Time a frame may take (the next one is coming); `None`: no limit.
    pub time_budget: Option<Duration>,
    /// Frames a symbol's location is kept after it was last seen.
    pub keep_frames: u32,
    /// The region of interest around a tracked symbol, in symbol sides on each side.
    pub margin: f32,
    /// Two reads of the same text agree when at most this many frames apart.
    pub agree_within: u32,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            formats: FormatSet::ALL,
            effort: Effort::Normal,
            time_budget: Some(Duration::from_millis(40)),
            keep_frames: 8,
            margin: 0.75,
            agree_within: 10,
        }
    }
}

/// Why a read was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceptance {
    /// Its check characters verify (Reed–Solomon margin, GTIN check digit, structure).
    Verified,
    /// The same text was read in an earlier frame.
    Agreed,
}

/// A code the stream accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    /// The read.
    pub decoded: Decoded,
    /// Why it is believed.
    pub by: Acceptance,
}

/// What one frame gave.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamStep {
    /// A code accepted on this frame (at most once per appearance).
    pub accepted: Option<Accepted>,
    /// A read waiting for a second frame to agree.
    pub pending: Option<Decoded>,
    /// The frame was read from the tracked region (not the whole frame).
    pub tracked: bool,
    /// Where a DataMatrix is after this frame (read or not).
    pub located: Option<Located>,
    /// Time per step of the frame's scans.
    pub trace: Vec<StepTrace>,
}

#[derive(Debug, Clone, Copy)]
struct Track {
    located: Located,
    frame: u64,
}

/// Decodes a camera stream; see the [module docs](self). One per camera; not shared
/// between threads (it carries the stream's state).
#[derive(Debug, Clone)]
pub struct StreamScanner {
    options: StreamOptions,
    frame: u64,
    track: Option<Track>,
    /// Reads not yet agreed on: text, symbology, frame.
    reads: Vec<(String, Symbology, u64)>,
    /// The last accepted text and the last frame it was read in.
    shown: Option<(String, u64)>,
}

impl StreamScanner {
    /// A scanner for a new stream.
    pub fn new(options: StreamOptions) -> Self {
        StreamScanner {
            options,
            frame: 0,
            track: None,
            reads: Vec::new(),
            shown: None,
        }
    }

    /// Forgets the stream (a new basket, the camera pointed elsewhere).
    pub fn reset(&mut self) {
        self.track = None;
        self.reads.clear();
        self.shown = None;
    }

    /// The options in force.
    pub fn options(&self) -> &StreamOptions {
        &self.options
    }

    fn scanner(&self, roi: Option<Roi>) -> Scanner {
        Scanner::new(ScanOptions {
            formats: self.options.formats,
            roi,
            effort: self.options.effort,
            time_budget: self.options.time_budget,
            ..ScanOptions::default()
        })
    }

    /// Scans the next frame of the stream.
    pub fn push(&mut self, frame: &LumaFrame<'_>) -> StreamStep {
        self.frame += 1;
        let now = self.frame;
        if self
            .track
            .is_some_and(|t| now - t.frame > u64::from(self.options.keep_frames))
        {
            self.track = None;
        }
        let mut trace = Vec::new();
        let mut tracked = false;
        let mut report = None;
        if let Some(t) = self.track {
            let roi = around(
                &t.located,
                self.options.margin,
                frame.width(),
                frame.height(),
            );
            let r = self.scanner(roi).scan_detailed(frame, Some(&t.located));
            trace.extend(r.trace.iter().cloned());
            // The symbol is still there, read or not: no full-frame search this frame.
            if r.decoded.is_some() || r.located.is_some() {
                tracked = true;
                report = Some(r);
            }
        }
        let report = match report {
            Some(r) => r,
            None => {
                let r = self.scanner(None).scan_detailed(frame, None);
                trace.extend(r.trace.iter().cloned());
                r
            }
        };
        if let Some(l) = report.located {
            self.track = Some(Track {
                located: l,
                frame: now,
            });
        }
        let (accepted, pending) = match report.decoded {
            Some(d) => self.offer(d, now),
            None => (None, None),
        };
        StreamStep {
            accepted,
            pending,
            tracked,
            located: report.located,
            trace,
        }
    }

    /// Acceptance of a read taken on frame `now`: (accepted, pending).
    fn offer(&mut self, d: Decoded, now: u64) -> (Option<Accepted>, Option<Decoded>) {
        let window = u64::from(self.options.agree_within);
        self.reads.retain(|r| now - r.2 <= window);
        let agreed = self
            .reads
            .iter()
            .any(|r| r.0 == d.text && r.1 == d.symbology && r.2 < now);
        if !self.reads.iter().any(|r| r.0 == d.text && r.2 == now) {
            self.reads.push((d.text.clone(), d.symbology, now));
        }
        let by = if verified(&d) {
            Some(Acceptance::Verified)
        } else if agreed {
            Some(Acceptance::Agreed)
        } else {
            None
        };
        let Some(by) = by else {
            return (None, Some(d));
        };
        // Once per appearance: the same code still in view is not accepted again.
        let keep = u64::from(self.options.keep_frames);
        let repeat = self
            .shown
            .as_ref()
            .is_some_and(|(t, last)| *t == d.text && now - *last <= keep);
        self.shown = Some((d.text.clone(), now));
        if repeat {
            (None, None)
        } else {
            (Some(Accepted { decoded: d, by }), None)
        }
    }
}

/// Whether a single read can be believed: its check characters verify.
pub fn verified(d: &Decoded) -> bool {
    match d.symbology {
        Symbology::DataMatrix => {
            // Reed–Solomon with room to spare: at most half the repair budget used (the
            // budget is half the check codewords). Unknown (rxing's reader): only a GS1
            // mark, whose GTIN check digit is one more check.
            let margin_ok = d.ecc.is_none_or(|e| 4 * e.corrected <= e.capacity);
            let gs1_ok = !d.gs1 || ExciseMark::parse(&d.text).is_ok();
            margin_ok && gs1_ok && (d.ecc.is_some() || d.gs1)
        }
        Symbology::QrCode => ReceiptQr::parse(&d.text).is_ok(),
        _ => false,
    }
}

/// The region of interest around a located symbol: its bounding box grown by `margin`
/// symbol sides on each side, clamped to the frame.
fn around(l: &Located, margin: f32, w: u32, h: u32) -> Option<Roi> {
    let xs = l.corners.map(|p| p.0);
    let ys = l.corners.map(|p| p.1);
    let (x0, x1) = (
        xs.iter().cloned().fold(f32::MAX, f32::min),
        xs.iter().cloned().fold(f32::MIN, f32::max),
    );
    let (y0, y1) = (
        ys.iter().cloned().fold(f32::MAX, f32::min),
        ys.iter().cloned().fold(f32::MIN, f32::max),
    );
    let side = (x1 - x0).max(y1 - y0).max(16.0);
    let grow = margin * side;
    let (rx0, ry0) = ((x0 - grow).max(0.0), (y0 - grow).max(0.0));
    let (rx1, ry1) = ((x1 + grow).min(w as f32), (y1 + grow).min(h as f32));
    if rx1 - rx0 < 16.0 || ry1 - ry0 < 16.0 {
        return None;
    }
    Some(Roi {
        x: rx0 as u32,
        y: ry0 as u32,
        width: (rx1 - rx0) as u32,
        height: (ry1 - ry0) as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::EccUse;

    fn read(text: &str, symbology: Symbology, ecc: Option<EccUse>, gs1: bool) -> Decoded {
        Decoded {
            symbology,
            text: text.to_string(),
            gs1,
            symbology_id: None,
            points: Vec::new(),
            pass: 0,
            ecc,
            modules: None,
        }
    }

    const MARK: &str = "0104870204390513215ZxKq9aBcDeFg\u{1d}93AbCd";

    #[test]
    fn a_clean_mark_is_believed_at_once_a_strained_one_needs_a_second_frame() {
        let mut s = StreamScanner::new(StreamOptions::default());
        let clean = read(
            MARK,
            Symbology::DataMatrix,
            Some(EccUse {
                corrected: 2,
                capacity: 20,
            }),
            true,
        );
        let (a, p) = s.offer(clean.clone(), 1);
        assert_eq!(a.map(|a| a.by), Some(Acceptance::Verified));
        assert!(p.is_none());
        // Still in view: not accepted again.
        assert_eq!(s.offer(clean, 2), (None, None));

        let mut s = StreamScanner::new(StreamOptions::default());
        let strained = read(
            MARK,
            Symbology::DataMatrix,
            Some(EccUse {
                corrected: 8,
                capacity: 20,
            }),
            true,
        );
        let (a, p) = s.offer(strained.clone(), 1);
        assert!(a.is_none() && p.is_some());
        let (a, _) = s.offer(strained, 2);
        assert_eq!(a.map(|a| a.by), Some(Acceptance::Agreed));
    }

    #[test]
    fn a_misread_is_never_accepted() {
        let mut s = StreamScanner::new(StreamOptions::default());
        // An EAN misread once between good reads: the good one is accepted on agreement,
        // the misread never.
        let good = read("4870204390513", Symbology::Ean13, None, false);
        let bad = read("4870204390520", Symbology::Ean13, None, false);
        assert_eq!(s.offer(good.clone(), 1).0, None);
        assert_eq!(s.offer(bad.clone(), 2).0, None);
        assert_eq!(
            s.offer(good.clone(), 3).0.map(|a| a.decoded.text),
            Some(good.text.clone())
        );
        assert_eq!(s.offer(good, 4).0, None);
        // A GS1 DataMatrix whose GTIN check digit is wrong is not believed on its own…
        let wrong = read(
            "0104870204390514215ZxKq9aBcDeFg\u{1d}93AbCd",
            Symbology::DataMatrix,
            Some(EccUse {
                corrected: 0,
                capacity: 20,
            }),
            true,
        );
        assert!(!verified(&wrong));
        assert_eq!(s.offer(wrong, 5).0, None);
        // …nor is a mark from rxing's reader without GS1 (unknown correction used).
        let plain = read("hello", Symbology::DataMatrix, None, false);
        assert!(!verified(&plain));
        // …and agreement must come within the window.
        let mut s = StreamScanner::new(StreamOptions {
            agree_within: 3,
            ..StreamOptions::default()
        });
        assert_eq!(s.offer(bad.clone(), 1).0, None);
        assert_eq!(s.offer(bad, 10).0, None);
    }

    #[test]
    fn the_roi_grows_around_the_symbol_and_stays_in_the_frame() {
        let l = Located {
            corners: [
                (100.0, 100.0),
                (160.0, 100.0),
                (160.0, 160.0),
                (100.0, 160.0),
            ],
            modules: 22,
        };
        assert_eq!(
            around(&l, 1.0, 1280, 720),
            Some(Roi {
                x: 40,
                y: 40,
                width: 180,
                height: 180
            })
        );
        let edge = Located {
            corners: [(0.0, 0.0), (30.0, 0.0), (30.0, 30.0), (0.0, 30.0)],
            modules: 10,
        };
        assert_eq!(
            around(&edge, 1.0, 1280, 720).map(|r| (r.x, r.y)),
            Some((0, 0))
        );
    }
}
