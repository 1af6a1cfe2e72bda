//! A minimal HTTP/1.1 keep-alive client over one TCP connection: what the end-to-end
//! tests and the benchmark use to talk to the daemon over a real socket, without a
//! general-purpose HTTP client in the dependency tree. It speaks just enough HTTP for
//! this daemon's answers (a status line, headers, a `Content-Length` body).
//!
//! The daemon closes a kept-alive connection left idle (its head timeout, 15 s by
//! default): like a browser, the client opens a new connection before a request when the
//! old one idled that long, or when the daemon has closed it since.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// An answer.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header named `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        serde_json::from_slice(&self.body).with_context(|| {
            format!(
                "the answer is not JSON: {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(200)])
            )
        })
    }
}

/// One keep-alive connection to `addr`.
pub struct HttpClient {
    addr: SocketAddr,
    stream: BufReader<TcpStream>,
    /// When the last answer was read (or the connection opened).
    last_used: Instant,
    /// Longest wait for one answer.
    pub timeout: Duration,
}

/// A connection idle this long is replaced before the next request: the daemon closes
/// idle connections after 15 s unless configured otherwise.
const REUSE_WITHIN: Duration = Duration::from_secs(10);

impl HttpClient {
    /// Connects.
    pub async fn connect(addr: SocketAddr) -> anyhow::Result<HttpClient> {
        Ok(HttpClient {
            addr,
            stream: Self::open(addr).await?,
            last_used: Instant::now(),
            timeout: Duration::from_secs(30),
        })
    }

    async fn open(addr: SocketAddr) -> anyhow::Result<BufReader<TcpStream>> {
        let stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        Ok(BufReader::new(stream))
    }

    /// Whether the daemon has closed the connection while it was idle: no answer is
    /// due, so anything readable (its end, an error, a parting 408) means it is spent.
    fn closed_by_peer(&mut self) -> bool {
        use futures::FutureExt;
        let mut probe = [0u8; 1];
        !self.stream.buffer().is_empty()
            || self
                .stream
                .get_mut()
                .peek(&mut probe)
                .now_or_never()
                .is_some()
    }

    /// Sends `verb path` with `headers` and `body`, and reads the answer. `Host` is the
    /// server's address unless `headers` name one.
    pub async fn request(
        &mut self,
        verb: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> anyhow::Result<HttpResponse> {
        let mut head = format!(
            "{verb} {path} HTTP/1.1\r\nContent-Length: {}\r\n",
            body.len()
        );
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
            head.push_str(&format!("Host: {}\r\n", self.addr));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut message = head.into_bytes();
        message.extend_from_slice(body);
        if self.last_used.elapsed() >= REUSE_WITHIN || self.closed_by_peer() {
            self.stream = Self::open(self.addr).await?;
        }
        let timeout = self.timeout;
        let answer = tokio::time::timeout(timeout, async {
            self.stream.get_mut().write_all(&message).await?;
            self.read_response().await
        })
        .await
        .context("no answer in time")?;
        self.last_used = Instant::now();
        answer
    }

    /// POSTs a JSON body with an optional `Authorization`.
    pub async fn post(
        &mut self,
        path: &str,
        auth: Option<&str>,
        body: &str,
    ) -> anyhow::Result<HttpResponse> {
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(a) = auth {
            headers.push(("Authorization", a));
        }
        self.request("POST", path, &headers, body.as_bytes()).await
    }

    /// GETs `path_and_query` with an optional `Authorization`.
    pub async fn get(
        &mut self,
        path_and_query: &str,
        auth: Option<&str>,
    ) -> anyhow::Result<HttpResponse> {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
        self.request("GET", path_and_query, &headers, b"").await
    }

    async fn read_response(&mut self) -> anyhow::Result<HttpResponse> {
        let mut line = String::new();
        if self.stream.read_line(&mut line).await? == 0 {
            bail!("the connection closed before an answer");
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("bad status line {line:?}"))?;
        let mut headers = Vec::new();
        let mut length: Option<usize> = None;
        let mut chunked = false;
        loop {
            line.clear();
            if self.stream.read_line(&mut line).await? == 0 {
                bail!("the connection closed inside the headers");
            }
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            let (name, value) = trimmed
                .split_once(':')
                .with_context(|| format!("bad header {trimmed:?}"))?;
            let name = name.trim().to_ascii_lowercase();
            let value = value.trim().to_owned();
            if name == "content-length" {
                length = Some(value.parse().context("bad content-length")?);
            }
            if name == "transfer-encoding" {
                if !value.eq_ignore_ascii_case("chunked") {
                    bail!("transfer-encoding {value} is not supported by this client");
                }
                chunked = true;
            }
            headers.push((name, value));
        }
        let body = if chunked {
            self.read_chunked().await?
        } else {
            let mut body = vec![0; length.unwrap_or(0)];
            self.stream.read_exact(&mut body).await?;
            body
        };
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }

    /// A `Transfer-Encoding: chunked` body (the daemon streams long journal listings).
    async fn read_chunked(&mut self) -> anyhow::Result<Vec<u8>> {
        let mut body = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if self.stream.read_line(&mut line).await? == 0 {
                bail!("the connection closed inside a chunked body");
            }
            let size = line.trim().split(';').next().unwrap_or("");
            let size = usize::from_str_radix(size, 16)
                .with_context(|| format!("bad chunk size {line:?}"))?;
            if size == 0 {
                // Trailers (none expected) up to the empty line.
                loop {
                    line.clear();
                    if self.stream.read_line(&mut line).await? == 0 || line.trim().is_empty() {
                        return Ok(body);
                    }
                }
            }
            let start = body.len();
            body.resize(start + size, 0);
            self.stream.read_exact(&mut body[start..]).await?;
            line.clear();
            self.stream.read_line(&mut line).await?;
        }
    }
}
