// androidx.camera:camera-view 1.4.1
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.camera.view

import androidx.camera.core.Preview
import kz.kkm.signatures.stub

class PreviewView(context: android.content.Context) : android.view.ViewGroup(context) {
    /** Java's `getSurfaceProvider()`. */
    val surfaceProvider: Preview.SurfaceProvider get() = stub()
}
