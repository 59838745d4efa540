//! A test-only certificate root and a server certificate it signs, for the TLS servers the
//! tests start on 127.0.0.1 (HTTPS for `verify`, SMTP with STARTTLS for `notify`).

use std::sync::Arc;

/// The root (PEM, written to a temporary file for `ROSETTE_CA_FILE`) and a server
/// configuration whose certificate it signs.
pub struct Pki {
    pub ca_file: tempfile::NamedTempFile,
    pub server: Arc<rustls::ServerConfig>,
}

/// A new root named `name`, and a server certificate for `hosts`.
pub fn make(name: &str, hosts: Vec<String>) -> Pki {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(rcgen::DnType::CommonName, name);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().expect("CA key"))
        .expect("CA certificate");
    let leaf_key = rcgen::KeyPair::generate().expect("server key");
    let leaf = rcgen::CertificateParams::new(hosts)
        .expect("server params")
        .signed_by(&leaf_key, &ca)
        .expect("server certificate");
    let ca_file = tempfile::NamedTempFile::new().expect("CA file");
    std::fs::write(ca_file.path(), ca.pem()).expect("write the CA file");
    let key = rustls::pki_types::PrivatePkcs8KeyDer::from(leaf_key.serialize_der());
    #[allow(
        deprecated,
        reason = "ring, as ureq and lettre use it; post-quantum key exchange is not what is tested"
    )]
    let provider = rustls::crypto::ring::default_provider();
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key.into())
        .expect("server config");
    Pki { ca_file, server: Arc::new(server) }
}
