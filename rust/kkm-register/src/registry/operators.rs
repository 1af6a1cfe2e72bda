//! Operators: the list (PINs masked), creation and edits with the seed's codes, and the
//! rule that an installation always keeps an administrator.

use kkm_core::{Action, ErrorCode, Role};
use kkm_store::{OperatorInput, OperatorRow};

use super::{kkm_id_of, ok_text, Registry};
use crate::api::{self};
use crate::auth::Operator;
use crate::{Credential, RegisterError};

/// What an operator has beside its row: the seed's `email`, `custom_data` and
/// `owner_id` (the administrator who created it), and the length of its PIN (for the
/// console's warning about PINs shorter than the policy; unknown for a PIN set before
/// it was kept).
pub(super) struct OperatorExtra {
    email: String,
    custom_data: serde_json::Value,
    owner_id: i64,
    pub(super) pin_length: Option<usize>,
}

impl OperatorExtra {
    /// The extra of an operator saved before any was kept: no e-mail, no data; the first
    /// administrator (id 1) has no owner, the others belong to it.
    fn unset(id: i64) -> OperatorExtra {
        OperatorExtra {
            email: String::new(),
            custom_data: serde_json::Value::Null,
            owner_id: if id == 1 { 0 } else { 1 },
            pin_length: None,
        }
    }

    fn to_json(&self) -> String {
        serde_json::json!({
            "email": self.email,
            "custom_data": self.custom_data,
            "owner_id": self.owner_id,
            "pin_length": self.pin_length,
        })
        .to_string()
    }
}

impl Registry {
    // ---------------------------------------------------------------------------------
    // Operators

    /// The extra of `row`: its own column, or the setting earlier versions kept it in.
    pub(super) fn operator_extra(&self, row: &OperatorRow) -> Result<OperatorExtra, RegisterError> {
        let json = match &row.extra {
            Some(json) => Some(json.clone()),
            None => self.store.setting(&format!("operator:{}", row.id))?,
        };
        let Some(json) = json else {
            return Ok(OperatorExtra::unset(row.id));
        };
        let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        Ok(OperatorExtra {
            email: value
                .get("email")
                .and_then(|e| e.as_str())
                .unwrap_or_default()
                .to_owned(),
            custom_data: value.get("custom_data").cloned().unwrap_or_default(),
            owner_id: value
                .get("owner_id")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(OperatorExtra::unset(row.id).owner_id),
            pin_length: value
                .get("pin_length")
                .and_then(serde_json::Value::as_u64)
                .and_then(|n| usize::try_from(n).ok()),
        })
    }

    /// Refuses (12, "pin / email is already used") an e-mail another operator has.
    fn check_email_free(&self, email: &str, of: Option<i64>) -> Result<(), RegisterError> {
        let email = email.trim();
        if email.is_empty() {
            return Ok(());
        }
        for row in self.store.operators()? {
            if Some(row.id) == of {
                continue;
            }
            if self
                .operator_extra(&row)?
                .email
                .trim()
                .eq_ignore_ascii_case(email)
            {
                return Err(RegisterError::new(
                    ErrorCode::AccessCodeAlreadyUsed,
                    format!("email: `{email}` is already another operator's"),
                ));
            }
        }
        Ok(())
    }

    /// `GetOperatorList`: every operator, PINs masked.
    pub async fn operator_list(
        &self,
        credential: &Credential,
    ) -> Result<Vec<api::KkmOperatorObject>, RegisterError> {
        self.operator_may(credential, Action::ManageOperators)?;
        let mut list = Vec::new();
        for row in self.store.operators()? {
            let operator = Operator::from_row(&row)?;
            let extra = self.operator_extra(&row)?;
            list.push(api::KkmOperatorObject {
                id: Some(row.id),
                name: row.name,
                role: operator.role,
                email: extra.email,
                bindings: row.kkm_ids.iter().map(|&k| i64::from(k)).collect(),
                owner_id: Some(extra.owner_id),
                access_pin: api::MASKED_PIN.to_owned(),
                custom_data: extra.custom_data,
            });
        }
        Ok(list)
    }

    /// `SaveOperator`: creates (`id` absent or 0) or edits an operator.
    pub async fn save_operator(
        &self,
        credential: &Credential,
        request: api::SaveOperatorRequest,
    ) -> Result<api::SavedOperator, RegisterError> {
        let admin = self.operator_may(credential, Action::ManageOperators)?;
        let role = request.role()?;
        let pin = self.acceptable_pin(role, &request.access_pin)?;
        let _admin = self.admin.lock().await;
        let existing = match request.id.filter(|_| !request.is_create()) {
            Some(id) => Some(
                self.store
                    .operators()?
                    .into_iter()
                    .find(|o| o.id == id)
                    .ok_or_else(|| {
                        RegisterError::new(
                            ErrorCode::InvalidOperatorCode,
                            format!("operator {id} does not exist"),
                        )
                    })?,
            ),
            None => None,
        };
        if let Some(old) = &existing {
            if old.role == Role::Administrator.code() && role != Role::Administrator {
                self.keep_an_administrator(old.id)?;
            }
        }
        let name = request
            .name
            .clone()
            .or_else(|| existing.as_ref().map(|o| o.name.clone()))
            .unwrap_or_default();
        // Bindings name KKMs by their `ID` (the seed), or by their `ofd_id` (see
        // `auth::Operator::access`).
        let kkm_ids: Vec<u32> = match &request.bindings {
            Some(list) => list
                .iter()
                .map(|&k| kkm_id_of(k))
                .collect::<Result<_, _>>()?,
            None => existing
                .as_ref()
                .map(|o| o.kkm_ids.clone())
                .unwrap_or_default(),
        };
        let mut extra = match &existing {
            Some(row) => self.operator_extra(row)?,
            None => OperatorExtra {
                owner_id: admin.id,
                ..OperatorExtra::unset(0)
            },
        };
        if let Some(e) = request.email {
            extra.email = e.trim().to_owned();
        }
        if let Some(c) = request.custom_data {
            extra.custom_data = c;
        }
        self.check_email_free(&extra.email, existing.as_ref().map(|o| o.id))?;
        extra.pin_length = Some(pin.chars().count());
        let json = extra.to_json();
        let id = self.save_pin_checked(
            credential,
            &OperatorInput {
                id: existing.as_ref().map(|o| o.id),
                name: &name,
                role: role.code(),
                pin: Some(pin),
                kkm_ids: &kkm_ids,
                extra: Some(&json),
            },
        )?;
        self.auth.clear();
        if existing.is_some() {
            // SaveOperator sets the PIN: whoever was signed in with the old one signs in
            // again (the session this change was made in stays).
            self.auth.close_sessions_of(id, credential);
        }
        Ok(api::SavedOperator {
            id,
            name,
            access_pin: api::MASKED_PIN.to_owned(),
            role,
            owner_id: Some(extra.owner_id),
            email: extra.email,
            bindings: kkm_ids.iter().map(|&k| i64::from(k)).collect(),
            custom_data: extra.custom_data,
        })
    }

    /// A PIN an operator of `role` may have (trimmed): up to 32 characters without spaces
    /// (11 otherwise), and the installation's PIN policy (at least 4; an administrator's
    /// as long as the policy says).
    fn acceptable_pin<'p>(&self, role: Role, pin: &'p str) -> Result<&'p str, RegisterError> {
        let pin = pin.trim();
        if pin.is_empty() || pin.len() > 32 || pin.chars().any(char::is_whitespace) {
            return Err(RegisterError::new(
                ErrorCode::AccessCodeIncorrect,
                "access_pin: 4 to 32 characters without spaces",
            ));
        }
        self.check_pin_policy(role, pin)?;
        Ok(pin)
    }

    /// An operator changes their own PIN (any role: a cashier without an administrator
    /// at hand). `credential` must be the current PIN itself, or the console session
    /// opened with the default PIN (which may do nothing else: [`crate::Session::must_change_pin`]);
    /// any other session is not enough (5). The new PIN follows the same rules as
    /// [`Registry::save_operator`]'s and is not the default PIN (11). The operator's
    /// name, role and bindings stay; their other sessions end.
    pub async fn change_own_pin(
        &self,
        credential: &Credential,
        new_pin: &str,
    ) -> Result<(), RegisterError> {
        let operator = match credential.secret() {
            crate::auth::Secret::Pin(_) | crate::auth::Secret::Bearer(_) => {
                self.authenticate(credential)?
            }
            crate::auth::Secret::Session(_) => match self.auth.identify(&self.store, credential)? {
                (operator, true) => operator,
                (_, false) => {
                    return Err(RegisterError::new(
                        ErrorCode::InvalidAccessCode,
                        "changing a PIN needs the current PIN",
                    ))
                }
            },
            crate::auth::Secret::None => {
                return Err(RegisterError::new(
                    ErrorCode::InvalidAccessCode,
                    "changing a PIN needs the current PIN",
                ))
            }
        };
        let pin = self.acceptable_pin(operator.role, new_pin)?;
        if pin == kkm_store::DEFAULT_ADMIN_PIN {
            return Err(RegisterError::new(
                ErrorCode::AccessCodeIncorrect,
                "access_pin: not the default PIN 0000, which every shop knows",
            ));
        }
        let _admin = self.admin.lock().await;
        let row = self
            .store
            .operators()?
            .into_iter()
            .find(|o| o.id == operator.id);
        let mut extra = match &row {
            Some(row) => self.operator_extra(row)?,
            None => OperatorExtra::unset(operator.id),
        };
        extra.pin_length = Some(pin.chars().count());
        self.save_pin_checked(
            credential,
            &OperatorInput {
                id: Some(operator.id),
                name: &operator.name,
                role: operator.role.code(),
                pin: Some(pin),
                kkm_ids: &operator.kkm_ids,
                extra: Some(&extra.to_json()),
            },
        )?;
        self.auth.clear();
        self.auth.pin_changed(credential);
        self.auth.close_sessions_of(operator.id, credential);
        tracing::info!(operator = operator.id, "an operator set a PIN of their own");
        Ok(())
    }

    /// Saves an operator with a new PIN; an answer 12 (the PIN is somebody's) costs
    /// the client a wrong PIN in the throttle, so "in use" is no faster an oracle of
    /// other operators' PINs than signing in with them.
    fn save_pin_checked(
        &self,
        credential: &Credential,
        input: &OperatorInput<'_>,
    ) -> Result<i64, RegisterError> {
        let attempt = self.auth.pin_probe(credential.client())?;
        let saved = self.store.save_operator(input);
        self.auth.pin_probe_done(
            attempt,
            matches!(saved, Err(kkm_store::StoreError::PinInUse)),
        );
        Ok(saved?)
    }

    /// Refuses (16) to take away the last administrator.
    fn keep_an_administrator(&self, leaving: i64) -> Result<(), RegisterError> {
        let others = self
            .store
            .operators()?
            .into_iter()
            .filter(|o| o.id != leaving && o.role == Role::Administrator.code())
            .count();
        if others == 0 {
            return Err(RegisterError::new(
                ErrorCode::OperatorDeleteError,
                "this is the last administrator: create another one first",
            ));
        }
        Ok(())
    }

    /// `DeleteOperator`.
    pub async fn delete_operator(
        &self,
        credential: &Credential,
        request: api::DeleteOperatorRequest,
    ) -> Result<String, RegisterError> {
        self.operator_may(credential, Action::ManageOperators)?;
        let _admin = self.admin.lock().await;
        let row = self
            .store
            .operators()?
            .into_iter()
            .find(|o| o.id == request.id)
            .ok_or_else(|| {
                RegisterError::new(
                    ErrorCode::InvalidOperatorCode,
                    format!("operator {} does not exist", request.id),
                )
            })?;
        if row.role == Role::Administrator.code() {
            self.keep_an_administrator(row.id)?;
        }
        self.store.delete_operator(row.id)?;
        self.auth.clear();
        Ok(ok_text())
    }
}

#[cfg(test)]
mod tests {
    use kkm_core::{ErrorCode, Role};

    use crate::api::SaveOperatorRequest;
    use crate::{Credential, KeySource, Registry, RegistryConfig};

    #[tokio::test]
    async fn an_operator_changes_their_own_pin_with_the_pin_itself() {
        let dir = std::env::temp_dir().join(format!("kkm-register-own-pin-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut config = RegistryConfig::new(&dir);
        config.key = KeySource::Static([3; 32]);
        let registry = Registry::open(config).await.expect("open");
        registry
            .save_operator(
                &Credential::pin("0000"),
                SaveOperatorRequest {
                    name: Some("Айгүл".into()),
                    access_pin: "1111".into(),
                    role: 3,
                    bindings: Some(Vec::new()),
                    ..SaveOperatorRequest::default()
                },
            )
            .await
            .expect("cashier");
        // A console session stands for the PIN elsewhere, not here.
        let session = registry
            .sign_in(&Credential::pin("1111"))
            .await
            .expect("sign in");
        let e = registry
            .change_own_pin(&Credential::session(session.token), "2222")
            .await
            .expect_err("a session is not the PIN");
        assert_eq!(e.code(), ErrorCode::InvalidAccessCode);
        // The PIN rules are save_operator's.
        let e = registry
            .change_own_pin(&Credential::pin("1111"), "22 22")
            .await
            .expect_err("a space");
        assert_eq!(e.code(), ErrorCode::AccessCodeIncorrect);
        // A cashier changes their own PIN: name and role stay, the old PIN goes.
        registry
            .change_own_pin(&Credential::pin("1111"), " 2222 ")
            .await
            .expect("changed");
        let again = registry
            .sign_in(&Credential::pin("2222"))
            .await
            .expect("new PIN");
        assert_eq!(again.operator.name, "Айгүл");
        assert_eq!(again.operator.role, Role::Cashier);
        let old = registry
            .sign_in(&Credential::pin("1111"))
            .await
            .expect_err("old PIN");
        assert_eq!(old.code(), ErrorCode::InvalidAccessCode);
        registry.shutdown().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
