// android.jar (compileSdk 35): Bluetooth's on/off state.
@file:Suppress("unused", "UNUSED_PARAMETER")

package android.bluetooth

import kz.kkm.signatures.stub

abstract class BluetoothManager {
    /** Java's `getAdapter()`; `null` on a device without Bluetooth. */
    open val adapter: BluetoothAdapter? get() = stub()
}

abstract class BluetoothAdapter {
    /** Java's `isEnabled()`. */
    open val isEnabled: Boolean get() = stub()
}
