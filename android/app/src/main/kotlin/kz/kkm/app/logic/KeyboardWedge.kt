package kz.kkm.app.logic

/**
 * Tells a keyboard-mode scanner from a person typing: a scanner types a whole code in a
 * burst (a few ms per character) and ends it with Enter; a person is slower. Feed every
 * character the screen receives ([key]); a burst ended by Enter comes back as the code's
 * raw text, for the core's parser ([kz.kkm.sdk.KkmScanner.typed], which rebuilds GS
 * separators and the layout). Characters typed slowly are left to the focused field.
 *
 * @param maxGapMs the longest pause between two characters of one burst.
 * @param minLength a burst shorter than this is not a code (a person pressing Enter).
 */
class KeyboardWedge(private val maxGapMs: Long = 50, private val minLength: Int = 6) {
    private val burst = StringBuilder()
    private var lastAt = Long.MIN_VALUE

    /**
     * One character typed at [atMs] (a monotonic clock in ms). Returns the code when this
     * Enter ends a burst, else `null`.
     */
    fun key(c: Char, atMs: Long): String? {
        val fast = lastAt != Long.MIN_VALUE && atMs - lastAt <= maxGapMs
        lastAt = atMs
        if (c == '\n' || c == '\r') {
            val code = burst.toString().takeIf { fast && it.length >= minLength }
            burst.setLength(0)
            lastAt = Long.MIN_VALUE
            return code
        }
        if (!fast) burst.setLength(0)
        burst.append(c)
        return null
    }

    /** Forgets a burst in progress. */
    fun reset() {
        burst.setLength(0)
        lastAt = Long.MIN_VALUE
    }
}
