//! HTTPS for the LAN: a second listener (`[tls] listen`) with the administrator's
//! certificate, or one the daemon makes for itself.
//!
//! The plain listener stays where it is (`127.0.0.1:8080` by default: the POS programs
//! of this machine keep calling it as they called CashCore). A till's browser or a
//! back office on another machine reaches the console over HTTPS, where the PIN typed
//! at sign-in and the session cookie (marked `Secure` there: [`crate::server`]) do not
//! cross the shop's network in clear.
//!
//! Without `cert`/`key` the daemon makes a self-signed certificate on first start, in
//! the data folder (`tls/cert.pem`, `tls/key.pem`, the key readable by the daemon's
//! account only), for `localhost`, the machine's name and the configured `allowed_hosts`,
//! and logs its SHA-256 fingerprint: the admin compares it with what the browser shows
//! once, then trusts it. A certificate from the shop's own CA replaces it by `cert` and
//! `key`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use tokio_rustls::TlsAcceptor;

use crate::config::ConfigError;

/// The `[tls]` settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSettings {
    /// Where HTTPS listens (e.g. `0.0.0.0:8443`).
    pub listen: SocketAddr,
    /// The certificate chain (PEM), leaf first; with `key`. `None`: self-signed.
    pub cert: Option<PathBuf>,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key: Option<PathBuf>,
}

/// A TLS acceptor ready to serve, and what to log about its certificate.
pub struct Tls {
    /// The acceptor.
    pub acceptor: TlsAcceptor,
    /// SHA-256 of the leaf certificate (hex, `AA:BB:…`), as browsers show it.
    pub fingerprint: String,
    /// Where the certificate came from.
    pub source: PathBuf,
    /// It was made just now (first start).
    pub generated: bool,
}

/// The acceptor of `settings`: the configured certificate, or the data folder's
/// self-signed one (made on first start for `names`).
pub fn acceptor(
    settings: &TlsSettings,
    data_dir: &Path,
    names: &[String],
) -> Result<Tls, ConfigError> {
    let (cert_path, key_path, generated) = match (&settings.cert, &settings.key) {
        (Some(cert), Some(key)) => (cert.clone(), key.clone(), false),
        (None, None) => {
            let dir = data_dir.join("tls");
            let cert = dir.join("cert.pem");
            let key = dir.join("key.pem");
            let generated = if cert.exists() && key.exists() {
                false
            } else {
                self_signed(&dir, &cert, &key, names)?;
                true
            };
            (cert, key, generated)
        }
        _ => {
            return Err(ConfigError(
                "[tls]: give both cert and key, or neither (a self-signed certificate)".into(),
            ))
        }
    };
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| ConfigError(format!("[tls] {}: {e}", path.display())))
    };
    let cert_pem = read(&cert_path)?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| ConfigError(format!("[tls] {}: {e}", cert_path.display())))?;
    let leaf = chain
        .first()
        .ok_or_else(|| ConfigError(format!("[tls] {}: no certificate", cert_path.display())))?;
    let fingerprint = Sha256::digest(leaf.as_ref())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    let key = PrivateKeyDer::from_pem_slice(&read(&key_path)?)
        .map_err(|e| ConfigError(format!("[tls] {}: {e}", key_path.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError(format!("[tls]: {e}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| ConfigError(format!("[tls] the certificate and the key: {e}")))?;
    Ok(Tls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        fingerprint,
        source: cert_path,
        generated,
    })
}

/// The names a self-signed certificate is made for: `localhost`, the loopback
/// addresses, the machine's name (`$HOSTNAME` or `/etc/hostname`), `listen`'s address
/// when it is a specific one, and the configured host names.
pub fn certificate_names(listen: SocketAddr, allowed_hosts: &[String]) -> Vec<String> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty());
    names.extend(host);
    if !listen.ip().is_unspecified() {
        names.push(listen.ip().to_string());
    }
    names.extend(allowed_hosts.iter().cloned());
    names.sort();
    names.dedup();
    names
}

fn self_signed(dir: &Path, cert: &Path, key: &Path, names: &[String]) -> Result<(), ConfigError> {
    let fail =
        |e: &dyn std::fmt::Display| ConfigError(format!("[tls] self-signed certificate: {e}"));
    let made = rcgen::generate_simple_self_signed(names.to_vec()).map_err(|e| fail(&e))?;
    std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
    write_private(key, made.signing_key.serialize_pem().as_bytes()).map_err(|e| fail(&e))?;
    std::fs::write(cert, made.cert.pem()).map_err(|e| fail(&e))?;
    Ok(())
}

/// Writes a file only its owner may read (0600 on Unix).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_certificate_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let settings = TlsSettings {
            listen: "127.0.0.1:0".parse().unwrap(),
            cert: None,
            key: None,
        };
        let names = certificate_names(settings.listen, &["kassa.shop.lan".into()]);
        assert!(
            names.contains(&"kassa.shop.lan".to_owned()) && names.contains(&"localhost".to_owned())
        );
        let first = acceptor(&settings, dir.path(), &names).unwrap();
        assert!(first.generated);
        assert_eq!(first.fingerprint.len(), 32 * 3 - 1);
        let again = acceptor(&settings, dir.path(), &names).unwrap();
        assert!(!again.generated);
        assert_eq!(again.fingerprint, first.fingerprint, "the same certificate");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("tls/key.pem"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_half_configured_or_broken_certificate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let only_cert = TlsSettings {
            listen: "127.0.0.1:0".parse().unwrap(),
            cert: Some(dir.path().join("c.pem")),
            key: None,
        };
        assert!(acceptor(&only_cert, dir.path(), &[]).is_err());
        std::fs::write(dir.path().join("c.pem"), "not a certificate").unwrap();
        std::fs::write(dir.path().join("k.pem"), "not a key").unwrap();
        let broken = TlsSettings {
            key: Some(dir.path().join("k.pem")),
            ..only_cert
        };
        let error = acceptor(&broken, dir.path(), &[]).err().expect("refused");
        assert!(error.0.contains("c.pem"), "{error}");
    }
}
