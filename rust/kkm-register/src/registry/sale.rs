//! Receipts from drafts in domain values (the Kotlin facade's basket), and a receipt
//! found by its fiscal sign as a draft: the start of a return. The rules are those of
//! the daemon's `TradeOperation` ([`crate::sale`], [`kkm_core::SaleDraft`]).

use std::collections::BTreeSet;

use std::sync::Arc;

use kkm_core::receipt::ReturnableLine;
use kkm_core::ReturnBasis;
use kkm_core::{Action, ErrorCode, Money, Operation, SaleDraft, Timestamp};
use kkm_store::Record;

use super::Registry;
use crate::api;
use crate::book::Payload;
use crate::register::Register;
use crate::views::Fiscal;
use crate::{Credential, RegisterError};

/// A journaled receipt found by its fiscal sign ([`Registry::find_receipt`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundReceipt {
    /// Its fiscal sign (the offline number while the OFD has not answered).
    pub fiscal_id: String,
    /// Its operation.
    pub operation: Operation,
    /// Shift number.
    pub shift_number: i64,
    /// Document number in the shift.
    pub document_number: i64,
    /// When it was made (device calendar time).
    pub at: Timestamp,
    /// Made autonomously.
    pub offline: bool,
    /// Its total.
    pub total: Money,
    /// What of its total is not yet returned.
    pub returnable: Money,
    /// The receipt as a draft of its own operation ([`crate::sale::draft_of_receipt`]).
    pub draft: SaleDraft,
    /// Per article (name, section, price, unit): sold and already returned.
    pub returnable_lines: Vec<ReturnableLine>,
    /// The marks sold on it.
    pub sold_marks: BTreeSet<String>,
    /// The marks of it already returned.
    pub returned_marks: BTreeSet<String>,
}

fn not_found(kkm_ofd_id: i64, fiscal_id: &str) -> RegisterError {
    RegisterError::new(
        ErrorCode::TransactionNotFound,
        format!("no receipt with fiscal sign {fiscal_id} on KKM {kkm_ofd_id}"),
    )
}

impl Registry {
    /// A receipt of KKM `kkm_ofd_id` from a draft built by the caller: validated,
    /// journaled and delivered exactly as `TradeOperation` (taxes without a regime
    /// take the KKM's), idempotent by key.
    pub async fn trade_draft(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        draft: SaleDraft,
        idempotency_key: Option<String>,
    ) -> Result<api::TradeOperationResponse, RegisterError> {
        self.trade(credential, kkm_ofd_id, draft, idempotency_key, false)
            .await
    }

    /// [`Registry::trade_draft`] with the receipt queued on the KKM's printer, as
    /// `TradeOperation` with `is_printable: true` does (nothing is queued on a KKM
    /// without a printer; the answer never waits for the printer).
    pub async fn trade_draft_printed(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        draft: SaleDraft,
        idempotency_key: Option<String>,
    ) -> Result<api::TradeOperationResponse, RegisterError> {
        self.trade(credential, kkm_ofd_id, draft, idempotency_key, true)
            .await
    }

    async fn trade(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        draft: SaleDraft,
        idempotency_key: Option<String>,
        printable: bool,
    ) -> Result<api::TradeOperationResponse, RegisterError> {
        let (operator, register) =
            self.operator_for(credential, kkm_ofd_id, Action::TradeOperation)?;
        let answer = register
            .trade_draft(&operator, draft, idempotency_key.as_deref(), printable)
            .await;
        self.wake_printer(&register);
        answer
    }

    /// The receipt with fiscal sign (or offline number) `fiscal_id` on KKM `kkm_ofd_id`
    /// as a PNG (GetDocumentImage's defaults): what the till shows of the receipt it
    /// made. For whoever may sell on the KKM and reprint that receipt: a cashier sees
    /// no journal, and gets the picture only of receipts of the current or the previous
    /// shift (71 otherwise, as ReprintDocument); `43` when there is none.
    pub fn receipt_png(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        fiscal_id: &str,
    ) -> Result<Vec<u8>, RegisterError> {
        let (register, _, record) = self.receipt_record(credential, kkm_ofd_id, fiscal_id)?;
        // The picture of a receipt is a copy of it: a cashier gets only those it may
        // reprint (the current and the previous shift), not any receipt of the KKM.
        let operator = self.authenticate(credential)?;
        self.check_print_scope(&operator, &register, kkm_ofd_id, &record)?;
        super::browse::png_of(&register, &record, false)
    }

    /// The KKM, the return basis and the journal record of the receipt `fiscal_id`,
    /// for whoever may sell on the KKM; `43` when there is none.
    fn receipt_record(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        fiscal_id: &str,
    ) -> Result<(Arc<Register>, ReturnBasis, Record), RegisterError> {
        let (_, register) = self.operator_for(credential, kkm_ofd_id, Action::TradeOperation)?;
        let settings = register.settings();
        let (basis, record_id) = register
            .return_basis(&settings, fiscal_id)?
            .ok_or_else(|| not_found(kkm_ofd_id, fiscal_id))?;
        let record = self
            .store
            .record(record_id)?
            .ok_or_else(|| not_found(kkm_ofd_id, fiscal_id))?;
        Ok((register, basis, record))
    }

    /// The receipt with fiscal sign (or offline number) `fiscal_id` on KKM
    /// `kkm_ofd_id`, with what is left to return of it; `43` when there is none. For
    /// whoever may sell on the KKM: it starts a return. One indexed journal read.
    pub fn find_receipt(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        fiscal_id: &str,
    ) -> Result<FoundReceipt, RegisterError> {
        let (_, basis, record) = self.receipt_record(credential, kkm_ofd_id, fiscal_id)?;
        let Payload::Ticket { meta, receipt } = Payload::from_bytes(record.id, &record.payload)?
        else {
            return Err(not_found(kkm_ofd_id, fiscal_id));
        };
        Ok(FoundReceipt {
            fiscal_id: Fiscal::of_record(&record).fiscal_id(&meta),
            operation: receipt.operation,
            shift_number: i64::from(record.shift_number),
            document_number: i64::from(record.shift_document),
            at: meta.at,
            offline: record.offline,
            total: receipt.total,
            returnable: basis.remaining_total(),
            draft: crate::sale::draft_of_receipt(&receipt),
            returnable_lines: basis.lines.clone(),
            sold_marks: basis.sold_marks.clone(),
            returned_marks: basis.returned_marks.clone(),
        })
    }
}
