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
     * The banner for [state]; [nowDeviceSecs] (device calendar seconds) gives the hours left
     * until the core's autonomous limit ([SyncMode.Autonomous.salesUntilDeviceSecs]).
     */
    fun of(state: SyncState, nowDeviceSecs: Long? = null): Banner? = when (val mode = state.mode) {
        is SyncMode.Online ->
            if (state.queueLen == 0L) null else Banner(Level.INFO, "Отправка в ОФД: ${state.queueLen}")
        is SyncMode.Autonomous -> {
            val left = nowDeviceSecs?.let { (mode.salesUntilDeviceSecs - it) / 3600 }
            val tail = if (left != null) " · осталось ${left.coerceAtLeast(0)} ч" else ""
            Banner(Level.WARNING, "Автономный режим · в очереди: ${state.queueLen}$tail")
        }
        is SyncMode.Blocked ->
            Banner(Level.ERROR, "Касса заблокирована ОФД (код ${mode.ofdCode}): ${mode.reason}")
    }
}
