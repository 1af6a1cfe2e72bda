package kz.kkm.app.ui

import android.app.Application
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableIntStateOf
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import java.io.File
import kotlinx.coroutines.launch
import kz.kkm.app.DataKey
import kz.kkm.app.logic.BasketModel
import kz.kkm.app.logic.Closer
import kz.kkm.app.logic.PaymentChoice
import kz.kkm.app.logic.PinPad
import kz.kkm.app.logic.ReturnModel
import kz.kkm.app.logic.ScanAction
import kz.kkm.app.logic.ScanRouter
import kz.kkm.app.logic.SyncBanner
import kz.kkm.app.logic.paymentsFor
import kz.kkm.app.logic.summarize
import kz.kkm.core.BlePrinter
import kz.kkm.core.KkmSetup
import kz.kkm.core.OfdServer
import kz.kkm.core.PrintSettings
import kz.kkm.core.Printer
import kz.kkm.core.Receipt
import kz.kkm.core.ScanResult
import kz.kkm.core.ShiftReport
import kz.kkm.sdk.Cashier
import kz.kkm.sdk.Kkm
import kz.kkm.sdk.KkmException
import kz.kkm.sdk.KkmPrinters

/** The app's screens. */
enum class Screen { SETUP, LOGIN, SALE, PAYMENT, RETURN, SHIFT, PRINTERS }

/**
 * The app's state and actions. Thin: rules live in the native core and in the plain
 * Kotlin classes of `kz.kkm.app.logic` (tested on the JVM); this class wires them to
 * Compose state and coroutines.
 */
class CashierViewModel(app: Application) : AndroidViewModel(app) {
    private val prefs = app.getSharedPreferences("kkm-app", 0)

    var screen by mutableStateOf(Screen.LOGIN)
    var busy by mutableStateOf(false)
    var message by mutableStateOf<String?>(null)
    var banner by mutableStateOf<SyncBanner.Banner?>(null)
    var lastReceipt by mutableStateOf<Receipt?>(null)
    var lastReport by mutableStateOf<ShiftReport?>(null)
    var printers by mutableStateOf<List<BlePrinter>>(emptyList())
    var returnModel by mutableStateOf<ReturnModel?>(null)
    var payment by mutableStateOf<PaymentChoice>(PaymentChoice.Card)

    /** Bumped whenever [basket] changes (Compose reads it to recompose). */
    var basketVersion by mutableIntStateOf(0)

    val pinPad = PinPad()
    val basket = BasketModel()
    val scanRouter = ScanRouter()

    private var kkm: Kkm? = null
    private var cashier: Cashier? = null
    private var syncWatch: AutoCloseable? = null
    private var printer: Printer? = null

    val kkmOfdId: Long get() = prefs.getLong("kkm_ofd_id", 0)

    init {
        if (kkmOfdId == 0L) screen = Screen.SETUP else open()
    }

    private fun run(block: suspend () -> Unit) {
        viewModelScope.launch {
            busy = true
            message = null
            try {
                block()
            } catch (e: KkmException) {
                message = "${e.reason} (код ${e.code})"
            } finally {
                busy = false
                basketVersion = basket.version
            }
        }
    }

    private fun ofd(): OfdServer = OfdServer(
        uid = prefs.getString("ofd_uid", "4C49A0CB1DD4413387F6E6199CBB1B2A")!!,
        name = prefs.getString("ofd_name", "Казахтелеком")!!,
        host = prefs.getString("ofd_host", "")!!,
        port = prefs.getInt("ofd_port", 7777),
        tls = prefs.getBoolean("ofd_tls", true),
        checkUrl = prefs.getString("ofd_check_url", "http://consumer.oofd.kz")!!,
    )

    private fun open() = run {
        val dir = File(getApplication<Application>().filesDir, "kkm")
        kkm = Kkm.open(Kkm.config(dir, listOf(ofd()), dataKey = DataKey.load(getApplication())))
        watchSync()
    }

    private fun watchSync() {
        val k = kkm ?: return
        if (kkmOfdId == 0L) return
        syncWatch?.close()
        syncWatch = k.onSyncState(kkmOfdId) { state ->
            viewModelScope.launch { banner = SyncBanner.of(state, System.currentTimeMillis() / 1000 + 5 * 3600) }
        }
    }

    /** First start: the administrator registers the KKM with the OFD. */
    fun setup(host: String, port: Int, tls: Boolean, kkmId: Long, token: Long, adminPin: String) {
        prefs.edit().putString("ofd_host", host).putInt("ofd_port", port).putBoolean("ofd_tls", tls).apply()
        run {
            kkm?.shutdown()
            val dir = File(getApplication<Application>().filesDir, "kkm")
            val k = Kkm.open(Kkm.config(dir, listOf(ofd()), dataKey = DataKey.load(getApplication())))
            kkm = k
            k.registerKkm(adminPin, KkmSetup(kkmId, token, "Касса", null, null))
            prefs.edit().putLong("kkm_ofd_id", kkmId).apply()
            watchSync()
            screen = Screen.LOGIN
        }
    }

    fun login() = run {
        val k = kkm ?: return@run
        try {
            cashier = k.login(pinPad.pin, kkmOfdId)
            screen = Screen.SALE
        } finally {
            pinPad.clear()
        }
    }

    fun logout() {
        cashier?.close()
        cashier = null
        screen = Screen.LOGIN
    }

    fun quickSale(name: String, priceTiyn: Long, quantityMilli: Long) {
        try {
            basket.addProduct(name.ifBlank { "Товар" }, priceTiyn, quantityMilli)
        } catch (e: IllegalArgumentException) {
            message = e.message
        }
        basketVersion = basket.version
    }

    /** A code from the camera analyzer (called on the main thread). */
    fun onScanned(result: ScanResult) {
        when (val action = scanRouter.route(result, returnsOnly = screen == Screen.RETURN)) {
            null -> Unit
            is ScanAction.AddMarked -> run {
                val found = cashier?.lookup(action.mark.gtin)
                if (found == null) {
                    pendingMark = action // not in the catalogue: ask name and price
                } else {
                    basket.addFromCatalogue(found, action.mark)
                    basketVersion = basket.version
                }
            }
            is ScanAction.AddProduct -> run {
                val found = cashier?.lookup(action.ean13 ?: action.gtin)
                if (found == null) {
                    message = "Штрихкод ${action.ean13 ?: action.gtin} не найден в каталоге: введите цену"
                } else {
                    basket.addFromCatalogue(found)
                    basketVersion = basket.version
                }
            }
            is ScanAction.StartReturn -> startReturn(action.fiscalId)
            is ScanAction.Rescan -> message = action.reason
        }
    }

    /** A scanned mark waiting for its name and price (not in the catalogue). */
    var pendingMark by mutableStateOf<ScanAction.AddMarked?>(null)

    fun addPendingMark(name: String, priceTiyn: Long) {
        val mark = pendingMark ?: return
        pendingMark = null
        try {
            basket.addMarked(mark.mark, name, priceTiyn)
        } catch (e: KkmException) {
            message = e.reason
        }
        basketVersion = basket.version
    }

    fun removeLine(id: Long) {
        basket.remove(id)
        basketVersion = basket.version
    }

    fun summary() = try { summarize(basket, payment) } catch (e: KkmException) { message = e.reason; null }

    fun pay() = run {
        val c = cashier ?: return@run
        val total = basket.totals().totalTiyn
        val receipt = c.sell(basket.basket(paymentsFor(payment, total)), basket.idempotencyKey)
        lastReceipt = receipt
        basket.clear()
        printLast(receipt)
        screen = Screen.SALE
    }

    fun startReturn(fiscalId: String) = run {
        val c = cashier ?: return@run
        returnModel = ReturnModel(c.findReceipt(fiscalId))
        screen = Screen.RETURN
    }

    fun refund() = run {
        val c = cashier ?: return@run
        val r = returnModel ?: return@run
        val b = r.basket()
        val total = kz.kkm.sdk.Baskets.totals(b).totalTiyn
        val receipt = c.refund(r.original.fiscalId, r.withPayments(b, total))
        lastReceipt = receipt
        returnModel = null
        printLast(receipt)
        screen = Screen.SALE
    }

    fun xReport() = run { lastReport = cashier?.xReport() }
    fun closeShift() = run { lastReport = cashier?.closeShift() }
    fun deposit(tiyn: Long) = run { cashier?.deposit(tiyn) }
    fun withdraw(tiyn: Long) = run { cashier?.withdraw(tiyn) }

    fun scanPrinters() = run { printers = KkmPrinters.scanBle(5) }

    fun choosePrinter(p: BlePrinter) {
        printer?.close()
        printer = KkmPrinters.open("ble:${p.address}")
        prefs.edit().putString("printer", "ble:${p.address}").apply()
        screen = Screen.SALE
    }

    fun reprintLast() = run {
        val r = lastReceipt ?: return@run
        val p = currentPrinter() ?: return@run
        cashier?.print(r.shiftNumber, r.documentNumber, p, PrintSettings(), duplicate = true)
    }

    private suspend fun printLast(receipt: Receipt) {
        val p = currentPrinter() ?: return // printer-less mode: the receipt is in the journal
        try {
            cashier?.print(receipt.shiftNumber, receipt.documentNumber, p)
        } catch (e: KkmException) {
            message = "Чек сохранён, печать не удалась: ${e.reason}"
        }
    }

    private fun currentPrinter(): Printer? {
        printer?.let { return it }
        val address = prefs.getString("printer", null) ?: return null
        return KkmPrinters.open(address).also { printer = it }
    }

    /** Native resources close on a background thread: `Kkm.close()` may wait for the OFD. */
    private val closer = Closer(onError = { android.util.Log.w("kkm", "close failed", it) })

    override fun onCleared() {
        closer.close(syncWatch, cashier, printer, basket, kkm)
        syncWatch = null
        cashier = null
        printer = null
        kkm = null
    }
}
