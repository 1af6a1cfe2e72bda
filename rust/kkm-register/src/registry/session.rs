//! Signing in and out (the web console), and the installation's PIN policy.
//!
//! [`Registry::sign_in`] checks a PIN like every method does (with the same wrong-PIN
//! throttle per client), then opens a session whose token the console keeps in a
//! cookie and sends back as [`Credential::session`]; every method accepts it in place
//! of the PIN. Sessions live in memory: a restart signs everyone out.

use std::time::Duration;

use kkm_core::{Action, ErrorCode, PinPolicy, Role};
use tracing::info;

use super::Registry;
use crate::auth::{Operator, Secret, Session};
use crate::{Credential, RegisterError};

/// The longest a sign-in waits for the throttle's delay instead of refusing at once.
pub const SIGN_IN_PATIENCE: Duration = Duration::from_secs(10);

const PIN_POLICY_SETTING: &str = "pin_policy";

/// What the console warns administrators about on every page until it is fixed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PinWarnings {
    /// Operators who still have the default PIN 0000 (at most one: PINs are unique).
    pub default_pin: Vec<String>,
    /// Operators whose PIN is shorter than the policy asks of their role (known for
    /// PINs set since their length is kept).
    pub below_policy: Vec<String>,
}

impl PinWarnings {
    /// Nothing to warn about.
    pub fn is_empty(&self) -> bool {
        self.default_pin.is_empty() && self.below_policy.is_empty()
    }
}

impl Registry {
    /// Signs an operator in with a PIN (`credential` from [`Credential::pin`], with its
    /// client): a session. A client slowed down by wrong PINs waits here for up to
    /// [`SIGN_IN_PATIENCE`] rather than being refused, so a person who mistyped just
    /// sees a slower answer; a longer wait is refused with 5 and the seconds to wait.
    pub async fn sign_in(&self, credential: &Credential) -> Result<Session, RegisterError> {
        let pin = match credential.secret() {
            Secret::Pin(pin) | Secret::Bearer(pin) => pin.clone(),
            Secret::None | Secret::Session(_) => {
                return Err(RegisterError::new(
                    ErrorCode::InvalidAccessCode,
                    "access_pin: enter the operator's PIN",
                ))
            }
        };
        let wait = self.auth.pin_wait(credential);
        if !wait.is_zero() && wait <= SIGN_IN_PATIENCE {
            tokio::time::sleep(wait).await;
        }
        let operator = self.authenticate(credential)?;
        // The PIN every installation starts with opens a session that can only replace
        // it: nobody works in the console under the PIN every shop knows.
        let must_change_pin = credential.is_default_pin();
        let token = self.auth.open_session(
            &operator,
            self.config.session_idle,
            credential.client(),
            must_change_pin,
        )?;
        let pin_below_policy = self
            .stored_pin_policy()?
            .check(operator.role, &pin)
            .is_err();
        Ok(crate::auth::new_session(
            token,
            operator,
            pin_below_policy,
            must_change_pin,
        ))
    }

    /// The operator of a session (or of any credential) and whether it must change its
    /// PIN before anything else ([`Session::must_change_pin`]), without counting it as
    /// use: a page that refreshes itself does not keep a session alive.
    pub fn session_state(
        &self,
        credential: &Credential,
    ) -> Result<(Operator, bool), RegisterError> {
        self.auth.identify(&self.store, credential)
    }

    /// The session's operator acted now: its idle timeout starts again.
    pub fn touch_session(&self, credential: &Credential) {
        self.auth.touch_session(credential);
    }

    /// May the operator of `credential` do `action` (on KKM `kkm_ofd_id`)? The
    /// operator, or the refusal the API would answer (5, 71, 72, 61). The console asks
    /// before showing a form whose submission would be refused.
    pub fn authorize(
        &self,
        credential: &Credential,
        action: Action,
        kkm_ofd_id: Option<i64>,
    ) -> Result<Operator, RegisterError> {
        match kkm_ofd_id {
            Some(id) => self.operator_for(credential, id, action).map(|(o, _)| o),
            None => self.operator_may(credential, action),
        }
    }

    /// The PINs an administrator should have changed (administrators only; nothing
    /// for other roles): the default PIN still in use, PINs shorter than the policy.
    pub fn pin_warnings(&self, credential: &Credential) -> Result<PinWarnings, RegisterError> {
        let operator = self.authenticate(credential)?;
        if !operator.role.may(Action::ManageOperators) {
            return Ok(PinWarnings::default());
        }
        let policy = self.stored_pin_policy()?;
        let default_owner = self.store.pin_owner(kkm_store::DEFAULT_ADMIN_PIN)?;
        let mut warnings = PinWarnings::default();
        for row in self.store.operators()? {
            if Some(row.id) == default_owner {
                warnings.default_pin.push(row.name);
                continue;
            }
            let Ok(role) = Role::from_code(i64::from(row.role)) else {
                continue;
            };
            let short = self
                .operator_extra(&row)?
                .pin_length
                .is_some_and(|n| n < policy.min_length(role));
            if short {
                warnings.below_policy.push(row.name);
            }
        }
        Ok(warnings)
    }

    /// Signs out (closes the session of `credential`; nothing for a PIN).
    pub fn sign_out(&self, credential: &Credential) {
        if let Ok(operator) = self.authenticate(credential) {
            info!(operator = operator.id, client = %credential.client(), "console session closed");
        }
        self.auth.close_session(credential);
    }

    fn stored_pin_policy(&self) -> Result<PinPolicy, RegisterError> {
        Ok(match self.store.setting(PIN_POLICY_SETTING)? {
            Some(json) => serde_json::from_str(&json).map_err(|e| {
                RegisterError::new(
                    ErrorCode::DbError,
                    format!("the stored PIN policy does not read back: {e}"),
                )
            })?,
            None => PinPolicy::default(),
        })
    }

    /// The installation's PIN policy (administrators).
    pub fn pin_policy(&self, credential: &Credential) -> Result<PinPolicy, RegisterError> {
        self.operator_may(credential, Action::ManageOperators)?;
        self.stored_pin_policy()
    }

    /// Sets the PIN policy (administrators). It applies to PINs given from now on
    /// (SaveOperator); an administrator whose PIN is shorter is asked to change it at
    /// the next sign-in ([`Session::pin_below_policy`]).
    pub async fn set_pin_policy(
        &self,
        credential: &Credential,
        policy: PinPolicy,
    ) -> Result<PinPolicy, RegisterError> {
        let operator = self.operator_may(credential, Action::ManageOperators)?;
        let policy = PinPolicy::new(policy.admin_min_length)?;
        let _admin = self.admin.lock().await;
        let json = serde_json::to_string(&policy)
            .map_err(|e| RegisterError::new(ErrorCode::SettingsSaveError, e.to_string()))?;
        self.store.set_setting(PIN_POLICY_SETTING, &json)?;
        info!(
            operator = operator.id,
            admin_min_length = policy.admin_min_length,
            "PIN policy changed"
        );
        Ok(policy)
    }

    /// SaveOperator's check of a new PIN against the policy (11 when too short).
    pub(crate) fn check_pin_policy(&self, role: Role, pin: &str) -> Result<(), RegisterError> {
        Ok(self.stored_pin_policy()?.check(role, pin)?)
    }
}
