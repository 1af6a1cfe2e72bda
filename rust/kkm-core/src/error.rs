//! Error codes of the E-Kassa seed API and the typed error of the core.
//!
//! [`ErrorCode`] is the seed's whole table (codes 0–95, constant names and meanings as
//! the seed's "Описание кодов ошибок" gives them; two typos of the seed are corrected
//! and the meanings the seed leaves blank are filled in), plus the three codes CashCore's
//! own modules raise beyond the seed's table (96 `tax_value_is_incorrect`, 97
//! `payment_sum_is_incorrect`, 98 `payment_type_is_incorrect`). Adapters map it to the HTTP
//! `response_code` or to a Kotlin exception's `code`.
//!
//! [`CoreError`] is what every rule of this crate returns: one variant per failure, each
//! with a readable message and [`CoreError::code`], the seed's numeric code.

use std::fmt;

macro_rules! define_error_codes {
    ($($variant:ident = $code:literal, $name:literal, $desc:literal;)*) => {
        /// A response code of the seed API (`response_code`), 0–95, and CashCore's 96–98.
        ///
        /// ```
        /// use kkm_core::ErrorCode;
        /// assert_eq!(ErrorCode::NotEnoughCash.code(), 58);
        /// assert_eq!(ErrorCode::from_code(58), Some(ErrorCode::NotEnoughCash));
        /// assert_eq!(ErrorCode::NotEnoughCash.name(), "not_enough_cash");
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum ErrorCode {
            $(
                #[doc = concat!("`", $name, "` — ", $desc, ".")]
                $variant = $code,
            )*
        }

        impl ErrorCode {
            /// Every code of the table, in ascending order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The numeric code sent as `response_code`.
            pub fn code(self) -> u16 {
                self as u16
            }

            /// The code with this number, if the seed defines it.
            pub fn from_code(code: u16) -> Option<ErrorCode> {
                match code {
                    $($code => Some(ErrorCode::$variant),)*
                    _ => None,
                }
            }

            /// The seed's text constant, e.g. `"not_enough_cash"`.
            pub fn name(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }

            /// The seed's meaning in Russian, e.g. `"недостаточно наличных в кассе"`.
            pub fn description(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $desc,)*
                }
            }
        }
    };
}

define_error_codes! {
    Ok = 0, "ok", "операция выполнена успешно";
    UnknownResult = 1, "unknown_result", "неизвестная ошибка";
    InvalidFields = 2, "invalid_fields", "поля запроса заполнены некорректно";
    MethodNotFound = 3, "method_not_found", "метод не существует";
    MethodExecutionException = 4, "method_execution_exception", "неизвестная ошибка при выполнении метода";
    InvalidAccessCode = 5, "invalid_access_code", "некорректный пин-код или токен";
    SettingsSaveError = 6, "settings_save_error", "ошибка сохранения настроек";
    KkmSaveError = 7, "kkm_save_error", "ошибка сохранения кассы";
    KkmReginfoRequestError = 8, "kkm_reginfo_request_error", "ошибка запроса рег.данных кассы";
    InvalidKkmVendorId = 9, "invalid_kkm_vendor_id", "некорректный ЗНМ (серийный номер кассы)";
    KkmDeleteError = 10, "kkm_delete_error", "ошибка удаления кассы";
    AccessCodeIncorrect = 11, "access_code_incorrect", "задан некорректный пин-код";
    AccessCodeAlreadyUsed = 12, "access_code_already_used", "пин-код / email уже используется";
    OperatorSaveError = 13, "operator_save_error", "ошибка сохранения оператора";
    OperatorUpdateError = 14, "operator_update_error", "ошибка обновления оператора";
    InvalidOperatorCode = 15, "invalid_operator_code", "некорректный ID оператора";
    OperatorDeleteError = 16, "operator_delete_error", "ошибка удаления оператора";
    InvalidKkmCredentials = 17, "invalid_kkm_credentials", "некорректные рег.данные кассы";
    KkmInOfflineModeTooLong = 18, "kkm_in_offline_mode_too_long", "касса слишком долго находится в автономном режиме";
    DbError = 19, "db_error", "внутренняя ошибка БД";
    ConnectionError = 20, "connection_error", "ошибка связи с сервером ОФД";
    ProtobufSerializationError = 21, "protobuf_serialization_error", "ошибка сериализации данных";
    SaveError = 22, "save_error", "ошибка сохранения";
    SendError = 23, "send_error", "ошибка отправки";
    ReceiveError = 24, "receive_error", "ошибка получения";
    KkmVendorIdMismatch = 25, "kkm_vendor_id_mismatch", "ЗНМ кассы не совпадает";
    KkmShiftStateIsOpened = 26, "kkm_shift_state_is_opened", "смена открыта";
    KkmStatusIsReadyToUse = 27, "kkm_status_is_ready_to_use", "касса готова к работе";
    ProtobufDeserializationError = 28, "protobuf_deserialization_error", "ошибка десериализации данных";
    OperationFailed = 29, "operation_failed", "операция завершилась неудачей";
    ForcedOfflineMode = 30, "forced_offline_mode", "принудительный автономный режим";
    ShiftDurationIsTooLong = 31, "shift_duration_is_too_long", "смена длится слишком долго (более 24 часов)";
    InvalidShiftNumber = 32, "invalid_shift_number", "некорректный номер смены";
    ReportNotFound = 33, "report_not_found", "отчёт не найден";
    InvalidReportType = 34, "invalid_report_type", "некорректный тип отчёта";
    KkmShiftStateIsNotOpened = 35, "kkm_shift_state_is_not_opened", "смена не открыта";
    InvalidLocalDate = 36, "invalid_local_date", "установлена некорректная дата";
    OperationNotFound = 37, "operation_not_found", "операция не найдена";
    KkmAddressIsAlreadyInUse = 38, "kkm_address_is_already_in_use", "адрес кассы уже используется";
    InvalidOperatorRole = 39, "invalid_operator_role", "некорректная роль оператора";
    KkmOfdIdIsAlreadyInUse = 40, "kkm_ofd_id_is_already_in_use", "ID кассы в ОФД уже используется";
    KkmVendorIdIsAlreadyInUse = 41, "kkm_vendor_id_is_already_in_use", "ЗНМ уже используется";
    InvalidKkmToken = 42, "invalid_kkm_token", "некорректный токен кассы";
    TransactionNotFound = 43, "transaction_not_found", "транзакция не найдена";
    ItemsListUndefined = 44, "items_list_undefined", "список товаров не задан";
    ItemsListIsEmpty = 45, "items_list_is_empty", "список товаров пуст";
    ItemCommodityUndefined = 46, "item_commodity_undefined", "товар не указан";
    ItemQuantityIsIncorrect = 47, "item_quantity_is_incorrect", "значение количества в позиции указано некорректно";
    ItemDiscountUndefined = 48, "item_discount_undefined", "скидка на позицию не описана";
    ItemMarkupUndefined = 49, "item_markup_undefined", "наценка на позицию не описана";
    UnknownItemType = 50, "unknown_item_type", "неизвестный тип элемента";
    AmountsUndefined = 51, "amounts_undefined", "итоги по чеку не заданы";
    AmountsTotalIsIncorrect = 52, "amounts_total_is_incorrect", "итоговая сумма некорректна";
    MoneyValueIsNegative = 53, "money_value_is_negative", "сумма наличных отрицательна";
    SumToPayIsIncorrect = 54, "sum_to_pay_is_incorrect", "сумма к оплате некорректна";
    CardSumIsGreaterThanTotal = 55, "card_sum_is_greater_than_total", "сумма оплаты картой больше итоговой";
    PaidSumIsIncorrect = 56, "paid_sum_is_incorrect", "оплаченная сумма некорректна";
    PaidSumIsLessThanTotal = 57, "paid_sum_is_less_than_total", "оплаченная сумма меньше итоговой";
    NotEnoughCash = 58, "not_enough_cash", "недостаточно наличных в кассе";
    DiscountSumMustBeLessThanTotal = 59, "discount_sum_must_be_less_than_total", "сумма скидки должна быть меньше итоговой суммы";
    TaxationTypeIsIncorrect = 60, "taxation_type_is_incorrect", "некорректный вид налогообложения";
    InvalidKkmOfdId = 61, "invalid_kkm_ofd_id", "некорректный ID кассы из ОФД";
    KkmIsBlocked = 62, "kkm_is_blocked", "касса заблокирована";
    DiscountSumIsNegative = 63, "discount_sum_is_negative", "сумма скидки отрицательна";
    MarkupSumIsNegative = 64, "markup_sum_is_negative", "сумма наценки отрицательна";
    DiscountAndMarkupAreMutuallyExclusive = 65, "discount_and_markup_are_mutually_exclusive", "скидка и наценка являются взаимоисключающими";
    OperationInProgress = 66, "operation_in_progress", "операция выполняется";
    KkmHasOfflineQueue = 67, "kkm_has_offline_queue", "касса содержит автономную очередь";
    KkmLockedDueToValuesConflict = 68, "kkm_locked_due_to_values_conflict", "касса заблокирована из-за расхождения счётчиков";
    KkmIsBusyTooLong = 69, "kkm_is_busy_too_long", "Касса до сих пор выполняет предыдущую операцию";
    KkmIsNotInitialized = 70, "kkm_is_not_initialized", "касса не инициализирована";
    KkmAccessDenied = 71, "kkm_access_denied", "у пользователя нет доступа к кассе";
    KkmInvalidBindings = 72, "kkm_invalid_bindings", "у пользователя нет прав на использование кассы";
    SourceObjectDeserializationError = 73, "source_object_deserialization_error", "ошибка десериализации объекта из запроса";
    KkmPerOwnerLimitExceed = 74, "kkm_per_owner_limit_exceed", "превышен лимит количества касс для пользователя";
    KkmOperatorsLimitExceed = 75, "kkm_operators_limit_exceed", "превышен лимит количества пользователей на кассу";
    KkmShiftIsNotClosed = 76, "kkm_shift_is_not_closed", "касса с незакрытой сменой";
    SameTaxpayerAndCustomer = 77, "same_taxpayer_and_customer", "ИИН (БИН) продавца и покупателя одинаковые";
    InvalidOfdUid = 78, "invalid_ofd_uid", "некорректный идентификатор ОФД";
    LicensePeriodExpired = 79, "license_period_expired", "срок действия лицензии истёк";
    LicenseActivationError = 80, "license_activation_error", "ошибка активации лицензии";
    MeasureUnitCodeIsEmpty = 81, "measure_unit_code_is_empty", "код единицы измерения не может быть пустым";
    SectionCodeIsEmpty = 82, "section_code_is_empty", "код секции (номер отдела) не может быть пустым";
    InvalidKkmOfd = 83, "invalid_kkm_ofd", "задан некорректный ОФД для кассы";
    InvalidOfdResponse = 84, "invalid_ofd_response", "ОФД вернул сообщение об ошибке";
    InvalidLicenseFile = 85, "invalid_license_file", "некорректный файл лицензии";
    DbErrorDuplicates = 86, "db_error_duplicates", "найдено больше одной записи";
    InvalidActivationCode = 87, "invalid_activation_code", "некорректный код активации";
    ItemsTaxesAndTicketTaxesAreMutuallyExclusive = 88, "items_taxes_and_ticket_taxes_are_mutually_exclusive", "НДС на позицию и на весь чек являются взаимоисключающими";
    TaxPercentageIsAlreadyPresent = 89, "tax_percentage_is_already_present", "Налог с определённым процентом может встречаться не более одного раза";
    InvalidLicenseKey = 90, "invalid_license_key", "некорректный лицензионный ключ";
    OfdListIsEmpty = 91, "ofd_list_is_empty", "лицензия не содержит ни одного ОФД";
    LicenseSuspended = 92, "license_suspended", "действие лицензии приостановлено";
    LicenseOnlineCheckError = 93, "license_online_check_error", "ошибка онлайн-проверки лицензии";
    ItemPriceIsIncorrect = 94, "item_price_is_incorrect", "значение цены для позиции указано некорректно";
    ItemSumIsIncorrect = 95, "item_sum_is_incorrect", "значение суммы для позиции указано некорректно";
    TaxValueIsIncorrect = 96, "tax_value_is_incorrect", "значение налога указано некорректно";
    PaymentSumIsIncorrect = 97, "payment_sum_is_incorrect", "сумма платежа указана некорректно";
    PaymentTypeIsIncorrect = 98, "payment_type_is_incorrect", "вид оплаты указан некорректно";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.name())
    }
}

/// Every failure of a rule of the core, with the seed's code ([`CoreError::code`]) and
/// a readable message (`Display`). `field` values are JSON paths of the request, such
/// as `items[0].commodity.price`.
///
/// ```
/// use kkm_core::{CoreError, ErrorCode, Money};
/// let e = CoreError::NotEnoughCash { requested: Money::from_tiyn(500), in_drawer: Money::ZERO };
/// assert_eq!(e.code(), ErrorCode::NotEnoughCash);
/// assert_eq!(e.to_string(), "not enough cash in the drawer: 5.00 requested, 0.00 available");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// 2 — a field is missing or malformed and no more specific code exists.
    #[error("invalid field `{field}`: {reason}")]
    InvalidField {
        /// JSON path of the field.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// 18 — autonomous for longer than allowed (72 hours): new documents are refused
    /// until the offline queue drains.
    #[error("the KKM has been autonomous for {hours} hours (limit {limit_hours}); send the offline queue first")]
    OfflineTooLong {
        /// Whole hours autonomous so far.
        hours: i64,
        /// The limit in hours.
        limit_hours: i64,
    },
    /// 31 — the shift is older than 24 hours: close it (Z-report) first.
    #[error(
        "the shift opened at {opened_at} is older than 24 hours; close it with a Z-report first"
    )]
    ShiftTooLong {
        /// When the shift opened.
        opened_at: crate::Timestamp,
    },
    /// 34 — unknown report type.
    #[error("unknown report type {0} (0 = Z, 1 = X)")]
    InvalidReportType(i64),
    /// 35 — the operation needs an open shift and none is open.
    #[error("no shift is open")]
    ShiftNotOpened,
    /// 36 — the clock shows a time before the previous document.
    #[error("the local date is wrong: now {now} is before the last document at {last}")]
    ClockWentBack {
        /// The previous document's time.
        last: crate::Timestamp,
        /// The clock's time now.
        now: crate::Timestamp,
    },
    /// 39 — unknown operator role.
    #[error("unknown operator role {0} (1 administrator, 2 senior cashier, 3 cashier)")]
    InvalidOperatorRole(i64),
    /// 43 — the receipt a return refers to is not known.
    #[error("parent ticket `{fiscal_id}` not found")]
    ParentTicketNotFound {
        /// The fiscal sign asked for.
        fiscal_id: String,
    },
    /// 44 — `items` is missing.
    #[error("`items` is missing")]
    ItemsUndefined,
    /// 45 — `items` is empty.
    #[error("`items` is empty")]
    ItemsEmpty,
    /// 46 — an item has no commodity.
    #[error("`{field}`: the commodity is missing")]
    CommodityUndefined {
        /// JSON path of the item.
        field: String,
    },
    /// 47 — quantity missing, not positive, more than 3 decimals, or more than can be
    /// returned.
    #[error("`{field}`: incorrect quantity: {reason}")]
    QuantityIncorrect {
        /// JSON path of the quantity.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// 48 — an item of type DISCOUNT without its discount.
    #[error("`{field}`: the item discount is missing")]
    ItemDiscountUndefined {
        /// JSON path of the item.
        field: String,
    },
    /// 49 — an item of type MARKUP without its markup.
    #[error("`{field}`: the item markup is missing")]
    ItemMarkupUndefined {
        /// JSON path of the item.
        field: String,
    },
    /// 50 — unknown or missing item type.
    #[error("`{field}`: unknown item type {kind} (1 commodity, 3 markup, 5 discount)")]
    UnknownItemType {
        /// JSON path of the item.
        field: String,
        /// The type as given (`none` when missing).
        kind: String,
    },
    /// 52 — `amounts.total` differs from the computed total, or a return exceeds
    /// what is left of the original receipt.
    #[error("incorrect total: {reason}")]
    TotalIncorrect {
        /// What is wrong.
        reason: String,
    },
    /// 53 — a cash amount is negative.
    #[error("`{field}`: cash amount {value} is negative")]
    CashNegative {
        /// JSON path of the amount.
        field: String,
        /// The value as given.
        value: String,
    },
    /// 54 — the sum to pay cannot be represented (overflow).
    #[error("incorrect sum to pay: {reason}")]
    SumToPayIncorrect {
        /// What is wrong.
        reason: String,
    },
    /// 55 — card payment above the total.
    #[error("card payment {card} is greater than the total {total}")]
    CardAboveTotal {
        /// The card payment.
        card: crate::Money,
        /// The receipt total.
        total: crate::Money,
    },
    /// 56 — a payment is malformed or inconsistent (duplicate type, negative card sum,
    /// non-cash above the total, `taken`/`change` not matching).
    #[error("incorrect payment: {reason}")]
    PaidSumIncorrect {
        /// What is wrong.
        reason: String,
    },
    /// 57 — payments do not cover the total.
    #[error("paid {paid} is less than the total {total}")]
    PaidLessThanTotal {
        /// Sum of the payments.
        paid: crate::Money,
        /// The receipt total.
        total: crate::Money,
    },
    /// 58 — not enough cash in the drawer for a withdrawal or a cash pay-out.
    #[error("not enough cash in the drawer: {requested} requested, {in_drawer} available")]
    NotEnoughCash {
        /// Cash asked for.
        requested: crate::Money,
        /// Cash in the drawer.
        in_drawer: crate::Money,
    },
    /// 59 — a discount is not less than the amount it reduces.
    #[error("`{field}`: discount {discount} must be less than {total}")]
    DiscountNotLessThanTotal {
        /// JSON path of the discount.
        field: String,
        /// The discount.
        discount: crate::Money,
        /// The amount it applies to.
        total: crate::Money,
    },
    /// 60 — unknown taxation type.
    #[error("`{field}`: incorrect taxation type {value} (100..103)")]
    TaxationTypeIncorrect {
        /// JSON path of the tax.
        field: String,
        /// The value as given.
        value: i64,
    },
    /// 62 — the KKM is blocked (by the OFD or by an unresolved offline document).
    #[error("the KKM is blocked: {reason}")]
    KkmBlocked {
        /// Why.
        reason: String,
    },
    /// 63 — a discount is negative.
    #[error("`{field}`: discount {value} is negative")]
    DiscountNegative {
        /// JSON path of the discount sum.
        field: String,
        /// The value as given.
        value: String,
    },
    /// 64 — a markup is negative.
    #[error("`{field}`: markup {value} is negative")]
    MarkupNegative {
        /// JSON path of the markup sum.
        field: String,
        /// The value as given.
        value: String,
    },
    /// 65 — a discount and a markup on the same item or on the receipt.
    #[error("`{field}`: a discount and a markup are mutually exclusive")]
    DiscountAndMarkup {
        /// JSON path of the item or of `amounts`.
        field: String,
    },
    /// 67 — the operation needs an empty offline queue.
    #[error("the KKM has {pending} unsent offline documents")]
    HasOfflineQueue {
        /// Documents waiting.
        pending: u64,
    },
    /// 68 — the KKM is locked because its counters or journal do not agree.
    #[error("the KKM is locked: values conflict: {reason}")]
    ValuesConflict {
        /// What disagrees.
        reason: String,
    },
    /// 11 — the PIN is shorter than the installation's policy asks for this role.
    #[error("access_pin: the PIN of a {role} needs at least {min} characters (the installation's PIN policy)")]
    PinTooShort {
        /// The role the PIN is for.
        role: crate::operator::Role,
        /// The shortest PIN the policy accepts for it.
        min: usize,
    },
    /// 71 — the operator's role does not allow the action.
    #[error("access denied: a {role} may not {action}")]
    AccessDenied {
        /// The operator's role.
        role: crate::operator::Role,
        /// The action refused.
        action: crate::operator::Action,
    },
    /// 71 — a cashier asked to print a document beyond what a cashier may print (a
    /// report, or a document older than the previous shift).
    #[error("a cashier may print receipts and cash slips of the current and the previous shift only; document {shift_document_number} of shift {shift_number} is beyond that (a senior cashier or an administrator can print it)")]
    PrintNotAllowed {
        /// The document's shift.
        shift_number: u32,
        /// Its number in the shift.
        shift_document_number: u32,
    },
    /// 72 — the operator is not bound to this KKM.
    #[error("operator {operator_id} is not bound to KKM {kkm_id}")]
    NotBound {
        /// The operator.
        operator_id: i64,
        /// The KKM.
        kkm_id: i64,
    },
    /// 76 — the operation needs a closed shift.
    #[error("the shift is not closed")]
    ShiftNotClosed,
    /// 77 — the buyer's IIN/BIN equals the seller's.
    #[error("the customer's IIN/BIN {0} is the seller's own")]
    SameTaxpayerAndCustomer(String),
    /// 81 — `measure_unit_code` missing or empty.
    #[error("`{field}`: the measure unit code is empty")]
    MeasureUnitCodeEmpty {
        /// JSON path of the commodity.
        field: String,
    },
    /// 82 — `section_code` missing or empty.
    #[error("`{field}`: the section code is empty")]
    SectionCodeEmpty {
        /// JSON path of the commodity.
        field: String,
    },
    /// 88 — taxes on items and on the receipt at once.
    #[error("taxes on items (`{item_field}`) and on the receipt are mutually exclusive")]
    ItemAndTicketTaxes {
        /// The first item (or modifier) tax list found.
        item_field: String,
    },
    /// 89 — the same tax rate twice in one list.
    #[error("`{field}`: the tax rate {percent} appears more than once")]
    DuplicateTaxPercent {
        /// JSON path of the tax list.
        field: String,
        /// The repeated rate.
        percent: crate::Percent,
    },
    /// 94 — price missing, negative or with more than 2 decimals.
    #[error("`{field}`: incorrect price: {reason}")]
    PriceIncorrect {
        /// JSON path of the price.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// 95 — item sum missing, malformed, not `price × quantity`, or more than can be
    /// returned.
    #[error("`{field}`: incorrect sum: {reason}")]
    ItemSumIncorrect {
        /// JSON path of the sum.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// 96 — a tax's value does not fit: a sum without a percent (as CashCore checks it),
    /// a negative or unreadable sum.
    #[error("`{field}`: incorrect tax value: {reason}")]
    TaxValueIncorrect {
        /// JSON path of the tax.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// 97 — a payment's sum is missing, unreadable or negative (a negative cash payment
    /// is 53, as the seed says; a payment of 0 is allowed and left out).
    #[error("`{field}`: incorrect payment sum: {reason}")]
    PaymentSumIncorrect {
        /// JSON path of the sum.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// 98 — a payment's type is missing, unknown, or given twice.
    #[error("`{field}`: incorrect payment type: {reason}")]
    PaymentTypeIncorrect {
        /// JSON path of the type.
        field: String,
        /// What is wrong.
        reason: String,
    },
}

impl CoreError {
    /// The seed's response code of this error.
    pub fn code(&self) -> ErrorCode {
        use CoreError as E;
        match self {
            E::InvalidField { .. } => ErrorCode::InvalidFields,
            E::OfflineTooLong { .. } => ErrorCode::KkmInOfflineModeTooLong,
            E::ShiftTooLong { .. } => ErrorCode::ShiftDurationIsTooLong,
            E::InvalidReportType(_) => ErrorCode::InvalidReportType,
            E::ShiftNotOpened => ErrorCode::KkmShiftStateIsNotOpened,
            E::ClockWentBack { .. } => ErrorCode::InvalidLocalDate,
            E::InvalidOperatorRole(_) => ErrorCode::InvalidOperatorRole,
            E::ParentTicketNotFound { .. } => ErrorCode::TransactionNotFound,
            E::ItemsUndefined => ErrorCode::ItemsListUndefined,
            E::ItemsEmpty => ErrorCode::ItemsListIsEmpty,
            E::CommodityUndefined { .. } => ErrorCode::ItemCommodityUndefined,
            E::QuantityIncorrect { .. } => ErrorCode::ItemQuantityIsIncorrect,
            E::ItemDiscountUndefined { .. } => ErrorCode::ItemDiscountUndefined,
            E::ItemMarkupUndefined { .. } => ErrorCode::ItemMarkupUndefined,
            E::UnknownItemType { .. } => ErrorCode::UnknownItemType,
            E::TotalIncorrect { .. } => ErrorCode::AmountsTotalIsIncorrect,
            E::CashNegative { .. } => ErrorCode::MoneyValueIsNegative,
            E::SumToPayIncorrect { .. } => ErrorCode::SumToPayIsIncorrect,
            E::CardAboveTotal { .. } => ErrorCode::CardSumIsGreaterThanTotal,
            E::PaidSumIncorrect { .. } => ErrorCode::PaidSumIsIncorrect,
            E::PaidLessThanTotal { .. } => ErrorCode::PaidSumIsLessThanTotal,
            E::NotEnoughCash { .. } => ErrorCode::NotEnoughCash,
            E::DiscountNotLessThanTotal { .. } => ErrorCode::DiscountSumMustBeLessThanTotal,
            E::TaxationTypeIncorrect { .. } => ErrorCode::TaxationTypeIsIncorrect,
            E::KkmBlocked { .. } => ErrorCode::KkmIsBlocked,
            E::DiscountNegative { .. } => ErrorCode::DiscountSumIsNegative,
            E::MarkupNegative { .. } => ErrorCode::MarkupSumIsNegative,
            E::DiscountAndMarkup { .. } => ErrorCode::DiscountAndMarkupAreMutuallyExclusive,
            E::HasOfflineQueue { .. } => ErrorCode::KkmHasOfflineQueue,
            E::ValuesConflict { .. } => ErrorCode::KkmLockedDueToValuesConflict,
            E::PinTooShort { .. } => ErrorCode::AccessCodeIncorrect,
            E::AccessDenied { .. } | E::PrintNotAllowed { .. } => ErrorCode::KkmAccessDenied,
            E::NotBound { .. } => ErrorCode::KkmInvalidBindings,
            E::ShiftNotClosed => ErrorCode::KkmShiftIsNotClosed,
            E::SameTaxpayerAndCustomer(_) => ErrorCode::SameTaxpayerAndCustomer,
            E::MeasureUnitCodeEmpty { .. } => ErrorCode::MeasureUnitCodeIsEmpty,
            E::SectionCodeEmpty { .. } => ErrorCode::SectionCodeIsEmpty,
            E::ItemAndTicketTaxes { .. } => ErrorCode::ItemsTaxesAndTicketTaxesAreMutuallyExclusive,
            E::DuplicateTaxPercent { .. } => ErrorCode::TaxPercentageIsAlreadyPresent,
            E::PriceIncorrect { .. } => ErrorCode::ItemPriceIsIncorrect,
            E::ItemSumIncorrect { .. } => ErrorCode::ItemSumIsIncorrect,
            E::TaxValueIncorrect { .. } => ErrorCode::TaxValueIsIncorrect,
            E::PaymentSumIncorrect { .. } => ErrorCode::PaymentSumIsIncorrect,
            E::PaymentTypeIncorrect { .. } => ErrorCode::PaymentTypeIsIncorrect,
        }
    }

    /// Shorthand for [`CoreError::InvalidField`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> CoreError {
        CoreError::InvalidField {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
