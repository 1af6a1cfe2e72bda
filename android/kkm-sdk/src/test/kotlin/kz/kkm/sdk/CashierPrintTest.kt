package kz.kkm.sdk

import kotlinx.coroutines.runBlocking
import kz.kkm.core.DocumentFormat
import kz.kkm.core.OperatorRole
import kz.kkm.core.OperatorSetup
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * A cashier prints (the seed: «Кассир — позволяет печатать чеки»): the receipt just sold and
 * a duplicate of it, from the cashier app through the SDK; reports stay a senior cashier's.
 */
class CashierPrintTest {
    private suspend fun code(block: suspend () -> Unit): Int? =
        try { block(); null } catch (e: KkmException) { e.code }

    @Test
    fun aCashierPrintsAndReprintsItsReceiptsButNotReports() = Rig(kkmId = 7200, token = 200).use { rig ->
        runBlocking {
            rig.kkm.saveOperator(
                Rig.ADMIN_PIN,
                OperatorSetup(null, "Айгүл", "3333", OperatorRole.CASHIER, listOf(rig.kkmId)),
            )
            rig.kkm.login("3333", rig.kkmId).use { cashier ->
                val receipt = cashier.sell(Rig.basket(Rig.item("Нан", 15_000), cashTiyn = 15_000))
                val original = cashier.document(receipt.shiftNumber, receipt.documentNumber)
                val duplicate = cashier.reprint(
                    receipt.shiftNumber, receipt.documentNumber, format = DocumentFormat.Png,
                )
                assertTrue("a PNG", original.size > 100 && original[1] == 'P'.code.toByte())
                assertFalse("the duplicate is marked", original.contentEquals(duplicate))
                val escpos = cashier.reprint(receipt.shiftNumber, receipt.documentNumber)
                assertTrue("ESC/POS starts with ESC @", escpos[0] == 0x1B.toByte())

                val x = rig.admin().use { it.xReport() }
                assertEquals(receipt.shiftNumber, x.shiftNumber)
                assertEquals(receipt.documentNumber + 1, x.documentNumber)
                assertEquals(71, code { cashier.document(x.shiftNumber, x.documentNumber) })
            }
        }
    }
}
