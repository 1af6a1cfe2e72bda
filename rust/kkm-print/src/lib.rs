//! # kkm-print — what the customer holds in their hand
//!
//! Owns the layout of receipts, money placements and X/Z reports with every requisite
//! of Order No. 626 (chapter 3), the QR code of the OFD check URL, rendering to plain
//! text (32/42/48 columns) and to a monochrome bitmap with an embedded font covering
//! Cyrillic and the Kazakh letters, PNG and ESC/POS raster output, and the printer
//! transports behind one `PrinterTransport` trait (BLE GATT, TCP 9100, serial/USB,
//! file). A print failure never touches a fiscal document.
#![forbid(unsafe_code)]
