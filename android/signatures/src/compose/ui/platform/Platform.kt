// androidx.compose.ui 1.7.6 (android)
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.ui.platform

import androidx.compose.runtime.ProvidableCompositionLocal
import kz.kkm.signatures.stub

val LocalContext: ProvidableCompositionLocal<android.content.Context> get() = stub()

@Deprecated("Moved to androidx.lifecycle.compose.LocalLifecycleOwner (lifecycle-runtime-compose)")
val LocalLifecycleOwner: ProvidableCompositionLocal<androidx.lifecycle.LifecycleOwner> get() = stub()
