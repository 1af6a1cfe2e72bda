//! The Windows spooler (built on Windows only; not compiled on the Linux CI): each job
//! goes to the named printer as one RAW document (OpenPrinterW, StartDocPrinterW with
//! datatype "RAW", WritePrinter), and discovery lists the local and connected printers
//! (EnumPrintersW level 4).

use kkm_print::device::DiscoveredPrinter;
use kkm_print::{PrintError, PrinterTransport};
use windows_sys::Win32::Foundation::{GetLastError, HANDLE};
use windows_sys::Win32::Graphics::Printing::{
    ClosePrinter, EndDocPrinter, EndPagePrinter, EnumPrintersW, OpenPrinterW, StartDocPrinterW,
    StartPagePrinter, WritePrinter, DOC_INFO_1W, PRINTER_ENUM_CONNECTIONS, PRINTER_ENUM_LOCAL,
    PRINTER_INFO_4W,
};

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

/// One printer of the spooler, by name.
#[derive(Debug, Clone)]
pub struct SpoolerTransport {
    name: String,
}

impl SpoolerTransport {
    /// The printer `name` as Windows lists it.
    pub fn new(name: &str) -> SpoolerTransport {
        SpoolerTransport {
            name: name.to_string(),
        }
    }
}

fn last_error(what: &str) -> String {
    // SAFETY: reads the calling thread's last-error value; no memory is touched.
    format!("{what} failed (Windows error {})", unsafe {
        GetLastError()
    })
}

impl PrinterTransport for SpoolerTransport {
    fn describe(&self) -> String {
        format!("win://{}", self.name)
    }

    #[allow(unsafe_code)]
    fn send(&mut self, job: &[u8]) -> Result<(), PrintError> {
        let failed = |reason: String| PrintError::Connect {
            target: self.describe(),
            attempts: 1,
            reason,
        };
        let name = wide(&self.name);
        let mut doc_name = wide("kkm receipt");
        let mut datatype = wide("RAW");
        let mut handle: HANDLE = std::ptr::null_mut();
        // SAFETY: `name` is a NUL-terminated UTF-16 string alive for the call; `handle`
        // is a valid out pointer; a null PRINTER_DEFAULTS is allowed.
        if unsafe { OpenPrinterW(name.as_ptr(), &mut handle, std::ptr::null()) } == 0 {
            return Err(failed(last_error("OpenPrinter")));
        }
        let info = DOC_INFO_1W {
            pDocName: doc_name.as_mut_ptr(),
            pOutputFile: std::ptr::null_mut(),
            pDatatype: datatype.as_mut_ptr(),
        };
        // SAFETY: `handle` was opened above and is closed below on every path; `info`
        // and the strings it points to outlive the calls; `job` is a valid slice.
        let result = unsafe {
            if StartDocPrinterW(handle, 1, &info) == 0 {
                Err(last_error("StartDocPrinter"))
            } else {
                let mut written = 0u32;
                let ok = StartPagePrinter(handle) != 0
                    && WritePrinter(
                        handle,
                        job.as_ptr().cast(),
                        u32::try_from(job.len()).unwrap_or(u32::MAX),
                        &mut written,
                    ) != 0
                    && written as usize == job.len();
                let ended = EndPagePrinter(handle) != 0 && EndDocPrinter(handle) != 0;
                if ok && ended {
                    Ok(())
                } else {
                    Err(last_error("WritePrinter"))
                }
            }
        };
        // SAFETY: closes the handle opened above exactly once.
        unsafe { ClosePrinter(handle) };
        result.map_err(failed)
    }
}

/// The spooler's printers (local and connected).
#[allow(unsafe_code)]
pub fn discover() -> Vec<DiscoveredPrinter> {
    let flags = PRINTER_ENUM_LOCAL | PRINTER_ENUM_CONNECTIONS;
    let (mut needed, mut count) = (0u32, 0u32);
    // SAFETY: a sizing call with a null buffer of size 0, as the API documents.
    unsafe {
        EnumPrintersW(
            flags,
            std::ptr::null(),
            4,
            std::ptr::null_mut(),
            0,
            &mut needed,
            &mut count,
        )
    };
    if needed == 0 {
        return Vec::new();
    }
    let mut buffer = vec![0u8; needed as usize];
    // SAFETY: `buffer` has `needed` bytes as the sizing call asked; the API fills it with
    // `count` PRINTER_INFO_4W records followed by the strings they point to.
    let ok = unsafe {
        EnumPrintersW(
            flags,
            std::ptr::null(),
            4,
            buffer.as_mut_ptr(),
            needed,
            &mut needed,
            &mut count,
        )
    };
    if ok == 0 {
        return Vec::new();
    }
    let records = buffer.as_ptr().cast::<PRINTER_INFO_4W>();
    (0..count as usize)
        .filter_map(|i| {
            // SAFETY: `i < count` records were written at the start of `buffer`, which
            // is alive; pPrinterName points to a NUL-terminated string inside it.
            let name = unsafe {
                let p = (*records.add(i)).pPrinterName;
                if p.is_null() {
                    return None;
                }
                let mut len = 0;
                while *p.add(len) != 0 {
                    len += 1;
                }
                String::from_utf16_lossy(std::slice::from_raw_parts(p, len))
            };
            Some(DiscoveredPrinter {
                address: format!("win://{name}"),
                description: format!("Windows printer {name}"),
                printer_type: 2,
            })
        })
        .collect()
}
