//! Issue 34, item 9: HTTPS beyond loopback. The daemon serves its plain listener and an
//! HTTPS one side by side (a self-signed certificate made in the data folder on first
//! start); over HTTPS the API answers and every console cookie is `Secure`, over plain
//! HTTP the cookies stay as they were; the HTTPS port speaks no plain HTTP, and a
//! client that never finishes its handshake is closed like one that never sends a head.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use kkm_daemon::client::HttpClient;
use kkm_daemon::guard::WebGuard;
use kkm_daemon::server::{Limits, Listener};
use kkm_daemon::tls::{self, TlsSettings};
use kkm_register::{Registry, RegistryConfig};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

struct Served {
    plain: SocketAddr,
    https: SocketAddr,
    cert: Vec<u8>,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn start() -> anyhow::Result<Served> {
    let dir = tempfile::tempdir()?;
    let registry = Registry::open(RegistryConfig::new(dir.path()))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let plain = TcpListener::bind("127.0.0.1:0").await?;
    let https = TcpListener::bind("127.0.0.1:0").await?;
    let settings = TlsSettings {
        listen: https.local_addr()?,
        cert: None,
        key: None,
    };
    let names = tls::certificate_names(settings.listen, &[]);
    let made = tls::acceptor(&settings, dir.path(), &names)?;
    assert!(made.generated, "a first start makes its certificate");
    let cert = std::fs::read(dir.path().join("tls/cert.pem"))?;
    let (plain_addr, https_addr) = (plain.local_addr()?, https.local_addr()?);
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(kkm_daemon::http::serve_on(
        vec![
            Listener::plain(plain),
            Listener::https(https, made.acceptor),
        ],
        registry,
        WebGuard::default(),
        Limits {
            header_timeout: Duration::from_secs(1),
            ..Limits::default()
        },
        async move {
            let _ = stopped.await;
        },
    ));
    Ok(Served {
        plain: plain_addr,
        https: https_addr,
        cert,
        stop,
        server,
        _dir: dir,
    })
}

/// One request over TLS (trusting `cert`), `Connection: close`: the whole answer.
async fn https_request(
    addr: SocketAddr,
    cert: &[u8],
    head: &str,
    body: &str,
) -> anyhow::Result<String> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(cert) {
        roots.add(c?)?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await?;
    let mut tls = connector
        .connect(ServerName::try_from("localhost")?, tcp)
        .await?;
    let request = format!(
        "{head}\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), tls.read_to_end(&mut answer)).await?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

fn set_cookies(answer: &str) -> Vec<&str> {
    answer
        .lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_beside_plain_http_with_secure_cookies() -> anyhow::Result<()> {
    let served = start().await?;
    let ping = https_request(served.https, &served.cert, "GET /Ping HTTP/1.1", "").await?;
    assert!(ping.starts_with("HTTP/1.1 200"), "{ping}");

    // The console's sign-in form over HTTPS: its CSRF cookie is Secure.
    let form = https_request(
        served.https,
        &served.cert,
        "GET /console/signin HTTP/1.1",
        "",
    )
    .await?;
    let cookies = set_cookies(&form);
    assert!(!cookies.is_empty(), "{form}");
    assert!(
        cookies.iter().all(|c| c.ends_with("; Secure")),
        "{cookies:?}"
    );
    let pre = cookies[0]
        .strip_prefix("kkm_pre=")
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_owned();
    // Signing in over HTTPS: the session cookie is Secure too. (0000 opens the PIN
    // change only; its cookie is the same kind.)
    let signed = https_request(
        served.https,
        &served.cert,
        &format!(
            "POST /console/signin HTTP/1.1\r\nCookie: kkm_pre={pre}\r\n\
             Content-Type: application/x-www-form-urlencoded"
        ),
        &format!("csrf={pre}&next=%2Fconsole%2F&access_pin=0000"),
    )
    .await?;
    assert!(signed.starts_with("HTTP/1.1 303"), "{signed}");
    let session: Vec<_> = set_cookies(&signed)
        .into_iter()
        .filter(|c| c.starts_with("kkm_session="))
        .collect();
    assert_eq!(session.len(), 1, "{signed}");
    assert!(session[0].contains("HttpOnly") && session[0].ends_with("; Secure"));

    // Plain HTTP on loopback: the same cookies, without Secure (a browser would drop a
    // Secure cookie set over plain HTTP).
    let mut plain = HttpClient::connect(served.plain).await?;
    let form = plain.get("/console/signin", None).await?;
    let cookie = form
        .headers
        .iter()
        .find(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    assert!(
        cookie.starts_with("kkm_pre=") && !cookie.contains("Secure"),
        "{cookie}"
    );

    // The HTTPS port speaks no plain HTTP: no answer, the connection closes.
    let mut raw = TcpStream::connect(served.https).await?;
    raw.write_all(b"GET /Ping HTTP/1.1\r\nHost: x\r\n\r\n")
        .await?;
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), raw.read_to_end(&mut buf)).await??;
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));

    // A client that never finishes its handshake is closed after the head timeout.
    let mut silent = TcpStream::connect(served.https).await?;
    let closed = tokio::time::timeout(Duration::from_secs(10), silent.read(&mut [0u8; 16])).await;
    assert!(closed.is_ok(), "a silent TLS client held its connection");

    let _ = served.stop.send(());
    served.server.await??;
    Ok(())
}
