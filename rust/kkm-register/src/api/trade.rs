//! `TradeOperation` (проведение торговых операций): the request is
//! [`kkm_core::TradeOperationRequest`] (numbers kept as text, our `parent_ticket`
//! included); the answer carries the ticket body (`TicketObject`) in the CPCR's JSON
//! form: money as `{bills, coins}`, quantities and percents in thousandths, lists
//! suffixed `List`.

use kkm_core::money::bills_coins;
use kkm_core::request::KeyValue;
use kkm_core::{
    DomainType, ItemType, Money, Operation, PaymentType, Percent, Quantity, TaxationType,
};
use serde::{Deserialize, Serialize};

use super::common::{DateTimeObject, DocumentAnswer, OperatorObject, TicketAdInfo};

/// Request of `TradeOperation` (POST only) — `kkm_core`'s, re-exported.
pub type TradeOperationRequest = kkm_core::TradeOperationRequest;

/// `response_data` of `TradeOperation`: the fiscalized (or autonomous) receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradeOperationResponse {
    /// `fiscal_id` — фискальный признак (the offline number while autonomous).
    pub fiscal_id: String,
    /// `qr_code` — строка для QR-кода
    /// (`<consumer url>/?&i=<fiscal id>&f=<РНМ>&s=<sum>&t=<yyyyMMddTHHmmss>`).
    pub qr_code: String,
    /// `ofd_name` — name of the OFD (examples only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ofd_name: Option<String>,
    /// `ofd_url` — the OFD's receipt check site (examples only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ofd_url: Option<String>,
    /// The fields every fiscal-document answer carries (`command_type`, shift,
    /// registration data, …).
    #[serde(flatten)]
    pub document: DocumentAnswer,
    /// `body` — тело чека.
    pub body: TicketObject,
}

/// `TicketObject` — the body of a receipt as sent to the OFD.
///
/// Quirks: the table types `operation` as `MoneyPlacementEnum`; it is
/// `OperationTypeEnum`. `printed_document_number_old` is a string in the example (a
/// uint64 in protobuf's JSON), `printed_document_number` a number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketObject {
    /// `operation` — тип операции.
    pub operation: Operation,
    /// `date_time` — дата и время.
    pub date_time: DateTimeObject,
    /// `operator` — оператор-кассир.
    pub operator: OperatorObject,
    /// `domain` — вид отрасли.
    pub domain: TicketDomain,
    /// `amounts` — итоги по чеку.
    pub amounts: TicketAmounts,
    /// `extension_options` — дополнительные сведения о покупателе.
    pub extension_options: TicketExtensionOptions,
    /// `offline_ticket_number` — OFFLINE номер чека.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offline_ticket_number: Option<u32>,
    /// `printed_document_number_old` — номер печатного документа (a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printed_document_number_old: Option<String>,
    /// `printed_ticket` — напечатанный чек одной строкой.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printed_ticket: Option<String>,
    /// `fr_shift_number` — номер смены.
    pub fr_shift_number: i64,
    /// `shift_document_number` — номер документа в смене.
    pub shift_document_number: i64,
    /// `printed_document_number` — номер печатного документа.
    #[serde(default)]
    pub printed_document_number: u64,
    /// `itemsList` — товары и услуги: a commodity, then its discount or markup as a
    /// separate item (type 5 or 3).
    #[serde(rename = "itemsList", default)]
    pub items: Vec<TicketItem>,
    /// `paymentsList` — платежи (cash net of change).
    #[serde(rename = "paymentsList", default)]
    pub payments: Vec<TicketPayment>,
    /// `taxesList` — налоги на сумму чека.
    #[serde(rename = "taxesList", default)]
    pub taxes: Vec<TicketTax>,
    /// `ad_infosList` — информация о рекламных текстах.
    #[serde(rename = "ad_infosList", default)]
    pub ad_infos: Vec<TicketAdInfo>,
}

/// `TicketRequest::Domain` — сфера деятельности.
///
/// The seed names the sub-objects for services, gas/oil, taxi and parking without
/// defining them; they are kept as opaque JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketDomain {
    /// `type` — вид отрасли.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<DomainType>,
    /// `services` — атрибуты сферы услуг (services, hotels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<serde_json::Value>,
    /// `gasoil` — атрибуты сферы обеспечения нефтепродуктами.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gasoil: Option<serde_json::Value>,
    /// `taxi` — атрибуты такси.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxi: Option<serde_json::Value>,
    /// `parking` — атрибуты стоянок.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parking: Option<serde_json::Value>,
}

/// `Amounts` of a ticket body — итоги по чеку.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketAmounts {
    /// `total` — общая сумма чека.
    #[serde(with = "bills_coins")]
    pub total: Money,
    /// `taken` — полученная сумма наличными.
    #[serde(
        default,
        with = "optional_bills_coins",
        skip_serializing_if = "Option::is_none"
    )]
    pub taken: Option<Money>,
    /// `change` — сдача наличными.
    #[serde(
        default,
        with = "optional_bills_coins",
        skip_serializing_if = "Option::is_none"
    )]
    pub change: Option<Money>,
    /// `markup` — наценка на чек.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markup: Option<TicketModifier>,
    /// `discount` — скидка на чек.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<TicketModifier>,
}

/// `Modifier` of a ticket body — скидка или наценка.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketModifier {
    /// `name` — наименование.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `sum` — сумма.
    #[serde(with = "bills_coins")]
    pub sum: Money,
    /// `taxesList` — налоги.
    #[serde(rename = "taxesList", default)]
    pub taxes: Vec<TicketTax>,
    /// `auxiliaryList` — доп. информация.
    #[serde(rename = "auxiliaryList", default)]
    pub auxiliary: Vec<KeyValue>,
}

/// `TicketRequest::ExtensionOptions` — дополнительные сведения о покупателе.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketExtensionOptions {
    /// `customer_email` — e-mail покупателя.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_email: Option<String>,
    /// `customer_phone` — телефон покупателя.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_phone: Option<String>,
    /// `customer_iin_or_bin` — ИИН/БИН покупателя.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_iin_or_bin: Option<String>,
    /// `auxiliaryList` — дополнительная информация.
    #[serde(rename = "auxiliaryList", default)]
    pub auxiliary: Vec<KeyValue>,
}

/// `Item` of a ticket body: a commodity, or a discount / markup on the commodity
/// before it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketItem {
    /// `type` — тип элемента.
    #[serde(rename = "type")]
    pub kind: ItemType,
    /// `commodity` — предмет потребления (type 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commodity: Option<TicketCommodity>,
    /// `markup` — наценка (type 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markup: Option<TicketModifier>,
    /// `discount` — скидка (type 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<TicketModifier>,
}

/// `Commodity` of a ticket body — товар или услуга.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketCommodity {
    /// `code` — код товара (0 when none).
    #[serde(default)]
    pub code: u64,
    /// `name` — наименование.
    pub name: String,
    /// `section_code` — код секции (отдел).
    pub section_code: String,
    /// `quantity` — количество в тысячных (`2` pieces → `2000`).
    pub quantity: Quantity,
    /// `price` — цена за единицу.
    #[serde(with = "bills_coins")]
    pub price: Money,
    /// `sum` — сумма (price × quantity).
    #[serde(with = "bills_coins")]
    pub sum: Money,
    /// `excise_stamp` — код маркировки (DataMatrix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excise_stamp: Option<String>,
    /// `physical_label` — серия и номер акцизной марки.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_label: Option<String>,
    /// `product_id` — сквозной идентификатор товара (ИС ЭСФ).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    /// `barcode` — штрихкод (GTIN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    /// `measure_unit_code` — код единицы измерения (ИС ЭСФ).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure_unit_code: Option<String>,
    /// `taxesList` — налоги позиции.
    #[serde(rename = "taxesList", default)]
    pub taxes: Vec<TicketTax>,
    /// `auxiliaryList` — доп. информация.
    #[serde(rename = "auxiliaryList", default)]
    pub auxiliary: Vec<KeyValue>,
}

/// `Payment` of a ticket body — оплата.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketPayment {
    /// `type` — вид оплаты.
    #[serde(rename = "type")]
    pub kind: PaymentType,
    /// `sum` — уплаченная сумма (cash: net of change).
    #[serde(with = "bills_coins")]
    pub sum: Money,
}

/// `Tax` of a ticket body — налог; the percent in thousandths (12% → `12000`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketTax {
    /// `taxation_type` — вид налогообложения (absent in the seed's example).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxation_type: Option<TaxationType>,
    /// `percent` — ставка в тысячных долях процента.
    pub percent: Percent,
    /// `sum` — сумма налога.
    #[serde(with = "bills_coins")]
    pub sum: Money,
    /// `is_in_total_sum` — налог включён в сумму.
    pub is_in_total_sum: bool,
}

/// `bills_coins` for an `Option<Money>`.
pub(crate) mod optional_bills_coins {
    use kkm_core::money::bills_coins;
    use kkm_core::Money;
    use serde::{Deserialize, Deserializer, Serializer};

    #[derive(serde::Deserialize)]
    struct Wrapped(#[serde(with = "bills_coins")] Money);

    pub fn serialize<S: Serializer>(
        money: &Option<Money>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match money {
            Some(money) => bills_coins::serialize(money, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Money>, D::Error> {
        Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|w| w.0))
    }
}
