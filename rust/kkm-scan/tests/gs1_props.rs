//! Property tests of the GS1 / receipt parsers: no panic on any input; well-formed marks
//! round-trip.

use kkm_scan::gs1::typed::{russian_layout_char, DEFAULT_GS_SUBSTITUTES};
use kkm_scan::gs1::{
    gtin_check_digit, parse_elements, parse_typed_mark, parse_typed_receipt, KeyboardLayout,
    KeyboardProfile, GS,
};
use kkm_scan::{ExciseMark, Gs1Error, ReceiptQr};
use proptest::prelude::*;

fn gtin14() -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..10, 13).prop_map(|d| {
        let body: Vec<u8> = d.iter().map(|x| b'0' + x).collect();
        let check = gtin_check_digit(&body).unwrap_or(0);
        let mut s = String::from_utf8(body).unwrap_or_default();
        s.push(char::from(b'0' + check));
        s
    })
}

/// CSET 82 (serials and batches).
fn cset82(min: usize, max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[!\"%&'()*+,./0-9:;<=>?A-Z_a-z-]{{{min},{max}}}"))
        .unwrap_or_else(|_| unreachable!())
}

/// A Kazakh mark of one of the known structures (`kind` 0–3), GS as 0x1D, with at least
/// one letter (so that the layout can be told from the text).
fn kazakh_mark() -> impl Strategy<Value = String> {
    (
        gtin14(),
        0usize..4,
        cset82(13, 13),
        "[A-Za-z]",
        "[0-9]{6}",
        cset82(4, 4),
        "[0-9A-Za-z]{4}",
        "[A-Za-z0-9+/=]{44}",
    )
        .prop_map(|(gtin, kind, serial, letter, price, code, key, crypto)| {
            let serial = format!("{letter}{}", &serial[1..]);
            match kind {
                0 => format!("01{gtin}21{}{GS}8005{price}{GS}93{code}", &serial[..7]),
                1 => format!("01{gtin}21{serial}{GS}91{key}{GS}92{crypto}"),
                2 => format!("01{gtin}21{serial}{GS}93{code}"),
                _ => format!("01{gtin}21{}{GS}93{code}", &serial[..6]),
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A mark → every keyboard form of it → the same mark back.
    #[test]
    fn keyboard_forms_parse_back(
        mark in kazakh_mark(),
        sub in proptest::sample::select(DEFAULT_GS_SUBSTITUTES.to_vec()),
        russian in any::<bool>(),
        enter in any::<bool>(),
    ) {
        let profile = KeyboardProfile::default();
        for gs in ["", sub] {
            let mut typed = mark.replace(GS, gs);
            if russian {
                typed = typed.chars().map(russian_layout_char).collect();
            }
            if enter {
                typed.push_str("\r\n");
            }
            let m = parse_typed_mark(&typed, &profile)
                .map_err(|e| TestCaseError::fail(format!("{typed:?}: {e}")))?;
            prop_assert_eq!(m.excise_stamp(), mark.as_str());
        }
        // With a configured prefix and suffix and the layout set explicitly.
        let configured = KeyboardProfile {
            prefix: "[[".into(),
            suffix: "]]".into(),
            layout: if russian { KeyboardLayout::Russian } else { KeyboardLayout::Us },
            ..KeyboardProfile::default()
        };
        let body: String = if russian {
            mark.replace(GS, "").chars().map(russian_layout_char).collect()
        } else {
            mark.replace(GS, "")
        };
        let typed = format!("[[{body}]]");
        prop_assert_eq!(
            parse_typed_mark(&typed, &configured).map(|m| m.excise_stamp().to_string()),
            Ok(mark.clone())
        );
    }

    #[test]
    fn typed_parsers_never_panic(s in "\\PC{0,120}") {
        let p = KeyboardProfile::default();
        let _ = parse_typed_mark(&s, &p);
        let _ = parse_typed_receipt(&s, &p);
    }

    #[test]
    fn never_panics_on_text(s in ".{0,120}") {
        let _ = ExciseMark::parse(&s);
        let _ = parse_elements(&s);
        let _ = ReceiptQr::parse(&s);
    }

    #[test]
    fn never_panics_on_gs1_like_text(s in "[0-9A-Za-z\u{1d}\u{e8}\\]]{0,100}") {
        let _ = ExciseMark::parse(&s);
        let _ = ReceiptQr::parse(&format!("https://x/?i={s}&f=1&s={s}&t={s}"));
    }

    #[test]
    fn well_formed_marks_roundtrip(
        gtin in gtin14(),
        serial in cset82(1, 20),
        key in "[0-9A-Za-z]{4}",
        crypto in "[A-Za-z0-9+/=]{44}",
        price in proptest::option::of(0u32..1_000_000),
        expiry in proptest::option::of("[0-9]{6}"),
        batch in proptest::option::of(cset82(1, 20)),
    ) {
        let mut code = format!("01{gtin}");
        if let Some(e) = &expiry {
            code.push_str(&format!("17{e}"));
        }
        code.push_str(&format!("21{serial}{GS}"));
        if let Some(p) = price {
            code.push_str(&format!("8005{p:06}"));
        }
        if let Some(b) = &batch {
            code.push_str(&format!("10{b}{GS}"));
        }
        code.push_str(&format!("91{key}{GS}92{crypto}"));
        let m = ExciseMark::parse(&code).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(m.excise_stamp(), code.as_str());
        prop_assert_eq!(m.barcode(), gtin.as_str());
        prop_assert_eq!(m.serial(), serial.as_str());
        prop_assert_eq!(m.crypto_key(), Some(key.as_str()));
        prop_assert_eq!(m.crypto_signature(), Some(crypto.as_str()));
        prop_assert_eq!(m.expiry(), expiry.as_deref());
        prop_assert_eq!(m.batch(), batch.as_deref());
        let price_s = price.map(|p| format!("{p:06}"));
        prop_assert_eq!(m.price_code(), price_s.as_deref());
        // The same with a reader prefix and FNC1 written as codeword 232.
        let alt = format!("]d2{}", code.replace(GS, "\u{e8}"));
        prop_assert_eq!(ExciseMark::parse(&alt), Ok(m));
    }

    #[test]
    fn any_wrong_check_digit_is_caught(gtin in gtin14(), bump in 1u8..10) {
        let mut b = gtin.into_bytes();
        b[13] = b'0' + (b[13] - b'0' + bump) % 10;
        let bad = String::from_utf8(b).unwrap_or_default();
        let is_bad_check = matches!(
            ExciseMark::parse(&format!("01{bad}21X{GS}93abcd")),
            Err(Gs1Error::BadCheckDigit { .. })
        );
        prop_assert!(is_bad_check);
    }

    #[test]
    fn receipt_sums_roundtrip(tiyn in 0i64..100_000_000_000, comma in any::<bool>()) {
        let sep = if comma { ',' } else { '.' };
        let url = format!(
            "https://consumer.oofd.kz/?i=123&f=456&s={}{sep}{:02}&t=20250101T120000",
            tiyn / 100,
            tiyn % 100
        );
        prop_assert_eq!(ReceiptQr::parse(&url).map(|q| q.total_tiyn), Ok(tiyn));
    }
}
