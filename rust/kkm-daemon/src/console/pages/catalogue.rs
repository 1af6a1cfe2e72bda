//! The product catalogue of a KKM (Alsep's «Товары», seed `004_…` §8.6): products
//! (search, add, edit, delete), bundles, CSV import (all or nothing: each bad cell is
//! shown with its line and column) and export.

use axum::body::Bytes;
use axum::extract::{Multipart, Path, RawQuery};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use kkm_core::{ErrorCode, Money, Percent, Quantity};
use kkm_register::{Bundle, Product};
use maud::{html, Markup};

use super::tryr;
use crate::console::context::{Ctx, CSRF_FIELD};
use crate::console::form::{Form, Problem};
use crate::console::format::{money, money_input};
use crate::console::i18n::M;
use crate::console::layout::{self, csrf_field, post_button, Extra, FieldCtx, Section};

/// Largest CSV accepted by the import form.
const CSV_LIMIT: usize = 8 * 1024 * 1024;

fn catalogue_page(
    ctx: &Ctx,
    id: i64,
    q: &Form,
    problem: Option<&Problem>,
    notice: Option<Markup>,
) -> Response {
    let products = tryr!(ctx, ctx.registry.catalogue_products(&ctx.cred, id));
    let bundles = tryr!(ctx, ctx.registry.catalogue_bundles(&ctx.cred, id));
    tryr!(ctx, ctx.may(kkm_core::Action::ManageKkm, Some(id)));
    let search = q.get("q");
    let shown: Vec<&Product> = products
        .iter()
        .filter(|p| search.is_empty() || kkm_register::product_matches(p, search))
        .collect();
    let base = format!("/console/kkm/{id}/catalogue");
    let f = FieldCtx {
        lang: ctx.lang,
        problem,
    };
    let no_problem = FieldCtx {
        lang: ctx.lang,
        problem: None,
    };
    let body = html! {
        p { a href=(format!("/console/kkm/{id}")) { (ctx.t(M::BackToKkm)) } }
        @if let Some(n) = notice { (n) }
        @if let Some(p) = f.unplaced(&["csv"]) { (layout::problem_box(ctx.lang, p)) }
        div.columns {
            section.card {
                h2 { (ctx.t(M::ImportCsv)) }
                p.hint { (ctx.t(M::ImportCsvHint)) }
                form method="post" action=(format!("{base}/import")) enctype="multipart/form-data" {
                    (csrf_field(&ctx.csrf))
                    (no_problem.input(ctx.t(M::CsvFile), "csv", "file", "", Extra::required()))
                    @if let Some(p) = problem.filter(|p| p.is_about("csv")) { (layout::problem_box(ctx.lang, p)) }
                    button.primary type="submit" { (ctx.t(M::Import)) }
                }
                p { a.button href=(format!("/console/kkm/{id}/catalogue.csv")) download { (ctx.t(M::ExportCsv)) } }
            }
            section.card {
                h2 { (ctx.t(M::Search)) }
                form.filters method="get" action=(base) role="search" {
                    (f.input(ctx.t(M::SearchProducts), "q", "search", search, Extra::default()))
                    button type="submit" { (ctx.t(M::Search)) }
                }
                p.actions {
                    a.button href=(format!("{base}/product")) { (ctx.t(M::AddProduct)) }
                    a.button href=(format!("{base}/bundle")) { (ctx.t(M::AddBundle)) }
                }
            }
        }
        table.data #products {
            caption { (ctx.tf(M::ProductsCaption, &[&shown.len(), &products.len()])) }
            (layout::head(&[ctx.t(M::Code), ctx.t(M::GroupCode), ctx.t(M::ProductName), ctx.t(M::Barcode), ctx.t(M::Price), ctx.t(M::DiscountPercent), ctx.t(M::VatPercent), ctx.t(M::Actions)]))
            tbody {
                @for p in &shown {
                    tr {
                        th scope="row" { (p.code) }
                        td { (p.group_code) }
                        td { (p.name) @if p.marked { " " span.badge.marked { (ctx.t(M::MarkedBadge)) } } }
                        td { (p.barcode) }
                        td.num { (money(p.price)) }
                        td.num { (p.discount.to_string()) }
                        td.num { (p.vat.to_string()) }
                        td {
                            a href=(format!("{base}/product?code={}", p.code)) { (ctx.t(M::Edit)) span.sr { " " (p.name) } }
                            " "
                            (post_button(&ctx.csrf, &format!("{base}/product/delete"), ctx.t(M::Delete), &[("code", &p.code.to_string())], "link danger"))
                        }
                    }
                }
                @if shown.is_empty() { tr { td colspan="8" { (ctx.t(M::NothingFound)) } } }
            }
        }
        table.data #bundles {
            caption { (ctx.t(M::Bundles)) }
            (layout::head(&[ctx.t(M::Code), ctx.t(M::ProductName), ctx.t(M::Barcode), ctx.t(M::BundleItems)]))
            tbody {
                @for b in &bundles {
                    tr {
                        th scope="row" { a href=(format!("{base}/bundle?code={}", b.code)) { (b.code) } }
                        td { (b.name) }
                        td { (b.barcode) }
                        td { (b.items.iter().map(|(c, q)| format!("{c} × {}", Quantity::from_thousandths(*q))).collect::<Vec<_>>().join(", ")) }
                    }
                }
                @if bundles.is_empty() { tr { td colspan="4" { "—" } } }
            }
        }
    };
    layout::page(ctx, Section::Kkms, &ctx.tf(M::CatalogueOf, &[&id]), body)
}

/// The catalogue page.
pub async fn page(ctx: Ctx, Path(id): Path<i64>, RawQuery(query): RawQuery) -> Response {
    let q = Form::query(query.as_deref());
    let notice = match q.get("done") {
        "imported" => Some(layout::done(&ctx.tf(M::ImportedProducts, &[&q.get("n")]))),
        "saved" => Some(layout::done(ctx.t(M::Saved))),
        "deleted" => Some(layout::done(ctx.t(M::Deleted))),
        _ => None,
    };
    catalogue_page(&ctx, id, &q, None, notice)
}

const PRODUCT_FIELDS: [&str; 10] = [
    "code",
    "group_code",
    "name",
    "barcode",
    "price",
    "discount",
    "markup",
    "vat",
    "editable_price",
    "marked",
];

/// A percent as typed in the form (`12`, `12.5`).
fn percent_input(p: Percent) -> String {
    p.to_string().trim_end_matches('%').to_owned()
}

fn product_values(p: &Product) -> Form {
    let mut f = Form::default()
        .with("code", p.code.to_string())
        .with("group_code", p.group_code.clone())
        .with("name", p.name.clone())
        .with("barcode", p.barcode.clone())
        .with("price", money_input(p.price))
        .with("discount", percent_input(p.discount))
        .with("markup", percent_input(p.markup))
        .with("vat", percent_input(p.vat));
    if p.editable_price {
        f = f.with("editable_price", "1");
    }
    if p.marked {
        f = f.with("marked", "1");
    }
    f
}

fn bad(field: &str, reason: impl std::fmt::Display) -> Problem {
    Problem::new(ErrorCode::InvalidFields, format!("{field}: {reason}"))
}

/// A product from the form, each amount parsed by `kkm-core`'s rules.
fn product_of(form: &Form) -> Result<Product, Problem> {
    let code = form
        .get("code")
        .parse::<u64>()
        .map_err(|e| bad("code", e))?;
    let percent = |name: &str| {
        let text = form.opt(name).unwrap_or("0");
        Percent::parse(text).map_err(|e| bad(name, e))
    };
    Ok(Product {
        code,
        group_code: form.get("group_code").to_owned(),
        barcode: form.get("barcode").to_owned(),
        name: form.get("name").to_owned(),
        price: Money::parse_non_negative(&form.get("price").replace(',', "."))
            .map_err(|e| bad("price", e))?,
        discount: percent("discount")?,
        markup: percent("markup")?,
        vat: percent("vat")?,
        editable_price: form.checked("editable_price"),
        marked: form.checked("marked"),
    })
}

fn product_page(ctx: &Ctx, id: i64, values: &Form, problem: Option<&Problem>) -> Response {
    let f = FieldCtx {
        lang: ctx.lang,
        problem,
    };
    let body = html! {
        p { a href=(format!("/console/kkm/{id}/catalogue")) { (ctx.t(M::BackToCatalogue)) } }
        @if let Some(p) = f.unplaced(&PRODUCT_FIELDS) { (layout::problem_box(ctx.lang, p)) }
        form.card method="post" action=(format!("/console/kkm/{id}/catalogue/product")) {
            (csrf_field(&ctx.csrf))
            (f.input(ctx.t(M::Code), "code", "text", values.get("code"), Extra::required().mode("numeric")))
            (f.input(ctx.t(M::GroupCode), "group_code", "text", values.get("group_code"), Extra::default()))
            (f.input(ctx.t(M::ProductName), "name", "text", values.get("name"), Extra::required()))
            (f.input(ctx.t(M::Barcode), "barcode", "text", values.get("barcode"), Extra::required().mode("numeric")))
            (f.input(ctx.t(M::Price), "price", "text", values.get("price"), Extra::required().mode("decimal")))
            (f.input(ctx.t(M::DiscountPercent), "discount", "text", values.get("discount"), Extra::default().mode("decimal")))
            (f.input(ctx.t(M::MarkupPercent), "markup", "text", values.get("markup"), Extra::default().mode("decimal")))
            (f.input(ctx.t(M::VatPercent), "vat", "text", values.get("vat"), Extra::default().mode("decimal")))
            (f.checkbox(ctx.t(M::EditablePrice), "editable_price", "1", values.checked("editable_price")))
            (f.checkbox(ctx.t(M::MarkedGood), "marked", "1", values.checked("marked")))
            button.primary type="submit" { (ctx.t(M::Save)) }
        }
    };
    layout::page(ctx, Section::Kkms, ctx.t(M::Product), body)
}

/// The product form (`?code=` edits that product).
pub async fn product_form(ctx: Ctx, Path(id): Path<i64>, RawQuery(query): RawQuery) -> Response {
    tryr!(ctx, ctx.may(kkm_core::Action::ManageKkm, Some(id)));
    let q = Form::query(query.as_deref());
    let values = match q.opt("code").and_then(|c| c.parse::<u64>().ok()) {
        Some(code) => {
            let products = tryr!(ctx, ctx.registry.catalogue_products(&ctx.cred, id));
            products
                .iter()
                .find(|p| p.code == code)
                .map(product_values)
                .unwrap_or_default()
        }
        None => Form::default().with("vat", "0"),
    };
    product_page(&ctx, id, &values, None)
}

/// Saves a product.
pub async fn save_product(ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    let form = match ctx.form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let outcome = product_of(&form).and_then(|p| {
        ctx.registry
            .catalogue_save_product(&ctx.cred, id, &p)
            .map_err(Problem::from)
    });
    match outcome {
        Ok(()) => Redirect::to(&format!("/console/kkm/{id}/catalogue?done=saved")).into_response(),
        Err(p) => layout::unprocessable(product_page(&ctx, id, &form, Some(&p))),
    }
}

/// Deletes a product.
pub async fn delete_product(ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    let form = match ctx.form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let Ok(code) = form.get("code").parse::<u64>() else {
        return layout::refusal(&ctx, &bad("code", "not a product code"));
    };
    tryr!(
        ctx,
        ctx.registry.catalogue_delete_product(&ctx.cred, id, code)
    );
    Redirect::to(&format!("/console/kkm/{id}/catalogue?done=deleted")).into_response()
}

const BUNDLE_FIELDS: [&str; 4] = ["code", "name", "barcode", "items"];

/// `code quantity` per line (`2 1`, `7 0.5`).
fn bundle_of(form: &Form) -> Result<Bundle, Problem> {
    let code = form
        .get("code")
        .parse::<u64>()
        .map_err(|e| bad("code", e))?;
    let mut items = Vec::new();
    for (n, line) in form.get("items").lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let product = words
            .next()
            .and_then(|w| w.parse::<u64>().ok())
            .ok_or_else(|| {
                bad(
                    "items",
                    format!("line {}: expected `product-code quantity`", n + 1),
                )
            })?;
        let quantity = Quantity::parse(&words.next().unwrap_or("1").replace(',', "."))
            .map_err(|e| bad("items", format!("line {}: {e}", n + 1)))?;
        items.push((product, quantity.thousandths()));
    }
    Ok(Bundle {
        code,
        name: form.get("name").to_owned(),
        barcode: form.get("barcode").to_owned(),
        items,
    })
}

fn bundle_page(ctx: &Ctx, id: i64, values: &Form, problem: Option<&Problem>) -> Response {
    let f = FieldCtx {
        lang: ctx.lang,
        problem,
    };
    let items_id = "f-items";
    let error = problem.filter(|p| p.is_about("items"));
    let body = html! {
        p { a href=(format!("/console/kkm/{id}/catalogue")) { (ctx.t(M::BackToCatalogue)) } }
        @if let Some(p) = f.unplaced(&BUNDLE_FIELDS) { (layout::problem_box(ctx.lang, p)) }
        form.card method="post" action=(format!("/console/kkm/{id}/catalogue/bundle")) {
            (csrf_field(&ctx.csrf))
            (f.input(ctx.t(M::Code), "code", "text", values.get("code"), Extra::required().mode("numeric")))
            (f.input(ctx.t(M::ProductName), "name", "text", values.get("name"), Extra::required()))
            (f.input(ctx.t(M::Barcode), "barcode", "text", values.get("barcode"), Extra::required().mode("numeric")))
            div.field {
                label for=(items_id) { (ctx.t(M::BundleItems)) }
                textarea id=(items_id) name="items" rows="5" aria-describedby="f-items-hint"
                    aria-invalid=[error.map(|_| "true")] { (values.get("items")) }
                small.hint #f-items-hint { (ctx.t(M::BundleItemsHint)) }
                @if let Some(p) = error { p.error { (layout::problem_text(ctx.lang, p)) } }
            }
            button.primary type="submit" { (ctx.t(M::Save)) }
        }
    };
    layout::page(ctx, Section::Kkms, ctx.t(M::Bundle), body)
}

/// The bundle form (`?code=` edits that bundle).
pub async fn bundle_form(ctx: Ctx, Path(id): Path<i64>, RawQuery(query): RawQuery) -> Response {
    tryr!(ctx, ctx.may(kkm_core::Action::ManageKkm, Some(id)));
    let q = Form::query(query.as_deref());
    let mut values = Form::default();
    if let Some(code) = q.opt("code").and_then(|c| c.parse::<u64>().ok()) {
        let bundles = tryr!(ctx, ctx.registry.catalogue_bundles(&ctx.cred, id));
        if let Some(b) = bundles.into_iter().find(|b| b.code == code) {
            let items: Vec<String> = b
                .items
                .iter()
                .map(|(c, q)| format!("{c} {}", Quantity::from_thousandths(*q)))
                .collect();
            values = values
                .with("code", b.code.to_string())
                .with("name", b.name)
                .with("barcode", b.barcode)
                .with("items", items.join("\n"));
        }
    }
    bundle_page(&ctx, id, &values, None)
}

/// Saves a bundle.
pub async fn save_bundle(ctx: Ctx, Path(id): Path<i64>, body: Bytes) -> Response {
    let form = match ctx.form(&body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let outcome = bundle_of(&form).and_then(|b| {
        ctx.registry
            .catalogue_save_bundle(&ctx.cred, id, &b)
            .map_err(Problem::from)
    });
    match outcome {
        Ok(()) => Redirect::to(&format!("/console/kkm/{id}/catalogue?done=saved")).into_response(),
        Err(p) => layout::unprocessable(bundle_page(&ctx, id, &form, Some(&p))),
    }
}

/// Imports a CSV file (replaces the catalogue; nothing changes if a cell is bad).
pub async fn import(ctx: Ctx, Path(id): Path<i64>, mut multipart: Multipart) -> Response {
    let mut csrf = String::new();
    let mut csv: Option<Vec<u8>> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                match field.bytes().await {
                    Ok(bytes) if name == CSRF_FIELD => {
                        csrf = String::from_utf8_lossy(&bytes).into_owned();
                    }
                    Ok(bytes) if name == "csv" => {
                        if bytes.len() > CSV_LIMIT {
                            let p = bad(
                                "csv",
                                format!("the file is larger than {} MiB", CSV_LIMIT >> 20),
                            );
                            return catalogue_page(&ctx, id, &Form::default(), Some(&p), None);
                        }
                        csv = Some(bytes.to_vec());
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let p = bad("csv", e);
                        return catalogue_page(&ctx, id, &Form::default(), Some(&p), None);
                    }
                }
            }
            Ok(None) => break,
            Err(e) => {
                let p = bad("csv", e);
                return catalogue_page(&ctx, id, &Form::default(), Some(&p), None);
            }
        }
    }
    if let Err(r) = ctx.check_csrf(&csrf) {
        return *r;
    }
    let Some(csv) = csv.filter(|c| !c.is_empty()) else {
        let p = bad("csv", "choose a CSV file");
        return catalogue_page(&ctx, id, &Form::default(), Some(&p), None);
    };
    match ctx.registry.catalogue_import_csv(&ctx.cred, id, &csv) {
        Ok(n) => Redirect::to(&format!("/console/kkm/{id}/catalogue?done=imported&n={n}"))
            .into_response(),
        Err(e) => {
            let p = Problem::from(e);
            layout::unprocessable(catalogue_page(&ctx, id, &Form::default(), Some(&p), None))
        }
    }
}

/// The catalogue as an Alsep CSV.
pub async fn export(ctx: Ctx, Path(id): Path<i64>) -> Response {
    let csv = tryr!(ctx, ctx.registry.catalogue_export_csv(&ctx.cred, id));
    let mut response = csv.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"catalogue-{id}.csv\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}
