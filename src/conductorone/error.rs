//! ConductorOne API errors: typed from `google.rpc.Status` bodies, scrubbed
//! by the transport of every secret of the request.

use std::time::Duration;

use serde::Deserialize;

use crate::http::{ApiError, ErrorBody, Failure, NotOneSegment, PagingError, Refused, Retryable};

#[derive(Debug, thiserror::Error)]
pub enum C1Error {
    #[error("invalid ConductorOne client secret: {0}")]
    InvalidSecret(String),
    #[error("ConductorOne refused the credentials (HTTP {status}): {message}")]
    Unauthenticated { status: u16, message: String },
    #[error(
        "ConductorOne denied the call (HTTP 403, permission denied): {message}. The client's \
         credentials lack the permission this change needs: a read-only client can plan but not \
         apply; apply with a client that holds the Connector Administrator role"
    )]
    PermissionDenied { message: String },
    #[error("ConductorOne answered HTTP {status} (code {code}): {message}")]
    Status {
        status: u16,
        code: i64,
        message: String,
        retry_after: Option<Duration>,
    },
    /// A redirect the transport refused to follow.
    #[error(
        "ConductorOne answered HTTP {} redirecting to {}, which the provider does not follow: {} \
         (a redirect is followed only within the same https origin, for reads). Nothing was sent \
         there. Check server_url (or CONDUCTORONE_SERVER_URL) and the tenant in client_id.",
        .0.status, .0.to, .0.why
    )]
    Redirect(Refused),
    #[error("ConductorOne's answer is larger than {limit} bytes, the most the provider reads of one answer or list")]
    TooLarge { limit: usize },
    #[error("ConductorOne's list could not be read whole: {0}")]
    Paging(#[from] PagingError),
    /// ConductorOne answered an update without taking it.
    #[error("ConductorOne answered the update but did not take {what}: it kept {kept:?}")]
    NotTaken { what: String, kept: String },
    #[error("could not reach ConductorOne: {message}")]
    Transport { message: String, connect: bool },
    #[error("ConductorOne's answer could not be read: {0}")]
    Decode(String),
    #[error("an ID from ConductorOne (or from the state) cannot be used: {0}")]
    NotOneSegment(#[from] NotOneSegment),
}

impl C1Error {
    /// The server may have carried the request out though no answer said so:
    /// a server error, or a connection lost after the request was sent.
    pub fn may_have_acted(&self) -> bool {
        matches!(
            self,
            C1Error::Status { status: 500.., .. }
                | C1Error::Transport { connect: false, .. }
                | C1Error::TooLarge { .. }
        )
    }

    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            C1Error::Status { status: 404, .. } | C1Error::Status { code: 5, .. }
        )
    }

    /// From a non-2xx answer: `google.rpc.Status` when the body is one.
    fn from_body(body: &ErrorBody) -> C1Error {
        #[derive(Deserialize)]
        struct RpcStatus {
            code: Option<i64>,
            message: Option<String>,
        }
        let parsed: Option<RpcStatus> = body.json();
        let message = match parsed.as_ref().and_then(|s| s.message.as_deref()) {
            Some(m) => body.scrub(m),
            None => body.text(),
        };
        let code = parsed.as_ref().and_then(|s| s.code);
        match body.status {
            401 => C1Error::Unauthenticated {
                status: 401,
                message,
            },
            403 if code.is_none_or(|c| c == 7) => C1Error::PermissionDenied { message },
            status => C1Error::Status {
                status,
                code: code.unwrap_or(0),
                message,
                retry_after: body.retry_after,
            },
        }
    }
}

impl ApiError for C1Error {
    fn from_failure(f: Failure) -> Self {
        match f {
            Failure::Status(body) => C1Error::from_body(&body),
            Failure::Transport { message, connect } => C1Error::Transport { message, connect },
            Failure::Redirect(r) => C1Error::Redirect(r),
            Failure::TooLarge { limit } => C1Error::TooLarge { limit },
        }
    }

    fn not_acted_on(&self) -> bool {
        matches!(
            self,
            C1Error::Status { status: 429, .. } | C1Error::Transport { connect: true, .. }
        )
    }
}

impl Retryable for C1Error {
    fn is_retryable(&self) -> bool {
        match self {
            C1Error::Status { status, .. } => *status == 429 || *status >= 500,
            C1Error::Transport { .. } => true,
            _ => false,
        }
    }
    fn retry_after(&self) -> Option<Duration> {
        match self {
            C1Error::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_across_the_cut_of_a_plain_body_never_shows() {
        let token = format!("tok_{}", "s".repeat(60));
        let body = format!("{}{token}", "<".repeat(280));
        let e = C1Error::from_body(&ErrorBody::new(
            502,
            None,
            body.as_bytes(),
            vec![crate::secret::Secret::new(token.clone())],
        ));
        let text = e.to_string();
        assert!(!text.contains("tok_") && !text.contains("sssss"), "{text}");
        let rpc = format!(r#"{{"code":5,"message":"no {token}"}}"#);
        let e = C1Error::from_body(&ErrorBody::new(
            404,
            None,
            rpc.as_bytes(),
            vec![crate::secret::Secret::new(token)],
        ));
        assert!(e.is_not_found());
        assert!(e.to_string().contains("no REDACTED"), "{e}");
    }
}
