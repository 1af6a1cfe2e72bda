//! The throttle and the sessions as [`AuthCache`] applies them to a real store.

use std::sync::atomic::{AtomicU64, Ordering};

use kkm_store::{OperatorInput, StaticKey};

use super::*;

struct Rig {
    store: Store,
    auth: AuthCache,
    elapsed_ms: Arc<AtomicU64>,
}

impl Rig {
    fn new() -> Rig {
        let store = Store::open_in_memory(&StaticKey([5; 32])).unwrap();
        store.ensure_default_admin().unwrap();
        store
            .save_operator(&OperatorInput {
                id: None,
                name: "Айгүл",
                role: 3,
                pin: Some("4321"),
                kkm_ids: &[6923],
                extra: None,
            })
            .unwrap();
        // An administrator with a PIN of their own (the default 0000 works only from this
        // machine, and these clients are the LAN's).
        store
            .save_operator(&OperatorInput {
                id: None,
                name: "Ерлан",
                role: 1,
                pin: Some("2580"),
                kkm_ids: &[],
                extra: None,
            })
            .unwrap();
        let start = Instant::now();
        let elapsed_ms = Arc::new(AtomicU64::new(0));
        let ms = elapsed_ms.clone();
        let auth = AuthCache::with_clock(
            ThrottlePolicy::default(),
            Arc::new(move || start + Duration::from_millis(ms.load(Ordering::SeqCst))),
        );
        Rig {
            store,
            auth,
            elapsed_ms,
        }
    }

    fn advance(&self, d: Duration) {
        self.elapsed_ms
            .fetch_add(d.as_millis() as u64, Ordering::SeqCst);
    }

    fn try_pin(&self, pin: &str, from: u8) -> Result<Operator, RegisterError> {
        let client = ClientId::from_ip(IpAddr::from([192, 168, from, 1]));
        self.auth
            .authenticate(&self.store, &Credential::pin(pin).from_client(client))
    }
}

fn message(r: Result<Operator, RegisterError>) -> String {
    let e = r.expect_err("refused");
    assert_eq!(e.code(), ErrorCode::InvalidAccessCode);
    e.to_string()
}

#[test]
fn five_wrong_pins_are_slowed_down_and_the_right_pin_still_works() {
    let rig = Rig::new();
    // The till has worked with its PIN from its own address.
    assert_eq!(rig.try_pin("4321", 1).unwrap().name, "Айгүл");
    for _ in 0..4 {
        let wait = rig.auth.pin_wait(
            &Credential::pin("9999").from_client(ClientId::from_ip(IpAddr::from([192, 168, 1, 1]))),
        );
        rig.advance(wait);
        assert_eq!(message(rig.try_pin("9999", 1)), "wrong PIN or token");
    }
    // The fifth wrong PIN comes too early: refused without being checked.
    let early = message(rig.try_pin("9998", 1));
    assert!(early.contains("next attempt is possible in"), "{early}");
    // The till's own PIN from its own address passes at once…
    assert_eq!(rig.try_pin("4321", 1).unwrap().id, 2);
    // …a PIN that never worked from there waits like any guess…
    assert!(message(rig.try_pin("2580", 1)).contains("next attempt"));
    // …and another client is not slowed down at all.
    assert_eq!(rig.try_pin("2580", 2).unwrap().role, Role::Administrator);
    // After the delay, the right PIN works from the slowed client too.
    rig.advance(Duration::from_secs(2));
    assert_eq!(rig.try_pin("2580", 1).unwrap().name, "Ерлан");
}

#[test]
fn a_guess_of_a_working_pin_from_another_client_is_throttled_like_any_other() {
    let rig = Rig::new();
    rig.try_pin("4321", 1).unwrap();
    for pin in ["1", "2", "3", "4"] {
        rig.advance(Duration::from_secs(120));
        let _ = rig.try_pin(pin, 9);
    }
    // The attacker at .9 guesses the till's PIN while slowed down: not even checked,
    // so the answer does not reveal that it is right.
    assert!(message(rig.try_pin("4321", 9)).contains("next attempt"));
}

#[test]
fn a_till_slowed_down_keeps_selling_after_the_operators_change() {
    let rig = Rig::new();
    rig.try_pin("4321", 1).unwrap();
    for pin in ["1", "2", "3", "4"] {
        let _ = rig.try_pin(pin, 1);
    }
    // An administrator edits an operator: verified PINs are checked again…
    rig.auth.clear();
    // …but the till's PIN, known from its client, does not wait for the throttle.
    assert_eq!(rig.try_pin("4321", 1).unwrap().name, "Айгүл");
    // A PIN that changed since is refused and forgotten.
    rig.store
        .save_operator(&OperatorInput {
            id: Some(2),
            name: "Айгүл",
            role: 3,
            pin: Some("8765"),
            kkm_ids: &[6923],
            extra: None,
        })
        .unwrap();
    rig.auth.clear();
    assert_eq!(message(rig.try_pin("4321", 1)), "wrong PIN or token");
    assert!(message(rig.try_pin("4321", 1)).contains("next attempt"));
}

#[test]
fn sessions_authenticate_until_closed() {
    let rig = Rig::new();
    let admin = rig.try_pin("2580", 1).unwrap();
    let client = ClientId::from_ip(IpAddr::from([192, 168, 1, 1]));
    let token = rig
        .auth
        .open_session(&admin, Duration::from_secs(600), client, false)
        .unwrap();
    let cred = Credential::session(token).from_client(client);
    assert_eq!(rig.auth.authenticate(&rig.store, &cred).unwrap(), admin);
    // The operator's role is read afresh: a change applies to open sessions.
    rig.store
        .save_operator(&OperatorInput {
            id: Some(admin.id),
            name: "Главный",
            role: 1,
            pin: None,
            kkm_ids: &[],
            extra: None,
        })
        .unwrap();
    assert_eq!(
        rig.auth.authenticate(&rig.store, &cred).unwrap().name,
        "Главный"
    );
    rig.auth.close_session(&cred);
    assert!(message(rig.auth.authenticate(&rig.store, &cred)).contains("sign in again"));
}

#[test]
fn a_session_expires_when_idle_and_a_deleted_operator_loses_it() {
    let rig = Rig::new();
    let cashier = rig.try_pin("4321", 1).unwrap();
    let token = rig
        .auth
        .open_session(&cashier, Duration::from_secs(60), ClientId::UNKNOWN, false)
        .unwrap();
    let cred = Credential::session(token);
    rig.advance(Duration::from_secs(50));
    rig.auth.touch_session(&cred);
    rig.advance(Duration::from_secs(50));
    assert!(rig.auth.authenticate(&rig.store, &cred).is_ok());
    rig.advance(Duration::from_secs(11));
    assert!(message(rig.auth.authenticate(&rig.store, &cred)).contains("expired"));

    let token = rig
        .auth
        .open_session(&cashier, Duration::from_secs(60), ClientId::UNKNOWN, false)
        .unwrap();
    rig.store.delete_operator(cashier.id).unwrap();
    assert!(message(
        rig.auth
            .authenticate(&rig.store, &Credential::session(token))
    )
    .contains("deleted"));
}

#[test]
fn no_secret_reaches_a_debug_string() {
    let c = Credential::pin("4321").from_client(ClientId::from_ip(IpAddr::from([1, 2, 3, 4])));
    let text = format!("{c:?}");
    assert!(!text.contains("4321"), "{text}");
    assert!(text.contains("1.2.3.0/24"), "{text}");
    let s = format!("{:?}", Credential::session("abcdef"));
    assert!(!s.contains("abcdef"), "{s}");
}

#[test]
fn the_default_pin_opens_nothing_from_another_machine() {
    let rig = Rig::new();
    let from =
        |ip: [u8; 4]| Credential::pin("0000").from_client(ClientId::from_ip(IpAddr::from(ip)));
    let lan = rig.auth.authenticate(&rig.store, &from([192, 168, 1, 20]));
    assert!(message(lan).contains("only from programs on this machine"));
    assert_eq!(
        rig.auth
            .authenticate(&rig.store, &from([127, 0, 0, 1]))
            .unwrap()
            .id,
        1
    );
    // In-process callers (the Android SDK) have no address.
    assert!(rig
        .auth
        .authenticate(&rig.store, &Credential::pin("0000"))
        .is_ok());
}
