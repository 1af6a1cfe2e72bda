// androidx.core:core 1.15.0
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.core.content

import kz.kkm.signatures.stub

object ContextCompat {
    @JvmStatic fun getMainExecutor(context: android.content.Context): java.util.concurrent.Executor = stub()
    @JvmStatic fun checkSelfPermission(context: android.content.Context, permission: String): Int = stub()
}
