package kz.kkm.sdk

import kz.kkm.core.Basket
import kz.kkm.core.BasketItem
import kz.kkm.core.BasketTotals
import kz.kkm.core.Product

/**
 * The register's basket rules for the app, so that it calls the SDK and never the generated
 * bindings: totals and catalogue lines come from the same Rust code that makes the receipt.
 * A basket edited line by line (a product scanned twice, marks once per receipt) is
 * [kz.kkm.core.BasketEditor]: the register's own basket, the daemon's console till's too.
 * Both are cheap (microseconds, no I/O): fine on the main thread. Failures are
 * [KkmException]s with the code the sale would get.
 */
object Baskets {
    /** What [basket] comes to: subtotal, discounts, markups, total, VAT, due and change. */
    fun totals(basket: Basket): BasketTotals = kkmCall { kz.kkm.core.basketTotals(basket) }

    /**
     * A line of [quantityMilli] thousandths of a catalogue [product]: its section (the
     * product's group), VAT, and discount or markup; [priceTiyn] sells at another price, only
     * when the product's price is editable (else code 2).
     */
    fun item(product: Product, quantityMilli: Long, priceTiyn: Long? = null): BasketItem =
        kkmCall { kz.kkm.core.catalogueItem(product, quantityMilli, priceTiyn) }

    /**
     * The sum of a discount or markup of [milliPercent] (5 % = 5000) on the whole of
     * [basket]: that percent of its lines after their own discounts and markups, half up
     * (code 2 outside 0–100 %).
     */
    fun receiptPercent(basket: Basket, milliPercent: Int): Long =
        kkmCall { kz.kkm.core.receiptPercentTiyn(basket, milliPercent) }
}
