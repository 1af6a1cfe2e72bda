package kz.kkm.sdk

/** Money in tiyn (1 tenge = 100 tiyn) for display and input; never floats. */
object Tenge {
    /** `175050` → `"1 750,50"` (no currency sign; a narrow no-break space groups). */
    fun format(tiyn: Long): String {
        val sign = if (tiyn < 0) "-" else ""
        val abs = if (tiyn == Long.MIN_VALUE) Long.MAX_VALUE else Math.abs(tiyn)
        val whole = (abs / 100).toString().reversed().chunked(3).joinToString("\u202F").reversed()
        val cents = (abs % 100).toString().padStart(2, '0')
        return "$sign$whole,$cents"
    }

    /**
     * What a cashier typed (`"1750"`, `"1750,5"`, `"1 750.50"`) in tiyn, exactly, or `null`
     * when it is not an amount (more than 2 decimals, letters, empty).
     */
    fun parse(text: String): Long? {
        val t = text.replace(" ", "").replace("\u202F", "").replace("\u00A0", "").replace(',', '.')
        if (t.isEmpty() || t.count { it == '.' } > 1) return null
        val whole = t.substringBefore('.')
        val fraction = if ('.' in t) t.substringAfter('.') else ""
        if (whole.isEmpty() || whole.length > 15 || fraction.length > 2) return null
        if (!whole.all { it in '0'..'9' } || !fraction.all { it in '0'..'9' }) return null
        return whole.toLong() * 100 + fraction.padEnd(2, '0').toLong()
    }
}

/** Quantities in thousandths (1 piece = 1000). */
object Quantity {
    /** `1500` → `"1.5"`, `2000` → `"2"`, `-500` → `"-0.5"` (the sign kept below one unit). */
    fun format(milli: Long): String {
        val sign = if (milli < 0) "-" else ""
        // Long.MIN_VALUE has no positive counterpart: its digits come from the unsigned value.
        val abs = if (milli == Long.MIN_VALUE) milli.toULong() else Math.abs(milli).toULong()
        val whole = abs / 1000uL
        val fraction = abs % 1000uL
        return if (fraction == 0uL) "$sign$whole" else "$sign$whole." + fraction.toString().padStart(3, '0').trimEnd('0')
    }

    /** `"1,5"` → `1500`; `null` when not a quantity with at most 3 decimals. */
    fun parse(text: String): Long? {
        val t = text.trim().replace(',', '.')
        val whole = t.substringBefore('.')
        val fraction = if ('.' in t) t.substringAfter('.') else ""
        if (whole.isEmpty() || whole.length > 12 || fraction.length > 3) return null
        if (!whole.all { it in '0'..'9' } || !fraction.all { it in '0'..'9' }) return null
        return whole.toLong() * 1000 + fraction.padEnd(3, '0').toLong()
    }
}
