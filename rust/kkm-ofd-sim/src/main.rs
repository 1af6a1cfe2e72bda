//! `kkm-ofd-sim` — run the OFD emulator from the command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use kkm_ofd_sim::{Fault, FaultPlan, KkmProfile, OfdSim, SimConfig, TokenPolicy};

/// Where a connection is dropped (`--drop`).
#[derive(Debug, Clone, Copy, ValueEnum)]
enum DropPoint {
    /// Accept the connection and close it without reading.
    BeforeRead,
    /// Read the request and close without processing it.
    AfterRead,
    /// Process the request (fiscalize it) and close without answering.
    AfterProcess,
}

/// An OFD emulator speaking CPCR 2.0.3 over TCP, with fault injection.
///
/// Answers INFO, TICKET, CLOSE_SHIFT, REPORT, MONEY_PLACEMENT, SYSTEM, AUTH and
/// NOMENCLATURE for the registered KKMs. At most one fault flag may be given; faults
/// can also be changed at run time through --control.
#[derive(Debug, Parser)]
#[command(name = "kkm-ofd-sim", version, about, long_about)]
struct Cli {
    /// Address to listen on for CPCR connections.
    #[arg(long, default_value = "127.0.0.1:7777")]
    listen: SocketAddr,

    /// Registered KKMs as ID:TOKEN (repeat the flag or separate with commas).
    /// KKM 6923 gets the seed's test registration data.
    #[arg(
        long = "kkm",
        value_name = "ID:TOKEN",
        value_delimiter = ',',
        required = true
    )]
    kkms: Vec<KkmProfile>,

    /// Keep the books in this directory across restarts (default: memory only).
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,

    /// Change the token after every N-th successful fiscal answer
    /// (TICKET, CLOSE_SHIFT, MONEY_PLACEMENT). 0 or absent: never on its own.
    #[arg(long, value_name = "N")]
    rotate_token_every: Option<u32>,

    /// Line-based control port for faults at run time (see `fault`, `status` commands).
    #[arg(long, value_name = "ADDR")]
    control: Option<SocketAddr>,

    /// Answer every request after MS milliseconds (6000 pushes a KKM autonomous).
    #[arg(long, value_name = "MS", group = "fault_kind")]
    delay_ms: Option<u64>,

    /// Answer every request with this CPCR result code, processing nothing
    /// (e.g. 15 BLOCKED, 254 SERVICE_TEMPORARILY_UNAVAILABLE).
    #[arg(long, value_name = "CODE", group = "fault_kind")]
    result_code: Option<u32>,

    /// Drop connections at this point.
    #[arg(long, value_enum, value_name = "POINT", group = "fault_kind")]
    drop: Option<DropPoint>,

    /// Answer with corrupted frames.
    #[arg(long, group = "fault_kind")]
    corrupt: bool,

    /// Refuse connections (do not listen) until changed through --control.
    #[arg(long, group = "fault_kind")]
    refuse: bool,

    /// Apply the fault to the next N requests only (default: until changed).
    #[arg(long, value_name = "N")]
    fault_times: Option<u32>,

    /// Apply the fault to this KKM only.
    #[arg(long, value_name = "ID")]
    fault_kkm: Option<u32>,

    /// Log JSON lines instead of human-readable text.
    #[arg(long)]
    log_json: bool,
}

impl Cli {
    fn fault(&self) -> FaultPlan {
        let fault = if let Some(ms) = self.delay_ms {
            Fault::Delay(Duration::from_millis(ms))
        } else if let Some(code) = self.result_code {
            Fault::ResultCode(code)
        } else if let Some(point) = self.drop {
            match point {
                DropPoint::BeforeRead => Fault::DropBeforeRead,
                DropPoint::AfterRead => Fault::DropAfterRead,
                DropPoint::AfterProcess => Fault::DropAfterProcess,
            }
        } else if self.corrupt {
            Fault::Corrupt
        } else if self.refuse {
            Fault::Refuse
        } else {
            Fault::None
        };
        FaultPlan {
            fault,
            remaining: self.fault_times,
            kkm_id: self.fault_kkm,
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if cli.log_json {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let config = SimConfig {
        kkms: cli.kkms.clone(),
        policy: TokenPolicy {
            rotate_every: cli.rotate_token_every.filter(|n| *n > 0),
        },
        state_dir: cli.state_dir.clone(),
        fault: cli.fault(),
    };
    let sim = OfdSim::start(config, cli.listen)
        .await
        .with_context(|| format!("cannot start the emulator on {}", cli.listen))?;
    println!(
        "kkm-ofd-sim: CPCR 2.0.3 OFD emulator listening on {}",
        sim.addr()
    );
    for k in &cli.kkms {
        println!(
            "  KKM {} token {} (РНМ {}, ЗНМ {})",
            k.kkm_id, k.token, k.rnm, k.serial_number
        );
    }
    if let Some(addr) = cli.control {
        let addr = sim
            .start_control(addr)
            .await
            .with_context(|| format!("cannot open the control port on {addr}"))?;
        println!(
            "  control port on {addr} (try: echo status | nc {} {})",
            addr.ip(),
            addr.port()
        );
    }
    let fault = sim.fault();
    if fault.fault != Fault::None {
        println!("  fault in force: {}", fault.fault);
    }
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    println!("kkm-ofd-sim: stopping");
    sim.shutdown().await;
    Ok(())
}
