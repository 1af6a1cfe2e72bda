//! Analytics (seed `004_…` §8.1): for a period and KKMs, revenue by day and by hour,
//! by payment type, by section and by operator, with returns and discounts — a chart
//! to read at a glance, the table behind it, and that table as CSV.

use axum::extract::RawQuery;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use kkm_core::{Action, Money, Timestamp};
use kkm_register::{Analytics, SalesFigures, DAY_SECS};
use maud::{html, Markup};

use super::journal::period;
use super::tryr;
use crate::console::chart::{self, Series};
use crate::console::context::Ctx;
use crate::console::form::Form;
use crate::console::format::{date, money};
use crate::console::i18n::{Lang, M};
use crate::console::layout::{self, FieldCtx, Section};

/// The tables of the page (and of the CSV export).
const TABLES: [&str; 5] = ["day", "hour", "payment", "section", "operator"];

struct Query {
    from: Timestamp,
    to: Timestamp,
    kkms: Vec<i64>,
}

fn query_of(ctx: &Ctx, q: &Form) -> Query {
    let (from, to) = period(q, ctx.registry.device_time(), 7);
    Query {
        from,
        to,
        kkms: q.all("kkm").iter().filter_map(|k| k.parse().ok()).collect(),
    }
}

fn encode(query: &Query, extra: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("from", &date(query.from));
    s.append_pair("to", &date(query.to));
    for k in &query.kkms {
        s.append_pair("kkm", &k.to_string());
    }
    for (k, v) in extra {
        s.append_pair(k, v);
    }
    s.finish()
}

/// A table: header and rows of text cells (the first cell heads its row).
struct Table {
    head: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

fn figures_cells(f: &SalesFigures, fmt: &dyn Fn(Money) -> String) -> Vec<String> {
    vec![
        fmt(f.sales),
        f.sale_count.to_string(),
        fmt(f.returns),
        f.return_count.to_string(),
        fmt(f.net()),
        fmt(f.discounts),
    ]
}

fn figures_head(lang: Lang) -> Vec<&'static str> {
    vec![
        lang.t(M::Sales),
        lang.t(M::SaleCount),
        lang.t(M::Returns),
        lang.t(M::ReturnCount),
        lang.t(M::Net),
        lang.t(M::Discounts),
    ]
}

fn table_of(lang: Lang, a: &Analytics, which: &str, fmt: &dyn Fn(Money) -> String) -> Table {
    let mut head = Vec::new();
    let rows: Vec<Vec<String>> = match which {
        "day" => {
            head.push(lang.t(M::Date));
            a.by_day
                .iter()
                .map(|(day, f)| {
                    let mut row = vec![date(Timestamp::from_secs(*day))];
                    row.extend(figures_cells(f, fmt));
                    row
                })
                .collect()
        }
        "hour" => {
            head.push(lang.t(M::Hour));
            a.by_hour
                .iter()
                .enumerate()
                .map(|(h, f)| {
                    let mut row = vec![format!("{h:02}:00")];
                    row.extend(figures_cells(f, fmt));
                    row
                })
                .collect()
        }
        "payment" => {
            head.extend([
                lang.t(M::PaymentType),
                lang.t(M::TakenOnSales),
                lang.t(M::PaidBackOnReturns),
            ]);
            [
                (M::PayCash, a.payments_in.cash, a.payments_out.cash),
                (M::PayCard, a.payments_in.card, a.payments_out.card),
                (M::PayMobile, a.payments_in.mobile, a.payments_out.mobile),
            ]
            .into_iter()
            .map(|(m, i, o)| vec![lang.t(m).to_owned(), fmt(i), fmt(o)])
            .collect()
        }
        "section" => {
            head.extend([lang.t(M::Section), lang.t(M::Sales), lang.t(M::Returns)]);
            a.by_section
                .iter()
                .map(|s| vec![s.section.clone(), fmt(s.sales), fmt(s.returns)])
                .collect()
        }
        _ => {
            head.push(lang.t(M::Operator));
            a.by_operator
                .iter()
                .map(|o| {
                    let mut row = vec![o.name.clone()];
                    row.extend(figures_cells(&o.figures, fmt));
                    row
                })
                .collect()
        }
    };
    if matches!(which, "day" | "hour" | "operator") {
        head.extend(figures_head(lang));
    }
    Table { head, rows }
}

fn html_table(id: &str, caption: &str, t: &Table, csv: &str, lang: Lang) -> Markup {
    html! {
        details.behind {
            summary { (lang.t(M::TableBehind)) }
            table.data.compact id=(id) {
                caption { (caption) " " a href=(csv) download { (lang.t(M::DownloadCsv)) } }
                (layout::head(&t.head))
                tbody {
                    @for row in &t.rows {
                        tr {
                            @for (i, cell) in row.iter().enumerate() {
                                @if i == 0 { th scope="row" { (cell) } } @else { td.num { (cell) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn card(lang: Lang, key: M, value: String) -> Markup {
    html! { div.figure { span.label { (lang.t(key)) } span.value { (value) } } }
}

/// The analytics page.
pub async fn page(ctx: Ctx, RawQuery(raw): RawQuery) -> Response {
    tryr!(ctx, ctx.may(Action::ViewJournal, None));
    let q = Form::query(raw.as_deref());
    let query = query_of(&ctx, &q);
    let choices = tryr!(
        ctx,
        ctx.registry.kkms_allowing(&ctx.cred, Action::ViewJournal)
    );
    let a = tryr!(
        ctx,
        ctx.registry
            .analytics(&ctx.cred, &query.kkms, query.from, query.to)
            .await
    );
    let lang = ctx.lang;
    let fmt_m = |m: Money| money(m);
    let axis = |t: i64| {
        money(Money::from_tiyn(t))
            .split(',')
            .next()
            .unwrap_or("")
            .to_owned()
    };
    let csv = |t: &str| format!("/console/analytics.csv?{}", encode(&query, &[("table", t)]));
    let f = FieldCtx {
        lang,
        problem: None,
    };
    let day_labels: Vec<String> = a
        .by_day
        .iter()
        .map(|(d, _)| {
            date(Timestamp::from_secs(*d))
                .get(5..)
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    let hour_labels: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
    let sales = |it: &mut dyn Iterator<Item = &SalesFigures>| -> (Vec<i64>, Vec<i64>) {
        it.map(|f| (f.sales.tiyn(), f.returns.tiyn())).unzip()
    };
    let (day_sales, day_returns) = sales(&mut a.by_day.iter().map(|(_, f)| f));
    let (hour_sales, hour_returns) = sales(&mut a.by_hour.iter());
    let payments: Vec<(String, i64)> = vec![
        (ctx.t(M::PayCash).into(), a.payments_in.cash.tiyn()),
        (ctx.t(M::PayCard).into(), a.payments_in.card.tiyn()),
        (ctx.t(M::PayMobile).into(), a.payments_in.mobile.tiyn()),
    ];
    let sections: Vec<(String, i64)> = a
        .by_section
        .iter()
        .map(|s| {
            (
                format!("{} {}", ctx.t(M::Section), s.section),
                s.sales.tiyn(),
            )
        })
        .collect();
    let operators: Vec<(String, i64)> = a
        .by_operator
        .iter()
        .map(|o| (o.name.clone(), o.figures.sales.tiyn()))
        .collect();
    let tables: Vec<Table> = TABLES
        .iter()
        .map(|t| table_of(lang, &a, t, &fmt_m))
        .collect();
    let fmt_axis = |t: i64| axis(t);
    let fmt_value = |t: i64| money(Money::from_tiyn(t));
    let body = html! {
        form.filters method="get" action="/console/analytics" {
            (f.input(ctx.t(M::From), "from", "date", &date(query.from), Default::default()))
            (f.input(ctx.t(M::To), "to", "date", &date(query.to), Default::default()))
            fieldset.kinds {
                legend { (ctx.t(M::NavKkms)) }
                @for id in &choices {
                    (f.checkbox(&format!("ID {id}"), "kkm", &id.to_string(),
                        query.kkms.is_empty() || query.kkms.contains(&i64::from(*id))))
                }
            }
            button.primary type="submit" { (ctx.t(M::Show)) }
        }
        p.hint { (ctx.tf(M::AnalyticsFromJournal, &[&date(Timestamp::from_secs(a.from_day)), &date(Timestamp::from_secs(a.to_day))])) }
        div.figures #totals {
            (card(lang, M::Sales, money(a.totals.sales)))
            (card(lang, M::SaleCount, a.totals.sale_count.to_string()))
            (card(lang, M::Returns, money(a.totals.returns)))
            (card(lang, M::Net, money(a.totals.net())))
            (card(lang, M::Discounts, money(a.totals.discounts)))
            (card(lang, M::Markups, money(a.totals.markups)))
        }
        section.card {
            h2 #by-day { (ctx.t(M::RevenueByDay)) }
            (chart::bars("chart-day", ctx.t(M::RevenueByDay), &day_labels, &[
                Series { name: ctx.t(M::Sales), class: "s0", values: day_sales },
                Series { name: ctx.t(M::Returns), class: "s1", values: day_returns },
            ], &fmt_axis))
            (html_table("table-day", ctx.t(M::RevenueByDay), &tables[0], &csv("day"), lang))
        }
        section.card {
            h2 { (ctx.t(M::RevenueByHour)) }
            (chart::bars("chart-hour", ctx.t(M::RevenueByHour), &hour_labels, &[
                Series { name: ctx.t(M::Sales), class: "s0", values: hour_sales },
                Series { name: ctx.t(M::Returns), class: "s1", values: hour_returns },
            ], &fmt_axis))
            (html_table("table-hour", ctx.t(M::RevenueByHour), &tables[1], &csv("hour"), lang))
        }
        div.columns {
            section.card {
                h2 { (ctx.t(M::ByPaymentType)) }
                (chart::rows("chart-payment", ctx.t(M::ByPaymentType), &payments, &fmt_value))
                (html_table("table-payment", ctx.t(M::ByPaymentType), &tables[2], &csv("payment"), lang))
            }
            section.card {
                h2 { (ctx.t(M::BySection)) }
                (chart::rows("chart-section", ctx.t(M::BySection), &sections, &fmt_value))
                (html_table("table-section", ctx.t(M::BySection), &tables[3], &csv("section"), lang))
            }
        }
        section.card {
            h2 { (ctx.t(M::ByOperator)) }
            (chart::rows("chart-operator", ctx.t(M::ByOperator), &operators, &fmt_value))
            (html_table("table-operator", ctx.t(M::ByOperator), &tables[4], &csv("operator"), lang))
        }
        @if a.purchases != Money::ZERO {
            p { (ctx.t(M::Purchases)) ": " (money(a.purchases)) }
        }
    };
    layout::page(&ctx, Section::Analytics, ctx.t(M::NavAnalytics), body)
}

fn csv_cell(text: &str) -> String {
    // A spreadsheet runs no cell as a formula (a product or an operator named `=…`).
    let text = kkm_core::spreadsheet::neutralise(text);
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.into_owned()
    }
}

/// One table of the page as CSV (amounts in tenge with a decimal point).
pub async fn csv(ctx: Ctx, RawQuery(raw): RawQuery) -> Response {
    let q = Form::query(raw.as_deref());
    let query = query_of(&ctx, &q);
    let which = TABLES
        .iter()
        .find(|t| **t == q.get("table"))
        .copied()
        .unwrap_or("day");
    let a = tryr!(
        ctx,
        ctx.registry
            .analytics(&ctx.cred, &query.kkms, query.from, query.to)
            .await
    );
    let t = table_of(ctx.lang, &a, which, &|m: Money| m.to_string());
    let mut out = String::from("\u{feff}");
    out.push_str(
        &t.head
            .iter()
            .map(|h| csv_cell(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push_str("\r\n");
    for row in &t.rows {
        out.push_str(
            &row.iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    let name = format!(
        "analytics-{which}-{}-{}.csv",
        date(query.from),
        date(Timestamp::from_secs(query.to.secs() + DAY_SECS - 1))
    );
    let mut response = out.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn a_cell_is_quoted_for_csv_and_never_a_formula() {
        assert_eq!(csv_cell("Хлеб"), "Хлеб");
        assert_eq!(csv_cell("-1500.00"), "-1500.00");
        assert_eq!(csv_cell("=1+2"), "'=1+2");
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\",\"a\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"a\"\")\""
        );
        assert_eq!(csv_cell("Иванов, И."), "\"Иванов, И.\"");
    }
}
