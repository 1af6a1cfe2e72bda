@file:Suppress("unused", "UNUSED_PARAMETER")

package android.content.pm

import kz.kkm.signatures.stub

abstract class PackageManager {
    open fun hasSystemFeature(name: String): Boolean = stub()
    companion object {
        const val PERMISSION_GRANTED: Int = 0
        const val PERMISSION_DENIED: Int = -1
        const val FEATURE_CAMERA_ANY: String = "android.hardware.camera.any"
        const val FEATURE_BLUETOOTH_LE: String = "android.hardware.bluetooth_le"
    }
}
