package kz.kkm.app.logic

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import kz.kkm.core.KkmSetup
import kz.kkm.core.Printer
import kz.kkm.core.SyncMode
import kz.kkm.core.SyncState
import kz.kkm.sdk.Cashier
import kz.kkm.sdk.Kkm

/** The screens opened with an administrator's PIN. */
val ADMIN_SCREENS: Set<Screen> = setOf(Screen.OPERATORS, Screen.CATALOGUE, Screen.KKM_SETTINGS)

/** Why an action finds no register (it did not open: the setup or recovery screen says why). */
const val NOT_OPEN = "Касса не открыта: проверьте адрес ОФД и зарегистрируйте кассу снова"

/** Why the admin screens do not open with the default PIN. */
const val DEFAULT_PIN_FIRST = "PIN-код 0000 знает каждый: войдите с ним как оператор и задайте свой PIN-код"

/** The app's screens. */
enum class Screen { RECOVERY, SETUP, LOGIN, SALE, PAYMENT, RETURN, SHIFT, JOURNAL, PIN, PRINTERS, ADMIN_LOGIN, OPERATORS, CATALOGUE, KKM_SETTINGS }

/** The screens' models of a logged-in operator. */
class CashierModels(
    /** The operator's session. */
    val cashier: Cashier,
    /** Sale and payment. */
    val till: TillModel,
    /** Returns. */
    val returns: ReturnModel,
    /** Shift, journal, duplicates, self-test. */
    val shift: ShiftModel,
    /** One's own PIN. */
    val pin: PinChangeModel,
)

/** The administrator's screens' models (opened with the administrator's PIN). */
class AdminModels(
    /** Operators, roles, bindings. */
    val operators: OperatorsModel,
    /** Products, bundles, CSV. */
    val catalogue: CatalogueModel,
    /** Token, name, registration data, time zone. */
    val kkm: KkmSettingsModel,
    /** The administrator's session the catalogue reads with. */
    internal val session: Cashier,
)

/**
 * Why the register did not open, on the recovery screen: what happened, and whether the
 * data can only be set aside (its key stayed on another device).
 */
data class Recovery(
    /** For the cashier or the admin. */
    val text: String,
    /** The journal's key is gone: retrying will not help; a fresh start sets the data aside. */
    val keyLost: Boolean,
) {
    companion object {
        /** The recovery for a failed opening. */
        fun of(e: Exception): Recovery = when (e) {
            is DataKeyProblem.KeyLost -> Recovery(
                e.message + " Документы, уже отправленные в ОФД, есть у ОФД; неотправленные " +
                    "остаются в отложенной папке. Начните заново: касса будет зарегистрирована снова.",
                keyLost = true,
            )
            is DataKeyProblem -> Recovery(e.message ?: "Ключ данных недоступен", keyLost = false)
            else -> Recovery("Касса не открылась: " + UiModel.failure(e).message, keyLost = false)
        }
    }
}

/** The app's state: where it is, the offline banner, and the models of the open screens. */
data class SessionState(
    /** The screen shown. */
    val screen: Screen = Screen.LOGIN,
    /** The KKM of this device (0: not registered yet: [Screen.SETUP]). */
    val kkmOfdId: Long = 0,
    /** The offline banner, with the hours left counted by the register. */
    val banner: SyncBanner.Banner? = null,
    /** The logged-in operator's models. */
    val cashier: CashierModels? = null,
    /** The administrator's models, while the admin screens are open. */
    val admin: AdminModels? = null,
    /**
     * Logged in with the default PIN 0000: the PIN screen is the only one until the
     * operator sets a PIN of their own (the register's `mustChangePin`).
     */
    val pinChangeRequired: Boolean = false,
    /** Why the register is not open ([Screen.RECOVERY]). */
    val recovery: Recovery? = null,
)

/** What the app keeps between starts (Android: SharedPreferences). */
interface SessionSettings : AppSettings {
    /** The KKM of this device; 0 until it is registered. */
    var kkmOfdId: Long
}

/** [SessionSettings] in memory. */
class MemorySessionSettings(override var kkmOfdId: Long = 0, override var utcOffsetSecs: Long? = null) : SessionSettings

/**
 * The app around its screens: opens the register (with the time zone of [settings]),
 * registers the KKM on first start, logs operators in and out (each login makes the
 * screens' models), opens the admin screens with an administrator's PIN, and keeps the
 * offline banner (the hours left of the 72 come from the register). Plain Kotlin: the
 * Android view model only holds it and passes [scope] and the platform's parts.
 *
 * @param open opens the register with a time zone (seconds ahead of UTC, `null`: UTC+5).
 * @param printer the chosen printer, or `null`.
 * @param setAside moves the app's unreadable data aside (a journal whose key is lost) so
 *   that a fresh start can register the KKM again.
 */
class SessionModel(
    scope: CoroutineScope,
    private val settings: SessionSettings,
    private val open: suspend (utcOffsetSecs: Long?) -> Kkm,
    private val printer: () -> Printer? = { null },
    private val setAside: suspend () -> Unit = {},
) : UiModel<SessionState>(SessionState(kkmOfdId = settings.kkmOfdId), scope) {

    private var kkm: Kkm? = null
    private var syncWatch: AutoCloseable? = null

    /**
     * Opens the register (first start: the setup screen). When it cannot be opened (its
     * key is lost or unavailable, the journal does not open) the recovery screen says why.
     */
    fun start(): Job = act {
        val k = try {
            open(settings.utcOffsetSecs)
        } catch (e: kotlin.coroutines.cancellation.CancellationException) {
            throw e
        } catch (e: Exception) {
            set { it.copy(screen = Screen.RECOVERY, recovery = Recovery.of(e)) }
            return@act
        }
        kkm = k
        set {
            it.copy(
                recovery = null,
                kkmOfdId = settings.kkmOfdId,
                screen = if (settings.kkmOfdId == 0L) Screen.SETUP else Screen.LOGIN,
            )
        }
        if (settings.kkmOfdId != 0L) watchSync()
    }

    /** The recovery screen's «Повторить»: opens the register again. */
    fun retry(): Job = start()

    /**
     * The recovery screen's «Начать заново», only when the key is lost: the unreadable data
     * is set aside (not deleted), the KKM is forgotten, and the setup screen registers it
     * again.
     */
    fun startAfresh(): Job = act {
        require(state.value.recovery?.keyLost == true) { "Данные кассы читаются: начинать заново не нужно" }
        setAside()
        settings.kkmOfdId = 0
        set { it.copy(kkmOfdId = 0) }
        start().join()
    }

    /** The open register, or a refusal the screen shows (it did not open). */
    private fun register(): Kkm = kkm ?: throw IllegalArgumentException(NOT_OPEN)

    /**
     * First start: the administrator registers the KKM with the OFD. The register opens
     * again first (the OFD's address was just entered).
     */
    fun setup(kkmOfdId: Long, token: Long, adminPin: String): Job = act {
        require(kkmOfdId > 0 && token > 0) { "Введите ID кассы и токен" }
        kkm?.let { old ->
            // Forgotten first: if the reopen below fails, no tap reaches a closed register.
            kkm = null
            syncWatch?.close()
            syncWatch = null
            old.shutdown() // suspends on the IO dispatcher; then freeing the handle is cheap
            old.core.close()
        }
        val k = open(settings.utcOffsetSecs)
        kkm = k
        k.registerKkm(adminPin, KkmSetup(kkmOfdId, token, "Касса", null, null))
        settings.kkmOfdId = kkmOfdId
        set { it.copy(kkmOfdId = kkmOfdId, screen = Screen.LOGIN) }
        watchSync()
    }

    /** An operator logs in (5: wrong PIN; 71: not allowed on this KKM). */
    fun login(pin: String): Job = act {
        val k = register()
        val cashier = k.login(pin, settings.kkmOfdId)
        val forced = cashier.mustChangePin
        val models = CashierModels(
            cashier = cashier,
            till = TillModel(cashier, scope, printer),
            returns = ReturnModel(cashier, scope, printer),
            shift = ShiftModel(cashier, scope, printer),
            pin = PinChangeModel(cashier, scope, onChanged = ::pinChanged),
        )
        set {
            it.copy(
                cashier = models,
                screen = if (forced) Screen.PIN else Screen.SALE,
                pinChangeRequired = forced,
            )
        }
        updateBanner(k.syncState(settings.kkmOfdId))
    }

    /** Logs out: the operator's models go (the register stays open). */
    fun logout() {
        closeAdmin()
        state.value.cashier?.let { m ->
            m.till.close()
            m.cashier.close()
        }
        set { it.copy(cashier = null, screen = Screen.LOGIN, pinChangeRequired = false) }
    }

    /** The operator has set a PIN of their own: every screen opens again. */
    private fun pinChanged() {
        if (state.value.pinChangeRequired) set { it.copy(pinChangeRequired = false, screen = Screen.SALE) }
    }

    /** Opens the admin screens with an administrator's [adminPin] (5 / 71 otherwise). */
    fun openAdmin(adminPin: String): Job = act {
        val k = register()
        k.operators(adminPin) // refused for a wrong PIN or a cashier
        val session = k.login(adminPin, settings.kkmOfdId)
        if (session.mustChangePin) {
            session.close()
            throw IllegalArgumentException(DEFAULT_PIN_FIRST)
        }
        val admin = AdminModels(
            operators = OperatorsModel(k, adminPin, scope),
            catalogue = CatalogueModel(k, session, adminPin, scope),
            kkm = KkmSettingsModel(k, adminPin, settings.kkmOfdId, settings, scope),
            session = session,
        )
        set { it.copy(admin = admin, screen = Screen.OPERATORS) }
    }

    /** Closes the admin screens (the administrator's PIN is forgotten). */
    fun closeAdmin() {
        state.value.admin?.session?.close()
        set { it.copy(admin = null, screen = if (it.cashier != null) Screen.SALE else Screen.LOGIN) }
    }

    /**
     * Goes to [screen] (only the PIN screen while [SessionState.pinChangeRequired]; nowhere
     * while the recovery screen is up).
     */
    fun go(screen: Screen) = set {
        when {
            it.recovery != null -> it // nothing opens before the register does
            it.pinChangeRequired -> it.copy(screen = Screen.PIN)
            else -> it.copy(screen = screen)
        }
    }

    /**
     * Whether the app takes the system Back now (the screen's own "back"); when not, the
     * system does (the login, setup and recovery screens, an empty sale: the app goes to
     * the background; the register stays open). The Android holder enables its Back
     * handler with this and calls [back].
     */
    fun handlesBack(): Boolean {
        val s = state.value
        return when {
            s.recovery != null -> false
            s.pinChangeRequired -> true
            s.screen == Screen.SALE -> s.cashier?.till?.state?.value?.lines?.isNotEmpty() == true
            else -> s.screen !in setOf(Screen.LOGIN, Screen.SETUP, Screen.RECOVERY)
        }
    }

    /**
     * The system Back: the screen before ([Screen.SALE] for a cashier's screens, the shift
     * for its journal, the login for the admin's sign-in); the admin screens close. A
     * basket in the making is never lost to Back: the sale screen says how to leave.
     */
    fun back() {
        val s = state.value
        when {
            !handlesBack() -> {}
            s.pinChangeRequired -> notice("Задайте свой PIN-код или выйдите")
            s.screen == Screen.SALE -> notice("В чеке есть товары: оплатите или очистите его, затем выходите")
            s.admin != null && s.screen in ADMIN_SCREENS -> closeAdmin()
            s.screen == Screen.JOURNAL -> go(Screen.SHIFT)
            s.cashier == null -> go(Screen.LOGIN)
            else -> go(Screen.SALE)
        }
    }

    /** Retries the OFD now (the network is back). */
    fun retrySync() {
        val k = kkm ?: return
        if (settings.kkmOfdId != 0L) local { k.retrySyncNow(settings.kkmOfdId) }
    }

    /**
     * Reads the sync state and the register's hours left again: the banner changes by
     * itself only when the state does, so the holder calls this now and then (each
     * minute) to keep the hours left current.
     */
    fun refreshBanner(): Job = act {
        val k = kkm ?: return@act // nothing to show before the register opens
        if (settings.kkmOfdId != 0L) updateBanner(k.syncState(settings.kkmOfdId))
    }

    private fun watchSync() {
        val k = kkm ?: return
        syncWatch?.close()
        syncWatch = k.onSyncState(settings.kkmOfdId) { s -> scope.launch { updateBanner(s) } }
    }

    /** The banner for [sync]; autonomous: the hours left as the register counts them. */
    private suspend fun updateBanner(sync: SyncState) {
        val hours = if (sync.mode is SyncMode.Autonomous) {
            state.value.cashier?.cashier?.let { c ->
                try {
                    c.timers().autonomousHoursLeft
                } catch (e: kz.kkm.sdk.KkmException) {
                    null
                }
            }
        } else {
            null
        }
        set { it.copy(banner = SyncBanner.of(sync, hours)) }
    }

    /**
     * Closes everything through [closer] (off the calling thread: `Kkm.close()` may wait
     * for the OFD; on the main thread it would be an ANR).
     */
    fun close(closer: Closer): Job {
        val s = state.value
        val job = closer.close(syncWatch, s.admin?.session, s.cashier?.till, s.cashier?.cashier, kkm)
        syncWatch = null
        kkm = null
        set { SessionState(kkmOfdId = it.kkmOfdId) }
        return job
    }
}
