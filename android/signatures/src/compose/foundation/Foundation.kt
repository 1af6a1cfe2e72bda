// androidx.compose.foundation 1.7.6
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.foundation

import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import kz.kkm.signatures.stub

fun Modifier.background(color: Color): Modifier = stub()

class ScrollState

@androidx.compose.runtime.Composable
fun rememberScrollState(initial: Int = 0): ScrollState = stub()

fun Modifier.verticalScroll(state: ScrollState): Modifier = stub()
