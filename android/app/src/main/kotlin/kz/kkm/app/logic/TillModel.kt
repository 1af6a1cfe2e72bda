package kz.kkm.app.logic

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kz.kkm.core.BasketItem
import kz.kkm.core.BasketTotals
import kz.kkm.core.CatalogueMatch
import kz.kkm.core.Printer
import kz.kkm.core.Product
import kz.kkm.core.Receipt
import kz.kkm.core.ScanContent
import kz.kkm.core.ScanResult
import kz.kkm.sdk.Baskets
import kz.kkm.sdk.Cashier
import kz.kkm.sdk.KkmException
import kz.kkm.sdk.KkmScanner

/** A line of the till as the screen shows it. */
data class TillLine(
    /** Stable while the line lives. */
    val id: Long,
    /** The line as the core takes it. */
    val item: BasketItem,
    /** What the line comes to after its discount or markup (from the core). */
    val totalTiyn: Long,
    /** The cashier may change the price (a free item, or a catalogue product that allows it). */
    val editablePrice: Boolean,
)

/** The sale screen's data (Alsep's «Продажа» and «Оплата»). */
data class TillState(
    /** Lines in the order added. */
    val lines: List<TillLine> = emptyList(),
    /** Subtotal, discounts, markups, total, VAT (from the core; `null` when empty). */
    val totals: BasketTotals? = null,
    /** Discount on the whole receipt, tiyn. */
    val receiptDiscountTiyn: Long = 0,
    /** Markup on the whole receipt, tiyn. */
    val receiptMarkupTiyn: Long = 0,
    /** How the customer pays. */
    val payment: PaymentChoice = PaymentChoice.Card,
    /** Payments, due and change of [payment] (from the core; `null` when empty). */
    val summary: PaymentSummary? = null,
    /** A scanned pack the catalogue does not know: the screen asks its name and price. */
    val pendingMark: ScanContent.Mark? = null,
    /** A barcode the catalogue does not know: the screen asks its name and price. */
    val pendingBarcode: String? = null,
    /** Lines of marked goods waiting for their marking code (the sale is refused until none). */
    val awaitingMarks: Int = 0,
    /** A scanned receipt QR: the screen goes to the return of this fiscal sign. */
    val returnOf: String? = null,
    /** The last receipt made. */
    val lastReceipt: Receipt? = null,
)

/**
 * The till: the basket, its edits (quantity, price where allowed, discount or markup of a
 * line or of the receipt), codes from the camera, from a keyboard-mode scanner or typed in,
 * a free item in one tap, and the payment (cash with change, card, mobile, mixed). Every
 * sum comes from the core ([Baskets]); this class only maps. A catalogue line keeps its
 * product, so a new quantity or price is priced again by the core (discount or markup %,
 * the editable-price rule).
 *
 * @param printer the receipt printer, or `null` (printer-less: the receipt is in the journal).
 * @param now a monotonic clock in ms for the keyboard-scanner bursts.
 */
class TillModel(
    private val cashier: Cashier,
    scope: CoroutineScope,
    private val printer: () -> Printer? = { null },
    private val now: () -> Long = System::currentTimeMillis,
) : UiModel<TillState>(TillState(), scope), AutoCloseable {

    private val basket = BasketModel()
    private val router = ScanRouter(now = now)
    private val wedge = KeyboardWedge()

    /** The catalogue product of each catalogue line (by line id), to price it again. */
    private val products = mutableMapOf<Long, Product>()

    /** Price overrides of catalogue lines whose price is editable. */
    private val prices = mutableMapOf<Long, Long>()

    /** The basket's idempotency key (one receipt per basket, whatever the retries). */
    val idempotencyKey: String get() = basket.idempotencyKey

    // --- adding ---------------------------------------------------------------------------

    /** A free item (свободная позиция) in one tap: [priceTiyn] for one piece. */
    fun addFree(priceTiyn: Long, name: String = FREE_ITEM) {
        local {
            require(priceTiyn > 0) { "Введите цену" }
            basket.addProduct(name.ifBlank { FREE_ITEM }, priceTiyn)
        }
        refresh()
    }

    /** A barcode or code typed into the field and confirmed. */
    fun typed(text: String): Job? = route(text.trim(), KkmScanner.typed(text.trim()))

    /**
     * A character from a hardware keyboard at [now]: a keyboard-mode scanner's burst ended
     * by Enter is handled as a scan (the returned job looks it up); `null` otherwise.
     */
    fun key(c: Char): Job? {
        val code = wedge.key(c, now()) ?: return null
        return route(code, KkmScanner.typed(code + "\r"))
    }

    /** A code from the camera. */
    fun scanned(result: ScanResult): Job? = route(result.text, result.content)

    private fun route(text: String, content: ScanContent): Job? =
        when (val action = router.route(text, content)) {
            null -> null
            is ScanAction.AddProduct -> act {
                val code = action.ean13 ?: action.gtin
                val found = cashier.lookup(code) ?: if (code != action.gtin) cashier.lookup(action.gtin) else null
                when (found) {
                    null -> set { it.copy(pendingBarcode = code) }
                    else -> addMatch(found, null)
                }
            }
            is ScanAction.AddMarked -> act {
                when (val found = cashier.lookup(action.mark.gtin)) {
                    null -> set { it.copy(pendingMark = action.mark) }
                    else -> addMatch(found, action.mark)
                }
            }
            is ScanAction.StartReturn -> {
                set { it.copy(returnOf = action.fiscalId) }
                null
            }
            is ScanAction.Rescan -> {
                notice(action.reason)
                null
            }
        }

    private fun addMatch(match: CatalogueMatch, mark: ScanContent.Mark?) {
        val before = basket.lines.map { it.id }.toSet()
        basket.addFromCatalogue(match, mark)
        // Remember the product of each new line (a repeated scan adds to its line).
        val byName = when (match) {
            is CatalogueMatch.Product -> listOf(match.product)
            is CatalogueMatch.Bundle -> match.lines.map { it.product }
        }
        for (line in basket.lines) {
            if (line.id in before) continue
            byName.firstOrNull { it.name == line.item.name }?.let { products[line.id] = it }
        }
        refresh()
    }

    /** The name and price of [TillState.pendingMark] (a pack the catalogue does not know). */
    fun completeMark(name: String, priceTiyn: Long) {
        val mark = state.value.pendingMark ?: return
        local {
            require(priceTiyn > 0) { "Введите цену" }
            basket.addMarked(mark, name.ifBlank { FREE_ITEM }, priceTiyn)
            set { it.copy(pendingMark = null) }
        }
        refresh()
    }

    /** The name and price of [TillState.pendingBarcode] (sold as a free item with its barcode). */
    fun completeBarcode(name: String, priceTiyn: Long) {
        val code = state.value.pendingBarcode ?: return
        local {
            require(priceTiyn > 0) { "Введите цену" }
            basket.addProduct(name.ifBlank { FREE_ITEM }, priceTiyn, barcode = code)
            set { it.copy(pendingBarcode = null) }
        }
        refresh()
    }

    /** The cashier dismissed the question about an unknown code, or the return was started. */
    fun clearPending() = set { it.copy(pendingMark = null, pendingBarcode = null, returnOf = null) }

    // --- editing --------------------------------------------------------------------------

    /** A line's quantity in thousandths (0 removes it); a catalogue line is priced again. */
    fun setQuantity(id: Long, quantityMilli: Long) {
        if (quantityMilli == 0L) return remove(id)
        local {
            val product = products[id]
            if (product == null) {
                basket.setQuantity(id, quantityMilli)
            } else {
                val line = basket.lines.first { it.id == id }
                require((line.item.exciseMark == null && !line.item.markRequired) || quantityMilli == 1000L) {
                    "a marked pack is sold one by one"
                }
                require(quantityMilli > 0) { "quantity must be positive" }
                basket.replace(id, Baskets.item(product, quantityMilli, prices[id]))
            }
        }
        refresh()
    }

    /** A line's price: a free item's freely, a catalogue product's only when it allows (code 2). */
    fun setPrice(id: Long, priceTiyn: Long) {
        local {
            val line = basket.lines.first { it.id == id }
            when (val product = products[id]) {
                null -> {
                    require(priceTiyn > 0) { "Введите цену" }
                    basket.replace(id, line.item.copy(priceTiyn = priceTiyn))
                }
                else -> {
                    basket.replace(id, Baskets.item(product, line.item.quantityMilli, priceTiyn))
                    prices[id] = priceTiyn
                }
            }
        }
        refresh()
    }

    /** A line's discount in tiyn (its markup goes: a line has one or the other). */
    fun setLineDiscount(id: Long, tiyn: Long) {
        local {
            basket.setMarkup(id, 0)
            basket.setDiscount(id, tiyn)
        }
        refresh()
    }

    /** A line's markup in tiyn (its discount goes). */
    fun setLineMarkup(id: Long, tiyn: Long) {
        local {
            basket.setDiscount(id, 0)
            basket.setMarkup(id, tiyn)
        }
        refresh()
    }

    /** A discount on the whole receipt, tiyn (the receipt's markup goes). */
    fun setReceiptDiscount(tiyn: Long) {
        local {
            basket.receiptMarkupTiyn = 0
            basket.receiptDiscountTiyn = tiyn
        }
        refresh()
    }

    /**
     * A discount of [milliPercent] (5 % = 5000) on the whole receipt: its sum is the core's
     * ([BasketModel.receiptPercent], of the lines after their own discounts and markups).
     */
    fun setReceiptDiscountPercent(milliPercent: Int) =
        setReceiptDiscount(basket.receiptPercent(milliPercent))

    /** A markup of [milliPercent] on the whole receipt, its sum the core's. */
    fun setReceiptMarkupPercent(milliPercent: Int) =
        setReceiptMarkup(basket.receiptPercent(milliPercent))

    /** A markup on the whole receipt, tiyn (the receipt's discount goes). */
    fun setReceiptMarkup(tiyn: Long) {
        local {
            basket.receiptDiscountTiyn = 0
            basket.receiptMarkupTiyn = tiyn
        }
        refresh()
    }

    /** Removes a line (a marked pack may then be scanned again). */
    fun remove(id: Long) {
        basket.remove(id)
        products.remove(id)
        prices.remove(id)
        router.reset()
        refresh()
    }

    // --- paying ---------------------------------------------------------------------------

    /** How the customer pays; the summary (due, change) follows. */
    fun choosePayment(choice: PaymentChoice) {
        set { it.copy(payment = choice) }
        refresh()
    }

    /**
     * Makes the receipt with the chosen payment, prints it when there is a printer (a
     * printer failure leaves the receipt in the journal, with a notice), and empties the
     * basket for the next customer. A retry after a failure uses the same idempotency key.
     */
    fun pay(): Job = act {
        val total = basket.totals().totalTiyn
        val receipt = cashier.sell(basket.basket(paymentsFor(state.value.payment, total)), basket.idempotencyKey)
        basket.clear()
        products.clear()
        prices.clear()
        router.reset()
        set { TillState(payment = it.payment, lastReceipt = receipt) }
        refresh()
        printer()?.let { p ->
            try {
                cashier.print(receipt.shiftNumber, receipt.documentNumber, p)
            } catch (e: KkmException) {
                notice("Чек сохранён, печать не удалась: ${e.reason}")
            }
        }
    }

    /** Empties the basket without a receipt. */
    fun clear() {
        basket.clear()
        products.clear()
        prices.clear()
        router.reset()
        set { TillState(payment = it.payment, lastReceipt = it.lastReceipt) }
    }

    private fun refresh() {
        val totals = if (basket.isEmpty) null else quietly { basket.totals() }
        val lines = basket.lines.mapIndexed { i, l ->
            TillLine(
                id = l.id,
                item = l.item,
                totalTiyn = totals?.lineTotalsTiyn?.getOrNull(i) ?: 0,
                editablePrice = products[l.id]?.editablePrice ?: true,
            )
        }
        val summary = if (totals == null) null else quietly { summarize(basket, state.value.payment) }
        set {
            it.copy(
                lines = lines,
                totals = totals,
                receiptDiscountTiyn = basket.receiptDiscountTiyn,
                receiptMarkupTiyn = basket.receiptMarkupTiyn,
                summary = summary,
                awaitingMarks = basket.awaitingMarks.size,
            )
        }
    }

    /** [block]'s value, or `null` with the core's refusal shown (a basket it cannot price). */
    private fun <T> quietly(block: () -> T): T? = try {
        block()
    } catch (e: KkmException) {
        notice("${e.reason} (код ${e.code})")
        null
    }

    override fun close() = basket.close()

    private companion object {
        const val FREE_ITEM = "Товар"
    }
}
