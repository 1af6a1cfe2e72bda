//! The OFD synchronisation of each KKM as the API sees it: its status, a watch on it, a
//! kick of the drain, and the administrator's resolution of a block.

use kkm_core::Action;
use kkm_ofd::{SyncMode, SyncStatus};
use tokio::sync::watch;

use super::{listing, Registry};
use crate::api;
use crate::{Credential, RegisterError};

impl Registry {
    /// The KKM's sync status now (online / autonomous / blocked, queue length).
    pub fn sync_status(&self, kkm_ofd_id: i64) -> Result<SyncStatus, RegisterError> {
        Ok(self.register(kkm_ofd_id)?.status())
    }

    /// Watches the KKM's sync status.
    pub fn subscribe(&self, kkm_ofd_id: i64) -> Result<watch::Receiver<SyncStatus>, RegisterError> {
        Ok(self.register(kkm_ofd_id)?.engine.subscribe())
    }

    /// Wakes the KKM's drain now (e.g. the network is known to be back).
    pub fn kick(&self, kkm_ofd_id: i64) -> Result<(), RegisterError> {
        self.register(kkm_ofd_id)?.engine.kick();
        Ok(())
    }

    /// An administrator lifts a block; with `drop_document`, the refused document
    /// leaves the queue (the journal keeps it). Returns the documents drained after.
    pub async fn resolve_blocked(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        drop_document: bool,
    ) -> Result<u64, RegisterError> {
        let (_, register) = self.operator_for(credential, kkm_ofd_id, Action::ManageKkm)?;
        let _book = register.book.lock().await;
        Ok(register.engine.resolve_blocked(drop_document).await?)
    }

    /// `GetKKMBlock` (ours): what blocks the KKM — the OFD's refusal (or the unusable
    /// answer) and the document it concerns. For senior cashiers and administrators.
    pub async fn kkm_block(
        &self,
        credential: &Credential,
        request: api::GetKkmBlockRequest,
    ) -> Result<api::KkmBlock, RegisterError> {
        let (_, register) =
            self.operator_for(credential, request.kkm_ofd_id, Action::ViewJournal)?;
        let status = register.status();
        let SyncMode::Blocked(blocked) = status.mode else {
            return Ok(api::KkmBlock {
                is_blocked: false,
                ofd_code: None,
                ofd_text: None,
                unusable_answer: false,
                document: None,
                queue_length: status.queue_len,
            });
        };
        let document = match blocked.document.and_then(|d| i64::try_from(d).ok()) {
            Some(id) => match self.store.record(id)? {
                Some(record) => Some(listing::entry(&record)?),
                None => None,
            },
            None => None,
        };
        Ok(api::KkmBlock {
            is_blocked: true,
            ofd_code: Some(blocked.code),
            unusable_answer: blocked.is_unusable_answer(),
            ofd_text: Some(blocked.text),
            document,
            queue_length: status.queue_len,
        })
    }

    /// `ResolveKKMBlock` (ours): an administrator resends the refused document, or sets
    /// it aside (out of the queue; the journal keeps it, and the KKM's own counters keep
    /// it too: it was made and paid). Then the queue drains.
    pub async fn resolve_kkm_block(
        &self,
        credential: &Credential,
        request: api::ResolveKkmBlockRequest,
    ) -> Result<api::KkmBlockResolved, RegisterError> {
        let set_aside = request.action == api::BlockResolution::SetAside;
        let sent = self
            .resolve_blocked(credential, request.kkm_ofd_id, set_aside)
            .await?;
        let status = self.sync_status(request.kkm_ofd_id)?;
        Ok(api::KkmBlockResolved {
            sent,
            is_blocked: matches!(status.mode, SyncMode::Blocked(_)),
            queue_length: status.queue_len,
        })
    }
}
