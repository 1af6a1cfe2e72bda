//! Printers as data: where a printer is ([`PrinterAddress`], parsed from SaveKKM's
//! `printer.name`), how it prints ([`PrinterSettings`]: paper, density, cut, cash drawer),
//! and the two seams the I/O crate (`kkm-printer`) implements: [`PrinterTransport`]
//! (send one finished job) and [`PrinterDriver`] (open a transport for an address, list
//! the machine's printers). Nothing here does I/O, so whatever only renders or only
//! queues (the register) links no socket, serial or Bluetooth code.
//!
//! ## Address forms (`printer.name`)
//!
//! | form | transport |
//! | --- | --- |
//! | `tcp://192.0.2.10[:9100]` | raw ESC/POS over TCP (JetDirect port 9100 by default) |
//! | `serial:///dev/ttyUSB0?baud=19200`, `serial://COM3` | serial / USB-serial (115200 by default) |
//! | `usb:///dev/usb/lp0` | the USB printer class device |
//! | `cups://QUEUE[?server=127.0.0.1:631]` | a CUPS queue over IPP to the local cupsd |
//! | `win://Printer Name` | the Windows spooler (Windows builds only) |
//! | `ble://66:22:B3:4C:11:0A` | a Bluetooth LE receipt printer |
//! | `file:///path/to/file` | append each job to a file (tests, debugging) |
//!
//! Options ride in the query, any order: `paper=58|80` (384 / 576 dots), `density=-3..=3`,
//! `cut=none|partial|full`, `drawer=0|1` (kick on sales paid in cash), and for CUPS
//! `format=raw|pwg` (raw ESC/POS for thermal queues, PWG raster for the others).
//! The older short forms `tcp:HOST[:PORT]`, `serial:PATH[@BAUD]`, `file:PATH`,
//! `ble:ADDRESS` are read too. A bare name (no scheme) is read by the seed's
//! `PrinterTypeEnum`: 1 `ptCOM` a serial port (`COM3`, `/dev/ttyUSB0`) or `/dev/usb/lp*`,
//! 2 `ptVCL` a system printer (the CUPS queue on Linux, the spooler's on Windows),
//! 3 `ptBluetooth` a BLE address.
//!
//! ```
//! use kkm_print::device::{PrinterAddress, Transport, Paper};
//! let a = PrinterAddress::parse("tcp://192.0.2.10?paper=80&drawer=1", None).unwrap();
//! assert_eq!(a.transport, Transport::Tcp { host: "192.0.2.10".into(), port: 9100 });
//! assert_eq!(a.settings.paper, Paper::Mm80);
//! assert!(a.settings.drawer_kick);
//! let com = PrinterAddress::parse("COM3", Some(1)).unwrap();
//! assert_eq!(com.transport, Transport::Serial { path: "COM3".into(), baud: 115_200 });
//! ```

use std::fmt;

use crate::error::PrintError;
use crate::escpos::Cut;

/// Default baud rate of receipt printers with a (virtual) COM port.
pub const DEFAULT_BAUD: u32 = 115_200;
/// The raw printing port of network receipt printers.
pub const DEFAULT_TCP_PORT: u16 = 9100;

/// Paper width of a receipt printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    /// 58 mm roll: 384 dots at 203 dpi.
    #[default]
    Mm58,
    /// 80 mm roll: 576 dots at 203 dpi.
    Mm80,
}

impl Paper {
    /// Printable width in dots (the bitmap width).
    pub const fn dots(self) -> u32 {
        match self {
            Paper::Mm58 => 384,
            Paper::Mm80 => 576,
        }
    }

    /// Width in millimetres.
    pub const fn millimetres(self) -> u32 {
        match self {
            Paper::Mm58 => 58,
            Paper::Mm80 => 80,
        }
    }
}

/// What a CUPS queue is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CupsFormat {
    /// `application/vnd.cups-raw`: our ESC/POS job, untouched (a raw thermal queue).
    #[default]
    Raw,
    /// `image/pwg-raster`: the bitmap as PWG raster, which every driverless (IPP
    /// Everywhere) queue takes without extra filters.
    PwgRaster,
}

/// How documents are printed on one printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterSettings {
    /// Paper width.
    pub paper: Paper,
    /// Print density −3..=3 (0: the printer's own setting, not sent).
    pub density: i8,
    /// Paper cut after each document.
    pub cut: Cut,
    /// Open the cash drawer (ESC p) before a sale or return with a cash payment.
    pub drawer_kick: bool,
}

impl Default for PrinterSettings {
    fn default() -> Self {
        PrinterSettings {
            paper: Paper::Mm58,
            density: 0,
            cut: Cut::Partial,
            drawer_kick: false,
        }
    }
}

/// Where a printer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Raw TCP (port 9100).
    Tcp {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
    },
    /// A serial or USB-serial port.
    Serial {
        /// `/dev/ttyUSB0`, `COM3`.
        path: String,
        /// Baud rate.
        baud: u32,
    },
    /// The USB printer class device node (`/dev/usb/lp0`).
    UsbLp {
        /// Device path.
        path: String,
    },
    /// A CUPS queue on a cupsd (the local one by default).
    Cups {
        /// Queue name.
        queue: String,
        /// `host:port` of the cupsd; `None` = `$CUPS_SERVER` or `localhost:631`.
        server: Option<String>,
        /// What the queue is sent.
        format: CupsFormat,
    },
    /// A printer of the Windows spooler.
    Windows {
        /// The printer's name as Windows lists it.
        name: String,
    },
    /// A Bluetooth LE printer.
    Ble {
        /// MAC address (or the platform's device id).
        address: String,
    },
    /// A file (appended to).
    File {
        /// Path.
        path: String,
    },
}

impl Transport {
    /// The seed's `PrinterTypeEnum` code this transport is listed with: 2 `ptVCL` for
    /// system printers (CUPS, Windows), 3 `ptBluetooth` for BLE, 1 `ptCOM` for every
    /// other ESC/POS printer.
    pub fn printer_type(&self) -> u8 {
        match self {
            Transport::Cups { .. } | Transport::Windows { .. } => 2,
            Transport::Ble { .. } => 3,
            _ => 1,
        }
    }
}

/// A printer: where it is and how it prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterAddress {
    /// Where.
    pub transport: Transport,
    /// How.
    pub settings: PrinterSettings,
}

fn bad(name: &str, why: impl fmt::Display) -> PrintError {
    PrintError::Address(format!("{name:?}: {why}"))
}

fn parse_host_port(name: &str, target: &str) -> Result<(String, u16), PrintError> {
    let target = target.trim().trim_end_matches('/');
    if let Some(rest) = target.strip_prefix('[') {
        let (host, tail) = rest
            .split_once(']')
            .ok_or_else(|| bad(name, "unclosed [ in the host"))?;
        let port = match tail.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| bad(name, "bad TCP port"))?,
            None if tail.is_empty() => DEFAULT_TCP_PORT,
            None => return Err(bad(name, "junk after the host")),
        };
        return Ok((host.to_string(), port));
    }
    let (host, port) = match target.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, p.parse().map_err(|_| bad(name, "bad TCP port"))?),
        _ => (target, DEFAULT_TCP_PORT),
    };
    if host.is_empty() {
        return Err(bad(name, "empty host"));
    }
    Ok((host.to_string(), port))
}

impl PrinterAddress {
    /// Parses a printer address (see the module doc); `printer_type` is the seed's
    /// `PrinterTypeEnum` code, used only to read a bare name.
    pub fn parse(name: &str, printer_type: Option<u8>) -> Result<PrinterAddress, PrintError> {
        let trimmed = name.trim();
        if trimmed.is_empty() {
            return Err(bad(name, "empty printer name"));
        }
        let (body, query) = match trimmed.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (trimmed, None),
        };
        let mut settings = PrinterSettings::default();
        let mut baud = None;
        let mut server = None;
        let mut format = CupsFormat::Raw;
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "paper" => {
                    settings.paper = match value {
                        "58" => Paper::Mm58,
                        "80" => Paper::Mm80,
                        _ => return Err(bad(name, "paper is 58 or 80")),
                    }
                }
                "density" => {
                    settings.density = value
                        .parse::<i8>()
                        .ok()
                        .filter(|d| (-3..=3).contains(d))
                        .ok_or_else(|| bad(name, "density is -3..=3"))?
                }
                "cut" => {
                    settings.cut = match value {
                        "none" | "0" => Cut::None,
                        "partial" => Cut::Partial,
                        "full" | "1" => Cut::Full,
                        _ => return Err(bad(name, "cut is none, partial or full")),
                    }
                }
                "drawer" => {
                    settings.drawer_kick = match value {
                        "1" | "true" | "yes" => true,
                        "0" | "false" | "no" => false,
                        _ => return Err(bad(name, "drawer is 0 or 1")),
                    }
                }
                "baud" => baud = Some(value.parse::<u32>().map_err(|_| bad(name, "bad baud"))?),
                "server" => server = Some(value.to_string()),
                "format" => {
                    format = match value {
                        "raw" | "escpos" => CupsFormat::Raw,
                        "pwg" | "image" => CupsFormat::PwgRaster,
                        _ => return Err(bad(name, "format is raw or pwg")),
                    }
                }
                other => return Err(bad(name, format!("unknown option {other:?}"))),
            }
        }
        let transport = if let Some((scheme, rest)) = body.split_once("://") {
            Self::with_scheme(name, scheme, rest, baud, server, format)?
        } else if let Some((scheme, rest)) = body
            .split_once(':')
            .filter(|(s, _)| matches!(*s, "tcp" | "serial" | "file" | "ble" | "usb" | "cups"))
        {
            // The older short forms: `tcp:HOST`, `serial:PATH@BAUD`, `file:PATH`, `ble:ADDR`.
            let (rest, at_baud) = match (scheme, rest.rsplit_once('@')) {
                ("serial", Some((p, b))) => (
                    p,
                    Some(b.parse::<u32>().map_err(|_| bad(name, "bad baud"))?),
                ),
                _ => (rest, None),
            };
            Self::with_scheme(name, scheme, rest, baud.or(at_baud), server, format)?
        } else {
            Self::bare(name, body, printer_type, baud, server, format)?
        };
        Ok(PrinterAddress {
            transport,
            settings,
        })
    }

    fn with_scheme(
        name: &str,
        scheme: &str,
        rest: &str,
        baud: Option<u32>,
        server: Option<String>,
        format: CupsFormat,
    ) -> Result<Transport, PrintError> {
        if rest.trim().is_empty() {
            return Err(bad(name, "empty target"));
        }
        Ok(match scheme {
            "tcp" => {
                let (host, port) = parse_host_port(name, rest)?;
                Transport::Tcp { host, port }
            }
            "serial" => Transport::Serial {
                path: rest.to_string(),
                baud: baud.unwrap_or(DEFAULT_BAUD),
            },
            "usb" => Transport::UsbLp {
                path: rest.to_string(),
            },
            "cups" => Transport::Cups {
                queue: rest.trim_matches('/').to_string(),
                server,
                format,
            },
            "win" => Transport::Windows {
                name: rest.to_string(),
            },
            "ble" => Transport::Ble {
                address: rest.to_string(),
            },
            "file" => Transport::File {
                path: rest.to_string(),
            },
            other => {
                return Err(bad(
                    name,
                    format!("unknown scheme {other:?} (tcp, serial, usb, cups, win, ble, file)"),
                ))
            }
        })
    }

    fn bare(
        name: &str,
        body: &str,
        printer_type: Option<u8>,
        baud: Option<u32>,
        server: Option<String>,
        format: CupsFormat,
    ) -> Result<Transport, PrintError> {
        let body = body.trim();
        Ok(match printer_type {
            Some(2) if cfg!(windows) => Transport::Windows {
                name: body.to_string(),
            },
            Some(2) => Transport::Cups {
                queue: body.to_string(),
                server,
                format,
            },
            Some(3) => Transport::Ble {
                address: body.to_string(),
            },
            _ if body.starts_with("/dev/usb/lp") => Transport::UsbLp {
                path: body.to_string(),
            },
            Some(1) | None
                if body.starts_with("/dev/") || body.to_ascii_uppercase().starts_with("COM") =>
            {
                Transport::Serial {
                    path: body.to_string(),
                    baud: baud.unwrap_or(DEFAULT_BAUD),
                }
            }
            _ => {
                return Err(bad(
                    name,
                    "not a printer address: use tcp://, serial://, usb://, cups://, win://, \
                     ble:// or file:// (docs/daemon.md)",
                ))
            }
        })
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transport::Tcp { host, port } if host.contains(':') => {
                write!(f, "tcp://[{host}]:{port}")
            }
            Transport::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            Transport::Serial { path, baud } => write!(f, "serial://{path}?baud={baud}"),
            Transport::UsbLp { path } => write!(f, "usb://{path}"),
            Transport::Cups { queue, server, .. } => match server {
                Some(s) => write!(f, "cups://{queue}?server={s}"),
                None => write!(f, "cups://{queue}"),
            },
            Transport::Windows { name } => write!(f, "win://{name}"),
            Transport::Ble { address } => write!(f, "ble://{address}"),
            Transport::File { path } => write!(f, "file://{path}"),
        }
    }
}

/// A way to deliver a finished job to one printer (implemented in `kkm-printer`).
pub trait PrinterTransport: Send {
    /// Human-readable target, e.g. `tcp://192.0.2.10:9100`.
    fn describe(&self) -> String;

    /// Sends one whole job. On error nothing is retried mid-job (that would print part of
    /// the document twice); the caller may reprint the document as a duplicate.
    fn send(&mut self, job: &[u8]) -> Result<(), PrintError>;

    /// `true` when the transport wants the page as PWG raster rather than ESC/POS
    /// (a CUPS queue of an ordinary printer); the caller renders accordingly.
    fn wants_pwg_raster(&self) -> bool {
        false
    }
}

/// A printer found on the machine (GetPrinterList).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredPrinter {
    /// The address to give SaveKKM's `printer.name` (e.g. `cups://receipt`).
    pub address: String,
    /// A human name (the CUPS queue's info, the port's description).
    pub description: String,
    /// The seed's `PrinterTypeEnum` code (1 ptCOM, 2 ptVCL, 3 ptBluetooth).
    pub printer_type: u8,
}

/// Opens transports and finds printers: the I/O half of printing, injected into
/// whoever queues jobs (the register) by whoever owns the machine (the daemon, the FFI).
pub trait PrinterDriver: Send + Sync {
    /// A transport for `address` (nothing is connected until the first job).
    fn open(&self, address: &PrinterAddress) -> Result<Box<dyn PrinterTransport>, PrintError>;

    /// The printers this machine offers now (may take a moment: call off the reactor).
    fn discover(&self) -> Vec<DiscoveredPrinter>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_parses_and_prints_back() {
        for (input, shown) in [
            ("tcp://192.0.2.10", "tcp://192.0.2.10:9100"),
            ("tcp://printer.local:9101/", "tcp://printer.local:9101"),
            ("tcp://[::1]:9100", "tcp://[::1]:9100"),
            ("tcp:127.0.0.1", "tcp://127.0.0.1:9100"),
            (
                "serial:///dev/ttyUSB0?baud=19200",
                "serial:///dev/ttyUSB0?baud=19200",
            ),
            ("serial:/dev/ttyS0@9600", "serial:///dev/ttyS0?baud=9600"),
            ("usb:///dev/usb/lp0", "usb:///dev/usb/lp0"),
            ("cups://receipt", "cups://receipt"),
            (
                "cups://receipt?server=127.0.0.1:6310&format=pwg",
                "cups://receipt?server=127.0.0.1:6310",
            ),
            ("ble://66:22:B3:4C:11:0A", "ble://66:22:B3:4C:11:0A"),
            ("ble:66:22:B3:4C:11:0A", "ble://66:22:B3:4C:11:0A"),
            ("file:///tmp/x.bin", "file:///tmp/x.bin"),
            ("win://Microsoft XPS", "win://Microsoft XPS"),
        ] {
            let a = PrinterAddress::parse(input, None).unwrap();
            assert_eq!(a.transport.to_string(), shown, "{input}");
        }
    }

    #[test]
    fn options_and_bare_names() {
        let a =
            PrinterAddress::parse("tcp://h?paper=80&density=-2&cut=none&drawer=1", None).unwrap();
        assert_eq!(
            a.settings,
            PrinterSettings {
                paper: Paper::Mm80,
                density: -2,
                cut: Cut::None,
                drawer_kick: true
            }
        );
        assert_eq!(a.settings.paper.dots(), 576);
        assert!(matches!(
            PrinterAddress::parse("/dev/usb/lp1", Some(1))
                .unwrap()
                .transport,
            Transport::UsbLp { .. }
        ));
        assert!(matches!(
            PrinterAddress::parse("/dev/ttyACM0", None)
                .unwrap()
                .transport,
            Transport::Serial { .. }
        ));
        assert!(matches!(
            PrinterAddress::parse("AA:BB:CC:DD:EE:FF", Some(3))
                .unwrap()
                .transport,
            Transport::Ble { .. }
        ));
        let vcl = PrinterAddress::parse("Office", Some(2)).unwrap().transport;
        assert_eq!(vcl.printer_type(), 2);
    }

    #[test]
    fn bad_addresses_are_errors_not_panics() {
        for input in [
            "",
            "lpt:1",
            "tcp://",
            "tcp://h:notaport",
            "tcp://h?paper=57",
            "tcp://h?density=9",
            "tcp://h?cut=half",
            "tcp://h?colour=red",
            "serial:/dev/x@fast",
            "Microsoft XPS",
            "gopher://x",
            "tcp://[::1",
        ] {
            assert!(PrinterAddress::parse(input, None).is_err(), "{input:?}");
        }
    }
}
