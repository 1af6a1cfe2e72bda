//! Who is asking: the `Authorization` header's PIN or token, checked against the
//! operators of the store, with a session cache so the slow PIN hash (Argon2id) runs
//! once per PIN and process, not on every sale.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;

use kkm_core::{ErrorCode, OperatorAccess, Role};
use kkm_store::{OperatorRow, Store};
use sha2::{Digest, Sha256};

use crate::RegisterError;

/// The credential of a request: the seed's `Authorization: <pin>` or
/// `Authorization: Bearer <token>`. Our operators authenticate with their PIN in
/// either form (the token form carries the PIN as well; see the API docs).
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// No `Authorization` header.
    None,
    /// `Authorization: <pin>`.
    Pin(String),
    /// `Authorization: Bearer <token>`.
    Bearer(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never log a secret.
        f.write_str(match self {
            Credential::None => "Credential::None",
            Credential::Pin(_) => "Credential::Pin(****)",
            Credential::Bearer(_) => "Credential::Bearer(****)",
        })
    }
}

impl Credential {
    /// The credential of an `Authorization` header value (`"0000"`, `"Bearer 0000"`).
    ///
    /// ```
    /// use kkm_register::Credential;
    /// assert_eq!(Credential::from_header(" Bearer 1234 "), Credential::Bearer("1234".into()));
    /// assert_eq!(Credential::from_header("0000"), Credential::Pin("0000".into()));
    /// assert_eq!(Credential::from_header("  "), Credential::None);
    /// ```
    pub fn from_header(value: &str) -> Credential {
        let value = value.trim();
        if value.is_empty() {
            return Credential::None;
        }
        let bearer = value
            .get(..7)
            .filter(|p| p.eq_ignore_ascii_case("bearer "))
            .map(|_| value[7..].trim());
        match bearer {
            Some("") => Credential::None,
            Some(token) => Credential::Bearer(token.to_owned()),
            None => Credential::Pin(value.to_owned()),
        }
    }

    /// A PIN credential.
    pub fn pin(pin: impl Into<String>) -> Credential {
        Credential::Pin(pin.into())
    }

    fn secret(&self) -> Option<&str> {
        match self {
            Credential::None => None,
            Credential::Pin(s) | Credential::Bearer(s) => Some(s),
        }
    }
}

/// An authenticated operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    /// Operator id (the CPCR operator code).
    pub id: i64,
    /// Name (ФИО).
    pub name: String,
    /// Role.
    pub role: Role,
    /// KKMs the operator is bound to.
    pub kkm_ids: Vec<u32>,
}

impl Operator {
    pub(crate) fn from_row(row: &OperatorRow) -> Result<Operator, RegisterError> {
        Ok(Operator {
            id: row.id,
            name: row.name.clone(),
            role: Role::from_code(i64::from(row.role))?,
            kkm_ids: row.kkm_ids.clone(),
        })
    }

    /// The operator as the core's permission rules see it, for KKM `kkm` when one is
    /// concerned. The operator is bound to it when its own `bindings` (SaveOperator)
    /// name the KKM — by its `ID`, as the seed says, or by its `ofd_id`, as earlier
    /// versions wrote them — or when the KKM's `bindings` (SaveKKM) list the operator.
    /// The core then checks the binding against the KKM's `ofd_id`.
    pub(crate) fn access(&self, kkm: Option<KkmRef<'_>>) -> OperatorAccess {
        let mut bindings = Vec::new();
        if let Some(kkm) = kkm {
            let named = self
                .kkm_ids
                .iter()
                .any(|&k| i64::from(k) == kkm.id || k == kkm.ofd_id);
            if named || kkm.operators.contains(&self.id) {
                bindings.push(i64::from(kkm.ofd_id));
            }
        }
        OperatorAccess {
            id: self.id,
            role: self.role,
            bindings,
        }
    }
}

/// A KKM as the binding rules see it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KkmRef<'a> {
    /// Its id at the OFD (`ofd_id`).
    pub ofd_id: u32,
    /// The installation's own id of it (`ID`).
    pub id: i64,
    /// The operators its SaveKKM `bindings` list.
    pub operators: &'a [i64],
}

/// Verified credentials of this process, keyed by a salted digest of the PIN (the
/// salt is random per process; the PIN itself is never kept).
pub(crate) struct AuthCache {
    salt: [u8; 16],
    verified: Mutex<HashMap<[u8; 32], Operator>>,
}

impl AuthCache {
    pub(crate) fn new() -> AuthCache {
        let random = std::collections::hash_map::RandomState::new();
        let mut salt = [0u8; 16];
        for (i, chunk) in salt.chunks_mut(8).enumerate() {
            let mut h = random.build_hasher();
            h.write_usize(i);
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
        AuthCache {
            salt,
            verified: Mutex::new(HashMap::new()),
        }
    }

    fn key(&self, secret: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.salt);
        h.update(secret.as_bytes());
        h.finalize().into()
    }

    /// Forgets every verified credential (operators changed).
    pub(crate) fn clear(&self) {
        self.verified
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// The operator of `credential`, or 5 (`invalid_access_code`).
    pub(crate) fn authenticate(
        &self,
        store: &Store,
        credential: &Credential,
    ) -> Result<Operator, RegisterError> {
        let Some(secret) = credential.secret() else {
            return Err(RegisterError::new(
                ErrorCode::InvalidAccessCode,
                "no credential: send the operator's PIN in the Authorization header",
            ));
        };
        let key = self.key(secret);
        let cached = self
            .verified
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned();
        if let Some(operator) = cached {
            return Ok(operator);
        }
        match store.operator_by_pin(secret)? {
            Some(row) => {
                let operator = Operator::from_row(&row)?;
                self.verified
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(key, operator.clone());
                Ok(operator)
            }
            None => Err(RegisterError::new(
                ErrorCode::InvalidAccessCode,
                "wrong PIN or token",
            )),
        }
    }
}
