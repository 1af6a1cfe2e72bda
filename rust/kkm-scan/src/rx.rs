//! The rxing side of the scanner: its hybrid binariser and our local-mean binariser,
//! its DataMatrix (zxing-cpp-style), QR and 1-D readers on a binarised plane, and the
//! conversion of its results.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::OnceLock;

use rxing::common::DetectorRXingResult;
use rxing::common::{BitArray, BitMatrix, HybridBinarizer};
use rxing::datamatrix::decoder::Decoder as DmDecoder;
use rxing::datamatrix::detector::zxing_cpp_detector;
use rxing::oned::MultiFormatOneDReader;
use rxing::qrcode::QRCodeReader;
use rxing::{
    BarcodeFormat, Binarizer, BinaryBitmap, DecodeHints, ImmutableReader, Luma8Source,
    LuminanceSource, RXingResult, RXingResultMetadataType, RXingResultMetadataValue, Reader,
};

use crate::decode::{Decoded, FormatSet};
use crate::plane::Plane;
use crate::Symbology;

/// A binarisation method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// rxing's hybrid binariser (8×8 blocks, 5×5 block neighbourhood).
    Hybrid,
    /// Our integral-image local mean.
    LocalMean,
}

/// A quadrilateral in plane coordinates where a DataMatrix was located but not decoded.
pub(crate) type Quad = [(f32, f32); 4];

fn symbology_from_rxing(f: &BarcodeFormat) -> Option<Symbology> {
    Some(match f {
        BarcodeFormat::DATA_MATRIX => Symbology::DataMatrix,
        BarcodeFormat::QR_CODE => Symbology::QrCode,
        BarcodeFormat::EAN_13 => Symbology::Ean13,
        BarcodeFormat::EAN_8 => Symbology::Ean8,
        BarcodeFormat::UPC_A => Symbology::UpcA,
        BarcodeFormat::CODE_128 => Symbology::Code128,
        _ => return None,
    })
}

fn symbology_to_rxing(s: Symbology) -> BarcodeFormat {
    match s {
        Symbology::DataMatrix => BarcodeFormat::DATA_MATRIX,
        Symbology::QrCode => BarcodeFormat::QR_CODE,
        Symbology::Ean13 => BarcodeFormat::EAN_13,
        Symbology::Ean8 => BarcodeFormat::EAN_8,
        Symbology::UpcA => BarcodeFormat::UPC_A,
        Symbology::Code128 => BarcodeFormat::CODE_128,
    }
}

fn hints(formats: FormatSet) -> DecodeHints {
    let set: HashSet<BarcodeFormat> = formats.iter().map(symbology_to_rxing).collect();
    DecodeHints {
        TryHarder: Some(true),
        PossibleFormats: Some(set),
        ..DecodeHints::default()
    }
}

/// Binarises `plane` and runs the readers for `formats`. DataMatrix symbols that are
/// located but not decoded are added to `candidates` (plane coordinates).
pub(crate) fn read_plane(
    plane: &Plane,
    method: Method,
    inverted: bool,
    formats: FormatSet,
    candidates: Option<&mut Vec<Quad>>,
) -> Option<Decoded> {
    let source = Luma8Source::new_with_slice(&plane.data, plane.width, plane.height).ok()?;
    match method {
        Method::Hybrid => {
            let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(source));
            read_bitmap(&mut bitmap, inverted, formats, candidates)
        }
        Method::LocalMean => {
            let mut bitmap = BinaryBitmap::new(LocalMeanBinarizer::new(source));
            read_bitmap(&mut bitmap, inverted, formats, candidates)
        }
    }
}

static DM_DECODER: OnceLock<DmDecoder> = OnceLock::new();

/// rxing's zxing-cpp-style DataMatrix detector over the binarised matrix, decoding every
/// symbol it locates; undecodable ones become candidates for a full-resolution retry.
fn read_datamatrix(matrix: &BitMatrix, candidates: Option<&mut Vec<Quad>>) -> Option<Decoded> {
    let found = zxing_cpp_detector::detect(matrix, true, true).ok()?;
    let decoder = DM_DECODER.get_or_init(DmDecoder::new);
    let mut failed = Vec::new();
    for sym in &found {
        let points: Vec<(f32, f32)> = sym.getPoints().iter().map(|p| (p.x, p.y)).collect();
        match decoder.decode(sym.getBits()) {
            Ok(r) => {
                let modifier = r.getSymbologyModifier();
                return Some(Decoded {
                    symbology: Symbology::DataMatrix,
                    text: r.getText().to_string(),
                    gs1: r.getContentType() == "GS1" || modifier == 2,
                    symbology_id: Some(format!("]d{modifier}")),
                    points,
                    pass: 0,
                    ecc: None,
                    modules: None,
                });
            }
            Err(_) => {
                if points.len() == 4 {
                    failed.push([points[0], points[1], points[2], points[3]]);
                }
            }
        }
    }
    if let Some(c) = candidates {
        c.extend(failed);
    }
    None
}

fn read_bitmap<B: Binarizer>(
    bitmap: &mut BinaryBitmap<B>,
    inverted: bool,
    formats: FormatSet,
    candidates: Option<&mut Vec<Quad>>,
) -> Option<Decoded> {
    let hints = hints(formats);
    if inverted {
        // Only the 2-D matrix readers look at the inverted matrix; 1-D readers scan rows
        // of the source directly, and inverted EANs do not occur on packaging.
        if !(formats.contains(Symbology::DataMatrix) || formats.contains(Symbology::QrCode)) {
            return None;
        }
        bitmap.get_black_matrix_mut().flip_self();
    }
    if formats.contains(Symbology::DataMatrix) {
        if let Some(d) = read_datamatrix(bitmap.get_black_matrix(), candidates) {
            return Some(d);
        }
    }
    if formats.contains(Symbology::QrCode) {
        if let Ok(r) = QRCodeReader.immutable_decode_with_hints(bitmap, &hints) {
            return to_decoded(&r);
        }
    }
    if formats.has_linear() && !inverted {
        let mut reader = MultiFormatOneDReader::new(&hints);
        if let Ok(r) = reader.decode_with_hints(bitmap, &hints) {
            return to_decoded(&r);
        }
    }
    None
}

pub(crate) fn to_decoded(r: &RXingResult) -> Option<Decoded> {
    let symbology = symbology_from_rxing(r.getBarcodeFormat())?;
    let meta = r.getRXingResultMetadata();
    let symbology_id = match meta.get(&RXingResultMetadataType::SYMBOLOGY_IDENTIFIER) {
        Some(RXingResultMetadataValue::SymbologyIdentifier(s)) => Some(s.clone()),
        _ => None,
    };
    let content_gs1 = matches!(
        meta.get(&RXingResultMetadataType::CONTENT_TYPE),
        Some(RXingResultMetadataValue::ContentType(t)) if t == "GS1"
    );
    let gs1 = content_gs1
        || matches!(
            symbology_id.as_deref(),
            Some("]d2") | Some("]Q3") | Some("]C1")
        );
    Some(Decoded {
        symbology,
        text: r.getText().to_string(),
        gs1,
        symbology_id,
        points: r.getPoints().iter().map(|p| (p.x, p.y)).collect(),
        pass: 0,
        ecc: None,
        modules: None,
    })
}

/// Local-mean thresholding over an integral image: a pixel is dark when it is darker than
/// the mean of its `(2r+1)²` neighbourhood by more than a small margin. The window is
/// about 1/24 of the shorter side (≈ 15 px on 720p: two to five modules of a mark), so it
/// follows glare and shading; the margin keeps flat areas white instead of salt-and-pepper.
struct LocalMeanBinarizer<'a> {
    source: Luma8Source<'a>,
    matrix: BitMatrix,
}

impl<'a> LocalMeanBinarizer<'a> {
    fn new(source: Luma8Source<'a>) -> Self {
        let w = source.get_width();
        let h = source.get_height();
        let pixels = source.get_matrix();
        let matrix = local_mean_threshold(&pixels, w, h).unwrap_or_else(|| {
            BitMatrix::new(w.max(1) as u32, h.max(1) as u32)
                .unwrap_or_else(|_| BitMatrix::parse_bools(&[vec![false]]))
        });
        LocalMeanBinarizer { source, matrix }
    }
}

fn local_mean_threshold(px: &[u8], w: usize, h: usize) -> Option<BitMatrix> {
    let mut m = BitMatrix::new(w as u32, h as u32).ok()?;
    let r = (w.min(h) / 48).clamp(4, 40);
    // Integral image with a zero row/column in front.
    let iw = w + 1;
    let mut integral = vec![0u32; iw * (h + 1)];
    for y in 0..h {
        let mut row_sum = 0u32;
        for x in 0..w {
            row_sum += u32::from(px[y * w + x]);
            integral[(y + 1) * iw + x + 1] = integral[y * iw + x + 1] + row_sum;
        }
    }
    for y in 0..h {
        let y0 = y.saturating_sub(r);
        let y1 = (y + r + 1).min(h);
        for x in 0..w {
            let x0 = x.saturating_sub(r);
            let x1 = (x + r + 1).min(w);
            let sum = integral[y1 * iw + x1] + integral[y0 * iw + x0]
                - integral[y0 * iw + x1]
                - integral[y1 * iw + x0];
            let n = ((y1 - y0) * (x1 - x0)) as u32;
            // dark if p*n < sum - margin*n, margin ~ 3% of the local mean + 2 levels.
            let p = u32::from(px[y * w + x]) * n;
            let margin = sum / 32 + 2 * n;
            if p + margin < sum {
                m.set(x as u32, y as u32);
            }
        }
    }
    Some(m)
}

impl<'a> Binarizer for LocalMeanBinarizer<'a> {
    type Source = Luma8Source<'a>;

    fn get_luminance_source(&self) -> &Self::Source {
        &self.source
    }

    fn get_black_row(&self, y: usize) -> rxing::common::Result<Cow<'_, BitArray>> {
        Ok(Cow::Owned(self.matrix.getRow(y as u32)))
    }

    fn get_black_row_from_matrix(&self, y: usize) -> rxing::common::Result<Cow<'_, BitArray>> {
        self.get_black_row(y)
    }

    fn get_black_matrix(&self) -> rxing::common::Result<&BitMatrix> {
        Ok(&self.matrix)
    }

    fn get_black_line(
        &self,
        l: usize,
        lt: rxing::common::LineOrientation,
    ) -> rxing::common::Result<Cow<'_, BitArray>> {
        match lt {
            rxing::common::LineOrientation::Row => self.get_black_row(l),
            rxing::common::LineOrientation::Column => Ok(Cow::Owned(self.matrix.getCol(l as u32))),
        }
    }

    fn create_binarizer(&self, source: Self::Source) -> Self {
        LocalMeanBinarizer::new(source)
    }

    fn get_width(&self) -> usize {
        self.source.get_width()
    }

    fn get_height(&self) -> usize {
        self.source.get_height()
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    /// Exposes the result conversion to other unit tests.
    pub fn to_decoded_pub(r: &rxing::RXingResult) -> Option<super::Decoded> {
        super::to_decoded(r)
    }
}
