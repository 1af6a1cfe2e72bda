// com.google.guava:listenablefuture (what CameraX's getInstance returns)
@file:Suppress("unused", "UNUSED_PARAMETER")

package com.google.common.util.concurrent

interface ListenableFuture<V> : java.util.concurrent.Future<V> {
    fun addListener(listener: Runnable, executor: java.util.concurrent.Executor)
}
