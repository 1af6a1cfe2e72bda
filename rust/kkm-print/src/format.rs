//! Number formatting for print: money from integer tiyn, quantities and rates from
//! thousandths. Integer arithmetic only.

/// Formats tiyn as tenge with a space between thousands and a decimal comma:
/// `175000` → `"1 750,00"`, `-5000` → `"-50,00"`.
///
/// ```
/// assert_eq!(kkm_print::format::money(175_000), "1 750,00");
/// assert_eq!(kkm_print::format::money(-5), "-0,05");
/// ```
pub fn money(tiyn: i64) -> String {
    let negative = tiyn < 0;
    let abs = tiyn.unsigned_abs();
    let tenge = abs / 100;
    let coins = abs % 100;
    let digits = tenge.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 4);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(ch);
    }
    format!(
        "{}{},{:02}",
        if negative { "-" } else { "" },
        grouped,
        coins
    )
}

/// Formats tiyn without thousand separators, as in the OFD check URL: `175000` → `"1750,00"`.
///
/// ```
/// assert_eq!(kkm_print::format::money_plain(175_000), "1750,00");
/// ```
pub fn money_plain(tiyn: i64) -> String {
    let negative = tiyn < 0;
    let abs = tiyn.unsigned_abs();
    format!(
        "{}{},{:02}",
        if negative { "-" } else { "" },
        abs / 100,
        abs % 100
    )
}

/// Formats a value in thousandths with a decimal comma and no trailing zeros:
/// `2000` → `"2"`, `1500` → `"1,5"`, `1234` → `"1,234"`.
///
/// ```
/// assert_eq!(kkm_print::format::thousandths(12_000), "12");
/// assert_eq!(kkm_print::format::thousandths(250), "0,25");
/// ```
pub fn thousandths(value: i64) -> String {
    let negative = value < 0;
    let abs = value.unsigned_abs();
    let whole = abs / 1000;
    let frac = abs % 1000;
    let sign = if negative { "-" } else { "" };
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let mut frac_s = format!("{frac:03}");
    while frac_s.ends_with('0') {
        frac_s.pop();
    }
    format!("{sign}{whole},{frac_s}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(0), "0,00");
        assert_eq!(money(1), "0,01");
        assert_eq!(money(99_999), "999,99");
        assert_eq!(money(100_000), "1 000,00");
        assert_eq!(money(123_456_789), "1 234 567,89");
        assert_eq!(money(-20_000), "-200,00");
        assert_eq!(money(i64::MIN), "-92 233 720 368 547 758,08");
    }

    #[test]
    fn plain_money_and_thousandths() {
        assert_eq!(money_plain(18_750), "187,50");
        assert_eq!(money_plain(-1), "-0,01");
        assert_eq!(thousandths(2000), "2");
        assert_eq!(thousandths(1), "0,001");
        assert_eq!(thousandths(-1500), "-1,5");
    }
}
