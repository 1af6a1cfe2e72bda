package kz.kkm.app.logic

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kz.kkm.sdk.Cashier

/** The PIN change screen's data. */
data class PinChangeState(
    /** The new PIN typed (shown masked). */
    val newPin: String = "",
    /** The same again. */
    val confirm: String = "",
    /** The PIN was changed. */
    val done: Boolean = false,
) {
    /** Both typed and equal: the button is enabled (the register checks the rest). */
    val canSubmit: Boolean get() = newPin.isNotEmpty() && newPin == confirm
}

/**
 * The logged-in operator changes their own PIN: typed twice, then checked by the register
 * against the installation's PIN policy (code 11; never 0000 again). The session goes on
 * with the new PIN; [onChanged] is told (a login with 0000 waits for it).
 */
class PinChangeModel(
    private val cashier: Cashier,
    scope: CoroutineScope,
    private val onChanged: () -> Unit = {},
) : UiModel<PinChangeState>(PinChangeState(), scope) {

    /** Logged in with the default PIN: this change comes before anything else. */
    val required: Boolean get() = cashier.mustChangePin

    /** The new PIN typed so far. */
    fun setNew(pin: String) = set { it.copy(newPin = pin, done = false) }

    /** The confirmation typed so far. */
    fun setConfirm(pin: String) = set { it.copy(confirm = pin, done = false) }

    /** Changes the PIN; the two entries must match. */
    fun submit(): Job = act {
        val s = state.value
        require(s.newPin == s.confirm) { "PIN-коды не совпадают" }
        require(s.newPin.isNotEmpty()) { "Введите новый PIN-код" }
        cashier.changeOwnPin(s.newPin)
        set { PinChangeState(done = true) }
        onChanged()
    }
}
