package kz.kkm.app.ui

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import kotlinx.coroutines.flow.StateFlow
import kz.kkm.app.AppRegister
import kz.kkm.app.KkmApp
import kz.kkm.app.logic.SessionModel
import kz.kkm.core.BlePrinter

/**
 * The screens' access to the app-scoped [AppRegister] (held by [KkmApp]): the view model
 * only forwards, so a rotation or the activity's end never touches the register.
 */
class CashierViewModel(app: Application) : AndroidViewModel(app) {
    private val register: AppRegister = (app as KkmApp).register

    /** The app's session and, through it, every screen's model. */
    val session: SessionModel get() = register.session

    /** Printers found by the last Bluetooth scan. */
    val printers: StateFlow<List<BlePrinter>> get() = register.printers

    /** The OFD's address, kept from the setup screen. */
    fun saveOfd(host: String, port: Int, tls: Boolean) = register.saveOfd(host, port, tls)

    /** Scans for Bluetooth printers (permissions asked by the screen first). */
    fun scanPrinters() = register.scanPrinters()

    /** Uses [p] for receipts from now on. */
    fun choosePrinter(p: BlePrinter) = register.choosePrinter(p)
}
