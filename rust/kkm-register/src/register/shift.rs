//! The shift's reports: X (numbered in the shift, journaled locally) and Z (closes the
//! shift, goes to the OFD), and the automatic Z that closes a shift open for more than
//! 24 hours before the next receipt, as CashCore does (`doCheckShiftDuration`).

use kkm_core::{Action, CloseOptions, ErrorCode, ReportType};
use kkm_proto::cpcr::{CommandTypeEnum, Request};
use kkm_store::Record;
use tracing::info;

use super::{hex, Draft, Register};
use crate::api::ZxReportResponse;
use crate::auth::Operator;
use crate::book::{KkmBook, Payload};
use crate::printing::PrintAsk;
use crate::views;
use crate::RegisterError;

impl Register {
    /// ZXReport: X (interim, journaled locally) or Z (closes the shift, goes to the OFD).
    pub(crate) async fn report(
        &self,
        operator: &Operator,
        report_type: ReportType,
        print: &PrintAsk,
    ) -> Result<ZxReportResponse, RegisterError> {
        let mut book = self.book.lock().await;
        let action = match report_type {
            ReportType::X => Action::XReport,
            ReportType::Z => Action::ZReport,
        };
        self.check(&book, action)?;
        let offline = self.predicted_offline();
        let now = self.clock.now();
        let mut next = book.clone();
        let draft = match report_type {
            ReportType::X => {
                let mut report = next.shift.x_report(self.clock.as_ref());
                report.checksum =
                    hex(&self.store.shift_digest(self.kkm_id, report.shift_number)?);
                // Its own number in the shift, so that GetDocumentImage reaches it.
                let (shift_number, number) = next.shift.number_x_report();
                let meta = self.meta(operator, now, shift_number, number, &next, 0);
                Draft {
                    total: 0,
                    parent: None,
                    request: None,
                    payload: Payload::Report {
                        meta,
                        report_type,
                        report: Box::new(report),
                        withdrawn: None,
                    },
                }
            }
            ReportType::Z => {
                // A Z is refused only when blocked; after 72 h autonomous it still closes
                // the shift (the seed's manual), and it queues like any document.
                if let Err(e @ kkm_ofd::EngineError::Blocked(_)) = self.engine.admit() {
                    return Err(e.into());
                }
                self.z_draft(operator, &mut next, offline)?
            }
        };
        let (_, payload, fiscal) = self
            .journal_and_deliver(&mut book, next, draft, None, offline, print)
            .await?;
        let Payload::Report { report, .. } = &payload else {
            return Err(RegisterError::new(
                ErrorCode::ReportNotFound,
                "not a report",
            ));
        };
        Ok(ZxReportResponse {
            report_type,
            total_payments: views::total_payments(report),
            document: views::document_answer(
                &self.settings(),
                self.status().invalid_token,
                &payload,
                &fiscal,
            ),
            body: (**report).clone(),
        })
    }

    /// The Z-report of the shift open in `next`, closed there (with the auto-withdrawal
    /// when the KKM has it), numbered after the shift's last document, ready to journal.
    fn z_draft(
        &self,
        operator: &Operator,
        next: &mut KkmBook,
        offline: bool,
    ) -> Result<Draft, RegisterError> {
        let now = self.clock.now();
        let documents = next.shift.shift.as_ref().map_or(0, |s| s.documents);
        let withdraw_cash = self.settings().auto_withdraw_money;
        let mut closure = next.shift.close_shift(
            self.clock.as_ref(),
            CloseOptions {
                withdraw_cash,
                offline,
            },
        )?;
        closure.report.checksum = hex(&self
            .store
            .shift_digest(self.kkm_id, closure.report.shift_number)?);
        next.shift_closed_at = Some(now);
        let meta = self.numbered_meta(
            operator,
            now,
            closure.report.shift_number,
            documents.saturating_add(1),
            next,
        );
        let close = closure.to_cpcr(&Self::cpcr_meta(&meta));
        Ok(Draft {
            total: 0,
            parent: None,
            request: Some(Request {
                command: CommandTypeEnum::CommandCloseShift as i32,
                close_shift: Some(close),
                ..Request::default()
            }),
            payload: Payload::Report {
                meta,
                report_type: ReportType::Z,
                report: Box::new(closure.report),
                withdrawn: closure.withdrawn,
            },
        })
    }

    /// Before a receipt: a shift open for more than 24 hours is closed first, as CashCore
    /// does — a Z journaled, sent (or queued) and answered like any Z, made in the name of
    /// the operator whose receipt needs the new shift. Returns the Z's record, if one was
    /// made; it prints when the receipt asks for paper (`print`), like any Z. A cash
    /// placement neither closes such a shift nor is refused in it (CashCore's
    /// `MoneyPlacement` has no 24-hour check): it counts in the expired shift.
    pub(super) async fn close_expired_shift(
        &self,
        operator: &Operator,
        book: &mut KkmBook,
        print: &PrintAsk,
    ) -> Result<Option<Record>, RegisterError> {
        if !book.shift.shift_expired(self.clock.now()) {
            return Ok(None);
        }
        self.check(book, Action::ZReport)?;
        let offline = self.predicted_offline();
        let mut next = book.clone();
        let draft = self.z_draft(operator, &mut next, offline)?;
        let (record, _, _) = self
            .journal_and_deliver(book, next, draft, None, offline, print)
            .await?;
        info!(
            kkm = self.kkm_id,
            shift = record.shift_number,
            "the shift was open for more than 24 hours: closed it (Z) before the receipt"
        );
        Ok(Some(record))
    }
}
