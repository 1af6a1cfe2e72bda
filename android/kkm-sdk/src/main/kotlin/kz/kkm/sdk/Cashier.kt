package kz.kkm.sdk

import java.util.UUID
import kz.kkm.core.Basket
import kz.kkm.core.CashMovement
import kz.kkm.core.CashPlacement
import kz.kkm.core.CashierSession
import kz.kkm.core.CatalogueMatch
import kz.kkm.core.DocumentFormat
import kz.kkm.core.JournalEntry
import kz.kkm.core.KkmInfo
import kz.kkm.core.KkmTimers
import kz.kkm.core.OriginalReceipt
import kz.kkm.core.PrintSettings
import kz.kkm.core.Product
import kz.kkm.core.Printer
import kz.kkm.core.Receipt
import kz.kkm.core.ReceiptKind
import kz.kkm.core.ShiftReport
import kz.kkm.core.SyncState

/**
 * An operator logged in on one KKM ([Kkm.login]): receipts, cash in/out, X/Z, the
 * journal and reprints. Thread-safe; every `suspend` function is main-safe.
 *
 * Receipts take an `idempotencyKey` (one per basket, a fresh UUID by default): retrying
 * a call that timed out with the same key answers the stored receipt, never a second one.
 * When the OFD does not answer within the budget the receipt is made autonomously
 * ([Receipt.offline], printed «Автономный») and delivered later from the queue.
 */
class Cashier internal constructor(
    /** The generated binding object. */
    val core: CashierSession,
) : AutoCloseable {

    /** The KKM of this session. */
    val kkmOfdId: Long get() = core.kkmOfdId()

    /**
     * Logged in with the default PIN 0000, which every shop knows: ask for a PIN of the
     * operator's own ([changeOwnPin]) before anything else, as the daemon's console does.
     */
    val mustChangePin: Boolean get() = core.mustChangePin()

    /** The KKM's state now (shift, cash in the drawer, registration). */
    suspend fun kkmInfo(): KkmInfo = io { core.kkmInfo() }

    /**
     * What a scanned [barcode] is in the KKM's catalogue — an EAN/UPC as scanned or a
     * mark's GTIN-14 (`ScanContent.Mark.gtin`) — or `null` (sell it as a free position).
     * `catalogueItem(product, quantityMilli)` turns a product into a basket line.
     */
    suspend fun lookup(barcode: String): CatalogueMatch? = io { core.lookupBarcode(barcode) }

    /** Every product of the KKM's catalogue, by code (the quick-sale screen). */
    suspend fun products(): List<Product> = io { core.products() }

    /** A sale. */
    suspend fun sell(basket: Basket, idempotencyKey: String = newKey()): Receipt =
        io { core.sell(basket, idempotencyKey) }

    /** A purchase from the customer. */
    suspend fun buy(basket: Basket, idempotencyKey: String = newKey()): Receipt =
        io { core.buy(basket, idempotencyKey) }

    /**
     * A return of (part of) the sale with fiscal sign [originalFiscalId] (typed, or from a
     * scanned receipt QR). See [findReceipt] to start from the original positions.
     */
    suspend fun refund(
        originalFiscalId: String,
        basket: Basket,
        idempotencyKey: String = newKey(),
    ): Receipt = io { core.refund(originalFiscalId, basket, idempotencyKey) }

    /** Any receipt kind; [parentFiscalId] is required for returns. */
    suspend fun trade(
        kind: ReceiptKind,
        basket: Basket,
        parentFiscalId: String? = null,
        idempotencyKey: String = newKey(),
    ): Receipt = io { core.trade(kind, basket, parentFiscalId, idempotencyKey) }

    /** The receipt with this fiscal sign and its positions (code 43 when unknown). */
    suspend fun findReceipt(fiscalId: String): OriginalReceipt = io { core.findReceipt(fiscalId) }

    /**
     * The return of [quantitiesMilli] (one per line of the receipt [fiscalId]; 0 = not
     * returned) with each line's and the receipt's share of discounts and markups — the
     * register's rule. No payments: add the refund's and pass it to [refund].
     */
    suspend fun returnBasket(fiscalId: String, quantitiesMilli: List<Long>): Basket =
        io { core.returnBasket(fiscalId, quantitiesMilli) }

    /** Cash in (внесение). */
    suspend fun deposit(sumTiyn: Long, idempotencyKey: String = newKey()): CashPlacement =
        io { core.moveCash(CashMovement.DEPOSIT, sumTiyn, idempotencyKey) }

    /** Cash out (изъятие); code 58 above the cash in the drawer. */
    suspend fun withdraw(sumTiyn: Long, idempotencyKey: String = newKey()): CashPlacement =
        io { core.moveCash(CashMovement.WITHDRAWAL, sumTiyn, idempotencyKey) }

    /** The X report (the shift stays open). */
    suspend fun xReport(): ShiftReport = io { core.xReport() }

    /** The Z report: closes the shift. */
    suspend fun closeShift(): ShiftReport = io { core.closeShift() }

    /** The journal, or one shift of it. */
    suspend fun journal(shiftNumber: Long? = null): List<JournalEntry> =
        io { core.journal(shiftNumber) }

    /** A journaled document as PNG / ESC/POS / text; [duplicate] marks it «ДУБЛИКАТ». */
    suspend fun document(
        shiftNumber: Long,
        documentNumber: Long,
        format: DocumentFormat = DocumentFormat.Png,
        settings: PrintSettings = PrintSettings(),
        duplicate: Boolean = false,
    ): ByteArray = io {
        core.renderDocument(shiftNumber, documentNumber, format, settings, duplicate)
    }

    /** A reprint (duplicate) of a journaled document. */
    suspend fun reprint(
        shiftNumber: Long,
        documentNumber: Long,
        format: DocumentFormat = DocumentFormat.EscPos,
        settings: PrintSettings = PrintSettings(),
    ): ByteArray = document(shiftNumber, documentNumber, format, settings, duplicate = true)

    /** Prints a journaled document; a printer failure never touches the document. */
    suspend fun print(
        shiftNumber: Long,
        documentNumber: Long,
        printer: Printer,
        settings: PrintSettings = PrintSettings(),
        duplicate: Boolean = false,
    ) = io { core.printDocument(shiftNumber, documentNumber, printer, settings, duplicate) }

    /**
     * The KKM's deadlines as the register counts them: hours left of the 72 autonomous ones
     * ([KkmTimers.autonomousHoursLeft]), seconds left of the shift's 24, the clock and its zone.
     */
    suspend fun timers(): KkmTimers = io { core.timers() }

    /**
     * Changes this operator's own PIN (any role; the policy's rules, code 11 otherwise). The
     * session goes on with the new PIN; the old one no longer logs in.
     */
    suspend fun changeOwnPin(newPin: String) = io { core.changeOwnPin(newPin) }

    /** The KKM's sync state now (cheap). */
    fun syncState(): SyncState = kkmCall { core.syncState() }

    /** Frees the native session (the register stays open). */
    override fun close() = core.close()

    private companion object {
        fun newKey(): String = UUID.randomUUID().toString()
    }
}
