//! # kkm-register — the application service
//!
//! Owns the use cases of the register: one `Register` per KKM and a `Registry` of them,
//! composing `kkm-core` (rules), `kkm-store` (journal), `kkm-ofd` (fiscalization) and
//! `kkm-print` (documents). Every operation is authorised by operator and role,
//! idempotent by key, serialised per KKM and parallel across KKMs. It is the only API
//! that the desktop daemon and the Kotlin FFI call; they stay thin adapters over it.
//!
//! ## Map
//!
//! * [`Registry`] — open it with a [`RegistryConfig`] (data folder, [`KeySource`],
//!   [`OfdConfig`]s, clock); one async method per API method, each taking the
//!   caller's [`Credential`] and the API's request type and answering the API's
//!   response type or a [`RegisterError`] with the seed's code. Plus the sync status
//!   of each KKM, block resolution, and print models of journaled documents.
//! * Per KKM (internal): the fiscal operations run journal first — validate
//!   (`kkm-core`), journal document + counters + queue entry in one transaction
//!   (`kkm-store`), then deliver (`kkm-ofd`): online within the budget, or
//!   autonomous with the offline number, drained later in order.
//! * Printing (internal `printing`): `is_printable` queues a print job in the
//!   document's own transaction; one worker per printer prints it after the answer,
//!   through the injected `kkm_print::device::PrinterDriver`, with retries; job states,
//!   reprints as duplicates and printer discovery are Registry methods.
//! * [`sale`] — the rules of a sale above validation, on a [`kkm_core::SaleDraft`]:
//!   basket totals before payment, catalogue prices (discount, markup, section,
//!   editable price), the KKM's taxation regime, a receipt back as a draft. The
//!   Registry makes receipts of drafts ([`Registry::trade_draft`]) and finds them by
//!   fiscal sign ([`Registry::find_receipt`]).
//! * [`maintenance`] — verify and export a journal without running the registry.
//! * For the web console, beside the API's methods: sign-in sessions
//!   ([`Registry::sign_in`], [`Credential::session`]) and the PIN policy; the
//!   overview of every KKM ([`Registry::overview`]) and what blocks one
//!   ([`Registry::kkm_block`]); journal pages, document images and exports
//!   ([`Registry::journal_page`], [`Registry::document_png`]); sales analytics from an
//!   hourly summary kept beside the journal ([`Registry::analytics`]).
//! * Wrong PINs are slowed down per client ([`ClientId`], [`ThrottlePolicy`]): the
//!   daemon passes each request's remote address with its [`Credential`].
//!
//! [`api`] is the E-Kassa CashCore HTTP JSON API as Rust types (requests, responses,
//! the `response_code`/`response_data` envelope), exactly as the seed document
//! specifies it: what the Register's operations take and return.
//!
//! [`journal`] adapts the SQLite journal (`kkm-store`) to the OFD sync engine's
//! persistence port (`kkm_ofd::OfdJournal`): the engine's queue, REQNUM, token, block
//! and autonomous period live in the same file as the documents.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod api;
mod auth;
pub mod basket;
mod blocking;
mod book;
mod config;
mod error;
pub mod journal;
pub mod maintenance;
mod printing;
mod register;
mod registry;
pub mod sale;
mod views;

pub use auth::{
    ClientId, Credential, Operator, Secret, Session, ThrottlePolicy, CHANGE_DEFAULT_PIN_FIRST,
    DEFAULT_PIN_ELSEWHERE, SESSION_MAX_AGE,
};
pub use config::{KeySource, OfdConfig, RegistryConfig, SystemClock};
pub use error::RegisterError;
pub use journal::{OfflineCounts, StoreJournal};
pub use kkm_ofd::{Backoff, BlockedBy, Endpoint, SyncMode, SyncStatus};
pub use kkm_store::{Bundle, DocumentKind, ExportFormat, PageCursor, Product, RecordFilter};
pub use printing::PrintPolicy;
pub use registry::{
    product_matches, Analytics, CatalogueMatch, DocumentLine, FoundReceipt, KkmOverview, KkmState,
    OperatorFigures, PaymentFigures, PinWarnings, PrintJob, Registry, SalesFigures, SectionFigures,
    TransactionPages, DAY_SECS, MAX_DUPLICATES, MAX_PAGE, MAX_PERIOD_DAYS, SHIFT_MAX_SECS,
    SIGN_IN_PATIENCE,
};
