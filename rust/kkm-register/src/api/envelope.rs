//! The envelope of every JSON answer, as CashCore's own REST server writes it
//! (`uBaseRestServer.pas`, `BuildHttpResponse`):
//!
//! * success — HTTP 200, `{"response_code": 0, "response_data": T}`;
//! * failure — an HTTP status by the code's class ([`http_status`]) and
//!   `{"response_code": N, "response_data": "<the code's text constant>", "message": "<readable>"}`.
//!
//! ```json
//! {"response_code": 58,
//!  "response_data": "not_enough_cash",
//!  "message": "not enough cash in the drawer: 5.00 requested, 0.00 available"}
//! ```
//!
//! `response_data` of a failure is the seed's text constant of the code («Текстовая
//! константа»), so that a client typed against CashCore (a string there) reads it;
//! `message` says what went wrong (with the JSON path of the offending field where there
//! is one).

use kkm_core::{CoreError, ErrorCode};
use serde::{Deserialize, Serialize};

/// `{"response_code": …, "response_data": …}` — the answer of every method but
/// GetDocumentImage (which answers a PNG on success), plus `message` on failures.
///
/// ```
/// use kkm_core::ErrorCode;
/// use kkm_register::api::{http_status, Envelope, OK_TEXT};
/// let ok = Envelope::ok(OK_TEXT.to_owned());
/// assert_eq!(serde_json::to_string(&ok).unwrap(), r#"{"response_code":0,"response_data":"ok"}"#);
///
/// let err = Envelope::error(ErrorCode::InvalidAccessCode, "wrong PIN");
/// assert_eq!(
///     serde_json::to_value(&err).unwrap(),
///     serde_json::json!({"response_code": 5, "response_data": "invalid_access_code",
///                        "message": "wrong PIN"})
/// );
/// assert_eq!(http_status(ErrorCode::InvalidAccessCode), 403);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// `response_code` — код ответа: 0 on success, else a code of the seed's table.
    #[serde(with = "response_code")]
    pub response_code: ErrorCode,
    /// `response_data` — содержимое ответа: the method's data, or on a failure the
    /// code's text constant.
    pub response_data: T,
    /// `message` — on a failure, what went wrong, readable (CashCore leaves it out on
    /// success, and so do we).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl<T> Envelope<T> {
    /// A successful answer (`response_code` 0) carrying `data`.
    pub fn ok(data: T) -> Envelope<T> {
        Envelope {
            response_code: ErrorCode::Ok,
            response_data: data,
            message: None,
        }
    }

    /// `true` when `response_code` is 0.
    pub fn is_ok(&self) -> bool {
        self.response_code == ErrorCode::Ok
    }
}

impl Envelope<String> {
    /// A failed answer with `code` (its text constant as `response_data`) and a
    /// readable `message`.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Envelope<String> {
        Envelope {
            response_code: code,
            response_data: code.name().to_owned(),
            message: Some(message.into()),
        }
    }
}

impl From<&CoreError> for Envelope<String> {
    /// The answer to a rule of the core that failed: its code and its message.
    fn from(error: &CoreError) -> Envelope<String> {
        Envelope::error(error.code(), error.to_string())
    }
}

/// The HTTP status of an answer with `code`, by CashCore's classes: 200 for 0; 400 (bad
/// request) for 2, 11, 15, 17, 61; 401 (access denied) for 71, 72, 74, 75; 403 (wrong
/// PIN or token) for 5; 404 for 3 (no such method); 500 for every other code.
///
/// ```
/// use kkm_core::ErrorCode;
/// use kkm_register::api::http_status;
/// assert_eq!(http_status(ErrorCode::Ok), 200);
/// assert_eq!(http_status(ErrorCode::InvalidFields), 400);
/// assert_eq!(http_status(ErrorCode::KkmInvalidBindings), 401);
/// assert_eq!(http_status(ErrorCode::MethodNotFound), 404);
/// assert_eq!(http_status(ErrorCode::NotEnoughCash), 500);
/// ```
pub fn http_status(code: ErrorCode) -> u16 {
    use ErrorCode as C;
    match code {
        C::Ok => 200,
        C::InvalidFields
        | C::AccessCodeIncorrect
        | C::InvalidOperatorCode
        | C::InvalidKkmCredentials
        | C::InvalidKkmOfdId => 400,
        C::KkmAccessDenied
        | C::KkmInvalidBindings
        | C::KkmPerOwnerLimitExceed
        | C::KkmOperatorsLimitExceed => 401,
        C::InvalidAccessCode => 403,
        C::MethodNotFound => 404,
        _ => 500,
    }
}

/// `response_code` as its number; reading refuses codes outside the table.
mod response_code {
    use kkm_core::ErrorCode;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(code: &ErrorCode, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u16(code.code())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<ErrorCode, D::Error> {
        let code = u16::deserialize(deserializer)?;
        ErrorCode::from_code(code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown response_code {code}")))
    }
}
