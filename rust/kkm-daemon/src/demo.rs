//! Demo mode: the OFD emulator in-process and a ready KKM, so that the seed's example
//! requests work with curl at once.
//!
//! [`Demo::start`] starts `kkm-ofd-sim` on a free loopback port with the seed's test
//! KKM 6923 (token [`DEMO_TOKEN`], the seed's registration data), opens a
//! [`Registry`] whose OFD list points every OFD uid the seed's examples use at that
//! emulator, and registers KKM 6923 as the default administrator (PIN 0000) would with
//! `SaveKKM {"ofd_id": 6923, "ofd_token": 12345}`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use kkm_ofd_sim::{KkmProfile, OfdSim, SimConfig};
use kkm_register::api::SaveKkmRequest;
use kkm_register::{Credential, Endpoint, OfdConfig, Registry, RegistryConfig};

/// The demo KKM's id at the OFD (`ofd_id` / `kkm_ofd_id` in the seed's examples).
pub const DEMO_KKM: u32 = 6923;
/// The demo KKM's OFD token.
pub const DEMO_TOKEN: u32 = 12345;
/// The default administrator's PIN on first start.
pub const DEMO_ADMIN_PIN: &str = "0000";

/// The OFDs of the demo: the seed's GetOFDList (`Казахтелеком`, `Казахтелеком - test`)
/// and the uid of the seed's GetVendorId example, all served by the emulator.
pub const DEMO_OFDS: [(&str, &str); 3] = [
    ("76A41602F148468EA85FA0ECBA8B4BBB", "Казахтелеком"),
    ("4C49A0CB1DD4413387F6E6199CBB1B2A", "Казахтелеком - test"),
    (
        "DAFBD8CE28025AE70C95227DB8B30B11",
        "Казахтелеком (uid of the seed's GetVendorId example)",
    ),
];

/// The demo OFD list pointing at an emulator on `addr`.
pub fn demo_ofds(addr: SocketAddr) -> Vec<OfdConfig> {
    DEMO_OFDS
        .iter()
        .map(|(uid, name)| OfdConfig {
            uid: (*uid).to_owned(),
            name: (*name).to_owned(),
            endpoint: Endpoint::plain(addr.ip().to_string(), addr.port()),
            check_url: crate::config::DEFAULT_CHECK_URL.to_owned(),
        })
        .collect()
}

/// A running demo: the emulator and the registry (serve it with [`crate::http::serve`]).
pub struct Demo {
    /// The OFD emulator.
    pub sim: OfdSim,
    /// The registry with KKM 6923 registered.
    pub registry: Arc<Registry>,
    /// The data folder.
    pub data_dir: PathBuf,
    /// The emulator's control port, if opened.
    pub control: Option<SocketAddr>,
}

impl Demo {
    /// Starts the emulator (its books in `data_dir/ofd-sim`), opens the registry in
    /// `data_dir` and registers KKM 6923 (again, on every start: harmless).
    pub async fn start(
        data_dir: &Path,
        control: Option<SocketAddr>,
        session_idle: Option<std::time::Duration>,
    ) -> anyhow::Result<Demo> {
        let sim_config = SimConfig {
            kkms: vec![KkmProfile::new(DEMO_KKM, DEMO_TOKEN)],
            state_dir: Some(data_dir.join("ofd-sim")),
            ..SimConfig::default()
        };
        std::fs::create_dir_all(data_dir.join("ofd-sim"))
            .with_context(|| format!("cannot create {}", data_dir.display()))?;
        let loopback: SocketAddr = ([127, 0, 0, 1], 0).into();
        let sim = OfdSim::start(sim_config, loopback)
            .await
            .context("cannot start the OFD emulator")?;
        let control = match control {
            Some(addr) => {
                let addr = sim.start_control(addr).await.with_context(|| {
                    format!("cannot open the emulator's control port on {addr}")
                })?;
                tracing::info!(%addr, "OFD emulator control port (try: echo status | nc {} {})", addr.ip(), addr.port());
                Some(addr)
            }
            None => None,
        };
        let mut config = RegistryConfig::new(data_dir);
        config.ofds = demo_ofds(sim.addr());
        // The demo prints as `serve` does: on the machine's printers (a KKM's printer
        // from SaveKKM, e.g. `file:///tmp/receipts.bin`).
        config.printer_driver = Some(crate::config::printer_driver(&[], None));
        // The demo is where receipts are tried out without paper: files allowed.
        config.allow_file_printers = true;
        if let Some(idle) = session_idle {
            config.session_idle = idle;
        }
        let registry = Registry::open(config).await.map_err(|e| {
            anyhow::anyhow!("cannot open the registry in {}: {e}", data_dir.display())
        })?;
        let request = SaveKkmRequest {
            ofd_id: i64::from(DEMO_KKM),
            ofd_token: Some(i64::from(DEMO_TOKEN)),
            ..SaveKkmRequest::default()
        };
        match registry
            .save_kkm(&Credential::from_header(DEMO_ADMIN_PIN), request)
            .await
        {
            Ok(_) => tracing::info!(kkm = DEMO_KKM, ofd = %sim.addr(), "demo KKM ready"),
            Err(e) => tracing::warn!(
                code = e.code().code(),
                "the demo KKM could not be registered (PIN 0000 changed?): {e}"
            ),
        }
        Ok(Demo {
            sim,
            registry,
            data_dir: data_dir.to_owned(),
            control,
        })
    }

    /// Stops the emulator (after the registry was shut down by `serve`).
    pub async fn stop(self) {
        self.sim.shutdown().await;
    }
}

/// What `kkm-daemon demo` prints: the console's address first, then where the API and
/// the emulator listen and the first curl to try.
pub fn banner(
    listen: SocketAddr,
    ofd: SocketAddr,
    control: Option<SocketAddr>,
    data_dir: &Path,
) -> String {
    let control = control.map_or(String::new(), |c| {
        format!("OFD emulator control port: {c} (e.g. `echo \"fault result 15 times 1 kkm {DEMO_KKM}\" | nc {} {}`)\n", c.ip(), c.port())
    });
    format!(
        "Console: http://{listen}/  (sign in with the administrator's PIN {DEMO_ADMIN_PIN})\n\
         \n\
         kkm-daemon demo: the E-Kassa API on http://{listen}, OFD emulator on {ofd}, data in {}\n\
         KKM {DEMO_KKM} is registered; the administrator's PIN is {DEMO_ADMIN_PIN}.\n\
         {control}\
         \n\
         Try:\n\
         \x20 curl -s http://{listen}/Ping\n\
         \x20 curl -s -H 'Authorization: {DEMO_ADMIN_PIN}' http://{listen}/GetKKMList\n\
         \x20 curl -s -X POST -H 'Authorization: {DEMO_ADMIN_PIN}' -H 'Content-Type: application/json' http://{listen}/MoneyPlacement \\\n\
         \x20      -d '{{\"kkm_ofd_id\": {DEMO_KKM}, \"operation\": 0, \"sum\": 1000}}'\n\
         \n\
         Every method with a curl example: docs/api.md; the OpenAPI document: http://{listen}/openapi.json\n\
         Ctrl-C stops.",
        data_dir.display()
    )
}
