//! The register for Kotlin: [`KkmRegister`] (one installation: a data folder, its key,
//! its OFDs; KKMs, operators, sync status) and [`CashierSession`] (an operator logged in
//! on one KKM: receipts, cash in/out, reports, the journal, reprints).
//!
//! A thin adapter over `kkm_register::Registry`: every method builds the API request,
//! waits for the registry on the facade's runtime and maps the answer to records
//! designed for Kotlin (`records`). No business rule lives here. The session's methods are
//! in `session`.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use kkm_core::ErrorCode;
use kkm_register::api::{self, GetKkmListRequest, SaveKkmRequest, SaveOperatorRequest};
use kkm_register::{
    Backoff, Credential, Endpoint, KeySource, OfdConfig, Registry, RegistryConfig, SystemClock,
};

use crate::runtime::{block_on, runtime};
use crate::KkmError;

pub use crate::records::*;
pub use crate::session::CashierSession;

// -------------------------------------------------------------------------------------
// Configuration

/// An OFD (оператор фискальных данных) the register can talk to.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OfdServer {
    /// Identifier of the OFD (32 hex digits), what a KKM's `ofd_uid` refers to.
    pub uid: String,
    /// Display name, printed on receipts (`"Казахтелеком"`).
    pub name: String,
    /// Host of its CPCR server.
    pub host: String,
    /// Port of its CPCR server (1–65535).
    pub port: i32,
    /// TLS on this endpoint.
    #[uniffi(default = false)]
    pub tls: bool,
    /// The consumer check site printed on receipts and in their QR code.
    pub check_url: String,
}

/// How to open a register.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RegisterConfig {
    /// Folder of the journal (`kkm.db`); created if missing. On Android:
    /// `context.filesDir/kkm`.
    pub data_dir: String,
    /// The 32-byte data key (AES-256-GCM of the secrets), e.g. unwrapped with an Android
    /// Keystore key. `None`: a `data.key` file (0600) in `data_dir`, created on first
    /// start (desktop).
    #[uniffi(default = None)]
    pub data_key: Option<Vec<u8>>,
    /// The OFDs KKMs can be registered with; the first is the default.
    pub ofds: Vec<OfdServer>,
    /// How long a fiscal command waits for the OFD before the document goes autonomous
    /// (the seed: 5000 ms).
    #[uniffi(default = 5000)]
    pub ofd_budget_ms: i64,
    /// First pause of the background drain while the OFD does not answer.
    #[uniffi(default = 1000)]
    pub retry_initial_ms: i64,
    /// Longest pause of the background drain.
    #[uniffi(default = 60000)]
    pub retry_max_ms: i64,
    /// The time zone documents are dated in: seconds ahead of UTC (the settings' zone;
    /// on Android `TimeZone.getDefault().getOffset(now) / 1000`). `None`: Kazakhstan's
    /// UTC+5. Outside UTC−12…UTC+14 or not whole minutes: code 2.
    #[uniffi(default = None)]
    pub utc_offset_secs: Option<i64>,
}

impl RegisterConfig {
    fn to_registry(&self) -> Result<RegistryConfig, KkmError> {
        let mut config = RegistryConfig::new(&self.data_dir);
        if let Some(key) = &self.data_key {
            let key: [u8; 32] = key.as_slice().try_into().map_err(|_| {
                KkmError::invalid(format!("data_key: 32 bytes expected, {} given", key.len()))
            })?;
            config.key = KeySource::Static(key);
        }
        config.ofds = self
            .ofds
            .iter()
            .map(|o| {
                let port = u16::try_from(o.port)
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| {
                        KkmError::invalid(format!("OFD port {} out of range", o.port))
                    })?;
                Ok(OfdConfig {
                    uid: o.uid.clone(),
                    name: o.name.clone(),
                    endpoint: Endpoint {
                        tls: o.tls,
                        ..Endpoint::plain(o.host.clone(), port)
                    },
                    check_url: o.check_url.clone(),
                })
            })
            .collect::<Result<_, KkmError>>()?;
        let millis = |v: i64| Duration::from_millis(u64::try_from(v.max(1)).unwrap_or(1));
        if let Some(offset) = self.utc_offset_secs {
            let clock = SystemClock::with_offset(offset).ok_or_else(|| {
                KkmError::invalid(format!(
                    "utc_offset_secs {offset}: a time zone is UTC-12..UTC+14 in whole minutes"
                ))
            })?;
            config.clock = Arc::new(clock);
        }
        config.ofd_budget = millis(self.ofd_budget_ms);
        config.backoff = Backoff {
            initial: millis(self.retry_initial_ms),
            max: millis(self.retry_max_ms.max(self.retry_initial_ms)),
        };
        Ok(config)
    }
}

// -------------------------------------------------------------------------------------
// The register

/// One installation of the register: a data folder (the journal), its data key and its
/// OFDs, with every KKM registered in it. Thread-safe; open one per process and keep it.
///
/// Every method is **blocking** (the journal commits with fsync; fiscal commands wait
/// for the OFD up to the budget): call from a background thread.
#[derive(uniffi::Object)]
pub struct KkmRegister {
    registry: RwLock<Option<Arc<Registry>>>,
    /// The zone of the register's clock, seconds ahead of UTC.
    utc_offset_secs: i64,
}

impl std::fmt::Debug for KkmRegister {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KkmRegister").finish_non_exhaustive()
    }
}

#[uniffi::export]
impl KkmRegister {
    /// Opens (or creates) the register in `config.data_dir`: verifies every journal's
    /// hash chain and starts the background OFD sync of each KKM. A new installation has
    /// one administrator with PIN `0000`. **Blocking.**
    #[uniffi::constructor]
    pub fn open(config: RegisterConfig) -> Result<Arc<KkmRegister>, KkmError> {
        let utc_offset_secs = config
            .utc_offset_secs
            .unwrap_or(SystemClock::KAZAKHSTAN.utc_offset_secs);
        let config = config.to_registry()?;
        let registry = block_on(Registry::open(config))??;
        Ok(Arc::new(KkmRegister {
            registry: RwLock::new(Some(registry)),
            utc_offset_secs,
        }))
    }

    /// Registers a KKM with the OFD (its registration data comes from the OFD with the
    /// token) or changes one. Administrators only. **Blocking** (asks the OFD).
    pub fn save_kkm(&self, admin_pin: String, setup: KkmSetup) -> Result<KkmInfo, KkmError> {
        let registry = self.registry()?;
        let request = SaveKkmRequest {
            ofd_id: setup.kkm_ofd_id,
            ofd_token: setup.ofd_token,
            local_name: setup.name,
            ofd_uid: setup.ofd_uid,
            bindings: setup.operator_ids,
            ..SaveKkmRequest::default()
        };
        let kkm = block_on(registry.save_kkm(&Credential::pin(admin_pin), request))??;
        Ok(kkm_info(&kkm))
    }

    /// The KKMs this operator may use. **Blocking.**
    pub fn kkms(&self, pin: String) -> Result<Vec<KkmInfo>, KkmError> {
        let registry = self.registry()?;
        let list =
            block_on(registry.kkm_list(&Credential::pin(pin), GetKkmListRequest::default()))??;
        Ok(list.iter().map(kkm_info).collect())
    }

    /// Creates or changes an operator. Administrators only. **Blocking.**
    pub fn save_operator(
        &self,
        admin_pin: String,
        setup: OperatorSetup,
    ) -> Result<OperatorInfo, KkmError> {
        let registry = self.registry()?;
        let request = SaveOperatorRequest {
            id: setup.id,
            name: Some(setup.name),
            access_pin: setup.pin,
            role: setup.role.code(),
            bindings: Some(setup.kkm_ofd_ids),
            ..SaveOperatorRequest::default()
        };
        let saved = block_on(registry.save_operator(&Credential::pin(admin_pin), request))??;
        Ok(OperatorInfo {
            id: saved.id,
            name: saved.name,
            role: OperatorRole::of(saved.role),
            kkm_ofd_ids: saved.bindings,
        })
    }

    /// Every operator. Administrators only. **Blocking.**
    pub fn operators(&self, admin_pin: String) -> Result<Vec<OperatorInfo>, KkmError> {
        let registry = self.registry()?;
        let list = block_on(registry.operator_list(&Credential::pin(admin_pin)))??;
        Ok(list
            .into_iter()
            .map(|o| OperatorInfo {
                id: o.id.unwrap_or(0),
                name: o.name,
                role: OperatorRole::of(o.role),
                kkm_ofd_ids: o.bindings,
            })
            .collect())
    }

    /// Deletes an operator (never the last administrator: 16). **Blocking.**
    pub fn delete_operator(&self, admin_pin: String, operator_id: i64) -> Result<(), KkmError> {
        let registry = self.registry()?;
        block_on(registry.delete_operator(
            &Credential::pin(admin_pin),
            api::DeleteOperatorRequest { id: operator_id },
        ))??;
        Ok(())
    }

    /// Logs an operator in on a KKM: checks the PIN (5 when wrong) and the operator's
    /// access to the KKM (71), and returns the session that makes documents.
    /// **Blocking** (the first check of a PIN runs a slow hash, ~0.1 s; later ones are
    /// cached).
    pub fn login(
        self: Arc<Self>,
        pin: String,
        kkm_ofd_id: i64,
    ) -> Result<Arc<CashierSession>, KkmError> {
        let registry = self.registry()?;
        let credential = Credential::pin(pin);
        let list = block_on(registry.kkm_list(
            &credential,
            GetKkmListRequest {
                ofd_id: Some(kkm_ofd_id),
            },
        ))??;
        if list.is_empty() {
            // Authenticated, but the KKM is unknown or not this operator's.
            return Err(match registry.sync_status(kkm_ofd_id) {
                Ok(_) => KkmError::rejected(
                    ErrorCode::KkmAccessDenied,
                    format!("this operator may not use KKM {kkm_ofd_id}"),
                ),
                Err(e) => e.into(),
            });
        }
        Ok(Arc::new(CashierSession {
            register: self,
            credential: RwLock::new(credential),
            kkm_ofd_id,
        }))
    }

    /// The KKM's sync status now. Not blocking.
    pub fn sync_state(&self, kkm_ofd_id: i64) -> Result<SyncState, KkmError> {
        Ok(sync_state(&self.registry()?.sync_status(kkm_ofd_id)?))
    }

    /// Calls `listener` with the KKM's sync state now and on every change, from a
    /// background thread, until the subscription is cancelled or the register closed.
    /// Not blocking.
    pub fn subscribe_sync(
        &self,
        kkm_ofd_id: i64,
        listener: Box<dyn SyncListener>,
    ) -> Result<Arc<SyncSubscription>, KkmError> {
        let mut rx = self.registry()?.subscribe(kkm_ofd_id)?;
        let (cancel, mut cancelled) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name(format!("kkm-sync-{kkm_ofd_id}"))
            .spawn(move || {
                let first = sync_state(&rx.borrow_and_update());
                listener.on_sync_state(kkm_ofd_id, first);
                loop {
                    // A plain executor: the callback runs outside the tokio runtime, so
                    // Kotlin may call blocking register methods from it.
                    let changed = futures::executor::block_on(async {
                        tokio::select! {
                            _ = &mut cancelled => false,
                            r = rx.changed() => r.is_ok(),
                        }
                    });
                    if !changed {
                        return;
                    }
                    let state = sync_state(&rx.borrow_and_update());
                    listener.on_sync_state(kkm_ofd_id, state);
                }
            })
            .map_err(|e| KkmError::internal(format!("cannot start the listener thread: {e}")))?;
        Ok(Arc::new(SyncSubscription {
            cancel: Mutex::new(Some(cancel)),
        }))
    }

    /// Retries the OFD now (e.g. the network is back) instead of waiting for the next
    /// backoff. Not blocking.
    pub fn retry_sync_now(&self, kkm_ofd_id: i64) -> Result<(), KkmError> {
        Ok(self.registry()?.kick(kkm_ofd_id)?)
    }

    /// An administrator lifts a block; with `drop_document` the refused document leaves
    /// the queue (the journal keeps it). Returns the documents delivered after.
    /// **Blocking.**
    pub fn resolve_block(
        &self,
        admin_pin: String,
        kkm_ofd_id: i64,
        drop_document: bool,
    ) -> Result<i64, KkmError> {
        let registry = self.registry()?;
        let delivered = block_on(registry.resolve_blocked(
            &Credential::pin(admin_pin),
            kkm_ofd_id,
            drop_document,
        ))??;
        Ok(i64::try_from(delivered).unwrap_or(i64::MAX))
    }

    /// Stops the background sync and closes the journal (idempotent). Later calls answer
    /// `Closed`. Documents not yet delivered stay queued on disk. **Blocking.**
    /// (Kotlin's `close()` only frees the handle; call this first.)
    pub fn shutdown(&self) -> Result<(), KkmError> {
        let registry = self
            .registry
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(registry) = registry {
            block_on(registry.shutdown())?;
        }
        Ok(())
    }
}

impl KkmRegister {
    /// The zone of the register's clock, seconds ahead of UTC.
    pub(crate) fn utc_offset_secs(&self) -> i64 {
        self.utc_offset_secs
    }

    pub(crate) fn registry(&self) -> Result<Arc<Registry>, KkmError> {
        self.registry
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(KkmError::closed)
    }
}

impl Drop for KkmRegister {
    fn drop(&mut self) {
        let registry = match self.registry.get_mut() {
            Ok(r) => r.take(),
            Err(p) => p.into_inner().take(),
        };
        if let (Some(registry), Ok(rt)) = (registry, runtime()) {
            rt.spawn(async move { registry.shutdown().await });
        }
    }
}
