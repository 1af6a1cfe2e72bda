//! Conversions that belong to the wire types themselves.
//!
//! Money on the wire is `{bills, coins}` (tenge and tiyn); these helpers convert it to
//! and from a count of tiyn without floats. Date-times on the wire are calendar fields
//! without a time zone; these helpers turn them into seconds since 1970-01-01 of the
//! same calendar (so differences are exact) and back. Domain rules live in `kkm-core`.

use crate::cpcr::{Date, DateTime, Money, Time};

/// Tiyn in one tenge.
pub const TIYN_PER_TENGE: u64 = 100;

impl Money {
    /// Money of `tiyn` (1 tenge = 100 tiyn).
    ///
    /// ```
    /// let m = kkm_proto::cpcr::Money::from_tiyn(175_050);
    /// assert_eq!((m.bills, m.coins), (1750, 50));
    /// ```
    pub fn from_tiyn(tiyn: u64) -> Self {
        Money {
            bills: tiyn / TIYN_PER_TENGE,
            coins: (tiyn % TIYN_PER_TENGE) as u32,
        }
    }

    /// The amount in tiyn, or `None` when the wire value is invalid (`coins` > 99) or
    /// does not fit in a `u64`.
    pub fn to_tiyn(&self) -> Option<u64> {
        if self.coins >= TIYN_PER_TENGE as u32 {
            return None;
        }
        self.bills
            .checked_mul(TIYN_PER_TENGE)?
            .checked_add(u64::from(self.coins))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a count of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl DateTime {
    /// The date-time `secs` seconds after 1970-01-01 00:00:00 (of the same calendar).
    ///
    /// ```
    /// let dt = kkm_proto::cpcr::DateTime::from_unix_seconds(1_700_000_000);
    /// assert_eq!(dt.to_unix_seconds(), Some(1_700_000_000));
    /// ```
    pub fn from_unix_seconds(secs: i64) -> Self {
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let rem = secs.rem_euclid(86_400) as u32;
        DateTime {
            date: Date {
                year: year.clamp(0, i64::from(u32::MAX)) as u32,
                month,
                day,
            },
            time: Time {
                hour: rem / 3600,
                minute: rem % 3600 / 60,
                second: Some(rem % 60),
            },
        }
    }

    /// Seconds since 1970-01-01 00:00:00, or `None` if a field is out of range
    /// (month 1..12, day 1..31, hour 0..23, minute and second 0..59).
    pub fn to_unix_seconds(&self) -> Option<i64> {
        let (d, t) = (&self.date, &self.time);
        let second = t.second.unwrap_or(0);
        let valid = (1..=12).contains(&d.month)
            && (1..=31).contains(&d.day)
            && t.hour < 24
            && t.minute < 60
            && second < 60;
        if !valid {
            return None;
        }
        let days = days_from_civil(i64::from(d.year), d.month, d.day);
        Some(days * 86_400 + i64::from(t.hour * 3600 + t.minute * 60 + second))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_roundtrips_and_rejects_bad_coins() {
        for tiyn in [0, 1, 99, 100, 175_050, u64::MAX / 100 * 100] {
            assert_eq!(Money::from_tiyn(tiyn).to_tiyn(), Some(tiyn));
        }
        assert_eq!(
            Money {
                bills: 1,
                coins: 100
            }
            .to_tiyn(),
            None
        );
        assert_eq!(
            Money {
                bills: u64::MAX,
                coins: 0
            }
            .to_tiyn(),
            None
        );
    }

    #[test]
    fn known_dates() {
        let dt = DateTime::from_unix_seconds(0);
        assert_eq!((dt.date.year, dt.date.month, dt.date.day), (1970, 1, 1));
        // 2026-11-23 05:39:55 UTC
        let dt = DateTime::from_unix_seconds(1_795_412_395);
        assert_eq!((dt.date.year, dt.date.month, dt.date.day), (2026, 11, 23));
        assert_eq!(
            (dt.time.hour, dt.time.minute, dt.time.second),
            (5, 39, Some(55))
        );
        // Leap day.
        let leap = DateTime::from_unix_seconds(951_782_400);
        assert_eq!(
            (leap.date.year, leap.date.month, leap.date.day),
            (2000, 2, 29)
        );
    }

    #[test]
    fn out_of_range_fields_are_none() {
        let mut dt = DateTime::from_unix_seconds(0);
        dt.date.month = 13;
        assert_eq!(dt.to_unix_seconds(), None);
    }
}
