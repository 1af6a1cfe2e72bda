// androidx.compose.ui:ui-unit 1.7.6
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.ui.unit

import kz.kkm.signatures.stub

@JvmInline
value class Dp(val value: Float)

val Int.dp: Dp get() = stub()

val Double.dp: Dp get() = stub()

val Float.dp: Dp get() = stub()

@JvmInline
value class TextUnit(val packedValue: Long)

val Int.sp: TextUnit get() = stub()
