//! What the register keeps per KKM besides the journal's own columns, all as JSON:
//!
//! * [`KkmBook`] — the counters blob written in the same transaction as every
//!   document: the core's `ShiftBook` plus the register's numbering;
//! * [`KkmSettings`] — SaveKKM's settings and the OFD's registration data;
//! * [`Payload`] — the canonical JSON of one document (hashed in the chain): what it
//!   was, from which every answer, listing and print of it is rebuilt.
//!
//! ## Versions
//!
//! Each of the three is stored with its format version as the first member,
//! `{"format":N,…}` ([`stored`]). The untagged JSON of the releases before versions were
//! written is version 1; version 2 is version 1 with the tag. Readers accept every
//! version up to the newest they know and refuse a newer one with a clear error; every
//! field added later must have a default (`#[serde(default)]`), so that an older
//! version reads as the newer type.

use kkm_core::{Money, MoneyPlacementKind, Receipt, ReportType, ShiftBook, Timestamp, ZxReport};
use serde::{Deserialize, Serialize};

use crate::api::{AdsObject, PrinterEntity, RegInfo, VatCertificate};
use crate::RegisterError;

/// The counters blob of a KKM.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct KkmBook {
    /// Shift state and every counter (the core's).
    pub shift: ShiftBook,
    /// The last offline number given (every document reserves one).
    pub last_offline_number: u32,
    /// Documents numbered so far (`printed_document_number`).
    pub printed_documents: u64,
    /// When the last shift was closed.
    pub shift_closed_at: Option<Timestamp>,
}

impl KkmBook {
    /// The newest format of the counters blob this program writes.
    pub(crate) const FORMAT: u64 = 2;

    pub(crate) fn to_blob(&self) -> Result<Vec<u8>, RegisterError> {
        stored::write(self, Self::FORMAT)
            .map_err(|e| RegisterError::new(kkm_core::ErrorCode::DbError, format!("counters: {e}")))
    }

    pub(crate) fn from_blob(kkm_id: u32, blob: &[u8]) -> Result<KkmBook, RegisterError> {
        stored::read(blob, Self::FORMAT).map_err(|e| {
            RegisterError::new(
                kkm_core::ErrorCode::KkmLockedDueToValuesConflict,
                format!("the counters of KKM {kkm_id} do not read back: {e}"),
            )
        })
    }

    /// The book of a KKM taken over from the OFD: its counters and shift as the OFD's
    /// INFO report has them ([`kkm_core::ShiftBook::from_ofd_report`]), the next
    /// document numbered after the shift's last.
    pub(crate) fn taken_over(
        report: &kkm_proto::cpcr::ReportResponse,
        now: Timestamp,
    ) -> Result<KkmBook, RegisterError> {
        let report_type =
            kkm_core::ReportType::from_code(i64::from(report.report)).ok_or_else(|| {
                RegisterError::new(
                    kkm_core::ErrorCode::InvalidOfdResponse,
                    format!(
                        "the OFD's INFO report has an unknown type {}",
                        report.report
                    ),
                )
            })?;
        // Optional in the operator's files: an INFO without its report is a KKM with
        // nothing to take over.
        let Some(zx) = &report.zx_report else {
            return Ok(KkmBook::default());
        };
        let shift = kkm_core::ShiftBook::from_ofd_report(report_type, zx, now)?;
        let shift_closed_at = zx
            .close_shift_time
            .as_ref()
            .and_then(Timestamp::from_cpcr)
            .filter(|_| !shift.is_open());
        Ok(KkmBook {
            shift,
            shift_closed_at,
            ..KkmBook::default()
        })
    }

    /// The next offline number: unique within a date, as the protocol asks — the low
    /// 32 bits of the time, or one more than the previous if that is not larger.
    pub(crate) fn next_offline_number(&mut self, now: Timestamp) -> u32 {
        let by_time = (now.secs() & 0xFFFF_FFFF) as u32;
        let next = by_time.max(self.last_offline_number.wrapping_add(1));
        self.last_offline_number = next;
        next
    }
}

/// Settings and registration data of a KKM (stored as the store's registration JSON).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct KkmSettings {
    pub ofd_uid: String,
    pub local_name: Option<String>,
    pub use_software_vpn: bool,
    pub printer: Option<PrinterEntity>,
    pub auto_withdraw_money: bool,
    pub vat_certificate: Option<VatCertificate>,
    pub custom_data: serde_json::Value,
    /// Operators SaveKKM bound to this KKM.
    pub bindings: Vec<i64>,
    /// The OFD's registration data (INFO).
    pub reg_info: RegInfo,
    /// The OFD's advertising texts.
    pub ads_info: Vec<AdsObject>,
    /// The installation's own id of the KKM (`ID`): 1, 2, … in the order KKMs were
    /// added (KKMs added by earlier versions kept their `ofd_id`).
    pub id: i64,
    /// The administrator who added the KKM (`owner_id`).
    #[serde(default = "first_owner")]
    pub owner_id: i64,
    /// Taken out of service by DeleteKKM (its journal stays).
    pub deleted: bool,
}

/// The owner of KKMs added before owners were kept: the first administrator.
fn first_owner() -> i64 {
    1
}

impl KkmSettings {
    /// The newest format of the settings JSON this program writes.
    pub(crate) const FORMAT: u64 = 2;

    pub(crate) fn to_json(&self) -> Result<String, stored::FormatError> {
        let bytes = stored::write(self, Self::FORMAT)?;
        String::from_utf8(bytes).map_err(|e| stored::FormatError::Json(e.to_string()))
    }

    pub(crate) fn from_json(json: &str) -> Result<KkmSettings, stored::FormatError> {
        stored::read(json.as_bytes(), Self::FORMAT)
    }

    pub(crate) fn rnm(&self) -> String {
        self.reg_info
            .kkm
            .as_ref()
            .and_then(|k| k.fns_kkm_id.clone())
            .unwrap_or_default()
    }

    /// The taxation regime the OFD bound the KKM to, when it gave one (`0` is none).
    pub(crate) fn taxation_regime(&self) -> Option<kkm_core::TaxationType> {
        self.reg_info
            .org
            .as_ref()
            .and_then(|o| o.taxation_type)
            .and_then(kkm_core::TaxationType::from_code)
    }
}

/// What every document records about its making.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DocMeta {
    pub at: Timestamp,
    pub operator_code: u32,
    pub operator_name: String,
    pub shift_number: u32,
    pub shift_document_number: u32,
    pub printed_document_number: u64,
    pub offline_number: u32,
    /// Cash in the drawer after the document.
    pub cash_after: Money,
    /// A shift is open after the document.
    pub shift_open_after: bool,
}

/// The canonical JSON of a document (the journal's payload, hashed in the chain).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "document", rename_all = "snake_case")]
pub(crate) enum Payload {
    /// A receipt.
    Ticket {
        meta: DocMeta,
        receipt: Box<Receipt>,
    },
    /// A deposit or withdrawal.
    MoneyPlacement {
        meta: DocMeta,
        kind: MoneyPlacementKind,
        sum: Money,
    },
    /// An X or Z report.
    Report {
        meta: DocMeta,
        report_type: ReportType,
        report: Box<ZxReport>,
        withdrawn: Option<Money>,
    },
}

impl Payload {
    pub(crate) fn meta(&self) -> &DocMeta {
        match self {
            Payload::Ticket { meta, .. }
            | Payload::MoneyPlacement { meta, .. }
            | Payload::Report { meta, .. } => meta,
        }
    }

    /// The newest format of a document's payload this program writes.
    pub(crate) const FORMAT: u64 = 2;

    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>, RegisterError> {
        stored::write(self, Self::FORMAT)
            .map_err(|e| RegisterError::new(kkm_core::ErrorCode::DbError, format!("document: {e}")))
    }

    pub(crate) fn from_bytes(id: i64, bytes: &[u8]) -> Result<Payload, RegisterError> {
        stored::read(bytes, Self::FORMAT).map_err(|e| {
            RegisterError::new(
                kkm_core::ErrorCode::DbError,
                format!("journal record {id} does not read back: {e}"),
            )
        })
    }
}

pub(crate) mod stored {
    //! The version tag of the register's stored JSON: `{"format":N,…}`, first member.

    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Serialize};

    const TAG: &[u8] = b"{\"format\":";

    /// Why stored JSON does not read back.
    #[derive(Debug, thiserror::Error)]
    pub(crate) enum FormatError {
        /// Not JSON of the type, or not UTF-8.
        #[error("{0}")]
        Json(String),
        /// Written by a newer program.
        #[error("format version {found} is newer than this program's {supported} (written by a newer version)")]
        TooNew { found: u64, supported: u64 },
    }

    /// `value` as JSON with `{"format":version,` in front of its members (the members
    /// in the order serde writes them, as in version 1).
    pub(crate) fn write<T: Serialize>(value: &T, version: u64) -> Result<Vec<u8>, FormatError> {
        let plain = serde_json::to_vec(value).map_err(|e| FormatError::Json(e.to_string()))?;
        let rest = plain
            .strip_prefix(b"{")
            .ok_or_else(|| FormatError::Json("a stored format is not a JSON object".into()))?;
        let mut out = Vec::with_capacity(plain.len() + 16);
        out.extend_from_slice(TAG);
        out.extend_from_slice(version.to_string().as_bytes());
        if rest != b"}" {
            out.push(b',');
        }
        out.extend_from_slice(rest);
        Ok(out)
    }

    /// The format version of stored JSON: its tag, or 1 for untagged JSON.
    pub(crate) fn version(bytes: &[u8]) -> Result<u64, FormatError> {
        if let Some(rest) = bytes.strip_prefix(TAG) {
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            if let Some(n) = std::str::from_utf8(&rest[..digits])
                .ok()
                .and_then(|d| d.parse().ok())
            {
                return Ok(n);
            }
        }
        // Not in front (written by hand?): look for the member anywhere.
        #[derive(Deserialize)]
        struct Peek {
            format: Option<u64>,
        }
        let peek: Peek =
            serde_json::from_slice(bytes).map_err(|e| FormatError::Json(e.to_string()))?;
        Ok(peek.format.unwrap_or(1))
    }

    /// Reads stored JSON of any version up to `newest` as today's type. Version 2 is
    /// version 1 with its tag, and every later field has a default, so every version
    /// so far reads directly; a later layout change adds its conversion here.
    pub(crate) fn read<T: DeserializeOwned>(bytes: &[u8], newest: u64) -> Result<T, FormatError> {
        match version(bytes)? {
            v @ 1..=2 if v <= newest => {
                serde_json::from_slice(bytes).map_err(|e| FormatError::Json(e.to_string()))
            }
            0 => Err(FormatError::Json("format version 0 does not exist".into())),
            found => Err(FormatError::TooNew {
                found,
                supported: newest,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_numbers_follow_time_and_never_repeat() {
        let mut book = KkmBook::default();
        let t = Timestamp::from_secs(1_795_428_000);
        let a = book.next_offline_number(t);
        let b = book.next_offline_number(t);
        let c = book.next_offline_number(t.plus_secs(100));
        assert_eq!(a, 1_795_428_000);
        assert_eq!(b, a + 1);
        assert_eq!(c, 1_795_428_100);
        // The clock going back never gives a number already used.
        let d = book.next_offline_number(Timestamp::from_secs(1_000));
        assert_eq!(d, c + 1);
    }

    #[test]
    fn the_counters_blob_round_trips() {
        let mut book = KkmBook::default();
        book.next_offline_number(Timestamp::from_secs(5));
        book.printed_documents = 7;
        let blob = book.to_blob().unwrap();
        assert_eq!(KkmBook::from_blob(1, &blob).unwrap(), book);
        assert_eq!(
            KkmBook::from_blob(1, b"not json")
                .unwrap_err()
                .code()
                .code(),
            68
        );
    }
}

#[cfg(test)]
mod format_tests {
    use super::*;

    /// A counters blob as the releases before format tags wrote it (untagged).
    const BOOK_V1: &str = r#"{"shift":{},"last_offline_number":1795428001,"printed_documents":7,"shift_closed_at":null}"#;

    #[test]
    fn every_format_is_written_with_its_version_first() {
        let book = KkmBook {
            printed_documents: 3,
            ..KkmBook::default()
        };
        let blob = book.to_blob().unwrap();
        assert!(
            blob.starts_with(br#"{"format":2,"shift":"#),
            "{}",
            String::from_utf8_lossy(&blob)
        );
        assert_eq!(stored::version(&blob).unwrap(), 2);
        assert_eq!(KkmBook::from_blob(1, &blob).unwrap(), book);
        let settings = KkmSettings {
            ofd_uid: "X".into(),
            id: 4,
            ..KkmSettings::default()
        };
        let json = settings.to_json().unwrap();
        assert!(json.starts_with(r#"{"format":2,"ofd_uid":"X""#), "{json}");
        assert_eq!(KkmSettings::from_json(&json).unwrap(), settings);
        // An empty object gets its tag alone.
        #[derive(Serialize)]
        struct Empty {}
        assert_eq!(stored::write(&Empty {}, 2).unwrap(), br#"{"format":2}"#);
    }

    #[test]
    fn version_1_untagged_reads_and_missing_fields_take_their_defaults() {
        let book = KkmBook::from_blob(1, BOOK_V1.as_bytes()).unwrap();
        assert_eq!(book.printed_documents, 7);
        assert_eq!(book.last_offline_number, 1_795_428_001);
        assert_eq!(stored::version(BOOK_V1.as_bytes()).unwrap(), 1);
        // A blob of a release that had fewer fields: the rest take their defaults.
        let older = KkmBook::from_blob(1, br#"{"shift":{}}"#).unwrap();
        assert_eq!(older, KkmBook::default());
        let settings = KkmSettings::from_json(r#"{"ofd_uid":"A","id":2}"#).unwrap();
        assert_eq!(
            (settings.ofd_uid.as_str(), settings.id, settings.owner_id),
            ("A", 2, 1)
        );
        // The tag somewhere else than first is still found.
        assert_eq!(stored::version(br#"{"a":1,"format":2}"#).unwrap(), 2);
    }

    #[test]
    fn a_newer_version_is_refused_with_a_clear_error() {
        let err = KkmBook::from_blob(9, br#"{"format":3,"shift":{}}"#).unwrap_err();
        assert_eq!(err.code().code(), 68);
        assert!(err.to_string().contains("newer"), "{err}");
        assert!(matches!(
            KkmSettings::from_json(r#"{"format":17}"#),
            Err(stored::FormatError::TooNew {
                found: 17,
                supported: 2
            })
        ));
        assert!(Payload::from_bytes(1, br#"{"format":3,"document":"ticket"}"#).is_err());
        assert!(stored::read::<KkmBook>(br#"{"format":0}"#, 2).is_err());
    }
}
