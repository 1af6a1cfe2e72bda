// kkm-sdk — the AAR for Kotlin integrators: the UniFFI-generated bindings of kkm-ffi
// (generated into build/, never committed), the idiomatic Kotlin API in src/main/kotlin,
// libkkm_ffi.so for arm64-v8a, armeabi-v7a and x86_64 built by cargo-ndk (debug builds:
// the dev profile, two ABIs), and consumer
// ProGuard rules for JNA. Unit tests (src/test/kotlin) run on the host JVM against the
// host build of the same library — the tests scripts/kotlin-test runs without Gradle.
//
// Needs on the workstation: rustup targets aarch64-linux-android, armv7-linux-androideabi,
// x86_64-linux-android; `cargo install cargo-ndk`; ANDROID_NDK_HOME (or the SDK's ndk/).
import groovy.json.JsonSlurper
import org.gradle.internal.os.OperatingSystem

plugins {
    alias(libs.plugins.android.library)
    alias(libs.plugins.kotlin.android)
    `maven-publish`
}

val repoRoot: File = rootProject.projectDir.parentFile
val cargoTargetDir: String = providers.environmentVariable("CARGO_TARGET_DIR")
    .getOrElse(repoRoot.resolve("target").path)
val abis: List<String> = providers.gradleProperty("kkm.abis").getOrElse("arm64-v8a,armeabi-v7a,x86_64")
    .split(',').map { it.trim() }.filter { it.isNotEmpty() }
val jniLibsReleaseDir = layout.buildDirectory.dir("rust/jniLibs-release")
val jniLibsDebugDir = layout.buildDirectory.dir("rust/jniLibs-debug")
val bindingsDir = layout.buildDirectory.dir("generated/source/uniffi/kotlin")
// Bindings of the test kit (OFD emulator, synthetic frames): unit tests only, never the AAR.
val testkitBindingsDir = layout.buildDirectory.dir("generated/source/uniffi-testkit/kotlin")
val hostLibDir = File(cargoTargetDir, "debug")
fun hostLibName(lib: String) = when {
    OperatingSystem.current().isMacOsX -> "lib$lib.dylib"
    OperatingSystem.current().isWindows -> "$lib.dll"
    else -> "lib$lib.so"
}
val hostLibName = hostLibName("kkm_ffi")
val testkitLibName = hostLibName("kkm_ffi_testkit")
val bindgenExe = File(hostLibDir, if (OperatingSystem.current().isWindows) "uniffi-bindgen.exe" else "uniffi-bindgen")

/** btleplug's Java half (droidplug + jni-utils), found where cargo unpacked the crate. */
val btleplugJava: Provider<String> = providers.exec {
    workingDir = repoRoot
    commandLine("cargo", "metadata", "--format-version", "1", "--filter-platform", "aarch64-linux-android")
}.standardOutput.asText.map { json ->
    @Suppress("UNCHECKED_CAST")
    val packages = (JsonSlurper().parseText(json) as Map<String, Any>)["packages"] as List<Map<String, Any>>
    val manifest = packages.first { it["name"] == "btleplug" }["manifest_path"] as String
    File(File(manifest).parentFile, "src/droidplug/java/src/main/java").path
}

android {
    namespace = "kz.kkm.sdk"
    compileSdk = libs.versions.compileSdk.get().toInt()

    defaultConfig {
        minSdk = libs.versions.minSdk.get().toInt()
        consumerProguardFiles("consumer-rules.pro")
        ndk { abiFilters += abis }
    }

    buildTypes {
        release { isMinifyEnabled = false }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }

    sourceSets["main"].apply {
        kotlin.srcDir(bindingsDir)
        java.srcDir(btleplugJava)
    }
    sourceSets["release"].jniLibs.srcDir(jniLibsReleaseDir)
    sourceSets["debug"].jniLibs.srcDir(jniLibsDebugDir)
    sourceSets["test"].kotlin.srcDir(testkitBindingsDir)

    testOptions {
        unitTests.all { test ->
            // Host JVM tests load the host build of the same library through JNA.
            test.systemProperty("jna.library.path", hostLibDir.path)
            test.dependsOn(cargoBuildHost)
        }
    }

    publishing {
        singleVariant("release") { withSourcesJar() }
    }
}

/** The host libraries (the register and the test kit) and the binding generator. */
val cargoBuildHost by tasks.registering(Exec::class) {
    group = "rust"
    description = "cargo build -p kkm-ffi -p kkm-ffi-testkit -p uniffi-bindgen (host)"
    workingDir = repoRoot
    commandLine("cargo", "build", "-p", "kkm-ffi", "-p", "kkm-ffi-testkit", "-p", "uniffi-bindgen")
}

/** Kotlin bindings of the host library [libName] in library mode (DESIGN §7), into [outDir]. */
fun bindingsTask(name: String, what: String, libName: String, outDir: Provider<Directory>) =
    tasks.register<Exec>(name) {
        group = "rust"
        description = "uniffi-bindgen generate --library (Kotlin, $what)"
        dependsOn(cargoBuildHost)
        inputs.file(repoRoot.resolve("uniffi.toml"))
        inputs.file(File(hostLibDir, libName))
        outputs.dir(outDir)
        workingDir = repoRoot
        doFirst { outDir.get().asFile.deleteRecursively() }
        commandLine(
            bindgenExe.path, "generate",
            "--library", File(hostLibDir, libName).path,
            "--language", "kotlin", "--no-format",
            "--config", "uniffi.toml",
            "--out-dir", outDir.get().asFile.path,
        )
    }

/** The register's bindings (package kz.kkm.core): part of the AAR. */
val generateUniffiBindings = bindingsTask("generateUniffiBindings", "kz.kkm.core", hostLibName, bindingsDir)

/** The test kit's bindings (package kz.kkm.testkit): the unit tests only. */
val generateTestkitBindings =
    bindingsTask("generateTestkitBindings", "kz.kkm.testkit", testkitLibName, testkitBindingsDir)

tasks.matching { it.name.startsWith("compile") && it.name.contains("UnitTest") }
    .configureEach { dependsOn(generateTestkitBindings) }

/**
 * libkkm_ffi.so into build/rust/jniLibs-<variant>/<abi>/ with cargo-ndk: the release with
 * the workspace's `release-ffi` profile (size-optimised, fat LTO, stripped; cargo-ndk ≥ 3.5
 * for --profile) for every ABI of `kkm.abis`; a debug build with the dev profile for the
 * ABIs of `kkm.debugAbis` (default arm64-v8a and x86_64: a phone and the emulator), so an
 * edit-run cycle does not link three fat-LTO libraries.
 *
 * Never "up to date" for Gradle: cargo decides what to rebuild from its own fingerprints
 * (every source, Cargo.lock, the profile), and a Gradle input list would miss some. A task
 * Gradle skipped while the bindings were regenerated from new sources is how an app ends
 * up with "UniFFI API checksum mismatch" at start.
 */
fun cargoNdkTask(name: String, profile: String, targets: List<String>, outDir: Provider<Directory>) =
    tasks.register<Exec>(name) {
        group = "rust"
        description = "cargo ndk build --profile $profile -p kkm-ffi for $targets"
        workingDir = repoRoot
        outputs.dir(outDir)
        outputs.upToDateWhen { false }
        val args = mutableListOf("cargo", "ndk")
        targets.forEach { args += listOf("-t", it) }
        args += listOf("--platform", libs.versions.minSdk.get())
        args += listOf("-o", outDir.get().asFile.path, "build", "--profile", profile, "-p", "kkm-ffi")
        commandLine(args)
    }

val debugAbis: List<String> = providers.gradleProperty("kkm.debugAbis").getOrElse("arm64-v8a,x86_64")
    .split(',').map { it.trim() }.filter { it.isNotEmpty() }
val cargoNdkBuildRelease = cargoNdkTask("cargoNdkBuildRelease", "release-ffi", abis, jniLibsReleaseDir)
val cargoNdkBuildDebug = cargoNdkTask("cargoNdkBuildDebug", "dev", debugAbis, jniLibsDebugDir)

tasks.named("preBuild") { dependsOn(generateUniffiBindings) }
tasks.matching { it.name == "preReleaseBuild" }.configureEach { dependsOn(cargoNdkBuildRelease) }
tasks.matching { it.name == "preDebugBuild" }.configureEach { dependsOn(cargoNdkBuildDebug) }

dependencies {
    // The AAR flavour of JNA carries libjnidispatch.so for every ABI.
    api(libs.jna) { artifact { type = "aar" } }
    implementation(libs.kotlinx.coroutines.android)

    testImplementation(libs.junit)
    // Host JVM tests need the JAR flavour (with the desktop libjnidispatch).
    testImplementation(libs.jna)
    testImplementation(libs.kotlinx.coroutines.core)
}

publishing {
    publications {
        register<MavenPublication>("release") {
            groupId = providers.gradleProperty("kkm.group").getOrElse("kz.kkm")
            artifactId = "kkm-sdk"
            version = providers.gradleProperty("kkm.version").getOrElse("0.1.0")
            afterEvaluate { from(components["release"]) }
            pom {
                name.set("KKM SDK")
                description.set("Fiscal cash register (ККМ) core for Kazakhstan: UniFFI bindings and a Kotlin API.")
                licenses {
                    license {
                        name.set("Apache-2.0")
                        url.set("https://www.apache.org/licenses/LICENSE-2.0")
                    }
                }
            }
        }
    }
    repositories {
        // `./gradlew -p android :kkm-sdk:publishReleasePublicationToLocalRepository`
        maven {
            name = "local"
            url = uri(layout.buildDirectory.dir("repo"))
        }
    }
}
