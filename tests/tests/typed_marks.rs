//! Issue 20, item 4–5 over real sockets: marks typed in by keyboard-mode scanners reach
//! the daemon's TradeOperation without their GS separators (dropped, replaced, in the
//! Russian layout); the register rebuilds each with the one parser of marking codes, so
//! the OFD gets `list_excise_stamp` exactly as a DataMatrix reader reads it, one mark
//! spelt two ways is refused twice on a receipt, and a return finds the mark it sold.

use kkm_e2e::daemon::{Daemon, ADMIN};
use serde_json::{json, Value};

const KKM: u32 = 6923;
/// A tobacco pack: (01) GTIN, (21) 7, (8005) price, (93) 4.
const PACK: &str = "0104870204390513215ZxKq9a\u{1d}8005012345\u{1d}935Ab+";
/// A unit with a verification code: (01), (21) 13, (93) 4.
const UNIT: &str = "0104870204390513215ZxKq9aBcDeFg\u{1d}93AbCd";
/// Another unit of the same product.
const UNIT_2: &str = "0104870204390513215ZxKq9aBcDeFh\u{1d}93AbCd";

fn line(name: &str, tenge: u64, mark: &str) -> Value {
    json!({"type": 1, "commodity": {"name": name, "section_code": "1", "quantity": 1,
        "price": tenge, "sum": tenge, "measure_unit_code": "796", "excise_stamp": mark}})
}

fn receipt(operation: u8, lines: Vec<Value>, parent: Option<&str>) -> Value {
    let total: u64 = lines
        .iter()
        .map(|l| l["commodity"]["sum"].as_u64().unwrap_or(0))
        .sum();
    let mut body = json!({"kkm_ofd_id": KKM, "operation": operation, "items": lines,
        "payments": [{"type": 0, "sum": total}]});
    if let Some(fiscal_id) = parent {
        body["parent_ticket"] = json!({"fiscal_id": fiscal_id});
    }
    body
}

/// The marks of the last receipt the OFD accepted, as they arrived.
fn marks_at_the_ofd(daemon: &Daemon) -> anyhow::Result<Vec<String>> {
    let books = daemon
        .sim
        .books(KKM)
        .ok_or_else(|| anyhow::anyhow!("no books"))?;
    let ticket = books
        .accepted
        .iter()
        .rev()
        .find_map(|d| d.ticket_request())
        .ok_or_else(|| anyhow::anyhow!("no ticket reached the OFD"))?;
    Ok(ticket
        .items
        .iter()
        .filter_map(|i| i.commodity.as_ref())
        .flat_map(|c| c.list_excise_stamp.clone())
        .collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marks_typed_without_separators_reach_the_ofd_as_read() -> anyhow::Result<()> {
    let (daemon, mut api) = Daemon::with_kkm(None).await?;

    // Three marks as keyboard-mode scanners type them: the GS dropped and a suffix
    // (Enter), the GS as `<GS>`, the GS as `^]`.
    let sold = api
        .ok(
            "TradeOperation",
            Some(ADMIN),
            receipt(
                2,
                vec![
                    line(
                        "Сигареты",
                        900,
                        "0104870204390513215ZxKq9a8005012345935Ab+\r\n",
                    ),
                    line("Вода", 300, "0104870204390513215ZxKq9aBcDeFg<GS>93AbCd"),
                    line("Вода", 300, "0104870204390513215ZxKq9aBcDeFh^]93AbCd"),
                ],
                None,
            ),
        )
        .await?;
    assert_eq!(marks_at_the_ofd(&daemon)?, vec![PACK, UNIT, UNIT_2]);
    let fiscal_id = sold["fiscal_id"].as_str().unwrap_or_default().to_owned();
    assert!(!fiscal_id.is_empty(), "{sold}");

    // The same mark spelt two ways is one mark: refused on the second line.
    let twice = api
        .refused(
            "TradeOperation",
            Some(ADMIN),
            receipt(
                2,
                vec![
                    line("Вода", 300, UNIT),
                    line("Вода", 300, "0104870204390513215ZxKq9aBcDeFg^]93AbCd"),
                ],
                None,
            ),
            2,
        )
        .await?;
    let message = twice.json["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("items[1].commodity.excise_stamp") && message.contains("already"),
        "{twice}"
    );

    // A mark that splits two ways once its GS is gone is refused with the reason, and
    // nothing reaches the OFD.
    let accepted_before = daemon.sim.books(KKM).map(|b| b.accepted.len());
    let doubtful = api
        .refused(
            "TradeOperation",
            Some(ADMIN),
            receipt(
                2,
                vec![line("Вода", 300, "010487020439051321ABCDEFGHIJ93wxyz")],
                None,
            ),
            2,
        )
        .await?;
    let message = doubtful.json["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("items[0].commodity.excise_stamp") && message.contains("can be read"),
        "{doubtful}"
    );
    assert_eq!(
        daemon.sim.books(KKM).map(|b| b.accepted.len()),
        accepted_before
    );

    // The return of one bottle: its mark typed with the Russian layout active finds the
    // mark that was sold; the same bottle a second time is refused, though one bottle
    // of the two is still returnable.
    let back = receipt(
        3,
        vec![line("Вода", 300, "0104870204390513215ЯчЛй9фИсВуАп93ФиСв")],
        Some(&fiscal_id),
    );
    api.ok("TradeOperation", Some(ADMIN), back.clone()).await?;
    assert_eq!(marks_at_the_ofd(&daemon)?, vec![UNIT]);
    let again = api.refused("TradeOperation", Some(ADMIN), back, 2).await?;
    assert!(
        again.json["message"]
            .as_str()
            .unwrap_or_default()
            .contains("already returned"),
        "{again}"
    );
    // A mark that was never sold on it is refused too.
    let unsold = receipt(
        3,
        vec![line("Вода", 300, "0104870204390513215ZxKq9aBcDeFj93AbCd")],
        Some(&fiscal_id),
    );
    let refused = api
        .refused("TradeOperation", Some(ADMIN), unsold, 2)
        .await?;
    assert!(
        refused.json["message"]
            .as_str()
            .unwrap_or_default()
            .contains("not sold"),
        "{refused}"
    );
    daemon.stop().await
}
