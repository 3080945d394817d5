//! Segment API errors, with messages a user can act on.

use std::time::Duration;

use serde::Deserialize;

use crate::http::{ApiError, ErrorBody, Failure, PagingError, Refused, Retryable};

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
    #[error("Segment is rate limiting this token (HTTP 429{}); {}", message_suffix(.message), waited(.retry_after))]
    RateLimited {
        message: Option<String>,
        retry_after: Option<Duration>,
    },
    /// A redirect the transport refused to follow.
    #[error(
        "Segment answered HTTP {} redirecting to {}, which the provider does not follow: {} (a \
         redirect is followed only within the same https origin, for reads). Nothing was sent \
         there. Check segment_api_url (or SEGMENT_API_URL): EU workspaces use \
         https://eu1.api.segmentapis.com.",
        .0.status, .0.to, .0.why
    )]
    Redirect(Refused),
    #[error("Segment's answer is larger than {limit} bytes, the most the provider reads of one answer or list")]
    TooLarge { limit: usize },
    #[error("Segment's list could not be read whole: {0}")]
    Paging(#[from] PagingError),
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

/// What the retries did, given what the server asked for.
fn waited(asked: &Option<Duration>) -> String {
    match asked {
        Some(d) if *d > crate::http::RetryPolicy::default().max_total => format!(
            "it asked to wait {} s, longer than the provider waits in all ({} s)",
            d.as_secs(),
            crate::http::RetryPolicy::default().max_total.as_secs()
        ),
        _ => "retries ran out".to_string(),
    }
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

/// Segment's own message from an error body, else the body's text (a
/// proxy's page, say); scrubbed, then cut.
fn body_message(body: &ErrorBody) -> Option<String> {
    let own = body.json::<ErrorEnvelope>().and_then(|env| {
        let first = env.errors.into_iter().next()?;
        first.message.or(first.kind)
    });
    match own {
        Some(text) => Some(body.scrub(&text)),
        None => Some(body.text()).filter(|t| !t.trim().is_empty()),
    }
}

impl SegmentError {
    fn from_body(body: &ErrorBody) -> Self {
        let message = body_message(body);
        match body.status {
            401 | 403 => SegmentError::Unauthorized {
                status: body.status,
                message,
            },
            404 => SegmentError::NotFound { message },
            429 => SegmentError::RateLimited {
                message,
                retry_after: body.retry_after,
            },
            status => SegmentError::Api { status, message },
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
}

impl ApiError for SegmentError {
    fn from_failure(f: Failure) -> Self {
        match f {
            Failure::Status(body) => SegmentError::from_body(&body),
            Failure::Transport { message, .. } => SegmentError::Transport(message),
            Failure::Redirect(r) => SegmentError::Redirect(r),
            Failure::TooLarge { limit } => SegmentError::TooLarge { limit },
        }
    }
    /// Every Segment call we make is a read.
    fn not_acted_on(&self) -> bool {
        true
    }
}

impl Retryable for SegmentError {
    fn is_retryable(&self) -> bool {
        self.retryable()
    }
    fn retry_after(&self) -> Option<Duration> {
        match self {
            SegmentError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    impl SegmentError {
        fn from_response(status: u16, body: &[u8], token: &Secret) -> Self {
            let secrets = vec![token.clone()];
            SegmentError::from_body(&ErrorBody::new(status, None, body, secrets))
        }
    }

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
        let token = Secret::new("tok_123");
        let e = SegmentError::from_response(502, b"<html>bad gateway tok_123</html>", &token);
        assert_eq!(
            e.to_string(),
            "Segment answered HTTP 502: <html>bad gateway REDACTED</html>"
        );
        let e = SegmentError::from_response(502, b" \n", &token);
        assert_eq!(e.to_string(), "Segment answered HTTP 502");
        // A token across the cut: scrubbed first, so no part of it shows.
        let tok = format!("tok_{}", "s".repeat(60));
        let body = format!("{}{tok}", "<".repeat(280));
        let e = SegmentError::from_response(502, body.as_bytes(), &Secret::new(tok.clone()));
        let text = e.to_string();
        assert!(!text.contains("tok_") && !text.contains("sssss"), "{text}");
    }
}
