//! Money in integer tiyn, quantities and tax percents in thousandths, and the exact
//! parser of the API's JSON numbers.
//!
//! No floats: every amount is an integer count of its smallest unit.
//!
//! * [`Money`] — tiyn (`i64`; 1 tenge = 100 tiyn). In the HTTP API a JSON number in
//!   tenge with at most 2 decimals; on the CPCR wire `Money {bills, coins}`.
//! * [`Quantity`] — thousandths of a unit (`quantity: 2` in the API is `2000`).
//! * [`Percent`] — thousandths of a percent (12% is `12000`).
//!
//! The parsers take the raw text of a JSON number token (serde_json hands it over
//! exactly with its `arbitrary_precision` feature, or through [`serde_json::Number`]'s
//! shortest round-trip text without it, which is exact for up to 15 significant digits)
//! and accept only values that the unit represents exactly: `1750`, `187.5`, `187.50`,
//! `1.5e2` and `187.500` are fine tenge amounts; `0.001`, `NaN`, `1e400` and `"12"` are
//! not.
//!
//! The one rounding rule of the crate lives here too: [`div_round_half_up`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Tiyn in one tenge.
pub const TIYN_PER_TENGE: i64 = 100;

/// Thousandths in one unit of quantity (and in one percent).
pub const THOUSANDTHS: i64 = 1000;

/// Why a JSON number is not an acceptable amount, quantity or percent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// The text is not a JSON number (`NaN`, `1,5`, `""`, `+1`, `0x10`, …).
    #[error("`{0}` is not a number")]
    Syntax(String),
    /// The value needs more decimals than the unit has (`0.001` tenge).
    #[error("`{text}` has more than {max} decimals")]
    TooManyDecimals {
        /// The text as given.
        text: String,
        /// Decimals the unit allows (2 for money, 3 for quantity and percent).
        max: u32,
    },
    /// The value does not fit the unit's integer range (`1e400`).
    #[error("`{0}` is out of range")]
    OutOfRange(String),
    /// The value is negative where only zero or more is allowed.
    #[error("`{0}` is negative")]
    Negative(String),
}

/// The crate's one rounding rule: `numerator / denominator` rounded to the nearest
/// integer, halves away from zero ("half up" for the non-negative amounts of a
/// receipt). `denominator` must be positive; a zero denominator yields 0.
///
/// Used for item sums (`price × quantity`) and for tax (`base × rate`); allocations that
/// must not lose a tiyn use [`crate::tax::allocate`] on top of it.
///
/// ```
/// use kkm_core::money::div_round_half_up;
/// assert_eq!(div_round_half_up(18_750, 100), 188); // 187.50 → 188
/// assert_eq!(div_round_half_up(18_749, 100), 187);
/// assert_eq!(div_round_half_up(-18_750, 100), -188);
/// ```
pub fn div_round_half_up(numerator: i128, denominator: i128) -> i128 {
    if denominator <= 0 {
        return 0;
    }
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder.abs() * 2 >= denominator {
        quotient + numerator.signum()
    } else {
        quotient
    }
}

/// Parses the text of a JSON number exactly into an integer count of `10^-scale`
/// units (scale 2: tiyn from tenge; scale 3: thousandths).
///
/// Trailing zero decimals beyond `scale` are accepted (the value is exact); any other
/// digit beyond `scale` is [`AmountError::TooManyDecimals`].
///
/// ```
/// use kkm_core::money::parse_scaled;
/// assert_eq!(parse_scaled("187.5", 2), Ok(18_750));
/// assert_eq!(parse_scaled("1.5e2", 2), Ok(15_000));
/// assert_eq!(parse_scaled("-0.01", 2), Ok(-1));
/// assert!(parse_scaled("0.001", 2).is_err());
/// assert!(parse_scaled("NaN", 2).is_err());
/// ```
pub fn parse_scaled(text: &str, scale: u32) -> Result<i64, AmountError> {
    let syntax = || AmountError::Syntax(text.to_owned());
    let bytes = text.as_bytes();
    let mut pos = 0;
    let negative = bytes.first() == Some(&b'-');
    if negative {
        pos += 1;
    }
    let int_start = pos;
    while pos < bytes.len() && bytes[pos].is_ascii_digit() {
        pos += 1;
    }
    let int_digits = &bytes[int_start..pos];
    if int_digits.is_empty() {
        return Err(syntax());
    }
    let mut frac_digits: &[u8] = &[];
    if pos < bytes.len() && bytes[pos] == b'.' {
        pos += 1;
        let frac_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        frac_digits = &bytes[frac_start..pos];
        if frac_digits.is_empty() {
            return Err(syntax());
        }
    }
    // Decimal exponent, saturated: anything beyond ±10^6 is out of range anyway.
    let mut exponent: i64 = 0;
    if pos < bytes.len() && (bytes[pos] == b'e' || bytes[pos] == b'E') {
        pos += 1;
        let mut exp_negative = false;
        if pos < bytes.len() && (bytes[pos] == b'+' || bytes[pos] == b'-') {
            exp_negative = bytes[pos] == b'-';
            pos += 1;
        }
        let exp_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            exponent = (exponent * 10 + i64::from(bytes[pos] - b'0')).min(1_000_000);
            pos += 1;
        }
        if pos == exp_start {
            return Err(syntax());
        }
        if exp_negative {
            exponent = -exponent;
        }
    }
    if pos != bytes.len() {
        return Err(syntax());
    }

    // value = digits × 10^(exponent − frac_len); we want value × 10^scale.
    let digits: Vec<u8> = int_digits
        .iter()
        .chain(frac_digits)
        .map(|d| d - b'0')
        .collect();
    let shift = exponent - frac_digits.len() as i64 + i64::from(scale);
    let first_nonzero = digits.iter().position(|&d| d != 0);
    let Some(first_nonzero) = first_nonzero else {
        return Ok(0);
    };
    let significant = &digits[first_nonzero..];
    let kept: &[u8] = if shift >= 0 {
        significant
    } else {
        let dropped = usize::try_from(-shift).unwrap_or(usize::MAX);
        if dropped > significant.len()
            || significant[significant.len() - dropped..]
                .iter()
                .any(|&d| d != 0)
        {
            return Err(AmountError::TooManyDecimals {
                text: text.to_owned(),
                max: scale,
            });
        }
        &significant[..significant.len() - dropped]
    };
    let out_of_range = || AmountError::OutOfRange(text.to_owned());
    let mut value: i64 = 0;
    for &d in kept {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(d)))
            .ok_or_else(out_of_range)?;
    }
    if shift > 0 {
        let factor = u32::try_from(shift)
            .ok()
            .and_then(|s| 10i64.checked_pow(s))
            .ok_or_else(out_of_range)?;
        value = value.checked_mul(factor).ok_or_else(out_of_range)?;
    }
    Ok(if negative { -value } else { value })
}

/// An amount of money in tiyn (1 tenge = 100 tiyn). May be negative in arithmetic
/// (revenue); amounts of a receipt are never negative after validation.
///
/// Serialized (serde) as the plain integer count of tiyn, which is what the store
/// persists; use [`tenge`] for the API's JSON number in tenge and [`bills_coins`] for
/// the `{bills, coins}` objects of reports.
///
/// ```
/// use kkm_core::Money;
/// let m = Money::parse_tenge("187.5").unwrap();
/// assert_eq!(m.tiyn(), 18_750);
/// assert_eq!(m.to_string(), "187.50");
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    /// Zero tenge.
    pub const ZERO: Money = Money(0);

    /// Money of `tiyn`.
    pub const fn from_tiyn(tiyn: i64) -> Money {
        Money(tiyn)
    }

    /// Money of whole `tenge`, or `None` on overflow.
    pub fn from_tenge(tenge: i64) -> Option<Money> {
        tenge.checked_mul(TIYN_PER_TENGE).map(Money)
    }

    /// The amount in tiyn.
    pub const fn tiyn(self) -> i64 {
        self.0
    }

    /// Parses a JSON number in tenge (at most 2 decimals, may be negative).
    pub fn parse_tenge(text: &str) -> Result<Money, AmountError> {
        parse_scaled(text, 2).map(Money)
    }

    /// Parses a JSON number in tenge that must be zero or more.
    pub fn parse_non_negative(text: &str) -> Result<Money, AmountError> {
        let money = Money::parse_tenge(text)?;
        if money.is_negative() {
            return Err(AmountError::Negative(text.to_owned()));
        }
        Ok(money)
    }

    /// `true` below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// `true` when zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Sum, or `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// Difference, or `None` on overflow.
    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// Sum that sticks at the `i64` bounds instead of overflowing (counters).
    pub fn saturating_add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }

    /// Difference that sticks at the `i64` bounds instead of overflowing (counters).
    pub fn saturating_sub(self, other: Money) -> Money {
        Money(self.0.saturating_sub(other.0))
    }

    /// The absolute value (saturating at `i64::MAX`).
    pub fn abs(self) -> Money {
        Money(self.0.saturating_abs())
    }

    /// `self × quantity`, rounded to the tiyn by [`div_round_half_up`], or `None` when
    /// the result does not fit.
    ///
    /// ```
    /// use kkm_core::{Money, Quantity};
    /// let price = Money::from_tiyn(33_333); // 333.33
    /// assert_eq!(price.times(Quantity::from_thousandths(1_500)), Some(Money::from_tiyn(50_000)));
    /// ```
    pub fn times(self, quantity: Quantity) -> Option<Money> {
        let product = i128::from(self.0) * i128::from(quantity.0);
        i64::try_from(div_round_half_up(product, i128::from(THOUSANDTHS)))
            .ok()
            .map(Money)
    }

    /// The CPCR wire value, or `None` for a negative amount (the wire has no sign).
    pub fn to_cpcr(self) -> Option<kkm_proto::cpcr::Money> {
        u64::try_from(self.0)
            .ok()
            .map(kkm_proto::cpcr::Money::from_tiyn)
    }

    /// The CPCR wire value of `|self|` (for fields whose sign travels separately).
    pub fn to_cpcr_abs(self) -> kkm_proto::cpcr::Money {
        kkm_proto::cpcr::Money::from_tiyn(self.0.unsigned_abs())
    }

    /// Money from the CPCR wire, or `None` if it is invalid (`coins` > 99) or does not
    /// fit an `i64` of tiyn.
    pub fn from_cpcr(money: &kkm_proto::cpcr::Money) -> Option<Money> {
        money
            .to_tiyn()
            .and_then(|t| i64::try_from(t).ok())
            .map(Money)
    }
}

impl fmt::Display for Money {
    /// Tenge with exactly two decimals and a dot: `1750.00`, `-0.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl std::iter::Sum for Money {
    /// Saturating sum (use checked arithmetic where overflow must be reported).
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Money::saturating_add)
    }
}

/// A quantity in thousandths of a unit (`2` pieces = `2000`, `0.250` kg = `250`).
///
/// ```
/// use kkm_core::Quantity;
/// assert_eq!(Quantity::parse("2").unwrap().thousandths(), 2000);
/// assert!(Quantity::parse("0.0001").is_err());
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Quantity(u64);

impl Quantity {
    /// One unit (1000 thousandths).
    pub const ONE: Quantity = Quantity(1000);

    /// A quantity of `thousandths`.
    pub const fn from_thousandths(thousandths: u64) -> Quantity {
        Quantity(thousandths)
    }

    /// The quantity in thousandths (the CPCR wire value).
    pub const fn thousandths(self) -> u64 {
        self.0
    }

    /// Parses a JSON number of units with at most 3 decimals; negatives are refused.
    pub fn parse(text: &str) -> Result<Quantity, AmountError> {
        let value = parse_scaled(text, 3)?;
        u64::try_from(value)
            .map(Quantity)
            .map_err(|_| AmountError::Negative(text.to_owned()))
    }

    /// Sum, or `None` on overflow.
    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        self.0.checked_add(other.0).map(Quantity)
    }
}

impl fmt::Display for Quantity {
    /// Units with the thousandths shown only when present: `2`, `0.25`, `1.005`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (units, frac) = (self.0 / 1000, self.0 % 1000);
        if frac == 0 {
            write!(f, "{units}")
        } else {
            let text = format!("{frac:03}");
            write!(f, "{units}.{}", text.trim_end_matches('0'))
        }
    }
}

/// A tax rate in thousandths of a percent (12% = `12000`), 0–100%.
///
/// ```
/// use kkm_core::Percent;
/// assert_eq!(Percent::parse("12").unwrap().thousandths(), 12_000);
/// assert!(Percent::parse("101").is_err());
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Percent(u32);

impl Percent {
    /// 100% in thousandths.
    pub const HUNDRED: u32 = 100_000;

    /// A rate of `thousandths` of a percent, or `None` above 100%.
    pub const fn from_thousandths(thousandths: u32) -> Option<Percent> {
        if thousandths > Percent::HUNDRED {
            None
        } else {
            Some(Percent(thousandths))
        }
    }

    /// The rate in thousandths of a percent (the CPCR wire value).
    pub const fn thousandths(self) -> u32 {
        self.0
    }

    /// This percentage of `amount`, rounded half up to the tiyn (a catalogue discount on a
    /// line's sum). Never more than `amount` in magnitude, so it cannot overflow.
    pub fn of(self, amount: Money) -> Money {
        let part = div_round_half_up(
            i128::from(amount.tiyn()) * i128::from(self.0),
            i128::from(Percent::HUNDRED),
        );
        Money::from_tiyn(i64::try_from(part).unwrap_or(amount.tiyn()))
    }

    /// Parses a JSON number of percent with at most 3 decimals, 0–100.
    pub fn parse(text: &str) -> Result<Percent, AmountError> {
        let value = parse_scaled(text, 3)?;
        if value < 0 {
            return Err(AmountError::Negative(text.to_owned()));
        }
        u32::try_from(value)
            .ok()
            .and_then(Percent::from_thousandths)
            .ok_or_else(|| AmountError::OutOfRange(text.to_owned()))
    }
}

impl fmt::Display for Percent {
    /// `12%`, `12.5%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", Quantity(u64::from(self.0)))
    }
}

/// The text of one JSON number token, kept as written so that it can be parsed
/// exactly later (into money, a quantity or a percent, with the error code of the
/// field it belongs to).
///
/// Deserializes from a JSON number only (through [`serde_json::Number`], so it is the
/// exact token with serde_json's `arbitrary_precision`, and the shortest round-trip text
/// of the parsed `f64` otherwise). Serializes back as a JSON number.
///
/// ```
/// use kkm_core::JsonNumber;
/// let n: JsonNumber = serde_json::from_str("187.5").unwrap();
/// assert_eq!(n.as_str(), "187.5");
/// assert!(serde_json::from_str::<JsonNumber>("\"187.5\"").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JsonNumber(String);

impl JsonNumber {
    /// A number with this text (not checked until parsed).
    pub fn new(text: impl Into<String>) -> JsonNumber {
        JsonNumber(text.into())
    }

    /// The text of the token.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The JSON number for an amount of money: tenge, exact, in the shortest form the
    /// seed writes (`1753`, `187.5`, `0.05` — never `1753.0`).
    pub fn from_money(money: Money) -> JsonNumber {
        let text = money.to_string();
        match text.split_once('.') {
            Some((whole, fraction)) => match fraction.trim_end_matches('0') {
                "" => JsonNumber(whole.to_owned()),
                fraction => JsonNumber(format!("{whole}.{fraction}")),
            },
            None => JsonNumber(text),
        }
    }
}

impl From<i64> for JsonNumber {
    fn from(value: i64) -> JsonNumber {
        JsonNumber(value.to_string())
    }
}

impl From<&str> for JsonNumber {
    fn from(value: &str) -> JsonNumber {
        JsonNumber(value.to_owned())
    }
}

impl Serialize for JsonNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let number = serde_json::Number::from_str(&self.0)
            .map_err(|_| serde::ser::Error::custom(format!("`{}` is not a JSON number", self.0)))?;
        number.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for JsonNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<JsonNumber, D::Error> {
        let number = serde_json::Number::deserialize(deserializer)?;
        Ok(JsonNumber(number.to_string()))
    }
}

/// Serde helpers for a [`Money`] field written as the API's JSON number in tenge
/// (`#[serde(with = "kkm_core::money::tenge")]`). Deserializing refuses 3+ decimals,
/// non-numbers and values out of range; serializing writes the exact decimal.
///
/// ```
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Placement {
///     #[serde(with = "kkm_core::money::tenge")]
///     sum: kkm_core::Money,
/// }
/// let p: Placement = serde_json::from_str(r#"{"sum": 1000.5}"#).unwrap();
/// assert_eq!(p.sum.tiyn(), 100_050);
/// assert!(serde_json::from_str::<Placement>(r#"{"sum": 0.001}"#).is_err());
/// assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"sum":1000.5}"#);
/// ```
pub mod tenge {
    use super::{JsonNumber, Money};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes `money` as a JSON number in tenge.
    pub fn serialize<S: Serializer>(money: &Money, serializer: S) -> Result<S::Ok, S::Error> {
        JsonNumber::from_money(*money).serialize(serializer)
    }

    /// Reads a JSON number in tenge exactly.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        let number = JsonNumber::deserialize(deserializer)?;
        Money::parse_tenge(number.as_str()).map_err(serde::de::Error::custom)
    }
}

/// Serde helpers for a [`Money`] field written as `{"bills": u64, "coins": u32}` (the
/// JSON of the seed's reports and ticket bodies). Negative amounts cannot be written.
pub mod bills_coins {
    use super::Money;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct BillsCoins {
        bills: u64,
        coins: u32,
    }

    /// Writes `money` as `{bills, coins}`; a negative amount is an error.
    pub fn serialize<S: Serializer>(money: &Money, serializer: S) -> Result<S::Ok, S::Error> {
        let wire = money.to_cpcr().ok_or_else(|| {
            serde::ser::Error::custom(format!("negative amount {money} in a bills/coins field"))
        })?;
        BillsCoins {
            bills: wire.bills,
            coins: wire.coins,
        }
        .serialize(serializer)
    }

    /// Reads `{bills, coins}`; `coins` above 99 or an amount out of range is an error.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        let value = BillsCoins::deserialize(deserializer)?;
        Money::from_cpcr(&kkm_proto::cpcr::Money {
            bills: value.bills,
            coins: value.coins,
        })
        .ok_or_else(|| serde::de::Error::custom("invalid bills/coins amount"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_amounts() {
        let cases = [
            ("0", 0),
            ("1750", 175_000),
            ("187.5", 18_750),
            ("187.50", 18_750),
            ("187.500", 18_750),
            ("1.5e2", 15_000),
            ("1.5E+2", 15_000),
            ("15e-1", 150),
            ("1e-2", 1),
            ("-0.01", -1),
            ("0.0e99999999999", 0),
            ("92233720368547758.07", i64::MAX),
        ];
        for (text, tiyn) in cases {
            assert_eq!(
                Money::parse_tenge(text),
                Ok(Money::from_tiyn(tiyn)),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_inexact_or_invalid() {
        for text in ["0.001", "1e-3", "187.501", "1.23456789e2"] {
            assert!(
                matches!(
                    Money::parse_tenge(text),
                    Err(AmountError::TooManyDecimals { .. })
                ),
                "{text}"
            );
        }
        for text in [
            "", "-", "NaN", "inf", "1.", ".5", "1e", "1,5", "+1", " 1", "1 ", "\"1\"", "0x10",
            "1e+",
        ] {
            assert!(
                matches!(Money::parse_tenge(text), Err(AmountError::Syntax(_))),
                "{text}"
            );
        }
        for text in ["1e400", "92233720368547758.08", "99999999999999999999"] {
            assert!(
                matches!(Money::parse_tenge(text), Err(AmountError::OutOfRange(_))),
                "{text}"
            );
        }
        assert!(matches!(
            Money::parse_non_negative("-1"),
            Err(AmountError::Negative(_))
        ));
    }

    #[test]
    fn quantity_and_percent() {
        assert_eq!(Quantity::parse("0.001").map(Quantity::thousandths), Ok(1));
        assert!(Quantity::parse("-1").is_err());
        assert_eq!(Percent::parse("12.5").map(Percent::thousandths), Ok(12_500));
        assert_eq!(Percent::parse("100").map(Percent::thousandths), Ok(100_000));
        assert!(Percent::parse("-1").is_err());
        assert_eq!(Quantity::from_thousandths(1_250).to_string(), "1.25");
        assert_eq!(
            Percent::from_thousandths(12_000).map(|p| p.to_string()),
            Some("12%".to_owned())
        );
    }

    #[test]
    fn cpcr_roundtrip() {
        let m = Money::from_tiyn(18_750);
        let wire = m.to_cpcr().expect("non-negative");
        assert_eq!((wire.bills, wire.coins), (187, 50));
        assert_eq!(Money::from_cpcr(&wire), Some(m));
        assert_eq!(Money::from_tiyn(-1).to_cpcr(), None);
    }

    #[test]
    fn rounding_rule() {
        assert_eq!(div_round_half_up(5, 10), 1);
        assert_eq!(div_round_half_up(4, 10), 0);
        assert_eq!(div_round_half_up(-5, 10), -1);
        assert_eq!(div_round_half_up(7, 0), 0);
    }
}

#[cfg(test)]
mod json_number_form {
    use super::*;

    #[test]
    fn money_is_written_in_the_seeds_shortest_form() {
        for (tiyn, text) in [
            (175_300, "1753"),
            (18_750, "187.5"),
            (5, "0.05"),
            (-50, "-0.5"),
            (0, "0"),
        ] {
            let json = serde_json::to_string(&JsonNumber::from_money(Money::from_tiyn(tiyn)))
                .expect("serializes");
            assert_eq!(json, text, "{tiyn} tiyn");
        }
    }
}
