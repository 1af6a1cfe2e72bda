//! Decode rates on seeded synthetic camera frames (see `kkm_scan::synth`), frame layouts
//! as Android delivers them, and the GS1 semantics of what comes out.
//!
//! The sets are kept small so the suite stays fast in debug builds; the benchmark
//! (`cargo bench -p kkm-scan --bench scan`) runs hundreds of frames and compares with
//! zxing-cpp and ZXing Java.

use kkm_scan::synth::{self, photograph, Camera, Difficulty, Payload};
use kkm_scan::{
    classify, Acceptance, Effort, FormatSet, LumaFrame, OwnedLuma, Roi, ScanContent, ScanOptions,
    Scanner, StreamOptions, StreamScanner, Symbology,
};

const SEED: u64 = 0x4B4B_4D5F_5343_414E;

/// Decodes `n` frames; returns (decoded, wrong). A wrong decode is never acceptable.
fn rate(scanner: &Scanner, payloads: &[Payload], difficulty: Difficulty, n: u32) -> (u32, u32) {
    let (mut ok, mut wrong) = (0, 0);
    for i in 0..n {
        let f = synth::frame(SEED, i, payloads, difficulty);
        if let Some(d) = scanner.scan(&f.luma.as_frame()) {
            if d.text == f.text {
                ok += 1;
            } else {
                wrong += 1;
                eprintln!(
                    "frame {i}: WRONG {:?} != {:?} ({})",
                    d.text, f.text, f.recipe
                );
            }
        } else {
            eprintln!("frame {i}: missed ({})", f.recipe);
        }
    }
    (ok, wrong)
}

#[test]
fn hard_excise_frames_decode_rate() {
    let n = 48;
    let (ok, wrong) = rate(&Scanner::excise(), synth::MARKS, Difficulty::Hard, n);
    eprintln!("hard excise frames: {ok}/{n}");
    assert_eq!(wrong, 0);
    // ~64 % on this mix in the benchmark (before issue 20: ~52 %; zxing-cpp 1.4: ~12 %).
    assert!(ok * 100 >= n * 40, "decode rate {ok}/{n} below 40 %");
}

/// The hard camera set of issue 20, a few frames per category on a seed of its own:
/// decodes per category above a floor, and never a wrong one. (The benchmark runs 350
/// frames and reports rates and times; this guards against a regression.)
#[test]
fn hard_camera_set_decodes_per_category() {
    use kkm_scan::synth::{camera_frame, Category};
    const PER: u32 = 4;
    let scanner = Scanner::excise();
    let mut total = 0;
    for c in Category::ALL {
        let mut ok = 0;
        for i in 0..PER {
            let f = camera_frame(0x7E57_5EED, i, c, synth::MARKS);
            match scanner.scan(&f.luma.as_frame()) {
                Some(d) => {
                    assert_eq!(
                        d.text,
                        f.text,
                        "wrong decode in {} frame {i}: {}",
                        c.name(),
                        f.recipe
                    );
                    ok += 1;
                }
                None => eprintln!("{} frame {i}: missed ({})", c.name(), f.recipe),
            }
        }
        eprintln!("{}: {ok}/{PER}", c.name());
        // The benchmark decodes 90–100 % per single-factor category and about 80 % of
        // the combined one; the floors leave room for four-frame samples.
        let floor = if c == Category::Combined {
            PER / 2
        } else {
            PER - 1
        };
        assert!(ok >= floor, "{}: {ok}/{PER}", c.name());
        total += ok;
    }
    assert!(total >= 7 * PER - 4, "{total}/{}", 7 * PER);
}

#[test]
fn easy_frames_all_formats() {
    let scanner = Scanner::new(ScanOptions::default());
    let payloads = [
        Payload::TobaccoPack,
        Payload::ShortMark,
        Payload::ReceiptQr,
        Payload::Ean13,
        Payload::Code128,
    ];
    let n = 20;
    let (ok, wrong) = rate(&scanner, &payloads, Difficulty::Easy, n);
    eprintln!("easy mixed frames: {ok}/{n}");
    assert_eq!(wrong, 0);
    assert!(ok >= n - 1, "easy frames: {ok}/{n}");
}

#[test]
fn marks_keep_gs_and_classify() {
    let f = synth::frame(SEED, 1, &[Payload::TobaccoPack], Difficulty::Easy);
    let d = Scanner::excise()
        .scan(&f.luma.as_frame())
        .expect("easy frame decodes");
    assert_eq!(d.symbology, Symbology::DataMatrix);
    assert!(d.gs1);
    assert_eq!(d.symbology_id.as_deref(), Some("]d2"));
    assert_eq!(d.text.matches('\u{1d}').count(), 2);
    let ScanContent::Mark(m) = classify(&d).unwrap() else {
        panic!("not a mark")
    };
    assert_eq!(m.excise_stamp(), f.text);
    assert_eq!(m.crypto_signature().map(str::len), Some(44));
    assert_eq!(m.serial().len(), 13);
    // Corners land on the frame.
    assert!(d
        .points
        .iter()
        .all(|&(x, y)| (0.0..1280.0).contains(&x) && (0.0..720.0).contains(&y)));
}

#[test]
fn receipt_and_product_classify() {
    // Thorough: the 1-D readers get the whole frame at full size too (a tilted EAN-13
    // with 3 px modules needs it).
    let scanner = Scanner::new(ScanOptions {
        effort: Effort::Thorough,
        ..ScanOptions::default()
    });
    let f = synth::frame(SEED, 3, &[Payload::ReceiptQr], Difficulty::Easy);
    let d = scanner
        .scan(&f.luma.as_frame())
        .expect("receipt QR decodes");
    assert!(matches!(classify(&d), Ok(ScanContent::Receipt(q)) if q.total_tiyn >= 0));
    let f = synth::frame(SEED, 4, &[Payload::Ean13], Difficulty::Easy);
    let d = scanner.scan(&f.luma.as_frame()).expect("EAN-13 decodes");
    assert_eq!(d.symbology, Symbology::Ean13);
    assert!(matches!(classify(&d), Ok(ScanContent::Product(_))));
}

#[test]
fn android_layouts_give_the_same_result() {
    let f = synth::frame(SEED, 7, &[Payload::ShortMark], Difficulty::Easy);
    let (w, h) = (f.luma.width(), f.luma.height());
    let scanner = Scanner::excise();
    // YUV_420_888 Y plane with row padding (stride 1344), last row unpadded.
    let stride = 1344usize;
    let mut y_plane = vec![0u8; stride * (h as usize - 1) + w as usize];
    for (y, row) in f.luma.pixels().chunks_exact(w as usize).enumerate() {
        y_plane[y * stride..y * stride + w as usize].copy_from_slice(row);
    }
    let frame = LumaFrame::from_y_plane(&y_plane, w, h, stride).unwrap();
    assert_eq!(scanner.scan(&frame).map(|d| d.text), Some(f.text.clone()));
    // NV21: Y then interleaved VU.
    let mut nv21 = f.luma.pixels().to_vec();
    nv21.extend(std::iter::repeat_n(128u8, (w * h / 2) as usize));
    let frame = LumaFrame::from_nv21(&nv21, w, h).unwrap();
    assert_eq!(scanner.scan(&frame).map(|d| d.text), Some(f.text.clone()));
    // RGBA with a coloured tint.
    let rgba: Vec<u8> = f
        .luma
        .pixels()
        .iter()
        .flat_map(|&v| [v, v.saturating_sub(20), v / 2 + 60, 255])
        .collect();
    let luma = OwnedLuma::from_rgba(&rgba, w, h, 4 * w as usize).unwrap();
    assert_eq!(
        scanner.scan(&luma.as_frame()).map(|d| d.text),
        Some(f.text.clone())
    );
    // PNG file round trip.
    let path = std::env::temp_dir().join(format!("kkm-scan-test-{}.png", std::process::id()));
    f.luma.save_png(&path).unwrap();
    let back = OwnedLuma::from_image_file(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(scanner.scan(&back.as_frame()).map(|d| d.text), Some(f.text));
}

#[test]
fn roi_limits_the_search() {
    let f = synth::frame(SEED, 1, &[Payload::TobaccoPack], Difficulty::Easy);
    let d = Scanner::excise().scan(&f.luma.as_frame()).unwrap();
    let (cx, cy) = d
        .points
        .iter()
        .fold((0.0, 0.0), |a, p| (a.0 + p.0 / 4.0, a.1 + p.1 / 4.0));
    let around = Roi {
        x: (cx as u32).saturating_sub(200),
        y: (cy as u32).saturating_sub(200),
        width: 400,
        height: 400,
    };
    let with_roi = Scanner::new(ScanOptions {
        formats: FormatSet::EXCISE,
        roi: Some(around),
        ..ScanOptions::default()
    });
    let d2 = with_roi
        .scan(&f.luma.as_frame())
        .expect("found inside the ROI");
    assert_eq!(d2.text, f.text);
    // Points are reported in frame coordinates, not ROI coordinates.
    for (a, b) in d.points.iter().zip(&d2.points) {
        assert!(
            (a.0 - b.0).abs() < 4.0 && (a.1 - b.1).abs() < 4.0,
            "{a:?} vs {b:?}"
        );
    }
    // A ROI on the far side of the frame sees nothing.
    let away = Roi {
        x: if cx > 640.0 { 0 } else { 900 },
        y: 0,
        width: 300,
        height: 720,
    };
    let blind = Scanner::new(ScanOptions {
        formats: FormatSet::EXCISE,
        roi: Some(away),
        effort: Effort::Fast,
        ..ScanOptions::default()
    });
    assert!(blind.scan(&f.luma.as_frame()).is_none());
}

#[test]
fn garbage_frames_never_panic() {
    let scanner = Scanner::new(ScanOptions {
        effort: Effort::Fast,
        ..ScanOptions::default()
    });
    let mut rng = synth::Rng::new(9);
    for (w, h) in [(1u32, 1u32), (7, 3), (16, 16), (33, 65), (200, 17)] {
        let px: Vec<u8> = (0..w * h).map(|_| rng.below(256) as u8).collect();
        let frame = LumaFrame::from_gray(&px, w, h).unwrap();
        let _ = scanner.scan(&frame);
    }
    let empty = synth::empty_frame(SEED, 0);
    assert!(Scanner::excise().scan(&empty.as_frame()).is_none());
}

fn stream_camera(blur_sigma: f32) -> Camera {
    Camera {
        module_px: 5.0,
        angle_deg: 20.0,
        shortening: 0.05,
        tilt_side: 1,
        turn: 1.0,
        focus_falloff: 0.0,
        blur_sigma,
        contrast: 0.7,
        paper: 200.0,
        jpeg_quality: None,
        glare: None,
        noise_sigma: 2.0,
        light_gradient: 0.1,
        quiet_modules: 2.0,
    }
}

#[test]
fn stream_a_blurred_frame_then_a_sharp_one_reads_where_the_mark_was() {
    let mut rng = synth::Rng::new(77);
    let text = synth::random_mark(&mut rng, Payload::ShortMark);
    // The same scene twice: out of focus (σ 2.8 px on 5-px modules), then in focus.
    let blurred = photograph(5, &text, &stream_camera(2.8));
    let sharp = photograph(5, &text, &stream_camera(0.5));
    let mut stream = StreamScanner::new(StreamOptions {
        formats: FormatSet::EXCISE,
        time_budget: None,
        ..StreamOptions::default()
    });
    let first = stream.push(&blurred.luma.as_frame());
    assert!(first.accepted.is_none() && first.pending.is_none());
    let seen = first
        .located
        .expect("the blurred mark is located though not read");
    let truth = blurred.corners.expect("corners");
    let (cx, cy) = (
        seen.corners.iter().map(|p| p.0 as f64).sum::<f64>() / 4.0,
        seen.corners.iter().map(|p| p.1 as f64).sum::<f64>() / 4.0,
    );
    let (tx, ty) = (
        truth.iter().map(|p| p.0).sum::<f64>() / 4.0,
        truth.iter().map(|p| p.1).sum::<f64>() / 4.0,
    );
    assert!(
        (cx - tx).hypot(cy - ty) < 10.0,
        "located at ({cx},{cy}), truth ({tx},{ty})"
    );

    let second = stream.push(&sharp.luma.as_frame());
    assert!(
        second.tracked,
        "the second frame is read in the tracked region"
    );
    assert!(
        second
            .trace
            .iter()
            .any(|t| t.step.starts_with("tracked grid") && t.found),
        "read from the tracked grid: {:?}",
        second.trace
    );
    let accepted = second.accepted.expect("the sharp frame is read");
    assert_eq!(accepted.decoded.text, text);
    assert_eq!(accepted.by, Acceptance::Verified);

    // Still in view: read again, not accepted again.
    let third = stream.push(&sharp.luma.as_frame());
    assert!(third.accepted.is_none() && third.tracked);
    // Gone for longer than the track is kept: forgotten, and accepted anew when back.
    let empty = synth::empty_frame(SEED, 1);
    for _ in 0..=StreamOptions::default().keep_frames {
        let step = stream.push(&empty.as_frame());
        assert!(step.accepted.is_none());
    }
    let step = stream.push(&empty.as_frame());
    assert!(!step.tracked && step.located.is_none());
    let back = stream.push(&sharp.luma.as_frame());
    assert_eq!(back.accepted.map(|a| a.decoded.text), Some(text));
}

#[test]
fn stream_product_codes_need_two_frames_to_agree() {
    let f = synth::frame(SEED, 4, &[Payload::Ean13], Difficulty::Easy);
    let mut stream = StreamScanner::new(StreamOptions {
        formats: FormatSet::PRODUCT,
        effort: Effort::Thorough,
        time_budget: None,
        ..StreamOptions::default()
    });
    let first = stream.push(&f.luma.as_frame());
    assert!(first.accepted.is_none());
    assert_eq!(first.pending.map(|d| d.text), Some(f.text.clone()));
    let second = stream.push(&f.luma.as_frame());
    let accepted = second.accepted.expect("agreed on the second frame");
    assert_eq!(accepted.by, Acceptance::Agreed);
    assert_eq!(accepted.decoded.text, f.text);
}
