//! The installation's PIN policy: how long an administrator's PIN must be.
//!
//! A cashier's PIN is typed many times a day on a till, so it needs only four
//! characters (up to 32 without spaces, checked by the register); an administrator's PIN opens
//! every KKM, the operators and the settings, so an installation may ask for more. Four
//! digits can be tried out in 10,000 guesses; the register also slows wrong PINs down
//! per client, but a longer PIN is what makes guessing hopeless.

use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::operator::Role;

/// What PINs the installation accepts beyond the API's shape rule.
///
/// ```
/// use kkm_core::{PinPolicy, Role};
/// let policy = PinPolicy::new(8).unwrap();
/// assert!(policy.check(Role::Cashier, "1234").is_ok());
/// assert_eq!(policy.check(Role::Cashier, "123").unwrap_err().code().code(), 11);
/// assert_eq!(policy.check(Role::Administrator, "1234").unwrap_err().code().code(), 11);
/// assert!(policy.check(Role::Administrator, "12345678").is_ok());
/// assert_eq!(PinPolicy::new(40).unwrap_err().code().code(), 2);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PinPolicy {
    /// The shortest PIN an administrator may be given, in characters.
    pub admin_min_length: usize,
}

impl PinPolicy {
    /// The seed's behaviour: the default administrator PIN is `0000`, four digits.
    pub const DEFAULT: PinPolicy = PinPolicy {
        admin_min_length: 4,
    };

    /// The range a policy may ask for (the API's PINs are at most 32 characters).
    pub const ADMIN_MIN_LENGTH_RANGE: std::ops::RangeInclusive<usize> = 4..=32;

    /// A policy asking `admin_min_length` characters of administrators' PINs; outside
    /// [`PinPolicy::ADMIN_MIN_LENGTH_RANGE`] → 2 naming the field.
    pub fn new(admin_min_length: usize) -> Result<PinPolicy, CoreError> {
        if !Self::ADMIN_MIN_LENGTH_RANGE.contains(&admin_min_length) {
            return Err(CoreError::invalid(
                "admin_pin_min_length",
                format!(
                    "{admin_min_length} is not between {} and {}",
                    Self::ADMIN_MIN_LENGTH_RANGE.start(),
                    Self::ADMIN_MIN_LENGTH_RANGE.end()
                ),
            ));
        }
        Ok(PinPolicy { admin_min_length })
    }

    /// The shortest PIN of any operator: fewer than four characters fall to a thousand
    /// guesses, however slowly wrong PINs are answered.
    pub const MIN_LENGTH: usize = 4;

    /// The shortest PIN an operator with `role` may have.
    pub fn min_length(&self, role: Role) -> usize {
        if role == Role::Administrator {
            self.admin_min_length.max(Self::MIN_LENGTH)
        } else {
            Self::MIN_LENGTH
        }
    }

    /// May an operator with `role` be given `pin`? Any PIN shorter than
    /// [`PinPolicy::MIN_LENGTH`], or an administrator's shorter than the policy → 11
    /// (`access_code_incorrect`).
    pub fn check(&self, role: Role, pin: &str) -> Result<(), CoreError> {
        let min = self.min_length(role);
        if pin.chars().count() < min {
            return Err(CoreError::PinTooShort { role, min });
        }
        Ok(())
    }
}

impl Default for PinPolicy {
    fn default() -> PinPolicy {
        PinPolicy::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_accepts_the_seeds_admin_pin() {
        assert!(PinPolicy::default()
            .check(Role::Administrator, "0000")
            .is_ok());
        assert!(PinPolicy::default()
            .check(Role::Administrator, "000")
            .is_err());
        assert!(PinPolicy::default()
            .check(Role::SeniorCashier, "1234")
            .is_ok());
        assert!(PinPolicy::default()
            .check(Role::SeniorCashier, "1")
            .is_err());
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let p = PinPolicy::new(5).unwrap();
        assert!(p.check(Role::Administrator, "әәәәә").is_ok());
        assert!(p.check(Role::Administrator, "әәәә").is_err());
    }

    #[test]
    fn a_stored_policy_without_the_field_reads_as_the_default() {
        let p: PinPolicy = serde_json::from_str("{}").unwrap();
        assert_eq!(p, PinPolicy::DEFAULT);
    }
}
