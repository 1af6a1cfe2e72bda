//! The walk over journal records, for one KKM or for all of them in one pass.
//!
//! Rows are read in id order on the caller's thread (the SQLite connection is not
//! shared); their hashes and MACs are recomputed on a second thread. That split is
//! exact because every link of a chain is checked against the *stored* hash of its
//! predecessor: where the sequential walk would stop at the first record whose hash
//! differs, every earlier stored hash equals the recomputed one, so each record's
//! check needs nothing from the records before it but what is on disk. Each KKM's
//! result is its first failure in id order, and within one record the first in the
//! order the checks were always made (`Rank`), whichever thread found it.
//!
//! Verifying all KKMs reads the table once in rowid order (sequential pages) instead
//! of one index walk per KKM with a table lookup per row.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::mpsc;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row};

use super::split::{last_below, split_point, Before};
use super::{answer_digest, tampered, Facts, V1Digest};
use crate::chain::ChainKey;
use crate::cipher::ReaderSpec;
use crate::journal::{
    document_mac, record_hash, shift_seed, shift_step, DocumentKind, NewDocument, ZERO_HASH,
};
use crate::StoreError;

/// The columns read, `kkm_id` first.
const COLUMNS: &str = "kkm_id, id, kind, operator_id, at, total, shift_number, offline_number,
    payload, hash, shift_digest, z_checksum, request, idempotency_key,
    idempotency_fingerprint, shift_document, offline, parent, counters_digest, fiscal_sign,
    qr_code, answer";

/// Jobs per batch handed to the hashing thread.
const BATCH: usize = 512;

/// The order of the checks made on one record: a record's failure is its lowest rank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// A column's type or size, before anything is hashed.
    Column = 0,
    /// The record's hash or MAC.
    Hash = 1,
    /// Its autonomous mark against the facts.
    Mark = 2,
    /// Its fiscal sign, QR and answer against the OFD's answer fact.
    Answer = 3,
    /// A Z-report's checksum of its shift.
    ZChecksum = 4,
    /// The running shift digest.
    Shift = 5,
}

/// The first failure found in a KKM's records.
#[derive(Clone, Debug)]
struct Failure {
    record: i64,
    rank: Rank,
    reason: String,
}

impl Failure {
    fn key(&self) -> (i64, Rank) {
        (self.record, self.rank)
    }
}

fn earliest(a: Option<Failure>, b: Option<Failure>) -> Option<Failure> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.key() < a.key() { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// What the walk found in one KKM's records.
pub(super) struct Documents {
    pub records: u64,
    pub closed_shifts: u64,
    pub last_hash: Option<[u8; 32]>,
    /// The counters digest of the last record, if it is a keyed one.
    pub last_counters: Option<[u8; 32]>,
    pub last_v1_id: i64,
    pub v1_count: i64,
    pub v1_digest: [u8; 32],
}

/// One KKM to walk: with its facts (a keyed journal) or without (every record is
/// version 1: the upgrade's walk).
pub(super) struct Target<'f> {
    pub kkm_id: u32,
    pub facts: Option<&'f Facts>,
}

/// The state of one KKM's walk on the reading thread.
struct Walk<'f> {
    kkm_id: u32,
    facts: Option<&'f Facts>,
    v1_last: i64,
    /// The stored hash of the last record read.
    prev: [u8; 32],
    /// The shift of the last record read and its stored running digest.
    shift: Option<(u32, [u8; 32])>,
    out: Documents,
    v1: V1Digest,
    /// How far the facts' document heads have been matched.
    heads: usize,
    matched_answers: usize,
    matched_offline: usize,
    failed: Option<Failure>,
    /// The walk of the second half of a split table: the stored hashes of its records,
    /// to be matched against the facts' heads after the first half's.
    collected: Option<Vec<[u8; 32]>>,
}

impl<'f> Walk<'f> {
    fn new(target: &Target<'f>) -> Self {
        let mut walk = Walk {
            kkm_id: target.kkm_id,
            facts: target.facts,
            v1_last: target
                .facts
                .and_then(|f| f.genesis.as_ref())
                .map_or(i64::MAX, |g| g.v1_last),
            prev: ZERO_HASH,
            shift: None,
            out: Documents {
                records: 0,
                closed_shifts: 0,
                last_hash: None,
                last_counters: None,
                last_v1_id: 0,
                v1_count: 0,
                v1_digest: [0; 32],
            },
            v1: V1Digest::new(),
            heads: 0,
            matched_answers: 0,
            matched_offline: 0,
            failed: None,
            collected: None,
        };
        walk.advance_heads(&ZERO_HASH);
        walk
    }

    /// The walk of a KKM's records from the split point on, after `before` (its last
    /// record below the split, if any).
    fn continuing(target: &Target<'f>, before: Option<Before>) -> Self {
        let mut walk = Walk::new(target);
        walk.heads = 0;
        walk.collected = Some(Vec::new());
        if let Some(b) = before {
            walk.prev = b.hash;
            walk.shift = b.shift;
        }
        walk
    }

    /// Adds the second half's walk of the same KKM to this one (the first half's).
    fn join(&mut self, second: Walk<'f>) {
        self.failed = earliest(self.failed.take(), second.failed);
        if second.out.records > 0 {
            self.prev = second.prev;
            self.shift = second.shift;
            self.out.last_counters = second.out.last_counters.or(self.out.last_counters);
        }
        self.out.records += second.out.records;
        self.out.closed_shifts += second.out.closed_shifts;
        self.matched_answers += second.matched_answers;
        self.matched_offline += second.matched_offline;
        for head in second.collected.unwrap_or_default() {
            self.advance_heads(&head);
        }
    }

    fn advance_heads(&mut self, head: &[u8; 32]) {
        if let Some(collected) = self.collected.as_mut() {
            collected.push(*head);
            return;
        }
        if let Some(facts) = self.facts {
            while facts.heads.get(self.heads).is_some_and(|(_, h)| h == head) {
                self.heads += 1;
            }
        }
    }

    /// The end checks, once every record was read and hashed without a failure.
    fn finish(mut self, conn: &Connection) -> Result<Documents, StoreError> {
        let kkm_id = self.kkm_id;
        self.out.last_hash = (self.out.records > 0).then_some(self.prev);
        self.out.v1_digest = self.v1.finish();
        if let Some(facts) = self.facts {
            if let Some((fact, _)) = facts.heads.get(self.heads) {
                return Err(tampered(
                    kkm_id,
                    0,
                    format!("fact {fact} was written after documents that are not in the journal (records removed or reordered?)"),
                ));
            }
            if self.matched_answers != facts.answers.len()
                || self.matched_offline != facts.offline.len()
            {
                let missing = facts
                    .answers
                    .keys()
                    .chain(facts.offline.iter())
                    .copied()
                    .find(|id| !row_exists(conn, kkm_id, *id).unwrap_or(false))
                    .unwrap_or(0);
                return Err(tampered(
                    kkm_id,
                    missing,
                    "the OFD answered a record that is not in the journal (removed?)",
                ));
            }
        }
        Ok(self.out)
    }
}

fn row_exists(conn: &Connection, kkm_id: u32, id: i64) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM journal WHERE kkm_id = ?1 AND id = ?2")?
        .exists(rusqlite::params![kkm_id, id])?)
}

/// The OFD's answer a record must carry.
struct AnswerCheck {
    expected: [u8; 32],
    fact: i64,
    sign: Option<Range<usize>>,
    qr: Option<Range<usize>>,
    answer: Option<Range<usize>>,
}

/// One record's hashing, with its variable columns in the batch's buffer.
struct Job {
    slot: usize,
    id: i64,
    kkm_id: u32,
    kind: DocumentKind,
    operator_id: u32,
    at: i64,
    total: i64,
    shift_number: u32,
    offline_number: Option<u32>,
    shift_document: u32,
    /// The autonomous mark as the hash covers it.
    offline: bool,
    payload: Range<usize>,
    request: Option<Range<usize>>,
    idempotency_key: Option<Range<usize>>,
    fingerprint: Option<Range<usize>>,
    parent: Option<Range<usize>>,
    prev: [u8; 32],
    stored: [u8; 32],
    /// `None`: a version-1 record (plain SHA-256).
    counters: Option<[u8; 32]>,
    answer: Option<AnswerCheck>,
    shift_before: [u8; 32],
    /// `None` when the stored digest is not 32 bytes (it then matches nothing).
    stored_shift: Option<[u8; 32]>,
}

#[derive(Default)]
struct Batch {
    buf: Vec<u8>,
    jobs: Vec<Job>,
}

impl Batch {
    fn put(&mut self, bytes: &[u8]) -> Range<usize> {
        let start = self.buf.len();
        self.buf.extend_from_slice(bytes);
        start..self.buf.len()
    }

    fn put_opt(&mut self, bytes: Option<&[u8]>) -> Option<Range<usize>> {
        bytes.map(|b| self.put(b))
    }
}

fn slice<'b>(buf: &'b [u8], range: &Option<Range<usize>>) -> Option<&'b [u8]> {
    range.as_ref().map(|r| &buf[r.clone()])
}

fn text<'b>(buf: &'b [u8], range: &Option<Range<usize>>) -> Result<Option<&'b str>, String> {
    slice(buf, range)
        .map(std::str::from_utf8)
        .transpose()
        .map_err(|e| format!("a text column is not UTF-8: {e}"))
}

/// Checks one record's hash, answer and shift digest; the first failure, if any.
fn check(key: Option<&ChainKey>, buf: &[u8], job: &Job) -> Option<Failure> {
    let fail = |rank, reason: String| {
        Some(Failure {
            record: job.id,
            rank,
            reason,
        })
    };
    let (key_text, parent) = match (text(buf, &job.idempotency_key), text(buf, &job.parent)) {
        (Ok(k), Ok(p)) => (k, p),
        (Err(e), _) | (_, Err(e)) => return fail(Rank::Column, e),
    };
    let doc = NewDocument {
        kkm_id: job.kkm_id,
        kind: job.kind,
        operator_id: job.operator_id,
        at: job.at,
        total: job.total,
        shift_number: job.shift_number,
        offline_number: job.offline_number,
        payload: &buf[job.payload.clone()],
        request: slice(buf, &job.request),
        idempotency_key: key_text,
        idempotency_fingerprint: slice(buf, &job.fingerprint),
        shift_document: job.shift_document,
        offline: job.offline,
        parent,
    };
    let hash = match (job.counters, key) {
        (None, _) => record_hash(&job.prev, &doc),
        (Some(counters), Some(key)) => document_mac(key, &job.prev, job.id, &doc, &counters),
        (Some(_), None) => {
            return fail(Rank::Column, "a keyed record in a version-1 journal".into())
        }
    };
    if hash != job.stored {
        return fail(
            Rank::Hash,
            "its content or its predecessor changed (hash mismatch)".into(),
        );
    }
    if let (Some(check), Some(key)) = (&job.answer, key) {
        let sign = text(buf, &check.sign);
        let qr = text(buf, &check.qr);
        let same = match (sign, qr) {
            (Ok(sign), Ok(qr)) => {
                answer_digest(key, sign, qr, slice(buf, &check.answer)) == check.expected
            }
            _ => false,
        };
        if !same {
            return fail(
                Rank::Answer,
                format!(
                    "its fiscal sign, QR or answer differs from the OFD's answer (fact {})",
                    check.fact
                ),
            );
        }
    }
    if job.stored_shift != Some(shift_step(&job.shift_before, &hash)) {
        return fail(Rank::Shift, "running shift digest mismatch".into());
    }
    None
}

/// The hashing thread: each KKM's first failure (jobs of one KKM come in id order).
fn hash_batches(
    key: Option<&ChainKey>,
    batches: mpsc::Receiver<Batch>,
    slots: usize,
) -> Vec<Option<Failure>> {
    let mut first: Vec<Option<Failure>> = vec![None; slots];
    for batch in batches {
        hash_batch(key, &batch, &mut first);
    }
    first
}

fn hash_batch(key: Option<&ChainKey>, batch: &Batch, first: &mut [Option<Failure>]) {
    for job in &batch.jobs {
        if first[job.slot].is_none() {
            first[job.slot] = check(key, &batch.buf, job);
        }
    }
}

/// How the records are read.
#[derive(Clone, Copy)]
pub(super) enum Scan<'a> {
    /// One KKM through the `(kkm_id, id)` index; with a way to open a second
    /// connection, a long one is read in two halves at once.
    Index(Option<&'a ReaderSpec>),
    /// The whole table in rowid order, the rows of KKMs not walked skipped; with a way
    /// to open a second connection, a long table is read in two halves at once.
    Table(Option<&'a ReaderSpec>),
}

/// Which rows of the table a reader takes.
#[derive(Clone, Copy)]
enum Rows {
    /// The one target's, through its index.
    Index,
    /// All of them.
    All,
    /// Those with ids below the split point (of one KKM, through its index).
    Below(i64, Option<u32>),
    /// Those from the split point on (of one KKM, through its index).
    From(i64, Option<u32>),
}

/// Walks the records of `targets` and returns each one's outcome, in the order given.
/// An error of the store itself (not a tampered record) ends the walk.
///
/// One reader feeds a hashing thread; a table split in two is read by two threads,
/// each hashing what it reads: the second half starts each KKM from its last stored
/// record below the split, and its hashes are matched against the facts' heads after
/// the first half's.
pub(super) fn walk(
    conn: &Connection,
    key: Option<&ChainKey>,
    targets: &[Target<'_>],
    scan: Scan<'_>,
) -> Result<Vec<Result<Documents, StoreError>>, StoreError> {
    let mut walks: Vec<Walk<'_>> = targets.iter().map(Walk::new).collect();
    let slots: HashMap<u32, usize> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| (t.kkm_id, i))
        .collect();
    let split = match (scan, targets) {
        (Scan::Table(Some(second)), _) => {
            split_point(conn, targets, None)?.map(|at| (at, None, second))
        }
        (Scan::Index(Some(second)), [one]) => {
            split_point(conn, targets, Some(one.kkm_id))?.map(|at| (at, Some(one.kkm_id), second))
        }
        _ => None,
    }
    // A second connection that does not open only costs the split: one reader walks it
    // all, as for a short table.
    .and_then(|(at, one, second)| second.open().ok().map(|other| (at, one, other)));
    let hashed = match (scan, split) {
        (_, Some((at, one, other_conn))) => {
            let mut rest: Vec<Walk<'_>> = Vec::with_capacity(targets.len());
            for t in targets {
                rest.push(Walk::continuing(t, last_below(conn, t.kkm_id, at)?));
            }
            let (rest_walks, slots_ref) = (&mut rest, &slots);
            let hashed = std::thread::scope(|scope| -> Result<_, StoreError> {
                let other = scope.spawn(move || -> Result<_, StoreError> {
                    read_hashing(&other_conn, key, Rows::From(at, one), slots_ref, rest_walks)
                });
                let first = read_hashing(conn, key, Rows::Below(at, one), &slots, &mut walks);
                let other = other
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                Ok((first?, other?))
            })?;
            for (walk, second) in walks.iter_mut().zip(rest) {
                walk.join(second);
            }
            hashed
                .0
                .into_iter()
                .zip(hashed.1)
                .map(|(a, b)| earliest(a, b))
                .collect()
        }
        (scan, None) => {
            let rows = match scan {
                Scan::Index(_) => Rows::Index,
                Scan::Table(_) => Rows::All,
            };
            std::thread::scope(|scope| -> Result<Vec<Option<Failure>>, StoreError> {
                let (send, receive) = mpsc::sync_channel::<Batch>(4);
                let worker = scope.spawn(move || hash_batches(key, receive, targets.len()));
                let read = read_rows(conn, key, targets, rows, &slots, &mut walks, &mut |batch| {
                    send.send(batch).is_ok()
                });
                drop(send);
                let hashed = worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                read.map(|()| hashed)
            })?
        }
    };
    let mut results = Vec::with_capacity(walks.len());
    for (mut walk, hashed) in walks.into_iter().zip(hashed) {
        let kkm_id = walk.kkm_id;
        results.push(match earliest(walk.failed.take(), hashed) {
            Some(f) => Err(tampered(kkm_id, f.record, f.reason)),
            None => walk.finish(conn),
        });
    }
    Ok(results)
}

/// Reads `rows` and hashes them on the same thread; each KKM's first hashing failure.
fn read_hashing(
    conn: &Connection,
    key: Option<&ChainKey>,
    rows: Rows,
    slots: &HashMap<u32, usize>,
    walks: &mut [Walk<'_>],
) -> Result<Vec<Option<Failure>>, StoreError> {
    let mut first: Vec<Option<Failure>> = vec![None; walks.len()];
    read_rows(conn, key, &[], rows, slots, walks, &mut |batch| {
        hash_batch(key, &batch, &mut first);
        true
    })?;
    Ok(first)
}

/// Reads `rows` in id order, hands each full batch of jobs to `sink` (which says
/// whether to go on).
fn read_rows(
    conn: &Connection,
    key: Option<&ChainKey>,
    targets: &[Target<'_>],
    rows: Rows,
    slots: &HashMap<u32, usize>,
    walks: &mut [Walk<'_>],
    sink: &mut dyn FnMut(Batch) -> bool,
) -> Result<(), StoreError> {
    let mut stmt;
    let mut rows = match (rows, targets) {
        (Rows::Index, [one]) => {
            stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM journal WHERE kkm_id = ?1 ORDER BY id"
            ))?;
            stmt.query([one.kkm_id])?
        }
        (Rows::Below(at, None), _) => {
            stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM journal WHERE id < ?1 ORDER BY id"
            ))?;
            stmt.query([at])?
        }
        (Rows::From(at, None), _) => {
            stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM journal WHERE id >= ?1 ORDER BY id"
            ))?;
            stmt.query([at])?
        }
        (Rows::Below(at, Some(kkm_id)), _) => {
            stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM journal WHERE kkm_id = ?1 AND id < ?2 ORDER BY id"
            ))?;
            stmt.query(rusqlite::params![kkm_id, at])?
        }
        (Rows::From(at, Some(kkm_id)), _) => {
            stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM journal WHERE kkm_id = ?1 AND id >= ?2 ORDER BY id"
            ))?;
            stmt.query(rusqlite::params![kkm_id, at])?
        }
        _ => {
            stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM journal ORDER BY id"))?;
            stmt.query([])?
        }
    };
    let mut batch = Batch::default();
    let mut last: Option<(i64, usize)> = None;
    while let Some(row) = rows.next()? {
        let owner = match row.get_ref(0)? {
            ValueRef::Integer(k) => k,
            _ => continue,
        };
        let slot = match last {
            Some((k, slot)) if k == owner => slot,
            _ => match u32::try_from(owner).ok().and_then(|k| slots.get(&k)) {
                Some(&slot) => {
                    last = Some((owner, slot));
                    slot
                }
                None => continue,
            },
        };
        let walk = &mut walks[slot];
        if walk.failed.is_some() {
            continue;
        }
        if let Err(failure) = read_row(key, walk, slot, row, &mut batch) {
            walk.failed = Some(failure);
        }
        if batch.jobs.len() >= BATCH && !sink(std::mem::take(&mut batch)) {
            break;
        }
    }
    if !batch.jobs.is_empty() {
        sink(batch);
    }
    Ok(())
}

/// One row of `walk`'s KKM: its job queued in `batch` and the checks that need the
/// walk's state made; its first failure, if any.
fn read_row(
    key: Option<&ChainKey>,
    walk: &mut Walk<'_>,
    slot: usize,
    row: &Row<'_>,
    batch: &mut Batch,
) -> Result<(), Failure> {
    let id: i64 = match row.get_ref(1) {
        Ok(ValueRef::Integer(id)) => id,
        _ => 0,
    };
    let fail = |rank: Rank, reason: String| Failure {
        record: id,
        rank,
        reason,
    };
    let column = |reason: String| fail(Rank::Column, reason);
    let typed =
        |e: rusqlite::Error| column(format!("record {id}: a column has the wrong type: {e}"));
    let bad =
        |e: rusqlite::types::FromSqlError| column(format!("a column has the wrong type: {e}"));
    let raw = |i: usize| row.get_ref(i).map_err(typed);
    let blob = |i: usize| raw(i)?.as_blob_or_null().map_err(bad);
    let string = |i: usize| raw(i)?.as_str_or_null().map_err(bad);

    let kind_code: u8 = row.get(2).map_err(typed)?;
    let kind = DocumentKind::from_code(i64::from(kind_code))
        .ok_or_else(|| column(format!("unknown document kind {kind_code}")))?;
    let offline_column = match row.get::<_, i64>(16).map_err(typed)? {
        0 => false,
        1 => true,
        other => {
            return Err(column(format!(
                "autonomous mark {other} is neither 0 nor 1"
            )))
        }
    };
    let facts = walk.facts;
    let in_offline = facts.is_some_and(|f| f.offline.contains(&id));
    let doc = NewDocument {
        kkm_id: walk.kkm_id,
        kind,
        operator_id: row.get(3).map_err(typed)?,
        at: row.get(4).map_err(typed)?,
        total: row.get(5).map_err(typed)?,
        shift_number: row.get(6).map_err(typed)?,
        offline_number: row.get(7).map_err(typed)?,
        payload: raw(8)?.as_blob().map_err(bad)?,
        request: blob(12)?,
        idempotency_key: string(13)?,
        idempotency_fingerprint: blob(14)?,
        shift_document: row.get(15).map_err(typed)?,
        offline: offline_column && !in_offline,
        parent: string(17)?,
    };
    let stored: [u8; 32] = raw(9)?
        .as_blob()
        .map_err(bad)?
        .try_into()
        .map_err(|_| column("hash is not 32 bytes".into()))?;
    let legacy = id <= walk.v1_last;
    let counters = if legacy {
        walk.v1.add(id, &doc);
        walk.out.v1_count += 1;
        walk.out.last_v1_id = id;
        None
    } else {
        if key.is_none() {
            return Err(column("a keyed record in a version-1 journal".into()));
        }
        let counters: [u8; 32] = blob(18)?
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| column("a keyed record without its counters digest".into()))?;
        walk.out.last_counters = Some(counters);
        Some(counters)
    };
    let before = match walk.shift {
        Some((n, d)) if n == doc.shift_number => d,
        _ => shift_seed(walk.kkm_id, doc.shift_number),
    };
    let stored_shift = raw(10)?.as_blob().map(|b| <[u8; 32]>::try_from(b).ok());
    let mut job = Job {
        slot,
        id,
        kkm_id: walk.kkm_id,
        kind,
        operator_id: doc.operator_id,
        at: doc.at,
        total: doc.total,
        shift_number: doc.shift_number,
        offline_number: doc.offline_number,
        shift_document: doc.shift_document,
        offline: doc.offline,
        payload: batch.put(doc.payload),
        request: batch.put_opt(doc.request),
        idempotency_key: batch.put_opt(doc.idempotency_key.map(str::as_bytes)),
        fingerprint: batch.put_opt(doc.idempotency_fingerprint),
        parent: batch.put_opt(doc.parent.map(str::as_bytes)),
        prev: walk.prev,
        stored,
        counters,
        answer: None,
        shift_before: before,
        stored_shift: stored_shift.as_ref().ok().copied().flatten(),
    };
    // The checks after the hash: the job goes to the hashing thread whatever they
    // find, so that a hash mismatch of this record is still the one reported.
    let after = (|| -> Result<(), Failure> {
        if let Some(facts) = facts {
            if in_offline {
                walk.matched_offline += 1;
                if !offline_column {
                    return Err(fail(Rank::Mark, "its autonomous mark was removed".into()));
                }
            } else if legacy && offline_column {
                return Err(fail(
                    Rank::Mark,
                    "an autonomous mark no fact records".into(),
                ));
            }
            let answer_type = |e: rusqlite::types::FromSqlError| {
                fail(Rank::Answer, format!("a column has the wrong type: {e}"))
            };
            let sign = raw(19)?.as_str_or_null().map_err(answer_type)?;
            let qr = raw(20)?.as_str_or_null().map_err(answer_type)?;
            let answer = raw(21)?.as_blob_or_null().map_err(answer_type)?;
            match facts.answers.get(&id) {
                Some((digest, fact)) => {
                    walk.matched_answers += 1;
                    job.answer = Some(AnswerCheck {
                        expected: *digest,
                        fact: *fact,
                        sign: batch.put_opt(sign.map(str::as_bytes)),
                        qr: batch.put_opt(qr.map(str::as_bytes)),
                        answer: batch.put_opt(answer),
                    });
                }
                None if sign.is_some() || qr.is_some() || answer.is_some() => {
                    return Err(fail(
                        Rank::Answer,
                        "a fiscal sign, QR or answer no fact records".into(),
                    ));
                }
                None => {}
            }
        }
        let z = raw(11)?
            .as_blob_or_null()
            .map_err(|e| fail(Rank::ZChecksum, format!("a column has the wrong type: {e}")))?;
        if kind == DocumentKind::ZReport {
            if z != Some(&before[..]) {
                return Err(fail(
                    Rank::ZChecksum,
                    format!(
                        "Z-report checksum of shift {} does not match its records",
                        doc.shift_number
                    ),
                ));
            }
            walk.out.closed_shifts += 1;
        } else if z.is_some() {
            return Err(fail(
                Rank::ZChecksum,
                "a Z-report checksum on a record that is no Z-report".into(),
            ));
        }
        if let Err(e) = &stored_shift {
            return Err(fail(
                Rank::Shift,
                format!("a column has the wrong type: {e}"),
            ));
        }
        Ok(())
    })();
    let next_shift = job.stored_shift.unwrap_or(ZERO_HASH);
    batch.jobs.push(job);
    after?;
    walk.shift = (kind != DocumentKind::ZReport).then_some((doc.shift_number, next_shift));
    walk.prev = stored;
    walk.out.records += 1;
    walk.advance_heads(&stored);
    Ok(())
}
