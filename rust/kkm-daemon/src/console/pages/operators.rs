//! «Операторы ККМ»: the list, a new operator, edits (name, role, PIN, bindings), and
//! deletion (never the last administrator: the register refuses with 16).

use axum::body::Bytes;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use kkm_core::{Action, ErrorCode, Role};
use kkm_register::api::{DeleteOperatorRequest, KkmOperatorObject, SaveOperatorRequest};
use maud::html;
use serde_json::{json, Value};

use super::tryr;
use crate::console::context::Ctx;
use crate::console::form::{number, submit, Form, Json, Problem};
use crate::console::i18n::M;
use crate::console::layout::{self, csrf_field, post_button, role_name, Extra, FieldCtx, Section};

const FIELDS: [&str; 4] = ["name", "role", "access_pin", "bindings"];

/// The operators.
pub async fn list(ctx: Ctx) -> Response {
    let operators = tryr!(ctx, ctx.registry.operator_list(&ctx.cred).await);
    let body = html! {
        p.actions { a.button href="/console/operators/new" { (ctx.t(M::AddOperator)) } }
        table.data #operators {
            caption { (ctx.t(M::OperatorsCaption)) }
            (layout::head(&["ID", ctx.t(M::OperatorName), ctx.t(M::Role), ctx.t(M::Bindings), ctx.t(M::Actions)]))
            tbody {
                @for o in &operators {
                    @let id = o.id.unwrap_or(0);
                    tr {
                        th scope="row" { (id) }
                        td { (o.name) }
                        td { (role_name(ctx.lang, o.role)) }
                        td { @if o.role == Role::Administrator { (ctx.t(M::AllKkms)) } @else if o.bindings.is_empty() { "—" } @else { (o.bindings.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) } }
                        td {
                            a href=(format!("/console/operator/{id}")) { (ctx.t(M::Edit)) span.sr { " " (o.name) } }
                            " "
                            a href=(format!("/console/operator/{id}/delete")) { (ctx.t(M::Delete)) span.sr { " " (o.name) } }
                        }
                    }
                }
            }
        }
    };
    layout::page(&ctx, Section::Operators, ctx.t(M::NavOperators), body)
}

fn values_of(o: &KkmOperatorObject) -> Form {
    let mut f = Form::default()
        .with("name", o.name.clone())
        .with("role", o.role.code().to_string());
    for b in &o.bindings {
        f = f.with("bindings", b.to_string());
    }
    f
}

async fn form_page(
    ctx: &Ctx,
    id: Option<i64>,
    values: &Form,
    problem: Option<&Problem>,
) -> Response {
    let kkms = tryr!(ctx, ctx.registry.overview(&ctx.cred));
    let f = FieldCtx {
        lang: ctx.lang,
        problem,
    };
    let roles: Vec<(String, String)> = [Role::Cashier, Role::SeniorCashier, Role::Administrator]
        .into_iter()
        .map(|r| (r.code().to_string(), role_name(ctx.lang, r).to_owned()))
        .collect();
    let bound = values.all("bindings");
    let action = match id {
        Some(id) => format!("/console/operator/{id}"),
        None => "/console/operators/new".to_owned(),
    };
    let body = html! {
        p { a href="/console/operators" { (ctx.t(M::BackToOperators)) } }
        @if let Some(p) = f.unplaced(&FIELDS) { (layout::problem_box(ctx.lang, p)) }
        form.card method="post" action=(action) {
            (csrf_field(&ctx.csrf))
            (f.input(ctx.t(M::OperatorName), "name", "text", values.get("name"), Extra::required()))
            (f.select(ctx.t(M::Role), "role", &roles, values.get("role")))
            (f.input(ctx.t(M::Pin), "access_pin", "password", "", Extra::required().mode("numeric").autocomplete("new-password")
                .hint(ctx.t(if id.is_some() { M::PinEditHint } else { M::PinNewHint }))))
            fieldset {
                legend { (ctx.t(M::AvailableKkms)) }
                p.hint { (ctx.t(M::BindingsHint)) }
                @for k in &kkms {
                    (f.checkbox(&format!("{} (ID {})", k.name.as_deref().unwrap_or(ctx.t(M::Kkm)), k.kkm_id),
                        "bindings", &k.kkm_id.to_string(), bound.contains(&k.kkm_id.to_string().as_str())))
                }
            }
            button.primary type="submit" { (ctx.t(M::Save)) }
        }
    };
    let title = match id {
        Some(id) => ctx.tf(M::OperatorOf, &[&id]),
        None => ctx.t(M::AddOperator).to_owned(),
    };
    layout::page(ctx, Section::Operators, &title, body)
}

/// A new operator.
pub async fn new_form(ctx: Ctx) -> Response {
    tryr!(ctx, ctx.may(Action::ManageOperators, None));
    form_page(&ctx, None, &Form::default().with("role", "3"), None).await
}

/// An operator's form.
pub async fn edit_form(ctx: Ctx, Path(id): Path<i64>) -> Response {
    let operators = tryr!(ctx, ctx.registry.operator_list(&ctx.cred).await);
    let Some(o) = operators.iter().find(|o| o.id == Some(id)) else {
        return layout::refusal(
            &ctx,
            &Problem::new(
                ErrorCode::InvalidOperatorCode,
                format!("operator {id} does not exist"),
            ),
        );
    };
    form_page(&ctx, Some(id), &values_of(o), None).await
}

async fn save(ctx: Ctx, id: Option<i64>, body: Bytes) -> Response {
    let form = match ctx.form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let bindings: Vec<Value> = form.all("bindings").into_iter().map(number).collect();
    let mut json = Json::new()
        .set("name", Value::String(form.get("name").to_owned()))
        .number("role", form.get("role"))
        .set(
            "access_pin",
            Value::String(form.raw("access_pin").unwrap_or_default().to_owned()),
        )
        .set("bindings", Value::Array(bindings));
    if let Some(id) = id {
        json = json.set("id", json!(id));
    }
    let request = json.decode::<SaveOperatorRequest>();
    let outcome = submit(request, |r| ctx.registry.save_operator(&ctx.cred, r)).await;
    match outcome {
        Ok(_) => Redirect::to("/console/operators").into_response(),
        Err(mut p) => {
            if p.field.is_none()
                && matches!(
                    p.code,
                    ErrorCode::AccessCodeIncorrect | ErrorCode::AccessCodeAlreadyUsed
                )
            {
                p.field = Some("access_pin".into());
            }
            layout::unprocessable(form_page(&ctx, id, &form, Some(&p)).await)
        }
    }
}

/// Creates an operator (SaveOperator without `id`).
pub async fn save_new(ctx: Ctx, body: Bytes) -> Response {
    save(ctx, None, body).await
}

/// Saves an operator (SaveOperator with its `id`).
pub async fn save_edit(ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    save(ctx, Some(id), body).await
}

/// Deletion, confirmed.
pub async fn delete_form(ctx: Ctx, Path(id): Path<i64>) -> Response {
    let operators = tryr!(ctx, ctx.registry.operator_list(&ctx.cred).await);
    let name = operators
        .iter()
        .find(|o| o.id == Some(id))
        .map_or_else(|| format!("#{id}"), |o| o.name.clone());
    let body = html! {
        p.notice.warn { (ctx.tf(M::DeleteOperatorWarning, &[&name])) }
        (post_button(&ctx.csrf, &format!("/console/operator/{id}/delete"), ctx.t(M::DeleteOperatorConfirm), &[], "danger"))
        p { a href="/console/operators" { (ctx.t(M::Cancel)) } }
    };
    layout::page(
        &ctx,
        Section::Operators,
        &ctx.tf(M::DeleteOperatorOf, &[&name]),
        body,
    )
}

/// DeleteOperator.
pub async fn delete(ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    if let Err(r) = ctx.form(&body) {
        return *r;
    }
    tryr!(
        ctx,
        ctx.registry
            .delete_operator(&ctx.cred, DeleteOperatorRequest { id })
            .await
    );
    Redirect::to("/console/operators").into_response()
}
