//! The KKMs of the installation: factory numbers, registration with the OFD (SaveKKM),
//! the KKM objects of GetKKMList, printers, taking a KKM out of service.

use kkm_core::{authorize, check_kkm_status, Action, ErrorCode};
use kkm_ofd::Credentials;
use kkm_proto::cpcr::{CommandTypeEnum, ReportResponse, Request, ResultTypeEnum, ServiceResponse};

use super::{kkm_id_of, ok_text, save_settings, settings_of, Registry, OWNER_ID};
use crate::api::{self, ApiDateTime, KkmObject, NonNullableSums};
use crate::book::{KkmBook, KkmSettings};
use crate::register::Register;
use crate::{Credential, OfdConfig, RegisterError};

/// The OFD's registration data in the API's form.
fn reg_info_of(
    service: &ServiceResponse,
    tenant: Option<i64>,
) -> (api::RegInfo, Vec<api::AdsObject>) {
    // The operator declares every part of the registration data optional: what an OFD
    // leaves out stays empty rather than refusing the KKM.
    let r = service.reg_info.clone().unwrap_or_default();
    let (kkm, org) = (r.kkm.unwrap_or_default(), r.org.unwrap_or_default());
    let info = api::RegInfo {
        kkm: Some(api::KkmRegInfo {
            point_of_payment_number: kkm.point_of_payment_number,
            terminal_number: kkm.terminal_number,
            fns_kkm_id: kkm.fns_kkm_id,
            serial_number: kkm.serial_number,
            kkm_id: kkm.kkm_id,
        }),
        pos: r.pos.map(|p| api::PosRegInfo {
            title: p.title,
            address: p.address,
        }),
        org: Some(api::OrgRegInfo {
            title: org.title,
            address: org.address,
            inn: org.inn,
            // The regime the OFD bound to the KKM (BindedTaxation), 0 when it gave none,
            // as the seed's KKM shows.
            taxation_type: Some(
                service
                    .binded_taxation
                    .as_ref()
                    .map_or(0, |t| i64::from(t.taxation_type)),
            ),
            okved: org.okved,
            // The OFD's tenant where it sends one (2.0.3 field 7, or a 2.0.2 OFD's field
            // 6 that the tolerant decoder set aside); ours otherwise.
            tenant_id: Some(tenant.or(org.tenant_id.map(i64::from)).unwrap_or(OWNER_ID)),
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

/// The prefix of the factory numbers this installation issues (CashCore's
/// `vendorIdPrefix` of Kazakhtelecom's OFDs, and the seed's examples).
const VENDOR_PREFIX: &str = "ISCR";

impl Registry {
    /// `GetVendorId`: a new factory number (ЗНМ) in CashCore's form (`ISCR` `1` and the
    /// milliseconds since 2021-01-01 of its issue: [`kkm_core::znm`]), unique in this
    /// installation, with its `manufacture_date`. An unknown `ofd_uid` is 78.
    pub async fn vendor_id(
        &self,
        credential: &Credential,
        request: api::GetVendorIdRequest,
    ) -> Result<api::GetVendorIdResponse, RegisterError> {
        self.operator_may(credential, Action::ManageKkm)?;
        self.ofd(request.ofd_uid.as_deref())?;
        let _admin = self.admin.lock().await;
        let last: i64 = self
            .store
            .setting("vendor_id_last_millis")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        // One number per millisecond at most: a second request in the same instant
        // gets the next millisecond.
        let millis = self
            .config
            .clock
            .now()
            .secs()
            .saturating_mul(1000)
            .max(last.saturating_add(1));
        let vendor_id = kkm_core::znm::factory_number(VENDOR_PREFIX, millis).ok_or_else(|| {
            RegisterError::new(
                ErrorCode::InvalidKkmVendorId,
                "the device clock is outside the years a factory number can encode (2021–2052)",
            )
        })?;
        let date = ApiDateTime::from_millis(millis);
        self.store
            .set_setting(&format!("vendor_id:{vendor_id}"), &date.to_string())?;
        self.store
            .set_setting("vendor_id_last_millis", &millis.to_string())?;
        Ok(api::GetVendorIdResponse {
            vendor_id,
            manufacture_date: date,
        })
    }

    /// The manufacture date of a KKM with factory number `serial`: the date this
    /// installation issued it, or the date its CashCore form carries.
    fn manufacture_date(&self, serial: &str) -> Result<Option<ApiDateTime>, RegisterError> {
        if serial.trim().is_empty() {
            return Ok(None);
        }
        if let Some(issued) = self
            .store
            .setting(&format!("vendor_id:{}", serial.trim()))?
        {
            if let Ok(date) = issued.parse::<ApiDateTime>() {
                return Ok(Some(date));
            }
        }
        Ok(kkm_core::znm::issued_at_millis(serial).map(ApiDateTime::from_millis))
    }

    // ---------------------------------------------------------------------------------
    // KKMs

    fn kkm_object(&self, register: &Register, book: &KkmBook) -> Result<KkmObject, RegisterError> {
        let settings = register.settings();
        let status = register.kkm_status(book)?;
        let sync = register.status();
        let state = self.store.sync_state(register.kkm_id)?;
        let vendor_id = settings
            .reg_info
            .kkm
            .as_ref()
            .and_then(|k| k.serial_number.clone());
        let shift = book.shift.shift.as_ref();
        let zero = ApiDateTime::DELPHI_ZERO;
        let at = |t: Option<kkm_core::Timestamp>| t.map_or(zero, ApiDateTime::from_timestamp);
        let start = shift.map_or(book.shift.lifetime.non_nullable, |s| s.start_non_nullable);
        Ok(KkmObject {
            ofd_id: i64::from(register.kkm_id),
            ofd_uid: Some(register.ofd().uid),
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
            // CashCore counts the number the next document will get.
            shift_document_number: Some(
                i64::from(shift.map_or(book.shift.lifetime.numbered_before_open, |s| s.documents))
                    + 1,
            ),
            owner_id: Some(settings.owner_id),
            offline_start_date: Some(at(status.offline_since)),
            is_invalid_token: Some(sync.invalid_token),
            start_shift_non_nullable_sums: Some(NonNullableSums(start)),
            non_nullable_sums: Some(NonNullableSums(book.shift.lifetime.non_nullable)),
            ads_info: settings.ads_info.clone(),
            manufacture_date: match vendor_id.as_deref() {
                Some(serial) => self.manufacture_date(serial)?,
                None => None,
            },
            vendor_id,
            offline_end_date: Some(at(state
                .autonomous_until
                .map(kkm_core::Timestamp::from_secs))),
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
        })
    }

    /// A new installation id (`ID`) for a KKM: 1, 2, … — never one another KKM of the
    /// installation has (KKMs added by earlier versions kept their `ofd_id` as `ID`).
    fn next_kkm_local_id(&self) -> Result<i64, RegisterError> {
        let mut taken = Vec::new();
        for kkm_id in self.store.kkm_ids()? {
            taken.push(settings_of(&self.store, kkm_id)?.id);
        }
        let mut next: i64 = self
            .store
            .setting("next_kkm_id")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(1)
            .max(1);
        while taken.contains(&next) {
            next += 1;
        }
        self.store
            .set_setting("next_kkm_id", &(next + 1).to_string())?;
        Ok(next)
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
            let access = register.access_of(&operator);
            if authorize(&access, Some(i64::from(register.kkm_id)), Action::ViewKkm).is_err() {
                continue;
            }
            let book = register.book.lock().await;
            list.push(self.kkm_object(&register, &book)?);
        }
        Ok(list)
    }

    /// Asks the OFD for the KKM's registration data and its report (INFO) with `token`.
    async fn fetch_registration(
        &self,
        ofd: &OfdConfig,
        kkm_id: u32,
        token: u32,
        reqnum: u16,
    ) -> Result<(ServiceResponse, Option<ReportResponse>, Option<i64>), RegisterError> {
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
        if result.result_code == ResultTypeEnum::ResultTypeUnknownId as u32 {
            return Err(RegisterError::new(
                ErrorCode::InvalidKkmOfdId,
                format!("the OFD does not know a KKM {kkm_id}"),
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
        // A 2.0.2 OFD sends its int32 tenantId as field 6 of the organisation, where
        // 2.0.3 has the string address_kz: the decoder kept that varint aside.
        let tenant = answer
            .set_aside
            .varint("service.reg_info.org", 6)
            .map(|v| i64::from(v as i32));
        let message = answer.message;
        let service = message.service.ok_or_else(|| {
            RegisterError::new(
                ErrorCode::InvalidOfdResponse,
                "the OFD answered INFO without the registration data",
            )
        })?;
        Ok((service, message.report, tenant))
    }

    /// `SaveKKM`: adds a KKM (its registration data comes from the OFD with the token
    /// given) or changes one. A token the OFD refuses answers 42 and changes nothing.
    pub async fn save_kkm(
        &self,
        credential: &Credential,
        request: api::SaveKkmRequest,
    ) -> Result<KkmObject, RegisterError> {
        let admin = self.operator_may(credential, Action::ManageKkm)?;
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
        // Registration data with the new token (INFO), before anything is changed; what
        // it gives is written with the settings below, in one transaction.
        let mut add: Option<(u32, Vec<u8>)> = None;
        if let Some(token) = token {
            let reqnum = if known {
                self.store.reserve_reqnum(kkm_id, None)?
            } else {
                1
            };
            let (service, report, tenant) =
                match self.fetch_registration(&ofd, kkm_id, token, reqnum).await {
                    Ok(answer) => answer,
                    // A refused new token (42) changes nothing: the KKM keeps the token it had
                    // — the OFD refused the one given, not that one.
                    Err(e) => return Err(e),
                };
            let (reg_info, ads) = reg_info_of(&service, tenant);
            settings.reg_info = reg_info;
            settings.ads_info = ads;
            if !known {
                // A KKM with a history at the OFD goes on from where the OFD has it: its
                // shift, counters and document numbers.
                let mut book = match &report {
                    Some(r) => KkmBook::taken_over(r, self.config.clock.now())?,
                    None => KkmBook::default(),
                };
                book.printed_documents = service
                    .last_document_info
                    .as_ref()
                    .and_then(|d| d.printed_document_number)
                    .unwrap_or(0);
                add = Some((token, book.to_blob()?));
            }
        }
        settings.ofd_uid = ofd.uid.clone();
        if settings.id == 0 {
            settings.id = self.next_kkm_local_id()?;
            settings.owner_id = admin.id;
        }
        if let Some(v) = request.local_name {
            settings.local_name = Some(v);
        }
        if let Some(v) = request.use_software_vpn {
            settings.use_software_vpn = v;
        }
        if let Some(v) = request.printer {
            self.check_printer(&v)?;
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
        settings.deleted = false;
        let registration = settings
            .to_json()
            .map_err(|e| RegisterError::new(ErrorCode::KkmSaveError, e.to_string()))?;
        self.store.save_kkm(&kkm_store::KkmSave {
            kkm_id,
            add: add.as_ref().map(|(token, blob)| (*token, blob.as_slice())),
            token: if add.is_none() { token } else { None },
            // The INFO above used REQNUM 1: the next request must not repeat it.
            reqnum: 1,
            registration: &registration,
        })?;
        let register = match existing {
            Some(register) => {
                register.set_settings(settings);
                if register.ofd().uid != ofd.uid {
                    // Moved to another OFD: from the next message on, the queue included.
                    register.set_ofd(ofd.clone(), self.client(&ofd)?).await;
                }
                if token.is_some() {
                    // A new token lifts a block an old refused token caused (a block
                    // recorded by an earlier version), and wakes a KKM that waited for it.
                    let blocked_by_token = matches!(
                        register.status().mode,
                        kkm_ofd::SyncMode::Blocked(ref b)
                            if b.code == ResultTypeEnum::ResultTypeInvalidToken as u32
                    );
                    if blocked_by_token {
                        self.store.unblock(kkm_id, None)?;
                    }
                    register.refresh_status();
                    register.engine.kick();
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
}
