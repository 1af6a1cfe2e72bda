//! The till's basket, kept on the server per session and KKM, and what each keystroke
//! of the cashier does to it. The basket and its rules are the register's
//! ([`kkm_register::basket::Basket`]: a change the sale would refuse is not kept, a
//! product scanned again adds to its line, a mark goes onto the pack waiting for it and
//! counts once); this module reads the form, asks the catalogue and keeps which line is
//! selected. Nothing here computes money.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use kkm_core::money::parse_scaled;
use kkm_core::sale::{SaleLine, SalePayment};
use kkm_core::{ErrorCode, Money, Operation, PaymentType, Percent};
use kkm_register::api::{MoneyPlacementRequest, ZxReportRequest};
use kkm_register::basket::{Basket, LineEdit};
use kkm_register::sale::{BasketTotals, PIECE_UNIT_CODE};
use kkm_register::{CatalogueMatch, DocumentKind};
use kkm_scan::gs1::KeyboardProfile;
use kkm_scan::rules::classify_typed;
use kkm_scan::ScanContent;
use serde_json::json;

use crate::console::context::Ctx;
use crate::console::form::{submit, Form, Json, Problem};
use crate::console::i18n::M;

/// Baskets kept at once (one per session and KKM); the least recently used goes first.
const MAX_TILLS: usize = 512;

/// The receipt the till made last.
#[derive(Clone, Debug)]
pub struct LastReceipt {
    /// Its journal id (for its image), when found.
    pub doc: Option<i64>,
    /// Its fiscal sign (or offline number).
    pub fiscal_id: String,
    /// Made autonomously.
    pub offline: bool,
    /// Sale or return.
    pub operation: Operation,
    /// Its total and change, as the register computed them.
    pub totals: BasketTotals,
}

/// One cashier's basket on one KKM.
#[derive(Clone, Debug)]
pub struct Till {
    /// The receipt being made, or a return of a found receipt (no payments: they are
    /// typed at payment).
    pub basket: Basket,
    /// The line the line keys act on.
    pub selected: Option<usize>,
    /// The idempotency key of the receipt being made: a repeated payment makes one
    /// receipt.
    pub key: String,
    /// The idempotency key of the next cash in or out.
    pub cash_key: String,
    /// The last receipt made.
    pub last: Option<LastReceipt>,
    /// What the last action said, for a page without script (shown once).
    pub flash: Option<Outcome>,
    used: Instant,
}

impl Default for Till {
    fn default() -> Till {
        Till {
            basket: Basket::sale(),
            selected: None,
            key: random_key(),
            cash_key: random_key(),
            last: None,
            flash: None,
            used: Instant::now(),
        }
    }
}

fn random_key() -> String {
    let mut bytes = [0u8; 12];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Till {
    /// What the basket comes to with `payments` (`None` while it is empty).
    pub fn totals(&self, payments: &[SalePayment]) -> Option<Result<BasketTotals, Problem>> {
        if self.basket.is_empty() {
            return None;
        }
        Some(self.basket.totals(payments).map_err(Problem::from))
    }

    fn clear(&mut self) {
        self.basket.clear();
        self.selected = None;
        self.key = random_key();
    }

    /// The basket's change, with the line it touched selected.
    fn changed(
        &mut self,
        touched: Result<usize, kkm_register::RegisterError>,
    ) -> Result<(), Problem> {
        let index = touched.map_err(Problem::from)?;
        self.selected = Some(index).filter(|i| *i < self.basket.lines().len());
        Ok(())
    }
}

/// The baskets of every session.
#[derive(Default)]
pub struct Tills {
    map: Mutex<HashMap<String, Till>>,
}

impl Tills {
    /// A copy of the till under `key` (a fresh one when there is none).
    pub fn get(&self, key: &str) -> Till {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key).cloned().unwrap_or_default()
    }

    /// Keeps `till` under `key`, dropping the least recently used beyond the limit.
    pub fn put(&self, key: &str, mut till: Till) {
        till.used = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(key.to_owned(), till);
        while map.len() > MAX_TILLS {
            let oldest = map
                .iter()
                .min_by_key(|(_, t)| t.used)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => map.remove(&k),
                None => break,
            };
        }
    }
}

/// What an action says back.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// The register's refusal.
    pub problem: Option<Problem>,
    /// A warning of the till's own (an unknown barcode).
    pub warning: Option<String>,
    /// What was done.
    pub notice: Option<String>,
    /// A panel the page opens (`free` for a mark of a product not in the catalogue,
    /// or the panel of a refused form).
    pub open: Option<&'static str>,
    /// The mark the free-item panel carries.
    pub mark: Option<String>,
    /// Payments typed so far (the payment panel's preview).
    pub payments: Vec<SalePayment>,
}

impl Outcome {
    fn refused(problem: Problem, panel: Option<&'static str>) -> Outcome {
        Outcome {
            problem: Some(problem),
            open: panel,
            ..Outcome::default()
        }
    }

    fn from(result: Result<(), Problem>, panel: Option<&'static str>) -> Outcome {
        match result {
            Ok(()) => Outcome::default(),
            Err(p) => Outcome::refused(p, panel),
        }
    }
}

fn invalid(field: &str, reason: impl std::fmt::Display) -> Problem {
    Problem::new(ErrorCode::InvalidFields, format!("{field}: {reason}"))
}

/// A sum typed in tenge (`1 250,50`), `None` when blank.
pub fn money_of(form: &Form, field: &str) -> Result<Option<Money>, Problem> {
    let text: String = form
        .get(field)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if text.is_empty() {
        return Ok(None);
    }
    parse_scaled(&text.replace(',', "."), 2)
        .map(|t| Some(Money::from_tiyn(t)))
        .map_err(|e| invalid(field, e))
}

/// A quantity typed in units (`1,5`), in thousandths; `None` when blank.
fn quantity_of(form: &Form, field: &str) -> Result<Option<i64>, Problem> {
    let text = form.get(field).replace(',', ".");
    if text.is_empty() {
        return Ok(None);
    }
    parse_scaled(&text, 3)
        .map(Some)
        .map_err(|e| invalid(field, e))
}

/// The payments of the payment panel (cash, card, mobile; blank ones left out).
pub fn payments_of(form: &Form) -> Result<Vec<SalePayment>, Problem> {
    let mut out = Vec::new();
    for (field, kind) in [
        ("cash", PaymentType::Cash),
        ("card", PaymentType::Card),
        ("mobile", PaymentType::Mobile),
    ] {
        if let Some(amount) = money_of(form, field)? {
            out.push(SalePayment { kind, amount });
        }
    }
    Ok(out)
}

/// Carries out the form's `act` on `till`.
pub async fn act(ctx: &Ctx, id: i64, till: &mut Till, form: &Form) -> Outcome {
    match form.get("act") {
        "scan" => scan(ctx, id, till, form.raw("code").unwrap_or("")),
        "add" => add(ctx, id, till, form),
        "free" => free(till, form),
        "line" => Outcome::from(edit_line(ctx, id, till, form), Some("line")),
        "remove" => {
            let i = form.get("index").parse().ok().or(till.selected);
            if let Some(i) = i.filter(|i| *i < till.basket.lines().len()) {
                till.basket.remove(i);
                till.selected = till.basket.lines().len().checked_sub(1).map(|l| i.min(l));
            }
            Outcome::default()
        }
        "select" => {
            let n = till.basket.lines().len();
            let current = till.selected.unwrap_or(n.saturating_sub(1));
            till.selected = match form.get("dir") {
                "up" => Some(current.saturating_sub(1)),
                "down" => Some((current + 1).min(n.saturating_sub(1))),
                _ => form.get("index").parse().ok(),
            }
            .filter(|i| *i < n);
            Outcome::default()
        }
        "receipt" => Outcome::from(receipt_modifier(till, form), Some("receipt")),
        "preview" => match payments_of(form) {
            Ok(payments) => Outcome {
                payments,
                ..Outcome::default()
            },
            Err(p) => Outcome::refused(p, Some("pay")),
        },
        "pay" => pay(ctx, id, till, form).await,
        "return" => start_return(ctx, id, till, form.get("fiscal")),
        "clear" => {
            till.clear();
            Outcome::default()
        }
        "cash" => cash(ctx, id, till, form).await,
        "x" => x_report(ctx, id).await,
        "duplicate" => duplicate(ctx, id, form).await,
        other => Outcome::refused(invalid("act", format!("{other:?} is not an action")), None),
    }
}

fn scan(ctx: &Ctx, id: i64, till: &mut Till, text: &str) -> Outcome {
    let text = text.trim_matches(|c: char| c.is_whitespace() || c.is_control());
    if text.is_empty() {
        return Outcome::default();
    }
    match classify_typed(text, &KeyboardProfile::default()) {
        Ok(ScanContent::Receipt(qr)) => start_return(ctx, id, till, &qr.fiscal_id),
        Ok(ScanContent::Mark(mark)) => {
            let stamp = mark.excise_stamp().to_owned();
            match ctx.registry.catalogue_lookup(&ctx.cred, id, mark.barcode()) {
                Ok(Some(CatalogueMatch::Product(p))) => {
                    let touched = till.basket.add_mark(&p, &stamp);
                    Outcome::from(till.changed(touched), None)
                }
                Ok(_) => Outcome {
                    warning: Some(ctx.tf(M::TillMarkUnknown, &[&mark.barcode()])),
                    open: Some("free"),
                    mark: Some(stamp),
                    ..Outcome::default()
                },
                Err(e) => Outcome::refused(e.into(), None),
            }
        }
        Ok(ScanContent::Product(gtin)) => {
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            lookup(ctx, id, till, &digits, Some(gtin.as_gtin14()))
        }
        // A shop's own code (digits without a valid GTIN check digit) may still be in
        // the catalogue.
        Ok(ScanContent::Other(other)) => {
            if !other.is_empty() && other.len() <= 14 && other.bytes().all(|b| b.is_ascii_digit()) {
                lookup(ctx, id, till, &other, None)
            } else {
                Outcome {
                    warning: Some(ctx.tf(M::TillBarcodeUnknown, &[&other])),
                    ..Outcome::default()
                }
            }
        }
        // The register's own reading of a mark says why it cannot be read.
        Err(_) => match kkm_core::mark::excise_mark(text, "code") {
            Err(e) => Outcome::refused(Problem::from(kkm_register::RegisterError::from(e)), None),
            Ok(_) => Outcome {
                warning: Some(ctx.tf(M::TillBarcodeUnknown, &[&text])),
                ..Outcome::default()
            },
        },
    }
}

/// The catalogue's product (or bundle) of a scanned barcode onto the basket.
fn lookup(ctx: &Ctx, id: i64, till: &mut Till, digits: &str, gtin14: Option<&str>) -> Outcome {
    let found = ctx
        .registry
        .catalogue_lookup(&ctx.cred, id, digits)
        .and_then(|m| match (m, gtin14) {
            (Some(m), _) => Ok(Some(m)),
            (None, Some(g)) if g != digits => ctx.registry.catalogue_lookup(&ctx.cred, id, g),
            (None, _) => Ok(None),
        });
    match found {
        Ok(Some(m)) => {
            let touched = till.basket.add_catalogue(m);
            Outcome::from(till.changed(touched), None)
        }
        Ok(None) => Outcome {
            warning: Some(ctx.tf(M::TillBarcodeUnknown, &[&digits])),
            ..Outcome::default()
        },
        Err(e) => Outcome::refused(e.into(), None),
    }
}

fn add(ctx: &Ctx, id: i64, till: &mut Till, form: &Form) -> Outcome {
    let Ok(code) = form.get("code").parse::<u64>() else {
        return Outcome::refused(invalid("code", "not a product code"), Some("search"));
    };
    let products = match ctx.registry.catalogue_products(&ctx.cred, id) {
        Ok(p) => p,
        Err(e) => return Outcome::refused(e.into(), Some("search")),
    };
    match products.into_iter().find(|p| p.code == code) {
        Some(p) => {
            let touched = till.basket.add_catalogue(CatalogueMatch::Product(p));
            Outcome::from(till.changed(touched), Some("search"))
        }
        None => Outcome::refused(
            invalid("code", format!("no product {code}")),
            Some("search"),
        ),
    }
}

fn free(till: &mut Till, form: &Form) -> Outcome {
    let line = (|| {
        let price = money_of(form, "price")?.unwrap_or(Money::ZERO);
        let quantity = quantity_of(form, "quantity")?.unwrap_or(1000);
        let mut line = SaleLine::new(
            form.get("name"),
            form.get("section"),
            PIECE_UNIT_CODE,
            price,
            quantity,
        );
        line.excise_stamp = form.opt("mark").map(str::to_owned);
        Ok::<_, Problem>(line)
    })();
    let outcome = Outcome::from(
        line.and_then(|l| {
            let touched = till.basket.add_free(l);
            till.changed(touched)
        }),
        Some("free"),
    );
    match outcome.problem {
        Some(_) => Outcome {
            mark: form.opt("mark").map(str::to_owned),
            ..outcome
        },
        None => outcome,
    }
}

fn edit_line(ctx: &Ctx, id: i64, till: &mut Till, form: &Form) -> Result<(), Problem> {
    let i = form
        .get("index")
        .parse::<usize>()
        .ok()
        .or(till.selected)
        .filter(|i| *i < till.basket.lines().len())
        .ok_or_else(|| invalid("index", "no such line"))?;
    let old = till.basket.lines()[i].clone();
    let edit = LineEdit {
        quantity_milli: quantity_of(form, "quantity")?.unwrap_or(old.quantity_milli),
        price: money_of(form, "price")?.unwrap_or(old.price),
        discount: money_of(form, "discount")?,
        markup: money_of(form, "markup")?,
    };
    // A catalogue product's price changes only where the catalogue allows.
    let product = match old.barcode.as_deref() {
        Some(barcode) if edit.price != old.price => {
            match ctx.registry.catalogue_lookup(&ctx.cred, id, barcode)? {
                Some(CatalogueMatch::Product(p)) => Some(p),
                _ => None,
            }
        }
        _ => None,
    };
    till.basket
        .edit_line(i, edit, product.as_ref())
        .map_err(Problem::from)?;
    till.selected = Some(i);
    Ok(())
}

/// A receipt discount or markup as typed: a sum (`50`, `50,00`) or a percent of the
/// lines (`5%`, `2,5 %`), which the register turns into its sum.
fn sum_or_percent(form: &Form, field: &str, basket: &Basket) -> Result<Option<Money>, Problem> {
    let text: String = form
        .get(field)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    match text.strip_suffix('%') {
        Some(percent) => {
            let percent =
                Percent::parse(&percent.replace(',', ".")).map_err(|e| invalid(field, e))?;
            basket
                .receipt_percent(percent)
                .map(Some)
                .map_err(Problem::from)
        }
        None => money_of(form, field),
    }
}

fn receipt_modifier(till: &mut Till, form: &Form) -> Result<(), Problem> {
    let discount = sum_or_percent(form, "discount", &till.basket)?;
    let markup = sum_or_percent(form, "markup", &till.basket)?;
    till.basket
        .set_receipt_modifiers(discount, markup)
        .map_err(Problem::from)
}

fn start_return(ctx: &Ctx, id: i64, till: &mut Till, fiscal: &str) -> Outcome {
    let fiscal = fiscal.trim();
    if fiscal.is_empty() {
        return Outcome::refused(
            invalid("fiscal", "the fiscal sign is required"),
            Some("return"),
        );
    }
    match ctx.registry.find_receipt(&ctx.cred, id, fiscal) {
        Ok(found) => {
            till.clear();
            till.basket.start_return(found);
            till.selected = till.basket.lines().len().checked_sub(1);
            Outcome::default()
        }
        Err(e) => Outcome::refused(e.into(), Some("return")),
    }
}

/// Cash in (0) or out (1): MoneyPlacement, idempotent until it is made.
async fn cash(ctx: &Ctx, id: i64, till: &mut Till, form: &Form) -> Outcome {
    let request = Json::new()
        .set("kkm_ofd_id", json!(id))
        .number("operation", form.get("operation"))
        .number("sum", form.get("sum"))
        .decode::<MoneyPlacementRequest>();
    let key = Some(till.cash_key.clone());
    match submit(request, |r| ctx.registry.money_placement(&ctx.cred, r, key)).await {
        Ok(answer) => {
            till.cash_key = random_key();
            Outcome {
                notice: Some(ctx.tf(
                    M::TillCashDone,
                    &[&crate::console::format::money(answer.body.sum)],
                )),
                ..Outcome::default()
            }
        }
        Err(mut p) => {
            if p.field.is_none() && p.code == ErrorCode::NotEnoughCash {
                p.field = Some("sum".into());
            }
            Outcome::refused(p, Some("cash"))
        }
    }
}

/// The X-report (for the roles that may take one: a cashier gets the register's 71).
async fn x_report(ctx: &Ctx, id: i64) -> Outcome {
    let request = Json::new()
        .set("kkm_ofd_id", json!(id))
        .set("report_type", json!(1))
        .decode::<ZxReportRequest>();
    match submit(request, |r| ctx.registry.zx_report(&ctx.cred, r)).await {
        Ok(_) => Outcome {
            notice: Some(ctx.t(M::TillXDone).to_owned()),
            ..Outcome::default()
        },
        Err(p) => Outcome::refused(p, Some("x")),
    }
}

/// A duplicate of one of the cashier's receipts on the KKM's printer (ReprintDocument,
/// with its rules: a cashier reprints this shift's and the last one's).
async fn duplicate(ctx: &Ctx, id: i64, form: &Form) -> Outcome {
    let (Ok(shift), Ok(doc)) = (
        form.get("shift").parse::<i64>(),
        form.get("doc").parse::<i64>(),
    ) else {
        return Outcome::refused(invalid("doc", "no such receipt"), Some("receipts"));
    };
    match ctx
        .registry
        .reprint_document(&ctx.cred, id, shift, doc, None)
        .await
    {
        Ok(job) => Outcome {
            notice: Some(ctx.tf(M::PrintQueued, &[&job.id])),
            ..Outcome::default()
        },
        Err(e) => Outcome::refused(e.into(), Some("receipts")),
    }
}

async fn pay(ctx: &Ctx, id: i64, till: &mut Till, form: &Form) -> Outcome {
    let payments = match payments_of(form) {
        Ok(p) => p,
        Err(p) => return Outcome::refused(p, Some("pay")),
    };
    let mut draft = till.basket.to_draft(payments.clone());
    draft.customer_email = form.opt("email").map(str::to_owned);
    draft.customer_phone = form.opt("phone").map(str::to_owned);
    let totals = match kkm_register::sale::basket_totals(&draft) {
        Ok(t) => t,
        Err(e) => {
            return Outcome {
                payments,
                ..Outcome::refused(e.into(), Some("pay"))
            }
        }
    };
    let operation = draft.operation;
    let answer = ctx
        .registry
        .trade_draft_printed(&ctx.cred, id, draft, Some(till.key.clone()))
        .await;
    match answer {
        Ok(answer) => {
            let kind = match operation {
                Operation::SellReturn => DocumentKind::SellReturn,
                Operation::Buy => DocumentKind::Buy,
                Operation::BuyReturn => DocumentKind::BuyReturn,
                Operation::Sell => DocumentKind::Sell,
            };
            let fiscal_id = answer.fiscal_id.clone();
            let doc = ctx
                .registry
                .last_document_of(&ctx.cred, id, kind)
                .ok()
                .flatten()
                .filter(|d| {
                    d.fiscal_sign.as_deref() == Some(fiscal_id.as_str())
                        || d.offline_number.map(|n| n.to_string()).as_deref()
                            == Some(fiscal_id.as_str())
                })
                .map(|d| d.id);
            till.clear();
            till.last = Some(LastReceipt {
                doc,
                fiscal_id,
                offline: answer.document.is_offline,
                operation,
                totals,
            });
            Outcome {
                notice: Some(ctx.t(M::TillReceiptMade).to_owned()),
                ..Outcome::default()
            }
        }
        Err(e) => Outcome {
            payments,
            ..Outcome::refused(e.into(), Some("pay"))
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_are_read_as_typed_with_a_comma_or_spaces() {
        let f = Form::parse("cash=1+250%2C50&card=1000&mobile=".as_bytes());
        assert_eq!(
            money_of(&f, "cash").unwrap(),
            Some(Money::from_tiyn(125_050))
        );
        let p = payments_of(&f).unwrap();
        assert_eq!(p.len(), 2, "a blank payment is none");
        assert_eq!(
            (p[1].kind, p[1].amount.tiyn()),
            (PaymentType::Card, 100_000)
        );
        let bad = Form::parse(b"cash=12.345");
        let problem = payments_of(&bad).unwrap_err();
        assert_eq!(problem.code, ErrorCode::InvalidFields);
        assert!(problem.is_about("cash"), "{problem:?}");
    }

    #[test]
    fn a_quantity_in_units_is_thousandths() {
        let f = Form::parse(b"quantity=1,5");
        assert_eq!(quantity_of(&f, "quantity").unwrap(), Some(1500));
        assert_eq!(quantity_of(&Form::default(), "quantity").unwrap(), None);
    }

    fn push(till: &mut Till, line: SaleLine) -> Result<(), Problem> {
        let touched = till.basket.add_free(line);
        till.changed(touched)
    }

    #[test]
    fn a_change_the_sale_refuses_is_not_kept() {
        let mut till = Till::default();
        let mut line = SaleLine::new("Хлеб", "1", "796", Money::from_tiyn(15_000), 1000);
        line.discount = Some(kkm_core::receipt::Modifier {
            name: String::new(),
            sum: Money::from_tiyn(15_000),
            auxiliary: Vec::new(),
        });
        let p = push(&mut till, line).unwrap_err();
        assert_eq!(p.code, ErrorCode::DiscountSumMustBeLessThanTotal);
        assert!(till.basket.is_empty());
        let ok = SaleLine::new("Хлеб", "1", "796", Money::from_tiyn(15_000), 1000);
        push(&mut till, ok).unwrap();
        assert_eq!(till.selected, Some(0));
        let totals = till.totals(&[]).unwrap().unwrap();
        assert_eq!(totals.total.tiyn(), 15_000);
    }

    #[test]
    fn a_receipt_discount_is_a_sum_or_a_percent_of_the_lines() {
        let mut till = Till::default();
        let bread = SaleLine::new("Хлеб", "1", "796", Money::from_tiyn(15_050), 3000);
        push(&mut till, bread).unwrap();
        let discount = |till: &Till| till.basket.draft().discount.as_ref().map(|d| d.sum.tiyn());
        let markup = |till: &Till| till.basket.draft().markup.as_ref().map(|d| d.sum.tiyn());
        // 3 × 150.50 = 451.50; 5 % = 22.575 → 22.58 (half up).
        receipt_modifier(&mut till, &Form::parse("discount=5%25".as_bytes())).unwrap();
        assert_eq!(discount(&till), Some(2_258));
        receipt_modifier(&mut till, &Form::parse("discount=2%2C5+%25".as_bytes())).unwrap();
        assert_eq!(discount(&till), Some(1_129));
        receipt_modifier(&mut till, &Form::parse("markup=10".as_bytes())).unwrap();
        assert_eq!(discount(&till), None);
        assert_eq!(markup(&till), Some(1_000));
        let p =
            receipt_modifier(&mut till, &Form::parse("discount=150%25".as_bytes())).unwrap_err();
        assert!(p.is_about("discount"), "{p:?}");
        assert_eq!(markup(&till), Some(1_000), "kept");
    }

    #[test]
    fn the_least_recently_used_basket_goes_first() {
        let tills = Tills::default();
        for i in 0..=MAX_TILLS {
            tills.put(&i.to_string(), Till::default());
        }
        let map = tills.map.lock().unwrap();
        assert_eq!(map.len(), MAX_TILLS);
        assert!(!map.contains_key("0"));
    }
}
