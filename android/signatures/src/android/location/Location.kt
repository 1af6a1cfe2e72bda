// android.jar (compileSdk 35)
@file:Suppress("unused", "UNUSED_PARAMETER")

package android.location

abstract class LocationManager
