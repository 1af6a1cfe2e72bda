//! Test helper for the crash test (`tests/crash.rs`): appends documents to the journal
//! at `argv[1]` forever, printing `ack <id> <n>` after each commit, until it is killed.
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

use kkm_store::{DocumentKind, NewDocument, StaticKey, Store};

const KKM: u32 = 6923;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: kkm-store-crash-writer DB")?;
    let store = Store::open(&path, &StaticKey([7; 32]))?;
    store.add_kkm(KKM, 1, br#"{"count":0,"sum":0}"#)?;
    let counters: serde_json::Value = serde_json::from_slice(&store.counters(KKM)?)?;
    let mut count = counters["count"].as_i64().ok_or("bad counters")?;
    let mut sum = counters["sum"].as_i64().ok_or("bad counters")?;
    let mut offline = counters["offline"].as_i64().unwrap_or(0);
    let stdout = std::io::stdout();
    loop {
        let n = count + 1;
        let key = format!("doc-{n}");
        let payload = format!(r#"{{"n":{n},"pad":"{}"}}"#, "x".repeat(300));
        let blob = format!(r#"{{"count":{n},"sum":{},"offline":{offline}}}"#, sum + n);
        let appended = store.append(
            &NewDocument {
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
                idempotency_key: Some(&key),
                idempotency_fingerprint: None,
                shift_document: 0,
                offline: false,
                parent: None,
            },
            blob.as_bytes(),
        )?;
        count = n;
        sum += n;
        let id = appended.record().id;
        let say = |line: String| -> std::io::Result<()> {
            let mut out = stdout.lock();
            writeln!(out, "{line}")?;
            out.flush()
        };
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
