//! The golden journal of `kkm-store` (`rust/kkm-store/tests/golden/v1`, written through
//! this crate's API by the release before stored formats were tagged) opens in the
//! register of this build: every KKM with its settings (untagged JSON, version 1),
//! counters (untagged, version 1) and shift; new documents are written in the tagged
//! formats and the journal verifies after them.
//!
//! The register runs on a clock set from the fixture (its last document plus a minute),
//! never the wall clock: the journal was written on one day and must open the same way
//! in any year (`scripts/test` runs this suite again with the clock 400 days ahead).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use kkm_core::{ManualClock, Timestamp};
use kkm_register::api::{GetKkmListRequest, MoneyPlacementRequest};
use kkm_register::{Credential, Endpoint, OfdConfig, Registry, RegistryConfig};
use kkm_store::{KeyFile, Store};
use serde_json::json;

fn copy() -> PathBuf {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kkm-store/tests/golden/v1");
    let d = std::env::temp_dir().join(format!("kkm-register-golden-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    for f in ["kkm.db", "data.key"] {
        std::fs::copy(golden.join(f), d.join(f)).unwrap();
    }
    d
}

/// The time of the fixture's newest document (device-calendar seconds).
fn fixture_time(dir: &Path) -> Timestamp {
    let store = Store::open(dir.join("kkm.db"), &KeyFile::new(dir.join("data.key"))).unwrap();
    let newest = [6923, 6924, 6925]
        .into_iter()
        .filter_map(|kkm| store.records(kkm, 0, u32::MAX).unwrap().pop())
        .map(|r| r.at)
        .max()
        .expect("the golden journal has documents");
    Timestamp::from_secs(newest)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_golden_installation_works_in_this_build() {
    let dir = copy();
    let clock = Arc::new(ManualClock::new(fixture_time(&dir)));
    clock.advance(60);
    let mut config = RegistryConfig::new(&dir);
    config.clock = clock.clone();
    // No OFD answers: documents go autonomous and wait in the queue.
    config.ofds = vec![OfdConfig {
        uid: "76A41602F148468EA85FA0ECBA8B4BBB".into(),
        name: "Казахтелеком".into(),
        endpoint: Endpoint::plain("127.0.0.1", 9),
        check_url: "http://consumer.oofd.kz".into(),
    }];
    config.ofd_budget = Duration::from_millis(300);
    let registry = Registry::open(config).await.unwrap();
    let admin = Credential::pin("0000");
    let list = registry
        .kkm_list(&admin, GetKkmListRequest::default())
        .await
        .unwrap();
    let mut names: Vec<_> = list
        .iter()
        .map(|k| (k.ofd_id, k.local_name.clone().unwrap_or_default()))
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            (6923, "Касса 6923".to_owned()),
            (6924, "Касса 6924".to_owned()),
            (6925, "Касса 6925".to_owned())
        ]
    );
    // KKM 6923 closed shift 1 and sold in shift 2; the others are in shift 1.
    for k in &list {
        let expected = if k.ofd_id == 6923 { 2 } else { 1 };
        assert_eq!(k.fr_shift_number, Some(expected), "{}", k.ofd_id);
    }
    let placed: MoneyPlacementRequest =
        serde_json::from_value(json!({"kkm_ofd_id": 6924, "operation": 0, "sum": 700})).unwrap();
    registry
        .money_placement(&admin, placed.clone(), None)
        .await
        .unwrap();
    // Two days on, 6924's shift is older than 24 hours: a placement is still taken, as
    // CashCore's MoneyPlacement takes it (no 31), and counts in that shift.
    clock.advance(2 * 24 * 3600);
    let record = registry
        .money_placement(&admin, placed, None)
        .await
        .unwrap();
    let kkm = registry
        .kkm_list(&admin, GetKkmListRequest::default())
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.ofd_id == 6924)
        .unwrap();
    assert_eq!(kkm.fr_shift_number, Some(1), "{record:?}");
    registry.shutdown().await;
    drop(registry);

    let store = Store::open(dir.join("kkm.db"), &KeyFile::new(dir.join("data.key"))).unwrap();
    for kkm in [6923, 6924, 6925] {
        store.verify(kkm).unwrap();
    }
    let counters = String::from_utf8(store.counters(6924).unwrap()).unwrap();
    assert!(counters.starts_with(r#"{"format":2,"#), "{counters}");
    let last = store.records(6924, 0, u32::MAX).unwrap().pop().unwrap();
    assert!(last.payload.starts_with(br#"{"format":2,"#));
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
