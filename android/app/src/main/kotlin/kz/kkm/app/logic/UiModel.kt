package kz.kkm.app.logic

import kotlin.coroutines.cancellation.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kz.kkm.sdk.KkmException

/** What every screen shows besides its data: a call in flight, and the last failure. */
data class Status(
    /** A call is in flight (the screen disables its buttons). */
    val busy: Boolean = false,
    /** The last failure or notice, readable (`null`: none). */
    val message: String? = null,
    /** The seed's code of the last failure (`null`: none, or not a register failure). */
    val code: Int? = null,
)

/**
 * The base of the app's view models: plain Kotlin (no Android), tested on the JVM against
 * the real core. A model holds its screen's data in a [StateFlow] (`state`) and the
 * [status]; its actions launch on [scope] (the Android holder passes `viewModelScope`,
 * tests a scope on `Dispatchers.Unconfined`) and return the [Job] so a caller may wait.
 *
 * The register's failures ([KkmException]) become [Status.message] with their code; input
 * the model refuses (`IllegalArgumentException`) too, and so does any other exception (a
 * closed register, an I/O or Keystore failure): no tap crashes the app. Cancellation is
 * not a failure and propagates. Actions of one model run one at a
 * time in the order called only when [scope]'s dispatcher is single-threaded (Android's
 * main thread): the models are not meant for concurrent callers.
 */
abstract class UiModel<S>(initial: S, protected val scope: CoroutineScope) {
    private val mutableState = MutableStateFlow(initial)
    private val mutableStatus = MutableStateFlow(Status())

    /** The screen's data. */
    val state: StateFlow<S> = mutableState.asStateFlow()

    /** Busy / last message. */
    val status: StateFlow<Status> = mutableStatus.asStateFlow()

    /** Changes the state. */
    protected fun set(change: (S) -> S) = mutableState.update(change)

    /** Shows [text] (a notice, not a failure). */
    protected fun notice(text: String?) = mutableStatus.update { it.copy(message = text, code = null) }

    /** Shows a message the screen has (the camera could not start). */
    fun report(text: String) = notice(text)

    /** Forgets the last message (the cashier dismissed it). */
    fun dismiss() = notice(null)

    /**
     * Runs a local change (no I/O: a basket edit) at once, on the caller's thread; a refusal
     * becomes the status message and the result is `null`.
     */
    protected fun <T> local(block: () -> T): T? = try {
        block().also { mutableStatus.update { s -> s.copy(message = null, code = null) } }
    } catch (e: CancellationException) {
        throw e
    } catch (e: Exception) {
        mutableStatus.value = failure(e)
        null
    }

    /** Runs [block] on [scope] with [Status.busy] set; failures become the status message. */
    protected fun act(block: suspend () -> Unit): Job = scope.launch {
        mutableStatus.value = Status(busy = true)
        try {
            block()
            mutableStatus.update { it.copy(busy = false) }
        } catch (e: CancellationException) {
            mutableStatus.update { it.copy(busy = false) }
            throw e
        } catch (e: Exception) {
            mutableStatus.value = failure(e)
            failed(e)
        }
    }

    /**
     * Called after an action failed with [e] (its message is already shown): a model that
     * must leave a broken state (a register that did not reopen) does it here.
     */
    protected open fun failed(e: Exception) {}

    companion object {
        /** What the cashier reads for [e]. */
        fun failure(e: Exception): Status = when (e) {
            is KkmException -> Status(message = "${e.reason} (код ${e.code})", code = e.code)
            is IllegalArgumentException -> Status(message = e.message ?: "Неверные данные")
            else -> Status(message = "Сбой: ${e.message ?: e::class.java.simpleName}")
        }
    }
}
