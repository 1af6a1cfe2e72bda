//! The daemon's configuration: command-line flags and the equivalent TOML file
//! (`--config FILE`), turned into a [`RegistryConfig`].
//!
//! ```toml
//! # /etc/kkm/kkm-daemon.toml
//! listen = "127.0.0.1:8080"
//! data_dir = "/var/lib/kkm"
//! log_json = true
//! ofd_budget_ms = 5000           # how long a fiscal command waits for the OFD
//! session_idle_secs = 900        # a web console session ends after 15 minutes unused
//! allowed_hosts = ["kassa.shop.lan"]          # names besides IP addresses and localhost
//! allowed_origins = ["https://pos.shop.kz"]   # web POS pages that may call the API
//!
//! [http]                         # the listener's limits (defaults shown)
//! header_timeout_secs = 15       # a request's head, and an idle kept-alive connection
//! body_timeout_secs = 15         # the longest pause in a body (whole body: 4 times it)
//! write_timeout_secs = 30        # a client that reads nothing of an answer
//! max_connections = 512          # past it the longest-idle connection is closed
//! shutdown_grace_secs = 5        # requests in flight at shutdown
//!
//! [tls]                          # HTTPS for the LAN (see kkm_daemon::tls)
//! listen = "0.0.0.0:8443"
//! cert = "/etc/kkm/tls/cert.pem" # optional, with key: else a self-signed one
//! key = "/etc/kkm/tls/key.pem"   #   is made in the data folder on first start
//!
//! [[ofd]]
//! name = "Казахтелеком"
//! endpoint = "ofd.example.kz:7777,tls"            # HOST:PORT[,tls]
//! uid = "76A41602F148468EA85FA0ECBA8B4BBB"        # optional (see below)
//! check_url = "http://consumer.oofd.kz"            # optional
//! extra_roots_pem = "/etc/kkm/ofd-root.pem"        # optional, TLS only
//! ```
//!
//! Flags win over the file; `--ofd` flags, when given, replace the file's `[[ofd]]`
//! list. An OFD without `uid` gets the seed's uid for the names the seed lists
//! (`Казахтелеком`, `Казахтелеком - test`), so integrations that send E-Kassa's
//! `ofd_uid` keep working; other names get a stable uid derived from the name.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use kkm_register::{Endpoint, OfdConfig, PrintPolicy, RegistryConfig};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Where the daemon listens by default (the seed's address).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The consumer check site of Казахтелеком's OFD (receipts' QR codes).
pub const DEFAULT_CHECK_URL: &str = "http://consumer.oofd.kz";

/// The OFDs the seed's GetOFDList names, with their uids.
pub const SEED_OFDS: [(&str, &str); 2] = [
    ("Казахтелеком", "76A41602F148468EA85FA0ECBA8B4BBB"),
    ("Казахтелеком - test", "4C49A0CB1DD4413387F6E6199CBB1B2A"),
];

/// A problem with the configuration, readable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// One OFD as given on the command line (`NAME=HOST:PORT[,tls]`) or in the file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfdSpec {
    /// Display name (printed on receipts).
    pub name: String,
    /// `HOST:PORT` or `HOST:PORT,tls`.
    pub endpoint: String,
    /// 32 hex digits; derived from the name when absent.
    #[serde(default)]
    pub uid: Option<String>,
    /// Consumer check site; [`DEFAULT_CHECK_URL`] when absent.
    #[serde(default)]
    pub check_url: Option<String>,
    /// Extra trusted root certificates (PEM file) for a TLS endpoint.
    #[serde(default)]
    pub extra_roots_pem: Option<PathBuf>,
}

impl FromStr for OfdSpec {
    type Err = ConfigError;

    /// Parses `NAME=HOST:PORT[,tls]`.
    ///
    /// ```
    /// use kkm_daemon::config::OfdSpec;
    /// let spec: OfdSpec = "Казахтелеком=127.0.0.1:7777".parse().unwrap();
    /// assert_eq!(spec.name, "Казахтелеком");
    /// assert_eq!(spec.endpoint, "127.0.0.1:7777");
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, endpoint) = s.split_once('=').ok_or_else(|| {
            ConfigError(format!("--ofd: expected NAME=HOST:PORT[,tls], got {s:?}"))
        })?;
        let spec = OfdSpec {
            name: name.trim().to_owned(),
            endpoint: endpoint.trim().to_owned(),
            uid: None,
            check_url: None,
            extra_roots_pem: None,
        };
        if spec.name.is_empty() {
            return Err(ConfigError(format!("--ofd: no name in {s:?}")));
        }
        spec.parsed_endpoint()?;
        Ok(spec)
    }
}

impl OfdSpec {
    fn parsed_endpoint(&self) -> Result<Endpoint, ConfigError> {
        Endpoint::from_str(&self.endpoint)
            .map_err(|e| ConfigError(format!("OFD {:?}: {e}", self.name)))
    }

    /// The uid: given, the seed's for its names, or derived from the name.
    pub fn uid(&self) -> String {
        if let Some(uid) = &self.uid {
            return uid.clone();
        }
        if let Some((_, uid)) = SEED_OFDS.iter().find(|(n, _)| *n == self.name) {
            return (*uid).to_owned();
        }
        let digest = Sha256::digest(self.name.as_bytes());
        digest[..16].iter().map(|b| format!("{b:02X}")).collect()
    }

    /// The registry's OFD configuration (reads the PEM file if one is named).
    pub fn to_ofd_config(&self) -> Result<OfdConfig, ConfigError> {
        let mut endpoint = self.parsed_endpoint()?;
        if let Some(path) = &self.extra_roots_pem {
            let pem = std::fs::read(path).map_err(|e| {
                ConfigError(format!(
                    "OFD {:?}: cannot read {}: {e}",
                    self.name,
                    path.display()
                ))
            })?;
            endpoint.extra_roots_pem = Some(pem);
        }
        let uid = self.uid();
        if uid.len() != 32 || !uid.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ConfigError(format!(
                "OFD {:?}: uid must be 32 hex digits, got {uid:?}",
                self.name
            )));
        }
        Ok(OfdConfig {
            uid,
            name: self.name.clone(),
            endpoint,
            check_url: self
                .check_url
                .clone()
                .unwrap_or_else(|| DEFAULT_CHECK_URL.to_owned()),
        })
    }
}

/// The `--config` file (every key optional).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address to listen on.
    #[serde(default)]
    pub listen: Option<String>,
    /// Data folder (journal `kkm.db`, key file `data.key`).
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
    /// Log JSON lines.
    #[serde(default)]
    pub log_json: Option<bool>,
    /// OFD budget of one fiscal command, milliseconds (default 5000).
    #[serde(default)]
    pub ofd_budget_ms: Option<u64>,
    /// A web console session ends after this many seconds unused (default 900).
    #[serde(default)]
    pub session_idle_secs: Option<u64>,
    /// The OFDs.
    #[serde(default)]
    pub ofd: Vec<OfdSpec>,
    /// Network printers to list in GetPrinterList (addresses, e.g.
    /// `tcp://192.0.2.10:9100?paper=80`): they cannot be found by asking the machine.
    #[serde(default)]
    pub printers: Vec<String>,
    /// The cupsd to print to and list queues of (`host:port`; default `$CUPS_SERVER`
    /// or `localhost:631`).
    #[serde(default)]
    pub cups_server: Option<String>,
    /// `Host` names the daemon answers besides IP addresses and `localhost` (a name in
    /// the shop's DNS the till reaches it by); any other name is refused (DNS rebinding).
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Origins (`https://pos.shop.kz`) of web POS pages allowed to call the API from a
    /// browser; a page of any other site is refused.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// The HTTP listener's timeouts and connection cap (`[http]`).
    #[serde(default)]
    pub http: HttpFile,
    /// An HTTPS listener (`[tls]`).
    #[serde(default)]
    pub tls: Option<TlsFile>,
    /// Print job retries: first pause and longest pause (ms), sends before `failed`.
    #[serde(default)]
    pub print_retry_first_ms: Option<u64>,
    /// See `print_retry_first_ms`.
    #[serde(default)]
    pub print_retry_max_ms: Option<u64>,
    /// See `print_retry_first_ms`.
    #[serde(default)]
    pub print_max_attempts: Option<u32>,
}

/// The `[tls]` table: where HTTPS listens and, optionally, its certificate and key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFile {
    /// `HOST:PORT` to listen on with HTTPS.
    pub listen: String,
    /// Certificate chain (PEM); with `key`, or neither (self-signed).
    #[serde(default)]
    pub cert: Option<PathBuf>,
    /// Private key (PEM).
    #[serde(default)]
    pub key: Option<PathBuf>,
}

/// The `[http]` table: [`crate::server::Limits`] in seconds (every key optional).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpFile {
    /// See [`crate::server::Limits::header_timeout`].
    #[serde(default)]
    pub header_timeout_secs: Option<u64>,
    /// See [`crate::server::Limits::body_timeout`].
    #[serde(default)]
    pub body_timeout_secs: Option<u64>,
    /// See [`crate::server::Limits::write_timeout`].
    #[serde(default)]
    pub write_timeout_secs: Option<u64>,
    /// See [`crate::server::Limits::max_connections`].
    #[serde(default)]
    pub max_connections: Option<usize>,
    /// See [`crate::server::Limits::shutdown_grace`].
    #[serde(default)]
    pub shutdown_grace_secs: Option<u64>,
}

impl HttpFile {
    /// The limits: the file's values over the defaults; zeros are refused (a zero
    /// timeout would close every connection, a zero cap take none).
    pub fn limits(&self) -> Result<crate::server::Limits, ConfigError> {
        let d = crate::server::Limits::default();
        let secs = |key: &str, value: Option<u64>, default: Duration| match value {
            None => Ok(default),
            Some(0) => Err(ConfigError(format!("[http] {key} = 0: give at least 1"))),
            Some(n) => Ok(Duration::from_secs(n)),
        };
        Ok(crate::server::Limits {
            header_timeout: secs(
                "header_timeout_secs",
                self.header_timeout_secs,
                d.header_timeout,
            )?,
            body_timeout: secs("body_timeout_secs", self.body_timeout_secs, d.body_timeout)?,
            write_timeout: secs(
                "write_timeout_secs",
                self.write_timeout_secs,
                d.write_timeout,
            )?,
            max_connections: match self.max_connections {
                None => d.max_connections,
                Some(0) => {
                    return Err(ConfigError(
                        "[http] max_connections = 0: give at least 1".into(),
                    ))
                }
                Some(n) => n,
            },
            shutdown_grace: match self.shutdown_grace_secs {
                None => d.shutdown_grace,
                Some(n) => Duration::from_secs(n),
            },
        })
    }
}

impl FileConfig {
    /// Parses the TOML text of a config file.
    pub fn parse(text: &str) -> Result<FileConfig, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError(format!("config file: {e}")))
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<FileConfig, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| ConfigError(format!("{}: {e}", path.display())))
    }
}

/// The machine's printers for the registry: every transport of `kkm-printer`, CUPS at
/// `cups_server`, and `printers` listed by GetPrinterList.
pub fn printer_driver(
    printers: &[String],
    cups_server: Option<String>,
) -> std::sync::Arc<dyn kkm_print::device::PrinterDriver> {
    std::sync::Arc::new(kkm_printer::SystemDriver {
        discovery: kkm_printer::Discovery {
            cups_server,
            configured: printers.to_vec(),
        },
        retry: None,
    })
}

/// What `serve` runs with, flags and file merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServeConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Data folder.
    pub data_dir: PathBuf,
    /// The OFDs (the first is the default).
    pub ofds: Vec<OfdSpec>,
    /// Log JSON lines.
    pub log_json: bool,
    /// OFD budget of one fiscal command.
    pub ofd_budget: Duration,
    /// How long a web console session may stay unused.
    pub session_idle: Duration,
    /// Configured network printers (listed by GetPrinterList).
    pub printers: Vec<String>,
    /// The cupsd (`host:port`), if not the default.
    pub cups_server: Option<String>,
    /// Print job retries.
    pub print_policy: PrintPolicy,
    /// Extra `Host` names (see [`FileConfig::allowed_hosts`]).
    pub allowed_hosts: Vec<String>,
    /// Web POS origins (see [`FileConfig::allowed_origins`]).
    pub allowed_origins: Vec<String>,
    /// The HTTP listener's timeouts and connection cap.
    pub limits: crate::server::Limits,
    /// The HTTPS listener, if configured.
    pub tls: Option<crate::tls::TlsSettings>,
}

impl ServeConfig {
    /// Merges the flags (`Some` wins) over the file's values and the defaults.
    pub fn merge(
        file: FileConfig,
        listen: Option<SocketAddr>,
        data_dir: Option<PathBuf>,
        ofds: Vec<OfdSpec>,
        log_json: bool,
    ) -> Result<ServeConfig, ConfigError> {
        let listen = match (listen, &file.listen) {
            (Some(l), _) => l,
            (None, Some(text)) => text
                .parse()
                .map_err(|e| ConfigError(format!("listen = {text:?}: {e}")))?,
            (None, None) => DEFAULT_LISTEN
                .parse()
                .map_err(|e| ConfigError(format!("{e}")))?,
        };
        let data_dir = data_dir.or(file.data_dir).ok_or_else(|| {
            ConfigError("no data folder: give --data-dir or data_dir in the config file".into())
        })?;
        let limits = file.http.limits()?;
        let tls = match &file.tls {
            None => None,
            Some(t) => {
                let listen = t
                    .listen
                    .parse()
                    .map_err(|e| ConfigError(format!("[tls] listen = {:?}: {e}", t.listen)))?;
                if t.cert.is_some() != t.key.is_some() {
                    return Err(ConfigError(
                        "[tls]: give both cert and key, or neither (a self-signed certificate)"
                            .into(),
                    ));
                }
                Some(crate::tls::TlsSettings {
                    listen,
                    cert: t.cert.clone(),
                    key: t.key.clone(),
                })
            }
        };
        let ofds = if ofds.is_empty() { file.ofd } else { ofds };
        for o in &ofds {
            o.to_ofd_config()?;
        }
        Ok(ServeConfig {
            listen,
            data_dir,
            ofds,
            log_json: log_json || file.log_json.unwrap_or(false),
            ofd_budget: Duration::from_millis(file.ofd_budget_ms.unwrap_or(5000)),
            session_idle: file
                .session_idle_secs
                .map_or(RegistryConfig::DEFAULT_SESSION_IDLE, Duration::from_secs),
            print_policy: {
                let d = PrintPolicy::default();
                PrintPolicy {
                    first_retry: file
                        .print_retry_first_ms
                        .map_or(d.first_retry, Duration::from_millis),
                    max_retry: file
                        .print_retry_max_ms
                        .map_or(d.max_retry, Duration::from_millis),
                    max_attempts: file.print_max_attempts.unwrap_or(d.max_attempts).max(1),
                }
            },
            printers: file.printers,
            cups_server: file.cups_server,
            allowed_hosts: file.allowed_hosts,
            allowed_origins: file.allowed_origins,
            limits,
            tls,
        })
    }

    /// The HTTP guard of the configured names and origins.
    pub fn web_guard(&self) -> crate::guard::WebGuard {
        crate::guard::WebGuard::new(&self.allowed_hosts, &self.allowed_origins)
    }

    /// The registry's configuration.
    pub fn registry_config(&self) -> Result<RegistryConfig, ConfigError> {
        let mut config = RegistryConfig::new(&self.data_dir);
        config.ofds = self
            .ofds
            .iter()
            .map(OfdSpec::to_ofd_config)
            .collect::<Result<_, _>>()?;
        config.ofd_budget = self.ofd_budget;
        config.session_idle = self.session_idle;
        config.printer_driver = Some(printer_driver(&self.printers, self.cups_server.clone()));
        config.print_policy = self.print_policy;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ofd_flag_forms() {
        let s: OfdSpec = "Казахтелеком=127.0.0.1:7777".parse().unwrap();
        let c = s.to_ofd_config().unwrap();
        assert_eq!(c.uid, "76A41602F148468EA85FA0ECBA8B4BBB");
        assert_eq!(c.endpoint, Endpoint::plain("127.0.0.1", 7777));
        assert_eq!(c.check_url, DEFAULT_CHECK_URL);

        let s: OfdSpec = "Other OFD = ofd.example.kz:443,tls".parse().unwrap();
        let c = s.to_ofd_config().unwrap();
        assert!(c.endpoint.tls);
        assert_eq!(c.endpoint.host, "ofd.example.kz");
        assert_eq!(c.uid.len(), 32);
        assert_eq!(c.uid, s.uid(), "stable");

        for bad in ["no-equals", "=h:1", "X=host", "X=host:99999", "X=h:1,udp"] {
            assert!(bad.parse::<OfdSpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_zero_limit_is_refused() {
        for key in [
            "header_timeout_secs",
            "body_timeout_secs",
            "write_timeout_secs",
            "max_connections",
        ] {
            let file = FileConfig::parse(&format!("[http]\n{key} = 0\n")).unwrap();
            let error = file.http.limits().expect_err(key);
            assert!(error.0.contains(key), "{error}");
        }
        let file = FileConfig::parse("[http]\nshutdown_grace_secs = 0\n").unwrap();
        assert_eq!(file.http.limits().unwrap().shutdown_grace, Duration::ZERO);
        assert!(FileConfig::parse("[http]\nread_timeout = 3\n").is_err());
    }

    #[test]
    fn config_file_parses_and_merges() {
        let file = FileConfig::parse(
            r#"
            listen = "0.0.0.0:9000"
            data_dir = "/var/lib/kkm"
            log_json = true
            ofd_budget_ms = 3000
            allowed_hosts = ["kassa.shop.lan"]
            allowed_origins = ["https://pos.shop.kz"]
            [http]
            header_timeout_secs = 5
            max_connections = 64
            [tls]
            listen = "0.0.0.0:8443"
            [[ofd]]
            name = "Казахтелеком"
            endpoint = "127.0.0.1:7777"
            [[ofd]]
            name = "Test"
            endpoint = "127.0.0.1:7778,tls"
            uid = "0123456789abcdef0123456789ABCDEF"
            check_url = "http://consumer.test-oofd.kz"
            "#,
        )
        .unwrap();
        assert_eq!(file.ofd.len(), 2);
        let merged = ServeConfig::merge(file.clone(), None, None, vec![], false).unwrap();
        assert_eq!(merged.listen.to_string(), "0.0.0.0:9000");
        assert!(merged.log_json);
        assert_eq!(merged.ofd_budget, Duration::from_secs(3));
        assert_eq!(merged.limits.header_timeout, Duration::from_secs(5));
        assert_eq!(merged.limits.max_connections, 64);
        let tls = merged.tls.clone().expect("[tls]");
        assert_eq!((tls.listen.port(), tls.cert), (8443, None));
        assert_eq!(
            merged.limits.write_timeout,
            crate::server::Limits::default().write_timeout
        );
        let guard = merged.web_guard();
        let mut h = axum::http::HeaderMap::new();
        h.insert("host", "kassa.shop.lan:9000".parse().unwrap());
        h.insert("origin", "https://pos.shop.kz".parse().unwrap());
        h.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(guard.check_host(&h).is_ok());
        assert!(guard.check_origin(&h).is_ok());
        h.insert("host", "other.lan:9000".parse().unwrap());
        assert!(guard.check_host(&h).is_err());
        let registry = merged.registry_config().unwrap();
        assert_eq!(registry.ofds[1].uid, "0123456789abcdef0123456789ABCDEF");
        assert_eq!(registry.ofds[1].check_url, "http://consumer.test-oofd.kz");

        // Flags win; --ofd replaces the list.
        let merged = ServeConfig::merge(
            file,
            Some("127.0.0.1:1".parse().unwrap()),
            Some("/tmp/x".into()),
            vec!["A=h:1".parse().unwrap()],
            false,
        )
        .unwrap();
        assert_eq!(merged.listen.port(), 1);
        assert_eq!(merged.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(merged.ofds.len(), 1);
    }

    #[test]
    fn bad_config_files_are_refused_with_a_reason() {
        for (text, what) in [
            ("listen = 5", "invalid type"),
            ("unknown_key = 1", "unknown field"),
            ("[[ofd]]\nname = \"x\"", "missing field `endpoint`"),
            ("listen = ", "parse error"),
        ] {
            let e = FileConfig::parse(text).unwrap_err();
            assert!(e.0.contains(what), "{text}: {e}");
        }
        let file = FileConfig::parse("listen = \"nowhere\"\ndata_dir = \"/d\"").unwrap();
        assert!(ServeConfig::merge(file, None, None, vec![], false).is_err());
        let file = FileConfig::parse(
            "data_dir = \"/d\"\n[[ofd]]\nname = \"x\"\nendpoint = \"h:1\"\nuid = \"zz\"",
        )
        .unwrap();
        let e = ServeConfig::merge(file, None, None, vec![], false).unwrap_err();
        assert!(e.0.contains("32 hex digits"), "{e}");
        let e = ServeConfig::merge(FileConfig::default(), None, None, vec![], false).unwrap_err();
        assert!(e.0.contains("data"), "{e}");
    }
}
