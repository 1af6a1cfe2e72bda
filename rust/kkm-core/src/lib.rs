//! # kkm-core — the fiscal domain of the register
//!
//! Owns the rules of a Kazakh fiscal cash register (ККМ) and nothing else: money in
//! integer tiyn, quantities and tax percents in thousandths, the receipt model
//! (TradeOperation: BUY, BUY_RETURN, SELL, SELL_RETURN) and its validation with the
//! E-Kassa seed's error codes, tax computation with one rounding rule, returns against
//! the original receipt, money placements, operator roles, the shift state machine
//! (auto-open, 24-hour limit, close = Z) and the incremental counters from which X and Z
//! reports (the CPCR `ZXReport`) are built in O(1).
//!
//! It is pure: no I/O, no clock of its own (time is injected through a [`Clock`]), no
//! tokio. Everything above it (store, OFD client, register, daemon, FFI) calls it; it
//! calls nothing of ours except `kkm-proto`, whose wire types it converts to at the
//! boundary.
//!
//! ## Map
//!
//! * [`money`] — [`Money`] (tiyn), [`Quantity`] and [`Percent`] (thousandths), the
//!   exact JSON-number parser, serde helpers, and the one rounding rule.
//! * [`request`] — the seed API's request bodies as they arrive
//!   ([`TradeOperationRequest`], [`MoneyPlacementRequest`]).
//! * [`receipt`] — [`validate_trade_operation`]: request → [`Receipt`] or
//!   [`CoreError`]; returns against a [`ReturnBasis`].
//! * [`sale`] — [`SaleDraft`]: a receipt in the making in domain values (tiyn,
//!   thousandths) that the daemon's JSON and the Kotlin basket both map onto; its
//!   rules, [`SaleDraft::price`] (totals before payment) and [`settle`].
//! * [`tax`] — tax computation and tiyn-exact allocation.
//! * [`domain`] — a receipt's domain attributes (services, fuel, taxi, parking).
//! * [`customer`] — the buyer: ИИН/БИН, e-mail and phone for the e-receipt.
//! * [`units`] — unit codes (`796`) and the short names a receipt prints (`шт`).
//! * [`znm`] — the factory number (ЗНМ) in CashCore's form, with its issue date.
//! * [`shift`] — [`ShiftBook`]: shift state machine and counters; X and Z.
//! * [`migrate`] — a KKM taken over from the OFD's report (INFO): its book.
//! * [`report`] — [`ZxReport`], the seed's report JSON and its CPCR form.
//! * [`operator`] — roles, permissions, bindings, KKM status checks.
//! * [`pin`] — the installation's PIN policy (longer PINs for administrators).
//! * [`spreadsheet`] — CSV cells a spreadsheet would run as formulas, neutralised.
//! * [`cpcr`] — receipt / placement / close → CPCR messages.
//! * [`error`] — [`ErrorCode`] (the seed's table 0–95 and CashCore's 96–98) and [`CoreError`].
//!
//! ## Example: the seed's TradeOperation
//!
//! ```
//! use kkm_core::*;
//! let body = r#"{"kkm_ofd_id": 6923, "operation": 2, "domain": {"type": 0},
//!   "items": [{"type": 1,
//!     "commodity": {"name": "tovar1", "section_code": "Отдел1", "quantity": 2,
//!       "price": 1000, "sum": 2000, "taxes": [], "excise_stamp": "excise_stamp_value",
//!       "measure_unit_code": "116"},
//!     "discount": {"name": "Скидка на позицию tovar1", "sum": 50}}],
//!   "payments": [{"type": 0, "sum": 1000}, {"type": 1, "sum": 1000}],
//!   "taxes": [{"taxation_type": 101, "percent": 12, "sum": 187.5, "is_in_total_sum": true}],
//!   "amounts": {"total": 1750, "taken": 0, "change": 0,
//!     "markup": {"name": "", "sum": 0}, "discount": {"name": "Сумма общей скидки", "sum": 200}},
//!   "customer_iin_or_bin": "123456789012"}"#;
//! let request: TradeOperationRequest = serde_json::from_str(body).unwrap();
//! let receipt = validate_trade_operation(&request, &SaleContext::default()).unwrap();
//! assert_eq!(receipt.total, Money::from_tiyn(175_000));
//! assert_eq!(receipt.change, Money::from_tiyn(25_000));
//! assert_eq!(receipt.tax_totals[0].sum, Money::from_tiyn(18_750));
//!
//! let clock = ManualClock::new(Timestamp::from_secs(1_736_861_875));
//! let mut book = ShiftBook::new();
//! book.register_receipt(&receipt, false, &clock).unwrap();
//! let x = book.x_report(&clock);
//! assert_eq!(x.total_result[0].sum, Money::from_tiyn(175_000));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[doc(hidden)]
/// serde, for the exported `code_enum!` macro.
pub use serde as __serde;

pub mod clock;
pub mod cpcr;
pub mod customer;
pub mod domain;
pub mod enums;
pub mod error;
pub mod mark;
pub mod migrate;
pub mod money;
pub mod operator;
pub mod pin;
pub mod placement;
pub mod receipt;
pub mod report;
pub mod request;
pub mod sale;
mod sale_request;
pub mod shift;
pub mod spreadsheet;
pub mod tax;
pub mod units;
pub mod znm;

pub use clock::{Clock, ManualClock, Timestamp};
pub use cpcr::{DocumentMeta, OperatorRef};
pub use enums::{
    DomainType, ItemType, MoneyPlacementKind, Operation, PaymentType, ReportType, TaxationType,
};
pub use error::{CoreError, ErrorCode};
pub use money::{AmountError, JsonNumber, Money, Percent, Quantity};
pub use operator::{
    authorize, authorize_print, check_kkm_status, Action, KkmStatus, OperatorAccess, PrintScope,
    Role,
};
pub use pin::PinPolicy;
pub use placement::MoneyPlacement;
pub use receipt::{validate_trade_operation, ParentTicket, Receipt, ReturnBasis, SaleContext};
pub use report::ZxReport;
pub use request::{MoneyPlacementRequest, TradeOperationRequest};
pub use sale::{
    settle, ParentRef, PricedSale, SaleDraft, SaleLine, SalePayment, SaleTax, Settlement,
};
pub use shift::{CloseOptions, DocumentStamp, ShiftBook, ShiftClosure, ShiftCounters};
