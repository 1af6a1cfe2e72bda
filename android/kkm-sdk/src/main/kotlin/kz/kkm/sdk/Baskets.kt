package kz.kkm.sdk

import kz.kkm.core.Basket
import kz.kkm.core.BasketItem
import kz.kkm.core.BasketTotals
import kz.kkm.core.MarkGuard
import kz.kkm.core.Product

/**
 * The register's basket rules for the app, so that it calls the SDK and never the generated
 * bindings: totals and catalogue lines come from the same Rust code that makes the receipt.
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

    /**
     * The index in [items] that a scanned marking code of the product with [barcode] goes
     * onto: the oldest pack of it still waiting for its code, else its last plain piece
     * without one; `null` when the code makes a new line (the register's rule, the console
     * till's too).
     */
    fun markTarget(items: List<BasketItem>, barcode: String): Int? =
        kkmCall { kz.kkm.core.basketMarkTarget(items, barcode) }?.toInt()
}

/**
 * The marks already in one basket: a marking code may appear once per receipt (the same
 * GTIN and serial, even when one read dropped the crypto tail). One per basket;
 * thread-safe. [add] refuses a repeat or a code that is no mark with
 * [KkmException.Rejected] code 2.
 */
class BasketMarks : AutoCloseable {
    private val native: MarkGuard = kkmCall { MarkGuard() }

    /** Takes [exciseStamp] into the basket (code 2: not a mark, or already in). */
    fun add(exciseStamp: String) = kkmCall { native.add(exciseStamp) }

    /** Forgets a mark (its line was removed); `false` when it was not in. */
    fun remove(exciseStamp: String): Boolean = kkmCall { native.remove(exciseStamp) }

    /** `true` when this pack is already in the basket. */
    fun contains(exciseStamp: String): Boolean = kkmCall { native.contains(exciseStamp) }

    /** Empties it (the receipt was made, or the basket cleared). */
    fun clear() = kkmCall { native.clear() }

    override fun close() = native.close()
}
