@file:Suppress("unused", "UNUSED_PARAMETER")

package android.security.keystore

import kz.kkm.signatures.stub

object KeyProperties {
    const val KEY_ALGORITHM_AES: String = "AES"
    const val PURPOSE_ENCRYPT: Int = 1
    const val PURPOSE_DECRYPT: Int = 2
    const val BLOCK_MODE_GCM: String = "GCM"
    const val ENCRYPTION_PADDING_NONE: String = "NoPadding"
}

class KeyGenParameterSpec private constructor() : java.security.spec.AlgorithmParameterSpec {
    class Builder(keystoreAlias: String, purposes: Int) {
        fun setBlockModes(vararg blockModes: String): Builder = stub()
        fun setEncryptionPaddings(vararg paddings: String): Builder = stub()
        fun setKeySize(keySize: Int): Builder = stub()
        fun setUserAuthenticationRequired(required: Boolean): Builder = stub()
        fun build(): KeyGenParameterSpec = stub()
    }
}

open class KeyPermanentlyInvalidatedException : java.security.InvalidKeyException()
