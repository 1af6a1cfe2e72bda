//! Sample documents built from the seed's TradeOperation example (E-Kassa API, KKM 6923):
//! for the CLI's demo output, the golden tests and the benchmark.

use crate::model::*;

/// Requisites of the seed's test KKM (ЗНМ ISCR1018036404743, РНМ 010100134464).
pub fn seed_kkm(language: Language) -> KkmRequisites {
    KkmRequisites {
        taxpayer_name: "ЧН ГЕОРГИАДИ ЛИЛИЯ ГЕННАДЬЕВНА".to_string(),
        taxpayer_iin_bin: "910812450255".to_string(),
        address: "г. Нур-Султан, р-н Есиль, Республики 1".to_string(),
        point_name: None,
        factory_number: "ISCR1018036404743".to_string(),
        registration_number: "010100134464".to_string(),
        vat_certificate: Some(VatCertificate {
            series: String::new(),
            number: String::new(),
            is_printable: false,
        }),
        ofd: OfdInfo {
            name: "Казахтелеком - test".to_string(),
            check_url: "http://consumer.test-oofd.kz".to_string(),
        },
        language,
    }
}

/// The OFD advertising text of the seed's GetKKMList answer (contains `${ticket_number}`).
pub const SEED_AD: &str = "ОФД - АО \"КАЗАХТЕЛЕКОМ\"\nФиск. признак ${ticket_number}\nКод ККМ КГД: 010100134464\nДля проверки чека зайдите на сайт:\nhttp://consumer.test-oofd.kz\nТестовый текст - это тестовый рекламный текст\nРекламный текст передаётся на ККМ для печати.\nНабор знаков !\"№;%:?*()_+=\\/'`.>,<\nТестілік мәтін - бұл тестілік жарнамалық мәтін\n!\"№;%:?*()_+=\\/'`.>,<\nTest text-a test advertising text  \n!\"№;%:?*()_+=\\/'`.>,<";

/// The seed's example sale: tovar1 2 × 1 000,00 with a 50,00 item discount and a 200,00
/// receipt discount, total 1 750,00, cash 750,00 (taken 1 000,00, change 250,00) + card
/// 1 000,00, VAT 12 % included 187,50, customer IIN 123456789012, fiscal sign 1008,
/// 17.01.2025 13:34:37, shift 124, document 8.
pub fn seed_sale(language: Language) -> ReceiptView {
    ReceiptView {
        kkm: seed_kkm(language),
        operation: ReceiptOperation::Sell,
        shift_number: 124,
        document_number: 8,
        operator: "Administrator".to_string(),
        date_time: PrintDateTime {
            year: 2025,
            month: 1,
            day: 17,
            hour: 13,
            minute: 34,
            second: 37,
        },
        fiscal: FiscalMark::Online {
            fiscal_sign: "1008".to_string(),
        },
        items: vec![ItemLine {
            name: "tovar1".to_string(),
            quantity_milli: 2000,
            unit: "шт".to_string(),
            unit_price: 100_000,
            sum: 200_000,
            marking_code: Some("excise_stamp_value".to_string()),
            adjustment: Some(Adjustment::Discount {
                name: "Скидка на позицию tovar1".to_string(),
                sum: 5_000,
            }),
            section: None,
            taxes: Vec::new(),
        }],
        adjustment: Some(Adjustment::Discount {
            name: "Сумма общей скидки".to_string(),
            sum: 20_000,
        }),
        total: 175_000,
        payments: vec![
            PaymentLine {
                kind: PaymentKind::Cash,
                sum: 75_000,
            },
            PaymentLine {
                kind: PaymentKind::Card,
                sum: 100_000,
            },
        ],
        taken: Some(100_000),
        change: 25_000,
        taxes: vec![TaxLine {
            percent_milli: 12_000,
            sum: 18_750,
            included: true,
        }],
        customer_iin_bin: Some("123456789012".to_string()),
        customer_email: None,
        customer_phone: None,
        qr: None,
        ads: vec![SEED_AD.to_string()],
        duplicate: false,
    }
}

/// The same sale made in autonomous mode with offline number `offline_number`.
pub fn seed_sale_autonomous(language: Language, offline_number: u64) -> ReceiptView {
    ReceiptView {
        fiscal: FiscalMark::Autonomous { offline_number },
        ..seed_sale(language)
    }
}

/// A cash deposit of 10 000,00 in the seed's shift.
pub fn seed_deposit(language: Language) -> MoneyPlacementView {
    MoneyPlacementView {
        kkm: seed_kkm(language),
        kind: MoneyPlacementKind::Deposit,
        sum: 1_000_000,
        shift_number: 124,
        document_number: 9,
        operator: "Administrator".to_string(),
        date_time: PrintDateTime {
            year: 2025,
            month: 1,
            day: 17,
            hour: 13,
            minute: 40,
            second: 0,
        },
        fiscal: FiscalMark::Online {
            fiscal_sign: "1009".to_string(),
        },
        cash_in_drawer: Some(1_075_000),
        duplicate: false,
    }
}

/// An X or Z report of the seed's shift with the sale above.
pub fn seed_report(language: Language, kind: ReportKind) -> ReportView {
    ReportView {
        kkm: seed_kkm(language),
        kind,
        shift_number: 124,
        shift_opened: PrintDateTime {
            year: 2025,
            month: 1,
            day: 17,
            hour: 9,
            minute: 0,
            second: 0,
        },
        date_time: PrintDateTime {
            year: 2025,
            month: 1,
            day: 17,
            hour: 21,
            minute: 0,
            second: 0,
        },
        operator: "Administrator".to_string(),
        fiscal: match kind {
            ReportKind::X => None,
            ReportKind::Z => Some(FiscalMark::Online {
                fiscal_sign: "1010".to_string(),
            }),
        },
        operations: vec![OperationTotals {
            operation: ReceiptOperation::Sell,
            receipts: CountSum {
                count: 1,
                sum: 175_000,
            },
            discounts: 25_000,
            markups: 0,
            change: 25_000,
            payments: vec![
                PaymentLine {
                    kind: PaymentKind::Cash,
                    sum: 75_000,
                },
                PaymentLine {
                    kind: PaymentKind::Card,
                    sum: 100_000,
                },
            ],
            taxes: vec![TaxLine {
                percent_milli: 12_000,
                sum: 18_750,
                included: true,
            }],
        }],
        deposits: CountSum {
            count: 1,
            sum: 1_000_000,
        },
        withdrawals: CountSum::default(),
        cash_in_drawer: 1_075_000,
        revenue: 175_000,
        non_nullable_start: vec![NonNullableSum {
            operation: ReceiptOperation::Sell,
            sum: 72_798_598,
        }],
        non_nullable_end: vec![NonNullableSum {
            operation: ReceiptOperation::Sell,
            sum: 72_973_598,
        }],
        offline_documents: 0,
        checksum: Some(
            "9f2c1a6b0d4e8f7a3c5b9e1d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a".to_string(),
        ),
        duplicate: false,
    }
}
