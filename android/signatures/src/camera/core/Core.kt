// androidx.camera:camera-core 1.4.1
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.camera.core

import kz.kkm.signatures.stub

abstract class UseCase

interface Camera

class CameraSelector private constructor() {
    companion object {
        @JvmField val DEFAULT_BACK_CAMERA: CameraSelector = stub()
        @JvmField val DEFAULT_FRONT_CAMERA: CameraSelector = stub()
    }
}

class Preview private constructor() : UseCase() {
    /** Java's `setSurfaceProvider`; the synthetic property is restricted API (issue 36). */
    fun setSurfaceProvider(surfaceProvider: SurfaceProvider?): Unit = stub()

    fun interface SurfaceProvider {
        fun onSurfaceRequested(request: Any)
    }

    class Builder {
        fun build(): Preview = stub()
    }
}

interface ImageProxy : AutoCloseable {
    val planes: Array<PlaneProxy>
    val width: Int
    val height: Int
    val format: Int

    interface PlaneProxy {
        val buffer: java.nio.ByteBuffer
        val rowStride: Int
        val pixelStride: Int
    }
}

class ImageAnalysis private constructor() : UseCase() {
    fun interface Analyzer {
        fun analyze(image: ImageProxy)
    }

    fun setAnalyzer(executor: java.util.concurrent.Executor, analyzer: Analyzer): Unit = stub()

    fun clearAnalyzer(): Unit = stub()

    class Builder {
        fun setBackpressureStrategy(strategy: Int): Builder = stub()
        fun setOutputImageFormat(outputImageFormat: Int): Builder = stub()
        fun build(): ImageAnalysis = stub()
    }

    companion object {
        const val STRATEGY_KEEP_ONLY_LATEST: Int = 0
        const val STRATEGY_BLOCK_PRODUCER: Int = 1
        const val OUTPUT_IMAGE_FORMAT_YUV_420_888: Int = 1
        const val OUTPUT_IMAGE_FORMAT_RGBA_8888: Int = 2
    }
}
