//! Test helper for the crash test (`tests/crash.rs`): appends documents to the journal
//! at `argv[1]` forever, printing `ack <id> <n>` after each commit, until it is killed.
//! With `argv[2] = registration-print`, it walks the other paths described at
//! [`registration_print`] instead.
//!
//! Document `n` carries idempotency key `doc-n` and total `n`; the counters blob is
//! `{"count": n, "sum": Σ1..n, "offline": k}`, written in the same transaction. After a
//! restart it resumes from the counters, so a document is never written twice.
//!
//! Between documents it walks the other chained paths, each acknowledged on its own
//! line once committed: every 3rd document is answered by "the OFD" (`ans <id>`, the
//! queue drains), every 7th rotates the token to `n` (`tok <n>`), every 11th goes
//! autonomous after the fact with its counters (`off <id>`), every 13th starts or ends
//! an autonomous period (`aut <n>`).

use std::io::Write;

use kkm_store::{
    DocumentKind, Durability, KkmSave, NewDocument, NewPrintJob, PrintCopy, PrintNext, StaticKey,
    Store, StoreError,
};

const KKM: u32 = 6923;
/// The printer of [`registration_print`]'s jobs.
const PRINTER: &str = "file:///crash-test";

type Error = Box<dyn std::error::Error>;

fn say(line: String) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "{line}")?;
    out.flush()
}

/// Document `n`: key `doc-n`, total `n`, a Z-report every 97th.
fn document<'a>(n: i64, key: &'a str, payload: &'a str) -> NewDocument<'a> {
    NewDocument {
        kkm_id: KKM,
        kind: if n % 97 == 0 {
            DocumentKind::ZReport
        } else {
            DocumentKind::Sell
        },
        operator_id: 1,
        at: 1_795_428_000 + n,
        total: n,
        shift_number: (n / 97) as u32 + 1,
        offline_number: None,
        payload: payload.as_bytes(),
        request: Some(b"cpcr"),
        idempotency_key: Some(key),
        idempotency_fingerprint: None,
        shift_document: 0,
        offline: false,
        parent: None,
    }
}

/// The counters blob with one more document in the offline counts (the payload is not
/// needed: every document counts one).
fn plus_offline(_payload: &[u8], counters: &[u8]) -> Result<Vec<u8>, StoreError> {
    let mut v: serde_json::Value =
        serde_json::from_slice(counters).map_err(|e| StoreError::Malformed(e.to_string()))?;
    let offline = v["offline"].as_i64().unwrap_or(0) + 1;
    v["offline"] = offline.into();
    Ok(v.to_string().into_bytes())
}

/// The second walk: KKM registration and token changes through `save_kkm`, print jobs,
/// the move to autonomous mode in one transaction, and answers recorded without an
/// fsync of their own. Each line is printed once its commit returned:
///
/// * every document is appended with one print job (`append_printing`), held, then
///   released (`rel <id>`; a deferred commit);
/// * every 2nd document, the printer's head job is started (`sta <job>`) and printed
///   (`prn <job>`);
/// * every 3rd is answered by "the OFD" with a deferred commit (`ans <id>`);
/// * every 5th registers KKM `8000 + n` with token `n` and registration `{"n":n}`
///   (`reg <kkm> <n>`);
/// * every 7th saves token `n` with registration `{"reg":n}` for the main KKM
///   (`rtk <n>`);
/// * every 11th goes autonomous since `n` with the document marked autonomous and
///   counted offline (`gau <id> <n>`), and the period ends 5 documents later
///   (`end <n>`).
fn registration_print(store: &Store) -> Result<(), Error> {
    store.recover_print_jobs(0)?;
    if !store.kkm_ids()?.contains(&KKM) {
        store.save_kkm(&KkmSave {
            kkm_id: KKM,
            add: Some((1, br#"{"count":0,"sum":0}"#)),
            token: None,
            reqnum: 0,
            registration: r#"{"reg":1}"#,
        })?;
    }
    let counters: serde_json::Value = serde_json::from_slice(&store.counters(KKM)?)?;
    let mut count = counters["count"].as_i64().ok_or("bad counters")?;
    let mut sum = counters["sum"].as_i64().ok_or("bad counters")?;
    loop {
        let offline = serde_json::from_slice::<serde_json::Value>(&store.counters(KKM)?)?
            ["offline"]
            .as_i64()
            .unwrap_or(0);
        let n = count + 1;
        let key = format!("doc-{n}");
        let payload = format!(r#"{{"n":{n},"pad":"{}"}}"#, "x".repeat(300));
        let blob = format!(r#"{{"count":{n},"sum":{},"offline":{offline}}}"#, sum + n);
        let job = NewPrintJob {
            printer: PRINTER,
            copy: PrintCopy::Original,
            options: "{}",
        };
        let appended =
            store.append_printing(&document(n, &key, &payload), blob.as_bytes(), &[job], n)?;
        count = n;
        sum += n;
        let id = appended.record().id;
        say(format!("ack {id} {n}"))?;
        store.release_print_jobs(id)?;
        say(format!("rel {id}"))?;
        if n % 2 == 0 {
            if let PrintNext::Ready(job) = store.next_print_job(PRINTER, n)? {
                store.print_started(job.id, n)?;
                say(format!("sta {}", job.id))?;
                store.print_done(job.id, n)?;
                say(format!("prn {}", job.id))?;
            }
        }
        if n % 3 == 0 {
            let sign = format!("SIGN-{n}");
            store.complete_with(id, Some(&sign), None, b"answer", Durability::Deferred)?;
            say(format!("ans {id}"))?;
        }
        if n % 5 == 0 {
            let kkm = 8000 + n as u32;
            let registration = format!(r#"{{"n":{n}}}"#);
            store.save_kkm(&KkmSave {
                kkm_id: kkm,
                add: Some((n as u32, b"{}")),
                token: None,
                reqnum: 0,
                registration: &registration,
            })?;
            say(format!("reg {kkm} {n}"))?;
        }
        if n % 7 == 0 {
            let registration = format!(r#"{{"reg":{n}}}"#);
            store.save_kkm(&KkmSave {
                kkm_id: KKM,
                add: None,
                token: Some(n as u32),
                reqnum: 0,
                registration: &registration,
            })?;
            say(format!("rtk {n}"))?;
        }
        if n % 11 == 0 {
            store.go_autonomous(KKM, n, Some((id, &plus_offline)))?;
            say(format!("gau {id} {n}"))?;
        }
        if n % 11 == 5 {
            store.set_autonomous_since(KKM, None, n)?;
            say(format!("end {n}"))?;
        }
    }
}

fn main() -> Result<(), Error> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: kkm-store-crash-writer DB [registration-print]")?;
    let store = Store::open(&path, &StaticKey([7; 32]))?;
    if std::env::args().nth(2).as_deref() == Some("registration-print") {
        return registration_print(&store);
    }
    store.add_kkm(KKM, 1, br#"{"count":0,"sum":0}"#)?;
    let counters: serde_json::Value = serde_json::from_slice(&store.counters(KKM)?)?;
    let mut count = counters["count"].as_i64().ok_or("bad counters")?;
    let mut sum = counters["sum"].as_i64().ok_or("bad counters")?;
    let mut offline = counters["offline"].as_i64().unwrap_or(0);
    loop {
        let n = count + 1;
        let key = format!("doc-{n}");
        let payload = format!(r#"{{"n":{n},"pad":"{}"}}"#, "x".repeat(300));
        let blob = format!(r#"{{"count":{n},"sum":{},"offline":{offline}}}"#, sum + n);
        let appended = store.append(&document(n, &key, &payload), blob.as_bytes())?;
        count = n;
        sum += n;
        let id = appended.record().id;
        say(format!("ack {id} {n}"))?;
        if n % 3 == 0 {
            store.complete(id, Some(&format!("SIGN-{n}")), None, b"answer")?;
            say(format!("ans {id}"))?;
        }
        if n % 7 == 0 {
            store.save_token(KKM, n as u32)?;
            say(format!("tok {n}"))?;
        }
        if n % 11 == 0 {
            offline += 1;
            let blob = format!(r#"{{"count":{n},"sum":{sum},"offline":{offline}}}"#);
            store.mark_offline(id, blob.as_bytes())?;
            say(format!("off {id}"))?;
        }
        if n % 13 == 0 {
            let since = (n % 26 == 0).then_some(n);
            store.set_autonomous_since(KKM, since, n)?;
            say(format!("aut {n}"))?;
        }
    }
}
