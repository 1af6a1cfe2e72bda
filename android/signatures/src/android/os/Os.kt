@file:Suppress("unused", "UNUSED_PARAMETER")

package android.os

import kz.kkm.signatures.stub

class Bundle

class Looper private constructor() {
    companion object {
        @JvmStatic fun getMainLooper(): Looper = stub()
    }
}

open class Handler(looper: Looper) {
    fun post(r: Runnable): Boolean = stub()
}

object Build {
    object VERSION {
        @JvmField val SDK_INT: Int = 0
    }
    object VERSION_CODES {
        const val N: Int = 24
        const val O: Int = 26
        const val R: Int = 30
        const val S: Int = 31
        const val TIRAMISU: Int = 33
    }
}
