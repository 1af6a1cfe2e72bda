//! The web console: the configurator and the back office in a browser, served by the
//! daemon on its own listener at `/` (pages under `/console/`; every other path is the
//! API, exactly as before).
//!
//! Server-rendered HTML ([maud] templates, checked at compile time and escaping by
//! default) and plain forms with POST-redirect-GET: every page works without script.
//! One small script of our own (`assets/console.js`) adds what a form cannot do: the
//! overview refreshes itself from a server-sent event stream. Everything it needs is
//! inside the binary — no CDN, no front-end build step.
//!
//! It is an adapter, as the HTTP API is: every page calls [`kkm_register::Registry`]
//! with the signed-in operator's session credential, and every refusal shows the
//! seed's code and message next to the field it names. No rule of the register is
//! written here twice: forms are turned into the API's request JSON and decoded by
//! [`crate::input`], validated by `kkm-core` through the registry.
//!
//! * [`context`] — sign-in sessions (HttpOnly, SameSite=Strict cookie), CSRF tokens,
//!   the client's address, the language.
//! * [`i18n`] — Russian and Kazakh catalogues (`i18n/ru.txt`, `i18n/kk.txt`).
//! * [`layout`], [`form`], [`format`], [`chart`] — the common parts of every page
//!   (a cashier screen can be built on them).
//! * [`pages`] — overview, KKMs, operators, shift, journal, analytics, catalogue, and
//!   the cashier screen ([`pages::cashier`], its script `assets/cashier.js`).

pub mod chart;
pub mod context;
pub mod form;
pub mod format;
pub mod i18n;
pub mod layout;
pub mod pages;

use std::sync::{Arc, OnceLock};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use kkm_register::Registry;

/// What the console's pages share.
#[derive(Clone)]
pub struct ConsoleState {
    /// The registry every page calls.
    pub registry: Arc<Registry>,
    /// The cashier screens' baskets, per session and KKM.
    pub tills: Arc<pages::cashier::till::Tills>,
}

/// How the console presents itself.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The demo's KKM and administrator's PIN, shown on the sign-in page.
    pub demo: Option<(u32, String)>,
}

static OPTIONS: OnceLock<Options> = OnceLock::new();

/// Sets the console's options (once, before serving; later calls are ignored).
pub fn configure(options: Options) {
    let _ = OPTIONS.set(options);
}

pub(crate) fn options() -> &'static Options {
    OPTIONS.get_or_init(Options::default)
}

/// The prefix of every console page.
pub const PREFIX: &str = "/console";

/// The console's routes in front of `api`: `/` and `/console/…` are the console,
/// every other request (and any verb but GET on `/`) goes to `api` unchanged.
pub fn mount(api: Router, registry: Arc<Registry>) -> Router {
    let state = ConsoleState {
        registry,
        tills: Arc::default(),
    };
    let console = pages::routes()
        .route("/console/assets/console.css", get(css))
        .route("/console/assets/console.js", get(js))
        .route("/console/assets/cashier.js", get(cashier_js))
        .route("/console", get(|| async { Redirect::to("/console/") }))
        .route("/console/{*rest}", get(not_found).post(not_found))
        .with_state(state);
    Router::new()
        .route(
            "/",
            get(|| async { Redirect::to("/console/") }).fallback_service(api.clone()),
        )
        .merge(console)
        .fallback_service(api)
}

async fn not_found(ctx: context::Ctx) -> Response {
    layout::error_page(
        &ctx,
        StatusCode::NOT_FOUND,
        ctx.t(i18n::M::PageNotFound),
        None,
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

async fn css() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_str!("assets/console.css"),
    )
}

async fn js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("assets/console.js"),
    )
}

async fn cashier_js() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("assets/cashier.js"),
    )
}
