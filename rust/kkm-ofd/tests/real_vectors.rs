//! The client against the two answers of a real OFD (kkm-proto's tests/vectors): a tiny
//! server reads the client's request and replays the captured bytes unchanged. The
//! requests are sent with the ID and REQNUM the captured answers carry, which is all
//! the test adjusts; the client must accept both answers, the 2.0.2 one with its
//! organisation's field 6 set aside rather than a transport error.

use std::time::Duration;

use futures::StreamExt;
use kkm_ofd::{ClientConfig, Credentials, Endpoint, OfdClient};
use kkm_proto::cpcr::{CommandTypeEnum, DateTime, Request, Response, ResultTypeEnum};
use kkm_proto::fixtures;
use kkm_proto::frame::{Frame, ServerCodec};
use kkm_proto::tolerant::AsideReason;
use tokio::io::AsyncWriteExt;
use tokio_util::codec::Framed;

const TICKET: &[u8] = include_bytes!("../../kkm-proto/tests/vectors/ticket-response-v203.bin");
const INFO: &[u8] = include_bytes!("../../kkm-proto/tests/vectors/info-response-v202.bin");

/// Sends `request` with `creds` to a server that answers with the captured `answer`;
/// returns what the client accepted, checked to carry `version`, the request's command
/// and result OK.
async fn exchange(
    answer: &'static [u8],
    creds: Credentials,
    request: Request,
    version: u16,
) -> Frame<Response> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let command = request.command;
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut framed = Framed::new(stream, ServerCodec::default());
        let request: Frame<Request> = framed.next().await.unwrap().unwrap();
        assert_eq!(request.message.command, command);
        assert!(request.set_aside.is_empty());
        let mut stream = framed.into_inner();
        stream.write_all(answer).await.unwrap();
        stream.flush().await.unwrap();
        // Keep the connection open until the client has read the answer.
        tokio::time::sleep(Duration::from_secs(2)).await;
    });
    let mut config = ClientConfig::new(Endpoint::plain("127.0.0.1", port));
    config.budget = Duration::from_secs(3);
    let mut client = OfdClient::new(config).unwrap();
    let answer = client.exchange(creds, &request).await.expect("accepted");
    assert_eq!(answer.header.version, version);
    assert_eq!(answer.header.token, creds.token);
    assert_eq!(answer.message.command, command);
    assert_eq!(
        answer.message.result.result_code,
        ResultTypeEnum::ResultTypeOk as u32
    );
    answer
}

#[tokio::test]
async fn the_client_accepts_the_real_ticket_answer() {
    let creds = Credentials {
        kkm_id: 203_539,
        token: 671_795_700,
        reqnum: 84,
    };
    let sale = fixtures::sale_request(1, DateTime::from_unix_seconds(1_795_428_000));
    let answer = exchange(TICKET, creds, sale, 203).await;
    let ticket = answer.message.ticket.as_ref().expect("a ticket answer");
    assert_eq!(ticket.ticket_number, "4228143549");
    assert_eq!(
        ticket.qr_code.as_deref(),
        Some(
            &b"http://consumer.test-oofd.kz?i=4228143549&f=640300014538&s=696.90&t=20280629T170916"
                [..]
        )
    );
    assert_eq!(answer.set_aside.len(), 1);
    let eleven = &answer.set_aside[0];
    assert_eq!((eleven.path.as_str(), eleven.number), ("", 11));
}

#[tokio::test]
async fn the_client_accepts_the_real_2_0_2_info_answer() {
    let creds = Credentials {
        kkm_id: 200_773,
        token: 26_264_070,
        reqnum: 1,
    };
    let info = Request {
        command: CommandTypeEnum::CommandInfo as i32,
        ..Default::default()
    };
    let answer = exchange(INFO, creds, info, 202).await;
    let reg = answer
        .message
        .service
        .as_ref()
        .and_then(|s| s.reg_info.as_ref())
        .expect("registration data");
    let kkm = reg.kkm.as_ref().expect("the KKM");
    assert_eq!(kkm.fns_kkm_id.as_deref(), Some("281948271821"));
    assert_eq!(kkm.serial_number.as_deref(), Some("KTCD1117737127791"));
    let org = reg.org.as_ref().expect("the organisation");
    assert_eq!(org.address.as_deref(), Some("г. Астана, Ленина 33"));
    assert_eq!(org.inn.as_deref(), Some("900101300000"));
    assert_eq!(answer.set_aside.varint("service.reg_info.org", 6), Some(1));
    assert_eq!(answer.set_aside[0].reason, AsideReason::WireTypeMismatch);
    let zx = answer
        .message
        .report
        .as_ref()
        .and_then(|r| r.zx_report.as_ref())
        .expect("the Z report");
    assert_eq!(zx.shift_number, 1);
}
