//! The sales summary behind the console's analytics: per KKM, per hour of device time,
//! per document kind and operator — documents, totals, discounts, markups and the
//! amounts per payment type — plus the amounts per section.
//!
//! It is derived from the journal and caught up lazily: the register reads the records
//! after [`Store::summary_watermark`], extracts each receipt's facts from its payload
//! (the store does not read payloads) and hands them to [`Store::summarise`], which adds
//! them to the hourly rows and moves the watermark in one transaction. A month of a
//! 100,000-document KKM is then at most 720 hours × kinds × operators rows to read,
//! instead of 100,000 payloads to parse. The summary is not fiscal data and not in the
//! hash chain; deleting its tables only makes the next query rebuild them.

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use crate::{DocumentKind, Store, StoreError};

/// Seconds in an hour: the summary's grain.
pub const HOUR_SECS: i64 = 3600;

/// What the summary keeps of one receipt (extracted by the register from its payload).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceiptFacts {
    /// When (device calendar seconds).
    pub at: i64,
    /// Receipt kind (`Buy`, `BuyReturn`, `Sell`, `SellReturn`).
    pub kind: Option<DocumentKind>,
    /// Who made it.
    pub operator_id: u32,
    /// Its total, tiyn.
    pub total: i64,
    /// Discounts on it (items and receipt), tiyn.
    pub discount: i64,
    /// Markups on it, tiyn.
    pub markup: i64,
    /// Paid in cash (net of change), tiyn.
    pub cash: i64,
    /// Paid by card, tiyn.
    pub card: i64,
    /// Paid by mobile payment, tiyn.
    pub mobile: i64,
    /// Amount per section code (what the buyer paid for its lines), tiyn.
    pub sections: Vec<(String, i64)>,
}

/// One summary row: an hour, a kind and an operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SummaryRow {
    /// Hour (device calendar seconds / 3600).
    pub hour: i64,
    /// Receipt kind.
    pub kind: DocumentKind,
    /// Operator id.
    pub operator_id: u32,
    /// Receipts.
    pub documents: i64,
    /// Σ totals, tiyn.
    pub total: i64,
    /// Σ discounts, tiyn.
    pub discount: i64,
    /// Σ markups, tiyn.
    pub markup: i64,
    /// Σ cash (net of change), tiyn.
    pub cash: i64,
    /// Σ card, tiyn.
    pub card: i64,
    /// Σ mobile, tiyn.
    pub mobile: i64,
}

/// The amount of one section in one hour for one kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionRow {
    /// Hour (device calendar seconds / 3600).
    pub hour: i64,
    /// Receipt kind.
    pub kind: DocumentKind,
    /// Section (отдел) code.
    pub section: String,
    /// Σ amounts, tiyn.
    pub amount: i64,
}

fn kind_of(code: u8) -> Result<DocumentKind, StoreError> {
    DocumentKind::from_code(i64::from(code))
        .ok_or_else(|| StoreError::Malformed(format!("summary row of unknown kind {code}")))
}

impl Store {
    /// The journal id up to which the KKM's summary is complete (0: nothing yet).
    pub fn summary_watermark(&self, kkm_id: u32) -> Result<i64, StoreError> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                "SELECT last_doc FROM summary_progress WHERE kkm_id = ?1",
                [kkm_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
    }

    /// Adds `facts` (the receipts among the KKM's records `from_watermark+1..=upto`) to
    /// the summary and moves its watermark to `upto`, in one transaction. Returns
    /// `false`, adding nothing, when the watermark is no longer `from_watermark`
    /// (another caller summarised these records first).
    pub fn summarise(
        &self,
        kkm_id: u32,
        from_watermark: i64,
        upto: i64,
        facts: &[ReceiptFacts],
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 = tx
            .query_row(
                "SELECT last_doc FROM summary_progress WHERE kkm_id = ?1",
                [kkm_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        if current != from_watermark || upto < current {
            return Ok(false);
        }
        {
            let mut hour = tx.prepare_cached(
                "INSERT INTO summary_hour (kkm_id, hour, kind, operator_id, documents, total,
                     discount, markup, cash, card, mobile)
                 VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (kkm_id, hour, kind, operator_id) DO UPDATE SET
                     documents = documents + 1, total = total + excluded.total,
                     discount = discount + excluded.discount, markup = markup + excluded.markup,
                     cash = cash + excluded.cash, card = card + excluded.card,
                     mobile = mobile + excluded.mobile",
            )?;
            let mut section = tx.prepare_cached(
                "INSERT INTO summary_section (kkm_id, hour, kind, section, amount)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (kkm_id, hour, kind, section) DO UPDATE SET
                     amount = amount + excluded.amount",
            )?;
            for f in facts {
                let Some(kind) = f.kind else { continue };
                let h = f.at.div_euclid(HOUR_SECS);
                hour.execute(params![
                    kkm_id,
                    h,
                    kind.code(),
                    f.operator_id,
                    f.total,
                    f.discount,
                    f.markup,
                    f.cash,
                    f.card,
                    f.mobile
                ])?;
                for (code, amount) in &f.sections {
                    section.execute(params![kkm_id, h, kind.code(), code, amount])?;
                }
            }
        }
        tx.execute(
            "INSERT INTO summary_progress (kkm_id, last_doc) VALUES (?1, ?2)
             ON CONFLICT (kkm_id) DO UPDATE SET last_doc = excluded.last_doc",
            params![kkm_id, upto],
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// The KKM's summary rows of hours `from_hour..=to_hour`.
    pub fn summary_hours(
        &self,
        kkm_id: u32,
        from_hour: i64,
        to_hour: i64,
    ) -> Result<Vec<SummaryRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT hour, kind, operator_id, documents, total, discount, markup, cash, card,
                    mobile
             FROM summary_hour WHERE kkm_id = ?1 AND hour BETWEEN ?2 AND ?3",
        )?;
        let rows = stmt.query_map(params![kkm_id, from_hour, to_hour], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, u8>(1)?,
                r.get::<_, u32>(2)?,
                [
                    r.get::<_, i64>(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                ],
            ))
        })?;
        rows.map(|row| {
            let (hour, kind, operator_id, [documents, total, discount, markup, cash, card, mobile]) =
                row?;
            Ok(SummaryRow {
                hour,
                kind: kind_of(kind)?,
                operator_id,
                documents,
                total,
                discount,
                markup,
                cash,
                card,
                mobile,
            })
        })
        .collect()
    }

    /// The KKM's section amounts of hours `from_hour..=to_hour`.
    pub fn summary_sections(
        &self,
        kkm_id: u32,
        from_hour: i64,
        to_hour: i64,
    ) -> Result<Vec<SectionRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT hour, kind, section, amount FROM summary_section
             WHERE kkm_id = ?1 AND hour BETWEEN ?2 AND ?3",
        )?;
        let rows = stmt.query_map(params![kkm_id, from_hour, to_hour], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, u8>(1)?,
                r.get(2)?,
                r.get(3)?,
            ))
        })?;
        rows.map(|row| {
            let (hour, kind, section, amount) = row?;
            Ok(SectionRow {
                hour,
                kind: kind_of(kind)?,
                section,
                amount,
            })
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StaticKey;

    fn sale(at: i64, operator_id: u32, total: i64, section: &str) -> ReceiptFacts {
        ReceiptFacts {
            at,
            kind: Some(DocumentKind::Sell),
            operator_id,
            total,
            cash: total,
            sections: vec![(section.into(), total)],
            ..ReceiptFacts::default()
        }
    }

    #[test]
    fn facts_add_up_per_hour_and_the_watermark_guards_against_double_counting() {
        let s = Store::open_in_memory(&StaticKey([1; 32])).unwrap();
        assert_eq!(s.summary_watermark(7).unwrap(), 0);
        let facts = [
            sale(3600 * 10 + 5, 1, 1000, "1"),
            sale(3600 * 10 + 50, 1, 500, "2"),
            sale(3600 * 11, 2, 250, "1"),
        ];
        assert!(s.summarise(7, 0, 40, &facts).unwrap());
        // A second caller that read the same watermark adds nothing.
        assert!(!s.summarise(7, 0, 40, &facts).unwrap());
        assert_eq!(s.summary_watermark(7).unwrap(), 40);
        let mut rows = s.summary_hours(7, 0, 100).unwrap();
        rows.sort_by_key(|r| (r.hour, r.operator_id));
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].hour, rows[0].documents, rows[0].total),
            (10, 2, 1500)
        );
        assert_eq!(
            (rows[1].hour, rows[1].operator_id, rows[1].cash),
            (11, 2, 250)
        );
        let mut sections = s.summary_sections(7, 10, 10).unwrap();
        sections.sort_by(|a, b| a.section.cmp(&b.section));
        assert_eq!(
            sections
                .iter()
                .map(|r| (r.section.as_str(), r.amount))
                .collect::<Vec<_>>(),
            vec![("1", 1000), ("2", 500)]
        );
        // Another KKM's summary is its own.
        assert!(s.summary_hours(8, 0, 100).unwrap().is_empty());
    }
}
