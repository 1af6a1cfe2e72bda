package kz.kkm.app.logic

import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

class CloserTest {
    @Test
    fun closingDoesNotWaitForASlowResource() {
        val release = CountDownLatch(1)
        val order = java.util.Collections.synchronizedList(mutableListOf<String>())
        val slow = AutoCloseable { release.await(10, TimeUnit.SECONDS); order.add("kkm") }
        val fast = AutoCloseable { order.add("cashier") }
        val job = Closer().close(fast, null, slow)
        // The caller (the main thread in the app) is back while the register still closes.
        assertFalse(job.isCompleted)
        release.countDown()
        runBlocking { job.join() }
        assertEquals(listOf("cashier", "kkm"), order)
    }

    @Test
    fun aFailingResourceDoesNotKeepTheNextOpen() {
        val errors = mutableListOf<Throwable>()
        var closed = false
        val job = Closer(onError = { synchronized(errors) { errors.add(it) } }).close(
            AutoCloseable { throw IllegalStateException("printer gone") },
            AutoCloseable { closed = true },
        )
        runBlocking { job.join() }
        assertTrue(closed)
        assertEquals("printer gone", errors.single().message)
    }
}
