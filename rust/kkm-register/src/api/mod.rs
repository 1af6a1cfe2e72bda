//! # The E-Kassa CashCore HTTP JSON API as Rust types
//!
//! The data model of the API our daemon speaks, exactly as the seed document
//! (`shared/seeds/003_…`, protocol 2.0.2, core 1.8.107) specifies it: for every
//! [`Method`] its request type (the same fields in a GET query or a POST JSON body) and
//! the type of its `response_data`, inside the [`Envelope`]
//! `{"response_code": int, "response_data": T}`.
//!
//! | method | verbs | request | `response_data` |
//! | --- | --- | --- | --- |
//! | `Ping` | GET/POST | [`PingRequest`] | [`PingResponse`] (`"ok"`) |
//! | `ActivateLicense` | GET/POST | [`ActivateLicenseRequest`] | [`ActivateLicenseResponse`] (`"ok"`) |
//! | `GetOFDList` | GET/POST | [`GetOfdListRequest`] | [`GetOfdListResponse`] |
//! | `GetKKMList` | GET/POST | [`GetKkmListRequest`] | [`GetKkmListResponse`] |
//! | `GetVendorId` | GET/POST | [`GetVendorIdRequest`] | [`GetVendorIdResponse`] |
//! | `SaveKKM` | POST | [`SaveKkmRequest`] | [`SaveKkmResponse`] ([`KkmObject`]) |
//! | `DeleteKKM` | GET/POST | [`DeleteKkmRequest`] | [`DeleteKkmResponse`] (`"ok"`) |
//! | `GetOperatorList` | GET/POST | [`GetOperatorListRequest`] | [`GetOperatorListResponse`] |
//! | `SaveOperator` | POST | [`SaveOperatorRequest`] | [`SaveOperatorResponse`] |
//! | `DeleteOperator` | GET/POST | [`DeleteOperatorRequest`] | [`DeleteOperatorResponse`] (`"ok"`) |
//! | `TradeOperation` | POST | [`TradeOperationRequest`] | [`TradeOperationResponse`] |
//! | `MoneyPlacement` | POST | [`MoneyPlacementRequest`] | [`MoneyPlacementResponse`] |
//! | `ZXReport` | POST | [`ZxReportRequest`] | [`ZxReportResponse`] |
//! | `GetTransactionList` | POST | [`GetTransactionListRequest`] | [`GetTransactionListResponse`] |
//! | `GetTransaction` | POST | [`GetTransactionRequest`] | [`GetTransactionResponse`] |
//! | `GetPrinterList` | GET/POST (Windows) | [`GetPrinterListRequest`] | [`GetPrinterListResponse`] |
//! | `GetDocumentImage` | POST | [`GetDocumentImageRequest`] | a PNG ([`DocumentImage`]) |
//! | `GetKKMBlock` (ours) | GET/POST | [`GetKkmBlockRequest`] | [`KkmBlock`] |
//! | `ResolveKKMBlock` (ours) | POST | [`ResolveKkmBlockRequest`] | [`KkmBlockResolved`] |
//!
//! ## Conventions
//!
//! * Field names are the seed's JSON names, quirks included (`ID` vs `id`, `Text`,
//!   `tenantId`, `…List` suffixes of document bodies); each type's docs list the quirks
//!   it handles. Input accepts the other spelling where the seed uses two.
//! * Optionality is the seed's table's: `Option` for "Нет", a plain type for "Да".
//!   Unknown fields are ignored, as the seed's core does. Optional fields that are
//!   absent are not written, except `custom_data` (written `null`) and lists (`[]`).
//! * The seed's `int` is `i64`; its `uint32`/`uint64` are `u32`/`u64`.
//! * Money at the method level is a JSON number in tenge, parsed exactly (at most 2
//!   decimals, never through a float: [`tenge`]); inside document bodies (tickets,
//!   reports, placements) it is `{"bills", "coins"}` ([`bills_coins`]).
//! * Method-level dates are [`ApiDateTime`] strings (`2024-12-23T17:07:05.000`);
//!   document bodies use the `{date, time}` object [`DateTimeObject`].
//! * Request enum codes that have their own error code are kept raw and checked by a
//!   method: `role` → 39 ([`SaveOperatorRequest::role`]), `report_type` → 34
//!   ([`ZxReportRequest::report_type`]); `TradeOperation` and `MoneyPlacement` bodies
//!   are `kkm_core`'s, all raw, validated with their codes by `kkm_core`.
//! * Errors as CashCore's own REST server writes them: an HTTP status by the code's
//!   class ([`http_status`]), `response_code` from [`ErrorCode`], `response_data` the
//!   code's text constant and `message` a readable explanation ([`Envelope::error`]).
//!
//! ## Our additions (DESIGN.md §6)
//!
//! * `parent_ticket: {"fiscal_id": "…"}` on TradeOperation returns (operations 1 and
//!   3): [`ParentTicketRequest`], part of `kkm_core`'s request.
//! * `Idempotency-Key` request header on TradeOperation and MoneyPlacement
//!   ([`IDEMPOTENCY_KEY_HEADER`]): a retry with the same key gets the stored answer.
//! * `access_pin` is answered masked ([`MASKED_PIN`]) by GetOperatorList and
//!   SaveOperator: PINs are kept only as salted hashes.
//! * `GetKKMBlock` / `ResolveKKMBlock`: a KKM the OFD blocked, shown and resolved.
//!
//! ```
//! use kkm_register::api::{Envelope, GetKkmListRequest, Method};
//! let method = Method::from_name("GetKKMList").unwrap();
//! assert!(method.allows_get());
//! let request: GetKkmListRequest = serde_json::from_str(r#"{"ofd_id": 6923}"#).unwrap();
//! assert_eq!(request.ofd_id, Some(6923));
//! let answer = Envelope::ok(Vec::<kkm_register::api::KkmObject>::new());
//! assert_eq!(serde_json::to_string(&answer).unwrap(), r#"{"response_code":0,"response_data":[]}"#);
//! ```

mod block;
mod common;
mod envelope;
mod kkm;
mod license;
mod operator;
mod printer;
mod report;
mod trade;
mod transaction;

pub use block::{
    BlockResolution, GetKkmBlockRequest, KkmBlock, KkmBlockResolved, ResolveKkmBlockRequest,
};
pub use common::{
    tenge, AdsObject, ApiDateTime, CommandType, DateObject, DateTimeObject, DateTimeParseError,
    DocumentAnswer, KkmLocalState, KkmRegInfo, NoParams, NonNullableSums, OperatorObject,
    OrgRegInfo, PosRegInfo, PrinterType, RegInfo, ShiftState, Tenge, TicketAdInfo, TicketAdType,
    TimeObject, VatCertificate, OK_TEXT,
};
pub use envelope::{http_status, Envelope};
pub use kkm::{
    DeleteKkmRequest, DeleteKkmResponse, GetKkmListRequest, GetKkmListResponse, GetOfdListRequest,
    GetOfdListResponse, GetVendorIdRequest, GetVendorIdResponse, KkmObject, OfdObject,
    PrinterEntity, SaveKkmRequest, SaveKkmResponse,
};
pub use license::{ActivateLicenseRequest, ActivateLicenseResponse, PingRequest, PingResponse};
pub use operator::{
    DeleteOperatorRequest, DeleteOperatorResponse, GetOperatorListRequest, GetOperatorListResponse,
    KkmOperatorObject, SaveOperatorRequest, SaveOperatorResponse, SavedOperator, MASKED_PIN,
};
pub use printer::{
    DocumentImage, GetDocumentImageRequest, GetPrintJobListRequest, GetPrinterListRequest,
    GetPrinterListResponse, PrinterListEntry, ReprintDocumentRequest,
};
pub use report::{
    MoneyPlacementObject, MoneyPlacementRequest, MoneyPlacementResponse, ZxReportRequest,
    ZxReportResponse,
};
pub use trade::{
    TicketAmounts, TicketCommodity, TicketDomain, TicketExtensionOptions, TicketItem,
    TicketModifier, TicketObject, TicketPayment, TicketTax, TradeOperationRequest,
    TradeOperationResponse,
};
pub use transaction::{
    CommandBody, GetTransactionListRequest, GetTransactionListResponse, GetTransactionRequest,
    GetTransactionResponse, MoneyPlacementSummary, NonNullableSumSummary, ReportSummary,
    TicketSummary, Transaction, TransactionBody, TransactionListEntry, TransactionSummary,
};

// What the API shares with the fiscal core, re-exported so that the daemon and the FFI
// need only `kkm_register::api`.
pub use kkm_core::enums::{
    DomainType, ItemType, MoneyPlacementKind, Operation, PaymentType, ReportType, TaxationType,
};
pub use kkm_core::money::bills_coins;
pub use kkm_core::report::{
    AnnulledTickets, NonNullableSum, ReportMoneyPlacement, ReportOperation, ReportPayment,
    ReportSection, ReportTax, ReportTaxOperation, ReportTicketOperation, Revenue,
};
pub use kkm_core::request::{
    AmountsRequest, CommodityRequest, DomainRequest, ItemRequest, KeyValue, ModifierRequest,
    ParentTicketRequest, PaymentRequest, TaxRequest,
};
pub use kkm_core::{ErrorCode, JsonNumber, Money, Percent, Quantity, Role, Timestamp, ZxReport};

/// Name of our `Idempotency-Key` request header (TradeOperation, MoneyPlacement): a
/// retry with the same key answers the stored result and makes no second document.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// The methods of the API: the URL path is `/<name>` (`http://127.0.0.1:8080/Ping`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `Ping` — проверка работы кассового ядра.
    Ping,
    /// `ActivateLicense` — активация лицензии.
    ActivateLicense,
    /// `GetOFDList` — список доступных ОФД.
    GetOfdList,
    /// `GetKKMList` — список касс.
    GetKkmList,
    /// `GetVendorId` — генерация заводского номера (ЗНМ).
    GetVendorId,
    /// `SaveKKM` — сохранение кассы.
    SaveKkm,
    /// `DeleteKKM` — удаление кассы.
    DeleteKkm,
    /// `GetOperatorList` — список кассиров.
    GetOperatorList,
    /// `SaveOperator` — сохранение кассира.
    SaveOperator,
    /// `DeleteOperator` — удаление кассира.
    DeleteOperator,
    /// `TradeOperation` — проведение торговых операций.
    TradeOperation,
    /// `MoneyPlacement` — внесение / изъятие наличных.
    MoneyPlacement,
    /// `ZXReport` — X- и Z-отчёты.
    ZxReport,
    /// `GetTransactionList` — получение списка операций.
    GetTransactionList,
    /// `GetTransaction` — получение содержимого операции.
    GetTransaction,
    /// `GetPrinterList` — получение списка принтеров.
    GetPrinterList,
    /// `GetDocumentImage` — получение изображения документа.
    GetDocumentImage,
    /// `GetPrintJobList` — our addition: print jobs and their states.
    GetPrintJobList,
    /// `ReprintDocument` — our addition: reprint a document as a duplicate («ДУБЛИКАТ»).
    ReprintDocument,
    /// `GetKKMBlock` — our addition: what blocks a KKM (the refused document and the
    /// OFD's answer).
    GetKkmBlock,
    /// `ResolveKKMBlock` — our addition: resend the refused document or set it aside.
    ResolveKkmBlock,
}

impl Method {
    /// Every method: the seed's, in its order, then our additions.
    pub const ALL: [Method; 21] = [
        Method::Ping,
        Method::ActivateLicense,
        Method::GetOfdList,
        Method::GetKkmList,
        Method::GetVendorId,
        Method::SaveKkm,
        Method::DeleteKkm,
        Method::GetOperatorList,
        Method::SaveOperator,
        Method::DeleteOperator,
        Method::TradeOperation,
        Method::MoneyPlacement,
        Method::ZxReport,
        Method::GetTransactionList,
        Method::GetTransaction,
        Method::GetPrinterList,
        Method::GetDocumentImage,
        Method::GetKkmBlock,
        Method::ResolveKkmBlock,
        Method::GetPrintJobList,
        Method::ReprintDocument,
    ];

    /// The seed's 17 methods, in its order.
    pub const SEED: [Method; 17] = [
        Method::Ping,
        Method::ActivateLicense,
        Method::GetOfdList,
        Method::GetKkmList,
        Method::GetVendorId,
        Method::SaveKkm,
        Method::DeleteKkm,
        Method::GetOperatorList,
        Method::SaveOperator,
        Method::DeleteOperator,
        Method::TradeOperation,
        Method::MoneyPlacement,
        Method::ZxReport,
        Method::GetTransactionList,
        Method::GetTransaction,
        Method::GetPrinterList,
        Method::GetDocumentImage,
    ];

    /// The method's name as in the URL path.
    pub const fn name(self) -> &'static str {
        match self {
            Method::Ping => "Ping",
            Method::ActivateLicense => "ActivateLicense",
            Method::GetOfdList => "GetOFDList",
            Method::GetKkmList => "GetKKMList",
            Method::GetVendorId => "GetVendorId",
            Method::SaveKkm => "SaveKKM",
            Method::DeleteKkm => "DeleteKKM",
            Method::GetOperatorList => "GetOperatorList",
            Method::SaveOperator => "SaveOperator",
            Method::DeleteOperator => "DeleteOperator",
            Method::TradeOperation => "TradeOperation",
            Method::MoneyPlacement => "MoneyPlacement",
            Method::ZxReport => "ZXReport",
            Method::GetTransactionList => "GetTransactionList",
            Method::GetTransaction => "GetTransaction",
            Method::GetPrinterList => "GetPrinterList",
            Method::GetDocumentImage => "GetDocumentImage",
            Method::GetPrintJobList => "GetPrintJobList",
            Method::ReprintDocument => "ReprintDocument",
            Method::GetKkmBlock => "GetKKMBlock",
            Method::ResolveKkmBlock => "ResolveKKMBlock",
        }
    }

    /// `true` for our additions (not in the seed).
    pub fn is_addition(self) -> bool {
        !Method::SEED.contains(&self)
    }

    /// The method of a URL path name (exact spelling, as the seed writes it), or
    /// `None` (the daemon answers 3, `method_not_found`).
    pub fn from_name(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The method a URL path names, matched as CashCore's server matches it: without
    /// regard to case (`/tradeoperation` is TradeOperation), `.` and `/` inside the name
    /// read as `_`.
    ///
    /// ```
    /// use kkm_register::api::Method;
    /// assert_eq!(Method::from_path("zxreport"), Some(Method::ZxReport));
    /// assert_eq!(Method::from_path("GetKKMList"), Some(Method::GetKkmList));
    /// assert_eq!(Method::from_path("Nope"), None);
    /// ```
    pub fn from_path(name: &str) -> Option<Method> {
        let name = name.trim_matches('/').replace(['.', '/'], "_");
        Method::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(&name))
    }

    /// `true` for the methods that change the register's state (a document, a setting,
    /// an operator, a licence, paper): they take a JSON body over POST only, never a GET
    /// a web page could trigger with a link or an image.
    pub const fn changes_state(self) -> bool {
        matches!(
            self,
            Method::ActivateLicense
                | Method::SaveKkm
                | Method::DeleteKkm
                | Method::SaveOperator
                | Method::DeleteOperator
                | Method::TradeOperation
                | Method::MoneyPlacement
                | Method::ZxReport
                | Method::ReprintDocument
                | Method::ResolveKkmBlock
        )
    }

    /// `true` if GET is allowed as well as POST: the seed's "GET/POST" methods that only
    /// read (its DeleteKKM, DeleteOperator and ActivateLicense are "GET/POST" too, but a
    /// change over GET is what a cross-site link or image exploits: POST only here, and a
    /// GET answers 3 as CashCore answers a wrong verb); `false` for POST only.
    pub const fn allows_get(self) -> bool {
        !self.changes_state()
            && !matches!(
                self,
                Method::GetTransactionList | Method::GetTransaction | Method::GetDocumentImage
            )
    }

    /// `true` for the methods the seed marks "WIN" (available on Windows only in
    /// E-Kassa): GetPrinterList.
    pub const fn windows_only(self) -> bool {
        matches!(self, Method::GetPrinterList)
    }

    /// `true` where our `Idempotency-Key` header applies.
    pub const fn is_idempotent_by_key(self) -> bool {
        matches!(self, Method::TradeOperation | Method::MoneyPlacement)
    }
}
