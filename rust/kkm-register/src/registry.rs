//! The [`Registry`]: every KKM of one installation (one journal file), the operators,
//! and one async method per API method. Operations on one KKM are serialised (its
//! [`crate::register::Register`] lock); different KKMs run in parallel.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex as StdMutex, RwLock};

use kkm_core::{authorize, Action, ErrorCode};
use kkm_ofd::{ClientConfig, OfdClient, SyncEngine};
use kkm_store::{KeyFile, KeyProvider, StaticKey, Store};
use tokio::sync::{watch, Mutex};
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::api::{self, OK_TEXT};
use crate::auth::{AuthCache, Operator};
use crate::book::{KkmBook, KkmSettings};
use crate::register::Register;
use crate::{Credential, KeySource, OfdConfig, RegisterError, RegistryConfig, StoreJournal};

mod analytics;
mod browse;
mod catalogue;
mod documents;
mod kkms;
mod listing;
mod operators;
mod overview;
mod printing;
mod sale;
mod session;
mod sync;
pub use analytics::{
    Analytics, OperatorFigures, PaymentFigures, SalesFigures, SectionFigures, DAY_SECS,
    MAX_PERIOD_DAYS,
};
pub use browse::{DocumentLine, MAX_PAGE};
pub use catalogue::{product_matches, CatalogueMatch};
pub use listing::TransactionPages;
pub use overview::{KkmOverview, KkmState, SHIFT_MAX_SECS};
pub use printing::{PrintJob, MAX_DUPLICATES};
pub use sale::FoundReceipt;
pub use session::{PinWarnings, SIGN_IN_PATIENCE};

/// The owner id of everything this installation creates (one owner per installation).
const OWNER_ID: i64 = 1;

/// Every KKM of an installation and the operations of the API.
///
/// Open it with [`Registry::open`] inside a tokio runtime; each KKM gets a background
/// task that drains its offline queue. Share it in the returned `Arc`.
pub struct Registry {
    config: RegistryConfig,
    store: Arc<Store>,
    auth: AuthCache,
    kkms: RwLock<BTreeMap<u32, Arc<Register>>>,
    /// Serialises configuration changes (KKMs, operators).
    admin: Mutex<()>,
    tasks: StdMutex<Vec<JoinHandle<()>>>,
    /// The print queue's workers.
    printing: Arc<crate::printing::Printing>,
    /// Receipt images rendered at once for GetDocumentImage (each takes tens of MB at
    /// the largest sizes): the rest wait their turn instead of piling up in memory.
    renders: tokio::sync::Semaphore,
}

/// How many GetDocumentImage renders run at once.
const CONCURRENT_RENDERS: usize = 2;

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

pub(crate) fn key_provider(key: &KeySource) -> Box<dyn KeyProvider> {
    match key {
        KeySource::File(path) => Box::new(KeyFile::new(path)),
        KeySource::Static(bytes) => Box::new(StaticKey(*bytes)),
    }
}

/// Opens the store of `config` (creating the folder), without starting anything.
pub(crate) fn open_store(config: &RegistryConfig) -> Result<Store, RegisterError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        RegisterError::new(
            ErrorCode::DbError,
            format!("cannot create {}: {e}", config.data_dir.display()),
        )
    })?;
    let keys = key_provider(&config.key);
    Ok(Store::open(config.database_path(), keys.as_ref())?)
}

fn kkm_id_of(ofd_id: i64) -> Result<u32, RegisterError> {
    u32::try_from(ofd_id)
        .ok()
        .filter(|&id| id != 0)
        .ok_or_else(|| {
            RegisterError::new(
                ErrorCode::InvalidKkmOfdId,
                format!("ofd_id {ofd_id} is not a KKM id of the OFD (1..=4294967295)"),
            )
        })
}

fn settings_of(store: &Store, kkm_id: u32) -> Result<KkmSettings, RegisterError> {
    match store.registration(kkm_id)? {
        Some(json) => KkmSettings::from_json(&json).map_err(|e| {
            RegisterError::new(
                ErrorCode::DbError,
                format!("settings of KKM {kkm_id} do not read back: {e}"),
            )
        }),
        None => Ok(KkmSettings::default()),
    }
}

fn save_settings(store: &Store, kkm_id: u32, settings: &KkmSettings) -> Result<(), RegisterError> {
    let json = settings
        .to_json()
        .map_err(|e| RegisterError::new(ErrorCode::KkmSaveError, e.to_string()))?;
    store.set_registration(kkm_id, &json)?;
    Ok(())
}

fn ok_text() -> String {
    OK_TEXT.to_owned()
}

impl Registry {
    /// Opens the installation in `config.data_dir` (journal `kkm.db`, verified on
    /// open; the default administrator with PIN 0000 on first start) and starts the
    /// sync task of every KKM on the current tokio runtime.
    pub async fn open(config: RegistryConfig) -> Result<Arc<Registry>, RegisterError> {
        let store = Arc::new(open_store(&config)?);
        if store.ensure_default_admin()?.is_some() {
            info!("first start: administrator created with the default PIN 0000 (change it)");
        }
        if store.pin_owner(kkm_store::DEFAULT_ADMIN_PIN)?.is_some() {
            tracing::warn!(
                "the default PIN 0000 still opens an operator: it is accepted only from \
                 programs on this machine, and the console's first sign-in with it asks \
                 for a PIN of the administrator's own"
            );
        }
        let printing = Arc::new(crate::printing::Printing::new(
            store.clone(),
            config.printer_driver.clone(),
            config.print_policy,
        ));
        let registry = Arc::new(Registry {
            config,
            store,
            printing,
            auth: AuthCache::new(),
            kkms: RwLock::new(BTreeMap::new()),
            admin: Mutex::new(()),
            tasks: StdMutex::new(Vec::new()),
            renders: tokio::sync::Semaphore::new(CONCURRENT_RENDERS),
        });
        for kkm_id in registry.store.kkm_ids()? {
            let settings = settings_of(&registry.store, kkm_id)?;
            if settings.deleted {
                continue;
            }
            registry.start(kkm_id, settings)?;
        }
        let weak = Arc::downgrade(&registry);
        let source: std::sync::Weak<dyn crate::printing::DocumentSource> = weak;
        registry.printing.start(source);
        Ok(registry)
    }

    /// Stops every KKM's sync task after the operation in flight; the queue stays in
    /// the journal and drains at the next start.
    pub async fn shutdown(&self) {
        let registers: Vec<Arc<Register>> = self.kkms_snapshot();
        for register in &registers {
            // Waiting for the lock lets the operation in flight finish first.
            let _book = register.book.lock().await;
            register.stop.send_replace(true);
        }
        self.printing.shutdown().await;
        let tasks: Vec<JoinHandle<()>> =
            std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        for task in tasks {
            if let Err(e) = task.await {
                warn!(error = %e, "a sync task ended abnormally");
            }
        }
    }

    fn kkms_snapshot(&self) -> Vec<Arc<Register>> {
        self.kkms
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }

    fn ofd(&self, uid: Option<&str>) -> Result<OfdConfig, RegisterError> {
        let found = match uid.filter(|u| !u.is_empty()) {
            Some(uid) => self
                .config
                .ofds
                .iter()
                .find(|o| o.uid.eq_ignore_ascii_case(uid)),
            None => self.config.ofds.first(),
        };
        found.cloned().ok_or_else(|| match uid {
            Some(uid) => RegisterError::new(
                ErrorCode::InvalidOfdUid,
                format!("ofd_uid: no OFD `{uid}` is configured (see GetOFDList)"),
            ),
            None => RegisterError::new(ErrorCode::KkmIsNotInitialized, "no OFD is configured"),
        })
    }

    fn client(&self, ofd: &OfdConfig) -> Result<OfdClient, RegisterError> {
        let config = ClientConfig {
            budget: self.config.ofd_budget,
            ..ClientConfig::new(ofd.endpoint.clone())
        };
        OfdClient::new(config)
            .map_err(|e| RegisterError::new(ErrorCode::ConnectionError, e.to_string()))
    }

    /// Starts a KKM: its engine and its background drain.
    fn start(&self, kkm_id: u32, settings: KkmSettings) -> Result<Arc<Register>, RegisterError> {
        let ofd = self
            .ofd(Some(&settings.ofd_uid))
            .or_else(|_| self.ofd(None))?;
        let journal = Arc::new(StoreJournal::new(self.store.clone(), kkm_id));
        let clock = self.config.clock.clone();
        let engine = SyncEngine::new(
            journal,
            self.client(&ofd)?,
            Arc::new(move || clock.now().secs()),
        )?
        .with_backoff(self.config.backoff);
        let engine = Arc::new(engine);
        let book = KkmBook::from_blob(kkm_id, &self.store.counters(kkm_id)?)?;
        let (stop, mut stopped) = watch::channel(false);
        let register = Arc::new(Register {
            kkm_id,
            ofd: RwLock::new(ofd),
            engine: engine.clone(),
            store: self.store.clone(),
            clock: self.config.clock.clone(),
            book: Mutex::new(book),
            settings: RwLock::new(settings),
            stop,
        });
        let task = tokio::spawn(engine.run(async move {
            let _ = stopped.wait_for(|s| *s).await;
        }));
        self.tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(task);
        self.kkms
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(kkm_id, register.clone());
        Ok(register)
    }

    fn register(&self, ofd_id: i64) -> Result<Arc<Register>, RegisterError> {
        let kkm_id = kkm_id_of(ofd_id)?;
        self.kkms
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&kkm_id)
            .cloned()
            .ok_or_else(|| {
                RegisterError::new(
                    ErrorCode::InvalidKkmOfdId,
                    format!("KKM {ofd_id} is not registered here (SaveKKM adds it)"),
                )
            })
    }

    fn authenticate(&self, credential: &Credential) -> Result<Operator, RegisterError> {
        self.auth.authenticate(&self.store, credential)
    }

    /// Authenticates and checks `action` on KKM `ofd_id`.
    fn operator_for(
        &self,
        credential: &Credential,
        ofd_id: i64,
        action: Action,
    ) -> Result<(Operator, Arc<Register>), RegisterError> {
        let operator = self.authenticate(credential)?;
        let register = self.register(ofd_id)?;
        authorize(&register.access_of(&operator), Some(ofd_id), action)?;
        Ok((operator, register))
    }

    /// An operator allowed `action` (no KKM concerned).
    fn operator_may(
        &self,
        credential: &Credential,
        action: Action,
    ) -> Result<Operator, RegisterError> {
        let operator = self.authenticate(credential)?;
        authorize(&operator.access(None), None, action)?;
        Ok(operator)
    }

    // ---------------------------------------------------------------------------------
    // Service methods

    /// `Ping`: the core works (no credential needed).
    pub fn ping(&self) -> String {
        ok_text()
    }

    /// `ActivateLicense`: we sell no licences; the key's shape is checked (groups of
    /// hex digits separated by `-`), the owner details are kept, and the answer is ok.
    pub async fn activate_license(
        &self,
        credential: &Credential,
        request: api::ActivateLicenseRequest,
    ) -> Result<String, RegisterError> {
        self.operator_may(credential, Action::ManageLicense)?;
        let key = request.license_key.trim();
        let well_formed = !key.is_empty()
            && key.len() <= 64
            && key
                .split('-')
                .all(|g| !g.is_empty() && g.chars().all(|c| c.is_ascii_alphanumeric()));
        if !well_formed {
            return Err(RegisterError::new(
                ErrorCode::InvalidLicenseKey,
                "licenseKey: expected groups of letters and digits separated by `-` (e.g. A7D3-5CFA-A13F-16C4)",
            ));
        }
        let json = serde_json::to_string(&request)
            .map_err(|e| RegisterError::new(ErrorCode::SettingsSaveError, e.to_string()))?;
        self.store.set_setting("license", &json)?;
        Ok(ok_text())
    }

    /// `GetOFDList`: the configured OFDs.
    pub async fn ofd_list(
        &self,
        credential: &Credential,
    ) -> Result<Vec<api::OfdObject>, RegisterError> {
        self.authenticate(credential)?;
        Ok(self
            .config
            .ofds
            .iter()
            .map(|o| api::OfdObject {
                uid: o.uid.clone(),
                name: o.name.clone(),
            })
            .collect())
    }
}
