package kz.kkm.sdk

import java.util.Collections
import kotlinx.coroutines.runBlocking
import kz.kkm.core.BasketPayment
import kz.kkm.core.DocumentFormat
import kz.kkm.core.JournalDocument
import kz.kkm.core.PaymentKind
import kz.kkm.core.PrintSettings
import kz.kkm.core.ReceiptKind
import kz.kkm.core.ReportKind
import kz.kkm.core.SyncMode
import kz.kkm.core.SyncState
import kz.kkm.sdk.Rig.Companion.basket
import kz.kkm.sdk.Rig.Companion.item
import org.junit.AfterClass
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.BeforeClass
import org.junit.Test

/** A whole shift from Kotlin against the real core and the OFD emulator (seed KKM 6923). */
class ShiftTest {
    companion object {
        private lateinit var rig: Rig

        @BeforeClass @JvmStatic fun start() { rig = Rig() }
        @AfterClass @JvmStatic fun stop() { rig.close() }
    }

    @Test
    fun aFullShiftOnlineAutonomousReturnXAndZ() = runBlocking {
        val cashier = rig.admin()
        val states = Collections.synchronizedList(mutableListOf<SyncState>())
        val watch = rig.kkm.onSyncState(rig.kkmId) { states.add(it) }

        val deposit = cashier.deposit(10_000_00)
        assertFalse(deposit.offline)

        // Online sale: 2 × 150.50 + 0.5 kg × 999.00, paid 1000 in cash.
        val sale = cashier.sell(basket(item("Нан", 150_50, 2000), item("Ірімшік", 999_00, 500), cashTiyn = 1000_00))
        assertFalse("online within the budget", sale.offline)
        assertEquals(ReceiptKind.SELL, sale.kind)
        assertEquals(301_00 + 499_50, sale.totalTiyn)
        assertEquals(1000_00 - 800_50, sale.changeTiyn)
        assertTrue(sale.qrCode.contains("i=${sale.fiscalId}"))

        // The OFD answers after 1.5 s > the 700 ms budget: the receipt is made autonomously.
        rig.emulator.delayAnswers(1500, 1)
        val autonomous = cashier.sell(basket(item("Су", 250_00), cardTiyn = 250_00))
        assertTrue("autonomous when the OFD is slow", autonomous.offline)
        rig.awaitDrained()
        assertTrue("the listener saw the autonomous mode", states.any { it.mode is SyncMode.Autonomous })

        // Return of the first sale by its fiscal sign, from its own positions.
        val original = cashier.findReceipt(sale.fiscalId)
        assertEquals(sale.totalTiyn, original.totalTiyn)
        assertEquals(2, original.basket.items.size)
        val refund = cashier.refund(
            sale.fiscalId,
            original.basket.copy(payments = listOf(BasketPayment(PaymentKind.CASH, sale.totalTiyn))),
        )
        assertEquals(ReceiptKind.SELL_RETURN, refund.kind)
        assertEquals(sale.totalTiyn, refund.totalTiyn)
        // Returning it again exceeds what was sold and not returned.
        val again = kkmResult {
            cashier.refund(sale.fiscalId, original.basket.copy(payments = listOf(BasketPayment(PaymentKind.CASH, sale.totalTiyn))))
        }
        assertTrue(again is KkmResult.Failure)

        val x = cashier.xReport()
        assertEquals(ReportKind.X, x.kind)
        assertEquals(2, x.sales.count)
        assertEquals(800_50 + 250_00, x.sales.totalTiyn)
        assertEquals(1, x.saleReturns.count)
        assertEquals(1, x.depositsCount)
        assertEquals(10_000_00L, x.depositsTiyn)
        assertEquals(10_000_00L + 800_50 - 800_50, x.cashInDrawerTiyn)

        // Reprint of the sale: a PNG and a text copy marked «ДУБЛИКАТ».
        val png = cashier.reprint(sale.shiftNumber, sale.documentNumber, DocumentFormat.Png)
        assertArrayEquals(byteArrayOf(0x89.toByte(), 'P'.code.toByte(), 'N'.code.toByte(), 'G'.code.toByte()), png.copyOfRange(0, 4))
        val text = String(cashier.reprint(sale.shiftNumber, sale.documentNumber, DocumentFormat.Text(42)), Charsets.UTF_8)
        assertTrue(text, text.contains("ДУБЛИКАТ"))
        assertTrue(text, text.contains(sale.fiscalId))
        // Quantities print with the unit's name, not its ИС ЭСФ code 796.
        assertTrue(text, text.contains(" шт x ") && !text.contains(" 796 x "))
        val escpos = cashier.document(sale.shiftNumber, sale.documentNumber, DocumentFormat.EscPos, PrintSettings())
        assertEquals(0x1B.toByte(), escpos[0])

        val z = cashier.closeShift()
        assertEquals(ReportKind.Z, z.kind)
        assertNotNull(z.closedAt)
        assertEquals(x.shiftNumber, z.shiftNumber)
        assertFalse(cashier.kkmInfo().shiftOpen)

        val journal = cashier.journal(z.shiftNumber)
        assertEquals(3, journal.count { it.document is JournalDocument.Receipt })
        assertTrue(journal.any { (it.document as? JournalDocument.Report)?.kind == ReportKind.Z })
        rig.awaitDrained()
        assertEquals("nothing fiscalized twice", 0L, rig.emulator.duplicateTickets(rig.kkmId))
        assertTrue(rig.emulator.acceptedDocuments(rig.kkmId) >= 5)
        watch.close()
        cashier.close()
    }

    @Test
    fun timeOfOneFfiSale() {
        val cashier = rig.admin()
        val b = basket(item("Нан", 150_00), cashTiyn = 150_00)
        repeat(50) { cashier.core.sell(b, null) } // warm-up (JIT, PIN cache, connection)
        val n = 400
        val fiscalIds = HashSet<String>()
        val times = LongArray(n) {
            val t0 = System.nanoTime()
            val receipt = cashier.core.sell(b, null)
            val dt = System.nanoTime() - t0
            assertFalse("each timed sale is fiscalized online", receipt.offline)
            fiscalIds.add(receipt.fiscalId)
            dt
        }
        assertEquals("every sale its own receipt", n, fiscalIds.size)
        times.sort()
        val p50 = times[n / 2] / 1e6
        val mean = times.average() / 1e6
        println("FFI sale from Kotlin (blocking call, online, fsync, emulator on loopback): " +
            "p50 %.3f ms, mean %.3f ms, min %.3f ms over %d sales".format(p50, mean, times[0] / 1e6, n))
        cashier.close()
    }
}
