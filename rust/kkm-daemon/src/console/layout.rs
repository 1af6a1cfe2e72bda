//! The page shell and the pieces every form uses: header with the menu the operator's
//! role allows, the language switch and sign-out; a skip link; labelled inputs with
//! their refusal right beside them (`aria-invalid`, `aria-describedby`); notices.
//!
//! Pages are sent with `Cache-Control: no-store` and a Content-Security-Policy that
//! allows only the console's own stylesheet and script.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kkm_core::Action;
use maud::{html, Markup, DOCTYPE};

use super::context::{Ctx, Public, CSRF_FIELD};
use super::form::Problem;
use super::i18n::{Lang, M};

/// The menu entries (the current one is marked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// Overview.
    Overview,
    /// KKMs.
    Kkms,
    /// Operators.
    Operators,
    /// Analytics.
    Analytics,
    /// Settings.
    Settings,
    /// The cashier screen.
    Cashier,
    /// None of them.
    Other,
}

const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the console's security headers to a response.
pub fn secure(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// An HTML response.
pub fn html_response(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    secure(response)
}

fn shell(lang: Lang, title: &str, header: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (lang.t(M::AppName)) }
                link rel="stylesheet" href="/console/assets/console.css";
                script src="/console/assets/console.js" defer {}
            }
            body {
                a.skip href="#main" { (lang.t(M::SkipToContent)) }
                (header)
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
                footer { (lang.t(M::AppName)) " · " (env!("CARGO_PKG_VERSION")) }
            }
        }
    }
}

fn lang_switch(lang: Lang, csrf: &str, back: &str, action: &str) -> Markup {
    html! {
        form.lang method="post" action=(action) {
            input type="hidden" name=(CSRF_FIELD) value=(csrf);
            input type="hidden" name="back" value=(back);
            @for l in Lang::ALL {
                button type="submit" name="lang" value=(l.code())
                    aria-pressed=(if l == lang { "true" } else { "false" })
                    lang=(l.code()) { (l.name()) }
            }
        }
    }
}

fn menu(ctx: &Ctx, current: Section) -> Markup {
    let entries: Vec<(Section, &str, M)> = [
        (
            Section::Overview,
            "/console/",
            M::NavOverview,
            Action::ViewKkm,
        ),
        (
            Section::Cashier,
            "/console/cashier",
            M::NavCashier,
            Action::TradeOperation,
        ),
        (Section::Kkms, "/console/kkms", M::NavKkms, Action::ViewKkm),
        (
            Section::Operators,
            "/console/operators",
            M::NavOperators,
            Action::ManageOperators,
        ),
        (
            Section::Analytics,
            "/console/analytics",
            M::NavAnalytics,
            Action::ViewJournal,
        ),
        (
            Section::Settings,
            "/console/settings",
            M::NavSettings,
            Action::ManageOperators,
        ),
    ]
    .into_iter()
    .filter(|(_, _, _, action)| !ctx.must_change_pin && ctx.can(*action))
    .map(|(s, href, m, _)| (s, href, m))
    .collect();
    html! {
        header.top {
            a.brand href="/console/" { (ctx.t(M::AppName)) }
            nav aria-label=(ctx.t(M::NavLabel)) {
                ul {
                    @for (section, href, key) in entries {
                        li {
                            a href=(href) aria-current=[(section == current).then_some("page")] {
                                (ctx.t(key))
                            }
                        }
                    }
                }
            }
            div.who {
                span { (ctx.operator.name) " · " (role_name(ctx.lang, ctx.operator.role)) }
                a href=(crate::console::pages::pin::PATH) { (ctx.t(M::OwnPin)) }
                (lang_switch(ctx.lang, &ctx.csrf, &ctx.path, "/console/lang"))
                form method="post" action="/console/signout" {
                    input type="hidden" name=(CSRF_FIELD) value=(ctx.csrf);
                    button type="submit" { (ctx.t(M::SignOut)) }
                }
            }
        }
    }
}

/// The name of a role.
pub fn role_name(lang: Lang, role: kkm_core::Role) -> &'static str {
    lang.t(match role {
        kkm_core::Role::Administrator => M::RoleAdministrator,
        kkm_core::Role::SeniorCashier => M::RoleSeniorCashier,
        kkm_core::Role::Cashier => M::RoleCashier,
    })
}

/// A signed-in page.
pub fn page(ctx: &Ctx, section: Section, title: &str, body: Markup) -> Response {
    let body = html! {
        (pin_notices(ctx))
        (body)
    };
    html_response(
        StatusCode::OK,
        shell(ctx.lang, title, menu(ctx, section), body),
    )
}

/// Above every page of an administrator: the default PIN still in use, PINs shorter
/// than the policy (until they are changed); and "PIN changed" after the change.
fn pin_notices(ctx: &Ctx) -> Markup {
    let changed = ctx
        .path
        .split_once('?')
        .is_some_and(|(_, q)| q.split('&').any(|kv| kv == "notice=pin-changed"));
    // Cheap (one keyed lookup and the operator rows); nothing for other roles.
    let warnings = ctx.registry.pin_warnings(&ctx.cred).unwrap_or_default();
    html! {
        @if changed { p.notice role="status" { (ctx.t(M::PinChanged)) } }
        @if !warnings.default_pin.is_empty() {
            p.notice.warn #default-pin-warning role="alert" {
                (ctx.tf(M::DefaultPinWarning, &[&warnings.default_pin.join(", ")]))
            }
        }
        @if !warnings.below_policy.is_empty() {
            p.notice.warn #short-pin-warning role="alert" {
                (ctx.tf(M::ShortPinWarning, &[&warnings.below_policy.join(", ")]))
            }
        }
    }
}

/// A form page shown again with its refusal: 422.
pub fn unprocessable(mut response: Response) -> Response {
    *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    response
}

/// A page before sign-in.
pub fn public_page(p: &Public, csrf: &str, title: &str, body: Markup) -> Response {
    let header = html! {
        header.top {
            span.brand { (p.t(M::AppName)) }
            div.who { (lang_switch(p.lang, csrf, &p.path, "/console/lang")) }
        }
    };
    html_response(StatusCode::OK, shell(p.lang, title, header, body))
}

/// A page that refuses or fails: the message, and the seed's code when there is one.
pub fn error_page(
    ctx: &Ctx,
    status: StatusCode,
    message: &str,
    problem: Option<&Problem>,
) -> Response {
    let body = html! {
        p.notice.bad role="alert" { (message) }
        @if let Some(p) = problem { (problem_box(ctx.lang, p)) }
        p { a href="/console/" { (ctx.t(M::BackToOverview)) } }
    };
    html_response(
        status,
        shell(ctx.lang, ctx.t(M::Refused), menu(ctx, Section::Other), body),
    )
}

/// The page for a refusal of the registry (71/72 → 403, others → 400/409).
pub fn refusal(ctx: &Ctx, problem: &Problem) -> Response {
    use kkm_core::ErrorCode as E;
    let status = match problem.code {
        E::KkmAccessDenied | E::KkmInvalidBindings => StatusCode::FORBIDDEN,
        E::InvalidKkmOfdId | E::TransactionNotFound | E::OperationNotFound => StatusCode::NOT_FOUND,
        _ => StatusCode::CONFLICT,
    };
    error_page(ctx, status, ctx.t(M::RefusedByRegister), Some(problem))
}

/// The seed's code, its constant and meaning, and the register's message.
pub fn problem_text(lang: Lang, p: &Problem) -> Markup {
    html! {
        span.code { (lang.t(M::ErrorCode)) " " (p.code.code()) " " code { (p.code.name()) } }
        " — " (p.code.description()) ". "
        span.message { (p.message) }
    }
}

/// A refusal at the top of a form (when it names no field of the form).
pub fn problem_box(lang: Lang, p: &Problem) -> Markup {
    html! {
        div.notice.bad role="alert" #problem {
            (problem_text(lang, p))
            @if !p.csv.is_empty() {
                table.csv {
                    caption { (lang.t(M::CsvProblems)) }
                    (head(&[lang.t(M::CsvLine), lang.t(M::CsvColumn), lang.t(M::CsvWhat)]))
                    tbody {
                        @for c in &p.csv {
                            tr { td { (c.line) } td { (c.column) } td { (c.message) } }
                        }
                    }
                }
            }
        }
    }
}

/// A table's header row: one column header per text.
pub fn head(columns: &[&str]) -> Markup {
    html! { thead { tr { @for c in columns { th scope="col" { (c) } } } } }
}

/// A notice that something was done.
pub fn done(text: &str) -> Markup {
    html! { p.notice.good role="status" { (text) } }
}

/// What a form field needs to know about a refusal.
#[derive(Clone, Copy)]
pub struct FieldCtx<'a> {
    /// Language.
    pub lang: Lang,
    /// The refusal being shown, if any.
    pub problem: Option<&'a Problem>,
}

impl<'a> FieldCtx<'a> {
    /// `true` when the refusal names none of `fields` (it is shown at the top).
    pub fn unplaced(&self, fields: &[&str]) -> Option<&'a Problem> {
        self.problem
            .filter(|p| !fields.iter().any(|f| p.is_about(f)))
    }

    fn error_for(&self, name: &str) -> Option<&'a Problem> {
        self.problem.filter(|p| p.is_about(name))
    }

    fn id(name: &str) -> String {
        format!("f-{}", name.replace(['.', '[', ']'], "-"))
    }

    /// A labelled input; `kind` is its `type`.
    pub fn input(&self, label: &str, name: &str, kind: &str, value: &str, extra: Extra) -> Markup {
        let id = Self::id(name);
        let error = self.error_for(name);
        let err_id = format!("{id}-error");
        let hint_id = format!("{id}-hint");
        let described: Vec<&str> = [
            extra.hint.map(|_| hint_id.as_str()),
            error.map(|_| err_id.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect();
        html! {
            div.field {
                label for=(id) { (label) @if extra.required { span.req aria-hidden="true" { " *" } } }
                input id=(id) name=(name) type=(kind) value=(value)
                    required[extra.required]
                    autocomplete=[extra.autocomplete]
                    inputmode=[extra.inputmode]
                    aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[(!described.is_empty()).then(|| described.join(" "))];
                @if let Some(h) = extra.hint { small.hint id=(hint_id) { (h) } }
                @if let Some(p) = error { p.error id=(err_id) { (problem_text(self.lang, p)) } }
            }
        }
    }

    /// A labelled select of `(value, text)` options.
    pub fn select(
        &self,
        label: &str,
        name: &str,
        options: &[(String, String)],
        selected: &str,
    ) -> Markup {
        let id = Self::id(name);
        let error = self.error_for(name);
        let err_id = format!("{id}-error");
        html! {
            div.field {
                label for=(id) { (label) }
                select id=(id) name=(name) aria-invalid=[error.map(|_| "true")]
                    aria-describedby=[error.map(|_| err_id.clone())] {
                    @for (value, text) in options {
                        option value=(value) selected[value == selected] { (text) }
                    }
                }
                @if let Some(p) = error { p.error id=(err_id) { (problem_text(self.lang, p)) } }
            }
        }
    }

    /// A labelled checkbox.
    pub fn checkbox(&self, label: &str, name: &str, value: &str, checked: bool) -> Markup {
        let id = format!("{}-{}", Self::id(name), value);
        let error = self.error_for(name);
        html! {
            div.check {
                input id=(id) type="checkbox" name=(name) value=(value) checked[checked];
                label for=(id) { (label) }
                @if let Some(p) = error { p.error { (problem_text(self.lang, p)) } }
            }
        }
    }
}

/// Optional attributes of an input.
#[derive(Clone, Copy, Default)]
pub struct Extra {
    /// Required.
    pub required: bool,
    /// `autocomplete`.
    pub autocomplete: Option<&'static str>,
    /// `inputmode`.
    pub inputmode: Option<&'static str>,
    /// A hint under the field.
    pub hint: Option<&'static str>,
}

impl Extra {
    /// Required.
    pub fn required() -> Extra {
        Extra {
            required: true,
            ..Extra::default()
        }
    }

    /// With `inputmode`.
    pub fn mode(mut self, inputmode: &'static str) -> Extra {
        self.inputmode = Some(inputmode);
        self
    }

    /// With a hint.
    pub fn hint(mut self, hint: &'static str) -> Extra {
        self.hint = Some(hint);
        self
    }

    /// With `autocomplete`.
    pub fn autocomplete(mut self, value: &'static str) -> Extra {
        self.autocomplete = Some(value);
        self
    }
}

/// The hidden CSRF field of a form.
pub fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(csrf); }
}

/// A POST button (a form of its own) with optional hidden fields.
pub fn post_button(
    csrf: &str,
    action: &str,
    label: &str,
    fields: &[(&str, &str)],
    class: &str,
) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (csrf_field(csrf))
            @for (k, v) in fields { input type="hidden" name=(k) value=(v); }
            button type="submit" class=(class) { (label) }
        }
    }
}
