//! The schemas of our additions to the seed's API (`docs/api.md`, "Our additions").

use kkm_register::api::Method;
use serde_json::Value;

use super::{boolean, codes, int, object, schema, text};

/// The `response_data` schema of an added method, if `method` is one.
pub(super) fn response_data_schema(method: Method) -> Option<Value> {
    match method {
        Method::GetKkmBlock => Some(schema("KKMBlock")),
        Method::ResolveKkmBlock => Some(schema("KKMBlockResolved")),
        _ => None,
    }
}

/// The summary of an added method, if `method` is one.
pub(super) fn summary(method: Method) -> Option<&'static str> {
    match method {
        Method::GetKkmBlock => Some(
            "Our addition: what blocks the KKM — the OFD's refusal and the refused document",
        ),
        Method::ResolveKkmBlock => Some(
            "Our addition (administrators): resend the refused document (action 0) or set it aside (1)",
        ),
        _ => None,
    }
}

/// The components of the added methods.
pub(super) fn components() -> Vec<(&'static str, Value)> {
    vec![
        (
            "GetKKMBlockRequest",
            object(&[("kkm_ofd_id", int())], &["kkm_ofd_id"]),
        ),
        (
            "KKMBlock",
            object(
                &[
                    ("is_blocked", boolean()),
                    ("ofd_code", int()),
                    ("ofd_text", text()),
                    ("unusable_answer", boolean()),
                    ("document", schema("Transaction")),
                    ("queue_length", int()),
                ],
                &["is_blocked", "unusable_answer", "queue_length"],
            ),
        ),
        (
            "ResolveKKMBlockRequest",
            object(
                &[
                    ("kkm_ofd_id", int()),
                    (
                        "action",
                        codes(&[0, 1], "0 resend the refused document, 1 set it aside"),
                    ),
                ],
                &["kkm_ofd_id", "action"],
            ),
        ),
        (
            "KKMBlockResolved",
            object(
                &[
                    ("sent", int()),
                    ("is_blocked", boolean()),
                    ("queue_length", int()),
                ],
                &["sent", "is_blocked", "queue_length"],
            ),
        ),
    ]
}
