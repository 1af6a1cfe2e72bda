// androidx.compose.ui:ui-text 1.7.6
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.ui.text

class TextStyle
