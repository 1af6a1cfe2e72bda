//! CUPS queues over IPP (the `ipp` crate's blocking client) to a cupsd, the local one
//! by default: Print-Job to `http://SERVER/printers/QUEUE`, and CUPS-Get-Printers for
//! discovery.
//!
//! What is sent: a raw thermal queue gets our ESC/POS job as
//! `application/vnd.cups-raw` (no filter runs; the backend passes the bytes on). Any
//! other queue gets the page as `image/pwg-raster`: the one page format a cupsd accepts
//! with no filter of `cups-filters` installed (driverless IPP Everywhere queues pass it
//! straight through, and CUPS' own `rastertopwg`/raster drivers take it); PNG and PDF
//! would each need a filter package. "Printed" here means cupsd accepted the job into
//! its own queue; from there CUPS owns it.

use std::io::Cursor;
use std::time::Duration;

use ipp::prelude::*;
use kkm_print::device::{CupsFormat, DiscoveredPrinter};
use kkm_print::{PrintError, PrinterTransport};

/// The cupsd asked when an address names none: `$CUPS_SERVER` when it is a
/// `host[:port]`, else `localhost:631`.
pub fn default_server() -> String {
    match std::env::var("CUPS_SERVER") {
        Ok(s) if !s.trim().is_empty() && !s.starts_with('/') => {
            let s = s.trim().to_string();
            if s.contains(':') {
                s
            } else {
                format!("{s}:631")
            }
        }
        _ => "localhost:631".to_string(),
    }
}

fn uri(server: &str, path: &str) -> Result<Uri, PrintError> {
    format!("http://{server}{path}")
        .parse::<Uri>()
        .map_err(|e| PrintError::Address(format!("CUPS address {server}{path}: {e}")))
}

/// Percent-encodes a queue name for the URI path (CUPS queue names are mostly
/// `[A-Za-z0-9_-]`, but the API takes whatever the admin typed).
fn path_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One CUPS queue.
#[derive(Debug, Clone)]
pub struct CupsTransport {
    queue: String,
    server: String,
    format: CupsFormat,
    /// Timeout of one IPP request.
    pub timeout: Duration,
}

impl CupsTransport {
    /// The queue `queue` on `server` (`host:port`; `None`: [`default_server`]).
    pub fn new(
        queue: &str,
        server: Option<&str>,
        format: CupsFormat,
    ) -> Result<CupsTransport, PrintError> {
        if queue.trim().is_empty() {
            return Err(PrintError::Address("empty CUPS queue name".to_string()));
        }
        Ok(CupsTransport {
            queue: queue.trim().to_string(),
            server: server.map_or_else(default_server, str::to_string),
            format,
            timeout: Duration::from_secs(20),
        })
    }
}

impl PrinterTransport for CupsTransport {
    fn describe(&self) -> String {
        format!("cups://{}?server={}", self.queue, self.server)
    }

    fn wants_pwg_raster(&self) -> bool {
        self.format == CupsFormat::PwgRaster
    }

    fn send(&mut self, job: &[u8]) -> Result<(), PrintError> {
        let printer = uri(
            &self.server,
            &format!("/printers/{}", path_segment(&self.queue)),
        )?;
        let format = match self.format {
            CupsFormat::Raw => "application/vnd.cups-raw",
            CupsFormat::PwgRaster => kkm_print::pwg::MIME,
        };
        let failed = |reason: String| PrintError::Connect {
            target: self.describe(),
            attempts: 1,
            reason,
        };
        let operation = IppOperationBuilder::print_job(
            printer.clone(),
            IppPayload::new(Cursor::new(job.to_vec())),
        )
        .user_name("kkm")
        .job_title("kkm receipt")
        .document_format(format)
        .build()
        .map_err(|e| failed(e.to_string()))?;
        let client = IppClient::builder(printer)
            .request_timeout(self.timeout)
            .build();
        let answer = client.send(operation).map_err(|e| failed(e.to_string()))?;
        let status = answer.header().status_code();
        if status.is_success() {
            Ok(())
        } else {
            Err(failed(format!("cupsd refused the job: {status}")))
        }
    }
}

/// The queues of the cupsd at `server` (CUPS-Get-Printers), as addresses: a queue whose
/// model is "Local Raw Printer" takes ESC/POS (`cups://NAME`), any other PWG raster
/// (`cups://NAME?format=pwg`). An unreachable cupsd lists nothing.
pub fn discover(server: Option<&str>) -> Vec<DiscoveredPrinter> {
    let server = server.map_or_else(default_server, str::to_string);
    let Ok(root) = uri(&server, "/") else {
        return Vec::new();
    };
    let client = IppClient::builder(root)
        .request_timeout(Duration::from_secs(3))
        .build();
    let answer = match client.send(IppOperationBuilder::cups().get_printers()) {
        Ok(a) if a.header().status_code().is_success() => a,
        Ok(a) => {
            tracing::debug!(server, status = %a.header().status_code(), "CUPS-Get-Printers refused");
            return Vec::new();
        }
        Err(e) => {
            tracing::debug!(server, error = %e, "no cupsd");
            return Vec::new();
        }
    };
    let explicit_server = std::env::var("CUPS_SERVER").map_or(true, |s| s.trim() != server);
    let mut found = Vec::new();
    for group in answer
        .attributes()
        .groups_of(DelimiterTag::PrinterAttributes)
    {
        let text = |name: &str| group.get(name).map(|a| a.value().to_string());
        let Some(name) = text("printer-name") else {
            continue;
        };
        let model = text("printer-make-and-model").unwrap_or_default();
        let raw = model.is_empty() || model.to_ascii_lowercase().contains("raw");
        let mut options = Vec::new();
        if !raw {
            options.push("format=pwg".to_string());
        }
        if explicit_server && server != "localhost:631" {
            options.push(format!("server={server}"));
        }
        let query = if options.is_empty() {
            String::new()
        } else {
            format!("?{}", options.join("&"))
        };
        let info = text("printer-info").filter(|s| !s.is_empty());
        found.push(DiscoveredPrinter {
            address: format!("cups://{name}{query}"),
            description: match info {
                Some(info) => format!("CUPS queue {name}: {info} ({model})"),
                None => format!("CUPS queue {name} ({model})"),
            },
            printer_type: 2,
        });
    }
    found
}
