package kz.kkm.app.logic

/**
 * The runtime permissions a BLE printer scan needs, by Android version, as plain strings
 * (the `android.permission.*` names) so that the rule is testable on the JVM:
 *
 * * Android 12+ (API 31): `BLUETOOTH_SCAN` and `BLUETOOTH_CONNECT` (the manifest marks
 *   SCAN `neverForLocation`, so no location is asked);
 * * Android 10–11 (API 29–30): `ACCESS_FINE_LOCATION` — a BLE scan finds nothing without it;
 * * Android 7–9 (API 24–28): `ACCESS_COARSE_LOCATION` is enough; `BLUETOOTH` and
 *   `BLUETOOTH_ADMIN` are install-time (manifest, `maxSdkVersion 30`).
 *
 * The app asks for them in context — when the cashier taps «Найти принтеры» — not at start.
 */
object BlePermissions {
    const val SCAN = "android.permission.BLUETOOTH_SCAN"
    const val CONNECT = "android.permission.BLUETOOTH_CONNECT"
    const val FINE_LOCATION = "android.permission.ACCESS_FINE_LOCATION"
    const val COARSE_LOCATION = "android.permission.ACCESS_COARSE_LOCATION"

    /** The runtime permissions a scan needs on API level [sdkInt]. */
    fun required(sdkInt: Int): List<String> = when {
        sdkInt >= 31 -> listOf(SCAN, CONNECT)
        sdkInt >= 29 -> listOf(FINE_LOCATION)
        else -> listOf(COARSE_LOCATION)
    }

    /** Those of [required] not yet granted ([granted] asks the system). */
    fun missing(sdkInt: Int, granted: (String) -> Boolean): List<String> =
        required(sdkInt).filterNot(granted)

    /**
     * Why a scan would find nothing although every permission is granted: Bluetooth off,
     * or (Android 7–11, where a BLE scan needs location) Location off; `null` when it can
     * run. An empty list of printers would otherwise look like "no printer nearby".
     */
    fun blocker(sdkInt: Int, bluetoothOn: Boolean, locationOn: Boolean): String? = when {
        !bluetoothOn -> "Bluetooth выключен: включите его, чтобы найти принтер"
        sdkInt < 31 && !locationOn ->
            "Геолокация выключена: на Android до 12 поиск Bluetooth-принтеров работает только с ней"
        else -> null
    }

    /** What to tell the cashier when [denied] were refused. */
    fun explanation(denied: Collection<String>): String? = when {
        denied.isEmpty() -> null
        denied.any { it == FINE_LOCATION || it == COARSE_LOCATION } ->
            "Android разрешает поиск Bluetooth-принтеров только с доступом к местоположению"
        else -> "Без доступа к устройствам поблизости принтер не найти и не подключить"
    }
}
