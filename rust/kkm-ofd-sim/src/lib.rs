//! # kkm-ofd-sim — an OFD emulator for tests and the demo
//!
//! A real TCP server speaking CPCR 2.0.3 server-side (frames from `kkm-proto`), so the
//! register's client, the daemon and the end-to-end tests talk to it exactly as they
//! would to a fiscal data operator. It owns:
//!
//! * [`ledger`] — the OFD's books per KKM, without I/O: registration data, token and
//!   REQNUM rules (retries answered from memory, never fiscalized twice), shifts,
//!   never-reset sums, its own X/Z reports, fiscal signs; validation of what arrives
//!   (totals, payments, returns need a parent ticket, same IIN as seller → 17,
//!   shift over 24 h → 11, not enough cash → 14);
//! * [`fault`] — injected failures: refused connections, dropped connections before or
//!   after reading or processing, delayed answers (e.g. 6000 ms to push a KKM into the
//!   autonomous mode), forced result codes, corrupted frames;
//! * [`server`] — the tokio server ([`OfdSim`]) and its control handle ([`SimHandle`]);
//! * [`control`] — a line-based control port for faults from another process;
//! * [`profile`] — the registration data of each KKM (ID 6923 is the seed's test KKM).
//!
//! The binary `kkm-ofd-sim` wraps all of this behind command-line flags.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::time::Duration;
//! use kkm_ofd_sim::{Fault, FaultPlan, OfdSim, SimConfig};
//!
//! let sim = OfdSim::start(SimConfig::with_kkms([(6923, 1)]), "127.0.0.1:0".parse().unwrap()).await?;
//! // The next request is answered after 6 s: the register should go autonomous.
//! sim.set_fault(FaultPlan::times(Fault::Delay(Duration::from_secs(6)), 1));
//! # sim.shutdown().await;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod control;
pub mod fault;
pub mod ledger;
mod persist;
pub mod profile;
pub mod server;

pub use fault::{Fault, FaultPlan};
pub use ledger::{KkmLedger, Ledger, TokenPolicy};
pub use profile::{KkmHistory, KkmProfile};
pub use server::{KkmStatus, OfdSim, SimConfig, SimHandle};
