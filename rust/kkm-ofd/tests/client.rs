//! The CPCR client against the OFD emulator over real sockets, under injected faults.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use kkm_ofd::{ClientConfig, Credentials, Endpoint, ExchangeError, OfdClient};
use kkm_ofd_sim::{Fault, FaultPlan, OfdSim, SimConfig};
use kkm_proto::cpcr::{CommandTypeEnum, DateTime, Request, Response, ResultTypeEnum};
use kkm_proto::fixtures;
use kkm_proto::frame::{Frame, ServerCodec};
use tokio_util::codec::Framed;

const KKM: u32 = 6923;
const TOKEN: u32 = 4242;
const T0: i64 = 1_795_428_000;
const OK: u32 = ResultTypeEnum::ResultTypeOk as u32;

async fn sim() -> OfdSim {
    OfdSim::start(
        SimConfig::with_kkms([(KKM, TOKEN)]),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap()
}

fn client(port: u16, budget_ms: u64) -> OfdClient {
    let mut config = ClientConfig::new(Endpoint::plain("127.0.0.1", port));
    config.budget = Duration::from_millis(budget_ms);
    config.retry_pause = Duration::from_millis(20);
    OfdClient::new(config).unwrap()
}

fn creds(reqnum: u16) -> Credentials {
    Credentials {
        kkm_id: KKM,
        token: TOKEN,
        reqnum,
    }
}

fn sale(at: i64) -> Request {
    fixtures::sale_request(2, DateTime::from_unix_seconds(at))
}

fn sign(r: &Frame<Response>) -> String {
    r.message
        .ticket
        .as_ref()
        .expect("a ticket answer")
        .ticket_number
        .clone()
}

#[tokio::test]
async fn exchanges_reuse_one_connection() {
    let sim = sim().await;
    let mut c = client(sim.addr().port(), 5000);
    let info = Request {
        command: CommandTypeEnum::CommandInfo as i32,
        ..Default::default()
    };
    let a = c.exchange(creds(1), &info).await.unwrap();
    assert_eq!(a.message.result.result_code, OK);
    assert!(c.is_connected());
    let b = c.exchange(creds(2), &sale(T0)).await.unwrap();
    assert_eq!((b.message.result.result_code, b.header.reqnum), (OK, 2));
    assert_eq!(sim.requests(), 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_dropped_answer_is_recovered_by_resending_the_same_request() {
    let sim = sim().await;
    let mut c = client(sim.addr().port(), 3000);
    sim.set_fault(FaultPlan::times(Fault::DropAfterProcess, 1));
    let answer = c.exchange(creds(1), &sale(T0)).await.unwrap();
    assert_eq!(answer.message.result.result_code, OK);
    let books = sim.books(KKM).unwrap();
    assert_eq!(books.accepted.len(), 1, "fiscalized once");
    assert_eq!(
        books.accepted[0].fiscal_sign.as_deref(),
        Some(sign(&answer).as_str())
    );

    sim.set_fault(FaultPlan::times(Fault::DropBeforeRead, 2));
    c.disconnect();
    let answer = c.exchange(creds(2), &sale(T0 + 1)).await.unwrap();
    assert_eq!(answer.message.result.result_code, OK);

    sim.set_fault(FaultPlan::times(Fault::Corrupt, 1));
    let answer = c.exchange(creds(3), &sale(T0 + 2)).await.unwrap();
    assert_eq!(answer.message.result.result_code, OK);
    assert_eq!(sim.books(KKM).unwrap().accepted.len(), 3);
    assert_eq!(sim.books(KKM).unwrap().duplicates, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn transient_codes_are_retried_and_refusals_are_returned() {
    let sim = sim().await;
    let mut c = client(sim.addr().port(), 3000);
    sim.set_fault(FaultPlan::times(Fault::ResultCode(254), 2));
    let answer = c.exchange(creds(1), &sale(T0)).await.unwrap();
    assert_eq!(
        answer.message.result.result_code, OK,
        "third attempt succeeds"
    );

    sim.set_fault(FaultPlan::times(Fault::ResultCode(15), 1));
    let answer = c.exchange(creds(2), &sale(T0 + 1)).await.unwrap();
    assert_eq!(
        answer.message.result.result_code,
        ResultTypeEnum::ResultTypeBlocked as u32,
        "a refusal is an answer, not a retry"
    );

    sim.set_fault(FaultPlan::always(Fault::ResultCode(255)));
    let mut c = client(sim.addr().port(), 400);
    match c.exchange(creds(3), &sale(T0 + 2)).await {
        Err(ExchangeError::NoAnswer { attempts, last, .. }) => {
            assert!(attempts > 1, "retried ({attempts})");
            assert!(last.contains("255"), "{last}");
        }
        other => panic!("expected NoAnswer, got {other:?}"),
    }
    assert!(
        !c.is_connected(),
        "the connection is dropped after the budget"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn no_answer_within_the_budget_and_the_late_answer_makes_no_second_document() {
    let sim = sim().await;
    let mut c = client(sim.addr().port(), 500);
    sim.set_fault(FaultPlan::times(
        Fault::Delay(Duration::from_millis(1500)),
        1,
    ));
    let started = Instant::now();
    let err = c.exchange(creds(1), &sale(T0)).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, ExchangeError::NoAnswer { .. }), "{err}");
    assert!(elapsed >= Duration::from_millis(500), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_millis(1400),
        "the budget bounds the wait: {elapsed:?}"
    );

    // The OFD did process it (its answer came too late). Resending the same request,
    // as the autonomous mode does, gets that answer back instead of a second document.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut c = client(sim.addr().port(), 3000);
    let answer = c.exchange(creds(1), &sale(T0)).await.unwrap();
    assert_eq!(answer.message.result.result_code, OK);
    let books = sim.books(KKM).unwrap();
    assert_eq!(books.accepted.len(), 1);
    assert_eq!(
        books.accepted[0].fiscal_sign.as_deref(),
        Some(sign(&answer).as_str())
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn refused_connections_end_in_no_answer() {
    let sim = sim().await;
    sim.set_fault(FaultPlan::always(Fault::Refuse));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut c = client(sim.addr().port(), 300);
    match c.exchange(creds(1), &sale(T0)).await {
        Err(ExchangeError::NoAnswer { attempts, last, .. }) => {
            assert!(attempts > 1);
            assert!(last.contains("connect"), "{last}");
        }
        other => panic!("expected NoAnswer, got {other:?}"),
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn answers_to_other_requests_are_skipped() {
    // A misbehaving peer: first a stale answer (REQNUM 6), then the real one (REQNUM 7).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut framed = Framed::new(stream, ServerCodec::default());
        let request = framed.next().await.unwrap().unwrap();
        let answer = |reqnum, code| {
            Frame::new(
                kkm_proto::frame::FrameHeader {
                    reqnum,
                    ..request.header
                },
                Response {
                    command: request.message.command,
                    result: kkm_proto::cpcr::Result {
                        result_code: code,
                        result_text: None,
                    },
                    ..Default::default()
                },
            )
        };
        framed.send(answer(6, 99)).await.unwrap();
        framed.send(answer(7, OK)).await.unwrap();
    });
    let mut c = client(port, 2000);
    let answer = c.exchange(creds(7), &sale(T0)).await.unwrap();
    assert_eq!(
        (answer.header.reqnum, answer.message.result.result_code),
        (7, OK)
    );
}

#[tokio::test]
async fn tls_endpoints_are_verified_and_work() {
    let sim = sim().await;
    // A TLS front (rustls server, self-signed certificate for "localhost") to the emulator.
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_pem = key.cert.pem();
    let server_config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![key.cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.signing_key.serialize_der().into()),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
    let front = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let front_port = front.local_addr().unwrap().port();
    let backend = sim.addr();
    tokio::spawn(async move {
        while let Ok((stream, _)) = front.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });

    let endpoint = |roots: Option<Vec<u8>>| Endpoint {
        host: "localhost".into(),
        port: front_port,
        tls: true,
        extra_roots_pem: roots,
    };
    let mut config = ClientConfig::new(endpoint(Some(cert_pem.into_bytes())));
    config.budget = Duration::from_secs(3);
    let mut c = OfdClient::new(config).unwrap();
    let answer = c.exchange(creds(1), &sale(T0)).await.unwrap();
    assert_eq!(answer.message.result.result_code, OK);

    // Without trusting the certificate the handshake fails: no answer, nothing sent.
    let mut config = ClientConfig::new(endpoint(None));
    config.budget = Duration::from_millis(400);
    let mut untrusting = OfdClient::new(config).unwrap();
    match untrusting.exchange(creds(2), &sale(T0 + 1)).await {
        Err(ExchangeError::NoAnswer { last, .. }) => assert!(last.contains("TLS"), "{last}"),
        other => panic!("expected a TLS failure, got {other:?}"),
    }
    assert_eq!(sim.books(KKM).unwrap().accepted.len(), 1);
    sim.shutdown().await;
}
