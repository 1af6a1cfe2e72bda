//! The KKM form (add an existing KKM, edit one) as the configurator has it: OFD,
//! system id and token, name, automatic withdrawal, VAT certificate, printer, VPN —
//! and its translation into SaveKKM's request.

use kkm_register::api::{KkmObject, OfdObject, SaveKkmRequest};
use maud::{html, Markup};
use serde_json::{json, Value};

use crate::console::context::Ctx;
use crate::console::form::{number, Form, Json, Problem};
use crate::console::i18n::M;
use crate::console::layout::{csrf_field, Extra, FieldCtx};

/// Adding a KKM, or editing one.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// «Добавить существующую кассу»: OFD, id and token too.
    Add,
    /// «Настройки»: everything but the id and the token.
    Edit,
}

/// Every field of the form.
pub const FIELDS: [&str; 12] = [
    "ofd_uid",
    "ofd_id",
    "ofd_token",
    "local_name",
    "auto_withdraw_money",
    "vat",
    "vat_certificate.series",
    "vat_certificate.number",
    "vat_certificate.is_printable",
    "printer.name",
    "printer.type",
    "use_software_vpn",
];

/// The form's values for a KKM as stored.
pub fn values_of(k: &KkmObject) -> Form {
    let mut f = Form::default()
        .with("ofd_uid", k.ofd_uid.clone().unwrap_or_default())
        .with("ofd_id", k.ofd_id.to_string())
        .with("local_name", k.local_name.clone().unwrap_or_default());
    if k.auto_withdraw_money == Some(true) {
        f = f.with("auto_withdraw_money", "1");
    }
    if k.use_software_vpn == Some(true) {
        f = f.with("use_software_vpn", "1");
    }
    if let Some(v) = &k.vat_certificate {
        if v.series.is_some() || v.number.is_some() {
            f = f.with("vat", "1");
        }
        f = f
            .with(
                "vat_certificate.series",
                v.series.clone().unwrap_or_default(),
            )
            .with(
                "vat_certificate.number",
                v.number.clone().unwrap_or_default(),
            );
        if v.is_printable == Some(true) {
            f = f.with("vat_certificate.is_printable", "1");
        }
    }
    if let Some(p) = &k.printer {
        f = f
            .with("printer.name", p.name.clone())
            .with("printer.type", p.kind.code().to_string());
    }
    f
}

/// SaveKKM's request from the form, decoded as the API decodes it (a wrong value is
/// the API's 2 naming the field). In edit mode `ofd_id` is the KKM's.
pub fn request_of(form: &Form, mode: Mode, ofd_id: Option<i64>) -> Result<SaveKkmRequest, Problem> {
    let mut json = Json::new()
        .set(
            "auto_withdraw_money",
            Value::Bool(form.checked("auto_withdraw_money")),
        )
        .set(
            "use_software_vpn",
            Value::Bool(form.checked("use_software_vpn")),
        );
    json = match ofd_id {
        Some(id) => json.set("ofd_id", json!(id)),
        None => json.set("ofd_id", number(form.get("ofd_id"))),
    };
    if mode == Mode::Add {
        json = json
            .text("ofd_uid", form.get("ofd_uid"))
            .number("ofd_token", form.get("ofd_token"));
        json = json.text("local_name", form.get("local_name"));
    } else {
        json = json.set(
            "local_name",
            Value::String(form.get("local_name").to_owned()),
        );
    }
    if form.checked("vat") {
        json = json.set(
            "vat_certificate",
            json!({
                "series": form.get("vat_certificate.series"),
                "number": form.get("vat_certificate.number"),
                "is_printable": form.checked("vat_certificate.is_printable"),
            }),
        );
    } else if mode == Mode::Edit {
        json = json.set("vat_certificate", json!({}));
    }
    if let Some(name) = form.opt("printer.name") {
        json = json.set(
            "printer",
            json!({"name": name, "type": number(form.get("printer.type"))}),
        );
    }
    json.decode()
}

/// The form.
pub fn render(
    ctx: &Ctx,
    action: &str,
    mode: Mode,
    values: &Form,
    ofds: &[OfdObject],
    problem: Option<&Problem>,
) -> Markup {
    let f = FieldCtx {
        lang: ctx.lang,
        problem,
    };
    let ofd_options: Vec<(String, String)> = ofds
        .iter()
        .map(|o| (o.uid.clone(), o.name.clone()))
        .collect();
    let printer_types: Vec<(String, String)> = [
        ("1", M::PrinterCom),
        ("2", M::PrinterVcl),
        ("3", M::PrinterBluetooth),
    ]
    .into_iter()
    .map(|(v, m)| (v.to_owned(), ctx.t(m).to_owned()))
    .collect();
    html! {
        @if let Some(p) = f.unplaced(&FIELDS) { (crate::console::layout::problem_box(ctx.lang, p)) }
        form.card method="post" action=(action) {
            (csrf_field(&ctx.csrf))
            @if mode == Mode::Add {
                fieldset {
                    legend { (ctx.t(M::OfdConnection)) }
                    (f.select(ctx.t(M::OfdServer), "ofd_uid", &ofd_options, values.get("ofd_uid")))
                    (f.input(ctx.t(M::SystemId), "ofd_id", "text", values.get("ofd_id"),
                        Extra::required().mode("numeric").hint(ctx.t(M::SystemIdHint))))
                    (f.input(ctx.t(M::Token), "ofd_token", "text", values.get("ofd_token"),
                        Extra::required().mode("numeric").autocomplete("off")))
                }
            }
            fieldset {
                legend { (ctx.t(M::KkmSettings)) }
                (f.input(ctx.t(M::KkmName), "local_name", "text", values.get("local_name"), Extra::default()))
                (f.checkbox(ctx.t(M::AutoWithdraw), "auto_withdraw_money", "1", values.checked("auto_withdraw_money")))
                (f.checkbox(ctx.t(M::SoftwareVpn), "use_software_vpn", "1", values.checked("use_software_vpn")))
            }
            fieldset {
                legend { (ctx.t(M::VatCertificate)) }
                (f.checkbox(ctx.t(M::VatPayer), "vat", "1", values.checked("vat")))
                (f.input(ctx.t(M::VatSeries), "vat_certificate.series", "text", values.get("vat_certificate.series"), Extra::default()))
                (f.input(ctx.t(M::VatNumber), "vat_certificate.number", "text", values.get("vat_certificate.number"), Extra::default()))
                (f.checkbox(ctx.t(M::VatPrintable), "vat_certificate.is_printable", "1", values.checked("vat_certificate.is_printable")))
            }
            fieldset {
                legend { (ctx.t(M::Printer)) }
                (f.input(ctx.t(M::PrinterName), "printer.name", "text", values.get("printer.name"), Extra::default().hint(ctx.t(M::PrinterHint))))
                (f.select(ctx.t(M::PrinterType), "printer.type", &printer_types, values.get("printer.type")))
            }
            button.primary type="submit" {
                (ctx.t(if mode == Mode::Add { M::AddKkm } else { M::Save }))
            }
        }
    }
}
