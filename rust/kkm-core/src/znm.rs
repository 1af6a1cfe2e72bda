//! ЗНМ — the factory number (`vendor_id`, `serial_number`) of a KKM, in CashCore's form:
//! the OFD's prefix, `1`, then the 12 digits of the milliseconds from 2021-01-01 00:00
//! (device calendar) to the moment it was issued. The number thus carries its own
//! manufacture date (the seed's GetVendorId example: `ISCR1036260746997` was issued at
//! `2022-02-24T16:25:46.997`).
//!
//! ```
//! use kkm_core::znm;
//! let number = znm::factory_number("ISCR", 36_260_746_997 + znm::EPOCH_MILLIS).unwrap();
//! assert_eq!(number, "ISCR1036260746997");
//! assert_eq!(znm::issued_at_millis(&number), Some(36_260_746_997 + znm::EPOCH_MILLIS));
//! assert_eq!(znm::issued_at_millis("ISCR0000000000001"), None);
//! ```

/// 2021-01-01 00:00:00 of the device calendar, in milliseconds since 1970.
pub const EPOCH_MILLIS: i64 = 1_609_459_200_000;

/// Digits after the prefix: `1` and 12 digits of milliseconds.
const SUFFIX_LEN: usize = 13;

/// The factory number with `prefix` issued at `millis` (device calendar milliseconds
/// since 1970), or `None` before 2021 or after the 12 digits run out (year 2052).
pub fn factory_number(prefix: &str, millis: i64) -> Option<String> {
    let since = millis.checked_sub(EPOCH_MILLIS)?;
    (0..1_000_000_000_000)
        .contains(&since)
        .then(|| format!("{prefix}1{since:012}"))
}

/// When a factory number of CashCore's form was issued (device calendar milliseconds
/// since 1970), or `None` if it is not of that form.
pub fn issued_at_millis(number: &str) -> Option<i64> {
    let number = number.trim();
    let split = number.len().checked_sub(SUFFIX_LEN)?;
    let (prefix, suffix) = (number.get(..split)?, number.get(split..)?);
    if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let digits = suffix.strip_prefix('1')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<i64>().ok()?.checked_add(EPOCH_MILLIS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_numbers_carry_their_dates() {
        // The seed's KKM: ISCR1018036404743.
        let at = issued_at_millis("ISCR1018036404743").unwrap();
        assert_eq!(at - EPOCH_MILLIS, 18_036_404_743);
        assert_eq!(
            factory_number("ISCR", at).as_deref(),
            Some("ISCR1018036404743")
        );
        assert_eq!(factory_number("ISCR", EPOCH_MILLIS - 1), None);
        assert_eq!(
            issued_at_millis("KTCD1117737127791").map(|m| m > 0),
            Some(true)
        );
        assert_eq!(issued_at_millis("1018036404743"), None);
        assert_eq!(issued_at_millis("ISCR2018036404743"), None);
        assert_eq!(issued_at_millis("ISCR1O18036404743"), None);
    }
}
