//! Who is asking: the `Authorization` header's PIN or token (or a console session),
//! from which client, checked against the operators of the store.
//!
//! * A verified PIN is cached per process (keyed by a salted digest, never the PIN), so
//!   the slow hash (Argon2id) runs once per PIN, not on every sale.
//! * Wrong PINs cost time ([`throttle`]): each client (its network address) gets a few
//!   free attempts, then every further attempt waits a doubling delay after its last
//!   failure (1 s, 2 s, 4 s … 60 s), one at a time. A PIN that already worked *from that
//!   client* passes at once, so an attacker elsewhere cannot stop a till by typing
//!   wrong PINs, and a cashier who mistyped can still sell.
//! * Sessions ([`session`]): the web console signs an operator in with a PIN once and
//!   then carries a random token in a cookie; the token expires after an idle timeout.

mod session;
mod throttle;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kkm_core::{ErrorCode, OperatorAccess, Role};
use kkm_store::{OperatorRow, Store};
use sha2::{Digest, Sha256};
use tracing::{info, warn};

use crate::RegisterError;
pub(crate) use session::{session as new_session, Sessions};
pub use session::{Session, SESSION_MAX_AGE};
pub(crate) use throttle::Throttle;
pub use throttle::ThrottlePolicy;

/// Where a request comes from, for slowing down wrong PINs per client: the network of
/// the HTTP connection's remote address — an IPv4 address counts by its /24, an IPv6
/// address by its /64 (the blocks one household or shop is given: a guesser does not get
/// fresh attempts by changing the last bits of its address), the whole loopback range is
/// one client (every 127.x.x.x is this machine) — or "unknown" (in-process callers such
/// as the Kotlin SDK, and tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ClientId(Option<IpAddr>);

impl ClientId {
    /// A caller whose address is not known (in-process).
    pub const UNKNOWN: ClientId = ClientId(None);

    /// The client at `ip` (see the type's docs; an IPv4-mapped IPv6 address is the IPv4
    /// one).
    ///
    /// ```
    /// use kkm_register::ClientId;
    /// let a = ClientId::from_ip("2001:db8:1:2::7".parse().unwrap());
    /// let b = ClientId::from_ip("2001:db8:1:2:ffff::1".parse().unwrap());
    /// assert_eq!(a, b);
    /// assert_eq!(a.to_string(), "2001:db8:1:2::/64");
    /// assert_eq!(ClientId::from_ip("::ffff:10.0.0.5".parse().unwrap()).to_string(), "10.0.0.0/24");
    /// assert_eq!(ClientId::from_ip("10.0.0.5".parse().unwrap()), ClientId::from_ip("10.0.0.77".parse().unwrap()));
    /// assert_eq!(ClientId::from_ip("127.4.5.6".parse().unwrap()), ClientId::from_ip("::1".parse().unwrap()));
    /// assert_eq!(ClientId::from_ip("127.0.0.1".parse().unwrap()).to_string(), "loopback");
    /// ```
    pub fn from_ip(ip: IpAddr) -> ClientId {
        let ip = match ip {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(v6),
            },
            v4 => v4,
        };
        if ip.is_loopback() {
            return ClientId(Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)));
        }
        let network = match ip {
            IpAddr::V4(v4) => IpAddr::V4((u32::from(v4) & 0xFFFF_FF00).into()),
            IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        };
        ClientId(Some(network))
    }
}

impl ClientId {
    /// `true` for a program on this machine (the loopback range).
    pub fn is_loopback(&self) -> bool {
        self.0.is_some_and(|ip| ip.is_loopback())
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str("unknown"),
            Some(ip) if ip.is_loopback() => f.write_str("loopback"),
            Some(IpAddr::V4(v4)) => write!(f, "{v4}/24"),
            Some(IpAddr::V6(v6)) => write!(f, "{v6}/64"),
        }
    }
}

/// The secret a request carries.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    /// No `Authorization` header.
    None,
    /// `Authorization: <pin>`.
    Pin(String),
    /// `Authorization: Bearer <token>` (our operators' token is their PIN).
    Bearer(String),
    /// A console session's token ([`crate::Registry::sign_in`]).
    Session(String),
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never log a secret.
        f.write_str(match self {
            Secret::None => "None",
            Secret::Pin(_) => "Pin(****)",
            Secret::Bearer(_) => "Bearer(****)",
            Secret::Session(_) => "Session(****)",
        })
    }
}

/// The credential of a request: the seed's `Authorization: <pin>` or
/// `Authorization: Bearer <token>`, or a console session, and the client it came from.
/// Our operators authenticate with their PIN in either header form (the token form
/// carries the PIN as well; see the API docs).
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    secret: Secret,
    client: ClientId,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credential({:?} from {})", self.secret, self.client)
    }
}

impl Credential {
    /// No credential (no `Authorization` header).
    pub const NONE: Credential = Credential {
        secret: Secret::None,
        client: ClientId::UNKNOWN,
    };

    /// The credential of an `Authorization` header value (`"0000"`, `"Bearer 0000"`).
    ///
    /// ```
    /// use kkm_register::{Credential, Secret};
    /// assert_eq!(Credential::from_header(" Bearer 1234 ").secret(), &Secret::Bearer("1234".into()));
    /// assert_eq!(Credential::from_header("0000"), Credential::pin("0000"));
    /// assert_eq!(Credential::from_header("  "), Credential::NONE);
    /// ```
    pub fn from_header(value: &str) -> Credential {
        let value = value.trim();
        if value.is_empty() {
            return Credential::NONE;
        }
        let bearer = value
            .get(..7)
            .filter(|p| p.eq_ignore_ascii_case("bearer "))
            .map(|_| value[7..].trim());
        match bearer {
            Some("") => Credential::NONE,
            Some(token) => Credential::with_secret(Secret::Bearer(token.to_owned())),
            None => Credential::with_secret(Secret::Pin(value.to_owned())),
        }
    }

    fn with_secret(secret: Secret) -> Credential {
        Credential {
            secret,
            client: ClientId::UNKNOWN,
        }
    }

    /// A PIN credential.
    pub fn pin(pin: impl Into<String>) -> Credential {
        Credential::with_secret(Secret::Pin(pin.into()))
    }

    /// A console session's credential (the token [`crate::Registry::sign_in`] gave).
    pub fn session(token: impl Into<String>) -> Credential {
        Credential::with_secret(Secret::Session(token.into()))
    }

    /// The same credential, coming from `client` (the daemon passes the remote address
    /// of the connection; wrong PINs are slowed down per client).
    pub fn from_client(mut self, client: ClientId) -> Credential {
        self.client = client;
        self
    }

    /// `true` when the secret is the default administrator PIN of a fresh installation
    /// (`0000`, as the seed's): the daemon accepts it only from this machine's programs
    /// until it is changed.
    pub fn is_default_pin(&self) -> bool {
        matches!(&self.secret, Secret::Pin(p) | Secret::Bearer(p) if p.trim() == kkm_store::DEFAULT_ADMIN_PIN)
    }

    /// The secret (its `Debug` never shows it).
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// Where the request came from.
    pub fn client(&self) -> ClientId {
        self.client
    }

    fn pin_or_token(&self) -> Option<&str> {
        match &self.secret {
            Secret::Pin(s) | Secret::Bearer(s) => Some(s),
            Secret::None | Secret::Session(_) => None,
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

/// Why the default PIN was refused (the daemon answers it for a web page too).
pub const DEFAULT_PIN_ELSEWHERE: &str = "the default PIN 0000 is accepted only from programs on \
     this machine: an administrator sets a PIN of their own (SaveOperator, or the console's \
     first sign-in)";

/// Why a session opened with the default PIN is refused everything but a PIN change.
pub const CHANGE_DEFAULT_PIN_FIRST: &str = "signed in with the default PIN 0000: set a PIN of \
     your own first (the console asks for it)";

/// The default PIN every installation starts with is taken only from this machine: a
/// loopback client, or an in-process caller (the SDK, tests) — never from the LAN, so the
/// PIN every shop knows opens nothing from another machine.
fn default_pin_allowed(credential: &Credential) -> bool {
    !credential.is_default_pin()
        || credential.client.is_loopback()
        || credential.client == ClientId::UNKNOWN
}

/// Most `(client, PIN)` pairs remembered as having worked (then forgotten at once).
const KNOWN_PAIRS_LIMIT: usize = 10_000;

/// A monotonic clock (tests pass their own).
pub(crate) type Monotonic = Arc<dyn Fn() -> Instant + Send + Sync>;

/// Authentication state of this process: verified PINs, the wrong-PIN throttle and
/// the console's sessions. Nothing here holds a PIN: only salted digests (the salt is
/// random per process).
pub(crate) struct AuthCache {
    salt: [u8; 16],
    verified: Mutex<HashMap<[u8; 32], Operator>>,
    /// Digests of `(client, PIN)` that authenticated: the throttle lets them through.
    known: Mutex<HashSet<[u8; 32]>>,
    throttle: Throttle,
    sessions: Sessions,
    now: Monotonic,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn wrong(message: impl Into<String>) -> RegisterError {
    RegisterError::new(ErrorCode::InvalidAccessCode, message)
}

impl AuthCache {
    pub(crate) fn new() -> AuthCache {
        AuthCache::with_clock(ThrottlePolicy::default(), Arc::new(Instant::now))
    }

    pub(crate) fn with_clock(policy: ThrottlePolicy, now: Monotonic) -> AuthCache {
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
            known: Mutex::new(HashSet::new()),
            throttle: Throttle::new(policy),
            sessions: Sessions::default(),
            now,
        }
    }

    fn key(&self, secret: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.salt);
        h.update(secret.as_bytes());
        h.finalize().into()
    }

    fn pair_key(&self, client: ClientId, secret: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.salt);
        h.update(client.to_string().as_bytes());
        h.update([0]);
        h.update(secret.as_bytes());
        h.finalize().into()
    }

    /// Forgets every verified credential (operators changed): each PIN is checked
    /// against the store again. Sessions stay (they read their operator afresh on every
    /// request), and so do the `(client, PIN)` pairs that worked: such a PIN is checked
    /// at once, without waiting for the throttle, and forgotten if it no longer works.
    pub(crate) fn clear(&self) {
        lock(&self.verified).clear();
    }

    /// The operator of `credential`, or 5 (`invalid_access_code`): a wrong PIN, a
    /// client that must wait after wrong PINs (the message says how long), or a session
    /// that expired.
    pub(crate) fn authenticate(
        &self,
        store: &Store,
        credential: &Credential,
    ) -> Result<Operator, RegisterError> {
        let (operator, must_change_pin) = self.identify(store, credential)?;
        if must_change_pin {
            return Err(wrong(CHANGE_DEFAULT_PIN_FIRST));
        }
        Ok(operator)
    }

    /// [`AuthCache::authenticate`], letting through a session opened with the default
    /// PIN: its operator and `true` (it may only change its PIN).
    pub(crate) fn identify(
        &self,
        store: &Store,
        credential: &Credential,
    ) -> Result<(Operator, bool), RegisterError> {
        match &credential.secret {
            Secret::None => Err(wrong(
                "no credential: send the operator's PIN in the Authorization header",
            )),
            Secret::Session(token) => {
                let (id, must_change_pin) = self
                    .sessions
                    .operator_id(token, (self.now)())
                    .ok_or_else(|| wrong("the session has expired or was closed: sign in again"))?;
                let row = store.operators()?.into_iter().find(|o| o.id == id);
                match row {
                    Some(row) => Ok((Operator::from_row(&row)?, must_change_pin)),
                    None => {
                        self.sessions.close(token);
                        Err(wrong("the session's operator was deleted: sign in again"))
                    }
                }
            }
            Secret::Pin(_) | Secret::Bearer(_) if !default_pin_allowed(credential) => {
                Err(wrong(DEFAULT_PIN_ELSEWHERE))
            }
            Secret::Pin(secret) | Secret::Bearer(secret) => self
                .check_pin(store, secret, credential.client)
                .map(|operator| (operator, false)),
        }
    }

    fn check_pin(
        &self,
        store: &Store,
        secret: &str,
        client: ClientId,
    ) -> Result<Operator, RegisterError> {
        let key = self.key(secret);
        let pair = self.pair_key(client, secret);
        let cached = lock(&self.verified).get(&key).cloned();
        let known = lock(&self.known).contains(&pair);
        if let (Some(operator), true) = (&cached, known) {
            return Ok(operator.clone());
        }
        // A PIN that worked from this client is checked at once; any other waits for
        // the client's throttle.
        let attempt = if known {
            None
        } else {
            Some(self.throttle.begin(client, (self.now)()).map_err(|wait| {
                wrong(format!(
                    "too many wrong PINs from {client}: the next attempt is possible in {} s",
                    wait.as_secs().max(1)
                ))
            })?)
        };
        let found = match cached {
            Some(operator) => Ok(Some(operator)),
            // Argon2 (a slow hash, on purpose): off the async worker.
            None => crate::blocking::off_worker(|| store.operator_by_pin(secret))
                .map_err(RegisterError::from)
                .and_then(|row| row.as_ref().map(Operator::from_row).transpose()),
        };
        let operator = match found {
            Ok(Some(operator)) => operator,
            Ok(None) => {
                let failures = match attempt {
                    Some(a) => self.throttle.finish(a, false, (self.now)()),
                    None => {
                        // It worked from here before: changed since, not a guess.
                        lock(&self.known).remove(&pair);
                        0
                    }
                };
                // Never the PIN: the client and how many wrong PINs it has sent.
                warn!(%client, failures, "sign-in failed: wrong PIN or token");
                return Err(wrong("wrong PIN or token"));
            }
            Err(e) => {
                if let Some(a) = attempt {
                    self.throttle.abandon(a);
                }
                return Err(e);
            }
        };
        if let Some(a) = attempt {
            self.throttle.finish(a, true, (self.now)());
        }
        lock(&self.verified).insert(key, operator.clone());
        let mut known = lock(&self.known);
        if known.len() >= KNOWN_PAIRS_LIMIT {
            known.clear();
        }
        known.insert(pair);
        Ok(operator)
    }

    /// How long `credential`'s next PIN attempt must wait (zero: at once). A PIN that
    /// already worked from its client never waits.
    pub(crate) fn pin_wait(&self, credential: &Credential) -> Duration {
        let Some(secret) = credential.pin_or_token() else {
            return Duration::ZERO;
        };
        let pair = self.pair_key(credential.client, secret);
        if lock(&self.known).contains(&pair) {
            return Duration::ZERO;
        }
        self.throttle.wait(credential.client, (self.now)())
    }

    /// Opens a session for `operator`, idle for at most `idle`; the token.
    pub(crate) fn open_session(
        &self,
        operator: &Operator,
        idle: Duration,
        client: ClientId,
        must_change_pin: bool,
    ) -> Result<String, RegisterError> {
        let token = self
            .sessions
            .open(operator.id, idle, (self.now)(), must_change_pin)?;
        info!(operator = operator.id, %client, must_change_pin, "console session opened");
        Ok(token)
    }

    /// The operator of `credential`'s session has set a PIN of their own.
    pub(crate) fn pin_changed(&self, credential: &Credential) {
        if let Secret::Session(token) = &credential.secret {
            self.sessions.pin_changed(token);
        }
    }

    /// A new PIN is about to be checked for uniqueness (seed error 12): an answer
    /// "in use" tells its sender that somebody signs in with it, so each such answer
    /// costs the client a wrong PIN in the throttle, and a client that must wait is
    /// refused (5) before the check. Call [`AuthCache::pin_probe_done`] with the
    /// outcome.
    pub(crate) fn pin_probe(&self, client: ClientId) -> Result<throttle::Attempt, RegisterError> {
        self.throttle.begin(client, (self.now)()).map_err(|wait| {
            wrong(format!(
                "too many wrong PINs from {client}: the next attempt is possible in {} s",
                wait.as_secs().max(1)
            ))
        })
    }

    /// The end of a [`AuthCache::pin_probe`]: `in_use` counts as a wrong PIN; a PIN
    /// that was free counts as nothing (a success would forgive earlier guesses).
    pub(crate) fn pin_probe_done(&self, attempt: throttle::Attempt, in_use: bool) {
        if in_use {
            let failures = self.throttle.finish(attempt, false, (self.now)());
            warn!(
                failures,
                "a new PIN was refused as in use: counted as a wrong PIN"
            );
        } else {
            self.throttle.abandon(attempt);
        }
    }

    /// Marks the session as used now (its idle timeout starts again).
    pub(crate) fn touch_session(&self, credential: &Credential) {
        if let Secret::Session(token) = &credential.secret {
            self.sessions.touch(token, (self.now)());
        }
    }

    /// Ends every session of `operator_id` (its PIN was reset), but the one `credential`
    /// made the change with.
    pub(crate) fn close_sessions_of(&self, operator_id: i64, credential: &Credential) {
        let keep = match &credential.secret {
            Secret::Session(token) => Some(token.as_str()),
            _ => None,
        };
        self.sessions.close_operator(operator_id, keep);
    }

    /// Closes the session of `credential` (sign-out).
    pub(crate) fn close_session(&self, credential: &Credential) {
        if let Secret::Session(token) = &credential.secret {
            self.sessions.close(token);
        }
    }
}

#[cfg(test)]
mod tests;
