//! The journal of a KKM: `GetTransactionList` (список операций) and `GetTransaction`
//! (содержимое операции).
//!
//! Both answer entries whose `body` type depends on the entry's `command`:
//! receipts ([`CommandType::Ticket`]), reports (Z = [`CommandType::CloseShift`], X =
//! [`CommandType::Report`]) and money placements ([`CommandType::MoneyPlacement`]).
//! Reading picks the body type from `command`; writing writes the body as it is.
//!
//! Quirks: the table of GetTransactionList writes `Id` and types `body` as
//! `List<Object>`; its example writes `ID` and a single object. We write `ID` and an
//! object, and read `Id` too.

use kkm_core::{Money, MoneyPlacementKind, Operation, PaymentType, ReportType, ZxReport};
use serde::{Deserialize, Deserializer, Serialize};

use super::common::{tenge, ApiDateTime, CommandType};
use super::report::MoneyPlacementObject;
use super::trade::TicketObject;

/// Request of `GetTransactionList` (POST only): the journal of one KKM, filtered.
///
/// To look a receipt up by its fiscal sign, give `fiscal_id` with
/// `command_type_list: [1]` (COMMAND_TICKET) only.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetTransactionListRequest {
    /// `kkm_ofd_id` — ID кассы в ОФД (required).
    pub kkm_ofd_id: i64,
    /// `period_start` — начальная дата периода.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_start: Option<ApiDateTime>,
    /// `period_end` — конечная дата периода.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_end: Option<ApiDateTime>,
    /// `command_type_list` — типы операций (all when absent or empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_type_list: Option<Vec<CommandType>>,
    /// `transaction_id` — номер транзакции.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<i64>,
    /// `shift_number` — номер смены.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift_number: Option<i64>,
    /// `fiscal_id` — фискальный признак.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiscal_id: Option<String>,
}

/// `response_data` of `GetTransactionList`.
pub type GetTransactionListResponse = Vec<TransactionListEntry>;

/// An entry of GetTransactionList: the document with a short body.
pub type TransactionListEntry = Transaction<TransactionSummary>;

/// Request of `GetTransaction` (POST only).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetTransactionRequest {
    /// `kkm_ofd_id` — ID кассы в ОФД (required).
    pub kkm_ofd_id: i64,
    /// `transaction_id` — номер операции (required).
    pub transaction_id: i64,
}

/// `response_data` of `GetTransaction`: the document with its full body.
pub type GetTransactionResponse = Transaction<TransactionBody>;

/// A journal entry (операция) with a body of type `B`, chosen by `command`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Transaction<B> {
    /// `ID` — номер операции.
    #[serde(rename = "ID")]
    pub id: i64,
    /// `date` — дата и время.
    pub date: ApiDateTime,
    /// `command` — тип операции.
    pub command: CommandType,
    /// `fr_shift_number` — номер смены.
    pub fr_shift_number: i64,
    /// `shift_document_number` — номер документа в смене.
    pub shift_document_number: i64,
    /// `is_offline` — автономный признак.
    pub is_offline: bool,
    /// `body` — the document, its type given by `command`.
    pub body: B,
}

/// A body type whose JSON shape is given by the entry's `command`.
pub trait CommandBody: Sized {
    /// Reads the body of a `command` entry from its JSON.
    fn from_json(command: CommandType, body: serde_json::Value) -> Result<Self, serde_json::Error>;
}

impl<'de, B: CommandBody> Deserialize<'de> for Transaction<B> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Transaction<B>, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(rename = "ID", alias = "Id")]
            id: i64,
            date: ApiDateTime,
            command: CommandType,
            fr_shift_number: i64,
            shift_document_number: i64,
            is_offline: bool,
            body: serde_json::Value,
        }
        let raw = Raw::deserialize(deserializer)?;
        let body = B::from_json(raw.command, raw.body).map_err(serde::de::Error::custom)?;
        Ok(Transaction {
            id: raw.id,
            date: raw.date,
            command: raw.command,
            fr_shift_number: raw.fr_shift_number,
            shift_document_number: raw.shift_document_number,
            is_offline: raw.is_offline,
            body,
        })
    }
}

/// The short body of a GetTransactionList entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum TransactionSummary {
    /// `TransactionList::Ticket` — a receipt (command 1).
    Ticket(TicketSummary),
    /// `TransactionList::Report` — a Z (command 2) or X (command 3) report.
    Report(ReportSummary),
    /// `TransactionList::MoneyPlacement` — a deposit or withdrawal (command 6).
    MoneyPlacement(MoneyPlacementSummary),
}

impl CommandBody for TransactionSummary {
    fn from_json(command: CommandType, body: serde_json::Value) -> Result<Self, serde_json::Error> {
        Ok(match command {
            CommandType::Ticket => TransactionSummary::Ticket(serde_json::from_value(body)?),
            CommandType::CloseShift | CommandType::Report => {
                TransactionSummary::Report(serde_json::from_value(body)?)
            }
            CommandType::MoneyPlacement => {
                TransactionSummary::MoneyPlacement(serde_json::from_value(body)?)
            }
        })
    }
}

/// `TransactionList::Ticket`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSummary {
    /// `operation` — тип операции.
    pub operation: Operation,
    /// `payments` — виды оплат used.
    #[serde(default)]
    pub payments: Vec<PaymentType>,
    /// `sum` — сумма чека (tenge).
    #[serde(with = "tenge")]
    pub sum: Money,
    /// `fiscal_id` — фискальный признак.
    pub fiscal_id: String,
}

/// `TransactionList::Report`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSummary {
    /// `type` — тип отчёта.
    #[serde(rename = "type")]
    pub kind: ReportType,
    /// `revenue` — выручка за смену (tenge, may be negative).
    #[serde(with = "tenge")]
    pub revenue: Money,
    /// `non_nullable_sums` — необнуляемые суммы.
    #[serde(default)]
    pub non_nullable_sums: Vec<NonNullableSumSummary>,
}

/// `TransactionList::Report::NonNullableSum`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonNullableSumSummary {
    /// `operation` — вид операции.
    pub operation: Operation,
    /// `sum` — сумма (tenge).
    #[serde(with = "tenge")]
    pub sum: Money,
}

/// `TransactionList::MoneyPlacement`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyPlacementSummary {
    /// `operation` — тип операции.
    pub operation: MoneyPlacementKind,
    /// `sum` — сумма (tenge).
    #[serde(with = "tenge")]
    pub sum: Money,
}

/// The full body of a GetTransaction answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum TransactionBody {
    /// `TicketObject` — a receipt (command 1).
    Ticket(Box<TicketObject>),
    /// `ReportObject` — a Z (command 2) or X (command 3) report.
    Report(Box<ZxReport>),
    /// `MoneyPlacementObject` — a deposit or withdrawal (command 6).
    MoneyPlacement(MoneyPlacementObject),
}

impl CommandBody for TransactionBody {
    fn from_json(command: CommandType, body: serde_json::Value) -> Result<Self, serde_json::Error> {
        Ok(match command {
            CommandType::Ticket => TransactionBody::Ticket(serde_json::from_value(body)?),
            CommandType::CloseShift | CommandType::Report => {
                TransactionBody::Report(serde_json::from_value(body)?)
            }
            CommandType::MoneyPlacement => {
                TransactionBody::MoneyPlacement(serde_json::from_value(body)?)
            }
        })
    }
}
