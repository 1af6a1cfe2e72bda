// androidx.lifecycle:lifecycle-runtime-compose 2.8.7
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.lifecycle.compose

import androidx.compose.runtime.Composable
import androidx.compose.runtime.ProvidableCompositionLocal
import androidx.compose.runtime.State
import androidx.lifecycle.LifecycleOwner
import kotlinx.coroutines.flow.StateFlow
import kz.kkm.signatures.stub

@Composable
fun <T> StateFlow<T>.collectAsStateWithLifecycle(): State<T> = stub()

val LocalLifecycleOwner: ProvidableCompositionLocal<LifecycleOwner> get() = stub()
