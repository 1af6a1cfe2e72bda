// androidx.compose.ui 1.7.6
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.ui

interface Modifier {
    infix fun then(other: Modifier): Modifier = other

    companion object : Modifier
}

interface Alignment {
    interface Horizontal
    interface Vertical
    companion object {
        val CenterHorizontally: Horizontal get() = kz.kkm.signatures.stub()
        val CenterVertically: Vertical get() = kz.kkm.signatures.stub()
        val Center: Alignment get() = kz.kkm.signatures.stub()
    }
}
