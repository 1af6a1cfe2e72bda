//! Russian and Kazakh: one catalogue per language (`i18n/ru.txt`, `i18n/kk.txt`,
//! `Key = text` lines), every text of the console in both. The keys are the variants of
//! [`M`], so a page cannot ask for a text that does not exist; the tests check that
//! each catalogue has every key once, no key it should not have, and the same
//! `{0}`-style placeholders in both languages.

use std::sync::LazyLock;

/// A language of the console.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    /// Русский (the default).
    #[default]
    Ru,
    /// Қазақша.
    Kk,
}

impl Lang {
    /// Both, in the switch's order.
    pub const ALL: [Lang; 2] = [Lang::Ru, Lang::Kk];

    /// The code (`ru`, `kk`): the cookie's value and the page's `lang`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::Kk => "kk",
        }
    }

    /// The language of a code.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// Its own name (`Русский`, `Қазақша`).
    pub fn name(self) -> &'static str {
        match self {
            Lang::Ru => "Русский",
            Lang::Kk => "Қазақша",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Lang::Ru => include_str!("i18n/ru.txt"),
            Lang::Kk => include_str!("i18n/kk.txt"),
        }
    }

    /// The text of `key` (its name if a catalogue lacks it: the tests make sure none does).
    pub fn t(self, key: M) -> &'static str {
        let catalogue = match self {
            Lang::Ru => &*RU,
            Lang::Kk => &*KK,
        };
        catalogue.texts[key as usize].unwrap_or(key.name())
    }

    /// `key` with `{0}`, `{1}`… replaced by `args`.
    pub fn tf(self, key: M, args: &[&dyn std::fmt::Display]) -> String {
        let mut text = self.t(key).to_owned();
        for (i, a) in args.iter().enumerate() {
            text = text.replace(&format!("{{{i}}}"), &a.to_string());
        }
        text
    }
}

macro_rules! keys {
    ($($key:ident,)*) => {
        /// A text of the console (its key in the catalogues).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum M {
            $($key,)*
        }

        impl M {
            /// Every key.
            pub const ALL: &'static [M] = &[$(M::$key,)*];

            /// The key as the catalogues write it.
            pub fn name(self) -> &'static str {
                match self {
                    $(M::$key => stringify!($key),)*
                }
            }
        }
    };
}

keys! {
    Actions,
    AddBundle,
    AddExistingKkm,
    AddKkm,
    AddOperator,
    AddProduct,
    Address,
    AdminPinMinLength,
    AdminPinMinLengthHint,
    AllKkms,
    AnalyticsFromJournal,
    AppName,
    AutoWithdraw,
    Autonomous,
    AvailableKkms,
    BackToCatalogue,
    BackToDocument,
    BackToJournal,
    BackToKkm,
    BackToOperators,
    BackToOverview,
    BackToShift,
    Barcode,
    Bindings,
    BindingsHint,
    Bundle,
    BundleItems,
    BundleItemsHint,
    Bundles,
    ByOperator,
    ByPaymentType,
    BySection,
    Cancel,
    Cash,
    CashIn,
    CashInOut,
    CashOut,
    CashRecorded,
    Catalogue,
    CatalogueOf,
    ChangeToken,
    ChangeTokenIntro,
    ChangeTokenOf,
    CloseShiftConfirm,
    CloseShiftOf,
    Code,
    ColAutonomous,
    ColCash,
    ColKkm,
    ColLastDocument,
    ColQueue,
    ColShift,
    ColState,
    Count,
    CreateNewKkm,
    CsrfRefused,
    CsvColumn,
    CsvFile,
    CsvLine,
    CsvProblems,
    CsvWhat,
    CurrentState,
    Date,
    DateTime,
    Delete,
    DeleteKkm,
    DeleteKkmConfirm,
    DeleteKkmOf,
    DeleteKkmWarning,
    DeleteOperatorConfirm,
    DeleteOperatorOf,
    DeleteOperatorWarning,
    DemoHint,
    Deleted,
    DiscountPercent,
    Discounts,
    DocumentImage,
    DocumentType,
    DocumentTypes,
    DownloadCsv,
    Duplicate,
    Edit,
    EditablePrice,
    MarkedGood,
    MarkedBadge,
    ErrorCode,
    ExportCsv,
    ExportJsonl,
    FiscalSign,
    From,
    GetVendorId,
    GroupCode,
    Hour,
    Iin,
    Import,
    ImportCsv,
    ImportCsvHint,
    ImportedProducts,
    Journal,
    JournalCaption,
    JournalId,
    JournalOf,
    KindBuy,
    KindBuyReturn,
    KindSell,
    KindSellReturn,
    KindXReport,
    KindZReport,
    Kkm,
    KkmActions,
    KkmData,
    KkmName,
    KkmSettings,
    KkmSettingsOf,
    KkmsCaption,
    LeftOf72,
    ManufactureDate,
    MarkupPercent,
    Markups,
    NavAnalytics,
    NavKkms,
    NavLabel,
    NavOperators,
    NavOverview,
    NavSettings,
    Net,
    NewKkmIntro,
    NewToken,
    Newest,
    No,
    NoKkms,
    NonNullableSums,
    NotBlocked,
    NothingFound,
    OfdConnection,
    OfdRefusal,
    OfdResultCode,
    OfdResultText,
    OfdServer,
    Older,
    OldestWaiting,
    OpenDocument,
    Operation,
    Operator,
    OperatorName,
    OperatorOf,
    OperatorsCaption,
    Organisation,
    OverBy,
    OverviewCaption,
    PageNotFound,
    Pages,
    PaidBackOnReturns,
    PayCard,
    PayCash,
    PayMobile,
    PaymentType,
    Pin,
    PinEditHint,
    PinNewHint,
    PinPolicy,
    PinPolicyIntro,
    PointOfSale,
    Price,
    Print,
    PrintDuplicate,
    PrintJobs,
    PrintJobState,
    PrintJobStateFailed,
    PrintJobStateInterrupted,
    PrintJobStatePrinted,
    PrintJobStatePrinting,
    PrintJobStateWaiting,
    PrintOnPrinter,
    PrintQueued,
    Printer,
    PrinterBluetooth,
    PrinterCom,
    PrinterHint,
    PrinterName,
    PrinterType,
    PrinterVcl,
    Product,
    ProductName,
    ProductsCaption,
    Purchases,
    ReceiptImage,
    ReceiptsInShift,
    Record,
    Refused,
    RefusedByRegister,
    RefusedDocument,
    Reports,
    Resend,
    ResendExplained,
    ReturnCount,
    Returns,
    Revenue,
    RevenueByDay,
    RevenueByHour,
    Rnm,
    Role,
    RoleAdministrator,
    RoleCashier,
    RoleSeniorCashier,
    SaleCount,
    Sales,
    Save,
    Saved,
    Search,
    SearchProducts,
    Section,
    SessionExpired,
    SetAside,
    SetAsideExplained,
    Settings,
    ShiftAge,
    ShiftAndReports,
    ShiftClosed,
    ShiftClosedAt,
    ShiftClosedNumber,
    ShiftNumber,
    ShiftOf,
    ShiftOpen,
    ShiftOpenNumber,
    ShiftOpenedAt,
    ShiftStatus,
    ShiftTimeLeft,
    Show,
    SignIn,
    SignInIntro,
    SignInTitle,
    SignOut,
    SkipToContent,
    SoftwareVpn,
    StartShiftSums,
    StateAutonomous,
    StateBlocked,
    StateInvalidToken,
    StateOnline,
    StateValuesConflict,
    Sum,
    SumTenge,
    SystemId,
    SystemIdHint,
    TableBehind,
    TakeXReport,
    TakeZReport,
    TakenOnSales,
    ThrottleExplained,
    Title,
    To,
    Token,
    TokenOk,
    TokenState,
    Unblock,
    UnblockOf,
    UnblockedSent,
    UnitHours,
    UnitMinutes,
    UpdatedAt,
    VatCertificate,
    VatNumber,
    VatPayer,
    VatPercent,
    VatPrintable,
    VatSeries,
    VendorId,
    VendorIdNext,
    WeakPinNotice,
    WhatToDo,
    XReportOf,
    Yes,
    ZReportOf,
    ZReportWarning,
    NavCashier,
    TillOf,
    TillScanner,
    TillBasket,
    TillEmpty,
    TillQuantity,
    TillModifier,
    TillSubtotal,
    TillDiscount,
    TillMarkup,
    TillVat,
    TillTotal,
    TillPaid,
    TillDue,
    TillChange,
    TillReceiptDiscount,
    TillReceiptMarkup,
    TillLineDiscount,
    TillLineMarkup,
    TillSection,
    TillMark,
    TillAdd,
    TillCash,
    TillCard,
    TillMobile,
    TillPay,
    TillFind,
    TillClear,
    TillShortcuts,
    TillKeySearch,
    TillKeyLine,
    TillKeyFree,
    TillKeyReturn,
    TillKeyReceipt,
    TillKeyPay,
    TillKeyUp,
    TillKeyDown,
    TillKeyRemove,
    TillKeyBack,
    TillMarkUnknown,
    TillBarcodeUnknown,
    TillReceiptMade,
    TillBlockedHelp,
    TillInvalidTokenHelp,
    TillConflictHelp,
    TillAutonomousLeft,
    TillQueued,
    TillShiftAge,
    TillShiftClosed,
    TillReturnMode,
    TillReturnOf,
    TillReturnable,
    TillSold,
    TillReturned,
    TillLeft,
    TillMarksSold,
    TillLastReceipt,
    TillEmail,
    TillKeyCash,
    TillKeyReceipts,
    TillKeyX,
    TillCashDone,
    TillXDone,
    TillMarkWanted,
    TillMarksWanted,
    TillReceiptPercentHint,
    TillPhone,
    OwnPin,
    OwnPinIntro,
    DefaultPinIntro,
    CurrentPin,
    NewPin,
    NewPinRepeat,
    PinsDiffer,
    PinChanged,
    DefaultPinWarning,
    ShortPinWarning,
}

/// A parsed catalogue: the text of each key, and what was wrong with the file.
pub struct Catalogue {
    texts: Vec<Option<&'static str>>,
    /// Lines that are not `Key = text`, unknown keys, duplicates, empty texts.
    pub problems: Vec<String>,
}

/// Parses a catalogue file.
pub fn parse(source: &'static str) -> Catalogue {
    let mut texts: Vec<Option<&'static str>> = vec![None; M::ALL.len()];
    let mut problems = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, text)) = line.split_once('=') else {
            problems.push(format!("line {}: not `Key = text`", n + 1));
            continue;
        };
        let (key, text) = (key.trim(), text.trim());
        match M::ALL.iter().find(|m| m.name() == key) {
            None => problems.push(format!("line {}: unknown key {key}", n + 1)),
            Some(m) if texts[*m as usize].is_some() => {
                problems.push(format!("line {}: {key} given twice", n + 1))
            }
            Some(_) if text.is_empty() => problems.push(format!("line {}: {key} is empty", n + 1)),
            Some(m) => texts[*m as usize] = Some(text),
        }
    }
    for m in M::ALL {
        if texts[*m as usize].is_none() && !problems.iter().any(|p| p.contains(m.name())) {
            problems.push(format!("{} is missing", m.name()));
        }
    }
    Catalogue { texts, problems }
}

static RU: LazyLock<Catalogue> = LazyLock::new(|| parse(Lang::Ru.source()));
static KK: LazyLock<Catalogue> = LazyLock::new(|| parse(Lang::Kk.source()));

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(text: &str) -> Vec<String> {
        let mut found: Vec<String> = (0..10)
            .map(|i| format!("{{{i}}}"))
            .filter(|p| text.contains(p.as_str()))
            .collect();
        found.sort();
        found
    }

    #[test]
    fn every_key_is_in_both_catalogues_once() {
        for lang in Lang::ALL {
            let c = parse(lang.source());
            assert!(c.problems.is_empty(), "{}: {:?}", lang.code(), c.problems);
        }
    }

    #[test]
    fn both_languages_take_the_same_placeholders() {
        for m in M::ALL {
            assert_eq!(
                placeholders(Lang::Ru.t(*m)),
                placeholders(Lang::Kk.t(*m)),
                "{}",
                m.name()
            );
        }
    }

    #[test]
    fn the_kazakh_catalogue_is_not_a_copy() {
        let same = M::ALL
            .iter()
            .filter(|m| Lang::Ru.t(**m) == Lang::Kk.t(**m))
            .count();
        // Codes, abbreviations and names may coincide; most texts must not.
        assert!(
            same * 10 < M::ALL.len(),
            "{same} texts are the same in both"
        );
    }

    #[test]
    fn a_broken_catalogue_is_reported() {
        let c = parse("AppName = x\nAppName = y\nNoSuchKey = z\nbroken line\nSave =\n");
        let text = c.problems.join("; ");
        assert!(text.contains("given twice"), "{text}");
        assert!(text.contains("unknown key NoSuchKey"), "{text}");
        assert!(text.contains("not `Key = text`"), "{text}");
        assert!(text.contains("Save is empty"), "{text}");
        assert!(text.contains("SignIn is missing"), "{text}");
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            Lang::Ru.tf(M::ShiftOpenNumber, &[&7]),
            Lang::Ru.t(M::ShiftOpenNumber).replace("{0}", "7")
        );
        assert_eq!(Lang::from_code("kk"), Some(Lang::Kk));
        assert_eq!(Lang::from_code("en"), None);
    }
}
