//! Console sessions: a random token per signed-in operator, kept in memory (a restart
//! signs everyone out), ended by sign-out, by an idle timeout, or after
//! [`SESSION_MAX_AGE`] whatever the activity. Only a digest of each token is kept.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use kkm_core::ErrorCode;
use sha2::{Digest, Sha256};

use super::{lock, Operator};
use crate::RegisterError;

/// The longest a session lives, however active: a working day.
pub const SESSION_MAX_AGE: Duration = Duration::from_secs(12 * 3600);

/// Most sessions at once (past it, the oldest of the operator with the most goes).
const MAX_SESSIONS: usize = 1_000;

/// Most sessions of one operator (past it, that operator's oldest goes): signing in over
/// and over closes one's own sessions, never another operator's.
const MAX_SESSIONS_PER_OPERATOR: usize = 16;

/// A signed-in operator: the token to send back (as [`crate::Credential::session`])
/// and who it is.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// 256 random bits, hex: the console keeps it in an HttpOnly cookie.
    pub token: String,
    /// The operator signed in.
    pub operator: Operator,
    /// The administrator's PIN is shorter than the installation's PIN policy asks
    /// (it was set before the policy): the console asks to change it.
    pub pin_below_policy: bool,
    /// Signed in with the default PIN 0000: the session may do nothing but set a PIN of
    /// the operator's own ([`crate::Registry::change_own_pin`]) or sign out; every other
    /// call with it is refused (5) until then.
    pub must_change_pin: bool,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("token", &"****")
            .field("operator", &self.operator)
            .field("pin_below_policy", &self.pin_below_policy)
            .field("must_change_pin", &self.must_change_pin)
            .finish()
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    operator_id: i64,
    opened: Instant,
    last_used: Instant,
    idle: Duration,
    /// Opened with the default PIN: only a PIN change is allowed.
    must_change_pin: bool,
}

impl Entry {
    fn alive(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.last_used) <= self.idle
            && now.saturating_duration_since(self.opened) <= SESSION_MAX_AGE
    }
}

/// The open sessions, by the SHA-256 of their token.
#[derive(Default)]
pub(crate) struct Sessions {
    open: Mutex<HashMap<[u8; 32], Entry>>,
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Sessions {
    /// A new session for `operator_id` (restricted to a PIN change when
    /// `must_change_pin`); its token.
    pub(crate) fn open(
        &self,
        operator_id: i64,
        idle: Duration,
        now: Instant,
        must_change_pin: bool,
    ) -> Result<String, RegisterError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| {
            RegisterError::new(
                ErrorCode::MethodExecutionException,
                format!("no randomness for a session token: {e}"),
            )
        })?;
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut open = lock(&self.open);
        open.retain(|_, e| e.alive(now));
        let own = open
            .values()
            .filter(|e| e.operator_id == operator_id)
            .count();
        let evict = if own >= MAX_SESSIONS_PER_OPERATOR {
            Some(operator_id)
        } else if open.len() >= MAX_SESSIONS {
            // The operator holding the most sessions gives one up.
            let mut counts: HashMap<i64, usize> = HashMap::new();
            for e in open.values() {
                *counts.entry(e.operator_id).or_default() += 1;
            }
            counts.into_iter().max_by_key(|(_, n)| *n).map(|(id, _)| id)
        } else {
            None
        };
        if let Some(victim) = evict {
            if let Some(oldest) = open
                .iter()
                .filter(|(_, e)| e.operator_id == victim)
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| *k)
            {
                open.remove(&oldest);
            }
        }
        open.insert(
            digest(&token),
            Entry {
                operator_id,
                opened: now,
                last_used: now,
                idle,
                must_change_pin,
            },
        );
        Ok(token)
    }

    /// The operator of a live session (an expired one is closed), and whether the
    /// session must change its PIN first.
    pub(crate) fn operator_id(&self, token: &str, now: Instant) -> Option<(i64, bool)> {
        let key = digest(token);
        let mut open = lock(&self.open);
        let entry = *open.get(&key)?;
        if entry.alive(now) {
            Some((entry.operator_id, entry.must_change_pin))
        } else {
            open.remove(&key);
            None
        }
    }

    /// The session was used by its operator now.
    pub(crate) fn touch(&self, token: &str, now: Instant) {
        if let Some(e) = lock(&self.open).get_mut(&digest(token)) {
            if e.alive(now) {
                e.last_used = now;
            }
        }
    }

    /// The session's operator has set a PIN of their own: the session is a full one.
    pub(crate) fn pin_changed(&self, token: &str) {
        if let Some(e) = lock(&self.open).get_mut(&digest(token)) {
            e.must_change_pin = false;
        }
    }

    /// Sign-out.
    pub(crate) fn close(&self, token: &str) {
        lock(&self.open).remove(&digest(token));
    }

    /// Closes every session of `operator_id` but the one of `keep` (an administrator
    /// resetting their own PIN stays signed in where they are).
    pub(crate) fn close_operator(&self, operator_id: i64, keep: Option<&str>) {
        let keep = keep.map(digest);
        lock(&self.open).retain(|k, e| e.operator_id != operator_id || Some(*k) == keep);
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        lock(&self.open).len()
    }
}

/// For [`Session`]'s construction in the registry.
pub(crate) fn session(
    token: String,
    operator: Operator,
    pin_below_policy: bool,
    must_change_pin: bool,
) -> Session {
    Session {
        token,
        operator,
        pin_below_policy,
        must_change_pin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_lives_while_it_is_used() {
        let s = Sessions::default();
        let t0 = Instant::now();
        let idle = Duration::from_secs(60);
        let token = s.open(7, idle, t0, false).unwrap();
        assert_eq!(token.len(), 64);
        assert_eq!(
            s.operator_id(&token, t0 + Duration::from_secs(59)),
            Some((7, false))
        );
        s.touch(&token, t0 + Duration::from_secs(59));
        assert_eq!(
            s.operator_id(&token, t0 + Duration::from_secs(118)),
            Some((7, false))
        );
        // Looking is not using: only touch() restarts the idle timeout.
        assert_eq!(s.operator_id(&token, t0 + Duration::from_secs(120)), None);
        assert_eq!(s.len(), 0, "an expired session is closed when seen");
    }

    #[test]
    fn a_session_ends_at_sign_out_and_after_the_longest_age() {
        let s = Sessions::default();
        let t0 = Instant::now();
        let a = s.open(1, SESSION_MAX_AGE * 2, t0, false).unwrap();
        let b = s.open(1, SESSION_MAX_AGE * 2, t0, false).unwrap();
        assert_ne!(a, b, "tokens are random");
        s.close(&a);
        assert_eq!(s.operator_id(&a, t0), None);
        let late = t0 + SESSION_MAX_AGE + Duration::from_secs(1);
        s.touch(&b, late);
        assert_eq!(s.operator_id(&b, late), None);
        assert_eq!(s.operator_id("not a token", t0), None);
    }

    #[test]
    fn signing_in_again_and_again_closes_only_ones_own_sessions() {
        let s = Sessions::default();
        let t0 = Instant::now();
        let idle = Duration::from_secs(900);
        let admin = s.open(1, idle, t0, false).unwrap();
        for i in 0..1_000u64 {
            s.open(3, idle, t0 + Duration::from_millis(i + 1), false)
                .unwrap();
        }
        let now = t0 + Duration::from_secs(2);
        assert_eq!(
            s.operator_id(&admin, now),
            Some((1, false)),
            "the cashier did not sign the admin out"
        );
        assert_eq!(s.len(), MAX_SESSIONS_PER_OPERATOR + 1);
    }

    #[test]
    fn a_pin_reset_ends_the_operators_sessions() {
        let s = Sessions::default();
        let t0 = Instant::now();
        let idle = Duration::from_secs(900);
        let a = s.open(3, idle, t0, false).unwrap();
        let b = s.open(3, idle, t0, false).unwrap();
        let other = s.open(4, idle, t0, false).unwrap();
        s.close_operator(3, Some(&b));
        assert_eq!(s.operator_id(&a, t0), None);
        assert_eq!(
            s.operator_id(&b, t0),
            Some((3, false)),
            "the session that made the change stays"
        );
        assert_eq!(s.operator_id(&other, t0), Some((4, false)));
    }

    #[test]
    fn a_default_pin_session_is_full_once_the_pin_is_changed() {
        let s = Sessions::default();
        let t0 = Instant::now();
        let token = s.open(1, Duration::from_secs(60), t0, true).unwrap();
        assert_eq!(s.operator_id(&token, t0), Some((1, true)));
        s.pin_changed(&token);
        assert_eq!(s.operator_id(&token, t0), Some((1, false)));
    }

    #[test]
    fn the_debug_form_hides_the_token() {
        let op = Operator {
            id: 1,
            name: "A".into(),
            role: kkm_core::Role::Administrator,
            kkm_ids: vec![],
        };
        let text = format!("{:?}", session("secret-token".into(), op, false, false));
        assert!(!text.contains("secret-token"), "{text}");
    }
}
