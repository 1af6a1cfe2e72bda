//! Forms in, refusals out: a URL-encoded form body, turned into the API's request JSON
//! and decoded as the API decodes it ([`crate::input::decode_json`]); and a refusal
//! ([`Problem`]) with the seed's code, its name and meaning, the message, and the form
//! field the message names, so that the page shows it next to that field.

use kkm_core::{CoreError, ErrorCode};
use kkm_register::RegisterError;
use kkm_store::{CsvProblem, StoreError};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::input::{decode_json, ApiError};

/// A submitted form: its fields in order (a name may repeat: checkboxes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Form {
    fields: Vec<(String, String)>,
}

impl Form {
    /// Parses an `application/x-www-form-urlencoded` body.
    pub fn parse(body: &[u8]) -> Form {
        Form {
            fields: form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }

    /// A form of the query string of a GET page (filters).
    pub fn query(query: Option<&str>) -> Form {
        Form::parse(query.unwrap_or("").as_bytes())
    }

    /// The field's value, trimmed ("" when absent).
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// The field's value exactly as sent (not trimmed), if present.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The field's value if present and not blank.
    pub fn opt(&self, name: &str) -> Option<&str> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    /// Every value of a repeated field (checked checkboxes).
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// A checkbox: present means checked.
    pub fn checked(&self, name: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == name)
    }

    /// Adds a field (pages re-render a refused form with what was sent).
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Form {
        self.fields.push((name.to_owned(), value.into()));
        self
    }
}

/// A number as typed: a JSON number when it reads as one (a decimal comma is read as a
/// point), else the text itself, so that the API's decoder names the field and says
/// what it expected — exactly what a client sending that text would be told.
pub fn number(text: &str) -> Value {
    let text = text.trim();
    let normalised = if text.matches(',').count() == 1 && !text.contains('.') {
        text.replace(',', ".")
    } else {
        text.to_owned()
    };
    match serde_json::from_str::<serde_json::Number>(&normalised) {
        Ok(n) => Value::Number(n),
        Err(_) => Value::String(text.to_owned()),
    }
}

/// Builds request JSON field by field.
#[derive(Clone, Debug, Default)]
pub struct Json(Map<String, Value>);

impl Json {
    /// An empty object.
    pub fn new() -> Json {
        Json::default()
    }

    /// Sets `key` to `value`.
    pub fn set(mut self, key: &str, value: Value) -> Json {
        self.0.insert(key.to_owned(), value);
        self
    }

    /// Sets `key` to the text, when not blank.
    pub fn text(self, key: &str, text: &str) -> Json {
        if text.is_empty() {
            self
        } else {
            self.set(key, Value::String(text.to_owned()))
        }
    }

    /// Sets `key` to the number typed, when not blank (see [`number`]).
    pub fn number(self, key: &str, text: &str) -> Json {
        if text.trim().is_empty() {
            self
        } else {
            self.set(key, number(text))
        }
    }

    /// Decodes the object as the API decodes a request body.
    pub fn decode<T: DeserializeOwned>(self) -> Result<T, Problem> {
        let body = serde_json::to_vec(&Value::Object(self.0)).unwrap_or_default();
        decode_json(&body).map_err(Problem::from)
    }

    /// The object.
    pub fn value(self) -> Value {
        Value::Object(self.0)
    }
}

/// Calls the registry with a request decoded from a form, or passes the decoding's
/// refusal on: either way, a refusal to show on the form.
pub async fn submit<T, U, Fut>(
    request: Result<T, Problem>,
    call: impl FnOnce(T) -> Fut,
) -> Result<U, Problem>
where
    Fut: std::future::Future<Output = Result<U, RegisterError>>,
{
    match request {
        Ok(r) => call(r).await.map_err(Problem::from),
        Err(p) => Err(p),
    }
}

/// A refusal as a page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The seed's code.
    pub code: ErrorCode,
    /// What went wrong (the register's message).
    pub message: String,
    /// The request field it concerns (`ofd_token`, `vat_certificate.series`), if named.
    pub field: Option<String>,
    /// A refused CSV's bad cells.
    pub csv: Vec<CsvProblem>,
}

impl Problem {
    /// A refusal with `code` and `message` (the field read from the message).
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Problem {
        let message = message.into();
        Problem {
            code,
            field: field_of(&message),
            message,
            csv: Vec::new(),
        }
    }

    /// `true` when the problem concerns the form field `name`.
    pub fn is_about(&self, name: &str) -> bool {
        self.field.as_deref() == Some(name)
    }
}

impl From<ApiError> for Problem {
    fn from(e: ApiError) -> Problem {
        Problem::new(e.code, e.message)
    }
}

impl From<RegisterError> for Problem {
    fn from(e: RegisterError) -> Problem {
        let code = e.code();
        match e {
            RegisterError::Rule(CoreError::InvalidField { field, reason }) => Problem {
                code,
                message: format!("{field}: {reason}"),
                field: Some(field),
                csv: Vec::new(),
            },
            RegisterError::Store(StoreError::Csv(problems)) => Problem {
                code,
                message: StoreError::Csv(problems.clone()).to_string(),
                field: Some("csv".into()),
                csv: problems,
            },
            e => Problem::new(code, e.to_string()),
        }
    }
}

/// The field a message starts with (`access_pin: …`, `items[0].price: …`), if any.
///
/// ```
/// use kkm_daemon::console::form::field_of;
/// assert_eq!(field_of("ofd_token: a new KKM needs its token").as_deref(), Some("ofd_token"));
/// assert_eq!(field_of("vat_certificate.series: too long").as_deref(), Some("vat_certificate.series"));
/// assert_eq!(field_of("the OFD refused KKM 1 with code 2: x"), None);
/// ```
pub fn field_of(message: &str) -> Option<String> {
    let (head, _) = message.split_once(": ")?;
    let head = head.trim();
    let ok = !head.is_empty()
        && head.len() <= 64
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
        && head.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    ok.then(|| head.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_keep_repeated_fields() {
        let f = Form::parse(b"a=1&b=+x+&c=2&c=3&csrf=t");
        assert_eq!(f.get("b"), "x");
        assert_eq!(f.all("c"), vec!["2", "3"]);
        assert!(f.checked("a") && !f.checked("z"));
        assert_eq!(f.opt("z"), None);
    }

    #[test]
    fn numbers_as_the_api_reads_them() {
        assert_eq!(number("10,5"), serde_json::json!(10.5));
        assert_eq!(number("6923"), serde_json::json!(6923));
        assert_eq!(number("12abc"), serde_json::json!("12abc"));
    }

    #[test]
    fn a_wrong_type_is_the_apis_2_naming_the_field() {
        let p = Json::new()
            .number("ofd_id", "abc")
            .decode::<kkm_register::api::SaveKkmRequest>()
            .unwrap_err();
        assert_eq!(p.code, ErrorCode::InvalidFields);
        assert!(p.is_about("ofd_id"), "{p:?}");
    }
}
