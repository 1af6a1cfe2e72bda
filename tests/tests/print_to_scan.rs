//! The receipt kkm-print renders carries a QR that kkm-scan reads back as the OFD check
//! URL of that receipt: what a customer's phone, or our own return-by-scan, will see.

use kkm_print::model::{Language, PrintDocument};
use kkm_print::sample;
use kkm_scan::{OwnedLuma, ReceiptQr, Scanner};

#[test]
fn the_printed_receipt_qr_scans_back_to_its_check_url() {
    let receipt = PrintDocument::Receipt(sample::seed_sale(Language::Ru));
    let png = kkm_print::render_png(&receipt, &Default::default()).expect("renders");
    let frame = OwnedLuma::from_image_bytes(&png).expect("a PNG");
    let found = Scanner::new(Default::default())
        .scan(&frame.as_frame())
        .expect("the QR is readable");
    let qr = ReceiptQr::parse(&found.text).expect("an OFD check URL");
    assert_eq!(qr.fiscal_id, "1008");
    assert_eq!(qr.rnm, "010100134464");
    assert_eq!(qr.total_tiyn, 175_000);
}
