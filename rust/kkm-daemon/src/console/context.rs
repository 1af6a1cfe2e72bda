//! Who is asking and in which language: the session cookie, CSRF tokens, the client's
//! address and the language switch.
//!
//! * The session is the registry's ([`Registry::sign_in`]): its random token travels
//!   in the `kkm_session` cookie (`HttpOnly; SameSite=Strict; Path=/console`), never
//!   in a URL. Pages that refresh by themselves send `X-Console-Background: 1` and do
//!   not count as use, so an open overview does not keep a session alive.
//! * Every state change is a POST carrying a CSRF token: with a session, a digest of
//!   the session token ([`csrf_of`]); before sign-in, the `kkm_pre` cookie's random
//!   value repeated in the form (double submit). A POST from another site
//!   (`Sec-Fetch-Site`, or an `Origin` that is not this host) is refused before that.
//! * The PIN is read from the sign-in form's body only; it is never logged, never put
//!   in a URL, and never kept (the registry keeps a session token instead).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kkm_core::Action;
use kkm_register::{ClientId, Credential, Operator, RegisterError, Registry};
use sha2::{Digest, Sha256};

use super::form::Form;
use super::i18n::{Lang, M};
use super::ConsoleState;

/// The session cookie.
pub const SESSION_COOKIE: &str = "kkm_session";
/// The language cookie (`ru` or `kk`).
pub const LANG_COOKIE: &str = "kkm_lang";
/// The pre-sign-in CSRF cookie.
pub const PRE_COOKIE: &str = "kkm_pre";
/// Header of requests a page makes by itself (refreshes): they do not extend a session.
pub const BACKGROUND_HEADER: &str = "x-console-background";
/// The CSRF token's form field.
pub const CSRF_FIELD: &str = "csrf";

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value for the console: `HttpOnly` unless it is the language,
/// `SameSite=Strict`, scoped to the console's paths; `max_age` in seconds (`Some(0)`
/// deletes, `None` lasts for the browser session).
pub fn set_cookie(name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/console; SameSite=Strict");
    if name != LANG_COOKIE {
        text.push_str("; HttpOnly");
    }
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("kkm=; Max-Age=0"))
}

/// The CSRF token of a session: a digest of its token (not the token itself).
pub fn csrf_of(session_token: &str) -> String {
    let digest = Sha256::digest(format!("kkm-console-csrf:{session_token}").as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares without stopping at the first difference.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn client_of(parts: &Parts) -> ClientId {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(ClientId::UNKNOWN, |c| ClientId::from_ip(c.0.ip()))
}

fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::from_code)
        .unwrap_or_default()
}

/// A POST from another site: refused whatever its token.
fn cross_site(parts: &Parts) -> bool {
    if parts.method == Method::GET || parts.method == Method::HEAD {
        return false;
    }
    let h = &parts.headers;
    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site != "same-origin" && site != "none" {
            return true;
        }
    }
    match (
        h.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        h.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => {
            let bare = origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                .unwrap_or(origin);
            bare != host
        }
        _ => false,
    }
}

/// Where to go after signing in: a console page, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/console/")
                && !n.contains("//")
                && !n.contains('\\')
                && !n.starts_with("/console/signin") =>
        {
            n.to_owned()
        }
        _ => "/console/".to_owned(),
    }
}

fn path_and_query(parts: &Parts) -> String {
    parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned())
}

fn sign_in_url(next: &str, expired: bool) -> String {
    let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
    if expired {
        format!("/console/signin?expired=1&next={next}")
    } else {
        format!("/console/signin?next={next}")
    }
}

/// A request before sign-in: the registry, the language, the client.
pub struct Public {
    /// The registry.
    pub registry: Arc<Registry>,
    /// The page's language.
    pub lang: Lang,
    /// The client's address.
    pub client: ClientId,
    /// The pre-sign-in CSRF cookie, if the browser has one.
    pub pre_token: Option<String>,
    /// The request's path and query.
    pub path: String,
}

impl FromRequestParts<ConsoleState> for Public {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ConsoleState,
    ) -> Result<Public, Response> {
        if cross_site(parts) {
            return Err((StatusCode::FORBIDDEN, "cross-site request refused").into_response());
        }
        Ok(Public {
            registry: state.registry.clone(),
            lang: lang_of(&parts.headers),
            client: client_of(parts),
            pre_token: cookie(&parts.headers, PRE_COOKIE).map(str::to_owned),
            path: path_and_query(parts),
        })
    }
}

impl Public {
    /// The text of `key` in the page's language.
    pub fn t(&self, key: M) -> &'static str {
        self.lang.t(key)
    }
}

/// A signed-in operator's request.
pub struct Ctx {
    /// The registry.
    pub registry: Arc<Registry>,
    /// The page's language.
    pub lang: Lang,
    /// The session credential (with the client's address) every registry call takes.
    pub cred: Credential,
    /// Who is signed in (read afresh on every request).
    pub operator: Operator,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
    /// The request's path and query.
    pub path: String,
    /// Signed in with the default PIN: only the PIN page and sign-out open.
    pub must_change_pin: bool,
}

/// The pages a session opened with the default PIN may reach: setting its PIN, signing
/// out, the language switch.
fn open_before_pin_change(path: &str) -> bool {
    matches!(
        path,
        crate::console::pages::pin::PATH | "/console/signout" | "/console/lang"
    )
}

impl FromRequestParts<ConsoleState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ConsoleState) -> Result<Ctx, Response> {
        let public = Public::from_request_parts(parts, state).await?;
        // The event stream and the refreshes a page makes by itself are not use.
        let background =
            parts.headers.contains_key(BACKGROUND_HEADER) || parts.uri.path() == "/console/events";
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE).map(str::to_owned) else {
            return Err(if background {
                StatusCode::UNAUTHORIZED.into_response()
            } else {
                Redirect::to(&sign_in_url(&public.path, false)).into_response()
            });
        };
        let cred = Credential::session(token.clone()).from_client(public.client);
        let (operator, must_change_pin) = match state.registry.session_state(&cred) {
            Ok(state) => state,
            Err(_) => {
                let mut response = if background {
                    StatusCode::UNAUTHORIZED.into_response()
                } else {
                    let target = if parts.method == Method::GET {
                        public.path.clone()
                    } else {
                        "/console/".to_owned()
                    };
                    Redirect::to(&sign_in_url(&target, true)).into_response()
                };
                response
                    .headers_mut()
                    .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", Some(0)));
                return Err(response);
            }
        };
        if must_change_pin && !open_before_pin_change(parts.uri.path()) {
            // Nothing else opens until the default PIN is replaced (the register refuses
            // it anyway); the page asked for comes after.
            return Err(if background {
                StatusCode::UNAUTHORIZED.into_response()
            } else {
                let next = if parts.method == Method::GET {
                    safe_next(Some(&public.path))
                } else {
                    "/console/".to_owned()
                };
                let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
                Redirect::to(&format!("{}?next={next}", crate::console::pages::pin::PATH))
                    .into_response()
            });
        }
        if !background {
            state.registry.touch_session(&cred);
        }
        Ok(Ctx {
            registry: public.registry,
            lang: public.lang,
            cred,
            operator,
            csrf: csrf_of(&token),
            path: public.path,
            must_change_pin,
        })
    }
}

impl Ctx {
    /// The text of `key` in the page's language.
    pub fn t(&self, key: M) -> &'static str {
        self.lang.t(key)
    }

    /// `key` with `{0}`, `{1}`… replaced by `args`.
    pub fn tf(&self, key: M, args: &[&dyn std::fmt::Display]) -> String {
        self.lang.tf(key, args)
    }

    /// The URL-encoded form of a POST body, if its CSRF token is this session's; a
    /// page saying why otherwise.
    pub fn form(&self, body: &[u8]) -> Result<Form, Box<Response>> {
        let form = Form::parse(body);
        self.check_csrf(form.get(CSRF_FIELD))?;
        Ok(form)
    }

    /// Refuses (403) a state change without this session's CSRF token.
    pub fn check_csrf(&self, token: &str) -> Result<(), Box<Response>> {
        if same_secret(token, &self.csrf) {
            Ok(())
        } else {
            Err(Box::new(super::layout::error_page(
                self,
                StatusCode::FORBIDDEN,
                self.t(M::CsrfRefused),
                None,
            )))
        }
    }

    /// Asks the registry whether the operator may `action` (on a KKM): the page
    /// refuses with the seed's code (71, 72) otherwise.
    pub fn may(&self, action: Action, kkm_ofd_id: Option<i64>) -> Result<(), RegisterError> {
        self.registry
            .authorize(&self.cred, action, kkm_ofd_id)
            .map(|_| ())
    }

    /// `true` when the operator may `action` somewhere (for menus only: the pages ask
    /// the registry again).
    pub fn can(&self, action: Action) -> bool {
        self.operator.role.may(action)
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    fn parts(method: &str, headers: &[(&str, &str)]) -> Parts {
        let mut r = Request::builder().method(method).uri("/console/kkms");
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.body(()).unwrap().into_parts().0
    }

    #[test]
    fn cookies_are_read_by_name() {
        let p = parts(
            "GET",
            &[
                ("cookie", "a=1; kkm_session=abc ; kkm_lang=kk"),
                ("cookie", "x=2"),
            ],
        );
        assert_eq!(cookie(&p.headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&p.headers, LANG_COOKIE), Some("kk"));
        assert_eq!(cookie(&p.headers, "x"), Some("2"));
        assert_eq!(cookie(&p.headers, "kkm_pre"), None);
        assert_eq!(lang_of(&p.headers), Lang::Kk);
    }

    #[test]
    fn the_session_cookie_is_http_only_and_strict() {
        let c = set_cookie(SESSION_COOKIE, "t", None);
        let text = c.to_str().unwrap();
        assert!(
            text.contains("HttpOnly") && text.contains("SameSite=Strict"),
            "{text}"
        );
        assert!(
            text.contains("Path=/console") && !text.contains("Max-Age"),
            "{text}"
        );
        // The language is not a secret; deleting sets Max-Age=0.
        assert!(!set_cookie(LANG_COOKIE, "kk", Some(1))
            .to_str()
            .unwrap()
            .contains("HttpOnly"));
        assert!(set_cookie(SESSION_COOKIE, "", Some(0))
            .to_str()
            .unwrap()
            .contains("Max-Age=0"));
    }

    #[test]
    fn the_csrf_token_is_bound_to_the_session_and_reveals_nothing_of_it() {
        let a = csrf_of("session-a");
        assert_eq!(a, csrf_of("session-a"));
        assert_ne!(a, csrf_of("session-b"));
        assert_eq!(a.len(), 32);
        assert!(!a.contains("session"));
        assert!(same_secret(&a, &csrf_of("session-a")));
        assert!(!same_secret(&a, &csrf_of("session-b")));
        assert!(!same_secret(&a, ""));
        assert!(!same_secret(&a, &a[..31]));
    }

    #[test]
    fn posts_from_other_sites_are_refused() {
        assert!(!cross_site(&parts(
            "GET",
            &[("origin", "http://evil.example")]
        )));
        assert!(cross_site(&parts(
            "POST",
            &[
                ("origin", "http://evil.example"),
                ("host", "127.0.0.1:8080")
            ]
        )));
        assert!(!cross_site(&parts(
            "POST",
            &[
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080")
            ]
        )));
        assert!(cross_site(&parts(
            "POST",
            &[("sec-fetch-site", "cross-site")]
        )));
        assert!(!cross_site(&parts(
            "POST",
            &[("sec-fetch-site", "same-origin")]
        )));
        // No header to judge by (curl, an old browser): the token decides.
        assert!(!cross_site(&parts("POST", &[])));
    }

    #[test]
    fn after_sign_in_only_console_pages() {
        assert_eq!(safe_next(Some("/console/kkm/1")), "/console/kkm/1");
        for bad in [
            "https://evil.example/",
            "//evil.example/console/",
            "/console//evil",
            "/console/\\evil",
            "/console/signin?next=x",
            "/GetKKMList",
        ] {
            assert_eq!(safe_next(Some(bad)), "/console/", "{bad}");
        }
        assert_eq!(safe_next(None), "/console/");
    }
}
