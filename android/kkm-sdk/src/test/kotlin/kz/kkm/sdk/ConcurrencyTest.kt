package kz.kkm.sdk

import java.util.Collections
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kz.kkm.core.Receipt
import kz.kkm.sdk.Rig.Companion.basket
import kz.kkm.sdk.Rig.Companion.item
import org.junit.AfterClass
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.BeforeClass
import org.junit.Test

/** Several threads (and coroutines) sell on one KKM at once: every receipt is made once. */
class ConcurrencyTest {
    companion object {
        private lateinit var rig: Rig

        @BeforeClass @JvmStatic fun start() { rig = Rig(kkmId = 7100, token = 100) }
        @AfterClass @JvmStatic fun stop() { rig.close() }
    }

    @Test
    fun threadsAndCoroutinesSellConcurrently() {
        val cashier = rig.admin()
        val salesBefore = runBlocking { cashier.xReport() }.sales.count
        val receipts = Collections.synchronizedList(mutableListOf<Receipt>())
        val errors = Collections.synchronizedList(mutableListOf<Throwable>())
        val pool = Executors.newFixedThreadPool(4)
        repeat(4) { t ->
            pool.execute {
                try {
                    repeat(5) { i -> receipts.add(cashier.core.sell(basket(item("Тауар $t-$i", 100_00L + i), cashTiyn = 200_00), null)) }
                } catch (e: Throwable) {
                    errors.add(e)
                }
            }
        }
        // Meanwhile, readers on other threads.
        val readers = (1..2).map {
            Thread {
                repeat(10) {
                    try {
                        cashier.syncState()
                        runBlocking { cashier.kkmInfo() }
                    } catch (e: Throwable) {
                        errors.add(e)
                    }
                }
            }.apply { start() }
        }
        pool.shutdown()
        assertTrue(pool.awaitTermination(120, TimeUnit.SECONDS))
        readers.forEach { it.join() }
        assertTrue(errors.toString(), errors.isEmpty())

        val more = runBlocking {
            (1..6).map { i -> async(Dispatchers.IO) { cashier.sell(basket(item("Корутина $i", 50_00), cardTiyn = 50_00)) } }.awaitAll()
        }
        receipts.addAll(more)
        assertEquals(26, receipts.size)
        assertEquals("every fiscal sign once", 26, receipts.map { it.fiscalId }.toSet().size)
        assertEquals("every document number once", 26, receipts.map { it.documentNumber }.toSet().size)
        val x = runBlocking { cashier.xReport() }
        assertEquals(salesBefore + 26, x.sales.count)
        assertEquals(0L, rig.emulator.duplicateTickets(rig.kkmId))
        cashier.close()
    }

    @Test
    fun aRetryWithTheSameKeyMakesNoSecondReceipt() = runBlocking {
        val cashier = rig.admin()
        val b = basket(item("Нан", 120_00), cashTiyn = 120_00)
        val first = cashier.sell(b, idempotencyKey = "basket-42")
        val retry = cashier.sell(b, idempotencyKey = "basket-42")
        assertEquals(first.fiscalId, retry.fiscalId)
        assertEquals(first.documentNumber, retry.documentNumber)
        cashier.close()
    }
}
