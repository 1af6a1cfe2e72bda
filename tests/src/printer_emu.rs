//! A network receipt printer for tests: a TCP "port 9100" server that takes each
//! connection's bytes as one ESC/POS job and decodes its raster back to a bitmap. It can
//! be switched off (connections refused) and on again on the same port, and can hang
//! ([`PrinterEmu::hang`]: its port answers no connection, so a job stays in the hands
//! of the transport until its timeout — a job "printing" that never completes).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use kkm_print::Bitmap;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream};

async fn read_job(stream: &mut TcpStream, job: &mut Vec<u8>) -> std::io::Result<usize> {
    stream.read_to_end(job).await
}
use tokio::task::JoinHandle;

#[derive(Default)]
struct State {
    jobs: Vec<Vec<u8>>,
    /// Connections that fill the hung port's accept queue.
    fillers: Vec<std::net::TcpStream>,
    hung: Option<std::net::TcpListener>,
}

/// The emulated printer.
pub struct PrinterEmu {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: Option<JoinHandle<()>>,
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

fn listener(addr: SocketAddr, backlog: u32) -> anyhow::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    Ok(socket.listen(backlog)?)
}

impl PrinterEmu {
    /// A printer on a free loopback port, switched on.
    pub async fn start() -> anyhow::Result<PrinterEmu> {
        let l = listener("127.0.0.1:0".parse()?, 64)?;
        let addr = l.local_addr()?;
        let mut emu = PrinterEmu {
            addr,
            state: Arc::new(Mutex::new(State::default())),
            task: None,
        };
        emu.serve(l);
        Ok(emu)
    }

    /// Its address, as SaveKKM's `printer.name` takes it.
    pub fn address(&self) -> String {
        format!("tcp://{}", self.addr)
    }

    fn serve(&mut self, l: TcpListener) {
        let state = self.state.clone();
        self.task = Some(tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = l.accept().await else {
                    return;
                };
                let state = state.clone();
                tokio::spawn(async move {
                    let mut job = Vec::new();
                    if read_job(&mut stream, &mut job).await.is_ok() && !job.is_empty() {
                        lock(&state).jobs.push(job);
                    }
                });
            }
        }));
    }

    /// Switches the printer off: the port refuses connections.
    pub fn off(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        let mut s = lock(&self.state);
        s.fillers.clear();
        s.hung = None;
    }

    /// Hangs the printer: its port listens with a full accept queue and never accepts,
    /// so a connection attempt waits for its timeout.
    pub async fn hang(&mut self) -> anyhow::Result<()> {
        self.off();
        let l = self.rebind(1).await?.into_std()?;
        let mut fillers = Vec::new();
        for _ in 0..3 {
            if let Ok(s) =
                std::net::TcpStream::connect_timeout(&self.addr, Duration::from_millis(200))
            {
                fillers.push(s);
            }
        }
        let mut s = lock(&self.state);
        s.fillers = fillers;
        s.hung = Some(l);
        Ok(())
    }

    async fn rebind(&self, backlog: u32) -> anyhow::Result<TcpListener> {
        // The aborted task drops its listener when it is polled; retry the bind briefly.
        let started = Instant::now();
        loop {
            match listener(self.addr, backlog) {
                Ok(l) => return Ok(l),
                Err(_) if started.elapsed() < Duration::from_secs(5) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => return Err(e).context("rebind the printer's port"),
            }
        }
    }

    /// Switches it on again, on the same port.
    pub async fn on(&mut self) -> anyhow::Result<()> {
        self.off();
        let l = self.rebind(64).await?;
        self.serve(l);
        Ok(())
    }

    /// The jobs received so far, in order.
    pub fn jobs(&self) -> Vec<Vec<u8>> {
        lock(&self.state).jobs.clone()
    }

    /// Waits until `n` jobs arrived (or fails after `limit`).
    pub async fn wait_jobs(&self, n: usize, limit: Duration) -> anyhow::Result<Vec<Vec<u8>>> {
        let started = Instant::now();
        loop {
            let jobs = self.jobs();
            if jobs.len() >= n {
                return Ok(jobs);
            }
            anyhow::ensure!(
                started.elapsed() < limit,
                "{} of {n} print jobs arrived in {limit:?}",
                jobs.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for PrinterEmu {
    fn drop(&mut self) {
        self.off();
    }
}

/// The raster of an ESC/POS job as a bitmap (the job must be well formed: one init, a
/// cut last, nothing after it).
pub fn job_bitmap(job: &[u8]) -> anyhow::Result<Bitmap> {
    let d = kkm_print::escpos::decode(job).map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(d.init >= 1 && d.after_cut == 0, "malformed job: {d:?}");
    d.bitmap().context("a job without raster")
}

/// A 1-bit PNG (GetDocumentImage's) as a bitmap.
pub fn png_bitmap(png: &[u8]) -> anyhow::Result<Bitmap> {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size().context("PNG size")?];
    let info = reader.next_frame(&mut buf)?;
    anyhow::ensure!(
        info.bit_depth == png::BitDepth::One && info.color_type == png::ColorType::Grayscale,
        "not a 1-bit grey PNG"
    );
    let mut bmp = Bitmap::new(info.width, info.height);
    for y in 0..info.height as usize {
        for x in 0..info.width as usize {
            // PNG grey: 0 is black.
            if buf[y * info.line_size + (x >> 3)] & (0x80 >> (x & 7)) == 0 {
                bmp.set(x as i64, y as i64);
            }
        }
    }
    Ok(bmp)
}
