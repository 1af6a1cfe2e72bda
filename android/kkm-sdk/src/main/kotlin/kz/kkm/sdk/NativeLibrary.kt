package kz.kkm.sdk

/**
 * Loads `libkkm_ffi` the Android way once, before the first native call.
 *
 * The generated bindings load the library through JNA, which uses `dlopen`: the Android
 * runtime then never calls the library's `JNI_OnLoad`, which routes the core's logs to
 * logcat and hands the JavaVM to btleplug (without it, BLE printing answers
 * `NoBleAdapter`). `System.loadLibrary` does call it, on this thread, whose class loader
 * sees the SDK's classes as btleplug needs; JNA's later `dlopen` then finds the library
 * already loaded. On a desktop JVM (the unit tests) there is no `JNI_OnLoad` to run and
 * JNA finds the library through `jna.library.path`.
 */
@PublishedApi
internal object NativeLibrary {
    private val loaded: Boolean by lazy {
        if (isAndroid()) System.loadLibrary("kkm_ffi")
        true
    }

    /** Idempotent and cheap after the first call. */
    fun ensureLoaded() {
        check(loaded)
    }

    /** ART (and Dalvik before it) reports this VM name; desktop JVMs do not. */
    fun isAndroid(): Boolean = System.getProperty("java.vm.name") == "Dalvik"
}
