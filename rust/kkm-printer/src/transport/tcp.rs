//! TCP transport ("RAW" / JetDirect port 9100 of network receipt printers).

use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::RetryPolicy;
use kkm_print::PrintError;
use kkm_print::PrinterTransport;

/// The usual raw printing port.
pub use kkm_print::device::DEFAULT_TCP_PORT as DEFAULT_PORT;

/// Sends each job over a fresh TCP connection.
#[derive(Debug, Clone)]
pub struct TcpTransport {
    host: String,
    port: u16,
    /// Timeout of one connection attempt.
    pub connect_timeout: Duration,
    /// Timeout of each write (a printer out of paper stops reading).
    pub write_timeout: Duration,
    /// Connection attempts.
    pub retry: RetryPolicy,
}

impl TcpTransport {
    /// `HOST[:PORT]`, port 9100 by default; `[::1]:9100` for IPv6.
    pub fn new(target: &str) -> Result<Self, PrintError> {
        let target = target.trim();
        let (host, port) = if let Ok(addr) = target.parse::<SocketAddr>() {
            (addr.ip().to_string(), addr.port())
        } else if let Some((host, port)) = target.rsplit_once(':').filter(|(h, _)| !h.contains(':'))
        {
            let port = port
                .parse::<u16>()
                .map_err(|_| PrintError::Address(format!("bad TCP port in {target:?}")))?;
            (host.to_string(), port)
        } else {
            (target.trim_matches(['[', ']']).to_string(), DEFAULT_PORT)
        };
        if host.is_empty() {
            return Err(PrintError::Address(format!("empty host in {target:?}")));
        }
        Self::with_port(&host, port)
    }

    /// A transport to `host` on `port`.
    pub fn with_port(host: &str, port: u16) -> Result<Self, PrintError> {
        if host.trim().is_empty() {
            return Err(PrintError::Address("empty TCP host".to_string()));
        }
        Ok(TcpTransport {
            host: host.trim().to_string(),
            port,
            connect_timeout: Duration::from_secs(3),
            write_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        })
    }

    fn connect(&self) -> Result<TcpStream, PrintError> {
        let target = self.describe();
        self.retry.run(&target, || {
            let addrs: Vec<SocketAddr> = (self.host.as_str(), self.port)
                .to_socket_addrs()
                .map_err(|e| e.to_string())?
                .collect();
            let mut last = format!("{} resolves to no address", self.host);
            for addr in addrs {
                match TcpStream::connect_timeout(&addr, self.connect_timeout) {
                    Ok(s) => return Ok(s),
                    Err(e) => last = e.to_string(),
                }
            }
            Err(last)
        })
    }
}

impl PrinterTransport for TcpTransport {
    fn describe(&self) -> String {
        if self.host.contains(':') {
            format!("tcp://[{}]:{}", self.host, self.port)
        } else {
            format!("tcp://{}:{}", self.host, self.port)
        }
    }

    fn send(&mut self, job: &[u8]) -> Result<(), PrintError> {
        let mut stream = self.connect()?;
        let interrupted = |sent: usize, e: std::io::Error| PrintError::Interrupted {
            sent,
            total: job.len(),
            reason: e.to_string(),
        };
        stream
            .set_write_timeout(Some(self.write_timeout))
            .map_err(|e| interrupted(0, e))?;
        let _ = stream.set_nodelay(true);
        super::write_job(&mut stream, job, 16 * 1024)?;
        // Half-close so the printer sees the end of the job; ignore a peer that already left.
        let _ = stream.shutdown(Shutdown::Write);
        Ok(())
    }
}
