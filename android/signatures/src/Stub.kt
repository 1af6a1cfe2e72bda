// Signature-only declarations of the Android, AndroidX, Compose and CameraX APIs the app's
// screens call (android/README.md, "What is compiled here"). No behaviour: every body
// throws. Written from the public API of the versions in gradle/libs.versions.toml.
package kz.kkm.signatures

/** The body of every declaration here: these classes are for the compiler only. */
fun stub(): Nothing = throw UnsupportedOperationException("signature only: compile with the Android SDK to run")
