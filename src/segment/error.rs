//! Segment API errors, with messages a user can act on.

use std::time::Duration;

use serde::Deserialize;

use crate::http::{ApiError, ErrorBody, Failure, NotOneSegment, PagingError, Refused, Retryable};

const MAKE_A_TOKEN: &str =
    "Create a Public API token with the Workspace Owner access level in Segment \
    (Settings > Workspace settings > Access Management > Tokens) and use it here.";
const EU: &str = "A token of an EU workspace works only against https://eu1.api.segmentapis.com: \
    set segment_api_url (or SEGMENT_API_URL) to it.";

#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    /// 401 or 403: the token is invalid, revoked, or lacks permission.
    #[error("Segment refused the access token (HTTP {status}{}). {MAKE_A_TOKEN} {EU}", message_suffix(.message))]
    Unauthorized {
        status: u16,
        message: Option<String>,
    },
    /// The token reads the workspace but is refused `what` (such as
    /// `users, groups`), which ConductorOne's connector reads.
    #[error("The Segment access token can read the workspace but not its {what}, which ConductorOne's Segment connector reads: these reads need a token with the Workspace Owner access level (HTTP {status}). {MAKE_A_TOKEN}")]
    CannotRead { what: String, status: u16 },
    #[error("Segment found no such object (HTTP 404{})", message_suffix(.message))]
    NotFound { message: Option<String> },
    #[error("Segment is rate limiting this token (HTTP 429{}); {}", message_suffix(.message), waited(.retry_after))]
    RateLimited {
        message: Option<String>,
        retry_after: Option<Duration>,
    },
    /// A redirect the transport refused to follow.
    #[error("{}", redirect_message(.0))]
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
    #[error("an ID from Segment cannot be used: {0}")]
    NotOneSegment(#[from] NotOneSegment),
}

/// A refused redirect, and what to do: for Segment's EU host, the workspace
/// is in the EU.
fn redirect_message(r: &Refused) -> String {
    let head = format!(
        "Segment answered HTTP {} redirecting to {}, which the provider does not follow: {} (a \
         redirect is followed only within the same https origin, for reads). Nothing was sent \
         there, the token included.",
        r.status, r.to, r.why
    );
    let eu = "https://eu1.api.segmentapis.com";
    if r.to.starts_with(eu) {
        format!("{head} This workspace is in the EU: set segment_api_url (or SEGMENT_API_URL) to \"{eu}\".")
    } else {
        format!("{head} Check segment_api_url (or SEGMENT_API_URL): EU workspaces use {eu}.")
    }
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
    #[serde(default)]
    data: Option<serde_json::Value>,
}

/// `errors[0].data.msBeforeNext` of a 429: how long until the limit lifts,
/// the only hint Segment gives for limits other than the token's.
fn ms_before_next(body: &ErrorBody) -> Option<Duration> {
    let env = body.json::<ErrorEnvelope>()?;
    let data = env.errors.into_iter().next()?.data?;
    let ms = data.get("msBeforeNext")?.as_f64()?;
    (ms.is_finite() && ms >= 0.0).then(|| Duration::from_secs_f64((ms / 1000.0).min(1e9)))
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
            // Retry-After, else X-RateLimit-Reset (the transport read both),
            // else msBeforeNext in the body.
            429 => SegmentError::RateLimited {
                message,
                retry_after: body.retry_after.or_else(|| ms_before_next(body)),
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
            SegmentError::Unauthorized { .. } | SegmentError::CannotRead { .. }
        )
    }

    /// A workspace whose plan lacks user groups (`GET /groups` answers 400
    /// "Your plan does not include User Groups"): no fault of the token.
    pub fn is_no_groups_plan(&self) -> bool {
        matches!(self, SegmentError::Api { status: 400, message: Some(m) } if m.contains("does not include User Groups"))
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
        let e = SegmentError::CannotRead {
            what: "users, groups".into(),
            status: 403,
        };
        assert!(e.to_string().contains("not its users, groups"), "{e}");
        assert!(e
            .to_string()
            .contains("need a token with the Workspace Owner"));
        assert!(text.contains("eu1.api.segmentapis.com"), "{text}");
    }

    #[test]
    fn a_429_waits_as_the_header_or_the_body_says() {
        let body = br#"{"errors":[{"type":"RequestError","message":"Too many requests","data":{"remainingPoints":0,"msBeforeNext":57647,"consumedPoints":21}}]}"#;
        let e = SegmentError::from_body(&ErrorBody::new(429, None, body, vec![]));
        assert_eq!(e.retry_after(), Some(Duration::from_millis(57647)));
        let e = SegmentError::from_body(&ErrorBody::new(
            429,
            Some(Duration::from_secs(3)),
            body,
            vec![],
        ));
        assert_eq!(
            e.retry_after(),
            Some(Duration::from_secs(3)),
            "the header first"
        );
        for odd in ["-5", "1e400", "\"soon\"", "null"] {
            let b = format!(r#"{{"errors":[{{"type":"x","data":{{"msBeforeNext":{odd}}}}}]}}"#);
            let e = SegmentError::from_body(&ErrorBody::new(429, None, b.as_bytes(), vec![]));
            assert_eq!(e.retry_after(), None, "{odd}");
        }
        let huge = br#"{"errors":[{"type":"x","data":{"msBeforeNext":1e300}}]}"#;
        let e = SegmentError::from_body(&ErrorBody::new(429, None, huge, vec![]));
        assert!(e.retry_after().is_some());
        assert!(
            e.to_string().contains("longer than the provider waits"),
            "{e}"
        );
    }

    #[test]
    fn an_eu_redirect_says_the_workspace_is_in_the_eu() {
        let r = Refused {
            status: 307,
            to: "https://eu1.api.segmentapis.com".into(),
            why: "it leaves https://api.segmentapis.com".into(),
        };
        let text = SegmentError::Redirect(r).to_string();
        assert!(text.contains("This workspace is in the EU"), "{text}");
        assert!(text.contains("segment_api_url"), "{text}");
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
