package kz.kkm.app.logic

import java.nio.file.Files
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.runBlocking
import kz.kkm.core.OfdServer
import kz.kkm.sdk.Kkm
import kz.kkm.testkit.EmulatedKkm
import kz.kkm.testkit.OfdEmulator
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * What becomes of failures (issue 36): the data key's rules with a real AES-GCM vault in
 * memory, a model's unexpected exceptions, and the session's recovery screen and reopen.
 */
class RecoveryTest {
    private val scope = CoroutineScope(Dispatchers.Unconfined)

    /** A Keystore in memory: a real AES-256-GCM key, lost when [lose] is called. */
    private class MemoryVault : KeyVault {
        var key: SecretKey? = null
        var broken: Exception? = null
        override fun exists(): Boolean {
            broken?.let { throw it }
            return key != null
        }
        override fun create() {
            key = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
        }
        override fun wrap(key: ByteArray): ByteArray {
            val cipher = Cipher.getInstance("AES/GCM/NoPadding")
            cipher.init(Cipher.ENCRYPT_MODE, this.key)
            return cipher.iv + cipher.doFinal(key)
        }
        override fun unwrap(blob: ByteArray): ByteArray {
            val cipher = Cipher.getInstance("AES/GCM/NoPadding")
            cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(128, blob, 0, 12))
            return cipher.doFinal(blob, 12, blob.size - 12)
        }
    }

    private class MemoryStore(var blob: ByteArray? = null, var writable: Boolean = true) : WrappedKeyStore {
        override fun read(): ByteArray? = blob
        override fun write(blob: ByteArray): Boolean {
            if (writable) this.blob = blob
            return writable
        }
    }

    @Test
    fun theDataKeyIsMadeOnceAndALostOneIsNeverReplacedSilently() {
        val vault = MemoryVault()
        val store = MemoryStore()
        val first = DataKeys.load(vault, store, journalExists = false)
        assertEquals(32, first.size)
        assertNotNull(store.blob)
        assertArrayEquals(first, DataKeys.load(vault, store, journalExists = true))

        // A device transfer: the preferences and the journal came, the Keystore key did not.
        val transferred = MemoryVault()
        assertTrue(runCatching { DataKeys.load(transferred, MemoryStore(store.blob), true) }.exceptionOrNull() is DataKeyProblem.KeyLost)
        // The Keystore was reset and a new key made under the alias: the blob does not open.
        val reset = MemoryVault().apply { create() }
        assertTrue(runCatching { DataKeys.load(reset, MemoryStore(store.blob), true) }.exceptionOrNull() is DataKeyProblem.KeyLost)
        // A journal whose sealed key is gone: no fresh key that would leave it unreadable.
        assertTrue(runCatching { DataKeys.load(vault, MemoryStore(), journalExists = true) }.exceptionOrNull() is DataKeyProblem.KeyLost)
        // The Keystore refuses: try again later; nothing is written.
        val locked = MemoryVault().apply { broken = java.security.KeyStoreException("locked") }
        val problem = runCatching { DataKeys.load(locked, MemoryStore(), false) }.exceptionOrNull()
        assertTrue(problem is DataKeyProblem.Unavailable)
        assertTrue(problem!!.message!!.contains("locked"))
        // The sealed key cannot be saved: refused before anything is sealed with it.
        assertTrue(runCatching { DataKeys.load(MemoryVault(), MemoryStore(writable = false), false) }.exceptionOrNull() is DataKeyProblem.NotSaved)
    }

    private class Probe(scope: CoroutineScope) : UiModel<Int>(0, scope) {
        fun fail(e: Exception) = act { throw e }
        fun hang() = act { awaitCancellation() }
    }

    @Test
    fun anyFailureOfAnActionIsAMessageAndCancellationStillPropagates() = runBlocking {
        val probe = Probe(scope)
        probe.fail(IllegalStateException("the register is closed")).join()
        assertEquals("Сбой: the register is closed", probe.status.value.message)
        assertFalse(probe.status.value.busy)
        probe.fail(java.io.IOException()).join()
        assertEquals("Сбой: IOException", probe.status.value.message)
        val job = probe.hang()
        assertTrue(probe.status.value.busy)
        job.cancel(CancellationException("screen left"))
        job.join()
        assertTrue(job.isCancelled)
        assertFalse(probe.status.value.busy)
    }

    @Test
    fun aRegisterThatDoesNotOpenShowsTheRecoveryScreen() = runBlocking {
        val emulator = OfdEmulator.start(listOf(EmulatedKkm(6925, 555)))
        val dir = Files.createTempDirectory("kkm-recovery").toFile()
        val settings = MemorySessionSettings(kkmOfdId = 6925)
        var problem: Exception? = DataKeyProblem.KeyLost()
        var setAside = 0
        val session = SessionModel(
            scope,
            settings,
            open = { offset -> problem?.let { throw it } ?: open(dir, emulator, offset) },
            setAside = { setAside++ },
        )
        try {
            session.start().join()
            assertEquals(Screen.RECOVERY, session.state.value.screen)
            assertTrue(session.state.value.recovery!!.keyLost)
            session.go(Screen.SALE)
            assertEquals(Screen.RECOVERY, session.state.value.screen)
            session.login("0000").join()
            assertEquals(NOT_OPEN, session.status.value.message)

            // The Keystore is only busy: retrying is offered, setting the data aside is not.
            problem = DataKeyProblem.Unavailable(java.security.KeyStoreException("busy"))
            session.retry().join()
            assertFalse(session.state.value.recovery!!.keyLost)
            assertTrue(session.state.value.recovery!!.text.contains("busy"))
            session.startAfresh().join()
            assertEquals(0, setAside)
            assertNotNull(session.status.value.message)

            // A lost key: the data is set aside, the KKM forgotten, the setup screen next.
            problem = DataKeyProblem.KeyLost()
            session.retry().join()
            problem = null
            session.startAfresh().join()
            assertEquals(1, setAside)
            assertEquals(0L, settings.kkmOfdId)
            assertEquals(Screen.SETUP, session.state.value.screen)
            assertNull(session.state.value.recovery)
        } finally {
            session.close(Closer()).join()
            emulator.stop()
            emulator.close()
            dir.deleteRecursively()
        }
    }

    @Test
    fun aReopenThatFailsLeavesNoClosedRegisterBehind() = runBlocking {
        val emulator = OfdEmulator.start(listOf(EmulatedKkm(6926, 556)))
        val dir = Files.createTempDirectory("kkm-reopen").toFile()
        val settings = MemorySessionSettings()
        var opens = 0
        val session = SessionModel(scope, settings, open = { offset ->
            opens++
            if (opens == 2) throw IllegalStateException("the OFD port 0 is not a port")
            open(dir, emulator, offset)
        })
        try {
            session.start().join()
            assertEquals(Screen.SETUP, session.state.value.screen)
            session.setup(6926, 556, "0000").join()
            assertEquals("Сбой: the OFD port 0 is not a port", session.status.value.message)
            assertEquals(Screen.SETUP, session.state.value.screen)
            // The old register was closed; the next tap is a message, not a crash.
            session.login("0000").join()
            assertEquals(NOT_OPEN, session.status.value.message)
            session.setup(6926, 556, "0000").join()
            assertNull(session.status.value.message)
            assertEquals(Screen.LOGIN, session.state.value.screen)
            assertEquals(6926L, settings.kkmOfdId)
        } finally {
            session.close(Closer()).join()
            emulator.stop()
            emulator.close()
            dir.deleteRecursively()
        }
    }

    private suspend fun open(dir: java.io.File, emulator: OfdEmulator, offset: Long?): Kkm = Kkm.open(
        Kkm.config(
            dir,
            listOf(OfdServer("4C49A0CB1DD4413387F6E6199CBB1B2A", "Казахтелеком", emulator.host(), emulator.port(), false, "http://consumer.oofd.kz")),
            dataKey = ByteArray(32) { 7 }, ofdBudgetMs = 700, retryInitialMs = 50, retryMaxMs = 200,
            utcOffsetSecs = offset,
        ),
    )
}
