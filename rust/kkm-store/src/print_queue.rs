//! The print queue: jobs written with their document ([`Store::append_printing`]) or
//! later (a reprint, [`Store::enqueue_print`]), taken strictly in order per printer,
//! and moved through their states by the register's print workers.
//!
//! A job that was `printing` when the process died is ambiguous: the paper may or may
//! not have come out. [`Store::recover_print_jobs`] (run at start) marks it
//! `interrupted` and queues one duplicate copy of its document on the same printer, in
//! one transaction: the customer gets the document once more, marked «ДУБЛИКАТ», never
//! an unmarked second original and never nothing.

use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};

use crate::journal::{append_in, Appended, NewDocument};
use crate::{Store, StoreError};

kkm_core::code_enum! {
    /// Where a print job is.
    PrintJobState: u8 {
        /// In the queue (first try, or waiting for its next retry).
        Waiting = 0,
        /// Being sent now.
        Printing = 1,
        /// The printer (or the spooler) took it.
        Printed = 2,
        /// Gave up after the retries; `error` says why. Reprint it.
        Failed = 3,
        /// The process died while it was being sent; a duplicate was queued instead.
        Interrupted = 4,
    }
}

impl PrintJobState {
    /// The state's name as the API writes it (`waiting`, `printing`, …).
    pub fn name(self) -> &'static str {
        match self {
            PrintJobState::Waiting => "waiting",
            PrintJobState::Printing => "printing",
            PrintJobState::Printed => "printed",
            PrintJobState::Failed => "failed",
            PrintJobState::Interrupted => "interrupted",
        }
    }
}

kkm_core::code_enum! {
    /// Which copy a job prints.
    PrintCopy: u8 {
        /// The original, printed once after the document was made.
        Original = 0,
        /// A copy marked «ДУБЛИКАТ» (reprint, or after an interrupted job).
        Duplicate = 1,
    }
}

/// A job to queue.
#[derive(Clone, Copy, Debug)]
pub struct NewPrintJob<'a> {
    /// The printer's address (its queue key).
    pub printer: &'a str,
    /// Original or duplicate.
    pub copy: PrintCopy,
    /// The render options, as the register's versioned JSON.
    pub options: &'a str,
}

/// A stored job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintJobRow {
    /// Job id (grows with queueing order).
    pub id: i64,
    /// The KKM whose document it prints.
    pub kkm_id: u32,
    /// The journal record printed.
    pub doc_id: i64,
    /// The printer's address.
    pub printer: String,
    /// Original or duplicate.
    pub copy: PrintCopy,
    /// Where it is.
    pub state: PrintJobState,
    /// Sends tried so far.
    pub attempts: u32,
    /// Not before this (unix ms) while waiting for a retry.
    pub next_try_at: i64,
    /// The last failure, if any.
    pub error: Option<String>,
    /// Render options (versioned JSON).
    pub options: String,
    /// When it was queued (unix ms).
    pub created_at: i64,
    /// Its last change (unix ms).
    pub updated_at: i64,
}

/// What a printer's worker should do next ([`Store::next_print_job`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrintNext {
    /// Nothing waits for this printer.
    Empty,
    /// The head of the queue waits for its retry until this time (unix ms).
    WaitUntil(i64),
    /// Print this job now (the head of the queue).
    Ready(PrintJobRow),
}

const JOB_COLUMNS: &str = "id, kkm_id, doc_id, printer, copy, state, attempts, next_try_at, \
     error, options, created_at, updated_at";

fn read_job(row: &Row<'_>) -> rusqlite::Result<PrintJobRow> {
    let copy: u8 = row.get(4)?;
    let state: u8 = row.get(5)?;
    Ok(PrintJobRow {
        id: row.get(0)?,
        kkm_id: row.get(1)?,
        doc_id: row.get(2)?,
        printer: row.get(3)?,
        copy: PrintCopy::from_code(i64::from(copy)).unwrap_or(PrintCopy::Duplicate),
        state: PrintJobState::from_code(i64::from(state)).unwrap_or(PrintJobState::Failed),
        attempts: row.get(6)?,
        next_try_at: row.get(7)?,
        error: row.get(8)?,
        options: row.get(9)?,
        created_at: row.get(10)?,
        updated_at: row.get(11)?,
    })
}

fn insert_job(
    tx: &rusqlite::Transaction<'_>,
    kkm_id: u32,
    doc_id: i64,
    job: &NewPrintJob<'_>,
    now_ms: i64,
) -> Result<i64, StoreError> {
    tx.prepare_cached(
        "INSERT INTO print_job (kkm_id, doc_id, printer, copy, options, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![
        kkm_id,
        doc_id,
        job.printer,
        job.copy.code(),
        job.options,
        now_ms
    ])?;
    Ok(tx.last_insert_rowid())
}

/// `next_try_at` of a job held until its document is settled ([`Store::release_print_jobs`]).
pub const HELD: i64 = i64::MAX;

impl Store {
    /// [`Store::append`], plus the document's print jobs in the same transaction: a
    /// crash keeps the document and its jobs, or neither. A replayed idempotency key
    /// writes nothing (its jobs were queued the first time). The jobs are *held*
    /// (they keep their place in the queue but do not print) until
    /// [`Store::release_print_jobs`]: a receipt prints with the OFD's answer on it.
    pub fn append_printing(
        &self,
        doc: &NewDocument<'_>,
        counters: &[u8],
        jobs: &[NewPrintJob<'_>],
        now_ms: i64,
    ) -> Result<Appended, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let appended = append_in(&tx, &self.chain, doc, counters)?;
        if let Appended::New(record) = &appended {
            for job in jobs {
                let id = insert_job(&tx, doc.kkm_id, record.id, job, now_ms)?;
                tx.prepare_cached("UPDATE print_job SET next_try_at = ?2 WHERE id = ?1")?
                    .execute(params![id, HELD])?;
            }
        }
        tx.commit()?;
        Ok(appended)
    }

    /// The document is settled (fiscal sign or autonomous): its held jobs may print.
    /// Returns how many were released.
    ///
    /// The commit is [`Durability::Deferred`](crate::Durability::Deferred): a power cut
    /// that drops it leaves the jobs held, and [`Store::recover_print_jobs`] releases every
    /// held job at the next start.
    pub fn release_print_jobs(&self, doc_id: i64) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        crate::sync::with_durability(&mut conn, crate::Durability::Deferred, |conn| {
            let released = conn
                .prepare_cached(
                    "UPDATE print_job SET next_try_at = 0 WHERE doc_id = ?1 AND next_try_at = ?2",
                )?
                .execute(params![doc_id, HELD])?;
            Ok(released)
        })
    }

    /// Queues a job for a journaled document (a reprint). Returns the job.
    pub fn enqueue_print(
        &self,
        doc_id: i64,
        job: &NewPrintJob<'_>,
        now_ms: i64,
    ) -> Result<PrintJobRow, StoreError> {
        self.enqueue_print_limited(doc_id, job, now_ms, u32::MAX)?
            .ok_or_else(|| StoreError::Malformed("no room for a print job".into()))
    }

    /// [`Store::enqueue_print`] unless the document has `max_duplicates` duplicates queued
    /// or printed already (counted in the same transaction, so parallel reprints cannot
    /// pass the limit together): `None` then, and nothing is queued.
    pub fn enqueue_print_limited(
        &self,
        doc_id: i64,
        job: &NewPrintJob<'_>,
        now_ms: i64,
        max_duplicates: u32,
    ) -> Result<Option<PrintJobRow>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let kkm_id: Option<u32> = tx
            .query_row("SELECT kkm_id FROM journal WHERE id = ?1", [doc_id], |r| {
                r.get(0)
            })
            .optional()?;
        let kkm_id =
            kkm_id.ok_or_else(|| StoreError::Malformed(format!("no journal record {doc_id}")))?;
        if job.copy == PrintCopy::Duplicate {
            let duplicates: u32 = tx.query_row(
                "SELECT count(*) FROM print_job WHERE doc_id = ?1 AND copy = 1",
                [doc_id],
                |r| r.get(0),
            )?;
            if duplicates >= max_duplicates {
                return Ok(None);
            }
        }
        let id = insert_job(&tx, kkm_id, doc_id, job, now_ms)?;
        let row = tx.query_row(
            &format!("SELECT {JOB_COLUMNS} FROM print_job WHERE id = ?1"),
            [id],
            read_job,
        )?;
        tx.commit()?;
        Ok(Some(row))
    }

    /// At start: every job left `printing` by a dead process becomes `interrupted`, and
    /// a duplicate of its document is queued on the same printer (one transaction);
    /// jobs still held (the process died before their document settled) are released:
    /// the journal has the document as it stands. Returns the duplicates queued.
    pub fn recover_print_jobs(&self, now_ms: i64) -> Result<Vec<PrintJobRow>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let stuck: Vec<PrintJobRow> = {
            let mut stmt = tx.prepare(&format!(
                "SELECT {JOB_COLUMNS} FROM print_job WHERE state = ?1 ORDER BY id"
            ))?;
            let rows = stmt.query_map([PrintJobState::Printing.code()], read_job)?;
            rows.collect::<Result<_, _>>()?
        };
        tx.execute(
            "UPDATE print_job SET next_try_at = 0 WHERE state = ?1 AND next_try_at = ?2",
            params![PrintJobState::Waiting.code(), HELD],
        )?;
        let mut queued = Vec::with_capacity(stuck.len());
        for job in &stuck {
            tx.execute(
                "UPDATE print_job SET state = ?2, updated_at = ?3,
                     error = 'the process stopped while printing: a duplicate was queued'
                 WHERE id = ?1",
                params![job.id, PrintJobState::Interrupted.code(), now_ms],
            )?;
            let id = insert_job(
                &tx,
                job.kkm_id,
                job.doc_id,
                &NewPrintJob {
                    printer: &job.printer,
                    copy: PrintCopy::Duplicate,
                    options: &job.options,
                },
                now_ms,
            )?;
            queued.push(tx.query_row(
                &format!("SELECT {JOB_COLUMNS} FROM print_job WHERE id = ?1"),
                [id],
                read_job,
            )?);
        }
        tx.commit()?;
        Ok(queued)
    }

    /// The head of `printer`'s queue: the oldest waiting job, strictly in order (a job
    /// waiting for its retry holds the ones behind it).
    pub fn next_print_job(&self, printer: &str, now_ms: i64) -> Result<PrintNext, StoreError> {
        let conn = self.conn();
        let head = conn
            .prepare_cached(&format!(
                "SELECT {JOB_COLUMNS} FROM print_job WHERE printer = ?1 AND state = ?2
                 ORDER BY id LIMIT 1"
            ))?
            .query_row(params![printer, PrintJobState::Waiting.code()], read_job)
            .optional()?;
        Ok(match head {
            None => PrintNext::Empty,
            Some(job) if job.next_try_at > now_ms => PrintNext::WaitUntil(job.next_try_at),
            Some(job) => PrintNext::Ready(job),
        })
    }

    /// The printers that have waiting jobs (to start their workers).
    pub fn printers_with_waiting_jobs(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT DISTINCT printer FROM print_job WHERE state = ?1 ORDER BY printer")?;
        let rows = stmt.query_map([PrintJobState::Waiting.code()], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn set_print_state(
        &self,
        id: i64,
        state: PrintJobState,
        error: Option<&str>,
        next_try_at: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        let attempts = i64::from(state == PrintJobState::Printing);
        conn.prepare_cached(
            "UPDATE print_job SET state = ?2, error = COALESCE(?3, error),
                 next_try_at = COALESCE(?4, next_try_at), attempts = attempts + ?5,
                 updated_at = ?6
             WHERE id = ?1",
        )?
        .execute(params![
            id,
            state.code(),
            error,
            next_try_at,
            attempts,
            now_ms
        ])?;
        Ok(())
    }

    /// The worker starts sending the job (committed before a byte goes out).
    pub fn print_started(&self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        self.set_print_state(id, PrintJobState::Printing, None, None, now_ms)
    }

    /// The printer took the job.
    pub fn print_done(&self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        self.set_print_state(id, PrintJobState::Printed, None, None, now_ms)
    }

    /// The send failed; the job waits for another try at `next_try_at`.
    pub fn print_retry(
        &self,
        id: i64,
        error: &str,
        next_try_at: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.set_print_state(
            id,
            PrintJobState::Waiting,
            Some(error),
            Some(next_try_at),
            now_ms,
        )
    }

    /// The job is given up (`error` says why).
    pub fn print_failed(&self, id: i64, error: &str, now_ms: i64) -> Result<(), StoreError> {
        self.set_print_state(id, PrintJobState::Failed, Some(error), None, now_ms)
    }

    /// One job.
    pub fn print_job(&self, id: i64) -> Result<Option<PrintJobRow>, StoreError> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                &format!("SELECT {JOB_COLUMNS} FROM print_job WHERE id = ?1"),
                [id],
                read_job,
            )
            .optional()?)
    }

    /// Jobs, newest first, at most `limit`: of one KKM and/or one printer when given.
    pub fn print_jobs(
        &self,
        kkm_id: Option<u32>,
        printer: Option<&str>,
        limit: u32,
    ) -> Result<Vec<PrintJobRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {JOB_COLUMNS} FROM print_job
             WHERE (?1 IS NULL OR kkm_id = ?1) AND (?2 IS NULL OR printer = ?2)
             ORDER BY id DESC LIMIT ?3"
        ))?;
        let rows = stmt.query_map(params![kkm_id, printer, limit], read_job)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DocumentKind, StaticKey};

    const KKM: u32 = 6923;
    const PRINTER: &str = "tcp://127.0.0.1:9100";

    fn store_at(path: &std::path::Path) -> Store {
        let s = Store::open(path, &StaticKey([7; 32])).unwrap();
        s.add_kkm(KKM, 77, b"{}").unwrap();
        s
    }

    fn doc(payload: &[u8]) -> NewDocument<'_> {
        NewDocument {
            kkm_id: KKM,
            kind: DocumentKind::Sell,
            operator_id: 1,
            at: 1_795_428_000,
            total: 100,
            shift_number: 1,
            offline_number: None,
            payload,
            request: None,
            idempotency_key: Some("k"),
            idempotency_fingerprint: None,
            shift_document: 1,
            offline: false,
            parent: None,
        }
    }

    fn job(copy: PrintCopy) -> NewPrintJob<'static> {
        NewPrintJob {
            printer: PRINTER,
            copy,
            options: r#"{"v":1}"#,
        }
    }

    fn temp_db(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("kkm-store-print-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("kkm.db")
    }

    #[test]
    fn jobs_ride_with_their_document_and_run_in_order() {
        let s = store_at(&temp_db("order"));
        let first = s
            .append_printing(&doc(b"1"), b"c", &[job(PrintCopy::Original)], 1_000)
            .unwrap();
        // A replay of the same key queues nothing more.
        s.append_printing(&doc(b"1"), b"c", &[job(PrintCopy::Original)], 1_001)
            .unwrap();
        let mut second = doc(b"2");
        second.idempotency_key = Some("k2");
        s.append_printing(&second, b"c", &[job(PrintCopy::Original)], 1_002)
            .unwrap();
        assert_eq!(s.print_jobs(Some(KKM), None, 10).unwrap().len(), 2);
        // Held until the document is settled; then in order.
        assert_eq!(
            s.next_print_job(PRINTER, 2_000).unwrap(),
            PrintNext::WaitUntil(HELD)
        );
        assert_eq!(s.release_print_jobs(first.record().id).unwrap(), 1);
        let PrintNext::Ready(head) = s.next_print_job(PRINTER, 2_000).unwrap() else {
            panic!("a job is ready")
        };
        assert_eq!(head.doc_id, first.record().id);
        // A failed first try holds the queue until its retry time: strictly in order.
        s.print_started(head.id, 2_000).unwrap();
        s.print_retry(head.id, "connection refused", 5_000, 2_001)
            .unwrap();
        assert_eq!(
            s.next_print_job(PRINTER, 3_000).unwrap(),
            PrintNext::WaitUntil(5_000)
        );
        let PrintNext::Ready(again) = s.next_print_job(PRINTER, 5_000).unwrap() else {
            panic!("ready after the backoff")
        };
        assert_eq!((again.id, again.attempts), (head.id, 1));
        assert_eq!(again.error.as_deref(), Some("connection refused"));
        s.print_started(again.id, 5_000).unwrap();
        s.print_done(again.id, 5_001).unwrap();
        let second_doc = s.print_jobs(Some(KKM), None, 1).unwrap()[0].doc_id;
        s.release_print_jobs(second_doc).unwrap();
        let PrintNext::Ready(next) = s.next_print_job(PRINTER, 5_002).unwrap() else {
            panic!("the second job follows")
        };
        s.print_started(next.id, 5_002).unwrap();
        s.print_failed(next.id, "out of paper", 5_003).unwrap();
        assert_eq!(s.next_print_job(PRINTER, 6_000).unwrap(), PrintNext::Empty);
        let states: Vec<_> = s
            .print_jobs(None, Some(PRINTER), 10)
            .unwrap()
            .into_iter()
            .map(|j| (j.state, j.attempts))
            .collect();
        assert_eq!(
            states,
            [(PrintJobState::Failed, 1), (PrintJobState::Printed, 2)]
        );
    }

    #[test]
    fn a_job_printing_at_a_crash_is_interrupted_and_duplicated_once() {
        let path = temp_db("crash");
        {
            let s = store_at(&path);
            let a = s
                .append_printing(&doc(b"1"), b"c", &[job(PrintCopy::Original)], 1_000)
                .unwrap();
            s.release_print_jobs(a.record().id).unwrap();
            let PrintNext::Ready(j) = s.next_print_job(PRINTER, 1_000).unwrap() else {
                panic!("ready")
            };
            s.print_started(j.id, 1_001).unwrap();
            // The process dies here: the store is dropped without print_done.
        }
        let s = Store::open(&path, &StaticKey([7; 32])).unwrap();
        let queued = s.recover_print_jobs(2_000).unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].copy, PrintCopy::Duplicate);
        assert_eq!(queued[0].state, PrintJobState::Waiting);
        // A second start finds nothing more to recover: the duplicate is queued once.
        assert!(s.recover_print_jobs(3_000).unwrap().is_empty());
        let all = s.print_jobs(Some(KKM), None, 10).unwrap();
        assert_eq!(
            all.iter().map(|j| j.state).collect::<Vec<_>>(),
            [PrintJobState::Waiting, PrintJobState::Interrupted]
        );
        assert_eq!(s.printers_with_waiting_jobs().unwrap(), [PRINTER]);
    }

    #[test]
    fn a_journal_of_schema_5_gains_the_queue_and_keeps_its_documents() {
        let path = temp_db("upgrade");
        {
            // A file as version 5 of the schema left it, with a document in it.
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            let steps = crate::schema::MIGRATIONS;
            for (i, sql) in steps.iter().enumerate().take(5) {
                let tx = conn.transaction().unwrap();
                tx.execute_batch(sql).unwrap();
                tx.pragma_update(None, "user_version", i as i64 + 1)
                    .unwrap();
                tx.commit().unwrap();
            }
        }
        {
            let s = Store::open(&path, &StaticKey([7; 32])).unwrap();
            s.add_kkm(KKM, 77, b"{}").unwrap();
            s.append(&doc(b"old"), b"c").unwrap();
        }
        let s = Store::open(&path, &StaticKey([7; 32])).unwrap();
        assert_eq!(s.records(KKM, 0, 10).unwrap().len(), 1);
        let id = s.records(KKM, 0, 10).unwrap()[0].id;
        let dup = s.enqueue_print(id, &job(PrintCopy::Duplicate), 9).unwrap();
        assert_eq!((dup.doc_id, dup.kkm_id), (id, KKM));
        assert!(s
            .enqueue_print(id + 100, &job(PrintCopy::Duplicate), 9)
            .is_err());
    }

    #[test]
    fn duplicates_of_a_document_are_limited() {
        let s = store_at(&temp_db("reprint-limit"));
        let id = s.append(&doc(b"sale"), b"c").unwrap().record().id;
        for _ in 0..3 {
            assert!(s
                .enqueue_print_limited(id, &job(PrintCopy::Duplicate), 9, 3)
                .unwrap()
                .is_some());
        }
        assert_eq!(
            s.enqueue_print_limited(id, &job(PrintCopy::Duplicate), 9, 3)
                .unwrap(),
            None,
            "the fourth duplicate is refused"
        );
        assert_eq!(s.print_jobs(Some(KKM), None, 10).unwrap().len(), 3);
    }
}
