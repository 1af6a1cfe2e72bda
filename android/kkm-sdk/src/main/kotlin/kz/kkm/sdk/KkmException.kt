package kz.kkm.sdk

import kz.kkm.core.KkmException as CoreException

/**
 * Every failure of the SDK, with the E-Kassa seed's numeric [code] (0–95), its constant
 * [codeName] (e.g. `invalid_access_code`) and a readable [reason].
 *
 * The subclass says which part failed; [code] is always a code of the seed's table, so an
 * app can show and log one number whatever failed.
 */
sealed class KkmException(
    /** The seed's code (`response_code`). */
    val code: Int,
    /** The seed's constant name. */
    val codeName: String,
    /** What went wrong, readable. */
    val reason: String,
    cause: Throwable? = null,
) : Exception("$code $codeName: $reason", cause) {

    /** The register refused: a wrong PIN (5), a bad receipt (44–95), not enough cash (58)… */
    class Rejected(code: Int, codeName: String, reason: String, cause: Throwable? = null) :
        KkmException(code, codeName, reason, cause)

    /** An argument was refused before the register was asked (2). */
    class InvalidInput(code: Int, codeName: String, reason: String, cause: Throwable? = null) :
        KkmException(code, codeName, reason, cause)

    /** A camera frame could not be read (2). */
    class UnreadableFrame(code: Int, codeName: String, reason: String, cause: Throwable? = null) :
        KkmException(code, codeName, reason, cause)

    /** The printer failed (29); the fiscal document is safe in the journal: reprint it. */
    class PrinterFailed(code: Int, codeName: String, reason: String, cause: Throwable? = null) :
        KkmException(code, codeName, reason, cause)

    /** No Bluetooth LE adapter, or Bluetooth is off (29). */
    class NoBleAdapter(code: Int, codeName: String, reason: String, cause: Throwable? = null) :
        KkmException(code, codeName, reason, cause)

    /** The register was shut down (70). */
    class Closed(code: Int, codeName: String, reason: String, cause: Throwable? = null) :
        KkmException(code, codeName, reason, cause)

    /**
     * Not the caller's fault: the journal or its key failed (19 and its kin: the disk,
     * SQLite, a damaged file), or the SDK itself (4, including a panic of the native core).
     * Retrying the same call later may work; changing the request will not help.
     */
    class Internal(code: Int, codeName: String, reason: String, cause: Throwable? = null) :
        KkmException(code, codeName, reason, cause)

    /** The PIN or token was wrong (5). */
    val isWrongPin: Boolean get() = code == WRONG_PIN

    /** The KKM is blocked by the OFD (62) or too long autonomous (18): call an administrator. */
    val needsAdministrator: Boolean get() = code == KKM_BLOCKED || code == OFFLINE_TOO_LONG

    companion object {
        /** `invalid_access_code`. */
        const val WRONG_PIN = 5
        /** `kkm_in_offline_mode_too_long`. */
        const val OFFLINE_TOO_LONG = 18
        /** `kkm_shift_state_is_not_opened` & co: 31 = shift longer than 24 h. */
        const val SHIFT_TOO_LONG = 31
        /** `not_enough_cash`. */
        const val NOT_ENOUGH_CASH = 58
        /** `kkm_is_blocked`. */
        const val KKM_BLOCKED = 62
        /** `kkm_access_denied`. */
        const val ACCESS_DENIED = 71
    }
}

/** The SDK's exception for an exception thrown by the generated bindings. */
fun Throwable.toKkmException(): KkmException = when (this) {
    is KkmException -> this
    is CoreException.Rejected -> KkmException.Rejected(code, name, reason, this)
    is CoreException.InvalidInput -> KkmException.InvalidInput(code, name, reason, this)
    is CoreException.Scan -> KkmException.UnreadableFrame(code, name, reason, this)
    is CoreException.Printer -> KkmException.PrinterFailed(code, name, reason, this)
    is CoreException.NoBleAdapter -> KkmException.NoBleAdapter(code, name, reason, this)
    is CoreException.Closed -> KkmException.Closed(code, name, reason, this)
    is CoreException.Internal -> KkmException.Internal(code, name, reason, this)
    else -> KkmException.Internal(4, "method_execution_exception", toString(), this)
}

/** Runs [block], turning any failure of the bindings into a [KkmException]. */
inline fun <T> kkmCall(block: () -> T): T =
    try {
        NativeLibrary.ensureLoaded()
        block()
    } catch (e: KkmException) {
        throw e
    } catch (e: CoreException) {
        throw e.toKkmException()
    } catch (e: kz.kkm.core.InternalException) {
        // A panic in the native core: surfaced, never a crash of the app.
        throw e.toKkmException()
    }

/** The outcome of an SDK call as a value, for UIs that prefer `when` over `try`. */
sealed class KkmResult<out T> {
    /** It worked. */
    data class Success<T>(val value: T) : KkmResult<T>()

    /** It failed with [error]. */
    data class Failure(val error: KkmException) : KkmResult<Nothing>()

    /** The value, or `null` on failure. */
    fun getOrNull(): T? = (this as? Success)?.value

    /** The value, or throws the [KkmException]. */
    fun getOrThrow(): T = when (this) {
        is Success -> value
        is Failure -> throw error
    }
}

/** Runs a (suspending) SDK call and returns its outcome as a [KkmResult]. */
suspend fun <T> kkmResult(block: suspend () -> T): KkmResult<T> =
    try {
        KkmResult.Success(block())
    } catch (e: KkmException) {
        KkmResult.Failure(e)
    }
