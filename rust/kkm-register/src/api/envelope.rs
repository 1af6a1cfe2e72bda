//! The envelope of every JSON answer: `{"response_code": int, "response_data": T}`.
//!
//! Success is `response_code` 0 with the method's data. The seed shows no error
//! example; our errors answer the code of the seed's table with an object naming it:
//!
//! ```json
//! {"response_code": 58,
//!  "response_data": {"text": "not_enough_cash",
//!                    "message": "not enough cash in the drawer: 5.00 requested, 0.00 available"}}
//! ```
//!
//! `text` is the seed's text constant of the code ("Текстовая константа"), `message` a
//! readable explanation (with the JSON path of the offending field where there is one).

use kkm_core::{CoreError, ErrorCode};
use serde::{Deserialize, Serialize};

/// `{"response_code": …, "response_data": …}` — the answer of every method but
/// GetDocumentImage (which answers a PNG on success).
///
/// ```
/// use kkm_core::ErrorCode;
/// use kkm_register::api::{Envelope, OK_TEXT};
/// let ok = Envelope::ok(OK_TEXT.to_owned());
/// assert_eq!(serde_json::to_string(&ok).unwrap(), r#"{"response_code":0,"response_data":"ok"}"#);
///
/// let err = Envelope::error(ErrorCode::InvalidAccessCode, "wrong PIN");
/// assert_eq!(
///     serde_json::to_value(&err).unwrap(),
///     serde_json::json!({"response_code": 5,
///         "response_data": {"text": "invalid_access_code", "message": "wrong PIN"}})
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// `response_code` — код ответа: 0 on success, else a code of the seed's table.
    #[serde(with = "response_code")]
    pub response_code: ErrorCode,
    /// `response_data` — содержимое ответа.
    pub response_data: T,
}

impl<T> Envelope<T> {
    /// A successful answer (`response_code` 0) carrying `data`.
    pub fn ok(data: T) -> Envelope<T> {
        Envelope {
            response_code: ErrorCode::Ok,
            response_data: data,
        }
    }

    /// `true` when `response_code` is 0.
    pub fn is_ok(&self) -> bool {
        self.response_code == ErrorCode::Ok
    }
}

impl Envelope<ErrorData> {
    /// A failed answer with `code` and a readable `message`.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Envelope<ErrorData> {
        Envelope {
            response_code: code,
            response_data: ErrorData::new(code, message),
        }
    }
}

impl From<&CoreError> for Envelope<ErrorData> {
    /// The answer to a rule of the core that failed: its code and its message.
    fn from(error: &CoreError) -> Envelope<ErrorData> {
        Envelope::error(error.code(), error.to_string())
    }
}

/// `response_data` of a failed answer (our choice; the seed shows none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorData {
    /// `text` — the seed's text constant of the code (`"not_enough_cash"`).
    pub text: String,
    /// `message` — what went wrong, readable.
    pub message: String,
}

impl ErrorData {
    /// The data of `code` with `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorData {
        ErrorData {
            text: code.name().to_owned(),
            message: message.into(),
        }
    }
}

/// `response_code` as its number; reading refuses codes outside the seed's table.
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
