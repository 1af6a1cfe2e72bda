//! Our DataMatrix reader for camera frames: perspective-correct, grey-level, with
//! erasure decoding.
//!
//! rxing's detector (a port of zxing-cpp's) traces the L-finder in a *binarised* image
//! and samples one pixel per module; it reads clean frames fast and stays the first rung
//! of the scanner's ladder. What it misses — a label tilted towards the camera, faint
//! print, blur that melts 2-px modules, a glare spot — this reader takes on:
//!
//! 1. [`locate`]: busy patches of the frame (a coarse texture map), and in each the dark
//!    components whose convex hull is a plausible projected square → rough quads. Quads
//!    rxing located but could not read, and the last frame's symbol (camera stream), are
//!    seeds too.
//! 2. [`grid::fit_borders`]: the four border lines fitted to edge points found along each
//!    side's normal in the grey image (the clock-track sides by their outer envelope),
//!    corners = their intersections — a homography, not a rotated square.
//! 3. [`grid::orient`]: every orientation and plausible module count scored by how the
//!    clock track alternates and how dark the L is; the best few are kept.
//! 4. [`grid::polish`]: the corners nudged, in shrinking steps, to maximise the contrast
//!    between light clock modules and the finder — a sub-module fit under perspective.
//! 5. [`grid::read`]: modules sampled through the homography (five taps each), a local
//!    two-class threshold in module space (it follows a glare spot), optionally an
//!    unsharp mask against blur, then [`ecc200::decode`]: Reed–Solomon with the least
//!    reliable codewords declared erased when plain correction fails. The neighbouring
//!    module counts are tried too.

pub(crate) mod ecc200;
pub(crate) mod grid;
pub(crate) mod locate;

use std::time::Instant;

use crate::geom::Pt;
use crate::plane::Plane;

use ecc200::DmText;
use grid::{Grid, Reading};

/// A symbol read by this reader.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DmHit {
    /// What it says.
    pub(crate) text: DmText,
    /// Where it is (picture coordinates of the plane it was read on).
    pub(crate) grid: Grid,
}

/// Border score from which a grid counts as a located symbol.
const SEEN: f64 = 0.6;

/// The ways modules are turned into bits, tried in turn.
pub(crate) const READINGS: [Reading; 3] = [
    Reading {
        sharpen: 0.0,
        window: 3,
    },
    Reading {
        sharpen: 0.6,
        window: 3,
    },
    Reading {
        sharpen: 0.0,
        window: 2,
    },
];

/// Reads the symbol around the rough quad `rough` (any corner order). `sizes`
/// restricts the module counts (the camera stream knows the last one); `deadline` stops
/// early.
pub(crate) fn read_quad(
    img: &Plane,
    rough: [Pt; 4],
    sizes: &[u32],
    inverted: &[bool],
    deadline: Option<Instant>,
    seen: &mut Option<(Grid, f64)>,
) -> Option<DmHit> {
    let side = (0..4)
        .map(|i| (rough[i].0 - rough[(i + 1) % 4].0).hypot(rough[i].1 - rough[(i + 1) % 4].1))
        .fold(0.0f64, f64::max);
    let raw = grid::clockwise(rough);
    // A gentle border fit: a quad from a full-size component is usually within a pixel
    // or two; a wide search would jump to the pack beyond a thin quiet zone.
    let fitted = grid::fit_borders(
        img,
        raw,
        (0.05 * side).clamp(2.0, 8.0),
        (0.04 * side).clamp(1.5, 6.0),
        (0.02 * side).max(0.8),
        (0.04 * side).max(1.5),
    )
    .map(grid::clockwise);
    let mut tried: Vec<Grid> = Vec::new();
    for &inv in inverted {
        // Each side re-fitted on its own strongest edge: puts the L right even when a
        // corner of the rough quad is far off.
        let refit = grid::refit_sides(img, raw, (0.12 * side).clamp(3.0, 16.0), inv).map(|r| r.0);
        let mut grids: Vec<(Grid, f64)> = Vec::new();
        for q in [Some(raw), fitted, refit].into_iter().flatten() {
            // The L-finder first: no two solid adjacent sides, no symbol.
            let Some(sides) = grid::classify(img, q, inv) else {
                continue;
            };
            if sides.rotations.is_empty() {
                continue;
            }
            // The L-finder and clock track as edges: corners and module size → the
            // sizes near side / module.
            for &rot in sides.rotations.iter().take(2) {
                let Some((corners, m, (top, right))) = grid::trace_l(img, q, rot, inv) else {
                    continue;
                };
                let g0 = Grid {
                    corners,
                    n: 10,
                    inverted: inv,
                };
                // Sizes near the counted clock modules, or near side / module size.
                let est = g0.module_px() * 10.0 / m;
                // An L and its clock edges are a located symbol even when blur hides
                // the modules (a weak claim, below any scored grid).
                if seen.is_none() {
                    let n = grid::SIZES
                        .iter()
                        .copied()
                        .min_by(|a, b| {
                            (f64::from(*a) - est)
                                .abs()
                                .total_cmp(&(f64::from(*b) - est).abs())
                        })
                        .unwrap_or(10);
                    *seen = Some((Grid { n, ..g0 }, 0.3));
                }
                for &n in grid::SIZES.iter() {
                    let nf = f64::from(n);
                    let counted = [top, right]
                        .iter()
                        .any(|&c| (nf - 2.0 * c as f64).abs() <= (0.08 * nf).max(2.0));
                    let measured = (nf - est).abs() <= (0.3 * est).max(3.0);
                    if sizes.contains(&n) && (counted || measured) {
                        let g = Grid { n, ..g0 };
                        let (score, _) = grid::score(img, &g);
                        grids.push((g, score + if counted { 0.15 } else { 0.05 }));
                    }
                }
            }
            // Every plausible size for the rotations the L allows (cheap: border samples
            // only); the counted clock runs only break ties.
            for (g, mut score) in grid::orient(img, q, sizes, &[inv], &sides.rotations) {
                if sides.sizes.contains(&g.n) {
                    score += 0.05;
                }
                grids.push((g, score));
            }
        }
        grids.sort_by(|a, b| b.1.total_cmp(&a.1));
        // The best-looking grid is where a symbol is, read or not (the camera stream
        // tracks it into the next frame).
        if let Some(&(g, score)) = grids.first() {
            if score >= SEEN && seen.is_none_or(|s| score > s.1) {
                *seen = Some((g, score));
            }
        }
        for (g, _) in grids.into_iter().take(3) {
            if deadline.is_some_and(|d| Instant::now() > d) {
                return None;
            }
            if let Some(hit) = read_grid(img, g, &mut tried) {
                return Some(hit);
            }
        }
    }
    None
}

/// Fits the borders at the grid's module scale, polishes the corners and reads, with the
/// neighbouring module counts too.
fn read_grid(img: &Plane, g: Grid, tried: &mut Vec<Grid>) -> Option<DmHit> {
    let m = g.module_px();
    let corners = grid::fit_borders(
        img,
        g.corners,
        (1.6 * m).max(2.0),
        (1.2 * m).max(1.5),
        (0.45 * m).max(0.6),
        0.6 * m,
    )
    .unwrap_or(g.corners);
    let unpolished = Grid { corners, ..g };
    let fitted = grid::polish(img, unpolished);
    let mut cands = vec![fitted, unpolished];
    for n in grid::neighbours(fitted.n) {
        cands.push(grid::polish(img, Grid { n, ..fitted }));
    }
    for cand in cands {
        if tried.iter().any(|t| t.n == cand.n && same_place(t, &cand)) {
            continue;
        }
        tried.push(cand);
        for how in READINGS {
            if let Some(text) = grid::read(img, &cand, how) {
                return Some(DmHit { text, grid: cand });
            }
        }
    }
    // The corner where the two clock tracks meet is the least certain: nudge it by a
    // third of a module around the polished grid and read again.
    let m = fitted.module_px();
    for (dx, dy) in [
        (-1.0, 0.0),
        (1.0, 0.0),
        (0.0, -1.0),
        (0.0, 1.0),
        (-1.0, -1.0),
        (1.0, 1.0),
        (1.0, -1.0),
        (-1.0, 1.0),
    ] {
        let mut g = fitted;
        g.corners[1].0 += dx * m / 3.0;
        g.corners[1].1 += dy * m / 3.0;
        if let Some(text) = grid::read(img, &g, READINGS[0]) {
            return Some(DmHit { text, grid: g });
        }
    }
    None
}

fn same_place(a: &Grid, b: &Grid) -> bool {
    let tol = 0.5 * a.module_px();
    a.corners
        .iter()
        .zip(&b.corners)
        .all(|(p, q)| (p.0 - q.0).hypot(p.1 - q.1) < tol)
}

/// Looks for symbols in `full` (a frame or region at full resolution; `half` is it
/// box-downscaled ×2, where the components are found cheaper), looking as far as
/// `budget` allows.
pub(crate) fn scan(
    full: &Plane,
    half: Option<&Plane>,
    budget: locate::Budget,
    inverted: &[bool],
    deadline: Option<Instant>,
    seen: &mut Option<(Grid, f64)>,
) -> Option<DmHit> {
    for &inv in inverted {
        let quads: Vec<[Pt; 4]> = match half {
            Some(h) => locate::candidates(full, h, inv, budget),
            None => locate::quads(full, inv, budget.quads),
        };
        for q in quads {
            if deadline.is_some_and(|d| Instant::now() > d) {
                return None;
            }
            if let Some(hit) = read_quad(full, q, &grid::SIZES, &[inv], deadline, seen) {
                return Some(hit);
            }
        }
    }
    None
}
