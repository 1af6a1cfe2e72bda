package kz.kkm.app.logic

import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kz.kkm.core.PaymentKind
import kz.kkm.core.Product
import kz.kkm.core.ScanContent
import kz.kkm.sdk.KkmPrinters
import kz.kkm.sdk.KkmScanner
import kz.kkm.sdk.Rig
import kz.kkm.testkit.synthDatamatrixFrame
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** The till's view model against the real core (a register, the OFD emulator). */
class TillModelTest {
    private val scope = CoroutineScope(Dispatchers.Unconfined)

    private fun product(code: Long, barcode: String, name: String, priceTiyn: Long, discount: Int = 0, markup: Int = 0, editable: Boolean = false) =
        Product(
            code = code, groupCode = "2", barcode = barcode, name = name, priceTiyn = priceTiyn,
            discountMilliPercent = discount, markupMilliPercent = markup, vatMilliPercent = 12_000,
            editablePrice = editable,
        )

    private fun Rig.stock() = runBlocking {
        kkm.saveProduct(Rig.ADMIN_PIN, kkmId, product(1, "4870000000012", "Нан", 150_00, discount = 10_000))
        kkm.saveProduct(Rig.ADMIN_PIN, kkmId, product(2, "4870000000029", "Сыр", 2_000_00, editable = true))
        kkm.saveProduct(Rig.ADMIN_PIN, kkmId, product(3, "4870000000036", "Торт", 1_000_00, markup = 5_000))
    }

    @Test
    fun scannedTypedAndFreeItemsAreEditedAndPaidInCashWithChange(): Unit = Rig().use { rig ->
        rig.stock()
        val slip = File.createTempFile("kkm-till", ".bin")
        val printer = KkmPrinters.open("file:${slip.absolutePath}")
        rig.admin().use { cashier ->
            var clock = 1_000L
            TillModel(cashier, scope, printer = { printer }, now = { clock }).use { till ->
                runBlocking {
                    // A barcode typed in: the catalogue's product with its 10 % discount.
                    till.typed("4870000000012")?.join()
                    var s = till.state.value
                    assertEquals(1, s.lines.size)
                    assertEquals(15_00L, s.lines[0].item.discountTiyn)
                    assertEquals(135_00L, s.lines[0].totalTiyn)
                    assertFalse(s.lines[0].editablePrice)
                    // Three loaves: the core prices the line again (discount on 3).
                    till.setQuantity(s.lines[0].id, 3000)
                    s = till.state.value
                    assertEquals(45_00L, s.lines[0].item.discountTiyn)
                    // Its price is not editable: code 2, the line unchanged.
                    till.setPrice(s.lines[0].id, 100_00)
                    assertEquals(2, till.status.value.code)
                    assertEquals(150_00L, till.state.value.lines[0].item.priceTiyn)

                    // A keyboard-mode scanner: a burst ended by Enter.
                    "4870000000029\r".forEach { c ->
                        clock += 5
                        till.key(c)?.join()
                    }
                    s = till.state.value
                    assertEquals(listOf("Нан", "Сыр"), s.lines.map { it.item.name })
                    // Its price may change at the till.
                    assertTrue(s.lines[1].editablePrice)
                    till.setPrice(s.lines[1].id, 1_800_00)
                    assertEquals(1_800_00L, till.state.value.lines[1].item.priceTiyn)

                    // A markup from the catalogue, and a free item in one tap.
                    till.typed("4870000000036")?.join()
                    assertEquals(50_00L, till.state.value.lines[2].item.markupTiyn)
                    till.addFree(99_00)
                    s = till.state.value
                    assertEquals("Товар", s.lines[3].item.name)
                    // A line discount replaces its markup; a receipt discount.
                    till.setLineDiscount(s.lines[2].id, 10_00)
                    assertEquals(0L, till.state.value.lines[2].item.markupTiyn)
                    // A receipt discount as a percent: 10 % of the lines' 3 294,00 after
                    // their own modifiers, computed by the core.
                    till.setReceiptDiscountPercent(10_000)
                    assertEquals(329_40L, till.state.value.receiptDiscountTiyn)
                    assertEquals(3_294_00L - 329_40, till.state.value.totals!!.totalTiyn)
                    till.setReceiptDiscount(4_00)
                    s = till.state.value
                    val total = (450_00L - 45_00) + 1_800_00 + (1_000_00 - 10_00) + 99_00 - 4_00
                    assertEquals(total, s.totals!!.totalTiyn)

                    // An unknown barcode asks for name and price.
                    till.typed("4600000000008")?.join()
                    assertEquals("4600000000008", till.state.value.pendingBarcode)
                    till.completeBarcode("Спички", 10_00)
                    assertNull(till.state.value.pendingBarcode)
                    assertEquals(total + 10_00, till.state.value.totals!!.totalTiyn)

                    // Cash: the change comes from the core.
                    till.choosePayment(PaymentChoice.Cash(5_000_00))
                    val summary = till.state.value.summary!!
                    assertTrue(summary.canPay)
                    assertEquals(5_000_00L - (total + 10_00), summary.changeTiyn)
                    val key = till.idempotencyKey
                    till.pay().join()
                    assertNull(till.status.value.message)
                    val receipt = till.state.value.lastReceipt!!
                    assertEquals(total + 10_00, receipt.totalTiyn)
                    assertEquals(summary.changeTiyn, receipt.changeTiyn)
                    assertTrue(till.state.value.lines.isEmpty())
                    assertTrue(key != till.idempotencyKey)
                    assertTrue("the receipt was printed", slip.length() > 0)
                }
            }
        }
        printer.close()
        slip.delete()
    }

    @Test
    fun mixedAndMobilePaymentsAReceiptMarkupAMarkOnceAndAReceiptQr(): Unit = Rig().use { rig ->
        rig.stock()
        rig.admin().use { cashier ->
            var clock = 1_000L
            TillModel(cashier, scope, now = { clock }).use { till ->
                runBlocking {
                    till.addFree(1_000_00, "Услуга")
                    till.setReceiptMarkup(50_00)
                    assertEquals(1_050_00L, till.state.value.totals!!.totalTiyn)
                    // Mixed: part by card, the rest in cash with change.
                    till.choosePayment(PaymentChoice.Mixed(cardTiyn = 500_00, cashGivenTiyn = 600_00))
                    assertEquals(50_00L, till.state.value.summary!!.changeTiyn)
                    till.pay().join()
                    val mixed = till.state.value.lastReceipt!!
                    assertEquals(1_050_00L, mixed.totalTiyn)

                    // Mobile payment.
                    till.addFree(200_00)
                    till.choosePayment(PaymentChoice.Mobile)
                    till.pay().join()
                    assertFalse(till.state.value.lastReceipt!!.offline)
                    val entries = cashier.journal()
                    assertTrue(entries.size >= 2)

                    // A marked pack not in the catalogue: asked once, refused twice.
                    val frame = synthDatamatrixFrame(3, 0)
                    val read = KkmScanner.decode(frame.yPlane, frame.width, frame.height, frame.rowStride)!!
                    till.scanned(read)?.join()
                    val mark = till.state.value.pendingMark
                    assertNotNull(mark)
                    till.completeMark("Сигареты", 1_200_00)
                    assertEquals((read.content as ScanContent.Mark).exciseStamp, till.state.value.lines.single().item.exciseMark)
                    // The same pack again (after the camera's repeat window): refused, code 2.
                    clock += 2_000
                    till.typed(read.text)?.join()
                    assertNotNull(till.state.value.pendingMark)
                    till.completeMark("Сигареты", 1_200_00)
                    assertEquals(2, till.status.value.code)
                    assertEquals(1, till.state.value.lines.size)

                    // A receipt QR: the till asks for the return of that receipt.
                    till.typed("http://consumer.oofd.kz/?i=${mixed.fiscalId}&f=010100134464&s=1050,00&t=20250314T153012")
                    assertEquals(mixed.fiscalId, till.state.value.returnOf)
                    till.clear()
                    assertTrue(till.state.value.lines.isEmpty())
                    assertEquals(PaymentKind.MOBILE, paymentsFor(PaymentChoice.Mobile, 1).single().kind)
                }
            }
        }
    }

    @Test
    fun aMarkedProductWaitsForItsCodeAndTheSaleIsRefusedUntilThen(): Unit = Rig().use { rig ->
        val frame = synthDatamatrixFrame(3, 0)
        val read = KkmScanner.decode(frame.yPlane, frame.width, frame.height, frame.rowStride)!!
        val mark = read.content as ScanContent.Mark
        runBlocking {
            rig.kkm.saveProduct(
                Rig.ADMIN_PIN, rig.kkmId,
                product(7, mark.gtin, "Сигареты", 1_200_00).copy(marked = true),
            )
        }
        rig.admin().use { cashier ->
            var clock = 1_000L
            TillModel(cashier, scope, now = { clock }).use { till ->
                runBlocking {
                    // Scanned twice by its barcode: two packs, each waiting for its code.
                    till.typed(mark.gtin)?.join()
                    clock += 2_000
                    till.typed(mark.gtin)?.join()
                    var s = till.state.value
                    assertEquals(2, s.lines.size)
                    assertTrue(s.lines.all { it.item.markRequired && it.item.exciseMark == null })
                    assertEquals(2, s.awaitingMarks)
                    // A pack is one piece.
                    till.setQuantity(s.lines[0].id, 2000)
                    assertEquals(1000L, till.state.value.lines[0].item.quantityMilli)

                    // The register refuses the sale (2) while a code is missing.
                    till.choosePayment(PaymentChoice.Card)
                    till.pay().join()
                    assertEquals(2, till.status.value.code)
                    assertNull(till.state.value.lastReceipt)

                    // The code goes onto the oldest waiting pack; the other pack goes.
                    till.scanned(read)?.join()
                    s = till.state.value
                    assertEquals(mark.exciseStamp, s.lines[0].item.exciseMark)
                    assertEquals(1, s.awaitingMarks)
                    till.remove(s.lines[1].id)
                    assertEquals(0, till.state.value.awaitingMarks)
                    till.pay().join()
                    assertNull(till.status.value.message)
                    assertEquals(1_200_00L, till.state.value.lastReceipt!!.totalTiyn)
                }
            }
        }
    }
}
