//! Serial / USB-CDC transport (COM ports, `/dev/ttyUSB0`, `/dev/ttyACM0`, Bluetooth SPP
//! ports bound by the OS).

use std::time::Duration;

use super::RetryPolicy;
use kkm_print::PrintError;
use kkm_print::PrinterTransport;

/// Default baud rate of receipt printers with a virtual COM port.
pub use kkm_print::device::DEFAULT_BAUD;

/// Opens the port per job, writes the job and closes it.
#[derive(Debug, Clone)]
pub struct SerialTransport {
    path: String,
    baud: u32,
    /// Timeout of each write.
    pub timeout: Duration,
    /// Open attempts (a USB printer re-enumerates after power-on).
    pub retry: RetryPolicy,
}

impl SerialTransport {
    /// A transport to the port `path` at `baud`.
    pub fn new(path: &str, baud: u32) -> Self {
        SerialTransport {
            path: path.to_string(),
            baud,
            timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        }
    }
}

impl PrinterTransport for SerialTransport {
    fn describe(&self) -> String {
        format!("serial://{}?baud={}", self.path, self.baud)
    }

    fn send(&mut self, job: &[u8]) -> Result<(), PrintError> {
        let target = self.describe();
        let mut port = self.retry.run(&target, || {
            serialport::new(&self.path, self.baud)
                .timeout(self.timeout)
                .open()
                .map_err(|e| e.to_string())
        })?;
        super::write_job(&mut port, job, 4096)
    }
}
