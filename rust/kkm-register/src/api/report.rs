//! `MoneyPlacement` (внесение / изъятие наличных) and `ZXReport` (X- и Z-отчёты).

use kkm_core::money::bills_coins;
use kkm_core::{CoreError, Money, MoneyPlacementKind, ReportType, ZxReport};
use serde::{Deserialize, Serialize};

use super::common::{DateTimeObject, DocumentAnswer, OperatorObject, Tenge};

/// Request of `MoneyPlacement` (POST only) — `kkm_core`'s, re-exported.
pub type MoneyPlacementRequest = kkm_core::MoneyPlacementRequest;

/// `response_data` of `MoneyPlacement`.
///
/// Quirks: the table calls the body `money_placement`, the example `body` (written
/// `body`, both read); `ads_info` is in the example only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyPlacementResponse {
    /// The fields every fiscal-document answer carries (`command_type`, shift,
    /// registration data, …).
    #[serde(flatten)]
    pub document: DocumentAnswer,
    /// `body` — тело операции.
    #[serde(alias = "money_placement")]
    pub body: MoneyPlacementObject,
}

/// `MoneyPlacementObject` — the body of a deposit or withdrawal.
///
/// Quirk: its date-time field is `datetime` (a ticket's and a report's is
/// `date_time`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyPlacementObject {
    /// `datetime` — дата и время.
    pub datetime: DateTimeObject,
    /// `operation` — тип операции (0 внесение, 1 изъятие).
    pub operation: MoneyPlacementKind,
    /// `sum` — сумма.
    #[serde(with = "bills_coins")]
    pub sum: Money,
    /// `is_offline` — made autonomously (the table's "закрытие смены" wording is a
    /// copy-paste of the seed).
    pub is_offline: bool,
    /// `fr_shift_number` — номер смены.
    pub fr_shift_number: i64,
    /// `printed_document_number` — номер печатного документа.
    pub printed_document_number: u64,
    /// `operator` — оператор-кассир.
    pub operator: OperatorObject,
}

/// Request of `ZXReport` (POST only).
///
/// `report_type` is kept as its raw number so that an unknown type answers 34
/// (`invalid_report_type`) through [`ZxReportRequest::report_type`].
///
/// ```
/// let r: kkm_register::api::ZxReportRequest =
///     serde_json::from_str(r#"{"kkm_ofd_id": 6923, "report_type": 1}"#).unwrap();
/// assert_eq!(r.report_type(), Ok(kkm_core::ReportType::X));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ZxReportRequest {
    /// `kkm_ofd_id` — ID кассы в ОФД (required).
    pub kkm_ofd_id: i64,
    /// `report_type` — тип отчёта, raw `ReportTypeEnum` code (0 Z, 1 X; required).
    #[serde(rename = "report_type")]
    pub report_type_code: i64,
    /// `is_printable` — вывести на печать.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_printable: Option<bool>,
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

impl ZxReportRequest {
    /// The report type, or 34 (`invalid_report_type`) for an unknown code.
    pub fn report_type(&self) -> Result<ReportType, CoreError> {
        ReportType::from_request(self.report_type_code)
    }
}

/// `response_data` of `ZXReport`.
///
/// Quirk: `total_payments` is in the example only: five amounts in tenge indexed by
/// `PaymentTypeEnum` code (cash 0, card 1, 2 and 3 unused, mobile 4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZxReportResponse {
    /// `report_type` — тип отчёта.
    pub report_type: ReportType,
    /// `total_payments` — shift totals by payment type code 0..4, tenge.
    #[serde(default)]
    pub total_payments: Vec<Tenge>,
    /// The fields every fiscal-document answer carries (`command_type`, shift,
    /// registration data, …).
    #[serde(flatten)]
    pub document: DocumentAnswer,
    /// `body` — тело отчёта: `kkm_core`'s [`ZxReport`] (the seed's `ReportObject`).
    pub body: ZxReport,
}
