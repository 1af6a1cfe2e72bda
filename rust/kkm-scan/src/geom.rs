//! Plane geometry for the detector and the frame generator: points, lines fitted to
//! edge points, convex hulls and the projective map (homography) between a symbol's
//! module grid and the picture.

/// A point in picture (or grid) coordinates.
pub type Pt = (f64, f64);

/// A 3×3 projective transform, row-major.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography(pub [f64; 9]);

impl Homography {
    /// Maps the unit square (0,0), (1,0), (1,1), (0,1) onto the quad `q` (same order);
    /// `None` when the quad is degenerate (three corners on a line).
    pub fn square_to_quad(q: [Pt; 4]) -> Option<Homography> {
        let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = q;
        let dx3 = x0 - x1 + x2 - x3;
        let dy3 = y0 - y1 + y2 - y3;
        let h = if dx3.abs() < 1e-9 && dy3.abs() < 1e-9 {
            [x1 - x0, x3 - x0, x0, y1 - y0, y3 - y0, y0, 0.0, 0.0, 1.0]
        } else {
            let (dx1, dx2, dy1, dy2) = (x1 - x2, x3 - x2, y1 - y2, y3 - y2);
            let den = dx1 * dy2 - dx2 * dy1;
            if den.abs() < 1e-12 {
                return None;
            }
            let g = (dx3 * dy2 - dx2 * dy3) / den;
            let h = (dx1 * dy3 - dx3 * dy1) / den;
            [
                x1 - x0 + g * x1,
                x3 - x0 + h * x3,
                x0,
                y1 - y0 + g * y1,
                y3 - y0 + h * y3,
                y0,
                g,
                h,
                1.0,
            ]
        };
        let m = Homography(h);
        (m.det().abs() > 1e-12 && m.0.iter().all(|v| v.is_finite())).then_some(m)
    }

    /// Maps the `w × h` rectangle (0,0)–(w,h) of grid coordinates onto the quad `q`
    /// (corners in the order (0,0), (w,0), (w,h), (0,h)).
    pub fn rect_to_quad(w: f64, h: f64, q: [Pt; 4]) -> Option<Homography> {
        let s = Homography::square_to_quad(q)?;
        Some(s.then_after(&Homography([
            1.0 / w,
            0.0,
            0.0,
            0.0,
            1.0 / h,
            0.0,
            0.0,
            0.0,
            1.0,
        ])))
    }

    fn det(&self) -> f64 {
        let m = self.0;
        m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
            + m[2] * (m[3] * m[7] - m[4] * m[6])
    }

    /// The inverse map (the adjugate: a scale factor does not matter projectively).
    #[cfg(feature = "synth")]
    pub fn inverse(&self) -> Homography {
        let m = self.0;
        Homography([
            m[4] * m[8] - m[5] * m[7],
            m[2] * m[7] - m[1] * m[8],
            m[1] * m[5] - m[2] * m[4],
            m[5] * m[6] - m[3] * m[8],
            m[0] * m[8] - m[2] * m[6],
            m[2] * m[3] - m[0] * m[5],
            m[3] * m[7] - m[4] * m[6],
            m[1] * m[6] - m[0] * m[7],
            m[0] * m[4] - m[1] * m[3],
        ])
    }

    /// `self ∘ first`: apply `first`, then `self`.
    pub fn then_after(&self, first: &Homography) -> Homography {
        let (a, b) = (self.0, first.0);
        let mut r = [0.0; 9];
        for i in 0..3 {
            for j in 0..3 {
                r[3 * i + j] = (0..3).map(|k| a[3 * i + k] * b[3 * k + j]).sum();
            }
        }
        Homography(r)
    }

    /// The image of `(x, y)`.
    #[inline]
    pub fn apply(&self, x: f64, y: f64) -> Pt {
        let m = &self.0;
        let w = m[6] * x + m[7] * y + m[8];
        let w = if w.abs() < 1e-12 { 1e-12 } else { w };
        (
            (m[0] * x + m[1] * y + m[2]) / w,
            (m[3] * x + m[4] * y + m[5]) / w,
        )
    }
}

/// A line `a·x + b·y = c` with `(a, b)` a unit normal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    /// Normal, x.
    pub a: f64,
    /// Normal, y.
    pub b: f64,
    /// Offset along the normal.
    pub c: f64,
}

impl Line {
    /// The line through two points; `None` if they coincide.
    pub fn through(p: Pt, q: Pt) -> Option<Line> {
        let (dx, dy) = (q.0 - p.0, q.1 - p.1);
        let n = dx.hypot(dy);
        if n < 1e-9 {
            return None;
        }
        let (a, b) = (-dy / n, dx / n);
        Some(Line {
            a,
            b,
            c: a * p.0 + b * p.1,
        })
    }

    /// Least-squares (total least squares) line through `pts`; `None` for fewer than
    /// two distinct points.
    pub fn fit(pts: &[Pt]) -> Option<Line> {
        if pts.len() < 2 {
            return None;
        }
        let n = pts.len() as f64;
        let (mx, my) = pts
            .iter()
            .fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
        let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
        for p in pts {
            let (dx, dy) = (p.0 - mx, p.1 - my);
            sxx += dx * dx;
            sxy += dx * dy;
            syy += dy * dy;
        }
        // Direction = principal eigenvector of the scatter matrix.
        let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
        let (dx, dy) = (theta.cos(), theta.sin());
        if sxx + syy < 1e-12 {
            return None;
        }
        let (a, b) = (-dy, dx);
        Some(Line {
            a,
            b,
            c: a * mx + b * my,
        })
    }

    /// Signed distance of `p` from the line (positive on the side the normal points to).
    #[inline]
    pub fn dist(&self, p: Pt) -> f64 {
        self.a * p.0 + self.b * p.1 - self.c
    }

    /// The intersection with `o`; `None` for (nearly) parallel lines.
    pub fn intersect(&self, o: &Line) -> Option<Pt> {
        let det = self.a * o.b - self.b * o.a;
        if det.abs() < 1e-6 {
            return None;
        }
        Some((
            (self.c * o.b - self.b * o.c) / det,
            (self.a * o.c - self.c * o.a) / det,
        ))
    }
}

/// Convex hull (counter-clockwise in y-down picture coordinates: clockwise on screen),
/// Andrew's monotone chain. Collinear points are dropped.
pub fn convex_hull(mut pts: Vec<Pt>) -> Vec<Pt> {
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let cross = |o: Pt, a: Pt, b: Pt| (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0);
    let mut hull: Vec<Pt> = Vec::with_capacity(2 * pts.len());
    for &p in pts.iter().chain(pts.iter().rev().skip(1)) {
        while hull.len() >= 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 1e-9 {
            hull.pop();
        }
        hull.push(p);
    }
    hull.pop();
    hull
}

/// The four hull vertices that span the largest quadrilateral, in hull order: first the
/// two vertices farthest apart (a diagonal), then on each side of it the vertex farthest
/// from it. Good for projected squares, whose diagonals are their longest chords.
pub fn hull_quad(hull: &[Pt]) -> Option<[Pt; 4]> {
    let n = hull.len();
    if n < 4 {
        return None;
    }
    let (mut ia, mut ic, mut best) = (0, 0, -1.0);
    for i in 0..n {
        for j in i + 1..n {
            let d = (hull[i].0 - hull[j].0).powi(2) + (hull[i].1 - hull[j].1).powi(2);
            if d > best {
                (ia, ic, best) = (i, j, d);
            }
        }
    }
    let diag = Line::through(hull[ia], hull[ic])?;
    let far = |range: &mut dyn Iterator<Item = usize>| {
        range
            .map(|k| (k, diag.dist(hull[k]).abs()))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(k, _)| k)
    };
    let ib = far(&mut (ia + 1..ic))?;
    let id = far(&mut (ic + 1..n).chain(0..ia))?;
    Some([hull[ia], hull[ib], hull[ic], hull[id]])
}

/// The quadrilateral of a convex hull's four longest straight stretches: consecutive hull
/// edges turning by less than 20° in total form a stretch; the lines through the four
/// longest stretches, taken in hull order, intersect in the corners. A cut corner (the
/// light top-right module of a DataMatrix) or a spur of background makes short
/// stretches and is ignored, where [`hull_quad`] would take its vertex.
pub fn hull_sides_quad(hull: &[Pt]) -> Option<[Pt; 4]> {
    let n = hull.len();
    if n < 4 {
        return None;
    }
    let dir = |i: usize| {
        let (p, q) = (hull[i], hull[(i + 1) % n]);
        (q.1 - p.1).atan2(q.0 - p.0)
    };
    let turn = |a: f64, b: f64| {
        let mut d = b - a;
        while d > std::f64::consts::PI {
            d -= std::f64::consts::TAU;
        }
        while d < -std::f64::consts::PI {
            d += std::f64::consts::TAU;
        }
        d.abs()
    };
    // Start where the direction jumps most, so no stretch wraps around the start.
    let start = (0..n)
        .max_by(|&a, &b| {
            turn(dir((a + n - 1) % n), dir(a)).total_cmp(&turn(dir((b + n - 1) % n), dir(b)))
        })
        .unwrap_or(0);
    let mut stretches: Vec<(usize, usize, f64)> = Vec::new(); // first vertex, last vertex, length
    let mut i = 0;
    while i < n {
        let first = (start + i) % n;
        let a0 = dir(first);
        let mut len = 0.0;
        let mut j = i;
        while j < n && turn(a0, dir((start + j) % n)) < 0.35 {
            let (p, q) = (hull[(start + j) % n], hull[(start + j + 1) % n]);
            len += (q.0 - p.0).hypot(q.1 - p.1);
            j += 1;
        }
        let j = j.max(i + 1);
        stretches.push((first, (start + j) % n, len));
        i = j;
    }
    if stretches.len() < 4 {
        return None;
    }
    let mut longest: Vec<usize> = (0..stretches.len()).collect();
    longest.sort_by(|&a, &b| stretches[b].2.total_cmp(&stretches[a].2));
    let mut four: Vec<usize> = longest[..4].to_vec();
    four.sort_unstable();
    let perimeter: f64 = stretches.iter().map(|s| s.2).sum();
    let covered: f64 = four.iter().map(|&k| stretches[k].2).sum();
    if covered < 0.6 * perimeter {
        return None;
    }
    let lines: Vec<Line> = four
        .iter()
        .map(|&k| Line::through(hull[stretches[k].0], hull[stretches[k].1]))
        .collect::<Option<Vec<_>>>()?;
    let mut q = [(0.0, 0.0); 4];
    for k in 0..4 {
        q[k] = lines[k].intersect(&lines[(k + 1) % 4])?;
    }
    Some(q)
}

/// Twice the signed area of a polygon.
pub fn area2(poly: &[Pt]) -> f64 {
    let n = poly.len();
    (0..n)
        .map(|i| {
            let (p, q) = (poly[i], poly[(i + 1) % n]);
            p.0 * q.1 - q.0 * p.1
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn homography_maps_corners_and_inverts() {
        let q = [(10.0, 20.0), (110.0, 25.0), (100.0, 130.0), (5.0, 115.0)];
        let h = Homography::rect_to_quad(24.0, 24.0, q).unwrap();
        for (g, p) in [(0.0, 0.0), (24.0, 0.0), (24.0, 24.0), (0.0, 24.0)]
            .iter()
            .zip(q)
        {
            let r = h.apply(g.0, g.1);
            assert!((r.0 - p.0).abs() < 1e-6 && (r.1 - p.1).abs() < 1e-6);
        }
        let back = h.inverse().apply(60.0, 70.0);
        let fwd = h.apply(back.0, back.1);
        assert!((fwd.0 - 60.0).abs() < 1e-6 && (fwd.1 - 70.0).abs() < 1e-6);
        assert!(
            Homography::square_to_quad([(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0)]).is_none()
        );
    }

    #[test]
    fn lines_fit_and_intersect() {
        let pts: Vec<Pt> = (0..10).map(|i| (i as f64, 2.0 * i as f64 + 1.0)).collect();
        let l = Line::fit(&pts).unwrap();
        assert!(pts.iter().all(|p| l.dist(*p).abs() < 1e-9));
        let v = Line::through((3.0, -5.0), (3.0, 5.0)).unwrap();
        let x = l.intersect(&v).unwrap();
        assert!((x.0 - 3.0).abs() < 1e-9 && (x.1 - 7.0).abs() < 1e-9);
    }

    #[test]
    fn hull_and_quad_of_a_tilted_square() {
        let mut pts = Vec::new();
        for i in 0..=20 {
            for j in 0..=20 {
                let (u, v) = (i as f64, j as f64);
                pts.push((50.0 + u * 0.9 - v * 0.4, 30.0 + u * 0.4 + v * 0.9));
            }
        }
        let hull = convex_hull(pts);
        assert_eq!(hull.len(), 4);
        let q = hull_quad(&hull).unwrap();
        assert!((area2(&q).abs() / 2.0 - 20.0 * 20.0 * (0.81 + 0.16)).abs() < 1e-6);
    }
}
