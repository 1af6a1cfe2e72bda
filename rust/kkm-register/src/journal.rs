//! The sync engine's persistence over the SQLite journal: a thin adapter from
//! `kkm_ofd::OfdJournal` to `kkm_store::Store`, one KKM per adapter.

use std::sync::Arc;

use kkm_ofd::{BlockedBy, Credentials, OfdJournal, QueuedDocument};
use kkm_proto::cpcr::{Request, Response};
use kkm_proto::prost::Message;
use kkm_store::{Durability, Store, StoreError};

use crate::blocking::off_worker;

/// How a document's move to the offline counts changes a KKM's counters blob: from the
/// KKM id, the document's journal id, its stored payload and the stored blob, the new
/// blob ([`StoreJournal::with_offline_counts`]).
pub type OfflineCounts = fn(u32, i64, &[u8], &[u8]) -> Result<Vec<u8>, StoreError>;

/// One KKM's view of the store, as the OFD sync engine needs it.
#[derive(Debug, Clone)]
pub struct StoreJournal {
    store: Arc<Store>,
    kkm_id: u32,
    offline_counts: OfflineCounts,
}

/// The register's own: its payloads and `ShiftBook` counters.
fn register_offline_counts(
    kkm_id: u32,
    id: i64,
    payload: &[u8],
    counters: &[u8],
) -> Result<Vec<u8>, StoreError> {
    crate::register::offline_counters(kkm_id, id, payload, counters)
        .map_err(|e| StoreError::Malformed(e.to_string()))
}

impl StoreJournal {
    /// The journal of `kkm_id` in `store`, whose documents and counters are the
    /// register's.
    pub fn new(store: Arc<Store>, kkm_id: u32) -> Self {
        StoreJournal {
            store,
            kkm_id,
            offline_counts: register_offline_counts,
        }
    }

    /// Replaces how a document that goes autonomous after its online attempt moves to
    /// the offline counts (for a journal whose payloads and counters are not the
    /// register's: tools and tests).
    pub fn with_offline_counts(mut self, offline_counts: OfflineCounts) -> Self {
        self.offline_counts = offline_counts;
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Runs `f`, a commit (an fsync), off the async worker: the engine calls its
    /// journal from async code. Reads run inline.
    fn with<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        off_worker(|| f(&self.store))
    }
}

fn doc_id(id: u64) -> Result<i64, StoreError> {
    i64::try_from(id).map_err(|_| StoreError::Malformed(format!("document id {id} out of range")))
}

impl OfdJournal for StoreJournal {
    type Error = StoreError;

    fn credentials(&self) -> Result<Credentials, StoreError> {
        let state = self.store.sync_state(self.kkm_id)?;
        Ok(Credentials {
            kkm_id: self.kkm_id,
            token: state.token,
            reqnum: state.reqnum,
        })
    }

    fn reserve_reqnum(&self, document: Option<u64>) -> Result<u16, StoreError> {
        let document = document.map(doc_id).transpose()?;
        self.with(|s| s.reserve_reqnum(self.kkm_id, document))
    }

    fn save_token(&self, token: u32) -> Result<(), StoreError> {
        self.with(|s| s.save_token(self.kkm_id, token))
    }

    fn queue_front(&self) -> Result<Option<QueuedDocument>, StoreError> {
        let Some(row) = self.store.queue_front(self.kkm_id)? else {
            return Ok(None);
        };
        let request = Request::decode(row.request.as_slice()).map_err(|e| {
            StoreError::Malformed(format!(
                "queued document {}: request does not decode: {e}",
                row.id
            ))
        })?;
        Ok(Some(QueuedDocument {
            id: u64::try_from(row.id)
                .map_err(|_| StoreError::Malformed(format!("document id {}", row.id)))?,
            request,
            offline_number: row.offline_number.unwrap_or(0),
            reqnum: row.reqnum,
        }))
    }

    fn queue_len(&self) -> Result<u64, StoreError> {
        self.store.queue_len(self.kkm_id)
    }

    fn complete(&self, id: u64, answer: &Response, replayable: bool) -> Result<(), StoreError> {
        let ticket = answer.ticket.as_ref();
        let sign = ticket.map(|t| t.ticket_number.as_str());
        let qr = ticket
            .and_then(|t| t.qr_code.as_deref())
            .map(String::from_utf8_lossy)
            .filter(|q| !q.trim().is_empty());
        // An answer the OFD would replay is not fsynced on its own: the next document's
        // commit (or any REQNUM's) syncs it; see `OfdJournal::complete`.
        let durability = if replayable {
            Durability::Deferred
        } else {
            Durability::Synced
        };
        self.with(|s| {
            s.complete_with(
                doc_id(id)?,
                sign,
                qr.as_deref(),
                &answer.encode_to_vec(),
                durability,
            )
        })
    }

    fn block(&self, blocked: &BlockedBy) -> Result<(), StoreError> {
        let document = blocked.document.map(doc_id).transpose()?;
        self.with(|s| s.block(self.kkm_id, document, blocked.code, &blocked.text))
    }

    fn blocked(&self) -> Result<Option<BlockedBy>, StoreError> {
        let state = self.store.sync_state(self.kkm_id)?;
        Ok(state.blocked.map(|(document, code, text)| BlockedBy {
            document: document.and_then(|d| u64::try_from(d).ok()),
            code,
            text,
        }))
    }

    fn unblock(&self, drop_document: Option<u64>) -> Result<(), StoreError> {
        let document = drop_document.map(doc_id).transpose()?;
        self.with(|s| s.unblock(self.kkm_id, document))
    }

    fn autonomous_since(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.store.sync_state(self.kkm_id)?.autonomous_since)
    }

    fn go_autonomous(&self, since: i64, unanswered: Option<u64>) -> Result<(), StoreError> {
        let kkm_id = self.kkm_id;
        let Some(id) = unanswered.map(doc_id).transpose()? else {
            return self.with(|s| s.go_autonomous(kkm_id, since, None).map(drop));
        };
        // The document moves to the offline counts inside the store's transaction, from
        // the counters stored with it (the register holds the same book meanwhile: the
        // sale that made the document is waiting for this attempt).
        let offline_counts = self.offline_counts;
        let recount =
            |payload: &[u8], counters: &[u8]| offline_counts(kkm_id, id, payload, counters);
        self.with(|s| {
            s.go_autonomous(kkm_id, since, Some((id, &recount)))
                .map(drop)
        })
    }

    fn leave_autonomy(&self, now: i64) -> Result<(), StoreError> {
        self.with(|s| s.set_autonomous_since(self.kkm_id, None, now))
    }

    fn token_refused(&self) -> Result<bool, StoreError> {
        Ok(self.store.sync_state(self.kkm_id)?.token_refused)
    }

    fn set_token_refused(&self) -> Result<(), StoreError> {
        self.with(|s| s.set_token_refused(self.kkm_id, true))
    }
}
