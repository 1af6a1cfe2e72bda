package kz.kkm.sdk

import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import kz.kkm.core.Basket
import kz.kkm.core.OfdServer
import kz.kkm.core.basketTotals
import kz.kkm.core.decodeFrame
import kz.kkm.sdk.Rig.Companion.basket
import kz.kkm.sdk.Rig.Companion.item
import org.junit.AfterClass
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.BeforeClass
import org.junit.Test

/** Every failure reaches Kotlin as a typed exception carrying the seed's code. */
class ErrorMappingTest {
    companion object {
        private lateinit var rig: Rig

        @BeforeClass @JvmStatic fun start() { rig = Rig(kkmId = 7001, token = 1) }
        @AfterClass @JvmStatic fun stop() { rig.close() }
    }

    private inline fun <reified E : KkmException> expect(code: Int, block: () -> Unit): E {
        try {
            block()
        } catch (e: KkmException) {
            assertTrue("expected ${E::class.simpleName}, got $e", e is E)
            assertEquals(e.toString(), code, e.code)
            return e as E
        }
        fail("expected code $code")
        throw AssertionError()
    }

    @Test
    fun aWrongPinIsCode5() {
        val e = expect<KkmException.Rejected>(5) { runBlocking { rig.kkm.login("9999", rig.kkmId) } }
        assertTrue(e.isWrongPin)
        assertEquals("invalid_access_code", e.codeName)
        val result = runBlocking { kkmResult { rig.kkm.login("9999", rig.kkmId) } }
        assertEquals(5, (result as KkmResult.Failure).error.code)
    }

    @Test
    fun badBasketsGetTheirCodes() = runBlocking {
        val cashier = rig.admin()
        expect<KkmException.Rejected>(47) { runBlocking { cashier.sell(basket(item("Нан", 100_00, -1000), cashTiyn = 100_00)) } }
        expect<KkmException.Rejected>(45) { runBlocking { cashier.sell(Basket(emptyList(), emptyList(), 0, null)) } }
        expect<KkmException.Rejected>(55) { runBlocking { cashier.sell(basket(item("Нан", 100_00), cardTiyn = 200_00)) } }
        expect<KkmException.Rejected>(57) { runBlocking { cashier.sell(basket(item("Нан", 100_00), cashTiyn = 50_00)) } }
        expect<KkmException.Rejected>(58) { runBlocking { cashier.withdraw(1_000_000_00) } }
        // The same rules before the sale, on the basket screen.
        expect<KkmException.Rejected>(47) { kkmCall { basketTotals(basket(item("Нан", 100_00, -1000))) } }
        cashier.close()
    }

    @Test
    fun badArgumentsFramesAndPrinters() {
        expect<KkmException.InvalidInput>(2) {
            runBlocking {
                Kkm.open(Kkm.config(Files.createTempDirectory("kkm-bad-key").toFile(), emptyList<OfdServer>(), dataKey = ByteArray(5)))
            }
        }
        expect<KkmException.UnreadableFrame>(2) { kkmCall { decodeFrame(ByteArray(10), 640, 480, 640) } }
        expect<KkmException.UnreadableFrame>(2) { kkmCall { decodeFrame(ByteArray(10), -1, 480, 640) } }
        expect<KkmException.InvalidInput>(2) { KkmPrinters.open("lpt:1") }
        // This machine has no Bluetooth: a typed error (or a list), never a crash.
        when (val r = runBlocking { kkmResult { KkmPrinters.scanBle(1) } }) {
            is KkmResult.Success -> println("BLE scan found ${r.value.size} device(s)")
            is KkmResult.Failure -> {
                assertTrue(r.error.toString(), r.error is KkmException.NoBleAdapter || r.error is KkmException.PrinterFailed)
                assertEquals(29, r.error.code)
                println("BLE scan: ${r.error.reason}")
            }
        }
    }

    @Test
    fun aShutDownRegisterAnswersClosed() {
        val other = Rig(kkmId = 7002, token = 2)
        val cashier = other.admin()
        runBlocking { other.kkm.shutdown() }
        expect<KkmException.Closed>(70) { runBlocking { cashier.xReport() } }
        cashier.close()
        other.close()
    }
}
