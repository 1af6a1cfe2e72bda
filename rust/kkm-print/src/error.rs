//! The error type of printing. A print failure is a value, never a panic: the fiscal
//! document stays in the journal and can be reprinted as a duplicate.

use thiserror::Error;

/// Everything that can go wrong while rendering or sending a document to a printer.
#[derive(Debug, Error)]
pub enum PrintError {
    /// `image_width` / `image_scale` out of range.
    #[error("invalid image options: {0}")]
    ImageOptions(String),
    /// The embedded font could not be parsed.
    #[error("font: {0}")]
    Font(String),
    /// The QR payload could not be encoded.
    #[error("QR code: {0}")]
    Qr(String),
    /// PNG encoding failed.
    #[error("PNG encoding: {0}")]
    Png(String),
    /// A printer address / transport spec could not be understood.
    #[error("bad printer address: {0}")]
    Address(String),
    /// The machine has no Bluetooth LE adapter (or no BlueZ / D-Bus).
    #[error("no BLE adapter: {0}")]
    NoBleAdapter(String),
    /// The BLE printer was not seen during the scan.
    #[error("BLE printer {0} not found")]
    BleNotFound(String),
    /// The BLE peripheral has no characteristic we can write print data to.
    #[error("BLE printer {0} has no writable characteristic")]
    NoWritableCharacteristic(String),
    /// Any other BLE failure.
    #[error("BLE: {0}")]
    Ble(String),
    /// The printer could not be reached after all attempts.
    #[error("cannot connect to {target} after {attempts} attempt(s): {reason}")]
    Connect {
        /// The printer.
        target: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        reason: String,
    },
    /// The connection broke or timed out in the middle of a job: part of the document may
    /// have printed; reprint it as a duplicate.
    #[error("print interrupted after {sent} of {total} bytes: {reason}")]
    Interrupted {
        /// Bytes accepted before the failure.
        sent: usize,
        /// Bytes of the job.
        total: usize,
        /// Why.
        reason: String,
    },
    /// A job or page could not be decoded (ESC/POS, PWG raster): tests and emulators.
    #[error("cannot decode the job: {0}")]
    Decode(String),
    /// A file transport could not write.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}
