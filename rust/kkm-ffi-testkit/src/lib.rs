//! # kkm-ffi-testkit — what the Kotlin SDK's tests need besides the SDK
//!
//! Owns two test aids, exported with UniFFI as their own library (`libkkm_ffi_testkit`,
//! Kotlin package `kz.kkm.testkit`) so that the register library the AAR ships
//! (`libkkm_ffi`) carries neither:
//!
//! * [`OfdEmulator`] — the OFD emulator (`kkm-ofd-sim`) in-process on loopback, with fault
//!   injection (slow answers, result codes, refused connections) and its books
//!   (accepted documents, duplicates).
//! * [`synth_datamatrix_frame`] — a generated 1280×720 camera frame (a Y plane with a row
//!   stride, as CameraX gives it) showing a tobacco-pack marking code.
//!
//! Every method is **blocking**; the kit runs the emulator on a runtime of its own.
#![deny(unsafe_code)]
#![warn(missing_docs)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use kkm_ofd_sim::{Fault, FaultPlan, OfdSim, SimConfig};

uniffi::setup_scaffolding!();

/// Why a test-kit call failed.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum TestkitError {
    /// The emulator could not start, was stopped, or an argument was out of range.
    #[error("{reason}")]
    Failed {
        /// What went wrong.
        reason: String,
    },
}

impl TestkitError {
    fn failed(reason: impl Into<String>) -> TestkitError {
        TestkitError::Failed {
            reason: reason.into(),
        }
    }
}

static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();

/// The kit's runtime (one worker: the emulator's sockets), created on first use.
fn runtime() -> Result<&'static tokio::runtime::Runtime, TestkitError> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("kkm-testkit")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| TestkitError::failed(format!("cannot start the test-kit runtime: {e}")))
}

/// Runs `future` on the kit's runtime, blocking the calling thread.
fn block_on<F: Future>(future: F) -> Result<F::Output, TestkitError> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(TestkitError::failed(
            "a blocking test-kit call was made from inside a tokio runtime",
        ));
    }
    Ok(runtime()?.block_on(future))
}

/// A KKM the emulator knows: its ID at the OFD and its initial token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct EmulatedKkm {
    /// ID in the frame header (`kkm_ofd_id`; 6923 is the seed's test KKM).
    pub kkm_id: i64,
    /// The token the KKM starts with (6923: 12345).
    pub token: i64,
}

/// An OFD emulator on `127.0.0.1:<port>`, in this process. **Blocking** methods.
#[derive(uniffi::Object)]
pub struct OfdEmulator {
    addr: SocketAddr,
    sim: Mutex<Option<OfdSim>>,
}

impl std::fmt::Debug for OfdEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfdEmulator")
            .field("addr", &self.addr)
            .finish()
    }
}

#[uniffi::export]
impl OfdEmulator {
    /// Starts an emulator for `kkms` on a free loopback port.
    #[uniffi::constructor]
    pub fn start(kkms: Vec<EmulatedKkm>) -> Result<Arc<OfdEmulator>, TestkitError> {
        let ids = kkms
            .iter()
            .map(|k| Ok((kkm_id(k.kkm_id)?, kkm_id(k.token)?)))
            .collect::<Result<Vec<_>, TestkitError>>()?;
        let config = SimConfig::with_kkms(ids);
        let listen = SocketAddr::from(([127, 0, 0, 1], 0));
        let sim = block_on(OfdSim::start(config, listen))?
            .map_err(|e| TestkitError::failed(format!("cannot start the OFD emulator: {e}")))?;
        Ok(Arc::new(OfdEmulator {
            addr: sim.addr(),
            sim: Mutex::new(Some(sim)),
        }))
    }

    /// The host it listens on (`127.0.0.1`).
    pub fn host(&self) -> String {
        self.addr.ip().to_string()
    }

    /// The port it listens on.
    pub fn port(&self) -> i32 {
        i32::from(self.addr.port())
    }

    /// The next `times` requests (every request when `None`) are answered after
    /// `millis` ms — longer than the register's OFD budget pushes it autonomous.
    pub fn delay_answers(&self, millis: i64, times: Option<i32>) -> Result<(), TestkitError> {
        let millis = u64::try_from(millis).map_err(|_| TestkitError::failed("negative delay"))?;
        self.fault(Fault::Delay(Duration::from_millis(millis)), times)
    }

    /// The next `times` requests (every request when `None`) are answered with the CPCR
    /// result `code` without processing (e.g. 3 = blocked; 254/255 = temporarily
    /// unavailable).
    pub fn answer_result_code(&self, code: i32, times: Option<i32>) -> Result<(), TestkitError> {
        let code = u32::try_from(code).map_err(|_| TestkitError::failed("negative result code"))?;
        self.fault(Fault::ResultCode(code), times)
    }

    /// Refuses connections until [`OfdEmulator::clear_faults`] (the network is down).
    pub fn refuse_connections(&self) -> Result<(), TestkitError> {
        self.fault(Fault::Refuse, None)
    }

    /// Back to normal behaviour.
    pub fn clear_faults(&self) -> Result<(), TestkitError> {
        self.with(|sim| sim.clear_fault())
    }

    /// Documents the OFD accepted from `kkm_id` so far (receipts, placements, Z).
    pub fn accepted_documents(&self, kkm_id: i64) -> Result<i64, TestkitError> {
        let id = self::kkm_id(kkm_id)?;
        self.with(|sim| {
            sim.books(id)
                .map_or(0, |b| i64::try_from(b.accepted.len()).unwrap_or(i64::MAX))
        })
    }

    /// Tickets the OFD received twice (must stay 0: nothing is fiscalized twice).
    pub fn duplicate_tickets(&self, kkm_id: i64) -> Result<i64, TestkitError> {
        let id = self::kkm_id(kkm_id)?;
        self.with(|sim| sim.books(id).map_or(0, |b| i64::from(b.duplicates)))
    }

    /// Requests answered (or dropped by a fault) since start.
    pub fn requests(&self) -> Result<i64, TestkitError> {
        self.with(|sim| i64::try_from(sim.requests()).unwrap_or(i64::MAX))
    }

    /// Stops the emulator (idempotent).
    pub fn stop(&self) -> Result<(), TestkitError> {
        let sim = self.sim.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(sim) = sim {
            block_on(sim.shutdown())?;
        }
        Ok(())
    }
}

impl OfdEmulator {
    fn with<T>(&self, f: impl FnOnce(&OfdSim) -> T) -> Result<T, TestkitError> {
        let guard = self.sim.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .as_ref()
            .map(f)
            .ok_or_else(|| TestkitError::failed("the OFD emulator was stopped"))
    }

    fn fault(&self, fault: Fault, times: Option<i32>) -> Result<(), TestkitError> {
        let plan = match times {
            Some(n) => FaultPlan::times(fault, u32::try_from(n).unwrap_or(0)),
            None => FaultPlan::always(fault),
        };
        self.with(|sim| sim.set_fault(plan))
    }
}

impl Drop for OfdEmulator {
    fn drop(&mut self) {
        let sim = match self.sim.get_mut() {
            Ok(sim) => sim.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let (Some(sim), Ok(rt)) = (sim, runtime()) {
            rt.spawn(sim.shutdown());
        }
    }
}

/// A CPCR id or token (`u32`) from a Kotlin `Long`.
fn kkm_id(v: i64) -> Result<u32, TestkitError> {
    u32::try_from(v).map_err(|_| TestkitError::failed(format!("{v} is not a CPCR id/token")))
}

/// A camera frame as CameraX gives it: a Y plane with a row stride.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SynthFrame {
    /// The Y plane, `row_stride * height` bytes.
    pub y_plane: Vec<u8>,
    /// Width in pixels.
    pub width: i32,
    /// Height in pixels.
    pub height: i32,
    /// Bytes per row (≥ width).
    pub row_stride: i32,
    /// The exact text a perfect reader decodes (GS separators kept).
    pub text: String,
}

/// A 1280×720 frame showing a Kazakh tobacco-pack marking code (GS1 DataMatrix), as
/// `kkm_scan::synth` photographs it (seeded: the same seed, the same frame), with
/// `stride_padding` bytes of padding after each row. For tests and demos.
#[uniffi::export]
pub fn synth_datamatrix_frame(seed: i64, stride_padding: i32) -> SynthFrame {
    use kkm_scan::synth::{frame, Difficulty, Payload};
    let shot = frame(seed as u64, 0, &[Payload::TobaccoPack], Difficulty::Easy);
    let (width, height) = (shot.luma.width(), shot.luma.height());
    let row_stride = width.saturating_add(stride_padding.clamp(0, 4096) as u32);
    let mut y_plane = vec![0u8; row_stride as usize * height as usize];
    for (dst, src) in y_plane
        .chunks_mut(row_stride as usize)
        .zip(shot.luma.pixels().chunks(width as usize))
    {
        dst[..src.len()].copy_from_slice(src);
    }
    let int = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    SynthFrame {
        y_plane,
        width: int(width),
        height: int(height),
        row_stride: int(row_stride),
        text: shot.text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_emulator_starts_counts_and_stops() {
        let emulator = OfdEmulator::start(vec![EmulatedKkm {
            kkm_id: 6923,
            token: 12345,
        }])
        .expect("start");
        assert_eq!(emulator.host(), "127.0.0.1");
        assert!(emulator.port() > 0);
        assert_eq!(emulator.accepted_documents(6923).expect("books"), 0);
        assert!(emulator.delay_answers(-1, None).is_err());
        emulator.stop().expect("stop");
        assert!(
            emulator.requests().is_err(),
            "a stopped emulator answers nothing"
        );
    }

    #[test]
    fn a_frame_has_its_stride_and_text() {
        let f = synth_datamatrix_frame(3, 16);
        assert_eq!(f.row_stride, f.width + 16);
        assert_eq!(f.y_plane.len(), (f.row_stride * f.height) as usize);
        assert!(f.text.contains('\u{1d}'), "GS separators kept");
    }
}
