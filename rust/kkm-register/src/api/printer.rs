//! Printers and images: `GetPrinterList` (список принтеров) and `GetDocumentImage`
//! (изображение документа).

use serde::{Deserialize, Serialize};

use super::common::{NoParams, PrinterType};

/// Request of `GetPrinterList` (GET/POST; the seed's core offers it on Windows only):
/// no parameters.
pub type GetPrinterListRequest = NoParams;

/// `response_data` of `GetPrinterList`: the printers the machine offers.
pub type GetPrinterListResponse = Vec<PrinterListEntry>;

/// `TPrinterEntity` — a printer GetPrinterList offers (not defined in the seed's
/// tables; shaped as its example).
///
/// Quirk: its id is written `ID`, while a KKM's [`super::PrinterEntity`] writes `id`.
/// Both are read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterListEntry {
    /// `ID` — порядковый номер (what SaveKKM's `printer.id` refers to).
    #[serde(rename = "ID", alias = "id")]
    pub id: i64,
    /// `name` — название (a port `COM3`, a Windows printer, a Bluetooth device).
    pub name: String,
    /// `type` — тип принтера.
    #[serde(rename = "type")]
    pub kind: PrinterType,
}

/// Request of `GetDocumentImage` (POST only): the image of a document already made,
/// found by shift and number.
///
/// Quirk: `is_original` is in the example, not in the table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GetDocumentImageRequest {
    /// `kkm_ofd_id` — ID кассы в ОФД (required).
    pub kkm_ofd_id: i64,
    /// `fr_shift_number` — номер смены (required).
    pub fr_shift_number: i64,
    /// `shift_document_number` — номер документа в смене (required).
    pub shift_document_number: i64,
    /// `is_original` — the original rather than a duplicate (example only; default
    /// `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_original: Option<bool>,
    /// `image_width` — ширина изображения в пикселях (default 384, 58 mm paper).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_width: Option<u32>,
    /// `image_scale` — масштаб изображения (default 1.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_scale: Option<f64>,
    /// `image_pixel_draw_threshold` — порог отрисовки пикселя, 0..255 (default 128).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pixel_draw_threshold: Option<u32>,
}

impl GetDocumentImageRequest {
    /// Default `image_width`: 384 pixels (58 mm paper, Rongta RPP-02).
    pub const DEFAULT_IMAGE_WIDTH: u32 = 384;
    /// Default `image_scale`.
    pub const DEFAULT_IMAGE_SCALE: f64 = 1.0;
    /// Default `image_pixel_draw_threshold`.
    pub const DEFAULT_PIXEL_DRAW_THRESHOLD: u32 = 128;
}

/// The answer of `GetDocumentImage` on success: not JSON but the PNG itself, served as
/// [`DocumentImage::CONTENT_TYPE`]. Failures answer the JSON [`super::Envelope`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentImage {
    /// The PNG file.
    pub png: Vec<u8>,
}

impl DocumentImage {
    /// `Content-Type` of the answer.
    pub const CONTENT_TYPE: &'static str = "image/png";
}

/// Request of `GetPrintJobList` (our addition; GET/POST): the print jobs, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetPrintJobListRequest {
    /// Only this KKM's jobs (whoever may view its journal); absent: all KKMs
    /// (administrators).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kkm_ofd_id: Option<i64>,
    /// Only this printer's jobs (its address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer: Option<String>,
    /// At most this many (default 100, at most 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// Request of `ReprintDocument` (our addition; POST): a copy marked «ДУБЛИКАТ» of a
/// document, found as GetDocumentImage finds it, queued on a printer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReprintDocumentRequest {
    /// `kkm_ofd_id` — ID кассы в ОФД (required).
    pub kkm_ofd_id: i64,
    /// `fr_shift_number` — номер смены (required).
    pub fr_shift_number: i64,
    /// `shift_document_number` — номер документа в смене (required).
    pub shift_document_number: i64,
    /// A printer address; absent: the KKM's printer (SaveKKM's `printer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer: Option<String>,
}
