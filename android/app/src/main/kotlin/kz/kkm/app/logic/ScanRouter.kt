package kz.kkm.app.logic

import kz.kkm.core.ScanContent
import kz.kkm.core.ScanResult

/** What the app does with a scanned code. */
sealed class ScanAction {
    /** A marked pack: ask the catalogue / the cashier for name and price, then add it. */
    data class AddMarked(val mark: ScanContent.Mark) : ScanAction()

    /** A product barcode: look it up and add it. */
    data class AddProduct(val gtin: String, val ean13: String?) : ScanAction()

    /** A customer's receipt: start a return by its fiscal sign. */
    data class StartReturn(val fiscalId: String, val totalTiyn: Long) : ScanAction()

    /** The code cannot be used: show [reason] and keep scanning. */
    data class Rescan(val reason: String) : ScanAction()
}

/**
 * Turns camera results into actions, and drops the repeats a camera produces (the same
 * code in many consecutive frames) within [repeatWindowMs].
 *
 * @param now the clock in milliseconds (injected for tests).
 */
class ScanRouter(
    private val repeatWindowMs: Long = 1500,
    private val now: () -> Long = System::currentTimeMillis,
) {
    private var lastText: String? = null
    private var lastAt: Long = Long.MIN_VALUE

    /** The action for [result], or `null` for a repeat of the previous code. */
    fun route(result: ScanResult, returnsOnly: Boolean = false): ScanAction? =
        route(result.text, result.content, returnsOnly)

    /**
     * The action for a code read by other means (a keyboard-mode scanner, a code typed in)
     * whose meaning the core gave ([kz.kkm.sdk.KkmScanner.typed]).
     */
    fun route(text: String, content: ScanContent, returnsOnly: Boolean = false): ScanAction? {
        val t = now()
        if (text == lastText && t - lastAt < repeatWindowMs) {
            lastAt = t
            return null
        }
        lastText = text
        lastAt = t
        return when (val c = content) {
            is ScanContent.Receipt -> ScanAction.StartReturn(c.fiscalId, c.totalTiyn)
            is ScanContent.Mark ->
                if (returnsOnly) ScanAction.Rescan("Отсканируйте QR-код чека") else ScanAction.AddMarked(c)
            is ScanContent.Product ->
                if (returnsOnly) ScanAction.Rescan("Отсканируйте QR-код чека") else ScanAction.AddProduct(c.gtin, c.ean13)
            is ScanContent.BadMark -> ScanAction.Rescan("Код маркировки не распознан: ${c.reason}")
            is ScanContent.Other -> ScanAction.Rescan("Неизвестный код")
        }
    }

    /** Forgets the last code (e.g. the cashier removed the line and scans it again). */
    fun reset() {
        lastText = null
    }
}
