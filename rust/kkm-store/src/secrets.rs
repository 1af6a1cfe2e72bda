//! Secrets at rest: AES-256-GCM under a data key that the platform provides.
//!
//! * Desktop: [`KeyFile`] — 32 random bytes in a file created on first start with mode
//!   0600 (owner only), next to the database.
//! * Android: [`StaticKey`] — the Kotlin side unwraps the key with Android Keystore and
//!   passes the bytes in.
//!
//! Sealed values are `nonce (12 bytes) ‖ ciphertext ‖ tag`, with a fresh random nonce
//! each time and the value's purpose as associated data (a token sealed for KKM 1 does
//! not open as KKM 2's). A wrong key is found when the store opens (a sealed check value)
//! and reported as [`StoreError::WrongKey`], never as garbage.

use std::io::Write;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};

use crate::StoreError;

/// Length of the data key in bytes.
pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;

/// Where the data key comes from.
pub trait KeyProvider {
    /// The 32-byte data key.
    fn data_key(&self) -> Result<[u8; KEY_LEN], StoreError>;
}

/// A 32-byte key for one use of the data key: HKDF-SHA-256 with salt `kkm-store` and
/// the use's own label as info (the chain key, the journal file's key).
pub(crate) fn derive_key(data_key: &[u8; KEY_LEN], label: &[u8]) -> [u8; 32] {
    let hkdf = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"kkm-store"), data_key);
    let mut key = [0u8; 32];
    // 32 bytes is far below HKDF's limit (255 × 32): expand cannot fail.
    let _ = hkdf.expand(label, &mut key);
    key
}

/// A key given by the caller (Android: unwrapped with the Keystore).
#[derive(Clone)]
pub struct StaticKey(pub [u8; KEY_LEN]);

impl std::fmt::Debug for StaticKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticKey(..)")
    }
}

impl KeyProvider for StaticKey {
    fn data_key(&self) -> Result<[u8; KEY_LEN], StoreError> {
        Ok(self.0)
    }
}

/// A key file readable only by its owner, created with a random key on first use.
#[derive(Clone, Debug)]
pub struct KeyFile {
    path: PathBuf,
}

impl KeyFile {
    /// The key file at `path`.
    pub fn new(path: impl AsRef<Path>) -> Self {
        KeyFile {
            path: path.as_ref().to_path_buf(),
        }
    }

    /// Creates the key file durably: the key is written to a temporary file (0600),
    /// fsynced, linked to its name only if no key is there yet (a hard link never
    /// replaces a file, so two first starts cannot each keep another key), and the
    /// directory is fsynced. A crash at any point leaves either no key file or a
    /// complete one, never a short one.
    fn create(&self) -> Result<[u8; KEY_LEN], StoreError> {
        let mut key = [0u8; KEY_LEN];
        key.copy_from_slice(&Aes256Gcm::generate_key(&mut OsRng));
        let io = |e: std::io::Error| StoreError::Key(format!("{}: {e}", self.path.display()));
        let tmp = self
            .path
            .with_extension(format!("tmp-{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let written = (|| {
            let mut file = options.open(&tmp)?;
            // Windows has no mode bits: the file's ACL is cut down to this account,
            // SYSTEM and Administrators before the key goes in (a hard link shares it).
            #[cfg(windows)]
            owner_only::restrict(&tmp)?;
            file.write_all(&key)?;
            file.sync_all()?;
            std::fs::hard_link(&tmp, &self.path)
        })();
        let _ = std::fs::remove_file(&tmp);
        match written {
            Ok(()) => {}
            // Another process made the key first: use its key.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return self.read(),
            Err(e) => return Err(io(e)),
        }
        sync_dir(&self.path).map_err(io)?;
        Ok(key)
    }

    fn read(&self) -> Result<[u8; KEY_LEN], StoreError> {
        let bytes = std::fs::read(&self.path)
            .map_err(|e| StoreError::Key(format!("{}: {e}", self.path.display())))?;
        <[u8; KEY_LEN]>::try_from(bytes.as_slice()).map_err(|_| {
            StoreError::Key(format!(
                "{} holds {} bytes, not a {KEY_LEN}-byte key",
                self.path.display(),
                bytes.len()
            ))
        })
    }
}

/// The key file readable by its owner only on Windows, as mode 0600 makes it on Unix:
/// the ACL loses what it inherits from the folder and grants full control to the
/// account the daemon runs as (a service's virtual account, or the user), SYSTEM and
/// the Administrators group, nobody else — so a cashier's Windows account can neither
/// read the key nor write into it. Done with the tools every Windows has (`whoami`
/// for the account's SID, `icacls` for the ACL); what they are given and how their
/// answer is read is plain code, tested on every platform.
// Only `restrict` runs outside Windows' builds: the rest is compiled and tested here.
#[cfg_attr(not(windows), allow(dead_code))]
mod owner_only {
    /// SYSTEM and the Administrators group, as `icacls` names SIDs.
    const ALWAYS: [&str; 2] = ["*S-1-5-18:F", "*S-1-5-32-544:F"];

    /// The SID in `whoami /user /fo csv /nh`'s answer (`"host\\user","S-1-5-…"`).
    pub(super) fn sid_of_whoami(answer: &str) -> Option<String> {
        let sid = answer.trim().rsplit(',').next()?.trim().trim_matches('"');
        (sid.starts_with("S-1-") && sid[4..].bytes().all(|b| b.is_ascii_digit() || b == b'-'))
            .then(|| sid.to_owned())
    }

    /// `icacls`'s arguments after the path: no inherited entries, full control for
    /// `sid`, SYSTEM and Administrators only.
    pub(super) fn icacls_args(sid: &str) -> Vec<String> {
        let mut args = vec!["/inheritance:r".to_owned(), "/grant:r".to_owned()];
        args.push(format!("*{sid}:F"));
        args.extend(ALWAYS.iter().map(|s| (*s).to_owned()));
        args
    }

    /// Restricts `path`'s ACL (see the module).
    #[cfg(windows)]
    pub(super) fn restrict(path: &std::path::Path) -> std::io::Result<()> {
        use std::process::Command;
        let whoami = Command::new("whoami")
            .args(["/user", "/fo", "csv", "/nh"])
            .output()?;
        let sid = sid_of_whoami(&String::from_utf8_lossy(&whoami.stdout)).ok_or_else(|| {
            std::io::Error::other("whoami /user gave no SID for the key file's ACL")
        })?;
        let status = Command::new("icacls")
            .arg(path)
            .args(icacls_args(&sid))
            .status()?;
        if status.success() {
            Ok(())
        } else {
            Err(std::io::Error::other(format!(
                "icacls could not restrict the key file ({status})"
            )))
        }
    }
}

/// Makes a new directory entry durable (unix; elsewhere the rename/link is journaled by
/// the file system and there is no directory handle to sync).
pub(crate) fn sync_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

impl KeyProvider for KeyFile {
    fn data_key(&self) -> Result<[u8; KEY_LEN], StoreError> {
        match std::fs::metadata(&self.path) {
            Ok(meta) if meta.len() == 0 => {
                // Left by a crash of a release that wrote the key in place: it was never
                // synced, so nothing was ever sealed with it. Replace it.
                std::fs::remove_file(&self.path)
                    .map_err(|e| StoreError::Key(format!("{}: {e}", self.path.display())))?;
                self.create()
            }
            Ok(_) => self.read(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.create(),
            Err(e) => Err(StoreError::Key(format!("{}: {e}", self.path.display()))),
        }
    }
}

/// The cipher of an open store.
pub(crate) struct Sealer {
    cipher: Aes256Gcm,
    key: [u8; KEY_LEN],
}

impl Sealer {
    pub(crate) fn new(key: [u8; KEY_LEN]) -> Self {
        Sealer {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key)),
            key,
        }
    }

    /// The raw key, for keyed fingerprints (HMAC) of low-entropy secrets.
    pub(crate) fn key(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// Seals `plain` for `purpose`.
    pub(crate) fn seal(&self, purpose: &[u8], plain: &[u8]) -> Result<Vec<u8>, StoreError> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: purpose,
                },
            )
            .map_err(|_| StoreError::Key("encryption failed".into()))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens what [`Sealer::seal`] made for `purpose`; a wrong key or altered bytes
    /// give [`StoreError::WrongKey`].
    pub(crate) fn open(&self, purpose: &[u8], sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        if sealed.len() < NONCE_LEN {
            return Err(StoreError::WrongKey);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: purpose,
                },
            )
            .map_err(|_| StoreError::WrongKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_wrong_key_or_purpose() {
        let a = Sealer::new([1; KEY_LEN]);
        let b = Sealer::new([2; KEY_LEN]);
        let sealed = a.seal(b"token:1", b"secret").unwrap();
        assert_ne!(
            a.seal(b"token:1", b"secret").unwrap(),
            sealed,
            "fresh nonces"
        );
        assert_eq!(a.open(b"token:1", &sealed).unwrap(), b"secret");
        assert!(matches!(
            b.open(b"token:1", &sealed),
            Err(StoreError::WrongKey)
        ));
        assert!(matches!(
            a.open(b"token:2", &sealed),
            Err(StoreError::WrongKey)
        ));
        assert!(matches!(
            a.open(b"token:1", &sealed[..5]),
            Err(StoreError::WrongKey)
        ));
    }

    #[test]
    fn the_windows_acl_names_only_the_account_system_and_administrators() {
        let answer = "\"kassa-pc\\\\nt service\\\\kkm-daemon\",\"S-1-5-80-1234-5678\"\r\n";
        let sid = owner_only::sid_of_whoami(answer).unwrap();
        assert_eq!(sid, "S-1-5-80-1234-5678");
        assert_eq!(
            owner_only::icacls_args(&sid),
            [
                "/inheritance:r",
                "/grant:r",
                "*S-1-5-80-1234-5678:F",
                "*S-1-5-18:F",
                "*S-1-5-32-544:F"
            ]
        );
        for bad in [
            "",
            "\"user\",\"\"",
            "\"user\",\"S-1-5; del\"",
            "ERROR: access denied",
        ] {
            assert_eq!(owner_only::sid_of_whoami(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn key_files_are_created_once_owner_only() {
        let dir = std::env::temp_dir().join(format!("kkm-key-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = KeyFile::new(dir.join("data.key"));
        let first = file.data_key().unwrap();
        assert_eq!(file.data_key().unwrap(), first, "the same key next time");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("data.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // An empty key file (a crash of an older release) is replaced; no temporary file
        // is left beside the key.
        std::fs::write(dir.join("empty.key"), b"").unwrap();
        let replaced = KeyFile::new(dir.join("empty.key")).data_key().unwrap();
        assert_eq!(std::fs::read(dir.join("empty.key")).unwrap(), replaced);
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| n.ends_with(".key")), "{names:?}");
        std::fs::write(dir.join("short.key"), b"abc").unwrap();
        assert!(matches!(
            KeyFile::new(dir.join("short.key")).data_key(),
            Err(StoreError::Key(_))
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
