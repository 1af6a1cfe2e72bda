//! Export of a KKM's journal for a period, for accountants and 1C: JSON lines (one
//! document per line, the payload embedded as JSON) and CSV (one row per document).

use std::io::Write;

use kkm_core::{Money, Timestamp};

use crate::{Record, Store, StoreError};

/// Journal export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per line.
    JsonLines,
    /// Comma-separated values with a header row.
    Csv,
}

const CSV_HEADER: [&str; 10] = [
    "id",
    "date_time",
    "kind",
    "shift_number",
    "operator_id",
    "total",
    "offline_number",
    "fiscal_sign",
    "hash",
    "payload",
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Malformed(format!("export: {e}"))
}

impl Store {
    /// Writes the KKM's documents made in `from..=to` (device calendar seconds) to
    /// `out`; returns how many.
    pub fn export_journal(
        &self,
        kkm_id: u32,
        from: i64,
        to: i64,
        format: ExportFormat,
        out: &mut dyn Write,
    ) -> Result<u64, StoreError> {
        let csv_error = |e: csv::Error| StoreError::Malformed(format!("export: {e}"));
        match format {
            ExportFormat::JsonLines => self.each_record(kkm_id, from, to, |r| {
                let mut line = serde_json::to_vec(&json_line(r))
                    .map_err(|e| StoreError::Malformed(format!("export: {e}")))?;
                line.push(b'\n');
                out.write_all(&line).map_err(io)
            }),
            ExportFormat::Csv => {
                let mut writer = csv::Writer::from_writer(out);
                writer.write_record(CSV_HEADER).map_err(csv_error)?;
                let count = self.each_record(kkm_id, from, to, |r| {
                    let row = csv_row(r);
                    writer
                        .write_record(
                            row.iter()
                                .map(|c| kkm_core::spreadsheet::neutralise(c).into_owned()),
                        )
                        .map_err(csv_error)
                })?;
                writer.flush().map_err(io)?;
                Ok(count)
            }
        }
    }

    /// Calls `f` for each of the KKM's records made in `from..=to`, in order, reading
    /// the journal a page at a time.
    fn each_record(
        &self,
        kkm_id: u32,
        from: i64,
        to: i64,
        mut f: impl FnMut(&Record) -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let mut after = 0;
        let mut count = 0;
        loop {
            let page = self.records(kkm_id, after, 1000)?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for r in page.iter().filter(|r| (from..=to).contains(&r.at)) {
                f(r)?;
                count += 1;
            }
        }
        Ok(count)
    }
}

fn csv_row(r: &Record) -> [String; 10] {
    [
        r.id.to_string(),
        Timestamp::from_secs(r.at).to_string(),
        format!("{:?}", r.kind),
        r.shift_number.to_string(),
        r.operator_id.to_string(),
        Money::from_tiyn(r.total).to_string(),
        r.offline_number.map(|n| n.to_string()).unwrap_or_default(),
        r.fiscal_sign.clone().unwrap_or_default(),
        hex(&r.hash),
        String::from_utf8_lossy(&r.payload).into_owned(),
    ]
}

fn json_line(r: &Record) -> serde_json::Value {
    let payload = serde_json::from_slice::<serde_json::Value>(&r.payload).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(&r.payload).into_owned())
    });
    serde_json::json!({
        "id": r.id,
        "kkm_id": r.kkm_id,
        "date_time": Timestamp::from_secs(r.at).to_string(),
        "kind": format!("{:?}", r.kind),
        "shift_number": r.shift_number,
        "operator_id": r.operator_id,
        "total": Money::from_tiyn(r.total).to_string(),
        "offline_number": r.offline_number,
        "fiscal_sign": r.fiscal_sign,
        "hash": hex(&r.hash),
        "payload": payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DocumentKind, NewDocument, StaticKey};

    #[test]
    fn a_period_exports_as_json_lines_and_csv() {
        let s = Store::open_in_memory(&StaticKey([1; 32])).unwrap();
        s.add_kkm(1, 1, b"").unwrap();
        for (i, at) in [100i64, 200, 300].iter().enumerate() {
            let payload = format!(r#"{{"n":{i},"name":"Сүт, 1 л"}}"#);
            s.append(
                &NewDocument {
                    kkm_id: 1,
                    kind: DocumentKind::Sell,
                    operator_id: 7,
                    at: *at,
                    total: 175_050,
                    shift_number: 1,
                    offline_number: (i == 1).then_some(4242),
                    payload: payload.as_bytes(),
                    request: None,
                    idempotency_key: None,
                    idempotency_fingerprint: None,
                    shift_document: 0,
                    offline: false,
                    parent: None,
                },
                b"",
            )
            .unwrap();
        }
        let mut jsonl = Vec::new();
        assert_eq!(
            s.export_journal(1, 150, 300, ExportFormat::JsonLines, &mut jsonl)
                .unwrap(),
            2
        );
        let lines: Vec<serde_json::Value> = String::from_utf8(jsonl)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["offline_number"], 4242);
        assert_eq!(lines[0]["total"], "1750.50");
        assert_eq!(lines[1]["payload"]["name"], "Сүт, 1 л");

        let mut csv_bytes = Vec::new();
        assert_eq!(
            s.export_journal(1, 0, 1000, ExportFormat::Csv, &mut csv_bytes)
                .unwrap(),
            3
        );
        let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
        let headers = reader.headers().unwrap().clone();
        assert_eq!(headers.iter().collect::<Vec<_>>(), CSV_HEADER.to_vec());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(
            &rows[2][9], r#"{"n":2,"name":"Сүт, 1 л"}"#,
            "commas survive quoting"
        );
        assert_eq!(&rows[0][5], "1750.50");
    }
}
