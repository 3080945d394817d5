//! AutoMTLS as go-plugin does it: a fresh self-signed server certificate per
//! start, and exactly one accepted client certificate, the one Terraform put
//! in `PLUGIN_CLIENT_CERT`.
//!
//! Terraform's client certificate is ECDSA P-521 with the CA flag set. Stock
//! WebPKI verification refuses a CA certificate as an end entity, and *ring*
//! cannot verify P-521 signatures, so we pin the exact DER and check the
//! handshake signature with aws-lc-rs, which supports P-521.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{aws_lc_rs, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("PLUGIN_CLIENT_CERT holds no PEM certificate")]
    NoClientCert,
    #[error("PLUGIN_CLIENT_CERT is not valid PEM: {0}")]
    BadPem(String),
    #[error("could not generate the server certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("could not build the TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The server side of AutoMTLS.
pub struct ServerTls {
    /// DER of our certificate, to announce in the handshake line.
    pub cert_der: Vec<u8>,
    pub config: Arc<rustls::ServerConfig>,
}

/// Parses the first certificate of a PEM bundle (rustls-pki-types' own
/// PEM reader).
pub fn parse_pem_cert(pem: &str) -> Result<CertificateDer<'static>, TlsError> {
    use rustls::pki_types::pem::{self, PemObject as _};
    match CertificateDer::from_pem_slice(pem.as_bytes()) {
        Ok(c) => Ok(c),
        Err(pem::Error::NoItemsFound) => Err(TlsError::NoClientCert),
        Err(e) => Err(TlsError::BadPem(e.to_string())),
    }
}

/// Builds the server TLS configuration that accepts only `client_cert`.
pub fn server_tls(client_cert: CertificateDer<'static>) -> Result<ServerTls, TlsError> {
    let provider = Arc::new(aws_lc_rs::default_provider());
    let (cert, key) = generate_server_cert()?;
    let verifier = PinnedClientCert {
        pinned: client_cert,
        algs: provider.signature_verification_algorithms,
    };
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![cert.clone()], key)?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(ServerTls {
        cert_der: cert.to_vec(),
        config: Arc::new(config),
    })
}

/// A self-signed certificate shaped like go-plugin's own: `localhost`, CA
/// flag, server and client auth. P-256 is quick to generate and Go accepts it.
pub fn generate_server_cert(
) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), rcgen::Error> {
    generate_cert(&rcgen::PKCS_ECDSA_P256_SHA256)
}

/// Generates a go-plugin style certificate with the given algorithm (tests
/// use P-521, as Terraform does).
pub fn generate_cert(
    alg: &'static rcgen::SignatureAlgorithm,
) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), rcgen::Error> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let key = KeyPair::generate_for(alg)?;
    let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "HashiCorp");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let cert = params.self_signed(&key)?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((cert.der().clone(), key_der))
}

#[derive(Debug)]
struct PinnedClientCert {
    pinned: CertificateDer<'static>,
    algs: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.pinned.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            tracing::warn!(
                "refused a TLS client whose certificate is not the one Terraform announced"
            );
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}
