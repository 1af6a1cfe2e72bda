// androidx.compose.runtime 1.7.6 (Compose BOM 2024.12.01). Without the Compose compiler
// plugin @Composable is a plain annotation: the check is of names and types only.
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.runtime

import kotlin.reflect.KProperty
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.StateFlow
import kz.kkm.signatures.stub

@Target(
    AnnotationTarget.FUNCTION,
    AnnotationTarget.TYPE,
    AnnotationTarget.TYPE_PARAMETER,
    AnnotationTarget.PROPERTY_GETTER,
)
@Retention(AnnotationRetention.BINARY)
annotation class Composable

@Target(AnnotationTarget.CLASS)
annotation class Stable

@Target(AnnotationTarget.CLASS)
annotation class Immutable

interface State<out T> {
    val value: T
}

interface MutableState<T> : State<T> {
    override var value: T
}

fun <T> mutableStateOf(value: T): MutableState<T> = stub()

operator fun <T> State<T>.getValue(thisObj: Any?, property: KProperty<*>): T = stub()

operator fun <T> MutableState<T>.setValue(thisObj: Any?, property: KProperty<*>, value: T): Unit = stub()

@Composable
fun <T> remember(calculation: () -> T): T = stub()

@Composable
fun <T> remember(key1: Any?, calculation: () -> T): T = stub()

@Composable
fun <T> remember(key1: Any?, key2: Any?, calculation: () -> T): T = stub()

@Composable
fun <T> StateFlow<T>.collectAsState(): State<T> = stub()

@Composable
fun LaunchedEffect(key1: Any?, block: suspend CoroutineScope.() -> Unit): Unit = stub()

@Composable
fun LaunchedEffect(key1: Any?, key2: Any?, block: suspend CoroutineScope.() -> Unit): Unit = stub()

class DisposableEffectScope {
    inline fun onDispose(crossinline onDisposeEffect: () -> Unit): DisposableEffectResult = stub()
}

interface DisposableEffectResult

@Composable
fun DisposableEffect(key1: Any?, effect: DisposableEffectScope.() -> DisposableEffectResult): Unit = stub()

@Composable
fun rememberCoroutineScope(): CoroutineScope = stub()

abstract class CompositionLocal<T> {
    val current: T
        @Composable get() = stub()
}

abstract class ProvidableCompositionLocal<T> : CompositionLocal<T>()
