//! What the register keeps per KKM besides the journal's own columns, all as JSON:
//!
//! * [`KkmBook`] — the counters blob written in the same transaction as every
//!   document: the core's `ShiftBook` plus the register's numbering;
//! * [`KkmSettings`] — SaveKKM's settings and the OFD's registration data;
//! * [`Payload`] — the canonical JSON of one document (hashed in the chain): what it
//!   was, from which every answer, listing and print of it is rebuilt.

use kkm_core::{Money, MoneyPlacementKind, Receipt, ReportType, ShiftBook, Timestamp, ZxReport};
use serde::{Deserialize, Serialize};

use crate::api::{AdsObject, PrinterEntity, RegInfo, VatCertificate};
use crate::RegisterError;

/// The counters blob of a KKM.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    pub(crate) fn to_blob(&self) -> Result<Vec<u8>, RegisterError> {
        serde_json::to_vec(self)
            .map_err(|e| RegisterError::new(kkm_core::ErrorCode::DbError, format!("counters: {e}")))
    }

    pub(crate) fn from_blob(kkm_id: u32, blob: &[u8]) -> Result<KkmBook, RegisterError> {
        serde_json::from_slice(blob).map_err(|e| {
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
    pub(crate) fn rnm(&self) -> String {
        self.reg_info
            .kkm
            .as_ref()
            .and_then(|k| k.fns_kkm_id.clone())
            .unwrap_or_default()
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

    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>, RegisterError> {
        serde_json::to_vec(self)
            .map_err(|e| RegisterError::new(kkm_core::ErrorCode::DbError, format!("document: {e}")))
    }

    pub(crate) fn from_bytes(id: i64, bytes: &[u8]) -> Result<Payload, RegisterError> {
        serde_json::from_slice(bytes).map_err(|e| {
            RegisterError::new(
                kkm_core::ErrorCode::DbError,
                format!("journal record {id} does not read back: {e}"),
            )
        })
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
