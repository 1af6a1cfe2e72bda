//! Scan benchmark: decode time per 1280×720 frame (with and without a code) and decode rate
//! on the seeded synthetic photo set, compared in the same run with zxing-cpp (Python
//! binding) and ZXing Java on the very same images.
//!
//! ```text
//! cargo bench -p kkm-scan --bench scan                 # 300 mark frames, 60 empty frames
//! cargo bench -p kkm-scan --bench scan -- --frames 600 --seed 7 --keep /tmp/set
//! ```
//! Options: `--frames N`, `--empty N`, `--seed S`, `--keep DIR` (write the set there and
//! keep it), `--no-external` (skip zxing-cpp / ZXing Java), `--easy` (the easy set: large,
//! mildly tilted marks — a sanity check that every decoder and harness works).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use kkm_scan::synth::{self, Difficulty};
use kkm_scan::{Effort, FormatSet, OwnedLuma, ScanOptions, Scanner};
use rxing::common::HybridBinarizer;
use rxing::datamatrix::DataMatrixReader;
use rxing::{BinaryBitmap, DecodeHints, ImmutableReader, Luma8Source};

struct Args {
    frames: u32,
    empty: u32,
    seed: u64,
    keep: Option<PathBuf>,
    external: bool,
    easy: bool,
}

fn args() -> Args {
    let mut a = Args {
        frames: 300,
        empty: 60,
        seed: 20_250_801,
        keep: None,
        external: true,
        easy: false,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let next = v.get(i + 1).cloned().unwrap_or_default();
        match v[i].as_str() {
            "--frames" => {
                a.frames = next.parse().unwrap_or(a.frames);
                i += 1;
            }
            "--empty" => {
                a.empty = next.parse().unwrap_or(a.empty);
                i += 1;
            }
            "--seed" => {
                a.seed = next.parse().unwrap_or(a.seed);
                i += 1;
            }
            "--keep" => {
                a.keep = Some(PathBuf::from(next));
                i += 1;
            }
            "--no-external" => a.external = false,
            "--easy" => a.easy = true,
            _ => {} // `--bench` and friends from cargo
        }
        i += 1;
    }
    a
}

fn norm(s: &str) -> String {
    let s = kkm_scan::gs1::normalize(s);
    s.chars()
        .filter(|c| !matches!(c, '\u{1d}' | '(' | ')'))
        .collect()
}

#[derive(Default)]
struct Stats {
    decoded: u32,
    total: u32,
    times_ms: Vec<f64>,
    per_frame: Vec<bool>,
}

impl Stats {
    fn median(&self) -> f64 {
        pct(&self.times_ms, 0.5)
    }
}

fn pct(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    s[((s.len() - 1) as f64 * q).round() as usize]
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// rxing used the obvious way: whole frame, hybrid binariser, DataMatrix reader, TryHarder.
fn rxing_plain(l: &OwnedLuma) -> Option<String> {
    let src = Luma8Source::new_with_slice(l.pixels(), l.width(), l.height()).ok()?;
    let mut bm = BinaryBitmap::new(HybridBinarizer::new(src));
    let hints = DecodeHints {
        TryHarder: Some(true),
        ..DecodeHints::default()
    };
    DataMatrixReader
        .immutable_decode_with_hints(&mut bm, &hints)
        .ok()
        .map(|r| r.getText().to_string())
}

fn run<F: FnMut(&OwnedLuma) -> Option<String>>(frames: &[(OwnedLuma, String)], mut f: F) -> Stats {
    let mut st = Stats::default();
    for (img, expected) in frames {
        let t = Instant::now();
        let got = f(img);
        st.times_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let hit = !expected.is_empty() && got.map(|g| norm(&g) == norm(expected)).unwrap_or(false);
        st.decoded += u32::from(hit);
        st.total += 1;
        st.per_frame.push(hit);
    }
    st
}

fn write_set(dir: &Path, frames: &[(OwnedLuma, String)]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut manifest = String::new();
    for (i, (img, expected)) in frames.iter().enumerate() {
        let name = format!("f{i:04}");
        img.save_png(dir.join(format!("{name}.png")))
            .map_err(std::io::Error::other)?;
        let mut pgm = format!("P5\n{} {}\n255\n", img.width(), img.height()).into_bytes();
        pgm.extend_from_slice(img.pixels());
        std::fs::write(dir.join(format!("{name}.pgm")), pgm)?;
        let hex: String = expected.bytes().map(|b| format!("{b:02x}")).collect();
        manifest.push_str(&format!("{name}\t{hex}\n"));
    }
    std::fs::write(dir.join("manifest.tsv"), manifest)
}

/// (decoded, total, median ms, mean ms) and per-frame hits of an external decoder.
type External = ((u32, u32, f64, f64), Vec<bool>);

fn summary(out: &str) -> Option<(u32, u32, f64, f64)> {
    let line = out.lines().find(|l| l.starts_with("SUMMARY"))?;
    let mut d = (0, 0, 0.0, 0.0);
    for kv in line.split_whitespace().skip(1) {
        let (k, v) = kv.split_once('=')?;
        match k {
            "decoded" => d.0 = v.parse().ok()?,
            "total" => d.1 = v.parse().ok()?,
            "median_ms" => d.2 = v.parse().ok()?,
            "mean_ms" => d.3 = v.parse().ok()?,
            _ => {}
        }
    }
    Some(d)
}

fn per_frame(dir: &Path, file: &str) -> Vec<bool> {
    std::fs::read_to_string(dir.join(file))
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('\t').nth(1) == Some("1"))
        .collect()
}

fn zxing_cpp(dir: &Path, subdir: &str) -> Option<External> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/zxingcpp_bench.py");
    let python = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let out = Command::new(python)
        .arg(&script)
        .arg(dir.join(subdir))
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    match summary(&text) {
        Some(s) => Some((s, per_frame(&dir.join(subdir), "zxingcpp.tsv"))),
        None => {
            println!(
                "  zxing-cpp skipped: {}{}",
                text.trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
            println!("  (install: apt-get install -y python3-zxing-cpp zxing-cpp-tools)");
            None
        }
    }
}

fn zxing_java(dir: &Path, subdir: &str) -> Option<External> {
    let core = "/usr/share/java/core.jar";
    let javase = "/usr/share/java/javase.jar";
    if !Path::new(core).exists() || !Path::new(javase).exists() {
        println!("  ZXing Java skipped: {core} / {javase} missing (apt-get install -y libzxing-core-java libzxing-javase-java)");
        return None;
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/ZxingJavaBench.java");
    let classes = dir.join("classes");
    let _ = std::fs::create_dir_all(&classes);
    let cp = format!("{core}:{javase}");
    let javac = Command::new("javac")
        .args(["-cp", &cp, "-d"])
        .arg(&classes)
        .arg(&src)
        .output();
    match javac {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            println!(
                "  ZXing Java skipped: javac failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return None;
        }
        Err(e) => {
            println!("  ZXing Java skipped: no javac ({e}); install default-jdk-headless");
            return None;
        }
    }
    let out = Command::new("java")
        .args([
            "-cp",
            &format!("{cp}:{}", classes.display()),
            "ZxingJavaBench",
        ])
        .arg(dir.join(subdir))
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    match summary(&text) {
        Some(s) => Some((s, per_frame(&dir.join(subdir), "zxingjava.tsv"))),
        None => {
            println!(
                "  ZXing Java skipped: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            None
        }
    }
}

fn main() {
    let a = args();
    println!(
        "kkm-scan bench: {} {} mark frames + {} empty frames, 1280×720, seed {}",
        a.frames,
        if a.easy { "easy" } else { "hard" },
        a.empty,
        a.seed
    );
    let t = Instant::now();
    let frames: Vec<(OwnedLuma, String)> = (0..a.frames)
        .map(|i| {
            let difficulty = if a.easy {
                Difficulty::Easy
            } else {
                Difficulty::Hard
            };
            let f = synth::frame(a.seed, i, synth::MARKS, difficulty);
            (f.luma, f.text)
        })
        .collect();
    let empty: Vec<(OwnedLuma, String)> = (0..a.empty)
        .map(|i| (synth::empty_frame(a.seed, i), String::new()))
        .collect();
    println!("generated in {:.1} s", t.elapsed().as_secs_f64());

    let excise = Scanner::excise();
    let all = Scanner::new(ScanOptions::default());
    let fast = Scanner::new(ScanOptions {
        formats: FormatSet::EXCISE,
        effort: Effort::Fast,
        ..ScanOptions::default()
    });
    let scan = |s: &Scanner| {
        let s = s.clone();
        move |l: &OwnedLuma| s.scan(&l.as_frame()).map(|d| d.text)
    };

    println!("\n== rxing (same process) ==");
    println!(
        "{:<34} {:>9} {:>11} {:>9} {:>9} {:>13}",
        "decoder", "decoded", "rate", "median", "p90", "empty median"
    );
    let mut ours = None;
    let mut ours_fast = None;
    for (name, f) in [
        (
            "rxing plain (hybrid, TryHarder)",
            Box::new(rxing_plain) as Box<dyn FnMut(&OwnedLuma) -> Option<String>>,
        ),
        ("kkm-scan excise, Fast", Box::new(scan(&fast))),
        ("kkm-scan excise (DataMatrix only)", Box::new(scan(&excise))),
        ("kkm-scan all formats", Box::new(scan(&all))),
    ] {
        let mut f = f;
        let st = run(&frames, &mut f);
        let se = run(&empty, &mut f);
        println!(
            "{:<34} {:>4}/{:<4} {:>10.1}% {:>7.2}ms {:>7.2}ms {:>11.2}ms",
            name,
            st.decoded,
            st.total,
            100.0 * f64::from(st.decoded) / f64::from(st.total.max(1)),
            st.median(),
            pct(&st.times_ms, 0.9),
            se.median()
        );
        if name.starts_with("kkm-scan excise (") {
            let mut both: Vec<f64> = st.times_ms.clone();
            both.extend(&se.times_ms);
            println!(
                "{:<34} median over code+empty frames {:.2} ms, mean {:.2} ms (bar ≤ 15 ms median)",
                "",
                pct(&both, 0.5),
                mean(&both)
            );
            ours = Some(st);
        } else if name.starts_with("kkm-scan excise, Fast") {
            ours_fast = Some(st);
        }
    }

    if !a.external {
        return;
    }
    let dir = a
        .keep
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("kkm-scan-bench-{}", a.seed)));
    let set = dir.join("marks");
    if let Err(e) = write_set(&set, &frames) {
        println!("cannot write the image set to {}: {e}", set.display());
        return;
    }
    println!(
        "\n== external decoders on the same {} PNG/PGM images in {} ==",
        frames.len(),
        set.display()
    );
    let (Some(ours), Some(fast)) = (ours, ours_fast) else {
        return;
    };
    for (name, res) in [
        (
            "zxing-cpp 1.4 (python, DataMatrix)",
            zxing_cpp(&dir, "marks"),
        ),
        (
            "ZXing Java 3.4 (hybrid, TRY_HARDER)",
            zxing_java(&dir, "marks"),
        ),
    ] {
        let Some(((dec, total, med, mn), flags)) = res else {
            continue;
        };
        println!(
            "{:<36} {:>4}/{:<4} ({:.1}%) median {:.2} ms, mean {:.2} ms",
            name,
            dec,
            total,
            100.0 * f64::from(dec) / f64::from(total.max(1)),
            med,
            mn,
        );
        for (label, st) in [("Normal", &ours), ("Fast", &fast)] {
            let only_them = flags
                .iter()
                .zip(&st.per_frame)
                .filter(|(t, o)| **t && !**o)
                .count();
            let only_us = flags
                .iter()
                .zip(&st.per_frame)
                .filter(|(t, o)| !**t && **o)
                .count();
            println!(
                "    vs kkm-scan excise {label:<6}: {} vs {} decoded ({:+}; only kkm-scan {only_us}, only them {only_them}), median time ratio kkm-scan/them {:.2}×",
                st.decoded,
                dec,
                i64::from(st.decoded) - i64::from(dec),
                st.median() / med.max(1e-9),
            );
        }
    }
    if a.keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
