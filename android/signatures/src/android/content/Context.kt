@file:Suppress("unused", "UNUSED_PARAMETER")

package android.content

import kz.kkm.signatures.stub

abstract class Context {
    open val filesDir: java.io.File get() = stub()
    open val packageManager: android.content.pm.PackageManager get() = stub()
    open fun getSharedPreferences(name: String, mode: Int): SharedPreferences = stub()
    open fun getSystemService(name: String): Any? = stub()
    companion object {
        const val MODE_PRIVATE: Int = 0
        const val BLUETOOTH_SERVICE: String = "bluetooth"
        const val LOCATION_SERVICE: String = "location"
    }
}

interface SharedPreferences {
    fun getString(key: String, defValue: String?): String?
    fun getLong(key: String, defValue: Long): Long
    fun getInt(key: String, defValue: Int): Int
    fun getBoolean(key: String, defValue: Boolean): Boolean
    fun contains(key: String): Boolean
    fun edit(): Editor

    interface Editor {
        fun putString(key: String, value: String?): Editor
        fun putLong(key: String, value: Long): Editor
        fun putInt(key: String, value: Int): Editor
        fun putBoolean(key: String, value: Boolean): Editor
        fun remove(key: String): Editor
        fun clear(): Editor
        fun commit(): Boolean
        fun apply()
    }
}
