//! Fiscal documents and the journal: receipts, money placements, X and Z, the
//! transaction list and bodies, and the print models and images of journaled documents.

use kkm_core::{authorize_print, Action, ErrorCode, PrintScope, ReportType};
use kkm_store::DocumentKind;

use super::Registry;
use crate::api::{self, ApiDateTime};
use crate::views;
use crate::{Credential, RegisterError};

impl Registry {
    // ---------------------------------------------------------------------------------
    // Fiscal documents

    /// `TradeOperation`: a receipt. With `idempotency_key`, a retry answers the stored
    /// receipt and makes no second one.
    pub async fn trade_operation(
        &self,
        credential: &Credential,
        request: api::TradeOperationRequest,
        idempotency_key: Option<String>,
    ) -> Result<api::TradeOperationResponse, RegisterError> {
        let ofd_id = request
            .kkm_ofd_id
            .ok_or_else(|| RegisterError::new(ErrorCode::InvalidFields, "kkm_ofd_id: required"))?;
        let (operator, register) = self.operator_for(credential, ofd_id, Action::TradeOperation)?;
        let answer = register
            .trade(&operator, &request, idempotency_key.as_deref())
            .await;
        self.wake_printer(&register);
        answer
    }

    /// `MoneyPlacement`: a deposit or a withdrawal, idempotent by key as well.
    pub async fn money_placement(
        &self,
        credential: &Credential,
        request: api::MoneyPlacementRequest,
        idempotency_key: Option<String>,
    ) -> Result<api::MoneyPlacementResponse, RegisterError> {
        let ofd_id = request
            .kkm_ofd_id
            .ok_or_else(|| RegisterError::new(ErrorCode::InvalidFields, "kkm_ofd_id: required"))?;
        let (operator, register) = self.operator_for(credential, ofd_id, Action::MoneyPlacement)?;
        let answer = register
            .money_placement(&operator, &request, idempotency_key.as_deref())
            .await;
        self.wake_printer(&register);
        answer
    }

    /// `ZXReport`: X (interim) or Z (closes the shift).
    pub async fn zx_report(
        &self,
        credential: &Credential,
        request: api::ZxReportRequest,
    ) -> Result<api::ZxReportResponse, RegisterError> {
        let report_type = request.report_type()?;
        let action = match report_type {
            ReportType::X => Action::XReport,
            ReportType::Z => Action::ZReport,
        };
        let (operator, register) = self.operator_for(credential, request.kkm_ofd_id, action)?;
        let print = crate::printing::PrintAsk {
            is_printable: request.is_printable == Some(true),
            image_width: request.image_width,
            image_scale: request.image_scale.map(|s| s.to_string()),
            image_pixel_draw_threshold: request.image_pixel_draw_threshold,
        };
        let answer = register.report(&operator, report_type, &print).await;
        self.wake_printer(&register);
        answer
    }
    // ---------------------------------------------------------------------------------
    // The journal

    /// `GetTransaction`: one document with its full body.
    pub async fn transaction(
        &self,
        credential: &Credential,
        request: api::GetTransactionRequest,
    ) -> Result<api::GetTransactionResponse, RegisterError> {
        let (_, register) =
            self.operator_for(credential, request.kkm_ofd_id, Action::ViewJournal)?;
        let record = self
            .store
            .record(request.transaction_id)?
            .filter(|r| r.kkm_id == register.kkm_id)
            .ok_or_else(|| {
                RegisterError::new(
                    ErrorCode::TransactionNotFound,
                    format!(
                        "KKM {} has no transaction {}",
                        request.kkm_ofd_id, request.transaction_id
                    ),
                )
            })?;
        let (payload, _, body) = register.transaction_body(&record)?;
        Ok(api::Transaction {
            id: record.id,
            date: ApiDateTime::from_timestamp(kkm_core::Timestamp::from_secs(record.at)),
            command: views::command_type(&payload),
            fr_shift_number: i64::from(record.shift_number),
            shift_document_number: i64::from(record.shift_document),
            is_offline: record.offline,
            body,
        })
    }

    /// The print model of document `shift_document_number` of shift
    /// `fr_shift_number` (print and reprint; `GetDocumentImage` renders it).
    pub async fn document_print(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        fr_shift_number: i64,
        shift_document_number: i64,
    ) -> Result<kkm_print::model::PrintDocument, RegisterError> {
        let (register, record) = self.printable_record(
            credential,
            kkm_ofd_id,
            fr_shift_number,
            shift_document_number,
        )?;
        register.print_document(&record)
    }

    /// Document `shift_document_number` of shift `fr_shift_number` with its KKM, when
    /// the operator may print it: administrators and senior cashiers any document, a
    /// cashier the receipts and slips of the current and the previous shift of its KKMs
    /// ([`authorize_print`]). Print, reprint and `GetDocumentImage` all ask here.
    pub(super) fn printable_record(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        fr_shift_number: i64,
        shift_document_number: i64,
    ) -> Result<(std::sync::Arc<crate::register::Register>, kkm_store::Record), RegisterError> {
        let (operator, register) =
            self.operator_for(credential, kkm_ofd_id, Action::PrintDocument)?;
        let record = self.record_in_shift(&register, fr_shift_number, shift_document_number)?;
        self.check_print_scope(&operator, &register, kkm_ofd_id, &record)?;
        Ok((register, record))
    }

    /// May `operator` have a copy of `record` (printed or drawn)? Administrators and
    /// senior cashiers any; a cashier only receipts of the current or the previous
    /// shift, never reports (`authorize_print`).
    pub(super) fn check_print_scope(
        &self,
        operator: &crate::auth::Operator,
        register: &crate::register::Register,
        kkm_ofd_id: i64,
        record: &kkm_store::Record,
    ) -> Result<(), RegisterError> {
        let current_shift = match self.store.last_record(register.kkm_id)? {
            Some((last, DocumentKind::ZReport)) => last.saturating_add(1),
            Some((last, _)) => last,
            None => 1,
        };
        let access = register.access_of(operator);
        authorize_print(
            &access,
            kkm_ofd_id,
            PrintScope {
                is_report: matches!(record.kind, DocumentKind::XReport | DocumentKind::ZReport),
                shift_number: record.shift_number,
                shift_document_number: record.shift_document,
                current_shift,
            },
        )?;
        Ok(())
    }

    /// `GetDocumentImage`: the document as a PNG (the original, or a copy marked
    /// «ДУБЛИКАТ» with `is_original: false`).
    pub async fn document_image(
        &self,
        credential: &Credential,
        request: api::GetDocumentImageRequest,
    ) -> Result<api::DocumentImage, RegisterError> {
        let mut document = self
            .document_print(
                credential,
                request.kkm_ofd_id,
                request.fr_shift_number,
                request.shift_document_number,
            )
            .await?;
        if request.is_original == Some(false) {
            document = document.into_duplicate();
        }
        let options = kkm_print::ImageOptions {
            width: request
                .image_width
                .unwrap_or(api::GetDocumentImageRequest::DEFAULT_IMAGE_WIDTH),
            scale: request
                .image_scale
                .unwrap_or(api::GetDocumentImageRequest::DEFAULT_IMAGE_SCALE)
                as f32,
            threshold: u8::try_from(
                request
                    .image_pixel_draw_threshold
                    .unwrap_or(api::GetDocumentImageRequest::DEFAULT_PIXEL_DRAW_THRESHOLD),
            )
            .unwrap_or(u8::MAX),
        };
        // Refused before waiting for a render's turn (render_png checks them again).
        options
            .validate()
            .map_err(|e| RegisterError::new(ErrorCode::InvalidFields, e.to_string()))?;
        // At most CONCURRENT_RENDERS at once, each off the async workers: a render is
        // CPU and memory, and Ping must keep answering meanwhile.
        let _turn = self.renders.acquire().await.map_err(|_| {
            RegisterError::new(
                ErrorCode::MethodExecutionException,
                "the register is stopping",
            )
        })?;
        let png = crate::blocking::off_worker(|| kkm_print::render_png(&document, &options))
            .map_err(|e| RegisterError::new(ErrorCode::InvalidFields, e.to_string()))?;
        Ok(api::DocumentImage { png })
    }
}
