//! The product catalogue of each KKM and its Alsep CSV form.
//!
//! The CSV has seven comma-separated columns, optionally under a header row:
//! `Код, Код группы, Баркод, Наименование, Цена, Скидка, НДС` — e.g.
//! `9999,9.9,99999999999999,Свободная позиция,50.00,0.00,12` (price in tenge, discount
//! and VAT in percent). An eighth column of our own, `Маркировка` (`1`/`0`, `да`/`нет`,
//! empty = no), says a product is a marked good; a file of seven columns is Alsep's and
//! imports as before, and the export writes the eighth only when the catalogue has a
//! marked good (so a catalogue without one goes back to Alsep unchanged). Importing
//! replaces the KKM's whole catalogue, as Alsep does, and is all or nothing: every bad
//! cell is reported with its line and column, and if there is one, nothing is
//! imported.

use kkm_core::{Money, Percent};
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use crate::{Store, StoreError};

/// The CSV columns, in order: Alsep's seven, then our optional `Маркировка`.
pub const CSV_COLUMNS: [&str; 8] = [
    "Код",
    "Код группы",
    "Баркод",
    "Наименование",
    "Цена",
    "Скидка",
    "НДС",
    "Маркировка",
];

/// How many of [`CSV_COLUMNS`] an Alsep file has.
const ALSEP_COLUMNS: usize = 7;

/// A product of a KKM's catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    /// Код товара.
    pub code: u64,
    /// Код группы (free text, e.g. `9.9`).
    pub group_code: String,
    /// Штрих-код (1–14 digits).
    pub barcode: String,
    /// Наименование.
    pub name: String,
    /// Цена.
    pub price: Money,
    /// Скидка, percent.
    pub discount: Percent,
    /// Наценка, percent (not in the CSV).
    pub markup: Percent,
    /// НДС, percent (0 for non-payers).
    pub vat: Percent,
    /// The cashier may change the price (not in the CSV).
    pub editable_price: bool,
    /// A marked good: each piece is sold with its marking code (the CSV's
    /// `Маркировка`).
    pub marked: bool,
}

/// One bad cell of an imported CSV.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvProblem {
    /// Line in the file, from 1.
    pub line: u64,
    /// Column name (or "строка" for the whole line).
    pub column: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, {}: {}", self.line, self.column, self.message)
    }
}

/// `12000` thousandths → `12.00`, `12500` → `12.50`, `12345` → `12.345`.
fn percent_text(p: Percent) -> String {
    let t = p.thousandths();
    if t.is_multiple_of(10) {
        format!("{}.{:02}", t / 1000, (t % 1000) / 10)
    } else {
        format!("{}.{:03}", t / 1000, t % 1000)
    }
}

fn percent_of(thousandths: i64) -> Percent {
    u32::try_from(thousandths)
        .ok()
        .and_then(Percent::from_thousandths)
        .unwrap_or_default()
}

/// Parses one CSV record into a product, collecting every problem.
fn parse_row(
    line: u64,
    cells: &csv::StringRecord,
    problems: &mut Vec<CsvProblem>,
) -> Option<Product> {
    let mut bad = |column: usize, message: String| {
        problems.push(CsvProblem {
            line,
            column: CSV_COLUMNS.get(column).map_or("строка", |c| c).to_string(),
            message,
        });
    };
    if cells.len() != ALSEP_COLUMNS && cells.len() != CSV_COLUMNS.len() {
        bad(
            99,
            format!(
                "{} columns, expected {ALSEP_COLUMNS} or {}",
                cells.len(),
                CSV_COLUMNS.len()
            ),
        );
        return None;
    }
    // A name our export wrote as `'=…` (spreadsheet-safe) reads back as `=…`.
    let cell = |i: usize| kkm_core::spreadsheet::restore(cells.get(i).unwrap_or("").trim());
    let code = cell(0)
        .parse::<u64>()
        .map_err(|_| bad(0, format!("{:?} is not a whole number", cell(0))))
        .ok();
    let group_code = cell(1).to_string();
    if group_code.is_empty() {
        bad(1, "empty".into());
    }
    let barcode = cell(2).to_string();
    if barcode.is_empty() || barcode.len() > 14 || !barcode.bytes().all(|b| b.is_ascii_digit()) {
        bad(2, format!("{barcode:?} is not 1–14 digits"));
    }
    let name = cell(3).to_string();
    if name.is_empty() {
        bad(3, "empty".into());
    }
    let price = Money::parse_non_negative(cell(4))
        .map_err(|e| bad(4, e.to_string()))
        .ok();
    let discount = Percent::parse(cell(5))
        .map_err(|e| bad(5, e.to_string()))
        .ok();
    let vat = Percent::parse(cell(6))
        .map_err(|e| bad(6, e.to_string()))
        .ok();
    let marked = match cell(7).to_lowercase().as_str() {
        "" | "0" | "нет" | "жоқ" | "no" | "false" => Some(false),
        "1" | "да" | "иә" | "yes" | "true" => Some(true),
        other => {
            bad(7, format!("{other:?} is not 1/0 (да/нет)"));
            None
        }
    };
    Some(Product {
        code: code?,
        group_code,
        barcode,
        name,
        price: price?,
        discount: discount?,
        markup: Percent::default(),
        vat: vat?,
        editable_price: false,
        marked: marked?,
    })
}

impl Store {
    /// Replaces the KKM's catalogue with the products of an Alsep CSV. All or nothing:
    /// any bad cell (or a repeated code or barcode) → [`StoreError::Csv`] listing every
    /// problem with its line and column, and the catalogue stays as it was.
    pub fn import_catalogue_csv(&self, kkm_id: u32, csv_bytes: &[u8]) -> Result<usize, StoreError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(csv_bytes);
        let mut problems = Vec::new();
        let mut products: Vec<Product> = Vec::new();
        for (index, record) in reader.records().enumerate() {
            let line = index as u64 + 1;
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    problems.push(CsvProblem {
                        line,
                        column: "строка".into(),
                        message: e.to_string(),
                    });
                    continue;
                }
            };
            if index == 0
                && record
                    .get(0)
                    .is_some_and(|c| c.trim().trim_start_matches('\u{feff}') == CSV_COLUMNS[0])
            {
                continue; // the header row
            }
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            if let Some(p) = parse_row(line, &record, &mut problems) {
                if products.iter().any(|q| q.code == p.code) {
                    problems.push(CsvProblem {
                        line,
                        column: CSV_COLUMNS[0].into(),
                        message: format!("code {} repeats", p.code),
                    });
                } else if products.iter().any(|q| q.barcode == p.barcode) {
                    problems.push(CsvProblem {
                        line,
                        column: CSV_COLUMNS[2].into(),
                        message: format!("barcode {} repeats", p.barcode),
                    });
                } else {
                    products.push(p);
                }
            }
        }
        if !problems.is_empty() {
            return Err(StoreError::Csv(problems));
        }
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM product WHERE kkm_id = ?1", [kkm_id])?;
        for p in &products {
            insert_product(&tx, kkm_id, p)?;
        }
        tx.commit()?;
        Ok(products.len())
    }

    /// The KKM's catalogue as an Alsep CSV (header row, comma separator, by code).
    pub fn export_catalogue_csv(&self, kkm_id: u32) -> Result<Vec<u8>, StoreError> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let csv_error = |e: csv::Error| StoreError::Malformed(format!("CSV: {e}"));
        let products = self.products(kkm_id)?;
        let columns = if products.iter().any(|p| p.marked) {
            CSV_COLUMNS.len()
        } else {
            ALSEP_COLUMNS
        };
        writer
            .write_record(&CSV_COLUMNS[..columns])
            .map_err(csv_error)?;
        for p in products {
            let marked = if p.marked { "1" } else { "0" };
            let row = [
                p.code.to_string(),
                p.group_code,
                p.barcode,
                p.name,
                p.price.to_string(),
                percent_text(p.discount),
                percent_text(p.vat),
                marked.to_owned(),
            ];
            // A spreadsheet opening the file runs no name as a formula.
            let row = row
                .iter()
                .map(|c| kkm_core::spreadsheet::neutralise(c).into_owned());
            writer.write_record(row.take(columns)).map_err(csv_error)?;
        }
        writer
            .into_inner()
            .map_err(|e| StoreError::Malformed(format!("CSV: {e}")))
    }

    /// Adds or replaces one product.
    pub fn save_product(&self, kkm_id: u32, product: &Product) -> Result<(), StoreError> {
        let conn = self.conn();
        insert_product(&conn, kkm_id, product)
    }

    /// The KKM's products by code.
    pub fn products(&self, kkm_id: u32) -> Result<Vec<Product>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM product WHERE kkm_id = ?1 ORDER BY code"
        ))?;
        let rows = stmt.query_map([kkm_id], read_product)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(Into::into)
    }

    /// The product with this barcode (a scanned EAN, or a mark's GTIN as EAN-13).
    pub fn product_by_barcode(
        &self,
        kkm_id: u32,
        barcode: &str,
    ) -> Result<Option<Product>, StoreError> {
        let conn = self.conn();
        conn.query_row(
            &format!("SELECT {PRODUCT_COLUMNS} FROM product WHERE kkm_id = ?1 AND barcode = ?2"),
            params![kkm_id, barcode],
            read_product,
        )
        .optional()
        .map_err(Into::into)
    }
}

const PRODUCT_COLUMNS: &str =
    "code, group_code, barcode, name, price, discount, markup, vat, editable_price, marked";

fn read_product(row: &rusqlite::Row<'_>) -> rusqlite::Result<Product> {
    Ok(Product {
        code: row.get::<_, i64>(0)?.max(0) as u64,
        group_code: row.get(1)?,
        barcode: row.get(2)?,
        name: row.get(3)?,
        price: Money::from_tiyn(row.get(4)?),
        discount: percent_of(row.get(5)?),
        markup: percent_of(row.get(6)?),
        vat: percent_of(row.get(7)?),
        editable_price: row.get(8)?,
        marked: row.get(9)?,
    })
}

fn insert_product(conn: &rusqlite::Connection, kkm_id: u32, p: &Product) -> Result<(), StoreError> {
    let code = i64::try_from(p.code)
        .map_err(|_| StoreError::Malformed(format!("product code {} too large", p.code)))?;
    conn.execute(
        "INSERT OR REPLACE INTO product
             (kkm_id, code, group_code, barcode, name, price, discount, markup, vat,
              editable_price, marked)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            kkm_id,
            code,
            p.group_code,
            p.barcode,
            p.name,
            p.price.tiyn(),
            p.discount.thousandths(),
            p.markup.thousandths(),
            p.vat.thousandths(),
            p.editable_price,
            p.marked
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StaticKey;

    const CSV: &str = "Код,Код группы,Баркод,Наименование,Цена,Скидка,НДС\n\
        9999,9.9,99999999999999,Свободная позиция,50.00,0.00,0.00\n\
        1,1,000000000001,\"Услуги, АвиаАгенства\",4.00,0.00,12\n\
        2,2,4870000000028,Сүт 2.5%,540.5,5,12.5\n";

    #[test]
    fn import_export_roundtrip_and_lookup() {
        let s = Store::open_in_memory(&StaticKey([1; 32])).unwrap();
        assert_eq!(s.import_catalogue_csv(6923, CSV.as_bytes()).unwrap(), 3);
        let milk = s
            .product_by_barcode(6923, "4870000000028")
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                milk.code,
                milk.price.tiyn(),
                milk.discount.thousandths(),
                milk.vat.thousandths()
            ),
            (2, 54_050, 5_000, 12_500)
        );
        assert_eq!(
            s.product_by_barcode(7000, "4870000000028").unwrap(),
            None,
            "per KKM"
        );
        let exported = String::from_utf8(s.export_catalogue_csv(6923).unwrap()).unwrap();
        assert!(exported.starts_with("Код,Код группы,Баркод,Наименование,Цена,Скидка,НДС\n"));
        assert!(
            exported.contains("1,1,000000000001,\"Услуги, АвиаАгенства\",4.00,0.00,12.00\n"),
            "{exported}"
        );
        // Export → import gives the same catalogue.
        let before = s.products(6923).unwrap();
        assert_eq!(
            s.import_catalogue_csv(6923, exported.as_bytes()).unwrap(),
            3
        );
        assert_eq!(s.products(6923).unwrap(), before);
    }

    #[test]
    fn names_a_spreadsheet_would_run_are_exported_as_text_and_read_back_as_typed() {
        let s = Store::open_in_memory(&StaticKey([1; 32])).unwrap();
        let csv = "1,1,4870000000012,\"=HYPERLINK(\"\"http://x\"\",\"\"Хлеб\"\")\",150,0,12\n\
                   2,1,4870000000029,-Акция-,200,0,12\n\
                   3,1,4870000000036,@Пиво,700,0,12\n\
                   4,1,4870000000043,''=с кавычкой,150,0,12\n\
                   5,1,4870000000050,'=из таблицы,150,0,12\n";
        s.import_catalogue_csv(5, csv.as_bytes()).unwrap();
        let before = s.products(5).unwrap();
        let names: Vec<&str> = before.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "=HYPERLINK(\"http://x\",\"Хлеб\")",
                "-Акция-",
                "@Пиво",
                "'=с кавычкой",
                // A spreadsheet's text cell `'=…` is the text `=…`, as the sheet shows it.
                "=из таблицы",
            ]
        );
        let exported = String::from_utf8(s.export_catalogue_csv(5).unwrap()).unwrap();
        for line in exported.lines().skip(1) {
            let name = line.split(',').nth(3).unwrap_or("").trim_start_matches('"');
            assert!(
                !name.starts_with(kkm_core::spreadsheet::FORMULA_STARTS),
                "a cell a spreadsheet would run: {line}"
            );
        }
        assert!(exported.contains(",'-Акция-,"), "{exported}");
        assert!(exported.contains(",''=с кавычкой,"), "{exported}");
        s.import_catalogue_csv(5, exported.as_bytes()).unwrap();
        assert_eq!(
            s.products(5).unwrap(),
            before,
            "export → import keeps every name"
        );
    }

    #[test]
    fn the_marked_column_is_ours_and_optional() {
        let s = Store::open_in_memory(&StaticKey([1; 32])).unwrap();
        // Alsep's seven columns and our eight mix in one file.
        let mixed = "1,1,4870000000012,Сигареты,900,0,12,да\n\
                     2,1,4870000000029,Хлеб,200,0,12\n\
                     3,1,4870000000036,Пиво,700,0,12,1\n\
                     4,1,4870000000043,Вода,150,0,12,0\n";
        s.import_catalogue_csv(5, mixed.as_bytes()).unwrap();
        let marked: Vec<u64> = s
            .products(5)
            .unwrap()
            .iter()
            .filter(|p| p.marked)
            .map(|p| p.code)
            .collect();
        assert_eq!(marked, vec![1, 3]);
        let exported = String::from_utf8(s.export_catalogue_csv(5).unwrap()).unwrap();
        assert!(
            exported.starts_with("Код,Код группы,Баркод,Наименование,Цена,Скидка,НДС,Маркировка\n"),
            "{exported}"
        );
        assert!(exported.contains("\n2,1,4870000000029,Хлеб,200.00,0.00,12.00,0\n"));
        let before = s.products(5).unwrap();
        s.import_catalogue_csv(5, exported.as_bytes()).unwrap();
        assert_eq!(
            s.products(5).unwrap(),
            before,
            "the flag survives the round trip"
        );

        // Without a marked good the export is Alsep's own form.
        s.import_catalogue_csv(6, CSV.as_bytes()).unwrap();
        let alsep = String::from_utf8(s.export_catalogue_csv(6).unwrap()).unwrap();
        assert!(
            alsep
                .lines()
                .all(|l| !l.contains("Маркировка") && !l.ends_with(",0")),
            "{alsep}"
        );

        match s.import_catalogue_csv(5, "9,1,123,Х,1,0,0,может\n".as_bytes()) {
            Err(StoreError::Csv(problems)) => {
                assert_eq!(problems.len(), 1, "{problems:?}");
                assert_eq!(
                    (problems[0].line, problems[0].column.as_str()),
                    (1, "Маркировка")
                );
            }
            other => panic!("expected a CSV problem, got {other:?}"),
        }
        assert_eq!(s.products(5).unwrap(), before, "nothing imported");
    }

    #[test]
    fn a_bad_file_imports_nothing_and_names_every_bad_cell() {
        let s = Store::open_in_memory(&StaticKey([1; 32])).unwrap();
        s.import_catalogue_csv(6923, CSV.as_bytes()).unwrap();
        let bad = "1,1,123,Хлеб,25.00,0,12\n\
                   x,1,124,Сүт,abc,0,12\n\
                   3,,12a,,1.001,101,-1\n\
                   4,1,125\n\
                   1,1,126,Дубль,1,0,0\n";
        match s.import_catalogue_csv(6923, bad.as_bytes()) {
            Err(StoreError::Csv(problems)) => {
                let at: Vec<(u64, &str)> = problems
                    .iter()
                    .map(|p| (p.line, p.column.as_str()))
                    .collect();
                assert_eq!(
                    at,
                    vec![
                        (2, "Код"),
                        (2, "Цена"),
                        (3, "Код группы"),
                        (3, "Баркод"),
                        (3, "Наименование"),
                        (3, "Цена"),
                        (3, "Скидка"),
                        (3, "НДС"),
                        (4, "строка"),
                        (5, "Код"),
                    ],
                    "{problems:?}"
                );
            }
            other => panic!("expected CSV problems, got {other:?}"),
        }
        assert_eq!(
            s.products(6923).unwrap().len(),
            3,
            "the old catalogue stays"
        );
    }
}

/// A bundle (пакет товаров): several products sold together under one name and barcode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// Bundle code.
    pub code: u64,
    /// Name.
    pub name: String,
    /// Its own barcode.
    pub barcode: String,
    /// (product code, quantity in thousandths).
    pub items: Vec<(u64, u64)>,
}

fn sql_code(code: u64) -> Result<i64, StoreError> {
    i64::try_from(code).map_err(|_| StoreError::Malformed(format!("code {code} too large")))
}

impl Store {
    /// Removes a product; it leaves every bundle it was in (as in Alsep).
    pub fn delete_product(&self, kkm_id: u32, code: u64) -> Result<bool, StoreError> {
        let conn = self.conn();
        let n = conn.execute(
            "DELETE FROM product WHERE kkm_id = ?1 AND code = ?2",
            params![kkm_id, sql_code(code)?],
        )?;
        Ok(n > 0)
    }

    /// Adds or replaces a bundle; every item must be a product of the KKM.
    pub fn save_bundle(&self, kkm_id: u32, bundle: &Bundle) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let code = sql_code(bundle.code)?;
        tx.execute(
            "DELETE FROM bundle WHERE kkm_id = ?1 AND code = ?2",
            params![kkm_id, code],
        )?;
        tx.execute(
            "INSERT INTO bundle (kkm_id, code, name, barcode) VALUES (?1, ?2, ?3, ?4)",
            params![kkm_id, code, bundle.name, bundle.barcode],
        )?;
        for (product, quantity) in &bundle.items {
            let quantity = i64::try_from(*quantity)
                .map_err(|_| StoreError::Malformed(format!("quantity {quantity} too large")))?;
            tx.execute(
                "INSERT INTO bundle_item (kkm_id, bundle_code, product_code, quantity) VALUES (?1, ?2, ?3, ?4)",
                params![kkm_id, code, sql_code(*product)?, quantity],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                    StoreError::Malformed(format!("bundle {}: product {product} is not in the catalogue", bundle.code))
                }
                e => e.into(),
            })?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every bundle of the KKM with its items, by code.
    pub fn bundles(&self, kkm_id: u32) -> Result<Vec<Bundle>, StoreError> {
        let barcodes: Vec<String> = {
            let conn = self.conn();
            let mut stmt =
                conn.prepare("SELECT barcode FROM bundle WHERE kkm_id = ?1 ORDER BY code")?;
            let rows = stmt.query_map([kkm_id], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut bundles = Vec::with_capacity(barcodes.len());
        for barcode in barcodes {
            if let Some(b) = self.bundle_by_barcode(kkm_id, &barcode)? {
                bundles.push(b);
            }
        }
        Ok(bundles)
    }

    /// The bundle with this barcode, with its items.
    pub fn bundle_by_barcode(
        &self,
        kkm_id: u32,
        barcode: &str,
    ) -> Result<Option<Bundle>, StoreError> {
        let conn = self.conn();
        let head: Option<(i64, String)> = conn
            .query_row(
                "SELECT code, name FROM bundle WHERE kkm_id = ?1 AND barcode = ?2",
                params![kkm_id, barcode],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((code, name)) = head else {
            return Ok(None);
        };
        let mut stmt = conn.prepare(
            "SELECT product_code, quantity FROM bundle_item
             WHERE kkm_id = ?1 AND bundle_code = ?2 ORDER BY product_code",
        )?;
        let items = stmt
            .query_map(params![kkm_id, code], |r| {
                Ok((
                    r.get::<_, i64>(0)?.max(0) as u64,
                    r.get::<_, i64>(1)?.max(0) as u64,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(Bundle {
            code: code.max(0) as u64,
            name,
            barcode: barcode.to_string(),
            items,
        }))
    }
}

#[cfg(test)]
mod bundle_tests {
    use super::*;
    use crate::StaticKey;

    #[test]
    fn bundles_hold_catalogue_products_and_lose_deleted_ones() {
        let s = Store::open_in_memory(&StaticKey([1; 32])).unwrap();
        s.import_catalogue_csv(
            1,
            "1,1,111,Крем,1000,0,12\n2,1,222,Духи,5000,0,12\n".as_bytes(),
        )
        .unwrap();
        let gift = Bundle {
            code: 10,
            name: "2 крема + 1 духи".into(),
            barcode: "999".into(),
            items: vec![(1, 2000), (2, 1000)],
        };
        s.save_bundle(1, &gift).unwrap();
        assert_eq!(s.bundle_by_barcode(1, "999").unwrap(), Some(gift.clone()));
        let bad = Bundle {
            items: vec![(3, 1000)],
            ..gift.clone()
        };
        assert!(matches!(
            s.save_bundle(1, &bad),
            Err(StoreError::Malformed(_))
        ));
        assert!(s.delete_product(1, 1).unwrap());
        assert_eq!(
            s.bundle_by_barcode(1, "999").unwrap().unwrap().items,
            vec![(2, 1000)]
        );
    }
}
