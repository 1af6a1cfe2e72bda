//! The OFD's side of the exchange, without I/O: per-KKM state (token, REQNUM history,
//! shift totals, never-reset sums) and the answer to each request. This file holds the
//! dispatch and the handlers; the books are in `books`, what one document changes in
//! them in `booking`, and the answers built from them in `answers`.
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

use std::collections::{BTreeMap, HashSet};

use kkm_proto::cpcr::{
    auth_response, nomenclature_response, AuthResponse, CommandTypeEnum, DateTime, Money,
    MoneyPlacementEnum, NomenclatureResponse, OperationTypeEnum, PaymentTypeEnum, ReportResponse,
    ReportTypeEnum, Request, Response, ResultTypeEnum, TicketResponse, ZxReport,
};
use kkm_proto::frame::FrameHeader;
use kkm_proto::prost::Message;
use serde::{Deserialize, Serialize};

use crate::profile::KkmProfile;

/// Longest a shift may stay open for online documents (seconds).
pub const SHIFT_LIMIT_SECS: i64 = 24 * 3600;

mod answers;
mod booking;
mod books;
#[cfg(test)]
mod tests;

use answers::*;
use booking::*;
pub use books::*;

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
pub(super) struct Refusal(pub(super) ResultTypeEnum, pub(super) String);

type Handled = Result<Response, Refusal>;

pub(super) fn refuse<T>(code: ResultTypeEnum, text: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(code, text.into()))
}

pub(super) fn money(tiyn: u64) -> Money {
    Money::from_tiyn(tiyn)
}

pub(super) fn tiyn(m: &Money, what: &str) -> Result<u64, Refusal> {
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

pub(super) fn seconds(dt: &DateTime, what: &str) -> Result<i64, Refusal> {
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

pub(super) fn operation_index(op: i32) -> Result<usize, Refusal> {
    match OperationTypeEnum::try_from(op) {
        Ok(o) => Ok(o as usize),
        Err(_) => refuse(
            ResultTypeEnum::ResultTypeIncorrectRequestData,
            format!("unknown operation {op}"),
        ),
    }
}

pub(super) fn payment_index(p: i32) -> Result<usize, Refusal> {
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
pub(super) fn direction(op: usize) -> i8 {
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
