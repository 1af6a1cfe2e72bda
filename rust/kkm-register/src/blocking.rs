//! Keeping blocking work — a fiscal commit (an fsync), an Argon2 PIN check — off the
//! async workers. The daemon runs one worker per core (two on a shop PC): a worker
//! stuck in an fsync is a till that does not answer Ping or run its OFD timers.

use tokio::runtime::{Handle, RuntimeFlavor};

/// Runs `f`, which blocks, without stalling the async worker it is called on: on a
/// multi-threaded runtime the worker hands its other tasks to another thread while `f`
/// runs (`tokio::task::block_in_place`, no `'static` copy of the document needed);
/// on a current-thread runtime (some tests) or outside a runtime it runs inline.
pub(crate) fn off_worker<R>(f: impl FnOnce() -> R) -> R {
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}
