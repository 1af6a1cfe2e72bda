//! End-to-end: a CPCR client built on kkm-proto talks to the OFD emulator over TCP.

use std::net::SocketAddr;
use std::time::Duration;

use kkm_e2e::{workspace_bin_with, CpcrClient};
use kkm_ofd_sim::{Fault, FaultPlan, OfdSim, SimConfig, TokenPolicy};
use kkm_proto::cpcr::{
    CloseShiftRequest, CommandTypeEnum, DateTime, Money, MoneyPlacementEnum, MoneyPlacementRequest,
    Operator, ReportTypeEnum, Request, Response, ResultTypeEnum,
};
use kkm_proto::fixtures;

const KKM: u32 = 6923;
const TOKEN: u32 = 11_223_344;
/// 2026-11-23 10:00:00 on the device's calendar.
const T0: i64 = 1_795_428_000;

async fn sim() -> OfdSim {
    OfdSim::start(
        SimConfig::with_kkms([(KKM, TOKEN)]),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .expect("emulator starts")
}

fn code(r: &Response) -> u32 {
    r.result.result_code
}

const OK: u32 = ResultTypeEnum::ResultTypeOk as u32;

fn ticket(at: i64) -> Request {
    fixtures::sale_request(3, DateTime::from_unix_seconds(at))
}

#[tokio::test]
async fn info_returns_registration_data_and_ticket_gets_a_fiscal_sign() {
    let sim = sim().await;
    let mut c = CpcrClient::connect(sim.addr(), KKM, TOKEN).await.unwrap();

    let info = c
        .command(CommandTypeEnum::CommandInfo)
        .await
        .unwrap()
        .message;
    assert_eq!(code(&info), OK);
    assert_eq!(info.command, CommandTypeEnum::CommandInfo as i32);
    let service = info.service.expect("INFO answers with the service part");
    let reg = service.reg_info.as_ref().expect("registration data");
    let (kkm, org) = (
        reg.kkm.as_ref().expect("KKM"),
        reg.org.as_ref().expect("org"),
    );
    assert_eq!(kkm.fns_kkm_id.as_deref(), Some("010100134464"));
    assert_eq!(kkm.serial_number.as_deref(), Some("ISCR1018036404743"));
    assert_eq!(org.inn.as_deref(), Some("910812450255"));
    assert_eq!(
        reg.pos.as_ref().and_then(|p| p.title.as_deref()),
        Some("Для Макса")
    );
    assert!(service.ticket_ads[0].text.contains("${ticket_number}"));
    // A KKM that never worked: no shift is open, so INFO carries a Z (of shift 0).
    let z = info.report.expect("INFO carries the report");
    assert_eq!(z.report, ReportTypeEnum::ReportZ as i32);
    assert_eq!(z.zx_report.expect("a Z").shift_number, 0);

    let sale = c.send(ticket(T0)).await.unwrap();
    assert_eq!(code(&sale.message), OK, "{:?}", sale.message.result);
    let sign = sale.message.ticket.expect("a ticket answer").ticket_number;
    assert!(
        sign.len() >= 10 && sign.chars().all(|ch| ch.is_ascii_digit()),
        "{sign}"
    );
    assert_eq!(sale.header.reqnum, 2);

    let second = c.send(ticket(T0 + 60)).await.unwrap().message;
    assert_ne!(
        second.ticket.unwrap().ticket_number,
        sign,
        "fiscal signs are unique"
    );
    let books = sim.books(KKM).unwrap();
    assert_eq!(books.accepted.len(), 2);
    assert_eq!(books.duplicates, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_token_unknown_id_and_reqnum_rules() {
    let sim = sim().await;
    let mut c = CpcrClient::connect(sim.addr(), KKM, TOKEN + 1)
        .await
        .unwrap();
    let r = c
        .command(CommandTypeEnum::CommandInfo)
        .await
        .unwrap()
        .message;
    assert_eq!(code(&r), ResultTypeEnum::ResultTypeInvalidToken as u32);

    let mut c = CpcrClient::connect(sim.addr(), 1, TOKEN).await.unwrap();
    let r = c
        .command(CommandTypeEnum::CommandInfo)
        .await
        .unwrap()
        .message;
    assert_eq!(code(&r), ResultTypeEnum::ResultTypeUnknownId as u32);

    let mut c = CpcrClient::connect(sim.addr(), KKM, TOKEN).await.unwrap();
    let first = c.send(ticket(T0)).await.unwrap().message;
    assert_eq!(code(&first), OK);
    // Same REQNUM and TOKEN, another command → 9.
    let info = Request {
        command: CommandTypeEnum::CommandInfo as i32,
        ..Default::default()
    };
    let r = c.send_as(c.reqnum, TOKEN, info).await.unwrap().message;
    assert_eq!(
        code(&r),
        ResultTypeEnum::ResultTypeInvalidRetryRequest as u32
    );
    // Same REQNUM, another TOKEN → 8.
    let r = c
        .send_as(c.reqnum, TOKEN ^ 1, ticket(T0))
        .await
        .unwrap()
        .message;
    assert_eq!(
        code(&r),
        ResultTypeEnum::ResultTypeInvalidRequestNumber as u32
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_retry_after_a_lost_answer_is_not_fiscalized_twice() {
    let sim = sim().await;
    sim.set_fault(FaultPlan::times(Fault::DropAfterProcess, 1));
    let mut c = CpcrClient::connect(sim.addr(), KKM, TOKEN).await.unwrap();
    assert!(c.send(ticket(T0)).await.is_err(), "the answer is lost");
    // Reconnect and resend with the same REQNUM and TOKEN, as the protocol says.
    let mut c2 = CpcrClient::connect(sim.addr(), KKM, TOKEN).await.unwrap();
    let r = c2
        .send_as(c.reqnum, TOKEN, ticket(T0))
        .await
        .unwrap()
        .message;
    assert_eq!(code(&r), OK);
    let books = sim.books(KKM).unwrap();
    assert_eq!(books.accepted.len(), 1, "one document, not two");
    assert_eq!(
        books.accepted[0].fiscal_sign.as_deref(),
        Some(r.ticket.unwrap().ticket_number.as_str()),
        "the retry gets the first answer's fiscal sign"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn token_rotates_in_fiscal_answers_and_the_old_token_stops_working() {
    let config = SimConfig {
        policy: TokenPolicy {
            rotate_every: Some(2),
        },
        ..SimConfig::with_kkms([(KKM, TOKEN)])
    };
    let sim = OfdSim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut c = CpcrClient::connect(sim.addr(), KKM, TOKEN).await.unwrap();
    let info = c.command(CommandTypeEnum::CommandInfo).await.unwrap();
    assert_eq!(info.header.token, TOKEN, "INFO never changes the token");
    let a = c.send(ticket(T0)).await.unwrap();
    assert_eq!(a.header.token, TOKEN);
    let b = c.send(ticket(T0 + 1)).await.unwrap();
    assert_ne!(b.header.token, TOKEN, "the second fiscal answer rotates");
    assert_eq!(Some(b.header.token), sim.token(KKM));
    // The client took the new token; the next request works with it.
    assert_eq!(code(&c.send(ticket(T0 + 2)).await.unwrap().message), OK);
    // A request with the old token is refused.
    let current = c.token;
    c.reqnum = c.reqnum.wrapping_add(1);
    let r = c
        .send_as(c.reqnum, TOKEN, ticket(T0 + 3))
        .await
        .unwrap()
        .message;
    assert_eq!(code(&r), ResultTypeEnum::ResultTypeInvalidToken as u32);
    c.token = current;
    // On-demand rotation through the handle.
    assert!(sim.rotate_token(KKM));
    let before = c.token;
    let r = c.send(ticket(T0 + 4)).await.unwrap();
    assert_ne!(r.header.token, before);
    sim.shutdown().await;
}

#[tokio::test]
async fn delayed_answers_arrive_late_and_injected_codes_come_back() {
    let sim = sim().await;
    sim.set_fault(FaultPlan::times(
        Fault::Delay(Duration::from_millis(300)),
        1,
    ));
    let mut c = CpcrClient::connect(sim.addr(), KKM, TOKEN).await.unwrap();
    let started = std::time::Instant::now();
    assert_eq!(code(&c.send(ticket(T0)).await.unwrap().message), OK);
    assert!(started.elapsed() >= Duration::from_millis(300));

    sim.set_fault(FaultPlan::always(Fault::ResultCode(15)).for_kkm(KKM));
    let r = c.send(ticket(T0 + 1)).await.unwrap().message;
    assert_eq!(code(&r), ResultTypeEnum::ResultTypeBlocked as u32);
    sim.clear_fault();
    assert_eq!(code(&c.send(ticket(T0 + 2)).await.unwrap().message), OK);
    assert_eq!(
        sim.books(KKM).unwrap().accepted.len(),
        2,
        "the injected code processed nothing"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn corrupt_frames_and_refused_connections() {
    let sim = sim().await;
    sim.set_fault(FaultPlan::times(Fault::Corrupt, 1));
    let mut c = CpcrClient::connect(sim.addr(), KKM, TOKEN).await.unwrap();
    let err = c.send(ticket(T0)).await.unwrap_err();
    assert!(format!("{err:#}").contains("APPCODE"), "{err:#}");

    sim.set_fault(FaultPlan::always(Fault::Refuse));
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(sim.addr()).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "connections are refused");
    sim.clear_fault();
    let mut c = None;
    for _ in 0..50 {
        if let Ok(client) = CpcrClient::connect(sim.addr(), KKM, TOKEN).await {
            c = Some(client);
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut c = c.expect("listening again after the fault is cleared");
    c.reqnum = 1; // REQNUM 1 was used by the corrupted exchange: a new request moves on.
    assert_eq!(
        code(
            &c.command(CommandTypeEnum::CommandSystem)
                .await
                .unwrap()
                .message
        ),
        OK
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn shift_close_money_placement_and_the_24_hour_rule() {
    let sim = sim().await;
    let mut c = CpcrClient::connect(sim.addr(), KKM, TOKEN).await.unwrap();
    let operator = Operator {
        code: 1,
        name: None,
    };
    let placement = |op: MoneyPlacementEnum, tiyn: u64, at: i64| Request {
        command: CommandTypeEnum::CommandMoneyPlacement as i32,
        money_placement: Some(MoneyPlacementRequest {
            datetime: DateTime::from_unix_seconds(at),
            operation: op as i32,
            sum: Money::from_tiyn(tiyn),
            operator: Some(operator.clone()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let r = c
        .send(placement(
            MoneyPlacementEnum::MoneyPlacementWithdrawal,
            100,
            T0,
        ))
        .await
        .unwrap();
    assert_eq!(
        code(&r.message),
        ResultTypeEnum::ResultTypeNotEnoughCash as u32
    );
    let r = c
        .send(placement(
            MoneyPlacementEnum::MoneyPlacementDeposit,
            500_000,
            T0,
        ))
        .await
        .unwrap();
    assert_eq!(code(&r.message), OK);

    let sale = fixtures::sale_request(2, DateTime::from_unix_seconds(T0 + 10));
    let total = sale
        .ticket
        .as_ref()
        .unwrap()
        .amounts
        .total
        .to_tiyn()
        .unwrap();
    let cash = sale.ticket.as_ref().unwrap().payments[0]
        .sum
        .to_tiyn()
        .unwrap();
    assert_eq!(code(&c.send(sale).await.unwrap().message), OK);

    // 25 hours later an online sale is refused until the shift is closed.
    let late = T0 + 25 * 3600;
    let r = c.send(ticket(late)).await.unwrap().message;
    assert_eq!(
        code(&r),
        ResultTypeEnum::ResultTypeOpenShiftTimeoutExpired as u32
    );

    let close = Request {
        command: CommandTypeEnum::CommandCloseShift as i32,
        close_shift: Some(CloseShiftRequest {
            close_time: DateTime::from_unix_seconds(late),
            operator: Some(operator),
            ..Default::default()
        }),
        ..Default::default()
    };
    let z = c.send(close).await.unwrap().message;
    assert_eq!(code(&z), OK);
    let z = z.report.expect("CLOSE_SHIFT answers with the Z report");
    assert_eq!(z.report, ReportTypeEnum::ReportZ as i32);
    let z = z.zx_report.expect("a ZX report");
    assert_eq!(z.shift_number, 1);
    let sell = &z.ticket_operations[2];
    assert_eq!(
        (sell.tickets_count, sell.tickets_sum.to_tiyn()),
        (1, Some(total))
    );
    assert_eq!(z.cash_sum.to_tiyn(), Some(500_000 + cash));
    assert_eq!(z.non_nullable_sums[2].sum.to_tiyn(), Some(total));
    assert!(!z.revenue.is_negative);
    assert!(z.close_shift_time.is_some());

    // The next sale opens shift 2 and is accepted.
    assert_eq!(code(&c.send(ticket(late + 60)).await.unwrap().message), OK);
    let status = &sim.status()[0];
    assert_eq!((status.shift_number, status.shift_open), (2, true));
    sim.shutdown().await;
}

#[tokio::test]
async fn books_survive_a_restart_with_a_state_dir() {
    let dir = std::env::temp_dir().join(format!("kkm-ofd-sim-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = SimConfig {
        state_dir: Some(dir.clone()),
        ..SimConfig::with_kkms([(KKM, TOKEN)])
    };
    let sim = OfdSim::start(config.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut c = CpcrClient::connect(sim.addr(), KKM, TOKEN).await.unwrap();
    assert_eq!(code(&c.send(ticket(T0)).await.unwrap().message), OK);
    let reqnum = c.reqnum;
    sim.shutdown().await;

    let sim = OfdSim::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(sim.books(KKM).unwrap().accepted.len(), 1);
    let mut c = CpcrClient::connect(sim.addr(), KKM, TOKEN).await.unwrap();
    // The retry memory survived too: resending the last request is not a new document.
    let r = c.send_as(reqnum, TOKEN, ticket(T0)).await.unwrap().message;
    assert_eq!(code(&r), OK);
    c.reqnum = reqnum;
    assert_eq!(code(&c.send(ticket(T0 + 1)).await.unwrap().message), OK);
    assert_eq!(sim.books(KKM).unwrap().accepted.len(), 2);
    // The fingerprints of the tickets read back from the log still find a duplicate.
    assert_eq!(code(&c.send(ticket(T0)).await.unwrap().message), OK);
    assert_eq!(sim.status()[0].duplicates, 1);
    sim.shutdown().await;
    // The documents are in their append-only log, one line each, not in the state file.
    let log = std::fs::read_to_string(dir.join(kkm_ofd_sim::server::LOG_FILE)).unwrap();
    assert_eq!(log.lines().count(), 3);
    let state = std::fs::read_to_string(dir.join(kkm_ofd_sim::server::STATE_FILE)).unwrap();
    assert!(state.contains(r#""accepted":[]"#), "{state}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Reads one line from the control port after sending `command`.
async fn control(addr: SocketAddr, command: &str) -> String {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("{command}\n").as_bytes())
        .await
        .unwrap();
    let mut line = String::new();
    BufReader::new(s).read_line(&mut line).await.unwrap();
    line.trim().to_string()
}

#[tokio::test]
async fn the_binary_serves_clients_and_takes_faults_on_its_control_port() {
    let bin = workspace_bin_with("kkm-ofd-sim", "kkm-ofd-sim", &["cli"]).expect("binary builds");
    let help = std::process::Command::new(&bin)
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--listen",
        "--kkm",
        "--state-dir",
        "--rotate-token-every",
        "--control",
        "--delay-ms",
        "--result-code",
        "--drop",
        "--corrupt",
        "--refuse",
        "--fault-times",
        "--fault-kkm",
        "--log-json",
    ] {
        assert!(help.contains(flag), "--help documents {flag}");
    }

    let port = free_port();
    let control_port = free_port();
    let mut child = tokio::process::Command::new(&bin)
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--kkm",
            &format!("{KKM}:{TOKEN},7000:1"),
            "--control",
            &format!("127.0.0.1:{control_port}"),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let control_addr: SocketAddr = format!("127.0.0.1:{control_port}").parse().unwrap();
    let mut c = None;
    for _ in 0..200 {
        if let Ok(client) = CpcrClient::connect(addr, KKM, TOKEN).await {
            c = Some(client);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let mut c = c.expect("the emulator process accepts connections");
    assert_eq!(
        code(
            &c.command(CommandTypeEnum::CommandInfo)
                .await
                .unwrap()
                .message
        ),
        OK
    );
    assert_eq!(code(&c.send(ticket(T0)).await.unwrap().message), OK);

    for _ in 0..200 {
        if tokio::net::TcpStream::connect(control_addr).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        control(control_addr, "fault result 254 times 1").await,
        "ok"
    );
    let r = c.send(ticket(T0 + 1)).await.unwrap().message;
    assert_eq!(
        code(&r),
        ResultTypeEnum::ResultTypeServiceTemporarilyUnavailable as u32
    );
    let status = control(control_addr, "status").await;
    assert!(
        status.starts_with("ok [") && status.contains("\"kkm_id\":6923"),
        "{status}"
    );
    assert!(control(control_addr, "explode").await.starts_with("error"));
    child.kill().await.unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
