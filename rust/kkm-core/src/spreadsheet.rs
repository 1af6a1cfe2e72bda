//! Text bound for a spreadsheet: CSV cells that Excel or LibreOffice would run as a
//! formula (CSV injection, issue 34).
//!
//! A product name or a customer's text starting with `=`, `+`, `-`, `@` (or a tab or a
//! carriage return) opens in a spreadsheet as a formula — `=HYPERLINK(…)` sends data
//! away, `=cmd|…` ran programs in older Excel. Every CSV we write passes each cell
//! through [`neutralise`]: such a cell gets a leading `'` (what spreadsheets show as
//! text and OWASP recommends). Numbers stay numbers (`-150.00` is an amount, not a
//! formula). A cell that already starts with `'` followed by one of those characters
//! gets one more, so that [`restore`] — run by our CSV imports (the Alsep catalogue)
//! — gives back exactly the text written: export, edit, import keeps every name.

use std::borrow::Cow;

/// The first characters a spreadsheet reads as the start of a formula.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn starts_formula(text: &str) -> bool {
    text.starts_with(FORMULA_STARTS) && !is_number(text)
}

/// A plain decimal number: an optional sign, digits, at most one point.
fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let mut points = 0;
    !digits.is_empty()
        && digits.chars().any(|c| c.is_ascii_digit())
        && digits.chars().all(|c| {
            if c == '.' {
                points += 1;
                points == 1
            } else {
                c.is_ascii_digit()
            }
        })
}

/// The cell as written to a CSV: with a leading `'` when a spreadsheet would take it
/// for a formula (or when it already starts with `'` before such a character).
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let escaped_already = cell.strip_prefix('\'').is_some_and(|rest| {
        starts_formula(rest) || rest.strip_prefix('\'').is_some_and(needs_quote)
    });
    if starts_formula(cell) || escaped_already {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn needs_quote(text: &str) -> bool {
    neutralise(text).len() != text.len()
}

/// The text of a cell [`neutralise`] wrote: the leading `'` it added, removed.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_are_quoted_and_numbers_are_not() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+7 701 000", "'+7 701 000"),
            ("-Акция-", "'-Акция-"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("-150.00", "-150.00"),
            ("+5", "+5"),
            ("12.5", "12.5"),
            ("Хлеб", "Хлеб"),
            ("'quoted", "'quoted"),
            ("'=A1", "''=A1"),
            ("", ""),
            ("-", "'-"),
            ("-.", "'-."),
        ] {
            assert_eq!(neutralise(cell), written, "{cell:?}");
            assert_eq!(restore(written), cell, "{written:?}");
        }
    }

    proptest! {
        #[test]
        fn restore_gives_back_what_was_neutralised(cell in "['=+@\\-\t\r]{0,3}[a-zA-Z0-9. =']{0,6}") {
            let written = neutralise(&cell);
            prop_assert_eq!(restore(&written), cell.as_str());
            prop_assert!(!starts_formula(&written), "{:?} still starts a formula", written);
        }
    }
}
