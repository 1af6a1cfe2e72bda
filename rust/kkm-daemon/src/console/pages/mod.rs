//! The console's pages and their routes. Each handler takes the signed-in context
//! ([`Ctx`]), calls the registry with the session credential, and renders; a refusal
//! of the registry becomes a page with the seed's code (or the form again, with the
//! refusal next to its field).

mod analytics;
pub mod cashier;
mod catalogue;
mod journal;
mod kkm_forms;
mod kkms;
mod operators;
mod overview;
pub mod pin;
mod settings;
mod shift;
mod signin;

use axum::body::Bytes;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use super::context::{
    cookie, csrf_of, same_secret, set_cookie, Public, CSRF_FIELD, LANG_COOKIE, SESSION_COOKIE,
};
use super::form::Form;
use super::i18n::Lang;
use super::ConsoleState;

/// Returns the refusal page when a registry call fails.
macro_rules! tryr {
    ($ctx:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => {
                return $crate::console::layout::refusal(
                    &$ctx,
                    &$crate::console::form::Problem::from(e),
                )
            }
        }
    };
}
pub(crate) use tryr;

/// Every console route.
pub fn routes() -> Router<ConsoleState> {
    Router::new()
        .route("/console/", get(overview::page))
        .route("/console/overview/rows", get(overview::rows))
        .route("/console/events", get(overview::events))
        .route("/console/signin", get(signin::form).post(signin::submit))
        .route("/console/signout", post(signin::sign_out))
        .route(pin::PATH, get(pin::form).post(pin::submit))
        .route("/console/lang", post(switch_lang))
        .route("/console/kkms", get(kkms::list))
        .route(
            "/console/kkms/new",
            get(kkms::new_form).post(kkms::new_vendor_id),
        )
        .route("/console/kkms/add", get(kkms::add_form).post(kkms::add))
        .route("/console/kkm/{id}", get(kkms::card))
        .route(
            "/console/kkm/{id}/edit",
            get(kkms::edit_form).post(kkms::edit),
        )
        .route(
            "/console/kkm/{id}/token",
            get(kkms::token_form).post(kkms::token),
        )
        .route(
            "/console/kkm/{id}/delete",
            get(kkms::delete_form).post(kkms::delete),
        )
        .route(
            "/console/kkm/{id}/unblock",
            get(kkms::unblock_form).post(kkms::unblock),
        )
        .route("/console/kkm/{id}/shift", get(shift::page))
        .route("/console/kkm/{id}/x", post(shift::x_report))
        .route(
            "/console/kkm/{id}/z",
            get(shift::z_confirm).post(shift::z_report),
        )
        .route("/console/kkm/{id}/cash", post(shift::cash))
        .route("/console/kkm/{id}/report/{doc}", get(shift::report))
        .route("/console/kkm/{id}/journal", get(journal::page))
        .route("/console/kkm/{id}/export", get(journal::export))
        .route("/console/kkm/{id}/doc/{doc}", get(journal::document))
        .route(
            "/console/kkm/{id}/doc/{doc}/reprint",
            post(journal::reprint),
        )
        .route("/console/kkm/{id}/doc/{doc}/image", get(journal::image))
        .route(
            "/console/kkm/{id}/doc/{doc}/duplicate",
            get(journal::duplicate),
        )
        .route("/console/kkm/{id}/catalogue", get(catalogue::page))
        .route(
            "/console/kkm/{id}/catalogue/product",
            get(catalogue::product_form).post(catalogue::save_product),
        )
        .route(
            "/console/kkm/{id}/catalogue/product/delete",
            post(catalogue::delete_product),
        )
        .route(
            "/console/kkm/{id}/catalogue/bundle",
            get(catalogue::bundle_form).post(catalogue::save_bundle),
        )
        .route(
            "/console/kkm/{id}/catalogue/import",
            post(catalogue::import),
        )
        .route("/console/kkm/{id}/catalogue.csv", get(catalogue::export))
        .route("/console/cashier", get(cashier::pick))
        .route(
            "/console/cashier/{id}",
            get(cashier::page).post(cashier::act),
        )
        .route("/console/cashier/{id}/till", get(cashier::fragment))
        .route("/console/cashier/{id}/search", get(cashier::search))
        .route("/console/cashier/{id}/receipts", get(cashier::receipts))
        .route(
            "/console/cashier/{id}/receipt.png",
            get(cashier::receipt_png),
        )
        .route("/console/analytics", get(analytics::page))
        .route("/console/analytics.csv", get(analytics::csv))
        .route("/console/operators", get(operators::list))
        .route(
            "/console/operators/new",
            get(operators::new_form).post(operators::save_new),
        )
        .route(
            "/console/operator/{id}",
            get(operators::edit_form).post(operators::save_edit),
        )
        .route(
            "/console/operator/{id}/delete",
            get(operators::delete_form).post(operators::delete),
        )
        .route(
            "/console/settings",
            get(settings::page).post(settings::save),
        )
}

/// The language switch (before and after sign-in): a POST with the CSRF token of the
/// session, or of the pre-sign-in cookie; back to the page it was made on.
async fn switch_lang(public: Public, headers: HeaderMap, body: Bytes) -> Response {
    let form = Form::parse(&body);
    let token = form.get(CSRF_FIELD);
    let session_csrf = cookie(&headers, SESSION_COOKIE).map(csrf_of);
    let valid = session_csrf
        .as_deref()
        .is_some_and(|c| same_secret(c, token))
        || public
            .pre_token
            .as_deref()
            .is_some_and(|p| same_secret(p, token));
    let lang = Lang::from_code(form.get("lang")).unwrap_or_default();
    let back = form
        .opt("back")
        .filter(|b| b.starts_with("/console/") && !b.contains("//") && !b.contains('\\'))
        .unwrap_or("/console/");
    let mut response = Redirect::to(back).into_response();
    if valid {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(LANG_COOKIE, lang.code(), Some(365 * 86_400)),
        );
    }
    response
}
