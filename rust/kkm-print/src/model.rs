//! The neutral print model: plain data that the Register fills from the fiscal domain.
//!
//! Nothing here knows how a receipt was validated or fiscalised; it only says what is
//! printed. Money is integer tiyn (`i64`, 1 tenge = 100 tiyn), quantities are thousandths
//! (`2000` = 2 pieces), tax rates are thousandths of a percent (`12000` = 12 %).
//! No floats anywhere.

use serde::{Deserialize, Serialize};

/// Language of the printed labels (chosen per KKM). Data (names, addresses, advertising
/// texts) is printed as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Russian labels («ФИСКАЛЬНЫЙ ЧЕК», «ИТОГО»).
    #[default]
    Ru,
    /// Kazakh labels («ФИСКАЛДЫҚ ЧЕК», «ЖИЫНЫ»).
    Kk,
}

/// A local (Kazakhstan) date and time as printed on the document; no time zone maths here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PrintDateTime {
    /// Year, e.g. 2025.
    pub year: u16,
    /// Month 1–12.
    pub month: u8,
    /// Day 1–31.
    pub day: u8,
    /// Hour 0–23.
    pub hour: u8,
    /// Minute 0–59.
    pub minute: u8,
    /// Second 0–59.
    pub second: u8,
}

impl PrintDateTime {
    /// `dd.MM.yyyy HH:mm:ss`, as printed on receipts.
    pub fn display(&self) -> String {
        format!(
            "{:02}.{:02}.{:04} {:02}:{:02}:{:02}",
            self.day, self.month, self.year, self.hour, self.minute, self.second
        )
    }

    /// `yyyyMMddTHHmmss`, as used in the OFD check URL (`t=` parameter).
    pub fn compact(&self) -> String {
        format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// Certificate of VAT registration (свидетельство о постановке на учёт по НДС).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VatCertificate {
    /// Series (серия).
    pub series: String,
    /// Number (номер).
    pub number: String,
    /// Whether the KKM settings ask to print it (`vat_certificate.is_printable`).
    pub is_printable: bool,
}

/// The fiscal data operator (ОФД) that checks the receipts of this KKM.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OfdInfo {
    /// Name of the OFD, e.g. «Казахтелеком».
    pub name: String,
    /// The consumer check site, e.g. `http://consumer.test-oofd.kz`; base of the QR URL.
    pub check_url: String,
}

/// Requisites of the taxpayer and of the KKM printed in every document header.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KkmRequisites {
    /// Taxpayer name (наименование налогоплательщика).
    pub taxpayer_name: String,
    /// Taxpayer IIN/BIN (ИИН/БИН).
    pub taxpayer_iin_bin: String,
    /// Address of the place of use (адрес места использования ККМ).
    pub address: String,
    /// Optional name of the point of sale / KKM, printed under the taxpayer.
    pub point_name: Option<String>,
    /// ЗНМ — factory (serial) number of the KKM.
    pub factory_number: String,
    /// РНМ — registration number of the KKM in the tax authority (`fns_kkm_id`).
    pub registration_number: String,
    /// VAT certificate, printed only when `is_printable` and non-empty.
    pub vat_certificate: Option<VatCertificate>,
    /// The OFD.
    pub ofd: OfdInfo,
    /// Label language of this KKM.
    pub language: Language,
}

/// How the OFD acknowledged the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FiscalMark {
    /// Online: the fiscal sign (фискальный признак) returned by the OFD.
    Online {
        /// The fiscal sign, e.g. `"1008"`.
        fiscal_sign: String,
    },
    /// Autonomous mode (no OFD answer): printed as «Автономный» + the offline number.
    Autonomous {
        /// The offline document number (unique at least within a date).
        offline_number: u64,
    },
}

impl FiscalMark {
    /// The identifier used for `i=` in the QR URL and for `${ticket_number}` in ads.
    pub fn ticket_number(&self) -> String {
        match self {
            FiscalMark::Online { fiscal_sign } => fiscal_sign.clone(),
            FiscalMark::Autonomous { offline_number } => offline_number.to_string(),
        }
    }
}

/// Receipt operation (CPCR `OperationTypeEnum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReceiptOperation {
    /// BUY 0 — покупка.
    Buy,
    /// BUY_RETURN 1 — возврат покупки.
    BuyReturn,
    /// SELL 2 — продажа.
    Sell,
    /// SELL_RETURN 3 — возврат продажи.
    SellReturn,
}

/// A per-item or per-receipt discount or markup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Adjustment {
    /// Discount (скидка): decreases the sum.
    Discount {
        /// Name as given in the operation (may be empty: the label is printed then).
        name: String,
        /// Positive amount in tiyn.
        sum: i64,
    },
    /// Markup (наценка): increases the sum.
    Markup {
        /// Name as given in the operation (may be empty).
        name: String,
        /// Positive amount in tiyn.
        sum: i64,
    },
}

/// A tax line (VAT): rate and amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxLine {
    /// Rate in thousandths of a percent (12 % → 12000).
    pub percent_milli: u32,
    /// Tax amount in tiyn.
    pub sum: i64,
    /// Whether the tax is included in the total (`is_in_total_sum`).
    pub included: bool,
}

/// One position of a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemLine {
    /// Name of the good or service.
    pub name: String,
    /// Quantity in thousandths (2 pcs → 2000; 1.5 kg → 1500).
    pub quantity_milli: i64,
    /// Unit of measure as printed («шт», «кг»).
    pub unit: String,
    /// Unit price in tiyn.
    pub unit_price: i64,
    /// Sum of the position before its own discount/markup, in tiyn.
    pub sum: i64,
    /// Excise stamp / marking code (DataMatrix content), printed when present.
    pub marking_code: Option<String>,
    /// Optional per-item discount or markup.
    pub adjustment: Option<Adjustment>,
    /// Optional section (отдел).
    pub section: Option<String>,
    /// Taxes of this position when taxes are per item.
    pub taxes: Vec<TaxLine>,
}

/// Payment type (CPCR `PaymentTypeEnum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentKind {
    /// CASH 0 — наличные.
    Cash,
    /// CARD 1 — банковская карта.
    Card,
    /// MOBILE 4 — мобильный платёж.
    Mobile,
}

/// One payment of a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentLine {
    /// Type of the payment.
    pub kind: PaymentKind,
    /// Amount paid by this type, in tiyn (for cash: taken − change).
    pub sum: i64,
}

/// A fiscal receipt ready to be printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptView {
    /// Header requisites of the taxpayer and the KKM.
    pub kkm: KkmRequisites,
    /// Operation type.
    pub operation: ReceiptOperation,
    /// Shift number (номер смены).
    pub shift_number: u32,
    /// Document number within the shift (порядковый номер чека).
    pub document_number: u32,
    /// Operator (cashier) name.
    pub operator: String,
    /// Date and time of the operation.
    pub date_time: PrintDateTime,
    /// Fiscal sign or autonomous offline number.
    pub fiscal: FiscalMark,
    /// Positions.
    pub items: Vec<ItemLine>,
    /// Receipt-level discount or markup.
    pub adjustment: Option<Adjustment>,
    /// Total of the receipt in tiyn.
    pub total: i64,
    /// Payments, at most one of each kind.
    pub payments: Vec<PaymentLine>,
    /// Cash taken from the customer (получено), if any.
    pub taken: Option<i64>,
    /// Change given (сдача), tiyn.
    pub change: i64,
    /// Receipt-level taxes (empty when taxes are per item).
    pub taxes: Vec<TaxLine>,
    /// Customer IIN/BIN when requested.
    pub customer_iin_bin: Option<String>,
    /// The customer's e-mail the OFD sends the e-receipt to, if given.
    #[serde(default)]
    pub customer_email: Option<String>,
    /// The customer's phone the OFD sends the e-receipt to, if given.
    #[serde(default)]
    pub customer_phone: Option<String>,
    /// The QR text to print as is (the OFD's own QR of the receipt); `None` builds the
    /// check URL from the requisites ([`ReceiptView::check_url`]).
    #[serde(default)]
    pub qr: Option<String>,
    /// The OFD's advertising texts; `${ticket_number}` is substituted when printed.
    pub ads: Vec<String>,
    /// Reprint: marked «ДУБЛИКАТ».
    pub duplicate: bool,
}

/// Money placement kind (CPCR `MoneyPlacementEnum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoneyPlacementKind {
    /// DEPOSIT 0 — внесение.
    Deposit,
    /// WITHDRAWAL 1 — изъятие.
    Withdrawal,
}

/// A money placement (cash in / cash out) document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyPlacementView {
    /// Header requisites.
    pub kkm: KkmRequisites,
    /// Deposit or withdrawal.
    pub kind: MoneyPlacementKind,
    /// Amount in tiyn.
    pub sum: i64,
    /// Shift number.
    pub shift_number: u32,
    /// Document number within the shift.
    pub document_number: u32,
    /// Operator name.
    pub operator: String,
    /// Date and time.
    pub date_time: PrintDateTime,
    /// Fiscal sign or offline number.
    pub fiscal: FiscalMark,
    /// Cash in the drawer after the operation, if known.
    pub cash_in_drawer: Option<i64>,
    /// Reprint: marked «ДУБЛИКАТ».
    pub duplicate: bool,
}

/// X (interim) or Z (closing) report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportKind {
    /// X-report: interim totals, the shift stays open.
    X,
    /// Z-report: shift closing.
    Z,
}

/// A count and a sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CountSum {
    /// Number of documents.
    pub count: u32,
    /// Sum in tiyn.
    pub sum: i64,
}

/// Shift totals of one receipt operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationTotals {
    /// Which operation.
    pub operation: ReceiptOperation,
    /// Number of receipts and their total.
    pub receipts: CountSum,
    /// Discounts given.
    pub discounts: i64,
    /// Markups taken.
    pub markups: i64,
    /// Change given.
    pub change: i64,
    /// Totals by payment type.
    pub payments: Vec<PaymentLine>,
    /// Taxes by rate.
    pub taxes: Vec<TaxLine>,
}

/// Non-nullable sum (необнуляемая сумма) of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonNullableSum {
    /// Which operation.
    pub operation: ReceiptOperation,
    /// Sum in tiyn.
    pub sum: i64,
}

/// An X or Z report ready to be printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    /// Header requisites.
    pub kkm: KkmRequisites,
    /// X or Z.
    pub kind: ReportKind,
    /// Shift number.
    pub shift_number: u32,
    /// When the shift was opened.
    pub shift_opened: PrintDateTime,
    /// When the report was made (for Z: when the shift was closed).
    pub date_time: PrintDateTime,
    /// Operator name.
    pub operator: String,
    /// Fiscal sign of the Z-report (or offline number); `None` for X.
    pub fiscal: Option<FiscalMark>,
    /// Totals per receipt operation (operations without receipts may be omitted).
    pub operations: Vec<OperationTotals>,
    /// Deposits of the shift.
    pub deposits: CountSum,
    /// Withdrawals of the shift.
    pub withdrawals: CountSum,
    /// Cash in the drawer.
    pub cash_in_drawer: i64,
    /// Revenue of the shift.
    pub revenue: i64,
    /// Non-nullable sums at the start of the shift.
    pub non_nullable_start: Vec<NonNullableSum>,
    /// Non-nullable sums now (end of the shift for Z).
    pub non_nullable_end: Vec<NonNullableSum>,
    /// Documents made in autonomous mode during the shift.
    pub offline_documents: u32,
    /// The shift's integrity digest (hex), when known.
    pub checksum: Option<String>,
    /// Reprint: marked «ДУБЛИКАТ».
    pub duplicate: bool,
}

/// Everything this crate can print.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PrintDocument {
    /// Fiscal receipt (sale, return, buy, buy return).
    Receipt(ReceiptView),
    /// Cash deposit / withdrawal.
    MoneyPlacement(MoneyPlacementView),
    /// X or Z report.
    Report(ReportView),
    /// A non-fiscal test page (printer check).
    TestPage {
        /// Label language.
        language: Language,
        /// A free text line printed on the page (e.g. the transport name).
        note: String,
    },
}

impl PrintDocument {
    /// Marks the document as a reprint («ДУБЛИКАТ»); no effect on a test page.
    pub fn into_duplicate(mut self) -> Self {
        match &mut self {
            PrintDocument::Receipt(r) => r.duplicate = true,
            PrintDocument::MoneyPlacement(m) => m.duplicate = true,
            PrintDocument::Report(r) => r.duplicate = true,
            PrintDocument::TestPage { .. } => {}
        }
        self
    }
}
