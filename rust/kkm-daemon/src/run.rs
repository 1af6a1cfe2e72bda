//! What the commands do, as functions: `serve`, `demo`, `verify`, `export`. The binary
//! (`main.rs`) parses flags and calls these; the Windows service calls [`serve`] too.

use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use kkm_register::maintenance::{self, KkmVerification};
use kkm_register::{RegisterError, Registry, RegistryConfig};
use kkm_store::{ExportFormat, StoreError};
use tracing::{info, warn};

use crate::config::ServeConfig;
use crate::demo::Demo;

async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
}

/// `serve`: opens the registry of `config`, serves the API until `shutdown`, then
/// shuts down gracefully.
pub async fn serve(
    config: &ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let registry_config = config.registry_config()?;
    // Bind first: a busy port is reported before the journal is opened.
    let listener = bind(config.listen).await?;
    let registry = Registry::open(registry_config).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot open the data folder {}: {e}",
            config.data_dir.display()
        )
    })?;
    let ofds: Vec<String> = config
        .ofds
        .iter()
        .map(|o| format!("{}={}", o.name, o.endpoint))
        .collect();
    info!(listen = %config.listen, data_dir = %config.data_dir.display(), ofds = ?ofds, "kkm-daemon serving the E-Kassa API");
    let mut listeners = vec![crate::server::Listener::plain(listener)];
    match &config.tls {
        Some(tls) => {
            let names = crate::tls::certificate_names(tls.listen, &config.allowed_hosts);
            let made = crate::tls::acceptor(tls, &config.data_dir, &names)?;
            let tcp = bind(tls.listen).await?;
            info!(
                listen = %tls.listen,
                certificate = %made.source.display(),
                sha256 = %made.fingerprint,
                self_signed_now = made.generated,
                "HTTPS: compare the certificate's SHA-256 with what the browser shows"
            );
            listeners.push(crate::server::Listener::https(tcp, made.acceptor));
        }
        None if !config.listen.ip().is_loopback() => warn!(
            listen = %config.listen,
            "the API and the console are served beyond this machine over plain HTTP: PINs \
             and session cookies cross the network in clear; configure [tls]"
        ),
        None => {}
    }
    crate::http::serve_on(
        listeners,
        registry,
        config.web_guard(),
        config.limits,
        shutdown,
    )
    .await?;
    info!("kkm-daemon stopped");
    Ok(())
}

/// `demo`: the emulator and KKM 6923 (see [`crate::demo`]), the API on `listen`;
/// prints the first curl to try on standard output.
pub async fn demo(
    listen: SocketAddr,
    data_dir: &Path,
    ofd_control: Option<SocketAddr>,
    session_idle: Option<std::time::Duration>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let listener = bind(listen).await?;
    let listen = listener.local_addr()?;
    let demo = Demo::start(data_dir, ofd_control, session_idle).await?;
    #[cfg(feature = "console")]
    crate::console::configure(crate::console::Options {
        demo: Some((
            crate::demo::DEMO_KKM,
            crate::demo::DEMO_ADMIN_PIN.to_owned(),
        )),
    });
    println!(
        "{}",
        crate::demo::banner(listen, demo.sim.addr(), demo.control, data_dir)
    );
    crate::http::serve(listener, demo.registry.clone(), shutdown).await?;
    demo.stop().await;
    info!("kkm-daemon demo stopped");
    Ok(())
}

/// `verify`: every KKM's chain and shift digests. Prints one line per KKM; `Ok(false)`
/// when a journal does not verify.
pub fn verify(data_dir: &Path, out: &mut dyn Write) -> anyhow::Result<bool> {
    let config = RegistryConfig::new(data_dir);
    if !config.database_path().exists() {
        anyhow::bail!(
            "no journal in {} (expected {})",
            data_dir.display(),
            config.database_path().display()
        );
    }
    let report: Vec<KkmVerification> = match maintenance::verify(&config) {
        Ok(report) => report,
        // A page of the encrypted file that does not authenticate: altered or damaged,
        // as broken as a chain that does not verify (exit 1), with the pages named.
        Err(RegisterError::Store(e @ StoreError::Damaged { .. })) => {
            writeln!(out, "journal BROKEN: {e}")?;
            return Ok(false);
        }
        Err(e) => anyhow::bail!("{e}"),
    };
    let mut ok = true;
    for k in &report {
        match &k.problem {
            None => writeln!(
                out,
                "KKM {}: ok, {} records, {} closed shifts",
                k.kkm_id, k.records, k.closed_shifts
            )?,
            Some(problem) => {
                ok = false;
                writeln!(out, "KKM {}: BROKEN: {problem}", k.kkm_id)?;
            }
        }
    }
    if report.is_empty() {
        writeln!(out, "no KKM in {}", data_dir.display())?;
    }
    Ok(ok)
}

/// Reads a `--from` / `--to` bound: `yyyy-MM-dd[THH:mm:ss[.zzz]]` device time, or unix
/// seconds. A bare date as `--to` means the end of that day.
pub fn parse_bound(text: &str, end_of_day: bool) -> Result<i64, String> {
    if let Ok(secs) = text.parse::<i64>() {
        return Ok(secs);
    }
    let at: kkm_register::api::ApiDateTime = text.parse().map_err(|e| format!("{e}"))?;
    let secs = at.to_timestamp().secs();
    Ok(if end_of_day && text.len() == 10 {
        secs + 86_399
    } else {
        secs
    })
}

/// `export`: KKM `kkm`'s journal as JSON lines or CSV to `out` (a file, or standard
/// output). Returns the number of records.
pub fn export(
    data_dir: &Path,
    kkm: u32,
    from: Option<i64>,
    to: Option<i64>,
    format: ExportFormat,
    out: Option<&PathBuf>,
) -> anyhow::Result<u64> {
    let config = RegistryConfig::new(data_dir);
    if !config.database_path().exists() {
        anyhow::bail!("no journal in {}", data_dir.display());
    }
    let run = |w: &mut dyn Write| {
        maintenance::export(&config, kkm, from, to, format, w).map_err(|e| anyhow::anyhow!("{e}"))
    };
    match out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let n = run(&mut w)?;
            w.flush()?;
            w.get_ref().sync_all()?;
            Ok(n)
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = stdout.lock();
            let n = run(&mut w)?;
            w.flush()?;
            Ok(n)
        }
    }
}

/// `print-jobs`: the print queue, newest first, one line per job (id, KKM, document,
/// copy, state, attempts, printer, last error).
pub fn print_jobs(
    data_dir: &Path,
    kkm: Option<u32>,
    limit: u32,
    out: &mut dyn Write,
) -> anyhow::Result<usize> {
    let config = RegistryConfig::new(data_dir);
    if !config.database_path().exists() {
        anyhow::bail!("no journal in {}", data_dir.display());
    }
    let jobs = maintenance::print_jobs(&config, kkm, limit).map_err(|e| anyhow::anyhow!("{e}"))?;
    for j in &jobs {
        writeln!(
            out,
            "{}\tKKM {}\tdoc {}\t{}\t{}\t{} attempt(s)\t{}\t{}",
            j.id,
            j.kkm_id,
            j.doc_id,
            match j.copy {
                kkm_store::PrintCopy::Original => "original",
                kkm_store::PrintCopy::Duplicate => "duplicate",
            },
            j.state.name(),
            j.attempts,
            j.printer,
            j.error.as_deref().unwrap_or("")
        )?;
    }
    Ok(jobs.len())
}

/// `printers`: what GetPrinterList finds on this machine (address, PrinterTypeEnum,
/// description), plus `configured`.
pub fn printers(
    cups_server: Option<String>,
    configured: &[String],
    out: &mut dyn Write,
) -> anyhow::Result<usize> {
    let driver = crate::config::printer_driver(configured, cups_server);
    let found = driver.discover();
    for p in &found {
        writeln!(out, "{}\t{}\t{}", p.address, p.printer_type, p.description)?;
    }
    Ok(found.len())
}

/// `blocked` / `unblock`: asks the daemon running at `daemon` (over its HTTP API, as
/// the operator with `pin`) what blocks KKM `kkm` (`GetKKMBlock`), and with `resolve`
/// resolves it (`ResolveKKMBlock`: resend, or set the refused document aside). Prints the
/// answers; `Ok(true)` when the KKM is not blocked (any more).
pub async fn block_command(
    daemon: std::net::SocketAddr,
    pin: &str,
    kkm: u32,
    resolve: Option<kkm_register::api::BlockResolution>,
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    let mut client = crate::client::HttpClient::connect(daemon).await?;
    let block = daemon_call(
        &mut client,
        pin,
        "GetKKMBlock",
        serde_json::json!({"kkm_ofd_id": kkm}),
    )
    .await?;
    writeln!(out, "{}", serde_json::to_string_pretty(&block)?)?;
    let Some(resolution) = resolve else {
        return Ok(block["is_blocked"] == false);
    };
    if block["is_blocked"] == false {
        writeln!(out, "KKM {kkm} is not blocked: nothing to resolve")?;
        return Ok(true);
    }
    let resolved = daemon_call(
        &mut client,
        pin,
        "ResolveKKMBlock",
        serde_json::json!({"kkm_ofd_id": kkm, "action": resolution.code()}),
    )
    .await?;
    writeln!(out, "{}", serde_json::to_string_pretty(&resolved)?)?;
    Ok(resolved["is_blocked"] == false)
}

/// `POST /<method>` to a running daemon as the operator with `pin`: its `response_data`,
/// or an error naming the code and the daemon's message.
async fn daemon_call(
    client: &mut crate::client::HttpClient,
    pin: &str,
    method: &str,
    body: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let answer = client
        .post(&format!("/{method}"), Some(pin), &body.to_string())
        .await?;
    let json = answer.json()?;
    if json["response_code"] != 0 {
        anyhow::bail!(
            "{method} answered {} {}: {}",
            json["response_code"],
            json["response_data"],
            json["message"].as_str().unwrap_or_default()
        );
    }
    Ok(json["response_data"].clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(parse_bound("1700000000", false), Ok(1_700_000_000));
        let day = parse_bound("2024-12-23", false).unwrap();
        assert_eq!(parse_bound("2024-12-23", true), Ok(day + 86_399));
        assert_eq!(parse_bound("2024-12-23T00:00:10", true), Ok(day + 10));
        assert!(parse_bound("23.12.2024", false).is_err());
    }
}
