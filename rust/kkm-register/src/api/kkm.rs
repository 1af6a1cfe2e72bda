//! KKMs and OFDs: `GetOFDList`, `GetKKMList`, `GetVendorId`, `SaveKKM`, `DeleteKKM` and
//! the `KKMObject` they answer.

use kkm_core::Money;
use serde::{Deserialize, Serialize};

use super::common::{
    tenge, AdsObject, ApiDateTime, KkmLocalState, NoParams, NonNullableSums, PrinterType, RegInfo,
    ShiftState, VatCertificate,
};

/// Request of `GetOFDList` (GET/POST): no parameters.
pub type GetOfdListRequest = NoParams;

/// `response_data` of `GetOFDList`: the OFDs a KKM can be registered with.
pub type GetOfdListResponse = Vec<OfdObject>;

/// `OFDObject` — an OFD (оператор фискальных данных) the register can talk to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfdObject {
    /// `uid` — уникальный идентификатор (32 hex digits in the seed).
    pub uid: String,
    /// `name` — наименование (`"Казахтелеком"`).
    pub name: String,
}

/// Request of `GetKKMList` (GET/POST).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetKkmListRequest {
    /// `ofd_id` — ID кассы в ОФД: only this KKM when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ofd_id: Option<i64>,
}

/// `response_data` of `GetKKMList`.
pub type GetKkmListResponse = Vec<KkmObject>;

/// `PrinterEntity` — the printer of a KKM (`printer` of KKMObject and SaveKKM).
///
/// Quirk: here the id is `id`; GetPrinterList's entries write `ID`
/// ([`super::PrinterListEntry`]). Both spellings are accepted on input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterEntity {
    /// `id` — порядковый номер (the `ID` of GetPrinterList).
    #[serde(alias = "ID", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// `name` — название.
    pub name: String,
    /// `type` — тип принтера.
    #[serde(rename = "type")]
    pub kind: PrinterType,
}

/// `KKMObject` — a KKM as the register knows it: settings, registration, shift,
/// autonomous state and counters.
///
/// Field optionality follows the seed's table (all but `ofd_id` optional); our daemon
/// fills every field the seed's examples show. Quirks of the seed handled here:
/// * `ID`, `non_nullable_sums`, `start_shift_non_nullable_sums` appear in the examples
///   but not in the table;
/// * the table spells `Is_blocked`, the examples `is_blocked` (written `is_blocked`,
///   both read);
/// * dates are [`ApiDateTime`] strings; "never" is the Delphi zero
///   `1899-12-30T00:00:00.000`;
/// * `ofd_token` is in the table but never in an answer of ours (a secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KkmObject {
    /// `ofd_id` — ID ККМ в ОФД (required).
    pub ofd_id: i64,
    /// `ofd_uid` — идентификатор ОФД (see GetOFDList).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ofd_uid: Option<String>,
    /// `local_name` — имя кассы.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_name: Option<String>,
    /// `use_software_vpn` — использовать программный VPN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_software_vpn: Option<bool>,
    /// `printer` — принтер.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer: Option<PrinterEntity>,
    /// `auto_withdraw_money` — автоматическое изъятие наличных при закрытии смены.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_withdraw_money: Option<bool>,
    /// `vat_certificate` — свидетельство об НДС.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_certificate: Option<VatCertificate>,
    /// `custom_data` — any JSON the client stored (доп. поле); `null` when none, as in
    /// the seed's examples.
    #[serde(default)]
    pub custom_data: serde_json::Value,
    /// `bindings` — IDs of the operators allowed on this KKM; empty: administrators only.
    #[serde(default)]
    pub bindings: Vec<i64>,
    /// `ID` — the register's own id of the KKM (examples only).
    #[serde(rename = "ID", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// `is_offline` — автономный режим.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_offline: Option<bool>,
    /// `fr_shift_number` — номер смены.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fr_shift_number: Option<i64>,
    /// `shift_state` — состояние смены (0 закрыта, 1 открыта).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift_state: Option<ShiftState>,
    /// `is_blocked` — признак удалённой блокировки кассы (`Is_blocked` in the table).
    #[serde(alias = "Is_blocked", default, skip_serializing_if = "Option::is_none")]
    pub is_blocked: Option<bool>,
    /// `shift_close_date` — дата закрытия смены.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift_close_date: Option<ApiDateTime>,
    /// `shift_document_number` — номер документа в смене.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift_document_number: Option<i64>,
    /// `owner_id` — ID владельца кассы (assigned when the KKM is added).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<i64>,
    /// `offline_start_date` — дата перехода в автономный режим.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offline_start_date: Option<ApiDateTime>,
    /// `is_invalid_token` — признак некорректного токена.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_invalid_token: Option<bool>,
    /// `start_shift_non_nullable_sums` — необнуляемые суммы на начало смены (examples
    /// only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_shift_non_nullable_sums: Option<NonNullableSums>,
    /// `non_nullable_sums` — необнуляемые суммы now (examples only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_nullable_sums: Option<NonNullableSums>,
    /// `ads_info` — список рекламных текстов.
    #[serde(default)]
    pub ads_info: Vec<AdsObject>,
    /// `vendor_id` — заводской номер (ЗНМ).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<String>,
    /// `offline_end_date` — дата выхода из автономного режима.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offline_end_date: Option<ApiDateTime>,
    /// `cash_sum` — сумма наличных в кассе (tenge).
    #[serde(
        default,
        with = "optional_tenge",
        skip_serializing_if = "Option::is_none"
    )]
    pub cash_sum: Option<Money>,
    /// `shift_open_date` — дата открытия смены.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift_open_date: Option<ApiDateTime>,
    /// `blocked_info` — информация о блокировке кассы.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_info: Option<String>,
    /// `revenue` — выручка за смену (tenge, may be negative).
    #[serde(
        default,
        with = "optional_tenge",
        skip_serializing_if = "Option::is_none"
    )]
    pub revenue: Option<Money>,
    /// `offline_ticket_number` — порядковый номер автономного чека.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offline_ticket_number: Option<i64>,
    /// `reg_info` — регистрационные данные.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reg_info: Option<RegInfo>,
    /// `local_state` — локальное состояние кассы.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_state: Option<KkmLocalState>,
    /// `ofd_token` — токен ККМ: in the table; never answered by our daemon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ofd_token: Option<i64>,
    /// `manufacture_date` — дата изготовления.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacture_date: Option<ApiDateTime>,
}

/// [`tenge`] for an `Option<Money>`.
pub(crate) mod optional_tenge {
    use super::tenge;
    use kkm_core::Money;
    use serde::{Deserialize, Deserializer, Serializer};

    #[derive(serde::Deserialize)]
    struct Wrapped(#[serde(with = "tenge")] Money);

    pub fn serialize<S: Serializer>(
        money: &Option<Money>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match money {
            Some(money) => tenge::serialize(money, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Money>, D::Error> {
        Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|w| w.0))
    }
}

/// Request of `GetVendorId` (GET/POST): generate a factory number (ЗНМ).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetVendorIdRequest {
    /// `ofd_uid` — идентификатор ОФД; the first available when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ofd_uid: Option<String>,
}

/// `response_data` of `GetVendorId`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetVendorIdResponse {
    /// `vendor_id` — заводской номер (ЗНМ), e.g. `"ISCR1036260746997"`.
    pub vendor_id: String,
    /// `manufacture_date` — дата изготовления.
    pub manufacture_date: ApiDateTime,
}

/// Request of `SaveKKM` (POST only): add a KKM, or change the one with this `ofd_id`.
///
/// Absent fields keep their stored value on an update.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveKkmRequest {
    /// `ofd_id` — ID кассы в ОФД (required).
    pub ofd_id: i64,
    /// `ofd_token` — токен кассы в ОФД; absent or `0`: keep the current token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ofd_token: Option<i64>,
    /// `printer` — принтер.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer: Option<PrinterEntity>,
    /// `local_name` — имя кассы.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_name: Option<String>,
    /// `auto_withdraw_money` — автоматическое изъятие наличных при закрытии смены.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_withdraw_money: Option<bool>,
    /// `ofd_uid` — идентификатор ОФД; the first available when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ofd_uid: Option<String>,
    /// `vat_certificate` — свидетельство об НДС.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_certificate: Option<VatCertificate>,
    /// `custom_data` — any JSON object; `null` and absent both read as `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<serde_json::Value>,
    /// `use_software_vpn` — программный VPN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_software_vpn: Option<bool>,
    /// `bindings` — IDs of the operators allowed on the KKM; `[]`: administrators only;
    /// absent: unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bindings: Option<Vec<i64>>,
}

impl SaveKkmRequest {
    /// The new token, if the request changes it (`ofd_token` present and not 0).
    pub fn new_token(&self) -> Option<i64> {
        self.ofd_token.filter(|&t| t != 0)
    }
}

/// `response_data` of `SaveKKM`: the KKM as saved.
pub type SaveKkmResponse = KkmObject;

/// Request of `DeleteKKM` (GET/POST).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteKkmRequest {
    /// `ofd_id` — ID кассы в ОФД (required).
    pub ofd_id: i64,
}

/// `response_data` of `DeleteKKM`: the text `"ok"`.
pub type DeleteKkmResponse = String;
