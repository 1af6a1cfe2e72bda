//! What an administrator checks at a glance (the web console's overview): each KKM's
//! state, its offline queue and the age of its oldest document, the hours left of the
//! 72 autonomous ones, the shift's age against 24 hours, the cash and the last
//! document; and, for a blocked KKM, the document the OFD refused and why.
//!
//! Read without waiting for a KKM's lock: the counters are the last committed ones
//! (the journal's blob), so a KKM busy with a sale waiting for the OFD does not hold
//! the overview up.

use std::sync::Arc;

use kkm_core::operator::MAX_OFFLINE_SECS;
use kkm_core::{authorize, Action, Money, Timestamp};
use kkm_ofd::SyncMode;

use super::Registry;
use crate::book::KkmBook;
use crate::register::Register;
use crate::registry::browse::DocumentLine;
use crate::{Credential, RegisterError};

/// The longest a shift may stay open (kkm-core's rule, 31 after it).
pub const SHIFT_MAX_SECS: i64 = kkm_core::shift::MAX_SHIFT_SECS;

/// A KKM's state, worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KkmState {
    /// The journal does not verify (68): nothing fiscal until resolved.
    ValuesConflict,
    /// The OFD refused a document: blocked until an administrator resolves it.
    Blocked,
    /// The OFD refused the token: a new token is needed.
    InvalidToken,
    /// The OFD does not answer, or documents are waiting: they queue.
    Autonomous,
    /// Documents go to the OFD as they are made.
    Online,
}

/// One KKM as the overview shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KkmOverview {
    /// ID at the OFD.
    pub kkm_id: u32,
    /// Its local name, if given.
    pub name: Option<String>,
    /// The OFD's name.
    pub ofd_name: String,
    /// State.
    pub state: KkmState,
    /// Documents waiting for the OFD.
    pub queue_len: u64,
    /// When the oldest of them was made.
    pub oldest_queued_at: Option<Timestamp>,
    /// Autonomous since.
    pub autonomous_since: Option<Timestamp>,
    /// Seconds left of the 72 autonomous hours (negative: over; receipts refused).
    pub autonomous_secs_left: Option<i64>,
    /// The open shift's number, or the last closed one's (0: no shift yet).
    pub shift_number: u32,
    /// When the open shift was opened (`None`: closed).
    pub shift_opened_at: Option<Timestamp>,
    /// Seconds left of its 24 hours (negative: over; it must be closed).
    pub shift_secs_left: Option<i64>,
    /// Cash in the drawer.
    pub cash: Money,
    /// The shift's revenue.
    pub revenue: Money,
    /// The last document.
    pub last_document: Option<DocumentLine>,
    /// Why it is blocked or in conflict, readable.
    pub problem: Option<String>,
}

impl Registry {
    fn kkm_overview(
        &self,
        register: &Register,
        now: Timestamp,
    ) -> Result<KkmOverview, RegisterError> {
        let book = KkmBook::from_blob(register.kkm_id, &self.store.counters(register.kkm_id)?)?;
        let status = register.kkm_status(&book)?;
        let settings = register.settings();
        let sync = register.status();
        let state = if status.values_conflict.is_some() {
            KkmState::ValuesConflict
        } else if matches!(sync.mode, SyncMode::Blocked(_)) || status.blocked.is_some() {
            KkmState::Blocked
        } else if sync.invalid_token {
            KkmState::InvalidToken
        } else if !matches!(sync.mode, SyncMode::Online) || status.offline_queue_len > 0 {
            KkmState::Autonomous
        } else {
            KkmState::Online
        };
        let shift = book.shift.shift.as_ref();
        let last = self.store.latest_record(register.kkm_id)?;
        Ok(KkmOverview {
            kkm_id: register.kkm_id,
            name: settings.local_name.clone().filter(|n| !n.trim().is_empty()),
            ofd_name: register.ofd().name,
            state,
            queue_len: status.offline_queue_len,
            oldest_queued_at: self
                .store
                .oldest_queued_at(register.kkm_id)?
                .map(Timestamp::from_secs),
            autonomous_since: status.offline_since,
            autonomous_secs_left: status
                .offline_since
                .map(|since| MAX_OFFLINE_SECS - now.secs_since(since)),
            shift_number: shift.map_or(book.shift.lifetime.last_shift_number, |s| s.number),
            shift_opened_at: shift.map(|s| s.opened_at),
            shift_secs_left: shift.map(|s| SHIFT_MAX_SECS - now.secs_since(s.opened_at)),
            cash: book.shift.cash_in_drawer(),
            revenue: book.shift.revenue(),
            last_document: last.as_ref().map(DocumentLine::of).transpose()?,
            problem: status.values_conflict.or(status.blocked),
        })
    }

    pub(super) fn visible_registers(
        &self,
        credential: &Credential,
        action: Action,
    ) -> Result<Vec<Arc<Register>>, RegisterError> {
        let operator = self.authenticate(credential)?;
        Ok(self
            .kkms_snapshot()
            .into_iter()
            .filter(|register| {
                let access = register.access_of(&operator);
                authorize(&access, Some(i64::from(register.kkm_id)), action).is_ok()
            })
            .collect())
    }

    /// The device clock's time now (the calendar documents are dated in).
    pub fn device_time(&self) -> Timestamp {
        self.config.clock.now()
    }

    /// Every KKM the operator may see (administrators: all), by id.
    pub fn overview(&self, credential: &Credential) -> Result<Vec<KkmOverview>, RegisterError> {
        let now = self.config.clock.now();
        self.visible_registers(credential, Action::ViewKkm)?
            .iter()
            .map(|register| self.kkm_overview(register, now))
            .collect()
    }

    /// The ids of the KKMs on which the operator may `action` (the console's menus).
    pub fn kkms_allowing(
        &self,
        credential: &Credential,
        action: Action,
    ) -> Result<Vec<u32>, RegisterError> {
        Ok(self
            .visible_registers(credential, action)?
            .iter()
            .map(|r| r.kkm_id)
            .collect())
    }
}
