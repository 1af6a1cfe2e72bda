//! How figures read on the console's pages: money as `12 345,67 ₸`, device times as
//! `2024-12-23 14:05`, durations as `3 ч 05 мин` / `3 сағ 05 мин`.

use kkm_core::{Money, Timestamp};

use super::i18n::{Lang, M};

/// Money with thousands separated by a narrow space and a decimal comma.
///
/// ```
/// use kkm_core::Money;
/// use kkm_daemon::console::format::money;
/// assert_eq!(money(Money::from_tiyn(1_234_567)), "12\u{202f}345,67");
/// assert_eq!(money(Money::from_tiyn(-5)), "−0,05");
/// ```
pub fn money(m: Money) -> String {
    let tiyn = m.tiyn();
    let sign = if tiyn < 0 { "−" } else { "" };
    let abs = tiyn.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped},{:02}", abs % 100)
}

/// Money in the form's own notation (`1234.50`), for an input's value.
pub fn money_input(m: Money) -> String {
    m.to_string()
}

/// A device time to the minute: `2024-12-23 14:05`.
pub fn datetime(t: Timestamp) -> String {
    let text = t.to_string();
    text.get(..16).unwrap_or(&text).to_owned()
}

/// A device date: `2024-12-23` (what a date input holds).
pub fn date(t: Timestamp) -> String {
    let text = t.to_string();
    text.get(..10).unwrap_or(&text).to_owned()
}

/// A duration in hours and minutes (negative: "over by").
pub fn duration(lang: Lang, secs: i64) -> String {
    let minutes = secs.unsigned_abs() / 60;
    let text = if minutes >= 60 {
        format!(
            "{} {} {:02} {}",
            minutes / 60,
            lang.t(M::UnitHours),
            minutes % 60,
            lang.t(M::UnitMinutes)
        )
    } else {
        format!("{minutes} {}", lang.t(M::UnitMinutes))
    };
    if secs < 0 {
        lang.tf(M::OverBy, &[&text])
    } else {
        text
    }
}

/// Parses a date input (`yyyy-MM-dd`) as the device time of that day's midnight.
pub fn parse_date(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if text.len() != 10 {
        return None;
    }
    let at: kkm_register::api::ApiDateTime = text.parse().ok()?;
    Some(at.to_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(Money::ZERO), "0,00");
        assert_eq!(money(Money::from_tiyn(100_000)), "1\u{202f}000,00");
        assert_eq!(money(Money::from_tiyn(99_999)), "999,99");
    }

    #[test]
    fn dates_round_trip() {
        let t = parse_date("2024-12-23").unwrap();
        assert_eq!(date(t), "2024-12-23");
        assert_eq!(datetime(t.plus_secs(3600 + 300)), "2024-12-23 01:05");
        assert_eq!(parse_date("23.12.2024"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn durations_read_in_both_languages() {
        assert_eq!(duration(Lang::Ru, 3 * 3600 + 5 * 60), "3 ч 05 мин");
        assert_eq!(duration(Lang::Kk, 45 * 60), "45 мин");
        assert!(duration(Lang::Ru, -120).contains("2 мин"));
    }
}
