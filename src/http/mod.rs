//! The one HTTP transport that both API clients and the ConductorOne token
//! source send through: the request timeout, retries (`retry`), `Retry-After`,
//! a bound on response bodies, and error bodies scrubbed of every secret of
//! the request before anything is cut or shown. Each API keeps only its own
//! error classification ([`ApiError`]) and models.

pub mod retry;

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::secret::Secret;

pub use retry::{encode_segment, join_url, RetryPolicy, Retryable};

/// The most of a response body we read (a page of 200 Segment groups is a
/// few hundred KiB).
pub const MAX_BODY: usize = 32 << 20;
/// How much of an error text we show.
pub const MAX_MESSAGE: usize = 300;

/// Why an attempt failed, before an API classifies it.
#[derive(Debug)]
pub enum Failure {
    /// The server answered with a non-2xx status.
    Status(ErrorBody),
    /// No answer: `connect` when the connection was never made (so the
    /// server cannot have acted on the request).
    Transport { message: String, connect: bool },
}

/// A non-2xx answer, with the secrets of its request for scrubbing.
#[derive(Debug)]
pub struct ErrorBody {
    pub status: u16,
    pub retry_after: Option<Duration>,
    body: Bytes,
    secrets: Vec<Secret>,
}

impl ErrorBody {
    pub fn new(
        status: u16,
        retry_after: Option<Duration>,
        body: &[u8],
        secrets: Vec<Secret>,
    ) -> Self {
        ErrorBody {
            status,
            retry_after,
            body: Bytes::copy_from_slice(body),
            secrets,
        }
    }

    /// The body parsed as JSON of an API's error shape.
    pub fn json<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text, scrubbed, then cut.
    pub fn text(&self) -> String {
        self.scrub(&String::from_utf8_lossy(&self.body))
    }

    /// `text` without the request's secrets and control characters, cut to
    /// [`MAX_MESSAGE`] characters (scrubbed first, so that no part of a
    /// secret straddling the cut remains).
    pub fn scrub(&self, text: &str) -> String {
        scrub(text, self.secrets.iter().map(Secret::expose))
    }
}

/// Removes secrets and control characters, then bounds the length.
pub fn scrub<'a>(text: &str, secrets: impl IntoIterator<Item = &'a str>) -> String {
    let mut t = text.to_string();
    for s in secrets.into_iter().filter(|s| !s.is_empty()) {
        t = t.replace(s, "REDACTED");
    }
    let t: String = t.chars().filter(|c| !c.is_control()).collect();
    if t.chars().count() > MAX_MESSAGE {
        t.chars().take(MAX_MESSAGE).collect::<String>() + "…"
    } else {
        t
    }
}

/// An API's own errors, made from transport failures.
pub trait ApiError: Retryable + Sized {
    fn from_failure(f: Failure) -> Self;
    /// The server cannot have acted on the request (rate limited before it
    /// started, or never connected): safe to retry even a create.
    fn not_acted_on(&self) -> bool;
}

/// Whether a request may be repeated after an uncertain failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idempotent {
    Yes,
    No,
}

/// One attempt's request, and the secrets it carries.
pub struct Prepared {
    pub request: reqwest::RequestBuilder,
    pub secrets: Vec<Secret>,
}

/// The process's HTTP client with a retry policy.
#[derive(Clone, Debug)]
pub struct Transport {
    client: reqwest::Client,
    policy: RetryPolicy,
}

impl Transport {
    pub fn new(client: reqwest::Client) -> Self {
        Transport {
            client,
            policy: RetryPolicy::default(),
        }
    }

    pub fn with_policy(client: reqwest::Client, policy: RetryPolicy) -> Self {
        Transport { client, policy }
    }

    /// For building requests.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends the request `prepare` builds (afresh for each attempt), with
    /// retries; calls that are not idempotent retry only what the server
    /// cannot have acted on. Returns the body of the 2xx answer.
    pub async fn send<E, F, Fut>(&self, idempotent: Idempotent, prepare: F) -> Result<Bytes, E>
    where
        E: ApiError,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Prepared, E>>,
    {
        let retry_if =
            |e: &E| e.is_retryable() && (idempotent == Idempotent::Yes || e.not_acted_on());
        retry::run_if(&self.policy, retry_if, || async {
            let p = prepare().await?;
            self.attempt(p).await.map_err(E::from_failure)
        })
        .await
    }

    async fn attempt(&self, p: Prepared) -> Result<Bytes, Failure> {
        let mut resp = p
            .request
            .timeout(self.policy.request_timeout)
            .send()
            .await
            .map_err(|e| transport(&e))?;
        let status = resp.status();
        let retry_after = retry::retry_after(resp.headers());
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| transport(&e))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(Failure::Transport {
                    message: format!("the answer is larger than {MAX_BODY} bytes"),
                    connect: false,
                });
            }
            body.extend_from_slice(&chunk);
        }
        if status.is_success() {
            return Ok(Bytes::from(body));
        }
        Err(Failure::Status(ErrorBody {
            status: status.as_u16(),
            retry_after,
            body: Bytes::from(body),
            secrets: p.secrets,
        }))
    }
}

/// A transport error's message with its causes (reqwest's messages carry
/// the URL, never headers or bodies: no secret in them).
fn transport(e: &reqwest::Error) -> Failure {
    let mut message = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        message.push_str(": ");
        message.push_str(&s.to_string());
        src = s.source();
    }
    Failure::Transport {
        message,
        connect: e.is_connect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_scrubbed_before_the_cut() {
        let token = "tok_".to_string() + &"x".repeat(40);
        let text = format!("{}{token} trailing", "a".repeat(MAX_MESSAGE - 10));
        let out = scrub(&text, [token.as_str()]);
        assert!(!out.contains("tok_"), "{out}");
        assert!(!out.contains("xxxxxxxxxx"), "{out}");
        assert!(out.chars().count() <= MAX_MESSAGE + 1);
        assert_eq!(scrub("a\nb", []), "ab");
    }
}
