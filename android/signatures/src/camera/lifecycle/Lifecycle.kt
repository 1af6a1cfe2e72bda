// androidx.camera:camera-lifecycle 1.4.1
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.camera.lifecycle

import androidx.camera.core.Camera
import androidx.camera.core.CameraSelector
import androidx.camera.core.UseCase
import com.google.common.util.concurrent.ListenableFuture
import kz.kkm.signatures.stub

class ProcessCameraProvider private constructor() {
    fun bindToLifecycle(
        lifecycleOwner: androidx.lifecycle.LifecycleOwner,
        cameraSelector: CameraSelector,
        vararg useCases: UseCase,
    ): Camera = stub()

    fun unbindAll(): Unit = stub()

    fun hasCamera(cameraSelector: CameraSelector): Boolean = stub()

    companion object {
        @JvmStatic fun getInstance(context: android.content.Context): ListenableFuture<ProcessCameraProvider> = stub()
    }
}
