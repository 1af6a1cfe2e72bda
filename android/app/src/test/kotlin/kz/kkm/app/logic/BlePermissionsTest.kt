package kz.kkm.app.logic

import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class BlePermissionsTest {
    @Test
    fun permissionsFollowTheApiLevel() {
        assertEquals(listOf(BlePermissions.COARSE_LOCATION), BlePermissions.required(24)) // 7.0
        assertEquals(listOf(BlePermissions.COARSE_LOCATION), BlePermissions.required(28)) // 9
        assertEquals(listOf(BlePermissions.FINE_LOCATION), BlePermissions.required(29)) // 10
        assertEquals(listOf(BlePermissions.FINE_LOCATION), BlePermissions.required(30)) // 11
        assertEquals(listOf(BlePermissions.SCAN, BlePermissions.CONNECT), BlePermissions.required(31)) // 12
        assertEquals(listOf(BlePermissions.SCAN, BlePermissions.CONNECT), BlePermissions.required(35))
    }

    @Test
    fun onlyWhatIsMissingIsAskedAndExplained() {
        val granted = setOf(BlePermissions.SCAN)
        assertEquals(listOf(BlePermissions.CONNECT), BlePermissions.missing(33) { it in granted })
        assertTrue(BlePermissions.missing(30) { true }.isEmpty())
        assertNull(BlePermissions.explanation(emptyList()))
        assertTrue(BlePermissions.explanation(listOf(BlePermissions.FINE_LOCATION))!!.contains("местоположению"))
    }

    @Test
    fun bluetoothOrLocationSwitchedOffIsSaidInsteadOfAnEmptyList() {
        assertTrue(BlePermissions.blocker(33, bluetoothOn = false, locationOn = true)!!.contains("Bluetooth выключен"))
        assertNull(BlePermissions.blocker(33, bluetoothOn = true, locationOn = false)) // 12+: no location needed
        assertTrue(BlePermissions.blocker(29, bluetoothOn = true, locationOn = false)!!.contains("Геолокация"))
        assertNull(BlePermissions.blocker(24, bluetoothOn = true, locationOn = true))
    }
}
