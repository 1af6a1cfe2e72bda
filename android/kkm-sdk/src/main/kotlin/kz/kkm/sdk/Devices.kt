package kz.kkm.sdk

import kz.kkm.core.BlePrinter
import kz.kkm.core.PrintSettings
import kz.kkm.core.Printer
import kz.kkm.core.ScanMode
import kz.kkm.core.ScanResult
import kz.kkm.core.decodeFrameFor
import kz.kkm.core.scanBlePrinters

/** Camera scanning over the native decoder (DataMatrix, QR, EAN, Code 128). */
object KkmScanner {
    /**
     * Decodes the Y plane of a camera frame (CameraX `ImageProxy.planes[0]`): `null` when
     * the frame holds no readable code. **Blocking** (5–15 ms on 720p): call it from the
     * analyzer's executor, which is what it is for.
     */
    fun decode(
        yPlane: ByteArray,
        width: Int,
        height: Int,
        rowStride: Int,
        mode: ScanMode = ScanMode.ANY,
    ): ScanResult? = kkmCall { decodeFrameFor(yPlane, width, height, rowStride, mode) }
}

/** Receipt printers: Bluetooth LE discovery and connection. */
object KkmPrinters {
    /**
     * Scans for BLE devices for [seconds], likely printers first. Without Bluetooth:
     * [KkmException.NoBleAdapter]. Needs BLUETOOTH_SCAN / BLUETOOTH_CONNECT.
     */
    suspend fun scanBle(seconds: Int = 5): List<BlePrinter> = io { scanBlePrinters(seconds) }

    /** A printer at `ble:ADDR`, `tcp:HOST[:PORT]`, `serial:PATH[@BAUD]` or `file:PATH`. */
    fun open(address: String): Printer = kkmCall { Printer.open(address) }

    /** Prints the test page. */
    suspend fun testPage(printer: Printer, settings: PrintSettings = PrintSettings(), kazakh: Boolean = false) =
        io { printer.printTestPage(settings, kazakh) }
}
