//! «Мой ПИН-код»: an operator sets a PIN of their own. After a sign-in with the default
//! PIN 0000 this is the only page the session opens (the register refuses everything
//! else for it: `Session::must_change_pin`), and it asks for the new PIN only; otherwise
//! it asks for the current PIN as well.

use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::response::{IntoResponse, Redirect, Response};
use kkm_core::ErrorCode;
use kkm_register::Credential;
use maud::html;

use crate::console::context::{safe_next, Ctx};
use crate::console::form::{Form, Problem};
use crate::console::i18n::M;
use crate::console::layout::{self, csrf_field, Extra, FieldCtx, Section};

/// The page's address.
pub const PATH: &str = "/console/pin";

fn render(ctx: &Ctx, next: &str, problem: Option<&Problem>) -> Response {
    let forced = ctx.must_change_pin;
    let f = FieldCtx {
        lang: ctx.lang,
        problem,
    };
    let body = html! {
        @if forced {
            p.notice.warn role="alert" { (ctx.t(M::DefaultPinIntro)) }
        } @else {
            p { (ctx.t(M::OwnPinIntro)) }
        }
        @if let Some(p) = f.unplaced(&["current_pin", "access_pin", "repeat_pin"]) {
            (layout::problem_box(ctx.lang, p))
        }
        form.card.narrow method="post" action=(PATH) {
            (csrf_field(&ctx.csrf))
            input type="hidden" name="next" value=(next);
            @if !forced {
                (f.input(ctx.t(M::CurrentPin), "current_pin", "password", "",
                    Extra::required().mode("numeric").autocomplete("current-password")))
            }
            (f.input(ctx.t(M::NewPin), "access_pin", "password", "",
                Extra::required().mode("numeric").autocomplete("new-password")))
            (f.input(ctx.t(M::NewPinRepeat), "repeat_pin", "password", "",
                Extra::required().mode("numeric").autocomplete("new-password")))
            button.primary type="submit" { (ctx.t(M::Save)) }
        }
    };
    layout::page(ctx, Section::Other, ctx.t(M::OwnPin), body)
}

/// The form.
pub async fn form(ctx: Ctx, RawQuery(query): RawQuery) -> Response {
    let q = Form::query(query.as_deref());
    let next = safe_next(q.opt("next"));
    render(&ctx, &next, None)
}

/// Sets the PIN through the register (its rules: length, policy, not 0000, unique),
/// then goes on to where the operator was going.
pub async fn submit(ctx: Ctx, body: Bytes) -> Response {
    let form = match ctx.form(&body) {
        Ok(form) => form,
        Err(refused) => return *refused,
    };
    let next = safe_next(form.opt("next"));
    let new_pin = form.raw("access_pin").unwrap_or_default();
    if new_pin != form.raw("repeat_pin").unwrap_or_default() {
        let mut problem = Problem::new(ErrorCode::AccessCodeIncorrect, ctx.t(M::PinsDiffer));
        problem.field = Some("repeat_pin".into());
        return layout::unprocessable(render(&ctx, &next, Some(&problem)));
    }
    // The forced change needs no current PIN (the session was opened with 0000 a
    // moment ago); any other change is made with the current PIN itself.
    let credential = if ctx.must_change_pin {
        ctx.cred.clone()
    } else {
        Credential::pin(form.raw("current_pin").unwrap_or_default()).from_client(ctx.cred.client())
    };
    match ctx.registry.change_own_pin(&credential, new_pin).await {
        Ok(()) => {
            let sep = if next.contains('?') { '&' } else { '?' };
            Redirect::to(&format!("{next}{sep}notice=pin-changed")).into_response()
        }
        Err(e) => {
            let mut problem = Problem::from(e);
            if problem.field.is_none() {
                problem.field = Some(
                    if problem.code == ErrorCode::InvalidAccessCode && !ctx.must_change_pin {
                        "current_pin"
                    } else {
                        "access_pin"
                    }
                    .into(),
                );
            }
            layout::unprocessable(render(&ctx, &next, Some(&problem)))
        }
    }
}
