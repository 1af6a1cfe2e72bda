//! Printing for Kotlin over `kkm-print` (rendering) and `kkm-printer` (transports): BLE
//! discovery ([`scan_ble_printers`]), a [`Printer`] behind any transport (`ble:`, `tcp:`,
//! `serial:`, `usb:`, `file:`), and rendering
//! of documents to PNG / ESC/POS / text ([`DocumentFormat`]). A print failure is a
//! `Printer` error and never touches the fiscal document: reprint it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kkm_print::model::{Language, PrintDocument};
use kkm_print::{Cut, EscPosOptions, ImageOptions, PrinterTransport};
use kkm_printer::open_transport;
use kkm_printer::transport::ble;

use crate::KkmError;

/// How documents are rendered for a printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct PrintSettings {
    /// Paper width in dots: 384 for 58 mm, 576 for 80 mm.
    #[uniffi(default = 384)]
    pub width_px: i32,
    /// A pixel prints black when darker than this (0–255); higher prints bolder.
    #[uniffi(default = 128)]
    pub threshold: i32,
    /// Cut the paper after the document (printers with a cutter).
    #[uniffi(default = false)]
    pub cut: bool,
    /// Open the cash drawer before printing.
    #[uniffi(default = false)]
    pub drawer_kick: bool,
}

impl Default for PrintSettings {
    fn default() -> Self {
        PrintSettings {
            width_px: 384,
            threshold: 128,
            cut: false,
            drawer_kick: false,
        }
    }
}

impl PrintSettings {
    fn image(&self) -> ImageOptions {
        ImageOptions {
            // Out-of-range widths are refused by kkm-print's own check.
            width: u32::try_from(self.width_px).unwrap_or(0),
            threshold: u8::try_from(self.threshold.clamp(0, 255)).unwrap_or(u8::MAX),
            ..ImageOptions::default()
        }
    }

    fn escpos(&self) -> EscPosOptions {
        EscPosOptions {
            cut: if self.cut { Cut::Partial } else { Cut::None },
            drawer_kick: self.drawer_kick,
            ..EscPosOptions::default()
        }
    }
}

/// The form a document is rendered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DocumentFormat {
    /// A 1-bit PNG (show on screen, share, GetDocumentImage).
    Png,
    /// An ESC/POS raster job (send to any receipt printer).
    EscPos,
    /// UTF-8 plain text of 32, 42 or 48 columns.
    Text {
        /// Characters per line.
        columns: i32,
    },
}

/// Renders a document to bytes in `format`.
pub(crate) fn render(
    doc: &PrintDocument,
    format: DocumentFormat,
    settings: &PrintSettings,
) -> Result<Vec<u8>, KkmError> {
    Ok(match format {
        DocumentFormat::Png => kkm_print::render_png(doc, &settings.image())?,
        DocumentFormat::EscPos => {
            kkm_print::render_escpos(doc, &settings.image(), &settings.escpos())?
        }
        DocumentFormat::Text { columns } => {
            let columns =
                usize::try_from(columns).map_err(|_| KkmError::invalid("columns out of range"))?;
            kkm_print::render_text(doc, columns).into_bytes()
        }
    })
}

/// The test page (ТЕСТОВАЯ СТРАНИЦА / СЫНАҚ БЕТІ) in `format`. Not blocking for text;
/// a few ms for PNG/ESC/POS.
#[uniffi::export]
pub fn render_test_page(
    format: DocumentFormat,
    settings: PrintSettings,
    kazakh: bool,
) -> Result<Vec<u8>, KkmError> {
    render(&test_page(kazakh), format, &settings)
}

fn test_page(kazakh: bool) -> PrintDocument {
    PrintDocument::TestPage {
        language: if kazakh { Language::Kk } else { Language::Ru },
        note: "KKM".to_owned(),
    }
}

/// A Bluetooth LE device seen during a scan.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BlePrinter {
    /// What [`Printer::open`] takes after `ble:` (a MAC address, or the platform's id).
    pub address: String,
    /// Advertised name.
    pub name: Option<String>,
    /// Signal strength, dBm.
    pub rssi: Option<i32>,
    /// It looks like a receipt printer (name or GATT service); listed first.
    pub likely_printer: bool,
}

/// Scans for Bluetooth LE devices for `seconds` and lists them, likely printers first.
///
/// **Blocking** for `seconds`. Without a Bluetooth adapter (or without permission / a BLE
/// stack): `NoBleAdapter`, never a crash. On Android the app must hold the
/// `BLUETOOTH_SCAN`/`BLUETOOTH_CONNECT` permissions first.
#[uniffi::export]
pub fn scan_ble_printers(seconds: i32) -> Result<Vec<BlePrinter>, KkmError> {
    let seconds = u64::try_from(seconds.clamp(1, 60)).unwrap_or(1);
    let found = ble::scan_printers(Duration::from_secs(seconds))?;
    Ok(found
        .into_iter()
        .map(|p| BlePrinter {
            address: p.address,
            name: p.name,
            rssi: p.rssi.map(i32::from),
            likely_printer: p.likely_printer,
        })
        .collect())
}

/// A receipt printer. Connects on the first job and reconnects after the printer was
/// switched off; one job at a time (thread-safe).
#[derive(uniffi::Object)]
pub struct Printer {
    target: String,
    transport: Mutex<Box<dyn PrinterTransport>>,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer")
            .field("target", &self.target)
            .finish()
    }
}

#[uniffi::export]
impl Printer {
    /// A printer at `address`: `ble:AA:BB:CC:DD:EE:FF` (from [`scan_ble_printers`]),
    /// `tcp:192.0.2.10[:9100]`, `serial:/dev/ttyUSB0[@115200]`, `file:/path`. Nothing is
    /// opened until the first job; a malformed address is `InvalidInput`.
    #[uniffi::constructor]
    pub fn open(address: String) -> Result<Arc<Printer>, KkmError> {
        let transport = open_transport(address.trim())?;
        Ok(Arc::new(Printer {
            target: transport.describe(),
            transport: Mutex::new(transport),
        }))
    }

    /// The printer as a transport spec, e.g. `tcp://192.0.2.10:9100`.
    pub fn describe(&self) -> String {
        self.target.clone()
    }

    /// Sends a ready job (e.g. from `reprint(…, DocumentFormat.EscPos)`). **Blocking**
    /// until the printer took it (BLE: seconds).
    pub fn send(&self, job: Vec<u8>) -> Result<(), KkmError> {
        self.lock().send(&job).map_err(KkmError::from)
    }

    /// Prints the test page. **Blocking.**
    pub fn print_test_page(&self, settings: PrintSettings, kazakh: bool) -> Result<(), KkmError> {
        self.print_document(&test_page(kazakh), &settings)
    }
}

impl Printer {
    fn lock(&self) -> std::sync::MutexGuard<'_, Box<dyn PrinterTransport>> {
        self.transport.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Renders and sends a document.
    pub(crate) fn print_document(
        &self,
        doc: &PrintDocument,
        settings: &PrintSettings,
    ) -> Result<(), KkmError> {
        let mut transport = self.lock();
        kkm_print::print(
            transport.as_mut(),
            doc,
            &settings.image(),
            &settings.escpos(),
        )
        .map_err(KkmError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_page_renders_and_prints_to_a_file() {
        let png = render_test_page(DocumentFormat::Png, PrintSettings::default(), true).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        let text = render_test_page(
            DocumentFormat::Text { columns: 32 },
            PrintSettings::default(),
            false,
        )
        .unwrap();
        assert!(String::from_utf8(text).unwrap().contains("ТЕСТОВАЯ"));
        let dir = std::env::temp_dir().join(format!("kkm-ffi-print-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("job.bin");
        let printer = Printer::open(format!("file:{}", path.display())).unwrap();
        printer
            .print_test_page(PrintSettings::default(), false)
            .unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 1000);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn bad_addresses_are_typed_errors() {
        assert_eq!(Printer::open("lpt:1".into()).unwrap_err().code(), 2);
        assert_eq!(Printer::open("ble:".into()).unwrap_err().code(), 2);
    }
}
