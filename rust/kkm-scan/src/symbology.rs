//! The symbologies the register meets, named without any decoder attached (so the
//! parsers can say what a text came from without linking the camera decoders).

/// A symbology the scanner reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Symbology {
    /// Data Matrix ECC 200 (excise marks are GS1 DataMatrix).
    DataMatrix,
    /// QR Code (receipt check URLs).
    QrCode,
    /// EAN-13.
    Ean13,
    /// EAN-8.
    Ean8,
    /// UPC-A.
    UpcA,
    /// Code 128 (incl. GS1-128).
    Code128,
}

impl Symbology {
    /// `true` for the 1-D (linear) symbologies.
    pub fn is_linear(self) -> bool {
        matches!(
            self,
            Symbology::Ean13 | Symbology::Ean8 | Symbology::UpcA | Symbology::Code128
        )
    }

    /// Every symbology, DataMatrix first.
    pub const ALL: [Symbology; 6] = [
        Symbology::DataMatrix,
        Symbology::QrCode,
        Symbology::Ean13,
        Symbology::Ean8,
        Symbology::UpcA,
        Symbology::Code128,
    ];
}
