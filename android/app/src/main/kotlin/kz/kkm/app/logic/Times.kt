package kz.kkm.app.logic

import java.time.LocalDateTime
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter

/**
 * Times as the app shows them. The register dates documents in device calendar seconds
 * (local time of the configured zone, as if it were UTC: `Kkm.deviceTimeSecs()`, and the
 * journal's `yyyy-MM-ddTHH:mm:ss`), so showing them needs no zone arithmetic here.
 */
object Times {
    /** Kazakhstan's single zone since 2024-03-01: UTC+5. */
    const val KAZAKHSTAN_OFFSET_SECS: Long = 5 * 3600

    /** The zones the settings offer: (seconds ahead of UTC, label). */
    val ZONES: List<Pair<Long, String>> = (-12..14).map { h -> h * 3600L to label(h * 3600L) }

    private val shown = DateTimeFormatter.ofPattern("dd.MM.yyyy HH:mm")

    /** `"UTC+5"`, `"UTC-3"`, `"UTC+5:30"`. */
    fun label(utcOffsetSecs: Long): String {
        val sign = if (utcOffsetSecs < 0) "-" else "+"
        val abs = Math.abs(utcOffsetSecs)
        val minutes = (abs % 3600) / 60
        return "UTC$sign${abs / 3600}" + if (minutes != 0L) ":" + minutes.toString().padStart(2, '0') else ""
    }

    /** Device calendar seconds as `dd.MM.yyyy HH:mm`. */
    fun format(deviceSecs: Long): String =
        LocalDateTime.ofEpochSecond(deviceSecs, 0, ZoneOffset.UTC).format(shown)

    /** A journal date-time (`yyyy-MM-ddTHH:mm:ss`) as `dd.MM.yyyy HH:mm`; unchanged if unreadable. */
    fun format(journal: String): String =
        try {
            LocalDateTime.parse(journal).format(shown)
        } catch (e: java.time.format.DateTimeParseException) {
            journal
        }
}
