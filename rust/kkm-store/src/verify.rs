//! Verification of a KKM's journal: the version-1 records before the upgrade point
//! (plain SHA-256 chain plus the genesis digest of their other columns), the keyed
//! records after it, the fact chain, the shift digests, and the `kkm` row's head.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::chain::{counters_digest, ChainKey, Fact, FactKind};
use crate::facts::KkmChain;
use crate::journal::{
    document_mac, hash32, record_hash, shift_seed, shift_step, DocumentKind, NewDocument,
    VerifyReport, ZERO_HASH,
};
use crate::StoreError;

/// The digest of the columns of version-1 records that their hash does not cover
/// (request, idempotency key and fingerprint, number in the shift, parent), taken into
/// the genesis at the upgrade.
pub(crate) struct V1Digest(Sha256);

impl V1Digest {
    pub(crate) fn new() -> Self {
        V1Digest(Sha256::new_with_prefix(b"kkm-v1-extras"))
    }

    fn opt(&mut self, v: Option<&[u8]>) {
        match v {
            None => self.0.update([0]),
            Some(v) => {
                self.0.update([1]);
                self.0.update((v.len() as u64).to_le_bytes());
                self.0.update(v);
            }
        }
    }

    fn add(&mut self, id: i64, doc: &NewDocument<'_>) {
        self.0.update(id.to_le_bytes());
        self.opt(doc.request);
        self.opt(doc.idempotency_key.map(str::as_bytes));
        self.opt(doc.idempotency_fingerprint);
        self.0.update(doc.shift_document.to_le_bytes());
        self.opt(doc.parent.map(str::as_bytes));
    }

    pub(crate) fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// What the version-1 part of a journal is (for the genesis).
pub(crate) struct Legacy {
    pub last_id: i64,
    pub count: i64,
    pub digest: [u8; 32],
}

/// The genesis of a KKM's keyed chain.
struct Genesis {
    v1_last: i64,
    v1_count: i64,
    v1_digest: Vec<u8>,
}

/// What the fact chain says.
#[derive(Default)]
struct Facts {
    genesis: Option<Genesis>,
    count: u64,
    last_mac: Option<[u8; 32]>,
    /// Per document: the digest of its latest answer and the fact's id.
    answers: HashMap<i64, ([u8; 32], i64)>,
    /// Documents that went autonomous after the fact.
    offline: HashSet<i64>,
    /// The document heads facts were written at, in fact order (runs collapsed).
    heads: Vec<(i64, [u8; 32])>,
    token: Option<Vec<u8>>,
    since: Option<i64>,
    until: Option<i64>,
    /// The last counters a fact recorded, with the document head it was written at.
    counters: Option<([u8; 32], [u8; 32])>,
}

fn tampered(kkm_id: u32, record: i64, reason: impl Into<String>) -> StoreError {
    StoreError::Tampered {
        kkm_id,
        record,
        reason: reason.into(),
    }
}

/// A value of the wrong type in a column is tampering with that record, not a failure
/// of the store.
fn wrong_type(kkm_id: u32, record: i64, what: String) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| match e {
        rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => tampered(
            kkm_id,
            record,
            format!("{what}: a column has the wrong type: {e}"),
        ),
        e => e.into(),
    }
}

fn answer_digest(
    key: &ChainKey,
    sign: Option<&str>,
    qr: Option<&str>,
    answer: Option<&[u8]>,
) -> [u8; 32] {
    let mut f = key.start(b"kkm-answer-2");
    f.opt_bytes(sign.map(str::as_bytes))
        .opt_bytes(qr.map(str::as_bytes))
        .opt_bytes(answer);
    f.finish()
}

fn walk_facts(conn: &Connection, key: &ChainKey, kkm_id: u32) -> Result<Facts, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, doc_id, doc_head, fiscal_sign, qr_code, answer, token, since, until,
                v1_last, v1_count, v1_digest, counters_digest, mac
         FROM fact WHERE kkm_id = ?1 ORDER BY id",
    )?;
    let mut rows = stmt.query([kkm_id])?;
    let mut facts = Facts::default();
    let mut prev = key.facts_seed(kkm_id);
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let doc_id: Option<i64> = row.get(2)?;
        let at = doc_id.unwrap_or(0);
        let bad = |e: rusqlite::types::FromSqlError| {
            tampered(
                kkm_id,
                at,
                format!("fact {id}: a column has the wrong type: {e}"),
            )
        };
        let head: Vec<u8> = row.get_ref(3)?.as_blob().map_err(bad)?.to_vec();
        let typed = wrong_type(kkm_id, at, format!("fact {id}"));
        let fact = Fact {
            id,
            kkm_id,
            kind: row.get(1).map_err(&typed)?,
            doc_id,
            doc_head: hash32(head, "document head")
                .map_err(|_| tampered(kkm_id, at, format!("fact {id}: head is not 32 bytes")))?,
            fiscal_sign: row.get(4).map_err(&typed)?,
            qr_code: row.get(5).map_err(&typed)?,
            answer: row.get(6).map_err(&typed)?,
            token: row.get(7).map_err(&typed)?,
            since: row.get(8).map_err(&typed)?,
            until: row.get(9).map_err(&typed)?,
            v1_last: row.get(10).map_err(&typed)?,
            v1_count: row.get(11).map_err(&typed)?,
            v1_digest: row.get(12).map_err(&typed)?,
            counters_digest: row.get(13).map_err(&typed)?,
        };
        let mac = row.get_ref(14)?.as_blob().map_err(bad)?;
        let computed = fact.mac(key, &prev);
        if computed[..] != *mac {
            return Err(tampered(
                kkm_id,
                at,
                format!("fact {id}: its content or its predecessor changed (MAC mismatch)"),
            ));
        }
        prev = computed;
        let kind = FactKind::from_code(i64::from(fact.kind));
        if (facts.count == 0) != (kind == Some(FactKind::Genesis)) {
            return Err(tampered(
                kkm_id,
                at,
                format!("fact {id}: the genesis is not the first fact"),
            ));
        }
        facts.count += 1;
        if facts.heads.last().map(|h| h.1) != Some(fact.doc_head) {
            facts.heads.push((id, fact.doc_head));
        }
        let counters = fact
            .counters_digest
            .clone()
            .map(|d| hash32(d, "counters digest"))
            .transpose()?;
        if let Some(d) = counters {
            facts.counters = Some((fact.doc_head, d));
        }
        match kind {
            Some(FactKind::Genesis) => {
                facts.genesis = Some(Genesis {
                    v1_last: fact.v1_last.unwrap_or(0),
                    v1_count: fact.v1_count.unwrap_or(0),
                    v1_digest: fact.v1_digest.unwrap_or_default(),
                });
                facts.token = fact.token;
                facts.since = fact.since;
                facts.until = fact.until;
            }
            Some(FactKind::Answer) => {
                let digest = answer_digest(
                    key,
                    fact.fiscal_sign.as_deref(),
                    fact.qr_code.as_deref(),
                    fact.answer.as_deref(),
                );
                facts.answers.insert(at, (digest, id));
            }
            Some(FactKind::Offline) => {
                facts.offline.insert(at);
            }
            Some(FactKind::Token) => facts.token = fact.token,
            Some(FactKind::Autonomy) => {
                facts.since = fact.since;
                facts.until = fact.until;
            }
            None => {
                return Err(tampered(
                    kkm_id,
                    at,
                    format!("fact {id}: unknown kind {}", fact.kind),
                ))
            }
        }
    }
    facts.last_mac = (facts.count > 0).then_some(prev);
    Ok(facts)
}

/// The version-1 walk of a store not yet upgraded: every record is version 1.
pub(crate) fn walk_v1(conn: &Connection, kkm_id: u32) -> Result<Legacy, StoreError> {
    let chain = KkmChain::read(conn, kkm_id)?;
    let out = walk_documents(conn, None, kkm_id, None)?;
    if chain.last_hash != out.last_hash {
        return Err(tampered(
            kkm_id,
            -1,
            "the journal's end does not match the KKM's last hash (records removed?)",
        ));
    }
    Ok(Legacy {
        last_id: out.last_v1_id,
        count: out.v1_count,
        digest: out.v1_digest,
    })
}

struct Documents {
    records: u64,
    closed_shifts: u64,
    last_hash: Option<[u8; 32]>,
    /// The counters digest of the last record, if it is a keyed one.
    last_counters: Option<[u8; 32]>,
    last_v1_id: i64,
    v1_count: i64,
    v1_digest: [u8; 32],
}

/// Walks the KKM's records. Without `facts` (an upgrade), every record is version 1;
/// with them, records up to the genesis' upgrade point are version 1 and the rest are
/// keyed, and every record's answer columns and autonomous mark must be what the facts
/// say.
fn walk_documents(
    conn: &Connection,
    key: Option<&ChainKey>,
    kkm_id: u32,
    facts: Option<&Facts>,
) -> Result<Documents, StoreError> {
    let v1_last = facts
        .and_then(|f| f.genesis.as_ref())
        .map_or(i64::MAX, |g| g.v1_last);
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, operator_id, at, total, shift_number, offline_number, payload, hash,
                shift_digest, z_checksum, request, idempotency_key, idempotency_fingerprint,
                shift_document, offline, parent, counters_digest, fiscal_sign, qr_code, answer
         FROM journal WHERE kkm_id = ?1 ORDER BY id",
    )?;
    let mut rows = stmt.query([kkm_id])?;
    let mut prev = ZERO_HASH;
    let mut shift: Option<(u32, [u8; 32])> = None;
    let mut out = Documents {
        records: 0,
        closed_shifts: 0,
        last_hash: None,
        last_counters: None,
        last_v1_id: 0,
        v1_count: 0,
        v1_digest: [0; 32],
    };
    let mut v1 = V1Digest::new();
    let mut heads = facts.map(|f| f.heads.iter().peekable());
    let mut matched_answers = 0usize;
    let mut matched_offline = 0usize;
    let mut advance_heads = |head: &[u8; 32]| {
        if let Some(heads) = heads.as_mut() {
            while heads.next_if(|(_, h)| h == head).is_some() {}
        }
    };
    advance_heads(&ZERO_HASH);
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let t = |reason: String| tampered(kkm_id, id, reason);
        let kind_code: u8 = row
            .get(1)
            .map_err(wrong_type(kkm_id, id, format!("record {id}")))?;
        let kind = DocumentKind::from_code(i64::from(kind_code))
            .ok_or_else(|| t(format!("unknown document kind {kind_code}")))?;
        let bad = |e: rusqlite::types::FromSqlError| t(format!("a column has the wrong type: {e}"));
        let blob = |i: usize| row.get_ref(i)?.as_blob_or_null().map_err(bad);
        let text = |i: usize| row.get_ref(i)?.as_str_or_null().map_err(bad);
        let typed = wrong_type(kkm_id, id, format!("record {id}"));
        let offline_column = match row.get::<_, i64>(15).map_err(&typed)? {
            0 => false,
            1 => true,
            other => return Err(t(format!("autonomous mark {other} is neither 0 nor 1"))),
        };
        let in_offline = facts.is_some_and(|f| f.offline.contains(&id));
        let mut doc = NewDocument {
            kkm_id,
            kind,
            operator_id: row.get(2).map_err(&typed)?,
            at: row.get(3).map_err(&typed)?,
            total: row.get(4).map_err(&typed)?,
            shift_number: row.get(5).map_err(&typed)?,
            offline_number: row.get(6).map_err(&typed)?,
            payload: row.get_ref(7)?.as_blob().map_err(bad)?,
            request: blob(11)?,
            idempotency_key: text(12)?,
            idempotency_fingerprint: blob(13)?,
            shift_document: row.get(14).map_err(&typed)?,
            offline: offline_column && !in_offline,
            parent: text(16)?,
        };
        let stored: [u8; 32] = row
            .get_ref(8)?
            .as_blob()
            .map_err(bad)?
            .try_into()
            .map_err(|_| t("hash is not 32 bytes".into()))?;
        let hash = if id <= v1_last {
            v1.add(id, &doc);
            out.v1_count += 1;
            out.last_v1_id = id;
            doc.offline = false;
            record_hash(&prev, &doc)
        } else {
            let key = key.ok_or_else(|| t("a keyed record in a version-1 journal".into()))?;
            let counters: [u8; 32] = blob(17)?
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| t("a keyed record without its counters digest".into()))?;
            out.last_counters = Some(counters);
            document_mac(key, &prev, id, &doc, &counters)
        };
        if hash != stored {
            return Err(t(
                "its content or its predecessor changed (hash mismatch)".into()
            ));
        }
        if let Some(facts) = facts {
            let legacy = id <= v1_last;
            if in_offline {
                matched_offline += 1;
                if !offline_column {
                    return Err(t("its autonomous mark was removed".into()));
                }
            } else if legacy && offline_column {
                return Err(t("an autonomous mark no fact records".into()));
            }
            let (sign, qr, answer) = (text(18)?, text(19)?, blob(20)?);
            match facts.answers.get(&id) {
                Some((digest, fact)) => {
                    matched_answers += 1;
                    if answer_digest(key.unwrap_or_else(|| unreachable!()), sign, qr, answer)
                        != *digest
                    {
                        return Err(t(format!(
                            "its fiscal sign, QR or answer differs from the OFD's answer (fact {fact})"
                        )));
                    }
                }
                None if sign.is_some() || qr.is_some() || answer.is_some() => {
                    return Err(t("a fiscal sign, QR or answer no fact records".into()));
                }
                None => {}
            }
        }
        let before = match shift {
            Some((n, d)) if n == doc.shift_number => d,
            _ => shift_seed(kkm_id, doc.shift_number),
        };
        if kind == DocumentKind::ZReport {
            if blob(10)? != Some(&before[..]) {
                return Err(t(format!(
                    "Z-report checksum of shift {} does not match its records",
                    doc.shift_number
                )));
            }
            out.closed_shifts += 1;
        } else if blob(10)?.is_some() {
            return Err(t(
                "a Z-report checksum on a record that is no Z-report".into()
            ));
        }
        let digest = shift_step(&before, &hash);
        if row.get_ref(9)?.as_blob().map_err(bad)? != &digest[..] {
            return Err(t("running shift digest mismatch".into()));
        }
        shift = (kind != DocumentKind::ZReport).then_some((doc.shift_number, digest));
        prev = hash;
        out.records += 1;
        advance_heads(&hash);
    }
    out.last_hash = (out.records > 0).then_some(prev);
    out.v1_digest = v1.finish();
    if let Some(facts) = facts {
        if let Some(mut rest) = heads {
            if let Some((fact, _)) = rest.next() {
                return Err(tampered(
                    kkm_id,
                    0,
                    format!("fact {fact} was written after documents that are not in the journal (records removed or reordered?)"),
                ));
            }
        }
        if matched_answers != facts.answers.len() || matched_offline != facts.offline.len() {
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
    Ok(out)
}

fn row_exists(conn: &Connection, kkm_id: u32, id: i64) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM journal WHERE kkm_id = ?1 AND id = ?2")?
        .exists(rusqlite::params![kkm_id, id])?)
}

/// The full walk of a keyed store (see the module docs).
pub(crate) fn walk(
    conn: &Connection,
    key: &ChainKey,
    kkm_id: u32,
) -> Result<VerifyReport, StoreError> {
    let chain = KkmChain::read(conn, kkm_id).map_err(|e| match e {
        StoreError::Malformed(m) => tampered(kkm_id, -1, m),
        e => e,
    })?;
    let (counters, stored_head): (Vec<u8>, Option<Vec<u8>>) = conn.query_row(
        "SELECT counters, chain_head FROM kkm WHERE kkm_id = ?1",
        [kkm_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let facts = walk_facts(conn, key, kkm_id)?;
    let Some(genesis) = &facts.genesis else {
        return Err(tampered(
            kkm_id,
            0,
            "the keyed chain has no upgrade point (the journal did not verify when the store \
             was upgraded, or its facts were removed)",
        ));
    };
    let docs = walk_documents(conn, Some(key), kkm_id, Some(&facts))?;
    if docs.v1_count != genesis.v1_count
        || docs.last_v1_id != genesis.v1_last
        || docs.v1_digest[..] != genesis.v1_digest[..]
    {
        return Err(tampered(
            kkm_id,
            genesis.v1_last,
            "the records before the upgrade point differ from those the upgrade recorded",
        ));
    }
    let end = |reason: &str| tampered(kkm_id, -1, reason.to_owned());
    if chain.last_hash != docs.last_hash {
        return Err(end(
            "the journal's end does not match the KKM's last hash (records removed?)",
        ));
    }
    if chain.facts_head != facts.last_mac {
        return Err(end(
            "the facts' end does not match the KKM's (answers removed?)",
        ));
    }
    let final_head = docs.last_hash.unwrap_or(ZERO_HASH);
    let expected_counters = match (facts.counters, docs.last_counters) {
        (Some((head, digest)), _) if head == final_head => Some(digest),
        (_, Some(digest)) => Some(digest),
        (fact, None) => fact.map(|f| f.1),
    };
    if Some(counters_digest(&counters)) != expected_counters
        || Some(chain.counters_digest) != expected_counters
    {
        return Err(end(
            "the KKM's counters are not those its last record wrote",
        ));
    }
    if facts.token.as_deref() != Some(chain.token.as_slice()) {
        return Err(end("the KKM's token is not the one its facts record"));
    }
    if (facts.since, facts.until) != (chain.since, chain.until) {
        return Err(end(
            "the KKM's autonomous period is not the one its facts record",
        ));
    }
    if stored_head.as_deref() != Some(&chain.head(key)[..]) {
        return Err(end(
            "the KKM's chain head does not match its state (rolled back?)",
        ));
    }
    Ok(VerifyReport {
        records: docs.records,
        closed_shifts: docs.closed_shifts,
        facts: facts.count,
        legacy_records: u64::try_from(docs.v1_count).unwrap_or(0),
    })
}
