package kz.kkm.sdk

import java.io.File
import java.nio.file.Files
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.runBlocking
import kz.kkm.core.Basket
import kz.kkm.core.BasketItem
import kz.kkm.core.BasketPayment
import kz.kkm.testkit.EmulatedKkm
import kz.kkm.core.KkmSetup
import kz.kkm.testkit.OfdEmulator
import kz.kkm.core.OfdServer
import kz.kkm.core.PaymentKind
import kz.kkm.core.SyncMode
import kz.kkm.core.SyncState

/**
 * A real register (SQLite journal in a temporary folder, fsync on) talking over loopback
 * to the in-process OFD emulator, with KKM [kkmId] registered. The OFD budget is 700 ms
 * (the seed's 5 s would make the autonomous scenario slow); emulator delays of 1.5 s
 * keep the protocol's shape (delay > budget).
 */
class Rig(val kkmId: Long = 6923, val token: Long = 12345, budgetMs: Long = 700) : AutoCloseable {
    val emulator: OfdEmulator = OfdEmulator.start(listOf(EmulatedKkm(kkmId, token)))
    val dir: File = Files.createTempDirectory("kkm-jvm-test").toFile()
    val kkm: Kkm = runBlocking {
        Kkm.open(
            Kkm.config(
                dataDir = dir,
                ofds = listOf(
                    OfdServer(
                        uid = "4C49A0CB1DD4413387F6E6199CBB1B2A", name = "Казахтелеком",
                        host = emulator.host(), port = emulator.port(), tls = false,
                        checkUrl = "http://consumer.oofd.kz",
                    ),
                ),
                dataKey = ByteArray(32) { 7 },
                ofdBudgetMs = budgetMs,
                retryInitialMs = 50,
                retryMaxMs = 200,
            ),
        )
    }

    init {
        runBlocking { kkm.registerKkm(ADMIN_PIN, KkmSetup(kkmId, token, "Касса $kkmId", null, null)) }
    }

    /** Logged in as the default administrator. */
    fun admin(): Cashier = runBlocking { kkm.login(ADMIN_PIN, kkmId) }

    /** Waits until the KKM is online with an empty queue. */
    fun awaitDrained(seconds: Long = 20): SyncState {
        val done = CountDownLatch(1)
        var last: SyncState? = null
        val sub = kkm.onSyncState(kkmId) { s ->
            last = s
            if (s.mode is SyncMode.Online && s.queueLen == 0L) done.countDown()
        }
        try {
            check(done.await(seconds, TimeUnit.SECONDS)) { "the queue did not drain: $last" }
        } finally {
            sub.close()
        }
        return last!!
    }

    override fun close() {
        try {
            kkm.close()
        } finally {
            emulator.stop()
            emulator.close()
            dir.deleteRecursively()
        }
    }

    companion object {
        const val ADMIN_PIN = "0000"

        fun item(name: String, priceTiyn: Long, quantityMilli: Long = 1000, mark: String? = null) = BasketItem(
            name = name, section = "1", priceTiyn = priceTiyn, quantityMilli = quantityMilli,
            unitCode = "796", barcode = null, exciseMark = mark, discountTiyn = 0, vatMilliPercent = null,
        )

        fun basket(vararg items: BasketItem, cashTiyn: Long? = null, cardTiyn: Long? = null) = Basket(
            items = items.toList(),
            payments = listOfNotNull(
                cardTiyn?.let { BasketPayment(PaymentKind.CARD, it) },
                cashTiyn?.let { BasketPayment(PaymentKind.CASH, it) },
            ),
            discountTiyn = 0,
            customerIinBin = null,
        )
    }
}
