//! SQLCipher's page cipher and page MAC computed by RustCrypto instead of OpenSSL 3.
//!
//! SQLCipher calls its crypto provider twice for every page it reads: an HMAC over the
//! page and an AES-256-CBC decryption. Its OpenSSL 3 provider fetches the algorithm from
//! OpenSSL's provider store, makes a fresh context, keys it and frees it on each call:
//! measured on the journal benchmark, that per-page work — not the bytes — was most of
//! what encryption added to `verify` (4 KB pages at ×1.4–1.8 of plain; the same journal
//! in 64 KB pages, a sixteenth of the calls, at ×0.96). Larger pages would have cost
//! every append instead (×1.39 p50: four times the bytes per WAL frame).
//!
//! SQLCipher lets an application adjust the registered provider
//! (`sqlcipher_get_provider`, "allow an application to fetch the current registered
//! provider and make minor changes to it"); every connection keyed afterwards copies
//! it. [`install`] replaces two of its functions — `hmac` (HMAC-SHA256/512, `hmac` +
//! `sha2`) and `cipher` (AES-256-CBC without padding, `aes` + `cbc`) — and its name;
//! random IVs, key derivation and everything else stay OpenSSL's. The algorithms and
//! the bytes are the same (a differential test checks ours against OpenSSL's own
//! functions on random pages), so files are unchanged and interchangeable with stock
//! SQLCipher. The RustCrypto crates pick AES-NI and SHA-NI (or the ARMv8 crypto
//! extensions) at run time.
//!
//! Safety: the provider struct's layout is SQLCipher's, checked against the bundled
//! version ([`SQLCIPHER_VERSION`]); a different SQLCipher leaves OpenSSL's functions in
//! place (and the test that asserts ours are in use fails, so an upgrade is noticed).
//! The patch is made once, before any connection of the store is keyed, while a keyed
//! in-memory connection held for the life of the process keeps SQLCipher from freeing
//! the provider when the last journal closes.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::{Mutex, OnceLock};

use aes::cipher::inout::InOutBuf;
use aes::cipher::{Block as CipherBlock, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use rusqlite::Connection;

/// The SQLCipher whose provider layout this module knows (`PRAGMA cipher_version`).
pub const SQLCIPHER_VERSION: &str = "4.6.1 community";

/// The name `PRAGMA cipher_provider` reports once [`install`] has run.
pub const PROVIDER_NAME: &CStr = c"rustcrypto (kkm-store)";

const SQLITE_OK: c_int = 0;
const SQLITE_ERROR: c_int = 1;
const CIPHER_ENCRYPT: c_int = 1;
const CIPHER_DECRYPT: c_int = 0;
const HMAC_SHA256: c_int = 1;
const HMAC_SHA512: c_int = 2;

type HmacFn = unsafe extern "C" fn(
    ctx: *mut c_void,
    algorithm: c_int,
    key: *const u8,
    key_sz: c_int,
    input: *const u8,
    in_sz: c_int,
    in2: *const u8,
    in2_sz: c_int,
    out: *mut u8,
) -> c_int;

type CipherFn = unsafe extern "C" fn(
    ctx: *mut c_void,
    mode: c_int,
    key: *const u8,
    key_sz: c_int,
    iv: *const u8,
    input: *const u8,
    in_sz: c_int,
    out: *mut u8,
) -> c_int;

type NameFn = unsafe extern "C" fn(ctx: *mut c_void) -> *const c_char;

/// `sqlcipher_provider` of SQLCipher 4.6 (sqlcipher.h): seventeen function pointers.
#[repr(C)]
struct Provider {
    activate: *const c_void,
    deactivate: *const c_void,
    get_provider_name: Option<NameFn>,
    add_random: *const c_void,
    random: *const c_void,
    hmac: Option<HmacFn>,
    kdf: *const c_void,
    cipher: Option<CipherFn>,
    get_cipher: *const c_void,
    get_key_sz: *const c_void,
    get_iv_sz: *const c_void,
    get_block_sz: *const c_void,
    get_hmac_sz: *const c_void,
    ctx_init: *const c_void,
    ctx_free: *const c_void,
    fips_status: *const c_void,
    get_provider_version: *const c_void,
}

extern "C" {
    /// SQLCipher's registered provider (in the bundled `sqlite3.c`).
    fn sqlcipher_get_provider() -> *mut Provider;
}

/// OpenSSL's own functions, kept for what ours do not take (another key size or MAC)
/// and for the differential test.
#[derive(Clone, Copy)]
struct Originals {
    hmac: HmacFn,
    cipher: CipherFn,
}

/// What [`install`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Installed {
    /// Ours are SQLCipher's page crypto.
    RustCrypto,
    /// Not installed; OpenSSL's stay (the reason).
    OpenSsl(&'static str),
}

struct State {
    installed: Installed,
    originals: Option<Originals>,
    /// Keeps SQLCipher active (its provider allocated) for the life of the process.
    _anchor: Option<Mutex<Connection>>,
}

static STATE: OnceLock<State> = OnceLock::new();

/// Makes ours SQLCipher's page crypto, once per process, before the store keys a
/// connection. Never fails: where it cannot, OpenSSL's stay (see [`Installed`]).
pub fn install() -> Installed {
    STATE.get_or_init(patch).installed
}

fn not_installed(reason: &'static str) -> State {
    State {
        installed: Installed::OpenSsl(reason),
        originals: None,
        _anchor: None,
    }
}

/// Set (to anything) to keep OpenSSL's page crypto: the benchmark's comparison, and a
/// way out should ours ever be suspected in the field.
pub const KEEP_OPENSSL_ENV: &str = "KKM_SQLCIPHER_OPENSSL";

fn patch() -> State {
    if std::env::var_os(KEEP_OPENSSL_ENV).is_some() {
        return not_installed("KKM_SQLCIPHER_OPENSSL is set");
    }
    let Ok(anchor) = Connection::open_in_memory() else {
        return not_installed("no in-memory connection");
    };
    let keyed = anchor
        .pragma_update(None, "key", format!("x'{}'", "a5".repeat(32)))
        .and_then(|()| anchor.query_row("PRAGMA cipher_version", [], |r| r.get::<_, String>(0)));
    match keyed {
        Ok(v) if v == SQLCIPHER_VERSION => {}
        Ok(_) => return not_installed("another SQLCipher version"),
        Err(_) => return not_installed("SQLCipher did not activate"),
    }
    // SAFETY: SQLCipher is active (the anchor is keyed and stays open), so its provider
    // is allocated and is not freed while the anchor lives; its layout is `Provider`
    // for the version checked above. The store keys no connection before this returns
    // (`OnceLock`), so no codec copies the provider while it changes.
    unsafe {
        let p = sqlcipher_get_provider();
        let Some(provider) = p.as_mut() else {
            return not_installed("no provider registered");
        };
        let (Some(hmac), Some(cipher)) = (provider.hmac, provider.cipher) else {
            return not_installed("the provider has no hmac or cipher");
        };
        provider.hmac = Some(page_hmac);
        provider.cipher = Some(page_cipher);
        provider.get_provider_name = Some(provider_name);
        State {
            installed: Installed::RustCrypto,
            originals: Some(Originals { hmac, cipher }),
            _anchor: Some(Mutex::new(anchor)),
        }
    }
}

fn originals() -> Option<Originals> {
    STATE.get().and_then(|s| s.originals)
}

unsafe extern "C" fn provider_name(_ctx: *mut c_void) -> *const c_char {
    PROVIDER_NAME.as_ptr()
}

/// `len` bytes at `ptr` (none when null or negative).
///
/// # Safety
/// `ptr` must point to `len` readable bytes when it is not null.
unsafe fn bytes<'a>(ptr: *const u8, len: c_int) -> Option<&'a [u8]> {
    let len = usize::try_from(len).ok()?;
    (!ptr.is_null()).then(|| std::slice::from_raw_parts(ptr, len))
}

/// HMAC(key, input ‖ in2) into `out`, which must hold the digest; `false` when it does not
/// (or the key is refused).
fn mac<M: Mac + hmac::digest::KeyInit>(
    key: &[u8],
    input: &[u8],
    in2: Option<&[u8]>,
    out: &mut [u8],
) -> bool {
    let Ok(mut m) = <M as hmac::digest::KeyInit>::new_from_slice(key) else {
        return false;
    };
    m.update(input);
    if let Some(in2) = in2 {
        m.update(in2);
    }
    let digest = m.finalize().into_bytes();
    match out.get_mut(..digest.len()) {
        Some(out) => {
            out.copy_from_slice(&digest);
            true
        }
        None => false,
    }
}

/// SQLCipher's `hmac`: HMAC(key, in ‖ in2) into `out` (the digest's length).
unsafe extern "C" fn page_hmac(
    ctx: *mut c_void,
    algorithm: c_int,
    key: *const u8,
    key_sz: c_int,
    input: *const u8,
    in_sz: c_int,
    in2: *const u8,
    in2_sz: c_int,
    out: *mut u8,
) -> c_int {
    let (Some(k), Some(i)) = (bytes(key, key_sz), bytes(input, in_sz)) else {
        return SQLITE_ERROR;
    };
    if out.is_null() {
        return SQLITE_ERROR;
    }
    let extra = bytes(in2, in2_sz);
    // SQLCipher's buffer holds the digest of the algorithm it asked for.
    let done = match algorithm {
        HMAC_SHA256 => {
            mac::<Hmac<sha2::Sha256>>(k, i, extra, std::slice::from_raw_parts_mut(out, 32))
        }
        HMAC_SHA512 => {
            mac::<Hmac<sha2::Sha512>>(k, i, extra, std::slice::from_raw_parts_mut(out, 64))
        }
        _ => {
            return match originals() {
                Some(o) => (o.hmac)(ctx, algorithm, key, key_sz, input, in_sz, in2, in2_sz, out),
                None => SQLITE_ERROR,
            }
        }
    };
    if done {
        SQLITE_OK
    } else {
        SQLITE_ERROR
    }
}

type Encryptor = cbc::Encryptor<aes::Aes256>;
/// One AES block (16 bytes).
type Block = CipherBlock<aes::Aes256>;
type Decryptor = cbc::Decryptor<aes::Aes256>;

/// SQLCipher's `cipher`: AES-256-CBC of `in_sz` bytes (whole blocks, no padding) under
/// `key` and `iv` (16 bytes) into `out`.
unsafe extern "C" fn page_cipher(
    ctx: *mut c_void,
    mode: c_int,
    key: *const u8,
    key_sz: c_int,
    iv: *const u8,
    input: *const u8,
    in_sz: c_int,
    out: *mut u8,
) -> c_int {
    let (Some(k), Some(v), Ok(len)) = (bytes(key, key_sz), bytes(iv, 16), usize::try_from(in_sz))
    else {
        return SQLITE_ERROR;
    };
    if k.len() != 32 {
        return match originals() {
            Some(o) => (o.cipher)(ctx, mode, key, key_sz, iv, input, in_sz, out),
            None => SQLITE_ERROR,
        };
    }
    if input.is_null() || out.is_null() || len % 16 != 0 {
        return SQLITE_ERROR;
    }
    // `out` is `input` itself (worked in place) or apart from it (worked from one into
    // the other, no copy of the page first); a partial overlap (SQLCipher never makes
    // one) is copied into `out` first, then worked in place.
    let (start, end) = (input as usize, input as usize + len);
    let apart = out as usize >= end || out as usize + len <= start;
    let from = if apart || out.cast_const() == input {
        input
    } else {
        std::ptr::copy(input, out, len);
        out.cast_const()
    };
    // `from` and `out` are equal or apart, `len / 16` blocks each (checked above);
    // blocks are bytes, alignment 1; nothing else touches them during the call.
    let blocks = InOutBuf::from_raw(from.cast::<Block>(), out.cast::<Block>(), len / 16);
    let done = match mode {
        CIPHER_ENCRYPT => Encryptor::new_from_slices(k, v)
            .ok()
            .map(|mut c| c.encrypt_blocks_inout_mut(blocks)),
        CIPHER_DECRYPT => Decryptor::new_from_slices(k, v)
            .ok()
            .map(|mut c| c.decrypt_blocks_inout_mut(blocks)),
        _ => None,
    };
    if done.is_some() {
        SQLITE_OK
    } else {
        SQLITE_ERROR
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Arbitrary bytes: a SHA-256 counter stream (enough to compare two implementations).
    fn random(len: usize) -> Vec<u8> {
        use sha2::{Digest, Sha256};
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(1);
        let mut v = vec![0u8; len];
        for chunk in v.chunks_mut(32) {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            chunk.copy_from_slice(&Sha256::digest(n.to_le_bytes())[..chunk.len()]);
        }
        v
    }

    #[test]
    fn ours_are_installed_and_reported() {
        assert_eq!(install(), Installed::RustCrypto);
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(
            None,
            "key",
            "x'0101010101010101010101010101010101010101010101010101010101010101'",
        )
        .unwrap();
        let name: String = conn
            .query_row("PRAGMA cipher_provider", [], |r| r.get(0))
            .unwrap();
        assert_eq!(name, PROVIDER_NAME.to_str().unwrap());
    }

    /// Ours against OpenSSL's own functions, on random pages, keys and IVs: the same
    /// bytes, so files are unchanged.
    #[test]
    fn ours_give_openssls_bytes() {
        assert_eq!(install(), Installed::RustCrypto);
        let o = originals().expect("OpenSSL's kept");
        let null = std::ptr::null_mut();
        for round in 0..64 {
            let key = random(32);
            let iv = random(16);
            let page = random(4048 - 16 * (round % 4));
            let pgno = random(4);
            for algorithm in [HMAC_SHA256, HMAC_SHA512] {
                let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
                // SAFETY: every pointer is a live buffer of the length given.
                let (ra, rb) = unsafe {
                    (
                        page_hmac(
                            null,
                            algorithm,
                            key.as_ptr(),
                            32,
                            page.as_ptr(),
                            page.len() as c_int,
                            pgno.as_ptr(),
                            4,
                            a.as_mut_ptr(),
                        ),
                        (o.hmac)(
                            null,
                            algorithm,
                            key.as_ptr(),
                            32,
                            page.as_ptr(),
                            page.len() as c_int,
                            pgno.as_ptr(),
                            4,
                            b.as_mut_ptr(),
                        ),
                    )
                };
                assert_eq!((ra, rb), (SQLITE_OK, SQLITE_OK));
                assert_eq!(a, b, "HMAC {algorithm}, round {round}");
            }
            for mode in [CIPHER_ENCRYPT, CIPHER_DECRYPT] {
                let (mut a, mut b) = (vec![0u8; page.len()], vec![0u8; page.len()]);
                // SAFETY: as above.
                let (ra, rb) = unsafe {
                    (
                        page_cipher(
                            null,
                            mode,
                            key.as_ptr(),
                            32,
                            iv.as_ptr(),
                            page.as_ptr(),
                            page.len() as c_int,
                            a.as_mut_ptr(),
                        ),
                        (o.cipher)(
                            null,
                            mode,
                            key.as_ptr(),
                            32,
                            iv.as_ptr(),
                            page.as_ptr(),
                            page.len() as c_int,
                            b.as_mut_ptr(),
                        ),
                    )
                };
                assert_eq!((ra, rb), (SQLITE_OK, SQLITE_OK));
                assert_eq!(a, b, "AES-CBC mode {mode}, round {round}");
            }
        }
        // In place, as SQLCipher may call it, and overlapping by a block (it never does:
        // the copy-first path): the same as into another buffer.
        let key = random(32);
        let iv = random(16);
        let page = random(4048);
        for mode in [CIPHER_ENCRYPT, CIPHER_DECRYPT] {
            let mut apart = vec![0u8; page.len()];
            let mut inplace = page.clone();
            let mut shifted = vec![0u8; page.len() + 16];
            shifted[16..].copy_from_slice(&page);
            // SAFETY: as above; `inplace` is both input and output, `shifted` holds the
            // input at 16 and the output at 0, both `page.len()` bytes long.
            unsafe {
                let call = |input: *const u8, out: *mut u8| {
                    page_cipher(null, mode, key.as_ptr(), 32, iv.as_ptr(), input, 4048, out)
                };
                assert_eq!(call(page.as_ptr(), apart.as_mut_ptr()), SQLITE_OK);
                assert_eq!(call(inplace.as_ptr(), inplace.as_mut_ptr()), SQLITE_OK);
                let base = shifted.as_mut_ptr();
                assert_eq!(call(base.add(16), base), SQLITE_OK);
            }
            assert_eq!(apart, inplace, "mode {mode}, in place");
            assert_eq!(apart[..], shifted[..4048], "mode {mode}, overlapping");
        }
    }

    #[test]
    fn bad_arguments_are_errors_not_crashes() {
        let null = std::ptr::null_mut();
        let key = random(32);
        let iv = random(16);
        let mut out = vec![0u8; 64];
        // SAFETY: null pointers and bad lengths are what is being tested; the valid ones
        // are live buffers.
        unsafe {
            assert_eq!(
                page_hmac(
                    null,
                    HMAC_SHA256,
                    std::ptr::null(),
                    32,
                    key.as_ptr(),
                    32,
                    std::ptr::null(),
                    0,
                    out.as_mut_ptr()
                ),
                SQLITE_ERROR
            );
            assert_eq!(
                page_hmac(
                    null,
                    HMAC_SHA256,
                    key.as_ptr(),
                    -1,
                    key.as_ptr(),
                    32,
                    std::ptr::null(),
                    0,
                    out.as_mut_ptr()
                ),
                SQLITE_ERROR
            );
            assert_eq!(
                page_cipher(
                    null,
                    CIPHER_DECRYPT,
                    key.as_ptr(),
                    32,
                    iv.as_ptr(),
                    key.as_ptr(),
                    15,
                    out.as_mut_ptr()
                ),
                SQLITE_ERROR
            );
            assert_eq!(
                page_cipher(
                    null,
                    7,
                    key.as_ptr(),
                    32,
                    iv.as_ptr(),
                    key.as_ptr(),
                    32,
                    out.as_mut_ptr()
                ),
                SQLITE_ERROR
            );
        }
    }
}
