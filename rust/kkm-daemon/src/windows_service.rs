//! Running under the Windows service control manager (SCM): `kkm-daemon service
//! install|uninstall|run`.
//!
//! Only compiled for Windows targets (`windows-service` is a Windows-only dependency);
//! the Linux build machine cannot compile or test this module, so keep it small: it
//! registers a control handler, reports Running, runs [`crate::run::serve`] on a tokio
//! runtime, and turns the SCM's Stop/Shutdown into the same graceful shutdown as
//! Ctrl-C (requests in flight finish, the registry shuts down, the queue stays in the
//! journal).

use std::ffi::OsString;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use anyhow::Context;
use windows_service::service::{
    ServiceAccess, ServiceControl, ServiceControlAccept, ServiceErrorControl, ServiceExitCode,
    ServiceInfo, ServiceStartType, ServiceState, ServiceStatus, ServiceType,
};
use windows_service::service_control_handler::{self, ServiceControlHandlerResult};
use windows_service::service_manager::{ServiceManager, ServiceManagerAccess};
use windows_service::{define_windows_service, service_dispatcher};

use crate::config::ServeConfig;

/// The service's name.
pub const SERVICE_NAME: &str = "kkm-daemon";
const DISPLAY_NAME: &str = "KKM daemon (E-Kassa compatible API)";

static CONFIG: OnceLock<ServeConfig> = OnceLock::new();

define_windows_service!(ffi_service_main, service_main);

/// Hands the process to the SCM, which calls back `service_main`; returns when the
/// service has stopped.
pub fn run(config: ServeConfig) -> anyhow::Result<()> {
    let _ = CONFIG.set(config);
    service_dispatcher::start(SERVICE_NAME, ffi_service_main).context(
        "not started by the service control manager (use `kkm-daemon serve` in a console)",
    )?;
    Ok(())
}

fn service_main(_arguments: Vec<OsString>) {
    if let Err(e) = run_service() {
        tracing::error!("the service failed: {e:#}");
    }
}

fn run_service() -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let stop_tx = Mutex::new(Some(stop_tx));
    let handler = move |event| match event {
        ServiceControl::Stop | ServiceControl::Shutdown => {
            if let Some(tx) = stop_tx.lock().unwrap_or_else(|p| p.into_inner()).take() {
                let _ = tx.send(());
            }
            ServiceControlHandlerResult::NoError
        }
        ServiceControl::Interrogate => ServiceControlHandlerResult::NoError,
        _ => ServiceControlHandlerResult::NotImplemented,
    };
    let status = service_control_handler::register(SERVICE_NAME, handler)?;
    let report = |state: ServiceState, accept: ServiceControlAccept, code: u32| {
        status.set_service_status(ServiceStatus {
            service_type: ServiceType::OWN_PROCESS,
            current_state: state,
            controls_accepted: accept,
            exit_code: ServiceExitCode::Win32(code),
            checkpoint: 0,
            wait_hint: Duration::from_secs(15),
            process_id: None,
        })
    };
    report(ServiceState::StartPending, ServiceControlAccept::empty(), 0)?;
    let config = CONFIG.get().cloned().context("no configuration")?;
    let runtime = tokio::runtime::Runtime::new()?;
    report(
        ServiceState::Running,
        ServiceControlAccept::STOP | ServiceControlAccept::SHUTDOWN,
        0,
    )?;
    let result = runtime.block_on(crate::run::serve(&config, async {
        let _ = stop_rx.await;
    }));
    report(
        ServiceState::Stopped,
        ServiceControlAccept::empty(),
        u32::from(result.is_err()),
    )?;
    result
}

/// Installs the service (automatic start, LocalSystem) running this executable with
/// `arguments` (`service run --data-dir … --ofd …`).
pub fn install(arguments: Vec<OsString>) -> anyhow::Result<()> {
    let manager = ServiceManager::local_computer(
        None::<&str>,
        ServiceManagerAccess::CONNECT | ServiceManagerAccess::CREATE_SERVICE,
    )?;
    let info = ServiceInfo {
        name: SERVICE_NAME.into(),
        display_name: DISPLAY_NAME.into(),
        service_type: ServiceType::OWN_PROCESS,
        start_type: ServiceStartType::AutoStart,
        error_control: ServiceErrorControl::Normal,
        executable_path: std::env::current_exe()?,
        launch_arguments: arguments,
        dependencies: vec![],
        account_name: None,
        account_password: None,
    };
    let service = manager.create_service(&info, ServiceAccess::CHANGE_CONFIG)?;
    service.set_description(
        "Fiscal register for Kazakhstan: E-Kassa CashCore compatible HTTP API on 127.0.0.1:8080",
    )?;
    println!("service {SERVICE_NAME} installed; start it with: sc start {SERVICE_NAME}");
    Ok(())
}

/// Removes the service (stop it first).
pub fn uninstall() -> anyhow::Result<()> {
    let manager = ServiceManager::local_computer(None::<&str>, ServiceManagerAccess::CONNECT)?;
    let service = manager.open_service(SERVICE_NAME, ServiceAccess::DELETE)?;
    service.delete()?;
    println!("service {SERVICE_NAME} removed");
    Ok(())
}
