//! The basket every face edits while a receipt is made — the console's till today, the
//! FFI's cashier app next (issue 29): one set of rules instead of one per face.
//!
//! * Every change is tried on a copy and priced with the sale's own computation
//!   ([`basket_totals`]); a change the sale would refuse (a second scan of one mark, a
//!   discount above the line, a fixed price changed) is not kept, and the refusal says
//!   why with the sale's code.
//! * The same product added again — a catalogue product without a mark, or a typed item
//!   with the same name, section, unit, price and barcode — adds to its line's quantity,
//!   and a catalogue line's discount or markup follows the new quantity.
//! * A marked good is one line per piece, each waiting for its marking code; a scanned
//!   mark goes onto the oldest pack of its product still waiting ([`mark_target`]), else
//!   onto a new line. A mark appears once per receipt (the sale refuses the second: 2).
//! * A return starts from the found receipt ([`return_draft`]): its lines at the
//!   original prices, what is left to return of each.
//!
//! Lines have stable ids (a face that keeps its own list, as Kotlin's does, names lines
//! by id; the console names them by position).

use kkm_core::receipt::Modifier;
use kkm_core::sale::{SaleDraft, SaleLine, SalePayment, PIECE_MILLI};
use kkm_core::{ErrorCode, Money, Operation, Percent};
use kkm_store::Product;

use crate::sale::{
    basket_totals, catalogue_line, catalogue_lines, mark_target, receipt_percent_sum, return_draft,
    returnable_quantities, BasketTotals,
};
use crate::{CatalogueMatch, FoundReceipt, RegisterError};

/// The name a discount the cashier (or the catalogue) gives carries on the receipt.
pub const DISCOUNT_NAME: &str = "Скидка";

/// The name of a markup the cashier (or the catalogue) gives.
pub const MARKUP_NAME: &str = "Наценка";

/// A receipt in the making (see the module).
#[derive(Clone, Debug)]
pub struct Basket {
    draft: SaleDraft,
    ids: Vec<u64>,
    next_id: u64,
    original: Option<FoundReceipt>,
}

impl Default for Basket {
    fn default() -> Basket {
        Basket::sale()
    }
}

/// A cashier's change to one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineEdit {
    /// Quantity in thousandths.
    pub quantity_milli: i64,
    /// Unit price (a catalogue product's only where the catalogue allows).
    pub price: Money,
    /// Discount on the line (`None`: none).
    pub discount: Option<Money>,
    /// Markup on the line (`None`: none).
    pub markup: Option<Money>,
}

/// A modifier of `sum` named `name` (`None` for none or zero).
pub fn modifier(sum: Option<Money>, name: &str) -> Option<Modifier> {
    sum.filter(|s| !s.is_zero()).map(|sum| Modifier {
        name: name.to_owned(),
        sum,
        auxiliary: Vec::new(),
    })
}

fn invalid(message: impl Into<String>) -> RegisterError {
    RegisterError::new(ErrorCode::InvalidFields, message)
}

impl Basket {
    /// An empty sale.
    pub fn sale() -> Basket {
        Basket {
            draft: SaleDraft::new(Operation::Sell, Vec::new()),
            ids: Vec::new(),
            next_id: 1,
            original: None,
        }
    }

    /// The receipt as the sale will take it (no payments: they come at payment).
    pub fn draft(&self) -> &SaleDraft {
        &self.draft
    }

    /// Its lines, in order.
    pub fn lines(&self) -> &[SaleLine] {
        &self.draft.lines
    }

    /// The stable id of each line, in order.
    pub fn ids(&self) -> &[u64] {
        &self.ids
    }

    /// The position of the line with `id`.
    pub fn position(&self, id: u64) -> Option<usize> {
        self.ids.iter().position(|i| *i == id)
    }

    /// Nothing to sell.
    pub fn is_empty(&self) -> bool {
        self.draft.lines.is_empty()
    }

    /// The receipt a return started from, with what was left to return of it.
    pub fn original(&self) -> Option<&FoundReceipt> {
        self.original.as_ref()
    }

    /// A return, not a sale.
    pub fn is_return(&self) -> bool {
        self.original.is_some()
    }

    /// The lines still waiting for their marking code (the sale refuses them: 2).
    pub fn awaiting_marks(&self) -> Vec<usize> {
        crate::sale::lines_awaiting_marks(&self.draft)
    }

    /// What the basket comes to with `payments` (its refusal when the sale would refuse it).
    pub fn totals(&self, payments: &[SalePayment]) -> Result<BasketTotals, RegisterError> {
        let mut draft = self.draft.clone();
        draft.payments = payments.to_vec();
        basket_totals(&draft)
    }

    /// The receipt to make, with its payments.
    pub fn to_draft(&self, payments: Vec<SalePayment>) -> SaleDraft {
        let mut draft = self.draft.clone();
        draft.payments = payments;
        draft
    }

    /// Empties the basket (a sale again).
    pub fn clear(&mut self) {
        *self = Basket {
            next_id: self.next_id,
            ..Basket::sale()
        };
    }

    /// Keeps `draft` (and `ids`) if the register prices it; else the refusal, nothing kept.
    fn try_keep(
        &mut self,
        draft: SaleDraft,
        ids: Vec<u64>,
        next_id: u64,
    ) -> Result<(), RegisterError> {
        if !draft.lines.is_empty() {
            basket_totals(&draft)?;
        }
        self.draft = draft;
        self.ids = ids;
        self.next_id = next_id;
        Ok(())
    }

    /// A working copy: the draft, the ids and the next id.
    fn copy(&self) -> (SaleDraft, Vec<u64>, u64) {
        (self.draft.clone(), self.ids.clone(), self.next_id)
    }

    fn refuse_in_return(&self) -> Result<(), RegisterError> {
        if self.is_return() {
            return Err(invalid(
                "a return takes the original's lines only: clear it to sell",
            ));
        }
        Ok(())
    }

    /// A catalogue match: a product (one piece) or every line of a bundle. Returns the
    /// position of the last line touched.
    pub fn add_catalogue(&mut self, found: CatalogueMatch) -> Result<usize, RegisterError> {
        match found {
            CatalogueMatch::Product(p) => self.add_product(&p, PIECE_MILLI),
            CatalogueMatch::Bundle { items, .. } => {
                let items: Vec<(Product, i64)> = items
                    .into_iter()
                    .map(|(p, q)| (p, i64::try_from(q).unwrap_or(i64::MAX)))
                    .collect();
                self.add_products(&items)
            }
        }
    }

    /// `quantity_milli` of catalogue product `p`: onto its line when it is there (a
    /// product without a mark), else new lines (a marked good: one per piece, each
    /// waiting for its code). Returns the position of the line touched last.
    pub fn add_product(
        &mut self,
        p: &Product,
        quantity_milli: i64,
    ) -> Result<usize, RegisterError> {
        self.add_products(&[(p.clone(), quantity_milli)])
    }

    /// Several products at once (a bundle): all or none.
    pub fn add_products(&mut self, items: &[(Product, i64)]) -> Result<usize, RegisterError> {
        self.refuse_in_return()?;
        let (mut draft, mut ids, mut next_id) = self.copy();
        let mut last = 0;
        for (p, quantity) in items {
            last = match same_product_line(&draft.lines, p) {
                Some(i) if !p.marked => {
                    let line = &draft.lines[i];
                    let total = line
                        .quantity_milli
                        .checked_add(*quantity)
                        .ok_or_else(|| invalid("quantity: too large"))?;
                    let price = p.editable_price.then_some(line.price);
                    let mut merged = catalogue_line(p, total, price)?;
                    merged.excise_stamp = line.excise_stamp.clone();
                    draft.lines[i] = merged;
                    i
                }
                _ => {
                    for line in catalogue_lines(p, *quantity, None)? {
                        draft.lines.push(line);
                        ids.push(next_id);
                        next_id += 1;
                    }
                    draft.lines.len() - 1
                }
            };
        }
        self.try_keep(draft, ids, next_id)?;
        Ok(last)
    }

    /// A scanned marking code `stamp` of catalogue product `p`: onto the oldest pack of it
    /// still waiting for its code, else a new line of one piece. Returns its position.
    pub fn add_mark(&mut self, p: &Product, stamp: &str) -> Result<usize, RegisterError> {
        self.refuse_in_return()?;
        let (mut draft, mut ids, mut next_id) = self.copy();
        let index = match mark_target(&draft.lines, &p.barcode) {
            Some(i) => i,
            None => {
                draft.lines.push(catalogue_line(p, PIECE_MILLI, None)?);
                ids.push(next_id);
                next_id += 1;
                draft.lines.len() - 1
            }
        };
        draft.lines[index].excise_stamp = Some(stamp.to_owned());
        self.try_keep(draft, ids, next_id)?;
        Ok(index)
    }

    /// A line typed by the cashier (a free item, or a marked pack the catalogue does not
    /// know, with its code): onto the same item's line when it has no mark and no
    /// modifiers, else a new line. Returns its position.
    pub fn add_free(&mut self, line: SaleLine) -> Result<usize, RegisterError> {
        self.refuse_in_return()?;
        let (mut draft, mut ids, mut next_id) = self.copy();
        let same = (line.excise_stamp.is_none() && !line.mark_required)
            .then(|| draft.lines.iter().position(|l| same_free_item(l, &line)))
            .flatten();
        let index = match same {
            Some(i) => {
                let total = draft.lines[i]
                    .quantity_milli
                    .checked_add(line.quantity_milli)
                    .ok_or_else(|| invalid("quantity: too large"))?;
                draft.lines[i].quantity_milli = total;
                i
            }
            None => {
                draft.lines.push(line);
                ids.push(next_id);
                next_id += 1;
                draft.lines.len() - 1
            }
        };
        self.try_keep(draft, ids, next_id)?;
        Ok(index)
    }

    /// Changes line `index` (quantity, price, discount, markup). A catalogue line's price
    /// changes only where the catalogue allows (`catalogue`: the product, when the line
    /// is one); a return keeps the original's prices.
    pub fn edit_line(
        &mut self,
        index: usize,
        edit: LineEdit,
        catalogue: Option<&Product>,
    ) -> Result<(), RegisterError> {
        let (mut draft, ids, next_id) = self.copy();
        let old = draft
            .lines
            .get(index)
            .cloned()
            .ok_or_else(|| invalid("index: no such line"))?;
        if edit.price != old.price {
            if self.is_return() {
                return Err(invalid("price: a return keeps the original's prices"));
            }
            if let Some(p) = catalogue {
                catalogue_line(p, edit.quantity_milli, Some(edit.price))?;
            }
        }
        let mut line = old;
        line.quantity_milli = edit.quantity_milli;
        line.price = edit.price;
        line.discount = modifier(edit.discount, DISCOUNT_NAME);
        line.markup = modifier(edit.markup, MARKUP_NAME);
        draft.lines[index] = line;
        self.try_keep(draft, ids, next_id)
    }

    /// Removes line `index` (nothing when there is none).
    pub fn remove(&mut self, index: usize) {
        if index < self.draft.lines.len() {
            self.draft.lines.remove(index);
            self.ids.remove(index);
        }
    }

    /// The sum of a receipt discount or markup of `percent`: that percent of what the
    /// lines come to after their own modifiers.
    pub fn receipt_percent(&self, percent: Percent) -> Result<Money, RegisterError> {
        receipt_percent_sum(&self.draft, percent)
    }

    /// The receipt's discount and markup (sums; `None`: none).
    pub fn set_receipt_modifiers(
        &mut self,
        discount: Option<Money>,
        markup: Option<Money>,
    ) -> Result<(), RegisterError> {
        let (mut draft, ids, next_id) = self.copy();
        draft.discount = modifier(discount, DISCOUNT_NAME);
        draft.markup = modifier(markup, MARKUP_NAME);
        self.try_keep(draft, ids, next_id)
    }

    /// Starts the return of a found receipt: everything still returnable of it.
    pub fn start_return(&mut self, found: FoundReceipt) {
        let draft = return_draft(&found, &returnable_quantities(&found));
        let next_id = self.next_id;
        let n = u64::try_from(draft.lines.len()).unwrap_or(0);
        *self = Basket {
            ids: (next_id..next_id + n).collect(),
            next_id: next_id + n,
            draft,
            original: Some(found),
        };
    }
}

/// The line of catalogue product `p` a new piece of it merges into: same barcode and
/// name, no mark, no manual modifiers beyond the catalogue's.
fn same_product_line(lines: &[SaleLine], p: &Product) -> Option<usize> {
    if p.barcode.is_empty() {
        return None;
    }
    lines.iter().position(|l| {
        l.barcode.as_deref() == Some(p.barcode.as_str())
            && l.name == p.name
            && l.excise_stamp.is_none()
            && !l.mark_required
            && (p.editable_price || l.price == p.price)
    })
}

/// The same typed item: name, section, unit, price, barcode and taxes, no mark, no
/// modifiers on either.
fn same_free_item(existing: &SaleLine, new: &SaleLine) -> bool {
    existing.excise_stamp.is_none()
        && !existing.mark_required
        && existing.discount.is_none()
        && existing.markup.is_none()
        && new.discount.is_none()
        && new.markup.is_none()
        && existing.name == new.name
        && existing.section_code == new.section_code
        && existing.measure_unit_code == new.measure_unit_code
        && existing.price == new.price
        && existing.barcode == new.barcode
        && existing.taxes == new.taxes
}

#[cfg(test)]
mod tests;
