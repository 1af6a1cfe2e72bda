package kz.kkm.app.logic

import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kz.kkm.core.CashMovement
import kz.kkm.core.JournalDocument
import kz.kkm.core.ReportKind
import kz.kkm.sdk.KkmException
import kz.kkm.sdk.KkmPrinters
import kz.kkm.sdk.Rig
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** The shift screen's view model against the real core, printing to a file printer. */
class ShiftModelTest {
    private val scope = CoroutineScope(Dispatchers.Unconfined)

    @Test
    fun cashSlipsReportsDuplicatesAndTheSelfTestArePrinted(): Unit = Rig().use { rig ->
        val paper = File.createTempFile("kkm-shift", ".bin")
        val printer = KkmPrinters.open("file:${paper.absolutePath}")
        rig.admin().use { cashier ->
            val shift = ShiftModel(cashier, scope, printer = { printer })
            runBlocking {
                shift.refresh().join()
                assertNull(shift.status.value.message)
                assertFalse(shift.state.value.info!!.shiftOpen)
                // Online: no autonomous deadline, counted by the register.
                assertNull(shift.state.value.timers!!.autonomousHoursLeft)

                shift.deposit(10_000_00).join()
                assertEquals(CashMovement.DEPOSIT, shift.state.value.lastPlacement!!.movement)
                assertEquals(10_000_00L, shift.state.value.info!!.cashInDrawerTiyn)
                assertTrue(shift.state.value.info!!.shiftOpen)
                assertNotNull(shift.state.value.timers!!.shiftSecsLeft)
                // More than the drawer holds: code 58, nothing printed.
                shift.withdraw(20_000_00).join()
                assertEquals(KkmException.NOT_ENOUGH_CASH, shift.status.value.code)
                shift.withdraw(4_000_00).join()
                assertEquals(6_000_00L, shift.state.value.info!!.cashInDrawerTiyn)

                shift.xReport().join()
                assertEquals(ReportKind.X, shift.state.value.lastReport!!.kind)
                assertEquals(3, shift.state.value.printed)
                val afterX = paper.length()
                assertTrue(afterX > 0)

                // A duplicate of the deposit slip from the journal.
                shift.loadJournal(shift.state.value.info!!.shiftNumber).join()
                val deposit = shift.state.value.journal.first { it.document is JournalDocument.Cash }
                shift.duplicate(deposit).join()
                assertNull(shift.status.value.message)
                assertEquals(4, shift.state.value.printed)
                assertTrue(paper.length() > afterX)

                shift.selfTest().join()
                assertEquals(5, shift.state.value.printed)

                shift.closeShift().join()
                assertEquals(ReportKind.Z, shift.state.value.lastReport!!.kind)
                assertFalse(shift.state.value.info!!.shiftOpen)
                assertEquals(6, shift.state.value.printed)
            }
            // Without a printer: the documents are made, the self-test says why not.
            val bare = ShiftModel(cashier, scope)
            runBlocking {
                bare.deposit(1_00).join()
                assertEquals(0, bare.state.value.printed)
                assertNotNull(bare.state.value.lastPlacement)
                bare.selfTest().join()
                assertEquals("Принтер не выбран", bare.status.value.message)
            }
        }
        printer.close()
        paper.delete()
    }
}
