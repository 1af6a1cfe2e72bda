//! What one accepted document changes in the books, computed before anything changes
//! (a receipt's lines, modifiers, taxes and payments; a placement; a shift opened), and the
//! receipt's fiscal sign and check QR.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use kkm_proto::cpcr::{
    ticket_request, DateTime, MoneyPlacementEnum, ResultTypeEnum, TaxTypeEnum, TicketRequest,
};
use kkm_proto::prost::Message;

use super::*;

/// A commodity line of a receipt being booked.
pub(super) struct Line {
    pub(super) section: String,
    /// The commodity's sum, before modifiers.
    pub(super) gross: u64,
    /// What the customer pays for it: after its own and its share of receipt modifiers.
    pub(super) net: u64,
    /// Its taxes: (rate in thousandths, sum).
    pub(super) taxes: Vec<(u32, u64)>,
}

/// The books' changes one receipt makes, computed before anything is changed.
pub(super) struct Booking {
    pub(super) op: usize,
    pub(super) at: i64,
    pub(super) total: u64,
    pub(super) lines: Vec<(String, u64)>,
    /// Modifiers with a non-zero sum, item and receipt level: each counts once.
    pub(super) discounts: Tally,
    pub(super) markups: Tally,
    /// The receipt-level modifiers alone (`TicketOperation.discount_sum` / `markup_sum`,
    /// as the seed's report shows: its sale with 50 + 200 of discounts reports 200).
    pub(super) receipt_discount: u64,
    pub(super) receipt_markup: u64,
    pub(super) taxes: Vec<(u32, u64, u64)>,
    pub(super) payments: Vec<(usize, u64)>,
    pub(super) change: u64,
}

impl Booking {
    pub(super) fn of_ticket(t: &TicketRequest) -> Result<Booking, Refusal> {
        let op = operation_index(t.operation)?;
        let at = seconds(&t.date_time, "date_time")?;
        if matches!(op, 1 | 3) && t.parent_ticket.is_none() {
            return refuse(
                ResultTypeEnum::ResultTypeIncorrectRequestData,
                "a return needs parent_ticket (protocol 2.0.3)",
            );
        }
        use ticket_request::item::ItemTypeEnum as I;
        let mut lines: Vec<Line> = Vec::new();
        let (mut gross, mut discounts, mut markups) = (0u64, Tally::default(), Tally::default());
        let note = |tally: &mut Tally, sum: u64| {
            if sum > 0 {
                tally.add(sum);
            }
        };
        let tax_line = |tax: &ticket_request::Tax| -> Result<(u32, u64), Refusal> {
            if tax.tax_type != TaxTypeEnum::Vat as u32 {
                return refuse(
                    ResultTypeEnum::ResultTypeIncorrectRequestData,
                    "unknown tax type",
                );
            }
            Ok((tax.percent, tiyn(&tax.sum, "tax sum")?))
        };
        for item in &t.items {
            match (I::try_from(item.r#type), item) {
                (
                    Ok(I::ItemTypeCommodity),
                    ticket_request::Item {
                        commodity: Some(c), ..
                    },
                ) => {
                    let sum = tiyn(&c.sum, "commodity sum")?;
                    tiyn(&c.price, "commodity price")?;
                    if c.section_code.is_empty()
                        || c.measure_unit_code.as_deref().unwrap_or("").is_empty()
                    {
                        return refuse(
                            ResultTypeEnum::ResultTypeIncorrectRequestData,
                            "commodity without section_code or measure_unit_code",
                        );
                    }
                    gross = gross.saturating_add(sum);
                    let taxes = c
                        .taxes
                        .iter()
                        .map(tax_line)
                        .collect::<Result<Vec<_>, _>>()?;
                    lines.push(Line {
                        section: c.section_code.clone(),
                        gross: sum,
                        net: sum,
                        taxes,
                    });
                }
                (
                    Ok(I::ItemTypeStornoCommodity),
                    ticket_request::Item {
                        storno_commodity: Some(_),
                        ..
                    },
                ) => {}
                // An item-level modifier follows the commodity it changes.
                (
                    Ok(I::ItemTypeDiscount),
                    ticket_request::Item {
                        discount: Some(m), ..
                    },
                ) => {
                    let sum = tiyn(&m.sum, "discount")?;
                    note(&mut discounts, sum);
                    if let Some(line) = lines.last_mut() {
                        line.net = line.net.saturating_sub(sum);
                    }
                }
                (
                    Ok(I::ItemTypeMarkup),
                    ticket_request::Item {
                        markup: Some(m), ..
                    },
                ) => {
                    let sum = tiyn(&m.sum, "markup")?;
                    note(&mut markups, sum);
                    if let Some(line) = lines.last_mut() {
                        line.net = line.net.saturating_add(sum);
                    }
                }
                (Ok(I::ItemTypeStornoDiscount | I::ItemTypeStornoMarkup), _) => {}
                _ => {
                    return refuse(
                        ResultTypeEnum::ResultTypeIncorrectRequestData,
                        format!("item of type {} without its content", item.r#type),
                    )
                }
            }
        }
        if lines.is_empty() {
            return refuse(
                ResultTypeEnum::ResultTypeIncorrectRequestData,
                "a receipt without goods",
            );
        }
        let a = &t.amounts;
        // A receipt-level modifier is spread over the lines' net sums (largest remainder),
        // so each line's taxable turnover is what the customer paid for it.
        let mut spread = |sum: u64, sign: i8| {
            let weights: Vec<u64> = lines.iter().map(|l| l.net).collect();
            for (line, share) in lines.iter_mut().zip(allocate(sum, &weights)) {
                line.net = if sign > 0 {
                    line.net.saturating_add(share)
                } else {
                    line.net.saturating_sub(share)
                };
            }
        };
        let receipt_discount = match &a.discount {
            Some(d) => tiyn(&d.sum, "receipt discount")?,
            None => 0,
        };
        let receipt_markup = match &a.markup {
            Some(m) => tiyn(&m.sum, "receipt markup")?,
            None => 0,
        };
        if let Some(d) = &a.discount {
            let sum = tiyn(&d.sum, "receipt discount")?;
            note(&mut discounts, sum);
            spread(sum, -1);
        }
        if let Some(m) = &a.markup {
            let sum = tiyn(&m.sum, "receipt markup")?;
            note(&mut markups, sum);
            spread(sum, 1);
        }
        let total = tiyn(&a.total, "amounts.total")?;
        let expected = gross.saturating_add(markups.sum).checked_sub(discounts.sum);
        if expected != Some(total) {
            return refuse(
                ResultTypeEnum::ResultTypeIncorrectRequestData,
                format!("amounts.total {total} does not match the items ({expected:?})"),
            );
        }
        let mut taxes: Vec<(u32, u64, u64)> = Vec::new();
        let mut add_tax = |(percent, sum): (u32, u64), turnover: u64| match taxes
            .iter_mut()
            .find(|(p, _, _)| *p == percent)
        {
            Some(e) => {
                e.1 = e.1.saturating_add(turnover);
                e.2 = e.2.saturating_add(sum);
            }
            None => taxes.push((percent, turnover, sum)),
        };
        for line in &lines {
            for tax in &line.taxes {
                add_tax(*tax, line.net);
            }
        }
        for tax in &t.taxes {
            add_tax(tax_line(tax)?, total);
        }
        let lines = lines.into_iter().map(|l| (l.section, l.gross)).collect();
        let mut payments = Vec::new();
        let mut paid = 0u64;
        for p in &t.payments {
            let i = payment_index(p.r#type)?;
            let sum = tiyn(&p.sum, "payment")?;
            paid = paid.saturating_add(sum);
            payments.push((i, sum));
        }
        if paid != total {
            return refuse(
                ResultTypeEnum::ResultTypeIncorrectRequestData,
                format!("payments {paid} do not add up to the total {total}"),
            );
        }
        let change = match &a.change {
            Some(c) => tiyn(c, "change")?,
            None => 0,
        };
        Ok(Booking {
            op,
            at,
            total,
            lines,
            discounts,
            markups,
            receipt_discount,
            receipt_markup,
            taxes,
            payments,
            change,
        })
    }

    pub(super) fn apply(self, kkm: &mut KkmLedger, offline: bool) {
        let op = self.op;
        let Some(shift) = kkm.shift.as_mut() else {
            return;
        };
        for (section, sum) in &self.lines {
            shift.sections.entry(section.clone()).or_default()[op].add(*sum);
            shift.operations[op].add(*sum);
        }
        for (book, t) in [
            (&mut shift.discounts[op], self.discounts),
            (&mut shift.markups[op], self.markups),
        ] {
            book.count = book.count.saturating_add(t.count);
            book.sum = book.sum.saturating_add(t.sum);
        }
        shift.total_result[op].add(self.total);
        for (percent, turnover, sum) in &self.taxes {
            let t = &mut shift.taxes.entry(*percent).or_default()[op];
            t.turnover = t.turnover.saturating_add(*turnover);
            t.sum = t.sum.saturating_add(*sum);
            t.turnover_without_tax = t
                .turnover_without_tax
                .saturating_add(turnover.saturating_sub(*sum));
        }
        kkm.ticket_total_counts[op] = kkm.ticket_total_counts[op].saturating_add(1);
        let tt = &mut shift.tickets[op];
        tt.tickets.add(self.total);
        tt.total_count = kkm.ticket_total_counts[op];
        tt.offline_count += u32::from(offline);
        tt.discount_sum = tt.discount_sum.saturating_add(self.receipt_discount);
        tt.markup_sum = tt.markup_sum.saturating_add(self.receipt_markup);
        tt.change_sum = tt.change_sum.saturating_add(self.change);
        let mut cash = 0u64;
        for (i, sum) in &self.payments {
            tt.payments[*i].add(*sum);
            if *i == 0 {
                cash = cash.saturating_add(*sum);
            }
        }
        kkm.cash = if direction(op) > 0 {
            kkm.cash.saturating_add(cash)
        } else {
            kkm.cash.saturating_sub(cash)
        };
        kkm.non_nullable[op] = kkm.non_nullable[op].saturating_add(self.total);
    }
}

/// Splits `amount` over `weights` in proportion, each share the floor of its exact part,
/// the tiyn left over one each to the largest remainders (earlier first on ties).
pub(super) fn allocate(amount: u64, weights: &[u64]) -> Vec<u64> {
    let total: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if total == 0 {
        let mut shares = vec![0; weights.len()];
        if let Some(first) = shares.first_mut() {
            *first = amount;
        }
        return shares;
    }
    let parts: Vec<(u128, u128)> = weights
        .iter()
        .map(|&w| {
            let exact = u128::from(amount) * u128::from(w);
            (exact / total, exact % total)
        })
        .collect();
    let given: u128 = parts.iter().map(|p| p.0).sum();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| parts[b].1.cmp(&parts[a].1).then(a.cmp(&b)));
    let left = usize::try_from(u128::from(amount) - given).unwrap_or(0);
    let mut shares: Vec<u64> = parts
        .iter()
        .map(|p| u64::try_from(p.0).unwrap_or(u64::MAX))
        .collect();
    for &i in order.iter().take(left) {
        shares[i] = shares[i].saturating_add(1);
    }
    shares
}

/// The consumer check link of an accepted receipt as the operator's server writes it
/// (the real TICKET answer in `shared/vectors/cpcr`): no `/` before `?`, the sum with a
/// dot.
pub(super) fn check_qr(rnm: &str, sign: &str, total_tiyn: u64, at: i64) -> String {
    let t = DateTime::from_unix_seconds(at);
    format!(
        "http://consumer.test-oofd.kz?i={sign}&f={rnm}&s={}.{:02}&t={:04}{:02}{:02}T{:02}{:02}{:02}",
        total_tiyn / 100,
        total_tiyn % 100,
        t.date.year,
        t.date.month,
        t.date.day,
        t.time.hour,
        t.time.minute,
        t.time.second.unwrap_or(0)
    )
}

/// Opens a shift at `at` if none is open; returns the open shift's number.
pub(super) fn open_shift(kkm: &mut KkmLedger, at: i64) -> u32 {
    if let Some(s) = &kkm.shift {
        return s.number;
    }
    kkm.last_shift_number += 1;
    kkm.shift = Some(ShiftBook {
        number: kkm.last_shift_number,
        opened_at: at,
        start_non_nullable: kkm.non_nullable,
        ..Default::default()
    });
    kkm.last_shift_number
}

pub(super) fn book_placement(
    kkm: &mut KkmLedger,
    kind: MoneyPlacementEnum,
    sum: u64,
    offline: bool,
) {
    let i = kind as usize;
    kkm.placement_total_counts[i] = kkm.placement_total_counts[i].saturating_add(1);
    kkm.cash = match kind {
        MoneyPlacementEnum::MoneyPlacementDeposit => kkm.cash.saturating_add(sum),
        MoneyPlacementEnum::MoneyPlacementWithdrawal => kkm.cash.saturating_sub(sum),
    };
    if let Some(shift) = kkm.shift.as_mut() {
        shift.placements[i].0.add(sum);
        shift.placements[i].1 += u32::from(offline);
    }
}

/// A ticket's identity without the fields that differ between its online attempt and
/// its offline resend.
pub(super) fn fingerprint(t: &TicketRequest) -> u64 {
    let mut t = t.clone();
    t.offline_ticket_number = None;
    t.printed_ticket = None;
    let mut h = DefaultHasher::new();
    t.encode_to_vec().hash(&mut h);
    h.finish()
}
