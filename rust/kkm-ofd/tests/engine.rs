//! The online / autonomous state machine against the OFD emulator over TCP.
//!
//! The journal here is the in-memory implementation of the `OfdJournal` port in
//! `support/`, so these tests exercise the state machine alone; the SQLite
//! implementation is tested with the register.

mod support;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kkm_ofd::{
    Backoff, ClientConfig, Delivery, Endpoint, EngineError, OfdClient, QueuedDocument, SyncEngine,
    SyncMode,
};
use kkm_ofd_sim::{Fault, FaultPlan, OfdSim, SimConfig, TokenPolicy};
use kkm_proto::cpcr::{CommandTypeEnum, Request};
use support::MemJournal;

const KKM: u32 = 6923;
const TOKEN: u32 = 777;
const T0: i64 = 1_795_428_000;

struct Rig {
    sim: OfdSim,
    journal: Arc<MemJournal>,
    clock: Arc<AtomicI64>,
}

impl Rig {
    async fn new(policy: TokenPolicy) -> Rig {
        let config = SimConfig {
            policy,
            ..SimConfig::with_kkms([(KKM, TOKEN)])
        };
        Rig {
            sim: OfdSim::start(config, "127.0.0.1:0".parse().unwrap())
                .await
                .unwrap(),
            journal: Arc::new(MemJournal::new(KKM, TOKEN)),
            clock: Arc::new(AtomicI64::new(T0)),
        }
    }

    fn engine(&self, budget_ms: u64) -> Arc<SyncEngine<MemJournal>> {
        let mut config = ClientConfig::new(Endpoint::plain("127.0.0.1", self.sim.addr().port()));
        config.budget = Duration::from_millis(budget_ms);
        config.retry_pause = Duration::from_millis(20);
        let clock = self.clock.clone();
        let engine = SyncEngine::new(
            self.journal.clone(),
            OfdClient::new(config).unwrap(),
            Arc::new(move || clock.load(Ordering::SeqCst)),
        )
        .unwrap()
        .with_backoff(Backoff {
            initial: Duration::from_millis(20),
            max: Duration::from_millis(100),
        });
        Arc::new(engine)
    }

    fn tick(&self, secs: i64) -> i64 {
        self.clock.fetch_add(secs, Ordering::SeqCst) + secs
    }

    /// Fiscal signs the OFD gave, in arrival order.
    fn ofd_signs(&self) -> Vec<String> {
        let books = self.sim.books(KKM).unwrap();
        books
            .accepted
            .iter()
            .filter_map(|d| d.fiscal_sign.clone())
            .collect()
    }
}

#[tokio::test]
async fn online_documents_are_fiscalized_at_once() {
    let rig = Rig::new(TokenPolicy::default()).await;
    let engine = rig.engine(2000);
    let doc = rig.journal.append(rig.tick(1));
    match engine.deliver(&doc).await.unwrap() {
        Delivery::Fiscalized(answer) => {
            let sign = answer.ticket.unwrap().ticket_number;
            assert_eq!(
                rig.journal.state().done,
                vec![(doc.id, doc.offline_number, sign)]
            );
            // The OFD would replay this answer to a resend (same REQNUM, same token):
            // the journal may record it without an fsync of its own.
            assert_eq!(rig.journal.state().replayable, vec![(doc.id, true)]);
        }
        other => panic!("expected online fiscalization, got {other:?}"),
    }
    assert_eq!(engine.status().mode, SyncMode::Online);
    assert_eq!(engine.status().queue_len, 0);
    rig.sim.shutdown().await;
}

#[tokio::test]
async fn a_silent_ofd_makes_documents_autonomous_and_the_drain_sends_them_in_order() {
    let rig = Rig::new(TokenPolicy::default()).await;
    let engine = rig.engine(300);
    // The OFD processes the first sale but answers after the budget.
    rig.sim.set_fault(FaultPlan::times(
        Fault::Delay(Duration::from_millis(700)),
        1,
    ));
    let first = rig.journal.append(rig.tick(1));
    let d = engine.deliver(&first).await.unwrap();
    assert_eq!(
        d,
        Delivery::Autonomous {
            offline_number: first.offline_number
        }
    );
    assert!(matches!(engine.status().mode, SyncMode::Autonomous { since } if since == T0 + 1));
    // The period opened with its document made autonomous, in one journal call.
    assert_eq!(rig.journal.state().went_autonomous, vec![first.id]);

    // While autonomous, new documents queue at once: the cashier does not wait.
    let started = Instant::now();
    let mut later = Vec::new();
    for _ in 0..3 {
        let doc = rig.journal.append(rig.tick(60));
        assert!(matches!(
            engine.deliver(&doc).await.unwrap(),
            Delivery::Autonomous { .. }
        ));
        later.push(doc);
    }
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(engine.status().queue_len, 4);
    assert!(engine.admit().is_ok(), "autonomous selling is allowed");
    assert!(matches!(
        engine
            .request(Request {
                command: CommandTypeEnum::CommandInfo as i32,
                ..Default::default()
            })
            .await,
        Err(EngineError::Unreachable(_))
    ));

    // The late answer arrives at the OFD side; then the network is fine again.
    tokio::time::sleep(Duration::from_millis(600)).await;
    rig.tick(60);
    assert_eq!(engine.drain().await.unwrap(), 4);
    assert_eq!(engine.status().mode, SyncMode::Online);
    // Documents made while autonomous were never attempted online: none is marked.
    assert_eq!(rig.journal.state().went_autonomous, vec![first.id]);

    let done = rig.journal.state().done.clone();
    let ids: Vec<u64> = done.iter().map(|d| d.0).collect();
    assert_eq!(ids, vec![1, 2, 3, 4], "strict FIFO");
    let signs: Vec<String> = done.iter().map(|d| d.2.clone()).collect();
    assert_eq!(
        signs,
        rig.ofd_signs(),
        "the journal holds exactly the OFD's signs, in order"
    );
    let books = rig.sim.books(KKM).unwrap();
    assert_eq!(
        books.accepted.len(),
        4,
        "the late-processed sale was not fiscalized twice"
    );
    assert_eq!(books.duplicates, 0);
    let offline: Vec<Option<u32>> = books.accepted.iter().map(|a| a.offline_number).collect();
    assert_eq!(
        offline[0], None,
        "the first went out online (answered late)"
    );
    assert_eq!(
        offline[1..].to_vec(),
        later
            .iter()
            .map(|d| Some(d.offline_number))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        books.offline_periods.len(),
        1,
        "{:?}",
        books.offline_periods
    );
    assert_eq!(books.offline_periods[0].0, T0 + 1);
    rig.sim.shutdown().await;
}

#[tokio::test]
async fn tokens_rotated_mid_drain_are_persisted_before_the_next_message() {
    let rig = Rig::new(TokenPolicy {
        rotate_every: Some(1),
    })
    .await;
    let engine = rig.engine(300);
    rig.sim.set_fault(FaultPlan::always(Fault::Refuse));
    tokio::time::sleep(Duration::from_millis(30)).await;
    for _ in 0..5 {
        let doc = rig.journal.append(rig.tick(10));
        engine.deliver(&doc).await.unwrap();
    }
    assert_eq!(engine.status().queue_len, 5);
    // Only the first had an online attempt of its own; the drain's failures mark none.
    assert_eq!(engine.drain().await.unwrap(), 0);
    assert_eq!(rig.journal.state().went_autonomous, vec![1]);
    rig.sim.clear_fault();
    assert_eq!(engine.drain().await.unwrap(), 5);
    let books = rig.sim.books(KKM).unwrap();
    assert_eq!(books.rotations, 5);
    // Every answer carried a new token: a resend would carry the new one and be
    // refused, so none may skip its fsync.
    let replayable = rig.journal.state().replayable.clone();
    assert_eq!(replayable.len(), 5);
    assert!(replayable.iter().all(|(_, r)| !r), "{replayable:?}");
    assert_eq!(rig.journal.state().token, books.token);
    assert_ne!(books.token, TOKEN);
    rig.sim.shutdown().await;
}

#[tokio::test]
async fn a_refusal_blocks_until_an_admin_resolves_it() {
    let rig = Rig::new(TokenPolicy::default()).await;
    let engine = rig.engine(300);
    rig.sim.set_fault(FaultPlan::always(Fault::Refuse));
    tokio::time::sleep(Duration::from_millis(30)).await;
    let docs: Vec<QueuedDocument> = (0..3).map(|_| rig.journal.append(rig.tick(10))).collect();
    for d in &docs {
        engine.deliver(d).await.unwrap();
    }
    // The OFD answers the first queued message with INCORRECT_REQUEST_DATA.
    rig.sim
        .set_fault(FaultPlan::times(Fault::ResultCode(13), 1));
    assert_eq!(engine.drain().await.unwrap(), 0);
    match engine.status().mode {
        SyncMode::Blocked(b) => assert_eq!((b.document, b.code), (Some(docs[0].id), 13)),
        other => panic!("expected BLOCKED, got {other:?}"),
    }
    assert!(matches!(engine.admit(), Err(EngineError::Blocked(_))));
    let extra = rig.journal.append(rig.tick(1));
    rig.journal.state().queue.retain(|d| d.id != extra.id);
    assert!(matches!(
        engine.deliver(&docs[1]).await.unwrap(),
        Delivery::Blocked(_)
    ));

    // The admin drops the offending document; the rest goes through.
    assert_eq!(engine.resolve_blocked(true).await.unwrap(), 2);
    assert_eq!(rig.journal.state().dropped, vec![docs[0].id]);
    assert_eq!(engine.status().mode, SyncMode::Online);
    assert_eq!(rig.sim.books(KKM).unwrap().accepted.len(), 2);
    rig.sim.shutdown().await;
}

#[tokio::test]
async fn more_than_72_hours_autonomous_refuses_new_documents_until_drained() {
    let rig = Rig::new(TokenPolicy::default()).await;
    let engine = rig.engine(300);
    rig.sim.set_fault(FaultPlan::always(Fault::Refuse));
    tokio::time::sleep(Duration::from_millis(30)).await;
    let doc = rig.journal.append(rig.tick(1));
    engine.deliver(&doc).await.unwrap();
    rig.tick(72 * 3600 - 10);
    assert!(engine.admit().is_ok(), "72 hours are allowed");
    rig.tick(20);
    match engine.admit() {
        Err(EngineError::AutonomousTooLong { queued }) => assert_eq!(queued, 1),
        other => panic!("expected the 72-hour refusal, got {other:?}"),
    }
    rig.sim.clear_fault();
    assert_eq!(engine.drain().await.unwrap(), 1);
    assert!(engine.admit().is_ok());
    rig.sim.shutdown().await;
}

#[tokio::test]
async fn after_a_restart_the_background_task_resumes_the_drain() {
    let rig = Rig::new(TokenPolicy::default()).await;
    {
        let engine = rig.engine(300);
        // Processed by the OFD, every answer lost (retries within the budget too):
        // the head keeps its REQNUM.
        rig.sim
            .set_fault(FaultPlan::always(Fault::DropAfterProcess));
        for _ in 0..3 {
            let doc = rig.journal.append(rig.tick(5));
            let delivery = engine.deliver(&doc).await.unwrap();
            assert!(
                matches!(delivery, Delivery::Autonomous { .. }),
                "{delivery:?}"
            );
            rig.sim.set_fault(FaultPlan::always(Fault::Refuse));
        }
        assert_eq!(
            rig.sim.books(KKM).unwrap().accepted.len(),
            1,
            "the OFD has the first"
        );
        assert_eq!(engine.status().queue_len, 3);
        assert!(
            rig.journal.state().queue[0].reqnum.is_some(),
            "the head's REQNUM is kept"
        );
        // The process "dies" here: the engine is dropped, the journal remains.
    }
    rig.sim.clear_fault();
    let engine = rig.engine(300);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(engine.clone().run(async {
        let _ = stop_rx.await;
    }));
    let mut status = engine.subscribe();
    let drained = tokio::time::timeout(
        Duration::from_secs(5),
        status.wait_for(|s| s.queue_len == 0 && s.mode == SyncMode::Online),
    )
    .await;
    assert!(
        drained.is_ok(),
        "drained after restart: {:?}",
        engine.status()
    );
    let _ = stop_tx.send(());
    task.await.unwrap();
    let books = rig.sim.books(KKM).unwrap();
    assert_eq!(books.accepted.len(), 3);
    assert_eq!(
        books.duplicates, 0,
        "the first document was not fiscalized twice"
    );
    assert_eq!(
        rig.journal
            .state()
            .done
            .iter()
            .map(|d| d.2.clone())
            .collect::<Vec<_>>(),
        rig.ofd_signs()
    );
    rig.sim.shutdown().await;
}

#[tokio::test]
async fn a_document_the_drain_sent_first_is_reported_as_such() {
    let rig = Rig::new(TokenPolicy::default()).await;
    let engine = rig.engine(2000);
    let doc = rig.journal.append(rig.tick(1));
    // The background drain wins the race between journaling and delivery.
    assert_eq!(engine.drain().await.unwrap(), 1);
    assert_eq!(engine.deliver(&doc).await.unwrap(), Delivery::SentByDrain);
    assert_eq!(
        rig.journal.state().done.len(),
        1,
        "its answer is in the journal"
    );
    assert_eq!(rig.sim.books(KKM).unwrap().accepted.len(), 1, "sent once");
    rig.sim.shutdown().await;
}
