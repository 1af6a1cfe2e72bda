//! The HTTP face: one route per API method (`/<Method>`), the envelope answers, and
//! `/openapi.json`.
//!
//! Rules (the seed's, CashCore's, and our decisions where both say nothing; `docs/api.md`):
//! * A success is HTTP 200 with the envelope; a failure has CashCore's HTTP status for
//!   its code's class (400, 401, 403, 404, 500: [`api::http_status`]) and the body
//!   `{"response_code", "response_data": "<text constant>", "message"}`.
//! * Method names match without regard to case, as CashCore's server matches them.
//! * Before anything else, [`WebGuard`] refuses a `Host` the daemon is not served under
//!   (DNS rebinding) on every path, and, on the API, a request a browser marks as coming
//!   from a page of another site (5, HTTP 403): `docs/security.md`.
//! * POST reads a JSON body (an empty body is `{}`); a method that changes state wants
//!   `Content-Type: application/json` (2 otherwise); other methods take any content type.
//!   Parameters in the URL are ignored. GET is allowed for the seed's GET/POST methods
//!   that only read, and reads the query string (or, without one, a JSON body).
//! * An unknown method → 3; GET (or any verb but GET/POST) on a POST-only method → 3
//!   as well: that method does not exist for that verb.
//! * A body over [`BODY_LIMIT`] → 2.
//! * `GetDocumentImage` answers the PNG itself (`image/png`) on success.
//! * The registry's work runs in its own task: a client that hangs up does not cut an
//!   operation in half, and a panic answers 4 instead of dropping the connection.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method as Verb, StatusCode};
use axum::response::Response;
use axum::Router;
use futures::StreamExt;
use kkm_core::ErrorCode;
use kkm_register::api::{self, Envelope, Method};
use kkm_register::{Credential, Registry};
use serde::Serialize;
use tracing::{info, warn};

use crate::guard::WebGuard;
use crate::input::{self, ApiError, Params};
use crate::server::Limits;

/// Largest request body accepted: 2 MiB (a 1,000-item receipt is ~150 KiB of JSON).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// An oversize body declared up to this size is read and dropped so that the client
/// reads the answer (2); a larger one is refused by closing the connection.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// What the handlers share.
#[derive(Clone)]
struct AppState {
    registry: Arc<Registry>,
    openapi: Arc<Vec<u8>>,
    guard: Arc<WebGuard>,
}

/// The router of the whole API over `registry`, with the default [`WebGuard`] (IP
/// literals and `localhost` only; no web POS origins).
pub fn router(registry: Arc<Registry>) -> Router {
    router_with(registry, WebGuard::default())
}

/// The router of the whole API (and the console) over `registry`, behind `guard`.
pub fn router_with(registry: Arc<Registry>, guard: WebGuard) -> Router {
    let openapi = serde_json::to_vec_pretty(&crate::openapi::document()).unwrap_or_default();
    let guard = Arc::new(guard);
    let api = Router::new().fallback(handle).with_state(AppState {
        registry: registry.clone(),
        openapi: Arc::new(openapi),
        guard: guard.clone(),
    });
    crate::with_console(api, registry).layer(axum::middleware::from_fn(
        move |request: Request, next: axum::middleware::Next| {
            let guard = guard.clone();
            async move {
                match guard.check_host(request.headers()) {
                    Ok(()) => next.run(request).await,
                    Err(error) => {
                        warn!(host = ?request.headers().get(header::HOST), "refused: a Host the daemon is not served under");
                        reply_response(Err(error))
                    }
                }
            }
        },
    ))
}

/// Serves the API on `listener` until `shutdown` resolves, then lets the requests in
/// flight finish (for [`Limits::shutdown_grace`] at most) and shuts the registry down
/// (the operation in flight finishes; the offline queue stays in the journal).
pub async fn serve(
    listener: tokio::net::TcpListener,
    registry: Arc<Registry>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(
        listener,
        registry,
        WebGuard::default(),
        Limits::default(),
        shutdown,
    )
    .await
}

/// [`serve`] behind `guard` (the configured host names and web POS origins) under
/// `limits` (timeouts and the connection cap: [`crate::server`]).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    registry: Arc<Registry>,
    guard: WebGuard,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listeners = vec![crate::server::Listener::plain(listener)];
    serve_on(listeners, registry, guard, limits, shutdown).await
}

/// [`serve_with`] on several listeners (plain and HTTPS: [`crate::server::Listener`]).
pub async fn serve_on(
    listeners: Vec<crate::server::Listener>,
    registry: Arc<Registry>,
    guard: WebGuard,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router_with(registry.clone(), guard);
    let served = crate::server::serve(listeners, app, limits, shutdown).await;
    registry.shutdown().await;
    served
}

/// An answer before it becomes HTTP.
enum Reply {
    /// A JSON envelope, serialized.
    Json(Vec<u8>),
    /// GetDocumentImage's PNG.
    Png(Vec<u8>),
    /// GetTransactionList's envelope, written a page of the journal at a time.
    Journal(kkm_register::TransactionPages),
}

fn ok<T: Serialize>(data: T) -> Result<Reply, ApiError> {
    serde_json::to_vec(&Envelope::ok(data))
        .map(Reply::Json)
        .map_err(|e| {
            ApiError::new(
                ErrorCode::MethodExecutionException,
                format!("the answer could not be written: {e}"),
            )
        })
}

fn error_body(error: &ApiError) -> Vec<u8> {
    serde_json::to_vec(&Envelope::error(error.code, error.message.clone())).unwrap_or_else(|_| {
        // Serializing two strings and a number cannot fail; keep a fallback anyway.
        br#"{"response_code":4,"response_data":"method_execution_exception","message":""}"#.to_vec()
    })
}

fn json_response(body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
}

fn reply_response(reply: Result<Reply, ApiError>) -> Response {
    let mut response = reply_body(reply);
    // Every answer carries the register's data (receipts, the journal, operators):
    // never kept by a browser's or a proxy's cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn reply_body(reply: Result<Reply, ApiError>) -> Response {
    match reply {
        Ok(Reply::Json(body)) => json_response(body),
        Ok(Reply::Png(png)) => {
            let mut response = Response::new(Body::from(png));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(api::DocumentImage::CONTENT_TYPE),
            );
            response
        }
        Ok(Reply::Journal(pages)) => {
            let mut response = Response::new(Body::from_stream(journal_stream(pages)));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(JSON_CONTENT_TYPE),
            );
            response
        }
        Err(error) => {
            let mut response = json_response(error_body(&error));
            *response.status_mut() = StatusCode::from_u16(api::http_status(error.code))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            response
        }
    }
}

/// The envelope `{"response_code":0,"response_data":[…]}` of a journal listing, one page
/// of entries per chunk: any number of documents, with one page in memory. A failure
/// after the first byte (the journal became unreadable mid-way) cannot change the
/// status any more: the body then ends without its closing `]}`, so a client sees a
/// broken answer rather than a short list, and the daemon logs why.
fn journal_stream(
    pages: kkm_register::TransactionPages,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send {
    enum State {
        Start(kkm_register::TransactionPages),
        Pages(kkm_register::TransactionPages, bool),
        Done,
    }
    futures::stream::unfold(State::Start(pages), |state| async move {
        match state {
            State::Start(pages) => Some((
                Ok(br#"{"response_code":0,"response_data":["#.to_vec()),
                State::Pages(pages, true),
            )),
            State::Pages(mut pages, first) => match pages.next_page().await {
                Ok(Some(entries)) => {
                    let mut chunk = Vec::with_capacity(entries.len() * 256);
                    for (i, entry) in entries.iter().enumerate() {
                        if !(first && i == 0) {
                            chunk.push(b',');
                        }
                        if let Err(e) = serde_json::to_writer(&mut chunk, entry) {
                            warn!(error = %e, "a journal entry could not be written");
                            return Some((Err(std::io::Error::other(e)), State::Done));
                        }
                    }
                    let first = first && entries.is_empty();
                    Some((Ok(chunk), State::Pages(pages, first)))
                }
                Ok(None) => Some((Ok(b"]}".to_vec()), State::Done)),
                Err(e) => {
                    warn!(error = %e, "the journal listing failed after it started");
                    Some((Err(std::io::Error::other(e.to_string())), State::Done))
                }
            },
            State::Done => None,
        }
    })
}

/// Calls the registry's method for `method` with the decoded parameters.
async fn call(
    registry: &Registry,
    method: Method,
    cred: &Credential,
    key: Option<String>,
    params: &Params,
) -> Result<Reply, ApiError> {
    match method {
        Method::Ping => {
            let _: api::PingRequest = params.decode()?;
            ok(registry.ping())
        }
        Method::ActivateLicense => ok(registry.activate_license(cred, params.decode()?).await?),
        Method::GetOfdList => {
            let _: api::GetOfdListRequest = params.decode()?;
            ok(registry.ofd_list(cred).await?)
        }
        Method::GetKkmList => ok(registry.kkm_list(cred, params.decode()?).await?),
        Method::GetVendorId => ok(registry.vendor_id(cred, params.decode()?).await?),
        Method::SaveKkm => ok(registry.save_kkm(cred, params.decode()?).await?),
        Method::DeleteKkm => ok(registry.delete_kkm(cred, params.decode()?).await?),
        Method::GetOperatorList => {
            let _: api::GetOperatorListRequest = params.decode()?;
            ok(registry.operator_list(cred).await?)
        }
        Method::SaveOperator => ok(registry.save_operator(cred, params.decode()?).await?),
        Method::DeleteOperator => ok(registry.delete_operator(cred, params.decode()?).await?),
        Method::TradeOperation => ok(registry
            .trade_operation(cred, params.decode()?, key)
            .await?),
        Method::MoneyPlacement => ok(registry
            .money_placement(cred, params.decode()?, key)
            .await?),
        Method::ZxReport => ok(registry.zx_report(cred, params.decode()?).await?),
        Method::GetTransactionList => Ok(Reply::Journal(
            registry.transaction_pages(cred, params.decode()?).await?,
        )),
        Method::GetTransaction => ok(registry.transaction(cred, params.decode()?).await?),
        Method::GetPrinterList => {
            let _: api::GetPrinterListRequest = params.decode()?;
            ok(registry.printer_list(cred).await?)
        }
        Method::GetDocumentImage => {
            let image = registry.document_image(cred, params.decode()?).await?;
            Ok(Reply::Png(image.png))
        }
        Method::GetPrintJobList => {
            let r: api::GetPrintJobListRequest = params.decode()?;
            ok(registry
                .print_jobs(cred, r.kkm_ofd_id, r.printer, r.limit)
                .await?)
        }
        Method::ReprintDocument => {
            let r: api::ReprintDocumentRequest = params.decode()?;
            ok(registry
                .reprint_document(
                    cred,
                    r.kkm_ofd_id,
                    r.fr_shift_number,
                    r.shift_document_number,
                    r.printer,
                )
                .await?)
        }
        Method::GetKkmBlock => ok(registry.kkm_block(cred, params.decode()?).await?),
        Method::ResolveKkmBlock => ok(registry.resolve_kkm_block(cred, params.decode()?).await?),
    }
}

/// Reads the body, refusing more than [`BODY_LIMIT`] (2).
async fn read_body(body: Body, declared: Option<u64>) -> Result<Vec<u8>, ApiError> {
    let too_big = || {
        ApiError::new(
            ErrorCode::InvalidFields,
            format!(
                "the request body is larger than {} MiB",
                BODY_LIMIT / (1024 * 1024)
            ),
        )
    };
    if let Some(n) = declared.filter(|n| *n > BODY_LIMIT as u64) {
        // Read and drop what the client is still sending before answering: a server that
        // closes with unread data resets the connection, and the client loses the answer
        // (it sees a broken pipe instead of code 2). Beyond DRAIN_LIMIT, close at once.
        if n <= DRAIN_LIMIT as u64 {
            let mut stream = body.into_data_stream();
            while let Some(Ok(_)) = stream.next().await {}
        }
        return Err(too_big());
    }
    // A chunked body has no declared length: the limit stops it while it is read.
    axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map(|bytes| bytes.to_vec())
        .map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidFields,
                format!(
                    "the request body could not be read (larger than {} MiB, or interrupted): {e}",
                    BODY_LIMIT / (1024 * 1024)
                ),
            )
        })
}

/// Every request: the API method of the path, or `/openapi.json`.
async fn handle(State(state): State<AppState>, request: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let verb = parts.method.clone();
    let name = path.strip_prefix('/').unwrap_or(&path);

    if name == "openapi.json" && (verb == Verb::GET || verb == Verb::HEAD) {
        let mut response = Response::new(Body::from(state.openapi.as_ref().clone()));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return response;
    }

    let outcome = route(&state, name, &verb, &parts, body).await;
    let code = match &outcome {
        Ok(Reply::Json(_)) | Ok(Reply::Png(_)) | Ok(Reply::Journal(_)) => 0,
        Err(e) => e.code.code(),
    };
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if code == 0 {
        info!(method = %name, verb = %verb, code, ms, "request");
    } else {
        let message = outcome
            .as_ref()
            .err()
            .map(|e| e.message.as_str())
            .unwrap_or("");
        info!(method = %name, verb = %verb, code, ms, message, "request refused");
    }
    reply_response(outcome)
}

async fn route(
    state: &AppState,
    name: &str,
    verb: &Verb,
    parts: &axum::http::request::Parts,
    body: Body,
) -> Result<Reply, ApiError> {
    let Some(method) = Method::from_path(name) else {
        return Err(ApiError::new(
            ErrorCode::MethodNotFound,
            format!(
                "there is no method `{name}` (/Ping, /TradeOperation, …; /openapi.json lists them)"
            ),
        ));
    };
    // A page of another site is refused before anything else is looked at.
    state.guard.check_origin(&parts.headers)?;
    let is_get = *verb == Verb::GET || *verb == Verb::HEAD;
    if is_get && !method.allows_get() {
        return Err(ApiError::new(
            ErrorCode::MethodNotFound,
            format!("{name} is called with POST only"),
        ));
    }
    if !is_get && *verb != Verb::POST {
        return Err(ApiError::new(
            ErrorCode::MethodNotFound,
            format!(
                "{name} is called with {} only, not {verb}",
                if method.allows_get() {
                    "GET or POST"
                } else {
                    "POST"
                }
            ),
        ));
    }
    state
        .guard
        .check_json(&parts.headers, method.changes_state())?;
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let body = read_body(body, declared).await?;
    let params = match parts.uri.query() {
        Some(query) if is_get && !query.is_empty() => Params::Query(query.to_owned()),
        _ => Params::Json(body),
    };
    let cred = input::request_credential(&parts.headers, &params).from_client(input::client(parts));
    state.guard.check_default_pin(&parts.headers, &cred)?;
    let key = if method.is_idempotent_by_key() {
        input::idempotency_key(&parts.headers)?
    } else {
        None
    };
    let registry = state.registry.clone();
    // Its own task: the operation completes even if the client hangs up, and a panic
    // becomes an answer.
    let task = tokio::spawn(async move { call(&registry, method, &cred, key, &params).await });
    match task.await {
        Ok(outcome) => outcome,
        Err(e) => {
            warn!(method = %name, error = %e, "the operation panicked or was cancelled");
            Err(ApiError::new(
                ErrorCode::MethodExecutionException,
                format!("{name} failed unexpectedly; see the daemon's log"),
            ))
        }
    }
}
