//! How a [`crate::Registry`] is set up: where its data lives, where its key comes from,
//! which OFDs it talks to, and its clock.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kkm_core::{Clock, Timestamp};
use kkm_ofd::{Backoff, Endpoint};
use kkm_print::device::PrinterDriver;

use crate::PrintPolicy;

/// An OFD (оператор фискальных данных) the register can register KKMs with
/// (`GetOFDList`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfdConfig {
    /// `uid` — the identifier integrators pass as `ofd_uid` (32 hex digits).
    pub uid: String,
    /// `name` — display name, printed on receipts (`"Казахтелеком"`).
    pub name: String,
    /// Where its CPCR server listens (plain TCP or TLS).
    pub endpoint: Endpoint,
    /// The consumer check site printed on receipts and put in their QR code
    /// (`http://consumer.oofd.kz`).
    pub check_url: String,
}

/// Where the data key (AES-256-GCM of the secrets, HMAC of the PINs) comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// A 0600 key file, created with a random key on first start (desktop).
    File(PathBuf),
    /// A key the platform gives (Android Keystore-unwrapped), 32 bytes.
    Static([u8; 32]),
}

/// The device clock: UTC plus the local offset, as the "device calendar" seconds the
/// core and the journal use (receipts print local time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SystemClock {
    /// Offset of local time from UTC in seconds (Kazakhstan: +5 h since 2024-03-01).
    pub utc_offset_secs: i64,
}

impl SystemClock {
    /// Kazakhstan's single time zone, UTC+5.
    pub const KAZAKHSTAN: SystemClock = SystemClock {
        utc_offset_secs: 5 * 3600,
    };
}

impl SystemClock {
    /// The widest offset a time zone has (UTC−12 to UTC+14; ±18 h as ISO 8601 allows
    /// would only let a typo through).
    pub const MAX_OFFSET_SECS: i64 = 14 * 3600;

    /// A clock `utc_offset_secs` ahead of UTC (a settings screen's time zone), or `None`
    /// outside UTC−12…UTC+14 or not a whole minute.
    pub fn with_offset(utc_offset_secs: i64) -> Option<SystemClock> {
        ((-12 * 3600..=Self::MAX_OFFSET_SECS).contains(&utc_offset_secs)
            && utc_offset_secs % 60 == 0)
            .then_some(SystemClock { utc_offset_secs })
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::KAZAKHSTAN
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let utc = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Timestamp::from_secs(utc.saturating_add(self.utc_offset_secs))
    }
}

/// Everything a [`crate::Registry`] needs to open.
#[derive(Clone)]
pub struct RegistryConfig {
    /// Folder of the journal (`kkm.db`) and, by default, the key file (`data.key`).
    pub data_dir: PathBuf,
    /// The data key's source.
    pub key: KeySource,
    /// The OFDs KKMs can be registered with; the first is the default.
    pub ofds: Vec<OfdConfig>,
    /// The device clock (tests inject a `kkm_core::ManualClock`).
    pub clock: Arc<dyn Clock + Send + Sync>,
    /// How long one fiscal command may wait for the OFD before the document goes
    /// autonomous (the seed: 5 s).
    pub ofd_budget: Duration,
    /// Pauses of the background drain while the OFD does not answer.
    pub backoff: Backoff,
    /// A console session ends after this long without use (default 15 minutes).
    pub session_idle: Duration,
    /// The machine's printers (`kkm-printer`'s `SystemDriver` on desktop): opens the
    /// transports of print jobs and discovers printers. `None`: jobs are kept in the
    /// queue and marked failed with the reason; GetPrinterList lists SaveKKM's printers.
    pub printer_driver: Option<Arc<dyn PrinterDriver>>,
    /// Retries of print jobs.
    pub print_policy: PrintPolicy,
    /// Whether a printer may be a file (`file:///…`): for tests and the demo only. A
    /// served register refuses file printers, so no operator can make the daemon write
    /// receipts into its own key file or journal.
    pub allow_file_printers: bool,
}

impl std::fmt::Debug for RegistryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryConfig")
            .field("data_dir", &self.data_dir)
            .field("ofds", &self.ofds)
            .field("ofd_budget", &self.ofd_budget)
            .field("session_idle", &self.session_idle)
            .field("printer_driver", &self.printer_driver.is_some())
            .field("print_policy", &self.print_policy)
            .field("allow_file_printers", &self.allow_file_printers)
            .finish_non_exhaustive()
    }
}

impl RegistryConfig {
    /// File name of the journal inside `data_dir`.
    pub const DATABASE_FILE: &'static str = "kkm.db";
    /// File name of the default key file inside `data_dir`.
    pub const KEY_FILE: &'static str = "data.key";
    /// How long a console session may stay unused by default.
    pub const DEFAULT_SESSION_IDLE: Duration = Duration::from_secs(15 * 60);

    /// Defaults for `data_dir`: key file `data_dir/data.key`, no OFDs, the system clock
    /// at UTC+5, a 5 s OFD budget, the default backoff, console sessions idle for at
    /// most 15 minutes, no printer driver.
    pub fn new(data_dir: impl Into<PathBuf>) -> RegistryConfig {
        let data_dir = data_dir.into();
        RegistryConfig {
            key: KeySource::File(data_dir.join(Self::KEY_FILE)),
            data_dir,
            ofds: Vec::new(),
            clock: Arc::new(SystemClock::default()),
            ofd_budget: Duration::from_secs(5),
            backoff: Backoff::default(),
            session_idle: Self::DEFAULT_SESSION_IDLE,
            printer_driver: None,
            print_policy: PrintPolicy::default(),
            allow_file_printers: false,
        }
    }

    /// Path of the journal database.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(Self::DATABASE_FILE)
    }
}
