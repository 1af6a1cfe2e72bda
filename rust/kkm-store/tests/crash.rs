//! Kill -9 at random moments: the journal must verify after every restart, keep every
//! acknowledged document, never hold one twice, and its counters must equal the sum of
//! its documents (they are written in the same transaction). The writer also answers
//! documents (the queue drains), rotates the token, marks documents autonomous and
//! starts/ends autonomous periods — each a chained fact: every acknowledged one is kept.
//!
//! A second run walks the other paths (`registration-print`): KKMs registered and tokens
//! changed through `save_kkm`, print jobs queued with their document, released, started
//! and printed (and recovered at each restart), the move to autonomous mode with its
//! document in one transaction, and answers committed without an fsync of their own.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kkm_store::{PrintCopy, PrintJobState, StaticKey, Store, StoreError, HELD};

const KKM: u32 = 6923;
const KILLS: usize = 60;

/// A small deterministic generator for the kill delays (no clock-based randomness, so a
/// failure can be replayed).
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Every `FROM_START`-th round the kill delay counts from the writer's start, so that
/// kills land in its opening (migrations, verification, recovery of print jobs) too; the
/// other rounds count it from the writer's first acknowledged commit, so that each of
/// them writes, however slow the machine.
const FROM_START: usize = 4;

/// Runs the writer (in `mode`, if given) on `db`, kills it with SIGKILL after `delay`
/// (counted from its start, or from its first acknowledged line with
/// `after_first_line`), and returns the lines it acknowledged.
fn write_until_killed(
    db: &Path,
    mode: Option<&str>,
    delay: Duration,
    after_first_line: bool,
) -> Vec<String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kkm-store-crash-writer"))
        .arg(db)
        .args(mode)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    // Read acknowledgements on a thread while the writer writes.
    let (first, first_seen) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.is_empty() {
                let _ = first.send(());
            }
            lines.push(line);
        }
        lines
    });
    if after_first_line {
        // The writer must come up after the last kill and commit: a journal the
        // previous kill left unopenable would stop it here.
        let came_up = first_seen.recv_timeout(Duration::from_secs(120));
        assert!(
            came_up.is_ok(),
            "the writer acknowledged nothing after a restart"
        );
    }
    let started = Instant::now();
    while started.elapsed() < delay {
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    reader.join().unwrap()
}

/// The checks both walks share: documents `1..=count` each once and in order, every
/// acknowledged one kept, counters equal to the sum of the documents, the offline count
/// equal to the documents marked autonomous. Returns the records.
fn check_documents(
    store: &Store,
    round: usize,
    acked: &[(i64, i64)],
    report_records: u64,
) -> Vec<kkm_store::Record> {
    let records = store.records(KKM, 0, u32::MAX).unwrap();
    assert_eq!(report_records as usize, records.len());
    // No document twice: keys and totals are 1..=count, each once, in order.
    for (i, r) in records.iter().enumerate() {
        assert_eq!(
            r.total,
            i as i64 + 1,
            "round {round}: document {} out of place",
            r.id
        );
        assert_eq!(
            r.idempotency_key.as_deref(),
            Some(format!("doc-{}", i + 1).as_str())
        );
    }
    // Every acknowledged document is there, with its id.
    for (id, n) in acked {
        let r = store
            .record(*id)
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged {id} lost"));
        assert_eq!(r.total, *n);
    }
    // Counters equal the sum of the journal's documents.
    let counters: serde_json::Value =
        serde_json::from_slice(&store.counters(KKM).unwrap()).unwrap();
    let count = records.len() as i64;
    assert_eq!(counters["count"].as_i64(), Some(count), "round {round}");
    assert_eq!(
        counters["sum"].as_i64(),
        Some(count * (count + 1) / 2),
        "round {round}"
    );
    let marked = records.iter().filter(|r| r.offline).count() as i64;
    assert_eq!(
        counters["offline"].as_i64().unwrap_or(0),
        marked,
        "round {round}: offline counters"
    );
    records
}

#[test]
fn sigkill_at_random_moments_loses_and_duplicates_nothing() {
    let dir = std::env::temp_dir().join(format!("kkm-store-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("journal.db");
    let mut acked: Vec<(i64, i64)> = Vec::new();
    let (mut answered, mut offline) = (Vec::new(), Vec::new());
    let mut token = 1i64;
    let mut autonomy: Option<i64> = None;
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    for round in 0..KILLS {
        let delay = Duration::from_millis(2 + next(&mut rng) % 78);
        for line in write_until_killed(&db, None, delay, round % FROM_START != 0) {
            let mut parts = line.split_whitespace();
            let what = parts.next().unwrap();
            let a: i64 = parts.next().unwrap().parse().unwrap();
            match what {
                "ack" => acked.push((a, parts.next().unwrap().parse().unwrap())),
                "ans" => answered.push(a),
                "tok" => token = a,
                "off" => offline.push(a),
                // A start (an end may be a no-op: a crash can skip the start before it).
                "aut" if a % 26 == 0 => autonomy = Some(a),
                "aut" => {}
                other => panic!("unknown line {other}"),
            }
        }

        let store = Store::open(&db, &StaticKey([7; 32])).unwrap();
        let report = match store.verify(KKM) {
            Ok(report) => report,
            // Killed before it registered the KKM: then nothing was acknowledged.
            Err(StoreError::UnknownKkm(_)) if acked.is_empty() => continue,
            Err(e) => panic!("round {round}: {e}"),
        };
        let records = check_documents(&store, round, &acked, report.records);
        // Every acknowledged fact is kept; the queue holds exactly the unanswered.
        for id in &answered {
            let r = store.record(*id).unwrap().unwrap();
            assert_eq!(
                r.fiscal_sign,
                Some(format!("SIGN-{}", r.total)),
                "round {round}"
            );
        }
        for id in &offline {
            assert!(store.record(*id).unwrap().unwrap().offline, "round {round}");
        }
        let answered_now = records.iter().filter(|r| r.fiscal_sign.is_some()).count();
        assert_eq!(
            store.queue_len(KKM).unwrap(),
            (records.len() - answered_now) as u64,
            "round {round}"
        );
        let state = store.sync_state(KKM).unwrap();
        // The token is the last acknowledged one, or one rotated after it unacknowledged.
        assert!(i64::from(state.token) >= token, "round {round}");
        // The last acknowledged start of an autonomous period is kept (or a later
        // change is there).
        if let Some(n) = autonomy {
            let last = state.autonomous_since.max(state.autonomous_until);
            assert!(last >= Some(n), "round {round}: {last:?} < {n}");
        }
    }
    // Each round counted from the first commit acknowledged at least one document.
    assert!(
        acked.len() >= KILLS - KILLS / FROM_START,
        "the writer made progress ({} acknowledged)",
        acked.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// What the second walk acknowledged so far.
#[derive(Default)]
struct Acked {
    docs: Vec<(i64, i64)>,
    released: Vec<i64>,
    started: Vec<i64>,
    printed: Vec<i64>,
    answered: Vec<i64>,
    /// (KKM, n): registered with token n and registration `{"n":n}`.
    registered: Vec<(u32, i64)>,
    /// The main KKM's last acknowledged token (saved with registration `{"reg":n}`).
    token: i64,
    /// (document id, n): went autonomous since n with the document marked.
    autonomous: Vec<(i64, i64)>,
}

#[test]
fn sigkill_through_registration_print_jobs_and_autonomy_loses_and_duplicates_nothing() {
    let dir = std::env::temp_dir().join(format!("kkm-store-crash2-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("journal.db");
    let mut acked = Acked {
        token: 1,
        ..Acked::default()
    };
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut interrupted_total = 0;
    for round in 0..KILLS {
        let delay = Duration::from_millis(2 + next(&mut rng) % 78);
        for line in write_until_killed(
            &db,
            Some("registration-print"),
            delay,
            round % FROM_START != 0,
        ) {
            let mut parts = line.split_whitespace();
            let what = parts.next().unwrap();
            let a: i64 = parts.next().unwrap().parse().unwrap();
            let mut b = || -> i64 { parts.next().unwrap().parse().unwrap() };
            match what {
                "ack" => acked.docs.push((a, b())),
                "rel" => acked.released.push(a),
                "sta" => acked.started.push(a),
                "prn" => acked.printed.push(a),
                "ans" => acked.answered.push(a),
                "reg" => acked.registered.push((a as u32, b())),
                "rtk" => acked.token = a,
                "gau" => acked.autonomous.push((a, b())),
                "end" => {}
                other => panic!("unknown line {other}"),
            }
        }

        let store = Store::open(&db, &StaticKey([7; 32])).unwrap();
        // Every KKM's chain verifies (open verified them all; none went to 68).
        let kkms = store.kkm_ids().unwrap();
        for &kkm in &kkms {
            let state = store.sync_state(kkm).unwrap();
            assert_eq!(state.local_state, 0, "round {round}: KKM {kkm}: {state:?}");
        }
        let report = match store.verify(KKM) {
            Ok(report) => report,
            // Killed before it registered the KKM: then nothing was acknowledged.
            Err(StoreError::UnknownKkm(_)) if acked.docs.is_empty() => continue,
            Err(e) => panic!("round {round}: {e}"),
        };
        let records = check_documents(&store, round, &acked.docs, report.records);

        // Registration through save_kkm: a KKM and its settings together, never one
        // without the other; a token and the registration saved with it together.
        for &kkm in &kkms {
            let registration = store.registration(kkm).unwrap();
            assert!(
                registration.is_some(),
                "round {round}: KKM {kkm} without its registration"
            );
        }
        for &(kkm, n) in &acked.registered {
            assert!(kkms.contains(&kkm), "round {round}: registered {kkm} lost");
            assert_eq!(
                store.registration(kkm).unwrap().as_deref(),
                Some(format!(r#"{{"n":{n}}}"#).as_str())
            );
            assert_eq!(i64::from(store.sync_state(kkm).unwrap().token), n);
        }
        let token = i64::from(store.sync_state(KKM).unwrap().token);
        assert!(
            token >= acked.token,
            "round {round}: token {token} < {}",
            acked.token
        );
        let registration: serde_json::Value =
            serde_json::from_str(&store.registration(KKM).unwrap().unwrap()).unwrap();
        assert_eq!(
            registration["reg"].as_i64(),
            Some(token),
            "round {round}: the token and the registration saved with it"
        );

        // Answers committed without an fsync of their own survive a killed process.
        for id in &acked.answered {
            let r = store.record(*id).unwrap().unwrap();
            assert_eq!(
                r.fiscal_sign,
                Some(format!("SIGN-{}", r.total)),
                "round {round}"
            );
        }

        // The move to autonomous mode: the period and its document together.
        for (id, _) in &acked.autonomous {
            assert!(store.record(*id).unwrap().unwrap().offline, "round {round}");
        }
        let state = store.sync_state(KKM).unwrap();
        if let Some(since) = state.autonomous_since {
            let opener = &records[since as usize - 1];
            assert!(
                opener.offline,
                "round {round}: autonomous since {since} without its document marked"
            );
        }
        // The last document, if it is one that goes autonomous, is marked if and only if
        // a period is open. The period need not start at it: a kill between a period's
        // last document and the end of that period leaves the period open, and
        // go_autonomous keeps an open period (it only starts one when none is).
        // (No document at all when the kill came after the registration, before the
        // first sale.)
        if let Some(last) = records.last().filter(|last| last.total % 11 == 0) {
            if last.offline {
                assert!(
                    state.autonomous_since.is_some_and(|s| s <= last.total),
                    "round {round}: document {} marked autonomous without its period: {state:?}",
                    last.total
                );
            }
            if state.autonomous_since == Some(last.total) {
                assert!(
                    last.offline,
                    "round {round}: a period opened by document {} without it marked",
                    last.total
                );
            }
        }

        // Print jobs: before the restart's recovery, the acknowledged states hold.
        let jobs = store.print_jobs(None, None, u32::MAX).unwrap();
        for id in &acked.released {
            assert!(
                jobs.iter()
                    .filter(|j| j.doc_id == *id)
                    .all(|j| j.next_try_at != HELD),
                "round {round}: released job of {id} held again"
            );
        }
        for id in &acked.printed {
            let job = jobs.iter().find(|j| j.id == *id).unwrap();
            assert_eq!(job.state, PrintJobState::Printed, "round {round}");
        }
        for id in &acked.started {
            let job = jobs.iter().find(|j| j.id == *id).unwrap();
            assert_ne!(
                job.state,
                PrintJobState::Waiting,
                "round {round}: started job {id}"
            );
        }
        // What the register does at start: a job left printing is interrupted and one
        // duplicate is queued for it.
        interrupted_total += store.recover_print_jobs(0).unwrap().len();
        let jobs = store.print_jobs(None, None, u32::MAX).unwrap();
        for r in &records {
            let of_doc: Vec<_> = jobs.iter().filter(|j| j.doc_id == r.id).collect();
            let originals = of_doc
                .iter()
                .filter(|j| j.copy == PrintCopy::Original)
                .count();
            assert_eq!(
                originals, 1,
                "round {round}: document {} has {originals} originals",
                r.id
            );
            let interrupted = of_doc
                .iter()
                .filter(|j| j.state == PrintJobState::Interrupted)
                .count();
            let duplicates = of_doc
                .iter()
                .filter(|j| j.copy == PrintCopy::Duplicate)
                .count();
            assert_eq!(
                duplicates, interrupted,
                "round {round}: document {}: one duplicate per interrupted job, none else",
                r.id
            );
            assert!(
                of_doc.iter().all(|j| j.state != PrintJobState::Printing),
                "round {round}: a job still printing after recovery"
            );
        }
    }
    // Each round counted from the first commit acknowledged at least one document.
    assert!(
        acked.docs.len() >= KILLS - KILLS / FROM_START,
        "the writer made progress ({} acknowledged)",
        acked.docs.len()
    );
    assert!(
        !acked.registered.is_empty() && !acked.printed.is_empty() && !acked.autonomous.is_empty(),
        "every path was walked"
    );
    eprintln!(
        "{} documents, {} KKMs registered, {} jobs printed, {} interrupted, {} autonomous moves",
        acked.docs.len(),
        acked.registered.len(),
        acked.printed.len(),
        interrupted_total,
        acked.autonomous.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
