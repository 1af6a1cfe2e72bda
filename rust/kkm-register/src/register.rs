//! One KKM: its sync engine, its counters and settings, and the fiscal operations
//! (receipts, money placements, X and Z) serialised behind one lock, journal first.

use std::sync::{Arc, RwLock};

use kkm_core::{
    check_kkm_status, validate_trade_operation, Action, Clock, CloseOptions, DocumentMeta,
    ErrorCode, KkmStatus, MoneyPlacement, MoneyPlacementKind, Operation, OperatorRef, ParentTicket,
    Receipt, ReportType, ReturnBasis, SaleContext, Timestamp,
};
use kkm_ofd::{Delivery, QueuedDocument, SyncEngine, SyncMode, SyncStatus};
use kkm_proto::cpcr::{CommandTypeEnum, Request};
use kkm_proto::prost::Message;
use kkm_store::{Appended, DocumentKind, NewDocument, PrintCopy, Record, Store};
use tokio::sync::{watch, Mutex};

use crate::api::{
    MoneyPlacementResponse, TradeOperationResponse, TransactionBody, ZxReportResponse,
};
use crate::auth::Operator;
use crate::book::{DocMeta, KkmBook, KkmSettings, Payload};
use crate::printing::{PrintAsk, QueuedPrint};
use crate::views::{self, Fiscal};
use crate::{OfdConfig, RegisterError, StoreJournal};

/// One KKM of the registry.
pub(crate) struct Register {
    pub kkm_id: u32,
    pub ofd: OfdConfig,
    pub engine: Arc<SyncEngine<StoreJournal>>,
    pub store: Arc<Store>,
    pub clock: Arc<dyn Clock + Send + Sync>,
    /// Held for the whole of a fiscal operation: one at a time per KKM.
    pub book: Mutex<KkmBook>,
    pub settings: RwLock<KkmSettings>,
    /// Stops this KKM's sync task.
    pub stop: watch::Sender<bool>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn document_kind(payload: &Payload) -> DocumentKind {
    match payload {
        Payload::Ticket { receipt, .. } => match receipt.operation {
            Operation::Buy => DocumentKind::Buy,
            Operation::BuyReturn => DocumentKind::BuyReturn,
            Operation::Sell => DocumentKind::Sell,
            Operation::SellReturn => DocumentKind::SellReturn,
        },
        Payload::MoneyPlacement { kind, .. } => match kind {
            MoneyPlacementKind::Deposit => DocumentKind::Deposit,
            MoneyPlacementKind::Withdrawal => DocumentKind::Withdrawal,
        },
        Payload::Report {
            report_type: ReportType::X,
            ..
        } => DocumentKind::XReport,
        Payload::Report { .. } => DocumentKind::ZReport,
    }
}

/// A document ready to journal.
struct Draft {
    payload: Payload,
    request: Option<Request>,
    total: i64,
    parent: Option<String>,
}

impl Register {
    /// A copy of the settings.
    pub(crate) fn settings(&self) -> KkmSettings {
        self.settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn set_settings(&self, settings: KkmSettings) {
        *self.settings.write().unwrap_or_else(|p| p.into_inner()) = settings;
    }

    /// The sync status now.
    pub(crate) fn status(&self) -> SyncStatus {
        self.engine.status()
    }

    /// `true` when a new document would wait in the queue (autonomous, or older
    /// documents still waiting).
    fn predicted_offline(&self) -> bool {
        let status = self.engine.status();
        !matches!(status.mode, SyncMode::Online) || status.queue_len > 0
    }

    /// The core's view of this KKM's state, for [`check_kkm_status`].
    pub(crate) fn kkm_status(&self, book: &KkmBook) -> Result<KkmStatus, RegisterError> {
        let state = self.store.sync_state(self.kkm_id)?;
        Ok(KkmStatus {
            values_conflict: (state.local_state != 0).then(|| {
                state
                    .state_reason
                    .unwrap_or_else(|| "the journal does not verify".into())
            }),
            blocked: state.blocked.map(|(doc, code, text)| match doc {
                Some(doc) => format!("the OFD refused document {doc} with code {code}: {text}"),
                None => format!("the OFD refused with code {code}: {text}"),
            }),
            offline_since: state.autonomous_since.map(Timestamp::from_secs),
            offline_queue_len: self.store.queue_len(self.kkm_id)?,
            shift_open: book.shift.is_open(),
        })
    }

    fn check(&self, book: &KkmBook, action: Action) -> Result<(), RegisterError> {
        let status = self.kkm_status(book)?;
        check_kkm_status(&status, action, self.clock.now())?;
        Ok(())
    }

    fn meta(
        &self,
        operator: &Operator,
        at: Timestamp,
        shift_number: u32,
        shift_document_number: u32,
        book: &KkmBook,
        offline_number: u32,
    ) -> DocMeta {
        DocMeta {
            at,
            operator_code: u32::try_from(operator.id).unwrap_or(0),
            operator_name: operator.name.clone(),
            shift_number,
            shift_document_number,
            printed_document_number: book.printed_documents,
            offline_number,
            cash_after: book.shift.cash_in_drawer(),
            shift_open_after: book.shift.is_open(),
        }
    }

    /// Numbers a fiscal document in `next` (its printed number and its offline number,
    /// kept whether or not it ends up autonomous) and makes its meta.
    fn numbered_meta(
        &self,
        operator: &Operator,
        at: Timestamp,
        shift_number: u32,
        shift_document_number: u32,
        next: &mut KkmBook,
    ) -> DocMeta {
        next.printed_documents += 1;
        let offline_number = next.next_offline_number(at);
        self.meta(
            operator,
            at,
            shift_number,
            shift_document_number,
            next,
            offline_number,
        )
    }

    fn cpcr_meta(meta: &DocMeta) -> DocumentMeta {
        DocumentMeta {
            date_time: meta.at,
            operator: OperatorRef {
                code: meta.operator_code,
                name: Some(meta.operator_name.clone()),
            },
            shift_number: meta.shift_number,
            printed_document_number: Some(meta.printed_document_number),
            offline_ticket_number: None,
            is_offline: false,
            printed_ticket: None,
        }
    }

    /// The stored record of an idempotency key, if this key was used.
    fn replay(&self, key: Option<&str>) -> Result<Option<Record>, RegisterError> {
        match key {
            Some(key) => Ok(self.store.record_by_key(self.kkm_id, key)?),
            None => Ok(None),
        }
    }

    /// Journals `draft` with the counters of `next` (one transaction), then delivers it
    /// to the OFD and settles the outcome. `current` is replaced by `next` once the
    /// document is journaled.
    async fn journal_and_deliver(
        &self,
        current: &mut KkmBook,
        next: KkmBook,
        draft: Draft,
        key: Option<&str>,
        offline: bool,
        print: &PrintAsk,
    ) -> Result<(Record, Payload, Fiscal), RegisterError> {
        let print = QueuedPrint::of(self.settings().printer.as_ref(), print);
        let jobs: Vec<_> = print.iter().map(|p| p.job(PrintCopy::Original)).collect();
        let meta = draft.payload.meta().clone();
        let bytes = draft.payload.to_bytes()?;
        let request = draft.request.as_ref().map(Message::encode_to_vec);
        let counters = next.to_blob()?;
        let offline_number = (draft.request.is_some()).then_some(meta.offline_number);
        let appended = self.store.append_printing(
            &NewDocument {
                kkm_id: self.kkm_id,
                kind: document_kind(&draft.payload),
                operator_id: meta.operator_code,
                at: meta.at.secs(),
                total: draft.total,
                shift_number: meta.shift_number,
                offline_number,
                payload: &bytes,
                request: request.as_deref(),
                idempotency_key: key,
                shift_document: meta.shift_document_number,
                offline: offline && draft.request.is_some(),
                parent: draft.parent.as_deref(),
            },
            &counters,
            &jobs,
            crate::printing::now_ms(),
        )?;
        let record = match appended {
            Appended::New(record) => record,
            Appended::Replayed(record) => {
                let payload = Payload::from_bytes(record.id, &record.payload)?;
                let fiscal = Fiscal {
                    sign: record.fiscal_sign.clone(),
                    offline: record.offline,
                };
                return Ok((record, payload, fiscal));
            }
        };
        *current = next;
        // The document is journaled; its print job (held in the queue) prints once the
        // OFD's answer is in, so the paper carries the fiscal sign.
        let release = |store: &Store| {
            if !jobs.is_empty() {
                if let Err(e) = store.release_print_jobs(record.id) {
                    tracing::warn!(error = %e, record = record.id, "print job not released");
                }
            }
        };
        let Some(request) = draft.request else {
            release(&self.store);
            // Not a fiscal message (X-report): nothing goes to the OFD.
            return Ok((
                record,
                draft.payload,
                Fiscal {
                    sign: None,
                    offline,
                },
            ));
        };
        let id = u64::try_from(record.id)
            .map_err(|_| RegisterError::new(ErrorCode::DbError, "negative journal id"))?;
        let delivery = self
            .engine
            .deliver(&QueuedDocument {
                id,
                request,
                offline_number: meta.offline_number,
                reqnum: None,
            })
            .await?;
        release(&self.store);
        let fiscal = match delivery {
            Delivery::Fiscalized(answer) => Fiscal {
                sign: answer.ticket.map(|t| t.ticket_number),
                offline: false,
            },
            Delivery::Autonomous { .. } => {
                if !offline {
                    // Counted online at journaling; the OFD did not answer in time.
                    Self::count_offline(current, &draft.payload);
                    self.store.mark_offline(record.id, &current.to_blob()?)?;
                }
                Fiscal {
                    sign: None,
                    offline: true,
                }
            }
            Delivery::SentByDrain => {
                let stored = self.store.record(record.id)?;
                Fiscal {
                    sign: stored.as_ref().and_then(|r| r.fiscal_sign.clone()),
                    offline: stored.is_some_and(|r| r.offline) || offline,
                }
            }
            Delivery::Blocked(b) => {
                return Err(RegisterError::new(
                    ErrorCode::KkmIsBlocked,
                    format!(
                        "the OFD refused this document (journal record {}) with code {}: {}; \
                         the KKM is blocked until an administrator resolves it",
                        record.id, b.code, b.text
                    ),
                ))
            }
        };
        Ok((record, draft.payload, fiscal))
    }

    /// Moves one document from the online to the offline counters.
    fn count_offline(book: &mut KkmBook, payload: &Payload) {
        let Some(shift) = book.shift.shift.as_mut() else {
            return;
        };
        match payload {
            Payload::Ticket { receipt, .. } => {
                shift.tickets[receipt.operation.index()].offline_count += 1;
            }
            Payload::MoneyPlacement { kind, .. } => {
                shift.placements[kind.index()].offline_count += 1;
            }
            Payload::Report { .. } => {}
        }
    }

    /// The original of a return and what was already returned against it.
    fn return_basis(
        &self,
        settings: &KkmSettings,
        fiscal_id: &str,
    ) -> Result<Option<(ReturnBasis, i64)>, RegisterError> {
        let wanted = fiscal_id.trim();
        if wanted.is_empty() {
            return Ok(None);
        }
        let mut record = self.store.record_by_fiscal_sign(self.kkm_id, wanted)?;
        if record.is_none() {
            if let Ok(number) = wanted.parse::<u32>() {
                record = self.store.record_by_offline_number(self.kkm_id, number)?;
            }
        }
        let Some(record) = record else {
            return Ok(None);
        };
        let Payload::Ticket { meta, receipt } = Payload::from_bytes(record.id, &record.payload)?
        else {
            return Ok(None);
        };
        let parent = ParentTicket {
            fiscal_id: fiscal_id.to_owned(),
            date_time: meta.at,
            kgd_kkm_id: settings.rnm(),
            total: receipt.total,
            is_offline: record.offline,
        };
        let mut basis = ReturnBasis::new(parent, &receipt);
        for earlier in self.store.returns_of(self.kkm_id, &record.id.to_string())? {
            if let Payload::Ticket { receipt, .. } =
                Payload::from_bytes(earlier.id, &earlier.payload)?
            {
                basis.record_return(&receipt);
            }
        }
        Ok(Some((basis, record.id)))
    }

    /// TradeOperation: a receipt (sale, return, buy, buy return).
    pub(crate) async fn trade(
        &self,
        operator: &Operator,
        request: &kkm_core::TradeOperationRequest,
        key: Option<&str>,
    ) -> Result<TradeOperationResponse, RegisterError> {
        let mut book = self.book.lock().await;
        if let Some(record) = self.replay(key)? {
            return self.trade_answer(&record);
        }
        self.check(&book, Action::TradeOperation)?;
        self.engine.admit()?;
        let settings = self.settings();
        let basis = match request
            .parent_ticket
            .as_ref()
            .and_then(|p| p.fiscal_id.as_deref())
        {
            Some(fiscal_id) => self.return_basis(&settings, fiscal_id)?,
            None => None,
        };
        let seller = settings.reg_info.org.as_ref().and_then(|o| o.inn.clone());
        let receipt = validate_trade_operation(
            request,
            &SaleContext {
                seller_iin_or_bin: seller.as_deref(),
                return_basis: basis.as_ref().map(|(b, _)| b),
            },
        )?;
        if receipt.operation.is_return() && receipt.parent.is_none() {
            return Err(RegisterError::new(
                ErrorCode::InvalidFields,
                "parent_ticket.fiscal_id: a return needs the fiscal sign of the original receipt \
                 (CPCR 2.0.3 sends the parent ticket with every return)",
            ));
        }
        let offline = self.predicted_offline();
        let mut next = book.clone();
        let stamp = next
            .shift
            .register_receipt(&receipt, offline, self.clock.as_ref())?;
        let meta = self.numbered_meta(
            operator,
            stamp.at,
            stamp.shift_number,
            stamp.shift_document_number,
            &mut next,
        );
        let ticket = receipt.to_ticket_request(&Self::cpcr_meta(&meta));
        let draft = Draft {
            total: receipt.total.tiyn(),
            parent: basis.map(|(_, id)| id.to_string()),
            request: Some(Request {
                command: CommandTypeEnum::CommandTicket as i32,
                ticket: Some(ticket),
                ..Request::default()
            }),
            payload: Payload::Ticket {
                meta,
                receipt: Box::new(receipt),
            },
        };
        let print = PrintAsk {
            is_printable: request.is_printable == Some(true),
            image_width: request.image_width,
            image_scale: request.image_scale.as_ref().map(|n| n.as_str().to_owned()),
            image_pixel_draw_threshold: request.image_pixel_draw_threshold,
        };
        let (record, payload, fiscal) = self
            .journal_and_deliver(&mut book, next, draft, key, offline, &print)
            .await?;
        self.trade_response(&record, &payload, &fiscal)
    }

    fn trade_answer(&self, record: &Record) -> Result<TradeOperationResponse, RegisterError> {
        let payload = Payload::from_bytes(record.id, &record.payload)?;
        let fiscal = Fiscal {
            sign: record.fiscal_sign.clone(),
            offline: record.offline,
        };
        self.trade_response(record, &payload, &fiscal)
    }

    fn ticket_parts<'p>(
        record: &Record,
        payload: &'p Payload,
    ) -> Result<(&'p DocMeta, &'p Receipt), RegisterError> {
        match payload {
            Payload::Ticket { meta, receipt } => Ok((meta, receipt)),
            _ => Err(RegisterError::new(
                ErrorCode::OperationNotFound,
                format!("journal record {} is not a receipt", record.id),
            )),
        }
    }

    fn trade_response(
        &self,
        record: &Record,
        payload: &Payload,
        fiscal: &Fiscal,
    ) -> Result<TradeOperationResponse, RegisterError> {
        let (meta, receipt) = Self::ticket_parts(record, payload)?;
        let settings = self.settings();
        let fiscal_id = fiscal.fiscal_id(meta);
        let qr = views::check_link(
            &self.ofd.check_url,
            &fiscal_id,
            &settings.rnm(),
            meta,
            receipt.total,
        );
        Ok(TradeOperationResponse {
            fiscal_id,
            qr_code: qr.clone(),
            ofd_name: Some(self.ofd.name.clone()),
            ofd_url: Some(self.ofd.check_url.clone()),
            document: views::document_answer(&settings, payload, fiscal),
            body: views::ticket_object(receipt, meta, fiscal, Some(qr)),
        })
    }

    /// MoneyPlacement: a deposit or a withdrawal.
    pub(crate) async fn money_placement(
        &self,
        operator: &Operator,
        request: &kkm_core::MoneyPlacementRequest,
        key: Option<&str>,
    ) -> Result<MoneyPlacementResponse, RegisterError> {
        let mut book = self.book.lock().await;
        if let Some(record) = self.replay(key)? {
            let payload = Payload::from_bytes(record.id, &record.payload)?;
            let fiscal = Fiscal {
                sign: record.fiscal_sign.clone(),
                offline: record.offline,
            };
            return self.placement_response(&payload, &fiscal);
        }
        self.check(&book, Action::MoneyPlacement)?;
        self.engine.admit()?;
        let placement = MoneyPlacement::from_request(request)?;
        let offline = self.predicted_offline();
        let mut next = book.clone();
        let stamp = next
            .shift
            .register_placement(&placement, offline, self.clock.as_ref())?;
        let meta = self.numbered_meta(
            operator,
            stamp.at,
            stamp.shift_number,
            stamp.shift_document_number,
            &mut next,
        );
        let draft = Draft {
            total: placement.sum.tiyn(),
            parent: None,
            request: Some(Request {
                command: CommandTypeEnum::CommandMoneyPlacement as i32,
                money_placement: Some(placement.to_cpcr(&Self::cpcr_meta(&meta))),
                ..Request::default()
            }),
            payload: Payload::MoneyPlacement {
                meta,
                kind: placement.kind,
                sum: placement.sum,
            },
        };
        let print = PrintAsk {
            is_printable: request.is_printable == Some(true),
            image_width: request.image_width,
            image_scale: request.image_scale.as_ref().map(|n| n.as_str().to_owned()),
            image_pixel_draw_threshold: request.image_pixel_draw_threshold,
        };
        let (_, payload, fiscal) = self
            .journal_and_deliver(&mut book, next, draft, key, offline, &print)
            .await?;
        self.placement_response(&payload, &fiscal)
    }

    fn placement_response(
        &self,
        payload: &Payload,
        fiscal: &Fiscal,
    ) -> Result<MoneyPlacementResponse, RegisterError> {
        let Payload::MoneyPlacement { meta, kind, sum } = payload else {
            return Err(RegisterError::new(
                ErrorCode::OperationNotFound,
                "the idempotency key belongs to a document that is not a money placement",
            ));
        };
        Ok(MoneyPlacementResponse {
            document: views::document_answer(&self.settings(), payload, fiscal),
            body: views::placement_object(meta, *kind, *sum, fiscal),
        })
    }

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
                let documents = next.shift.shift.as_ref().map_or(0, |s| s.documents);
                let meta = self.meta(operator, now, report.shift_number, documents, &next, 0);
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
                    &mut next,
                );
                let close = closure.to_cpcr(&Self::cpcr_meta(&meta));
                Draft {
                    total: 0,
                    parent: None,
                    request: Some(Request {
                        command: CommandTypeEnum::CommandCloseShift as i32,
                        close_shift: Some(close),
                        ..Request::default()
                    }),
                    payload: Payload::Report {
                        meta,
                        report_type,
                        report: Box::new(closure.report),
                        withdrawn: closure.withdrawn,
                    },
                }
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
            document: views::document_answer(&self.settings(), &payload, &fiscal),
            body: (**report).clone(),
        })
    }

    /// A journal record as GetTransaction answers it.
    pub(crate) fn transaction_body(
        &self,
        record: &Record,
    ) -> Result<(Payload, Fiscal, TransactionBody), RegisterError> {
        let payload = Payload::from_bytes(record.id, &record.payload)?;
        let fiscal = Fiscal {
            sign: record.fiscal_sign.clone(),
            offline: record.offline,
        };
        let body = match &payload {
            Payload::Ticket { meta, receipt } => {
                let link = views::check_link(
                    &self.ofd.check_url,
                    &fiscal.fiscal_id(meta),
                    &self.settings().rnm(),
                    meta,
                    receipt.total,
                );
                TransactionBody::Ticket(Box::new(views::ticket_object(
                    receipt,
                    meta,
                    &fiscal,
                    Some(link),
                )))
            }
            Payload::MoneyPlacement { meta, kind, sum } => {
                TransactionBody::MoneyPlacement(views::placement_object(meta, *kind, *sum, &fiscal))
            }
            Payload::Report { report, .. } => TransactionBody::Report(report.clone()),
        };
        Ok((payload, fiscal, body))
    }

    /// The print model of a journal record.
    pub(crate) fn print_document(
        &self,
        record: &Record,
    ) -> Result<kkm_print::model::PrintDocument, RegisterError> {
        let payload = Payload::from_bytes(record.id, &record.payload)?;
        let fiscal = Fiscal {
            sign: record.fiscal_sign.clone(),
            offline: record.offline,
        };
        let settings = self.settings();
        let kkm = views::requisites(&settings, &self.ofd.name, &self.ofd.check_url);
        let ads: Vec<String> = settings.ads_info.iter().map(|a| a.text.clone()).collect();
        Ok(views::print_document(&payload, &fiscal, kkm, &ads))
    }
}
