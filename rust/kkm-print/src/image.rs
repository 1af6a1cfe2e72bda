//! PNG output of a [`Bitmap`] (the body of the seed's GetDocumentImage).

use crate::bitmap::Bitmap;
use crate::error::PrintError;

impl Bitmap {
    /// Encodes the bitmap as a 1-bit greyscale PNG (black text on white).
    ///
    /// ```
    /// let png = kkm_print::Bitmap::new(16, 4).to_png().unwrap();
    /// assert_eq!(&png[1..4], b"PNG");
    /// ```
    pub fn to_png(&self) -> Result<Vec<u8>, PrintError> {
        let mut out = Vec::with_capacity(self.data().len() / 4 + 128);
        let mut encoder = png::Encoder::new(&mut out, self.width(), self.height());
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        encoder.set_compression(png::Compression::Fast);
        let mut writer = encoder
            .write_header()
            .map_err(|e| PrintError::Png(e.to_string()))?;
        // PNG greyscale: 1 = white, the opposite of the raster convention.
        let inverted: Vec<u8> = self.data().iter().map(|b| !b).collect();
        writer
            .write_image_data(&inverted)
            .map_err(|e| PrintError::Png(e.to_string()))?;
        writer
            .finish()
            .map_err(|e| PrintError::Png(e.to_string()))?;
        Ok(out)
    }
}
