//! The offline queue and the per-KKM sync state: what the OFD sync engine persists
//! (the register adapts it to `kkm_ofd::OfdJournal`).

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::chain::{Fact, FactKind};
use crate::facts::KkmChain;
use crate::{Store, StoreError};

/// How soon a commit must be on disk when the call returns.
///
/// The store runs SQLite in WAL mode with `synchronous=FULL`: every commit is an fsync of
/// the WAL. A commit whose loss a restart repairs by itself may skip it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// Fsynced before the call returns (documents, counters, REQNUMs, tokens, blocks).
    Synced,
    /// Written to the WAL without an fsync (`synchronous=NORMAL` for this commit): a
    /// killed process keeps it (it is in the OS's page cache); a power cut may drop it,
    /// and then only with the commits after it up to the next synced one — the WAL is
    /// one file written in order, so the next synced commit (every document and every
    /// REQNUM is one) makes it durable too. SQLite's atomicity still holds: it is lost
    /// whole or kept whole.
    Deferred,
}

/// Runs `f` (one transaction on `conn`) with `durability`; the connection is back to
/// `synchronous=FULL` afterwards, whatever `f` returned.
pub(crate) fn with_durability<R>(
    conn: &mut Connection,
    durability: Durability,
    f: impl FnOnce(&mut Connection) -> Result<R, StoreError>,
) -> Result<R, StoreError> {
    if durability == Durability::Synced {
        return f(conn);
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let outcome = f(conn);
    // Outside any transaction (`f`'s was committed or rolled back when it returned).
    conn.pragma_update(None, "synchronous", "FULL")?;
    outcome
}

/// A queued document as the sync engine needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedRow {
    /// Journal id (FIFO order is id order).
    pub id: i64,
    /// The encoded CPCR request.
    pub request: Vec<u8>,
    /// The offline number it was printed with.
    pub offline_number: Option<u32>,
    /// The REQNUM reserved at its first attempt.
    pub reqnum: Option<u16>,
}

/// The persisted sync state of one KKM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncState {
    /// OFD token.
    pub token: u32,
    /// Last REQNUM used.
    pub reqnum: u16,
    /// Start of the autonomous period.
    pub autonomous_since: Option<i64>,
    /// The block in force: (document, OFD code, text).
    pub blocked: Option<(Option<i64>, u32, String)>,
    /// Local state: 0 OK, 1 ValuesConflict (journal does not verify).
    pub local_state: u8,
    /// Why the local state is not OK.
    pub state_reason: Option<String>,
    /// When the last autonomous period ended (`offline_end_date`).
    pub autonomous_until: Option<i64>,
    /// The OFD refused the current token.
    pub token_refused: bool,
}

/// Makes a KKM's counters blob with a document moved to the offline counts, from the
/// document's payload and the stored blob ([`Store::go_autonomous`]); the store knows no
/// counters of its own.
pub type Recount<'a> = &'a dyn Fn(&[u8], &[u8]) -> Result<Vec<u8>, StoreError>;

/// Gives the queue head its REQNUM if it has none yet, in the caller's transaction.
///
/// The head is always the next message to the OFD (online-only requests wait for an
/// empty queue), so reserving its REQNUM when it becomes the head — in the commit that
/// appends it or completes its predecessor — keeps REQNUMs in sending order and saves
/// the sync engine a commit (an fsync) per document.
pub(crate) fn reserve_for_head(tx: &Transaction<'_>, kkm_id: u32) -> Result<(), StoreError> {
    let head: Option<(i64, Option<u16>)> = tx
        .prepare_cached(
            "SELECT doc_id, reqnum FROM queue WHERE kkm_id = ?1 ORDER BY doc_id LIMIT 1",
        )?
        .query_row([kkm_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((doc, None)) = head {
        tx.prepare_cached("UPDATE kkm SET reqnum = (reqnum + 1) % 65536 WHERE kkm_id = ?1")?
            .execute([kkm_id])?;
        tx.prepare_cached(
            "UPDATE queue SET reqnum = (SELECT reqnum FROM kkm WHERE kkm_id = ?2) WHERE doc_id = ?1",
        )?
        .execute(params![doc, kkm_id])?;
    }
    Ok(())
}

/// Stores `sealed` as the KKM's token, with its fact, in the caller's transaction.
pub(crate) fn save_token_in(
    tx: &Transaction<'_>,
    key: &crate::chain::ChainKey,
    kkm_id: u32,
    sealed: Vec<u8>,
) -> Result<(), StoreError> {
    let mut chain = KkmChain::read(tx, kkm_id)?;
    chain.token = sealed;
    chain.add_fact(
        tx,
        key,
        Fact {
            kind: FactKind::Token as u8,
            token: Some(chain.token.clone()),
            ..Fact::default()
        },
    )?;
    chain.write(tx, key, None)?;
    tx.execute(
        "UPDATE kkm SET token_refused = 0 WHERE kkm_id = ?1",
        [kkm_id],
    )?;
    Ok(())
}

/// Starts (`Some`) or ends (`None`) the autonomous period in the caller's
/// transaction; a change is a chained fact.
pub(crate) fn set_autonomous_in(
    tx: &Transaction<'_>,
    key: &crate::chain::ChainKey,
    kkm_id: u32,
    since: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    let mut chain = KkmChain::read(tx, kkm_id)?;
    let (new_since, new_until) = match since {
        Some(since) => (Some(since), chain.until),
        None if chain.since.is_some() => (None, Some(now)),
        None => (None, chain.until),
    };
    if (new_since, new_until) == (chain.since, chain.until) {
        return Ok(());
    }
    chain.since = new_since;
    chain.until = new_until;
    chain.add_fact(
        tx,
        key,
        Fact {
            kind: FactKind::Autonomy as u8,
            since: new_since,
            until: new_until,
            ..Fact::default()
        },
    )?;
    chain.write(tx, key, None)
}

impl Store {
    /// The KKM's sync state.
    pub fn sync_state(&self, kkm_id: u32) -> Result<SyncState, StoreError> {
        let (sealed, state) = {
            let conn = self.conn();
            conn.query_row(
                "SELECT token, reqnum, autonomous_since, blocked_doc, blocked_code, blocked_text,
                        local_state, state_reason, autonomous_until, token_refused
                 FROM kkm WHERE kkm_id = ?1",
                [kkm_id],
                |row| {
                    let code: Option<u32> = row.get(4)?;
                    let text: Option<String> = row.get(5)?;
                    let sealed: Vec<u8> = row.get(0)?;
                    Ok((
                        sealed,
                        SyncState {
                            token: 0,
                            reqnum: row.get(1)?,
                            autonomous_since: row.get(2)?,
                            blocked: code
                                .map(|c| (row.get(3).ok().flatten(), c, text.unwrap_or_default())),
                            local_state: row.get(6)?,
                            state_reason: row.get(7)?,
                            autonomous_until: row.get(8)?,
                            token_refused: row.get(9)?,
                        },
                    ))
                },
            )
            .optional()?
            .ok_or(StoreError::UnknownKkm(kkm_id))?
        };
        Ok(SyncState {
            token: self.open_token(kkm_id, &sealed)?,
            ..state
        })
    }

    /// Increments and persists REQNUM (wrapping at 65535 → 0) and returns it; with
    /// `document`, records it as that queued document's REQNUM in the same transaction.
    pub fn reserve_reqnum(&self, kkm_id: u32, document: Option<i64>) -> Result<u16, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: Option<u16> = tx
            .query_row("SELECT reqnum FROM kkm WHERE kkm_id = ?1", [kkm_id], |r| {
                r.get(0)
            })
            .optional()?;
        let next = current
            .ok_or(StoreError::UnknownKkm(kkm_id))?
            .wrapping_add(1);
        tx.execute(
            "UPDATE kkm SET reqnum = ?2 WHERE kkm_id = ?1",
            params![kkm_id, next],
        )?;
        if let Some(doc) = document {
            tx.execute(
                "UPDATE queue SET reqnum = ?2 WHERE doc_id = ?1",
                params![doc, next],
            )?;
        }
        tx.commit()?;
        Ok(next)
    }

    /// Persists a new OFD token (issued by the OFD in an answer, or given by an
    /// administrator), recorded as a chained fact. A new token is not a refused one:
    /// the refusal mark is cleared.
    pub fn save_token(&self, kkm_id: u32, token: u32) -> Result<(), StoreError> {
        let sealed = self.seal_token(kkm_id, token)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        save_token_in(&tx, &self.chain, kkm_id, sealed)?;
        tx.commit()?;
        Ok(())
    }

    fn update_kkm(
        &self,
        kkm_id: u32,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        match conn.execute(sql, params)? {
            0 => Err(StoreError::UnknownKkm(kkm_id)),
            _ => Ok(()),
        }
    }

    /// The oldest queued document of the KKM.
    pub fn queue_front(&self, kkm_id: u32) -> Result<Option<QueuedRow>, StoreError> {
        let conn = self.conn();
        let row = conn
            .query_row(
                "SELECT q.doc_id, j.request, j.offline_number, q.reqnum
                 FROM queue q JOIN journal j ON j.id = q.doc_id
                 WHERE q.kkm_id = ?1 ORDER BY q.doc_id LIMIT 1",
                [kkm_id],
                |row| {
                    Ok(QueuedRow {
                        id: row.get(0)?,
                        request: row.get::<_, Option<Vec<u8>>>(1)?.unwrap_or_default(),
                        offline_number: row.get(2)?,
                        reqnum: row.get(3)?,
                    })
                },
            )
            .optional()?;
        Ok(row)
    }

    /// Number of queued documents of the KKM.
    pub fn queue_len(&self, kkm_id: u32) -> Result<u64, StoreError> {
        let conn = self.conn();
        let n: i64 = conn.query_row(
            "SELECT COUNT(*) FROM queue WHERE kkm_id = ?1",
            [kkm_id],
            |row| row.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The OFD accepted queued document `id`: records its fiscal sign, its QR text and
    /// the encoded answer as a chained fact and on the journal record (the offline
    /// number stays) and removes it from the queue, in one synced transaction.
    pub fn complete(
        &self,
        id: i64,
        fiscal_sign: Option<&str>,
        qr_code: Option<&str>,
        answer: &[u8],
    ) -> Result<(), StoreError> {
        self.complete_with(id, fiscal_sign, qr_code, answer, Durability::Synced)
    }

    /// [`Store::complete`] with the durability the caller's protocol allows: the sync
    /// engine defers the fsync of an answer the OFD would give again to a resend of the
    /// document (same REQNUM, same token), since a power cut that drops it leaves the
    /// document queued with its REQNUM and the resend gets the same answer.
    ///
    /// A completion that gives the next queued document its REQNUM is synced whatever
    /// was asked: a REQNUM is on disk before it is sent, so the OFD never forgets an
    /// answer (it keeps only the last) that the journal may still have to ask for again.
    pub fn complete_with(
        &self,
        id: i64,
        fiscal_sign: Option<&str>,
        qr_code: Option<&str>,
        answer: &[u8],
        durability: Durability,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let others_queued: bool = conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM queue WHERE doc_id != ?1
                     AND kkm_id = (SELECT kkm_id FROM journal WHERE id = ?1))",
            )?
            .query_row([id], |r| r.get(0))?;
        let durability = if others_queued {
            Durability::Synced
        } else {
            durability
        };
        with_durability(&mut conn, durability, |conn| {
            self.complete_in(conn, id, fiscal_sign, qr_code, answer)
        })
    }

    fn complete_in(
        &self,
        conn: &mut Connection,
        id: i64,
        fiscal_sign: Option<&str>,
        qr_code: Option<&str>,
        answer: &[u8],
    ) -> Result<(), StoreError> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let owner: Option<u32> = tx
            .query_row("SELECT kkm_id FROM journal WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        let owner =
            owner.ok_or_else(|| StoreError::Malformed(format!("no journal record {id}")))?;
        tx.execute(
            "UPDATE journal SET fiscal_sign = ?2, answer = ?3, qr_code = ?4 WHERE id = ?1",
            params![id, fiscal_sign, answer, qr_code],
        )?;
        let mut chain = KkmChain::read(&tx, owner)?;
        chain.add_fact(
            &tx,
            &self.chain,
            Fact {
                kind: FactKind::Answer as u8,
                doc_id: Some(id),
                fiscal_sign: fiscal_sign.map(str::to_owned),
                qr_code: qr_code.map(str::to_owned),
                answer: Some(answer.to_vec()),
                ..Fact::default()
            },
        )?;
        chain.write(&tx, &self.chain, None)?;
        let kkm_id: Option<u32> = tx
            .query_row("SELECT kkm_id FROM queue WHERE doc_id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        tx.execute("DELETE FROM queue WHERE doc_id = ?1", [id])?;
        if let Some(kkm_id) = kkm_id {
            reserve_for_head(&tx, kkm_id)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Blocks the KKM because the OFD refused `document` with `code`.
    pub fn block(
        &self,
        kkm_id: u32,
        document: Option<i64>,
        code: u32,
        text: &str,
    ) -> Result<(), StoreError> {
        self.update_kkm(
            kkm_id,
            "UPDATE kkm SET blocked_doc = ?2, blocked_code = ?3, blocked_text = ?4 WHERE kkm_id = ?1",
            params![kkm_id, document, code, text],
        )
    }

    /// Lifts the block; with `drop_document`, also takes that document out of the
    /// queue (its journal record stays, without a fiscal sign).
    pub fn unblock(&self, kkm_id: u32, drop_document: Option<i64>) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE kkm SET blocked_doc = NULL, blocked_code = NULL, blocked_text = NULL
             WHERE kkm_id = ?1",
            [kkm_id],
        )?;
        if let Some(doc) = drop_document {
            tx.execute(
                "DELETE FROM queue WHERE doc_id = ?1 AND kkm_id = ?2",
                params![doc, kkm_id],
            )?;
            reserve_for_head(&tx, kkm_id)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The KKM goes autonomous, in one transaction: the autonomous period starts at
    /// `since` unless one is open, and with `unanswered` — the document whose online
    /// attempt got no answer, and `recount`, which makes the KKM's counters blob with
    /// that document moved to the offline counts from its payload and the stored blob —
    /// the document is marked autonomous with those counters ([`Store::mark_offline`]),
    /// unless it already is. Each change is a chained fact; a crash keeps both or
    /// neither. Returns whether the document was marked now.
    pub fn go_autonomous(
        &self,
        kkm_id: u32,
        since: i64,
        unanswered: Option<(i64, Recount<'_>)>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let open: Option<Option<i64>> = tx
            .query_row(
                "SELECT autonomous_since FROM kkm WHERE kkm_id = ?1",
                [kkm_id],
                |r| r.get(0),
            )
            .optional()?;
        if open.ok_or(StoreError::UnknownKkm(kkm_id))?.is_none() {
            set_autonomous_in(&tx, &self.chain, kkm_id, Some(since), since)?;
        }
        let mut marked = false;
        if let Some((id, recount)) = unanswered {
            let row: Option<(u32, bool, Vec<u8>)> = tx
                .query_row(
                    "SELECT kkm_id, offline, payload FROM journal WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let (owner, offline, payload) =
                row.ok_or_else(|| StoreError::Malformed(format!("no journal record {id}")))?;
            if owner != kkm_id {
                return Err(StoreError::Malformed(format!(
                    "journal record {id} is KKM {owner}'s, not {kkm_id}'s"
                )));
            }
            if !offline {
                let counters: Vec<u8> = tx.query_row(
                    "SELECT counters FROM kkm WHERE kkm_id = ?1",
                    [kkm_id],
                    |r| r.get(0),
                )?;
                let counters = recount(&payload, &counters)?;
                crate::journal::mark_offline_in(&tx, &self.chain, kkm_id, id, &counters)?;
                marked = true;
            }
        }
        tx.commit()?;
        Ok(marked)
    }

    /// Starts (`Some`) or ends (`None`) the autonomous period. Ending it records when
    /// (`now`, device calendar seconds) as the end of the last period.
    pub fn set_autonomous_since(
        &self,
        kkm_id: u32,
        since: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        set_autonomous_in(&tx, &self.chain, kkm_id, since, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Records that the OFD refused the KKM's token (`true`), or that it has a token
    /// the OFD has not refused (`false`).
    pub fn set_token_refused(&self, kkm_id: u32, refused: bool) -> Result<(), StoreError> {
        self.update_kkm(
            kkm_id,
            "UPDATE kkm SET token_refused = ?2 WHERE kkm_id = ?1",
            params![kkm_id, refused],
        )
    }
}
