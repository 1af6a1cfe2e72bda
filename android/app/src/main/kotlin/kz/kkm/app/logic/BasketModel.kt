package kz.kkm.app.logic

import java.util.UUID
import kz.kkm.core.Basket
import kz.kkm.core.BasketEditor
import kz.kkm.core.BasketItem
import kz.kkm.core.BasketPayment
import kz.kkm.core.BasketTotals
import kz.kkm.core.CatalogueMatch
import kz.kkm.core.ScanContent
import kz.kkm.sdk.kkmCall

/**
 * The basket of the sale screen (Alsep's «Корзина» and quick sale) over the register's own
 * editable basket ([BasketEditor]) — the one the daemon's console till uses, so that both
 * follow one set of rules: a product added again adds to its line, a marked pack enters
 * once (the same GTIN and serial), a mark goes onto the pack waiting for it, and a change
 * the sale would refuse is refused at once with its code (nothing changes). Plain Kotlin,
 * no Android: the screen observes [version] and reads [lines]; totals come from the
 * native core so the screen never disagrees with the receipt. Not thread-safe: use it
 * from the UI thread.
 */
class BasketModel : AutoCloseable {

    /** A line of the basket; [id] is stable while the line lives. */
    data class Line(val id: Long, val item: BasketItem)

    private val editor: BasketEditor = kkmCall { BasketEditor() }

    /** Lines in the order they were added. */
    val lines: List<Line> get() = editor.lines().map { Line(it.id.toLong(), it.item) }

    /** Bumped on every change (a cheap "something changed" for the UI). */
    var version: Int = 0
        private set

    /** Discount on the whole receipt, tiyn (the register refuses one above the lines). */
    var receiptDiscountTiyn: Long = 0
        set(value) {
            require(value >= 0) { "a discount is not negative" }
            kkmCall { editor.setReceiptModifiers(value, receiptMarkupTiyn) }
            field = value
            version++
        }

    /** Markup on the whole receipt, tiyn (a receipt has a discount or a markup). */
    var receiptMarkupTiyn: Long = 0
        set(value) {
            require(value >= 0) { "a markup is not negative" }
            kkmCall { editor.setReceiptModifiers(receiptDiscountTiyn, value) }
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
    val isEmpty: Boolean get() = editor.isEmpty()

    /**
     * Adds a typed product (quick sale: a name and a price). The same item typed again
     * adds to its line.
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
        val item = BasketItem(
            name = name, section = section, priceTiyn = priceTiyn, quantityMilli = quantityMilli,
            unitCode = unitCode, barcode = barcode, exciseMark = null, discountTiyn = 0,
            vatMilliPercent = vatMilliPercent,
        )
        return changed(kkmCall { editor.addItem(item) })
    }

    /**
     * Adds one marked pack the catalogue does not know (a scanned DataMatrix and a typed
     * name and price): its mark goes to `excise_mark`, its GTIN to `barcode`. A pack
     * already in the basket is refused ([kz.kkm.sdk.KkmException.Rejected], code 2).
     */
    fun addMarked(
        mark: ScanContent.Mark,
        name: String,
        priceTiyn: Long,
        section: String = "1",
        vatMilliPercent: Int? = null,
    ): Line {
        val item = BasketItem(
            name = name, section = section, priceTiyn = priceTiyn, quantityMilli = 1000,
            unitCode = "796", barcode = mark.gtin, exciseMark = mark.exciseStamp, discountTiyn = 0,
            vatMilliPercent = vatMilliPercent,
        )
        return changed(kkmCall { editor.addItem(item) })
    }

    /**
     * Adds what the catalogue found for a scan: a product (with the catalogue's name,
     * price, VAT and discount; onto its line when it is there) or every line of a bundle.
     * With [mark] — a scanned pack the catalogue knows by its GTIN — the mark goes onto the
     * pack of it waiting for its code, else a new line (once per receipt). Returns the
     * lines touched.
     */
    fun addFromCatalogue(match: CatalogueMatch, mark: ScanContent.Mark? = null): List<Line> {
        val before = lines.map { it.id }.toSet()
        val id = kkmCall {
            if (mark != null && match is CatalogueMatch.Product) {
                editor.addMark(match.product, mark.exciseStamp)
            } else {
                editor.addCatalogue(match)
            }
        }.toLong()
        version++
        return lines.filter { it.id == id || it.id !in before }
    }

    /** Lines of marked goods still waiting for their marking code, in the order added. */
    val awaitingMarks: List<Line>
        get() {
            val waiting = editor.awaitingMarks().map { it.toLong() }.toSet()
            return lines.filter { it.id in waiting }
        }

    /** `true` when this pack is already in the basket. */
    fun hasMark(exciseStamp: String): Boolean = editor.hasPack(exciseStamp)

    /** Changes a line's quantity (thousandths); 0 removes it. A marked pack stays at 1. */
    fun setQuantity(id: Long, quantityMilli: Long) {
        require(quantityMilli >= 0) { "quantity must not be negative" }
        if (quantityMilli == 0L) return remove(id)
        edit(id) { it.copy(quantityMilli = quantityMilli) }
    }

    /** Sets the discount of a line, tiyn (refused when it is not below the line's sum). */
    fun setDiscount(id: Long, discountTiyn: Long) {
        require(discountTiyn >= 0) { "a discount is not negative" }
        edit(id) { it.copy(discountTiyn = discountTiyn) }
    }

    /** Sets the markup of a line, tiyn. */
    fun setMarkup(id: Long, markupTiyn: Long) {
        require(markupTiyn >= 0) { "a markup is not negative" }
        edit(id) { it.copy(markupTiyn = markupTiyn) }
    }

    /**
     * Replaces a line's quantity, price and modifiers with [item]'s (a catalogue line
     * recomputed by the core for a new quantity or price); its mark stays the line's.
     */
    fun replace(id: Long, item: BasketItem) = edit(id) { item }

    /** Removes a line (its mark may be scanned again). */
    fun remove(id: Long) {
        if (editor.remove(id.toULong())) version++
    }

    /** Empties the basket for the next customer (a new idempotency key). */
    fun clear() {
        editor.clear()
        receiptDiscountTiyn = 0
        receiptMarkupTiyn = 0
        idempotencyKey = UUID.randomUUID().toString()
        version++
    }

    /** The sum of a receipt discount or markup of [milliPercent] (5 % = 5000) of the lines. */
    fun receiptPercent(milliPercent: Int): Long = kkmCall { editor.receiptPercentTiyn(milliPercent) }

    /** The basket as the core takes it, with these [payments]. */
    fun basket(payments: List<BasketPayment> = emptyList()): Basket = editor.basket(payments)

    /** Subtotal, discounts, total, VAT, due and change. Throws the core's code for a bad basket. */
    fun totals(payments: List<BasketPayment> = emptyList()): BasketTotals =
        kkmCall { editor.totals(payments) }

    override fun close() = editor.close()

    private fun changed(id: ULong): Line {
        version++
        val key = id.toLong()
        return lines.first { it.id == key }
    }

    private fun edit(id: Long, change: (BasketItem) -> BasketItem) {
        val line = lines.firstOrNull { it.id == id }
        require(line != null) { "no line $id" }
        val item = change(line.item)
        kkmCall {
            editor.editLine(id.toULong(), item.quantityMilli, item.priceTiyn, item.discountTiyn, item.markupTiyn, null)
        }
        version++
    }
}
