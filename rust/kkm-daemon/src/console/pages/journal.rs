//! The journal: documents by period, shift, type and fiscal sign, newest first, a page
//! at a time; a document opens as its receipt image; a duplicate («ДУБЛИКАТ») to
//! print; a period exported as CSV or JSON lines.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kkm_core::{Action, Operation, Timestamp};
use kkm_register::{DocumentKind, DocumentLine, ExportFormat, PageCursor, RecordFilter, DAY_SECS};
use maud::html;

use super::tryr;
use crate::console::context::Ctx;
use crate::console::form::Form;
use crate::console::format::{date, datetime, money, parse_date};
use crate::console::i18n::{Lang, M};
use crate::console::layout::{self, post_button, FieldCtx, Section};

/// Documents per page.
pub const PAGE: u32 = 50;

/// The name of a document kind.
pub fn kind_name(lang: Lang, kind: DocumentKind) -> &'static str {
    lang.t(match kind {
        DocumentKind::Sell => M::KindSell,
        DocumentKind::SellReturn => M::KindSellReturn,
        DocumentKind::Buy => M::KindBuy,
        DocumentKind::BuyReturn => M::KindBuyReturn,
        DocumentKind::Deposit => M::CashIn,
        DocumentKind::Withdrawal => M::CashOut,
        DocumentKind::XReport => M::KindXReport,
        DocumentKind::ZReport => M::KindZReport,
    })
}

/// The name of a receipt operation.
pub fn operation_name(lang: Lang, op: Operation) -> &'static str {
    kind_name(
        lang,
        match op {
            Operation::Sell => DocumentKind::Sell,
            Operation::SellReturn => DocumentKind::SellReturn,
            Operation::Buy => DocumentKind::Buy,
            Operation::BuyReturn => DocumentKind::BuyReturn,
        },
    )
}

/// The kinds a filter offers, by their codes.
const KINDS: [DocumentKind; 8] = [
    DocumentKind::Sell,
    DocumentKind::SellReturn,
    DocumentKind::Buy,
    DocumentKind::BuyReturn,
    DocumentKind::Deposit,
    DocumentKind::Withdrawal,
    DocumentKind::XReport,
    DocumentKind::ZReport,
];

/// The period of a filter form: from/to dates (default: the last 7 days to today).
pub fn period(q: &Form, today: Timestamp, default_days: i64) -> (Timestamp, Timestamp) {
    let today = Timestamp::from_secs(today.secs().div_euclid(DAY_SECS) * DAY_SECS);
    let from = q
        .opt("from")
        .and_then(parse_date)
        .unwrap_or(today.plus_secs(-(default_days - 1) * DAY_SECS));
    let to = q.opt("to").and_then(parse_date).unwrap_or(today);
    (from, to)
}

fn fiscal_text(lang: Lang, d: &DocumentLine) -> String {
    match (&d.fiscal_sign, d.offline_number) {
        (Some(sign), _) => sign.clone(),
        (None, Some(n)) if d.offline => format!("{} {n}", lang.t(M::Autonomous)),
        _ => "—".to_owned(),
    }
}

/// The journal page.
pub async fn page(ctx: Ctx, Path(id): Path<i64>, RawQuery(query): RawQuery) -> Response {
    let q = Form::query(query.as_deref());
    let (from, to) = period(&q, ctx.registry.device_time(), 7);
    let kinds: Vec<DocumentKind> = q
        .all("kind")
        .iter()
        .filter_map(|k| k.parse::<i64>().ok())
        .filter_map(DocumentKind::from_code)
        .collect();
    let shift = q.opt("shift").and_then(|s| s.parse::<u32>().ok());
    let fiscal = q.opt("fiscal");
    let filter = RecordFilter {
        from: Some(from.secs()),
        to: Some(to.secs() + DAY_SECS - 1),
        kinds: kinds.clone(),
        shift_number: shift,
        fiscal_sign: fiscal
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        id: None,
    };
    let after = match (q.opt("after_at"), q.opt("after_id")) {
        (Some(at), Some(i)) => at
            .parse()
            .ok()
            .zip(i.parse().ok())
            .map(|(at, id)| PageCursor { at, id }),
        _ => None,
    };
    let lines = tryr!(
        ctx,
        ctx.registry
            .journal_page(&ctx.cred, id, &filter, after, PAGE)
    );
    let base = format!("/console/kkm/{id}");
    let f = FieldCtx {
        lang: ctx.lang,
        problem: None,
    };
    let mut keep: Vec<(String, String)> =
        vec![("from".into(), date(from)), ("to".into(), date(to))];
    if let Some(s) = shift {
        keep.push(("shift".into(), s.to_string()));
    }
    for k in &kinds {
        keep.push(("kind".into(), k.code().to_string()));
    }
    let encode = |extra: &[(String, String)]| -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(keep.iter().chain(extra.iter()))
            .finish()
    };
    let older = (lines.len() == PAGE as usize)
        .then(|| {
            lines.last().map(|l| {
                let c = l.cursor();
                encode(&[
                    ("after_at".into(), c.at.to_string()),
                    ("after_id".into(), c.id.to_string()),
                ])
            })
        })
        .flatten();
    let export = |format: &str| {
        format!(
            "{base}/export?{}",
            encode(&[("format".into(), format.into())])
        )
    };
    let body = html! {
        p { a href=(base) { (ctx.t(M::BackToKkm)) } }
        form.filters method="get" action=(format!("{base}/journal")) {
            (f.input(ctx.t(M::From), "from", "date", &date(from), Default::default()))
            (f.input(ctx.t(M::To), "to", "date", &date(to), Default::default()))
            (f.input(ctx.t(M::ShiftNumber), "shift", "text", &shift.map(|s| s.to_string()).unwrap_or_default(), layout::Extra::default().mode("numeric")))
            (f.input(ctx.t(M::FiscalSign), "fiscal", "text", fiscal.unwrap_or(""), Default::default()))
            fieldset.kinds {
                legend { (ctx.t(M::DocumentTypes)) }
                @for k in KINDS {
                    (f.checkbox(kind_name(ctx.lang, k), "kind", &k.code().to_string(), kinds.contains(&k)))
                }
            }
            button.primary type="submit" { (ctx.t(M::Show)) }
        }
        p.actions {
            a.button href=(export("csv")) download { (ctx.t(M::ExportCsv)) }
            a.button href=(export("jsonl")) download { (ctx.t(M::ExportJsonl)) }
        }
        table.data #journal {
            caption { (ctx.tf(M::JournalCaption, &[&date(from), &date(to)])) }
            (layout::head(&["№", ctx.t(M::DateTime), ctx.t(M::DocumentType), ctx.t(M::ShiftNumber), ctx.t(M::Sum), ctx.t(M::FiscalSign), ctx.t(M::Operator)]))
            tbody {
                @for l in &lines {
                    tr {
                        th scope="row" { a href=(format!("{base}/doc/{}", l.id)) { (l.id) } }
                        td { (datetime(l.at)) }
                        td { (kind_name(ctx.lang, l.kind)) }
                        td.num { (l.shift_number) "/" (l.shift_document) }
                        td.num { (money(l.total)) }
                        td { (fiscal_text(ctx.lang, l)) }
                        td { (l.operator_name) }
                    }
                }
                @if lines.is_empty() { tr { td colspan="7" { (ctx.t(M::NothingFound)) } } }
            }
        }
        nav.pager aria-label=(ctx.t(M::Pages)) {
            @if after.is_some() { a href=(format!("{base}/journal?{}", encode(&[]))) { (ctx.t(M::Newest)) } }
            @if let Some(q) = older { a href=(format!("{base}/journal?{q}")) { (ctx.t(M::Older)) } }
        }
    };
    layout::page(&ctx, Section::Kkms, &ctx.tf(M::JournalOf, &[&id]), body)
}

/// One document: its facts and its receipt image.
pub async fn document(
    ctx: Ctx,
    Path((id, doc)): Path<(i64, i64)>,
    RawQuery(query): RawQuery,
) -> Response {
    let line = tryr!(ctx, ctx.registry.document_line(&ctx.cred, id, doc));
    // The print queue of this KKM, newest first; this document's jobs (a page of
    // GetPrintJobList: cheap, and a document's jobs are recent or gone from view).
    let jobs: Vec<_> = ctx
        .registry
        .print_jobs(&ctx.cred, Some(id), None, Some(JOBS_SHOWN))
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|j| j.transaction_id == doc)
        .collect();
    let queued = Form::query(query.as_deref())
        .opt("queued")
        .map(str::to_owned);
    let base = format!("/console/kkm/{id}");
    let title = format!(
        "{} № {}",
        kind_name(ctx.lang, line.kind),
        line.shift_document
    );
    let body = html! {
        p.noprint { a href=(format!("{base}/journal")) { (ctx.t(M::BackToJournal)) } }
        @if let Some(job) = &queued { (layout::done(&ctx.tf(M::PrintQueued, &[job]))) }
        div.columns {
            section.card.noprint {
                dl.facts {
                    dt { (ctx.t(M::DateTime)) } dd { (datetime(line.at)) }
                    dt { (ctx.t(M::ShiftNumber)) } dd { (line.shift_number) }
                    dt { (ctx.t(M::Sum)) } dd { (money(line.total)) }
                    dt { (ctx.t(M::FiscalSign)) } dd #fiscal-sign { (fiscal_text(ctx.lang, &line)) }
                    dt { (ctx.t(M::Operator)) } dd { (line.operator_name) }
                    dt { (ctx.t(M::JournalId)) } dd { (line.id) }
                }
                p { a.button href=(format!("{base}/doc/{doc}/duplicate")) { (ctx.t(M::PrintDuplicate)) } }
                (post_button(&ctx.csrf, &format!("{base}/doc/{doc}/reprint"), ctx.t(M::PrintOnPrinter), &[], "secondary"))
                @if matches!(line.kind, DocumentKind::XReport | DocumentKind::ZReport) {
                    p { a href=(format!("{base}/report/{doc}")) { (ctx.t(M::Reports)) } }
                }
            }
            section.card {
                img.receipt #document-image src=(format!("{base}/doc/{doc}/image")) alt=(title);
            }
        }
        @if !jobs.is_empty() {
            section.card.noprint {
                h2 { (ctx.t(M::PrintJobs)) }
                table #print-jobs {
                    thead { tr { th { "№" } th { (ctx.t(M::Printer)) } th { (ctx.t(M::Duplicate)) } th { (ctx.t(M::PrintJobState)) } } }
                    tbody {
                        @for j in &jobs {
                            tr {
                                td { (j.id) }
                                td { (j.printer) }
                                td { (if j.copy == "duplicate" { "✓" } else { "" }) }
                                td { (ctx.t(job_state(&j.state))) @if let Some(e) = &j.error { " — " (e) } }
                            }
                        }
                    }
                }
            }
        }
    };
    layout::page(&ctx, Section::Kkms, &title, body)
}

/// The catalogue's word for a print job's state (the API's `waiting`, `printing`, …).
fn job_state(state: &str) -> M {
    match state {
        "printing" => M::PrintJobStatePrinting,
        "printed" => M::PrintJobStatePrinted,
        "failed" => M::PrintJobStateFailed,
        "interrupted" => M::PrintJobStateInterrupted,
        _ => M::PrintJobStateWaiting,
    }
}

/// Print jobs of the KKM looked through for a document's own.
const JOBS_SHOWN: u32 = 200;

/// Queues a duplicate on the KKM's printer (ReprintDocument, with its rules).
pub async fn reprint(ctx: Ctx, Path((id, doc)): Path<(i64, i64)>, body: Bytes) -> Response {
    if let Err(r) = ctx.form(&body) {
        return *r;
    }
    let line = tryr!(ctx, ctx.registry.document_line(&ctx.cred, id, doc));
    let job = tryr!(
        ctx,
        ctx.registry
            .reprint_document(
                &ctx.cred,
                id,
                i64::from(line.shift_number),
                i64::from(line.shift_document),
                None,
            )
            .await
    );
    Redirect::to(&format!("/console/kkm/{id}/doc/{doc}?queued={}", job.id)).into_response()
}

/// The duplicate to print: the copy marked «ДУБЛИКАТ».
pub async fn duplicate(ctx: Ctx, Path((id, doc)): Path<(i64, i64)>) -> Response {
    let line = tryr!(ctx, ctx.registry.document_line(&ctx.cred, id, doc));
    let title = format!(
        "{} — {} № {}",
        ctx.t(M::Duplicate),
        kind_name(ctx.lang, line.kind),
        line.shift_document
    );
    let body = html! {
        p.noprint { a href=(format!("/console/kkm/{id}/doc/{doc}")) { (ctx.t(M::BackToDocument)) } }
        img.receipt #duplicate-image src=(format!("/console/kkm/{id}/doc/{doc}/image?duplicate=1")) alt=(title);
        p.noprint { button type="button" data-print="" { (ctx.t(M::Print)) } }
    };
    layout::page(&ctx, Section::Kkms, &title, body)
}

/// The document's PNG (`?duplicate=1`: the copy).
pub async fn image(
    ctx: Ctx,
    Path((id, doc)): Path<(i64, i64)>,
    RawQuery(query): RawQuery,
) -> Response {
    let duplicate = Form::query(query.as_deref()).get("duplicate") == "1";
    png_response(ctx.registry.document_png(&ctx.cred, id, doc, duplicate))
}

/// A PNG the registry drew, or 404 with the seed's code and the register's message.
pub fn png_response(png: Result<Vec<u8>, kkm_register::RegisterError>) -> Response {
    match png {
        Ok(png) => {
            let mut response = png.into_response();
            let h = response.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            response
        }
        Err(e) => {
            let p = crate::console::form::Problem::from(e);
            (
                StatusCode::NOT_FOUND,
                format!("{} {}: {}", p.code.code(), p.code.name(), p.message),
            )
                .into_response()
        }
    }
}

/// The period as a file: CSV or JSON lines (the `export` command's formats).
pub async fn export(ctx: Ctx, Path(id): Path<i64>, RawQuery(query): RawQuery) -> Response {
    tryr!(ctx, ctx.may(Action::ViewJournal, Some(id)));
    let q = Form::query(query.as_deref());
    let (from, to) = period(&q, ctx.registry.device_time(), 7);
    let (format, ext, mime) = match q.get("format") {
        "jsonl" => (ExportFormat::JsonLines, "jsonl", "application/x-ndjson"),
        _ => (ExportFormat::Csv, "csv", "text/csv; charset=utf-8"),
    };
    let mut out = Vec::new();
    tryr!(
        ctx,
        ctx.registry.journal_export(
            &ctx.cred,
            id,
            from.secs(),
            to.secs() + DAY_SECS - 1,
            format,
            &mut out
        )
    );
    let name = format!("kkm-{id}-{}-{}.{ext}", date(from), date(to));
    let mut response = out.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
