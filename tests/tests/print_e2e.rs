//! Printing end to end, over real sockets: the OFD emulator, the daemon (in-process, and
//! the real binary for kill -9), and an emulated TCP 9100 receipt printer that decodes
//! each job's raster back to a bitmap.
//!
//! * [`a_printable_sale_reaches_the_printer_as_its_png`] — a sale, a deposit and an X
//!   report with `is_printable` print in order; each job's raster is the PNG that
//!   GetDocumentImage renders with the same options; ReprintDocument prints the
//!   duplicate's PNG; GetPrintJobList shows the states.
//! * [`printer_down_ten_sales_answer_then_print_in_order`] — the printer is off: ten
//!   sales answer with their fiscal signs, nothing waits for it; switched on, the ten
//!   jobs print, in order, each exactly once.
//! * [`kill_9_while_printing_prints_a_duplicate_once`] — the daemon binary is killed
//!   while a job is `printing` (the printer hangs: the job is in the transport's hands);
//!   after a restart that job is `interrupted` and its document prints once, as a
//!   duplicate marked «ДУБЛИКАТ», never twice and never lost.
//! * [`a_real_cups_queue_gets_the_escpos_bytes`] — a private cupsd (Debian's `cups`,
//!   installed when missing by `scripts/cups-test-server`, on its own port and folder)
//!   with a raw queue whose backend writes to a file: GetPrinterList shows the queue,
//!   and a sale printed through it arrives as exactly the ESC/POS bytes expected.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use kkm_daemon::client::HttpClient;
use kkm_e2e::printer_emu::{job_bitmap, png_bitmap, PrinterEmu};
use kkm_ofd_sim::{KkmProfile, OfdSim, SimConfig};
use kkm_register::{PrintPolicy, Registry, RegistryConfig};
use serde_json::{json, Value};
use tokio::sync::oneshot;

const ADMIN: &str = "0000";
const KKM: u32 = 6923;
const TOKEN: u32 = 12345;

/// Retries fast enough for a test: 50 ms doubling to 200 ms.
fn fast_policy() -> PrintPolicy {
    PrintPolicy {
        first_retry: Duration::from_millis(50),
        max_retry: Duration::from_millis(200),
        max_attempts: 1000,
    }
}

struct Stack {
    sim: OfdSim,
    stop: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _registry: Arc<Registry>,
    _dir: tempfile::TempDir,
}

impl Stack {
    /// The emulator, a registry printing through kkm-printer, the daemon, and KKM 6923
    /// registered with `printer` as its printer.
    async fn start(printer: &str) -> anyhow::Result<(Stack, HttpClient)> {
        Stack::start_with(printer, None).await
    }

    async fn start_with(
        printer: &str,
        cups_server: Option<String>,
    ) -> anyhow::Result<(Stack, HttpClient)> {
        let sim = OfdSim::start(
            SimConfig {
                kkms: vec![KkmProfile::new(KKM, TOKEN)],
                ..SimConfig::default()
            },
            "127.0.0.1:0".parse()?,
        )
        .await?;
        let dir = tempfile::tempdir()?;
        let mut config = RegistryConfig::new(dir.path());
        config.ofds = kkm_daemon::demo::demo_ofds(sim.addr());
        config.printer_driver = Some(kkm_daemon::config::printer_driver(&[], cups_server));
        config.print_policy = fast_policy();
        let registry = Registry::open(config)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(kkm_daemon::http::serve(
            listener,
            registry.clone(),
            async move {
                let _ = stopped.await;
            },
        ));
        let mut c = HttpClient::connect(addr).await?;
        save_kkm(&mut c, printer).await?;
        Ok((
            Stack {
                sim,
                stop: Some(stop),
                server,
                _registry: registry,
                _dir: dir,
            },
            c,
        ))
    }

    async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), self.server)
            .await
            .context("graceful shutdown took more than 10 s")???;
        self.sim.shutdown().await;
        Ok(())
    }
}

async fn call(c: &mut HttpClient, name: &str, body: &Value) -> anyhow::Result<Value> {
    let r = c
        .post(&format!("/{name}"), Some(ADMIN), &body.to_string())
        .await?;
    r.json()
}

fn ok(name: &str, v: &Value) -> Value {
    assert_eq!(v["response_code"], 0, "{name}: {v}");
    v["response_data"].clone()
}

async fn save_kkm(c: &mut HttpClient, printer: &str) -> anyhow::Result<()> {
    let r = call(
        c,
        "SaveKKM",
        &json!({"ofd_id": KKM, "ofd_token": TOKEN,
                "printer": {"id": 1, "name": printer, "type": 1}}),
    )
    .await?;
    ok("SaveKKM", &r);
    Ok(())
}

fn sale(n: i64) -> Value {
    json!({
        "kkm_ofd_id": KKM, "operation": 2, "is_printable": true,
        "image_width": 384, "image_scale": 1.0, "image_pixel_draw_threshold": 128,
        "domain": {"type": 0},
        "items": [{"type": 1, "commodity": {"name": format!("товар {n}"), "section_code": "1",
                   "quantity": 1, "price": 100 + n, "sum": 100 + n,
                   "measure_unit_code": "796", "taxes": []}}],
        "payments": [{"type": 0, "sum": 100 + n}],
        "amounts": {"total": 100 + n, "taken": 100 + n, "change": 0}
    })
}

/// GetDocumentImage of document `number` of shift 1 as a bitmap.
async fn image(
    c: &mut HttpClient,
    number: i64,
    original: bool,
) -> anyhow::Result<kkm_print::Bitmap> {
    let body = json!({"kkm_ofd_id": KKM, "fr_shift_number": 1, "shift_document_number": number,
                      "is_original": original});
    let r = c
        .post("/GetDocumentImage", Some(ADMIN), &body.to_string())
        .await?;
    anyhow::ensure!(
        r.header("content-type") == Some("image/png"),
        "GetDocumentImage {number}: {:?}",
        String::from_utf8_lossy(&r.body)
    );
    png_bitmap(&r.body)
}

async fn jobs(c: &mut HttpClient) -> anyhow::Result<Vec<Value>> {
    let r = call(c, "GetPrintJobList", &json!({"kkm_ofd_id": KKM})).await?;
    Ok(ok("GetPrintJobList", &r)
        .as_array()
        .cloned()
        .unwrap_or_default())
}

/// Waits until every job of the KKM is in a final state; returns them oldest first.
async fn settled_jobs(c: &mut HttpClient, n: usize) -> anyhow::Result<Vec<Value>> {
    let started = Instant::now();
    loop {
        let mut all = jobs(c).await?;
        all.reverse();
        if all.len() >= n
            && all
                .iter()
                .all(|j| j["state"] != "waiting" && j["state"] != "printing")
        {
            return Ok(all);
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(30),
            "jobs did not settle: {all:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// (copy, state) of each job.
fn copies_and_states(jobs: &[Value]) -> Vec<(&str, &str)> {
    jobs.iter()
        .map(|j| {
            (
                j["copy"].as_str().unwrap_or(""),
                j["state"].as_str().unwrap_or(""),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_printable_sale_reaches_the_printer_as_its_png() -> anyhow::Result<()> {
    let printer = PrinterEmu::start().await?;
    let (stack, mut c) = Stack::start(&printer.address()).await?;

    let r = call(&mut c, "TradeOperation", &sale(1)).await?;
    let answer = ok("TradeOperation", &r);
    assert!(
        !answer["fiscal_id"].as_str().unwrap_or("").is_empty(),
        "{answer}"
    );
    let r = call(
        &mut c,
        "MoneyPlacement",
        &json!({"kkm_ofd_id": KKM, "operation": 0, "sum": 500, "is_printable": true}),
    )
    .await?;
    ok("MoneyPlacement", &r);
    let r = call(
        &mut c,
        "ZXReport",
        &json!({"kkm_ofd_id": KKM, "report_type": 1, "is_printable": true}),
    )
    .await?;
    ok("ZXReport", &r);
    // Not printable: no job.
    let mut quiet = sale(2);
    quiet["is_printable"] = json!(false);
    ok(
        "TradeOperation",
        &call(&mut c, "TradeOperation", &quiet).await?,
    );

    let got = printer.wait_jobs(3, Duration::from_secs(20)).await?;
    // The sale: its raster is GetDocumentImage's PNG, pixel for pixel.
    assert_eq!(job_bitmap(&got[0])?, image(&mut c, 1, true).await?);
    assert_eq!(job_bitmap(&got[1])?, image(&mut c, 2, true).await?);
    // The X report has its own number in the shift (the third document): its paper is
    // its GetDocumentImage too.
    let x = job_bitmap(&got[2])?;
    assert!(x.width() == 384 && x.height() > 400, "X report printed");
    assert_eq!(x, image(&mut c, 3, true).await?);
    let decoded = kkm_print::escpos::decode(&got[0]).map_err(|e| anyhow::anyhow!("{e}"))?;
    assert!(decoded.drawer_kicks.is_empty(), "no drawer configured");

    // A reprint is the duplicate's PNG.
    let r = call(
        &mut c,
        "ReprintDocument",
        &json!({"kkm_ofd_id": KKM, "fr_shift_number": 1, "shift_document_number": 1}),
    )
    .await?;
    let job = ok("ReprintDocument", &r);
    assert_eq!(job["copy"], "duplicate");
    let got = printer.wait_jobs(4, Duration::from_secs(20)).await?;
    assert_eq!(job_bitmap(&got[3])?, image(&mut c, 1, false).await?);
    assert_ne!(got[3], got[0]);

    let all = settled_jobs(&mut c, 4).await?;
    let states = copies_and_states(&all);
    assert_eq!(
        states,
        [
            ("original", "printed"),
            ("original", "printed"),
            ("original", "printed"),
            ("duplicate", "printed")
        ]
    );
    assert_eq!(printer.jobs().len(), 4, "each job printed once");

    // GetPrinterList lists the KKM's printer (and what the machine has).
    let r = c.get("/GetPrinterList", Some(ADMIN)).await?.json()?;
    let list = ok("GetPrinterList", &r);
    assert!(
        list.as_array()
            .is_some_and(|l| l.iter().any(|p| p["name"] == printer.address().as_str())),
        "{list}"
    );
    stack.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn printer_down_ten_sales_answer_then_print_in_order() -> anyhow::Result<()> {
    let mut printer = PrinterEmu::start().await?;
    let (stack, mut c) = Stack::start(&printer.address()).await?;
    printer.off();

    let started = Instant::now();
    let mut signs = Vec::new();
    for n in 1..=10 {
        let r = call(&mut c, "TradeOperation", &sale(n)).await?;
        let answer = ok("TradeOperation", &r);
        let sign = answer["fiscal_id"].as_str().unwrap_or("").to_owned();
        assert!(!sign.is_empty(), "sale {n} has its fiscal sign: {answer}");
        signs.push(sign);
    }
    let ten_sales = started.elapsed();
    println!("ten sales with the printer off answered in {ten_sales:?}");
    // Nothing printed; the jobs wait, the head of the queue with its failures counted.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(printer.jobs().is_empty());
    let waiting = jobs(&mut c).await?;
    assert_eq!(waiting.len(), 10);
    // The head may be caught in the middle of a retry ("printing"); the rest wait.
    assert!(
        waiting[..9].iter().all(|j| j["state"] == "waiting")
            && (waiting[9]["state"] == "waiting" || waiting[9]["state"] == "printing"),
        "{waiting:?}"
    );
    let head = &waiting[9];
    assert!(
        head["attempts"].as_u64().unwrap_or(0) >= 1 && head["error"].is_string(),
        "the head was tried and failed: {head}"
    );

    printer.on().await?;
    let got = printer.wait_jobs(10, Duration::from_secs(30)).await?;
    for (i, job) in got.iter().enumerate() {
        let n = i as i64 + 1;
        assert_eq!(
            job_bitmap(job)?,
            image(&mut c, n, true).await?,
            "job {n} is sale {n}: in order"
        );
    }
    let all = settled_jobs(&mut c, 10).await?;
    assert!(all.iter().all(|j| j["state"] == "printed"), "{all:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(printer.jobs().len(), 10, "each printed exactly once");
    stack.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_while_printing_prints_a_duplicate_once() -> anyhow::Result<()> {
    let bin = kkm_e2e::workspace_bin("kkm-daemon", "kkm-daemon")?;
    let sim = OfdSim::start(SimConfig::with_kkms([(KKM, TOKEN)]), "127.0.0.1:0".parse()?).await?;
    let mut printer = PrinterEmu::start().await?;
    let dir = tempfile::tempdir()?;
    let config = dir.path().join("kkm.toml");
    std::fs::write(
        &config,
        "print_retry_first_ms = 50\nprint_retry_max_ms = 200\nprint_max_attempts = 1000\n",
    )?;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let spawn = || {
        tokio::process::Command::new(&bin)
            .args(["serve", "--listen", &addr.to_string(), "--config"])
            .arg(&config)
            .arg("--data-dir")
            .arg(dir.path())
            .arg("--ofd")
            .arg(format!("Казахтелеком={}", sim.addr()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
    };
    let connect = || async {
        let started = Instant::now();
        loop {
            if let Ok(mut c) = HttpClient::connect(addr).await {
                if c.get("/Ping", None).await.is_ok() {
                    return Ok::<_, anyhow::Error>(c);
                }
            }
            anyhow::ensure!(started.elapsed() < Duration::from_secs(20), "no Ping");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    let mut child = spawn()?;
    let mut c = connect().await?;
    save_kkm(&mut c, &printer.address()).await?;
    // The printer hangs: the job stays in the transport's hands ("printing").
    printer.hang().await?;
    let mut big = sale(1);
    big["image_scale"] = json!(2.0);
    ok(
        "TradeOperation",
        &call(&mut c, "TradeOperation", &big).await?,
    );
    let started = Instant::now();
    loop {
        let all = jobs(&mut c).await?;
        if all.first().is_some_and(|j| j["state"] == "printing") {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(20),
            "the job never got to the printer: {all:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(c);
    let pid = child.id().context("pid")?;
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()?;
    assert!(killed.success());
    child.wait().await?;
    assert!(
        printer.jobs().is_empty(),
        "nothing completed before the kill"
    );

    // The printer works again; the daemon restarts.
    printer.on().await?;
    let mut child = spawn()?;
    let mut c = connect().await?;
    let got = printer.wait_jobs(1, Duration::from_secs(30)).await?;
    let all = settled_jobs(&mut c, 2).await?;
    let states = copies_and_states(&all);
    assert_eq!(
        states,
        [("original", "interrupted"), ("duplicate", "printed")],
        "{all:?}"
    );
    // Printed once, marked «ДУБЛИКАТ»: the duplicate's PNG at the job's options.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        printer.jobs().len(),
        1,
        "printed exactly once after the restart"
    );
    let body = json!({"kkm_ofd_id": KKM, "fr_shift_number": 1, "shift_document_number": 1,
                      "is_original": false, "image_scale": 2.0});
    let png = c
        .post("/GetDocumentImage", Some(ADMIN), &body.to_string())
        .await?;
    assert_eq!(job_bitmap(&got[0])?, png_bitmap(&png.body)?);
    child.start_kill()?;
    child.wait().await?;
    sim.shutdown().await;
    Ok(())
}

/// Stops the private cupsd however the test ends.
struct Cupsd {
    script: std::path::PathBuf,
    dir: tempfile::TempDir,
}

impl Drop for Cupsd {
    fn drop(&mut self) {
        let _ = std::process::Command::new(&self.script)
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_cups_queue_gets_the_escpos_bytes() -> anyhow::Result<()> {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/cups-test-server");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let cupsd = Cupsd {
        script: script.clone(),
        dir: tempfile::tempdir()?,
    };
    let started = std::process::Command::new(&script)
        .arg("start")
        .arg(cupsd.dir.path())
        .arg(port.to_string())
        .output()?;
    anyhow::ensure!(
        started.status.success(),
        "the private cupsd did not start: {}",
        String::from_utf8_lossy(&started.stderr)
    );
    let server = format!("127.0.0.1:{port}");
    let queue = format!("cups://receipt?server={server}");
    let (stack, mut c) = Stack::start_with(&queue, Some(server.clone())).await?;

    // GetPrinterList finds the queue by asking cupsd (CUPS-Get-Printers).
    let r = c.get("/GetPrinterList", Some(ADMIN)).await?.json()?;
    let list = ok("GetPrinterList", &r);
    let entries = list.as_array().cloned().unwrap_or_default();
    assert!(
        entries
            .iter()
            .any(|p| p["name"] == queue.as_str() && p["type"] == 2),
        "{list}"
    );

    ok(
        "TradeOperation",
        &call(&mut c, "TradeOperation", &sale(1)).await?,
    );
    let out = cupsd.dir.path().join("out/receipt.bin");
    let expected = kkm_print::escpos::to_escpos(
        &image(&mut c, 1, true).await?,
        &kkm_print::EscPosOptions::default(),
    );
    let started = Instant::now();
    let bytes = loop {
        let bytes = std::fs::read(&out).unwrap_or_default();
        if bytes.len() >= expected.len() {
            break bytes;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(30),
            "{} of {} bytes reached the queue's backend; jobs: {:?}",
            bytes.len(),
            expected.len(),
            jobs(&mut c).await?
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        bytes, expected,
        "the raw queue passed our ESC/POS bytes untouched"
    );
    let all = settled_jobs(&mut c, 1).await?;
    assert_eq!(all[0]["state"], "printed", "{all:?}");
    stack.stop().await?;
    drop(cupsd);
    Ok(())
}
