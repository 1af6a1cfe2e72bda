//! Reading the journal the way a person browses it (the web console): pages of a
//! period, newest first, filtered as listings are ([`RecordFilter`]); and the few figures an overview
//! of a KKM shows (its last document, the age of its oldest queued document).

use rusqlite::types::Value;
use rusqlite::{params_from_iter, OptionalExtension};

use crate::journal::{finish_record, read_record, RECORD_COLUMNS};
use crate::{DocumentKind, Record, RecordFilter, Store, StoreError};

/// Where a page starts: just below this record (pages go from the newest down).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageCursor {
    /// The device time of the last record of the previous page.
    pub at: i64,
    /// Its journal id.
    pub id: i64,
}

impl Store {
    /// Up to `limit` of the KKM's records that match `filter` (the conditions of
    /// [`Store::records_matching`]), newest first, starting below `before` (the last
    /// record of the previous page). Records are read by the `(kkm_id, at)` index, or
    /// for a filter by kind by `(kkm_id, kind, at)` — several kinds one after the other,
    /// merged — so a page costs the same anywhere in a long journal however rare the
    /// kind.
    pub fn records_newest_first(
        &self,
        kkm_id: u32,
        filter: &RecordFilter,
        before: Option<PageCursor>,
        limit: u32,
    ) -> Result<Vec<Record>, StoreError> {
        let mut kinds = filter.kinds.clone();
        kinds.sort_by_key(|k| k.code());
        kinds.dedup();
        if kinds.len() > 1 {
            let mut merged = Vec::new();
            for kind in kinds {
                let one = RecordFilter {
                    kinds: vec![kind],
                    ..filter.clone()
                };
                merged.extend(self.records_newest_first(kkm_id, &one, before, limit)?);
            }
            merged.sort_by_key(|r| std::cmp::Reverse((r.at, r.id)));
            merged.truncate(limit as usize);
            return Ok(merged);
        }
        let (clause, mut params) = filter.clause(kkm_id, 0);
        let mut sql = format!("SELECT {RECORD_COLUMNS} FROM journal WHERE {clause}");
        if let Some(c) = before {
            sql.push_str(" AND at <= ? AND (at < ? OR id < ?)");
            params.extend([Value::from(c.at), Value::from(c.at), Value::from(c.id)]);
        }
        sql.push_str(" ORDER BY at DESC, id DESC LIMIT ?");
        params.push(Value::from(i64::from(limit)));
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(params), read_record)?;
        rows.map(|r| finish_record(r?, None)).collect()
    }

    /// The KKM's last record, if any, whole.
    pub fn latest_record(&self, kkm_id: u32) -> Result<Option<Record>, StoreError> {
        let conn = self.conn();
        let found = conn
            .query_row(
                &format!(
                    "SELECT {RECORD_COLUMNS} FROM journal WHERE kkm_id = ?1 ORDER BY id DESC LIMIT 1"
                ),
                [kkm_id],
                read_record,
            )
            .optional()?;
        found.map(|r| finish_record(r, None)).transpose()
    }

    /// The KKM's last record of `kind`, if any.
    pub fn last_record_of(
        &self,
        kkm_id: u32,
        kind: DocumentKind,
    ) -> Result<Option<Record>, StoreError> {
        let conn = self.conn();
        let found = conn
            .query_row(
                &format!(
                    "SELECT {RECORD_COLUMNS} FROM journal WHERE kkm_id = ?1 AND kind = ?2 \
                     ORDER BY id DESC LIMIT 1"
                ),
                rusqlite::params![kkm_id, kind.code()],
                read_record,
            )
            .optional()?;
        found.map(|r| finish_record(r, None)).transpose()
    }

    /// The device time of the KKM's oldest document waiting for the OFD, if any.
    pub fn oldest_queued_at(&self, kkm_id: u32) -> Result<Option<i64>, StoreError> {
        let conn = self.conn();
        conn.query_row(
            "SELECT j.at FROM queue q JOIN journal j ON j.id = q.doc_id
             WHERE q.kkm_id = ?1 ORDER BY q.doc_id LIMIT 1",
            [kkm_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NewDocument, StaticKey};

    fn doc(kind: DocumentKind, at: i64, shift_number: u32) -> NewDocument<'static> {
        NewDocument {
            kkm_id: 1,
            kind,
            operator_id: 1,
            at,
            total: 100,
            shift_number,
            offline_number: None,
            payload: b"{}",
            request: matches!(kind, DocumentKind::Sell).then_some(b"req".as_slice()),
            idempotency_key: None,
            idempotency_fingerprint: None,
            shift_document: 0,
            offline: false,
            parent: None,
        }
    }

    #[test]
    fn pages_go_from_the_newest_down_with_filters() {
        let s = Store::open_in_memory(&StaticKey([1; 32])).unwrap();
        s.add_kkm(1, 1, b"{}").unwrap();
        assert_eq!(s.latest_record(1).unwrap(), None);
        let mut docs = Vec::new();
        for i in 0..25 {
            let kind = if i % 5 == 4 {
                DocumentKind::XReport
            } else {
                DocumentKind::Sell
            };
            // Two records share each second: the cursor must not lose either.
            docs.push(doc(kind, 1000 + i / 2, 1 + (i / 10) as u32));
        }
        s.append_batch(&docs, b"{}").unwrap();

        let all = RecordFilter::default();
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = s.records_newest_first(1, &all, cursor, 7).unwrap();
            let Some(last) = page.last() else { break };
            cursor = Some(PageCursor {
                at: last.at,
                id: last.id,
            });
            seen.extend(page.iter().map(|r| r.id));
        }
        let mut expected: Vec<i64> = (1..=25).collect();
        expected.reverse();
        assert_eq!(seen, expected, "every record once, newest first");

        let x = RecordFilter {
            kinds: vec![DocumentKind::XReport],
            ..RecordFilter::default()
        };
        assert_eq!(s.records_newest_first(1, &x, None, 100).unwrap().len(), 5);
        let period_shift = RecordFilter {
            from: Some(1001),
            to: Some(1004),
            shift_number: Some(1),
            ..RecordFilter::default()
        };
        let ids: Vec<i64> = s
            .records_newest_first(1, &period_shift, None, 100)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, vec![10, 9, 8, 7, 6, 5, 4, 3]);
        assert_eq!(s.latest_record(1).unwrap().unwrap().id, 25);
        assert_eq!(
            s.last_record_of(1, DocumentKind::XReport)
                .unwrap()
                .unwrap()
                .id,
            25
        );
        assert_eq!(s.oldest_queued_at(1).unwrap(), Some(1000));
    }

    #[test]
    fn a_filter_by_kinds_reads_each_kind_by_its_index_and_pages_them_merged() {
        let s = Store::open_in_memory(&StaticKey([1; 32])).unwrap();
        s.add_kkm(1, 1, b"{}").unwrap();
        let docs: Vec<_> = (0..300)
            .map(|i| {
                let kind = match i % 50 {
                    49 => DocumentKind::ZReport,
                    20 => DocumentKind::Deposit,
                    _ => DocumentKind::Sell,
                };
                doc(kind, 1000 + i / 3, 1 + (i / 50) as u32)
            })
            .collect();
        s.append_batch(&docs, b"{}").unwrap();
        let rare = RecordFilter {
            kinds: vec![
                DocumentKind::ZReport,
                DocumentKind::Deposit,
                DocumentKind::ZReport,
            ],
            from: Some(1000),
            to: Some(1100),
            ..RecordFilter::default()
        };
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = s.records_newest_first(1, &rare, cursor, 4).unwrap();
            let Some(last) = page.last() else { break };
            cursor = Some(PageCursor {
                at: last.at,
                id: last.id,
            });
            seen.extend(page.iter().map(|r| r.id));
        }
        let expected: Vec<i64> = (1..=300i64)
            .rev()
            .filter(|id| matches!((id - 1) % 50, 49 | 20) && 1000 + (id - 1) / 3 <= 1100)
            .collect();
        assert_eq!(seen, expected, "each once, newest first, across pages");
        // One kind in a period is read through (kkm_id, kind, at), in order, no sort.
        let (clause, params) = RecordFilter {
            kinds: vec![DocumentKind::ZReport],
            from: Some(1000),
            to: Some(1100),
            ..RecordFilter::default()
        }
        .clause(1, 0);
        let plan: Vec<String> = s
            .conn()
            .prepare(&format!(
                "EXPLAIN QUERY PLAN SELECT id FROM journal WHERE {clause} \
                 ORDER BY at DESC, id DESC LIMIT 50"
            ))
            .unwrap()
            .query_map(rusqlite::params_from_iter(params), |r| {
                r.get::<_, String>(3)
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter().any(|p| p.contains("journal_kind_at"))
                && !plan.iter().any(|p| p.contains("TEMP B-TREE")),
            "{plan:?}"
        );
    }
}
