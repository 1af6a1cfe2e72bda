package kz.kkm.app.logic

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kz.kkm.core.PaymentKind
import kz.kkm.core.ReceiptKind
import kz.kkm.sdk.Rig
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** The return screen's view model against the real register. */
class ReturnModelTest {
    private val scope = CoroutineScope(Dispatchers.Unconfined)

    @Test
    fun aPartialReturnIsPricedByTheRegisterAndWhatIsLeftShrinks(): Unit = Rig().use { rig ->
        rig.admin().use { cashier ->
            runBlocking {
                val sale = TillModel(cashier, scope).use { till ->
                    till.addFree(100_00, "Нан")
                    till.setQuantity(till.state.value.lines[0].id, 3000)
                    till.setLineDiscount(till.state.value.lines[0].id, 10_00)
                    till.addFree(500_00, "Сыр")
                    till.setReceiptDiscount(7_00)
                    till.choosePayment(PaymentChoice.Card)
                    till.pay().join()
                    till.state.value.lastReceipt!!
                }
                assertEquals(783_00L, sale.totalTiyn)

                // The return screen's own scanner: a product code is not a receipt; the
                // receipt's QR finds it.
                val ret = ReturnModel(cashier, scope)
                assertNull(ret.typed("4870000000012"))
                assertEquals("Отсканируйте QR-код чека", ret.status.value.message)
                assertNull(ret.state.value.original)
                ret.typed("http://consumer.oofd.kz/?i=${sale.fiscalId}&f=010100134464&s=783,00&t=20250314T153012")!!.join()
                assertEquals(sale.fiscalId, ret.state.value.original!!.fiscalId)
                var s = ret.state.value
                assertEquals(listOf(3000L, 1000L), s.quantities)
                assertEquals(783_00L, s.totalTiyn)
                assertEquals(PaymentChoice.Card, s.payment)

                // One loaf: its share of both discounts, rounded against the shop.
                ret.setReturned(0, 1000).join()
                ret.setReturned(1, 0).join()
                s = ret.state.value
                assertEquals(100_00L - 3_34 - 86, s.totalTiyn)
                // More than was sold: refused, the selection unchanged.
                ret.setReturned(0, 4000).join()
                assertTrue(ret.status.value.message!!.contains("не больше"))
                assertEquals(listOf(1000L, 0L), ret.state.value.quantities)

                ret.refund().join()
                assertNull(ret.status.value.message)
                val refund = ret.state.value.lastReceipt!!
                assertEquals(ReceiptKind.SELL_RETURN, refund.kind)
                assertEquals(s.totalTiyn, refund.totalTiyn)

                // What is left to return: two loaves and the cheese; a cash refund gives the total.
                val again = ReturnModel(cashier, scope)
                again.find(sale.fiscalId).join()
                assertEquals(listOf(2000L, 1000L), again.state.value.quantities)
                // A cash refund needs the cash in the drawer (the sale was by card: 58 without).
                cashier.deposit(1_000_00)
                again.choosePayment(PaymentChoice.Cash(0))
                again.setReturned(0, 0).join()
                again.refund().join()
                assertNull(again.status.value.message)
                assertEquals(500_00L - 4_44, again.state.value.lastReceipt!!.totalTiyn)
                assertEquals(PaymentKind.CASH, paymentsFor(PaymentChoice.Cash(1), 1).single().kind)

                // An unknown fiscal sign: code 43.
                val none = ReturnModel(cashier, scope)
                none.find("999999").join()
                assertEquals(43, none.status.value.code)
            }
        }
    }
}
