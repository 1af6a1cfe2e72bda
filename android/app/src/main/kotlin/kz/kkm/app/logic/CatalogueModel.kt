package kz.kkm.app.logic

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kz.kkm.core.Bundle
import kz.kkm.core.Product
import kz.kkm.sdk.Cashier
import kz.kkm.sdk.Kkm

/** The catalogue screen's data. */
data class CatalogueState(
    /** Every product, by code. */
    val products: List<Product> = emptyList(),
    /** Every bundle, by code. */
    val bundles: List<Bundle> = emptyList(),
    /** Products imported by the last CSV import. */
    val imported: Long? = null,
    /** The last CSV export (UTF-8), for the screen to share or save. */
    val exported: ByteArray? = null,
)

/**
 * The administrator's catalogue of one KKM: products (code, group, barcode, name, price,
 * discount or markup %, VAT, editable price), bundles, Alsep CSV import (all or nothing:
 * a bad cell is code 2 naming every bad line) and export. [session] is the administrator's
 * session on the KKM (it lists the catalogue); edits go through [kkm] with [adminPin].
 */
class CatalogueModel(
    private val kkm: Kkm,
    private val session: Cashier,
    private val adminPin: String,
    scope: CoroutineScope,
) : UiModel<CatalogueState>(CatalogueState(), scope) {
    private val kkmOfdId = session.kkmOfdId

    /** Loads products and bundles. */
    fun load(): Job = act { reload() }

    /** Adds or replaces a product (by code); a barcode another product has is code 2. */
    fun saveProduct(product: Product): Job = act {
        kkm.saveProduct(adminPin, kkmOfdId, product)
        reload()
    }

    /** Removes a product. */
    fun deleteProduct(code: Long): Job = act {
        kkm.deleteProduct(adminPin, kkmOfdId, code)
        reload()
    }

    /** Adds or replaces a bundle; an item that is no product of the KKM is code 2. */
    fun saveBundle(bundle: Bundle): Job = act {
        kkm.saveBundle(adminPin, kkmOfdId, bundle)
        reload()
    }

    /** Replaces the catalogue with an Alsep CSV. */
    fun importCsv(csv: ByteArray): Job = act {
        val n = kkm.importCatalogue(adminPin, kkmOfdId, csv)
        reload()
        set { it.copy(imported = n) }
    }

    /** Exports the catalogue as an Alsep CSV into [CatalogueState.exported]. */
    fun exportCsv(): Job = act {
        val csv = kkm.exportCatalogue(adminPin, kkmOfdId)
        set { it.copy(exported = csv) }
    }

    private suspend fun reload() {
        val products = session.products()
        val bundles = kkm.bundles(adminPin, kkmOfdId)
        set { it.copy(products = products, bundles = bundles) }
    }
}
