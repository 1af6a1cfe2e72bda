package kz.kkm.app.logic

import kz.kkm.core.Basket
import kz.kkm.core.BasketPayment
import kz.kkm.core.BundleLine
import kz.kkm.core.CatalogueMatch
import kz.kkm.core.OriginalReceipt
import kz.kkm.core.PaymentKind
import kz.kkm.core.Product
import kz.kkm.core.ReceiptKind
import kz.kkm.core.ScanContent
import kz.kkm.core.ScanResult
import kz.kkm.core.SyncMode
import kz.kkm.core.SyncState
import kz.kkm.core.Symbology
import kz.kkm.testkit.synthDatamatrixFrame
import kz.kkm.sdk.KkmException
import kz.kkm.sdk.KkmScanner
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** The app's plain-Kotlin logic against the real native core. */
class BasketModelTest {
    private val mark = ScanContent.Mark(
        exciseStamp = "0104870204390513215ZxKq9aBcDeFg\u001d93EE10",
        gtin = "04870204390513",
        serial = "5ZxKq9aBcDeFg",
    )

    @Test
    fun quickSaleMergesLinesAndTotalsComeFromTheCore() {
        BasketModel().use { b ->
            b.addProduct("Нан", 150_50)
            b.addProduct("Нан", 150_50)
            b.addProduct("Сүт", 420_00, quantityMilli = 1500, unitCode = "166")
            assertEquals(2, b.lines.size)
            assertEquals(2000L, b.lines[0].item.quantityMilli)
            b.setDiscount(b.lines[1].id, 30_00)
            b.receiptDiscountTiyn = 1_00
            val t = b.totals()
            assertEquals(301_00L + 630_00L, t.subtotalTiyn)
            assertEquals(301_00L + 630_00L - 30_00 - 1_00, t.totalTiyn)
            assertEquals(t.totalTiyn, t.dueTiyn)
            assertEquals(t.totalTiyn, t.lineTotalsTiyn.sum())
            val key = b.idempotencyKey
            b.clear()
            assertTrue(b.isEmpty)
            assertNotEquals(key, b.idempotencyKey)
        }
    }

    @Test
    fun aMarkedPackEntersOnce() {
        BasketModel().use { b ->
            b.addMarked(mark, "Сигареты", 1_200_00)
            assertTrue(b.hasMark(mark.exciseStamp))
            val e = try { b.addMarked(mark, "Сигареты", 1_200_00); null } catch (e: KkmException) { e }
            assertEquals(2, e?.code)
            assertEquals(1, b.lines.size)
            assertEquals(mark.gtin, b.lines[0].item.barcode)
            b.remove(b.lines[0].id)
            assertFalse(b.hasMark(mark.exciseStamp))
            b.addMarked(mark, "Сигареты", 1_200_00) // scanned again after removal: fine
        }
    }

    @Test
    fun aBadLineIsRefusedWithTheSaleCode() {
        BasketModel().use { b ->
            b.addProduct("Нан", 100_00)
            // Refused at once with the sale's code, as on the console till; nothing changes.
            val e = try { b.setDiscount(b.lines[0].id, 200_00); null } catch (e: KkmException) { e }
            assertEquals(59, e?.code) // discount_sum_must_be_less_than_total
            assertEquals(0L, b.lines[0].item.discountTiyn)
            assertEquals(100_00L, b.totals().totalTiyn)
        }
    }

    @Test
    fun paymentsCashCardMixedAndChange() {
        BasketModel().use { b ->
            b.addProduct("Нан", 150_00, quantityMilli = 3000) // 450.00
            val cash = summarize(b, PaymentChoice.Cash(500_00))
            assertTrue(cash.canPay)
            assertEquals(50_00L, cash.changeTiyn)
            val short = summarize(b, PaymentChoice.Cash(400_00))
            assertFalse(short.canPay)
            assertEquals(50_00L, short.dueTiyn)
            val card = summarize(b, PaymentChoice.Card)
            assertEquals(listOf(BasketPayment(PaymentKind.CARD, 450_00)), card.payments)
            assertEquals(0L, card.changeTiyn)
            val mixed = summarize(b, PaymentChoice.Mixed(cardTiyn = 300_00, cashGivenTiyn = 200_00))
            assertTrue(mixed.canPay)
            assertEquals(50_00L, mixed.changeTiyn)
        }
    }

    @Test
    fun scansBecomeActionsAndRepeatsAreDropped() {
        var now = 0L
        val router = ScanRouter(repeatWindowMs = 1000, now = { now })
        val frame = synthDatamatrixFrame(3, 0)
        val scanned = KkmScanner.decode(frame.yPlane, frame.width, frame.height, frame.rowStride)!!
        val action = router.route(scanned) as ScanAction.AddMarked
        assertEquals(frame.text, action.mark.exciseStamp)
        now = 200
        assertNull("the same code in the next frame", router.route(scanned))
        now = 5000
        assertTrue(router.route(scanned) is ScanAction.AddMarked)
        val qr = ScanResult(
            Symbology.QR_CODE, "http://consumer.oofd.kz/?i=1&f=2&s=3,00&t=20250101T000000",
            ScanContent.Receipt("1", "2", 300, "20250101T000000", "http://consumer.oofd.kz/"),
        )
        assertEquals(ScanAction.StartReturn("1", 300), router.route(qr))
        assertTrue(router.route(scanned.copy(text = "x"), returnsOnly = true) is ScanAction.Rescan)
    }

    @Test
    fun theOfflineBannerAndThePinPad() {
        assertNull(SyncBanner.of(SyncState(SyncMode.Online, 0)))
        val offline = SyncBanner.of(SyncState(SyncMode.Autonomous(0, 72 * 3600), 3), hoursLeft = 62)!!
        assertEquals(SyncBanner.Level.WARNING, offline.level)
        assertTrue(offline.text, offline.text.contains("в очереди: 3") && offline.text.contains("62 ч"))
        val blocked = SyncBanner.of(SyncState(SyncMode.Blocked(5, 3, "токен"), 1))!!
        assertEquals(SyncBanner.Level.ERROR, blocked.level)

        val pad = PinPad(maxLength = 4)
        "12a345".forEach(pad::press)
        assertEquals("1234", pad.pin)
        assertEquals("••••", pad.masked)
        pad.backspace()
        assertFalse(pad.canSubmit)
    }
    @Test
    fun catalogueHitsBecomeLinesWithTheirPriceVatAndDiscount() {
        val milk = Product(2, "1", "4600000000016", "Сүт", 420_50, 5000, 0, 12000, false)
        val bread = Product(1, "1", "4870000000014", "Нан", 150_00, 0, 0, 0, false)
        val cigarettes = Product(3, "2", mark.gtin, "Сигареты", 1_200_00, 0, 0, 12000, false)
        BasketModel().use { b ->
            b.addFromCatalogue(CatalogueMatch.Product(milk))
            b.addFromCatalogue(CatalogueMatch.Product(milk))
            assertEquals(1, b.lines.size)
            val line = b.lines[0].item
            assertEquals(2000L, line.quantityMilli)
            assertEquals(12000, line.vatMilliPercent)
            // 2 × 420.50 = 841.00; 5 % = 42.05.
            assertEquals(42_05L, line.discountTiyn)
            assertEquals("4600000000016", line.barcode)

            b.addFromCatalogue(CatalogueMatch.Bundle(10, "Завтрак", "2900000000019",
                listOf(BundleLine(bread, 2000), BundleLine(milk, 1000))))
            assertEquals(2, b.lines.size)
            assertEquals(3000L, b.lines[0].item.quantityMilli)
            assertNull(b.lines[1].item.vatMilliPercent)

            b.addFromCatalogue(CatalogueMatch.Product(cigarettes), mark)
            assertEquals(mark.exciseStamp, b.lines[2].item.exciseMark)
            val again = try { b.addFromCatalogue(CatalogueMatch.Product(cigarettes), mark); null } catch (e: KkmException) { e }
            assertEquals(2, again?.code)
            val t = b.totals()
            assertEquals(3 * 420_50L + 2 * 150_00L + 1_200_00L, t.subtotalTiyn)
            assertEquals(t.subtotalTiyn - 63_08L, t.totalTiyn)
        }
    }
}
