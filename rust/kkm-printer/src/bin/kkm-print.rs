//! `kkm-print`: print a test page (or a sample document) to a printer, list the
//! machine's printers and BLE printers. Built with the `cli` feature:
//! `cargo run -p kkm-printer --features cli -- sample --doc sale --text 32`.
//!
//! ```text
//! kkm-print test-page --to tcp://192.0.2.10          # TCP 9100
//! kkm-print test-page --to 'serial:///dev/ttyUSB0?baud=9600'
//! kkm-print test-page --to ble://66:22:B3:4C:11:0A --cut none
//! kkm-print test-page --to usb:///dev/usb/lp0 --lang kk --png page.png
//! kkm-print test-page --to cups://receipt
//! kkm-print sample --doc sale --text 42              # the seed's sale as 42-column text
//! kkm-print printers                                 # CUPS queues, serial ports, USB lp
//! kkm-print ble-list --seconds 5
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use kkm_print::model::{Language, PrintDocument, ReportKind};
use kkm_print::{render_bitmap, render_text, sample, Cut, EscPosOptions, ImageOptions, PrintError};
use kkm_printer::open_transport;
use kkm_printer::transport::ble::scan_printers;

#[derive(Parser)]
#[command(
    name = "kkm-print",
    version,
    about = "Receipt printing tool of the KKM register"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Lang {
    Ru,
    Kk,
}

#[derive(Clone, Copy, ValueEnum)]
enum CutArg {
    None,
    Full,
    Partial,
}

#[derive(Clone, Copy, ValueEnum)]
enum SampleDoc {
    Sale,
    Autonomous,
    Deposit,
    X,
    Z,
}

#[derive(clap::Args)]
struct Output {
    /// Printer: tcp://HOST[:PORT] | serial://PATH?baud=N | usb:///dev/usb/lpN | cups://QUEUE |
    /// ble://ADDRESS | file://PATH (the short forms tcp:HOST, serial:PATH@BAUD work too)
    #[arg(long)]
    to: Option<String>,
    /// Also write the image as PNG here.
    #[arg(long)]
    png: Option<PathBuf>,
    /// Print plain text of this many columns to stdout instead of rendering an image.
    #[arg(long)]
    text: Option<usize>,
    /// Label language.
    #[arg(long, value_enum, default_value = "ru")]
    lang: Lang,
    /// Image width in pixels (384 for 58 mm, 576 for 80 mm).
    #[arg(long, default_value_t = 384)]
    width: u32,
    /// Image scale.
    #[arg(long, default_value_t = 1.0)]
    scale: f32,
    /// Pixel draw threshold 0..=255.
    #[arg(long, default_value_t = 128)]
    threshold: u8,
    /// Paper cut after the document.
    #[arg(long, value_enum, default_value = "partial")]
    cut: CutArg,
    /// Open the cash drawer.
    #[arg(long)]
    drawer: bool,
    /// Mark the document as a duplicate (reprint).
    #[arg(long)]
    duplicate: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Print a test page (alphabets with the Kazakh letters, ruler, QR code).
    TestPage(Output),
    /// Print a sample document made from the seed's example sale.
    Sample {
        /// Which document.
        #[arg(long, value_enum, default_value = "sale")]
        doc: SampleDoc,
        #[command(flatten)]
        out: Output,
    },
    /// List the machine's printers: CUPS queues, serial ports, USB lp devices.
    Printers,
    /// Scan for BLE devices and list them, likely printers first.
    BleList {
        /// Scan duration in seconds.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
}

fn language(l: Lang) -> Language {
    match l {
        Lang::Ru => Language::Ru,
        Lang::Kk => Language::Kk,
    }
}

fn emit(doc: PrintDocument, out: &Output) -> Result<(), PrintError> {
    let doc = if out.duplicate {
        doc.into_duplicate()
    } else {
        doc
    };
    if let Some(columns) = out.text {
        print!("{}", render_text(&doc, columns));
        if out.to.is_none() && out.png.is_none() {
            return Ok(());
        }
    }
    let image = ImageOptions {
        width: out.width,
        scale: out.scale,
        threshold: out.threshold,
    };
    let bitmap = render_bitmap(&doc, &image)?;
    if let Some(path) = &out.png {
        std::fs::write(path, bitmap.to_png()?)?;
        eprintln!(
            "wrote {} ({}x{} px)",
            path.display(),
            bitmap.width(),
            bitmap.height()
        );
    }
    if let Some(spec) = &out.to {
        let escpos = EscPosOptions {
            cut: match out.cut {
                CutArg::None => Cut::None,
                CutArg::Full => Cut::Full,
                CutArg::Partial => Cut::Partial,
            },
            drawer_kick: out.drawer,
            ..EscPosOptions::default()
        };
        let mut transport = open_transport(spec)?;
        let job = if transport.wants_pwg_raster() {
            kkm_print::pwg::to_pwg_raster(&bitmap)
        } else {
            kkm_print::escpos::to_escpos(&bitmap, &escpos)
        };
        transport.send(&job)?;
        eprintln!("sent {} bytes to {}", job.len(), transport.describe());
    }
    if out.to.is_none() && out.png.is_none() && out.text.is_none() {
        eprintln!("nothing to do: give --to, --png or --text");
    }
    Ok(())
}

fn run(cli: Cli) -> Result<(), PrintError> {
    match cli.command {
        Command::TestPage(out) => {
            let note = out.to.clone().unwrap_or_default();
            emit(
                PrintDocument::TestPage {
                    language: language(out.lang),
                    note,
                },
                &out,
            )
        }
        Command::Sample { doc, out } => {
            let l = language(out.lang);
            let doc = match doc {
                SampleDoc::Sale => PrintDocument::Receipt(sample::seed_sale(l)),
                SampleDoc::Autonomous => {
                    PrintDocument::Receipt(sample::seed_sale_autonomous(l, 1_737_120_877))
                }
                SampleDoc::Deposit => PrintDocument::MoneyPlacement(sample::seed_deposit(l)),
                SampleDoc::X => PrintDocument::Report(sample::seed_report(l, ReportKind::X)),
                SampleDoc::Z => PrintDocument::Report(sample::seed_report(l, ReportKind::Z)),
            };
            emit(doc, &out)
        }
        Command::Printers => {
            for p in kkm_printer::discover(&kkm_printer::Discovery::default()) {
                println!("{}\t{}\t{}", p.address, p.printer_type, p.description);
            }
            Ok(())
        }
        Command::BleList { seconds } => {
            let found = scan_printers(Duration::from_secs(seconds))?;
            if found.is_empty() {
                println!("no BLE devices seen");
            }
            for d in found {
                println!(
                    "{}\t{}\t{}\t{}",
                    d.address,
                    d.name.as_deref().unwrap_or("-"),
                    d.rssi.map_or("-".to_string(), |r| format!("{r} dBm")),
                    if d.likely_printer { "printer?" } else { "" }
                );
            }
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kkm-print: {e}");
            ExitCode::FAILURE
        }
    }
}
