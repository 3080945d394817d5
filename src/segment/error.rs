//! Segment API errors, with messages a user can act on.

use std::time::Duration;

use serde::Deserialize;

use crate::secret::Secret;

/// How long a piece of an error body we are willing to show.
const MAX_MESSAGE: usize = 300;

const MAKE_A_TOKEN: &str =
    "Create a Public API token with the Workspace Owner access level in Segment \
    (Settings > Workspace settings > Access Management > Tokens) and use it here.";

#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    /// 401 or 403: the token is invalid, revoked, or lacks permission.
    #[error("Segment refused the access token (HTTP {status}{}). {MAKE_A_TOKEN}", message_suffix(.message))]
    Unauthorized {
        status: u16,
        message: Option<String>,
    },
    /// The token reads the workspace but is refused access management.
    #[error("The Segment access token can read the workspace but not its access management (groups, roles, users): these reads need a token with the Workspace Owner access level (HTTP {status}). {MAKE_A_TOKEN}")]
    InsufficientAccess { status: u16 },
    #[error("Segment found no such object (HTTP 404{})", message_suffix(.message))]
    NotFound { message: Option<String> },
    #[error("Segment is rate limiting this token (HTTP 429{}); retries ran out", message_suffix(.message))]
    RateLimited {
        message: Option<String>,
        retry_after: Option<Duration>,
    },
    #[error("Segment answered HTTP {status}{}", message_suffix(.message))]
    Api {
        status: u16,
        message: Option<String>,
    },
    #[error("could not reach Segment: {0}")]
    Transport(String),
    #[error("Segment's answer could not be read: {0}")]
    Decode(String),
}

fn message_suffix(m: &Option<String>) -> String {
    m.as_ref().map(|m| format!(": {m}")).unwrap_or_default()
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    errors: Vec<RequestError>,
}

#[derive(Deserialize)]
struct RequestError {
    message: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// Segment's own message from an error body, cut and scrubbed of the token.
fn body_message(body: &[u8], token: &Secret) -> Option<String> {
    let env: ErrorEnvelope = serde_json::from_slice(body).ok()?;
    let first = env.errors.into_iter().next()?;
    let text = first.message.or(first.kind)?;
    Some(scrub(&text, token))
}

/// Removes the token and control characters and bounds the length.
pub(crate) fn scrub(text: &str, token: &Secret) -> String {
    let mut t = text.to_string();
    if !token.expose().is_empty() {
        t = t.replace(token.expose(), "REDACTED");
    }
    let mut t: String = t.chars().filter(|c| !c.is_control()).collect();
    if t.chars().count() > MAX_MESSAGE {
        t = t.chars().take(MAX_MESSAGE).collect::<String>() + "…";
    }
    t
}

impl SegmentError {
    pub(crate) fn from_response(status: u16, body: &[u8], token: &Secret) -> Self {
        let message = body_message(body, token);
        match status {
            401 | 403 => SegmentError::Unauthorized { status, message },
            404 => SegmentError::NotFound { message },
            429 => SegmentError::RateLimited {
                message,
                retry_after: None,
            },
            _ => SegmentError::Api { status, message },
        }
    }

    #[must_use]
    pub(crate) fn with_retry_after(self, wait: Option<Duration>) -> Self {
        match self {
            SegmentError::RateLimited { message, .. } => SegmentError::RateLimited {
                message,
                retry_after: wait,
            },
            other => other,
        }
    }

    fn retry_after_wait(&self) -> Option<Duration> {
        match self {
            SegmentError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Rate limits, server errors and connection failures may pass.
    fn retryable(&self) -> bool {
        match self {
            SegmentError::RateLimited { .. } | SegmentError::Transport(_) => true,
            SegmentError::Api { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// True when Segment refused the token.
    pub fn is_refused_token(&self) -> bool {
        matches!(
            self,
            SegmentError::Unauthorized { .. } | SegmentError::InsufficientAccess { .. }
        )
    }

    pub(crate) fn transport(e: reqwest::Error) -> Self {
        // reqwest's messages carry the URL, never headers: no token in them.
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            src = s.source();
        }
        SegmentError::Transport(msg)
    }
}

impl crate::retry::Retryable for SegmentError {
    fn is_retryable(&self) -> bool {
        self.retryable()
    }
    fn retry_after(&self) -> Option<Duration> {
        self.retry_after_wait()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_tokens_say_how_to_make_one_and_never_echo_it() {
        let token = Secret::new("sgp_secret123");
        let body =
            br#"{"errors":[{"type":"unauthorized","message":"token sgp_secret123 is revoked"}]}"#;
        let e = SegmentError::from_response(401, body, &token);
        let text = e.to_string();
        assert!(text.contains("Workspace Owner"), "{text}");
        assert!(!text.contains("sgp_secret123"), "{text}");
        assert!(text.contains("REDACTED is revoked"));
        assert!(SegmentError::InsufficientAccess { status: 403 }
            .to_string()
            .contains("need a token with the Workspace Owner"));
    }

    #[test]
    fn long_and_odd_bodies_are_cut() {
        let token = Secret::new("t");
        let long = format!(
            r#"{{"errors":[{{"type":"x","message":"{}"}}]}}"#,
            "a".repeat(5000)
        );
        let e = SegmentError::from_response(500, long.as_bytes(), &token);
        assert!(e.to_string().len() < 400);
        let e = SegmentError::from_response(502, b"<html>bad gateway</html>", &token);
        assert_eq!(e.to_string(), "Segment answered HTTP 502");
    }
}
