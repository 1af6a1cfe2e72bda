//! The seed API's request bodies as they arrive, before validation.
//!
//! These structs mirror the JSON of `TradeOperation` (and its `Item`, `Commodity`,
//! `Tax`, `Payment`, `Modifier`, `Amounts` objects) and of `MoneyPlacement` field for
//! field. Every field is optional and every number is kept as its JSON text
//! ([`JsonNumber`]), so that a missing or malformed value is reported by
//! [`crate::receipt::validate_trade_operation`] with the seed's error code for that
//! field (a bad price is 94, a bad quantity 47, …) instead of a generic parse error.
//! Unknown fields are ignored, as the seed's core does.
//!
//! Our addition (DESIGN.md §6): `parent_ticket: {"fiscal_id": "…"}` on returns.

use serde::{Deserialize, Serialize};

use crate::money::JsonNumber;

/// Body of `POST /TradeOperation`.
///
/// ```
/// let body = r#"{"kkm_ofd_id": 6923, "operation": 2, "items": []}"#;
/// let request: kkm_core::TradeOperationRequest = serde_json::from_str(body).unwrap();
/// assert_eq!(request.operation, Some(2));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TradeOperationRequest {
    /// `kkm_ofd_id` — ID of the KKM at the OFD (routing; not checked here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kkm_ofd_id: Option<i64>,
    /// `is_printable` — print the receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_printable: Option<bool>,
    /// `image_width` — receipt image width in pixels (default 384).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_width: Option<u32>,
    /// `image_scale` — image scale (default 1.0), kept as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_scale: Option<JsonNumber>,
    /// `image_pixel_draw_threshold` — 0..255 (default 128).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_pixel_draw_threshold: Option<u32>,
    /// `operation` — `OperationTypeEnum` code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<i64>,
    /// `domain` — trade domain (`{"type": 0}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<DomainRequest>,
    /// `items` — goods and services, 1..n.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<ItemRequest>>,
    /// `payments` — at most one per payment type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payments: Option<Vec<PaymentRequest>>,
    /// `taxes` — taxes on the whole receipt (exclusive with item taxes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxes: Option<Vec<TaxRequest>>,
    /// `amounts` — totals, taken/change, receipt discount or markup.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amounts: Option<AmountsRequest>,
    /// `customer_iin_or_bin` — ИИН/БИН of the buyer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_iin_or_bin: Option<String>,
    /// `customer_email` — our addition: the buyer's e-mail; the OFD sends the receipt
    /// there (CPCR `extension_options.customer_email`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_email: Option<String>,
    /// `customer_phone` — our addition: the buyer's phone for the e-receipt
    /// (`extension_options.customer_phone`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_phone: Option<String>,
    /// `parent_ticket` — our addition: the receipt a return refers to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_ticket: Option<ParentTicketRequest>,
    /// `auxiliary` — extra key/value pairs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auxiliary: Option<Vec<KeyValue>>,
}

/// `domain` of a receipt.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DomainRequest {
    /// `type` — `DomainTypeEnum` code.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<i64>,
    /// `services` — services and hotels: `{account_number}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub services: Option<ServicesRequest>,
    /// `gasoil` — fuel: `{correction_number, correction_sum, card_number}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gasoil: Option<GasOilRequest>,
    /// `taxi` — `{car_number, is_order, current_fee}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxi: Option<TaxiRequest>,
    /// `parking` — `{begin_time, end_time}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parking: Option<ParkingRequest>,
}

/// `domain.services` (`TicketRequest::Domain::Services`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServicesRequest {
    /// `account_number` — лицевой счёт (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
}

/// `domain.gasoil` (`TicketRequest::Domain::GasOil`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GasOilRequest {
    /// `correction_number` — номер коррекции.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correction_number: Option<String>,
    /// `correction_sum` — сумма коррекции, tenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correction_sum: Option<JsonNumber>,
    /// `card_number` — номер карты.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_number: Option<String>,
}

/// `domain.taxi` (`TicketRequest::Domain::Taxi`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxiRequest {
    /// `car_number` — госномер (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub car_number: Option<String>,
    /// `is_order` — by order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_order: Option<bool>,
    /// `current_fee` — текущий тариф, tenge (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_fee: Option<JsonNumber>,
}

/// `domain.parking` (`TicketRequest::Domain::Parking`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ParkingRequest {
    /// `begin_time` — `yyyy-MM-ddTHH:mm:ss` (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub begin_time: Option<String>,
    /// `end_time` — `yyyy-MM-ddTHH:mm:ss` (required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
}

/// One element of `items` (`Item`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ItemRequest {
    /// `type` — `ItemTypeEnum` code (1 commodity, 3 markup, 5 discount).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<i64>,
    /// `commodity` — the good or service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commodity: Option<CommodityRequest>,
    /// `discount` — a discount on this item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<ModifierRequest>,
    /// `markup` — a markup on this item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markup: Option<ModifierRequest>,
}

/// `Commodity` — a good or service.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommodityRequest {
    /// `name` — наименование.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `section_code` — отдел / section (required, 82).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section_code: Option<String>,
    /// `quantity` — units (≤ 3 decimals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<JsonNumber>,
    /// `price` — unit price in tenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<JsonNumber>,
    /// `sum` — `price × quantity` in tenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum: Option<JsonNumber>,
    /// `taxes` — taxes of this item (exclusive with receipt taxes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxes: Option<Vec<TaxRequest>>,
    /// `excise_stamp` — the DataMatrix marking code, GS kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excise_stamp: Option<String>,
    /// `physical_label` — series and number of a paper excise stamp.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical_label: Option<String>,
    /// `product_id` — сквозной идентификатор товара (ИС ЭСФ).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// `barcode` — GTIN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    /// `measure_unit_code` — unit code of ИС ЭСФ (required, 81).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure_unit_code: Option<String>,
    /// `ntin` — our addition: the national goods identifier (НТИН) of the national
    /// catalogue, sent to the OFD (CPCR 2.0.3 `Commodity.ntin`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ntin: Option<String>,
    /// `auxiliary` — extra key/value pairs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auxiliary: Option<Vec<KeyValue>>,
}

/// `Tax` — a tax line of an item, a modifier or the receipt.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxRequest {
    /// `taxation_type` — `TaxationTypeEnum` code (100..103).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxation_type: Option<i64>,
    /// `percent` — rate in percent (`12`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<JsonNumber>,
    /// `sum` — the tax in tenge as the client computed it (the register recomputes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum: Option<JsonNumber>,
    /// `is_in_total_sum` — VAT included in the sum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_in_total_sum: Option<bool>,
}

/// `Payment`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PaymentRequest {
    /// `type` — `PaymentTypeEnum` code (0 cash, 1 card, 4 mobile).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<i64>,
    /// `sum` — amount tendered in tenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum: Option<JsonNumber>,
}

/// `Modifier` — a discount or a markup.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModifierRequest {
    /// `name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `sum` — in tenge; a zero sum means "no modifier".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum: Option<JsonNumber>,
    /// `taxes` — checked (60, 89, 88) but not used: the register computes the tax of
    /// the discounted amounts itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxes: Option<Vec<TaxRequest>>,
    /// `auxiliary`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auxiliary: Option<Vec<KeyValue>>,
}

/// `Amounts` — receipt totals.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AmountsRequest {
    /// `total` — computed when absent, checked (52) when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<JsonNumber>,
    /// `taken` — cash received; 0 or absent means "the cash payment's sum".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taken: Option<JsonNumber>,
    /// `change` — change in cash; 0 or absent means "computed".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<JsonNumber>,
    /// `markup` — receipt markup (exclusive with `discount`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markup: Option<ModifierRequest>,
    /// `discount` — receipt discount (exclusive with `markup`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<ModifierRequest>,
}

/// `parent_ticket` (our addition) — the original receipt of a return. The fiscal sign
/// alone names a receipt of this journal; a receipt this journal does not hold (sold
/// before a migration, or on another KKM) is described by its data — or by the text of
/// its QR code, which carries the same.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ParentTicketRequest {
    /// `fiscal_id` — the fiscal sign (or offline number) of the original receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fiscal_id: Option<String>,
    /// `date_time` — when the original was made (`yyyy-MM-ddTHH:mm:ss`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_time: Option<String>,
    /// `kgd_kkm_id` — РНМ (the KGD registration number) of the KKM that sold it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kgd_kkm_id: Option<String>,
    /// `total` — the original's total, tenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<JsonNumber>,
    /// `is_offline` — the original was made autonomously.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_offline: Option<bool>,
    /// `qr` — the text of the original's QR code (`…?i=…&f=…&s=…&t=…`), in place of the
    /// fields above.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr: Option<String>,
}

/// `KeyValuePair`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KeyValue {
    /// `key`.
    pub key: String,
    /// `value`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Body of `POST /MoneyPlacement`.
///
/// ```
/// let request: kkm_core::MoneyPlacementRequest =
///     serde_json::from_str(r#"{"kkm_ofd_id": 6923, "operation": 0, "sum": 1000}"#).unwrap();
/// let placement = kkm_core::MoneyPlacement::from_request(&request).unwrap();
/// assert_eq!(placement.sum.tiyn(), 100_000);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MoneyPlacementRequest {
    /// `kkm_ofd_id` — ID of the KKM at the OFD (routing; not checked here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kkm_ofd_id: Option<i64>,
    /// `operation` — `MoneyPlacementEnum` code (0 deposit, 1 withdrawal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<i64>,
    /// `sum` — in tenge, more than zero.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum: Option<JsonNumber>,
    /// `is_printable` — print the slip (as TradeOperation and ZXReport; our addition
    /// where the seed's table has no such field).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_printable: Option<bool>,
    /// `image_width` — slip image width in pixels (default: the printer's paper).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_width: Option<u32>,
    /// `image_scale` — image scale (default 1.0), kept as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_scale: Option<JsonNumber>,
    /// `image_pixel_draw_threshold` — 0..255 (default 128).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_pixel_draw_threshold: Option<u32>,
}
