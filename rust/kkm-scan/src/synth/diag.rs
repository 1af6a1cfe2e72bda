//! Diagnostics for tuning the reader on generated frames, where the truth is known:
//! would the grid reader decode the symbol from its true corners (so a miss is the
//! locator's), and did the locator propose a quad on it at all.

use crate::dm;
use crate::frame::LumaFrame;
use crate::plane::Plane;

fn plane(frame: &LumaFrame<'_>) -> Plane {
    let mut data = Vec::with_capacity(frame.width() as usize * frame.height() as usize);
    for y in 0..frame.height() {
        data.extend_from_slice(frame.row(y));
    }
    Plane::new(data, frame.width(), frame.height())
}

/// The grid reader's text from the symbol's true grid corners (top-left, top-right,
/// bottom-right, bottom-left), any size, or `None`.
pub fn read_at_corners(frame: &LumaFrame<'_>, corners: [(f64, f64); 4]) -> Option<String> {
    let img = plane(frame);
    dm::read_quad(&img, corners, &dm::grid::SIZES, &[false], None, &mut None).map(|h| h.text.text)
}

/// The grid reader's text from the exact grid — true corners and module count, no
/// fitting, no polish — trying each reading; `None` when even that fails.
pub fn read_exact(frame: &LumaFrame<'_>, corners: [(f64, f64); 4], n: u32) -> Option<String> {
    let img = plane(frame);
    let g = dm::grid::Grid {
        corners,
        n,
        inverted: false,
    };
    dm::READINGS
        .iter()
        .find_map(|&how| dm::grid::read(&img, &g, how))
        .map(|t| t.text)
}

/// Modules per side of the GS1 DataMatrix the generator draws for `text`.
pub fn modules_for(text: &str) -> Option<u32> {
    super::encode_gs1_datamatrix(text).map(|(_, w, _)| w)
}

/// The rough quads the locator proposes (up to `max`), in frame pixels.
pub fn located_quads(frame: &LumaFrame<'_>, max: usize) -> Vec<[(f64, f64); 4]> {
    let img = plane(frame);
    dm::locate::candidates(
        &img,
        &img.shrink2(),
        false,
        dm::locate::Budget {
            quads: max,
            refine: 6,
            boxes: 3,
            levels: 1,
        },
    )
}

/// Why the locator did or did not propose the component at frame pixel `(x, y)`.
pub fn component_at(frame: &LumaFrame<'_>, x: f64, y: f64) -> String {
    dm::locate::report_at(&plane(frame).shrink2(), false, x / 2.0, y / 2.0)
}

/// One line per quad the locator proposes: where, what the side analysis says, the best
/// grids, whether it read, and what it cost.
pub fn explain(frame: &LumaFrame<'_>, max: usize) -> Vec<String> {
    use std::time::Instant;
    let img = plane(frame);
    let t = Instant::now();
    let quads = dm::locate::candidates(
        &img,
        &img.shrink2(),
        false,
        dm::locate::Budget {
            quads: max,
            refine: 6,
            boxes: 3,
            levels: 1,
        },
    );
    let mut out = vec![format!(
        "locate: {} quads in {:.2} ms",
        quads.len(),
        t.elapsed().as_secs_f64() * 1e3
    )];
    for q in quads {
        let t = Instant::now();
        let side = (0..4)
            .map(|i| (q[i].0 - q[(i + 1) % 4].0).hypot(q[i].1 - q[(i + 1) % 4].1))
            .fold(0.0f64, f64::max);
        let fitted = dm::grid::fit_borders(
            &img,
            q,
            (0.05 * side).clamp(2.0, 8.0),
            (0.04 * side).clamp(1.5, 6.0),
            (0.02 * side).max(0.8),
            (0.04 * side).max(1.5),
        );
        let qq = dm::grid::clockwise(fitted.unwrap_or(q));
        let sides = dm::grid::classify(&img, qq, false);
        let grids = sides
            .as_ref()
            .map(|s| dm::grid::orient(&img, qq, &s.sizes, &[false], &s.rotations))
            .unwrap_or_default();
        let hit = dm::read_quad(&img, q, &dm::grid::SIZES, &[false], None, &mut None);
        out.push(format!(
            "quad {:?} c=({:.0},{:.0}) side {:.0}px borders {} sides {:?} grids {:?} → {} ({:.2} ms)",
            qq.map(|p| ((p.0 * 10.0).round() / 10.0, (p.1 * 10.0).round() / 10.0)),
            q.iter().map(|p| p.0).sum::<f64>() / 4.0,
            q.iter().map(|p| p.1).sum::<f64>() / 4.0,
            side,
            if fitted.is_some() { "fit" } else { "rough" },
            sides.map(|s| (s.profile, s.rotations, s.sizes)),
            grids.iter().take(3).map(|(g, s)| (g.n, (s * 100.0).round() / 100.0)).collect::<Vec<_>>(),
            hit.map_or("no read".to_string(), |h| format!("READ n={} corrected {}/{}", h.grid.n, h.text.corrected, h.text.check)),
            t.elapsed().as_secs_f64() * 1e3
        ));
    }
    out
}

/// The locator's binarisation of the half-size frame, as 0/255 grey (half-size pixels).
pub fn binarized_half(frame: &LumaFrame<'_>) -> (Vec<u8>, u32, u32) {
    let half = plane(frame).shrink2();
    let bits = dm::locate::binarize_for_diag(&half);
    (
        bits.iter().map(|&d| if d { 0 } else { 255 }).collect(),
        half.width,
        half.height,
    )
}

/// From the exact grid, each refinement step alone: how far it moves the corners (max,
/// px) and whether it still reads. Tells which step spoils a good grid.
pub fn steps_from_truth(frame: &LumaFrame<'_>, corners: [(f64, f64); 4], n: u32) -> Vec<String> {
    let img = plane(frame);
    let g = dm::grid::Grid {
        corners,
        n,
        inverted: false,
    };
    let reads = |g: &dm::grid::Grid| {
        dm::READINGS
            .iter()
            .any(|&how| dm::grid::read(&img, g, how).is_some())
    };
    let moved = |c: [(f64, f64); 4]| {
        c.iter()
            .zip(&corners)
            .map(|(a, b)| (a.0 - b.0).hypot(a.1 - b.1))
            .fold(0.0f64, f64::max)
    };
    let m = g.module_px();
    let mut out = vec![format!("exact: reads {} (module {m:.2}px)", reads(&g))];
    if let Some(c) = dm::grid::fit_borders(
        &img,
        corners,
        (1.6 * m).max(2.0),
        (1.2 * m).max(1.5),
        (0.45 * m).max(0.6),
        0.6 * m,
    ) {
        let f = dm::grid::Grid { corners: c, ..g };
        out.push(format!("fit: moved {:.1}px reads {}", moved(c), reads(&f)));
        let p = dm::grid::polish(&img, f);
        out.push(format!(
            "fit+polish: moved {:.1}px reads {}",
            moved(p.corners),
            reads(&p)
        ));
    } else {
        out.push("fit: none".into());
    }
    let p = dm::grid::polish(&img, g);
    out.push(format!(
        "polish: moved {:.1}px reads {}",
        moved(p.corners),
        reads(&p)
    ));
    let side = (0..4)
        .map(|i| {
            (corners[i].0 - corners[(i + 1) % 4].0).hypot(corners[i].1 - corners[(i + 1) % 4].1)
        })
        .fold(0.0f64, f64::max);
    let coarse = dm::grid::fit_borders(
        &img,
        corners,
        (0.05 * side).clamp(2.0, 8.0),
        (0.04 * side).clamp(1.5, 6.0),
        (0.02 * side).max(0.8),
        (0.04 * side).max(1.5),
    );
    out.push(format!(
        "coarse fit: moved {:?}",
        coarse.map(|c| (moved(c) * 10.0).round() / 10.0)
    ));
    let q = dm::grid::clockwise(coarse.unwrap_or(corners));
    let sides = dm::grid::classify(&img, q, false);
    out.push(format!(
        "classify (rot 0 = truth): {:?}",
        sides.as_ref().map(|s| (s.profile, &s.rotations, &s.sizes))
    ));
    if let Some(s) = sides {
        let grids = dm::grid::orient(&img, q, &dm::grid::SIZES, &[false], &s.rotations);
        out.push(format!(
            "orient: {:?}",
            grids
                .iter()
                .take(4)
                .map(|(g, s)| (g.n, (s * 100.0).round() / 100.0))
                .collect::<Vec<_>>()
        ));
        let all = dm::grid::orient(&img, q, &dm::grid::SIZES, &[false], &[0, 1, 2, 3]);
        out.push(format!(
            "orient any rotation: {:?}",
            all.iter()
                .take(4)
                .map(|(g, s)| (g.n, (s * 100.0).round() / 100.0))
                .collect::<Vec<_>>()
        ));
    }
    out
}

/// Wall time per stage of the locator (diagnostics).
pub fn locate_profile(frame: &LumaFrame<'_>) -> Vec<(&'static str, f64, usize)> {
    let img = plane(frame);
    dm::locate::profile(&img, &img.shrink2())
}
