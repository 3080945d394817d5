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

/// A string, or each string element of a collection, that is not `.` or
/// `..`: percent-encoding keeps any other text within one URL path segment,
/// but a URL resolves these two away, so an ID of `..` would send the request
/// to its parent's path (a connector's delete to its app's).
pub fn path_segments(v: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    let values = match v {
        Value::String(_) => vec![v],
        other => other.elements().iter().collect(),
    };
    if values
        .iter()
        .any(|e| matches!(e.as_str(), Some("." | "..")))
    {
        diags.error_at(
            path.clone(),
            "Invalid ID",
            format!("{path} must not be \".\" or \"..\": no ID is, and in a request's URL either would name another path."),
        );
    }
}

/// An absolute `https` URL, or `http` to a loopback address (local test
/// servers), whose host is a DNS name or an IP address, with no user or
/// password, query or fragment. Returns the parsed URL when valid. Messages
/// name the problem, never the value: a secret pasted into a URL setting by
/// mistake (a token, a client secret, a query string) is never shown.
pub fn service_url(v: &Value, path: &AttributePath, diags: &mut Diagnostics) -> Option<url::Url> {
    let Value::String(s) = v else { return None };
    match check_service_url(s) {
        Ok(u) => Some(u),
        Err(why) => {
            diags.error_at(
                path.clone(),
                "Invalid URL",
                format!("{path} must be an absolute https:// URL: {why} (the value is not shown, in case it is a secret)."),
            );
            None
        }
    }
}

/// Why `s` is no service URL, in words that never quote it.
fn check_service_url(s: &str) -> Result<url::Url, String> {
    let u = url::Url::parse(s.trim()).map_err(|e| format!("the value is not a URL ({e})"))?;
    if !u.username().is_empty() || u.password().is_some() {
        return Err("the URL carries a user or password, which it must not".into());
    }
    match u.scheme() {
        "https" => {}
        "http" if is_loopback(&u) => {}
        "http" => return Err("the URL uses plain http, which is allowed only for loopback addresses (127.0.0.1, ::1, localhost)".into()),
        _ => return Err("the URL's scheme is not https".into()),
    }
    match u.host() {
        None => return Err("the URL has no host".into()),
        Some(url::Host::Domain(d)) if !is_dns_name(d) => {
            return Err("the URL's host is not a valid DNS name".into())
        }
        Some(_) => {}
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err(
            "the URL has a query or fragment (?, #), which a service address never needs".into(),
        );
    }
    Ok(u)
}

/// A DNS host name: dot-separated labels of letters, digits and hyphens
/// (not at either end of a label), 1 to 63 characters each, 253 in all; a
/// final dot is allowed.
pub fn is_dns_name(s: &str) -> bool {
    let name = s.strip_suffix('.').unwrap_or(s);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
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

    #[test]
    fn a_value_that_is_no_url_is_never_shown() {
        for bad in [
            "http://user:s3cr3t-pw@segment.example.com",
            "https://user:s3cr3t-pw@host/x",
            "user:s3cr3t-pw@host",
            "http://user:s3cr3t-pw@127.0.0.1:1/",
            "ftp://user:s3cr3t-pw@host/",
            "https://user:s3cr3t-pw@ho st/",
            // A client secret (with its private key) set as the server URL.
            "secret-token:conductorone.com:v1:eyJzM2NyM3QiOiJzM2NyM3QifQ",
            // A Segment token as the Segment API URL.
            "sgp_s3cr3tS3cr3tS3cr3t",
            "https://sgp_s3cr3t.example.com",
            // A token in a query string.
            "https://api.segmentapis.com/?token=s3cr3t",
            "http://127.0.0.1:9/#s3cr3t",
        ] {
            let d = check(bad);
            let text = d
                .iter()
                .map(|d| format!("{} {}", d.summary, d.detail))
                .collect::<String>();
            assert!(d.has_errors(), "{bad}");
            for shown in ["s3cr3t", "eyJ", "sgp_"] {
                assert!(!text.contains(shown), "{bad}: {text}");
            }
        }
    }

    #[test]
    fn dns_names() {
        for good in ["localhost", "acme.conductor.one", "a-b.c", "x.", "a1.b2"] {
            assert!(is_dns_name(good), "{good}");
        }
        for bad in [
            "",
            "evil.example?.conductor.one",
            "evil.example#.conductor.one",
            "evil.example\\.conductor.one",
            "a..b",
            "-a.b",
            "a_b.c",
            "a b",
            &"a".repeat(64),
        ] {
            assert!(!is_dns_name(bad), "{bad}");
        }
    }

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
            "https://evil.example?.conductor.one",
            "https://evil.example#.conductor.one",
            "https://evil_example.com",
            "https://-evil.com",
        ] {
            let d = check(bad);
            assert!(d.has_errors(), "{bad} should be refused");
            assert_eq!(
                d.iter().next().and_then(|d| d.path.clone()),
                Some(AttributePath::new("server_url"))
            );
        }
        assert!(check("https://acme.conductor.one/").is_empty());
        assert!(check("https://10.0.0.1:8443/x").is_empty());
        assert!(check("https://xn--bcher-kva.example/").is_empty());
        assert!(
            check("https://bücher.example/").is_empty(),
            "IDNs are punycoded"
        );
        let mut d = Diagnostics::new();
        service_url(&Value::Unknown, &AttributePath::new("x"), &mut d);
        service_url(&Value::Null, &AttributePath::new("x"), &mut d);
        assert!(d.is_empty());
    }
}
