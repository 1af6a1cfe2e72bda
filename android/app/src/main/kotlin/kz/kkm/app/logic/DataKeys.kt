package kz.kkm.app.logic

import java.security.SecureRandom
import javax.crypto.AEADBadTagException

/**
 * The Keystore's side of the data key: a non-exportable AES key that seals it. On Android
 * `DataKey` implements it with the AndroidKeyStore; the JVM tests with a key in memory.
 */
interface KeyVault {
    /** The sealing key exists on this device. */
    fun exists(): Boolean

    /** Creates the sealing key (first start). */
    fun create()

    /** Seals [key]: IV and ciphertext in one blob. */
    fun wrap(key: ByteArray): ByteArray

    /** Opens [blob]; `AEADBadTagException` when another key sealed it. */
    fun unwrap(blob: ByteArray): ByteArray
}

/** Where the sealed data key is kept (the app's private preferences). */
interface WrappedKeyStore {
    /** The sealed key, or `null` before the first start. */
    fun read(): ByteArray?

    /** Saves it durably (`commit()`, not `apply()`); `false` when it could not be saved. */
    fun write(blob: ByteArray): Boolean
}

/** Why the register's data key cannot be had: each has its own screen ([Recovery]). */
sealed class DataKeyProblem(message: String, cause: Throwable? = null) : Exception(message, cause) {
    /**
     * The data is here but the key that sealed it is not: the app's files came from
     * another device (a device-to-device transfer, a restore) or the Keystore was reset.
     * This device cannot open that journal.
     */
    class KeyLost : DataKeyProblem(
        "Данные кассы перенесены с другого устройства или ключ хранилища Android сброшен: " +
            "этот журнал здесь не открыть.",
    )

    /** The Keystore refused (locked, busy, broken): trying again may work. */
    class Unavailable(cause: Throwable) : DataKeyProblem(
        "Хранилище ключей Android недоступно: ${cause.message ?: cause::class.java.simpleName}",
        cause,
    )

    /** A new key could not be saved: nothing was sealed with it. */
    class NotSaved : DataKeyProblem("Ключ данных не удалось сохранить: освободите память и попробуйте снова.")
}

/** The data key's rules, apart from the Keystore and the preferences that hold it. */
object DataKeys {
    /** Bytes of the register's data key. */
    const val KEY_LEN = 32

    /**
     * The data key: unsealed from [store] with [vault]'s key, or made on first start. A
     * journal already on disk ([journalExists]) without its sealed key, or a sealed key
     * without the vault's key, is [DataKeyProblem.KeyLost] — never a fresh key that would
     * leave the journal unreadable.
     */
    fun load(
        vault: KeyVault,
        store: WrappedKeyStore,
        journalExists: Boolean,
        random: SecureRandom = SecureRandom(),
    ): ByteArray {
        val stored = keystore { store.read() }
        val sealing = keystore { vault.exists() }
        if (stored != null) {
            if (!sealing) throw DataKeyProblem.KeyLost()
            val key = try {
                vault.unwrap(stored)
            } catch (e: AEADBadTagException) {
                throw DataKeyProblem.KeyLost()
            } catch (e: Exception) {
                throw DataKeyProblem.Unavailable(e)
            }
            if (key.size != KEY_LEN) throw DataKeyProblem.KeyLost()
            return key
        }
        if (journalExists) throw DataKeyProblem.KeyLost()
        val key = ByteArray(KEY_LEN).also { random.nextBytes(it) }
        val blob = keystore {
            if (!sealing) vault.create()
            vault.wrap(key)
        }
        if (!keystore { store.write(blob) }) throw DataKeyProblem.NotSaved()
        return key
    }

    private inline fun <T> keystore(block: () -> T): T = try {
        block()
    } catch (e: DataKeyProblem) {
        throw e
    } catch (e: Exception) {
        throw DataKeyProblem.Unavailable(e)
    }
}
