//! Issue 34, item 6: slow and idle clients cannot hold the daemon. Each test is the
//! attack over real sockets against the daemon with short limits: a head that never
//! ends, a kept-alive connection left idle, a body that stalls, more sockets than the
//! cap, and a shutdown with stalled clients on the line.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use kkm_daemon::client::HttpClient;
use kkm_daemon::server::Limits;
use kkm_e2e::daemon::{Daemon, DaemonConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn daemon(limits: Limits) -> anyhow::Result<Daemon> {
    Daemon::start(DaemonConfig {
        limits: Some(limits),
        ..DaemonConfig::default()
    })
    .await
}

/// Reads until the daemon closes the connection; what it sent, or `None` when it is
/// still open after `within`.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| got)
}

async fn open(addr: SocketAddr, bytes: &[u8]) -> anyhow::Result<TcpStream> {
    let mut stream = TcpStream::connect(addr).await?;
    if !bytes.is_empty() {
        stream.write_all(bytes).await?;
    }
    Ok(stream)
}

async fn ping(addr: SocketAddr) -> anyhow::Result<u16> {
    let mut client = HttpClient::connect(addr).await?;
    client.timeout = Duration::from_secs(5);
    Ok(client.get("/Ping", None).await?.status)
}

const HALF_HEAD: &[u8] = b"GET /Ping HTTP/1.1\r\nHost: 127.0.0.1\r\n";
const HALF_BODY: &[u8] = b"POST /GetOperatorList HTTP/1.1\r\nHost: 127.0.0.1\r\n\
Content-Type: application/json\r\nConnection: close\r\nContent-Length: 100\r\n\r\n{\"pin\":";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_that_never_ends_and_an_idle_connection_are_closed() -> anyhow::Result<()> {
    let daemon = daemon(Limits {
        header_timeout: Duration::from_secs(1),
        ..Limits::default()
    })
    .await?;
    // Slowloris: half a head, then silence.
    let started = Instant::now();
    let mut slow = open(daemon.addr, HALF_HEAD).await?;
    let closed = read_until_closed(&mut slow, Duration::from_secs(10)).await;
    assert!(
        closed.is_some(),
        "a head that never ends holds the connection"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));

    // A whole request, answered; then the kept-alive connection idles and is closed.
    let mut idle = open(
        daemon.addr,
        b"GET /Ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n",
    )
    .await?;
    let answer = read_until_closed(&mut idle, Duration::from_secs(10))
        .await
        .expect("an idle kept-alive connection stays open forever");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stalls_fails_the_request() -> anyhow::Result<()> {
    let daemon = daemon(Limits {
        body_timeout: Duration::from_secs(1),
        ..Limits::default()
    })
    .await?;
    let mut stalled = open(daemon.addr, HALF_BODY).await?;
    let answer = read_until_closed(&mut stalled, Duration::from_secs(10))
        .await
        .expect("a stalled body holds the connection");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("\"response_code\":2"), "{answer}");
    assert!(answer.contains("stalled"), "{answer}");
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_cap_idle_sockets_make_room_and_busy_ones_are_kept() -> anyhow::Result<()> {
    let daemon = daemon(Limits {
        max_connections: 8,
        body_timeout: Duration::from_secs(60),
        ..Limits::default()
    })
    .await?;
    // 40 sockets that send nothing: before the cap, all 40 stayed open (and with a
    // 128-descriptor limit, 150 of them left /Ping without a descriptor).
    let mut idle = Vec::new();
    for _ in 0..40 {
        idle.push(open(daemon.addr, b"").await?);
    }
    assert_eq!(ping(daemon.addr).await?, 200);
    let mut closed = 0;
    for stream in &mut idle {
        if read_until_closed(stream, Duration::from_millis(200))
            .await
            .is_some()
        {
            closed += 1;
        }
    }
    assert!(
        closed > 40 - 8,
        "only {closed} of 40 idle sockets were closed for the cap of 8"
    );

    // Eight requests in flight (their bodies stall): none is cut for a newcomer, and
    // the newcomer is closed at once instead of waiting.
    drop(idle);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut busy = Vec::new();
    for _ in 0..8 {
        busy.push(open(daemon.addr, HALF_BODY).await?);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut newcomer = open(daemon.addr, HALF_HEAD).await?;
    assert!(
        read_until_closed(&mut newcomer, Duration::from_secs(5))
            .await
            .is_some(),
        "with every connection busy a new one must be closed, not queued"
    );
    for stream in &mut busy {
        assert!(
            read_until_closed(stream, Duration::from_millis(100))
                .await
                .is_none(),
            "a request in flight was cut for a newcomer"
        );
    }
    // The requests finish; the daemon answers again.
    for stream in &mut busy {
        stream.write_all(&[b' '; 93]).await?;
    }
    for stream in &mut busy {
        let answer = read_until_closed(stream, Duration::from_secs(20)).await;
        let answer = String::from_utf8_lossy(answer.as_deref().unwrap_or(b"open"));
        assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    }
    assert_eq!(ping(daemon.addr).await?, 200);
    daemon.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_does_not_wait_for_stalled_clients() -> anyhow::Result<()> {
    let daemon = daemon(Limits {
        header_timeout: Duration::from_secs(120),
        body_timeout: Duration::from_secs(120),
        shutdown_grace: Duration::from_secs(1),
        ..Limits::default()
    })
    .await?;
    let _half_head = open(daemon.addr, HALF_HEAD).await?;
    let _half_body = open(daemon.addr, HALF_BODY).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    // `stop` fails when the server takes more than 10 s.
    daemon.stop().await?;
    assert!(started.elapsed() < Duration::from_secs(10));
    Ok(())
}
