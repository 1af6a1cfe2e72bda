// androidx.compose.ui 1.7.6 (android)
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.ui.viewinterop

import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import kz.kkm.signatures.stub

@Composable
fun <T : android.view.View> AndroidView(
    factory: (android.content.Context) -> T,
    modifier: Modifier = Modifier,
    update: (T) -> Unit = {},
): Unit = stub()
