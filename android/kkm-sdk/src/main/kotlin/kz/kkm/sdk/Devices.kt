package kz.kkm.sdk

import kz.kkm.core.BlePrinter
import kz.kkm.core.KeyboardProfile
import kz.kkm.core.PrintSettings
import kz.kkm.core.Printer
import kz.kkm.core.ScanContent
import kz.kkm.core.ScanMode
import kz.kkm.core.ScanResult
import kz.kkm.core.StreamScanner
import kz.kkm.core.decodeFrameFor
import kz.kkm.core.defaultKeyboardProfile
import kz.kkm.core.parseTypedCode
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

    /**
     * What a keyboard-mode scanner typed (a burst ended by Enter), or a cashier typed by
     * hand, means: a marking code with its GS separators rebuilt, a receipt QR, a product
     * barcode, or other text. The core's parser; not blocking.
     */
    fun typed(text: String, profile: KeyboardProfile = defaultKeyboardProfile()): ScanContent =
        kkmCall { parseTypedCode(text, profile) }

    /**
     * A camera stream (one per camera): the native tracker reuses the last frame's location
     * and scale, searches a region of interest first, and returns a code only once its check
     * characters verify or two frames agree — once per appearance of the code. [timeBudgetMs]
     * caps a frame (0: no cap).
     */
    fun stream(mode: ScanMode = ScanMode.ANY, timeBudgetMs: Int = 25): KkmFrameStream =
        KkmFrameStream(StreamScanner(mode, timeBudgetMs.coerceAtLeast(0).toUInt()))
}

/** A camera stream over the native tracker; see [KkmScanner.stream]. */
class KkmFrameStream internal constructor(private val native: StreamScanner) : AutoCloseable {
    /**
     * Reads the next frame's Y plane: a code the stream now believes, or `null`.
     * **Blocking** (a few to tens of ms): call it from the analyzer's executor. A malformed
     * frame throws [KkmException.UnreadableFrame].
     */
    fun push(yPlane: ByteArray, width: Int, height: Int, rowStride: Int): ScanResult? =
        kkmCall { native.pushFrame(yPlane, width, height, rowStride) }

    /** Forgets the stream (a new basket, or the same pack wanted again). */
    fun reset() = native.reset()

    override fun close() = native.close()
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
