//! The register for Kotlin: [`KkmRegister`] (one installation: a data folder, its key,
//! its OFDs; KKMs, operators, sync status) and [`CashierSession`] (an operator logged in
//! on one KKM: receipts, cash in/out, reports, the journal, reprints).
//!
//! A thin adapter over `kkm_register::Registry`: every method builds the API request,
//! waits for the registry on the facade's runtime and maps the answer to records
//! designed for Kotlin. No business rule lives here.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use kkm_core::{ErrorCode, Operation, Timestamp};
use kkm_register::api::{
    self, ApiDateTime, CommandType, DateTimeObject, GetKkmListRequest, GetTransactionListRequest,
    KkmObject, MoneyPlacementRequest, SaveKkmRequest, SaveOperatorRequest, TransactionSummary,
    ZxReportRequest,
};
use kkm_register::{
    Backoff, Credential, Endpoint, KeySource, OfdConfig, Registry, RegistryConfig, SystemClock,
};

use crate::basket::{draft_of, Basket, PaymentKind};
use crate::print::{render, DocumentFormat, PrintSettings, Printer};
use crate::runtime::{block_on, runtime};
use crate::KkmError;

// -------------------------------------------------------------------------------------
// Configuration

/// An OFD (оператор фискальных данных) the register can talk to.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OfdServer {
    /// Identifier of the OFD (32 hex digits), what a KKM's `ofd_uid` refers to.
    pub uid: String,
    /// Display name, printed on receipts (`"Казахтелеком"`).
    pub name: String,
    /// Host of its CPCR server.
    pub host: String,
    /// Port of its CPCR server (1–65535).
    pub port: i32,
    /// TLS on this endpoint.
    #[uniffi(default = false)]
    pub tls: bool,
    /// The consumer check site printed on receipts and in their QR code.
    pub check_url: String,
}

/// How to open a register.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RegisterConfig {
    /// Folder of the journal (`kkm.db`); created if missing. On Android:
    /// `context.filesDir/kkm`.
    pub data_dir: String,
    /// The 32-byte data key (AES-256-GCM of the secrets), e.g. unwrapped with an Android
    /// Keystore key. `None`: a `data.key` file (0600) in `data_dir`, created on first
    /// start (desktop).
    #[uniffi(default = None)]
    pub data_key: Option<Vec<u8>>,
    /// The OFDs KKMs can be registered with; the first is the default.
    pub ofds: Vec<OfdServer>,
    /// How long a fiscal command waits for the OFD before the document goes autonomous
    /// (the seed: 5000 ms).
    #[uniffi(default = 5000)]
    pub ofd_budget_ms: i64,
    /// First pause of the background drain while the OFD does not answer.
    #[uniffi(default = 1000)]
    pub retry_initial_ms: i64,
    /// Longest pause of the background drain.
    #[uniffi(default = 60000)]
    pub retry_max_ms: i64,
    /// The time zone documents are dated in: seconds ahead of UTC (the settings' zone;
    /// on Android `TimeZone.getDefault().getOffset(now) / 1000`). `None`: Kazakhstan's
    /// UTC+5. Outside UTC−12…UTC+14 or not whole minutes: code 2.
    #[uniffi(default = None)]
    pub utc_offset_secs: Option<i64>,
}

impl RegisterConfig {
    fn to_registry(&self) -> Result<RegistryConfig, KkmError> {
        let mut config = RegistryConfig::new(&self.data_dir);
        if let Some(key) = &self.data_key {
            let key: [u8; 32] = key.as_slice().try_into().map_err(|_| {
                KkmError::invalid(format!("data_key: 32 bytes expected, {} given", key.len()))
            })?;
            config.key = KeySource::Static(key);
        }
        config.ofds = self
            .ofds
            .iter()
            .map(|o| {
                let port = u16::try_from(o.port)
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| {
                        KkmError::invalid(format!("OFD port {} out of range", o.port))
                    })?;
                Ok(OfdConfig {
                    uid: o.uid.clone(),
                    name: o.name.clone(),
                    endpoint: Endpoint {
                        tls: o.tls,
                        ..Endpoint::plain(o.host.clone(), port)
                    },
                    check_url: o.check_url.clone(),
                })
            })
            .collect::<Result<_, KkmError>>()?;
        let millis = |v: i64| Duration::from_millis(u64::try_from(v.max(1)).unwrap_or(1));
        if let Some(offset) = self.utc_offset_secs {
            let clock = SystemClock::with_offset(offset).ok_or_else(|| {
                KkmError::invalid(format!(
                    "utc_offset_secs {offset}: a time zone is UTC-12..UTC+14 in whole minutes"
                ))
            })?;
            config.clock = Arc::new(clock);
        }
        config.ofd_budget = millis(self.ofd_budget_ms);
        config.backoff = Backoff {
            initial: millis(self.retry_initial_ms),
            max: millis(self.retry_max_ms.max(self.retry_initial_ms)),
        };
        Ok(config)
    }
}

// -------------------------------------------------------------------------------------
// KKMs and operators

/// A KKM to register with the OFD (SaveKKM) or to change.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KkmSetup {
    /// ID of the KKM at the OFD (from the OFD's cabinet).
    pub kkm_ofd_id: i64,
    /// The KKM's token at the OFD; `None` keeps the current one (a change).
    #[uniffi(default = None)]
    pub ofd_token: Option<i64>,
    /// Local name shown to cashiers.
    #[uniffi(default = None)]
    pub name: Option<String>,
    /// Which OFD (`OfdServer.uid`); `None`: the first.
    #[uniffi(default = None)]
    pub ofd_uid: Option<String>,
    /// Operators (ids) allowed on this KKM besides those bound to it; `None`: unchanged.
    #[uniffi(default = None)]
    pub operator_ids: Option<Vec<i64>>,
}

/// A KKM as the register knows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct KkmInfo {
    /// ID of the KKM at the OFD.
    pub kkm_ofd_id: i64,
    /// Local name.
    pub name: Option<String>,
    /// A shift is open.
    pub shift_open: bool,
    /// Number of the current (or last) shift.
    pub shift_number: i64,
    /// Documents in the shift so far.
    pub shift_document_number: i64,
    /// Autonomous now.
    pub offline: bool,
    /// Why the KKM is blocked, if it is.
    pub blocked_reason: Option<String>,
    /// Cash in the drawer, tiyn.
    pub cash_in_drawer_tiyn: i64,
    /// Revenue of the shift, tiyn (negative when returns exceed sales).
    pub revenue_tiyn: i64,
    /// РНМ — registration number.
    pub registration_number: Option<String>,
    /// ЗНМ — factory number.
    pub factory_number: Option<String>,
    /// Taxpayer name.
    pub taxpayer_name: Option<String>,
    /// Taxpayer ИИН/БИН.
    pub taxpayer_iin_bin: Option<String>,
    /// Point of sale address.
    pub address: Option<String>,
}

fn kkm_info(k: &KkmObject) -> KkmInfo {
    let reg = k.reg_info.clone().unwrap_or_default();
    let kkm = reg.kkm.unwrap_or_default();
    let org = reg.org.unwrap_or_default();
    let pos = reg.pos.unwrap_or_default();
    KkmInfo {
        kkm_ofd_id: k.ofd_id,
        name: k.local_name.clone(),
        shift_open: k.shift_state == Some(api::ShiftState::Open),
        shift_number: k.fr_shift_number.unwrap_or(0),
        shift_document_number: k.shift_document_number.unwrap_or(0),
        offline: k.is_offline.unwrap_or(false),
        blocked_reason: k.blocked_info.clone(),
        cash_in_drawer_tiyn: k.cash_sum.map_or(0, |m| m.tiyn()),
        revenue_tiyn: k.revenue.map_or(0, |m| m.tiyn()),
        registration_number: kkm.fns_kkm_id,
        factory_number: kkm.serial_number.or_else(|| k.vendor_id.clone()),
        taxpayer_name: org.title,
        taxpayer_iin_bin: org.inn,
        address: pos.address.or(org.address),
    }
}

/// An operator's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OperatorRole {
    /// 1 — configures KKMs and operators, and everything else.
    Administrator,
    /// 2 — receipts and reports.
    SeniorCashier,
    /// 3 — receipts only.
    Cashier,
}

impl OperatorRole {
    fn code(self) -> i64 {
        match self {
            OperatorRole::Administrator => 1,
            OperatorRole::SeniorCashier => 2,
            OperatorRole::Cashier => 3,
        }
    }

    fn of(role: kkm_core::Role) -> OperatorRole {
        match role.code() {
            1 => OperatorRole::Administrator,
            2 => OperatorRole::SeniorCashier,
            _ => OperatorRole::Cashier,
        }
    }
}

/// An operator to create (`id` = `None`) or change.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OperatorSetup {
    /// The operator to change; `None` creates one.
    #[uniffi(default = None)]
    pub id: Option<i64>,
    /// Name (ФИО), printed on receipts.
    pub name: String,
    /// PIN (1–32 characters, no spaces); stored only as a salted slow hash.
    pub pin: String,
    /// Role.
    pub role: OperatorRole,
    /// KKMs (`kkm_ofd_id`) the operator may use.
    pub kkm_ofd_ids: Vec<i64>,
}

/// An operator (PINs never leave the register).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OperatorInfo {
    /// Operator id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Role.
    pub role: OperatorRole,
    /// KKMs the operator may use.
    pub kkm_ofd_ids: Vec<i64>,
}

// -------------------------------------------------------------------------------------
// Sync status

/// The OFD connection of a KKM.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SyncMode {
    /// Documents reach the OFD as they are made.
    Online,
    /// The OFD does not answer; documents queue (the receipt prints «Автономный»).
    Autonomous {
        /// Start of the autonomous period, device calendar seconds (local time as if
        /// it were UTC).
        since_device_secs: i64,
        /// The last moment of the period in which sales are allowed, device calendar
        /// seconds: `since` + the 72 hours of the rule (kkm-core's `MAX_OFFLINE_SECS`),
        /// after which sales are refused (18) until the queue drains. The app shows the
        /// hours left from it and never counts the 72 itself.
        sales_until_device_secs: i64,
    },
    /// The OFD refused a document: nothing fiscal is possible until an administrator
    /// resolves it ([`KkmRegister::resolve_block`]).
    Blocked {
        /// The queued document refused, if any.
        document: Option<i64>,
        /// The OFD's result code.
        ofd_code: i64,
        /// The OFD's text, or ours.
        reason: String,
    },
}

/// Sync status: mode plus the documents waiting for the OFD (the offline banner).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncState {
    /// The mode.
    pub mode: SyncMode,
    /// Documents waiting in the offline queue.
    pub queue_len: i64,
}

fn sync_state(s: &kkm_ofd::SyncStatus) -> SyncState {
    SyncState {
        mode: match &s.mode {
            kkm_ofd::SyncMode::Online => SyncMode::Online,
            kkm_ofd::SyncMode::Autonomous { since } => SyncMode::Autonomous {
                since_device_secs: *since,
                sales_until_device_secs: since.saturating_add(kkm_core::operator::MAX_OFFLINE_SECS),
            },
            kkm_ofd::SyncMode::Blocked(b) => SyncMode::Blocked {
                document: b.document.and_then(|d| i64::try_from(d).ok()),
                ofd_code: i64::from(b.code),
                reason: b.text.clone(),
            },
        },
        queue_len: i64::try_from(s.queue_len).unwrap_or(i64::MAX),
    }
}

/// Receives sync status changes of a KKM (implemented in Kotlin).
///
/// Called on a dedicated background thread of the subscription, once with the current
/// state and then on every change. Keep it short (post to the UI); it may call back
/// into the register.
#[uniffi::export(callback_interface)]
pub trait SyncListener: Send + Sync {
    /// The KKM `kkm_ofd_id` is now in `state`.
    fn on_sync_state(&self, kkm_ofd_id: i64, state: SyncState);
}

/// A live subscription to sync status; [`SyncSubscription::cancel`] (or dropping it)
/// stops the callbacks.
#[derive(Debug, uniffi::Object)]
pub struct SyncSubscription {
    cancel: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
}

#[uniffi::export]
impl SyncSubscription {
    /// Stops the callbacks (idempotent; a callback in progress completes). Not blocking.
    pub fn cancel(&self) {
        let sender = self.cancel.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(sender) = sender {
            let _ = sender.send(());
        }
    }
}

impl Drop for SyncSubscription {
    fn drop(&mut self) {
        self.cancel();
    }
}

// -------------------------------------------------------------------------------------
// Documents

/// A receipt operation (CPCR `OperationTypeEnum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ReceiptKind {
    /// BUY 0 — покупка.
    Buy,
    /// BUY_RETURN 1 — возврат покупки.
    BuyReturn,
    /// SELL 2 — продажа.
    Sell,
    /// SELL_RETURN 3 — возврат продажи.
    SellReturn,
}

impl ReceiptKind {
    pub(crate) fn of(op: Operation) -> ReceiptKind {
        match op {
            Operation::Buy => ReceiptKind::Buy,
            Operation::BuyReturn => ReceiptKind::BuyReturn,
            Operation::Sell => ReceiptKind::Sell,
            Operation::SellReturn => ReceiptKind::SellReturn,
        }
    }

    fn operation(self) -> Operation {
        match self {
            ReceiptKind::Buy => Operation::Buy,
            ReceiptKind::BuyReturn => Operation::BuyReturn,
            ReceiptKind::Sell => Operation::Sell,
            ReceiptKind::SellReturn => Operation::SellReturn,
        }
    }
}

/// A receipt made (fiscalised online, or autonomous with its offline number).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Receipt {
    /// Fiscal sign (фискальный признак); the offline number while autonomous.
    pub fiscal_id: String,
    /// Made autonomously (prints «Автономный»); reaches the OFD from the queue.
    pub offline: bool,
    /// The operation.
    pub kind: ReceiptKind,
    /// Shift number.
    pub shift_number: i64,
    /// Document number in the shift (with `shift_number`: what reprints take).
    pub document_number: i64,
    /// Total, tiyn.
    pub total_tiyn: i64,
    /// Cash taken, tiyn.
    pub taken_tiyn: i64,
    /// Change given, tiyn.
    pub change_tiyn: i64,
    /// Date-time of the receipt, `yyyy-MM-ddTHH:mm:ss` (local).
    pub date_time: String,
    /// Text of the receipt's QR code (OFD check URL).
    pub qr_code: String,
}

fn date_time_text(d: &DateTimeObject) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        d.date.year, d.date.month, d.date.day, d.time.hour, d.time.minute, d.time.second
    )
}

pub(crate) fn timestamp_text(at: Timestamp) -> String {
    let text = ApiDateTime::from_timestamp(at).to_string();
    text.split('.').next().unwrap_or_default().to_owned()
}

fn receipt_of(r: api::TradeOperationResponse) -> Receipt {
    let amounts = &r.body.amounts;
    Receipt {
        fiscal_id: r.fiscal_id,
        offline: r.document.is_offline,
        kind: ReceiptKind::of(r.body.operation),
        shift_number: r.document.fr_shift_number,
        document_number: r.document.shift_document_number,
        total_tiyn: amounts.total.tiyn(),
        taken_tiyn: amounts.taken.map_or(0, |m| m.tiyn()),
        change_tiyn: amounts.change.map_or(0, |m| m.tiyn()),
        date_time: date_time_text(&r.body.date_time),
        qr_code: r.qr_code,
    }
}

/// Cash put into or taken out of the drawer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CashMovement {
    /// Внесение.
    Deposit,
    /// Изъятие (refused with 58 above the cash in the drawer).
    Withdrawal,
}

/// A money placement made.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CashPlacement {
    /// Deposit or withdrawal.
    pub movement: CashMovement,
    /// Amount, tiyn.
    pub sum_tiyn: i64,
    /// Made autonomously.
    pub offline: bool,
    /// Shift number.
    pub shift_number: i64,
    /// Document number in the shift.
    pub document_number: i64,
}

/// X (interim) or Z (closing) report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ReportKind {
    /// X — interim totals; the shift stays open.
    X,
    /// Z — closes the shift.
    Z,
}

/// Shift totals of one receipt operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, uniffi::Record)]
pub struct OperationTotals {
    /// Receipts in the shift.
    pub count: i32,
    /// Their totals, tiyn.
    pub total_tiyn: i64,
    /// Paid in cash (net of change), tiyn.
    pub cash_tiyn: i64,
    /// Paid by card, tiyn.
    pub card_tiyn: i64,
    /// Paid by mobile, tiyn.
    pub mobile_tiyn: i64,
    /// Change given, tiyn.
    pub change_tiyn: i64,
    /// Receipt-level discounts, tiyn.
    pub discount_tiyn: i64,
    /// Receipts made autonomously.
    pub offline_count: i32,
}

/// An X or Z report.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ShiftReport {
    /// X or Z.
    pub kind: ReportKind,
    /// Shift number.
    pub shift_number: i64,
    /// Document number of the report in the shift (for a reprint).
    pub document_number: i64,
    /// Made autonomously (a Z still closes the shift; it reaches the OFD later).
    pub offline: bool,
    /// When the shift opened, `yyyy-MM-ddTHH:mm:ss`.
    pub opened_at: String,
    /// When it closed (Z only).
    pub closed_at: Option<String>,
    /// Cash in the drawer, tiyn.
    pub cash_in_drawer_tiyn: i64,
    /// Revenue of the shift, tiyn (negative when returns and purchases exceed sales).
    pub revenue_tiyn: i64,
    /// Sales.
    pub sales: OperationTotals,
    /// Returns of sales.
    pub sale_returns: OperationTotals,
    /// Purchases.
    pub buys: OperationTotals,
    /// Returns of purchases.
    pub buy_returns: OperationTotals,
    /// Deposits in the shift.
    pub deposits_count: i32,
    /// Sum of the deposits, tiyn.
    pub deposits_tiyn: i64,
    /// Withdrawals in the shift.
    pub withdrawals_count: i32,
    /// Sum of the withdrawals, tiyn.
    pub withdrawals_tiyn: i64,
    /// SHA-256 digest of the shift's documents (Z).
    pub checksum: String,
}

fn report_of(r: api::ZxReportResponse) -> ShiftReport {
    let body = &r.body;
    let int = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    let totals = |op: Operation| {
        body.ticket_operations
            .iter()
            .find(|t| t.operation == op)
            .map(|t| {
                let pay = |kind: kkm_core::PaymentType| {
                    t.payments
                        .iter()
                        .filter(|p| p.payment == kind)
                        .map(|p| p.sum.tiyn())
                        .fold(0, i64::saturating_add)
                };
                OperationTotals {
                    count: int(t.tickets_count),
                    total_tiyn: t.tickets_sum.tiyn(),
                    cash_tiyn: pay(kkm_core::PaymentType::Cash),
                    card_tiyn: pay(kkm_core::PaymentType::Card),
                    mobile_tiyn: pay(kkm_core::PaymentType::Mobile),
                    change_tiyn: t.change_sum.tiyn(),
                    discount_tiyn: t.discount_sum.tiyn(),
                    offline_count: int(t.offline_count),
                }
            })
            .unwrap_or_default()
    };
    let placement = |kind: kkm_core::MoneyPlacementKind| {
        body.money_placements
            .iter()
            .find(|p| p.operation == kind)
            .map_or((0, 0), |p| {
                (int(p.operations_count), p.operations_sum.tiyn())
            })
    };
    let (deposits_count, deposits_tiyn) = placement(kkm_core::MoneyPlacementKind::Deposit);
    let (withdrawals_count, withdrawals_tiyn) = placement(kkm_core::MoneyPlacementKind::Withdrawal);
    let revenue = body.revenue.sum.tiyn();
    ShiftReport {
        kind: match r.report_type {
            kkm_core::ReportType::X => ReportKind::X,
            kkm_core::ReportType::Z => ReportKind::Z,
        },
        shift_number: r.document.fr_shift_number,
        document_number: r.document.shift_document_number,
        offline: r.document.is_offline,
        opened_at: timestamp_text(body.open_shift_time),
        closed_at: body.close_shift_time.map(timestamp_text),
        cash_in_drawer_tiyn: body.cash_sum.tiyn(),
        revenue_tiyn: if body.revenue.is_negative {
            -revenue
        } else {
            revenue
        },
        sales: totals(Operation::Sell),
        sale_returns: totals(Operation::SellReturn),
        buys: totals(Operation::Buy),
        buy_returns: totals(Operation::BuyReturn),
        deposits_count,
        deposits_tiyn,
        withdrawals_count,
        withdrawals_tiyn,
        checksum: body.checksum.clone(),
    }
}

/// What a journal entry is.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum JournalDocument {
    /// A receipt.
    Receipt {
        /// Its operation.
        kind: ReceiptKind,
        /// Fiscal sign (or offline number).
        fiscal_id: String,
        /// Total, tiyn.
        total_tiyn: i64,
        /// Payment types used.
        payments: Vec<PaymentKind>,
    },
    /// An X or Z report.
    Report {
        /// X or Z.
        kind: ReportKind,
        /// Revenue of the shift, tiyn.
        revenue_tiyn: i64,
    },
    /// Cash in or out.
    Cash {
        /// Deposit or withdrawal.
        movement: CashMovement,
        /// Amount, tiyn.
        sum_tiyn: i64,
    },
}

/// One document of the journal.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct JournalEntry {
    /// Transaction id in the journal.
    pub transaction_id: i64,
    /// Date-time, `yyyy-MM-ddTHH:mm:ss`.
    pub date_time: String,
    /// Shift number.
    pub shift_number: i64,
    /// Document number in the shift.
    pub document_number: i64,
    /// Made autonomously.
    pub offline: bool,
    /// The document.
    pub document: JournalDocument,
}

fn movement_of(kind: kkm_core::MoneyPlacementKind) -> CashMovement {
    match kind {
        kkm_core::MoneyPlacementKind::Deposit => CashMovement::Deposit,
        kkm_core::MoneyPlacementKind::Withdrawal => CashMovement::Withdrawal,
    }
}

fn journal_entry(e: api::TransactionListEntry) -> JournalEntry {
    let document = match e.body {
        TransactionSummary::Ticket(t) => JournalDocument::Receipt {
            kind: ReceiptKind::of(t.operation),
            fiscal_id: t.fiscal_id,
            total_tiyn: t.sum.tiyn(),
            payments: t.payments.into_iter().map(PaymentKind::of).collect(),
        },
        TransactionSummary::Report(r) => JournalDocument::Report {
            kind: if e.command == CommandType::CloseShift {
                ReportKind::Z
            } else {
                ReportKind::X
            },
            revenue_tiyn: r.revenue.tiyn(),
        },
        TransactionSummary::MoneyPlacement(m) => JournalDocument::Cash {
            movement: movement_of(m.operation),
            sum_tiyn: m.sum.tiyn(),
        },
    };
    JournalEntry {
        transaction_id: e.id,
        date_time: e
            .date
            .to_string()
            .split('.')
            .next()
            .unwrap_or_default()
            .to_owned(),
        shift_number: e.fr_shift_number,
        document_number: e.shift_document_number,
        offline: e.is_offline,
        document,
    }
}

// -------------------------------------------------------------------------------------
// The register

/// One installation of the register: a data folder (the journal), its data key and its
/// OFDs, with every KKM registered in it. Thread-safe; open one per process and keep it.
///
/// Every method is **blocking** (the journal commits with fsync; fiscal commands wait
/// for the OFD up to the budget): call from a background thread.
#[derive(uniffi::Object)]
pub struct KkmRegister {
    registry: RwLock<Option<Arc<Registry>>>,
    /// The zone of the register's clock, seconds ahead of UTC.
    utc_offset_secs: i64,
}

impl std::fmt::Debug for KkmRegister {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KkmRegister").finish_non_exhaustive()
    }
}

#[uniffi::export]
impl KkmRegister {
    /// Opens (or creates) the register in `config.data_dir`: verifies every journal's
    /// hash chain and starts the background OFD sync of each KKM. A new installation has
    /// one administrator with PIN `0000`. **Blocking.**
    #[uniffi::constructor]
    pub fn open(config: RegisterConfig) -> Result<Arc<KkmRegister>, KkmError> {
        let utc_offset_secs = config
            .utc_offset_secs
            .unwrap_or(SystemClock::KAZAKHSTAN.utc_offset_secs);
        let config = config.to_registry()?;
        let registry = block_on(Registry::open(config))??;
        Ok(Arc::new(KkmRegister {
            registry: RwLock::new(Some(registry)),
            utc_offset_secs,
        }))
    }

    /// Registers a KKM with the OFD (its registration data comes from the OFD with the
    /// token) or changes one. Administrators only. **Blocking** (asks the OFD).
    pub fn save_kkm(&self, admin_pin: String, setup: KkmSetup) -> Result<KkmInfo, KkmError> {
        let registry = self.registry()?;
        let request = SaveKkmRequest {
            ofd_id: setup.kkm_ofd_id,
            ofd_token: setup.ofd_token,
            local_name: setup.name,
            ofd_uid: setup.ofd_uid,
            bindings: setup.operator_ids,
            ..SaveKkmRequest::default()
        };
        let kkm = block_on(registry.save_kkm(&Credential::pin(admin_pin), request))??;
        Ok(kkm_info(&kkm))
    }

    /// The KKMs this operator may use. **Blocking.**
    pub fn kkms(&self, pin: String) -> Result<Vec<KkmInfo>, KkmError> {
        let registry = self.registry()?;
        let list =
            block_on(registry.kkm_list(&Credential::pin(pin), GetKkmListRequest::default()))??;
        Ok(list.iter().map(kkm_info).collect())
    }

    /// Creates or changes an operator. Administrators only. **Blocking.**
    pub fn save_operator(
        &self,
        admin_pin: String,
        setup: OperatorSetup,
    ) -> Result<OperatorInfo, KkmError> {
        let registry = self.registry()?;
        let request = SaveOperatorRequest {
            id: setup.id,
            name: Some(setup.name),
            access_pin: setup.pin,
            role: setup.role.code(),
            bindings: Some(setup.kkm_ofd_ids),
            ..SaveOperatorRequest::default()
        };
        let saved = block_on(registry.save_operator(&Credential::pin(admin_pin), request))??;
        Ok(OperatorInfo {
            id: saved.id,
            name: saved.name,
            role: OperatorRole::of(saved.role),
            kkm_ofd_ids: saved.bindings,
        })
    }

    /// Every operator. Administrators only. **Blocking.**
    pub fn operators(&self, admin_pin: String) -> Result<Vec<OperatorInfo>, KkmError> {
        let registry = self.registry()?;
        let list = block_on(registry.operator_list(&Credential::pin(admin_pin)))??;
        Ok(list
            .into_iter()
            .map(|o| OperatorInfo {
                id: o.id.unwrap_or(0),
                name: o.name,
                role: OperatorRole::of(o.role),
                kkm_ofd_ids: o.bindings,
            })
            .collect())
    }

    /// Deletes an operator (never the last administrator: 16). **Blocking.**
    pub fn delete_operator(&self, admin_pin: String, operator_id: i64) -> Result<(), KkmError> {
        let registry = self.registry()?;
        block_on(registry.delete_operator(
            &Credential::pin(admin_pin),
            api::DeleteOperatorRequest { id: operator_id },
        ))??;
        Ok(())
    }

    /// Logs an operator in on a KKM: checks the PIN (5 when wrong) and the operator's
    /// access to the KKM (71), and returns the session that makes documents.
    /// **Blocking** (the first check of a PIN runs a slow hash, ~0.1 s; later ones are
    /// cached).
    pub fn login(
        self: Arc<Self>,
        pin: String,
        kkm_ofd_id: i64,
    ) -> Result<Arc<CashierSession>, KkmError> {
        let registry = self.registry()?;
        let credential = Credential::pin(pin);
        let list = block_on(registry.kkm_list(
            &credential,
            GetKkmListRequest {
                ofd_id: Some(kkm_ofd_id),
            },
        ))??;
        if list.is_empty() {
            // Authenticated, but the KKM is unknown or not this operator's.
            return Err(match registry.sync_status(kkm_ofd_id) {
                Ok(_) => KkmError::rejected(
                    ErrorCode::KkmAccessDenied,
                    format!("this operator may not use KKM {kkm_ofd_id}"),
                ),
                Err(e) => e.into(),
            });
        }
        Ok(Arc::new(CashierSession {
            register: self,
            credential: RwLock::new(credential),
            kkm_ofd_id,
        }))
    }

    /// The KKM's sync status now. Not blocking.
    pub fn sync_state(&self, kkm_ofd_id: i64) -> Result<SyncState, KkmError> {
        Ok(sync_state(&self.registry()?.sync_status(kkm_ofd_id)?))
    }

    /// Calls `listener` with the KKM's sync state now and on every change, from a
    /// background thread, until the subscription is cancelled or the register closed.
    /// Not blocking.
    pub fn subscribe_sync(
        &self,
        kkm_ofd_id: i64,
        listener: Box<dyn SyncListener>,
    ) -> Result<Arc<SyncSubscription>, KkmError> {
        let mut rx = self.registry()?.subscribe(kkm_ofd_id)?;
        let (cancel, mut cancelled) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name(format!("kkm-sync-{kkm_ofd_id}"))
            .spawn(move || {
                let first = sync_state(&rx.borrow_and_update());
                listener.on_sync_state(kkm_ofd_id, first);
                loop {
                    // A plain executor: the callback runs outside the tokio runtime, so
                    // Kotlin may call blocking register methods from it.
                    let changed = futures::executor::block_on(async {
                        tokio::select! {
                            _ = &mut cancelled => false,
                            r = rx.changed() => r.is_ok(),
                        }
                    });
                    if !changed {
                        return;
                    }
                    let state = sync_state(&rx.borrow_and_update());
                    listener.on_sync_state(kkm_ofd_id, state);
                }
            })
            .map_err(|e| KkmError::internal(format!("cannot start the listener thread: {e}")))?;
        Ok(Arc::new(SyncSubscription {
            cancel: Mutex::new(Some(cancel)),
        }))
    }

    /// Retries the OFD now (e.g. the network is back) instead of waiting for the next
    /// backoff. Not blocking.
    pub fn retry_sync_now(&self, kkm_ofd_id: i64) -> Result<(), KkmError> {
        Ok(self.registry()?.kick(kkm_ofd_id)?)
    }

    /// An administrator lifts a block; with `drop_document` the refused document leaves
    /// the queue (the journal keeps it). Returns the documents delivered after.
    /// **Blocking.**
    pub fn resolve_block(
        &self,
        admin_pin: String,
        kkm_ofd_id: i64,
        drop_document: bool,
    ) -> Result<i64, KkmError> {
        let registry = self.registry()?;
        let delivered = block_on(registry.resolve_blocked(
            &Credential::pin(admin_pin),
            kkm_ofd_id,
            drop_document,
        ))??;
        Ok(i64::try_from(delivered).unwrap_or(i64::MAX))
    }

    /// Stops the background sync and closes the journal (idempotent). Later calls answer
    /// `Closed`. Documents not yet delivered stay queued on disk. **Blocking.**
    /// (Kotlin's `close()` only frees the handle; call this first.)
    pub fn shutdown(&self) -> Result<(), KkmError> {
        let registry = self
            .registry
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(registry) = registry {
            block_on(registry.shutdown())?;
        }
        Ok(())
    }
}

impl KkmRegister {
    /// The zone of the register's clock, seconds ahead of UTC.
    pub(crate) fn utc_offset_secs(&self) -> i64 {
        self.utc_offset_secs
    }

    pub(crate) fn registry(&self) -> Result<Arc<Registry>, KkmError> {
        self.registry
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(KkmError::closed)
    }
}

impl Drop for KkmRegister {
    fn drop(&mut self) {
        let registry = match self.registry.get_mut() {
            Ok(r) => r.take(),
            Err(p) => p.into_inner().take(),
        };
        if let (Some(registry), Ok(rt)) = (registry, runtime()) {
            rt.spawn(async move { registry.shutdown().await });
        }
    }
}

// -------------------------------------------------------------------------------------
// The session

/// An operator logged in on one KKM ([`KkmRegister::login`]). Thread-safe.
///
/// Every method is **blocking**: receipts journal with fsync and wait for the OFD up to
/// the budget (then the receipt is made autonomously, never lost). Methods taking an
/// `idempotency_key` answer the stored document when retried with the same key (use
/// one key per basket: a retry after a timeout never makes a second receipt).
#[derive(uniffi::Object)]
pub struct CashierSession {
    pub(crate) register: Arc<KkmRegister>,
    /// The operator's PIN; replaced when they change it ([`CashierSession::change_own_pin`]).
    credential: RwLock<Credential>,
    pub(crate) kkm_ofd_id: i64,
}

impl std::fmt::Debug for CashierSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CashierSession")
            .field("kkm_ofd_id", &self.kkm_ofd_id)
            .finish_non_exhaustive()
    }
}

#[uniffi::export]
impl CashierSession {
    /// The KKM of this session.
    pub fn kkm_ofd_id(&self) -> i64 {
        self.kkm_ofd_id
    }

    /// The KKM's state now (shift, cash, registration). **Blocking.**
    pub fn kkm_info(&self) -> Result<KkmInfo, KkmError> {
        let registry = self.register.registry()?;
        let list = block_on(registry.kkm_list(
            &self.credential(),
            GetKkmListRequest {
                ofd_id: Some(self.kkm_ofd_id),
            },
        ))??;
        list.first().map(kkm_info).ok_or_else(|| {
            KkmError::rejected(ErrorCode::KkmAccessDenied, "the KKM is no longer available")
        })
    }

    /// A sale (продажа). **Blocking.**
    pub fn sell(
        &self,
        basket: Basket,
        idempotency_key: Option<String>,
    ) -> Result<Receipt, KkmError> {
        self.trade(ReceiptKind::Sell, basket, None, idempotency_key)
    }

    /// A purchase from the customer (покупка). **Blocking.**
    pub fn buy(
        &self,
        basket: Basket,
        idempotency_key: Option<String>,
    ) -> Result<Receipt, KkmError> {
        self.trade(ReceiptKind::Buy, basket, None, idempotency_key)
    }

    /// A return of (part of) the sale with fiscal sign `original_fiscal_id` — typed, or
    /// scanned from the receipt's QR (`ScanContent.Receipt.fiscalId`). The register
    /// refuses more than was sold and not yet returned, and marks not sold on it.
    /// **Blocking.**
    pub fn refund(
        &self,
        original_fiscal_id: String,
        basket: Basket,
        idempotency_key: Option<String>,
    ) -> Result<Receipt, KkmError> {
        self.trade(
            ReceiptKind::SellReturn,
            basket,
            Some(original_fiscal_id),
            idempotency_key,
        )
    }

    /// Any receipt: `parent_fiscal_id` is required for returns. **Blocking.**
    pub fn trade(
        &self,
        kind: ReceiptKind,
        basket: Basket,
        parent_fiscal_id: Option<String>,
        idempotency_key: Option<String>,
    ) -> Result<Receipt, KkmError> {
        let registry = self.register.registry()?;
        let draft = draft_of(kind.operation(), &basket, parent_fiscal_id);
        let answer = block_on(registry.trade_draft(
            &self.credential(),
            self.kkm_ofd_id,
            draft,
            idempotency_key,
        ))??;
        Ok(receipt_of(answer))
    }

    /// Cash in (внесение) or out (изъятие; 58 above the cash in the drawer).
    /// **Blocking.**
    pub fn move_cash(
        &self,
        movement: CashMovement,
        sum_tiyn: i64,
        idempotency_key: Option<String>,
    ) -> Result<CashPlacement, KkmError> {
        let registry = self.register.registry()?;
        let request = MoneyPlacementRequest {
            kkm_ofd_id: Some(self.kkm_ofd_id),
            operation: Some(match movement {
                CashMovement::Deposit => 0,
                CashMovement::Withdrawal => 1,
            }),
            sum: Some(kkm_core::JsonNumber::from_money(
                kkm_core::Money::from_tiyn(sum_tiyn),
            )),
            ..MoneyPlacementRequest::default()
        };
        let answer =
            block_on(registry.money_placement(&self.credential(), request, idempotency_key))??;
        Ok(CashPlacement {
            movement: movement_of(answer.body.operation),
            sum_tiyn: answer.body.sum.tiyn(),
            offline: answer.document.is_offline,
            shift_number: answer.document.fr_shift_number,
            document_number: answer.document.shift_document_number,
        })
    }

    /// The X report (interim totals; the shift stays open). **Blocking.**
    pub fn x_report(&self) -> Result<ShiftReport, KkmError> {
        self.report(1)
    }

    /// The Z report: closes the shift (the next receipt opens a new one). **Blocking**
    /// (the OFD gets the close within the budget, else it is queued).
    pub fn close_shift(&self) -> Result<ShiftReport, KkmError> {
        self.report(0)
    }

    /// The journal of this KKM: every document, or those of one shift. **Blocking.**
    pub fn journal(&self, shift_number: Option<i64>) -> Result<Vec<JournalEntry>, KkmError> {
        let registry = self.register.registry()?;
        let list = block_on(registry.transaction_list(
            &self.credential(),
            GetTransactionListRequest {
                kkm_ofd_id: self.kkm_ofd_id,
                shift_number,
                ..GetTransactionListRequest::default()
            },
        ))??;
        Ok(list.into_iter().map(journal_entry).collect())
    }

    /// A journaled document (receipt, cash placement, X/Z) rendered as `format`: the
    /// original, or with `duplicate` a copy marked «ДУБЛИКАТ» (a reprint). **Blocking.**
    pub fn render_document(
        &self,
        shift_number: i64,
        document_number: i64,
        format: DocumentFormat,
        settings: PrintSettings,
        duplicate: bool,
    ) -> Result<Vec<u8>, KkmError> {
        let doc = self.print_model(shift_number, document_number, duplicate)?;
        render(&doc, format, &settings)
    }

    /// Prints a journaled document on `printer` (`duplicate`: a reprint marked
    /// «ДУБЛИКАТ»). A printer failure is `Printer`/`NoBleAdapter`: the document is safe
    /// in the journal; reprint it. **Blocking.**
    pub fn print_document(
        &self,
        shift_number: i64,
        document_number: i64,
        printer: Arc<Printer>,
        settings: PrintSettings,
        duplicate: bool,
    ) -> Result<(), KkmError> {
        let doc = self.print_model(shift_number, document_number, duplicate)?;
        printer.print_document(&doc, &settings)
    }

    /// The KKM's sync status now. Not blocking.
    pub fn sync_state(&self) -> Result<SyncState, KkmError> {
        self.register.sync_state(self.kkm_ofd_id)
    }
}

impl CashierSession {
    /// The session's credential now.
    pub(crate) fn credential(&self) -> Credential {
        self.credential
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The session goes on with the operator's new PIN.
    pub(crate) fn set_pin(&self, pin: String) {
        *self.credential.write().unwrap_or_else(|p| p.into_inner()) = Credential::pin(pin);
    }

    fn report(&self, report_type: i64) -> Result<ShiftReport, KkmError> {
        let registry = self.register.registry()?;
        let answer = block_on(registry.zx_report(
            &self.credential(),
            ZxReportRequest {
                kkm_ofd_id: self.kkm_ofd_id,
                report_type_code: report_type,
                ..ZxReportRequest::default()
            },
        ))??;
        Ok(report_of(answer))
    }

    fn print_model(
        &self,
        shift_number: i64,
        document_number: i64,
        duplicate: bool,
    ) -> Result<kkm_print::model::PrintDocument, KkmError> {
        let registry = self.register.registry()?;
        let doc = block_on(registry.document_print(
            &self.credential(),
            self.kkm_ofd_id,
            shift_number,
            document_number,
        ))??;
        Ok(if duplicate { doc.into_duplicate() } else { doc })
    }
}
