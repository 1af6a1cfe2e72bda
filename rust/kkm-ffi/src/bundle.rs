//! The catalogue's bundles (комплекты: several products sold by one barcode) for the
//! admin's catalogue screen: the list and an edit. Mapping only: the rules (items must be
//! products of the KKM, quantities above zero) are `kkm_register::Registry`'s
//! `catalogue_bundles` / `catalogue_save_bundle`.

use kkm_register::Credential;

use crate::register::KkmRegister;
use crate::KkmError;

/// One item of a bundle: a product of the catalogue (by code) and its quantity.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BundleItem {
    /// The product's code.
    pub product_code: i64,
    /// Quantity in thousandths (1000 = 1 piece).
    pub quantity_milli: i64,
}

/// A bundle of a KKM's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Bundle {
    /// Its code (unique among the KKM's bundles).
    pub code: i64,
    /// Its name.
    pub name: String,
    /// Its barcode (scanning it adds every item).
    pub barcode: String,
    /// Its items.
    pub items: Vec<BundleItem>,
}

fn code_in(name: &str, v: i64) -> Result<u64, KkmError> {
    u64::try_from(v).map_err(|_| KkmError::invalid(format!("{name}: below zero")))
}

fn bundle_in(b: &Bundle) -> Result<kkm_register::Bundle, KkmError> {
    Ok(kkm_register::Bundle {
        code: code_in("code", b.code)?,
        name: b.name.clone(),
        barcode: b.barcode.clone(),
        items: b
            .items
            .iter()
            .map(|i| {
                Ok((
                    code_in("product_code", i.product_code)?,
                    code_in("quantity_milli", i.quantity_milli)?,
                ))
            })
            .collect::<Result<_, KkmError>>()?,
    })
}

fn bundle_of(b: kkm_register::Bundle) -> Bundle {
    let int = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    Bundle {
        code: int(b.code),
        name: b.name,
        barcode: b.barcode,
        items: b
            .items
            .into_iter()
            .map(|(code, q)| BundleItem {
                product_code: int(code),
                quantity_milli: int(q),
            })
            .collect(),
    }
}

#[uniffi::export]
impl KkmRegister {
    /// KKM `kkm_ofd_id`'s bundles, by code. For anyone who may sell on it.
    /// **Blocking.**
    pub fn bundles(&self, pin: String, kkm_ofd_id: i64) -> Result<Vec<Bundle>, KkmError> {
        let list = self
            .registry()?
            .catalogue_bundles(&Credential::pin(pin), kkm_ofd_id)?;
        Ok(list.into_iter().map(bundle_of).collect())
    }

    /// Adds or replaces a bundle (by code); an item that is not a product of the KKM, or
    /// a bundle without items → `Rejected` 2. Administrators only. **Blocking.**
    pub fn save_bundle(
        &self,
        admin_pin: String,
        kkm_ofd_id: i64,
        bundle: Bundle,
    ) -> Result<(), KkmError> {
        let bundle = bundle_in(&bundle)?;
        self.registry()?
            .catalogue_save_bundle(&Credential::pin(admin_pin), kkm_ofd_id, &bundle)?;
        Ok(())
    }
}
