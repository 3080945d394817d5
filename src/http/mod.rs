//! The one HTTP transport that both API clients and the ConductorOne token
//! source send through: the request timeout, retries (`retry`), `Retry-After`,
//! the redirect policy (`redirect`: never to another origin, never a body
//! again), bounds on response bodies and on lists (`paging`), and error
//! texts scrubbed of every secret of the request before anything is cut or
//! shown (`scrub`). Each API keeps only its own error classification
//! ([`ApiError`]) and models.

#[cfg(test)]
mod hostile_tests;
pub mod paging;
pub mod proxy;
pub mod redirect;
pub mod retry;
pub mod scrub;

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::secret::Secret;

pub use paging::{Budget, Pager, PagingError};
pub use redirect::Refused;
pub use retry::{
    encode_component, encode_segment, join_url, NotOneSegment, RetryPolicy, Retryable,
};
pub use scrub::{scrub, MAX_MESSAGE};

/// What is wrong with an answer that did not decode, by kind and position
/// only: serde's own message quotes the value it met (`invalid type: string
/// "sgp_…"`), which may be a secret the server echoed.
pub fn decode_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Syntax => "it is not valid JSON",
        Category::Eof => "it ends before its JSON does",
        Category::Data => "a value in it has another type or shape than the API documents",
        Category::Io => "it could not be read",
    };
    format!("{what} (line {}, column {})", e.line(), e.column())
}

/// The most of a response body we read (a page of 200 Segment groups is a
/// few hundred KiB).
pub const MAX_BODY: usize = 32 << 20;

/// Why an attempt failed, before an API classifies it.
#[derive(Debug)]
pub enum Failure {
    /// The server answered with a non-2xx status.
    Status(ErrorBody),
    /// No answer: `connect` when the connection was never made (so the
    /// server cannot have acted on the request).
    Transport { message: String, connect: bool },
    /// A redirect the policy refused (nothing was sent to its target).
    Redirect(Refused),
    /// The answer was larger than `limit` bytes.
    TooLarge { limit: usize },
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

    /// `text` without the request's secrets (even broken up by whitespace
    /// or control characters), cut to [`MAX_MESSAGE`] characters.
    pub fn scrub(&self, text: &str) -> String {
        scrub(text, self.secrets.iter().map(Secret::expose))
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
    /// The process's client with the default retry policy.
    pub fn new() -> Result<Self, reqwest::Error> {
        Self::with_policy(RetryPolicy::default())
    }

    pub fn with_policy(policy: RetryPolicy) -> Result<Self, reqwest::Error> {
        Self::from_builder(reqwest::Client::builder(), policy)
    }

    /// From `builder` (tests add root certificates), with our user agent
    /// and connect timeout; reqwest follows no redirect, the transport's
    /// own policy decides (`redirect`); proxies from the environment, never
    /// for loopback (`proxy`).
    pub fn from_builder(
        builder: reqwest::ClientBuilder,
        policy: RetryPolicy,
    ) -> Result<Self, reqwest::Error> {
        let proxies = proxy::from_env(|k| std::env::var(k).ok());
        let builder = proxies
            .into_iter()
            .fold(builder.no_proxy(), |b, p| b.proxy(p));
        let client = builder
            .user_agent(concat!(
                "terraform-provider-conductorone/",
                env!("CARGO_PKG_VERSION")
            ))
            .connect_timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Transport { client, policy })
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
        self.send_within(idempotent, MAX_BODY, prepare).await
    }

    /// `send`, reading at most `limit` bytes of the answer (a page of a
    /// list reads what is left of the list's bound).
    pub async fn send_within<E, F, Fut>(
        &self,
        idempotent: Idempotent,
        limit: usize,
        prepare: F,
    ) -> Result<Bytes, E>
    where
        E: ApiError,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Prepared, E>>,
    {
        let retry_if =
            |e: &E| e.is_retryable() && (idempotent == Idempotent::Yes || e.not_acted_on());
        retry::run_if(&self.policy, retry_if, || async {
            let p = prepare().await?;
            self.attempt(p, limit).await.map_err(E::from_failure)
        })
        .await
    }

    /// One attempt: the request, any redirects the policy follows, and the
    /// answer's body up to `limit` bytes.
    async fn attempt(&self, p: Prepared, limit: usize) -> Result<Bytes, Failure> {
        let Prepared { request, secrets } = p;
        let transport = |e: reqwest::Error| transport(&e, &secrets);
        let mut req = request
            .timeout(self.policy.request_timeout)
            .build()
            .map_err(transport)?;
        let mut hops = 0;
        let mut resp = loop {
            let again = req.try_clone();
            let resp = self.client.execute(req).await.map_err(transport)?;
            match redirect::next(&resp, again, hops) {
                Ok(None) => break resp,
                Ok(Some(next)) => {
                    tracing::debug!(to = %redirect::origin(next.url()), "following a same-origin redirect");
                    req = next;
                    hops += 1;
                }
                Err(refused) => {
                    let to = scrub(&refused.to, secrets.iter().map(Secret::expose));
                    return Err(Failure::Redirect(Refused { to, ..refused }));
                }
            }
        };
        let status = resp.status();
        let retry_after = retry::retry_after(resp.headers());
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(transport)? {
            if body.len().saturating_add(chunk.len()) > limit {
                return Err(Failure::TooLarge { limit });
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
            secrets,
        }))
    }
}

/// A transport error's message with its causes (reqwest's messages carry
/// the URL, never headers or bodies), scrubbed all the same.
fn transport(e: &reqwest::Error, secrets: &[Secret]) -> Failure {
    let mut message = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        message.push_str(": ");
        message.push_str(&s.to_string());
        src = s.source();
    }
    Failure::Transport {
        message: scrub(&message, secrets.iter().map(Secret::expose)),
        connect: e.is_connect(),
    }
}
