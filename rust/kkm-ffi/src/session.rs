//! [`CashierSession`]: an operator logged in on one KKM — receipts, cash in/out, reports,
//! the journal, reprints. Mapping only: every rule is the registry's.

use std::sync::{Arc, RwLock};

use kkm_core::ErrorCode;
use kkm_register::api::{
    GetKkmListRequest, GetTransactionListRequest, MoneyPlacementRequest, ZxReportRequest,
};
use kkm_register::Credential;

use crate::basket::{draft_of, Basket};
use crate::print::{render, DocumentFormat, PrintSettings, Printer};
use crate::records::*;
use crate::register::*;
use crate::runtime::block_on;
use crate::KkmError;

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
    pub(crate) credential: RwLock<Credential>,
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
