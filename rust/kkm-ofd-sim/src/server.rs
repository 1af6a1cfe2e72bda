//! The emulator's TCP server: accepts CPCR connections, answers frames from the
//! [`Ledger`], applies injected faults, and optionally persists its books.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use futures::{SinkExt, StreamExt};
use kkm_proto::cpcr::{Request, Response, ResultTypeEnum};
use kkm_proto::frame::{self, Frame, FrameError, ServerCodec};
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::fault::{Fault, FaultPlan};
use crate::ledger::{KkmLedger, Ledger, TokenPolicy};
use crate::persist::Books;
use crate::profile::KkmProfile;

/// Kazakhstan's civil time is UTC+5: the calendar the emulator dates its own reports in.
pub const KZ_UTC_OFFSET_SECS: i64 = 5 * 3600;

pub use crate::persist::{LOG_FILE, STATE_FILE};

/// How to start an emulator.
#[derive(Debug, Clone, Default)]
pub struct SimConfig {
    /// The registered KKMs.
    pub kkms: Vec<KkmProfile>,
    /// Token rotation policy.
    pub policy: TokenPolicy,
    /// Where to keep the books across restarts (`None`: in memory only).
    pub state_dir: Option<PathBuf>,
    /// A fault in force from the start.
    pub fault: FaultPlan,
}

impl SimConfig {
    /// A configuration for the given `(id, token)` pairs.
    pub fn with_kkms(kkms: impl IntoIterator<Item = (u32, u32)>) -> Self {
        SimConfig {
            kkms: kkms
                .into_iter()
                .map(|(id, token)| KkmProfile::new(id, token))
                .collect(),
            ..Default::default()
        }
    }
}

/// A short public view of one KKM's books (what `status` reports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KkmStatus {
    /// KKM id.
    pub kkm_id: u32,
    /// Current token.
    pub token: u32,
    /// Number of the open shift, or of the last one.
    pub shift_number: u32,
    /// Whether a shift is open.
    pub shift_open: bool,
    /// Documents accepted so far.
    pub accepted: usize,
    /// Tickets accepted twice with the same content.
    pub duplicates: u32,
    /// Token changes so far.
    pub rotations: u32,
    /// Cash in the drawer (tiyn).
    pub cash: u64,
    /// Blocked at the OFD.
    pub blocked: bool,
}

impl From<&KkmLedger> for KkmStatus {
    fn from(k: &KkmLedger) -> Self {
        KkmStatus {
            kkm_id: k.profile.kkm_id,
            token: k.token,
            shift_number: k.shift.as_ref().map_or(k.last_shift_number, |s| s.number),
            shift_open: k.shift.is_some(),
            accepted: k.accepted.len(),
            duplicates: k.duplicates,
            rotations: k.rotations,
            cash: k.cash,
            blocked: k.blocked,
        }
    }
}

struct Shared {
    ledger: Mutex<Ledger>,
    fault: Mutex<FaultPlan>,
    refuse: watch::Sender<bool>,
    books: Option<Mutex<Books>>,
    requests: AtomicU64,
}

/// Locks a mutex, recovering the data if a previous holder panicked.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn take_fault(&self, kkm_id: Option<u32>) -> Fault {
        lock(&self.fault).take(kkm_id)
    }

    fn persist(&self, ledger: &mut Ledger) {
        let Some(books) = &self.books else { return };
        if let Err(e) = lock(books).save(ledger) {
            warn!(error = %e, "could not save the emulator state");
        }
    }
}

fn load_ledger(config: &SimConfig) -> io::Result<(Ledger, Option<Books>)> {
    let fresh = || Ledger::new(config.kkms.iter().cloned(), config.policy);
    let Some(dir) = &config.state_dir else {
        return Ok((fresh(), None));
    };
    let (kept, books) = Books::load(dir)?;
    let mut ledger = kept.unwrap_or_else(fresh);
    ledger.policy = config.policy;
    for p in &config.kkms {
        ledger
            .kkms
            .entry(p.kkm_id)
            .or_insert_with(|| KkmLedger::new(p.clone()));
    }
    Ok((ledger, Some(books)))
}

fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Seconds on Kazakhstan's calendar now.
fn now_kz() -> i64 {
    let unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    unix + KZ_UTC_OFFSET_SECS
}

/// A running emulator. Dropping it does not stop it; call [`OfdSim::shutdown`].
///
/// It dereferences to its [`SimHandle`], so faults and books are reachable directly:
/// `sim.set_fault(…)`, `sim.books(id)`.
pub struct OfdSim {
    addr: SocketAddr,
    handle: SimHandle,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl OfdSim {
    /// Starts an emulator listening on `listen` (port 0 picks a free port).
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use kkm_ofd_sim::{OfdSim, SimConfig};
    /// let sim = OfdSim::start(SimConfig::with_kkms([(6923, 1)]), "127.0.0.1:0".parse().unwrap()).await?;
    /// println!("OFD emulator on {}", sim.addr());
    /// sim.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn start(config: SimConfig, listen: SocketAddr) -> io::Result<OfdSim> {
        let (ledger, books) = load_ledger(&config)?;
        let listener = bind(listen)?;
        let addr = listener.local_addr()?;
        let (refuse, _) = watch::channel(config.fault.fault == Fault::Refuse);
        let shared = Arc::new(Shared {
            ledger: Mutex::new(ledger),
            fault: Mutex::new(config.fault),
            refuse,
            books: books.map(Mutex::new),
            requests: AtomicU64::new(0),
        });
        let cancel = CancellationToken::new();
        let task = tokio::spawn(accept_loop(listener, addr, shared.clone(), cancel.clone()));
        info!(%addr, kkms = config.kkms.len(), "OFD emulator listening");
        Ok(OfdSim {
            addr,
            handle: SimHandle { shared },
            cancel,
            task,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A clonable control handle for other tasks.
    pub fn handle(&self) -> SimHandle {
        self.handle.clone()
    }

    /// Starts the line-based control port on `listen`; returns its address.
    /// See [`crate::control`] for the commands.
    pub async fn start_control(&self, listen: SocketAddr) -> io::Result<SocketAddr> {
        crate::control::start(self.handle(), listen, self.cancel.clone()).await
    }

    /// Stops listening, closes connections and waits for the server task.
    pub async fn shutdown(self) {
        self.cancel.cancel();
        if let Err(e) = self.task.await {
            warn!(error = %e, "emulator task ended badly");
        }
    }
}

impl std::ops::Deref for OfdSim {
    type Target = SimHandle;

    fn deref(&self) -> &SimHandle {
        &self.handle
    }
}

/// Controls and inspects a running emulator: faults, tokens, blocks, books.
#[derive(Clone)]
pub struct SimHandle {
    shared: Arc<Shared>,
}

impl SimHandle {
    fn with_kkm<T>(&self, kkm_id: u32, f: impl FnOnce(&mut KkmLedger) -> T) -> Option<T> {
        let mut ledger = lock(&self.shared.ledger);
        let out = ledger.kkms.get_mut(&kkm_id).map(f);
        self.shared.persist(&mut ledger);
        out
    }

    /// Puts a fault in force (replacing the previous one).
    pub fn set_fault(&self, plan: FaultPlan) {
        *lock(&self.shared.fault) = plan;
        self.shared.refuse.send_replace(plan.fault == Fault::Refuse);
    }

    /// Back to normal behaviour.
    pub fn clear_fault(&self) {
        self.set_fault(FaultPlan::default());
    }

    /// The fault in force.
    pub fn fault(&self) -> FaultPlan {
        *lock(&self.shared.fault)
    }

    /// The next successful fiscal answer to this KKM carries a new token.
    /// Returns `false` for an unknown KKM.
    pub fn rotate_token(&self, kkm_id: u32) -> bool {
        self.with_kkm(kkm_id, |k| k.rotate_next = true).is_some()
    }

    /// Blocks (or unblocks) a KKM at the OFD: every request gets `BLOCKED`.
    /// Returns `false` for an unknown KKM.
    pub fn set_blocked(&self, kkm_id: u32, blocked: bool) -> bool {
        self.with_kkm(kkm_id, |k| k.blocked = blocked).is_some()
    }

    /// Registers a KKM at the OFD, as its portal does when a taxpayer adds one: `kkm_id`
    /// with `token`, and the factory number (ЗНМ) given, if any. Returns `false` when
    /// the id is taken.
    pub fn register_kkm(&self, kkm_id: u32, token: u32, serial_number: Option<&str>) -> bool {
        let mut ledger = lock(&self.shared.ledger);
        if ledger.kkms.contains_key(&kkm_id) {
            return false;
        }
        let mut profile = KkmProfile::new(kkm_id, token);
        if let Some(znm) = serial_number {
            profile.serial_number = znm.to_owned();
        }
        ledger.kkms.insert(kkm_id, KkmLedger::new(profile));
        self.shared.persist(&mut ledger);
        true
    }

    /// Issues a new token to a KKM, as the portal's «new token» does: from now on only
    /// `token` is accepted. Returns `false` for an unknown KKM.
    pub fn set_token(&self, kkm_id: u32, token: u32) -> bool {
        self.with_kkm(kkm_id, |k| k.token = token).is_some()
    }

    /// The current token of a KKM.
    pub fn token(&self, kkm_id: u32) -> Option<u32> {
        lock(&self.shared.ledger).kkms.get(&kkm_id).map(|k| k.token)
    }

    /// A copy of one KKM's books (accepted documents, shift, sums…).
    pub fn books(&self, kkm_id: u32) -> Option<KkmLedger> {
        lock(&self.shared.ledger).kkms.get(&kkm_id).cloned()
    }

    /// A short view of every KKM's books.
    pub fn status(&self) -> Vec<KkmStatus> {
        lock(&self.shared.ledger)
            .kkms
            .values()
            .map(KkmStatus::from)
            .collect()
    }

    /// Requests answered (or dropped by a fault) since start.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }
}

async fn accept_loop(
    listener: TcpListener,
    addr: SocketAddr,
    shared: Arc<Shared>,
    cancel: CancellationToken,
) {
    let mut listener = Some(listener);
    let mut refuse = shared.refuse.subscribe();
    loop {
        let Some(current) = listener.as_ref() else {
            // Refusing: wait until allowed again (or stopped), then listen anew.
            tokio::select! {
                _ = cancel.cancelled() => return,
                open = async { refuse.wait_for(|r| !*r).await.is_ok() } => if !open { return },
            }
            match bind(addr) {
                Ok(l) => listener = Some(l),
                Err(e) => {
                    warn!(error = %e, %addr, "cannot listen again; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
            continue;
        };
        tokio::select! {
            _ = cancel.cancelled() => return,
            refusing = async { refuse.wait_for(|r| *r).await.is_ok() } => {
                if !refusing { return }
                info!("refusing connections");
                listener = None;
            }
            accepted = current.accept() => match accepted {
                Ok((stream, peer)) => {
                    let shared = shared.clone();
                    let cancel = cancel.clone();
                    tokio::spawn(async move {
                        if let Err(e) = serve_connection(stream, shared, cancel).await {
                            debug!(%peer, error = %e, "connection ended with an error");
                        }
                    });
                }
                Err(e) => {
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        }
    }
}

async fn serve_connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    cancel: CancellationToken,
) -> Result<(), FrameError> {
    if shared.take_fault(None) == Fault::DropBeforeRead {
        debug!("fault: dropping a connection before reading");
        return Ok(());
    }
    stream.set_nodelay(true)?;
    let mut refuse = shared.refuse.subscribe();
    let mut framed = Framed::new(stream, ServerCodec::default());
    loop {
        let next = tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            _ = async { refuse.wait_for(|r| *r).await.is_ok() } => return Ok(()),
            next = framed.next() => next,
        };
        let frame = match next {
            None => return Ok(()),
            Some(Ok(frame)) => frame,
            Some(Err(FrameError::Payload { header, source })) => {
                // The stream is still in step: tell the device what was wrong, then close.
                shared.requests.fetch_add(1, Ordering::Relaxed);
                let answer = Frame::new(
                    header,
                    Response {
                        command: 0,
                        result: kkm_proto::cpcr::Result {
                            result_code: ResultTypeEnum::ResultTypeProtocolError as u32,
                            result_text: Some(format!("invalid payload: {source}")),
                        },
                        ..Default::default()
                    },
                );
                framed.send(answer).await?;
                return Ok(());
            }
            Some(Err(e)) => return Err(e),
        };
        shared.requests.fetch_add(1, Ordering::Relaxed);
        let fault = shared.take_fault(Some(frame.header.kkm_id));
        let answer = match fault {
            Fault::DropAfterRead | Fault::DropBeforeRead => {
                debug!(reqnum = frame.header.reqnum, "fault: dropping after read");
                return Ok(());
            }
            Fault::ResultCode(code) => Frame::new(
                frame.header,
                Response {
                    command: frame.message.command,
                    result: kkm_proto::cpcr::Result {
                        result_code: code,
                        result_text: Some(format!("injected result {code}")),
                    },
                    ..Default::default()
                },
            ),
            _ => process(&shared, frame),
        };
        match fault {
            Fault::DropAfterProcess => {
                debug!("fault: processed, dropping the answer");
                return Ok(());
            }
            Fault::Delay(d) => tokio::time::sleep(d).await,
            Fault::Corrupt => {
                let mut bytes = frame::encode_to_vec(&answer)?;
                bytes[0] ^= 0xFF;
                if let Some(last) = bytes.last_mut() {
                    *last ^= 0xFF;
                }
                framed.get_mut().write_all(&bytes).await?;
                return Ok(());
            }
            _ => {}
        }
        framed.send(answer).await?;
    }
}

fn process(shared: &Shared, frame: Frame<Request>) -> Frame<Response> {
    let mut ledger = lock(&shared.ledger);
    let (header, message) = ledger.handle(frame.header, &frame.message, now_kz());
    shared.persist(&mut ledger);
    Frame::new(header, message)
}
