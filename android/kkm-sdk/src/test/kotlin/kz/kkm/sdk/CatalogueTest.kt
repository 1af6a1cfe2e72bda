package kz.kkm.sdk

import kotlinx.coroutines.runBlocking
import kz.kkm.core.Basket
import kz.kkm.core.BasketPayment
import kz.kkm.core.CatalogueMatch
import kz.kkm.core.OperatorRole
import kz.kkm.core.OperatorSetup
import kz.kkm.core.PaymentKind
import kz.kkm.core.ScanContent
import kz.kkm.core.catalogueItem
import kz.kkm.testkit.synthDatamatrixFrame
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test

/** The catalogue from Kotlin: CSV import, a scanned mark found by its GTIN and sold. */
class CatalogueTest {
    private suspend fun code(block: suspend () -> Unit): Int? =
        try { block(); null } catch (e: KkmException) { e.code }

    @Test
    fun aScannedMarkIsFoundInTheCatalogueAndSold() = Rig().use { rig ->
        runBlocking {
            val frame = synthDatamatrixFrame(5, 0)
            val mark = KkmScanner.decode(frame.yPlane, frame.width, frame.height, frame.rowStride)!!
                .content as ScanContent.Mark
            val csv = "Код,Код группы,Баркод,Наименование,Цена,Скидка,НДС\n" +
                "1,1,4870000000014,Нан,150.00,0.00,12\n" +
                "2,2,${mark.gtin},Сигареты,1200.00,0.00,12\n"
            assertEquals(2L, rig.kkm.importCatalogue(Rig.ADMIN_PIN, rig.kkmId, csv.toByteArray()))
            // A bad cell: code 2, and the catalogue is what it was.
            assertEquals(2, code { rig.kkm.importCatalogue(Rig.ADMIN_PIN, rig.kkmId, "3,1,1,X,abc,0,12\n".toByteArray()) })

            rig.kkm.saveOperator(Rig.ADMIN_PIN, OperatorSetup(null, "Айгүл", "1111", OperatorRole.CASHIER, listOf(rig.kkmId)))
            rig.kkm.login("1111", rig.kkmId).use { cashier ->
                assertEquals(listOf("Нан", "Сигареты"), cashier.products().map { it.name })
                val found = cashier.lookup(mark.gtin) as CatalogueMatch.Product
                assertEquals(120_000L, found.product.priceTiyn)
                assertNull(cashier.lookup("2000000000008"))
                assertEquals(2, code { cashier.lookup("12ab") })
                // A cashier reads the catalogue but does not change it.
                assertTrue(code { rig.kkm.importCatalogue("1111", rig.kkmId, csv.toByteArray()) } != null)

                val line = catalogueItem(found.product, 1000).copy(exciseMark = mark.exciseStamp)
                val bread = catalogueItem((cashier.lookup("4870000000014") as CatalogueMatch.Product).product, 2000)
                assertEquals(30_000L, bread.priceTiyn * bread.quantityMilli / 1000)
                val receipt = cashier.sell(
                    Basket(listOf(line, bread), listOf(BasketPayment(PaymentKind.CASH, 150_000)), 0, null),
                )
                assertFalse(receipt.offline)
                assertEquals(150_000L, receipt.totalTiyn)
                assertEquals(0L, receipt.changeTiyn)
            }

            val edited = (rig.admin().use { it.lookup("4870000000014") } as CatalogueMatch.Product)
                .product.copy(priceTiyn = 16_000)
            rig.kkm.saveProduct(Rig.ADMIN_PIN, rig.kkmId, edited)
            val exported = String(rig.kkm.exportCatalogue(Rig.ADMIN_PIN, rig.kkmId))
            assertTrue(exported, exported.contains("160.00"))
            assertTrue(rig.kkm.deleteProduct(Rig.ADMIN_PIN, rig.kkmId, 1))
            assertFalse(rig.kkm.deleteProduct(Rig.ADMIN_PIN, rig.kkmId, 1))
            if (exported.isEmpty()) fail("empty export")
        }
    }
}
