// androidx.core:core 1.15.0
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.core.location

import kz.kkm.signatures.stub

object LocationManagerCompat {
    @JvmStatic fun isLocationEnabled(locationManager: android.location.LocationManager): Boolean = stub()
}
