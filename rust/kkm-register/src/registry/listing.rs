//! `GetTransactionList`: every document of a KKM that matches the request, all filters
//! applied in SQL (`kkm_store::RecordFilter`), read a page at a time. Nothing is ever
//! dropped: an answer is the whole match, however long, and the daemon streams it to
//! the client page by page, so memory stays bounded by one page.

use std::sync::Arc;

use kkm_core::{Action, Timestamp};
use kkm_store::{DocumentKind, Record, RecordFilter, Store};

use super::Registry;
use crate::api::{self, ApiDateTime, CommandType};
use crate::book::Payload;
use crate::views;
use crate::{Credential, RegisterError};

/// Records read per page.
const PAGE: u32 = 500;

/// The answer to a `GetTransactionList`, read on demand a page at a time (in journal
/// order). Get it from [`Registry::transaction_pages`]; call
/// [`TransactionPages::next_page`] until it answers `None`.
#[derive(Debug)]
pub struct TransactionPages {
    store: Arc<Store>,
    kkm_id: u32,
    filter: Option<RecordFilter>,
    after: i64,
}

/// The kinds of journal record a command type of the API stands for.
fn kinds_of(command: CommandType) -> &'static [DocumentKind] {
    match command {
        CommandType::Ticket => &[
            DocumentKind::Buy,
            DocumentKind::BuyReturn,
            DocumentKind::Sell,
            DocumentKind::SellReturn,
        ],
        CommandType::CloseShift => &[DocumentKind::ZReport],
        CommandType::Report => &[DocumentKind::XReport],
        CommandType::MoneyPlacement => &[DocumentKind::Deposit, DocumentKind::Withdrawal],
    }
}

/// The store's filter of a request; `None` when nothing can match (a shift number no
/// shift can have).
fn filter_of(request: &api::GetTransactionListRequest) -> Option<RecordFilter> {
    let mut kinds: Vec<DocumentKind> = request
        .command_type_list
        .iter()
        .flatten()
        .flat_map(|c| kinds_of(*c).iter().copied())
        .collect();
    kinds.sort_by_key(|k| k.code());
    kinds.dedup();
    let shift_number = match request.shift_number {
        Some(n) => Some(u32::try_from(n).ok()?),
        None => None,
    };
    Some(RecordFilter {
        from: request.period_start.map(|d| d.to_timestamp().secs()),
        to: request.period_end.map(|d| d.to_timestamp().secs()),
        kinds,
        shift_number,
        fiscal_sign: request.fiscal_id.clone().filter(|f| !f.trim().is_empty()),
        id: request.transaction_id,
    })
}

/// A journal record as an entry of the list.
pub(super) fn entry(record: &Record) -> Result<api::TransactionListEntry, RegisterError> {
    let payload = Payload::from_bytes(record.id, &record.payload)?;
    let fiscal = views::Fiscal::of_record(record);
    Ok(api::Transaction {
        id: record.id,
        date: ApiDateTime::from_timestamp(Timestamp::from_secs(record.at)),
        command: views::command_type(&payload),
        fr_shift_number: i64::from(record.shift_number),
        shift_document_number: i64::from(record.shift_document),
        is_offline: record.offline,
        body: views::summary(&payload, &fiscal),
    })
}

impl TransactionPages {
    /// The next page of entries (at most 500), or `None` after the last one. The
    /// journal is read off the async workers.
    pub async fn next_page(
        &mut self,
    ) -> Result<Option<Vec<api::TransactionListEntry>>, RegisterError> {
        let Some(filter) = self.filter.clone() else {
            return Ok(None);
        };
        let (store, kkm_id, after) = (self.store.clone(), self.kkm_id, self.after);
        let page = tokio::task::spawn_blocking(move || {
            let records = store.records_matching(kkm_id, &filter, after, PAGE)?;
            let last = records.last().map(|r| r.id);
            let entries = records
                .iter()
                .map(entry)
                .collect::<Result<Vec<_>, RegisterError>>()?;
            Ok::<_, RegisterError>((entries, last))
        })
        .await
        .map_err(|e| {
            RegisterError::new(
                kkm_core::ErrorCode::DbError,
                format!("reading the journal failed: {e}"),
            )
        })??;
        match page {
            (_, None) => {
                self.filter = None;
                Ok(None)
            }
            (entries, Some(last)) => {
                self.after = last;
                Ok(Some(entries))
            }
        }
    }

    /// Every remaining entry in one list (for callers that want it whole: the FFI's
    /// journal, tests).
    pub async fn collect(mut self) -> Result<Vec<api::TransactionListEntry>, RegisterError> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            all.extend(page);
        }
        Ok(all)
    }
}

impl Registry {
    /// `GetTransactionList`, page by page: the operator and the KKM are checked now; the
    /// entries are read as [`TransactionPages::next_page`] asks for them.
    pub async fn transaction_pages(
        &self,
        credential: &Credential,
        request: api::GetTransactionListRequest,
    ) -> Result<TransactionPages, RegisterError> {
        let (_, register) =
            self.operator_for(credential, request.kkm_ofd_id, Action::ViewJournal)?;
        Ok(TransactionPages {
            store: self.store.clone(),
            kkm_id: register.kkm_id,
            filter: filter_of(&request),
            after: 0,
        })
    }

    /// `GetTransactionList` answered whole: every matching entry, in journal order.
    pub async fn transaction_list(
        &self,
        credential: &Credential,
        request: api::GetTransactionListRequest,
    ) -> Result<Vec<api::TransactionListEntry>, RegisterError> {
        self.transaction_pages(credential, request)
            .await?
            .collect()
            .await
    }
}
