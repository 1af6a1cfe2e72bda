package kz.kkm.app.logic

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kz.kkm.core.CashPlacement
import kz.kkm.core.JournalEntry
import kz.kkm.core.KkmInfo
import kz.kkm.core.KkmTimers
import kz.kkm.core.Printer
import kz.kkm.core.ShiftReport
import kz.kkm.sdk.Cashier
import kz.kkm.sdk.KkmException
import kz.kkm.sdk.KkmPrinters

/** The shift screen's data (Alsep's «Смена» and «Журнал»). */
data class ShiftState(
    /** The KKM now: shift, cash in the drawer, registration data. */
    val info: KkmInfo? = null,
    /** The register's deadlines: hours left of the 72 autonomous, of the shift's 24. */
    val timers: KkmTimers? = null,
    /** The last X or Z report made. */
    val lastReport: ShiftReport? = null,
    /** The last cash in / out made. */
    val lastPlacement: CashPlacement? = null,
    /** The journal of [journalShift] (newest last), for duplicates. */
    val journal: List<JournalEntry> = emptyList(),
    /** The shift [journal] shows (`null`: every shift). */
    val journalShift: Long? = null,
    /** Documents printed by this screen (reports, slips, duplicates, the self-test). */
    val printed: Int = 0,
)

/**
 * The shift: X and Z reports and cash in / out, each printed when there is a printer (a
 * printer failure leaves the document in the journal, with a notice: reprint it from the
 * journal); duplicates of any journaled document; the printer's self-test; the KKM's
 * state and the deadlines the register counts.
 *
 * @param printer the printer, or `null` (printer-less: documents stay in the journal).
 */
class ShiftModel(
    private val cashier: Cashier,
    scope: CoroutineScope,
    private val printer: () -> Printer? = { null },
) : UiModel<ShiftState>(ShiftState(), scope) {

    /** Reads the KKM's state and deadlines again. */
    fun refresh(): Job = act { reload() }

    /** The X report (the shift stays open), printed. */
    fun xReport(): Job = act {
        val report = cashier.xReport()
        set { it.copy(lastReport = report) }
        print(report.shiftNumber, report.documentNumber)
        reload()
    }

    /** The Z report: closes the shift, printed. */
    fun closeShift(): Job = act {
        val report = cashier.closeShift()
        set { it.copy(lastReport = report) }
        print(report.shiftNumber, report.documentNumber)
        reload()
    }

    /** Cash in (внесение) of [tiyn], printed. */
    fun deposit(tiyn: Long): Job = act { placed(cashier.deposit(tiyn)) }

    /** Cash out (изъятие) of [tiyn], printed; code 58 above the cash in the drawer. */
    fun withdraw(tiyn: Long): Job = act { placed(cashier.withdraw(tiyn)) }

    /** Loads the journal of [shiftNumber] (`null`: all). */
    fun loadJournal(shiftNumber: Long? = null): Job = act {
        val entries = cashier.journal(shiftNumber)
        set { it.copy(journal = entries, journalShift = shiftNumber) }
    }

    /** Prints a duplicate («ДУБЛИКАТ») of a journaled document. */
    fun duplicate(entry: JournalEntry): Job = act {
        val p = printer() ?: throw IllegalArgumentException(NO_PRINTER)
        cashier.print(entry.shiftNumber, entry.documentNumber, p, duplicate = true)
        set { it.copy(printed = it.printed + 1) }
    }

    /** The printer's self-test page. */
    fun selfTest(): Job = act {
        val p = printer() ?: throw IllegalArgumentException(NO_PRINTER)
        KkmPrinters.testPage(p)
        set { it.copy(printed = it.printed + 1) }
    }

    private suspend fun placed(placement: CashPlacement) {
        set { it.copy(lastPlacement = placement) }
        print(placement.shiftNumber, placement.documentNumber)
        reload()
    }

    private suspend fun reload() {
        val info = cashier.kkmInfo()
        val timers = cashier.timers()
        set { it.copy(info = info, timers = timers) }
    }

    private suspend fun print(shiftNumber: Long, documentNumber: Long) {
        val p = printer() ?: return
        try {
            cashier.print(shiftNumber, documentNumber, p)
            set { it.copy(printed = it.printed + 1) }
        } catch (e: KkmException) {
            notice("Документ сохранён, печать не удалась: ${e.reason}")
        }
    }

    private companion object {
        const val NO_PRINTER = "Принтер не выбран"
    }
}
