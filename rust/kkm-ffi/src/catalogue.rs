//! The product catalogue for Kotlin: what a scanned barcode is ([`CashierSession::lookup_barcode`]),
//! the quick-sale list, and the admin's edits and Alsep CSV import/export on
//! [`KkmRegister`]. A thin adapter over `kkm_register::Registry`'s catalogue methods;
//! [`catalogue_item`] turns a product into a basket line with the catalogue's price,
//! discount and VAT.

use kkm_core::{Money, Percent};
use kkm_register::Credential;

use crate::basket::{item_of, BasketItem};
use crate::register::{CashierSession, KkmRegister};
use crate::KkmError;

/// A product of a KKM's catalogue (Alsep's columns).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Product {
    /// Код товара (unique in the KKM's catalogue).
    pub code: i64,
    /// Код группы, free text (e.g. `"9.9"`).
    pub group_code: String,
    /// Штрих-код, 1–14 digits (unique in the catalogue).
    pub barcode: String,
    /// Наименование (printed on the receipt).
    pub name: String,
    /// Price in tiyn.
    pub price_tiyn: i64,
    /// Discount in thousandths of a percent (5 % = 5000).
    #[uniffi(default = 0)]
    pub discount_milli_percent: i32,
    /// Markup in thousandths of a percent.
    #[uniffi(default = 0)]
    pub markup_milli_percent: i32,
    /// VAT in thousandths of a percent (12 % = 12000; 0 for a seller not paying VAT).
    #[uniffi(default = 12000)]
    pub vat_milli_percent: i32,
    /// The cashier may change the price at the till.
    #[uniffi(default = false)]
    pub editable_price: bool,
    /// A marked good: each piece is sold with its marking code (its basket item
    /// has `mark_required`; the sale is refused with 2 until the code is attached).
    #[uniffi(default = false)]
    pub marked: bool,
}

/// One product of a bundle and how much of it the bundle holds.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BundleLine {
    /// The product.
    pub product: Product,
    /// Quantity in thousandths (1000 = 1 piece).
    pub quantity_milli: i64,
}

/// What a scanned barcode is in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum CatalogueMatch {
    /// One product.
    Product {
        /// The product.
        product: Product,
    },
    /// A bundle (пакет товаров): several products sold together.
    Bundle {
        /// Bundle code.
        code: i64,
        /// Bundle name.
        name: String,
        /// Its barcode.
        barcode: String,
        /// Its products.
        lines: Vec<BundleLine>,
    },
}

/// A percent in thousandths as Kotlin gives it (5 % = 5000); `Rejected` 2 outside 0–100 %.
pub(crate) fn percent(name: &str, milli: i32) -> Result<Percent, KkmError> {
    u32::try_from(milli)
        .ok()
        .and_then(Percent::from_thousandths)
        .ok_or_else(|| KkmError::invalid(format!("{name}: {milli} is not 0–100 %")))
}

fn milli(p: Percent) -> i32 {
    i32::try_from(p.thousandths()).unwrap_or(i32::MAX)
}

pub(crate) fn product_of(p: &kkm_register::Product) -> Product {
    Product {
        code: i64::try_from(p.code).unwrap_or(i64::MAX),
        group_code: p.group_code.clone(),
        barcode: p.barcode.clone(),
        name: p.name.clone(),
        price_tiyn: p.price.tiyn(),
        discount_milli_percent: milli(p.discount),
        markup_milli_percent: milli(p.markup),
        vat_milli_percent: milli(p.vat),
        editable_price: p.editable_price,
        marked: p.marked,
    }
}

pub(crate) fn product_in(p: &Product) -> Result<kkm_register::Product, KkmError> {
    if p.price_tiyn < 0 {
        return Err(KkmError::invalid("price_tiyn: below zero"));
    }
    Ok(kkm_register::Product {
        code: u64::try_from(p.code).map_err(|_| KkmError::invalid("code: below zero"))?,
        group_code: p.group_code.clone(),
        barcode: p.barcode.clone(),
        name: p.name.clone(),
        price: Money::from_tiyn(p.price_tiyn),
        discount: percent("discount_milli_percent", p.discount_milli_percent)?,
        markup: percent("markup_milli_percent", p.markup_milli_percent)?,
        vat: percent("vat_milli_percent", p.vat_milli_percent)?,
        editable_price: p.editable_price,
        marked: p.marked,
    })
}

/// A basket line for `quantity_milli` thousandths of `product`: its name, price, VAT
/// (none when the catalogue says 0 %), barcode, its section (the product's group code),
/// and the catalogue's discount or markup on the line's sum (half up to the tiyn).
/// `price_tiyn` sells at another price, only for a product whose price is editable
/// (else `Rejected` 2). The register's rule ([`kkm_register::sale::catalogue_line`]).
/// Not blocking.
#[uniffi::export(default(price_tiyn = None))]
pub fn catalogue_item(
    product: Product,
    quantity_milli: i64,
    price_tiyn: Option<i64>,
) -> Result<BasketItem, KkmError> {
    let line = kkm_register::sale::catalogue_line(
        &product_in(&product)?,
        quantity_milli,
        price_tiyn.map(Money::from_tiyn),
    )?;
    Ok(item_of(&line))
}

#[uniffi::export]
impl CashierSession {
    /// What `barcode` is in this KKM's catalogue: an EAN-8/13 or UPC as scanned, or a
    /// marking code's GTIN-14 (`ScanContent.Mark.gtin`); `null` when it is not in the
    /// catalogue (sell it as a free position). Not digits → `InvalidInput`-like
    /// `Rejected` 2. **Blocking** (one indexed SQLite read, well under a millisecond).
    pub fn lookup_barcode(&self, barcode: String) -> Result<Option<CatalogueMatch>, KkmError> {
        let registry = self.register.registry()?;
        let found = registry.catalogue_lookup(&self.credential(), self.kkm_ofd_id, &barcode)?;
        Ok(found.map(|m| match m {
            kkm_register::CatalogueMatch::Product(p) => CatalogueMatch::Product {
                product: product_of(&p),
            },
            kkm_register::CatalogueMatch::Bundle { bundle, items } => CatalogueMatch::Bundle {
                code: i64::try_from(bundle.code).unwrap_or(i64::MAX),
                name: bundle.name,
                barcode: bundle.barcode,
                lines: items
                    .iter()
                    .map(|(p, q)| BundleLine {
                        product: product_of(p),
                        quantity_milli: i64::try_from(*q).unwrap_or(i64::MAX),
                    })
                    .collect(),
            },
        }))
    }

    /// Every product of this KKM's catalogue, by code (the quick-sale screen).
    /// **Blocking.**
    pub fn products(&self) -> Result<Vec<Product>, KkmError> {
        let registry = self.register.registry()?;
        let list = registry.catalogue_products(&self.credential(), self.kkm_ofd_id)?;
        Ok(list.iter().map(product_of).collect())
    }
}

#[uniffi::export]
impl KkmRegister {
    /// Adds or replaces a product (by code) on KKM `kkm_ofd_id`. Administrators only;
    /// a barcode another product has → `Rejected` 2. **Blocking.**
    pub fn save_product(
        &self,
        admin_pin: String,
        kkm_ofd_id: i64,
        product: Product,
    ) -> Result<(), KkmError> {
        let product = product_in(&product)?;
        self.registry()?.catalogue_save_product(
            &Credential::pin(admin_pin),
            kkm_ofd_id,
            &product,
        )?;
        Ok(())
    }

    /// Removes a product; `false` when there was none. Administrators only.
    /// **Blocking.**
    pub fn delete_product(
        &self,
        admin_pin: String,
        kkm_ofd_id: i64,
        code: i64,
    ) -> Result<bool, KkmError> {
        let code = u64::try_from(code).map_err(|_| KkmError::invalid("code: below zero"))?;
        Ok(self.registry()?.catalogue_delete_product(
            &Credential::pin(admin_pin),
            kkm_ofd_id,
            code,
        )?)
    }

    /// Replaces the KKM's catalogue with an Alsep CSV (`Код, Код группы, Баркод,
    /// Наименование, Цена, Скидка, НДС`); the number of products. All or nothing: a bad
    /// cell → `Rejected` 2 naming every bad line and column. Administrators only.
    /// **Blocking.**
    pub fn import_catalogue_csv(
        &self,
        admin_pin: String,
        kkm_ofd_id: i64,
        csv: Vec<u8>,
    ) -> Result<i64, KkmError> {
        let n =
            self.registry()?
                .catalogue_import_csv(&Credential::pin(admin_pin), kkm_ofd_id, &csv)?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// The KKM's catalogue as an Alsep CSV (UTF-8). Administrators only. **Blocking.**
    pub fn export_catalogue_csv(
        &self,
        admin_pin: String,
        kkm_ofd_id: i64,
    ) -> Result<Vec<u8>, KkmError> {
        Ok(self
            .registry()?
            .catalogue_export_csv(&Credential::pin(admin_pin), kkm_ofd_id)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn milk() -> Product {
        Product {
            code: 2,
            group_code: "1".into(),
            barcode: "4600000000016".into(),
            name: "Сүт".into(),
            price_tiyn: 42_050,
            discount_milli_percent: 5000,
            markup_milli_percent: 0,
            vat_milli_percent: 12000,
            editable_price: false,
            marked: false,
        }
    }

    #[test]
    fn a_product_becomes_a_line_with_its_section_discount_and_vat() {
        // 3 × 420.50 = 1261.50; 5 % = 63.075 → 63.08 (half up).
        let line = catalogue_item(milk(), 3000, None).expect("line");
        assert_eq!(line.price_tiyn, 42_050);
        assert_eq!(line.discount_tiyn, 6_308);
        assert_eq!(line.section, "1");
        assert_eq!(line.vat_milli_percent, Some(12000));
        let untaxed = Product {
            vat_milli_percent: 0,
            ..milk()
        };
        let line = catalogue_item(untaxed, 1000, None).expect("line");
        assert_eq!(line.vat_milli_percent, None);
        let fixed = catalogue_item(milk(), 1000, Some(1)).expect_err("fixed price");
        assert_eq!(fixed.code(), 2);
        let bad = Product {
            discount_milli_percent: -1,
            ..milk()
        };
        assert_eq!(
            catalogue_item(bad, 1000, None).expect_err("percent").code(),
            2
        );
    }

    #[test]
    fn a_marked_product_becomes_an_item_waiting_for_its_code() {
        let marked = Product {
            marked: true,
            ..milk()
        };
        let item = catalogue_item(marked.clone(), 1000, None).expect("one piece");
        assert!(item.mark_required && item.excise_mark.is_none());
        assert!(crate::basket::line_of(&item).awaits_mark());
        assert_eq!(product_of(&product_in(&marked).expect("in")), marked);
    }

    #[test]
    fn products_cross_the_boundary_unchanged() {
        let p = milk();
        assert_eq!(product_of(&product_in(&p).expect("in")), p);
        assert!(product_in(&Product { code: -1, ..milk() }).is_err());
    }
}
