//! A daemon under test: the OFD emulator and `kkm-daemon`'s HTTP face over a fresh
//! registry, each on a free loopback port, and an API client that checks every answer
//! the way an integrator typed against CashCore would read it (HTTP status by the code's
//! class, the envelope, `/openapi.json`'s schema).

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context;
use kkm_core::ManualClock;
use kkm_daemon::client::{HttpClient, HttpResponse};
use kkm_daemon::openapi;
use kkm_ofd_sim::{KkmProfile, OfdSim, SimConfig};
use kkm_register::api::Method;
use kkm_register::{Registry, RegistryConfig};
use serde_json::Value;
use tokio::sync::oneshot;

/// The default administrator's PIN.
pub const ADMIN: &str = "0000";

/// What to start.
#[derive(Default)]
pub struct DaemonConfig {
    /// The KKMs the emulator knows.
    pub kkms: Vec<KkmProfile>,
    /// A clock the test moves (`None`: the system clock).
    pub clock: Option<Arc<ManualClock>>,
    /// The OFD budget of one fiscal command (`None`: the registry's 5 s).
    pub ofd_budget: Option<Duration>,
    /// Keep the data in this folder instead of a fresh temporary one.
    pub data_dir: Option<std::path::PathBuf>,
    /// The listener's timeouts and connection cap (`None`: the daemon's defaults).
    pub limits: Option<kkm_daemon::server::Limits>,
}

/// The emulator, a registry and the daemon serving it.
pub struct Daemon {
    /// The OFD emulator.
    pub sim: OfdSim,
    /// Where the daemon listens.
    pub addr: SocketAddr,
    /// The registry it serves.
    pub registry: Arc<Registry>,
    /// The manual clock, if one was given.
    pub clock: Option<Arc<ManualClock>>,
    /// The data folder.
    pub data_dir: std::path::PathBuf,
    stop: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl Daemon {
    /// Starts the emulator with `config.kkms` and the daemon (no KKM registered yet).
    pub async fn start(config: DaemonConfig) -> anyhow::Result<Daemon> {
        let sim = OfdSim::start(
            SimConfig {
                kkms: config.kkms,
                ..SimConfig::default()
            },
            "127.0.0.1:0".parse()?,
        )
        .await?;
        let (dir, data_dir) = match config.data_dir {
            Some(d) => (None, d),
            None => {
                let dir = tempfile::tempdir()?;
                let path = dir.path().to_owned();
                (Some(dir), path)
            }
        };
        let mut registry_config = RegistryConfig::new(&data_dir);
        registry_config.ofds = kkm_daemon::demo::demo_ofds(sim.addr());
        if let Some(clock) = &config.clock {
            registry_config.clock = clock.clone();
        }
        if let Some(budget) = config.ofd_budget {
            registry_config.ofd_budget = budget;
        }
        // Printing as the daemon does it (to the KKM's printer, when SaveKKM gives one),
        // retried quickly so that a test waits little for paper.
        registry_config.printer_driver = Some(kkm_daemon::config::printer_driver(&[], None));
        registry_config.print_policy = kkm_register::PrintPolicy {
            first_retry: Duration::from_millis(50),
            max_retry: Duration::from_millis(200),
            ..kkm_register::PrintPolicy::default()
        };
        registry_config.backoff = kkm_ofd::Backoff {
            initial: Duration::from_millis(50),
            max: Duration::from_millis(500),
        };
        let registry = Registry::open(registry_config)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(kkm_daemon::http::serve_with(
            listener,
            registry.clone(),
            kkm_daemon::guard::WebGuard::default(),
            config.limits.unwrap_or_default(),
            async move {
                let _ = stopped.await;
            },
        ));
        Ok(Daemon {
            sim,
            addr,
            registry,
            clock: config.clock,
            data_dir,
            stop: Some(stop),
            server,
            _dir: dir,
        })
    }

    /// A daemon whose emulator knows the seed's KKM 6923 (token 12345), registered with
    /// SaveKKM as the demo does; `clock` as [`DaemonConfig::clock`].
    pub async fn with_kkm(clock: Option<Arc<ManualClock>>) -> anyhow::Result<(Daemon, Api)> {
        let daemon = Daemon::start(DaemonConfig {
            kkms: vec![KkmProfile::new(6923, 12345)],
            clock,
            ..DaemonConfig::default()
        })
        .await?;
        let mut api = daemon.api().await?;
        api.ok(
            "SaveKKM",
            Some(ADMIN),
            serde_json::json!({"ofd_id": 6923, "ofd_token": 12345}),
        )
        .await?;
        Ok((daemon, api))
    }

    /// A new API client on its own connection.
    pub async fn api(&self) -> anyhow::Result<Api> {
        Ok(Api {
            http: HttpClient::connect(self.addr).await?,
        })
    }

    /// Moves the manual clock forward by `secs`.
    pub fn advance(&self, secs: i64) {
        if let Some(c) = &self.clock {
            c.advance(secs);
        }
    }

    /// Stops the daemon gracefully, then the emulator.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(10), self.server)
            .await
            .context("graceful shutdown took more than 10 s")???;
        self.sim.shutdown().await;
        Ok(())
    }
}

/// An answer of the API, checked.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body, as JSON.
    pub json: Value,
}

impl Answer {
    /// `response_code`.
    pub fn code(&self) -> i64 {
        self.json["response_code"].as_i64().unwrap_or(-1)
    }

    /// `response_data`.
    pub fn data(&self) -> &Value {
        &self.json["response_data"]
    }
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {} {}", self.status, self.json)
    }
}

/// `/openapi.json` as the daemon serves it, built once per test binary: building it is
/// the costliest part of checking one answer (the 25,000-sale listing test checks every
/// sale's answer).
fn openapi_document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(openapi::document)
}

/// Checks a JSON answer of `method`: its HTTP status is CashCore's for its code, its
/// content type JSON, its body matches `/openapi.json`, and an error has the text
/// constant as `response_data` and a readable `message`.
pub fn checked(method: Method, r: &HttpResponse) -> anyhow::Result<Answer> {
    anyhow::ensure!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{}: content type {:?}",
        method.name(),
        r.header("content-type")
    );
    let json = r.json()?;
    let code = json["response_code"].as_i64().unwrap_or(-1);
    let expected = openapi::answer_status(u16::try_from(code).unwrap_or(u16::MAX));
    anyhow::ensure!(
        r.status == expected,
        "{}: HTTP {} for code {code}, CashCore answers {expected}: {json}",
        method.name(),
        r.status
    );
    openapi::validate(openapi_document(), &openapi::answer_schema(method), &json).map_err(|e| {
        anyhow::anyhow!(
            "{}: the answer does not match /openapi.json: {e}\n{json}",
            method.name()
        )
    })?;
    if code != 0 {
        let text = json["response_data"].as_str().unwrap_or("");
        let message = json["message"].as_str().unwrap_or("");
        anyhow::ensure!(
            !text.is_empty() && !message.is_empty(),
            "{}: an error without its text constant or message: {json}",
            method.name()
        );
    }
    Ok(Answer {
        status: r.status,
        json,
    })
}

/// A client of the daemon's API.
pub struct Api {
    /// The connection.
    pub http: HttpClient,
}

impl Api {
    /// `POST /<method>` with `body` and `Authorization: <pin>`, the answer checked.
    pub async fn call(
        &mut self,
        method: &str,
        pin: Option<&str>,
        body: Value,
    ) -> anyhow::Result<Answer> {
        let m = Method::from_path(method).with_context(|| format!("no method {method}"))?;
        let r = self
            .http
            .post(&format!("/{method}"), pin, &body.to_string())
            .await?;
        checked(m, &r)
    }

    /// [`Api::call`] that must succeed: its `response_data`.
    pub async fn ok(
        &mut self,
        method: &str,
        pin: Option<&str>,
        body: Value,
    ) -> anyhow::Result<Value> {
        let answer = self.call(method, pin, body).await?;
        anyhow::ensure!(answer.code() == 0, "{method}: {answer}");
        Ok(answer.data().clone())
    }

    /// [`Api::call`] that must fail with `code`: the answer.
    pub async fn refused(
        &mut self,
        method: &str,
        pin: Option<&str>,
        body: Value,
        code: i64,
    ) -> anyhow::Result<Answer> {
        let answer = self.call(method, pin, body).await?;
        anyhow::ensure!(
            answer.code() == code,
            "{method}: expected code {code}, got {answer}"
        );
        Ok(answer)
    }
}

/// A one-line cash sale of `tenge` tenge on KKM `kkm`.
pub fn sale(kkm: u32, tenge: u64) -> Value {
    serde_json::json!({
        "kkm_ofd_id": kkm,
        "operation": 2,
        "items": [{"type": 1, "commodity": {"name": "Хлеб", "section_code": "1",
            "quantity": 1, "price": tenge, "sum": tenge, "measure_unit_code": "796"}}],
        "payments": [{"type": 0, "sum": tenge}]
    })
}
