//! Who may talk to the daemon over HTTP, decided before a method or a console page runs
//! (`docs/security.md`).
//!
//! * **Host** (every request, API and console): a DNS-rebinding page reaches the daemon
//!   under the attacker's name (`Host: rebind.attacker.example:8080`); the daemon answers
//!   only the names it is reached by legitimately — IP literals (its listen addresses and
//!   the machine's LAN address: an IP cannot be rebound), `localhost`, and the names an
//!   administrator adds (`allowed_hosts`). A request without `Host` (HTTP/1.0 integrations)
//!   is not a browser's and passes.
//! * **Cross-site API calls**: a page of another site can *send* a request to the daemon
//!   (`fetch(…, {mode: "no-cors"})`, `<img src>`, a form) even though it cannot read the
//!   answer, and the side effect is the attack. An API request that a browser marks as
//!   coming from another site (`Origin` present and not the daemon's own or an allowed
//!   web POS (`allowed_origins`); `Sec-Fetch-Site` other than `none` / `same-origin`) is
//!   refused with 5 (HTTP 403) before its credential is looked at.
//! * **JSON only for changes**: a method that changes state takes a JSON body with
//!   `Content-Type: application/json` (a browser cannot send that cross-site without a
//!   CORS preflight, which the daemon never grants); it is never reachable over GET.

use axum::http::{header, HeaderMap};
use kkm_core::ErrorCode;

use crate::input::ApiError;

/// The daemon's host and origin allow-lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebGuard {
    /// Extra `Host` names (lower case, no port), besides IP literals and `localhost`.
    hosts: Vec<String>,
    /// Origins of web POS pages allowed to call the API (`scheme://host[:port]`, lower
    /// case, no trailing slash).
    origins: Vec<String>,
}

impl WebGuard {
    /// A guard that also accepts the `Host` names `hosts` (e.g. `kassa.shop.lan`) and API
    /// calls from pages of `origins` (e.g. `https://pos.shop.kz`).
    pub fn new(
        hosts: impl IntoIterator<Item = impl AsRef<str>>,
        origins: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> WebGuard {
        WebGuard {
            hosts: hosts
                .into_iter()
                .map(|h| normal_name(h.as_ref()))
                .filter(|h| !h.is_empty())
                .collect(),
            origins: origins
                .into_iter()
                .map(|o| normal_origin(o.as_ref()))
                .filter(|o| !o.is_empty())
                .collect(),
        }
    }

    /// Checks the `Host` header (see the module docs); the error says what to configure.
    pub fn check_host(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(value) = headers.get(header::HOST) else {
            return Ok(());
        };
        let refused = |shown: &str| {
            ApiError::new(
                ErrorCode::InvalidAccessCode,
                format!(
                    "the daemon is not served under the name {shown:?}: reach it by its IP address \
                     or localhost, or add the name to allowed_hosts in its configuration"
                ),
            )
        };
        let text = value.to_str().map_err(|_| refused("(not text)"))?;
        let name = host_name(text);
        if name.parse::<std::net::IpAddr>().is_ok()
            || name == "localhost"
            || self.hosts.contains(&name)
        {
            Ok(())
        } else {
            Err(refused(&name))
        }
    }

    /// Checks that an API request does not come from a page of another site (see the
    /// module docs).
    pub fn check_origin(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let origin = headers
            .get(header::ORIGIN)
            .map(|o| String::from_utf8_lossy(o.as_bytes()).trim().to_owned());
        let allowed_origin = origin
            .as_deref()
            .is_some_and(|o| self.origins.contains(&normal_origin(o)));
        if let Some(origin) = &origin {
            if !allowed_origin && !same_origin(origin, headers) {
                return Err(cross_site(&format!("Origin {origin}")));
            }
        }
        if let Some(site) = headers.get("sec-fetch-site") {
            let site = String::from_utf8_lossy(site.as_bytes()).to_ascii_lowercase();
            if !allowed_origin && site != "none" && site != "same-origin" {
                return Err(cross_site(&format!("Sec-Fetch-Site: {site}")));
            }
        }
        Ok(())
    }

    /// The default PIN (`0000`) never comes from a web page (a request a browser marks
    /// with `Origin` or `Sec-Fetch-Site`), even on this machine: 5. The register refuses
    /// it from other machines ([`kkm_register::DEFAULT_PIN_ELSEWHERE`]); which requests are
    /// pages only HTTP can tell.
    pub fn check_default_pin(
        &self,
        headers: &HeaderMap,
        credential: &kkm_register::Credential,
    ) -> Result<(), ApiError> {
        let page = headers.contains_key(header::ORIGIN) || headers.contains_key("sec-fetch-site");
        if credential.is_default_pin() && page {
            return Err(ApiError::new(
                ErrorCode::InvalidAccessCode,
                kkm_register::DEFAULT_PIN_ELSEWHERE,
            ));
        }
        Ok(())
    }

    /// Checks that a request to a method that changes state (`changes_state`) brings its
    /// body as JSON (2 otherwise): a page cannot send that cross-site without a CORS
    /// preflight, which the daemon never grants.
    pub fn check_json(&self, headers: &HeaderMap, changes_state: bool) -> Result<(), ApiError> {
        if changes_state && !is_json(headers) {
            return Err(ApiError::new(
                ErrorCode::InvalidFields,
                "this method changes the register's state: send its body as JSON with \
                 `Content-Type: application/json`",
            ));
        }
        Ok(())
    }
}

fn cross_site(what: &str) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidAccessCode,
        format!(
            "a request from a web page of another site is refused ({what}): a web POS that \
             must call the daemon from a page needs its origin in allowed_origins"
        ),
    )
}

/// `Content-Type` is `application/json` or `application/<x>+json` (parameters allowed).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|m| {
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
}

/// The name part of a `Host` value: lower case, without the port or a trailing dot;
/// an IPv6 literal without its brackets.
fn host_name(host: &str) -> String {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("").to_ascii_lowercase();
    }
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    normal_name(name)
}

fn normal_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

fn normal_origin(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// `origin` (`scheme://host[:port]`) names the host and port the request was sent to.
fn same_origin(origin: &str, headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let origin = normal_origin(origin);
    let Some((_, authority)) = origin.split_once("://") else {
        return false;
    };
    authority == host.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn hosts() {
        let guard = WebGuard::new(["Kassa.Shop.LAN."], Vec::<String>::new());
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST",
            "[::1]:8080",
            "192.168.1.20:8080",
            "kassa.shop.lan:8080",
        ] {
            let h = HeaderMap::from_iter([(header::HOST, HeaderValue::from_static(ok))]);
            assert!(guard.check_host(&h).is_ok(), "{ok}");
        }
        assert!(guard.check_host(&HeaderMap::new()).is_ok(), "HTTP/1.0");
        for bad in [
            "rebind.attacker.example:8080",
            "localhost.attacker.example",
            "127.0.0.1.nip.io:8080",
            "kassa.shop.lan.evil:8080",
        ] {
            let h = HeaderMap::from_iter([(header::HOST, HeaderValue::from_static(bad))]);
            let e = guard.check_host(&h).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidAccessCode, "{bad}");
        }
    }

    #[test]
    fn origins() {
        let guard = WebGuard::new(Vec::<String>::new(), ["https://pos.shop.kz/"]);
        let json = ("content-type", "application/json");
        // No browser marks: an integration.
        assert!(guard.check_origin(&headers(&[json])).is_ok());
        // The console's own pages.
        assert!(guard
            .check_origin(&headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080"),
                ("sec-fetch-site", "same-origin"),
                json
            ]))
            .is_ok());
        // A typed URL or a bookmark.
        assert!(guard
            .check_origin(&headers(&[("sec-fetch-site", "none")]))
            .is_ok());
        // The allowed web POS, cross-site.
        assert!(guard
            .check_origin(&headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "https://POS.shop.kz"),
                ("sec-fetch-site", "cross-site"),
                json
            ]))
            .is_ok());
        for attack in [
            headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://evil.example"),
                json,
            ]),
            headers(&[("host", "127.0.0.1:8080"), ("origin", "null"), json]),
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[("sec-fetch-site", "same-site")]),
            headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:9999"),
                json,
            ]),
        ] {
            let e = guard.check_origin(&attack).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidAccessCode, "{attack:?}");
        }
    }

    #[test]
    fn the_default_pin_never_comes_from_a_page() {
        use kkm_register::{ClientId, Credential};
        let guard = WebGuard::default();
        let local = ClientId::from_ip([127, 0, 0, 1].into());
        let program = HeaderMap::new();
        let page = headers(&[("sec-fetch-site", "same-origin")]);
        let default = Credential::pin("0000").from_client(local);
        assert!(guard.check_default_pin(&program, &default).is_ok());
        assert!(guard.check_default_pin(&page, &default).is_err());
        let own = Credential::pin("7391").from_client(local);
        assert!(guard.check_default_pin(&page, &own).is_ok());
    }

    #[test]
    fn changes_take_json_only() {
        let guard = WebGuard::default();
        for ct in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/merge-patch+json",
        ] {
            let h = HeaderMap::from_iter([(header::CONTENT_TYPE, HeaderValue::from_static(ct))]);
            assert!(guard.check_json(&h, true).is_ok(), "{ct}");
        }
        for ct in [
            "text/plain;charset=UTF-8",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            let h = HeaderMap::from_iter([(header::CONTENT_TYPE, HeaderValue::from_static(ct))]);
            assert_eq!(
                guard.check_json(&h, true).unwrap_err().code,
                ErrorCode::InvalidFields,
                "{ct}"
            );
            assert!(
                guard.check_json(&h, false).is_ok(),
                "reads take any body: {ct}"
            );
        }
        assert!(guard.check_json(&HeaderMap::new(), true).is_err());
    }
}
