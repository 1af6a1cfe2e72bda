//! The hard camera set of issue 20: a mark photographed the way cashiers present it.
//!
//! Every frame is a 1280×720 picture of a GS1 DataMatrix on a light label over a busy
//! pack, under a camera model with these factors:
//!
//! | factor | base range (every frame) | extreme range (its category) |
//! | --- | --- | --- |
//! | module size at the symbol centre | 2.6–6 px | 2.2–2.7 px (`SmallModules`) |
//! | perspective: far side shorter than the near side by | 0–8 % | 10–20 % (`Perspective`) |
//! | print contrast (paper − ink) / paper | 55–85 % | 35–45 % (`LowContrast`) |
//! | optical blur, Gaussian σ | 0.35–0.8 px | 1.0–1.4 px (`Blur`) |
//! | JPEG quality | none or 60–90 (half the frames) | 40–50 (`Jpeg`) |
//! | glare spot (added in linear light, saturating) | none | always (`Glare`) |
//!
//! A tilted label (`Perspective`) is also turned sideways (the other axis shrinks to
//! 75–97 %) and its far side is out of focus (σ grows by 0.2–0.7 px across it).
//!
//! plus, in every frame: any in-plane rotation, a 1–3 module quiet zone, uneven light,
//! sensor noise and a busy background. `Combined` pushes three of the six factors to
//! their extremes at once. The perspective is a real tilt of the label towards the
//! camera (projective, with foreshortening of the tilted axis), not a jitter of corners.
//!
//! Frames are a pure function of `(seed, index, category)`.

use super::{busy_background, encode_modules, random_text, Payload, Rng, SynthFrame};
use super::{FRAME_HEIGHT, FRAME_WIDTH};
use crate::frame::OwnedLuma;
use crate::geom::Homography;
use crate::Symbology;

/// Which factor of the camera model a frame pushes to the extreme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// A label tilted towards the camera: one side 10–20 % shorter than the opposite one.
    Perspective,
    /// Faint print: contrast 35–45 %.
    LowContrast,
    /// Defocus: Gaussian σ 1.0–1.4 px.
    Blur,
    /// JPEG at quality 40–50.
    Jpeg,
    /// A glare spot over part of the symbol.
    Glare,
    /// Modules of 2.2–2.7 px.
    SmallModules,
    /// Three of the six factors above at their extremes at once.
    Combined,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 7] = [
        Category::Perspective,
        Category::LowContrast,
        Category::Blur,
        Category::Jpeg,
        Category::Glare,
        Category::SmallModules,
        Category::Combined,
    ];

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Category::Perspective => "perspective",
            Category::LowContrast => "low-contrast",
            Category::Blur => "blur",
            Category::Jpeg => "jpeg",
            Category::Glare => "glare",
            Category::SmallModules => "small-modules",
            Category::Combined => "combined",
        }
    }

    /// The category of frame `index` in a set that cycles through [`Category::ALL`].
    pub fn of_index(index: u32) -> Category {
        Category::ALL[index as usize % Category::ALL.len()]
    }
}

/// A glare spot: a Gaussian highlight added in linear light.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glare {
    /// Centre, in module units from the symbol's centre.
    pub centre: (f32, f32),
    /// Radius (σ) as a fraction of the symbol side.
    pub radius: f32,
    /// Peak added light, as a fraction of full white in linear light.
    pub strength: f32,
}

/// The drawn camera parameters of one frame (kept for failure reports).
#[derive(Debug, Clone, PartialEq)]
pub struct Camera {
    /// Module size at the symbol centre, along the untilted axis, in pixels.
    pub module_px: f32,
    /// In-plane rotation, degrees.
    pub angle_deg: f32,
    /// How much shorter the far side is than the near side (0–0.2).
    pub shortening: f32,
    /// Which side of the symbol is tilted away from the camera (0–3, a quarter turn each).
    pub tilt_side: u32,
    /// The pack also turned sideways: the other axis shrinks to this share (1: not).
    pub turn: f32,
    /// Depth of field: extra blur σ (px) on the far side of a tilted label.
    pub focus_falloff: f32,
    /// Gaussian blur σ in pixels.
    pub blur_sigma: f32,
    /// Print contrast (paper − ink) / paper.
    pub contrast: f32,
    /// Paper grey level.
    pub paper: f32,
    /// JPEG quality, when the frame is JPEG-compressed.
    pub jpeg_quality: Option<u8>,
    /// The glare spot, if any.
    pub glare: Option<Glare>,
    /// Sensor noise σ in grey levels.
    pub noise_sigma: f32,
    /// Strength of the light gradient across the frame (0–0.35).
    pub light_gradient: f32,
    /// Quiet zone around the symbol, in modules.
    pub quiet_modules: f32,
}

impl Camera {
    /// Draws the parameters of `category` from `rng`.
    pub fn draw(rng: &mut Rng, category: Category) -> Camera {
        let mut cam = Camera {
            module_px: rng.range(2.6, 6.0),
            angle_deg: rng.range(0.0, 360.0),
            shortening: rng.range(0.0, 0.08),
            tilt_side: rng.below(4),
            turn: 1.0,
            focus_falloff: 0.0,
            blur_sigma: rng.range(0.35, 0.8),
            contrast: rng.range(0.55, 0.85),
            paper: rng.range(150.0, 235.0),
            jpeg_quality: rng.chance(0.5).then(|| rng.range(60.0, 90.0) as u8),
            glare: None,
            noise_sigma: rng.range(1.0, 4.0),
            light_gradient: rng.range(0.0, 0.35),
            quiet_modules: rng.range(1.0, 3.0),
        };
        let extremes: Vec<Category> = match category {
            Category::Combined => {
                let mut pool = Category::ALL[..6].to_vec();
                let mut picked = Vec::new();
                for _ in 0..3 {
                    picked.push(pool.remove(rng.below(pool.len() as u32) as usize));
                }
                picked
            }
            c => vec![c],
        };
        for c in extremes {
            match c {
                Category::Perspective => {
                    cam.shortening = rng.range(0.10, 0.20);
                    // "Large and sharp": the tilt is what is hard — and what comes with it
                    // on a hand-held pack: turned a little sideways too, and the far side
                    // out of the focal plane.
                    cam.module_px = cam.module_px.max(rng.range(3.0, 6.0));
                    cam.turn = rng.range(0.75, 0.97);
                    cam.focus_falloff = rng.range(0.2, 0.7);
                }
                Category::LowContrast => cam.contrast = rng.range(0.35, 0.45),
                Category::Blur => cam.blur_sigma = rng.range(1.0, 1.4),
                Category::Jpeg => cam.jpeg_quality = Some(rng.range(40.0, 50.99) as u8),
                Category::Glare => {
                    cam.glare = Some(Glare {
                        centre: (rng.range(-0.35, 0.35), rng.range(-0.35, 0.35)),
                        radius: rng.range(0.12, 0.3),
                        strength: rng.range(0.35, 0.85),
                    })
                }
                Category::SmallModules => cam.module_px = rng.range(2.2, 2.7),
                Category::Combined => {}
            }
        }
        cam
    }

    /// One line for failure reports.
    pub fn summary(&self) -> String {
        format!(
            "module {:.2}px, angle {:.0}°, shortening {:.0}%, turn {:.2}, blur σ{:.2}+{:.2}, contrast {:.0}% (paper {:.0}), jpeg {}, glare {}, noise σ{:.1}, light {:.2}, quiet {:.1}",
            self.module_px,
            self.angle_deg,
            100.0 * self.shortening,
            self.turn,
            self.blur_sigma,
            self.focus_falloff,
            100.0 * self.contrast,
            self.paper,
            self.jpeg_quality.map_or("-".to_string(), |q| format!("q{q}")),
            self.glare.map_or("-".to_string(), |g| format!(
                "r{:.2} +{:.0}%",
                g.radius,
                100.0 * g.strength
            )),
            self.noise_sigma,
            self.light_gradient,
            self.quiet_modules
        )
    }
}

/// Frame number `index` of the hard camera set `seed` in `category`, showing one of
/// `payloads` (marks; `MARKS` is the benchmark's mix).
pub fn camera_frame(seed: u64, index: u32, category: Category, payloads: &[Payload]) -> SynthFrame {
    let mut rng = Rng::new(
        seed ^ (u64::from(index).wrapping_mul(0x9FB2_1C65_1E98_DF25))
            ^ ((category as u64 + 1) << 56),
    );
    let kind = payloads
        .get(rng.below(payloads.len().max(1) as u32) as usize)
        .copied()
        .unwrap_or(Payload::TobaccoPack);
    let text = random_text(&mut rng, kind);
    let cam = Camera::draw(&mut rng, category);
    let scene = rng.next_u64();
    let mut f = photograph(scene, &text, &cam);
    f.recipe = format!("{} {kind:?}: {}", category.name(), cam.summary());
    f.category = Some(category);
    f
}

/// Photographs the GS1 DataMatrix of `text` with the camera `cam`: the scene (pack,
/// placement, light, noise) follows from `scene`, so the same scene with two cameras —
/// a blurred frame and then a sharp one — shows the symbol in the same place.
pub fn photograph(scene: u64, text: &str, cam: &Camera) -> SynthFrame {
    let mut rng = Rng::new(scene);
    let text = text.to_string();
    let (modules, mw, mh) =
        encode_modules(&text, Symbology::DataMatrix).unwrap_or((vec![false], 1, 1));
    let cam = cam.clone();
    let (w, h) = (FRAME_WIDTH as usize, FRAME_HEIGHT as usize);
    let mut img = vec![0u8; w * h];
    busy_background(&mut rng, &mut img, w, h);

    // The projective camera: grid coordinates → picture.
    let q = cam.quiet_modules;
    let corners_at = |cx: f64, cy: f64| project_grid(&cam, mw, mh, cx, cy);
    // Place the label so that it (quiet zone included) lies inside the frame.
    let probe = corners_at(0.0, 0.0);
    let map0 = Homography::rect_to_quad(f64::from(mw), f64::from(mh), probe);
    let reach = map0.map_or(400.0, |m| {
        [
            (-q, -q),
            (mw as f32 + q, -q),
            (mw as f32 + q, mh as f32 + q),
            (-q, mh as f32 + q),
        ]
        .iter()
        .map(|&(x, y)| {
            let p = m.apply(f64::from(x), f64::from(y));
            p.0.abs().max(p.1.abs())
        })
        .fold(0.0, f64::max)
    });
    let cx = rng.range(0.0, 1.0) as f64 * (w as f64 - 2.0 * reach - 8.0).max(0.0) + reach + 4.0;
    let cy = rng.range(0.0, 1.0) as f64 * (h as f64 - 2.0 * reach - 8.0).max(0.0) + reach + 4.0;
    let corners = corners_at(cx, cy);
    let Some(grid_to_px) = Homography::rect_to_quad(f64::from(mw), f64::from(mh), corners) else {
        return finish(img, text, &cam, None, &mut rng);
    };
    let px_to_grid = grid_to_px.inverse();

    let ink = cam.paper * (1.0 - cam.contrast);
    // Bounding box of the label (quiet zone included).
    let label = [
        (-q, -q),
        (mw as f32 + q, -q),
        (mw as f32 + q, mh as f32 + q),
        (-q, mh as f32 + q),
    ]
    .map(|(x, y)| grid_to_px.apply(f64::from(x), f64::from(y)));
    let (x0, x1) = span(label.iter().map(|p| p.0), w);
    let (y0, y1) = span(label.iter().map(|p| p.1), h);
    const SS: usize = 4;
    for y in y0..y1 {
        for x in x0..x1 {
            let (mut sum, mut inside) = (0.0f32, 0usize);
            for sy in 0..SS {
                for sx in 0..SS {
                    let px = x as f64 + (sx as f64 + 0.5) / SS as f64;
                    let py = y as f64 + (sy as f64 + 0.5) / SS as f64;
                    let (gx, gy) = px_to_grid.apply(px, py);
                    let (gx, gy) = (gx as f32, gy as f32);
                    if gx < -q || gy < -q || gx >= mw as f32 + q || gy >= mh as f32 + q {
                        sum += f32::from(img[y * w + x]);
                        continue;
                    }
                    inside += 1;
                    let dark = gx >= 0.0
                        && gy >= 0.0
                        && (gx as u32) < mw
                        && (gy as u32) < mh
                        && modules[gy as usize * mw as usize + gx as usize];
                    sum += if dark { ink } else { cam.paper };
                }
            }
            if inside > 0 {
                img[y * w + x] = (sum / (SS * SS) as f32).round().clamp(0.0, 255.0) as u8;
            }
        }
    }

    // Uneven light: a multiplicative ramp across the frame.
    if cam.light_gradient > 0.01 {
        let a = rng.range(0.0, std::f32::consts::TAU);
        let (dx, dy) = (a.cos() / w as f32, a.sin() / h as f32);
        for y in 0..h {
            for x in 0..w {
                let t = 0.5 + (x as f32 - w as f32 / 2.0) * dx + (y as f32 - h as f32 / 2.0) * dy;
                let k = 1.0 - cam.light_gradient * t.clamp(0.0, 1.0);
                let p = &mut img[y * w + x];
                *p = (f32::from(*p) * k) as u8;
            }
        }
    }
    if let Some(g) = cam.glare {
        let c = grid_to_px.apply(
            f64::from(mw as f32 / 2.0 + g.centre.0 * mw as f32),
            f64::from(mh as f32 / 2.0 + g.centre.1 * mh as f32),
        );
        let side = ((corners[0].0 - corners[2].0).hypot(corners[0].1 - corners[2].1)
            + (corners[1].0 - corners[3].0).hypot(corners[1].1 - corners[3].1))
            / (2.0 * std::f64::consts::SQRT_2);
        add_glare(&mut img, w, h, c, g.radius as f64 * side, g.strength);
    }
    if cam.focus_falloff > 0.01 {
        // Depth of field: blend towards a blurrier copy across the label, from the near
        // side (the longer one) to the far side.
        let mut far = img.clone();
        gaussian_blur(
            &mut far,
            w,
            h,
            (cam.blur_sigma.powi(2) + cam.focus_falloff.powi(2) * 4.0).sqrt(),
        );
        gaussian_blur(&mut img, w, h, cam.blur_sigma);
        let side =
            |a: usize, b: usize| (corners[a].0 - corners[b].0).hypot(corners[a].1 - corners[b].1);
        // The far side is the shortest of the four; its midpoint and the opposite one's.
        let (far_i, _) = (0..4)
            .map(|i| (i, side(i, (i + 1) % 4)))
            .fold((0, f64::MAX), |a, b| if b.1 < a.1 { b } else { a });
        let mid = |i: usize| {
            let j = (i + 1) % 4;
            (
                (corners[i].0 + corners[j].0) / 2.0,
                (corners[i].1 + corners[j].1) / 2.0,
            )
        };
        let (f, n) = (mid(far_i), mid((far_i + 2) % 4));
        let (dx, dy) = (f.0 - n.0, f.1 - n.1);
        let len2 = (dx * dx + dy * dy).max(1.0);
        for y in 0..h {
            for x in 0..w {
                let t =
                    (((x as f64 - n.0) * dx + (y as f64 - n.1) * dy) / len2).clamp(0.0, 1.0) as f32;
                let i = y * w + x;
                img[i] = (f32::from(img[i]) * (1.0 - t) + f32::from(far[i]) * t).round() as u8;
            }
        }
    } else {
        gaussian_blur(&mut img, w, h, cam.blur_sigma);
    }
    finish(img, text, &cam, Some(corners), &mut rng)
}

/// Noise, JPEG, and the frame record.
fn finish(
    mut img: Vec<u8>,
    text: String,
    cam: &Camera,
    corners: Option<[(f64, f64); 4]>,
    rng: &mut Rng,
) -> SynthFrame {
    for p in img.iter_mut() {
        *p = (f32::from(*p) + rng.gauss() * cam.noise_sigma)
            .round()
            .clamp(0.0, 255.0) as u8;
    }
    if let Some(q) = cam.jpeg_quality {
        img = jpeg_round_trip(img, q);
    }
    SynthFrame {
        luma: OwnedLuma::from_vec(img, FRAME_WIDTH, FRAME_HEIGHT)
            .unwrap_or_else(|_| OwnedLuma::blank(FRAME_WIDTH, FRAME_HEIGHT)),
        text,
        symbology: Symbology::DataMatrix,
        recipe: cam.summary(),
        category: None,
        corners,
    }
}

/// Where the grid corners (0,0), (w,0), (w,h), (0,h) land for a symbol centred at
/// `(cx, cy)`: tilt (with foreshortening), then in-plane rotation.
fn project_grid(cam: &Camera, mw: u32, mh: u32, cx: f64, cy: f64) -> [(f64, f64); 4] {
    let m = f64::from(cam.module_px);
    let (hw, hh) = (f64::from(mw) / 2.0, f64::from(mh) / 2.0);
    let a = hw.max(hh) * m;
    // Near/far depth 1∓k gives a far/near side ratio (1−k)/(1+k) = 1 − shortening.
    let s = f64::from(cam.shortening);
    let k = s / (2.0 - s);
    // Half the symbol is 15–25 % of the camera distance at such tilts; the tilt angle
    // that gives depth ±k is asin(k / that ratio), and the tilted axis shrinks by its cos.
    let sin_t = (k / 0.2).min(0.9);
    let cos_t = (1.0 - sin_t * sin_t).sqrt();
    let phi = f64::from(cam.tilt_side) * std::f64::consts::FRAC_PI_2;
    let (sp, cp) = phi.sin_cos();
    let (sa, ca) = f64::from(cam.angle_deg).to_radians().sin_cos();
    [
        (0.0, 0.0),
        (f64::from(mw), 0.0),
        (f64::from(mw), f64::from(mh)),
        (0.0, f64::from(mh)),
    ]
    .map(|(gx, gy)| {
        let (x, y) = ((gx - hw) * m, (gy - hh) * m);
        // Into the tilt frame: `ty` runs towards the far side.
        let (tx, ty) = (cp * x + sp * y, -sp * x + cp * y);
        let z = 1.0 - k * ty / a;
        let (px, py) = (tx / z, ty * cos_t / z);
        // Back to the symbol frame, then the camera's roll.
        let (bx, by) = (cp * px - sp * py, sp * px + cp * py);
        (cx + ca * bx - sa * by, cy + sa * bx + ca * by)
    })
}

fn span(v: impl Iterator<Item = f64>, limit: usize) -> (usize, usize) {
    let (lo, hi) = v.fold((f64::MAX, f64::MIN), |a, x| (a.0.min(x), a.1.max(x)));
    (
        lo.floor().clamp(0.0, limit as f64) as usize,
        (hi.ceil() + 1.0).clamp(0.0, limit as f64) as usize,
    )
}

/// sRGB-ish transfer (γ 2.2) in and out of linear light.
fn to_linear(v: f32) -> f32 {
    (v / 255.0).powf(2.2)
}

fn from_linear(l: f32) -> f32 {
    255.0 * l.clamp(0.0, 1.0).powf(1.0 / 2.2)
}

/// A specular highlight: Gaussian, added in linear light, clipped at white.
fn add_glare(img: &mut [u8], w: usize, h: usize, c: (f64, f64), r: f64, strength: f32) {
    let r = r.max(2.0);
    let (x0, x1) = span([c.0 - 3.0 * r, c.0 + 3.0 * r].into_iter(), w);
    let (y0, y1) = span([c.1 - 3.0 * r, c.1 + 3.0 * r].into_iter(), h);
    let lut: Vec<f32> = (0..256).map(|v| to_linear(v as f32)).collect();
    for y in y0..y1 {
        for x in x0..x1 {
            let d2 = ((x as f64 - c.0).powi(2) + (y as f64 - c.1).powi(2)) / (r * r);
            let add = strength * (-0.5 * d2).exp() as f32;
            if add < 0.002 {
                continue;
            }
            let p = &mut img[y * w + x];
            *p = from_linear(lut[usize::from(*p)] + add).round() as u8;
        }
    }
}

/// Separable Gaussian blur with standard deviation `sigma` pixels, in place.
pub(crate) fn gaussian_blur(img: &mut [u8], w: usize, h: usize, sigma: f32) {
    if sigma < 0.05 {
        return;
    }
    let r = (3.0 * sigma).ceil() as usize;
    let mut k: Vec<f32> = (0..=2 * r)
        .map(|i| {
            let d = i as f32 - r as f32;
            (-0.5 * d * d / (sigma * sigma)).exp()
        })
        .collect();
    let s: f32 = k.iter().sum();
    k.iter_mut().for_each(|v| *v /= s);
    let mut tmp = vec![0f32; w * h];
    for y in 0..h {
        let row = &img[y * w..(y + 1) * w];
        for x in 0..w {
            let mut acc = 0.0;
            for (i, kv) in k.iter().enumerate() {
                let xx = (x + i).saturating_sub(r).min(w - 1);
                acc += kv * f32::from(row[xx]);
            }
            tmp[y * w + x] = acc;
        }
    }
    for x in 0..w {
        for y in 0..h {
            let mut acc = 0.0;
            for (i, kv) in k.iter().enumerate() {
                let yy = (y + i).saturating_sub(r).min(h - 1);
                acc += kv * tmp[yy * w + x];
            }
            img[y * w + x] = acc.round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// Compresses and decompresses as a grey JPEG of `quality`.
fn jpeg_round_trip(img: Vec<u8>, quality: u8) -> Vec<u8> {
    let mut buf = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, quality);
    if image::ImageEncoder::write_image(
        enc,
        &img,
        FRAME_WIDTH,
        FRAME_HEIGHT,
        image::ExtendedColorType::L8,
    )
    .is_err()
    {
        return img;
    }
    match image::load_from_memory(&buf) {
        Ok(d) => {
            let g = d.into_luma8();
            if g.dimensions() == (FRAME_WIDTH, FRAME_HEIGHT) {
                g.into_raw()
            } else {
                img
            }
        }
        Err(_) => img,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_reproducible_and_sized() {
        let a = camera_frame(5, 3, Category::Perspective, super::super::MARKS);
        let b = camera_frame(5, 3, Category::Perspective, super::super::MARKS);
        assert_eq!(a.luma, b.luma);
        assert_eq!(a.text, b.text);
        assert_eq!(a.luma.width(), FRAME_WIDTH);
        let c = a.corners.expect("corners known");
        assert!(c
            .iter()
            .all(|p| (0.0..1280.0).contains(&p.0) && (0.0..720.0).contains(&p.1)));
    }

    #[test]
    fn perspective_shortens_one_side_by_up_to_a_fifth() {
        let mut worst: f64 = 0.0;
        let mut rng = Rng::new(11);
        for _ in 0..200 {
            let cam = Camera::draw(&mut rng, Category::Perspective);
            let c = project_grid(&cam, 22, 22, 640.0, 360.0);
            let side = |a: usize, b: usize| (c[a].0 - c[b].0).hypot(c[a].1 - c[b].1);
            let sides = [side(0, 1), side(1, 2), side(2, 3), side(3, 0)];
            // Opposite sides: one pair differs by the tilt.
            let r = (sides[0] / sides[2])
                .min(sides[2] / sides[0])
                .min((sides[1] / sides[3]).min(sides[3] / sides[1]));
            worst = worst.max(1.0 - r);
            assert!(
                1.0 - r >= 0.09 && 1.0 - r <= 0.201,
                "shortening {}",
                1.0 - r
            );
        }
        assert!(worst > 0.18);
    }

    #[test]
    fn categories_push_their_factor() {
        let mut rng = Rng::new(3);
        for _ in 0..50 {
            let c = Camera::draw(&mut rng, Category::LowContrast);
            assert!((0.35..0.45).contains(&c.contrast));
            let c = Camera::draw(&mut rng, Category::Blur);
            assert!((1.0..1.4).contains(&c.blur_sigma));
            let c = Camera::draw(&mut rng, Category::SmallModules);
            assert!((2.2..2.7).contains(&c.module_px));
            let c = Camera::draw(&mut rng, Category::Jpeg);
            assert!(matches!(c.jpeg_quality, Some(40..=50)));
            assert!(Camera::draw(&mut rng, Category::Glare).glare.is_some());
        }
    }
}
