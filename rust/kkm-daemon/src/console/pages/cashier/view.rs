//! What the till shows: the KKM's state at a glance, the basket with the register's
//! line amounts, the totals, taxes and change (all from [`basket_totals`] through
//! [`Till::totals`]), the original of a return with what is left of it, and the last
//! receipt with its image and print job. One fragment (`#till`) that the page's
//! script swaps after every action.
//!
//! [`basket_totals`]: kkm_register::sale::basket_totals

use kkm_core::{Money, Operation, Quantity};
use kkm_register::sale::BasketTotals;
use kkm_register::{KkmOverview, KkmState};
use maud::{html, Markup};

use super::till::{Outcome, Till};
use crate::console::context::Ctx;
use crate::console::format::{datetime, duration, money, money_input};
use crate::console::i18n::M;
use crate::console::layout;
use crate::console::pages::journal::operation_name;
use crate::console::pages::overview::state_badge;

/// The KKM's state, the shift's age and, when the KKM cannot sell, what to do and who.
pub fn status(ctx: &Ctx, k: Option<&KkmOverview>) -> Markup {
    let Some(k) = k else {
        return html! { div #till-status .status { } };
    };
    let now = ctx.registry.device_time();
    let what_to_do = match k.state {
        KkmState::Blocked => Some(M::TillBlockedHelp),
        KkmState::InvalidToken => Some(M::TillInvalidTokenHelp),
        KkmState::ValuesConflict => Some(M::TillConflictHelp),
        KkmState::Autonomous | KkmState::Online => None,
    };
    html! {
        div #till-status .status data-state=(format!("{:?}", k.state).to_lowercase()) {
            (state_badge(ctx.lang, k.state))
            @if k.state == KkmState::Autonomous {
                @if let Some(left) = k.autonomous_secs_left {
                    span #autonomous-left { " " (ctx.tf(M::TillAutonomousLeft, &[&(left.max(0) / 3600)])) }
                }
                @if k.queue_len > 0 { span { " · " (ctx.tf(M::TillQueued, &[&k.queue_len])) } }
            }
            span #shift-age {
                " · "
                @match k.shift_opened_at {
                    Some(at) => (ctx.tf(M::TillShiftAge, &[&duration(ctx.lang, now.secs_since(at).max(0))])),
                    None => (ctx.t(M::TillShiftClosed)),
                }
            }
            @if let Some(help) = what_to_do {
                p.notice.bad role="alert" { (ctx.t(help)) @if let Some(p) = &k.problem { " " small { (p) } } }
            }
        }
    }
}

fn amount_text(m: Option<&kkm_core::receipt::Modifier>) -> String {
    m.map(|m| money_input(m.sum)).unwrap_or_default()
}

fn totals_block(ctx: &Ctx, totals: Option<&BasketTotals>) -> Markup {
    let zero = Money::ZERO;
    let t = |f: fn(&BasketTotals) -> Money| totals.map_or(zero, f);
    html! {
        dl #totals .totals {
            dt { (ctx.t(M::TillSubtotal)) } dd #t-subtotal { (money(t(|t| t.subtotal))) }
            @if t(|t| t.discount) != zero { dt { (ctx.t(M::TillDiscount)) } dd #t-discount { "−" (money(t(|t| t.discount))) } }
            @if t(|t| t.markup) != zero { dt { (ctx.t(M::TillMarkup)) } dd #t-markup { "+" (money(t(|t| t.markup))) } }
            @if let Some(totals) = totals {
                @for tax in &totals.taxes {
                    dt { (ctx.tf(M::TillVat, &[&tax.percent.to_string()])) } dd.tax { (money(tax.sum)) }
                }
            }
            dt.total { (ctx.t(M::TillTotal)) } dd.total #t-total { (money(t(|t| t.total))) }
            @if t(|t| t.paid) != zero {
                dt { (ctx.t(M::TillPaid)) } dd #t-paid { (money(t(|t| t.paid))) }
                dt { (ctx.t(M::TillDue)) } dd #t-due { (money(t(|t| t.due))) }
                dt.change { (ctx.t(M::TillChange)) } dd.change #t-change { (money(t(|t| t.change))) }
            }
        }
    }
}

fn original_block(ctx: &Ctx, till: &Till) -> Markup {
    let Some(o) = till.basket.original() else {
        return html! {};
    };
    html! {
        section.card #original {
            h2 { (ctx.tf(M::TillReturnOf, &[&o.fiscal_id])) }
            p { (datetime(o.at)) " · " (ctx.t(M::Sum)) " " (money(o.total)) " · " (ctx.t(M::TillReturnable)) " " strong #returnable { (money(o.returnable)) } }
            table.data.compact #original-lines {
                (layout::head(&[ctx.t(M::ProductName), ctx.t(M::Price), ctx.t(M::TillSold), ctx.t(M::TillReturned), ctx.t(M::TillLeft)]))
                tbody {
                    @for l in &o.returnable_lines {
                        @let left = l.sold_quantity.thousandths().saturating_sub(l.returned_quantity.thousandths());
                        tr {
                            td { (l.article.name) }
                            td.num { (money(l.article.price)) }
                            td.num { (l.sold_quantity.to_string()) }
                            td.num { (l.returned_quantity.to_string()) }
                            td.num { (Quantity::from_thousandths(left).to_string()) }
                        }
                    }
                }
            }
            @if !o.sold_marks.is_empty() {
                p { (ctx.t(M::TillMarksSold)) }
                ul #sold-marks {
                    @for m in &o.sold_marks {
                        li { code { (m.replace('\u{1d}', "␝")) } @if o.returned_marks.contains(m) { " — " (ctx.t(M::TillReturned)) } }
                    }
                }
            }
        }
    }
}

fn last_block(ctx: &Ctx, id: i64, till: &Till, print_state: Option<&str>) -> Markup {
    let Some(last) = &till.last else {
        return html! {};
    };
    html! {
        section.card #last-receipt {
            h2 { (ctx.t(M::TillLastReceipt)) " — " (operation_name(ctx.lang, last.operation)) }
            p {
                (ctx.t(M::FiscalSign)) " "
                strong #last-fiscal { @if last.offline { (ctx.t(M::Autonomous)) " " } (last.fiscal_id) }
                " · " (ctx.t(M::Sum)) " " span #last-total { (money(last.totals.total)) }
                @if !last.totals.change.is_zero() {
                    " · " (ctx.t(M::TillChange)) " " strong #last-change { (money(last.totals.change)) }
                }
            }
            @if let Some(state) = print_state { p #last-print { (ctx.t(M::Printer)) ": " (state) } }
            @if let Some(doc) = last.doc {
                p { a href=(format!("/console/kkm/{id}/doc/{doc}")) { (ctx.t(M::OpenDocument)) } }
            }
            @let fiscal: String = form_urlencoded::byte_serialize(last.fiscal_id.as_bytes()).collect();
            img.receipt.small #last-image src=(format!("/console/cashier/{id}/receipt.png?fiscal={fiscal}")) alt=(ctx.t(M::TillLastReceipt));
        }
    }
}

/// The `#till` fragment.
pub fn fragment(
    ctx: &Ctx,
    id: i64,
    till: &Till,
    kkm: Option<&KkmOverview>,
    outcome: &Outcome,
    print_state: Option<&str>,
) -> Markup {
    let priced = till.totals(&outcome.payments);
    let (totals, totals_problem) = match &priced {
        Some(Ok(t)) => (Some(t), None),
        Some(Err(p)) => (None, Some(p)),
        None => (None, None),
    };
    let problem = outcome.problem.as_ref().or(totals_problem);
    let returning = till.basket.draft().operation == Operation::SellReturn;
    let due = totals.map_or(Money::ZERO, |t| t.due);
    let awaiting = till.basket.awaiting_marks();
    html! {
        div #till data-open=[outcome.open] data-mark=[outcome.mark.as_deref()]
            data-due=(money_input(due)) data-lines=(till.basket.draft().lines.len())
            data-awaiting-marks=(awaiting.len())
            data-mode=(if returning { "return" } else { "sale" }) {
            (status(ctx, kkm))
            @if let Some(p) = problem { (layout::problem_box(ctx.lang, p)) }
            @if let Some(w) = &outcome.warning { p.notice.warn #till-warning role="alert" { (w) } }
            @if let Some(n) = &outcome.notice { p.notice.good role="status" { (n) } }
            @if returning { p.notice.warn #return-mode { (ctx.t(M::TillReturnMode)) } }
            @if !awaiting.is_empty() { p.notice.warn #marks-wanted role="alert" { (ctx.tf(M::TillMarksWanted, &[&awaiting.len()])) } }
            (original_block(ctx, till))
            table.data.basket #basket {
                caption.sr { (ctx.t(M::TillBasket)) }
                (layout::head(&["№", ctx.t(M::ProductName), ctx.t(M::TillQuantity), ctx.t(M::Price), ctx.t(M::TillModifier), ctx.t(M::Sum)]))
                tbody {
                    @for (i, l) in till.basket.draft().lines.iter().enumerate() {
                        @let selected = till.selected == Some(i);
                        tr aria-selected=(if selected { "true" } else { "false" })
                            data-index=(i)
                            data-awaits-mark=[l.awaits_mark().then_some("1")]
                            data-quantity=(Quantity::from_thousandths(u64::try_from(l.quantity_milli).unwrap_or(0)).to_string())
                            data-price=(money_input(l.price))
                            data-discount=(amount_text(l.discount.as_ref()))
                            data-markup=(amount_text(l.markup.as_ref())) {
                            td.num { (i + 1) }
                            td {
                                (l.name)
                                @if let Some(m) = &l.excise_stamp { br; small.mark { "DataMatrix " code { (m.get(..31).unwrap_or(m).replace('\u{1d}', "␝")) "…" } } }
                                @if let Some(b) = &l.barcode { @if l.excise_stamp.is_none() { br; small { (b) } } }
                                @if l.awaits_mark() { br; strong.mark-wanted { (ctx.t(M::TillMarkWanted)) } }
                            }
                            td.num { (Quantity::from_thousandths(u64::try_from(l.quantity_milli).unwrap_or(0)).to_string()) }
                            td.num { (money(l.price)) }
                            td.num {
                                @if let Some(d) = &l.discount { "−" (money(d.sum)) }
                                @if let Some(m) = &l.markup { "+" (money(m.sum)) }
                            }
                            td.num { @if let Some(t) = totals { @if let Some(a) = t.line_totals.get(i) { (money(*a)) } } }
                        }
                    }
                    @if till.basket.draft().lines.is_empty() {
                        tr { td colspan="6" { (ctx.t(M::TillEmpty)) } }
                    }
                }
            }
            @if let Some(d) = &till.basket.draft().discount { p.receipt-mod { (ctx.t(M::TillReceiptDiscount)) " −" (money(d.sum)) } }
            @if let Some(m) = &till.basket.draft().markup { p.receipt-mod { (ctx.t(M::TillReceiptMarkup)) " +" (money(m.sum)) } }
            (totals_block(ctx, totals))
            (last_block(ctx, id, till, print_state))
        }
    }
}
