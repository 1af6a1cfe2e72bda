//! [`KkmError`]: the one error type every exported function answers (Kotlin:
//! `kz.kkm.core.KkmException`, a sealed class). Every variant carries the seed's
//! numeric code (`code`, 0–98), its constant name (`name`) and a readable `reason` —
//! named `reason`, not `message`, because a Kotlin exception already has a `message`.

use kkm_core::ErrorCode;

/// Why a call into the register, the scanner or a printer failed.
///
/// The variant says which part failed; `code` is always a code of the seed's table so
/// that an app can show and log one number whatever failed:
///
/// | variant | code |
/// | --- | --- |
/// | `Rejected` | the register's own (5 wrong PIN, 44–95 a bad receipt, 58 not enough cash, 62 blocked, …) |
/// | `InvalidInput` | 2 `invalid_fields` (a bad argument found before the register was asked) |
/// | `Scan` | 2 `invalid_fields` (a frame that cannot be read) |
/// | `Printer`, `NoBleAdapter` | 29 `operation_failed` (the fiscal document is safe; reprint it) |
/// | `Closed` | 70 `kkm_is_not_initialized` (the register was closed) |
/// | `Internal` | 4 `method_execution_exception` |
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum KkmError {
    /// The register refused the operation; `code` is the seed's code for the reason.
    #[error("{code} {name}: {reason}")]
    Rejected {
        /// The seed's code (`response_code`).
        code: i32,
        /// The seed's constant, e.g. `invalid_access_code`.
        name: String,
        /// What went wrong, readable.
        reason: String,
    },
    /// An argument was refused before reaching the register (e.g. a key of the wrong
    /// length, a money amount that overflows).
    #[error("{code} {name}: {reason}")]
    InvalidInput {
        /// Always 2 (`invalid_fields`).
        code: i32,
        /// `invalid_fields`.
        name: String,
        /// Which argument and why.
        reason: String,
    },
    /// A camera frame could not be read (bad size, stride or buffer length).
    #[error("{code} {name}: {reason}")]
    Scan {
        /// Always 2 (`invalid_fields`).
        code: i32,
        /// `invalid_fields`.
        name: String,
        /// Why.
        reason: String,
    },
    /// The printer failed; the fiscal document is in the journal and can be reprinted.
    #[error("{code} {name}: {reason}")]
    Printer {
        /// Always 29 (`operation_failed`).
        code: i32,
        /// `operation_failed`.
        name: String,
        /// Why.
        reason: String,
    },
    /// There is no Bluetooth LE adapter (or it is off, or the platform has no BLE stack).
    #[error("{code} {name}: {reason}")]
    NoBleAdapter {
        /// Always 29 (`operation_failed`).
        code: i32,
        /// `operation_failed`.
        name: String,
        /// Why.
        reason: String,
    },
    /// The register was closed ([`crate::KkmRegister::shutdown`]).
    #[error("{code} {name}: {reason}")]
    Closed {
        /// Always 70 (`kkm_is_not_initialized`).
        code: i32,
        /// `kkm_is_not_initialized`.
        name: String,
        /// Why.
        reason: String,
    },
    /// Not the caller's fault: the journal or its key failed (SQLite, the disk, a damaged
    /// file; code 19 and its kin), or the facade itself (the runtime could not start, a
    /// call was made from a thread where it would deadlock; code 4).
    #[error("{code} {name}: {reason}")]
    Internal {
        /// The seed's code: 19 (`db_error`) for the journal, 4 for the facade.
        code: i32,
        /// Its constant.
        name: String,
        /// Why.
        reason: String,
    },
}

fn parts(code: ErrorCode) -> (i32, String) {
    (i32::from(code.code()), code.name().to_owned())
}

impl KkmError {
    /// A refusal of the register with the seed's `code`.
    pub fn rejected(code: ErrorCode, reason: impl Into<String>) -> KkmError {
        let (code, name) = parts(code);
        KkmError::Rejected {
            code,
            name,
            reason: reason.into(),
        }
    }

    /// A bad argument (2).
    pub fn invalid(reason: impl Into<String>) -> KkmError {
        let (code, name) = parts(ErrorCode::InvalidFields);
        KkmError::InvalidInput {
            code,
            name,
            reason: reason.into(),
        }
    }

    /// An unreadable frame (2).
    pub fn scan(reason: impl Into<String>) -> KkmError {
        let (code, name) = parts(ErrorCode::InvalidFields);
        KkmError::Scan {
            code,
            name,
            reason: reason.into(),
        }
    }

    /// The register was closed (70).
    pub fn closed() -> KkmError {
        let (code, name) = parts(ErrorCode::KkmIsNotInitialized);
        KkmError::Closed {
            code,
            name,
            reason: "the register is closed".to_owned(),
        }
    }

    /// A failure of the facade (4).
    pub fn internal(reason: impl Into<String>) -> KkmError {
        let (code, name) = parts(ErrorCode::MethodExecutionException);
        KkmError::Internal {
            code,
            name,
            reason: reason.into(),
        }
    }

    /// The seed's code of this error, whatever the variant.
    pub fn code(&self) -> i32 {
        match self {
            KkmError::Rejected { code, .. }
            | KkmError::InvalidInput { code, .. }
            | KkmError::Scan { code, .. }
            | KkmError::Printer { code, .. }
            | KkmError::NoBleAdapter { code, .. }
            | KkmError::Closed { code, .. }
            | KkmError::Internal { code, .. } => *code,
        }
    }
}

impl From<kkm_register::RegisterError> for KkmError {
    /// A refusal is `Rejected`; a failure that is not the caller's (the journal, its key)
    /// is `Internal` with the seed's code (19 for the journal): retrying the same request
    /// later may work, changing it will not help.
    fn from(e: kkm_register::RegisterError) -> KkmError {
        if e.is_internal() {
            let (code, name) = parts(e.code());
            return KkmError::Internal {
                code,
                name,
                reason: e.to_string(),
            };
        }
        KkmError::rejected(e.code(), e.to_string())
    }
}

impl From<kkm_core::CoreError> for KkmError {
    fn from(e: kkm_core::CoreError) -> KkmError {
        KkmError::rejected(e.code(), e.to_string())
    }
}

impl From<kkm_print::PrintError> for KkmError {
    fn from(e: kkm_print::PrintError) -> KkmError {
        let (code, name) = parts(ErrorCode::OperationFailed);
        match e {
            kkm_print::PrintError::NoBleAdapter(_) => KkmError::NoBleAdapter {
                code,
                name,
                reason: e.to_string(),
            },
            kkm_print::PrintError::Address(_) => KkmError::invalid(e.to_string()),
            other => KkmError::Printer {
                code,
                name,
                reason: other.to_string(),
            },
        }
    }
}

impl From<kkm_scan::FrameError> for KkmError {
    fn from(e: kkm_scan::FrameError) -> KkmError {
        KkmError::scan(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_carries_a_seed_code() {
        assert_eq!(KkmError::invalid("x").code(), 2);
        assert_eq!(KkmError::closed().code(), 70);
        assert_eq!(KkmError::internal("x").code(), 4);
        let e = KkmError::rejected(ErrorCode::InvalidAccessCode, "wrong PIN");
        assert_eq!(e.code(), 5);
        assert_eq!(e.to_string(), "5 invalid_access_code: wrong PIN");
        let ble: KkmError = kkm_print::PrintError::NoBleAdapter("none".into()).into();
        assert!(matches!(ble, KkmError::NoBleAdapter { code: 29, .. }));
    }

    #[test]
    fn the_journal_failing_is_internal_and_a_refusal_is_rejected() {
        use kkm_register::RegisterError;
        use kkm_store::StoreError;
        let disk: KkmError = RegisterError::from(StoreError::Key("unreadable".into())).into();
        assert!(
            matches!(disk, KkmError::Internal { code: 19, .. }),
            "{disk}"
        );
        let busy: KkmError = RegisterError::from(StoreError::PinInUse).into();
        assert!(
            matches!(busy, KkmError::Rejected { code: 12, .. }),
            "{busy}"
        );
        let rule: KkmError = RegisterError::new(ErrorCode::NotEnoughCash, "no cash").into();
        assert!(matches!(rule, KkmError::Rejected { .. }), "{rule}");
    }
}
