//! Printer transports behind one [`PrinterTransport`] trait: BLE GATT, TCP 9100,
//! serial/USB-CDC and file (including `/dev/usb/lp0`).
//!
//! Every transport connects per job with a [`RetryPolicy`] (so a printer that was switched
//! off and on again is simply reconnected), bounds every wait with a timeout, and reports
//! failures as [`PrintError`] values. A failed print never touches the fiscal document: the
//! caller keeps it and can reprint it with [`PrintDocument::into_duplicate`](crate::model::PrintDocument::into_duplicate).

use std::time::Duration;

use crate::error::PrintError;

pub mod ble;
pub mod file;
pub mod serial;
pub mod tcp;

pub use ble::{BleConfig, BlePacing, BlePrinterInfo, BleTransport, GattLink, WriteMode};
pub use file::FileTransport;
pub use serial::SerialTransport;
pub use tcp::TcpTransport;

/// A way to deliver a finished ESC/POS job to a printer.
pub trait PrinterTransport: Send {
    /// Human-readable target, e.g. `tcp:192.0.2.10:9100`.
    fn describe(&self) -> String;

    /// Sends one whole job. On error nothing is retried mid-job (that would print part of
    /// the document twice); the caller may reprint the document as a duplicate.
    fn send(&mut self, job: &[u8]) -> Result<(), PrintError>;
}

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

/// Opens a transport from a spec:
/// `file:PATH`, `tcp:HOST[:PORT]` (port 9100 by default), `serial:PATH[@BAUD]`
/// (115200 by default), `ble:ADDRESS` (e.g. `ble:66:22:B3:4C:11:0A`).
///
/// ```
/// let t = kkm_print::transport::open_transport("tcp:127.0.0.1").unwrap();
/// assert_eq!(t.describe(), "tcp:127.0.0.1:9100");
/// assert!(kkm_print::transport::open_transport("lpt:1").is_err());
/// ```
pub fn open_transport(spec: &str) -> Result<Box<dyn PrinterTransport>, PrintError> {
    let (kind, rest) = spec
        .split_once(':')
        .ok_or_else(|| PrintError::Address(format!("{spec:?}: expected KIND:TARGET")))?;
    if rest.is_empty() {
        return Err(PrintError::Address(format!("{spec:?}: empty target")));
    }
    match kind {
        "file" => Ok(Box::new(FileTransport::new(rest))),
        "tcp" => Ok(Box::new(TcpTransport::new(rest)?)),
        "serial" => {
            let (path, baud) = match rest.rsplit_once('@') {
                Some((path, baud)) => (
                    path,
                    baud.parse::<u32>()
                        .map_err(|_| PrintError::Address(format!("bad baud rate {baud:?}")))?,
                ),
                None => (rest, serial::DEFAULT_BAUD),
            };
            Ok(Box::new(SerialTransport::new(path, baud)))
        }
        "ble" => Ok(Box::new(BleTransport::new(rest, BleConfig::default())?)),
        other => Err(PrintError::Address(format!(
            "unknown transport {other:?} (file, tcp, serial, ble)"
        ))),
    }
}
