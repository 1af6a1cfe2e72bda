package kz.kkm.app.logic

import kz.kkm.core.SyncMode
import kz.kkm.core.SyncState

/** The offline banner: what to show for a sync state, or `null` when all is well. */
object SyncBanner {
    /** Severity, for the banner's colour. */
    enum class Level { INFO, WARNING, ERROR }

    /** A banner line. */
    data class Banner(val level: Level, val text: String)

    /**
     * The banner for [state]; [hoursLeft] is what the register counts of the 72 autonomous
     * hours ([kz.kkm.core.KkmTimers.autonomousHoursLeft], from `Cashier.timers()`): the app
     * never counts them itself.
     */
    fun of(state: SyncState, hoursLeft: Long? = null): Banner? = when (val mode = state.mode) {
        is SyncMode.Online ->
            if (state.queueLen == 0L) null else Banner(Level.INFO, "Отправка в ОФД: ${state.queueLen}")
        is SyncMode.Autonomous -> {
            val tail = if (hoursLeft != null) " · осталось $hoursLeft ч" else ""
            Banner(Level.WARNING, "Автономный режим · в очереди: ${state.queueLen}$tail")
        }
        is SyncMode.Blocked ->
            Banner(Level.ERROR, "Касса заблокирована ОФД (код ${mode.ofdCode}): ${mode.reason}")
    }
}
