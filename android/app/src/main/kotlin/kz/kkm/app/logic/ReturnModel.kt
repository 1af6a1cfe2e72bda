package kz.kkm.app.logic

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kz.kkm.core.Basket
import kz.kkm.core.OriginalReceipt
import kz.kkm.core.PaymentKind
import kz.kkm.core.Printer
import kz.kkm.core.Receipt
import kz.kkm.core.ScanContent
import kz.kkm.core.ScanResult
import kz.kkm.sdk.Baskets
import kz.kkm.sdk.Cashier
import kz.kkm.sdk.KkmException
import kz.kkm.sdk.KkmScanner

/** The return screen's data. */
data class ReturnState(
    /** The receipt found (`null` until [ReturnModel.find]). */
    val original: OriginalReceipt? = null,
    /** What comes back of each of its lines, thousandths (at most what is returnable). */
    val quantities: List<Long> = emptyList(),
    /** The return as the register prices it (shares of discounts included). */
    val basket: Basket? = null,
    /** What the return gives back, tiyn (from the core). */
    val totalTiyn: Long = 0,
    /** How the money goes back. */
    val payment: PaymentChoice = PaymentChoice.Cash(0),
    /** The refund made. */
    val lastReceipt: Receipt? = null,
) {
    /** Nothing selected. */
    val isEmpty: Boolean get() = quantities.all { it == 0L }
}

/**
 * A return (возврат) by the original receipt (its fiscal sign typed or its QR scanned):
 * by default everything still returnable (the register counts what earlier returns took);
 * the cashier lowers quantities; the register prices the return (each line's and the
 * receipt's share of discounts and markups, never more than was paid). The money goes back
 * the way the original was paid when it was paid one way, else in cash; the cashier may
 * choose otherwise.
 *
 * @param printer the printer, or `null` (printer-less: the refund is in the journal).
 */
class ReturnModel(
    private val cashier: Cashier,
    scope: CoroutineScope,
    private val printer: () -> Printer? = { null },
) : UiModel<ReturnState>(ReturnState(), scope) {

    private val router = ScanRouter()

    /**
     * A code the return screen's camera read: a receipt's QR finds that receipt; anything
     * else is a message (the return screen takes receipts only).
     */
    fun scanned(result: ScanResult): Job? = scanned(result.text, result.content)

    /** A code typed or read by a keyboard-mode scanner on the return screen. */
    fun typed(text: String): Job? = scanned(text.trim(), KkmScanner.typed(text.trim()))

    private fun scanned(text: String, content: ScanContent): Job? =
        when (val action = router.route(text, content, returnsOnly = true)) {
            null -> null
            is ScanAction.StartReturn -> find(action.fiscalId)
            is ScanAction.Rescan -> {
                notice(action.reason)
                null
            }
            // Not produced with returnsOnly.
            is ScanAction.AddMarked, is ScanAction.AddProduct -> null
        }

    /** Finds the receipt (code 43 when the KKM has none) and selects all that may come back. */
    fun find(fiscalId: String): Job = act {
        val original = cashier.findReceipt(fiscalId.trim())
        val kinds = original.basket.payments.map { it.kind }.distinct()
        val payment = when (kinds.singleOrNull()) {
            PaymentKind.CARD -> PaymentChoice.Card
            PaymentKind.MOBILE -> PaymentChoice.Mobile
            else -> PaymentChoice.Cash(0)
        }
        set { ReturnState(original = original, quantities = original.returnableMilli, payment = payment) }
        price()
    }

    /** What comes back of line [index]: 0..returnable; a marked pack whole or not at all. */
    fun setReturned(index: Int, quantityMilli: Long): Job = act {
        val s = state.value
        val original = s.original ?: return@act
        val item = original.basket.items[index]
        val max = original.returnableMilli[index]
        require(quantityMilli in 0..max) { "Можно вернуть не больше ${kz.kkm.sdk.Quantity.format(max)}" }
        require(item.exciseMark == null || quantityMilli == 0L || quantityMilli == max) {
            "Маркированный товар возвращается целиком"
        }
        set { it.copy(quantities = it.quantities.toMutableList().also { q -> q[index] = quantityMilli }) }
        price()
    }

    /** How the money goes back. */
    fun choosePayment(choice: PaymentChoice) = set { it.copy(payment = choice) }

    /** Makes the refund, printed when there is a printer. */
    fun refund(): Job = act {
        val s = state.value
        val original = s.original ?: return@act
        val basket = s.basket ?: return@act
        require(!s.isEmpty) { "Выберите, что возвращается" }
        // A cash refund gives back the return's total: what the cashier typed is not change.
        val choice = if (s.payment is PaymentChoice.Cash) PaymentChoice.Cash(s.totalTiyn) else s.payment
        val receipt = cashier.refund(original.fiscalId, basket.copy(payments = paymentsFor(choice, s.totalTiyn)))
        set { it.copy(lastReceipt = receipt) }
        printer()?.let { p ->
            try {
                cashier.print(receipt.shiftNumber, receipt.documentNumber, p)
            } catch (e: KkmException) {
                notice("Чек сохранён, печать не удалась: ${e.reason}")
            }
        }
    }

    private suspend fun price() {
        val s = state.value
        val original = s.original ?: return
        if (s.isEmpty) {
            set { it.copy(basket = null, totalTiyn = 0) }
            return
        }
        val basket = cashier.returnBasket(original.fiscalId, s.quantities)
        val total = Baskets.totals(basket).totalTiyn
        set { it.copy(basket = basket, totalTiyn = total) }
    }
}
