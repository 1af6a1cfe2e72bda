package kz.kkm.app.logic

/** The PIN entry of the login screen: digits only, at most [maxLength], shown masked. */
class PinPad(private val maxLength: Int = 8) {
    private val digits = StringBuilder()

    /** The PIN typed so far. */
    val pin: String get() = digits.toString()

    /** What the screen shows: one dot per digit. */
    val masked: String get() = "•".repeat(digits.length)

    /** A PIN can be submitted. */
    val canSubmit: Boolean get() = digits.length >= 4

    /** Types a digit; anything else, or past [maxLength], is ignored. */
    fun press(c: Char) {
        if (c in '0'..'9' && digits.length < maxLength) digits.append(c)
    }

    /** Deletes the last digit. */
    fun backspace() {
        if (digits.isNotEmpty()) digits.setLength(digits.length - 1)
    }

    /** Forgets the PIN (after a login, or a wrong PIN). */
    fun clear() = digits.setLength(0)
}
