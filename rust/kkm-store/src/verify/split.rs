//! Where a long journal table is split for the two readers of the verification at
//! open, and what the second half starts each KKM from.

use rusqlite::{Connection, OptionalExtension};

use super::documents::Target;
use crate::journal::{DocumentKind, ZERO_HASH};
use crate::StoreError;

/// Below this many rows the table is not split (the second connection costs more
/// than it saves).
const SPLIT_ROWS: i64 = 2_048;

/// Where to split the table: the middle row's id, when the table is long enough and
/// every target's version-1 records (walked in one sequence) lie below it.
pub(crate) fn split_point(
    conn: &Connection,
    targets: &[Target<'_>],
) -> Result<Option<i64>, StoreError> {
    let count: i64 = conn.query_row("SELECT count(*) FROM journal", [], |r| r.get(0))?;
    if count < SPLIT_ROWS {
        return Ok(None);
    }
    let at: Option<i64> = conn
        .query_row(
            "SELECT id FROM journal ORDER BY id LIMIT 1 OFFSET ?1",
            [count / 2],
            |r| r.get(0),
        )
        .optional()?;
    let legacy_end = targets
        .iter()
        .map(|t| {
            t.facts
                .and_then(|f| f.genesis.as_ref())
                .map_or(i64::MAX, |g| g.v1_last)
        })
        .max()
        .unwrap_or(0);
    Ok(at.filter(|&at| at > legacy_end))
}

/// What the second half of a split walk starts a KKM from: its last record below the
/// split (a value of the wrong type there is that record's failure, found by the
/// first half; the second then starts from zeros and fails later, if at all).
pub(super) struct Before {
    pub hash: [u8; 32],
    pub shift: Option<(u32, [u8; 32])>,
}

pub(super) fn last_below(
    conn: &Connection,
    kkm_id: u32,
    at: i64,
) -> Result<Option<Before>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT hash, kind, shift_number, shift_digest FROM journal
             WHERE kkm_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT 1",
        )?
        .query_row(rusqlite::params![kkm_id, at], |r| {
            let bytes32 = |i: usize| -> rusqlite::Result<[u8; 32]> {
                Ok(r.get_ref(i)?
                    .as_blob()
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .unwrap_or(ZERO_HASH))
            };
            let kind = r.get_ref(1)?.as_i64().ok();
            let shift_number = r
                .get_ref(2)?
                .as_i64()
                .ok()
                .and_then(|n| u32::try_from(n).ok());
            Ok(Before {
                hash: bytes32(0)?,
                shift: match (kind, shift_number) {
                    (Some(k), Some(n)) if k != i64::from(DocumentKind::ZReport.code()) => {
                        Some((n, bytes32(3)?))
                    }
                    _ => None,
                },
            })
        })
        .optional()?;
    Ok(row)
}
