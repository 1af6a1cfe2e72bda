//! File transport: writes the job to a file or a character device (`/dev/usb/lp0`).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

use super::PrinterTransport;
use crate::error::PrintError;

/// Appends each job to a file (or writes it to a printer device node).
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
        format!("file:{}", self.path.display())
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
