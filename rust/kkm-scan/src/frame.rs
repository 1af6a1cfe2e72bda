//! Frames as cameras and files deliver them, reduced to what decoders read: 8-bit luma.
//!
//! Android's `ImageAnalysis` gives `YUV_420_888`; its plane 0 (Y) is already luma with a
//! row stride that may exceed the width (padding). NV21 (the old Camera API) starts with the
//! same Y plane, tightly packed. We never convert colour for YUV: the Y plane *is* the
//! picture a decoder needs, so a frame is borrowed, not copied, until the scanner crops it.

use std::path::Path;

use thiserror::Error;

/// Why a buffer cannot be read as a frame.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FrameError {
    /// Width or height is zero.
    #[error("frame has no pixels ({width}×{height})")]
    Empty {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// The row stride is shorter than a row.
    #[error("row stride {stride} is less than the row length {row_bytes} bytes")]
    StrideTooSmall {
        /// Declared stride in bytes.
        stride: usize,
        /// Bytes one row needs.
        row_bytes: usize,
    },
    /// The buffer is shorter than width, height and stride say.
    #[error("buffer holds {got} bytes but the frame needs {needed}")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        got: usize,
    },
    /// The frame is larger than any camera we support (guards against absurd sizes).
    #[error("frame {width}×{height} is larger than the 16384×16384 limit")]
    TooLarge {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// An image file could not be read or decoded.
    #[error("cannot read image: {0}")]
    Image(String),
}

/// Largest side we accept; a 200 MP sensor is ~16k wide.
const MAX_SIDE: u32 = 16_384;

fn check_dims(
    width: u32,
    height: u32,
    row_stride: usize,
    bpp: usize,
    len: usize,
) -> Result<(), FrameError> {
    if width == 0 || height == 0 {
        return Err(FrameError::Empty { width, height });
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(FrameError::TooLarge { width, height });
    }
    let row_bytes = width as usize * bpp;
    if row_stride < row_bytes {
        return Err(FrameError::StrideTooSmall {
            stride: row_stride,
            row_bytes,
        });
    }
    // The last row needs only its pixels, not the padding after them (Android omits it).
    let needed = row_stride * (height as usize - 1) + row_bytes;
    if len < needed {
        return Err(FrameError::BufferTooSmall { needed, got: len });
    }
    Ok(())
}

/// A borrowed 8-bit luma image with a row stride: the Y plane of a camera frame.
#[derive(Debug, Clone, Copy)]
pub struct LumaFrame<'a> {
    data: &'a [u8],
    width: u32,
    height: u32,
    row_stride: usize,
}

impl<'a> LumaFrame<'a> {
    /// The Y plane of a `YUV_420_888` image (`planes[0]`: its buffer and `rowStride`; the
    /// Y plane's pixel stride is always 1).
    ///
    /// ```
    /// # use kkm_scan::LumaFrame;
    /// let y = vec![128u8; 64 * 48 + 16 * 47]; // 64 wide, stride 80, no padding after the last row
    /// let frame = LumaFrame::from_y_plane(&y, 64, 48, 80).unwrap();
    /// assert_eq!(frame.width(), 64);
    /// ```
    pub fn from_y_plane(
        data: &'a [u8],
        width: u32,
        height: u32,
        row_stride: usize,
    ) -> Result<Self, FrameError> {
        check_dims(width, height, row_stride, 1, data.len())?;
        Ok(LumaFrame {
            data,
            width,
            height,
            row_stride,
        })
    }

    /// An NV21 buffer (Y plane, tightly packed, then interleaved VU); only Y is read.
    pub fn from_nv21(data: &'a [u8], width: u32, height: u32) -> Result<Self, FrameError> {
        Self::from_y_plane(data, width, height, width as usize)
    }

    /// A tightly packed 8-bit grey image.
    pub fn from_gray(data: &'a [u8], width: u32, height: u32) -> Result<Self, FrameError> {
        Self::from_y_plane(data, width, height, width as usize)
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Bytes from one row to the next.
    pub fn row_stride(&self) -> usize {
        self.row_stride
    }

    /// Row `y` (exactly `width` bytes). `y` must be below the height.
    pub fn row(&self, y: u32) -> &'a [u8] {
        let start = y as usize * self.row_stride;
        &self.data[start..start + self.width as usize]
    }
}

/// An owned, tightly packed 8-bit luma image (from RGBA, a file, or a generator).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedLuma {
    data: Vec<u8>,
    width: u32,
    height: u32,
}

impl OwnedLuma {
    /// Wraps a packed grey buffer of exactly `width × height` bytes.
    pub fn from_vec(data: Vec<u8>, width: u32, height: u32) -> Result<Self, FrameError> {
        check_dims(width, height, width as usize, 1, data.len())?;
        let mut data = data;
        data.truncate(width as usize * height as usize);
        Ok(OwnedLuma {
            data,
            width,
            height,
        })
    }

    /// A white image (used as a harmless placeholder).
    pub fn blank(width: u32, height: u32) -> Self {
        OwnedLuma {
            data: vec![255; width as usize * height as usize],
            width,
            height,
        }
    }

    /// Converts RGBA (4 bytes per pixel, `row_stride` bytes per row; Android `Bitmap` /
    /// `ImageAnalysis` `OUTPUT_IMAGE_FORMAT_RGBA_8888`) to luma with BT.601 integer weights.
    /// Alpha is ignored.
    pub fn from_rgba(
        data: &[u8],
        width: u32,
        height: u32,
        row_stride: usize,
    ) -> Result<Self, FrameError> {
        check_dims(width, height, row_stride, 4, data.len())?;
        let mut out = Vec::with_capacity(width as usize * height as usize);
        for y in 0..height as usize {
            let row = &data[y * row_stride..y * row_stride + width as usize * 4];
            out.extend(row.chunks_exact(4).map(|p| {
                ((77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2]) + 128) >> 8)
                    as u8
            }));
        }
        Ok(OwnedLuma {
            data: out,
            width,
            height,
        })
    }

    /// Decodes a PNG or JPEG (or any format the `image` crate was built with) from bytes.
    pub fn from_image_bytes(bytes: &[u8]) -> Result<Self, FrameError> {
        let img = image::load_from_memory(bytes).map_err(|e| FrameError::Image(e.to_string()))?;
        Self::from_dynamic(img)
    }

    /// Reads and decodes an image file.
    pub fn from_image_file(path: impl AsRef<Path>) -> Result<Self, FrameError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| FrameError::Image(format!("{}: {e}", path.display())))?;
        Self::from_image_bytes(&bytes)
    }

    fn from_dynamic(img: image::DynamicImage) -> Result<Self, FrameError> {
        let g = img.into_luma8();
        let (w, h) = g.dimensions();
        Self::from_vec(g.into_raw(), w, h)
    }

    /// Writes the image as an 8-bit grey PNG (tests, the benchmark's comparison set).
    pub fn save_png(&self, path: impl AsRef<Path>) -> Result<(), FrameError> {
        image::save_buffer(
            path,
            &self.data,
            self.width,
            self.height,
            image::ExtendedColorType::L8,
        )
        .map_err(|e| FrameError::Image(e.to_string()))
    }

    /// Borrows as a frame.
    pub fn as_frame(&self) -> LumaFrame<'_> {
        LumaFrame {
            data: &self.data,
            width: self.width,
            height: self.height,
            row_stride: self.width as usize,
        }
    }

    /// The packed pixels.
    pub fn pixels(&self) -> &[u8] {
        &self.data
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }
}

/// A rectangle in frame pixels (a region of interest: e.g. the viewfinder box on screen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roi {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Roi {
    /// The centred box covering `fraction` (0–1] of each side of a `w × h` frame.
    pub fn centered(w: u32, h: u32, fraction: f32) -> Roi {
        let f = if fraction.is_finite() {
            fraction.clamp(0.05, 1.0)
        } else {
            1.0
        };
        let (rw, rh) = (((w as f32) * f) as u32, ((h as f32) * f) as u32);
        Roi {
            x: (w - rw.min(w)) / 2,
            y: (h - rh.min(h)) / 2,
            width: rw.max(1),
            height: rh.max(1),
        }
    }

    /// Clamps to a `w × h` frame; `None` when nothing is left.
    pub fn clamp_to(&self, w: u32, h: u32) -> Option<Roi> {
        if self.x >= w || self.y >= h {
            return None;
        }
        let width = self.width.min(w - self.x);
        let height = self.height.min(h - self.y);
        (width > 0 && height > 0).then_some(Roi {
            x: self.x,
            y: self.y,
            width,
            height,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn y_plane_with_padding_and_short_last_row() {
        let (w, h, stride) = (10u32, 3u32, 16usize);
        let mut buf = vec![0u8; stride * 2 + 10];
        for y in 0..3 {
            for x in 0..10 {
                buf[y * stride + x] = (y * 10 + x) as u8;
            }
        }
        let f = LumaFrame::from_y_plane(&buf, w, h, stride).unwrap();
        assert_eq!(f.row(2)[9], 29);
        assert_eq!(
            LumaFrame::from_y_plane(&buf[..buf.len() - 1], w, h, stride).unwrap_err(),
            FrameError::BufferTooSmall {
                needed: 42,
                got: 41
            }
        );
        assert!(matches!(
            LumaFrame::from_y_plane(&buf, w, h, 8),
            Err(FrameError::StrideTooSmall { .. })
        ));
        assert!(matches!(
            LumaFrame::from_y_plane(&buf, 0, h, stride),
            Err(FrameError::Empty { .. })
        ));
    }

    #[test]
    fn nv21_reads_only_luma() {
        let (w, h) = (4u32, 2u32);
        let mut buf = vec![200u8; 8];
        buf.extend([1u8; 4]); // VU
        let f = LumaFrame::from_nv21(&buf, w, h).unwrap();
        assert_eq!(f.row(1), &[200; 4]);
    }

    #[test]
    fn rgba_to_luma() {
        let px = [255u8, 255, 255, 0, 0, 0, 0, 255, 255, 0, 0, 255];
        let l = OwnedLuma::from_rgba(&px, 3, 1, 12).unwrap();
        assert_eq!(l.pixels(), &[255, 0, 77]);
        assert!(OwnedLuma::from_rgba(&px, 4, 1, 16).is_err());
    }

    #[test]
    fn bad_image_bytes_are_an_error() {
        assert!(matches!(
            OwnedLuma::from_image_bytes(b"not a png"),
            Err(FrameError::Image(_))
        ));
    }

    #[test]
    fn roi_clamps() {
        let r = Roi {
            x: 100,
            y: 50,
            width: 1000,
            height: 1000,
        };
        assert_eq!(
            r.clamp_to(640, 480),
            Some(Roi {
                x: 100,
                y: 50,
                width: 540,
                height: 430
            })
        );
        assert_eq!(r.clamp_to(100, 480), None);
        let c = Roi::centered(1280, 720, 0.5);
        assert_eq!((c.x, c.y, c.width, c.height), (320, 180, 640, 360));
    }
}
