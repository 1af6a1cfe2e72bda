// androidx.activity:activity-compose 1.9.3
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.activity.compose

import androidx.activity.ComponentActivity
import androidx.activity.result.ActivityResultLauncher
import androidx.activity.result.contract.ActivityResultContract
import androidx.compose.runtime.Composable
import kz.kkm.signatures.stub

fun ComponentActivity.setContent(content: @Composable () -> Unit): Unit = stub()

class ManagedActivityResultLauncher<I, O> : ActivityResultLauncher<I>() {
    override fun launch(input: I): Unit = stub()
}

@Composable
fun <I, O> rememberLauncherForActivityResult(
    contract: ActivityResultContract<I, O>,
    onResult: (O) -> Unit,
): ManagedActivityResultLauncher<I, O> = stub()

@Composable
fun BackHandler(enabled: Boolean = true, onBack: () -> Unit): Unit = stub()
