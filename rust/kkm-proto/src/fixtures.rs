//! Ready-made CPCR messages: realistic receipts for tests, benchmarks, the emulator's
//! self-check and examples. They are what a KKM would send for the seed's example sale
//! (goods at 12% VAT included, paid partly in cash with change and partly by card).

use crate::cpcr::{
    ticket_request::{self, item},
    CommandTypeEnum, DateTime, DomainTypeEnum, Money, OperationTypeEnum, Operator, PaymentTypeEnum,
    Request, TaxTypeEnum, TicketRequest,
};

/// A VAT line of `rate_thousandths` (12% = 12000) included in `gross_tiyn`, rounded half
/// up to the tiyn: `tax = gross * rate / (100000 + rate)`.
fn included_vat(gross_tiyn: u64, rate_thousandths: u32) -> ticket_request::Tax {
    let rate = u64::from(rate_thousandths);
    let tax = (gross_tiyn * rate * 2 + (100_000 + rate)) / (2 * (100_000 + rate));
    ticket_request::Tax {
        tax_type: TaxTypeEnum::Vat as u32,
        taxation_type: None,
        percent: rate_thousandths,
        sum: Money::from_tiyn(tax),
        is_in_total_sum: true,
    }
}

/// A sale (`OPERATION_SELL`) of `items` lines at 12% VAT included, dated `date_time`,
/// paid by card for half and in cash for the rest with 250 tenge of change.
///
/// Line `i` (from 0) sells `i + 1` units of 100 tenge + `i` tiyn in section "1".
pub fn sale(items: usize, date_time: DateTime) -> TicketRequest {
    let mut total = 0u64;
    let lines = (0..items)
        .map(|i| {
            let price = 10_000 + i as u64;
            let qty = i as u64 + 1;
            let sum = price * qty;
            total += sum;
            ticket_request::Item {
                r#type: item::ItemTypeEnum::ItemTypeCommodity as i32,
                commodity: Some(item::Commodity {
                    code: Some(i as u64 + 1),
                    name: Some(format!("Товар №{} — қызмет", i + 1)),
                    section_code: "1".into(),
                    quantity: qty * 1000,
                    price: Money::from_tiyn(price),
                    sum: Money::from_tiyn(sum),
                    taxes: vec![included_vat(sum, 12_000)],
                    barcode: Some(format!("48700000{:05}", i)),
                    measure_unit_code: Some("796".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    let card = total / 2;
    let cash = total - card;
    TicketRequest {
        operation: OperationTypeEnum::OperationSell as i32,
        date_time,
        operator: Operator {
            code: 1,
            name: Some("Кассир".into()),
        },
        domain: Some(ticket_request::Domain {
            r#type: Some(DomainTypeEnum::DomainTrading as i32),
            ..Default::default()
        }),
        items: lines,
        payments: vec![
            ticket_request::Payment {
                r#type: PaymentTypeEnum::PaymentCash as i32,
                sum: Money::from_tiyn(cash),
                ..Default::default()
            },
            ticket_request::Payment {
                r#type: PaymentTypeEnum::PaymentCard as i32,
                sum: Money::from_tiyn(card),
                ..Default::default()
            },
        ],
        taxes: vec![],
        amounts: ticket_request::Amounts {
            total: Money::from_tiyn(total),
            taken: Some(Money::from_tiyn(cash + 25_000)),
            change: Some(Money::from_tiyn(25_000)),
            markup: None,
            discount: None,
        },
        ..Default::default()
    }
}

/// `COMMAND_TICKET` wrapping [`sale`].
pub fn sale_request(items: usize, date_time: DateTime) -> Request {
    Request {
        command: CommandTypeEnum::CommandTicket as i32,
        ticket: Some(sale(items, date_time)),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_vat_example_rounds_to_187_50() {
        // The seed's example: 1750 tenge at 12% VAT included → 187.50 tenge of tax.
        assert_eq!(included_vat(175_000, 12_000).sum.to_tiyn(), Some(18_750));
    }

    #[test]
    fn sale_is_balanced() {
        let t = sale(20, DateTime::from_unix_seconds(1_700_000_000));
        let items: u64 = t
            .items
            .iter()
            .map(|i| i.commodity.as_ref().unwrap().sum.to_tiyn().unwrap())
            .sum();
        let paid: u64 = t.payments.iter().map(|p| p.sum.to_tiyn().unwrap()).sum();
        let total = t.amounts.total.to_tiyn().unwrap();
        assert_eq!(items, total);
        assert_eq!(paid, total);
    }
}
