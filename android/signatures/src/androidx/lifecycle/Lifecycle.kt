// androidx.lifecycle 2.8.7 (lifecycle-viewmodel, lifecycle-runtime)
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.lifecycle

import kz.kkm.signatures.stub

interface LifecycleOwner

interface ViewModelStoreOwner

abstract class ViewModel {
    protected open fun onCleared() {}
}

open class AndroidViewModel(application: android.app.Application) : ViewModel() {
    open fun <T : android.app.Application> getApplication(): T = stub()
}

val ViewModel.viewModelScope: kotlinx.coroutines.CoroutineScope get() = stub()
