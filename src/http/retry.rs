//! Retries for the transport (Segment and ConductorOne alike): 429 waits as the
//! server says (`Retry-After`, else `X-RateLimit-Reset`); 5xx and connection
//! failures back off exponentially with jitter. Both are bounded in attempts
//! and in total time. Also the URL helpers both clients share.

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderMap;

/// An error that may be worth another attempt.
pub trait Retryable: std::fmt::Display {
    /// Rate limits, server errors and connection failures may pass.
    fn is_retryable(&self) -> bool;
    /// How long the server asked us to wait, for rate limits.
    fn retry_after(&self) -> Option<Duration>;
}

#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The first backoff; doubled each retry.
    pub base_delay: Duration,
    /// The longest backoff between two attempts (a server's own
    /// `Retry-After` is honoured up to `max_total`).
    pub max_delay: Duration,
    /// No retry starts once this much time has passed since the first attempt.
    pub max_total: Duration,
    /// Timeout of each attempt.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
            max_total: Duration::from_secs(120),
            request_timeout: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff for retry `n` (1-based): half of it fixed, half random.
    fn backoff(&self, n: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << n.saturating_sub(1).min(16));
        let half = exp.min(self.max_delay) / 2;
        let span = u64::try_from(half.as_millis()).unwrap_or(0);
        half + Duration::from_millis(if span == 0 {
            0
        } else {
            random_u64() % (span + 1)
        })
    }
}

fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    h.finish()
}

/// How long the server asked us to wait: `Retry-After` (seconds or a date),
/// else `X-RateLimit-Reset` (an RFC 5322 date). Any number of seconds is
/// taken as it is (the wait is compared with the policy's total by
/// saturating arithmetic); a negative, fractional or unreadable value is no
/// answer, and the policy's own backoff applies.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let get = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(v) = get("retry-after") {
        if let Ok(secs) = v.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        if let Ok(at) = httpdate::parse_http_date(v) {
            return Some(
                at.duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO),
            );
        }
    }
    let at = httpdate::parse_http_date(get("x-ratelimit-reset")?).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Runs `attempt` until it succeeds, fails for good, or the policy runs out,
/// retrying only the errors `retry_if` allows (calls that are not idempotent
/// retry only what the server cannot have acted on).
pub async fn run_if<T, E, F, Fut>(
    policy: &RetryPolicy,
    retry_if: impl Fn(&E) -> bool,
    mut attempt: F,
) -> Result<T, E>
where
    E: Retryable,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let start = Instant::now();
    let mut n = 0;
    loop {
        n += 1;
        let err = match attempt().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        if !retry_if(&err) || n >= policy.max_attempts {
            return Err(err);
        }
        let wait = err.retry_after().unwrap_or_else(|| policy.backoff(n));
        if start.elapsed().saturating_add(wait) > policy.max_total {
            return Err(err);
        }
        tracing::debug!(attempt = n, wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), error = %err, "retrying an API call");
        tokio::time::sleep(wait).await;
    }
}

/// `base` with `path` appended to its path.
pub fn join_url(base: &url::Url, path: &str) -> url::Url {
    let mut u = base.clone();
    let joined = format!(
        "{}/{}",
        u.path().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    u.set_path(&joined);
    u
}

/// An ID that cannot be one segment of a request's path: empty, `.` or
/// `..`, which a URL resolves away (a connector ID of `..` would turn its
/// delete into one of the app). Config values are refused at validation, so
/// one met here came from a server (or a state it wrote): nothing is sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the ID {0:?} cannot be sent: as a segment of a request's path it would name another path (no request was made)")]
pub struct NotOneSegment(pub String);

/// Percent-encodes an id for use as one path segment.
pub fn encode_segment(id: &str) -> Result<String, NotOneSegment> {
    match id {
        "" | "." | ".." => Err(NotOneSegment(id.to_string())),
        _ => Ok(encode_component(id)),
    }
}

/// Percent-encodes text for a query value (or a path segment).
pub fn encode_component(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::SegmentError;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..Default::default()
        };
        for n in 1..12 {
            let d = p.backoff(n);
            assert!(d <= Duration::from_secs(1), "{n}: {d:?}");
            assert!(
                d >= Duration::from_millis(50).min(p.max_delay / 2),
                "{n}: {d:?}"
            );
        }
        assert!(p.backoff(1) <= Duration::from_millis(100));
    }

    #[test]
    fn reads_retry_after_and_reset_headers() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        let mut h = HeaderMap::new();
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        h.insert("x-ratelimit-reset", later.parse().unwrap());
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(retry_after(&HeaderMap::new()), None);
        for odd in ["-5", "soon", "1.5", "", "99999999999999999999999"] {
            let mut h = HeaderMap::new();
            h.insert("retry-after", odd.parse().unwrap());
            assert_eq!(retry_after(&h), None, "{odd:?}");
        }
        let mut h = HeaderMap::new();
        h.insert("retry-after", "18446744073709551615".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(u64::MAX)));
    }

    /// A wait longer than the policy's total (even the largest a header can
    /// say) ends the retries with the error, after the first second too.
    #[tokio::test]
    async fn a_huge_retry_after_gives_up_instead_of_overflowing() {
        let p = RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            ..Default::default()
        };
        let mut calls = 0;
        let started = Instant::now();
        let r: Result<(), _> = run_if(&p, Retryable::is_retryable, || {
            calls += 1;
            let n = calls;
            async move {
                if n == 1 {
                    // The first answer comes after a second, so that the
                    // elapsed time is not zero when the huge wait is added.
                    tokio::time::sleep(Duration::from_millis(1100)).await;
                }
                Err(SegmentError::RateLimited {
                    message: None,
                    retry_after: Some(Duration::from_secs(u64::MAX)),
                })
            }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls, 1);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn retries_are_bounded() {
        let p = RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            ..Default::default()
        };
        let mut calls = 0;
        let r: Result<(), _> = run_if(&p, Retryable::is_retryable, || {
            calls += 1;
            async {
                Err(SegmentError::Api {
                    status: 503,
                    message: None,
                })
            }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls, 3);
        let mut calls = 0;
        let r: Result<(), _> = run_if(&p, Retryable::is_retryable, || {
            calls += 1;
            async { Err(SegmentError::NotFound { message: None }) }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls, 1, "4xx other than 429 are final");
    }
}
