//! Tax (VAT) computation and the allocation of amounts across lines.
//!
//! # The rounding rule
//!
//! Tax is computed **once per receipt and rate**, on the rate's whole taxable base, and
//! rounded **half up to the tiyn** ([`crate::money::div_round_half_up`]):
//!
//! * VAT included in the sum (`is_in_total_sum: true`):
//!   `tax = round(base × p / (100 000 + p))`
//! * VAT on top of the sum (`is_in_total_sum: false`):
//!   `tax = round(base × p / 100 000)` and the buyer pays `base + tax`
//!
//! where `p` is the rate in thousandths of a percent (12% → 12 000) and `base` is in
//! tiyn. The seed's example: 1750.00 at 12% included → 175 000 × 12 000 / 112 000 =
//! 18 750 tiyn = 187.50.
//!
//! When a rate's tax must be shown per line (taxes per item), the rounded tax of the
//! rate is split across its lines in proportion to their amounts with [`allocate`]
//! (largest remainder), so the lines' taxes add up to the receipt's tax exactly: no
//! tiyn is lost or created. The receipt-level discount or markup is spread over the
//! lines the same way before the taxable bases are formed.

use crate::money::{div_round_half_up, Money, Percent};

/// The tax of `base` at `percent`, included in `base` or on top of it, by the crate's
/// rounding rule (see the module docs).
///
/// ```
/// use kkm_core::{tax::tax_amount, Money, Percent};
/// let twelve = Percent::from_thousandths(12_000).unwrap();
/// assert_eq!(tax_amount(Money::from_tiyn(175_000), twelve, true), Money::from_tiyn(18_750));
/// assert_eq!(tax_amount(Money::from_tiyn(100_000), twelve, false), Money::from_tiyn(12_000));
/// ```
pub fn tax_amount(base: Money, percent: Percent, included: bool) -> Money {
    let p = i128::from(percent.thousandths());
    let hundred = i128::from(Percent::HUNDRED);
    let denominator = if included { hundred + p } else { hundred };
    let tax = div_round_half_up(i128::from(base.tiyn()) * p, denominator);
    // |tax| ≤ |base| for every rate in 0..=100%, so it always fits.
    Money::from_tiyn(i64::try_from(tax).unwrap_or(0))
}

/// Splits `amount` across lines in proportion to `weights`, by the largest-remainder
/// method: each line gets the floor of its exact share, and the tiyn left over go one
/// each to the lines with the largest remainders (earlier lines first on ties). The
/// shares always add up to `amount` exactly.
///
/// Weights are amounts (treated as zero when negative). If they are all zero, the
/// whole amount goes to the first line. With no lines the result is empty.
///
/// ```
/// use kkm_core::{tax::allocate, Money};
/// let shares = allocate(Money::from_tiyn(100), &[Money::from_tiyn(1), Money::from_tiyn(1), Money::from_tiyn(1)]);
/// assert_eq!(shares, vec![Money::from_tiyn(34), Money::from_tiyn(33), Money::from_tiyn(33)]);
/// ```
pub fn allocate(amount: Money, weights: &[Money]) -> Vec<Money> {
    if weights.is_empty() {
        return Vec::new();
    }
    let total_weight: i128 = weights.iter().map(|w| i128::from(w.tiyn().max(0))).sum();
    let mut shares = vec![Money::ZERO; weights.len()];
    if total_weight == 0 {
        shares[0] = amount;
        return shares;
    }
    let negative = amount.is_negative();
    let whole = i128::from(amount.tiyn()).abs();
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    let mut given: i128 = 0;
    for (i, weight) in weights.iter().enumerate() {
        let product = whole * i128::from(weight.tiyn().max(0));
        let share = product / total_weight;
        given += share;
        remainders.push((product % total_weight, i));
        shares[i] = Money::from_tiyn(i64::try_from(share).unwrap_or(0));
    }
    // Largest remainder first; ties keep the earlier line first.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let left = whole - given; // < number of lines
    for &(_, i) in remainders.iter().take(usize::try_from(left).unwrap_or(0)) {
        shares[i] = Money::from_tiyn(shares[i].tiyn() + 1);
    }
    if negative {
        for share in &mut shares {
            *share = Money::from_tiyn(-share.tiyn());
        }
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(p: u32) -> Percent {
        Percent::from_thousandths(p).unwrap_or_default()
    }

    #[test]
    fn seed_example_tax() {
        assert_eq!(
            tax_amount(Money::from_tiyn(175_000), pct(12_000), true),
            Money::from_tiyn(18_750)
        );
    }

    #[test]
    fn rounding_half_up() {
        // 1.00 at 12% on top = 0.12; 0.04 at 12% = 0.0048 → 0.00; 0.05 → 0.006 → 0.01.
        assert_eq!(
            tax_amount(Money::from_tiyn(100), pct(12_000), false),
            Money::from_tiyn(12)
        );
        assert_eq!(
            tax_amount(Money::from_tiyn(4), pct(12_000), false),
            Money::from_tiyn(0)
        );
        assert_eq!(
            tax_amount(Money::from_tiyn(5), pct(12_000), false),
            Money::from_tiyn(1)
        );
        // Exactly half: 0.14 included at 12% = 1.5 tiyn → 2; 0.13 → 1.39 → 1.
        assert_eq!(
            tax_amount(Money::from_tiyn(14), pct(12_000), true),
            Money::from_tiyn(2)
        );
        assert_eq!(
            tax_amount(Money::from_tiyn(13), pct(12_000), true),
            Money::from_tiyn(1)
        );
        assert_eq!(
            tax_amount(Money::from_tiyn(0), pct(12_000), true),
            Money::ZERO
        );
        assert_eq!(
            tax_amount(Money::from_tiyn(1_000), pct(0), true),
            Money::ZERO
        );
    }

    #[test]
    fn allocation_is_exact() {
        let w = [
            Money::from_tiyn(200_000),
            Money::from_tiyn(0),
            Money::from_tiyn(50_000),
        ];
        let shares = allocate(Money::from_tiyn(-20_001), &w);
        assert_eq!(shares.iter().map(|m| m.tiyn()).sum::<i64>(), -20_001);
        assert_eq!(shares[1], Money::ZERO);
        assert_eq!(
            allocate(Money::from_tiyn(5), &[Money::ZERO, Money::ZERO]),
            vec![Money::from_tiyn(5), Money::ZERO]
        );
        assert!(allocate(Money::from_tiyn(5), &[]).is_empty());
    }
}
