//! The fiscal journal: append (with counters, idempotency and the queue in one
//! transaction), the hash chain, shift digests and verification.

use rusqlite::{params, OptionalExtension, Row, Transaction, TransactionBehavior};
use sha2::{Digest, Sha256};

use crate::chain::{counters_digest, ChainKey, Fact, FactKind};
use crate::facts::{next_id, KkmChain};
use crate::{Store, StoreError};

kkm_core::code_enum! {
    /// What a journal record is (stored as its code; receipts use the CPCR operation
    /// codes 0–3).
    DocumentKind: u8 {
        /// Receipt, operation BUY.
        Buy = 0,
        /// Receipt, operation BUY_RETURN.
        BuyReturn = 1,
        /// Receipt, operation SELL.
        Sell = 2,
        /// Receipt, operation SELL_RETURN.
        SellReturn = 3,
        /// Cash put into the drawer.
        Deposit = 10,
        /// Cash taken out of the drawer.
        Withdrawal = 11,
        /// X-report (interim; the shift stays open).
        XReport = 20,
        /// Z-report (closes the shift; carries the shift digest).
        ZReport = 21,
    }
}

/// A document to append.
#[derive(Clone, Copy, Debug)]
pub struct NewDocument<'a> {
    /// The KKM.
    pub kkm_id: u32,
    /// What it is.
    pub kind: DocumentKind,
    /// Who made it (operator id).
    pub operator_id: u32,
    /// When (device calendar seconds).
    pub at: i64,
    /// Its total in tiyn (0 for reports).
    pub total: i64,
    /// The shift it belongs to.
    pub shift_number: u32,
    /// The offline number it was printed with, if any.
    pub offline_number: Option<u32>,
    /// Canonical payload (the register's canonical JSON of the document).
    pub payload: &'a [u8],
    /// The encoded CPCR request to send to the OFD; `Some` queues the document.
    pub request: Option<&'a [u8]>,
    /// A retry with the same key returns the stored record instead of a new one.
    pub idempotency_key: Option<&'a str>,
    /// A digest of the request the key came with, kept beside the key so that a retry
    /// with the same key and another request can be told apart (the caller compares).
    pub idempotency_fingerprint: Option<&'a [u8]>,
    /// Its number within the shift (`shift_document_number`), for lookups; 0 if none.
    pub shift_document: u32,
    /// Made while autonomous (known at append; [`Store::mark_offline`] sets it later
    /// for a document whose online attempt timed out).
    pub offline: bool,
    /// For a return: the fiscal sign of the original receipt (for lookups of what was
    /// already returned against it).
    pub parent: Option<&'a str>,
}

/// A stored journal record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Journal id (grows with appending order).
    pub id: i64,
    /// The KKM.
    pub kkm_id: u32,
    /// What it is.
    pub kind: DocumentKind,
    /// Operator id.
    pub operator_id: u32,
    /// When.
    pub at: i64,
    /// Total in tiyn.
    pub total: i64,
    /// Shift number.
    pub shift_number: u32,
    /// Offline number, if printed autonomously.
    pub offline_number: Option<u32>,
    /// Canonical payload.
    pub payload: Vec<u8>,
    /// Idempotency key.
    pub idempotency_key: Option<String>,
    /// The digest of the request the key came with.
    pub idempotency_fingerprint: Option<Vec<u8>>,
    /// Chain hash.
    pub hash: [u8; 32],
    /// For a Z-report: the digest of its shift (its `checksum`).
    pub z_checksum: Option<[u8; 32]>,
    /// The OFD's fiscal sign, once accepted.
    pub fiscal_sign: Option<String>,
    /// Its number within the shift (0 if none).
    pub shift_document: u32,
    /// It was made (or ended up) autonomous: it went to the OFD from the queue.
    pub offline: bool,
    /// For a return: the original receipt's fiscal sign.
    pub parent: Option<String>,
    /// The OFD's QR text of a receipt (the `qr_code` of its TICKET answer), once
    /// accepted.
    pub qr_code: Option<String>,
}

/// The result of an append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Appended {
    /// A new record.
    New(Record),
    /// The idempotency key was seen: the stored record, nothing written.
    Replayed(Record),
}

impl Appended {
    /// The record, new or replayed.
    pub fn record(&self) -> &Record {
        match self {
            Appended::New(r) | Appended::Replayed(r) => r,
        }
    }
}

/// What [`Store::verify`] checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// Records whose hash was recomputed.
    pub records: u64,
    /// Z-reports whose shift digest was re-derived.
    pub closed_shifts: u64,
    /// Facts (OFD answers, autonomous marks, tokens, autonomous periods, the genesis)
    /// whose MAC was recomputed.
    pub facts: u64,
    /// Records written before the upgrade to the keyed chain (plain SHA-256, checked
    /// as such and against the digest the upgrade recorded).
    pub legacy_records: u64,
}

pub(crate) const ZERO_HASH: [u8; 32] = [0; 32];

/// The MAC of a keyed (version-2) record: see [`crate::chain`].
pub(crate) fn document_mac(
    key: &ChainKey,
    prev: &[u8; 32],
    id: i64,
    doc: &NewDocument<'_>,
    counters_digest: &[u8; 32],
) -> [u8; 32] {
    let mut f = key.start(b"kkm-doc-2");
    f.raw(prev)
        .i64(id)
        .u32(doc.kkm_id)
        .u8(doc.kind.code())
        .u32(doc.operator_id)
        .i64(doc.at)
        .i64(doc.total)
        .u32(doc.shift_number)
        .opt_u32(doc.offline_number)
        .bytes(doc.payload)
        .opt_bytes(doc.request)
        .opt_bytes(doc.idempotency_key.map(str::as_bytes))
        .opt_bytes(doc.idempotency_fingerprint)
        .u32(doc.shift_document)
        .u8(u8::from(doc.offline))
        .opt_bytes(doc.parent.map(str::as_bytes))
        .raw(counters_digest);
    f.finish()
}

/// The version-1 hash of a record (plain SHA-256; records before the upgrade).
pub(crate) fn record_hash(prev: &[u8; 32], doc: &NewDocument<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(doc.at.to_le_bytes());
    h.update(doc.total.to_le_bytes());
    h.update([doc.kind.code()]);
    h.update(doc.operator_id.to_le_bytes());
    h.update(doc.kkm_id.to_le_bytes());
    h.update(doc.shift_number.to_le_bytes());
    h.update(doc.offline_number.map_or([0xFF; 5], |n| {
        let b = n.to_le_bytes();
        [1, b[0], b[1], b[2], b[3]]
    }));
    h.update((doc.payload.len() as u64).to_le_bytes());
    h.update(doc.payload);
    h.finalize().into()
}

pub(crate) fn shift_seed(kkm_id: u32, shift_number: u32) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"kkm-shift");
    h.update(kkm_id.to_le_bytes());
    h.update(shift_number.to_le_bytes());
    h.finalize().into()
}

pub(crate) fn shift_step(digest: &[u8; 32], hash: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(digest);
    h.update(hash);
    h.finalize().into()
}

pub(crate) fn hash32(bytes: Vec<u8>, what: &str) -> Result<[u8; 32], StoreError> {
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| StoreError::Malformed(format!("{what} is {} bytes, not 32", bytes.len())))
}

pub(crate) const RECORD_COLUMNS: &str = "id, kkm_id, kind, operator_id, at, total, shift_number, \
     offline_number, payload, idempotency_key, hash, z_checksum, fiscal_sign, shift_document, \
     offline, parent, idempotency_fingerprint, qr_code";

pub(crate) fn read_record(row: &Row<'_>) -> rusqlite::Result<(Record, Vec<u8>, Option<Vec<u8>>)> {
    let kind: u8 = row.get(2)?;
    let record = Record {
        id: row.get(0)?,
        kkm_id: row.get(1)?,
        kind: DocumentKind::from_code(i64::from(kind)).unwrap_or(DocumentKind::XReport),
        operator_id: row.get(3)?,
        at: row.get(4)?,
        total: row.get(5)?,
        shift_number: row.get(6)?,
        offline_number: row.get(7)?,
        payload: row.get(8)?,
        idempotency_key: row.get(9)?,
        hash: ZERO_HASH,
        z_checksum: None,
        fiscal_sign: row.get(12)?,
        shift_document: row.get(13)?,
        offline: row.get(14)?,
        parent: row.get(15)?,
        idempotency_fingerprint: row.get(16)?,
        qr_code: row.get(17)?,
    };
    Ok((record, row.get(10)?, row.get(11)?))
}

pub(crate) fn finish_record(
    (mut record, hash, z): (Record, Vec<u8>, Option<Vec<u8>>),
    kind_code: Option<u8>,
) -> Result<Record, StoreError> {
    if let Some(code) = kind_code {
        if DocumentKind::from_code(i64::from(code)).is_none() {
            return Err(StoreError::Malformed(format!(
                "record {} has unknown kind {code}",
                record.id
            )));
        }
    }
    record.hash = hash32(hash, "record hash")?;
    record.z_checksum = z.map(|z| hash32(z, "z checksum")).transpose()?;
    Ok(record)
}

/// The running digest of `shift_number` after the KKM's last record.
fn current_shift_digest(
    tx: &Transaction<'_>,
    kkm_id: u32,
    shift_number: u32,
) -> Result<[u8; 32], StoreError> {
    let last: Option<(u32, u8, Vec<u8>)> = tx
        .query_row(
            "SELECT shift_number, kind, shift_digest FROM journal
             WHERE kkm_id = ?1 ORDER BY id DESC LIMIT 1",
            [kkm_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    match last {
        Some((shift, kind, digest))
            if shift == shift_number && kind != DocumentKind::ZReport.code() =>
        {
            hash32(digest, "shift digest")
        }
        _ => Ok(shift_seed(kkm_id, shift_number)),
    }
}

/// One append inside `tx` (see [`Store::append`]).
pub(crate) fn append_in(
    tx: &Transaction<'_>,
    key: &ChainKey,
    doc: &NewDocument<'_>,
    counters: &[u8],
) -> Result<Appended, StoreError> {
    if let Some(key) = doc.idempotency_key {
        let existing = tx
            .query_row(
                &format!(
                    "SELECT {RECORD_COLUMNS} FROM journal WHERE kkm_id = ?1 AND idempotency_key = ?2"
                ),
                params![doc.kkm_id, key],
                read_record,
            )
            .optional()?;
        if let Some(found) = existing {
            return Ok(Appended::Replayed(finish_record(found, None)?));
        }
    }
    let mut chain = KkmChain::read(tx, doc.kkm_id)?;
    chain.require_upgraded()?;
    let prev = chain.last_hash.unwrap_or(ZERO_HASH);
    let id = next_id(tx, "journal")?;
    let counters_hash = counters_digest(counters);
    let hash = document_mac(key, &prev, id, doc, &counters_hash);
    let before = current_shift_digest(tx, doc.kkm_id, doc.shift_number)?;
    let z_checksum = (doc.kind == DocumentKind::ZReport).then_some(before);
    let digest = shift_step(&before, &hash);
    let mut insert = tx.prepare_cached(
        "INSERT INTO journal (id, kkm_id, kind, operator_id, at, total, shift_number,
             offline_number, payload, request, idempotency_key, hash, shift_digest, z_checksum,
             shift_document, offline, parent, idempotency_fingerprint, counters_digest)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19)",
    )?;
    insert.execute(params![
        id,
        doc.kkm_id,
        doc.kind.code(),
        doc.operator_id,
        doc.at,
        doc.total,
        doc.shift_number,
        doc.offline_number,
        doc.payload,
        doc.request,
        doc.idempotency_key,
        &hash[..],
        &digest[..],
        z_checksum.as_ref().map(|z| &z[..]),
        doc.shift_document,
        doc.offline,
        doc.parent,
        doc.idempotency_fingerprint,
        &counters_hash[..],
    ])?;
    if tx.last_insert_rowid() != id {
        return Err(StoreError::Malformed(format!(
            "journal record got id {} instead of {id}",
            tx.last_insert_rowid()
        )));
    }
    chain.last_hash = Some(hash);
    chain.counters_digest = counters_hash;
    chain.write(tx, key, Some(counters))?;
    if doc.request.is_some() {
        tx.prepare_cached("INSERT INTO queue (doc_id, kkm_id) VALUES (?1, ?2)")?
            .execute(params![id, doc.kkm_id])?;
        crate::sync::reserve_for_head(tx, doc.kkm_id)?;
    }
    Ok(Appended::New(Record {
        id,
        kkm_id: doc.kkm_id,
        kind: doc.kind,
        operator_id: doc.operator_id,
        at: doc.at,
        total: doc.total,
        shift_number: doc.shift_number,
        offline_number: doc.offline_number,
        payload: doc.payload.to_vec(),
        idempotency_key: doc.idempotency_key.map(str::to_owned),
        idempotency_fingerprint: doc.idempotency_fingerprint.map(<[u8]>::to_vec),
        hash,
        z_checksum,
        fiscal_sign: None,
        shift_document: doc.shift_document,
        offline: doc.offline,
        parent: doc.parent.map(str::to_owned),
        qr_code: None,
    }))
}

/// Marks document `id` of `kkm_id` autonomous with `counters`, in the caller's
/// transaction (see [`Store::mark_offline`]).
pub(crate) fn mark_offline_in(
    tx: &Transaction<'_>,
    key: &ChainKey,
    kkm_id: u32,
    id: i64,
    counters: &[u8],
) -> Result<(), StoreError> {
    tx.execute("UPDATE journal SET offline = 1 WHERE id = ?1", [id])?;
    let mut chain = KkmChain::read(tx, kkm_id)?;
    chain.counters_digest = counters_digest(counters);
    chain.add_fact(
        tx,
        key,
        Fact {
            kind: FactKind::Offline as u8,
            doc_id: Some(id),
            counters_digest: Some(chain.counters_digest.to_vec()),
            ..Fact::default()
        },
    )?;
    chain.write(tx, key, Some(counters))
}

impl Store {
    /// Appends a document, replaces the KKM's counters blob with `counters`, and
    /// queues the document when it carries a request — all in one transaction, so a
    /// crash leaves all of it or none. With an idempotency key already used, nothing is
    /// written and the stored record comes back ([`Appended::Replayed`]).
    pub fn append(&self, doc: &NewDocument<'_>, counters: &[u8]) -> Result<Appended, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let appended = append_in(&tx, &self.chain, doc, counters)?;
        tx.commit()?;
        Ok(appended)
    }

    /// Appends many documents in one transaction (imports, bulk tests): all or none.
    /// `counters` is the KKM blob after the last one.
    pub fn append_batch(
        &self,
        docs: &[NewDocument<'_>],
        counters: &[u8],
    ) -> Result<Vec<Appended>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let appended = docs
            .iter()
            .map(|d| append_in(&tx, &self.chain, d, counters))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit()?;
        Ok(appended)
    }

    /// The digest a Z-report of `shift_number` made now would carry as its `checksum`:
    /// the running digest of the shift's records so far.
    pub fn shift_digest(&self, kkm_id: u32, shift_number: u32) -> Result<[u8; 32], StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        current_shift_digest(&tx, kkm_id, shift_number)
    }

    /// One record by id.
    pub fn record(&self, id: i64) -> Result<Option<Record>, StoreError> {
        let conn = self.conn();
        let found = conn
            .query_row(
                &format!("SELECT {RECORD_COLUMNS} FROM journal WHERE id = ?1"),
                [id],
                read_record,
            )
            .optional()?;
        found.map(|r| finish_record(r, None)).transpose()
    }

    /// The KKM's records with ids in `after..` (exclusive), at most `limit`, in order.
    pub fn records(&self, kkm_id: u32, after: i64, limit: u32) -> Result<Vec<Record>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {RECORD_COLUMNS} FROM journal WHERE kkm_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"
        ))?;
        let rows = stmt.query_map(params![kkm_id, after, limit], read_record)?;
        rows.map(|r| finish_record(r?, None)).collect()
    }

    fn find_record(
        &self,
        condition: &str,
        params: impl rusqlite::Params,
    ) -> Result<Option<Record>, StoreError> {
        let conn = self.conn();
        let found = conn
            .query_row(
                &format!(
                    "SELECT {RECORD_COLUMNS} FROM journal WHERE {condition} ORDER BY id LIMIT 1"
                ),
                params,
                read_record,
            )
            .optional()?;
        found.map(|r| finish_record(r, None)).transpose()
    }

    fn find_records(
        &self,
        condition: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Record>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS} FROM journal WHERE {condition} ORDER BY id"
        ))?;
        let rows = stmt.query_map(params, read_record)?;
        rows.map(|r| finish_record(r?, None)).collect()
    }

    /// The KKM's record made with idempotency key `key`, if any.
    pub fn record_by_key(&self, kkm_id: u32, key: &str) -> Result<Option<Record>, StoreError> {
        self.find_record("kkm_id = ?1 AND idempotency_key = ?2", params![kkm_id, key])
    }

    /// The KKM's record with fiscal sign `sign` (the OFD's), if any.
    pub fn record_by_fiscal_sign(
        &self,
        kkm_id: u32,
        sign: &str,
    ) -> Result<Option<Record>, StoreError> {
        self.find_record("kkm_id = ?1 AND fiscal_sign = ?2", params![kkm_id, sign])
    }

    /// The KKM's latest record printed with offline number `number`, if any (an
    /// autonomous receipt is known by it until the OFD gives its fiscal sign).
    pub fn record_by_offline_number(
        &self,
        kkm_id: u32,
        number: u32,
    ) -> Result<Option<Record>, StoreError> {
        let conn = self.conn();
        let found = conn
            .query_row(
                &format!(
                    "SELECT {RECORD_COLUMNS} FROM journal WHERE kkm_id = ?1 AND offline_number = ?2 \
                     ORDER BY id DESC LIMIT 1"
                ),
                params![kkm_id, number],
                read_record,
            )
            .optional()?;
        found.map(|r| finish_record(r, None)).transpose()
    }

    /// The document number `shift_document` of shift `shift_number`, if any.
    pub fn record_in_shift(
        &self,
        kkm_id: u32,
        shift_number: u32,
        shift_document: u32,
    ) -> Result<Option<Record>, StoreError> {
        self.find_record(
            "kkm_id = ?1 AND shift_number = ?2 AND shift_document = ?3",
            params![kkm_id, shift_number, shift_document],
        )
    }

    /// The shift number and kind of the KKM's last record, if it has any (the current
    /// shift is that one, or the next after a Z-report).
    pub fn last_record(&self, kkm_id: u32) -> Result<Option<(u32, DocumentKind)>, StoreError> {
        let conn = self.conn();
        let last: Option<(u32, u8)> = conn
            .prepare_cached(
                "SELECT shift_number, kind FROM journal WHERE kkm_id = ?1 ORDER BY id DESC LIMIT 1",
            )?
            .query_row([kkm_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        last.map(|(shift, kind)| {
            DocumentKind::from_code(i64::from(kind))
                .map(|kind| (shift, kind))
                .ok_or_else(|| StoreError::Malformed(format!("unknown document kind {kind}")))
        })
        .transpose()
    }

    /// The returns made against the receipt with fiscal sign `parent`, in order.
    pub fn returns_of(&self, kkm_id: u32, parent: &str) -> Result<Vec<Record>, StoreError> {
        self.find_records("kkm_id = ?1 AND parent = ?2", params![kkm_id, parent])
    }

    /// Marks document `id` autonomous after the fact (its online attempt got no answer)
    /// and replaces the KKM's counters blob, in one transaction, recorded as a chained
    /// fact.
    pub fn mark_offline(&self, id: i64, counters: &[u8]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let kkm_id: Option<u32> = tx
            .query_row("SELECT kkm_id FROM journal WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        let kkm_id =
            kkm_id.ok_or_else(|| StoreError::Malformed(format!("no journal record {id}")))?;
        mark_offline_in(&tx, &self.chain, kkm_id, id, counters)?;
        tx.commit()?;
        Ok(())
    }

    /// Walks the KKM's chain: recomputes every record's hash or MAC from its fields and
    /// its predecessor, every fact's MAC, every Z-report's shift digest, and the `kkm`
    /// row's head (see [`crate::chain`]). On the first mismatch the KKM is put in local
    /// state ValuesConflict (68) with the record named, and the error says which record
    /// and what.
    pub fn verify(&self, kkm_id: u32) -> Result<VerifyReport, StoreError> {
        let outcome = {
            let conn = self.conn();
            crate::verify::walk(&conn, &self.chain, kkm_id, self.reader.as_ref())
        };
        if let Err(StoreError::Tampered { record, reason, .. }) = &outcome {
            mark_conflict(&self.conn(), kkm_id, *record, reason)?;
        }
        outcome
    }
}

/// Puts a KKM whose journal does not verify in local state ValuesConflict (68), with
/// the record and the reason.
pub(crate) fn mark_conflict(
    conn: &rusqlite::Connection,
    kkm_id: u32,
    record: i64,
    reason: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE kkm SET local_state = 1, state_reason = ?2 WHERE kkm_id = ?1",
        params![kkm_id, format!("record {record}: {reason}")],
    )?;
    Ok(())
}
