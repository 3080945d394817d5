//! Value validators that the declared ones (`rules`) and provider code use. Each checks
//! a known value (null and unknown values pass: required-ness is Terraform's
//! job, and unknowns are checked once known) and reports on its path.

use crate::diag::{AttributePath, Diagnostics};
use crate::value::Value;

/// A non-empty string.
pub fn not_empty(v: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    if let Value::String(s) = v {
        if s.trim().is_empty() {
            diags.error_at(
                path.clone(),
                "Empty value",
                format!("{path} must not be empty; leave it out instead."),
            );
        }
    }
}

/// An absolute `https` URL, or `http` to a loopback address (local test
/// servers). Returns the parsed URL when valid.
pub fn service_url(v: &Value, path: &AttributePath, diags: &mut Diagnostics) -> Option<url::Url> {
    let Value::String(s) = v else { return None };
    let bad = |diags: &mut Diagnostics, why: String| {
        diags.error_at(
            path.clone(),
            "Invalid URL",
            format!("{path} must be an absolute https:// URL: {why}."),
        );
    };
    let u = match url::Url::parse(s.trim()) {
        Ok(u) => u,
        Err(e) => {
            bad(diags, format!("{s:?} is not a URL ({e})"));
            return None;
        }
    };
    match u.scheme() {
        "https" => {}
        "http" if is_loopback(&u) => {}
        "http" => {
            bad(diags, format!("{s:?} uses plain http, which is allowed only for loopback addresses (127.0.0.1, ::1, localhost)"));
            return None;
        }
        other => {
            bad(diags, format!("{s:?} has scheme {other:?}"));
            return None;
        }
    }
    if u.host_str().is_none_or(str::is_empty) {
        bad(diags, format!("{s:?} has no host"));
        return None;
    }
    if !u.username().is_empty() || u.password().is_some() {
        bad(diags, "URLs must not carry credentials".to_string());
        return None;
    }
    Some(u)
}

/// True for `localhost` and loopback IP addresses.
pub fn is_loopback(u: &url::Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(s: &str) -> Diagnostics {
        let mut d = Diagnostics::new();
        service_url(&Value::string(s), &AttributePath::new("server_url"), &mut d);
        d
    }

    #[test]
    fn urls() {
        assert!(check("https://acme.conductor.one").is_empty());
        assert!(check("http://127.0.0.1:8080/segment").is_empty());
        assert!(check("http://localhost:1").is_empty());
        assert!(check("http://[::1]:1").is_empty());
        for bad in [
            "true",
            "acme.conductor.one",
            "http://example.com",
            "ftp://x",
            "https://u:p@x.com",
            "",
        ] {
            let d = check(bad);
            assert!(d.has_errors(), "{bad} should be refused");
            assert_eq!(
                d.iter().next().and_then(|d| d.path.clone()),
                Some(AttributePath::new("server_url"))
            );
        }
        let mut d = Diagnostics::new();
        service_url(&Value::Unknown, &AttributePath::new("x"), &mut d);
        service_url(&Value::Null, &AttributePath::new("x"), &mut d);
        assert!(d.is_empty());
    }
}
