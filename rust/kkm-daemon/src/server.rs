//! The daemon's own HTTP/1.1 accept loop: every connection under time limits and a cap.
//!
//! `axum::serve` has no read, idle or write timeout and no connection cap: 300 slow
//! clients stayed connected for minutes, 150 idle sockets used up a 128-descriptor limit
//! (and with it the journal's and the printers' descriptors), and a half-sent request
//! held shutdown forever (issue 34, item 6). This loop serves the same router with:
//!
//! * **a head timeout** ([`Limits::header_timeout`]): a request's line and headers must
//!   arrive within it; the same clock runs while a kept-alive connection waits for its
//!   next request, so it is the idle timeout as well (hyper's `header_read_timeout`);
//! * **a body timeout** ([`Limits::body_timeout`]): a body that sends nothing for that
//!   long, or is not complete within four times that long, fails the request (code 2)
//!   and the connection closes;
//! * **a write timeout** ([`Limits::write_timeout`]): a client that stops reading an
//!   answer (a journal export, the overview's event stream) is cut off;
//! * **a connection cap** ([`Limits::max_connections`]): past it, a new connection
//!   closes the connection idle the longest (one with no request in flight); when every
//!   connection has a request in flight, the new one is closed at once;
//! * **a bounded shutdown** ([`Limits::shutdown_grace`]): no new connection is taken,
//!   idle ones close, requests in flight get the grace period, then the rest is dropped.
//!   The registry's operation in flight runs in its own task and is not cut (see
//!   [`crate::http`]).
//!
//! A [`Listener`] is plain or HTTPS ([`crate::tls`]); the TLS handshake must end within
//! the head timeout. A request that came over TLS carries [`Tls`] in its extensions,
//! and every cookie its answer sets is marked `Secure`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Request};
use axum::response::Response;
use axum::Router;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tokio::time::Sleep;
use tokio_rustls::TlsAcceptor;
use tower_service::Service;
use tracing::{debug, warn};

/// The time limits and the connection cap of the HTTP listener.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// A request's head must arrive within this; also how long an idle kept-alive
    /// connection stays open. Default 15 s.
    pub header_timeout: Duration,
    /// The longest pause inside a request body; the whole body must arrive within four
    /// times this. Default 15 s (a 2 MiB body then needs 35 KB/s).
    pub body_timeout: Duration,
    /// The longest a write of the answer may wait for the client to read. Default 30 s.
    pub write_timeout: Duration,
    /// Open connections at most. Default 512 (under the usual 1,024-descriptor limit,
    /// leaving the journal, the printers and the OFD theirs).
    pub max_connections: usize,
    /// How long shutdown waits for requests in flight. Default 5 s.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(15),
            body_timeout: Duration::from_secs(15),
            write_timeout: Duration::from_secs(30),
            max_connections: 512,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// A socket the daemon listens on: plain HTTP, or HTTPS with its acceptor.
pub struct Listener {
    tcp: TcpListener,
    tls: Option<TlsAcceptor>,
}

impl Listener {
    /// Plain HTTP.
    pub fn plain(tcp: TcpListener) -> Listener {
        Listener { tcp, tls: None }
    }

    /// HTTPS.
    pub fn https(tcp: TcpListener, acceptor: TlsAcceptor) -> Listener {
        Listener {
            tcp,
            tls: Some(acceptor),
        }
    }
}

/// In a request's extensions when it came over TLS.
#[derive(Clone, Copy, Debug)]
pub struct Tls;

/// Serves `router` on `listeners` under `limits` (one connection cap for all) until
/// `shutdown` resolves; returns when every connection has closed or the grace period
/// is over.
pub async fn serve(
    listeners: Vec<Listener>,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let table = Arc::new(Table::new(limits.max_connections.max(1)));
    let mut tasks = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut refused_logged: Option<Instant> = None;
    if listeners.is_empty() {
        return Err(io::Error::other("nothing to listen on"));
    }
    loop {
        // `accept` is cancel-safe: the futures of the listeners that lost are dropped.
        let accepts = listeners
            .iter()
            .map(|l| Box::pin(async move { (l.tcp.accept().await, l.tls.clone()) }));
        let ((accepted, tls), _, _) = tokio::select! {
            () = &mut shutdown => break,
            first = futures::future::select_all(accepts) => first,
            // Reap finished connections so the set does not grow.
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // EMFILE and friends: wait for a descriptor instead of spinning.
                warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Some(conn) = table.admit() else {
            // Every connection has a request in flight: close this one at once (its
            // descriptor must not be held), and say so at most once a second.
            if refused_logged.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
                warn!(%peer, cap = limits.max_connections, "connection refused: every connection is busy");
                refused_logged = Some(Instant::now());
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let served = Served {
            peer,
            router: router.clone(),
            limits,
            conn,
            stop: stop_rx.clone(),
        };
        let table = table.clone();
        tasks.spawn(async move {
            let id = served.conn.id;
            match tls {
                None => served.run(stream, false).await,
                Some(acceptor) => {
                    // The handshake, like a request's head, within the head timeout.
                    let handshake = acceptor.accept(stream);
                    match tokio::time::timeout(limits.header_timeout, handshake).await {
                        Ok(Ok(stream)) => served.run(stream, true).await,
                        Ok(Err(e)) => debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => debug!(%peer, "TLS handshake timed out"),
                    }
                }
            }
            table.remove(id);
        });
    }
    drop(listeners);
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        warn!(
            connections = tasks.len(),
            "shutdown: closing connections still busy after the grace period"
        );
        tasks.shutdown().await;
    }
    Ok(())
}

/// One accepted connection and what serving it needs.
struct Served {
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    conn: Arc<Conn>,
    stop: watch::Receiver<bool>,
}

impl Served {
    /// hyper's HTTP/1.1 on `stream` under the limits, closed gracefully when evicted or
    /// at shutdown. `tls`: the stream is TLS (requests get [`Tls`], cookies `Secure`).
    async fn run<S>(self, stream: S, tls: bool)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Served {
            peer,
            router,
            limits,
            conn,
            mut stop,
        } = self;
        let io = TokioIo::new(WriteTimeout::new(stream, limits.write_timeout));
        let service_conn = conn.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let conn = service_conn.clone();
            let mut router = router.clone();
            async move {
                let _busy = conn.begin();
                let (parts, body) = request.into_parts();
                let body = Body::new(TimedBody::new(body, limits.body_timeout));
                let mut request = Request::from_parts(parts, body);
                request.extensions_mut().insert(ConnectInfo(peer));
                if tls {
                    request.extensions_mut().insert(Tls);
                }
                let response: Result<Response, Infallible> = router.call(request).await;
                response.map(|r| if tls { secure_cookies(r) } else { r })
            }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .keep_alive(true)
            .serve_connection(io, service);
        let mut connection = std::pin::pin!(connection);
        let mut closing = false;
        let result = loop {
            tokio::select! {
                result = connection.as_mut() => break result,
                () = conn.evict.notified(), if !closing => {
                    debug!(%peer, "connection closed to make room for a new one");
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                }
                changed = stop.changed(), if !closing => {
                    let _ = changed;
                    connection.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
        };
        if let Err(e) = result {
            debug!(%peer, error = %e, "connection ended with an error");
        }
    }
}

/// Marks every cookie of an answer sent over TLS `Secure`: the browser then never
/// sends it over plain HTTP.
fn secure_cookies(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let cookies: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| {
            let text = String::from_utf8_lossy(v.as_bytes());
            if text
                .split(';')
                .any(|p| p.trim().eq_ignore_ascii_case("secure"))
            {
                v.clone()
            } else {
                HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or_else(|_| v.clone())
            }
        })
        .collect();
    if !cookies.is_empty() {
        headers.remove(header::SET_COOKIE);
        for c in cookies {
            headers.append(header::SET_COOKIE, c);
        }
    }
    response
}

/// The open connections, for the cap.
struct Table {
    cap: usize,
    started: Instant,
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Conn>>>,
}

/// One open connection: requests in flight, last activity, and the signal to close.
struct Conn {
    id: u64,
    busy: AtomicU32,
    /// Milliseconds since [`Table::started`] of the last request's start or end.
    last_active: AtomicU64,
    evict: Notify,
    started: Instant,
}

impl Table {
    fn new(cap: usize) -> Table {
        Table {
            cap,
            started: Instant::now(),
            next_id: AtomicU64::new(0),
            open: Mutex::new(HashMap::new()),
        }
    }

    /// A slot for a new connection: free, or taken from the connection idle the longest
    /// (told to close); `None` when every connection has a request in flight.
    fn admit(&self) -> Option<Arc<Conn>> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.len() >= self.cap {
            let victim = open
                .values()
                .filter(|c| c.busy.load(Ordering::Acquire) == 0)
                .min_by_key(|c| (c.last_active.load(Ordering::Relaxed), c.id))
                .map(|c| c.id)?;
            if let Some(victim) = open.remove(&victim) {
                victim.evict.notify_one();
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            id,
            busy: AtomicU32::new(0),
            last_active: AtomicU64::new(self.now_ms()),
            evict: Notify::new(),
            started: self.started,
        });
        open.insert(id, conn.clone());
        Some(conn)
    }

    fn remove(&self, id: u64) {
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

impl Conn {
    /// Marks a request in flight until the returned guard drops.
    fn begin(self: &Arc<Conn>) -> Busy {
        self.busy.fetch_add(1, Ordering::AcqRel);
        self.touch();
        Busy(self.clone())
    }

    fn touch(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_active.store(now, Ordering::Relaxed);
    }
}

/// A request in flight on a connection (see [`Conn::begin`]).
struct Busy(Arc<Conn>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A request body that fails when the client pauses too long or sends too slowly.
struct TimedBody {
    inner: Incoming,
    pause: Duration,
    deadline: tokio::time::Instant,
    timer: Pin<Box<Sleep>>,
}

/// The error of a body that timed out.
#[derive(Debug, thiserror::Error)]
#[error("the request body stalled: nothing for {0:?}, or not complete in time")]
pub struct BodyTimeout(Duration);

impl TimedBody {
    fn new(inner: Incoming, pause: Duration) -> TimedBody {
        let now = tokio::time::Instant::now();
        let deadline = now + pause.saturating_mul(4);
        TimedBody {
            inner,
            pause,
            deadline,
            timer: Box::pin(tokio::time::sleep_until((now + pause).min(deadline))),
        }
    }
}

impl HttpBody for TimedBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                let next = (tokio::time::Instant::now() + this.pause).min(this.deadline);
                this.timer.as_mut().reset(next);
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                ready!(this.timer.as_mut().poll(cx));
                Poll::Ready(Some(Err(Box::new(BodyTimeout(this.pause)))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A stream whose writes fail with `TimedOut` after waiting `limit` for the peer.
struct WriteTimeout<S> {
    inner: S,
    limit: Duration,
    timer: Option<Pin<Box<Sleep>>>,
}

impl<S> WriteTimeout<S> {
    fn new(inner: S, limit: Duration) -> WriteTimeout<S> {
        WriteTimeout {
            inner,
            limit,
            timer: None,
        }
    }

    /// Called when a write is pending: arms the timer, or fails once it ran out.
    fn poll_waiting(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let limit = self.limit;
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        ready!(timer.as_mut().poll(cx));
        Poll::Ready(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client read nothing of the answer in time",
        ))
    }

    fn settle<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match polled {
            Poll::Ready(result) => {
                self.timer = None;
                Poll::Ready(result)
            }
            Poll::Pending => self.poll_waiting(cx).map(Err),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WriteTimeout<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteTimeout<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.settle(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.settle(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.settle(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.settle(cx, polled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test(start_paused = true)]
    async fn a_write_the_peer_never_reads_fails_after_the_limit() {
        let (ours, _theirs) = tokio::io::duplex(64);
        let mut stream = WriteTimeout::new(ours, Duration::from_secs(30));
        let started = tokio::time::Instant::now();
        let error = stream
            .write_all(&[0u8; 4096])
            .await
            .expect_err("the peer reads nothing");
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_reader_that_keeps_reading_is_not_cut_off() {
        let (ours, mut theirs) = tokio::io::duplex(64);
        let mut stream = WriteTimeout::new(ours, Duration::from_secs(30));
        let reader = tokio::spawn(async move {
            let mut buf = [0u8; 64];
            let mut total = 0;
            while total < 4096 {
                tokio::time::sleep(Duration::from_secs(20)).await;
                total += tokio::io::AsyncReadExt::read(&mut theirs, &mut buf)
                    .await
                    .expect("read");
            }
            total
        });
        stream
            .write_all(&[0u8; 4096])
            .await
            .expect("each wait < 30 s");
        assert_eq!(reader.await.expect("reader"), 4096);
    }

    #[test]
    fn past_the_cap_the_longest_idle_connection_makes_room() {
        let table = Table::new(2);
        let a = table.admit().expect("free");
        let b = table.admit().expect("free");
        let _busy = b.begin();
        a.last_active.store(0, Ordering::Relaxed);
        let c = table.admit().expect("a is idle: it gives its place");
        assert_eq!(table.open.lock().expect("lock").len(), 2);
        assert!(!table.open.lock().expect("lock").contains_key(&a.id));
        // `a` was told to close: its signal is stored for its task.
        let told = a.evict.notified();
        let mut told = std::pin::pin!(told);
        let waker = futures::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(told.as_mut().poll(&mut cx).is_ready());
        // b and c both busy: a fourth is refused.
        let _busy_c = c.begin();
        assert!(table.admit().is_none());
    }
}
