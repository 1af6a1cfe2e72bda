//! Wrong PINs cost time, per client.
//!
//! A four-digit PIN falls to 10,000 guesses; without a limit, anything that reaches the
//! API tries them all in seconds. So each client (its address, [`super::ClientId`])
//! has a few free attempts, and after them every attempt waits a delay that doubles
//! with each wrong PIN (1 s, 2 s, 4 s … capped at a minute) counted from its last
//! failure; beyond the free attempts only one PIN of that client is checked at a time,
//! so sending guesses in parallel gains nothing. An attempt that comes too early is
//! refused without being checked (it cannot tell a right PIN from a wrong one).
//! A client's wrong PINs are forgotten after a quiet quarter of an hour.
//!
//! A guesser with many addresses (a LAN, a botnet behind a forwarded port) gets fresh
//! free attempts with each network, so all clients also share one **global budget**:
//! past `global_free_attempts` wrong PINs without a quiet `global_forget_after`, every
//! PIN that has not worked before from its client waits the same doubling delay, one at
//! a time, whoever sends it.
//!
//! What this does not do, on purpose: lock an operator out. A wrong PIN names no
//! operator, and a lock per operator would let anyone stop a till by typing wrong PINs.
//! A right PIN is never counted as a failure, and a PIN that already worked from a
//! client passes at once ([`super::AuthCache`] checks that first), so the till keeps
//! selling while its client — or another — is being slowed down.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{lock, ClientId};

/// How wrong PINs are slowed down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Wrong PINs a client may send without any delay; the next attempt waits.
    pub free_attempts: u32,
    /// The wait after the last free wrong PIN; it doubles with each further one.
    pub base_delay: Duration,
    /// The longest delay.
    pub max_delay: Duration,
    /// A client's wrong PINs are forgotten after this long without one.
    pub forget_after: Duration,
    /// Clients remembered at most (the quietest are forgotten first).
    pub max_clients: usize,
    /// Wrong PINs of all clients together before every new attempt waits.
    pub global_free_attempts: u32,
    /// The global count is forgotten after this long without a wrong PIN.
    pub global_forget_after: Duration,
}

impl Default for ThrottlePolicy {
    /// 3 free attempts, then 1 s, 2 s, 4 s … 60 s; forgotten after 15 quiet minutes.
    /// All clients together: 30 wrong PINs, forgotten after a quiet minute.
    fn default() -> ThrottlePolicy {
        ThrottlePolicy {
            free_attempts: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            forget_after: Duration::from_secs(15 * 60),
            max_clients: 10_000,
            global_free_attempts: 30,
            global_forget_after: Duration::from_secs(60),
        }
    }
}

impl ThrottlePolicy {
    /// The wait after the `failures`-th wrong PIN (zero within the free attempts).
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = kkm_register::ThrottlePolicy::default();
    /// assert_eq!(p.delay(2), Duration::ZERO);
    /// assert_eq!(p.delay(3), Duration::from_secs(1));
    /// assert_eq!(p.delay(4), Duration::from_secs(2));
    /// assert_eq!(p.delay(60), Duration::from_secs(60));
    /// ```
    pub fn delay(&self, failures: u32) -> Duration {
        if failures < self.free_attempts {
            return Duration::ZERO;
        }
        let doublings = (failures - self.free_attempts).min(30);
        self.base_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
    }
}

#[derive(Clone, Copy, Debug)]
struct ClientState {
    failures: u32,
    last_failure: Instant,
    in_flight: u32,
}

/// The per-client counters and the global one.
pub(crate) struct Throttle {
    policy: ThrottlePolicy,
    clients: Mutex<HashMap<ClientId, ClientState>>,
    /// Every client's wrong PINs together (locked after `clients`).
    global: Mutex<ClientState>,
}

/// A PIN check the throttle let through; hand it back with [`Throttle::finish`] or
/// [`Throttle::abandon`].
#[must_use]
pub(crate) struct Attempt {
    client: ClientId,
}

impl Throttle {
    pub(crate) fn new(policy: ThrottlePolicy) -> Throttle {
        Throttle {
            policy,
            clients: Mutex::new(HashMap::new()),
            global: Mutex::new(ClientState {
                failures: 0,
                last_failure: Instant::now(),
                in_flight: 0,
            }),
        }
    }

    /// The rules of the global count: the client's, with the global numbers.
    fn global_policy(&self) -> ThrottlePolicy {
        ThrottlePolicy {
            free_attempts: self.policy.global_free_attempts,
            forget_after: self.policy.global_forget_after,
            ..self.policy
        }
    }

    /// How long `client` must wait before its next PIN is checked.
    pub(crate) fn wait(&self, client: ClientId, now: Instant) -> Duration {
        let mut clients = lock(&self.clients);
        let own = match clients.get_mut(&client) {
            Some(state) => {
                forget_old(&self.policy, state, now);
                wait_of(&self.policy, state, now)
            }
            None => Duration::ZERO,
        };
        let global_policy = self.global_policy();
        let mut global = lock(&self.global);
        forget_old(&global_policy, &mut global, now);
        own.max(wait_of(&global_policy, &global, now))
    }

    /// Lets a PIN check of `client` start now, or says how long it must wait.
    pub(crate) fn begin(&self, client: ClientId, now: Instant) -> Result<Attempt, Duration> {
        let mut clients = lock(&self.clients);
        if clients.len() >= self.policy.max_clients && !clients.contains_key(&client) {
            let forget = self.policy.forget_after;
            clients.retain(|_, s| {
                s.in_flight > 0 || now.saturating_duration_since(s.last_failure) <= forget
            });
            if clients.len() >= self.policy.max_clients {
                // Still full of recent offenders: drop the quietest half.
                let mut by_age: Vec<(ClientId, Instant)> = clients
                    .iter()
                    .filter(|(_, s)| s.in_flight == 0)
                    .map(|(c, s)| (*c, s.last_failure))
                    .collect();
                by_age.sort_by_key(|(_, at)| *at);
                for (c, _) in by_age.iter().take(by_age.len() / 2 + 1) {
                    clients.remove(c);
                }
            }
        }
        let state = clients.entry(client).or_insert(ClientState {
            failures: 0,
            last_failure: now,
            in_flight: 0,
        });
        forget_old(&self.policy, state, now);
        let global_policy = self.global_policy();
        let mut global = lock(&self.global);
        forget_old(&global_policy, &mut global, now);
        let wait = wait_of(&self.policy, state, now).max(wait_of(&global_policy, &global, now));
        if !wait.is_zero() {
            return Err(wait);
        }
        state.in_flight += 1;
        global.in_flight += 1;
        Ok(Attempt { client })
    }

    /// Ends a check: a wrong PIN counts and starts the client's delay. Returns the
    /// client's wrong PINs so far.
    pub(crate) fn finish(&self, attempt: Attempt, right: bool, now: Instant) -> u32 {
        let mut clients = lock(&self.clients);
        {
            let mut global = lock(&self.global);
            global.in_flight = global.in_flight.saturating_sub(1);
            if !right {
                global.failures = global.failures.saturating_add(1);
                global.last_failure = now;
            }
        }
        let Some(state) = clients.get_mut(&attempt.client) else {
            return 0;
        };
        state.in_flight = state.in_flight.saturating_sub(1);
        if !right {
            state.failures = state.failures.saturating_add(1);
            state.last_failure = now;
        }
        state.failures
    }

    /// Ends a check that could not be made (the store failed): nothing counts.
    pub(crate) fn abandon(&self, attempt: Attempt) {
        let mut clients = lock(&self.clients);
        if let Some(state) = clients.get_mut(&attempt.client) {
            state.in_flight = state.in_flight.saturating_sub(1);
        }
        let mut global = lock(&self.global);
        global.in_flight = global.in_flight.saturating_sub(1);
    }
}

fn forget_old(policy: &ThrottlePolicy, state: &mut ClientState, now: Instant) {
    if state.failures > 0 && now.saturating_duration_since(state.last_failure) > policy.forget_after
    {
        state.failures = 0;
    }
}

fn wait_of(policy: &ThrottlePolicy, state: &ClientState, now: Instant) -> Duration {
    let delay = policy.delay(state.failures);
    if !delay.is_zero() {
        let wait = (state.last_failure + delay).saturating_duration_since(now);
        if !wait.is_zero() {
            return wait;
        }
    }
    // Beyond the free attempts, one check at a time: a parallel guess waits for the
    // verdict on the one in flight (and the delay it may bring).
    if state.in_flight > 0 && state.failures + state.in_flight >= policy.free_attempts {
        return policy
            .delay(state.failures + state.in_flight)
            .max(Duration::from_millis(100));
    }
    Duration::ZERO
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client of its own network.
    fn client(n: u8) -> ClientId {
        ClientId::from_ip(std::net::IpAddr::from([10, 0, n, 1]))
    }

    fn fail(t: &Throttle, c: ClientId, now: Instant) -> u32 {
        let a = t.begin(c, now).expect("allowed");
        t.finish(a, false, now)
    }

    #[test]
    fn free_attempts_then_a_doubling_delay() {
        let t = Throttle::new(ThrottlePolicy::default());
        let c = client(1);
        let t0 = Instant::now();
        for n in 1..=3 {
            assert_eq!(t.wait(c, t0), Duration::ZERO, "three are free");
            assert_eq!(fail(&t, c, t0), n);
        }
        assert_eq!(t.wait(c, t0), Duration::from_secs(1));
        assert!(t.begin(c, t0).is_err(), "too early: not even checked");
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(fail(&t, c, t1), 4);
        assert_eq!(t.begin(c, t1).err(), Some(Duration::from_secs(2)));
        // Another client is not affected.
        assert!(t.begin(client(2), t1).is_ok());
    }

    #[test]
    fn parallel_guesses_beyond_the_free_ones_are_checked_one_at_a_time() {
        let t = Throttle::new(ThrottlePolicy::default());
        let c = client(1);
        let now = Instant::now();
        let held: Vec<Attempt> = (0..3).map(|_| t.begin(c, now).expect("free")).collect();
        assert!(t.begin(c, now).is_err(), "a fourth in parallel waits");
        for a in held {
            t.finish(a, false, now);
        }
        let later = now + Duration::from_secs(1);
        assert_eq!(t.wait(c, later), Duration::ZERO);
        let a = t.begin(c, later).expect("the fourth, alone");
        assert!(t.begin(c, later).is_err(), "one at a time");
        t.finish(a, true, later);
        assert!(t.begin(c, later).is_ok(), "a right PIN starts no delay");
    }

    #[test]
    fn wrong_pins_are_forgotten_after_a_quiet_while() {
        let p = ThrottlePolicy::default();
        let t = Throttle::new(p);
        let c = client(1);
        let t0 = Instant::now();
        let mut now = t0;
        for _ in 0..8 {
            now += t.wait(c, now);
            fail(&t, c, now);
        }
        assert!(t.wait(c, now) >= Duration::from_secs(16));
        let later = now + p.forget_after + Duration::from_secs(1);
        assert_eq!(t.wait(c, later), Duration::ZERO);
        assert_eq!(fail(&t, c, later), 1, "counting starts again");
    }

    #[test]
    fn the_table_of_clients_stays_bounded() {
        let p = ThrottlePolicy {
            max_clients: 8,
            global_free_attempts: u32::MAX,
            ..ThrottlePolicy::default()
        };
        let t = Throttle::new(p);
        let now = Instant::now();
        for n in 0..100u8 {
            fail(&t, client(n), now);
        }
        assert!(lock(&t.clients).len() <= 8);
    }

    #[test]
    fn many_networks_share_one_global_budget() {
        let p = ThrottlePolicy::default();
        let t = Throttle::new(p);
        let now = Instant::now();
        // 30 wrong PINs from 30 networks: each within its own free attempts.
        for n in 0..30u8 {
            fail(&t, client(n), now);
        }
        // The 31st network is new, yet it waits: the budget of everyone is spent.
        assert_eq!(
            t.begin(client(200), now).err(),
            Some(Duration::from_secs(1))
        );
        let later = now + Duration::from_secs(1);
        let a = t.begin(client(200), later).expect("after the global delay");
        assert!(
            t.begin(client(201), later).is_err(),
            "one at a time globally"
        );
        t.finish(a, false, later);
        assert_eq!(
            t.wait(client(202), later),
            Duration::from_secs(2),
            "it doubles"
        );
        // A quiet minute forgets it.
        let quiet = later + p.global_forget_after + Duration::from_secs(1);
        assert_eq!(t.wait(client(202), quiet), Duration::ZERO);
    }

    #[test]
    fn an_abandoned_check_counts_nothing() {
        let t = Throttle::new(ThrottlePolicy::default());
        let c = client(1);
        let now = Instant::now();
        for _ in 0..10 {
            let a = t.begin(c, now).expect("allowed");
            t.abandon(a);
        }
        assert_eq!(t.wait(c, now), Duration::ZERO);
    }
}
