//! BLE GATT transport for mobile thermal printers, via btleplug.
//!
//! The part that decides *how* bytes go on air — chunking to the ATT MTU, write without
//! response paced to the printer's speed, a write with response every few chunks as a flow
//! barrier, and a completion wait — is [`write_paced`] over the small [`GattLink`] trait.
//! btleplug implements `GattLink` for a real printer; tests implement it with a fake
//! peripheral, so the pacing is tested without hardware.
//!
//! btleplug is async; [`BleTransport`] owns a one-worker tokio runtime and runs each job on
//! a short-lived thread that blocks on it, so it may be called from any thread (including
//! a tokio blocking task) without nesting runtimes, and a panic inside the Bluetooth stack
//! becomes an error value.

use std::future::Future;
use std::time::{Duration, Instant};

use btleplug::api::{
    Central, CharPropFlags, Characteristic, Manager as _, Peripheral as _, ScanFilter, WriteType,
};
use btleplug::platform::{Adapter, Manager, Peripheral};
use uuid::Uuid;

use super::RetryPolicy;
use kkm_print::PrintError;
use kkm_print::PrinterTransport;

/// The smallest ATT MTU (BLE 4.0): 20 bytes of payload per write.
pub const DEFAULT_ATT_MTU: usize = 23;
/// ATT header bytes of a write (opcode + handle).
pub const ATT_WRITE_HEADER: usize = 3;

/// GATT write mode of one chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Write request: the peripheral acknowledges (slow, a flow barrier).
    WithResponse,
    /// Write command: no acknowledgement (fast; must be paced).
    WithoutResponse,
}

/// The minimal view of a connected GATT characteristic that [`write_paced`] needs.
pub trait GattLink {
    /// Negotiated ATT MTU in bytes (0 or less than 23 when unknown → 23 is assumed).
    fn mtu(&self) -> usize;
    /// Whether the characteristic accepts write without response.
    fn can_write_without_response(&self) -> bool;
    /// Whether the characteristic accepts write with response.
    fn can_write_with_response(&self) -> bool;
    /// Writes one chunk.
    fn write(&mut self, chunk: &[u8], mode: WriteMode) -> Result<(), String>;
    /// Waits (real links sleep; fakes record).
    fn pause(&mut self, duration: Duration);
}

/// How a job is paced over BLE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlePacing {
    /// Cap on bytes per write even when the MTU allows more (some printers drop long writes).
    pub max_chunk: usize,
    /// Sustained rate the printer can absorb; each chunk is followed by `len / rate`.
    pub bytes_per_second: u32,
    /// Lower bound of the pause after a chunk.
    pub min_interval: Duration,
    /// Every N-th chunk is written with response (if supported) so the OS queue cannot
    /// overrun; 0 = never (except the last chunk).
    pub ack_every: u32,
    /// Wait after the last chunk so the printer finishes before a disconnect.
    pub completion_wait: Duration,
}

impl Default for BlePacing {
    fn default() -> Self {
        BlePacing {
            max_chunk: 180,
            bytes_per_second: 12_000,
            min_interval: Duration::from_millis(5),
            ack_every: 20,
            completion_wait: Duration::from_millis(500),
        }
    }
}

/// What [`write_paced`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PacingReport {
    /// Chunks written.
    pub chunks: usize,
    /// Bytes written.
    pub bytes: usize,
    /// Chunks written with response.
    pub acknowledged: usize,
    /// Total pause between chunks.
    pub paused: Duration,
    /// The completion wait after the last chunk.
    pub completion_wait: Duration,
}

/// Bytes per write for an ATT MTU: `mtu - 3`, capped by `max_chunk`, at least 1.
pub fn chunk_size(mtu: usize, pacing: &BlePacing) -> usize {
    let mtu = if mtu < DEFAULT_ATT_MTU {
        DEFAULT_ATT_MTU
    } else {
        mtu
    };
    (mtu - ATT_WRITE_HEADER).min(pacing.max_chunk).max(1)
}

fn pause_after(len: usize, pacing: &BlePacing) -> Duration {
    let rate = u64::from(pacing.bytes_per_second.max(1));
    let nanos = (len as u64).saturating_mul(1_000_000_000) / rate;
    Duration::from_nanos(nanos).max(pacing.min_interval)
}

/// Writes `data` to the link in MTU-sized chunks, paced; see [`BlePacing`].
///
/// Writes without response when the characteristic allows it, with response every
/// `ack_every` chunks and for the last chunk (the acknowledgement of the last write means the
/// printer holds the whole job), then waits `completion_wait`. A failed write stops the
/// job with [`PrintError::Interrupted`]; nothing is resent.
pub fn write_paced<L: GattLink + ?Sized>(
    link: &mut L,
    data: &[u8],
    pacing: &BlePacing,
) -> Result<PacingReport, PrintError> {
    let without = link.can_write_without_response();
    let with = link.can_write_with_response();
    if !without && !with {
        return Err(PrintError::NoWritableCharacteristic(
            "characteristic".to_string(),
        ));
    }
    let mut report = PacingReport::default();
    if data.is_empty() {
        return Ok(report);
    }
    let size = chunk_size(link.mtu(), pacing);
    let count = data.len().div_ceil(size);
    for (i, chunk) in data.chunks(size).enumerate() {
        let last = i + 1 == count;
        let barrier = pacing.ack_every > 0 && (i + 1) % pacing.ack_every as usize == 0;
        let mode = if !without || (with && (last || barrier)) {
            WriteMode::WithResponse
        } else {
            WriteMode::WithoutResponse
        };
        link.write(chunk, mode)
            .map_err(|reason| PrintError::Interrupted {
                sent: report.bytes,
                total: data.len(),
                reason,
            })?;
        report.chunks += 1;
        report.bytes += chunk.len();
        if mode == WriteMode::WithResponse {
            report.acknowledged += 1;
        }
        if !last {
            let p = pause_after(chunk.len(), pacing);
            link.pause(p);
            report.paused += p;
        }
    }
    link.pause(pacing.completion_wait);
    report.completion_wait = pacing.completion_wait;
    Ok(report)
}

/// A characteristic as seen during discovery (input of [`choose_write_characteristic`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GattCharacteristicInfo {
    /// Service UUID.
    pub service: Uuid,
    /// Characteristic UUID.
    pub characteristic: Uuid,
    /// Supports write with response.
    pub write: bool,
    /// Supports write without response.
    pub write_without_response: bool,
}

const fn sig(short: u16) -> Uuid {
    Uuid::from_u128(((short as u128) << 96) | 0x0000_0000_0000_1000_8000_0080_5f9b_34fb)
}

/// (service, characteristic) pairs that common ESC/POS BLE thermal printers use for print
/// data, in order of preference.
pub const KNOWN_PRINTER_CHARACTERISTICS: [(Uuid, Uuid); 5] = [
    // Most Chinese 58 mm printers (PT-210, MTP-II, GOOJPRT, Xprinter BLE).
    (sig(0x18F0), sig(0x2AF1)),
    // ISSC / Microchip transparent UART (Rongta, Zjiang, many dual-mode printers).
    (
        uuid::uuid!("49535343-fe7d-4ae5-8fa9-9fafd205e455"),
        uuid::uuid!("49535343-8841-43f4-a8d4-ecbe34729bb3"),
    ),
    // Vendor service of several printers (e.g. Xprinter, Sunmi clones).
    (
        uuid::uuid!("e7810a71-73ae-499d-8c15-faa9aef0c3f2"),
        uuid::uuid!("bef8d6c9-9c21-4c9e-b632-bd58c1009f9f"),
    ),
    // 0xFF00 / 0xFF02 serial service.
    (sig(0xFF00), sig(0xFF02)),
    // HM-10 style UART (0xFFE0 / 0xFFE1).
    (sig(0xFFE0), sig(0xFFE1)),
];

/// Standard services that never carry print data.
const STANDARD_SERVICES: [u16; 4] = [0x1800, 0x1801, 0x180A, 0x180F];

/// Picks the characteristic to send print data to: a known printer characteristic first,
/// else the first writable one (write without response preferred) outside the standard
/// GAP/GATT/device-information/battery services. Returns its index.
pub fn choose_write_characteristic(chars: &[GattCharacteristicInfo]) -> Option<usize> {
    let writable = |c: &GattCharacteristicInfo| c.write || c.write_without_response;
    for (service, characteristic) in KNOWN_PRINTER_CHARACTERISTICS {
        if let Some(i) = chars
            .iter()
            .position(|c| c.service == service && c.characteristic == characteristic && writable(c))
        {
            return Some(i);
        }
    }
    let candidate =
        |c: &GattCharacteristicInfo| !STANDARD_SERVICES.iter().any(|s| c.service == sig(*s));
    chars
        .iter()
        .position(|c| candidate(c) && c.write_without_response)
        .or_else(|| chars.iter().position(|c| candidate(c) && c.write))
}

/// Whether an advertised device looks like a receipt printer (by service or name).
pub fn looks_like_printer(name: Option<&str>, services: &[Uuid]) -> bool {
    if services
        .iter()
        .any(|s| KNOWN_PRINTER_CHARACTERISTICS.iter().any(|(k, _)| k == s))
    {
        return true;
    }
    let Some(name) = name else { return false };
    let name = name.to_lowercase();
    [
        "print", "pt-", "mtp", "rpp", "xp-", "pos", "thermal", "goojprt", "zj-", "mpt", "inner",
    ]
    .iter()
    .any(|k| name.contains(k))
}

/// Timeouts, retries and pacing of the BLE transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BleConfig {
    /// How long to scan for the printer's address.
    pub scan_timeout: Duration,
    /// Timeout of connecting and of service discovery.
    pub connect_timeout: Duration,
    /// Timeout of one GATT write.
    pub write_timeout: Duration,
    /// Connection attempts per job.
    pub retry: RetryPolicy,
    /// Chunking and pacing.
    pub pacing: BlePacing,
}

impl Default for BleConfig {
    fn default() -> Self {
        BleConfig {
            scan_timeout: Duration::from_secs(8),
            connect_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(5),
            retry: RetryPolicy {
                attempts: 2,
                backoff: Duration::from_millis(500),
            },
            pacing: BlePacing::default(),
        }
    }
}

/// A device seen during a BLE scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlePrinterInfo {
    /// Address (`AA:BB:CC:DD:EE:FF`) or platform id: what `ble:` takes.
    pub address: String,
    /// Advertised name.
    pub name: Option<String>,
    /// Signal strength, dBm.
    pub rssi: Option<i16>,
    /// Whether it looks like a receipt printer.
    pub likely_printer: bool,
}

/// Runs `f` on a fresh thread and waits for it: no runtime nesting whatever thread the
/// caller is on, and a panic inside the Bluetooth stack becomes an error.
fn isolated<T: Send>(f: impl FnOnce() -> Result<T, PrintError> + Send) -> Result<T, PrintError> {
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(r) => r,
        Err(_) => Err(PrintError::Ble("the Bluetooth stack panicked".to_string())),
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, PrintError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("kkm-print-ble")
        .enable_all()
        .build()
        .map_err(|e| PrintError::Ble(format!("cannot start the BLE runtime: {e}")))
}

async fn timed<T, E: std::fmt::Display>(
    what: &str,
    limit: Duration,
    fut: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(format!("{what}: {e}")),
        Err(_) => Err(format!("{what}: timed out after {limit:?}")),
    }
}

async fn first_adapter() -> Result<Adapter, PrintError> {
    let manager = Manager::new()
        .await
        .map_err(|e| PrintError::NoBleAdapter(e.to_string()))?;
    let adapters = manager
        .adapters()
        .await
        .map_err(|e| PrintError::NoBleAdapter(e.to_string()))?;
    adapters
        .into_iter()
        .next()
        .ok_or_else(|| PrintError::NoBleAdapter("no Bluetooth adapter found".to_string()))
}

/// Scans for `scan_time` and lists the devices seen, likely printers first.
/// Without Bluetooth on the machine: `Err(PrintError::NoBleAdapter)`, never a panic.
pub fn scan_printers(scan_time: Duration) -> Result<Vec<BlePrinterInfo>, PrintError> {
    isolated(|| {
        let rt = runtime()?;
        let result = rt.block_on(async {
            let adapter = first_adapter().await?;
            adapter
                .start_scan(ScanFilter::default())
                .await
                .map_err(|e| PrintError::Ble(format!("scan: {e}")))?;
            tokio::time::sleep(scan_time).await;
            let peripherals = adapter
                .peripherals()
                .await
                .map_err(|e| PrintError::Ble(e.to_string()));
            let _ = adapter.stop_scan().await;
            let mut found = Vec::new();
            for p in peripherals? {
                let props = p.properties().await.ok().flatten();
                let name = props.as_ref().and_then(|p| p.local_name.clone());
                let services = props
                    .as_ref()
                    .map(|p| p.services.clone())
                    .unwrap_or_default();
                let address = p.address();
                let address = if address == btleplug::api::BDAddr::default() {
                    p.id().to_string()
                } else {
                    address.to_string()
                };
                found.push(BlePrinterInfo {
                    likely_printer: looks_like_printer(name.as_deref(), &services),
                    address,
                    name,
                    rssi: props.and_then(|p| p.rssi),
                });
            }
            found.sort_by(|a, b| {
                b.likely_printer
                    .cmp(&a.likely_printer)
                    .then(b.rssi.cmp(&a.rssi))
            });
            Ok(found)
        });
        rt.shutdown_background();
        result
    })
}

/// A connected printer: the peripheral and its print-data characteristic.
#[derive(Debug, Clone)]
struct Connection {
    peripheral: Peripheral,
    characteristic: Characteristic,
}

/// The btleplug implementation of [`GattLink`].
struct BtleLink<'a> {
    handle: &'a tokio::runtime::Handle,
    conn: &'a Connection,
    write_timeout: Duration,
}

impl GattLink for BtleLink<'_> {
    fn mtu(&self) -> usize {
        usize::from(self.conn.peripheral.mtu())
    }

    fn can_write_without_response(&self) -> bool {
        self.conn
            .characteristic
            .properties
            .contains(CharPropFlags::WRITE_WITHOUT_RESPONSE)
    }

    fn can_write_with_response(&self) -> bool {
        self.conn
            .characteristic
            .properties
            .contains(CharPropFlags::WRITE)
    }

    fn write(&mut self, chunk: &[u8], mode: WriteMode) -> Result<(), String> {
        let kind = match mode {
            WriteMode::WithResponse => WriteType::WithResponse,
            WriteMode::WithoutResponse => WriteType::WithoutResponse,
        };
        self.handle.block_on(timed(
            "GATT write",
            self.write_timeout,
            self.conn
                .peripheral
                .write(&self.conn.characteristic, chunk, kind),
        ))
    }

    fn pause(&mut self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

async fn find_and_connect(
    adapter: &Adapter,
    target: &str,
    cfg: &BleConfig,
) -> Result<Connection, String> {
    timed(
        "scan",
        cfg.connect_timeout,
        adapter.start_scan(ScanFilter::default()),
    )
    .await?;
    let deadline = Instant::now() + cfg.scan_timeout;
    let peripheral = loop {
        let peripherals = adapter.peripherals().await.map_err(|e| e.to_string())?;
        if let Some(p) = peripherals.into_iter().find(|p| {
            p.address().to_string().eq_ignore_ascii_case(target)
                || p.id().to_string().eq_ignore_ascii_case(target)
        }) {
            break p;
        }
        if Instant::now() >= deadline {
            let _ = adapter.stop_scan().await;
            return Err(format!("not seen during a {:?} scan", cfg.scan_timeout));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let _ = adapter.stop_scan().await;
    if !peripheral.is_connected().await.unwrap_or(false) {
        timed("connect", cfg.connect_timeout, peripheral.connect()).await?;
    }
    timed(
        "service discovery",
        cfg.connect_timeout,
        peripheral.discover_services(),
    )
    .await?;
    let chars: Vec<Characteristic> = peripheral.characteristics().into_iter().collect();
    let infos: Vec<GattCharacteristicInfo> = chars
        .iter()
        .map(|c| GattCharacteristicInfo {
            service: c.service_uuid,
            characteristic: c.uuid,
            write: c.properties.contains(CharPropFlags::WRITE),
            write_without_response: c.properties.contains(CharPropFlags::WRITE_WITHOUT_RESPONSE),
        })
        .collect();
    match choose_write_characteristic(&infos).and_then(|i| chars.get(i)) {
        Some(c) => Ok(Connection {
            characteristic: c.clone(),
            peripheral,
        }),
        None => {
            let _ = peripheral.disconnect().await;
            Err("no writable characteristic".to_string())
        }
    }
}

/// Prints to a BLE printer by address; connects on the first job and reconnects when the
/// printer went away.
pub struct BleTransport {
    target: String,
    /// Timeouts, retries and pacing.
    pub config: BleConfig,
    rt: Option<tokio::runtime::Runtime>,
    conn: Option<Connection>,
}

impl std::fmt::Debug for BleTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BleTransport")
            .field("target", &self.target)
            .field("config", &self.config)
            .field("connected", &self.conn.is_some())
            .finish()
    }
}

impl BleTransport {
    /// A transport to the printer with this address (`AA:BB:CC:DD:EE:FF`, or the platform
    /// id that [`scan_printers`] lists). Nothing is opened until the first job.
    pub fn new(address: &str, config: BleConfig) -> Result<Self, PrintError> {
        let target = address.trim();
        if target.is_empty() {
            return Err(PrintError::Address("empty BLE address".to_string()));
        }
        Ok(BleTransport {
            target: target.to_string(),
            config,
            rt: None,
            conn: None,
        })
    }

    /// Disconnects from the printer (best effort).
    pub fn disconnect(&mut self) {
        if let (Some(rt), Some(conn)) = (&self.rt, self.conn.take()) {
            let handle = rt.handle().clone();
            let _ = isolated(|| {
                let _ = handle.block_on(timed(
                    "disconnect",
                    Duration::from_secs(2),
                    conn.peripheral.disconnect(),
                ));
                Ok(())
            });
        }
    }
}

impl PrinterTransport for BleTransport {
    fn describe(&self) -> String {
        format!("ble://{}", self.target)
    }

    fn send(&mut self, job: &[u8]) -> Result<(), PrintError> {
        if self.rt.is_none() {
            self.rt = Some(isolated(runtime)?);
        }
        let handle = match &self.rt {
            Some(rt) => rt.handle().clone(),
            None => return Err(PrintError::Ble("no runtime".to_string())),
        };
        let cfg = self.config;
        let target = self.target.clone();
        let described = self.describe();
        let previous = self.conn.take();
        let (conn, result) = isolated(|| {
            let alive = previous.as_ref().is_some_and(|c| {
                handle
                    .block_on(timed(
                        "state",
                        cfg.connect_timeout,
                        c.peripheral.is_connected(),
                    ))
                    .unwrap_or(false)
            });
            let conn = match previous {
                Some(c) if alive => c,
                _ => {
                    let adapter = handle.block_on(first_adapter())?;
                    cfg.retry.run(&described, || {
                        handle.block_on(find_and_connect(&adapter, &target, &cfg))
                    })?
                }
            };
            let mut link = BtleLink {
                handle: &handle,
                conn: &conn,
                write_timeout: cfg.write_timeout,
            };
            let result = write_paced(&mut link, job, &cfg.pacing).map(|_| ());
            Ok((conn, result))
        })?;
        self.conn = Some(conn);
        if result.is_err() {
            // A broken link is reopened on the next job.
            self.disconnect();
        }
        result
    }
}

impl Drop for BleTransport {
    fn drop(&mut self) {
        self.disconnect();
        if let Some(rt) = self.rt.take() {
            // Never blocks, so dropping is safe even inside an async context.
            rt.shutdown_background();
        }
    }
}
