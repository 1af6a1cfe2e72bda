package kz.kkm.app.logic

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kz.kkm.core.KkmInfo
import kz.kkm.sdk.Kkm

/**
 * The app's own settings that the register takes when it opens (Android: SharedPreferences;
 * tests: a map). The time zone is one: the register's clock is set at open.
 */
interface AppSettings {
    /** The time zone documents are dated in, seconds ahead of UTC; `null`: Kazakhstan (UTC+5). */
    var utcOffsetSecs: Long?
}

/** [AppSettings] in memory. */
class MemorySettings(override var utcOffsetSecs: Long? = null) : AppSettings

/** The KKM settings screen's data. */
data class KkmSettingsState(
    /** The KKM with its registration data (РНМ, ЗНМ, taxpayer, address) from the OFD. */
    val info: KkmInfo? = null,
    /** The configured time zone, seconds ahead of UTC. */
    val utcOffsetSecs: Long = Times.KAZAKHSTAN_OFFSET_SECS,
    /** The time zone was changed: it applies when the register opens again. */
    val reopenNeeded: Boolean = false,
)

/**
 * The administrator's KKM settings: its registration data (read from the OFD at
 * registration), a new OFD token, its local name, and the time zone documents are dated in
 * (kept in [settings]; the register takes it when it opens).
 */
class KkmSettingsModel(
    private val kkm: Kkm,
    private val adminPin: String,
    private val kkmOfdId: Long,
    private val settings: AppSettings,
    scope: CoroutineScope,
) : UiModel<KkmSettingsState>(
    KkmSettingsState(utcOffsetSecs = settings.utcOffsetSecs ?: Times.KAZAKHSTAN_OFFSET_SECS),
    scope,
) {
    /** Loads the KKM's data. */
    fun load(): Job = act { reload() }

    /** A new OFD token (from the OFD's cabinet); the OFD is asked. */
    fun changeToken(token: Long): Job = act {
        require(token > 0) { "Введите токен" }
        val info = kkm.changeKkm(adminPin, kkmOfdId, token = token)
        set { it.copy(info = info) }
    }

    /** The KKM's local name. */
    fun rename(name: String): Job = act {
        require(name.isNotBlank()) { "Введите название" }
        val info = kkm.changeKkm(adminPin, kkmOfdId, name = name.trim())
        set { it.copy(info = info) }
    }

    /** The time zone (one of [Times.ZONES]); applies when the register opens again. */
    fun setTimeZone(utcOffsetSecs: Long) {
        local {
            require(Times.ZONES.any { it.first == utcOffsetSecs }) { "Неизвестный часовой пояс" }
            settings.utcOffsetSecs = utcOffsetSecs
            set { it.copy(utcOffsetSecs = utcOffsetSecs, reopenNeeded = true) }
        }
    }

    private suspend fun reload() {
        val info = kkm.kkms(adminPin).firstOrNull { it.kkmOfdId == kkmOfdId }
            ?: throw IllegalArgumentException("Касса $kkmOfdId не найдена")
        set { it.copy(info = info) }
    }
}
