package kz.kkm.sdk

import java.io.File
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import kz.kkm.core.Bundle
import kz.kkm.core.KkmInfo
import kz.kkm.core.KkmRegister
import kz.kkm.core.KkmSetup
import kz.kkm.core.OfdServer
import kz.kkm.core.OperatorInfo
import kz.kkm.core.OperatorSetup
import kz.kkm.core.Product
import kz.kkm.core.RegisterConfig
import kz.kkm.core.SyncListener
import kz.kkm.core.SyncState

/** Runs a blocking call of the bindings on [Dispatchers.IO], mapping its errors. */
internal suspend inline fun <T> io(crossinline block: () -> T): T =
    withContext(Dispatchers.IO) { kkmCall { block() } }

/**
 * The register: one installation (a data folder, its key, its OFDs) with its KKMs and
 * operators. Open one per process ([open]) and keep it; it is thread-safe.
 *
 * Every `suspend` function runs the native call on [Dispatchers.IO] and is main-safe.
 * Failures are [KkmException]s carrying the seed's code.
 *
 * ```
 * val kkm = Kkm.open(Kkm.config(File(filesDir, "kkm"), listOf(ofd), dataKey = keystoreKey))
 * kkm.registerKkm("0000", KkmSetup(kkmOfdId = 6923, ofdToken = 12345))
 * val cashier = kkm.login(pin = "1234", kkmOfdId = 6923)
 * val receipt = cashier.sell(basket)
 * ```
 */
class Kkm private constructor(
    /** The generated binding object, for what this API does not wrap. */
    val core: KkmRegister,
) : AutoCloseable {

    companion object {
        /** Opens (or creates) the register; a new one has an administrator with PIN 0000. */
        suspend fun open(config: RegisterConfig): Kkm = io { Kkm(KkmRegister.open(config)) }

        /**
         * A configuration: [dataDir] holds the journal; [dataKey] is the 32-byte data key
         * (on Android unwrap it with a Keystore key; `null` keeps a key file in [dataDir]).
         * [utcOffsetSecs] is the time zone documents are dated in, seconds ahead of UTC (the
         * settings' zone); `null`: Kazakhstan's UTC+5.
         */
        fun config(
            dataDir: File,
            ofds: List<OfdServer>,
            dataKey: ByteArray? = null,
            ofdBudgetMs: Long = 5_000,
            retryInitialMs: Long = 1_000,
            retryMaxMs: Long = 60_000,
            utcOffsetSecs: Long? = null,
        ): RegisterConfig = RegisterConfig(
            dataDir = dataDir.absolutePath,
            dataKey = dataKey,
            ofds = ofds,
            ofdBudgetMs = ofdBudgetMs,
            retryInitialMs = retryInitialMs,
            retryMaxMs = retryMaxMs,
            utcOffsetSecs = utcOffsetSecs,
        )
    }

    /** Registers a KKM with the OFD, or changes it. Administrators only. */
    suspend fun registerKkm(adminPin: String, setup: KkmSetup): KkmInfo =
        io { core.saveKkm(adminPin, setup) }

    /** The KKMs this operator may use. */
    suspend fun kkms(pin: String): List<KkmInfo> = io { core.kkms(pin) }

    /** Creates or changes an operator. Administrators only. */
    suspend fun saveOperator(adminPin: String, setup: OperatorSetup): OperatorInfo =
        io { core.saveOperator(adminPin, setup) }

    /** Every operator. Administrators only. */
    suspend fun operators(adminPin: String): List<OperatorInfo> = io { core.operators(adminPin) }

    /** Deletes an operator (never the last administrator). */
    suspend fun deleteOperator(adminPin: String, operatorId: Long) =
        io { core.deleteOperator(adminPin, operatorId) }

    /**
     * Replaces KKM [kkmOfdId]'s catalogue with an Alsep CSV (`Код, Код группы, Баркод,
     * Наименование, Цена, Скидка, НДС`); the number of products. All or nothing: a bad cell
     * is code 2 naming every bad line and column. Administrators only.
     */
    suspend fun importCatalogue(adminPin: String, kkmOfdId: Long, csv: ByteArray): Long =
        io { core.importCatalogueCsv(adminPin, kkmOfdId, csv) }

    /** KKM [kkmOfdId]'s catalogue as an Alsep CSV (UTF-8). Administrators only. */
    suspend fun exportCatalogue(adminPin: String, kkmOfdId: Long): ByteArray =
        io { core.exportCatalogueCsv(adminPin, kkmOfdId) }

    /** Adds or replaces a product (by code); a barcode another product has is code 2. */
    suspend fun saveProduct(adminPin: String, kkmOfdId: Long, product: Product) =
        io { core.saveProduct(adminPin, kkmOfdId, product) }

    /** Removes a product; `false` when there was none with this code. */
    suspend fun deleteProduct(adminPin: String, kkmOfdId: Long, code: Long): Boolean =
        io { core.deleteProduct(adminPin, kkmOfdId, code) }

    /**
     * Logs an operator in on a KKM. A wrong PIN is [KkmException.Rejected] with code 5; a
     * KKM the operator may not use, code 71.
     */
    suspend fun login(pin: String, kkmOfdId: Long): Cashier =
        io { Cashier(core.login(pin, kkmOfdId)) }

    /**
     * Changes KKM [kkmOfdId]'s OFD token (a new one from the OFD's cabinet) and/or its local
     * [name]; the rest stays. Administrators only. Asks the OFD.
     */
    suspend fun changeKkm(adminPin: String, kkmOfdId: Long, token: Long? = null, name: String? = null): KkmInfo =
        io { core.saveKkm(adminPin, KkmSetup(kkmOfdId, token, name, null, null)) }

    /** KKM [kkmOfdId]'s bundles (комплекты), by code. */
    suspend fun bundles(pin: String, kkmOfdId: Long): List<Bundle> = io { core.bundles(pin, kkmOfdId) }

    /** Adds or replaces a bundle; an item that is no product of the KKM is code 2. Administrators only. */
    suspend fun saveBundle(adminPin: String, kkmOfdId: Long, bundle: Bundle) =
        io { core.saveBundle(adminPin, kkmOfdId, bundle) }

    /**
     * The register's clock now: device calendar seconds (local time of the configured zone as
     * if it were UTC), the calendar receipts are dated in. Cheap: fine on the main thread.
     */
    fun deviceTimeSecs(): Long = kkmCall { core.deviceTimeSecs() }

    /** The KKM's sync state now (cheap: fine on the main thread). */
    fun syncState(kkmOfdId: Long): SyncState = kkmCall { core.syncState(kkmOfdId) }

    /**
     * Calls [listener] with the KKM's sync state now and on every change (online /
     * autonomous, queue length, blocked reason) — on a background thread: post to the UI.
     * Close the returned handle to stop.
     */
    fun onSyncState(kkmOfdId: Long, listener: (SyncState) -> Unit): AutoCloseable {
        val subscription = kkmCall {
            core.subscribeSync(kkmOfdId, object : SyncListener {
                override fun onSyncState(kkmOfdId: Long, state: SyncState) = listener(state)
            })
        }
        return AutoCloseable {
            subscription.cancel()
            subscription.close()
        }
    }

    /** Retries the OFD now (e.g. connectivity came back) instead of after the backoff. */
    fun retrySyncNow(kkmOfdId: Long) = kkmCall { core.retrySyncNow(kkmOfdId) }

    /** An administrator lifts an OFD block; returns the documents delivered after. */
    suspend fun resolveBlock(adminPin: String, kkmOfdId: Long, dropDocument: Boolean): Long =
        io { core.resolveBlock(adminPin, kkmOfdId, dropDocument) }

    /** Stops the background sync and closes the journal; queued documents stay on disk. */
    suspend fun shutdown() = io { core.shutdown() }

    /** [shutdown] and free the native object. Blocking: not on the main thread. */
    override fun close() {
        try {
            kkmCall { core.shutdown() }
        } finally {
            core.close()
        }
    }
}
