//! Units of measure: the ИС ЭСФ codes a receipt line carries (`measure_unit_code`, the
//! ОКЕИ/ЕАЭС classifier numbers) and the short names a printed receipt shows.

/// The printed short name of a unit code (`"796"` → `"шт"`), or `None` for a code this
/// table does not know (print the code itself). Leading zeros are optional (`"6"` and
/// `"006"` are both metres).
///
/// ```
/// assert_eq!(kkm_core::units::unit_symbol("796"), Some("шт"));
/// assert_eq!(kkm_core::units::unit_symbol("006"), Some("м"));
/// assert_eq!(kkm_core::units::unit_symbol("116"), None);
/// ```
pub fn unit_symbol(code: &str) -> Option<&'static str> {
    let code: u32 = code.trim().parse().ok()?;
    Some(match code {
        6 => "м",
        4 => "см",
        3 => "мм",
        8 => "км",
        55 => "м²",
        113 => "м³",
        111 => "мл",
        112 => "л",
        163 => "г",
        166 => "кг",
        168 => "т",
        356 => "ч",
        355 => "мин",
        359 => "сут",
        715 => "пар",
        728 => "пач",
        778 => "упак",
        796 => "шт",
        839 => "компл",
        876 => "усл. ед.",
        _ => return None,
    })
}

/// What a receipt prints after the quantity: the short name, or the code as given.
pub fn unit_label(code: &str) -> String {
    unit_symbol(code).map_or_else(|| code.trim().to_owned(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_have_names_and_others_print_as_given() {
        assert_eq!(unit_label("796"), "шт");
        assert_eq!(unit_label(" 166 "), "кг");
        assert_eq!(unit_label("55"), "м²");
        assert_eq!(unit_label("116"), "116");
        assert_eq!(unit_label("abc"), "abc");
        assert_eq!(unit_label(""), "");
    }
}
