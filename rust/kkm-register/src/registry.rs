//! The [`Registry`]: every KKM of one installation (one journal file), the operators,
//! and one async method per API method. Operations on one KKM are serialised (its
//! [`crate::register::Register`] lock); different KKMs run in parallel.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex as StdMutex, RwLock};

use kkm_core::{authorize, check_kkm_status, Action, ErrorCode, ReportType, Role};
use kkm_ofd::{ClientConfig, Credentials, OfdClient, SyncEngine, SyncStatus};
use kkm_proto::cpcr::{CommandTypeEnum, Request, ResultTypeEnum, ServiceResponse};
use kkm_store::{KeyFile, KeyProvider, OperatorInput, StaticKey, Store};
use sha2::{Digest, Sha256};
use tokio::sync::{watch, Mutex};
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::api::{self, ApiDateTime, KkmObject, NonNullableSums, OK_TEXT};
use crate::auth::{AuthCache, Operator};
use crate::book::{KkmBook, KkmSettings, Payload};
use crate::register::Register;
use crate::views;
use crate::{Credential, KeySource, OfdConfig, RegisterError, RegistryConfig, StoreJournal};

mod analytics;
mod catalogue;
mod documents;
mod overview;
mod session;
pub use analytics::{
    Analytics, OperatorFigures, PaymentFigures, SalesFigures, SectionFigures, DAY_SECS,
    MAX_PERIOD_DAYS,
};
pub use catalogue::CatalogueMatch;
pub use documents::{DocumentLine, MAX_PAGE};
pub use overview::{BlockedDetail, KkmOverview, KkmState, SHIFT_MAX_SECS};
pub use session::SIGN_IN_PATIENCE;

/// The owner id of everything this installation creates (one owner per installation).
const OWNER_ID: i64 = 1;

/// Upper bound of records one GetTransactionList answers.
const LIST_LIMIT: u32 = 10_000;

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
}

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
        Some(json) => serde_json::from_str(&json).map_err(|e| {
            RegisterError::new(
                ErrorCode::DbError,
                format!("settings of KKM {kkm_id} do not read back: {e}"),
            )
        }),
        None => Ok(KkmSettings::default()),
    }
}

fn save_settings(store: &Store, kkm_id: u32, settings: &KkmSettings) -> Result<(), RegisterError> {
    let json = serde_json::to_string(settings)
        .map_err(|e| RegisterError::new(ErrorCode::KkmSaveError, e.to_string()))?;
    store.set_registration(kkm_id, &json)?;
    Ok(())
}

/// The OFD's registration data in the API's form.
fn reg_info_of(service: &ServiceResponse) -> (api::RegInfo, Vec<api::AdsObject>) {
    let r = &service.reg_info;
    let info = api::RegInfo {
        kkm: Some(api::KkmRegInfo {
            point_of_payment_number: r.kkm.point_of_payment_number.clone(),
            terminal_number: r.kkm.terminal_number.clone(),
            fns_kkm_id: r.kkm.fns_kkm_id.clone(),
            serial_number: r.kkm.serial_number.clone(),
            kkm_id: r.kkm.kkm_id.clone(),
        }),
        pos: r.pos.as_ref().map(|p| api::PosRegInfo {
            title: Some(p.title.clone()),
            address: Some(p.address.clone()),
        }),
        org: Some(api::OrgRegInfo {
            title: Some(r.org.title.clone()),
            address: Some(r.org.address.clone()),
            inn: Some(r.org.iin.clone()),
            taxation_type: Some(0),
            okved: Some(r.org.oked.clone()),
            tenant_id: Some(OWNER_ID),
        }),
    };
    let ads = service
        .ticket_ads
        .iter()
        .filter_map(|ad| {
            let kind = api::TicketAdType::from_code(i64::from(ad.info.r#type))?;
            Some(api::AdsObject {
                info: api::TicketAdInfo {
                    kind,
                    version: ad.info.version,
                },
                text: ad.text.clone(),
            })
        })
        .collect();
    (info, ads)
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
        let registry = Arc::new(Registry {
            config,
            store,
            auth: AuthCache::new(),
            kkms: RwLock::new(BTreeMap::new()),
            admin: Mutex::new(()),
            tasks: StdMutex::new(Vec::new()),
        });
        for kkm_id in registry.store.kkm_ids()? {
            let settings = settings_of(&registry.store, kkm_id)?;
            if settings.deleted {
                continue;
            }
            registry.start(kkm_id, settings)?;
        }
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
                ErrorCode::InvalidFields,
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
            ofd,
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
        let bindings = register.settings().bindings;
        authorize(
            &operator.access(Some((register.kkm_id, &bindings))),
            Some(ofd_id),
            action,
        )?;
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
                ErrorCode::InvalidFields,
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

    /// `GetVendorId`: a new factory number (ЗНМ) of the seed's form
    /// (`ISCR` + 13 digits), unique in this installation and kept.
    pub async fn vendor_id(
        &self,
        credential: &Credential,
        request: api::GetVendorIdRequest,
    ) -> Result<api::GetVendorIdResponse, RegisterError> {
        self.operator_may(credential, Action::ManageKkm)?;
        self.ofd(request.ofd_uid.as_deref())?;
        let _admin = self.admin.lock().await;
        let now = self.config.clock.now();
        let issued: u64 = self
            .store
            .setting("vendor_ids_issued")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        for attempt in 0..1000u64 {
            let mut h = Sha256::new();
            h.update(now.secs().to_le_bytes());
            h.update((issued + attempt).to_le_bytes());
            h.update(self.config.data_dir.to_string_lossy().as_bytes());
            let digest = h.finalize();
            let mut n = u64::from_le_bytes(digest[..8].try_into().unwrap_or([0; 8]));
            n %= 10_000_000_000_000;
            let vendor_id = format!("ISCR{n:013}");
            let key = format!("vendor_id:{vendor_id}");
            if self.store.setting(&key)?.is_some() {
                continue;
            }
            let date = ApiDateTime::from_timestamp(now);
            self.store.set_setting(&key, &date.to_string())?;
            self.store
                .set_setting("vendor_ids_issued", &(issued + attempt + 1).to_string())?;
            return Ok(api::GetVendorIdResponse {
                vendor_id,
                manufacture_date: date,
            });
        }
        Err(RegisterError::new(
            ErrorCode::InvalidKkmVendorId,
            "no unused factory number could be generated",
        ))
    }

    /// `GetPrinterList`: the printers configured on this installation's KKMs (the
    /// seed's method lists Windows printers; we list what SaveKKM configured).
    pub async fn printer_list(
        &self,
        credential: &Credential,
    ) -> Result<Vec<api::PrinterListEntry>, RegisterError> {
        self.authenticate(credential)?;
        let mut printers: Vec<api::PrinterListEntry> = Vec::new();
        for register in self.kkms_snapshot() {
            if let Some(p) = register.settings().printer {
                if printers
                    .iter()
                    .any(|e| e.name == p.name && e.kind == p.kind)
                {
                    continue;
                }
                printers.push(api::PrinterListEntry {
                    id: p.id.unwrap_or(printers.len() as i64 + 1),
                    name: p.name,
                    kind: p.kind,
                });
            }
        }
        Ok(printers)
    }

    // ---------------------------------------------------------------------------------
    // KKMs

    fn kkm_object(&self, register: &Register, book: &KkmBook) -> Result<KkmObject, RegisterError> {
        let settings = register.settings();
        let status = register.kkm_status(book)?;
        let sync = register.status();
        let shift = book.shift.shift.as_ref();
        let zero = ApiDateTime::DELPHI_ZERO;
        let at = |t: Option<kkm_core::Timestamp>| t.map_or(zero, ApiDateTime::from_timestamp);
        let start = shift.map_or(book.shift.lifetime.non_nullable, |s| s.start_non_nullable);
        Ok(KkmObject {
            ofd_id: i64::from(register.kkm_id),
            ofd_uid: Some(register.ofd.uid.clone()),
            local_name: settings.local_name.clone(),
            use_software_vpn: Some(settings.use_software_vpn),
            printer: settings.printer.clone(),
            auto_withdraw_money: Some(settings.auto_withdraw_money),
            vat_certificate: Some(settings.vat_certificate.clone().unwrap_or_default()),
            custom_data: settings.custom_data.clone(),
            bindings: settings.bindings.clone(),
            id: Some(settings.id),
            is_offline: Some(!matches!(sync.mode, kkm_ofd::SyncMode::Online) || sync.queue_len > 0),
            fr_shift_number: Some(i64::from(book.shift.current_shift_number())),
            shift_state: Some(if shift.is_some() {
                api::ShiftState::Open
            } else {
                api::ShiftState::Closed
            }),
            is_blocked: Some(status.blocked.is_some()),
            shift_close_date: Some(at(book.shift_closed_at)),
            shift_document_number: Some(shift.map_or(0, |s| i64::from(s.documents))),
            owner_id: Some(OWNER_ID),
            offline_start_date: Some(at(status.offline_since)),
            is_invalid_token: Some(settings.invalid_token),
            start_shift_non_nullable_sums: Some(NonNullableSums(start)),
            non_nullable_sums: Some(NonNullableSums(book.shift.lifetime.non_nullable)),
            ads_info: settings.ads_info.clone(),
            vendor_id: settings
                .reg_info
                .kkm
                .as_ref()
                .and_then(|k| k.serial_number.clone()),
            offline_end_date: Some(zero),
            cash_sum: Some(book.shift.cash_in_drawer()),
            shift_open_date: Some(at(shift.map(|s| s.opened_at))),
            // The seed writes "" when nothing blocks the KKM.
            blocked_info: Some(
                status
                    .blocked
                    .or(status.values_conflict.clone())
                    .unwrap_or_default(),
            ),
            revenue: Some(book.shift.revenue()),
            offline_ticket_number: Some(i64::from(book.last_offline_number)),
            reg_info: Some(settings.reg_info.clone()),
            local_state: Some(if status.values_conflict.is_some() {
                api::KkmLocalState::ValuesConflict
            } else {
                api::KkmLocalState::Ok
            }),
            ofd_token: None,
            manufacture_date: settings.manufacture_date,
        })
    }

    /// `GetKKMList`: the KKMs the operator may see (administrators: all).
    pub async fn kkm_list(
        &self,
        credential: &Credential,
        request: api::GetKkmListRequest,
    ) -> Result<Vec<KkmObject>, RegisterError> {
        let operator = self.authenticate(credential)?;
        let mut list = Vec::new();
        for register in self.kkms_snapshot() {
            if request
                .ofd_id
                .is_some_and(|id| id != i64::from(register.kkm_id))
            {
                continue;
            }
            let bindings = register.settings().bindings;
            let access = operator.access(Some((register.kkm_id, &bindings)));
            if authorize(&access, Some(i64::from(register.kkm_id)), Action::ViewKkm).is_err() {
                continue;
            }
            let book = register.book.lock().await;
            list.push(self.kkm_object(&register, &book)?);
        }
        Ok(list)
    }

    /// Asks the OFD for the KKM's registration data (INFO) with `token`.
    async fn fetch_registration(
        &self,
        ofd: &OfdConfig,
        kkm_id: u32,
        token: u32,
        reqnum: u16,
    ) -> Result<ServiceResponse, RegisterError> {
        let mut client = self.client(ofd)?;
        let request = Request {
            command: CommandTypeEnum::CommandInfo as i32,
            ..Request::default()
        };
        let answer = client
            .exchange(
                Credentials {
                    kkm_id,
                    token,
                    reqnum,
                },
                &request,
            )
            .await
            .map_err(|e| {
                RegisterError::new(
                    ErrorCode::KkmReginfoRequestError,
                    format!("the OFD did not give the registration data: {e}"),
                )
            })?;
        let result = &answer.message.result;
        if result.result_code == ResultTypeEnum::ResultTypeInvalidToken as u32 {
            return Err(RegisterError::new(
                ErrorCode::InvalidKkmToken,
                format!("the OFD refused the token of KKM {kkm_id}"),
            ));
        }
        if result.result_code != ResultTypeEnum::ResultTypeOk as u32 {
            return Err(RegisterError::new(
                ErrorCode::InvalidKkmCredentials,
                format!(
                    "the OFD refused KKM {kkm_id} with code {}: {}",
                    result.result_code,
                    result.result_text.clone().unwrap_or_default()
                ),
            ));
        }
        answer.message.service.ok_or_else(|| {
            RegisterError::new(
                ErrorCode::KkmReginfoRequestError,
                "the OFD's answer carries no registration data",
            )
        })
    }

    /// `SaveKKM`: adds a KKM (its registration data comes from the OFD with the token
    /// given) or changes one. A token the OFD refuses answers 42 and changes nothing;
    /// the KKM is then marked `is_invalid_token`.
    pub async fn save_kkm(
        &self,
        credential: &Credential,
        request: api::SaveKkmRequest,
    ) -> Result<KkmObject, RegisterError> {
        self.operator_may(credential, Action::ManageKkm)?;
        let kkm_id = kkm_id_of(request.ofd_id)?;
        let _admin = self.admin.lock().await;
        let existing = self
            .kkms
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&kkm_id)
            .cloned();
        let known = self.store.kkm_ids()?.contains(&kkm_id);
        let mut settings = if known {
            settings_of(&self.store, kkm_id)?
        } else {
            KkmSettings::default()
        };
        let ofd = match &request.ofd_uid {
            Some(uid) => self.ofd(Some(uid))?,
            None if known => self
                .ofd(Some(&settings.ofd_uid))
                .or_else(|_| self.ofd(None))?,
            None => self.ofd(None)?,
        };
        let token = match request.new_token() {
            Some(t) => Some(u32::try_from(t).map_err(|_| {
                RegisterError::new(
                    ErrorCode::InvalidKkmToken,
                    format!("ofd_token {t} is not a CPCR token (0..=4294967295)"),
                )
            })?),
            None => None,
        };
        if !known && token.is_none() {
            return Err(RegisterError::new(
                ErrorCode::InvalidKkmCredentials,
                "ofd_token: a new KKM needs its token from the OFD",
            ));
        }
        // Registration data with the new token (INFO), before anything is changed.
        if let Some(token) = token {
            let reqnum = if known {
                self.store.reserve_reqnum(kkm_id, None)?
            } else {
                1
            };
            match self.fetch_registration(&ofd, kkm_id, token, reqnum).await {
                Ok(service) => {
                    let (reg_info, ads) = reg_info_of(&service);
                    settings.reg_info = reg_info;
                    settings.ads_info = ads;
                    settings.invalid_token = false;
                }
                Err(e) if e.code() == ErrorCode::InvalidKkmToken && known => {
                    settings.invalid_token = true;
                    save_settings(&self.store, kkm_id, &settings)?;
                    if let Some(r) = &existing {
                        r.set_settings(settings);
                    }
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
            if !known {
                self.store
                    .add_kkm(kkm_id, token, &KkmBook::default().to_blob()?)?;
                // The INFO above used REQNUM 1: the next request must not repeat it.
                self.store.reserve_reqnum(kkm_id, None)?;
            } else {
                self.store.save_token(kkm_id, token)?;
            }
        }
        settings.ofd_uid = ofd.uid.clone();
        if settings.id == 0 {
            settings.id = i64::from(kkm_id);
        }
        if let Some(v) = request.local_name {
            settings.local_name = Some(v);
        }
        if let Some(v) = request.use_software_vpn {
            settings.use_software_vpn = v;
        }
        if let Some(v) = request.printer {
            settings.printer = Some(v);
        }
        if let Some(v) = request.auto_withdraw_money {
            settings.auto_withdraw_money = v;
        }
        if let Some(v) = request.vat_certificate {
            settings.vat_certificate = Some(v);
        }
        if let Some(v) = request.custom_data {
            settings.custom_data = v;
        }
        if let Some(v) = request.bindings {
            settings.bindings = v;
        }
        if settings.manufacture_date.is_none() {
            settings.manufacture_date = Some(ApiDateTime::from_timestamp(self.config.clock.now()));
        }
        settings.deleted = false;
        save_settings(&self.store, kkm_id, &settings)?;
        let register = match existing {
            Some(register) => {
                let was_invalid = register.settings().invalid_token;
                register.set_settings(settings);
                if token.is_some() {
                    // A new token may lift a block the old one caused.
                    if was_invalid || register.status().mode != kkm_ofd::SyncMode::Online {
                        let blocked_by_token = matches!(
                            register.status().mode,
                            kkm_ofd::SyncMode::Blocked(ref b)
                                if b.code == ResultTypeEnum::ResultTypeInvalidToken as u32
                        );
                        if blocked_by_token {
                            self.store.unblock(kkm_id, None)?;
                        }
                        register.engine.kick();
                    }
                }
                register
            }
            None => self.start(kkm_id, settings)?,
        };
        let book = register.book.lock().await;
        self.kkm_object(&register, &book)
    }

    /// `DeleteKKM`: takes a KKM out of service (needs an empty queue (67) and a closed
    /// shift). Its journal is kept: SaveKKM with the same id brings it back.
    pub async fn delete_kkm(
        &self,
        credential: &Credential,
        request: api::DeleteKkmRequest,
    ) -> Result<String, RegisterError> {
        let (_, register) = self.operator_for(credential, request.ofd_id, Action::DeleteKkm)?;
        let _admin = self.admin.lock().await;
        let book = register.book.lock().await;
        let status = register.kkm_status(&book)?;
        check_kkm_status(&status, Action::DeleteKkm, self.config.clock.now())?;
        let mut settings = register.settings();
        settings.deleted = true;
        save_settings(&self.store, register.kkm_id, &settings)?;
        register.set_settings(settings);
        register.stop.send_replace(true);
        self.kkms
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&register.kkm_id);
        Ok(ok_text())
    }

    // ---------------------------------------------------------------------------------
    // Operators

    fn operator_extra(&self, id: i64) -> Result<(String, serde_json::Value), RegisterError> {
        let Some(json) = self.store.setting(&format!("operator:{id}"))? else {
            return Ok((String::new(), serde_json::Value::Null));
        };
        let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        Ok((
            value
                .get("email")
                .and_then(|e| e.as_str())
                .unwrap_or_default()
                .to_owned(),
            value.get("custom_data").cloned().unwrap_or_default(),
        ))
    }

    /// `GetOperatorList`: every operator, PINs masked.
    pub async fn operator_list(
        &self,
        credential: &Credential,
    ) -> Result<Vec<api::KkmOperatorObject>, RegisterError> {
        self.operator_may(credential, Action::ManageOperators)?;
        let mut list = Vec::new();
        for row in self.store.operators()? {
            let operator = Operator::from_row(&row)?;
            let (email, custom_data) = self.operator_extra(row.id)?;
            list.push(api::KkmOperatorObject {
                id: Some(row.id),
                name: row.name,
                role: operator.role,
                email,
                bindings: row.kkm_ids.iter().map(|&k| i64::from(k)).collect(),
                owner_id: Some(OWNER_ID),
                access_pin: api::MASKED_PIN.to_owned(),
                custom_data,
            });
        }
        Ok(list)
    }

    /// `SaveOperator`: creates (`id` absent or 0) or edits an operator.
    pub async fn save_operator(
        &self,
        credential: &Credential,
        request: api::SaveOperatorRequest,
    ) -> Result<api::SavedOperator, RegisterError> {
        self.operator_may(credential, Action::ManageOperators)?;
        let role = request.role()?;
        let pin = request.access_pin.trim();
        if pin.is_empty() || pin.len() > 32 || pin.chars().any(char::is_whitespace) {
            return Err(RegisterError::new(
                ErrorCode::AccessCodeIncorrect,
                "access_pin: 1 to 32 characters without spaces",
            ));
        }
        self.check_pin_policy(role, pin)?;
        let _admin = self.admin.lock().await;
        let existing = match request.id.filter(|_| !request.is_create()) {
            Some(id) => Some(
                self.store
                    .operators()?
                    .into_iter()
                    .find(|o| o.id == id)
                    .ok_or_else(|| {
                        RegisterError::new(
                            ErrorCode::InvalidOperatorCode,
                            format!("operator {id} does not exist"),
                        )
                    })?,
            ),
            None => None,
        };
        if let Some(old) = &existing {
            if old.role == Role::Administrator.code() && role != Role::Administrator {
                self.keep_an_administrator(old.id)?;
            }
        }
        let name = request
            .name
            .clone()
            .or_else(|| existing.as_ref().map(|o| o.name.clone()))
            .unwrap_or_default();
        let kkm_ids: Vec<u32> = match &request.bindings {
            Some(list) => list
                .iter()
                .map(|&k| kkm_id_of(k))
                .collect::<Result<_, _>>()?,
            None => existing
                .as_ref()
                .map(|o| o.kkm_ids.clone())
                .unwrap_or_default(),
        };
        let id = self.store.save_operator(&OperatorInput {
            id: existing.as_ref().map(|o| o.id),
            name: &name,
            role: role.code(),
            pin: Some(pin),
            kkm_ids: &kkm_ids,
        })?;
        let (mut email, mut custom_data) = self.operator_extra(id)?;
        if let Some(e) = request.email {
            email = e;
        }
        if let Some(c) = request.custom_data {
            custom_data = c;
        }
        let extra = serde_json::json!({"email": email, "custom_data": custom_data});
        self.store
            .set_setting(&format!("operator:{id}"), &extra.to_string())?;
        self.auth.clear();
        Ok(api::SavedOperator {
            id,
            name,
            access_pin: api::MASKED_PIN.to_owned(),
            role,
            owner_id: Some(OWNER_ID),
            email,
            bindings: kkm_ids.iter().map(|&k| i64::from(k)).collect(),
            custom_data,
        })
    }

    /// Refuses (16) to take away the last administrator.
    fn keep_an_administrator(&self, leaving: i64) -> Result<(), RegisterError> {
        let others = self
            .store
            .operators()?
            .into_iter()
            .filter(|o| o.id != leaving && o.role == Role::Administrator.code())
            .count();
        if others == 0 {
            return Err(RegisterError::new(
                ErrorCode::OperatorDeleteError,
                "this is the last administrator: create another one first",
            ));
        }
        Ok(())
    }

    /// `DeleteOperator`.
    pub async fn delete_operator(
        &self,
        credential: &Credential,
        request: api::DeleteOperatorRequest,
    ) -> Result<String, RegisterError> {
        self.operator_may(credential, Action::ManageOperators)?;
        let _admin = self.admin.lock().await;
        let row = self
            .store
            .operators()?
            .into_iter()
            .find(|o| o.id == request.id)
            .ok_or_else(|| {
                RegisterError::new(
                    ErrorCode::InvalidOperatorCode,
                    format!("operator {} does not exist", request.id),
                )
            })?;
        if row.role == Role::Administrator.code() {
            self.keep_an_administrator(row.id)?;
        }
        self.store.delete_operator(row.id)?;
        self.auth.clear();
        Ok(ok_text())
    }

    // ---------------------------------------------------------------------------------
    // Fiscal documents

    /// `TradeOperation`: a receipt. With `idempotency_key`, a retry answers the stored
    /// receipt and makes no second one.
    pub async fn trade_operation(
        &self,
        credential: &Credential,
        request: api::TradeOperationRequest,
        idempotency_key: Option<String>,
    ) -> Result<api::TradeOperationResponse, RegisterError> {
        let ofd_id = request
            .kkm_ofd_id
            .ok_or_else(|| RegisterError::new(ErrorCode::InvalidFields, "kkm_ofd_id: required"))?;
        let (operator, register) = self.operator_for(credential, ofd_id, Action::TradeOperation)?;
        register
            .trade(&operator, &request, idempotency_key.as_deref())
            .await
    }

    /// `MoneyPlacement`: a deposit or a withdrawal, idempotent by key as well.
    pub async fn money_placement(
        &self,
        credential: &Credential,
        request: api::MoneyPlacementRequest,
        idempotency_key: Option<String>,
    ) -> Result<api::MoneyPlacementResponse, RegisterError> {
        let ofd_id = request
            .kkm_ofd_id
            .ok_or_else(|| RegisterError::new(ErrorCode::InvalidFields, "kkm_ofd_id: required"))?;
        let (operator, register) = self.operator_for(credential, ofd_id, Action::MoneyPlacement)?;
        register
            .money_placement(&operator, &request, idempotency_key.as_deref())
            .await
    }

    /// `ZXReport`: X (interim) or Z (closes the shift).
    pub async fn zx_report(
        &self,
        credential: &Credential,
        request: api::ZxReportRequest,
    ) -> Result<api::ZxReportResponse, RegisterError> {
        let report_type = request.report_type()?;
        let action = match report_type {
            ReportType::X => Action::XReport,
            ReportType::Z => Action::ZReport,
        };
        let (operator, register) = self.operator_for(credential, request.kkm_ofd_id, action)?;
        register.report(&operator, report_type).await
    }

    // ---------------------------------------------------------------------------------
    // The journal

    /// `GetTransactionList`: the KKM's documents, filtered.
    pub async fn transaction_list(
        &self,
        credential: &Credential,
        request: api::GetTransactionListRequest,
    ) -> Result<Vec<api::TransactionListEntry>, RegisterError> {
        let (_, register) =
            self.operator_for(credential, request.kkm_ofd_id, Action::ViewJournal)?;
        let from = request
            .period_start
            .map_or(i64::MIN, |d| d.to_timestamp().secs());
        let to = request
            .period_end
            .map_or(i64::MAX, |d| d.to_timestamp().secs());
        let records = match (request.transaction_id, &request.fiscal_id) {
            (Some(id), _) => self
                .store
                .record(id)?
                .filter(|r| r.kkm_id == register.kkm_id)
                .into_iter()
                .collect(),
            (None, Some(sign)) => self
                .store
                .record_by_fiscal_sign(register.kkm_id, sign)?
                .into_iter()
                .collect(),
            (None, None) => self
                .store
                .records_between(register.kkm_id, from, to, LIST_LIMIT)?,
        };
        let types = request.command_type_list.unwrap_or_default();
        let mut list = Vec::new();
        for record in records {
            if record.at < from || record.at > to {
                continue;
            }
            if request
                .shift_number
                .is_some_and(|n| n != i64::from(record.shift_number))
            {
                continue;
            }
            let payload = Payload::from_bytes(record.id, &record.payload)?;
            let command = views::command_type(&payload);
            if !types.is_empty() && !types.contains(&command) {
                continue;
            }
            let fiscal = views::Fiscal {
                sign: record.fiscal_sign.clone(),
                offline: record.offline,
            };
            list.push(api::Transaction {
                id: record.id,
                date: ApiDateTime::from_timestamp(kkm_core::Timestamp::from_secs(record.at)),
                command,
                fr_shift_number: i64::from(record.shift_number),
                shift_document_number: i64::from(record.shift_document),
                is_offline: record.offline,
                body: views::summary(&payload, &fiscal),
            });
        }
        Ok(list)
    }

    /// `GetTransaction`: one document with its full body.
    pub async fn transaction(
        &self,
        credential: &Credential,
        request: api::GetTransactionRequest,
    ) -> Result<api::GetTransactionResponse, RegisterError> {
        let (_, register) =
            self.operator_for(credential, request.kkm_ofd_id, Action::ViewJournal)?;
        let record = self
            .store
            .record(request.transaction_id)?
            .filter(|r| r.kkm_id == register.kkm_id)
            .ok_or_else(|| {
                RegisterError::new(
                    ErrorCode::TransactionNotFound,
                    format!(
                        "KKM {} has no transaction {}",
                        request.kkm_ofd_id, request.transaction_id
                    ),
                )
            })?;
        let (payload, _, body) = register.transaction_body(&record)?;
        Ok(api::Transaction {
            id: record.id,
            date: ApiDateTime::from_timestamp(kkm_core::Timestamp::from_secs(record.at)),
            command: views::command_type(&payload),
            fr_shift_number: i64::from(record.shift_number),
            shift_document_number: i64::from(record.shift_document),
            is_offline: record.offline,
            body,
        })
    }

    /// The print model of document `shift_document_number` of shift
    /// `fr_shift_number` (print and reprint; `GetDocumentImage` renders it).
    pub async fn document_print(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        fr_shift_number: i64,
        shift_document_number: i64,
    ) -> Result<kkm_print::model::PrintDocument, RegisterError> {
        let (_, register) = self.operator_for(credential, kkm_ofd_id, Action::ViewJournal)?;
        let not_found = || {
            RegisterError::new(
                ErrorCode::OperationNotFound,
                format!(
                    "KKM {kkm_ofd_id} has no document {shift_document_number} in shift {fr_shift_number}"
                ),
            )
        };
        let shift = u32::try_from(fr_shift_number).map_err(|_| not_found())?;
        let number = u32::try_from(shift_document_number).map_err(|_| not_found())?;
        let record = self
            .store
            .record_in_shift(register.kkm_id, shift, number)?
            .ok_or_else(not_found)?;
        register.print_document(&record)
    }

    /// `GetDocumentImage`: the document as a PNG (the original, or a copy marked
    /// «ДУБЛИКАТ» with `is_original: false`).
    pub async fn document_image(
        &self,
        credential: &Credential,
        request: api::GetDocumentImageRequest,
    ) -> Result<api::DocumentImage, RegisterError> {
        let mut document = self
            .document_print(
                credential,
                request.kkm_ofd_id,
                request.fr_shift_number,
                request.shift_document_number,
            )
            .await?;
        if request.is_original == Some(false) {
            document = document.into_duplicate();
        }
        let options = kkm_print::ImageOptions {
            width: request
                .image_width
                .unwrap_or(api::GetDocumentImageRequest::DEFAULT_IMAGE_WIDTH),
            scale: request
                .image_scale
                .unwrap_or(api::GetDocumentImageRequest::DEFAULT_IMAGE_SCALE)
                as f32,
            threshold: u8::try_from(
                request
                    .image_pixel_draw_threshold
                    .unwrap_or(api::GetDocumentImageRequest::DEFAULT_PIXEL_DRAW_THRESHOLD),
            )
            .unwrap_or(u8::MAX),
        };
        let png = kkm_print::render_png(&document, &options)
            .map_err(|e| RegisterError::new(ErrorCode::InvalidFields, e.to_string()))?;
        Ok(api::DocumentImage { png })
    }

    // ---------------------------------------------------------------------------------
    // Synchronisation

    /// The KKM's sync status now (online / autonomous / blocked, queue length).
    pub fn sync_status(&self, kkm_ofd_id: i64) -> Result<SyncStatus, RegisterError> {
        Ok(self.register(kkm_ofd_id)?.status())
    }

    /// Watches the KKM's sync status.
    pub fn subscribe(&self, kkm_ofd_id: i64) -> Result<watch::Receiver<SyncStatus>, RegisterError> {
        Ok(self.register(kkm_ofd_id)?.engine.subscribe())
    }

    /// Wakes the KKM's drain now (e.g. the network is known to be back).
    pub fn kick(&self, kkm_ofd_id: i64) -> Result<(), RegisterError> {
        self.register(kkm_ofd_id)?.engine.kick();
        Ok(())
    }

    /// An administrator lifts a block; with `drop_document`, the refused document
    /// leaves the queue (the journal keeps it). Returns the documents drained after.
    pub async fn resolve_blocked(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        drop_document: bool,
    ) -> Result<u64, RegisterError> {
        let (_, register) = self.operator_for(credential, kkm_ofd_id, Action::ManageKkm)?;
        let _book = register.book.lock().await;
        Ok(register.engine.resolve_blocked(drop_document).await?)
    }
}
