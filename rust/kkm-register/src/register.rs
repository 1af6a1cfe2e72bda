//! One KKM: its sync engine, its counters and settings, and the fiscal operations
//! (receipts, money placements, X and Z) serialised behind one lock, journal first.

use std::sync::{Arc, RwLock};

use kkm_core::{
    check_kkm_status, Action, Clock, DocumentMeta, ErrorCode, KkmStatus, MoneyPlacement,
    MoneyPlacementKind, Operation, OperatorRef, ParentTicket, Receipt, ReportType, ReturnBasis,
    SaleContext, SaleDraft, Timestamp,
};
use kkm_ofd::{Delivery, QueuedDocument, SyncEngine, SyncMode, SyncStatus};
use kkm_proto::cpcr::{CommandTypeEnum, Request};
use kkm_proto::prost::Message;
use kkm_store::{Appended, DocumentKind, NewDocument, PrintCopy, Record, Store};
use sha2::{Digest, Sha256};
use tokio::sync::{watch, Mutex};

use crate::api::{MoneyPlacementResponse, TradeOperationResponse, TransactionBody};
use crate::auth::Operator;
use crate::book::{DocMeta, KkmBook, KkmSettings, Payload};
use crate::printing::{PrintAsk, QueuedPrint};
use crate::views::{self, Fiscal};
use crate::{OfdConfig, RegisterError, StoreJournal};

mod shift;

/// What a receipt is made from: the seed's JSON, or a draft in domain values.
pub(crate) enum SaleInput<'a> {
    /// `POST /TradeOperation`'s body.
    Request(&'a kkm_core::TradeOperationRequest),
    /// A draft built by the caller.
    Draft(Box<SaleDraft>),
}

/// One KKM of the registry.
pub(crate) struct Register {
    pub kkm_id: u32,
    /// The KKM's OFD; SaveKKM may move the KKM to another ([`Register::set_ofd`]).
    pub ofd: RwLock<OfdConfig>,
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

/// An `Idempotency-Key` and the fingerprint of the request it came with.
pub(crate) struct Retry<'a> {
    key: &'a str,
    fingerprint: [u8; 32],
}

impl<'a> Retry<'a> {
    /// The key of a `method` request, fingerprinted by what makes the document: the
    /// request as read, without the presentation options (`is_printable`, `image_*`),
    /// which a retry may change.
    pub(crate) fn new(
        key: Option<&'a str>,
        method: &str,
        request: &impl serde::Serialize,
    ) -> Result<Option<Retry<'a>>, RegisterError> {
        let Some(key) = key else {
            return Ok(None);
        };
        let mut body = serde_json::to_value(request)
            .map_err(|e| RegisterError::new(ErrorCode::InvalidFields, e.to_string()))?;
        if let Some(map) = body.as_object_mut() {
            for field in [
                "is_printable",
                "image_width",
                "image_scale",
                "image_pixel_draw_threshold",
            ] {
                map.remove(field);
            }
        }
        let mut h = Sha256::new();
        h.update(method.as_bytes());
        h.update([0]);
        h.update(body.to_string().as_bytes());
        Ok(Some(Retry {
            key,
            fingerprint: h.finalize().into(),
        }))
    }

    /// Refuses (2) a stored record made with this key for another request.
    fn check(&self, record: &Record) -> Result<(), RegisterError> {
        match record.idempotency_fingerprint.as_deref() {
            // Records journaled before fingerprints were kept match their key alone.
            None => Ok(()),
            Some(stored) if stored == self.fingerprint => Ok(()),
            Some(_) => Err(RegisterError::new(
                ErrorCode::InvalidFields,
                format!(
                    "Idempotency-Key `{}` was already used for another request (journal record \
                     {}); a retry must repeat the same method and body, a new document needs \
                     a new key",
                    self.key, record.id
                ),
            )),
        }
    }
}

/// The parent of a return as its QR text gives it (fiscal sign `i`, РНМ `f`, total
/// `s`, time `t`); what the request gave besides wins. A QR that is not a receipt's is
/// refused (2, naming `parent_ticket.qr`).
fn parent_from_qr(
    given: Option<&kkm_core::request::ParentTicketRequest>,
    qr: &str,
) -> Result<kkm_core::request::ParentTicketRequest, RegisterError> {
    let parsed = kkm_scan::ReceiptQr::parse(qr).map_err(|e| {
        RegisterError::new(
            ErrorCode::InvalidFields,
            format!("parent_ticket.qr: {e} (expected the text of a receipt's QR code)"),
        )
    })?;
    let given = given.cloned().unwrap_or_default();
    Ok(kkm_core::request::ParentTicketRequest {
        fiscal_id: given.fiscal_id.or(Some(parsed.fiscal_id)),
        date_time: given.date_time.or(Some(parsed.time.to_string())),
        kgd_kkm_id: given.kgd_kkm_id.or(Some(parsed.rnm)),
        total: given.total.or(Some(kkm_core::JsonNumber::from_money(
            kkm_core::Money::from_tiyn(parsed.total_tiyn),
        ))),
        is_offline: given.is_offline,
        qr: None,
    })
}

/// The seed's code of the OFD's refusal of a document, as CashCore maps the OFD's
/// result codes: an unknown KKM id is 61, the seller as the buyer 77, a KKM the OFD
/// blocked 62, an answer OK that lacks the fiscal sign and any other refusal 84.
fn refusal_code(blocked: &kkm_ofd::BlockedBy) -> ErrorCode {
    use kkm_proto::cpcr::ResultTypeEnum as R;
    match blocked.code {
        c if c == R::ResultTypeUnknownId as u32 => ErrorCode::InvalidKkmOfdId,
        c if c == R::ResultTypeSameTaxpayerAndCustomer as u32 => ErrorCode::SameTaxpayerAndCustomer,
        c if c == R::ResultTypeBlocked as u32 => ErrorCode::KkmIsBlocked,
        _ => ErrorCode::InvalidOfdResponse,
    }
}

/// The counters blob `counters` of `kkm_id` with document `id` (stored as `payload`)
/// moved from the online to the offline counts: what the sync engine writes when the
/// document's online attempt got no answer (`StoreJournal::go_autonomous`).
pub(crate) fn offline_counters(
    kkm_id: u32,
    id: i64,
    payload: &[u8],
    counters: &[u8],
) -> Result<Vec<u8>, RegisterError> {
    let mut book = KkmBook::from_blob(kkm_id, counters)?;
    Register::count_offline(&mut book, &Payload::from_bytes(id, payload)?);
    book.to_blob()
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

    /// The KKM's OFD now.
    pub(crate) fn ofd(&self) -> OfdConfig {
        self.ofd.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Moves the KKM to another OFD: its engine talks to `client` from the next message
    /// on (the queue and REQNUM go along).
    pub(crate) async fn set_ofd(&self, ofd: OfdConfig, client: kkm_ofd::OfdClient) {
        self.engine.replace_client(client).await;
        *self.ofd.write().unwrap_or_else(|p| p.into_inner()) = ofd;
        self.engine.kick();
    }

    /// What `operator` may do on this KKM, for the core's permission rules.
    pub(crate) fn access_of(&self, operator: &Operator) -> kkm_core::OperatorAccess {
        let settings = self.settings();
        operator.access(Some(crate::auth::KkmRef {
            ofd_id: self.kkm_id,
            id: settings.id,
            operators: &settings.bindings,
        }))
    }

    pub(crate) fn set_settings(&self, settings: KkmSettings) {
        *self.settings.write().unwrap_or_else(|p| p.into_inner()) = settings;
    }

    /// The sync status now.
    pub(crate) fn status(&self) -> SyncStatus {
        self.engine.status()
    }

    /// Re-reads the sync status from the journal (after a change made beside the
    /// engine: a token saved or refused by SaveKKM).
    pub(crate) fn refresh_status(&self) {
        if let Err(e) = self.engine.refresh() {
            tracing::warn!(kkm = self.kkm_id, error = %e, "the sync status could not be re-read");
        }
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

    /// The stored record of an idempotency key, if this key was used — with the same
    /// request; the same key with another request or method is refused (2).
    fn replay(&self, retry: Option<&Retry<'_>>) -> Result<Option<Record>, RegisterError> {
        let Some(retry) = retry else {
            return Ok(None);
        };
        match self.store.record_by_key(self.kkm_id, retry.key)? {
            Some(record) => {
                retry.check(&record)?;
                Ok(Some(record))
            }
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
        retry: Option<&Retry<'_>>,
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
        let appended = crate::blocking::off_worker(|| {
            self.store.append_printing(
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
                    idempotency_key: retry.map(|r| r.key),
                    idempotency_fingerprint: retry.map(|r| &r.fingerprint[..]),
                    shift_document: meta.shift_document_number,
                    offline: offline && draft.request.is_some(),
                    parent: draft.parent.as_deref(),
                },
                &counters,
                &jobs,
                crate::printing::now_ms(),
            )
        })?;
        let record = match appended {
            Appended::New(record) => record,
            Appended::Replayed(record) => {
                if let Some(retry) = retry {
                    retry.check(&record)?;
                }
                let payload = Payload::from_bytes(record.id, &record.payload)?;
                let fiscal = Fiscal::of_record(&record);
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
                    qr: None,
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
            Delivery::Fiscalized(answer) => {
                let ticket = answer.ticket;
                Fiscal {
                    qr: ticket
                        .as_ref()
                        .and_then(|t| t.qr_code.as_deref())
                        .map(|q| String::from_utf8_lossy(q).into_owned())
                        .filter(|q| !q.trim().is_empty()),
                    sign: ticket.map(|t| t.ticket_number),
                    offline: false,
                }
            }
            Delivery::Autonomous { .. } => {
                if !offline {
                    // Counted online at journaling. Without an answer to its own
                    // attempt, the engine marked it autonomous with its counters in the
                    // transaction that opened the autonomous period; otherwise (a
                    // transient refusal, older documents ahead of it) it is marked here.
                    let marked = self.store.record(record.id)?.is_some_and(|r| r.offline);
                    if marked {
                        *current =
                            KkmBook::from_blob(self.kkm_id, &self.store.counters(self.kkm_id)?)?;
                    } else {
                        Self::count_offline(current, &draft.payload);
                        let blob = current.to_blob()?;
                        crate::blocking::off_worker(|| self.store.mark_offline(record.id, &blob))?;
                    }
                }
                Fiscal {
                    sign: None,
                    offline: true,
                    qr: None,
                }
            }
            Delivery::SentByDrain => match self.store.record(record.id)? {
                Some(stored) => Fiscal {
                    offline: stored.offline || offline,
                    ..Fiscal::of_record(&stored)
                },
                None => Fiscal {
                    sign: None,
                    offline,
                    qr: None,
                },
            },
            Delivery::Blocked(b) => {
                return Err(RegisterError::new(
                    refusal_code(&b),
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
    pub(crate) fn count_offline(book: &mut KkmBook, payload: &Payload) {
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
    pub(crate) fn return_basis(
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
        let retry = Retry::new(key, "TradeOperation", request)?;
        let print = PrintAsk {
            is_printable: request.is_printable == Some(true),
            image_width: request.image_width,
            image_scale: request.image_scale.as_ref().map(|n| n.as_str().to_owned()),
            image_pixel_draw_threshold: request.image_pixel_draw_threshold,
        };
        self.make_ticket(operator, SaleInput::Request(request), retry, &print)
            .await
    }

    /// A receipt of a draft the caller built in domain values (the Kotlin facade):
    /// the same rules and journal as [`Register::trade`].
    pub(crate) async fn trade_draft(
        &self,
        operator: &Operator,
        draft: SaleDraft,
        key: Option<&str>,
        printable: bool,
    ) -> Result<TradeOperationResponse, RegisterError> {
        let retry = Retry::new(key, "TradeOperation", &draft)?;
        let print = PrintAsk {
            is_printable: printable,
            ..PrintAsk::default()
        };
        self.make_ticket(operator, SaleInput::Draft(Box::new(draft)), retry, &print)
            .await
    }

    async fn make_ticket(
        &self,
        operator: &Operator,
        input: SaleInput<'_>,
        retry: Option<Retry<'_>>,
        print: &PrintAsk,
    ) -> Result<TradeOperationResponse, RegisterError> {
        let mut book = self.book.lock().await;
        if let Some(record) = self.replay(retry.as_ref())? {
            return self.trade_answer(&record);
        }
        self.check(&book, Action::TradeOperation)?;
        self.engine.admit()?;
        let settings = self.settings();
        let mut draft = match input {
            // A return of a receipt named by its QR text: its data come from the QR.
            SaleInput::Request(request) => {
                match request.parent_ticket.as_ref().and_then(|p| p.qr.as_deref()) {
                    Some(qr) => {
                        let mut filled = request.clone();
                        filled.parent_ticket =
                            Some(parent_from_qr(request.parent_ticket.as_ref(), qr)?);
                        SaleDraft::from_request(&filled)?
                    }
                    None => SaleDraft::from_request(request)?,
                }
            }
            SaleInput::Draft(draft) => *draft,
        };
        crate::sale::apply_regime(&mut draft, settings.taxation_regime());
        let basis = match draft.parent.as_ref().map(|p| p.fiscal_id.as_str()) {
            Some(fiscal_id) => self.return_basis(&settings, fiscal_id)?,
            None => None,
        };
        let seller = settings.reg_info.org.as_ref().and_then(|o| o.inn.clone());
        let receipt = draft.validate(&SaleContext {
            seller_iin_or_bin: seller.as_deref(),
            return_basis: basis.as_ref().map(|(b, _)| b),
        })?;
        if receipt.operation.is_return() && receipt.parent.is_none() {
            return Err(RegisterError::new(
                ErrorCode::InvalidFields,
                "parent_ticket.fiscal_id: a return needs the fiscal sign of the original receipt \
                 (CPCR 2.0.3 sends the parent ticket with every return)",
            ));
        }
        // A receipt that asks for paper gets its automatic Z on paper too.
        self.close_expired_shift(operator, &mut book, print).await?;
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
        let (record, payload, fiscal) = self
            .journal_and_deliver(&mut book, next, draft, retry.as_ref(), offline, print)
            .await?;
        self.trade_response(&record, &payload, &fiscal)
    }

    fn trade_answer(&self, record: &Record) -> Result<TradeOperationResponse, RegisterError> {
        let payload = Payload::from_bytes(record.id, &record.payload)?;
        let fiscal = Fiscal::of_record(record);
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
        let ofd = self.ofd();
        let qr = fiscal.qr_link(&ofd.check_url, &settings.rnm(), meta, receipt.total);
        Ok(TradeOperationResponse {
            fiscal_id,
            qr_code: qr.clone(),
            ofd_name: Some(ofd.name),
            ofd_url: Some(ofd.check_url),
            document: views::document_answer(
                &settings,
                self.status().invalid_token,
                payload,
                fiscal,
            ),
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
        let retry = Retry::new(key, "MoneyPlacement", request)?;
        let mut book = self.book.lock().await;
        if let Some(record) = self.replay(retry.as_ref())? {
            let payload = Payload::from_bytes(record.id, &record.payload)?;
            let fiscal = Fiscal::of_record(&record);
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
            .journal_and_deliver(&mut book, next, draft, retry.as_ref(), offline, &print)
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
            document: views::document_answer(
                &self.settings(),
                self.status().invalid_token,
                payload,
                fiscal,
            ),
            body: views::placement_object(meta, *kind, *sum, fiscal),
        })
    }

    /// A journal record as GetTransaction answers it.
    pub(crate) fn transaction_body(
        &self,
        record: &Record,
    ) -> Result<(Payload, Fiscal, TransactionBody), RegisterError> {
        let payload = Payload::from_bytes(record.id, &record.payload)?;
        let fiscal = Fiscal::of_record(record);
        let body = match &payload {
            Payload::Ticket { meta, receipt } => {
                let link = fiscal.qr_link(
                    &self.ofd().check_url,
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
        let fiscal = Fiscal::of_record(record);
        let settings = self.settings();
        let ofd = self.ofd();
        let kkm = views::requisites(&settings, &ofd.name, &ofd.check_url);
        let ads: Vec<String> = settings.ads_info.iter().map(|a| a.text.clone()).collect();
        Ok(views::print_document(&payload, &fiscal, kkm, &ads))
    }
}
