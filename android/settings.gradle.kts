// The Android build: the AAR for integrators (kkm-sdk) and the cashier app (app).
// The Rust core is built by Gradle Exec tasks (cargo, cargo-ndk) from the repository
// root, one level up. The version catalog and the wrapper live in ../gradle.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
    versionCatalogs {
        create("libs") {
            from(files("../gradle/libs.versions.toml"))
        }
    }
}

rootProject.name = "kkm-android"
include(":kkm-sdk", ":app")
