//! The facade's tokio runtime and the one way exported functions wait on it.
//!
//! UniFFI's async support is not used (DESIGN §7, trap 1): every exported function is
//! blocking and runs its future with [`block_on`] on one process-wide multi-threaded
//! runtime (two workers: the per-KKM sync tasks, the OFD sockets and the in-process
//! emulator live there). Any number of caller threads may block on it at once.

use std::future::Future;
use std::sync::OnceLock;

use crate::KkmError;

static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();

/// The process-wide runtime, created on first use.
pub(crate) fn runtime() -> Result<&'static tokio::runtime::Runtime, KkmError> {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("kkm-ffi")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| KkmError::internal(format!("cannot start the KKM runtime: {e}")))
}

/// Runs `future` to completion on the runtime, blocking the calling thread.
///
/// Refuses (instead of panicking) when called from a thread of the runtime itself,
/// where waiting would deadlock or panic.
pub(crate) fn block_on<F: Future>(future: F) -> Result<F::Output, KkmError> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(KkmError::internal(
            "a blocking KKM call was made from inside the KKM runtime; call it from another thread",
        ));
    }
    Ok(runtime()?.block_on(future))
}
