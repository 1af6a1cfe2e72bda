//! Work on an installation's journal without running it: integrity verification and
//! export, the print queue (the daemon's `verify`, `export` and `print-jobs` commands).

use kkm_store::{ExportFormat, StoreError};

use crate::registry::open_store;
use crate::{RegisterError, RegistryConfig};

/// The verification of one KKM's journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KkmVerification {
    /// The KKM.
    pub kkm_id: u32,
    /// Records whose hash was recomputed (0 when a problem stopped the walk).
    pub records: u64,
    /// Z-reports whose shift digest was re-derived.
    pub closed_shifts: u64,
    /// What does not verify (the KKM is then in local state ValuesConflict, 68).
    pub problem: Option<String>,
}

/// Verifies every page of the encrypted file (each authenticates under the key), then
/// every KKM's hash chain and shift digests. A damaged page fails the whole
/// verification (the error names it): no KKM's journal can be vouched for then.
pub fn verify(config: &RegistryConfig) -> Result<Vec<KkmVerification>, RegisterError> {
    let store = open_store(config)?;
    store.check_pages()?;
    let mut out = Vec::new();
    for kkm_id in store.kkm_ids()? {
        out.push(match store.verify(kkm_id) {
            Ok(report) => KkmVerification {
                kkm_id,
                records: report.records,
                closed_shifts: report.closed_shifts,
                problem: None,
            },
            Err(e @ StoreError::Tampered { .. }) => KkmVerification {
                kkm_id,
                records: 0,
                closed_shifts: 0,
                problem: Some(e.to_string()),
            },
            Err(e) => return Err(e.into()),
        });
    }
    Ok(out)
}

/// Writes KKM `kkm_id`'s journal between device times `from..=to` (seconds, both
/// optional) to `out` as JSON lines or CSV; returns the number of records written.
pub fn export(
    config: &RegistryConfig,
    kkm_id: u32,
    from: Option<i64>,
    to: Option<i64>,
    format: ExportFormat,
    out: &mut dyn std::io::Write,
) -> Result<u64, RegisterError> {
    let store = open_store(config)?;
    if !store.kkm_ids()?.contains(&kkm_id) {
        return Err(RegisterError::new(
            kkm_core::ErrorCode::InvalidKkmOfdId,
            format!("KKM {kkm_id} has no journal here"),
        ));
    }
    Ok(store.export_journal(
        kkm_id,
        from.unwrap_or(i64::MIN),
        to.unwrap_or(i64::MAX),
        format,
        out,
    )?)
}

/// The print jobs of the installation, newest first (of one KKM when given), at most
/// `limit`: the daemon's `print-jobs` command (reads while the daemon runs: WAL).
pub fn print_jobs(
    config: &RegistryConfig,
    kkm_id: Option<u32>,
    limit: u32,
) -> Result<Vec<kkm_store::PrintJobRow>, RegisterError> {
    let store = open_store(config)?;
    Ok(store.print_jobs(kkm_id, None, limit)?)
}
