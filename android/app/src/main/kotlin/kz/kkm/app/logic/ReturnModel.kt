package kz.kkm.app.logic

import kz.kkm.core.Basket
import kz.kkm.core.BasketPayment
import kz.kkm.core.OriginalReceipt
import kz.kkm.core.PaymentKind

/**
 * A return (возврат) by the original receipt (found by fiscal sign or its scanned QR):
 * the cashier picks what comes back; by default everything. The refund is paid the way
 * the original was when it was paid one way, else in cash. The register checks the
 * return against what was sold and not yet returned.
 */
class ReturnModel(val original: OriginalReceipt) {
    private val returned = original.basket.items.map { it.quantityMilli }.toMutableList()

    /** Quantity (thousandths) returned of line [index]. */
    fun returnedMilli(index: Int): Long = returned[index]

    /** Sets what comes back of line [index] (0..sold; a marked pack: 0 or 1000). */
    fun setReturned(index: Int, quantityMilli: Long) {
        val item = original.basket.items[index]
        require(quantityMilli in 0..item.quantityMilli) { "at most what was sold" }
        require(item.exciseMark == null || quantityMilli == 0L || quantityMilli == item.quantityMilli) {
            "a marked pack comes back whole"
        }
        returned[index] = quantityMilli
    }

    /** Nothing selected. */
    val isEmpty: Boolean get() = returned.all { it == 0L }

    /**
     * The refund basket: the selected lines, their discounts in proportion; the receipt
     * discount in proportion of the returned gross sum; payments added by [withPayments].
     */
    fun basket(): Basket {
        val items = original.basket.items.mapIndexedNotNull { i, item ->
            val q = returned[i]
            if (q == 0L) null else item.copy(
                quantityMilli = q,
                discountTiyn = share(item.discountTiyn, q, item.quantityMilli),
            )
        }
        val gross = { list: List<kz.kkm.core.BasketItem> -> list.sumOf { it.priceTiyn * it.quantityMilli / 1000 } }
        val discount = share(original.basket.discountTiyn, gross(items), gross(original.basket.items))
        return Basket(items = items, payments = emptyList(), discountTiyn = discount, customerIinBin = original.basket.customerIinBin)
    }

    /** [basket] with the refund payment of [refundTiyn]. */
    fun withPayments(basket: Basket, refundTiyn: Long): Basket {
        val kinds = original.basket.payments.map { it.kind }.distinct()
        val kind = kinds.singleOrNull() ?: PaymentKind.CASH
        return basket.copy(payments = listOf(BasketPayment(kind, refundTiyn)))
    }

    private fun share(amount: Long, part: Long, whole: Long): Long =
        if (whole == 0L || part == whole) amount else (amount * part * 2 + whole) / (whole * 2)
}
