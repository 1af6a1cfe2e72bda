package kz.kkm.app

import android.app.Application
import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.withContext
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kz.kkm.app.logic.Closer
import kz.kkm.app.logic.SessionModel
import kz.kkm.app.logic.SessionSettings
import kz.kkm.core.BlePrinter
import kz.kkm.core.OfdServer
import kz.kkm.core.Printer
import kz.kkm.sdk.Kkm
import kz.kkm.sdk.KkmException
import kz.kkm.sdk.KkmPrinters

/**
 * The app's register and session, held for the whole process ([KkmApp]): a rotation, the
 * activity going away on Back, or a new activity never closes and reopens the register
 * (its journal, its OFD connection, the offline queue's timers). Thin: the state and the
 * rules are in `kz.kkm.app.logic` (plain Kotlin with StateFlow, tested on the JVM against
 * the real core) and in the native register; this class only gives them the process's
 * [scope], the data folder and its Keystore key, SharedPreferences, and the Bluetooth
 * printer.
 */
class AppRegister(private val app: Application, private val scope: CoroutineScope) {
    private val prefs = app.getSharedPreferences("kkm-app", 0)

    private val settings = object : SessionSettings {
        override var kkmOfdId: Long
            get() = prefs.getLong("kkm_ofd_id", 0)
            set(v) = prefs.edit().putLong("kkm_ofd_id", v).apply()
        override var utcOffsetSecs: Long?
            get() = if (prefs.contains("utc_offset_secs")) prefs.getLong("utc_offset_secs", 0) else null
            set(v) = prefs.edit().apply { if (v == null) remove("utc_offset_secs") else putLong("utc_offset_secs", v) }.apply()
    }

    private var printer: Printer? = null

    /** The app's session and, through it, every screen's model. */
    val session = SessionModel(
        scope,
        settings,
        open = ::openRegister,
        printer = ::currentPrinter,
        setAside = ::setAsideData,
    )

    private val mutablePrinters = MutableStateFlow<List<BlePrinter>>(emptyList())

    /** Printers found by the last Bluetooth scan. */
    val printers: StateFlow<List<BlePrinter>> = mutablePrinters.asStateFlow()

    init {
        session.start()
        // The hours left of the 72 autonomous ones go down with no sync event: read again.
        scope.launch {
            while (isActive) {
                delay(60_000)
                session.refreshBanner()
            }
        }
    }

    private fun journalDir(): File = File(app.filesDir, "kkm")

    private suspend fun openRegister(utcOffsetSecs: Long?): Kkm {
        val dir = journalDir()
        // The Keystore and the preferences' commit() block: never on the main thread.
        val key = withContext(Dispatchers.IO) { DataKey.load(app, dir) }
        return Kkm.open(Kkm.config(dir, listOf(ofd()), dataKey = key, utcOffsetSecs = utcOffsetSecs))
    }

    /** A journal whose key is lost is moved aside (kept, never deleted) with its sealed key forgotten. */
    private suspend fun setAsideData() = withContext(Dispatchers.IO) {
        val dir = journalDir()
        if (dir.exists()) {
            val aside = File(dir.parentFile, "kkm-set-aside-${System.currentTimeMillis()}")
            check(dir.renameTo(aside)) { "the old journal could not be moved aside" }
        }
        DataKey.forget(app)
        prefs.edit().remove("kkm_ofd_id").apply()
    }

    /** The OFD's address, kept from the setup screen. */
    fun saveOfd(host: String, port: Int, tls: Boolean) {
        prefs.edit().putString("ofd_host", host).putInt("ofd_port", port).putBoolean("ofd_tls", tls).apply()
    }

    private fun ofd(): OfdServer = OfdServer(
        uid = prefs.getString("ofd_uid", null) ?: "4C49A0CB1DD4413387F6E6199CBB1B2A",
        name = prefs.getString("ofd_name", null) ?: "Казахтелеком",
        host = prefs.getString("ofd_host", null) ?: "",
        port = prefs.getInt("ofd_port", 7777),
        tls = prefs.getBoolean("ofd_tls", true),
        checkUrl = prefs.getString("ofd_check_url", null) ?: "http://consumer.oofd.kz",
    )

    /** Scans for Bluetooth printers (permissions asked by the screen first). */
    fun scanPrinters() {
        scope.launch {
            try {
                mutablePrinters.value = KkmPrinters.scanBle(5)
            } catch (e: KkmException) {
                mutablePrinters.value = emptyList()
            }
        }
    }

    /** Uses [p] for receipts from now on. */
    fun choosePrinter(p: BlePrinter) {
        printer?.let { closer.close(it) }
        printer = null
        prefs.edit().putString("printer", "ble:${p.address}").apply()
    }

    private fun currentPrinter(): Printer? {
        printer?.let { return it }
        val address = prefs.getString("printer", null) ?: return null
        return try {
            KkmPrinters.open(address).also { printer = it }
        } catch (e: KkmException) {
            null
        }
    }

    /** Native resources close on a background thread: `Kkm.close()` may wait for the OFD. */
    private val closer = Closer(onError = { android.util.Log.w("kkm", "close failed", it) })

    /** Closes the register (the process is ending: tests, or a future "exit" action). */
    fun close() {
        session.close(closer)
        closer.close(printer)
        printer = null
    }
}
