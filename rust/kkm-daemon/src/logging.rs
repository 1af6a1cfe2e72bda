//! Logs with `tracing`: human-readable on a terminal, JSON lines with `--log-json`
//! (for journald, Windows event forwarding or a log shipper). `RUST_LOG` overrides the
//! default level (`info`).

use std::io::IsTerminal;

/// Installs the global subscriber. Logs go to standard error, so that standard output
/// stays for what a command prints (`export` without `--out`, the demo banner).
pub fn init(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second install (tests) is not an error worth failing for.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init()
    };
}
