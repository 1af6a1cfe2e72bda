// A tiny JUnit 4 runner for scripts/kotlin-test: runs the given test classes, prints one
// line per test and ends with exactly "N passed, N failed" (what scripts/test adds up).
import org.junit.runner.Description
import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener

fun main(args: Array<String>) {
    var passed = 0
    val failedNow = HashSet<Description>()
    val core = JUnitCore()
    core.addListener(object : RunListener() {
        override fun testFailure(failure: Failure) {
            failedNow.add(failure.description)
            println("FAIL ${failure.description.className}.${failure.description.methodName}: ${failure.message}")
            println(failure.trace.lineSequence().take(25).joinToString("\n") { "    $it" })
        }

        override fun testAssumptionFailure(failure: Failure) {
            println("SKIP ${failure.description.displayName}: ${failure.message}")
        }

        override fun testFinished(description: Description) {
            if (description !in failedNow) {
                passed++
                println("ok   ${description.className}.${description.methodName}")
            }
        }
    })
    val classes = args.map { Class.forName(it) }
    val started = System.nanoTime()
    val result = core.run(*classes.toTypedArray())
    // Every failed test once; a failure outside a test (e.g. @BeforeClass) counts too.
    val failed = failedNow.size
    check(result.failureCount >= failed)
    println("Kotlin JVM tests: %d classes in %.1f s".format(classes.size, (System.nanoTime() - started) / 1e9))
    println("$passed passed, $failed failed")
    System.out.flush()
    System.exit(if (failed == 0) 0 else 1)
}
