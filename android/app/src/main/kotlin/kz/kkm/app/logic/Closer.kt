package kz.kkm.app.logic

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch

/**
 * Closes native resources off the calling thread, in the order given. `Kkm.close()` shuts
 * the register down and may wait for the OFD up to its budget: called from
 * `ViewModel.onCleared` on the main thread it would freeze the UI (an ANR). [close] returns
 * at once; the closing runs on [scope] (by default its own, not the view model's, which is
 * cancelled when the view model is cleared). A failure of one resource does not keep the
 * next from closing; failures go to [onError].
 */
class Closer(
    private val scope: CoroutineScope = CoroutineScope(SupervisorJob() + Dispatchers.IO),
    private val onError: (Throwable) -> Unit = {},
) {
    /** Closes [resources] (nulls skipped) in order on the background scope. Not blocking. */
    fun close(vararg resources: AutoCloseable?): Job {
        val list = resources.filterNotNull()
        return scope.launch {
            for (r in list) {
                try {
                    r.close()
                } catch (e: Exception) {
                    onError(e)
                }
            }
        }
    }
}
