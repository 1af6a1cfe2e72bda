// androidx.compose.ui:ui-graphics 1.7.6
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.ui.graphics

import kz.kkm.signatures.stub

@JvmInline
value class Color(val value: ULong) {
    companion object {
        val White: Color get() = stub()
        val Black: Color get() = stub()
        val Red: Color get() = stub()
        val Unspecified: Color get() = stub()
    }
}

fun Color(color: Long): Color = stub()

fun Color(color: Int): Color = stub()
