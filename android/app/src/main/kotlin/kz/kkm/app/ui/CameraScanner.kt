package kz.kkm.app.ui

import androidx.camera.core.CameraSelector
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.ImageProxy
import androidx.camera.core.Preview
import androidx.camera.lifecycle.ProcessCameraProvider
import androidx.camera.view.PreviewView
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.lifecycle.compose.LocalLifecycleOwner
import androidx.compose.ui.viewinterop.AndroidView
import androidx.core.content.ContextCompat
import java.util.concurrent.Executors
import kz.kkm.core.ScanMode
import kz.kkm.core.ScanResult
import kz.kkm.sdk.KkmException
import kz.kkm.sdk.KkmScanner

/**
 * CameraX `ImageAnalysis` feeding the native stream scanner: the Y plane of each
 * `YUV_420_888` frame goes to `KkmFrameStream.push` as is (with its row stride) on the
 * analysis executor; the tracker (in Rust) decides when a code is believed, and only
 * those are posted to [onResult] on the main thread.
 */
class FrameAnalyzer(
    private val mode: ScanMode,
    private val onResult: (ScanResult) -> Unit,
) : ImageAnalysis.Analyzer, AutoCloseable {
    private val main = android.os.Handler(android.os.Looper.getMainLooper())
    private var buffer = ByteArray(0)
    private val stream = KkmScanner.stream(mode)

    override fun analyze(image: ImageProxy) {
        try {
            val plane = image.planes[0]
            val bytes = plane.buffer
            if (buffer.size != bytes.remaining()) buffer = ByteArray(bytes.remaining())
            bytes.get(buffer)
            // The last row may be shorter than rowStride: pad the size the decoder checks.
            val needed = plane.rowStride * image.height
            val y = if (buffer.size >= needed) buffer else buffer.copyOf(needed)
            val result = stream.push(y, image.width, image.height, plane.rowStride)
            if (result != null) main.post { onResult(result) }
        } catch (e: KkmException) {
            // An unreadable frame: skip it, the next one comes in ~30 ms.
        } finally {
            image.close()
        }
    }

    /** Frees the native frame stream (on the analysis thread, after its last frame). */
    override fun close() = stream.close()
}

/** The device has a camera at all (the manifest lets camera-less terminals install). */
fun hasCamera(context: android.content.Context): Boolean =
    context.packageManager.hasSystemFeature(android.content.pm.PackageManager.FEATURE_CAMERA_ANY)

/**
 * A camera preview with the analyzer bound to the screen's lifecycle. A device without a
 * camera, or a camera that cannot be bound (in use, broken), is a message through
 * [onError], never a crash; leaving the screen stops the analyzer, frees the native frame
 * stream and ends the analysis thread.
 */
@Composable
fun CameraScanner(
    mode: ScanMode,
    modifier: Modifier = Modifier,
    onError: (String) -> Unit = {},
    onResult: (ScanResult) -> Unit,
) {
    val context = LocalContext.current
    val owner = LocalLifecycleOwner.current
    if (!hasCamera(context)) {
        DisposableEffect(Unit) {
            onError("На этом устройстве нет камеры: сканируйте сканером или введите код")
            onDispose {}
        }
        return
    }
    val previewView = remember { PreviewView(context) }
    DisposableEffect(mode) {
        val executor = Executors.newSingleThreadExecutor()
        val analyzer = FrameAnalyzer(mode, onResult)
        var analysis: ImageAnalysis? = null
        val providerFuture = ProcessCameraProvider.getInstance(context)
        providerFuture.addListener({
            try {
                val provider = providerFuture.get()
                val preview = Preview.Builder().build().also { it.setSurfaceProvider(previewView.surfaceProvider) }
                val bound = ImageAnalysis.Builder()
                    .setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST)
                    .setOutputImageFormat(ImageAnalysis.OUTPUT_IMAGE_FORMAT_YUV_420_888)
                    .build()
                    .also { it.setAnalyzer(executor, analyzer) }
                analysis = bound
                provider.unbindAll()
                provider.bindToLifecycle(owner, CameraSelector.DEFAULT_BACK_CAMERA, preview, bound)
            } catch (e: Exception) {
                // No back camera, a camera in use by another app, a provider that failed.
                onError("Камера недоступна: ${e.message ?: e::class.java.simpleName}")
            }
        }, ContextCompat.getMainExecutor(context))
        onDispose {
            analysis?.clearAnalyzer()
            if (providerFuture.isDone) {
                runCatching { providerFuture.get().unbindAll() }
            }
            // After the frame in flight, on the same thread: the stream is freed, then the thread ends.
            executor.execute { analyzer.close() }
            executor.shutdown()
        }
    }
    AndroidView(factory = { previewView }, modifier = modifier)
}
