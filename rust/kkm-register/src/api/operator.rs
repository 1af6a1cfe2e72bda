//! Operators (кассиры): `GetOperatorList`, `SaveOperator`, `DeleteOperator` and the
//! `KKMOperatorObject`.
//!
//! PINs are stored as salted slow hashes, never in clear, so they cannot be answered:
//! wherever the seed returns `access_pin`, our daemon writes [`MASKED_PIN`].
//!
//! Quirk of the seed: the operator's id is `ID` in GetOperatorList and in the tables,
//! but `id` in SaveOperator's and DeleteOperator's examples. [`KkmOperatorObject`]
//! writes `ID`, [`SavedOperator`] writes `id`, and every request accepts both.

use kkm_core::{CoreError, Role};
use serde::{Deserialize, Serialize};

use super::common::NoParams;

/// What the daemon answers in place of a PIN: PINs are never returned.
pub const MASKED_PIN: &str = "****";

/// Request of `GetOperatorList` (GET/POST): no parameters.
pub type GetOperatorListRequest = NoParams;

/// `response_data` of `GetOperatorList`.
pub type GetOperatorListResponse = Vec<KkmOperatorObject>;

/// `KKMOperatorObject` — an operator as GetOperatorList lists it.
///
/// `access_pin` is **masked** in our answers: always [`MASKED_PIN`] (`"****"`), never
/// the PIN (the seed's example shows PINs in clear; we keep only their hashes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KkmOperatorObject {
    /// `ID` — ID кассира.
    #[serde(
        rename = "ID",
        alias = "id",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<i64>,
    /// `name` — имя кассира (the table says `Int`; it is a string in every example).
    pub name: String,
    /// `role` — роль оператора (`OperatorRoleTypeEnum`: 1, 2, 3).
    pub role: Role,
    /// `email` — email пользователя.
    #[serde(default)]
    pub email: String,
    /// `bindings` — IDs of the KKMs the operator may use.
    #[serde(default)]
    pub bindings: Vec<i64>,
    /// `owner_id` — ID владельца (assigned when the operator is added).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<i64>,
    /// `access_pin` — PIN-код кассира, **masked**: [`MASKED_PIN`] in our answers.
    pub access_pin: String,
    /// `custom_data` — any JSON the client stored; `null` when none.
    #[serde(default)]
    pub custom_data: serde_json::Value,
}

/// Request of `SaveOperator` (POST only): create (`id` absent or 0) or edit an operator.
///
/// `role` is kept as its raw number so that an unknown role answers 39
/// (`invalid_operator_role`) through [`SaveOperatorRequest::role`].
///
/// ```
/// let r: kkm_register::api::SaveOperatorRequest =
///     serde_json::from_str(r#"{"ID": 2, "access_pin": "5555", "role": 7}"#).unwrap();
/// assert_eq!(r.id, Some(2));
/// assert_eq!(r.role().unwrap_err().code().code(), 39);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveOperatorRequest {
    /// `id` (or `ID`) — ID кассира: required to edit, absent or 0 to create.
    #[serde(alias = "ID", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// `name` — имя кассира.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `access_pin` — PIN-код кассира (required).
    pub access_pin: String,
    /// `role` — роль оператора, raw `OperatorRoleTypeEnum` code (required).
    pub role: i64,
    /// `email` — email пользователя.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `bindings` — IDs of the KKMs the operator may use; absent: unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bindings: Option<Vec<i64>>,
    /// `custom_data` — any JSON object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<serde_json::Value>,
    /// `owner_id` — in the seed's example, not in its table; ignored (the owner is
    /// assigned by the register).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<i64>,
}

impl SaveOperatorRequest {
    /// `true` when the request creates an operator (`id` absent or 0).
    pub fn is_create(&self) -> bool {
        self.id.is_none_or(|id| id == 0)
    }

    /// The role, or 39 (`invalid_operator_role`) for an unknown code.
    pub fn role(&self) -> Result<Role, CoreError> {
        Role::from_code(self.role)
    }
}

/// `response_data` of `SaveOperator`: the operator as saved — a `KKMOperatorObject`
/// written with `id` (lowercase), as the seed's example does.
///
/// `access_pin` is **masked** ([`MASKED_PIN`]): PINs never leave the register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedOperator {
    /// `id` — ID кассира.
    #[serde(alias = "ID")]
    pub id: i64,
    /// `name` — имя кассира.
    pub name: String,
    /// `access_pin` — PIN-код кассира, **masked**.
    pub access_pin: String,
    /// `role` — роль оператора.
    pub role: Role,
    /// `owner_id` — ID владельца.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<i64>,
    /// `email` — email пользователя.
    #[serde(default)]
    pub email: String,
    /// `bindings` — IDs of the KKMs the operator may use.
    #[serde(default)]
    pub bindings: Vec<i64>,
    /// `custom_data` — any JSON the client stored; `null` when none.
    #[serde(default)]
    pub custom_data: serde_json::Value,
}

/// `response_data` of `SaveOperator`.
pub type SaveOperatorResponse = SavedOperator;

impl From<SavedOperator> for KkmOperatorObject {
    fn from(o: SavedOperator) -> KkmOperatorObject {
        KkmOperatorObject {
            id: Some(o.id),
            name: o.name,
            role: o.role,
            email: o.email,
            bindings: o.bindings,
            owner_id: o.owner_id,
            access_pin: o.access_pin,
            custom_data: o.custom_data,
        }
    }
}

/// Request of `DeleteOperator` (GET/POST).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteOperatorRequest {
    /// `id` (or `ID`, as the table writes it) — идентификатор оператора (required).
    #[serde(alias = "ID")]
    pub id: i64,
}

/// `response_data` of `DeleteOperator`: the text `"ok"`.
pub type DeleteOperatorResponse = String;
