#![no_main]
//! Any bytes → the GS1 and receipt parsers must return Ok or a typed error, never panic;
//! a parsed mark must re-parse from its own `excise_stamp` to the same value.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(m) = kkm_scan::ExciseMark::parse(s) {
            assert_eq!(kkm_scan::ExciseMark::parse(m.excise_stamp()).as_ref(), Ok(&m));
        }
        let _ = kkm_scan::gs1::parse_elements(s);
        let _ = kkm_scan::ReceiptQr::parse(s);
    }
});
