package kz.kkm.app

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.util.Base64
import java.io.File
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import kz.kkm.app.logic.DataKeys
import kz.kkm.app.logic.KeyVault
import kz.kkm.app.logic.WrappedKeyStore

/**
 * The register's 32-byte data key (it encrypts the journal and the OFD token at rest),
 * sealed by a non-exportable AES key of the Android Keystore: the sealed form lives in
 * private preferences, the clear key only in memory while the register runs. The rules
 * (first start, a key lost with a device transfer) are [DataKeys]'s; this file is only
 * the Keystore and the preferences. Both are excluded from backups and device transfers
 * (res/xml/data_extraction_rules.xml): the Keystore key never leaves the device, so the
 * journal must not either.
 */
object DataKey {
    private const val ALIAS = "kkm-data-key-wrap"
    private const val PREFS = "kkm-data-key"

    /** The data key, created on first use; blocking (the Keystore): off the main thread. */
    fun load(context: Context, journal: File): ByteArray =
        DataKeys.load(AndroidVault, Prefs(context), journalExists = journal.exists() && (journal.list()?.isNotEmpty() == true))

    private object AndroidVault : KeyVault {
        private fun store(): KeyStore = KeyStore.getInstance("AndroidKeyStore").apply { load(null) }

        override fun exists(): Boolean = store().getKey(ALIAS, null) is SecretKey

        override fun create() {
            val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, "AndroidKeyStore")
            generator.init(
                KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                    .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                    .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                    .setKeySize(256)
                    .build(),
            )
            generator.generateKey()
        }

        private fun key(): SecretKey = store().getKey(ALIAS, null) as SecretKey

        override fun wrap(key: ByteArray): ByteArray {
            val cipher = Cipher.getInstance("AES/GCM/NoPadding")
            cipher.init(Cipher.ENCRYPT_MODE, key())
            return cipher.iv + cipher.doFinal(key)
        }

        override fun unwrap(blob: ByteArray): ByteArray {
            val cipher = Cipher.getInstance("AES/GCM/NoPadding")
            cipher.init(Cipher.DECRYPT_MODE, key(), GCMParameterSpec(128, blob, 0, 12))
            return cipher.doFinal(blob, 12, blob.size - 12)
        }
    }

    private class Prefs(context: Context) : WrappedKeyStore {
        private val prefs = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)

        override fun read(): ByteArray? = prefs.getString("wrapped", null)?.let { Base64.decode(it, Base64.NO_WRAP) }

        // commit(), not apply(): the key must be on disk before anything is sealed with it.
        override fun write(blob: ByteArray): Boolean =
            prefs.edit().putString("wrapped", Base64.encodeToString(blob, Base64.NO_WRAP)).commit()
    }

    /** Forgets the sealed key (the data it sealed was set aside: a fresh start). */
    fun forget(context: Context) {
        context.getSharedPreferences(PREFS, Context.MODE_PRIVATE).edit().remove("wrapped").commit()
    }
}
