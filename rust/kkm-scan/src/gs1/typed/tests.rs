use super::*;

const GTIN: &str = "04870204390513";

/// A mark of each Kazakh structure, as the DataMatrix holds it (GS = 0x1D).
fn marks() -> Vec<(&'static str, String)> {
    vec![
        ("tobacco pack", format!("01{GTIN}21-Ab&1:x\u{1d}8005012345\u{1d}93Xy/9")),
        ("tobacco block", format!("01{GTIN}21%'\"kLm7\u{1d}8005103000\u{1d}93pQ=+")),
        (
            "unit 91/92",
            format!(
                "01{GTIN}215ZxKq9aBcDeFg\u{1d}91EE10\u{1d}92dGVzdGNyeXB0b3RhaWwxMjM0NTY3ODkwYWJjZGVmZ2h="
            ),
        ),
        ("unit 93", format!("01{GTIN}213aB-cD_eF(gH)\u{1d}93AbCd")),
        ("dairy", format!("01{GTIN}21a1B2c3\u{1d}93z9Y8")),
    ]
}

fn parse(s: &str) -> Result<ExciseMark, TypedMarkError> {
    parse_typed_mark(s, &KeyboardProfile::default())
}

#[test]
fn gs_dropped_is_rebuilt_for_every_structure() {
    for (name, mark) in marks() {
        let typed = mark.replace(GS, "");
        let m = parse(&typed).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(m.excise_stamp(), mark, "{name}");
        assert_eq!(m.barcode(), GTIN);
    }
}

#[test]
fn gs_replaced_by_each_common_substitute() {
    for (name, mark) in marks() {
        for sub in DEFAULT_GS_SUBSTITUTES {
            let typed = mark.replace(GS, sub);
            let m = parse(&typed).unwrap_or_else(|e| panic!("{name} with {sub:?}: {e}"));
            assert_eq!(m.excise_stamp(), mark, "{name} with {sub:?}");
        }
    }
}

#[test]
fn a_configured_substitute_prefix_and_suffix() {
    let profile = KeyboardProfile {
        prefix: "#MK#".into(),
        suffix: "<END>".into(),
        gs_substitutes: vec!["@@".into()],
        ..KeyboardProfile::default()
    };
    for (name, mark) in marks() {
        let typed = format!("\u{2}#MK#{}<END>\r\n", mark.replace(GS, "@@"));
        let m = parse_typed_mark(&typed, &profile).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(m.excise_stamp(), mark);
        // Prefix and suffix plus a dropped GS.
        let typed = format!("#MK#{}<END>", mark.replace(GS, ""));
        assert_eq!(
            parse_typed_mark(&typed, &profile).map(|m| m.excise_stamp().to_string()),
            Ok(mark.clone())
        );
    }
    // An AIM identifier is not a `]` separator.
    let (_, mark) = &marks()[3];
    let typed = format!("]d2{}", mark.replace(GS, "]"));
    assert_eq!(
        parse(&typed).map(|m| m.excise_stamp().to_string()),
        Ok(mark.clone())
    );
}

#[test]
fn the_russian_layout_is_undone() {
    for (name, mark) in marks() {
        for sub in ["", "]", "<GS>"] {
            let typed: String = mark
                .replace(GS, sub)
                .chars()
                .map(russian_layout_char)
                .collect();
            let m = parse(&typed).unwrap_or_else(|e| panic!("{name} {sub:?} as {typed:?}: {e}"));
            assert_eq!(m.excise_stamp(), mark, "{name}");
        }
    }
}

#[test]
fn kept_separators_and_an_unknown_structure_pass_through() {
    // Expiry and batch: no known structure, but the GS are all there.
    let code = format!("01{GTIN}21ABC\u{1d}17260131\u{1d}10AB-1\u{1d}93Xy9z");
    assert_eq!(
        parse(&code).map(|m| m.excise_stamp().to_string()),
        Ok(code.clone())
    );
    // A serial with no tail needs no separator.
    let short = format!("01{GTIN}21ABCDEFG");
    assert_eq!(
        parse(&short).map(|m| m.serial().to_string()),
        Ok("ABCDEFG".into())
    );
}

#[test]
fn what_cannot_be_rebuilt_is_refused() {
    // No known serial length, GS dropped, a (93) inside: two readings.
    assert!(matches!(
        parse(&format!("01{GTIN}21ABCDEFGHIJ93wxyz")),
        Err(TypedMarkError::Ambiguous { readings }) if readings.len() == 2
    ));
    // Too long for a serial and no structure fits.
    assert!(matches!(
        parse(&format!("01{GTIN}21ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
        Err(TypedMarkError::NoStructure(_))
    ));
    // A wrong check digit is a misread, not a mark.
    assert!(matches!(
        parse("0104870204390514215ZxKq9aBcDeFg93AbCd"),
        Err(TypedMarkError::Invalid(Gs1Error::BadCheckDigit { .. }))
    ));
    // An EAN, a URL, nothing.
    assert_eq!(parse("4870204390513"), Err(TypedMarkError::NotAMark));
    assert_eq!(
        parse("https://consumer.oofd.kz/?i=1"),
        Err(TypedMarkError::NotAMark)
    );
    assert_eq!(parse(" \r\n"), Err(TypedMarkError::Empty));
    // The Kazakh layout loses the digits.
    assert!(matches!(
        parse("әі04870204390513"),
        Err(TypedMarkError::KazakhLayout { ch: 'ә' })
    ));
    // A control character inside.
    assert!(matches!(
        parse(&format!("01{GTIN}21AB\u{7}CD")),
        Err(TypedMarkError::BadCharacter { ch: '\u{7}', .. })
    ));
    // No letters at all: both layouts could have typed it, and they differ (`.`
    // is `/` typed with the Russian layout, `,` is `?`).
    assert!(matches!(
        parse(&format!("01{GTIN}21123.456\u{1d}931,2.")),
        Err(TypedMarkError::Ambiguous { .. })
    ));
    // …unless one reading is not a mark (`/` would be `|`, a GS stand-in).
    assert!(parse(&format!("01{GTIN}21123/456\u{1d}93.1,2")).is_ok());
    // Errors read well.
    let e = parse(&format!("01{GTIN}21ABCDEFGHIJ93wxyz")).unwrap_err();
    assert!(e.to_string().contains("2 ways"), "{e}");
}

#[test]
fn a_literal_lookalike_of_a_substitute_is_kept_when_only_that_fits() {
    // `<GS>` inside a 13-character serial, the real GS dropped.
    let mark = format!("01{GTIN}21ab<GS>defghij\u{1d}93wxyz");
    let typed = mark.replace(GS, "");
    assert_eq!(
        parse(&typed).map(|m| m.excise_stamp().to_string()),
        Ok(mark)
    );
}

#[test]
fn receipts_typed_with_layout_or_caps_lock() {
    let url = "https://consumer.oofd.kz/?i=2913857236&f=600400123456&s=1750,00&t=20250314T153012";
    let p = KeyboardProfile::default();
    assert_eq!(
        parse_typed_receipt(&format!("{url}\r\n"), &p).map(|q| q.total_tiyn),
        Ok(175_000)
    );
    let ru: String = url.chars().map(russian_layout_char).collect();
    assert_eq!(
        parse_typed_receipt(&ru, &p).map(|q| q.rnm),
        Ok("600400123456".into())
    );
    let caps: String = url
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    assert_eq!(
        parse_typed_receipt(&caps, &p).map(|q| q.time.to_string()),
        Ok("20250314T153012".into())
    );
    assert!(parse_typed_receipt("hello", &p).is_err());
}
