//! «Кассы»: the list, a new KKM (its factory number from GetVendorId, per OFD), an
//! existing one added, its card with the registration data, settings, token change,
//! deletion (with the API's rules) and unblocking.

use axum::body::Bytes;
use axum::extract::Path;
use axum::response::{IntoResponse, Redirect, Response};
use kkm_core::{Action, Operation};
use kkm_register::api::{
    BlockResolution, DeleteKkmRequest, GetKkmBlockRequest, GetKkmListRequest, GetVendorIdRequest,
    KkmObject, ResolveKkmBlockRequest, SaveKkmRequest,
};
use kkm_register::{KkmOverview, KkmState};
use maud::{html, Markup};

use super::kkm_forms::{self, Mode};
use super::overview::state_badge;
use super::tryr;
use crate::console::context::Ctx;
use crate::console::form::{number, submit, Form, Json, Problem};
use crate::console::format::{datetime, money};
use crate::console::i18n::M;
use crate::console::layout::{self, csrf_field, post_button, Extra, FieldCtx, Section};
use crate::console::pages::journal::kind_name;

/// The list of KKMs.
pub async fn list(ctx: Ctx) -> Response {
    let kkms = tryr!(ctx, ctx.registry.overview(&ctx.cred));
    let admin = ctx.can(Action::ManageKkm);
    let body = html! {
        @if admin {
            p.actions {
                a.button href="/console/kkms/new" { (ctx.t(M::CreateNewKkm)) }
                a.button href="/console/kkms/add" { (ctx.t(M::AddExistingKkm)) }
            }
        }
        table.data {
            caption { (ctx.t(M::KkmsCaption)) }
            (layout::head(&[ctx.t(M::SystemId), ctx.t(M::KkmName), ctx.t(M::OfdServer), ctx.t(M::ColState)]))
            tbody {
                @for k in &kkms {
                    tr {
                        th scope="row" { a href=(format!("/console/kkm/{}", k.kkm_id)) { (k.kkm_id) } }
                        td { (k.name.as_deref().unwrap_or("—")) }
                        td { (k.ofd_name) }
                        td { (state_badge(ctx.lang, k.state)) }
                    }
                }
            }
        }
    };
    layout::page(&ctx, Section::Kkms, ctx.t(M::NavKkms), body)
}

/// «Создать новую кассу»: choose the OFD, get a factory number.
pub async fn new_form(ctx: Ctx) -> Response {
    tryr!(ctx, ctx.may(Action::ManageKkm, None));
    let ofds = tryr!(ctx, ctx.registry.ofd_list(&ctx.cred).await);
    render_new(&ctx, &ofds, None, None)
}

fn render_new(
    ctx: &Ctx,
    ofds: &[kkm_register::api::OfdObject],
    issued: Option<(&str, &kkm_register::api::GetVendorIdResponse)>,
    problem: Option<&Problem>,
) -> Response {
    let f = FieldCtx {
        lang: ctx.lang,
        problem,
    };
    let options: Vec<(String, String)> = ofds
        .iter()
        .map(|o| (o.uid.clone(), o.name.clone()))
        .collect();
    let body = html! {
        @if let Some(p) = f.unplaced(&["ofd_uid"]) { (layout::problem_box(ctx.lang, p)) }
        @match issued {
            None => {
                p { (ctx.t(M::NewKkmIntro)) }
                form.card method="post" action="/console/kkms/new" {
                    (csrf_field(&ctx.csrf))
                    (f.select(ctx.t(M::OfdServer), "ofd_uid", &options, ""))
                    button.primary type="submit" { (ctx.t(M::GetVendorId)) }
                }
            }
            Some((uid, v)) => {
                div.card role="status" {
                    dl.facts {
                        dt { (ctx.t(M::OfdServer)) } dd { (ofds.iter().find(|o| o.uid == uid).map_or(uid, |o| o.name.as_str())) }
                        dt { (ctx.t(M::VendorId)) } dd #vendor-id { (v.vendor_id) }
                        dt { (ctx.t(M::ManufactureDate)) } dd { (v.manufacture_date.to_string().get(..10).unwrap_or("")) }
                    }
                    p { (ctx.t(M::VendorIdNext)) }
                    p { a.button href=(format!("/console/kkms/add?ofd_uid={uid}")) { (ctx.t(M::AddExistingKkm)) } }
                }
            }
        }
    };
    layout::page(ctx, Section::Kkms, ctx.t(M::CreateNewKkm), body)
}

/// Gets a factory number (GetVendorId) for the chosen OFD.
pub async fn new_vendor_id(ctx: Ctx, body: Bytes) -> Response {
    let form = match ctx.form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let ofds = tryr!(ctx, ctx.registry.ofd_list(&ctx.cred).await);
    let uid = form.get("ofd_uid").to_owned();
    let request = GetVendorIdRequest {
        ofd_uid: Some(uid.clone()).filter(|u| !u.is_empty()),
    };
    match ctx.registry.vendor_id(&ctx.cred, request).await {
        Ok(v) => render_new(&ctx, &ofds, Some((&uid, &v)), None),
        Err(e) => render_new(&ctx, &ofds, None, Some(&Problem::from(e))),
    }
}

/// «Добавить существующую кассу».
pub async fn add_form(
    ctx: Ctx,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    tryr!(ctx, ctx.may(Action::ManageKkm, None));
    let ofds = tryr!(ctx, ctx.registry.ofd_list(&ctx.cred).await);
    let values = Form::query(query.as_deref());
    let form = kkm_forms::render(&ctx, "/console/kkms/add", Mode::Add, &values, &ofds, None);
    layout::page(&ctx, Section::Kkms, ctx.t(M::AddExistingKkm), form)
}

/// Adds the KKM (SaveKKM): its registration data comes from the OFD.
pub async fn add(ctx: Ctx, body: Bytes) -> Response {
    let form = match ctx.form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let ofds = tryr!(ctx, ctx.registry.ofd_list(&ctx.cred).await);
    let request = kkm_forms::request_of(&form, Mode::Add, None);
    let outcome = submit(request, |r| ctx.registry.save_kkm(&ctx.cred, r)).await;
    match outcome {
        Ok(k) => Redirect::to(&format!("/console/kkm/{}?done=saved", k.ofd_id)).into_response(),
        Err(mut p) => {
            place(&mut p);
            let page =
                kkm_forms::render(&ctx, "/console/kkms/add", Mode::Add, &form, &ofds, Some(&p));
            layout::unprocessable(layout::page(
                &ctx,
                Section::Kkms,
                ctx.t(M::AddExistingKkm),
                page,
            ))
        }
    }
}

async fn kkm_object(ctx: &Ctx, id: i64) -> Result<KkmObject, Problem> {
    let list = ctx
        .registry
        .kkm_list(&ctx.cred, GetKkmListRequest { ofd_id: Some(id) })
        .await?;
    list.into_iter().next().ok_or_else(|| {
        Problem::new(
            kkm_core::ErrorCode::InvalidKkmOfdId,
            format!("KKM {id} is not registered here, or not yours to see"),
        )
    })
}

fn overview_of(ctx: &Ctx, id: i64) -> Option<KkmOverview> {
    ctx.registry
        .overview(&ctx.cred)
        .ok()?
        .into_iter()
        .find(|k| i64::from(k.kkm_id) == id)
}

fn opt(text: &Option<String>) -> &str {
    text.as_deref().filter(|t| !t.is_empty()).unwrap_or("—")
}

fn sums_table(ctx: &Ctx, caption: &str, sums: &kkm_register::api::NonNullableSums) -> Markup {
    html! {
        table.data.compact {
            caption { (caption) }
            tbody {
                @for op in Operation::REPORT_ORDER {
                    tr { th scope="row" { (super::journal::operation_name(ctx.lang, op)) } td.num { (money(sums.get(op))) } }
                }
            }
        }
    }
}

/// The KKM's card: state, registration data, counters, settings, actions.
pub async fn card(
    ctx: Ctx,
    Path(id): Path<i64>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let k = match kkm_object(&ctx, id).await {
        Ok(k) => k,
        Err(p) => return layout::refusal(&ctx, &p),
    };
    let overview = overview_of(&ctx, id);
    let q = Form::query(query.as_deref());
    let reg = k.reg_info.clone().unwrap_or_default();
    let kkm_reg = reg.kkm.clone().unwrap_or_default();
    let pos = reg.pos.clone().unwrap_or_default();
    let org = reg.org.clone().unwrap_or_default();
    let ofd_name = ctx
        .registry
        .ofd_list(&ctx.cred)
        .await
        .ok()
        .and_then(|l| l.into_iter().find(|o| Some(&o.uid) == k.ofd_uid.as_ref()))
        .map(|o| o.name)
        .unwrap_or_else(|| k.ofd_uid.clone().unwrap_or_default());
    let base = format!("/console/kkm/{id}");
    let admin = ctx.can(Action::ManageKkm);
    let title = match k.local_name.as_deref().filter(|n| !n.is_empty()) {
        Some(name) => format!("{name} · ID {id}"),
        None => format!("{} {id}", ctx.t(M::Kkm)),
    };
    let body = html! {
        @if q.get("done") == "saved" { (layout::done(ctx.t(M::Saved))) }
        @if let Some(n) = q.opt("sent") { (layout::done(&ctx.tf(M::UnblockedSent, &[&n]))) }
        nav.actions aria-label=(ctx.t(M::KkmActions)) {
            a.button href=(format!("{base}/shift")) { (ctx.t(M::ShiftAndReports)) }
            @if ctx.can(Action::ViewJournal) {
                a.button href=(format!("{base}/journal")) { (ctx.t(M::Journal)) }
            }
            @if admin {
                a.button href=(format!("{base}/catalogue")) { (ctx.t(M::Catalogue)) }
                a.button href=(format!("{base}/edit")) { (ctx.t(M::Settings)) }
                a.button href=(format!("{base}/token")) { (ctx.t(M::ChangeToken)) }
                @if overview.as_ref().is_some_and(|o| o.state == KkmState::Blocked) {
                    a.button.warn href=(format!("{base}/unblock")) { (ctx.t(M::Unblock)) }
                }
                a.button.danger href=(format!("{base}/delete")) { (ctx.t(M::DeleteKkm)) }
            }
        }
        @if let Some(o) = &overview {
            section.card {
                h2 { (ctx.t(M::CurrentState)) }
                p { (state_badge(ctx.lang, o.state)) @if let Some(p) = &o.problem { " " (p) } }
                dl.facts {
                    dt { (ctx.t(M::ShiftStatus)) }
                    dd { (if o.shift_opened_at.is_some() { ctx.t(M::ShiftOpen) } else { ctx.t(M::ShiftClosed) }) }
                    dt { (ctx.t(M::ShiftNumber)) } dd { @if o.shift_number == 0 { "—" } @else { (o.shift_number) } }
                    dt { (ctx.t(M::Cash)) } dd { (money(o.cash)) }
                    dt { (ctx.t(M::Revenue)) } dd { (money(o.revenue)) }
                    dt { (ctx.t(M::ColQueue)) } dd { (o.queue_len) }
                    @if let Some(d) = &o.last_document {
                        dt { (ctx.t(M::ColLastDocument)) }
                        dd { a href=(format!("{base}/doc/{}", d.id)) { (kind_name(ctx.lang, d.kind)) " · " (datetime(d.at)) } }
                    }
                }
            }
        }
        div.columns {
            section.card {
                h2 { (ctx.t(M::KkmData)) }
                dl.facts {
                    dt { (ctx.t(M::VendorId)) } dd #znm { (opt(&k.vendor_id)) }
                    dt { (ctx.t(M::ManufactureDate)) } dd { (k.manufacture_date.map(|d| d.to_string()).and_then(|d| d.get(..10).map(str::to_owned)).unwrap_or_default()) }
                    dt { (ctx.t(M::OfdServer)) } dd { (ofd_name) }
                    dt { (ctx.t(M::Rnm)) } dd #rnm { (opt(&kkm_reg.fns_kkm_id)) }
                    dt { (ctx.t(M::SystemId)) } dd { (k.ofd_id) }
                }
            }
            section.card {
                h2 { (ctx.t(M::PointOfSale)) }
                dl.facts {
                    dt { (ctx.t(M::Title)) } dd { (opt(&pos.title)) }
                    dt { (ctx.t(M::Address)) } dd { (opt(&pos.address)) }
                }
                h2 { (ctx.t(M::Organisation)) }
                dl.facts {
                    dt { (ctx.t(M::Title)) } dd #org { (opt(&org.title)) }
                    dt { (ctx.t(M::Iin)) } dd { (opt(&org.inn)) }
                    dt { (ctx.t(M::Address)) } dd { (opt(&org.address)) }
                }
            }
        }
        div.columns {
            @if let Some(s) = &k.non_nullable_sums { (sums_table(&ctx, ctx.t(M::NonNullableSums), s)) }
            @if let Some(s) = &k.start_shift_non_nullable_sums { (sums_table(&ctx, ctx.t(M::StartShiftSums), s)) }
        }
        section.card {
            h2 { (ctx.t(M::KkmSettings)) }
            dl.facts {
                dt { (ctx.t(M::AutoWithdraw)) } dd { (yes_no(&ctx, k.auto_withdraw_money == Some(true))) }
                dt { (ctx.t(M::VatCertificate)) }
                dd { @match &k.vat_certificate {
                    Some(v) if v.series.is_some() || v.number.is_some() => { (opt(&v.series)) " № " (opt(&v.number)) }
                    _ => "—",
                } }
                dt { (ctx.t(M::Printer)) } dd { (k.printer.as_ref().map_or("—".to_owned(), |p| p.name.clone())) }
                dt { (ctx.t(M::SoftwareVpn)) } dd { (yes_no(&ctx, k.use_software_vpn == Some(true))) }
                dt { (ctx.t(M::TokenState)) } dd { (if k.is_invalid_token == Some(true) { ctx.t(M::StateInvalidToken) } else { ctx.t(M::TokenOk) }) }
            }
        }
    };
    layout::page(&ctx, Section::Kkms, &title, body)
}

/// The field a SaveKKM refusal concerns when its message names none: a refused token
/// (42) is the token's, a KKM id the OFD does not know (61, 17) the id's.
fn place(p: &mut Problem) {
    use kkm_core::ErrorCode as E;
    if p.field.is_none() {
        p.field = match p.code {
            E::InvalidKkmToken => Some("ofd_token".into()),
            E::InvalidKkmOfdId | E::InvalidKkmCredentials | E::KkmOfdIdIsAlreadyInUse => {
                Some("ofd_id".into())
            }
            _ => None,
        };
    }
}

fn yes_no(ctx: &Ctx, b: bool) -> &'static str {
    ctx.t(if b { M::Yes } else { M::No })
}

/// «Настройки» of a KKM.
pub async fn edit_form(ctx: Ctx, Path(id): Path<i64>) -> Response {
    tryr!(ctx, ctx.may(Action::ManageKkm, Some(id)));
    let k = match kkm_object(&ctx, id).await {
        Ok(k) => k,
        Err(p) => return layout::refusal(&ctx, &p),
    };
    let ofds = tryr!(ctx, ctx.registry.ofd_list(&ctx.cred).await);
    let form = kkm_forms::render(
        &ctx,
        &format!("/console/kkm/{id}/edit"),
        Mode::Edit,
        &kkm_forms::values_of(&k),
        &ofds,
        None,
    );
    layout::page(&ctx, Section::Kkms, &ctx.tf(M::KkmSettingsOf, &[&id]), form)
}

/// Saves the settings (SaveKKM without a token).
pub async fn edit(ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    let form = match ctx.form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let request = kkm_forms::request_of(&form, Mode::Edit, Some(id));
    let outcome = submit(request, |r| ctx.registry.save_kkm(&ctx.cred, r)).await;
    match outcome {
        Ok(_) => Redirect::to(&format!("/console/kkm/{id}?done=saved")).into_response(),
        Err(p) => {
            let ofds = ctx.registry.ofd_list(&ctx.cred).await.unwrap_or_default();
            let page = kkm_forms::render(
                &ctx,
                &format!("/console/kkm/{id}/edit"),
                Mode::Edit,
                &form,
                &ofds,
                Some(&p),
            );
            layout::unprocessable(layout::page(
                &ctx,
                Section::Kkms,
                &ctx.tf(M::KkmSettingsOf, &[&id]),
                page,
            ))
        }
    }
}

fn token_page(ctx: &Ctx, id: i64, problem: Option<&Problem>) -> Response {
    let f = FieldCtx {
        lang: ctx.lang,
        problem,
    };
    let body = html! {
        @if let Some(p) = f.unplaced(&["ofd_token"]) { (layout::problem_box(ctx.lang, p)) }
        p { (ctx.t(M::ChangeTokenIntro)) }
        form.card.narrow method="post" action=(format!("/console/kkm/{id}/token")) {
            (csrf_field(&ctx.csrf))
            (f.input(ctx.t(M::NewToken), "ofd_token", "text", "", Extra::required().mode("numeric").autocomplete("off")))
            button.primary type="submit" { (ctx.t(M::Save)) }
        }
    };
    layout::page(ctx, Section::Kkms, &ctx.tf(M::ChangeTokenOf, &[&id]), body)
}

/// «Смена токена».
pub async fn token_form(ctx: Ctx, Path(id): Path<i64>) -> Response {
    tryr!(ctx, ctx.may(Action::ManageKkm, Some(id)));
    token_page(&ctx, id, None)
}

/// Changes the token (SaveKKM with `ofd_token`: the OFD must accept it, else 42 and
/// nothing changes).
pub async fn token(ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    let form = match ctx.form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let request = Json::new()
        .set("ofd_id", serde_json::json!(id))
        .set("ofd_token", number(form.get("ofd_token")))
        .decode::<SaveKkmRequest>();
    let request = request.and_then(|r| match r.new_token() {
        Some(_) => Ok(r),
        None => Err(Problem::new(
            kkm_core::ErrorCode::InvalidKkmToken,
            "ofd_token: enter the new token the OFD gave",
        )),
    });
    let outcome = submit(request, |r| ctx.registry.save_kkm(&ctx.cred, r)).await;
    match outcome {
        Ok(_) => Redirect::to(&format!("/console/kkm/{id}?done=saved")).into_response(),
        Err(mut p) => {
            if p.field.is_none() {
                p.field = Some("ofd_token".into());
            }
            layout::unprocessable(token_page(&ctx, id, Some(&p)))
        }
    }
}

/// Deletion, confirmed.
pub async fn delete_form(ctx: Ctx, Path(id): Path<i64>) -> Response {
    tryr!(ctx, ctx.may(Action::DeleteKkm, Some(id)));
    let body = html! {
        p.notice.warn { (ctx.t(M::DeleteKkmWarning)) }
        (post_button(&ctx.csrf, &format!("/console/kkm/{id}/delete"), ctx.t(M::DeleteKkmConfirm), &[], "danger"))
        p { a href=(format!("/console/kkm/{id}")) { (ctx.t(M::Cancel)) } }
    };
    layout::page(&ctx, Section::Kkms, &ctx.tf(M::DeleteKkmOf, &[&id]), body)
}

/// DeleteKKM (the queue must be empty, 67; the shift closed, 76).
pub async fn delete(ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    if let Err(r) = ctx.form(&body) {
        return *r;
    }
    tryr!(
        ctx,
        ctx.registry
            .delete_kkm(&ctx.cred, DeleteKkmRequest { ofd_id: id })
            .await
    );
    Redirect::to("/console/kkms").into_response()
}

/// What blocks the KKM (GetKKMBlock): the refused document and the OFD's answer;
/// resend or set aside (ResolveKKMBlock), with the API's rules.
pub async fn unblock_form(ctx: Ctx, Path(id): Path<i64>) -> Response {
    let block = tryr!(
        ctx,
        ctx.registry
            .kkm_block(&ctx.cred, GetKkmBlockRequest { kkm_ofd_id: id })
            .await
    );
    let document = match &block.document {
        Some(d) => Some(tryr!(ctx, ctx.registry.document_line(&ctx.cred, id, d.id))),
        None => None,
    };
    let base = format!("/console/kkm/{id}");
    let body = if !block.is_blocked {
        html! {
            (layout::done(ctx.t(M::NotBlocked)))
            p { a href=(base) { (ctx.t(M::BackToKkm)) } }
        }
    } else {
        html! {
            section.card {
                h2 { (ctx.t(M::OfdRefusal)) }
                dl.facts {
                    dt { (ctx.t(M::OfdResultCode)) } dd #ofd-code { (block.ofd_code.unwrap_or_default()) }
                    dt { (ctx.t(M::OfdResultText)) } dd #ofd-text { (block.ofd_text.clone().unwrap_or_default()) }
                    dt { (ctx.t(M::ColQueue)) } dd { (block.queue_length) }
                }
            }
            @if let Some(doc) = &document {
                section.card {
                    h2 { (ctx.t(M::RefusedDocument)) }
                    p {
                        a href=(format!("{base}/doc/{}", doc.id)) { (kind_name(ctx.lang, doc.kind)) " № " (doc.shift_document) }
                        " · " (datetime(doc.at)) " · " (money(doc.total))
                    }
                    img.receipt src=(format!("{base}/doc/{}/image", doc.id)) alt=(ctx.t(M::ReceiptImage));
                }
            }
            section.card {
                h2 { (ctx.t(M::WhatToDo)) }
                p { (ctx.t(M::ResendExplained)) }
                (post_button(&ctx.csrf, &format!("{base}/unblock"), ctx.t(M::Resend), &[("action", "resend")], "primary"))
                p { (ctx.t(M::SetAsideExplained)) }
                (post_button(&ctx.csrf, &format!("{base}/unblock"), ctx.t(M::SetAside), &[("action", "drop")], "danger"))
            }
        }
    };
    layout::page(&ctx, Section::Kkms, &ctx.tf(M::UnblockOf, &[&id]), body)
}

/// Resolves the block (ResolveKKMBlock: administrators).
pub async fn unblock(ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    let form = match ctx.form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let action = if form.get("action") == "drop" {
        BlockResolution::SetAside
    } else {
        BlockResolution::Resend
    };
    let request = ResolveKkmBlockRequest {
        kkm_ofd_id: id,
        action,
    };
    let done = tryr!(
        ctx,
        ctx.registry.resolve_kkm_block(&ctx.cred, request).await
    );
    Redirect::to(&format!("/console/kkm/{id}?sent={}", done.sent)).into_response()
}
