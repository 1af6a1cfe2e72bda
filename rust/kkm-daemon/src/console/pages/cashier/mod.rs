//! The cashier screen (`/console/cashier/{id}`): a till in the browser for a shop PC
//! with a USB scanner in keyboard mode and a receipt printer.
//!
//! Keyboard first: the scanner field has the focus and takes the scanner's bursts
//! (EAN/UPC → the catalogue's product, a marking code → onto its product's line, the
//! receipt QR → a return of that receipt); F2 searches the catalogue, F3 edits the
//! selected line (↑/↓ select, Del removes), F4 adds a free item, F7 starts a return by
//! fiscal sign, F8 sets the receipt's discount or markup, F9 pays, Esc goes back to the
//! scanner field. The shortcuts are on the screen.
//!
//! The basket lives on the server ([`till::Tills`], per session and KKM); each action
//! is a POST (the session's CSRF token) answered with the `#till` fragment, which the
//! script (`assets/cashier.js`) swaps in; without script the same forms post and come
//! back to the page. Every figure on the screen comes from `kkm-register`; the sale is
//! [`kkm_register::Registry::trade_draft_printed`]: the `TradeOperation` of the HTTP
//! API with `is_printable`.

pub mod till;
pub mod view;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kkm_core::Action;
use kkm_register::KkmOverview;
use maud::{html, Markup};

use super::tryr;
use crate::console::context::Ctx;
use crate::console::form::Form;
use crate::console::format::money;
use crate::console::i18n::M;
use crate::console::layout::{self, csrf_field, html_response, Section};
use crate::console::ConsoleState;
use till::{Outcome, Till};

/// Header of the till script's requests: answered with the `#till` fragment.
pub const TILL_HEADER: &str = "x-till";

/// The operator's own receipts listed at once.
const OWN_RECEIPTS: usize = 10;

/// Search results shown at once.
const SEARCH_LIMIT: usize = 20;

fn till_key(ctx: &Ctx, id: i64) -> String {
    format!("{}:{id}", ctx.csrf)
}

fn kkm_of(ctx: &Ctx, id: i64) -> Option<KkmOverview> {
    ctx.registry
        .overview(&ctx.cred)
        .ok()?
        .into_iter()
        .find(|k| i64::from(k.kkm_id) == id)
}

async fn print_state(ctx: &Ctx, id: i64, till: &Till) -> Option<String> {
    let doc = till.last.as_ref()?.doc?;
    let jobs = ctx
        .registry
        .print_jobs(&ctx.cred, Some(id), None, Some(50))
        .await
        .ok()?;
    let job = jobs.into_iter().find(|j| j.transaction_id == doc)?;
    let key = match job.state.as_str() {
        "printing" => M::PrintJobStatePrinting,
        "printed" => M::PrintJobStatePrinted,
        "failed" => M::PrintJobStateFailed,
        "interrupted" => M::PrintJobStateInterrupted,
        _ => M::PrintJobStateWaiting,
    };
    Some(ctx.t(key).to_owned())
}

/// `/console/cashier`: the KKMs the operator may sell on (straight to the only one).
pub async fn pick(ctx: Ctx) -> Response {
    let ids = tryr!(
        ctx,
        ctx.registry
            .kkms_allowing(&ctx.cred, Action::TradeOperation)
    );
    if let [only] = ids.as_slice() {
        return Redirect::to(&format!("/console/cashier/{only}")).into_response();
    }
    let body = html! {
        @if ids.is_empty() { p { (ctx.t(M::NothingFound)) } }
        ul.kkm-pick {
            @for id in &ids {
                li { a.button href=(format!("/console/cashier/{id}")) { (ctx.tf(M::TillOf, &[id])) } }
            }
        }
    };
    layout::page(&ctx, Section::Cashier, ctx.t(M::NavCashier), body)
}

/// The shortcuts, on the screen; each is also a button (a touch screen has no F-keys).
fn shortcuts(ctx: &Ctx) -> Markup {
    let keys = [
        ("F2", M::TillKeySearch, "panel", "search"),
        ("F3", M::TillKeyLine, "panel", "line"),
        ("F4", M::TillKeyFree, "panel", "free"),
        ("F7", M::TillKeyReturn, "panel", "return"),
        ("F8", M::TillKeyReceipt, "panel", "receipt"),
        ("F9", M::TillKeyPay, "panel", "pay"),
        ("F5", M::TillKeyCash, "panel", "cash"),
        ("F6", M::TillKeyReceipts, "panel", "receipts"),
        ("F10", M::TillKeyX, "panel", "x"),
        ("↑", M::TillKeyUp, "select", "up"),
        ("↓", M::TillKeyDown, "select", "down"),
        ("Del", M::TillKeyRemove, "remove", ""),
        ("Esc", M::TillKeyBack, "back", ""),
    ];
    html! {
        ul #shortcuts .shortcuts aria-label=(ctx.t(M::TillShortcuts)) {
            @for (k, m, kind, arg) in keys {
                li { button.key type="button" data-key-kind=(kind) data-key-arg=(arg) { kbd { (k) } " " (ctx.t(m)) } }
            }
        }
    }
}

fn input(label: &str, id: &str, name: &str, mode: &str) -> Markup {
    html! {
        div.field {
            label for=(id) { (label) }
            input id=(id) name=(name) type="text" inputmode=(mode) autocomplete="off";
        }
    }
}

fn panel(ctx: &Ctx, id: i64, name: &str, title: M, act: &str, body: Markup) -> Markup {
    html! {
        section.card.panel #(format!("panel-{name}")) data-panel=(name) {
            h2 { (ctx.t(title)) }
            form method="post" action=(format!("/console/cashier/{id}")) data-till=(act) {
                (csrf_field(&ctx.csrf))
                input type="hidden" name="act" value=(act);
                (body)
            }
        }
    }
}

fn panels(ctx: &Ctx, id: i64) -> Markup {
    html! {
        section.card.panel #panel-search data-panel="search" {
            h2 { (ctx.t(M::TillKeySearch)) }
            form method="get" action=(format!("/console/cashier/{id}/search")) data-search="" role="search" {
                (input(ctx.t(M::SearchProducts), "search-q", "q", "search"))
            }
            div #search-results aria-live="polite" {}
        }
        (panel(ctx, id, "free", M::TillKeyFree, "free", html! {
            (input(ctx.t(M::ProductName), "free-name", "name", "text"))
            (input(ctx.t(M::SumTenge), "free-price", "price", "decimal"))
            (input(ctx.t(M::TillSection), "free-section", "section", "numeric"))
            (input(ctx.t(M::TillQuantity), "free-quantity", "quantity", "decimal"))
            (input(ctx.t(M::TillMark), "free-mark", "mark", "text"))
            button.primary type="submit" { (ctx.t(M::TillAdd)) }
        }))
        (panel(ctx, id, "line", M::TillKeyLine, "line", html! {
            input type="hidden" name="index" id="line-index";
            (input(ctx.t(M::TillQuantity), "line-quantity", "quantity", "decimal"))
            (input(ctx.t(M::Price), "line-price", "price", "decimal"))
            (input(ctx.t(M::TillLineDiscount), "line-discount", "discount", "decimal"))
            (input(ctx.t(M::TillLineMarkup), "line-markup", "markup", "decimal"))
            button.primary type="submit" { (ctx.t(M::Save)) }
        }))
        (panel(ctx, id, "receipt", M::TillKeyReceipt, "receipt", html! {
            p.hint { (ctx.t(M::TillReceiptPercentHint)) }
            (input(ctx.t(M::TillReceiptDiscount), "receipt-discount", "discount", "text"))
            (input(ctx.t(M::TillReceiptMarkup), "receipt-markup", "markup", "text"))
            button.primary type="submit" { (ctx.t(M::Save)) }
        }))
        (panel(ctx, id, "pay", M::TillKeyPay, "pay", html! {
            (input(ctx.t(M::TillCash), "pay-cash", "cash", "decimal"))
            (input(ctx.t(M::TillCard), "pay-card", "card", "decimal"))
            (input(ctx.t(M::TillMobile), "pay-mobile", "mobile", "decimal"))
            (input(ctx.t(M::TillEmail), "pay-email", "email", "email"))
            (input(ctx.t(M::TillPhone), "pay-phone", "phone", "tel"))
            button.primary type="submit" { (ctx.t(M::TillPay)) }
        }))
        (panel(ctx, id, "cash", M::TillKeyCash, "cash", html! {
            div.field {
                label for="cash-operation" { (ctx.t(M::Operation)) }
                select #cash-operation name="operation" {
                    option value="0" { (ctx.t(M::CashIn)) }
                    option value="1" { (ctx.t(M::CashOut)) }
                }
            }
            (input(ctx.t(M::SumTenge), "cash-sum", "sum", "decimal"))
            button.primary type="submit" { (ctx.t(M::Record)) }
        }))
        (panel(ctx, id, "x", M::TillKeyX, "x", html! {
            button.primary #x-take type="submit" { (ctx.t(M::TakeXReport)) }
        }))
        section.card.panel #panel-receipts data-panel="receipts" data-src=(format!("/console/cashier/{id}/receipts")) {
            h2 { (ctx.t(M::TillKeyReceipts)) }
            div #own-receipts aria-live="polite" {}
        }
        (panel(ctx, id, "return", M::TillKeyReturn, "return", html! {
            (input(ctx.t(M::FiscalSign), "return-fiscal", "fiscal", "numeric"))
            button.primary type="submit" { (ctx.t(M::TillFind)) }
        }))
    }
}

/// The till of KKM `id`.
pub async fn page(ctx: Ctx, State(state): State<ConsoleState>, Path(id): Path<i64>) -> Response {
    tryr!(ctx, ctx.may(Action::TradeOperation, Some(id)));
    let key = till_key(&ctx, id);
    let mut till = state.tills.get(&key);
    let outcome = till.flash.take().unwrap_or_default();
    let printing = print_state(&ctx, id, &till).await;
    let kkm = kkm_of(&ctx, id);
    state.tills.put(&key, till.clone());
    let body = html! {
        div #till-root .till data-kkm=(id) {
            div.till-main {
                form #scan-form method="post" action=(format!("/console/cashier/{id}")) data-till="scan" {
                    (csrf_field(&ctx.csrf))
                    input type="hidden" name="act" value="scan";
                    label for="scan" { (ctx.t(M::TillScanner)) }
                    input #scan name="code" type="text" autocomplete="off" autofocus spellcheck="false";
                }
                (view::fragment(&ctx, id, &till, kkm.as_ref(), &outcome, printing.as_deref()))
            }
            aside.till-side {
                (panels(&ctx, id))
                form method="post" action=(format!("/console/cashier/{id}")) data-till="clear" {
                    (csrf_field(&ctx.csrf))
                    input type="hidden" name="act" value="clear";
                    button.secondary type="submit" { (ctx.t(M::TillClear)) }
                }
                (shortcuts(&ctx))
            }
        }
        script src="/console/assets/cashier.js" defer {}
    };
    layout::page(&ctx, Section::Cashier, &ctx.tf(M::TillOf, &[&id]), body)
}

/// An action on the till: the `#till` fragment for the script (422 with a refusal),
/// or back to the page.
pub async fn act(
    ctx: Ctx,
    State(state): State<ConsoleState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = match ctx.form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    tryr!(ctx, ctx.may(Action::TradeOperation, Some(id)));
    let key = till_key(&ctx, id);
    let mut till = state.tills.get(&key);
    let outcome = till::act(&ctx, id, &mut till, &form).await;
    if !headers.contains_key(TILL_HEADER) {
        till.flash = Some(outcome);
        state.tills.put(&key, till);
        return Redirect::to(&format!("/console/cashier/{id}")).into_response();
    }
    let printing = print_state(&ctx, id, &till).await;
    let kkm = kkm_of(&ctx, id);
    let status = if outcome.problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let markup = view::fragment(&ctx, id, &till, kkm.as_ref(), &outcome, printing.as_deref());
    state.tills.put(&key, till);
    html_response(status, markup)
}

/// The `#till` fragment as it is (the script refreshes the state with it).
pub async fn fragment(
    ctx: Ctx,
    State(state): State<ConsoleState>,
    Path(id): Path<i64>,
) -> Response {
    tryr!(ctx, ctx.may(Action::TradeOperation, Some(id)));
    let till = state.tills.get(&till_key(&ctx, id));
    let printing = print_state(&ctx, id, &till).await;
    let kkm = kkm_of(&ctx, id);
    html_response(
        StatusCode::OK,
        view::fragment(
            &ctx,
            id,
            &till,
            kkm.as_ref(),
            &Outcome::default(),
            printing.as_deref(),
        ),
    )
}

/// Catalogue search: the products matching `q` as buttons that add them.
pub async fn search(ctx: Ctx, Path(id): Path<i64>, RawQuery(query): RawQuery) -> Response {
    let q = Form::query(query.as_deref());
    let found = tryr!(
        ctx,
        ctx.registry
            .catalogue_search(&ctx.cred, id, q.get("q"), SEARCH_LIMIT)
    );
    html_response(
        StatusCode::OK,
        html! {
            ul.results {
                @for p in &found {
                    li {
                        form method="post" action=(format!("/console/cashier/{id}")) data-till="add" {
                            (csrf_field(&ctx.csrf))
                            input type="hidden" name="act" value="add";
                            input type="hidden" name="code" value=(p.code);
                            button type="submit" { (p.name) " — " (money(p.price)) " ₸" @if !p.barcode.is_empty() { " · " small { (p.barcode) } } }
                        }
                    }
                }
                @if found.is_empty() && !q.get("q").is_empty() { li { (ctx.t(M::NothingFound)) } }
            }
        },
    )
}

/// The image of a receipt the till made (`?fiscal=` its fiscal sign or offline number).
pub async fn receipt_png(ctx: Ctx, Path(id): Path<i64>, RawQuery(query): RawQuery) -> Response {
    let q = Form::query(query.as_deref());
    super::journal::png_response(ctx.registry.receipt_png(&ctx.cred, id, q.get("fiscal")))
}

/// The operator's own recent receipts on the KKM, each with a duplicate button.
pub async fn receipts(ctx: Ctx, Path(id): Path<i64>) -> Response {
    let lines = tryr!(ctx, ctx.registry.own_receipts(&ctx.cred, id, OWN_RECEIPTS));
    html_response(
        StatusCode::OK,
        html! {
            table.data.compact #own-receipts-table {
                (layout::head(&[ctx.t(M::DateTime), ctx.t(M::DocumentType), ctx.t(M::Sum), ctx.t(M::FiscalSign), ctx.t(M::Actions)]))
                tbody {
                    @for l in &lines {
                        tr {
                            td { (crate::console::format::datetime(l.at).get(11..).unwrap_or("")) }
                            td { (super::journal::kind_name(ctx.lang, l.kind)) }
                            td.num { (money(l.total)) }
                            td { (l.fiscal_sign.clone().or(l.offline_number.map(|n| n.to_string())).unwrap_or_default()) }
                            td {
                                form method="post" action=(format!("/console/cashier/{id}")) data-till="duplicate" {
                                    (csrf_field(&ctx.csrf))
                                    input type="hidden" name="act" value="duplicate";
                                    input type="hidden" name="shift" value=(l.shift_number);
                                    input type="hidden" name="doc" value=(l.shift_document);
                                    button type="submit" { (ctx.t(M::Duplicate)) }
                                }
                            }
                        }
                    }
                    @if lines.is_empty() { tr { td colspan="5" { (ctx.t(M::NothingFound)) } } }
                }
            }
        },
    )
}
