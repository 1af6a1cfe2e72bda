@file:Suppress("unused", "UNUSED_PARAMETER")

package android.view

open class View(context: android.content.Context)

open class ViewGroup(context: android.content.Context) : View(context)
