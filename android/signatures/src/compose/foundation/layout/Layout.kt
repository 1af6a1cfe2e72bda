// androidx.compose.foundation:foundation-layout 1.7.6
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.foundation.layout

import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.Dp
import kz.kkm.signatures.stub

object Arrangement {
    interface Horizontal
    interface Vertical
    interface HorizontalOrVertical : Horizontal, Vertical

    val Top: Vertical get() = stub()
    val Bottom: Vertical get() = stub()
    val Start: Horizontal get() = stub()
    val End: Horizontal get() = stub()
    val Center: HorizontalOrVertical get() = stub()
    val SpaceBetween: HorizontalOrVertical get() = stub()
    val SpaceEvenly: HorizontalOrVertical get() = stub()
    val SpaceAround: HorizontalOrVertical get() = stub()
    fun spacedBy(space: Dp): HorizontalOrVertical = stub()
}

interface ColumnScope {
    fun Modifier.weight(weight: Float, fill: Boolean = true): Modifier
    fun Modifier.align(alignment: Alignment.Horizontal): Modifier
}

interface RowScope {
    fun Modifier.weight(weight: Float, fill: Boolean = true): Modifier
    fun Modifier.align(alignment: Alignment.Vertical): Modifier
}

@Composable
fun Column(
    modifier: Modifier = Modifier,
    verticalArrangement: Arrangement.Vertical = Arrangement.Top,
    horizontalAlignment: Alignment.Horizontal = Alignment.CenterHorizontally,
    content: @Composable ColumnScope.() -> Unit,
): Unit = stub()

@Composable
fun Row(
    modifier: Modifier = Modifier,
    horizontalArrangement: Arrangement.Horizontal = Arrangement.Start,
    verticalAlignment: Alignment.Vertical = Alignment.CenterVertically,
    content: @Composable RowScope.() -> Unit,
): Unit = stub()

@Composable
fun Box(modifier: Modifier = Modifier, content: @Composable () -> Unit = {}): Unit = stub()

@Composable
fun Spacer(modifier: Modifier): Unit = stub()

fun Modifier.padding(all: Dp): Modifier = stub()

fun Modifier.padding(horizontal: Dp = Dp(0f), vertical: Dp = Dp(0f)): Modifier = stub()

fun Modifier.padding(paddingValues: PaddingValues): Modifier = stub()

fun Modifier.fillMaxWidth(fraction: Float = 1f): Modifier = stub()

fun Modifier.fillMaxHeight(fraction: Float = 1f): Modifier = stub()

fun Modifier.fillMaxSize(fraction: Float = 1f): Modifier = stub()

fun Modifier.height(height: Dp): Modifier = stub()

fun Modifier.width(width: Dp): Modifier = stub()

fun Modifier.size(size: Dp): Modifier = stub()

interface PaddingValues

fun PaddingValues(all: Dp): PaddingValues = stub()

/** Window insets (edge-to-edge, targetSdk 35). */
interface WindowInsets {
    companion object
}

val WindowInsets.Companion.safeDrawing: WindowInsets @Composable get() = stub()

val WindowInsets.Companion.systemBars: WindowInsets @Composable get() = stub()

val WindowInsets.Companion.ime: WindowInsets @Composable get() = stub()

fun Modifier.windowInsetsPadding(insets: WindowInsets): Modifier = stub()

fun Modifier.safeDrawingPadding(): Modifier = stub()

fun Modifier.imePadding(): Modifier = stub()

fun Modifier.systemBarsPadding(): Modifier = stub()
