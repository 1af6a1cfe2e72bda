package kz.kkm.app

import android.app.Application
import kotlinx.coroutines.MainScope

/**
 * The process: it holds the register ([AppRegister]) for as long as it lives, on the main
 * thread's scope (every model's action is main-safe: the register's blocking calls run
 * on the IO dispatcher).
 */
class KkmApp : Application() {
    /** The app's register and session (opened on first use). */
    val register: AppRegister by lazy { AppRegister(this, MainScope()) }
}
