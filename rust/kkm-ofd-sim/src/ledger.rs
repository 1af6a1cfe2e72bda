//! The OFD's side of the exchange, without I/O: per-KKM state (token, REQNUM history,
//! shift totals, never-reset sums) and the answer to each request.
//!
//! The emulator keeps its own books from the documents it accepts, independently of the
//! register's counters, so end-to-end tests can compare the two views. Its accounting:
//!
//! * `operations` / `sections`: count of receipts and sum of their commodity lines,
//!   before discounts and markups;
//! * `discounts` / `markups`: every non-zero modifier (item and receipt level) counts;
//! * `total_result`: the receipts' `amounts.total` (after modifiers);
//! * `taxes`: turnover of a line's tax is what the customer pays for the line (after its
//!   own modifiers and its largest-remainder share of the receipt's); receipt-level taxes
//!   take the total;
//! * `ticket_operations`: `discount_sum` / `markup_sum` are the receipt-level modifiers
//!   (as in the seed's report), payments as kept (cash net of change);
//! * `non_nullable_sums`: `total_result` accumulated since registration, never reset;
//! * `cash_sum`: cash payments of SELL and BUY_RETURN in, of BUY and SELL_RETURN out,
//!   deposits in, withdrawals out;
//! * `revenue`: SELL − SELL_RETURN − BUY + BUY_RETURN of `total_result`, with its sign.
//!
//! End-to-end tests compare these books with kkm-core's counters field by field.
//!
//! Retries follow the protocol: a request with the previous REQNUM and TOKEN and the
//! same command gets the stored answer again (nothing is fiscalized twice); the same
//! REQNUM with another TOKEN gets `INVALID_REQUEST_NUMBER`, with another command
//! `INVALID_RETRY_REQUEST`.

use std::collections::{hash_map::DefaultHasher, BTreeMap, HashSet};
use std::hash::{Hash, Hasher};

use kkm_proto::cpcr::{
    auth_response, nomenclature_response, service_response, ticket_request, zx_report,
    AuthResponse, BindedTaxation, CommandTypeEnum, DateTime, KkmRegInfo, Money, MoneyPlacementEnum,
    NomenclatureResponse, OperationTypeEnum, OrgRegInfo, PaymentTypeEnum, PosRegInfo,
    ReportResponse, ReportTypeEnum, Request, Response, ResultTypeEnum, ServiceResponse,
    TaxTypeEnum, TicketAd, TicketAdInfo, TicketAdTypeEnum, TicketRequest, TicketResponse, ZxReport,
};
use kkm_proto::frame::FrameHeader;
use kkm_proto::prost::Message;
use serde::{Deserialize, Serialize};

use crate::profile::KkmProfile;

/// Longest a shift may stay open for online documents (seconds).
pub const SHIFT_LIMIT_SECS: i64 = 24 * 3600;

/// A count and a sum in tiyn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Number of documents or lines.
    pub count: u32,
    /// Sum in tiyn.
    pub sum: u64,
}

impl Tally {
    fn add(&mut self, tiyn: u64) {
        self.count = self.count.saturating_add(1);
        self.sum = self.sum.saturating_add(tiyn);
    }
}

/// Per-operation receipt totals (`ZXReport.TicketOperation`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketTally {
    /// Receipts and their totals in this shift.
    pub tickets: Tally,
    /// Receipts since registration.
    pub total_count: u32,
    /// Per payment type: cash, card, mobile.
    pub payments: [Tally; 3],
    /// Receipts made while the KKM was autonomous.
    pub offline_count: u32,
    /// Discount, markup and change sums in tiyn.
    pub discount_sum: u64,
    /// Markup sum in tiyn.
    pub markup_sum: u64,
    /// Change given in tiyn.
    pub change_sum: u64,
}

/// Tax totals of one rate and operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxTally {
    /// Turnover (sum of the lines the tax applies to).
    pub turnover: u64,
    /// Tax.
    pub sum: u64,
    /// Turnover without the tax.
    pub turnover_without_tax: u64,
}

/// The totals of the current shift as the OFD counts them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftBook {
    /// Shift number (through numbering since registration).
    pub number: u32,
    /// When the first document of the shift was made (seconds, device calendar).
    pub opened_at: i64,
    /// Per section code and operation.
    pub sections: BTreeMap<String, [Tally; 4]>,
    /// Commodity lines per operation.
    pub operations: [Tally; 4],
    /// Discounts per operation.
    pub discounts: [Tally; 4],
    /// Markups per operation.
    pub markups: [Tally; 4],
    /// Receipt totals per operation.
    pub total_result: [Tally; 4],
    /// Per tax rate (thousandths) and operation.
    pub taxes: BTreeMap<u32, [TaxTally; 4]>,
    /// Receipt totals per operation.
    pub tickets: [TicketTally; 4],
    /// Deposits and withdrawals: (this shift, offline count).
    pub placements: [(Tally, u32); 2],
    /// Never-reset sums at the start of the shift.
    pub start_non_nullable: [u64; 4],
}

/// The last request answered, kept to recognise a retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastExchange {
    /// REQNUM of the request.
    pub reqnum: u16,
    /// TOKEN the request carried.
    pub request_token: u32,
    /// Command of the request.
    pub command: i32,
    /// TOKEN of the answer.
    pub response_token: u32,
    /// The encoded answer.
    pub response: Vec<u8>,
}

/// A document the OFD accepted, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedDocument {
    /// Command that carried it.
    pub command: i32,
    /// Fiscal sign given (tickets only).
    pub fiscal_sign: Option<String>,
    /// The device's own number for a document made while autonomous.
    pub offline_number: Option<u32>,
    /// REQNUM it came with.
    pub reqnum: u16,
    /// Shift it was counted in.
    pub shift_number: u32,
    /// Receipt or placement sum in tiyn.
    pub sum: u64,
    /// The receipt as it arrived (encoded `TicketRequest`), for tests that check what
    /// reached the OFD.
    #[serde(default)]
    pub ticket: Option<Vec<u8>>,
}

impl AcceptedDocument {
    /// The receipt as it arrived, decoded.
    pub fn ticket_request(&self) -> Option<TicketRequest> {
        self.ticket
            .as_deref()
            .and_then(|b| TicketRequest::decode(b).ok())
    }
}

/// The OFD's books for one KKM.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KkmLedger {
    /// Registration data.
    pub profile: KkmProfile,
    /// The current token.
    pub token: u32,
    /// The last exchange (for retries).
    pub last: Option<LastExchange>,
    /// The open shift, if any.
    pub shift: Option<ShiftBook>,
    /// Number of the last shift opened (0 before the first).
    pub last_shift_number: u32,
    /// Never-reset sums per operation (tiyn).
    pub non_nullable: [u64; 4],
    /// Receipts per operation since registration.
    pub ticket_total_counts: [u32; 4],
    /// Placements per type since registration.
    pub placement_total_counts: [u32; 2],
    /// Cash in the drawer (tiyn).
    pub cash: u64,
    /// The last Z-report the OFD produced.
    pub last_z: Option<Vec<u8>>,
    /// A server-side block (answers `BLOCKED` to everything).
    pub blocked: bool,
    /// Answers carrying a changed token so far.
    pub rotations: u32,
    /// Fiscal answers since the last rotation.
    pub fiscal_since_rotation: u32,
    /// Rotate on the next fiscal answer regardless of the policy.
    pub rotate_next: bool,
    /// Accepted documents in order.
    pub accepted: Vec<AcceptedDocument>,
    /// Fingerprints of accepted tickets (offline fields cleared) — finds duplicates.
    fingerprints: HashSet<u64>,
    /// Tickets whose content the OFD had already accepted once.
    pub duplicates: u32,
    /// Offline periods reported by the device: (begin, end) seconds.
    pub offline_periods: Vec<(i64, i64)>,
    /// Documents the KKM made before its history here began (a KKM taken over).
    #[serde(default)]
    pub documents_before: u64,
}

impl KkmLedger {
    /// Books for a registered KKM: fresh, or with the history its profile gives.
    pub fn new(profile: KkmProfile) -> Self {
        let history = profile.history.clone();
        let mut kkm = KkmLedger::fresh(profile);
        if let Some(h) = history {
            kkm.take_history(&h);
        }
        kkm
    }

    /// What the KKM did before: the earlier shifts' sums, then the last shift's sales.
    fn take_history(&mut self, h: &crate::profile::KkmHistory) {
        const SELL: usize = OperationTypeEnum::OperationSell as usize;
        self.last_shift_number = h.shift_number;
        self.non_nullable[SELL] = h.earlier_sum;
        self.cash = h.earlier_sum;
        self.ticket_total_counts[SELL] = h.earlier_sales;
        self.documents_before = u64::from(h.earlier_sales) + u64::from(h.sales);
        let mut shift = ShiftBook {
            number: h.shift_number,
            opened_at: h.opened_at,
            start_non_nullable: self.non_nullable,
            ..Default::default()
        };
        for _ in 0..h.sales {
            shift.operations[SELL].add(h.sale_tiyn);
            shift.total_result[SELL].add(h.sale_tiyn);
            shift.sections.entry("1".into()).or_default()[SELL].add(h.sale_tiyn);
            shift.tickets[SELL].tickets.add(h.sale_tiyn);
            shift.tickets[SELL].payments[0].add(h.sale_tiyn);
            self.non_nullable[SELL] = self.non_nullable[SELL].saturating_add(h.sale_tiyn);
            self.cash = self.cash.saturating_add(h.sale_tiyn);
            self.ticket_total_counts[SELL] = self.ticket_total_counts[SELL].saturating_add(1);
        }
        shift.tickets[SELL].total_count = self.ticket_total_counts[SELL];
        self.shift = Some(shift);
        if !h.open {
            let closed_at = h.opened_at + 8 * 3600;
            self.last_z = Some(zx(self, closed_at, Some(closed_at)).encode_to_vec());
            self.shift = None;
        }
    }

    /// The number a new document's shift has: the open one, or the next.
    fn current_shift_number(&self) -> u32 {
        self.shift
            .as_ref()
            .map_or(self.last_shift_number.saturating_add(1), |s| s.number)
    }

    fn fresh(profile: KkmProfile) -> Self {
        KkmLedger {
            token: profile.token,
            profile,
            last: None,
            shift: None,
            last_shift_number: 0,
            non_nullable: [0; 4],
            ticket_total_counts: [0; 4],
            placement_total_counts: [0; 2],
            cash: 0,
            last_z: None,
            blocked: false,
            rotations: 0,
            fiscal_since_rotation: 0,
            rotate_next: false,
            accepted: Vec::new(),
            fingerprints: HashSet::new(),
            duplicates: 0,
            offline_periods: Vec::new(),
            documents_before: 0,
        }
    }
}

/// How the emulator decides to change tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPolicy {
    /// Change the token after every N-th fiscal answer (TICKET, CLOSE_SHIFT,
    /// MONEY_PLACEMENT); `None` keeps it unless asked.
    pub rotate_every: Option<u32>,
}

/// All the books of the emulator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ledger {
    /// Per KKM id.
    pub kkms: BTreeMap<u32, KkmLedger>,
    /// The next fiscal sign to hand out.
    pub next_fiscal_sign: u64,
    /// Token rotation policy.
    pub policy: TokenPolicy,
    /// State of the token generator.
    rng: u64,
}

/// Why a request is refused, as a CPCR result code and text.
struct Refusal(ResultTypeEnum, String);

type Handled = Result<Response, Refusal>;

fn refuse<T>(code: ResultTypeEnum, text: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(code, text.into()))
}

fn money(tiyn: u64) -> Money {
    Money::from_tiyn(tiyn)
}

fn tiyn(m: &Money, what: &str) -> Result<u64, Refusal> {
    m.to_tiyn().map_or_else(
        || {
            refuse(
                ResultTypeEnum::ResultTypeIncorrectRequestData,
                format!("{what}: invalid money {}.{}", m.bills, m.coins),
            )
        },
        Ok,
    )
}

fn seconds(dt: &DateTime, what: &str) -> Result<i64, Refusal> {
    dt.to_unix_seconds().map_or_else(
        || {
            refuse(
                ResultTypeEnum::ResultTypeIncorrectRequestData,
                format!("{what}: invalid date-time"),
            )
        },
        Ok,
    )
}

fn operation_index(op: i32) -> Result<usize, Refusal> {
    match OperationTypeEnum::try_from(op) {
        Ok(o) => Ok(o as usize),
        Err(_) => refuse(
            ResultTypeEnum::ResultTypeIncorrectRequestData,
            format!("unknown operation {op}"),
        ),
    }
}

fn payment_index(p: i32) -> Result<usize, Refusal> {
    match PaymentTypeEnum::try_from(p) {
        Ok(PaymentTypeEnum::PaymentCash) => Ok(0),
        Ok(PaymentTypeEnum::PaymentCard) => Ok(1),
        Ok(PaymentTypeEnum::PaymentMobile) => Ok(2),
        // Credit and tare are deprecated since 2.0.3.
        Ok(PaymentTypeEnum::PaymentCredit | PaymentTypeEnum::PaymentTare) | Err(_) => refuse(
            ResultTypeEnum::ResultTypeIncorrectRequestData,
            format!("unknown payment type {p}"),
        ),
    }
}

const PAYMENT_TYPES: [PaymentTypeEnum; 3] = [
    PaymentTypeEnum::PaymentCash,
    PaymentTypeEnum::PaymentCard,
    PaymentTypeEnum::PaymentMobile,
];

/// Effect of a receipt's operation on the cash drawer and revenue: +1 money in, −1 out.
fn direction(op: usize) -> i8 {
    match op {
        0 => -1, // BUY: we pay
        1 => 1,  // BUY_RETURN: the supplier pays back
        2 => 1,  // SELL
        _ => -1, // SELL_RETURN
    }
}

impl Ledger {
    /// Runs `f` on the books with every KKM's accepted documents and their fingerprints
    /// set apart (what grows with every document: the state file keeps the rest, the
    /// documents go to a log of their own), then puts them back.
    pub(crate) fn with_history_apart<T>(&mut self, f: impl FnOnce(&Ledger) -> T) -> T {
        let apart: Vec<(Vec<AcceptedDocument>, HashSet<u64>)> = self
            .kkms
            .values_mut()
            .map(|k| {
                (
                    std::mem::take(&mut k.accepted),
                    std::mem::take(&mut k.fingerprints),
                )
            })
            .collect();
        let out = f(self);
        for (k, (accepted, fingerprints)) in self.kkms.values_mut().zip(apart) {
            k.accepted = accepted;
            k.fingerprints = fingerprints;
        }
        out
    }

    /// Rebuilds every KKM's ticket fingerprints from the tickets it accepted (after the
    /// documents were read back from their log).
    pub(crate) fn rebuild_fingerprints(&mut self) {
        for k in self.kkms.values_mut() {
            for doc in &k.accepted {
                if let Some(t) = doc.ticket_request() {
                    k.fingerprints.insert(fingerprint(&t));
                }
            }
        }
    }

    /// Books for the given KKMs with a token policy and the first fiscal sign to issue.
    pub fn new(profiles: impl IntoIterator<Item = KkmProfile>, policy: TokenPolicy) -> Self {
        Ledger {
            kkms: profiles
                .into_iter()
                .map(|p| (p.kkm_id, KkmLedger::new(p)))
                .collect(),
            next_fiscal_sign: 1_000_000_001,
            policy,
            rng: 0x9E37_79B9_7F4A_7C15,
        }
    }

    fn next_token(&mut self, old: u32) -> u32 {
        loop {
            // xorshift64*: deterministic, good enough for test tokens.
            self.rng ^= self.rng >> 12;
            self.rng ^= self.rng << 25;
            self.rng ^= self.rng >> 27;
            let t = (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as u32;
            if t != 0 && t != old {
                return t;
            }
        }
    }

    /// Answers one request. `now` (seconds, device calendar) dates reports the OFD
    /// makes on its own (INFO, X). Returns the answer's header and payload.
    pub fn handle(
        &mut self,
        header: FrameHeader,
        request: &Request,
        now: i64,
    ) -> (FrameHeader, Response) {
        let mut reply = header;
        let command = request.command;
        let Some(kkm) = self.kkms.get(&header.kkm_id) else {
            return (
                reply,
                result_only(
                    command,
                    ResultTypeEnum::ResultTypeUnknownId,
                    "unknown KKM id",
                ),
            );
        };
        if let Some(last) = &kkm.last {
            if last.reqnum == header.reqnum {
                if last.request_token != header.token {
                    return (
                        reply,
                        result_only(
                            command,
                            ResultTypeEnum::ResultTypeInvalidRequestNumber,
                            "REQNUM repeats the previous request with another TOKEN",
                        ),
                    );
                }
                if last.command != command {
                    return (
                        reply,
                        result_only(
                            command,
                            ResultTypeEnum::ResultTypeInvalidRetryRequest,
                            "REQNUM and TOKEN repeat the previous request with another command",
                        ),
                    );
                }
                // A retry: the same answer again, nothing processed twice.
                if let Ok(resp) = Response::decode(last.response.as_slice()) {
                    reply.token = last.response_token;
                    return (reply, resp);
                }
            }
        }
        if header.token != kkm.token {
            return (
                reply,
                result_only(
                    command,
                    ResultTypeEnum::ResultTypeInvalidToken,
                    "invalid token",
                ),
            );
        }
        if kkm.blocked {
            return (
                reply,
                result_only(
                    command,
                    ResultTypeEnum::ResultTypeBlocked,
                    "the KKM is blocked at the OFD",
                ),
            );
        }

        let outcome = self
            .note_offline_period(header.kkm_id, request)
            .and_then(|()| self.dispatch(header, request, now));
        let response = match outcome {
            Ok(r) => r,
            Err(Refusal(code, text)) => result_only(command, code, &text),
        };
        let fiscal = matches!(
            CommandTypeEnum::try_from(command),
            Ok(CommandTypeEnum::CommandTicket
                | CommandTypeEnum::CommandCloseShift
                | CommandTypeEnum::CommandMoneyPlacement)
        );
        let ok = response.result.result_code == ResultTypeEnum::ResultTypeOk as u32;
        let old_token = self
            .kkms
            .get(&header.kkm_id)
            .map_or(header.token, |k| k.token);
        let mut new_token = old_token;
        if fiscal && ok {
            let every = self.policy.rotate_every;
            let rotate = self.kkms.get_mut(&header.kkm_id).is_some_and(|k| {
                k.fiscal_since_rotation += 1;
                let due = every.is_some_and(|n| n > 0 && k.fiscal_since_rotation >= n);
                k.rotate_next || due
            });
            if rotate {
                new_token = self.next_token(old_token);
            }
        }
        if let Some(k) = self.kkms.get_mut(&header.kkm_id) {
            if new_token != old_token {
                k.token = new_token;
                k.rotations += 1;
                k.rotate_next = false;
                k.fiscal_since_rotation = 0;
            }
            k.last = Some(LastExchange {
                reqnum: header.reqnum,
                request_token: header.token,
                command,
                response_token: new_token,
                response: response.encode_to_vec(),
            });
        }
        reply.token = new_token;
        (reply, response)
    }

    fn dispatch(&mut self, header: FrameHeader, request: &Request, now: i64) -> Handled {
        let command = request.command;
        match CommandTypeEnum::try_from(command) {
            Ok(CommandTypeEnum::CommandSystem) => self.system(header.kkm_id, request),
            Ok(CommandTypeEnum::CommandInfo) => self.info(header.kkm_id, now),
            Ok(CommandTypeEnum::CommandTicket) => self.ticket(header, request),
            Ok(CommandTypeEnum::CommandCloseShift) => self.close_shift(header, request),
            Ok(CommandTypeEnum::CommandReport) => self.report(header.kkm_id, request, now),
            Ok(CommandTypeEnum::CommandMoneyPlacement) => self.placement(header, request),
            Ok(CommandTypeEnum::CommandNomenclature) => self.nomenclature(request),
            Ok(CommandTypeEnum::CommandAuth) => self.auth(header.kkm_id, request),
            Ok(CommandTypeEnum::CommandReserved) => refuse(
                ResultTypeEnum::ResultTypeUnsupportedCommand,
                "COMMAND_RESERVED is not supported",
            ),
            Ok(CommandTypeEnum::CommandCancelTicket) => refuse(
                ResultTypeEnum::ResultTypeUnsupportedCommand,
                "COMMAND_CANCEL_TICKET is deprecated since 2.0.3",
            ),
            Err(_) => refuse(
                ResultTypeEnum::ResultTypeUnknownCommand,
                format!("unknown command {command}"),
            ),
        }
    }

    /// Any request may carry the autonomous period in its service part; keep it.
    fn note_offline_period(&mut self, id: u32, request: &Request) -> Result<(), Refusal> {
        let Some(period) = request
            .service
            .as_ref()
            .and_then(|s| s.offline_period.as_ref())
        else {
            return Ok(());
        };
        let begin = seconds(&period.begin_time, "offline_period.begin_time")?;
        let end = seconds(&period.end_time, "offline_period.end_time")?;
        let kkm = self.kkm(id)?;
        match kkm.offline_periods.last_mut() {
            // The same period, its end brought up to date by a later message.
            Some(last) if last.0 == begin => last.1 = last.1.max(end),
            _ => kkm.offline_periods.push((begin, end)),
        }
        Ok(())
    }

    fn kkm(&mut self, id: u32) -> Result<&mut KkmLedger, Refusal> {
        match self.kkms.get_mut(&id) {
            Some(k) => Ok(k),
            None => refuse(ResultTypeEnum::ResultTypeUnknownId, "unknown KKM id"),
        }
    }

    fn system(&mut self, id: u32, request: &Request) -> Handled {
        let kkm = self.kkm(id)?;
        let mut resp = ok(CommandTypeEnum::CommandSystem);
        if request.service.as_ref().and_then(|s| s.get_reg_info) == Some(true) {
            resp.service = Some(service_response(kkm));
        }
        Ok(resp)
    }

    fn info(&mut self, id: u32, now: i64) -> Handled {
        let kkm = self.kkm(id)?;
        let mut resp = ok(CommandTypeEnum::CommandInfo);
        // As an OFD keeps it: the open shift's X, or the last closed shift's Z (with its
        // close time), or for a KKM that never worked an empty Z of shift 0.
        resp.report = Some(
            match (&kkm.shift, kkm.last_z.as_deref().map(ZxReport::decode)) {
                (Some(_), _) => ReportResponse {
                    report: ReportTypeEnum::ReportX as i32,
                    zx_report: Some(zx(kkm, now, None)),
                },
                (None, Some(Ok(z))) => ReportResponse {
                    report: ReportTypeEnum::ReportZ as i32,
                    zx_report: Some(z),
                },
                (None, _) => ReportResponse {
                    report: ReportTypeEnum::ReportZ as i32,
                    zx_report: Some(zx(kkm, now, None)),
                },
            },
        );
        resp.service = Some(service_response(kkm));
        Ok(resp)
    }

    fn ticket(&mut self, header: FrameHeader, request: &Request) -> Handled {
        let Some(t) = request.ticket.as_ref() else {
            return refuse(
                ResultTypeEnum::ResultTypeProtocolError,
                "COMMAND_TICKET without ticket",
            );
        };
        let booked = Booking::of_ticket(t)?;
        let offline = t.offline_ticket_number.is_some();
        let kkm = self.kkm(header.kkm_id)?;
        if let Some(iin) = t
            .extension_options
            .as_ref()
            .and_then(|e| e.customer_iin_or_bin.as_deref())
        {
            if iin == kkm.profile.org_iin {
                return refuse(
                    ResultTypeEnum::ResultTypeSameTaxpayerAndCustomer,
                    "the customer's IIN/BIN is the seller's",
                );
            }
        }
        if let Some(shift) = &kkm.shift {
            if !offline && booked.at - shift.opened_at > SHIFT_LIMIT_SECS {
                return refuse(
                    ResultTypeEnum::ResultTypeOpenShiftTimeoutExpired,
                    "the shift has been open for more than 24 hours: close it",
                );
            }
        }
        if let Some(n) = t.fr_shift_number {
            let expected = kkm.current_shift_number();
            if n != expected {
                return refuse(
                    ResultTypeEnum::ResultTypeIncorrectRequestData,
                    format!("the receipt is in shift {n}, the KKM's shift is {expected}"),
                );
            }
        }
        let fingerprint = fingerprint(t);
        let sign = self.next_fiscal_sign;
        self.next_fiscal_sign += 1;
        let kkm = self.kkm(header.kkm_id)?;
        if !kkm.fingerprints.insert(fingerprint) {
            kkm.duplicates += 1;
        }
        let shift_number = open_shift(kkm, booked.at);
        let (total, at) = (booked.total, booked.at);
        booked.apply(kkm, offline);
        kkm.accepted.push(AcceptedDocument {
            command: CommandTypeEnum::CommandTicket as i32,
            fiscal_sign: Some(sign.to_string()),
            offline_number: t.offline_ticket_number,
            reqnum: header.reqnum,
            shift_number,
            sum: total,
            ticket: Some(t.encode_to_vec()),
        });
        let qr = check_qr(&kkm.profile.rnm, &sign.to_string(), total, at);
        let mut resp = ok(CommandTypeEnum::CommandTicket);
        resp.ticket = Some(TicketResponse {
            ticket_number: sign.to_string(),
            qr_code: Some(qr.into_bytes()),
        });
        Ok(resp)
    }

    fn placement(&mut self, header: FrameHeader, request: &Request) -> Handled {
        let Some(p) = request.money_placement.as_ref() else {
            return refuse(
                ResultTypeEnum::ResultTypeProtocolError,
                "COMMAND_MONEY_PLACEMENT without money_placement",
            );
        };
        let at = seconds(&p.datetime, "datetime")?;
        let sum = tiyn(&p.sum, "sum")?;
        let kind = match MoneyPlacementEnum::try_from(p.operation) {
            Ok(k) => k,
            Err(_) => {
                return refuse(
                    ResultTypeEnum::ResultTypeIncorrectRequestData,
                    format!("unknown placement operation {}", p.operation),
                )
            }
        };
        let kkm = self.kkm(header.kkm_id)?;
        if kind == MoneyPlacementEnum::MoneyPlacementWithdrawal && sum > kkm.cash {
            return refuse(
                ResultTypeEnum::ResultTypeNotEnoughCash,
                "withdrawal exceeds the cash in the drawer",
            );
        }
        let shift_number = open_shift(kkm, at);
        book_placement(kkm, kind, sum, p.is_offline == Some(true));
        kkm.accepted.push(AcceptedDocument {
            command: CommandTypeEnum::CommandMoneyPlacement as i32,
            fiscal_sign: None,
            offline_number: None,
            reqnum: header.reqnum,
            shift_number,
            sum,
            ticket: None,
        });
        Ok(ok(CommandTypeEnum::CommandMoneyPlacement))
    }

    fn close_shift(&mut self, header: FrameHeader, request: &Request) -> Handled {
        let Some(c) = request.close_shift.as_ref() else {
            return refuse(
                ResultTypeEnum::ResultTypeProtocolError,
                "COMMAND_CLOSE_SHIFT without close_shift",
            );
        };
        let at = seconds(&c.close_time, "close_time")?;
        let kkm = self.kkm(header.kkm_id)?;
        // Closing a shift with no documents closes an empty one.
        let shift_number = open_shift(kkm, at);
        if c.withdraw_money == Some(true) && kkm.cash > 0 {
            let cash = kkm.cash;
            book_placement(
                kkm,
                MoneyPlacementEnum::MoneyPlacementWithdrawal,
                cash,
                c.is_offline == Some(true),
            );
        }
        let mut z = zx(kkm, at, Some(at));
        z.checksum = c.z_report.as_ref().and_then(|z| z.checksum.clone());
        kkm.last_z = Some(z.encode_to_vec());
        kkm.shift = None;
        kkm.accepted.push(AcceptedDocument {
            command: CommandTypeEnum::CommandCloseShift as i32,
            fiscal_sign: None,
            offline_number: None,
            reqnum: header.reqnum,
            shift_number,
            sum: 0,
            ticket: None,
        });
        let mut resp = ok(CommandTypeEnum::CommandCloseShift);
        resp.report = Some(ReportResponse {
            report: ReportTypeEnum::ReportZ as i32,
            zx_report: Some(z),
        });
        Ok(resp)
    }

    fn report(&mut self, id: u32, request: &Request, now: i64) -> Handled {
        let Some(r) = request.report.as_ref() else {
            return refuse(
                ResultTypeEnum::ResultTypeProtocolError,
                "COMMAND_REPORT without report",
            );
        };
        let kkm = self.kkm(id)?;
        let zx_report = match ReportTypeEnum::try_from(r.report) {
            Ok(ReportTypeEnum::ReportX) => zx(kkm, now, None),
            Ok(ReportTypeEnum::ReportZ) => match kkm.last_z.as_deref().map(ZxReport::decode) {
                Some(Ok(z)) => z,
                _ => {
                    return refuse(
                        ResultTypeEnum::ResultTypeIncorrectRequestData,
                        "no closed shift to report",
                    )
                }
            },
            Err(_) => {
                return refuse(
                    ResultTypeEnum::ResultTypeIncorrectRequestData,
                    format!("unknown report type {}", r.report),
                )
            }
        };
        let mut resp = ok(CommandTypeEnum::CommandReport);
        resp.report = Some(ReportResponse {
            report: r.report,
            zx_report: Some(zx_report),
        });
        Ok(resp)
    }

    fn nomenclature(&mut self, request: &Request) -> Handled {
        const VERSION: u32 = 1;
        use nomenclature_response::{
            Element, ElementTypeEnum, Item, NomenclatureResultTypeEnum as R,
        };
        let items = [
            (1u64, "4870000000011", "Хлеб бородинский", 25_000u64),
            (2, "4870000000028", "Сүт 2,5% 1 л", 54_000),
            (
                3,
                "4870000000035",
                "Сигареты (маркированный товар)",
                120_000,
            ),
        ];
        let elements: Vec<Element> = items
            .iter()
            .map(|&(id, barcode, title, price)| Element {
                r#type: ElementTypeEnum::Item as i32,
                title: title.into(),
                title_kk: None,
                parent_group_id: None,
                id,
                item: Some(Item {
                    barcode: Some(barcode.into()),
                    sell_price: Some(money(price)),
                    measure_unit_code: Some("796".into()),
                    is_markedeac: Some(id == 3),
                    ..Default::default()
                }),
            })
            .collect();
        let req = request.nomenclature.clone().unwrap_or_default();
        let (result, elements) = match (&req.barcode, req.current_version) {
            (Some(code), _) => {
                let found: Vec<Element> = elements
                    .into_iter()
                    .filter(|e| e.item.as_ref().and_then(|i| i.barcode.as_deref()) == Some(code))
                    .collect();
                if found.is_empty() {
                    (R::ResultTypeElementNotFoundByBarcode, found)
                } else {
                    (R::ResultTypeOk, found)
                }
            }
            (None, Some(v)) if v == VERSION => (R::ResultTypeVersionIsActual, Vec::new()),
            _ => (R::ResultTypeOk, elements),
        };
        let mut resp = ok(CommandTypeEnum::CommandNomenclature);
        resp.nomenclature = Some(NomenclatureResponse {
            version: VERSION,
            created_time: None,
            elements,
            result: result as i32,
        });
        Ok(resp)
    }

    fn auth(&mut self, id: u32, request: &Request) -> Handled {
        let Some(a) = request.auth.as_ref() else {
            return refuse(
                ResultTypeEnum::ResultTypeProtocolError,
                "COMMAND_AUTH without auth",
            );
        };
        let kkm = self.kkm(id)?;
        let found = kkm
            .profile
            .operators
            .iter()
            .find(|o| o.login == a.login && o.password == a.password);
        let mut resp = ok(CommandTypeEnum::CommandAuth);
        resp.auth = Some(match found {
            Some(o) => AuthResponse {
                result: auth_response::ResultTypeEnum::ResultTypeOk as i32,
                operator_code: Some(o.code),
                operator_name: Some(o.name.clone()),
                roles: o.roles.clone(),
            },
            None => AuthResponse {
                result: auth_response::ResultTypeEnum::ResultTypeInvalidLoginPassword as i32,
                ..Default::default()
            },
        });
        Ok(resp)
    }
}

/// A commodity line of a receipt being booked.
struct Line {
    section: String,
    /// The commodity's sum, before modifiers.
    gross: u64,
    /// What the customer pays for it: after its own and its share of receipt modifiers.
    net: u64,
    /// Its taxes: (rate in thousandths, sum).
    taxes: Vec<(u32, u64)>,
}

/// The books' changes one receipt makes, computed before anything is changed.
struct Booking {
    op: usize,
    at: i64,
    total: u64,
    lines: Vec<(String, u64)>,
    /// Modifiers with a non-zero sum, item and receipt level: each counts once.
    discounts: Tally,
    markups: Tally,
    /// The receipt-level modifiers alone (`TicketOperation.discount_sum` / `markup_sum`,
    /// as the seed's report shows: its sale with 50 + 200 of discounts reports 200).
    receipt_discount: u64,
    receipt_markup: u64,
    taxes: Vec<(u32, u64, u64)>,
    payments: Vec<(usize, u64)>,
    change: u64,
}

impl Booking {
    fn of_ticket(t: &TicketRequest) -> Result<Booking, Refusal> {
        let op = operation_index(t.operation)?;
        let at = seconds(&t.date_time, "date_time")?;
        if matches!(op, 1 | 3) && t.parent_ticket.is_none() {
            return refuse(
                ResultTypeEnum::ResultTypeIncorrectRequestData,
                "a return needs parent_ticket (protocol 2.0.3)",
            );
        }
        use ticket_request::item::ItemTypeEnum as I;
        let mut lines: Vec<Line> = Vec::new();
        let (mut gross, mut discounts, mut markups) = (0u64, Tally::default(), Tally::default());
        let note = |tally: &mut Tally, sum: u64| {
            if sum > 0 {
                tally.add(sum);
            }
        };
        let tax_line = |tax: &ticket_request::Tax| -> Result<(u32, u64), Refusal> {
            if tax.tax_type != TaxTypeEnum::Vat as u32 {
                return refuse(
                    ResultTypeEnum::ResultTypeIncorrectRequestData,
                    "unknown tax type",
                );
            }
            Ok((tax.percent, tiyn(&tax.sum, "tax sum")?))
        };
        for item in &t.items {
            match (I::try_from(item.r#type), item) {
                (
                    Ok(I::ItemTypeCommodity),
                    ticket_request::Item {
                        commodity: Some(c), ..
                    },
                ) => {
                    let sum = tiyn(&c.sum, "commodity sum")?;
                    tiyn(&c.price, "commodity price")?;
                    if c.section_code.is_empty()
                        || c.measure_unit_code.as_deref().unwrap_or("").is_empty()
                    {
                        return refuse(
                            ResultTypeEnum::ResultTypeIncorrectRequestData,
                            "commodity without section_code or measure_unit_code",
                        );
                    }
                    gross = gross.saturating_add(sum);
                    let taxes = c
                        .taxes
                        .iter()
                        .map(tax_line)
                        .collect::<Result<Vec<_>, _>>()?;
                    lines.push(Line {
                        section: c.section_code.clone(),
                        gross: sum,
                        net: sum,
                        taxes,
                    });
                }
                (
                    Ok(I::ItemTypeStornoCommodity),
                    ticket_request::Item {
                        storno_commodity: Some(_),
                        ..
                    },
                ) => {}
                // An item-level modifier follows the commodity it changes.
                (
                    Ok(I::ItemTypeDiscount),
                    ticket_request::Item {
                        discount: Some(m), ..
                    },
                ) => {
                    let sum = tiyn(&m.sum, "discount")?;
                    note(&mut discounts, sum);
                    if let Some(line) = lines.last_mut() {
                        line.net = line.net.saturating_sub(sum);
                    }
                }
                (
                    Ok(I::ItemTypeMarkup),
                    ticket_request::Item {
                        markup: Some(m), ..
                    },
                ) => {
                    let sum = tiyn(&m.sum, "markup")?;
                    note(&mut markups, sum);
                    if let Some(line) = lines.last_mut() {
                        line.net = line.net.saturating_add(sum);
                    }
                }
                (Ok(I::ItemTypeStornoDiscount | I::ItemTypeStornoMarkup), _) => {}
                _ => {
                    return refuse(
                        ResultTypeEnum::ResultTypeIncorrectRequestData,
                        format!("item of type {} without its content", item.r#type),
                    )
                }
            }
        }
        if lines.is_empty() {
            return refuse(
                ResultTypeEnum::ResultTypeIncorrectRequestData,
                "a receipt without goods",
            );
        }
        let a = &t.amounts;
        // A receipt-level modifier is spread over the lines' net sums (largest remainder),
        // so each line's taxable turnover is what the customer paid for it.
        let mut spread = |sum: u64, sign: i8| {
            let weights: Vec<u64> = lines.iter().map(|l| l.net).collect();
            for (line, share) in lines.iter_mut().zip(allocate(sum, &weights)) {
                line.net = if sign > 0 {
                    line.net.saturating_add(share)
                } else {
                    line.net.saturating_sub(share)
                };
            }
        };
        let receipt_discount = match &a.discount {
            Some(d) => tiyn(&d.sum, "receipt discount")?,
            None => 0,
        };
        let receipt_markup = match &a.markup {
            Some(m) => tiyn(&m.sum, "receipt markup")?,
            None => 0,
        };
        if let Some(d) = &a.discount {
            let sum = tiyn(&d.sum, "receipt discount")?;
            note(&mut discounts, sum);
            spread(sum, -1);
        }
        if let Some(m) = &a.markup {
            let sum = tiyn(&m.sum, "receipt markup")?;
            note(&mut markups, sum);
            spread(sum, 1);
        }
        let total = tiyn(&a.total, "amounts.total")?;
        let expected = gross.saturating_add(markups.sum).checked_sub(discounts.sum);
        if expected != Some(total) {
            return refuse(
                ResultTypeEnum::ResultTypeIncorrectRequestData,
                format!("amounts.total {total} does not match the items ({expected:?})"),
            );
        }
        let mut taxes: Vec<(u32, u64, u64)> = Vec::new();
        let mut add_tax = |(percent, sum): (u32, u64), turnover: u64| match taxes
            .iter_mut()
            .find(|(p, _, _)| *p == percent)
        {
            Some(e) => {
                e.1 = e.1.saturating_add(turnover);
                e.2 = e.2.saturating_add(sum);
            }
            None => taxes.push((percent, turnover, sum)),
        };
        for line in &lines {
            for tax in &line.taxes {
                add_tax(*tax, line.net);
            }
        }
        for tax in &t.taxes {
            add_tax(tax_line(tax)?, total);
        }
        let lines = lines.into_iter().map(|l| (l.section, l.gross)).collect();
        let mut payments = Vec::new();
        let mut paid = 0u64;
        for p in &t.payments {
            let i = payment_index(p.r#type)?;
            let sum = tiyn(&p.sum, "payment")?;
            paid = paid.saturating_add(sum);
            payments.push((i, sum));
        }
        if paid != total {
            return refuse(
                ResultTypeEnum::ResultTypeIncorrectRequestData,
                format!("payments {paid} do not add up to the total {total}"),
            );
        }
        let change = match &a.change {
            Some(c) => tiyn(c, "change")?,
            None => 0,
        };
        Ok(Booking {
            op,
            at,
            total,
            lines,
            discounts,
            markups,
            receipt_discount,
            receipt_markup,
            taxes,
            payments,
            change,
        })
    }

    fn apply(self, kkm: &mut KkmLedger, offline: bool) {
        let op = self.op;
        let Some(shift) = kkm.shift.as_mut() else {
            return;
        };
        for (section, sum) in &self.lines {
            shift.sections.entry(section.clone()).or_default()[op].add(*sum);
            shift.operations[op].add(*sum);
        }
        for (book, t) in [
            (&mut shift.discounts[op], self.discounts),
            (&mut shift.markups[op], self.markups),
        ] {
            book.count = book.count.saturating_add(t.count);
            book.sum = book.sum.saturating_add(t.sum);
        }
        shift.total_result[op].add(self.total);
        for (percent, turnover, sum) in &self.taxes {
            let t = &mut shift.taxes.entry(*percent).or_default()[op];
            t.turnover = t.turnover.saturating_add(*turnover);
            t.sum = t.sum.saturating_add(*sum);
            t.turnover_without_tax = t
                .turnover_without_tax
                .saturating_add(turnover.saturating_sub(*sum));
        }
        kkm.ticket_total_counts[op] = kkm.ticket_total_counts[op].saturating_add(1);
        let tt = &mut shift.tickets[op];
        tt.tickets.add(self.total);
        tt.total_count = kkm.ticket_total_counts[op];
        tt.offline_count += u32::from(offline);
        tt.discount_sum = tt.discount_sum.saturating_add(self.receipt_discount);
        tt.markup_sum = tt.markup_sum.saturating_add(self.receipt_markup);
        tt.change_sum = tt.change_sum.saturating_add(self.change);
        let mut cash = 0u64;
        for (i, sum) in &self.payments {
            tt.payments[*i].add(*sum);
            if *i == 0 {
                cash = cash.saturating_add(*sum);
            }
        }
        kkm.cash = if direction(op) > 0 {
            kkm.cash.saturating_add(cash)
        } else {
            kkm.cash.saturating_sub(cash)
        };
        kkm.non_nullable[op] = kkm.non_nullable[op].saturating_add(self.total);
    }
}

/// Splits `amount` over `weights` in proportion, each share the floor of its exact part,
/// the tiyn left over one each to the largest remainders (earlier first on ties).
fn allocate(amount: u64, weights: &[u64]) -> Vec<u64> {
    let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if total == 0 {
        let mut shares = vec![0; weights.len()];
        if let Some(first) = shares.first_mut() {
            *first = amount;
        }
        return shares;
    }
    let parts: Vec<(u128, u128)> = weights
        .iter()
        .map(|&w| {
            let exact = u128::from(amount) * u128::from(w);
            (exact / total, exact % total)
        })
        .collect();
    let given: u128 = parts.iter().map(|p| p.0).sum();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| parts[b].1.cmp(&parts[a].1).then(a.cmp(&b)));
    let left = usize::try_from(u128::from(amount) - given).unwrap_or(0);
    let mut shares: Vec<u64> = parts
        .iter()
        .map(|p| u64::try_from(p.0).unwrap_or(u64::MAX))
        .collect();
    for &i in order.iter().take(left) {
        shares[i] = shares[i].saturating_add(1);
    }
    shares
}

/// The consumer check link of an accepted receipt as the operator's server writes it
/// (the real TICKET answer in `shared/vectors/cpcr`): no `/` before `?`, the sum with a
/// dot.
fn check_qr(rnm: &str, sign: &str, total_tiyn: u64, at: i64) -> String {
    let t = DateTime::from_unix_seconds(at);
    format!(
        "http://consumer.test-oofd.kz?i={sign}&f={rnm}&s={}.{:02}&t={:04}{:02}{:02}T{:02}{:02}{:02}",
        total_tiyn / 100,
        total_tiyn % 100,
        t.date.year,
        t.date.month,
        t.date.day,
        t.time.hour,
        t.time.minute,
        t.time.second.unwrap_or(0)
    )
}

/// Opens a shift at `at` if none is open; returns the open shift's number.
fn open_shift(kkm: &mut KkmLedger, at: i64) -> u32 {
    if let Some(s) = &kkm.shift {
        return s.number;
    }
    kkm.last_shift_number += 1;
    kkm.shift = Some(ShiftBook {
        number: kkm.last_shift_number,
        opened_at: at,
        start_non_nullable: kkm.non_nullable,
        ..Default::default()
    });
    kkm.last_shift_number
}

fn book_placement(kkm: &mut KkmLedger, kind: MoneyPlacementEnum, sum: u64, offline: bool) {
    let i = kind as usize;
    kkm.placement_total_counts[i] = kkm.placement_total_counts[i].saturating_add(1);
    kkm.cash = match kind {
        MoneyPlacementEnum::MoneyPlacementDeposit => kkm.cash.saturating_add(sum),
        MoneyPlacementEnum::MoneyPlacementWithdrawal => kkm.cash.saturating_sub(sum),
    };
    if let Some(shift) = kkm.shift.as_mut() {
        shift.placements[i].0.add(sum);
        shift.placements[i].1 += u32::from(offline);
    }
}

/// A ticket's identity without the fields that differ between its online attempt and
/// its offline resend.
fn fingerprint(t: &TicketRequest) -> u64 {
    let mut t = t.clone();
    t.offline_ticket_number = None;
    t.printed_ticket = None;
    let mut h = DefaultHasher::new();
    t.encode_to_vec().hash(&mut h);
    h.finish()
}

fn ok(command: CommandTypeEnum) -> Response {
    Response {
        command: command as i32,
        result: kkm_proto::cpcr::Result {
            result_code: ResultTypeEnum::ResultTypeOk as u32,
            result_text: None,
        },
        ..Default::default()
    }
}

fn result_only(command: i32, code: ResultTypeEnum, text: &str) -> Response {
    Response {
        command,
        result: kkm_proto::cpcr::Result {
            result_code: code as u32,
            result_text: Some(text.to_string()),
        },
        ..Default::default()
    }
}

fn service_response(kkm: &KkmLedger) -> ServiceResponse {
    let p = &kkm.profile;
    ServiceResponse {
        ticket_ads: vec![TicketAd {
            info: TicketAdInfo {
                r#type: TicketAdTypeEnum::TicketAdOfd as i32,
                version: 1,
            },
            text: p.ofd_ad_text.clone(),
        }],
        reg_info: Some(service_response::RegInfo {
            kkm: Some(KkmRegInfo {
                point_of_payment_number: Some(String::new()),
                terminal_number: Some(String::new()),
                fns_kkm_id: Some(p.rnm.clone()),
                serial_number: Some(p.serial_number.clone()),
                kkm_id: Some(p.kkm_id.to_string()),
            }),
            pos: Some(PosRegInfo {
                title: Some(p.pos_title.clone()),
                address: Some(p.pos_address.clone()),
                address_kz: Some(p.pos_address_kz.clone()),
                latitude: Some(0),
                longitude: Some(0),
            }),
            org: Some(OrgRegInfo {
                title: Some(p.org_title.clone()),
                address: Some(p.org_address.clone()),
                inn: Some(p.org_iin.clone()),
                okved: Some(p.org_oked.clone()),
                address_kz: Some(p.org_address_kz.clone()),
                ..Default::default()
            }),
        }),
        binded_taxation: p.taxation_type.map(|t| BindedTaxation {
            taxation_type: t,
            taxes: Vec::new(),
        }),
        last_document_info: (kkm.documents_before > 0 || !kkm.accepted.is_empty()).then(|| {
            service_response::LastDocumentInfo {
                fr_shift_number: kkm
                    .shift
                    .as_ref()
                    .map_or(kkm.last_shift_number, |s| s.number),
                printed_document_number: Some(kkm.documents_before + kkm.accepted.len() as u64),
            }
        }),
        auxiliary: Vec::new(),
    }
}

const OPERATIONS: [OperationTypeEnum; 4] = [
    OperationTypeEnum::OperationBuy,
    OperationTypeEnum::OperationBuyReturn,
    OperationTypeEnum::OperationSell,
    OperationTypeEnum::OperationSellReturn,
];

fn tallies(t: &[Tally; 4]) -> Vec<zx_report::Operation> {
    OPERATIONS
        .iter()
        .zip(t)
        .map(|(op, t)| zx_report::Operation {
            operation: *op as i32,
            count: t.count,
            sum: money(t.sum),
        })
        .collect()
}

fn sums(s: &[u64; 4]) -> Vec<zx_report::NonNullableSum> {
    OPERATIONS
        .iter()
        .zip(s)
        .map(|(op, s)| zx_report::NonNullableSum {
            operation: *op as i32,
            sum: money(*s),
        })
        .collect()
}

/// The X (or, with `closed`, Z) report of the current shift as the OFD counts it.
fn zx(kkm: &KkmLedger, now: i64, closed: Option<i64>) -> ZxReport {
    let empty = ShiftBook {
        number: kkm.last_shift_number,
        opened_at: now,
        start_non_nullable: kkm.non_nullable,
        ..Default::default()
    };
    let s = kkm.shift.as_ref().unwrap_or(&empty);
    let signed: i128 = (0..4)
        .map(|op| i128::from(direction(op)) * i128::from(s.total_result[op].sum))
        .sum();
    ZxReport {
        date_time: DateTime::from_unix_seconds(now),
        shift_number: s.number,
        sections: s
            .sections
            .iter()
            .map(|(code, t)| zx_report::Section {
                section_code: code.clone(),
                operations: tallies(t),
            })
            .collect(),
        operations: tallies(&s.operations),
        discounts: tallies(&s.discounts),
        markups: tallies(&s.markups),
        total_result: tallies(&s.total_result),
        taxes: s
            .taxes
            .iter()
            .map(|(percent, ops)| zx_report::Tax {
                tax_type: TaxTypeEnum::Vat as u32,
                percent: *percent,
                operations: OPERATIONS
                    .iter()
                    .zip(ops)
                    .map(|(op, t)| zx_report::tax::TaxOperation {
                        operation: *op as i32,
                        turnover: money(t.turnover),
                        sum: money(t.sum),
                        turnover_without_tax: Some(money(t.turnover_without_tax)),
                    })
                    .collect(),
            })
            .collect(),
        start_shift_non_nullable_sums: sums(&s.start_non_nullable),
        ticket_operations: OPERATIONS
            .iter()
            .zip(&s.tickets)
            .enumerate()
            .map(|(i, (op, t))| zx_report::TicketOperation {
                operation: *op as i32,
                tickets_total_count: kkm.ticket_total_counts[i],
                tickets_count: t.tickets.count,
                tickets_sum: money(t.tickets.sum),
                payments: PAYMENT_TYPES
                    .iter()
                    .zip(&t.payments)
                    .filter(|(_, p)| p.count > 0)
                    .map(|(pt, p)| zx_report::ticket_operation::Payment {
                        payment: *pt as i32,
                        sum: money(p.sum),
                        count: Some(p.count),
                    })
                    .collect(),
                offline_count: Some(t.offline_count),
                discount_sum: Some(money(t.discount_sum)),
                markup_sum: Some(money(t.markup_sum)),
                change_sum: Some(money(t.change_sum)),
            })
            .collect(),
        money_placements: [
            MoneyPlacementEnum::MoneyPlacementDeposit,
            MoneyPlacementEnum::MoneyPlacementWithdrawal,
        ]
        .iter()
        .zip(&s.placements)
        .enumerate()
        .map(|(i, (kind, (t, offline)))| zx_report::MoneyPlacement {
            operation: *kind as i32,
            operations_total_count: kkm.placement_total_counts[i],
            operations_count: t.count,
            operations_sum: money(t.sum),
            offline_count: Some(*offline),
        })
        .collect(),
        cash_sum: money(kkm.cash),
        revenue: zx_report::Revenue {
            sum: money(u64::try_from(signed.unsigned_abs()).unwrap_or(u64::MAX)),
            is_negative: signed < 0,
        },
        non_nullable_sums: sums(&kkm.non_nullable),
        open_shift_time: Some(DateTime::from_unix_seconds(s.opened_at)),
        close_shift_time: closed.map(DateTime::from_unix_seconds),
        checksum: None,
        annulled_tickets: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kkm_proto::cpcr::{
        nomenclature_response::NomenclatureResultTypeEnum, ticket_request::ExtensionOptions,
        AuthRequest, NomenclatureRequest,
    };
    use kkm_proto::fixtures;
    use kkm_proto::frame::PROTOCOL_VERSION;

    const T0: i64 = 1_795_428_000;

    struct Fixture {
        ledger: Ledger,
        reqnum: u16,
    }

    impl Fixture {
        fn new() -> Self {
            Fixture {
                ledger: Ledger::new([KkmProfile::new(6923, 5)], TokenPolicy::default()),
                reqnum: 0,
            }
        }

        fn send(&mut self, request: Request) -> Response {
            self.reqnum += 1;
            let header = FrameHeader {
                version: PROTOCOL_VERSION,
                kkm_id: 6923,
                token: self.ledger.kkms[&6923].token,
                reqnum: self.reqnum,
            };
            self.ledger.handle(header, &request, T0).1
        }

        fn code(&mut self, request: Request) -> u32 {
            self.send(request).result.result_code
        }
    }

    fn sale(at: i64) -> Request {
        fixtures::sale_request(2, DateTime::from_unix_seconds(at))
    }

    fn with_ticket(f: impl FnOnce(&mut TicketRequest)) -> Request {
        let mut r = sale(T0);
        if let Some(t) = r.ticket.as_mut() {
            f(t);
        }
        r
    }

    const OK: u32 = ResultTypeEnum::ResultTypeOk as u32;
    const BAD_DATA: u32 = ResultTypeEnum::ResultTypeIncorrectRequestData as u32;

    #[test]
    fn inconsistent_receipts_are_refused_with_13() {
        let mut f = Fixture::new();
        let cases = [
            with_ticket(|t| t.amounts.total = Money::from_tiyn(1)),
            with_ticket(|t| t.payments.pop().map(drop).unwrap_or(())),
            with_ticket(|t| t.items.clear()),
            with_ticket(|t| t.operation = 9),
            with_ticket(|t| t.operation = OperationTypeEnum::OperationSellReturn as i32),
            with_ticket(|t| t.date_time.date.month = 13),
            with_ticket(|t| t.payments[0].sum.coins = 100),
            with_ticket(|t| t.payments[0].r#type = 2),
            with_ticket(|t| {
                if let Some(c) = t.items[0].commodity.as_mut() {
                    c.section_code.clear();
                }
            }),
            with_ticket(|t| t.items[0].commodity = None),
        ];
        for (i, request) in cases.into_iter().enumerate() {
            assert_eq!(f.code(request), BAD_DATA, "case {i}");
        }
        assert!(
            f.ledger.kkms[&6923].accepted.is_empty(),
            "nothing was booked"
        );
    }

    #[test]
    fn customer_with_the_sellers_iin_gets_17() {
        let mut f = Fixture::new();
        let r = with_ticket(|t| {
            t.extension_options = Some(ExtensionOptions {
                customer_iin_or_bin: Some("910812450255".into()),
                ..Default::default()
            })
        });
        assert_eq!(
            f.code(r),
            ResultTypeEnum::ResultTypeSameTaxpayerAndCustomer as u32
        );
    }

    #[test]
    fn unknown_and_unsupported_commands() {
        let mut f = Fixture::new();
        let r = |command| Request {
            command,
            ..Default::default()
        };
        assert_eq!(
            f.code(r(42)),
            ResultTypeEnum::ResultTypeUnknownCommand as u32
        );
        assert_eq!(
            f.code(r(127)),
            ResultTypeEnum::ResultTypeUnsupportedCommand as u32
        );
        assert_eq!(f.code(r(1)), ResultTypeEnum::ResultTypeProtocolError as u32);
    }

    #[test]
    fn offline_documents_past_24_hours_are_accepted_online_ones_are_not() {
        let mut f = Fixture::new();
        assert_eq!(f.code(sale(T0)), OK);
        let late = T0 + 30 * 3600;
        assert_eq!(
            f.code(sale(late)),
            ResultTypeEnum::ResultTypeOpenShiftTimeoutExpired as u32
        );
        let mut offline = sale(late + 1);
        if let Some(t) = offline.ticket.as_mut() {
            t.offline_ticket_number = Some(1234);
        }
        assert_eq!(f.code(offline), OK);
        let shift = f.ledger.kkms[&6923].shift.clone().unwrap();
        assert_eq!(shift.tickets[2].offline_count, 1);
        assert_eq!(shift.tickets[2].tickets.count, 2);
    }

    #[test]
    fn the_same_receipt_sent_twice_as_new_requests_is_counted_as_a_duplicate() {
        let mut f = Fixture::new();
        assert_eq!(f.code(sale(T0)), OK);
        let mut again = sale(T0);
        if let Some(t) = again.ticket.as_mut() {
            t.offline_ticket_number = Some(77);
        }
        assert_eq!(f.code(again), OK);
        assert_eq!(f.ledger.kkms[&6923].duplicates, 1);
    }

    #[test]
    fn revenue_and_cash_follow_returns() {
        let mut f = Fixture::new();
        assert_eq!(f.code(sale(T0)), OK);
        let sold = f.ledger.kkms[&6923].shift.as_ref().unwrap().total_result[2].sum;
        let mut ret = fixtures::sale_request(3, DateTime::from_unix_seconds(T0 + 5));
        if let Some(t) = ret.ticket.as_mut() {
            t.operation = OperationTypeEnum::OperationSellReturn as i32;
            t.parent_ticket = Some(ticket_request::ParentTicket {
                parent_ticket_number: "1000000001".into(),
                parent_ticket_data_time: DateTime::from_unix_seconds(T0),
                kgd_kkm_id: "010100134464".into(),
                parent_ticket_total: Money::from_tiyn(sold),
                parent_ticket_is_offline: false,
            });
        }
        let returned = ret
            .ticket
            .as_ref()
            .unwrap()
            .amounts
            .total
            .to_tiyn()
            .unwrap();
        assert_eq!(f.code(ret), OK);
        let z = zx(&f.ledger.kkms[&6923], T0, None);
        assert!(returned > sold);
        assert!(z.revenue.is_negative);
        assert_eq!(z.revenue.sum.to_tiyn(), Some(returned - sold));
        assert_eq!(z.non_nullable_sums[3].sum.to_tiyn(), Some(returned));
    }

    #[test]
    fn nomenclature_and_auth() {
        let mut f = Fixture::new();
        let nomenclature = |barcode: Option<&str>, current_version| Request {
            command: CommandTypeEnum::CommandNomenclature as i32,
            nomenclature: Some(NomenclatureRequest {
                current_version,
                barcode: barcode.map(str::to_string),
            }),
            ..Default::default()
        };
        let all = f.send(nomenclature(None, None)).nomenclature.unwrap();
        assert_eq!(all.elements.len(), 3);
        let actual = f
            .send(nomenclature(None, Some(all.version)))
            .nomenclature
            .unwrap();
        assert_eq!(
            actual.result,
            NomenclatureResultTypeEnum::ResultTypeVersionIsActual as i32
        );
        let one = f
            .send(nomenclature(Some("4870000000035"), None))
            .nomenclature
            .unwrap();
        assert_eq!(one.elements.len(), 1);
        assert_eq!(
            one.elements[0].item.as_ref().unwrap().is_markedeac,
            Some(true)
        );
        let none = f.send(nomenclature(Some("1"), None)).nomenclature.unwrap();
        assert_eq!(
            none.result,
            NomenclatureResultTypeEnum::ResultTypeElementNotFoundByBarcode as i32
        );

        let auth = |password: &str| Request {
            command: CommandTypeEnum::CommandAuth as i32,
            auth: Some(AuthRequest {
                login: "admin".into(),
                password: password.into(),
            }),
            ..Default::default()
        };
        let good = f.send(auth("0000")).auth.unwrap();
        assert_eq!(
            good.result,
            auth_response::ResultTypeEnum::ResultTypeOk as i32
        );
        assert_eq!(good.roles, vec![3]);
        let bad = f.send(auth("1111")).auth.unwrap();
        assert_eq!(
            bad.result,
            auth_response::ResultTypeEnum::ResultTypeInvalidLoginPassword as i32
        );
    }

    #[test]
    fn books_roundtrip_through_json() {
        let mut f = Fixture::new();
        assert_eq!(f.code(sale(T0)), OK);
        let json = serde_json::to_string(&f.ledger).unwrap();
        let back: Ledger = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back.kkms[&6923].fingerprints,
            f.ledger.kkms[&6923].fingerprints
        );
        assert_eq!(back.kkms[&6923].accepted, f.ledger.kkms[&6923].accepted);
        assert_eq!(back.kkms[&6923].shift, f.ledger.kkms[&6923].shift);
        assert_eq!(back.next_fiscal_sign, f.ledger.next_fiscal_sign);
    }
}
