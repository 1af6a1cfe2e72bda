//! One request/answer exchange with the OFD under the protocol's rules for the normal
//! (online) mode. See the crate docs for the retry rules.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use kkm_proto::cpcr::{Request, Response, ResultTypeEnum};
use kkm_proto::frame::{ClientCodec, Frame, FrameHeader, PROTOCOL_VERSION};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};
use tokio_rustls::TlsConnector;
use tokio_util::codec::Framed;
use tracing::{debug, warn};

/// Where an OFD listens: `host:port`, with TLS when written `host:port,tls`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name or IP address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Use TLS (rustls) on this endpoint.
    pub tls: bool,
    /// Extra trusted root certificates (PEM), besides Mozilla's, for TLS.
    pub extra_roots_pem: Option<Vec<u8>>,
}

impl Endpoint {
    /// A plain-TCP endpoint.
    pub fn plain(host: impl Into<String>, port: u16) -> Self {
        Endpoint {
            host: host.into(),
            port,
            tls: false,
            extra_roots_pem: None,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)?;
        } else {
            write!(f, "{}:{}", self.host, self.port)?;
        }
        if self.tls {
            write!(f, ",tls")?;
        }
        Ok(())
    }
}

impl FromStr for Endpoint {
    type Err = String;

    /// Parses `host:port`, `host:port,tls` or `[v6]:port[,tls]`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, tls) = match s.trim().rsplit_once(',') {
            Some((addr, "tls")) => (addr, true),
            Some((_, other)) => {
                return Err(format!("unknown endpoint option {other:?} (only \"tls\")"))
            }
            None => (s.trim(), false),
        };
        let (host, port) = addr
            .rsplit_once(':')
            .ok_or_else(|| format!("expected HOST:PORT, got {addr:?}"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(format!("no host in {addr:?}"));
        }
        let port = port
            .parse()
            .map_err(|e| format!("bad port {port:?}: {e}"))?;
        Ok(Endpoint {
            host: host.to_string(),
            port,
            tls,
            extra_roots_pem: None,
        })
    }
}

/// How the client talks to one endpoint.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The OFD.
    pub endpoint: Endpoint,
    /// Total time for one transaction, retries included (the seed's 5 seconds).
    pub budget: Duration,
    /// Longest wait for one connection attempt (bounded by what is left of the budget).
    pub connect_timeout: Duration,
    /// Pause between attempts after a failure.
    pub retry_pause: Duration,
    /// Protocol version put in headers (203 = "2.0.3").
    pub version: u16,
}

impl ClientConfig {
    /// The protocol's defaults: 5 s budget, 2 s per connection attempt, 200 ms pause.
    pub fn new(endpoint: Endpoint) -> Self {
        ClientConfig {
            endpoint,
            budget: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            retry_pause: Duration::from_millis(200),
            version: PROTOCOL_VERSION,
        }
    }
}

/// What identifies a request in its header. The caller owns REQNUM: it increments and
/// persists it *before* calling [`OfdClient::exchange`], and passes the same value again
/// to resend the same request later (the OFD then answers from memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Credentials {
    /// ID: the KKM's id at the OFD.
    pub kkm_id: u32,
    /// TOKEN: the last token the OFD gave.
    pub token: u32,
    /// REQNUM of this request.
    pub reqnum: u16,
}

/// Why an exchange produced no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// Nothing adequate came back within the budget: the caller goes autonomous.
    #[error("no answer from the OFD at {endpoint} within {budget:?} after {attempts} attempt(s): {last}")]
    NoAnswer {
        /// The endpoint.
        endpoint: String,
        /// The budget that ran out.
        budget: Duration,
        /// Connection or send attempts made.
        attempts: u32,
        /// The last problem seen.
        last: String,
    },
    /// TLS could not be set up (bad extra roots, bad host name).
    #[error("TLS setup for {endpoint}: {reason}")]
    Tls {
        /// The endpoint.
        endpoint: String,
        /// What was wrong.
        reason: String,
    },
}

trait Io: AsyncRead + AsyncWrite + Send + Sync + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Sync + Unpin> Io for T {}

type Connection = Framed<Box<dyn Io>, ClientCodec>;

/// A CPCR client for one endpoint. It keeps its connection between exchanges and
/// reconnects when needed. One exchange at a time (`&mut self`): a KKM's requests are
/// strictly sequential by protocol.
pub struct OfdClient {
    config: ClientConfig,
    tls: Option<(TlsConnector, ServerName<'static>)>,
    connection: Option<Connection>,
}

impl fmt::Debug for OfdClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OfdClient")
            .field("endpoint", &self.config.endpoint.to_string())
            .field("connected", &self.connection.is_some())
            .finish()
    }
}

fn tls_connector(
    endpoint: &Endpoint,
) -> Result<(TlsConnector, ServerName<'static>), ExchangeError> {
    let fail = |reason: String| ExchangeError::Tls {
        endpoint: endpoint.to_string(),
        reason,
    };
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = &endpoint.extra_roots_pem {
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| fail(format!("extra roots: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| fail(format!("extra roots: {e}")))?;
            added += 1;
        }
        if added == 0 {
            return Err(fail("extra roots: no certificate in the PEM".into()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fail(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(endpoint.host.clone()).map_err(|e| fail(e.to_string()))?;
    Ok((TlsConnector::from(Arc::new(config)), name))
}

fn is_transient(code: u32) -> bool {
    code == ResultTypeEnum::ResultTypeServiceTemporarilyUnavailable as u32
        || code == ResultTypeEnum::ResultTypeUnknownError as u32
}

impl OfdClient {
    /// A client for `config.endpoint` (nothing is connected yet).
    pub fn new(config: ClientConfig) -> Result<Self, ExchangeError> {
        let tls = if config.endpoint.tls {
            Some(tls_connector(&config.endpoint)?)
        } else {
            None
        };
        Ok(OfdClient {
            config,
            tls,
            connection: None,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Whether a connection is open now.
    pub fn is_connected(&self) -> bool {
        self.connection.is_some()
    }

    /// Closes the connection (the next exchange reconnects).
    pub fn disconnect(&mut self) {
        self.connection = None;
    }

    async fn connect(&self, deadline: Instant) -> Result<Connection, String> {
        let e = &self.config.endpoint;
        let connect_deadline = deadline.min(Instant::now() + self.config.connect_timeout);
        let stream = timeout_at(
            connect_deadline,
            TcpStream::connect((e.host.as_str(), e.port)),
        )
        .await
        .map_err(|_| "connection attempt timed out".to_string())?
        .map_err(|err| format!("connect: {err}"))?;
        stream
            .set_nodelay(true)
            .map_err(|err| format!("set_nodelay: {err}"))?;
        let io: Box<dyn Io> = match &self.tls {
            None => Box::new(stream),
            Some((connector, name)) => {
                let tls = timeout_at(connect_deadline, connector.connect(name.clone(), stream))
                    .await
                    .map_err(|_| "TLS handshake timed out".to_string())?
                    .map_err(|err| format!("TLS handshake: {err}"))?;
                Box::new(tls)
            }
        };
        Ok(Framed::new(io, ClientCodec::default()))
    }

    /// Sends `request` and returns the OFD's answer to it, retrying within the budget.
    ///
    /// Returns `Ok` for every answer except the transient codes 254/255 — a refusal
    /// such as `INVALID_TOKEN` or `BLOCKED` is an answer for the caller to act on. The
    /// answer's header carries the token to use from now on (it may have changed):
    /// persist it before acting on the answer.
    pub async fn exchange(
        &mut self,
        creds: Credentials,
        request: &Request,
    ) -> Result<Frame<Response>, ExchangeError> {
        let started = Instant::now();
        let deadline = started + self.config.budget;
        let header = FrameHeader {
            version: self.config.version,
            kkm_id: creds.kkm_id,
            token: creds.token,
            reqnum: creds.reqnum,
        };
        let mut attempts = 0u32;
        let mut last = String::from("not tried");
        while Instant::now() < deadline {
            if attempts > 0 {
                let pause = (Instant::now() + self.config.retry_pause).min(deadline);
                tokio::time::sleep_until(pause).await;
                if Instant::now() >= deadline {
                    break;
                }
            }
            attempts += 1;
            let mut connection = match self.connection.take() {
                Some(c) => c,
                None => match self.connect(deadline).await {
                    Ok(c) => c,
                    Err(problem) => {
                        debug!(attempt = attempts, %problem, "OFD connection failed");
                        last = problem;
                        continue;
                    }
                },
            };
            let frame = Frame::new(header, request.clone());
            match timeout_at(deadline, connection.send(frame)).await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => {
                    last = format!("send: {err}");
                    continue;
                }
                Err(_) => {
                    last = "send timed out".into();
                    break;
                }
            }
            match read_answer(&mut connection, header, deadline).await {
                Ok(answer) if is_transient(answer.message.result.result_code) => {
                    // The protocol: disconnect and try again within the budget.
                    last = format!("the OFD answered {}", answer.message.result.result_code);
                    debug!(attempt = attempts, %last, "transient OFD answer");
                }
                Ok(answer) => {
                    self.connection = Some(connection);
                    return Ok(answer);
                }
                Err(problem) => last = problem,
            }
        }
        self.connection = None;
        warn!(endpoint = %self.config.endpoint, attempts, %last, "no answer from the OFD within the budget");
        Err(ExchangeError::NoAnswer {
            endpoint: self.config.endpoint.to_string(),
            budget: self.config.budget,
            attempts,
            last,
        })
    }
}

/// Reads frames until the answer to `header` arrives; skips late answers to earlier
/// requests. Any other problem means the connection is no longer usable.
async fn read_answer(
    connection: &mut Connection,
    header: FrameHeader,
    deadline: Instant,
) -> Result<Frame<Response>, String> {
    loop {
        let next = timeout_at(deadline, connection.next())
            .await
            .map_err(|_| "no answer in time".to_string())?;
        let answer = match next {
            None => return Err("the OFD closed the connection".into()),
            Some(Err(err)) => return Err(format!("bad frame from the OFD: {err}")),
            Some(Ok(answer)) => answer,
        };
        if answer.header.kkm_id == header.kkm_id && answer.header.reqnum == header.reqnum {
            if !answer.set_aside.is_empty() {
                debug!(
                    fields = ?answer.set_aside.iter().map(|f| (&f.path, f.number, f.reason)).collect::<Vec<_>>(),
                    "the OFD's answer carries fields our protos do not read; set aside"
                );
            }
            return Ok(answer);
        }
        debug!(
            got = answer.header.reqnum,
            want = header.reqnum,
            "discarding an answer to another request"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse() {
        let e: Endpoint = "127.0.0.1:7777".parse().unwrap();
        assert_eq!((e.host.as_str(), e.port, e.tls), ("127.0.0.1", 7777, false));
        let e: Endpoint = "ofd.example.kz:7778,tls".parse().unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.tls),
            ("ofd.example.kz", 7778, true)
        );
        assert_eq!(e.to_string(), "ofd.example.kz:7778,tls");
        let e: Endpoint = "[::1]:1,tls".parse().unwrap();
        assert_eq!(e.host, "::1");
        assert_eq!(e.to_string(), "[::1]:1,tls");
        for bad in ["", "host", "host:x", ":1", "h:1,ssl", "h:70000"] {
            assert!(bad.parse::<Endpoint>().is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_extra_roots_are_a_tls_error() {
        let mut e = Endpoint::plain("localhost", 1);
        e.tls = true;
        e.extra_roots_pem = Some(b"not a pem".to_vec());
        assert!(matches!(
            OfdClient::new(ClientConfig::new(e)),
            Err(ExchangeError::Tls { .. })
        ));
    }
}
