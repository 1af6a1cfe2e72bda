//! Sign-in with the operator's PIN (as the configurator's «Подключение»), sign-out.

use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kkm_register::Credential;
use maud::html;

use crate::console::context::{
    safe_next, same_secret, set_cookie, Ctx, Public, CSRF_FIELD, PRE_COOKIE, SESSION_COOKIE,
};
use crate::console::form::{Form, Problem};
use crate::console::i18n::M;
use crate::console::layout::{self, Extra, FieldCtx};

fn random_token() -> Option<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn render(
    public: &Public,
    pre: &str,
    next: &str,
    expired: bool,
    problem: Option<&Problem>,
) -> Response {
    let f = FieldCtx {
        lang: public.lang,
        problem,
    };
    let body = html! {
        @if expired { p.notice role="status" { (public.t(M::SessionExpired)) } }
        @if let Some(p) = f.unplaced(&["access_pin"]) { (layout::problem_box(public.lang, p)) }
        form.card.narrow method="post" action="/console/signin" {
            input type="hidden" name=(CSRF_FIELD) value=(pre);
            input type="hidden" name="next" value=(next);
            p { (public.t(M::SignInIntro)) }
            (f.input(public.t(M::Pin), "access_pin", "password", "",
                Extra::required().mode("numeric").autocomplete("current-password")))
            button.primary type="submit" { (public.t(M::SignIn)) }
            @if let Some((kkm, pin)) = &crate::console::options().demo {
                p.hint { (public.lang.tf(M::DemoHint, &[kkm, pin])) }
            }
        }
    };
    layout::public_page(public, pre, public.t(M::SignInTitle), body)
}

fn with_pre_cookie(mut response: Response, pre: &str) -> Response {
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(PRE_COOKIE, pre, None));
    response
}

/// The sign-in form.
pub async fn form(public: Public, RawQuery(query): RawQuery) -> Response {
    let q = Form::query(query.as_deref());
    let pre = match &public.pre_token {
        Some(t) => t.clone(),
        None => match random_token() {
            Some(t) => t,
            None => return (StatusCode::INTERNAL_SERVER_ERROR, "no randomness").into_response(),
        },
    };
    let next = safe_next(q.opt("next"));
    let response = render(&public, &pre, &next, q.get("expired") == "1", None);
    with_pre_cookie(response, &pre)
}

/// Signs in: the PIN from the form's body goes to the registry (with the client's
/// address, for the wrong-PIN throttle) and comes back as a session cookie.
pub async fn submit(public: Public, body: Bytes) -> Response {
    let form = Form::parse(&body);
    let Some(pre) = public.pre_token.clone() else {
        return Redirect::to("/console/signin").into_response();
    };
    if !same_secret(&pre, form.get(CSRF_FIELD)) {
        return (StatusCode::FORBIDDEN, public.t(M::CsrfRefused)).into_response();
    }
    let next = safe_next(form.opt("next"));
    // Not trimmed or logged: the PIN is passed on as typed.
    let pin = form.raw("access_pin").unwrap_or_default().to_owned();
    let credential = Credential::pin(pin).from_client(public.client);
    match public.registry.sign_in(&credential).await {
        Ok(session) => {
            let target = if session.must_change_pin {
                let next: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
                format!("{}?next={next}", super::pin::PATH)
            } else if session.pin_below_policy {
                "/console/?notice=weak-pin".to_owned()
            } else {
                next
            };
            let mut response = Redirect::to(&target).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &session.token, None),
            );
            response
        }
        Err(e) => {
            let mut problem = Problem::from(e);
            problem.field = Some("access_pin".into());
            let mut response = render(&public, &pre, &next, false, Some(&problem));
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            response
        }
    }
}

/// Signs out.
pub async fn sign_out(ctx: Ctx, body: Bytes) -> Response {
    if let Err(refused) = ctx.form(&body) {
        return *refused;
    }
    ctx.registry.sign_out(&ctx.cred);
    let mut response = Redirect::to("/console/signin").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", Some(0)));
    response
}
