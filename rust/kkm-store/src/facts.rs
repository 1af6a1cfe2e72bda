//! Writing the keyed chain: facts, the `kkm` row's head, and the upgrade of a
//! version-1 journal (plain SHA-256) to the keyed chain (see [`crate::chain`]).

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::chain::{counters_digest, ChainKey, Fact, FactKind, Head};
use crate::journal::{hash32, ZERO_HASH};
use crate::StoreError;

/// The chained state of a KKM as its `kkm` row holds it.
#[derive(Clone, Debug)]
pub(crate) struct KkmChain {
    pub kkm_id: u32,
    pub last_hash: Option<[u8; 32]>,
    pub facts_head: Option<[u8; 32]>,
    pub counters_digest: [u8; 32],
    pub token: Vec<u8>,
    pub since: Option<i64>,
    pub until: Option<i64>,
}

fn opt32(bytes: Option<Vec<u8>>, what: &str) -> Result<Option<[u8; 32]>, StoreError> {
    bytes.map(|b| hash32(b, what)).transpose()
}

impl KkmChain {
    /// Reads the KKM's chained state (`UnknownKkm` if it has no row).
    pub(crate) fn read(conn: &Connection, kkm_id: u32) -> Result<KkmChain, StoreError> {
        type Row = (
            Option<Vec<u8>>,
            Option<Vec<u8>>,
            Option<Vec<u8>>,
            Vec<u8>,
            Option<i64>,
            Option<i64>,
        );
        let row: Option<Row> = conn
            .prepare_cached(
                "SELECT last_hash, facts_head, counters_digest, token, autonomous_since,
                        autonomous_until
                 FROM kkm WHERE kkm_id = ?1",
            )?
            .query_row([kkm_id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .optional()?;
        let (last, facts, counters, token, since, until) =
            row.ok_or(StoreError::UnknownKkm(kkm_id))?;
        Ok(KkmChain {
            kkm_id,
            last_hash: opt32(last, "last hash")?,
            facts_head: opt32(facts, "facts head")?,
            counters_digest: opt32(counters, "counters digest")?.unwrap_or(ZERO_HASH),
            token,
            since,
            until,
        })
    }

    /// Refuses to chain on a KKM whose chain has no upgrade point (its version-1
    /// journal did not verify when the store was upgraded).
    pub(crate) fn require_upgraded(&self) -> Result<(), StoreError> {
        match self.facts_head {
            Some(_) => Ok(()),
            None => Err(StoreError::Tampered {
                kkm_id: self.kkm_id,
                record: 0,
                reason: "the keyed chain has no upgrade point (the journal did not verify \
                         when the store was upgraded)"
                    .into(),
            }),
        }
    }

    /// The head MAC of this state.
    pub(crate) fn head(&self, key: &ChainKey) -> [u8; 32] {
        Head {
            kkm_id: self.kkm_id,
            last_doc: self.last_hash,
            last_fact: self.facts_head.unwrap_or(ZERO_HASH),
            counters_digest: self.counters_digest,
            token: &self.token,
            since: self.since,
            until: self.until,
        }
        .mac(key)
    }

    /// Writes this state to the `kkm` row with its head (and `counters`, if given).
    pub(crate) fn write(
        &self,
        tx: &Transaction<'_>,
        key: &ChainKey,
        counters: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        tx.prepare_cached(
            "UPDATE kkm SET last_hash = ?2, facts_head = ?3, counters_digest = ?4, token = ?5,
                 autonomous_since = ?6, autonomous_until = ?7, chain_head = ?8,
                 counters = COALESCE(?9, counters)
             WHERE kkm_id = ?1",
        )?
        .execute(params![
            self.kkm_id,
            self.last_hash.as_ref().map(|h| &h[..]),
            self.facts_head.as_ref().map(|h| &h[..]),
            &self.counters_digest[..],
            self.token,
            self.since,
            self.until,
            &self.head(key)[..],
            counters,
        ])?;
        Ok(())
    }

    /// Appends `fact` to the KKM's fact chain (its id, KKM and document head are
    /// filled in here); the caller writes the state after ([`KkmChain::write`]).
    pub(crate) fn add_fact(
        &mut self,
        tx: &Transaction<'_>,
        key: &ChainKey,
        mut fact: Fact,
    ) -> Result<(), StoreError> {
        let prev = match self.facts_head {
            Some(head) => head,
            None if fact.kind == FactKind::Genesis as u8 => key.facts_seed(self.kkm_id),
            None => {
                self.require_upgraded()?;
                ZERO_HASH
            }
        };
        fact.id = next_id(tx, "fact")?;
        fact.kkm_id = self.kkm_id;
        fact.doc_head = self.last_hash.unwrap_or(ZERO_HASH);
        let mac = fact.mac(key, &prev);
        tx.prepare_cached(
            "INSERT INTO fact (id, kkm_id, kind, doc_id, doc_head, fiscal_sign, qr_code, answer,
                 token, since, until, v1_last, v1_count, v1_digest, counters_digest, mac)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?
        .execute(params![
            fact.id,
            fact.kkm_id,
            fact.kind,
            fact.doc_id,
            &fact.doc_head[..],
            fact.fiscal_sign,
            fact.qr_code,
            fact.answer,
            fact.token,
            fact.since,
            fact.until,
            fact.v1_last,
            fact.v1_count,
            fact.v1_digest,
            fact.counters_digest,
            &mac[..],
        ])?;
        self.facts_head = Some(mac);
        Ok(())
    }
}

/// The id the next row of `table` (AUTOINCREMENT) gets, so that a MAC can cover it.
pub(crate) fn next_id(tx: &Transaction<'_>, table: &str) -> Result<i64, StoreError> {
    let seq: Option<i64> = tx
        .prepare_cached("SELECT seq FROM sqlite_sequence WHERE name = ?1")?
        .query_row([table], |r| r.get(0))
        .optional()?;
    let max: Option<i64> = tx
        .prepare_cached(&format!("SELECT MAX(id) FROM {table}"))?
        .query_row([], |r| r.get(0))?;
    Ok(seq.unwrap_or(0).max(max.unwrap_or(0)) + 1)
}

/// A new KKM's genesis: no version-1 records, its token and counters as given.
pub(crate) fn genesis_of_new(
    tx: &Transaction<'_>,
    key: &ChainKey,
    kkm_id: u32,
) -> Result<(), StoreError> {
    let mut chain = KkmChain::read(tx, kkm_id)?;
    let counters: Vec<u8> = tx.query_row(
        "SELECT counters FROM kkm WHERE kkm_id = ?1",
        [kkm_id],
        |r| r.get(0),
    )?;
    chain.counters_digest = counters_digest(&counters);
    let genesis = Fact {
        kind: FactKind::Genesis as u8,
        token: Some(chain.token.clone()),
        since: chain.since,
        until: chain.until,
        v1_last: Some(0),
        v1_count: Some(0),
        v1_digest: Some(crate::verify::V1Digest::new().finish().to_vec()),
        counters_digest: Some(chain.counters_digest.to_vec()),
        ..Fact::default()
    };
    chain.add_fact(tx, key, genesis)?;
    chain.write(tx, key, None)
}

/// Upgrades every KKM of a version-1 store to the keyed chain, in the caller's
/// transaction: each KKM whose version-1 chain verifies gets its genesis (the upgrade
/// point: last version-1 record, their count, the digest of their other columns, the
/// token, autonomous period and counters of now) and one fact per answer and per
/// autonomous mark its version-1 records already had. A KKM that does not verify gets
/// no genesis: it stays in ValuesConflict (68) with its record named.
pub(crate) fn upgrade_v1(tx: &Transaction<'_>, key: &ChainKey) -> Result<Vec<u32>, StoreError> {
    let kkms: Vec<u32> = tx
        .prepare("SELECT kkm_id FROM kkm ORDER BY kkm_id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut failed = Vec::new();
    for kkm_id in kkms {
        let legacy = match crate::verify::walk_v1(tx, kkm_id) {
            Ok(legacy) => legacy,
            Err(StoreError::Tampered { record, reason, .. }) => {
                crate::journal::mark_conflict(tx, kkm_id, record, &reason)?;
                failed.push(kkm_id);
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut chain = KkmChain::read(tx, kkm_id)?;
        let counters: Vec<u8> = tx.query_row(
            "SELECT counters FROM kkm WHERE kkm_id = ?1",
            [kkm_id],
            |r| r.get(0),
        )?;
        chain.counters_digest = counters_digest(&counters);
        chain.add_fact(
            tx,
            key,
            Fact {
                kind: FactKind::Genesis as u8,
                token: Some(chain.token.clone()),
                since: chain.since,
                until: chain.until,
                v1_last: Some(legacy.last_id),
                v1_count: Some(legacy.count),
                v1_digest: Some(legacy.digest.to_vec()),
                counters_digest: Some(chain.counters_digest.to_vec()),
                ..Fact::default()
            },
        )?;
        type Answered = (i64, Option<String>, Option<String>, Option<Vec<u8>>, bool);
        let answered: Vec<Answered> = tx
            .prepare(
                "SELECT id, fiscal_sign, qr_code, answer, offline FROM journal
                 WHERE kkm_id = ?1 AND (fiscal_sign IS NOT NULL OR qr_code IS NOT NULL
                     OR answer IS NOT NULL OR offline != 0)
                 ORDER BY id",
            )?
            .query_map([kkm_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?;
        for (id, fiscal_sign, qr_code, answer, offline) in answered {
            if offline {
                chain.add_fact(
                    tx,
                    key,
                    Fact {
                        kind: FactKind::Offline as u8,
                        doc_id: Some(id),
                        ..Fact::default()
                    },
                )?;
            }
            if fiscal_sign.is_some() || qr_code.is_some() || answer.is_some() {
                chain.add_fact(
                    tx,
                    key,
                    Fact {
                        kind: FactKind::Answer as u8,
                        doc_id: Some(id),
                        fiscal_sign,
                        qr_code,
                        answer,
                        ..Fact::default()
                    },
                )?;
            }
        }
        chain.write(tx, key, None)?;
    }
    Ok(failed)
}
