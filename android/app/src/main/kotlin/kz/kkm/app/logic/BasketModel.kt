package kz.kkm.app.logic

import java.util.UUID
import kz.kkm.core.Basket
import kz.kkm.core.BasketItem
import kz.kkm.core.BasketPayment
import kz.kkm.core.BasketTotals
import kz.kkm.core.CatalogueMatch
import kz.kkm.core.Product
import kz.kkm.core.ScanContent
import kz.kkm.sdk.BasketMarks
import kz.kkm.sdk.Baskets
import kz.kkm.sdk.kkmCall

/**
 * The basket of the sale screen (Alsep's «Корзина» and quick sale): lines, quantities,
 * discounts, marked goods. Plain Kotlin, no Android: the screen observes [version] and
 * reads [lines]; totals come from the native core ([BasketTotals]) so the screen never
 * disagrees with the receipt. Not thread-safe: use it from the UI thread.
 *
 * @param totalsOf the core's `basketTotals` (replaceable in tests).
 */
class BasketModel(
    private val totalsOf: (Basket) -> BasketTotals = { Baskets.totals(it) },
) : AutoCloseable {

    /** A line of the basket; [id] is stable while the line lives. */
    data class Line(val id: Long, val item: BasketItem)

    private val guard = BasketMarks()
    private val items = mutableListOf<Line>()
    private var nextId = 1L

    /** Lines in the order they were added. */
    val lines: List<Line> get() = items.toList()

    /** Bumped on every change (a cheap "something changed" for the UI). */
    var version: Int = 0
        private set

    /** Discount on the whole receipt, tiyn. */
    var receiptDiscountTiyn: Long = 0
        set(value) {
            require(value >= 0) { "a discount is not negative" }
            field = value
            version++
        }

    /** Markup on the whole receipt, tiyn (a receipt has a discount or a markup). */
    var receiptMarkupTiyn: Long = 0
        set(value) {
            require(value >= 0) { "a markup is not negative" }
            field = value
            version++
        }

    /**
     * The idempotency key of this basket's receipt: the same for every retry of the same
     * payment, new after [clear]. A retry after a timeout never makes a second receipt.
     */
    var idempotencyKey: String = UUID.randomUUID().toString()
        private set

    /** `true` when there is nothing to sell. */
    val isEmpty: Boolean get() = items.isEmpty()

    /**
     * Adds a product (quick sale: a price and a name; or from the catalogue). The same
     * unmarked product added again increases the quantity of its line.
     */
    fun addProduct(
        name: String,
        priceTiyn: Long,
        quantityMilli: Long = 1000,
        section: String = "1",
        barcode: String? = null,
        unitCode: String = "796",
        vatMilliPercent: Int? = null,
    ): Line {
        require(quantityMilli > 0) { "quantity must be positive" }
        val same = items.indexOfFirst {
            it.item.exciseMark == null && !it.item.markRequired && it.item.name == name && it.item.priceTiyn == priceTiyn &&
                it.item.barcode == barcode && it.item.section == section && it.item.unitCode == unitCode
        }
        if (same >= 0) {
            val line = items[same]
            val updated = line.copy(item = line.item.copy(quantityMilli = line.item.quantityMilli + quantityMilli))
            items[same] = updated
            version++
            return updated
        }
        val item = BasketItem(
            name = name, section = section, priceTiyn = priceTiyn, quantityMilli = quantityMilli,
            unitCode = unitCode, barcode = barcode, exciseMark = null, discountTiyn = 0,
            vatMilliPercent = vatMilliPercent,
        )
        return append(item)
    }

    /**
     * Adds one marked pack (a scanned DataMatrix): its mark goes to `excise_mark`, its GTIN
     * to `barcode`. A pack already in the basket is refused ([kz.kkm.sdk.KkmException.Rejected],
     * code 2) — the mark may appear once per receipt.
     */
    fun addMarked(
        mark: ScanContent.Mark,
        name: String,
        priceTiyn: Long,
        section: String = "1",
        vatMilliPercent: Int? = null,
    ): Line {
        guard.add(mark.exciseStamp)
        val item = BasketItem(
            name = name, section = section, priceTiyn = priceTiyn, quantityMilli = 1000,
            unitCode = "796", barcode = mark.gtin, exciseMark = mark.exciseStamp, discountTiyn = 0,
            vatMilliPercent = vatMilliPercent,
        )
        return append(item)
    }

    /**
     * Adds what the catalogue found for a scan: a product (with the catalogue's name,
     * price, VAT and discount) or every line of a bundle. With [mark] — a scanned pack
     * the catalogue knows by its GTIN — the line is that marked pack (once per receipt).
     */
    fun addFromCatalogue(match: CatalogueMatch, mark: ScanContent.Mark? = null): List<Line> = when (match) {
        is CatalogueMatch.Product -> {
            val p = match.product
            if (p.marked) {
                listOf(addMarkedProduct(p, mark))
            } else if (mark != null) {
                val line = addMarked(mark, p.name, p.priceTiyn, vatMilliPercent = p.vatMilliPercent.takeIf { it > 0 })
                listOf(line.priced(lineOf(p, 1000)))
            } else {
                val item = lineOf(p, 1000)
                val line = addProduct(item.name, item.priceTiyn, 1000, item.section, item.barcode, item.unitCode, item.vatMilliPercent)
                // The discount or markup follows the line's quantity (a repeated scan adds a piece).
                listOf(line.priced(lineOf(p, line.item.quantityMilli)))
            }
        }
        is CatalogueMatch.Bundle -> match.lines.map { l ->
            val item = lineOf(l.product, l.quantityMilli)
            val line = addProduct(item.name, item.priceTiyn, l.quantityMilli, item.section, item.barcode, item.unitCode, item.vatMilliPercent)
            line.priced(lineOf(l.product, line.item.quantityMilli))
        }
    }

    /**
     * One piece of a product the catalogue flags `marked` (the register's line says
     * `markRequired`): with [mark], onto the line the register names ([Baskets.markTarget]:
     * the oldest of it still waiting for its code), else a new line; without, a new line that waits (the sale is refused with 2 until
     * every such line has its code).
     */
    private fun addMarkedProduct(p: Product, mark: ScanContent.Mark?): Line {
        val item = lineOf(p, 1000)
        if (mark == null) return append(item)
        val waiting = item.barcode
            ?.let { Baskets.markTarget(items.map { it.item }, it) }
            ?.let { items[it] }
        guard.add(mark.exciseStamp)
        if (waiting == null) return append(item.copy(exciseMark = mark.exciseStamp))
        update(waiting.id) { it.copy(exciseMark = mark.exciseStamp) }
        return items.first { it.id == waiting.id }
    }

    /** Lines of marked goods still waiting for their marking code, in the order added. */
    val awaitingMarks: List<Line> get() = items.filter { it.item.awaitsMark }

    private val BasketItem.awaitsMark: Boolean get() = markRequired && exciseMark.isNullOrEmpty()

    private fun lineOf(p: Product, quantityMilli: Long): BasketItem = Baskets.item(p, quantityMilli)

    /** The line with the catalogue's discount and markup of [priced] (the core's line). */
    private fun Line.priced(priced: BasketItem): Line {
        if (priced.discountTiyn == item.discountTiyn && priced.markupTiyn == item.markupTiyn) return this
        update(id) { it.copy(discountTiyn = priced.discountTiyn, markupTiyn = priced.markupTiyn) }
        return lines.first { it.id == id }
    }

    /** `true` when this pack is already in the basket. */
    fun hasMark(exciseStamp: String): Boolean = guard.contains(exciseStamp)

    /** Changes a line's quantity (thousandths); 0 removes it. A marked pack stays at 1. */
    fun setQuantity(id: Long, quantityMilli: Long) {
        require(quantityMilli >= 0) { "quantity must not be negative" }
        if (quantityMilli == 0L) return remove(id)
        update(id) {
            require((it.exciseMark == null && !it.markRequired) || quantityMilli == 1000L) { "a marked pack is sold one by one" }
            it.copy(quantityMilli = quantityMilli)
        }
    }

    /** Sets the discount of a line, tiyn. */
    fun setDiscount(id: Long, discountTiyn: Long) {
        require(discountTiyn >= 0) { "a discount is not negative" }
        update(id) { it.copy(discountTiyn = discountTiyn) }
    }

    /** Sets the markup of a line, tiyn. */
    fun setMarkup(id: Long, markupTiyn: Long) {
        require(markupTiyn >= 0) { "a markup is not negative" }
        update(id) { it.copy(markupTiyn = markupTiyn) }
    }

    /**
     * Replaces a line's item with [item] (a catalogue line recomputed by the core for a new
     * quantity or price); its mark stays the line's.
     */
    fun replace(id: Long, item: BasketItem) {
        update(id) { item.copy(exciseMark = it.exciseMark, barcode = item.barcode ?: it.barcode) }
    }

    /** Removes a line (and frees its mark). */
    fun remove(id: Long) {
        val index = items.indexOfFirst { it.id == id }
        if (index < 0) return
        items.removeAt(index).item.exciseMark?.let { guard.remove(it) }
        version++
    }

    /** Empties the basket for the next customer (a new idempotency key). */
    fun clear() {
        items.clear()
        guard.clear()
        receiptDiscountTiyn = 0
        receiptMarkupTiyn = 0
        idempotencyKey = UUID.randomUUID().toString()
        version++
    }

    /** The basket as the core takes it, with these [payments]. */
    fun basket(payments: List<BasketPayment> = emptyList()): Basket = Basket(
        items = items.map { it.item },
        payments = payments,
        discountTiyn = receiptDiscountTiyn,
        customerIinBin = null,
        markupTiyn = receiptMarkupTiyn,
    )

    /** Subtotal, discounts, total, VAT, due and change. Throws the core's code for a bad basket. */
    fun totals(payments: List<BasketPayment> = emptyList()): BasketTotals =
        kkmCall { totalsOf(basket(payments)) }

    override fun close() = guard.close()

    private fun append(item: BasketItem): Line {
        val line = Line(nextId++, item)
        items.add(line)
        version++
        return line
    }

    private fun update(id: Long, change: (BasketItem) -> BasketItem) {
        val index = items.indexOfFirst { it.id == id }
        require(index >= 0) { "no line $id" }
        items[index] = items[index].copy(item = change(items[index].item))
        version++
    }
}
