//! The journal as a person browses it (the web console): pages of a period, newest
//! first, filtered by kind, shift and fiscal sign; one document as its receipt image
//! (original or duplicate) by its journal id; a period exported as CSV or JSON lines.
//! Everything here needs [`Action::ViewJournal`] on the KKM, as GetTransactionList.

use std::io::Write;

use kkm_core::{Action, ErrorCode, Money, Timestamp};
use kkm_store::{DocumentKind, ExportFormat, PageCursor, Record, RecordFilter};

use super::Registry;
use crate::api::GetDocumentImageRequest;
use crate::book::Payload;
use crate::{Credential, RegisterError};

/// Longest journal page.
pub const MAX_PAGE: u32 = 500;

/// One journal record as a list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentLine {
    /// Journal id (the API's transaction id).
    pub id: i64,
    /// What it is.
    pub kind: DocumentKind,
    /// When (device time).
    pub at: Timestamp,
    /// Total (0 for reports).
    pub total: Money,
    /// Shift number.
    pub shift_number: u32,
    /// Number within the shift.
    pub shift_document: u32,
    /// The OFD's fiscal sign, once given.
    pub fiscal_sign: Option<String>,
    /// Made (or ended up) autonomous.
    pub offline: bool,
    /// The offline number it was printed with.
    pub offline_number: Option<u32>,
    /// Who made it.
    pub operator_id: u32,
    /// The operator's name as printed on it.
    pub operator_name: String,
}

impl DocumentLine {
    pub(crate) fn of(record: &Record) -> Result<DocumentLine, RegisterError> {
        let payload = Payload::from_bytes(record.id, &record.payload)?;
        Ok(DocumentLine {
            id: record.id,
            kind: record.kind,
            at: Timestamp::from_secs(record.at),
            total: Money::from_tiyn(record.total),
            shift_number: record.shift_number,
            shift_document: record.shift_document,
            fiscal_sign: record.fiscal_sign.clone(),
            offline: record.offline,
            offline_number: record.offline_number,
            operator_id: record.operator_id,
            operator_name: payload.meta().operator_name.clone(),
        })
    }

    /// Where the next page starts when this line ends a page.
    pub fn cursor(&self) -> PageCursor {
        PageCursor {
            at: self.at.secs(),
            id: self.id,
        }
    }
}

/// Receipts of a KKM looked through for an operator's own ([`Registry::own_receipts`]).
pub const OWN_RECEIPTS_SCAN: u32 = 200;

impl Registry {
    fn journal_record(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        id: i64,
    ) -> Result<(Record, std::sync::Arc<crate::register::Register>), RegisterError> {
        let (_, register) = self.operator_for(credential, kkm_ofd_id, Action::ViewJournal)?;
        let record = self
            .store
            .record(id)?
            .filter(|r| r.kkm_id == register.kkm_id)
            .ok_or_else(|| {
                RegisterError::new(
                    ErrorCode::TransactionNotFound,
                    format!("KKM {kkm_ofd_id} has no document {id}"),
                )
            })?;
        Ok((record, register))
    }

    /// A page of KKM `kkm_ofd_id`'s journal: the records matching `filter` (period,
    /// kinds, shift, fiscal sign or offline number), newest first, below `after` (the
    /// previous page's last line's [`DocumentLine::cursor`]); at most `limit`
    /// (≤ [`MAX_PAGE`]).
    pub fn journal_page(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        filter: &RecordFilter,
        after: Option<PageCursor>,
        limit: u32,
    ) -> Result<Vec<DocumentLine>, RegisterError> {
        let (_, register) = self.operator_for(credential, kkm_ofd_id, Action::ViewJournal)?;
        let records = self.store.records_newest_first(
            register.kkm_id,
            filter,
            after,
            limit.clamp(1, MAX_PAGE),
        )?;
        records.iter().map(DocumentLine::of).collect()
    }

    /// The signed-in operator's own receipts on KKM `kkm_ofd_id`, newest first, at most
    /// `limit` of them, from the KKM's last [`OWN_RECEIPTS_SCAN`] receipts (the cashier
    /// screen's "my receipts", to find one for a duplicate). For whoever may sell on the
    /// KKM: a cashier has no journal, but sees its own receipts.
    pub fn own_receipts(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        limit: usize,
    ) -> Result<Vec<DocumentLine>, RegisterError> {
        let (operator, register) =
            self.operator_for(credential, kkm_ofd_id, Action::TradeOperation)?;
        let filter = RecordFilter {
            kinds: vec![
                DocumentKind::Sell,
                DocumentKind::SellReturn,
                DocumentKind::Buy,
                DocumentKind::BuyReturn,
            ],
            ..RecordFilter::default()
        };
        let records =
            self.store
                .records_newest_first(register.kkm_id, &filter, None, OWN_RECEIPTS_SCAN)?;
        let mut out = Vec::new();
        for record in &records {
            let line = DocumentLine::of(record)?;
            if i64::from(line.operator_id) == operator.id {
                out.push(line);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// One document of the KKM's journal by its id.
    pub fn document_line(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        id: i64,
    ) -> Result<DocumentLine, RegisterError> {
        let (record, _) = self.journal_record(credential, kkm_ofd_id, id)?;
        DocumentLine::of(&record)
    }

    /// The KKM's latest document of `kind` (e.g. the X-report just taken).
    pub fn last_document_of(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        kind: DocumentKind,
    ) -> Result<Option<DocumentLine>, RegisterError> {
        let (_, register) = self.operator_for(credential, kkm_ofd_id, Action::ViewJournal)?;
        self.store
            .last_record_of(register.kkm_id, kind)?
            .as_ref()
            .map(DocumentLine::of)
            .transpose()
    }

    /// Document `id` of the KKM as a PNG, as GetDocumentImage draws it with its
    /// defaults: the original, or a copy marked «ДУБЛИКАТ».
    pub fn document_png(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        id: i64,
        duplicate: bool,
    ) -> Result<Vec<u8>, RegisterError> {
        let (record, register) = self.journal_record(credential, kkm_ofd_id, id)?;
        png_of(&register, &record, duplicate)
    }

    /// Writes the KKM's documents of `from..=to` (device seconds) to `out` as CSV or
    /// JSON lines (the `export` command's formats); the number written.
    pub fn journal_export(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        from: i64,
        to: i64,
        format: ExportFormat,
        out: &mut dyn Write,
    ) -> Result<u64, RegisterError> {
        let (_, register) = self.operator_for(credential, kkm_ofd_id, Action::ViewJournal)?;
        Ok(self
            .store
            .export_journal(register.kkm_id, from, to, format, out)?)
    }
}

/// A journal record as a PNG, as GetDocumentImage draws it with its defaults: the
/// original, or a copy marked «ДУБЛИКАТ».
pub(super) fn png_of(
    register: &crate::register::Register,
    record: &Record,
    duplicate: bool,
) -> Result<Vec<u8>, RegisterError> {
    let mut document = register.print_document(record)?;
    if duplicate {
        document = document.into_duplicate();
    }
    let options = kkm_print::ImageOptions {
        width: GetDocumentImageRequest::DEFAULT_IMAGE_WIDTH,
        scale: GetDocumentImageRequest::DEFAULT_IMAGE_SCALE as f32,
        threshold: u8::try_from(GetDocumentImageRequest::DEFAULT_PIXEL_DRAW_THRESHOLD)
            .unwrap_or(u8::MAX),
    };
    kkm_print::render_png(&document, &options)
        .map_err(|e| RegisterError::new(ErrorCode::InvalidFields, e.to_string()))
}
