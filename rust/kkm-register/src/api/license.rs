//! `Ping` (проверка работы кассового ядра) and `ActivateLicense` (активация лицензии).

use serde::{Deserialize, Serialize};

use super::common::NoParams;

/// Request of `Ping` (GET/POST): no parameters.
pub type PingRequest = NoParams;

/// `response_data` of `Ping`: the text `"ok"` ([`super::OK_TEXT`]).
pub type PingResponse = String;

/// Request of `ActivateLicense` (GET/POST).
///
/// We sell no licences: the method is kept for compatibility (the daemon checks the
/// key's shape and stores the owner's details).
///
/// ```
/// let r: kkm_register::api::ActivateLicenseRequest =
///     serde_json::from_str(r#"{"licenseKey": "A7D3-5CFA-A13F-16C4"}"#).unwrap();
/// assert_eq!(r.license_key, "A7D3-5CFA-A13F-16C4");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivateLicenseRequest {
    /// `licenseKey` — лицензионный ключ (required).
    #[serde(rename = "licenseKey")]
    pub license_key: String,
    /// `email` — e-mail владельца.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `phone` — телефон владельца: in the seed's example, not in its table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// `owner` — наименование владельца.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// `orgId` — ИИН/БИН владельца.
    #[serde(rename = "orgId", default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// `address` — адрес: in the seed's table, not in its example.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// `response_data` of `ActivateLicense`: the text `"ok"`.
pub type ActivateLicenseResponse = String;
