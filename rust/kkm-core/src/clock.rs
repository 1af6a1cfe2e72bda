//! Time, injected: the core never reads the system clock.
//!
//! A [`Timestamp`] is the register's local wall-clock time (Astana / the shop's zone,
//! exactly what is printed and sent on the CPCR wire, which has no time zone) counted
//! in seconds from 1970-01-01 00:00:00 of that same calendar. The register passes a
//! [`Clock`]; tests pass a [`ManualClock`].

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};

use serde::{Deserialize, Serialize};

/// Local wall-clock seconds since 1970-01-01 00:00:00 (of the local calendar).
///
/// ```
/// use kkm_core::Timestamp;
/// let t = Timestamp::from_secs(1_736_861_875);
/// assert_eq!(t.to_string(), "2025-01-14 13:37:55");
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `secs` seconds after 1970-01-01 00:00:00.
    pub const fn from_secs(secs: i64) -> Timestamp {
        Timestamp(secs)
    }

    /// Seconds since 1970-01-01 00:00:00.
    pub const fn secs(self) -> i64 {
        self.0
    }

    /// The instant `secs` later (saturating).
    pub const fn plus_secs(self, secs: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(secs))
    }

    /// Seconds from `earlier` to `self` (negative if `earlier` is later).
    pub const fn secs_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// The CPCR calendar date-time.
    pub fn to_cpcr(self) -> kkm_proto::cpcr::DateTime {
        kkm_proto::cpcr::DateTime::from_unix_seconds(self.0)
    }

    /// From a CPCR calendar date-time, or `None` if a field is out of range.
    pub fn from_cpcr(date_time: &kkm_proto::cpcr::DateTime) -> Option<Timestamp> {
        date_time.to_unix_seconds().map(Timestamp)
    }
}

impl fmt::Display for Timestamp {
    /// `YYYY-MM-DD HH:MM:SS`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dt = self.to_cpcr();
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            dt.date.year,
            dt.date.month,
            dt.date.day,
            dt.time.hour,
            dt.time.minute,
            dt.time.second.unwrap_or(0)
        )
    }
}

/// Where the core gets "now" from. Implementations must be cheap; the core calls
/// [`Clock::now`] once per operation.
pub trait Clock {
    /// The current local wall-clock time.
    fn now(&self) -> Timestamp;
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

/// A clock that shows what it is told: for tests and for replaying a journal.
///
/// ```
/// use kkm_core::{Clock, ManualClock, Timestamp};
/// let clock = ManualClock::new(Timestamp::from_secs(0));
/// clock.advance(3600);
/// assert_eq!(clock.now(), Timestamp::from_secs(3600));
/// ```
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock stopped at `at`.
    pub fn new(at: Timestamp) -> ManualClock {
        ManualClock(AtomicI64::new(at.secs()))
    }

    /// Moves the clock to `at` (backwards too).
    pub fn set(&self, at: Timestamp) {
        self.0.store(at.secs(), Ordering::SeqCst);
    }

    /// Moves the clock `secs` forward (negative: backward).
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}
