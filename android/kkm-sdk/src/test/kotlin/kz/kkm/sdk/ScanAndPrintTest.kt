package kz.kkm.sdk

import kz.kkm.core.DocumentFormat
import kz.kkm.core.BasketEditor
import kz.kkm.core.BasketItem
import kz.kkm.core.PrintSettings
import kz.kkm.core.ScanContent
import kz.kkm.core.ScanMode
import kz.kkm.core.Symbology
import kz.kkm.core.classifyScannedText
import kz.kkm.core.defaultKeyboardProfile
import kz.kkm.core.parseTypedCode
import kz.kkm.core.renderTestPage
import kz.kkm.testkit.synthDatamatrixFrame
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** Camera frames and printing through the bindings. */
class ScanAndPrintTest {
    @Test
    fun aDataMatrixFrameDecodesToAMark() {
        // A 1280×720 camera frame with a tobacco-pack mark and 48 bytes of row padding.
        val frame = synthDatamatrixFrame(11, 48)
        assertEquals(1280 + 48, frame.rowStride)
        val t0 = System.nanoTime()
        val result = KkmScanner.decode(frame.yPlane, frame.width, frame.height, frame.rowStride)!!
        println("decodeFrame 1280×720 DataMatrix from Kotlin: %.1f ms".format((System.nanoTime() - t0) / 1e6))
        assertEquals(Symbology.DATA_MATRIX, result.symbology)
        assertEquals(frame.text, result.text)
        val mark = result.content as ScanContent.Mark
        assertEquals(frame.text, mark.exciseStamp)
        assertEquals(14, mark.gtin.length)
        assertTrue(mark.exciseStamp.contains('\u001d'))
        // Looking for receipt QR codes only, the mark is not there.
        assertNull(KkmScanner.decode(frame.yPlane, frame.width, frame.height, frame.rowStride, ScanMode.RECEIPT))

        // The decoded pack enters a basket once (the register's basket, every face's).
        BasketEditor().use { basket ->
            val pack = BasketItem(
                name = "Сигареты", section = "1", priceTiyn = 1_200_00, quantityMilli = 1000,
                unitCode = "796", barcode = mark.gtin, exciseMark = mark.exciseStamp, discountTiyn = 0,
                vatMilliPercent = null,
            )
            kkmCall { basket.addItem(pack) }
            assertTrue(basket.hasPack(mark.exciseStamp))
            val e = try { kkmCall { basket.addItem(pack) }; null } catch (e: KkmException) { e }
            assertEquals(2, e?.code)
            assertEquals(1, basket.lines().size)
        }
    }

    @Test
    fun aStreamAcceptsAMarkOnceAndATypedMarkGetsItsSeparators() {
        val frame = synthDatamatrixFrame(11, 0)
        KkmScanner.stream(ScanMode.EXCISE, 0).use { stream ->
            val first = stream.push(frame.yPlane, frame.width, frame.height, frame.rowStride)
            assertEquals(frame.text, first?.text)
            // Still in view: not accepted again.
            assertNull(stream.push(frame.yPlane, frame.width, frame.height, frame.rowStride))
        }
        // A keyboard-mode scanner that dropped the GS: the mark comes back with it.
        val typed = parseTypedCode(frame.text.replace("\u001d", "") + "\r\n", defaultKeyboardProfile())
        assertEquals(frame.text, (typed as ScanContent.Mark).exciseStamp)
    }

    @Test
    fun aReceiptQrStartsAReturn() {
        val c = classifyScannedText(
            "http://consumer.oofd.kz/?i=2913857236&f=010100134464&s=1750,00&t=20250314T153012",
            Symbology.QR_CODE, false,
        ) as ScanContent.Receipt
        assertEquals("2913857236", c.fiscalId)
        assertEquals(175_000L, c.totalTiyn)
    }

    @Test
    fun theTestPageRendersAndPrintsToAFile() {
        val png = renderTestPage(DocumentFormat.Png, PrintSettings(), true)
        assertEquals('P'.code.toByte(), png[1])
        val file = java.io.File.createTempFile("kkm-print", ".bin")
        val printer = KkmPrinters.open("file:${file.absolutePath}")
        kotlinx.coroutines.runBlocking { KkmPrinters.testPage(printer, PrintSettings(widthPx = 576, cut = true)) }
        assertTrue(file.length() > 1000)
        printer.close()
        file.delete()
    }

    @Test
    fun moneyAndQuantitiesAreExact() {
        assertEquals("1\u202F750,50", Tenge.format(175_050))
        assertEquals("-0,05", Tenge.format(-5))
        assertEquals(175_050L, Tenge.parse("1 750,5"))
        assertNull(Tenge.parse("1.234"))
        assertNull(Tenge.parse("abc"))
        assertEquals("1.5", Quantity.format(1500))
        assertEquals("-0.5", Quantity.format(-500))
        assertEquals("-1.25", Quantity.format(-1250))
        assertEquals("-2", Quantity.format(-2000))
        assertEquals("-9223372036854775.808", Quantity.format(Long.MIN_VALUE))
        assertEquals(2500L, Quantity.parse("2,5"))
        assertNull(Quantity.parse("0.0001"))
    }
}
