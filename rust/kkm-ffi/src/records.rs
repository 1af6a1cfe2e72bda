//! The records the register hands Kotlin: KKMs and operators, sync status and its
//! subscription, receipts, cash placements, X/Z reports and journal entries, with their
//! mappings from the registry's answers. Mapping only.

use std::sync::Mutex;

use kkm_core::{Operation, Timestamp};
use kkm_register::api::{
    self, ApiDateTime, CommandType, DateTimeObject, KkmObject, TransactionSummary,
};

use crate::basket::PaymentKind;

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

pub(crate) fn kkm_info(k: &KkmObject) -> KkmInfo {
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
    pub(crate) fn code(self) -> i64 {
        match self {
            OperatorRole::Administrator => 1,
            OperatorRole::SeniorCashier => 2,
            OperatorRole::Cashier => 3,
        }
    }

    pub(crate) fn of(role: kkm_core::Role) -> OperatorRole {
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

pub(crate) fn sync_state(s: &kkm_ofd::SyncStatus) -> SyncState {
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
    pub(crate) cancel: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
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

    pub(crate) fn operation(self) -> Operation {
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

pub(crate) fn date_time_text(d: &DateTimeObject) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        d.date.year, d.date.month, d.date.day, d.time.hour, d.time.minute, d.time.second
    )
}

pub(crate) fn timestamp_text(at: Timestamp) -> String {
    let text = ApiDateTime::from_timestamp(at).to_string();
    text.split('.').next().unwrap_or_default().to_owned()
}

pub(crate) fn receipt_of(r: api::TradeOperationResponse) -> Receipt {
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

pub(crate) fn report_of(r: api::ZxReportResponse) -> ShiftReport {
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

pub(crate) fn movement_of(kind: kkm_core::MoneyPlacementKind) -> CashMovement {
    match kind {
        kkm_core::MoneyPlacementKind::Deposit => CashMovement::Deposit,
        kkm_core::MoneyPlacementKind::Withdrawal => CashMovement::Withdrawal,
    }
}

pub(crate) fn journal_entry(e: api::TransactionListEntry) -> JournalEntry {
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
