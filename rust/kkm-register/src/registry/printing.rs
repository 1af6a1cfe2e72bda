//! The Registry's printing methods: GetPrinterList with discovery, the print jobs and
//! their states, reprints as duplicates; and the registry as the workers' source of
//! documents.

use kkm_core::{Action, ErrorCode};
use kkm_print::model::PrintDocument;
use kkm_store::{PrintCopy, PrintJobRow};
use serde::{Deserialize, Serialize};

use super::Registry;
use crate::api::{self, PrinterEntity, PrinterType};
use crate::printing::{DocumentSource, PrintAsk, QueuedPrint};
use crate::register::Register;
use crate::{Credential, RegisterError};

/// Upper bound of jobs one listing answers.
const JOB_LIST_LIMIT: u32 = 1_000;

/// A print job as our API's `GetPrintJobList` / `ReprintDocument` answer it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintJob {
    /// The job's id (grows with queueing order).
    pub id: i64,
    /// The KKM whose document it prints.
    pub kkm_ofd_id: i64,
    /// The journal record (GetTransaction's `transaction_id`).
    pub transaction_id: i64,
    /// The document's shift.
    pub fr_shift_number: i64,
    /// The document's number in its shift.
    pub shift_document_number: i64,
    /// The printer's address (`printer.name`).
    pub printer: String,
    /// `original` or `duplicate`.
    pub copy: String,
    /// `waiting`, `printing`, `printed`, `failed` or `interrupted`.
    pub state: String,
    /// Sends tried.
    pub attempts: u32,
    /// The last failure (for `failed`, why it was given up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When it was queued, unix milliseconds.
    pub created_ms: i64,
    /// Its last change, unix milliseconds.
    pub updated_ms: i64,
}

impl DocumentSource for Registry {
    fn print_model(&self, kkm_id: u32, doc_id: i64) -> Result<PrintDocument, String> {
        let register = self
            .register(i64::from(kkm_id))
            .map_err(|e| e.to_string())?;
        let record = self
            .store
            .record(doc_id)
            .map_err(|e| e.to_string())?
            .filter(|r| r.kkm_id == kkm_id)
            .ok_or_else(|| format!("KKM {kkm_id} has no journal record {doc_id}"))?;
        register.print_document(&record).map_err(|e| e.to_string())
    }
}

/// How many duplicates ReprintDocument makes of one document: enough for a lost receipt,
/// a customer's second copy and a jam or two, not a loop that drains the paper.
pub const MAX_DUPLICATES: u32 = 5;

impl Registry {
    /// The register's rule for a printer (SaveKKM's `printer`): it is a file only where
    /// the configuration allows files (tests, the demo) — otherwise a printer named
    /// `file:///…/data.key` would write receipts into the key file. A name that is not an
    /// address we print to is kept as CashCore keeps it (the seed's `RPP300`): its jobs
    /// fail with the reason.
    pub(super) fn check_printer(&self, printer: &PrinterEntity) -> Result<(), RegisterError> {
        let kind = Some(printer.kind.code());
        let Ok(address) = kkm_print::device::PrinterAddress::parse(&printer.name, kind) else {
            return Ok(());
        };
        if matches!(address.transport, kkm_print::device::Transport::File { .. })
            && !self.config.allow_file_printers
        {
            return Err(RegisterError::new(
                ErrorCode::InvalidFields,
                "printer: a file is not a printer (file:// addresses are for tests and the demo)",
            ));
        }
        Ok(())
    }

    /// Document `shift_document_number` of shift `fr_shift_number` of `register`, or 44
    /// (`operation_not_found`) naming them.
    pub(super) fn record_in_shift(
        &self,
        register: &Register,
        fr_shift_number: i64,
        shift_document_number: i64,
    ) -> Result<kkm_store::Record, RegisterError> {
        let not_found = || {
            RegisterError::new(
                ErrorCode::OperationNotFound,
                format!(
                    "KKM {} has no document {shift_document_number} in shift {fr_shift_number}",
                    register.kkm_id
                ),
            )
        };
        let shift = u32::try_from(fr_shift_number).map_err(|_| not_found())?;
        let number = u32::try_from(shift_document_number).map_err(|_| not_found())?;
        self.store
            .record_in_shift(register.kkm_id, shift, number)?
            .ok_or_else(not_found)
    }

    /// Wakes the print worker of `register`'s printer (after a document was answered).
    pub(super) fn wake_printer(&self, register: &Register) {
        if let Some(printer) = register.settings().printer {
            if !printer.name.trim().is_empty() {
                self.printing.wake(printer.name.trim());
            }
        }
    }

    fn job_of(&self, row: PrintJobRow) -> Result<PrintJob, RegisterError> {
        let record = self.store.record(row.doc_id)?;
        Ok(PrintJob {
            id: row.id,
            kkm_ofd_id: i64::from(row.kkm_id),
            transaction_id: row.doc_id,
            fr_shift_number: record.as_ref().map_or(0, |r| i64::from(r.shift_number)),
            shift_document_number: record.as_ref().map_or(0, |r| i64::from(r.shift_document)),
            printer: row.printer,
            copy: match row.copy {
                PrintCopy::Original => "original".into(),
                PrintCopy::Duplicate => "duplicate".into(),
            },
            state: row.state.name().into(),
            attempts: row.attempts,
            error: row.error,
            created_ms: row.created_at,
            updated_ms: row.updated_at,
        })
    }

    /// `GetPrinterList`: the machine's printers (CUPS queues, serial ports, USB lp
    /// devices, the configuration's network printers; the spooler's on Windows) from the
    /// printer driver, then the printers SaveKKM configured that were not found.
    pub async fn printer_list(
        &self,
        credential: &Credential,
    ) -> Result<Vec<api::PrinterListEntry>, RegisterError> {
        self.authenticate(credential)?;
        let mut printers: Vec<api::PrinterListEntry> = Vec::new();
        if let Some(driver) = self.printing.driver() {
            let found = tokio::task::spawn_blocking(move || driver.discover())
                .await
                .unwrap_or_default();
            for p in found {
                if let Some(kind) = PrinterType::from_code(i64::from(p.printer_type)) {
                    printers.push(api::PrinterListEntry {
                        id: printers.len() as i64 + 1,
                        name: p.address,
                        kind,
                    });
                }
            }
        }
        for register in self.kkms_snapshot() {
            if let Some(p) = register.settings().printer {
                if printers.iter().any(|e| e.name == p.name) {
                    continue;
                }
                printers.push(api::PrinterListEntry {
                    id: p.id.unwrap_or(printers.len() as i64 + 1),
                    name: p.name,
                    kind: p.kind,
                });
            }
        }
        Ok(printers)
    }

    /// `GetPrintJobList` (our addition): the print jobs, newest first — of one KKM
    /// (whoever may view its journal) or of all (administrators), optionally of one
    /// printer; at most `limit` (default 100, at most 1000).
    pub async fn print_jobs(
        &self,
        credential: &Credential,
        kkm_ofd_id: Option<i64>,
        printer: Option<String>,
        limit: Option<u32>,
    ) -> Result<Vec<PrintJob>, RegisterError> {
        let kkm_id = match kkm_ofd_id {
            Some(id) => {
                let (_, register) = self.operator_for(credential, id, Action::ViewJournal)?;
                Some(register.kkm_id)
            }
            None => {
                self.operator_may(credential, Action::ManageKkm)?;
                None
            }
        };
        let limit = limit.unwrap_or(100).clamp(1, JOB_LIST_LIMIT);
        let rows = self.store.print_jobs(kkm_id, printer.as_deref(), limit)?;
        rows.into_iter().map(|r| self.job_of(r)).collect()
    }

    /// `ReprintDocument` (our addition): queues a copy marked «ДУБЛИКАТ» of document
    /// `shift_document_number` of shift `fr_shift_number` on `printer` (an address) or
    /// the KKM's printer. Answers the job at once; it prints in the queue's order.
    pub async fn reprint_document(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        fr_shift_number: i64,
        shift_document_number: i64,
        printer: Option<String>,
    ) -> Result<PrintJob, RegisterError> {
        let (register, record) = self.printable_record(
            credential,
            kkm_ofd_id,
            fr_shift_number,
            shift_document_number,
        )?;
        let entity = match printer.filter(|p| !p.trim().is_empty()) {
            // Only a printer an administrator configured (SaveKKM of any KKM): the
            // address is not the caller's to choose, or a cashier could make the daemon
            // write into a file or connect to any host.
            Some(name) => self
                .kkms_snapshot()
                .into_iter()
                .filter_map(|k| k.settings().printer)
                .find(|p| p.name.trim() == name.trim())
                .ok_or_else(|| {
                    RegisterError::new(
                        ErrorCode::InvalidFields,
                        format!(
                            "printer: {name:?} is not a printer an administrator configured \
                             (SaveKKM); leave it out to print on the KKM's own printer"
                        ),
                    )
                })?,
            None => register.settings().printer.ok_or_else(|| {
                RegisterError::new(
                    ErrorCode::InvalidFields,
                    format!("printer: KKM {kkm_ofd_id} has no printer (SaveKKM sets one)"),
                )
            })?,
        };
        let ask = PrintAsk {
            is_printable: true,
            ..PrintAsk::default()
        };
        let queued = QueuedPrint::of(Some(&entity), &ask).ok_or_else(|| {
            RegisterError::new(ErrorCode::InvalidFields, "printer: empty printer name")
        })?;
        let row = self
            .store
            .enqueue_print_limited(
                record.id,
                &queued.job(PrintCopy::Duplicate),
                crate::printing::now_ms(),
                MAX_DUPLICATES,
            )?
            .ok_or_else(|| {
                RegisterError::new(
                    ErrorCode::InvalidFields,
                    format!(
                        "document {shift_document_number} of shift {fr_shift_number} has had \
                         {MAX_DUPLICATES} duplicates already"
                    ),
                )
            })?;
        self.printing.wake(&queued.printer);
        self.job_of(row)
    }
}
