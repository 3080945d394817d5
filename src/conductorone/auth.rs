//! Access tokens: the EdDSA JWT client assertion (RFC 7523) built from the
//! client secret's Ed25519 JWK, exchanged at `/auth/v1/token`, cached per
//! process and refreshed before expiry by one request at a time.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::Ed25519KeyPair;
use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;

use super::C1Error;
use crate::http::{Idempotent, Prepared, Transport};
use crate::secret::Secret;

/// How to authenticate to ConductorOne (the provider maps its
/// configuration onto this).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// `CONDUCTORONE_ACCESS_TOKEN`: a bearer token used as given.
    AccessToken { server_url: url::Url, token: Secret },
    /// OAuth2 client credentials exchanged for access tokens.
    ClientCredentials {
        server_url: url::Url,
        client_id: String,
        client_secret: Secret,
    },
    /// A workload identity token exchanged (RFC 8693) for access tokens.
    WorkloadIdentity {
        server_url: url::Url,
        client_id: String,
        subject_token: Secret,
    },
}

impl Credentials {
    pub fn server_url(&self) -> &url::Url {
        match self {
            Credentials::AccessToken { server_url, .. }
            | Credentials::ClientCredentials { server_url, .. }
            | Credentials::WorkloadIdentity { server_url, .. } => server_url,
        }
    }
}

const SECRET_PREFIX: &str = "secret-token:conductorone.com:v1:";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Refresh this long before the token expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The Ed25519 key in a `secret-token:conductorone.com:v1:<base64url JWK>` secret.
pub fn parse_client_secret(secret: &str) -> Result<ClientKey, C1Error> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let bad = |why: &str| {
        C1Error::InvalidSecret(format!(
            "{why}; expected secret-token:conductorone.com:v1:..."
        ))
    };
    let encoded = secret
        .trim()
        .strip_prefix(SECRET_PREFIX)
        .ok_or_else(|| bad("wrong prefix"))?;
    crate::secret::hide(encoded);
    let jwk_bytes = b64
        .decode(encoded.trim_end_matches('='))
        .map_err(|_| bad("not base64url"))?;
    #[derive(Deserialize)]
    struct Jwk {
        kty: String,
        crv: String,
        x: String,
        d: String,
        #[serde(default)]
        kid: Option<String>,
    }
    let jwk: Jwk = serde_json::from_slice(&jwk_bytes).map_err(|_| bad("not a JSON Web Key"))?;
    crate::secret::hide(&jwk.d);
    if jwk.kty != "OKP" || jwk.crv != "Ed25519" {
        return Err(bad("not an Ed25519 key"));
    }
    let d = b64.decode(&jwk.d).map_err(|_| bad("bad private key"))?;
    let x = b64.decode(&jwk.x).map_err(|_| bad("bad public key"))?;
    let key = Ed25519KeyPair::from_seed_and_public_key(&d, &x)
        .map_err(|_| bad("the key pair does not match"))?;
    Ok(ClientKey {
        key,
        kid: jwk.kid.filter(|k| !k.is_empty()),
    })
}

/// The Ed25519 key of a client secret, and its key ID when the JWK has one.
pub struct ClientKey {
    key: Ed25519KeyPair,
    kid: Option<String>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// A compact EdDSA JWS asserting `client_id` to `audience`, as
/// ConductorOne's own SDK writes it: header `alg`, a random `nonce` (and the
/// JWK's `kid`, when it has one); `aud` one string.
fn assertion(key: &ClientKey, client_id: &str, audience: &str) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut nonce = [0u8; 16];
    let _ = aws_lc_rs::rand::fill(&mut nonce);
    let mut header = json!({ "alg": "EdDSA", "nonce": b64.encode(nonce) });
    if let Some(kid) = &key.kid {
        header["kid"] = json!(kid);
    }
    let key = &key.key;
    let now = now_secs();
    let claims = json!({
        "iss": client_id, "sub": client_id, "aud": audience,
        "iat": now, "nbf": now.saturating_sub(120), "exp": now.saturating_add(120),
    });
    let input = format!(
        "{}.{}",
        b64.encode(header.to_string()),
        b64.encode(claims.to_string())
    );
    let sig = key.sign(input.as_bytes());
    format!("{input}.{}", b64.encode(sig.as_ref()))
}

const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";

enum Kind {
    Static(Secret),
    /// RFC 8693 token exchange of a workload identity token.
    Exchange {
        client_id: String,
        token_url: url::Url,
        subject: Secret,
    },
    Assertion {
        client_id: String,
        key: ClientKey,
        token_url: url::Url,
        audience: String,
        secret: Secret,
    },
}

/// The process's access token.
pub struct TokenSource {
    transport: Transport,
    kind: Kind,
    cached: tokio::sync::Mutex<Option<(Secret, Instant)>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Secret,
    /// Seconds; read by [`lifetime`], which checks it.
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

/// Without `expires_in`, a token is taken to live ten minutes.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(600);
/// The longest a token is kept, whatever the server says.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// How long the token lives: `expires_in` seconds (a whole number, or a
/// string of one), at most [`MAX_LIFETIME`]; anything else is an error.
fn lifetime(expires_in: Option<&serde_json::Value>) -> Result<Duration, C1Error> {
    use serde_json::Value;
    let secs = match expires_in {
        None | Some(Value::Null) => return Ok(DEFAULT_LIFETIME),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(_) => None,
    };
    match secs {
        Some(s) => Ok(Duration::from_secs(s).min(MAX_LIFETIME)),
        None => Err(C1Error::Decode(
            "the token response's expires_in is not a whole number of seconds".into(),
        )),
    }
}

/// Decodes a token endpoint answer and the lifetime it gives, as
/// [`TokenSource::token`] does (for the fuzz harness).
pub(super) fn decode_token_answer(body: &[u8]) {
    if let Ok(tr) = serde_json::from_slice::<TokenResponse>(body) {
        if let Ok(life) = lifetime(tr.expires_in.as_ref()) {
            let _ = Instant::now().checked_add(life);
        }
    }
}

impl TokenSource {
    pub fn new(transport: Transport, auth: &Credentials) -> Result<TokenSource, C1Error> {
        let kind = match auth {
            Credentials::AccessToken { token, .. } => Kind::Static(token.clone()),
            Credentials::WorkloadIdentity {
                server_url,
                client_id,
                subject_token,
            } => {
                let mut token_url = server_url.clone();
                token_url.set_path("/auth/v1/token");
                Kind::Exchange {
                    client_id: client_id.clone(),
                    token_url,
                    subject: subject_token.clone(),
                }
            }
            Credentials::ClientCredentials {
                server_url,
                client_id,
                client_secret,
            } => {
                let mut token_url = server_url.clone();
                token_url.set_path("/auth/v1/token");
                Kind::Assertion {
                    client_id: client_id.clone(),
                    key: parse_client_secret(client_secret.expose())?,
                    audience: server_url.host_str().unwrap_or_default().to_string(),
                    token_url,
                    secret: client_secret.clone(),
                }
            }
        };
        Ok(TokenSource {
            transport,
            kind,
            cached: tokio::sync::Mutex::new(None),
        })
    }

    /// The token request's form, and the secrets in it (for scrubbing
    /// errors). Each form value is held as a [`Secret`] (wiped when the
    /// attempt ends): the form carries the assertion or the subject token.
    fn token_form(&self) -> (Vec<(&'static str, Secret)>, Vec<Secret>) {
        let plain = |s: &str| Secret::public(s);
        match &self.kind {
            Kind::Static(_) => (Vec::new(), Vec::new()),
            Kind::Assertion {
                client_id,
                key,
                audience,
                secret,
                ..
            } => {
                let jwt = Secret::new(assertion(key, client_id, audience));
                (
                    vec![
                        ("grant_type", plain("client_credentials")),
                        ("client_id", plain(client_id)),
                        ("client_assertion_type", plain(JWT_BEARER)),
                        ("client_assertion", jwt.clone()),
                    ],
                    vec![secret.clone(), jwt],
                )
            }
            Kind::Exchange {
                client_id, subject, ..
            } => (
                vec![
                    ("grant_type", plain(TOKEN_EXCHANGE)),
                    ("client_id", plain(client_id)),
                    ("subject_token", subject.clone()),
                    ("subject_token_type", plain(JWT_TOKEN_TYPE)),
                ],
                vec![subject.clone()],
            ),
        }
    }

    /// A live access token; at most one token request runs at a time, and
    /// callers waiting on it share its result.
    pub async fn token(&self) -> Result<Secret, C1Error> {
        let token_url = match &self.kind {
            Kind::Static(t) => return Ok(t.clone()),
            Kind::Assertion { token_url, .. } | Kind::Exchange { token_url, .. } => token_url,
        };
        let mut cached = self.cached.lock().await;
        if let Some((t, expires)) = cached.as_ref() {
            if Instant::now()
                .checked_add(REFRESH_MARGIN)
                .is_some_and(|soon| soon < *expires)
            {
                return Ok(t.clone());
            }
        }
        let body = self
            .transport
            .send(Idempotent::Yes, || async {
                let (form, secrets) = self.token_form();
                let request = self.transport.client().post(token_url.clone()).form(&form);
                Ok::<_, C1Error>(Prepared { request, secrets })
            })
            .await?;
        let tr: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
            C1Error::Decode(format!("token response: {}", crate::http::decode_error(&e)))
        })?;
        if tr.access_token.is_empty() {
            return Err(C1Error::Decode(
                "the token response has no access_token".into(),
            ));
        }
        let token = tr.access_token;
        let lifetime = lifetime(tr.expires_in.as_ref())?;
        let now = Instant::now();
        *cached = Some((token.clone(), now.checked_add(lifetime).unwrap_or(now)));
        tracing::debug!(
            expires_in = lifetime.as_secs(),
            "ConductorOne access token obtained"
        );
        Ok(token)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use super::*;

    pub(crate) struct Sandbox {
        pub(crate) env: std::collections::HashMap<String, String>,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
    }

    /// A sandbox served in this test's runtime.
    pub(crate) async fn sandbox(args: &[&str]) -> (Sandbox, Arc<conductorone_sandbox::Sandbox>) {
        use clap::Parser as _;
        let mut argv = vec!["sandbox"];
        argv.extend_from_slice(args);
        let sb = conductorone_sandbox::Sandbox::new(
            conductorone_sandbox::Config::try_parse_from(argv).unwrap(),
        )
        .unwrap();
        let listener = conductorone_sandbox::listen(&sb).await.unwrap();
        let env = sb
            .env_lines()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = sb.clone();
        tokio::spawn(async move {
            let _ = conductorone_sandbox::serve(served, listener, async {
                let _ = rx.await;
            })
            .await;
        });
        (
            Sandbox {
                env,
                stop: Some(tx),
            },
            sb,
        )
    }

    impl Drop for Sandbox {
        fn drop(&mut self) {
            if let Some(s) = self.stop.take() {
                let _ = s.send(());
            }
        }
    }

    pub(crate) fn auth(
        env: &std::collections::HashMap<String, String>,
        secret: Option<&str>,
    ) -> Credentials {
        Credentials::ClientCredentials {
            server_url: url::Url::parse(&env["CONDUCTORONE_SERVER_URL"]).unwrap(),
            client_id: env["CONDUCTORONE_CLIENT_ID"].clone(),
            client_secret: Secret::new(secret.unwrap_or(&env["CONDUCTORONE_CLIENT_SECRET"])),
        }
    }

    fn token_requests(sb: &conductorone_sandbox::Sandbox) -> usize {
        sb.requests()
            .iter()
            .filter(|r| r.path == "/auth/v1/token")
            .count()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jwt_assertion_gets_a_token_once_for_many_callers() {
        let (s, sb) = sandbox(&["--seed", "11"]).await;
        let client =
            super::super::C1Client::new(Transport::new().unwrap(), &auth(&s.env, None)).unwrap();
        let mut handles = Vec::new();
        for _ in 0..20 {
            let c = client.clone();
            handles.push(tokio::spawn(async move { c.caller_user_id().await }));
        }
        for h in handles {
            assert_eq!(
                h.await.unwrap().unwrap().as_deref(),
                Some(s.env["CONDUCTORONE_SANDBOX_ADMIN_USER_ID"].as_str())
            );
        }
        assert_eq!(
            token_requests(&sb),
            1,
            "one token request for 20 concurrent callers"
        );
    }

    #[tokio::test]
    async fn tokens_are_refreshed_before_they_expire() {
        let (s, sb) = sandbox(&["--token-ttl", "61"]).await;
        let client =
            super::super::C1Client::new(Transport::new().unwrap(), &auth(&s.env, None)).unwrap();
        client.caller_user_id().await.unwrap();
        client.caller_user_id().await.unwrap();
        assert_eq!(token_requests(&sb), 1, "the token is reused while fresh");
        // 61 s lifetime minus the 60 s margin: a call after ~1 s refreshes.
        let start = std::time::Instant::now();
        while token_requests(&sb) < 2 {
            assert!(start.elapsed() < Duration::from_secs(10), "never refreshed");
            tokio::time::sleep(Duration::from_millis(50)).await;
            client.caller_user_id().await.unwrap();
        }
        assert!(
            start.elapsed() >= Duration::from_millis(900),
            "refreshed too early"
        );
        assert_eq!(token_requests(&sb), 2);
    }

    #[tokio::test]
    async fn bad_secrets_are_refused_without_echoing_them() {
        let (s, _sb) = sandbox(&[]).await;
        assert!(matches!(
            parse_client_secret("nonsense"),
            Err(C1Error::InvalidSecret(_))
        ));
        assert!(matches!(
            parse_client_secret("secret-token:conductorone.com:v1:!!!"),
            Err(C1Error::InvalidSecret(_))
        ));
        // A well-formed secret of another key: the sandbox refuses the signature.
        let other = {
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let seed = [7u8; 32];
            let kp = Ed25519KeyPair::from_seed_unchecked(&seed).unwrap();
            use aws_lc_rs::signature::KeyPair as _;
            let jwk = json!({"kty":"OKP","crv":"Ed25519","x": b64.encode(kp.public_key().as_ref()),"d": b64.encode(seed)});
            format!("{SECRET_PREFIX}{}", b64.encode(jwk.to_string()))
        };
        let client =
            super::super::C1Client::new(Transport::new().unwrap(), &auth(&s.env, Some(&other)))
                .unwrap();
        let e = client.caller_user_id().await.unwrap_err();
        let text = e.to_string();
        assert!(
            matches!(e, C1Error::Unauthenticated { status: 401, .. }),
            "{text}"
        );
        assert!(text.contains("bad signature"), "{text}");
        assert!(!text.contains(&other[SECRET_PREFIX.len()..]), "{text}");
    }

    /// The assertion as ConductorOne's SDK (go-jose) writes it: header
    /// `alg`, `nonce` and the JWK's `kid`; `aud` one string.
    #[test]
    fn assertions_take_the_official_form() {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use aws_lc_rs::signature::KeyPair as _;
        let seed = [9u8; 32];
        let kp = Ed25519KeyPair::from_seed_unchecked(&seed).unwrap();
        let x = b64.encode(kp.public_key().as_ref());
        for kid in [None, Some("key-1")] {
            let mut jwk = json!({"kty":"OKP","crv":"Ed25519","x": x,"d": b64.encode(seed)});
            if let Some(k) = kid {
                jwk["kid"] = json!(k);
            }
            let secret = format!("{SECRET_PREFIX}{}", b64.encode(jwk.to_string()));
            let key = parse_client_secret(&secret).unwrap();
            let jws = assertion(&key, "fox@acme.conductor.one/spc", "acme.conductor.one");
            let parts: Vec<&str> = jws.split('.').collect();
            let header: serde_json::Value =
                serde_json::from_slice(&b64.decode(parts[0]).unwrap()).unwrap();
            let claims: serde_json::Value =
                serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
            assert_eq!(header["alg"], "EdDSA");
            assert!(header["nonce"].is_string());
            assert!(header.get("typ").is_none());
            assert_eq!(header.get("kid").and_then(|k| k.as_str()), kid);
            assert_eq!(claims["aud"], "acme.conductor.one");
            assert_eq!(claims["iss"], claims["sub"]);
        }
    }

    #[test]
    fn token_lifetimes_are_checked() {
        let v = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
        assert_eq!(lifetime(None).unwrap(), DEFAULT_LIFETIME);
        assert_eq!(
            lifetime(Some(&v("3600"))).unwrap(),
            Duration::from_secs(3600)
        );
        assert_eq!(
            lifetime(Some(&v("\"120\""))).unwrap(),
            Duration::from_secs(120)
        );
        assert_eq!(
            lifetime(Some(&v("18446744073709551615"))).unwrap(),
            MAX_LIFETIME
        );
        for bad in ["-5", "1.5", "\"soon\"", "[]", "true"] {
            let e = lifetime(Some(&v(bad))).unwrap_err().to_string();
            assert!(e.contains("expires_in is not a whole number"), "{bad}: {e}");
        }
    }

    fn workload_token(aud: &str, exp: u64) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let claims = json!({"iss": "https://app.terraform.io", "aud": aud, "exp": exp,
            "sub": "organization:acme:project:infra:workspace:iam:run_phase:apply"});
        format!(
            "{}.{}.c2ln",
            b64.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
            b64.encode(claims.to_string())
        )
    }

    #[tokio::test]
    async fn workload_identity_tokens_are_exchanged() {
        let (s, sb) = sandbox(&[]).await;
        let server_url = url::Url::parse(&s.env["CONDUCTORONE_SERVER_URL"]).unwrap();
        let host = server_url.host_str().unwrap().to_string();
        let wi = |client_id: &str, token: String| Credentials::WorkloadIdentity {
            server_url: server_url.clone(),
            client_id: client_id.to_string(),
            subject_token: Secret::new(token),
        };
        let wfe = &s.env["CONDUCTORONE_SANDBOX_WFE_CLIENT_ID"];
        let client = super::super::C1Client::new(
            Transport::new().unwrap(),
            &wi(wfe, workload_token(&host, now_secs() + 600)),
        )
        .unwrap();
        assert_eq!(
            client.caller_user_id().await.unwrap().as_deref(),
            Some(s.env["CONDUCTORONE_SANDBOX_ADMIN_USER_ID"].as_str())
        );
        client.caller_user_id().await.unwrap();
        assert_eq!(token_requests(&sb), 1);
        // Expired, or for another tenant: refused, without echoing the token.
        for token in [
            workload_token(&host, now_secs() - 10),
            workload_token("other.conductor.one", now_secs() + 600),
        ] {
            let client =
                super::super::C1Client::new(Transport::new().unwrap(), &wi(wfe, token.clone()))
                    .unwrap();
            let e = client.caller_user_id().await.unwrap_err().to_string();
            assert!(e.contains("subject_token"), "{e}");
            assert!(!e.contains(&token), "{e}");
        }
    }
}
