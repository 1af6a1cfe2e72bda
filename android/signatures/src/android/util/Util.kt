@file:Suppress("unused", "UNUSED_PARAMETER")

package android.util

import kz.kkm.signatures.stub

object Base64 {
    const val DEFAULT: Int = 0
    const val NO_WRAP: Int = 2
    @JvmStatic fun decode(str: String, flags: Int): ByteArray = stub()
    @JvmStatic fun encodeToString(input: ByteArray, flags: Int): String = stub()
}

object Log {
    @JvmStatic fun w(tag: String, msg: String, tr: Throwable?): Int = stub()
    @JvmStatic fun w(tag: String, msg: String): Int = stub()
    @JvmStatic fun e(tag: String, msg: String, tr: Throwable?): Int = stub()
    @JvmStatic fun i(tag: String, msg: String): Int = stub()
}
