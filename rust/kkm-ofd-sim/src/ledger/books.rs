//! The emulator's books of one KKM: tallies, the shift's totals, the documents it
//! accepted and the last exchange (for retries).

use std::collections::{BTreeMap, HashSet};

use kkm_proto::cpcr::{OperationTypeEnum, TicketRequest};
use kkm_proto::prost::Message;
use serde::{Deserialize, Serialize};

use crate::profile::KkmProfile;

use super::*;

/// A count and a sum in tiyn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Number of documents or lines.
    pub count: u32,
    /// Sum in tiyn.
    pub sum: u64,
}

impl Tally {
    pub(super) fn add(&mut self, tiyn: u64) {
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
    pub(super) fingerprints: HashSet<u64>,
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
    pub(super) fn take_history(&mut self, h: &crate::profile::KkmHistory) {
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
    pub(super) fn current_shift_number(&self) -> u32 {
        self.shift
            .as_ref()
            .map_or(self.last_shift_number.saturating_add(1), |s| s.number)
    }

    pub(super) fn fresh(profile: KkmProfile) -> Self {
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
