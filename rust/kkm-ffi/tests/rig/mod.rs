//! What the facade's tests share: a register configuration on a fresh temporary folder
//! talking to an in-process OFD emulator, and a KKM registered in it with the default
//! administrator (PIN `0000`).

#![allow(dead_code)] // each test binary uses its part

use std::path::PathBuf;
use std::sync::Arc;

use kkm_ffi::{BasketItem, KkmRegister, KkmSetup, OfdServer, RegisterConfig};
use kkm_ffi_testkit::{EmulatedKkm, OfdEmulator};

/// The OFD's uid the tests register with.
pub const OFD_UID: &str = "4C49A0CB1DD4413387F6E6199CBB1B2A";
/// The check site printed on receipts.
pub const CHECK_URL: &str = "http://consumer.oofd.kz";

/// An empty temporary folder named after `name` and this process.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kkm-ffi-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A configuration on `dir` with data key `key` and one OFD at `host:port` (2 s
/// budget, quick retries, Kazakhstan's zone).
pub fn config(dir: &std::path::Path, key: u8, host: String, port: i32) -> RegisterConfig {
    RegisterConfig {
        data_dir: dir.display().to_string(),
        data_key: Some(vec![key; 32]),
        ofds: vec![OfdServer {
            uid: OFD_UID.into(),
            name: "Казахтелеком".into(),
            host,
            port,
            tls: false,
            check_url: CHECK_URL.into(),
        }],
        ofd_budget_ms: 2000,
        retry_initial_ms: 50,
        retry_max_ms: 200,
        utc_offset_secs: None,
    }
}

/// An emulator knowing KKM `kkm` with `token`.
pub fn emulator(kkm: i64, token: i64) -> Arc<OfdEmulator> {
    OfdEmulator::start(vec![EmulatedKkm { kkm_id: kkm, token }]).expect("emulator")
}

/// Registers KKM `kkm` with `token` in `register` as the default administrator.
pub fn register_kkm(register: &KkmRegister, kkm: i64, token: i64) {
    register
        .save_kkm(
            "0000".into(),
            KkmSetup {
                kkm_ofd_id: kkm,
                ofd_token: Some(token),
                name: None,
                ofd_uid: None,
                operator_ids: None,
            },
        )
        .expect("SaveKKM");
}

/// A line of `quantity_milli` thousandths of `name` at `price_tiyn`, VAT 12 %, with
/// `discount_tiyn` off.
pub fn item(name: &str, price_tiyn: i64, quantity_milli: i64, discount_tiyn: i64) -> BasketItem {
    BasketItem {
        name: name.into(),
        section: "1".into(),
        price_tiyn,
        quantity_milli,
        unit_code: "796".into(),
        barcode: None,
        excise_mark: None,
        discount_tiyn,
        vat_milli_percent: Some(12_000),
        markup_tiyn: 0,
        mark_required: false,
    }
}
