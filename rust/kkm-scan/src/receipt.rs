//! The receipt QR: the OFD check URL printed on every receipt,
//! `<ofd consumer url>/?i=<fiscal id>&f=<rnm>&s=<sum with comma>&t=<yyyyMMddTHHmmss>`.
//! Scanning it starts a return by fiscal sign.

use std::fmt;

use thiserror::Error;

/// Why a scanned text is not a usable receipt QR.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum ReceiptQrError {
    /// Not an `http(s)://…?…` URL.
    #[error("not a receipt check URL")]
    NotAUrl,
    /// A required parameter is absent.
    #[error("receipt QR lacks parameter `{0}`")]
    Missing(&'static str),
    /// A parameter appears twice.
    #[error("receipt QR repeats parameter `{0}`")]
    Duplicate(&'static str),
    /// `i` or `f` is not a number.
    #[error("receipt QR parameter `{param}` must be digits, got {value:?}")]
    NotDigits {
        /// `i` or `f`.
        param: &'static str,
        /// The value as read.
        value: String,
    },
    /// `s` is not a non-negative amount with at most two decimals.
    #[error("receipt QR sum {0:?} is not an amount in tenge with at most 2 decimals")]
    BadSum(String),
    /// `t` is not a valid `yyyyMMddTHHmmss`.
    #[error("receipt QR time {0:?} is not a valid yyyyMMddTHHmmss")]
    BadTime(String),
    /// Bad `%` escape.
    #[error("receipt QR has a malformed %-escape")]
    BadEscape,
}

/// Local date and time of a receipt as printed (no time zone: the register's local time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReceiptTime {
    /// Year, e.g. 2025.
    pub year: u16,
    /// Month 1–12.
    pub month: u8,
    /// Day 1–31.
    pub day: u8,
    /// Hour 0–23.
    pub hour: u8,
    /// Minute 0–59.
    pub minute: u8,
    /// Second 0–59.
    pub second: u8,
}

impl fmt::Display for ReceiptTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}{:02}{:02}T{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

impl ReceiptTime {
    /// Parses `yyyyMMddTHHmmss`, checking the calendar (leap years included).
    pub fn parse(s: &str) -> Option<ReceiptTime> {
        let b = s.as_bytes();
        if b.len() != 15 || b[8] != b'T' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = &b[r];
            if !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some(
                part.iter()
                    .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')),
            )
        };
        let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
        let (hour, minute, second) = (num(9..11)?, num(11..13)?, num(13..15)?);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        if year < 2000 || day == 0 || day > days || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        Some(ReceiptTime {
            year: year as u16,
            month: month as u8,
            day: day as u8,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
        })
    }
}

/// A parsed receipt QR code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptQr {
    /// The OFD check site (scheme, host and path, without the query).
    pub ofd_url: String,
    /// `i`: fiscal sign (фискальный признак) of the receipt.
    pub fiscal_id: String,
    /// `f`: РНМ — registration number of the KKM.
    pub rnm: String,
    /// `s`: total in tiyn (1 tenge = 100 tiyn).
    pub total_tiyn: i64,
    /// `t`: date and time of the receipt.
    pub time: ReceiptTime,
}

fn percent_decode(s: &str) -> Result<String, ReceiptQrError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = b.get(i + 1..i + 3).ok_or(ReceiptQrError::BadEscape)?;
                let v = std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or(ReceiptQrError::BadEscape)?;
                out.push(v);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| ReceiptQrError::BadEscape)
}

/// Parses an amount in tenge (`1750,00`, `1750.5`, `1750`) into tiyn, exactly.
pub fn parse_tenge(s: &str) -> Option<i64> {
    let (int, frac) = match s.find([',', '.']) {
        Some(p) => (&s[..p], &s[p + 1..]),
        None => (s, ""),
    };
    if int.is_empty()
        || int.len() > 15
        || frac.len() > 2
        || !int.bytes().all(|c| c.is_ascii_digit())
        || !frac.bytes().all(|c| c.is_ascii_digit())
        || (s.len() > int.len() && frac.is_empty())
    {
        return None;
    }
    let whole: i64 = int.parse().ok()?;
    let cents: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(cents)
}

impl ReceiptQr {
    /// Parses the text of a receipt QR.
    ///
    /// ```
    /// use kkm_scan::ReceiptQr;
    /// let q = ReceiptQr::parse("https://consumer.oofd.kz/?i=2913857236&f=600400123456&s=1750,00&t=20250314T153012").unwrap();
    /// assert_eq!(q.total_tiyn, 175_000);
    /// assert_eq!(q.rnm, "600400123456");
    /// assert_eq!(q.time.to_string(), "20250314T153012");
    /// ```
    pub fn parse(text: &str) -> Result<ReceiptQr, ReceiptQrError> {
        let text = text.trim();
        let lower = text
            .get(..8)
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            return Err(ReceiptQrError::NotAUrl);
        }
        let (base, query) = text.split_once('?').ok_or(ReceiptQrError::NotAUrl)?;
        let query = query.split('#').next().unwrap_or("");
        let (mut i, mut f, mut s, mut t) = (None, None, None, None);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = percent_decode(v)?;
            let (slot, name) = match k {
                "i" => (&mut i, "i"),
                "f" => (&mut f, "f"),
                "s" => (&mut s, "s"),
                "t" => (&mut t, "t"),
                _ => continue,
            };
            if slot.is_some() {
                return Err(ReceiptQrError::Duplicate(name));
            }
            *slot = Some(v);
        }
        let digits = |v: Option<String>, p: &'static str| -> Result<String, ReceiptQrError> {
            let v = v.ok_or(ReceiptQrError::Missing(p))?;
            if v.is_empty() || v.len() > 32 || !v.bytes().all(|c| c.is_ascii_digit()) {
                return Err(ReceiptQrError::NotDigits { param: p, value: v });
            }
            Ok(v)
        };
        let fiscal_id = digits(i, "i")?;
        let rnm = digits(f, "f")?;
        let s = s.ok_or(ReceiptQrError::Missing("s"))?;
        let total_tiyn = parse_tenge(&s).ok_or(ReceiptQrError::BadSum(s))?;
        let t = t.ok_or(ReceiptQrError::Missing("t"))?;
        let time = ReceiptTime::parse(&t).ok_or(ReceiptQrError::BadTime(t))?;
        Ok(ReceiptQr {
            ofd_url: base.trim_end_matches('/').to_string(),
            fiscal_id,
            rnm,
            total_tiyn,
            time,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str =
        "https://consumer.oofd.kz/?i=2913857236&f=600400123456&s=1750,00&t=20250314T153012";

    #[test]
    fn parses_the_seed_form() {
        let q = ReceiptQr::parse(URL).unwrap();
        assert_eq!(q.ofd_url, "https://consumer.oofd.kz");
        assert_eq!(q.fiscal_id, "2913857236");
        assert_eq!(
            q.time,
            ReceiptTime {
                year: 2025,
                month: 3,
                day: 14,
                hour: 15,
                minute: 30,
                second: 12
            }
        );
    }

    #[test]
    fn sums_are_exact() {
        assert_eq!(parse_tenge("1750,00"), Some(175_000));
        assert_eq!(parse_tenge("0,01"), Some(1));
        assert_eq!(parse_tenge("12.5"), Some(1250));
        assert_eq!(parse_tenge("7"), Some(700));
        assert_eq!(parse_tenge("1,005"), None);
        assert_eq!(parse_tenge("-1,00"), None);
        assert_eq!(parse_tenge("1,"), None);
        assert_eq!(parse_tenge(",50"), None);
        assert_eq!(parse_tenge("1e3"), None);
        assert_eq!(parse_tenge("999999999999999999"), None);
        let q = ReceiptQr::parse(&URL.replace("1750,00", "1750%2C5")).unwrap();
        assert_eq!(q.total_tiyn, 175_050);
    }

    #[test]
    fn errors() {
        assert_eq!(
            ReceiptQr::parse("0104870204390513"),
            Err(ReceiptQrError::NotAUrl)
        );
        assert_eq!(
            ReceiptQr::parse("https://consumer.oofd.kz/?i=1&f=2&s=3"),
            Err(ReceiptQrError::Missing("t"))
        );
        assert_eq!(
            ReceiptQr::parse(&URL.replace("s=1750,00", "s=abc")),
            Err(ReceiptQrError::BadSum("abc".into()))
        );
        assert!(matches!(
            ReceiptQr::parse(&URL.replace("20250314", "20250230")),
            Err(ReceiptQrError::BadTime(_))
        ));
        assert!(ReceiptQr::parse(&URL.replace("20250314", "20240229")).is_ok());
        assert!(matches!(
            ReceiptQr::parse(&URL.replace("i=2913857236", "i=29x")),
            Err(ReceiptQrError::NotDigits { param: "i", .. })
        ));
        assert_eq!(
            ReceiptQr::parse(&format!("{URL}&i=5")),
            Err(ReceiptQrError::Duplicate("i"))
        );
        assert_eq!(
            ReceiptQr::parse(&URL.replace("1750,00", "17%G0")),
            Err(ReceiptQrError::BadEscape)
        );
    }
}
