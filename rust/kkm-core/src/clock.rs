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

    /// Reads a date-time as the API writes it, `yyyy-MM-ddTHH:mm:ss[.zzz]` (a space for
    /// the `T` too), or as a receipt's QR code writes it, `yyyyMMddTHHmmss`; `None` if
    /// it is neither or a field is out of range. Milliseconds are dropped.
    ///
    /// ```
    /// use kkm_core::Timestamp;
    /// let a = Timestamp::parse("2025-01-17T13:34:37.000").unwrap();
    /// assert_eq!(Timestamp::parse("20250117T133437"), Some(a));
    /// assert_eq!(a.to_string(), "2025-01-17 13:34:37");
    /// assert_eq!(Timestamp::parse("2025-02-30T00:00:00"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Timestamp> {
        let text = text.trim();
        let digits = |s: &str| -> Option<u32> {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        let (date, time) = text.split_once(['T', ' '])?;
        let (y, mo, d, h, mi, se) = if date.len() == 8 && time.len() == 6 {
            (
                digits(&date[..4])?,
                digits(&date[4..6])?,
                digits(&date[6..])?,
                digits(&time[..2])?,
                digits(&time[2..4])?,
                digits(&time[4..])?,
            )
        } else {
            let mut ymd = date.split('-');
            let time = time.split('.').next()?;
            let mut hms = time.split(':');
            let parts = (
                digits(ymd.next()?)?,
                digits(ymd.next()?)?,
                digits(ymd.next()?)?,
                digits(hms.next()?)?,
                digits(hms.next()?)?,
                digits(hms.next().unwrap_or("0"))?,
            );
            if ymd.next().is_some() || hms.next().is_some() {
                return None;
            }
            parts
        };
        let dt = kkm_proto::cpcr::DateTime {
            date: kkm_proto::cpcr::Date {
                year: y,
                month: mo,
                day: d,
            },
            time: kkm_proto::cpcr::Time {
                hour: h,
                minute: mi,
                second: Some(se),
            },
        };
        // Round-trips only if every field was in range.
        let t = Timestamp::from_cpcr(&dt)?;
        (t.to_cpcr() == dt).then_some(t)
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
