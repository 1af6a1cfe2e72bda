//! Printed labels in Russian and Kazakh.

use crate::model::{Language, MoneyPlacementKind, PaymentKind, ReceiptOperation, ReportKind};

/// All fixed texts of the printed documents in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Labels {
    /// Title of a receipt.
    pub fiscal_receipt: &'static str,
    /// Operation titles: sell, sell return, buy, buy return.
    pub sell: &'static str,
    /// Sell return.
    pub sell_return: &'static str,
    /// Buy.
    pub buy: &'static str,
    /// Buy return.
    pub buy_return: &'static str,
    /// Taxpayer IIN/BIN.
    pub iin_bin: &'static str,
    /// Address of use.
    pub address: &'static str,
    /// ЗНМ.
    pub factory_number: &'static str,
    /// РНМ.
    pub registration_number: &'static str,
    /// VAT certificate.
    pub vat_certificate: &'static str,
    /// Series (of the VAT certificate).
    pub series: &'static str,
    /// Shift.
    pub shift: &'static str,
    /// Receipt number.
    pub document: &'static str,
    /// Number of another document (money placement).
    pub other_document: &'static str,
    /// Operator.
    pub operator: &'static str,
    /// Date and time.
    pub date_time: &'static str,
    /// Marking code.
    pub marking_code: &'static str,
    /// Section.
    pub section: &'static str,
    /// Discount.
    pub discount: &'static str,
    /// Markup.
    pub markup: &'static str,
    /// Total.
    pub total: &'static str,
    /// Cash.
    pub cash: &'static str,
    /// Card.
    pub card: &'static str,
    /// Mobile payment.
    pub mobile: &'static str,
    /// Cash taken.
    pub taken: &'static str,
    /// Change.
    pub change: &'static str,
    /// "including VAT" prefix.
    pub vat_included: &'static str,
    /// VAT (not included in the total).
    pub vat: &'static str,
    /// Customer IIN/BIN.
    pub customer_iin_bin: &'static str,
    /// Customer e-mail (e-receipt).
    pub customer_email: &'static str,
    /// Customer phone (e-receipt).
    pub customer_phone: &'static str,
    /// Fiscal sign.
    pub fiscal_sign: &'static str,
    /// Autonomous mode mark.
    pub autonomous: &'static str,
    /// OFD.
    pub ofd: &'static str,
    /// Check site.
    pub check_site: &'static str,
    /// Duplicate mark.
    pub duplicate: &'static str,
    /// Deposit title.
    pub deposit: &'static str,
    /// Withdrawal title.
    pub withdrawal: &'static str,
    /// Sum.
    pub sum: &'static str,
    /// Cash in drawer.
    pub cash_in_drawer: &'static str,
    /// X-report title.
    pub x_report: &'static str,
    /// Z-report title.
    pub z_report: &'static str,
    /// Shift opened.
    pub shift_opened: &'static str,
    /// Shift closed.
    pub shift_closed: &'static str,
    /// Report made at.
    pub report_time: &'static str,
    /// Count (of documents).
    pub count: &'static str,
    /// Deposits.
    pub deposits: &'static str,
    /// Withdrawals.
    pub withdrawals: &'static str,
    /// Revenue.
    pub revenue: &'static str,
    /// Non-nullable sums at the shift start.
    pub non_nullable_start: &'static str,
    /// Non-nullable sums at the end.
    pub non_nullable_end: &'static str,
    /// Autonomous documents count.
    pub offline_documents: &'static str,
    /// Shift checksum.
    pub checksum: &'static str,
    /// Test page title.
    pub test_page: &'static str,
    /// X-report subtitle (a report without closing the shift).
    pub x_subtitle: &'static str,
    /// Z-report subtitle (a report that closes the shift).
    pub z_subtitle: &'static str,
    /// Heading of the shift's cash totals.
    pub cash_totals: &'static str,
}

/// Russian labels.
pub const RU: Labels = Labels {
    fiscal_receipt: "ФИСКАЛЬНЫЙ ЧЕК",
    sell: "ПРОДАЖА",
    sell_return: "ВОЗВРАТ ПРОДАЖИ",
    buy: "ПОКУПКА",
    buy_return: "ВОЗВРАТ ПОКУПКИ",
    iin_bin: "ИИН/БИН",
    address: "Адрес",
    factory_number: "ЗНМ",
    registration_number: "РНМ",
    vat_certificate: "Свидетельство НДС",
    series: "серия",
    shift: "Смена №",
    document: "Чек №",
    other_document: "Документ №",
    operator: "Кассир",
    date_time: "Дата и время",
    marking_code: "Код маркировки",
    section: "Отдел",
    discount: "Скидка",
    markup: "Наценка",
    total: "ИТОГО",
    cash: "Наличные",
    card: "Банковская карта",
    mobile: "Мобильный платёж",
    taken: "Получено",
    change: "Сдача",
    vat_included: "в т.ч. НДС",
    vat: "НДС",
    customer_iin_bin: "ИИН/БИН покупателя",
    customer_email: "E-mail покупателя",
    customer_phone: "Телефон покупателя",
    fiscal_sign: "Фискальный признак",
    autonomous: "Автономный",
    ofd: "ОФД",
    check_site: "Проверка чека",
    duplicate: "ДУБЛИКАТ",
    deposit: "ВНЕСЕНИЕ НАЛИЧНЫХ",
    withdrawal: "ИЗЪЯТИЕ НАЛИЧНЫХ",
    sum: "Сумма",
    cash_in_drawer: "Наличных в кассе",
    x_report: "X-ОТЧЁТ",
    z_report: "Z-ОТЧЁТ",
    shift_opened: "Смена открыта",
    shift_closed: "Смена закрыта",
    report_time: "Время отчёта",
    count: "Количество",
    deposits: "Внесения",
    withdrawals: "Изъятия",
    revenue: "Выручка",
    non_nullable_start: "Необнуляемые суммы на начало смены",
    non_nullable_end: "Необнуляемые суммы",
    offline_documents: "Автономных документов",
    checksum: "Контрольная сумма смены",
    test_page: "ТЕСТОВАЯ СТРАНИЦА",
    x_subtitle: "Отчёт без гашения",
    z_subtitle: "Отчёт с гашением",
    cash_totals: "НАЛИЧНЫЕ В КАССЕ",
};

/// Kazakh labels.
pub const KK: Labels = Labels {
    fiscal_receipt: "ФИСКАЛДЫҚ ЧЕК",
    sell: "САТУ",
    sell_return: "САТУДЫ ҚАЙТАРУ",
    buy: "САТЫП АЛУ",
    buy_return: "САТЫП АЛУДЫ ҚАЙТАРУ",
    iin_bin: "ЖСН/БСН",
    address: "Мекенжай",
    factory_number: "ЗНМ",
    registration_number: "ТНМ",
    vat_certificate: "ҚҚС куәлігі",
    series: "сериясы",
    shift: "Ауысым №",
    document: "Чек №",
    other_document: "Құжат №",
    operator: "Кассир",
    date_time: "Күні мен уақыты",
    marking_code: "Таңбалау коды",
    section: "Бөлім",
    discount: "Жеңілдік",
    markup: "Үстеме",
    total: "ЖИЫНЫ",
    cash: "Қолма-қол",
    card: "Банк картасы",
    mobile: "Мобильді төлем",
    taken: "Алынды",
    change: "Қайтарым",
    vat_included: "оның ішінде ҚҚС",
    vat: "ҚҚС",
    customer_iin_bin: "Сатып алушының ЖСН/БСН",
    customer_email: "Сатып алушының e-mail",
    customer_phone: "Сатып алушының телефоны",
    fiscal_sign: "Фискалдық белгі",
    autonomous: "Автономды",
    ofd: "ФДО",
    check_site: "Чекті тексеру",
    duplicate: "ТЕЛНҰСҚА (ДУБЛИКАТ)",
    deposit: "ҚОЛМА-ҚОЛ АҚША ЕНГІЗУ",
    withdrawal: "ҚОЛМА-ҚОЛ АҚША АЛУ",
    sum: "Сомасы",
    cash_in_drawer: "Кассадағы қолма-қол ақша",
    x_report: "X-ЕСЕП",
    z_report: "Z-ЕСЕП",
    shift_opened: "Ауысым ашылды",
    shift_closed: "Ауысым жабылды",
    report_time: "Есеп уақыты",
    count: "Саны",
    deposits: "Енгізулер",
    withdrawals: "Алулар",
    revenue: "Түсім",
    non_nullable_start: "Ауысым басындағы нөлденбейтін сомалар",
    non_nullable_end: "Нөлденбейтін сомалар",
    offline_documents: "Автономды құжаттар",
    checksum: "Ауысымның бақылау сомасы",
    test_page: "СЫНАҚ БЕТІ",
    x_subtitle: "Ауысымды жаппайтын есеп",
    z_subtitle: "Ауысымды жабатын есеп",
    cash_totals: "КАССАДАҒЫ ҚОЛМА-ҚОЛ АҚША",
};

impl Labels {
    /// The labels of a language.
    pub fn of(language: Language) -> &'static Labels {
        match language {
            Language::Ru => &RU,
            Language::Kk => &KK,
        }
    }

    /// Title of a receipt operation.
    pub fn operation(&self, op: ReceiptOperation) -> &'static str {
        match op {
            ReceiptOperation::Sell => self.sell,
            ReceiptOperation::SellReturn => self.sell_return,
            ReceiptOperation::Buy => self.buy,
            ReceiptOperation::BuyReturn => self.buy_return,
        }
    }

    /// Name of a payment type.
    pub fn payment(&self, kind: PaymentKind) -> &'static str {
        match kind {
            PaymentKind::Cash => self.cash,
            PaymentKind::Card => self.card,
            PaymentKind::Mobile => self.mobile,
        }
    }

    /// Title of a money placement.
    pub fn placement(&self, kind: MoneyPlacementKind) -> &'static str {
        match kind {
            MoneyPlacementKind::Deposit => self.deposit,
            MoneyPlacementKind::Withdrawal => self.withdrawal,
        }
    }

    /// Subtitle of a report (with or without closing the shift).
    pub fn report_subtitle(&self, kind: ReportKind) -> &'static str {
        match kind {
            ReportKind::X => self.x_subtitle,
            ReportKind::Z => self.z_subtitle,
        }
    }

    /// Title of a report.
    pub fn report(&self, kind: ReportKind) -> &'static str {
        match kind {
            ReportKind::X => self.x_report,
            ReportKind::Z => self.z_report,
        }
    }
}
