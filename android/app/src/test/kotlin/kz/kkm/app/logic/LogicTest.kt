package kz.kkm.app.logic

import kz.kkm.core.ScanContent
import kz.kkm.sdk.KkmScanner
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** The keyboard-scanner bursts and the times shown. */
class LogicTest {
    @Test
    fun aScannerBurstIsACodeAndAPersonTypingIsNot() {
        val wedge = KeyboardWedge(maxGapMs = 50)
        var t = 0L
        fun type(text: String, gap: Long): String? {
            var code: String? = null
            for (c in text) {
                t += gap
                code = wedge.key(c, t) ?: code
            }
            return code
        }
        assertEquals("4870000000012", type("4870000000012\r", 4))
        assertNull(type("4870000000012\n", 200)) // a person: left to the field
        assertNull(type("12\r", 4)) // too short for a code
        // Slow typing, then a pause, then a scanner: only the burst counts.
        assertNull(type("99", 300))
        t += 1_000
        assertEquals("4870000000029", type("4870000000029\r", 3))
        // The core makes sense of the burst (here a product barcode).
        assertTrue(KkmScanner.typed("4870000000012\r") is ScanContent.Product)
    }

    @Test
    fun timesAreShownInTheRegistersCalendarAndZonesAreLabelled() {
        assertEquals("14.03.2025 15:30", Times.format(1_741_966_200L))
        assertEquals("14.03.2025 15:30", Times.format("2025-03-14T15:30:12"))
        assertEquals("нет даты", Times.format("нет даты"))
        assertEquals("UTC+5", Times.label(5 * 3600))
        assertEquals("UTC-3", Times.label(-3 * 3600))
        assertEquals("UTC+5:30", Times.label(5 * 3600 + 1800))
        assertTrue(Times.ZONES.any { it.first == Times.KAZAKHSTAN_OFFSET_SECS })
    }
}
