//! Verification of a KKM's journal: the version-1 records before the upgrade point
//! (plain SHA-256 chain plus the genesis digest of their other columns), the keyed
//! records after it, the fact chain, the shift digests, and the `kkm` row's head.

mod documents;
mod split;

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::chain::{counters_digest, ChainKey, Fact, FactKind};
use crate::cipher::ReaderSpec;
use crate::facts::KkmChain;
use crate::journal::{hash32, NewDocument, VerifyReport, ZERO_HASH};
use crate::StoreError;
use documents::{Documents, Scan, Target};

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
    let target = Target {
        kkm_id,
        facts: None,
    };
    let out = one(documents::walk(conn, None, &[target], Scan::Index(None))?)?;
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

fn one(mut results: Vec<Result<Documents, StoreError>>) -> Result<Documents, StoreError> {
    results
        .pop()
        .unwrap_or_else(|| Err(StoreError::Malformed("no walk".into())))
}

/// What a KKM's walk reads before its records: the `kkm` row and the fact chain.
struct Prepared {
    chain: KkmChain,
    counters: Vec<u8>,
    stored_head: Option<Vec<u8>>,
    facts: Facts,
}

fn prepare(conn: &Connection, key: &ChainKey, kkm_id: u32) -> Result<Prepared, StoreError> {
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
    if facts.genesis.is_none() {
        return Err(tampered(
            kkm_id,
            0,
            "the keyed chain has no upgrade point (the journal did not verify when the store \
             was upgraded, or its facts were removed)",
        ));
    }
    Ok(Prepared {
        chain,
        counters,
        stored_head,
        facts,
    })
}

/// The full walk of a keyed store for one KKM (see the module docs); with a way to
/// open a second connection (`second`), a long one is read in two halves at once. A
/// failure is confirmed before it is returned ([`confirmed`]).
pub(crate) fn walk(
    conn: &Connection,
    key: &ChainKey,
    kkm_id: u32,
    second: Option<&ReaderSpec>,
) -> Result<VerifyReport, StoreError> {
    confirmed(conn, key, kkm_id, walk_once(conn, key, kkm_id, second))
}

/// One walk of one KKM, its failure as found.
pub(crate) fn walk_once(
    conn: &Connection,
    key: &ChainKey,
    kkm_id: u32,
    second: Option<&ReaderSpec>,
) -> Result<VerifyReport, StoreError> {
    let prepared = prepare(conn, key, kkm_id)?;
    let target = Target {
        kkm_id,
        facts: Some(&prepared.facts),
    };
    let docs = one(documents::walk(
        conn,
        Some(key),
        &[target],
        Scan::Index(second),
    )?)?;
    conclude(key, kkm_id, &prepared, docs)
}

/// `outcome`, a KKM's walk, unless it found the journal tampered: then the walk again,
/// by one reader inside one read transaction. The walks read through two connections
/// and several statements, each its own snapshot: a commit by another process landing
/// between them (a daemon selling while `kkm-daemon verify` reads the same file) looks
/// like a journal whose end does not match its KKM. Inside one read transaction every
/// read sees the same commit; a forgery is found again, and named as the sequential
/// walk names it.
fn confirmed(
    conn: &Connection,
    key: &ChainKey,
    kkm_id: u32,
    outcome: Result<VerifyReport, StoreError>,
) -> Result<VerifyReport, StoreError> {
    if !matches!(outcome, Err(StoreError::Tampered { .. })) {
        return outcome;
    }
    let begun = conn.is_autocommit();
    if begun {
        conn.execute_batch("BEGIN DEFERRED")?;
    }
    let again = walk_once(conn, key, kkm_id, None);
    if begun {
        // Only read: ending it cannot lose anything; if it does not end, it is rolled
        // back rather than left open on the store's connection.
        if let Err(e) = conn.execute_batch("COMMIT") {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(e.into());
        }
    }
    again
}

/// The full walk of every KKM in `kkms`, their records read in one pass over the
/// table; each KKM's outcome, in the order given. An error of the store itself (not
/// a tampered journal) ends it.
pub(crate) fn walk_all(
    conn: &Connection,
    key: &ChainKey,
    kkms: &[u32],
    second: Option<&ReaderSpec>,
) -> Result<Vec<Result<VerifyReport, StoreError>>, StoreError> {
    let mut outcomes: Vec<Option<Result<VerifyReport, StoreError>>> =
        kkms.iter().map(|_| None).collect();
    let mut prepared = Vec::new();
    for (i, &kkm_id) in kkms.iter().enumerate() {
        match prepare(conn, key, kkm_id) {
            Ok(p) => prepared.push((i, kkm_id, p)),
            Err(e @ StoreError::Tampered { .. }) => {
                outcomes[i] = Some(confirmed(conn, key, kkm_id, Err(e)))
            }
            Err(e) => return Err(e),
        }
    }
    let targets: Vec<Target<'_>> = prepared
        .iter()
        .map(|(_, kkm_id, p)| Target {
            kkm_id: *kkm_id,
            facts: Some(&p.facts),
        })
        .collect();
    let walked = documents::walk(conn, Some(key), &targets, Scan::Table(second))?;
    for ((i, kkm_id, p), docs) in prepared.iter().zip(walked) {
        let outcome = docs.and_then(|d| conclude(key, *kkm_id, p, d));
        outcomes[*i] = Some(confirmed(conn, key, *kkm_id, outcome));
    }
    Ok(outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Err(StoreError::Malformed("not walked".into()))))
        .collect())
}

/// The checks after a KKM's records: the upgrade point, the `kkm` row against the
/// chains' ends.
fn conclude(
    key: &ChainKey,
    kkm_id: u32,
    prepared: &Prepared,
    docs: Documents,
) -> Result<VerifyReport, StoreError> {
    let Prepared {
        chain,
        counters,
        stored_head,
        facts,
    } = prepared;
    let Some(genesis) = &facts.genesis else {
        return Err(tampered(kkm_id, 0, "the keyed chain has no upgrade point"));
    };
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
    if Some(counters_digest(counters)) != expected_counters
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

#[cfg(test)]
mod tests;
