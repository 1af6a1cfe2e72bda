//! Returns for Kotlin: a receipt found by its fiscal sign (typed, or its scanned QR) with
//! what of each line may still be returned, and the return's basket for the quantities
//! the cashier keeps. Mapping only: the rules are `kkm_register`'s (`find_receipt`,
//! `sale::returnable_quantities`, `sale::return_draft`).

use crate::basket::{basket_of, Basket};
use crate::register::{timestamp_text, CashierSession, ReceiptKind};
use crate::KkmError;

/// A receipt found by its fiscal sign, with its positions as a basket: the start of a
/// return (the cashier keeps the positions and quantities returned).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OriginalReceipt {
    /// Its fiscal sign.
    pub fiscal_id: String,
    /// Its operation (a sale is returned with a refund).
    pub kind: ReceiptKind,
    /// Shift number.
    pub shift_number: i64,
    /// Document number in the shift.
    pub document_number: i64,
    /// Total, tiyn.
    pub total_tiyn: i64,
    /// Date-time, `yyyy-MM-ddTHH:mm:ss`.
    pub date_time: String,
    /// Its positions (with their marks) and payments.
    pub basket: Basket,
    /// What of its total is not yet returned, tiyn.
    pub returnable_tiyn: i64,
    /// What of each line may still be returned, thousandths (the register's count: less
    /// what earlier returns took; 0 for a pack already returned): the start of a return.
    pub returnable_milli: Vec<i64>,
}

#[uniffi::export]
impl CashierSession {
    /// The receipt with this fiscal sign, its positions as a basket (start of a
    /// return). `Rejected` 43 when the KKM has no such receipt. **Blocking.**
    pub fn find_receipt(&self, fiscal_id: String) -> Result<OriginalReceipt, KkmError> {
        let found = self.register.registry()?.find_receipt(
            &self.credential(),
            self.kkm_ofd_id,
            &fiscal_id,
        )?;
        let returnable_milli = kkm_register::sale::returnable_quantities(&found);
        Ok(OriginalReceipt {
            fiscal_id: found.fiscal_id,
            kind: ReceiptKind::of(found.operation),
            shift_number: found.shift_number,
            document_number: found.document_number,
            total_tiyn: found.total.tiyn(),
            date_time: timestamp_text(found.at),
            basket: basket_of(&found.draft),
            returnable_tiyn: found.returnable.tiyn(),
            returnable_milli,
        })
    }

    /// The return of `quantities_milli` (one per line of the receipt `fiscal_id`; 0 = not
    /// returned): its lines at the original prices with their marks, the share of each
    /// line's and of the receipt's discount or markup — the register's rule
    /// (`kkm_register::sale::return_draft`), so it never gives back more than was paid.
    /// No payments: add the refund's. `Rejected` 43 when the KKM has no such receipt.
    /// **Blocking** (reads the journal).
    pub fn return_basket(
        &self,
        fiscal_id: String,
        quantities_milli: Vec<i64>,
    ) -> Result<Basket, KkmError> {
        let found = self.register.registry()?.find_receipt(
            &self.credential(),
            self.kkm_ofd_id,
            &fiscal_id,
        )?;
        let draft = kkm_register::sale::return_draft(&found, &quantities_milli);
        Ok(basket_of(&draft))
    }
}
