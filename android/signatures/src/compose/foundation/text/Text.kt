// androidx.compose.foundation 1.7.6: text field options
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.foundation.text

import androidx.compose.ui.text.input.KeyboardType

class KeyboardOptions(val keyboardType: KeyboardType = KeyboardType.Text)
