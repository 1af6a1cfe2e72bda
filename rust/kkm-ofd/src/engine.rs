//! The online / autonomous state machine of one KKM (the protocol's "work in
//! autonomous mode" section), over a persisted queue.
//!
//! ## Journal first
//!
//! The register appends every fiscal document to its journal *and* to the queue in one
//! transaction (with an offline number already assigned), then calls
//! [`SyncEngine::deliver`]. So a document exists locally before any byte leaves, and a
//! crash at any instant loses nothing. Delivery then decides what the cashier sees:
//!
//! * the queue held only this document and the OFD answered OK within the budget →
//!   [`Delivery::Fiscalized`] with the fiscal sign (online);
//! * older documents are waiting, or no answer came within the budget →
//!   [`Delivery::Autonomous`]: the receipt prints "Автономный" and its offline number,
//!   and the background drain sends it later;
//! * the OFD refused it → [`Delivery::Blocked`].
//!
//! ## REQNUM discipline
//!
//! Before a queued document is sent for the first time, a REQNUM is reserved for it and
//! persisted with it ([`OfdJournal::reserve_reqnum`]). Every later attempt — after a
//! timeout, a reconnect or a restart — resends it with that same REQNUM and the token
//! of that moment, and no other request goes out while it is unanswered. If the OFD had
//! processed it (a late answer), it recognises the retry and answers from memory: no
//! second document.
//!
//! ## What must be durable when
//!
//! The OFD keeps its last answer and gives it again to a resend under the same REQNUM
//! and token. So an answer is the one journal write that may wait for its fsync
//! ([`OfdJournal::complete`] with `replayable`): a power cut that loses it leaves the
//! document queued with its REQNUM, and the drain gets the same answer again. What the
//! OFD would not give again is durable before the engine acts on it: a new token
//! ([`OfdJournal::save_token`], and the answer that carried it), every REQNUM before it
//! is sent. When the document's own online attempt gets no answer, the autonomous
//! period opens and the document becomes autonomous in one durable step
//! ([`OfdJournal::go_autonomous`]).
//!
//! ## Draining
//!
//! [`SyncEngine::run`] retries with exponential backoff while autonomous, sends the queue
//! strictly in order with the offline period in each message's service part, records
//! each fiscal sign ([`OfdJournal::complete`]), and goes back online when the queue is
//! empty. An answer other than OK / 254 / 255 blocks the KKM with the offending document
//! named, until an admin resolves it ([`SyncEngine::resolve_blocked`]). An answer OK
//! that lacks what the register needs (a TICKET answer without a fiscal sign) blocks the
//! same way, with [`BlockedBy::UNUSABLE_ANSWER`] as its code. A refused token
//! (RESULT_TYPE_INVALID_TOKEN) does not block: as CashCore does, the KKM goes on
//! autonomously, its documents queue, and nothing is sent until a new token is saved
//! ([`OfdJournal::token_refused`], [`SyncStatus::invalid_token`]). Autonomous for more
//! than 72 hours → new documents are refused ([`SyncEngine::admit`], the seed's error
//! 18) until the queue drains.

use std::sync::Arc;
use std::time::Duration;

use kkm_proto::cpcr::{
    service_request, CommandTypeEnum, DateTime, Request, Response, ResultTypeEnum, ServiceRequest,
};
use kkm_proto::frame::Frame;
use tokio::sync::{watch, Mutex, Notify};
use tracing::{debug, info, warn};

use crate::client::{Credentials, ExchangeError, OfdClient};

/// Longest autonomous period before new documents are refused (72 hours).
pub const MAX_AUTONOMOUS_SECS: i64 = 72 * 3600;

/// A document waiting in the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedDocument {
    /// The journal's id of the document; ids grow with journaling order, so the queue's
    /// FIFO order is id order.
    pub id: u64,
    /// The request as it would go online (no offline fields).
    pub request: Request,
    /// The offline number the receipt was printed with.
    pub offline_number: u32,
    /// REQNUM reserved for it at its first attempt, if it was attempted.
    pub reqnum: Option<u16>,
}

/// What blocks a KKM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedBy {
    /// The queued document the OFD refused (`None`: refused outside the queue).
    pub document: Option<u64>,
    /// The OFD's result code; [`BlockedBy::UNUSABLE_ANSWER`] when the OFD answered OK
    /// but the answer lacks what the register needs.
    pub code: u32,
    /// The OFD's text, or ours.
    pub text: String,
}

impl BlockedBy {
    /// The code of a block caused not by a refusal but by an answer OK that cannot be
    /// used (RESULT_TYPE_OK itself: the OFD said yes, but not what it accepted as).
    pub const UNUSABLE_ANSWER: u32 = 0;

    /// `true` when the OFD answered OK but the answer could not be used (the seed's
    /// 84 `invalid_ofd_response`), `false` for a refusal.
    pub fn is_unusable_answer(&self) -> bool {
        self.code == Self::UNUSABLE_ANSWER
    }
}

/// The persistence the engine needs; implemented over the journal (kkm-store).
///
/// Every method is one durable transaction. They are called from async code and must be
/// quick (an SQLite commit); the engine never holds one across a network wait.
pub trait OfdJournal: Send + Sync + 'static {
    /// The journal's error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// KKM id, current token and the last REQNUM used.
    fn credentials(&self) -> Result<Credentials, Self::Error>;
    /// Increments and persists REQNUM (wrapping) and returns it; when `document` is
    /// given, records it as that queued document's REQNUM in the same transaction.
    fn reserve_reqnum(&self, document: Option<u64>) -> Result<u16, Self::Error>;
    /// Persists a new token (before the answer that carried it is acted on); a new token
    /// is not a refused one ([`OfdJournal::token_refused`] becomes `false`).
    fn save_token(&self, token: u32) -> Result<(), Self::Error>;
    /// The OFD refused the current token (RESULT_TYPE_INVALID_TOKEN): nothing is sent
    /// until a new one is saved.
    fn token_refused(&self) -> Result<bool, Self::Error>;
    /// Records that the OFD refused the current token.
    fn set_token_refused(&self) -> Result<(), Self::Error>;
    /// The oldest queued document.
    fn queue_front(&self) -> Result<Option<QueuedDocument>, Self::Error>;
    /// Number of queued documents.
    fn queue_len(&self) -> Result<u64, Self::Error>;
    /// The OFD accepted queued document `id`: store its answer (fiscal sign) on the
    /// journal record, keep the offline number, remove it from the queue.
    ///
    /// `replayable`: the OFD would answer a resend of the document — same REQNUM, same
    /// token — with this same answer (it keeps its last answer, and this one changed no
    /// token). The journal may then return before the record is durable: a power cut
    /// that loses it leaves the document queued with its REQNUM, and the drain gets the
    /// same answer again. The record must be durable before the OFD is sent anything
    /// else (a new REQNUM makes it forget this answer): a journal that persists every
    /// REQNUM durably, as this trait asks, has that for free.
    fn complete(&self, id: u64, answer: &Response, replayable: bool) -> Result<(), Self::Error>;
    /// Blocks the KKM (persisted until resolved).
    fn block(&self, blocked: &BlockedBy) -> Result<(), Self::Error>;
    /// The block in force, if any.
    fn blocked(&self) -> Result<Option<BlockedBy>, Self::Error>;
    /// Lifts the block; with `drop_document`, also removes the offending document from
    /// the queue (the journal keeps it, marked as not accepted by the OFD).
    fn unblock(&self, drop_document: Option<u64>) -> Result<(), Self::Error>;
    /// When the current autonomous period began (device calendar seconds).
    fn autonomous_since(&self) -> Result<Option<i64>, Self::Error>;
    /// The KKM goes autonomous, in one durable transaction: the autonomous period starts
    /// at `since` (device calendar seconds) unless one is open and, with `unanswered`,
    /// that document — sent online as it was made and left without a usable answer —
    /// becomes an autonomous one (the register moves it to the offline counts), unless
    /// it already is. A crash never keeps one of the two without the other.
    fn go_autonomous(&self, since: i64, unanswered: Option<u64>) -> Result<(), Self::Error>;
    /// Ends the autonomous period; `now` (device calendar seconds) is kept as its end.
    fn leave_autonomy(&self, now: i64) -> Result<(), Self::Error>;
}

/// The register's view of synchronisation, published on every change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncMode {
    /// Documents go to the OFD as they are made.
    Online,
    /// The OFD is unreachable since `since`; documents queue.
    Autonomous {
        /// Start of the autonomous period (device calendar seconds).
        since: i64,
    },
    /// The OFD refused something; nothing fiscal is allowed until resolved.
    Blocked(BlockedBy),
}

/// Mode plus queue length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    /// Current mode.
    pub mode: SyncMode,
    /// Documents waiting for the OFD.
    pub queue_len: u64,
    /// The OFD refused the KKM's token: the KKM works autonomously until an
    /// administrator saves a new one (`is_invalid_token`).
    pub invalid_token: bool,
}

/// The outcome of delivering a freshly journaled document.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// The OFD accepted it: its answer (fiscal sign in `ticket`, Z in `report`).
    Fiscalized(Box<Response>),
    /// It waits in the queue; the receipt shows its offline number.
    Autonomous {
        /// The offline number.
        offline_number: u32,
    },
    /// The OFD refused it; the KKM is now blocked.
    Blocked(BlockedBy),
    /// The background drain sent it first (between journaling and delivery); its
    /// answer is already in the journal ([`OfdJournal::complete`] stored it).
    SentByDrain,
}

/// Why the engine could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum EngineError<E: std::error::Error + 'static> {
    /// The journal failed.
    #[error("journal: {0}")]
    Journal(#[source] E),
    /// The KKM is blocked: the OFD refused a document and an admin must resolve it.
    #[error("the KKM is blocked by the OFD (code {}): {}", .0.code, .0.text)]
    Blocked(BlockedBy),
    /// Autonomous for longer than 72 hours (seed error 18).
    #[error("the KKM has worked autonomously for more than 72 hours; connect it to the OFD to send {queued} waiting document(s)")]
    AutonomousTooLong {
        /// Documents waiting.
        queued: u64,
    },
    /// An online-only request while the OFD is unreachable or documents are waiting.
    #[error("the OFD is not reachable now: {0}")]
    Unreachable(String),
}

/// Backoff between drain attempts while autonomous.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// First pause.
    pub initial: Duration,
    /// Longest pause.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(60),
        }
    }
}

/// The sync engine of one KKM. Share it in an `Arc`; run [`SyncEngine::run`] as a task.
pub struct SyncEngine<J: OfdJournal> {
    journal: Arc<J>,
    client: Mutex<OfdClient>,
    clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    status: watch::Sender<SyncStatus>,
    wake: Notify,
    backoff: Backoff,
}

type Result2<T, J> = Result<T, EngineError<<J as OfdJournal>::Error>>;

fn is_transient(code: u32) -> bool {
    code == ResultTypeEnum::ResultTypeServiceTemporarilyUnavailable as u32
        || code == ResultTypeEnum::ResultTypeUnknownError as u32
}

fn is_ok(response: &Response) -> bool {
    response.result.result_code == ResultTypeEnum::ResultTypeOk as u32
}

/// The request as it goes from the queue: marked offline, with the offline number and
/// the autonomous period in its service part.
fn offline_form(doc: &QueuedDocument, period: Option<(i64, i64)>) -> Request {
    let mut request = doc.request.clone();
    if let Some(t) = request.ticket.as_mut() {
        t.offline_ticket_number = Some(doc.offline_number);
    }
    if let Some(c) = request.close_shift.as_mut() {
        c.is_offline = Some(true);
    }
    if let Some(m) = request.money_placement.as_mut() {
        m.is_offline = Some(true);
    }
    if let Some(r) = request.report.as_mut() {
        r.is_offline = Some(true);
    }
    if let Some((begin, end)) = period {
        let service = request.service.get_or_insert_with(ServiceRequest::default);
        service.offline_period = Some(service_request::OfflinePeriod {
            begin_time: DateTime::from_unix_seconds(begin),
            end_time: DateTime::from_unix_seconds(end),
        });
    }
    request
}

impl<J: OfdJournal> SyncEngine<J> {
    /// An engine over `journal`, talking through `client`, with `clock` giving the
    /// device calendar's seconds.
    pub fn new(
        journal: Arc<J>,
        client: OfdClient,
        clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    ) -> Result2<Self, J> {
        let (status, _) = watch::channel(SyncStatus {
            mode: SyncMode::Online,
            queue_len: 0,
            invalid_token: false,
        });
        let engine = SyncEngine {
            journal,
            client: Mutex::new(client),
            clock,
            status,
            wake: Notify::new(),
            backoff: Backoff::default(),
        };
        engine.publish()?;
        Ok(engine)
    }

    /// Replaces the drain backoff (tests use short pauses).
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Watches the status (mode and queue length).
    pub fn subscribe(&self) -> watch::Receiver<SyncStatus> {
        self.status.subscribe()
    }

    /// The status now.
    pub fn status(&self) -> SyncStatus {
        self.status.borrow().clone()
    }

    fn j<T>(r: Result<T, J::Error>) -> Result2<T, J> {
        r.map_err(EngineError::Journal)
    }

    /// Re-reads mode and queue length from the journal and publishes them.
    fn publish(&self) -> Result2<SyncStatus, J> {
        let queue_len = Self::j(self.journal.queue_len())?;
        let mode = match Self::j(self.journal.blocked())? {
            Some(b) => SyncMode::Blocked(b),
            None => match Self::j(self.journal.autonomous_since())? {
                Some(since) => SyncMode::Autonomous { since },
                None => SyncMode::Online,
            },
        };
        let invalid_token = Self::j(self.journal.token_refused())?;
        let status = SyncStatus {
            mode,
            queue_len,
            invalid_token,
        };
        self.status.send_if_modified(|s| {
            let changed = *s != status;
            *s = status.clone();
            changed
        });
        Ok(status)
    }

    /// May a new fiscal document be made now? Refuses while blocked, and after more than
    /// 72 hours autonomous (error 18) until the queue drains.
    pub fn admit(&self) -> Result2<(), J> {
        let status = self.publish()?;
        match status.mode {
            SyncMode::Blocked(b) => Err(EngineError::Blocked(b)),
            SyncMode::Autonomous { since } if (self.clock)() - since > MAX_AUTONOMOUS_SECS => {
                Err(EngineError::AutonomousTooLong {
                    queued: status.queue_len,
                })
            }
            _ => Ok(()),
        }
    }

    /// Starts the autonomous period at `since` if none is open; with `unanswered` (the
    /// document whose own online attempt got no answer) it goes autonomous in the same
    /// transaction.
    fn go_autonomous(&self, since: i64, unanswered: Option<u64>) -> Result2<(), J> {
        let open = Self::j(self.journal.autonomous_since())?.is_some();
        if !open {
            info!("the OFD is unreachable: working autonomously");
        }
        if !open || unanswered.is_some() {
            Self::j(self.journal.go_autonomous(since, unanswered))?;
        }
        Ok(())
    }

    fn leave_autonomy(&self) -> Result2<(), J> {
        info!("back online");
        Self::j(self.journal.leave_autonomy((self.clock)()))
    }

    /// Delivers `doc`, just journaled and queued. See the module docs.
    ///
    /// Online with nothing else queued, it is sent now (the cashier waits at most the
    /// client's budget). Autonomous, or behind older documents, it waits for the drain
    /// and the answer is [`Delivery::Autonomous`] at once: selling never waits on a
    /// network that is known to be down.
    pub async fn deliver(&self, doc: &QueuedDocument) -> Result2<Delivery, J> {
        let autonomous = Delivery::Autonomous {
            offline_number: doc.offline_number,
        };
        if let Some(b) = Self::j(self.journal.blocked())? {
            return Ok(Delivery::Blocked(b));
        }
        if Self::j(self.journal.autonomous_since())?.is_some()
            || Self::j(self.journal.token_refused())?
        {
            self.wake.notify_one();
            self.publish()?;
            return Ok(autonomous);
        }
        // Holding the client, the queue head cannot be sent by anyone else: read it
        // only now, so a drain that ran meanwhile is seen.
        let mut client = self.client.lock().await;
        // Queue ids grow in FIFO order: a head older than `doc` means older documents
        // wait; no head, or a newer one, means the drain already sent `doc`.
        let head = match Self::j(self.journal.queue_front())? {
            Some(head) if head.id == doc.id => head,
            Some(head) if head.id < doc.id => {
                drop(client);
                self.wake.notify_one();
                self.publish()?;
                return Ok(autonomous);
            }
            _ => {
                drop(client);
                self.publish()?;
                return Ok(Delivery::SentByDrain);
            }
        };
        let outcome = self.send_head(&mut client, &head, Attempt::Own).await?;
        drop(client);
        let delivery = match outcome {
            HeadOutcome::Accepted(answer) => Delivery::Fiscalized(answer),
            HeadOutcome::Refused(b) => Delivery::Blocked(b),
            HeadOutcome::NoAnswer => {
                self.wake.notify_one();
                autonomous
            }
            HeadOutcome::TokenRefused => autonomous,
        };
        self.publish()?;
        Ok(delivery)
    }

    /// Sends the queue head once (within the client's budget) and records the result.
    async fn send_head(
        &self,
        client: &mut OfdClient,
        doc: &QueuedDocument,
        attempt: Attempt,
    ) -> Result2<HeadOutcome, J> {
        let now = (self.clock)();
        let since = Self::j(self.journal.autonomous_since())?;
        let reqnum = match doc.reqnum {
            Some(r) => r,
            None => Self::j(self.journal.reserve_reqnum(Some(doc.id)))?,
        };
        let creds = Credentials {
            reqnum,
            ..Self::j(self.journal.credentials())?
        };
        let request = match since {
            // Online and first in line: it goes as made.
            None => doc.request.clone(),
            Some(begin) => offline_form(doc, Some((begin, now))),
        };
        let unanswered = attempt.unanswered(doc);
        match client.exchange(creds, &request).await {
            Ok(answer) => self.settle(doc, answer, creds.token, unanswered),
            Err(ExchangeError::NoAnswer { last, .. }) => {
                debug!(document = doc.id, %last, "no answer for the queue head");
                self.go_autonomous(now, unanswered)?;
                Ok(HeadOutcome::NoAnswer)
            }
            Err(e @ ExchangeError::Tls { .. }) => {
                warn!(error = %e, "TLS setup failed");
                self.go_autonomous(now, unanswered)?;
                Ok(HeadOutcome::NoAnswer)
            }
        }
    }

    /// Persists the answer's token if it changed: always before acting on the answer.
    /// Returns whether it changed.
    fn adopt_token(&self, answer: &Frame<Response>) -> Result2<bool, J> {
        let creds = Self::j(self.journal.credentials())?;
        if answer.header.token != creds.token {
            info!("the OFD issued a new token");
            Self::j(self.journal.save_token(answer.header.token))?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Acts on the answer to the queue head, sent with `sent_token`: token first, then
    /// accept or block. `unanswered` is the document to make autonomous if the OFD
    /// refuses the token (see [`Attempt`]).
    fn settle(
        &self,
        doc: &QueuedDocument,
        answer: Frame<Response>,
        sent_token: u32,
        unanswered: Option<u64>,
    ) -> Result2<HeadOutcome, J> {
        let rotated = self.adopt_token(&answer)?;
        // The OFD answers a resend under this REQNUM and this token from memory; after a
        // new token the resend would carry the new one and be refused, so such an answer
        // is recorded durably at once.
        let replayable = !rotated && answer.header.token == sent_token;
        let response = answer.message;
        if is_ok(&response) {
            if let Some(missing) = unusable(&doc.request, &response) {
                let blocked = BlockedBy {
                    document: Some(doc.id),
                    code: BlockedBy::UNUSABLE_ANSWER,
                    text: format!("the OFD answered OK but {missing}"),
                };
                warn!(document = doc.id, text = %blocked.text, "unusable OFD answer: KKM blocked");
                Self::j(self.journal.block(&blocked))?;
                return Ok(HeadOutcome::Refused(blocked));
            }
            Self::j(self.journal.complete(doc.id, &response, replayable))?;
            if Self::j(self.journal.queue_len())? == 0 {
                // Only a change is written: a commit is an fsync on every online sale.
                if Self::j(self.journal.autonomous_since())?.is_some() {
                    self.leave_autonomy()?;
                }
            }
            return Ok(HeadOutcome::Accepted(Box::new(response)));
        }
        if is_transient(response.result.result_code) {
            return Ok(HeadOutcome::NoAnswer);
        }
        if response.result.result_code == ResultTypeEnum::ResultTypeInvalidToken as u32 {
            warn!(
                document = doc.id,
                "the OFD refused the token: working autonomously until a new token is saved"
            );
            Self::j(self.journal.set_token_refused())?;
            self.go_autonomous((self.clock)(), unanswered)?;
            return Ok(HeadOutcome::TokenRefused);
        }
        let blocked = BlockedBy {
            document: Some(doc.id),
            code: response.result.result_code,
            text: response.result.result_text.clone().unwrap_or_else(|| {
                format!(
                    "the OFD refused the document with code {}",
                    response.result.result_code
                )
            }),
        };
        warn!(document = doc.id, code = blocked.code, text = %blocked.text, "the OFD refused a document: KKM blocked");
        Self::j(self.journal.block(&blocked))?;
        Ok(HeadOutcome::Refused(blocked))
    }

    /// Sends the whole queue, in order, while the OFD answers. Returns the number of
    /// documents accepted; stops at the first failure (blocked or no answer).
    pub async fn drain(&self) -> Result2<u64, J> {
        let mut client = self.client.lock().await;
        let mut sent = 0;
        loop {
            if Self::j(self.journal.blocked())?.is_some() || Self::j(self.journal.token_refused())?
            {
                break;
            }
            let Some(doc) = Self::j(self.journal.queue_front())? else {
                if Self::j(self.journal.autonomous_since())?.is_some() {
                    // Nothing queued but the period is open: tell the OFD we are back.
                    if self.system_ping(&mut client).await? {
                        self.leave_autonomy()?;
                    }
                }
                break;
            };
            match self.send_head(&mut client, &doc, Attempt::Drain).await? {
                HeadOutcome::Accepted(_) => {
                    sent += 1;
                    // Publish progress every so often without a journal read per document.
                    if sent % 64 == 0 {
                        self.publish()?;
                    }
                }
                HeadOutcome::Refused(_) | HeadOutcome::NoAnswer | HeadOutcome::TokenRefused => {
                    break
                }
            }
        }
        drop(client);
        self.publish()?;
        Ok(sent)
    }

    /// COMMAND_SYSTEM with the autonomous period; `true` if the OFD answered OK.
    async fn system_ping(&self, client: &mut OfdClient) -> Result2<bool, J> {
        let now = (self.clock)();
        let since = Self::j(self.journal.autonomous_since())?;
        let reqnum = Self::j(self.journal.reserve_reqnum(None))?;
        let creds = Credentials {
            reqnum,
            ..Self::j(self.journal.credentials())?
        };
        let request = Request {
            command: CommandTypeEnum::CommandSystem as i32,
            service: since.map(|begin| ServiceRequest {
                offline_period: Some(service_request::OfflinePeriod {
                    begin_time: DateTime::from_unix_seconds(begin),
                    end_time: DateTime::from_unix_seconds(now),
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        match client.exchange(creds, &request).await {
            Ok(answer) => {
                self.adopt_token(&answer)?;
                Ok(is_ok(&answer.message))
            }
            Err(_) => Ok(false),
        }
    }

    /// An online-only request (INFO, REPORT, NOMENCLATURE, AUTH, SYSTEM). Refused while
    /// documents wait in the queue: the next message to the OFD must be the queue head.
    pub async fn request(&self, request: Request) -> Result2<Response, J> {
        if let Some(b) = Self::j(self.journal.blocked())? {
            return Err(EngineError::Blocked(b));
        }
        let mut client = self.client.lock().await;
        let queued = Self::j(self.journal.queue_len())?;
        if queued > 0 {
            return Err(EngineError::Unreachable(format!(
                "{queued} document(s) wait for the OFD; they go first"
            )));
        }
        let reqnum = Self::j(self.journal.reserve_reqnum(None))?;
        let creds = Credentials {
            reqnum,
            ..Self::j(self.journal.credentials())?
        };
        let answer = client
            .exchange(creds, &request)
            .await
            .map_err(|e| EngineError::Unreachable(e.to_string()))?;
        self.adopt_token(&answer)?;
        Ok(answer.message)
    }

    /// Lifts a block; with `drop_document`, removes the refused document from the queue
    /// (the journal keeps it). Then tries to drain.
    pub async fn resolve_blocked(&self, drop_document: bool) -> Result2<u64, J> {
        let blocked = Self::j(self.journal.blocked())?;
        let document = blocked.and_then(|b| b.document).filter(|_| drop_document);
        Self::j(self.journal.unblock(document))?;
        self.publish()?;
        self.drain().await
    }

    /// Re-reads mode, queue length and the token's state from the journal and publishes
    /// them (after the owner changed the journal beside the engine, e.g. saved a token).
    pub fn refresh(&self) -> Result2<SyncStatus, J> {
        self.publish()
    }

    /// Talks to another OFD endpoint from the next message on (the KKM moved to another
    /// OFD, or its address changed); waits for an exchange in flight to finish first.
    pub async fn replace_client(&self, client: OfdClient) {
        *self.client.lock().await = client;
    }

    /// Wakes the drain task (e.g. when the network is known to be back).
    pub fn kick(&self) {
        self.wake.notify_one();
    }

    /// The background task: drains whenever there is something queued, with
    /// exponential backoff while the OFD does not answer. Ends when `stop` resolves.
    pub async fn run(self: Arc<Self>, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let mut pause = self.backoff.initial;
        loop {
            let status = match self.publish() {
                Ok(s) => s,
                Err(e) => {
                    warn!(error = %e, "sync engine cannot read the journal");
                    tokio::select! {
                        _ = &mut stop => return,
                        _ = tokio::time::sleep(self.backoff.max) => continue,
                    }
                }
            };
            let pending =
                status.queue_len > 0 || matches!(status.mode, SyncMode::Autonomous { .. });
            // Blocked, or a refused token: only an administrator (a kick) moves it on.
            let blocked = matches!(status.mode, SyncMode::Blocked(_)) || status.invalid_token;
            if pending && !blocked {
                match self.drain().await {
                    Ok(_) => {}
                    Err(e) => warn!(error = %e, "drain failed"),
                }
                let after = self.status();
                let still =
                    after.queue_len > 0 || matches!(after.mode, SyncMode::Autonomous { .. });
                if still && !matches!(after.mode, SyncMode::Blocked(_)) && !after.invalid_token {
                    tokio::select! {
                        _ = &mut stop => return,
                        _ = tokio::time::sleep(pause) => {}
                        _ = self.wake.notified() => {}
                    }
                    pause = (pause * 2).min(self.backoff.max);
                    continue;
                }
            }
            pause = self.backoff.initial;
            tokio::select! {
                _ = &mut stop => return,
                _ = self.wake.notified() => {}
            }
        }
    }
}

/// Who sends the queue head.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Attempt {
    /// [`SyncEngine::deliver`]: the document's own online attempt, while its register
    /// holds the KKM's counters. Without an answer, the document goes autonomous in the
    /// transaction that opens the autonomous period.
    Own,
    /// The background drain. It marks nothing: the document it sends may belong to a
    /// sale in progress whose counters the register holds in memory; that sale's own
    /// attempt marks it.
    Drain,
}

impl Attempt {
    fn unanswered(self, doc: &QueuedDocument) -> Option<u64> {
        (self == Attempt::Own).then_some(doc.id)
    }
}

enum HeadOutcome {
    Accepted(Box<Response>),
    Refused(BlockedBy),
    NoAnswer,
    /// The OFD refused the token: the document stays queued, the KKM autonomous.
    TokenRefused,
}

/// What an answer OK to `request` lacks that the register needs, if anything: a TICKET
/// answer must carry the fiscal sign (`ticket.ticket_number`).
fn unusable(request: &Request, answer: &Response) -> Option<&'static str> {
    let is_ticket = request.command == CommandTypeEnum::CommandTicket as i32;
    let has_sign = answer
        .ticket
        .as_ref()
        .is_some_and(|t| !t.ticket_number.trim().is_empty());
    (is_ticket && !has_sign).then_some("its answer to a receipt carries no fiscal sign")
}
