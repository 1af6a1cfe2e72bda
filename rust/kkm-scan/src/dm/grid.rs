//! From a rough quadrilateral around a symbol to its text: the four border lines fitted
//! to edge points, the L-finder and the clock track told apart by sampling, the module
//! count and orientation chosen by how well the clock track alternates, the corners
//! polished on the same score, and the modules read through the homography with a
//! threshold that follows the light across the symbol.

use crate::geom::{area2, Homography, Line, Pt};
use crate::plane::Plane;

use super::ecc200::{self, DmText};

/// Side lengths of square ECC 200 symbols, in modules.
pub(crate) const SIZES: [u32; 24] = [
    10, 12, 14, 16, 18, 20, 22, 24, 26, 32, 36, 40, 44, 48, 52, 64, 72, 80, 88, 96, 104, 120, 132,
    144,
];

/// A fitted grid: corners of the module grid in picture coordinates — top-left,
/// top-right, bottom-right and the L-corner bottom-left — and its side in modules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Grid {
    /// (0,0), (n,0), (n,n), (0,n) of the grid.
    pub(crate) corners: [Pt; 4],
    /// Modules per side.
    pub(crate) n: u32,
    /// `true` for light modules on a dark ground (etched, inverted print).
    pub(crate) inverted: bool,
}

impl Grid {
    fn map(&self) -> Option<Homography> {
        let n = f64::from(self.n);
        Homography::rect_to_quad(n, n, self.corners)
    }

    /// Mean module size in pixels.
    pub(crate) fn module_px(&self) -> f64 {
        let c = &self.corners;
        let per = (0..4)
            .map(|i| {
                let (p, q) = (c[i], c[(i + 1) % 4]);
                (p.0 - q.0).hypot(p.1 - q.1)
            })
            .sum::<f64>();
        per / (4.0 * f64::from(self.n))
    }
}

/// Orders a quad clockwise on screen (positive area in y-down coordinates).
pub(crate) fn clockwise(mut q: [Pt; 4]) -> [Pt; 4] {
    if area2(&q) < 0.0 {
        q.swap(1, 3);
    }
    q
}

/// Fits the four border lines of the symbol around the rough quad `q` and returns their
/// intersections (in `q`'s corner order, made clockwise). Each side is probed along its
/// normal from `out` pixels outside to `inward` pixels inside; the first fall below the
/// midpoint between the quiet zone and the darkest value is an edge point. On the
/// clock-track sides only the dark clock modules reach the border, the light ones leave
/// points a module or more inside: the fit keeps the outer envelope (points within `tol`
/// of the 20th percentile from outside), which also shrugs off a little junk. A side
/// keeps its old line where the fit would move either end of it by more than
/// `max_move` pixels (a faint or glared side pulls the edge points astray; a good grid
/// should only be nudged).
pub(crate) fn fit_borders(
    img: &Plane,
    q: [Pt; 4],
    out: f64,
    inward: f64,
    tol: f64,
    max_move: f64,
) -> Option<[Pt; 4]> {
    let q = clockwise(q);
    let centre = (
        q.iter().map(|p| p.0).sum::<f64>() / 4.0,
        q.iter().map(|p| p.1).sum::<f64>() / 4.0,
    );
    let steps = ((out + inward) / 0.5) as usize + 1;
    let mut prof = vec![0f32; steps];
    let mut lines = [None; 4];
    for (i, line) in lines.iter_mut().enumerate() {
        let (p, r) = (q[i], q[(i + 1) % 4]);
        let len = (r.0 - p.0).hypot(r.1 - p.1);
        if len < 6.0 {
            return None;
        }
        let dir = ((r.0 - p.0) / len, (r.1 - p.1) / len);
        let mut nrm = (-dir.1, dir.0);
        let mid = ((p.0 + r.0) / 2.0, (p.1 + r.1) / 2.0);
        if (mid.0 - centre.0) * nrm.0 + (mid.1 - centre.1) * nrm.1 < 0.0 {
            nrm = (-nrm.0, -nrm.1); // outward
        }
        let k = ((len / 2.0) as usize).clamp(8, 48);
        let mut pts: Vec<Pt> = Vec::with_capacity(k);
        let outside = ((out / 0.5) as usize + 2).min(steps);
        for s in 0..k {
            let t = 0.1 + 0.8 * (s as f64 + 0.5) / k as f64;
            let base = (p.0 + (r.0 - p.0) * t, p.1 + (r.1 - p.1) * t);
            for (j, v) in prof.iter_mut().enumerate() {
                let d = out - 0.5 * j as f64;
                *v = img.sample(base.0 + nrm.0 * d, base.1 + nrm.1 * d);
            }
            if let Some(x) = first_fall(&prof, outside, 10.0) {
                let d = out - 0.5 * x;
                pts.push((base.0 + nrm.0 * d, base.1 + nrm.1 * d));
            }
        }
        if pts.len() < 4 {
            return None;
        }
        let mut l = Line::through(p, r)?;
        if l.a * nrm.0 + l.b * nrm.1 < 0.0 {
            l = Line {
                a: -l.a,
                b: -l.b,
                c: -l.c,
            };
        }
        for pass in 0..4 {
            let mut d: Vec<f64> = pts.iter().map(|&pt| l.dist(pt)).collect();
            d.sort_by(|a, b| b.total_cmp(a));
            let outer = d[(d.len() / 5).min(d.len() - 1)];
            let t = if pass == 0 { tol * 2.0 } else { tol };
            let keep: Vec<Pt> = pts
                .iter()
                .copied()
                .filter(|&pt| (l.dist(pt) - outer).abs() <= t)
                .collect();
            if keep.len() < 3 {
                break;
            }
            let Some(mut nl) = Line::fit(&keep) else {
                break;
            };
            if nl.a * nrm.0 + nl.b * nrm.1 < 0.0 {
                nl = Line {
                    a: -nl.a,
                    b: -nl.b,
                    c: -nl.c,
                };
            }
            l = nl;
        }
        // How far the new line is from the old one at the side's two ends.
        let shift = l.dist(p).abs().max(l.dist(r).abs());
        *line = if shift <= max_move {
            Some(l)
        } else {
            let mut old = Line::through(p, r)?;
            if old.a * nrm.0 + old.b * nrm.1 < 0.0 {
                old = Line {
                    a: -old.a,
                    b: -old.b,
                    c: -old.c,
                };
            }
            Some(old)
        };
    }
    let mut res = [(0.0, 0.0); 4];
    for i in 0..4 {
        let (a, b) = (lines[(i + 3) % 4]?, lines[i]?);
        res[i] = a.intersect(&b)?;
    }
    // Reject wild intersections (near-parallel sides).
    let moved = (0..4)
        .map(|i| (res[i].0 - q[i].0).hypot(res[i].1 - q[i].1))
        .fold(0.0, f64::max);
    (moved < 2.0 * (out + inward) + 4.0).then_some(res)
}

/// Module values along the finder and clock of a grid, for scoring.
struct Border {
    /// Expected dark: the L (left column, bottom row) and the dark clock modules.
    dark: Vec<f32>,
    /// Expected light: the light clock modules.
    light: Vec<f32>,
    /// Clock runs in order (top row left → right, right column top → bottom) with the
    /// expected polarity (`true` = dark) for alternation checks.
    clock: Vec<(f32, bool)>,
}

fn border(img: &Plane, h: &Homography, n: u32) -> Border {
    let nn = n as usize;
    let mut b = Border {
        dark: Vec::with_capacity(4 * nn),
        light: Vec::with_capacity(nn),
        clock: Vec::with_capacity(2 * nn),
    };
    let at = |x: f64, y: f64| {
        let p = h.apply(x, y);
        img.sample(p.0, p.1)
    };
    let nf = f64::from(n);
    for i in 0..nn {
        let c = i as f64 + 0.5;
        // L: left column and bottom row.
        b.dark.push(at(0.5, c));
        b.dark.push(at(c, nf - 0.5));
        // Clock: top row dark on even columns; right column dark on odd rows.
        let top = at(c, 0.5);
        let dark_top = i % 2 == 0;
        b.clock.push((top, dark_top));
        if dark_top {
            b.dark.push(top);
        } else {
            b.light.push(top);
        }
    }
    for j in 0..nn {
        let c = j as f64 + 0.5;
        let right = at(nf - 0.5, c);
        let dark_right = j % 2 == 1;
        b.clock.push((right, dark_right));
        if dark_right {
            b.dark.push(right);
        } else {
            b.light.push(right);
        }
    }
    b
}

/// How much a grid looks like a DataMatrix border: the share of clock neighbours with
/// the right order times the share of finder modules darker than the light clock, and
/// the contrast between them. `inverted` flips the polarity.
fn border_score(img: &Plane, grid: &Grid) -> (f64, f64) {
    let Some(h) = grid.map() else {
        return (0.0, 0.0);
    };
    let mut b = border(img, &h, grid.n);
    if grid.inverted {
        for v in b.dark.iter_mut().chain(b.light.iter_mut()) {
            *v = 255.0 - *v;
        }
        for c in b.clock.iter_mut() {
            c.0 = 255.0 - c.0;
        }
    }
    if b.light.is_empty() || b.dark.is_empty() {
        return (0.0, 0.0);
    }
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    let (ml, md) = (mean(&b.light), mean(&b.dark));
    let contrast = f64::from(ml - md);
    if contrast <= 0.0 {
        return (0.0, contrast);
    }
    let mid = 0.5 * (ml + md);
    let pairs = b.clock.windows(2).filter(|w| w[0].1 != w[1].1);
    let (mut good, mut all) = (0usize, 0usize);
    for w in pairs {
        all += 1;
        let (dark, light) = if w[0].1 {
            (w[0].0, w[1].0)
        } else {
            (w[1].0, w[0].0)
        };
        good += usize::from(dark < light);
    }
    let alternation = good as f64 / all.max(1) as f64;
    let finder = b.dark.iter().filter(|&&v| v < mid).count() as f64 / b.dark.len() as f64;
    (alternation * finder, contrast)
}

/// [`border_score`] for other modules: (clock alternation × finder darkness, contrast).
pub(crate) fn score(img: &Plane, grid: &Grid) -> (f64, f64) {
    border_score(img, grid)
}

/// The continuous objective the corner polish climbs: the correlation of border samples
/// with the pattern they should show — the L dark, the clock track alternating, and a
/// ring half a module outside the symbol light (the quiet zone). The ring keeps the
/// grid from sliding inwards, where blurred data modules next to the L look as dark as
/// the L itself; a correlation does not care how faint or glared the print is.
fn border_fit(img: &Plane, grid: &Grid) -> f64 {
    let Some(h) = grid.map() else {
        return f64::MIN;
    };
    let n = grid.n as usize;
    let nf = f64::from(grid.n);
    let mut v: Vec<f32> = Vec::with_capacity(8 * n);
    let mut e: Vec<f32> = Vec::with_capacity(8 * n);
    let mut at = |x: f64, y: f64, light: bool| {
        let p = h.apply(x, y);
        let s = img.sample(p.0, p.1);
        v.push(if grid.inverted { 255.0 - s } else { s });
        e.push(if light { 1.0 } else { -1.0 });
    };
    for i in 0..n {
        let c = i as f64 + 0.5;
        at(0.5, c, false); // L, left
        at(c, nf - 0.5, false); // L, bottom
        at(c, 0.5, i % 2 == 1); // clock, top: dark on even columns
        at(nf - 0.5, c, i % 2 == 0); // clock, right: dark on odd rows
        at(-0.5, c, true); // quiet zone around
        at(c, nf + 0.5, true);
        at(c, -0.5, true);
        at(nf + 0.5, c, true);
    }
    let m = v.iter().sum::<f32>() / v.len() as f32;
    let (mut num, mut var) = (0f64, 0f64);
    for (x, s) in v.iter().zip(&e) {
        let d = f64::from(x - m);
        num += d * f64::from(*s);
        var += d * d;
    }
    num / (var.sqrt() * (v.len() as f64).sqrt()).max(1e-9)
}

/// What the four sides of a quad look like just inside the border.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sides {
    /// Per side (quad order): the largest dark share along an inner strip, and the most
    /// dark runs counted along one.
    pub(crate) profile: [(f64, usize); 4],
    /// Rotations (see [`orient`]) whose L-finder sides are solid, likeliest first.
    pub(crate) rotations: Vec<usize>,
    /// Module counts suggested by the runs along the clock-track sides (empty: unknown).
    pub(crate) sizes: Vec<u32>,
}

/// Tells the L-finder from the clock track without knowing the module size: along strips
/// just inside each side (several insets), the L-finder sides are dark nearly all the
/// way, the clock-track sides alternate. No rotation when no two adjacent sides are
/// solid with the other two alternating: not a DataMatrix (most quads a busy frame offers
/// end here, cheaply). The dark runs along the clock sides give the module count (twice
/// the runs). `None` for a degenerate quad.
pub(crate) fn classify(img: &Plane, q: [Pt; 4], inverted: bool) -> Option<Sides> {
    let q = clockwise(q);
    let centre = (
        q.iter().map(|p| p.0).sum::<f64>() / 4.0,
        q.iter().map(|p| p.1).sum::<f64>() / 4.0,
    );
    let sign = if inverted { -1.0f32 } else { 1.0 };
    let mut solid = [0f64; 4];
    let mut runs = [0usize; 4];
    for (i, (solid_i, runs_i)) in solid.iter_mut().zip(runs.iter_mut()).enumerate() {
        let (p, r) = (q[i], q[(i + 1) % 4]);
        let len = (r.0 - p.0).hypot(r.1 - p.1);
        if len < 6.0 {
            return None;
        }
        let mut nrm = (-(r.1 - p.1) / len, (r.0 - p.0) / len);
        let mid = ((p.0 + r.0) / 2.0, (p.1 + r.1) / 2.0);
        if (mid.0 - centre.0) * nrm.0 + (mid.1 - centre.1) * nrm.1 > 0.0 {
            nrm = (-nrm.0, -nrm.1); // inward
        }
        let k = ((len / 0.8) as usize).clamp(24, 120);
        let strip = |inset: f64| -> Vec<f32> {
            (0..k)
                .map(|s| {
                    let t = 0.04 + 0.92 * (s as f64 + 0.5) / k as f64;
                    let x = p.0 + (r.0 - p.0) * t + nrm.0 * inset;
                    let y = p.1 + (r.1 - p.1) * t + nrm.1 * inset;
                    sign * img.sample(x, y)
                })
                .collect()
        };
        // The reference is the symbol's own inside (data modules, about half dark):
        // a band a few modules deep, smoothed along the side. Unlike the quiet zone it
        // is there whatever surrounds the label, and a glare spot shifts it too.
        let depth = 0.12 * len;
        let deep: Vec<f32> = {
            let a = strip(depth);
            let b = strip(depth * 1.4);
            let c = strip(depth * 0.8);
            let raw: Vec<f32> = (0..k).map(|j| (a[j] + b[j] + c[j]) / 3.0).collect();
            let win = (k / 10).max(2);
            (0..k)
                .map(|j| {
                    let (lo, hi) = (j.saturating_sub(win), (j + win + 1).min(k));
                    raw[lo..hi].iter().sum::<f32>() / (hi - lo) as f32
                })
                .collect()
        };
        let max_inset = (0.07 * len).clamp(1.5, 9.0);
        let inset_step = (len / 100.0).max(0.7);
        let mut inset = 0.6;
        while inset <= max_inset {
            let v = strip(inset);
            let mut d: Vec<f32> = v.iter().zip(&deep).map(|(x, m)| m - x).collect();
            // Contrast scale: how far dark samples sit below the reference.
            let n = d.len();
            let p90 = *d
                .select_nth_unstable_by(n * 9 / 10, |a, b| a.total_cmp(b))
                .1;
            let p10 = *d.select_nth_unstable_by(n / 10, |a, b| a.total_cmp(b)).1;
            let p50 = *d.select_nth_unstable_by(n / 2, |a, b| a.total_cmp(b)).1;
            let spread = p90 - p10;
            if spread > 6.0 || p50 > 6.0 {
                let scale = spread.max(p50).max(6.0);
                let dark = v
                    .iter()
                    .zip(&deep)
                    .filter(|(&x, &m)| m - x > 0.2 * scale)
                    .count() as f64
                    / v.len() as f64;
                *solid_i = solid_i.max(dark);
                let (mut n, mut in_dark) = (0usize, false);
                for (&x, &m) in v.iter().zip(&deep) {
                    if !in_dark && m - x > 0.25 * scale {
                        in_dark = true;
                        n += 1;
                    } else if in_dark && m - x < 0.0 {
                        in_dark = false;
                    }
                }
                *runs_i = (*runs_i).max(n);
            }
            inset += inset_step;
        }
    }
    // Rotation `rot` puts the L on sides rot+2 and rot+3.
    // …and the clock track on the other two, which alternate (a solid square is a panel).
    let mut rots: Vec<(usize, f64)> = (0..4)
        .filter_map(|rot| {
            let (a, b) = (solid[(rot + 2) % 4], solid[(rot + 3) % 4]);
            let (t, r) = (rot, (rot + 1) % 4);
            let clock = solid[t] < 0.9 && solid[r] < 0.9 && runs[t] >= 3 && runs[r] >= 3;
            (a > 0.75 && b > 0.75 && clock).then_some((rot, a + b))
        })
        .collect();
    rots.sort_by(|a, b| b.1.total_cmp(&a.1));
    let profile = [0, 1, 2, 3].map(|i| ((solid[i] * 100.0).round() / 100.0, runs[i]));
    let Some(&(rot, _)) = rots.first() else {
        return Some(Sides {
            profile,
            rotations: Vec::new(),
            sizes: Vec::new(),
        });
    };
    let (top, right) = (runs[rot], runs[(rot + 1) % 4]);
    let mut sizes: Vec<u32> = Vec::new();
    for est in [2 * top, 2 * right] {
        for &n in SIZES.iter() {
            let d = (f64::from(n) - est as f64).abs();
            if d <= (0.12 * est as f64).max(2.5) && !sizes.contains(&n) {
                sizes.push(n);
            }
        }
    }
    Some(Sides {
        profile,
        rotations: rots.into_iter().map(|r| r.0).collect(),
        sizes,
    })
}

/// Tries the orientations `rots` (`rot` makes `q[rot]` the grid's top-left corner),
/// polarities and plausible module counts on the quad `q` (made clockwise); returns the
/// best grids by border score, best first.
pub(crate) fn orient(
    img: &Plane,
    q: [Pt; 4],
    sizes: &[u32],
    inverted: &[bool],
    rots: &[usize],
) -> Vec<(Grid, f64)> {
    let q = clockwise(q);
    let side = |i: usize| (q[i].0 - q[(i + 1) % 4].0).hypot(q[i].1 - q[(i + 1) % 4].1);
    let (lo, hi) = (0..4)
        .map(side)
        .fold((f64::MAX, 0.0f64), |a, s| (a.0.min(s), a.1.max(s)));
    let mut out: Vec<(Grid, f64)> = Vec::new();
    for &n in sizes {
        // Modules between 1.3 and 16 px.
        let nf = f64::from(n);
        if hi / nf < 1.3 || lo / nf > 16.0 {
            continue;
        }
        for &rot in rots {
            let corners = [q[rot], q[(rot + 1) % 4], q[(rot + 2) % 4], q[(rot + 3) % 4]];
            for &inv in inverted {
                let g = Grid {
                    corners,
                    n,
                    inverted: inv,
                };
                let (s, c) = border_score(img, &g);
                if s > 0.35 && c > 4.0 {
                    out.push((g, s));
                }
            }
        }
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out.truncate(6);
    out
}

/// Moves each corner by ever smaller steps while the border contrast grows.
pub(crate) fn polish(img: &Plane, grid: Grid) -> Grid {
    let mut g = grid;
    let mut best = border_fit(img, &g);
    let m = g.module_px();
    for step in [0.8 * m, 0.4 * m, 0.2 * m, 0.1 * m] {
        for _ in 0..3 {
            let mut moved = false;
            for c in 0..4 {
                for (dx, dy) in [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)] {
                    let mut t = g;
                    t.corners[c].0 += dx * step;
                    t.corners[c].1 += dy * step;
                    let v = border_fit(img, &t);
                    if v > best {
                        best = v;
                        g = t;
                        moved = true;
                    }
                }
            }
            if !moved {
                break;
            }
        }
    }
    g
}

/// How the module values are turned into bits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Reading {
    /// Unsharp mask in module space (0 = off): undoes the blur that leaks a module's
    /// neighbours into it.
    pub(crate) sharpen: f32,
    /// Half-width of the local-threshold window, in modules.
    pub(crate) window: usize,
}

/// Samples every module of `grid` and decodes.
pub(crate) fn read(img: &Plane, grid: &Grid, how: Reading) -> Option<DmText> {
    let h = grid.map()?;
    let n = grid.n as usize;
    let mut v = vec![0f32; n * n];
    // Five taps per module: the centre and four points a fifth of a module away.
    const TAPS: [(f64, f64, f32); 5] = [
        (0.0, 0.0, 0.4),
        (-0.2, -0.2, 0.15),
        (0.2, -0.2, 0.15),
        (-0.2, 0.2, 0.15),
        (0.2, 0.2, 0.15),
    ];
    for r in 0..n {
        for c in 0..n {
            let mut acc = 0.0;
            for &(dx, dy, w) in &TAPS {
                let p = h.apply(c as f64 + 0.5 + dx, r as f64 + 0.5 + dy);
                acc += w * img.sample(p.0, p.1);
            }
            v[r * n + c] = if grid.inverted { 255.0 - acc } else { acc };
        }
    }
    if how.sharpen > 0.0 {
        let src = v.clone();
        for r in 0..n {
            for c in 0..n {
                let mut s = 0.0;
                let mut k = 0.0;
                for (dr, dc) in [(-1i64, 0i64), (1, 0), (0, -1), (0, 1)] {
                    let (rr, cc) = (r as i64 + dr, c as i64 + dc);
                    if rr >= 0 && cc >= 0 && (rr as usize) < n && (cc as usize) < n {
                        s += src[rr as usize * n + cc as usize];
                        k += 1.0;
                    }
                }
                let me = src[r * n + c];
                v[r * n + c] = me + how.sharpen * (me - s / k);
            }
        }
    }
    let (dark, conf) = threshold(&v, n, how.window);
    ecc200::decode(grid.n, &dark, &conf)
}

/// Local two-class threshold in module space: in a window around each module, the
/// midpoint between the means of the values below and above the window mean. Returns
/// darkness and a reliability (distance from the threshold over the local contrast).
fn threshold(v: &[f32], n: usize, win: usize) -> (Vec<bool>, Vec<f32>) {
    let mut dark = vec![false; n * n];
    let mut conf = vec![0f32; n * n];
    for r in 0..n {
        let (r0, r1) = (r.saturating_sub(win), (r + win + 1).min(n));
        for c in 0..n {
            let (c0, c1) = (c.saturating_sub(win), (c + win + 1).min(n));
            let (mut sum, mut cnt) = (0f32, 0f32);
            for rr in r0..r1 {
                for cc in c0..c1 {
                    sum += v[rr * n + cc];
                    cnt += 1.0;
                }
            }
            let mean = sum / cnt;
            let (mut lo, mut nlo, mut hi, mut nhi) = (0f32, 0f32, 0f32, 0f32);
            for rr in r0..r1 {
                for cc in c0..c1 {
                    let x = v[rr * n + cc];
                    if x < mean {
                        lo += x;
                        nlo += 1.0;
                    } else {
                        hi += x;
                        nhi += 1.0;
                    }
                }
            }
            let (lo, hi) = (lo / nlo.max(1.0), hi / nhi.max(1.0));
            let t = 0.5 * (lo + hi);
            let x = v[r * n + c];
            dark[r * n + c] = x < t;
            conf[r * n + c] = (x - t).abs() / (hi - lo).max(1.0);
        }
    }
    (dark, conf)
}

/// Neighbouring symbol sizes of `n` (one step down and up the size table).
pub(crate) fn neighbours(n: u32) -> Vec<u32> {
    let i = SIZES.iter().position(|&s| s == n);
    match i {
        Some(i) => [i.checked_sub(1), Some(i + 1)]
            .into_iter()
            .flatten()
            .filter_map(|k| SIZES.get(k).copied())
            .collect(),
        None => Vec::new(),
    }
}

/// Mean of `v` (0 for an empty slice).
fn mean(v: &[f32]) -> f32 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f32>() / v.len() as f32
    }
}

/// Where a profile (samples from outside inwards) first falls below the midpoint between
/// the lightest of its first `outside` samples (the paper) and its darkest sample, in
/// samples, interpolated; `None` when that contrast is under `min_contrast`.
fn first_fall(prof: &[f32], outside: usize, min_contrast: f32) -> Option<f64> {
    let paper = prof[..outside.min(prof.len())]
        .iter()
        .cloned()
        .fold(f32::MIN, f32::max);
    let darkest = prof.iter().cloned().fold(f32::MAX, f32::min);
    if paper - darkest < min_contrast {
        return None;
    }
    let mid = 0.5 * (paper + darkest);
    let mut above = false;
    for (j, w) in prof.windows(2).enumerate() {
        above |= w[0] >= mid;
        if above && w[1] < mid {
            return Some(j as f64 + f64::from((w[0] - mid) / (w[0] - w[1]).max(1e-3)));
        }
    }
    None
}

/// Edge points of a solid edge along `p → r`: profiles along `nrm` (pointing outwards)
/// from `out` outside to `inward` inside, the first fall below the midpoint between the
/// lightest value outside and the darkest value.
fn edge_points(img: &Plane, p: Pt, r: Pt, nrm: Pt, out: f64, inward: f64, sign: f32) -> Vec<Pt> {
    let len = (r.0 - p.0).hypot(r.1 - p.1);
    let k = ((len / 2.0) as usize).clamp(8, 64);
    let steps = ((out + inward) / 0.5) as usize + 1;
    let outside = ((out / 0.5) as usize + 2).min(steps);
    let mut prof = vec![0f32; steps];
    let mut pts = Vec::with_capacity(k);
    for s in 0..k {
        let t = 0.08 + 0.84 * (s as f64 + 0.5) / k as f64;
        let base = (p.0 + (r.0 - p.0) * t, p.1 + (r.1 - p.1) * t);
        for (j, v) in prof.iter_mut().enumerate() {
            let d = out - 0.5 * j as f64;
            *v = sign * img.sample(base.0 + nrm.0 * d, base.1 + nrm.1 * d);
        }
        if let Some(x) = first_fall(&prof, outside, 8.0) {
            let d = out - 0.5 * x;
            pts.push((base.0 + nrm.0 * d, base.1 + nrm.1 * d));
        }
    }
    pts
}

/// A robust line through `pts`: least squares, then again without the points further
/// than 2.5 median deviations (at least half a pixel) from it.
fn robust_line(pts: &[Pt]) -> Option<Line> {
    let mut l = Line::fit(pts)?;
    for _ in 0..3 {
        let mut d: Vec<f64> = pts.iter().map(|&p| l.dist(p).abs()).collect();
        d.sort_by(|a, b| a.total_cmp(b));
        let mad = d[d.len() / 2].max(0.2);
        let keep: Vec<Pt> = pts
            .iter()
            .copied()
            .filter(|&p| l.dist(p).abs() <= 2.5 * mad + 0.3)
            .collect();
        if keep.len() < pts.len() / 2 || keep.len() < 3 {
            break;
        }
        l = Line::fit(&keep)?;
    }
    Some(l)
}

/// Unit vector from `a` to `b`.
fn unit(a: Pt, b: Pt) -> Pt {
    let l = (b.0 - a.0).hypot(b.1 - a.1).max(1e-9);
    ((b.0 - a.0) / l, (b.1 - a.1) / l)
}

/// The grid from the L-finder and the clock track as edges, for the rotation `rot` of
/// the clockwise quad `q` (see [`orient`]): the two L edges fitted to edge points, the
/// module size from the L's thickness, the L's two ends found along its inner strip, and
/// each clock-track edge as the line through the L's end that best separates the quiet
/// zone from the clock modules. Returns the corners (top-left, top-right, bottom-right,
/// bottom-left), the module size in pixels and the dark modules counted along the top
/// and right clock tracks (each is half the module count).
pub(crate) fn trace_l(
    img: &Plane,
    q: [Pt; 4],
    rot: usize,
    inverted: bool,
) -> Option<([Pt; 4], f64, (usize, usize))> {
    let q = clockwise(q);
    let c = [q[rot], q[(rot + 1) % 4], q[(rot + 2) % 4], q[(rot + 3) % 4]];
    let sign = if inverted { -1.0f32 } else { 1.0 };
    let centre = (
        c.iter().map(|p| p.0).sum::<f64>() / 4.0,
        c.iter().map(|p| p.1).sum::<f64>() / 4.0,
    );
    let outward = |a: Pt, b: Pt| {
        let d = unit(a, b);
        let mut n = (-d.1, d.0);
        let mid = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        if (mid.0 - centre.0) * n.0 + (mid.1 - centre.1) * n.1 < 0.0 {
            n = (-n.0, -n.1);
        }
        n
    };
    let side = (c[3].0 - c[0].0)
        .hypot(c[3].1 - c[0].1)
        .max((c[2].0 - c[3].0).hypot(c[2].1 - c[3].1));
    let band = (0.06 * side).clamp(2.5, 10.0);
    // 1. The L's outer edges: left (bottom-left → top-left) and bottom (bottom-right →
    //    bottom-left).
    let n_left = outward(c[3], c[0]);
    let n_bottom = outward(c[2], c[3]);
    let left = robust_line(&edge_points(img, c[3], c[0], n_left, band, band, sign))?;
    let bottom = robust_line(&edge_points(img, c[2], c[3], n_bottom, band, band, sign))?;
    let bl = left.intersect(&bottom)?;
    // 2. The module size: how far the dark runs in from the L's edge where the next
    //    module is light (a quarter of the profiles at least).
    let mut runs: Vec<f64> = Vec::new();
    for (a, b, n) in [(bl, c[0], n_left), (bl, c[2], n_bottom)] {
        let len = (b.0 - a.0).hypot(b.1 - a.1);
        let d = unit(a, b);
        let k = ((len / 3.0) as usize).clamp(6, 30);
        for s in 0..k {
            let t = len * (0.1 + 0.8 * (s as f64 + 0.5) / k as f64);
            let base = (a.0 + d.0 * t, a.1 + d.1 * t);
            let at = |depth: f64| sign * img.sample(base.0 - n.0 * depth, base.1 - n.1 * depth);
            let paper = at(-1.2).max(at(-0.8));
            let ink = (0..6)
                .map(|i| at(0.3 + 0.3 * i as f64))
                .fold(f32::MAX, f32::min);
            if paper - ink < 8.0 {
                continue;
            }
            let mid = 0.5 * (paper + ink);
            let mut depth = 0.25;
            while depth < 0.2 * side && at(depth) < mid {
                depth += 0.25;
            }
            runs.push(depth);
        }
    }
    if runs.len() < 6 {
        return None;
    }
    runs.sort_by(|a, b| a.total_cmp(b));
    let m = runs[runs.len() / 5].max(1.0);
    // 3. The L's ends: along a strip half a module inside each edge, from the corner
    //    outwards, the last dark sample before a light stretch of a module and a half.
    let end_of = |dir_to: Pt, n: Pt| -> Option<Pt> {
        let d = unit(bl, dir_to);
        let rough = (dir_to.0 - bl.0).hypot(dir_to.1 - bl.1);
        // Half a module inside the edge, against the quiet zone a module outside it.
        let inside = |t: f64| {
            sign * img.sample(
                bl.0 + d.0 * t - n.0 * 0.5 * m,
                bl.1 + d.1 * t - n.1 * 0.5 * m,
            )
        };
        let outside =
            |t: f64| sign * img.sample(bl.0 + d.0 * t + n.0 * m, bl.1 + d.1 * t + n.1 * m);
        let depth = (outside(0.5 * m) - inside(0.5 * m)).max(10.0);
        let step = 0.25 * m;
        let (mut t, mut last_dark, mut light_run) = (0.5 * m, 0.0, 0.0);
        while t < 1.3 * rough + 2.0 * m {
            if outside(t) - inside(t) > 0.4 * depth {
                last_dark = t;
                light_run = 0.0;
            } else {
                light_run += step;
                if light_run > 1.5 * m && t > 0.6 * rough {
                    break;
                }
            }
            t += step;
        }
        let end = last_dark + 0.5 * step;
        (last_dark > 0.5 * rough).then_some((bl.0 + d.0 * end, bl.1 + d.1 * end))
    };
    let tl = end_of(c[0], n_left)?;
    let br = end_of(c[2], n_bottom)?;
    // Project onto the fitted edges (the walk ran half a module inside).
    let tl = project(&left, tl);
    let br = project(&bottom, br);
    // 4. Clock-track edges: the line through the L's end that puts light quiet zone just
    //    outside and the clock modules (half dark) just inside, searched around the
    //    direction to the parallelogram's fourth corner (a tilt moves it by a few
    //    degrees; the rough quad's corner there is its least reliable one).
    let para = (tl.0 + br.0 - bl.0, tl.1 + br.1 - bl.1);
    let quad = [tl, para, br, bl];
    let top = pivot(img, tl, para, &quad, m, sign)?;
    let right = pivot(img, br, para, &quad, m, sign)?;
    let tr = top.intersect(&right)?;
    let corners = [tl, tr, br, bl];
    let ok = (0..4).all(|i| {
        let (a, b) = (corners[i], corners[(i + 1) % 4]);
        (a.0 - b.0).hypot(a.1 - b.1) > 4.0 * m
    });
    if !ok {
        return None;
    }
    // 5. The clock modules counted along both tracks.
    let ink = {
        let d = unit(bl, tl);
        let len = (tl.0 - bl.0).hypot(tl.1 - bl.1);
        let v: Vec<f32> = (1..20)
            .map(|i| {
                let t = len * f64::from(i) / 20.0;
                sign * img.sample(
                    bl.0 + d.0 * t - n_left.0 * 0.5 * m,
                    bl.1 + d.1 * t - n_left.1 * 0.5 * m,
                )
            })
            .collect();
        mean(&v)
    };
    let count = |a: Pt, b: Pt| -> usize {
        let d = unit(a, b);
        let len = (b.0 - a.0).hypot(b.1 - a.1);
        let n = outward_of(a, b, corners);
        let k = ((len / (0.25 * m)) as usize).max(8);
        let (mut runs, mut dark) = (0usize, false);
        for s in 0..k {
            let t = len * (s as f64 + 0.5) / k as f64;
            let p = (a.0 + d.0 * t, a.1 + d.1 * t);
            let v = sign * img.sample(p.0 - n.0 * 0.5 * m, p.1 - n.1 * 0.5 * m);
            let paper = sign * img.sample(p.0 + n.0 * 1.0 * m, p.1 + n.1 * 1.0 * m);
            let span = (paper - ink).max(8.0);
            if !dark && v < paper - 0.6 * span {
                dark = true;
                runs += 1;
            } else if dark && v > paper - 0.4 * span {
                dark = false;
            }
        }
        runs
    };
    let counts = (count(tl, tr), count(br, tr));
    Some((corners, m, counts))
}

/// The outward normal of the side `a → b` of the quad `q`.
fn outward_of(a: Pt, b: Pt, q: [Pt; 4]) -> Pt {
    let centre = (
        q.iter().map(|p| p.0).sum::<f64>() / 4.0,
        q.iter().map(|p| p.1).sum::<f64>() / 4.0,
    );
    let d = unit(a, b);
    let mut n = (-d.1, d.0);
    let mid = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    if (mid.0 - centre.0) * n.0 + (mid.1 - centre.1) * n.1 < 0.0 {
        n = (-n.0, -n.1);
    }
    n
}

fn project(l: &Line, p: Pt) -> Pt {
    let d = l.dist(p);
    (p.0 - l.a * d, p.1 - l.b * d)
}

/// The line through `from` towards about `to` (±20°) that best separates light outside
/// from darker inside, sampling `m`-scaled strips on both sides.
fn pivot(img: &Plane, from: Pt, to: Pt, quad: &[Pt; 4], m: f64, sign: f32) -> Option<Line> {
    let centre = (
        quad.iter().map(|p| p.0).sum::<f64>() / 4.0,
        quad.iter().map(|p| p.1).sum::<f64>() / 4.0,
    );
    let len = (to.0 - from.0).hypot(to.1 - from.1);
    let base = (to.1 - from.1).atan2(to.0 - from.0);
    let k = ((len / (0.5 * m)) as usize).clamp(8, 160);
    let mut best = (f64::MIN, base);
    let mut a = -0.35;
    while a <= 0.35 {
        let th = base + a;
        let d = (th.cos(), th.sin());
        let mut n = (-d.1, d.0);
        let probe = (from.0 + d.0 * 0.5 * len, from.1 + d.1 * 0.5 * len);
        if (probe.0 - centre.0) * n.0 + (probe.1 - centre.1) * n.1 < 0.0 {
            n = (-n.0, -n.1); // outward
        }
        let mut score = 0.0f64;
        for s in 0..k {
            let t = 1.1 * len * (s as f64 + 0.5) / k as f64;
            let p = (from.0 + d.0 * t, from.1 + d.1 * t);
            let out = sign * img.sample(p.0 + n.0 * 0.6 * m, p.1 + n.1 * 0.6 * m);
            let inn = sign * img.sample(p.0 - n.0 * 0.45 * m, p.1 - n.1 * 0.45 * m);
            score += f64::from(out - inn);
        }
        if score > best.0 {
            best = (score, th);
        }
        a += 0.0087;
    }
    let th = best.1;
    Line::through(from, (from.0 + th.cos(), from.1 + th.sin()))
}

/// Re-fits each side of a rough quad on its own: along each side's normal, within `band`
/// pixels either way, the strongest fall from light (outside) to dark (inside); a robust
/// line through those points. Solid edges — the L-finder — come out right even when the
/// rough quad is tilted or a few modules off; the clock-track sides are refined later.
/// Returns the new quad (clockwise) and, per side, the share of points on its line.
pub(crate) fn refit_sides(
    img: &Plane,
    q: [Pt; 4],
    band: f64,
    inverted: bool,
) -> Option<([Pt; 4], [f64; 4])> {
    let q = clockwise(q);
    let sign = if inverted { -1.0f32 } else { 1.0 };
    let mut lines = [None; 4];
    let mut support = [0.0f64; 4];
    let steps = (2.0 * band / 0.5) as usize + 1;
    let mut prof = vec![0f32; steps];
    for i in 0..4 {
        let (p, r) = (q[i], q[(i + 1) % 4]);
        let len = (r.0 - p.0).hypot(r.1 - p.1);
        if len < 6.0 {
            return None;
        }
        let n = outward_of(p, r, q);
        let k = ((len / 2.0) as usize).clamp(8, 48);
        let mut pts: Vec<Pt> = Vec::with_capacity(k);
        for s in 0..k {
            let t = 0.12 + 0.76 * (s as f64 + 0.5) / k as f64;
            let base = (p.0 + (r.0 - p.0) * t, p.1 + (r.1 - p.1) * t);
            for (j, v) in prof.iter_mut().enumerate() {
                let d = band - 0.5 * j as f64;
                *v = sign * img.sample(base.0 + n.0 * d, base.1 + n.1 * d);
            }
            // Strongest fall over one pixel (two steps), light outside to dark inside.
            let mut best = (0f32, 0usize);
            for j in 2..steps {
                let fall = prof[j - 2] - prof[j];
                if fall > best.0 {
                    best = (fall, j);
                }
            }
            if best.0 < 6.0 {
                continue;
            }
            let d = band - 0.5 * (best.1 as f64 - 1.0);
            pts.push((base.0 + n.0 * d, base.1 + n.1 * d));
        }
        if pts.len() < 4 {
            lines[i] = Line::through(p, r);
            continue;
        }
        let l = robust_line(&pts).or_else(|| Line::through(p, r));
        if let Some(l) = l {
            let on = pts.iter().filter(|&&pt| l.dist(pt).abs() < 1.0).count();
            support[i] = on as f64 / k as f64;
        }
        lines[i] = l;
    }
    let mut out = [(0.0, 0.0); 4];
    for i in 0..4 {
        out[i] = lines[(i + 3) % 4]?.intersect(&lines[i]?)?;
    }
    let moved = (0..4)
        .map(|i| (out[i].0 - q[i].0).hypot(out[i].1 - q[i].1))
        .fold(0.0, f64::max);
    (moved < 3.0 * band).then(|| (clockwise(out), support))
}
