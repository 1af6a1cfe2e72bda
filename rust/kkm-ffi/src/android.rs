//! Android only (`cfg(target_os = "android")`): what the library does when the JVM
//! loads it. Kept small on purpose — it cannot be compiled on the CI machine (no NDK);
//! `cargo ndk -t arm64-v8a build -p kkm-ffi` on a workstation builds it.
//!
//! * `tracing` events go to logcat (tag `kkm`) through `tracing`'s `log` feature and
//!   `android_logger`.
//! * btleplug's Android backend (droidplug) gets the JavaVM: it must be initialised on a
//!   thread whose class loader sees the app's classes, which `JNI_OnLoad` is (it runs on
//!   the thread that called `System.loadLibrary`). JNA loads the library with `dlopen`,
//!   which never calls `JNI_OnLoad`, so the SDK's `NativeLibrary` calls
//!   `System.loadLibrary("kkm_ffi")` before the first native call. Its Java classes ship
//!   in the AAR (android/kkm-sdk adds btleplug's `droidplug` sources).
#![allow(unsafe_code)]

use std::ffi::c_void;

use jni::sys::{jint, JNI_VERSION_1_6};
use jni::JavaVM;

/// Called by the JVM when `libkkm_ffi.so` is loaded.
///
/// # Safety
/// `vm` is the JavaVM pointer the JVM hands to `JNI_OnLoad`, valid for the process.
#[no_mangle]
pub unsafe extern "system" fn JNI_OnLoad(
    vm: *mut jni::sys::JavaVM,
    _reserved: *mut c_void,
) -> jint {
    android_logger::init_once(
        android_logger::Config::default()
            .with_max_level(log::LevelFilter::Info)
            .with_tag("kkm"),
    );
    if vm.is_null() {
        log::error!("JNI_OnLoad without a JavaVM: BLE printing unavailable");
        return JNI_VERSION_1_6;
    }
    // SAFETY: non-null and given by the JVM for the lifetime of the process.
    let vm = unsafe { JavaVM::from_raw(vm) };
    let outcome: Result<Result<(), btleplug::Error>, jni::errors::Error> =
        vm.attach_current_thread(|env| Ok(btleplug::platform::init(env)));
    match outcome {
        Ok(Ok(())) => log::info!("btleplug Android backend ready"),
        // Not fatal: printing over BLE then answers `NoBleAdapter`; everything else works.
        Ok(Err(e)) => log::warn!("btleplug init failed: {e}; BLE printing unavailable"),
        Err(e) => log::warn!("cannot attach to the JavaVM: {e}; BLE printing unavailable"),
    }
    JNI_VERSION_1_6
}
