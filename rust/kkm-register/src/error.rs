//! [`RegisterError`]: what an operation of the register answers when it fails, always
//! with the seed's numeric code ([`RegisterError::code`]).

use kkm_core::{CoreError, ErrorCode};
use kkm_ofd::EngineError;
use kkm_store::StoreError;

/// Why an operation of the register failed. Every variant carries, or maps to, a code
/// of the seed's table: the daemon answers it as `response_code`, the FFI as the
/// exception's `code`.
///
/// ```
/// use kkm_register::RegisterError;
/// use kkm_core::ErrorCode;
/// let e = RegisterError::new(ErrorCode::InvalidAccessCode, "wrong PIN");
/// assert_eq!(e.code().code(), 5);
/// assert_eq!(e.to_string(), "wrong PIN");
/// assert!(!e.is_internal(), "a wrong PIN is the caller's");
/// ```
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// A rule of the fiscal core refused the request (validation, shift, cash, roles).
    #[error(transparent)]
    Rule(#[from] CoreError),
    /// The journal failed (19), does not verify (68), or refused a value (12, 15).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The register refused: the code says why, the message explains.
    #[error("{message}")]
    Refused {
        /// The seed's code.
        code: ErrorCode,
        /// What went wrong, readable.
        message: String,
    },
}

impl RegisterError {
    /// A refusal with `code` and a readable `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> RegisterError {
        RegisterError::Refused {
            code,
            message: message.into(),
        }
    }

    /// Not the caller's fault: the journal or its key failed (SQLite, the disk, a key that
    /// cannot be read, a damaged file). The seed's code stays (19 for the journal); the
    /// FFI raises it as `Internal`, not `Rejected`, and the daemon logs it as an error.
    /// A refusal of the request (a rule, a PIN in use, an unknown operator, a journal
    /// that does not verify: the KKM's state) is not internal.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            RegisterError::Store(
                StoreError::Sqlite(_)
                    | StoreError::Malformed(_)
                    | StoreError::Key(_)
                    | StoreError::CannotDecrypt { .. }
                    | StoreError::Damaged { .. }
                    | StoreError::WrongKey
                    | StoreError::TooNew { .. }
            )
        )
    }

    /// The seed's code of this failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            RegisterError::Rule(e) => e.code(),
            RegisterError::Store(e) => ErrorCode::from_code(e.code()).unwrap_or(ErrorCode::DbError),
            RegisterError::Refused { code, .. } => *code,
        }
    }
}

impl From<EngineError<StoreError>> for RegisterError {
    fn from(e: EngineError<StoreError>) -> RegisterError {
        match e {
            EngineError::Journal(e) => RegisterError::Store(e),
            EngineError::Blocked(b) => RegisterError::new(
                ErrorCode::KkmIsBlocked,
                format!(
                    "the KKM is blocked: the OFD refused {} with code {} ({}); an administrator must resolve it",
                    b.document.map_or("a request".to_owned(), |d| format!("document {d}")),
                    b.code,
                    b.text
                ),
            ),
            e @ EngineError::AutonomousTooLong { .. } => {
                RegisterError::new(ErrorCode::KkmInOfflineModeTooLong, e.to_string())
            }
            e @ EngineError::Unreachable(_) => {
                RegisterError::new(ErrorCode::ConnectionError, e.to_string())
            }
        }
    }
}
