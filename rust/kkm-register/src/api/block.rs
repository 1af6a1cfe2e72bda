//! Our addition for a KKM the OFD blocked: `GetKKMBlock` shows the document the OFD
//! refused and its answer, `ResolveKKMBlock` resends it or sets it aside. CashCore has
//! no such methods; they are documented in `docs/api.md` and `/openapi.json`.

use serde::{Deserialize, Serialize};

use super::transaction::TransactionListEntry;

/// Request of `GetKKMBlock` (GET/POST).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetKkmBlockRequest {
    /// `kkm_ofd_id` — ID кассы в ОФД (required).
    pub kkm_ofd_id: i64,
}

/// `response_data` of `GetKKMBlock`: what blocks the KKM, if anything.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KkmBlock {
    /// `is_blocked` — the KKM is blocked: no fiscal document until it is resolved.
    pub is_blocked: bool,
    /// `ofd_code` — the OFD's result code of its refusal (`ResultTypeEnum`; 0 when it
    /// answered OK but not what the register needs, see `unusable_answer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ofd_code: Option<u32>,
    /// `ofd_text` — the OFD's text, or ours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ofd_text: Option<String>,
    /// `unusable_answer` — the OFD answered OK, but without what the register needs
    /// (e.g. a receipt's fiscal sign): the seed's 84 `invalid_ofd_response`.
    pub unusable_answer: bool,
    /// `document` — the document the OFD refused, if the block is about one, as
    /// GetTransactionList shows it (GetTransaction gives its whole body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<TransactionListEntry>,
    /// `queue_length` — documents waiting for the OFD, the refused one included.
    pub queue_length: u64,
}

kkm_core::code_enum! {
    /// What to do with the refused document.
    BlockResolution: u8 {
        /// 0 `resend` — send it again, as it is (the OFD's side was put right).
        Resend = 0,
        /// 1 `set_aside` — take it out of the queue; the journal keeps it, marked as
        /// not accepted by the OFD, and the documents after it go on.
        SetAside = 1,
    }
}

/// Request of `ResolveKKMBlock` (POST; administrators).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolveKkmBlockRequest {
    /// `kkm_ofd_id` — ID кассы в ОФД (required).
    pub kkm_ofd_id: i64,
    /// `action` — 0 resend, 1 set aside.
    pub action: BlockResolution,
}

/// `response_data` of `ResolveKKMBlock`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KkmBlockResolved {
    /// `sent` — documents the OFD accepted from the queue right after.
    pub sent: u64,
    /// `is_blocked` — still blocked (the OFD refused again).
    pub is_blocked: bool,
    /// `queue_length` — documents still waiting.
    pub queue_length: u64,
}
