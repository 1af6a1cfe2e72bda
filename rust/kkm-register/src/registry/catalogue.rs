//! The product catalogue of each KKM, as the cashier and the admin use it: lookup by a
//! scanned barcode (products and bundles), the Alsep CSV import/export, single-product
//! edits. The rows live in `kkm-store`; this module adds the operator checks and the
//! seed's codes. Reading is for whoever may sell on the KKM; changing is the admin's.

use kkm_core::{Action, ErrorCode};
use kkm_store::{Bundle, Product, StoreError};

use super::Registry;
use crate::{Credential, RegisterError};

/// What a scanned barcode is in a KKM's catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatalogueMatch {
    /// One product.
    Product(Product),
    /// A bundle (пакет товаров) with its products and quantities (thousandths), in the
    /// bundle's order.
    Bundle {
        /// The bundle itself.
        bundle: Bundle,
        /// `(product, quantity in thousandths)` for every item of the bundle.
        items: Vec<(Product, u64)>,
    },
}

/// Store errors about the caller's data (a bad CSV cell, a bundle of unknown products)
/// are the seed's `2 invalid_fields`; the rest keep their own code.
///
/// A bad CSV keeps its problems (`RegisterError::Store(StoreError::Csv(…))`, code 2), so
/// that the console can show each bad cell by its line and column.
fn input_error(e: StoreError) -> RegisterError {
    match e {
        StoreError::Malformed(_) => RegisterError::new(ErrorCode::InvalidFields, e.to_string()),
        e => e.into(),
    }
}

/// A barcode as the catalogue keeps them: 1–14 digits, else `2` naming the field.
fn check_barcode(barcode: &str) -> Result<(), RegisterError> {
    if barcode.is_empty() || barcode.len() > 14 || !barcode.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RegisterError::new(
            ErrorCode::InvalidFields,
            format!("barcode: {barcode:?} is not 1–14 digits"),
        ));
    }
    Ok(())
}

/// The barcodes a scan may be filed under: the code itself and, for a GTIN-14 with a
/// leading zero (a marking code's GTIN), its EAN-13 form.
fn barcode_forms(scanned: &str) -> Vec<&str> {
    let mut forms = vec![scanned];
    if scanned.len() == 14 && scanned.starts_with('0') {
        forms.push(&scanned[1..]);
    }
    forms
}

/// A product a search for `query` finds: its name contains it (any case), its barcode
/// contains it, or its code is it.
///
/// ```
/// use kkm_core::{Money, Percent};
/// use kkm_register::{product_matches, Product};
/// let milk = Product {
///     code: 2,
///     group_code: "1".into(),
///     barcode: "4870000000028".into(),
///     name: "Молоко 2,5%".into(),
///     price: Money::from_tiyn(48_000),
///     discount: Percent::default(),
///     markup: Percent::default(),
///     vat: Percent::default(),
///     editable_price: false,
///     marked: false,
/// };
/// assert!(product_matches(&milk, "мол") && product_matches(&milk, "0028") && product_matches(&milk, "2"));
/// assert!(!product_matches(&milk, "сыр"));
/// ```
pub fn product_matches(p: &Product, query: &str) -> bool {
    let q = query.trim().to_lowercase();
    p.name.to_lowercase().contains(&q) || p.barcode.contains(&q) || p.code.to_string() == q
}

impl Registry {
    /// The product or bundle a scanned barcode (EAN-8/13, UPC, a marking code's GTIN-14)
    /// stands for on KKM `kkm_ofd_id`; `None` when the catalogue has none. For anyone
    /// who may sell on the KKM.
    pub fn catalogue_lookup(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        barcode: &str,
    ) -> Result<Option<CatalogueMatch>, RegisterError> {
        let (_, register) = self.operator_for(credential, kkm_ofd_id, Action::TradeOperation)?;
        let barcode = barcode.trim();
        check_barcode(barcode)?;
        for form in barcode_forms(barcode) {
            if let Some(product) = self.store.product_by_barcode(register.kkm_id, form)? {
                return Ok(Some(CatalogueMatch::Product(product)));
            }
            if let Some(bundle) = self.store.bundle_by_barcode(register.kkm_id, form)? {
                let products = self.store.products(register.kkm_id)?;
                let mut items = Vec::with_capacity(bundle.items.len());
                for (code, quantity) in &bundle.items {
                    // The store's foreign key keeps bundle items in the catalogue.
                    if let Some(p) = products.iter().find(|p| p.code == *code) {
                        items.push((p.clone(), *quantity));
                    }
                }
                return Ok(Some(CatalogueMatch::Bundle { bundle, items }));
            }
        }
        Ok(None)
    }

    /// Every product of KKM `kkm_ofd_id`, by code (the quick-sale screen). For anyone
    /// who may sell on the KKM.
    pub fn catalogue_products(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
    ) -> Result<Vec<Product>, RegisterError> {
        let (_, register) = self.operator_for(credential, kkm_ofd_id, Action::TradeOperation)?;
        Ok(self.store.products(register.kkm_id)?)
    }

    /// Up to `limit` products of KKM `kkm_ofd_id` that [`product_matches`] `query`, by
    /// code (the till's search). For anyone who may sell on the KKM.
    pub fn catalogue_search(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        query: &str,
        limit: usize,
    ) -> Result<Vec<Product>, RegisterError> {
        let query = query.trim();
        if query.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .catalogue_products(credential, kkm_ofd_id)?
            .into_iter()
            .filter(|p| product_matches(p, query))
            .take(limit)
            .collect())
    }

    /// Every bundle of KKM `kkm_ofd_id` with its items, by code. For anyone who may
    /// sell on the KKM.
    pub fn catalogue_bundles(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
    ) -> Result<Vec<Bundle>, RegisterError> {
        let (_, register) = self.operator_for(credential, kkm_ofd_id, Action::TradeOperation)?;
        Ok(self.store.bundles(register.kkm_id)?)
    }

    /// Adds or replaces one product (by its code). Admin only; a barcode already used
    /// by another product → `2`.
    pub fn catalogue_save_product(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        product: &Product,
    ) -> Result<(), RegisterError> {
        let (_, register) = self.operator_for(credential, kkm_ofd_id, Action::ManageKkm)?;
        if product.name.trim().is_empty() {
            return Err(RegisterError::new(
                ErrorCode::InvalidFields,
                "name: a product needs a name",
            ));
        }
        let b = &product.barcode;
        check_barcode(b)?;
        if let Some(other) = self.store.product_by_barcode(register.kkm_id, b)? {
            if other.code != product.code {
                return Err(RegisterError::new(
                    ErrorCode::InvalidFields,
                    format!("barcode: {b} is product {}'s", other.code),
                ));
            }
        }
        self.store
            .save_product(register.kkm_id, product)
            .map_err(input_error)
    }

    /// Removes a product; `false` when there was none with this code. Admin only.
    pub fn catalogue_delete_product(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        code: u64,
    ) -> Result<bool, RegisterError> {
        let (_, register) = self.operator_for(credential, kkm_ofd_id, Action::ManageKkm)?;
        self.store
            .delete_product(register.kkm_id, code)
            .map_err(input_error)
    }

    /// Adds or replaces a bundle (by its code); every item must be a product of the
    /// KKM (else `2`). Admin only.
    pub fn catalogue_save_bundle(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        bundle: &Bundle,
    ) -> Result<(), RegisterError> {
        let (_, register) = self.operator_for(credential, kkm_ofd_id, Action::ManageKkm)?;
        if bundle.items.is_empty() || bundle.items.iter().any(|(_, q)| *q == 0) {
            return Err(RegisterError::new(
                ErrorCode::InvalidFields,
                "items: a bundle needs products with quantities above zero",
            ));
        }
        self.store
            .save_bundle(register.kkm_id, bundle)
            .map_err(input_error)
    }

    /// Replaces the KKM's catalogue with an Alsep CSV; the number of products. All or
    /// nothing: a bad cell → `2` naming every bad line and column, catalogue unchanged.
    /// Admin only.
    pub fn catalogue_import_csv(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
        csv: &[u8],
    ) -> Result<usize, RegisterError> {
        let (_, register) = self.operator_for(credential, kkm_ofd_id, Action::ManageKkm)?;
        self.store
            .import_catalogue_csv(register.kkm_id, csv)
            .map_err(input_error)
    }

    /// The KKM's catalogue as an Alsep CSV (the import's format). Admin only.
    pub fn catalogue_export_csv(
        &self,
        credential: &Credential,
        kkm_ofd_id: i64,
    ) -> Result<Vec<u8>, RegisterError> {
        let (_, register) = self.operator_for(credential, kkm_ofd_id, Action::ManageKkm)?;
        Ok(self.store.export_catalogue_csv(register.kkm_id)?)
    }
}

#[cfg(test)]
mod tests {
    use super::barcode_forms;

    #[test]
    fn a_gtin14_with_a_leading_zero_is_also_its_ean13() {
        assert_eq!(
            barcode_forms("04600000000016"),
            vec!["04600000000016", "4600000000016"]
        );
        assert_eq!(barcode_forms("4600000000016"), vec!["4600000000016"]);
        assert_eq!(barcode_forms("14600000000013"), vec!["14600000000013"]);
    }
}
