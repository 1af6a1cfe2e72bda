//! Shift and reports: the shift's state, the X-report (view and print: its image), the
//! Z-report (after a confirmation), cash in and out.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Redirect, Response};
use kkm_core::{Action, MoneyPlacementKind, Operation, ZxReport};
use kkm_register::api::{
    CommandType, GetTransactionRequest, MoneyPlacementRequest, TransactionBody, ZxReportRequest,
};
use kkm_register::DocumentKind;
use maud::{html, Markup};
use serde_json::json;

use super::overview::state_badge;
use super::tryr;
use crate::console::context::Ctx;
use crate::console::form::{submit, Form, Json, Problem};
use crate::console::format::{datetime, duration, money};
use crate::console::i18n::M;
use crate::console::layout::{self, csrf_field, post_button, Extra, FieldCtx, Section};

fn random_key() -> String {
    let mut bytes = [0u8; 12];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn shift_page(
    ctx: &Ctx,
    id: i64,
    notice: Option<Markup>,
    problem: Option<&Problem>,
    values: &Form,
) -> Response {
    let overview = tryr!(ctx, ctx.registry.overview(&ctx.cred));
    let Some(k) = overview.into_iter().find(|k| i64::from(k.kkm_id) == id) else {
        return layout::refusal(
            ctx,
            &Problem::new(
                kkm_core::ErrorCode::InvalidKkmOfdId,
                format!("KKM {id} is not registered here, or not yours to see"),
            ),
        );
    };
    let base = format!("/console/kkm/{id}");
    let f = FieldCtx {
        lang: ctx.lang,
        problem,
    };
    let kinds: Vec<(String, String)> = vec![
        ("0".into(), ctx.t(M::CashIn).into()),
        ("1".into(), ctx.t(M::CashOut).into()),
    ];
    let body = html! {
        @if let Some(n) = notice { (n) }
        p { a href=(base) { (ctx.t(M::BackToKkm)) } }
        section.card {
            h2 { (ctx.t(M::CurrentState)) }
            p { (state_badge(ctx.lang, k.state)) @if let Some(p) = &k.problem { " " (p) } }
            dl.facts {
                dt { (ctx.t(M::ShiftStatus)) }
                dd #shift-state { (if k.shift_opened_at.is_some() { ctx.t(M::ShiftOpen) } else { ctx.t(M::ShiftClosed) }) }
                dt { (ctx.t(M::ShiftNumber)) } dd { @if k.shift_number == 0 { "—" } @else { (k.shift_number) } }
                @if let (Some(at), Some(left)) = (k.shift_opened_at, k.shift_secs_left) {
                    dt { (ctx.t(M::ShiftOpenedAt)) } dd { (datetime(at)) }
                    dt { (ctx.t(M::ShiftTimeLeft)) } dd { (duration(ctx.lang, left)) }
                }
                dt { (ctx.t(M::Cash)) } dd #cash { (money(k.cash)) }
                dt { (ctx.t(M::Revenue)) } dd { (money(k.revenue)) }
            }
        }
        div.columns {
            section.card {
                h2 { (ctx.t(M::Reports)) }
                (post_button(&ctx.csrf, &format!("{base}/x"), ctx.t(M::TakeXReport), &[], "primary"))
                p { a.button.danger href=(format!("{base}/z")) { (ctx.t(M::TakeZReport)) } }
            }
            section.card {
                h2 { (ctx.t(M::CashInOut)) }
                @if let Some(p) = f.unplaced(&["operation", "sum"]) { (layout::problem_box(ctx.lang, p)) }
                form method="post" action=(format!("{base}/cash")) {
                    (csrf_field(&ctx.csrf))
                    input type="hidden" name="idempotency_key" value=(random_key());
                    (f.select(ctx.t(M::Operation), "operation", &kinds, values.get("operation")))
                    (f.input(ctx.t(M::SumTenge), "sum", "text", values.get("sum"), Extra::required().mode("decimal")))
                    button.primary type="submit" { (ctx.t(M::Record)) }
                }
            }
        }
    };
    layout::page(ctx, Section::Kkms, &ctx.tf(M::ShiftOf, &[&id]), body)
}

/// The shift page.
pub async fn page(ctx: Ctx, Path(id): Path<i64>, RawQuery(query): RawQuery) -> Response {
    let q = Form::query(query.as_deref());
    let notice = q.opt("done").map(|d| {
        let text = match d {
            "cash" => ctx.t(M::CashRecorded),
            _ => ctx.t(M::Saved),
        };
        match q.opt("doc").and_then(|d| d.parse::<i64>().ok()) {
            Some(doc) => html! {
                p.notice.good role="status" { (text) " " a href=(format!("/console/kkm/{id}/doc/{doc}")) { (ctx.t(M::OpenDocument)) } }
            },
            None => layout::done(text),
        }
    });
    shift_page(&ctx, id, notice, None, &Form::default())
}

fn report_table(ctx: &Ctx, r: &ZxReport) -> Markup {
    let ops = |op: Operation| {
        r.ticket_operations
            .iter()
            .find(|t| t.operation == op)
            .map_or((0, kkm_core::Money::ZERO), |t| {
                (t.tickets_count, t.tickets_sum)
            })
    };
    html! {
        dl.facts {
            dt { (ctx.t(M::ShiftNumber)) } dd { (r.shift_number) }
            dt { (ctx.t(M::ShiftOpenedAt)) } dd { (datetime(r.open_shift_time)) }
            @if let Some(closed) = r.close_shift_time { dt { (ctx.t(M::ShiftClosedAt)) } dd { (datetime(closed)) } }
            dt { (ctx.t(M::Cash)) } dd #report-cash { (money(r.cash_sum)) }
            dt { (ctx.t(M::Revenue)) } dd { @if r.revenue.is_negative { "−" } (money(r.revenue.sum)) }
        }
        table.data.compact {
            caption { (ctx.t(M::ReceiptsInShift)) }
            (layout::head(&[ctx.t(M::Operation), ctx.t(M::Count), ctx.t(M::Sum)]))
            tbody {
                @for op in Operation::REPORT_ORDER {
                    @let (count, sum) = ops(op);
                    tr { th scope="row" { (super::journal::operation_name(ctx.lang, op)) } td.num { (count) } td.num { (money(sum)) } }
                }
                @for p in &r.money_placements {
                    tr {
                        th scope="row" { (ctx.t(if p.operation == MoneyPlacementKind::Deposit { M::CashIn } else { M::CashOut })) }
                        td.num { (p.operations_count) } td.num { (money(p.operations_sum)) }
                    }
                }
            }
        }
    }
}

/// A report of the journal (`doc`): its figures and its image, to print. X and Z
/// redirect here after they are taken, so a reload never takes one again.
pub async fn report(ctx: Ctx, Path((id, doc)): Path<(i64, i64)>) -> Response {
    let request = GetTransactionRequest {
        kkm_ofd_id: id,
        transaction_id: doc,
    };
    let transaction = tryr!(ctx, ctx.registry.transaction(&ctx.cred, request).await);
    let TransactionBody::Report(report) = transaction.body else {
        return Redirect::to(&format!("/console/kkm/{id}/doc/{doc}")).into_response();
    };
    let base = format!("/console/kkm/{id}");
    let title = ctx.tf(
        if transaction.command == CommandType::CloseShift {
            M::ZReportOf
        } else {
            M::XReportOf
        },
        &[&report.shift_number],
    );
    let body = html! {
        p.noprint { a href=(format!("{base}/shift")) { (ctx.t(M::BackToShift)) } }
        div.columns {
            section.card.noprint { (report_table(&ctx, &report)) }
            section.card {
                h2.noprint { (ctx.t(M::DocumentImage)) }
                img.receipt src=(format!("{base}/doc/{doc}/image")) alt=(title);
                p.noprint { button type="button" data-print="" { (ctx.t(M::Print)) } }
            }
        }
    };
    layout::page(&ctx, Section::Kkms, &title, body)
}

/// Takes an X or Z report (ZXReport, `code` 1 or 0) and goes to its page.
async fn zx(ctx: &Ctx, id: i64, code: i64, kind: DocumentKind) -> Response {
    let request: Result<ZxReportRequest, Problem> = Json::new()
        .set("kkm_ofd_id", json!(id))
        .set("report_type", json!(code))
        .decode();
    if let Err(p) = submit(request, |r| ctx.registry.zx_report(&ctx.cred, r)).await {
        return layout::refusal(ctx, &p);
    }
    match ctx.registry.last_document_of(&ctx.cred, id, kind) {
        Ok(Some(d)) => Redirect::to(&format!("/console/kkm/{id}/report/{}", d.id)).into_response(),
        Ok(None) => Redirect::to(&format!("/console/kkm/{id}/shift")).into_response(),
        Err(e) => layout::refusal(ctx, &Problem::from(e)),
    }
}

/// Takes an X-report.
pub async fn x_report(ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    if let Err(r) = ctx.form(&body) {
        return *r;
    }
    zx(&ctx, id, 1, DocumentKind::XReport).await
}

/// The Z-report's confirmation.
pub async fn z_confirm(ctx: Ctx, Path(id): Path<i64>) -> Response {
    tryr!(ctx, ctx.may(Action::ZReport, Some(id)));
    let body = html! {
        p.notice.warn { (ctx.t(M::ZReportWarning)) }
        (post_button(&ctx.csrf, &format!("/console/kkm/{id}/z"), ctx.t(M::CloseShiftConfirm), &[], "danger"))
        p { a href=(format!("/console/kkm/{id}/shift")) { (ctx.t(M::Cancel)) } }
    };
    layout::page(&ctx, Section::Kkms, &ctx.tf(M::CloseShiftOf, &[&id]), body)
}

/// Takes the Z-report (closes the shift) and shows it.
pub async fn z_report(ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    if let Err(r) = ctx.form(&body) {
        return *r;
    }
    zx(&ctx, id, 0, DocumentKind::ZReport).await
}

/// Cash in or out (MoneyPlacement, idempotent by the form's key: a double submit makes
/// one document).
pub async fn cash(ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    let form = match ctx.form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let request = Json::new()
        .set("kkm_ofd_id", json!(id))
        .number("operation", form.get("operation"))
        .number("sum", form.get("sum"))
        .decode::<MoneyPlacementRequest>();
    let key = form.opt("idempotency_key").map(str::to_owned);
    let outcome = submit(request, |r| ctx.registry.money_placement(&ctx.cred, r, key)).await;
    match outcome {
        Ok(_) => {
            let doc = ctx
                .registry
                .last_document_of(&ctx.cred, id, DocumentKind::Deposit)
                .ok()
                .flatten();
            let out = ctx
                .registry
                .last_document_of(&ctx.cred, id, DocumentKind::Withdrawal)
                .ok()
                .flatten();
            let latest = [doc, out].into_iter().flatten().max_by_key(|d| d.id);
            let target = match latest {
                Some(d) => format!("/console/kkm/{id}/shift?done=cash&doc={}", d.id),
                None => format!("/console/kkm/{id}/shift?done=cash"),
            };
            Redirect::to(&target).into_response()
        }
        Err(mut p) => {
            if p.field.is_none() && p.code == kkm_core::ErrorCode::NotEnoughCash {
                p.field = Some("sum".into());
            }
            layout::unprocessable(shift_page(&ctx, id, None, Some(&p), &form))
        }
    }
}
