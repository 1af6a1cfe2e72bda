//! Kill -9 at random moments: the journal must verify after every restart, keep every
//! acknowledged document, never hold one twice, and its counters must equal the sum of
//! its documents (they are written in the same transaction). The writer also answers
//! documents (the queue drains), rotates the token, marks documents autonomous and
//! starts/ends autonomous periods — each a chained fact: every acknowledged one is kept.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kkm_store::{StaticKey, Store, StoreError};

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
        let mut child = Command::new(env!("CARGO_BIN_EXE_kkm-store-crash-writer"))
            .arg(&db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        // Read acknowledgements on a thread; kill after a random 2..80 ms of writing.
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                lines.push(line);
            }
            lines
        });
        let delay = Duration::from_millis(2 + next(&mut rng) % 78);
        let started = Instant::now();
        while started.elapsed() < delay {
            std::thread::sleep(Duration::from_millis(1));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        for line in reader.join().unwrap() {
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
        let records = store.records(KKM, 0, u32::MAX).unwrap();
        assert_eq!(report.records as usize, records.len());
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
        for (id, n) in &acked {
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
        let marked = records.iter().filter(|r| r.offline).count() as i64;
        assert_eq!(
            counters["offline"].as_i64().unwrap_or(0),
            marked,
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
    assert!(
        acked.len() > KILLS,
        "the writer made progress ({} acknowledged)",
        acked.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
