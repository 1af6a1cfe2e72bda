//! The packed luma image the scanner works on, and what it needs of it: shrinking,
//! growing, cropping and sub-pixel reads.

use crate::frame::{LumaFrame, Roi};

/// A packed luma image the cascade works on.
#[derive(Debug, Clone)]
pub(crate) struct Plane {
    /// Pixels, row-major, no padding.
    pub(crate) data: Vec<u8>,
    /// Width.
    pub(crate) width: u32,
    /// Height.
    pub(crate) height: u32,
}

impl Plane {
    /// Wraps packed pixels (`data.len()` must be `width × height`).
    #[cfg(feature = "synth")]
    pub(crate) fn new(data: Vec<u8>, width: u32, height: u32) -> Plane {
        debug_assert_eq!(data.len(), width as usize * height as usize);
        Plane {
            data,
            width,
            height,
        }
    }

    /// The pixel at `(x, y)`, clamped to the image.
    #[inline]
    pub(crate) fn at(&self, x: i64, y: i64) -> u8 {
        let x = x.clamp(0, i64::from(self.width) - 1) as usize;
        let y = y.clamp(0, i64::from(self.height) - 1) as usize;
        self.data[y * self.width as usize + x]
    }

    /// Bilinear read at a sub-pixel position (pixel centres at integer + 0.5), clamped.
    #[inline]
    pub(crate) fn sample(&self, x: f64, y: f64) -> f32 {
        let (fx, fy) = (x - 0.5, y - 0.5);
        // floor() without the libm call: truncate, then step down for negatives.
        let (mut x0, mut y0) = (fx as i64, fy as i64);
        x0 -= i64::from((x0 as f64) > fx);
        y0 -= i64::from((y0 as f64) > fy);
        let (tx, ty) = ((fx - x0 as f64) as f32, (fy - y0 as f64) as f32);
        let (w, h) = (i64::from(self.width), i64::from(self.height));
        if x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h {
            let i = y0 as usize * self.width as usize + x0 as usize;
            let s = self.width as usize;
            let (a, b) = (f32::from(self.data[i]), f32::from(self.data[i + 1]));
            let (c, d) = (f32::from(self.data[i + s]), f32::from(self.data[i + s + 1]));
            let top = a + (b - a) * tx;
            let bottom = c + (d - c) * tx;
            return top + (bottom - top) * ty;
        }
        let p = |xx: i64, yy: i64| f32::from(self.at(xx, yy));
        let top = p(x0, y0) + (p(x0 + 1, y0) - p(x0, y0)) * tx;
        let bottom = p(x0, y0 + 1) + (p(x0 + 1, y0 + 1) - p(x0, y0 + 1)) * tx;
        top + (bottom - top) * ty
    }

    /// The rectangle `x0..x1 × y0..y1` (clipped to the image) as its own plane.
    pub(crate) fn crop(&self, x0: u32, y0: u32, x1: u32, y1: u32) -> Plane {
        let (x1, y1) = (x1.min(self.width), y1.min(self.height));
        let (x0, y0) = (x0.min(x1), y0.min(y1));
        let mut data = Vec::with_capacity(((x1 - x0) * (y1 - y0)) as usize);
        for y in y0..y1 {
            let s = (y * self.width) as usize;
            data.extend_from_slice(&self.data[s + x0 as usize..s + x1 as usize]);
        }
        Plane {
            data,
            width: x1 - x0,
            height: y1 - y0,
        }
    }

    /// Box-downscale ×2 (odd trailing row/column dropped).
    pub(crate) fn shrink2(&self) -> Plane {
        let (w, h) = (self.width / 2, self.height / 2);
        let sw = self.width as usize;
        let mut data = Vec::with_capacity(w as usize * h as usize);
        for y in 0..h as usize {
            let r0 = &self.data[2 * y * sw..2 * y * sw + sw];
            let r1 = &self.data[(2 * y + 1) * sw..(2 * y + 1) * sw + sw];
            for (a, b) in r0.chunks_exact(2).zip(r1.chunks_exact(2)) {
                let s = u16::from(a[0]) + u16::from(a[1]) + u16::from(b[0]) + u16::from(b[1]);
                data.push(((s + 2) / 4) as u8);
            }
        }
        Plane {
            data,
            width: w,
            height: h,
        }
    }

    /// Bilinear upscale ×2.
    pub(crate) fn grow2(&self) -> Plane {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut data = vec![0u8; 4 * w * h];
        let at = |x: usize, y: usize| u16::from(self.data[y.min(h - 1) * w + x.min(w - 1)]);
        for y in 0..h {
            for x in 0..w {
                let (a, b, c, d) = (at(x, y), at(x + 1, y), at(x, y + 1), at(x + 1, y + 1));
                let o = 2 * y * 2 * w + 2 * x;
                data[o] = a as u8;
                data[o + 1] = (a + b).div_ceil(2) as u8;
                data[o + 2 * w] = (a + c).div_ceil(2) as u8;
                data[o + 2 * w + 1] = ((a + b + c + d + 2) / 4) as u8;
            }
        }
        Plane {
            data,
            width: 2 * self.width,
            height: 2 * self.height,
        }
    }

    /// The square of half-side `r` around `(cx, cy)`, clipped; with its offset.
    pub(crate) fn crop_around(&self, cx: f32, cy: f32, r: f32) -> Option<(Plane, f32, f32)> {
        let x0 = (cx - r).max(0.0) as u32;
        let y0 = (cy - r).max(0.0) as u32;
        let x1 = ((cx + r).max(0.0) as u32).min(self.width);
        let y1 = ((cy + r).max(0.0) as u32).min(self.height);
        if x1 < x0 + 16 || y1 < y0 + 16 {
            return None;
        }
        Some((self.crop(x0, y0, x1, y1), x0 as f32, y0 as f32))
    }
}

pub(crate) fn crop_and_shrink(frame: &LumaFrame<'_>, roi: Roi, factor: u32) -> Plane {
    let mut data = Vec::with_capacity(roi.width as usize * roi.height as usize);
    for y in roi.y..roi.y + roi.height {
        let row = frame.row(y);
        data.extend_from_slice(&row[roi.x as usize..(roi.x + roi.width) as usize]);
    }
    let mut plane = Plane {
        data,
        width: roi.width,
        height: roi.height,
    };
    let mut f = factor;
    while f > 1 && plane.width >= 32 && plane.height >= 32 {
        plane = plane.shrink2();
        f /= 2;
    }
    plane
}
