//! Layout: a [`PrintDocument`] becomes a column-independent list of [`Block`]s with every
//! requisite of Order No. 626 (chapter 3) in print order. The text and bitmap renderers
//! both format these blocks, so the picture and the text say the same thing.

use crate::format::{money, money_plain, thousandths};
use crate::labels::{Labels, KK, RU};
use crate::model::{
    Adjustment, FiscalMark, ItemLine, KkmRequisites, Language, MoneyPlacementView, NonNullableSum,
    PrintDateTime, PrintDocument, ReceiptView, ReportKind, ReportView, TaxLine,
};

/// Horizontal alignment of a text block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Flush left.
    Left,
    /// Centred.
    Center,
    /// Flush right.
    Right,
}

/// One element of a laid-out document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph, word-wrapped to the width; `\n` starts a new line.
    Text {
        /// The text.
        text: String,
        /// Alignment of every wrapped line.
        align: Align,
        /// Emphasis (double-struck in the bitmap, unchanged in plain text).
        bold: bool,
    },
    /// A label on the left and a value flush right on the same line (wrapped when too long).
    Pair {
        /// Left part (label).
        left: String,
        /// Right part (value).
        right: String,
        /// Emphasis.
        bold: bool,
    },
    /// A full-width dashed line.
    Separator,
    /// An empty line.
    Blank,
    /// A QR code with this payload (an image in the bitmap, the payload in plain text).
    Qr(String),
}

/// A laid-out document: blocks in print order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    /// The blocks.
    pub blocks: Vec<Block>,
}

impl Layout {
    fn text(&mut self, text: impl Into<String>, align: Align, bold: bool) {
        self.blocks.push(Block::Text {
            text: text.into(),
            align,
            bold,
        });
    }

    fn pair(&mut self, left: impl Into<String>, right: impl Into<String>) {
        self.blocks.push(Block::Pair {
            left: left.into(),
            right: right.into(),
            bold: false,
        });
    }

    fn pair_bold(&mut self, left: impl Into<String>, right: impl Into<String>) {
        self.blocks.push(Block::Pair {
            left: left.into(),
            right: right.into(),
            bold: true,
        });
    }

    fn sep(&mut self) {
        self.blocks.push(Block::Separator);
    }
}

/// The OFD consumer check URL encoded in the receipt's QR code:
/// `<check url>/?i=<fiscal id>&f=<РНМ>&s=<sum with comma>&t=<yyyyMMddTHHmmss>`.
///
/// ```
/// use kkm_print::{layout::check_url, model::PrintDateTime};
/// let t = PrintDateTime { year: 2025, month: 1, day: 17, hour: 13, minute: 34, second: 37 };
/// assert_eq!(
///     check_url("http://consumer.test-oofd.kz", "1008", "010100134464", 175_000, &t),
///     "http://consumer.test-oofd.kz/?i=1008&f=010100134464&s=1750,00&t=20250117T133437"
/// );
/// ```
pub fn check_url(
    ofd_check_url: &str,
    fiscal_id: &str,
    registration_number: &str,
    total_tiyn: i64,
    date_time: &PrintDateTime,
) -> String {
    format!(
        "{}/?i={}&f={}&s={}&t={}",
        ofd_check_url.trim().trim_end_matches('/'),
        fiscal_id.trim(),
        registration_number.trim(),
        money_plain(total_tiyn),
        date_time.compact()
    )
}

impl ReceiptView {
    /// The QR / check URL of this receipt (the offline number stands for the fiscal id
    /// of an autonomous receipt).
    pub fn check_url(&self) -> String {
        check_url(
            &self.kkm.ofd.check_url,
            &self.fiscal.ticket_number(),
            &self.kkm.registration_number,
            self.total,
            &self.date_time,
        )
    }
}

/// Lays out any printable document.
pub fn layout(doc: &PrintDocument) -> Layout {
    match doc {
        PrintDocument::Receipt(r) => layout_receipt(r),
        PrintDocument::MoneyPlacement(m) => layout_money_placement(m),
        PrintDocument::Report(r) => layout_report(r),
        PrintDocument::TestPage { language, note } => layout_test_page(*language, note),
    }
}

fn header(out: &mut Layout, kkm: &KkmRequisites, l: &Labels) {
    out.text(kkm.taxpayer_name.clone(), Align::Center, true);
    if let Some(point) = kkm.point_name.as_deref().filter(|p| !p.trim().is_empty()) {
        out.text(point, Align::Center, false);
    }
    out.pair(l.iin_bin, kkm.taxpayer_iin_bin.clone());
    out.text(
        format!("{}: {}", l.address, kkm.address.trim()),
        Align::Left,
        false,
    );
    if let Some(vat) = &kkm.vat_certificate {
        if vat.is_printable && !(vat.series.trim().is_empty() && vat.number.trim().is_empty()) {
            out.text(
                format!(
                    "{}: {} {} № {}",
                    l.vat_certificate,
                    l.series,
                    vat.series.trim(),
                    vat.number.trim()
                ),
                Align::Left,
                false,
            );
        }
    }
    out.pair(l.factory_number, kkm.factory_number.clone());
    out.pair(l.registration_number, kkm.registration_number.clone());
}

fn duplicate_mark(out: &mut Layout, duplicate: bool, l: &Labels) {
    if duplicate {
        out.text(format!("*** {} ***", l.duplicate), Align::Center, true);
    }
}

fn doc_meta(
    out: &mut Layout,
    l: &Labels,
    doc_label: &str,
    shift: u32,
    doc: u32,
    operator: &str,
    when: &PrintDateTime,
) {
    out.pair(format!("{}{}", l.shift, shift), format!("{doc_label}{doc}"));
    out.pair(l.operator, operator);
    out.pair(l.date_time, when.display());
}

fn fiscal_lines(out: &mut Layout, fiscal: &FiscalMark, l: &Labels) {
    match fiscal {
        FiscalMark::Online { fiscal_sign } => out.pair(l.fiscal_sign, fiscal_sign.clone()),
        FiscalMark::Autonomous { offline_number } => {
            out.pair_bold(l.autonomous, offline_number.to_string())
        }
    }
}

fn rate(percent_milli: u32) -> String {
    format!("{}%", thousandths(i64::from(percent_milli)))
}

fn tax_lines(out: &mut Layout, taxes: &[TaxLine], l: &Labels) {
    for tax in taxes {
        let label = if tax.included { l.vat_included } else { l.vat };
        out.pair(
            format!("{} {}", label, rate(tax.percent_milli)),
            money(tax.sum),
        );
    }
}

fn adjustment_line(out: &mut Layout, adj: &Adjustment, l: &Labels) {
    match adj {
        Adjustment::Discount { name, sum } => {
            let label = if name.trim().is_empty() {
                l.discount
            } else {
                name.trim()
            };
            out.pair(label, money(-sum.saturating_abs()));
        }
        Adjustment::Markup { name, sum } => {
            let label = if name.trim().is_empty() {
                l.markup
            } else {
                name.trim()
            };
            out.pair(label, format!("+{}", money(sum.saturating_abs())));
        }
    }
}

fn item_lines(out: &mut Layout, index: usize, item: &ItemLine, l: &Labels) {
    out.text(
        format!("{}. {}", index + 1, item.name.trim()),
        Align::Left,
        false,
    );
    let unit = item.unit.trim();
    let qty = if unit.is_empty() {
        thousandths(item.quantity_milli)
    } else {
        format!("{} {}", thousandths(item.quantity_milli), unit)
    };
    out.pair(
        format!("  {} x {}", qty, money(item.unit_price)),
        money(item.sum),
    );
    if let Some(section) = item.section.as_deref().filter(|s| !s.trim().is_empty()) {
        out.text(
            format!("  {}: {}", l.section, section.trim()),
            Align::Left,
            false,
        );
    }
    if let Some(adj) = &item.adjustment {
        let mut sub = Layout::default();
        adjustment_line(&mut sub, adj, l);
        for block in sub.blocks {
            if let Block::Pair { left, right, bold } = block {
                out.blocks.push(Block::Pair {
                    left: format!("  {left}"),
                    right,
                    bold,
                });
            }
        }
    }
    for tax in &item.taxes {
        let label = if tax.included { l.vat_included } else { l.vat };
        out.pair(
            format!("  {} {}", label, rate(tax.percent_milli)),
            money(tax.sum),
        );
    }
    if let Some(code) = item.marking_code.as_deref().filter(|c| !c.is_empty()) {
        // GS (0x1D) separators of a GS1 DataMatrix are not printable: show them as spaces.
        let printable: String = code
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        out.text(
            format!("  {}: {}", l.marking_code, printable.trim()),
            Align::Left,
            false,
        );
    }
}

fn ofd_footer(out: &mut Layout, kkm: &KkmRequisites, l: &Labels) {
    out.pair(l.ofd, kkm.ofd.name.clone());
    out.pair(l.check_site, kkm.ofd.check_url.trim().to_string());
}

/// Lays out a fiscal receipt.
pub fn layout_receipt(r: &ReceiptView) -> Layout {
    let l = Labels::of(r.kkm.language);
    let mut out = Layout::default();
    duplicate_mark(&mut out, r.duplicate, l);
    header(&mut out, &r.kkm, l);
    out.sep();
    out.text(l.fiscal_receipt, Align::Center, true);
    out.text(l.operation(r.operation), Align::Center, true);
    doc_meta(
        &mut out,
        l,
        l.document,
        r.shift_number,
        r.document_number,
        &r.operator,
        &r.date_time,
    );
    out.sep();
    for (i, item) in r.items.iter().enumerate() {
        item_lines(&mut out, i, item, l);
    }
    out.sep();
    if let Some(adj) = &r.adjustment {
        adjustment_line(&mut out, adj, l);
    }
    out.pair_bold(format!("{}:", l.total), money(r.total));
    for p in &r.payments {
        out.pair(l.payment(p.kind), money(p.sum));
    }
    if let Some(taken) = r.taken {
        out.pair(l.taken, money(taken));
        out.pair(l.change, money(r.change));
    }
    tax_lines(&mut out, &r.taxes, l);
    if let Some(customer) = r.customer_iin_bin.as_deref().filter(|c| !c.is_empty()) {
        out.pair(l.customer_iin_bin, customer);
    }
    if let Some(email) = r.customer_email.as_deref().filter(|c| !c.is_empty()) {
        out.pair(l.customer_email, email);
    }
    if let Some(phone) = r.customer_phone.as_deref().filter(|c| !c.is_empty()) {
        out.pair(l.customer_phone, phone);
    }
    out.sep();
    fiscal_lines(&mut out, &r.fiscal, l);
    ofd_footer(&mut out, &r.kkm, l);
    let qr =
        r.qr.clone()
            .filter(|q| !q.trim().is_empty())
            .unwrap_or_else(|| r.check_url());
    out.blocks.push(Block::Qr(qr));
    let ticket = r.fiscal.ticket_number();
    for ad in &r.ads {
        let text = ad.replace("${ticket_number}", &ticket);
        let text = text.trim_end();
        if !text.is_empty() {
            out.text(text, Align::Center, false);
        }
    }
    duplicate_mark(&mut out, r.duplicate, l);
    out
}

/// A heading in both languages, Kazakh first, as CashCore prints reports and slips
/// («Сатылым / Продажа»): the shift's paper is read by whoever counts the cash.
fn bilingual(kk: &str, ru: &str) -> String {
    if kk == ru {
        kk.to_string()
    } else if kk.chars().count() + ru.chars().count() + 3 <= 32 {
        format!("{kk} / {ru}")
    } else {
        // Too long for 58 mm paper on one line: one language per line.
        format!("{kk} /\n{ru}")
    }
}

/// Lays out a money placement (cash in / cash out).
pub fn layout_money_placement(m: &MoneyPlacementView) -> Layout {
    let l = Labels::of(m.kkm.language);
    let mut out = Layout::default();
    duplicate_mark(&mut out, m.duplicate, l);
    header(&mut out, &m.kkm, l);
    out.sep();
    out.text(
        bilingual(KK.placement(m.kind), RU.placement(m.kind)),
        Align::Center,
        true,
    );
    doc_meta(
        &mut out,
        l,
        l.other_document,
        m.shift_number,
        m.document_number,
        &m.operator,
        &m.date_time,
    );
    out.sep();
    out.pair_bold(format!("{}:", l.sum), money(m.sum));
    if let Some(cash) = m.cash_in_drawer {
        out.pair(l.cash_in_drawer, money(cash));
    }
    out.sep();
    fiscal_lines(&mut out, &m.fiscal, l);
    ofd_footer(&mut out, &m.kkm, l);
    duplicate_mark(&mut out, m.duplicate, l);
    out
}

fn non_nullable(out: &mut Layout, title: &str, sums: &[NonNullableSum], l: &Labels) {
    if sums.is_empty() {
        return;
    }
    out.text(format!("{title}:"), Align::Left, false);
    for s in sums {
        out.pair(format!("  {}", l.operation(s.operation)), money(s.sum));
    }
}

/// Lays out an X or Z report.
pub fn layout_report(r: &ReportView) -> Layout {
    let l = Labels::of(r.kkm.language);
    let mut out = Layout::default();
    duplicate_mark(&mut out, r.duplicate, l);
    header(&mut out, &r.kkm, l);
    out.sep();
    out.text(
        bilingual(KK.report(r.kind), RU.report(r.kind)),
        Align::Center,
        true,
    );
    out.text(l.report_subtitle(r.kind), Align::Center, false);
    out.pair(l.shift.trim_end_matches(" №"), r.shift_number.to_string());
    out.pair(l.shift_opened, r.shift_opened.display());
    let closed_label = match r.kind {
        ReportKind::X => l.report_time,
        ReportKind::Z => l.shift_closed,
    };
    out.pair(closed_label, r.date_time.display());
    out.pair(l.operator, r.operator.clone());
    for op in &r.operations {
        out.sep();
        out.text(
            bilingual(KK.operation(op.operation), RU.operation(op.operation)),
            Align::Center,
            true,
        );
        out.pair(l.count, op.receipts.count.to_string());
        out.pair_bold(l.sum, money(op.receipts.sum));
        if op.discounts != 0 {
            out.pair(l.discount, money(op.discounts));
        }
        if op.markups != 0 {
            out.pair(l.markup, money(op.markups));
        }
        if op.change != 0 {
            out.pair(l.change, money(op.change));
        }
        for p in &op.payments {
            out.pair(format!("  {}", l.payment(p.kind)), money(p.sum));
        }
        tax_lines(&mut out, &op.taxes, l);
    }
    out.sep();
    out.text(
        bilingual(KK.cash_totals, RU.cash_totals),
        Align::Center,
        true,
    );
    out.pair(
        format!("{} ({})", l.deposits, r.deposits.count),
        money(r.deposits.sum),
    );
    out.pair(
        format!("{} ({})", l.withdrawals, r.withdrawals.count),
        money(r.withdrawals.sum),
    );
    out.pair_bold(l.cash_in_drawer, money(r.cash_in_drawer));
    out.pair(l.revenue, money(r.revenue));
    out.pair(l.offline_documents, r.offline_documents.to_string());
    non_nullable(&mut out, l.non_nullable_start, &r.non_nullable_start, l);
    non_nullable(&mut out, l.non_nullable_end, &r.non_nullable_end, l);
    if let Some(sum) = r.checksum.as_deref().filter(|c| !c.is_empty()) {
        out.text(format!("{}:", l.checksum), Align::Left, false);
        out.text(sum, Align::Left, false);
    }
    out.sep();
    if let Some(fiscal) = &r.fiscal {
        fiscal_lines(&mut out, fiscal, l);
    }
    ofd_footer(&mut out, &r.kkm, l);
    duplicate_mark(&mut out, r.duplicate, l);
    out
}

/// Lays out a printer test page: both alphabets with the Kazakh letters, a column ruler
/// and a QR code.
pub fn layout_test_page(language: Language, note: &str) -> Layout {
    let l = Labels::of(language);
    let mut out = Layout::default();
    out.text(l.test_page, Align::Center, true);
    if !note.trim().is_empty() {
        out.text(note.trim(), Align::Center, false);
    }
    out.sep();
    out.text(
        "АӘБВГҒДЕЁЖЗИЙКҚЛМНҢОӨПРСТУҰҮФХҺЦЧШЩЪЫІЬЭЮЯ",
        Align::Left,
        false,
    );
    out.text(
        "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя",
        Align::Left,
        false,
    );
    out.text("ә ғ қ ң ө ұ ү һ і  Ә Ғ Қ Ң Ө Ұ Ү Һ І", Align::Left, true);
    out.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789", Align::Left, false);
    out.text("!\"№;%:?*()_+=\\/'`.>,<", Align::Left, false);
    out.text(
        "1234567890123456789012345678901234567890123456789",
        Align::Left,
        false,
    );
    out.pair(l.total, money(123_456_789));
    out.sep();
    out.blocks
        .push(Block::Qr("kkm-print test page".to_string()));
    out.blocks.push(Block::Blank);
    out
}
