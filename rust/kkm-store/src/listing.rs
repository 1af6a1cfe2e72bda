//! Journal listings: the records of a KKM that match a filter, every condition applied in
//! SQL and read a page at a time (keyset pagination on the record id), so that a listing
//! of any length is answered whole without holding it all in memory.

use rusqlite::params_from_iter;
use rusqlite::types::Value;

use crate::journal::{finish_record, read_record, RECORD_COLUMNS};
use crate::{DocumentKind, Record, Store, StoreError};

/// Which records of a KKM a listing wants; every field that is set narrows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// Made at or after this device time (seconds).
    pub from: Option<i64>,
    /// Made at or before this device time (seconds).
    pub to: Option<i64>,
    /// Of these kinds (empty: any).
    pub kinds: Vec<DocumentKind>,
    /// In this shift.
    pub shift_number: Option<u32>,
    /// With this fiscal sign — or, for a receipt the OFD has not answered yet, this
    /// offline number (what the receipt shows in place of the sign).
    pub fiscal_sign: Option<String>,
    /// This journal id.
    pub id: Option<i64>,
}

impl RecordFilter {
    /// The `WHERE` clause (after the KKM and the page's id) and its parameters.
    fn clause(&self, kkm_id: u32, after: i64) -> (String, Vec<Value>) {
        let mut sql = String::from("kkm_id = ? AND id > ?");
        let mut params = vec![Value::from(i64::from(kkm_id)), Value::from(after)];
        if let Some(from) = self.from {
            sql.push_str(" AND at >= ?");
            params.push(Value::from(from));
        }
        if let Some(to) = self.to {
            sql.push_str(" AND at <= ?");
            params.push(Value::from(to));
        }
        if !self.kinds.is_empty() {
            sql.push_str(" AND kind IN (");
            for (i, kind) in self.kinds.iter().enumerate() {
                sql.push_str(if i == 0 { "?" } else { ", ?" });
                params.push(Value::from(i64::from(kind.code())));
            }
            sql.push(')');
        }
        if let Some(shift) = self.shift_number {
            sql.push_str(" AND shift_number = ?");
            params.push(Value::from(i64::from(shift)));
        }
        if let Some(sign) = self.fiscal_sign.as_deref() {
            let sign = sign.trim();
            match sign.parse::<u32>() {
                Ok(number) => {
                    sql.push_str(
                        " AND (fiscal_sign = ? OR (fiscal_sign IS NULL AND offline_number = ?))",
                    );
                    params.push(Value::from(sign.to_owned()));
                    params.push(Value::from(i64::from(number)));
                }
                Err(_) => {
                    sql.push_str(" AND fiscal_sign = ?");
                    params.push(Value::from(sign.to_owned()));
                }
            }
        }
        if let Some(id) = self.id {
            sql.push_str(" AND id = ?");
            params.push(Value::from(id));
        }
        (sql, params)
    }
}

impl Store {
    /// Up to `limit` records of KKM `kkm_id` that match `filter`, with ids greater than
    /// `after`, in journal order. Page on with the last id returned; an empty page is
    /// the end.
    pub fn records_matching(
        &self,
        kkm_id: u32,
        filter: &RecordFilter,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Record>, StoreError> {
        let (clause, mut params) = filter.clause(kkm_id, after);
        params.push(Value::from(i64::from(limit)));
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS} FROM journal WHERE {clause} ORDER BY id LIMIT ?"
        ))?;
        let rows = stmt.query_map(params_from_iter(params), read_record)?;
        rows.map(|r| finish_record(r?, None)).collect()
    }

    /// How many records of KKM `kkm_id` match `filter`.
    pub fn count_matching(&self, kkm_id: u32, filter: &RecordFilter) -> Result<u64, StoreError> {
        let (clause, params) = filter.clause(kkm_id, 0);
        let conn = self.conn();
        let n: i64 = conn
            .prepare_cached(&format!("SELECT COUNT(*) FROM journal WHERE {clause}"))?
            .query_row(params_from_iter(params), |row| row.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NewDocument, StaticKey};

    fn doc(at: i64, kind: DocumentKind, shift: u32) -> NewDocument<'static> {
        NewDocument {
            kkm_id: 7,
            kind,
            operator_id: 1,
            at,
            total: 100,
            shift_number: shift,
            offline_number: Some(at as u32),
            payload: b"{}",
            request: None,
            idempotency_key: None,
            idempotency_fingerprint: None,
            shift_document: 1,
            offline: false,
            parent: None,
        }
    }

    #[test]
    fn every_filter_narrows_in_sql_and_pages_cover_everything_once() {
        let store = Store::open_in_memory(&StaticKey([7; 32])).unwrap();
        store.add_kkm(7, 1, b"{}").unwrap();
        let docs: Vec<NewDocument<'_>> = (0..1_000)
            .map(|i| {
                let kind = match i % 10 {
                    9 => DocumentKind::ZReport,
                    5 => DocumentKind::Deposit,
                    _ => DocumentKind::Sell,
                };
                doc(1_000 + i, kind, 1 + (i / 10) as u32)
            })
            .collect();
        store.append_batch(&docs, b"{}").unwrap();
        let all = |filter: &RecordFilter| {
            let mut out = Vec::new();
            let mut after = 0;
            loop {
                let page = store.records_matching(7, filter, after, 64).unwrap();
                let Some(last) = page.last() else { break };
                after = last.id;
                out.extend(page);
            }
            out
        };
        let everything = all(&RecordFilter::default());
        assert_eq!(everything.len(), 1_000);
        assert!(everything.windows(2).all(|w| w[0].id < w[1].id));
        let sells = RecordFilter {
            kinds: vec![DocumentKind::Sell],
            ..RecordFilter::default()
        };
        assert_eq!(all(&sells).len(), 800);
        assert_eq!(store.count_matching(7, &sells).unwrap(), 800);
        let shift = RecordFilter {
            shift_number: Some(50),
            ..RecordFilter::default()
        };
        assert_eq!(all(&shift).len(), 10);
        let period = RecordFilter {
            from: Some(1_100),
            to: Some(1_199),
            kinds: vec![DocumentKind::ZReport, DocumentKind::Deposit],
            ..RecordFilter::default()
        };
        assert_eq!(all(&period).len(), 20);
        let by_offline = RecordFilter {
            fiscal_sign: Some("1500".into()),
            ..RecordFilter::default()
        };
        let found = all(&by_offline);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].at, 1_500);
        let by_id = RecordFilter {
            id: Some(everything[3].id),
            ..RecordFilter::default()
        };
        assert_eq!(all(&by_id), vec![everything[3].clone()]);
        // Another KKM sees nothing.
        assert!(store
            .records_matching(8, &RecordFilter::default(), 0, 10)
            .unwrap()
            .is_empty());
    }
}
