package kz.kkm.app.logic

import java.nio.file.Files
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kz.kkm.core.OfdServer
import kz.kkm.sdk.Kkm
import kz.kkm.testkit.EmulatedKkm
import kz.kkm.testkit.OfdEmulator
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** The app's session: first start, login, admin screens, the banner, closing off-thread. */
class SessionModelTest {
    private val scope = CoroutineScope(Dispatchers.Unconfined)

    @Test
    fun firstStartLoginAdminBannerAndClose() {
        val emulator = OfdEmulator.start(listOf(EmulatedKkm(6924, 777)))
        val dir = Files.createTempDirectory("kkm-session").toFile()
        val zones = mutableListOf<Long?>()
        val settings = MemorySessionSettings(utcOffsetSecs = 6 * 3600L)
        val session = SessionModel(scope, settings, open = { offset ->
            zones += offset
            Kkm.open(
                Kkm.config(
                    dir,
                    listOf(OfdServer("4C49A0CB1DD4413387F6E6199CBB1B2A", "Казахтелеком", emulator.host(), emulator.port(), false, "http://consumer.oofd.kz")),
                    dataKey = ByteArray(32) { 5 }, ofdBudgetMs = 700, retryInitialMs = 50, retryMaxMs = 200,
                    utcOffsetSecs = offset,
                ),
            )
        })
        try {
            runBlocking {
                session.start().join()
                assertEquals(listOf<Long?>(6 * 3600L), zones)
                assertEquals(Screen.SETUP, session.state.value.screen)
                session.setup(6924, 777, "0000").join()
                assertNull(session.status.value.message)
                assertEquals(6924L, settings.kkmOfdId)
                assertEquals(Screen.LOGIN, session.state.value.screen)

                session.login("9999").join()
                assertEquals(5, session.status.value.code)
                assertNull(session.state.value.cashier)
                // The default PIN logs in to the PIN screen only, until the operator sets one.
                session.login("0000").join()
                val models = session.state.value.cashier!!
                assertEquals(Screen.PIN, session.state.value.screen)
                assertTrue(session.state.value.pinChangeRequired)
                assertTrue(models.pin.required)
                session.go(Screen.SALE)
                assertEquals(Screen.PIN, session.state.value.screen)
                session.openAdmin("0000").join()
                assertNull(session.state.value.admin)
                assertEquals(DEFAULT_PIN_FIRST, session.status.value.message)
                models.pin.setNew("0000")
                models.pin.setConfirm("0000")
                models.pin.submit().join()
                assertEquals(11, models.pin.status.value.code)
                assertEquals(Screen.PIN, session.state.value.screen)
                models.pin.setNew("2468")
                models.pin.setConfirm("2468")
                models.pin.submit().join()
                assertNull(models.pin.status.value.message)
                assertEquals(Screen.SALE, session.state.value.screen)
                assertTrue(!session.state.value.pinChangeRequired && !models.pin.required)
                // Back: the journal to the shift, the shift to the sale; a sale with goods
                // in the basket is not left (the basket would be lost), an empty one is.
                session.go(Screen.JOURNAL)
                assertTrue(session.handlesBack())
                session.back()
                assertEquals(Screen.SHIFT, session.state.value.screen)
                session.back()
                assertEquals(Screen.SALE, session.state.value.screen)
                assertTrue(!session.handlesBack())
                models.till.addFree(50_00)
                assertTrue(session.handlesBack())
                session.back()
                assertEquals(Screen.SALE, session.state.value.screen)
                assertTrue(session.status.value.message!!.contains("В чеке есть товары"))
                assertNull(session.state.value.banner)

                // The OFD goes away: a sale goes autonomous, the banner shows the register's hours.
                emulator.refuseConnections()
                models.till.addFree(100_00)
                models.till.pay().join()
                assertTrue(models.till.state.value.lastReceipt!!.offline)
                val deadline = System.currentTimeMillis() + 10_000
                while (session.state.value.banner?.text?.contains(" ч") != true && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50)
                }
                val banner = session.state.value.banner!!.text
                assertTrue(banner, banner.contains("Автономный") && (banner.contains("72 ч") || banner.contains("71 ч")))
                // Read again on demand (the holder does each minute): the same register count.
                session.refreshBanner().join()
                assertTrue(session.state.value.banner!!.text.contains(" ч"))

                // The admin screens need an administrator's PIN.
                session.openAdmin("1234").join()
                assertNull(session.state.value.admin)
                session.openAdmin("0000").join()
                assertNull(session.state.value.admin)
                session.openAdmin("2468").join()
                assertNotNull(session.state.value.admin)
                assertEquals(Screen.OPERATORS, session.state.value.screen)
                session.back() // Back closes the admin screens
                assertNull(session.state.value.admin)
                assertEquals(Screen.SALE, session.state.value.screen)

                session.logout()
                assertNull(session.state.value.cashier)
                assertEquals(Screen.LOGIN, session.state.value.screen)

                // Closing returns at once; the register closes on the closer's thread.
                session.close(Closer()).join()
                assertNull(session.state.value.cashier)
            }
        } finally {
            emulator.stop()
            emulator.close()
            dir.deleteRecursively()
        }
    }
}
