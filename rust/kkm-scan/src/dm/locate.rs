//! Where in a frame a DataMatrix may be: the dark connected components of a locally
//! thresholded picture, kept when they are textured like a symbol and fitted with the
//! quadrilateral their convex hull spans. A symbol's L, clock track and data modules form
//! one component whose hull is the projected square, whatever the rotation and
//! perspective.

use crate::geom::{area2, convex_hull, hull_quad, hull_sides_quad, Pt};
use crate::plane::Plane;

/// Candidate quads for the symbols of a frame, in `full`'s pixels, likeliest first (at
/// most `max`). `half` is `full` box-downscaled ×2.
///
/// 1. The half-size frame is thresholded against the local mean; its dark components
///    that are textured and span a plausible projected square are candidates.
/// 2. Textured components that failed only on their shape — a faint label of the same
///    tone as the pack around it glues the symbol to its surroundings — are looked at
///    again with global thresholds at several levels inside their bounding box.
/// 3. Each candidate is refined at full resolution: at half size 2-px modules blur, and
///    the isolated clock-track modules fall out of the component.
pub(crate) fn candidates(
    full: &Plane,
    half: &Plane,
    inverted: bool,
    budget: Budget,
) -> Vec<[Pt; 4]> {
    let max = budget.quads;
    let (w, h) = (half.width as usize, half.height as usize);
    if w < 12 || h < 12 {
        return Vec::new();
    }
    let dark = binarize(half, inverted);
    let mut good: Vec<([Pt; 4], f64)> = Vec::new();
    let mut retry: Vec<(u32, u32, u32, u32, f64)> = Vec::new();
    let mut boxes: Vec<(u32, u32, u32, u32, f64)> = Vec::new();
    for b in components(&dark, w, h) {
        let texture = f64::from(b.runs) / f64::from(b.y1 - b.y0);
        let fits = b.x1 - b.x0 <= MAX_SIDE && b.y1 - b.y0 <= MAX_SIDE;
        match assess(&b) {
            Ok(found) => good.push(found),
            Err("untextured") | Err("small") | Err("tiny quad") | Err("large") => {}
            // A small-module symbol falls apart at half size, or a spur skews its
            // hull: its box gets a look at full resolution.
            Err("sides") | Err("angles") | Err("hull beyond quad") | Err("no quad")
                if texture >= 1.6 && b.count >= 40 =>
            {
                boxes.push((b.x0, b.y0, b.x1, b.y1, texture * f64::from(b.count).sqrt()))
            }
            Err(_) => {}
        }
        if texture >= 2.0 && fits && assess(&b).is_err() {
            retry.push((b.x0, b.y0, b.x1, b.y1, texture * f64::from(b.count).sqrt()));
        }
    }
    good.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut out: Vec<[Pt; 4]> = Vec::new();
    for (i, (q, _)) in good.into_iter().enumerate() {
        if out.len() >= max {
            return out;
        }
        let q = q.map(|(x, y)| (2.0 * x, 2.0 * y));
        // The likeliest get a full-resolution look; the tail goes as it is, and so do
        // large quads, whose modules survive the half size.
        let side = (q[0].0 - q[2].0).hypot(q[0].1 - q[2].1) / std::f64::consts::SQRT_2;
        let refined = if i < budget.refine && side < 170.0 {
            refine(full, q, inverted, false)
        } else {
            None
        };
        match refined {
            Some(r) => {
                out.push(r);
                // A glare spot can split the full-size component: keep the half-size
                // quad too when the two disagree.
                let (a, b) = (centre(&r), centre(&q));
                if (a.0 - b.0).hypot(a.1 - b.1) > 0.1 * side && out.len() < max {
                    out.push(q);
                }
            }
            None => out.push(q),
        }
    }
    boxes.sort_by(|a, b| b.4.total_cmp(&a.4));
    for &(x0, y0, x1, y1, _) in boxes.iter().take(budget.boxes) {
        if out.len() >= max {
            return out;
        }
        // A square around the box's centre (full-size pixels).
        let (cx, cy) = (f64::from(x0 + x1), f64::from(y0 + y1));
        let r = f64::from((x1 - x0).max(y1 - y0));
        let q = [
            (cx - r, cy - r),
            (cx + r, cy - r),
            (cx + r, cy + r),
            (cx - r, cy + r),
        ];
        if let Some(r) = refine(full, q, inverted, false) {
            out.push(r);
        }
    }
    retry.sort_by(|a, b| b.4.total_cmp(&a.4));
    for &(x0, y0, x1, y1, _) in retry.iter().take(budget.levels) {
        let pad = (x1 - x0).max(y1 - y0) / 4 + 2;
        let (x0, y0) = (x0.saturating_sub(pad), y0.saturating_sub(pad));
        let crop = half.crop(x0, y0, x1 + pad, y1 + pad);
        for q in levels(&crop, inverted) {
            if out.len() >= max {
                return out;
            }
            let q = q.map(|(x, y)| (2.0 * (x + f64::from(x0)), 2.0 * (y + f64::from(y0))));
            out.push(refine(full, q, inverted, true).unwrap_or(q));
        }
    }
    out
}

/// How much looking [`candidates`] may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budget {
    /// Candidate quads returned at most.
    pub(crate) quads: usize,
    /// Of those, refined at full resolution.
    pub(crate) refine: usize,
    /// Half-size blobs that failed only on shape, looked at again at full size.
    pub(crate) boxes: usize,
    /// Textured blobs looked at again with global thresholds (the costliest step).
    pub(crate) levels: usize,
}

/// Quads of [`candidates`] in a single plane (no half size: small regions of interest).
pub(crate) fn quads(img: &Plane, inverted: bool, max: usize) -> Vec<[Pt; 4]> {
    let (w, h) = (img.width as usize, img.height as usize);
    if w < 12 || h < 12 {
        return Vec::new();
    }
    let dark = binarize(img, inverted);
    let mut found: Vec<([Pt; 4], f64)> = components(&dark, w, h)
        .iter()
        .filter_map(|b| assess(b).ok())
        .collect();
    found.sort_by(|a, b| b.1.total_cmp(&a.1));
    found.into_iter().map(|f| f.0).take(max).collect()
}

/// Global thresholds at four levels between the crop's dark and light ends: one of them
/// falls between a faint symbol's ink and its paper, wherever the pack around is.
fn levels(crop: &Plane, inverted: bool) -> Vec<[Pt; 4]> {
    let (w, h) = (crop.width as usize, crop.height as usize);
    if w < 12 || h < 12 {
        return Vec::new();
    }
    let mut sorted = crop.data.clone();
    sorted.sort_unstable();
    let (lo, hi) = (
        f32::from(sorted[sorted.len() / 20]),
        f32::from(sorted[sorted.len() * 19 / 20]),
    );
    let mut found: Vec<([Pt; 4], f64)> = Vec::new();
    for k in 1..=4 {
        let t = lo + (hi - lo) * k as f32 / 5.0;
        let dark: Vec<bool> = crop
            .data
            .iter()
            .map(|&v| (f32::from(v) < t) != inverted)
            .collect();
        found.extend(
            components(&dark, w, h)
                .iter()
                .filter_map(|b| assess(b).ok()),
        );
    }
    found.sort_by(|a, b| b.1.total_cmp(&a.1));
    // Nearly the same quad at several levels: keep one.
    let mut out: Vec<[Pt; 4]> = Vec::new();
    for (q, _) in found {
        let c = centre(&q);
        if out.iter().all(|o| {
            let d = centre(o);
            (c.0 - d.0).hypot(c.1 - d.1) > 4.0
        }) {
            out.push(q);
        }
    }
    out.truncate(3);
    out
}

fn centre(q: &[Pt; 4]) -> Pt {
    (
        q.iter().map(|p| p.0).sum::<f64>() / 4.0,
        q.iter().map(|p| p.1).sum::<f64>() / 4.0,
    )
}

/// The full-resolution component behind a half-size candidate `q` (full pixels): the
/// crop around it thresholded against a local mean scaled to the symbol, or — for a
/// candidate found by global levels — at global levels again.
fn refine(full: &Plane, q: [Pt; 4], inverted: bool, global: bool) -> Option<[Pt; 4]> {
    let side = (0..4)
        .map(|i| (q[i].0 - q[(i + 1) % 4].0).hypot(q[i].1 - q[(i + 1) % 4].1))
        .fold(0.0f64, f64::max);
    let pad = 0.15 * side + 4.0;
    let (x0, x1) = (
        q.iter().map(|p| p.0).fold(f64::MAX, f64::min) - pad,
        q.iter().map(|p| p.0).fold(f64::MIN, f64::max) + pad,
    );
    let (y0, y1) = (
        q.iter().map(|p| p.1).fold(f64::MAX, f64::min) - pad,
        q.iter().map(|p| p.1).fold(f64::MIN, f64::max) + pad,
    );
    let (x0, y0) = (x0.max(0.0) as u32, y0.max(0.0) as u32);
    let (x1, y1) = (x1.max(0.0) as u32, y1.max(0.0) as u32);
    let crop = full.crop(x0, y0, x1, y1);
    let (w, h) = (crop.width as usize, crop.height as usize);
    if w < 12 || h < 12 {
        return None;
    }
    let want = centre(&q);
    let area = area2(&q).abs() / 2.0;
    let offset = |c: [Pt; 4]| c.map(|(x, y)| (x + f64::from(x0), y + f64::from(y0)));
    let plausible = |c: &[Pt; 4]| {
        let a = area2(c).abs() / 2.0;
        a > 0.3 * area && a < 2.5 * area
    };
    let nearest = |a: &[Pt; 4], b: &[Pt; 4]| {
        let (ca, cb) = (centre(a), centre(b));
        (ca.0 - want.0)
            .hypot(ca.1 - want.1)
            .total_cmp(&(cb.0 - want.0).hypot(cb.1 - want.1))
    };
    if global {
        return levels(&crop, inverted)
            .into_iter()
            .map(offset)
            .filter(plausible)
            .min_by(nearest);
    }
    let r = ((side / 8.0) as usize).clamp(3, 24);
    let dark = binarize_r(&crop, inverted, r);
    components(&dark, w, h)
        .iter()
        .filter_map(|b| assess(b).ok())
        .map(|(c, _)| offset(c))
        .filter(plausible)
        .min_by(nearest)
}

/// Why the component of `img` nearest to `(x, y)` was or was not proposed (diagnostics).
#[cfg(feature = "synth")]
pub(crate) fn report_at(img: &Plane, inverted: bool, x: f64, y: f64) -> String {
    let (w, h) = (img.width as usize, img.height as usize);
    let dark = binarize(img, inverted);
    let blobs = components(&dark, w, h);
    let near = blobs
        .iter()
        .filter(|b| b.count >= 10)
        .map(|b| {
            let d = b
                .rows
                .iter()
                .map(|&(ry, x0, x1)| {
                    let dx = if x < f64::from(x0) {
                        f64::from(x0) - x
                    } else if x > f64::from(x1) {
                        x - f64::from(x1)
                    } else {
                        0.0
                    };
                    dx.hypot(f64::from(ry) + 0.5 - y)
                })
                .fold(f64::MAX, f64::min);
            (b, d)
        })
        .min_by(|a, b| a.1.total_cmp(&b.1));
    match near {
        Some((b, d)) => format!(
            "blob {}px at {d:.1} px: box {}×{} runs/row {:.2} → {:?}",
            b.count,
            b.x1 - b.x0,
            b.y1 - b.y0,
            f64::from(b.runs) / f64::from(b.y1 - b.y0),
            assess(b).map(|(_, s)| s)
        ),
        None => "no blob".to_string(),
    }
}

/// A component's quad and score, or why it is not a symbol.
fn assess(b: &Blob) -> Result<([Pt; 4], f64), &'static str> {
    let (bw, bh) = (b.x1 - b.x0, b.y1 - b.y0);
    if b.count < 30 || bw < 7 || bh < 7 {
        return Err("small");
    }
    if bw > MAX_SIDE || bh > MAX_SIDE {
        return Err("large");
    }
    let texture = f64::from(b.runs) / f64::from(bh);
    let fill_box = f64::from(b.count) / f64::from(bw * bh);
    if texture < 1.6 {
        return Err("untextured");
    }
    if !(0.12..=0.85).contains(&fill_box) {
        return Err("box fill");
    }
    let mut pts = Vec::with_capacity(4 * b.rows.len());
    for &(y, x0, x1) in &b.rows {
        let (y, x0, x1) = (f64::from(y), f64::from(x0), f64::from(x1));
        pts.extend([(x0, y), (x0, y + 1.0), (x1, y), (x1, y + 1.0)]);
    }
    let hull = convex_hull(pts);
    let q = hull_sides_quad(&hull)
        .filter(|q| {
            // The stretch lines must meet near the hull, not far out (near-parallel).
            let ha = area2(&hull).abs();
            let qa = area2(q).abs();
            qa > 0.8 * ha && qa < 1.3 * ha
        })
        .or_else(|| hull_quad(&hull))
        .ok_or("no quad")?;
    let qa = area2(&q).abs() / 2.0;
    let ha = area2(&hull).abs() / 2.0;
    if qa < 50.0 {
        return Err("tiny quad");
    }
    let sides: Vec<f64> = (0..4)
        .map(|i| (q[i].0 - q[(i + 1) % 4].0).hypot(q[i].1 - q[(i + 1) % 4].1))
        .collect();
    let (smin, smax) = sides
        .iter()
        .fold((f64::MAX, 0.0f64), |a, &s| (a.0.min(s), a.1.max(s)));
    // Loose on purpose: a spur of background glued to a corner skews the hull; the
    // border fit that follows straightens the quad, the side test rejects junk.
    if smin < 6.0 || smax / smin > 2.5 {
        return Err("sides");
    }
    // Interior angles of a tilted square stay well away from 0° and 180°.
    let ok_angles = (0..4).all(|i| {
        let (a, b, c) = (q[(i + 3) % 4], q[i], q[(i + 1) % 4]);
        let (u, v) = ((a.0 - b.0, a.1 - b.1), (c.0 - b.0, c.1 - b.1));
        let cos = (u.0 * v.0 + u.1 * v.1) / (u.0.hypot(u.1) * v.0.hypot(v.1));
        cos.abs() < 0.75
    });
    if !ok_angles {
        return Err("angles");
    }
    if ha / qa > 1.5 {
        return Err("hull beyond quad");
    }
    let fill = f64::from(b.count) / qa;
    if !(0.15..=0.95).contains(&fill) {
        return Err("quad fill");
    }
    // Squareness, a fill near a symbol's (about half dark), texture, size.
    let score =
        (smin / smax) * (1.0 - (fill - 0.55).abs()) * texture.min(6.0) * qa.sqrt().min(60.0);
    Ok((q, score))
}

/// Largest component box considered, in pixels of the plane it is found on (a mark
/// filling half the frame's height at half size).
const MAX_SIDE: u32 = 160;

/// A connected component: pixel count, bounding box, number of runs and — for those
/// worth a look — its extent per row (row, first x, last x exclusive).
struct Blob {
    count: u32,
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
    runs: u32,
    rows: Vec<(u32, u32, u32)>,
}

/// Run-length labelling of `dark` (8-connectivity) into blobs. Only blobs of at least
/// 10 pixels that are not wider or taller than [`MAX_SIDE`] get their row extents (the
/// rest are counted, not described: a busy frame has thousands of specks).
fn components(dark: &[bool], w: usize, h: usize) -> Vec<Blob> {
    let mut runs: Vec<(u32, u32, u32)> = Vec::new();
    let mut parent: Vec<u32> = Vec::new();
    fn find(parent: &mut [u32], mut i: u32) -> u32 {
        while parent[i as usize] != i {
            parent[i as usize] = parent[parent[i as usize] as usize];
            i = parent[i as usize];
        }
        i
    }
    let mut prev = 0..0;
    for y in 0..h {
        let row_start = runs.len();
        let row = &dark[y * w..(y + 1) * w];
        let mut x = 0;
        let mut k = prev.start;
        while x < w {
            if !row[x] {
                x += 1;
                continue;
            }
            let s = x;
            while x < w && row[x] {
                x += 1;
            }
            let id = runs.len() as u32;
            runs.push((y as u32, s as u32, x as u32));
            parent.push(id);
            // Previous-row runs are sorted: skip those ending left of this run.
            while k < prev.end && runs[k].2 < s as u32 {
                k += 1;
            }
            let mut j = k;
            while j < prev.end && runs[j].1 <= x as u32 {
                let (ra, rb) = (find(&mut parent, j as u32), find(&mut parent, id));
                if ra != rb {
                    parent[ra.max(rb) as usize] = ra.min(rb);
                }
                j += 1;
            }
        }
        prev = row_start..runs.len();
    }
    // Pass 1: statistics per root.
    let mut root: Vec<u32> = Vec::with_capacity(runs.len());
    let mut index: Vec<u32> = vec![u32::MAX; runs.len()];
    let mut blobs: Vec<Blob> = Vec::new();
    for (i, &(y, x0, x1)) in runs.iter().enumerate() {
        let r = find(&mut parent, i as u32) as usize;
        root.push(r as u32);
        if index[r] == u32::MAX {
            index[r] = blobs.len() as u32;
            blobs.push(Blob {
                count: 0,
                x0: u32::MAX,
                y0: u32::MAX,
                x1: 0,
                y1: 0,
                runs: 0,
                rows: Vec::new(),
            });
        }
        let b = &mut blobs[index[r] as usize];
        b.count += x1 - x0;
        b.runs += 1;
        b.x0 = b.x0.min(x0);
        b.x1 = b.x1.max(x1);
        b.y0 = b.y0.min(y);
        b.y1 = b.y1.max(y + 1);
    }
    // Pass 2: row extents of the blobs worth describing (runs come in row order).
    let wanted: Vec<bool> = blobs
        .iter()
        .map(|b| b.count >= 10 && b.x1 - b.x0 <= MAX_SIDE && b.y1 - b.y0 <= MAX_SIDE)
        .collect();
    for (i, &(y, x0, x1)) in runs.iter().enumerate() {
        let bi = index[root[i] as usize] as usize;
        if !wanted[bi] {
            continue;
        }
        let rows = &mut blobs[bi].rows;
        match rows.last_mut() {
            Some(last) if last.0 == y => {
                last.1 = last.1.min(x0);
                last.2 = last.2.max(x1);
            }
            _ => rows.push((y, x0, x1)),
        }
    }
    blobs
}

/// Local-mean binarisation (window about 1/40 of the shorter side, at least 7×7): dark
/// where a pixel is below the mean of its neighbourhood by a small margin. The window
/// spans a few modules, so it follows glare and shading.
fn binarize(img: &Plane, inverted: bool) -> Vec<bool> {
    binarize_r(
        img,
        inverted,
        (img.width.min(img.height) as usize / 40).clamp(3, 24),
    )
}

/// [`binarize`] with window radius `r`: a sliding box sum (column sums over the
/// window's rows, a running sum along each row), a few operations per pixel.
fn binarize_r(img: &Plane, inverted: bool, r: usize) -> Vec<bool> {
    let (w, h) = (img.width as usize, img.height as usize);
    let px = &img.data;
    let mut out = vec![false; w * h];
    if w == 0 || h == 0 {
        return out;
    }
    let mut col = vec![0u32; w];
    for row in px.chunks_exact(w).take(r.min(h - 1) + 1) {
        for (c, &v) in col.iter_mut().zip(row) {
            *c += u32::from(v);
        }
    }
    for y in 0..h {
        let rows = ((y + r + 1).min(h) - y.saturating_sub(r)) as u32;
        let mut acc: u32 = col[..(r + 1).min(w)].iter().sum();
        let line = &px[y * w..(y + 1) * w];
        let dst = &mut out[y * w..(y + 1) * w];
        for x in 0..w {
            let cols = ((x + r + 1).min(w) - x.saturating_sub(r)) as u32;
            let n = rows * cols;
            let p = u32::from(line[x]) * n;
            let margin = 2 * n;
            dst[x] = if inverted {
                p > acc + margin
            } else {
                p + margin < acc
            };
            if x + r + 1 < w {
                acc += col[x + r + 1];
            }
            if x >= r {
                acc -= col[x - r];
            }
        }
        if y + r + 1 < h {
            let add = &px[(y + r + 1) * w..(y + r + 2) * w];
            for (c, &v) in col.iter_mut().zip(add) {
                *c += u32::from(v);
            }
        }
        if y >= r {
            let sub = &px[(y - r) * w..(y - r + 1) * w];
            for (c, &v) in col.iter_mut().zip(sub) {
                *c -= u32::from(v);
            }
        }
    }
    out
}

/// The binarisation [`quads`] works on (diagnostics).
#[cfg(feature = "synth")]
pub(crate) fn binarize_for_diag(img: &Plane) -> Vec<bool> {
    binarize(img, false)
}

/// Wall time of each stage of [`candidates`] on `full` (diagnostics): binarise,
/// label, assess, refine good quads, boxes, levels.
#[cfg(feature = "synth")]
pub(crate) fn profile(full: &Plane, half: &Plane) -> Vec<(&'static str, f64, usize)> {
    use std::time::Instant;
    let mut out = Vec::new();
    let (w, h) = (half.width as usize, half.height as usize);
    let t = Instant::now();
    let dark = binarize(half, false);
    out.push(("binarize half", t.elapsed().as_secs_f64() * 1e3, 1));
    let t = Instant::now();
    let blobs = components(&dark, w, h);
    out.push((
        "components half",
        t.elapsed().as_secs_f64() * 1e3,
        blobs.len(),
    ));
    let t = Instant::now();
    let good: Vec<_> = blobs.iter().filter_map(|b| assess(b).ok()).collect();
    out.push(("assess", t.elapsed().as_secs_f64() * 1e3, good.len()));
    let t = Instant::now();
    for (q, _) in &good {
        let q = q.map(|(x, y)| (2.0 * x, 2.0 * y));
        let _ = refine(full, q, false, false);
    }
    out.push(("refine good", t.elapsed().as_secs_f64() * 1e3, good.len()));
    out
}
