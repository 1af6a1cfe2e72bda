//! Building blocks shared by several methods: the API's date-time string, the
//! protobuf-style `{date, time}` object, money as a JSON number in tenge, the enums the
//! seed defines that `kkm-core` does not, and the objects several responses carry
//! (`RegInfo`, `VATCertificateObject`, `AdsObject`, `Operator`).

use std::fmt;
use std::str::FromStr;

use kkm_core::{Money, Operation, Timestamp};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

// ---------------------------------------------------------------------------------
// Enums

kkm_core::code_enum! {
    /// `CommandTypeEnum` — the kind of a fiscal document (`command_type`, `command`).
    CommandType: u8 {
        /// 1 `COMMAND_TICKET` — фискализация: a receipt.
        Ticket = 1,
        /// 2 `COMMAND_CLOSE_SHIFT` — закрытие смены (the Z-report).
        CloseShift = 2,
        /// 3 `COMMAND_REPORT` — запрос отчёта (the X-report).
        Report = 3,
        /// 6 `COMMAND_MONEY_PLACEMENT` — внесение / изъятие наличных.
        MoneyPlacement = 6,
    }
}

kkm_core::code_enum! {
    /// `PrinterTypeEnum` — how a printer is attached.
    PrinterType: u8 {
        /// 1 `ptCOM` — чековый принтер (ESC/POS) on a USB/COM port.
        Com = 1,
        /// 2 `ptVCL` — an ordinary Windows printer (A4 etc.).
        Vcl = 2,
        /// 3 `ptBluetooth` — чековый принтер (ESC/POS) over Bluetooth.
        Bluetooth = 3,
    }
}

kkm_core::code_enum! {
    /// `TicketAdTypeEnum` — whose advertising text it is.
    TicketAdType: u8 {
        /// 0 `TICKET_AD_OFD` — text of the fiscal data operator (ОФД).
        Ofd = 0,
        /// 1 `TICKET_AD_ORG` — text of the organisation.
        Org = 1,
        /// 2 `TICKET_AD_POS` — text of the point of sale.
        Pos = 2,
        /// 3 `TICKET_AD_KKM` — text of the KKM.
        Kkm = 3,
        /// 4 `TICKET_AD_INFO` — informational message.
        Info = 4,
    }
}

kkm_core::code_enum! {
    /// `KKMLocalState` — the local state of a KKM.
    KkmLocalState: u8 {
        /// 0 `OK` — нормальное (рабочее) состояние.
        Ok = 0,
        /// 1 `ValuesConflict` — blocked: the counters disagree (error 68).
        ValuesConflict = 1,
    }
}

kkm_core::code_enum! {
    /// `shift_state` — 0 closed, 1 open (the seed types it `int` and lists the two values
    /// in the KKMObject table).
    ShiftState: u8 {
        /// 0 — смена закрыта.
        Closed = 0,
        /// 1 — смена открыта.
        Open = 1,
    }
}

// ---------------------------------------------------------------------------------
// Money as a JSON number in tenge

/// Money as the API's JSON number in tenge (`#[serde(with = "tenge")]`): kkm-core's
/// exact reader and shortest-form writer.
pub use kkm_core::money::tenge;

/// A [`Money`] that (de)serializes as a JSON number in tenge: the element type of the
/// seed's lists of amounts (`total_payments`, `non_nullable_sums`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tenge(pub Money);

impl Serialize for Tenge {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        tenge::serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for Tenge {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Tenge, D::Error> {
        tenge::deserialize(deserializer).map(Tenge)
    }
}

impl From<Money> for Tenge {
    fn from(money: Money) -> Tenge {
        Tenge(money)
    }
}

/// The four non-nullable sums (необнуляемые суммы) of a KKM, indexed by
/// `OperationTypeEnum` code: `[BUY, BUY_RETURN, SELL, SELL_RETURN]`, each a JSON number
/// in tenge — the KKMObject's `non_nullable_sums` and `start_shift_non_nullable_sums`
/// (fields the seed shows in its examples but not in its table).
///
/// ```
/// use kkm_core::Operation;
/// use kkm_register::api::NonNullableSums;
/// let sums: NonNullableSums = serde_json::from_str("[1753, 123, 727986.98, 31276]").unwrap();
/// assert_eq!(sums.get(Operation::Sell).tiyn(), 72_798_698);
/// assert!(serde_json::from_str::<NonNullableSums>("[1, 2, 3]").is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NonNullableSums(pub [Money; 4]);

impl NonNullableSums {
    /// The sum of `operation`.
    pub fn get(&self, operation: Operation) -> Money {
        self.0[operation.index()]
    }
}

impl Serialize for NonNullableSums {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.map(Tenge).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for NonNullableSums {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<NonNullableSums, D::Error> {
        let list = Vec::<Tenge>::deserialize(deserializer)?;
        let sums: [Tenge; 4] = list.try_into().map_err(|l: Vec<Tenge>| {
            serde::de::Error::invalid_length(
                l.len(),
                &"4 sums (BUY, BUY_RETURN, SELL, SELL_RETURN)",
            )
        })?;
        Ok(NonNullableSums(sums.map(|t| t.0)))
    }
}

// ---------------------------------------------------------------------------------
// Date-time string

/// Why a date-time string is not one the API accepts.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a date-time of the form YYYY-MM-DDTHH:MM:SS.mmm: {reason}")]
pub struct DateTimeParseError {
    /// The text as given.
    pub text: String,
    /// What is wrong.
    pub reason: &'static str,
}

/// The API's `dateTime`: local wall-clock time as a string
/// `YYYY-MM-DDTHH:MM:SS.mmm` (`"2024-12-23T17:07:05.000"`), always written with
/// milliseconds, as in every example of the seed.
///
/// Read leniently: a space instead of `T`, 0–9 fraction digits (milliseconds kept,
/// the rest dropped) and a bare date (`"2022-02-24"`, midnight) are accepted.
///
/// "Never" is the Delphi zero date `1899-12-30T00:00:00.000` ([`ApiDateTime::DELPHI_ZERO`]),
/// which the seed's KKMObject shows for a shift never closed or a KKM never offline.
///
/// ```
/// use kkm_register::api::ApiDateTime;
/// let t: ApiDateTime = "2022-02-24T23:59:59.999".parse().unwrap();
/// assert_eq!(t.to_string(), "2022-02-24T23:59:59.999");
/// assert_eq!("2022-02-24".parse::<ApiDateTime>().unwrap().to_string(), "2022-02-24T00:00:00.000");
/// assert!("2022-02-30T00:00:00.000".parse::<ApiDateTime>().is_err());
/// assert!(ApiDateTime::DELPHI_ZERO.is_delphi_zero());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiDateTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    millis: u16,
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

impl ApiDateTime {
    /// `1899-12-30T00:00:00.000`, the Delphi `TDateTime` zero: "never / not set".
    pub const DELPHI_ZERO: ApiDateTime = ApiDateTime {
        year: 1899,
        month: 12,
        day: 30,
        hour: 0,
        minute: 0,
        second: 0,
        millis: 0,
    };

    /// A date-time, or `None` if a field is out of range (month 1–12, the day within
    /// the month, hour 0–23, minute and second 0–59, millis 0–999, year 1–9999).
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        millis: u16,
    ) -> Option<ApiDateTime> {
        let valid = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && hour < 24
            && minute < 60
            && second < 60
            && millis < 1000;
        valid.then_some(ApiDateTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
            millis,
        })
    }

    /// `true` for [`ApiDateTime::DELPHI_ZERO`].
    pub fn is_delphi_zero(&self) -> bool {
        *self == ApiDateTime::DELPHI_ZERO
    }

    /// The date-time of a core [`Timestamp`] (milliseconds zero).
    ///
    /// ```
    /// use kkm_register::api::ApiDateTime;
    /// let t = ApiDateTime::from_timestamp(kkm_core::Timestamp::from_secs(1_736_861_875));
    /// assert_eq!(t.to_string(), "2025-01-14T13:37:55.000");
    /// assert_eq!(t.to_timestamp().secs(), 1_736_861_875);
    /// ```
    pub fn from_timestamp(at: Timestamp) -> ApiDateTime {
        let dt = at.to_cpcr();
        let narrow = |v: u32| u8::try_from(v).unwrap_or(u8::MAX);
        ApiDateTime {
            year: u16::try_from(dt.date.year).unwrap_or(9999).clamp(1, 9999),
            month: narrow(dt.date.month),
            day: narrow(dt.date.day),
            hour: narrow(dt.time.hour),
            minute: narrow(dt.time.minute),
            second: narrow(dt.time.second.unwrap_or(0)),
            millis: 0,
        }
    }

    /// The date-time of device calendar milliseconds since 1970.
    ///
    /// ```
    /// use kkm_register::api::ApiDateTime;
    /// let t = ApiDateTime::from_millis(1_645_719_946_997);
    /// assert_eq!(t.to_string(), "2022-02-24T16:25:46.997");
    /// ```
    pub fn from_millis(millis: i64) -> ApiDateTime {
        ApiDateTime {
            millis: u16::try_from(millis.rem_euclid(1000)).unwrap_or(0),
            ..ApiDateTime::from_timestamp(Timestamp::from_secs(millis.div_euclid(1000)))
        }
    }

    /// The core [`Timestamp`] (whole seconds; milliseconds are dropped).
    pub fn to_timestamp(&self) -> Timestamp {
        let dt = kkm_proto::cpcr::DateTime {
            date: kkm_proto::cpcr::Date {
                year: u32::from(self.year),
                month: u32::from(self.month),
                day: u32::from(self.day),
            },
            time: kkm_proto::cpcr::Time {
                hour: u32::from(self.hour),
                minute: u32::from(self.minute),
                second: Some(u32::from(self.second)),
            },
        };
        // Every field is in range by construction, so the conversion cannot fail.
        Timestamp::from_cpcr(&dt).unwrap_or_default()
    }

    /// Milliseconds within the second.
    pub fn millis(&self) -> u16 {
        self.millis
    }
}

impl fmt::Display for ApiDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.millis
        )
    }
}

impl FromStr for ApiDateTime {
    type Err = DateTimeParseError;

    fn from_str(text: &str) -> Result<ApiDateTime, DateTimeParseError> {
        let fail = |reason| DateTimeParseError {
            text: text.to_owned(),
            reason,
        };
        let b = text.as_bytes();
        let number = |range: std::ops::Range<usize>| -> Result<u16, DateTimeParseError> {
            let digits = b.get(range).ok_or_else(|| fail("too short"))?;
            if !digits.iter().all(u8::is_ascii_digit) {
                return Err(fail("a digit is expected"));
            }
            Ok(digits
                .iter()
                .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0')))
        };
        let byte = |at: usize, want: &[u8], reason| match b.get(at) {
            Some(c) if want.contains(c) => Ok(()),
            _ => Err(fail(reason)),
        };
        let year = number(0..4)?;
        byte(4, b"-", "`-` expected after the year")?;
        let month = number(5..7)?;
        byte(7, b"-", "`-` expected after the month")?;
        let day = number(8..10)?;
        let (mut hour, mut minute, mut second, mut millis) = (0, 0, 0, 0);
        if b.len() > 10 {
            byte(10, b"T ", "`T` expected after the date")?;
            hour = number(11..13)?;
            byte(13, b":", "`:` expected after the hour")?;
            minute = number(14..16)?;
            byte(16, b":", "`:` expected after the minute")?;
            second = number(17..19)?;
            if b.len() > 19 {
                byte(19, b".", "`.` expected after the seconds")?;
                let fraction = &b[20..];
                if fraction.is_empty() || fraction.len() > 9 {
                    return Err(fail("1 to 9 fraction digits expected"));
                }
                if !fraction.iter().all(u8::is_ascii_digit) {
                    return Err(fail("a digit is expected"));
                }
                millis = fraction
                    .iter()
                    .chain(std::iter::repeat(&b'0'))
                    .take(3)
                    .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
            }
        }
        let narrow = |v: u16| u8::try_from(v).unwrap_or(u8::MAX);
        ApiDateTime::new(
            year,
            narrow(month),
            narrow(day),
            narrow(hour),
            narrow(minute),
            narrow(second),
            millis,
        )
        .ok_or_else(|| fail("a field is out of range"))
    }
}

impl Serialize for ApiDateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ApiDateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ApiDateTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------
// {date, time} object

/// `Date` of a document body: `{"year", "month", "day"}` (zeros for "not set").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateObject {
    /// Год.
    pub year: u32,
    /// Месяц, 1–12.
    pub month: u32,
    /// День, 1–31.
    pub day: u32,
}

/// `Time` of a document body: `{"hour", "minute", "second"}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeObject {
    /// Час, 0–23.
    pub hour: u32,
    /// Минута, 0–59.
    pub minute: u32,
    /// Секунда, 0–59.
    pub second: u32,
}

/// `DateTime` of a document body (`date_time`, `datetime`):
/// `{"date": {"year", "month", "day"}, "time": {"hour", "minute", "second"}}` — the
/// CPCR form, unlike the string [`ApiDateTime`] of the method-level fields. All zeros
/// ([`DateTimeObject::default`]) means "not set" (an X-report's `close_shift_time`).
///
/// ```
/// use kkm_register::api::DateTimeObject;
/// let t = DateTimeObject::from_timestamp(kkm_core::Timestamp::from_secs(1_737_120_877));
/// assert_eq!((t.date.year, t.date.month, t.date.day), (2025, 1, 17));
/// assert_eq!((t.time.hour, t.time.minute, t.time.second), (13, 34, 37));
/// assert_eq!(t.to_timestamp().map(|t| t.secs()), Some(1_737_120_877));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateTimeObject {
    /// Дата.
    pub date: DateObject,
    /// Время.
    pub time: TimeObject,
}

impl DateTimeObject {
    /// The object of a core [`Timestamp`].
    pub fn from_timestamp(at: Timestamp) -> DateTimeObject {
        let dt = at.to_cpcr();
        DateTimeObject {
            date: DateObject {
                year: dt.date.year,
                month: dt.date.month,
                day: dt.date.day,
            },
            time: TimeObject {
                hour: dt.time.hour,
                minute: dt.time.minute,
                second: dt.time.second.unwrap_or(0),
            },
        }
    }

    /// The core [`Timestamp`], or `None` when all zeros or a field is out of range.
    pub fn to_timestamp(&self) -> Option<Timestamp> {
        Timestamp::from_cpcr(&kkm_proto::cpcr::DateTime {
            date: kkm_proto::cpcr::Date {
                year: self.date.year,
                month: self.date.month,
                day: self.date.day,
            },
            time: kkm_proto::cpcr::Time {
                hour: self.time.hour,
                minute: self.time.minute,
                second: Some(self.time.second),
            },
        })
    }
}

// ---------------------------------------------------------------------------------
// Objects carried by several responses

/// `RegInfo` — дополнительная (регистрационная) информация: the KKM, the point of sale
/// and the organisation as registered at the OFD.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegInfo {
    /// `kkm` — информация о ККМ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kkm: Option<KkmRegInfo>,
    /// `pos` — информация о торговой точке.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pos: Option<PosRegInfo>,
    /// `org` — информация об организации.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<OrgRegInfo>,
}

/// `KkmRegInfo` — регистрационные данные ККМ.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KkmRegInfo {
    /// `point_of_payment_number` — регистрационный номер (код) точки приёма платежей.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_of_payment_number: Option<String>,
    /// `terminal_number` — номер платёжного терминала.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_number: Option<String>,
    /// `fns_kkm_id` — ID, выданный КГД (РНМ, the registration number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fns_kkm_id: Option<String>,
    /// `serial_number` — заводской номер ККМ (ЗНМ).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// `kkm_id` — идентификационный номер ККМ (the OFD's id, as a string: `"6923"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kkm_id: Option<String>,
}

/// `PosRegInfo` — регистрационные данные торговой точки.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosRegInfo {
    /// `title` — название торговой точки.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `address` — адрес торговой точки (адрес применения).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// `OrgRegInfo` — регистрационные данные организации.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgRegInfo {
    /// `title` — название организации или ФИО индивидуального предпринимателя.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `address` — юридический адрес организации.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// `inn` — ИИН/БИН of the taxpayer (the seed keeps the Russian "ИНН" name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inn: Option<String>,
    /// `taxation_type` — not in the seed's table; its examples show `0`, which is no
    /// `TaxationTypeEnum` code (100–103), so the raw number is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxation_type: Option<i64>,
    /// `okved` — вид деятельности.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub okved: Option<String>,
    /// `tenantId` — not in the seed's table (camelCase in its examples): the owner
    /// (tenant) the organisation belongs to.
    #[serde(rename = "tenantId", default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<i64>,
}

/// `VATCertificateObject` — свидетельство о постановке на учёт по НДС.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatCertificate {
    /// `series` — серия.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    /// `number` — номер.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// `is_printable` — печатать на чеке.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_printable: Option<bool>,
}

/// `AdsObject` — an advertising text of the OFD (or the organisation, point, KKM) to
/// print on receipts, `${ticket_number}` to be replaced by the fiscal sign.
///
/// Quirk: the seed's table calls the text `text`; its examples write `Text`. Written
/// `Text`; `text` is accepted on input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdsObject {
    /// `info` — type and version of the text.
    pub info: TicketAdInfo,
    /// `Text` — текст.
    #[serde(rename = "Text", alias = "text")]
    pub text: String,
}

/// `TicketAdInfo` — which advertising text (type and version); also the element of a
/// ticket body's `ad_infosList`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TicketAdInfo {
    /// `type` — тип текста.
    #[serde(rename = "type")]
    pub kind: TicketAdType,
    /// `version` — версия текста (uint64).
    pub version: u64,
}

/// `Operator` — оператор-кассир of a document body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorObject {
    /// `code` — код оператора-кассира (our operator ID).
    pub code: u32,
    /// `name` — ФИО оператора-кассира.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl From<&kkm_core::OperatorRef> for OperatorObject {
    fn from(operator: &kkm_core::OperatorRef) -> OperatorObject {
        OperatorObject {
            code: operator.code,
            name: operator.name.clone(),
        }
    }
}

/// The body of a method that takes no parameters (Ping, GetOFDList, GetOperatorList,
/// GetPrinterList): `{}`, an empty body or an empty query; any field is ignored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoParams {}

/// The text `"ok"` that Ping, ActivateLicense, DeleteKKM and DeleteOperator answer.
pub const OK_TEXT: &str = "ok";

/// The fields every fiscal-document answer carries around its `body` (the responses of
/// TradeOperation, MoneyPlacement and ZXReport), flattened into them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentAnswer {
    /// `command_type` — the document's command (ticket, report, money placement).
    pub command_type: CommandType,
    /// `is_offline` — признак автономного документа.
    pub is_offline: bool,
    /// `is_invalid_token` — признак некорректного токена.
    pub is_invalid_token: bool,
    /// `kkm_local_name` — название кассы.
    pub kkm_local_name: String,
    /// `operator_name` — имя оператора (кассира).
    pub operator_name: String,
    /// `fr_shift_number` — номер смены.
    pub fr_shift_number: i64,
    /// `shift_document_number` — номер документа в смене.
    pub shift_document_number: i64,
    /// `shift_state` — состояние смены.
    pub shift_state: ShiftState,
    /// `reg_info` — регистрационные данные.
    pub reg_info: RegInfo,
    /// `vat_certificate` — свидетельство об НДС.
    pub vat_certificate: VatCertificate,
    /// `ads_info` — список рекламных текстов.
    #[serde(default)]
    pub ads_info: Vec<AdsObject>,
}
