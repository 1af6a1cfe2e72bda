//! Files and device nodes: [`FileTransport`] appends each job to a file (tests,
//! debugging); [`DeviceTransport`] writes each job to an existing character device, the
//! USB printer class node `/dev/usb/lp0` (usblp), which it never creates.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use kkm_print::{PrintError, PrinterTransport};

use super::RetryPolicy;

/// Appends each job to a file (created when missing).
#[derive(Debug, Clone)]
pub struct FileTransport {
    path: PathBuf,
}

impl FileTransport {
    /// A transport to `path`; the file is created when missing.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileTransport { path: path.into() }
    }
}

impl PrinterTransport for FileTransport {
    fn describe(&self) -> String {
        format!("file://{}", self.path.display())
    }

    fn send(&mut self, job: &[u8]) -> Result<(), PrintError> {
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        f.write_all(job)?;
        f.flush()?;
        Ok(())
    }
}

/// Writes each job to a printer device node (`/dev/usb/lp0`): opened write-only per job
/// (a printer unplugged and plugged back is found again), never created.
#[derive(Debug, Clone)]
pub struct DeviceTransport {
    path: PathBuf,
    /// Open attempts (the node comes back a moment after the printer is switched on).
    pub retry: RetryPolicy,
}

impl DeviceTransport {
    /// A transport to the device node `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        DeviceTransport {
            path: path.into(),
            retry: RetryPolicy::default(),
        }
    }
}

impl PrinterTransport for DeviceTransport {
    fn describe(&self) -> String {
        format!("usb://{}", self.path.display())
    }

    fn send(&mut self, job: &[u8]) -> Result<(), PrintError> {
        let target = self.describe();
        let mut dev = self.retry.run(&target, || {
            OpenOptions::new()
                .write(true)
                .open(&self.path)
                .map_err(|e| e.to_string())
        })?;
        super::write_job(&mut dev, job, 4096)
    }
}
