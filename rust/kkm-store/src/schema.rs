//! Schema migrations, numbered by SQLite's `user_version`. Each step runs in one
//! transaction; a file from a newer program is refused, never downgraded.

use rusqlite::Connection;

use crate::StoreError;

/// The migrations in order; `MIGRATIONS[i]` takes the schema from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: KKMs with their sync state, the journal, the queue.
    "CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
    );
    CREATE TABLE kkm (
        kkm_id           INTEGER PRIMARY KEY,
        token            BLOB    NOT NULL, -- sealed (AES-GCM)
        reqnum           INTEGER NOT NULL,
        counters         BLOB    NOT NULL,
        last_hash        BLOB,
        local_state      INTEGER NOT NULL DEFAULT 0,
        state_reason     TEXT,
        autonomous_since INTEGER,
        blocked_doc      INTEGER,
        blocked_code     INTEGER,
        blocked_text     TEXT
    );
    CREATE TABLE journal (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        kkm_id          INTEGER NOT NULL REFERENCES kkm (kkm_id),
        kind            INTEGER NOT NULL,
        operator_id     INTEGER NOT NULL,
        at              INTEGER NOT NULL,
        total           INTEGER NOT NULL,
        shift_number    INTEGER NOT NULL,
        offline_number  INTEGER,
        payload         BLOB    NOT NULL,
        request         BLOB,
        idempotency_key TEXT,
        hash            BLOB    NOT NULL,
        shift_digest    BLOB    NOT NULL,
        z_checksum      BLOB,
        fiscal_sign     TEXT,
        answer          BLOB
    );
    CREATE UNIQUE INDEX journal_idempotency ON journal (kkm_id, idempotency_key)
        WHERE idempotency_key IS NOT NULL;
    CREATE INDEX journal_kkm ON journal (kkm_id, id);
    CREATE INDEX journal_fiscal_sign ON journal (kkm_id, fiscal_sign)
        WHERE fiscal_sign IS NOT NULL;
    CREATE TABLE queue (
        doc_id INTEGER PRIMARY KEY REFERENCES journal (id),
        kkm_id INTEGER NOT NULL,
        reqnum INTEGER
    );
    CREATE INDEX queue_kkm ON queue (kkm_id, doc_id);",
    // 2: operators and their KKM bindings.
    "CREATE TABLE operator (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        name            TEXT    NOT NULL,
        role            INTEGER NOT NULL,
        pin_fingerprint BLOB    NOT NULL UNIQUE,
        pin_hash        TEXT    NOT NULL
    );
    CREATE TABLE operator_kkm (
        operator_id INTEGER NOT NULL REFERENCES operator (id) ON DELETE CASCADE,
        kkm_id      INTEGER NOT NULL,
        PRIMARY KEY (operator_id, kkm_id)
    );",
    // 3: the product catalogue of each KKM.
    "CREATE TABLE product (
        kkm_id         INTEGER NOT NULL,
        code           INTEGER NOT NULL,
        group_code     TEXT    NOT NULL,
        barcode        TEXT    NOT NULL,
        name           TEXT    NOT NULL,
        price          INTEGER NOT NULL, -- tiyn
        discount       INTEGER NOT NULL, -- thousandths of a percent
        markup         INTEGER NOT NULL DEFAULT 0,
        vat            INTEGER NOT NULL, -- thousandths of a percent
        editable_price INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (kkm_id, code)
    );
    CREATE INDEX product_barcode ON product (kkm_id, barcode);",
    // 4: registration data, settings, bundles of products.
    "ALTER TABLE kkm ADD COLUMN registration TEXT;
    CREATE TABLE setting (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE bundle (
        kkm_id  INTEGER NOT NULL,
        code    INTEGER NOT NULL,
        name    TEXT    NOT NULL,
        barcode TEXT    NOT NULL,
        PRIMARY KEY (kkm_id, code)
    );
    CREATE TABLE bundle_item (
        kkm_id       INTEGER NOT NULL,
        bundle_code  INTEGER NOT NULL,
        product_code INTEGER NOT NULL,
        quantity     INTEGER NOT NULL, -- thousandths
        PRIMARY KEY (kkm_id, bundle_code, product_code),
        FOREIGN KEY (kkm_id, bundle_code) REFERENCES bundle (kkm_id, code) ON DELETE CASCADE,
        FOREIGN KEY (kkm_id, product_code) REFERENCES product (kkm_id, code) ON DELETE CASCADE
    );",
    // 5: lookups of the register: number within the shift, autonomous mark, returns by
    // their original's fiscal sign, and the KKMs taken out of service.
    "ALTER TABLE journal ADD COLUMN shift_document INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE journal ADD COLUMN offline INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE journal ADD COLUMN parent TEXT;
    CREATE INDEX journal_shift_document ON journal (kkm_id, shift_number, shift_document);
    CREATE INDEX journal_parent ON journal (kkm_id, parent) WHERE parent IS NOT NULL;
    CREATE INDEX journal_offline_number ON journal (kkm_id, offline_number)
        WHERE offline_number IS NOT NULL;
    CREATE INDEX journal_at ON journal (kkm_id, at);",
    // 6: what a drop-in for CashCore needs to remember: the fingerprint of the request
    // an idempotency key was used with, the OFD's own QR of a receipt, when the last
    // autonomous period ended, a token the OFD refused (the KKM queues until an
    // administrator gives a new one), and an operator's e-mail, data and owner beside its
    // row (saved in one transaction with it).
    "ALTER TABLE journal ADD COLUMN idempotency_fingerprint BLOB;
    ALTER TABLE journal ADD COLUMN qr_code TEXT;
    ALTER TABLE kkm ADD COLUMN autonomous_until INTEGER;
    ALTER TABLE kkm ADD COLUMN token_refused INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE operator ADD COLUMN extra TEXT;
    CREATE INDEX journal_shift ON journal (kkm_id, shift_number, id);
    CREATE INDEX journal_kind ON journal (kkm_id, kind, id);",
    // 7: the print queue: one job per (document, printer, copy), written in the same
    // transaction as its document; states 0 waiting, 1 printing, 2 printed, 3 failed,
    // 4 interrupted (a crash while printing); times are unix milliseconds.
    "CREATE TABLE print_job (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        kkm_id      INTEGER NOT NULL,
        doc_id      INTEGER NOT NULL REFERENCES journal (id),
        printer     TEXT    NOT NULL,
        copy        INTEGER NOT NULL, -- 0 original, 1 duplicate
        state       INTEGER NOT NULL DEFAULT 0,
        attempts    INTEGER NOT NULL DEFAULT 0,
        next_try_at INTEGER NOT NULL DEFAULT 0,
        error       TEXT,
        options     TEXT    NOT NULL, -- versioned JSON of the render options
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX print_job_original ON print_job (doc_id, printer) WHERE copy = 0;
    CREATE INDEX print_job_queue ON print_job (printer, state, id);
    CREATE INDEX print_job_kkm ON print_job (kkm_id, id);",
    // 8: the keyed chain (see `chain`): the facts of each KKM (the OFD's answers,
    // autonomous marks, tokens, autonomous periods, the genesis with the upgrade point),
    // each record's counters digest, and the `kkm` row's fact head, counters digest and
    // chain head. The genesis facts of existing KKMs are written at the first open with
    // the key (`facts::upgrade_v1`).
    "CREATE TABLE fact (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        kkm_id          INTEGER NOT NULL REFERENCES kkm (kkm_id),
        kind            INTEGER NOT NULL,
        doc_id          INTEGER,
        doc_head        BLOB    NOT NULL,
        fiscal_sign     TEXT,
        qr_code         TEXT,
        answer          BLOB,
        token           BLOB,
        since           INTEGER,
        until           INTEGER,
        v1_last         INTEGER,
        v1_count        INTEGER,
        v1_digest       BLOB,
        counters_digest BLOB,
        mac             BLOB    NOT NULL
    );
    CREATE INDEX fact_kkm ON fact (kkm_id, id);
    ALTER TABLE journal ADD COLUMN counters_digest BLOB;
    ALTER TABLE kkm ADD COLUMN facts_head BLOB;
    ALTER TABLE kkm ADD COLUMN counters_digest BLOB;
    ALTER TABLE kkm ADD COLUMN chain_head BLOB;",
    // 9: the sales summary behind the console's analytics, derived from the journal
    // (caught up lazily from the last summarised record; never part of the chain).
    "CREATE TABLE summary_progress (
        kkm_id   INTEGER PRIMARY KEY,
        last_doc INTEGER NOT NULL -- journal id of the last record summarised
    );
    CREATE TABLE summary_hour (
        kkm_id      INTEGER NOT NULL,
        hour        INTEGER NOT NULL, -- device calendar seconds / 3600
        kind        INTEGER NOT NULL, -- journal kind (receipts: 0..3)
        operator_id INTEGER NOT NULL,
        documents   INTEGER NOT NULL,
        total       INTEGER NOT NULL, -- tiyn, as every amount below
        discount    INTEGER NOT NULL,
        markup      INTEGER NOT NULL,
        cash        INTEGER NOT NULL, -- net of change
        card        INTEGER NOT NULL,
        mobile      INTEGER NOT NULL,
        PRIMARY KEY (kkm_id, hour, kind, operator_id)
    ) WITHOUT ROWID;
    CREATE TABLE summary_section (
        kkm_id  INTEGER NOT NULL,
        hour    INTEGER NOT NULL,
        kind    INTEGER NOT NULL,
        section TEXT    NOT NULL,
        amount  INTEGER NOT NULL,
        PRIMARY KEY (kkm_id, hour, kind, section)
    ) WITHOUT ROWID;",
    // 10: the console's journal filtered by kind, newest first: a rare kind (Z-reports,
    // cash slips) over a month was found by walking every record of the month through
    // (kkm_id, at) and reading each row for its kind (540 ms for 100,000 documents).
    "CREATE INDEX journal_kind_at ON journal (kkm_id, kind, at);",
    // 11: a product can be a marked good (the till holds it until its marking code is
    // scanned); every product of an older catalogue is not.
    "ALTER TABLE product ADD COLUMN marked INTEGER NOT NULL DEFAULT 0;",
];

/// Brings the schema to the newest version.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let supported = MIGRATIONS.len() as i64;
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > supported {
        return Err(StoreError::TooNew { found, supported });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database left by the release of migration `version`.
    fn at_version(version: usize) -> Connection {
        let conn = Connection::open_in_memory().expect("memory database");
        for sql in &MIGRATIONS[..version] {
            conn.execute_batch(sql).expect("an old migration");
        }
        conn.pragma_update(None, "user_version", version as i64)
            .expect("user_version");
        conn
    }

    #[test]
    fn products_of_an_older_catalogue_are_not_marked_after_the_upgrade() {
        let mut conn = at_version(10);
        conn.execute(
            "INSERT INTO product (kkm_id, code, group_code, barcode, name, price, discount,
                                  markup, vat, editable_price)
             VALUES (7, 1, '1', '4870000000012', 'Сүт', 54050, 5000, 0, 12000, 1)",
            [],
        )
        .expect("a product of release 10");
        migrate(&mut conn).expect("upgrade");
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(version, MIGRATIONS.len() as i64);
        let (name, price, editable, marked): (String, i64, bool, bool) = conn
            .query_row(
                "SELECT name, price, editable_price, marked FROM product WHERE kkm_id = 7",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .expect("the product is still there");
        assert_eq!(
            (name.as_str(), price, editable, marked),
            ("Сүт", 54050, true, false)
        );
    }
}
