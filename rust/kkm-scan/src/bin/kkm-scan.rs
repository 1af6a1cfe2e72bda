//! `kkm-scan`: decode barcodes in image files or folders; print what was found and the
//! time per image.
//!
//! ```text
//! kkm-scan photo.jpg shots/            # everything the scanner reads
//! kkm-scan --formats dm shots/         # excise scanning: DataMatrix only
//! kkm-scan --effort thorough --trace x.png
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use kkm_scan::{classify, Effort, FormatSet, OwnedLuma, ScanContent, ScanOptions, Scanner};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Formats {
    /// All symbologies.
    All,
    /// DataMatrix only (excise marks).
    Dm,
    /// QR only (receipts).
    Qr,
    /// EAN/UPC/Code 128.
    Product,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EffortArg {
    Fast,
    Normal,
    Thorough,
}

/// Decode DataMatrix / QR / EAN / Code 128 in images (PNG, JPEG).
#[derive(Debug, Parser)]
#[command(name = "kkm-scan", version)]
struct Cli {
    /// Image files or folders (folders: their .png/.jpg/.jpeg files, not recursive).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Which symbologies to look for.
    #[arg(long, value_enum, default_value = "all")]
    formats: Formats,
    /// How hard to search.
    #[arg(long, value_enum, default_value = "thorough")]
    effort: EffortArg,
    /// Print the cost of each step of the search.
    #[arg(long)]
    trace: bool,
}

fn is_image(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .map(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg"))
        .unwrap_or(false)
}

fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{1d}' => "<GS>".to_string(),
            c if c.is_control() => format!("<{:02X}>", c as u32),
            c => c.to_string(),
        })
        .collect()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut files = Vec::new();
    for p in &cli.paths {
        if p.is_dir() {
            match std::fs::read_dir(p) {
                Ok(rd) => {
                    let mut v: Vec<PathBuf> = rd
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| is_image(p))
                        .collect();
                    v.sort();
                    files.extend(v);
                }
                Err(e) => eprintln!("{}: {e}", p.display()),
            }
        } else {
            files.push(p.clone());
        }
    }
    let scanner = Scanner::new(ScanOptions {
        formats: match cli.formats {
            Formats::All => FormatSet::ALL,
            Formats::Dm => FormatSet::EXCISE,
            Formats::Qr => FormatSet::RECEIPT,
            Formats::Product => FormatSet::PRODUCT,
        },
        effort: match cli.effort {
            EffortArg::Fast => Effort::Fast,
            EffortArg::Normal => Effort::Normal,
            EffortArg::Thorough => Effort::Thorough,
        },
        ..ScanOptions::default()
    });
    let (mut found, mut failed) = (0usize, 0usize);
    let mut total_ms = 0.0;
    for f in &files {
        let img = match OwnedLuma::from_image_file(f) {
            Ok(i) => i,
            Err(e) => {
                println!("{}\tERROR\t{e}", f.display());
                failed += 1;
                continue;
            }
        };
        let t = Instant::now();
        let (res, trace) = scanner.scan_traced(&img.as_frame());
        let ms = t.elapsed().as_secs_f64() * 1e3;
        total_ms += ms;
        match res {
            Some(d) => {
                found += 1;
                let what = match classify(&d) {
                    Ok(ScanContent::Mark(m)) => {
                        format!("mark gtin={} serial={}", m.barcode(), escape(m.serial()))
                    }
                    Ok(ScanContent::Receipt(q)) => format!(
                        "receipt i={} f={} sum={}.{:02} t={}",
                        q.fiscal_id,
                        q.rnm,
                        q.total_tiyn / 100,
                        q.total_tiyn % 100,
                        q.time
                    ),
                    Ok(ScanContent::Product(g)) => format!("product gtin={g}"),
                    Ok(ScanContent::Other(_)) => "text".to_string(),
                    Err(e) => format!("bad mark: {e}"),
                };
                println!(
                    "{}\t{:?}\t{:.1} ms\t{}\t{}\t{}",
                    f.display(),
                    d.symbology,
                    ms,
                    d.symbology_id.as_deref().unwrap_or("-"),
                    escape(&d.text),
                    what
                );
            }
            None => println!("{}\tNONE\t{:.1} ms", f.display(), ms),
        }
        if cli.trace {
            for s in trace {
                println!(
                    "    {:<40} {:>7.2} ms{}",
                    s.step,
                    s.elapsed.as_secs_f64() * 1e3,
                    if s.found { "  found" } else { "" }
                );
            }
        }
    }
    let n = files.len().saturating_sub(failed);
    println!(
        "decoded {found}/{n} images, mean {:.1} ms per image{}",
        if n > 0 { total_ms / n as f64 } else { 0.0 },
        if failed > 0 {
            format!(", {failed} unreadable")
        } else {
            String::new()
        }
    );
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
