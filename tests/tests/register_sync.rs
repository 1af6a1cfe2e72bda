//! The Register service against the OFD emulator over TCP: online sales, the
//! autonomous mode and its queue, token rotation, a refusal that blocks the KKM, the
//! 72-hour limit, a restart with a queue on disk, and late answers.
//!
//! Every scenario uses a real `Registry` (SQLite journal in a temporary folder, fsync
//! on) and a real `kkm-ofd-sim` on loopback. The budget for an OFD answer is shortened
//! from the seed's 5 s to 700 ms and the emulator's "slow OFD" delays to 1.2 s, so the
//! scenarios keep the protocol's shape (delay > budget) without waiting 6 s each.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kkm_core::{Clock, ManualClock};
use kkm_ofd_sim::{Fault, FaultPlan, OfdSim, SimConfig};
use kkm_register::api::{
    GetTransactionListRequest, MoneyPlacementRequest, SaveKkmRequest, TradeOperationRequest,
    TransactionSummary, ZxReportRequest,
};
use kkm_register::{
    Backoff, Credential, Endpoint, KeySource, OfdConfig, Registry, RegistryConfig, SyncMode,
    SystemClock,
};

const KKM: u32 = 6923;
const TOKEN: u32 = 12345;

fn admin() -> Credential {
    Credential::from_header("0000")
}

fn temp_dir(name: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "kkm-register-sync-{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn sale(total: &str) -> TradeOperationRequest {
    serde_json::from_str(&format!(
        r#"{{"kkm_ofd_id": {KKM}, "operation": 2, "domain": {{"type": 0}},
        "items": [{{"type": 1, "commodity": {{"name": "Нан", "section_code": "1",
            "quantity": 1, "price": {total}, "sum": {total},
            "taxes": [{{"percent": 12, "sum": 0, "is_in_total_sum": true}}],
            "measure_unit_code": "796"}}}}],
        "payments": [{{"type": 0, "sum": {total}}}],
        "amounts": {{"total": {total}, "taken": {total}, "change": 0}}}}"#
    ))
    .expect("a sale request")
}

fn sale_untaxed(total: &str) -> TradeOperationRequest {
    serde_json::from_str(&format!(
        r#"{{"kkm_ofd_id": {KKM}, "operation": 2,
        "items": [{{"type": 1, "commodity": {{"name": "Су", "section_code": "1",
            "quantity": 1, "price": {total}, "sum": {total}, "measure_unit_code": "796"}}}}],
        "payments": [{{"type": 0, "sum": {total}}}],
        "amounts": {{"total": {total}}}}}"#
    ))
    .expect("a sale request")
}

struct Rig {
    sim: OfdSim,
    dir: PathBuf,
    clock: Arc<ManualClock>,
    registry: Arc<Registry>,
}

fn config(sim: &OfdSim, dir: &PathBuf, clock: Arc<ManualClock>) -> RegistryConfig {
    let mut config = RegistryConfig::new(dir);
    config.key = KeySource::Static([42; 32]);
    config.ofds = vec![OfdConfig {
        uid: "4C49A0CB1DD4413387F6E6199CBB1B2A".into(),
        name: "Казахтелеком".into(),
        endpoint: Endpoint::plain("127.0.0.1", sim.addr().port()),
        check_url: "http://consumer.oofd.kz".into(),
    }];
    config.clock = clock;
    config.ofd_budget = Duration::from_millis(700);
    config.backoff = Backoff {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(200),
    };
    config
}

impl Rig {
    /// A cash sale of `total` tenge by the administrator.
    async fn sell(
        &self,
        total: &str,
    ) -> Result<kkm_register::api::TradeOperationResponse, kkm_register::RegisterError> {
        self.registry
            .trade_operation(&admin(), sale(total), None)
            .await
    }

    async fn start(name: &str) -> Rig {
        let sim = OfdSim::start(
            SimConfig::with_kkms([(KKM, TOKEN)]),
            "127.0.0.1:0".parse().expect("address"),
        )
        .await
        .expect("emulator");
        let dir = temp_dir(name);
        let clock = Arc::new(ManualClock::new(SystemClock::default().now()));
        let registry = Registry::open(config(&sim, &dir, clock.clone()))
            .await
            .expect("registry");
        registry
            .save_kkm(
                &admin(),
                SaveKkmRequest {
                    ofd_id: i64::from(KKM),
                    ofd_token: Some(i64::from(TOKEN)),
                    local_name: Some("test_6923".into()),
                    ..SaveKkmRequest::default()
                },
            )
            .await
            .expect("SaveKKM");
        Rig {
            sim,
            dir,
            clock,
            registry,
        }
    }

    async fn reopen(&mut self) {
        self.registry.shutdown().await;
        self.registry = Registry::open(config(&self.sim, &self.dir, self.clock.clone()))
            .await
            .expect("registry reopened");
    }

    /// Waits until the KKM's queue is empty and it is online again.
    async fn drained(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let status = self.registry.sync_status(i64::from(KKM)).expect("status");
            if status.queue_len == 0 && status.mode == SyncMode::Online {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the queue did not drain: {status:?}"
            );
            self.registry.kick(i64::from(KKM)).expect("kick");
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }

    async fn finish(self) {
        self.registry.shutdown().await;
        self.sim.shutdown().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn saved_kkm_carries_the_ofds_registration_data() {
    let rig = Rig::start("info").await;
    let list = rig
        .registry
        .kkm_list(&admin(), Default::default())
        .await
        .expect("GetKKMList");
    assert_eq!(list.len(), 1);
    let kkm = &list[0];
    assert_eq!(kkm.ofd_id, 6923);
    let reg = kkm.reg_info.as_ref().expect("reg_info");
    let fns = reg.kkm.as_ref().and_then(|k| k.fns_kkm_id.clone());
    assert_eq!(fns.as_deref(), Some("010100134464"));
    assert_eq!(kkm.is_invalid_token, Some(false));
    assert_eq!(kkm.is_offline, Some(false));
    assert!(!kkm.ads_info.is_empty(), "the OFD's ad texts are kept");

    // A new token the OFD refuses: 42, and nothing changes — the KKM keeps the token it
    // had (the OFD refused the one given, not that one).
    let refused = rig
        .registry
        .save_kkm(
            &admin(),
            SaveKkmRequest {
                ofd_id: i64::from(KKM),
                ofd_token: Some(999),
                ..SaveKkmRequest::default()
            },
        )
        .await
        .expect_err("a wrong token");
    assert_eq!(refused.code().code(), 42, "{refused}");
    let kkm = &rig
        .registry
        .kkm_list(&admin(), Default::default())
        .await
        .expect("list")[0];
    assert_eq!(kkm.is_invalid_token, Some(false));
    assert_eq!(kkm.local_name.as_deref(), Some("test_6923"));
    // The old token still works: a sale goes online.
    let answer = rig.sell("100").await.expect("sale");
    assert!(!answer.document.is_offline);
    rig.finish().await;
}

#[tokio::test]
async fn online_sales_get_the_ofds_fiscal_signs() {
    let rig = Rig::start("online").await;
    let mut signs = Vec::new();
    for i in 1..=5 {
        let answer = rig.sell(&format!("{}", i * 100)).await.expect("sale");
        assert!(!answer.document.is_offline);
        assert_eq!(answer.body.offline_ticket_number, None);
        assert_eq!(answer.document.shift_document_number, i);
        assert!(answer.qr_code.contains(&format!("i={}", answer.fiscal_id)));
        assert!(answer.qr_code.contains("f=010100134464"));
        signs.push(answer.fiscal_id);
    }
    signs.sort();
    signs.dedup();
    assert_eq!(signs.len(), 5, "five distinct fiscal signs");
    let books = rig.sim.books(KKM).expect("books");
    assert_eq!(books.accepted.len(), 5);
    assert_eq!(books.duplicates, 0);
    rig.finish().await;
}

#[tokio::test]
async fn a_slow_ofd_makes_receipts_autonomous_and_the_queue_drains_in_order() {
    let rig = Rig::start("autonomous").await;
    rig.sell("100").await.expect("online sale");
    // The OFD answers after the budget: the receipt goes autonomous.
    rig.sim
        .set_fault(FaultPlan::always(Fault::Delay(Duration::from_millis(1200))));
    let slow = rig.sell("200").await.expect("autonomous sale");
    assert!(slow.document.is_offline);
    let number = slow.body.offline_ticket_number.expect("offline number");
    assert_eq!(slow.fiscal_id, number.to_string());
    // While the queue is not empty every receipt queues, at once.
    let mut queued = vec![slow.fiscal_id.clone()];
    for total in ["300", "400"] {
        let started = Instant::now();
        let answer = rig.sell(total).await.expect("queued sale");
        assert!(answer.document.is_offline);
        assert!(
            started.elapsed() < Duration::from_millis(600),
            "a queued receipt does not wait for the OFD"
        );
        queued.push(answer.fiscal_id);
    }
    let status = rig.registry.sync_status(i64::from(KKM)).expect("status");
    assert!(status.queue_len >= 2, "{status:?}");
    assert!(matches!(status.mode, SyncMode::Autonomous { .. }));

    // The OFD is back: the queue drains, fiscal signs replace offline numbers.
    rig.sim.clear_fault();
    rig.drained().await;
    let list = rig
        .registry
        .transaction_list(
            &admin(),
            GetTransactionListRequest {
                kkm_ofd_id: i64::from(KKM),
                ..GetTransactionListRequest::default()
            },
        )
        .await
        .expect("transactions");
    let tickets: Vec<_> = list
        .iter()
        .filter_map(|t| match &t.body {
            TransactionSummary::Ticket(s) => Some((t.is_offline, s.fiscal_id.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(tickets.len(), 4);
    assert!(!tickets[0].0);
    for (i, (offline, fiscal_id)) in tickets.iter().enumerate().skip(1) {
        assert!(offline, "receipt {i} stays marked autonomous");
        assert!(
            !queued.contains(fiscal_id),
            "receipt {i} now carries the OFD's fiscal sign, not its offline number"
        );
    }
    // The late answer to the first slow attempt made no second document.
    let books = rig.sim.books(KKM).expect("books");
    assert_eq!(
        books.accepted.len(),
        4,
        "each receipt fiscalized exactly once"
    );
    assert_eq!(books.duplicates, 0);
    // Strict order: the OFD received them in the order they were made.
    let totals: Vec<u64> = books.accepted.iter().map(|d| d.sum).collect();
    assert_eq!(totals, vec![10_000, 20_000, 30_000, 40_000]);
    assert!(
        !books.offline_periods.is_empty(),
        "the OFD was told the offline period"
    );

    // The Z-report counts the three autonomous receipts as offline.
    let z = rig
        .registry
        .zx_report(
            &admin(),
            ZxReportRequest {
                kkm_ofd_id: i64::from(KKM),
                report_type_code: 0,
                ..ZxReportRequest::default()
            },
        )
        .await
        .expect("Z");
    let sell = z
        .body
        .ticket_operations
        .iter()
        .find(|o| o.operation == kkm_core::Operation::Sell)
        .expect("sell counters");
    assert_eq!(sell.tickets_count, 4);
    assert_eq!(sell.offline_count, 3);
    assert_eq!(z.body.checksum.len(), 64, "the shift digest");
    rig.finish().await;
}

#[tokio::test]
async fn token_rotation_mid_shift_is_followed() {
    let rig = Rig::start("token").await;
    for i in 0..6 {
        if i == 2 || i == 4 {
            assert!(rig.sim.rotate_token(KKM));
        }
        let answer = rig.sell("150").await.expect("sale");
        assert!(!answer.document.is_offline, "sale {i} online");
    }
    let books = rig.sim.books(KKM).expect("books");
    assert_eq!(books.accepted.len(), 6);
    assert!(books.rotations >= 2);
    rig.finish().await;
}

#[tokio::test]
async fn an_ofd_refusal_blocks_the_kkm_until_an_admin_resolves_it() {
    let rig = Rig::start("blocked").await;
    rig.sim
        .set_fault(FaultPlan::times(Fault::ResultCode(13), 1).for_kkm(KKM));
    let refused = rig.sell("100").await.expect_err("refused");
    // An OFD refusal CashCore does not name is 84 `invalid_ofd_response`.
    assert_eq!(refused.code().code(), 84, "{refused}");
    let status = rig.registry.sync_status(i64::from(KKM)).expect("status");
    let SyncMode::Blocked(by) = &status.mode else {
        panic!("blocked expected, got {status:?}");
    };
    assert_eq!(by.code, 13);
    assert!(by.document.is_some(), "the offending document is named");
    let again = rig.sell("100").await.expect_err("still blocked");
    assert_eq!(again.code().code(), 62);
    let listed = &rig
        .registry
        .kkm_list(&admin(), Default::default())
        .await
        .expect("list")[0];
    assert_eq!(listed.is_blocked, Some(true));

    // The administrator drops the refused document (the journal keeps it).
    let drained = rig
        .registry
        .resolve_blocked(&admin(), i64::from(KKM), true)
        .await
        .expect("resolved");
    assert_eq!(drained, 0);
    let answer = rig.sell("100").await.expect("sale after the block");
    assert!(!answer.document.is_offline);
    rig.finish().await;
}

#[tokio::test]
async fn seventy_two_hours_autonomous_refuses_sales_with_18_but_closes_the_shift() {
    let rig = Rig::start("72h").await;
    rig.sim.set_fault(FaultPlan::always(Fault::Refuse));
    let answer = rig.sell("100").await.expect("autonomous sale");
    assert!(answer.document.is_offline);
    rig.clock.advance(71 * 3600);
    // Within 72 hours: the shift is over 24 h old, so the sale closes it first (an
    // automatic Z, queued like the sale), as CashCore does.
    let next_shift = rig.sell("100").await.expect("a sale after an automatic Z");
    assert!(next_shift.document.is_offline);
    assert_eq!(
        next_shift.document.fr_shift_number,
        answer.document.fr_shift_number + 1
    );
    rig.clock.advance(2 * 3600);
    let refused = rig.sell("100").await.expect_err("autonomous too long");
    assert_eq!(refused.code().code(), 18, "{refused}");
    let placement: MoneyPlacementRequest =
        serde_json::from_str(r#"{"kkm_ofd_id": 6923, "operation": 0, "sum": 10}"#).expect("json");
    let refused = rig
        .registry
        .money_placement(&admin(), placement, None)
        .await
        .expect_err("autonomous too long");
    assert_eq!(refused.code().code(), 18);
    // The Z-report is still allowed; it queues too.
    let z = rig
        .registry
        .zx_report(
            &admin(),
            ZxReportRequest {
                kkm_ofd_id: i64::from(KKM),
                report_type_code: 0,
                ..ZxReportRequest::default()
            },
        )
        .await
        .expect("Z after 72 h");
    assert!(z.document.is_offline);
    assert_eq!(
        rig.registry
            .sync_status(i64::from(KKM))
            .expect("status")
            .queue_len,
        4,
        "the first sale, the automatic Z, the sale after it and the Z"
    );
    rig.finish().await;
}

#[tokio::test]
async fn a_restart_with_a_queue_on_disk_resumes_the_drain() {
    let mut rig = Rig::start("restart").await;
    rig.sim.set_fault(FaultPlan::always(Fault::Refuse));
    let mut offline_ids = Vec::new();
    for total in ["110", "120", "130"] {
        let answer = rig
            .registry
            .trade_operation(&admin(), sale_untaxed(total), Some(format!("key-{total}")))
            .await
            .expect("autonomous sale");
        assert!(answer.document.is_offline);
        offline_ids.push(answer.fiscal_id);
    }
    rig.reopen().await;
    assert_eq!(
        rig.registry
            .sync_status(i64::from(KKM))
            .expect("status")
            .queue_len,
        3,
        "the queue survived the restart"
    );
    // A retry of a request made before the restart answers the stored receipt.
    let retried = rig
        .registry
        .trade_operation(&admin(), sale_untaxed("120"), Some("key-120".into()))
        .await
        .expect("idempotent retry");
    assert_eq!(retried.fiscal_id, offline_ids[1]);
    rig.sim.clear_fault();
    rig.drained().await;
    let books = rig.sim.books(KKM).expect("books");
    assert_eq!(books.accepted.len(), 3);
    assert_eq!(books.duplicates, 0);
    // After the drain the same retry answers the fiscal sign.
    let retried = rig
        .registry
        .trade_operation(&admin(), sale_untaxed("120"), Some("key-120".into()))
        .await
        .expect("idempotent retry");
    assert_ne!(retried.fiscal_id, offline_ids[1]);
    assert!(retried.document.is_offline);
    rig.finish().await;
}

#[tokio::test]
async fn a_late_answer_is_ignored_and_never_makes_a_second_document() {
    let rig = Rig::start("late").await;
    // The OFD processes the request, but its answer is lost.
    rig.sim
        .set_fault(FaultPlan::times(Fault::DropAfterProcess, 1).for_kkm(KKM));
    let first = rig.sell("500").await.expect("sale");
    // Either the resend within the budget got the stored answer (online), or it went
    // autonomous and the drain resends it with the same REQNUM.
    rig.drained().await;
    let books = rig.sim.books(KKM).expect("books");
    assert_eq!(books.accepted.len(), 1, "fiscalized exactly once");
    assert_eq!(books.duplicates, 0);
    let list = rig
        .registry
        .transaction_list(
            &admin(),
            GetTransactionListRequest {
                kkm_ofd_id: i64::from(KKM),
                ..GetTransactionListRequest::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(list.len(), 1);
    let TransactionSummary::Ticket(ticket) = &list[0].body else {
        panic!("a ticket");
    };
    if !first.document.is_offline {
        assert_eq!(ticket.fiscal_id, first.fiscal_id);
    }
    rig.finish().await;
}

fn seed_like_sale() -> TradeOperationRequest {
    serde_json::from_str(
        r#"{"kkm_ofd_id": 6923, "operation": 2, "domain": {"type": 0},
        "items": [{"type": 1, "commodity": {"name": "tovar1", "section_code": "Отдел1",
            "quantity": 2, "price": 1000, "sum": 2000, "taxes": [],
            "excise_stamp": "0104601234567893215abcde\u001d93dGVzdA", "measure_unit_code": "116"}},
          {"type": 1, "commodity": {"name": "tovar2", "section_code": "Отдел1",
            "quantity": 1, "price": 500, "sum": 500, "taxes": [], "measure_unit_code": "796"}}],
        "payments": [{"type": 0, "sum": 2500}],
        "amounts": {"total": 2500, "taken": 2500, "change": 0}}"#,
    )
    .expect("sale")
}

fn return_of(fiscal_id: &str, name: &str, price: u32, quantity: u32) -> TradeOperationRequest {
    let sum = price * quantity;
    serde_json::from_str(&format!(
        r#"{{"kkm_ofd_id": 6923, "operation": 3,
        "items": [{{"type": 1, "commodity": {{"name": "{name}", "section_code": "Отдел1",
            "quantity": {quantity}, "price": {price}, "sum": {sum}, "taxes": [],
            "measure_unit_code": "{unit}"}}}}],
        "payments": [{{"type": 0, "sum": {sum}}}],
        "amounts": {{"total": {sum}}},
        "parent_ticket": {{"fiscal_id": "{fiscal_id}"}}}}"#,
        unit = if name == "tovar1" { "116" } else { "796" }
    ))
    .expect("return")
}

#[tokio::test]
async fn returns_go_against_the_original_by_fiscal_sign_and_never_exceed_it() {
    let rig = Rig::start("returns").await;
    let sold = rig
        .registry
        .trade_operation(&admin(), seed_like_sale(), None)
        .await
        .expect("sale");
    // A return without its original is refused (CPCR 2.0.3 carries the parent).
    let mut orphan = return_of(&sold.fiscal_id, "tovar2", 500, 1);
    orphan.parent_ticket = None;
    let refused = rig
        .registry
        .trade_operation(&admin(), orphan, None)
        .await
        .expect_err("no parent");
    assert_eq!(refused.code().code(), 2, "{refused}");
    // An unknown fiscal sign: 43.
    let refused = rig
        .registry
        .trade_operation(&admin(), return_of("999999", "tovar2", 500, 1), None)
        .await
        .expect_err("unknown parent");
    assert_eq!(refused.code().code(), 43, "{refused}");
    // tovar2 once: fine; twice: more than sold (47).
    let back = rig
        .registry
        .trade_operation(&admin(), return_of(&sold.fiscal_id, "tovar2", 500, 1), None)
        .await
        .expect("return");
    assert_eq!(back.body.operation, kkm_core::Operation::SellReturn);
    let refused = rig
        .registry
        .trade_operation(&admin(), return_of(&sold.fiscal_id, "tovar2", 500, 1), None)
        .await
        .expect_err("returned already");
    assert_eq!(refused.code().code(), 47, "{refused}");
    // The OFD accepted the return with its parent ticket.
    let books = rig.sim.books(KKM).expect("books");
    assert_eq!(books.accepted.len(), 2);

    // The journal: list, one transaction, its image.
    let list = rig
        .registry
        .transaction_list(
            &admin(),
            GetTransactionListRequest {
                kkm_ofd_id: i64::from(KKM),
                fiscal_id: Some(sold.fiscal_id.clone()),
                ..GetTransactionListRequest::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(list.len(), 1);
    let one = rig
        .registry
        .transaction(
            &admin(),
            kkm_register::api::GetTransactionRequest {
                kkm_ofd_id: i64::from(KKM),
                transaction_id: list[0].id,
            },
        )
        .await
        .expect("transaction");
    assert_eq!(one.shift_document_number, 1);
    let image = rig
        .registry
        .document_image(
            &admin(),
            kkm_register::api::GetDocumentImageRequest {
                kkm_ofd_id: i64::from(KKM),
                fr_shift_number: one.fr_shift_number,
                shift_document_number: 1,
                ..Default::default()
            },
        )
        .await
        .expect("image");
    assert_eq!(&image.png[..8], b"\x89PNG\r\n\x1a\n");
    rig.finish().await;
}

#[tokio::test]
async fn roles_and_bindings_decide_who_may_do_what() {
    let rig = Rig::start("roles").await;
    let save = |pin: &str, role: i64, bindings: Vec<i64>| kkm_register::api::SaveOperatorRequest {
        name: Some(format!("op {pin}")),
        access_pin: pin.into(),
        role,
        bindings: Some(bindings),
        ..Default::default()
    };
    let cashier = rig
        .registry
        .save_operator(&admin(), save("1111", 3, vec![6923]))
        .await
        .expect("cashier");
    assert_eq!(cashier.access_pin, "****");
    rig.registry
        .save_operator(&admin(), save("2222", 3, vec![]))
        .await
        .expect("unbound cashier");
    let taken = rig
        .registry
        .save_operator(&admin(), save("1111", 2, vec![]))
        .await
        .expect_err("PIN in use");
    assert_eq!(taken.code().code(), 12);
    let bad_role = rig
        .registry
        .save_operator(&admin(), save("3333", 9, vec![]))
        .await
        .expect_err("role");
    assert_eq!(bad_role.code().code(), 39);

    let as_cashier = Credential::from_header("Bearer 1111");
    let answer = rig
        .registry
        .trade_operation(&as_cashier, sale("100"), None)
        .await
        .expect("a bound cashier sells");
    assert_eq!(answer.document.operator_name, "op 1111");
    let z = ZxReportRequest {
        kkm_ofd_id: i64::from(KKM),
        report_type_code: 0,
        ..ZxReportRequest::default()
    };
    let denied = rig
        .registry
        .zx_report(&as_cashier, z.clone())
        .await
        .expect_err("a cashier closes no shift");
    assert_eq!(denied.code().code(), 71);
    let unbound = rig
        .registry
        .trade_operation(&Credential::from_header("2222"), sale("100"), None)
        .await
        .expect_err("not bound");
    assert_eq!(unbound.code().code(), 72);
    let wrong = rig
        .registry
        .trade_operation(&Credential::from_header("9999"), sale("100"), None)
        .await
        .expect_err("wrong PIN");
    assert_eq!(wrong.code().code(), 5);
    // The last administrator cannot be deleted.
    let last = rig
        .registry
        .delete_operator(&admin(), kkm_register::api::DeleteOperatorRequest { id: 1 })
        .await
        .expect_err("last admin");
    assert_eq!(last.code().code(), 16);
    // A deleted operator's PIN stops working at once.
    rig.registry
        .delete_operator(
            &admin(),
            kkm_register::api::DeleteOperatorRequest { id: cashier.id },
        )
        .await
        .expect("deleted");
    let gone = rig
        .registry
        .trade_operation(&as_cashier, sale("100"), None)
        .await
        .expect_err("deleted cashier");
    assert_eq!(gone.code().code(), 5);
    rig.finish().await;
}

#[tokio::test]
async fn kkms_work_in_parallel_and_each_one_serially() {
    let sim = OfdSim::start(
        SimConfig::with_kkms((1..=4).map(|i| (7000 + i, 100 + i))),
        "127.0.0.1:0".parse().expect("address"),
    )
    .await
    .expect("emulator");
    let dir = temp_dir("parallel");
    let clock = Arc::new(ManualClock::new(SystemClock::default().now()));
    let registry = Registry::open(config(&sim, &dir, clock))
        .await
        .expect("registry");
    for i in 1..=4u32 {
        registry
            .save_kkm(
                &admin(),
                SaveKkmRequest {
                    ofd_id: i64::from(7000 + i),
                    ofd_token: Some(i64::from(100 + i)),
                    ..SaveKkmRequest::default()
                },
            )
            .await
            .expect("SaveKKM");
    }
    let mut tasks = Vec::new();
    for i in 1..=4u32 {
        for _ in 0..3 {
            let registry = registry.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..5 {
                    let mut request = sale("100");
                    request.kkm_ofd_id = Some(i64::from(7000 + i));
                    registry
                        .trade_operation(&admin(), request, None)
                        .await
                        .expect("sale");
                }
            }));
        }
    }
    for task in tasks {
        task.await.expect("task");
    }
    for i in 1..=4u32 {
        let books = sim.books(7000 + i).expect("books");
        assert_eq!(books.accepted.len(), 15, "KKM {}", 7000 + i);
        assert_eq!(books.duplicates, 0);
        let kkm = &registry
            .kkm_list(
                &admin(),
                kkm_register::api::GetKkmListRequest {
                    ofd_id: Some(i64::from(7000 + i)),
                },
            )
            .await
            .expect("list")[0];
        // 15 receipts numbered 1..=15 without gaps or repeats: one at a time (the KKM
        // shows the number the next document gets, as CashCore does).
        assert_eq!(kkm.shift_document_number, Some(16));
        assert_eq!(kkm.cash_sum, Some(kkm_core::Money::from_tiyn(150_000)));
    }
    registry.shutdown().await;
    sim.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_catalogue_answers_scans_and_only_the_admin_changes_it() {
    let rig = Rig::start("catalogue").await;
    let csv = "Код,Код группы,Баркод,Наименование,Цена,Скидка,НДС\n\
               1,1,4870000000014,Нан,150.00,0.00,12\n\
               2,1,4600000000016,Сүт,420.50,5.00,12\n";
    assert_eq!(
        rig.registry
            .catalogue_import_csv(&admin(), i64::from(KKM), csv.as_bytes())
            .expect("import"),
        2
    );
    // All or nothing: one bad price and the catalogue stays as it was.
    let bad = rig
        .registry
        .catalogue_import_csv(&admin(), i64::from(KKM), b"3,1,123,X,abc,0,12\n")
        .expect_err("a bad price");
    assert_eq!(bad.code().code(), 2);
    assert!(bad.to_string().contains("line 1"), "{bad}");
    assert_eq!(
        rig.registry
            .catalogue_products(&admin(), i64::from(KKM))
            .expect("products")
            .len(),
        2
    );

    let cashier = rig
        .registry
        .save_operator(
            &admin(),
            kkm_register::api::SaveOperatorRequest {
                name: Some("Кассир".into()),
                access_pin: "1111".into(),
                role: 3,
                bindings: Some(vec![i64::from(KKM)]),
                ..Default::default()
            },
        )
        .await
        .expect("cashier");
    assert_eq!(cashier.role, kkm_core::Role::Cashier);
    let as_cashier = Credential::from_header("1111");
    // An EAN-13 as scanned, and a marking code's GTIN-14 of the same product.
    for scanned in ["4600000000016", "04600000000016"] {
        match rig
            .registry
            .catalogue_lookup(&as_cashier, i64::from(KKM), scanned)
            .expect("lookup")
        {
            Some(kkm_register::CatalogueMatch::Product(p)) => {
                assert_eq!(p.name, "Сүт");
                assert_eq!(p.price, kkm_core::Money::from_tiyn(42_050));
            }
            other => panic!("{scanned}: {other:?}"),
        }
    }
    assert_eq!(
        rig.registry
            .catalogue_lookup(&as_cashier, i64::from(KKM), "2000000000008")
            .expect("lookup"),
        None
    );
    assert_eq!(
        rig.registry
            .catalogue_lookup(&as_cashier, i64::from(KKM), "12ab")
            .expect_err("not digits")
            .code()
            .code(),
        2
    );
    // A bundle answers with its products.
    rig.registry
        .catalogue_save_bundle(
            &admin(),
            i64::from(KKM),
            &kkm_register::Bundle {
                code: 10,
                name: "Завтрак".into(),
                barcode: "2900000000019".into(),
                items: vec![(1, 2000), (2, 1000)],
            },
        )
        .expect("bundle");
    match rig
        .registry
        .catalogue_lookup(&as_cashier, i64::from(KKM), "2900000000019")
        .expect("lookup")
    {
        Some(kkm_register::CatalogueMatch::Bundle { bundle, items }) => {
            assert_eq!(bundle.name, "Завтрак");
            let names: Vec<_> = items.iter().map(|(p, q)| (p.name.as_str(), *q)).collect();
            assert_eq!(names, vec![("Нан", 2000), ("Сүт", 1000)]);
        }
        other => panic!("bundle: {other:?}"),
    }

    // The cashier reads but does not change it; a taken barcode is refused.
    let mut product = rig
        .registry
        .catalogue_products(&as_cashier, i64::from(KKM))
        .expect("products")[0]
        .clone();
    assert!(rig
        .registry
        .catalogue_save_product(&as_cashier, i64::from(KKM), &product)
        .is_err());
    assert!(rig
        .registry
        .catalogue_import_csv(&as_cashier, i64::from(KKM), csv.as_bytes())
        .is_err());
    product.barcode = "4600000000016".into();
    assert_eq!(
        rig.registry
            .catalogue_save_product(&admin(), i64::from(KKM), &product)
            .expect_err("barcode of product 2")
            .code()
            .code(),
        2
    );
    product.barcode = "4870000000021".into();
    product.price = kkm_core::Money::from_tiyn(16_000);
    rig.registry
        .catalogue_save_product(&admin(), i64::from(KKM), &product)
        .expect("edit");
    let exported = rig
        .registry
        .catalogue_export_csv(&admin(), i64::from(KKM))
        .expect("export");
    let exported = String::from_utf8(exported).expect("UTF-8");
    assert!(exported.contains("4870000000021"), "{exported}");
    assert!(exported.contains("160.00"), "{exported}");
    assert!(rig
        .registry
        .catalogue_delete_product(&admin(), i64::from(KKM), 2)
        .expect("delete"));
    rig.finish().await;
}
