//! Test support shared by the engine tests and the drain benchmark: an in-memory
//! implementation of the `OfdJournal` port (not durable — the SQLite one is kkm-store's).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Mutex;

use kkm_ofd::{BlockedBy, Credentials, OfdJournal, QueuedDocument};
use kkm_proto::cpcr::{DateTime, Response};
use kkm_proto::fixtures;

/// The journal's state.
#[derive(Debug, Default)]
pub struct State {
    pub kkm_id: u32,
    pub token: u32,
    pub reqnum: u16,
    pub next_id: u64,
    pub queue: VecDeque<QueuedDocument>,
    /// (document id, offline number, fiscal sign) in completion order.
    pub done: Vec<(u64, u32, String)>,
    pub blocked: Option<BlockedBy>,
    pub since: Option<i64>,
    pub dropped: Vec<u64>,
    pub token_refused: bool,
    /// Documents that went autonomous after their own online attempt, in order.
    pub went_autonomous: Vec<u64>,
    /// (document id, `replayable`) of every completion, in order.
    pub replayable: Vec<(u64, bool)>,
}

/// An in-memory `OfdJournal`.
#[derive(Debug)]
pub struct MemJournal(Mutex<State>);

impl MemJournal {
    pub fn new(kkm_id: u32, token: u32) -> Self {
        MemJournal(Mutex::new(State {
            kkm_id,
            token,
            next_id: 1,
            ..Default::default()
        }))
    }

    pub fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap()
    }

    /// What the register does: journal + queue a sale in one step.
    pub fn append(&self, at: i64) -> QueuedDocument {
        let mut s = self.state();
        let id = s.next_id;
        s.next_id += 1;
        let doc = QueuedDocument {
            id,
            request: fixtures::sale_request(2, DateTime::from_unix_seconds(at)),
            offline_number: at as u32,
            reqnum: None,
        };
        s.queue.push_back(doc.clone());
        doc
    }
}

impl OfdJournal for MemJournal {
    type Error = Infallible;

    fn credentials(&self) -> Result<Credentials, Infallible> {
        let s = self.state();
        Ok(Credentials {
            kkm_id: s.kkm_id,
            token: s.token,
            reqnum: s.reqnum,
        })
    }
    fn reserve_reqnum(&self, document: Option<u64>) -> Result<u16, Infallible> {
        let mut s = self.state();
        s.reqnum = s.reqnum.wrapping_add(1);
        let r = s.reqnum;
        if let Some(id) = document {
            if let Some(d) = s.queue.iter_mut().find(|d| d.id == id) {
                d.reqnum = Some(r);
            }
        }
        Ok(r)
    }
    fn save_token(&self, token: u32) -> Result<(), Infallible> {
        let mut s = self.state();
        s.token = token;
        s.token_refused = false;
        Ok(())
    }
    fn queue_front(&self) -> Result<Option<QueuedDocument>, Infallible> {
        Ok(self.state().queue.front().cloned())
    }
    fn queue_len(&self) -> Result<u64, Infallible> {
        Ok(self.state().queue.len() as u64)
    }
    fn complete(&self, id: u64, answer: &Response, replayable: bool) -> Result<(), Infallible> {
        let mut s = self.state();
        s.replayable.push((id, replayable));
        let pos = s
            .queue
            .iter()
            .position(|d| d.id == id)
            .expect("completing a queued document");
        let doc = s.queue.remove(pos).expect("present");
        let sign = answer
            .ticket
            .as_ref()
            .map(|t| t.ticket_number.clone())
            .unwrap_or_default();
        s.done.push((id, doc.offline_number, sign));
        Ok(())
    }
    fn block(&self, blocked: &BlockedBy) -> Result<(), Infallible> {
        self.state().blocked = Some(blocked.clone());
        Ok(())
    }
    fn blocked(&self) -> Result<Option<BlockedBy>, Infallible> {
        Ok(self.state().blocked.clone())
    }
    fn unblock(&self, drop_document: Option<u64>) -> Result<(), Infallible> {
        let mut s = self.state();
        s.blocked = None;
        if let Some(id) = drop_document {
            s.queue.retain(|d| d.id != id);
            s.dropped.push(id);
        }
        Ok(())
    }
    fn autonomous_since(&self) -> Result<Option<i64>, Infallible> {
        Ok(self.state().since)
    }
    fn go_autonomous(&self, since: i64, unanswered: Option<u64>) -> Result<(), Infallible> {
        let mut s = self.state();
        s.since.get_or_insert(since);
        if let Some(id) = unanswered {
            if !s.went_autonomous.contains(&id) {
                s.went_autonomous.push(id);
            }
        }
        Ok(())
    }
    fn leave_autonomy(&self, _now: i64) -> Result<(), Infallible> {
        self.state().since = None;
        Ok(())
    }
    fn token_refused(&self) -> Result<bool, Infallible> {
        Ok(self.state().token_refused)
    }
    fn set_token_refused(&self) -> Result<(), Infallible> {
        self.state().token_refused = true;
        Ok(())
    }
}
