//! Settings of the installation: the PIN policy (how long administrators' PINs must
//! be). Wrong PINs are slowed down per client whatever the policy (see docs/api.md).

use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::response::{IntoResponse, Redirect, Response};
use kkm_core::{ErrorCode, PinPolicy};
use maud::html;

use super::tryr;
use crate::console::context::Ctx;
use crate::console::form::{Form, Problem};
use crate::console::i18n::M;
use crate::console::layout::{self, csrf_field, Extra, FieldCtx, Section};

fn render(ctx: &Ctx, value: &str, problem: Option<&Problem>, saved: bool) -> Response {
    let f = FieldCtx {
        lang: ctx.lang,
        problem,
    };
    let body = html! {
        @if saved { (layout::done(ctx.t(M::Saved))) }
        @if let Some(p) = f.unplaced(&["admin_pin_min_length"]) { (layout::problem_box(ctx.lang, p)) }
        form.card.narrow method="post" action="/console/settings" {
            (csrf_field(&ctx.csrf))
            h2 { (ctx.t(M::PinPolicy)) }
            p { (ctx.t(M::PinPolicyIntro)) }
            (f.input(ctx.t(M::AdminPinMinLength), "admin_pin_min_length", "number", value,
                Extra::required().mode("numeric").hint(ctx.t(M::AdminPinMinLengthHint))))
            p.hint { (ctx.t(M::ThrottleExplained)) }
            button.primary type="submit" { (ctx.t(M::Save)) }
        }
    };
    layout::page(ctx, Section::Settings, ctx.t(M::NavSettings), body)
}

/// The settings page.
pub async fn page(ctx: Ctx, RawQuery(query): RawQuery) -> Response {
    let policy = tryr!(ctx, ctx.registry.pin_policy(&ctx.cred));
    let saved = Form::query(query.as_deref()).get("done") == "saved";
    render(&ctx, &policy.admin_min_length.to_string(), None, saved)
}

/// Saves the PIN policy (the range is `kkm-core`'s rule: 2 outside it).
pub async fn save(ctx: Ctx, body: Bytes) -> Response {
    let form = match ctx.form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let text = form.get("admin_pin_min_length");
    let outcome = match text.parse::<usize>() {
        Ok(n) => ctx
            .registry
            .set_pin_policy(
                &ctx.cred,
                PinPolicy {
                    admin_min_length: n,
                },
            )
            .await
            .map_err(Problem::from),
        Err(e) => Err(Problem::new(
            ErrorCode::InvalidFields,
            format!("admin_pin_min_length: {e}"),
        )),
    };
    match outcome {
        Ok(_) => Redirect::to("/console/settings?done=saved").into_response(),
        Err(p) => layout::unprocessable(render(&ctx, text, Some(&p), false)),
    }
}
