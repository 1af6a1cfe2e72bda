//! Operators, roles, KKM bindings and the state of a KKM: who may do what, where, and
//! whether the KKM accepts documents right now.
//!
//! Roles (`OperatorRoleTypeEnum`) and what they may do, after the seed manual
//! ("Администратор – позволяет управлять ККМ; Старший кассир – позволяет печатать чеки
//! и снимать отчеты; Кассир – позволяет печатать чеки"):
//!
//! | action | ADMINISTRATOR | SENIOR_CASHIER | CASHIER |
//! | --- | --- | --- | --- |
//! | [`Action::TradeOperation`], [`Action::MoneyPlacement`], [`Action::ViewKkm`], [`Action::PrintDocument`] | yes | yes | yes |
//! | [`Action::XReport`], [`Action::ZReport`], [`Action::ViewJournal`] | yes | yes | no |
//! | [`Action::ManageKkm`], [`Action::DeleteKkm`], [`Action::ManageOperators`], [`Action::ManageLicense`] | yes | no | no |
//!
//! A role that may not → 71 (`kkm_access_denied`). Bindings: an administrator works on
//! every KKM; anyone else only on the KKMs in their bindings → 72
//! (`kkm_invalid_bindings`).
//!
//! Printing ([`authorize_print`]): the seed's manual says a cashier «позволяет печатать
//! чеки». A cashier prints and reprints the receipts and cash slips of its KKMs made in
//! the current shift and the one before it (so the first customer after a Z still gets
//! a copy of yesterday's receipt); reports and older documents need the journal right
//! of a senior cashier or an administrator, who may print any document.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::error::CoreError;

/// Operator role (`OperatorRoleTypeEnum`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub enum Role {
    /// 1 — администратор: configures KKMs and operators, and everything else.
    Administrator,
    /// 2 — старший кассир: receipts and reports.
    SeniorCashier,
    /// 3 — кассир: receipts.
    Cashier,
}

impl Role {
    /// The seed's code.
    pub const fn code(self) -> u8 {
        match self {
            Role::Administrator => 1,
            Role::SeniorCashier => 2,
            Role::Cashier => 3,
        }
    }

    /// The role of a code; unknown → 39 (`invalid_operator_role`).
    pub fn from_code(code: i64) -> Result<Role, CoreError> {
        match code {
            1 => Ok(Role::Administrator),
            2 => Ok(Role::SeniorCashier),
            3 => Ok(Role::Cashier),
            other => Err(CoreError::InvalidOperatorRole(other)),
        }
    }

    /// `true` if this role may do `action` (the table in the module docs).
    pub const fn may(self, action: Action) -> bool {
        match self {
            Role::Administrator => true,
            Role::SeniorCashier => !matches!(
                action,
                Action::ManageKkm
                    | Action::DeleteKkm
                    | Action::ManageOperators
                    | Action::ManageLicense
            ),
            Role::Cashier => matches!(
                action,
                Action::TradeOperation
                    | Action::MoneyPlacement
                    | Action::ViewKkm
                    | Action::PrintDocument
            ),
        }
    }
}

impl TryFrom<i64> for Role {
    type Error = CoreError;
    fn try_from(code: i64) -> Result<Role, CoreError> {
        Role::from_code(code)
    }
}

impl From<Role> for i64 {
    fn from(role: Role) -> i64 {
        i64::from(role.code())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Administrator => "administrator",
            Role::SeniorCashier => "senior cashier",
            Role::Cashier => "cashier",
        })
    }
}

/// What an operator asks to do (one per group of seed API methods).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// TradeOperation — sell, buy, returns.
    TradeOperation,
    /// MoneyPlacement — deposit, withdrawal.
    MoneyPlacement,
    /// ZXReport with type X.
    XReport,
    /// ZXReport with type Z (closes the shift).
    ZReport,
    /// GetTransactionList, GetTransaction, GetDocumentImage (copies and the journal).
    ViewJournal,
    /// GetKKMList — the KKMs one may work on.
    ViewKkm,
    /// GetDocumentImage, print and reprint — within [`authorize_print`]'s limits.
    PrintDocument,
    /// SaveKKM, GetVendorId — configure KKMs.
    ManageKkm,
    /// DeleteKKM — needs an empty offline queue and a closed shift.
    DeleteKkm,
    /// GetOperatorList, SaveOperator, DeleteOperator.
    ManageOperators,
    /// ActivateLicense, GetOFDList and settings.
    ManageLicense,
}

impl Action {
    /// `true` for the actions that make a fiscal document.
    pub const fn is_fiscal_document(self) -> bool {
        matches!(
            self,
            Action::TradeOperation | Action::MoneyPlacement | Action::ZReport
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::TradeOperation => "make receipts",
            Action::MoneyPlacement => "deposit or withdraw cash",
            Action::XReport => "take an X-report",
            Action::ZReport => "close the shift (Z-report)",
            Action::ViewJournal => "view the journal",
            Action::ViewKkm => "view KKMs",
            Action::PrintDocument => "print documents",
            Action::ManageKkm => "configure KKMs",
            Action::DeleteKkm => "delete KKMs",
            Action::ManageOperators => "manage operators",
            Action::ManageLicense => "manage the license and settings",
        })
    }
}

/// An authenticated operator, as far as permissions go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorAccess {
    /// Operator ID.
    pub id: i64,
    /// Role.
    pub role: Role,
    /// IDs of the KKMs the operator is bound to (ignored for administrators).
    pub bindings: Vec<i64>,
}

/// May `operator` do `action`, on KKM `kkm_id` when the action concerns one?
/// Role first (71), then the binding (72).
///
/// ```
/// use kkm_core::operator::{authorize, Action, OperatorAccess, Role};
/// let cashier = OperatorAccess { id: 2, role: Role::Cashier, bindings: vec![6923] };
/// assert!(authorize(&cashier, Some(6923), Action::TradeOperation).is_ok());
/// assert_eq!(authorize(&cashier, Some(6923), Action::ZReport).unwrap_err().code().code(), 71);
/// assert_eq!(authorize(&cashier, Some(1), Action::TradeOperation).unwrap_err().code().code(), 72);
/// ```
pub fn authorize(
    operator: &OperatorAccess,
    kkm_id: Option<i64>,
    action: Action,
) -> Result<(), CoreError> {
    if !operator.role.may(action) {
        return Err(CoreError::AccessDenied {
            role: operator.role,
            action,
        });
    }
    if let Some(kkm_id) = kkm_id {
        if operator.role != Role::Administrator && !operator.bindings.contains(&kkm_id) {
            return Err(CoreError::NotBound {
                operator_id: operator.id,
                kkm_id,
            });
        }
    }
    Ok(())
}

/// What a print request concerns, for [`authorize_print`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrintScope {
    /// The document is an X or Z report (not a receipt or a cash slip).
    pub is_report: bool,
    /// The document's shift.
    pub shift_number: u32,
    /// Its number in the shift.
    pub shift_document_number: u32,
    /// The KKM's current shift: the open one, or the next one when closed.
    pub current_shift: u32,
}

/// May `operator` print (or reprint) the document of `scope` on KKM `kkm_id`? Binding
/// first (72); then anyone who may view the journal prints anything, and a cashier
/// prints receipts and cash slips of the current and the previous shift (71 beyond).
///
/// ```
/// use kkm_core::operator::{authorize_print, OperatorAccess, PrintScope, Role};
/// let cashier = OperatorAccess { id: 3, role: Role::Cashier, bindings: vec![6923] };
/// let receipt = |shift| PrintScope { is_report: false, shift_number: shift, shift_document_number: 1, current_shift: 10 };
/// assert!(authorize_print(&cashier, 6923, receipt(10)).is_ok());
/// assert!(authorize_print(&cashier, 6923, receipt(9)).is_ok());
/// assert_eq!(authorize_print(&cashier, 6923, receipt(8)).unwrap_err().code().code(), 71);
/// assert_eq!(authorize_print(&cashier, 1, receipt(10)).unwrap_err().code().code(), 72);
/// let senior = OperatorAccess { id: 2, role: Role::SeniorCashier, bindings: vec![6923] };
/// assert!(authorize_print(&senior, 6923, receipt(1)).is_ok());
/// ```
pub fn authorize_print(
    operator: &OperatorAccess,
    kkm_id: i64,
    scope: PrintScope,
) -> Result<(), CoreError> {
    authorize(operator, Some(kkm_id), Action::PrintDocument)?;
    if operator.role.may(Action::ViewJournal) {
        return Ok(());
    }
    let recent = scope.shift_number.saturating_add(1) >= scope.current_shift;
    if scope.is_report || !recent {
        return Err(CoreError::PrintNotAllowed {
            shift_number: scope.shift_number,
            shift_document_number: scope.shift_document_number,
        });
    }
    Ok(())
}

/// Longest the KKM may stay autonomous before new documents are refused: 72 hours.
pub const MAX_OFFLINE_SECS: i64 = 72 * 3600;

/// The state of a KKM that decides whether it accepts an action now (kept by the
/// register and the OFD client; the core only judges it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KkmStatus {
    /// Counters or journal failed verification (`local_state` ValuesConflict).
    pub values_conflict: Option<String>,
    /// Blocked by the OFD, or by an offline document the OFD refused.
    pub blocked: Option<String>,
    /// Autonomous since (the first unanswered fiscal command), if autonomous.
    pub offline_since: Option<Timestamp>,
    /// Documents waiting in the offline queue.
    pub offline_queue_len: u64,
    /// A shift is open.
    pub shift_open: bool,
}

/// Does the KKM accept `action` at `now`?
///
/// * values conflict → 68 for documents and reports;
/// * blocked → 62 for documents and reports;
/// * autonomous more than 72 hours → 18 for receipts and placements (a Z-report is
///   still allowed, as the seed manual says);
/// * [`Action::DeleteKkm`] needs an empty offline queue (67) and a closed shift (76).
pub fn check_kkm_status(
    status: &KkmStatus,
    action: Action,
    now: Timestamp,
) -> Result<(), CoreError> {
    let fiscal = action.is_fiscal_document() || action == Action::XReport;
    if fiscal {
        if let Some(reason) = &status.values_conflict {
            return Err(CoreError::ValuesConflict {
                reason: reason.clone(),
            });
        }
        if let Some(reason) = &status.blocked {
            return Err(CoreError::KkmBlocked {
                reason: reason.clone(),
            });
        }
    }
    if matches!(action, Action::TradeOperation | Action::MoneyPlacement) {
        if let Some(since) = status.offline_since {
            let secs = now.secs_since(since);
            if secs > MAX_OFFLINE_SECS {
                return Err(CoreError::OfflineTooLong {
                    hours: secs / 3600,
                    limit_hours: MAX_OFFLINE_SECS / 3600,
                });
            }
        }
    }
    if action == Action::DeleteKkm {
        if status.offline_queue_len > 0 {
            return Err(CoreError::HasOfflineQueue {
                pending: status.offline_queue_len,
            });
        }
        if status.shift_open {
            return Err(CoreError::ShiftNotClosed);
        }
    }
    Ok(())
}
