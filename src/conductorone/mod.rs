//! A typed client for the ConductorOne API: OAuth2 client credentials with the
//! EdDSA JWT client assertion built from a `secret-token:conductorone.com:v1:`
//! secret, or a static `CONDUCTORONE_ACCESS_TOKEN`. One access token per
//! process, refreshed a minute before it expires, with a single token request
//! in flight however many callers ask at once. Errors are typed from
//! `google.rpc.Status` bodies.

mod auth;

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

pub use auth::{parse_client_secret, TokenSource};

use crate::provider::ConductorOneAuth;

const MAX_MESSAGE: usize = 300;

#[derive(Debug, thiserror::Error)]
pub enum C1Error {
    #[error("invalid ConductorOne client secret: {0}")]
    InvalidSecret(String),
    #[error("ConductorOne refused the credentials (HTTP {status}): {message}")]
    Unauthenticated { status: u16, message: String },
    #[error("ConductorOne answered HTTP {status} (code {code}): {message}")]
    Status {
        status: u16,
        code: i64,
        message: String,
    },
    #[error("could not reach ConductorOne: {0}")]
    Transport(String),
    #[error("ConductorOne's answer could not be read: {0}")]
    Decode(String),
}

impl C1Error {
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            C1Error::Status { status: 404, .. } | C1Error::Status { code: 5, .. }
        )
    }

    /// From a non-2xx response: `google.rpc.Status` when the body is one.
    pub(crate) fn from_response(status: u16, body: &[u8], secrets: &[&str]) -> C1Error {
        #[derive(Deserialize)]
        struct RpcStatus {
            code: Option<i64>,
            message: Option<String>,
        }
        let parsed: Option<RpcStatus> = serde_json::from_slice(body).ok();
        let message = parsed
            .as_ref()
            .and_then(|s| s.message.clone())
            .unwrap_or_else(|| {
                String::from_utf8_lossy(body)
                    .chars()
                    .take(MAX_MESSAGE)
                    .collect()
            });
        let message = scrub(&message, secrets);
        match status {
            401 => C1Error::Unauthenticated { status, message },
            _ => C1Error::Status {
                status,
                code: parsed.and_then(|s| s.code).unwrap_or(0),
                message,
            },
        }
    }

    pub(crate) fn transport(e: &reqwest::Error) -> C1Error {
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            src = s.source();
        }
        C1Error::Transport(msg)
    }
}

/// Removes secrets and control characters and bounds the length.
fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut t = text.to_string();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        t = t.replace(s, "REDACTED");
    }
    let t: String = t.chars().filter(|c| !c.is_control()).collect();
    if t.chars().count() > MAX_MESSAGE {
        t.chars().take(MAX_MESSAGE).collect::<String>() + "…"
    } else {
        t
    }
}

/// The ConductorOne API, sharing the process's HTTP client and token.
#[derive(Clone)]
pub struct C1Client {
    http: reqwest::Client,
    base: url::Url,
    tokens: Arc<TokenSource>,
}

impl C1Client {
    pub fn new(http: reqwest::Client, auth: &ConductorOneAuth) -> Result<C1Client, C1Error> {
        let base = match auth {
            ConductorOneAuth::AccessToken { server_url, .. }
            | ConductorOneAuth::ClientCredentials { server_url, .. } => server_url.clone(),
        };
        Ok(C1Client {
            tokens: Arc::new(TokenSource::new(http.clone(), auth)?),
            http,
            base,
        })
    }

    pub fn tokens(&self) -> &TokenSource {
        &self.tokens
    }

    fn url(&self, path: &str) -> url::Url {
        let mut u = self.base.clone();
        let joined = format!(
            "{}/{}",
            u.path().trim_end_matches('/'),
            path.trim_start_matches('/')
        );
        u.set_path(&joined);
        u
    }

    /// `GET /api/v1/auth/introspect`: the calling principal's user id.
    pub async fn caller_user_id(&self) -> Result<String, C1Error> {
        let v: Value = self.get("/api/v1/auth/introspect").await?;
        v.get("userId")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| C1Error::Decode("introspection returned no userId".into()))
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, C1Error> {
        let token = self.tokens.token().await?;
        let resp = self
            .http
            .get(self.url(path))
            .bearer_auth(token.expose())
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .map_err(|e| C1Error::transport(&e))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| C1Error::transport(&e))?;
        if !status.is_success() {
            return Err(C1Error::from_response(
                status.as_u16(),
                &body,
                &[token.expose()],
            ));
        }
        serde_json::from_slice(&body).map_err(|e| C1Error::Decode(e.to_string()))
    }
}
