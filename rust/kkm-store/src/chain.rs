//! The keyed chain (version 2): what every MAC of the journal covers, and how.
//!
//! All MACs are HMAC-SHA-256 under the *chain key*, derived from the data key with
//! HKDF-SHA-256 (salt `kkm-store`, info `journal chain v2`): whoever can write the file
//! but has not the key cannot make a MAC that verifies. Every field is framed
//! (integers little-endian, byte strings with their length, absent values with a
//! presence byte), and each kind of MAC starts with its own label.
//!
//! * A **document** MAC covers its predecessor's MAC (or, for the first record after an
//!   upgrade, the last version-1 hash), its id and every column written at append: KKM,
//!   kind, operator, time, total, shift, offline number, payload, the CPCR request,
//!   idempotency key and fingerprint, number in the shift, the autonomous mark known at
//!   append, the parent's fiscal sign, and the digest of the counters blob written with
//!   it.
//! * A **fact** is what happens to a KKM after the fact, one chained row of `fact` each
//!   ([`FactKind`]): the OFD's answer to a document (fiscal sign, QR, answer bytes), a
//!   document going autonomous (with the counters written with it), a token change, the
//!   start or end of an autonomous period, and the *genesis* — the first fact of every
//!   KKM, which records the upgrade point (the last version-1 record, the count of
//!   version-1 records and a digest of their columns the version-1 hash does not
//!   cover). A fact's MAC covers its predecessor's, its id, its columns and the
//!   document chain's head when it was written (so facts are tied to a place among
//!   the documents).
//! * The **head** (`kkm.chain_head`) covers the last document MAC, the last fact MAC,
//!   the counters digest, the sealed token and the autonomous period: the state the
//!   `kkm` row holds cannot be rolled back or swapped without the key.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::secrets::KEY_LEN;

type HmacSha256 = Hmac<Sha256>;

/// The chain key, ready to MAC (the keyed state is computed once).
#[derive(Clone)]
pub(crate) struct ChainKey {
    mac: HmacSha256,
}

impl ChainKey {
    /// Derives the chain key from the data key (HKDF-SHA-256).
    pub(crate) fn derive(data_key: &[u8; KEY_LEN]) -> ChainKey {
        let key = crate::secrets::derive_key(data_key, b"journal chain v2");
        ChainKey {
            mac: <HmacSha256 as Mac>::new_from_slice(&key)
                .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length")),
        }
    }

    /// A framed MAC computation starting with `label`.
    pub(crate) fn start(&self, label: &[u8]) -> Framer {
        let mut framer = Framer {
            mac: self.mac.clone(),
        };
        framer.bytes(label);
        framer
    }

    /// The seed of a KKM's fact chain (the predecessor of its genesis).
    pub(crate) fn facts_seed(&self, kkm_id: u32) -> [u8; 32] {
        let mut f = self.start(b"kkm-facts-seed-2");
        f.u32(kkm_id);
        f.finish()
    }
}

/// A MAC under construction, fed framed fields.
pub(crate) struct Framer {
    mac: HmacSha256,
}

impl Framer {
    pub(crate) fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.mac.update(bytes);
        self
    }
    pub(crate) fn u8(&mut self, v: u8) -> &mut Self {
        self.raw(&[v])
    }
    pub(crate) fn u32(&mut self, v: u32) -> &mut Self {
        self.raw(&v.to_le_bytes())
    }
    pub(crate) fn i64(&mut self, v: i64) -> &mut Self {
        self.raw(&v.to_le_bytes())
    }
    pub(crate) fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.raw(&(v.len() as u64).to_le_bytes()).raw(v)
    }
    pub(crate) fn opt_bytes(&mut self, v: Option<&[u8]>) -> &mut Self {
        match v {
            None => self.u8(0),
            Some(v) => self.u8(1).bytes(v),
        }
    }
    pub(crate) fn opt_u32(&mut self, v: Option<u32>) -> &mut Self {
        match v {
            None => self.u8(0),
            Some(v) => self.u8(1).u32(v),
        }
    }
    pub(crate) fn opt_i64(&mut self, v: Option<i64>) -> &mut Self {
        match v {
            None => self.u8(0),
            Some(v) => self.u8(1).i64(v),
        }
    }
    pub(crate) fn finish(self) -> [u8; 32] {
        self.mac.finalize().into_bytes().into()
    }
}

/// The digest of a counters blob (what MACs cover of it).
pub(crate) fn counters_digest(counters: &[u8]) -> [u8; 32] {
    Sha256::digest(counters).into()
}

/// What a fact records (stored as its code in `fact.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FactKind {
    /// The first fact of a KKM: the upgrade point and the state taken over.
    Genesis = 0,
    /// The OFD accepted a document: fiscal sign, QR, answer.
    Answer = 1,
    /// A document went autonomous after the fact, with the counters written with it.
    Offline = 2,
    /// A new OFD token.
    Token = 3,
    /// The autonomous period started or ended (the period after the change).
    Autonomy = 4,
}

impl FactKind {
    pub(crate) fn from_code(code: i64) -> Option<FactKind> {
        Some(match code {
            0 => FactKind::Genesis,
            1 => FactKind::Answer,
            2 => FactKind::Offline,
            3 => FactKind::Token,
            4 => FactKind::Autonomy,
            _ => return None,
        })
    }
}

/// One fact: every column of a `fact` row but its MAC.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fact {
    pub id: i64,
    pub kkm_id: u32,
    pub kind: u8,
    pub doc_id: Option<i64>,
    /// The document chain's head when the fact was written (zero: no documents).
    pub doc_head: [u8; 32],
    pub fiscal_sign: Option<String>,
    pub qr_code: Option<String>,
    pub answer: Option<Vec<u8>>,
    /// The sealed token (genesis, token).
    pub token: Option<Vec<u8>>,
    /// The autonomous period after the fact (genesis, autonomy).
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Genesis: the last version-1 record (0: none), their count and the digest of
    /// their columns outside the version-1 hash.
    pub v1_last: Option<i64>,
    pub v1_count: Option<i64>,
    pub v1_digest: Option<Vec<u8>>,
    /// The counters written with it (genesis, offline).
    pub counters_digest: Option<Vec<u8>>,
}

impl Fact {
    /// The fact's MAC after `prev`.
    pub(crate) fn mac(&self, key: &ChainKey, prev: &[u8; 32]) -> [u8; 32] {
        let mut f = key.start(b"kkm-fact-2");
        f.raw(prev)
            .i64(self.id)
            .u32(self.kkm_id)
            .u8(self.kind)
            .opt_i64(self.doc_id)
            .raw(&self.doc_head)
            .opt_bytes(self.fiscal_sign.as_deref().map(str::as_bytes))
            .opt_bytes(self.qr_code.as_deref().map(str::as_bytes))
            .opt_bytes(self.answer.as_deref())
            .opt_bytes(self.token.as_deref())
            .opt_i64(self.since)
            .opt_i64(self.until)
            .opt_i64(self.v1_last)
            .opt_i64(self.v1_count)
            .opt_bytes(self.v1_digest.as_deref())
            .opt_bytes(self.counters_digest.as_deref());
        f.finish()
    }
}

/// The state a `kkm` row holds, as the head covers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Head<'a> {
    pub kkm_id: u32,
    pub last_doc: Option<[u8; 32]>,
    pub last_fact: [u8; 32],
    pub counters_digest: [u8; 32],
    pub token: &'a [u8],
    pub since: Option<i64>,
    pub until: Option<i64>,
}

impl Head<'_> {
    pub(crate) fn mac(&self, key: &ChainKey) -> [u8; 32] {
        let mut f = key.start(b"kkm-head-2");
        f.u32(self.kkm_id)
            .opt_bytes(self.last_doc.as_ref().map(|h| &h[..]))
            .raw(&self.last_fact)
            .raw(&self.counters_digest)
            .bytes(self.token)
            .opt_i64(self.since)
            .opt_i64(self.until);
        f.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_key_depends_on_the_data_key_and_frames_fields() {
        let a = ChainKey::derive(&[1; KEY_LEN]);
        let b = ChainKey::derive(&[2; KEY_LEN]);
        let mac = |k: &ChainKey, x: &[u8], y: &[u8]| {
            let mut f = k.start(b"t");
            f.bytes(x).bytes(y);
            f.finish()
        };
        assert_ne!(mac(&a, b"ab", b"c"), mac(&b, b"ab", b"c"));
        // Framing: moving a byte between fields changes the MAC.
        assert_ne!(mac(&a, b"ab", b"c"), mac(&a, b"a", b"bc"));
        assert_eq!(mac(&a, b"ab", b"c"), mac(&a, b"ab", b"c"));
        assert_ne!(a.facts_seed(1), a.facts_seed(2));
        // Absent and empty differ.
        let mut x = a.start(b"t");
        x.opt_bytes(None);
        let mut y = a.start(b"t");
        y.opt_bytes(Some(b""));
        assert_ne!(x.finish(), y.finish());
    }
}
