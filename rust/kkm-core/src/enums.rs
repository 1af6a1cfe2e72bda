//! The seed's enumerations with their numeric codes: operations, payment types, money
//! placements, report types, taxation types, trade domains and item types.
//!
//! Each serializes (serde) as its number, as in the seed's JSON, and converts from a
//! raw number with [`Operation::from_code`]-style constructors that return `None` for
//! unknown values (the validation maps that to the right error code).

/// Defines an enum of the seed that travels as its numeric code: `ALL`, `code()`,
/// `from_code()`, and serde as a JSON number (unknown codes are a deserialization
/// error). Used here and by `kkm-register`'s API model for the seed's other enums.
#[macro_export]
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident : $repr:ty {
            $($(#[$vmeta:meta])* $variant:ident = $code:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every value, in the seed's order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The seed's numeric code.
            pub const fn code(self) -> $repr {
                match self {
                    $($name::$variant => $code,)*
                }
            }

            /// The value with this code, or `None` if the seed defines none.
            pub fn from_code(code: i64) -> Option<$name> {
                match code {
                    $($code => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl $crate::__serde::Serialize for $name {
            fn serialize<S: $crate::__serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(i64::from(self.code()))
            }
        }

        impl<'de> $crate::__serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                let code = <i64 as $crate::__serde::Deserialize>::deserialize(deserializer)?;
                $name::from_code(code).ok_or_else(|| {
                    <D::Error as $crate::__serde::de::Error>::custom(format!(concat!("unknown ", stringify!($name), " code {}"), code))
                })
            }
        }
    };
}

code_enum! {
    /// Operation of a receipt (`OperationTypeEnum`).
    Operation: u8 {
        /// `OPERATION_BUY` — покупка: the shop buys and pays out.
        Buy = 0,
        /// `OPERATION_BUY_RETURN` — возврат покупки: the shop gets its money back.
        BuyReturn = 1,
        /// `OPERATION_SELL` — продажа.
        Sell = 2,
        /// `OPERATION_SELL_RETURN` — возврат продажи: the shop pays back.
        SellReturn = 3,
    }
}

impl Operation {
    /// Index 0..4 (the code), for per-operation counter arrays.
    pub const fn index(self) -> usize {
        self.code() as usize
    }

    /// `true` for BUY_RETURN and SELL_RETURN.
    pub const fn is_return(self) -> bool {
        matches!(self, Operation::BuyReturn | Operation::SellReturn)
    }

    /// The operation a return reverses (SELL for SELL_RETURN), or `None` for a
    /// non-return.
    pub const fn returned_operation(self) -> Option<Operation> {
        match self {
            Operation::SellReturn => Some(Operation::Sell),
            Operation::BuyReturn => Some(Operation::Buy),
            _ => None,
        }
    }

    /// `true` when the money of the receipt flows into the drawer (SELL, BUY_RETURN);
    /// `false` when the shop pays out (BUY, SELL_RETURN).
    pub const fn is_income(self) -> bool {
        matches!(self, Operation::Sell | Operation::BuyReturn)
    }

    /// The order in which the seed's reports list operations: SELL, BUY, SELL_RETURN,
    /// BUY_RETURN.
    pub const REPORT_ORDER: [Operation; 4] = [
        Operation::Sell,
        Operation::Buy,
        Operation::SellReturn,
        Operation::BuyReturn,
    ];
}

code_enum! {
    /// How a receipt is paid (`PaymentTypeEnum`).
    PaymentType: u8 {
        /// `PAYMENT_CASH` — наличные.
        Cash = 0,
        /// `PAYMENT_CARD` — банковская карта.
        Card = 1,
        /// `PAYMENT_MOBILE` — мобильный платёж.
        Mobile = 4,
    }
}

impl PaymentType {
    /// Index 0..3 for per-payment counter arrays (cash 0, card 1, mobile 2).
    pub const fn index(self) -> usize {
        match self {
            PaymentType::Cash => 0,
            PaymentType::Card => 1,
            PaymentType::Mobile => 2,
        }
    }
}

code_enum! {
    /// Cash put into or taken out of the drawer (`MoneyPlacementEnum`).
    MoneyPlacementKind: u8 {
        /// `MONEY_PLACEMENT_DEPOSIT` — внесение.
        Deposit = 0,
        /// `MONEY_PLACEMENT_WITHDRAWAL` — изъятие.
        Withdrawal = 1,
    }
}

impl MoneyPlacementKind {
    /// Index 0..2 (the code).
    pub const fn index(self) -> usize {
        self.code() as usize
    }

    /// The seed's report order: WITHDRAWAL, DEPOSIT.
    pub const REPORT_ORDER: [MoneyPlacementKind; 2] =
        [MoneyPlacementKind::Withdrawal, MoneyPlacementKind::Deposit];
}

code_enum! {
    /// X or Z report (`ReportTypeEnum`).
    ReportType: u8 {
        /// `REPORT_Z` — closes the shift.
        Z = 0,
        /// `REPORT_X` — interim totals; the shift stays open.
        X = 1,
    }
}

impl ReportType {
    /// The report type of a request's `report_type`; unknown → 34
    /// (`invalid_report_type`).
    pub fn from_request(code: i64) -> Result<ReportType, crate::CoreError> {
        ReportType::from_code(code).ok_or(crate::CoreError::InvalidReportType(code))
    }
}

code_enum! {
    /// Taxation regime of a tax line (`TaxationTypeEnum`).
    TaxationType: u16 {
        /// `STS` (100) — УСН, simplified.
        Sts = 100,
        /// `RTS` (101) — ОСН, general regime.
        Rts = 101,
        /// `TRFF` (102) — peasant and farm households.
        Trff = 102,
        /// `TRBP` (103) — small business on a patent.
        Trbp = 103,
    }
}

code_enum! {
    /// Trade domain of a receipt (`DomainTypeEnum`).
    DomainType: u8 {
        /// `DOMAIN_TRADING` — торговля.
        Trading = 0,
        /// `DOMAIN_SERVICES` — услуги.
        Services = 1,
        /// `DOMAIN_GASOIL` — нефтепродукты.
        GasOil = 2,
        /// `DOMAIN_HOTELS` — отели и рестораны.
        Hotels = 3,
        /// `DOMAIN_TAXI` — такси.
        Taxi = 4,
        /// `DOMAIN_PARKING` — стоянки.
        Parking = 5,
    }
}

code_enum! {
    /// Type of an element of `items` (`ItemTypeEnum`).
    ItemType: u8 {
        /// `ITEM_TYPE_COMMODITY` — a good or service (with its optional discount or
        /// markup alongside, as the seed does since core 1.3.42).
        Commodity = 1,
        /// `ITEM_TYPE_MARKUP` — a markup on the preceding commodity (legacy form).
        Markup = 3,
        /// `ITEM_TYPE_DISCOUNT` — a discount on the preceding commodity (legacy form).
        Discount = 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_roundtrip() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_code(i64::from(op.code())), Some(*op));
        }
        assert_eq!(PaymentType::from_code(4), Some(PaymentType::Mobile));
        assert_eq!(PaymentType::from_code(2), None);
        assert_eq!(
            serde_json::to_string(&Operation::SellReturn)
                .ok()
                .as_deref(),
            Some("3")
        );
        assert!(serde_json::from_str::<Operation>("7").is_err());
    }
}
