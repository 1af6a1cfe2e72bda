//! Printer transports behind kkm-print's [`PrinterTransport`] trait: TCP 9100,
//! serial/USB-CDC, the USB printer class device, CUPS (IPP), the Windows spooler, BLE
//! GATT and file.
//!
//! Every transport connects per job with a [`RetryPolicy`] (so a printer that was switched
//! off and on again is simply reconnected), bounds every wait with a timeout, and reports
//! failures as [`PrintError`] values. A failed print never touches the fiscal document: the
//! caller keeps it and can reprint it as a duplicate.

use std::time::Duration;

use kkm_print::device::{PrinterAddress, Transport};
use kkm_print::{PrintError, PrinterTransport};

#[cfg(feature = "ble")]
pub mod ble;
#[cfg(feature = "cups")]
pub mod cups;
pub mod file;
#[cfg(feature = "serial")]
pub mod serial;
pub mod tcp;
#[cfg(windows)]
pub mod windows;

#[cfg(feature = "ble")]
pub use ble::{BleConfig, BlePacing, BlePrinterInfo, BleTransport, GattLink, WriteMode};
#[cfg(feature = "cups")]
pub use cups::CupsTransport;
pub use file::{DeviceTransport, FileTransport};
#[cfg(feature = "serial")]
pub use serial::SerialTransport;
pub use tcp::TcpTransport;

/// How often and how patiently to (re)connect before a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Connection attempts per job (at least 1).
    pub attempts: u32,
    /// Pause between attempts (doubled after each failure).
    pub backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            backoff: Duration::from_millis(300),
        }
    }
}

impl RetryPolicy {
    /// One attempt: for callers that retry whole jobs themselves (the print queue).
    pub const ONCE: RetryPolicy = RetryPolicy {
        attempts: 1,
        backoff: Duration::ZERO,
    };

    /// Runs `connect` until it succeeds or the attempts are spent; the last error wins.
    pub(crate) fn run<T>(
        &self,
        target: &str,
        mut connect: impl FnMut() -> Result<T, String>,
    ) -> Result<T, PrintError> {
        let attempts = self.attempts.max(1);
        let mut pause = self.backoff;
        let mut last = String::new();
        for attempt in 1..=attempts {
            match connect() {
                Ok(v) => return Ok(v),
                Err(e) => {
                    tracing::debug!(target, attempt, error = %e, "printer connect failed");
                    last = e;
                    if attempt < attempts {
                        std::thread::sleep(pause);
                        pause = pause.saturating_mul(2);
                    }
                }
            }
        }
        Err(PrintError::Connect {
            target: target.to_string(),
            attempts,
            reason: last,
        })
    }
}

/// Writes a whole job in chunks and flushes; a failure is [`PrintError::Interrupted`]
/// with the bytes already accepted (part of the document may have printed).
pub(crate) fn write_job(
    out: &mut dyn std::io::Write,
    job: &[u8],
    chunk: usize,
) -> Result<(), PrintError> {
    let interrupted = |sent: usize, e: std::io::Error| PrintError::Interrupted {
        sent,
        total: job.len(),
        reason: e.to_string(),
    };
    let mut sent = 0;
    for part in job.chunks(chunk.max(1)) {
        out.write_all(part).map_err(|e| interrupted(sent, e))?;
        sent += part.len();
    }
    out.flush().map_err(|e| interrupted(sent, e))
}

#[cfg(not(all(feature = "serial", feature = "cups", feature = "ble")))]
fn not_built(what: &str, feature: &str) -> PrintError {
    PrintError::Address(format!(
        "{what} printers are not supported by this build (kkm-printer feature `{feature}`)"
    ))
}

/// Opens a transport for a parsed address with the given connection policy.
pub fn open_with(
    address: &PrinterAddress,
    retry: RetryPolicy,
) -> Result<Box<dyn PrinterTransport>, PrintError> {
    Ok(match &address.transport {
        Transport::Tcp { host, port } => {
            let mut t = TcpTransport::with_port(host, *port)?;
            t.retry = retry;
            Box::new(t)
        }
        Transport::File { path } => Box::new(FileTransport::new(path)),
        Transport::UsbLp { path } => {
            let mut t = DeviceTransport::new(path);
            t.retry = retry;
            Box::new(t)
        }
        #[cfg(feature = "serial")]
        Transport::Serial { path, baud } => {
            let mut t = SerialTransport::new(path, *baud);
            t.retry = retry;
            Box::new(t)
        }
        #[cfg(not(feature = "serial"))]
        Transport::Serial { .. } => return Err(not_built("serial", "serial")),
        #[cfg(feature = "cups")]
        Transport::Cups {
            queue,
            server,
            format,
        } => Box::new(CupsTransport::new(queue, server.as_deref(), *format)?),
        #[cfg(not(feature = "cups"))]
        Transport::Cups { .. } => return Err(not_built("CUPS", "cups")),
        #[cfg(feature = "ble")]
        Transport::Ble { address } => {
            let config = BleConfig {
                retry,
                ..BleConfig::default()
            };
            Box::new(BleTransport::new(address, config)?)
        }
        #[cfg(not(feature = "ble"))]
        Transport::Ble { .. } => return Err(not_built("Bluetooth LE", "ble")),
        #[cfg(windows)]
        Transport::Windows { name } => Box::new(windows::SpoolerTransport::new(name)),
        #[cfg(not(windows))]
        Transport::Windows { .. } => {
            return Err(PrintError::Address(
                "Windows spooler printers exist on Windows only".to_string(),
            ))
        }
    })
}

/// Opens a transport from an address string (every form of
/// [`kkm_print::device`], e.g. `tcp://192.0.2.10`, `serial:///dev/ttyUSB0?baud=9600`,
/// `ble:66:22:B3:4C:11:0A`), with the default connection policy.
///
/// ```
/// let t = kkm_printer::open_transport("tcp:127.0.0.1").unwrap();
/// assert_eq!(t.describe(), "tcp://127.0.0.1:9100");
/// assert!(kkm_printer::open_transport("lpt:1").is_err());
/// ```
pub fn open_transport(spec: &str) -> Result<Box<dyn PrinterTransport>, PrintError> {
    open_with(&PrinterAddress::parse(spec, None)?, RetryPolicy::default())
}
