//! What a request brings: its parameters (a JSON body or a GET query string), its
//! `Authorization` credential and its `Idempotency-Key`, decoded into the API's types
//! with the seed's codes when they are wrong.
//!
//! * Malformed JSON (a syntax error, a truncated body, trailing characters) → **73**
//!   `source_object_deserialization_error`.
//! * Well-formed JSON with a field of the wrong type, or a required field missing →
//!   **2** `invalid_fields`, the message naming the field's path
//!   (`items[0].commodity.name: invalid type: integer `5`, expected a string`).
//! * A GET query string is typed like the JSON it stands for: `?ofd_id=6923` is the
//!   number 6923, `true`/`false` are booleans, `null` is null, anything else a string;
//!   a value that reads as a number where the request wants a string is taken as the
//!   string (`?orgId=910812450255`).

use std::collections::HashMap;

use kkm_core::ErrorCode;
use kkm_register::{ClientId, Credential, RegisterError};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::{Map, Value};

/// Longest `Idempotency-Key` we keep (characters).
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 128;

/// A failed request: the seed's code and a readable message. The daemon answers it as
/// the envelope `{"response_code": code, "response_data": {"text", "message"}}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The seed's code.
    pub code: ErrorCode,
    /// What went wrong, readable.
    pub message: String,
}

impl ApiError {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }
}

impl From<RegisterError> for ApiError {
    /// The seed's code and message, as CashCore answers them. A failure that is not the
    /// caller's (the journal, its key: [`RegisterError::is_internal`]) is also logged as an
    /// error, for the administrator: the client only sees its code.
    fn from(e: RegisterError) -> ApiError {
        if e.is_internal() {
            tracing::error!(code = e.code().code(), error = %e, "the journal failed");
        }
        ApiError::new(e.code(), e.to_string())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.code.code(),
            self.code.name(),
            self.message
        )
    }
}

/// Where a request's parameters come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Params {
    /// A JSON body (POST, or a GET without a query string). Empty means `{}`.
    Json(Vec<u8>),
    /// A GET query string (without the `?`).
    Query(String),
}

impl Params {
    /// Decodes the parameters into the request type `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        match self {
            Params::Json(body) => decode_json(body),
            Params::Query(query) => decode_query(query),
        }
    }
}

/// Decodes a JSON body: 73 for a syntax error, 2 (with the field's path) for a wrong
/// type or a missing field. An empty body (or only whitespace, or a UTF-8 byte-order
/// mark) is `{}`.
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let body = body.trim_ascii();
    let body: &[u8] = if body.is_empty() { b"{}" } else { body };
    // Syntax first, over the whole body, so that a type error early in a broken body
    // does not hide that the body is not JSON at all.
    if let Err(e) = serde_json::from_slice::<IgnoredAny>(body) {
        return Err(ApiError::new(
            ErrorCode::SourceObjectDeserializationError,
            format!("the request body is not valid JSON: {e}"),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        field_error(&path, &inner.to_string())
    })
}

/// Fields whose values are secrets: a refusal names the field and what it wants, never
/// the value sent (the message is answered and logged).
const SECRET_FIELDS: [&str; 8] = [
    "access_pin",
    "pin",
    "new_pin",
    "ofd_token",
    "token",
    "password",
    "licenseKey",
    "license_key",
];

/// `true` when the last segment of `path` names a secret field.
fn is_secret(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    let last = last.split('[').next().unwrap_or(last);
    SECRET_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(last))
}

fn field_error(path: &str, error: &str) -> ApiError {
    let message = if path == "." || path.is_empty() {
        format!("the request: {error}")
    } else if is_secret(path) {
        // serde's text repeats the value (``invalid type: integer `5791` ``): keep only
        // what was expected.
        let expected = error
            .split_once(", expected ")
            .map_or("a value of another type or form", |(_, e)| e);
        format!(
            "{path}: not accepted (the value is not repeated: it is a secret); expected {expected}"
        )
    } else {
        format!("{path}: {error}")
    };
    ApiError::new(ErrorCode::InvalidFields, message)
}

/// The JSON value a query parameter stands for.
fn typed(raw: &str) -> Value {
    match raw {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        _ => match serde_json::from_str::<serde_json::Number>(raw) {
            Ok(n) => Value::Number(n),
            Err(_) => Value::String(raw.to_owned()),
        },
    }
}

/// Decodes a GET query string as the JSON object it stands for (see the module docs).
/// A parameter given twice is refused (2).
pub fn decode_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let mut object = Map::new();
    let mut raw: HashMap<String, String> = HashMap::new();
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if key.is_empty() {
            continue;
        }
        if raw.contains_key(key.as_ref()) {
            return Err(ApiError::new(
                ErrorCode::InvalidFields,
                format!("{key}: the parameter is given more than once"),
            ));
        }
        object.insert(key.to_string(), typed(&value));
        raw.insert(key.into_owned(), value.into_owned());
    }
    // Each round either succeeds, fails for good, or turns one more typed value back
    // into its string: at most one round per parameter, plus one.
    for _ in 0..=raw.len() {
        let attempt = serde_path_to_error::deserialize::<_, T>(Value::Object(object.clone()));
        let error = match attempt {
            Ok(value) => return Ok(value),
            Err(e) => e,
        };
        let field = match error.path().iter().next() {
            Some(serde_path_to_error::Segment::Map { key }) => Some(key.clone()),
            _ => None,
        };
        let retyped = field.and_then(|field| {
            let text = raw.get(&field)?;
            let slot = object.get_mut(&field)?;
            if slot.is_string() {
                return None;
            }
            *slot = Value::String(text.clone());
            Some(())
        });
        if retyped.is_none() {
            let path = error.path().to_string();
            return Err(field_error(&path, &error.into_inner().to_string()));
        }
    }
    Err(ApiError::new(
        ErrorCode::InvalidFields,
        "the query string does not match the method's parameters",
    ))
}

/// The credential of the `Authorization` header (`<pin>` or `Bearer <token>`), or
/// [`Credential::NONE`] without one. Bytes that are not UTF-8 are read lossily: such a
/// PIN matches no operator and the method answers 5.
pub fn credential(headers: &axum::http::HeaderMap) -> Credential {
    match headers.get(axum::http::header::AUTHORIZATION) {
        Some(value) => Credential::from_header(&String::from_utf8_lossy(value.as_bytes())),
        None => Credential::NONE,
    }
}

/// The client of a request: its connection's remote address (wrong PINs are slowed
/// down per client; see docs/api.md), or unknown when the router runs without one.
pub fn client(parts: &axum::http::request::Parts) -> ClientId {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or(ClientId::UNKNOWN, |c| ClientId::from_ip(c.0.ip()))
}

/// The credential of a request: the `Authorization` header; without one, the `pin`
/// of the parameters, as clients of core 1.8 send it (the seed: "since 1.9 a PIN in the
/// body is ignored" — so before 1.9 it counted). A header always wins.
pub fn request_credential(headers: &axum::http::HeaderMap, params: &Params) -> Credential {
    let given = credential(headers);
    if given != Credential::NONE {
        return given;
    }
    params.pin().map_or(Credential::NONE, Credential::pin)
}

impl Params {
    /// The `pin` parameter (a JSON string or number, or a query parameter), if given.
    pub fn pin(&self) -> Option<String> {
        let value = match self {
            Params::Json(body) => {
                let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
                serde_json::from_slice::<Map<String, Value>>(body)
                    .ok()?
                    .remove("pin")?
            }
            Params::Query(query) => form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "pin")
                .map(|(_, v)| Value::String(v.into_owned()))?,
        };
        let pin = match value {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        let pin = pin.trim();
        (!pin.is_empty()).then(|| pin.to_owned())
    }
}

/// The `Idempotency-Key` header: `None` when absent or empty; 2 when longer than
/// [`MAX_IDEMPOTENCY_KEY_LEN`] or not printable ASCII.
pub fn idempotency_key(headers: &axum::http::HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(kkm_register::api::IDEMPOTENCY_KEY_HEADER) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::new(
            ErrorCode::InvalidFields,
            format!(
                "{}: 1 to {MAX_IDEMPOTENCY_KEY_LEN} printable ASCII characters",
                kkm_register::api::IDEMPOTENCY_KEY_HEADER
            ),
        )
    };
    let text = value.to_str().map_err(|_| bad())?.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > MAX_IDEMPOTENCY_KEY_LEN || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(Some(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};
    use kkm_register::api::{
        ActivateLicenseRequest, DeleteOperatorRequest, GetKkmListRequest, NoParams, SaveKkmRequest,
        TradeOperationRequest,
    };
    use kkm_register::Secret;

    #[test]
    fn json_syntax_errors_are_73() {
        for body in [
            &b"{"[..],
            b"{\"ofd_id\": }",
            b"{\"ofd_id\": 1} trailing",
            b"not json",
            b"{\"ofd_id\": \"x\", oops}",
        ] {
            let e = decode_json::<GetKkmListRequest>(body).unwrap_err();
            assert_eq!(e.code, ErrorCode::SourceObjectDeserializationError, "{e}");
        }
    }

    #[test]
    fn json_type_errors_are_2_and_name_the_field() {
        let e = decode_json::<GetKkmListRequest>(br#"{"ofd_id": "x"}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidFields);
        assert!(
            e.message.starts_with("ofd_id: invalid type"),
            "{}",
            e.message
        );

        let e = decode_json::<SaveKkmRequest>(br#"{"local_name": "a"}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidFields);
        assert!(
            e.message.contains("missing field `ofd_id`"),
            "{}",
            e.message
        );

        let body = br#"{"kkm_ofd_id": 6923, "operation": 2,
                        "items": [{"type": 1, "commodity": {"name": 5}}]}"#;
        let e = decode_json::<TradeOperationRequest>(body).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidFields);
        assert!(
            e.message.starts_with("items[0].commodity.name:"),
            "{}",
            e.message
        );

        let e = decode_json::<GetKkmListRequest>(b"[1, 2]").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidFields);
    }

    #[test]
    fn a_secret_is_never_repeated_in_a_refusal() {
        use kkm_register::api::SaveOperatorRequest;
        let e =
            decode_json::<SaveOperatorRequest>(br#"{"name": "A", "role": 3, "access_pin": 5791}"#)
                .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidFields);
        assert!(e.message.starts_with("access_pin:"), "{}", e.message);
        assert!(!e.message.contains("5791"), "{}", e.message);
        let e = decode_json::<SaveKkmRequest>(br#"{"ofd_id": 1, "ofd_token": "secret-tok-xyz"}"#)
            .unwrap_err();
        assert!(e.message.starts_with("ofd_token:"), "{}", e.message);
        assert!(!e.message.contains("secret-tok-xyz"), "{}", e.message);
        // Other fields keep serde's full text: it helps and hides nothing.
        let e = decode_json::<GetKkmListRequest>(br#"{"ofd_id": "x"}"#).unwrap_err();
        assert!(e.message.contains("\"x\""), "{}", e.message);
    }

    #[test]
    fn empty_bodies_and_boms_are_empty_objects() {
        for body in [&b""[..], b"  \r\n", b"\xEF\xBB\xBF", b"\xEF\xBB\xBF{}"] {
            decode_json::<NoParams>(body).unwrap();
            let r: GetKkmListRequest = decode_json(body).unwrap();
            assert_eq!(r.ofd_id, None);
        }
    }

    #[test]
    fn queries_are_typed_like_json() {
        let r: GetKkmListRequest = decode_query("ofd_id=6923").unwrap();
        assert_eq!(r.ofd_id, Some(6923));
        let r: DeleteOperatorRequest = decode_query("id=9").unwrap();
        assert_eq!(r.id, 9);
        // Digits where a string is wanted stay the string, leading zeros included.
        let r: ActivateLicenseRequest =
            decode_query("licenseKey=1234&orgId=910812450255&phone=007&email=a%40b.kz").unwrap();
        assert_eq!(r.license_key, "1234");
        assert_eq!(r.org_id.as_deref(), Some("910812450255"));
        assert_eq!(r.phone.as_deref(), Some("007"));
        assert_eq!(r.email.as_deref(), Some("a@b.kz"));
        // Unknown parameters are ignored, as in JSON.
        let r: GetKkmListRequest = decode_query("ofd_id=1&pin=0000&x=").unwrap();
        assert_eq!(r.ofd_id, Some(1));
        let _: NoParams = decode_query("").unwrap();
    }

    #[test]
    fn query_errors_are_2_and_name_the_field() {
        let e = decode_query::<GetKkmListRequest>("ofd_id=abc").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidFields);
        assert!(e.message.starts_with("ofd_id:"), "{}", e.message);
        let e = decode_query::<DeleteOperatorRequest>("").unwrap_err();
        assert!(e.message.contains("missing field"), "{}", e.message);
        let e = decode_query::<GetKkmListRequest>("ofd_id=1&ofd_id=2").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidFields);
        assert!(e.message.contains("more than once"));
    }

    #[test]
    fn authorization_header_forms() {
        let mut h = HeaderMap::new();
        assert_eq!(credential(&h), Credential::NONE);
        h.insert("authorization", HeaderValue::from_static("0000"));
        assert_eq!(credential(&h), Credential::pin("0000"));
        h.insert("authorization", HeaderValue::from_static("Bearer tok-1"));
        assert_eq!(credential(&h).secret(), &Secret::Bearer("tok-1".into()));
        h.insert("authorization", HeaderValue::from_static("bearer 5555"));
        assert_eq!(credential(&h).secret(), &Secret::Bearer("5555".into()));
        h.insert(
            "authorization",
            HeaderValue::from_bytes(b"\xFF\xFE").expect("opaque bytes are a header value"),
        );
        assert!(matches!(credential(&h).secret(), Secret::Pin(_)));
    }

    #[test]
    fn idempotency_keys() {
        let mut h = HeaderMap::new();
        assert_eq!(idempotency_key(&h), Ok(None));
        h.insert("idempotency-key", HeaderValue::from_static(" sale-42 "));
        assert_eq!(idempotency_key(&h), Ok(Some("sale-42".into())));
        h.insert("idempotency-key", HeaderValue::from_static(""));
        assert_eq!(idempotency_key(&h), Ok(None));
        h.insert("idempotency-key", HeaderValue::from_static("a b"));
        assert_eq!(
            idempotency_key(&h).unwrap_err().code,
            ErrorCode::InvalidFields
        );
        let long = "k".repeat(MAX_IDEMPOTENCY_KEY_LEN + 1);
        h.insert(
            "idempotency-key",
            HeaderValue::from_str(&long).expect("ascii"),
        );
        assert!(idempotency_key(&h).is_err());
    }

    #[test]
    fn register_errors_keep_their_code() {
        let e: ApiError = RegisterError::new(ErrorCode::NotEnoughCash, "no cash").into();
        assert_eq!(e.code.code(), 58);
        assert_eq!(e.message, "no cash");
    }
}
