package kz.kkm.app.logic

import kz.kkm.core.BasketPayment
import kz.kkm.core.PaymentKind

/** How the customer pays (the payment screen's choice). */
sealed class PaymentChoice {
    /** All by card. */
    object Card : PaymentChoice()

    /** All by mobile payment (Kaspi QR & co.). */
    object Mobile : PaymentChoice()

    /** Cash: [givenTiyn] is what the customer handed over (≥ total; the rest is change). */
    data class Cash(val givenTiyn: Long) : PaymentChoice()

    /** Part by card ([cardTiyn]), the rest in cash ([cashGivenTiyn] handed over). */
    data class Mixed(val cardTiyn: Long, val cashGivenTiyn: Long) : PaymentChoice()
}

/** The payments of a [choice] for a receipt of [totalTiyn]. */
fun paymentsFor(choice: PaymentChoice, totalTiyn: Long): List<BasketPayment> = when (choice) {
    PaymentChoice.Card -> listOf(BasketPayment(PaymentKind.CARD, totalTiyn))
    PaymentChoice.Mobile -> listOf(BasketPayment(PaymentKind.MOBILE, totalTiyn))
    is PaymentChoice.Cash -> listOf(BasketPayment(PaymentKind.CASH, choice.givenTiyn))
    is PaymentChoice.Mixed -> listOfNotNull(
        BasketPayment(PaymentKind.CARD, choice.cardTiyn).takeIf { choice.cardTiyn > 0 },
        BasketPayment(PaymentKind.CASH, choice.cashGivenTiyn).takeIf { choice.cashGivenTiyn > 0 },
    )
}

/** What the payment screen shows: the payments, what is still due and the change. */
data class PaymentSummary(
    val payments: List<BasketPayment>,
    val totalTiyn: Long,
    val dueTiyn: Long,
    val changeTiyn: Long,
) {
    /** Paid in full: the «Оплатить» button is enabled. */
    val canPay: Boolean get() = dueTiyn == 0L
}

/** The payment summary of [basket] paid with [choice] (totals from the core). */
fun summarize(basket: BasketModel, choice: PaymentChoice): PaymentSummary {
    val total = basket.totals().totalTiyn
    val payments = paymentsFor(choice, total)
    val totals = basket.totals(payments)
    return PaymentSummary(payments, totals.totalTiyn, totals.dueTiyn, totals.changeTiyn)
}
