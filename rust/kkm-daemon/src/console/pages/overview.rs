//! The overview: every KKM the operator may see with its state, its offline queue and
//! the age of the oldest queued document, the hours left of the 72 autonomous ones,
//! the shift's age against 24 hours, the cash and the last document. The table
//! refreshes itself: `/console/events` sends `change` when a KKM changes state, and the
//! page fetches the rows again (`/console/overview/rows`).

use std::convert::Infallible;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::Response;
use futures::stream::{self, Stream};
use kkm_core::Timestamp;
use kkm_register::{Credential, KkmOverview, KkmState, Registry};
use maud::{html, Markup};

use super::tryr;
use crate::console::context::Ctx;
use crate::console::form::Form;
use crate::console::format::{datetime, duration, money};
use crate::console::i18n::{Lang, M};
use crate::console::layout::{self, Section};
use crate::console::pages::journal::kind_name;
use crate::console::ConsoleState;

/// The name and CSS class of a state.
pub fn state_badge(lang: Lang, state: KkmState) -> Markup {
    let (key, class) = match state {
        KkmState::Online => (M::StateOnline, "ok"),
        KkmState::Autonomous => (M::StateAutonomous, "warn"),
        KkmState::Blocked => (M::StateBlocked, "bad"),
        KkmState::InvalidToken => (M::StateInvalidToken, "bad"),
        KkmState::ValuesConflict => (M::StateValuesConflict, "bad"),
    };
    html! { span class=(format!("badge {class}")) { (lang.t(key)) } }
}

fn age(lang: Lang, now: Timestamp, at: Timestamp) -> String {
    duration(lang, now.secs_since(at).max(0))
}

fn row(lang: Lang, now: Timestamp, k: &KkmOverview) -> Markup {
    let href = format!("/console/kkm/{}", k.kkm_id);
    html! {
        tr data-kkm=(k.kkm_id) {
            th scope="row" {
                a href=(href) { (k.name.as_deref().unwrap_or("")) " " span.id { "ID " (k.kkm_id) } }
                br; small { (k.ofd_name) }
            }
            td {
                (state_badge(lang, k.state))
                @if let Some(problem) = &k.problem {
                    br; small.problem { (problem) }
                    @if k.state == KkmState::Blocked {
                        br; a href=(format!("{href}/unblock")) { (lang.t(M::Unblock)) }
                    }
                }
            }
            td.num {
                (k.queue_len)
                @if let Some(at) = k.oldest_queued_at {
                    br; small { (lang.tf(M::OldestWaiting, &[&age(lang, now, at)])) }
                }
            }
            td {
                @match k.autonomous_secs_left {
                    Some(left) => span class=(if left < 12 * 3600 { "warn" } else { "" }) {
                        (lang.tf(M::LeftOf72, &[&duration(lang, left)]))
                    },
                    None => "—",
                }
            }
            td {
                @match (k.shift_opened_at, k.shift_secs_left) {
                    (Some(opened), Some(left)) => {
                        (lang.tf(M::ShiftOpenNumber, &[&k.shift_number]))
                        br; small class=(if left < 2 * 3600 { "warn" } else { "" }) {
                            (lang.tf(M::ShiftAge, &[&age(lang, now, opened), &duration(lang, left)]))
                        }
                    }
                    _ if k.shift_number == 0 => (lang.t(M::ShiftClosed)),
                    _ => (lang.tf(M::ShiftClosedNumber, &[&k.shift_number])),
                }
            }
            td.num { (money(k.cash)) }
            td {
                @match &k.last_document {
                    Some(d) => {
                        a href=(format!("{href}/doc/{}", d.id)) { (kind_name(lang, d.kind)) }
                        br; small { (datetime(d.at)) " · " (money(d.total)) }
                    }
                    None => "—",
                }
            }
        }
    }
}

fn rows_markup(lang: Lang, now: Timestamp, kkms: &[KkmOverview]) -> Markup {
    html! {
        @for k in kkms { (row(lang, now, k)) }
        @if kkms.is_empty() {
            tr { td colspan="7" { (lang.t(M::NoKkms)) } }
        }
    }
}

/// The overview page.
pub async fn page(ctx: Ctx, RawQuery(query): RawQuery) -> Response {
    let kkms = tryr!(ctx, ctx.registry.overview(&ctx.cred));
    let now = ctx.registry.device_time();
    let q = Form::query(query.as_deref());
    let body = html! {
        @if q.get("notice") == "weak-pin" {
            p.notice.warn role="alert" { (ctx.t(M::WeakPinNotice)) }
        }
        table.data {
            caption { (ctx.t(M::OverviewCaption)) " " span #live-status aria-live="polite" {} }
            (layout::head(&[
                ctx.t(M::ColKkm),
                ctx.t(M::ColState),
                ctx.t(M::ColQueue),
                ctx.t(M::ColAutonomous),
                ctx.t(M::ColShift),
                ctx.t(M::ColCash),
                ctx.t(M::ColLastDocument),
            ]))
            tbody data-live-rows="/console/overview/rows" data-version=(fingerprint(&kkms))
                data-updated=(ctx.t(M::UpdatedAt)) {
                (rows_markup(ctx.lang, now, &kkms))
            }
        }
    };
    layout::page(&ctx, Section::Overview, ctx.t(M::NavOverview), body)
}

/// The table's rows alone (what the page fetches when told of a change).
pub async fn rows(ctx: Ctx) -> Response {
    let kkms = tryr!(ctx, ctx.registry.overview(&ctx.cred));
    let now = ctx.registry.device_time();
    layout::html_response(StatusCode::OK, rows_markup(ctx.lang, now, &kkms))
}

/// What changes the overview (not the countdowns, which the page refreshes itself).
fn fingerprint(kkms: &[KkmOverview]) -> u64 {
    let mut h = DefaultHasher::new();
    for k in kkms {
        k.kkm_id.hash(&mut h);
        (k.state as u8).hash(&mut h);
        k.queue_len.hash(&mut h);
        k.shift_number.hash(&mut h);
        k.shift_opened_at.hash(&mut h);
        k.cash.tiyn().hash(&mut h);
        k.name.hash(&mut h);
        k.problem.hash(&mut h);
        k.last_document
            .as_ref()
            .map(|d| (d.id, d.fiscal_sign.clone(), d.offline))
            .hash(&mut h);
    }
    h.finish()
}

/// How often the event stream looks for changes.
const EVENT_POLL: Duration = Duration::from_secs(1);

/// Server-sent events: `change` whenever the overview's figures change, `signout` when
/// the session ends (the page then goes to the sign-in form).
/// `?since=` the version the page was rendered with: a change made before the stream
/// connected is announced at once.
pub async fn events(
    ctx: Ctx,
    State(state): State<ConsoleState>,
    RawQuery(query): RawQuery,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let since = Form::query(query.as_deref())
        .get("since")
        .parse::<u64>()
        .ok();
    let now = state
        .registry
        .overview(&ctx.cred)
        .map(|k| fingerprint(&k))
        .unwrap_or(0);
    // `last` is what the page shows: a different version now is a change to announce.
    let first = since.unwrap_or(now);
    struct Watch {
        registry: std::sync::Arc<Registry>,
        cred: Credential,
        last: u64,
        done: bool,
    }
    let start = Watch {
        registry: state.registry.clone(),
        cred: ctx.cred.clone(),
        last: first,
        done: false,
    };
    let stream = stream::unfold(start, |mut w| async move {
        if w.done {
            return None;
        }
        let mut first = true;
        loop {
            if !first {
                tokio::time::sleep(EVENT_POLL).await;
            }
            first = false;
            match w.registry.overview(&w.cred) {
                Ok(kkms) => {
                    let now = fingerprint(&kkms);
                    if now != w.last {
                        w.last = now;
                        return Some((Ok(Event::default().event("change").data("changed")), w));
                    }
                }
                Err(_) => {
                    w.done = true;
                    return Some((Ok(Event::default().event("signout").data("signed out")), w));
                }
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
