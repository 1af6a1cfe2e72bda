//! The buyer on a receipt: the ИИН/БИН printed and sent on request, and the e-mail or
//! phone the OFD delivers the electronic receipt to (seed `000_…`: «передача в
//! электронном виде»). Each is checked and normalised here, once, for every face.

use crate::error::CoreError;

/// A buyer's ИИН/БИН: 12 digits.
///
/// ```
/// use kkm_core::customer::iin_or_bin;
/// assert_eq!(iin_or_bin("x", " 123456789012 ").unwrap(), "123456789012");
/// assert_eq!(iin_or_bin("x", "12345").unwrap_err().code().code(), 2);
/// ```
pub fn iin_or_bin(field: &str, value: &str) -> Result<String, CoreError> {
    let value = value.trim();
    if value.len() != 12 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CoreError::invalid(field, "an IIN/BIN is 12 digits"));
    }
    Ok(value.to_owned())
}

/// A buyer's e-mail for the electronic receipt: `local@domain.tld`, printable ASCII
/// without spaces, at most 254 characters (the domain lower-cased).
///
/// ```
/// use kkm_core::customer::email;
/// assert_eq!(email("x", " Buyer.One@Example.KZ ").unwrap(), "Buyer.One@example.kz");
/// for bad in ["buyer", "@example.kz", "buyer@", "buyer@kz", "a b@example.kz", "a@@b.kz"] {
///     assert!(email("x", bad).is_err(), "{bad}");
/// }
/// ```
pub fn email(field: &str, value: &str) -> Result<String, CoreError> {
    let value = value.trim();
    let bad = |why: &str| CoreError::invalid(field, format!("`{value}` is not an e-mail: {why}"));
    if value.len() > 254 {
        return Err(bad("longer than 254 characters"));
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("only letters, digits and signs, without spaces"));
    }
    let (local, domain) = value.split_once('@').ok_or_else(|| bad("no @"))?;
    if local.is_empty() || local.len() > 64 {
        return Err(bad("the part before @ is 1 to 64 characters"));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) {
        return Err(bad("the part after @ is a domain such as example.kz"));
    }
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// A buyer's phone for the electronic receipt, normalised to `+` and its digits
/// (E.164): spaces, dashes, dots and brackets are dropped; a Kazakh number written
/// `8 7xx …` becomes `+7 7xx …`; 10 to 15 digits.
///
/// ```
/// use kkm_core::customer::phone;
/// assert_eq!(phone("x", "+7 (701) 234-56-78").unwrap(), "+77012345678");
/// assert_eq!(phone("x", "87012345678").unwrap(), "+77012345678");
/// assert_eq!(phone("x", "77012345678").unwrap(), "+77012345678");
/// assert!(phone("x", "12-34").is_err());
/// assert!(phone("x", "+7 701 CALL ME").is_err());
/// ```
pub fn phone(field: &str, value: &str) -> Result<String, CoreError> {
    let trimmed = value.trim();
    let bad = |why: &str| CoreError::invalid(field, format!("`{trimmed}` is not a phone: {why}"));
    let plus = trimmed.starts_with('+');
    let mut digits = String::with_capacity(trimmed.len());
    for c in trimmed.trim_start_matches('+').chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(bad("only digits, spaces, dashes and brackets")),
        }
    }
    if !plus && digits.len() == 11 && digits.starts_with('8') {
        digits.replace_range(..1, "7");
    }
    if !(10..=15).contains(&digits.len()) {
        return Err(bad("10 to 15 digits with the country code"));
    }
    Ok(format!("+{digits}"))
}
