//! Scan benchmark: decoded marks per category and in-process time per 1280×720 frame on
//! the seeded hard camera set (`kkm_scan::synth::camera_frame`, issue 20), compared in
//! the same run with zxing-cpp (Python binding), ZXing Java and — optionally — the
//! scanner of another git revision (`--baseline main`), all on the very same images.
//!
//! ```text
//! cargo bench -p kkm-scan --bench scan                       # 350 frames (50 per category) + 60 empty
//! cargo bench -p kkm-scan --bench scan -- --baseline main    # + main's scanner on the same PNGs
//! cargo bench -p kkm-scan --bench scan -- --frames 700 --seed 7 --keep /tmp/set
//! ```
//! Options: `--frames N`, `--empty N`, `--seed S`, `--keep DIR` (write the set there and
//! keep it), `--no-external` (skip zxing-cpp / ZXing Java), `--baseline REV` (build the
//! `kkm-scan` CLI of git revision REV with `bench/baseline.sh` and run it on the set),
//! `--legacy` (the older `Difficulty::Hard` set instead of the camera set), `--diag`
//! (for every frame we miss: the recipe, whether the grid reader decodes it from the true
//! corners, and whether the locator proposed a quad on it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use kkm_scan::synth::{self, Category, Difficulty};
use kkm_scan::{Effort, FormatSet, LumaFrame, OwnedLuma, ScanOptions, Scanner};
use rxing::common::HybridBinarizer;
use rxing::datamatrix::DataMatrixReader;
use rxing::{BinaryBitmap, DecodeHints, ImmutableReader, Luma8Source};

struct Args {
    frames: u32,
    empty: u32,
    seed: u64,
    keep: Option<PathBuf>,
    external: bool,
    baseline: Option<String>,
    legacy: bool,
    diag: bool,
    explain: Vec<u32>,
}

fn args() -> Args {
    let mut a = Args {
        frames: 350,
        empty: 60,
        seed: 20_250_801,
        keep: None,
        external: true,
        baseline: None,
        legacy: false,
        diag: false,
        explain: Vec::new(),
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let next = v.get(i + 1).cloned().unwrap_or_default();
        let mut takes = true;
        match v[i].as_str() {
            "--frames" => a.frames = next.parse().unwrap_or(a.frames),
            "--empty" => a.empty = next.parse().unwrap_or(a.empty),
            "--seed" => a.seed = next.parse().unwrap_or(a.seed),
            "--keep" => a.keep = Some(PathBuf::from(next)),
            "--baseline" => a.baseline = Some(next),
            "--explain" => a
                .explain
                .extend(next.split(',').filter_map(|v| v.parse::<u32>().ok())),
            _ => {
                takes = false;
                match v[i].as_str() {
                    "--no-external" => a.external = false,
                    "--legacy" => a.legacy = true,
                    "--diag" => a.diag = true,
                    _ => {} // `--bench` and friends from cargo
                }
            }
        }
        i += if takes { 2 } else { 1 };
    }
    a
}

struct Frame {
    luma: OwnedLuma,
    text: String,
    category: &'static str,
    recipe: String,
    corners: Option<[(f64, f64); 4]>,
}

fn norm(s: &str) -> String {
    let s = kkm_scan::gs1::normalize(s);
    s.replace("<GS>", "")
        .chars()
        .filter(|c| !matches!(c, '\u{1d}' | '(' | ')'))
        .collect()
}

/// Per frame: `Some(true)` right, `Some(false)` wrong text, `None` nothing.
struct Outcome {
    name: String,
    hits: Vec<Option<bool>>,
    times_ms: Vec<f64>,
    cpu_ms: Vec<f64>,
    empty_times_ms: Vec<f64>,
    empty_cpu_ms: Vec<f64>,
    empty_false: u32,
}

/// CPU time of this thread, in milliseconds.
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return f64::NAN;
    }
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

impl Outcome {
    fn decoded(&self, frames: &[Frame], category: Option<&str>) -> (u32, u32) {
        let mut d = 0;
        let mut n = 0;
        for (h, f) in self.hits.iter().zip(frames) {
            if category.is_none_or(|c| c == f.category) {
                n += 1;
                d += u32::from(*h == Some(true));
            }
        }
        (d, n)
    }

    fn wrong(&self) -> usize {
        self.hits.iter().filter(|h| **h == Some(false)).count()
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

fn run<F: FnMut(&OwnedLuma) -> Option<String>>(
    name: &str,
    frames: &[Frame],
    empty: &[OwnedLuma],
    mut f: F,
) -> Outcome {
    let mut o = Outcome {
        name: name.to_string(),
        hits: Vec::new(),
        times_ms: Vec::new(),
        cpu_ms: Vec::new(),
        empty_times_ms: Vec::new(),
        empty_cpu_ms: Vec::new(),
        empty_false: 0,
    };
    for fr in frames {
        let c = thread_cpu_ms();
        let t = Instant::now();
        let got = f(&fr.luma);
        o.times_ms.push(t.elapsed().as_secs_f64() * 1e3);
        o.cpu_ms.push(thread_cpu_ms() - c);
        o.hits.push(got.map(|g| norm(&g) == norm(&fr.text)));
    }
    for e in empty {
        let c = thread_cpu_ms();
        let t = Instant::now();
        let got = f(e);
        o.empty_times_ms.push(t.elapsed().as_secs_f64() * 1e3);
        o.empty_cpu_ms.push(thread_cpu_ms() - c);
        o.empty_false += u32::from(got.is_some());
    }
    o
}

fn write_set(dir: &Path, frames: &[Frame]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut manifest = String::new();
    for (i, f) in frames.iter().enumerate() {
        let name = format!("f{i:04}");
        f.luma
            .save_png(dir.join(format!("{name}.png")))
            .map_err(std::io::Error::other)?;
        let mut pgm = format!("P5\n{} {}\n255\n", f.luma.width(), f.luma.height()).into_bytes();
        pgm.extend_from_slice(f.luma.pixels());
        std::fs::write(dir.join(format!("{name}.pgm")), pgm)?;
        let hex: String = f.text.bytes().map(|b| format!("{b:02x}")).collect();
        manifest.push_str(&format!("{name}\t{hex}\t{}\n", f.category));
    }
    std::fs::write(dir.join("manifest.tsv"), manifest)
}

/// Reads an external decoder's per-frame file (`name \t hit \t ms`).
fn external_outcome(name: &str, dir: &Path, file: &str, n: usize) -> Option<Outcome> {
    let text = std::fs::read_to_string(dir.join(file)).ok()?;
    let mut o = Outcome {
        name: name.to_string(),
        hits: Vec::new(),
        times_ms: Vec::new(),
        cpu_ms: Vec::new(),
        empty_times_ms: Vec::new(),
        empty_cpu_ms: Vec::new(),
        empty_false: 0,
    };
    for l in text.lines() {
        let mut parts = l.split('\t');
        let _ = parts.next();
        let hit = parts.next() == Some("1");
        let ms: f64 = parts
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN);
        // The scripts record only right answers; a wrong text counts as a miss there.
        o.hits.push(hit.then_some(true));
        o.times_ms.push(ms);
    }
    (o.hits.len() == n).then_some(o)
}

fn zxing_cpp(set: &Path, n: usize) -> Option<Outcome> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/zxingcpp_bench.py");
    let python = if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    let out = Command::new(python).arg(&script).arg(set).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !text.contains("SUMMARY") {
        println!(
            "  zxing-cpp skipped: {}{}",
            text.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
        println!("  (install: apt-get install -y python3-zxing-cpp python3-numpy)");
        return None;
    }
    external_outcome("zxing-cpp 1.4 (Python)", set, "zxingcpp.tsv", n)
}

fn zxing_java(dir: &Path, set: &Path, n: usize) -> Option<Outcome> {
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
    match Command::new("javac")
        .args(["-cp", &cp, "-d"])
        .arg(&classes)
        .arg(&src)
        .output()
    {
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
        .arg(set)
        .output()
        .ok()?;
    if !String::from_utf8_lossy(&out.stdout).contains("SUMMARY") {
        println!(
            "  ZXing Java skipped: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return None;
    }
    external_outcome("ZXing Java 3.4 (TRY_HARDER)", set, "zxingjava.tsv", n)
}

/// The scanner of git revision `rev`: `bench/baseline.sh` builds its CLI and runs it over
/// the set's PNGs (DataMatrix only, normal effort); its per-image lines carry the text
/// and the in-process scan time.
fn baseline(rev: &str, set: &Path, frames: &[Frame]) -> Option<Outcome> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/baseline.sh");
    println!("  building and running the scanner of `{rev}` (bench/baseline.sh) …");
    let out = Command::new("bash")
        .arg(&script)
        .arg(rev)
        .arg(set)
        .output()
        .ok()?;
    if !out.status.success() {
        println!(
            "  baseline skipped: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut by_name: BTreeMap<String, (Option<String>, f64)> = BTreeMap::new();
    for l in text.lines() {
        let p: Vec<&str> = l.split('\t').collect();
        if p.len() < 3 {
            continue;
        }
        let name = Path::new(p[0])
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let ms: f64 = p[2].trim_end_matches(" ms").parse().unwrap_or(f64::NAN);
        let got = (p[1] != "NONE" && p.len() >= 5).then(|| p[4].to_string());
        by_name.insert(name, (got, ms));
    }
    let mut o = Outcome {
        name: format!("kkm-scan @ {rev} (before)"),
        hits: Vec::new(),
        times_ms: Vec::new(),
        cpu_ms: Vec::new(),
        empty_times_ms: Vec::new(),
        empty_cpu_ms: Vec::new(),
        empty_false: 0,
    };
    for (i, f) in frames.iter().enumerate() {
        let (got, ms) = by_name
            .get(&format!("f{i:04}"))
            .cloned()
            .unwrap_or((None, f64::NAN));
        o.hits.push(got.map(|g| norm(&g) == norm(&f.text)));
        o.times_ms.push(ms);
    }
    Some(o)
}

fn report(frames: &[Frame], outcomes: &[Outcome], categories: &[&'static str]) {
    print!("\n{:<15} {:>6}", "category", "frames");
    for o in outcomes {
        print!(" | {:>24}", o.name.chars().take(24).collect::<String>());
    }
    println!();
    let mut rows: Vec<Option<&str>> = categories.iter().map(|c| Some(*c)).collect();
    rows.push(None);
    for c in rows {
        let n = frames
            .iter()
            .filter(|f| c.is_none_or(|c| c == f.category))
            .count();
        print!("{:<15} {:>6}", c.unwrap_or("ALL"), n);
        for o in outcomes {
            let (d, t) = o.decoded(frames, c);
            print!(
                " | {:>14} {:>8}",
                format!("{d}/{t}"),
                format!("{:.1}%", 100.0 * f64::from(d) / f64::from(t.max(1)))
            );
        }
        println!();
    }
    print!("{:<22}", "median ms, mark frames");
    for o in outcomes {
        print!(" | {:>24.2}", pct(&o.times_ms, 0.5));
    }
    println!();
    print!("{:<22}", "median CPU ms, marks");
    for o in outcomes {
        if o.cpu_ms.is_empty() {
            print!(" | {:>24}", "-");
        } else {
            print!(" | {:>24.2}", pct(&o.cpu_ms, 0.5));
        }
    }
    println!();
    print!("{:<22}", "p90 ms, mark frames");
    for o in outcomes {
        print!(" | {:>24.2}", pct(&o.times_ms, 0.9));
    }
    println!();
    print!("{:<22}", "median ms, empty frames");
    for o in outcomes {
        if o.empty_times_ms.is_empty() {
            print!(" | {:>24}", "-");
        } else {
            print!(" | {:>24.2}", pct(&o.empty_times_ms, 0.5));
        }
    }
    println!();
    print!("{:<22}", "median CPU ms, empty");
    for o in outcomes {
        if o.empty_cpu_ms.is_empty() {
            print!(" | {:>24}", "-");
        } else {
            print!(" | {:>24.2}", pct(&o.empty_cpu_ms, 0.5));
        }
    }
    println!();
    print!("{:<22}", "wrong decodes");
    for o in outcomes {
        print!(" | {:>24}", o.wrong() + o.empty_false as usize);
    }
    println!();
}

fn main() {
    let a = args();
    println!(
        "kkm-scan bench: {} {} frames + {} empty frames, 1280×720, seed {}",
        a.frames,
        if a.legacy {
            "legacy hard"
        } else {
            "camera-set"
        },
        a.empty,
        a.seed
    );
    let t = Instant::now();
    let frames: Vec<Frame> = (0..a.frames)
        .map(|i| {
            if a.legacy {
                let f = synth::frame(a.seed, i, synth::MARKS, Difficulty::Hard);
                Frame {
                    luma: f.luma,
                    text: f.text,
                    category: "legacy-hard",
                    recipe: f.recipe,
                    corners: None,
                }
            } else {
                let c = Category::of_index(i);
                let f = synth::camera_frame(a.seed, i, c, synth::MARKS);
                Frame {
                    luma: f.luma,
                    text: f.text,
                    category: c.name(),
                    recipe: f.recipe,
                    corners: f.corners,
                }
            }
        })
        .collect();
    let empty: Vec<OwnedLuma> = (0..a.empty)
        .map(|i| synth::empty_frame(a.seed, i))
        .collect();
    println!("generated in {:.1} s", t.elapsed().as_secs_f64());
    let categories: Vec<&'static str> = if a.legacy {
        vec!["legacy-hard"]
    } else {
        Category::ALL.iter().map(|c| c.name()).collect()
    };

    for &i in &a.explain {
        if let Some(f) = frames.get(i as usize) {
            println!("\nf{i:04} {}: {}", f.category, f.recipe);
            println!("  truth: {:?}", f.corners);
            if let (Some(c), Some(n)) = (f.corners, synth::diag::modules_for(&f.text)) {
                for l in synth::diag::steps_from_truth(&f.luma.as_frame(), c, n) {
                    println!("  {l}");
                }
            }
            if let Some(c) = f.corners {
                let (x, y) = (c[3].0 * 0.9 + c[1].0 * 0.1, c[3].1 * 0.9 + c[1].1 * 0.1);
                println!(
                    "  component at the L corner: {}",
                    synth::diag::component_at(&f.luma.as_frame(), x, y)
                );
            }
            for l in synth::diag::explain(&f.luma.as_frame(), 12) {
                println!("  {l}");
            }
            let (bin, bw, bh) = synth::diag::binarized_half(&f.luma.as_frame());
            let mut pgm = format!("P5\n{bw} {bh}\n255\n").into_bytes();
            pgm.extend(bin);
            let _ = std::fs::write(format!("/tmp/bin-f{i:04}.pgm"), pgm);
            let (d, trace) = Scanner::excise().scan_traced(&f.luma.as_frame());
            for s in trace {
                println!(
                    "    {:<36} {:>7.2} ms{}",
                    s.step,
                    s.elapsed.as_secs_f64() * 1e3,
                    if s.found { " found" } else { "" }
                );
            }
            println!("  scanner: {:?}", d.map(|d| d.text == f.text));
        }
    }
    if !a.explain.is_empty() {
        return;
    }

    let excise = Scanner::excise();
    let fast = Scanner::new(ScanOptions {
        formats: FormatSet::EXCISE,
        effort: Effort::Fast,
        ..ScanOptions::default()
    });
    let scan = |s: &Scanner| {
        let s = s.clone();
        move |l: &OwnedLuma| s.scan(&l.as_frame()).map(|d| d.text)
    };
    let mut outcomes = vec![
        run("kkm-scan excise Normal", &frames, &empty, scan(&excise)),
        run("kkm-scan excise Fast", &frames, &empty, scan(&fast)),
        run("rxing plain (TryHarder)", &frames, &empty, rxing_plain),
    ];

    if a.diag {
        diag(&frames, &outcomes[0], &outcomes[2]);
        // Where the time goes on frames without a code (wall time per step, summed).
        let mut steps: BTreeMap<String, (f64, u32)> = BTreeMap::new();
        for e in &empty {
            let (_, trace) = excise.scan_traced(&e.as_frame());
            for s in trace {
                let name: String = s.step.split(" @").next().unwrap_or("").to_string();
                let v = steps.entry(name).or_insert((0.0, 0));
                v.0 += s.elapsed.as_secs_f64() * 1e3 / empty.len().max(1) as f64;
                v.1 += 1;
            }
        }
        for e in empty.iter().take(4) {
            println!(
                "locate profile: {:?}",
                synth::diag::locate_profile(&e.as_frame())
            );
        }
        for e in empty.iter().take(2) {
            println!("\nempty frame:");
            for l in synth::diag::explain(&e.as_frame(), 12) {
                println!("  {}", l.chars().take(220).collect::<String>());
            }
        }
        println!("\n== empty frames: mean wall ms per frame by step (runs) ==");
        for (k, (ms, n)) in steps {
            println!("  {k:<32} {ms:>7.2} ms  ({n})");
        }
    }

    let dir = a
        .keep
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("kkm-scan-bench-{}", a.seed)));
    let set = dir.join("marks");
    if a.external || a.baseline.is_some() {
        if let Err(e) = write_set(&set, &frames) {
            println!("cannot write the image set to {}: {e}", set.display());
        } else {
            println!(
                "\nthe same {} frames as PNG/PGM in {}",
                frames.len(),
                set.display()
            );
            if let Some(rev) = &a.baseline {
                outcomes.extend(baseline(rev, &set, &frames));
            }
            if a.external {
                outcomes.extend(zxing_cpp(&set, frames.len()));
                outcomes.extend(zxing_java(&dir, &set, frames.len()));
            }
        }
    }
    report(&frames, &outcomes, &categories);
    let ours = &outcomes[0];
    let (d, n) = ours.decoded(&frames, None);
    let mut both = ours.times_ms.clone();
    both.extend(&ours.empty_times_ms);
    println!(
        "\nkkm-scan excise Normal: {:.1}% decoded (bar ≥ 92%), perspective {:.1}% (bar ≥ 90%), median {:.2} ms on mark frames, {:.2} ms on mark+empty frames (bar ≤ 15 ms), {} wrong (bar 0)",
        100.0 * f64::from(d) / f64::from(n.max(1)),
        {
            let (d, n) = ours.decoded(&frames, Some("perspective"));
            100.0 * f64::from(d) / f64::from(n.max(1))
        },
        pct(&ours.times_ms, 0.5),
        pct(&both, 0.5),
        ours.wrong() + ours.empty_false as usize
    );
    for o in &outcomes[1..] {
        println!(
            "  vs {:<28}: median time ratio kkm-scan/them {:.2}×",
            o.name,
            pct(&ours.times_ms, 0.5) / pct(&o.times_ms, 0.5).max(1e-9)
        );
    }
    if a.keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// For every frame the scanner missed: what the frame is, whether the grid reader reads
/// it from the true corners, and how close the locator's best quad came.
fn diag(frames: &[Frame], ours: &Outcome, plain: &Outcome) {
    println!("\n== misses ==");
    let (mut oracle_ok, mut located, mut missed) = (0, 0, 0);
    for (i, (f, h)) in frames.iter().zip(&ours.hits).enumerate() {
        if *h == Some(true) {
            continue;
        }
        missed += 1;
        let frame: LumaFrame<'_> = f.luma.as_frame();
        let oracle = f
            .corners
            .and_then(|c| synth::diag::read_at_corners(&frame, c));
        let oracle_right = oracle.as_deref().map(|t| norm(t) == norm(&f.text));
        let exact = f
            .corners
            .and_then(|c| synth::diag::read_exact(&frame, c, synth::diag::modules_for(&f.text)?));
        let exact_right = exact.as_deref().map(|t| norm(t) == norm(&f.text));
        oracle_ok += usize::from(oracle_right == Some(true));
        let near = f.corners.map(|c| {
            let cx = c.iter().map(|p| p.0).sum::<f64>() / 4.0;
            let cy = c.iter().map(|p| p.1).sum::<f64>() / 4.0;
            synth::diag::located_quads(&frame, 40)
                .iter()
                .map(|q| {
                    let qx = q.iter().map(|p| p.0).sum::<f64>() / 4.0;
                    let qy = q.iter().map(|p| p.1).sum::<f64>() / 4.0;
                    (qx - cx).hypot(qy - cy)
                })
                .fold(f64::MAX, f64::min)
        });
        located += usize::from(near.is_some_and(|d| d < 8.0));
        let comp = f.corners.map(|c| {
            let (x, y) = (c[3].0 * 0.9 + c[1].0 * 0.1, c[3].1 * 0.9 + c[1].1 * 0.1);
            synth::diag::component_at(&frame, x, y)
        });
        println!(
            "f{i:04} {:<13} {} | plain {:?} | exact {:?} | oracle {:?} | nearest quad {:.0}px | {}",
            f.category,
            match h {
                Some(false) => "WRONG",
                _ => "miss ",
            },
            plain.hits[i],
            exact_right,
            oracle_right,
            near.unwrap_or(f64::NAN),
            f.recipe
        );
        if near.is_none_or(|d| d >= 8.0) {
            println!("      {}", comp.unwrap_or_default());
        }
    }
    println!(
        "{missed} missed; the grid reader decodes {oracle_ok} of them from the true corners; the locator had a quad within 8 px of {located}"
    );
}
