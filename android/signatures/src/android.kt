// android.jar (compileSdk 35): the few platform classes the app calls.
@file:Suppress("unused", "UNUSED_PARAMETER")

package android

object Manifest {
    object permission {
        const val CAMERA: String = "android.permission.CAMERA"
        const val BLUETOOTH_SCAN: String = "android.permission.BLUETOOTH_SCAN"
        const val BLUETOOTH_CONNECT: String = "android.permission.BLUETOOTH_CONNECT"
        const val ACCESS_FINE_LOCATION: String = "android.permission.ACCESS_FINE_LOCATION"
    }
}
