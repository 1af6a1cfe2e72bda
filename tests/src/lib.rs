//! # kkm-e2e — shared pieces of the end-to-end tests
//!
//! The tests in `tests/tests/` run the real parts over real sockets. This library
//! holds what they share: [`CpcrClient`], a deliberately tiny CPCR client built
//! directly on `kkm-proto` (it is the yardstick, not the product's client), and
//! [`workspace_bin`], which finds (building it if needed) a binary of the workspace so
//! a test can run it as a separate process, [`printer_emu`], a network receipt printer
//! that decodes what it is sent, and [`daemon`], the daemon under test with its emulator
//! and a client that checks every answer as a CashCore client reads it, and [`console`],
//! the web console as its pages' script drives it.

pub mod console;
pub mod daemon;
pub mod printer_emu;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context};
use futures::{SinkExt, StreamExt};
use kkm_proto::cpcr::{CommandTypeEnum, Request, Response};
use kkm_proto::frame::{ClientCodec, Frame, FrameHeader, PROTOCOL_VERSION};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

/// A minimal CPCR client: one connection, REQNUM +1 per request, token taken from
/// every answer.
pub struct CpcrClient {
    framed: Framed<TcpStream, ClientCodec>,
    /// KKM id sent in every header.
    pub kkm_id: u32,
    /// Token sent in the next header (updated from answers).
    pub token: u32,
    /// REQNUM of the last request sent.
    pub reqnum: u16,
}

impl CpcrClient {
    /// Connects to an OFD at `addr`.
    pub async fn connect(
        addr: std::net::SocketAddr,
        kkm_id: u32,
        token: u32,
    ) -> anyhow::Result<Self> {
        let stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        Ok(CpcrClient {
            framed: Framed::new(stream, ClientCodec::default()),
            kkm_id,
            token,
            reqnum: 0,
        })
    }

    /// Sends `request` with the next REQNUM and waits (≤ 5 s) for the answer.
    pub async fn send(&mut self, request: Request) -> anyhow::Result<Frame<Response>> {
        self.reqnum = self.reqnum.wrapping_add(1);
        self.send_as(self.reqnum, self.token, request).await
    }

    /// Sends `request` with an explicit REQNUM and TOKEN (retries, protocol errors).
    pub async fn send_as(
        &mut self,
        reqnum: u16,
        token: u32,
        request: Request,
    ) -> anyhow::Result<Frame<Response>> {
        let header = FrameHeader {
            version: PROTOCOL_VERSION,
            kkm_id: self.kkm_id,
            token,
            reqnum,
        };
        self.framed.send(Frame::new(header, request)).await?;
        let answer = tokio::time::timeout(Duration::from_secs(5), self.framed.next())
            .await
            .context("no answer within 5 s")?
            .context("connection closed without an answer")??;
        if answer.header.kkm_id != self.kkm_id || answer.header.reqnum != reqnum {
            bail!(
                "answer header {:?} does not match the request {:?}",
                answer.header,
                header
            );
        }
        self.token = answer.header.token;
        Ok(answer)
    }

    /// Sends a request that carries only a command (INFO, SYSTEM).
    pub async fn command(&mut self, command: CommandTypeEnum) -> anyhow::Result<Frame<Response>> {
        self.send(Request {
            command: command as i32,
            ..Default::default()
        })
        .await
    }
}

/// Path of a binary of this workspace (e.g. `kkm-ofd-sim`), built on demand.
///
/// Integration tests of one package cannot name another package's binary, so this looks
/// next to the test executable (`target/<profile>/`) and runs `cargo build` if the
/// binary is not there yet.
pub fn workspace_bin(package: &str, bin: &str) -> anyhow::Result<PathBuf> {
    workspace_bin_with(package, bin, &[])
}

/// [`workspace_bin`] with cargo features of the package on (a binary behind
/// `required-features`, such as the OFD emulator's `cli`).
pub fn workspace_bin_with(package: &str, bin: &str, features: &[&str]) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .context("test executable has no target directory")?;
    let path = profile_dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "-p", package, "--bin", bin]);
    if !features.is_empty() {
        build.arg("--features").arg(features.join(","));
    }
    // Cargo gives a test the variables of its own package (CARGO_MANIFEST_DIR,
    // CARGO_PKG_*, …). Build scripts that watch them (ring's `rerun-if-env-changed`)
    // would see them change and rebuild half the tree (~20 s) on every call: drop them.
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if key == "CARGO_MANIFEST_DIR"
            || key == "CARGO_MANIFEST_PATH"
            || key == "CARGO_MANIFEST_LINKS"
            || key == "CARGO_CRATE_NAME"
            || key == "CARGO_PRIMARY_PACKAGE"
            || key == "CARGO_TARGET_TMPDIR"
            || key == "OUT_DIR"
            || key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_BIN_")
        {
            build.env_remove(key);
        }
    }
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    // Cheap when up to date; makes sure a stale binary is not tested.
    let status = build.status().context("running cargo build")?;
    if !status.success() || !path.exists() {
        bail!("could not build {bin} (expected at {})", path.display());
    }
    Ok(path)
}
