//! # kkm-printer — the printer I/O
//!
//! Everything that talks to a printer device, behind kkm-print's
//! [`PrinterTransport`](kkm_print::PrinterTransport) and
//! [`PrinterDriver`](kkm_print::device::PrinterDriver) seams, so that rendering
//! (`kkm-print`) and the print queue (`kkm-register`) link no socket, port or Bluetooth
//! code of their own:
//!
//! | address (`printer.name`) | transport | feature |
//! | --- | --- | --- |
//! | `tcp://HOST[:9100]` | [`TcpTransport`] | always |
//! | `usb:///dev/usb/lp0` | [`DeviceTransport`] (USB printer class) | always |
//! | `file:///PATH` | [`FileTransport`] | always |
//! | `serial:///dev/ttyUSB0?baud=19200` | [`SerialTransport`] | `serial` |
//! | `cups://QUEUE[?server=H:P&format=raw\|pwg]` | [`CupsTransport`] (IPP) | `cups` |
//! | `ble://AA:BB:CC:DD:EE:FF` | [`BleTransport`] (btleplug) | `ble` |
//! | `win://NAME` | the spooler, RAW datatype | Windows builds |
//!
//! [`discover`] lists what the machine offers: the CUPS queues (IPP CUPS-Get-Printers),
//! serial ports, USB lp devices, the Windows spooler's printers, plus the network
//! printers the configuration names. [`SystemDriver`] bundles open + discover for the
//! register's print queue.
//!
//! ```
//! use kkm_print::{model::*, print, EscPosOptions, ImageOptions};
//! let dir = std::env::temp_dir().join(format!("kkm-printer-doc-{}", std::process::id()));
//! let mut printer = kkm_printer::open_transport(&format!("file://{}", dir.display())).unwrap();
//! let page = PrintDocument::TestPage { language: Language::Kk, note: String::new() };
//! print(printer.as_mut(), &page, &ImageOptions::default(), &EscPosOptions::default()).unwrap();
//! assert!(std::fs::metadata(&dir).unwrap().len() > 1000);
//! # std::fs::remove_file(&dir).ok();
//! ```
#![cfg_attr(not(windows), forbid(unsafe_code))]
#![warn(missing_docs)]

pub mod transport;

use kkm_print::device::{DiscoveredPrinter, PrinterAddress, PrinterDriver};
use kkm_print::{PrintError, PrinterTransport};

#[cfg(feature = "ble")]
pub use transport::BleTransport;
#[cfg(feature = "cups")]
pub use transport::CupsTransport;
#[cfg(feature = "serial")]
pub use transport::SerialTransport;
pub use transport::{
    open_transport, open_with, DeviceTransport, FileTransport, RetryPolicy, TcpTransport,
};

/// Serial ports that may have a printer: `ttyUSB*`, `ttyACM*`, and `ttyS*` ports the
/// kernel found hardware for (Linux, from sysfs); the OS's list elsewhere.
#[cfg(all(target_os = "linux", feature = "serial"))]
fn serial_ports() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/sys/class/tty") else {
        return Vec::new();
    };
    let mut ports: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| {
            if name.starts_with("ttyUSB") || name.starts_with("ttyACM") {
                return true;
            }
            // Legacy UARTs: /sys/class/tty/ttyS0/type is 0 when no port is there.
            name.starts_with("ttyS")
                && std::fs::read_to_string(format!("/sys/class/tty/{name}/type"))
                    .is_ok_and(|t| t.trim() != "0")
        })
        .map(|name| format!("/dev/{name}"))
        .collect();
    ports.sort();
    ports
}

#[cfg(all(not(target_os = "linux"), feature = "serial"))]
fn serial_ports() -> Vec<String> {
    serialport::available_ports()
        .map(|ports| ports.into_iter().map(|p| p.port_name).collect())
        .unwrap_or_default()
}

/// USB printer class devices (`/dev/usb/lp*`).
fn usb_lp_devices() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/dev/usb") else {
        return Vec::new();
    };
    let mut found: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| name.starts_with("lp"))
        .map(|name| format!("/dev/usb/{name}"))
        .collect();
    found.sort();
    found
}

/// Where [`discover`] looks.
#[derive(Debug, Clone, Default)]
pub struct Discovery {
    /// The cupsd to ask (`host:port`); `None`: `$CUPS_SERVER` or `localhost:631`.
    pub cups_server: Option<String>,
    /// Printers the configuration names (network printers cannot be found by asking
    /// the machine): listed as given, after the ones found.
    pub configured: Vec<String>,
}

/// Lists the printers this machine offers now. Blocking (IPP to cupsd, sysfs): call it
/// off the async reactor. Never fails: a source that cannot be read lists nothing.
pub fn discover(discovery: &Discovery) -> Vec<DiscoveredPrinter> {
    let mut found = Vec::new();
    #[cfg(feature = "cups")]
    found.extend(transport::cups::discover(discovery.cups_server.as_deref()));
    #[cfg(windows)]
    found.extend(transport::windows::discover());
    #[cfg(feature = "serial")]
    for port in serial_ports() {
        found.push(DiscoveredPrinter {
            address: format!("serial://{port}"),
            description: format!("serial port {port}"),
            printer_type: 1,
        });
    }
    for dev in usb_lp_devices() {
        found.push(DiscoveredPrinter {
            address: format!("usb://{dev}"),
            description: format!("USB printer {dev}"),
            printer_type: 1,
        });
    }
    for name in &discovery.configured {
        let Ok(address) = PrinterAddress::parse(name, None) else {
            tracing::warn!(printer = %name, "a configured printer's address does not parse");
            continue;
        };
        found.push(DiscoveredPrinter {
            address: name.clone(),
            description: format!("configured printer {}", address.transport),
            printer_type: address.transport.printer_type(),
        });
    }
    found
}

/// The machine's printers for the register's print queue: opens transports (one
/// connection attempt per job: the queue retries whole jobs with its own backoff) and
/// discovers printers.
#[derive(Debug, Clone, Default)]
pub struct SystemDriver {
    /// Where discovery looks.
    pub discovery: Discovery,
    /// Connection attempts per job.
    pub retry: Option<RetryPolicy>,
}

impl PrinterDriver for SystemDriver {
    fn open(&self, address: &PrinterAddress) -> Result<Box<dyn PrinterTransport>, PrintError> {
        open_with(address, self.retry.unwrap_or(RetryPolicy::ONCE))
    }

    fn discover(&self) -> Vec<DiscoveredPrinter> {
        discover(&self.discovery)
    }
}
