// androidx.compose.ui:ui-text 1.7.6: text field input
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.ui.text.input

import kz.kkm.signatures.stub

@JvmInline
value class KeyboardType(val value: Int) {
    companion object {
        val Text: KeyboardType get() = stub()
        val Number: KeyboardType get() = stub()
        val NumberPassword: KeyboardType get() = stub()
        val Decimal: KeyboardType get() = stub()
        val Email: KeyboardType get() = stub()
        val Phone: KeyboardType get() = stub()
    }
}

interface VisualTransformation {
    companion object {
        val None: VisualTransformation get() = stub()
    }
}

class PasswordVisualTransformation(val mask: Char = '•') : VisualTransformation
