//! The one redirect policy of every outbound call. reqwest follows nothing
//! (its client is built with `Policy::none()`); the transport asks
//! [`next`] about each 3xx answer. A redirect is followed only when it stays
//! on the request's origin (scheme, host and port) and the request is a read
//! without a body (`GET` or `HEAD`); anything else is refused, naming where
//! it pointed, so that no credential, assertion, token or body is ever sent
//! to another host or over plain http.

use reqwest::{Method, Request, Response, StatusCode};

/// The most same-origin redirects one request follows.
pub const MAX_HOPS: u32 = 5;

/// A redirect the policy refused: nothing was sent to its target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub status: u16,
    /// The target's origin (`scheme://host[:port]`), or a word saying why
    /// there is none.
    pub to: String,
    pub why: String,
}

/// The request to send next, when `resp` is a redirect the policy follows;
/// `None` when it is no redirect at all. `again` is a copy of the request
/// that was sent (`None` when it could not be copied).
pub fn next(
    resp: &Response,
    again: Option<Request>,
    hops: u32,
) -> Result<Option<Request>, Refused> {
    let status = resp.status();
    if !is_redirect(status) {
        return Ok(None);
    }
    let from = resp.url();
    let refuse = |to: String, why: String| Refused {
        status: status.as_u16(),
        to,
        why,
    };
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok());
    let Some(target) = location.and_then(|l| from.join(l.trim()).ok()) else {
        return Err(refuse(
            "(no usable Location)".into(),
            "the answer names no valid target".into(),
        ));
    };
    let to = origin(&target);
    let (method, has_body) = again.as_ref().map_or((Method::POST, true), |r| {
        (r.method().clone(), r.body().is_some())
    });
    if let Some(why) = refusal(from, &target, &method, has_body) {
        return Err(refuse(to, why));
    }
    if hops >= MAX_HOPS {
        return Err(refuse(
            to,
            format!("it is the {}th redirect in a row", hops + 1),
        ));
    }
    let mut req =
        again.ok_or_else(|| refuse(to.clone(), "the request cannot be repeated".into()))?;
    *req.url_mut() = target;
    Ok(Some(req))
}

/// Why a redirect from `from` to `to` may not be followed, if it may not.
fn refusal(from: &url::Url, to: &url::Url, method: &Method, has_body: bool) -> Option<String> {
    if from.scheme() == "https" && to.scheme() != "https" {
        return Some(format!("it leaves https for {}", to.scheme()));
    }
    if origin(from) != origin(to) {
        return Some(format!("it leaves {}", origin(from)));
    }
    if !matches!(*method, Method::GET | Method::HEAD) || has_body {
        return Some(format!(
            "it would send a {method} request{} again",
            if has_body { " and its body" } else { "" }
        ));
    }
    None
}

fn is_redirect(s: StatusCode) -> bool {
    matches!(s.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// `scheme://host[:port]` (the port only when it is not the scheme's own).
pub fn origin(u: &url::Url) -> String {
    let host = match u.host() {
        Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
        Some(h) => h.to_string(),
        None => String::new(),
    };
    match u.port() {
        Some(p) => format!("{}://{host}:{p}", u.scheme()),
        None => format!("{}://{host}", u.scheme()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn only_same_origin_reads_without_a_body_may_be_followed() {
        let a = url("https://acme.conductor.one/api/v1/apps");
        let get = Method::GET;
        assert_eq!(
            refusal(&a, &url("https://acme.conductor.one/x"), &get, false),
            None
        );
        assert_eq!(
            refusal(&a, &url("https://ACME.conductor.one:443/x"), &get, false),
            None
        );
        for (to, method, body, why) in [
            (
                "https://evil.example/x",
                Method::GET,
                false,
                "it leaves https://acme.conductor.one",
            ),
            (
                "http://acme.conductor.one/x",
                Method::GET,
                false,
                "it leaves https for http",
            ),
            (
                "https://acme.conductor.one:8443/x",
                Method::GET,
                false,
                "it leaves https://acme",
            ),
            (
                "https://acme.conductor.one/x",
                Method::POST,
                true,
                "POST request and its body",
            ),
            (
                "https://acme.conductor.one/x",
                Method::DELETE,
                false,
                "DELETE request again",
            ),
            (
                "https://acme.conductor.one/x",
                Method::GET,
                true,
                "GET request and its body",
            ),
        ] {
            let got = refusal(&a, &url(to), &method, body).unwrap_or_default();
            assert!(got.contains(why), "{to} {method}: {got}");
        }
        let local = url("http://127.0.0.1:4000/segment/");
        assert_eq!(
            refusal(&local, &url("http://127.0.0.1:4000/segment/x"), &get, false),
            None
        );
        assert!(refusal(&local, &url("http://127.0.0.1:4001/"), &get, false).is_some());
        assert!(refusal(&local, &url("http://localhost:4000/"), &get, false).is_some());
    }

    #[test]
    fn origins() {
        assert_eq!(origin(&url("https://a.b/c?d")), "https://a.b");
        assert_eq!(origin(&url("http://127.0.0.1:9/x")), "http://127.0.0.1:9");
        assert_eq!(origin(&url("http://[::1]:9/x")), "http://[::1]:9");
    }
}
