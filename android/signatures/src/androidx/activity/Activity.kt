// androidx.activity:activity 1.9.3
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.activity

import androidx.lifecycle.LifecycleOwner
import androidx.lifecycle.ViewModel
import androidx.lifecycle.ViewModelStoreOwner
import kz.kkm.signatures.stub

open class ComponentActivity : android.app.Activity(), LifecycleOwner, ViewModelStoreOwner {
    protected open fun onCreate(savedInstanceState: android.os.Bundle?) {}
    open val onBackPressedDispatcher: OnBackPressedDispatcher get() = stub()
}

class OnBackPressedDispatcher

/** `by viewModels()` (activity-ktx, part of activity-compose's dependencies). */
inline fun <reified VM : ViewModel> ComponentActivity.viewModels(): Lazy<VM> = stub()

/** `enableEdgeToEdge()` (activity 1.8+). */
fun ComponentActivity.enableEdgeToEdge(): Unit = stub()
