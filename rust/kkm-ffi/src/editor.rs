//! The basket the cashier app edits (issue 29): the register's own editable basket —
//! the one the daemon's console till uses — behind a handle, so that a product scanned
//! twice, a mark onto the pack waiting for it, a pack read twice, a discount the sale
//! refuses, follow one set of rules on every face. Mapping only: the rules are
//! `kkm_register::basket::Basket`'s.

use std::sync::{Arc, Mutex, MutexGuard};

use kkm_core::sale::SalePayment;
use kkm_core::Money;
use kkm_register::basket::{Basket as Editable, LineEdit};

use crate::basket::{
    basket_of, item_of, line_of, totals_of, Basket, BasketItem, BasketPayment, BasketTotals,
};
use crate::catalogue::{percent, product_in, CatalogueMatch, Product};
use crate::KkmError;

/// A line of the basket with its id (stable while the line lives).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BasketLine {
    /// The line's id.
    pub id: u64,
    /// What it sells.
    pub item: BasketItem,
}

/// A receipt in the making, edited by the cashier; thread-safe, one per sale screen.
/// Every change is priced by the register first: a change the sale would refuse is
/// `Rejected` with its code and nothing changes. Not blocking (microseconds).
#[derive(Debug, Default, uniffi::Object)]
pub struct BasketEditor {
    basket: Mutex<Editable>,
}

fn money(tiyn: i64, field: &str) -> Result<Option<Money>, KkmError> {
    match tiyn {
        0 => Ok(None),
        t if t > 0 => Ok(Some(Money::from_tiyn(t))),
        _ => Err(KkmError::invalid(format!("{field}: below zero"))),
    }
}

fn payments(list: &[BasketPayment]) -> Vec<SalePayment> {
    list.iter()
        .map(|p| SalePayment {
            kind: p.kind.core(),
            amount: Money::from_tiyn(p.amount_tiyn),
        })
        .collect()
}

impl BasketEditor {
    fn lock(&self) -> MutexGuard<'_, Editable> {
        self.basket.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn id_at(basket: &Editable, index: usize) -> u64 {
        basket.ids().get(index).copied().unwrap_or(0)
    }

    fn index_of(basket: &Editable, id: u64) -> Result<usize, KkmError> {
        basket
            .position(id)
            .ok_or_else(|| KkmError::invalid(format!("line {id}: not in the basket")))
    }
}

#[uniffi::export]
impl BasketEditor {
    /// An empty sale.
    #[uniffi::constructor]
    pub fn new() -> Arc<BasketEditor> {
        Arc::new(BasketEditor::default())
    }

    /// The lines, in order.
    pub fn lines(&self) -> Vec<BasketLine> {
        let b = self.lock();
        b.lines()
            .iter()
            .zip(b.ids())
            .map(|(line, id)| BasketLine {
                id: *id,
                item: item_of(line),
            })
            .collect()
    }

    /// Nothing to sell.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// What the catalogue found for a scan: a product (one piece; onto its line when it
    /// is there) or every line of a bundle. The id of the line touched last.
    pub fn add_catalogue(&self, found: CatalogueMatch) -> Result<u64, KkmError> {
        let items = match &found {
            CatalogueMatch::Product { product } => vec![(product_in(product)?, 1000)],
            CatalogueMatch::Bundle { lines, .. } => lines
                .iter()
                .map(|l| Ok((product_in(&l.product)?, l.quantity_milli)))
                .collect::<Result<_, KkmError>>()?,
        };
        let mut b = self.lock();
        let index = b.add_products(&items)?;
        Ok(Self::id_at(&b, index))
    }

    /// `quantity_milli` of a catalogue product (quick sale). The id of its line.
    pub fn add_product(&self, product: Product, quantity_milli: i64) -> Result<u64, KkmError> {
        let p = product_in(&product)?;
        let mut b = self.lock();
        let index = b.add_product(&p, quantity_milli)?;
        Ok(Self::id_at(&b, index))
    }

    /// A scanned marking code of catalogue `product`: onto the oldest pack of it still
    /// waiting for its code, else a new line. `Rejected` 2 for a pack already in the
    /// basket (even read without its crypto tail). The id of its line.
    pub fn add_mark(&self, product: Product, excise_stamp: String) -> Result<u64, KkmError> {
        let p = product_in(&product)?;
        let mut b = self.lock();
        let index = b.add_mark(&p, &excise_stamp)?;
        Ok(Self::id_at(&b, index))
    }

    /// A line the cashier typed (a free item; a marked pack the catalogue does not know,
    /// with its `excise_mark`): onto the same item's line when there is one without a
    /// mark, else a new line. The id of its line.
    pub fn add_item(&self, item: BasketItem) -> Result<u64, KkmError> {
        let mut b = self.lock();
        let index = b.add_free(line_of(&item))?;
        Ok(Self::id_at(&b, index))
    }

    /// Changes a line: quantity, price, discount and markup (tiyn, 0: none). A catalogue
    /// line's price changes only where its `product` allows.
    pub fn edit_line(
        &self,
        id: u64,
        quantity_milli: i64,
        price_tiyn: i64,
        discount_tiyn: i64,
        markup_tiyn: i64,
        product: Option<Product>,
    ) -> Result<(), KkmError> {
        let product = product.as_ref().map(product_in).transpose()?;
        let edit = LineEdit {
            quantity_milli,
            price: Money::from_tiyn(price_tiyn),
            discount: money(discount_tiyn, "discount_tiyn")?,
            markup: money(markup_tiyn, "markup_tiyn")?,
        };
        let mut b = self.lock();
        let index = Self::index_of(&b, id)?;
        Ok(b.edit_line(index, edit, product.as_ref())?)
    }

    /// Removes a line; `false` when there is none with `id`.
    pub fn remove(&self, id: u64) -> bool {
        let mut b = self.lock();
        match b.position(id) {
            Some(i) => {
                b.remove(i);
                true
            }
            None => false,
        }
    }

    /// The receipt's discount and markup, tiyn (0: none).
    pub fn set_receipt_modifiers(
        &self,
        discount_tiyn: i64,
        markup_tiyn: i64,
    ) -> Result<(), KkmError> {
        let discount = money(discount_tiyn, "discount_tiyn")?;
        let markup = money(markup_tiyn, "markup_tiyn")?;
        Ok(self.lock().set_receipt_modifiers(discount, markup)?)
    }

    /// The sum, tiyn, of a receipt discount or markup of `milli_percent` (5 % = 5000) of
    /// what the lines come to.
    pub fn receipt_percent_tiyn(&self, milli_percent: i32) -> Result<i64, KkmError> {
        let p = percent("milli_percent", milli_percent)?;
        Ok(self.lock().receipt_percent(p)?.tiyn())
    }

    /// `true` when the pack of `excise_stamp` is already in the basket (the same GTIN and
    /// serial, with or without the crypto tail).
    pub fn has_pack(&self, excise_stamp: String) -> bool {
        let key = kkm_core::mark::pack_key(&excise_stamp);
        self.lock()
            .lines()
            .iter()
            .filter_map(|l| l.excise_stamp.as_deref())
            .any(|m| kkm_core::mark::pack_key(m) == key)
    }

    /// The ids of the lines still waiting for their marking code (the sale refuses them).
    pub fn awaiting_marks(&self) -> Vec<u64> {
        let b = self.lock();
        b.awaiting_marks()
            .into_iter()
            .map(|i| Self::id_at(&b, i))
            .collect()
    }

    /// What the basket comes to with `payments`.
    pub fn totals(&self, payments_so_far: Vec<BasketPayment>) -> Result<BasketTotals, KkmError> {
        Ok(totals_of(&self.lock().totals(&payments(&payments_so_far))?))
    }

    /// The basket as the sale takes it ([`crate::CashierSession::sell`]), with `payments`.
    pub fn basket(&self, payments_now: Vec<BasketPayment>) -> Basket {
        basket_of(&self.lock().to_draft(payments(&payments_now)))
    }

    /// Empties the basket (the receipt was made, or the cashier cleared it).
    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basket::PaymentKind;

    fn bread() -> Product {
        Product {
            code: 1,
            group_code: "1".into(),
            barcode: "4870000000012".into(),
            name: "Хлеб".into(),
            price_tiyn: 15_000,
            discount_milli_percent: 10_000,
            markup_milli_percent: 0,
            vat_milli_percent: 0,
            editable_price: false,
            marked: false,
        }
    }

    #[test]
    fn the_register_basket_behind_a_handle() {
        let basket = BasketEditor::new();
        let found = CatalogueMatch::Product { product: bread() };
        let first = basket.add_catalogue(found.clone()).unwrap();
        assert_eq!(basket.add_catalogue(found).unwrap(), first, "the same line");
        let lines = basket.lines();
        assert_eq!(lines.len(), 1);
        assert_eq!(
            (lines[0].item.quantity_milli, lines[0].item.discount_tiyn),
            (2000, 3000)
        );
        // A discount above the line: refused, nothing changed.
        assert!(basket
            .edit_line(first, 2000, 15_000, 40_000, 0, Some(bread()))
            .is_err());
        assert_eq!(basket.lines(), lines);
        let cash = BasketPayment {
            kind: PaymentKind::Cash,
            amount_tiyn: 30_000,
        };
        let totals = basket.totals(vec![cash]).unwrap();
        assert_eq!((totals.total_tiyn, totals.change_tiyn), (27_000, 3_000));
        assert_eq!(basket.basket(vec![cash]).items.len(), 1);
        assert!(basket.remove(first) && basket.is_empty());
        assert!(basket.edit_line(first, 1000, 1, 0, 0, None).is_err());
    }
}
