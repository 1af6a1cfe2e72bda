// androidx.compose.ui 1.7.6: hardware keys (a keyboard-mode scanner)
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.ui.input.key

import androidx.compose.ui.Modifier
import kz.kkm.signatures.stub

@JvmInline
value class KeyEvent(val nativeKeyEvent: Any)

@JvmInline
value class KeyEventType(val value: Int) {
    companion object {
        val Unknown: KeyEventType get() = stub()
        val KeyUp: KeyEventType get() = stub()
        val KeyDown: KeyEventType get() = stub()
    }
}

val KeyEvent.type: KeyEventType get() = stub()

val KeyEvent.utf16CodePoint: Int get() = stub()

fun Modifier.onPreviewKeyEvent(onPreviewKeyEvent: (KeyEvent) -> Boolean): Modifier = stub()

fun Modifier.onKeyEvent(onKeyEvent: (KeyEvent) -> Boolean): Modifier = stub()
