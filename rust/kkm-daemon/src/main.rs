//! `kkm-daemon` — the command line: `serve`, `demo`, `verify`, `export`, `blocked`,
//! `unblock` (and, on Windows, `service`). See `kkm-daemon --help`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use kkm_daemon::config::{FileConfig, OfdSpec, ServeConfig};
use kkm_daemon::{logging, run, shutdown};

/// The KKM desktop daemon: an E-Kassa CashCore compatible HTTP JSON API (protocol
/// 2.0.2) over a fiscal register that talks CPCR to the OFD.
#[derive(Debug, Parser)]
#[command(name = "kkm-daemon", version, about, long_about)]
struct Cli {
    /// Log JSON lines instead of human-readable text (logs go to standard error).
    #[arg(long, global = true)]
    log_json: bool,

    #[command(subcommand)]
    command: Command,
}

/// The flags of `serve` (also what the Windows service runs with).
#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080, or `listen` in the config file].
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,

    /// Data folder: the journal (kkm.db) and the data key (data.key, mode 0600).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// An OFD as NAME=HOST:PORT[,tls] (repeat for several; the first is the default).
    /// Replaces the config file's [[ofd]] list when given.
    #[arg(long = "ofd", value_name = "NAME=HOST:PORT[,tls]")]
    ofds: Vec<OfdSpec>,

    /// A TOML config file with the same settings (flags win); see docs/daemon.md.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

impl ServeArgs {
    fn resolve(self, log_json: bool) -> anyhow::Result<ServeConfig> {
        let file = match &self.config {
            Some(path) => FileConfig::load(path)?,
            None => FileConfig::default(),
        };
        Ok(ServeConfig::merge(
            file,
            self.listen,
            self.data_dir,
            self.ofds,
            log_json,
        )?)
    }
}

/// How to reach a running daemon.
#[derive(Debug, clap::Args)]
struct DaemonArgs {
    /// The daemon's address.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    daemon: SocketAddr,
    /// The operator's PIN (better from the environment: it stays out of the process list).
    #[arg(long, env = "KKM_PIN", hide_env_values = true)]
    pin: String,
}

/// Journal export formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the E-Kassa API over the journal in --data-dir, talking to the OFDs given.
    Serve(ServeArgs),

    /// Demo: an in-process OFD emulator, KKM 6923 registered (admin PIN 0000), the API on
    /// --listen; prints the first curl to try. Ctrl-C stops.
    Demo {
        /// Address to listen on.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Data folder (kept across runs; delete it to start afresh).
        #[arg(long, value_name = "DIR", default_value = "build/demo")]
        data_dir: PathBuf,
        /// Also open the emulator's line-based control port (faults: `fault delay 6000`).
        #[arg(long, value_name = "ADDR")]
        ofd_control: Option<SocketAddr>,
    },

    /// Verify every KKM's journal: hash chain and closed shifts' digests. Exits with 1
    /// when a journal does not verify.
    Verify {
        /// Data folder of the installation.
        #[arg(long, value_name = "DIR")]
        data_dir: PathBuf,
    },

    /// Export one KKM's journal as JSON lines or CSV.
    Export {
        /// Data folder of the installation.
        #[arg(long, value_name = "DIR")]
        data_dir: PathBuf,
        /// The KKM's id at the OFD (ofd_id).
        #[arg(long, value_name = "ID")]
        kkm: u32,
        /// From this device time: yyyy-MM-dd[THH:mm:ss] or unix seconds.
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// Up to this device time (a bare date: to its end).
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        /// Output format.
        #[arg(long, value_enum)]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },

    /// The print queue: every job (newest first) with its state, attempts and error.
    PrintJobs {
        /// Data folder of the installation.
        #[arg(long, value_name = "DIR")]
        data_dir: PathBuf,
        /// Only this KKM's jobs (its ofd_id).
        #[arg(long, value_name = "ID")]
        kkm: Option<u32>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },

    /// The printers this machine offers (CUPS queues, serial ports, USB lp devices), as
    /// addresses for SaveKKM's printer.name.
    Printers {
        /// The cupsd to ask (host:port; default $CUPS_SERVER or localhost:631).
        #[arg(long, value_name = "HOST:PORT")]
        cups_server: Option<String>,
        /// Network printers to list as well (addresses).
        #[arg(long = "printer", value_name = "ADDRESS")]
        printers: Vec<String>,
    },

    /// Show what blocks a KKM of the running daemon: the document the OFD refused and
    /// its answer (GetKKMBlock). Exits with 1 when the KKM is blocked.
    Blocked {
        #[command(flatten)]
        daemon: DaemonArgs,
        /// The KKM's id at the OFD (ofd_id).
        #[arg(long, value_name = "ID")]
        kkm: u32,
    },

    /// Resolve a blocked KKM of the running daemon (administrators): resend the refused
    /// document, or with --set-aside take it out of the queue (ResolveKKMBlock). Exits
    /// with 1 when the KKM is still blocked.
    Unblock {
        #[command(flatten)]
        daemon: DaemonArgs,
        /// The KKM's id at the OFD (ofd_id).
        #[arg(long, value_name = "ID")]
        kkm: u32,
        /// Set the refused document aside instead of resending it.
        #[arg(long)]
        set_aside: bool,
    },

    /// Windows service: install, uninstall, or run under the service control manager.
    #[cfg(windows)]
    #[command(subcommand)]
    Service(ServiceCommand),
}

#[cfg(windows)]
#[derive(Debug, Subcommand)]
enum ServiceCommand {
    /// Install the service (automatic start) to run `serve` with these flags.
    Install(ServeArgs),
    /// Remove the service.
    Uninstall,
    /// Run as the service (the service control manager starts this).
    Run(ServeArgs),
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.log_json);
    match execute(cli) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("kkm-daemon: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => {
            let config = args.resolve(cli.log_json)?;
            runtime()?.block_on(run::serve(&config, shutdown::signal()))?;
        }
        Command::Demo {
            listen,
            data_dir,
            ofd_control,
        } => {
            runtime()?.block_on(run::demo(
                listen,
                &data_dir,
                ofd_control,
                shutdown::signal(),
            ))?;
        }
        Command::Verify { data_dir } => {
            let ok = run::verify(&data_dir, &mut std::io::stdout())?;
            return Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        Command::Export {
            data_dir,
            kkm,
            from,
            to,
            format,
            out,
        } => {
            let from = from
                .map(|t| run::parse_bound(&t, false))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--from: {e}"))?;
            let to = to
                .map(|t| run::parse_bound(&t, true))
                .transpose()
                .map_err(|e| anyhow::anyhow!("--to: {e}"))?;
            let format = match format {
                Format::Jsonl => kkm_store::ExportFormat::JsonLines,
                Format::Csv => kkm_store::ExportFormat::Csv,
            };
            let n = run::export(&data_dir, kkm, from, to, format, out.as_ref())?;
            eprintln!("kkm-daemon: {n} records exported");
        }
        Command::PrintJobs {
            data_dir,
            kkm,
            limit,
        } => {
            let n = run::print_jobs(&data_dir, kkm, limit, &mut std::io::stdout())?;
            eprintln!("kkm-daemon: {n} print job(s)");
        }
        Command::Printers {
            cups_server,
            printers,
        } => {
            let n = run::printers(cups_server, &printers, &mut std::io::stdout())?;
            eprintln!("kkm-daemon: {n} printer(s)");
        }
        Command::Blocked { daemon, kkm } => {
            let ok = runtime()?.block_on(run::block_command(
                daemon.daemon,
                &daemon.pin,
                kkm,
                None,
                &mut std::io::stdout(),
            ))?;
            return Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        Command::Unblock {
            daemon,
            kkm,
            set_aside,
        } => {
            let resolution = if set_aside {
                kkm_register::api::BlockResolution::SetAside
            } else {
                kkm_register::api::BlockResolution::Resend
            };
            let ok = runtime()?.block_on(run::block_command(
                daemon.daemon,
                &daemon.pin,
                kkm,
                Some(resolution),
                &mut std::io::stdout(),
            ))?;
            return Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        #[cfg(windows)]
        Command::Service(command) => match command {
            ServiceCommand::Install(args) => {
                let mut flags: Vec<std::ffi::OsString> = vec!["service".into(), "run".into()];
                if let Some(c) = &args.config {
                    flags.extend(["--config".into(), c.clone().into_os_string()]);
                }
                if let Some(l) = args.listen {
                    flags.extend(["--listen".into(), l.to_string().into()]);
                }
                if let Some(d) = &args.data_dir {
                    flags.extend(["--data-dir".into(), d.clone().into_os_string()]);
                }
                for o in &args.ofds {
                    flags.extend(["--ofd".into(), format!("{}={}", o.name, o.endpoint).into()]);
                }
                // Validate now rather than at the first service start.
                args.resolve(cli.log_json)?;
                kkm_daemon::windows_service::install(flags)?;
            }
            ServiceCommand::Uninstall => kkm_daemon::windows_service::uninstall()?,
            ServiceCommand::Run(args) => {
                kkm_daemon::windows_service::run(args.resolve(cli.log_json)?)?;
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}
